/* store/sitrep.c - the sitrep tables and every query the module runs:
 * versioned submissions (a repeat for the same provider-day is a new
 * version; only the newest is current, all are kept), OPEL thresholds as
 * rows an ICS can replace, the daily call view and provider history built
 * from stored rows with the sitrep engine, CSV import, the synthetic seed,
 * and mutual-aid requests, offers and their lifecycle events. */
#include "store/sitrep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/sb.h"
#include "core/tz.h"

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
     " note TEXT, at TEXT NOT NULL);"},
    {NULL, 0, NULL}};

#define SUBMITTING_KINDS "('acute','specialist','community','mental_health','ambulance')"

static void now_utc(char buf[32])
{
    tz_format_utc(tz_now(), buf, 32);
}

/* Append "; "-separated problems. */
static void add_problem(sb *b, int *n, const char *msg)
{
    if ((*n)++) sb_puts(b, "; ");
    sb_puts(b, msg);
}

static int problems_done(sb *b, int n, ics_err *e)
{
    int rc = n ? ics_err_set(e, ICS_EINVAL, "%s", b->buf ? b->buf : "invalid") : 0;
    sb_free(b);
    return rc;
}

static const char *str_member(const json_t *body, const char *k, sb *b, int *n);
static int unknown_members(const json_t *body, const char *const *known, sb *b, int *n);

/* ---- providers ---------------------------------------------------------- */

int store_sitrep_provider_find(store *s, const char *code, store_sitrep_provider *out, ics_err *e)
{
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
        return ics_err_set(e, ICS_EINVAL, "unknown organisation or site '%s'", code);
    if (rc) {
        if (e) *e = qe;
        return rc;
    }
    const char *kind = json_string_value(json_object_get(row, "kind"));
    snprintf(out->code, sizeof out->code, "%s", json_string_value(json_object_get(row, "code")));
    snprintf(out->trust, sizeof out->trust, "%s", json_string_value(json_object_get(row, "trust")));
    snprintf(out->name, sizeof out->name, "%s", json_string_value(json_object_get(row, "name")));
    out->is_site = (int)json_integer_value(json_object_get(row, "is_site"));
    out->kind = sitrep_kind_find(kind);
    rc = 0;
    if (out->kind < 0)
        rc = ics_err_set(e, ICS_EINVAL, "'%s' (%s) is of kind '%s', which submits no sitrep", code,
                         out->name, kind ? kind : "?");
    json_decref(row);
    return rc;
}

/* ---- JSON forms --------------------------------------------------------- */

static json_t *fields_json(const sitrep_values *v)
{
    json_t *o = json_object();
    for (int f = 0; f < SITREP_NFIELDS; f++) {
        if (!v->has[f]) continue;
        const sitrep_field_def *d = sitrep_field(f);
        json_object_set_new(o, d->name,
                            d->is_int ? json_integer((json_int_t)llround(v->v[f]))
                                      : json_real(v->v[f]));
    }
    return o;
}

static json_t *params_json(const sitrep_submission *sub)
{
    json_t *o = json_object();
    for (int p = 0; p < SITREP_NPARAMS; p++) {
        double x;
        if (sitrep_param_value(sub, p, &x))
            json_object_set_new(o, sitrep_param_name(p), json_real(round(x * 100) / 100));
    }
    return o;
}

static json_t *drivers_json(const sitrep_score *sc)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sc->ndrivers; i++) {
        const sitrep_driver *d = &sc->drivers[i];
        json_array_append_new(
            a,
            json_pack("{sssssssfsisfsfsfsf}", "parameter", sitrep_param_name(d->param), "label",
                      sitrep_param_label(d->param), "unit", sitrep_param_unit(d->param), "value",
                      round(d->value * 100) / 100, "band", d->band, "points", d->points, "weight",
                      d->weight, "contribution", d->contribution, "excess", d->excess));
    }
    return a;
}

/* Rebuild a submission from a stored row's kind, org, day and fields. */
static int sub_from_row(const json_t *row, sitrep_submission *sub)
{
    memset(sub, 0, sizeof *sub);
    snprintf(sub->org, sizeof sub->org, "%s", json_string_value(json_object_get(row, "org")));
    sub->kind = sitrep_kind_find(json_string_value(json_object_get(row, "kind")));
    ics_err e = {0};
    if (tz_parse_date(json_string_value(json_object_get(row, "day")), &sub->day, &e)) return -1;
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(row, "fields"), k, v)
        sitrep_values_set(&sub->val, sub->kind, k, json_number_value(v), &e);
    sub->declared_level = (int)json_integer_value(json_object_get(row, "declared_level"));
    const char *r = json_string_value(json_object_get(row, "reason"));
    if (r) snprintf(sub->reason, sizeof sub->reason, "%s", r);
    return sub->kind < 0 ? -1 : 0;
}

int store_sitrep_parse(store *s, const json_t *body, int64_t today, int max_age_days,
                       sitrep_submission *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    sb b;
    sb_init(&b);
    int n = 0, have_org = 0;
    char msg[600];
    const char *key;
    json_t *v;
    out->day = today;
    json_object_foreach((json_t *)body, key, v)
    {
        if (strcmp(key, "org") == 0) {
            ics_err pe = {0};
            store_sitrep_provider p;
            if (!json_is_string(v)) {
                add_problem(&b, &n, "field 'org' must be a string");
            } else if (store_sitrep_provider_find(s, json_string_value(v), &p, &pe)) {
                add_problem(&b, &n, pe.msg);
            } else {
                snprintf(out->org, sizeof out->org, "%s", p.code);
                out->kind = p.kind;
                have_org = 1;
            }
        } else if (strcmp(key, "day") == 0) {
            ics_err de = {0};
            if (!json_is_string(v)) {
                add_problem(&b, &n, "field 'day' must be a date string YYYY-MM-DD");
            } else if (tz_parse_date(json_string_value(v), &out->day, &de)) {
                snprintf(msg, sizeof msg, "field 'day': %s", de.msg);
                add_problem(&b, &n, msg);
            }
        } else if (strcmp(key, "declared_level") == 0) {
            if (json_is_null(v)) continue;
            if (!json_is_integer(v))
                add_problem(&b, &n, "field 'declared_level' must be an integer 1-4");
            else
                out->declared_level = (int)json_integer_value(v);
            if (out->declared_level == 0 && json_is_integer(v))
                add_problem(&b, &n, "declared_level must be 1 to 4, not 0");
        } else if (strcmp(key, "reason") == 0) {
            if (json_is_null(v)) continue;
            if (!json_is_string(v))
                add_problem(&b, &n, "field 'reason' must be a string");
            else if (strlen(json_string_value(v)) >= SITREP_REASON_MAX)
                add_problem(&b, &n, "field 'reason' is too long (400 characters at most)");
            else
                snprintf(out->reason, sizeof out->reason, "%s", json_string_value(v));
        } else if (strcmp(key, "fields") != 0) {
            snprintf(msg, sizeof msg, "unknown field '%s'", key);
            add_problem(&b, &n, msg);
        }
    }
    json_t *fields = json_object_get(body, "fields");
    if (!fields) {
        add_problem(&b, &n, "missing field 'fields' (an object of figures)");
    } else if (!json_is_object(fields)) {
        add_problem(&b, &n, "field 'fields' must be an object");
    } else {
        json_object_foreach(fields, key, v)
        {
            int f = sitrep_field_find(key);
            if (f < 0) {
                snprintf(msg, sizeof msg, "unknown field 'fields.%s'", key);
                add_problem(&b, &n, msg);
            } else if (!json_is_number(v)) {
                snprintf(msg, sizeof msg, "field '%s' must be a number", key);
                add_problem(&b, &n, msg);
            } else if (have_org && !sitrep_field_applies(f, out->kind)) {
                snprintf(msg, sizeof msg, "field '%s' does not apply to %s providers", key,
                         sitrep_kind_name(out->kind));
                add_problem(&b, &n, msg);
            } else {
                out->val.v[f] = json_number_value(v);
                out->val.has[f] = 1;
            }
        }
    }
    if (!json_object_get(body, "org")) add_problem(&b, &n, "missing field 'org'");
    if (have_org) {
        ics_err ce = {0};
        if (sitrep_submission_check(out, today, max_age_days, &ce)) add_problem(&b, &n, ce.msg);
    }
    return problems_done(&b, n, e);
}

