/* h_analytics.c - the analytics API: event-count datasets, standardised
 * rates with intervals, funnel plots (JSON or SVG), the NWL variation report
 * and needs-based allocation with pace-of-change scenarios.
 * Reads are open to every authenticated role (aggregate figures, no patient
 * data); writes are for analysts and administrators. Handlers parse and
 * print; src/app/analytics.c checks, audits and commits. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "app/analytics.h"

/* Answer with a problem: fmt may hold one %s, filled with arg. */
static int fail(http_resp *rs, int code, const char *fmt, const char *arg)
{
    ics_err e = {0};
    if (arg)
        ics_err_set(&e, code, fmt, arg);
    else
        ics_err_set(&e, code, "%s", fmt);
    return http_error(rs, &e);
}

/* ---- datasets ------------------------------------------------------------------ */

static int datasets_list(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"ics", NULL};
    json_t *out;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) || app_analytics_datasets(&c, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int dataset_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *out;
    app_ctx c = http_app(rq);
    if (app_analytics_dataset(&c, rq->params[0], &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int dataset_create(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"dataset", JF_STRING, 1}, {"description", JF_STRING, 0},
                                   {"period", JF_STRING, 0},  {"rows", JF_ARRAY, 0},
                                   {"csv", JF_STRING, 0},     {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    const json_t *b = rq->json;
    const char *csv = jget_str(b, "csv", NULL);
    app_an_dataset in = {jget_str(b, "dataset", NULL),
                         jget_str(b, "description", NULL),
                         jget_str(b, "period", NULL),
                         json_object_get(b, "rows"),
                         csv,
                         csv ? strlen(csv) : 0,
                         "csv",
                         0};
    app_ctx c = http_app(rq);
    json_t *after;
    if (app_analytics_dataset_create(&c, &in, &after, &e)) return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/analytics/datasets/%s", in.dataset);
    return http_json(rs, 201, after);
}

static int dataset_delete(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    if (app_analytics_dataset_delete(&c, rq->params[0], &e)) return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{ssss}", "dataset", rq->params[0], "status", "deleted"));
}

/* ---- rates, funnel, variation ------------------------------------------------- */

static int want_svg(http_req *rq, int *svg, ics_err *e)
{
    const char *f = http_query(rq, "format");
    *svg = 0;
    if (!f || strcmp(f, "json") == 0) return 0;
    if (strcmp(f, "svg") == 0) {
        *svg = 1;
        return 0;
    }
    return ics_err_set(e, ICS_EINVAL, "format '%s' must be json or svg", f);
}

static int rates(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"dataset", "statistic", "ics", NULL};
    store_an_statistic st;
    json_t *out;
    const char *ds = http_query(rq, "dataset");
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) ||
        app_analytics_statistic_parse(http_query(rq, "statistic"), &st, &e) ||
        app_analytics_rates(&c, ds, st, &out, NULL, &e))
        return http_error(rs, &e);
    json_object_del(out, "funnel");
    return http_json(rs, 200, out);
}

static int funnel(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"dataset", "statistic", "format", "ics", NULL};
    store_an_statistic st;
    int svg;
    json_t *out;
    analytics_funnel *f = NULL;
    const char *ds = http_query(rq, "dataset");
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) || want_svg(rq, &svg, &e) ||
        app_analytics_statistic_parse(http_query(rq, "statistic"), &st, &e) ||
        app_analytics_rates(&c, ds, st, &out, &f, &e))
        return http_error(rs, &e);
    if (!f) {
        json_decref(out);
        return fail(rs, ICS_EINVAL, "no area in dataset '%s' has a value to plot",
                    ds ? ds : STORE_ANALYTICS_NEL);
    }
    if (!svg) {
        json_t *body =
            json_pack("{sOsOsO}", "statistic", json_object_get(out, "statistic"), "dataset",
                      json_object_get(out, "dataset"), "funnel", json_object_get(out, "funnel"));
        json_decref(out);
        analytics_funnel_free(f);
        return http_json(rs, 200, body);
    }
    json_t *meta = json_object_get(out, "dataset");
    int synthetic = json_is_true(json_object_get(meta, "synthetic"));
    char sub[256];
    snprintf(sub, sizeof sub, "Dataset %s (%s)%s",
             json_string_value(json_object_get(meta, "dataset")),
             json_string_value(json_object_get(meta, "period")),
             synthetic ? " - SYNTHETIC data, not NHS figures" : "");
    analytics_chart_text t = {json_string_value(json_object_get(out, "label")), sub,
                              analytics_funnel_xlabel(f),
                              json_string_value(json_object_get(out, "label"))};
    sb b;
    sb_init(&b);
    int rc = analytics_funnel_svg(f, &t, &b, &e);
    analytics_funnel_free(f);
    json_decref(out);
    if (rc) {
        sb_free(&b);
        return http_error(rs, &e);
    }
    http_text(rs, 200, "image/svg+xml", b.buf, b.len);
    sb_free(&b);
    return 0;
}

