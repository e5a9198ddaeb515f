/* store/beds.c - the bed bureau's schema and SQL: beds and their status
 * history, unit confirmations, bed referrals and stays; loading them into
 * the engine's structs; the lifecycle's conditional UPDATEs (an offer moves
 * a bed ... WHERE status = 'available', so two coordinators can never be
 * given the same bed); the inserts imports and the synthetic history use.
 * Validation, permissions, audit and engines live in src/app/beds.c. */
#include "store/beds.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/sb.h"
#include "core/jget.h"
#include "core/tz.h"
#include "core/valid.h"

static int beds_version_triggers(store *s, ics_err *e)
{
    static const char *const tables[] = {"beds", "bed_referrals", "bed_stays",
                                         "unit_confirmations"};
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof tables / sizeof *tables; i++)
        rc = store_migrate_version_triggers(s, "beds", tables[i], e);
    return rc;
}

const store_migration store_schema_beds[] = {
    {"beds", 1,
     "CREATE TABLE beds ("
     " bed_id INTEGER PRIMARY KEY,"
     " bed_code TEXT NOT NULL UNIQUE,"
     " unit_code TEXT NOT NULL REFERENCES units(unit_code),"
     " bay_sex TEXT CHECK (bay_sex IN ('M','F')),"
     " status TEXT NOT NULL CHECK (status IN "
     "('available','reserved','occupied','closed','cleaning')),"
     " closure TEXT CHECK (closure IN ('infection_control','staffing','maintenance')),"
     " referral_id INTEGER,"
     " updated_at INTEGER NOT NULL,"
     " updated_by TEXT NOT NULL);"
     "CREATE INDEX beds_unit ON beds(unit_code);"
     "CREATE TABLE bed_status_history ("
     " id INTEGER PRIMARY KEY,"
     " bed_id INTEGER NOT NULL REFERENCES beds(bed_id),"
     " at INTEGER NOT NULL,"
     " actor TEXT NOT NULL,"
     " status TEXT NOT NULL,"
     " closure TEXT,"
     " referral_id INTEGER,"
     " note TEXT);"
     "CREATE INDEX bed_status_history_bed ON bed_status_history(bed_id, at);"
     "CREATE TABLE unit_confirmations ("
     " unit_code TEXT PRIMARY KEY REFERENCES units(unit_code),"
     " confirmed_at INTEGER NOT NULL,"
     " confirmed_by TEXT NOT NULL);"
     "CREATE TABLE bed_referrals ("
     " referral_id INTEGER PRIMARY KEY,"
     " nhs_number TEXT NOT NULL,"
     " age INTEGER NOT NULL CHECK (age >= 0 AND age <= 130),"
     " sex TEXT NOT NULL CHECK (sex IN ('M','F','U')),"
     " postcode TEXT,"
     " district TEXT,"
     " home_lat REAL,"
     " home_lon REAL,"
     " place_code TEXT REFERENCES places(code),"
     " referring_site TEXT REFERENCES sites(site_code),"
     " referring_org TEXT,"
     " bed_type TEXT NOT NULL,"
     " priority INTEGER NOT NULL CHECK (priority >= 1 AND priority <= 3),"
     " referred_at INTEGER NOT NULL,"
     " earliest_at INTEGER NOT NULL,"
     " notes TEXT,"
     " state TEXT NOT NULL CHECK (state IN "
     "('waiting','offered','accepted','admitted','discharged','declined','cancelled')),"
     " bed_id INTEGER REFERENCES beds(bed_id),"
     " offered_at INTEGER,"
     " accepted_at INTEGER,"
     " admitted_at INTEGER,"
     " discharged_at INTEGER,"
     " destination TEXT,"
     " reason TEXT,"
     " synthetic INTEGER NOT NULL DEFAULT 0,"
     " created_by TEXT NOT NULL,"
     " updated_at INTEGER NOT NULL);"
     "CREATE INDEX bed_referrals_state ON bed_referrals(state, referred_at);"
     "CREATE TABLE bed_stays ("
     " stay_id INTEGER PRIMARY KEY,"
     " referral_id INTEGER REFERENCES bed_referrals(referral_id),"
     " unit_code TEXT NOT NULL REFERENCES units(unit_code),"
     " bed_id INTEGER REFERENCES beds(bed_id),"
     " admitted_at INTEGER NOT NULL,"
     " discharged_at INTEGER,"
     " ready_day TEXT,"
     " expected_day TEXT,"
     " destination TEXT,"
     " synthetic INTEGER NOT NULL DEFAULT 0,"
     " CHECK (discharged_at IS NULL OR discharged_at >= admitted_at));"
     "CREATE INDEX bed_stays_unit ON bed_stays(unit_code, discharged_at);",
     NULL},
    /* A side room is a bed attribute of its own (a single room: either sex,
     * and what isolation needs). The seeded beds of a mixed unit that are
     * in no bay were its side rooms, so they become side rooms here. */
    {"beds", 2,
     "ALTER TABLE beds ADD COLUMN side_room INTEGER NOT NULL DEFAULT 0"
     " CHECK (side_room IN (0, 1));"
     "UPDATE beds SET side_room = 1 WHERE bay_sex IS NULL"
     " AND unit_code IN (SELECT unit_code FROM units WHERE sex = 'mixed');",
     NULL},
    /* The beds version: a counter (a row of directory_version) every change
     * to the bed tables moves on in its own transaction, so the board kept
     * in memory by src/app knows on every server when it is out of date. */
    {"beds", 3, "INSERT INTO directory_version (name, version) VALUES ('beds', 1)",
     beds_version_triggers},
    /* the referral list's order, with and without its state filter, so a
     * page (by offset or after a referral) is an index range */
    {"beds", 4,
     "CREATE INDEX bed_referrals_order ON bed_referrals(priority, referred_at, referral_id);"
     "CREATE INDEX bed_referrals_state_order ON bed_referrals(state, priority, referred_at,"
     " referral_id);",
     NULL},
    {NULL, 0, NULL, NULL}};

