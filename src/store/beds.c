/* store/beds.c - the bed bureau's schema and SQL: beds and their status
 * history, unit confirmations, bed referrals and stays; loading them into
 * the engine's structs; the referral lifecycle, in which an offer reserves
 * a bed with one conditional UPDATE (... WHERE status = 'available') so two
 * coordinators can never be given the same bed; the board, length of stay,
 * matching, imports and the synthetic history. */
#include "store/beds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/sb.h"
#include "core/tz.h"
#include "core/valid.h"

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
     "CREATE INDEX bed_stays_unit ON bed_stays(unit_code, discharged_at);"},
    {NULL, 0, NULL}};

static const char *const destinations[] = {
    "home", "home_with_support", "care_home", "acute_readmission", "died", "other", NULL};

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

static const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static int64_t jint(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}

/* Integer instants in columns ending "_at" become London ISO times. */
static void iso_times(json_t *row)
{
    const char *k;
    json_t *v;
    json_object_foreach(row, k, v)
    {
        size_t n = strlen(k);
        if (n > 3 && strcmp(k + n - 3, "_at") == 0 && json_is_integer(v)) {
            char buf[32];
            tz_format(json_integer_value(v), buf, sizeof buf);
            json_object_set_new(row, k, json_string(buf));
        }
    }
}

static int64_t day_of(int64_t t)
{
    tz_local l;
    tz_to_local(t, &l);
    return l.date;
}

static int is_clinician(const beds_actor *a)
{
    return a && a->role && strcmp(a->role, "clinician") == 0;
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
        snprintf(u->code, sizeof u->code, "%s", jstr(r, "unit_code"));
        snprintf(d->unit_names[i], sizeof d->unit_names[i], "%s", jstr(r, "name"));
        snprintf(d->unit_places[i], sizeof d->unit_places[i], "%s", jstr(r, "place_code"));
        if (beds_type_parse(jstr(r, "bed_type"), &u->type, e)) {
            json_decref(rows);
            ics_err_prefix(e, "unit %s: ", u->code);
            return ICS_EINVAL;
        }
        u->sex = unit_sex(jstr(r, "sex"));
        u->lat = json_number_value(json_object_get(r, "lat"));
        u->lon = json_number_value(json_object_get(r, "lon"));
        u->confirmed_at = jint(r, "confirmed_at");
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
        int k = store_beds_unit_index(d, jstr(r, "unit_code"));
        if (k < 0 || d->units[k].nplaces >= BEDS_MAX_PLACES) continue;
        snprintf(d->units[k].places[d->units[k].nplaces++], BEDS_PLACE_MAX, "%s",
                 jstr(r, "place_code"));
    }
    json_decref(com);
    return 0;
}

static int load_beds(store *s, beds_data *d, ics_err *e)
{
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT bed_id, bed_code, unit_code, bay_sex, status, closure FROM beds"
                           " ORDER BY bed_code",
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
    }
    store_finalize(st);
    if (!d->beds || rc == 1) return ics_err_set(e, ICS_ENOMEM, "out of memory loading beds");
    return rc < 0 ? rc : 0;
}

/* A referral row (as selected by REF_COLS) into the engine struct. */
static void ref_from_row(const json_t *r, beds_referral *f)
{
    memset(f, 0, sizeof *f);
    f->id = jint(r, "referral_id");
    snprintf(f->nhs, sizeof f->nhs, "%s", jstr(r, "nhs_number"));
    f->age = (int)jint(r, "age");
    f->sex = jstr(r, "sex")[0];
    json_t *lat = json_object_get(r, "home_lat"), *lon = json_object_get(r, "home_lon");
    f->has_home = json_is_number(lat) && json_is_number(lon);
    f->lat = json_number_value(lat);
    f->lon = json_number_value(lon);
    snprintf(f->place, sizeof f->place, "%s", jstr(r, "place_code"));
    beds_type_parse(jstr(r, "bed_type"), &f->type, NULL);
    f->priority = (int)jint(r, "priority");
    f->referred_at = jint(r, "referred_at");
    f->earliest_at = jint(r, "earliest_at");
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
    for (size_t i = 0; i < n; i++) ref_from_row(json_array_get(rows, i), &d->refs[i]);
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
        y->admit_day = day_of(store_col_int(st, 1));
        y->discharge_day = store_col_isnull(st, 2) ? -1 : day_of(store_col_int(st, 2));
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

static int ref_row(store *s, int64_t id, json_t **row, ics_err *e)
{
    int rc = qone(s,
                  "SELECT " REF_COLS " FROM bed_referrals r LEFT JOIN beds b ON b.bed_id = r.bed_id"
                  " WHERE r.referral_id = ?",
                  json_pack("[I]", (json_int_t)id), row, e);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "no bed referral %lld", (long long)id);
    return rc;
}

/* The row as the API shows it: ISO times, home coordinates dropped,
 * waiting days (referral to admission, or to now). */
static json_t *ref_view(json_t *row, int64_t now)
{
    int64_t from = jint(row, "referred_at");
    json_t *adm = json_object_get(row, "admitted_at");
    int64_t to = json_is_integer(adm) ? json_integer_value(adm) : now;
    json_object_set_new(row, "wait_days", json_real((double)(to - from) / 86400.0));
    json_object_del(row, "home_lat");
    json_object_del(row, "home_lon");
    json_object_set_new(row, "synthetic", json_boolean(jint(row, "synthetic")));
    iso_times(row);
    return row;
}

static int visible(const beds_actor *a, const json_t *row)
{
    return !is_clinician(a) || (a->org && strcmp(a->org, jstr(row, "referring_org")) == 0);
}

int store_beds_referral_get(store *s, const beds_actor *a, int64_t id, json_t **out, ics_err *e)
{
    json_t *row;
    int rc = ref_row(s, id, &row, e);
    if (rc) return rc;
    if (!visible(a, row)) {
        json_decref(row);
        return ics_err_set(e, ICS_ENOTFOUND, "no bed referral %lld", (long long)id);
    }
    *out = ref_view(row, tz_now());
    return 0;
}

int store_beds_referral_list(store *s, const beds_actor *a, const char *state, int64_t limit,
                             int64_t offset, json_t **rows, int64_t *total, ics_err *e)
{
    beds_ref_state st;
    if (state && beds_ref_state_parse(state, &st, e)) return ICS_EINVAL;
    const char *org = is_clinician(a) ? (a->org ? a->org : "") : NULL;
    const char *where = " WHERE (? IS NULL OR r.state = ?) AND (? IS NULL OR r.referring_org = ?)";
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM bed_referrals r%s", where);
    int rc = qint(s, sql, json_pack("[s?s?s?s?]", state, state, org, org), 0, total, e);
    if (rc) return rc;
    snprintf(sql, sizeof sql,
             "SELECT " REF_COLS " FROM bed_referrals r LEFT JOIN beds b ON b.bed_id = r.bed_id%s"
             " ORDER BY r.priority, r.referred_at, r.referral_id LIMIT ? OFFSET ?",
             where);
    json_t *p =
        json_pack("[s?s?s?s?II]", state, state, org, org, (json_int_t)limit, (json_int_t)offset);
    rc = qrows(s, sql, p, rows, e);
    if (rc) return rc;
    int64_t now = tz_now();
    size_t i;
    json_t *r;
    json_array_foreach(*rows, i, r) ref_view(r, now);
    return 0;
}

/* Collect validation problems into one message. */
static void problem(sb *b, const char *fmt, const char *v)
{
    if (b->len) sb_puts(b, "; ");
    sb_printf(b, fmt, v);
}

