/* store/finance.c - the SQL of finance and governance (see finance.h):
 * the tables, keyed by ICS, and their queries in the SQLite/PostgreSQL
 * common subset. Amounts are REAL millions of pounds; months are TEXT
 * 'YYYY-MM' and days 'YYYY-MM-DD', which sort as dates on both backends. */
#include "store/finance.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* Two roles join the five of core v1: finance (writes budgets and
 * governance) and executive (reads them). The users table's CHECK names
 * the roles; SQLite cannot alter a CHECK, but widening one changes nothing
 * stored, so its schema text is edited in place (the procedure SQLite
 * documents for such changes, "ALTER TABLE", section 7); PostgreSQL
 * replaces the constraint. */
static int roles_v1(store *s, ics_err *e)
{
    if (strcmp(store_backend(s), "postgresql") == 0)
        return store_exec(s,
                          "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check;"
                          "ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN "
                          "('admin','coordinator','clinician','trust_ops','analyst','finance',"
                          "'executive'))",
                          e);
    int64_t v = 0;
    int rc = store_query_int(s, "PRAGMA schema_version", NULL, 0, &v, e);
    if (rc) return rc;
    char sql[160];
    snprintf(sql, sizeof sql, "PRAGMA schema_version = %lld", (long long)v + 1);
    rc = store_exec(s, "PRAGMA writable_schema = ON", e);
    if (!rc)
        rc = store_exec(s,
                        "UPDATE sqlite_schema SET sql = replace(sql, '''analyst'')', "
                        "'''analyst'',''finance'',''executive'')') "
                        "WHERE type = 'table' AND name = 'users'",
                        e);
    if (!rc) rc = store_exec(s, sql, e);
    int rc2 = store_exec(s, "PRAGMA writable_schema = OFF", e);
    return rc ? rc : rc2;
}

const store_migration store_schema_finance[] = {
    {"finance", 1, NULL, roles_v1},
    {"finance", 2,
     "CREATE TABLE fin_budgets ("
     " id INTEGER PRIMARY KEY, ics TEXT NOT NULL REFERENCES ics(code), year TEXT NOT NULL,"
     " sector TEXT NOT NULL CHECK (sector IN"
     " ('acute','community','mental_health','primary_care','other')),"
     " place_code TEXT REFERENCES places(code), provider_code TEXT,"
     " amount_gbp_m REAL NOT NULL CHECK (amount_gbp_m >= 0),"
     " synthetic INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL DEFAULT '');"
     "CREATE INDEX fin_budgets_year ON fin_budgets(ics, year);"
     "CREATE TABLE fin_provider_months ("
     " ics TEXT NOT NULL REFERENCES ics(code), provider_code TEXT NOT NULL,"
     " month TEXT NOT NULL,"
     " income_gbp_m REAL NOT NULL CHECK (income_gbp_m >= 0),"
     " expenditure_gbp_m REAL NOT NULL CHECK (expenditure_gbp_m >= 0),"
     " synthetic INTEGER NOT NULL DEFAULT 0, source TEXT NOT NULL DEFAULT '',"
     " PRIMARY KEY (ics, provider_code, month));"
     "CREATE TABLE fin_benchmarks ("
     " key TEXT PRIMARY KEY, value REAL NOT NULL, description TEXT NOT NULL,"
     " source TEXT NOT NULL);",
     NULL},
    {NULL, 0, NULL, NULL}};

int store_fin_budgets_replace(store *s, const char *ics, const char *year, const json_t *rows,
                              int64_t *removed, ics_err *e)
{
    json_t *p = json_pack("[ss]", ics, year);
    int rc = store_query_int(s, "SELECT COUNT(*) FROM fin_budgets WHERE ics = ? AND year = ?", p, 0,
                             removed, e);
    if (!rc) rc = store_exec_params(s, "DELETE FROM fin_budgets WHERE ics = ? AND year = ?", p, e);
    json_decref(p);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (rc) break;
        p = json_pack(
            "[sssOOfIs]", ics, year, json_string_value(json_object_get(r, "sector")),
            json_object_get(r, "place_code") ? json_object_get(r, "place_code") : json_null(),
            json_object_get(r, "provider_code") ? json_object_get(r, "provider_code") : json_null(),
            json_number_value(json_object_get(r, "amount_gbp_m")),
            (json_int_t)json_integer_value(json_object_get(r, "synthetic")),
            json_string_value(json_object_get(r, "source")) ?: "");
        rc = store_exec_params(s,
                               "INSERT INTO fin_budgets (ics, year, sector, place_code,"
                               " provider_code, amount_gbp_m, synthetic, source)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               p, e);
        json_decref(p);
    }
    return rc;
}

int store_fin_budgets(store *s, const char *ics, const char *year, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[ss?s?]", ics, year, year);
    int rc = store_query_json(
        s,
        "SELECT b.year AS year, b.sector AS sector, b.place_code AS place_code,"
        " pl.name AS place_name, b.provider_code AS provider_code, o.name AS provider_name,"
        " b.amount_gbp_m AS amount_gbp_m, b.synthetic AS synthetic, b.source AS source"
        " FROM fin_budgets b LEFT JOIN places pl ON pl.code = b.place_code"
        " LEFT JOIN organisations o ON o.ods_code = b.provider_code"
        " WHERE b.ics = ? AND (? IS NULL OR b.year = ?)"
        " ORDER BY b.year, b.sector, b.place_code, b.provider_code, b.id",
        p, rows, e);
    json_decref(p);
    return rc;
}

int store_fin_years(store *s, const char *ics, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[s]", ics);
    int rc = store_query_json(
        s, "SELECT DISTINCT year FROM fin_budgets WHERE ics = ? ORDER BY year DESC", p, rows, e);
    json_decref(p);
    return rc;
}

