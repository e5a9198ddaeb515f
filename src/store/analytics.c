/* store/analytics.c - the SQL of the analytics tables (event-count
 * datasets, allocation weights, current spend, saved allocation runs) and
 * the queries that turn the directory's places and populations into engine
 * inputs. The checks and the reports are in src/app/analytics_report.c;
 * what is left here besides SQL is the seeding from data/ (reading its CSV
 * files and generating the synthetic dataset). SQL keeps to the
 * SQLite/PostgreSQL common subset. */
#include "store/analytics.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Version 2: created_at as INTEGER seconds (it was SQLite's
 * CURRENT_TIMESTAMP text, UTC without an offset). */
static int analytics_v2(store *s, ics_err *e)
{
    int rc = store_migrate_instants(s, "analytics_datasets", "created_at!", e);
    if (!rc) rc = store_migrate_instants(s, "allocation_runs", "created_at!", e);
    return rc;
}

const store_migration store_schema_analytics[] = {
    {"analytics", 1,
     "CREATE TABLE analytics_datasets ("
     " dataset TEXT PRIMARY KEY, description TEXT NOT NULL, period TEXT NOT NULL,"
     " synthetic INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL);"
     "CREATE TABLE analytics_counts ("
     " dataset TEXT NOT NULL REFERENCES analytics_datasets(dataset) ON DELETE CASCADE,"
     " area_code TEXT NOT NULL REFERENCES places(code),"
     " sex TEXT NOT NULL CHECK (sex IN ('M', 'F')), age_band TEXT NOT NULL,"
     " count INTEGER NOT NULL CHECK (count >= 0),"
     " PRIMARY KEY (dataset, area_code, sex, age_band));"
     "CREATE TABLE allocation_cost_weights ("
     " sex TEXT NOT NULL CHECK (sex IN ('M', 'F')), age_band TEXT NOT NULL,"
     " weight REAL NOT NULL CHECK (weight >= 0), PRIMARY KEY (sex, age_band));"
     "CREATE TABLE allocation_need_weights ("
     " imd_quintile INTEGER PRIMARY KEY CHECK (imd_quintile BETWEEN 1 AND 5),"
     " weight REAL NOT NULL CHECK (weight > 0));"
     "CREATE TABLE allocation_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "CREATE TABLE allocation_current ("
     " place_code TEXT PRIMARY KEY REFERENCES places(code),"
     " amount REAL NOT NULL CHECK (amount >= 0));"
     "CREATE TABLE allocation_runs ("
     " id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
     " params_json TEXT NOT NULL, result_json TEXT NOT NULL);",
     NULL},
    {"analytics", 2, NULL, analytics_v2},
    {NULL, 0, NULL, NULL}};

/* ---- places ------------------------------------------------------------------ */

int store_analytics_places(store *s, const char *ics, store_an_place **out, size_t *n, ics_err *e)
{
    *out = NULL;
    *n = 0;
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT code, name, imd2019_avg_score, lsoa_q1, lsoa_q2, lsoa_q3, "
                           "lsoa_q4, lsoa_q5 FROM places WHERE ? IS NULL OR ics_code = ?"
                           " ORDER BY code",
                           &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, ics);
    store_bind_text(st, 2, ics);
    size_t cap = 16, np = 0;
    store_an_place *p = calloc(cap, sizeof *p);
    if (!p) {
        store_finalize(st);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    while ((rc = store_step(st, e)) == 1) {
        if (np == cap) {
            store_an_place *q = realloc(p, 2 * cap * sizeof *p);
            if (!q) {
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                break;
            }
            p = q;
            memset(p + cap, 0, cap * sizeof *p);
            cap *= 2;
        }
        store_an_place *pl = &p[np++];
        snprintf(pl->code, sizeof pl->code, "%s", store_col_text(st, 0));
        snprintf(pl->name, sizeof pl->name, "%s", store_col_text(st, 1));
        pl->imd_score = store_col_isnull(st, 2) ? NAN : store_col_double(st, 2);
        for (int q = 0; q < 5; q++) pl->lsoa_q[q] = store_col_double(st, 3 + q);
    }
    store_finalize(st);
    if (rc < 0) {
        free(p);
        return rc;
    }
    rc = store_prepare(s, "SELECT place_code, sex, age_band, population FROM place_population", &st,
                       e);
    if (rc) {
        free(p);
        return rc;
    }
    while ((rc = store_step(st, e)) == 1) {
        const char *code = store_col_text(st, 0);
        int si = analytics_sex_index(store_col_text(st, 1));
        int bi = analytics_band_index(store_col_text(st, 2));
        if (si < 0 || bi < 0) continue; /* the directory validates; skip what is not ours */
        for (size_t i = 0; i < np; i++)
            if (strcmp(p[i].code, code) == 0) p[i].pop[si][bi] = store_col_double(st, 3);
    }
    store_finalize(st);
    if (rc < 0) {
        free(p);
        return rc;
    }
    *out = p;
    *n = np;
    return 0;
}

int store_analytics_dataset_save(store *s, const char *dataset, const char *description,
                                 const char *period, int synthetic, int replace, const char *actor,
                                 int64_t at, const analytics_table *t, ics_err *e)
{
    json_t *p = json_pack("[s]", dataset);
    int64_t have;
    int rc = store_query_int(s, "SELECT COUNT(*) FROM analytics_datasets WHERE dataset = ?", p, 0,
                             &have, e);
    if (rc) {
        json_decref(p);
        return rc;
    }
    if (have && !replace) {
        json_decref(p);
        return ics_err_set(e, ICS_ECONFLICT,
                           "dataset '%s' already exists: delete it first (or import with "
                           "--replace)",
                           dataset);
    }
    if (have) {
        rc = store_exec_params(s, "DELETE FROM analytics_counts WHERE dataset = ?", p, e);
        if (!rc)
            rc = store_exec_params(s, "DELETE FROM analytics_datasets WHERE dataset = ?", p, e);
    }
    json_decref(p);
    if (rc) return rc;
    p = json_pack("[sssiIs]", dataset, description ? description : "", period ? period : "",
                  synthetic ? 1 : 0, (json_int_t)at, actor ? actor : "");
    rc = store_exec_params(s,
                           "INSERT INTO analytics_datasets (dataset, description, period, "
                           "synthetic, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)",
                           p, e);
    json_decref(p);
    if (rc) return rc;
    store_stmt *st;
    rc = store_prepare(s,
                       "INSERT INTO analytics_counts (dataset, area_code, sex, age_band, count) "
                       "VALUES (?, ?, ?, ?, ?)",
                       &st, e);
    if (rc) return rc;
    for (size_t a = 0; a < t->nareas && !rc; a++)
        for (int sx = 0; sx < ANALYTICS_NSEXES && !rc; sx++)
            for (int b = 0; b < ANALYTICS_NBANDS && !rc; b++) {
                store_reset(st);
                store_bind_text(st, 1, dataset);
                store_bind_text(st, 2, t->areas[a]);
                store_bind_text(st, 3, sx ? "F" : "M");
                store_bind_text(st, 4, analytics_band_names[b]);
                store_bind_int(st, 5, (int64_t)t->v[a][sx][b]);
                int r = store_step(st, e);
                if (r < 0) rc = r;
            }
    store_finalize(st);
    return rc;
}

int store_analytics_dataset_json(store *s, const char *dataset, json_t **out, ics_err *e)
{
    json_t *p = json_pack("[s]", dataset);
    int rc =
        store_query_one(s,
                        "SELECT d.dataset, d.description, d.period, d.synthetic, d.created_at, "
                        "d.created_by, COUNT(DISTINCT c.area_code) AS areas, "
                        "COALESCE(SUM(c.count), 0) AS events FROM analytics_datasets d "
                        "LEFT JOIN analytics_counts c ON c.dataset = d.dataset "
                        "WHERE d.dataset = ? GROUP BY d.dataset, d.description, d.period, "
                        "d.synthetic, d.created_at, d.created_by",
                        p, out, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no dataset '%s'", dataset);
    if (!rc)
        json_object_set_new(*out, "synthetic",
                            json_boolean(json_integer_value(json_object_get(*out, "synthetic"))));
    return rc;
}

int store_analytics_dataset_ics(store *s, const char *dataset, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[s]", dataset);
    int rc = store_query_json(s,
                              "SELECT DISTINCT q.ics_code FROM analytics_counts c JOIN places q"
                              " ON q.code = c.area_code WHERE c.dataset = ? ORDER BY q.ics_code",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_analytics_dataset_delete(store *s, const char *dataset, json_t **before, ics_err *e)
{
    *before = NULL;
    int rc = store_analytics_dataset_json(s, dataset, before, e);
    if (rc) return rc;
    json_t *p = json_pack("[s]", dataset);
    rc = store_exec_params(s, "DELETE FROM analytics_counts WHERE dataset = ?", p, e);
    if (!rc) rc = store_exec_params(s, "DELETE FROM analytics_datasets WHERE dataset = ?", p, e);
    json_decref(p);
    return rc;
}

int store_analytics_datasets_json(store *s, const char *ics, json_t **out, ics_err *e)
{
    json_t *rows, *p = json_pack("[s]", ics);
    int rc = store_query_json(s,
                              "SELECT d.dataset, d.description, d.period, d.synthetic, "
                              "d.created_at, d.created_by, COUNT(DISTINCT c.area_code) AS areas, "
                              "COALESCE(SUM(c.count), 0) AS events FROM analytics_datasets d "
                              "LEFT JOIN analytics_counts c ON c.dataset = d.dataset "
                              "WHERE EXISTS (SELECT 1 FROM analytics_counts x JOIN places q"
                              " ON q.code = x.area_code WHERE x.dataset = d.dataset"
                              " AND q.ics_code = ?) "
                              "GROUP BY d.dataset, d.description, d.period, d.synthetic, "
                              "d.created_at, d.created_by ORDER BY d.dataset",
                              p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) json_object_set_new(
        r, "synthetic", json_boolean(json_integer_value(json_object_get(r, "synthetic"))));
    *out = json_pack("{so}", "items", rows);
    return 0;
}

int store_analytics_counts(store *s, const char *dataset, analytics_table **out, ics_err *e)
{
    *out = NULL;
    json_t *p = json_pack("[s]", dataset);
    int64_t have;
    int rc = store_query_int(s, "SELECT COUNT(*) FROM analytics_datasets WHERE dataset = ?", p, 0,
                             &have, e);
    json_decref(p);
    if (rc) return rc;
    if (!have) return ics_err_set(e, ICS_ENOTFOUND, "no dataset '%s'", dataset);
    store_stmt *st;
    rc = store_prepare(s,
                       "SELECT area_code, sex, age_band, count FROM analytics_counts "
                       "WHERE dataset = ? ORDER BY area_code",
                       &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, dataset);
    analytics_table *t = analytics_table_new();
    if (!t) {
        store_finalize(st);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    size_t row = 0;
    while ((rc = store_step(st, e)) == 1) {
        rc = analytics_table_add(t, "stored row", ++row, store_col_text(st, 0),
                                 store_col_text(st, 1), store_col_text(st, 2),
                                 store_col_double(st, 3), 1, NULL, 0, e);
        if (rc) break;
    }
    store_finalize(st);
    if (!rc) rc = analytics_table_check_complete(t, "stored row", e);
    if (rc) {
        analytics_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

int store_analytics_population_replace(store *s, const analytics_table *t, ics_err *e)
{
    store_stmt *del, *ins;
    int rc = store_prepare(s, "DELETE FROM place_population WHERE place_code = ?", &del, e);
    if (rc) return rc;
    rc = store_prepare(s,
                       "INSERT INTO place_population (place_code, sex, age_band, population) "
                       "VALUES (?, ?, ?, ?)",
                       &ins, e);
    if (rc) {
        store_finalize(del);
        return rc;
    }
    for (size_t a = 0; a < t->nareas && !rc; a++) {
        store_reset(del);
        store_bind_text(del, 1, t->areas[a]);
        int r = store_step(del, e);
        if (r < 0) rc = r;
        for (int sx = 0; sx < ANALYTICS_NSEXES && !rc; sx++)
            for (int b = 0; b < ANALYTICS_NBANDS && !rc; b++) {
                store_reset(ins);
                store_bind_text(ins, 1, t->areas[a]);
                store_bind_text(ins, 2, sx ? "F" : "M");
                store_bind_text(ins, 3, analytics_band_names[b]);
                store_bind_int(ins, 4, (int64_t)llround(t->v[a][sx][b]));
                r = store_step(ins, e);
                if (r < 0) rc = r;
            }
    }
    store_finalize(del);
    store_finalize(ins);
    return rc;
}

/* ---- allocation ----------------------------------------------------------------- */

int store_analytics_weights_load(store *s, analytics_alloc_weights *w, ics_err *e)
{
    for (int sx = 0; sx < ANALYTICS_NSEXES; sx++)
        for (int b = 0; b < ANALYTICS_NBANDS; b++) w->cost[sx][b] = NAN;
    for (int q = 0; q < 5; q++) w->quintile_need[q] = NAN;
    store_stmt *st;
    int rc = store_prepare(s, "SELECT sex, age_band, weight FROM allocation_cost_weights", &st, e);
    if (rc) return rc;
    while ((rc = store_step(st, e)) == 1) {
        int si = analytics_sex_index(store_col_text(st, 0)),
            bi = analytics_band_index(store_col_text(st, 1));
        if (si >= 0 && bi >= 0) w->cost[si][bi] = store_col_double(st, 2);
    }
    store_finalize(st);
    if (rc < 0) return rc;
    rc = store_prepare(s, "SELECT imd_quintile, weight FROM allocation_need_weights", &st, e);
    if (rc) return rc;
    while ((rc = store_step(st, e)) == 1) {
        int64_t q = store_col_int(st, 0);
        if (q >= 1 && q <= 5) w->quintile_need[q - 1] = store_col_double(st, 1);
    }
    store_finalize(st);
    if (rc < 0) return rc;
    for (int sx = 0; sx < ANALYTICS_NSEXES; sx++)
        for (int b = 0; b < ANALYTICS_NBANDS; b++)
            if (isnan(w->cost[sx][b]))
                return ics_err_set(e, ICS_EINVAL, "no cost weight for sex %s, age band %s",
                                   sx ? "F" : "M", analytics_band_names[b]);
    for (int q = 0; q < 5; q++)
        if (isnan(w->quintile_need[q]))
            return ics_err_set(e, ICS_EINVAL, "no need weight for IMD quintile %d", q + 1);
    return 0;
}

int store_analytics_current(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(s, "SELECT place_code, amount FROM allocation_current", NULL, rows, e);
}

int store_analytics_current_replace(store *s, const json_t *items, json_t **before, ics_err *e)
{
    *before = NULL;
    int rc =
        store_query_json(s, "SELECT place_code, amount FROM allocation_current ORDER BY place_code",
                         NULL, before, e);
    if (!rc) rc = store_exec(s, "DELETE FROM allocation_current", e);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (rc) break;
        json_t *p = json_pack("[sf]", json_string_value(json_object_get(it, "place_code")),
                              json_number_value(json_object_get(it, "amount")));
        rc = store_exec_params(
            s, "INSERT INTO allocation_current (place_code, amount) VALUES (?, ?)", p, e);
        json_decref(p);
    }
    return rc;
}

int store_analytics_stays(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(s,
                            "SELECT st.unit_code AS unit_code, u.name AS name, u.bed_type AS"
                            " bed_type, st.admitted_at AS admitted_at, st.discharged_at AS"
                            " discharged_at FROM bed_stays st JOIN units u ON u.unit_code ="
                            " st.unit_code WHERE st.discharged_at IS NOT NULL ORDER BY"
                            " st.unit_code",
                            NULL, rows, e);
}

int store_analytics_weights_rows(store *s, json_t **cost, json_t **need, json_t **source,
                                 ics_err *e)
{
    *cost = *need = *source = NULL;
    int rc = store_query_json(s, "SELECT sex, age_band, weight FROM allocation_cost_weights", NULL,
                              cost, e);
    if (!rc)
        rc = store_query_json(
            s, "SELECT imd_quintile, weight FROM allocation_need_weights ORDER BY imd_quintile",
            NULL, need, e);
    if (rc) {
        json_decref(*cost);
        *cost = NULL;
        return rc;
    }
    ics_err qe = {0};
    json_t *row = NULL;
    store_query_one(s, "SELECT value FROM allocation_meta WHERE key = 'weights_source'", NULL, &row,
                    &qe);
    if (row) *source = json_incref(json_object_get(row, "value"));
    json_decref(row);
    return 0;
}

int store_analytics_weights_replace(store *s, const analytics_alloc_weights *w, const char *source,
                                    ics_err *e)
{
    int rc;
    rc = store_exec(s, "DELETE FROM allocation_cost_weights; DELETE FROM allocation_need_weights;",
                    e);
    for (int sx = 0; sx < ANALYTICS_NSEXES && !rc; sx++)
        for (int b = 0; b < ANALYTICS_NBANDS && !rc; b++) {
            json_t *p = json_pack("[ssf]", sx ? "F" : "M", analytics_band_names[b], w->cost[sx][b]);
            rc = store_exec_params(
                s, "INSERT INTO allocation_cost_weights (sex, age_band, weight) VALUES (?, ?, ?)",
                p, e);
            json_decref(p);
        }
    for (int q = 0; q < 5 && !rc; q++) {
        json_t *p = json_pack("[if]", q + 1, w->quintile_need[q]);
        rc = store_exec_params(
            s, "INSERT INTO allocation_need_weights (imd_quintile, weight) VALUES (?, ?)", p, e);
        json_decref(p);
    }
    if (!rc) {
        json_t *p = json_pack("[s]", source);
        rc = store_exec_params(s, "DELETE FROM allocation_meta WHERE key = 'weights_source'", NULL,
                               e);
        if (!rc)
            rc = store_exec_params(
                s, "INSERT INTO allocation_meta (key, value) VALUES ('weights_source', ?)", p, e);
        json_decref(p);
    }
    return rc;
}

int store_analytics_run_save(store *s, int64_t at, const char *actor, const json_t *params,
                             const json_t *result, int64_t *id, ics_err *e)
{
    char *pj = json_dumps(params, JSON_COMPACT), *rj = json_dumps(result, JSON_COMPACT);
    int rc;
    if (!pj || !rj) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    } else {
        json_t *p = json_pack("[Isss]", (json_int_t)at, actor, pj, rj);
        rc = store_query_int(s,
                             "INSERT INTO allocation_runs (created_at, created_by, params_json, "
                             "result_json) VALUES (?, ?, ?, ?) RETURNING id",
                             p, 0, id, e);
        json_decref(p);
    }
    free(pj);
    free(rj);
    return rc;
}

int store_analytics_runs_json(store *s, int64_t limit, int64_t offset, json_t **out, ics_err *e)
{
    json_t *p = json_pack("[II]", (json_int_t)limit, (json_int_t)offset), *rows;
    int rc = store_query_json(s,
                              "SELECT id, created_at, created_by, params_json FROM allocation_runs "
                              "ORDER BY id DESC LIMIT ? OFFSET ?",
                              p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    int64_t total;
    if ((rc = store_query_int(s, "SELECT COUNT(*) FROM allocation_runs", NULL, 0, &total, e))) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{sosIsIsI}", "items", rows, "total", (json_int_t)total, "limit",
                     (json_int_t)limit, "offset", (json_int_t)offset);
    return 0;
}

/* ---- seed ------------------------------------------------------------------------ */

int store_analytics_seed_row(store *s, const char *kind, const json_t *row, ics_err *e)
{
    const char *sql =
        strcmp(kind, "cost") == 0
            ? "INSERT INTO allocation_cost_weights (sex, age_band, weight) VALUES (?, ?, ?)"
        : strcmp(kind, "need") == 0
            ? "INSERT INTO allocation_need_weights (imd_quintile, weight) VALUES (?, ?)"
            : "INSERT INTO allocation_current (place_code, amount) VALUES (?, ?)";
    assert(strcmp(kind, "cost") == 0 || strcmp(kind, "need") == 0 || strcmp(kind, "current") == 0);
    return store_exec_params(s, sql, (json_t *)row, e);
}

int store_analytics_source_put(store *s, const char *source, ics_err *e)
{
    json_t *p = json_pack("[s]", source);
    int rc = store_exec_params(
        s, "INSERT INTO allocation_meta (key, value) VALUES ('weights_source', ?)", p, e);
    json_decref(p);
    return rc;
}