int store_beds_referral_create(store *s, const beds_actor *a, const json_t *body, int64_t now,
                               json_t **after, ics_err *e)
{
    sb bad;
    sb_init(&bad);
    char nhs[11] = "", pc[9] = "", district[5] = "";
    ics_err ve = {0};
    const char *v = jstr(body, "nhs_number");
    if (valid_nhs_number(v, nhs, &ve)) problem(&bad, "nhs_number: %s", ve.msg);
    json_int_t age = jint(body, "age");
    if (!json_is_integer(json_object_get(body, "age")) || age < 0 || age > 130)
        problem(&bad, "age: must be a whole number from 0 to 130%s", "");
    const char *sex = jstr(body, "sex");
    if (strcmp(sex, "M") && strcmp(sex, "F") && strcmp(sex, "U"))
        problem(&bad, "sex: '%s' is not M, F or U", sex);
    beds_type t;
    if (beds_type_parse(jstr(body, "bed_type"), &t, &ve)) problem(&bad, "bed_type: %s", ve.msg);
    json_int_t prio = jint(body, "priority");
    if (prio < 1 || prio > 3) problem(&bad, "priority: must be 1 (urgent), 2 or 3 (routine)%s", "");
    int64_t earliest = now;
    const char *et = json_string_value(json_object_get(body, "earliest_transfer"));
    if (et && tz_parse(et, &earliest, &ve)) problem(&bad, "earliest_transfer: %s", ve.msg);
    const char *notes = json_string_value(json_object_get(body, "notes"));
    if (notes && strlen(notes) > 2000) problem(&bad, "notes: longer than 2000 characters%s", "");
    /* home: postcode -> district -> place and coordinates */
    json_t *home = NULL;
    if (valid_postcode(jstr(body, "postcode"), pc, &ve)) {
        problem(&bad, "postcode: %s", ve.msg);
    } else {
        valid_postcode_outward(pc, district);
        qone(s, "SELECT lat, lon, place_code FROM postcode_districts WHERE district = ?",
             json_pack("[s]", district), &home, NULL);
    }
    const char *place = json_string_value(json_object_get(body, "place_code"));
    if (!place && home) place = jstr(home, "place_code");
    if (!place && *pc)
        problem(&bad,
                "postcode: district %s is not in the ICS directory; give place_code for the "
                "patient's borough",
                district);
    int64_t nplace = 1;
    if (place && qint(s, "SELECT COUNT(*) FROM places WHERE code = ?", json_pack("[s]", place), 0,
                      &nplace, e)) {
        sb_free(&bad);
        json_decref(home);
        return e ? e->code : ICS_EDB;
    }
    if (nplace == 0) problem(&bad, "place_code: no place '%s'", place);
    const char *site = jstr(body, "referring_site");
    json_t *srow = NULL;
    if (qone(s, "SELECT org_code FROM sites WHERE site_code = ?", json_pack("[s]", site), &srow,
             NULL))
        problem(&bad, "referring_site: no site '%s'", site);
    if (bad.len) {
        ics_err_set(e, ICS_EINVAL, "%s", bad.buf);
        sb_free(&bad);
        json_decref(home);
        json_decref(srow);
        return ICS_EINVAL;
    }
    sb_free(&bad);
    const char *org = jstr(srow, "org_code");
    if (is_clinician(a) && (!a->org || strcmp(a->org, org) != 0)) {
        int rc = ics_err_set(e, ICS_EFORBID,
                             "a clinician can refer only from their own organisation's sites: "
                             "%s belongs to %s",
                             site, org);
        json_decref(home);
        json_decref(srow);
        return rc;
    }
    json_t *p = json_pack("[sIssso?o?ssssIIIs?sI]", nhs, age, sex, pc, district,
                          home ? json_incref(json_object_get(home, "lat")) : NULL,
                          home ? json_incref(json_object_get(home, "lon")) : NULL, place, site, org,
                          beds_type_name(t), (json_int_t)prio, (json_int_t)now,
                          (json_int_t)earliest, notes, a->name, (json_int_t)now);
    json_decref(home);
    json_decref(srow);
    int rc = run(s,
                 "INSERT INTO bed_referrals (nhs_number, age, sex, postcode, district, home_lat,"
                 " home_lon, place_code, referring_site, referring_org, bed_type, priority,"
                 " referred_at, earliest_at, notes, state, created_by, updated_at)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?)",
                 p, e);
    if (rc) return rc;
    int64_t id = store_last_id(s);
    json_t *row;
    if ((rc = ref_row(s, id, &row, e))) return rc;
    ref_view(row, now);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    rc = store_audit(s, a->name, "beds.referral.create", "bed_referral", ids, NULL, row, e);
    if (rc) {
        json_decref(row);
        return rc;
    }
    *after = row;
    return 0;
}

/* ---- the lifecycle ----------------------------------------------------- */

static int bed_history(store *s, const beds_actor *a, int64_t bed, const char *status,
                       const char *closure, int64_t ref, const char *note, int64_t now, ics_err *e)
{
    return run(s,
               "INSERT INTO bed_status_history (bed_id, at, actor, status, closure, referral_id,"
               " note) VALUES (?, ?, ?, ?, ?, ?, ?)",
               json_pack("[IIsss?o?s?]", (json_int_t)bed, (json_int_t)now, a->name, status, closure,
                         ref ? json_integer(ref) : NULL, note),
               e);
}

/* Move a bed from one status to another only if it is still in `from`:
 * the conditional UPDATE is what makes an offer atomic. Returns 1 when the
 * bed moved, 0 when it was not in `from`, or a negative code. */
static int bed_move(store *s, const beds_actor *a, int64_t bed, const char *from, const char *to,
                    int64_t ref, const char *note, int64_t now, ics_err *e)
{
    int rc = run(s,
                 "UPDATE beds SET status = ?, closure = NULL, referral_id = ?, updated_at = ?,"
                 " updated_by = ? WHERE bed_id = ? AND status = ?",
                 json_pack("[so?Isis]", to, ref ? json_integer(ref) : NULL, (json_int_t)now,
                           a->name, (int)bed, from),
                 e);
    if (rc) return rc;
    if (store_changes(s) != 1) return 0;
    rc = bed_history(s, a, bed, to, NULL, ref, note, now, e);
    return rc ? rc : 1;
}

typedef struct bed_info {
    int64_t id;
    char code[BEDS_CODE_MAX], unit[BEDS_CODE_MAX], status[16], closure[24];
} bed_info;

static int bed_load(store *s, int64_t bed, bed_info *bi, ics_err *e)
{
    json_t *row;
    int rc = qone(s, "SELECT bed_code, unit_code, status, closure FROM beds WHERE bed_id = ?",
                  json_pack("[I]", (json_int_t)bed), &row, e);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no bed %lld", (long long)bed);
    if (rc) return rc;
    bi->id = bed;
    snprintf(bi->code, sizeof bi->code, "%s", jstr(row, "bed_code"));
    snprintf(bi->unit, sizeof bi->unit, "%s", jstr(row, "unit_code"));
    snprintf(bi->status, sizeof bi->status, "%s", jstr(row, "status"));
    snprintf(bi->closure, sizeof bi->closure, "%s", jstr(row, "closure"));
    json_decref(row);
    return 0;
}

static int bed_not_free(const bed_info *bi, ics_err *e)
{
    if (strcmp(bi->status, "closed") == 0)
        return ics_err_set(e, ICS_ECONFLICT, "bed %s is closed (%s)", bi->code, bi->closure);
    return ics_err_set(e, ICS_ECONFLICT, "bed %s is %s, not available", bi->code, bi->status);
}

/* Whether the bed's unit can serve the patient (type, sex of unit and bay),
 * whatever the bed's status; pooled policy. ICS_EINVAL with the reason. */
static int bed_suits(store *s, const beds_referral *r, int64_t bed, ics_err *e)
{
    beds_data *d;
    int rc = store_beds_load(s, BEDS_LOAD_BOARD, &d, e);
    if (rc) return rc;
    for (size_t i = 0; i < d->nbeds; i++) {
        if (d->beds[i].id != bed) continue;
        d->beds[i].status = BEDS_AVAILABLE;
        beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
        beds_unit_count *cnt = calloc(d->nunits, sizeof *cnt);
        if (!cnt) break;
        beds_board_count(&b, 0, 0, cnt);
        beds_match_opts o;
        beds_match_opts_default(&o, 0);
        beds_option opt;
        beds_option_cost(&b, cnt, r, (int)i, &o, &opt);
        free(cnt);
        if (opt.why != BEDS_WHY_OK) {
            char why[256];
            beds_option_explain(&b, r, &opt, why, sizeof why);
            rc = ics_err_set(e, ICS_EINVAL, "bed %s cannot take this patient: %s", d->beds[i].code,
                             why);
        }
        store_beds_data_free(d);
        return rc;
    }
    store_beds_data_free(d);
    return 0;
}

typedef struct ref_info {
    json_t *row;
    beds_referral r;
    beds_ref_state state;
    int64_t bed;
    char ids[32];
} ref_info;

static int ref_load(store *s, const beds_actor *a, int64_t id, ref_info *ri, ics_err *e)
{
    memset(ri, 0, sizeof *ri);
    int rc = ref_row(s, id, &ri->row, e);
    if (rc) return rc;
    if (!visible(a, ri->row)) {
        json_decref(ri->row);
        ri->row = NULL;
        return ics_err_set(e, ICS_ENOTFOUND, "no bed referral %lld", (long long)id);
    }
    ref_from_row(ri->row, &ri->r);
    beds_ref_state_parse(jstr(ri->row, "state"), &ri->state, NULL);
    ri->bed = jint(ri->row, "bed_id");
    snprintf(ri->ids, sizeof ri->ids, "%lld", (long long)id);
    ref_view(ri->row, tz_now());
    return 0;
}

static int illegal(const ref_info *ri, const char *what, ics_err *e)
{
    return ics_err_set(e, ICS_ECONFLICT, "bed referral %s is %s: it cannot be %s", ri->ids,
                       beds_ref_state_name(ri->state), what);
}

