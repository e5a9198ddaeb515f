/* app/oidc.c - OpenID Connect sign-in (see oidc.h).
 *
 * The flow (OpenID Connect Core 1.0, section 3.1, with PKCE, RFC 7636):
 * login_start stores a random state, nonce and code verifier and sends the
 * browser to the provider with the verifier's SHA-256 as the challenge; the
 * provider sends it back to the callback with a code; the callback takes
 * the state row (once: a replayed or forged state finds nothing), exchanges
 * the code with the verifier and the client secret at the token endpoint,
 * and verifies the ID token's signature against the provider's keys and its
 * issuer, audience, expiry and nonce before it believes any claim. The keys
 * are cached and fetched again when a token names a key we do not have
 * (the provider rotated), at most once a minute. */
#include "app/oidc.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/auth.h"
#include "core/fetch.h"
#include "core/jwt.h"
#include "core/tz.h"
#include "core/valid.h"
#include "store/oidc.h"
#include "store/tokens.h"

#define LOGIN_TTL 600 /* seconds a sign-in may take at the provider */

static struct {
    pthread_mutex_t mu;
    int on;
    char issuer[512], client_id[256], secret[512], redirect[512], scopes[256], after[256];
    char auth_ep[512], token_ep[512], jwks_uri[512];
    json_t *mapping, *jwks;
    int64_t jwks_at;
} O = {.mu = PTHREAD_MUTEX_INITIALIZER};

int app_oidc_enabled(void)
{
    return O.on;
}

const char *app_oidc_after_login(void)
{
    return O.after[0] ? O.after : "/";
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int app_oidc_mapping_check(const json_t *m, ics_err *e)
{
    if (!json_is_object(m)) return ics_err_set(e, ICS_EINVAL, "the mapping must be a JSON object");
    if (!str(m, "roles_claim"))
        return ics_err_set(e, ICS_EINVAL, "the mapping needs \"roles_claim\" (a claim name)");
    const json_t *rules = json_object_get(m, "rules");
    if (!json_is_array(rules) || json_array_size(rules) == 0)
        return ics_err_set(e, ICS_EINVAL, "the mapping needs \"rules\": a non-empty array");
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        const char *code = str(r, "role_code"), *role = str(r, "role");
        if (!code || !*code)
            return ics_err_set(e, ICS_EINVAL, "rule %zu needs a \"role_code\"", i + 1);
        if (!users_role_bit(role))
            return ics_err_set(e, ICS_EINVAL, "rule %zu: role '%s' is not an icsflow role", i + 1,
                               role ? role : "");
    }
    return 0;
}

/* 1 when code is one of the ':'-separated parts of codes ("S8000:G8000:R8000"). */
static int has_code(const char *codes, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = codes; p && *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, code, n) == 0) return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

/* The user's candidate roles as [{code, org}]: a CIS2-style array of role
 * objects (only the selected one when the selected-role claim is there),
 * or role codes as strings with the organisation from org_claim. */
static int candidates(const json_t *m, const json_t *c, json_t **out, ics_err *e)
{
    const json_t *roles = json_object_get(c, str(m, "roles_claim"));
    const char *sel_claim = str(m, "selected_role_claim");
    const char *sel = sel_claim ? str(c, sel_claim) : NULL;
    const char *idf = str(m, "role_id_field") ? str(m, "role_id_field") : "person_roleid";
    const char *codef = str(m, "role_code_field") ? str(m, "role_code_field") : "role_code";
    const char *orgf = str(m, "org_field") ? str(m, "org_field") : "org_code";
    const char *flat_org = str(m, "org_claim") ? str(c, str(m, "org_claim")) : NULL;
    json_t *list = json_array();
    if (json_is_string(roles)) {
        json_array_append_new(list, json_pack("{ssss}", "code", json_string_value(roles), "org",
                                              flat_org ? flat_org : ""));
    } else if (json_is_array(roles)) {
        size_t i;
        json_t *r;
        json_array_foreach(roles, i, r)
        {
            if (json_is_string(r)) {
                json_array_append_new(list, json_pack("{ssss}", "code", json_string_value(r), "org",
                                                      flat_org ? flat_org : ""));
                continue;
            }
            const char *code = str(r, codef), *org = str(r, orgf), *id = str(r, idf);
            if (!code) continue;
            if (sel && (!id || strcmp(id, sel) != 0)) continue;
            json_array_append_new(list, json_pack("{ssss}", "code", code, "org",
                                                  org ? org : (flat_org ? flat_org : "")));
        }
    }
    if (json_array_size(list) == 0) {
        json_decref(list);
        if (sel)
            return ics_err_set(e, ICS_EFORBID,
                               "the selected role '%s' is not among the roles in the claim '%s'",
                               sel, str(m, "roles_claim"));
        return ics_err_set(e, ICS_EFORBID, "the ID token carries no roles (claim '%s')",
                           str(m, "roles_claim"));
    }
    *out = list;
    return 0;
}

