/* app/finance.c - the ICS's money as use cases (see finance.h): reads for
 * the board roles, CSV imports that check every row and write all or
 * nothing in one transaction with one audit record and one change event
 * (finance.imported, ICS-wide), the one-page summary, and the first-start
 * seeding of the synthetic NWL default. */
#include "app/finance.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/analytics_report.h"
#include "app/ics.h"
#include "app/seed.h"
#include "core/csv.h"
#include "core/problems.h"
#include "store/analytics.h"
#include "store/finance.h"

#define READERS (ROLE_ADMIN | ROLE_FINANCE | ROLE_EXECUTIVE | ROLE_ANALYST)
#define WRITERS (ROLE_ADMIN | ROLE_FINANCE)

const app_use APP_FIN_READ = {"finance.read", READERS, APP_SCOPE_ICS};
const app_use APP_FIN_BUDGETS_IMPORT = {"finance.budgets.import", WRITERS, APP_SCOPE_ICS};
const app_use APP_FIN_PROVIDERS_IMPORT = {"finance.providers.import", WRITERS, APP_SCOPE_ICS};

/* The national benchmark of the acute share (a row of fin_benchmarks). */
#define BENCH_ACUTE "national_acute_share"

int app_fin_ics(app_ctx *c, char out[STORE_ICS_CODE], ics_err *e)
{
    return app_ics_one(c, out, e);
}

/* ---- checks ---------------------------------------------------------------- */

int app_fin_month_check(const char *what, const char *m, ics_err *e)
{
    if (!m) return 0;
    int ok = strlen(m) == 7 && m[4] == '-';
    for (int i = 0; ok && i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)m[i])) ok = 0;
    if (ok) {
        int mm = atoi(m + 5), yy = atoi(m);
        ok = mm >= 1 && mm <= 12 && yy >= 2000 && yy <= 2100;
    }
    if (!ok)
        return ics_err_set(e, ICS_EINVAL, "%s '%.20s' must be a month YYYY-MM (2000-2100)", what,
                           m);
    return 0;
}

/* A financial year '2026/27': the second part is the year after the first. */
static int year_ok(const char *y)
{
    if (strlen(y) != 7 || y[4] != '/') return 0;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)y[i])) return 0;
    int a = atoi(y);
    return a >= 2000 && a <= 2100 && atoi(y + 5) == (a + 1) % 100;
}

/* An amount in millions of pounds: a plain decimal 0 .. 1,000,000. */
static int amount_ok(const char *s, double *v)
{
    char *end;
    if (!*s || isspace((unsigned char)*s)) return 0;
    *v = strtod(s, &end);
    return *end == '\0' && isfinite(*v) && *v >= 0 && *v <= 1e6;
}

static const char *const sectors[] = {"acute",        "community", "mental_health",
                                      "primary_care", "other",     NULL};

static int sector_ok(const char *s)
{
    for (int i = 0; sectors[i]; i++)
        if (strcmp(s, sectors[i]) == 0) return 1;
    return 0;
}

/* ---- reads ----------------------------------------------------------------- */

static json_t *items(json_t *rows)
{
    return json_pack("{so}", "items", rows);
}

int app_fin_budgets(app_ctx *c, const char *year, json_t **out, ics_err *e)
{
    json_t *rows;
    int rc = app_allow(c, &APP_FIN_READ, e);
    if (!rc && year && !year_ok(year))
        rc = ics_err_set(e, ICS_EINVAL, "year '%.20s' must be a financial year like 2026/27", year);
    char ics[STORE_ICS_CODE];
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_fin_budgets(c->db, ics, year, &rows, e);
    if (!rc) *out = items(rows);
    return rc;
}

/* Surplus (income - expenditure) and its share of income on each row. */
static void add_surplus(json_t *rows)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        double in = json_number_value(json_object_get(r, "income_gbp_m"));
        double ex = json_number_value(json_object_get(r, "expenditure_gbp_m"));
        json_object_set_new(r, "surplus_gbp_m", json_real(in - ex));
        json_object_set_new(r, "surplus_share", in > 0 ? json_real((in - ex) / in) : json_null());
    }
}