/* Finish an action: read the referral back, audit before/after. */
static int finish(store *s, const beds_actor *a, ref_info *ri, const char *action, int64_t now,
                  json_t **after, ics_err *e)
{
    json_t *row;
    int rc = ref_row(s, ri->r.id, &row, e);
    if (!rc) {
        ref_view(row, now);
        rc = store_audit(s, a->name, action, "bed_referral", ri->ids, ri->row, row, e);
    }
    json_decref(ri->row);
    ri->row = NULL;
    if (rc) {
        json_decref(row);
        return rc;
    }
    *after = row;
    return 0;
}

static void ref_done(ref_info *ri)
{
    json_decref(ri->row);
    ri->row = NULL;
}

int store_beds_offer(store *s, const beds_actor *a, int64_t ref, int64_t bed, int64_t now,
                     json_t **after, ics_err *e)
{
    ref_info ri;
    bed_info bi;
    int rc = ref_load(s, a, ref, &ri, e);
    if (rc) return rc;
    if (!beds_ref_can_move(ri.state, BEDS_REF_OFFERED)) rc = illegal(&ri, "offered a bed", e);
    if (!rc) rc = bed_load(s, bed, &bi, e);
    /* a bed that is not free is a conflict (409) before any question of fit */
    if (!rc && strcmp(bi.status, "available") != 0) rc = bed_not_free(&bi, e);
    if (!rc) rc = bed_suits(s, &ri.r, bed, e);
    if (!rc) {
        /* the reservation: only one UPDATE can find the bed available */
        rc = bed_move(s, a, bed, "available", "reserved", ref, "offered", now, e);
        if (rc == 0) rc = bed_not_free(&bi, e);
    }
    if (rc > 0)
        rc = run(s,
                 "UPDATE bed_referrals SET state = 'offered', bed_id = ?, offered_at = ?,"
                 " updated_at = ? WHERE referral_id = ? AND state = 'waiting'",
                 json_pack("[III I]", (json_int_t)bed, (json_int_t)now, (json_int_t)now,
                           (json_int_t)ref),
                 e);
    if (rc) {
        ref_done(&ri);
        return rc;
    }
    if (store_changes(s) != 1) {
        ref_done(&ri);
        return ics_err_set(e, ICS_ECONFLICT, "bed referral %lld changed meanwhile", (long long)ref);
    }
    return finish(s, a, &ri, "beds.referral.offer", now, after, e);
}

int store_beds_accept(store *s, const beds_actor *a, int64_t ref, int64_t now, json_t **after,
                      ics_err *e)
{
    ref_info ri;
    int rc = ref_load(s, a, ref, &ri, e);
    if (rc) return rc;
    if (!beds_ref_can_move(ri.state, BEDS_REF_ACCEPTED) || ri.state != BEDS_REF_OFFERED) {
        rc = illegal(&ri, "accepted (only an offered referral can be)", e);
        ref_done(&ri);
        return rc;
    }
    rc = run(s,
             "UPDATE bed_referrals SET state = 'accepted', accepted_at = ?, updated_at = ?"
             " WHERE referral_id = ? AND state = 'offered'",
             json_pack("[III]", (json_int_t)now, (json_int_t)now, (json_int_t)ref), e);
    if (rc) {
        ref_done(&ri);
        return rc;
    }
    return finish(s, a, &ri, "beds.referral.accept", now, after, e);
}

/* Release the bed a referral holds (reserved) back to available. */
static int release(store *s, const beds_actor *a, const ref_info *ri, const char *note, int64_t now,
                   ics_err *e)
{
    if (!ri->bed) return 0;
    int rc = bed_move(s, a, ri->bed, "reserved", "available", 0, note, now, e);
    return rc < 0 ? rc : 0;
}

int store_beds_reject_offer(store *s, const beds_actor *a, int64_t ref, const char *reason,
                            int64_t now, json_t **after, ics_err *e)
{
    ref_info ri;
    int rc = ref_load(s, a, ref, &ri, e);
    if (rc) return rc;
    if (ri.state != BEDS_REF_OFFERED && ri.state != BEDS_REF_ACCEPTED)
        rc = illegal(&ri, "turned down (it holds no offer)", e);
    if (!rc) rc = release(s, a, &ri, "offer turned down", now, e);
    if (!rc)
        rc = run(s,
                 "UPDATE bed_referrals SET state = 'waiting', bed_id = NULL, offered_at = NULL,"
                 " accepted_at = NULL, reason = ?, updated_at = ? WHERE referral_id = ?",
                 json_pack("[s?II]", reason, (json_int_t)now, (json_int_t)ref), e);
    if (rc) {
        ref_done(&ri);
        return rc;
    }
    return finish(s, a, &ri, "beds.referral.reject_offer", now, after, e);
}

int store_beds_admit(store *s, const beds_actor *a, int64_t ref, int64_t bed, int64_t at,
                     int64_t now, json_t **after, ics_err *e)
{
    ref_info ri;
    bed_info bi;
    int rc = ref_load(s, a, ref, &ri, e);
    if (rc) return rc;
    if (!at) at = now;
    if (ri.state != BEDS_REF_ACCEPTED)
        rc = illegal(&ri, "admitted (it must be offered a bed and accept it first)", e);
    else if (at < ri.r.referred_at)
        rc = ics_err_set(e, ICS_EINVAL, "admission time is before the referral was made");
    else if (at > now + 3600)
        rc = ics_err_set(e, ICS_EINVAL, "admission time is in the future");
    if (rc) {
        ref_done(&ri);
        return rc;
    }
    if (!bed || bed == ri.bed) {
        bed = ri.bed;
        if ((rc = bed_load(s, bed, &bi, e)) == 0) {
            rc = bed_move(s, a, bed, "reserved", "occupied", ref, "admitted", now, e);
            if (rc == 0) rc = bed_not_free(&bi, e);
        }
    } else {
        /* admitted to another bed than the one offered: it must be free */
        if ((rc = bed_load(s, bed, &bi, e)) == 0 && strcmp(bi.status, "available") != 0)
            rc = bed_not_free(&bi, e);
        if (!rc && (rc = bed_suits(s, &ri.r, bed, e)) == 0) {
            rc = bed_move(s, a, bed, "available", "occupied", ref, "admitted", now, e);
            if (rc == 0) rc = bed_not_free(&bi, e);
        }
        if (rc > 0) rc = release(s, a, &ri, "admitted elsewhere", now, e);
    }
    if (rc > 0) rc = 0;
    if (!rc)
        rc = run(
            s,
            "UPDATE bed_referrals SET state = 'admitted', bed_id = ?, admitted_at = ?,"
            " updated_at = ? WHERE referral_id = ?",
            json_pack("[IIII]", (json_int_t)bed, (json_int_t)at, (json_int_t)now, (json_int_t)ref),
            e);
    if (!rc)
        rc = run(s,
                 "INSERT INTO bed_stays (referral_id, unit_code, bed_id, admitted_at)"
                 " VALUES (?, ?, ?, ?)",
                 json_pack("[IsII]", (json_int_t)ref, bi.unit, (json_int_t)bed, (json_int_t)at), e);
    if (rc) {
        ref_done(&ri);
        return rc;
    }
    return finish(s, a, &ri, "beds.referral.admit", now, after, e);
}

int store_beds_discharge(store *s, const beds_actor *a, int64_t ref, const char *destination,
                         int64_t at, int64_t ready_day, int64_t now, json_t **after, ics_err *e)
{
    ref_info ri;
    int rc = ref_load(s, a, ref, &ri, e);
    if (rc) return rc;
    if (!at) at = now;
    int64_t admitted = jint(ri.row, "admitted_at");
    json_t *adm = json_object_get(ri.row, "admitted_at");
    if (json_is_string(adm)) tz_parse(json_string_value(adm), &admitted, NULL);
    int known = 0;
    for (int i = 0; destination && destinations[i]; i++)
        known |= !strcmp(destination, destinations[i]);
    if (ri.state == BEDS_REF_WAITING || ri.state == BEDS_REF_OFFERED ||
        ri.state == BEDS_REF_ACCEPTED)
        rc = ics_err_set(e, ICS_EINVAL,
                         "discharge before admission: bed referral %s is %s, not admitted", ri.ids,
                         beds_ref_state_name(ri.state));
    else if (ri.state != BEDS_REF_ADMITTED)
        rc = illegal(&ri, "discharged", e);
    else if (!known)
        rc = ics_err_set(e, ICS_EINVAL,
                         "destination '%s' is not one of home, home_with_support, care_home, "
                         "acute_readmission, died, other",
                         destination ? destination : "");
    else if (at < admitted)
        rc = ics_err_set(e, ICS_EINVAL, "discharge time is before the admission");
    else if (at > now + 3600)
        rc = ics_err_set(e, ICS_EINVAL, "discharge time is in the future");
    else if (ready_day >= 0 && (ready_day < day_of(admitted) || ready_day > day_of(at)))
        rc = ics_err_set(e, ICS_EINVAL, "medically ready date must fall within the stay");
    if (rc) {
        ref_done(&ri);
        return rc;
    }
    rc = bed_move(s, a, ri.bed, "occupied", "available", 0, "discharged", now, e);
    if (rc > 0) rc = 0;
    char rd[16] = "";
    if (ready_day >= 0) tz_format_date(ready_day, rd, sizeof rd);
    if (!rc)
        rc = run(s,
                 "UPDATE bed_referrals SET state = 'discharged', discharged_at = ?,"
                 " destination = ?, updated_at = ? WHERE referral_id = ?",
                 json_pack("[IsII]", (json_int_t)at, destination, (json_int_t)now, (json_int_t)ref),
                 e);
    if (!rc)
        rc = run(
            s,
            "UPDATE bed_stays SET discharged_at = ?, destination = ?, ready_day = ?"
            " WHERE referral_id = ? AND discharged_at IS NULL",
            json_pack("[Iss?I]", (json_int_t)at, destination, *rd ? rd : NULL, (json_int_t)ref), e);
    if (rc) {
        ref_done(&ri);
        return rc;
    }
    return finish(s, a, &ri, "beds.referral.discharge", now, after, e);
}