int app_oidc_map(const json_t *m, const json_t *c, char name[64], char role[16], char org[8],
                 ics_err *e)
{
    const char *uc = str(m, "user_claim") ? str(m, "user_claim") : "sub";
    const char *prefix = str(m, "user_prefix") ? str(m, "user_prefix") : "";
    const char *who = str(c, uc);
    if (!who || !*who) return ics_err_set(e, ICS_EFORBID, "the ID token has no '%s' claim", uc);
    if (strlen(prefix) + strlen(who) > 63)
        return ics_err_set(e, ICS_EFORBID, "the user name from claim '%s' is too long", uc);
    json_t *cands = NULL;
    int rc = candidates(m, c, &cands, e);
    if (rc) return rc;
    size_t i, j;
    json_t *r, *k;
    rc = -1;
    json_array_foreach(json_object_get(m, "rules"), i, r)
    {
        json_array_foreach(cands, j, k)
        {
            const char *ro = str(r, "org");
            if (!has_code(str(k, "code"), str(r, "role_code"))) continue;
            if (ro && strcmp(ro, str(k, "org")) != 0) continue;
            const char *as = str(r, "org_as") ? str(r, "org_as") : str(k, "org");
            snprintf(name, 64, "%s%s", prefix, who);
            snprintf(role, 16, "%s", str(r, "role"));
            snprintf(org, 8, "%s", as);
            if (strlen(as) >= 8)
                rc = ics_err_set(e, ICS_EFORBID, "organisation '%s' is not an ODS code", as);
            else
                rc = 0;
            goto done;
        }
    }
done:
    if (rc == -1) {
        char codes[256] = "";
        json_array_foreach(cands, j, k)
        {
            size_t n = strlen(codes);
            snprintf(codes + n, sizeof codes - n, "%s%s@%s", n ? ", " : "", str(k, "code"),
                     str(k, "org")[0] ? str(k, "org") : "-");
        }
        rc = ics_err_set(e, ICS_EFORBID,
                         "none of the user's roles (%s) is mapped to an icsflow role", codes);
    }
    json_decref(cands);
    return rc;
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static int fetch_jwks(ics_err *e)
{
    json_t *j;
    long st;
    int rc = fetch_json(O.jwks_uri, NULL, NULL, NULL, &st, &j, e);
    if (rc) return rc;
    if (st != 200 || !json_is_array(json_object_get(j, "keys"))) {
        json_decref(j);
        return ics_err_set(e, ICS_EIO, "%s did not answer a JSON Web Key Set", O.jwks_uri);
    }
    pthread_mutex_lock(&O.mu);
    json_decref(O.jwks);
    O.jwks = j;
    O.jwks_at = tz_now();
    pthread_mutex_unlock(&O.mu);
    return 0;
}

int app_oidc_configure(const app_oidc_config *cfg, ics_err *e)
{
    if (!cfg->issuer || !cfg->client_id || !cfg->redirect_uri || !cfg->mapping_path)
        return ics_err_set(e, ICS_EINVAL,
                           "OpenID Connect needs an issuer, a client id, a redirect URI and a "
                           "mapping file");
    if (!cfg->client_secret || !*cfg->client_secret)
        return ics_err_set(e, ICS_EINVAL,
                           "OpenID Connect needs the client secret in ICSFLOW_OIDC_CLIENT_SECRET");
    json_error_t je;
    json_t *m = json_load_file(cfg->mapping_path, JSON_REJECT_DUPLICATES, &je);
    if (!m)
        return ics_err_set(e, ICS_EINVAL, "%s: line %d: %s", cfg->mapping_path, je.line, je.text);
    int rc = app_oidc_mapping_check(m, e);
    if (rc) {
        ics_err_prefix(e, "%s: ", cfg->mapping_path);
        json_decref(m);
        return rc;
    }
    copy(O.issuer, sizeof O.issuer, cfg->issuer);
    copy(O.client_id, sizeof O.client_id, cfg->client_id);
    copy(O.secret, sizeof O.secret, cfg->client_secret);
    copy(O.redirect, sizeof O.redirect, cfg->redirect_uri);
    copy(O.scopes, sizeof O.scopes,
         cfg->scopes ? cfg->scopes : "openid profile nationalrbacaccess selectedrole");
    copy(O.after, sizeof O.after, cfg->after_login ? cfg->after_login : "/");
    O.mapping = m;
    /* Discovery (OpenID Connect Discovery 1.0): the issuer it names must be
     * exactly the one configured. */
    char url[600];
    size_t il = strlen(O.issuer);
    snprintf(url, sizeof url, "%.*s/.well-known/openid-configuration",
             (int)(il && O.issuer[il - 1] == '/' ? il - 1 : il), O.issuer);
    json_t *d;
    long st;
    if ((rc = fetch_json(url, NULL, NULL, NULL, &st, &d, e))) return rc;
    const char *iss = str(d, "issuer");
    if (st != 200 || !iss || strcmp(iss, O.issuer) != 0 || !str(d, "authorization_endpoint") ||
        !str(d, "token_endpoint") || !str(d, "jwks_uri")) {
        rc = ics_err_set(e, ICS_EIO,
                         "%s is not a discovery document for issuer '%s' (it names '%s')", url,
                         O.issuer, iss ? iss : "");
        json_decref(d);
        return rc;
    }
    copy(O.auth_ep, sizeof O.auth_ep, str(d, "authorization_endpoint"));
    copy(O.token_ep, sizeof O.token_ep, str(d, "token_endpoint"));
    copy(O.jwks_uri, sizeof O.jwks_uri, str(d, "jwks_uri"));
    json_decref(d);
    if ((rc = fetch_jwks(e))) return rc;
    O.on = 1;
    return 0;
}

void app_oidc_shutdown(void)
{
    pthread_mutex_lock(&O.mu);
    json_decref(O.jwks);
    json_decref(O.mapping);
    O.jwks = O.mapping = NULL;
    O.on = 0;
    pthread_mutex_unlock(&O.mu);
}

static int append(char *url, size_t n, const char *k, const char *v, int first)
{
    char *x = fetch_escape(v);
    if (!x) return -1;
    size_t used = strlen(url);
    int w = snprintf(url + used, n - used, "%s%s=%s", first ? "" : "&", k, x);
    free(x);
    return w < 0 || (size_t)w >= n - used ? -1 : 0;
}

int app_oidc_login_start(store *s, int64_t now, char *url, size_t n, ics_err *e)
{
    if (!O.on) return ics_err_set(e, ICS_ENOTFOUND, "OpenID Connect sign-in is not configured");
    char state[TOKEN_LEN + 1], nonce[TOKEN_LEN + 1], verifier[TOKEN_LEN + 1];
    token_new(state);
    token_new(nonce);
    token_new(verifier);
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)verifier, strlen(verifier), h);
    char challenge[64];
    jwt_b64url_encode(h, sizeof h, challenge, sizeof challenge);
    int rc = store_oidc_login_put(s, state, nonce, verifier, now, e);
    if (rc) return rc;
    snprintf(url, n, "%s%s", O.auth_ep, strchr(O.auth_ep, '?') ? "&" : "?");
    if (append(url, n, "response_type", "code", 1) || append(url, n, "client_id", O.client_id, 0) ||
        append(url, n, "redirect_uri", O.redirect, 0) || append(url, n, "scope", O.scopes, 0) ||
        append(url, n, "state", state, 0) || append(url, n, "nonce", nonce, 0) ||
        append(url, n, "code_challenge", challenge, 0) ||
        append(url, n, "code_challenge_method", "S256", 0))
        return ics_err_set(e, ICS_EIO, "the authorization URL is too long");
    return 0;
}