/* A funnel from points in the body (any indicator, not only stored
 * datasets): proportions, ratios (observed / expected) or rates. Computes
 * and answers; writes nothing. */
static int funnel_points(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"statistic", JF_STRING, 1}, {"points", JF_ARRAY, 1},  {"multiplier", JF_NUMBER, 0},
        {"years", JF_NUMBER, 0},     {"dsr", JF_BOOL, 0},      {"title", JF_STRING, 0},
        {"xlabel", JF_STRING, 0},    {"ylabel", JF_STRING, 0}, {NULL, 0, 0}};
    static const json_field pf[] = {{"name", JF_STRING, 1},
                                    {"numerator", JF_NUMBER, 1},
                                    {"denominator", JF_NUMBER, 0},
                                    {"rate", JF_NUMBER, 0},
                                    {NULL, 0, 0}};
    static const char *const allowed[] = {"format", NULL};
    ics_err e = {0};
    int svg;
    if (http_query_only(rq, allowed, &e) || want_svg(rq, &svg, &e) || http_body_check(rq, f, &e))
        return http_error(rs, &e);
    const char *st = json_string_value(json_object_get(rq->json, "statistic"));
    analytics_funnel_opts o = {0};
    if (!strcmp(st, "proportion"))
        o.kind = ANALYTICS_FUNNEL_PROPORTION;
    else if (!strcmp(st, "ratio"))
        o.kind = ANALYTICS_FUNNEL_RATIO;
    else if (!strcmp(st, "rate"))
        o.kind = ANALYTICS_FUNNEL_RATE;
    else
        return fail(rs, ICS_EINVAL, "statistic '%s' must be proportion, ratio or rate", st);
    o.dsr = json_is_true(json_object_get(rq->json, "dsr"));
    o.multiplier = json_number_value(json_object_get(rq->json, "multiplier"));
    o.years = json_number_value(json_object_get(rq->json, "years"));
    const json_t *pts = json_object_get(rq->json, "points");
    size_t n = json_array_size(pts), i;
    if (n == 0 || n > 10000) return fail(rs, ICS_EINVAL, "give 1 to 10,000 points", NULL);
    analytics_funnel_input *in = calloc(n, sizeof *in);
    if (!in) return fail(rs, ICS_ENOMEM, "out of memory", NULL);
    char msg[1024] = "";
    size_t used = 0;
    int problems = 0;
    const json_t *p;
    json_array_foreach(pts, i, p)
    {
        ics_err pe = {0};
        if (!json_is_object(p))
            ics_err_set(&pe, ICS_EINVAL, "must be an object");
        else if (!json_check_object(p, pf, &pe)) {
            in[i].name = json_string_value(json_object_get(p, "name"));
            in[i].numerator = json_number_value(json_object_get(p, "numerator"));
            in[i].denominator = json_number_value(json_object_get(p, "denominator"));
            in[i].rate = json_number_value(json_object_get(p, "rate"));
            continue;
        }
        if (problems++ < 10 && used < sizeof msg) {
            int k = snprintf(msg + used, sizeof msg - used, "%spoints[%zu]: %s", used ? "; " : "",
                             i, pe.msg);
            if (k > 0) used += (size_t)k;
        }
    }
    analytics_funnel *fn = NULL;
    int rc = problems ? ics_err_set(&e, ICS_EINVAL, "%s", msg)
                      : analytics_funnel_new(&o, in, n, &fn, &e);
    free(in);
    if (rc) return http_error(rs, &e);
    if (!svg) {
        json_t *out = app_analytics_funnel_json(fn);
        analytics_funnel_free(fn);
        return http_json(rs, 200, out);
    }
    analytics_chart_text t = {json_string_value(json_object_get(rq->json, "title")), NULL,
                              json_string_value(json_object_get(rq->json, "xlabel")),
                              json_string_value(json_object_get(rq->json, "ylabel"))};
    sb b;
    sb_init(&b);
    rc = analytics_funnel_svg(fn, &t, &b, &e);
    analytics_funnel_free(fn);
    if (!rc) http_text(rs, 200, "image/svg+xml", b.buf, b.len);
    sb_free(&b);
    return rc ? http_error(rs, &e) : 0;
}

