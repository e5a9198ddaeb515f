/* store.c - store.h implemented once over the backends: store_open picks
 * SQLite or PostgreSQL from the --db value (a libpq URI starting with
 * postgresql:// or postgres://, anything else a SQLite file), and every
 * other call forwards through the ops table of its store or statement
 * (backend.h). The indirection costs one indirect call per store call. */
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"

int store_is_uri(const char *db)
{
    return strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
}

int store_open(const char *path, store **out, int *created, ics_err *e)
{
    int dummy;
    if (!created) created = &dummy;
    *created = 0;
    if (store_is_uri(path)) return store_pg_open(path, out, created, e);
    return store_sqlite_open(path, out, created, e);
}

void store_close(store *s)
{
    if (s) s->ops->close(s);
}

const char *store_path(const store *s)
{
    return s->path;
}

const char *store_backend(const store *s)
{
    return s->ops->name;
}

int store_begin(store *s, ics_err *e)
{
    store_read_end(s);
    return s->ops->begin(s, e);
}

/* one statement, through the statement cache */
static int step_once(store *s, const char *sql, ics_err *e)
{
    store_stmt *st;
    int rc = s->ops->prepare(s, sql, &st, e);
    if (rc) return rc;
    rc = st->ops->step(st, e);
    st->ops->finalize(st);
    return rc < 0 ? rc : 0;
}

int store_read_begin(store *s, ics_err *e)
{
    if (s->in_tx || s->reading || strcmp(s->ops->name, "sqlite") != 0) return 0;
    int rc = step_once(s, "BEGIN", e);
    if (!rc) s->reading = 1;
    return rc;
}

int store_snapshot_begin(store *s, ics_err *e)
{
    if (s->in_tx || s->reading) return 0;
    int sqlite = strcmp(s->ops->name, "sqlite") == 0;
    /* PostgreSQL: through the simple protocol, not as a named statement */
    int rc = sqlite ? step_once(s, "BEGIN", e)
                    : s->ops->exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY", e);
    if (!rc) s->reading = 1;
    return rc;
}

void store_read_end(store *s)
{
    if (!s->reading) return;
    s->reading = 0;
    int sqlite = strcmp(s->ops->name, "sqlite") == 0;
    if (sqlite ? step_once(s, "COMMIT", NULL) : s->ops->exec(s, "COMMIT", NULL))
        s->ops->rollback(s);
}

int store_commit(store *s, ics_err *e)
{
    return s->ops->commit(s, e);
}

void store_rollback(store *s)
{
    s->ops->rollback(s);
}

int store_tx_depth(const store *s)
{
    return s->in_tx;
}

int store_exec(store *s, const char *sql, ics_err *e)
{
    return s->ops->exec(s, sql, e);
}

int store_prepare(store *s, const char *sql, store_stmt **out, ics_err *e)
{
    return s->ops->prepare(s, sql, out, e);
}

int store_stmt_cached(const store *s, const char *sql)
{
    return s->ops->stmt_cached(s, sql);
}

int store_changes(store *s)
{
    return s->ops->changes(s);
}

int store_listen(store *s, ics_err *e)
{
    return s->ops->listen(s, e);
}

int store_wait_notify(store *s, int timeout_ms, int64_t *id, ics_err *e)
{
    return s->ops->wait_notify(s, timeout_ms, id, e);
}

void store_bind_int(store_stmt *st, int i, int64_t v)
{
    st->ops->bind_int(st, i, v);
}

void store_bind_double(store_stmt *st, int i, double v)
{
    st->ops->bind_double(st, i, v);
}

void store_bind_text(store_stmt *st, int i, const char *v)
{
    st->ops->bind_text(st, i, v);
}

void store_bind_null(store_stmt *st, int i)
{
    st->ops->bind_null(st, i);
}

void store_bind_json(store_stmt *st, int i, const json_t *v)
{
    if (!v || json_is_null(v))
        store_bind_null(st, i);
    else if (json_is_integer(v))
        store_bind_int(st, i, json_integer_value(v));
    else if (json_is_real(v))
        store_bind_double(st, i, json_real_value(v));
    else if (json_is_boolean(v))
        store_bind_int(st, i, json_is_true(v));
    else if (json_is_string(v))
        store_bind_text(st, i, json_string_value(v));
    else {
        char *txt = json_dumps(v, JSON_COMPACT);
        store_bind_text(st, i, txt);
        free(txt);
    }
}

int store_step(store_stmt *st, ics_err *e)
{
    return st->ops->step(st, e);
}

void store_reset(store_stmt *st)
{
    st->ops->reset(st);
}

int store_col_count(store_stmt *st)
{
    return st->ops->col_count(st);
}

const char *store_col_name(store_stmt *st, int i)
{
    return st->ops->col_name(st, i);
}

int store_col_isnull(store_stmt *st, int i)
{
    return st->ops->col_isnull(st, i);
}

int64_t store_col_int(store_stmt *st, int i)
{
    return st->ops->col_int(st, i);
}

double store_col_double(store_stmt *st, int i)
{
    return st->ops->col_double(st, i);
}

const char *store_col_text(store_stmt *st, int i)
{
    return st->ops->col_text(st, i);
}

json_t *store_col_json(store_stmt *st, int i)
{
    return st->ops->col_json(st, i);
}

int store_col_kind(store_stmt *st, int i)
{
    return st->ops->col_kind(st, i);
}

void store_finalize(store_stmt *st)
{
    if (st) st->ops->finalize(st);
}
