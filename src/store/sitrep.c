/* store/sitrep.c - the sitrep tables and every query the module runs,
 * SQL only: versioned submissions (a repeat for the same provider-day is a
 * new version; only the newest is current, all are kept), OPEL thresholds
 * as rows an ICS can replace, the providers that submit, and mutual-aid
 * requests, offers (one open offer per organisation per request) and their
 * history. Scoring and checks are in src/app/sitrep.c. */
#include "store/sitrep.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* Version 3: instants as INTEGER seconds (they were ISO 8601 text). */
static int sitrep_v3(store *s, ics_err *e)
{
    int rc = store_migrate_instants(s, "sitrep_submissions", "submitted_at!", e);
    if (!rc) rc = store_migrate_instants(s, "sitrep_aid_requests", "created_at!,updated_at!", e);
    if (!rc) rc = store_migrate_instants(s, "sitrep_aid_offers", "created_at!", e);
    if (!rc) rc = store_migrate_instants(s, "sitrep_aid_events", "at!", e);
    return rc;
}

const store_migration store_schema_sitrep[] = {
    {"sitrep", 1,
     "CREATE TABLE sitrep_submissions ("
     " id INTEGER PRIMARY KEY,"
     " org_code TEXT NOT NULL, trust_code TEXT NOT NULL, kind TEXT NOT NULL,"
     " day TEXT NOT NULL, version INTEGER NOT NULL CHECK (version >= 1),"
     " is_current INTEGER NOT NULL,"
     " fields_json TEXT NOT NULL, params_json TEXT NOT NULL, drivers_json TEXT NOT NULL,"
     " declared_level INTEGER, reason TEXT,"
     " level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4), level_computed INTEGER,"
     " level_source TEXT NOT NULL, score REAL, score_min REAL, score_max REAL,"
     " beds REAL NOT NULL, source TEXT NOT NULL,"
     " submitted_at TEXT NOT NULL, submitted_by TEXT NOT NULL,"
     " UNIQUE (org_code, day, version));"
     "CREATE INDEX sitrep_submissions_day ON sitrep_submissions(day, is_current);"
     "CREATE INDEX sitrep_submissions_trust ON sitrep_submissions(trust_code, day);"
     "CREATE TABLE sitrep_thresholds ("
     " kind TEXT NOT NULL, parameter TEXT NOT NULL, direction TEXT NOT NULL,"
     " band2_from REAL NOT NULL, band3_from REAL NOT NULL, band4_from REAL NOT NULL,"
     " points1 REAL NOT NULL, points2 REAL NOT NULL, points3 REAL NOT NULL,"
     " points4 REAL NOT NULL, weight REAL NOT NULL, PRIMARY KEY (kind, parameter));"
     "CREATE TABLE sitrep_levels ("
     " kind TEXT PRIMARY KEY, opel1_max REAL NOT NULL, opel2_max REAL NOT NULL,"
     " opel3_max REAL NOT NULL);"
     "CREATE TABLE sitrep_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
     "CREATE TABLE sitrep_aid_requests ("
     " id INTEGER PRIMARY KEY, org_code TEXT NOT NULL, resource TEXT NOT NULL,"
     " detail TEXT NOT NULL, quantity INTEGER NOT NULL CHECK (quantity >= 1),"
     " date_from TEXT NOT NULL, date_to TEXT NOT NULL, urgency TEXT NOT NULL, note TEXT,"
     " state TEXT NOT NULL CHECK (state IN ('open','offered','agreed','fulfilled','withdrawn')),"
     " agreed_offer_id INTEGER, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
     " updated_at TEXT NOT NULL);"
     "CREATE TABLE sitrep_aid_offers ("
     " id INTEGER PRIMARY KEY,"
     " request_id INTEGER NOT NULL REFERENCES sitrep_aid_requests(id),"
     " org_code TEXT NOT NULL, quantity INTEGER NOT NULL CHECK (quantity >= 1), note TEXT,"
     " state TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL);"
     "CREATE INDEX sitrep_aid_offers_request ON sitrep_aid_offers(request_id);"
     "CREATE TABLE sitrep_aid_events ("
     " id INTEGER PRIMARY KEY,"
     " request_id INTEGER NOT NULL REFERENCES sitrep_aid_requests(id),"
     " action TEXT NOT NULL, state TEXT NOT NULL, actor TEXT NOT NULL, org_code TEXT,"
     " note TEXT, at TEXT NOT NULL);",
     NULL},
    /* one open offer per organisation per request (issue 19): earlier
     * duplicates are kept, marked so, and the index holds from now on */
    {"sitrep", 2,
     "UPDATE sitrep_aid_offers SET state = 'duplicate' WHERE state = 'offered' AND id NOT IN"
     " (SELECT MIN(id) FROM sitrep_aid_offers WHERE state = 'offered'"
     " GROUP BY request_id, org_code);"
     "CREATE UNIQUE INDEX sitrep_aid_offers_open ON sitrep_aid_offers(request_id, org_code)"
     " WHERE state = 'offered';",
     NULL},
    {"sitrep", 3, NULL, sitrep_v3},
    /* escalation actions (issue 14): definitions per ICS, loaded as a set
     * (a reload retires the old ones, which the checklists of past days
     * still point at), the checklist of a day with who owns each item and
     * whether it is done, and the notes people add */
    {"sitrep", 4,
     "CREATE TABLE sitrep_action_defs ("
     " id INTEGER PRIMARY KEY, ics_code TEXT NOT NULL, pillar TEXT NOT NULL,"
     " level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4), action TEXT NOT NULL,"
     " owner_role TEXT NOT NULL, owner_org TEXT, position INTEGER NOT NULL,"
     " active INTEGER NOT NULL, source TEXT NOT NULL);"
     "CREATE INDEX sitrep_action_defs_ics ON sitrep_action_defs(ics_code, active);"
     "CREATE TABLE sitrep_actions ("
     " id INTEGER PRIMARY KEY, ics_code TEXT NOT NULL, day TEXT NOT NULL,"
     " def_id INTEGER NOT NULL REFERENCES sitrep_action_defs(id),"
     " pillar TEXT NOT NULL, level INTEGER NOT NULL, action TEXT NOT NULL,"
     " owner_role TEXT NOT NULL, owner_org TEXT, reason TEXT NOT NULL,"
     " opened_at INTEGER NOT NULL, assignee TEXT, assigned_at INTEGER, assigned_by TEXT,"
     " done_at INTEGER, done_by TEXT, UNIQUE (ics_code, day, def_id));"
     "CREATE TABLE sitrep_action_notes ("
     " id INTEGER PRIMARY KEY, action_id INTEGER NOT NULL REFERENCES sitrep_actions(id),"
     " at INTEGER NOT NULL, by_user TEXT NOT NULL, text TEXT NOT NULL);"
     "CREATE INDEX sitrep_action_notes_action ON sitrep_action_notes(action_id);",
     NULL},
    {NULL, 0, NULL, NULL}};

