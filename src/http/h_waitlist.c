/* h_waitlist.c - /api/v1/waitlist/: the joint patient tracking list, PTL and
 * session imports (text/csv), allocation runs and their per-patient results,
 * and the equity report (`Prefer: respond-async` makes an allocation a
 * background job). Parses the request and answers; the use cases
 * (roles, trust scope, transaction, audit, events) are src/app/waitlist.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/waitlist.h"
#include "core/sb.h"
#include "core/tz.h"
#include "http/jobs.h"

static int parse_id(const char *s, int64_t *id, ics_err *e)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0) return ics_err_set(e, ICS_ENOTFOUND, "no such id '%s'", s);
    *id = v;
    return 0;
}

static int as_of_param(http_req *rq, int64_t now, int64_t *day, ics_err *e)
{
    const char *a = http_query(rq, "as_of");
    *day = app_waitlist_today(now);
    if (a && tz_parse_date(a, day, e)) return ics_err_set(e, ICS_EINVAL, "as_of: %s", e->msg);
    return 0;
}

static int entries(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", "after", "trust", "tfc", "priority",
                                          "place", "status", "as_of", "ics",   NULL};
    ics_err e = {0};
    int64_t limit, offset, day;
    app_ctx c = http_app(rq);
    store_waitlist_filter f = {http_query(rq, "trust"),
                               http_query(rq, "tfc"),
                               http_query(rq, "priority"),
                               http_query(rq, "place"),
                               http_query(rq, "status"),
                               0,
                               NULL};
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e) ||
        http_after(rq, offset, &f.after, &e) || as_of_param(rq, c.now, &day, &e))
        return http_error(rs, &e);
    char *next = http_next_base(rq, allowed), *text = NULL;
    size_t n = 0;
    int rc = next ? app_waitlist_entry_page(&c, &f, day, limit, offset, next, &text, &n, &e)
                  : ics_err_set(&e, ICS_ENOMEM, "out of memory");
    free(next);
    if (rc) return http_error(rs, &e);
    return http_text_owned(rs, 200, "application/json", text, n);
}

static int entry(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id, day;
    app_ctx c = http_app(rq);
    json_t *row;
    if (parse_id(rq->params[0], &id, &e) || as_of_param(rq, c.now, &day, &e) ||
        app_waitlist_entry_get(&c, id, day, &row, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int import(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"name", "source", NULL};
    ics_err e = {0};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    if (rq->json) return http_problem(rs, 415, "send the PTL or session list as text/csv", NULL);
    if (!rq->body || rq->body_len == 0) {
        ics_err_set(&e, ICS_EBADREQ, "the body must be a CSV PTL extract or session list");
        return http_error(rs, &e);
    }
    const char *name = http_query(rq, "name") ? http_query(rq, "name") : "upload.csv";
    const char *source = http_query(rq, "source") ? http_query(rq, "source") : name;
    if (strlen(name) > 120 || strlen(source) > 120) {
        ics_err_set(&e, ICS_EINVAL, "name and source must be at most 120 characters");
        return http_error(rs, &e);
    }
    csv_doc *doc = NULL;
    if (csv_parse(rq->body, rq->body_len, name, &doc, &e)) {
        e.code = ICS_EINVAL;
        return http_error(rs, &e);
    }
    json_t *sums = NULL, *errs = NULL;
    app_ctx c = http_app(rq);
    int rc = app_waitlist_import(&c, &doc, 1, source, &sums, &errs, &e);
    csv_free(doc);
    if (rc) {
        if (errs && json_array_size(errs) > 0)
            return http_problem(rs, http_status_of(rc), e.msg, json_pack("{so}", "errors", errs));
        json_decref(errs);
        return http_error(rs, &e);
    }
    json_decref(errs);
    json_t *sum = json_incref(json_array_get(sums, 0));
    json_decref(sums);
    return http_json(rs, 200, sum);
}

static int sessions(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", "after", "from", NULL};
    ics_err e = {0};
    app_ctx c = http_app(rq);
    int64_t limit, offset, after, from = app_waitlist_today(c.now);
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e) ||
        http_after(rq, offset, &after, &e))
        return http_error(rs, &e);
    const char *f = http_query(rq, "from");
    if (f && tz_parse_date(f, &from, &e)) {
        e.code = ICS_EINVAL;
        return http_error(rs, &e);
    }
    char *next = http_next_base(rq, allowed);
    json_t *out = NULL;
    int rc = next ? app_waitlist_session_list(&c, from, limit, offset, after, next, &out, &e)
                  : ics_err_set(&e, ICS_ENOMEM, "out of memory");
    free(next);
    if (rc) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int run_create(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json && rq->body_len > 0)
        return http_problem(rs, 415, "send the run options as application/json", NULL);
    app_ctx c = http_app(rq);
    if (http_prefers_async(rq)) return http_job_submit(rq, rs, &c, APP_JOB_WAITLIST_ALLOCATE);
    json_t *run = NULL;
    if (app_waitlist_allocate(&c, rq->json, NULL, &run, &e)) return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/waitlist/runs/%lld",
             (long long)json_integer_value(json_object_get(run, "id")));
    return http_json(rs, 201, run);
}

static int runs(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", "ics", NULL};
    ics_err e = {0};
    int64_t limit, offset;
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e))
        return http_error(rs, &e);
    json_t *rows;
    app_ctx c = http_app(rq);
    if (app_waitlist_run_list(&c, limit, offset, &rows, &e)) return http_error(rs, &e);
    return http_json(rs, 200,
                     json_pack("{sosIsI}", "items", rows, "limit", (json_int_t)limit, "offset",
                               (json_int_t)offset));
}

static int run_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *row;
    app_ctx c = http_app(rq);
    if (parse_id(rq->params[0], &id, &e) || app_waitlist_run_get(&c, id, &row, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, row);
}

/* The booking list: JSON pages, or CSV with ?format=csv or Accept:
 * text/csv (every matching row unless limit is given). */
