/* app/report.c - the board pack and the daily call sheet (see report.h).
 * Each section reads what the owning module's use case answers and lays
 * it out with src/report; figures are aggregates without patient
 * identifiers, read with the view of the role that owns them (analyst for
 * the board pack, coordinator for the call sheet) once the caller's own
 * role has been checked here. Every section says where its figures come
 * from and which of them are synthetic. */
#include "app/report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/accountability.h"
#include "app/analytics.h"
#include "app/beds.h"
#include "app/finance.h"
#include "app/priorities.h"
#include "app/routing.h"
#include "app/sitrep.h"
#include "app/waitlist.h"
#include "core/tz.h"
#include "report/report.h"

#define BOARD (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST | ROLE_FINANCE | ROLE_EXECUTIVE)

const app_use APP_REPORT_BOARD = {"reports.board", BOARD, APP_SCOPE_ICS};
const app_use APP_REPORT_DAILY = {"reports.daily", BOARD | ROLE_TRUST_OPS, APP_SCOPE_ICS};

#define MAX_DAYS 92

/* ---- a table's cells, owned until the table is drawn ---- */

typedef struct cells {
    char **v;
    int n, cap;
} cells;

static void put(cells *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(cells *t, const char *fmt, ...)
{
    if (t->n == t->cap) {
        int cap = t->cap ? 2 * t->cap : 64;
        char **v = realloc(t->v, sizeof *v * cap);
        if (!v) return; /* out of memory: the table comes out short, never wrong */
        t->v = v, t->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    t->v[t->n++] = s ? s : strdup("");
}

static void table(report_doc *d, cells *t, int ncols, const char *const *head, const double *w)
{
    if (t->n % ncols == 0) report_table(d, ncols, head, w, t->n / ncols, (const char *const *)t->v);
    for (int i = 0; i < t->n; i++) free(t->v[i]);
    free(t->v);
    t->v = NULL, t->n = t->cap = 0;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *synth(int yes)
{
    return yes ? " (SYNTHETIC)" : "";
}

/* The figures' owner's view, once the caller's role has been checked. */
static app_ctx view_of(const app_ctx *c, const char *role, unsigned bit)
{
    app_ctx a = *c;
    a.who.role = role;
    a.who.role_bit = bit;
    return a;
}

/* A section that could not be computed says so instead of failing the pack. */
static void unavailable(report_doc *d, const ics_err *e)
{
    char s[600];
    snprintf(s, sizeof s, "Not available: %s", e->msg);
    report_text(d, s);
}

/* ---- board pack sections ---- */

static void s_pressure(report_doc *d, app_ctx *a, int64_t from, int64_t to)
{
    report_heading(d, "1. System pressure: OPEL by provider");
    int nd = (int)(to - from + 1), np = 0, synthetic = 0;
    char names[24][64];
    char *xl[MAX_DAYS];
    double *v = malloc(sizeof *v * 24 * nd);
    if (!v) return;
    for (int i = 0; i < 24 * nd; i++) v[i] = NAN;
    int at3 = 0;
    for (int k = 0; k < nd; k++) {
        json_t *out = NULL;
        ics_err e = {0};
        char day[16];
        tz_format_date(from + k, day, sizeof day);
        xl[k] = strdup(day);
        if (app_sitrep_today(a, from + k, &out, &e)) continue;
        synthetic |= json_is_true(json_object_get(out, "synthetic"));
        at3 += json_integer_value(json_object_get(json_object_get(out, "ics"), "level")) >= 3;
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(out, "providers"), i, p)
        {
            const char *org = str(p, "org");
            int s = 0;
            while (s < np && strcmp(names[s], org)) s++;
            if (s == np && np < 24) snprintf(names[np++], 64, "%s", org);
            if (s < np) v[(size_t)s * nd + k] = num(p, "level");
        }
        json_decref(out);
    }
    const char *nm[24];
    for (int s = 0; s < np; s++) nm[s] = names[s];
    char cap[160];
    snprintf(cap, sizeof cap, "OPEL level by provider, %s to %s%s", xl[0], xl[nd - 1],
             synth(synthetic));
    report_lines(d, cap, np, nm, nd, v, (const char *const *)xl, 1, 4);
    char s[200];
    snprintf(s, sizeof s, "The ICS was at OPEL 3 or 4 on %d of %d days.", at3, nd);
    report_text(d, s);
    report_note(d, "Source: daily sitreps as submitted (icsflow sitrep module); levels by the "
                   "illustrative default thresholds (data/opel_thresholds.csv).");
    for (int k = 0; k < nd; k++) free(xl[k]);
    free(v);
}

static void s_beds(report_doc *d, app_ctx *a, int64_t from, int64_t to)
{
    report_heading(d, "2. Community beds: occupancy and length of stay");
    json_t *board = NULL, *los = NULL;
    ics_err e = {0};
    char f[16], t[16];
    tz_format_date(from - 365 + (to - from), f, sizeof f);
    tz_format_date(to, t, sizeof t);
    if (app_beds_board(a, 24, 1, &board, &e) || app_beds_los(a, f, t, &los, &e)) {
        unavailable(d, &e);
        json_decref(board);
        return;
    }
    const json_t *tot = json_object_get(board, "totals");
    char s[300];
    snprintf(s, sizeof s,
             "Now: %.0f beds, %.0f occupied (%.1f%%), %.0f available, %.0f closed; %.0f referrals "
             "waiting. Length of stay of stays discharged %s to %s by unit, with funnel flags "
             "(units outside the 99.8%% limits are flagged outlier):",
             num(tot, "beds"), num(tot, "occupied"), 100 * num(tot, "occupancy"),
             num(tot, "available"), num(tot, "closed"), num(tot, "waiting"), f, t);
    report_text(d, s);
    cells c = {0};
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(los, "units"), i, u)
    {
        const json_t *fu = json_object_get(u, "funnel");
        put(&c, "%s", str(u, "name"));
        put(&c, "%.0f", num(u, "stays"));
        put(&c, "%.1f", num(u, "mean"));
        put(&c, "%.0f", num(u, "median"));
        put(&c, "%.1f", num(fu, "target"));
        put(&c, "%s", str(fu, "flag"));
    }
    static const char *const head[] = {"unit", "stays", "mean LOS", "median", "expected", "flag"};
    static const double w[] = {0.42, 0.1, 0.12, 0.1, 0.12, 0.14};
    table(d, &c, 6, head, w);
    report_note(d, "Source: the community bed bureau (beds, stays); units, bed numbers and stays "
                   "are SYNTHETIC in the default dataset (data/SOURCES.md).");
    json_decref(board), json_decref(los);
}

static void s_ucr(report_doc *d, app_ctx *a, int64_t from, int64_t to)
{
    report_heading(d, "3. Urgent community response: 2-hour standard by borough");
    json_t *out = NULL;
    ics_err e = {0};
    int64_t t0 = 0, t1 = 0;
    tz_local_to_utc(1970, 1, 1, 0, 0, 0, &t0, &e);
    t0 += from * 86400, t1 = t0 + (to - from + 1) * 86400;
    /* the routing report's period: the pack's days, or the last 91 days when
     * the pack's period has no referrals yet */
    if (app_routing_report_ucr(a, t0, t1, 120, &out, &e)) {
        unavailable(d, &e);
        return;
    }
    if (num(json_object_get(out, "ics"), "referrals") == 0) {
        json_decref(out);
        out = NULL;
        if (app_routing_report_ucr(a, t1 - 91 * 86400, t1, 120, &out, &e)) {
            unavailable(d, &e);
            return;
        }
        report_note(d, "No referrals in the pack's period: the last 91 days are shown.");
    }
    int n = (int)json_array_size(json_object_get(out, "places"));
    const char *labels[32];
    double v[32];
    size_t i;
    json_t *p;
    if (n > 32) n = 32;
    json_array_foreach(json_object_get(out, "places"), i, p)
    {
        if ((int)i >= n) break;
        labels[i] = str(p, "name");
        v[i] = 100 * num(p, "share");
    }
    char cap[200];
    snprintf(cap, sizeof cap, "Share of attended referrals first seen within 2 hours, ICS %.1f%%",
             100 * num(json_object_get(out, "ics"), "share"));
    report_bars(d, cap, n, labels, v, 70, "ambition 70%", "%");
    report_note(d, "Source: UCR referrals in the routing module (SYNTHETIC referral history in "
                   "the default dataset); the national ambition is at least 70% within 2 hours.");
    json_decref(out);
}

static void s_waits(report_doc *d, app_ctx *a, int64_t to)
{
    report_heading(d, "4. Waits and equity: the joint waiting list");
    const char *by[] = {"trust", "place"};
    for (int k = 0; k < 2; k++) {
        json_t *out = NULL;
        ics_err e = {0};
        if (app_waitlist_equity(a, 0, by[k], to, &out, &e)) {
            unavailable(d, &e);
            return;
        }
        cells c = {0};
        size_t i;
        json_t *g;
        json_array_foreach(json_object_get(out, "before"), i, g)
        {
            put(&c, "%s", *str(g, "name") ? str(g, "name") : str(g, "group"));
            put(&c, "%.0f", num(g, "count"));
            put(&c, "%.1f", num(g, "median_weeks"));
            put(&c, "%.1f%%", num(g, "pct_under_18"));
            put(&c, "%.0f", num(g, "over_52"));
        }
        static const char *const h1[] = {"trust", "waiting", "median weeks", "within 18 weeks",
                                         "over 52 weeks"};
        static const char *const h2[] = {"borough of residence", "waiting", "median weeks",
                                         "within 18 weeks", "over 52 weeks"};
        static const double w[] = {0.44, 0.12, 0.14, 0.15, 0.15};
        table(d, &c, 5, k ? h2 : h1, w);
        json_decref(out);
    }
    report_note(d, "Source: the joint patient tracking list (SYNTHETIC patients in the default "
                   "dataset); waits by the NHS England whole-week RTT rule.");
}

static void s_nel(report_doc *d, app_ctx *a)
{
    report_heading(d, "5. Non-elective admissions: variation between boroughs");
    json_t *out = NULL;
    analytics_funnel *f = NULL;
    ics_err e = {0};
    if (app_analytics_rates(a, NULL, STORE_AN_DSR, &out, &f, &e)) {
        unavailable(d, &e);
        return;
    }
    json_t *fj = f ? app_analytics_funnel_json(f) : NULL;
    const json_t *pts = json_object_get(fj, "points"), *lim = json_object_get(fj, "limits");
    int n = (int)json_array_size(pts);
    if (n > 64) n = 64;
    const char *labels[64];
    double x[64], y[64];
    for (int i = 0; i < n; i++) {
        const json_t *p = json_array_get(pts, i);
        labels[i] = str(p, "name"), x[i] = num(p, "x"), y[i] = num(p, "value");
    }
    static const char *const keys[4] = {"lower95", "upper95", "lower998", "upper998"};
    report_line L[4];
    double *buf[4] = {0};
    for (int k = 0; k < 4; k++) {
        const json_t *arr = json_object_get(lim, keys[k]);
        int m = (int)json_array_size(arr);
        buf[k] = malloc(sizeof(double) * 2 * (m ? m : 1));
        for (int i = 0; buf[k] && i < m; i++) {
            buf[k][i] = json_number_value(json_array_get(json_array_get(arr, i), 0));
            buf[k][m + i] = json_number_value(json_array_get(json_array_get(arr, i), 1));
        }
        L[k].n = buf[k] ? m : 0, L[k].x = buf[k], L[k].y = buf[k] ? buf[k] + m : NULL;
    }
    const json_t *ds = json_object_get(out, "dataset");
    char cap[200];
    snprintf(cap, sizeof cap, "Directly standardised rate per 100,000 against population%s",
             synth(json_is_true(json_object_get(ds, "synthetic"))));
    report_funnel(d, cap, n, labels, x, y, num(fj, "baseline"), L);
    cells c = {0};
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(out, "items"), i, it)
    {
        put(&c, "%s", str(it, "name"));
        put(&c, "%.0f", num(it, "value"));
        put(&c, "%.0f to %.0f", num(it, "lower95"), num(it, "upper95"));
        put(&c, "%s", str(it, "flag"));
    }
    static const char *const head[] = {"borough", "rate per 100,000", "95% interval", "flag"};
    static const double w[] = {0.34, 0.2, 0.26, 0.2};
    table(d, &c, 4, head, w);
    char note[400];
    snprintf(note, sizeof note, "Source: %s; Dobson intervals; ESP2013.", str(ds, "description"));
    report_note(d, note);
    for (int k = 0; k < 4; k++) free(buf[k]);
    json_decref(fj), json_decref(out);
    analytics_funnel_free(f);
}

