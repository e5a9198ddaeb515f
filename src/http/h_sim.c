/* h_sim.c - the bed-review API: POST /api/v1/sim/runs fits a scenario from
 * the directory and the bed bureau's recent referrals and stays (or takes
 * one in the body), runs both policies and the bed search, stores the run
 * with its scenario and seed; GET reads runs back, and their chart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "sim/sim.h"
#include "store/sim.h"

#define RUN_ROLES (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST)

/* Bounds that keep one request to seconds, not minutes. */
#define MAX_API_REPS     200
#define MAX_API_RUN_DAYS 3650
/* Patients simulated per evaluation (replications x days x arrivals a
 * day): a bed search makes about twenty evaluations per policy. */
#define MAX_API_PATIENTS 4e6

static void bad(char *msg, size_t n, const char *what)
{
    size_t len = strlen(msg);
    if (len < n) snprintf(msg + len, n - len, "%s%s", len ? "; " : "", what);
}

/* Apply the body's overrides to a fitted or given scenario; every problem
 * is collected into msg. */
static void apply_options(const json_t *b, store_sim_doc *d, int *policies, int *search,
                          int *conservative, int *chart, char *msg, size_t n)
{
    sim_scenario *sc = &d->sc;
    json_t *v;
    if ((v = json_object_get(b, "replications"))) {
        json_int_t r = json_integer_value(v);
        if (r < 1 || r > MAX_API_REPS)
            bad(msg, n, "field 'replications' must be 1 to 200");
        else
            sc->reps = (int)r;
    }
    if ((v = json_object_get(b, "seed"))) {
        if (json_integer_value(v) < 0)
            bad(msg, n, "field 'seed' must be >= 0");
        else
            sc->seed = (uint64_t)json_integer_value(v);
    }
    if ((v = json_object_get(b, "run_days"))) {
        double x = json_number_value(v);
        if (!(x >= 30 && x <= MAX_API_RUN_DAYS))
            bad(msg, n, "field 'run_days' must be 30 to 3650");
        else
            sc->run_days = x;
    }
    if ((v = json_object_get(b, "warmup_days"))) {
        double x = json_number_value(v);
        if (!(x >= 0 && x <= MAX_API_RUN_DAYS))
            bad(msg, n, "field 'warmup_days' must be 0 to 3650");
        else
            sc->warmup_days = x;
    }
    if ((v = json_object_get(b, "queue"))) {
        const char *q = json_string_value(v);
        if (!strcmp(q, "fifo"))
            sc->queue = SIM_QUEUE_FIFO;
        else if (!strcmp(q, "priority"))
            sc->queue = SIM_QUEUE_PRIORITY;
        else
            bad(msg, n, "field 'queue' must be fifo or priority");
    }
    if ((v = json_object_get(b, "policy"))) {
        const char *p = json_string_value(v);
        *policies = !strcmp(p, "both")      ? 3
                    : !strcmp(p, "borough") ? SIM_REVIEW_BOROUGH
                    : !strcmp(p, "pooled")  ? SIM_REVIEW_POOLED
                                            : 0;
        if (!*policies) bad(msg, n, "field 'policy' must be both, borough or pooled");
    }
    if ((v = json_object_get(b, "target"))) {
        static const json_field tf[] = {
            {"wait_days", JF_NUMBER, 0}, {"probability", JF_NUMBER, 0}, {NULL, 0, 0}};
        ics_err te = {0};
        if (json_check_object(v, tf, &te)) {
            char t[600];
            snprintf(t, sizeof t, "target: %s", te.msg);
            bad(msg, n, t);
        }
        /* the values too, so every problem is reported at once */
        json_t *w = json_object_get(v, "wait_days"), *p = json_object_get(v, "probability");
        if (json_is_number(w)) sc->target_days = json_number_value(w);
        if (json_is_number(p)) sc->target_prob = json_number_value(p);
        if (!(sc->target_days >= 0 && sc->target_days <= 365))
            bad(msg, n, "target: wait_days must be 0 to 365");
        if (!(sc->target_prob > 0 && sc->target_prob < 1))
            bad(msg, n, "target: probability must be between 0 and 1");
    }
    if ((v = json_object_get(b, "search"))) *search = json_is_true(v);
    if ((v = json_object_get(b, "conservative"))) *conservative = json_is_true(v);
    if ((v = json_object_get(b, "chart"))) *chart = json_is_true(v);
    if (sc->reps > MAX_API_REPS) bad(msg, n, "the scenario has more than 200 replications");
    if (sc->run_days > MAX_API_RUN_DAYS) bad(msg, n, "the scenario runs more than 3650 days");
    double lam = 0;
    for (int i = 0; i < sc->nplaces; i++) lam += sc->places[i].arrivals_per_day;
    double work = sc->nreplay > 0 ? (double)sc->reps * sc->nreplay
                                  : (double)sc->reps * (sc->warmup_days + sc->run_days) * lam;
    if (!msg[0] && work > MAX_API_PATIENTS) {
        char t[200];
        snprintf(t, sizeof t,
                 "%.0f simulated patients per evaluation is more than one request may ask "
                 "(%.0f); use fewer replications or days, or `icsflow sim`",
                 work, MAX_API_PATIENTS);
        bad(msg, n, t);
    }
}

