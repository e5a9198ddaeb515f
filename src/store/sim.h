/* store/sim.h - the simulator's storage: stored runs (scenario, seed and
 * result) and fitting a scenario from the bed bureau's history or, when
 * there is none, from the directory's unit sizes. The scenario's JSON form
 * is src/app/sim.h's; this header holds only the struct both share. */
#ifndef ICS_STORE_SIM_H
#define ICS_STORE_SIM_H

#include <jansson.h>

#include "sim/sim.h"
#include "store/store.h"

/* A scenario with the memory its pointers need and its descriptive fields. */
typedef struct store_sim_doc {
    sim_scenario sc;
    char name[128];
    int synthetic;                      /* demand is invented (labelled in every output) */
    char source[32];                    /* "file", "beds-history", "unit-sizes", "request" */
    json_t *notes;                      /* array of strings: how it was built (owned) */
    double *values[SIM_MAX_PLACES + 1]; /* empirical LOS: [0] scenario, [1 + i] place i */
    sim_arrival *replay;
} store_sim_doc;

/* Defaults: seed 1, replications 20, warmup_days 180, run_days 365, policy
 * pooled, queue fifo, target 2 days / 0.05. */
store_sim_doc *store_sim_doc_new(void);
void store_sim_doc_free(store_sim_doc *d);
/* Append a note (how the scenario was built) to d->notes. */
void store_sim_doc_note(store_sim_doc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Fit a scenario from the database: units (of bed_type, or all when NULL)
 * and commissioning from the directory; arrivals per place and LOS from the
 * bed bureau's referrals and stays over the last days days when that
 * history exists, else defaults from unit sizes (documented in docs/sim.md;
 * the notes say which). With replay set, the referrals themselves are
 * replayed instead of Poisson arrivals. ICS_EINVAL for an unknown bed type. */
int store_sim_fit(store *s, int days, const char *bed_type, int replay, store_sim_doc **out,
                  ics_err *e);

/* Store a run made at instant at (seconds since the epoch; scenario as
 * JSON, seed, result) inside the caller's transaction; *id receives its id. */
int store_sim_run_save(store *s, int64_t at, const char *actor, const store_sim_doc *d,
                       const json_t *scenario, const json_t *result, int64_t *id, ics_err *e);
/* Instants are seconds since the epoch. {id, created_at, created_by, seed, replications, source,
 * synthetic, scenario, result}; ICS_ENOTFOUND when there is no such run. */
int store_sim_run_get(store *s, int64_t id, json_t **out, ics_err *e);
/* Newest first: {id, created_at, created_by, seed, replications, source,
 * synthetic}. */
int store_sim_run_list(store *s, int64_t limit, int64_t offset, json_t **rows, ics_err *e);

#endif
