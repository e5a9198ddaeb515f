/* app/waitlist.c - use cases of the joint waiting list and hub allocation:
 * listings scoped to the caller's trust, PTL and session imports checked
 * row by row (every problem with its line and column, all or nothing), the
 * allocation run (load, limit, fingerprint, engine outside the write
 * transaction, then the run stored with its audit record and event), the
 * equity report, the synthetic generator and the first-start seed. */
#include "app/waitlist.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/ics.h"
#include "app/page.h"
#include "store/users.h"
#include "app/seed.h"
#include "core/rng.h"
#include "core/problems.h"
#include "core/sb.h"
#include "core/tz.h"
#include "core/valid.h"

#define MANAGE (ROLE_ADMIN | ROLE_COORDINATOR)

const app_use APP_WAITLIST_ENTRY_READ = {"waitlist.entry.read", MANAGE | ROLE_TRUST_OPS,
                                         APP_SCOPE_OWN_TRUST};
const app_use APP_WAITLIST_IMPORT = {"waitlist.import", MANAGE, APP_SCOPE_ICS};
const app_use APP_WAITLIST_SESSION_READ = {"waitlist.session.read",
                                           MANAGE | ROLE_TRUST_OPS | ROLE_ANALYST, APP_SCOPE_ICS};
const app_use APP_WAITLIST_ALLOCATE = {"waitlist.allocate", MANAGE, APP_SCOPE_ICS};
const app_use APP_WAITLIST_RUN_READ = {"waitlist.run.read", MANAGE | ROLE_ANALYST, APP_SCOPE_ICS};
const app_use APP_WAITLIST_RESULT_READ = {"waitlist.result.read", MANAGE | ROLE_TRUST_OPS,
                                          APP_SCOPE_OWN_TRUST};
const app_use APP_WAITLIST_EQUITY = {"waitlist.equity", MANAGE | ROLE_ANALYST, APP_SCOPE_ICS};
const app_use APP_WAITLIST_GENERATE = {"waitlist.generate", MANAGE, APP_SCOPE_ICS};

#define SEED_ENTRIES 40000
#define SEED_SEED    20260302u

int64_t app_waitlist_today(int64_t now)
{
    return tz_local_date(now);
}

/* ---- scope ------------------------------------------------------------------- */

/* Organisation-bound callers are confined to their trust: *trust becomes
 * theirs, and another trust asked for is ICS_EFORBID (as the API has
 * always answered for the list, whose existence is no secret). */
static int trust_scope(const app_ctx *c, const app_use *u, const char **trust, ics_err *e)
{
    if (app_in_scope(c, u, NULL)) { /* ICS-wide roles: any trust in the directory */
        int yes = 1, rc = 0;
        if (*trust && **trust) rc = store_org_exists(c->db, *trust, &yes, e);
        /* "trust:" first, so the problem is shown beside a form's trust field */
        if (!rc && !yes) rc = ics_err_set(e, ICS_EINVAL, "trust: unknown trust code '%s'", *trust);
        return rc;
    }
    const char *mine = c->who.org;
    if (!mine || !mine[0])
        return ics_err_set(e, ICS_EFORBID, "a %s user needs an organisation to see entries",
                           c->who.role);
    if (*trust && **trust && strcmp(*trust, mine))
        return ics_err_set(e, ICS_EFORBID, "%s users may only see their own trust (%s)",
                           c->who.role, mine);
    *trust = mine;
    return 0;
}

/* ---- listing ------------------------------------------------------------------- */

static void add_waits(json_t *row, int64_t as_of)
{
    int64_t cs = 0, pd = 0;
    tz_parse_date(json_string_value(json_object_get(row, "clock_start")), &cs, NULL);
    tz_parse_date(json_string_value(json_object_get(row, "priority_date")), &pd, NULL);
    int prio = (int)json_integer_value(json_object_get(row, "priority"));
    json_object_set_new(row, "weeks_waited", json_integer(waitlist_weeks_waited(cs, as_of)));
    int64_t due = waitlist_due_day(prio, pd);
    if (due == INT64_MAX) {
        json_object_set_new(row, "due_date", json_null());
    } else {
        char d[11];
        tz_format_date(due, d, sizeof d);
        json_object_set_new(row, "due_date", json_string(d));
    }
    json_object_set_new(row, "synthetic",
                        json_boolean(json_integer_value(json_object_get(row, "synthetic"))));
    app_waitlist_overdue_set(row, as_of);
}

/* The list's page as JSON text (app/page.h): each row as stored, synthetic
 * as a boolean, with weeks waited and due date as add_waits adds them. */
static const app_col entry_cols[] = {{"synthetic", APP_COL_BOOL}, {NULL, 0}};

typedef struct entry_pager {
    app_page pg;
    int64_t as_of;
    int cs, pd, prio, st; /* column indexes, learnt from the first row */
    const store_waitlist_filter *f;
    int64_t limit, offset, total;
} entry_pager;

/* The overdue rule, in one place for the entries page and the booking list:
 * days past the priority date's due day (P1 + 3, P2 + 28) of an open (waiting
 * or booked; status NULL: open) P1 or P2 pathway with a priority date (dated
 * 1, the day pd) at day; 0 or less when it is not overdue. */
static int64_t days_overdue(int prio, const char *status, int dated, int64_t pd, int64_t day)
{
    int open = !status || !strcmp(status, "waiting") || !strcmp(status, "booked");
    return (prio == 1 || prio == 2) && open && dated ? day - waitlist_due_day(prio, pd) : 0;
}

static int entry_row(void *arg, store_stmt *row, ics_err *e)
{
    (void)e;
    entry_pager *ep = arg;
    if (ep->cs < 0)
        for (int c = 0; c < store_col_count(row); c++) {
            const char *n = store_col_name(row, c);
            if (strcmp(n, "clock_start") == 0) ep->cs = c;
            if (strcmp(n, "priority_date") == 0) ep->pd = c;
            if (strcmp(n, "priority") == 0) ep->prio = c;
            if (strcmp(n, "status") == 0) ep->st = c;
        }
    assert(ep->cs >= 0 && ep->pd >= 0 && ep->prio >= 0 && ep->st >= 0);
    app_page_item(&ep->pg, row);
    int64_t cs = 0, pd = 0;
    if (store_col_kind(row, ep->cs) == STORE_TEXT)
        tz_parse_date(store_col_text(row, ep->cs), &cs, NULL);
    int dated = store_col_kind(row, ep->pd) == STORE_TEXT &&
                !tz_parse_date(store_col_text(row, ep->pd), &pd, NULL);
    int prio = store_col_kind(row, ep->prio) == STORE_INT ? (int)store_col_int(row, ep->prio) : 0;
    app_page_int(&ep->pg, "weeks_waited", waitlist_weeks_waited(cs, ep->as_of));
    int64_t due = waitlist_due_day(prio, pd);
    if (due == INT64_MAX) {
        app_page_null(&ep->pg, "due_date");
    } else {
        char d[11];
        tz_format_date(due, d, sizeof d);
        app_page_str(&ep->pg, "due_date", d);
    }
    const char *st = store_col_kind(row, ep->st) == STORE_TEXT ? store_col_text(row, ep->st) : NULL;
    int64_t late = days_overdue(prio, st, dated, pd, ep->as_of);
    app_page_bool(&ep->pg, "overdue", late > 0);
    if (late > 0)
        app_page_int(&ep->pg, "days_overdue", late);
    else
        app_page_null(&ep->pg, "days_overdue");
    app_page_item_end(&ep->pg);
    return 0;
}

/* The page (app_read_audited's read) and what the record of its read
 * keeps: the filters and the ids the page held. */
static int entry_read(app_ctx *c, void *arg, json_t **detail, ics_err *e)
{
    entry_pager *ep = arg;
    const store_waitlist_filter *g = ep->f;
    int rc =
        store_waitlist_entries_each(c->db, g, ep->limit, ep->offset, &ep->total, entry_row, ep, e);
    if (rc) return rc;
    char *ids = app_page_ids_text(&ep->pg);
    if (!ids) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    *detail = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:s}", "trust", g->trust,
                        "tfc", g->tfc, "priority", g->priority, "place", g->place, "status",
                        g->status, "offset", (json_int_t)ep->offset, "rows", (json_int_t)ep->pg.n,
                        "after", (json_int_t)g->after, "ids", ids);
    free(ids);
    return *detail ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory");
}