/* ---- small helpers ---------------------------------------------------- */

/* Run a write with params (stolen). */
static int run(store *s, const char *sql, json_t *params, ics_err *e)
{
    int rc = store_exec_params(s, sql, params, e);
    json_decref(params);
    return rc;
}

static int qint(store *s, const char *sql, json_t *params, int64_t def, int64_t *out, ics_err *e)
{
    int rc = store_query_int(s, sql, params, def, out, e);
    json_decref(params);
    return rc;
}

static int qrows(store *s, const char *sql, json_t *params, json_t **rows, ics_err *e)
{
    int rc = store_query_json(s, sql, params, rows, e);
    json_decref(params);
    return rc;
}

static int qone(store *s, const char *sql, json_t *params, json_t **row, ics_err *e)
{
    int rc = store_query_one(s, sql, params, row, e);
    json_decref(params);
    return rc;
}

static char unit_sex(const char *s)
{
    return strcmp(s, "M") == 0 ? 'M' : strcmp(s, "F") == 0 ? 'F' : 'X';
}

/* ---- loading into the engine ----------------------------------------- */

void store_beds_data_free(beds_data *d)
{
    if (!d) return;
    free(d->units);
    free(d->unit_names);
    free(d->unit_places);
    free(d->beds);
    free(d->refs);
    free(d->stays);
    free(d);
}

int store_beds_unit_index(const beds_data *d, const char *code)
{
    for (size_t i = 0; i < d->nunits; i++)
        if (strcmp(d->units[i].code, code) == 0) return (int)i;
    return -1;
}

static int load_units(store *s, beds_data *d, ics_err *e)
{
    json_t *rows, *com;
    int rc = qrows(s,
                   "SELECT u.unit_code, u.name, u.bed_type, u.sex, s.lat, s.lon, s.place_code,"
                   " c.confirmed_at FROM units u JOIN sites s ON s.site_code = u.site_code"
                   " LEFT JOIN unit_confirmations c ON c.unit_code = u.unit_code"
                   " ORDER BY u.unit_code",
                   NULL, &rows, e);
    if (rc) return rc;
    size_t n = json_array_size(rows);
    d->units = calloc(n ? n : 1, sizeof *d->units);
    d->unit_names = calloc(n ? n : 1, sizeof *d->unit_names);
    d->unit_places = calloc(n ? n : 1, sizeof *d->unit_places);
    if (!d->units || !d->unit_names || !d->unit_places) {
        json_decref(rows);
        return ics_err_set(e, ICS_ENOMEM, "out of memory loading units");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(rows, i);
        beds_unit *u = &d->units[i];
        snprintf(u->code, sizeof u->code, "%s", jget_str(r, "unit_code", ""));
        snprintf(d->unit_names[i], sizeof d->unit_names[i], "%s", jget_str(r, "name", ""));
        snprintf(d->unit_places[i], sizeof d->unit_places[i], "%s", jget_str(r, "place_code", ""));
        if (beds_type_parse(jget_str(r, "bed_type", ""), &u->type, e)) {
            json_decref(rows);
            ics_err_prefix(e, "unit %s: ", u->code);
            return ICS_EINVAL;
        }
        u->sex = unit_sex(jget_str(r, "sex", ""));
        u->lat = json_number_value(json_object_get(r, "lat"));
        u->lon = json_number_value(json_object_get(r, "lon"));
        u->confirmed_at = jget_int(r, "confirmed_at", 0);
    }
    d->nunits = n;
    json_decref(rows);
    rc = qrows(s, "SELECT unit_code, place_code FROM unit_commissioners ORDER BY place_code", NULL,
               &com, e);
    if (rc) return rc;
    size_t i;
    json_t *r;
    json_array_foreach(com, i, r)
    {
        int k = store_beds_unit_index(d, jget_str(r, "unit_code", ""));
        if (k < 0 || d->units[k].nplaces >= BEDS_MAX_PLACES) continue;
        snprintf(d->units[k].places[d->units[k].nplaces++], BEDS_PLACE_MAX, "%s",
                 jget_str(r, "place_code", ""));
    }
    json_decref(com);
    return 0;
}

