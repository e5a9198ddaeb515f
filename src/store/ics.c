/* store/ics.c - the tables that let one deployment hold several ICSs, and
 * their SQL. Every place belongs to one ICS; an organisation has a primary
 * ICS and may work in others; administrators grant users further ICSs.
 * Existing databases held one ICS, North West London (QRV): the migration
 * puts everything already there in it. */
#include "store/ics.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

const store_migration store_schema_ics[] = {
    {"ics", 1,
     "CREATE TABLE ics ("
     " code TEXT PRIMARY KEY, name TEXT NOT NULL,"
     " cross_ics INTEGER NOT NULL DEFAULT 0 CHECK (cross_ics IN (0, 1)));"
     "INSERT INTO ics (code, name, cross_ics) VALUES ('QRV', 'North West London', 0);"
     /* A REFERENCES clause would need a NULL default on SQLite; the use
      * cases only ever write a code they have checked. */
     "ALTER TABLE places ADD COLUMN ics_code TEXT NOT NULL DEFAULT 'QRV';"
     "ALTER TABLE organisations ADD COLUMN ics_code TEXT NOT NULL DEFAULT 'QRV';"
     "CREATE INDEX places_ics ON places(ics_code);"
     "CREATE TABLE org_ics ("
     " org_code TEXT NOT NULL REFERENCES organisations(ods_code) ON DELETE CASCADE,"
     " ics_code TEXT NOT NULL REFERENCES ics(code), PRIMARY KEY (org_code, ics_code));"
     "CREATE TABLE user_ics ("
     " user_name TEXT NOT NULL REFERENCES users(name),"
     " ics_code TEXT NOT NULL REFERENCES ics(code), granted_by TEXT NOT NULL,"
     " granted_at INTEGER NOT NULL, PRIMARY KEY (user_name, ics_code));",
     NULL},
    /* Databases seeded before the other ICSs were part of the first start
     * keep the one ICS they hold: their "ics" seeding step counts as done.
     * (A new database has no seeding steps yet when this runs.) */
    {"ics", 2,
     "INSERT INTO seed_steps (step, done_at) SELECT 'ics', 0"
     " WHERE EXISTS (SELECT 1 FROM seed_steps WHERE step = 'directory')"
     " ON CONFLICT (step) DO NOTHING;",
     NULL},
    /* Each audit record belongs to the ICS of what it is about; everything
     * recorded before was North West London's. */
    {"ics", 3,
     "ALTER TABLE audit ADD COLUMN ics TEXT NOT NULL DEFAULT 'QRV';"
     "CREATE INDEX audit_ics ON audit(ics, id);",
     NULL},
    /* What a clinician is told to do when no rapid-response service can
     * take a patient now: each ICS configures its own out-of-hours
     * alternative ('' = none configured). North West London's is an
     * assumption (docs/routing.md): NHS 111 and the GP out-of-hours service
     * are what every English ICS offers when community services are shut. */
    {"ics", 4,
     "ALTER TABLE ics ADD COLUMN out_of_hours TEXT NOT NULL DEFAULT '';"
     "UPDATE ics SET out_of_hours = 'NHS 111 (call 111) or the GP out-of-hours service'"
     " WHERE code = 'QRV';",
     NULL},
    {NULL, 0, NULL, NULL}};

/* The directory's cached copies must see a change of membership too. */
static int bump(store *s, ics_err *e)
{
    return store_exec(
        s, "UPDATE directory_version SET version = version + 1 WHERE name = 'directory'", e);
}

#define ICS_ROW                                                                                    \
    "SELECT i.code, i.name, i.cross_ics, i.out_of_hours,"                                          \
    " (SELECT COUNT(*) FROM places p WHERE p.ics_code = i.code) AS places,"                        \
    " (SELECT COUNT(*) FROM organisations o WHERE o.ics_code = i.code OR o.ods_code IN"            \
    " (SELECT m.org_code FROM org_ics m WHERE m.ics_code = i.code)) AS organisations FROM ics i"

int store_ics_list(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(s, ICS_ROW " ORDER BY i.code", NULL, rows, e);
}

