/* h_analytics.c - the analytics API: event-count datasets, standardised
 * rates with intervals, funnel plots (JSON or SVG), the NWL variation report
 * and needs-based allocation with pace-of-change scenarios.
 * Reads are open to every authenticated role (aggregate figures, no patient
 * data); writes are for analysts and administrators, audited. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "store/analytics.h"

#define WRITERS (ROLE_ANALYST | ROLE_ADMIN)

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
    static const char *const allowed[] = {NULL};
    json_t *out;
    if (http_query_only(rq, allowed, &e) || store_analytics_datasets_json(rq->db, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int dataset_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *out;
    if (store_analytics_dataset_json(rq->db, rq->params[0], &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

/* Dataset names: 1-64 of a-z, 0-9, '_' and '-', so they are safe in URLs. */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

static int dataset_create(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"dataset", JF_STRING, 1}, {"description", JF_STRING, 0},
                                   {"period", JF_STRING, 0},  {"rows", JF_ARRAY, 0},
                                   {"csv", JF_STRING, 0},     {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    const char *name = json_string_value(json_object_get(rq->json, "dataset"));
    const json_t *rows = json_object_get(rq->json, "rows");
    const char *csv = json_string_value(json_object_get(rq->json, "csv"));
    if (!name_ok(name))
        return fail(rs, ICS_EINVAL,
                    "dataset '%s' must be 1 to 64 characters of a-z, 0-9, '_' and '-'", name);
    if (!rows == !csv)
        return fail(rs, ICS_EINVAL, "give the counts as exactly one of 'rows' or 'csv'", NULL);
    analytics_table *t;
    int rc = rows
                 ? store_analytics_table_from_json(rq->db, rows, "count", &t, &e)
                 : store_analytics_table_from_csv(rq->db, "csv", csv, strlen(csv), "count", &t, &e);
    if (rc) return http_error(rs, &e);
    json_t *after = NULL;
    rc = store_begin(rq->db, &e);
    if (!rc)
        rc = store_analytics_dataset_save(
            rq->db, name, json_string_value(json_object_get(rq->json, "description")),
            json_string_value(json_object_get(rq->json, "period")), 0, 0, rq->user->name, t, &e);
    if (!rc) rc = store_analytics_dataset_json(rq->db, name, &after, &e);
    if (!rc)
        rc = http_audit(rq, "analytics.dataset.create", "analytics_dataset", name, NULL, after, &e);
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    analytics_table_free(t);
    if (rc) {
        json_decref(after);
        return http_error(rs, &e);
    }
    snprintf(rs->location, sizeof rs->location, "/api/v1/analytics/datasets/%s", name);
    return http_json(rs, 201, after);
}

static int dataset_delete(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *before = NULL;
    int rc = store_begin(rq->db, &e);
    if (!rc) rc = store_analytics_dataset_delete(rq->db, rq->params[0], &before, &e);
    if (!rc)
        rc = http_audit(rq, "analytics.dataset.delete", "analytics_dataset", rq->params[0], before,
                        NULL, &e);
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    json_decref(before);
    if (rc) return http_error(rs, &e);
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
    static const char *const allowed[] = {"dataset", "statistic", NULL};
    store_an_statistic st;
    json_t *out;
    const char *ds = http_query(rq, "dataset");
    if (http_query_only(rq, allowed, &e) ||
        store_analytics_statistic_parse(http_query(rq, "statistic"), &st, &e) ||
        store_analytics_rates_json(rq->db, ds ? ds : STORE_ANALYTICS_NEL, st, &out, NULL, &e))
        return http_error(rs, &e);
    json_object_del(out, "funnel");
    return http_json(rs, 200, out);
}

static int funnel(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"dataset", "statistic", "format", NULL};
    store_an_statistic st;
    int svg;
    json_t *out;
    analytics_funnel *f = NULL;
    const char *ds = http_query(rq, "dataset");
    if (http_query_only(rq, allowed, &e) || want_svg(rq, &svg, &e) ||
        store_analytics_statistic_parse(http_query(rq, "statistic"), &st, &e) ||
        store_analytics_rates_json(rq->db, ds ? ds : STORE_ANALYTICS_NEL, st, &out, &f, &e))
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
                              st == STORE_AN_ISR ? "Expected events" : "Population (per year)",
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
        json_t *out = store_analytics_funnel_json(fn);
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
    static const char *const allowed[] = {"dataset", NULL};
    json_t *out;
    if (http_query_only(rq, allowed, &e) ||
        store_analytics_variation_json(rq->db, http_query(rq, "dataset"), &out, &e))
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

static json_t *pace_json(const analytics_pace *p)
{
    return json_pack("{sisfsfsfsf}", "years", p->years, "pace", p->pace, "floor", p->floor, "cap",
                     p->cap, "growth", p->budget_growth);
}

