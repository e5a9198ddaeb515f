/* app/directory_rows.c - checking directory rows before the store writes
 * them, for every way in (CSV files, JSON imports, the API): each value
 * against its column (normalised, "ub8" -> "UB8"), references to other
 * collections, rules across columns, one row per key in a file, and a JSON
 * body's fields and types with every problem in one message. The store
 * (src/store/directory.c) only writes the checked values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/directory.h"
#include "core/problems.h"
#include "store/directory.h"

/* The key column of the collection named ref. */
static const char *ref_key(const char *ref)
{
    const dir_collection *c = directory_collection_find(ref);
    return c ? c->key : NULL;
}

/* Cross-field rules that need more than one value. */
static int row_rules(const dir_collection *c, char (*v)[256], ics_err *e)
{
    if (strcmp(c->name, "services") == 0) {
        const char *lo = v[9], *hi = v[10];
        if (*lo && *hi && atol(lo) > atol(hi))
            return ics_err_set(e, ICS_EINVAL, "column 'min_age': %s is above max_age %s", lo, hi);
        if (atol(v[12]) <= 0)
            return ics_err_set(e, ICS_EINVAL, "column 'response_minutes': must be above 0");
    }
    if (strcmp(c->name, "units") == 0 && atol(v[5]) <= 0)
        return ics_err_set(e, ICS_EINVAL, "column 'beds': a unit needs at least one bed");
    return 0;
}

/* Validate the raw values in place (normalising them), check references,
 * then upsert. Every problem of the row is collected into one message, each
 * naming its column ("column 'lat': ...; column 'kind': ..."), so a form can
 * show each beside its field; the caller adds file and line. */
static int upsert_values(store *s, const dir_collection *c, char (*v)[256], ics_err *e)
{
    int n = directory_ncols(c);
    problems p;
    problems_init(&p);
    for (int i = 0; i < n; i++) {
        const dir_column *col = &c->cols[i];
        char norm[256];
        ics_err ce = {0};
        if (directory_value_check(col, v[i], norm, &ce)) {
            problems_add(&p, "column '%s': %s", col->name, ce.msg);
            continue;
        }
        strcpy(v[i], norm);
        if (!col->ref || !*norm) continue;
        char work[256], *save = NULL;
        strcpy(work, norm);
        for (char *t = strtok_r(work, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            int have = store_dir_ref_exists(s, col->ref, t, e);
            if (have < 0) {
                ics_err ignore = {0};
                problems_done(&p, &ignore);
                return have;
            }
            if (!have)
                problems_add(&p, "column '%s': no %s with %s '%s'", col->name, col->ref,
                             ref_key(col->ref), t);
        }
    }
    ics_err re = {0};
    if (p.n == 0 && row_rules(c, v, &re)) problems_add(&p, "%s", re.msg);
    int rc = problems_done(&p, e);
    if (rc) return rc;
    return store_dir_upsert_row(s, c, (const char(*)[256])v, e);
}

/* Duplicate keys are found on the keys as they will be stored: each key
 * cell normalised as the row's validation will (surrounding spaces
 * trimmed, "ub8" -> "UB8"), so " ub8" and "UB8" are the same district. A
 * cell that does not validate is compared raw; its row fails later. */
static int unique_keys(const dir_collection *c, const csv_doc *doc, const int *keys, int nk,
                       ics_err *e)
{
    csv_doc view = *doc;
    char ***rows = calloc(doc->nrows ? doc->nrows : 1, sizeof *rows);
    int rc = rows ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t r = 0; r < doc->nrows && !rc; r++) {
        rows[r] = malloc(doc->ncols * sizeof **rows);
        if (!rows[r]) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            break;
        }
        memcpy(rows[r], doc->rows[r], doc->ncols * sizeof **rows);
        for (int k = 0; k < nk && !rc; k++) {
            char norm[256];
            ics_err ignore = {0};
            const dir_column *col = directory_column_find(c, c->keys[k]);
            if (directory_value_check(col, doc->rows[r][keys[k]], norm, &ignore)) continue;
            if (!(rows[r][keys[k]] = strdup(norm))) {
                rows[r][keys[k]] = doc->rows[r][keys[k]];
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            }
        }
    }
    if (!rc) {
        view.rows = rows;
        rc = csv_unique(&view, keys, nk, e);
    }
    for (size_t r = 0; rows && r < doc->nrows && rows[r]; r++) {
        for (int k = 0; k < nk; k++)
            if (rows[r][keys[k]] != doc->rows[r][keys[k]]) free(rows[r][keys[k]]);
        free(rows[r]);
    }
    free(rows);
    return rc;
}

