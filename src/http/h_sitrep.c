/* h_sitrep.c - the sitrep API: daily submissions (versioned), the daily
 * call view, provider history with SPC signals, the OPEL thresholds in
 * force, and the mutual-aid lifecycle. Trust operations users act for their
 * own organisation; coordinators and admins act for any and see all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "http/http.h"
#include "store/sitrep.h"

#define SITREP_AMEND_DAYS 14 /* the national sitrep is amendable for 14 days */

static int64_t today(void)
{
    tz_local l;
    tz_to_local(tz_now(), &l);
    return l.date;
}

static int is_coordinator(const http_req *rq)
{
    return rq->user && (rq->user->role_bit & (ROLE_ADMIN | ROLE_COORDINATOR));
}

static store_sitrep_actor actor_of(const http_req *rq)
{
    store_sitrep_actor a = {rq->user ? rq->user->name : "anonymous", rq->user ? rq->user->org : "",
                            is_coordinator(rq)};
    return a;
}

/* A date query parameter, or def when absent. */
static int query_day(http_req *rq, const char *name, int64_t def, int64_t *out, ics_err *e)
{
    const char *v = http_query(rq, name);
    *out = def;
    if (!v) return 0;
    if (tz_parse_date(v, out, e)) {
        char m[sizeof e->msg];
        snprintf(m, sizeof m, "%s", e->msg);
        return ics_err_set(e, ICS_EINVAL, "query '%s': %s", name, m);
    }
    return 0;
}

static int load_thresholds(http_req *rq, sitrep_thresholds **t, ics_err *e)
{
    return store_sitrep_thresholds_load(rq->db, t, e);
}

static int get_today(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t day;
    sitrep_thresholds *t = NULL;
    json_t *out;
    if (query_day(rq, "day", today(), &day, &e) || load_thresholds(rq, &t, &e) ||
        store_sitrep_day_json(rq->db, t, day, &out, &e)) {
        sitrep_thresholds_free(t);
        return http_error(rs, &e);
    }
    sitrep_thresholds_free(t);
    return http_json(rs, 200, out);
}

static int post_submission(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "a JSON object body is required");
        return http_error(rs, &e);
    }
    sitrep_submission sub;
    if (store_sitrep_parse(rq->db, rq->json, today(), SITREP_AMEND_DAYS, &sub, &e))
        return http_error(rs, &e);
    if (!is_coordinator(rq) && strncmp(sub.org, rq->user->org, 3) != 0) {
        ics_err_set(&e, ICS_EFORBID,
                    "trust operations users submit for their own organisation (%s), not %s",
                    rq->user->org[0] ? rq->user->org : "none", sub.org);
        return http_error(rs, &e);
    }
    sitrep_thresholds *t = NULL;
    json_t *before = NULL, *saved = NULL, *versions = NULL;
    int rc = store_begin(rq->db, &e);
    if (rc) return http_error(rs, &e);
    rc = load_thresholds(rq, &t, &e);
    if (!rc) rc = store_sitrep_versions_json(rq->db, sub.org, sub.day, &versions, &e);
    if (!rc) {
        before = json_incref(json_array_get(versions, 0));
        rc = store_sitrep_save(rq->db, t, &sub, rq->user->name, "api", &saved, &e);
    }
    char id[64] = "";
    if (!rc) {
        snprintf(id, sizeof id, "%s/%s/v%lld", sub.org,
                 json_string_value(json_object_get(saved, "day")),
                 (long long)json_integer_value(json_object_get(saved, "version")));
        rc = http_audit(rq, before ? "sitrep.amend" : "sitrep.submit", "sitrep", id, before, saved,
                        &e);
    }
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    sitrep_thresholds_free(t);
    json_decref(before);
    json_decref(versions);
    if (rc) {
        json_decref(saved);
        return http_error(rs, &e);
    }
    snprintf(rs->location, sizeof rs->location, "/api/v1/sitrep/providers/%s/days/%s", sub.org,
             json_string_value(json_object_get(saved, "day")));
    return http_json(rs, 201, saved);
}

