/* h_routing.c - the rapid-response finder, referrals and their lifecycle,
 * live service capacity, and the UCR and harmonisation reports over HTTP.
 * Lifecycle actions are POSTs to /api/v1/referrals/{id}/{accept|decline|
 * attend|cancel}; each is one transaction with its audit record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sb.h"
#include "core/tz.h"
#include "core/valid.h"
#include "http/http.h"
#include "store/routing.h"

#define ROLES_SEE (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_CLINICIAN | ROLE_TRUST_OPS)

/* A JSON array of strings to "a b c"; ICS_EINVAL naming the field otherwise. */
static int words(const json_t *v, const char *field, char *buf, size_t n, sb *problems)
{
    buf[0] = '\0';
    if (!v || json_is_null(v)) return 0;
    size_t i, len = 0;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        const char *s = json_string_value(x);
        if (!s || !*s || strchr(s, ' ') || strlen(s) + len + 2 > n) {
            sb_printf(problems, "%sfield '%s' must be an array of words", problems->len ? "; " : "",
                      field);
            return ICS_EINVAL;
        }
        len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "", s);
    }
    return 0;
}

/* The location, age, needs and time fields shared by route and referral bodies. */
static int input_from(http_req *rq, routing_input *in, char *needs, char *pres, size_t n,
                      sb *problems)
{
    memset(in, 0, sizeof *in);
    json_t *b = rq->json;
    in->postcode = json_string_value(json_object_get(b, "postcode"));
    in->place = json_string_value(json_object_get(b, "place"));
    in->at = json_string_value(json_object_get(b, "at"));
    json_t *lat = json_object_get(b, "lat"), *lon = json_object_get(b, "lon");
    if ((lat && !json_is_null(lat)) != (lon && !json_is_null(lon)))
        sb_printf(problems, "%sgive both lat and lon", problems->len ? "; " : "");
    else if (lat && !json_is_null(lat)) {
        in->has_ll = 1;
        in->lat = json_number_value(lat);
        in->lon = json_number_value(lon);
    }
    json_t *age = json_object_get(b, "age");
    in->age = json_is_integer(age) ? (int)json_integer_value(age) : -1;
    if (json_is_integer(age) && (json_integer_value(age) < 0 || json_integer_value(age) > 130))
        in->age = -1;
    words(json_object_get(b, "needs"), "needs", needs, n, problems);
    words(json_object_get(b, "presentations"), "presentations", pres, n, problems);
    in->needs = needs;
    in->presentations = pres;
    in->allow_partial = json_is_true(json_object_get(b, "allow_partial"));
    json_t *r = json_object_get(b, "radius_km");
    if (json_is_number(r)) in->radius_km = json_number_value(r);
    return problems->len ? ICS_EINVAL : 0;
}

/* Check the body, load the directory and build the finder query. */
static int prepare(http_req *rq, const json_field *fields, routing_data *d, route_query *q,
                   sb *problems, ics_err *e)
{
    memset(d, 0, sizeof *d);
    if (http_body_check(rq, fields, e)) return e->code;
    routing_input in;
    char needs[512], pres[512];
    input_from(rq, &in, needs, pres, sizeof needs, problems);
    if (store_routing_load_for(rq->db, &in, tz_now(), d, e)) return e->code;
    ics_err sub = {0};
    if (store_routing_query(d, &in, tz_now(), q, &sub))
        sb_printf(problems, "%s%s", problems->len ? "; " : "", sub.msg);
    return 0;
}

static const json_field route_fields[] = {
    {"postcode", JF_STRING, 0},     {"lat", JF_NUMBER, 0}, {"lon", JF_NUMBER, 0},
    {"place", JF_STRING, 0},        {"age", JF_INT, 1},    {"needs", JF_ARRAY, 1},
    {"presentations", JF_ARRAY, 0}, {"at", JF_STRING, 0},  {"allow_partial", JF_BOOL, 0},
    {"radius_km", JF_NUMBER, 0},    {NULL, 0, 0}};

static int route(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    routing_data d;
    route_query q;
    sb problems;
    sb_init(&problems);
    int rc = prepare(rq, route_fields, &d, &q, &problems, &e);
    if (!rc && problems.len) rc = ics_err_set(&e, ICS_EINVAL, "%s", problems.buf);
    sb_free(&problems);
    route_answer a = {0};
    if (!rc) rc = routing_find(d.svc, d.nsvc, d.bh, d.nbh, &q, &a, &e);
    if (rc) {
        store_routing_data_free(&d);
        return http_error(rs, &e);
    }
    json_t *out = store_routing_answer_json(&d, &q, &a);
    routing_answer_free(&a);
    store_routing_data_free(&d);
    return http_json(rs, 200, out);
}