#define SUBMITTING_KINDS "('acute','specialist','community','mental_health','ambulance','nhs111')"

/* store_query_json with its parameters p, which it frees. */
static int rows_of(store *s, const char *sql, json_t *p, json_t **rows, ics_err *e)
{
    int rc = store_query_json(s, sql, p, rows, e);
    json_decref(p);
    return rc;
}

/* ---- providers ---------------------------------------------------------- */

int store_sitrep_provider_find(store *s, const char *code, store_sitrep_provider *out, ics_err *e)
{
    assert(code && out);
    memset(out, 0, sizeof *out);
    json_t *row = NULL, *p = json_pack("[ss]", code, code);
    ics_err qe = {0};
    int rc = store_query_one(s,
                             "SELECT ods_code AS code, ods_code AS trust, name, kind, 0 AS is_site"
                             " FROM organisations WHERE ods_code = ?"
                             " UNION ALL SELECT s.site_code, s.org_code, s.name, s.kind, 1"
                             " FROM sites s WHERE s.site_code = ?",
                             p, &row, &qe);
    json_decref(p);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "unknown organisation or site '%s'", code);
    if (rc) {
        if (e) *e = qe;
        return rc;
    }
    const char *kind = json_string_value(json_object_get(row, "kind"));
    snprintf(out->code, sizeof out->code, "%s", json_string_value(json_object_get(row, "code")));
    snprintf(out->trust, sizeof out->trust, "%s", json_string_value(json_object_get(row, "trust")));
    snprintf(out->name, sizeof out->name, "%s", json_string_value(json_object_get(row, "name")));
    snprintf(out->kind, sizeof out->kind, "%s", kind ? kind : "");
    out->is_site = (int)json_integer_value(json_object_get(row, "is_site"));
    json_decref(row);
    return 0;
}