int app_waitlist_entry_page(app_ctx *c, const store_waitlist_filter *f, int64_t as_of,
                            int64_t limit, int64_t offset, const char *next_base, char **text,
                            size_t *len, ics_err *e)
{
    *text = NULL;
    *len = 0;
    int rc = app_allow(c, &APP_WAITLIST_ENTRY_READ, e);
    if (rc) return rc;
    store_waitlist_filter g = *f;
    if ((rc = trust_scope(c, &APP_WAITLIST_ENTRY_READ, &g.trust, e))) return rc;
    /* one ICS's joint list: its trusts' entries (?ics=, default home) */
    char ics[STORE_ICS_CODE];
    if ((rc = app_ics_one(c, ics, e))) return rc;
    g.ics = ics;
    const char *st = g.status;
    if (st && strcmp(st, "waiting") && strcmp(st, "booked") && strcmp(st, "treated") &&
        strcmp(st, "removed"))
        return ics_err_set(e, ICS_EINVAL, "status must be waiting, booked, treated or removed");
    /* the rows carry NHS numbers: read in a snapshot, then one record of
     * the page before it is sent */
    entry_pager ep = {.as_of = as_of,
                      .cs = -1,
                      .pd = -1,
                      .prio = -1,
                      .st = -1,
                      .f = &g,
                      .limit = limit,
                      .offset = offset};
    app_page_init(&ep.pg, entry_cols, limit);
    rc = app_read_audited(c, "read.waitlist_entries", "waitlist_entries", NULL, entry_read, &ep, e);
    if (rc) {
        app_page_free(&ep.pg);
        return rc;
    }
    app_page_items_end(&ep.pg);
    app_page_int(&ep.pg, "total", ep.total);
    app_page_int(&ep.pg, "limit", limit);
    app_page_int(&ep.pg, "offset", offset);
    char d[11];
    tz_format_date(as_of, d, sizeof d);
    app_page_str(&ep.pg, "as_of", d);
    app_page_next(&ep.pg, limit, next_base);
    *text = app_page_finish(&ep.pg, len, e);
    return *text ? 0 : ICS_ENOMEM;
}

int app_waitlist_entry_list(app_ctx *c, const store_waitlist_filter *f, int64_t as_of,
                            int64_t limit, int64_t offset, json_t **out, ics_err *e)
{
    char *text;
    size_t n;
    *out = NULL;
    int rc = app_waitlist_entry_page(c, f, as_of, limit, offset, NULL, &text, &n, e);
    if (rc) return rc;
    *out = json_loadb(text, n, 0, NULL);
    free(text);
    return *out ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory reading a page");
}

int app_waitlist_entry_get(app_ctx *c, int64_t id, int64_t as_of, json_t **out, ics_err *e)
{
    const char *trust = NULL;
    int rc = app_allow(c, &APP_WAITLIST_ENTRY_READ, e);
    if (!rc) rc = trust_scope(c, &APP_WAITLIST_ENTRY_READ, &trust, e);
    if (!rc) rc = store_waitlist_entry_get(c->db, id, out, e);
    if (rc) return rc;
    /* an entry is its trust's primary ICS's */
    char ics[STORE_ICS_CODE] = "";
    app_ics_set vis;
    rc = store_ics_org_primary(c->db, json_string_value(json_object_get(*out, "trust")), ics, e);
    if (!rc) rc = app_ics_visible(c, &vis, e);
    if (rc) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    if (!app_ics_set_has(&vis, ics[0] ? ics : APP_ICS_DEFAULT)) trust = "";
    if (trust && strcmp(trust, json_string_value(json_object_get(*out, "trust")))) {
        json_decref(*out);
        *out = NULL;
        /* 404, worded as for a missing entry: its existence is not theirs to know */
        return ics_err_set(e, ICS_ENOTFOUND, "no waiting-list entry %lld", (long long)id);
    }
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    if ((rc = app_audit_read(c, "read.waitlist_entry", "waitlist_entries", ids, NULL, e))) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    add_waits(*out, as_of);
    return 0;
}

int app_waitlist_session_list(app_ctx *c, int64_t from, int64_t limit, int64_t offset,
                              int64_t after, const char *next_base, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_WAITLIST_SESSION_READ, e);
    if (rc || (rc = store_waitlist_sessions(c->db, from, limit, offset, after, out, e))) return rc;
    app_page_next_json(*out, "id", limit, next_base);
    return 0;
}

/* A run as the API shows it: created_at as ISO 8601 UTC. */
static int run_get(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    int rc = store_waitlist_run_get(c->db, id, out, e);
    if (rc) return rc;
    /* a run of an ICS the caller may not see is not found */
    app_ics_set vis;
    if ((rc = app_ics_visible(c, &vis, e)) ||
        !app_ics_set_has(&vis, json_string_value(json_object_get(*out, "ics")))) {
        json_decref(*out);
        *out = NULL;
        return rc ? rc : ics_err_set(e, ICS_ENOTFOUND, "no allocation run %lld", (long long)id);
    }
    app_json_utc(*out, "created_at");
    return 0;
}

int app_waitlist_run_list(app_ctx *c, int64_t limit, int64_t offset, json_t **rows, ics_err *e)
{
    int rc = app_allow(c, &APP_WAITLIST_RUN_READ, e);
    char ics[STORE_ICS_CODE];
    if (!rc) rc = app_ics_one(c, ics, e);
    if (!rc) rc = store_waitlist_run_list(c->db, ics, limit, offset, rows, e);
    if (!rc) app_json_utc(*rows, "created_at");
    return rc;
}

static int run_overdue(app_ctx *c, json_t *run, ics_err *e);

int app_waitlist_run_get(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_WAITLIST_RUN_READ, e);
    if (!rc) rc = run_get(c, id, out, e);
    if (!rc && (rc = run_overdue(c, *out, e))) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

static int parse_long(const char *s, long lo, long hi, long *out);

/* ---- the booking list ------------------------------------------------------ */

void app_waitlist_overdue_set(json_t *row, int64_t day)
{
    int prio = (int)json_integer_value(json_object_get(row, "priority"));
    int64_t pd = 0;
    const char *st = json_string_value(json_object_get(row, "status"));
    int dated = !tz_parse_date(json_string_value(json_object_get(row, "priority_date")), &pd, NULL);
    int64_t late = days_overdue(prio, st, dated, pd, day);
    json_object_set_new(row, "overdue", json_boolean(late > 0));
    json_object_set_new(row, "days_overdue", late > 0 ? json_integer(late) : json_null());
}

/* Cut-off priority dates for "overdue at day": priority_date < cut. */
static void overdue_cuts(int64_t day, char p1[11], char p2[11])
{
    tz_format_date(day - waitlist_priority_days(1), p1, 11);
    tz_format_date(day - waitlist_priority_days(2), p2, 11);
}

/* How many of a run's patients were overdue P1/P2 at its as-of day, and
 * how many of those it booked (the run summary's "overdue"). */
static int run_overdue(app_ctx *c, json_t *run, ics_err *e)
{
    int64_t day = 0, n[3], b[3];
    tz_parse_date(json_string_value(json_object_get(run, "as_of")), &day, NULL);
    char p1[11], p2[11];
    overdue_cuts(day, p1, p2);
    int rc = store_waitlist_run_overdue(c->db, json_integer_value(json_object_get(run, "id")), p1,
                                        p2, n, b, e);
    if (rc) return rc;
    json_object_set_new(run, "overdue",
                        json_pack("{sIsIsIsIss}", "p1", (json_int_t)n[1], "p1_booked",
                                  (json_int_t)b[1], "p2", (json_int_t)n[2], "p2_booked",
                                  (json_int_t)b[2], "rule",
                                  "a P1 or P2 patient still waiting after the priority date + 3 "
                                  "days (P1) or + 28 days (P2) on the run's as-of day"));
    return 0;
}

