/* app/auth.h - sign-in and tokens as use cases: resolving a bearer token to
 * its user (refusing revoked users, revoked and expired tokens at once),
 * issuing, listing, rotating and revoking tokens for oneself or, for an
 * administrator, for any user; and OpenID Connect sign-in (app/oidc.h). */
#ifndef ICS_APP_AUTH_H
#define ICS_APP_AUTH_H

#include "app/app.h"
#include "core/token.h"

#define AUTH_TTL_DEFAULT (30 * 86400)  /* an API token lives 30 days unless told otherwise */
#define AUTH_TTL_MAX     (366 * 86400) /* and never more than a year */
#define AUTH_TTL_MIN     300
#define AUTH_TTL_SESSION (8 * 3600) /* a dashboard session from OpenID Connect sign-in */

extern const app_use APP_TOKENS_OWN_LIST, APP_TOKENS_OWN_ISSUE, APP_TOKENS_OWN_REVOKE,
    APP_TOKENS_OWN_ROTATE, APP_TOKENS_USER_LIST, APP_TOKENS_USER_ISSUE, APP_TOKENS_USER_REVOKE,
    APP_TOKENS_USER_ROTATE;

/* The active user holding this token, or ICS_EAUTH saying why not (unknown,
 * revoked, expired, user revoked). Records the time of use (at most once a
 * minute per token). Nothing is cached: a revocation applies to the next
 * request, on every server sharing the database. */
int app_auth_token(store *s, const char *token, auth_user *u, ics_err *e);

/* The token use cases. user is the user whose tokens these are: NULL for
 * the caller (the *_OWN_* use cases), a user name for an administrator (the
 * *_USER_* ones). ttl is seconds (0: AUTH_TTL_DEFAULT); label may be NULL.
 * Issue and rotate write the new token (shown once) and return its row
 * (id, kind, label, created_at, expires_at) in *info. Rotation issues a
 * token with the same label and kind and revokes the old one in the same
 * transaction. Each change is audited. */
int app_token_list(app_ctx *c, const app_use *u, const char *user, json_t **rows, ics_err *e);
int app_token_issue(app_ctx *c, const app_use *u, const char *user, const char *label, int64_t ttl,
                    char token[TOKEN_LEN + 1], json_t **info, ics_err *e);
int app_token_revoke(app_ctx *c, const app_use *u, const char *user, int64_t id, ics_err *e);
int app_token_rotate(app_ctx *c, const app_use *u, const char *user, int64_t id, int64_t ttl,
                     char token[TOKEN_LEN + 1], json_t **info, ics_err *e);

/* Issue a token of the given kind for user id uid inside the caller's
 * transaction (used by sign-in). */
int app_token_new(app_ctx *c, int64_t uid, const char *kind, const char *label, int64_t ttl,
                  char token[TOKEN_LEN + 1], json_t **info, ics_err *e);

/* Parse "30d", "12h", "90m", "3600s" or "3600" (seconds) into seconds within
 * [AUTH_TTL_MIN, AUTH_TTL_MAX]; ICS_EINVAL naming the value otherwise. */
int app_ttl_parse(const char *s, int64_t *secs, ics_err *e);

#endif
