/* h_beds.c - the community bed bureau API: the board, length of stay,
 * batch matching under pooled or borough policy, bed referrals and their
 * lifecycle (offer reserves a bed atomically), beds and their status.
 * Handlers only parse the request (path ids, query strings, the body's
 * shape) and call one use case of src/app/beds.c, which validates, checks
 * scope, and runs the transaction with its audit record and events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/beds.h"
#include "core/csv.h"
#include "core/sb.h"
#include "core/tz.h"
#include "http/http.h"

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

/* Answer a use case's result: the object, or the problem. */
static int reply(http_resp *rs, int rc, const ics_err *e, json_t *out, int status)
{
    if (rc) return http_error(rs, e);
    return http_json(rs, status, out);
}

/* A whole-number query parameter in lo..hi (default def). */
static int query_int(http_req *rq, const char *name, long lo, long hi, long def, long *out,
                     ics_err *e)
{
    const char *v = http_query(rq, name);
    char *end;
    *out = def;
    if (!v) return 0;
    *out = strtol(v, &end, 10);
    if (!*v || *end || *out < lo || *out > hi)
        return ics_err_set(e, ICS_EINVAL, "%s '%s' must be a whole number from %ld to %ld", name, v,
                           lo, hi);
    return 0;
}

/* ---- read models ---------------------------------------------------- */

static int board(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    long stale, days;
    if (query_int(rq, "stale_hours", 1, 720, 24, &stale, &e) ||
        query_int(rq, "days", 1, 366, 14, &days, &e))
        return http_error(rs, &e);
    app_ctx c = http_app(rq);
    char *text = NULL;
    size_t n = 0;
    if (app_beds_board_text(&c, (int)stale, (int)days, &text, &n, &e)) return http_error(rs, &e);
    return http_text_owned(rs, 200, "application/json", text, n);
}

static int queue(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const known[] = {"policy", "ics", NULL};
    if (http_query_only(rq, known, &e)) return http_error(rs, &e);
    app_ctx c = http_app(rq);
    json_t *out = NULL;
    int rc = app_beds_queue(&c, http_query(rq, "policy"), &out, &e);
    return reply(rs, rc, &e, out, 200);
}

static int los(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    json_t *out = NULL;
    int rc = app_beds_los(&c, http_query(rq, "from"), http_query(rq, "to"), &out, &e);
    return reply(rs, rc, &e, out, 200);
}

static int match_queue(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"policy", JF_STRING, 0}, {"max_km", JF_NUMBER, 0}, {"apply", JF_BOOL, 0}, {NULL, 0, 0}};
    ics_err e = {0};
    if (optional_body(rq, f, &e)) return http_error(rs, &e);
    app_ctx c = http_app(rq);
    json_t *out = NULL;
    int rc = app_beds_queue_match(&c, rq->json, &out, &e);
    return reply(rs, rc, &e, out, 200);
}

/* ---- referrals ------------------------------------------------------ */

static int list_referrals(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", "after", "state", "ics", NULL};
    ics_err e = {0};
    int64_t limit, offset, after;
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e) ||
        http_after(rq, offset, &after, &e))
        return http_error(rs, &e);
    app_ctx c = http_app(rq);
    char *next = http_next_base(rq, allowed);
    json_t *page = NULL;
    int rc = next ? app_beds_referral_list(&c, http_query(rq, "state"), limit, offset, after, next,
                                           &page, &e)
                  : ics_err_set(&e, ICS_ENOMEM, "out of memory");
    free(next);
    if (rc) return http_error(rs, &e);
    return http_json(rs, 200, page);
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
    app_ctx c = http_app(rq);
    json_t *out = NULL;
    int rc = app_beds_referral_create(&c, rq->json, &out, &e);
    if (!rc)
        snprintf(rs->location, sizeof rs->location, "/api/v1/beds/referrals/%lld",
                 (long long)json_integer_value(json_object_get(out, "referral_id")));
    return reply(rs, rc, &e, out, 201);
}

static int get_referral(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = path_id(rq, 0, "bed referral", &id, &e);
    if (!rc) rc = app_beds_referral_get(&c, id, &out, &e);
    return reply(rs, rc, &e, out, 200);
}

static int rank_referral(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = path_id(rq, 0, "bed referral", &id, &e);
    if (!rc) rc = app_beds_referral_rank(&c, id, http_query(rq, "policy"), &out, &e);
    return reply(rs, rc, &e, out, 200);
}

/* A lifecycle step on /beds/referrals/{id}/...: check the body's shape
 * (required says whether it may be absent), then run the use case. */
typedef int (*ref_step)(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);

static int lifecycle(http_req *rq, http_resp *rs, const json_field *f, int required, ref_step fn)
{
    ics_err e = {0};
    int64_t id;
    json_t *out = NULL;
    int rc = required ? http_body_check(rq, f, &e) : optional_body(rq, f, &e);
    if (!rc) rc = path_id(rq, 0, "bed referral", &id, &e);
    app_ctx c = http_app(rq);
    if (!rc) rc = fn(&c, id, rq->json, &out, &e);
    return reply(rs, rc, &e, out, 200);
}