int app_fin_provider_months(app_ctx *c, const char *from, const char *to, json_t **out, ics_err *e)
{
    json_t *rows;
    int rc = app_allow(c, &APP_FIN_READ, e);
    if (!rc) rc = app_fin_month_check("from", from, e);
    if (!rc) rc = app_fin_month_check("to", to, e);
    char ics[STORE_ICS_CODE];
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_fin_provider_months(c->db, ics, from, to, &rows, e);
    if (rc) return rc;
    add_surplus(rows);
    *out = items(rows);
    return 0;
}

int app_fin_benchmarks(app_ctx *c, json_t **out, ics_err *e)
{
    json_t *rows;
    int rc = app_allow(c, &APP_FIN_READ, e);
    if (!rc) rc = store_fin_benchmarks(c->db, &rows, e);
    if (!rc) *out = items(rows);
    return rc;
}

static double bench(const json_t *rows, const char *key)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "key")), key) == 0)
            return json_number_value(json_object_get(r, "value"));
    }
    return NAN;
}

/* Sectors with their share of the total; the acute share against the
 * benchmark. */
static json_t *sector_block(json_t *rows, const json_t *benches)
{
    double total = 0, acute = 0;
    int synthetic = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        double v = json_number_value(json_object_get(r, "amount_gbp_m"));
        total += v;
        if (strcmp(json_string_value(json_object_get(r, "sector")), "acute") == 0) acute = v;
        synthetic |= json_integer_value(json_object_get(r, "synthetic")) != 0;
    }
    json_array_foreach(rows, i, r)
    {
        double v = json_number_value(json_object_get(r, "amount_gbp_m"));
        json_object_set_new(r, "share", total > 0 ? json_real(v / total) : json_null());
    }
    double nat = bench(benches, BENCH_ACUTE);
    json_t *b =
        json_pack("{sosfsb}", "sectors", rows, "total_gbp_m", total, "synthetic", synthetic);
    json_object_set_new(b, "acute_share", total > 0 ? json_real(acute / total) : json_null());
    json_object_set_new(b, "national_acute_share", isnan(nat) ? json_null() : json_real(nat));
    if (total > 0 && !isnan(nat))
        json_object_set_new(b, "acute_share_difference", json_real(acute / total - nat));
    return b;
}

/* Providers over the period: surplus or deficit and its share of income,
 * and the system total. */
static json_t *provider_block(json_t *rows)
{
    double in = 0, ex = 0;
    int synthetic = 0;
    size_t i;
    json_t *r;
    add_surplus(rows);
    json_array_foreach(rows, i, r)
    {
        in += json_number_value(json_object_get(r, "income_gbp_m"));
        ex += json_number_value(json_object_get(r, "expenditure_gbp_m"));
        synthetic |= json_integer_value(json_object_get(r, "synthetic")) != 0;
    }
    json_t *b =
        json_pack("{sosfsfsfsb}", "providers", rows, "income_gbp_m", in, "expenditure_gbp_m", ex,
                  "surplus_gbp_m", in - ex, "synthetic", synthetic);
    json_object_set_new(b, "surplus_share", in > 0 ? json_real((in - ex) / in) : json_null());
    return b;
}

/* Spend by place against the weighted-capitation target share of
 * analytics (docs/analytics.md): the gap is spend minus target share x
 * the places' total spend. */
static int place_block(app_ctx *c, json_t *rows, json_t **out, ics_err *e)
{
    analytics_alloc *a = NULL;
    char ics[STORE_ICS_CODE];
    int rc = app_ics_one(c, ics, e); /* the target shares of this ICS's places */
    if (!rc) rc = app_an_alloc(c->db, ics, NULL, &a, e);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    double total = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) total += json_number_value(json_object_get(r, "amount_gbp_m"));
    json_array_foreach(rows, i, r)
    {
        const char *code = json_string_value(json_object_get(r, "place_code"));
        double v = json_number_value(json_object_get(r, "amount_gbp_m")), ts = NAN;
        for (size_t p = 0; p < a->nplaces; p++)
            if (strcmp(a->places[p].code, code) == 0) ts = a->places[p].target_share;
        json_object_set_new(r, "spend_share", total > 0 ? json_real(v / total) : json_null());
        json_object_set_new(r, "target_share", isnan(ts) ? json_null() : json_real(ts));
        if (!isnan(ts) && total > 0) json_object_set_new(r, "gap_gbp_m", json_real(v - ts * total));
    }
    analytics_alloc_free(a);
    *out = json_pack("{sosfss}", "places", rows, "total_gbp_m", total, "target_method",
                     "weighted capitation: population by age and sex x cost weights x "
                     "deprivation need (see docs/analytics.md)");
    return 0;
}