/* ---- thresholds --------------------------------------------------------- */

int store_sitrep_thresholds_load(store *s, sitrep_thresholds **out, ics_err *e)
{
    json_t *rules = NULL, *levels = NULL;
    *out = NULL;
    int rc = store_query_json(s,
                              "SELECT kind, parameter, direction, band2_from, band3_from,"
                              " band4_from, points1, points2, points3, points4, weight"
                              " FROM sitrep_thresholds ORDER BY kind, parameter",
                              NULL, &rules, e);
    if (!rc)
        rc = store_query_json(s, "SELECT kind, opel1_max, opel2_max, opel3_max FROM sitrep_levels",
                              NULL, &levels, e);
    sitrep_thresholds *t = rc ? NULL : sitrep_thresholds_new();
    size_t i;
    json_t *r;
    if (t) json_array_foreach(rules, i, r)
        {
            sitrep_rule x = {0};
            x.kind = sitrep_kind_find(json_string_value(json_object_get(r, "kind")));
            x.param = sitrep_param_find(json_string_value(json_object_get(r, "parameter")));
            x.lower_worse =
                strcmp(json_string_value(json_object_get(r, "direction")), "lower_worse") == 0;
            static const char *const from[] = {"band2_from", "band3_from", "band4_from"};
            static const char *const pts[] = {"points1", "points2", "points3", "points4"};
            for (int k = 0; k < 3; k++) x.from[k] = json_number_value(json_object_get(r, from[k]));
            for (int k = 0; k < 4; k++) x.points[k] = json_number_value(json_object_get(r, pts[k]));
            x.weight = json_number_value(json_object_get(r, "weight"));
            if ((rc = sitrep_thresholds_add(t, &x, e))) break;
        }
    if (t && !rc) json_array_foreach(levels, i, r)
        {
            double max[3] = {json_number_value(json_object_get(r, "opel1_max")),
                             json_number_value(json_object_get(r, "opel2_max")),
                             json_number_value(json_object_get(r, "opel3_max"))};
            int kind = sitrep_kind_find(json_string_value(json_object_get(r, "kind")));
            if ((rc = sitrep_thresholds_levels(t, kind, max, e))) break;
        }
    json_decref(rules);
    json_decref(levels);
    if (rc) {
        sitrep_thresholds_free(t);
        ics_err_prefix(e, "stored OPEL thresholds: ");
        return rc;
    }
    *out = t;
    return 0;
}