static int run_results(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit",  "offset",  "after",  "trust", "hub", "tfc",
                                          "booked", "overdue", "format", "ics",   NULL};
    ics_err e = {0};
    int64_t id, limit, offset;
    app_waitlist_booking_query q = {http_query(rq, "trust"),   http_query(rq, "hub"),
                                    http_query(rq, "tfc"),     http_query(rq, "booked"),
                                    http_query(rq, "overdue"), 0};
    if (parse_id(rq->params[0], &id, &e) || http_query_only(rq, allowed, &e) ||
        http_page(rq, &limit, &offset, &e) || http_after(rq, offset, &q.after, &e))
        return http_error(rs, &e);
    const char *fmt = http_query(rq, "format"), *accept = http_header(rq, "Accept");
    if (fmt && strcmp(fmt, "json") && strcmp(fmt, "csv")) {
        ics_err_set(&e, ICS_EINVAL, "format must be json or csv");
        return http_error(rs, &e);
    }
    int csv = fmt ? !strcmp(fmt, "csv") : accept && strstr(accept, "text/csv") != NULL;
    app_ctx c = http_app(rq);
    if (csv) {
        sb b;
        sb_init(&b);
        int64_t rows;
        int rc = app_waitlist_results_csv(&c, id, &q, http_query(rq, "limit") ? limit : 0, offset,
                                          &b, &rows, &e);
        if (!rc && b.oom) rc = ics_err_set(&e, ICS_ENOMEM, "out of memory");
        if (rc) {
            sb_free(&b);
            return http_error(rs, &e);
        }
        http_text(rs, 200, "text/csv; charset=utf-8", b.buf ? b.buf : "", b.len);
        sb_free(&b);
        return 0;
    }
    char *next = http_next_base(rq, allowed);
    json_t *out = NULL;
    int rc = next ? app_waitlist_results(&c, id, &q, limit, offset, next, &out, &e)
                  : ics_err_set(&e, ICS_ENOMEM, "out of memory");
    free(next);
    if (rc) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int equity(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"by", "run", "as_of", "ics", NULL};
    ics_err e = {0};
    int64_t run = 0, day;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) || as_of_param(rq, c.now, &day, &e))
        return http_error(rs, &e);
    const char *r = http_query(rq, "run");
    if (r) {
        char *end;
        long long v = strtoll(r, &end, 10);
        if (!*r || *end || v <= 0) {
            ics_err_set(&e, ICS_EINVAL, "run must be a positive run id");
            return http_error(rs, &e);
        }
        run = v;
    }
    json_t *out;
    if (app_waitlist_equity(&c, run, http_query(rq, "by"), day, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

const http_route http_routes_waitlist[] = {
    {"GET", "/api/v1/waitlist/entries", 0, entries,
     "The joint patient tracking list with weeks waited", &APP_WAITLIST_ENTRY_READ},
    {"GET", "/api/v1/waitlist/entries/{id}", 0, entry, "One waiting-list entry",
     &APP_WAITLIST_ENTRY_READ},
    {"POST", "/api/v1/waitlist/import", 0, import,
     "Import a trust PTL extract or a theatre session list (CSV)", &APP_WAITLIST_IMPORT},
    {"GET", "/api/v1/waitlist/sessions", 0, sessions, "Surgical hub theatre sessions and slots",
     &APP_WAITLIST_SESSION_READ},
    {"POST", "/api/v1/waitlist/runs", 0, run_create,
     "Run an optimal allocation of patients to hub slots", &APP_WAITLIST_ALLOCATE},
    {"GET", "/api/v1/waitlist/runs", 0, runs, "Allocation runs, newest first",
     &APP_WAITLIST_RUN_READ},
    {"GET", "/api/v1/waitlist/runs/{id}", 0, run_get, "One allocation run", &APP_WAITLIST_RUN_READ},
    {"GET", "/api/v1/waitlist/runs/{id}/results", 0, run_results,
     "The booking list of a run: per-patient hub session or none, with cost components (JSON or "
     "CSV)",
     &APP_WAITLIST_RESULT_READ},
    {"GET", "/api/v1/waitlist/equity", 0, equity,
     "Equity of waits by trust, borough or deprivation, before and after a run",
     &APP_WAITLIST_EQUITY},
    {0}};
