/* app/ops.c - readiness and the database-backed gauges of GET /metrics
 * (see ops.h). Neither is audited: they read no patient or directory data. */
#include "app/ops.h"

#include <assert.h>
#include <stdio.h>

#include "core/metrics.h"
#include "store/jobs.h"

const app_use APP_OPS_METRICS = {"ops.metrics", ROLE_ADMIN, APP_SCOPE_NONE};

int app_ready(store *s, ics_err *e)
{
    assert(s);
    int n = 0;
    char first[96];
    int rc = store_ping(s, e);
    if (!rc) rc = store_schema_pending(s, &n, first, sizeof first, e);
    if (rc) {
        ics_err_prefix(e, "the database is not answering: ");
        e->code = ICS_EBUSY;
        return ICS_EBUSY;
    }
    if (n)
        return ics_err_set(e, ICS_EBUSY,
                           "%d schema migration%s pending (first: %s): restart this server or "
                           "run `icsflow db init` on the database",
                           n, n == 1 ? " is" : "s are", first);
    return 0;
}

int app_ops_gauges(store *s, ics_err *e)
{
    static const char *const states[] = {"queued", "running", "done", "failed", "cancelled"};
    json_t *counts = NULL;
    int rc = store_jobs_count(s, &counts, e);
    if (rc) return rc;
    for (size_t i = 0; i < sizeof states / sizeof *states; i++) {
        char labels[48];
        snprintf(labels, sizeof labels, "state=\"%s\"", states[i]);
        metrics_gauge_set("icsflow_jobs", labels,
                          (double)json_integer_value(json_object_get(counts, states[i])));
    }
    json_decref(counts);
    return 0;
}