/* Exchange the code for tokens; the ID token (malloc'd) in *idt. */
static int exchange(const char *code, const char *verifier, char **idt, ics_err *e)
{
    char form[4096] = "";
    if (append(form, sizeof form, "grant_type", "authorization_code", 1) ||
        append(form, sizeof form, "code", code, 0) ||
        append(form, sizeof form, "redirect_uri", O.redirect, 0) ||
        append(form, sizeof form, "code_verifier", verifier, 0))
        return ics_err_set(e, ICS_EBADREQ, "the authorization code is too long");
    /* client_secret_basic: id and secret are form-encoded first (RFC 6749 2.3.1) */
    char *id = fetch_escape(O.client_id), *sec = fetch_escape(O.secret);
    json_t *j = NULL;
    long st = 0;
    int rc = id && sec ? fetch_json(O.token_ep, form, id, sec, &st, &j, e)
                       : ics_err_set(e, ICS_EIO, "out of memory");
    free(id);
    free(sec);
    if (rc) return rc;
    const char *t = str(j, "id_token");
    if (st != 200 || !t) {
        rc = ics_err_set(e, ICS_EAUTH, "the provider refused the code: %s",
                         str(j, "error_description") ? str(j, "error_description")
                         : str(j, "error")           ? str(j, "error")
                                                     : "no ID token");
        json_decref(j);
        return rc;
    }
    *idt = strdup(t);
    json_decref(j);
    return *idt ? 0 : ics_err_set(e, ICS_EIO, "out of memory");
}