int store_ics_get(store *s, const char *code, json_t **row, ics_err *e)
{
    json_t *p = json_pack("[s]", code);
    int rc = store_query_one(s, ICS_ROW " WHERE i.code = ?", p, row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) ics_err_set(e, rc, "no ICS '%s'", code);
    return rc;
}

int store_ics_places(store *s, const char *code, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[s]", code);
    int rc = store_query_json(s, "SELECT code, name FROM places WHERE ics_code = ? ORDER BY code",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_ics_orgs(store *s, const char *code, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[sss]", code, code, code);
    int rc = store_query_json(
        s,
        "SELECT ods_code, name, kind, ics_code AS primary_ics,"
        " CASE WHEN ics_code = ? THEN 1 ELSE 0 END AS is_primary FROM organisations"
        " WHERE ics_code = ? OR ods_code IN (SELECT org_code FROM org_ics WHERE ics_code = ?)"
        " ORDER BY ods_code",
        p, rows, e);
    json_decref(p);
    return rc;
}

int store_ics_org_primary(store *s, const char *org, char out[STORE_ICS_CODE], ics_err *e)
{
    json_t *p = json_pack("[s]", org), *row = NULL;
    out[0] = '\0';
    int rc =
        store_query_one(s, "SELECT ics_code FROM organisations WHERE ods_code = ?", p, &row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return 0;
    if (rc) return rc;
    snprintf(out, STORE_ICS_CODE, "%s", json_string_value(json_object_get(row, "ics_code")));
    json_decref(row);
    return 0;
}

int store_ics_visible_codes(store *s, const char *user, const char *org, const char *member_org,
                            char home[STORE_ICS_CODE], char (*codes)[STORE_ICS_CODE], int max,
                            int *n, ics_err *e)
{
    assert(max > 0);
    *n = 0;
    home[0] = '\0';
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT ics_code, 0 AS k FROM organisations WHERE ods_code = ?"
                           " UNION ALL SELECT ics_code, 1 AS k FROM user_ics WHERE user_name = ?"
                           " UNION ALL SELECT ics_code, 2 AS k FROM org_ics WHERE org_code = ?"
                           " ORDER BY k, ics_code",
                           &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, org ? org : "");
    store_bind_text(st, 2, user ? user : "");
    store_bind_text(st, 3, member_org ? member_org : "");
    while ((rc = store_step(st, e)) == 1)
        if (store_col_int(st, 1) == 0)
            snprintf(home, STORE_ICS_CODE, "%s", store_col_text(st, 0));
        else if (*n < max)
            snprintf(codes[(*n)++], STORE_ICS_CODE, "%s", store_col_text(st, 0));
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_ics_exists(store *s, const char *code, int *yes, ics_err *e)
{
    json_t *p = json_pack("[s]", code);
    int64_t n = 0;
    int rc = store_query_int(s, "SELECT COUNT(*) FROM ics WHERE code = ?", p, 0, &n, e);
    json_decref(p);
    *yes = n > 0;
    return rc;
}

int store_ics_user_active(store *s, const char *user, int *yes, ics_err *e)
{
    json_t *p = json_pack("[s]", user);
    int64_t n = 0;
    int rc = store_query_int(s, "SELECT COUNT(*) FROM users WHERE name = ? AND revoked_at IS NULL",
                             p, 0, &n, e);
    json_decref(p);
    *yes = n > 0;
    return rc;
}

int store_ics_grant(store *s, const char *user, const char *code, const char *by, int64_t at,
                    int *added, ics_err *e)
{
    json_t *p = json_pack("[ss]", user, code);
    int64_t have = 0;
    int rc = store_query_int(
        s, "SELECT COUNT(*) FROM user_ics WHERE user_name = ? AND ics_code = ?", p, 0, &have, e);
    json_decref(p);
    *added = 0;
    if (rc || have) return rc;
    p = json_pack("[sssI]", user, code, by, (json_int_t)at);
    rc = store_exec_params(
        s, "INSERT INTO user_ics (user_name, ics_code, granted_by, granted_at) VALUES (?, ?, ?, ?)",
        p, e);
    json_decref(p);
    *added = rc == 0;
    return rc;
}

int store_ics_ungrant(store *s, const char *user, const char *code, int *removed, ics_err *e)
{
    json_t *p = json_pack("[ss]", user, code);
    int64_t have = 0;
    int rc = store_query_int(
        s, "SELECT COUNT(*) FROM user_ics WHERE user_name = ? AND ics_code = ?", p, 0, &have, e);
    *removed = 0;
    if (!rc && have)
        rc =
            store_exec_params(s, "DELETE FROM user_ics WHERE user_name = ? AND ics_code = ?", p, e);
    json_decref(p);
    *removed = !rc && have;
    return rc;
}

int store_ics_upsert(store *s, const char *code, const char *name, ics_err *e)
{
    json_t *p = json_pack("[ss]", code, name);
    int rc = store_exec_params(s,
                               "INSERT INTO ics (code, name) VALUES (?, ?)"
                               " ON CONFLICT (code) DO UPDATE SET name = excluded.name",
                               p, e);
    json_decref(p);
    return rc ? rc : bump(s, e);
}

int store_ics_set_cross(store *s, const char *code, int allow, ics_err *e)
{
    assert(allow == 0 || allow == 1);
    json_t *p = json_pack("[is]", allow, code);
    int rc = store_exec_params(s, "UPDATE ics SET cross_ics = ? WHERE code = ?", p, e);
    json_decref(p);
    return rc;
}

int store_ics_set_out_of_hours(store *s, const char *code, const char *text, ics_err *e)
{
    json_t *p = json_pack("[ss]", text, code);
    int rc = store_exec_params(s, "UPDATE ics SET out_of_hours = ? WHERE code = ?", p, e);
    json_decref(p);
    return rc;
}

int store_ics_out_of_hours(store *s, const char *code, char *out, size_t n, ics_err *e)
{
    assert(n > 0);
    json_t *p = json_pack("[s]", code), *row = NULL;
    out[0] = '\0';
    int rc = store_query_one(s, "SELECT out_of_hours FROM ics WHERE code = ?", p, &row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return 0;
    if (rc) return rc;
    snprintf(out, n, "%s", json_string_value(json_object_get(row, "out_of_hours")));
    json_decref(row);
    return 0;
}

int store_ics_place_of(store *s, const char *place, char out[STORE_ICS_CODE], ics_err *e)
{
    json_t *p = json_pack("[s]", place), *row = NULL;
    out[0] = '\0';
    int rc = store_query_one(s, "SELECT ics_code FROM places WHERE code = ?", p, &row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return 0;
    if (rc) return rc;
    snprintf(out, STORE_ICS_CODE, "%s", json_string_value(json_object_get(row, "ics_code")));
    json_decref(row);
    return 0;
}

int store_ics_place_set(store *s, const char *place, const char *code, ics_err *e)
{
    json_t *p = json_pack("[ss]", code, place);
    int rc = store_exec_params(s, "UPDATE places SET ics_code = ? WHERE code = ?", p, e);
    json_decref(p);
    return rc ? rc : bump(s, e);
}

int store_ics_org_join(store *s, const char *org, const char *code, int primary, ics_err *e)
{
    json_t *p = json_pack("[ss]", org, code);
    int rc;
    if (primary) {
        rc = store_exec_params(s, "DELETE FROM org_ics WHERE org_code = ? AND ics_code = ?", p, e);
        json_array_clear(p);
        json_array_append_new(p, json_string(code));
        json_array_append_new(p, json_string(org));
        if (!rc)
            rc = store_exec_params(s, "UPDATE organisations SET ics_code = ? WHERE ods_code = ?", p,
                                   e);
    } else {
        json_array_append_new(p, json_string(org));
        json_array_append_new(p, json_string(code));
        rc = store_exec_params(s,
                               "INSERT INTO org_ics (org_code, ics_code) SELECT ?, ?"
                               " WHERE NOT EXISTS (SELECT 1 FROM organisations"
                               " WHERE ods_code = ? AND ics_code = ?)"
                               " ON CONFLICT (org_code, ics_code) DO NOTHING",
                               p, e);
    }
    json_decref(p);
    return rc ? rc : bump(s, e);
}