const char *const APP_WAITLIST_BOOKING_COLUMNS[] = {
    "entry_id",    "trust",     "pathway_id",    "nhs_number",      "tfc",
    "procedure",   "priority",  "priority_date", "clock_start",     "place_code",
    "booked",      "site_code", "site_name",     "session_date",    "km",
    "weeks",       "due_date",  "overdue",       "days_overdue",    "late",
    "cost_travel", "cost_away", "cost_late",     "cost_unassigned", "synthetic",
    NULL};

static int bool_word(const char *v, const char *name, int *out, problems *pb)
{
    *out = -1;
    if (!v) return 0;
    if (!strcmp(v, "true"))
        *out = 1;
    else if (!strcmp(v, "false"))
        *out = 0;
    else
        problems_add(pb, "%s must be true or false", name);
    return 0;
}

/* A code of letters and digits of at most max characters (so it can be
 * quoted back in a message: no other bytes reach the words). */
static int plain_code(const char *v, size_t max)
{
    size_t n = strlen(v);
    if (n == 0 || n > max) return 0;
    for (const char *p = v; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

/* Role, the run (one of an ICS the caller sees), every filter checked;
 * *runrow the run, *day its as-of day, *f the store's filter (cut-off
 * strings in cuts). */
static int booking_prepare(app_ctx *c, int64_t run, const app_waitlist_booking_query *q,
                           store_waitlist_booking_filter *f, char cuts[2][11], json_t **runrow,
                           int64_t *day, ics_err *e)
{
    *runrow = NULL;
    int rc = app_allow(c, &APP_WAITLIST_RESULT_READ, e);
    if (!rc) rc = run_get(c, run, runrow, e);
    if (rc) return rc;
    memset(f, 0, sizeof *f);
    f->run = run;
    f->after = q->after;
    problems pb;
    problems_init(&pb);
    if (q->tfc && *q->tfc) {
        long v;
        if (strlen(q->tfc) != 3 || parse_long(q->tfc, 100, 999, &v))
            problems_add(&pb,
                         "tfc (specialty) must be a 3-digit treatment function code such as 110");
        else
            f->tfc = q->tfc;
    }
    bool_word(q->booked, "booked", &f->booked, &pb);
    bool_word(q->overdue, "overdue", &f->overdue, &pb);
    if (q->hub && *q->hub) {
        char name[200];
        int yes = 0;
        if (!plain_code(q->hub, 16)) {
            problems_add(&pb, "hub must be a site code of letters and digits such as RYJ01");
        } else if ((rc = store_waitlist_site_name(c->db, q->hub, name, sizeof name, &yes, e))) {
            problems_done(&pb, NULL);
            json_decref(*runrow);
            *runrow = NULL;
            return rc;
        } else if (!yes) {
            problems_add(&pb, "hub: unknown site code '%s'", q->hub);
        } else {
            f->site = q->hub;
        }
    }
    const char *trust = q->trust;
    if (trust && *trust && !plain_code(trust, 8)) {
        problems_add(&pb, "trust must be an ODS code of letters and digits such as RYJ");
        trust = NULL;
    }
    ics_err te = {0};
    rc = trust_scope(c, &APP_WAITLIST_RESULT_READ, &trust, &te);
    if (rc == ICS_EINVAL) {
        problems_add(&pb, "%s", te.msg);
        rc = 0;
    }
    if (rc) {
        problems_done(&pb, NULL);
        *e = te;
    } else {
        f->trust = trust;
        rc = problems_done(&pb, e);
    }
    if (rc) {
        json_decref(*runrow);
        *runrow = NULL;
        return rc;
    }
    *day = 0;
    tz_parse_date(json_string_value(json_object_get(*runrow, "as_of")), day, NULL);
    overdue_cuts(*day, cuts[0], cuts[1]);
    f->cut_p1 = cuts[0];
    f->cut_p2 = cuts[1];
    return 0;
}

/* One page of the list, each row given its derived fields. */
static int booking_page(app_ctx *c, const store_waitlist_booking_filter *f, int64_t day,
                        int64_t limit, int64_t offset, json_t **out, ics_err *e)
{
    int rc = store_waitlist_results(c->db, f, limit, offset, out, e);
    if (rc) return rc;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(*out, "items"), i, v)
    {
        int64_t pd = 0;
        tz_parse_date(json_string_value(json_object_get(v, "priority_date")), &pd, NULL);
        int64_t due = waitlist_due_day((int)json_integer_value(json_object_get(v, "priority")), pd);
        char d[11];
        if (due != INT64_MAX) tz_format_date(due, d, sizeof d);
        json_object_set_new(v, "booked",
                            json_boolean(json_is_string(json_object_get(v, "site_code"))));
        json_object_set_new(v, "due_date", due == INT64_MAX ? json_null() : json_string(d));
        app_waitlist_overdue_set(v, day);
        json_object_set_new(v, "late",
                            json_boolean(json_integer_value(json_object_get(v, "late"))));
        json_object_set_new(v, "synthetic",
                            json_boolean(json_integer_value(json_object_get(v, "synthetic"))));
        json_t *km = json_object_get(v, "km");
        if (json_is_number(km))
            json_object_set_new(v, "km", json_real(round(json_number_value(km) * 10) / 10));
    }
    return 0;
}

/* What the record of a read of the booking list keeps: its filters, the
 * format and how many rows it held. */
static json_t *booking_detail(const store_waitlist_booking_filter *f, const char *format,
                              int64_t rows)
{
    return json_pack("{s:s?, s:s?, s:s?, s:i, s:i, s:s, s:I}", "trust", f->trust, "hub", f->site,
                     "tfc", f->tfc, "booked", f->booked, "overdue", f->overdue, "format", format,
                     "rows", (json_int_t)rows);
}

/* One read of the booking list, as app_read_audited runs it: a JSON page
 * (csv NULL) into page, or CSV rows (limit 0: every row) onto csv. */
typedef struct booking_read {
    store_waitlist_booking_filter f;
    int64_t day, limit, offset, rows;
    json_t *page;
    sb *csv;
} booking_read;

static int booking_json_read(app_ctx *c, void *arg, json_t **detail, ics_err *e)
{
    booking_read *br = arg;
    int rc = booking_page(c, &br->f, br->day, br->limit, br->offset, &br->page, e);
    if (rc) return rc;
    br->rows = (int64_t)json_array_size(json_object_get(br->page, "items"));
    *detail = booking_detail(&br->f, "json", br->rows);
    return *detail ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory");
}

int app_waitlist_results(app_ctx *c, int64_t run, const app_waitlist_booking_query *q,
                         int64_t limit, int64_t offset, const char *next_base, json_t **out,
                         ics_err *e)
{
    *out = NULL;
    char cuts[2][11];
    json_t *runrow;
    booking_read br = {.limit = limit, .offset = offset};
    int rc = booking_prepare(c, run, q, &br.f, cuts, &runrow, &br.day, e);
    if (rc) return rc;
    /* patients' rows: read in a snapshot, then one record of the read
     * before it is sent */
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)run);
    rc = app_read_audited(c, "read.waitlist_results", "waitlist_run", ids, booking_json_read, &br,
                          e);
    if (rc) {
        json_decref(br.page);
        json_decref(runrow);
        return rc;
    }
    /* the next page's cursor (an entry id) and its URL, as the other lists */
    app_page_next_json(br.page, "entry_id", limit, next_base);
    json_object_set_new(br.page, "run", json_integer(run));
    json_object_set(br.page, "as_of", json_object_get(runrow, "as_of"));
    json_object_set(br.page, "synthetic", json_object_get(runrow, "synthetic"));
    json_decref(runrow);
    *out = br.page;
    return 0;
}

/* One CSV cell of a row's value: text as it is (csv_cell defuses a cell a
 * spreadsheet would run as a formula), numbers plainly, km to 0.1, true/false, an empty cell for
 * null. */
static void csv_value(sb *b, const json_t *v, int first)
{
    char num[48] = "";
    const char *s = num;
    if (json_is_string(v)) {
        s = json_string_value(v);
    } else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        snprintf(num, sizeof num, "%.1f", json_real_value(v));
    } else if (json_is_boolean(v)) {
        s = json_is_true(v) ? "true" : "false";
    }
    csv_cell(b, s, first);
}

