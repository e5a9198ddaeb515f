/* store/waitlist.c - the joint waiting list's tables and queries (SQL
 * only): PTL entries and theatre sessions written in bulk, the directory
 * data the generator and the import check need, the allocation's input
 * loaded and its run and per-patient results stored, listings, and the
 * waits the equity report is computed from. Checking imports, the
 * allocation itself and the equity figures are src/app/waitlist.c's. */
#include "store/waitlist.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"

/* Version 2: instants as INTEGER seconds (they were ISO 8601 text); the
 * calendar dates (priority_date, clock_start, clock_stop, as_of) stay text. */
static int waitlist_v2(store *s, ics_err *e)
{
    int rc = store_migrate_instants(s, "waitlist_entries", "imported_at!", e);
    if (!rc) rc = store_migrate_instants(s, "waitlist_runs", "created_at!", e);
    return rc;
}

const store_migration store_schema_waitlist[] = {
    {"waitlist", 1,
     "CREATE TABLE waitlist_entries ("
     " id INTEGER PRIMARY KEY, trust TEXT NOT NULL, pathway_id TEXT NOT NULL,"
     " nhs_number TEXT NOT NULL, postcode TEXT NOT NULL, district TEXT, place_code TEXT,"
     " imd_quintile INTEGER, tfc INTEGER NOT NULL, procedure TEXT,"
     " priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 4),"
     " priority_date TEXT NOT NULL, clock_start TEXT NOT NULL,"
     " pause_days INTEGER NOT NULL DEFAULT 0, clock_stop TEXT,"
     " status TEXT NOT NULL CHECK (status IN ('waiting', 'booked', 'treated', 'removed')),"
     " max_travel_km REAL, source TEXT NOT NULL, synthetic INTEGER NOT NULL DEFAULT 0,"
     " imported_at TEXT NOT NULL, UNIQUE (trust, pathway_id));"
     "CREATE INDEX waitlist_entries_status ON waitlist_entries(status, tfc);"
     "CREATE TABLE waitlist_sessions ("
     " id INTEGER PRIMARY KEY, site_code TEXT NOT NULL REFERENCES sites(site_code),"
     " tfc INTEGER NOT NULL, date TEXT NOT NULL, slots INTEGER NOT NULL CHECK (slots >= 0),"
     " synthetic INTEGER NOT NULL DEFAULT 0, UNIQUE (site_code, tfc, date));"
     "CREATE TABLE waitlist_runs ("
     " id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
     " as_of TEXT NOT NULL, params_json TEXT NOT NULL, fingerprint TEXT NOT NULL,"
     " patients INTEGER NOT NULL, sessions INTEGER NOT NULL, slots INTEGER NOT NULL,"
     " assigned INTEGER NOT NULL, objective INTEGER NOT NULL, cost_travel INTEGER NOT NULL,"
     " cost_away INTEGER NOT NULL, cost_late INTEGER NOT NULL,"
     " cost_unassigned INTEGER NOT NULL, urgent INTEGER NOT NULL,"
     " urgent_on_time INTEGER NOT NULL, urgent_late INTEGER NOT NULL,"
     " elapsed_ms INTEGER NOT NULL, synthetic INTEGER NOT NULL DEFAULT 0);"
     "CREATE TABLE waitlist_results ("
     " run_id INTEGER NOT NULL REFERENCES waitlist_runs(id) ON DELETE CASCADE,"
     " entry_id INTEGER NOT NULL, site_code TEXT, session_date TEXT, km REAL,"
     " weeks INTEGER NOT NULL, late INTEGER NOT NULL, cost_travel INTEGER NOT NULL,"
     " cost_away INTEGER NOT NULL, cost_late INTEGER NOT NULL,"
     " cost_unassigned INTEGER NOT NULL, PRIMARY KEY (run_id, entry_id));",
     NULL},
    {"waitlist", 2, NULL, waitlist_v2},
    /* the list's order, so a page (by offset or after an id) is an index range */
    {"waitlist", 3, "CREATE INDEX waitlist_entries_clock ON waitlist_entries(clock_start, id);",
     NULL},
    /* how many are waiting since a day (the accountability view's 52-week
     * measure) is a count over an index range */
    {"waitlist", 4,
     "CREATE INDEX waitlist_entries_waiting ON waitlist_entries(status, clock_start);", NULL},
    /* an allocation run is one ICS's; those before were North West London's */
    {"waitlist", 5, "ALTER TABLE waitlist_runs ADD COLUMN ics TEXT NOT NULL DEFAULT 'QRV';", NULL},
    /* the session list's order, so a page (by offset or after a session)
     * is an index range */
    {"waitlist", 6,
     "CREATE INDEX waitlist_sessions_order ON waitlist_sessions(date, site_code, tfc);", NULL},
    {NULL, 0, NULL, NULL}};