int store_sitrep_thresholds_save(store *s, const sitrep_thresholds *t, const char *source,
                                 ics_err *e)
{
    int rc = store_exec(s, "DELETE FROM sitrep_thresholds; DELETE FROM sitrep_levels", e);
    for (size_t i = 0; !rc && i < sitrep_thresholds_count(t); i++) {
        const sitrep_rule *r = sitrep_thresholds_rule(t, i);
        json_t *p = json_pack(
            "[sssffffffff]", sitrep_kind_name(r->kind), sitrep_param_name(r->param),
            r->lower_worse ? "lower_worse" : "higher_worse", r->from[0], r->from[1], r->from[2],
            r->points[0], r->points[1], r->points[2], r->points[3], r->weight);
        rc = store_exec_params(s,
                               "INSERT INTO sitrep_thresholds (kind, parameter, direction,"
                               " band2_from, band3_from, band4_from, points1, points2, points3,"
                               " points4, weight) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                               p, e);
        json_decref(p);
    }
    for (int k = 0; !rc && k < SITREP_NKINDS; k++) {
        double max[3];
        if (!sitrep_thresholds_kind(t, k, max)) continue;
        json_t *p = json_pack("[sfff]", sitrep_kind_name(k), max[0], max[1], max[2]);
        rc = store_exec_params(s,
                               "INSERT INTO sitrep_levels (kind, opel1_max, opel2_max, opel3_max)"
                               " VALUES (?, ?, ?, ?)",
                               p, e);
        json_decref(p);
    }
    if (!rc) {
        json_t *p = json_pack("[s]", source ? source : "");
        rc = store_exec_params(s, "DELETE FROM sitrep_meta WHERE key = 'thresholds_source'", NULL,
                               e);
        if (!rc)
            rc = store_exec_params(
                s, "INSERT INTO sitrep_meta (key, value) VALUES ('thresholds_source', ?)", p, e);
        json_decref(p);
    }
    return rc;
}

/* A number member of a rule or level row, with a problem when it is not. */
static double num_member(const json_t *o, const char *k, const char *what, size_t i, sb *b, int *n)
{
    json_t *v = json_object_get(o, k);
    if (json_is_number(v)) return json_number_value(v);
    char msg[160];
    snprintf(msg, sizeof msg, "%s[%zu]: field '%s' must be a number", what, i, k);
    add_problem(b, n, msg);
    return 0;
}

int store_sitrep_thresholds_parse(const json_t *body, sitrep_thresholds **out, char *source,
                                  size_t srcn, ics_err *e)
{
    static const char *const top[] = {"source", "rules", "levels", NULL};
    static const char *const rk[] = {"kind",       "parameter",  "direction", "band2_from",
                                     "band3_from", "band4_from", "points1",   "points2",
                                     "points3",    "points4",    "weight",    NULL};
    static const char *const lk[] = {"kind", "opel1_max", "opel2_max", "opel3_max", NULL};
    *out = NULL;
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    sb b;
    sb_init(&b);
    int n = 0;
    char msg[600];
    unknown_members(body, top, &b, &n);
    const char *src = str_member(body, "source", &b, &n);
    if (source && srcn) snprintf(source, srcn, "%s", src ? src : "loaded through the API");
    json_t *rules = json_object_get(body, "rules"), *levels = json_object_get(body, "levels");
    if (!json_is_array(rules) || !json_array_size(rules))
        add_problem(&b, &n, "field 'rules' must be a non-empty array");
    if (!json_is_array(levels) || !json_array_size(levels))
        add_problem(&b, &n, "field 'levels' must be a non-empty array");
    sitrep_thresholds *t = sitrep_thresholds_new();
    size_t i;
    json_t *r;
    if (json_is_array(rules)) json_array_foreach(rules, i, r)
        {
            if (!json_is_object(r)) {
                snprintf(msg, sizeof msg, "rules[%zu] must be an object", i);
                add_problem(&b, &n, msg);
                continue;
            }
            int before = n;
            unknown_members(r, rk, &b, &n);
            sitrep_rule x = {0};
            const char *kind = json_string_value(json_object_get(r, "kind"));
            const char *prm = json_string_value(json_object_get(r, "parameter"));
            const char *dir = json_string_value(json_object_get(r, "direction"));
            x.kind = sitrep_kind_find(kind);
            x.param = sitrep_param_find(prm);
            if (x.kind < 0 || x.param < 0 || !dir ||
                (strcmp(dir, "higher_worse") && strcmp(dir, "lower_worse"))) {
                snprintf(msg, sizeof msg,
                         "rules[%zu]: kind, parameter and direction (higher_worse or lower_worse)"
                         " must be known names",
                         i);
                add_problem(&b, &n, msg);
            }
            x.lower_worse = dir && strcmp(dir, "lower_worse") == 0;
            for (int k = 0; k < 3; k++) x.from[k] = num_member(r, rk[3 + k], "rules", i, &b, &n);
            for (int k = 0; k < 4; k++) x.points[k] = num_member(r, rk[6 + k], "rules", i, &b, &n);
            x.weight = num_member(r, "weight", "rules", i, &b, &n);
            ics_err re = {0};
            if (n == before && sitrep_thresholds_add(t, &x, &re)) {
                snprintf(msg, sizeof msg, "rules[%zu]: %s", i, re.msg);
                add_problem(&b, &n, msg);
            }
        }
    if (json_is_array(levels)) json_array_foreach(levels, i, r)
        {
            if (!json_is_object(r)) {
                snprintf(msg, sizeof msg, "levels[%zu] must be an object", i);
                add_problem(&b, &n, msg);
                continue;
            }
            int before = n;
            unknown_members(r, lk, &b, &n);
            int kind = sitrep_kind_find(json_string_value(json_object_get(r, "kind")));
            if (kind < 0) {
                snprintf(msg, sizeof msg, "levels[%zu]: unknown kind", i);
                add_problem(&b, &n, msg);
            }
            double max[3];
            for (int k = 0; k < 3; k++) max[k] = num_member(r, lk[1 + k], "levels", i, &b, &n);
            ics_err le = {0};
            if (n == before && sitrep_thresholds_levels(t, kind, max, &le)) {
                snprintf(msg, sizeof msg, "levels[%zu]: %s", i, le.msg);
                add_problem(&b, &n, msg);
            }
        }
    ics_err ce = {0};
    if (!n && sitrep_thresholds_check(t, &ce)) add_problem(&b, &n, ce.msg);
    if (n) {
        sitrep_thresholds_free(t);
        return problems_done(&b, n, e);
    }
    sb_free(&b);
    *out = t;
    return 0;
}

static json_t *thresholds_source(store *s)
{
    json_t *row = NULL;
    ics_err e = {0};
    if (store_query_one(s, "SELECT value FROM sitrep_meta WHERE key = 'thresholds_source'", NULL,
                        &row, &e))
        return json_null();
    json_t *v = json_incref(json_object_get(row, "value"));
    json_decref(row);
    return v;
}

int store_sitrep_thresholds_json(store *s, json_t **out, ics_err *e)
{
    json_t *rules, *levels;
    int rc = store_query_json(s,
                              "SELECT kind, parameter, direction, band2_from, band3_from,"
                              " band4_from, points1, points2, points3, points4, weight"
                              " FROM sitrep_thresholds ORDER BY kind, parameter",
                              NULL, &rules, e);
    if (rc) return rc;
    rc = store_query_json(s,
                          "SELECT kind, opel1_max, opel2_max, opel3_max FROM sitrep_levels"
                          " ORDER BY kind",
                          NULL, &levels, e);
    if (rc) {
        json_decref(rules);
        return rc;
    }
    *out = json_pack("{sososo}", "rules", rules, "levels", levels, "source", thresholds_source(s));
    return 0;
}

/* ---- saving ------------------------------------------------------------- */

#define ROW_COLS                                                                                   \
    "id, org_code AS org, trust_code AS trust, kind, day, version, is_current, level,"             \
    " level_source, level_computed, score, score_min, score_max, declared_level, reason, beds,"    \
    " source, submitted_at, submitted_by, fields_json, params_json, drivers_json"

static const char *source_name(int src)
{
    return src == SITREP_LEVEL_DECLARED ? "declared" : "computed";
}

int store_sitrep_save(store *s, const sitrep_thresholds *t, const sitrep_submission *sub,
                      const char *actor, const char *source, json_t **saved, ics_err *e)
{
    sitrep_score sc;
    int rc = sitrep_score_compute(t, sub, &sc, e);
    if (rc) return rc;
    char day[16], now[32], trust[4];
    tz_format_date(sub->day, day, sizeof day);
    now_utc(now);
    snprintf(trust, sizeof trust, "%.3s", sub->org);
    json_t *p = json_pack("[ss]", sub->org, day);
    int64_t version;
    rc = store_query_int(s,
                         "SELECT COALESCE(MAX(version), 0) + 1 FROM"
                         " sitrep_submissions WHERE org_code = ? AND day = ?",
                         p, -1, &version, e);
    if (rc) {
        json_decref(p);
        return rc;
    }
    rc = store_exec_params(s,
                           "UPDATE sitrep_submissions SET is_current = 0"
                           " WHERE org_code = ? AND day = ?",
                           p, e);
    json_decref(p);
    if (rc) return rc;
    json_t *fj = fields_json(&sub->val), *pj = params_json(sub), *dj = drivers_json(&sc);
    char *fs = json_dumps(fj, JSON_COMPACT), *ps = json_dumps(pj, JSON_COMPACT),
         *ds = json_dumps(dj, JSON_COMPACT);
    json_decref(fj);
    json_decref(pj);
    json_decref(dj);
    store_stmt *st;
    rc = store_prepare(s,
                       "INSERT INTO sitrep_submissions (org_code, trust_code, kind, day, version,"
                       " is_current, fields_json, params_json, drivers_json, declared_level,"
                       " reason, level, level_computed, level_source, score, score_min,"
                       " score_max, beds, source, submitted_at, submitted_by)"
                       " VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       &st, e);
    if (!rc) {
        int i = 1;
        store_bind_text(st, i++, sub->org);
        store_bind_text(st, i++, trust);
        store_bind_text(st, i++, sitrep_kind_name(sub->kind));
        store_bind_text(st, i++, day);
        store_bind_int(st, i++, version);
        store_bind_text(st, i++, fs);
        store_bind_text(st, i++, ps);
        store_bind_text(st, i++, ds);
        if (sub->declared_level) {
            store_bind_int(st, i++, sub->declared_level);
            store_bind_text(st, i++, sub->reason);
        } else {
            store_bind_null(st, i++);
            store_bind_null(st, i++);
        }
        store_bind_int(st, i++, sc.level);
        if (sc.computed) {
            store_bind_int(st, i++, sc.level_computed);
            store_bind_text(st, i++, source_name(sc.source));
            store_bind_double(st, i++, sc.total);
            store_bind_double(st, i++, sc.min_total);
            store_bind_double(st, i++, sc.max_total);
        } else {
            store_bind_null(st, i++);
            store_bind_text(st, i++, source_name(sc.source));
            store_bind_null(st, i++);
            store_bind_null(st, i++);
            store_bind_null(st, i++);
        }
        store_bind_double(st, i++, sitrep_submission_beds(sub));
        store_bind_text(st, i++, source);
        store_bind_text(st, i++, now);
        store_bind_text(st, i++, actor);
        rc = store_step(st, e);
        store_finalize(st);
        rc = rc < 0 ? rc : 0;
    }
    free(fs);
    free(ps);
    free(ds);
    if (rc || !saved) return rc;
    p = json_pack("[I]", (json_int_t)store_last_id(s));
    rc =
        store_query_one(s, "SELECT " ROW_COLS " FROM sitrep_submissions WHERE id = ?", p, saved, e);
    json_decref(p);
    return rc;
}

/* ---- the daily call view ------------------------------------------------ */

/* The row for org on day (or NULL) in an array of rows. */
static json_t *row_for(json_t *rows, const char *org, const char *day)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (strcmp(json_string_value(json_object_get(r, "org")), org) == 0 &&
            strcmp(json_string_value(json_object_get(r, "day")), day) == 0)
            return r;
    }
    return NULL;
}

