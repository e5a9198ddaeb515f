/* csv.c - CSV parsing into one buffer (see csv.h). Every cell is checked
 * as text (UTF-8, no NUL byte) as it is read, so no import can store a name
 * the API would later fail to print. */
#include "core/csv.h"

#include "core/utf8.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rowv {
    char **cells;
    size_t n, cap;
} rowv;

static int push_cell(rowv *r, char *c)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char **p = realloc(r->cells, cap * sizeof *p);
        if (!p) return -1;
        r->cells = p;
        r->cap = cap;
    }
    r->cells[r->n++] = c;
    return 0;
}

void csv_free(csv_doc *d)
{
    if (!d) return;
    if (d->rows)
        for (size_t i = 0; i < d->nrows; i++) free(d->rows[i]);
    free(d->rows);
    free(d->line);
    free(d->header);
    free(d->buf);
    free(d->name);
    free(d);
}

static int add_row(csv_doc *d, rowv *r, size_t line, size_t *cap, ics_err *e)
{
    if (!d->header) {
        d->header = r->cells;
        d->ncols = r->n;
        r->cells = NULL;
        r->n = r->cap = 0;
        return 0;
    }
    /* a blank line (one empty cell) is skipped */
    if (r->n == 1 && r->cells[0][0] == '\0') {
        r->n = 0;
        return 0;
    }
    if (r->n > d->ncols)
        return ics_err_set(e, ICS_EINVAL, "%s: line %zu has %zu fields but the header has %zu",
                           d->name, line, r->n, d->ncols);
    while (r->n < d->ncols)
        if (push_cell(r, d->buf + 0 /* points at "" below */)) return ICS_ENOMEM;
    if (d->nrows == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char ***rows = realloc(d->rows, nc * sizeof *rows);
        size_t *ln = realloc(d->line, nc * sizeof *ln);
        if (rows) d->rows = rows;
        if (ln) d->line = ln;
        if (!rows || !ln) return ICS_ENOMEM;
        *cap = nc;
    }
    char **cells = malloc(d->ncols * sizeof *cells);
    if (!cells) return ICS_ENOMEM;
    memcpy(cells, r->cells, d->ncols * sizeof *cells);
    d->rows[d->nrows] = cells;
    d->line[d->nrows++] = line;
    r->n = 0;
    return 0;
}

/* A cell of n bytes must be UTF-8 without NUL bytes (a NUL would silently
 * cut it short). The message names the line and the column, and never
 * quotes the bad bytes. */
static int cell_text(const csv_doc *d, const char *cell, size_t n, size_t line, size_t col,
                     ics_err *e)
{
    int nul = strlen(cell) != n;
    if (!nul && utf8_valid(cell)) return 0;
    char where[96];
    if (d->header && col < d->ncols)
        snprintf(where, sizeof where, "column '%s'", d->header[col]);
    else
        snprintf(where, sizeof where, "column %zu", col + 1);
    where[utf8_clip(where, strlen(where))] = '\0';
    utf8_scrub(where);
    return ics_err_set(e, ICS_EINVAL, "%s: line %zu, %s: %s", d->name, line, where,
                       nul ? "contains a NUL byte" : "is not valid UTF-8 text");
}

