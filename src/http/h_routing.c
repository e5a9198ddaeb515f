/* h_routing.c - the rapid-response finder, referrals and their lifecycle,
 * live service capacity, and the UCR and harmonisation reports over HTTP,
 * with the FHIR ServiceRequest view of referrals. Handlers parse the
 * request, call one src/app/routing.c use case and print its answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/routing.h"
#include "core/tz.h"
#include "http/http.h"

static int route(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    app_route_answer a;
    if (app_routing_route_find(&c, rq->json, &a, &e)) return http_error(rs, &e);
    json_t *out = app_routing_answer_json(&a);
    app_routing_answer_free(&a);
    return http_json(rs, 200, out);
}

/* ---- referrals --------------------------------------------------------- */

static int referral_create(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    json_t *row;
    if (app_routing_referral_create(&c, rq->json, &row, &e)) return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/referrals/%lld",
             (long long)json_integer_value(json_object_get(row, "id")));
    return http_json(rs, 201, row);
}

static int parse_id(const char *s, int64_t *id, ics_err *e)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v <= 0) return ics_err_set(e, ICS_ENOTFOUND, "no referral '%s'", s);
    *id = v;
    return 0;
}

static int referral_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    app_ctx c = http_app(rq);
    if (parse_id(rq->params[0], &id, &e) || app_routing_referral_get(&c, id, &row, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int time_param(http_req *rq, const char *name, int64_t *out, ics_err *e)
{
    const char *v = http_query(rq, name);
    if (!v) return 0;
    if (tz_parse(v, out, e)) {
        ics_err_prefix(e, "parameter '%s': ", name);
        return ICS_EINVAL;
    }
    return 0;
}

static int referral_list(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"limit", "offset", "after", "state", "service",
                                          "place", "from",   "to",    NULL};
    int64_t limit, offset, total = 0;
    store_referral_filter f = {0};
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e) ||
        http_after(rq, offset, &f.after, &e))
        return http_error(rs, &e);
    f.state = http_query(rq, "state");
    f.service = http_query(rq, "service");
    f.place = http_query(rq, "place");
    if (time_param(rq, "from", &f.from, &e) || time_param(rq, "to", &f.to, &e))
        return http_error(rs, &e);
    json_t *rows;
    app_ctx c = http_app(rq);
    if (app_routing_referral_list(&c, f, limit, offset, &rows, &total, &e))
        return http_error(rs, &e);
    json_t *page = json_pack("{sosIsIsI}", "items", rows, "total", (json_int_t)total, "limit",
                             (json_int_t)limit, "offset", (json_int_t)offset);
    http_page_next(page, limit);
    return http_json(rs, 200, page);
}

typedef int (*referral_step_fn)(app_ctx *, int64_t, const json_t *, json_t **, ics_err *);