static void s_finance(report_doc *d, app_ctx *c)
{
    report_heading(d, "6. Finance: spend against need, and deficits");
    json_t *out = NULL;
    ics_err e = {0};
    if (app_fin_summary(c, NULL, NULL, NULL, &out, &e)) {
        unavailable(d, &e);
        return;
    }
    const json_t *sp = json_object_get(out, "spend");
    int syn = json_is_true(json_object_get(sp, "synthetic"));
    char s[400];
    snprintf(s, sizeof s,
             "Budget %s: GBP %.0fm%s. Acute share %.1f%% against the national benchmark %.1f%% "
             "(a published figure, data/finance_benchmarks.csv).",
             str(out, "year"), num(sp, "total_gbp_m"), synth(syn), 100 * num(sp, "acute_share"),
             100 * num(sp, "national_acute_share"));
    report_text(d, s);
    cells t = {0};
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(sp, "sectors"), i, r)
    {
        put(&t, "%s", str(r, "sector"));
        put(&t, "%.1f", num(r, "amount_gbp_m"));
        put(&t, "%.1f%%", 100 * num(r, "share"));
    }
    static const char *const h1[] = {"sector", "GBP m", "share"};
    table(d, &t, 3, h1, NULL);
    const json_t *pv = json_object_get(out, "providers");
    int np = (int)json_array_size(json_object_get(pv, "providers"));
    const char *labels[32];
    double v[32];
    if (np > 32) np = 32;
    json_array_foreach(json_object_get(pv, "providers"), i, r)
    {
        if ((int)i >= np) break;
        labels[i] = str(r, "provider_name");
        v[i] = -100 * num(r, "surplus_share");
    }
    snprintf(s, sizeof s, "Deficit as a share of income by trust, system %.1f%%%s",
             -100 * num(pv, "surplus_share"),
             synth(json_is_true(json_object_get(pv, "synthetic"))));
    report_bars(d, s, np, labels, v, NAN, NULL, "%");
    cells pl = {0};
    json_array_foreach(json_object_get(json_object_get(out, "places"), "places"), i, r)
    {
        put(&pl, "%s", str(r, "place_name"));
        put(&pl, "%.1f", num(r, "amount_gbp_m"));
        put(&pl, "%.1f%%", 100 * num(r, "spend_share"));
        put(&pl, "%.1f%%", 100 * num(r, "target_share"));
        put(&pl, "%+.1f", num(r, "gap_gbp_m"));
    }
    static const char *const h2[] = {"borough", "spend GBP m", "spend share", "need-based target",
                                     "gap GBP m"};
    table(d, &pl, 5, h2, NULL);
    report_note(d, "Spend by borough against the weighted-capitation target share (population by "
                   "age and sex, cost weights, deprivation; docs/analytics.md). The default "
                   "budget and provider figures are SYNTHETIC (data/SOURCES.md).");
    json_decref(out);
}

