/* h_waitlist.c - /api/v1/waitlist/: the joint patient tracking list, PTL and
 * session imports (text/csv), allocation runs and their per-patient results,
 * and the equity report. Coordinators (elective care managers) and admins
 * import and allocate; trust_ops users see their own trust's patients only;
 * analysts read runs and equity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "http/http.h"
#include "store/waitlist.h"

static int64_t today(void)
{
    tz_local l;
    tz_to_local(tz_now(), &l);
    return l.date;
}

/* trust_ops users are confined to their organisation; others see all. */
static int scope(http_req *rq, const char **trust, ics_err *e)
{
    if (rq->user->role_bit != ROLE_TRUST_OPS) return 0;
    if (!rq->user->org[0])
        return ics_err_set(e, ICS_EFORBID, "a trust_ops user needs an organisation to see entries");
    if (*trust && strcmp(*trust, rq->user->org))
        return ics_err_set(e, ICS_EFORBID, "trust_ops users may only see their own trust (%s)",
                           rq->user->org);
    *trust = rq->user->org;
    return 0;
}

static int parse_id(const char *s, int64_t *id, ics_err *e)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v <= 0) return ics_err_set(e, ICS_ENOTFOUND, "no such id '%s'", s);
    *id = v;
    return 0;
}

static int as_of_param(http_req *rq, int64_t *day, ics_err *e)
{
    const char *a = http_query(rq, "as_of");
    *day = today();
    if (a && tz_parse_date(a, day, e)) return ics_err_set(e, ICS_EINVAL, "as_of: %s", e->msg);
    return 0;
}

static int entries(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", "trust", "tfc", "priority",
                                          "place", "status", "as_of", NULL};
    ics_err e = {0};
    int64_t limit, offset, day;
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e) ||
        as_of_param(rq, &day, &e))
        return http_error(rs, &e);
    store_waitlist_filter f = {http_query(rq, "trust"), http_query(rq, "tfc"),
                               http_query(rq, "priority"), http_query(rq, "place"),
                               http_query(rq, "status")};
    if (scope(rq, &f.trust, &e)) return http_error(rs, &e);
    const char *st = f.status;
    if (st && strcmp(st, "waiting") && strcmp(st, "booked") && strcmp(st, "treated") &&
        strcmp(st, "removed")) {
        ics_err_set(&e, ICS_EINVAL, "status must be waiting, booked, treated or removed");
        return http_error(rs, &e);
    }
    json_t *out;
    if (store_waitlist_entries(rq->db, &f, day, limit, offset, &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int entry(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id, day;
    const char *trust = NULL;
    if (parse_id(rq->params[0], &id, &e) || as_of_param(rq, &day, &e) || scope(rq, &trust, &e))
        return http_error(rs, &e);
    json_t *row;
    if (store_waitlist_entry_get(rq->db, id, day, &row, &e)) return http_error(rs, &e);
    if (trust && strcmp(trust, json_string_value(json_object_get(row, "trust")))) {
        json_decref(row);
        ics_err_set(&e, ICS_EFORBID, "entry %lld belongs to another trust", (long long)id);
        return http_error(rs, &e);
    }
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
    json_t *sum = NULL, *errs = NULL;
    int rc = store_begin(rq->db, &e);
    if (!rc) rc = store_waitlist_import(rq->db, doc, source, &sum, &errs, &e);
    if (!rc) rc = http_audit(rq, "waitlist.import", "waitlist_import", name, NULL, sum, &e);
    if (!rc) rc = store_commit(rq->db, &e);
    csv_free(doc);
    if (rc) {
        store_rollback(rq->db);
        json_decref(sum);
        if (errs && json_array_size(errs) > 0)
            return http_problem(rs, http_status_of(rc), e.msg, json_pack("{so}", "errors", errs));
        json_decref(errs);
        return http_error(rs, &e);
    }
    json_decref(errs);
    return http_json(rs, 200, sum);
}

static int sessions(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", "from", NULL};
    ics_err e = {0};
    int64_t limit, offset, from = today();
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e))
        return http_error(rs, &e);
    const char *f = http_query(rq, "from");
    if (f && tz_parse_date(f, &from, &e)) {
        e.code = ICS_EINVAL;
        return http_error(rs, &e);
    }
    json_t *out;
    if (store_waitlist_sessions(rq->db, from, limit, offset, &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int run_create(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json && rq->body_len > 0)
        return http_problem(rs, 415, "send the run options as application/json", NULL);
    if (rq->json && !json_is_object(rq->json)) {
        ics_err_set(&e, ICS_EBADREQ, "the body must be a JSON object of run options");
        return http_error(rs, &e);
    }
    store_waitlist_opts o;
    if (store_waitlist_opts_parse(rq->json, &o, &e)) return http_error(rs, &e);
    json_t *run = NULL;
    int rc = store_begin(rq->db, &e);
    if (!rc) rc = store_waitlist_allocate(rq->db, rq->user->name, &o, 0, NULL, NULL, &run, &e);
    char id[32] = "";
    if (!rc) {
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(run, "id")));
        rc = http_audit(rq, "waitlist.allocate", "waitlist_run", id, NULL, run, &e);
    }
    if (!rc) rc = store_commit(rq->db, &e);
    if (rc) {
        store_rollback(rq->db);
        json_decref(run);
        return http_error(rs, &e);
    }
    snprintf(rs->location, sizeof rs->location, "/api/v1/waitlist/runs/%s", id);
    return http_json(rs, 201, run);
}