/* ---- writes ---------------------------------------------------------------- */

int store_waitlist_org_codes(store *s, json_t **codes, ics_err *e)
{
    json_t *rows = NULL;
    *codes = NULL;
    int rc = store_query_json(s, "SELECT ods_code FROM organisations", NULL, &rows, e);
    if (rc) return rc;
    *codes = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v)
        json_object_set_new(*codes, json_string_value(json_object_get(v, "ods_code")), json_true());
    json_decref(rows);
    return 0;
}

int64_t store_waitlist_count(store *s, int sessions, ics_err *e)
{
    int64_t n = -1;
    int rc = store_query_int(s,
                             sessions ? "SELECT COUNT(*) FROM waitlist_sessions"
                                      : "SELECT COUNT(*) FROM waitlist_entries",
                             NULL, -1, &n, e);
    return rc ? rc : n;
}

int store_waitlist_entries_put(store *s, const store_waitlist_row *v, size_t n, int64_t now,
                               ics_err *e)
{
    assert(store_tx_depth(s) > 0);
    store_stmt *st = NULL;
    int rc = store_prepare(
        s,
        "INSERT INTO waitlist_entries (trust, pathway_id, nhs_number, postcode, district,"
        " place_code, imd_quintile, tfc, procedure, priority, priority_date, clock_start,"
        " pause_days, clock_stop, status, max_travel_km, source, synthetic, imported_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (trust, pathway_id) DO UPDATE SET nhs_number = excluded.nhs_number,"
        " postcode = excluded.postcode, district = excluded.district,"
        " place_code = excluded.place_code, imd_quintile = excluded.imd_quintile,"
        " tfc = excluded.tfc, procedure = excluded.procedure, priority = excluded.priority,"
        " priority_date = excluded.priority_date, clock_start = excluded.clock_start,"
        " pause_days = excluded.pause_days, clock_stop = excluded.clock_stop,"
        " status = excluded.status, max_travel_km = excluded.max_travel_km,"
        " source = excluded.source, synthetic = excluded.synthetic,"
        " imported_at = excluded.imported_at",
        &st, e);
    for (size_t r = 0; r < n && !rc; r++) {
        const store_waitlist_row *o = &v[r];
        store_bind_text(st, 1, o->trust);
        store_bind_text(st, 2, o->pathway);
        store_bind_text(st, 3, o->nhs);
        store_bind_text(st, 4, o->postcode);
        store_bind_text(st, 5, o->district);
        store_bind_text(st, 6, o->place[0] ? o->place : NULL);
        if (o->imd)
            store_bind_int(st, 7, o->imd);
        else
            store_bind_null(st, 7);
        store_bind_int(st, 8, o->tfc);
        store_bind_text(st, 9, o->procedure && *o->procedure ? o->procedure : NULL);
        store_bind_int(st, 10, o->priority);
        store_bind_text(st, 11, o->date_ps);
        store_bind_text(st, 12, o->date_cs);
        store_bind_int(st, 13, o->pause);
        store_bind_text(st, 14, o->has_stop ? o->date_stop : NULL);
        store_bind_text(st, 15, o->status);
        if (o->has_km)
            store_bind_double(st, 16, o->km);
        else
            store_bind_null(st, 16);
        store_bind_text(st, 17, o->source);
        store_bind_int(st, 18, o->synthetic);
        store_bind_int(st, 19, now);
        int sr = store_step(st, e);
        if (sr < 0) {
            ics_err_prefix(e, "row %zu: ", r + 1);
            rc = sr;
        }
        store_reset(st);
    }
    if (st) store_finalize(st);
    return rc;
}

int store_waitlist_sessions_put(store *s, const store_waitlist_session_row *v, size_t n, ics_err *e)
{
    assert(store_tx_depth(s) > 0);
    store_stmt *st = NULL;
    int rc = store_prepare(s,
                           "INSERT INTO waitlist_sessions (site_code, tfc, date, slots, synthetic)"
                           " VALUES (?,?,?,?,?) ON CONFLICT (site_code, tfc, date) DO UPDATE SET"
                           " slots = excluded.slots, synthetic = excluded.synthetic",
                           &st, e);
    for (size_t r = 0; r < n && !rc; r++) {
        store_bind_text(st, 1, v[r].site);
        store_bind_int(st, 2, v[r].tfc);
        store_bind_text(st, 3, v[r].date);
        store_bind_int(st, 4, v[r].slots);
        store_bind_int(st, 5, v[r].synthetic);
        int sr = store_step(st, e);
        if (sr < 0) rc = sr;
        store_reset(st);
    }
    if (st) store_finalize(st);
    return rc;
}

/* ---- reference data ------------------------------------------------------- */