static int offer(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"bed_id", JF_INT, 1}, {NULL, 0, 0}};
    return lifecycle(rq, rs, f, 1, app_beds_referral_offer);
}

static int accept_step(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    (void)body;
    return app_beds_referral_accept(c, id, out, e);
}

static int accept(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{NULL, 0, 0}};
    return lifecycle(rq, rs, f, 0, accept_step);
}

static int reject_offer(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"reason", JF_STRING, 0}, {NULL, 0, 0}};
    return lifecycle(rq, rs, f, 0, app_beds_referral_reject_offer);
}

static int admit(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"bed_id", JF_INT, 0}, {"at", JF_STRING, 0}, {NULL, 0, 0}};
    return lifecycle(rq, rs, f, 0, app_beds_referral_admit);
}

static int transfer(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"bed_id", JF_INT, 1}, {"at", JF_STRING, 0}, {NULL, 0, 0}};
    return lifecycle(rq, rs, f, 0, app_beds_referral_transfer);
}

static int discharge(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"destination", JF_STRING, 1},
                                   {"at", JF_STRING, 0},
                                   {"ready_date", JF_STRING, 0},
                                   {NULL, 0, 0}};
    return lifecycle(rq, rs, f, 1, app_beds_referral_discharge);
}

static const json_field reason_field[] = {{"reason", JF_STRING, 1}, {NULL, 0, 0}};

static int decline(http_req *rq, http_resp *rs)
{
    return lifecycle(rq, rs, reason_field, 1, app_beds_referral_decline);
}

static int cancel(http_req *rq, http_resp *rs)
{
    return lifecycle(rq, rs, reason_field, 1, app_beds_referral_cancel);
}

static const json_field undo_field[] = {{"reason", JF_STRING, 0}, {NULL, 0, 0}};

static int cancel_admission(http_req *rq, http_resp *rs)
{
    return lifecycle(rq, rs, undo_field, 0, app_beds_referral_admit_cancel);
}

static int cancel_discharge(http_req *rq, http_resp *rs)
{
    return lifecycle(rq, rs, undo_field, 0, app_beds_referral_discharge_cancel);
}

/* ---- beds ----------------------------------------------------------- */

static int list_beds(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *rows;
    app_ctx c = http_app(rq);
    if (app_beds_bed_list(&c, http_query(rq, "unit"), http_query(rq, "status"), &rows, &e))
        return http_error(rs, &e);
    return http_json(
        rs, 200, json_pack("{sosI}", "items", rows, "total", (json_int_t)json_array_size(rows)));
}

static int get_bed(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = path_id(rq, 0, "bed", &id, &e);
    if (!rc) rc = app_beds_bed_get(&c, id, &out, &e);
    return reply(rs, rc, &e, out, 200);
}

static int set_bed(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"status", JF_STRING, 1}, {"closure", JF_STRING, 0}, {"note", JF_STRING, 0}, {NULL, 0, 0}};
    ics_err e = {0};
    int64_t id;
    json_t *out = NULL;
    int rc = http_body_check(rq, f, &e);
    if (!rc) rc = path_id(rq, 0, "bed", &id, &e);
    app_ctx c = http_app(rq);
    if (!rc) rc = app_beds_bed_status_set(&c, id, rq->json, &out, &e);
    return reply(rs, rc, &e, out, 200);
}

static int confirm_unit(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{NULL, 0, 0}};
    ics_err e = {0};
    json_t *out = NULL;
    int rc = optional_body(rq, f, &e);
    app_ctx c = http_app(rq);
    if (!rc) rc = app_beds_unit_confirm(&c, rq->params[0], &out, &e);
    return reply(rs, rc, &e, out, 200);
}

/* The community bed return as CSV (RFC 4180, CRLF): the use case's
 * columns in order, numbers as integers, a figure it has not as an empty
 * cell. */
static int community_return(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"day", NULL};
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int64_t day = tz_local_date(c.now);
    const char *d = http_query(rq, "day");
    int rc = http_query_only(rq, allowed, &e);
    if (!rc && d && tz_parse_date(d, &day, &e)) {
        char m[sizeof e.msg];
        snprintf(m, sizeof m, "%s", e.msg);
        rc = ics_err_set(&e, ICS_EINVAL, "query 'day': %s", m);
    }
    if (!rc) rc = app_beds_return_community(&c, day, &out, &e);
    if (rc) return http_error(rs, &e);
    sb b;
    sb_init(&b);
    json_t *cols = json_object_get(out, "columns"), *col, *row;
    size_t i, j;
    json_array_foreach(cols, j, col) csv_cell(&b, json_string_value(col), j == 0);
    sb_puts(&b, "\r\n");
    json_array_foreach(json_object_get(out, "rows"), i, row)
    {
        json_array_foreach(cols, j, col)
        {
            json_t *v = json_object_get(row, json_string_value(col));
            char num[32] = "";
            if (json_is_integer(v))
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            csv_cell(&b, json_is_string(v) ? json_string_value(v) : num, j == 0);
        }
        sb_puts(&b, "\r\n");
    }
    json_decref(out);
    http_text(rs, 200, "text/csv; charset=utf-8", b.buf ? b.buf : "", b.len);
    sb_free(&b);
    return 0;
}

