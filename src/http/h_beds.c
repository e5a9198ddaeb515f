/* h_beds.c - the community bed bureau API: the board, length of stay,
 * batch matching under pooled or borough policy, bed referrals and their
 * lifecycle (offer reserves a bed atomically), beds and their status.
 * Handlers only parse, validate, check roles and call store/beds.c inside
 * one transaction; the store writes the audit record in it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "http/http.h"
#include "store/beds.h"

#define R_READ  (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST)
#define R_ACT   (ROLE_ADMIN | ROLE_COORDINATOR)
#define R_REFER (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_CLINICIAN)

static beds_actor actor(http_req *rq)
{
    beds_actor a = {"anonymous", "", ""};
    if (rq->user) {
        a.name = rq->user->name;
        a.role = rq->user->role;
        a.org = rq->user->org;
    }
    return a;
}

/* A positive integer path parameter, else 404 (no such object). */
static int path_id(http_req *rq, int i, const char *what, int64_t *id, ics_err *e)
{
    const char *v = rq->params[i];
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x <= 0) return ics_err_set(e, ICS_ENOTFOUND, "no %s '%s'", what, v);
    *id = x;
    return 0;
}

/* The body may be absent; when present it must match the fields. */
static int optional_body(http_req *rq, const json_field *f, ics_err *e)
{
    if (!rq->json && rq->body_len == 0) return 0;
    return http_body_check(rq, f, e);
}

static int time_field(http_req *rq, const char *name, int64_t *out, ics_err *e)
{
    *out = 0;
    const char *v = rq->json ? json_string_value(json_object_get(rq->json, name)) : NULL;
    if (v && tz_parse(v, out, e)) {
        ics_err_prefix(e, "%s: ", name);
        return ICS_EINVAL;
    }
    return 0;
}

/* Commit after a successful store call, or roll back; answer. */
static int done(http_req *rq, http_resp *rs, int rc, ics_err *e, json_t *after, int status)
{
    if (!rc)
        rc = store_commit(rq->db, e);
    else
        store_rollback(rq->db);
    if (rc) {
        json_decref(after);
        return http_error(rs, e);
    }
    return http_json(rs, status, after);
}

static int begin(http_req *rq, http_resp *rs, ics_err *e)
{
    if (store_begin(rq->db, e)) return http_error(rs, e);
    return 0;
}

/* ---- read models ---------------------------------------------------- */