/* A trust-level row built from its acute sites' rows for the day. */
static json_t *combined_row(const sitrep_thresholds *t, json_t *rows, const char *trust,
                            const char *day, json_t *sites_out)
{
    sitrep_submission subs[16]; /* NWL trusts have 1-5 acute sites; beyond 16 are not combined */
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *org = json_string_value(json_object_get(r, "org"));
        if (strlen(org) != 5 || strncmp(org, trust, 3) != 0 ||
            strcmp(json_string_value(json_object_get(r, "day")), day) != 0)
            continue;
        json_array_append_new(sites_out, json_pack("{sssOsO}", "org", org, "level",
                                                   json_object_get(r, "level"), "version",
                                                   json_object_get(r, "version")));
        if (n < 16 && strcmp(json_string_value(json_object_get(r, "kind")), "acute") == 0 &&
            sub_from_row(r, &subs[n]) == 0)
            n++;
    }
    if (!n) return NULL;
    sitrep_submission trustsub;
    sitrep_submission_combine(subs, n, trust, &trustsub);
    sitrep_score sc;
    ics_err e = {0};
    if (sitrep_score_compute(t, &trustsub, &sc, &e)) return NULL;
    return json_pack("{sssssisssosososfsoso}", "org", trust, "day", day, "level", sc.level,
                     "level_source", "computed from sites", "score",
                     sc.computed ? json_real(sc.total) : json_null(), "score_min",
                     sc.computed ? json_real(sc.min_total) : json_null(), "score_max",
                     sc.computed ? json_real(sc.max_total) : json_null(), "beds",
                     sitrep_submission_beds(&trustsub), "params", params_json(&trustsub), "drivers",
                     drivers_json(&sc));
}

static json_t *top_drivers(json_t *drivers, size_t k)
{
    json_t *a = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(drivers, i, d)
    {
        if (i >= k) break;
        if (json_number_value(json_object_get(d, "excess")) <= 0) break;
        json_array_append(a, d);
    }
    return a;
}

int store_sitrep_day_json(store *s, const sitrep_thresholds *t, int64_t day, json_t **out,
                          ics_err *e)
{
    char d0[16], dprev[16], dfirst[16];
    tz_format_date(day, d0, sizeof d0);
    tz_format_date(day - 1, dprev, sizeof dprev);
    tz_format_date(day - 13, dfirst, sizeof dfirst);
    json_t *orgs, *rows;
    int rc = store_query_json(
        s,
        "SELECT ods_code, name, kind FROM organisations WHERE kind IN " SUBMITTING_KINDS
        " ORDER BY CASE kind WHEN 'acute' THEN 1"
        " WHEN 'specialist' THEN 2 WHEN 'community' THEN 3"
        " WHEN 'mental_health' THEN 4 ELSE 5 END, ods_code",
        NULL, &orgs, e);
    if (rc) return rc;
    json_t *p = json_pack("[ss]", dfirst, d0);
    rc = store_query_json(s,
                          "SELECT " ROW_COLS " FROM sitrep_submissions WHERE is_current = 1"
                          " AND day >= ? AND day <= ? ORDER BY org_code, day",
                          p, &rows, e);
    json_decref(p);
    if (rc) {
        json_decref(orgs);
        return rc;
    }
    json_t *providers = json_array(), *missing = json_array();
    sitrep_rollup_item *items = calloc(json_array_size(orgs) + 1, sizeof *items);
    size_t nitems = 0, i;
    int synthetic = 0, submitted = 0;
    json_t *o;
    json_array_foreach(orgs, i, o)
    {
        const char *org = json_string_value(json_object_get(o, "ods_code"));
        const char *kind = json_string_value(json_object_get(o, "kind"));
        json_t *sites = json_array();
        json_t *today = row_for(rows, org, d0), *made = NULL;
        if (!today && strcmp(kind, "acute") == 0)
            today = made = combined_row(t, rows, org, d0, sites);
        else {
            /* list site returns under their trust even when the trust submitted */
            size_t j;
            json_t *r;
            json_array_foreach(rows, j, r)
            {
                const char *so = json_string_value(json_object_get(r, "org"));
                if (strlen(so) == 5 && strncmp(so, org, 3) == 0 &&
                    strcmp(json_string_value(json_object_get(r, "day")), d0) == 0)
                    json_array_append_new(sites, json_pack("{sssO}", "org", so, "level",
                                                           json_object_get(r, "level")));
            }
        }
        json_t *prev = row_for(rows, org, dprev);
        json_t *trend = json_array();
        for (int64_t d = day - 13; d <= day; d++) {
            char ds[16];
            tz_format_date(d, ds, sizeof ds);
            json_t *r = d == day ? today : row_for(rows, org, ds);
            json_array_append_new(trend,
                                  r ? json_incref(json_object_get(r, "level")) : json_null());
        }
        if (!today) {
            json_array_append_new(missing, json_pack("{sssOsO}", "org", org, "name",
                                                     json_object_get(o, "name"), "kind",
                                                     json_object_get(o, "kind")));
            json_array_append_new(
                providers,
                json_pack("{sssO?sO?sbsnsO?soso}", "org", org, "name", json_object_get(o, "name"),
                          "kind", json_object_get(o, "kind"), "submitted", 0, "level",
                          "yesterday_level", prev ? json_object_get(prev, "level") : json_null(),
                          "trend", trend, "sites", sites));
            continue;
        }
        submitted++;
        const char *src = json_string_value(json_object_get(today, "source"));
        if (src && strcmp(src, "synthetic") == 0) synthetic = 1;
        json_t *params = json_object_get(today, "params");
        /* figures: the derived parameters and every submitted figure */
        json_t *figures = json_deep_copy(params);
        if (json_is_object(json_object_get(today, "fields")))
            json_object_update_missing(figures, json_object_get(today, "fields"));
        json_t *changes = json_object();
        if (prev) {
            const char *k;
            json_t *v;
            json_object_foreach(params, k, v)
            {
                json_t *pv = json_object_get(json_object_get(prev, "params"), k);
                if (pv)
                    json_object_set_new(
                        changes, k,
                        json_real(round((json_number_value(v) - json_number_value(pv)) * 100) /
                                  100));
            }
        }
        json_int_t level = json_integer_value(json_object_get(today, "level"));
        json_t *change =
            prev ? json_integer(level - json_integer_value(json_object_get(prev, "level")))
                 : json_null();
        json_t *entry = json_pack(
            "{sssO?sO?sbsIsO?sO?sO?sO?sO?sO?sO?sosO?soso}", "org", org, "name",
            json_object_get(o, "name"), "kind", json_object_get(o, "kind"), "submitted", 1, "level",
            level, "level_source", json_object_get(today, "level_source"), "level_computed",
            json_object_get(today, "level_computed"), "score", json_object_get(today, "score"),
            "score_min", json_object_get(today, "score_min"), "score_max",
            json_object_get(today, "score_max"), "declared_level",
            json_object_get(today, "declared_level"), "reason", json_object_get(today, "reason"),
            "figures", figures, "yesterday_level",
            prev ? json_object_get(prev, "level") : json_null(), "change", change, "changes",
            changes);
        json_object_set_new(entry, "drivers", top_drivers(json_object_get(today, "drivers"), 3));
        json_object_set(entry, "version", json_object_get(today, "version"));
        json_object_set(entry, "submitted_at", json_object_get(today, "submitted_at"));
        json_object_set(entry, "submitted_by", json_object_get(today, "submitted_by"));
        json_object_set(entry, "source", json_object_get(today, "source"));
        json_object_set_new(entry, "trend", trend);
        json_object_set_new(entry, "sites", sites);
        json_array_append_new(providers, entry);
        if (items)
            items[nitems++] =
                (sitrep_rollup_item){sitrep_kind_find(kind), (int)level,
                                     json_number_value(json_object_get(today, "beds"))};
        json_decref(made);
    }
    sitrep_rollup ru;
    sitrep_rollup_compute(items, nitems, &ru);
    free(items);
    json_t *pillars = json_object();
    for (int k = 0; k < SITREP_NKINDS; k++) {
        if (!ru.pillar_n[k]) continue;
        json_object_set_new(pillars, sitrep_kind_name(k),
                            json_pack("{sisfsi}", "level", ru.pillar_level[k], "mean",
                                      round(ru.pillar_mean[k] * 100) / 100, "providers",
                                      ru.pillar_n[k]));
    }
    json_t *ics = json_pack(
        "{sosfsisoss}", "level", ru.ics_level ? json_integer(ru.ics_level) : json_null(), "mean",
        round(ru.ics_mean * 100) / 100, "providers_counted", ru.n, "pillars", pillars, "method",
        "beds-weighted mean of provider levels, rounded half up; the "
        "ambulance service is its own pillar and not in the ICS level");
    *out = json_pack("{sssbsosisisososo}", "day", d0, "synthetic", synthetic, "ics", ics,
                     "expected", (int)json_array_size(orgs), "submitted", submitted, "providers",
                     providers, "missing", missing, "thresholds_source", thresholds_source(s));
    json_decref(orgs);
    json_decref(rows);
    return *out ? 0 : ics_err_set(e, ICS_EINTERNAL, "could not build the day view");
}

