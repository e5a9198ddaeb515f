/* jwt.h - verify an OpenID Connect ID token (a JWS in compact form) with
 * OpenSSL: the signature against the provider's JSON Web Key Set (RS256,
 * or ES256), then the claims (issuer, audience, authorised party, expiry,
 * issued-at, nonce); and a back-channel logout token likewise. Pure: no
 * I/O, the time is passed in. */
#ifndef ICS_CORE_JWT_H
#define ICS_CORE_JWT_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"

typedef struct jwt_expect {
    const char *issuer;   /* must equal "iss" */
    const char *audience; /* our client_id: in "aud"; "azp" must equal it when present */
    const char *nonce;    /* must equal "nonce" */
    int64_t now;          /* UTC seconds */
    int leeway;           /* seconds of clock skew allowed (e.g. 60) */
} jwt_expect;

/* Verify token against jwks ({"keys":[...]}) and the expectations. On
 * success *claims is the payload (new reference). ICS_EAUTH with the reason
 * otherwise ("the ID token's signature does not verify", "... expired at"). */
int jwt_verify_id_token(const char *token, const json_t *jwks, const jwt_expect *x, json_t **claims,
                        ics_err *e);

/* The event a back-channel logout token carries in its "events" claim. */
#define JWT_LOGOUT_EVENT "http://schemas.openid.net/event/backchannel-logout"

/* Verify a logout token (OpenID Connect Back-Channel Logout 1.0, 2.6): the
 * signature as for an ID token; iss, aud, iat, exp; the logout event; a sub
 * or sid; a jti; no nonce. x->nonce is ignored. On success *claims is the
 * payload (new reference); ICS_EAUTH with the reason otherwise. */
int jwt_verify_logout_token(const char *token, const json_t *jwks, const jwt_expect *x,
                            json_t **claims, ics_err *e);

/* The "kid" of the token's header ("" when none); -1 when the header is
 * not readable. */
int jwt_header_kid(const char *token, char *kid, size_t n);

/* base64url without padding, both ways. Decode returns the length or -1. */
long jwt_b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap);
void jwt_b64url_encode(const unsigned char *in, size_t n, char *out, size_t cap);

#endif