/* CSV rows in pages of 1000 by keyset, so a long list is never held
 * whole as JSON (app_read_audited's read). */
static int booking_csv_read(app_ctx *c, void *arg, json_t **detail, ics_err *e)
{
    booking_read *br = arg;
    int rc = 0;
    for (;;) {
        int64_t want = br->limit ? br->limit - br->rows : 1000;
        if (want <= 0) break;
        if (want > 1000) want = 1000;
        json_t *page = NULL;
        rc = booking_page(c, &br->f, br->day, want, br->f.after ? 0 : br->offset, &page, e);
        if (rc) break;
        json_t *items = json_object_get(page, "items"), *v;
        size_t i, n = json_array_size(items);
        json_array_foreach(items, i, v)
        {
            for (int k = 0; APP_WAITLIST_BOOKING_COLUMNS[k]; k++)
                csv_value(br->csv, json_object_get(v, APP_WAITLIST_BOOKING_COLUMNS[k]), k == 0);
            sb_puts(br->csv, "\r\n");
        }
        br->rows += (int64_t)n;
        if (n)
            br->f.after =
                json_integer_value(json_object_get(json_array_get(items, n - 1), "entry_id"));
        json_decref(page);
        if ((int64_t)n < want) break;
    }
    if (rc) return rc;
    *detail = booking_detail(&br->f, "csv", br->rows);
    return *detail ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory");
}

int app_waitlist_results_csv(app_ctx *c, int64_t run, const app_waitlist_booking_query *q,
                             int64_t limit, int64_t offset, sb *out, int64_t *rows, ics_err *e)
{
    *rows = 0;
    char cuts[2][11];
    json_t *runrow;
    booking_read br = {.limit = limit, .offset = offset, .csv = out};
    int rc = booking_prepare(c, run, q, &br.f, cuts, &runrow, &br.day, e);
    if (rc) return rc;
    json_decref(runrow);
    for (int k = 0; APP_WAITLIST_BOOKING_COLUMNS[k]; k++)
        csv_cell(out, APP_WAITLIST_BOOKING_COLUMNS[k], k == 0);
    sb_puts(out, "\r\n");
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)run);
    rc =
        app_read_audited(c, "read.waitlist_results", "waitlist_run", ids, booking_csv_read, &br, e);
    /* on failure the caller sends none of out */
    *rows = rc ? 0 : br.rows;
    return rc;
}

/* ---- import -------------------------------------------------------------------- */

static const char *const ptl_required[] = {"pathway_id",    "nhs_number",  "postcode",
                                           "trust",         "tfc",         "priority",
                                           "priority_date", "clock_start", NULL};
static const char *const ptl_optional[] = {"procedure",     "pause_days",   "clock_stop", "status",
                                           "max_travel_km", "imd_quintile", "synthetic",  NULL};
static const char *const sess_required[] = {"site_code", "tfc", "date", "slots", NULL};
static const char *const sess_optional[] = {"synthetic", NULL};

typedef struct district_ref {
    char district[8];
    char place[12];
} district_ref;

typedef struct refs {
    district_ref *d;
    size_t nd;
    waitlist_place *pl;
    size_t np;
    json_t *orgs;  /* object: ods code -> 1 */
    json_t *sites; /* object: site code -> 1 */
} refs;

static void refs_free(refs *r)
{
    free(r->d);
    free(r->pl);
    json_decref(r->orgs);
    json_decref(r->sites);
}

static int refs_load(store *s, refs *r, ics_err *e)
{
    memset(r, 0, sizeof *r);
    waitlist_district *d = NULL;
    waitlist_site *st = NULL;
    size_t nst = 0;
    int rc = store_waitlist_refdata(s, &d, &r->nd, &r->pl, &r->np, &st, &nst, 0, e);
    if (rc) return rc;
    r->d = calloc(r->nd + 1, sizeof *r->d);
    r->sites = json_object();
    for (size_t i = 0; r->d && i < r->nd; i++) {
        memcpy(r->d[i].district, d[i].district, sizeof r->d[i].district);
        memcpy(r->d[i].place, d[i].place, sizeof r->d[i].place);
    }
    for (size_t i = 0; i < nst; i++) json_object_set_new(r->sites, st[i].code, json_true());
    free(d);
    free(st);
    rc = store_waitlist_org_codes(s, &r->orgs, e);
    if (rc) return rc;
    return r->d ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory");
}

static const district_ref *district_find(const refs *r, const char *district)
{
    for (size_t i = 0; i < r->nd; i++)
        if (!strcmp(r->d[i].district, district)) return &r->d[i];
    return NULL;
}

/* Deprivation quintile drawn from the borough's LSOA mix, seeded by the NHS
 * number so a re-import gives the same quintile. */