int store_waitlist_refdata(store *s, waitlist_district **d, size_t *nd, waitlist_place **pl,
                           size_t *np, waitlist_site **sites, size_t *nsites, int acute_only,
                           ics_err *e)
{
    *d = NULL;
    *pl = NULL;
    *sites = NULL;
    *nd = *np = *nsites = 0;
    json_t *rd = NULL, *rp = NULL, *rs = NULL;
    int rc = store_query_json(s,
                              "SELECT district, lat, lon, place_code FROM postcode_districts"
                              " ORDER BY district",
                              NULL, &rd, e);
    if (!rc)
        rc = store_query_json(
            s,
            "SELECT p.code, p.lsoa_q1, p.lsoa_q2, p.lsoa_q3, p.lsoa_q4, p.lsoa_q5,"
            " (SELECT SUM(population) FROM place_population q WHERE q.place_code = p.code) AS pop"
            " FROM places p ORDER BY p.code",
            NULL, &rp, e);
    if (!rc)
        rc = store_query_json(s,
                              acute_only ? "SELECT site_code, org_code, lat, lon FROM sites"
                                           " WHERE kind = 'acute' ORDER BY site_code"
                                         : "SELECT site_code, org_code, lat, lon FROM sites"
                                           " ORDER BY site_code",
                              NULL, &rs, e);
    if (rc) {
        json_decref(rd);
        json_decref(rp);
        json_decref(rs);
        return rc;
    }
    *d = calloc(json_array_size(rd) + 1, sizeof **d);
    *pl = calloc(json_array_size(rp) + 1, sizeof **pl);
    *sites = calloc(json_array_size(rs) + 1, sizeof **sites);
    size_t i;
    json_t *v;
    json_array_foreach(rd, i, v)
    {
        waitlist_district *x = &(*d)[i];
        snprintf(x->district, sizeof x->district, "%s",
                 json_string_value(json_object_get(v, "district")));
        const char *pc = json_string_value(json_object_get(v, "place_code"));
        snprintf(x->place, sizeof x->place, "%s", pc ? pc : "");
        x->lat = json_number_value(json_object_get(v, "lat"));
        x->lon = json_number_value(json_object_get(v, "lon"));
    }
    json_array_foreach(rp, i, v)
    {
        waitlist_place *x = &(*pl)[i];
        snprintf(x->code, sizeof x->code, "%s", json_string_value(json_object_get(v, "code")));
        for (int q = 0; q < 5; q++) {
            char k[24];
            snprintf(k, sizeof k, "lsoa_q%d", q + 1);
            x->lsoa_q[q] = (int)json_integer_value(json_object_get(v, k));
        }
        x->population = json_number_value(json_object_get(v, "pop"));
    }
    json_array_foreach(rs, i, v)
    {
        waitlist_site *x = &(*sites)[i];
        snprintf(x->code, sizeof x->code, "%s", json_string_value(json_object_get(v, "site_code")));
        snprintf(x->trust, sizeof x->trust, "%s",
                 json_string_value(json_object_get(v, "org_code")));
        x->lat = json_number_value(json_object_get(v, "lat"));
        x->lon = json_number_value(json_object_get(v, "lon"));
    }
    *nd = json_array_size(rd);
    *np = json_array_size(rp);
    *nsites = json_array_size(rs);
    json_decref(rd);
    json_decref(rp);
    json_decref(rs);
    return 0;
}

/* ---- allocation input and runs ------------------------------------------------ */

void store_waitlist_input_free(store_waitlist_input *in)
{
    if (!in) return;
    free(in->sites);
    free(in->ss);
    free(in->p);
    free(in->ids);
    memset(in, 0, sizeof *in);
}

/* The entries of an ICS: those of trusts whose primary ICS it is. */
#define ENTRY_IN_ICS "trust IN (SELECT ods_code FROM organisations WHERE ics_code = ?)"