typedef int (*jwt_verifier)(const char *, const json_t *, const jwt_expect *, json_t **, ics_err *);

/* Verify an ID or logout token against the cached keys, fetching them
 * again once when it names a key we do not have (the provider rotated). */
static int verify_with(jwt_verifier fn, const char *idt, const char *nonce, int64_t now,
                       json_t **claims, ics_err *e)
{
    jwt_expect x = {O.issuer, O.client_id, nonce, now, 60};
    for (int attempt = 0; attempt < 2; attempt++) {
        pthread_mutex_lock(&O.mu);
        json_t *keys = json_incref(O.jwks);
        int64_t at = O.jwks_at;
        pthread_mutex_unlock(&O.mu);
        int rc = fn(idt, keys, &x, claims, e);
        json_decref(keys);
        if (!rc || attempt || !strstr(e->msg, "key we do not know") || now - at < 60) return rc;
        ics_err fe = {0};
        if (fetch_jwks(&fe)) return rc; /* keep the first error: the token is refused */
    }
    return ICS_EAUTH;
}

static int verify(const char *idt, const char *nonce, int64_t now, json_t **claims, ics_err *e)
{
    return verify_with(jwt_verify_id_token, idt, nonce, now, claims, e);
}

int app_oidc_callback(store *s, int64_t now, const char *code, const char *state, const char *error,
                      char token[TOKEN_LEN + 1], json_t **info, ics_err *e)
{
    *info = NULL;
    if (!O.on) return ics_err_set(e, ICS_ENOTFOUND, "OpenID Connect sign-in is not configured");
    if (error)
        return ics_err_set(e, ICS_EBADREQ, "the identity provider refused the sign-in: %.100s",
                           error);
    if (!code || !*code || !state || !*state)
        return ics_err_set(e, ICS_EBADREQ, "the callback needs code and state");
    char nonce[64], verifier[128];
    int rc = store_oidc_login_take(s, state, now - LOGIN_TTL, nonce, verifier, e);
    if (rc < 0) return rc;
    if (rc == 0)
        return ics_err_set(e, ICS_EBADREQ,
                           "this sign-in is unknown, expired or already used; start again");
    char *idt = NULL;
    json_t *claims = NULL;
    if ((rc = exchange(code, verifier, &idt, e))) return rc;
    rc = verify(idt, nonce, now, &claims, e);
    free(idt);
    if (rc) return rc;
    char name[64], role[16], org[8];
    rc = app_oidc_map(O.mapping, claims, name, role, org, e);
    if (rc) {
        json_decref(claims);
        return rc;
    }
    /* The person signing in is the actor of their own sign-in record. */
    app_ctx c = app_ctx_seed(s, now);
    c.who.name = name;
    c.who.via = "oidc";
    if ((rc = app_begin(&c, e))) {
        json_decref(claims);
        return rc;
    }
    int known = org[0] ? store_org_known(s, org, e) : 1;
    if (known < 0)
        rc = known;
    else if (!known)
        rc = ics_err_set(e, ICS_EFORBID, "organisation '%s' is not in icsflow's directory", org);
    int64_t uid = 0;
    if (!rc) rc = store_user_upsert(s, name, role, org, now, &uid, e);
    if (!rc)
        rc = app_token_new(&c, uid, "session", "dashboard sign-in", AUTH_TTL_SESSION, token, info,
                           e);
    /* the provider's subject and session, for its back-channel logout */
    if (!rc)
        rc = store_oidc_session_put(s, json_integer_value(json_object_get(*info, "id")),
                                    json_string_value(json_object_get(claims, "sub")),
                                    json_string_value(json_object_get(claims, "sid")), e);
    json_decref(claims);
    if (!rc) {
        json_object_set_new(*info, "user", json_string(name));
        json_object_set_new(*info, "role", json_string(role));
        json_object_set_new(*info, "org", json_string(org));
        char sid[32];
        snprintf(sid, sizeof sid, "%lld", (long long)uid);
        json_t *after = json_pack("{sssssssO}", "name", name, "role", role, "org", org,
                                  "expires_at", json_object_get(*info, "expires_at"));
        rc = app_audit(&c, "auth.oidc.signin", "user", sid, NULL, after, e);
        json_decref(after);
    }
    rc = app_end(&c, rc, e);
    if (rc) json_decref(*info), *info = NULL;
    return rc;
}

