/* app/accountability.c - delegations, outcomes, decisions and the live
 * accountability view (see accountability.h). Writes check, then run in one
 * transaction with one audit record and one change event (delegation.*,
 * outcome.*, decision.*: ICS-wide). The measures are the ones the other
 * modules already compute, called through their use cases: they are
 * aggregates (no patient identifiers), computed with an analyst's view so
 * that an executive sees the same figure as the analyst who owns it. */
#include "app/accountability.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/analytics.h"
#include "app/beds.h"
#include "app/finance.h"
#include "app/routing.h"
#include "app/seed.h"
#include "app/sitrep.h"
#include "app/waitlist.h"
#include "core/problems.h"
#include "core/tz.h"
#include "core/utf8.h"
#include "gov/gov.h"
#include "store/finance.h"

#define READERS (ROLE_ADMIN | ROLE_FINANCE | ROLE_EXECUTIVE | ROLE_ANALYST)
#define WRITERS (ROLE_ADMIN | ROLE_FINANCE)

const app_use APP_GOV_READ = {"governance.read", READERS, APP_SCOPE_ICS};
const app_use APP_GOV_WRITE = {"governance.write", WRITERS, APP_SCOPE_ICS};

/* ---- measures ---------------------------------------------------------------- */

/* One measure: its current value and the previous period's (NAN: none). */
typedef int (*measure_fn)(app_ctx *a, const char *place, double *cur, double *prev, ics_err *e);

typedef struct measure {
    const char *code, *label, *unit;
    gov_direction dir;
    double tolerance; /* the trend's steady band, in the measure's unit */
    int by_place;     /* 1: a borough may be named */
    const char *method;
    measure_fn fn;
} measure;

#define DAY 86400

/* The analyst's view of the same figures (see the file comment). */
static app_ctx analyst_of(const app_ctx *c)
{
    app_ctx a = *c;
    a.who.role = "analyst";
    a.who.role_bit = ROLE_ANALYST;
    return a;
}

static const json_t *place_row(const json_t *rows, const char *key, const char *place)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *v = json_string_value(json_object_get(r, key));
        if (v && strcmp(v, place) == 0) return r;
    }
    return NULL;
}

static int ucr_share(app_ctx *a, const char *place, int64_t from, int64_t to, double *v, ics_err *e)
{
    json_t *out = NULL;
    int rc = app_routing_report_ucr(a, from, to, 120, &out, e);
    if (rc) return rc;
    const json_t *r = place ? place_row(json_object_get(out, "places"), "place_code", place)
                            : json_object_get(out, "ics");
    const json_t *s = r ? json_object_get(r, "share") : NULL;
    *v = json_is_number(s) ? 100 * json_number_value(s) : NAN;
    json_decref(out);
    return 0;
}

static int m_ucr(app_ctx *a, const char *place, double *cur, double *prev, ics_err *e)
{
    int rc = ucr_share(a, place, a->now - 91 * DAY, a->now, cur, e);
    if (!rc) rc = ucr_share(a, place, a->now - 182 * DAY, a->now - 91 * DAY, prev, e);
    return rc;
}

/* Mean length of stay over every unit's stays discharged in the window. */
static int los_mean(app_ctx *a, int64_t from, int64_t to, double *v, ics_err *e)
{
    char f[16], t[16];
    tz_format_date(tz_local_date(from), f, sizeof f);
    tz_format_date(tz_local_date(to), t, sizeof t);
    json_t *out = NULL;
    int rc = app_beds_los(a, f, t, &out, e);
    if (rc) return rc;
    double days = 0, stays = 0;
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(out, "units"), i, u)
    {
        double n = json_number_value(json_object_get(u, "stays"));
        days += n * json_number_value(json_object_get(u, "mean"));
        stays += n;
    }
    *v = stays > 0 ? days / stays : NAN;
    json_decref(out);
    return 0;
}

static int m_los(app_ctx *a, const char *place, double *cur, double *prev, ics_err *e)
{
    (void)place;
    int rc = los_mean(a, a->now - 90 * DAY, a->now, cur, e);
    if (!rc) rc = los_mean(a, a->now - 180 * DAY, a->now - 90 * DAY, prev, e);
    return rc;
}

/* Occupied share of open beds now, and 7 days ago from the board's daily
 * history (oldest first). */
