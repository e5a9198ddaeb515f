/* jwt.c - ID token verification (see jwt.h). The order matters: the
 * signature is checked before any claim is believed; the algorithm comes
 * from our allow-list and the key's own type, never from the token alone
 * ("alg":"none" and HMAC-with-the-public-key are refused). */
#include "core/jwt.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long jwt_b64url_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-'             ? 62
                : c == '_'             ? 63
                                       : -1;
        if (v < 0) return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap) return -1;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return (long)o;
}

void jwt_b64url_encode(const unsigned char *in, size_t n, char *out, size_t cap)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 6 && o + 1 < cap) {
            bits -= 6;
            out[o++] = a[(acc >> bits) & 63];
        }
    }
    if (bits > 0 && o + 1 < cap) out[o++] = a[(acc << (6 - bits)) & 63];
    out[o] = '\0';
}

/* Decode one base64url part into a JSON object. */
static json_t *part_json(const char *p, size_t n)
{
    unsigned char *buf = malloc(n + 1);
    if (!buf) return NULL;
    long m = jwt_b64url_decode(p, n, buf, n);
    json_t *j =
        m >= 0 ? json_loadb((const char *)buf, (size_t)m, JSON_REJECT_DUPLICATES, NULL) : NULL;
    free(buf);
    if (j && !json_is_object(j)) json_decref(j), j = NULL;
    return j;
}

/* The three parts of a compact JWS; -1 when it is not one. */
static int split(const char *t, const char **dot1, const char **dot2)
{
    *dot1 = strchr(t, '.');
    *dot2 = *dot1 ? strchr(*dot1 + 1, '.') : NULL;
    if (!*dot1 || !*dot2 || strchr(*dot2 + 1, '.')) return -1;
    return 0;
}

int jwt_header_kid(const char *token, char *kid, size_t n)
{
    const char *d1, *d2;
    kid[0] = '\0';
    if (split(token, &d1, &d2)) return -1;
    json_t *h = part_json(token, (size_t)(d1 - token));
    if (!h) return -1;
    const char *k = json_string_value(json_object_get(h, "kid"));
    snprintf(kid, n, "%s", k ? k : "");
    json_decref(h);
    return 0;
}

static BIGNUM *bn_of(const json_t *jwk, const char *name)
{
    const char *s = json_string_value(json_object_get(jwk, name));
    if (!s) return NULL;
    size_t n = strlen(s);
    unsigned char *buf = malloc(n + 1);
    long m = buf ? jwt_b64url_decode(s, n, buf, n) : -1;
    BIGNUM *b = m > 0 ? BN_bin2bn(buf, (int)m, NULL) : NULL;
    free(buf);
    return b;
}

/* An OpenSSL public key from a JWK (RSA or EC P-256), or NULL. */
static EVP_PKEY *key_of(const json_t *jwk)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    EVP_PKEY *pk = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    BIGNUM *a = NULL, *b = NULL;
    if (!bld || !kty) goto out;
    if (strcmp(kty, "RSA") == 0) {
        a = bn_of(jwk, "n");
        b = bn_of(jwk, "e");
        if (!a || !b || BN_num_bits(a) < 2048) goto out; /* no weak keys */
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, a);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, b);
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    } else if (strcmp(kty, "EC") == 0) {
        const char *crv = json_string_value(json_object_get(jwk, "crv"));
        a = bn_of(jwk, "x");
        b = bn_of(jwk, "y");
        if (!crv || strcmp(crv, "P-256") != 0 || !a || !b) goto out;
        unsigned char pt[65] = {4};
        if (BN_bn2binpad(a, pt + 1, 32) != 32 || BN_bn2binpad(b, pt + 33, 32) != 32) goto out;
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt);
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    } else {
        goto out;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    if (!ctx || !params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pk = NULL;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(a);
    BN_free(b);
    return pk;
}

/* ES256 signatures are r||s (64 bytes); OpenSSL wants DER. */
static int es256_der(const unsigned char *sig, long n, unsigned char **der, int *dlen)
{
    if (n != 64) return -1;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
    if (!s || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
        ECDSA_SIG_free(s);
        BN_free(r);
        BN_free(ss);
        return -1;
    }
    *der = NULL;
    *dlen = i2d_ECDSA_SIG(s, der);
    ECDSA_SIG_free(s);
    return *dlen > 0 ? 0 : -1;
}

static int sig_ok(EVP_PKEY *pk, const char *alg, const char *input, size_t n,
                  const unsigned char *sig, long slen)
{
    unsigned char *der = NULL;
    int dlen = 0, ok = 0;
    if (strcmp(alg, "ES256") == 0) {
        if (es256_der(sig, slen, &der, &dlen)) return 0;
        sig = der;
        slen = dlen;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) == 1 &&
        EVP_DigestVerify(md, sig, (size_t)slen, (const unsigned char *)input, n) == 1)
        ok = 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    return ok;
}