int store_beds_close_referral(store *s, const beds_actor *a, int64_t ref, const char *to,
                              const char *reason, int64_t now, json_t **after, ics_err *e)
{
    ref_info ri;
    beds_ref_state target;
    if (beds_ref_state_parse(to, &target, e) ||
        (target != BEDS_REF_DECLINED && target != BEDS_REF_CANCELLED))
        return ics_err_set(e, ICS_EINVAL, "a referral can be closed as declined or cancelled");
    if (!reason || !*reason)
        return ics_err_set(e, ICS_EINVAL, "a reason is required to close a referral");
    int rc = ref_load(s, a, ref, &ri, e);
    if (rc) return rc;
    if (!beds_ref_can_move(ri.state, target)) rc = illegal(&ri, to, e);
    if (!rc && (ri.state == BEDS_REF_OFFERED || ri.state == BEDS_REF_ACCEPTED))
        rc = release(s, a, &ri, to, now, e);
    if (!rc)
        rc = run(s,
                 "UPDATE bed_referrals SET state = ?, reason = ?, updated_at = ? WHERE"
                 " referral_id = ?",
                 json_pack("[ssII]", to, reason, (json_int_t)now, (json_int_t)ref), e);
    if (rc) {
        ref_done(&ri);
        return rc;
    }
    char action[48];
    snprintf(action, sizeof action, "beds.referral.%s",
             target == BEDS_REF_DECLINED ? "decline" : "cancel");
    return finish(s, a, &ri, action, now, after, e);
}

/* ---- beds -------------------------------------------------------------- */

static void bed_view(json_t *row)
{
    beds_status st = BEDS_AVAILABLE;
    beds_closure c = BEDS_CLOSE_NONE;
    beds_status_parse(jstr(row, "status"), &st, NULL);
    beds_closure_parse(jstr(row, "closure"), &c, NULL);
    char code[2] = {beds_status_hl7(st, c), 0};
    json_object_set_new(row, "hl7_0116", json_string(code));
    iso_times(row);
}

int store_beds_bed_get(store *s, int64_t bed, json_t **out, ics_err *e)
{
    json_t *row, *hist;
    int rc = qone(s,
                  "SELECT bed_id, bed_code, unit_code, bay_sex, status, closure, referral_id,"
                  " updated_at, updated_by FROM beds WHERE bed_id = ?",
                  json_pack("[I]", (json_int_t)bed), &row, e);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no bed %lld", (long long)bed);
    if (rc) return rc;
    bed_view(row);
    rc = qrows(s,
               "SELECT at, actor, status, closure, referral_id, note FROM bed_status_history"
               " WHERE bed_id = ? ORDER BY at DESC, id DESC LIMIT 50",
               json_pack("[I]", (json_int_t)bed), &hist, e);
    if (rc) {
        json_decref(row);
        return rc;
    }
    size_t i;
    json_t *h;
    json_array_foreach(hist, i, h) iso_times(h);
    json_object_set_new(row, "history", hist);
    *out = row;
    return 0;
}

int store_beds_bed_list(store *s, const char *unit, const char *status, json_t **rows, ics_err *e)
{
    beds_status st;
    if (status && beds_status_parse(status, &st, e)) return ICS_EINVAL;
    int rc = qrows(s,
                   "SELECT bed_id, bed_code, unit_code, bay_sex, status, closure, referral_id,"
                   " updated_at, updated_by FROM beds WHERE (? IS NULL OR unit_code = ?)"
                   " AND (? IS NULL OR status = ?) ORDER BY bed_code",
                   json_pack("[s?s?s?s?]", unit, unit, status, status), rows, e);
    if (rc) return rc;
    size_t i;
    json_t *r;
    json_array_foreach(*rows, i, r) bed_view(r);
    return 0;
}

int store_beds_bed_set(store *s, const beds_actor *a, int64_t bed, const char *status,
                       const char *closure, const char *note, int64_t now, json_t **after,
                       ics_err *e)
{
    beds_status to, from;
    beds_closure c = BEDS_CLOSE_NONE;
    if (beds_status_parse(status, &to, e)) return ICS_EINVAL;
    if (to == BEDS_CLOSED && beds_closure_parse(closure, &c, e))
        return ics_err_set(e, ICS_EINVAL,
                           "closing a bed needs a closure reason: infection_control, staffing "
                           "or maintenance");
    if (to != BEDS_CLOSED && closure && *closure)
        return ics_err_set(e, ICS_EINVAL, "a closure reason only goes with status closed");
    if (to == BEDS_RESERVED || to == BEDS_OCCUPIED)
        return ics_err_set(e, ICS_ECONFLICT,
                           "a bed becomes %s only by offering it to or admitting a referral",
                           status);
    bed_info bi;
    json_t *before;
    int rc = bed_load(s, bed, &bi, e);
    if (rc) return rc;
    beds_status_parse(bi.status, &from, NULL);
    if (!beds_status_can_move(from, to))
        return ics_err_set(e, ICS_ECONFLICT, "bed %s is %s: it cannot become %s%s", bi.code,
                           bi.status, status,
                           from == BEDS_OCCUPIED ? " until the patient is discharged" : "");
    if ((rc = store_beds_bed_get(s, bed, &before, e))) return rc;
    json_object_del(before, "history");
    rc = run(s,
             "UPDATE beds SET status = ?, closure = ?, updated_at = ?, updated_by = ?"
             " WHERE bed_id = ? AND status = ?",
             json_pack("[ss?IsIs]", status, to == BEDS_CLOSED ? beds_closure_name(c) : NULL,
                       (json_int_t)now, a->name, (json_int_t)bed, bi.status),
             e);
    if (!rc && store_changes(s) != 1)
        rc = ics_err_set(e, ICS_ECONFLICT, "bed %s changed meanwhile", bi.code);
    if (!rc)
        rc = bed_history(s, a, bed, status, to == BEDS_CLOSED ? beds_closure_name(c) : NULL, 0,
                         note, now, e);
    json_t *row = NULL;
    if (!rc) rc = store_beds_bed_get(s, bed, &row, e);
    if (!rc) {
        json_t *brief = json_deep_copy(row);
        json_object_del(brief, "history");
        char ids[32];
        snprintf(ids, sizeof ids, "%lld", (long long)bed);
        rc = store_audit(s, a->name, "beds.bed.status", "bed", ids, before, brief, e);
        json_decref(brief);
    }
    json_decref(before);
    if (rc) {
        json_decref(row);
        return rc;
    }
    *after = row;
    return 0;
}

int store_beds_unit_confirm(store *s, const beds_actor *a, const char *unit, int64_t now,
                            json_t **after, ics_err *e)
{
    int64_t n;
    int rc =
        qint(s, "SELECT COUNT(*) FROM units WHERE unit_code = ?", json_pack("[s]", unit), 0, &n, e);
    if (rc) return rc;
    if (n == 0) return ics_err_set(e, ICS_ENOTFOUND, "no unit '%s'", unit);
    rc = run(s,
             "INSERT INTO unit_confirmations (unit_code, confirmed_at, confirmed_by)"
             " VALUES (?, ?, ?) ON CONFLICT (unit_code) DO UPDATE SET"
             " confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by",
             json_pack("[sIs]", unit, (json_int_t)now, a->name), e);
    json_t *row = NULL;
    if (!rc)
        rc = qone(s,
                  "SELECT unit_code, confirmed_at, confirmed_by FROM unit_confirmations"
                  " WHERE unit_code = ?",
                  json_pack("[s]", unit), &row, e);
    if (!rc) {
        iso_times(row);
        rc = store_audit(s, a->name, "beds.unit.confirm", "unit", unit, NULL, row, e);
    }
    if (rc) {
        json_decref(row);
        return rc;
    }
    *after = row;
    return 0;
}

/* ---- read models ------------------------------------------------------- */

static json_t *counts_json(const beds_unit_count *c)
{
    return json_pack("{sisisisisisisf}", "beds", c->beds, "available", c->available, "reserved",
                     c->reserved, "occupied", c->occupied, "closed", c->closed, "cleaning",
                     c->cleaning, "occupancy", c->occupancy);
}

