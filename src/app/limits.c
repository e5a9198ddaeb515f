/* app/limits.c - the resource limits in force: documented defaults,
 * overridden once at start-up by the server's or a command's options. */
#include "app/limits.h"

#include <assert.h>

static app_limits L = {APP_LIMIT_SIM_EVENTS, APP_LIMIT_SIM_BEDS, APP_LIMIT_ALLOC_ARCS};

app_limits app_limits_get(void)
{
    return L;
}

void app_limits_set(const app_limits *l)
{
    assert(l && l->sim_events > 0 && l->sim_beds > 0 && l->alloc_arcs > 0);
    L = *l;
}

int app_run_cancelled(const app_run_hook *h, ics_err *e)
{
    if (h && h->cancelled && h->cancelled(h->ctx))
        return ics_err_set(e, ICS_ECONFLICT, "the run was cancelled; nothing was stored");
    return 0;
}