int store_fin_by_sector(store *s, const char *ics, const char *year, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[ss]", ics, year);
    int rc = store_query_json(s,
                              "SELECT sector, SUM(amount_gbp_m) AS amount_gbp_m,"
                              " MAX(synthetic) AS synthetic FROM fin_budgets"
                              " WHERE ics = ? AND year = ? GROUP BY sector ORDER BY sector",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_fin_by_place(store *s, const char *ics, const char *year, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[ss]", ics, year);
    int rc = store_query_json(
        s,
        "SELECT b.place_code AS place_code, MAX(pl.name) AS place_name,"
        " SUM(b.amount_gbp_m) AS amount_gbp_m, MAX(b.synthetic) AS synthetic"
        " FROM fin_budgets b JOIN places pl ON pl.code = b.place_code"
        " WHERE b.ics = ? AND b.year = ? GROUP BY b.place_code ORDER BY b.place_code",
        p, rows, e);
    json_decref(p);
    return rc;
}

int store_fin_provider_months_replace(store *s, const char *ics, const char *from_month,
                                      const char *to_month, const json_t *rows, int64_t *removed,
                                      ics_err *e)
{
    json_t *p = json_pack("[sss]", ics, from_month, to_month);
    int rc = store_query_int(s,
                             "SELECT COUNT(*) FROM fin_provider_months WHERE ics = ?"
                             " AND month >= ? AND month <= ?",
                             p, 0, removed, e);
    if (!rc)
        rc = store_exec_params(s,
                               "DELETE FROM fin_provider_months WHERE ics = ? AND month >= ?"
                               " AND month <= ?",
                               p, e);
    json_decref(p);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (rc) break;
        p = json_pack("[sssffIs]", ics, json_string_value(json_object_get(r, "provider_code")),
                      json_string_value(json_object_get(r, "month")),
                      json_number_value(json_object_get(r, "income_gbp_m")),
                      json_number_value(json_object_get(r, "expenditure_gbp_m")),
                      (json_int_t)json_integer_value(json_object_get(r, "synthetic")),
                      json_string_value(json_object_get(r, "source")) ?: "");
        rc = store_exec_params(s,
                               "INSERT INTO fin_provider_months (ics, provider_code, month,"
                               " income_gbp_m, expenditure_gbp_m, synthetic, source)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)",
                               p, e);
        json_decref(p);
    }
    return rc;
}

int store_fin_provider_months(store *s, const char *ics, const char *from, const char *to,
                              json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[ss?s?s?s?]", ics, from, from, to, to);
    int rc = store_query_json(
        s,
        "SELECT m.provider_code AS provider_code, o.name AS provider_name, m.month AS month,"
        " m.income_gbp_m AS income_gbp_m, m.expenditure_gbp_m AS expenditure_gbp_m,"
        " m.synthetic AS synthetic, m.source AS source"
        " FROM fin_provider_months m LEFT JOIN organisations o ON o.ods_code = m.provider_code"
        " WHERE m.ics = ? AND (? IS NULL OR m.month >= ?) AND (? IS NULL OR m.month <= ?)"
        " ORDER BY m.provider_code, m.month",
        p, rows, e);
    json_decref(p);
    return rc;
}

int store_fin_provider_totals(store *s, const char *ics, const char *from, const char *to,
                              json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[ss?s?s?s?]", ics, from, from, to, to);
    int rc = store_query_json(
        s,
        "SELECT m.provider_code AS provider_code, MAX(o.name) AS provider_name,"
        " COUNT(*) AS months, SUM(m.income_gbp_m) AS income_gbp_m,"
        " SUM(m.expenditure_gbp_m) AS expenditure_gbp_m, MAX(m.synthetic) AS synthetic"
        " FROM fin_provider_months m LEFT JOIN organisations o ON o.ods_code = m.provider_code"
        " WHERE m.ics = ? AND (? IS NULL OR m.month >= ?) AND (? IS NULL OR m.month <= ?)"
        " GROUP BY m.provider_code ORDER BY m.provider_code",
        p, rows, e);
    json_decref(p);
    return rc;
}

int store_fin_benchmarks(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(
        s, "SELECT key, value, description, source FROM fin_benchmarks ORDER BY key", NULL, rows,
        e);
}

int store_fin_benchmark_put(store *s, const char *key, double value, const char *description,
                            const char *source, ics_err *e)
{
    json_t *p = json_pack("[sfss]", key, value, description, source);
    int rc = store_exec_params(s,
                               "INSERT INTO fin_benchmarks (key, value, description, source)"
                               " VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
                               " value = excluded.value, description = excluded.description,"
                               " source = excluded.source",
                               p, e);
    json_decref(p);
    return rc;
}

static int exists(store *s, const char *sql, const char *code, int *yes, ics_err *e)
{
    json_t *p = json_pack("[s]", code);
    int64_t n = 0;
    int rc = store_query_int(s, sql, p, 0, &n, e);
    json_decref(p);
    *yes = n > 0;
    return rc;
}

int store_fin_org_exists(store *s, const char *code, int *yes, ics_err *e)
{
    return exists(s, "SELECT COUNT(*) FROM organisations WHERE ods_code = ?", code, yes, e);
}

int store_fin_place_exists(store *s, const char *ics, const char *code, int *yes, ics_err *e)
{
    json_t *p = json_pack("[ss]", code, ics);
    int64_t n = 0;
    int rc = store_query_int(s, "SELECT COUNT(*) FROM places WHERE code = ? AND ics_code = ?", p, 0,
                             &n, e);
    json_decref(p);
    *yes = n > 0;
    return rc;
}
