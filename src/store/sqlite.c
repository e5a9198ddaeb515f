/* sqlite.c - the SQLite backend of store.h.
 *
 * One connection per store. On open: WAL journal, synchronous=FULL (an
 * acknowledged write survives power loss), foreign keys on, a busy timeout
 * so concurrent writers wait rather than fail, then schema migrations. A new
 * database file is created 0600 before SQLite opens it (it holds NHS
 * numbers); SQLite gives its -wal and -shm files the same mode. A lock still
 * held after the busy timeout (ICSFLOW_BUSY_MS, default 10 s) is ICS_EBUSY,
 * which the server answers with 503 and Retry-After. */
#include "store/backend.h"
#include "store/stmtcache.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Prepared statements are cached per connection by their SQL text: a
 * handler runs the same few statements on every request, and preparing
 * them again each time was a large share of a request's cost. The LRU
 * list and its rules are store/stmtcache.h's. */
#define STMT_CACHE 64

typedef struct cached {
    stmtcache_entry entry; /* first: a cached is its entry */
    sqlite3_stmt *st;
} cached;

typedef struct sq_store {
    struct store base; /* ops, path, in_tx */
    sqlite3 *db;
    stmtcache cache;
    pthread_mutex_t *writer; /* this file's writer queue (NULL: none) */
    int writing;             /* holds it: inside the outermost transaction */
    int busy_ms;
} sq_store;

/* Writers of one file in this process queue on a mutex before BEGIN
 * IMMEDIATE. Without it a writer that finds the lock taken sleeps in
 * SQLite's busy handler (1, 2, 5 ... 100 ms, whatever happens meanwhile),
 * and under load a few of them waited seconds behind short transactions:
 * a list page (its read audited in its own transaction) had a p99 of
 * 4 s at 8 connections. A mutex wakes the next writer when the lock is
 * released. Other processes on the file still meet SQLite's lock and busy
 * handler. One mutex per path, kept for the life of the process. */
#define WRITERS_MAX 32
static struct {
    char *path;
    pthread_mutex_t mu;
} writers[WRITERS_MAX];
static pthread_mutex_t writers_mu = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t *writer_of(const char *path)
{
    if (strcmp(path, ":memory:") == 0) return NULL; /* each is its own database */
    pthread_mutex_t *m = NULL;
    pthread_mutex_lock(&writers_mu);
    for (int i = 0; i < WRITERS_MAX && !m; i++) {
        if (!writers[i].path) {
            if (!(writers[i].path = strdup(path))) break;
            pthread_mutex_init(&writers[i].mu, NULL);
            m = &writers[i].mu;
        } else if (strcmp(writers[i].path, path) == 0) {
            m = &writers[i].mu;
        }
    }
    pthread_mutex_unlock(&writers_mu);
    return m; /* NULL when the table is full: SQLite's busy handler alone */
}

static void writer_release(struct sq_store *s)
{
    if (!s->writing) return;
    s->writing = 0;
    pthread_mutex_unlock(s->writer);
}

typedef struct sq_stmt {
    struct store_stmt base;
    sqlite3_stmt *st;
    sq_store *s;
    cached *c; /* NULL when not cached */
} sq_stmt;

static const store_ops sq_ops;

#define SQ(s)  ((sq_store *)(s))
#define ST(st) ((sq_stmt *)(st))

/* Release an entry the cache no longer counts. */
static void cached_free(stmtcache_entry *x)
{
    cached *c = (cached *)x;
    sqlite3_finalize(c->st);
    free(x->sql);
    free(c);
}

static int db_err(sq_store *s, int rc, const char *what, ics_err *e)
{
    int code = ICS_EDB;
    int ext = sqlite3_extended_errcode(s->db);
    if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
        code = ICS_ECONFLICT;
    else if (ext == SQLITE_CONSTRAINT_FOREIGNKEY || ext == SQLITE_CONSTRAINT_CHECK ||
             ext == SQLITE_CONSTRAINT_NOTNULL)
        code = ICS_EINVAL;
    else if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ||
             (ext & 0xff) == SQLITE_BUSY)
        code = ICS_EBUSY; /* still locked after the busy timeout: a retry may work */
    return ics_err_set(e, code, "%s: %s", what, sqlite3_errmsg(s->db));
}

static void sq_close(store *base);
static int sq_exec(store *base, const char *sql, ics_err *e);