/* ---- referrals --------------------------------------------------------- */

static int sees_all(const http_req *rq)
{
    return rq->user->role_bit & (ROLE_ADMIN | ROLE_COORDINATOR);
}

/* May this user see (and act on) this referral? Referrer or provider. */
static int may_see(const http_req *rq, const json_t *row)
{
    if (sees_all(rq)) return 1;
    const char *org = rq->user->org;
    return org[0] && (strcmp(org, json_string_value(json_object_get(row, "referrer_org"))) == 0 ||
                      strcmp(org, json_string_value(json_object_get(row, "provider_ods"))) == 0);
}

static const json_field referral_fields[] = {{"nhs_number", JF_STRING, 1},
                                             {"age", JF_INT, 1},
                                             {"needs", JF_ARRAY, 1},
                                             {"presentations", JF_ARRAY, 0},
                                             {"postcode", JF_STRING, 0},
                                             {"lat", JF_NUMBER, 0},
                                             {"lon", JF_NUMBER, 0},
                                             {"place", JF_STRING, 0},
                                             {"service_id", JF_STRING, 1},
                                             {"referrer_org", JF_STRING, 0},
                                             {"notes", JF_STRING, 0},
                                             {"override_reason", JF_STRING, 0},
                                             {NULL, 0, 0}};