static int chart_of(const store_sim_doc *d, const sim_review *r, char **svg, ics_err *e)
{
    const sim_scenario *sc = &d->sc;
    sim_sweep *sw = malloc(sizeof *sw);
    if (!sw) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    int top = sim_scenario_beds(sc);
    for (int p = 0; p < 2; p++)
        if (r->searched && r->need[p].found && r->need[p].total > top) top = r->need[p].total;
    int lo = (int)floor(sim_scenario_load(sc) * 0.98), hi = (int)ceil(top * 1.1) + 1;
    int rc = sim_sweep_run(sc, lo, hi, 10, 0, NULL, NULL, sw, e);
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
    return rc;
}

static int run_create(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"days", JF_INT, 0},          {"replications", JF_INT, 0},   {"seed", JF_INT, 0},
        {"run_days", JF_NUMBER, 0},   {"warmup_days", JF_NUMBER, 0}, {"policy", JF_STRING, 0},
        {"queue", JF_STRING, 0},      {"target", JF_OBJECT, 0},      {"search", JF_BOOL, 0},
        {"conservative", JF_BOOL, 0}, {"chart", JF_BOOL, 0},         {"scenario", JF_OBJECT, 0},
        {"bed_type", JF_STRING, 0},   {"replay", JF_BOOL, 0},        {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    const json_t *b = rq->json;
    json_t *dv = json_object_get(b, "days"), *given = json_object_get(b, "scenario");
    const char *type = json_string_value(json_object_get(b, "bed_type"));
    int replay = json_is_true(json_object_get(b, "replay"));
    json_int_t days = dv ? json_integer_value(dv) : 365;
    if ((dv || type || json_object_get(b, "replay")) && given)
        return http_problem(
            rs, 422,
            "give either 'days'/'bed_type'/'replay' (fit from history) or 'scenario', not both",
            NULL);
    if (days < 7 || days > 3660)
        return http_problem(rs, 422, "field 'days' must be 7 to 3660", NULL);
    store_sim_doc *d = NULL;
    int rc = given ? store_sim_doc_parse(given, &d, &e)
                   : store_sim_fit(rq->db, (int)days, type, replay, &d, &e);
    if (rc) return http_error(rs, &e);
    if (given) snprintf(d->source, sizeof d->source, "request");
    int policies = 3, search = 1, conservative = 0, chart = 0;
    char msg[1024] = "";
    apply_options(b, d, &policies, &search, &conservative, &chart, msg, sizeof msg);
    if (!msg[0]) {
        policies = store_sim_doc_policies(d, policies, &e);
        if (policies < 0) bad(msg, sizeof msg, e.msg);
    }
    if (msg[0]) {
        store_sim_doc_free(d);
        return http_problem(rs, 422, msg, NULL);
    }
    /* the simulation runs outside the write transaction: it can take a
     * second or two and must not hold the database's write lock */
    sim_review r;
    rc = sim_review_run(&d->sc, policies, search, conservative, 0, NULL, NULL, &r, &e);
    if (rc) {
        store_sim_doc_free(d);
        return http_error(rs, &e);
    }
    char *svg = NULL;
    if (chart) rc = chart_of(d, &r, &svg, &e);
    json_t *res = rc ? NULL : store_sim_review_json(d, &r);
    sim_review_free(&r);
    if (res && svg) json_object_set_new(res, "chart_svg", json_string(svg));
    free(svg);
    int64_t id = 0;
    if (!rc) rc = store_begin(rq->db, &e);
    if (!rc) {
        rc = store_sim_run_save(rq->db, rq->user->name, d, res, &id, &e);
        char ids[32];
        snprintf(ids, sizeof ids, "%lld", (long long)id);
        json_t *after =
            rc ? NULL
               : json_pack("{sI sI si ss}", "id", (json_int_t)id, "seed", (json_int_t)d->sc.seed,
                           "replications", d->sc.reps, "source", d->source);
        if (!rc) rc = http_audit(rq, "sim.run", "sim_run", ids, NULL, after, &e);
        json_decref(after);
        if (!rc)
            rc = store_commit(rq->db, &e);
        else
            store_rollback(rq->db);
    }
    json_t *scj = rc ? NULL : store_sim_doc_json(d);
    store_sim_doc_free(d);
    if (rc) {
        json_decref(res);
        return http_error(rs, &e);
    }
    snprintf(rs->location, sizeof rs->location, "/api/v1/sim/runs/%lld", (long long)id);
    json_object_set_new(res, "id", json_integer(id));
    json_object_set_new(res, "scenario_used", scj);
    return http_json(rs, 201, res);
}

