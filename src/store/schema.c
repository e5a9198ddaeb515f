/* schema.c - versioned schema migrations, applied on every open.
 *
 * Each module owns an array store_schema_<module>[] in its own
 * src/store/<module>.c and is named once in the list below. Applied versions are kept
 * per module in schema_migrations, and each step runs in one transaction
 * that also asks whether it is already applied: two processes opening a new
 * database at once must not both apply a step (BEGIN IMMEDIATE serialises
 * them, and the second then sees the first one's row). A step seen applied
 * before the transaction stays applied, so that answer is trusted without
 * taking the write lock on every open. */
#include <stdio.h>

#include "store/store.h"

extern const store_migration store_schema_core[], store_schema_tokens[], store_schema_events[],
    store_schema_directory[], store_schema_routing[], store_schema_beds[], store_schema_waitlist[],
    store_schema_sitrep[], store_schema_analytics[], store_schema_sim[], store_schema_jobs[];

static int applied(store *s, const store_migration *st, int64_t *done, ics_err *e)
{
    json_t *p = json_pack("[si]", st->module, st->version);
    int rc = store_query_int(
        s, "SELECT COUNT(*) FROM schema_migrations WHERE module = ? AND version = ?", p, 0, done,
        e);
    json_decref(p);
    return rc;
}

int store_migrate(store *s, ics_err *e)
{
    int rc = store_exec(s,
                        "CREATE TABLE IF NOT EXISTS schema_migrations ("
                        " module TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL,"
                        " PRIMARY KEY (module, version))",
                        e);
    if (rc) return rc;
    /* Order matters: later modules reference the directory's tables. */
    const store_migration *const mods[] = {
        store_schema_core,      store_schema_tokens, store_schema_events,   store_schema_directory,
        store_schema_routing,   store_schema_beds,   store_schema_waitlist, store_schema_sitrep,
        store_schema_analytics, store_schema_sim,    store_schema_jobs};
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
            if (!rc) rc = store_exec(s, st->sql, e);
            if (!rc) {
                json_t *p = json_pack("[si]", st->module, st->version);
                rc = store_exec_params(s,
                                       "INSERT INTO schema_migrations (module, version, applied_at)"
                                       " VALUES (?, ?, CURRENT_TIMESTAMP)",
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
     "CREATE INDEX audit_object ON audit(object_type, object_id);"},
    {NULL, 0, NULL}};