static void count_add(beds_unit_count *t, const beds_unit_count *c)
{
    t->beds += c->beds;
    t->available += c->available;
    t->reserved += c->reserved;
    t->occupied += c->occupied;
    t->closed += c->closed;
    t->cleaning += c->cleaning;
    int open = t->beds - t->closed;
    t->occupancy = open > 0 ? (double)(t->occupied + t->reserved) / open : 0.0;
}

/* waiting count and oldest wait (days) over referrals matching a test */
typedef struct waits {
    int n;
    double oldest;
} waits;

static void wait_add(waits *w, const beds_referral *r, int64_t now)
{
    w->n++;
    double d = (double)(now - r->referred_at) / 86400.0;
    if (d > w->oldest) w->oldest = d;
}

static int commissions(const beds_unit *u, const char *place)
{
    for (int i = 0; i < u->nplaces; i++)
        if (strcmp(u->places[i], place) == 0) return 1;
    return 0;
}

int store_beds_board(store *s, int64_t now, int64_t stale_after, int history_days, json_t **out,
                     ics_err *e)
{
    beds_data *d;
    int rc = store_beds_load(s, BEDS_LOAD_BOARD | BEDS_LOAD_WAITING | BEDS_LOAD_STAYS, &d, e);
    if (rc) return rc;
    if (history_days < 1) history_days = 1;
    beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
    beds_unit_count *c = calloc(d->nunits ? d->nunits : 1, sizeof *c);
    int *hist = calloc((d->nunits ? d->nunits : 1) * (size_t)history_days, sizeof *hist);
    json_t *places = NULL;
    if (!c || !hist) {
        free(c);
        free(hist);
        store_beds_data_free(d);
        return ics_err_set(e, ICS_ENOMEM, "out of memory for the board");
    }
    beds_board_count(&b, now, stale_after, c);
    int64_t today = day_of(now), from = today - history_days + 1;
    beds_occupancy_days(d->stays, d->nstays, d->nunits, from, history_days, hist);

    json_t *units = json_array(), *types = json_array(), *plist = json_array();
    beds_unit_count total = {0};
    waits wall = {0};
    for (size_t i = 0; i < d->nrefs; i++) wait_add(&wall, &d->refs[i], now);
    for (size_t u = 0; u < d->nunits; u++) {
        const beds_unit *un = &d->units[u];
        waits w = {0};
        for (size_t i = 0; i < d->nrefs; i++)
            if (d->refs[i].type == un->type && commissions(un, d->refs[i].place))
                wait_add(&w, &d->refs[i], now);
        json_t *o = counts_json(&c[u]);
        json_t *h = json_array();
        for (int k = 0; k < history_days; k++)
            json_array_append_new(h, json_integer(hist[u * (size_t)history_days + (size_t)k]));
        json_t *pl = json_array();
        for (int k = 0; k < un->nplaces; k++) json_array_append_new(pl, json_string(un->places[k]));
        char conf[32] = "";
        if (un->confirmed_at > 0) tz_format(un->confirmed_at, conf, sizeof conf);
        json_object_update_new(
            o, json_pack(
                   "{sssssssssssoss?sbsisfso}", "unit_code", un->code, "name", d->unit_names[u],
                   "place_code", d->unit_places[u], "bed_type", beds_type_name(un->type), "sex",
                   un->sex == 'X'   ? "mixed"
                   : un->sex == 'M' ? "M"
                                    : "F",
                   "commissioned_by", pl, "confirmed_at", *conf ? conf : NULL, "stale", c[u].stale,
                   "waiting", w.n, "oldest_wait_days", w.oldest, "occupied_history", h));
        json_array_append_new(units, o);
        count_add(&total, &c[u]);
    }
    for (int t = 0; t < BEDS_TYPE_COUNT; t++) {
        beds_unit_count tc = {0};
        waits w = {0};
        for (size_t u = 0; u < d->nunits; u++)
            if (d->units[u].type == (beds_type)t) count_add(&tc, &c[u]);
        for (size_t i = 0; i < d->nrefs; i++)
            if (d->refs[i].type == (beds_type)t) wait_add(&w, &d->refs[i], now);
        json_t *o = counts_json(&tc);
        json_object_update_new(o, json_pack("{sssisf}", "bed_type", beds_type_name((beds_type)t),
                                            "waiting", w.n, "oldest_wait_days", w.oldest));
        json_array_append_new(types, o);
    }
    rc = qrows(s, "SELECT code, name FROM places ORDER BY code", NULL, &places, e);
    size_t pi;
    json_t *pr;
    json_array_foreach(places, pi, pr)
    {
        const char *code = jstr(pr, "code");
        beds_unit_count pc = {0};
        waits w = {0};
        for (size_t u = 0; u < d->nunits; u++)
            if (strcmp(d->unit_places[u], code) == 0) count_add(&pc, &c[u]);
        for (size_t i = 0; i < d->nrefs; i++)
            if (strcmp(d->refs[i].place, code) == 0) wait_add(&w, &d->refs[i], now);
        json_t *o = counts_json(&pc);
        json_object_update_new(o,
                               json_pack("{sssssisf}", "place_code", code, "name", jstr(pr, "name"),
                                         "waiting", w.n, "oldest_wait_days", w.oldest));
        json_array_append_new(plist, o);
    }
    json_t *dates = json_array(), *occ = json_array();
    for (int k = 0; k < history_days; k++) {
        char ds[16];
        tz_format_date(from + k, ds, sizeof ds);
        json_array_append_new(dates, json_string(ds));
        int sum = 0;
        for (size_t u = 0; u < d->nunits; u++) sum += hist[u * (size_t)history_days + (size_t)k];
        json_array_append_new(occ, json_integer(sum));
    }
    char gen[32];
    tz_format(now, gen, sizeof gen);
    json_t *tot = counts_json(&total);
    json_object_update_new(tot,
                           json_pack("{sisf}", "waiting", wall.n, "oldest_wait_days", wall.oldest));
    *out =
        json_pack("{sssfsososososo}", "generated_at", gen, "stale_after_hours",
                  (double)stale_after / 3600.0, "totals", tot, "units", units, "bed_types", types,
                  "places", plist, "history", json_pack("{soso}", "dates", dates, "occupied", occ));
    json_decref(places);
    free(c);
    free(hist);
    store_beds_data_free(d);
    return rc;
}

static const char *flag_name(int f)
{
    return f == 2 ? "outlier" : f == 1 ? "warning" : "within";
}

int store_beds_los(store *s, int64_t from_day, int64_t to_day, int64_t now, json_t **out,
                   ics_err *e)
{
    if (to_day < from_day) return ics_err_set(e, ICS_EINVAL, "the period ends before it starts");
    beds_data *d;
    int rc = store_beds_load(s, BEDS_LOAD_BOARD | BEDS_LOAD_STAYS, &d, e);
    if (rc) return rc;
    size_t nu = d->nunits ? d->nunits : 1;
    beds_los *l = calloc(nu, sizeof *l);
    beds_type *types = calloc(nu, sizeof *types);
    int *free_now = calloc(nu, sizeof *free_now);
    double(*dis)[BEDS_FORECAST_DAYS] = calloc(nu, sizeof *dis);
    double(*fr)[BEDS_FORECAST_DAYS] = calloc(nu, sizeof *fr);
    beds_unit_count *c = calloc(nu, sizeof *c);
    if (!l || !types || !free_now || !dis || !fr || !c) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory for length of stay");
        goto done;
    }
    for (size_t u = 0; u < d->nunits; u++) types[u] = d->units[u].type;
    beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
    beds_board_count(&b, now, 0, c);
    for (size_t u = 0; u < d->nunits; u++) free_now[u] = c[u].available;
    int64_t today = day_of(now);
    if ((rc = beds_los_compute(d->stays, d->nstays, d->nunits, types, from_day, to_day, l, e)))
        goto done;
    if ((rc = beds_forecast(d->stays, d->nstays, d->nunits, types, free_now, today, dis, fr, e)))
        goto done;
    json_t *units = json_array(), *dates = json_array();
    for (int k = 0; k < BEDS_FORECAST_DAYS; k++) {
        char ds[16];
        tz_format_date(today + k, ds, sizeof ds);
        json_array_append_new(dates, json_string(ds));
    }
    int outliers = 0;
    for (size_t u = 0; u < d->nunits; u++) {
        const beds_los *x = &l[u];
        json_t *hist = json_array(), *ed = json_array(), *fb = json_array();
        for (int k = 0; k < BEDS_LOS_BINS; k++) {
            json_t *bin = json_pack("{sisI}", "from_days", beds_los_bin_lo[k], "stays",
                                    (json_int_t)x->hist[k]);
            if (k + 1 < BEDS_LOS_BINS)
                json_object_set_new(bin, "to_days", json_integer(beds_los_bin_lo[k + 1] - 1));
            json_array_append_new(hist, bin);
        }
        for (int k = 0; k < BEDS_FORECAST_DAYS; k++) {
            json_array_append_new(ed, json_real(dis[u][k]));
            json_array_append_new(fb, json_real(fr[u][k]));
        }
        outliers += x->flag == 2;
        json_t *funnel = json_pack("{sfsfsfsfsfsfss}", "target", x->target, "lower_95", x->lo95,
                                   "upper_95", x->hi95, "lower_998", x->lo998, "upper_998",
                                   x->hi998, "z", x->z, "flag", flag_name(x->n ? x->flag : 0));
        json_array_append_new(
            units, json_pack("{sssssssIsfsfsfsfsosIsIsosisososo}", "unit_code", d->units[u].code,
                             "name", d->unit_names[u], "bed_type", beds_type_name(d->units[u].type),
                             "stays", (json_int_t)x->n, "mean", x->mean, "median", x->median, "p90",
                             x->p90, "sd", x->sd, "distribution", hist, "delayed_days",
                             (json_int_t)x->delayed_days, "delayed_stays", (json_int_t)x->ndelayed,
                             "funnel", funnel, "available_now", free_now[u], "expected_discharges",
                             ed, "predicted_free_beds", fb, "forecast_dates", json_incref(dates)));
    }
    char f[16], t[16];
    tz_format_date(from_day, f, sizeof f);
    tz_format_date(to_day, t, sizeof t);
    *out = json_pack("{sssssisoso}", "from", f, "to", t, "outliers", outliers, "units", units,
                     "method",
                     json_pack("{ssssss}", "percentiles", "Hyndman-Fan type 7", "funnel",
                               "mean LOS vs the bed type's mean, limits target +/- z*sd/sqrt(n), "
                               "z 1.959964 and 3.090232 (Spiegelhalter 2005)",
                               "forecast",
                               "empirical P(LOS = d+k | LOS >= d) per unit (bed type when "
                               "fewer than 20 stays); planned dates are certain"));
    json_decref(dates);