/* An organisation in ICS ?: its primary ICS or one it works in (three
 * parameters, each the ICS or NULL for every ICS). */
#define IN_ICS(o)                                                                                  \
    " (? IS NULL OR " o ".ics_code = ? OR " o ".ods_code IN"                                       \
    " (SELECT m.org_code FROM org_ics m WHERE m.ics_code = ?))"

static json_t *ics3(const char *ics)
{
    return ics ? json_pack("[sss]", ics, ics, ics) : json_pack("[nnn]");
}

int store_sitrep_submitters(store *s, const char *ics, json_t **rows, ics_err *e)
{
    json_t *p = ics3(ics);
    int rc = store_query_json(
        s,
        "SELECT o.ods_code, o.name, o.kind FROM organisations o WHERE o.kind IN " SUBMITTING_KINDS
        " AND" IN_ICS("o") " ORDER BY CASE o.kind WHEN 'acute' THEN 1"
                           " WHEN 'specialist' THEN 2 WHEN 'community' THEN 3"
                           " WHEN 'mental_health' THEN 4 WHEN 'nhs111' THEN 5 ELSE 6 END,"
                           " o.ods_code",
        p, rows, e);
    json_decref(p);
    return rc;
}

int store_sitrep_synth_candidates(store *s, const char *ics, json_t **rows, ics_err *e)
{
    json_t *p = json_array(), *one = ics3(ics);
    json_array_extend(p, one); /* the condition is used twice */
    json_array_extend(p, one);
    json_decref(one);
    /* sorted by code: a trust's sites follow it and each other */
    int rc = store_query_json(
        s,
        "SELECT code, kind FROM (SELECT o.ods_code AS code, o.kind"
        " FROM organisations o WHERE o.kind IN " SUBMITTING_KINDS " AND" IN_ICS(
            "o") " UNION ALL SELECT t.site_code AS code,"
                 " 'acute' AS kind FROM sites t"
                 " JOIN organisations o ON o.ods_code = t.org_code"
                 " WHERE t.kind = 'acute' AND o.kind = 'acute' AND" IN_ICS("o") ") x ORDER BY code",
        p, rows, e);
    json_decref(p);
    return rc;
}

/* ---- thresholds --------------------------------------------------------- */

int store_sitrep_thresholds_rows(store *s, json_t **rules, json_t **levels, ics_err *e)
{
    *rules = *levels = NULL;
    int rc = store_query_json(s,
                              "SELECT kind, parameter, direction, band2_from, band3_from,"
                              " band4_from, points1, points2, points3, points4, weight"
                              " FROM sitrep_thresholds ORDER BY kind, parameter",
                              NULL, rules, e);
    if (!rc)
        rc = store_query_json(s,
                              "SELECT kind, opel1_max, opel2_max, opel3_max FROM sitrep_levels"
                              " ORDER BY kind",
                              NULL, levels, e);
    if (rc) {
        json_decref(*rules);
        *rules = NULL;
    }
    return rc;
}

