/* store/tokens.c - the SQL of bearer tokens and OpenID Connect sign-ins
 * (see tokens.h). The tokens table is rebuilt once to give each token an
 * id (so one can be listed and revoked), a kind, a label, an expiry, the
 * time of its last use and its own revocation. */
#include "store/tokens.h"

#include <stdio.h>
#include <string.h>

/* Tokens issued before this step get 30 days from the upgrade (the default
 * expiry), so an upgrade never locks anyone out at once. A token inserted
 * without an expiry (older code paths) gets the same default. */
const store_migration store_schema_tokens[] = {
    {"tokens", 1,
     "CREATE TABLE tokens_v2 ("
     " id INTEGER PRIMARY KEY,"
     " hash TEXT NOT NULL UNIQUE,"
     " user_id INTEGER NOT NULL REFERENCES users(id),"
     " kind TEXT NOT NULL DEFAULT 'api' CHECK (kind IN ('api','session')),"
     " label TEXT,"
     " created_at TEXT NOT NULL,"
     " expires_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now','+30 days')),"
     " last_used_at TEXT,"
     " revoked_at TEXT);"
     "INSERT INTO tokens_v2 (hash, user_id, created_at) SELECT hash, user_id, created_at FROM "
     "tokens;"
     "DROP TABLE tokens;"
     "ALTER TABLE tokens_v2 RENAME TO tokens;"
     "CREATE INDEX tokens_user ON tokens(user_id);"
     "CREATE TABLE oidc_logins ("
     " state TEXT PRIMARY KEY,"
     " nonce TEXT NOT NULL,"
     " verifier TEXT NOT NULL,"
     " created_at TEXT NOT NULL);",
     NULL},
    {NULL, 0, NULL, NULL}};

int store_token_insert(store *s, int64_t user_id, const char *hash, const char *kind,
                       const char *label, const char *created_at, const char *expires_at,
                       int64_t *id, ics_err *e)
{
    json_t *p = json_pack("[sIssss]", hash, (json_int_t)user_id, kind, label ? label : "",
                          created_at, expires_at);
    if (!label || !*label) json_array_set_new(p, 3, json_null());
    int rc = store_exec_params(s,
                               "INSERT INTO tokens (hash, user_id, kind, label, created_at, "
                               "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                               p, e);
    json_decref(p);
    if (!rc && id) *id = store_last_id(s);
    return rc;
}

static void col(store_stmt *st, int i, char *out, size_t n)
{
    snprintf(out, n, "%s", store_col_text(st, i));
}

int store_token_find(store *s, const char *hash, store_token_row *out, ics_err *e)
{
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT t.id, u.id, u.name, u.role, COALESCE(u.org_code, ''), t.kind, "
                           "t.expires_at, COALESCE(t.revoked_at, ''), "
                           "COALESCE(t.last_used_at, ''), COALESCE(u.revoked_at, '') "
                           "FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?",
                           &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, hash);
    rc = store_step(st, e);
    if (rc == 1) {
        memset(out, 0, sizeof *out);
        out->id = store_col_int(st, 0);
        out->user.id = store_col_int(st, 1);
        col(st, 2, out->user.name, sizeof out->user.name);
        col(st, 3, out->user.role, sizeof out->user.role);
        col(st, 4, out->user.org, sizeof out->user.org);
        out->user.role_bit = users_role_bit(out->user.role);
        col(st, 5, out->kind, sizeof out->kind);
        col(st, 6, out->expires_at, sizeof out->expires_at);
        col(st, 7, out->revoked_at, sizeof out->revoked_at);
        col(st, 8, out->last_used_at, sizeof out->last_used_at);
        col(st, 9, out->user_revoked_at, sizeof out->user_revoked_at);
    }
    store_finalize(st);
    return rc;
}

int store_token_touch(store *s, int64_t id, const char *now, const char *older, ics_err *e)
{
    json_t *p = json_pack("[sIs]", now, (json_int_t)id, older);
    int rc = store_exec_params(s,
                               "UPDATE tokens SET last_used_at = ? WHERE id = ? AND "
                               "(last_used_at IS NULL OR last_used_at < ?)",
                               p, e);
    json_decref(p);
    return rc;
}

#define TOKEN_COLS "id, kind, label, created_at, expires_at, last_used_at, revoked_at"

int store_token_list(store *s, int64_t user_id, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)user_id);
    int rc = store_query_json(
        s, "SELECT " TOKEN_COLS " FROM tokens WHERE user_id = ? ORDER BY id DESC", p, rows, e);
    json_decref(p);
    return rc;
}

