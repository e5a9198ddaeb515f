/* test_oidc.c - ID token verification (core/jwt.c) and the claims mapping
 * (app/oidc.c): a token signed with a fresh RSA key verifies; a bad
 * signature, another key, the wrong issuer, audience or nonce, an expired
 * token, "alg":"none" and HMAC are each refused; CIS2-style roles map to
 * icsflow roles and organisations, and unmapped ones are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/oidc.h"
#include "core/jwt.h"

#define NOW 1800000000LL

static EVP_PKEY *key1, *key2;
static json_t *jwks;

static json_t *jwk_of(EVP_PKEY *k, const char *kid)
{
    BIGNUM *n = NULL, *e = NULL;
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e);
    unsigned char nb[512], eb[8];
    int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
    char ns[700], es[16];
    jwt_b64url_encode(nb, (size_t)nl, ns, sizeof ns);
    jwt_b64url_encode(eb, (size_t)el, es, sizeof es);
    BN_free(n);
    BN_free(e);
    return json_pack("{ssssssssss}", "kty", "RSA", "kid", kid, "use", "sig", "n", ns, "e", es);
}

static int setup(void **s)
{
    (void)s;
    key1 = EVP_RSA_gen(2048);
    key2 = EVP_RSA_gen(2048);
    jwks = json_pack("{s[o]}", "keys", jwk_of(key1, "k1"));
    return key1 && key2 && jwks ? 0 : -1;
}

static int teardown(void **s)
{
    (void)s;
    EVP_PKEY_free(key1);
    EVP_PKEY_free(key2);
    json_decref(jwks);
    return 0;
}

static void b64(const char *in, size_t n, char *out, size_t cap)
{
    jwt_b64url_encode((const unsigned char *)in, n, out, cap);
}

/* A compact JWS of header and claims signed RS256 with k (NULL: unsigned). */
static char *sign(const json_t *header, const json_t *claims, EVP_PKEY *k)
{
    char *h = json_dumps(header, JSON_COMPACT), *c = json_dumps(claims, JSON_COMPACT);
    static char out[8192];
    char hb[1024], cb[4096], sb[1024] = "";
    b64(h, strlen(h), hb, sizeof hb);
    b64(c, strlen(c), cb, sizeof cb);
    free(h);
    free(c);
    char input[6000];
    snprintf(input, sizeof input, "%s.%s", hb, cb);
    if (k) {
        unsigned char sig[512];
        size_t sl = sizeof sig;
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k);
        EVP_DigestSign(md, sig, &sl, (const unsigned char *)input, strlen(input));
        EVP_MD_CTX_free(md);
        jwt_b64url_encode(sig, sl, sb, sizeof sb);
    }
    snprintf(out, sizeof out, "%s.%s", input, sb);
    return out;
}

static json_t *good_claims(void)
{
    return json_pack("{sssssssssIsIss}", "iss", "https://idp.test", "sub", "u1", "aud", "icsflow",
                     "nonce", "n-123", "exp", (json_int_t)(NOW + 300), "iat", (json_int_t)NOW,
                     "azp", "icsflow");
}

static const jwt_expect X = {"https://idp.test", "icsflow", "n-123", NOW, 60};

static int verify_with(json_t *claims, const char *alg, const char *kid, EVP_PKEY *k, char *why,
                       size_t n)
{
    json_t *h = json_pack("{ssss}", "alg", alg, "kid", kid);
    char *t = sign(h, claims, k);
    json_decref(h);
    json_decref(claims);
    json_t *out = NULL;
    ics_err e = {0};
    int rc = jwt_verify_id_token(t, jwks, &X, &out, &e);
    json_decref(out);
    snprintf(why, n, "%s", e.msg);
    return rc;
}

static void test_jwt_accepts_a_good_token(void **s)
{
    (void)s;
    char why[512];
    assert_int_equal(verify_with(good_claims(), "RS256", "k1", key1, why, sizeof why), 0);
}

static void test_jwt_refuses_a_tampered_payload(void **s)
{
    (void)s;
    json_t *h = json_pack("{ssss}", "alg", "RS256", "kid", "k1");
    json_t *c = good_claims();
    char *t = strdup(sign(h, c, key1));
    json_decref(c);
    /* swap the claims for others, keeping the signature */
    c = good_claims();
    json_object_set_new(c, "sub", json_string("admin"));
    char *t2 = sign(h, c, key1);
    json_decref(c);
    json_decref(h);
    char forged[8192];
    const char *sig = strrchr(t, '.');
    snprintf(forged, sizeof forged, "%.*s%s", (int)(strrchr(t2, '.') - t2), t2, sig);
    json_t *out = NULL;
    ics_err e = {0};
    assert_int_equal(jwt_verify_id_token(forged, jwks, &X, &out, &e), ICS_EAUTH);
    assert_non_null(strstr(e.msg, "signature"));
    assert_null(out);
    free(t);
}