static int referral_create(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    routing_data d;
    route_query q;
    sb problems;
    sb_init(&problems);
    int rc = prepare(rq, referral_fields, &d, &q, &problems, &e);
    if (rc) {
        sb_free(&problems);
        store_routing_data_free(&d);
        return http_error(rs, &e);
    }
    json_t *b = rq->json;
    char nhs[11] = "";
    ics_err sub = {0};
    if (valid_nhs_number(json_string_value(json_object_get(b, "nhs_number")), nhs, &sub))
        sb_printf(&problems, "%s%s", problems.len ? "; " : "", sub.msg);
    const char *sid = json_string_value(json_object_get(b, "service_id"));
    int si = store_routing_service_index(&d, sid);
    if (si < 0)
        sb_printf(&problems, "%sno service with service_id '%s'", problems.len ? "; " : "", sid);
    const char *ref = json_string_value(json_object_get(b, "referrer_org"));
    if (!ref) ref = rq->user->org;
    if (!ref || !*ref)
        sb_printf(&problems, "%sreferrer_org is required (the user has no organisation)",
                  problems.len ? "; " : "");
    else if (!sees_all(rq) && strcmp(ref, rq->user->org) != 0)
        sb_printf(&problems, "%sreferrer_org must be your organisation (%s)",
                  problems.len ? "; " : "", rq->user->org);
    else {
        json_t *p = json_pack("[s]", ref);
        int64_t n;
        int qrc = store_query_int(rq->db, "SELECT COUNT(*) FROM organisations WHERE ods_code = ?",
                                  p, 0, &n, &sub);
        json_decref(p);
        if (qrc) {
            sb_free(&problems);
            return http_error(rs, &sub);
        }
        if (n == 0)
            sb_printf(&problems, "%sno organisation with ods_code '%s'", problems.len ? "; " : "",
                      ref);
    }
    /* the chosen service must be eligible now, unless a clinician overrides
     * with a reason (kept in the notes) */
    const char *override = json_string_value(json_object_get(b, "override_reason"));
    route_answer a = {0};
    if (!problems.len && routing_find(d.svc, d.nsvc, d.bh, d.nbh, &q, &a, &sub) == 0) {
        for (int i = 0; i < a.n; i++)
            if (a.items[i].service == si && a.items[i].filter != ROUTE_ELIGIBLE &&
                (!override || !*override))
                sb_printf(&problems,
                          "service %s is not eligible for this patient now: %s (give "
                          "override_reason to refer anyway)",
                          sid, a.items[i].reason);
    }
    routing_answer_free(&a);
    if (problems.len) {
        ics_err_set(&e, ICS_EINVAL, "%s", problems.buf);
        sb_free(&problems);
        store_routing_data_free(&d);
        return http_error(rs, &e);
    }
    sb_free(&problems);
    char notes[1024];
    const char *n0 = json_string_value(json_object_get(b, "notes"));
    snprintf(notes, sizeof notes, "%s%s%s%s", n0 ? n0 : "", n0 && override ? "; " : "",
             override ? "override: " : "", override ? override : "");
    char flags[512] = "";
    for (int i = 0; i < q.nflags; i++)
        snprintf(flags + strlen(flags), sizeof flags - strlen(flags), "%s%s", i ? " " : "",
                 q.flags[i]);
    char pc[9] = "";
    const char *pcin = json_string_value(json_object_get(b, "postcode"));
    if (pcin && valid_postcode(pcin, pc, NULL)) snprintf(pc, sizeof pc, "%.8s", q.where.district);
    store_referral_new r = {
        nhs,   q.age,          q.needs, flags, &q.where, pc, ref, d.svc[si].id, d.svc[si].provider,
        q.now, rq->user->name, notes};
    int64_t id = 0;
    json_t *after = NULL;
    char ids[32];
    rc = store_begin(rq->db, &e);
    if (!rc) rc = store_referral_insert(rq->db, &r, &id, &e);
    if (!rc) rc = store_referral_get(rq->db, id, &after, &e);
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    if (!rc) rc = http_audit(rq, "referrals.create", "referrals", ids, NULL, after, &e);
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    store_routing_data_free(&d);
    if (rc) {
        json_decref(after);
        return http_error(rs, &e);
    }
    snprintf(rs->location, sizeof rs->location, "/api/v1/referrals/%lld", (long long)id);
    return http_json(rs, 201, after);
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
    if (parse_id(rq->params[0], &id, &e) || store_referral_get(rq->db, id, &row, &e))
        return http_error(rs, &e);
    if (!may_see(rq, row)) {
        json_decref(row);
        /* not 403: do not confirm that another organisation's referral exists */
        ics_err_set(&e, ICS_ENOTFOUND, "no referral %lld", (long long)id);
        return http_error(rs, &e);
    }
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
    static const char *const allowed[] = {"limit", "offset", "state", "service",
                                          "place", "from",   "to",    NULL};
    int64_t limit, offset, total = 0;
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e))
        return http_error(rs, &e);
    store_referral_filter f = {0};
    f.state = http_query(rq, "state");
    if (f.state && routing_state_find(f.state) < 0) {
        ics_err_set(&e, ICS_EINVAL,
                    "parameter 'state': '%s' is not one of sent, accepted, declined, attended, "
                    "cancelled",
                    f.state);
        return http_error(rs, &e);
    }
    f.service = http_query(rq, "service");
    f.place = http_query(rq, "place");
    if (time_param(rq, "from", &f.from, &e) || time_param(rq, "to", &f.to, &e))
        return http_error(rs, &e);
    if (!sees_all(rq)) {
        if (!rq->user->org[0]) {
            ics_err_set(&e, ICS_EFORBID, "your user has no organisation, so no referrals to see");
            return http_error(rs, &e);
        }
        f.referrer = f.provider = rq->user->org;
    }
    json_t *rows;
    if (store_referral_list(rq->db, &f, limit, offset, &rows, &total, &e))
        return http_error(rs, &e);
    return http_json(rs, 200,
                     json_pack("{sosIsIsI}", "items", rows, "total", (json_int_t)total, "limit",
                               (json_int_t)limit, "offset", (json_int_t)offset));
}

static const json_field decline_fields[] = {{"reason", JF_STRING, 1}, {NULL, 0, 0}};
static const json_field cancel_fields[] = {{"reason", JF_STRING, 0}, {NULL, 0, 0}};
static const json_field attend_fields[] = {{"attended_at", JF_STRING, 0}, {NULL, 0, 0}};
static const json_field accept_fields[] = {{NULL, 0, 0}};

