/* h_sitrep.c - the sitrep API: daily submissions (versioned), the daily
 * call view, provider history with SPC signals, the OPEL thresholds in
 * force, and the mutual-aid lifecycle. Each handler parses the request and
 * calls one use case in src/app/sitrep.c, which checks roles and
 * organisation scope (declared in the route's .use), writes, audits and
 * emits the change event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sitrep.h"
#include "core/csv.h"
#include "core/sb.h"
#include "core/tz.h"
#include "http/http.h"

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

/* Answer with out (stolen) or the error. */
static int reply(http_resp *rs, int rc, const ics_err *e, int status, json_t *out)
{
    return rc ? http_error(rs, e) : http_json(rs, status, out);
}

static int get_today(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t day;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = query_day(rq, "day", tz_local_date(tz_now()), &day, &e);
    if (!rc) rc = app_sitrep_today(&c, day, &out, &e);
    return reply(rs, rc, &e, 200, out);
}

/* ---- the return to NHS England ------------------------------------------
 * The national UEC daily sitrep is a web form (NHS England, "Process and
 * definitions for the daily situation report web form"), not a file
 * format, so the return is a CSV whose columns are that form's items for
 * general and acute beds (core and escalation, occupied at 08:00), adult
 * critical care, long stays (7+, 14+, 21+ days) and ambulance handovers:
 * one row per acute or specialist trust that submitted for the day, the
 * figures exactly as the daily call view holds them. Not collected here,
 * so not in the file: the adult / paediatric split of G&A beds, paediatric
 * and neonatal critical care, beds closed for D&V. docs/sitrep.md. */

static const struct {
    const char *column, *figure;
} uec_cols[] = {{"ga_core_beds_open", "ga_beds_core"},
                {"ga_escalation_beds_open", "ga_beds_escalation"},
                {"ga_beds_occupied_0800", "ga_beds_occupied"},
                {"adult_cc_beds_open", "cc_beds"},
                {"adult_cc_beds_occupied", "cc_occupied"},
                {"patients_los_7plus", "los_7plus"},
                {"patients_los_14plus", "los_14plus"},
                {"patients_los_21plus", "los_21plus"},
                {"patients_not_meeting_criteria_to_reside", "nctr_patients"},
                {"ambulance_arrivals", "ambulance_arrivals"},
                {"ambulance_handovers_over_60_min", "handovers_over_60"},
                {"ed_attendances", "ed_attendances"},
                {"ed_patients_over_12h", "ed_over_12h"},
                {NULL, NULL}};

/* One CSV cell: quoted when it holds a comma, quote or line break. */
static int get_uec_return(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"day", NULL};
    ics_err e = {0};
    int64_t day;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) ||
        query_day(rq, "day", tz_local_date(tz_now()), &day, &e) ||
        app_sitrep_today(&c, day, &out, &e))
        return http_error(rs, &e);
    sb b;
    sb_init(&b);
    csv_cell(&b, "period", 1);
    csv_cell(&b, "org_code", 0);
    csv_cell(&b, "org_name", 0);
    for (int i = 0; uec_cols[i].column; i++) csv_cell(&b, uec_cols[i].column, 0);
    csv_cell(&b, "submitted_at", 0);
    csv_cell(&b, "data_origin", 0);
    sb_puts(&b, "\r\n");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(out, "providers"), i, p)
    {
        const char *kind = json_string_value(json_object_get(p, "kind"));
        if (!kind || (strcmp(kind, "acute") && strcmp(kind, "specialist"))) continue;
        if (!json_is_true(json_object_get(p, "submitted"))) continue;
        json_t *f = json_object_get(p, "figures");
        csv_cell(&b, json_string_value(json_object_get(out, "day")), 1);
        csv_cell(&b, json_string_value(json_object_get(p, "org")), 0);
        csv_cell(&b, json_string_value(json_object_get(p, "name")), 0);
        for (int k = 0; uec_cols[k].column; k++) {
            json_t *v = json_object_get(f, uec_cols[k].figure);
            char num[32] = "";
            if (json_is_integer(v))
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            csv_cell(&b, num, 0);
        }
        const char *at = json_string_value(json_object_get(p, "submitted_at"));
        csv_cell(&b, at ? at : "", 0);
        const char *src = json_string_value(json_object_get(p, "source"));
        csv_cell(&b, src && strcmp(src, "synthetic") == 0 ? "synthetic" : "submitted", 0);
        sb_puts(&b, "\r\n");
    }
    json_decref(out);
    http_text(rs, 200, "text/csv; charset=utf-8", b.buf ? b.buf : "", b.len);
    sb_free(&b);
    return 0;
}

