/* store.h - the one storage interface: every SQL statement in icsflow goes
 * through it, and only files under src/store/ contain SQL.
 *
 * A store is one database connection, SQLite (sqlite.c) or PostgreSQL
 * (pg.c), chosen by store_open from its argument. Statements are written
 * once for both: '?' placeholders, TEXT/INTEGER/REAL columns, INTEGER
 * PRIMARY KEY ids returned by INSERT ... RETURNING id; the PostgreSQL
 * backend rewrites placeholders, column types and a few function names in
 * one place (pg.c, store_pg_rewrite). A store is used by one thread at a time; the
 * HTTP server keeps a pool. Writes that touch several rows run between
 * store_begin and store_commit. Domain queries live in
 * src/store/<module>.c and return plain structs or JSON rows to the
 * handlers and commands above. */
#ifndef ICS_STORE_STORE_H
#define ICS_STORE_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct store store;
typedef struct store_stmt store_stmt;

/* A versioned schema step owned by one module. Each module defines a
 * {NULL}-terminated array store_schema_<module>[] in src/store/<module>.c;
 * steps are applied in version order on open and recorded per module.
 * A step is SQL, a C function, or both (the SQL runs first), all in one
 * transaction: fn is for conversions one SQL text cannot say for both
 * backends, such as rewriting stored values with a core parser. */
typedef struct store_migration {
    const char *module;
    int version;
    const char *sql; /* may be NULL when fn does the work */
    int (*fn)(store *s, ics_err *e);
} store_migration;

/* Make columns of table INTEGER seconds since the epoch, converting what
 * is stored with tz_parse_stored (inside a migration step). cols is a
 * comma-separated list; a name ending in '!' is NOT NULL (kept with DEFAULT
 * 0, which no writer relies on). Each column moves to the end of the table
 * (add, fill, drop, rename: portable, and no foreign key sees the table
 * dropped). An index on a column must be dropped before and made after. A
 * value that does not parse fails the step, naming table, column and value. */
int store_migrate_instants(store *s, const char *table, const char *cols, ics_err *e);

/* Triggers that move the counter row `name` of directory_version on by one
 * whenever a statement inserts, updates or deletes rows of table (inside a
 * migration step; the row must exist). The counter then moves inside the
 * writer's own transaction, whoever writes (a use case, an import, a purge,
 * raw SQL), so a copy of data read from table that is kept with the counter
 * it was read under is known to be out of date on every server. The
 * triggers fire per changed row. */
int store_migrate_version_triggers(store *s, const char *name, const char *table, ics_err *e);

/* Open (creating if needed) and migrate. path is a SQLite file, or a libpq
 * URI (postgresql://... or postgres://...) for PostgreSQL. *created is set to
 * 1 when the database had no schema before, so the caller can seed it. An
 * unreachable PostgreSQL server is ICS_EBUSY. */
int store_open(const char *path, store **out, int *created, ics_err *e);
void store_close(store *s);
const char *store_path(const store *s);
/* 1 when db names a PostgreSQL database (a libpq URI), 0 for a SQLite file. */
int store_is_uri(const char *db);
/* "sqlite" or "postgresql". */
const char *store_backend(const store *s);

/* Transactions. On SQLite the outermost store_begin takes the write lock
 * at once (BEGIN IMMEDIATE), so two writers serialise instead of failing at
 * commit. On PostgreSQL it is BEGIN ISOLATION LEVEL SERIALIZABLE: writers
 * run concurrently and one that would break serialisability fails with
 * ICS_ERETRY (at any statement or at commit); the caller rolls back and
 * re-runs the whole use case (the HTTP dispatch and the CLI do).
 * Calls nest: an inner begin is a savepoint that its commit releases and
 * its rollback undoes, so only the outermost commit makes changes durable.
 * store_tx_depth is 0 outside any transaction. */
int store_begin(store *s, ics_err *e);
int store_commit(store *s, ics_err *e);
void store_rollback(store *s);
int store_tx_depth(const store *s);
/* A read transaction for a request that only reads, so its statements
 * share one snapshot and one read lock instead of taking and releasing the
 * lock each (on SQLite a lock is a few system calls; on PostgreSQL, where
 * statements take no such lock, both calls do nothing). store_begin ends it
 * first; store_read_end ends it (no-op when none is open). */
int store_read_begin(store *s, ics_err *e);
void store_read_end(store *s);
/* A read-only transaction on both backends, for a read whose statements
 * must agree with each other (a list page and its total): on SQLite a
 * deferred BEGIN (a WAL snapshot; it never takes the write lock, so
 * writers and other readers go on), on PostgreSQL BEGIN ISOLATION LEVEL
 * REPEATABLE READ, READ ONLY. Ended like the other, by store_read_end or
 * by a store_begin. Nothing is done when a transaction is already open
 * (its statements see what it sees). */
int store_snapshot_begin(store *s, ics_err *e);

/* Run SQL without parameters (may hold several statements). */
int store_exec(store *s, const char *sql, ics_err *e);