static int m_occupancy(app_ctx *a, const char *place, double *cur, double *prev, ics_err *e)
{
    (void)place;
    json_t *out = NULL;
    int rc = app_beds_board(a, 24, 8, &out, e);
    if (rc) return rc;
    const json_t *tot = json_object_get(out, "totals");
    *cur = 100 * json_number_value(json_object_get(tot, "occupancy"));
    double occ = 0, beds = 0;
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(out, "units"), i, u)
    {
        const json_t *h = json_object_get(u, "occupied_history");
        occ += json_number_value(json_array_get(h, 0));
        beds += json_number_value(json_object_get(u, "beds")) -
                json_number_value(json_object_get(u, "closed"));
    }
    *prev = beds > 0 ? 100 * occ / beds : NAN;
    json_decref(out);
    return 0;
}

static int over52(app_ctx *a, int64_t day, double *v, ics_err *e)
{
    int64_t n = 0;
    int rc = app_waitlist_over52(a, day, &n, e);
    *v = (double)n;
    return rc;
}

static int m_over52(app_ctx *a, const char *place, double *cur, double *prev, ics_err *e)
{
    (void)place;
    int64_t today = tz_local_date(a->now);
    int rc = over52(a, today, cur, e);
    if (!rc) rc = over52(a, today - 28, prev, e);
    return rc;
}

static int m_nel(app_ctx *a, const char *place, double *cur, double *prev, ics_err *e)
{
    json_t *out = NULL;
    int rc = app_analytics_rates(a, NULL, STORE_AN_DSR, &out, NULL, e);
    if (rc) return rc;
    const json_t *r = place ? place_row(json_object_get(out, "items"), "area_code", place)
                            : json_object_get(out, "total");
    *cur = r ? json_number_value(json_object_get(r, "value")) : NAN;
    *prev = NAN; /* one dataset: no earlier period to compare */
    json_decref(out);
    return 0;
}

/* Days at OPEL 3 or 4 (the ICS level) in the last 28 days and in the 28
 * before: the 56 days' levels computed in one pass. */
static int m_opel(app_ctx *a, const char *place, double *cur, double *prev, ics_err *e)
{
    (void)place;
    int64_t today = tz_local_date(a->now);
    int lv[56];
    int rc = app_sitrep_ics_levels(a, today - 55, 56, lv, e);
    if (rc) return rc;
    int n_prev = 0, n_cur = 0;
    for (int i = 0; i < 56; i++) {
        if (i < 28)
            n_prev += lv[i] >= 3;
        else
            n_cur += lv[i] >= 3;
    }
    *cur = n_cur;
    *prev = n_prev;
    return 0;
}

static const measure measures[] = {
    {"ucr_2h_pct", "UCR 2-hour standard met", "%", GOV_HIGHER_BETTER, 1, 1,
     "share of attended urgent community response referrals first seen within 2 hours, last 91 "
     "days (previous: the 91 days before); routing report",
     m_ucr},
    {"community_los_days", "Community bed length of stay", "days", GOV_LOWER_BETTER, 0.5, 0,
     "mean length of stay of community bed stays discharged in the last 90 days (previous: the 90 "
     "days before); bed bureau",
     m_los},
    {"bed_occupancy_pct", "Community bed occupancy", "%", GOV_LOWER_BETTER, 1, 0,
     "occupied share of open community beds now (previous: 7 days ago); bed board", m_occupancy},
    {"waits_over_52_weeks", "Patients waiting over 52 weeks", "patients", GOV_LOWER_BETTER, 10, 0,
     "patients on the joint waiting list waiting more than 52 weeks today (previous: the same list "
     "as of 28 days ago); joint waiting list",
     m_over52},
    {"nel_dsr", "Non-elective admissions, standardised rate", "per 100,000", GOV_LOWER_BETTER, 50,
     1,
     "directly standardised non-elective admission rate per 100,000 (ESP2013) of the default "
     "dataset; no earlier period; analytics",
     m_nel},
    {"opel_days_3_4", "Days at OPEL 3 or 4", "days of 28", GOV_LOWER_BETTER, 0, 0,
     "days in the last 28 with the ICS at OPEL 3 or 4 (previous: the 28 days before); sitreps",
     m_opel},
    {NULL, NULL, NULL, 0, 0, 0, NULL, NULL}};

static const measure *measure_of(const char *code)
{
    for (const measure *m = measures; code && m->code; m++)
        if (strcmp(m->code, code) == 0) return m;
    return NULL;
}

static json_t *num_or_null(double v)
{
    return isfinite(v) ? json_real(round(v * 1000) / 1000) : json_null();
}