int store_waitlist_input_load(store *s, int64_t from_day, int64_t to_day, int tfc, const char *ics,
                              store_waitlist_input *in, ics_err *e)
{
    memset(in, 0, sizeof *in);
    waitlist_district *d = NULL;
    waitlist_place *pl = NULL;
    size_t nd, np, cap = 0, pcap = 0;
    int rc = store_waitlist_refdata(s, &d, &nd, &pl, &np, &in->sites, &in->nsites, 0, e);
    free(d);
    free(pl);
    if (rc) return rc;
    char from[11], to[11];
    tz_format_date(from_day, from, sizeof from);
    tz_format_date(to_day, to, sizeof to);
    store_stmt *st;
    rc = store_prepare(s,
                       "SELECT site_code, tfc, date, slots FROM waitlist_sessions"
                       " WHERE date >= ? AND date < ? AND (? = 0 OR tfc = ?)"
                       " AND site_code IN (SELECT t.site_code FROM sites t"
                       " JOIN organisations o ON o.ods_code = t.org_code"
                       " LEFT JOIN places p ON p.code = t.place_code"
                       " WHERE COALESCE(p.ics_code, o.ics_code) = ?)"
                       " ORDER BY site_code, tfc, date",
                       &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, from);
    store_bind_text(st, 2, to);
    store_bind_int(st, 3, tfc);
    store_bind_int(st, 4, tfc);
    store_bind_text(st, 5, ics);
    while ((rc = store_step(st, e)) == 1) {
        if (in->nss == cap) {
            cap = cap ? cap * 2 : 256;
            waitlist_session *nv = realloc(in->ss, cap * sizeof *nv);
            if (!nv) {
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                break;
            }
            in->ss = nv;
        }
        waitlist_session *x = &in->ss[in->nss];
        const char *code = store_col_text(st, 0);
        x->site = -1;
        for (size_t k = 0; k < in->nsites; k++)
            if (!strcmp(in->sites[k].code, code)) x->site = (int)k;
        x->tfc = (int)store_col_int(st, 1);
        tz_parse_date(store_col_text(st, 2), &x->date, NULL);
        x->slots = (int)store_col_int(st, 3);
        if (x->site < 0) continue; /* a site deleted from the directory */
        in->slots += x->slots;
        in->nss++;
    }
    store_finalize(st);
    if (rc < 0) return rc;
    rc = store_prepare(s,
                       "SELECT e.id, e.tfc, e.priority, e.trust, d.lat, d.lon, e.max_travel_km,"
                       " e.clock_start, e.priority_date, e.synthetic FROM waitlist_entries e"
                       " LEFT JOIN postcode_districts d ON d.district = e.district"
                       " WHERE e.status = 'waiting' AND (? = 0 OR e.tfc = ?) AND e." ENTRY_IN_ICS
                       " ORDER BY e.id",
                       &st, e);
    if (rc) return rc;
    store_bind_int(st, 1, tfc);
    store_bind_int(st, 2, tfc);
    store_bind_text(st, 3, ics);
    while ((rc = store_step(st, e)) == 1) {
        if (in->n == pcap) {
            pcap = pcap ? pcap * 2 : 1024;
            waitlist_patient *nv = realloc(in->p, pcap * sizeof *nv);
            int64_t *ni = nv ? realloc(in->ids, pcap * sizeof *ni) : NULL;
            if (nv) in->p = nv;
            if (ni) in->ids = ni;
            if (!nv || !ni) {
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                break;
            }
        }
        waitlist_patient *x = &in->p[in->n];
        memset(x, 0, sizeof *x);
        in->ids[in->n] = store_col_int(st, 0);
        x->tfc = (int)store_col_int(st, 1);
        x->priority = (int)store_col_int(st, 2);
        snprintf(x->trust, sizeof x->trust, "%s", store_col_text(st, 3));
        x->lat = store_col_isnull(st, 4) ? NAN : store_col_double(st, 4);
        x->lon = store_col_isnull(st, 5) ? NAN : store_col_double(st, 5);
        x->max_km = store_col_isnull(st, 6) ? 0 : store_col_double(st, 6);
        tz_parse_date(store_col_text(st, 7), &x->clock_start, NULL);
        tz_parse_date(store_col_text(st, 8), &x->priority_date, NULL);
        in->synthetic |= store_col_int(st, 9) != 0;
        in->n++;
    }
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_waitlist_run_insert(store *s, const store_waitlist_run_row *run,
                              const store_waitlist_input *in, const waitlist_result *r, int64_t *id,
                              ics_err *e)
{
    assert(store_tx_depth(s) > 0 && run->ics && *run->ics);
    store_stmt *st = NULL;
    int rc = store_prepare(
        s,
        "INSERT INTO waitlist_runs (created_at, created_by, as_of, params_json, fingerprint,"
        " patients, sessions, slots, assigned, objective, cost_travel, cost_away, cost_late,"
        " cost_unassigned, urgent, urgent_on_time, urgent_late, elapsed_ms, synthetic, ics)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
        &st, e);
    if (rc) return rc;
    int64_t vals[] = {(int64_t)in->n,
                      (int64_t)in->nss,
                      in->slots,
                      (int64_t)r->assigned,
                      r->objective,
                      r->travel,
                      r->away,
                      r->late_cost,
                      r->unassigned,
                      (int64_t)r->urgent,
                      (int64_t)r->urgent_on_time,
                      (int64_t)r->urgent_late,
                      run->elapsed_ms,
                      run->synthetic};
    store_bind_int(st, 1, run->created_at);
    store_bind_text(st, 2, run->created_by);
    store_bind_text(st, 3, run->as_of);
    store_bind_text(st, 4, run->params);
    store_bind_text(st, 5, run->fingerprint);
    for (int k = 0; k < 14; k++) store_bind_int(st, 6 + k, vals[k]);
    store_bind_text(st, 20, run->ics);
    int sr = store_step(st, e);
    if (sr < 0) rc = sr;
    if (sr == 1) *id = store_col_int(st, 0);
    store_finalize(st);
    if (rc) return rc;
    rc = store_prepare(s,
                       "INSERT INTO waitlist_results (run_id, entry_id, site_code,"
                       " session_date, km, weeks, late, cost_travel, cost_away, cost_late,"
                       " cost_unassigned) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       &st, e);
    for (size_t i = 0; i < in->n && !rc; i++) {
        const waitlist_assignment *A = &r->a[i];
        char d[11];
        store_bind_int(st, 1, *id);
        store_bind_int(st, 2, in->ids[i]);
        if (A->session >= 0) {
            tz_format_date(in->ss[A->session].date, d, sizeof d);
            store_bind_text(st, 3, in->sites[A->site].code);
            store_bind_text(st, 4, d);
            store_bind_double(st, 5, A->km);
        } else {
            store_bind_null(st, 3);
            store_bind_null(st, 4);
            store_bind_null(st, 5);
        }
        store_bind_int(st, 6, A->weeks);
        store_bind_int(st, 7, A->late);
        store_bind_int(st, 8, A->travel);
        store_bind_int(st, 9, A->away);
        store_bind_int(st, 10, A->late_cost);
        store_bind_int(st, 11, A->unassigned);
        sr = store_step(st, e);
        if (sr < 0) rc = sr;
        store_reset(st);
    }
    if (st) store_finalize(st);
    return rc;
}

static const char run_cols[] =
    "SELECT id, created_at, created_by, as_of, params_json, fingerprint, patients, sessions,"
    " slots, assigned, objective, cost_travel, cost_away, cost_late, cost_unassigned, urgent,"
    " urgent_on_time, urgent_late, elapsed_ms, synthetic, ics FROM waitlist_runs";

int store_waitlist_run_get(store *s, int64_t id, json_t **out, ics_err *e)
{
    char sql[600];
    snprintf(sql, sizeof sql, "%s WHERE id = ?", run_cols);
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc = store_query_one(s, sql, p, out, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "no allocation run %lld", (long long)id);
    if (!rc) {
        json_t *syn = json_object_get(*out, "synthetic");
        json_object_set_new(*out, "synthetic", json_boolean(json_integer_value(syn)));
    }
    return rc;
}

int store_waitlist_run_list(store *s, const char *ics, int64_t limit, int64_t offset, json_t **rows,
                            ics_err *e)
{
    char sql[600];
    snprintf(sql, sizeof sql, "%s WHERE ics = ? ORDER BY id DESC LIMIT ? OFFSET ?", run_cols);
    json_t *p = json_pack("[sII]", ics, (json_int_t)limit, (json_int_t)offset);
    int rc = store_query_json(s, sql, p, rows, e);
    json_decref(p);
    if (!rc) {
        size_t i;
        json_t *v;
        json_array_foreach(*rows, i, v) json_object_set_new(
            v, "synthetic", json_boolean(json_integer_value(json_object_get(v, "synthetic"))));
    }
    return rc;
}

/* The booking list's order: booked first (by session date), then those
 * left waiting; the entry id breaks ties. The same key serves the keyset. */
#define BOOKING_KEY "CASE WHEN r.site_code IS NULL THEN 1 ELSE 0 END, COALESCE(r.session_date, '')"

static const char booking_where[] =
    " WHERE r.run_id = ? AND (? = '' OR e.trust = ?) AND (? = '' OR r.site_code = ?)"
    " AND (? = '' OR CAST(e.tfc AS TEXT) = ?)"
    " AND (? < 0 OR (CASE WHEN r.site_code IS NULL THEN 0 ELSE 1 END) = ?)"
    " AND (? < 0 OR (CASE WHEN (e.priority = 1 AND e.priority_date < ?)"
    " OR (e.priority = 2 AND e.priority_date < ?) THEN 1 ELSE 0 END) = ?)";

static json_t *booking_params(const store_waitlist_booking_filter *f)
{
    const char *t = f->trust ? f->trust : "", *st = f->site ? f->site : "",
               *tfc = f->tfc ? f->tfc : "";
    return json_pack("[Issssssiiissi]", (json_int_t)f->run, t, t, st, st, tfc, tfc, f->booked,
                     f->booked, f->overdue, f->cut_p1 ? f->cut_p1 : "", f->cut_p2 ? f->cut_p2 : "",
                     f->overdue);
}

int store_waitlist_results(store *s, const store_waitlist_booking_filter *f, int64_t limit,
                           int64_t offset, json_t **out, ics_err *e)
{
    assert(f->overdue < 0 || (f->cut_p1 && f->cut_p2));
    json_t *row = NULL;
    int rc = store_waitlist_run_get(s, f->run, &row, e);
    json_decref(row);
    if (rc) return rc;
    char sql[2000];
    snprintf(sql, sizeof sql,
             "SELECT r.entry_id, e.trust, e.pathway_id, e.nhs_number, e.tfc, e.procedure,"
             " e.priority, e.priority_date, e.clock_start, e.place_code, r.site_code,"
             " si.name AS site_name, r.session_date, r.km, r.weeks, r.late, r.cost_travel,"
             " r.cost_away, r.cost_late, r.cost_unassigned, e.synthetic"
             " FROM waitlist_results r JOIN waitlist_entries e ON e.id = r.entry_id"
             " LEFT JOIN sites si ON si.site_code = r.site_code%s%s"
             " ORDER BY " BOOKING_KEY ", r.entry_id LIMIT ? OFFSET ?",
             booking_where,
             f->after ? " AND (" BOOKING_KEY ", r.entry_id) > (SELECT CASE WHEN x.site_code IS"
                        " NULL THEN 1 ELSE 0 END, COALESCE(x.session_date, ''), x.entry_id"
                        " FROM waitlist_results x WHERE x.run_id = ? AND x.entry_id = ?)"
                      : "");
    json_t *p = booking_params(f);
    if (f->after) {
        json_array_append_new(p, json_integer(f->run));
        json_array_append_new(p, json_integer(f->after));
    }
    json_array_append_new(p, json_integer(limit));
    json_array_append_new(p, json_integer(offset));
    json_t *rows = NULL;
    rc = store_query_json(s, sql, p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*) FROM waitlist_results r JOIN waitlist_entries e ON e.id = r.entry_id"
             "%s",
             booking_where);
    p = booking_params(f);
    int64_t total;
    rc = store_query_int(s, sql, p, 0, &total, e);
    json_decref(p);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{sosIsIsI}", "items", rows, "total", (json_int_t)total, "limit",
                     (json_int_t)limit, "offset", (json_int_t)offset);
    return 0;
}