/* SQLite counts the memory it allocates under one process-wide mutex
 * (SQLITE_CONFIG_MEMSTATUS, on by default), so every statement step of
 * every connection took that mutex: with two server threads it was two
 * thirds of the futex waits of a route query. Nothing here reads those
 * counts. sqlite3_config works only before SQLite initialises, which the
 * first open does, so it is set once before that open. */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void config(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_sqlite_open(const char *path, store **out, int *created, ics_err *e)
{
    pthread_once(&config_once, config);
    int existed = access(path, F_OK) == 0;
    sq_store *s = calloc(1, sizeof *s);
    if (!s) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    s->base.ops = &sq_ops;
    s->cache.cap = STMT_CACHE;
    s->base.path = strdup(path);
    if (!existed && strcmp(path, ":memory:") != 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) close(fd); /* an empty file is a valid new database */
    }
    int rc = sqlite3_open_v2(
        path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ics_err_set(e, ICS_EIO, "cannot open database %s: %s", path,
                    s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sq_close(&s->base);
        return ICS_EIO;
    }
    const char *busy = getenv("ICSFLOW_BUSY_MS");
    s->busy_ms = busy && atoi(busy) > 0 ? atoi(busy) : 10000;
    sqlite3_busy_timeout(s->db, s->busy_ms);
    s->writer = writer_of(path);
    rc = sq_exec(&s->base,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                 /* reads map the file instead of copying each page through
                  * read(2) into a small per-connection cache: a 1,000-row
                  * page spent a third of its time there */
                 " PRAGMA mmap_size=1073741824;",
                 e);
    if (!rc) rc = store_migrate(&s->base, e);
    if (rc) {
        sq_close(&s->base);
        return rc;
    }
    *created = !existed;
    *out = &s->base;
    return 0;
}

static void sq_close(store *base)
{
    sq_store *s = SQ(base);
    writer_release(s);
    /* every statement is finalized by now, so every cached one is idle */
    for (stmtcache_entry *x; (x = stmtcache_pop(&s->cache)) != NULL;) cached_free(x);
    assert(s->cache.count == 0);
    if (s->db) sqlite3_close_v2(s->db);
    free(s->base.path);
    free(s);
}

/* Transactions nest: the outermost begin takes the write lock (BEGIN
 * IMMEDIATE), an inner one is a savepoint. A use case can then call
 * functions that keep their own begin/commit (a seeding step, an import)
 * and still commit, with its audit record and change event, all at once. */
static int sq_begin(store *s, ics_err *e)
{
    char sql[32];
    sq_store *q = SQ(s);
    if (s->in_tx == 0 && q->writer) {
        assert(!q->writing);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += q->busy_ms / 1000;
        until.tv_nsec += (long)(q->busy_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int r = pthread_mutex_timedlock(q->writer, &until);
        if (r)
            return ics_err_set(e, ICS_EBUSY, "database: another write held it for %d ms (%s)",
                               q->busy_ms, r == ETIMEDOUT ? "timed out" : "lock failed");
        q->writing = 1;
    }
    if (s->in_tx == 0)
        snprintf(sql, sizeof sql, "BEGIN IMMEDIATE");
    else
        snprintf(sql, sizeof sql, "SAVEPOINT sp%d", s->in_tx);
    int rc = sq_exec(s, sql, e);
    if (!rc) s->in_tx++;
    if (rc && s->in_tx == 0) writer_release(q);
    return rc;
}

static void sq_rollback(store *base)
{
    sq_store *s = SQ(base);
    if (base->in_tx > 1) {
        char sql[64];
        snprintf(sql, sizeof sql, "ROLLBACK TO sp%d; RELEASE sp%d", base->in_tx - 1,
                 base->in_tx - 1);
        sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        base->in_tx--;
        return;
    }
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    base->in_tx = 0;
    writer_release(s);
}

static int sq_commit(store *s, ics_err *e)
{
    assert(s->in_tx > 0);
    if (s->in_tx > 1) {
        char sql[32];
        snprintf(sql, sizeof sql, "RELEASE sp%d", s->in_tx - 1);
        int rc = sq_exec(s, sql, e);
        if (rc) {
            sq_rollback(s);
            return rc;
        }
        s->in_tx--;
        return 0;
    }
    int rc = sq_exec(s, "COMMIT", e);
    if (rc) sq_rollback(s);
    s->in_tx = 0;
    writer_release(SQ(s));
    return rc;
}

static int sq_exec(store *base, const char *sql, ics_err *e)
{
    sq_store *s = SQ(base);
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int r = db_err(s, rc, "database", e);
        sqlite3_free(msg);
        return r;
    }
    return 0;
}

static int sq_prepare(store *base, const char *sql, store_stmt **out, ics_err *e)
{
    sq_store *s = SQ(base);
    sq_stmt *st = calloc(1, sizeof *st);
    if (!st) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    st->base.ops = &sq_ops;
    st->s = s;
    cached *hit = (cached *)stmtcache_take(&s->cache, sql); /* in use: off the list */
    if (hit) {
        st->st = hit->st;
        st->c = hit;
        *out = &st->base;
        return 0;
    }
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st->st, NULL);
    if (rc != SQLITE_OK) {
        free(st);
        return db_err(s, rc, "preparing a statement", e);
    }
    stmtcache_entry *lru = stmtcache_evict(&s->cache);
    if (lru) cached_free(lru);
    if (stmtcache_room(&s->cache)) {
        cached *c = calloc(1, sizeof *c);
        if (c && stmtcache_add(&s->cache, &c->entry, sql) == 0) {
            c->st = st->st;
            st->c = c;
        } else {
            free(c);
        }
    }
    *out = &st->base;
    return 0;
}