static int get_history(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t from, to;
    json_t *out;
    if (query_day(rq, "to", today(), &to, &e) || query_day(rq, "from", to - 89, &from, &e) ||
        store_sitrep_history_json(rq->db, rq->params[0], from, to, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int get_versions(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t day;
    json_t *out;
    store_sitrep_provider pv;
    if (store_sitrep_provider_find(rq->db, rq->params[0], &pv, &e)) {
        e.code = ICS_ENOTFOUND;
        return http_error(rs, &e);
    }
    if (tz_parse_date(rq->params[1], &day, &e)) return http_error(rs, &e);
    if (store_sitrep_versions_json(rq->db, pv.code, day, &out, &e)) return http_error(rs, &e);
    if (json_array_size(out) == 0) {
        json_decref(out);
        ics_err_set(&e, ICS_ENOTFOUND, "no sitrep from %s for %s", pv.code, rq->params[1]);
        return http_error(rs, &e);
    }
    return http_json(rs, 200,
                     json_pack("{sssssIso}", "org", pv.code, "day", rq->params[1], "versions",
                               (json_int_t)json_array_size(out), "items", out));
}

static int get_thresholds(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *out;
    if (store_sitrep_thresholds_json(rq->db, &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

/* Replace the thresholds in force (an ICS loading the official values). */
static int put_thresholds(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "a JSON object body is required");
        return http_error(rs, &e);
    }
    sitrep_thresholds *t;
    char source[256];
    if (store_sitrep_thresholds_parse(rq->json, &t, source, sizeof source, &e))
        return http_error(rs, &e);
    json_t *before = NULL, *after = NULL;
    int rc = store_begin(rq->db, &e);
    if (!rc) {
        rc = store_sitrep_thresholds_json(rq->db, &before, &e);
        if (!rc) rc = store_sitrep_thresholds_save(rq->db, t, source, &e);
        if (!rc) rc = store_sitrep_thresholds_json(rq->db, &after, &e);
        if (!rc)
            rc = http_audit(rq, "sitrep.thresholds.load", "sitrep_thresholds", source, before,
                            after, &e);
        if (!rc)
            rc = store_commit(rq->db, &e);
        else
            store_rollback(rq->db);
    }
    sitrep_thresholds_free(t);
    json_decref(before);
    if (rc) {
        json_decref(after);
        return http_error(rs, &e);
    }
    return http_json(rs, 200, after);
}

static int get_fields(http_req *rq, http_resp *rs)
{
    (void)rq;
    json_t *kinds = json_object();
    for (int k = 0; k < SITREP_NKINDS; k++) {
        json_t *a = json_array();
        for (int f = 0; f < SITREP_NFIELDS; f++) {
            const sitrep_field_def *d = sitrep_field(f);
            if (!sitrep_field_applies(f, k)) continue;
            json_array_append_new(a, json_pack("{sssssbsfsfsb}", "name", d->name, "label", d->label,
                                               "integer", d->is_int, "min", d->min, "max", d->max,
                                               "required", (d->required >> k) & 1));
        }
        json_object_set_new(kinds, sitrep_kind_name(k), a);
    }
    return http_json(rs, 200, json_pack("{so}", "kinds", kinds));
}

/* ---- mutual aid ------------------------------------------------------------ */

static int aid_id(http_req *rq, int64_t *id, ics_err *e)
{
    char *end;
    long long v = strtoll(rq->params[0], &end, 10);
    if (*end || v < 1)
        return ics_err_set(e, ICS_ENOTFOUND, "no mutual-aid request '%s'", rq->params[0]);
    *id = v;
    return 0;
}

static int list_aid(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    store_sitrep_actor who = actor_of(rq);
    json_t *out;
    if (store_sitrep_aid_list(rq->db, &who, http_query(rq, "state"), &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200,
                     json_pack("{soss}", "items", out, "visibility",
                               who.coordinator ? "all requests"
                                               : "requests open to offers and those "
                                                 "your organisation is party to"));
}

static int create_aid(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "a JSON object body is required");
        return http_error(rs, &e);
    }
    store_sitrep_actor who = actor_of(rq);
    json_t *out = NULL;
    int rc = store_begin(rq->db, &e);
    if (rc) return http_error(rs, &e);
    rc = store_sitrep_aid_create(rq->db, rq->json, &who, today(), &out, &e);
    char id[32] = "";
    if (!rc) {
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(out, "id")));
        rc = http_audit(rq, "sitrep.aid.request", "sitrep_aid", id, NULL, out, &e);
    }
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    if (rc) {
        json_decref(out);
        return http_error(rs, &e);
    }
    snprintf(rs->location, sizeof rs->location, "/api/v1/sitrep/aid/%s", id);
    return http_json(rs, 201, out);
}

/* A trust_ops user sees a request open to offers or one their org is party to. */
static int may_see(http_req *rq, json_t *req)
{
    if (is_coordinator(rq)) return 1;
    const char *org = rq->user->org, *state = json_string_value(json_object_get(req, "state"));
    if (strcmp(state, "open") == 0 || strcmp(state, "offered") == 0) return 1;
    if (!org[0]) return 0;
    if (strncmp(json_string_value(json_object_get(req, "org")), org, 3) == 0) return 1;
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(req, "offers"), i, o)
    {
        if (strncmp(json_string_value(json_object_get(o, "org")), org, 3) == 0) return 1;
    }
    return 0;
}