int store_waitlist_run_overdue(store *s, int64_t run, const char *cut_p1, const char *cut_p2,
                               int64_t n[3], int64_t booked[3], ics_err *e)
{
    for (int k = 0; k < 3; k++) n[k] = booked[k] = 0;
    json_t *p = json_pack("[Iss]", (json_int_t)run, cut_p1, cut_p2), *rows = NULL;
    int rc = store_query_json(
        s,
        "SELECT e.priority AS priority, CASE WHEN r.site_code IS NULL THEN 0 ELSE 1 END AS booked,"
        " COUNT(*) AS n FROM waitlist_results r JOIN waitlist_entries e ON e.id = r.entry_id"
        " WHERE r.run_id = ? AND ((e.priority = 1 AND e.priority_date < ?)"
        " OR (e.priority = 2 AND e.priority_date < ?))"
        " GROUP BY e.priority, CASE WHEN r.site_code IS NULL THEN 0 ELSE 1 END",
        p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v)
    {
        json_int_t pr = json_integer_value(json_object_get(v, "priority"));
        json_int_t c = json_integer_value(json_object_get(v, "n"));
        assert(pr == 1 || pr == 2);
        n[pr] += c;
        if (json_integer_value(json_object_get(v, "booked"))) booked[pr] += c;
    }
    json_decref(rows);
    return 0;
}

