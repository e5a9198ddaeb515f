/* query.c - convenience queries over the prepared-statement interface:
 * JSON parameters in, JSON rows out, and the audit record. Backend-neutral:
 * it uses only store.h. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static int run(store *s, const char *sql, json_t *params, store_stmt **out, ics_err *e)
{
    store_stmt *st;
    int rc = store_prepare(s, sql, &st, e);
    if (rc) return rc;
    size_t i;
    json_t *v;
    if (params) json_array_foreach(params, i, v) store_bind_json(st, (int)i + 1, v);
    *out = st;
    return 0;
}

static json_t *row_object(store_stmt *st)
{
    json_t *o = json_object();
    int n = store_col_count(st);
    for (int c = 0; c < n; c++) {
        const char *name = store_col_name(st, c);
        size_t len = strlen(name);
        json_t *v = NULL;
        if (len > 5 && strcmp(name + len - 5, "_json") == 0) {
            char key[128];
            snprintf(key, sizeof key, "%.*s", (int)(len - 5), name);
            v = store_col_isnull(st, c) ? json_null()
                                        : json_loads(store_col_text(st, c), JSON_DECODE_ANY, NULL);
            json_object_set_new(o, key, v ? v : json_null());
            continue;
        }
        json_object_set_new(o, name, store_col_json(st, c));
    }
    return o;
}

int store_query_json(store *s, const char *sql, json_t *params, json_t **rows, ics_err *e)
{
    store_stmt *st;
    int rc = run(s, sql, params, &st, e);
    if (rc) return rc;
    json_t *arr = json_array();
    while ((rc = store_step(st, e)) == 1) json_array_append_new(arr, row_object(st));
    store_finalize(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *rows = arr;
    return 0;
}

int store_query_each(store *s, const char *sql, json_t *params, store_row_fn fn, void *arg,
                     ics_err *e)
{
    assert(fn);
    store_stmt *st;
    int rc = run(s, sql, params, &st, e);
    if (rc) return rc;
    while ((rc = store_step(st, e)) == 1)
        if ((rc = fn(arg, st, e)) != 0) break;
    store_finalize(st);
    return rc; /* 0 when every row was handed over, else the failure */
}

int store_query_one(store *s, const char *sql, json_t *params, json_t **row, ics_err *e)
{
    store_stmt *st;
    int rc = run(s, sql, params, &st, e);
    if (rc) return rc;
    rc = store_step(st, e);
    if (rc == 1) *row = row_object(st);
    store_finalize(st);
    if (rc == 0) return ics_err_set(e, ICS_ENOTFOUND, "not found");
    return rc < 0 ? rc : 0;
}

int store_exec_params(store *s, const char *sql, json_t *params, ics_err *e)
{
    store_stmt *st;
    int rc = run(s, sql, params, &st, e);
    if (rc) return rc;
    rc = store_step(st, e);
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_query_int(store *s, const char *sql, json_t *params, int64_t def, int64_t *out,
                    ics_err *e)
{
    store_stmt *st;
    *out = def;
    int rc = run(s, sql, params, &st, e);
    if (rc) return rc;
    rc = store_step(st, e);
    if (rc == 1 && !store_col_isnull(st, 0)) *out = store_col_int(st, 0);
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_audit(store *s, int64_t at, const char *actor, const char *action,
                const char *object_type, const char *object_id, const json_t *before,
                const json_t *after, const char *ics, ics_err *e)
{
    assert(ics && *ics);
    store_stmt *st;
    int rc = store_prepare(s,
                           "INSERT INTO audit (at, actor, action, object_type, object_id, "
                           "before_json, after_json, ics) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           &st, e);
    if (rc) return rc;
    store_bind_int(st, 1, at);
    store_bind_text(st, 2, actor);
    store_bind_text(st, 3, action);
    store_bind_text(st, 4, object_type);
    store_bind_text(st, 5, object_id);
    char *b = before ? json_dumps(before, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    char *a = after ? json_dumps(after, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    store_bind_text(st, 6, b);
    store_bind_text(st, 7, a);
    store_bind_text(st, 8, ics);
    rc = store_step(st, e);
    free(b);
    free(a);
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

/* One page of the audit log: its SQL and parameters, for both forms. */
static const char audit_page_sql[] =
    "SELECT id, at, actor, action, object_type, object_id, "
    "before_json, after_json, ics FROM audit "
    "WHERE (? = '' OR object_type = ?) AND (? = '' OR object_id = ?) "
    "AND (? = '' OR actor = ?) "
    "AND (? = '' OR instr(?, ',' || ics || ',') > 0) "
    "AND (? = 0 OR id < ?) ORDER BY id DESC LIMIT ? OFFSET ?";

static json_t *audit_page_params(const char *type, const char *id, const char *actor,
                                 const char *ics, int64_t limit, int64_t offset, int64_t after)
{
    return json_pack("[ssssssssIIII]", type ? type : "", type ? type : "", id ? id : "",
                     id ? id : "", actor ? actor : "", actor ? actor : "", ics ? ics : "",
                     ics ? ics : "", (json_int_t)after, (json_int_t)after, (json_int_t)limit,
                     (json_int_t)offset);
}

int store_audit_each(store *s, const char *type, const char *id, const char *actor, const char *ics,
                     int64_t limit, int64_t offset, int64_t after, store_row_fn fn, void *arg,
                     ics_err *e)
{
    json_t *p = audit_page_params(type, id, actor, ics, limit, offset, after);
    int rc = store_query_each(s, audit_page_sql, p, fn, arg, e);
    json_decref(p);
    return rc;
}

int store_ping(store *s, ics_err *e)
{
    json_t *rows = NULL;
    int rc = store_query_json(s, "SELECT COUNT(*) AS n FROM schema_migrations", NULL, &rows, e);
    json_decref(rows);
    return rc;
}