static void test_jwt_refuses_another_key(void **s)
{
    (void)s;
    char why[512];
    assert_int_equal(verify_with(good_claims(), "RS256", "k1", key2, why, sizeof why), ICS_EAUTH);
    assert_non_null(strstr(why, "signature"));
}

static void test_jwt_refuses_an_unknown_kid(void **s)
{
    (void)s;
    char why[512];
    assert_int_equal(verify_with(good_claims(), "RS256", "k9", key1, why, sizeof why), ICS_EAUTH);
    assert_non_null(strstr(why, "key we do not know"));
}

static void test_jwt_refuses_wrong_audience(void **s)
{
    (void)s;
    char why[512];
    json_t *c = good_claims();
    json_object_set_new(c, "aud", json_string("someone-else"));
    json_object_del(c, "azp");
    assert_int_equal(verify_with(c, "RS256", "k1", key1, why, sizeof why), ICS_EAUTH);
    assert_non_null(strstr(why, "not meant for this client"));
}

static void test_jwt_refuses_a_foreign_authorised_party(void **s)
{
    (void)s;
    char why[512];
    json_t *c = good_claims();
    json_object_set_new(c, "aud", json_pack("[ss]", "icsflow", "other"));
    json_object_set_new(c, "azp", json_string("other"));
    assert_int_equal(verify_with(c, "RS256", "k1", key1, why, sizeof why), ICS_EAUTH);
}

static void test_jwt_refuses_wrong_issuer(void **s)
{
    (void)s;
    char why[512];
    json_t *c = good_claims();
    json_object_set_new(c, "iss", json_string("https://evil.test"));
    assert_int_equal(verify_with(c, "RS256", "k1", key1, why, sizeof why), ICS_EAUTH);
    assert_non_null(strstr(why, "issued by"));
}

static void test_jwt_refuses_an_expired_token(void **s)
{
    (void)s;
    char why[512];
    json_t *c = good_claims();
    json_object_set_new(c, "exp", json_integer(NOW - 61));
    assert_int_equal(verify_with(c, "RS256", "k1", key1, why, sizeof why), ICS_EAUTH);
    assert_non_null(strstr(why, "expired"));
    c = good_claims();
    json_object_set_new(c, "exp", json_integer(NOW - 30)); /* within the 60 s leeway */
    assert_int_equal(verify_with(c, "RS256", "k1", key1, why, sizeof why), 0);
}

static void test_jwt_refuses_a_token_from_the_future(void **s)
{
    (void)s;
    char why[512];
    json_t *c = good_claims();
    json_object_set_new(c, "iat", json_integer(NOW + 3600));
    assert_int_equal(verify_with(c, "RS256", "k1", key1, why, sizeof why), ICS_EAUTH);
}

static void test_jwt_refuses_wrong_or_missing_nonce(void **s)
{
    (void)s;
    char why[512];
    json_t *c = good_claims();
    json_object_set_new(c, "nonce", json_string("replayed"));
    assert_int_equal(verify_with(c, "RS256", "k1", key1, why, sizeof why), ICS_EAUTH);
    assert_non_null(strstr(why, "nonce"));
    c = good_claims();
    json_object_del(c, "nonce");
    assert_int_equal(verify_with(c, "RS256", "k1", key1, why, sizeof why), ICS_EAUTH);
}

static void test_jwt_refuses_alg_none_and_hmac(void **s)
{
    (void)s;
    char why[512];
    assert_int_equal(verify_with(good_claims(), "none", "k1", NULL, why, sizeof why), ICS_EAUTH);
    assert_non_null(strstr(why, "algorithm"));
    assert_int_equal(verify_with(good_claims(), "HS256", "k1", key1, why, sizeof why), ICS_EAUTH);
}

static void test_jwt_refuses_garbage(void **s)
{
    (void)s;
    json_t *out = NULL;
    ics_err e = {0};
    assert_int_equal(jwt_verify_id_token("", jwks, &X, &out, &e), ICS_EAUTH);
    assert_int_equal(jwt_verify_id_token("a.b", jwks, &X, &out, &e), ICS_EAUTH);
    assert_int_equal(jwt_verify_id_token("a.b.c.d", jwks, &X, &out, &e), ICS_EAUTH);
    assert_int_equal(jwt_verify_id_token("!!.??.**", jwks, &X, &out, &e), ICS_EAUTH);
}

static void test_b64url_roundtrip(void **s)
{
    (void)s;
    const char *in = "\xff\xfe any bytes \x01";
    char enc[64];
    unsigned char dec[64];
    jwt_b64url_encode((const unsigned char *)in, strlen(in), enc, sizeof enc);
    assert_null(strpbrk(enc, "+/="));
    long n = jwt_b64url_decode(enc, strlen(enc), dec, sizeof dec);
    assert_int_equal(n, (long)strlen(in));
    assert_memory_equal(dec, in, (size_t)n);
    assert_int_equal(jwt_b64url_decode("a*b", 3, dec, sizeof dec), -1);
}