/* ---- history with SPC ---------------------------------------------------- */

static json_t *flag_names(unsigned f)
{
    json_t *a = json_array();
    if (f & SITREP_SPC_OUTSIDE) json_array_append_new(a, json_string("outside_limits"));
    if (f & SITREP_SPC_SHIFT) json_array_append_new(a, json_string("shift"));
    if (f & SITREP_SPC_TREND) json_array_append_new(a, json_string("trend"));
    if (f & SITREP_SPC_TWO_OF_THREE) json_array_append_new(a, json_string("two_of_three"));
    return a;
}

int store_sitrep_history_json(store *s, const char *org, int64_t from, int64_t to, json_t **out,
                              ics_err *e)
{
    store_sitrep_provider pv;
    int rc = store_sitrep_provider_find(s, org, &pv, e);
    if (rc) {
        char m[sizeof e->msg];
        snprintf(m, sizeof m, "%s", e->msg);
        return ics_err_set(e, ICS_ENOTFOUND, "%s", m);
    }
    if (to < from) return ics_err_set(e, ICS_EINVAL, "'from' is after 'to'");
    if (to - from > 3660) return ics_err_set(e, ICS_EINVAL, "a history covers 10 years at most");
    char df[16], dt[16];
    tz_format_date(from, df, sizeof df);
    tz_format_date(to, dt, sizeof dt);
    json_t *rows, *p = json_pack("[sss]", pv.code, df, dt);
    rc = store_query_json(s,
                          "SELECT day, version, level, level_source, level_computed, score,"
                          " declared_level, reason, source, params_json"
                          " FROM sitrep_submissions WHERE org_code = ? AND is_current = 1"
                          " AND day >= ? AND day <= ? ORDER BY day",
                          p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    json_t *spc = json_object();
    size_t nrows = json_array_size(rows);
    double *x = malloc((nrows + 1) * sizeof *x);
    const char **days = malloc((nrows + 1) * sizeof *days);
    int total_signals = 0;
    for (int prm = 0; x && days && prm < SITREP_NPARAMS; prm++) {
        const char *name = sitrep_param_name(prm);
        size_t n = 0, i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            json_t *v = json_object_get(json_object_get(r, "params"), name);
            if (!v) continue;
            x[n] = json_number_value(v);
            days[n++] = json_string_value(json_object_get(r, "day"));
        }
        if (n < 2) continue;
        sitrep_spc c;
        ics_err se = {0};
        if (sitrep_spc_compute(x, n, &c, &se)) continue;
        json_t *points = json_array(), *signals = json_array();
        for (size_t k = 0; k < n; k++) {
            json_array_append_new(points, json_pack("{sssf}", "day", days[k], "value", x[k]));
            if (c.flags[k])
                json_array_append_new(signals, json_pack("{sssfso}", "day", days[k], "value", x[k],
                                                         "rules", flag_names(c.flags[k])));
        }
        total_signals += c.nsignals;
        json_object_set_new(spc, name,
                            json_pack("{sssssisfsfsfsfsfsisoso}", "label", sitrep_param_label(prm),
                                      "unit", sitrep_param_unit(prm), "n", (int)n, "mean", c.mean,
                                      "mr_mean", c.mr_mean, "sigma", c.sigma, "ucl", c.ucl, "lcl",
                                      c.lcl, "signal_points", c.nsignals, "signals", signals,
                                      "points", points));
        sitrep_spc_free(&c);
    }
    free(x);
    free(days);
    *out = json_pack("{sssssssssssisoso}", "org", pv.code, "name", pv.name, "kind",
                     sitrep_kind_name(pv.kind), "from", df, "to", dt, "signal_points",
                     total_signals, "days", rows, "spc", spc);
    return 0;
}

int store_sitrep_versions_json(store *s, const char *org, int64_t day, json_t **out, ics_err *e)
{
    char d[16];
    tz_format_date(day, d, sizeof d);
    json_t *p = json_pack("[ss]", org, d);
    int rc = store_query_json(s,
                              "SELECT " ROW_COLS " FROM sitrep_submissions WHERE org_code = ?"
                              " AND day = ? ORDER BY version DESC",
                              p, out, e);
    json_decref(p);
    return rc;
}

/* ---- import --------------------------------------------------------------- */

int store_sitrep_import_csv(store *s, const sitrep_thresholds *t, const csv_doc *doc, int64_t today,
                            const char *actor, int *count, ics_err *e)
{
    int col_org = csv_col(doc, "org"), col_day = csv_col(doc, "day");
    int col_level = csv_col(doc, "declared_level"), col_reason = csv_col(doc, "reason");
    if (col_org < 0 || col_day < 0)
        return ics_err_set(e, ICS_EINVAL, "%s: line 1: columns 'org' and 'day' are required",
                           doc->name);
    int fmap[64];
    for (size_t j = 0; j < doc->ncols && j < 64; j++) {
        const char *h = doc->header[j];
        fmap[j] = sitrep_field_find(h);
        if (fmap[j] < 0 && strcmp(h, "org") && strcmp(h, "day") && strcmp(h, "declared_level") &&
            strcmp(h, "reason"))
            return ics_err_set(e, ICS_EINVAL, "%s: line 1: unknown column '%s'", doc->name, h);
    }
    if (doc->ncols > 64) return ics_err_set(e, ICS_EINVAL, "%s: too many columns", doc->name);
    store_sitrep_provider pv = {0};
    for (size_t r = 0; r < doc->nrows; r++) {
        char **row = doc->rows[r];
        sitrep_submission sub;
        memset(&sub, 0, sizeof sub);
        int rc = 0;
        if (strcmp(pv.code, row[col_org]) != 0)
            rc = store_sitrep_provider_find(s, row[col_org], &pv, e);
        if (!rc) rc = tz_parse_date(row[col_day], &sub.day, e);
        snprintf(sub.org, sizeof sub.org, "%s", pv.code);
        sub.kind = pv.kind;
        for (size_t j = 0; !rc && j < doc->ncols; j++) {
            if (fmap[j] < 0 || !row[j][0]) continue;
            char *end;
            double v = strtod(row[j], &end);
            if (*end)
                rc = ics_err_set(e, ICS_EINVAL, "column '%s': '%s' is not a number", doc->header[j],
                                 row[j]);
            else
                rc = sitrep_values_set(&sub.val, sub.kind, doc->header[j], v, e);
        }
        if (!rc && col_level >= 0 && row[col_level][0]) sub.declared_level = atoi(row[col_level]);
        if (!rc && col_reason >= 0) snprintf(sub.reason, sizeof sub.reason, "%s", row[col_reason]);
        if (!rc) rc = sitrep_submission_check(&sub, today, 0, e);
        if (!rc) rc = store_sitrep_save(s, t, &sub, actor, "import", NULL, e);
        if (rc) {
            ics_err_prefix(e, "%s: line %zu: ", doc->name, doc->line[r]);
            return rc;
        }
    }
    if (count) *count = (int)doc->nrows;
    return 0;
}