int store_waitlist_site_name(store *s, const char *code, char *name, size_t cap, int *yes,
                             ics_err *e)
{
    json_t *p = json_pack("[s]", code), *rows = NULL;
    int rc = store_query_json(s, "SELECT name FROM sites WHERE site_code = ?", p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    *yes = json_array_size(rows) > 0;
    const char *nm = json_string_value(json_object_get(json_array_get(rows, 0), "name"));
    snprintf(name, cap, "%s", nm ? nm : "");
    json_decref(rows);
    return 0;
}

/* ---- listing ------------------------------------------------------------------ */

static const char entry_cols[] =
    "SELECT id, trust, pathway_id, nhs_number, postcode, place_code, imd_quintile, tfc,"
    " procedure, priority, priority_date, clock_start, pause_days, clock_stop, status,"
    " max_travel_km, source, synthetic FROM waitlist_entries";

/* '' binds mean "any" for each filter */
static const char entry_where[] =
    " WHERE (? = '' OR trust = ?) AND (? = '' OR CAST(tfc AS TEXT) = ?)"
    " AND (? = '' OR CAST(priority AS TEXT) = ?) AND (? = '' OR place_code = ?)"
    " AND (? = '' OR status = ?) AND (? = '' OR " ENTRY_IN_ICS ")";

static json_t *filter_params(const store_waitlist_filter *f)
{
    const char *v[6] = {f->trust, f->tfc, f->priority, f->place, f->status, f->ics};
    json_t *p = json_array();
    for (int k = 0; k < 6; k++) {
        const char *x = v[k] ? v[k] : "";
        json_array_append_new(p, json_string(x));
        json_array_append_new(p, json_string(x));
    }
    return p;
}

/* The number of entries f matches. Its WHERE names only the filters given
 * (the page's "? = '' OR" form kept SQLite from the covering index on
 * trust: a scan of every entry, most of a page's time). The page keeps
 * that form: with the filters spelled out the planner chose the trust
 * index and sorted every entry instead of walking the list's order. */
static int entries_total(store *s, const store_waitlist_filter *f, int64_t *total, ics_err *e)
{
    static const char *const cond[] = {" AND trust = ?",
                                       " AND CAST(tfc AS TEXT) = ?",
                                       " AND CAST(priority AS TEXT) = ?",
                                       " AND place_code = ?",
                                       " AND status = ?",
                                       " AND " ENTRY_IN_ICS};
    const char *v[6] = {f->trust, f->tfc, f->priority, f->place, f->status, f->ics};
    char sql[600];
    size_t n =
        (size_t)snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM waitlist_entries WHERE 1 = 1");
    json_t *p = json_array();
    for (int k = 0; k < 6; k++) {
        if (!v[k] || !*v[k]) continue;
        assert(n + strlen(cond[k]) < sizeof sql);
        n += (size_t)snprintf(sql + n, sizeof sql - n, "%s", cond[k]);
        json_array_append_new(p, json_string(v[k]));
    }
    int rc = store_query_int(s, sql, p, 0, total, e);
    json_decref(p);
    return rc;
}

static json_t *entries_page(const store_waitlist_filter *f, int64_t limit, int64_t offset,
                            char *sql, size_t cap)
{
    snprintf(sql, cap, "%s%s%s ORDER BY clock_start, id LIMIT ? OFFSET ?", entry_cols, entry_where,
             f->after ? " AND (clock_start, id) > (SELECT x.clock_start, x.id FROM"
                        " waitlist_entries x WHERE x.id = ?)"
                      : "");
    json_t *p = filter_params(f);
    if (f->after) json_array_append_new(p, json_integer(f->after));
    json_array_append_new(p, json_integer(limit));
    json_array_append_new(p, json_integer(offset));
    return p;
}

int store_waitlist_entries(store *s, const store_waitlist_filter *f, int64_t limit, int64_t offset,
                           json_t **out, ics_err *e)
{
    char sql[1200];
    json_t *p = entries_page(f, limit, offset, sql, sizeof sql);
    json_t *rows;
    int rc = store_query_json(s, sql, p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    int64_t total;
    if ((rc = entries_total(s, f, &total, e))) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{sosIsIsI}", "items", rows, "total", (json_int_t)total, "limit",
                     (json_int_t)limit, "offset", (json_int_t)offset);
    return 0;
}

int store_waitlist_entries_each(store *s, const store_waitlist_filter *f, int64_t limit,
                                int64_t offset, int64_t *total, store_row_fn fn, void *arg,
                                ics_err *e)
{
    int rc = entries_total(s, f, total, e);
    if (rc) return rc;
    char sql[1200];
    json_t *p = entries_page(f, limit, offset, sql, sizeof sql);
    rc = store_query_each(s, sql, p, fn, arg, e);
    json_decref(p);
    return rc;
}

int store_waitlist_entry_get(store *s, int64_t id, json_t **out, ics_err *e)
{
    char sql[600];
    snprintf(sql, sizeof sql, "%s WHERE id = ?", entry_cols);
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc = store_query_one(s, sql, p, out, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "no waiting-list entry %lld", (long long)id);
    return rc;
}

int store_waitlist_sessions(store *s, int64_t from, int64_t limit, int64_t offset, int64_t after,
                            json_t **out, ics_err *e)
{
    assert(after >= 0 && offset >= 0);
    char d[11];
    tz_format_date(from, d, sizeof d);
    json_t *p = json_pack("[s]", d);
    if (after) json_array_append_new(p, json_integer(after));
    json_array_append_new(p, json_integer(limit));
    json_array_append_new(p, json_integer(offset));
    json_t *rows;
    /* the list's order is an index range (waitlist migration 6) */
    int rc = store_query_json(
        s,
        after ? "SELECT id, site_code, tfc, date, slots, synthetic FROM waitlist_sessions"
                " WHERE date >= ? AND (date, site_code, tfc) > (SELECT x.date, x.site_code, x.tfc"
                " FROM waitlist_sessions x WHERE x.id = ?)"
                " ORDER BY date, site_code, tfc LIMIT ? OFFSET ?"
              : "SELECT id, site_code, tfc, date, slots, synthetic FROM waitlist_sessions"
                " WHERE date >= ? ORDER BY date, site_code, tfc LIMIT ? OFFSET ?",
        p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    p = json_pack("[s]", d);
    int64_t total, slots;
    rc = store_query_int(s, "SELECT COUNT(*) FROM waitlist_sessions WHERE date >= ?", p, 0, &total,
                         e);
    if (!rc)
        rc = store_query_int(
            s, "SELECT COALESCE(SUM(slots), 0) FROM waitlist_sessions WHERE date >= ?", p, 0,
            &slots, e);
    json_decref(p);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{sosIsIsIsIss}", "items", rows, "total", (json_int_t)total, "total_slots",
                     (json_int_t)slots, "limit", (json_int_t)limit, "offset", (json_int_t)offset,
                     "from", d);
    return 0;
}

/* ---- waits for the equity report ------------------------------------------------ */

void store_waitlist_waits_free(store_waitlist_waits *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->n; i++) free(w->keys[i]);
    free(w->keys);
    free(w->value);
    free(w->still);
    memset(w, 0, sizeof *w);
}