static int referral_step(http_req *rq, http_resp *rs, referral_step_fn fn)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    app_ctx c = http_app(rq);
    if (parse_id(rq->params[0], &id, &e) || fn(&c, id, rq->json, &row, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int referral_accept(http_req *rq, http_resp *rs)
{
    return referral_step(rq, rs, app_routing_referral_accept);
}

static int referral_decline(http_req *rq, http_resp *rs)
{
    return referral_step(rq, rs, app_routing_referral_decline);
}

static int referral_attend(http_req *rq, http_resp *rs)
{
    return referral_step(rq, rs, app_routing_referral_attend);
}

static int referral_cancel(http_req *rq, http_resp *rs)
{
    return referral_step(rq, rs, app_routing_referral_cancel);
}

/* ---- FHIR ServiceRequest views of referrals ---------------------------- */

#define NHS_NUMBER_SYSTEM "https://fhir.nhs.uk/Id/nhs-number"

/* A referral as a FHIR R4 ServiceRequest: sent and accepted are active,
 * attended is completed, declined and cancelled are revoked (R4 has no
 * statusReason, so the reason goes in a note). */
static json_t *service_request(const json_t *r)
{
    const char *state = json_string_value(json_object_get(r, "state"));
    const char *status = strcmp(state, "attended") == 0 ? "completed"
                         : strcmp(state, "declined") == 0 || strcmp(state, "cancelled") == 0
                             ? "revoked"
                             : "active";
    char id[32], req[48], hs[64], perf[48], code[160];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
    snprintf(req, sizeof req, "Organization/%s",
             json_string_value(json_object_get(r, "referrer_org")));
    snprintf(hs, sizeof hs, "HealthcareService/%s",
             json_string_value(json_object_get(r, "service_id")));
    snprintf(perf, sizeof perf, "Organization/%s",
             json_string_value(json_object_get(r, "provider_ods")));
    const char *sn = json_string_value(json_object_get(r, "service_name"));
    snprintf(code, sizeof code, "Urgent community response referral to %s", sn ? sn : "a service");
    json_t *reasons = json_array(), *notes = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "needs"), i, v)
        json_array_append_new(reasons, json_pack("{sO}", "text", v));
    char buf[600];
    const char *reason = json_string_value(json_object_get(r, "reason"));
    if (reason) {
        snprintf(buf, sizeof buf, "%s: %s", state, reason);
        json_array_append_new(notes, json_pack("{ss}", "text", buf));
    }
    const char *nt = json_string_value(json_object_get(r, "notes"));
    if (nt) json_array_append_new(notes, json_pack("{ss}", "text", nt));
    if (json_is_true(json_object_get(r, "synthetic")))
        json_array_append_new(notes, json_pack("{ss}", "text", "synthetic record (not a patient)"));
    json_t *o =
        json_pack("{ss ss ss ss ss s{ss} s{s{ssss}} sO s{ss} s[{ss}{ss}] so}", "resourceType",
                  "ServiceRequest", "id", id, "status", status, "intent", "order", "priority",
                  "urgent", "code", "text", code, "subject", "identifier", "system",
                  NHS_NUMBER_SYSTEM, "value", json_string_value(json_object_get(r, "nhs_number")),
                  "authoredOn", json_object_get(r, "sent_at"), "requester", "reference", req,
                  "performer", "reference", hs, "reference", perf, "reasonCode", reasons);
    json_t *att = json_object_get(r, "attended_at");
    if (json_is_string(att)) json_object_set_new(o, "occurrenceDateTime", json_copy(att));
    if (json_array_size(notes))
        json_object_set_new(o, "note", notes);
    else
        json_decref(notes);
    return o;
}

static int fhir_read(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    app_ctx c = http_app(rq);
    if (parse_id(rq->params[0], &id, &e) || app_routing_referral_get(&c, id, &row, &e))
        return http_error(rs, &e);
    json_t *res = service_request(row);
    json_decref(row);
    http_json(rs, 200, res);
    rs->content_type = "application/fhir+json";
    return 0;
}

/* Search: ?status=active|completed|revoked, ?_count= (default 100, at most 1000). */
static int fhir_search(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"status", "_count", NULL};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    const char *status = http_query(rq, "status"), *cnt = http_query(rq, "_count");
    long count = 100;
    if (cnt) {
        char *end;
        count = strtol(cnt, &end, 10);
        if (*end || count < 1 || count > 1000) {
            ics_err_set(&e, ICS_EINVAL, "parameter '_count' must be 1-1000");
            return http_error(rs, &e);
        }
    }
    if (status && strcmp(status, "active") && strcmp(status, "completed") &&
        strcmp(status, "revoked")) {
        ics_err_set(&e, ICS_EINVAL, "parameter 'status' must be active, completed or revoked");
        return http_error(rs, &e);
    }
    store_referral_filter f = {0};
    if (status && strcmp(status, "completed") == 0) f.state = "attended";
    json_t *rows, *entries = json_array();
    int64_t total = 0;
    /* active and revoked each cover two states: filter after reading */
    app_ctx c = http_app(rq);
    if (app_routing_referral_list(&c, f, status && strcmp(status, "completed") ? 1000 : count, 0,
                                  &rows, &total, &e)) {
        json_decref(entries);
        return http_error(rs, &e);
    }
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *res = service_request(r);
        if ((!status || strcmp(status, json_string_value(json_object_get(res, "status"))) == 0) &&
            (long)json_array_size(entries) < count) {
            char url[64];
            snprintf(url, sizeof url, "ServiceRequest/%s",
                     json_string_value(json_object_get(res, "id")));
            json_array_append_new(entries, json_pack("{ss so}", "fullUrl", url, "resource", res));
        } else {
            json_decref(res);
        }
    }
    json_decref(rows);
    http_json(rs, 200,
              json_pack("{ss ss sI so}", "resourceType", "Bundle", "type", "searchset", "total",
                        (json_int_t)json_array_size(entries), "entry", entries));
    rs->content_type = "application/fhir+json";
    return 0;
}

