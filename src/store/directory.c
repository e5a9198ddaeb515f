/* store/directory.c - the directory's tables and the SQL that reads and
 * writes them, generated from the collection descriptions in
 * directory/directory.h so every collection behaves the same way. */
#include "store/directory.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sb.h"

const store_migration store_schema_directory[] = {
    {"directory", 1,
     "CREATE TABLE places ("
     " code TEXT PRIMARY KEY, name TEXT NOT NULL, imd2019_avg_score REAL,"
     " imd2019_rank_avg_score INTEGER, lsoa_count INTEGER, lsoa_q1 INTEGER, lsoa_q2 INTEGER,"
     " lsoa_q3 INTEGER, lsoa_q4 INTEGER, lsoa_q5 INTEGER);"
     "CREATE TABLE place_population ("
     " place_code TEXT NOT NULL REFERENCES places(code), sex TEXT NOT NULL,"
     " age_band TEXT NOT NULL, population INTEGER NOT NULL CHECK (population >= 0),"
     " PRIMARY KEY (place_code, sex, age_band));"
     "CREATE TABLE organisations ("
     " ods_code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, postcode TEXT);"
     "CREATE TABLE sites ("
     " site_code TEXT PRIMARY KEY, name TEXT NOT NULL,"
     " org_code TEXT NOT NULL REFERENCES organisations(ods_code), kind TEXT NOT NULL,"
     " postcode TEXT NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL,"
     " place_code TEXT REFERENCES places(code));"
     "CREATE INDEX sites_org ON sites(org_code);"
     "CREATE TABLE services ("
     " service_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
     " provider_ods TEXT NOT NULL REFERENCES organisations(ods_code),"
     " site_code TEXT REFERENCES sites(site_code), places TEXT NOT NULL, districts TEXT,"
     " hours TEXT NOT NULL, capabilities TEXT NOT NULL, min_age INTEGER, max_age INTEGER,"
     " exclusions TEXT, response_minutes INTEGER NOT NULL, daily_capacity INTEGER, phone TEXT);"
     "CREATE TABLE units ("
     " unit_code TEXT PRIMARY KEY, name TEXT NOT NULL,"
     " site_code TEXT NOT NULL REFERENCES sites(site_code), bed_type TEXT NOT NULL,"
     " sex TEXT NOT NULL, beds INTEGER NOT NULL CHECK (beds > 0),"
     " commissioned_by TEXT NOT NULL);"
     "CREATE TABLE unit_commissioners ("
     " unit_code TEXT NOT NULL REFERENCES units(unit_code) ON DELETE CASCADE,"
     " place_code TEXT NOT NULL REFERENCES places(code),"
     " PRIMARY KEY (unit_code, place_code));"
     "CREATE TABLE postcode_districts ("
     " district TEXT PRIMARY KEY, lat REAL NOT NULL, lon REAL NOT NULL,"
     " place_code TEXT REFERENCES places(code));"
     "CREATE TABLE bank_holidays (date TEXT PRIMARY KEY, name TEXT NOT NULL);",
     NULL},
    /* A counter every directory write moves on in its own transaction, so
     * a server's in-memory copy of the directory knows it is out of date
     * (whichever server wrote) by reading one row. */
    {"directory", 2,
     "CREATE TABLE directory_version (name TEXT PRIMARY KEY, version INTEGER NOT NULL);"
     "INSERT INTO directory_version (name, version) VALUES ('directory', 1);",
     NULL},
    {NULL, 0, NULL, NULL}};

int store_dir_version(store *s, int64_t *version, ics_err *e)
{
    return store_query_int(s, "SELECT version FROM directory_version WHERE name = 'directory'",
                           NULL, 0, version, e);
}

/* Called by every write below, so no caller can forget it. */
static int bump(store *s, ics_err *e)
{
    return store_exec(
        s, "UPDATE directory_version SET version = version + 1 WHERE name = 'directory'", e);
}

int store_dir_ref_exists(store *s, const char *ref, const char *value, ics_err *e)
{
    const dir_collection *c = directory_collection_find(ref);
    assert(c);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s WHERE %s = ?", c->table, c->key);
    json_t *p = json_pack("[s]", value);
    int64_t n;
    int rc = store_query_int(s, sql, p, 0, &n, e);
    json_decref(p);
    return rc ? rc : n > 0;
}

