/* store/sim.h - the simulator's storage: stored runs (scenario, seed and
 * result as JSON) and the rows a scenario is fitted from (the directory's
 * places and units, the bed bureau's referrals and stays). The fit itself
 * is src/app/sim_fit.c with the engine's src/sim/fit.c. */
#ifndef ICS_STORE_SIM_H
#define ICS_STORE_SIM_H

#include <jansson.h>

#include "store/store.h"

/* What is stored about a run beside its scenario and result. */
typedef struct store_sim_run {
    int64_t at; /* seconds since the epoch */
    const char *actor;
    uint64_t seed;
    int reps;
    const char *source; /* "file", "beds-history", "unit-sizes", "request" */
    int synthetic;
} store_sim_run;

/* Rows to fit a scenario from. Places {code, name, lat, lon} by code (lat
 * and lon the mean of its postcode districts, NULL without any); units {unit_code,
 * name, beds, lat, lon} of bed_type (all when NULL) by code, at their site;
 * commissioning {unit_code, place_code}. */
/* The places of one ICS (NULL: every place). */
int store_sim_places(store *s, const char *ics, json_t **rows, ics_err *e);
int store_sim_units(store *s, const char *bed_type, json_t **rows, ics_err *e);
int store_sim_commissioners(store *s, json_t **rows, ics_err *e);
/* The newest referral's instant (-1 when there are none), and the oldest
 * (dflt when none). A database without the bed bureau's tables fails. */
int store_sim_referral_last(store *s, int64_t *last, ics_err *e);
int store_sim_referral_first(store *s, int64_t dflt, int64_t *first, ics_err *e);
/* Referrals that wanted a bed (not cancelled or declined, with a place) in
 * [start, end], of a unit type known by either name (unit_type NULL: all):
 * per place {place_code, n, urgent (priority 1)} by place; one by one
 * {place_code, referred_at, priority} in the order they came. */
int store_sim_referral_counts(store *s, int64_t start, int64_t end, const char *unit_type,
                              const char *ref_type, json_t **rows, ics_err *e);
int store_sim_referral_arrivals(store *s, int64_t start, int64_t end, const char *unit_type,
                                const char *ref_type, json_t **rows, ics_err *e);
/* Stays discharged in [start, end] from units of unit_type (NULL: all):
 * {secs} by stay. */
int store_sim_stays(store *s, int64_t start, int64_t end, const char *unit_type, json_t **rows,
                    ics_err *e);
/* 1 in *synthetic when a referral of [start, end] is synthetic. */
int store_sim_referral_synthetic(store *s, int64_t start, int64_t end, int64_t *synthetic,
                                 ics_err *e);

/* Store a run (scenario and result as JSON) inside the caller's
 * transaction; *id receives its id. */
int store_sim_run_save(store *s, const store_sim_run *run, const json_t *scenario,
                       const json_t *result, int64_t *id, ics_err *e);
/* A run's row as stored: {id, created_at (seconds since the epoch),
 * created_by, seed, replications, source, synthetic (0/1), scenario_json,
 * result_json (parsed)}; ICS_ENOTFOUND when there is no such run. */
int store_sim_run_get(store *s, int64_t id, json_t **out, ics_err *e);
/* Newest first: {id, created_at, created_by, seed, replications, source,
 * synthetic (0/1)}. */
int store_sim_run_list(store *s, int64_t limit, int64_t offset, json_t **rows, ics_err *e);

#endif
