/* h_routing.c - the rapid-response finder, referrals and their lifecycle,
 * live service capacity, and the UCR and harmonisation reports over HTTP
 * (their FHIR views are in h_fhir.c). Handlers parse the
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
    size_t n = 0;
    char *text = app_routing_answer_text(&a, &n);
    app_routing_answer_free(&a);
    if (!text) {
        ics_err_set(&e, ICS_ENOMEM, "out of memory");
        return http_error(rs, &e);
    }
    return http_text_owned(rs, 200, "application/json", text, n);
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
    int64_t limit, offset;
    store_referral_filter f = {0};
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e) ||
        http_after(rq, offset, &f.after, &e))
        return http_error(rs, &e);
    f.state = http_query(rq, "state");
    f.service = http_query(rq, "service");
    f.place = http_query(rq, "place");
    if (time_param(rq, "from", &f.from, &e) || time_param(rq, "to", &f.to, &e))
        return http_error(rs, &e);
    app_ctx c = http_app(rq);
    char *next = http_next_base(rq, allowed), *text = NULL;
    size_t n = 0;
    int rc = next ? app_routing_referral_page(&c, f, limit, offset, next, &text, &n, &e)
                  : ics_err_set(&e, ICS_ENOMEM, "out of memory");
    free(next);
    if (rc) return http_error(rs, &e);
    return http_text_owned(rs, 200, "application/json", text, n);
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
    static const char *const allowed[] = {"from", "to", "standard", "ics", NULL};
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
    static const char *const allowed[] = {"kind", "ics", NULL};
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
    {"GET", "/api/v1/reports/ucr", 0, report_ucr,
     "2-hour urgent community response standard by service, place and ICS",
     &APP_ROUTING_REPORT_UCR},
    {"GET", "/api/v1/reports/harmonisation", 0, report_harm,
     "Capability cover by place and hour, gaps, and differences between places",
     &APP_ROUTING_REPORT_HARM},
    {NULL, NULL, 0, NULL, NULL, NULL}};