int store_dir_upsert_row(store *s, const dir_collection *c, const char (*v)[256], ics_err *e)
{
    int n = directory_ncols(c);
    sb q;
    sb_init(&q);
    sb_printf(&q, "INSERT INTO %s (", c->table);
    for (int i = 0; i < n; i++) sb_printf(&q, "%s%s", i ? ", " : "", c->cols[i].name);
    sb_puts(&q, ") VALUES (");
    for (int i = 0; i < n; i++) sb_puts(&q, i ? ", ?" : "?");
    sb_puts(&q, ") ON CONFLICT (");
    for (int k = 0; k < 3 && c->keys[k]; k++) sb_printf(&q, "%s%s", k ? ", " : "", c->keys[k]);
    sb_puts(&q, ") DO UPDATE SET ");
    for (int i = 0; i < n; i++)
        sb_printf(&q, "%s%s = excluded.%s", i ? ", " : "", c->cols[i].name, c->cols[i].name);
    char *sql = sb_steal(&q);
    store_stmt *st;
    int rc = store_prepare(s, sql, &st, e);
    free(sql);
    if (rc) return rc;
    for (int i = 0; i < n; i++) {
        if (!*v[i])
            store_bind_null(st, i + 1);
        else if (c->cols[i].kind == DIR_INT)
            store_bind_int(st, i + 1, atoll(v[i]));
        else if (c->cols[i].kind == DIR_REAL)
            store_bind_double(st, i + 1, atof(v[i]));
        else
            store_bind_text(st, i + 1, v[i]);
    }
    rc = store_step(st, e);
    store_finalize(st);
    if (rc < 0) return rc;

    if (strcmp(c->name, "units") == 0) {
        json_t *p = json_pack("[s]", v[0]);
        rc = store_exec_params(s, "DELETE FROM unit_commissioners WHERE unit_code = ?", p, e);
        json_decref(p);
        char work[256], *save = NULL;
        strcpy(work, v[6]);
        for (char *t = strtok_r(work, " ", &save); t && !rc; t = strtok_r(NULL, " ", &save)) {
            p = json_pack("[ss]", v[0], t);
            rc = store_exec_params(
                s, "INSERT INTO unit_commissioners (unit_code, place_code) VALUES (?, ?)", p, e);
            json_decref(p);
        }
    }
    if (!rc) rc = bump(s, e);
    return rc;
}

/* SELECT row -> typed JSON object. */
static json_t *typed_row(const dir_collection *c, store_stmt *st)
{
    json_t *o = json_object();
    for (int i = 0; c->cols[i].name; i++) {
        const dir_column *col = &c->cols[i];
        json_t *v;
        if (store_col_isnull(st, i))
            v = col->kind == DIR_LIST ? json_array() : json_null();
        else if (col->kind == DIR_INT)
            v = json_integer(store_col_int(st, i));
        else if (col->kind == DIR_REAL)
            v = json_real(store_col_double(st, i));
        else if (col->kind == DIR_LIST) {
            v = json_array();
            char work[256], *save = NULL;
            snprintf(work, sizeof work, "%s", store_col_text(st, i));
            for (char *t = strtok_r(work, " ", &save); t; t = strtok_r(NULL, " ", &save))
                json_array_append_new(v, json_string(t));
        } else
            v = json_string(store_col_text(st, i));
        json_object_set_new(o, col->name, v);
    }
    return o;
}

static void select_cols(sb *q, const dir_collection *c)
{
    sb_puts(q, "SELECT ");
    for (int i = 0; c->cols[i].name; i++) sb_printf(q, "%s%s", i ? ", " : "", c->cols[i].name);
    sb_printf(q, " FROM %s", c->table);
}

/* The condition "this row is in one of the ICSs" for collection c: a place
 * by its own ICS; an organisation by its primary ICS or a membership; a
 * site, postcode district or unit by its place (a site without a place by
 * its organisation's primary ICS); a service by any place of its
 * catchment. Bank holidays are national. n '?'s each, bound from ics. */
static void ics_where(sb *w, const dir_collection *c, const json_t *ics, json_t *params)
{
    sb in;
    sb_init(&in);
    sb_puts(&in, "(");
    for (size_t i = 0; i < json_array_size(ics); i++) sb_puts(&in, i ? ", ?" : "?");
    sb_puts(&in, ")");
    int times = 1;
    const char *t = c->table;
    if (strcmp(t, "places") == 0)
        sb_printf(w, "ics_code IN %s", in.buf);
    else if (strcmp(t, "place_population") == 0)
        sb_printf(w, "place_code IN (SELECT code FROM places WHERE ics_code IN %s)", in.buf);
    else if (strcmp(t, "postcode_districts") == 0) /* one without a place is everyone's */
        sb_printf(w,
                  "(place_code IS NULL OR place_code IN (SELECT code FROM places WHERE ics_code "
                  "IN %s))",
                  in.buf);
    else if (strcmp(t, "organisations") == 0) {
        sb_printf(w,
                  "(ics_code IN %s OR ods_code IN"
                  " (SELECT org_code FROM org_ics WHERE ics_code IN %s))",
                  in.buf, in.buf);
        times = 2;
    } else if (strcmp(t, "sites") == 0) {
        sb_printf(w,
                  "(place_code IN (SELECT code FROM places WHERE ics_code IN %s) OR"
                  " (place_code IS NULL AND org_code IN"
                  " (SELECT ods_code FROM organisations WHERE ics_code IN %s)))",
                  in.buf, in.buf);
        times = 2;
    } else if (strcmp(t, "units") == 0)
        sb_printf(w,
                  "site_code IN (SELECT site_code FROM sites WHERE place_code IN"
                  " (SELECT code FROM places WHERE ics_code IN %s))",
                  in.buf);
    else if (strcmp(t, "services") == 0)
        sb_printf(w,
                  "EXISTS (SELECT 1 FROM places p WHERE p.ics_code IN %s AND"
                  " (' ' || services.places || ' ') LIKE '%% ' || p.code || ' %%')",
                  in.buf);
    else
        sb_puts(w, "1 = 1");
    for (int k = 0; k < times; k++)
        for (size_t i = 0; i < json_array_size(ics); i++)
            json_array_append(params, json_array_get(ics, i));
    sb_free(&in);
}