/* ---- mapping ------------------------------------------------------------ */

static json_t *mapping(void)
{
    return json_pack("{sssssssssss[{ssssss}{ssss}{ssss}]}", "user_claim", "sub", "user_prefix",
                     "cis2:", "roles_claim", "nhsid_nrbac_roles", "selected_role_claim",
                     "selected_roleid", "role_id_field", "person_roleid", "rules", "role_code",
                     "R8008", "org", "QRV", "role", "coordinator", "role_code", "R8000", "role",
                     "clinician", "role_code", "R8008", "role", "trust_ops");
}

static json_t *cis2(const char *sel, const char *code1, const char *org1, const char *code2,
                    const char *org2)
{
    return json_pack("{sss[{ssssss}{ssssss}]ss}", "sub", "5550001", "nhsid_nrbac_roles",
                     "person_roleid", "r1", "role_code", code1, "org_code", org1, "person_roleid",
                     "r2", "role_code", code2, "org_code", org2, "selected_roleid", sel);
}

static int map(json_t *m, json_t *c, char *role, char *org, char *why)
{
    char name[64];
    ics_err e = {0};
    int rc = app_oidc_map(m, c, name, role, org, &e);
    snprintf(why, 512, "%s", e.msg);
    if (!rc) assert_string_equal(name, "cis2:5550001");
    json_decref(c);
    return rc;
}

static void test_map_selected_cis2_role(void **s)
{
    (void)s;
    json_t *m = mapping();
    char role[16], org[8], why[512];
    assert_int_equal(
        map(m, cis2("r1", "S8000:G8000:R8000", "RYJ", "S1:G1:R8008", "QRV"), role, org, why), 0);
    assert_string_equal(role, "clinician");
    assert_string_equal(org, "RYJ");
    assert_int_equal(
        map(m, cis2("r2", "S8000:G8000:R8000", "RYJ", "S1:G1:R8008", "QRV"), role, org, why), 0);
    assert_string_equal(role, "coordinator"); /* the rule naming QRV comes first */
    assert_string_equal(org, "QRV");
    assert_int_equal(
        map(m, cis2("r2", "S8000:G8000:R8000", "RYJ", "S1:G1:R8008", "RQM"), role, org, why), 0);
    assert_string_equal(role, "trust_ops");
    assert_string_equal(org, "RQM");
    json_decref(m);
}

static void test_map_refuses_unmapped_or_unselected_roles(void **s)
{
    (void)s;
    json_t *m = mapping();
    char role[16], org[8], why[512];
    assert_int_equal(map(m, cis2("r1", "S1:G1:R9999", "RYJ", "S1:G1:R9998", "RYJ"), role, org, why),
                     ICS_EFORBID);
    assert_non_null(strstr(why, "R9999"));
    assert_int_equal(map(m, cis2("r7", "S1:G1:R8000", "RYJ", "S1:G1:R8000", "RYJ"), role, org, why),
                     ICS_EFORBID);
    assert_non_null(strstr(why, "selected role"));
    assert_int_equal(map(m, json_pack("{ss}", "sub", "x"), role, org, why), ICS_EFORBID);
    json_decref(m);
}

static void test_mapping_file_is_checked(void **s)
{
    (void)s;
    ics_err e = {0};
    json_t *m = mapping();
    assert_int_equal(app_oidc_mapping_check(m, &e), 0);
    json_decref(m);
    m = json_pack("{sss[{ssss}]}", "roles_claim", "r", "rules", "role_code", "R1", "role", "god");
    assert_int_equal(app_oidc_mapping_check(m, &e), ICS_EINVAL);
    json_decref(m);
    m = json_pack("{ss}", "roles_claim", "r");
    assert_int_equal(app_oidc_mapping_check(m, &e), ICS_EINVAL);
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jwt_accepts_a_good_token),
        cmocka_unit_test(test_jwt_refuses_a_tampered_payload),
        cmocka_unit_test(test_jwt_refuses_another_key),
        cmocka_unit_test(test_jwt_refuses_an_unknown_kid),
        cmocka_unit_test(test_jwt_refuses_wrong_audience),
        cmocka_unit_test(test_jwt_refuses_a_foreign_authorised_party),
        cmocka_unit_test(test_jwt_refuses_wrong_issuer),
        cmocka_unit_test(test_jwt_refuses_an_expired_token),
        cmocka_unit_test(test_jwt_refuses_a_token_from_the_future),
        cmocka_unit_test(test_jwt_refuses_wrong_or_missing_nonce),
        cmocka_unit_test(test_jwt_refuses_alg_none_and_hmac),
        cmocka_unit_test(test_jwt_refuses_garbage),
        cmocka_unit_test(test_b64url_roundtrip),
        cmocka_unit_test(test_map_selected_cis2_role),
        cmocka_unit_test(test_map_refuses_unmapped_or_unselected_roles),
        cmocka_unit_test(test_mapping_file_is_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