/* ---- synthetic seed ------------------------------------------------------- */

static double default_size(int kind)
{
    static const double sz[SITREP_NKINDS] = {800, 200, 80, 400, 5000};
    return sz[kind];
}

static int size_of(const csv_doc *sizes, const char *code, double *size, int *late)
{
    int cs = sizes ? csv_col(sizes, "size") : -1, cc = sizes ? csv_col(sizes, "ods_code") : -1;
    int cl = sizes ? csv_col(sizes, "late_last_day") : -1;
    for (size_t r = 0; cs >= 0 && cc >= 0 && r < sizes->nrows; r++)
        if (strcmp(sizes->rows[r][cc], code) == 0) {
            *size = atof(sizes->rows[r][cs]);
            *late = cl >= 0 && atoi(sizes->rows[r][cl]) != 0;
            return *size > 0;
        }
    return 0;
}

int store_sitrep_synth_providers(store *s, const csv_doc *sizes, sitrep_synth_provider **out,
                                 int **late, size_t *n, ics_err *e)
{
    json_t *rows;
    *out = NULL;
    *late = NULL;
    *n = 0;
    /* organisations, and acute sites of acute trusts; sorted by code, a
     * trust's sites follow it and each other */
    int rc = store_query_json(s,
                              "SELECT code, kind FROM (SELECT ods_code AS code, kind"
                              " FROM organisations WHERE kind IN " SUBMITTING_KINDS
                              " UNION ALL SELECT t.site_code AS code, 'acute' AS kind FROM sites t"
                              " JOIN organisations o ON o.ods_code = t.org_code"
                              " WHERE t.kind = 'acute' AND o.kind = 'acute') x ORDER BY code",
                              NULL, &rows, e);
    if (rc) return rc;
    size_t m = json_array_size(rows), i, k = 0;
    sitrep_synth_provider *p = calloc(m + 1, sizeof *p);
    int *lt = calloc(m + 1, sizeof *lt);
    if (!p || !lt) {
        free(p);
        free(lt);
        json_decref(rows);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        const char *code = json_string_value(json_object_get(o, "code"));
        int kind = sitrep_kind_find(json_string_value(json_object_get(o, "kind")));
        double size = 0;
        int lte = 0, listed = size_of(sizes, code, &size, &lte);
        if (strlen(code) == 5 && !listed) continue; /* a site is simulated only when sized */
        snprintf(p[k].org, sizeof p[k].org, "%s", code);
        p[k].kind = kind;
        p[k].size = listed ? size : default_size(kind);
        lt[k++] = lte;
    }
    json_decref(rows);
    /* a trust simulated by its sites is not simulated itself */
    size_t w = 0;
    for (size_t r = 0; r < k; r++) {
        int has_sites = 0;
        for (size_t q = 0; q < k && strlen(p[r].org) == 3; q++)
            has_sites |= strlen(p[q].org) == 5 && strncmp(p[q].org, p[r].org, 3) == 0;
        if (has_sites) continue;
        p[w] = p[r];
        lt[w++] = lt[r];
    }
    *out = p;
    *late = lt;
    *n = w;
    return 0;
}

typedef struct seed_ctx {
    store *s;
    const sitrep_thresholds *t;
    const sitrep_synth_provider *p;
    const int *late;
    size_t n;
    int64_t last_day;
    int count;
    ics_err *e;
} seed_ctx;

static int seed_one(void *ctx, const sitrep_submission *sub)
{
    seed_ctx *c = ctx;
    if (sub->day == c->last_day)
        for (size_t i = 0; i < c->n; i++)
            if (c->late[i] && strcmp(c->p[i].org, sub->org) == 0) return 0;
    int rc = store_sitrep_save(c->s, c->t, sub, "synthetic", "synthetic", NULL, c->e);
    if (rc) return rc;
    c->count++;
    return 0;
}

int store_sitrep_seed(store *s, const sitrep_thresholds *t, const sitrep_synth_provider *p,
                      const int *late, size_t n, int64_t last_day, int ndays, uint64_t seed,
                      progress_fn prog, void *prog_ctx, int *count, ics_err *e)
{
    seed_ctx c = {s, t, p, late, n, last_day, 0, e};
    int rc = sitrep_synth_generate(p, n, last_day - ndays + 1, ndays, seed, seed_one, &c, prog,
                                   prog_ctx, e);
    if (count) *count = c.count;
    return rc;
}

/* ---- mutual aid ----------------------------------------------------------- */

#define AID_COLS                                                                                   \
    "r.id, r.org_code AS org, o.name AS org_name, r.resource, r.detail, r.quantity,"               \
    " r.date_from, r.date_to, r.urgency, r.note, r.state, r.agreed_offer_id, r.created_at,"        \
    " r.created_by, r.updated_at"

