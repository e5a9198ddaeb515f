/* app/sim.c - use cases of capacity simulation for the bed review: check a
 * request (values, scenario, policies, then the size limits, before any
 * work), run it and store it with its audit record and `sim.run` event,
 * read runs back, fit a scenario; and the first-start example run. */
#include "app/sim.h"

#include "core/problems.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ics.h"
#include "app/seed.h"
#include "core/sb.h"

#define RUN_ROLES (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST)

const app_use APP_SIM_RUN_CREATE = {"sim.run", RUN_ROLES, APP_SCOPE_ICS};
const app_use APP_SIM_RUN_READ = {"sim.run.read", RUN_ROLES, APP_SCOPE_ICS};
const app_use APP_SIM_FIT = {"sim.fit", RUN_ROLES, APP_SCOPE_ICS};

/* Bounds on the request's own fields (the limits below bound the work). */
#define MAX_API_REPS     200
#define MAX_API_RUN_DAYS 3650
/* Evaluations a bed search makes per policy (a bracket and a bisection
 * for each of the two ways of sharing beds), and the chart's sweep. */
#define SEARCH_EVALS 40
#define CHART_POINTS 10

void app_sim_req_free(app_sim_req *r)
{
    if (!r) return;
    app_sim_doc_free(r->d);
    free(r);
}

/* ---- limits --------------------------------------------------------------- */

void app_sim_estimate(const sim_scenario *sc, int policies, int search, int chart, double *events,
                      double *beds)
{
    double lam = 0;
    for (int i = 0; i < sc->nplaces; i++) lam += sc->places[i].arrivals_per_day;
    double days = sc->warmup_days + sc->run_days;
    /* MSER-5: one set of pilot replications over the horizon, then runs whose
     * warm-up may grow by up to half of it */
    int mser5 = sc->warmup_rule == SIM_WARMUP_MSER5;
    if (mser5) days *= 1.5;
    double patients = sc->nreplay > 0 ? (double)sc->nreplay : days * lam;
    patients *= sc->reps;
    int npol = (policies & 1) + (policies >> 1 & 1);
    double evals = npol * (1.0 + (search ? SEARCH_EVALS : 0)) + (chart ? 2.0 * CHART_POINTS : 0) +
                   (mser5 ? 1.0 : 0);
    *events = 2.0 * patients * evals; /* an arrival and a departure each */
    double load = sim_scenario_load(sc), today = sim_scenario_beds(sc);
    *beds = isnan(load) || load > today ? load : today;
    if (isnan(*events)) *events = INFINITY;
    if (isnan(*beds)) *beds = INFINITY;
}

int app_sim_limit_check(const sim_scenario *sc, int policies, int search, int chart,
                        const app_limits *lim, ics_err *e)
{
    double ev, beds;
    app_sim_estimate(sc, policies, search, chart, &ev, &beds);
    if (ev <= lim->sim_events && beds <= lim->sim_beds) return 0;
    return ics_err_set(e, ICS_EINVAL,
                       "this run would simulate about %.3g events (limit %.3g) and need about "
                       "%.3g beds (limit %.3g): use fewer replications, days or arrivals, or a "
                       "shorter stay; larger runs need `icsflow sim --max-events N --max-beds N` "
                       "or a server started with `icsflow serve --max-sim-events N "
                       "--max-sim-beds N`",
                       ev, lim->sim_events, beds, lim->sim_beds);
}

/* ---- checking a request ------------------------------------------------------ */

/* Apply the body's overrides to a fitted or given scenario; every problem
 * is collected into m. */