static int get_aid(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *out;
    if (aid_id(rq, &id, &e) || store_sitrep_aid_get(rq->db, id, &out, &e))
        return http_error(rs, &e);
    if (!may_see(rq, out)) {
        json_decref(out);
        ics_err_set(&e, ICS_EFORBID,
                    "this request is closed to offers and your organisation is not party to it");
        return http_error(rs, &e);
    }
    return http_json(rs, 200, out);
}

static int suggest_aid(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *out;
    if (aid_id(rq, &id, &e) || store_sitrep_aid_suggest(rq->db, id, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int act(http_req *rq, http_resp *rs, int action, int created)
{
    ics_err e = {0};
    int64_t id = 0;
    if (aid_id(rq, &id, &e)) return http_error(rs, &e);
    if (rq->body_len > 0 && !rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "the body must be a JSON object");
        return http_error(rs, &e);
    }
    store_sitrep_actor who = actor_of(rq);
    json_t *before = NULL, *after = NULL;
    int rc = store_begin(rq->db, &e);
    if (rc) return http_error(rs, &e);
    rc = store_sitrep_aid_act(rq->db, id, action, rq->json, &who, &before, &after, &e);
    if (!rc) {
        char action_name[48], oid[32];
        snprintf(action_name, sizeof action_name, "sitrep.aid.%s", sitrep_aid_action_name(action));
        snprintf(oid, sizeof oid, "%lld", (long long)id);
        rc = http_audit(rq, action_name, "sitrep_aid", oid, before, after, &e);
    }
    if (!rc)
        rc = store_commit(rq->db, &e);
    else
        store_rollback(rq->db);
    json_decref(before);
    if (rc) {
        json_decref(after);
        return http_error(rs, &e);
    }
    if (created)
        snprintf(rs->location, sizeof rs->location, "/api/v1/sitrep/aid/%lld", (long long)id);
    return http_json(rs, created ? 201 : 200, after);
}

static int offer_aid(http_req *rq, http_resp *rs)
{
    return act(rq, rs, SITREP_AID_OFFER, 1);
}

static int agree_aid(http_req *rq, http_resp *rs)
{
    return act(rq, rs, SITREP_AID_AGREE, 0);
}

static int fulfil_aid(http_req *rq, http_resp *rs)
{
    return act(rq, rs, SITREP_AID_FULFIL, 0);
}

static int withdraw_aid(http_req *rq, http_resp *rs)
{
    return act(rq, rs, SITREP_AID_WITHDRAW, 0);
}

#define OPS (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_TRUST_OPS)

const http_route http_routes_sitrep[] = {
    {"GET", "/api/v1/sitrep/today", ROLE_ANY, get_today,
     "Daily call view: every provider's OPEL level, drivers, changes, trend and who is missing",
     NULL},
    {"POST", "/api/v1/sitrep/submissions", OPS, post_submission,
     "Submit (or amend, as a new version) a provider's daily sitrep", NULL},
    {"GET", "/api/v1/sitrep/providers/{org}/history", ROLE_ANY, get_history,
     "A provider's sitreps over a period with SPC signals per parameter", NULL},
    {"GET", "/api/v1/sitrep/providers/{org}/days/{day}", ROLE_ANY, get_versions,
     "Every version of one provider-day, newest first", NULL},
    {"GET", "/api/v1/sitrep/thresholds", ROLE_ANY, get_thresholds,
     "The OPEL thresholds, weights and level cut-offs in force", NULL},
    {"PUT", "/api/v1/sitrep/thresholds", ROLE_ADMIN, put_thresholds,
     "Replace the OPEL thresholds and cut-offs (earlier sitreps keep their levels)", NULL},
    {"GET", "/api/v1/sitrep/fields", ROLE_ANY, get_fields,
     "The figures each kind of provider submits", NULL},
    {"GET", "/api/v1/sitrep/aid", OPS, list_aid, "List mutual-aid requests", NULL},
    {"POST", "/api/v1/sitrep/aid", OPS, create_aid, "Ask for mutual aid", NULL},
    {"GET", "/api/v1/sitrep/aid/{id}", OPS, get_aid, "One mutual-aid request with its offers",
     NULL},
    {"GET", "/api/v1/sitrep/aid/{id}/suggestions", OPS, suggest_aid,
     "Organisations that could help, ranked from their latest sitreps", NULL},
    {"POST", "/api/v1/sitrep/aid/{id}/offers", OPS, offer_aid, "Offer aid against a request", NULL},
    {"POST", "/api/v1/sitrep/aid/{id}/agree", OPS, agree_aid, "Agree one offer", NULL},
    {"POST", "/api/v1/sitrep/aid/{id}/fulfil", OPS, fulfil_aid, "Mark agreed aid fulfilled", NULL},
    {"POST", "/api/v1/sitrep/aid/{id}/withdraw", OPS, withdraw_aid, "Withdraw a request", NULL},
    {NULL, NULL, 0, NULL, NULL, NULL}};
