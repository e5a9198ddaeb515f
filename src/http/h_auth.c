/* h_auth.c - tokens and sign-in over HTTP: a user's own tokens (list,
 * issue, rotate, revoke), an administrator's view of anyone's, and the
 * OpenID Connect sign-in of the dashboard (login redirect and callback).
 * Handlers parse and answer; src/app/auth.c and src/app/oidc.c decide. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "app/oidc.h"
#include "core/tz.h"
#include "http/http.h"
#include "http/limits.h"

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

/* ---- OpenID Connect sign-in (public: the person is not signed in yet) ---- */

static int auth_config(http_req *rq, http_resp *rs)
{
    (void)rq;
    return http_json(
        rs, 200,
        json_pack("{sbss}", "oidc", app_oidc_enabled(), "login", "/api/v1/auth/oidc/login"));
}

static int oidc_login(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    if (http_query_only(rq, (const char *const[]){NULL}, &e)) return http_error(rs, &e);
    if (app_oidc_login_start(rq->db, tz_now(), rs->location, sizeof rs->location, &e))
        return http_error(rs, &e);
    static const char msg[] = "continue to the identity provider\n";
    return http_text(rs, 303, "text/plain; charset=utf-8", msg, sizeof msg - 1);
}

/* A failed callback counts as a failed sign-in for the client's address,
 * like a refused bearer token (limits.c): 429 once the address has used up
 * its attempts. */
static int oidc_callback(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const q[] = {"code", "state",         "error", "error_description",
                                    "iss",  "session_state", NULL};
    int wait = limits_auth_blocked(rq->client_addr);
    if (wait) {
        http_problem(rs, 429, "too many failed sign-in attempts from your address; try again later",
                     NULL);
        rs->retry_after = wait;
        return 0;
    }
    if (http_query_only(rq, q, &e)) return http_error(rs, &e);
    char token[TOKEN_LEN + 1];
    json_t *info;
    if (app_oidc_callback(rq->db, tz_now(), http_query(rq, "code"), http_query(rq, "state"),
                          http_query(rq, "error"), token, &info, &e)) {
        if (e.code == ICS_EIO)
            return http_problem(rs, 502, "the identity provider could not be reached; try again",
                                NULL);
        if (e.code != ICS_ENOTFOUND) limits_auth_failed(rq->client_addr);
        return http_error(rs, &e);
    }
    json_decref(info);
    /* The session token travels in the fragment: browsers never send it to
     * a server or in a Referer; the dashboard reads it and removes it. */
    snprintf(rs->location, sizeof rs->location, "%s#session=%s", app_oidc_after_login(), token);
    static const char msg[] = "signed in; continue to the dashboard\n";
    return http_text(rs, 303, "text/plain; charset=utf-8", msg, sizeof msg - 1);
}

/* The value of one field of an application/x-www-form-urlencoded body,
 * percent-decoded into out; 0 when found, -1 when absent, malformed or
 * longer than n - 1. */
static int form_field(const char *body, size_t len, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < len;) {
        size_t end = i;
        while (end < len && body[end] != '&') end++;
        if (end - i > nl && strncmp(body + i, name, nl) == 0 && body[i + nl] == '=') {
            size_t o = 0;
            for (size_t k = i + nl + 1; k < end; k++) {
                char ch = body[k];
                if (ch == '+') {
                    ch = ' ';
                } else if (ch == '%') {
                    if (k + 2 >= end || !isxdigit((unsigned char)body[k + 1]) ||
                        !isxdigit((unsigned char)body[k + 2]))
                        return -1;
                    char hex[3] = {body[k + 1], body[k + 2], '\0'};
                    ch = (char)strtol(hex, NULL, 16);
                    k += 2;
                }
                if (o + 1 >= n || ch == '\0') return -1;
                out[o++] = ch;
            }
            out[o] = '\0';
            return 0;
        }
        i = end + 1;
    }
    return -1;
}

/* OpenID Connect Back-Channel Logout 1.0: the provider POSTs
 * logout_token=<JWT> (form-encoded) when a person signs out or is removed
 * there; their sessions end before we answer 200. A token that does not
 * verify is 400 (the spec's answer, with the OAuth error code). */
static int backchannel_logout(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    const char *ct = http_header(rq, "Content-Type");
    if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return http_problem(rs, 415, "send logout_token as application/x-www-form-urlencoded",
                            NULL);
    static char none[] = "";
    char *tok = malloc(16385);
    if (!tok) return http_problem(rs, 503, "out of memory", NULL);
    const char *body = rq->body ? rq->body : none;
    if (form_field(body, rq->body_len, "logout_token", tok, 16385)) {
        free(tok);
        return http_problem(rs, 400, "the body needs one logout_token (a signed JWT)",
                            json_pack("{ss}", "error", "invalid_request"));
    }
    json_t *result;
    int rc = app_oidc_backchannel_logout(rq->db, tz_now(), tok, &result, &e);
    free(tok);
    if (rc) {
        if (e.code == ICS_EAUTH || e.code == ICS_EBADREQ)
            return http_problem(rs, 400, e.msg, json_pack("{ss}", "error", "invalid_request"));
        return http_error(rs, &e);
    }
    return http_json(rs, 200, result);
}

const http_route http_routes_auth[] = {
    {"GET", "/api/v1/auth/config", ROLE_PUBLIC, auth_config,
     "How to sign in: whether OpenID Connect is on", NULL},
    {"GET", "/api/v1/auth/oidc/login", ROLE_PUBLIC, oidc_login,
     "Start OpenID Connect sign-in (redirects to the provider)", NULL},
    {"GET", "/api/v1/auth/oidc/callback", ROLE_PUBLIC, oidc_callback,
     "Finish OpenID Connect sign-in (redirects to the dashboard with a session)", NULL},
    {"POST", "/api/v1/auth/oidc/backchannel-logout", ROLE_PUBLIC, backchannel_logout,
     "End a person's sessions on the identity provider's signed logout token", NULL},
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