/* The measure's live value, trend and (given a target) status. */
static int evaluate(app_ctx *c, const measure *m, const char *place, const double *target,
                    json_t *into, ics_err *e)
{
    app_ctx a = analyst_of(c);
    double cur = NAN, prev = NAN;
    ics_err me = {0};
    int rc = m->fn(&a, place, &cur, &prev, &me);
    if (rc == ICS_ENOTFOUND || rc == ICS_EINVAL) { /* nothing to compute from: no data */
        cur = prev = NAN;
        json_object_set_new(into, "note", json_string(me.msg));
        rc = 0;
    }
    if (rc) {
        *e = me;
        return rc;
    }
    json_object_set_new(into, "current", num_or_null(cur));
    json_object_set_new(into, "previous", num_or_null(prev));
    json_object_set_new(
        into, "trend",
        json_string(gov_trend_name(gov_track_trend(prev, cur, m->dir, m->tolerance))));
    if (target)
        json_object_set_new(into, "status",
                            json_string(gov_status_name(gov_track_status(cur, *target, m->dir))));
    return 0;
}

static json_t *measure_json(const measure *m)
{
    return json_pack("{sssssssssssbsf}", "measure", m->code, "label", m->label, "unit", m->unit,
                     "better", m->dir == GOV_HIGHER_BETTER ? "higher" : "lower", "method",
                     m->method, "by_place", m->by_place, "tolerance", m->tolerance);
}

int app_gov_measures(app_ctx *c, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (rc) return rc;
    json_t *items = json_array();
    for (const measure *m = measures; m->code && !rc; m++) {
        json_t *j = measure_json(m);
        rc = evaluate(c, m, NULL, NULL, j, e);
        json_array_append_new(items, j);
    }
    if (rc) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{so}", "items", items);
    return 0;
}

/* ---- checks ------------------------------------------------------------------ */

static int text_ok(const json_t *b, const char *k, size_t max, int required, problems *p)
{
    const char *v = json_string_value(json_object_get(b, k));
    if (!v) {
        if (required) problems_add(p, "%s is required", k);
        return !required;
    }
    if (required && !*v) {
        problems_add(p, "%s must not be empty", k);
        return 0;
    }
    if (strlen(v) > max || !utf8_valid(v)) {
        problems_add(p, "%s must be UTF-8 text of at most %zu bytes", k, max);
        return 0;
    }
    return 1;
}

static void day_ok(const json_t *b, const char *k, problems *p)
{
    const char *v = json_string_value(json_object_get(b, k));
    int64_t d;
    ics_err me = {0};
    if (!v)
        problems_add(p, "%s is required (YYYY-MM-DD)", k);
    else if (strlen(v) != 10 || tz_parse_date(v, &d, &me))
        problems_add(p, "%s '%.20s' must be a date YYYY-MM-DD", k, v);
}

static int parse_id_arg(int64_t id, const char *what, ics_err *e)
{
    if (id <= 0) return ics_err_set(e, ICS_ENOTFOUND, "no %s %lld", what, (long long)id);
    return 0;
}

/* The one row of a listing, or ICS_ENOTFOUND. */
static int one_row(json_t *rows, const char *what, int64_t id, json_t **row, ics_err *e)
{
    if (json_array_size(rows) == 0) {
        json_decref(rows);
        return ics_err_set(e, ICS_ENOTFOUND, "no %s %lld", what, (long long)id);
    }
    *row = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return 0;
}

static int record(app_ctx *c, const char *type, const char *event, int64_t id, const json_t *before,
                  const json_t *after, ics_err *e)
{
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    return app_record(c, &APP_GOV_WRITE, type, sid, before, after, event, NULL,
                      json_pack("{sI}", "id", (json_int_t)id), e);
}

/* ---- decisions ---------------------------------------------------------------- */

static int decision_get(app_ctx *c, const char *ics, int64_t id, json_t **row, ics_err *e)
{
    json_t *rows;
    int rc = store_gov_decisions(c->db, ics, id, &rows, e);
    if (!rc) rc = one_row(rows, "decision", id, row, e);
    if (!rc) app_json_utc(*row, "created_at");
    return rc;
}

static void decision_check(const json_t *b, problems *p)
{
    day_ok(b, "decided_on", p);
    text_ok(b, "title", 200, 1, p);
    text_ok(b, "forum", 200, 1, p);
    text_ok(b, "rationale", 4000, 1, p);
    text_ok(b, "evidence", 4000, 0, p);
    text_ok(b, "options", 4000, 0, p);
}