static int draw_quintile(const refs *r, const char *place, const char *nhs)
{
    for (size_t k = 0; k < r->np; k++) {
        if (strcmp(r->pl[k].code, place)) continue;
        uint64_t h = 1469598103934665603ull;
        for (const char *c = nhs; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
        rng g;
        rng_seed(&g, h, 7);
        int tot = 0;
        for (int q = 0; q < 5; q++) tot += r->pl[k].lsoa_q[q];
        if (tot <= 0) return 0;
        int x = (int)rng_below(&g, (uint64_t)tot);
        for (int q = 0; q < 5; q++) {
            if (x < r->pl[k].lsoa_q[q]) return q + 1;
            x -= r->pl[k].lsoa_q[q];
        }
    }
    return 0;
}

typedef struct rowerr {
    json_t *list;
    size_t count;
    const char *file;
} rowerr;

static void bad(rowerr *re, size_t line, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void bad(rowerr *re, size_t line, const char *col, const char *fmt, ...)
{
    re->count++;
    if (json_array_size(re->list) >= 1000) return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(re->list, json_pack("{sssIssss}", "file", re->file, "line",
                                              (json_int_t)line, "column", col, "reason", msg));
}

/* Header check: required present, nothing unknown. */
static int header_check(const csv_doc *doc, const char *const *req, const char *const *opt,
                        rowerr *re)
{
    int ok = 1;
    for (const char *const *c = req; *c; c++)
        if (csv_col(doc, *c) < 0) {
            bad(re, 1, *c, "required column '%s' is missing", *c);
            ok = 0;
        }
    for (size_t j = 0; j < doc->ncols; j++) {
        int known = 0;
        for (const char *const *c = req; *c && !known; c++) known = !strcmp(*c, doc->header[j]);
        for (const char *const *c = opt; *c && !known; c++) known = !strcmp(*c, doc->header[j]);
        if (!known) {
            bad(re, 1, doc->header[j], "unknown column '%s'", doc->header[j]);
            ok = 0;
        }
    }
    return ok;
}

static const char *cell(const csv_doc *doc, size_t r, const char *name)
{
    int c = csv_col(doc, name);
    return c < 0 ? "" : doc->rows[r][c];
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!*s) return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

static int check_ptl_row(const csv_doc *doc, size_t r, const refs *rf, int64_t today, rowerr *re,
                         store_waitlist_row *o)
{
    size_t line = doc->line[r];
    size_t before = re->count;
    ics_err e = {0};
    memset(o, 0, sizeof *o);
    o->pathway = cell(doc, r, "pathway_id");
    if (!*o->pathway || strlen(o->pathway) > 32)
        bad(re, line, "pathway_id", "must be 1-32 characters");
    if (valid_nhs_number(cell(doc, r, "nhs_number"), o->nhs, &e))
        bad(re, line, "nhs_number", "%s", e.msg);
    if (valid_postcode(cell(doc, r, "postcode"), o->postcode, &e)) {
        bad(re, line, "postcode", "%s", e.msg);
    } else {
        valid_postcode_outward(o->postcode, o->district);
        const district_ref *d = district_find(rf, o->district);
        if (d) snprintf(o->place, sizeof o->place, "%s", d->place);
    }
    const char *t = cell(doc, r, "trust");
    if (valid_ods_code(t, &e) || strlen(t) != 3)
        bad(re, line, "trust", "'%s' is not a 3-character ODS trust code", t);
    else if (!json_object_get(rf->orgs, t))
        bad(re, line, "trust", "'%s' is not an organisation in the directory", t);
    else
        snprintf(o->trust, sizeof o->trust, "%s", t);
    if (parse_long(cell(doc, r, "tfc"), 100, 999, &o->tfc))
        bad(re, line, "tfc", "'%s' is not a 3-digit treatment function code", cell(doc, r, "tfc"));
    const char *p = cell(doc, r, "priority");
    if ((p[0] == 'P' || p[0] == 'p') && p[1]) p++;
    if (parse_long(p, 1, 4, &o->priority))
        bad(re, line, "priority", "'%s' is not a clinical priority P1-P4",
            cell(doc, r, "priority"));
    int64_t cs = 0, ps = 0, stop = 0;
    if (tz_parse_date(cell(doc, r, "clock_start"), &cs, &e))
        bad(re, line, "clock_start", "%s", e.msg);
    else if (cs > today)
        bad(re, line, "clock_start", "%s is in the future", cell(doc, r, "clock_start"));
    else
        tz_format_date(cs, o->date_cs, sizeof o->date_cs);
    if (tz_parse_date(cell(doc, r, "priority_date"), &ps, &e))
        bad(re, line, "priority_date", "%s", e.msg);
    else if (ps < cs)
        bad(re, line, "priority_date", "%s is before the clock start",
            cell(doc, r, "priority_date"));
    else
        tz_format_date(ps, o->date_ps, sizeof o->date_ps);
    const char *st = cell(doc, r, "status");
    snprintf(o->status, sizeof o->status, "%s", *st ? st : "waiting");
    if (strcmp(o->status, "waiting") && strcmp(o->status, "booked") &&
        strcmp(o->status, "treated") && strcmp(o->status, "removed"))
        bad(re, line, "status", "'%s' is not waiting, booked, treated or removed", st);
    const char *sp = cell(doc, r, "clock_stop");
    if (*sp) {
        if (tz_parse_date(sp, &stop, &e))
            bad(re, line, "clock_stop", "%s", e.msg);
        else if (stop < cs)
            bad(re, line, "clock_stop", "%s is before the clock start", sp);
        else if (!strcmp(o->status, "waiting") || !strcmp(o->status, "booked"))
            bad(re, line, "clock_stop", "a stopped clock cannot be on the waiting list (status %s)",
                o->status);
        else {
            tz_format_date(stop, o->date_stop, sizeof o->date_stop);
            o->has_stop = 1;
        }
    }
    const char *pd = cell(doc, r, "pause_days");
    if (*pd && parse_long(pd, 0, 100000, &o->pause))
        bad(re, line, "pause_days", "'%s' is not a whole number of days >= 0", pd);
    const char *km = cell(doc, r, "max_travel_km");
    if (*km) {
        char *end;
        o->km = strtod(km, &end);
        if (*end || !(o->km > 0 && o->km <= 1000))
            bad(re, line, "max_travel_km", "'%s' is not a distance in km (0-1000]", km);
        o->has_km = 1;
    }
    const char *q = cell(doc, r, "imd_quintile");
    if (*q && parse_long(q, 1, 5, &o->imd))
        bad(re, line, "imd_quintile", "'%s' is not a quintile 1-5", q);
    const char *sy = cell(doc, r, "synthetic");
    if (*sy && parse_long(sy, 0, 1, &o->synthetic))
        bad(re, line, "synthetic", "'%s' is not 0 or 1", sy);
    o->procedure = cell(doc, r, "procedure");
    if (strlen(o->procedure) > 200) bad(re, line, "procedure", "longer than 200 characters");
    return re->count == before;
}

/* The end of a file's check: the rows to write, or every problem found
 * and nothing (the rows are freed). */
static int rejected(const rowerr *re, void *rows, ics_err *e)
{
    if (!re->count) return 0;
    free(rows);
    return ics_err_set(e, ICS_EINVAL, "%s: %zu problem(s); nothing was imported", re->file,
                       re->count);
}

static int check_ptl(const csv_doc *doc, const char *source, const refs *rf, int64_t today,
                     rowerr *re, store_waitlist_row **out, ics_err *e)
{
    store_waitlist_row *v = calloc(doc->nrows + 1, sizeof *v);
    if (!v) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    json_t *seen = json_object();
    for (size_t r = 0; r < doc->nrows; r++) {
        if (!check_ptl_row(doc, r, rf, today, re, &v[r])) continue;
        v[r].source = source;
        char key[64];
        snprintf(key, sizeof key, "%s/%s", v[r].trust, v[r].pathway);
        json_t *prev = json_object_get(seen, key);
        if (prev)
            bad(re, doc->line[r], "pathway_id", "pathway %s of %s already appears on line %lld",
                v[r].pathway, v[r].trust, (long long)json_integer_value(prev));
        else
            json_object_set_new(seen, key, json_integer((json_int_t)doc->line[r]));
        /* deprivation from the borough's mix when the extract gives none */
        if (!v[r].imd && v[r].place[0]) v[r].imd = draw_quintile(rf, v[r].place, v[r].nhs);
    }
    json_decref(seen);
    int rc = rejected(re, v, e);
    if (!rc) *out = v;
    return rc;
}

static int check_sessions(const csv_doc *doc, const refs *rf, rowerr *re,
                          store_waitlist_session_row **out, ics_err *e)
{
    store_waitlist_session_row *v = calloc(doc->nrows + 1, sizeof *v);
    if (!v) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    json_t *seen = json_object();
    for (size_t r = 0; r < doc->nrows; r++) {
        size_t line = doc->line[r];
        const char *site = cell(doc, r, "site_code");
        long tfc = 0, slots = 0, syn = 0;
        int64_t day = 0;
        ics_err pe = {0};
        int ok = 1;
        if (!json_object_get(rf->sites, site)) {
            bad(re, line, "site_code", "'%s' is not a site in the directory", site);
            ok = 0;
        }
        if (parse_long(cell(doc, r, "tfc"), 100, 999, &tfc)) {
            bad(re, line, "tfc", "'%s' is not a 3-digit treatment function code",
                cell(doc, r, "tfc"));
            ok = 0;
        }
        if (tz_parse_date(cell(doc, r, "date"), &day, &pe)) {
            bad(re, line, "date", "%s", pe.msg);
            ok = 0;
        }
        if (parse_long(cell(doc, r, "slots"), 0, 1000, &slots)) {
            bad(re, line, "slots", "'%s' is not a whole number of slots 0-1000",
                cell(doc, r, "slots"));
            ok = 0;
        }
        const char *sy = cell(doc, r, "synthetic");
        if (*sy && parse_long(sy, 0, 1, &syn)) {
            bad(re, line, "synthetic", "'%s' is not 0 or 1", sy);
            ok = 0;
        }
        if (!ok) continue;
        char key[64];
        snprintf(key, sizeof key, "%s/%ld/%s", site, tfc, cell(doc, r, "date"));
        if (json_object_get(seen, key))
            bad(re, line, "date", "site %s already has a %ld session list on %s", site, tfc,
                cell(doc, r, "date"));
        json_object_set_new(seen, key, json_true());
        snprintf(v[r].site, sizeof v[r].site, "%s", site);
        tz_format_date(day, v[r].date, sizeof v[r].date);
        v[r].tfc = (int)tfc;
        v[r].slots = (int)slots;
        v[r].synthetic = (int)syn;
    }
    json_decref(seen);
    int rc = rejected(re, v, e);
    if (!rc) *out = v;
    return rc;
}

/* The organisations a file touches, for its event: trusts of PTL rows or
 * sites of session rows (distinct, at most 16). */
static void touched(json_t *set, const char *code)
{
    if (json_object_size(set) < 16 && code && *code) json_object_set_new(set, code, json_true());
}

/* One file inside the caller's transaction: check, write, record. */
static int import_one(app_ctx *c, const csv_doc *doc, const char *source, const refs *rf,
                      rowerr *re, json_t **summary, ics_err *e)
{
    int ptl = csv_col(doc, "pathway_id") >= 0;
    int sess = !ptl && csv_col(doc, "slots") >= 0;
    if (!ptl && !sess) {
        bad(re, 1, "",
            "the header is neither a PTL extract (pathway_id, nhs_number, ...) nor a "
            "session list (site_code, tfc, date, slots)");
        return ics_err_set(e, ICS_EINVAL, "%s: unrecognised file", re->file);
    }
    if (!header_check(doc, ptl ? ptl_required : sess_required, ptl ? ptl_optional : sess_optional,
                      re))
        return ics_err_set(e, ICS_EINVAL, "%s: bad header; nothing was imported", re->file);
    store_waitlist_row *pv = NULL;
    store_waitlist_session_row *sv = NULL;
    int rc = ptl ? check_ptl(doc, source, rf, tz_local_date(c->now), re, &pv, e)
                 : check_sessions(doc, rf, re, &sv, e);
    if (rc) return rc;
    int64_t before = store_waitlist_count(c->db, sess, e);
    rc = before < 0 ? (int)before
         : ptl      ? store_waitlist_entries_put(c->db, pv, doc->nrows, c->now, e)
                    : store_waitlist_sessions_put(c->db, sv, doc->nrows, e);
    if (rc) ics_err_prefix(e, "%s: ", re->file);
    int64_t after = rc ? 0 : store_waitlist_count(c->db, sess, e);
    if (!rc && after < 0) rc = (int)after;
    json_t *orgs = json_object();
    for (size_t r = 0; r < doc->nrows; r++) touched(orgs, ptl ? pv[r].trust : sv[r].site);
    free(pv);
    free(sv);
    if (rc) {
        json_decref(orgs);
        return rc;
    }
    size_t rows = doc->nrows;
    *summary = json_pack("{sssssIsIsI}", "file", re->file, "kind", ptl ? "ptl" : "sessions", "rows",
                         (json_int_t)rows, "inserted", (json_int_t)(after - before), "updated",
                         (json_int_t)((int64_t)rows - (after - before)));
    const char *list[17];
    size_t k = 0;
    const char *code;
    json_t *x;
    json_object_foreach(orgs, code, x) list[k++] = code;
    list[k] = NULL;
    rc = app_record(c, &APP_WAITLIST_IMPORT, "waitlist_import", re->file, NULL, *summary,
                    "waitlist.imported", list,
                    json_pack("{sssssI}", "file", re->file, "kind", ptl ? "ptl" : "sessions",
                              "rows", (json_int_t)rows),
                    e);
    json_decref(orgs);
    return rc;
}

int app_waitlist_import(app_ctx *c, csv_doc *const *docs, size_t ndocs, const char *source,
                        json_t **summaries, json_t **errors, ics_err *e)
{
    *summaries = NULL;
    *errors = json_array();
    int rc = app_allow(c, &APP_WAITLIST_IMPORT, e);
    if (rc) return rc;
    refs rf;
    rc = refs_load(c->db, &rf, e);
    if (!rc) rc = app_begin(c, e);
    if (rc) {
        refs_free(&rf);
        return rc;
    }
    json_t *all = json_array();
    for (size_t k = 0; k < ndocs && !rc; k++) {
        rowerr re = {*errors, 0, docs[k]->name ? docs[k]->name : "input"};
        json_t *sum = NULL;
        rc = import_one(c, docs[k], source ? source : re.file, &rf, &re, &sum, e);
        if (sum) json_array_append_new(all, sum);
    }
    refs_free(&rf);
    rc = app_end(c, rc, e);
    if (rc) {
        json_decref(all);
        return rc;
    }
    *summaries = all;
    return 0;
}

/* ---- allocation -------------------------------------------------------------- */

int app_waitlist_opts_parse(const json_t *j, int64_t now, app_waitlist_opts *o, ics_err *e)
{
    memset(o, 0, sizeof *o);
    waitlist_params_default(&o->prm);
    o->prm.today = tz_local_date(now);
    o->horizon_days = 56;
    if (!j) return 0;
    if (!json_is_object(j)) return ics_err_set(e, ICS_EINVAL, "run options must be an object");
    sb m;
    sb_init(&m);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v)
    {
        int64_t iv = json_is_integer(v) ? json_integer_value(v) : -1;
        int isint = json_is_integer(v);
        if (!strcmp(k, "as_of")) {
            ics_err pe = {0};
            if (!json_is_string(v) || tz_parse_date(json_string_value(v), &o->prm.today, &pe))
                sb_printf(&m, "; field 'as_of' must be a date YYYY-MM-DD");
        } else if (!strcmp(k, "horizon_days")) {
            if (!isint || iv < 1 || iv > 366)
                sb_printf(&m, "; field 'horizon_days' must be an integer 1-366");
            else
                o->horizon_days = (int)iv;
        } else if (!strcmp(k, "tfc")) {
            if (json_is_null(v)) continue;
            if (!isint || iv < 100 || iv > 999)
                sb_printf(&m, "; field 'tfc' must be a 3-digit treatment function code");
            else
                o->tfc = (int)iv;
        } else if (!strcmp(k, "travel_per_km") || !strcmp(k, "away_penalty") ||
                   !strcmp(k, "late_penalty") || !strcmp(k, "per_week")) {
            if (!isint || iv < 0 || iv > 100000000)
                sb_printf(&m, "; field '%s' must be an integer 0-100000000", k);
            else if (!strcmp(k, "travel_per_km"))
                o->prm.travel_per_km = iv;
            else if (!strcmp(k, "away_penalty"))
                o->prm.away_penalty = iv;
            else if (!strcmp(k, "late_penalty"))
                o->prm.late_penalty = iv;
            else
                o->prm.per_week = iv;
        } else if (!strcmp(k, "prio_base")) {
            if (!json_is_array(v) || json_array_size(v) != 4) {
                sb_printf(&m, "; field 'prio_base' must be an array of 4 integers (P1-P4)");
                continue;
            }
            for (int q = 0; q < 4; q++) {
                json_t *x = json_array_get(v, (size_t)q);
                if (!json_is_integer(x) || json_integer_value(x) < 0 ||
                    json_integer_value(x) > 1000000000) {
                    sb_printf(&m, "; field 'prio_base' must be an array of 4 integers (P1-P4)");
                    break;
                }
                o->prm.prio_base[q + 1] = json_integer_value(x);
            }
        } else if (!strcmp(k, "default_max_km")) {
            if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 1000)
                sb_printf(&m, "; field 'default_max_km' must be a number of km (0-1000]");
            else
                o->prm.default_max_km = json_number_value(v);
        } else if (!strcmp(k, "aggregate")) {
            if (!json_is_boolean(v))
                sb_printf(&m, "; field 'aggregate' must be a boolean");
            else
                o->prm.aggregate = json_is_true(v);
        } else if (!strcmp(k, "threads")) {
            if (!isint || iv < 1 || iv > 16)
                sb_printf(&m, "; field 'threads' must be an integer 1-16");
            else
                o->prm.threads = (int)iv;
        } else {
            sb_printf(&m, "; unknown field '%s'", k);
        }
    }
    int rc = 0;
    if (m.len) rc = ics_err_set(e, ICS_EINVAL, "%s", m.buf + 2);
    sb_free(&m);
    return rc;
}

