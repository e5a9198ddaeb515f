/* app/priorities.c - priority setting as use cases (see priorities.h).
 * The arithmetic is the governance engine's (src/gov/mcda.c); here the
 * inputs are checked and gathered, and writes run in one transaction with
 * one audit record and one event (priorities.changed, ICS-wide). */
#include "app/priorities.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/accountability.h"
#include "app/finance.h"
#include "app/seed.h"
#include "core/csv.h"
#include "core/problems.h"
#include "core/rng.h"
#include "core/utf8.h"
#include "gov/gov.h"
#include "store/finance.h"

static int code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 32) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

static int changed(app_ctx *c, const char *what, const char *ics, const json_t *after, ics_err *e)
{
    return app_record(c, &APP_GOV_WRITE, what, ics, NULL, after, "priorities.changed", NULL,
                      json_pack("{ss}", "what", what), e);
}

/* ---- criteria -------------------------------------------------------------- */

int app_prio_criteria(app_ctx *c, json_t **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    json_t *rows;
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_gov_criteria(c->db, ics, &rows, e);
    if (!rc) *out = json_pack("{so}", "items", rows);
    return rc;
}

int app_prio_criteria_replace(app_ctx *c, const json_t *body, json_t **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (rc) return rc;
    const json_t *items = json_object_get(body, "items");
    size_t n = json_array_size(items);
    if (!json_is_array(items) || n < 1 || n > GOV_MAX_CRITERIA)
        return ics_err_set(e, ICS_EINVAL, "items must be a list of 1 to %d criteria",
                           GOV_MAX_CRITERIA);
    problems p;
    problems_init(&p);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(items, i);
        const char *code = json_string_value(json_object_get(it, "code"));
        const char *name = json_string_value(json_object_get(it, "name"));
        const json_t *w = json_object_get(it, "board_weight");
        if (!code_ok(code)) problems_add(&p, "items[%zu].code must be 1-32 of a-z, 0-9 and _", i);
        for (size_t k = 0; k < i && code; k++) {
            const char *o = json_string_value(json_object_get(json_array_get(items, k), "code"));
            if (o && strcmp(o, code) == 0)
                problems_add(&p, "items[%zu].code '%s' is repeated", i, code);
        }
        if (!name || !*name || strlen(name) > 100 || !utf8_valid(name))
            problems_add(&p, "items[%zu].name must be UTF-8 text of 1 to 100 bytes", i);
        double v = json_number_value(w);
        if (!json_is_number(w) || !isfinite(v) || v < 0 || v > 1e6)
            problems_add(&p, "items[%zu].board_weight must be a number from 0 to 1000000", i);
        else
            sum += v;
    }
    if (p.n == 0 && !(sum > 0)) problems_add(&p, "the board weights are all 0");
    if ((rc = problems_done(&p, e)) || (rc = app_fin_ics(c, ics, e))) return rc;
    if ((rc = app_begin(c, e))) return rc;
    json_t *rows = NULL;
    rc = store_gov_criteria_replace(c->db, ics, items, e);
    if (!rc) rc = store_gov_criteria(c->db, ics, &rows, e);
    if (!rc) rc = changed(c, "criteria", ics, rows, e);
    rc = app_end(c, rc, e);
    if (rc)
        json_decref(rows);
    else
        *out = json_pack("{so}", "items", rows);
    return rc;
}

/* ---- the survey ---------------------------------------------------------------- */

