/* store/finance.c - the SQL of finance and governance (see finance.h):
 * the tables, keyed by ICS, and their queries in the SQLite/PostgreSQL
 * common subset. Amounts are REAL millions of pounds; months are TEXT
 * 'YYYY-MM' and days 'YYYY-MM-DD', which sort as dates on both backends. */
#include "store/finance.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
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
    {"finance", 3,
     "CREATE TABLE gov_decisions ("
     " id INTEGER PRIMARY KEY, ics TEXT NOT NULL REFERENCES ics(code), decided_on TEXT NOT NULL,"
     " title TEXT NOT NULL, forum TEXT NOT NULL, rationale TEXT NOT NULL,"
     " evidence TEXT NOT NULL DEFAULT '', options TEXT NOT NULL DEFAULT '',"
     " synthetic INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
     " created_by TEXT NOT NULL);"
     "CREATE TABLE gov_delegations ("
     " id INTEGER PRIMARY KEY, ics TEXT NOT NULL REFERENCES ics(code),"
     " holder_kind TEXT NOT NULL CHECK (holder_kind IN ('place','collaborative','provider')),"
     " holder_code TEXT NOT NULL, holder_name TEXT NOT NULL, scope TEXT NOT NULL,"
     " amount_gbp_m REAL NOT NULL CHECK (amount_gbp_m >= 0), period_from TEXT NOT NULL,"
     " period_to TEXT NOT NULL, conditions TEXT NOT NULL DEFAULT '',"
     " decision_id INTEGER REFERENCES gov_decisions(id),"
     " synthetic INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
     " created_by TEXT NOT NULL);"
     "CREATE TABLE gov_outcomes ("
     " id INTEGER PRIMARY KEY,"
     " delegation_id INTEGER NOT NULL REFERENCES gov_delegations(id) ON DELETE CASCADE,"
     " measure TEXT NOT NULL, place_code TEXT, target REAL NOT NULL,"
     " note TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, created_by TEXT NOT NULL);"
     "CREATE TABLE gov_criteria ("
     " ics TEXT NOT NULL REFERENCES ics(code), code TEXT NOT NULL, name TEXT NOT NULL,"
     " board_weight REAL NOT NULL CHECK (board_weight >= 0), position INTEGER NOT NULL,"
     " PRIMARY KEY (ics, code));"
     "CREATE TABLE gov_survey ("
     " ics TEXT NOT NULL REFERENCES ics(code), respondent TEXT NOT NULL,"
     " criterion TEXT NOT NULL, weight REAL NOT NULL CHECK (weight >= 0),"
     " synthetic INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (ics, respondent, criterion));"
     "CREATE TABLE gov_areas ("
     " id INTEGER PRIMARY KEY, ics TEXT NOT NULL REFERENCES ics(code), name TEXT NOT NULL,"
     " description TEXT NOT NULL DEFAULT '', cost_gbp_m REAL NOT NULL CHECK (cost_gbp_m >= 0),"
     " scores_json TEXT NOT NULL, synthetic INTEGER NOT NULL DEFAULT 0,"
     " created_at INTEGER NOT NULL, created_by TEXT NOT NULL);",
     NULL},
    /* a delegation's holder is a reference (a place, or an organisation by
     * its ODS code): the seeded collaborative's invented code 'CPC' becomes
     * its host organisation's; every other row is kept as it is */
    {"finance", 4,
     "UPDATE gov_delegations SET holder_code = 'RYX', holder_name = 'Community provider"
     " collaborative (CLCH, HRCH, CNWL, WLT), hosted by CLCH (synthetic)'"
     " WHERE holder_kind = 'collaborative' AND holder_code = 'CPC' AND synthetic = 1;",
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

/* ---- governance --------------------------------------------------------------- */

int store_gov_insert(store *s, const char *sql, json_t *params, int64_t *id, ics_err *e)
{
    json_t *row = NULL;
    int rc = store_query_one(s, sql, params, &row, e);
    if (!rc) *id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    return rc;
}

#define DECISION_COLS                                                                              \
    "id, decided_on, title, forum, rationale, evidence, options, synthetic, created_at,"           \
    " created_by"

int store_gov_decision_insert(store *s, const char *ics, const json_t *d, const char *by,
                              int64_t at, int64_t *id, ics_err *e)
{
    json_t *p = json_pack("[sssssssIIs]", ics, json_string_value(json_object_get(d, "decided_on")),
                          json_string_value(json_object_get(d, "title")),
                          json_string_value(json_object_get(d, "forum")),
                          json_string_value(json_object_get(d, "rationale")),
                          json_string_value(json_object_get(d, "evidence")) ?: "",
                          json_string_value(json_object_get(d, "options")) ?: "",
                          (json_int_t)json_integer_value(json_object_get(d, "synthetic")),
                          (json_int_t)at, by);
    int rc = store_gov_insert(s,
                              "INSERT INTO gov_decisions (ics, decided_on, title, forum, rationale,"
                              " evidence, options, synthetic, created_at, created_by)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              p, id, e);
    json_decref(p);
    return rc;
}

int store_gov_decisions(store *s, const char *ics, int64_t id, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[sII]", ics, (json_int_t)id, (json_int_t)id);
    int rc = store_query_json(s,
                              "SELECT " DECISION_COLS " FROM gov_decisions WHERE ics = ?"
                              " AND (? = 0 OR id = ?) ORDER BY decided_on DESC, id DESC",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_gov_decision_delete(store *s, const char *ics, int64_t id, int *changed, ics_err *e)
{
    json_t *p = json_pack("[Is]", (json_int_t)id, ics);
    int rc = store_exec_params(s,
                               "UPDATE gov_delegations SET decision_id = NULL WHERE decision_id = ?"
                               " AND ics = ?",
                               p, e);
    if (!rc) rc = store_exec_params(s, "DELETE FROM gov_decisions WHERE id = ? AND ics = ?", p, e);
    if (!rc) *changed = store_changes(s);
    json_decref(p);
    return rc;
}

int store_gov_delegation_insert(store *s, const char *ics, const json_t *d, const char *by,
                                int64_t at, int64_t *id, ics_err *e)
{
    json_t *dec = json_object_get(d, "decision_id");
    json_t *p = json_pack(
        "[sssssfsssOIIs]", ics, json_string_value(json_object_get(d, "holder_kind")),
        json_string_value(json_object_get(d, "holder_code")),
        json_string_value(json_object_get(d, "holder_name")),
        json_string_value(json_object_get(d, "scope")),
        json_number_value(json_object_get(d, "amount_gbp_m")),
        json_string_value(json_object_get(d, "period_from")),
        json_string_value(json_object_get(d, "period_to")),
        json_string_value(json_object_get(d, "conditions")) ?: "", dec ? dec : json_null(),
        (json_int_t)json_integer_value(json_object_get(d, "synthetic")), (json_int_t)at, by);
    int rc = store_gov_insert(
        s,
        "INSERT INTO gov_delegations (ics, holder_kind, holder_code, holder_name, scope,"
        " amount_gbp_m, period_from, period_to, conditions, decision_id, synthetic, created_at,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        p, id, e);
    json_decref(p);
    return rc;
}

int store_gov_delegations(store *s, const char *ics, int64_t id, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[sII]", ics, (json_int_t)id, (json_int_t)id);
    int rc = store_query_json(
        s,
        "SELECT d.id AS id, d.holder_kind AS holder_kind, d.holder_code AS holder_code,"
        " d.holder_name AS holder_name, d.scope AS scope, d.amount_gbp_m AS amount_gbp_m,"
        " d.period_from AS period_from, d.period_to AS period_to, d.conditions AS conditions,"
        " d.decision_id AS decision_id, g.title AS decision_title, d.synthetic AS synthetic,"
        " d.created_at AS created_at, d.created_by AS created_by"
        " FROM gov_delegations d LEFT JOIN gov_decisions g ON g.id = d.decision_id"
        " WHERE d.ics = ? AND (? = 0 OR d.id = ?) ORDER BY d.id",
        p, rows, e);
    json_decref(p);
    return rc;
}

int store_gov_delegation_delete(store *s, const char *ics, int64_t id, int *changed, ics_err *e)
{
    json_t *p = json_pack("[Is]", (json_int_t)id, ics);
    int rc = store_exec_params(s,
                               "DELETE FROM gov_outcomes WHERE delegation_id IN (SELECT id FROM"
                               " gov_delegations WHERE id = ? AND ics = ?)",
                               p, e);
    if (!rc)
        rc = store_exec_params(s, "DELETE FROM gov_delegations WHERE id = ? AND ics = ?", p, e);
    if (!rc) *changed = store_changes(s);
    json_decref(p);
    return rc;
}

int store_gov_outcome_insert(store *s, int64_t delegation, const char *measure, const char *place,
                             double target, const char *note, const char *by, int64_t at,
                             int64_t *id, ics_err *e)
{
    json_t *p = json_pack("[Iss?fssI]", (json_int_t)delegation, measure, place, target,
                          note ? note : "", by, (json_int_t)at);
    int rc =
        store_gov_insert(s,
                         "INSERT INTO gov_outcomes (delegation_id, measure, place_code, target,"
                         " note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                         " RETURNING id",
                         p, id, e);
    json_decref(p);
    return rc;
}

int store_gov_outcomes(store *s, const char *ics, int64_t id, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[sII]", ics, (json_int_t)id, (json_int_t)id);
    int rc = store_query_json(
        s,
        "SELECT o.id AS id, o.delegation_id AS delegation_id, o.measure AS measure,"
        " o.place_code AS place_code, o.target AS target, o.note AS note,"
        " d.holder_kind AS holder_kind, d.holder_code AS holder_code,"
        " d.holder_name AS holder_name, d.scope AS scope, d.synthetic AS synthetic"
        " FROM gov_outcomes o JOIN gov_delegations d ON d.id = o.delegation_id"
        " WHERE d.ics = ? AND (? = 0 OR o.id = ?) ORDER BY d.id, o.id",
        p, rows, e);
    json_decref(p);
    return rc;
}

int store_gov_decision_update(store *s, const char *ics, int64_t id, const json_t *d, int *changed,
                              ics_err *e)
{
    json_t *p =
        json_pack("[ssssssIs]", json_string_value(json_object_get(d, "decided_on")),
                  json_string_value(json_object_get(d, "title")),
                  json_string_value(json_object_get(d, "forum")),
                  json_string_value(json_object_get(d, "rationale")),
                  json_string_value(json_object_get(d, "evidence")) ?: "",
                  json_string_value(json_object_get(d, "options")) ?: "", (json_int_t)id, ics);
    int rc = store_exec_params(s,
                               "UPDATE gov_decisions SET decided_on = ?, title = ?, forum = ?,"
                               " rationale = ?, evidence = ?, options = ? WHERE id = ? AND ics = ?",
                               p, e);
    if (!rc) *changed = store_changes(s);
    json_decref(p);
    return rc;
}

int store_gov_delegation_update(store *s, const char *ics, int64_t id, const json_t *d,
                                int *changed, ics_err *e)
{
    json_t *dec = json_object_get(d, "decision_id");
    json_t *p = json_pack("[sssssfssOIs]", json_string_value(json_object_get(d, "holder_kind")),
                          json_string_value(json_object_get(d, "holder_code")),
                          json_string_value(json_object_get(d, "holder_name")),
                          json_string_value(json_object_get(d, "scope")),
                          json_string_value(json_object_get(d, "period_from")),
                          json_number_value(json_object_get(d, "amount_gbp_m")),
                          json_string_value(json_object_get(d, "period_to")),
                          json_string_value(json_object_get(d, "conditions")) ?: "",
                          dec ? dec : json_null(), (json_int_t)id, ics);
    int rc = store_exec_params(s,
                               "UPDATE gov_delegations SET holder_kind = ?, holder_code = ?,"
                               " holder_name = ?, scope = ?, period_from = ?, amount_gbp_m = ?,"
                               " period_to = ?, conditions = ?, decision_id = ?"
                               " WHERE id = ? AND ics = ?",
                               p, e);
    if (!rc) *changed = store_changes(s);
    json_decref(p);
    return rc;
}

int store_gov_outcome_update(store *s, const char *ics, int64_t id, const char *measure,
                             const char *place, double target, const char *note, int *changed,
                             ics_err *e)
{
    json_t *p =
        json_pack("[ss?fsIs]", measure, place, target, note ? note : "", (json_int_t)id, ics);
    int rc = store_exec_params(s,
                               "UPDATE gov_outcomes SET measure = ?, place_code = ?, target = ?,"
                               " note = ? WHERE id = ? AND delegation_id IN"
                               " (SELECT id FROM gov_delegations WHERE ics = ?)",
                               p, e);
    if (!rc) *changed = store_changes(s);
    json_decref(p);
    return rc;
}

int store_gov_holder_name(store *s, const char *ics, const char *kind, const char *code,
                          char name[256], ics_err *e)
{
    int place = strcmp(kind, "place") == 0;
    json_t *p = place ? json_pack("[ss]", code, ics) : json_pack("[s]", code);
    json_t *rows = NULL;
    int rc = store_query_json(s,
                              place ? "SELECT name FROM places WHERE code = ? AND ics_code = ?"
                                    : "SELECT name FROM organisations WHERE ods_code = ?",
                              p, &rows, e);
    json_decref(p);
    name[0] = 0;
    if (!rc && json_array_size(rows))
        snprintf(name, 256, "%s",
                 json_string_value(json_object_get(json_array_get(rows, 0), "name")) ?: "");
    json_decref(rows);
    return rc;
}

int store_gov_outcome_delete(store *s, const char *ics, int64_t id, int *changed, ics_err *e)
{
    json_t *p = json_pack("[Is]", (json_int_t)id, ics);
    int rc = store_exec_params(s,
                               "DELETE FROM gov_outcomes WHERE id = ? AND delegation_id IN"
                               " (SELECT id FROM gov_delegations WHERE ics = ?)",
                               p, e);
    if (!rc) *changed = store_changes(s);
    json_decref(p);
    return rc;
}

int store_gov_criteria(store *s, const char *ics, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[s]", ics);
    int rc = store_query_json(s,
                              "SELECT code, name, board_weight FROM gov_criteria WHERE ics = ?"
                              " ORDER BY position",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_gov_criteria_replace(store *s, const char *ics, const json_t *rows, ics_err *e)
{
    json_t *p = json_pack("[s]", ics);
    int rc = store_exec_params(s, "DELETE FROM gov_criteria WHERE ics = ?", p, e);
    json_decref(p);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (rc) break;
        p = json_pack("[sssfI]", ics, json_string_value(json_object_get(r, "code")),
                      json_string_value(json_object_get(r, "name")),
                      json_number_value(json_object_get(r, "board_weight")), (json_int_t)i);
        rc = store_exec_params(s,
                               "INSERT INTO gov_criteria (ics, code, name, board_weight, position)"
                               " VALUES (?, ?, ?, ?, ?)",
                               p, e);
        json_decref(p);
    }
    return rc;
}

int store_gov_survey(store *s, const char *ics, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[s]", ics);
    int rc = store_query_json(s,
                              "SELECT respondent, criterion, weight, synthetic FROM gov_survey"
                              " WHERE ics = ? ORDER BY respondent, criterion",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_gov_survey_replace(store *s, const char *ics, const json_t *rows, int64_t *removed,
                             ics_err *e)
{
    json_t *p = json_pack("[s]", ics);
    int rc = store_query_int(s, "SELECT COUNT(DISTINCT respondent) FROM gov_survey WHERE ics = ?",
                             p, 0, removed, e);
    if (!rc) rc = store_exec_params(s, "DELETE FROM gov_survey WHERE ics = ?", p, e);
    json_decref(p);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (rc) break;
        p = json_pack("[sssfI]", ics, json_string_value(json_object_get(r, "respondent")),
                      json_string_value(json_object_get(r, "criterion")),
                      json_number_value(json_object_get(r, "weight")),
                      (json_int_t)json_integer_value(json_object_get(r, "synthetic")));
        rc = store_exec_params(s,
                               "INSERT INTO gov_survey (ics, respondent, criterion, weight,"
                               " synthetic) VALUES (?, ?, ?, ?, ?)",
                               p, e);
        json_decref(p);
    }
    return rc;
}

int store_gov_area_insert(store *s, const char *ics, const json_t *a, const char *by, int64_t at,
                          int64_t *id, ics_err *e)
{
    char *scores = json_dumps(json_object_get(a, "scores"), JSON_COMPACT | JSON_SORT_KEYS);
    json_t *p = json_pack(
        "[sssfsIIs]", ics, json_string_value(json_object_get(a, "name")),
        json_string_value(json_object_get(a, "description")) ?: "",
        json_number_value(json_object_get(a, "cost_gbp_m")), scores ? scores : "{}",
        (json_int_t)json_integer_value(json_object_get(a, "synthetic")), (json_int_t)at, by);
    free(scores);
    int rc = store_gov_insert(s,
                              "INSERT INTO gov_areas (ics, name, description, cost_gbp_m,"
                              " scores_json, synthetic, created_at, created_by)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                              p, id, e);
    json_decref(p);
    return rc;
}

int store_gov_areas(store *s, const char *ics, int64_t id, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[sII]", ics, (json_int_t)id, (json_int_t)id);
    int rc = store_query_json(s,
                              "SELECT id, name, description, cost_gbp_m, scores_json, synthetic,"
                              " created_at, created_by FROM gov_areas WHERE ics = ?"
                              " AND (? = 0 OR id = ?) ORDER BY id",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_gov_area_delete(store *s, const char *ics, int64_t id, int *changed, ics_err *e)
{
    json_t *p = json_pack("[Is]", (json_int_t)id, ics);
    int rc = store_exec_params(s, "DELETE FROM gov_areas WHERE id = ? AND ics = ?", p, e);
    if (!rc) *changed = store_changes(s);
    json_decref(p);
    return rc;
}