int app_fin_summary(app_ctx *c, const char *year, const char *from, const char *to, json_t **out,
                    ics_err *e)
{
    char ics[STORE_ICS_CODE];
    json_t *years = NULL, *benches = NULL, *sec = NULL, *plc = NULL, *prov = NULL, *pb = NULL;
    int rc = app_allow(c, &APP_FIN_READ, e);
    if (!rc && year && !year_ok(year))
        rc = ics_err_set(e, ICS_EINVAL, "year '%.20s' must be a financial year like 2026/27", year);
    if (!rc) rc = app_fin_month_check("from", from, e);
    if (!rc) rc = app_fin_month_check("to", to, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_fin_years(c->db, ics, &years, e);
    if (rc) return rc;
    char y[16] = "";
    if (year)
        snprintf(y, sizeof y, "%s", year);
    else if (json_array_size(years))
        snprintf(y, sizeof y, "%s",
                 json_string_value(json_object_get(json_array_get(years, 0), "year")));
    rc = store_fin_benchmarks(c->db, &benches, e);
    if (!rc) rc = store_fin_by_sector(c->db, ics, y, &sec, e);
    if (!rc) rc = store_fin_by_place(c->db, ics, y, &plc, e);
    if (!rc) rc = store_fin_provider_totals(c->db, ics, from, to, &prov, e);
    json_t *placeb = NULL;
    if (!rc) rc = place_block(c, plc, &placeb, e), plc = NULL;
    if (!rc) {
        pb = provider_block(prov);
        prov = NULL;
        *out = json_pack("{sssssososososo}", "ics", ics, "year", y, "years", years, "spend",
                         sector_block(sec, benches), "providers", pb, "places", placeb,
                         "benchmarks", benches);
        json_object_set_new(*out, "from", from ? json_string(from) : json_null());
        json_object_set_new(*out, "to", to ? json_string(to) : json_null());
        return 0;
    }
    json_decref(years), json_decref(benches), json_decref(sec), json_decref(plc);
    json_decref(prov);
    return rc;
}

/* ---- imports --------------------------------------------------------------- */

/* Parse and check a budget file into rows; every problem named by line. */
static int budgets_parse(app_ctx *c, const char *ics, const csv_doc *d, json_t **rows,
                         json_t **years, ics_err *e)
{
    static const char *const cols[] = {"year",         "sector", "place_code", "provider_code",
                                       "amount_gbp_m", "source", NULL};
    int idx[6], rc = csv_columns(d, cols, idx, 1, e);
    if (rc) return rc;
    if (d->nrows == 0) return ics_err_set(e, ICS_EINVAL, "%s has no budget lines", d->name);
    if (d->nrows > 100000)
        return ics_err_set(e, ICS_EINVAL, "%s has %zu lines; at most 100000", d->name, d->nrows);
    problems p;
    problems_init(&p);
    *rows = json_array();
    *years = json_array();
    for (size_t i = 0; i < d->nrows && rc == 0; i++) {
        char **r = d->rows[i];
        size_t ln = d->line[i];
        const char *yr = r[idx[0]], *sec = r[idx[1]], *pl = r[idx[2]], *pv = r[idx[3]];
        double v = 0;
        int ok = 1, yes = 0;
        if (!year_ok(yr))
            problems_add(&p, "line %zu, column year: '%.20s' is not a financial year like 2026/27",
                         ln, yr),
                ok = 0;
        if (!sector_ok(sec))
            problems_add(&p,
                         "line %zu, column sector: '%.40s' is not one of acute, community, "
                         "mental_health, primary_care, other",
                         ln, sec),
                ok = 0;
        if (!amount_ok(r[idx[4]], &v))
            problems_add(&p,
                         "line %zu, column amount_gbp_m: '%.40s' is not an amount in GBP millions "
                         "between 0 and 1000000",
                         ln, r[idx[4]]),
                ok = 0;
        if (strlen(r[idx[5]]) > 200)
            problems_add(&p, "line %zu, column source: longer than 200 characters", ln), ok = 0;
        if (*pl) {
            if ((rc = store_fin_place_exists(c->db, ics, pl, &yes, e))) break;
            if (!yes)
                problems_add(&p, "line %zu, column place_code: no place '%.20s' in ICS %s", ln, pl,
                             ics),
                    ok = 0;
        }
        if (*pv) {
            if ((rc = store_fin_org_exists(c->db, pv, &yes, e))) break;
            if (!yes)
                problems_add(&p, "line %zu, column provider_code: no organisation '%.20s'", ln, pv),
                    ok = 0;
        }
        if (!ok) continue;
        json_array_append_new(
            *rows, json_pack("{sssssososfsiss}", "year", yr, "sector", sec, "place_code",
                             *pl ? json_string(pl) : json_null(), "provider_code",
                             *pv ? json_string(pv) : json_null(), "amount_gbp_m", v, "synthetic",
                             strstr(r[idx[5]], "synthetic") != NULL, "source", r[idx[5]]));
        int seen = 0;
        size_t k;
        json_t *x;
        json_array_foreach(*years, k, x) seen |= strcmp(json_string_value(x), yr) == 0;
        if (!seen) json_array_append_new(*years, json_string(yr));
    }
    if (!rc)
        rc = problems_done(&p, e);
    else
        problems_done(&p, NULL);
    if (rc) json_decref(*rows), json_decref(*years), *rows = *years = NULL;
    return rc;
}

int app_fin_budgets_import(app_ctx *c, const char *csv, size_t len, const char *name, json_t **out,
                           ics_err *e)
{
    csv_doc *d = NULL;
    json_t *rows = NULL, *years = NULL;
    int rc = app_allow(c, &APP_FIN_BUDGETS_IMPORT, e);
    if (!rc && (rc = csv_parse(csv, len, name, &d, e))) e->code = ICS_EINVAL;
    if (rc) return rc;
    if ((rc = app_begin(c, e))) {
        csv_free(d);
        return rc;
    }
    char ics[STORE_ICS_CODE];
    rc = app_fin_ics(c, ics, e);
    if (!rc) rc = budgets_parse(c, ics, d, &rows, &years, e);
    int64_t removed = 0, total_removed = 0;
    size_t k;
    json_t *y;
    json_array_foreach(years, k, y)
    {
        if (rc) break;
        const char *yr = json_string_value(y);
        json_t *mine = json_array();
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            if (strcmp(json_string_value(json_object_get(r, "year")), yr) == 0)
                json_array_append(mine, r);
        }
        rc = store_fin_budgets_replace(c->db, ics, yr, mine, &removed, e);
        total_removed += removed;
        json_decref(mine);
    }
    if (!rc) {
        *out = json_pack("{sssIsIsO}", "file", d->name, "lines", (json_int_t)json_array_size(rows),
                         "replaced", (json_int_t)total_removed, "years", years);
        rc = app_record(c, &APP_FIN_BUDGETS_IMPORT, "budgets", ics, NULL, *out, "finance.imported",
                        NULL, json_pack("{ss}", "what", "budgets"), e);
        if (rc) json_decref(*out), *out = NULL;
    }
    json_decref(rows), json_decref(years);
    csv_free(d);
    return app_end(c, rc, e);
}