static int referral_action(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    const char *slash = strrchr(rq->path, '/');
    int action = routing_action_find(slash ? slash + 1 : "");
    static const json_field *const fields[] = {accept_fields, decline_fields, attend_fields,
                                               cancel_fields};
    int64_t id = 0, now = tz_now(), attended = now;
    if (action < 0) {
        ics_err_set(&e, ICS_ENOTFOUND, "no such action");
        return http_error(rs, &e);
    }
    if (parse_id(rq->params[0], &id, &e)) return http_error(rs, &e);
    /* accept needs no body; the others may have one */
    if ((rq->json || action == REF_DECLINE) && http_body_check(rq, fields[action], &e))
        return http_error(rs, &e);
    const char *reason = rq->json ? json_string_value(json_object_get(rq->json, "reason")) : NULL;
    const char *at = rq->json ? json_string_value(json_object_get(rq->json, "attended_at")) : NULL;
    if (at && tz_parse(at, &attended, &e)) {
        ics_err_prefix(&e, "field 'attended_at': ");
        return http_error(rs, &e);
    }
    json_t *row, *before = NULL, *after = NULL;
    if (store_referral_get(rq->db, id, &row, &e)) return http_error(rs, &e);
    int visible = may_see(rq, row);
    /* the receiving service accepts, declines and records attendance; either
     * side may cancel */
    int provider =
        sees_all(rq) ||
        strcmp(rq->user->org, json_string_value(json_object_get(row, "provider_ods"))) == 0;
    json_decref(row);
    if (!visible) {
        ics_err_set(&e, ICS_ENOTFOUND, "no referral %lld", (long long)id);
        return http_error(rs, &e);
    }
    if (action != REF_CANCEL && !provider) {
        ics_err_set(&e, ICS_EFORBID, "only the receiving service's organisation may %s a referral",
                    routing_action_name(action));
        return http_error(rs, &e);
    }
    int rc = store_begin(rq->db, &e);
    if (!rc)
        rc = store_referral_step(rq->db, id, action, reason, attended, now, &before, &after, &e);
    char ids[32], act[48];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    snprintf(act, sizeof act, "referrals.%s", routing_action_name(action));
    if (!rc) rc = http_audit(rq, act, "referrals", ids, before, after, &e);
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    json_decref(before);
    if (rc) {
        json_decref(after);
        return http_error(rs, &e);
    }
    return http_json(rs, 200, after);
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
    if (parse_id(rq->params[0], &id, &e) || store_referral_get(rq->db, id, &row, &e))
        return http_error(rs, &e);
    if (!may_see(rq, row)) {
        json_decref(row);
        ics_err_set(&e, ICS_ENOTFOUND, "no referral %lld", (long long)id);
        return http_error(rs, &e);
    }
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
    if (!sees_all(rq)) f.referrer = f.provider = rq->user->org;
    json_t *rows, *entries = json_array();
    int64_t total = 0;
    /* active and revoked each cover two states: filter after reading */
    if (store_referral_list(rq->db, &f, status && strcmp(status, "completed") ? 1000 : count, 0,
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

static const json_field capacity_fields[] = {
    {"used_today", JF_INT, 1}, {"capacity", JF_INT, 0}, {NULL, 0, 0}};

static int capacity_put(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (http_body_check(rq, capacity_fields, &e)) return http_error(rs, &e);
    const char *id = rq->params[0];
    json_t *p = json_pack("[s]", id), *svc;
    int rc = store_query_one(rq->db,
                             "SELECT provider_ods, COALESCE(daily_capacity, 0) AS daily_capacity "
                             "FROM services WHERE service_id = ?",
                             p, &svc, &e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) ics_err_set(&e, ICS_ENOTFOUND, "no service with service_id '%s'", id);
    if (rc) return http_error(rs, &e);
    char prov[16];
    snprintf(prov, sizeof prov, "%s", json_string_value(json_object_get(svc, "provider_ods")));
    int ok = sees_all(rq) || strcmp(rq->user->org, prov) == 0;
    json_int_t daily = json_integer_value(json_object_get(svc, "daily_capacity"));
    json_decref(svc);
    if (!ok) {
        ics_err_set(&e, ICS_EFORBID, "only the provider (%s) may update this service's capacity",
                    prov);
        return http_error(rs, &e);
    }
    json_int_t used = json_integer_value(json_object_get(rq->json, "used_today"));
    json_t *c = json_object_get(rq->json, "capacity");
    json_int_t cap = c && json_is_integer(c) ? json_integer_value(c) : daily;
    if (used < 0 || used > 100000 || cap < 0 || cap > 100000) {
        ics_err_set(&e, ICS_EINVAL, "used_today and capacity must be 0-100000");
        return http_error(rs, &e);
    }
    json_t *before = NULL, *after = NULL;
    rc = store_begin(rq->db, &e);
    if (!rc)
        rc = store_routing_capacity_set(rq->db, id, (int)used, (int)cap, tz_now(), rq->user->name,
                                        &before, &after, &e);
    if (!rc) rc = http_audit(rq, "services.capacity", "services", id, before, after, &e);
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    json_decref(before);
    if (rc) {
        json_decref(after);
        return http_error(rs, &e);
    }
    return http_json(rs, 200, after);
}

/* ---- reports ----------------------------------------------------------- */

static int report_ucr(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"from", "to", "standard", NULL};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    int64_t now = tz_now(), to = now, from = now - 365 * 86400LL;
    if (time_param(rq, "from", &from, &e) || time_param(rq, "to", &to, &e))
        return http_error(rs, &e);
    int standard = ROUTE_UCR_STANDARD;
    const char *sv = http_query(rq, "standard");
    if (sv) {
        char *end;
        long v = strtol(sv, &end, 10);
        if (*end || v < 1 || v > 10080) {
            ics_err_set(&e, ICS_EINVAL, "parameter 'standard': minutes 1-10080");
            return http_error(rs, &e);
        }
        standard = (int)v;
    }
    routing_data d;
    route_ref *refs = NULL;
    int n = 0, nsyn = 0;
    route_ucr_report r = {0};
    int rc = store_routing_load(rq->db, &d, &e);
    if (!rc) rc = store_referral_refs(rq->db, &d, from, to, &refs, &n, &nsyn, &e);
    if (!rc) rc = routing_ucr_report(refs, n, d.nsvc, d.nplaces, from, to, standard, now, &r, &e);
    json_t *out = rc ? NULL : store_routing_ucr_json(&d, &r, from, to, standard, nsyn);
    free(refs);
    routing_ucr_report_free(&r);
    store_routing_data_free(&d);
    if (rc) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int report_harm(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {"kind", NULL};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    const char *kind = http_query(rq, "kind");
    routing_data d;
    route_harm_report r = {0};
    int rc = store_routing_load(rq->db, &d, &e);
    if (!rc)
        rc = routing_harm_report(d.svc, d.nsvc, (const char(*)[ROUTE_CODE])d.places, d.nplaces,
                                 kind, &r, &e);
    json_t *out = rc ? NULL : store_routing_harm_json(&d, &r, kind);
    routing_harm_report_free(&r);
    store_routing_data_free(&d);
    if (rc) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

const http_route http_routes_routing[] = {
    {"POST", "/api/v1/route", ROLE_ADMIN | ROLE_CLINICIAN, route,
     "Find eligible rapid-response services for a patient, ranked, with reasons", NULL},
    {"GET", "/api/v1/referrals", ROLES_SEE, referral_list, "List referrals visible to the caller",
     NULL},
    {"POST", "/api/v1/referrals", ROLE_ADMIN | ROLE_CLINICIAN, referral_create,
     "Send a referral to a service", NULL},
    {"GET", "/api/v1/referrals/{id}", ROLES_SEE, referral_get, "One referral", NULL},
    {"POST", "/api/v1/referrals/{id}/accept", ROLES_SEE, referral_action,
     "The receiving service accepts a referral", NULL},
    {"POST", "/api/v1/referrals/{id}/decline", ROLES_SEE, referral_action,
     "The receiving service declines a referral, with a reason", NULL},
    {"POST", "/api/v1/referrals/{id}/attend", ROLES_SEE, referral_action,
     "Record the first visit to the patient", NULL},
    {"POST", "/api/v1/referrals/{id}/cancel", ROLES_SEE, referral_action,
     "Cancel a referral (referrer or receiving service)", NULL},
    {"PUT", "/api/v1/services/{id}/capacity", ROLES_SEE, capacity_put,
     "The provider reports a service's live capacity for today", NULL},
    {"GET", "/api/v1/fhir/ServiceRequest", ROLES_SEE, fhir_search,
     "FHIR ServiceRequest searchset of visible referrals (newest first)", NULL},
    {"GET", "/api/v1/fhir/ServiceRequest/{id}", ROLES_SEE, fhir_read,
     "A referral as a FHIR ServiceRequest", NULL},
    {"GET", "/api/v1/reports/ucr", ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST, report_ucr,
     "2-hour urgent community response standard by service, place and ICS", NULL},
    {"GET", "/api/v1/reports/harmonisation", ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST,
     report_harm, "Capability cover by place and hour, gaps, and differences between places", NULL},
    {NULL, NULL, 0, NULL, NULL, NULL}};