static void apply_options(const json_t *b, app_sim_req *r, problems *m)
{
    sim_scenario *sc = &r->d->sc;
    json_t *v;
    if ((v = json_object_get(b, "replications"))) {
        json_int_t n = json_integer_value(v);
        if (n < 1 || n > MAX_API_REPS)
            problems_add(m, "field 'replications' must be 1 to 200");
        else
            sc->reps = (int)n;
    }
    if ((v = json_object_get(b, "seed"))) {
        if (json_integer_value(v) < 0)
            problems_add(m, "field 'seed' must be >= 0");
        else
            sc->seed = (uint64_t)json_integer_value(v);
    }
    if ((v = json_object_get(b, "run_days"))) {
        double x = json_number_value(v);
        if (!(x >= 30 && x <= MAX_API_RUN_DAYS))
            problems_add(m, "field 'run_days' must be 30 to 3650");
        else
            sc->run_days = x;
    }
    if ((v = json_object_get(b, "warmup_days"))) {
        double x = json_number_value(v);
        if (!(x >= 0 && x <= MAX_API_RUN_DAYS))
            problems_add(m, "field 'warmup_days' must be 0 to 3650");
        else
            sc->warmup_days = x;
    }
    if ((v = json_object_get(b, "queue"))) {
        const char *q = json_string_value(v);
        if (q && !strcmp(q, "fifo"))
            sc->queue = SIM_QUEUE_FIFO;
        else if (q && !strcmp(q, "priority"))
            sc->queue = SIM_QUEUE_PRIORITY;
        else
            problems_add(m, "field 'queue' must be fifo or priority");
    }
    if ((v = json_object_get(b, "policy"))) {
        const char *p = json_string_value(v);
        r->policies = !p                      ? 0
                      : !strcmp(p, "both")    ? 3
                      : !strcmp(p, "borough") ? SIM_REVIEW_BOROUGH
                      : !strcmp(p, "pooled")  ? SIM_REVIEW_POOLED
                                              : 0;
        if (!r->policies) problems_add(m, "field 'policy' must be both, borough or pooled");
    }
    if ((v = json_object_get(b, "target"))) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            if (strcmp(k, "wait_days") && strcmp(k, "probability"))
                problems_add(m, "target: unknown field '%s'", k);
            else if (!json_is_number(x))
                problems_add(m, "target: field '%s' must be a number", k);
        }
        /* the values too, so every problem is reported at once */
        json_t *w = json_object_get(v, "wait_days"), *p = json_object_get(v, "probability");
        if (json_is_number(w)) sc->target_days = json_number_value(w);
        if (json_is_number(p)) sc->target_prob = json_number_value(p);
        if (!(sc->target_days >= 0 && sc->target_days <= 365))
            problems_add(m, "target: wait_days must be 0 to 365");
        if (!(sc->target_prob > 0 && sc->target_prob < 1))
            problems_add(m, "target: probability must be between 0 and 1");
    }
    if ((v = json_object_get(b, "search"))) r->search = json_is_true(v);
    if ((v = json_object_get(b, "conservative"))) r->conservative = json_is_true(v);
    if ((v = json_object_get(b, "chart"))) r->chart = json_is_true(v);
    if (sc->reps > MAX_API_REPS) problems_add(m, "the scenario has more than 200 replications");
    if (sc->run_days > MAX_API_RUN_DAYS) problems_add(m, "the scenario runs more than 3650 days");
}