static int load_beds(store *s, beds_data *d, ics_err *e)
{
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT bed_id, bed_code, unit_code, bay_sex, status, closure, side_room"
                           " FROM beds ORDER BY bed_code",
                           &st, e);
    if (rc) return rc;
    size_t cap = 256;
    d->beds = malloc(cap * sizeof *d->beds);
    while (d->beds && (rc = store_step(st, e)) == 1) {
        int u = store_beds_unit_index(d, store_col_text(st, 2));
        if (u < 0) continue;
        if (d->nbeds == cap) {
            beds_bed *nb = realloc(d->beds, (cap *= 2) * sizeof *nb);
            if (!nb) break;
            d->beds = nb;
        }
        beds_bed *b = &d->beds[d->nbeds++];
        memset(b, 0, sizeof *b);
        b->id = store_col_int(st, 0);
        snprintf(b->code, sizeof b->code, "%s", store_col_text(st, 1));
        b->unit = u;
        b->bay_sex = store_col_text(st, 3)[0];
        beds_status_parse(store_col_text(st, 4), &b->status, NULL);
        if (!store_col_isnull(st, 5)) beds_closure_parse(store_col_text(st, 5), &b->closure, NULL);
        b->side_room = store_col_int(st, 6) == 1;
    }
    store_finalize(st);
    if (!d->beds || rc == 1) return ics_err_set(e, ICS_ENOMEM, "out of memory loading beds");
    return rc < 0 ? rc : 0;
}

void store_beds_referral_from_row(const json_t *r, beds_referral *f)
{
    memset(f, 0, sizeof *f);
    f->id = jget_int(r, "referral_id", 0);
    snprintf(f->nhs, sizeof f->nhs, "%s", jget_str(r, "nhs_number", ""));
    f->age = (int)jget_int(r, "age", 0);
    f->sex = jget_str(r, "sex", "")[0];
    json_t *lat = json_object_get(r, "home_lat"), *lon = json_object_get(r, "home_lon");
    f->has_home = json_is_number(lat) && json_is_number(lon);
    f->lat = json_number_value(lat);
    f->lon = json_number_value(lon);
    snprintf(f->place, sizeof f->place, "%s", jget_str(r, "place_code", ""));
    beds_type_parse(jget_str(r, "bed_type", ""), &f->type, NULL);
    f->priority = (int)jget_int(r, "priority", 0);
    f->referred_at = jget_int(r, "referred_at", 0);
    f->earliest_at = jget_int(r, "earliest_at", 0);
}

#define REF_COLS                                                                                   \
    "r.referral_id, r.nhs_number, r.age, r.sex, r.postcode, r.district, r.home_lat, r.home_lon,"   \
    " r.place_code, r.referring_site, r.referring_org, r.bed_type, r.priority, r.referred_at,"     \
    " r.earliest_at, r.notes, r.state, r.bed_id, b.bed_code, b.unit_code, r.offered_at,"           \
    " r.accepted_at, r.admitted_at, r.discharged_at, r.destination, r.reason, r.synthetic,"        \
    " r.updated_at"

static int load_waiting(store *s, beds_data *d, ics_err *e)
{
    json_t *rows;
    int rc =
        qrows(s,
              "SELECT " REF_COLS " FROM bed_referrals r LEFT JOIN beds b ON b.bed_id = r.bed_id"
              " WHERE r.state = 'waiting' ORDER BY r.referred_at, r.referral_id",
              NULL, &rows, e);
    if (rc) return rc;
    size_t n = json_array_size(rows);
    d->refs = calloc(n ? n : 1, sizeof *d->refs);
    if (!d->refs) {
        json_decref(rows);
        return ics_err_set(e, ICS_ENOMEM, "out of memory loading referrals");
    }
    for (size_t i = 0; i < n; i++)
        store_beds_referral_from_row(json_array_get(rows, i), &d->refs[i]);
    d->nrefs = n;
    json_decref(rows);
    return 0;
}

static int load_stays(store *s, beds_data *d, ics_err *e)
{
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT unit_code, admitted_at, discharged_at, ready_day, expected_day"
                           " FROM bed_stays ORDER BY stay_id",
                           &st, e);
    if (rc) return rc;
    size_t cap = 1024;
    d->stays = malloc(cap * sizeof *d->stays);
    while (d->stays && (rc = store_step(st, e)) == 1) {
        int u = store_beds_unit_index(d, store_col_text(st, 0));
        if (u < 0) continue;
        if (d->nstays == cap) {
            beds_stay *ns = realloc(d->stays, (cap *= 2) * sizeof *ns);
            if (!ns) break;
            d->stays = ns;
        }
        beds_stay *y = &d->stays[d->nstays++];
        y->unit = u;
        y->admit_day = tz_local_date(store_col_int(st, 1));
        y->discharge_day = store_col_isnull(st, 2) ? -1 : tz_local_date(store_col_int(st, 2));
        y->ready_day = y->expected_day = -1;
        if (!store_col_isnull(st, 3)) tz_parse_date(store_col_text(st, 3), &y->ready_day, NULL);
        if (!store_col_isnull(st, 4)) tz_parse_date(store_col_text(st, 4), &y->expected_day, NULL);
    }
    store_finalize(st);
    if (!d->stays || rc == 1) return ics_err_set(e, ICS_ENOMEM, "out of memory loading stays");
    return rc < 0 ? rc : 0;
}