done:
    free(l);
    free(types);
    free(free_now);
    free(dis);
    free(fr);
    free(c);
    store_beds_data_free(d);
    return rc;
}

/* ---- matching ---------------------------------------------------------- */

int store_beds_rank(store *s, const beds_actor *a, int64_t ref, const char *policy, int64_t now,
                    json_t **out, ics_err *e)
{
    beds_match_opts o;
    beds_match_opts_default(&o, now);
    if (policy && beds_policy_parse(policy, &o.policy, e)) return ICS_EINVAL;
    ref_info ri;
    int rc = ref_load(s, a, ref, &ri, e);
    if (rc) return rc;
    beds_data *d;
    if ((rc = store_beds_load(s, BEDS_LOAD_BOARD, &d, e))) {
        ref_done(&ri);
        return rc;
    }
    beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
    beds_option *opts;
    size_t nok;
    if ((rc = beds_referral_rank(&b, &ri.r, &o, &opts, &nok, e))) {
        ref_done(&ri);
        store_beds_data_free(d);
        return rc;
    }
    json_t *list = json_array();
    json_t *why = json_object();
    for (size_t i = 0; i < d->nbeds; i++) {
        const beds_option *op = &opts[i];
        const beds_bed *bd = &d->beds[op->bed];
        char text[256];
        beds_option_explain(&b, &ri.r, op, text, sizeof text);
        json_t *item = json_pack("{sIsssssssbssss}", "bed_id", (json_int_t)bd->id, "bed_code",
                                 bd->code, "unit_code", d->units[bd->unit].code, "unit_name",
                                 d->unit_names[bd->unit], "suitable", op->why == BEDS_WHY_OK,
                                 "reason", beds_why_name(op->why), "explanation", text);
        if (op->km >= 0) json_object_set_new(item, "km", json_real(op->km));
        json_object_set_new(item, "occupancy", json_real(op->occupancy));
        json_object_set_new(item, "stale", json_boolean(op->stale));
        if (op->why == BEDS_WHY_OK) {
            json_object_set_new(item, "rank", json_integer((json_int_t)i + 1));
            json_object_set_new(item, "cost", json_integer(op->cost));
            json_object_set_new(item, "fit", json_string(op->fit ? "alternative" : "exact"));
        } else {
            const char *k = beds_why_name(op->why);
            json_object_set_new(why, k, json_integer(jint(why, k) + 1));
        }
        json_array_append_new(list, item);
    }
    *out = json_pack("{sosssIsIsoso}", "referral", ri.row, "policy", beds_policy_name(o.policy),
                     "suitable", (json_int_t)nok, "unsuitable", (json_int_t)(d->nbeds - nok),
                     "unsuitable_by_reason", why, "beds", list);
    ri.row = NULL;
    free(opts);
    store_beds_data_free(d);
    return 0;
}

static json_t *plan_json(const beds_data *d, const beds_plan *p, const beds_match_opts *o)
{
    json_t *as = json_array(), *un = json_array();
    for (size_t i = 0; i < p->nrefs; i++) {
        const beds_referral *r = &d->refs[i];
        if (!p->ready[i]) continue;
        if (p->bed_of[i] < 0) {
            json_array_append_new(un, json_pack("{sIsI}", "referral_id", (json_int_t)r->id, "cost",
                                                (json_int_t)p->cost_of[i]));
            continue;
        }
        const beds_bed *b = &d->beds[p->bed_of[i]];
        const beds_unit *u = &d->units[b->unit];
        json_t *x =
            json_pack("{sIsIsssssI}", "referral_id", (json_int_t)r->id, "bed_id", (json_int_t)b->id,
                      "bed_code", b->code, "unit_code", u->code, "cost", (json_int_t)p->cost_of[i]);
        if (r->has_home)
            json_object_set_new(x, "km", json_real(geo_km(r->lat, r->lon, u->lat, u->lon)));
        json_object_set_new(x, "fit",
                            json_string(beds_type_fit(r->type, u->type) ? "alternative" : "exact"));
        json_array_append_new(as, x);
    }
    return json_pack("{sssIsIsIsIsIsIsfsisoso}", "policy", beds_policy_name(o->policy), "ready",
                     (json_int_t)p->nready, "placed", (json_int_t)p->nplaced, "unplaced",
                     (json_int_t)(p->nready - p->nplaced), "total_cost", (json_int_t)p->total_cost,
                     "placed_cost", (json_int_t)p->placed_cost, "unplaced_cost",
                     (json_int_t)p->unplaced_cost, "mean_km",
                     p->nplaced ? p->total_km / (double)p->nplaced : 0.0, "alternative_fits",
                     p->alt_fits, "assignments", as, "unplaced_referrals", un);
}

int store_beds_match(store *s, const beds_actor *a, const char *policy, double max_km, int apply,
                     int64_t now, json_t **out, ics_err *e)
{
    int both = policy && strcmp(policy, "both") == 0;
    beds_match_opts o;
    beds_match_opts_default(&o, now);
    if (!both && policy && beds_policy_parse(policy, &o.policy, e))
        return ics_err_set(e, ICS_EINVAL, "policy '%s' is not pooled, borough or both", policy);
    if (max_km < 0) return ics_err_set(e, ICS_EINVAL, "max_km must not be negative");
    o.max_km = max_km;
    beds_data *d;
    int rc = store_beds_load(s, BEDS_LOAD_BOARD | BEDS_LOAD_WAITING, &d, e);
    if (rc) return rc;
    beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
    json_t *plans = json_array();
    beds_plan *first = NULL;
    for (int k = 0; k < (both ? 2 : 1) && !rc; k++) {
        if (both) o.policy = k ? BEDS_POLICY_BOROUGH : BEDS_POLICY_POOLED;
        beds_plan *p;
        if ((rc = beds_queue_match(&b, d->refs, d->nrefs, &o, NULL, NULL, &p, e))) break;
        json_array_append_new(plans, plan_json(d, p, &o));
        if (!first)
            first = p;
        else
            beds_plan_free(p);
    }
    json_t *offers = json_array();
    if (!rc && apply && first) {
        for (size_t i = 0; i < first->nrefs && !rc; i++) {
            if (first->bed_of[i] < 0) continue;
            json_t *after;
            rc =
                store_beds_offer(s, a, d->refs[i].id, d->beds[first->bed_of[i]].id, now, &after, e);
            if (!rc) json_array_append_new(offers, after);
        }
    }
    beds_plan_free(first);
    store_beds_data_free(d);
    if (rc) {
        json_decref(plans);
        json_decref(offers);
        return rc;
    }
    json_t *res = json_pack("{sosbso}", "plans", plans, "applied", apply, "offers", offers);
    if (both) {
        json_t *p0 = json_array_get(plans, 0), *p1 = json_array_get(plans, 1);
        json_object_set_new(res, "pooling_gain",
                            json_pack("{sIsIsf}", "extra_placed",
                                      (json_int_t)(jint(p0, "placed") - jint(p1, "placed")),
                                      "cost_saved",
                                      (json_int_t)(jint(p1, "total_cost") - jint(p0, "total_cost")),
                                      "mean_km_change",
                                      json_real_value(json_object_get(p0, "mean_km")) -
                                          json_real_value(json_object_get(p1, "mean_km"))));
    }
    *out = res;
    return 0;
}

