/* h_governance.c - the governance API: the decisions register,
 * delegations and the outcomes their holders answer for, the live
 * accountability view and its measures, and priority setting (criteria,
 * survey responses as text/csv, work areas, the ranking with its
 * sensitivity). Handlers parse and print; src/app/accountability.c and
 * src/app/priorities.c check roles, validate, audit and commit. */
#include <stdlib.h>
#include <string.h>

#include "app/accountability.h"
#include "app/priorities.h"
#include "http/http.h"

/* A positive integer path parameter, else 404. */
static int path_id(http_req *rq, int i, const char *what, int64_t *id, ics_err *e)
{
    const char *v = rq->params[i];
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x <= 0) return ics_err_set(e, ICS_ENOTFOUND, "no %s '%.40s'", what, v);
    *id = x;
    return 0;
}

static int answer(http_resp *rs, int rc, const ics_err *e, json_t *out, int status)
{
    return rc ? http_error(rs, e) : http_json(rs, status, out);
}

static int only_ics(http_req *rq, ics_err *e)
{
    static const char *const allowed[] = {"ics", NULL};
    return http_query_only(rq, allowed, e);
}

typedef int (*list_fn)(app_ctx *c, json_t **out, ics_err *e);

static int list(http_req *rq, http_resp *rs, list_fn fn)
{
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = only_ics(rq, &e);
    if (!rc) rc = fn(&c, &out, &e);
    return answer(rs, rc, &e, out, 200);
}

typedef int (*create_fn)(app_ctx *c, const json_t *body, json_t **row, ics_err *e);

static int create(http_req *rq, http_resp *rs, const json_field *f, create_fn fn, const char *path)
{
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = only_ics(rq, &e);
    if (!rc) rc = http_body_check(rq, f, &e);
    if (!rc) rc = fn(&c, rq->json, &out, &e);
    if (!rc && path)
        snprintf(rs->location, sizeof rs->location, "%s/%lld", path,
                 (long long)json_integer_value(json_object_get(out, "id")));
    return answer(rs, rc, &e, out, 201);
}

typedef int (*del_fn)(app_ctx *c, int64_t id, ics_err *e);

static int del(http_req *rq, http_resp *rs, const char *what, del_fn fn)
{
    ics_err e = {0};
    int64_t id = 0;
    app_ctx c = http_app(rq);
    int rc = only_ics(rq, &e);
    if (!rc) rc = path_id(rq, 0, what, &id, &e);
    if (!rc) rc = fn(&c, id, &e);
    if (rc) return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{sIss}", "id", (json_int_t)id, "status", "deleted"));
}

typedef int (*update_fn)(app_ctx *c, int64_t id, const json_t *body, int partial, json_t **row,
                         ics_err *e);

/* PUT (the whole record: f as for create) or PATCH (any of f's fields;
 * null clears an optional one). */
static int update(http_req *rq, http_resp *rs, const json_field *f, const char *what, update_fn fn)
{
    int partial = strcmp(rq->method, "PATCH") == 0;
    json_field pf[16];
    size_t n = 0;
    for (; f[n].name && n < 15; n++)
        pf[n] = (json_field){f[n].name, f[n].kind, partial ? 0 : f[n].required};
    pf[n] = (json_field){NULL, 0, 0};
    ics_err e = {0};
    int64_t id = 0;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = only_ics(rq, &e);
    if (!rc) rc = path_id(rq, 0, what, &id, &e);
    if (!rc) rc = http_body_check(rq, pf, &e);
    if (!rc) rc = fn(&c, id, rq->json, partial, &out, &e);
    return answer(rs, rc, &e, out, 200);
}

/* ---- decisions ---- */

static int decisions_list(http_req *rq, http_resp *rs)
{
    return list(rq, rs, app_gov_decisions);
}

static const json_field decision_fields[] = {{"decided_on", JF_STRING, 1},
                                             {"title", JF_STRING, 1},
                                             {"forum", JF_STRING, 1},
                                             {"rationale", JF_STRING, 1},
                                             {"evidence", JF_STRING, 0},
                                             {"options", JF_STRING, 0},
                                             {NULL, 0, 0}};

static int decision_create(http_req *rq, http_resp *rs)
{
    return create(rq, rs, decision_fields, app_gov_decision_create, "/api/v1/governance/decisions");
}

static int decision_update(http_req *rq, http_resp *rs)
{
    return update(rq, rs, decision_fields, "decision", app_gov_decision_update);
}

static int decision_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = only_ics(rq, &e);
    if (!rc) rc = path_id(rq, 0, "decision", &id, &e);
    if (!rc) rc = app_gov_decision_get(&c, id, &out, &e);
    return answer(rs, rc, &e, out, 200);
}

