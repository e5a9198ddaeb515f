/* h_auth.c - tokens and sign-in over HTTP: a user's own tokens (list,
 * issue, rotate, revoke), an administrator's view of anyone's, and the
 * OpenID Connect sign-in of the dashboard (login redirect and callback).
 * Handlers parse and answer; src/app/auth.c and src/app/oidc.c decide. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "http/http.h"

static int path_id(http_req *rq, int i, int64_t *id, ics_err *e)
{
    const char *v = rq->params[i];
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*end || x <= 0) return ics_err_set(e, ICS_ENOTFOUND, "no token '%s'", v);
    *id = x;
    return 0;
}

/* The body's label and expires_in (seconds); both optional. */
static int token_body(http_req *rq, const char **label, int64_t *ttl, ics_err *e)
{
    static const json_field f[] = {
        {"label", JF_STRING, 0}, {"expires_in", JF_INT, 0}, {NULL, 0, 0}};
    *label = NULL;
    *ttl = 0;
    if (!rq->json) return 0; /* an empty body takes the defaults */
    if (http_body_check(rq, f, e)) return -1;
    *label = json_string_value(json_object_get(rq->json, "label"));
    json_t *x = json_object_get(rq->json, "expires_in");
    if (x) {
        *ttl = json_integer_value(x);
        if (*ttl <= 0)
            return ics_err_set(e, ICS_EINVAL, "expires_in must be a positive number of seconds");
    }
    return 0;
}

/* {name} of /users/{name}/tokens, or NULL for the caller's own. */
static const char *user_of(http_req *rq)
{
    return strncmp(rq->path, "/api/v1/users/", 14) == 0 ? rq->params[0] : NULL;
}

static int list(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    const char *user = user_of(rq);
    json_t *rows;
    if (app_token_list(&c, user ? &APP_TOKENS_USER_LIST : &APP_TOKENS_OWN_LIST, user, &rows, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{so}", "items", rows));
}

static int issued(http_resp *rs, const char *token, json_t *info)
{
    json_object_set_new(info, "token", json_string(token));
    snprintf(rs->location, sizeof rs->location, "/api/v1/tokens/%lld",
             (long long)json_integer_value(json_object_get(info, "id")));
    return http_json(rs, 201, info);
}

static int issue(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    const char *label, *user = user_of(rq);
    int64_t ttl;
    if (token_body(rq, &label, &ttl, &e)) return http_error(rs, &e);
    app_ctx c = http_app(rq);
    char token[TOKEN_LEN + 1];
    json_t *info;
    if (app_token_issue(&c, user ? &APP_TOKENS_USER_ISSUE : &APP_TOKENS_OWN_ISSUE, user, label, ttl,
                        token, &info, &e))
        return http_error(rs, &e);
    return issued(rs, token, info);
}

static int rotate(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    const char *label, *user = user_of(rq);
    int64_t ttl, id = 0;
    if (path_id(rq, user ? 1 : 0, &id, &e) || token_body(rq, &label, &ttl, &e))
        return http_error(rs, &e);
    if (label) return http_problem(rs, 422, "a rotated token keeps its label", NULL);
    app_ctx c = http_app(rq);
    char token[TOKEN_LEN + 1];
    json_t *info;
    if (app_token_rotate(&c, user ? &APP_TOKENS_USER_ROTATE : &APP_TOKENS_OWN_ROTATE, user, id, ttl,
                         token, &info, &e))
        return http_error(rs, &e);
    return issued(rs, token, info);
}

static int revoke(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    const char *user = user_of(rq);
    int64_t id = 0;
    if (path_id(rq, user ? 1 : 0, &id, &e)) return http_error(rs, &e);
    app_ctx c = http_app(rq);
    if (app_token_revoke(&c, user ? &APP_TOKENS_USER_REVOKE : &APP_TOKENS_OWN_REVOKE, user, id, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{sIss}", "id", (json_int_t)id, "status", "revoked"));
}

const http_route http_routes_auth[] = {
    {"GET", "/api/v1/tokens", 0, list, "The caller's tokens, with expiry and last use",
     &APP_TOKENS_OWN_LIST},
    {"POST", "/api/v1/tokens", 0, issue, "Issue a token for the caller (shown once)",
     &APP_TOKENS_OWN_ISSUE},
    {"DELETE", "/api/v1/tokens/{id}", 0, revoke, "Revoke one of the caller's tokens",
     &APP_TOKENS_OWN_REVOKE},
    {"POST", "/api/v1/tokens/{id}/rotate", 0, rotate,
     "Replace one of the caller's tokens by a new one", &APP_TOKENS_OWN_ROTATE},
    {"GET", "/api/v1/users/{name}/tokens", 0, list, "A user's tokens, with expiry and last use",
     &APP_TOKENS_USER_LIST},
    {"POST", "/api/v1/users/{name}/tokens", 0, issue, "Issue a token for a user (shown once)",
     &APP_TOKENS_USER_ISSUE},
    {"DELETE", "/api/v1/users/{name}/tokens/{id}", 0, revoke, "Revoke one of a user's tokens",
     &APP_TOKENS_USER_REVOKE},
    {"POST", "/api/v1/users/{name}/tokens/{id}/rotate", 0, rotate,
     "Replace one of a user's tokens by a new one", &APP_TOKENS_USER_ROTATE},
    {NULL, NULL, 0, NULL, NULL, NULL}};
