/* events.c - SQL for the change-event outbox and the seeding record.
 *
 * Event ids are assigned by the database inside the writer's transaction,
 * and must become visible in id order: a reader that resumes after id N
 * must never miss a later commit with a smaller id. SQLite admits one
 * writer at a time (BEGIN IMMEDIATE), so that holds by itself. PostgreSQL
 * runs writers concurrently, so a transaction takes an advisory lock,
 * held until it ends, just before its first event insert: from that point
 * event-writing transactions run one at a time, and ids are drawn and
 * committed in the same order. The insert also queues pg_notify carrying
 * the id, which PostgreSQL delivers to every listening server at commit
 * (docs/events.md). */
#include "store/events.h"

#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock key that orders event-writing commits ("icse"). */
#define EVENTS_LOCK "1768125285"

const store_migration store_schema_events[] = {{"events", 1,
                                                "CREATE TABLE events ("
                                                " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                                                " at INTEGER NOT NULL,"
                                                " type TEXT NOT NULL,"
                                                " object_type TEXT NOT NULL,"
                                                " object_id TEXT,"
                                                " orgs TEXT,"
                                                " ics TEXT NOT NULL,"
                                                " payload_json TEXT);"
                                                "CREATE TABLE seed_steps ("
                                                " step TEXT PRIMARY KEY,"
                                                " done_at INTEGER NOT NULL);",
                                                NULL},
                                               {NULL, 0, NULL, NULL}};

static int insert(store *s, int pg, int64_t at, const char *type, const char *object_type,
                  const char *object_id, const char *orgs, const char *ics, const json_t *payload,
                  int64_t *id, ics_err *e)
{
    store_stmt *st;
    int rc = 0;
    if (pg) rc = store_exec(s, "SELECT pg_advisory_xact_lock(" EVENTS_LOCK ")", e);
    if (rc) return rc;
    rc = store_prepare(s,
                       "INSERT INTO events (at, type, object_type, object_id, orgs, ics,"
                       " payload_json) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       &st, e);
    if (rc) return rc;
    char *p = payload ? json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    store_bind_int(st, 1, at);
    store_bind_text(st, 2, type);
    store_bind_text(st, 3, object_type);
    store_bind_text(st, 4, object_id);
    store_bind_text(st, 5, orgs);
    store_bind_text(st, 6, ics);
    store_bind_text(st, 7, p);
    rc = store_step(st, e);
    int64_t new_id = rc == 1 ? store_col_int(st, 0) : 0;
    if (rc == 1 && id) *id = new_id;
    free(p);
    store_finalize(st);
    if (rc < 0) return rc;
    rc = 0;
    if (pg) {
        json_t *n = json_pack("[I]", (json_int_t)new_id);
        rc = store_exec_params(s, "SELECT pg_notify('icsflow_events', CAST(? AS TEXT))", n, e);
        json_decref(n);
    }
    return rc;
}

int store_event_insert(store *s, int64_t at, const char *type, const char *object_type,
                       const char *object_id, const char *orgs, const char *ics,
                       const json_t *payload, int64_t *id, ics_err *e)
{
    int pg = strcmp(store_backend(s), "postgresql") == 0;
    /* the lock orders commits only inside a transaction: give a lone
     * insert one of its own */
    int own = pg && store_tx_depth(s) == 0;
    int rc = own ? store_begin(s, e) : 0;
    if (rc) return rc;
    rc = insert(s, pg, at, type, object_type, object_id, orgs, ics, payload, id, e);
    if (own) {
        if (rc)
            store_rollback(s);
        else
            rc = store_commit(s, e);
    }
    return rc;
}

int store_events_since(store *s, int64_t after, int64_t limit, const char *org, json_t **rows,
                       ics_err *e)
{
    /* orgs is ",RYJ,RYJ01," so a trust matches itself and, by prefix, its
     * five-character sites. */
    json_t *p =
        json_pack("[IssI]", (json_int_t)after, org ? org : "", org ? org : "", (json_int_t)limit);
    int rc = store_query_json(s,
                              "SELECT id, at, type, object_type, object_id, orgs, ics,"
                              " payload_json FROM events WHERE id > ?"
                              " AND (? = '' OR orgs IS NULL"
                              "      OR instr(orgs, ',' || ?) > 0)"
                              " ORDER BY id LIMIT ?",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_events_last_id(store *s, int64_t *last, ics_err *e)
{
    return store_query_int(s, "SELECT COALESCE(MAX(id), 0) FROM events", NULL, 0, last, e);
}

/* pg_advisory_lock key held while seeding ("icss"). */
#define SEED_LOCK "1768125299"

int store_seed_lock(store *s, int on, ics_err *e)
{
    if (strcmp(store_backend(s), "postgresql") != 0) return 0;
    if (!on) return store_exec(s, "SELECT pg_advisory_unlock(" SEED_LOCK ")", e);
    /* Seeding takes minutes on a loaded machine, far over the session's
     * lock_timeout, so the wait lifts it for its own transaction; the lock
     * is the session's and outlives the commit. */
    int rc = store_begin(s, e);
    if (!rc) rc = store_exec(s, "SET LOCAL lock_timeout = 0", e);
    if (!rc) rc = store_exec(s, "SELECT pg_advisory_lock(" SEED_LOCK ")", e);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

int store_seed_step_done(store *s, const char *step, int *done, ics_err *e)
{
    json_t *p = json_pack("[s]", step);
    json_t *rows = NULL;
    int rc = store_query_json(s, "SELECT 1 FROM seed_steps WHERE step = ?", p, &rows, e);
    json_decref(p);
    if (!rc) *done = json_array_size(rows) > 0;
    json_decref(rows);
    return rc;
}

int store_seed_step_mark(store *s, const char *step, int64_t at, ics_err *e)
{
    json_t *p = json_pack("[sI]", step, (json_int_t)at);
    int rc = store_exec_params(s, "INSERT INTO seed_steps (step, done_at) VALUES (?, ?)", p, e);
    json_decref(p);
    return rc;
}

int store_seed_has_directory(store *s, int *yes, ics_err *e)
{
    json_t *rows = NULL;
    int rc = store_query_json(s, "SELECT 1 FROM places LIMIT 1", NULL, &rows, e);
    if (!rc) *yes = json_array_size(rows) > 0;
    json_decref(rows);
    return rc;
}

int store_db_summary(store *s, int64_t *schema_steps, int64_t *places, int64_t *seed_steps,
                     ics_err *e)
{
    json_t *rows = NULL;
    int rc = store_query_json(s,
                              "SELECT (SELECT COUNT(*) FROM schema_migrations) AS m,"
                              " (SELECT COUNT(*) FROM places) AS p,"
                              " (SELECT COUNT(*) FROM seed_steps) AS s",
                              NULL, &rows, e);
    if (rc) return rc;
    json_t *r = json_array_get(rows, 0);
    *schema_steps = json_integer_value(json_object_get(r, "m"));
    *places = json_integer_value(json_object_get(r, "p"));
    *seed_steps = json_integer_value(json_object_get(r, "s"));
    json_decref(rows);
    return 0;
}
