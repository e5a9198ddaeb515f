/* store/waitlist.c - the joint waiting list's tables and queries: PTL and
 * session imports with row-level validation, the allocation run (load,
 * fingerprint, engine, per-patient results) and the equity report.
 *
 * store_waitlist_allocate is the one place that joins the store and the
 * engine, so the CLI and the HTTP handler run allocations identically. */
#include "store/waitlist.h"

#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "core/sb.h"
#include "core/tz.h"
#include "core/valid.h"

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
     " cost_unassigned INTEGER NOT NULL, PRIMARY KEY (run_id, entry_id));"},
    {NULL, 0, NULL}};

static const char *const ptl_required[] = {"pathway_id",    "nhs_number",  "postcode",
                                           "trust",         "tfc",         "priority",
                                           "priority_date", "clock_start", NULL};
static const char *const ptl_optional[] = {"procedure",     "pause_days",   "clock_stop", "status",
                                           "max_travel_km", "imd_quintile", "synthetic",  NULL};
static const char *const sess_required[] = {"site_code", "tfc", "date", "slots", NULL};
static const char *const sess_optional[] = {"synthetic", NULL};

static int64_t today_day(void)
{
    tz_local l;
    tz_to_local(tz_now(), &l);
    return l.date;
}

/* ---- import -------------------------------------------------------------- */

typedef struct district_ref {
    char district[8];
    char place[12];
} district_ref;

typedef struct refs {
    district_ref *d;
    size_t nd;
    waitlist_place *pl;
    size_t np;
    json_t *orgs;  /* object: ods code -> 1 */
    json_t *sites; /* object: site code -> 1 */
} refs;

static void refs_free(refs *r)
{
    free(r->d);
    free(r->pl);
    json_decref(r->orgs);
    json_decref(r->sites);
}

static int refs_load(store *s, refs *r, ics_err *e)
{
    memset(r, 0, sizeof *r);
    waitlist_district *d = NULL;
    waitlist_site *st = NULL;
    size_t nst = 0;
    int rc = store_waitlist_refdata(s, &d, &r->nd, &r->pl, &r->np, &st, &nst, 0, e);
    if (rc) return rc;
    r->d = calloc(r->nd + 1, sizeof *r->d);
    r->orgs = json_object();
    r->sites = json_object();
    for (size_t i = 0; r->d && i < r->nd; i++) {
        memcpy(r->d[i].district, d[i].district, sizeof r->d[i].district);
        memcpy(r->d[i].place, d[i].place, sizeof r->d[i].place);
    }
    for (size_t i = 0; i < nst; i++) json_object_set_new(r->sites, st[i].code, json_true());
    free(d);
    free(st);
    json_t *rows = NULL;
    rc = store_query_json(s, "SELECT ods_code FROM organisations", NULL, &rows, e);
    if (rc) return rc;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) json_object_set_new(
        r->orgs, json_string_value(json_object_get(v, "ods_code")), json_true());
    json_decref(rows);
    return r->d ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory");
}

static const district_ref *district_find(const refs *r, const char *district)
{
    for (size_t i = 0; i < r->nd; i++)
        if (!strcmp(r->d[i].district, district)) return &r->d[i];
    return NULL;
}

/* Deprivation quintile drawn from the borough's LSOA mix, seeded by the NHS
 * number so a re-import gives the same quintile. */