static int variation(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"dataset", "ics", NULL};
    json_t *out;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) ||
        app_analytics_variation(&c, http_query(rq, "dataset"), &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

/* ---- allocation ------------------------------------------------------------------ */

/* Scenario from query parameters or a body: defaults 5 years, pace 25%,
 * floor 1%, cap 6%, growth 3%. Every bad value is named. */
static int pace_from(http_req *rq, const json_t *body, analytics_pace *p, ics_err *e)
{
    static const struct {
        const char *name;
        double def, lo, hi;
    } spec[] = {{"years", 5, 0, 20},
                {"pace", 0.25, 0, 1},
                {"floor", 0.01, -0.5, 1},
                {"cap", 0.06, -0.5, 1},
                {"growth", 0.03, -0.5, 1}};
    double v[5];
    char msg[512] = "";
    size_t used = 0;
    for (int i = 0; i < 5; i++) {
        v[i] = spec[i].def;
        const char *bad = NULL;
        char raw[64] = "";
        if (body) {
            const json_t *j = json_object_get(body, spec[i].name);
            if (j && !json_is_number(j))
                bad = "must be a number";
            else if (j)
                v[i] = json_number_value(j);
        } else {
            const char *q = http_query(rq, spec[i].name);
            if (q) {
                char *end;
                snprintf(raw, sizeof raw, "%s", q);
                v[i] = strtod(q, &end);
                if (!*q || *end) bad = "must be a number";
            }
        }
        if (!bad && (!(v[i] >= spec[i].lo) || !(v[i] <= spec[i].hi))) bad = "is out of range";
        if (!bad && i == 0 && v[i] != floor(v[i])) bad = "must be a whole number";
        if (bad && used < sizeof msg - 1) {
            int n = snprintf(msg + used, sizeof msg - used, "%s'%s' %s (%g to %g)",
                             used ? "; " : "", spec[i].name, bad, spec[i].lo, spec[i].hi);
            if (n > 0) used += (size_t)n;
        }
    }
    if (used) return ics_err_set(e, ICS_EINVAL, "%s", msg);
    p->years = (int)v[0];
    p->pace = v[1];
    p->floor = v[2];
    p->cap = v[3];
    p->budget_growth = v[4];
    return 0;
}

static int allocation(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"years",  "pace",   "floor", "cap",
                                          "growth", "format", "ics",   NULL};
    analytics_pace p;
    int svg;
    analytics_alloc *a;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) || want_svg(rq, &svg, &e) || pace_from(rq, NULL, &p, &e) ||
        app_analytics_allocation(&c, &p, &a, &e))
        return http_error(rs, &e);
    if (!svg) {
        json_t *out = app_analytics_alloc_json(a);
        analytics_alloc_free(a);
        return http_json(rs, 200, out);
    }
    analytics_chart_text t = {"Needs-based allocation: current spend against weighted-capitation "
                              "target",
                              "Illustrative weights; current spend synthetic unless replaced", NULL,
                              NULL};
    sb b;
    sb_init(&b);
    int rc = analytics_alloc_svg(a, &t, &b, &e);
    analytics_alloc_free(a);
    if (rc) {
        sb_free(&b);
        return http_error(rs, &e);
    }
    http_text(rs, 200, "image/svg+xml", b.buf, b.len);
    sb_free(&b);
    return 0;
}

