/* dbmove.c - the use cases behind `icsflow db copy|checksum|backup|restore`
 * (app/dbmove.h). The copy is the way a pilot on SQLite moves to
 * PostgreSQL (or back): it reads one snapshot of the source, writes the
 * destination in one transaction and commits only when every table's row
 * count and checksum, recomputed from the destination, equal the
 * source's. It is not audited: it moves the audit trail itself, verbatim. */
#include "app/dbmove.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/backup.h"

void app_db_sums_free(app_db_sums *s)
{
    if (!s) return;
    free(s->t);
    s->t = NULL;
    s->n = 0;
    s->rows = 0;
}

/* Open an existing icsflow database (migrating it to the current schema). */
static int open_existing(const char *db, store **s, ics_err *e)
{
    if (!store_is_uri(db) && access(db, F_OK) != 0)
        return ics_err_set(e, ICS_EINVAL, "no database at '%s'", db);
    int created = 0;
    int rc = store_open(db, s, &created, e);
    if (rc) return rc;
    if (created) {
        store_close(*s);
        *s = NULL;
        return ics_err_set(e, ICS_EINVAL, "'%s' holds no icsflow database", db);
    }
    return 0;
}

static int sums_alloc(app_db_sums *out, char **names, size_t n, ics_err *e)
{
    out->t = calloc(n ? n : 1, sizeof *out->t);
    out->n = n;
    out->rows = 0;
    if (!out->t) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) snprintf(out->t[i].name, sizeof out->t[i].name, "%s", names[i]);
    return 0;
}

/* Checksums of the tables in out (names already filled) on s. */
static int fill_sums(store *s, app_db_sums *out, ics_err *e)
{
    out->rows = 0;
    for (size_t i = 0; i < out->n; i++) {
        int rc = store_copy_checksum(s, out->t[i].name, &out->t[i].rows, out->t[i].sum, e);
        if (rc) return rc;
        out->rows += out->t[i].rows;
    }
    return 0;
}

int app_db_checksums(const char *db, app_db_sums *out, ics_err *e)
{
    assert(db && out);
    memset(out, 0, sizeof *out);
    store *s;
    int rc = open_existing(db, &s, e);
    if (rc) return rc;
    char **names = NULL;
    size_t n = 0;
    rc = store_copy_tables(s, &names, &n, e);
    if (!rc) rc = sums_alloc(out, names, n, e);
    store_copy_tables_free(names, n);
    /* one transaction, so the figures are one consistent state */
    if (!rc) rc = store_begin(s, e);
    if (!rc) {
        rc = fill_sums(s, out, e);
        store_rollback(s);
    }
    store_close(s);
    if (rc) app_db_sums_free(out);
    return rc;
}

/* The destination's tables are the source's (same schema version). */
static int same_tables(store *dst, char **names, size_t n, ics_err *e)
{
    char **d = NULL;
    size_t nd = 0;
    int rc = store_copy_tables(dst, &d, &nd, e);
    if (rc) return rc;
    for (size_t i = 0; i < n && !rc; i++) {
        size_t j = 0;
        while (j < nd && strcmp(d[j], names[i]) != 0) j++;
        if (j == nd) rc = ics_err_set(e, ICS_EINVAL, "the destination has no table %s", names[i]);
    }
    if (!rc && nd != n)
        rc = ics_err_set(e, ICS_EINVAL, "the destination has %zu tables, the source %zu", nd, n);
    store_copy_tables_free(d, nd);
    return rc;
}

/* Inside both transactions: empty the destination (children first: the
 * migrations may have inserted default rows), copy each table (parents
 * first), move the id sequences on, then compare every table. */
static int copy_all(store *src, store *dst, app_db_sums *out, progress_fn progress, void *pctx,
                    ics_err *e)
{
    int rc = 0;
    for (size_t i = out->n; i-- > 0 && !rc;) rc = store_copy_clear(dst, out->t[i].name, e);
    for (size_t i = 0; i < out->n && !rc; i++) {
        int64_t rows = 0;
        rc = store_copy_rows(src, dst, out->t[i].name, &rows, e);
        if (progress) progress(pctx, 0.7 * (double)(i + 1) / (double)out->n);
    }
    if (!rc) rc = store_copy_fix_ids(dst, e);
    if (!rc) rc = fill_sums(src, out, e);
    for (size_t i = 0; i < out->n && !rc; i++) {
        app_table_sum d = out->t[i];
        rc = store_copy_checksum(dst, d.name, &d.rows, d.sum, e);
        if (!rc && (d.rows != out->t[i].rows || strcmp(d.sum, out->t[i].sum) != 0))
            rc = ics_err_set(e, ICS_EDB,
                             "table %s differs after the copy: source %lld rows, checksum %s; "
                             "destination %lld rows, checksum %s (nothing was committed)",
                             d.name, (long long)out->t[i].rows, out->t[i].sum, (long long)d.rows,
                             d.sum);
        if (progress) progress(pctx, 0.7 + 0.3 * (double)(i + 1) / (double)out->n);
    }
    return rc;
}

int app_db_copy(const char *from, const char *to, app_db_sums *out, progress_fn progress,
                void *pctx, ics_err *e)
{
    assert(from && to && out);
    memset(out, 0, sizeof *out);
    if (strcmp(from, to) == 0) return ics_err_set(e, ICS_EINVAL, "copy a database into another");
    int to_file = !store_is_uri(to);
    if (to_file && access(to, F_OK) == 0)
        return ics_err_set(e, ICS_EINVAL, "'%s' exists: db copy writes a new database", to);
    store *src = NULL, *dst = NULL;
    int rc = open_existing(from, &src, e);
    if (rc) return rc;
    int created = 0;
    rc = store_open(to, &dst, &created, e);
    if (!rc && !created)
        rc = ics_err_set(e, ICS_EINVAL,
                         "'%s' already holds an icsflow database: db copy needs an empty one", to);
    char **names = NULL;
    size_t n = 0;
    if (!rc) rc = store_copy_tables(src, &names, &n, e);
    if (!rc) rc = same_tables(dst, names, n, e);
    if (!rc) rc = sums_alloc(out, names, n, e);
    store_copy_tables_free(names, n);
    if (!rc) rc = store_begin(src, e);
    if (!rc) {
        rc = store_begin(dst, e);
        if (!rc) rc = copy_all(src, dst, out, progress, pctx, e);
        if (!rc)
            rc = store_commit(dst, e);
        else if (store_tx_depth(dst))
            store_rollback(dst);
        store_rollback(src); /* the source was only read */
    }
    store_close(src);
    store_close(dst);
    if (rc) {
        app_db_sums_free(out);
        /* a new SQLite file that did not get its rows is removed again */
        if (to_file && created) {
            char side[4096];
            unlink(to);
            snprintf(side, sizeof side, "%s-wal", to);
            unlink(side);
            snprintf(side, sizeof side, "%s-shm", to);
            unlink(side);
        }
    }
    return rc;
}

int app_db_backup(const char *db, const char *file, ics_err *e)
{
    assert(db && file);
    return store_backup(db, file, e);
}

int app_db_restore(const char *file, const char *db, app_db_sums *out, ics_err *e)
{
    assert(file && db && out);
    memset(out, 0, sizeof *out);
    int rc = store_restore(file, db, e);
    if (rc) return rc;
    return app_db_checksums(db, out, e);
}