static void s_accountability(report_doc *d, app_ctx *c)
{
    report_heading(d, "7. Accountability: who holds what, and how it is doing");
    json_t *out = NULL;
    ics_err e = {0};
    if (app_gov_accountability(c, &out, &e)) {
        unavailable(d, &e);
        return;
    }
    cells t = {0};
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(out, "items"), i, r)
    {
        put(&t, "%s", str(r, "holder_name"));
        put(&t, "%s%s%s", str(r, "label"), *str(r, "place_code") ? " - " : "",
            str(r, "place_code"));
        put(&t, "%s %g %s", strcmp(str(r, "better"), "higher") ? "at most" : "at least",
            num(r, "target"), str(r, "unit"));
        if (isfinite(num(r, "current")))
            put(&t, "%.1f", num(r, "current"));
        else
            put(&t, "-");
        put(&t, "%s", str(r, "trend"));
        put(&t, "%s", str(r, "status"));
    }
    static const char *const head[] = {"holder", "outcome", "target", "now", "trend", "status"};
    static const double w[] = {0.27, 0.25, 0.16, 0.08, 0.12, 0.12};
    table(d, &t, 6, head, w);
    char s[700];
    snprintf(s, sizeof s, "%lld on track, %lld off track, %lld without data. Rule: %s",
             (long long)json_integer_value(json_object_get(out, "on_track")),
             (long long)json_integer_value(json_object_get(out, "off_track")),
             (long long)json_integer_value(json_object_get(out, "no_data")), str(out, "rule"));
    report_note(d, s);
    report_note(d, "Delegations, decisions and targets in the default dataset are SYNTHETIC; "
                   "current values are computed live from the modules that own each measure.");
    json_decref(out);
}