static int providers_parse(app_ctx *c, const csv_doc *d, json_t **rows, char from[8], char to[8],
                           ics_err *e)
{
    static const char *const cols[] = {"provider_code",     "month",  "income_gbp_m",
                                       "expenditure_gbp_m", "source", NULL};
    int idx[5], rc = csv_columns(d, cols, idx, 1, e);
    if (rc) return rc;
    int key[2] = {idx[0], idx[1]};
    if (d->nrows == 0) return ics_err_set(e, ICS_EINVAL, "%s has no provider months", d->name);
    if (d->nrows > 100000)
        return ics_err_set(e, ICS_EINVAL, "%s has %zu lines; at most 100000", d->name, d->nrows);
    if ((rc = csv_unique(d, key, 2, e))) return rc;
    problems p;
    problems_init(&p);
    *rows = json_array();
    from[0] = to[0] = '\0';
    for (size_t i = 0; i < d->nrows && rc == 0; i++) {
        char **r = d->rows[i];
        size_t ln = d->line[i];
        double in = 0, ex = 0;
        int ok = 1, yes = 0;
        ics_err me = {0};
        if (app_fin_month_check("month", r[idx[1]], &me))
            problems_add(&p, "line %zu, column month: %s", ln, me.msg), ok = 0;
        if (!amount_ok(r[idx[2]], &in))
            problems_add(&p,
                         "line %zu, column income_gbp_m: '%.40s' is not an amount in GBP millions "
                         "between 0 and 1000000",
                         ln, r[idx[2]]),
                ok = 0;
        if (!amount_ok(r[idx[3]], &ex))
            problems_add(&p,
                         "line %zu, column expenditure_gbp_m: '%.40s' is not an amount in GBP "
                         "millions between 0 and 1000000",
                         ln, r[idx[3]]),
                ok = 0;
        if (strlen(r[idx[4]]) > 200)
            problems_add(&p, "line %zu, column source: longer than 200 characters", ln), ok = 0;
        if ((rc = store_fin_org_exists(c->db, r[idx[0]], &yes, e))) break;
        if (!yes)
            problems_add(&p, "line %zu, column provider_code: no organisation '%.20s'", ln,
                         r[idx[0]]),
                ok = 0;
        if (!ok) continue;
        const char *m = r[idx[1]];
        assert(strlen(m) == 7); /* checked above */
        if (!from[0] || strcmp(m, from) < 0) memcpy(from, m, 8);
        if (!to[0] || strcmp(m, to) > 0) memcpy(to, m, 8);
        json_array_append_new(
            *rows, json_pack("{sssssfsfsiss}", "provider_code", r[idx[0]], "month", m,
                             "income_gbp_m", in, "expenditure_gbp_m", ex, "synthetic",
                             strstr(r[idx[4]], "synthetic") != NULL, "source", r[idx[4]]));
    }
    if (!rc)
        rc = problems_done(&p, e);
    else
        problems_done(&p, NULL);
    if (rc) json_decref(*rows), *rows = NULL;
    return rc;
}