static int post_submission(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "a JSON object body is required");
        return http_error(rs, &e);
    }
    app_ctx c = http_app(rq);
    json_t *saved = NULL;
    if (app_sitrep_submit(&c, rq->json, &saved, &e)) return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/sitrep/providers/%s/days/%s",
             json_string_value(json_object_get(saved, "org")),
             json_string_value(json_object_get(saved, "day")));
    return http_json(rs, 201, saved);
}

static int get_history(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t from, to;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = query_day(rq, "to", tz_local_date(tz_now()), &to, &e);
    if (!rc) rc = query_day(rq, "from", to - 89, &from, &e);
    if (!rc) rc = app_sitrep_history(&c, rq->params[0], from, to, &out, &e);
    return reply(rs, rc, &e, 200, out);
}

static int get_versions(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = app_sitrep_versions(&c, rq->params[0], rq->params[1], &out, &e);
    return reply(rs, rc, &e, 200, out);
}

static int get_thresholds(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = app_sitrep_thresholds_get(&c, &out, &e);
    return reply(rs, rc, &e, 200, out);
}

/* Replace the thresholds in force (an ICS loading the official values). */
static int put_thresholds(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "a JSON object body is required");
        return http_error(rs, &e);
    }
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = app_sitrep_thresholds_load(&c, rq->json, &out, &e);
    return reply(rs, rc, &e, 200, out);
}

static int get_fields(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = app_sitrep_fields(&c, &out, &e);
    return reply(rs, rc, &e, 200, out);
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
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = app_sitrep_aid_list(&c, http_query(rq, "state"), &out, &e);
    return reply(rs, rc, &e, 200, out);
}

static int create_aid(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (!rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "a JSON object body is required");
        return http_error(rs, &e);
    }
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    if (app_sitrep_aid_request(&c, rq->json, &out, &e)) return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/sitrep/aid/%lld",
             (long long)json_integer_value(json_object_get(out, "id")));
    return http_json(rs, 201, out);
}

static int get_aid(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = aid_id(rq, &id, &e);
    if (!rc) rc = app_sitrep_aid_get(&c, id, &out, &e);
    return reply(rs, rc, &e, 200, out);
}

static int suggest_aid(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = aid_id(rq, &id, &e);
    if (!rc) rc = app_sitrep_aid_suggest(&c, id, &out, &e);
    return reply(rs, rc, &e, 200, out);
}

typedef int (*aid_step_fn)(app_ctx *, int64_t, const json_t *, json_t **, ics_err *);

static int act(http_req *rq, http_resp *rs, aid_step_fn step, int created)
{
    ics_err e = {0};
    int64_t id = 0;
    if (aid_id(rq, &id, &e)) return http_error(rs, &e);
    if (rq->body_len > 0 && !rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "the body must be a JSON object");
        return http_error(rs, &e);
    }
    json_t *after = NULL;
    app_ctx c = http_app(rq);
    if (step(&c, id, rq->json, &after, &e)) return http_error(rs, &e);
    if (created)
        snprintf(rs->location, sizeof rs->location, "/api/v1/sitrep/aid/%lld", (long long)id);
    return http_json(rs, created ? 201 : 200, after);
}

static int offer_aid(http_req *rq, http_resp *rs)
{
    return act(rq, rs, app_sitrep_aid_offer, 1);
}

static int agree_aid(http_req *rq, http_resp *rs)
{
    return act(rq, rs, app_sitrep_aid_agree, 0);
}

static int fulfil_aid(http_req *rq, http_resp *rs)
{
    return act(rq, rs, app_sitrep_aid_fulfil, 0);
}

static int withdraw_aid(http_req *rq, http_resp *rs)
{
    return act(rq, rs, app_sitrep_aid_withdraw, 0);
}

/* ---- escalation actions ------------------------------------------------------ */

static int get_actions(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t day;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = query_day(rq, "day", tz_local_date(tz_now()), &day, &e);
    if (!rc) rc = app_sitrep_actions_list(&c, day, &out, &e);
    return reply(rs, rc, &e, 200, out);
}

