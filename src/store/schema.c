/* schema.c - versioned schema migrations, applied on every open.
 *
 * Each module owns an array store_schema_<module>[] in its own
 * src/store/<module>.c and is named once in the list below. Applied versions are kept
 * per module in schema_migrations, and each step runs in one transaction
 * that also asks whether it is already applied: two processes opening a new
 * database at once must not both apply a step (BEGIN IMMEDIATE serialises
 * them, and the second then sees the first one's row). A step seen applied
 * before the transaction stays applied, so that answer is trusted without
 * taking the write lock on every open.
 *
 * Every instant is stored as INTEGER seconds since the epoch (UTC);
 * store_migrate_instants converts the columns older versions kept as text. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/tz.h"
#include "store/store.h"

extern const store_migration store_schema_core[], store_schema_tokens[], store_schema_events[],
    store_schema_directory[], store_schema_routing[], store_schema_beds[], store_schema_waitlist[],
    store_schema_sitrep[], store_schema_analytics[], store_schema_sim[], store_schema_jobs[],
    store_schema_oidc[], store_schema_notifications[], store_schema_ics[], store_schema_finance[],
    store_schema_hl7[];

static int applied(store *s, const store_migration *st, int64_t *done, ics_err *e)
{
    json_t *p = json_pack("[si]", st->module, st->version);
    int rc = store_query_int(
        s, "SELECT COUNT(*) FROM schema_migrations WHERE module = ? AND version = ?", p, 0, done,
        e);
    json_decref(p);
    return rc;
}

/* Order matters: later modules reference the directory's tables. */
static const store_migration *const mods[] = {
    store_schema_core,          store_schema_tokens, store_schema_events,   store_schema_directory,
    store_schema_routing,       store_schema_beds,   store_schema_waitlist, store_schema_sitrep,
    store_schema_analytics,     store_schema_sim,    store_schema_jobs,     store_schema_oidc,
    store_schema_notifications, store_schema_ics,    store_schema_finance,  store_schema_hl7};

int store_migrate(store *s, ics_err *e)
{
    int rc =
        store_exec(s,
                   "CREATE TABLE IF NOT EXISTS schema_migrations ("
                   " module TEXT NOT NULL, version INTEGER NOT NULL, applied_at INTEGER NOT NULL,"
                   " PRIMARY KEY (module, version))",
                   e);
    if (rc) return rc;
    for (size_t m = 0; m < sizeof mods / sizeof *mods; m++) {
        const store_migration *steps = mods[m];
        for (const store_migration *st = steps; st->module; st++) {
            int64_t done = 0;
            if ((rc = applied(s, st, &done, e))) return rc;
            if (done) continue;
            if ((rc = store_begin(s, e))) return rc;
            rc = applied(s, st, &done, e);
            if (!rc && done) {
                store_rollback(s);
                continue;
            }
            if (!rc && st->sql) rc = store_exec(s, st->sql, e);
            if (!rc && st->fn) rc = st->fn(s, e);
            if (!rc) {
                json_t *p = json_pack("[siI]", st->module, st->version, (json_int_t)tz_now());
                rc = store_exec_params(s,
                                       "INSERT INTO schema_migrations (module, version, applied_at)"
                                       " VALUES (?, ?, ?)",
                                       p, e);
                json_decref(p);
            }
            if (rc) {
                store_rollback(s);
                ics_err_prefix(e, "schema migration %s v%d: ", st->module, st->version);
                return rc;
            }
            if ((rc = store_commit(s, e))) return rc;
        }
    }
    return 0;
}

/* 1 when name is a plain lower-case SQL identifier (the names below are
 * pasted into DDL, so only compile-time names of this form are allowed). */
static int ident(const char *name, size_t n)
{
    if (n == 0 || n > 48) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || name[i] == '_' ||
              (i > 0 && name[i] >= '0' && name[i] <= '9')))
            return 0;
    return 1;
}

static int exec_fmt(store *s, ics_err *e, const char *fmt, const char *a, const char *b,
                    const char *c)
{
    char sql[256];
    int n = snprintf(sql, sizeof sql, fmt, a, b, c);
    assert(n > 0 && (size_t)n < sizeof sql);
    return store_exec(s, sql, e);
}

/* One column: add col__new, fill it from every distinct stored value, drop
 * the old column and give the new one its name. */
static int instant_column(store *s, const char *table, const char *col, int notnull, ics_err *e)
{
    char sql[256];
    int rc = exec_fmt(s, e, "ALTER TABLE %s ADD COLUMN %s__new INTEGER%s", table, col,
                      notnull ? " NOT NULL DEFAULT 0" : "");
    if (rc) return rc;
    json_t *vals = NULL;
    snprintf(sql, sizeof sql, "SELECT DISTINCT %s AS v FROM %s WHERE %s IS NOT NULL", col, table,
             col);
    if ((rc = store_query_json(s, sql, NULL, &vals, e))) return rc;
    snprintf(sql, sizeof sql, "UPDATE %s SET %s__new = ? WHERE %s = ?", table, col, col);
    size_t i;
    json_t *row;
    json_array_foreach(vals, i, row)
    {
        json_t *v = json_object_get(row, "v");
        int64_t t = 0;
        if (json_is_integer(v)) {
            t = json_integer_value(v);
        } else if (json_is_real(v)) {
            t = (int64_t)json_real_value(v);
        } else if (tz_parse_stored(json_string_value(v), &t, e)) {
            ics_err_prefix(e, "%s.%s: ", table, col);
            rc = ICS_EINVAL;
            break;
        }
        json_t *p = json_pack("[IO]", (json_int_t)t, v);
        rc = store_exec_params(s, sql, p, e);
        json_decref(p);
        if (rc) break;
    }
    json_decref(vals);
    if (!rc) rc = exec_fmt(s, e, "ALTER TABLE %s DROP COLUMN %s%s", table, col, "");
    if (!rc) rc = exec_fmt(s, e, "ALTER TABLE %s RENAME COLUMN %s__new TO %s", table, col, col);
    return rc;
}