static int runs(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    ics_err e = {0};
    int64_t limit, offset;
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e))
        return http_error(rs, &e);
    json_t *rows;
    if (store_waitlist_run_list(rq->db, limit, offset, &rows, &e)) return http_error(rs, &e);
    return http_json(rs, 200,
                     json_pack("{sosIsI}", "items", rows, "limit", (json_int_t)limit, "offset",
                               (json_int_t)offset));
}

static int run_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *row;
    if (parse_id(rq->params[0], &id, &e) || store_waitlist_run_get(rq->db, id, &row, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int run_results(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", "trust", NULL};
    ics_err e = {0};
    int64_t id, limit, offset;
    const char *trust = http_query(rq, "trust");
    if (parse_id(rq->params[0], &id, &e) || http_query_only(rq, allowed, &e) ||
        http_page(rq, &limit, &offset, &e) || scope(rq, &trust, &e))
        return http_error(rs, &e);
    json_t *out;
    if (store_waitlist_results(rq->db, id, trust, limit, offset, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int equity(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"by", "run", "as_of", NULL};
    ics_err e = {0};
    int64_t run = 0, day;
    if (http_query_only(rq, allowed, &e) || as_of_param(rq, &day, &e)) return http_error(rs, &e);
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
    if (store_waitlist_equity(rq->db, run, http_query(rq, "by"), day, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

#define MANAGE (ROLE_ADMIN | ROLE_COORDINATOR)

const http_route http_routes_waitlist[] = {
    {"GET", "/api/v1/waitlist/entries", MANAGE | ROLE_TRUST_OPS, entries,
     "The joint patient tracking list with weeks waited", NULL},
    {"GET", "/api/v1/waitlist/entries/{id}", MANAGE | ROLE_TRUST_OPS, entry,
     "One waiting-list entry", NULL},
    {"POST", "/api/v1/waitlist/import", MANAGE, import,
     "Import a trust PTL extract or a theatre session list (CSV)", NULL},
    {"GET", "/api/v1/waitlist/sessions", MANAGE | ROLE_TRUST_OPS | ROLE_ANALYST, sessions,
     "Surgical hub theatre sessions and slots", NULL},
    {"POST", "/api/v1/waitlist/runs", MANAGE, run_create,
     "Run an optimal allocation of patients to hub slots", NULL},
    {"GET", "/api/v1/waitlist/runs", MANAGE | ROLE_ANALYST, runs, "Allocation runs, newest first",
     NULL},
    {"GET", "/api/v1/waitlist/runs/{id}", MANAGE | ROLE_ANALYST, run_get, "One allocation run",
     NULL},
    {"GET", "/api/v1/waitlist/runs/{id}/results", MANAGE | ROLE_TRUST_OPS, run_results,
     "Per-patient results of a run with cost components", NULL},
    {"GET", "/api/v1/waitlist/equity", MANAGE | ROLE_ANALYST, equity,
     "Equity of waits by trust, borough or deprivation, before and after a run", NULL},
    {0}};