int app_gov_decision_create(app_ctx *c, const json_t *b, json_t **row, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    problems p;
    *row = NULL;
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (rc) return rc;
    problems_init(&p);
    decision_check(b, &p);
    if ((rc = problems_done(&p, e)) || (rc = app_fin_ics(c, ics, e))) return rc;
    if ((rc = app_begin(c, e))) return rc;
    int64_t id = 0;
    rc = store_gov_decision_insert(c->db, ics, b, c->who.name, c->now, &id, e);
    if (!rc) rc = decision_get(c, ics, id, row, e);
    if (!rc) rc = record(c, "decision", "decision.created", id, NULL, *row, e);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*row), *row = NULL;
    return rc;
}

int app_gov_decisions(app_ctx *c, json_t **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    json_t *rows;
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_gov_decisions(c->db, ics, 0, &rows, e);
    if (!rc) *out = json_pack("{so}", "items", app_json_utc(rows, "created_at"));
    return rc;
}

int app_gov_decision_get(app_ctx *c, int64_t id, json_t **row, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc) rc = parse_id_arg(id, "decision", e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    return rc ? rc : decision_get(c, ics, id, row, e);
}

int app_gov_decision_delete(app_ctx *c, int64_t id, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = parse_id_arg(id, "decision", e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *before = NULL;
    int changed = 0;
    rc = decision_get(c, ics, id, &before, e);
    if (!rc) rc = store_gov_decision_delete(c->db, ics, id, &changed, e);
    if (!rc) rc = record(c, "decision", "decision.deleted", id, before, NULL, e);
    json_decref(before);
    return app_end(c, rc, e);
}

/* ---- delegations and outcomes --------------------------------------------------- */

static int delegation_get(app_ctx *c, const char *ics, int64_t id, json_t **row, ics_err *e)
{
    json_t *rows;
    int rc = store_gov_delegations(c->db, ics, id, &rows, e);
    if (!rc) rc = one_row(rows, "delegation", id, row, e);
    if (!rc) app_json_utc(*row, "created_at");
    return rc;
}

static void delegation_check(const json_t *b, problems *p)
{
    const char *kind = json_string_value(json_object_get(b, "holder_kind"));
    if (!kind ||
        (strcmp(kind, "place") && strcmp(kind, "collaborative") && strcmp(kind, "provider")))
        problems_add(p, "holder_kind must be place, collaborative or provider");
    text_ok(b, "holder_code", 40, 1, p);
    text_ok(b, "holder_name", 200, 0, p);
    text_ok(b, "scope", 2000, 1, p);
    text_ok(b, "conditions", 4000, 0, p);
    const json_t *amt = json_object_get(b, "amount_gbp_m");
    double v = json_number_value(amt);
    if (!json_is_number(amt) || !isfinite(v) || v < 0 || v > 1e6)
        problems_add(p, "amount_gbp_m must be a number of GBP millions between 0 and 1000000");
    day_ok(b, "period_from", p);
    day_ok(b, "period_to", p);
    const char *pf = json_string_value(json_object_get(b, "period_from"));
    const char *pt = json_string_value(json_object_get(b, "period_to"));
    if (pf && pt && strcmp(pf, pt) > 0) problems_add(p, "period_to is before period_from");
}

/* Inside the transaction: the holder is a reference, not free text: a
 * place of the ICS (kind place) or an organisation icsflow knows (a
 * provider, or the organisation hosting a collaborative). An empty
 * holder_name is filled with the reference's name. The decision, when
 * given, must be one of the ICS's. */
static int delegation_refs(app_ctx *c, const char *ics, json_t *b, ics_err *e)
{
    const char *kind = json_string_value(json_object_get(b, "holder_kind"));
    const char *code = json_string_value(json_object_get(b, "holder_code"));
    char name[256];
    assert(kind && code);
    int rc = store_gov_holder_name(c->db, ics, kind, code, name, e);
    if (rc) return rc;
    if (!name[0])
        return ics_err_set(e, ICS_EINVAL,
                           strcmp(kind, "place") == 0
                               ? "holder_code: '%.40s' is not a place of ICS %s"
                               : "holder_code: '%.40s' is not an organisation (ODS code) known to "
                                 "icsflow%.0s",
                           code, ics);
    const char *given = json_string_value(json_object_get(b, "holder_name"));
    if (!given || !*given) json_object_set_new(b, "holder_name", json_string(name));
    const json_t *dec = json_object_get(b, "decision_id");
    if (dec && !json_is_null(dec)) {
        json_t *d = NULL;
        rc = decision_get(c, ics, json_integer_value(dec), &d, e);
        if (rc == ICS_ENOTFOUND) e->code = rc = ICS_EINVAL;
        json_decref(d);
    }
    return rc;
}

int app_gov_delegation_create(app_ctx *c, const json_t *body, json_t **row, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    problems p;
    *row = NULL;
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (rc) return rc;
    problems_init(&p);
    delegation_check(body, &p);
    if ((rc = problems_done(&p, e)) || (rc = app_fin_ics(c, ics, e))) return rc;
    if ((rc = app_begin(c, e))) return rc;
    json_t *b = json_deep_copy(body);
    rc = delegation_refs(c, ics, b, e);
    int64_t id = 0;
    if (!rc) rc = store_gov_delegation_insert(c->db, ics, b, c->who.name, c->now, &id, e);
    json_decref(b);
    if (!rc) rc = delegation_get(c, ics, id, row, e);
    if (!rc) rc = record(c, "delegation", "delegation.created", id, NULL, *row, e);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*row), *row = NULL;
    return rc;
}