int store_sitrep_thresholds_replace(store *s, const json_t *rules, const json_t *levels,
                                    const char *source, ics_err *e)
{
    assert(store_tx_depth(s) > 0); /* all rows or none */
    int rc = store_exec(s, "DELETE FROM sitrep_thresholds; DELETE FROM sitrep_levels", e);
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r)
    {
        if (rc) break;
        json_t *p = json_pack("[OOOOOOOOOOO]", json_object_get(r, "kind"),
                              json_object_get(r, "parameter"), json_object_get(r, "direction"),
                              json_object_get(r, "band2_from"), json_object_get(r, "band3_from"),
                              json_object_get(r, "band4_from"), json_object_get(r, "points1"),
                              json_object_get(r, "points2"), json_object_get(r, "points3"),
                              json_object_get(r, "points4"), json_object_get(r, "weight"));
        rc = p ? store_exec_params(s,
                                   "INSERT INTO sitrep_thresholds (kind, parameter, direction,"
                                   " band2_from, band3_from, band4_from, points1, points2,"
                                   " points3, points4, weight)"
                                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                   p, e)
               : ics_err_set(e, ICS_EINTERNAL, "threshold rule %zu is incomplete", i);
        json_decref(p);
    }
    json_array_foreach(levels, i, r)
    {
        if (rc) break;
        json_t *p = json_pack("[OOOO]", json_object_get(r, "kind"), json_object_get(r, "opel1_max"),
                              json_object_get(r, "opel2_max"), json_object_get(r, "opel3_max"));
        rc = p ? store_exec_params(s,
                                   "INSERT INTO sitrep_levels (kind, opel1_max, opel2_max,"
                                   " opel3_max) VALUES (?, ?, ?, ?)",
                                   p, e)
               : ics_err_set(e, ICS_EINTERNAL, "level row %zu is incomplete", i);
        json_decref(p);
    }
    if (!rc)
        rc = store_exec_params(s, "DELETE FROM sitrep_meta WHERE key = 'thresholds_source'", NULL,
                               e);
    if (!rc) {
        json_t *p = json_pack("[s]", source ? source : "");
        rc = store_exec_params(
            s, "INSERT INTO sitrep_meta (key, value) VALUES ('thresholds_source', ?)", p, e);
        json_decref(p);
    }
    return rc;
}

json_t *store_sitrep_thresholds_source(store *s)
{
    json_t *row = NULL;
    ics_err e = {0};
    if (store_query_one(s, "SELECT value FROM sitrep_meta WHERE key = 'thresholds_source'", NULL,
                        &row, &e))
        return json_null();
    json_t *v = json_incref(json_object_get(row, "value"));
    json_decref(row);
    return v ? v : json_null();
}

/* ---- submissions -------------------------------------------------------- */

#define ROW_COLS                                                                                   \
    "id, org_code AS org, trust_code AS trust, kind, day, version, is_current, level,"             \
    " level_source, level_computed, score, score_min, score_max, declared_level, reason, beds,"    \
    " source, submitted_at, submitted_by, fields_json, params_json, drivers_json"

