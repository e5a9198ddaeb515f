/* backend.h - what a database backend provides to store.c (private to
 * src/store). store.c implements store.h once and forwards each call
 * through the ops table of the store or statement it is given; sqlite.c and
 * pg.c each fill one table. Every backend's store and statement structs
 * begin with the common header below, so a pointer to either is a pointer
 * to its header. */
#ifndef ICS_STORE_BACKEND_H
#define ICS_STORE_BACKEND_H

#include "store/store.h"

typedef struct store_ops {
    const char *name; /* "sqlite" or "postgresql" */
    void (*close)(store *s);
    int (*begin)(store *s, ics_err *e);
    int (*commit)(store *s, ics_err *e);
    void (*rollback)(store *s);
    int (*exec)(store *s, const char *sql, ics_err *e);
    int (*prepare)(store *s, const char *sql, store_stmt **out, ics_err *e);
    int (*stmt_cached)(const store *s, const char *sql);
    int (*changes)(store *s);
    int (*listen)(store *s, ics_err *e);
    int (*wait_notify)(store *s, int timeout_ms, int64_t *id, ics_err *e);

    void (*bind_int)(store_stmt *st, int i, int64_t v);
    void (*bind_double)(store_stmt *st, int i, double v);
    void (*bind_text)(store_stmt *st, int i, const char *v);
    void (*bind_null)(store_stmt *st, int i);
    int (*step)(store_stmt *st, ics_err *e);
    void (*reset)(store_stmt *st);
    int (*col_count)(store_stmt *st);
    const char *(*col_name)(store_stmt *st, int i);
    int (*col_isnull)(store_stmt *st, int i);
    int64_t (*col_int)(store_stmt *st, int i);
    double (*col_double)(store_stmt *st, int i);
    const char *(*col_text)(store_stmt *st, int i);
    json_t *(*col_json)(store_stmt *st, int i);
    int (*col_kind)(store_stmt *st, int i);
    void (*finalize)(store_stmt *st);
} store_ops;

/* The common head of every backend's store: its ops, the path or URI it
 * was opened with (the URI with any password removed) and the depth of
 * open transactions (0 outside, 1 in the outermost, more in savepoints). */
struct store {
    const store_ops *ops;
    char *path;
    int in_tx;
    int reading; /* in a read transaction (store_read_begin: SQLite only; store_snapshot_begin) */
};

struct store_stmt {
    const store_ops *ops;
};

/* Backend constructors: open or connect, then migrate (store_open's
 * contract). *created is 1 when the database had no schema before. */
int store_sqlite_open(const char *path, store **out, int *created, ics_err *e);
int store_pg_open(const char *uri, store **out, int *created, ics_err *e);

/* pg.c: SQL as written for both backends in PostgreSQL's dialect (a new
 * string, NULL when out of memory); *nparams is the number of '?'. */
char *store_pg_rewrite(const char *sql, int *nparams);

/* schema.c: apply every pending migration step. */
int store_migrate(store *s, ics_err *e);

#endif