int app_fin_providers_import(app_ctx *c, const char *csv, size_t len, const char *name,
                             json_t **out, ics_err *e)
{
    csv_doc *d = NULL;
    json_t *rows = NULL;
    char from[8], to[8];
    int rc = app_allow(c, &APP_FIN_PROVIDERS_IMPORT, e);
    if (!rc && (rc = csv_parse(csv, len, name, &d, e))) e->code = ICS_EINVAL;
    if (rc) return rc;
    if ((rc = app_begin(c, e))) {
        csv_free(d);
        return rc;
    }
    int64_t removed = 0;
    char ics[STORE_ICS_CODE];
    rc = app_fin_ics(c, ics, e);
    if (!rc) rc = providers_parse(c, d, &rows, from, to, e);
    if (!rc) rc = store_fin_provider_months_replace(c->db, ics, from, to, rows, &removed, e);
    if (!rc) {
        *out =
            json_pack("{sssIsIssss}", "file", d->name, "lines", (json_int_t)json_array_size(rows),
                      "replaced", (json_int_t)removed, "from", from, "to", to);
        rc = app_record(c, &APP_FIN_PROVIDERS_IMPORT, "provider_months", ics, NULL, *out,
                        "finance.imported", NULL, json_pack("{ss}", "what", "provider_months"), e);
        if (rc) json_decref(*out), *out = NULL;
    }
    json_decref(rows);
    csv_free(d);
    return app_end(c, rc, e);
}

/* ---- first start: the synthetic NWL default -------------------------------- */

/* Sector shares of the synthetic budget: acute at the published NWL share
 * (data/finance_benchmarks.csv), the rest invented and labelled so. */