int store_sitrep_insert(store *s, const store_sitrep_row *r, int64_t *version, json_t **row,
                        ics_err *e)
{
    assert(store_tx_depth(s) > 0); /* the version number and the insert go together */
    json_t *p = json_pack("[ss]", r->org, r->day);
    int64_t v = 0;
    int rc = store_query_int(s,
                             "SELECT COALESCE(MAX(version), 0) + 1 FROM"
                             " sitrep_submissions WHERE org_code = ? AND day = ?",
                             p, -1, &v, e);
    if (!rc)
        rc = store_exec_params(s,
                               "UPDATE sitrep_submissions SET is_current = 0"
                               " WHERE org_code = ? AND day = ?",
                               p, e);
    json_decref(p);
    if (rc) return rc;
    store_stmt *st;
    rc = store_prepare(s,
                       "INSERT INTO sitrep_submissions (org_code, trust_code, kind, day, version,"
                       " is_current, fields_json, params_json, drivers_json, declared_level,"
                       " reason, level, level_computed, level_source, score, score_min,"
                       " score_max, beds, source, submitted_at, submitted_by)"
                       " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                       " RETURNING id",
                       &st, e);
    if (rc) return rc;
    int i = 1;
    store_bind_text(st, i++, r->org);
    store_bind_text(st, i++, r->trust);
    store_bind_text(st, i++, r->kind);
    store_bind_text(st, i++, r->day);
    store_bind_int(st, i++, v);
    store_bind_json(st, i++, r->fields);
    store_bind_json(st, i++, r->params);
    store_bind_json(st, i++, r->drivers);
    if (r->declared_level) {
        store_bind_int(st, i++, r->declared_level);
        store_bind_text(st, i++, r->reason);
    } else {
        store_bind_null(st, i++);
        store_bind_null(st, i++);
    }
    store_bind_int(st, i++, r->level);
    if (r->computed) {
        store_bind_int(st, i++, r->level_computed);
        store_bind_text(st, i++, r->level_source);
        store_bind_double(st, i++, r->score);
        store_bind_double(st, i++, r->score_min);
        store_bind_double(st, i++, r->score_max);
    } else {
        store_bind_null(st, i++);
        store_bind_text(st, i++, r->level_source);
        store_bind_null(st, i++);
        store_bind_null(st, i++);
        store_bind_null(st, i++);
    }
    store_bind_double(st, i++, r->beds);
    store_bind_text(st, i++, r->source);
    store_bind_int(st, i++, r->at);
    store_bind_text(st, i++, r->by);
    rc = store_step(st, e);
    int64_t id = rc == 1 ? store_col_int(st, 0) : 0;
    store_finalize(st);
    if (rc < 0) return rc;
    if (version) *version = v;
    if (!row) return 0;
    p = json_pack("[I]", (json_int_t)id);
    rc = store_query_one(s, "SELECT " ROW_COLS " FROM sitrep_submissions WHERE id = ?", p, row, e);
    json_decref(p);
    return rc;
}

int store_sitrep_current(store *s, const char *from, const char *to, json_t **rows, ics_err *e)
{
    return rows_of(s,
                   "SELECT " ROW_COLS " FROM sitrep_submissions WHERE is_current = 1"
                   " AND day >= ? AND day <= ? ORDER BY org_code, day",
                   json_pack("[ss]", from, to), rows, e);
}

int store_sitrep_current_levels(store *s, const char *from, const char *to, json_t **rows,
                                ics_err *e)
{
    return rows_of(s,
                   "SELECT org_code AS org, kind, day, level, beds, declared_level, reason,"
                   " CASE WHEN length(org_code) = 5 THEN fields_json END AS fields_json"
                   " FROM sitrep_submissions WHERE is_current = 1 AND day >= ? AND day <= ?"
                   " ORDER BY org_code, day",
                   json_pack("[ss]", from, to), rows, e);
}

int store_sitrep_history(store *s, const char *org, const char *from, const char *to, json_t **rows,
                         ics_err *e)
{
    return rows_of(s,
                   "SELECT day, version, level, level_source, level_computed, score,"
                   " declared_level, reason, source, params_json"
                   " FROM sitrep_submissions WHERE org_code = ? AND is_current = 1"
                   " AND day >= ? AND day <= ? ORDER BY day",
                   json_pack("[sss]", org, from, to), rows, e);
}

int store_sitrep_versions(store *s, const char *org, const char *day, json_t **rows, ics_err *e)
{
    return rows_of(s,
                   "SELECT " ROW_COLS " FROM sitrep_submissions WHERE org_code = ?"
                   " AND day = ? ORDER BY version DESC",
                   json_pack("[ss]", org, day), rows, e);
}