int store_beds_load(store *s, int what, beds_data **out, ics_err *e)
{
    *out = NULL;
    beds_data *d = calloc(1, sizeof *d);
    if (!d) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    int rc = load_units(s, d, e);
    if (!rc && (what & BEDS_LOAD_BOARD)) rc = load_beds(s, d, e);
    if (!rc && (what & BEDS_LOAD_WAITING)) rc = load_waiting(s, d, e);
    if (!rc && (what & BEDS_LOAD_STAYS)) rc = load_stays(s, d, e);
    if (rc) {
        store_beds_data_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

/* ---- referrals --------------------------------------------------------- */

#define REF_FROM                                                                                   \
    " FROM bed_referrals r LEFT JOIN beds b ON b.bed_id = r.bed_id"                                \
    " LEFT JOIN units u ON u.unit_code = b.unit_code"                                              \
    " LEFT JOIN sites us ON us.site_code = u.site_code"

int store_beds_referral_row(store *s, int64_t id, json_t **row, ics_err *e)
{
    int rc =
        qone(s, "SELECT " REF_COLS ", us.org_code AS unit_org" REF_FROM " WHERE r.referral_id = ?",
             json_pack("[I]", (json_int_t)id), row, e);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "no bed referral %lld", (long long)id);
    return rc;
}

int store_beds_referral_list(store *s, const char *state, const char *org, const char *ics,
                             int64_t limit, int64_t offset, int64_t after, json_t **rows,
                             int64_t *total, ics_err *e)
{
    assert(after >= 0 && offset >= 0);
    assert(ics && *ics);
    /* the state named in the SQL only when given, so that the planner can
     * use the index that starts with it (a "? IS NULL OR" term it cannot) */
    char where[256];
    snprintf(where, sizeof where,
             " WHERE%s (? IS NULL OR r.referring_org = ?)"
             " AND r.place_code IN (SELECT code FROM places WHERE ics_code = ?)",
             state ? " r.state = ? AND" : "");
    char sql[1600];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM bed_referrals r%s", where);
    json_t *p = json_pack("[s?s?s]", org, org, ics);
    if (state) json_array_insert_new(p, 0, json_string(state));
    int rc = store_query_int(s, sql, p, 0, total, e);
    if (rc) {
        json_decref(p);
        return rc;
    }
    /* the list's order is an index range (beds migration 4: with the state
     * in front, and without); a cursor resumes after its row's place in it */
    int n = snprintf(sql, sizeof sql,
                     "SELECT " REF_COLS ", us.org_code AS unit_org" REF_FROM
                     "%s%s ORDER BY r.priority, r.referred_at, r.referral_id LIMIT ? OFFSET ?",
                     where,
                     after ? " AND (r.priority, r.referred_at, r.referral_id) > (SELECT x.priority,"
                             " x.referred_at, x.referral_id FROM bed_referrals x"
                             " WHERE x.referral_id = ?)"
                           : "");
    assert(n > 0 && (size_t)n < sizeof sql);
    if (after) json_array_append_new(p, json_integer(after));
    json_array_append_new(p, json_integer(limit));
    json_array_append_new(p, json_integer(offset));
    return qrows(s, sql, p, rows, e);
}

int store_beds_unit_ics(store *s, const char *unit, char out[16], ics_err *e)
{
    json_t *rows = NULL;
    out[0] = '\0';
    int rc = qrows(s,
                   "SELECT COALESCE(p.ics_code, o.ics_code) AS ics FROM units u"
                   " JOIN sites t ON t.site_code = u.site_code"
                   " LEFT JOIN places p ON p.code = t.place_code"
                   " LEFT JOIN organisations o ON o.ods_code = t.org_code WHERE u.unit_code = ?",
                   json_pack("[s]", unit), &rows, e);
    if (!rc && json_array_size(rows))
        snprintf(out, 16, "%s", jget_str(json_array_get(rows, 0), "ics", ""));
    json_decref(rows);
    return rc;
}

/* An integer column that is NULL when 0. */
static json_t *int_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

static json_t *str_or_null(const char *v)
{
    return v ? json_string(v) : json_null();
}

int store_beds_referral_insert(store *s, const beds_ref_rec *r, int64_t *id, ics_err *e)
{
    json_t *q = json_array();
    json_array_append_new(q, json_string(r->nhs));
    json_array_append_new(q, json_integer(r->age));
    json_array_append_new(q, json_string(r->sex));
    json_array_append_new(q, str_or_null(r->postcode));
    json_array_append_new(q, str_or_null(r->district));
    json_array_append_new(q, r->has_home ? json_real(r->lat) : json_null());
    json_array_append_new(q, r->has_home ? json_real(r->lon) : json_null());
    json_array_append_new(q, str_or_null(r->place));
    json_array_append_new(q, str_or_null(r->site));
    json_array_append_new(q, str_or_null(r->org));
    json_array_append_new(q, json_string(r->bed_type));
    json_array_append_new(q, json_integer(r->priority));
    json_array_append_new(q, json_integer(r->referred_at));
    json_array_append_new(q, json_integer(r->earliest_at));
    json_array_append_new(q, str_or_null(r->notes));
    json_array_append_new(q, json_string(r->state));
    json_array_append_new(q, json_string(r->created_by));
    json_array_append_new(q, int_or_null(r->bed));
    json_array_append_new(q, int_or_null(r->offered_at));
    json_array_append_new(q, int_or_null(r->accepted_at));
    json_array_append_new(q, int_or_null(r->admitted_at));
    json_array_append_new(q, int_or_null(r->discharged_at));
    json_array_append_new(q, str_or_null(r->destination));
    json_array_append_new(q, str_or_null(r->reason));
    json_array_append_new(q, json_integer(r->updated_at));
    json_array_append_new(q, json_integer(r->synthetic));
    int64_t rid = 0;
    int rc = qint(s,
                  "INSERT INTO bed_referrals (nhs_number, age, sex, postcode, district, home_lat,"
                  " home_lon, place_code, referring_site, referring_org, bed_type, priority,"
                  " referred_at, earliest_at, notes, state, created_by, bed_id, offered_at,"
                  " accepted_at, admitted_at, discharged_at, destination, reason, updated_at,"
                  " synthetic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                  " ?, ?, ?, ?, ?, ?) RETURNING referral_id",
                  q, 0, &rid, e);
    if (!rc && id) *id = rid;
    return rc;
}