json_t *app_waitlist_opts_json(const app_waitlist_opts *o)
{
    char d[11];
    tz_format_date(o->prm.today, d, sizeof d);
    const waitlist_params *p = &o->prm;
    return json_pack(
        "{sssisosIsIsIsIs[IIII]sfsbsi}", "as_of", d, "horizon_days", o->horizon_days, "tfc",
        o->tfc ? json_integer(o->tfc) : json_null(), "travel_per_km", (json_int_t)p->travel_per_km,
        "away_penalty", (json_int_t)p->away_penalty, "late_penalty", (json_int_t)p->late_penalty,
        "per_week", (json_int_t)p->per_week, "prio_base", (json_int_t)p->prio_base[1],
        (json_int_t)p->prio_base[2], (json_int_t)p->prio_base[3], (json_int_t)p->prio_base[4],
        "default_max_km", p->default_max_km, "aggregate", p->aggregate, "threads", p->threads);
}

/* SHA-256 over a canonical text of the options and every input row. */
static void fingerprint(const app_waitlist_opts *o, const store_waitlist_input *in, char hex[65])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    json_t *oj = app_waitlist_opts_json(o);
    json_object_del(oj, "threads"); /* does not change the result */
    json_object_del(oj, "aggregate");
    char *txt = json_dumps(oj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(oj);
    crypto_hash_sha256_update(&h, (const unsigned char *)"waitlist-run-v1\n", 16);
    if (txt) crypto_hash_sha256_update(&h, (const unsigned char *)txt, strlen(txt));
    free(txt);
    char line[256];
    for (size_t k = 0; k < in->nss; k++) {
        const waitlist_session *x = &in->ss[k];
        const waitlist_site *st = &in->sites[x->site];
        int n = snprintf(line, sizeof line, "\nS %s %s %.6f %.6f %d %lld %d", st->code, st->trust,
                         st->lat, st->lon, x->tfc, (long long)x->date, x->slots);
        crypto_hash_sha256_update(&h, (const unsigned char *)line, (size_t)n);
    }
    for (size_t i = 0; i < in->n; i++) {
        const waitlist_patient *x = &in->p[i];
        int n = snprintf(line, sizeof line, "\nE %lld %d %d %s %.6f %.6f %.3f %lld %lld",
                         (long long)in->ids[i], x->tfc, x->priority, x->trust, x->lat, x->lon,
                         x->max_km, (long long)x->clock_start, (long long)x->priority_date);
        crypto_hash_sha256_update(&h, (const unsigned char *)line, (size_t)n);
    }
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, out);
    sodium_bin2hex(hex, 65, out, sizeof out);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double app_waitlist_arcs(size_t n, size_t nsites)
{
    /* each patient links to each site in reach (P1/P2 twice: on time and
     * late), so patients x sites x 2 bounds the patient-level network */
    return (double)n * (double)nsites * 2.0;
}