/* ---- capacity ---------------------------------------------------------- */

static int capacity_put(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    json_t *row;
    if (app_routing_capacity_set(&c, rq->params[0], rq->json, &row, &e)) return http_error(rs, &e);
    return http_json(rs, 200, row);
}

/* ---- reports ----------------------------------------------------------- */

static int report_ucr(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"from", "to", "standard", NULL};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    app_ctx c = http_app(rq);
    int64_t to = c.now, from = c.now - 365 * 86400LL;
    if (time_param(rq, "from", &from, &e) || time_param(rq, "to", &to, &e))
        return http_error(rs, &e);
    int standard = ROUTE_UCR_STANDARD;
    const char *sv = http_query(rq, "standard");
    if (sv) {
        char *end;
        long v = strtol(sv, &end, 10);
        standard = *sv && !*end && v >= 0 && v <= 100000 ? (int)v : -1;
    }
    json_t *out;
    if (app_routing_report_ucr(&c, from, to, standard, &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int report_harm(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"kind", NULL};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    const char *kind = http_query(rq, "kind");
    app_ctx c = http_app(rq);
    app_harm_report h;
    if (app_routing_report_harm(&c, kind, &h, &e)) return http_error(rs, &e);
    json_t *out = app_routing_harm_json(&h, kind);
    app_routing_harm_free(&h);
    return http_json(rs, 200, out);
}

const http_route http_routes_routing[] = {
    {"POST", "/api/v1/route", 0, route,
     "Find eligible rapid-response services for a patient, ranked, with reasons",
     &APP_ROUTING_ROUTE_FIND},
    {"GET", "/api/v1/referrals", 0, referral_list, "List referrals visible to the caller",
     &APP_ROUTING_REFERRAL_LIST},
    {"POST", "/api/v1/referrals", 0, referral_create, "Send a referral to a service",
     &APP_ROUTING_REFERRAL_CREATE},
    {"GET", "/api/v1/referrals/{id}", 0, referral_get, "One referral", &APP_ROUTING_REFERRAL_GET},
    {"POST", "/api/v1/referrals/{id}/accept", 0, referral_accept,
     "The receiving service accepts a referral", &APP_ROUTING_REFERRAL_ACCEPT},
    {"POST", "/api/v1/referrals/{id}/decline", 0, referral_decline,
     "The receiving service declines a referral, with a reason", &APP_ROUTING_REFERRAL_DECLINE},
    {"POST", "/api/v1/referrals/{id}/attend", 0, referral_attend,
     "Record the first visit to the patient", &APP_ROUTING_REFERRAL_ATTEND},
    {"POST", "/api/v1/referrals/{id}/cancel", 0, referral_cancel,
     "Cancel a referral (referrer or receiving service)", &APP_ROUTING_REFERRAL_CANCEL},
    {"PUT", "/api/v1/services/{id}/capacity", 0, capacity_put,
     "The provider reports a service's live capacity for today", &APP_ROUTING_CAPACITY_SET},
    {"GET", "/api/v1/fhir/ServiceRequest", 0, fhir_search,
     "FHIR ServiceRequest searchset of visible referrals (newest first)",
     &APP_ROUTING_REFERRAL_LIST},
    {"GET", "/api/v1/fhir/ServiceRequest/{id}", 0, fhir_read, "A referral as a FHIR ServiceRequest",
     &APP_ROUTING_REFERRAL_GET},
    {"GET", "/api/v1/reports/ucr", 0, report_ucr,
     "2-hour urgent community response standard by service, place and ICS",
     &APP_ROUTING_REPORT_UCR},
    {"GET", "/api/v1/reports/harmonisation", 0, report_harm,
     "Capability cover by place and hour, gaps, and differences between places",
     &APP_ROUTING_REPORT_HARM},
    {NULL, NULL, 0, NULL, NULL, NULL}};