/* Run a conditional UPDATE: 1 when it changed a row, 0 when none. */
static int moved(store *s, const char *sql, json_t *params, ics_err *e)
{
    int rc = run(s, sql, params, e);
    if (rc) return rc;
    return store_changes(s) == 1;
}

int store_beds_referral_offer(store *s, int64_t ref, int64_t bed, int64_t now, ics_err *e)
{
    return moved(
        s,
        "UPDATE bed_referrals SET state = 'offered', bed_id = ?, offered_at = ?,"
        " updated_at = ? WHERE referral_id = ? AND state = 'waiting'",
        json_pack("[IIII]", (json_int_t)bed, (json_int_t)now, (json_int_t)now, (json_int_t)ref), e);
}

int store_beds_referral_accept(store *s, int64_t ref, int64_t now, ics_err *e)
{
    return moved(s,
                 "UPDATE bed_referrals SET state = 'accepted', accepted_at = ?, updated_at = ?"
                 " WHERE referral_id = ? AND state = 'offered'",
                 json_pack("[III]", (json_int_t)now, (json_int_t)now, (json_int_t)ref), e);
}

int store_beds_referral_reopen(store *s, int64_t ref, const char *reason, int64_t now, ics_err *e)
{
    return moved(s,
                 "UPDATE bed_referrals SET state = 'waiting', bed_id = NULL, offered_at = NULL,"
                 " accepted_at = NULL, reason = ?, updated_at = ? WHERE referral_id = ?"
                 " AND state IN ('offered', 'accepted')",
                 json_pack("[s?II]", reason, (json_int_t)now, (json_int_t)ref), e);
}

int store_beds_referral_admit(store *s, int64_t ref, int64_t bed, int64_t at, int64_t now,
                              ics_err *e)
{
    return moved(
        s,
        "UPDATE bed_referrals SET state = 'admitted', bed_id = ?, admitted_at = ?,"
        " updated_at = ? WHERE referral_id = ? AND state = 'accepted'",
        json_pack("[IIII]", (json_int_t)bed, (json_int_t)at, (json_int_t)now, (json_int_t)ref), e);
}

int store_beds_referral_move_bed(store *s, int64_t ref, int64_t bed, int64_t now, ics_err *e)
{
    return moved(s,
                 "UPDATE bed_referrals SET bed_id = ?, updated_at = ?"
                 " WHERE referral_id = ? AND state = 'admitted'",
                 json_pack("[III]", (json_int_t)bed, (json_int_t)now, (json_int_t)ref), e);
}

int store_beds_referral_discharge(store *s, int64_t ref, int64_t at, const char *destination,
                                  int64_t now, ics_err *e)
{
    return moved(s,
                 "UPDATE bed_referrals SET state = 'discharged', discharged_at = ?,"
                 " destination = ?, updated_at = ? WHERE referral_id = ? AND state = 'admitted'",
                 json_pack("[IsII]", (json_int_t)at, destination, (json_int_t)now, (json_int_t)ref),
                 e);
}

int store_beds_referral_unadmit(store *s, int64_t ref, const char *reason, int64_t now, ics_err *e)
{
    return moved(s,
                 "UPDATE bed_referrals SET state = 'accepted', admitted_at = NULL,"
                 " reason = COALESCE(?, reason), updated_at = ?"
                 " WHERE referral_id = ? AND state = 'admitted'",
                 json_pack("[s?II]", reason, (json_int_t)now, (json_int_t)ref), e);
}

int store_beds_referral_undischarge(store *s, int64_t ref, const char *reason, int64_t now,
                                    ics_err *e)
{
    return moved(s,
                 "UPDATE bed_referrals SET state = 'admitted', discharged_at = NULL,"
                 " destination = NULL, reason = COALESCE(?, reason), updated_at = ?"
                 " WHERE referral_id = ? AND state = 'discharged'",
                 json_pack("[s?II]", reason, (json_int_t)now, (json_int_t)ref), e);
}

int store_beds_referral_close(store *s, int64_t ref, const char *from, const char *to,
                              const char *reason, int64_t now, ics_err *e)
{
    return moved(s,
                 "UPDATE bed_referrals SET state = ?, reason = ?, updated_at = ? WHERE"
                 " referral_id = ? AND state = ?",
                 json_pack("[ssIIs]", to, reason, (json_int_t)now, (json_int_t)ref, from), e);
}