int app_waitlist_allocate_check(app_ctx *c, const json_t *opts, app_waitlist_opts *o, ics_err *e)
{
    int rc = app_allow(c, &APP_WAITLIST_ALLOCATE, e);
    if (rc) return rc;
    if (opts && !json_is_object(opts))
        return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object of run options");
    return app_waitlist_opts_parse(opts, c->now, o, e);
}

static int limit_check(const store_waitlist_input *in, ics_err *e)
{
    /* sites that hold any session in the horizon */
    size_t used = 0;
    unsigned char *seen = calloc(in->nsites + 1, 1);
    if (!seen) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t k = 0; k < in->nss; k++)
        if (!seen[in->ss[k].site]) {
            seen[in->ss[k].site] = 1;
            used++;
        }
    free(seen);
    double arcs = app_waitlist_arcs(in->n, used);
    app_limits lim = app_limits_get();
    if (arcs <= lim.alloc_arcs) return 0;
    return ics_err_set(e, ICS_EINVAL,
                       "this allocation would build about %.3g arcs (%zu patients x %zu sites x "
                       "2; limit %.3g): allocate one specialty (tfc) or a shorter horizon; "
                       "larger runs need `icsflow waitlist allocate --max-arcs N` or a server "
                       "started with `icsflow serve --max-alloc-arcs N`",
                       arcs, in->n, used, lim.alloc_arcs);
}

/* Whether the run's horizon and default travel limit could change its
 * answer on this data: when the last session loaded falls before the
 * horizon's end, a longer horizon adds nothing; the default travel limit
 * applies only to patients whose PTL row gives no limit of its own. Said in
 * the run's answer so that two runs alike are explained. */
static json_t *limits_json(const app_waitlist_opts *o, const store_waitlist_input *in)
{
    int64_t last = 0;
    for (size_t k = 0; k < in->nss; k++)
        if (in->ss[k].date > last) last = in->ss[k].date;
    size_t own = 0;
    for (size_t i = 0; i < in->n; i++) own += in->p[i].max_km > 0;
    char end[11] = "", hz[11];
    if (in->nss) tz_format_date(last, end, sizeof end);
    tz_format_date(o->prm.today + o->horizon_days, hz, sizeof hz);
    char note[400];
    int short_sessions = in->nss && last < o->prm.today + o->horizon_days - 1;
    snprintf(
        note, sizeof note, "%s%s%s", short_sessions ? "the last theatre session held is on " : "",
        short_sessions ? end : "",
        short_sessions ? ", before the horizon ends, so a longer horizon adds no sessions; " : "");
    size_t k = strlen(note);
    snprintf(note + k, sizeof note - k, "%s",
             own == in->n && in->n
                 ? "every patient has a travel limit of their own in the PTL, so the default "
                   "travel limit applies to none"
                 : "the default travel limit applies to the patients without their own");
    return json_pack("{sssssbsIsIsfss}", "horizon_end", hz, "last_session", end, "horizon_binds",
                     !short_sessions, "patients", (json_int_t)in->n, "patients_with_own_max_km",
                     (json_int_t)own, "default_max_km", o->prm.default_max_km, "note", note);
}

int app_waitlist_allocate_exec(app_ctx *c, const app_waitlist_opts *o, const app_run_hook *hook,
                               json_t **run, ics_err *e)
{
    assert(c && o && run);
    *run = NULL;
    /* one ICS's sessions and patients (?ics=, default the home ICS) */
    char ics[STORE_ICS_CODE];
    int rc = app_ics_one(c, ics, e);
    if (rc) return rc;
    store_waitlist_input in;
    rc = store_waitlist_input_load(c->db, o->prm.today, o->prm.today + o->horizon_days, o->tfc, ics,
                                   &in, e);
    if (!rc) rc = limit_check(&in, e);
    if (rc) {
        store_waitlist_input_free(&in);
        return rc;
    }
    char fp[65];
    fingerprint(o, &in, fp);
    waitlist_result *r = NULL;
    double t0 = now_s();
    /* the engine runs outside the write transaction: other writers wait
     * only for the run to be stored */
    waitlist_params prm = o->prm; /* plus the job's cancel flag */
    prm.stop = hook ? hook->stop : NULL;
    rc = waitlist_allocate(in.sites, in.nsites, in.ss, in.nss, in.p, in.n, &prm,
                           hook ? hook->progress : NULL, hook ? hook->ctx : NULL, &r, e);
    double ms = (now_s() - t0) * 1000.0;
    if (!rc) rc = app_run_cancelled(hook, e);
    char asof[11];
    tz_format_date(o->prm.today, asof, sizeof asof);
    json_t *oj = app_waitlist_opts_json(o);
    char *params = json_dumps(oj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(oj);
    store_waitlist_run_row row = {c->who.name,          asof,         params, fp, c->now,
                                  (int64_t)llround(ms), in.synthetic, ics};
    int64_t id = 0;
    if (!rc) rc = app_begin(c, e);
    if (!rc) {
        rc = store_waitlist_run_insert(c->db, &row, &in, r, &id, e);
        if (!rc) rc = run_get(c, id, run, e);
        char ids[32];
        snprintf(ids, sizeof ids, "%lld", (long long)id);
        if (!rc)
            rc = app_record(c, &APP_WAITLIST_ALLOCATE, "waitlist_run", ids, NULL, *run,
                            "waitlist.allocated", NULL,
                            json_pack("{sIsssIsI}", "id", (json_int_t)id, "fingerprint", fp,
                                      "patients", (json_int_t)in.n, "assigned",
                                      (json_int_t)r->assigned),
                            e);
        rc = app_end(c, rc, e);
    }
    free(params);
    waitlist_result_free(r);
    if (!rc) json_object_set_new(*run, "limits", limits_json(o, &in));
    if (!rc) rc = run_overdue(c, *run, e);
    store_waitlist_input_free(&in);
    if (rc) {
        json_decref(*run);
        *run = NULL;
    }
    return rc;
}

int app_waitlist_allocate(app_ctx *c, const json_t *opts, const app_run_hook *hook, json_t **run,
                          ics_err *e)
{
    app_waitlist_opts o;
    int rc = app_waitlist_allocate_check(c, opts, &o, e);
    return rc ? rc : app_waitlist_allocate_exec(c, &o, hook, run, e);
}

/* ---- equity ------------------------------------------------------------------ */

static json_t *equity_rows(const waitlist_equity_row *r, size_t n, json_t *names)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *nm = json_string_value(json_object_get(names, r[i].group));
        json_array_append_new(
            a, json_pack("{sssssIsfsfsfsIsIsIsI}", "group", r[i].group, "name",
                         nm ? nm : r[i].group, "count", (json_int_t)r[i].count, "median_weeks",
                         round(r[i].median_weeks * 100) / 100, "p92_weeks",
                         round(r[i].p92_weeks * 100) / 100, "pct_under_18",
                         round(r[i].pct_under18 * 10) / 10, "over_18", (json_int_t)r[i].over18,
                         "over_52", (json_int_t)r[i].over52, "over_65", (json_int_t)r[i].over65,
                         "over_78", (json_int_t)r[i].over78));
    }
    return a;
}