static int action_step(http_req *rq, http_resp *rs, aid_step_fn step)
{
    ics_err e = {0};
    char *end;
    long long id = strtoll(rq->params[0], &end, 10);
    if (*end || id < 1) {
        ics_err_set(&e, ICS_ENOTFOUND, "no action '%s'", rq->params[0]);
        return http_error(rs, &e);
    }
    if (rq->body_len > 0 && !rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "the body must be a JSON object");
        return http_error(rs, &e);
    }
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    if (step(&c, id, rq->json, &out, &e)) return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int assign_action(http_req *rq, http_resp *rs)
{
    return action_step(rq, rs, app_sitrep_action_assign);
}

static int done_action(http_req *rq, http_resp *rs)
{
    return action_step(rq, rs, app_sitrep_action_done);
}

static int note_action(http_req *rq, http_resp *rs)
{
    return action_step(rq, rs, app_sitrep_action_note);
}

const http_route http_routes_sitrep[] = {
    {"GET", "/api/v1/sitrep/today", 0, get_today,
     "Daily call view: every provider's OPEL level, drivers, changes, trend and who is missing",
     &APP_SITREP_TODAY},
    {"GET", "/api/v1/sitrep/returns/uec", 0, get_uec_return,
     "The day's return to NHS England's UEC daily sitrep (CSV, one row per acute trust)",
     &APP_SITREP_TODAY},
    {"POST", "/api/v1/sitrep/submissions", 0, post_submission,
     "Submit (or amend, as a new version) a provider's daily sitrep", &APP_SITREP_SUBMIT},
    {"GET", "/api/v1/sitrep/providers/{org}/history", 0, get_history,
     "A provider's sitreps over a period with SPC signals per parameter", &APP_SITREP_HISTORY},
    {"GET", "/api/v1/sitrep/providers/{org}/days/{day}", 0, get_versions,
     "Every version of one provider-day, newest first", &APP_SITREP_VERSIONS},
    {"GET", "/api/v1/sitrep/thresholds", 0, get_thresholds,
     "The OPEL thresholds, weights and level cut-offs in force", &APP_SITREP_THRESHOLDS_GET},
    {"PUT", "/api/v1/sitrep/thresholds", 0, put_thresholds,
     "Replace the OPEL thresholds and cut-offs (earlier sitreps keep their levels)",
     &APP_SITREP_THRESHOLDS_LOAD},
    {"GET", "/api/v1/sitrep/fields", 0, get_fields, "The figures each kind of provider submits",
     &APP_SITREP_FIELDS},
    {"GET", "/api/v1/sitrep/aid", 0, list_aid, "List mutual-aid requests", &APP_SITREP_AID_LIST},
    {"POST", "/api/v1/sitrep/aid", 0, create_aid, "Ask for mutual aid", &APP_SITREP_AID_REQUEST},
    {"GET", "/api/v1/sitrep/aid/{id}", 0, get_aid, "One mutual-aid request with its offers",
     &APP_SITREP_AID_GET},
    {"GET", "/api/v1/sitrep/aid/{id}/suggestions", 0, suggest_aid,
     "Organisations that could help, ranked from their latest sitreps", &APP_SITREP_AID_SUGGEST},
    {"POST", "/api/v1/sitrep/aid/{id}/offers", 0, offer_aid, "Offer aid against a request",
     &APP_SITREP_AID_OFFER},
    {"POST", "/api/v1/sitrep/aid/{id}/agree", 0, agree_aid, "Agree one offer",
     &APP_SITREP_AID_AGREE},
    {"POST", "/api/v1/sitrep/aid/{id}/fulfil", 0, fulfil_aid, "Mark agreed aid fulfilled",
     &APP_SITREP_AID_FULFIL},
    {"POST", "/api/v1/sitrep/aid/{id}/withdraw", 0, withdraw_aid, "Withdraw a request",
     &APP_SITREP_AID_WITHDRAW},
    {"GET", "/api/v1/sitrep/actions", 0, get_actions,
     "A day's checklist of OPEL escalation actions, opened when a pillar or the ICS reaches a "
     "level",
     &APP_SITREP_ACTIONS_LIST},
    {"POST", "/api/v1/sitrep/actions/{id}/assign", 0, assign_action,
     "Assign an escalation action (to the caller, or to a user who may own it)",
     &APP_SITREP_ACTION_ASSIGN},
    {"POST", "/api/v1/sitrep/actions/{id}/done", 0, done_action,
     "Tick (or untick) an escalation action", &APP_SITREP_ACTION_DONE},
    {"POST", "/api/v1/sitrep/actions/{id}/note", 0, note_action,
     "Add a time-stamped note to an escalation action", &APP_SITREP_ACTION_NOTE},
    {NULL, NULL, 0, NULL, NULL, NULL}};