static void s_priorities(report_doc *d, app_ctx *c)
{
    report_heading(d, "8. Priorities: ranked work areas");
    json_t *out = NULL;
    ics_err e = {0};
    if (app_prio_ranking(c, "public", &out, &e)) {
        unavailable(d, &e);
        return;
    }
    cells t = {0};
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(out, "ranking"), i, r)
    {
        put(&t, "%lld", (long long)json_integer_value(json_object_get(r, "rank")));
        put(&t, "%s", str(r, "name"));
        put(&t, "%.1f", num(r, "cost_gbp_m"));
        put(&t, "%.2f", num(r, "total"));
    }
    static const char *const head[] = {"rank", "work area", "cost GBP m", "score (0-10)"};
    static const double w[] = {0.08, 0.62, 0.14, 0.16};
    table(d, &t, 4, head, w);
    cells s = {0};
    json_array_foreach(json_object_get(out, "sensitivity"), i, r)
    {
        put(&s, "%s", str(r, "criterion"));
        put(&s, "%.3f", num(r, "weight"));
        if (isfinite(num(r, "increase")))
            put(&s, "+%.3f", num(r, "increase"));
        else
            put(&s, "none");
        if (isfinite(num(r, "decrease")))
            put(&s, "-%.3f", num(r, "decrease"));
        else
            put(&s, "none");
    }
    static const char *const h2[] = {"criterion", "public weight", "rise that changes the top 3",
                                     "fall that changes the top 3"};
    table(d, &s, 4, h2, NULL);
    char note[600];
    snprintf(note, sizeof note, "Method: %s.%s", str(out, "method"),
             json_is_true(json_object_get(out, "synthetic"))
                 ? " Work areas, scores and survey responses are SYNTHETIC."
                 : "");
    report_note(d, note);
    json_decref(out);
}