int app_dir_rows_import_csv(store *s, const dir_collection *c, const csv_doc *doc, int *count,
                            ics_err *e)
{
    int n = directory_ncols(c);
    int map[64];
    for (int i = 0; i < n; i++) map[i] = csv_col(doc, c->cols[i].name);
    for (size_t j = 0; j < doc->ncols; j++)
        if (!directory_column_find(c, doc->header[j]))
            return ics_err_set(e, ICS_EINVAL, "%s: line 1: unknown column '%s' for %s", doc->name,
                               doc->header[j], c->name);
    for (int i = 0; i < n; i++)
        if (map[i] < 0 && c->cols[i].required)
            return ics_err_set(e, ICS_EINVAL, "%s: line 1: required column '%s' is missing",
                               doc->name, c->cols[i].name);
    /* one row per key in a file: a second would silently replace the first */
    int keys[3], nk = 0, all = 1;
    for (; nk < 3 && c->keys[nk]; nk++) all &= (keys[nk] = csv_col(doc, c->keys[nk])) >= 0;
    if (nk && all && unique_keys(c, doc, keys, nk, e)) return ICS_EINVAL;
    char(*v)[256] = calloc((size_t)n, 256);
    if (!v) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    int rc = 0;
    for (size_t r = 0; r < doc->nrows && !rc; r++) {
        for (int i = 0; i < n; i++) {
            const char *raw = map[i] >= 0 ? doc->rows[r][map[i]] : "";
            if (strlen(raw) >= 256) {
                rc = ics_err_set(e, ICS_EINVAL, "%s: line %zu, column '%s': value is too long",
                                 doc->name, doc->line[r], c->cols[i].name);
                break;
            }
            strcpy(v[i], raw);
        }
        if (rc) break;
        rc = upsert_values(s, c, v, e);
        if (rc) ics_err_prefix(e, "%s: line %zu, ", doc->name, doc->line[r]);
    }
    free(v);
    if (!rc && count) *count = (int)doc->nrows;
    return rc;
}

static const char *kind_word(dir_kind k)
{
    switch (k) {
    case DIR_INT:
        return "an integer";
    case DIR_REAL:
        return "a number";
    case DIR_LIST:
        return "an array of strings";
    default:
        return "a string";
    }
}

/* JSON value -> raw text for the shared validator; 0 or -1 on a type error. */
static int json_raw(const dir_column *col, const json_t *val, char out[256])
{
    out[0] = '\0';
    if (json_is_null(val)) return 0;
    switch (col->kind) {
    case DIR_TEXT:
        if (!json_is_string(val)) return -1;
        snprintf(out, 256, "%s", json_string_value(val));
        return 0;
    case DIR_INT:
        if (!json_is_integer(val)) return -1;
        snprintf(out, 256, "%lld", (long long)json_integer_value(val));
        return 0;
    case DIR_REAL:
        if (!json_is_number(val)) return -1;
        snprintf(out, 256, "%.10g", json_number_value(val));
        return 0;
    case DIR_LIST: {
        if (!json_is_array(val)) return -1;
        size_t i;
        json_t *it;
        json_array_foreach(val, i, it)
        {
            if (!json_is_string(it)) return -1;
            size_t have = strlen(out);
            snprintf(out + have, 256 - have, "%s%s", have ? " " : "", json_string_value(it));
        }
        return 0;
    }
    }
    return -1;
}

int app_dir_rows_upsert_json(store *s, const dir_collection *c, const json_t *obj, const char *key,
                             json_t **after, ics_err *e)
{
    if (!json_is_object(obj))
        return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object describing one of %s",
                           c->name);
    int n = directory_ncols(c);
    char(*v)[256] = calloc((size_t)n, 256);
    if (!v) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    problems probs;
    problems_init(&probs);
    const char *f;
    json_t *val;
    json_object_foreach((json_t *)obj, f, val)
    {
        const dir_column *col = directory_column_find(c, f);
        if (!col) {
            problems_add(&probs, "unknown field '%s'", f);
            continue;
        }
        if (json_raw(col, val, v[col - c->cols]))
            problems_add(&probs, "field '%s' must be %s", f, kind_word(col->kind));
    }
    if (key && c->key) {
        int k = (int)(directory_column_find(c, c->key) - c->cols);
        if (!*v[k])
            snprintf(v[k], 256, "%s", key);
        else if (strcmp(v[k], key) != 0)
            problems_add(&probs, "field '%s' is '%s' but the URL names '%s'", c->key, v[k], key);
    }
    for (int i = 0; i < n; i++)
        if (c->cols[i].required && !*v[i] && !json_object_get(obj, c->cols[i].name) &&
            !(key && c->key && strcmp(c->cols[i].name, c->key) == 0))
            problems_add(&probs, "missing field '%s'", c->cols[i].name);
    int rc = problems_done(&probs, e);
    if (!rc) {
        rc = upsert_values(s, c, v, e);
        if (!rc && after && c->key) {
            int k = (int)(directory_column_find(c, c->key) - c->cols);
            rc = store_dir_get(s, c, v[k], after, e);
        }
    }
    free(v);
    return rc;
}
