/* store/tokens.h - bearer tokens (hashes only) with an expiry, a label, the
 * time of last use and revocation one by one, and the one-time state of
 * OpenID Connect sign-ins in progress. SQL only: the rules (default expiry,
 * who may see or revoke which token) live in src/app/auth.c. */
#ifndef ICS_STORE_TOKENS_H
#define ICS_STORE_TOKENS_H

#include <stdint.h>

#include "core/token.h"
#include "store/store.h"
#include "store/users.h"

/* What a token hash resolves to. Times are seconds since the epoch, 0 when
 * unset. */
typedef struct store_token_row {
    int64_t id;
    auth_user user;
    char kind[12]; /* "api" or "session" */
    int64_t expires_at, revoked_at, last_used_at, user_revoked_at;
} store_token_row;

/* Insert a token hash for a user. expires_at may not be NULL. */
int store_token_insert(store *s, int64_t user_id, const char *hash, const char *kind,
                       const char *label, int64_t created_at, int64_t expires_at, int64_t *id,
                       ics_err *e);
/* 1 and the row when the hash is known (whatever its state), 0 when not. */
int store_token_find(store *s, const char *hash, store_token_row *out, ics_err *e);
/* Record a use at `now` when the last one recorded is older than `older`
 * (so that reads do not each turn into a write). */
int store_token_touch(store *s, int64_t id, int64_t now, int64_t older, ics_err *e);
/* A user's tokens, newest first: id, kind, label, created_at, expires_at,
 * last_used_at, revoked_at (seconds since the epoch or null). */
int store_token_list(store *s, int64_t user_id, json_t **rows, ics_err *e);
/* One token of a user: its row as in the list, or ICS_ENOTFOUND. */
int store_token_get(store *s, int64_t user_id, int64_t id, json_t **row, ics_err *e);
/* Revoke one token of a user at `now`; ICS_ENOTFOUND when it is not theirs
 * or is already revoked. */
int store_token_revoke(store *s, int64_t user_id, int64_t id, int64_t now, ics_err *e);
/* Id, role and organisation of an active (not revoked) user, or ICS_ENOTFOUND. */
int store_user_active(store *s, const char *name, auth_user *u, ics_err *e);
/* Create a user (no token) for a sign-in from the identity provider, or
 * update the role and organisation of the existing one; *id its id.
 * ICS_EFORBID when the user exists and was revoked. */
int store_user_upsert(store *s, const char *name, const char *role, const char *org, int64_t now,
                      int64_t *id, ics_err *e);

/* 1 when an organisation (or site) with this ODS code is in the directory. */
int store_org_known(store *s, const char *ods, ics_err *e);

/* Sign-ins in progress: one row per state value, used once. */
int store_oidc_login_put(store *s, const char *state, const char *nonce, const char *verifier,
                         int64_t created_at, ics_err *e);
/* Take (read and delete) the row for state, if created after not_before:
 * 1 and nonce/verifier filled, 0 when unknown, expired or already used. */
int store_oidc_login_take(store *s, const char *state, int64_t not_before, char nonce[64],
                          char verifier[128], ics_err *e);

#endif