int store_sitrep_level_in_force(store *s, const char *org, const char *day, int *level, ics_err *e)
{
    json_t *p = json_pack("[ss]", org, day), *row = NULL;
    *level = 0;
    int rc = store_query_one(s,
                             "SELECT level FROM sitrep_submissions WHERE org_code = ?"
                             " AND is_current = 1 AND day <= ? ORDER BY day DESC LIMIT 1",
                             p, &row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) {
        if (e) *e = (ics_err){0};
        return 0;
    }
    if (!rc) *level = (int)json_integer_value(json_object_get(row, "level"));
    json_decref(row);
    return rc;
}

int store_sitrep_latest(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(
        s,
        "SELECT s.org_code AS org, o.name, s.kind, s.day, s.level, s.score, s.score_min,"
        " s.score_max, s.fields_json,"
        " (SELECT lat FROM sites WHERE org_code = o.ods_code ORDER BY site_code LIMIT 1) AS lat,"
        " (SELECT lon FROM sites WHERE org_code = o.ods_code ORDER BY site_code LIMIT 1) AS lon"
        " FROM sitrep_submissions s JOIN organisations o ON o.ods_code = s.org_code"
        " WHERE s.is_current = 1 AND s.day = (SELECT MAX(day) FROM sitrep_submissions x"
        " WHERE x.org_code = s.org_code AND x.is_current = 1) ORDER BY s.org_code",
        NULL, rows, e);
}

int store_sitrep_position(store *s, const char *org, json_t **row, ics_err *e)
{
    json_t *p = json_pack("[s]", org);
    int rc = store_query_one(s,
                             "SELECT lat, lon FROM sites WHERE org_code = substr(?, 1, 3)"
                             " ORDER BY site_code LIMIT 1",
                             p, row, e);
    json_decref(p);
    return rc;
}

/* ---- mutual aid --------------------------------------------------------- */

#define AID_COLS                                                                                   \
    "r.id, r.org_code AS org, o.name AS org_name, r.resource, r.detail, r.quantity,"               \
    " r.date_from, r.date_to, r.urgency, r.note, r.state, r.agreed_offer_id, r.created_at,"        \
    " r.created_by, r.updated_at"

int store_sitrep_aid_insert(store *s, const store_sitrep_aid_new *r, int64_t *id, ics_err *e)
{
    json_t *p = json_pack("[sssissss?sIsI]", r->org, r->resource, r->detail, r->quantity,
                          r->date_from, r->date_to, r->urgency, r->note, "open", (json_int_t)r->at,
                          r->by, (json_int_t)r->at);
    int rc = store_query_int(s,
                             "INSERT INTO sitrep_aid_requests (org_code, resource, detail,"
                             " quantity, date_from, date_to, urgency, note, state, created_at,"
                             " created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                             " ?, ?) RETURNING id",
                             p, 0, id, e);
    json_decref(p);
    return rc;
}

int store_sitrep_aid_get(store *s, int64_t id, json_t **out, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)id), *offers = NULL, *events = NULL;
    *out = NULL;
    int rc = store_query_one(s,
                             "SELECT " AID_COLS " FROM sitrep_aid_requests r"
                             " LEFT JOIN organisations o ON o.ods_code = r.org_code"
                             " WHERE r.id = ?",
                             p, out, e);
    if (rc == ICS_ENOTFOUND)
        rc = ics_err_set(e, ICS_ENOTFOUND, "no mutual-aid request %lld", (long long)id);
    if (!rc)
        rc = store_query_json(s,
                              "SELECT f.id, f.org_code AS org, o.name AS org_name, f.quantity,"
                              " f.note, f.state, f.created_at, f.created_by"
                              " FROM sitrep_aid_offers f"
                              " LEFT JOIN organisations o ON o.ods_code = f.org_code"
                              " WHERE f.request_id = ? ORDER BY f.id",
                              p, &offers, e);
    if (!rc)
        rc = store_query_json(s,
                              "SELECT action, state, actor, org_code AS org, note, at"
                              " FROM sitrep_aid_events WHERE request_id = ? ORDER BY id",
                              p, &events, e);
    json_decref(p);
    if (rc) {
        json_decref(*out);
        json_decref(offers);
        *out = NULL;
        return rc;
    }
    json_object_set_new(*out, "offers", offers);
    json_object_set_new(*out, "events", events);
    return 0;
}