static int draw_quintile(const refs *r, const char *place, const char *nhs)
{
    for (size_t k = 0; k < r->np; k++) {
        if (strcmp(r->pl[k].code, place)) continue;
        uint64_t h = 1469598103934665603ull;
        for (const char *c = nhs; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
        rng g;
        rng_seed(&g, h, 7);
        int tot = 0;
        for (int q = 0; q < 5; q++) tot += r->pl[k].lsoa_q[q];
        if (tot <= 0) return 0;
        int x = (int)rng_below(&g, (uint64_t)tot);
        for (int q = 0; q < 5; q++) {
            if (x < r->pl[k].lsoa_q[q]) return q + 1;
            x -= r->pl[k].lsoa_q[q];
        }
    }
    return 0;
}

typedef struct rowerr {
    json_t *list;
    size_t count;
    const char *file;
} rowerr;

static void bad(rowerr *re, size_t line, const char *col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void bad(rowerr *re, size_t line, const char *col, const char *fmt, ...)
{
    re->count++;
    if (json_array_size(re->list) >= 1000) return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_array_append_new(re->list, json_pack("{sssIssss}", "file", re->file, "line",
                                              (json_int_t)line, "column", col, "reason", msg));
}

/* Header check: required present, nothing unknown. */
static int header_check(const csv_doc *doc, const char *const *req, const char *const *opt,
                        rowerr *re)
{
    int ok = 1;
    for (const char *const *c = req; *c; c++)
        if (csv_col(doc, *c) < 0) {
            bad(re, 1, *c, "required column '%s' is missing", *c);
            ok = 0;
        }
    for (size_t j = 0; j < doc->ncols; j++) {
        int known = 0;
        for (const char *const *c = req; *c && !known; c++) known = !strcmp(*c, doc->header[j]);
        for (const char *const *c = opt; *c && !known; c++) known = !strcmp(*c, doc->header[j]);
        if (!known) {
            bad(re, 1, doc->header[j], "unknown column '%s'", doc->header[j]);
            ok = 0;
        }
    }
    return ok;
}

static const char *cell(const csv_doc *doc, size_t r, const char *name)
{
    int c = csv_col(doc, name);
    return c < 0 ? "" : doc->rows[r][c];
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    if (!*s) return -1;
    long v = strtol(s, &end, 10);
    if (*end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

typedef struct ptl_row {
    char nhs[11], postcode[9], district[5], place[12], trust[8], date_ps[11], date_cs[11],
        date_stop[11], status[10];
    const char *pathway, *procedure;
    long tfc, priority, pause, imd, synthetic;
    double km;
    int has_km, has_stop;
} ptl_row;

static int check_ptl_row(const csv_doc *doc, size_t r, const refs *rf, int64_t today, rowerr *re,
                         ptl_row *o)
{
    size_t line = doc->line[r];
    size_t before = re->count;
    ics_err e = {0};
    memset(o, 0, sizeof *o);
    o->pathway = cell(doc, r, "pathway_id");
    if (!*o->pathway || strlen(o->pathway) > 32)
        bad(re, line, "pathway_id", "must be 1-32 characters");
    if (valid_nhs_number(cell(doc, r, "nhs_number"), o->nhs, &e))
        bad(re, line, "nhs_number", "%s", e.msg);
    if (valid_postcode(cell(doc, r, "postcode"), o->postcode, &e)) {
        bad(re, line, "postcode", "%s", e.msg);
    } else {
        valid_postcode_outward(o->postcode, o->district);
        const district_ref *d = district_find(rf, o->district);
        if (d) snprintf(o->place, sizeof o->place, "%s", d->place);
    }
    const char *t = cell(doc, r, "trust");
    if (valid_ods_code(t, &e) || strlen(t) != 3)
        bad(re, line, "trust", "'%s' is not a 3-character ODS trust code", t);
    else if (!json_object_get(rf->orgs, t))
        bad(re, line, "trust", "'%s' is not an organisation in the directory", t);
    else
        snprintf(o->trust, sizeof o->trust, "%s", t);
    if (parse_long(cell(doc, r, "tfc"), 100, 999, &o->tfc))
        bad(re, line, "tfc", "'%s' is not a 3-digit treatment function code", cell(doc, r, "tfc"));
    const char *p = cell(doc, r, "priority");
    if ((p[0] == 'P' || p[0] == 'p') && p[1]) p++;
    if (parse_long(p, 1, 4, &o->priority))
        bad(re, line, "priority", "'%s' is not a clinical priority P1-P4",
            cell(doc, r, "priority"));
    int64_t cs = 0, ps = 0, stop = 0;
    if (tz_parse_date(cell(doc, r, "clock_start"), &cs, &e))
        bad(re, line, "clock_start", "%s", e.msg);
    else if (cs > today)
        bad(re, line, "clock_start", "%s is in the future", cell(doc, r, "clock_start"));
    else
        tz_format_date(cs, o->date_cs, sizeof o->date_cs);
    if (tz_parse_date(cell(doc, r, "priority_date"), &ps, &e))
        bad(re, line, "priority_date", "%s", e.msg);
    else if (ps < cs)
        bad(re, line, "priority_date", "%s is before the clock start",
            cell(doc, r, "priority_date"));
    else
        tz_format_date(ps, o->date_ps, sizeof o->date_ps);
    const char *st = cell(doc, r, "status");
    snprintf(o->status, sizeof o->status, "%s", *st ? st : "waiting");
    if (strcmp(o->status, "waiting") && strcmp(o->status, "booked") &&
        strcmp(o->status, "treated") && strcmp(o->status, "removed"))
        bad(re, line, "status", "'%s' is not waiting, booked, treated or removed", st);
    const char *sp = cell(doc, r, "clock_stop");
    if (*sp) {
        if (tz_parse_date(sp, &stop, &e))
            bad(re, line, "clock_stop", "%s", e.msg);
        else if (stop < cs)
            bad(re, line, "clock_stop", "%s is before the clock start", sp);
        else if (!strcmp(o->status, "waiting") || !strcmp(o->status, "booked"))
            bad(re, line, "clock_stop", "a stopped clock cannot be on the waiting list (status %s)",
                o->status);
        else {
            tz_format_date(stop, o->date_stop, sizeof o->date_stop);
            o->has_stop = 1;
        }
    }
    const char *pd = cell(doc, r, "pause_days");
    if (*pd && parse_long(pd, 0, 100000, &o->pause))
        bad(re, line, "pause_days", "'%s' is not a whole number of days >= 0", pd);
    const char *km = cell(doc, r, "max_travel_km");
    if (*km) {
        char *end;
        o->km = strtod(km, &end);
        if (*end || !(o->km > 0 && o->km <= 1000))
            bad(re, line, "max_travel_km", "'%s' is not a distance in km (0-1000]", km);
        o->has_km = 1;
    }
    const char *q = cell(doc, r, "imd_quintile");
    if (*q && parse_long(q, 1, 5, &o->imd))
        bad(re, line, "imd_quintile", "'%s' is not a quintile 1-5", q);
    const char *sy = cell(doc, r, "synthetic");
    if (*sy && parse_long(sy, 0, 1, &o->synthetic))
        bad(re, line, "synthetic", "'%s' is not 0 or 1", sy);
    o->procedure = cell(doc, r, "procedure");
    if (strlen(o->procedure) > 200) bad(re, line, "procedure", "longer than 200 characters");
    return re->count == before;
}

static int import_ptl(store *s, const csv_doc *doc, const char *source, const refs *rf, rowerr *re,
                      size_t *rows, ics_err *e)
{
    int64_t today = today_day();
    ptl_row *v = calloc(doc->nrows + 1, sizeof *v);
    if (!v) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    json_t *seen = json_object();
    for (size_t r = 0; r < doc->nrows; r++) {
        if (!check_ptl_row(doc, r, rf, today, re, &v[r])) continue;
        char key[64];
        snprintf(key, sizeof key, "%s/%s", v[r].trust, v[r].pathway);
        json_t *prev = json_object_get(seen, key);
        if (prev)
            bad(re, doc->line[r], "pathway_id", "pathway %s of %s already appears on line %lld",
                v[r].pathway, v[r].trust, (long long)json_integer_value(prev));
        else
            json_object_set_new(seen, key, json_integer((json_int_t)doc->line[r]));
    }
    json_decref(seen);
    if (re->count) {
        free(v);
        return ics_err_set(e, ICS_EINVAL, "%s: %zu problem(s); nothing was imported", re->file,
                           re->count);
    }
    char now[32];
    tz_format_utc(tz_now(), now, sizeof now);
    store_stmt *st;
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
    for (size_t r = 0; r < doc->nrows && !rc; r++) {
        ptl_row *o = &v[r];
        int q = o->imd ? (int)o->imd : o->place[0] ? draw_quintile(rf, o->place, o->nhs) : 0;
        store_bind_text(st, 1, o->trust);
        store_bind_text(st, 2, o->pathway);
        store_bind_text(st, 3, o->nhs);
        store_bind_text(st, 4, o->postcode);
        store_bind_text(st, 5, o->district);
        store_bind_text(st, 6, o->place[0] ? o->place : NULL);
        if (q)
            store_bind_int(st, 7, q);
        else
            store_bind_null(st, 7);
        store_bind_int(st, 8, o->tfc);
        store_bind_text(st, 9, *o->procedure ? o->procedure : NULL);
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
        store_bind_text(st, 17, source);
        store_bind_int(st, 18, o->synthetic);
        store_bind_text(st, 19, now);
        int sr = store_step(st, e);
        if (sr < 0) {
            ics_err_prefix(e, "%s: line %zu: ", re->file, doc->line[r]);
            rc = sr;
        }
        store_reset(st);
    }
    if (st) store_finalize(st);
    free(v);
    *rows = doc->nrows;
    return rc;
}

static int import_sessions(store *s, const csv_doc *doc, const refs *rf, rowerr *re, size_t *rows,
                           ics_err *e)
{
    json_t *seen = json_object();
    for (size_t r = 0; r < doc->nrows; r++) {
        size_t line = doc->line[r];
        const char *site = cell(doc, r, "site_code");
        long tfc = 0, slots = 0, syn = 0;
        int64_t day = 0;
        ics_err pe = {0};
        int ok = 1;
        if (!json_object_get(rf->sites, site)) {
            bad(re, line, "site_code", "'%s' is not a site in the directory", site);
            ok = 0;
        }
        if (parse_long(cell(doc, r, "tfc"), 100, 999, &tfc)) {
            bad(re, line, "tfc", "'%s' is not a 3-digit treatment function code",
                cell(doc, r, "tfc"));
            ok = 0;
        }
        if (tz_parse_date(cell(doc, r, "date"), &day, &pe)) {
            bad(re, line, "date", "%s", pe.msg);
            ok = 0;
        }
        if (parse_long(cell(doc, r, "slots"), 0, 1000, &slots)) {
            bad(re, line, "slots", "'%s' is not a whole number of slots 0-1000",
                cell(doc, r, "slots"));
            ok = 0;
        }
        const char *sy = cell(doc, r, "synthetic");
        if (*sy && parse_long(sy, 0, 1, &syn)) {
            bad(re, line, "synthetic", "'%s' is not 0 or 1", sy);
            ok = 0;
        }
        if (!ok) continue;
        char key[64];
        snprintf(key, sizeof key, "%s/%ld/%s", site, tfc, cell(doc, r, "date"));
        if (json_object_get(seen, key))
            bad(re, line, "date", "site %s already has a %ld session list on %s", site, tfc,
                cell(doc, r, "date"));
        json_object_set_new(seen, key, json_true());
    }
    json_decref(seen);
    if (re->count)
        return ics_err_set(e, ICS_EINVAL, "%s: %zu problem(s); nothing was imported", re->file,
                           re->count);
    store_stmt *st;
    int rc = store_prepare(s,
                           "INSERT INTO waitlist_sessions (site_code, tfc, date, slots, synthetic)"
                           " VALUES (?,?,?,?,?) ON CONFLICT (site_code, tfc, date) DO UPDATE SET"
                           " slots = excluded.slots, synthetic = excluded.synthetic",
                           &st, e);
    for (size_t r = 0; r < doc->nrows && !rc; r++) {
        int64_t day;
        char d[11];
        tz_parse_date(cell(doc, r, "date"), &day, NULL);
        tz_format_date(day, d, sizeof d);
        store_bind_text(st, 1, cell(doc, r, "site_code"));
        store_bind_int(st, 2, atol(cell(doc, r, "tfc")));
        store_bind_text(st, 3, d);
        store_bind_int(st, 4, atol(cell(doc, r, "slots")));
        store_bind_int(st, 5, atol(cell(doc, r, "synthetic")));
        int sr = store_step(st, e);
        if (sr < 0) rc = sr;
        store_reset(st);
    }
    if (st) store_finalize(st);
    *rows = doc->nrows;
    return rc;
}

int store_waitlist_import(store *s, const csv_doc *doc, const char *source, json_t **summary,
                          json_t **errors, ics_err *e)
{
    *summary = NULL;
    *errors = json_array();
    rowerr re = {*errors, 0, doc->name ? doc->name : "input"};
    int ptl = csv_col(doc, "pathway_id") >= 0;
    int sess = !ptl && csv_col(doc, "slots") >= 0;
    if (!ptl && !sess) {
        bad(&re, 1, "",
            "the header is neither a PTL extract (pathway_id, nhs_number, ...) nor a "
            "session list (site_code, tfc, date, slots)");
        return ics_err_set(e, ICS_EINVAL, "%s: unrecognised file", re.file);
    }
    if (!header_check(doc, ptl ? ptl_required : sess_required, ptl ? ptl_optional : sess_optional,
                      &re))
        return ics_err_set(e, ICS_EINVAL, "%s: bad header; nothing was imported", re.file);
    refs rf;
    int rc = refs_load(s, &rf, e);
    if (rc) return rc;
    const char *tbl =
        ptl ? "SELECT COUNT(*) FROM waitlist_entries" : "SELECT COUNT(*) FROM waitlist_sessions";
    int64_t before, after;
    if ((rc = store_query_int(s, tbl, NULL, 0, &before, e))) {
        refs_free(&rf);
        return rc;
    }
    size_t rows = 0;
    rc = ptl ? import_ptl(s, doc, source, &rf, &re, &rows, e)
             : import_sessions(s, doc, &rf, &re, &rows, e);
    refs_free(&rf);
    if (rc) return rc;
    if ((rc = store_query_int(s, tbl, NULL, 0, &after, e))) return rc;
    *summary = json_pack("{sssssIsIsI}", "file", re.file, "kind", ptl ? "ptl" : "sessions", "rows",
                         (json_int_t)rows, "inserted", (json_int_t)(after - before), "updated",
                         (json_int_t)((int64_t)rows - (after - before)));
    return 0;
}

/* ---- options ------------------------------------------------------------- */

int store_waitlist_opts_parse(const json_t *j, store_waitlist_opts *o, ics_err *e)
{
    memset(o, 0, sizeof *o);
    waitlist_params_default(&o->prm);
    o->prm.today = today_day();
    o->horizon_days = 56;
    if (!j) return 0;
    if (!json_is_object(j)) return ics_err_set(e, ICS_EINVAL, "run options must be an object");
    sb m;
    sb_init(&m);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v)
    {
        int64_t iv = json_is_integer(v) ? json_integer_value(v) : -1;
        int isint = json_is_integer(v);
        if (!strcmp(k, "as_of")) {
            ics_err pe = {0};
            if (!json_is_string(v) || tz_parse_date(json_string_value(v), &o->prm.today, &pe))
                sb_printf(&m, "; field 'as_of' must be a date YYYY-MM-DD");
        } else if (!strcmp(k, "horizon_days")) {
            if (!isint || iv < 1 || iv > 366)
                sb_printf(&m, "; field 'horizon_days' must be an integer 1-366");
            else
                o->horizon_days = (int)iv;
        } else if (!strcmp(k, "tfc")) {
            if (json_is_null(v)) continue;
            if (!isint || iv < 100 || iv > 999)
                sb_printf(&m, "; field 'tfc' must be a 3-digit treatment function code");
            else
                o->tfc = (int)iv;
        } else if (!strcmp(k, "travel_per_km") || !strcmp(k, "away_penalty") ||
                   !strcmp(k, "late_penalty") || !strcmp(k, "per_week")) {
            if (!isint || iv < 0 || iv > 100000000)
                sb_printf(&m, "; field '%s' must be an integer 0-100000000", k);
            else if (!strcmp(k, "travel_per_km"))
                o->prm.travel_per_km = iv;
            else if (!strcmp(k, "away_penalty"))
                o->prm.away_penalty = iv;
            else if (!strcmp(k, "late_penalty"))
                o->prm.late_penalty = iv;
            else
                o->prm.per_week = iv;
        } else if (!strcmp(k, "prio_base")) {
            if (!json_is_array(v) || json_array_size(v) != 4) {
                sb_printf(&m, "; field 'prio_base' must be an array of 4 integers (P1-P4)");
                continue;
            }
            for (int q = 0; q < 4; q++) {
                json_t *x = json_array_get(v, (size_t)q);
                if (!json_is_integer(x) || json_integer_value(x) < 0 ||
                    json_integer_value(x) > 1000000000) {
                    sb_printf(&m, "; field 'prio_base' must be an array of 4 integers (P1-P4)");
                    break;
                }
                o->prm.prio_base[q + 1] = json_integer_value(x);
            }
        } else if (!strcmp(k, "default_max_km")) {
            if (!json_is_number(v) || !(json_number_value(v) > 0) || json_number_value(v) > 1000)
                sb_printf(&m, "; field 'default_max_km' must be a number of km (0-1000]");
            else
                o->prm.default_max_km = json_number_value(v);
        } else if (!strcmp(k, "aggregate")) {
            if (!json_is_boolean(v))
                sb_printf(&m, "; field 'aggregate' must be a boolean");
            else
                o->prm.aggregate = json_is_true(v);
        } else if (!strcmp(k, "threads")) {
            if (!isint || iv < 1 || iv > 16)
                sb_printf(&m, "; field 'threads' must be an integer 1-16");
            else
                o->prm.threads = (int)iv;
        } else {
            sb_printf(&m, "; unknown field '%s'", k);
        }
    }
    int rc = 0;
    if (m.len) rc = ics_err_set(e, ICS_EINVAL, "%s", m.buf + 2);
    sb_free(&m);
    return rc;
}

json_t *store_waitlist_opts_json(const store_waitlist_opts *o)
{
    char d[11];
    tz_format_date(o->prm.today, d, sizeof d);
    const waitlist_params *p = &o->prm;
    return json_pack(
        "{sssisosIsIsIsIs[IIII]sfsbsi}", "as_of", d, "horizon_days", o->horizon_days, "tfc",
        o->tfc ? json_integer(o->tfc) : json_null(), "travel_per_km", (json_int_t)p->travel_per_km,
        "away_penalty", (json_int_t)p->away_penalty, "late_penalty", (json_int_t)p->late_penalty,
        "per_week", (json_int_t)p->per_week, "prio_base", (json_int_t)p->prio_base[1],
        (json_int_t)p->prio_base[2], (json_int_t)p->prio_base[3], (json_int_t)p->prio_base[4],
        "default_max_km", p->default_max_km, "aggregate", p->aggregate, "threads", p->threads);
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

/* ---- allocation run -------------------------------------------------------- */

typedef struct input {
    waitlist_site *sites;
    size_t nsites;
    waitlist_session *ss;
    size_t nss;
    waitlist_patient *p;
    int64_t *ids;
    size_t n, cap;
    int64_t slots;
    int synthetic; /* any input row is synthetic */
} input;

static void input_free(input *in)
{
    free(in->sites);
    free(in->ss);
    free(in->p);
    free(in->ids);
}

static int load_input(store *s, const store_waitlist_opts *o, input *in, ics_err *e)
{
    memset(in, 0, sizeof *in);
    waitlist_district *d = NULL;
    waitlist_place *pl = NULL;
    size_t nd, np;
    int rc = store_waitlist_refdata(s, &d, &nd, &pl, &np, &in->sites, &in->nsites, 0, e);
    free(d);
    free(pl);
    if (rc) return rc;
    char from[11], to[11];
    tz_format_date(o->prm.today, from, sizeof from);
    tz_format_date(o->prm.today + o->horizon_days, to, sizeof to);
    store_stmt *st;
    rc = store_prepare(s,
                       "SELECT site_code, tfc, date, slots FROM waitlist_sessions"
                       " WHERE date >= ? AND date < ? AND (? = 0 OR tfc = ?)"
                       " ORDER BY site_code, tfc, date",
                       &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, from);
    store_bind_text(st, 2, to);
    store_bind_int(st, 3, o->tfc);
    store_bind_int(st, 4, o->tfc);
    size_t cap = 0;
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
                       " WHERE e.status = 'waiting' AND (? = 0 OR e.tfc = ?) ORDER BY e.id",
                       &st, e);
    if (rc) return rc;
    store_bind_int(st, 1, o->tfc);
    store_bind_int(st, 2, o->tfc);
    while ((rc = store_step(st, e)) == 1) {
        if (in->n == in->cap) {
            in->cap = in->cap ? in->cap * 2 : 1024;
            waitlist_patient *nv = realloc(in->p, in->cap * sizeof *nv);
            int64_t *ni = nv ? realloc(in->ids, in->cap * sizeof *ni) : NULL;
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

/* SHA-256 over a canonical text of the options and every input row. */
static void fingerprint(const store_waitlist_opts *o, const input *in, char hex[65])
{
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    json_t *oj = store_waitlist_opts_json(o);
    json_object_del(oj, "threads"); /* does not change the result */
    json_object_del(oj, "aggregate");
    char *txt = json_dumps(oj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(oj);
    crypto_hash_sha256_update(&h, (const unsigned char *)"waitlist-run-v1\n", 16);
    if (txt) crypto_hash_sha256_update(&h, (const unsigned char *)txt, strlen(txt));
    free(txt);
    char line[256];
    for (size_t k = 0; k < in->nss; k++) {
        const waitlist_session *x = &in->ss[k];
        const waitlist_site *st = &in->sites[x->site];
        int n = snprintf(line, sizeof line, "\nS %s %s %.6f %.6f %d %lld %d", st->code, st->trust,
                         st->lat, st->lon, x->tfc, (long long)x->date, x->slots);
        crypto_hash_sha256_update(&h, (const unsigned char *)line, (size_t)n);
    }
    for (size_t i = 0; i < in->n; i++) {
        const waitlist_patient *x = &in->p[i];
        int n = snprintf(line, sizeof line, "\nE %lld %d %d %s %.6f %.6f %.3f %lld %lld",
                         (long long)in->ids[i], x->tfc, x->priority, x->trust, x->lat, x->lon,
                         x->max_km, (long long)x->clock_start, (long long)x->priority_date);
        crypto_hash_sha256_update(&h, (const unsigned char *)line, (size_t)n);
    }
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&h, out);
    sodium_bin2hex(hex, 65, out, sizeof out);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int store_waitlist_allocate(store *s, const char *actor, const store_waitlist_opts *o,
                            int synthetic, progress_fn progress, void *pctx, json_t **run,
                            ics_err *e)
{
    *run = NULL;
    input in;
    int rc = load_input(s, o, &in, e);
    if (rc) {
        input_free(&in);
        return rc;
    }
    char fp[65];
    fingerprint(o, &in, fp);
    waitlist_result *r = NULL;
    double t0 = now_s();
    rc = waitlist_allocate(in.sites, in.nsites, in.ss, in.nss, in.p, in.n, &o->prm, progress, pctx,
                           &r, e);
    double ms = (now_s() - t0) * 1000.0;
    if (rc) {
        input_free(&in);
        return rc;
    }
    char now[32], asof[11];
    tz_format_utc(tz_now(), now, sizeof now);
    tz_format_date(o->prm.today, asof, sizeof asof);
    json_t *oj = store_waitlist_opts_json(o);
    char *params = json_dumps(oj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(oj);
    store_stmt *st;
    rc = store_prepare(
        s,
        "INSERT INTO waitlist_runs (created_at, created_by, as_of, params_json, fingerprint,"
        " patients, sessions, slots, assigned, objective, cost_travel, cost_away, cost_late,"
        " cost_unassigned, urgent, urgent_on_time, urgent_late, elapsed_ms, synthetic)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        &st, e);
    if (!rc) {
        int64_t vals[] = {(int64_t)in.n,
                          (int64_t)in.nss,
                          in.slots,
                          (int64_t)r->assigned,
                          r->objective,
                          r->travel,
                          r->away,
                          r->late_cost,
                          r->unassigned,
                          (int64_t)r->urgent,
                          (int64_t)r->urgent_on_time,
                          (int64_t)r->urgent_late,
                          (int64_t)llround(ms),
                          synthetic || in.synthetic};
        store_bind_text(st, 1, now);
        store_bind_text(st, 2, actor);
        store_bind_text(st, 3, asof);
        store_bind_text(st, 4, params);
        store_bind_text(st, 5, fp);
        for (int k = 0; k < 14; k++) store_bind_int(st, 6 + k, vals[k]);
        int sr = store_step(st, e);
        if (sr < 0) rc = sr;
        store_finalize(st);
    }
    free(params);
    int64_t id = rc ? 0 : store_last_id(s);
    st = NULL;
    if (!rc)
        rc = store_prepare(s,
                           "INSERT INTO waitlist_results (run_id, entry_id, site_code,"
                           " session_date, km, weeks, late, cost_travel, cost_away, cost_late,"
                           " cost_unassigned) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                           &st, e);
    for (size_t i = 0; i < in.n && !rc; i++) {
        const waitlist_assignment *A = &r->a[i];
        char d[11];
        store_bind_int(st, 1, id);
        store_bind_int(st, 2, in.ids[i]);
        if (A->session >= 0) {
            tz_format_date(in.ss[A->session].date, d, sizeof d);
            store_bind_text(st, 3, in.sites[A->site].code);
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
        int sr = store_step(st, e);
        if (sr < 0) rc = sr;
        store_reset(st);
    }
    if (st) store_finalize(st);
    waitlist_result_free(r);
    input_free(&in);
    if (rc) return rc;
    return store_waitlist_run_get(s, id, run, e);
}

static const char run_cols[] =
    "SELECT id, created_at, created_by, as_of, params_json, fingerprint, patients, sessions,"
    " slots, assigned, objective, cost_travel, cost_away, cost_late, cost_unassigned, urgent,"
    " urgent_on_time, urgent_late, elapsed_ms, synthetic FROM waitlist_runs";

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

int store_waitlist_run_list(store *s, int64_t limit, int64_t offset, json_t **rows, ics_err *e)
{
    char sql[600];
    snprintf(sql, sizeof sql, "%s ORDER BY id DESC LIMIT ? OFFSET ?", run_cols);
    json_t *p = json_pack("[II]", (json_int_t)limit, (json_int_t)offset);
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

int store_waitlist_results(store *s, int64_t run, const char *trust, int64_t limit, int64_t offset,
                           json_t **out, ics_err *e)
{
    json_t *row = NULL;
    int rc = store_waitlist_run_get(s, run, &row, e);
    json_decref(row);
    if (rc) return rc;
    const char *t = trust && *trust ? trust : NULL;
    json_t *p = json_pack("[IssII]", (json_int_t)run, t ? t : "", t ? t : "", (json_int_t)limit,
                          (json_int_t)offset);
    json_t *rows = NULL;
    rc = store_query_json(
        s,
        "SELECT r.entry_id, e.trust, e.pathway_id, e.tfc, e.priority, e.place_code,"
        " r.site_code, r.session_date, r.km, r.weeks, r.late, r.cost_travel, r.cost_away,"
        " r.cost_late, r.cost_unassigned FROM waitlist_results r"
        " JOIN waitlist_entries e ON e.id = r.entry_id"
        " WHERE r.run_id = ? AND (? = '' OR e.trust = ?)"
        " ORDER BY r.site_code IS NULL, r.session_date, r.entry_id LIMIT ? OFFSET ?",
        p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    p = json_pack("[Iss]", (json_int_t)run, t ? t : "", t ? t : "");
    int64_t total;
    rc = store_query_int(
        s,
        "SELECT COUNT(*) FROM waitlist_results r JOIN waitlist_entries e ON e.id = r.entry_id"
        " WHERE r.run_id = ? AND (? = '' OR e.trust = ?)",
        p, 0, &total, e);
    json_decref(p);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{sosIsIsI}", "items", rows, "total", (json_int_t)total, "limit",
                     (json_int_t)limit, "offset", (json_int_t)offset);
    return 0;
}

/* ---- listing ------------------------------------------------------------------ */

static void add_waits(json_t *row, int64_t as_of)
{
    int64_t cs = 0, pd = 0;
    tz_parse_date(json_string_value(json_object_get(row, "clock_start")), &cs, NULL);
    tz_parse_date(json_string_value(json_object_get(row, "priority_date")), &pd, NULL);
    int prio = (int)json_integer_value(json_object_get(row, "priority"));
    json_object_set_new(row, "weeks_waited", json_integer(waitlist_weeks_waited(cs, as_of)));
    int64_t due = waitlist_due_day(prio, pd);
    if (due == INT64_MAX) {
        json_object_set_new(row, "due_date", json_null());
    } else {
        char d[11];
        tz_format_date(due, d, sizeof d);
        json_object_set_new(row, "due_date", json_string(d));
    }
    json_object_set_new(row, "synthetic",
                        json_boolean(json_integer_value(json_object_get(row, "synthetic"))));
}

static const char entry_cols[] =
    "SELECT id, trust, pathway_id, nhs_number, postcode, place_code, imd_quintile, tfc,"
    " procedure, priority, priority_date, clock_start, pause_days, clock_stop, status,"
    " max_travel_km, source, synthetic FROM waitlist_entries";

/* '' binds mean "any" for each filter */
static const char entry_where[] =
    " WHERE (? = '' OR trust = ?) AND (? = '' OR CAST(tfc AS TEXT) = ?)"
    " AND (? = '' OR CAST(priority AS TEXT) = ?) AND (? = '' OR place_code = ?)"
    " AND (? = '' OR status = ?)";

static json_t *filter_params(const store_waitlist_filter *f)
{
    const char *v[5] = {f->trust, f->tfc, f->priority, f->place, f->status};
    json_t *p = json_array();
    for (int k = 0; k < 5; k++) {
        const char *x = v[k] ? v[k] : "";
        json_array_append_new(p, json_string(x));
        json_array_append_new(p, json_string(x));
    }
    return p;
}

int store_waitlist_entries(store *s, const store_waitlist_filter *f, int64_t as_of, int64_t limit,
                           int64_t offset, json_t **out, ics_err *e)
{
    char sql[1200];
    snprintf(sql, sizeof sql, "%s%s ORDER BY clock_start, id LIMIT ? OFFSET ?", entry_cols,
             entry_where);
    json_t *p = filter_params(f);
    json_array_append_new(p, json_integer(limit));
    json_array_append_new(p, json_integer(offset));
    json_t *rows;
    int rc = store_query_json(s, sql, p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) add_waits(v, as_of);
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM waitlist_entries%s", entry_where);
    p = filter_params(f);
    int64_t total;
    rc = store_query_int(s, sql, p, 0, &total, e);
    json_decref(p);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    char d[11];
    tz_format_date(as_of, d, sizeof d);
    *out = json_pack("{sosIsIsIss}", "items", rows, "total", (json_int_t)total, "limit",
                     (json_int_t)limit, "offset", (json_int_t)offset, "as_of", d);
    return 0;
}

int store_waitlist_entry_get(store *s, int64_t id, int64_t as_of, json_t **out, ics_err *e)
{
    char sql[600];
    snprintf(sql, sizeof sql, "%s WHERE id = ?", entry_cols);
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc = store_query_one(s, sql, p, out, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "no waiting-list entry %lld", (long long)id);
    if (!rc) add_waits(*out, as_of);
    return rc;
}

int store_waitlist_sessions(store *s, int64_t from, int64_t limit, int64_t offset, json_t **out,
                            ics_err *e)
{
    char d[11];
    tz_format_date(from, d, sizeof d);
    json_t *p = json_pack("[sII]", d, (json_int_t)limit, (json_int_t)offset);
    json_t *rows;
    int rc = store_query_json(s,
                              "SELECT site_code, tfc, date, slots, synthetic FROM waitlist_sessions"
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

/* ---- equity ------------------------------------------------------------------ */

static json_t *equity_rows(const waitlist_equity_row *r, size_t n, json_t *names)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *nm = json_string_value(json_object_get(names, r[i].group));
        json_array_append_new(
            a, json_pack("{sssssIsfsfsfsIsIsIsI}", "group", r[i].group, "name",
                         nm ? nm : r[i].group, "count", (json_int_t)r[i].count, "median_weeks",
                         round(r[i].median_weeks * 100) / 100, "p92_weeks",
                         round(r[i].p92_weeks * 100) / 100, "pct_under_18",
                         round(r[i].pct_under18 * 10) / 10, "over_18", (json_int_t)r[i].over18,
                         "over_52", (json_int_t)r[i].over52, "over_65", (json_int_t)r[i].over65,
                         "over_78", (json_int_t)r[i].over78));
    }
    return a;
}

int store_waitlist_equity(store *s, int64_t run, const char *by, int64_t as_of, json_t **out,
                          ics_err *e)
{
    *out = NULL;
    const char *col = NULL;
    if (!by || !strcmp(by, "trust"))
        col = "e.trust", by = "trust";
    else if (!strcmp(by, "place"))
        col = "e.place_code";
    else if (!strcmp(by, "imd"))
        col = "CAST(e.imd_quintile AS TEXT)";
    else
        return ics_err_set(e, ICS_EINVAL, "'by' must be trust, place or imd (got '%s')", by);
    json_t *runrow = NULL;
    if (run) {
        int rc = store_waitlist_run_get(s, run, &runrow, e);
        if (rc) return rc;
        tz_parse_date(json_string_value(json_object_get(runrow, "as_of")), &as_of, NULL);
    }
    char sql[600];
    if (run)
        snprintf(sql, sizeof sql,
                 "SELECT r.weeks, r.site_code IS NULL, %s FROM waitlist_results r"
                 " JOIN waitlist_entries e ON e.id = r.entry_id WHERE r.run_id = ?",
                 col);
    else
        snprintf(sql, sizeof sql,
                 "SELECT e.clock_start, 1, %s FROM waitlist_entries e WHERE e.status = 'waiting'"
                 " AND ? = 0",
                 col);
    store_stmt *st;
    int rc = store_prepare(s, sql, &st, e);
    if (rc) {
        json_decref(runrow);
        return rc;
    }
    store_bind_int(st, 1, run);
    size_t n = 0, cap = 0;
    int *weeks = NULL;
    char **keys = NULL;
    unsigned char *still = NULL;
    while ((rc = store_step(st, e)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            int *w2 = realloc(weeks, cap * sizeof *w2);
            if (w2) weeks = w2;
            char **k2 = realloc(keys, cap * sizeof *k2);
            if (k2) keys = k2;
            unsigned char *s2 = realloc(still, cap);
            if (s2) still = s2;
            if (!w2 || !k2 || !s2) {
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                break;
            }
        }
        if (run) {
            weeks[n] = (int)store_col_int(st, 0);
        } else {
            int64_t cs = 0;
            tz_parse_date(store_col_text(st, 0), &cs, NULL);
            weeks[n] = waitlist_weeks_waited(cs, as_of);
        }
        still[n] = (unsigned char)store_col_int(st, 1);
        keys[n] = strdup(store_col_text(st, 2));
        n++;
    }
    store_finalize(st);
    json_t *names = json_object();
    if (rc >= 0) {
        json_t *rows = NULL;
        const char *q = !strcmp(by, "trust")   ? "SELECT ods_code AS k, name FROM organisations"
                        : !strcmp(by, "place") ? "SELECT code AS k, name FROM places"
                                               : NULL;
        if (q && store_query_json(s, q, NULL, &rows, e) == 0) {
            size_t i;
            json_t *v;
            json_array_foreach(rows, i, v) json_object_set(
                names, json_string_value(json_object_get(v, "k")), json_object_get(v, "name"));
        }
        json_decref(rows);
        static const char *qn[] = {"",   "Q1 (most deprived)", "Q2", "Q3",
                                   "Q4", "Q5 (least deprived)"};
        json_object_set_new(names, "unknown", json_string("outside NWL or unknown"));
        if (!strcmp(by, "imd"))
            for (int k = 1; k <= 5; k++) {
                char key[2] = {(char)('0' + k), 0};
                json_object_set_new(names, key, json_string(qn[k]));
            }
    }
    waitlist_equity_row *b = NULL, *a = NULL;
    size_t nb = 0, na = 0;
    if (rc >= 0) rc = waitlist_equity(weeks, (const char *const *)keys, NULL, n, &b, &nb, e);
    if (rc >= 0 && run)
        rc = waitlist_equity(weeks, (const char *const *)keys, still, n, &a, &na, e);
    if (rc >= 0) {
        char d[11];
        tz_format_date(as_of, d, sizeof d);
        *out =
            json_pack("{sssssoso}", "by", by, "as_of", d, "run",
                      run ? json_integer(run) : json_null(), "before", equity_rows(b, nb, names));
        if (run) {
            json_object_set_new(*out, "after", equity_rows(a, na, names));
            json_object_set(*out, "synthetic", json_object_get(runrow, "synthetic"));
        }
        rc = 0;
    }
    for (size_t i = 0; i < n; i++) free(keys[i]);
    free(keys);
    free(weeks);
    free(still);
    free(a);
    free(b);
    json_decref(names);
    json_decref(runrow);
    return rc;
}

/* ---- synthetic seed ------------------------------------------------------------ */

int store_waitlist_seed(store *s, size_t n, uint64_t seed, int64_t as_of, int days, ics_err *e)
{
    waitlist_district *d = NULL;
    waitlist_place *pl = NULL;
    waitlist_site *sites = NULL;
    size_t nd, np, nsites;
    int rc = store_waitlist_refdata(s, &d, &nd, &pl, &np, &sites, &nsites, 1, e);
    waitlist_gen_entry *g = NULL;
    waitlist_session *ss = NULL;
    size_t nss = 0;
    if (!rc) rc = waitlist_gen_ptl(d, nd, pl, np, sites, nsites, n, seed, as_of, &g, e);
    if (!rc) rc = waitlist_gen_sessions(sites, nsites, n, 0.25, as_of, days, seed, &ss, &nss, e);
    char now[32];
    tz_format_utc(tz_now(), now, sizeof now);
    store_stmt *st = NULL;
    if (!rc)
        rc = store_prepare(
            s,
            "INSERT INTO waitlist_entries (trust, pathway_id, nhs_number, postcode, district,"
            " place_code, imd_quintile, tfc, procedure, priority, priority_date, clock_start,"
            " pause_days, status, max_travel_km, source, synthetic, imported_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,0,'waiting',?,'synthetic',1,?)",
            &st, e);
    for (size_t i = 0; i < n && !rc; i++) {
        const waitlist_gen_entry *x = &g[i];
        char ps[11], cs[11];
        tz_format_date(x->p.priority_date, ps, sizeof ps);
        tz_format_date(x->p.clock_start, cs, sizeof cs);
        store_bind_text(st, 1, x->p.trust);
        store_bind_text(st, 2, x->local_id);
        store_bind_text(st, 3, x->nhs_number);
        store_bind_text(st, 4, x->postcode);
        store_bind_text(st, 5, x->district);
        store_bind_text(st, 6, x->place[0] ? x->place : NULL);
        store_bind_int(st, 7, x->imd_quintile);
        store_bind_int(st, 8, x->p.tfc);
        store_bind_text(st, 9, x->procedure);
        store_bind_int(st, 10, x->p.priority);
        store_bind_text(st, 11, ps);
        store_bind_text(st, 12, cs);
        store_bind_double(st, 13, x->p.max_km);
        store_bind_text(st, 14, now);
        int sr = store_step(st, e);
        if (sr < 0) rc = sr;
        store_reset(st);
    }
    if (st) store_finalize(st);
    st = NULL;
    if (!rc)
        rc = store_prepare(s,
                           "INSERT INTO waitlist_sessions (site_code, tfc, date, slots, synthetic)"
                           " VALUES (?,?,?,?,1)",
                           &st, e);
    for (size_t k = 0; k < nss && !rc; k++) {
        char dd[11];
        tz_format_date(ss[k].date, dd, sizeof dd);
        store_bind_text(st, 1, sites[ss[k].site].code);
        store_bind_int(st, 2, ss[k].tfc);
        store_bind_text(st, 3, dd);
        store_bind_int(st, 4, ss[k].slots);
        int sr = store_step(st, e);
        if (sr < 0) rc = sr;
        store_reset(st);
    }
    if (st) store_finalize(st);
    free(d);
    free(pl);
    free(sites);
    free(g);
    free(ss);
    return rc;
}
