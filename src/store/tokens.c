/* store/tokens.c - the SQL of bearer tokens and OpenID Connect sign-ins
 * (see tokens.h). The tokens table is rebuilt once to give each token an
 * id (so one can be listed and revoked), a kind, a label, an expiry, the
 * time of its last use and its own revocation. */
#include "store/tokens.h"

#include <stdio.h>
#include <string.h>

#include "core/tz.h"

/* Version 1: tokens issued before it get 30 days from the upgrade (the
 * default expiry), so an upgrade never locks anyone out at once. Times were
 * ISO 8601 text then; version 2 turns them into INTEGER seconds. */
static int tokens_v1(store *s, ics_err *e)
{
    char exp[32];
    tz_format_utc(tz_now() + 30 * 86400, exp, sizeof exp);
    json_t *p = json_pack("[s]", exp);
    int rc = store_exec_params(s,
                               "INSERT INTO tokens_v2 (hash, user_id, created_at, expires_at)"
                               " SELECT hash, user_id, created_at, ? FROM tokens",
                               p, e);
    json_decref(p);
    if (!rc)
        rc = store_exec(s,
                        "DROP TABLE tokens;"
                        "ALTER TABLE tokens_v2 RENAME TO tokens;"
                        "CREATE INDEX tokens_user ON tokens(user_id);"
                        "CREATE TABLE oidc_logins ("
                        " state TEXT PRIMARY KEY,"
                        " nonce TEXT NOT NULL,"
                        " verifier TEXT NOT NULL,"
                        " created_at TEXT NOT NULL);",
                        e);
    return rc;
}

static int tokens_v2(store *s, ics_err *e)
{
    int rc =
        store_migrate_instants(s, "tokens", "created_at!,expires_at!,last_used_at,revoked_at", e);
    if (!rc) rc = store_migrate_instants(s, "oidc_logins", "created_at!", e);
    return rc;
}

const store_migration store_schema_tokens[] = {
    {"tokens", 1,
     "CREATE TABLE tokens_v2 ("
     " id INTEGER PRIMARY KEY,"
     " hash TEXT NOT NULL UNIQUE,"
     " user_id INTEGER NOT NULL REFERENCES users(id),"
     " kind TEXT NOT NULL DEFAULT 'api' CHECK (kind IN ('api','session')),"
     " label TEXT,"
     " created_at TEXT NOT NULL,"
     " expires_at TEXT NOT NULL,"
     " last_used_at TEXT,"
     " revoked_at TEXT);",
     tokens_v1},
    {"tokens", 2, NULL, tokens_v2},
    {NULL, 0, NULL, NULL}};

int store_token_insert(store *s, int64_t user_id, const char *hash, const char *kind,
                       const char *label, int64_t created_at, int64_t expires_at, int64_t *id,
                       ics_err *e)
{
    json_t *p = json_pack("[sIssII]", hash, (json_int_t)user_id, kind, label ? label : "",
                          (json_int_t)created_at, (json_int_t)expires_at);
    if (!label || !*label) json_array_set_new(p, 3, json_null());
    int64_t tid = 0;
    int rc = store_query_int(s,
                             "INSERT INTO tokens (hash, user_id, kind, label, created_at, "
                             "expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                             p, 0, &tid, e);
    json_decref(p);
    if (!rc && id) *id = tid;
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
                           "t.expires_at, COALESCE(t.revoked_at, 0), "
                           "COALESCE(t.last_used_at, 0), COALESCE(u.revoked_at, 0) "
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
        out->expires_at = store_col_int(st, 6);
        out->revoked_at = store_col_int(st, 7);
        out->last_used_at = store_col_int(st, 8);
        out->user_revoked_at = store_col_int(st, 9);
    }
    store_finalize(st);
    return rc;
}

int store_token_touch(store *s, int64_t id, int64_t now, int64_t older, ics_err *e)
{
    json_t *p = json_pack("[III]", (json_int_t)now, (json_int_t)id, (json_int_t)older);
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

int store_token_revoke(store *s, int64_t user_id, int64_t id, int64_t now, ics_err *e)
{
    json_t *p = json_pack("[III]", (json_int_t)now, (json_int_t)user_id, (json_int_t)id);
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

int store_user_upsert(store *s, const char *name, const char *role, const char *org, int64_t now,
                      int64_t *id, ics_err *e)
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
    p = json_pack("[sssI]", name, role, org ? org : "", (json_int_t)now);
    if (!org || !*org) json_array_set_new(p, 2, json_null());
    rc = store_query_int(
        s, "INSERT INTO users (name, role, org_code, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        p, 0, id, e);
    json_decref(p);
    return rc;
}

int store_oidc_login_put(store *s, const char *state, const char *nonce, const char *verifier,
                         int64_t created_at, ics_err *e)
{
    json_t *p = json_pack("[sssI]", state, nonce, verifier, (json_int_t)created_at);
    int rc = store_exec_params(
        s, "INSERT INTO oidc_logins (state, nonce, verifier, created_at) VALUES (?, ?, ?, ?)", p,
        e);
    json_decref(p);
    if (rc) return rc;
    /* Sign-ins abandoned half-way are forgotten after a day. */
    p = json_pack("[I]", (json_int_t)(created_at - 86400));
    rc = store_exec_params(s, "DELETE FROM oidc_logins WHERE created_at < ?", p, e);
    json_decref(p);
    return rc;
}

int store_oidc_login_take(store *s, const char *state, int64_t not_before, char nonce[64],
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
    int fresh = json_integer_value(json_object_get(row, "created_at")) >= not_before;
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
