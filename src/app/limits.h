/* app/limits.h - how big a simulation or an allocation one request may ask
 * for, estimated before it runs (issue 19: one request must never take the
 * server down). Set once at start-up (`icsflow serve --max-sim-events ...`)
 * or per command (`icsflow sim --max-events ...`); read by the use cases. */
#ifndef ICS_APP_LIMITS_H
#define ICS_APP_LIMITS_H

#include <stdatomic.h>

#include "core/error.h"
#include "core/progress.h"

typedef struct app_limits {
    double sim_events; /* simulated events (arrivals + departures) over all evaluations [1e9] */
    double sim_beds;   /* beds the bed search may need (offered load) [100000] */
    double alloc_arcs; /* patients x sites x 2: the allocation network's arcs [5e7] */
} app_limits;

#define APP_LIMIT_SIM_EVENTS 1e9
#define APP_LIMIT_SIM_BEDS   1e5
#define APP_LIMIT_ALLOC_ARCS 5e7

/* The limits in force (the defaults until app_limits_set). */
app_limits app_limits_get(void);
/* Set once, before any thread reads them (start-up or one CLI command). */
void app_limits_set(const app_limits *l);

/* How a long run reports progress and learns it was cancelled (a job on
 * the server's worker pool; NULL fields: nobody is listening). The engines
 * poll stop (every few thousand events or pivots) and end early with
 * ICS_ECONFLICT once it is set; whatever they return after a cancellation
 * is discarded before anything is stored. */
typedef struct app_run_hook {
    progress_fn progress;
    int (*cancelled)(void *ctx);
    void *ctx;
    const atomic_int *stop; /* set by the job's watcher when cancelled */
} app_run_hook;

/* ICS_ECONFLICT "cancelled" when the hook says so, else 0. */
int app_run_cancelled(const app_run_hook *h, ics_err *e);

#endif