int store_migrate_instants(store *s, const char *table, const char *cols, ics_err *e)
{
    assert(table && ident(table, strlen(table)));
    assert(cols && *cols);
    for (const char *p = cols; *p;) {
        size_t n = strcspn(p, ",");
        char col[64];
        assert(n < sizeof col);
        memcpy(col, p, n);
        col[n] = '\0';
        int notnull = n > 0 && col[n - 1] == '!';
        if (notnull) col[--n] = '\0';
        assert(ident(col, n));
        int rc = instant_column(s, table, col, notnull, e);
        if (rc) return rc;
        p += n + notnull;
        if (*p == ',') p++;
    }
    return 0;
}

int store_schema_pending(store *s, int *n, char *first, size_t len, ics_err *e)
{
    assert(s && n && first && len > 0);
    *n = 0;
    first[0] = '\0';
    json_t *rows = NULL;
    int rc = store_query_json(s, "SELECT module, version FROM schema_migrations", NULL, &rows, e);
    if (rc) return rc;
    for (size_t m = 0; m < sizeof mods / sizeof *mods; m++)
        for (const store_migration *st = mods[m]; st->module; st++) {
            int found = 0;
            size_t i;
            json_t *r;
            json_array_foreach(rows, i, r)
            {
                const char *mod = json_string_value(json_object_get(r, "module"));
                if (mod && strcmp(mod, st->module) == 0 &&
                    json_integer_value(json_object_get(r, "version")) == st->version) {
                    found = 1;
                    break;
                }
            }
            if (found) continue;
            if (!(*n)++) snprintf(first, len, "%s v%d", st->module, st->version);
        }
    json_decref(rows);
    return 0;
}

/* Version 2: instants as INTEGER seconds (they were ISO 8601 text, and
 * applied_at SQLite's CURRENT_TIMESTAMP). schema_migrations is the runner's
 * own table; it is converted here, with the first module. */
static int core_v2(store *s, ics_err *e)
{
    int rc = store_migrate_instants(s, "schema_migrations", "applied_at!", e);
    if (!rc) rc = store_migrate_instants(s, "users", "created_at!,revoked_at", e);
    if (!rc) rc = store_migrate_instants(s, "audit", "at!", e);
    return rc;
}

/* Users, their tokens (hashes only) and the audit trail. */
const store_migration store_schema_core[] = {
    {"core", 1,
     "CREATE TABLE users ("
     " id INTEGER PRIMARY KEY,"
     " name TEXT NOT NULL UNIQUE,"
     " role TEXT NOT NULL CHECK (role IN "
     "('admin','coordinator','clinician','trust_ops','analyst')),"
     " org_code TEXT,"
     " created_at TEXT NOT NULL,"
     " revoked_at TEXT);"
     "CREATE TABLE tokens ("
     " hash TEXT PRIMARY KEY,"
     " user_id INTEGER NOT NULL REFERENCES users(id),"
     " created_at TEXT NOT NULL);"
     "CREATE TABLE audit ("
     " id INTEGER PRIMARY KEY,"
     " at TEXT NOT NULL,"
     " actor TEXT NOT NULL,"
     " action TEXT NOT NULL,"
     " object_type TEXT NOT NULL,"
     " object_id TEXT,"
     " before_json TEXT,"
     " after_json TEXT);"
     "CREATE INDEX audit_object ON audit(object_type, object_id);",
     NULL},
    {"core", 2, NULL, core_v2},
    {NULL, 0, NULL, NULL}};

int store_migrate_version_triggers(store *s, const char *name, const char *table, ics_err *e)
{
    assert(ident(name, strlen(name)) && ident(table, strlen(table)));
    static const char *const ops[] = {"INSERT", "UPDATE", "DELETE"};
    char sql[512];
    int rc = 0;
    if (strcmp(store_backend(s), "postgresql") == 0) {
        /* one function per counter, shared by its tables' triggers; per
         * row, so a statement that changes nothing (a conditional UPDATE
         * that lost) moves nothing and collides with no one */
        snprintf(sql, sizeof sql,
                 "CREATE OR REPLACE FUNCTION %s_version_bump() RETURNS trigger LANGUAGE plpgsql"
                 " AS 'BEGIN UPDATE directory_version SET version = version + 1"
                 " WHERE name = ''%s''; RETURN NULL; END'",
                 name, name);
        rc = store_exec(s, sql, e);
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER %s_%s_version AFTER INSERT OR UPDATE OR DELETE ON %s"
                 " FOR EACH ROW EXECUTE FUNCTION %s_version_bump()",
                 table, name, table, name);
        return rc ? rc : store_exec(s, sql, e);
    }
    for (size_t i = 0; !rc && i < sizeof ops / sizeof *ops; i++) {
        snprintf(sql, sizeof sql,
                 "CREATE TRIGGER %s_%s_version_%c AFTER %s ON %s BEGIN"
                 " UPDATE directory_version SET version = version + 1 WHERE name = '%s'; END",
                 table, name, ops[i][0] + 32, ops[i], table, name);
        rc = store_exec(s, sql, e);
    }
    return rc;
}
