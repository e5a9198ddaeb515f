/* store/users.c - users and token hashes. A token is never stored: only
 * its BLAKE2b hash, so a copy of the database does not grant access. */
#include "store/users.h"

#include <stdio.h>
#include <string.h>

#include "core/tz.h"
#include "core/valid.h"

const char *const users_role_names[USERS_ROLE_COUNT] = {
    "admin", "coordinator", "clinician", "trust_ops", "analyst", "finance", "executive"};

unsigned users_role_bit(const char *role)
{
    for (unsigned i = 0; i < USERS_ROLE_COUNT; i++)
        if (role && strcmp(role, users_role_names[i]) == 0) return 1u << i;
    return 0;
}

int store_org_exists(store *s, const char *org, int *yes, ics_err *e)
{
    json_t *p = json_pack("[s]", org), *rows = NULL;
    int rc =
        store_query_json(s, "SELECT 1 AS one FROM organisations WHERE ods_code = ?", p, &rows, e);
    json_decref(p);
    if (!rc) *yes = json_array_size(rows) > 0;
    json_decref(rows);
    return rc;
}

int store_user_insert(store *s, const char *name, const char *role, const char *org,
                      int64_t created_at, int64_t *id, ics_err *e)
{
    json_t *p = json_pack("[sssI]", name, role, org && *org ? org : "", (json_int_t)created_at);
    if (!(org && *org)) json_array_set_new(p, 2, json_null());
    int rc = store_query_int(
        s, "INSERT INTO users (name, role, org_code, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        p, 0, id, e);
    json_decref(p);
    if (rc == ICS_ECONFLICT) ics_err_set(e, rc, "a user named '%s' already exists", name);
    return rc;
}

int store_user_set_revoked(store *s, const char *name, int64_t at, int *changed, ics_err *e)
{
    json_t *p = json_pack("[Is]", (json_int_t)at, name);
    int rc = store_exec_params(
        s, "UPDATE users SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", p, e);
    json_decref(p);
    if (!rc) *changed = store_changes(s);
    return rc;
}

int store_user_list(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(s,
                            "SELECT id, name, role, org_code, created_at, revoked_at FROM users "
                            "ORDER BY id",
                            NULL, rows, e);
}