static int survey_parse(const csv_doc *d, const json_t *crit, json_t **rows, int *respondents,
                        ics_err *e)
{
    size_t k = json_array_size(crit);
    int idx[GOV_MAX_CRITERIA + 1], rc;
    const char *names[GOV_MAX_CRITERIA + 2];
    names[0] = "respondent";
    for (size_t j = 0; j < k; j++)
        names[j + 1] = json_string_value(json_object_get(json_array_get(crit, j), "code"));
    names[k + 1] = NULL;
    if ((rc = csv_columns(d, names, idx, 1, e))) return rc;
    if (d->nrows == 0) return ics_err_set(e, ICS_EINVAL, "%s has no responses", d->name);
    if (d->nrows > 200000)
        return ics_err_set(e, ICS_EINVAL, "%s has %zu responses; at most 200000", d->name,
                           d->nrows);
    if ((rc = csv_unique(d, idx, 1, e))) return rc;
    problems p;
    problems_init(&p);
    *rows = json_array();
    for (size_t i = 0; i < d->nrows; i++) {
        char **r = d->rows[i];
        size_t ln = d->line[i];
        const char *who = r[idx[0]];
        double sum = 0;
        int ok = 1;
        if (!*who || strlen(who) > 64)
            problems_add(&p, "line %zu, column respondent: 1 to 64 characters", ln), ok = 0;
        double w[GOV_MAX_CRITERIA];
        for (size_t j = 0; j < k; j++) {
            const char *cell = r[idx[j + 1]];
            char *end;
            w[j] = strtod(cell, &end);
            if (!*cell || *end || !isfinite(w[j]) || w[j] < 0 || w[j] > 1e6) {
                problems_add(&p, "line %zu, column %s: '%.20s' is not a weight from 0 to 1000000",
                             ln, names[j + 1], cell);
                ok = 0;
            } else
                sum += w[j];
        }
        if (ok && !(sum > 0))
            problems_add(&p, "line %zu: every weight is 0 (a respondent must weight something)",
                         ln),
                ok = 0;
        if (!ok) continue;
        for (size_t j = 0; j < k; j++)
            json_array_append_new(*rows, json_pack("{sssssfsi}", "respondent", who, "criterion",
                                                   names[j + 1], "weight", w[j], "synthetic",
                                                   strncmp(who, "synthetic", 9) == 0));
    }
    *respondents = (int)d->nrows;
    rc = problems_done(&p, e);
    if (rc) json_decref(*rows), *rows = NULL;
    return rc;
}

int app_prio_survey_import(app_ctx *c, const char *csv, size_t len, const char *name, json_t **out,
                           ics_err *e)
{
    char ics[STORE_ICS_CODE];
    csv_doc *d = NULL;
    json_t *crit = NULL, *rows = NULL;
    int rc = app_allow(c, &APP_GOV_WRITE, e), n = 0;
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc && (rc = csv_parse(csv, len, name, &d, e))) e->code = ICS_EINVAL;
    if (rc) return rc;
    if ((rc = app_begin(c, e))) {
        csv_free(d);
        return rc;
    }
    int64_t removed = 0;
    rc = store_gov_criteria(c->db, ics, &crit, e);
    if (!rc && json_array_size(crit) == 0)
        rc = ics_err_set(e, ICS_EINVAL, "set the criteria before importing survey responses");
    if (!rc) rc = survey_parse(d, crit, &rows, &n, e);
    if (!rc) rc = store_gov_survey_replace(c->db, ics, rows, &removed, e);
    if (!rc) {
        *out = json_pack("{sssisI}", "file", d->name, "respondents", n, "replaced",
                         (json_int_t)removed);
        rc = changed(c, "survey", ics, *out, e);
        if (rc) json_decref(*out), *out = NULL;
    }
    json_decref(crit), json_decref(rows);
    csv_free(d);
    return app_end(c, rc, e);
}

/* Public weights: mean of normalised weights with the t interval. */
static int public_weights(const json_t *crit, const json_t *survey, double *mean, double *lo,
                          double *hi, int *m, int *has_ci, ics_err *e)
{
    size_t k = json_array_size(crit), nrows = json_array_size(survey);
    double *raw = calloc(nrows ? nrows : 1, sizeof *raw * (k ? k : 1));
    if (!raw) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    int r = -1;
    const char *last = NULL;
    for (size_t i = 0; i < nrows; i++) {
        const json_t *row = json_array_get(survey, i);
        const char *who = json_string_value(json_object_get(row, "respondent"));
        const char *cr = json_string_value(json_object_get(row, "criterion"));
        if (!last || strcmp(last, who)) r++, last = who;
        for (size_t j = 0; j < k; j++)
            if (strcmp(cr, json_string_value(json_object_get(json_array_get(crit, j), "code"))) ==
                0)
                raw[(size_t)r * k + j] = json_number_value(json_object_get(row, "weight"));
    }
    *m = r + 1;
    int rc = *m > 0 ? gov_weights_ci(raw, *m, (int)k, mean, lo, hi, has_ci, e) : 0;
    free(raw);
    return rc;
}