int csv_parse(const char *text, size_t len, const char *name, csv_doc **out, ics_err *e)
{
    csv_doc *d = calloc(1, sizeof *d);
    if (!d) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    d->name = strdup(name ? name : "input");
    /* buf[0] is a permanent empty string used for missing trailing cells */
    d->buf = malloc(len + 2);
    if (!d->name || !d->buf) {
        csv_free(d);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    d->buf[0] = '\0';
    char *w = d->buf + 1;
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* UTF-8 BOM */
    rowv r = {0};
    size_t line = 1, row_line = 1, cap = 0;
    int rc = 0;
    while (p < end || r.n > 0) {
        char *cell = w;
        int quoted = 0;
        if (p < end && *p == '"') {
            quoted = 1;
            p++;
            for (;;) {
                if (p >= end) {
                    rc = ics_err_set(e, ICS_EINVAL, "%s: line %zu: a quoted field is not closed",
                                     d->name, row_line);
                    goto done;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n') line++;
                *w++ = *p++;
            }
        }
        while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
            if (quoted) {
                rc = ics_err_set(e, ICS_EINVAL, "%s: line %zu: text after a closing quote", d->name,
                                 row_line);
                goto done;
            }
            *w++ = *p++;
        }
        *w++ = '\0';
        if ((rc = cell_text(d, cell, (size_t)(w - 1 - cell), row_line, r.n, e))) goto done;
        if (push_cell(&r, cell)) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            goto done;
        }
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        /* end of record */
        if (p < end && *p == '\r') p++;
        if (p < end && *p == '\n') p++;
        rc = add_row(d, &r, row_line, &cap, e);
        if (rc == ICS_ENOMEM) ics_err_set(e, rc, "out of memory");
        if (rc) goto done;
        line++;
        row_line = line;
        if (p >= end) break;
    }
    if (!d->header)
        rc = ics_err_set(e, ICS_EINVAL, "%s: the file is empty (no header row)", d->name);
done:
    free(r.cells);
    if (rc) {
        csv_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

int csv_read_file(const char *path, csv_doc **out, ics_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) return ics_err_set(e, ICS_EIO, "%s: cannot open: %s", path, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[65536];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            char *t = realloc(text, cap);
            if (!t) {
                free(text);
                fclose(f);
                return ics_err_set(e, ICS_ENOMEM, "%s: out of memory", path);
            }
            text = t;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    int rc = csv_parse(text ? text : "", len, path, out, e);
    free(text);
    return rc;
}

int csv_col(const csv_doc *d, const char *name)
{
    for (size_t j = 0; j < d->ncols; j++)
        if (strcmp(d->header[j], name) == 0) return (int)j;
    return -1;
}

int csv_columns(const csv_doc *d, const char *const *names, int *idx, int strict, ics_err *e)
{
    size_t k = 0;
    for (; names[k]; k++) {
        idx[k] = csv_col(d, names[k]);
        if (idx[k] < 0)
            return ics_err_set(e, ICS_EINVAL, "%s: line 1: required column '%s' is missing",
                               d->name, names[k]);
    }
    if (strict)
        for (size_t j = 0; j < d->ncols; j++) {
            size_t i = 0;
            while (names[i] && strcmp(names[i], d->header[j]) != 0) i++;
            if (!names[i])
                return ics_err_set(e, ICS_EINVAL, "%s: line 1: unknown column '%s'", d->name,
                                   d->header[j]);
        }
    (void)k;
    return 0;
}

/* Rows ordered by their key cells, for finding duplicates. */
typedef struct keyed {
    const csv_doc *d;
    const int *idx;
    int n;
} keyed;

static int cmp_keys(const keyed *k, size_t a, size_t b)
{
    for (int i = 0; i < k->n; i++) {
        int c = strcmp(k->d->rows[a][k->idx[i]], k->d->rows[b][k->idx[i]]);
        if (c) return c;
    }
    return a < b ? -1 : a > b;
}

/* A merge sort of row numbers (qsort has no context argument in C11). */
static void sort_rows(const keyed *k, size_t *v, size_t *tmp, size_t n)
{
    if (n < 2) return;
    size_t h = n / 2;
    sort_rows(k, v, tmp, h);
    sort_rows(k, v + h, tmp, n - h);
    size_t i = 0, j = h, o = 0;
    while (i < h && j < n) tmp[o++] = cmp_keys(k, v[i], v[j]) <= 0 ? v[i++] : v[j++];
    while (i < h) tmp[o++] = v[i++];
    while (j < n) tmp[o++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

int csv_unique(const csv_doc *d, const int *idx, int n, ics_err *e)
{
    assert(d && idx && n > 0);
    if (d->nrows < 2) return 0;
    size_t *v = malloc(d->nrows * sizeof *v), *tmp = malloc(d->nrows * sizeof *tmp);
    if (!v || !tmp) {
        free(v);
        free(tmp);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < d->nrows; i++) v[i] = i;
    keyed k = {d, idx, n};
    sort_rows(&k, v, tmp, d->nrows);
    int rc = 0;
    for (size_t i = 1; i < d->nrows && !rc; i++) {
        size_t a = v[i - 1], b = v[i];
        int same = 1;
        for (int c = 0; c < n && same; c++) same = !strcmp(d->rows[a][idx[c]], d->rows[b][idx[c]]);
        if (!same) continue;
        char key[200] = "";
        size_t len = 0;
        for (int c = 0; c < n && len < sizeof key; c++)
            len += (size_t)snprintf(key + len, sizeof key - len, "%s%s '%s'", c ? ", " : "",
                                    d->header[idx[c]], d->rows[a][idx[c]]);
        rc = ics_err_set(e, ICS_EINVAL, "%s: lines %zu and %zu have the same %s", d->name,
                         d->line[a], d->line[b], key);
    }
    free(v);
    free(tmp);
    return rc;
}

/* A text cell a spreadsheet would read as a formula: it starts with = + - @
 * or a tab or carriage return, and is not simply a number ("-3", "+0.5",
 * "-1e3" stay numbers). */
static int csv_is_formula(const char *v)
{
    if (*v == '\t' || *v == '\r') return 1;
    if (!*v || !strchr("=+-@", *v)) return 0;
    char *end;
    (void)strtod(v, &end);
    return end == v || *end != '\0';
}

static void cell(sb *b, const char *v, int first, int guard)
{
    assert(b && v);
    if (!first) sb_puts(b, ",");
    int quote = strpbrk(v, ",\"\r\n") != NULL;
    if (!guard && !quote) {
        sb_puts(b, v);
        return;
    }
    if (quote) sb_puts(b, "\"");
    if (guard) sb_puts(b, "'");
    for (const char *p = v; *p; p++) {
        const char *run = p;
        while (*p && *p != '"') p++;
        sb_append(b, run, (size_t)(p - run));
        if (!*p) break;
        sb_puts(b, "\"\"");
    }
    if (quote) sb_puts(b, "\"");
}

void csv_cell(sb *b, const char *v, int first)
{
    cell(b, v, first, csv_is_formula(v));
}

void csv_cell_exact(sb *b, const char *v, int first)
{
    cell(b, v, first, 0);
}