static int board(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    long stale = 24, days = 14;
    const char *v;
    char *end;
    if ((v = http_query(rq, "stale_hours"))) {
        stale = strtol(v, &end, 10);
        if (!*v || *end || stale < 1 || stale > 720) {
            ics_err_set(&e, ICS_EINVAL, "stale_hours '%s' must be a whole number from 1 to 720", v);
            return http_error(rs, &e);
        }
    }
    if ((v = http_query(rq, "days"))) {
        days = strtol(v, &end, 10);
        if (!*v || *end || days < 1 || days > 366) {
            ics_err_set(&e, ICS_EINVAL, "days '%s' must be a whole number from 1 to 366", v);
            return http_error(rs, &e);
        }
    }
    json_t *out;
    if (store_beds_board(rq->db, tz_now(), stale * 3600, (int)days, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int los(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t now = tz_now(), today, from, to;
    tz_local l;
    tz_to_local(now, &l);
    today = l.date;
    from = today - 365;
    to = today;
    const char *f = http_query(rq, "from"), *t = http_query(rq, "to");
    if (f && tz_parse_date(f, &from, &e)) {
        ics_err_prefix(&e, "from: ");
        return http_error(rs, &e);
    }
    if (t && tz_parse_date(t, &to, &e)) {
        ics_err_prefix(&e, "to: ");
        return http_error(rs, &e);
    }
    json_t *out;
    if (store_beds_los(rq->db, from, to, now, &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int match_queue(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"policy", JF_STRING, 0}, {"max_km", JF_NUMBER, 0}, {"apply", JF_BOOL, 0}, {NULL, 0, 0}};
    ics_err e = {0};
    if (optional_body(rq, f, &e)) return http_error(rs, &e);
    const char *policy = "pooled";
    double max_km = 0;
    int apply = 0;
    if (rq->json) {
        const char *p = json_string_value(json_object_get(rq->json, "policy"));
        if (p) policy = p;
        json_t *k = json_object_get(rq->json, "max_km");
        if (k) max_km = json_number_value(k);
        apply = json_is_true(json_object_get(rq->json, "apply"));
    }
    beds_actor a = actor(rq);
    json_t *out = NULL;
    if (!apply) {
        if (store_beds_match(rq->db, &a, policy, max_km, 0, tz_now(), &out, &e))
            return http_error(rs, &e);
        return http_json(rs, 200, out);
    }
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_match(rq->db, &a, policy, max_km, 1, tz_now(), &out, &e);
    return done(rq, rs, rc, &e, out, 200);
}

/* ---- referrals ------------------------------------------------------ */

static int list_referrals(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t limit, offset, total = 0;
    if (http_page(rq, &limit, &offset, &e)) return http_error(rs, &e);
    beds_actor a = actor(rq);
    json_t *rows;
    if (store_beds_referral_list(rq->db, &a, http_query(rq, "state"), limit, offset, &rows, &total,
                                 &e))
        return http_error(rs, &e);
    return http_json(rs, 200,
                     json_pack("{sosIsIsI}", "items", rows, "total", (json_int_t)total, "limit",
                               (json_int_t)limit, "offset", (json_int_t)offset));
}

static int create_referral(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"nhs_number", JF_STRING, 1},
                                   {"age", JF_INT, 1},
                                   {"sex", JF_STRING, 1},
                                   {"postcode", JF_STRING, 1},
                                   {"referring_site", JF_STRING, 1},
                                   {"bed_type", JF_STRING, 1},
                                   {"priority", JF_INT, 1},
                                   {"earliest_transfer", JF_STRING, 0},
                                   {"place_code", JF_STRING, 0},
                                   {"notes", JF_STRING, 0},
                                   {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    beds_actor a = actor(rq);
    json_t *after = NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_referral_create(rq->db, &a, rq->json, tz_now(), &after, &e);
    if (!rc)
        snprintf(rs->location, sizeof rs->location, "/api/v1/beds/referrals/%lld",
                 (long long)json_integer_value(json_object_get(after, "referral_id")));
    return done(rq, rs, rc, &e, after, 201);
}

static int get_referral(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *row;
    beds_actor a = actor(rq);
    if (path_id(rq, 0, "bed referral", &id, &e) ||
        store_beds_referral_get(rq->db, &a, id, &row, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int rank_referral(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *out;
    beds_actor a = actor(rq);
    if (path_id(rq, 0, "bed referral", &id, &e) ||
        store_beds_rank(rq->db, &a, id, http_query(rq, "policy"), tz_now(), &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int offer(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"bed_id", JF_INT, 1}, {NULL, 0, 0}};
    ics_err e = {0};
    int64_t id;
    if (http_body_check(rq, f, &e) || path_id(rq, 0, "bed referral", &id, &e))
        return http_error(rs, &e);
    beds_actor a = actor(rq);
    json_t *after = NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc =
        store_beds_offer(rq->db, &a, id, json_integer_value(json_object_get(rq->json, "bed_id")),
                         tz_now(), &after, &e);
    return done(rq, rs, rc, &e, after, 200);
}

static int accept(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{NULL, 0, 0}};
    ics_err e = {0};
    int64_t id;
    if (optional_body(rq, f, &e) || path_id(rq, 0, "bed referral", &id, &e))
        return http_error(rs, &e);
    beds_actor a = actor(rq);
    json_t *after = NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_accept(rq->db, &a, id, tz_now(), &after, &e);
    return done(rq, rs, rc, &e, after, 200);
}

static int reject_offer(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"reason", JF_STRING, 0}, {NULL, 0, 0}};
    ics_err e = {0};
    int64_t id;
    if (optional_body(rq, f, &e) || path_id(rq, 0, "bed referral", &id, &e))
        return http_error(rs, &e);
    beds_actor a = actor(rq);
    json_t *after = NULL;
    const char *reason = rq->json ? json_string_value(json_object_get(rq->json, "reason")) : NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_reject_offer(rq->db, &a, id, reason, tz_now(), &after, &e);
    return done(rq, rs, rc, &e, after, 200);
}

static int admit(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"bed_id", JF_INT, 0}, {"at", JF_STRING, 0}, {NULL, 0, 0}};
    ics_err e = {0};
    int64_t id, at;
    if (optional_body(rq, f, &e) || path_id(rq, 0, "bed referral", &id, &e) ||
        time_field(rq, "at", &at, &e))
        return http_error(rs, &e);
    int64_t bed = rq->json ? json_integer_value(json_object_get(rq->json, "bed_id")) : 0;
    beds_actor a = actor(rq);
    json_t *after = NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_admit(rq->db, &a, id, bed, at, tz_now(), &after, &e);
    return done(rq, rs, rc, &e, after, 200);
}

static int discharge(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"destination", JF_STRING, 1},
                                   {"at", JF_STRING, 0},
                                   {"ready_date", JF_STRING, 0},
                                   {NULL, 0, 0}};
    ics_err e = {0};
    int64_t id, at, ready = -1;
    if (http_body_check(rq, f, &e) || path_id(rq, 0, "bed referral", &id, &e) ||
        time_field(rq, "at", &at, &e))
        return http_error(rs, &e);
    const char *rd = json_string_value(json_object_get(rq->json, "ready_date"));
    if (rd && tz_parse_date(rd, &ready, &e)) {
        ics_err_prefix(&e, "ready_date: ");
        return http_error(rs, &e);
    }
    beds_actor a = actor(rq);
    json_t *after = NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_discharge(rq->db, &a, id,
                                  json_string_value(json_object_get(rq->json, "destination")), at,
                                  ready, tz_now(), &after, &e);
    return done(rq, rs, rc, &e, after, 200);
}

static int close_referral(http_req *rq, http_resp *rs, const char *to)
{
    static const json_field f[] = {{"reason", JF_STRING, 1}, {NULL, 0, 0}};
    ics_err e = {0};
    int64_t id;
    if (http_body_check(rq, f, &e) || path_id(rq, 0, "bed referral", &id, &e))
        return http_error(rs, &e);
    beds_actor a = actor(rq);
    json_t *after = NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_close_referral(rq->db, &a, id, to,
                                       json_string_value(json_object_get(rq->json, "reason")),
                                       tz_now(), &after, &e);
    return done(rq, rs, rc, &e, after, 200);
}

static int decline(http_req *rq, http_resp *rs)
{
    return close_referral(rq, rs, "declined");
}

static int cancel(http_req *rq, http_resp *rs)
{
    return close_referral(rq, rs, "cancelled");
}

/* ---- beds ----------------------------------------------------------- */

static int list_beds(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *rows;
    if (store_beds_bed_list(rq->db, http_query(rq, "unit"), http_query(rq, "status"), &rows, &e))
        return http_error(rs, &e);
    return http_json(
        rs, 200, json_pack("{sosI}", "items", rows, "total", (json_int_t)json_array_size(rows)));
}

static int get_bed(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *row;
    if (path_id(rq, 0, "bed", &id, &e) || store_beds_bed_get(rq->db, id, &row, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int set_bed(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"status", JF_STRING, 1}, {"closure", JF_STRING, 0}, {"note", JF_STRING, 0}, {NULL, 0, 0}};
    ics_err e = {0};
    int64_t id;
    if (http_body_check(rq, f, &e) || path_id(rq, 0, "bed", &id, &e)) return http_error(rs, &e);
    beds_actor a = actor(rq);
    json_t *after = NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_bed_set(
        rq->db, &a, id, json_string_value(json_object_get(rq->json, "status")),
        json_string_value(json_object_get(rq->json, "closure")),
        json_string_value(json_object_get(rq->json, "note")), tz_now(), &after, &e);
    return done(rq, rs, rc, &e, after, 200);
}

static int confirm_unit(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{NULL, 0, 0}};
    ics_err e = {0};
    if (optional_body(rq, f, &e)) return http_error(rs, &e);
    beds_actor a = actor(rq);
    json_t *after = NULL;
    if (begin(rq, rs, &e)) return 0;
    int rc = store_beds_unit_confirm(rq->db, &a, rq->params[0], tz_now(), &after, &e);
    return done(rq, rs, rc, &e, after, 200);
}

/* Literal paths come before /api/v1/beds/{bed_id}, which would match them. */
const http_route http_routes_beds[] = {
    {"GET", "/api/v1/beds/board", R_READ, board,
     "Bed board by unit, bed type and place, with waiting referrals and occupancy history", NULL},
    {"GET", "/api/v1/beds/los", R_READ, los,
     "Length of stay per unit, funnel limits across units and a 7-day discharge forecast", NULL},
    {"POST", "/api/v1/beds/match", R_ACT, match_queue,
     "Optimal assignment of the waiting queue to available beds (pooled, borough or both)", NULL},
    {"GET", "/api/v1/beds/referrals", R_REFER, list_referrals, "List bed referrals", NULL},
    {"POST", "/api/v1/beds/referrals", R_REFER, create_referral, "Create a bed referral", NULL},
    {"GET", "/api/v1/beds/referrals/{id}", R_REFER, get_referral, "One bed referral", NULL},
    {"GET", "/api/v1/beds/referrals/{id}/match", R_ACT, rank_referral,
     "Every bed ranked for one referral, with the reason each suits or does not", NULL},
    {"POST", "/api/v1/beds/referrals/{id}/offer", R_ACT, offer,
     "Offer a bed to a waiting referral (reserves it atomically)", NULL},
    {"POST", "/api/v1/beds/referrals/{id}/accept", R_ACT, accept, "Accept the offered bed", NULL},
    {"POST", "/api/v1/beds/referrals/{id}/reject-offer", R_ACT, reject_offer,
     "Turn an offer down: the referral waits again and the bed is released", NULL},
    {"POST", "/api/v1/beds/referrals/{id}/admit", R_ACT, admit, "Admit the patient", NULL},
    {"POST", "/api/v1/beds/referrals/{id}/discharge", R_ACT, discharge,
     "Discharge the patient (date and destination)", NULL},
    {"POST", "/api/v1/beds/referrals/{id}/decline", R_ACT, decline, "Decline the referral", NULL},
    {"POST", "/api/v1/beds/referrals/{id}/cancel", R_ACT, cancel, "Cancel the referral", NULL},
    {"POST", "/api/v1/beds/units/{unit_code}/confirm", R_ACT, confirm_unit,
     "Confirm a unit's bed figures are current", NULL},
    {"GET", "/api/v1/beds", R_READ, list_beds, "List beds with their status", NULL},
    {"GET", "/api/v1/beds/{bed_id}", R_READ, get_bed, "One bed with its status history", NULL},
    {"PATCH", "/api/v1/beds/{bed_id}", R_ACT, set_bed,
     "Change a bed's status: available, closed (with reason) or cleaning", NULL},
    {NULL, NULL, 0, NULL, NULL, NULL}};
