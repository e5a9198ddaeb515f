/* store/oidc.h - what OpenID Connect Back-Channel Logout needs to find a
 * person's dashboard sessions: the provider's subject and session id (sid)
 * of each session token, and the logout tokens already used (their jti),
 * so that a replayed logout token is refused. SQL only (src/app/oidc.c). */
#ifndef ICS_STORE_OIDC_H
#define ICS_STORE_OIDC_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* Remember the provider's sub and sid (NULL when it sent none) of a
 * session token. */
int store_oidc_session_put(store *s, int64_t token_id, const char *sub, const char *sid,
                           ics_err *e);

/* The sessions a logout names, not yet revoked: [{token_id, user_id,
 * user_name}]. With a sid, the sessions of that provider session (and of sub
 * when given too); with only a sub, every session of that subject. */
int store_oidc_sessions_find(store *s, const char *sub, const char *sid, json_t **rows, ics_err *e);

/* Record a logout token's jti until `expires` (seconds since the epoch),
 * forgetting those expired before `now`: 1 when it is new, 0 when it was
 * used before (a replay). */
int store_oidc_jti_use(store *s, const char *jti, int64_t expires, int64_t now, ics_err *e);

#endif