/* ---- imports ------------------------------------------------------------ */

static int row_err(const csv_doc *d, size_t r, ics_err *e, int code, const char *fmt, const char *v)
{
    char msg[1024];
    snprintf(msg, sizeof msg, fmt, v);
    return ics_err_set(e, code, "%s line %zu: %s", d->name, d->line[r], msg);
}

int store_beds_import_snapshot(store *s, const beds_actor *a, const csv_doc *d, int64_t now,
                               int *count, ics_err *e)
{
    static const char *const cols[] = {"bed_code", "unit_code", "status",
                                       "closure",  "bay_sex",   NULL};
    int ix[5];
    *count = 0;
    if (csv_columns(d, cols, ix, 1, e)) return ICS_EINVAL;
    for (size_t r = 0; r < d->nrows; r++) {
        char **row = d->rows[r];
        const char *code = row[ix[0]], *unit = row[ix[1]], *status = row[ix[2]],
                   *closure = row[ix[3]], *bay = row[ix[4]];
        beds_status st;
        beds_closure c = BEDS_CLOSE_NONE;
        if (!*code || strlen(code) >= BEDS_CODE_MAX)
            return row_err(d, r, e, ICS_EINVAL, "bed_code '%s' must be 1 to 23 characters", code);
        int64_t nunit;
        int rc = qint(s, "SELECT COUNT(*) FROM units WHERE unit_code = ?", json_pack("[s]", unit),
                      0, &nunit, e);
        if (rc) return rc;
        if (nunit == 0) return row_err(d, r, e, ICS_EINVAL, "no unit '%s'", unit);
        if (beds_status_parse(status, &st, NULL))
            return row_err(d, r, e, ICS_EINVAL,
                           "status '%s' is not available, reserved, occupied, closed or cleaning",
                           status);
        if (st == BEDS_RESERVED)
            return row_err(d, r, e, ICS_EINVAL,
                           "status reserved comes only from an offer in icsflow%s", "");
        if (st == BEDS_CLOSED && beds_closure_parse(closure, &c, NULL))
            return row_err(d, r, e, ICS_EINVAL,
                           "a closed bed needs closure infection_control, staffing or "
                           "maintenance, not '%s'",
                           closure);
        if (st != BEDS_CLOSED && *closure)
            return row_err(d, r, e, ICS_EINVAL, "closure '%s' given for a bed that is not closed",
                           closure);
        if (*bay && strcmp(bay, "M") && strcmp(bay, "F"))
            return row_err(d, r, e, ICS_EINVAL, "bay_sex '%s' is not M, F or empty", bay);
        json_t *cur = NULL;
        int have = qone(s, "SELECT bed_id, status, referral_id FROM beds WHERE bed_code = ?",
                        json_pack("[s]", code), &cur, NULL) == 0;
        if (have && json_is_integer(json_object_get(cur, "referral_id")) &&
            strcmp(jstr(cur, "status"), status) != 0) {
            json_decref(cur);
            return row_err(d, r, e, ICS_ECONFLICT,
                           "bed %s is held by a bed referral; change it through the referral",
                           code);
        }
        const char *cl = st == BEDS_CLOSED ? beds_closure_name(c) : NULL;
        int64_t id;
        if (have) {
            id = jint(cur, "bed_id");
            rc = run(s,
                     "UPDATE beds SET unit_code = ?, status = ?, closure = ?, bay_sex = ?,"
                     " updated_at = ?, updated_by = ? WHERE bed_id = ?",
                     json_pack("[sss?s?IsI]", unit, status, cl, *bay ? bay : NULL, (json_int_t)now,
                               a->name, (json_int_t)id),
                     e);
        } else {
            rc = run(s,
                     "INSERT INTO beds (bed_code, unit_code, bay_sex, status, closure, updated_at,"
                     " updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     json_pack("[sss?ss?Is]", code, unit, *bay ? bay : NULL, status, cl,
                               (json_int_t)now, a->name),
                     e);
            id = store_last_id(s);
        }
        json_decref(cur);
        if (!rc) rc = bed_history(s, a, id, status, cl, 0, "snapshot import", now, e);
        if (!rc)
            rc = run(s,
                     "INSERT INTO unit_confirmations (unit_code, confirmed_at, confirmed_by)"
                     " VALUES (?, ?, ?) ON CONFLICT (unit_code) DO UPDATE SET"
                     " confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by",
                     json_pack("[sIs]", unit, (json_int_t)now, a->name), e);
        if (rc) return rc;
        (*count)++;
    }
    json_t *after = json_pack("{sssi}", "file", d->name, "rows", *count);
    int rc = store_audit(s, a->name, "beds.import.snapshot", "beds", d->name, NULL, after, e);
    json_decref(after);
    return rc;
}

int store_beds_import_stays(store *s, const beds_actor *a, const csv_doc *d, int *count, ics_err *e)
{
    static const char *const cols[] = {"unit_code", "admitted",    "discharged",
                                       "ready",     "destination", NULL};
    int ix[5];
    *count = 0;
    if (csv_columns(d, cols, ix, 1, e)) return ICS_EINVAL;
    for (size_t r = 0; r < d->nrows; r++) {
        char **row = d->rows[r];
        int64_t adm, dis = 0, ready = -1;
        ics_err ve = {0};
        int64_t nunit;
        int rc = qint(s, "SELECT COUNT(*) FROM units WHERE unit_code = ?",
                      json_pack("[s]", row[ix[0]]), 0, &nunit, e);
        if (rc) return rc;
        if (nunit == 0) return row_err(d, r, e, ICS_EINVAL, "no unit '%s'", row[ix[0]]);
        if (tz_parse(row[ix[1]], &adm, &ve))
            return row_err(d, r, e, ICS_EINVAL, "admitted: %s", ve.msg);
        if (*row[ix[2]] && tz_parse(row[ix[2]], &dis, &ve))
            return row_err(d, r, e, ICS_EINVAL, "discharged: %s", ve.msg);
        if (*row[ix[2]] && dis < adm)
            return row_err(d, r, e, ICS_EINVAL, "discharged %s is before admitted", row[ix[2]]);
        if (*row[ix[3]] && tz_parse_date(row[ix[3]], &ready, &ve))
            return row_err(d, r, e, ICS_EINVAL, "ready: %s", ve.msg);
        const char *dest = row[ix[4]];
        int known = !*dest;
        for (int i = 0; destinations[i]; i++) known |= !strcmp(dest, destinations[i]);
        if (!known) return row_err(d, r, e, ICS_EINVAL, "destination '%s' is not known", dest);
        char rd[16] = "";
        if (ready >= 0) tz_format_date(ready, rd, sizeof rd);
        rc = run(s,
                 "INSERT INTO bed_stays (unit_code, admitted_at, discharged_at, ready_day,"
                 " destination) VALUES (?, ?, ?, ?, ?)",
                 json_pack("[sIo?s?s?]", row[ix[0]], (json_int_t)adm,
                           *row[ix[2]] ? json_integer(dis) : NULL, *rd ? rd : NULL,
                           *dest ? dest : NULL),
                 e);
        if (rc) return rc;
        (*count)++;
    }
    json_t *after = json_pack("{sssi}", "file", d->name, "rows", *count);
    int rc = store_audit(s, a->name, "beds.import.stays", "bed_stays", d->name, NULL, after, e);
    json_decref(after);
    return rc;
}

/* ---- synthetic history --------------------------------------------------- */

/* Beds for every unit that has none: <unit>-NN; in a mixed unit the first
 * 40% form a male bay, the next 40% a female bay, the rest side rooms. */
static int create_beds(store *s, const beds_actor *a, int64_t now, ics_err *e)
{
    json_t *units;
    int rc = qrows(s,
                   "SELECT unit_code, sex, beds FROM units u WHERE NOT EXISTS"
                   " (SELECT 1 FROM beds b WHERE b.unit_code = u.unit_code) ORDER BY unit_code",
                   NULL, &units, e);
    if (rc) return rc;
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        int n = (int)jint(u, "beds");
        int mixed = strcmp(jstr(u, "sex"), "mixed") == 0;
        for (int k = 0; k < n && !rc; k++) {
            char code[BEDS_CODE_MAX + 16];
            snprintf(code, sizeof code, "%.18s-%02d", jstr(u, "unit_code"), (k + 1) % 1000);
            const char *bay = !mixed ? NULL : k < n * 2 / 5 ? "M" : k < n * 4 / 5 ? "F" : NULL;
            rc = run(
                s,
                "INSERT INTO beds (bed_code, unit_code, bay_sex, status, updated_at,"
                " updated_by) VALUES (?, ?, ?, 'available', ?, ?)",
                json_pack("[sss?Is]", code, jstr(u, "unit_code"), bay, (json_int_t)now, a->name),
                e);
        }
    }
    json_decref(units);
    return rc;
}