/* The key for this header: by kid when the token names one, else the only
 * key of the right type. Its "use", when present, must be "sig". */
static const json_t *find_key(const json_t *jwks, const char *kid, const char *kty)
{
    const json_t *keys = json_object_get(jwks, "keys"), *found = NULL;
    size_t i;
    json_t *k;
    int n = 0;
    json_array_foreach(keys, i, k)
    {
        const char *t = json_string_value(json_object_get(k, "kty"));
        const char *use = json_string_value(json_object_get(k, "use"));
        const char *id = json_string_value(json_object_get(k, "kid"));
        if (!t || strcmp(t, kty) != 0 || (use && strcmp(use, "sig") != 0)) continue;
        if (kid[0] && (!id || strcmp(id, kid) != 0)) continue;
        found = k;
        n++;
    }
    return n == 1 ? found : NULL;
}

static int aud_has(const json_t *aud, const char *who)
{
    if (json_is_string(aud)) return strcmp(json_string_value(aud), who) == 0;
    size_t i;
    json_t *a;
    json_array_foreach(aud, i,
                       a) if (json_is_string(a) && strcmp(json_string_value(a), who) == 0) return 1;
    return 0;
}

static int claims_ok(const json_t *c, const jwt_expect *x, ics_err *e)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    if (!iss || strcmp(iss, x->issuer) != 0)
        return ics_err_set(e, ICS_EAUTH, "the ID token was issued by '%s', not by '%s'",
                           iss ? iss : "(nobody)", x->issuer);
    const json_t *aud = json_object_get(c, "aud");
    if (!aud_has(aud, x->audience))
        return ics_err_set(e, ICS_EAUTH, "the ID token is not meant for this client ('%s')",
                           x->audience);
    const char *azp = json_string_value(json_object_get(c, "azp"));
    if ((json_is_array(aud) && json_array_size(aud) > 1 && !azp) ||
        (azp && strcmp(azp, x->audience) != 0))
        return ics_err_set(e, ICS_EAUTH, "the ID token's authorised party is not this client");
    json_t *exp = json_object_get(c, "exp"), *iat = json_object_get(c, "iat");
    if (!json_is_integer(exp) || !json_is_integer(iat))
        return ics_err_set(e, ICS_EAUTH, "the ID token has no expiry or issue time");
    if (json_integer_value(exp) + x->leeway <= x->now)
        return ics_err_set(e, ICS_EAUTH, "the ID token expired %lld seconds ago",
                           (long long)(x->now - json_integer_value(exp)));
    if (json_integer_value(iat) - x->leeway > x->now)
        return ics_err_set(e, ICS_EAUTH, "the ID token was issued in the future");
    const char *nonce = json_string_value(json_object_get(c, "nonce"));
    if (!nonce || !x->nonce || strcmp(nonce, x->nonce) != 0)
        return ics_err_set(e, ICS_EAUTH, "the ID token's nonce does not match this sign-in");
    const char *sub = json_string_value(json_object_get(c, "sub"));
    if (!sub || !*sub) return ics_err_set(e, ICS_EAUTH, "the ID token names no subject");
    return 0;
}

/* The signature, against our allow-list of algorithms and the provider's
 * key for this header; then the payload as a JSON object. `what` names the
 * token in messages ("ID token", "logout token"). */