int app_prio_weights(app_ctx *c, json_t **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    json_t *crit = NULL, *survey = NULL;
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_gov_criteria(c->db, ics, &crit, e);
    if (!rc) rc = store_gov_survey(c->db, ics, &survey, e);
    double mean[GOV_MAX_CRITERIA], lo[GOV_MAX_CRITERIA], hi[GOV_MAX_CRITERIA], bsum = 0;
    int m = 0, has_ci = 0, synthetic = 0;
    if (!rc) rc = public_weights(crit, survey, mean, lo, hi, &m, &has_ci, e);
    if (rc) {
        json_decref(crit), json_decref(survey);
        return rc;
    }
    size_t i;
    json_t *r;
    json_array_foreach(survey, i, r) synthetic |=
        json_integer_value(json_object_get(r, "synthetic")) != 0;
    json_array_foreach(crit, i, r) bsum += json_number_value(json_object_get(r, "board_weight"));
    json_array_foreach(crit, i, r)
    {
        double b = json_number_value(json_object_get(r, "board_weight"));
        json_object_set_new(r, "board", json_real(bsum > 0 ? b / bsum : 0));
        if (m > 0) {
            json_object_set_new(r, "public", json_real(mean[i]));
            if (has_ci) json_object_set_new(r, "public_ci95", json_pack("[ff]", lo[i], hi[i]));
        }
    }
    *out =
        json_pack("{sosisbss}", "items", crit, "respondents", m, "synthetic", synthetic, "method",
                  "public: each respondent's weights normalised to sum to 1, the mean per "
                  "criterion with the t-based 95% interval mean +/- t(0.975, m-1) s/sqrt(m); "
                  "board: the board's weights normalised to sum to 1");
    json_decref(survey);
    return 0;
}

/* ---- work areas ---------------------------------------------------------------- */

int app_prio_area_create(app_ctx *c, const json_t *b, json_t **row, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    *row = NULL;
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *crit = NULL;
    problems p;
    problems_init(&p);
    rc = store_gov_criteria(c->db, ics, &crit, e);
    const char *name = json_string_value(json_object_get(b, "name"));
    const char *desc = json_string_value(json_object_get(b, "description"));
    if (!name || !*name || strlen(name) > 200 || !utf8_valid(name))
        problems_add(&p, "name must be UTF-8 text of 1 to 200 bytes");
    if (desc && (strlen(desc) > 4000 || !utf8_valid(desc)))
        problems_add(&p, "description must be UTF-8 text of at most 4000 bytes");
    const json_t *cost = json_object_get(b, "cost_gbp_m");
    double cv = json_number_value(cost);
    if (!json_is_number(cost) || !isfinite(cv) || cv < 0 || cv > 1e6)
        problems_add(&p, "cost_gbp_m must be a number of GBP millions from 0 to 1000000");
    const json_t *sc = json_object_get(b, "scores");
    if (!json_is_object(sc)) problems_add(&p, "scores must be an object: criterion -> 0..10");
    size_t i;
    json_t *cr;
    json_array_foreach(crit, i, cr)
    {
        const char *code = json_string_value(json_object_get(cr, "code"));
        const json_t *v = json_object_get(sc, code);
        double x = json_number_value(v);
        if (sc && (!json_is_number(v) || !isfinite(x) || x < 0 || x > 10))
            problems_add(&p, "scores.%s must be a number from 0 to 10", code);
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)sc, key, v)
    {
        int known = 0;
        json_array_foreach(crit, i, cr) known |=
            strcmp(key, json_string_value(json_object_get(cr, "code"))) == 0;
        if (!known) problems_add(&p, "scores.%.40s: no such criterion", key);
    }
    if (!rc)
        rc = problems_done(&p, e);
    else
        problems_done(&p, NULL);
    int64_t id = 0;
    json_t *rows = NULL;
    if (!rc) rc = store_gov_area_insert(c->db, ics, b, c->who.name, c->now, &id, e);
    if (!rc) rc = store_gov_areas(c->db, ics, id, &rows, e);
    if (!rc) {
        *row = json_incref(json_array_get(rows, 0));
        app_json_utc(*row, "created_at");
        rc = changed(c, "work_area", ics, *row, e);
    }
    json_decref(rows), json_decref(crit);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*row), *row = NULL;
    return rc;
}