int store_sitrep_aid_list(store *s, const char *state, json_t **rows, ics_err *e)
{
    /* LIKE '%' for no state filter: "? IS NULL" leaves the parameter untyped in PostgreSQL */
    return rows_of(s,
                   "SELECT " AID_COLS
                   ", (SELECT COUNT(*) FROM sitrep_aid_offers f WHERE f.request_id ="
                   " r.id) AS offers, COALESCE((SELECT ',' || group_concat(f.org_code,"
                   " ',') || ',' FROM sitrep_aid_offers f WHERE f.request_id = r.id),"
                   " '') AS parties FROM sitrep_aid_requests r"
                   " LEFT JOIN organisations o ON o.ods_code = r.org_code"
                   " WHERE r.state LIKE ? ORDER BY r.id DESC",
                   json_pack("[s]", state ? state : "%"), rows, e);
}

int store_sitrep_aid_offer_insert(store *s, int64_t id, const char *org, int quantity,
                                  const char *note, int64_t at, const char *by, int64_t *offer_id,
                                  ics_err *e)
{
    json_t *p =
        json_pack("[Isis?sIs]", (json_int_t)id, org, quantity, note, "offered", (json_int_t)at, by);
    int64_t oid = 0;
    int rc = store_query_int(s,
                             "INSERT INTO sitrep_aid_offers (request_id, org_code, quantity,"
                             " note, state, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)"
                             " RETURNING id",
                             p, 0, &oid, e);
    json_decref(p);
    if (rc == ICS_ECONFLICT)
        return ics_err_set(e, ICS_ECONFLICT, "%s already has an open offer on request %lld", org,
                           (long long)id);
    if (!rc && offer_id) *offer_id = oid;
    return rc;
}

int store_sitrep_aid_open_offer(store *s, int64_t id, const char *org, int64_t *offer_id,
                                ics_err *e)
{
    json_t *p = json_pack("[Is]", (json_int_t)id, org);
    int rc = store_query_int(s,
                             "SELECT id FROM sitrep_aid_offers WHERE request_id = ?"
                             " AND org_code = ? AND state = 'offered'",
                             p, 0, offer_id, e);
    json_decref(p);
    return rc;
}

int store_sitrep_aid_agree(store *s, int64_t id, int64_t offer_id, ics_err *e)
{
    json_t *p = json_pack("[II]", (json_int_t)offer_id, (json_int_t)id);
    int rc = store_exec_params(s,
                               "UPDATE sitrep_aid_offers SET state = CASE WHEN id = ? THEN"
                               " 'agreed' ELSE 'declined' END WHERE request_id = ?",
                               p, e);
    if (!rc)
        rc = store_exec_params(s, "UPDATE sitrep_aid_requests SET agreed_offer_id = ? WHERE id = ?",
                               p, e);
    json_decref(p);
    return rc;
}

int store_sitrep_aid_step(store *s, int64_t id, const char *action, const char *state,
                          const char *actor, const char *org, const char *note, int64_t at,
                          ics_err *e)
{
    json_t *p =
        json_pack("[Issss?s?I]", (json_int_t)id, action, state, actor, org, note, (json_int_t)at);
    int rc = store_exec_params(s,
                               "INSERT INTO sitrep_aid_events (request_id, action, state, actor,"
                               " org_code, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               p, e);
    json_decref(p);
    if (!rc) {
        p = json_pack("[sII]", state, (json_int_t)at, (json_int_t)id);
        rc = store_exec_params(s,
                               "UPDATE sitrep_aid_requests SET state = ?, updated_at = ?"
                               " WHERE id = ?",
                               p, e);
        json_decref(p);
    }
    return rc;
}