static int decision_delete(http_req *rq, http_resp *rs)
{
    return del(rq, rs, "decision", app_gov_decision_delete);
}

/* ---- delegations and outcomes ---- */

static int delegations_list(http_req *rq, http_resp *rs)
{
    return list(rq, rs, app_gov_delegations);
}

static const json_field delegation_fields[] = {
    {"holder_kind", JF_STRING, 1},  {"holder_code", JF_STRING, 1},
    {"holder_name", JF_STRING, 0},  {"scope", JF_STRING, 1},
    {"amount_gbp_m", JF_NUMBER, 1}, {"period_from", JF_STRING, 1},
    {"period_to", JF_STRING, 1},    {"conditions", JF_STRING, 0},
    {"decision_id", JF_INT, 0},     {NULL, 0, 0}};

static int delegation_create(http_req *rq, http_resp *rs)
{
    return create(rq, rs, delegation_fields, app_gov_delegation_create,
                  "/api/v1/governance/delegations");
}

static int delegation_update(http_req *rq, http_resp *rs)
{
    return update(rq, rs, delegation_fields, "delegation", app_gov_delegation_update);
}

static int delegation_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = only_ics(rq, &e);
    if (!rc) rc = path_id(rq, 0, "delegation", &id, &e);
    if (!rc) rc = app_gov_delegation_get(&c, id, &out, &e);
    return answer(rs, rc, &e, out, 200);
}

static int delegation_delete(http_req *rq, http_resp *rs)
{
    return del(rq, rs, "delegation", app_gov_delegation_delete);
}

static const json_field outcome_fields[] = {{"measure", JF_STRING, 1},
                                            {"target", JF_NUMBER, 1},
                                            {"place_code", JF_STRING, 0},
                                            {"note", JF_STRING, 0},
                                            {NULL, 0, 0}};

static int outcome_update(http_req *rq, http_resp *rs)
{
    return update(rq, rs, outcome_fields, "outcome", app_gov_outcome_update);
}

static int outcome_create(http_req *rq, http_resp *rs)
{
    const json_field *f = outcome_fields;
    ics_err e = {0};
    int64_t id = 0;
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = only_ics(rq, &e);
    if (!rc) rc = path_id(rq, 0, "delegation", &id, &e);
    if (!rc) rc = http_body_check(rq, f, &e);
    if (!rc) rc = app_gov_outcome_create(&c, id, rq->json, &out, &e);
    return answer(rs, rc, &e, out, 201);
}

static int outcome_delete(http_req *rq, http_resp *rs)
{
    return del(rq, rs, "outcome", app_gov_outcome_delete);
}

static int accountability(http_req *rq, http_resp *rs)
{
    return list(rq, rs, app_gov_accountability);
}

static int measures(http_req *rq, http_resp *rs)
{
    return list(rq, rs, app_gov_measures);
}

/* ---- priorities ---- */

static int criteria_get(http_req *rq, http_resp *rs)
{
    return list(rq, rs, app_prio_criteria);
}

static int criteria_put(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"items", JF_ARRAY, 1}, {NULL, 0, 0}};
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = only_ics(rq, &e);
    if (!rc) rc = http_body_check(rq, f, &e);
    if (!rc) rc = app_prio_criteria_replace(&c, rq->json, &out, &e);
    return answer(rs, rc, &e, out, 200);
}

static int survey_post(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"name", "ics", NULL};
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = http_query_only(rq, allowed, &e);
    const char *name = http_query(rq, "name") ? http_query(rq, "name") : "survey.csv";
    if (!rc && rq->json) rc = ics_err_set(&e, ICS_EBADREQ, "send the survey as text/csv");
    if (!rc && (!rq->body || rq->body_len == 0))
        rc = ics_err_set(&e, ICS_EBADREQ, "the body must be a CSV file of survey responses");
    if (!rc && strlen(name) > 120)
        rc = ics_err_set(&e, ICS_EINVAL, "name must be at most 120 characters");
    if (!rc) rc = app_prio_survey_import(&c, rq->body, rq->body_len, name, &out, &e);
    return answer(rs, rc, &e, out, 200);
}

static int weights_get(http_req *rq, http_resp *rs)
{
    return list(rq, rs, app_prio_weights);
}

static int areas_list(http_req *rq, http_resp *rs)
{
    return list(rq, rs, app_prio_areas);
}