/* Prepared statements; parameters are 1-based, columns 0-based.
 * store_step returns 1 for a row, 0 when done, or a negative code: a UNIQUE
 * violation is ICS_ECONFLICT, a foreign-key, CHECK or NOT NULL violation (or
 * on PostgreSQL a value of the wrong type) ICS_EINVAL, a serialisation
 * failure or deadlock ICS_ERETRY, a locked, lost or unreachable database
 * ICS_EBUSY. On PostgreSQL any failure inside a transaction spoils it:
 * roll back (later statements fail with the first failure's code). */
int store_prepare(store *s, const char *sql, store_stmt **out, ics_err *e);
void store_bind_int(store_stmt *st, int i, int64_t v);
void store_bind_double(store_stmt *st, int i, double v);
void store_bind_text(store_stmt *st, int i, const char *v); /* NULL binds SQL NULL */
void store_bind_null(store_stmt *st, int i);
/* Bind a JSON scalar (string, integer, real, boolean as 0/1, null). */
void store_bind_json(store_stmt *st, int i, const json_t *v);
int store_step(store_stmt *st, ics_err *e);
void store_reset(store_stmt *st);
int store_col_count(store_stmt *st);
const char *store_col_name(store_stmt *st, int i);
int store_col_isnull(store_stmt *st, int i);
int64_t store_col_int(store_stmt *st, int i);
double store_col_double(store_stmt *st, int i);
const char *store_col_text(store_stmt *st, int i); /* "" for NULL; valid until next step */
/* The column as a JSON value (integer, real, string or null). */
json_t *store_col_json(store_stmt *st, int i);
/* What the column holds in this row, as store_col_json would give it: an
 * answer written straight to text picks its JSON type by this. */
enum { STORE_NULL, STORE_INT, STORE_REAL, STORE_TEXT };
int store_col_kind(store_stmt *st, int i);
void store_finalize(store_stmt *st);

/* 1 when a statement for sql is cached and idle (for tests and metrics). */
int store_stmt_cached(const store *s, const char *sql);
int store_changes(store *s);

/* Convenience: run sql with a JSON array of parameters (may be NULL).
 * store_query_json returns the rows as an array of objects keyed by column
 * name (new reference in *rows); store_query_one returns the first row or
 * ICS_ENOTFOUND; store_exec_params runs a write. Columns whose name ends in
 * "_json" are parsed back into JSON values. */
int store_query_json(store *s, const char *sql, json_t *params, json_t **rows, ics_err *e);
int store_query_one(store *s, const char *sql, json_t *params, json_t **row, ics_err *e);
/* Run sql and hand each row to fn, in order, as the statement itself (read
 * it with store_col_*; valid during the call only). A non-zero return from
 * fn stops the query and is returned. For answers written straight to text
 * without a JSON row in between. */
typedef int (*store_row_fn)(void *arg, store_stmt *row, ics_err *e);
int store_query_each(store *s, const char *sql, json_t *params, store_row_fn fn, void *arg,
                     ics_err *e);
int store_exec_params(store *s, const char *sql, json_t *params, ics_err *e);
/* First column of the first row as an integer in *out (def when there is no
 * row or the value is NULL). A failed query returns its negative code (and
 * *out = def): callers must look, so a failed read is never taken for an
 * empty table (which once could re-seed a live database). */
int store_query_int(store *s, const char *sql, json_t *params, int64_t def, int64_t *out,
                    ics_err *e) __attribute__((warn_unused_result));

/* Record a write in the audit table at instant at (seconds since the
 * epoch), inside the caller's transaction.
 * actor is the user's name (or "cli:<login>"); before/after may be NULL and
 * are not stolen; ics is the code of the ICS the record belongs to. */
int store_audit(store *s, int64_t at, const char *actor, const char *action,
                const char *object_type, const char *object_id, const json_t *before,
                const json_t *after, const char *ics, ics_err *e);

/* The audit log, newest first; NULL filters match everything. ics: the
 * ICSs to show as ",QRV,QM7," (NULL: every ICS). after (0: none) keeps
 * rows older than that id, the keyset form of a page: an index range on
 * the primary key however deep the page. Each row is handed to fn
 * (store_query_each). */
int store_audit_each(store *s, const char *object_type, const char *object_id, const char *actor,
                     const char *ics, int64_t limit, int64_t offset, int64_t after, store_row_fn fn,
                     void *arg, ics_err *e);

/* Schema steps this program knows that the database has not applied (a
 * server that opened the database before a step was removed, or a failed
 * migration): *n of them, the first named in first ("jobs v2"). */
int store_schema_pending(store *s, int *n, char *first, size_t len, ics_err *e);

/* 0 when the database answers a trivial query. */
int store_ping(store *s, ics_err *e);

/* Change-event wake-ups across servers (PostgreSQL LISTEN/NOTIFY on the
 * channel icsflow_events, payload the event id; docs/events.md). A
 * listening store should be used for nothing else. store_wait_notify
 * returns 1 with *id set when a notification arrived, 0 after timeout_ms
 * without one, or a negative code (ICS_EBUSY: the connection was lost; call
 * store_listen again, which reconnects, and read the events table for what
 * was missed). On SQLite there is nothing to listen to: store_listen
 * succeeds and store_wait_notify sleeps timeout_ms and returns 0. */
int store_listen(store *s, ics_err *e);
int store_wait_notify(store *s, int timeout_ms, int64_t *id, ics_err *e);

#endif
