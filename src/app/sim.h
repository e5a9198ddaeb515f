/* app/sim.h - use cases of capacity simulation for the bed review (fit a
 * scenario, run a review and store it, read runs back), the limits a run is
 * held to before it starts, and the scenario's JSON and CSV forms
 * (src/app/sim_doc.c) shared by `icsflow sim` and the API. */
#ifndef ICS_APP_SIM_H
#define ICS_APP_SIM_H

#include <jansson.h>

#include "app/app.h"
#include "app/limits.h"
#include "sim/sim.h"
#include "store/sim.h"

extern const app_use APP_SIM_RUN_CREATE; /* "sim.run": store a review */
extern const app_use APP_SIM_RUN_READ;   /* "sim.run.read": list, get, chart */
extern const app_use APP_SIM_FIT;        /* "sim.fit": a scenario from the database */

/* A scenario with the memory its pointers need and its descriptive fields. */
typedef struct app_sim_doc {
    sim_scenario sc;
    char name[128];
    int synthetic;                      /* demand is invented (labelled in every output) */
    char source[32];                    /* "file", "beds-history", "unit-sizes", "request" */
    json_t *notes;                      /* array of strings: how it was built (owned) */
    double *values[SIM_MAX_PLACES + 1]; /* empirical LOS: [0] scenario, [1 + i] place i */
    sim_arrival *replay;
} app_sim_doc;

/* Defaults: seed 1, replications 20, warmup_days 180, run_days 365, policy
 * pooled, queue fifo, target 2 days / 0.05. NULL when out of memory. */
app_sim_doc *app_sim_doc_new(void);
/* Append a note (how the scenario was built) to d->notes. */
void app_sim_doc_note(app_sim_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A checked request to run a review. */
typedef struct app_sim_req {
    app_sim_doc *d;
    int policies; /* SIM_REVIEW_* bits the scenario allows */
    int search, conservative, chart;
} app_sim_req;
void app_sim_req_free(app_sim_req *r);
/* Every scenario (app_sim_doc_new, _parse, app_sim_fit) goes back here; NULL is a no-op. */
void app_sim_doc_free(app_sim_doc *d);

/* Role, then every problem of the body at once (fields' values, the fitted
 * or given scenario, the policies it allows), then the limits: ICS_EINVAL
 * (422) naming the limit when the run would be too big. The body's field
 * types were checked by the caller; fields: days, replications, seed,
 * run_days, warmup_days, policy, queue, target, search, conservative,
 * chart, scenario, bed_type, replay. */
int app_sim_run_check(app_ctx *c, const json_t *body, app_sim_req **out, ics_err *e);
/* Run a checked request and store it with its scenario and seed (one
 * transaction: the run, its audit record and a `sim.run` event). *out:
 * the result with id and scenario_used. hook may be NULL. */
int app_sim_run_exec(app_ctx *c, const app_sim_req *r, const app_run_hook *hook, json_t **out,
                     int64_t *id, ics_err *e);
/* Both. */
int app_sim_run_create(app_ctx *c, const json_t *body, json_t **out, int64_t *id, ics_err *e);

/* A stored run (its chart, when it has one, linked as "chart", not inlined). */
int app_sim_run_get(app_ctx *c, int64_t id, json_t **out, ics_err *e);
/* The run's chart as SVG text (caller frees); ICS_ENOTFOUND without one. */
int app_sim_run_chart(app_ctx *c, int64_t id, char **svg, ics_err *e);
int app_sim_run_list(app_ctx *c, int64_t limit, int64_t offset, json_t **rows, ics_err *e);
/* A scenario fitted from the directory and the bed bureau (days 7-3660). */
int app_sim_fit(app_ctx *c, int days, const char *bed_type, int replay, app_sim_doc **out,
                ics_err *e);

/* The same without the role check, for the use cases here and first start
 * (src/app/sim_fit.c): units (of bed_type, or all when NULL) and
 * commissioning from the directory; arrivals per place and LOS from the bed
 * bureau's referrals and stays over the last days days when that history
 * exists, else defaults from unit sizes (docs/sim.md; the notes say which).
 * With replay set, the referrals themselves are replayed instead of Poisson
 * arrivals. ICS_EINVAL for an unknown bed type, ICS_ECONFLICT when the
 * directory has no places or units the simulator can take. */
int app_sim_fit_doc(store *s, const char *ics, int days, const char *bed_type, int replay,
                    app_sim_doc **out, ics_err *e);

/* The estimate a run is judged on before it starts: simulated events over
 * every evaluation (paired policies, the bed search's ~40 evaluations per
 * policy, the chart's sweep) and the beds the search may reach (the offered
 * load). ICS_EINVAL naming the limit when either is over lim. */
void app_sim_estimate(const sim_scenario *sc, int policies, int search, int chart, double *events,
                      double *beds);
int app_sim_limit_check(const sim_scenario *sc, int policies, int search, int chart,
                        const app_limits *lim, ics_err *e);

/* ---- JSON and CSV forms (src/app/sim_doc.c) ------------------------------ */

/* Parse a scenario object. Unknown fields, wrong types, bad codes and bad
 * values are all reported in one message (ICS_EINVAL). */
int app_sim_doc_parse(const json_t *j, app_sim_doc **out, ics_err *e);
/* The scenario as JSON (round-trips through app_sim_doc_parse). */
json_t *app_sim_doc_json(const app_sim_doc *d);
/* Which of the policies asked for (SIM_REVIEW_* bits) the scenario allows.
 * When borough rules are impossible (a place with demand has no
 * commissioned unit) and both were asked for, borough is dropped with a
 * note; when it alone was asked for, ICS_EINVAL. Returns the bits or < 0. */
int app_sim_doc_policies(app_sim_doc *d, int asked, ics_err *e);
/* JSON of a stat {mean, sd, lo, hi, n}; NaN becomes null. */
json_t *app_sim_stat_json(const sim_stat *s);
/* The review as JSON: per policy the metrics, units, places and beds needed. */
json_t *app_sim_review_json(const app_sim_doc *d, const sim_review *r);
/* The same as CSV rows: policy,scope,code,metric,mean,lo,hi,sd,n. */
char *app_sim_review_csv(const app_sim_doc *d, const sim_review *r);

#endif