static void sq_bind_int(store_stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64(ST(st)->st, i, v);
}

static void sq_bind_double(store_stmt *st, int i, double v)
{
    sqlite3_bind_double(ST(st)->st, i, v);
}

static void sq_bind_text(store_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(ST(st)->st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(ST(st)->st, i);
}

static void sq_bind_null(store_stmt *st, int i)
{
    sqlite3_bind_null(ST(st)->st, i);
}

static int sq_step(store_stmt *st, ics_err *e)
{
    int rc = sqlite3_step(ST(st)->st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    return db_err(ST(st)->s, rc, "database", e);
}

static void sq_reset(store_stmt *st)
{
    sqlite3_reset(ST(st)->st);
    sqlite3_clear_bindings(ST(st)->st);
}

static int sq_col_count(store_stmt *st)
{
    return sqlite3_column_count(ST(st)->st);
}

static const char *sq_col_name(store_stmt *st, int i)
{
    return sqlite3_column_name(ST(st)->st, i);
}

static int sq_col_isnull(store_stmt *st, int i)
{
    return sqlite3_column_type(ST(st)->st, i) == SQLITE_NULL;
}

static int64_t sq_col_int(store_stmt *st, int i)
{
    return sqlite3_column_int64(ST(st)->st, i);
}

static double sq_col_double(store_stmt *st, int i)
{
    return sqlite3_column_double(ST(st)->st, i);
}

static const char *sq_col_text(store_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(ST(st)->st, i);
    return t ? (const char *)t : "";
}

static json_t *sq_col_json(store_stmt *st, int i)
{
    sqlite3_stmt *q = ST(st)->st;
    switch (sqlite3_column_type(q, i)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(q, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(q, i));
    case SQLITE_NULL:
        return json_null();
    default:
        return json_string(sq_col_text(st, i));
    }
}

static int sq_col_kind(store_stmt *st, int i)
{
    switch (sqlite3_column_type(ST(st)->st, i)) {
    case SQLITE_INTEGER:
        return STORE_INT;
    case SQLITE_FLOAT:
        return STORE_REAL;
    case SQLITE_NULL:
        return STORE_NULL;
    default:
        return STORE_TEXT;
    }
}

static void sq_finalize(store_stmt *base)
{
    sq_stmt *st = ST(base);
    if (st->c) {
        sqlite3_reset(st->st);
        sqlite3_clear_bindings(st->st);
        stmtcache_put(&st->s->cache, &st->c->entry);
    } else {
        sqlite3_finalize(st->st);
    }
    free(st);
}

static int sq_stmt_cached(const store *base, const char *sql)
{
    return stmtcache_has(&SQ(base)->cache, sql);
}

static int sq_changes(store *s)
{
    return sqlite3_changes(SQ(s)->db);
}

/* SQLite has one process and one writer: change events are woken in
 * process (hub_wake), so there is nothing to listen to. Waiting just
 * sleeps out the timeout and reports no notification. */
static int sq_listen(store *s, ics_err *e)
{
    (void)s;
    (void)e;
    return 0;
}

static int sq_wait_notify(store *s, int timeout_ms, int64_t *id, ics_err *e)
{
    (void)s;
    (void)id;
    (void)e;
    if (timeout_ms > 0) {
        struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static const store_ops sq_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .stmt_cached = sq_stmt_cached,
    .changes = sq_changes,
    .listen = sq_listen,
    .wait_notify = sq_wait_notify,
    .bind_int = sq_bind_int,
    .bind_double = sq_bind_double,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .col_count = sq_col_count,
    .col_name = sq_col_name,
    .col_isnull = sq_col_isnull,
    .col_int = sq_col_int,
    .col_double = sq_col_double,
    .col_text = sq_col_text,
    .col_json = sq_col_json,
    .col_kind = sq_col_kind,
    .finalize = sq_finalize,
};