int app_sim_run_check(app_ctx *c, const json_t *body, app_sim_req **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_SIM_RUN_CREATE, e);
    if (rc) return rc;
    if (!json_is_object(body))
        return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object of run options");
    json_t *dv = json_object_get(body, "days"), *given = json_object_get(body, "scenario");
    const char *type = json_string_value(json_object_get(body, "bed_type"));
    json_t *rp = json_object_get(body, "replay");
    if (rp && !json_is_boolean(rp))
        return ics_err_set(e, ICS_EINVAL, "field 'replay' must be true or false");
    json_int_t days = dv ? json_integer_value(dv) : 365;
    if ((dv || type || rp) && given)
        return ics_err_set(
            e, ICS_EINVAL,
            "give either 'days'/'bed_type'/'replay' (fit from history) or 'scenario', not both");
    if (days < 7 || days > 3660)
        return ics_err_set(e, ICS_EINVAL, "field 'days' must be 7 to 3660");
    app_sim_req *r = calloc(1, sizeof *r);
    if (!r) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    r->policies = 3;
    r->search = 1;
    char ics[STORE_ICS_CODE] = "";
    if (!given) rc = app_ics_one(c, ics, e);
    if (!rc)
        rc = given ? app_sim_doc_parse(given, &r->d, e)
                   : app_sim_fit_doc(c->db, ics, (int)days, type, json_is_true(rp), &r->d, e);
    if (!rc && given) snprintf(r->d->source, sizeof r->d->source, "request");
    problems m;
    problems_init(&m);
    if (!rc) apply_options(body, r, &m);
    if (!rc && !m.n) {
        int pol = app_sim_doc_policies(r->d, r->policies, e);
        if (pol < 0)
            problems_add(&m, "%s", e->msg);
        else
            r->policies = pol;
    }
    int bad = problems_done(&m, e);
    if (!rc) rc = bad;
    app_limits lim = app_limits_get();
    if (!rc) rc = app_sim_limit_check(&r->d->sc, r->policies, r->search, r->chart, &lim, e);
    if (rc) {
        app_sim_req_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

/* ---- running and storing ------------------------------------------------------ */

static int chart_of(const app_sim_doc *d, const sim_review *r, char **svg, ics_err *e)
{
    /* the sweep uses the review's warm-up (MSER-5 may have lengthened it) */
    sim_scenario *sc = malloc(sizeof *sc);
    sim_sweep *sw = malloc(sizeof *sw);
    if (!sw || !sc) {
        free(sc);
        free(sw);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    *sc = d->sc;
    sc->warmup_days = r->warmup_days;
    sc->warmup_rule = SIM_WARMUP_FIXED;
    int top = sim_scenario_beds(sc);
    for (int p = 0; p < 2; p++)
        if (r->searched && r->need[p].found && r->need[p].total > top) top = r->need[p].total;
    int lo = (int)floor(sim_scenario_load(sc) * 0.98), hi = (int)ceil(top * 1.1) + 1;
    int rc = sim_sweep_run(sc, lo, hi, CHART_POINTS, 0, NULL, NULL, sw, e);
    if (!rc) {
        for (int p = 0; p < 2; p++)
            sw->needed[p] = r->searched && r->need[p].found ? r->need[p].total : 0;
        sb o;
        sb_init(&o);
        char title[200];
        snprintf(title, sizeof title, "%s: mean wait for a bed against total beds", d->name);
        sim_chart_svg(sw, title, &o);
        *svg = sb_steal(&o);
        if (!*svg) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    free(sw);
    free(sc);
    return rc;
}

/* Store a review: the run, one audit record and one `sim.run` event in one
 * transaction (nested inside the caller's, e.g. a seeding step). */
static int save_run(app_ctx *c, const app_sim_doc *d, const json_t *res, int64_t *id, ics_err *e)
{
    json_t *scj = app_sim_doc_json(d);
    int rc = scj ? app_begin(c, e) : ics_err_set(e, ICS_ENOMEM, "out of memory");
    if (!scj) return rc;
    if (!rc) {
        store_sim_run run = {c->now, c->who.name, d->sc.seed, d->sc.reps, d->source, d->synthetic};
        rc = store_sim_run_save(c->db, &run, scj, res, id, e);
        char ids[32];
        snprintf(ids, sizeof ids, "%lld", (long long)*id);
        json_t *after =
            rc ? NULL
               : json_pack("{sI sI si ss}", "id", (json_int_t)*id, "seed", (json_int_t)d->sc.seed,
                           "replications", d->sc.reps, "source", d->source);
        if (!rc)
            rc = app_record(c, &APP_SIM_RUN_CREATE, "sim_run", ids, NULL, after, "sim.run", NULL,
                            json_incref(after), e);
        json_decref(after);
        rc = app_end(c, rc, e);
    }
    json_decref(scj);
    return rc;
}

int app_sim_run_exec(app_ctx *c, const app_sim_req *r, const app_run_hook *hook, json_t **out,
                     int64_t *id, ics_err *e)
{
    assert(c && r && r->d && out && id);
    *out = NULL;
    const app_sim_doc *d = r->d;
    /* the simulation runs outside the write transaction: it can take
     * seconds and must not hold the database's write lock */
    sim_review rv;
    sim_scenario *sc = malloc(sizeof *sc); /* the model, plus the job's cancel flag */
    if (!sc) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    *sc = d->sc;
    sc->stop = hook ? hook->stop : NULL;
    int rc = sim_review_run(sc, r->policies, r->search, r->conservative, 0,
                            hook ? hook->progress : NULL, hook ? hook->ctx : NULL, &rv, e);
    free(sc);
    if (rc) return rc;
    char *svg = NULL;
    if (r->chart) rc = chart_of(d, &rv, &svg, e);
    json_t *res = rc ? NULL : app_sim_review_json(d, &rv);
    sim_review_free(&rv);
    if (res && svg) json_object_set_new(res, "chart_svg", json_string(svg));
    free(svg);
    if (!rc) rc = app_run_cancelled(hook, e);
    if (!rc) rc = save_run(c, d, res, id, e);
    if (rc) {
        json_decref(res);
        return rc;
    }
    json_object_set_new(res, "id", json_integer(*id));
    json_object_set_new(res, "scenario_used", app_sim_doc_json(d));
    *out = res;
    return 0;
}

int app_sim_run_create(app_ctx *c, const json_t *body, json_t **out, int64_t *id, ics_err *e)
{
    app_sim_req *r = NULL;
    int rc = app_sim_run_check(c, body, &r, e);
    if (!rc) rc = app_sim_run_exec(c, r, NULL, out, id, e);
    app_sim_req_free(r);
    return rc;
}

/* ---- reading ------------------------------------------------------------------ */

/* A stored run's row in its API form: scenario and result without the
 * _json suffix, synthetic as a boolean, the time in ISO 8601 UTC. */
static void run_view(json_t *row)
{
    if (json_object_get(row, "scenario_json")) {
        json_object_set(row, "scenario", json_object_get(row, "scenario_json"));
        json_object_set(row, "result", json_object_get(row, "result_json"));
        json_object_del(row, "scenario_json");
        json_object_del(row, "result_json");
    }
    json_object_set_new(row, "synthetic",
                        json_boolean(json_integer_value(json_object_get(row, "synthetic"))));
}

static int run_get(store *s, int64_t id, json_t **row, ics_err *e)
{
    int rc = store_sim_run_get(s, id, row, e);
    if (!rc) run_view(*row);
    return rc;
}

int app_sim_run_get(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_SIM_RUN_READ, e);
    if (!rc) rc = run_get(c->db, id, out, e);
    if (rc) return rc;
    app_json_utc(*out, "created_at");
    /* the chart is served on its own URL, not inside the JSON */
    json_t *res = json_object_get(*out, "result");
    if (json_object_get(res, "chart_svg")) {
        json_object_del(res, "chart_svg");
        char url[64];
        snprintf(url, sizeof url, "/api/v1/sim/runs/%lld/chart", (long long)id);
        json_object_set_new(*out, "chart", json_string(url));
    }
    return 0;
}

int app_sim_run_chart(app_ctx *c, int64_t id, char **svg, ics_err *e)
{
    *svg = NULL;
    json_t *row = NULL;
    int rc = app_allow(c, &APP_SIM_RUN_READ, e);
    if (!rc) rc = run_get(c->db, id, &row, e);
    if (rc) return rc;
    const char *s = json_string_value(json_object_get(json_object_get(row, "result"), "chart_svg"));
    if (!s)
        rc = ics_err_set(e, ICS_ENOTFOUND,
                         "this run has no chart (ask for one with \"chart\": true)");
    else if (!(*svg = strdup(s)))
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    json_decref(row);
    return rc;
}

int app_sim_run_list(app_ctx *c, int64_t limit, int64_t offset, json_t **rows, ics_err *e)
{
    int rc = app_allow(c, &APP_SIM_RUN_READ, e);
    if (rc) return rc;
    assert(limit >= 1 && offset >= 0);
    rc = store_sim_run_list(c->db, limit, offset, rows, e);
    if (rc) return rc;
    size_t k;
    json_t *r;
    json_array_foreach(*rows, k, r) run_view(r);
    app_json_utc(*rows, "created_at");
    return 0;
}

int app_sim_fit(app_ctx *c, int days, const char *bed_type, int replay, app_sim_doc **out,
                ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_SIM_FIT, e);
    if (rc) return rc;
    if (days < 7 || days > 3660) return ics_err_set(e, ICS_EINVAL, "days must be 7 to 3660");
    char ics[STORE_ICS_CODE];
    if ((rc = app_ics_one(c, ics, e))) return rc;
    return app_sim_fit_doc(c->db, ics, days, bed_type, replay, out, e);
}

/* ---- first start ----------------------------------------------------------------- */

/* One stored bed review, fitted from whatever the directory and the bed
 * bureau hold, small enough to finish in a second or two, labelled
 * synthetic. */
int app_sim_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    app_sim_req r = {NULL, 3, 1, 0, 0};
    int rc = app_sim_fit_doc(c->db, APP_ICS_DEFAULT, 365, NULL, 0, &r.d, e); /* NWL's history */
    if (rc == ICS_ECONFLICT) { /* no bed units in this directory: nothing to review */
        ics_err_clear(e);
        return 0;
    }
    if (rc) return rc;
    app_sim_doc *d = r.d;
    d->synthetic = 1;
    d->sc.reps = 8;
    d->sc.run_days = 365;
    d->sc.warmup_days = 120;
    d->sc.seed = 2026;
    snprintf(d->name, sizeof d->name, "Example bed review (synthetic, seeded)");
    int pol = app_sim_doc_policies(d, 3, e);
    if (pol < 0) {
        app_sim_doc_free(d);
        return pol;
    }
    r.policies = pol;
    json_t *out = NULL;
    int64_t id = 0;
    rc = app_sim_run_exec(c, &r, NULL, &out, &id, e);
    json_decref(out);
    app_sim_doc_free(d);
    return rc;
}
