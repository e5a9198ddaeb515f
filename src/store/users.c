/* store/users.c - users and token hashes. A token is never stored: only
 * its BLAKE2b hash, so a copy of the database does not grant access. */
#include "store/users.h"

#include <stdio.h>
#include <string.h>

#include "core/tz.h"
#include "core/valid.h"

unsigned users_role_bit(const char *role)
{
    static const char *const names[] = {"admin", "coordinator", "clinician", "trust_ops",
                                        "analyst"};
    for (unsigned i = 0; i < 5; i++)
        if (role && strcmp(role, names[i]) == 0) return 1u << i;
    return 0;
}

int store_user_add(store *s, const char *actor, const char *name, const char *role, const char *org,
                   char token[TOKEN_LEN + 1], int64_t *id, ics_err *e)
{
    if (!name || !*name || strlen(name) > 63)
        return ics_err_set(e, ICS_EINVAL, "a user name of 1 to 63 characters is required");
    if (!users_role_bit(role))
        return ics_err_set(e, ICS_EINVAL,
                           "role '%s' is not one of admin, coordinator, clinician, trust_ops, "
                           "analyst",
                           role ? role : "");
    if (org && *org && valid_ods_code(org, e)) return ICS_EINVAL;
    int rc = store_begin(s, e);
    if (rc) return rc;
    if (org && *org) {
        json_t *p = json_pack("[s]", org);
        int64_t n;
        rc = store_query_int(s, "SELECT COUNT(*) FROM organisations WHERE ods_code = ?", p, 0, &n,
                             e);
        json_decref(p);
        if (rc) {
            store_rollback(s);
            return rc;
        }
        if (!n) {
            store_rollback(s);
            return ics_err_set(e, ICS_EINVAL, "no organisation with ODS code '%s'", org);
        }
    }
    char now[32], hash[TOKEN_HASH_LEN + 1];
    tz_format_utc(tz_now(), now, sizeof now);
    json_t *p = json_pack("[ssss]", name, role, org && *org ? org : "", now);
    if (!(org && *org)) json_array_set_new(p, 2, json_null());
    rc = store_exec_params(
        s, "INSERT INTO users (name, role, org_code, created_at) VALUES (?, ?, ?, ?)", p, e);
    json_decref(p);
    if (rc == ICS_ECONFLICT) ics_err_set(e, rc, "a user named '%s' already exists", name);
    int64_t uid = store_last_id(s);
    if (!rc) {
        token_new(token);
        token_hash(token, hash);
        p = json_pack("[sIs]", hash, (json_int_t)uid, now);
        rc = store_exec_params(s, "INSERT INTO tokens (hash, user_id, created_at) VALUES (?, ?, ?)",
                               p, e);
        json_decref(p);
    }
    if (!rc) {
        json_t *after = json_pack("{sIssssss}", "id", (json_int_t)uid, "name", name, "role", role,
                                  "org", org && *org ? org : "");
        char sid[32];
        snprintf(sid, sizeof sid, "%lld", (long long)uid);
        rc = store_audit(s, actor, "user.add", "user", sid, NULL, after, e);
        json_decref(after);
    }
    if (rc) {
        store_rollback(s);
        return rc;
    }
    if (id) *id = uid;
    return store_commit(s, e);
}

int store_user_token(store *s, const char *actor, const char *name, char token[TOKEN_LEN + 1],
                     ics_err *e)
{
    int rc = store_begin(s, e);
    if (rc) return rc;
    json_t *p = json_pack("[s]", name);
    int64_t uid;
    rc = store_query_int(s, "SELECT id FROM users WHERE name = ? AND revoked_at IS NULL", p, 0,
                         &uid, e);
    json_decref(p);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    if (!uid) {
        store_rollback(s);
        return ics_err_set(e, ICS_ENOTFOUND, "no active user named '%s'", name);
    }
    char now[32], hash[TOKEN_HASH_LEN + 1];
    tz_format_utc(tz_now(), now, sizeof now);
    token_new(token);
    token_hash(token, hash);
    p = json_pack("[sIs]", hash, (json_int_t)uid, now);
    rc = store_exec_params(s, "INSERT INTO tokens (hash, user_id, created_at) VALUES (?, ?, ?)", p,
                           e);
    json_decref(p);
    if (!rc) rc = store_audit(s, actor, "user.token", "user", name, NULL, NULL, e);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

int store_user_revoke(store *s, const char *actor, const char *name, ics_err *e)
{
    int rc = store_begin(s, e);
    if (rc) return rc;
    char now[32];
    tz_format_utc(tz_now(), now, sizeof now);
    json_t *p = json_pack("[ss]", now, name);
    rc = store_exec_params(
        s, "UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", p, e);
    json_decref(p);
    if (!rc && store_changes(s) == 0)
        rc = ics_err_set(e, ICS_ENOTFOUND, "no active user named '%s'", name);
    if (!rc) {
        json_t *after = json_pack("{ssss}", "name", name, "revoked_at", now);
        rc = store_audit(s, actor, "user.revoke", "user", name, NULL, after, e);
        json_decref(after);
    }
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

int store_user_list(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(s,
                            "SELECT id, name, role, org_code, created_at, revoked_at FROM users "
                            "ORDER BY id",
                            NULL, rows, e);
}

int store_user_by_token(store *s, const char *token, auth_user *u, ics_err *e)
{
    char hash[TOKEN_HASH_LEN + 1];
    token_hash(token, hash);
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT u.id, u.name, u.role, COALESCE(u.org_code, '') FROM tokens t "
                           "JOIN users u ON u.id = t.user_id "
                           "WHERE t.hash = ? AND u.revoked_at IS NULL",
                           &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, hash);
    rc = store_step(st, e);
    if (rc == 1) {
        u->id = store_col_int(st, 0);
        snprintf(u->name, sizeof u->name, "%s", store_col_text(st, 1));
        snprintf(u->role, sizeof u->role, "%s", store_col_text(st, 2));
        snprintf(u->org, sizeof u->org, "%s", store_col_text(st, 3));
        u->role_bit = users_role_bit(u->role);
    }
    store_finalize(st);
    if (rc == 0) return ics_err_set(e, ICS_EAUTH, "the bearer token is not valid or was revoked");
    return rc < 0 ? rc : 0;
}