int store_beds_referral_any(store *s, int *yes, ics_err *e)
{
    json_t *rows;
    int rc = qrows(s, "SELECT 1 FROM bed_referrals LIMIT 1", NULL, &rows, e);
    if (!rc) *yes = json_array_size(rows) > 0;
    json_decref(rows);
    return rc;
}

/* ---- stays -------------------------------------------------------------- */

int store_beds_stay_insert(store *s, const beds_stay_rec *r, ics_err *e)
{
    return run(s,
               "INSERT INTO bed_stays (referral_id, unit_code, bed_id, admitted_at, discharged_at,"
               " ready_day, destination, synthetic) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               json_pack("[osoIoooi]", int_or_null(r->referral), r->unit, int_or_null(r->bed),
                         (json_int_t)r->admitted_at, int_or_null(r->discharged_at),
                         str_or_null(r->ready_day), str_or_null(r->destination), r->synthetic),
               e);
}

int store_beds_stay_count(store *s, int64_t ref, int64_t *n, ics_err *e)
{
    return qint(s, "SELECT COUNT(*) FROM bed_stays WHERE referral_id = ?",
                json_pack("[I]", (json_int_t)ref), 0, n, e);
}

int store_beds_stay_drop_open(store *s, int64_t ref, ics_err *e)
{
    return run(s, "DELETE FROM bed_stays WHERE referral_id = ? AND discharged_at IS NULL",
               json_pack("[I]", (json_int_t)ref), e);
}

int store_beds_stay_reopen(store *s, int64_t ref, ics_err *e)
{
    return run(s,
               "UPDATE bed_stays SET discharged_at = NULL, destination = NULL, ready_day = NULL"
               " WHERE stay_id = (SELECT MAX(stay_id) FROM bed_stays WHERE referral_id = ?)",
               json_pack("[I]", (json_int_t)ref), e);
}

int store_beds_stay_close(store *s, int64_t ref, int64_t at, const char *destination,
                          const char *ready_day, ics_err *e)
{
    return run(s,
               "UPDATE bed_stays SET discharged_at = ?, destination = ?, ready_day = ?"
               " WHERE referral_id = ? AND discharged_at IS NULL",
               json_pack("[Iss?I]", (json_int_t)at, destination, ready_day, (json_int_t)ref), e);
}

/* ---- beds ---------------------------------------------------------------- */

#define BED_ROW_SQL                                                                                \
    "SELECT b.bed_id, b.bed_code, b.unit_code, b.status, b.closure, b.referral_id, s.org_code"     \
    " FROM beds b JOIN units u ON u.unit_code = b.unit_code"                                       \
    " JOIN sites s ON s.site_code = u.site_code"

static void bed_row_fill(const json_t *r, beds_bed_row *b)
{
    memset(b, 0, sizeof *b);
    b->id = jget_int(r, "bed_id", 0);
    b->referral = jget_int(r, "referral_id", 0);
    snprintf(b->code, sizeof b->code, "%s", jget_str(r, "bed_code", ""));
    snprintf(b->unit, sizeof b->unit, "%s", jget_str(r, "unit_code", ""));
    snprintf(b->status, sizeof b->status, "%s", jget_str(r, "status", ""));
    snprintf(b->closure, sizeof b->closure, "%s", jget_str(r, "closure", ""));
    snprintf(b->org, sizeof b->org, "%s", jget_str(r, "org_code", ""));
}

int store_beds_bed_find(store *s, int64_t bed, beds_bed_row *out, ics_err *e)
{
    json_t *row;
    int rc = qone(s, BED_ROW_SQL " WHERE b.bed_id = ?", json_pack("[I]", (json_int_t)bed), &row, e);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no bed %lld", (long long)bed);
    if (rc) return rc;
    bed_row_fill(row, out);
    json_decref(row);
    return 0;
}

int store_beds_bed_find_code(store *s, const char *code, beds_bed_row *out, ics_err *e)
{
    json_t *row;
    int rc = qone(s, BED_ROW_SQL " WHERE b.bed_code = ?", json_pack("[s]", code), &row, e);
    if (rc == ICS_ENOTFOUND) return 0;
    if (rc) return rc;
    bed_row_fill(row, out);
    json_decref(row);
    return 1;
}

int store_beds_bed_get(store *s, int64_t bed, json_t **out, ics_err *e)
{
    json_t *row, *hist;
    int rc = qone(s,
                  "SELECT bed_id, bed_code, unit_code, bay_sex, side_room, status, closure,"
                  " referral_id, updated_at, updated_by FROM beds WHERE bed_id = ?",
                  json_pack("[I]", (json_int_t)bed), &row, e);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no bed %lld", (long long)bed);
    if (rc) return rc;
    rc = qrows(s,
               "SELECT at, actor, status, closure, referral_id, note FROM bed_status_history"
               " WHERE bed_id = ? ORDER BY at DESC, id DESC LIMIT 50",
               json_pack("[I]", (json_int_t)bed), &hist, e);
    if (rc) {
        json_decref(row);
        return rc;
    }
    json_object_set_new(row, "history", hist);
    *out = row;
    return 0;
}