static int verify_signed(const char *token, const json_t *jwks, const char *what, json_t **claims,
                         ics_err *e)
{
    *claims = NULL;
    const char *d1, *d2;
    if (!token || strlen(token) > 16384 || split(token, &d1, &d2))
        return ics_err_set(e, ICS_EAUTH, "the %s is not a signed JWT", what);
    json_t *h = part_json(token, (size_t)(d1 - token));
    char alg[16] = ""; /* copied: the header is freed before the signature check */
    const char *av = h ? json_string_value(json_object_get(h, "alg")) : NULL;
    if (av && strlen(av) < sizeof alg) snprintf(alg, sizeof alg, "%s", av);
    const char *kty = !alg[0]                     ? NULL
                      : strcmp(alg, "RS256") == 0 ? "RSA"
                      : strcmp(alg, "ES256") == 0 ? "EC"
                                                  : NULL;
    if (!kty) {
        int rc = ics_err_set(e, ICS_EAUTH, "the %s's algorithm '%s' is not accepted", what,
                             alg[0] ? alg : "(none)");
        json_decref(h);
        return rc;
    }
    const char *kidv = json_string_value(json_object_get(h, "kid"));
    const json_t *jwk = find_key(jwks, kidv ? kidv : "", kty);
    json_decref(h);
    if (!jwk) return ics_err_set(e, ICS_EAUTH, "the %s is signed with a key we do not know", what);
    EVP_PKEY *pk = key_of(jwk);
    if (!pk) return ics_err_set(e, ICS_EAUTH, "the provider's signing key is not usable");
    size_t slen_in = strlen(d2 + 1);
    unsigned char *sig = malloc(slen_in + 1);
    long slen = sig ? jwt_b64url_decode(d2 + 1, slen_in, sig, slen_in) : -1;
    int ok = slen > 0 && sig_ok(pk, alg, token, (size_t)(d2 - token), sig, slen);
    free(sig);
    EVP_PKEY_free(pk);
    if (!ok) return ics_err_set(e, ICS_EAUTH, "the %s's signature does not verify", what);
    json_t *c = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!c) return ics_err_set(e, ICS_EAUTH, "the %s's claims are not a JSON object", what);
    *claims = c;
    return 0;
}

int jwt_verify_id_token(const char *token, const json_t *jwks, const jwt_expect *x, json_t **claims,
                        ics_err *e)
{
    json_t *c;
    int rc = verify_signed(token, jwks, "ID token", &c, e);
    if (!rc && (rc = claims_ok(c, x, e))) json_decref(c), c = NULL;
    *claims = c;
    return rc;
}

/* OpenID Connect Back-Channel Logout 1.0, section 2.6: iss, aud, iat and
 * exp as for an ID token; a sub or a sid (or both); the back-channel
 * logout event in "events"; no nonce, so that an ID token can never pass
 * for a logout token or the reverse; a jti for replay detection. */
static int logout_claims_ok(const json_t *c, const jwt_expect *x, ics_err *e)
{
    const char *iss = json_string_value(json_object_get(c, "iss"));
    if (!iss || strcmp(iss, x->issuer) != 0)
        return ics_err_set(e, ICS_EAUTH, "the logout token was issued by '%s', not by '%s'",
                           iss ? iss : "(nobody)", x->issuer);
    if (!aud_has(json_object_get(c, "aud"), x->audience))
        return ics_err_set(e, ICS_EAUTH, "the logout token is not meant for this client ('%s')",
                           x->audience);
    json_t *exp = json_object_get(c, "exp"), *iat = json_object_get(c, "iat");
    if (!json_is_integer(exp) || !json_is_integer(iat))
        return ics_err_set(e, ICS_EAUTH, "the logout token has no expiry or issue time");
    if (json_integer_value(exp) + x->leeway <= x->now)
        return ics_err_set(e, ICS_EAUTH, "the logout token expired %lld seconds ago",
                           (long long)(x->now - json_integer_value(exp)));
    if (json_integer_value(iat) - x->leeway > x->now)
        return ics_err_set(e, ICS_EAUTH, "the logout token was issued in the future");
    if (json_object_get(c, "nonce"))
        return ics_err_set(e, ICS_EAUTH, "a logout token must not carry a nonce");
    const json_t *ev = json_object_get(json_object_get(c, "events"), JWT_LOGOUT_EVENT);
    if (!json_is_object(ev))
        return ics_err_set(e, ICS_EAUTH, "the logout token carries no back-channel logout event");
    const char *sub = json_string_value(json_object_get(c, "sub"));
    const char *sid = json_string_value(json_object_get(c, "sid"));
    if ((!sub || !*sub) && (!sid || !*sid))
        return ics_err_set(e, ICS_EAUTH, "the logout token names neither a subject nor a session");
    const char *jti = json_string_value(json_object_get(c, "jti"));
    if (!jti || !*jti || strlen(jti) > 256)
        return ics_err_set(e, ICS_EAUTH, "the logout token has no usable identifier (jti)");
    return 0;
}

int jwt_verify_logout_token(const char *token, const json_t *jwks, const jwt_expect *x,
                            json_t **claims, ics_err *e)
{
    json_t *c;
    int rc = verify_signed(token, jwks, "logout token", &c, e);
    if (!rc && (rc = logout_claims_ok(c, x, e))) json_decref(c), c = NULL;
    *claims = c;
    return rc;
}