/* Attach each delegation's outcomes (rows from store_gov_outcomes). */
static void attach(json_t *dels, json_t *outs)
{
    size_t i, k;
    json_t *d, *o;
    json_array_foreach(dels, i, d)
    {
        json_t *mine = json_array();
        json_int_t id = json_integer_value(json_object_get(d, "id"));
        json_array_foreach(outs, k, o)
        {
            if (json_integer_value(json_object_get(o, "delegation_id")) == id)
                json_array_append(mine, o);
        }
        json_object_set_new(d, "outcomes", mine);
    }
}

int app_gov_delegations(app_ctx *c, json_t **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    json_t *rows = NULL, *outs = NULL;
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_gov_delegations(c->db, ics, 0, &rows, e);
    if (!rc) rc = store_gov_outcomes(c->db, ics, 0, &outs, e);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    attach(rows, outs);
    json_decref(outs);
    *out = json_pack("{so}", "items", app_json_utc(rows, "created_at"));
    return 0;
}

int app_gov_delegation_get(app_ctx *c, int64_t id, json_t **row, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    json_t *outs = NULL;
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc) rc = parse_id_arg(id, "delegation", e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = delegation_get(c, ics, id, row, e);
    if (!rc && (rc = store_gov_outcomes(c->db, ics, 0, &outs, e))) json_decref(*row);
    if (rc) return rc;
    json_t *one = json_pack("[O]", *row);
    attach(one, outs);
    json_decref(one), json_decref(outs);
    return 0;
}

int app_gov_delegation_delete(app_ctx *c, int64_t id, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = parse_id_arg(id, "delegation", e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *before = NULL;
    int changed = 0;
    rc = delegation_get(c, ics, id, &before, e);
    if (!rc) rc = store_gov_delegation_delete(c->db, ics, id, &changed, e);
    if (!rc) rc = record(c, "delegation", "delegation.deleted", id, before, NULL, e);
    json_decref(before);
    return app_end(c, rc, e);
}

/* The outcome's fields checked; its measure (NULL when unknown). */
static const measure *outcome_check(const json_t *b, problems *p)
{
    const char *code = json_string_value(json_object_get(b, "measure"));
    const measure *m = measure_of(code);
    if (!m)
        problems_add(p,
                     "measure '%.40s' is not one of ucr_2h_pct, community_los_days, "
                     "bed_occupancy_pct, waits_over_52_weeks, nel_dsr, opel_days_3_4",
                     code ? code : "");
    const json_t *t = json_object_get(b, "target");
    double target = json_number_value(t);
    if (!json_is_number(t) || !isfinite(target) || fabs(target) > 1e9)
        problems_add(p, "target must be a finite number");
    const char *place = json_string_value(json_object_get(b, "place_code"));
    if (place && m && !m->by_place)
        problems_add(p, "measure %s is for the whole ICS: place_code is not possible", m->code);
    text_ok(b, "note", 1000, 0, p);
    return m;
}

/* A borough named by an outcome must be a place of the ICS. */
static int outcome_place(app_ctx *c, const char *ics, const char *place, ics_err *e)
{
    int yes = 0;
    if (!place) return 0;
    int rc = store_fin_place_exists(c->db, ics, place, &yes, e);
    if (!rc && !yes)
        rc = ics_err_set(e, ICS_EINVAL, "place_code: no place '%.20s' in ICS %s", place, ics);
    return rc;
}

int app_gov_outcome_create(app_ctx *c, int64_t delegation, const json_t *b, json_t **row,
                           ics_err *e)
{
    char ics[STORE_ICS_CODE];
    problems p;
    *row = NULL;
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = parse_id_arg(delegation, "delegation", e);
    if (rc) return rc;
    problems_init(&p);
    const measure *m = outcome_check(b, &p);
    double target = json_number_value(json_object_get(b, "target"));
    const char *place = json_string_value(json_object_get(b, "place_code"));
    if ((rc = problems_done(&p, e)) || (rc = app_fin_ics(c, ics, e))) return rc;
    if ((rc = app_begin(c, e))) return rc;
    json_t *d = NULL;
    rc = delegation_get(c, ics, delegation, &d, e);
    json_decref(d);
    if (!rc) rc = outcome_place(c, ics, place, e);
    int64_t id = 0;
    if (!rc)
        rc = store_gov_outcome_insert(c->db, delegation, m->code, place, target,
                                      json_string_value(json_object_get(b, "note")), c->who.name,
                                      c->now, &id, e);
    json_t *rows = NULL;
    if (!rc) rc = store_gov_outcomes(c->db, ics, id, &rows, e);
    if (!rc) rc = one_row(rows, "outcome", id, row, e);
    if (!rc) rc = record(c, "outcome", "outcome.created", id, NULL, *row, e);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*row), *row = NULL;
    return rc;
}