static int parse_day(const char *what, const char *s, int64_t def, int64_t *out, ics_err *e)
{
    *out = def;
    if (!s) return 0;
    if (strlen(s) != 10 || tz_parse_date(s, out, e))
        return ics_err_set(e, ICS_EINVAL, "%s '%.20s' must be a date YYYY-MM-DD", what, s);
    return 0;
}

static int finish(report_doc *d, unsigned char **pdf, size_t *len, int *pages, ics_err *e)
{
    int rc = report_doc_finish(d, pdf, len, pages, e);
    report_doc_free(d);
    return rc;
}

int app_report_board(app_ctx *c, const char *from, const char *to, unsigned char **pdf, size_t *len,
                     int *pages, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int64_t today = tz_local_date(c->now), f, t;
    int rc = app_allow(c, &APP_REPORT_BOARD, e);
    if (!rc) rc = parse_day("to", to, today, &t, e);
    if (!rc) rc = parse_day("from", from, t - 27, &f, e);
    if (!rc && f > t) rc = ics_err_set(e, ICS_EINVAL, "from is after to");
    if (!rc && t - f + 1 > MAX_DAYS)
        rc = ics_err_set(e, ICS_EINVAL, "the period is %lld days; a board pack covers at most %d",
                         (long long)(t - f + 1), MAX_DAYS);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc) return rc;
    char fs[16], ts[16], now[32], sub[300], foot[300];
    tz_format_date(f, fs, sizeof fs);
    tz_format_date(t, ts, sizeof ts);
    tz_format(c->now, now, sizeof now);
    now[16] = '\0';
    now[10] = ' ';
    snprintf(sub, sizeof sub,
             "ICS %s - period %s to %s - generated %s (Europe/London) by icsflow. Figures "
             "marked SYNTHETIC are invented for the default dataset, not NHS data.",
             ics, fs, ts, now);
    snprintf(foot, sizeof foot, "Board pack %s, %s to %s - generated %s - contains SYNTHETIC data",
             ics, fs, ts, now);
    report_doc *d = NULL;
    if ((rc = report_doc_new("icsflow board pack", foot, &d, e))) return rc;
    report_title(d, "Integrated care system board pack", sub);
    report_text(d, "Contents: 1 system pressure; 2 community beds; 3 urgent community response; "
                   "4 waits and equity; 5 non-elective variation; 6 finance; 7 accountability; "
                   "8 priorities; sources.");
    app_ctx a = view_of(c, "analyst", ROLE_ANALYST);
    s_pressure(d, &a, f, t);
    s_beds(d, &a, f, t);
    s_ucr(d, &a, f, t);
    s_waits(d, &a, t);
    s_nel(d, &a);
    s_finance(d, &a);
    s_accountability(d, &a);
    s_priorities(d, &a);
    report_heading(d, "Sources");
    report_text(
        d,
        "Real public data: places (ONS codes, mid-2022 populations, IMD 2019), organisations "
        "and sites (ODS), the NWL ICB's published annual budget and the published acute share "
        "and underlying deficit (data/finance_benchmarks.csv). SYNTHETIC (invented, "
        "deterministic): services, bed units and their history, referrals, sitreps, the "
        "waiting list, the non-elective dataset, the budget split and provider figures, "
        "delegations, outcomes' targets, survey responses and work areas. Provenance of every "
        "file: data/SOURCES.md; methods: docs/governance.md, docs/analytics.md, docs/sitrep.md.");
    return finish(d, pdf, len, pages, e);
}