int app_oidc_backchannel_logout(store *s, int64_t now, const char *logout_token, json_t **result,
                                ics_err *e)
{
    *result = NULL;
    if (!O.on) return ics_err_set(e, ICS_ENOTFOUND, "OpenID Connect sign-in is not configured");
    if (!logout_token || !*logout_token)
        return ics_err_set(e, ICS_EBADREQ, "the request needs a logout_token");
    json_t *claims = NULL;
    int rc = verify_with(jwt_verify_logout_token, logout_token, NULL, now, &claims, e);
    if (rc) return rc;
    const char *sub = json_string_value(json_object_get(claims, "sub"));
    const char *sid = json_string_value(json_object_get(claims, "sid"));
    const char *jti = json_string_value(json_object_get(claims, "jti"));
    int64_t exp = json_integer_value(json_object_get(claims, "exp"));
    /* The provider is the actor: the sessions end on its word. */
    app_ctx c = app_ctx_seed(s, now);
    c.who.name = "oidc:backchannel";
    c.who.via = "oidc";
    json_t *rows = NULL;
    if ((rc = app_begin(&c, e))) {
        json_decref(claims);
        return rc;
    }
    int fresh = store_oidc_jti_use(s, jti, exp + 60, now, e);
    if (fresh < 0)
        rc = fresh;
    else if (!fresh)
        rc = ics_err_set(e, ICS_EAUTH, "this logout token was used before (jti '%.60s')", jti);
    if (!rc) rc = store_oidc_sessions_find(s, sub, sid, &rows, e);
    json_t *ended = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (rc) break;
        int64_t tid = json_integer_value(json_object_get(r, "token_id"));
        rc = store_token_revoke(s, json_integer_value(json_object_get(r, "user_id")), tid, now, e);
        json_array_append_new(ended, json_integer(tid));
    }
    if (!rc) {
        const char *user =
            json_array_size(rows)
                ? json_string_value(json_object_get(json_array_get(rows, 0), "user_name"))
                : NULL;
        json_t *after = json_pack("{s:s?, s:s?, s:s?, s:O}", "sub", sub, "sid", sid, "user", user,
                                  "sessions_ended", ended);
        rc = app_audit(&c, "auth.oidc.backchannel_logout", "user", user, NULL, after, e);
        json_decref(after);
    }
    rc = app_end(&c, rc, e);
    if (!rc)
        *result = json_pack("{s:s?, s:s?, s:O}", "sub", sub, "sid", sid, "sessions_ended", ended);
    json_decref(ended);
    json_decref(rows);
    json_decref(claims);
    return rc;
}