int store_beds_bed_list(store *s, const char *unit, const char *status, json_t **rows, ics_err *e)
{
    return qrows(s,
                 "SELECT bed_id, bed_code, unit_code, bay_sex, side_room, status, closure,"
                 " referral_id, updated_at, updated_by FROM beds WHERE (? IS NULL OR unit_code = ?)"
                 " AND (? IS NULL OR status = ?) ORDER BY bed_code",
                 json_pack("[s?s?s?s?]", unit, unit, status, status), rows, e);
}

int store_beds_history_add(store *s, int64_t bed, const char *actor, const char *status,
                           const char *closure, int64_t ref, const char *note, int64_t at,
                           ics_err *e)
{
    return run(s,
               "INSERT INTO bed_status_history (bed_id, at, actor, status, closure, referral_id,"
               " note) VALUES (?, ?, ?, ?, ?, ?, ?)",
               json_pack("[IIsss?os?]", (json_int_t)bed, (json_int_t)at, actor, status, closure,
                         int_or_null(ref), note),
               e);
}

int store_beds_bed_move(store *s, const char *actor, int64_t bed, const char *from, const char *to,
                        int64_t ref, const char *note, int64_t now, ics_err *e)
{
    int rc = moved(
        s,
        "UPDATE beds SET status = ?, closure = NULL, referral_id = ?, updated_at = ?,"
        " updated_by = ? WHERE bed_id = ? AND status = ?",
        json_pack("[soIsIs]", to, int_or_null(ref), (json_int_t)now, actor, (json_int_t)bed, from),
        e);
    if (rc != 1) return rc;
    rc = store_beds_history_add(s, bed, actor, to, NULL, ref, note, now, e);
    return rc ? rc : 1;
}

int store_beds_bed_set(store *s, const char *actor, int64_t bed, const char *from, const char *to,
                       const char *closure, const char *note, int64_t now, ics_err *e)
{
    int rc = moved(
        s,
        "UPDATE beds SET status = ?, closure = ?, updated_at = ?, updated_by = ?"
        " WHERE bed_id = ? AND status = ?",
        json_pack("[ss?IsIs]", to, closure, (json_int_t)now, actor, (json_int_t)bed, from), e);
    if (rc != 1) return rc;
    rc = store_beds_history_add(s, bed, actor, to, closure, 0, note, now, e);
    return rc ? rc : 1;
}

int store_beds_bed_side_room(store *s, int64_t bed, int side_room, ics_err *e)
{
    assert(side_room == 0 || side_room == 1);
    return run(s, "UPDATE beds SET side_room = ? WHERE bed_id = ?",
               json_pack("[iI]", side_room, (json_int_t)bed), e);
}

int store_beds_bed_insert(store *s, const char *code, const char *unit, const char *bay_sex,
                          const char *status, const char *closure, const char *actor, int64_t now,
                          int64_t *id, ics_err *e)
{
    int64_t bid = 0;
    int rc =
        qint(s,
             "INSERT INTO beds (bed_code, unit_code, bay_sex, status, closure, updated_at,"
             " updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING bed_id",
             json_pack("[sss?ss?Is]", code, unit, bay_sex, status, closure, (json_int_t)now, actor),
             0, &bid, e);
    if (!rc && id) *id = bid;
    return rc;
}

int store_beds_bed_rewrite(store *s, int64_t bed, const char *unit, const char *bay_sex,
                           const char *status, const char *closure, const char *actor, int64_t now,
                           ics_err *e)
{
    return run(s,
               "UPDATE beds SET unit_code = ?, status = ?, closure = ?, bay_sex = ?,"
               " updated_at = ?, updated_by = ? WHERE bed_id = ?",
               json_pack("[sss?s?IsI]", unit, status, closure, bay_sex, (json_int_t)now, actor,
                         (json_int_t)bed),
               e);
}

int store_beds_bed_write(store *s, int64_t bed, const char *status, const char *closure, int64_t at,
                         ics_err *e)
{
    return run(s, "UPDATE beds SET status = ?, closure = ?, updated_at = ? WHERE bed_id = ?",
               json_pack("[ss?II]", status, closure, (json_int_t)at, (json_int_t)bed), e);
}

int store_beds_bed_hold(store *s, int64_t bed, int64_t ref, ics_err *e)
{
    return run(s, "UPDATE beds SET referral_id = ? WHERE bed_id = ?",
               json_pack("[II]", (json_int_t)ref, (json_int_t)bed), e);
}

int store_beds_holds_sync(store *s, ics_err *e)
{
    return store_exec(s,
                      "UPDATE beds SET referral_id = (SELECT r.referral_id FROM bed_referrals r"
                      " WHERE r.bed_id = beds.bed_id AND r.state IN ('offered','accepted'))"
                      " WHERE EXISTS (SELECT 1 FROM bed_referrals r WHERE r.bed_id ="
                      " beds.bed_id AND r.state IN ('offered','accepted'))",
                      e);
}

int store_beds_units_without_beds(store *s, json_t **rows, ics_err *e)
{
    return qrows(s,
                 "SELECT unit_code, sex, beds FROM units u WHERE NOT EXISTS"
                 " (SELECT 1 FROM beds b WHERE b.unit_code = u.unit_code) ORDER BY unit_code",
                 NULL, rows, e);
}