int app_prio_areas(app_ctx *c, json_t **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    json_t *rows;
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_gov_areas(c->db, ics, 0, &rows, e);
    if (!rc) *out = json_pack("{so}", "items", app_json_utc(rows, "created_at"));
    return rc;
}

int app_prio_area_delete(app_ctx *c, int64_t id, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *rows = NULL;
    int n = 0;
    rc = store_gov_areas(c->db, ics, id, &rows, e);
    if (!rc && (id <= 0 || json_array_size(rows) == 0))
        rc = ics_err_set(e, ICS_ENOTFOUND, "no work area %lld", (long long)id);
    if (!rc) rc = store_gov_area_delete(c->db, ics, id, &n, e);
    if (!rc)
        rc = app_record(c, &APP_GOV_WRITE, "work_area", ics, json_array_get(rows, 0), NULL,
                        "priorities.changed", NULL,
                        json_pack("{sssI}", "what", "work_area", "id", (json_int_t)id), e);
    json_decref(rows);
    return app_end(c, rc, e);
}

/* ---- the ranking ---------------------------------------------------------------- */

int app_prio_ranking(app_ctx *c, const char *which, json_t **out, ics_err *e)
{
    if (!which) which = "public";
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc && strcmp(which, "public") && strcmp(which, "board"))
        rc = ics_err_set(e, ICS_EINVAL, "weights '%.20s' must be public or board", which);
    json_t *wj = NULL, *areas = NULL;
    if (!rc) rc = app_prio_weights(c, &wj, e);
    if (!rc) rc = app_prio_areas(c, &areas, e);
    if (rc) {
        json_decref(wj);
        return rc;
    }
    const json_t *crit = json_object_get(wj, "items"), *items = json_object_get(areas, "items");
    int k = (int)json_array_size(crit), n = (int)json_array_size(items);
    double w[GOV_MAX_CRITERIA], up[GOV_MAX_CRITERIA], down[GOV_MAX_CRITERIA];
    for (int j = 0; j < k; j++) {
        const json_t *v = json_object_get(json_array_get(crit, j), which);
        w[j] = json_number_value(v);
        if (!v)
            rc = ics_err_set(e, ICS_EINVAL, "no %s weights yet (import survey responses)", which);
    }
    if (!rc && (n < 1 || k < 1))
        rc = ics_err_set(e, ICS_EINVAL, "nothing to rank: %d work areas, %d criteria", n, k);
    double *score = NULL, *total = NULL;
    int *order = NULL;
    if (!rc) {
        score = calloc((size_t)n * k, sizeof *score);
        total = calloc(n, sizeof *total);
        order = calloc(n, sizeof *order);
        if (!score || !total || !order) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    for (int i = 0; !rc && i < n; i++)
        for (int j = 0; j < k; j++) {
            const char *code = json_string_value(json_object_get(json_array_get(crit, j), "code"));
            const json_t *v =
                json_object_get(json_object_get(json_array_get(items, i), "scores"), code);
            score[(size_t)i * k + j] = v ? json_number_value(v) : 0;
        }
    if (!rc) rc = gov_mcda_rank(score, n, k, w, total, order, e);
    if (!rc) rc = gov_mcda_sensitivity(score, n, k, w, up, down, e);
    if (!rc) {
        json_t *ranked = json_array(), *sens = json_array();
        int synthetic = json_is_true(json_object_get(wj, "synthetic"));
        for (int r = 0; r < n; r++) {
            json_t *a = json_deep_copy(json_array_get(items, order[r]));
            json_object_set_new(a, "rank", json_integer(r + 1));
            json_object_set_new(a, "total", json_real(total[order[r]]));
            synthetic |= json_integer_value(json_object_get(a, "synthetic")) != 0;
            json_array_append_new(ranked, a);
        }
        for (int j = 0; j < k; j++) {
            json_t *s = json_pack("{sOsf}", "criterion",
                                  json_object_get(json_array_get(crit, j), "code"), "weight", w[j]);
            json_object_set_new(s, "increase", up[j] < 0 ? json_null() : json_real(up[j]));
            json_object_set_new(s, "decrease", down[j] < 0 ? json_null() : json_real(down[j]));
            json_array_append_new(sens, s);
        }
        *out = json_pack(
            "{sssosOsosbss}", "weights", which, "ranking", ranked, "criteria", crit, "sensitivity",
            sens, "synthetic", synthetic, "method",
            "weighted sum of scores (0-10) with the weights normalised to sum to 1; sensitivity: "
            "the smallest increase and decrease of each weight (the others rescaled in proportion) "
            "that change the ordered top three, null when none within 0..1");
    }
    free(score), free(total), free(order);
    json_decref(wj), json_decref(areas);
    return rc;
}