static int allocation(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"years",  "pace",   "floor", "cap",
                                          "growth", "format", NULL};
    analytics_pace p;
    int svg;
    analytics_alloc *a;
    if (http_query_only(rq, allowed, &e) || want_svg(rq, &svg, &e) || pace_from(rq, NULL, &p, &e) ||
        store_analytics_alloc(rq->db, &p, &a, &e))
        return http_error(rs, &e);
    if (!svg) {
        json_t *out = store_analytics_alloc_json(a);
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
    if (store_analytics_weights_json(rq->db, &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int weights_put(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json || !json_is_object(rq->json))
        return fail(rs, ICS_EBADREQ, "a JSON object body is required", NULL);
    json_t *before = NULL, *after = NULL;
    int rc = store_begin(rq->db, &e);
    if (!rc) rc = store_analytics_weights_json(rq->db, &before, &e);
    if (!rc) rc = store_analytics_weights_set(rq->db, rq->json, &e);
    if (!rc) rc = store_analytics_weights_json(rq->db, &after, &e);
    if (!rc)
        rc = http_audit(rq, "analytics.weights.replace", "allocation_weights", "current", before,
                        after, &e);
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    json_decref(before);
    if (rc) {
        json_decref(after);
        return http_error(rs, &e);
    }
    return http_json(rs, 200, after);
}

static int current_put(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"items", JF_ARRAY, 1}, {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    json_t *before = NULL;
    const json_t *items = json_object_get(rq->json, "items");
    int rc = store_begin(rq->db, &e);
    if (!rc) rc = store_analytics_current_set(rq->db, items, &before, &e);
    json_t *was = json_pack("{so?}", "items", before);
    if (!rc)
        rc = http_audit(rq, "analytics.current.replace", "allocation_current", "current", was,
                        rq->json, &e);
    json_decref(was);
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    if (rc) return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{sO}", "items", items));
}

static int runs_list(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t limit, offset;
    json_t *out;
    static const char *const allowed[] = {"limit", "offset", NULL};
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e) ||
        store_analytics_runs_json(rq->db, limit, offset, &out, &e))
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
    analytics_alloc *a;
    if (store_analytics_alloc(rq->db, &p, &a, &e)) return http_error(rs, &e);
    json_t *result = store_analytics_alloc_json(a);
    analytics_alloc_free(a);
    json_t *params = pace_json(&p);
    const char *label = json_string_value(json_object_get(rq->json, "label"));
    if (label) json_object_set_new(params, "label", json_string(label));
    int64_t id = 0;
    int rc = store_begin(rq->db, &e);
    if (!rc) rc = store_analytics_run_save(rq->db, rq->user->name, params, result, &id, &e);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    if (!rc)
        rc = http_audit(rq, "analytics.allocation.run", "allocation_run", ids, NULL, params, &e);
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    if (rc) {
        json_decref(params);
        json_decref(result);
        return http_error(rs, &e);
    }
    snprintf(rs->location, sizeof rs->location, "/api/v1/analytics/allocation/runs/%lld",
             (long long)id);
    return http_json(
        rs, 201, json_pack("{sIsoso}", "id", (json_int_t)id, "params", params, "result", result));
}

const http_route http_routes_analytics[] = {
    {"GET", "/api/v1/analytics/datasets", ROLE_ANY, datasets_list, "List event-count datasets",
     NULL},
    {"POST", "/api/v1/analytics/datasets", WRITERS, dataset_create,
     "Load an event-count dataset by area, sex and age band", NULL},
    {"GET", "/api/v1/analytics/datasets/{dataset}", ROLE_ANY, dataset_get,
     "One dataset's description and totals", NULL},
    {"DELETE", "/api/v1/analytics/datasets/{dataset}", WRITERS, dataset_delete, "Delete a dataset",
     NULL},
    {"GET", "/api/v1/analytics/rates", ROLE_ANY, rates,
     "Rates with 95% and 99.8% limits for every area", NULL},
    {"GET", "/api/v1/analytics/funnel", ROLE_ANY, funnel,
     "Funnel plot: control limits and flagged areas (JSON or SVG)", NULL},
    {"POST", "/api/v1/analytics/funnel", ROLE_ANY, funnel_points,
     "Funnel plot of posted points: proportions, ratios or rates (JSON or SVG)", NULL},
    {"GET", "/api/v1/analytics/variation", ROLE_ANY, variation,
     "NWL variation report: standardised NEL rates and length-of-stay variation", NULL},
    {"GET", "/api/v1/analytics/allocation", ROLE_ANY, allocation,
     "Needs-based allocation with a pace-of-change scenario (JSON or SVG)", NULL},
    {"GET", "/api/v1/analytics/allocation/weights", ROLE_ANY, weights_get,
     "Allocation cost and need weights", NULL},
    {"PUT", "/api/v1/analytics/allocation/weights", WRITERS, weights_put,
     "Replace the allocation weights", NULL},
    {"PUT", "/api/v1/analytics/allocation/current", WRITERS, current_put,
     "Replace the current allocation per place", NULL},
    {"GET", "/api/v1/analytics/allocation/runs", ROLE_ANY, runs_list,
     "Saved allocation scenario runs", NULL},
    {"POST", "/api/v1/analytics/allocation/runs", WRITERS, runs_create,
     "Run and save an allocation scenario", NULL},
    {NULL, NULL, 0, NULL, NULL, NULL}};