/* ---- units and directory lookups ---------------------------------------- */

/* The first column of a one-row lookup into buf; ICS_ENOTFOUND. */
static int lookup(store *s, const char *sql, const char *key, char *buf, size_t n, ics_err *e)
{
    json_t *row;
    int rc = qone(s, sql, json_pack("[s]", key), &row, e);
    if (rc) return rc;
    const char *k;
    json_t *v;
    buf[0] = 0;
    json_object_foreach(row, k, v)
    {
        snprintf(buf, n, "%s", json_string_value(v) ? json_string_value(v) : "");
        break;
    }
    json_decref(row);
    return 0;
}

int store_beds_unit_org(store *s, const char *unit, char org[16], ics_err *e)
{
    int rc = lookup(s,
                    "SELECT s.org_code FROM units u JOIN sites s ON s.site_code = u.site_code"
                    " WHERE u.unit_code = ?",
                    unit, org, 16, e);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no unit '%s'", unit);
    return rc;
}

int store_beds_site_org(store *s, const char *site, char org[16], ics_err *e)
{
    int rc = lookup(s, "SELECT org_code FROM sites WHERE site_code = ?", site, org, 16, e);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no site '%s'", site);
    return rc;
}

int store_beds_unit_confirm(store *s, const char *unit, int64_t at, const char *by, json_t **row,
                            ics_err *e)
{
    int rc = run(s,
                 "INSERT INTO unit_confirmations (unit_code, confirmed_at, confirmed_by)"
                 " VALUES (?, ?, ?) ON CONFLICT (unit_code) DO UPDATE SET"
                 " confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by",
                 json_pack("[sIs]", unit, (json_int_t)at, by), e);
    if (rc || !row) return rc;
    return qone(s,
                "SELECT unit_code, confirmed_at, confirmed_by FROM unit_confirmations"
                " WHERE unit_code = ?",
                json_pack("[s]", unit), row, e);
}

int store_beds_district(store *s, const char *district, json_t **row, ics_err *e)
{
    return qone(s, "SELECT lat, lon, place_code FROM postcode_districts WHERE district = ?",
                json_pack("[s]", district), row, e);
}

int store_beds_districts(store *s, json_t **rows, ics_err *e)
{
    return qrows(s,
                 "SELECT district, lat, lon, place_code FROM postcode_districts"
                 " WHERE place_code IS NOT NULL ORDER BY district",
                 NULL, rows, e);
}

int store_beds_acute_sites(store *s, json_t **rows, ics_err *e)
{
    return qrows(s,
                 "SELECT site_code, org_code, lat, lon FROM sites WHERE kind = 'acute'"
                 " ORDER BY site_code",
                 NULL, rows, e);
}

int store_beds_place_exists(store *s, const char *place, int *yes, ics_err *e)
{
    json_t *rows;
    int rc = qrows(s, "SELECT 1 FROM places WHERE code = ?", json_pack("[s]", place), &rows, e);
    if (!rc) *yes = json_array_size(rows) > 0;
    json_decref(rows);
    return rc;
}

int store_beds_places(store *s, const char *ics, json_t **rows, ics_err *e)
{
    return qrows(s, "SELECT code, name FROM places WHERE ? IS NULL OR ics_code = ? ORDER BY code",
                 ics ? json_pack("[ss]", ics, ics) : json_pack("[nn]"), rows, e);
}

/* ---- the community bed return -------------------------------------------- */

int store_beds_return_units(store *s, json_t **rows, ics_err *e)
{
    return qrows(s,
                 "SELECT u.unit_code, u.site_code, s.org_code, o.name AS org_name,"
                 " SUM(CASE WHEN b.updated_by = 'seed' THEN 1 ELSE 0 END) AS seeded_beds"
                 " FROM units u JOIN sites s ON s.site_code = u.site_code"
                 " JOIN organisations o ON o.ods_code = s.org_code"
                 " LEFT JOIN beds b ON b.unit_code = u.unit_code"
                 " GROUP BY u.unit_code, u.site_code, s.org_code, o.name ORDER BY u.unit_code",
                 NULL, rows, e);
}

int store_beds_return_stays(store *s, int64_t from, int64_t to, json_t **rows, ics_err *e)
{
    return qrows(
        s,
        "SELECT referral_id, unit_code, admitted_at, discharged_at, ready_day, destination,"
        " synthetic FROM bed_stays WHERE discharged_at IS NULL"
        " OR (discharged_at >= ? AND discharged_at < ?)"
        " OR (admitted_at >= ? AND admitted_at < ?)",
        json_pack("[IIII]", (json_int_t)from, (json_int_t)to, (json_int_t)from, (json_int_t)to),
        rows, e);
}

int store_beds_versions(store *s, int64_t *directory, int64_t *beds, ics_err *e)
{
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT name, version FROM directory_version"
                           " WHERE name IN ('directory', 'beds')",
                           &st, e);
    if (rc) return rc;
    *directory = *beds = 0;
    while ((rc = store_step(st, e)) == 1) {
        const char *n = store_col_text(st, 0);
        int64_t v = store_col_int(st, 1);
        if (n && strcmp(n, "beds") == 0)
            *beds = v;
        else
            *directory = v;
    }
    store_finalize(st);
    return rc < 0 ? rc : 0;
}