int store_waitlist_waiting_since(store *s, const char *day, int64_t *n, ics_err *e)
{
    json_t *p = json_pack("[s]", day);
    int rc = store_query_int(s,
                             "SELECT COUNT(*) FROM waitlist_entries WHERE status = 'waiting'"
                             " AND clock_start <= ?",
                             p, 0, n, e);
    json_decref(p);
    return rc;
}

int store_waitlist_waits_load(store *s, int64_t run, const char *by, const char *ics,
                              store_waitlist_waits *w, ics_err *e)
{
    memset(w, 0, sizeof *w);
    const char *col = !strcmp(by, "trust")   ? "e.trust"
                      : !strcmp(by, "place") ? "e.place_code"
                                             : "CAST(e.imd_quintile AS TEXT)";
    char sql[600];
    if (run)
        snprintf(sql, sizeof sql,
                 "SELECT r.weeks, r.site_code IS NULL, %s, e.synthetic FROM waitlist_results r"
                 " JOIN waitlist_entries e ON e.id = r.entry_id WHERE r.run_id = ?",
                 col);
    else
        snprintf(sql, sizeof sql,
                 "SELECT e.clock_start, 1, %s, e.synthetic FROM waitlist_entries e"
                 " WHERE e.status = 'waiting'"
                 " AND ? = 0 AND e." ENTRY_IN_ICS,
                 col);
    store_stmt *st;
    int rc = store_prepare(s, sql, &st, e);
    if (rc) return rc;
    store_bind_int(st, 1, run);
    if (!run) store_bind_text(st, 2, ics);
    size_t cap = 0;
    while ((rc = store_step(st, e)) == 1) {
        if (w->n == cap) {
            cap = cap ? cap * 2 : 1024;
            int64_t *v2 = realloc(w->value, cap * sizeof *v2);
            if (v2) w->value = v2;
            char **k2 = realloc(w->keys, cap * sizeof *k2);
            if (k2) w->keys = k2;
            unsigned char *s2 = realloc(w->still, cap);
            if (s2) w->still = s2;
            if (!v2 || !k2 || !s2) {
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                break;
            }
        }
        if (run) {
            w->value[w->n] = store_col_int(st, 0);
        } else {
            int64_t cs = 0;
            tz_parse_date(store_col_text(st, 0), &cs, NULL);
            w->value[w->n] = cs;
        }
        w->still[w->n] = (unsigned char)store_col_int(st, 1);
        w->keys[w->n] = strdup(store_col_text(st, 2));
        if (store_col_int(st, 3)) w->synthetic = 1;
        w->n++;
    }
    store_finalize(st);
    if (rc < 0) {
        store_waitlist_waits_free(w);
        return rc;
    }
    return 0;
}

int store_waitlist_group_names(store *s, const char *by, json_t **names, ics_err *e)
{
    *names = json_object();
    const char *q = !strcmp(by, "trust")   ? "SELECT ods_code AS k, name FROM organisations"
                    : !strcmp(by, "place") ? "SELECT code AS k, name FROM places"
                                           : NULL;
    if (!q) return 0;
    json_t *rows = NULL;
    int rc = store_query_json(s, q, NULL, &rows, e);
    if (rc) return rc;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) json_object_set(
        *names, json_string_value(json_object_get(v, "k")), json_object_get(v, "name"));
    json_decref(rows);
    return 0;
}