/* ---- first start: the synthetic default ----------------------------------------- */

/* Criteria, the board's weights, 60 survey respondents and eight work
 * areas, all invented (deterministic for the seed) and labelled synthetic. */
static const struct {
    const char *code, *name;
    double board, public_mean; /* the respondents' raw weights centre on public_mean */
} seed_criteria[] = {{"need", "Population need", 3, 4},
                     {"inequality", "Inequality reduced", 3, 3.5},
                     {"deliverability", "Deliverability", 2, 1.5},
                     {"cost", "Affordability (cheaper scores higher)", 2, 2.5},
                     {NULL, NULL, 0, 0}};

static const struct {
    const char *name, *description;
    double cost, scores[4];
} seed_areas[] = {
    {"Same-day frailty response across the ICS",
     "one UCR and frailty model in all eight boroughs",
     4.5,
     {8, 7, 6, 5}},
    {"Community bed bureau for every borough",
     "pooled community beds with one length-of-stay standard",
     2.0,
     {7, 5, 8, 8}},
    {"Joint waiting list and surgical hubs",
     "shared elective lists across the four acute trusts",
     6.0,
     {8, 6, 5, 4}},
    {"Outer-borough primary care access",
     "extended access in Hillingdon, Harrow and Hounslow",
     3.0,
     {6, 8, 6, 6}},
    {"Mental health crisis alternatives", "crisis cafes and step-down beds", 3.5, {7, 8, 5, 5}},
    {"Virtual wards expansion",
     "more virtual ward capacity for respiratory and frailty",
     5.0,
     {6, 4, 7, 4}},
    {"Discharge to assess pathway 1",
     "home-based discharge with support within 24 hours",
     2.5,
     {7, 5, 7, 7}},
    {"Diabetes prevention in deprived areas",
     "targeted prevention in the most deprived LSOAs",
     1.5,
     {5, 9, 6, 8}},
    {NULL, NULL, 0, {0}}};

int app_priorities_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    char ics[STORE_ICS_CODE];
    int rc = app_fin_ics(c, ics, e);
    json_t *crit = json_array(), *survey = json_array();
    for (int j = 0; seed_criteria[j].code; j++)
        json_array_append_new(crit, json_pack("{sssssf}", "code", seed_criteria[j].code, "name",
                                              seed_criteria[j].name, "board_weight",
                                              seed_criteria[j].board));
    if (!rc) rc = store_gov_criteria_replace(c->db, ics, crit, e);
    rng r;
    rng_seed(&r, 16, 1);
    for (int i = 1; i <= 60; i++) {
        char who[32];
        snprintf(who, sizeof who, "synthetic-%03d", i);
        for (int j = 0; seed_criteria[j].code; j++) {
            double w = seed_criteria[j].public_mean * (0.5 + rng_uniform(&r));
            json_array_append_new(survey, json_pack("{sssssfsi}", "respondent", who, "criterion",
                                                    seed_criteria[j].code, "weight",
                                                    round(w * 10) / 10, "synthetic", 1));
        }
    }
    int64_t removed = 0, id = 0;
    if (!rc) rc = store_gov_survey_replace(c->db, ics, survey, &removed, e);
    for (int a = 0; !rc && seed_areas[a].name; a++) {
        json_t *sc = json_object();
        for (int j = 0; seed_criteria[j].code; j++)
            json_object_set_new(sc, seed_criteria[j].code, json_real(seed_areas[a].scores[j]));
        json_t *row = json_pack("{sssssfsosi}", "name", seed_areas[a].name, "description",
                                seed_areas[a].description, "cost_gbp_m", seed_areas[a].cost,
                                "scores", sc, "synthetic", 1);
        rc = store_gov_area_insert(c->db, ics, row, "seed", c->now, &id, e);
        json_decref(row);
    }
    json_decref(crit), json_decref(survey);
    return rc;
}