int app_gov_outcome_delete(app_ctx *c, int64_t id, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = parse_id_arg(id, "outcome", e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *rows = NULL, *before = NULL;
    int changed = 0;
    rc = store_gov_outcomes(c->db, ics, id, &rows, e);
    if (!rc) rc = one_row(rows, "outcome", id, &before, e);
    if (!rc) rc = store_gov_outcome_delete(c->db, ics, id, &changed, e);
    if (!rc) rc = record(c, "outcome", "outcome.deleted", id, before, NULL, e);
    json_decref(before);
    return app_end(c, rc, e);
}

/* ---- updates: PUT (the whole record) and PATCH (the fields given) ------------- */

/* The record an update asks for: with partial, the stored row's editable
 * fields with the body's over them (a field sent as null is cleared);
 * otherwise the body alone. */
static json_t *merged(const json_t *before, const json_t *body, const char *const *keys,
                      int partial)
{
    json_t *m = json_object();
    for (int i = 0; keys[i]; i++) {
        json_t *v = json_object_get(body, keys[i]);
        if (!v && partial) v = json_object_get(before, keys[i]);
        if (v && !json_is_null(v)) json_object_set(m, keys[i], v);
    }
    return m;
}

static const char *const decision_keys[] = {"decided_on", "title",   "forum", "rationale",
                                            "evidence",   "options", NULL};
static const char *const delegation_keys[] = {
    "holder_kind", "holder_code", "holder_name", "scope",       "amount_gbp_m",
    "period_from", "period_to",   "conditions",  "decision_id", NULL};
static const char *const outcome_keys[] = {"measure", "target", "place_code", "note", NULL};

int app_gov_decision_update(app_ctx *c, int64_t id, const json_t *body, int partial, json_t **row,
                            ics_err *e)
{
    char ics[STORE_ICS_CODE];
    *row = NULL;
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = parse_id_arg(id, "decision", e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *before = NULL, *want = NULL;
    int changed = 0;
    rc = decision_get(c, ics, id, &before, e);
    if (!rc) {
        problems p;
        problems_init(&p);
        want = merged(before, body, decision_keys, partial);
        decision_check(want, &p);
        rc = problems_done(&p, e);
    }
    if (!rc) rc = store_gov_decision_update(c->db, ics, id, want, &changed, e);
    if (!rc) rc = decision_get(c, ics, id, row, e);
    if (!rc) rc = record(c, "decision", "decision.updated", id, before, *row, e);
    json_decref(before);
    json_decref(want);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*row), *row = NULL;
    return rc;
}

int app_gov_delegation_update(app_ctx *c, int64_t id, const json_t *body, int partial, json_t **row,
                              ics_err *e)
{
    char ics[STORE_ICS_CODE];
    *row = NULL;
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = parse_id_arg(id, "delegation", e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *before = NULL, *want = NULL;
    int changed = 0;
    rc = delegation_get(c, ics, id, &before, e);
    if (!rc) {
        problems p;
        problems_init(&p);
        want = merged(before, body, delegation_keys, partial);
        /* a new holder reference brings its own name unless one is sent */
        if (partial && !json_object_get(body, "holder_name") &&
            (json_object_get(body, "holder_code") || json_object_get(body, "holder_kind")))
            json_object_del(want, "holder_name");
        delegation_check(want, &p);
        rc = problems_done(&p, e);
    }
    if (!rc) rc = delegation_refs(c, ics, want, e);
    if (!rc) rc = store_gov_delegation_update(c->db, ics, id, want, &changed, e);
    if (!rc) rc = delegation_get(c, ics, id, row, e);
    if (!rc) rc = record(c, "delegation", "delegation.updated", id, before, *row, e);
    json_decref(before);
    json_decref(want);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*row), *row = NULL;
    return rc;
}

int app_gov_outcome_update(app_ctx *c, int64_t id, const json_t *body, int partial, json_t **row,
                           ics_err *e)
{
    char ics[STORE_ICS_CODE];
    *row = NULL;
    int rc = app_allow(c, &APP_GOV_WRITE, e);
    if (!rc) rc = parse_id_arg(id, "outcome", e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *rows = NULL, *before = NULL, *want = NULL;
    int changed = 0;
    const measure *m = NULL;
    rc = store_gov_outcomes(c->db, ics, id, &rows, e);
    if (!rc) rc = one_row(rows, "outcome", id, &before, e);
    if (!rc) {
        problems p;
        problems_init(&p);
        want = merged(before, body, outcome_keys, partial);
        m = outcome_check(want, &p);
        rc = problems_done(&p, e);
    }
    const char *place = rc ? NULL : json_string_value(json_object_get(want, "place_code"));
    if (!rc) rc = outcome_place(c, ics, place, e);
    if (!rc)
        rc = store_gov_outcome_update(
            c->db, ics, id, m->code, place, json_number_value(json_object_get(want, "target")),
            json_string_value(json_object_get(want, "note")), &changed, e);
    if (!rc) rc = store_gov_outcomes(c->db, ics, id, &rows, e);
    if (!rc) rc = one_row(rows, "outcome", id, row, e);
    if (!rc) rc = record(c, "outcome", "outcome.updated", id, before, *row, e);
    json_decref(before);
    json_decref(want);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*row), *row = NULL;
    return rc;
}

/* ---- the accountability view ---------------------------------------------------- */

int app_gov_accountability(app_ctx *c, json_t **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    json_t *outs = NULL;
    int rc = app_allow(c, &APP_GOV_READ, e);
    if (!rc) rc = app_fin_ics(c, ics, e);
    if (!rc) rc = store_gov_outcomes(c->db, ics, 0, &outs, e);
    if (rc) return rc;
    int on = 0, off = 0, none = 0;
    size_t i;
    json_t *o;
    json_array_foreach(outs, i, o)
    {
        const measure *m = measure_of(json_string_value(json_object_get(o, "measure")));
        if (!m) continue;
        double target = json_number_value(json_object_get(o, "target"));
        json_object_set_new(o, "label", json_string(m->label));
        json_object_set_new(o, "unit", json_string(m->unit));
        json_object_set_new(o, "better",
                            json_string(m->dir == GOV_HIGHER_BETTER ? "higher" : "lower"));
        json_object_set_new(o, "method", json_string(m->method));
        if ((rc = evaluate(c, m, json_string_value(json_object_get(o, "place_code")), &target, o,
                           e)))
            break;
        const char *st = json_string_value(json_object_get(o, "status"));
        on += strcmp(st, "on track") == 0;
        off += strcmp(st, "off track") == 0;
        none += strcmp(st, "no data") == 0;
    }
    if (rc) {
        json_decref(outs);
        return rc;
    }
    *out = json_pack("{sssosssisisi}", "ics", ics, "items", outs, "rule",
                     "on track when the current value meets the target (at least the target where "
                     "higher is better, at most where lower is better), otherwise off track; no "
                     "data without a current value. Trend: the change from the previous period "
                     "beyond the measure's tolerance, in the better (improving) or worse "
                     "(worsening) direction, otherwise steady.",
                     "on_track", on, "off_track", off, "no_data", none);
    return 0;
}

/* ---- first start: the synthetic default ----------------------------------------- */

/* Decisions and delegations invented for the default (labelled synthetic):
 * the shape of what the collaborative described, not its real papers. */
int app_governance_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    char ics[STORE_ICS_CODE];
    int rc = app_fin_ics(c, ics, e);
    int64_t d1 = 0, d2 = 0, g = 0, o = 0;
    json_t *dec = json_pack(
        "{sssssssssssssi}", "decided_on", "2026-03-26", "title",
        "Delegate the community bed budget to the community provider collaborative (synthetic)",
        "forum", "ICB board (synthetic)", "rationale",
        "Beds managed as one pool across the eight boroughs; the collaborative holds the budget "
        "and "
        "answers for length of stay and occupancy.",
        "evidence", "bed review by simulation; length-of-stay funnel", "options",
        "keep borough commissioning; pool beds with a bureau; pool and delegate the budget",
        "synthetic", 1);
    if (!rc) rc = store_gov_decision_insert(c->db, ics, dec, "seed", c->now, &d1, e);
    json_decref(dec);
    dec = json_pack("{sssssssssssssi}", "decided_on", "2026-05-21", "title",
                    "Delegate UCR to places with one ICS specification (synthetic)", "forum",
                    "ICB board (synthetic)", "rationale",
                    "Each borough's UCR service meets one specification and the 2-hour standard.",
                    "evidence", "UCR harmonisation report", "options",
                    "ICS-wide contract; place delegation with one specification", "synthetic", 1);
    if (!rc) rc = store_gov_decision_insert(c->db, ics, dec, "seed", c->now, &d2, e);
    json_decref(dec);
    json_t *del = json_pack(
        "{sssssssssfsssssssIsi}", "holder_kind", "collaborative", "holder_code", "RYX",
        "holder_name",
        "Community provider collaborative (CLCH, HRCH, CNWL, WLT), hosted by CLCH (synthetic)",
        "scope", "community bed budget and bed bureau for the eight boroughs", "amount_gbp_m", 96.0,
        "period_from", "2026-04-01", "period_to", "2027-03-31", "conditions",
        "quarterly report to the ICB board; pooled beds open to every borough", "decision_id",
        (json_int_t)d1, "synthetic", 1);
    if (!rc) rc = store_gov_delegation_insert(c->db, ics, del, "seed", c->now, &g, e);
    json_decref(del);
    if (!rc)
        rc = store_gov_outcome_insert(c->db, g, "community_los_days", NULL, 28, "synthetic target",
                                      "seed", c->now, &o, e);
    if (!rc)
        rc = store_gov_outcome_insert(c->db, g, "bed_occupancy_pct", NULL, 92, "synthetic target",
                                      "seed", c->now, &o, e);
    del = json_pack("{sssssssssfsssssssIsi}", "holder_kind", "place", "holder_code", "E09000017",
                    "holder_name", "Hillingdon place partnership (synthetic)", "scope",
                    "urgent community response for Hillingdon residents", "amount_gbp_m", 6.5,
                    "period_from", "2026-06-01", "period_to", "2027-03-31", "conditions",
                    "one ICS UCR specification", "decision_id", (json_int_t)d2, "synthetic", 1);
    if (!rc) rc = store_gov_delegation_insert(c->db, ics, del, "seed", c->now, &g, e);
    json_decref(del);
    if (!rc)
        rc = store_gov_outcome_insert(c->db, g, "ucr_2h_pct", "E09000017", 70,
                                      "national ambition: at least 70%", "seed", c->now, &o, e);
    del = json_pack("{sssssssssfsssssssi}", "holder_kind", "provider", "holder_code", "R1K",
                    "holder_name", "London North West University Healthcare NHS Trust", "scope",
                    "elective recovery for the joint waiting list (synthetic)", "amount_gbp_m",
                    40.0, "period_from", "2026-04-01", "period_to", "2027-03-31", "conditions",
                    "surgical hub sessions offered to the joint list", "synthetic", 1);
    if (!rc) rc = store_gov_delegation_insert(c->db, ics, del, "seed", c->now, &g, e);
    json_decref(del);
    if (!rc)
        rc = store_gov_outcome_insert(c->db, g, "waits_over_52_weeks", NULL, 1000,
                                      "synthetic target", "seed", c->now, &o, e);
    if (!rc)
        rc = store_gov_outcome_insert(c->db, g, "opel_days_3_4", NULL, 5, "synthetic target",
                                      "seed", c->now, &o, e);
    return rc;
}