int app_report_daily(app_ctx *c, const char *day, unsigned char **pdf, size_t *len, int *pages,
                     ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int64_t today = tz_local_date(c->now), dn;
    int rc = app_allow(c, &APP_REPORT_DAILY, e);
    if (!rc) rc = parse_day("day", day, today, &dn, e);
    if (!rc && dn > today) rc = ics_err_set(e, ICS_EINVAL, "day is in the future");
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc) return rc;
    app_ctx a = view_of(c, "coordinator", ROLE_COORDINATOR);
    json_t *sr = NULL, *board = NULL, *aid = NULL;
    rc = app_sitrep_today(&a, dn, &sr, e);
    if (rc) return rc;
    char ds[16], now[32], sub[300], foot[300];
    tz_format_date(dn, ds, sizeof ds);
    tz_format(c->now, now, sizeof now);
    now[16] = '\0';
    now[10] = ' ';
    int syn = json_is_true(json_object_get(sr, "synthetic"));
    snprintf(sub, sizeof sub,
             "ICS %s - %s - printed %s (Europe/London): the last known state when systems are "
             "down.%s",
             ics, ds, now, syn ? " Contains SYNTHETIC data." : "");
    snprintf(foot, sizeof foot, "Daily call sheet %s %s - printed %s%s", ics, ds, now,
             syn ? " - SYNTHETIC data" : "");
    report_doc *d = NULL;
    if ((rc = report_doc_new("icsflow daily call sheet", foot, &d, e))) {
        json_decref(sr);
        return rc;
    }
    report_title(d, "Daily system call sheet", sub);
    const json_t *ics_o = json_object_get(sr, "ics");
    char s[400];
    snprintf(s, sizeof s,
             "ICS OPEL %lld (beds-weighted mean %.2f); %lld of %lld providers submitted.",
             (long long)json_integer_value(json_object_get(ics_o, "level")), num(ics_o, "mean"),
             (long long)json_integer_value(json_object_get(sr, "submitted")),
             (long long)json_integer_value(json_object_get(sr, "expected")));
    report_heading(d, "OPEL by provider");
    report_text(d, s);
    cells t = {0};
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(sr, "providers"), i, p)
    {
        const json_t *fg = json_object_get(p, "figures");
        put(&t, "%s (%s)", str(p, "name"), str(p, "kind"));
        if (json_is_true(json_object_get(p, "submitted"))) {
            put(&t, "%lld", (long long)json_integer_value(json_object_get(p, "level")));
            put(&t, isfinite(num(fg, "ed_4h_pct")) ? "%.1f%%" : "-", num(fg, "ed_4h_pct"));
            put(&t, isfinite(num(fg, "ga_occ_pct")) ? "%.1f%%" : "-", num(fg, "ga_occ_pct"));
            put(&t, isfinite(num(fg, "handover_mean_min")) ? "%.0f min" : "-",
                num(fg, "handover_mean_min"));
        } else {
            put(&t, "none");
            put(&t, "-");
            put(&t, "-");
            put(&t, "-");
        }
    }
    static const char *const head[] = {"provider (kind)", "OPEL", "ED 4 hours", "G&A occupancy",
                                       "handover mean"};
    static const double w[] = {0.52, 0.08, 0.13, 0.14, 0.13};
    table(d, &t, 5, head, w);
    report_note(d, "OPEL none: no sitrep submitted for the day.");
    ics_err me = {0};
    report_heading(d, "Community beds");
    if (!app_beds_board(&a, 24, 1, &board, &me)) {
        const json_t *tot = json_object_get(board, "totals");
        snprintf(s, sizeof s,
                 "%.0f beds: %.0f available, %.0f reserved, %.0f occupied, %.0f closed; %.0f "
                 "referrals waiting (oldest %.1f days).",
                 num(tot, "beds"), num(tot, "available"), num(tot, "reserved"),
                 num(tot, "occupied"), num(tot, "closed"), num(tot, "waiting"),
                 num(tot, "oldest_wait_days"));
        report_text(d, s);
    } else
        unavailable(d, &me);
    report_heading(d, "Mutual aid requests open");
    if (!app_sitrep_aid_list(&a, "open", &aid, &me)) {
        cells at = {0};
        json_array_foreach(json_object_get(aid, "items"), i, p)
        {
            if (i >= 5) { /* one page: the rest are counted */
                snprintf(s, sizeof s, "... and %zu more open requests in icsflow.",
                         json_array_size(json_object_get(aid, "items")) - 5);
                break;
            }
            put(&at, "%s", str(p, "org_code"));
            put(&at, "%lld x %s (%s)",
                (long long)json_integer_value(json_object_get(p, "quantity")), str(p, "resource"),
                str(p, "urgency"));
            put(&at, "%.80s", str(p, "detail"));
        }
        if (at.n == 0) report_text(d, "None open.");
        static const char *const h3[] = {"from", "what", "detail"};
        static const double w3[] = {0.2, 0.2, 0.6};
        table(d, &at, 3, h3, w3);
        if (json_array_size(json_object_get(aid, "items")) > 5) report_text(d, s);
    } else
        unavailable(d, &me);
    report_note(d, "Sources: the day's sitreps (levels by the illustrative default OPEL "
                   "thresholds), the bed bureau and mutual aid in icsflow. SYNTHETIC in the "
                   "default dataset (data/SOURCES.md).");
    json_decref(sr), json_decref(board), json_decref(aid);
    return finish(d, pdf, len, pages, e);
}