int app_waitlist_over52(app_ctx *c, int64_t day, int64_t *n, ics_err *e)
{
    int rc = app_allow(c, &APP_WAITLIST_EQUITY, e);
    if (rc) return rc;
    /* waitlist_weeks_waited(start, day) >= 52 exactly when start <= day - 364 */
    char cut[16];
    tz_format_date(day - 52 * 7, cut, sizeof cut);
    return store_waitlist_waiting_since(c->db, cut, n, e);
}

int app_waitlist_equity(app_ctx *c, int64_t run, const char *by, int64_t as_of, json_t **out,
                        ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_WAITLIST_EQUITY, e);
    if (rc) return rc;
    if (!by) by = "trust";
    if (strcmp(by, "trust") && strcmp(by, "place") && strcmp(by, "imd"))
        return ics_err_set(e, ICS_EINVAL, "'by' must be trust, place or imd (got '%s')", by);
    json_t *runrow = NULL, *names = NULL;
    if (run) {
        rc = run_get(c, run, &runrow, e);
        if (rc) return rc;
        tz_parse_date(json_string_value(json_object_get(runrow, "as_of")), &as_of, NULL);
    }
    char ics[STORE_ICS_CODE];
    if ((rc = app_ics_one(c, ics, e))) {
        json_decref(runrow);
        return rc;
    }
    store_waitlist_waits w;
    rc = store_waitlist_waits_load(c->db, run, by, ics, &w, e);
    if (rc) {
        json_decref(runrow);
        return rc;
    }
    int *weeks = malloc((w.n + 1) * sizeof *weeks);
    if (!weeks) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < w.n; i++)
        weeks[i] = run ? (int)w.value[i] : waitlist_weeks_waited(w.value[i], as_of);
    if (!rc) rc = store_waitlist_group_names(c->db, by, &names, e);
    if (!rc) {
        static const char *qn[] = {"",   "Q1 (most deprived)", "Q2", "Q3",
                                   "Q4", "Q5 (least deprived)"};
        json_object_set_new(names, "unknown", json_string("outside NWL or unknown"));
        if (!strcmp(by, "imd"))
            for (int k = 1; k <= 5; k++) {
                char key[2] = {(char)('0' + k), 0};
                json_object_set_new(names, key, json_string(qn[k]));
            }
    }
    waitlist_equity_row *b = NULL, *a = NULL;
    size_t nb = 0, na = 0;
    const char *const *keys = (const char *const *)w.keys;
    if (!rc) rc = waitlist_equity(weeks, keys, NULL, w.n, &b, &nb, e);
    if (!rc && run) rc = waitlist_equity(weeks, keys, w.still, w.n, &a, &na, e);
    if (!rc) {
        char d[11];
        tz_format_date(as_of, d, sizeof d);
        *out =
            json_pack("{sssssoso}", "by", by, "as_of", d, "run",
                      run ? json_integer(run) : json_null(), "before", equity_rows(b, nb, names));
        /* synthetic: the run says so, or (no run) any waiting entry counted is */
        int syn = w.synthetic;
        if (run) {
            json_object_set_new(*out, "after", equity_rows(a, na, names));
            syn = syn || json_is_true(json_object_get(runrow, "synthetic"));
        }
        json_object_set_new(*out, "synthetic", json_boolean(syn));
    }
    store_waitlist_waits_free(&w);
    free(weeks);
    free(a);
    free(b);
    json_decref(names);
    json_decref(runrow);
    return rc;
}

/* ---- synthetic data ------------------------------------------------------------ */

void app_waitlist_synth_free(app_waitlist_synth *s)
{
    if (!s) return;
    free(s->g);
    free(s->ss);
    free(s->sites);
    memset(s, 0, sizeof *s);
}

int app_waitlist_generate(app_ctx *c, size_t n, uint64_t seed, int64_t as_of, int sessions,
                          int days, double capacity, app_waitlist_synth *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    int rc = app_allow(c, &APP_WAITLIST_GENERATE, e);
    if (rc) return rc;
    waitlist_district *d = NULL;
    waitlist_place *pl = NULL;
    size_t nd, np;
    rc = store_waitlist_refdata(c->db, &d, &nd, &pl, &np, &out->sites, &out->nsites, 1, e);
    if (!rc)
        rc = waitlist_gen_ptl(d, nd, pl, np, out->sites, out->nsites, n, seed, as_of, &out->g, e);
    if (!rc) out->n = n;
    if (!rc && sessions)
        rc = waitlist_gen_sessions(out->sites, out->nsites, n, capacity, as_of, days, seed,
                                   &out->ss, &out->nss, e);
    free(d);
    free(pl);
    if (rc) app_waitlist_synth_free(out);
    return rc;
}

/* A synthetic PTL of 40,000 pathways, eight weeks of hub sessions, and one
 * allocation run (its own audit record and event). */
int app_waitlist_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    int64_t day = tz_local_date(c->now);
    app_waitlist_synth s;
    int rc = app_waitlist_generate(c, SEED_ENTRIES, SEED_SEED, day, 1, 56, 0.25, &s, e);
    if (rc) return rc;
    store_waitlist_row *v = calloc(s.n + 1, sizeof *v);
    store_waitlist_session_row *sv = calloc(s.nss + 1, sizeof *sv);
    if (!v || !sv) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < s.n; i++) {
        const waitlist_gen_entry *x = &s.g[i];
        store_waitlist_row *o = &v[i];
        snprintf(o->trust, sizeof o->trust, "%s", x->p.trust);
        snprintf(o->nhs, sizeof o->nhs, "%s", x->nhs_number);
        snprintf(o->postcode, sizeof o->postcode, "%s", x->postcode);
        memcpy(o->district, x->district, sizeof o->district - 1);
        snprintf(o->place, sizeof o->place, "%s", x->place);
        tz_format_date(x->p.priority_date, o->date_ps, sizeof o->date_ps);
        tz_format_date(x->p.clock_start, o->date_cs, sizeof o->date_cs);
        snprintf(o->status, sizeof o->status, "waiting");
        o->pathway = x->local_id;
        o->procedure = x->procedure;
        o->source = "synthetic";
        o->tfc = x->p.tfc;
        o->priority = x->p.priority;
        o->imd = x->imd_quintile;
        o->synthetic = 1;
        o->km = x->p.max_km;
        o->has_km = 1;
    }
    for (size_t k = 0; !rc && k < s.nss; k++) {
        snprintf(sv[k].site, sizeof sv[k].site, "%s", s.sites[s.ss[k].site].code);
        tz_format_date(s.ss[k].date, sv[k].date, sizeof sv[k].date);
        sv[k].tfc = s.ss[k].tfc;
        sv[k].slots = s.ss[k].slots;
        sv[k].synthetic = 1;
    }
    if (!rc) rc = app_begin(c, e);
    if (!rc) {
        rc = store_waitlist_entries_put(c->db, v, s.n, c->now, e);
        if (!rc) rc = store_waitlist_sessions_put(c->db, sv, s.nss, e);
        rc = app_end(c, rc, e);
    }
    free(v);
    free(sv);
    app_waitlist_synth_free(&s);
    json_t *run = NULL;
    if (!rc) rc = app_waitlist_allocate(c, NULL, NULL, &run, e);
    json_decref(run);
    return rc;
}