/* Literal paths come before /api/v1/beds/{bed_id}, which would match them. */
const http_route http_routes_beds[] = {
    {"GET", "/api/v1/beds/board", 0, board,
     "Bed board by unit, bed type and place, with waiting referrals and occupancy history",
     &APP_BEDS_BOARD},
    {"GET", "/api/v1/beds/los", 0, los,
     "Length of stay per unit, funnel limits across units and a 7-day discharge forecast",
     &APP_BEDS_LOS},
    {"GET", "/api/v1/beds/queue", 0, queue,
     "The waiting queue: each waiting referral placeable now or why not, in words, and the "
     "forecast next suitable bed",
     &APP_BEDS_QUEUE},
    {"POST", "/api/v1/beds/match", 0, match_queue,
     "Optimal assignment of the waiting queue to available beds (pooled, borough or both)",
     &APP_BEDS_MATCH},
    {"GET", "/api/v1/beds/returns/community", 0, community_return,
     "The day's community bed return (CSV, one row per unit: beds, long stays, not meeting "
     "the criteria to reside, admissions, discharges by destination)",
     &APP_BEDS_RETURN},
    {"GET", "/api/v1/beds/referrals", 0, list_referrals, "List bed referrals",
     &APP_BEDS_REFERRAL_LIST},
    {"POST", "/api/v1/beds/referrals", 0, create_referral, "Create a bed referral",
     &APP_BEDS_REFERRAL_CREATE},
    {"GET", "/api/v1/beds/referrals/{id}", 0, get_referral, "One bed referral",
     &APP_BEDS_REFERRAL_GET},
    {"GET", "/api/v1/beds/referrals/{id}/match", 0, rank_referral,
     "Every bed ranked for one referral, with the reason each suits or does not",
     &APP_BEDS_REFERRAL_RANK},
    {"POST", "/api/v1/beds/referrals/{id}/offer", 0, offer,
     "Offer a bed to a waiting referral (reserves it atomically)", &APP_BEDS_REFERRAL_OFFER},
    {"POST", "/api/v1/beds/referrals/{id}/accept", 0, accept, "Accept the offered bed",
     &APP_BEDS_REFERRAL_ACCEPT},
    {"POST", "/api/v1/beds/referrals/{id}/reject-offer", 0, reject_offer,
     "Turn an offer down: the referral waits again and the bed is released",
     &APP_BEDS_REFERRAL_REJECT_OFFER},
    {"POST", "/api/v1/beds/referrals/{id}/admit", 0, admit, "Admit the patient",
     &APP_BEDS_REFERRAL_ADMIT},
    {"POST", "/api/v1/beds/referrals/{id}/transfer", 0, transfer,
     "Move an admitted patient to another bed", &APP_BEDS_REFERRAL_TRANSFER},
    {"POST", "/api/v1/beds/referrals/{id}/discharge", 0, discharge,
     "Discharge the patient (date and destination)", &APP_BEDS_REFERRAL_DISCHARGE},
    {"POST", "/api/v1/beds/referrals/{id}/cancel-admission", 0, cancel_admission,
     "Undo an admission entered in error: back to accepted, the bed held for the patient",
     &APP_BEDS_REFERRAL_ADMIT_CANCEL},
    {"POST", "/api/v1/beds/referrals/{id}/cancel-discharge", 0, cancel_discharge,
     "Undo a discharge entered in error: admitted again in the bed the patient left",
     &APP_BEDS_REFERRAL_DISCHARGE_CANCEL},
    {"POST", "/api/v1/beds/referrals/{id}/decline", 0, decline, "Decline the referral",
     &APP_BEDS_REFERRAL_DECLINE},
    {"POST", "/api/v1/beds/referrals/{id}/cancel", 0, cancel, "Cancel the referral",
     &APP_BEDS_REFERRAL_CANCEL},
    {"POST", "/api/v1/beds/units/{unit_code}/confirm", 0, confirm_unit,
     "Confirm a unit's bed figures are current", &APP_BEDS_UNIT_CONFIRM},
    {"GET", "/api/v1/beds", 0, list_beds, "List beds with their status", &APP_BEDS_BED_LIST},
    {"GET", "/api/v1/beds/{bed_id}", 0, get_bed, "One bed with its status history",
     &APP_BEDS_BED_GET},
    {"PATCH", "/api/v1/beds/{bed_id}", 0, set_bed,
     "Change a bed's status: available, closed (with reason) or cleaning", &APP_BEDS_BED_STATUS},
    {NULL, NULL, 0, NULL, NULL, NULL}};
