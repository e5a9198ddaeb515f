/* app/auth.c - bearer tokens as use cases (see auth.h): the checks every
 * request's token passes, and issuing, listing, rotating and revoking
 * tokens with an audit record for each change. */
#include "app/auth.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "store/tokens.h"

const app_use APP_TOKENS_OWN_LIST = {"tokens.own.list", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_TOKENS_OWN_ISSUE = {"tokens.own.issue", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_TOKENS_OWN_REVOKE = {"tokens.own.revoke", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_TOKENS_OWN_ROTATE = {"tokens.own.rotate", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_TOKENS_USER_LIST = {"tokens.user.list", ROLE_ADMIN, APP_SCOPE_NONE};
const app_use APP_TOKENS_USER_ISSUE = {"tokens.user.issue", ROLE_ADMIN, APP_SCOPE_NONE};
const app_use APP_TOKENS_USER_REVOKE = {"tokens.user.revoke", ROLE_ADMIN, APP_SCOPE_NONE};
const app_use APP_TOKENS_USER_ROTATE = {"tokens.user.rotate", ROLE_ADMIN, APP_SCOPE_NONE};

/* A token is 43 URL-safe base64 characters: anything else is refused
 * before the database is asked. */
static int token_shaped(const char *t)
{
    size_t n = 0;
    for (; t[n]; n++) {
        char ch = t[n];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return 0;
        if (n > TOKEN_LEN) return 0;
    }
    return n == TOKEN_LEN;
}

int app_auth_token(store *s, const char *token, auth_user *u, ics_err *e)
{
    assert(s && token && u);
    if (!token_shaped(token))
        return ics_err_set(e, ICS_EAUTH, "the bearer token is not valid or was revoked");
    char hash[TOKEN_HASH_LEN + 1], when[32];
    token_hash(token, hash);
    store_token_row r;
    int rc = store_token_find(s, hash, &r, e);
    if (rc < 0) return rc;
    if (rc == 0) return ics_err_set(e, ICS_EAUTH, "the bearer token is not valid or was revoked");
    int64_t t = tz_now();
    if (r.user_revoked_at) {
        tz_format_utc(r.user_revoked_at, when, sizeof when);
        return ics_err_set(e, ICS_EAUTH, "the user '%s' was revoked at %s", r.user.name, when);
    }
    if (r.revoked_at) {
        tz_format_utc(r.revoked_at, when, sizeof when);
        return ics_err_set(e, ICS_EAUTH, "this token was revoked at %s", when);
    }
    if (r.expires_at <= t) {
        tz_format_utc(r.expires_at, when, sizeof when);
        return ics_err_set(e, ICS_EAUTH,
                           "this token expired at %s; sign in again or ask for a new token", when);
    }
    /* Last use is kept to the minute, and only written when it is older:
     * a write on every request would serialise them all on the database's
     * write lock (SQLite takes it even for an UPDATE that matches nothing). */
    ics_err ignore = {0};
    if (r.last_used_at < t - 60)
        store_token_touch(s, r.id, t, t - 60, &ignore); /* best effort: a busy database is fine */
    *u = r.user;
    return 0;
}

int app_ttl_parse(const char *s, int64_t *secs, ics_err *e)
{
    char *end;
    long long v = s && *s ? strtoll(s, &end, 10) : -1;
    int64_t mult = 1;
    if (v >= 0 && s && *s) {
        if (*end == 'd')
            mult = 86400, end++;
        else if (*end == 'h')
            mult = 3600, end++;
        else if (*end == 'm')
            mult = 60, end++;
        else if (*end == 's')
            end++;
    }
    if (v < 0 || !s || !*s || *end || v > AUTH_TTL_MAX || v * mult < AUTH_TTL_MIN ||
        v * mult > AUTH_TTL_MAX)
        return ics_err_set(e, ICS_EINVAL,
                           "expiry '%s' must be a duration like 30d, 12h, 90m or 3600s, between "
                           "5 minutes and 366 days",
                           s ? s : "");
    *secs = v * mult;
    return 0;
}

/* A token's row as the API and the audit trail show it. */
#define TOKEN_TIMES "created_at,expires_at,last_used_at,revoked_at"

static int token_get(app_ctx *c, int64_t uid, int64_t id, json_t **row, ics_err *e)
{
    int rc = store_token_get(c->db, uid, id, row, e);
    if (!rc) app_json_utc(*row, TOKEN_TIMES);
    return rc;
}

/* The user whose tokens a use case touches: the caller or a named user. */
static int whose(app_ctx *c, const char *user, auth_user *out, ics_err *e)
{
    return store_user_active(c->db, user ? user : c->who.name, out, e);
}

int app_token_list(app_ctx *c, const app_use *u, const char *user, json_t **rows, ics_err *e)
{
    int rc = app_allow(c, u, e);
    auth_user who;
    if (!rc) rc = whose(c, user, &who, e);
    if (!rc) rc = store_token_list(c->db, who.id, rows, e);
    if (!rc) app_json_utc(*rows, TOKEN_TIMES);
    return rc;
}

int app_token_new(app_ctx *c, int64_t uid, const char *kind, const char *label, int64_t ttl,
                  char token[TOKEN_LEN + 1], json_t **info, ics_err *e)
{
    char hash[TOKEN_HASH_LEN + 1];
    if (!ttl) ttl = strcmp(kind, "session") == 0 ? AUTH_TTL_SESSION : AUTH_TTL_DEFAULT;
    token_new(token);
    token_hash(token, hash);
    int64_t id;
    int rc = store_token_insert(c->db, uid, hash, kind, label, c->now, c->now + ttl, &id, e);
    if (!rc) rc = token_get(c, uid, id, info, e);
    return rc;
}

static int check_label(const char *label, ics_err *e)
{
    if (label && strlen(label) > 100)
        return ics_err_set(e, ICS_EINVAL, "a token label is at most 100 characters");
    return 0;
}

static int check_ttl(int64_t ttl, ics_err *e)
{
    if (ttl && (ttl < AUTH_TTL_MIN || ttl > AUTH_TTL_MAX))
        return ics_err_set(e, ICS_EINVAL,
                           "expires_in must be between %d and %d seconds (5 minutes to 366 days)",
                           AUTH_TTL_MIN, AUTH_TTL_MAX);
    return 0;
}

static int audit_token(app_ctx *c, const app_use *u, const auth_user *who, const json_t *after,
                       ics_err *e)
{
    char sid[32];
    snprintf(sid, sizeof sid, "%lld", (long long)json_integer_value(json_object_get(after, "id")));
    json_t *a = json_deep_copy(after);
    json_object_set_new(a, "user", json_string(who->name));
    int rc = app_audit(c, u->name, "token", sid, NULL, a, e);
    json_decref(a);
    return rc;
}

int app_token_issue(app_ctx *c, const app_use *u, const char *user, const char *label, int64_t ttl,
                    char token[TOKEN_LEN + 1], json_t **info, ics_err *e)
{
    *info = NULL;
    int rc = app_allow(c, u, e);
    if (!rc) rc = check_label(label, e);
    if (!rc) rc = check_ttl(ttl, e);
    if (rc) return rc;
    if ((rc = app_begin(c, e))) return rc;
    auth_user who;
    rc = whose(c, user, &who, e);
    if (!rc) rc = app_token_new(c, who.id, "api", label, ttl, token, info, e);
    if (!rc) rc = audit_token(c, u, &who, *info, e);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*info), *info = NULL;
    return rc;
}

int app_token_revoke(app_ctx *c, const app_use *u, const char *user, int64_t id, ics_err *e)
{
    int rc = app_allow(c, u, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    auth_user who;
    json_t *row = NULL;
    rc = whose(c, user, &who, e);
    if (!rc) rc = store_token_revoke(c->db, who.id, id, c->now, e);
    if (!rc) rc = token_get(c, who.id, id, &row, e);
    if (!rc) rc = audit_token(c, u, &who, row, e);
    json_decref(row);
    return app_end(c, rc, e);
}

int app_token_rotate(app_ctx *c, const app_use *u, const char *user, int64_t id, int64_t ttl,
                     char token[TOKEN_LEN + 1], json_t **info, ics_err *e)
{
    *info = NULL;
    int rc = app_allow(c, u, e);
    if (!rc) rc = check_ttl(ttl, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    auth_user who;
    json_t *old = NULL;
    rc = whose(c, user, &who, e);
    if (!rc) rc = token_get(c, who.id, id, &old, e);
    if (!rc) rc = store_token_revoke(c->db, who.id, id, c->now, e);
    if (!rc) {
        const char *label = json_string_value(json_object_get(old, "label"));
        const char *kind = json_string_value(json_object_get(old, "kind"));
        rc = app_token_new(c, who.id, kind ? kind : "api", label, ttl, token, info, e);
    }
    if (!rc) {
        json_object_set_new(*info, "replaces", json_integer(id));
        rc = audit_token(c, u, &who, *info, e);
    }
    json_decref(old);
    rc = app_end(c, rc, e);
    if (rc) json_decref(*info), *info = NULL;
    return rc;
}
