/* copy.c - the SQL behind moving a deployment (store/copy.h): the catalog
 * queries of each backend (tables, columns, foreign keys, identity
 * columns), the row copy in multi-row INSERT batches, and the row checksum
 * that reads the same on both backends. The only backend-specific SQL here
 * is the catalog: everything else is the shared dialect. */
#include "store/copy.h"

#include <assert.h>
#include <math.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/sb.h"

static int is_pg(store *s)
{
    return strcmp(store_backend(s), "postgresql") == 0;
}

/* Names from the catalog are quoted into SQL; refuse anything but the
 * plain lower-case names icsflow's migrations create. */
static int plain_name(const char *n, ics_err *e)
{
    if (!*n || strlen(n) > 63) return ics_err_set(e, ICS_EDB, "unexpected table or column '%s'", n);
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return ics_err_set(e, ICS_EDB, "unexpected table or column name '%s'", n);
    return 0;
}

/* Every row's column "name" (a string) as a malloc'ed array of strings. */
static int names_of(store *s, const char *sql, json_t *params, char ***out, size_t *n, ics_err *e)
{
    json_t *rows = NULL;
    int rc = store_query_json(s, sql, params, &rows, e);
    if (rc) return rc;
    size_t k = json_array_size(rows);
    char **v = calloc(k ? k : 1, sizeof *v);
    if (!v) {
        json_decref(rows);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < k && !rc; i++) {
        const char *name = json_string_value(json_object_get(json_array_get(rows, i), "name"));
        if (!name) rc = ics_err_set(e, ICS_EDB, "catalog query returned no name");
        if (!rc) rc = plain_name(name, e);
        if (!rc && !(v[i] = strdup(name))) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    json_decref(rows);
    if (rc) {
        store_copy_tables_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

void store_copy_tables_free(char **names, size_t n)
{
    if (!names) return;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int columns(store *s, const char *table, char ***cols, size_t *n, ics_err *e)
{
    json_t *p = json_pack("[s]", table);
    int rc = names_of(s,
                      is_pg(s) ? "SELECT column_name AS name FROM information_schema.columns"
                                 " WHERE table_schema = current_schema() AND table_name = ?"
                                 " ORDER BY ordinal_position"
                               : "SELECT name FROM pragma_table_info(?) ORDER BY cid",
                      p, cols, n, e);
    json_decref(p);
    if (!rc && *n == 0) {
        store_copy_tables_free(*cols, *n);
        rc = ics_err_set(e, ICS_EDB, "table %s has no columns", table);
    }
    return rc;
}

static size_t index_of(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return i;
    return n;
}

/* Kahn's algorithm over the foreign keys, smallest name first among the
 * tables whose parents are all placed, so the order is deterministic. */
int store_copy_tables(store *s, char ***names, size_t *n, ics_err *e)
{
    char **t;
    size_t nt;
    int rc =
        names_of(s,
                 is_pg(s) ? "SELECT table_name AS name FROM information_schema.tables"
                            " WHERE table_schema = current_schema()"
                            " AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'"
                          : "SELECT name FROM sqlite_master WHERE type = 'table'"
                            " AND name NOT LIKE 'sqlite%' AND name <> 'schema_migrations'",
                 NULL, &t, &nt, e);
    if (rc) return rc;
    qsort(t, nt, sizeof *t, by_name);
    json_t *fk = NULL;
    rc = store_query_json(
        s,
        is_pg(s)
            ? "SELECT ch.relname AS child, pa.relname AS parent FROM pg_constraint c"
              " JOIN pg_class ch ON ch.oid = c.conrelid JOIN pg_class pa ON pa.oid = c.confrelid"
              " WHERE c.contype = 'f' AND ch.relnamespace = current_schema()::regnamespace"
            : "SELECT m.name AS child, f.\"table\" AS parent"
              " FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
        NULL, &fk, e);
    if (rc) {
        store_copy_tables_free(t, nt);
        return rc;
    }
    char **out = calloc(nt ? nt : 1, sizeof *out);
    unsigned char *placed = calloc(nt ? nt : 1, 1);
    if (!out || !placed) {
        free(out);
        free(placed);
        json_decref(fk);
        store_copy_tables_free(t, nt);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    size_t done = 0;
    while (done < nt) {
        size_t pick = nt;
        for (size_t i = 0; i < nt && pick == nt; i++) {
            if (placed[i]) continue;
            int ready = 1;
            for (size_t k = 0; k < json_array_size(fk) && ready; k++) {
                json_t *r = json_array_get(fk, k);
                const char *ch = json_string_value(json_object_get(r, "child"));
                const char *pa = json_string_value(json_object_get(r, "parent"));
                if (!ch || !pa || strcmp(ch, t[i]) != 0 || strcmp(pa, t[i]) == 0) continue;
                size_t j = index_of(t, nt, pa);
                if (j < nt && !placed[j]) ready = 0;
            }
            if (ready) pick = i;
        }
        if (pick == nt) break; /* a cycle of foreign keys */
        placed[pick] = 1;
        out[done++] = t[pick]; /* the string now belongs to out */
    }
    json_decref(fk);
    if (done < nt) {
        for (size_t i = 0; i < nt; i++)
            if (!placed[i]) {
                rc = ics_err_set(e, ICS_EDB, "foreign keys form a cycle through table %s", t[i]);
                break;
            }
        free(placed);
        free(out);
        store_copy_tables_free(t, nt);
        return rc;
    }
    free(placed);
    free(t);
    /* The version counters last (no foreign key names them): triggers move
     * them on as the other tables are filled, which finds no row while they
     * are cleared, so the copy ends with the source's values. */
    for (size_t i = 0; i + 1 < nt; i++)
        if (strcmp(out[i], "directory_version") == 0) {
            char *v = out[i];
            memmove(out + i, out + i + 1, (nt - i - 1) * sizeof *out);
            out[nt - 1] = v;
            break;
        }
    *names = out;
    *n = nt;
    return 0;
}

int store_copy_clear(store *s, const char *table, ics_err *e)
{
    int rc = plain_name(table, e);
    if (rc) return rc;
    sb q;
    sb_init(&q);
    sb_printf(&q, "DELETE FROM \"%s\"", table);
    rc = q.oom ? ics_err_set(e, ICS_ENOMEM, "out of memory") : store_exec(s, q.buf, e);
    sb_free(&q);
    return rc;
}

/* "a", "b", ... : the column list, each quoted. */
static void col_list(sb *q, char **cols, size_t nc, int aliased)
{
    for (size_t c = 0; c < nc; c++) {
        sb_printf(q, "%s\"%s\"", c ? ", " : "", cols[c]);
        /* alias to c0, c1, ...: a column named *_json would otherwise come
         * back parsed (store_col_json) instead of as its stored text */
        if (aliased) sb_printf(q, " AS c%zu", c);
    }
}

/* The same columns, in any order, on both sides. */
static int same_columns(const char *table, char **a, size_t na, char **b, size_t nb, ics_err *e)
{
    if (na != nb)
        return ics_err_set(e, ICS_EINVAL,
                           "table %s has %zu columns in the source and %zu in the destination "
                           "(are both at the same schema version?)",
                           table, na, nb);
    for (size_t i = 0; i < na; i++)
        if (index_of(b, nb, a[i]) == nb)
            return ics_err_set(e, ICS_EINVAL, "table %s: the destination has no column %s", table,
                               a[i]);
    return 0;
}

/* INSERT the first k buffered rows (vals holds k * nc values). */
static int flush(store *dst, const char *table, char **cols, size_t nc, json_t **vals, size_t k,
                 ics_err *e)
{
    sb q;
    sb_init(&q);
    sb_printf(&q, "INSERT INTO \"%s\" (", table);
    col_list(&q, cols, nc, 0);
    sb_puts(&q, ") VALUES ");
    for (size_t r = 0; r < k; r++) {
        sb_puts(&q, r ? ", (" : "(");
        for (size_t c = 0; c < nc; c++) sb_puts(&q, c ? ", ?" : "?");
        sb_puts(&q, ")");
    }
    if (q.oom) {
        sb_free(&q);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    store_stmt *st;
    int rc = store_prepare(dst, q.buf, &st, e);
    sb_free(&q);
    if (rc) return rc;
    for (size_t i = 0; i < k * nc; i++) store_bind_json(st, (int)i + 1, vals[i]);
    rc = store_step(st, e);
    store_finalize(st);
    if (rc > 0) rc = 0;
    if (rc) ics_err_prefix(e, "copying table %s: ", table);
    return rc;
}

int store_copy_rows(store *src, store *dst, const char *table, int64_t *rows, ics_err *e)
{
    assert(src && dst && table && rows);
    *rows = 0;
    int rc = plain_name(table, e);
    if (rc) return rc;
    char **cols = NULL, **dcols = NULL;
    size_t nc = 0, ndc = 0;
    if ((rc = columns(src, table, &cols, &nc, e))) return rc;
    if ((rc = columns(dst, table, &dcols, &ndc, e))) {
        store_copy_tables_free(cols, nc);
        return rc;
    }
    rc = same_columns(table, cols, nc, dcols, ndc, e);
    store_copy_tables_free(dcols, ndc);
    /* rows per INSERT: few round trips, well under either backend's limit
     * on parameters (SQLite 32766, PostgreSQL 65535) */
    size_t batch = 4000 / nc;
    if (batch > 250) batch = 250;
    if (batch < 1) batch = 1;
    json_t **vals = rc ? NULL : calloc(batch * nc, sizeof *vals);
    if (!rc && !vals) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    sb q;
    sb_init(&q);
    sb_puts(&q, "SELECT ");
    col_list(&q, cols, nc, 1);
    sb_printf(&q, " FROM \"%s\" ORDER BY 1", table);
    store_stmt *st = NULL;
    if (!rc && q.oom) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    if (!rc) rc = store_prepare(src, q.buf, &st, e);
    sb_free(&q);
    size_t k = 0;
    while (!rc) {
        int step = store_step(st, e);
        if (step < 0) rc = step;
        if (step <= 0) break;
        for (size_t c = 0; c < nc; c++) vals[k * nc + c] = store_col_json(st, (int)c);
        if (++k == batch) {
            rc = flush(dst, table, cols, nc, vals, k, e);
            for (size_t i = 0; i < k * nc; i++) json_decref(vals[i]);
            *rows += (int64_t)k;
            k = 0;
        }
    }
    if (!rc && k) {
        rc = flush(dst, table, cols, nc, vals, k, e);
        *rows += (int64_t)k;
    }
    if (vals)
        for (size_t i = 0; i < k * nc; i++) json_decref(vals[i]);
    if (st) store_finalize(st);
    free(vals);
    store_copy_tables_free(cols, nc);
    return rc;
}

int store_copy_fix_ids(store *s, ics_err *e)
{
    if (!is_pg(s)) return 0;
    json_t *ids = NULL;
    int rc =
        store_query_json(s,
                         "SELECT table_name AS t, column_name AS c FROM information_schema.columns"
                         " WHERE table_schema = current_schema() AND is_identity = 'YES'",
                         NULL, &ids, e);
    for (size_t i = 0; !rc && i < json_array_size(ids); i++) {
        json_t *r = json_array_get(ids, i);
        const char *t = json_string_value(json_object_get(r, "t"));
        const char *c = json_string_value(json_object_get(r, "c"));
        if (!t || !c) rc = ics_err_set(e, ICS_EDB, "identity column query returned no name");
        if (!rc) rc = plain_name(t, e);
        if (!rc) rc = plain_name(c, e);
        if (rc) break;
        sb q;
        sb_init(&q);
        /* the next id is one past the largest copied (1 for an empty table) */
        sb_printf(&q,
                  "SELECT setval(pg_get_serial_sequence('%s', '%s'),"
                  " COALESCE((SELECT MAX(\"%s\") FROM \"%s\"), 0) + 1, false)",
                  t, c, c, t);
        json_t *row = NULL;
        rc = q.oom ? ics_err_set(e, ICS_ENOMEM, "out of memory")
                   : store_query_one(s, q.buf, NULL, &row, e);
        json_decref(row);
        sb_free(&q);
    }
    json_decref(ids);
    return rc;
}

/* One value in the canonical form of copy.h. */
static void canonical(sb *b, json_t *v)
{
    if (json_is_integer(v)) {
        sb_printf(b, "i%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) <= 9007199254740992.0)
            sb_printf(b, "i%lld", (long long)d);
        else
            sb_printf(b, "r%.17g", d);
    } else if (json_is_string(v)) {
        sb_printf(b, "s%zu:", json_string_length(v));
        sb_append(b, json_string_value(v), json_string_length(v));
    } else {
        sb_puts(b, "n");
    }
}

static int by_hash(const void *a, const void *b)
{
    return memcmp(a, b, 16);
}

int store_copy_checksum(store *s, const char *table, int64_t *rows, char sum[STORE_SUM_HEX + 1],
                        ics_err *e)
{
    assert(s && table && rows && sum);
    *rows = 0;
    sum[0] = '\0';
    int rc = plain_name(table, e);
    if (rc) return rc;
    char **cols;
    size_t nc;
    if ((rc = columns(s, table, &cols, &nc, e))) return rc;
    qsort(cols, nc, sizeof *cols, by_name);
    sb q;
    sb_init(&q);
    sb_puts(&q, "SELECT ");
    col_list(&q, cols, nc, 1);
    sb_printf(&q, " FROM \"%s\"", table);
    store_stmt *st = NULL;
    rc = q.oom ? ics_err_set(e, ICS_ENOMEM, "out of memory") : store_prepare(s, q.buf, &st, e);
    sb_free(&q);
    unsigned char *h = NULL;
    size_t n = 0, cap = 0;
    sb row;
    sb_init(&row);
    while (!rc) {
        int step = store_step(st, e);
        if (step < 0) rc = step;
        if (step <= 0) break;
        row.len = 0;
        for (size_t c = 0; c < nc; c++) {
            sb_puts(&row, cols[c]);
            sb_append(&row, "\x1e", 1);
            json_t *v = store_col_json(st, (int)c);
            canonical(&row, v);
            json_decref(v);
            sb_append(&row, "\x1f", 1);
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            unsigned char *g = realloc(h, cap * 16);
            if (!g) {
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                break;
            }
            h = g;
        }
        if (row.oom) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            break;
        }
        crypto_generichash(h + 16 * n, 16, (const unsigned char *)row.buf, row.len, NULL, 0);
        n++;
    }
    sb_free(&row);
    if (st) store_finalize(st);
    store_copy_tables_free(cols, nc);
    if (!rc) {
        if (n) qsort(h, n, 16, by_hash);
        unsigned char all[16];
        crypto_generichash(all, sizeof all, h ? h : (const unsigned char *)"", 16 * n, NULL, 0);
        sodium_bin2hex(sum, STORE_SUM_HEX + 1, all, sizeof all);
        *rows = (int64_t)n;
    }
    free(h);
    return rc;
}