static int aid_event(store *s, int64_t id, const char *action, const char *state,
                     const store_sitrep_actor *who, const char *org, const char *note, ics_err *e)
{
    char now[32];
    now_utc(now);
    json_t *p = json_pack("[Issss?s?s]", (json_int_t)id, action, state, who->name, org, note, now);
    int rc = store_exec_params(s,
                               "INSERT INTO sitrep_aid_events (request_id, action, state, actor,"
                               " org_code, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               p, e);
    json_decref(p);
    if (!rc) {
        p = json_pack("[ssI]", state, now, (json_int_t)id);
        rc = store_exec_params(s,
                               "UPDATE sitrep_aid_requests SET state = ?, updated_at = ?"
                               " WHERE id = ?",
                               p, e);
        json_decref(p);
    }
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

/* A string member: NULL when absent or null; problem when of another type. */
static const char *str_member(const json_t *body, const char *k, sb *b, int *n)
{
    json_t *v = json_object_get(body, k);
    if (!v || json_is_null(v)) return NULL;
    if (json_is_string(v)) return json_string_value(v);
    char msg[128];
    snprintf(msg, sizeof msg, "field '%s' must be a string", k);
    add_problem(b, n, msg);
    return NULL;
}

static int unknown_members(const json_t *body, const char *const *known, sb *b, int *n)
{
    const char *k;
    json_t *v;
    int bad = 0;
    json_object_foreach((json_t *)body, k, v)
    {
        int ok = 0;
        for (const char *const *q = known; *q; q++) ok |= strcmp(*q, k) == 0;
        if (!ok) {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown field '%s'", k);
            add_problem(b, n, msg);
            bad = 1;
        }
    }
    return bad;
}

int store_sitrep_aid_create(store *s, const json_t *body, const store_sitrep_actor *who,
                            int64_t today, json_t **out, ics_err *e)
{
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    static const char *const known[] = {"org",     "resource", "detail", "quantity", "date_from",
                                        "date_to", "urgency",  "note",   NULL};
    sb b;
    sb_init(&b);
    int n = 0;
    unknown_members(body, known, &b, &n);
    sitrep_aid_request r;
    memset(&r, 0, sizeof r);
    const char *org = str_member(body, "org", &b, &n);
    const char *res = str_member(body, "resource", &b, &n);
    const char *detail = str_member(body, "detail", &b, &n);
    const char *df = str_member(body, "date_from", &b, &n);
    const char *dt = str_member(body, "date_to", &b, &n);
    const char *urg = str_member(body, "urgency", &b, &n);
    const char *note = str_member(body, "note", &b, &n);
    json_t *q = json_object_get(body, "quantity");
    if (!org) org = who->org && who->org[0] ? who->org : NULL;
    int absent = n; /* type problems so far */
    if (!org) add_problem(&b, &n, "missing field 'org'");
    if (!res) add_problem(&b, &n, "missing field 'resource'");
    if (!q)
        add_problem(&b, &n, "missing field 'quantity'");
    else if (!json_is_integer(q))
        add_problem(&b, &n, "field 'quantity' must be an integer");
    if (!df) add_problem(&b, &n, "missing field 'date_from'");
    if (!dt) add_problem(&b, &n, "missing field 'date_to'");
    if (!urg) add_problem(&b, &n, "missing field 'urgency'");
    /* unknown fields alone do not stop the value checks below */
    if (n > absent || !org || !res || !q || !df || !dt || !urg) return problems_done(&b, n, e);
    if (!who->coordinator && strncmp(org, who->org ? who->org : "", 3) != 0) {
        sb_free(&b);
        return ics_err_set(e, ICS_EFORBID,
                           "trust operations users ask for aid for their own organisation (%s),"
                           " not %s",
                           who->org && who->org[0] ? who->org : "none", org);
    }
    store_sitrep_provider pv;
    ics_err pe = {0};
    if (store_sitrep_provider_find(s, org, &pv, &pe)) add_problem(&b, &n, pe.msg);
    snprintf(r.org, sizeof r.org, "%s", org);
    r.resource = sitrep_resource_find(res);
    snprintf(r.detail, sizeof r.detail, "%s", detail ? detail : "");
    r.quantity = (int)json_integer_value(q);
    r.urgency = sitrep_urgency_find(urg);
    ics_err de = {0};
    char msg[600];
    int dates_ok = 1;
    if (tz_parse_date(df, &r.day_from, &de)) {
        snprintf(msg, sizeof msg, "field 'date_from': %s", de.msg);
        add_problem(&b, &n, msg);
        dates_ok = 0;
    }
    if (tz_parse_date(dt, &r.day_to, &de)) {
        snprintf(msg, sizeof msg, "field 'date_to': %s", de.msg);
        add_problem(&b, &n, msg);
        dates_ok = 0;
    }
    if (!dates_ok) r.day_from = r.day_to = today; /* reported above; keep the rest checked */
    if (sitrep_aid_request_check(&r, today, &de)) add_problem(&b, &n, de.msg);
    if (n) return problems_done(&b, n, e);
    sb_free(&b);
    char now[32], f[16], t[16];
    now_utc(now);
    tz_format_date(r.day_from, f, sizeof f);
    tz_format_date(r.day_to, t, sizeof t);
    json_t *p =
        json_pack("[sssissss?ssss]", r.org, sitrep_resource_name(r.resource), r.detail, r.quantity,
                  f, t, sitrep_urgency_name(r.urgency), note, "open", now, who->name, now);
    int rc = store_exec_params(s,
                               "INSERT INTO sitrep_aid_requests (org_code, resource, detail,"
                               " quantity, date_from, date_to, urgency, note, state, created_at,"
                               " created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                               " ?, ?)",
                               p, e);
    json_decref(p);
    if (rc) return rc;
    int64_t id = store_last_id(s);
    rc = aid_event(s, id, "request", "open", who, r.org, note, e);
    if (!rc) rc = store_sitrep_aid_get(s, id, out, e);
    return rc;
}

int store_sitrep_aid_list(store *s, const store_sitrep_actor *who, const char *state, json_t **out,
                          ics_err *e)
{
    if (state && sitrep_aid_state_find(state) < 0)
        return ics_err_set(e, ICS_EINVAL,
                           "state '%s' is not one of open, offered, agreed, fulfilled, withdrawn",
                           state);
    const char *org = who->org ? who->org : "";
    /* LIKE '%' for no state filter: "? IS NULL" leaves the parameter untyped in PostgreSQL */
    json_t *p = json_pack("[siss]", state ? state : "%", who->coordinator, org, org);
    int rc = store_query_json(s,
                              "SELECT " AID_COLS
                              ", (SELECT COUNT(*) FROM sitrep_aid_offers f WHERE f.request_id ="
                              " r.id) AS offers FROM sitrep_aid_requests r"
                              " LEFT JOIN organisations o ON o.ods_code = r.org_code"
                              " WHERE r.state LIKE ?"
                              " AND (? = 1 OR r.state IN ('open', 'offered')"
                              " OR substr(r.org_code, 1, 3) = substr(?, 1, 3)"
                              " OR r.id IN (SELECT request_id FROM sitrep_aid_offers"
                              " WHERE substr(org_code, 1, 3) = substr(?, 1, 3)))"
                              " ORDER BY r.id DESC",
                              p, out, e);
    json_decref(p);
    return rc;
}

int store_sitrep_aid_act(store *s, int64_t id, int action, const json_t *body,
                         const store_sitrep_actor *who, json_t **before, json_t **after, ics_err *e)
{
    static const char *const k_offer[] = {"org", "quantity", "note", NULL};
    static const char *const k_agree[] = {"offer_id", "note", NULL};
    static const char *const k_other[] = {"note", NULL};
    json_t *empty = NULL;
    if (!body) body = empty = json_object();
    *before = *after = NULL;
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    sb b;
    sb_init(&b);
    int n = 0;
    unknown_members(body,
                    action == SITREP_AID_OFFER   ? k_offer
                    : action == SITREP_AID_AGREE ? k_agree
                                                 : k_other,
                    &b, &n);
    const char *note = str_member(body, "note", &b, &n);
    const char *offer_org = NULL;
    int quantity = 0;
    int64_t offer_id = 0;
    char offer_org_buf[8] = "";
    if (action == SITREP_AID_OFFER) {
        offer_org = str_member(body, "org", &b, &n);
        if (!offer_org && who->org && who->org[0]) offer_org = who->org;
        if (!offer_org) add_problem(&b, &n, "missing field 'org' (the offering organisation)");
        json_t *q = json_object_get(body, "quantity");
        if (q && !json_is_integer(q))
            add_problem(&b, &n, "field 'quantity' must be an integer");
        else if (q && (json_integer_value(q) < 1 || json_integer_value(q) > 1000))
            add_problem(&b, &n, "quantity must be 1 to 1000");
        else if (q)
            quantity = (int)json_integer_value(q);
    } else if (action == SITREP_AID_AGREE) {
        json_t *o = json_object_get(body, "offer_id");
        if (!o)
            add_problem(&b, &n, "missing field 'offer_id'");
        else if (!json_is_integer(o))
            add_problem(&b, &n, "field 'offer_id' must be an integer");
        else
            offer_id = json_integer_value(o);
    }
    json_decref(empty);
    if (n) return problems_done(&b, n, e);
    sb_free(&b);
    int rc = store_sitrep_aid_get(s, id, before, e);
    if (rc) return rc;
    int state = sitrep_aid_state_find(json_string_value(json_object_get(*before, "state")));
    const char *requester = json_string_value(json_object_get(*before, "org"));
    if (action == SITREP_AID_OFFER) {
        store_sitrep_provider pv;
        if ((rc = store_sitrep_provider_find(s, offer_org, &pv, e))) return rc;
    } else if (action == SITREP_AID_AGREE || action == SITREP_AID_FULFIL) {
        int64_t want = action == SITREP_AID_AGREE
                           ? offer_id
                           : json_integer_value(json_object_get(*before, "agreed_offer_id"));
        size_t i;
        json_t *o;
        json_array_foreach(json_object_get(*before, "offers"), i, o)
        {
            if (json_integer_value(json_object_get(o, "id")) == want)
                snprintf(offer_org_buf, sizeof offer_org_buf, "%s",
                         json_string_value(json_object_get(o, "org")));
        }
        offer_org = offer_org_buf;
    }
    sitrep_aid_actor actor = {who->coordinator, who->org ? who->org : ""};
    int next;
    if ((rc = sitrep_aid_step(state, action, requester, offer_org, &actor, &next, e))) return rc;
    /* after the state and role checks, so agreeing too early is a conflict */
    if (action == SITREP_AID_AGREE && !offer_org_buf[0])
        return ics_err_set(e, ICS_EINVAL, "request %lld has no offer %lld", (long long)id,
                           (long long)offer_id);
    char now[32];
    now_utc(now);
    json_t *p = NULL;
    if (action == SITREP_AID_OFFER) {
        if (!quantity) quantity = (int)json_integer_value(json_object_get(*before, "quantity"));
        p = json_pack("[Isis?sss]", (json_int_t)id, offer_org, quantity, note, "offered", now,
                      who->name);
        rc = store_exec_params(s,
                               "INSERT INTO sitrep_aid_offers (request_id, org_code, quantity,"
                               " note, state, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               p, e);
    } else if (action == SITREP_AID_AGREE) {
        p = json_pack("[II]", (json_int_t)offer_id, (json_int_t)id);
        rc = store_exec_params(s,
                               "UPDATE sitrep_aid_offers SET state = CASE WHEN id = ? THEN"
                               " 'agreed' ELSE 'declined' END WHERE request_id = ?",
                               p, e);
        if (!rc)
            rc = store_exec_params(s,
                                   "UPDATE sitrep_aid_requests SET agreed_offer_id = ?"
                                   " WHERE id = ?",
                                   p, e);
    }
    json_decref(p);
    if (!rc)
        rc = aid_event(s, id, sitrep_aid_action_name(action), sitrep_aid_state_name(next), who,
                       action == SITREP_AID_OFFER || action == SITREP_AID_AGREE
                           ? offer_org
                           : (who->org && who->org[0] ? who->org : NULL),
                       note, e);
    if (!rc) rc = store_sitrep_aid_get(s, id, after, e);
    return rc;
}

/* Spare beds of the requested type in a stored row's figures. */
static double spare_beds(json_t *fields, const char *type)
{
#define F(k) json_number_value(json_object_get(fields, k))
    if (strcmp(type, "ga") == 0)
        return F("ga_beds_core") + F("ga_beds_escalation") - F("ga_beds_occupied");
    if (strcmp(type, "critical_care") == 0) return F("cc_beds") - F("cc_occupied");
    if (strcmp(type, "community") == 0) return F("community_beds") - F("community_occupied");
    if (strcmp(type, "mental_health") == 0) return F("mh_beds") - F("mh_occupied");
    return 0;
#undef F
}

int store_sitrep_aid_suggest(store *s, int64_t id, json_t **out, ics_err *e)
{
    json_t *req;
    int rc = store_sitrep_aid_get(s, id, &req, e);
    if (rc) return rc;
    sitrep_aid_request r;
    memset(&r, 0, sizeof r);
    snprintf(r.org, sizeof r.org, "%s", json_string_value(json_object_get(req, "org")));
    r.resource = sitrep_resource_find(json_string_value(json_object_get(req, "resource")));
    snprintf(r.detail, sizeof r.detail, "%s", json_string_value(json_object_get(req, "detail")));
    json_t *rows;
    rc = store_query_json(
        s,
        "SELECT s.org_code AS org, o.name, s.kind, s.day, s.level, s.score, s.score_min,"
        " s.score_max, s.fields_json,"
        " (SELECT lat FROM sites WHERE org_code = o.ods_code ORDER BY site_code LIMIT 1) AS lat,"
        " (SELECT lon FROM sites WHERE org_code = o.ods_code ORDER BY site_code LIMIT 1) AS lon"
        " FROM sitrep_submissions s JOIN organisations o ON o.ods_code = s.org_code"
        " WHERE s.is_current = 1 AND s.day = (SELECT MAX(day) FROM sitrep_submissions x"
        " WHERE x.org_code = s.org_code AND x.is_current = 1) ORDER BY s.org_code",
        NULL, &rows, e);
    if (rc) {
        json_decref(req);
        return rc;
    }
    json_t *home = NULL, *p = json_pack("[s]", r.org);
    ics_err ge = {0};
    store_query_one(s,
                    "SELECT lat, lon FROM sites WHERE org_code = substr(?, 1, 3)"
                    " ORDER BY site_code LIMIT 1",
                    p, &home, &ge);
    json_decref(p);
    size_t n = json_array_size(rows), i;
    sitrep_aid_candidate *c = calloc(n + 1, sizeof *c);
    sitrep_aid_suggestion *sg = calloc(n + 1, sizeof *sg);
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        sitrep_aid_candidate *x = &c[i];
        snprintf(x->org, sizeof x->org, "%s", json_string_value(json_object_get(row, "org")));
        x->kind = sitrep_kind_find(json_string_value(json_object_get(row, "kind")));
        x->level = (int)json_integer_value(json_object_get(row, "level"));
        json_t *sc = json_object_get(row, "score"), *mn = json_object_get(row, "score_min"),
               *mx = json_object_get(row, "score_max");
        double span = json_number_value(mx) - json_number_value(mn);
        x->pressure = json_is_number(sc) && span > 0
                          ? (json_number_value(sc) - json_number_value(mn)) / span
                          : (x->level - 1) / 3.0;
        json_t *fields = json_object_get(row, "fields");
        x->spare_beds = r.resource == SITREP_RES_BEDS ? spare_beds(fields, r.detail) : 0;
        json_t *abs = json_object_get(fields, "staff_absence_pct");
        x->staff_absence_pct = abs ? json_number_value(abs) : -1;
        json_t *lat = json_object_get(row, "lat");
        x->km = home && json_is_number(lat)
                    ? geo_km(json_number_value(json_object_get(home, "lat")),
                             json_number_value(json_object_get(home, "lon")),
                             json_number_value(lat), json_number_value(json_object_get(row, "lon")))
                    : -1;
    }
    size_t m = c && sg ? sitrep_aid_suggest(&r, c, n, sg, n) : 0;
    json_t *list = json_array();
    for (size_t k = 0; k < m; k++) {
        json_t *src = json_array_get(rows, sg[k].index);
        const sitrep_aid_candidate *x = &c[sg[k].index];
        json_t *o = json_pack("{sisssOsOsOsisfss}", "rank", (int)k + 1, "org", x->org, "name",
                              json_object_get(src, "name"), "kind", json_object_get(src, "kind"),
                              "latest_day", json_object_get(src, "day"), "level", x->level,
                              "pressure", round(x->pressure * 100) / 100, "reason", sg[k].reason);
        if (r.resource == SITREP_RES_BEDS)
            json_object_set_new(o, "spare_beds", json_real(x->spare_beds));
        if (x->staff_absence_pct >= 0)
            json_object_set_new(o, "staff_absence_pct", json_real(x->staff_absence_pct));
        json_object_set_new(o, "km", x->km >= 0 ? json_real(round(x->km * 10) / 10) : json_null());
        json_array_append_new(list, o);
    }
    *out = json_pack("{sIsOsOsOso}", "request_id", (json_int_t)id, "org",
                     json_object_get(req, "org"), "resource", json_object_get(req, "resource"),
                     "detail", json_object_get(req, "detail"), "suggestions", list);
    free(c);
    free(sg);
    json_decref(rows);
    json_decref(home);
    json_decref(req);
    return 0;
}