static int area_create(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"name", JF_STRING, 1},
                                   {"description", JF_STRING, 0},
                                   {"cost_gbp_m", JF_NUMBER, 1},
                                   {"scores", JF_OBJECT, 1},
                                   {NULL, 0, 0}};
    return create(rq, rs, f, app_prio_area_create, "/api/v1/governance/priorities");
}

static int area_delete(http_req *rq, http_resp *rs)
{
    return del(rq, rs, "work area", app_prio_area_delete);
}

static int ranking(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"weights", "ics", NULL};
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = http_app(rq);
    int rc = http_query_only(rq, allowed, &e);
    if (!rc) rc = app_prio_ranking(&c, http_query(rq, "weights"), &out, &e);
    return answer(rs, rc, &e, out, 200);
}

const http_route http_routes_governance[] = {
    {"GET", "/api/v1/governance/decisions", 0, decisions_list, "The decisions register",
     &APP_GOV_READ},
    {"POST", "/api/v1/governance/decisions", 0, decision_create, "Record a decision",
     &APP_GOV_WRITE},
    {"GET", "/api/v1/governance/decisions/{id}", 0, decision_get, "One decision", &APP_GOV_READ},
    {"PUT", "/api/v1/governance/decisions/{id}", 0, decision_update,
     "Replace a decision (audited before and after)", &APP_GOV_WRITE},
    {"PATCH", "/api/v1/governance/decisions/{id}", 0, decision_update,
     "Change some fields of a decision", &APP_GOV_WRITE},
    {"DELETE", "/api/v1/governance/decisions/{id}", 0, decision_delete, "Delete a decision",
     &APP_GOV_WRITE},
    {"GET", "/api/v1/governance/delegations", 0, delegations_list,
     "Delegated budgets and duties with their outcomes", &APP_GOV_READ},
    {"POST", "/api/v1/governance/delegations", 0, delegation_create, "Record a delegation",
     &APP_GOV_WRITE},
    {"GET", "/api/v1/governance/delegations/{id}", 0, delegation_get,
     "One delegation with its outcomes", &APP_GOV_READ},
    {"PUT", "/api/v1/governance/delegations/{id}", 0, delegation_update,
     "Replace a delegation (its holder a place or an organisation)", &APP_GOV_WRITE},
    {"PATCH", "/api/v1/governance/delegations/{id}", 0, delegation_update,
     "Change some fields of a delegation", &APP_GOV_WRITE},
    {"DELETE", "/api/v1/governance/delegations/{id}", 0, delegation_delete,
     "Delete a delegation and its outcomes", &APP_GOV_WRITE},
    {"POST", "/api/v1/governance/delegations/{id}/outcomes", 0, outcome_create,
     "Add an outcome the holder is accountable for", &APP_GOV_WRITE},
    {"PUT", "/api/v1/governance/outcomes/{id}", 0, outcome_update, "Replace an outcome",
     &APP_GOV_WRITE},
    {"PATCH", "/api/v1/governance/outcomes/{id}", 0, outcome_update,
     "Change an outcome's target, measure, place or note", &APP_GOV_WRITE},
    {"DELETE", "/api/v1/governance/outcomes/{id}", 0, outcome_delete, "Delete an outcome",
     &APP_GOV_WRITE},
    {"GET", "/api/v1/governance/accountability", 0, accountability,
     "Who holds what, for which outcomes, and how each is doing", &APP_GOV_READ},
    {"GET", "/api/v1/governance/measures", 0, measures,
     "The measures outcomes can follow, computed now", &APP_GOV_READ},
    {"GET", "/api/v1/governance/criteria", 0, criteria_get, "Priority criteria and board weights",
     &APP_GOV_READ},
    {"PUT", "/api/v1/governance/criteria", 0, criteria_put, "Replace the criteria", &APP_GOV_WRITE},
    {"POST", "/api/v1/governance/survey", 0, survey_post,
     "Import survey responses (CSV, one row per respondent)", &APP_GOV_WRITE},
    {"GET", "/api/v1/governance/weights", 0, weights_get,
     "Criterion weights: board and public with 95% intervals", &APP_GOV_READ},
    {"GET", "/api/v1/governance/priorities", 0, areas_list, "Candidate work areas", &APP_GOV_READ},
    {"POST", "/api/v1/governance/priorities", 0, area_create, "Add a candidate work area",
     &APP_GOV_WRITE},
    {"DELETE", "/api/v1/governance/priorities/{id}", 0, area_delete, "Delete a work area",
     &APP_GOV_WRITE},
    {"GET", "/api/v1/governance/ranking", 0, ranking,
     "Ranked work areas (weighted sum) with sensitivity of the top three", &APP_GOV_READ},
    {NULL, NULL, 0, NULL, NULL, NULL}};