static int parse_id(http_req *rq, int64_t *id, ics_err *e)
{
    char *end;
    long long v = strtoll(rq->params[0], &end, 10);
    if (!*rq->params[0] || *end || v < 1)
        return ics_err_set(e, ICS_ENOTFOUND, "no simulation run '%s'", rq->params[0]);
    *id = v;
    return 0;
}

static int run_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    if (parse_id(rq, &id, &e) || store_sim_run_get(rq->db, id, &row, &e)) return http_error(rs, &e);
    /* the chart is served on its own URL, not inside the JSON */
    json_t *res = json_object_get(row, "result");
    if (json_object_get(res, "chart_svg")) {
        json_object_del(res, "chart_svg");
        char url[64];
        snprintf(url, sizeof url, "/api/v1/sim/runs/%lld/chart", (long long)id);
        json_object_set_new(row, "chart", json_string(url));
    }
    return http_json(rs, 200, row);
}

static int run_chart(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    if (parse_id(rq, &id, &e) || store_sim_run_get(rq->db, id, &row, &e)) return http_error(rs, &e);
    const char *svg =
        json_string_value(json_object_get(json_object_get(row, "result"), "chart_svg"));
    if (!svg) {
        json_decref(row);
        return http_problem(rs, 404, "this run has no chart (ask for one with \"chart\": true)",
                            NULL);
    }
    http_text(rs, 200, "image/svg+xml", svg, strlen(svg));
    json_decref(row);
    return 0;
}

static int run_list(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    ics_err e = {0};
    int64_t limit, offset;
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e))
        return http_error(rs, &e);
    json_t *rows;
    if (store_sim_run_list(rq->db, limit, offset, &rows, &e)) return http_error(rs, &e);
    return http_json(rs, 200,
                     json_pack("{so sI sI}", "items", rows, "limit", (json_int_t)limit, "offset",
                               (json_int_t)offset));
}

const http_route http_routes_sim[] = {
    {"POST", "/api/v1/sim/runs", RUN_ROLES, run_create,
     "Run a bed review (fitted from the bed bureau or given) and store it", NULL},
    {"GET", "/api/v1/sim/runs", RUN_ROLES, run_list, "List stored bed-review runs", NULL},
    {"GET", "/api/v1/sim/runs/{id}", RUN_ROLES, run_get, "Read one bed-review run", NULL},
    {"GET", "/api/v1/sim/runs/{id}/chart", RUN_ROLES, run_chart,
     "The run's chart of wait against beds (SVG)", NULL},
    {0}};