static const struct {
    const char *sector;
    double share;
} seed_sectors[] = {{"acute", 0.51},        {"community", 0.12}, {"mental_health", 0.12},
                    {"primary_care", 0.17}, {"other", 0.08},     {NULL, 0}};

/* Synthetic monthly income (GBP m) and deficit share per provider: uneven,
 * about 9% of income over the system like the published underlying deficit. */
static const struct {
    const char *code;
    double income, deficit;
} seed_providers[] = {{"RYJ", 120, 0.08}, {"R1K", 95, 0.15}, {"RQM", 90, 0.03},
                      {"RAS", 40, 0.18},  {"RYX", 25, 0.04}, {"RY9", 10, 0.02},
                      {"RKL", 30, 0.07},  {"RV3", 60, 0.09}, {NULL, 0, 0}};

#define SEED_YEAR        "2026/27"
#define SEED_TOTAL_GBP_M 6000.0 /* NWL ICB's annual budget, about GBP 6bn (SOURCES.md) */
#define SYNTH            "synthetic (icsflow default, not NWL's accounts)"

static int seed_benchmarks(app_ctx *c, const char *data_dir, ics_err *e)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/finance_benchmarks.csv", data_dir);
    csv_doc *d = NULL;
    static const char *const cols[] = {"key", "value", "description", "source", NULL};
    int idx[4], rc = csv_read_file(path, &d, e);
    if (!rc) rc = csv_columns(d, cols, idx, 1, e);
    for (size_t i = 0; !rc && i < d->nrows; i++) {
        double v;
        char **r = d->rows[i];
        char *end;
        v = strtod(r[idx[1]], &end);
        if (*end || !isfinite(v))
            rc = ics_err_set(e, ICS_EINVAL, "%s line %zu: value '%s' is not a number", path,
                             d->line[i], r[idx[1]]);
        else
            rc = store_fin_benchmark_put(c->db, r[idx[0]], v, r[idx[2]], r[idx[3]], e);
    }
    csv_free(d);
    return rc;
}

int app_finance_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_fin_ics(c, ics, e);
    if (!rc) rc = seed_benchmarks(c, data_dir, e);
    json_t *cur = NULL, *rows = json_array(), *months = json_array();
    /* places weighted by the (synthetic) current allocation of analytics */
    if (!rc) rc = store_analytics_current(c->db, &cur, e);
    double sum = 0;
    size_t i;
    json_t *r;
    json_array_foreach(cur, i, r) sum += json_number_value(json_object_get(r, "amount"));
    for (int s = 0; !rc && seed_sectors[s].sector; s++) json_array_foreach(cur, i, r)
        {
            double w = sum > 0 ? json_number_value(json_object_get(r, "amount")) / sum : 0;
            double v = round(SEED_TOTAL_GBP_M * seed_sectors[s].share * w * 10) / 10;
            json_array_append_new(
                rows, json_pack("{sssOsnsfsiss}", "sector", seed_sectors[s].sector, "place_code",
                                json_object_get(r, "place_code"), "provider_code", "amount_gbp_m",
                                v, "synthetic", 1, "source", SYNTH));
        }
    int64_t removed;
    if (!rc) rc = store_fin_budgets_replace(c->db, ics, SEED_YEAR, rows, &removed, e);
    /* April to November 2026, a little seasonal movement in spend */
    for (int p = 0; seed_providers[p].code; p++)
        for (int m = 4; m <= 11; m++) {
            char month[24];
            snprintf(month, sizeof month, "2026-%02d", m);
            double in = seed_providers[p].income;
            double ex = in * (1 + seed_providers[p].deficit) * (1 + 0.01 * sin(m + p));
            json_array_append_new(months, json_pack("{sssssfsfsiss}", "provider_code",
                                                    seed_providers[p].code, "month", month,
                                                    "income_gbp_m", round(in * 100) / 100,
                                                    "expenditure_gbp_m", round(ex * 100) / 100,
                                                    "synthetic", 1, "source", SYNTH));
        }
    if (!rc)
        rc = store_fin_provider_months_replace(c->db, ics, "2026-04", "2026-11", months, &removed,
                                               e);
    json_decref(cur), json_decref(rows), json_decref(months);
    return rc;
}