static int weights_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *out;
    app_ctx c = http_app(rq);
    if (app_analytics_weights(&c, &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int weights_put(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    json_t *after;
    if (app_analytics_weights_replace(&c, rq->json, &after, &e)) return http_error(rs, &e);
    return http_json(rs, 200, after);
}

static int current_put(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    if (app_analytics_current_replace(&c, rq->json, &e)) return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{sO}", "items", json_object_get(rq->json, "items")));
}

static int runs_list(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t limit, offset;
    json_t *out;
    static const char *const allowed[] = {"limit", "offset", NULL};
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e) ||
        app_analytics_runs(&c, limit, offset, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int runs_create(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"years", JF_INT, 0},  {"pace", JF_NUMBER, 0},   {"floor", JF_NUMBER, 0},
        {"cap", JF_NUMBER, 0}, {"growth", JF_NUMBER, 0}, {"label", JF_STRING, 0},
        {NULL, 0, 0}};
    ics_err e = {0};
    analytics_pace p;
    if (http_body_check(rq, f, &e) || pace_from(rq, rq->json, &p, &e)) return http_error(rs, &e);
    app_ctx c = http_app(rq);
    int64_t id;
    json_t *params, *result;
    if (app_analytics_run_create(&c, &p, jget_str(rq->json, "label", NULL), &id, &params, &result,
                                 &e))
        return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/analytics/allocation/runs/%lld",
             (long long)id);
    return http_json(
        rs, 201, json_pack("{sIsoso}", "id", (json_int_t)id, "params", params, "result", result));
}

const http_route http_routes_analytics[] = {
    {"GET", "/api/v1/analytics/datasets", 0, datasets_list, "List event-count datasets",
     &APP_ANALYTICS_READ},
    {"POST", "/api/v1/analytics/datasets", 0, dataset_create,
     "Load an event-count dataset by area, sex and age band", &APP_ANALYTICS_DATASET_CREATE},
    {"GET", "/api/v1/analytics/datasets/{dataset}", 0, dataset_get,
     "One dataset's description and totals", &APP_ANALYTICS_READ},
    {"DELETE", "/api/v1/analytics/datasets/{dataset}", 0, dataset_delete, "Delete a dataset",
     &APP_ANALYTICS_DATASET_DELETE},
    {"GET", "/api/v1/analytics/rates", 0, rates, "Rates with 95% and 99.8% limits for every area",
     &APP_ANALYTICS_READ},
    {"GET", "/api/v1/analytics/funnel", 0, funnel,
     "Funnel plot: control limits and flagged areas (JSON or SVG)", &APP_ANALYTICS_READ},
    {"POST", "/api/v1/analytics/funnel", ROLE_ANY, funnel_points,
     "Funnel plot of posted points: proportions, ratios or rates (JSON or SVG)", NULL},
    {"GET", "/api/v1/analytics/variation", 0, variation,
     "NWL variation report: standardised NEL rates and length-of-stay variation",
     &APP_ANALYTICS_READ},
    {"GET", "/api/v1/analytics/allocation", 0, allocation,
     "Needs-based allocation with a pace-of-change scenario (JSON or SVG)", &APP_ANALYTICS_READ},
    {"GET", "/api/v1/analytics/allocation/weights", 0, weights_get,
     "Allocation cost and need weights", &APP_ANALYTICS_READ},
    {"PUT", "/api/v1/analytics/allocation/weights", 0, weights_put,
     "Replace the allocation weights", &APP_ANALYTICS_WEIGHTS_REPLACE},
    {"PUT", "/api/v1/analytics/allocation/current", 0, current_put,
     "Replace the current allocation per place", &APP_ANALYTICS_CURRENT_REPLACE},
    {"GET", "/api/v1/analytics/allocation/runs", 0, runs_list, "Saved allocation scenario runs",
     &APP_ANALYTICS_READ},
    {"POST", "/api/v1/analytics/allocation/runs", 0, runs_create,
     "Run and save an allocation scenario", &APP_ANALYTICS_ALLOCATION_RUN},
    {NULL, NULL, 0, NULL, NULL, NULL}};
