/* h_core.c - health check, the OpenAPI document, who-am-I, users and the
 * audit log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "app/users.h"
#include "http/http.h"

extern const char ics_openapi_json[];
extern const size_t ics_openapi_json_len;

static int healthz(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (app_db_ping(rq->db, &e))
        return http_problem(rs, 503, "the database is not answering", NULL);
    return http_json(rs, 200, json_pack("{ssss}", "status", "ok", "version", ICS_VERSION));
}

static int openapi(http_req *rq, http_resp *rs)
{
    (void)rq;
    return http_text(rs, 200, "application/json", ics_openapi_json, ics_openapi_json_len);
}

static int me(http_req *rq, http_resp *rs)
{
    const auth_user *u = rq->user;
    return http_json(rs, 200,
                     json_pack("{sIssssss}", "id", (json_int_t)u->id, "name", u->name, "role",
                               u->role, "org", u->org));
}

static int users_list(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *rows;
    app_ctx c = http_app(rq);
    if (app_user_list(&c, &rows, &e)) return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{so}", "items", rows));
}

static int users_add(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"name", JF_STRING, 1}, {"role", JF_STRING, 1}, {"org", JF_STRING, 0}, {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    const char *org = json_string_value(json_object_get(rq->json, "org"));
    char token[TOKEN_LEN + 1];
    int64_t id;
    app_ctx c = http_app(rq);
    if (app_user_add(&c, json_string_value(json_object_get(rq->json, "name")),
                     json_string_value(json_object_get(rq->json, "role")), org, token, &id, &e))
        return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/users/%lld", (long long)id);
    return http_json(rs, 201,
                     json_pack("{sIsOsOss}", "id", (json_int_t)id, "name",
                               json_object_get(rq->json, "name"), "role",
                               json_object_get(rq->json, "role"), "token", token));
}

static int users_revoke(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    if (app_user_revoke(&c, rq->params[0], &e)) return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{ssss}", "name", rq->params[0], "status", "revoked"));
}

static int audit_list(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t limit, offset, after;
    static const char *const known[] = {"limit",     "offset", "after", "object_type",
                                        "object_id", "actor",  "ics",   NULL};
    if (http_query_only(rq, known, &e) || http_page(rq, &limit, &offset, &e) ||
        http_after(rq, offset, &after, &e))
        return http_error(rs, &e);
    const char *type = http_query(rq, "object_type"), *id = http_query(rq, "object_id"),
               *actor = http_query(rq, "actor");
    static const char *const params[] = {"limit", "object_type", "object_id", "actor", "ics", NULL};
    app_ctx c = http_app(rq);
    char *next = http_next_base(rq, params), *text = NULL;
    size_t n = 0;
    int rc = next ? app_audit_page(&c, type, id, actor, limit, offset, after, next, &text, &n, &e)
                  : ics_err_set(&e, ICS_ENOMEM, "out of memory");
    free(next);
    if (rc) return http_error(rs, &e);
    return http_text_owned(rs, 200, "application/json", text, n);
}

const http_route http_routes_core[] = {
    {"GET", "/healthz", ROLE_PUBLIC, healthz, "Liveness and database check", NULL},
    {"GET", "/api/v1/openapi.json", ROLE_PUBLIC, openapi, "This API's OpenAPI 3 document", NULL},
    {"GET", "/api/v1/me", ROLE_ANY, me, "The calling user", NULL},
    {"GET", "/api/v1/users", 0, users_list, "List users", &APP_USERS_LIST},
    {"POST", "/api/v1/users", 0, users_add, "Create a user and return its token once",
     &APP_USERS_ADD},
    {"DELETE", "/api/v1/users/{name}", 0, users_revoke, "Revoke a user", &APP_USERS_REVOKE},
    {"GET", "/api/v1/audit", 0, audit_list, "Read the audit log", &APP_AUDIT_LIST},
    {NULL, NULL, 0, NULL, NULL, NULL}};