int store_beds_generate(store *s, const beds_actor *a, uint64_t seed, int ndays, int64_t now,
                        int *nrefs, ics_err *e)
{
    *nrefs = 0;
    int rc = create_beds(s, a, now, e);
    beds_data *d = NULL;
    json_t *dist = NULL, *acute = NULL;
    beds_district *ds = NULL;
    beds_history *h = NULL;
    if (!rc) rc = store_beds_load(s, BEDS_LOAD_BOARD, &d, e);
    if (!rc)
        rc = qrows(s,
                   "SELECT district, lat, lon, place_code FROM postcode_districts"
                   " WHERE place_code IS NOT NULL ORDER BY district",
                   NULL, &dist, e);
    if (!rc)
        rc = qrows(s,
                   "SELECT site_code, org_code, lat, lon FROM sites WHERE kind = 'acute'"
                   " ORDER BY site_code",
                   NULL, &acute, e);
    if (rc) goto done;
    size_t nd = json_array_size(dist);
    ds = calloc(nd ? nd : 1, sizeof *ds);
    if (!ds) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nd; i++) {
        json_t *r = json_array_get(dist, i);
        snprintf(ds[i].code, sizeof ds[i].code, "%s", jstr(r, "district"));
        ds[i].lat = json_number_value(json_object_get(r, "lat"));
        ds[i].lon = json_number_value(json_object_get(r, "lon"));
        snprintf(ds[i].place, sizeof ds[i].place, "%s", jstr(r, "place_code"));
    }
    beds_gen_opts go = {.seed = seed,
                        .end_day = day_of(now),
                        .ndays = ndays,
                        .occupancy = 0.9,
                        .closed_share = 0.03};
    if ((rc = beds_history_generate(d->units, d->nunits, d->beds, d->nbeds, ds, nd, &go, &h, e)))
        goto done;
    int64_t gnow = go.end_day * 86400 + 10 * 3600; /* the generator's "now" */
    for (size_t i = 0; i < h->n && !rc; i++) {
        const beds_episode *ep = &h->eps[i];
        const beds_referral *f = &ep->ref;
        /* referred from the nearest acute hospital */
        const json_t *site = NULL;
        double best = 1e9;
        size_t k;
        json_t *sr;
        json_array_foreach(acute, k, sr)
        {
            double km = geo_km(f->lat, f->lon, json_number_value(json_object_get(sr, "lat")),
                               json_number_value(json_object_get(sr, "lon")));
            if (km < best) {
                best = km;
                site = sr;
            }
        }
        int64_t bed = ep->bed >= 0 ? h->beds[ep->bed].id : 0;
        int64_t offered = ep->admitted_at ? ep->admitted_at - 3 * 3600 : bed ? gnow : 0;
        int64_t accepted = ep->admitted_at                  ? ep->admitted_at - 2 * 3600
                           : ep->state == BEDS_REF_ACCEPTED ? gnow
                                                            : 0;
        char sex[2] = {f->sex, 0};
        json_t *q = json_array();
        json_array_append_new(q, json_string(f->nhs));
        json_array_append_new(q, json_integer(f->age));
        json_array_append_new(q, json_string(sex));
        json_array_append_new(q, json_string(ep->district));
        json_array_append_new(q, json_string(f->place));
        json_array_append_new(q, json_real(f->lat));
        json_array_append_new(q, json_real(f->lon));
        json_array_append_new(q, json_string(site ? jstr(site, "site_code") : ""));
        json_array_append_new(q, json_string(site ? jstr(site, "org_code") : ""));
        json_array_append_new(q, json_string(beds_type_name(f->type)));
        json_array_append_new(q, json_string(beds_ref_state_name(ep->state)));
        json_array_append_new(q, json_integer(f->priority));
        json_array_append_new(q, json_integer(f->referred_at));
        json_array_append_new(q, json_integer(f->earliest_at));
        json_array_append_new(q, json_string("SYNTHETIC - generated by icsflow"));
        json_array_append_new(q, json_string("synthetic"));
        json_array_append_new(q, bed ? json_integer(bed) : json_null());
        json_array_append_new(q, offered ? json_integer(offered) : json_null());
        json_array_append_new(q, accepted ? json_integer(accepted) : json_null());
        json_array_append_new(q, ep->admitted_at ? json_integer(ep->admitted_at) : json_null());
        json_array_append_new(q, ep->discharged_at ? json_integer(ep->discharged_at) : json_null());
        json_array_append_new(q, ep->destination ? json_string(ep->destination) : json_null());
        json_array_append_new(q, ep->reason ? json_string(ep->reason) : json_null());
        json_array_append_new(q,
                              json_integer(ep->discharged_at ? ep->discharged_at : f->referred_at));
        rc = run(s,
                 "INSERT INTO bed_referrals (nhs_number, age, sex, district, place_code,"
                 " home_lat, home_lon, referring_site, referring_org, bed_type, state, priority,"
                 " referred_at, earliest_at, notes, created_by, bed_id, offered_at, accepted_at,"
                 " admitted_at, discharged_at, destination, reason, updated_at, synthetic)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                 " ?, ?, ?, 1)",
                 q, e);
        if (rc || !ep->admitted_at) continue;
        int64_t rid = store_last_id(s);
        char rd[16] = "";
        if (ep->ready_day >= 0) tz_format_date(ep->ready_day, rd, sizeof rd);
        const char *unit = d->units[h->beds[ep->bed].unit].code;
        rc = run(s,
                 "INSERT INTO bed_stays (referral_id, unit_code, bed_id, admitted_at,"
                 " discharged_at, ready_day, destination, synthetic) VALUES (?, ?, ?, ?, ?, ?,"
                 " ?, 1)",
                 json_pack("[IsIIo?s?s?]", (json_int_t)rid, unit, (json_int_t)bed,
                           (json_int_t)ep->admitted_at,
                           ep->discharged_at ? json_integer(ep->discharged_at) : NULL,
                           *rd ? rd : NULL, ep->destination),
                 e);
        if (!rc)
            rc = bed_history(s, a, bed, "occupied", NULL, rid, "synthetic", ep->admitted_at, e);
        if (!rc && ep->discharged_at)
            rc = bed_history(s, a, bed, "available", NULL, 0, "synthetic", ep->discharged_at, e);
        if (!rc && ep->state == BEDS_REF_ADMITTED)
            rc = run(s, "UPDATE beds SET referral_id = ? WHERE bed_id = ?",
                     json_pack("[II]", (json_int_t)rid, (json_int_t)bed), e);
        if (!rc && (ep->state == BEDS_REF_OFFERED || ep->state == BEDS_REF_ACCEPTED))
            rc = run(s, "UPDATE beds SET referral_id = ? WHERE bed_id = ?",
                     json_pack("[II]", (json_int_t)rid, (json_int_t)bed), e);
        (*nrefs)++;
    }
    /* offers made on the last morning hold their beds too */
    if (!rc)
        rc = store_exec(s,
                        "UPDATE beds SET referral_id = (SELECT r.referral_id FROM bed_referrals r"
                        " WHERE r.bed_id = beds.bed_id AND r.state IN ('offered','accepted'))"
                        " WHERE EXISTS (SELECT 1 FROM bed_referrals r WHERE r.bed_id ="
                        " beds.bed_id AND r.state IN ('offered','accepted'))",
                        e);
    for (size_t b = 0; b < h->nbeds && !rc; b++) {
        const beds_bed *bd = &h->beds[b];
        const char *cl = bd->status == BEDS_CLOSED ? beds_closure_name(bd->closure) : NULL;
        rc = run(s, "UPDATE beds SET status = ?, closure = ?, updated_at = ? WHERE bed_id = ?",
                 json_pack("[ss?II]", beds_status_name(bd->status), cl, (json_int_t)gnow,
                           (json_int_t)bd->id),
                 e);
        if (!rc && bd->status == BEDS_CLOSED)
            rc = bed_history(s, a, bd->id, "closed", cl, 0, "synthetic", gnow, e);
    }
    for (size_t u = 0; u < d->nunits && !rc; u++)
        rc = run(s,
                 "INSERT INTO unit_confirmations (unit_code, confirmed_at, confirmed_by)"
                 " VALUES (?, ?, ?) ON CONFLICT (unit_code) DO UPDATE SET"
                 " confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by",
                 json_pack("[sIs]", d->units[u].code, (json_int_t)h->confirmed_at[u], a->name), e);
    if (!rc) {
        json_t *after =
            json_pack("{sIsisi}", "seed", (json_int_t)seed, "days", ndays, "referrals", *nrefs);
        rc = store_audit(s, a->name, "beds.generate", "beds", "synthetic", NULL, after, e);
        json_decref(after);
    }
done:
    beds_history_free(h);
    free(ds);
    json_decref(dist);
    json_decref(acute);
    store_beds_data_free(d);
    return rc;
}
