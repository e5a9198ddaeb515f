/* store/sim.h - the simulator's storage and its JSON forms: scenario files
 * (read and written by `icsflow sim` and the API), review results, stored
 * runs, and fitting a scenario from the bed bureau's history or, when there
 * is none, from the directory's unit sizes. */
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
    char source[32];                    /* "file", "beds-history", "unit-sizes" */
    json_t *notes;                      /* array of strings: how it was built (owned) */
    double *values[SIM_MAX_PLACES + 1]; /* empirical LOS: [0] scenario, [1 + i] place i */
    sim_arrival *replay;
} store_sim_doc;

store_sim_doc *store_sim_doc_new(void);
void store_sim_doc_free(store_sim_doc *d);

/* Parse a scenario object. Unknown fields, wrong types, bad codes and bad
 * values are all reported in one message (ICS_EINVAL). Defaults: seed 1,
 * replications 20, warmup_days 180, run_days 365, policy pooled, queue fifo,
 * target 2 days / 0.05. */
int store_sim_doc_parse(const json_t *j, store_sim_doc **out, ics_err *e);
/* The scenario as JSON (round-trips through store_sim_doc_parse). */
json_t *store_sim_doc_json(const store_sim_doc *d);

/* Which of the policies asked for (SIM_REVIEW_* bits) the scenario allows.
 * When borough rules are impossible (a place with demand has no
 * commissioned unit) and both were asked for, borough is dropped with a
 * note; when it alone was asked for, ICS_EINVAL. Returns the bits or < 0. */
int store_sim_doc_policies(store_sim_doc *d, int asked, ics_err *e);

/* JSON of a stat {mean, sd, lo, hi, n}; NaN becomes null. */
json_t *store_sim_stat_json(const sim_stat *s);
/* The review as JSON: per policy the metrics, units, places and beds needed. */
json_t *store_sim_review_json(const store_sim_doc *d, const sim_review *r);
/* The same as CSV rows: policy,scope,code,metric,mean,lo,hi,sd,n. */
char *store_sim_review_csv(const store_sim_doc *d, const sim_review *r);

/* Fit a scenario from the database: units (of bed_type, or all when NULL)
 * and commissioning from the directory; arrivals per place and LOS from the
 * bed bureau's referrals and stays over the last days days when that
 * history exists, else defaults from unit sizes (documented in docs/sim.md;
 * the notes say which). With replay set, the referrals themselves are
 * replayed instead of Poisson arrivals. ICS_EINVAL for an unknown bed type. */
int store_sim_fit(store *s, int days, const char *bed_type, int replay, store_sim_doc **out,
                  ics_err *e);

/* Store a run (scenario, seed, result) inside the caller's transaction;
 * *id receives its id. */
int store_sim_run_save(store *s, const char *actor, const store_sim_doc *d, const json_t *result,
                       int64_t *id, ics_err *e);
/* {id, created_at, created_by, seed, replications, source, synthetic,
 * scenario, result}; ICS_ENOTFOUND when there is no such run. */
int store_sim_run_get(store *s, int64_t id, json_t **out, ics_err *e);
/* Newest first: {id, created_at, created_by, seed, replications, source,
 * synthetic}. */
int store_sim_run_list(store *s, int64_t limit, int64_t offset, json_t **rows, ics_err *e);

#endif