int store_token_get(store *s, int64_t user_id, int64_t id, json_t **row, ics_err *e)
{
    json_t *p = json_pack("[II]", (json_int_t)user_id, (json_int_t)id);
    int rc = store_query_one(s, "SELECT " TOKEN_COLS " FROM tokens WHERE user_id = ? AND id = ?", p,
                             row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no token %lld", (long long)id);
    return rc;
}

int store_token_revoke(store *s, int64_t user_id, int64_t id, const char *now, ics_err *e)
{
    json_t *p = json_pack("[sII]", now, (json_int_t)user_id, (json_int_t)id);
    int rc = store_exec_params(
        s, "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND id = ? AND revoked_at IS NULL",
        p, e);
    json_decref(p);
    if (!rc && store_changes(s) == 0)
        return ics_err_set(e, ICS_ENOTFOUND, "no active token %lld", (long long)id);
    return rc;
}

int store_user_active(store *s, const char *name, auth_user *u, ics_err *e)
{
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT id, name, role, COALESCE(org_code, '') FROM users "
                           "WHERE name = ? AND revoked_at IS NULL",
                           &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, name);
    rc = store_step(st, e);
    if (rc == 1) {
        memset(u, 0, sizeof *u);
        u->id = store_col_int(st, 0);
        col(st, 1, u->name, sizeof u->name);
        col(st, 2, u->role, sizeof u->role);
        col(st, 3, u->org, sizeof u->org);
        u->role_bit = users_role_bit(u->role);
    }
    store_finalize(st);
    if (rc == 0) return ics_err_set(e, ICS_ENOTFOUND, "no active user named '%s'", name);
    return rc < 0 ? rc : 0;
}

int store_user_upsert(store *s, const char *name, const char *role, const char *org,
                      const char *now, int64_t *id, ics_err *e)
{
    json_t *p = json_pack("[s]", name), *row = NULL;
    int rc = store_query_one(s, "SELECT id, revoked_at FROM users WHERE name = ?", p, &row, e);
    json_decref(p);
    if (rc && rc != ICS_ENOTFOUND) return rc;
    if (!rc) {
        int revoked = !json_is_null(json_object_get(row, "revoked_at"));
        *id = json_integer_value(json_object_get(row, "id"));
        json_decref(row);
        if (revoked)
            return ics_err_set(e, ICS_EFORBID, "the user '%s' was revoked in icsflow", name);
        p = json_pack("[ssI]", role, org ? org : "", (json_int_t)*id);
        if (!org || !*org) json_array_set_new(p, 1, json_null());
        rc = store_exec_params(s, "UPDATE users SET role = ?, org_code = ? WHERE id = ?", p, e);
        json_decref(p);
        return rc;
    }
    p = json_pack("[ssss]", name, role, org ? org : "", now);
    if (!org || !*org) json_array_set_new(p, 2, json_null());
    rc = store_exec_params(
        s, "INSERT INTO users (name, role, org_code, created_at) VALUES (?, ?, ?, ?)", p, e);
    json_decref(p);
    if (!rc) *id = store_last_id(s);
    return rc;
}

int store_oidc_login_put(store *s, const char *state, const char *nonce, const char *verifier,
                         const char *created_at, ics_err *e)
{
    json_t *p = json_pack("[ssss]", state, nonce, verifier, created_at);
    int rc = store_exec_params(
        s, "INSERT INTO oidc_logins (state, nonce, verifier, created_at) VALUES (?, ?, ?, ?)", p,
        e);
    json_decref(p);
    if (rc) return rc;
    /* Sign-ins abandoned half-way are forgotten after a day. */
    p = json_pack("[s]", created_at);
    rc = store_exec_params(
        s, "DELETE FROM oidc_logins WHERE created_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?, '-1 day')",
        p, e);
    json_decref(p);
    return rc;
}

int store_oidc_login_take(store *s, const char *state, const char *not_before, char nonce[64],
                          char verifier[128], ics_err *e)
{
    json_t *p = json_pack("[s]", state), *row = NULL;
    int rc = store_query_one(
        s, "SELECT nonce, verifier, created_at FROM oidc_logins WHERE state = ?", p, &row, e);
    if (!rc) rc = store_exec_params(s, "DELETE FROM oidc_logins WHERE state = ?", p, e);
    json_decref(p);
    if (rc) {
        json_decref(row);
        return rc == ICS_ENOTFOUND ? 0 : rc;
    }
    const char *created = json_string_value(json_object_get(row, "created_at"));
    int fresh = created && strcmp(created, not_before) >= 0;
    snprintf(nonce, 64, "%s", json_string_value(json_object_get(row, "nonce")));
    snprintf(verifier, 128, "%s", json_string_value(json_object_get(row, "verifier")));
    json_decref(row);
    return fresh ? 1 : 0;
}

int store_org_known(store *s, const char *ods, ics_err *e)
{
    json_t *p = json_pack("[s]", ods);
    int64_t n = 0;
    int rc =
        store_query_int(s, "SELECT COUNT(*) FROM organisations WHERE ods_code = ?", p, 0, &n, e);
    json_decref(p);
    return rc ? rc : n > 0;
}