int store_dir_list(store *s, const dir_collection *c, const json_t *filters, int64_t limit,
                   int64_t offset, json_t **rows, int64_t *total, ics_err *e)
{
    return store_dir_list_in(s, c, filters, NULL, limit, offset, rows, total, e);
}

int store_dir_list_in(store *s, const dir_collection *c, const json_t *filters, const json_t *ics,
                      int64_t limit, int64_t offset, json_t **rows, int64_t *total, ics_err *e)
{
    sb where;
    sb_init(&where);
    json_t *params = json_array();
    const char *f;
    json_t *val;
    if (ics) {
        sb_puts(&where, " WHERE ");
        ics_where(&where, c, ics, params);
    }
    json_object_foreach((json_t *)filters, f, val)
    {
        const dir_column *col = directory_column_find(c, f);
        if (!col) continue; /* the handler has already rejected unknown filters */
        sb_puts(&where, where.len ? " AND " : " WHERE ");
        if (col->kind == DIR_LIST) {
            sb_printf(&where, "(' ' || %s || ' ') LIKE ?", col->name);
            char pat[300];
            snprintf(pat, sizeof pat, "%% %s %%", json_string_value(val));
            json_array_append_new(params, json_string(pat));
        } else {
            sb_printf(&where, "%s = ?", col->name);
            json_array_append(params, val);
        }
    }
    sb q;
    sb_init(&q);
    sb_printf(&q, "SELECT COUNT(*) FROM %s%s", c->table, where.buf ? where.buf : "");
    int rc = store_query_int(s, q.buf, params, 0, total, e);
    sb_free(&q);
    if (rc) {
        sb_free(&where);
        json_decref(params);
        return rc;
    }
    select_cols(&q, c);
    sb_printf(&q, "%s ORDER BY ", where.buf ? where.buf : "");
    for (int k = 0; k < 3 && c->keys[k]; k++) sb_printf(&q, "%s%s", k ? ", " : "", c->keys[k]);
    sb_puts(&q, " LIMIT ? OFFSET ?");
    json_array_append_new(params, json_integer(limit));
    json_array_append_new(params, json_integer(offset));
    store_stmt *st;
    rc = store_prepare(s, q.buf, &st, e);
    sb_free(&q);
    sb_free(&where);
    if (rc) {
        json_decref(params);
        return rc;
    }
    size_t i;
    json_array_foreach(params, i, val) store_bind_json(st, (int)i + 1, val);
    json_decref(params);
    json_t *arr = json_array();
    while ((rc = store_step(st, e)) == 1) json_array_append_new(arr, typed_row(c, st));
    store_finalize(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *rows = arr;
    return 0;
}

int store_dir_get(store *s, const dir_collection *c, const char *key, json_t **row, ics_err *e)
{
    if (!c->key) return ics_err_set(e, ICS_ENOTFOUND, "%s has no single key", c->name);
    sb q;
    sb_init(&q);
    select_cols(&q, c);
    sb_printf(&q, " WHERE %s = ?", c->key);
    store_stmt *st;
    int rc = store_prepare(s, q.buf, &st, e);
    sb_free(&q);
    if (rc) return rc;
    store_bind_text(st, 1, key);
    rc = store_step(st, e);
    if (rc == 1) *row = typed_row(c, st);
    store_finalize(st);
    if (rc == 0) return ics_err_set(e, ICS_ENOTFOUND, "no %s with %s '%s'", c->name, c->key, key);
    return rc < 0 ? rc : 0;
}

int store_dir_delete(store *s, const dir_collection *c, const char *key, json_t **before,
                     ics_err *e)
{
    int rc = store_dir_get(s, c, key, before, e);
    if (rc) return rc;
    char sql[256];
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s = ?", c->table, c->key);
    json_t *p = json_pack("[s]", key);
    rc = store_exec_params(s, sql, p, e);
    json_decref(p);
    if (!rc) rc = bump(s, e);
    if (rc == ICS_EINVAL) /* a foreign key still points here */
        rc =
            ics_err_set(e, ICS_ECONFLICT,
                        "%s '%s' cannot be deleted: other records still refer to it", c->name, key);
    if (rc) {
        json_decref(*before);
        *before = NULL;
    }
    return rc;
}

int store_dir_place_population(store *s, const char *place, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[s]", place);
    int rc = store_query_json(s,
                              "SELECT sex, age_band, population FROM place_population"
                              " WHERE place_code = ?",
                              p, rows, e);
    json_decref(p);
    return rc;
}
