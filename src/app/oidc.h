/* app/oidc.h - OpenID Connect sign-in for the dashboard (the protocol NHS
 * CIS2 Authentication uses): the authorization code flow with PKCE (S256),
 * state and nonce; the ID token verified against the provider's published
 * keys (core/jwt.h); the role and organisation mapped from its claims by a
 * JSON mapping file (docs/security.md, data/oidc_mapping.example.json);
 * and on success an icsflow session token of short life. */
#ifndef ICS_APP_OIDC_H
#define ICS_APP_OIDC_H

#include "app/app.h"
#include "core/token.h"

typedef struct app_oidc_config {
    const char *issuer; /* e.g. https://am.nhsint.auth-ptl.cis2.spineservices.nhs.uk/... */
    const char *client_id;
    const char *client_secret; /* from the environment, never the command line */
    const char *redirect_uri;  /* https://icsflow.example/api/v1/auth/oidc/callback */
    const char *scopes;        /* default "openid profile nationalrbacaccess selectedrole" */
    const char *mapping_path;  /* the JSON mapping file */
    const char *after_login;   /* where the browser goes with its session (default "/") */
} app_oidc_config;

/* Load the mapping and fetch the provider's discovery document and keys.
 * Called once at server start; ICS_EINVAL/ICS_EIO say what is wrong. */
int app_oidc_configure(const app_oidc_config *cfg, ics_err *e);
int app_oidc_enabled(void);
void app_oidc_shutdown(void);

/* Begin a sign-in: remember state, nonce and PKCE verifier (one use, 10
 * minutes) and write the provider's authorization URL to url. */
int app_oidc_login_start(store *s, int64_t now, char *url, size_t n, ics_err *e);

/* Finish a sign-in from the callback's query: exchange the code, verify the
 * ID token, map its claims, create or update the user and issue a session
 * token (written to token; *info its row and the user). Errors: ICS_EBADREQ
 * (missing or unknown state, provider error), ICS_EAUTH (the token did not
 * verify), ICS_EFORBID (no role maps, organisation unknown, user revoked). */
int app_oidc_callback(store *s, int64_t now, const char *code, const char *state, const char *error,
                      char token[TOKEN_LEN + 1], json_t **info, ics_err *e);
/* OpenID Connect Back-Channel Logout 1.0: verify the logout token the
 * provider POSTed (signature, issuer, audience, times, the logout event,
 * sub or sid, no nonce, a jti not seen before) and revoke at once every
 * session token it names (by sid, else every session of sub), audited as
 * auth.oidc.backchannel_logout. *result says which sessions ended (zero is
 * a success: the person may have signed out already). ICS_EAUTH when the
 * token does not verify or is replayed; ICS_EBADREQ when there is none. */
int app_oidc_backchannel_logout(store *s, int64_t now, const char *logout_token, json_t **result,
                                ics_err *e);

/* Where the browser is sent with its session token (in the fragment). */
const char *app_oidc_after_login(void);

/* The mapping on its own (pure; unit-tested): from an ID token's claims to
 * an icsflow user name, role and organisation. ICS_EFORBID naming what did
 * not map. */
int app_oidc_map(const json_t *mapping, const json_t *claims, char name[64], char role[16],
                 char org[8], ics_err *e);
/* Check a mapping document's shape; ICS_EINVAL naming the problem. */
int app_oidc_mapping_check(const json_t *mapping, ics_err *e);

#endif
