/* store/sim.c - simulator runs in the database and fitting a scenario from
 * the directory's units and the bed bureau's referrals and stays (rows in, a
 * scenario struct out). SQL only: the JSON and CSV forms of scenarios and
 * results live in src/app/sim_doc.c; the engine (src/sim) knows neither. */
#include "store/sim.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/sb.h"

/* Version 2: created_at as INTEGER seconds (it was ISO 8601 text); its
 * index is dropped by the step's SQL and made again here. */
static int sim_v2(store *s, ics_err *e)
{
    int rc = store_migrate_instants(s, "sim_runs", "created_at!", e);
    if (!rc) rc = store_exec(s, "CREATE INDEX sim_runs_created ON sim_runs(created_at);", e);
    return rc;
}

const store_migration store_schema_sim[] = {
    {"sim", 1,
     "CREATE TABLE sim_runs ("
     " id INTEGER PRIMARY KEY,"
     " created_at TEXT NOT NULL,"
     " created_by TEXT NOT NULL,"
     " seed INTEGER NOT NULL,"
     " replications INTEGER NOT NULL,"
     " source TEXT NOT NULL,"
     " synthetic INTEGER NOT NULL,"
     " scenario_json TEXT NOT NULL,"
     " result_json TEXT NOT NULL);"
     "CREATE INDEX sim_runs_created ON sim_runs(created_at);",
     NULL},
    {"sim", 2, "DROP INDEX sim_runs_created;", sim_v2},
    {NULL, 0, NULL, NULL}};

/* ---- documents ------------------------------------------------------------ */

store_sim_doc *store_sim_doc_new(void)
{
    store_sim_doc *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->notes = json_array();
    snprintf(d->source, sizeof d->source, "file");
    sim_scenario *sc = &d->sc;
    sc->seed = 1;
    sc->reps = 20;
    sc->warmup_days = 180;
    sc->run_days = 365;
    sc->policy = SIM_POLICY_POOLED;
    sc->queue = SIM_QUEUE_FIFO;
    sc->target_days = 2;
    sc->target_prob = 0.05;
    return d;
}

void store_sim_doc_free(store_sim_doc *d)
{
    if (!d) return;
    for (int i = 0; i <= SIM_MAX_PLACES; i++) free(d->values[i]);
    free(d->replay);
    json_decref(d->notes);
    free(d);
}

void store_sim_doc_note(store_sim_doc *d, const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_array_append_new(d->notes, json_string(buf));
}

static int place_index(const sim_scenario *sc, const char *code)
{
    for (int i = 0; i < sc->nplaces; i++)
        if (!strcmp(sc->places[i].code, code)) return i;
    return -1;
}

/* ---- runs ------------------------------------------------------------------ */

int store_sim_run_save(store *s, int64_t at, const char *actor, const store_sim_doc *d,
                       const json_t *scenario, const json_t *result, int64_t *id, ics_err *e)
{
    char *sct = json_dumps(scenario, JSON_COMPACT);
    char *rt = json_dumps(result, JSON_COMPACT);
    int rc;
    if (!sct || !rt) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory storing the run");
    } else {
        json_t *p = json_pack("[I s I i s i s s]", (json_int_t)at, actor, (json_int_t)d->sc.seed,
                              d->sc.reps, d->source, d->synthetic, sct, rt);
        rc = store_query_int(s,
                             "INSERT INTO sim_runs (created_at, created_by, seed, replications,"
                             " source, synthetic, scenario_json, result_json)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                             p, 0, id, e);
        json_decref(p);
    }
    free(sct);
    free(rt);
    return rc;
}

int store_sim_run_get(store *s, int64_t id, json_t **out, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc = store_query_one(s,
                             "SELECT id, created_at, created_by, seed, replications, source,"
                             " synthetic, scenario_json, result_json FROM sim_runs WHERE id = ?",
                             p, out, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, rc, "no simulation run %lld", (long long)id);
    if (rc) return rc;
    /* present the parsed columns without the _json suffix */
    json_t *row = *out;
    json_object_set(row, "scenario", json_object_get(row, "scenario_json"));
    json_object_set(row, "result", json_object_get(row, "result_json"));
    json_object_del(row, "scenario_json");
    json_object_del(row, "result_json");
    json_object_set_new(row, "synthetic",
                        json_boolean(json_integer_value(json_object_get(row, "synthetic"))));
    return 0;
}

int store_sim_run_list(store *s, int64_t limit, int64_t offset, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[I I]", (json_int_t)limit, (json_int_t)offset);
    int rc = store_query_json(s,
                              "SELECT id, created_at, created_by, seed, replications, source,"
                              " synthetic FROM sim_runs ORDER BY id DESC LIMIT ? OFFSET ?",
                              p, rows, e);
    json_decref(p);
    size_t k;
    json_t *r;
    json_array_foreach(rc ? NULL : *rows, k, r) json_object_set_new(
        r, "synthetic", json_boolean(json_integer_value(json_object_get(r, "synthetic"))));
    return rc;
}

/* ---- fitting ---------------------------------------------------------------
 * The directory gives the units (beds, site coordinates), who commissions
 * them and the places (centroid of their postcode districts). Demand comes
 * from the bed bureau's referrals and stays when there are enough of them;
 * otherwise from unit sizes with documented defaults: a mean stay of 21 days
 * (sd 14, lognormal) and demand that would keep today's beds 85% occupied,
 * shared between places in proportion to the beds commissioned for them. */

#define FIT_DEFAULT_LOS       21.0
#define FIT_DEFAULT_LOS_SD    14.0
#define FIT_DEFAULT_OCCUPANCY 0.85
#define FIT_MIN_STAYS         30

static int fit_directory(store *s, store_sim_doc *d, const char *bed_type, ics_err *e)
{
    sim_scenario *sc = &d->sc;
    json_t *rows = NULL;
    int rc =
        store_query_json(s,
                         "SELECT p.code, p.name, AVG(d.lat) AS lat, AVG(d.lon) AS lon"
                         " FROM places p LEFT JOIN postcode_districts d ON d.place_code = p.code"
                         " GROUP BY p.code, p.name ORDER BY p.code",
                         NULL, &rows, e);
    if (rc) return rc;
    if (json_array_size(rows) == 0 || json_array_size(rows) > SIM_MAX_PLACES) {
        json_decref(rows);
        return ics_err_set(e, ICS_ECONFLICT,
                           "the directory has %zu places; the simulator needs 1 to %d",
                           json_array_size(rows), SIM_MAX_PLACES);
    }
    size_t k;
    json_t *r;
    json_array_foreach(rows, k, r)
    {
        sim_place *p = &sc->places[sc->nplaces++];
        snprintf(p->code, sizeof p->code, "%s", json_string_value(json_object_get(r, "code")));
        snprintf(p->name, sizeof p->name, "%s", json_string_value(json_object_get(r, "name")));
        json_t *lat = json_object_get(r, "lat"), *lon = json_object_get(r, "lon");
        p->lat = json_is_number(lat) ? json_number_value(lat) : NAN;
        p->lon = json_is_number(lon) ? json_number_value(lon) : NAN;
    }
    json_decref(rows);
    json_t *p = json_pack("[s s]", bed_type ? bed_type : "", bed_type ? bed_type : "");
    rc = store_query_json(s,
                          "SELECT u.unit_code, u.name, u.beds, s.lat, s.lon FROM units u"
                          " JOIN sites s ON s.site_code = u.site_code"
                          " WHERE ? = '' OR u.bed_type = ? ORDER BY u.unit_code",
                          p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    if (json_array_size(rows) == 0 && bed_type) {
        json_decref(rows);
        return ics_err_set(e, ICS_EINVAL, "no bed units of type '%s' in the directory", bed_type);
    }
    if (json_array_size(rows) == 0 || json_array_size(rows) > SIM_MAX_UNITS) {
        json_decref(rows);
        return ics_err_set(e, ICS_ECONFLICT,
                           "the directory has %zu bed units; the simulator needs 1 to %d",
                           json_array_size(rows), SIM_MAX_UNITS);
    }
    json_array_foreach(rows, k, r)
    {
        sim_unit *u = &sc->units[sc->nunits++];
        snprintf(u->code, sizeof u->code, "%s", json_string_value(json_object_get(r, "unit_code")));
        snprintf(u->name, sizeof u->name, "%s", json_string_value(json_object_get(r, "name")));
        u->beds = (int)json_integer_value(json_object_get(r, "beds"));
        u->lat = json_number_value(json_object_get(r, "lat"));
        u->lon = json_number_value(json_object_get(r, "lon"));
    }
    json_decref(rows);
    rc =
        store_query_json(s, "SELECT unit_code, place_code FROM unit_commissioners", NULL, &rows, e);
    if (rc) return rc;
    json_array_foreach(rows, k, r)
    {
        const char *uc = json_string_value(json_object_get(r, "unit_code"));
        const char *pc = json_string_value(json_object_get(r, "place_code"));
        int i = place_index(sc, pc ? pc : "");
        for (int u = 0; u < sc->nunits && i >= 0; u++)
            if (uc && !strcmp(sc->units[u].code, uc)) sc->units[u].places |= 1ULL << i;
    }
    json_decref(rows);
    /* a place without postcode districts sits at the mean of its units
     * (of all units when none is commissioned for it) */
    for (int i = 0; i < sc->nplaces; i++) {
        sim_place *p = &sc->places[i];
        if (isfinite(p->lat) && isfinite(p->lon)) continue;
        double la = 0, lo = 0;
        int n = 0;
        for (int pass = 0; pass < 2 && n == 0; pass++)
            for (int u = 0; u < sc->nunits; u++)
                if (pass || (sc->units[u].places >> i & 1)) {
                    la += sc->units[u].lat;
                    lo += sc->units[u].lon;
                    n++;
                }
        p->lat = la / n;
        p->lon = lo / n;
    }
    return 0;
}

/* Beds commissioned per place: a unit's beds shared equally between the
 * places that commission it. */
static void commissioned_beds(const sim_scenario *sc, double *share)
{
    for (int i = 0; i < sc->nplaces; i++) share[i] = 0;
    for (int u = 0; u < sc->nunits; u++) {
        int n = __builtin_popcountll(sc->units[u].places);
        for (int i = 0; i < sc->nplaces && n; i++)
            if (sc->units[u].places >> i & 1) share[i] += (double)sc->units[u].beds / n;
    }
}

static void fit_defaults(store_sim_doc *d, const char *why)
{
    sim_scenario *sc = &d->sc;
    double share[SIM_MAX_PLACES], total = 0;
    commissioned_beds(sc, share);
    for (int i = 0; i < sc->nplaces; i++) total += share[i];
    sc->los =
        (sim_los){.kind = SIM_LOS_LOGNORMAL, .mean = FIT_DEFAULT_LOS, .sd = FIT_DEFAULT_LOS_SD};
    for (int i = 0; i < sc->nplaces; i++)
        sc->places[i].arrivals_per_day = FIT_DEFAULT_OCCUPANCY * share[i] / FIT_DEFAULT_LOS;
    snprintf(d->source, sizeof d->source, "unit-sizes");
    d->synthetic = 1;
    store_sim_doc_note(d, "%s", why);
    store_sim_doc_note(
        d,
        "demand fitted from unit sizes with defaults: mean stay %.0f days (lognormal, sd %.0f), "
        "arrivals keeping today's %.0f beds %.0f%% occupied (%.2f a day), shared by commissioned "
        "beds",
        FIT_DEFAULT_LOS, FIT_DEFAULT_LOS_SD, total, 100 * FIT_DEFAULT_OCCUPANCY,
        FIT_DEFAULT_OCCUPANCY * total / FIT_DEFAULT_LOS);
}

/* The referral and unit vocabularies name two bed types differently. */
static const char *referral_type(const char *unit_type)
{
    if (!strcmp(unit_type, "rehabilitation")) return "rehab";
    if (!strcmp(unit_type, "stroke_rehabilitation")) return "stroke_rehab";
    return unit_type;
}

/* Replay the referrals of [start, end] instead of Poisson arrivals: day 0
 * is start; the first 60 days (a quarter of the span when shorter) are the
 * warm-up; stays are still drawn from the fitted LOS. */
static int fit_replay(store *s, store_sim_doc *d, int64_t start, int64_t end, const char *bed_type,
                      ics_err *e)
{
    sim_scenario *sc = &d->sc;
    const char *rt = bed_type ? referral_type(bed_type) : "";
    json_t *p = json_pack("[I I s s s]", (json_int_t)start, (json_int_t)end, bed_type ? "1" : "",
                          bed_type ? bed_type : "", rt),
           *rows = NULL;
    int rc = store_query_json(s,
                              "SELECT place_code, referred_at, priority FROM bed_referrals"
                              " WHERE referred_at >= ? AND referred_at <= ?"
                              " AND state NOT IN ('cancelled', 'declined')"
                              " AND place_code IS NOT NULL AND (? = '' OR bed_type IN (?, ?))"
                              " ORDER BY referred_at, referral_id",
                              p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    size_t n = json_array_size(rows), k;
    free(d->replay);
    d->replay = calloc(n ? n : 1, sizeof *d->replay);
    if (!d->replay) {
        json_decref(rows);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    int m = 0;
    json_t *r;
    json_array_foreach(rows, k, r)
    {
        int i = place_index(sc, json_string_value(json_object_get(r, "place_code")));
        if (i < 0) continue;
        sim_arrival *a = &d->replay[m++];
        a->day = (double)(json_integer_value(json_object_get(r, "referred_at")) - start) / 86400.0;
        a->place = i;
        a->los = -1;
        a->urgent = json_integer_value(json_object_get(r, "priority")) == 1;
    }
    json_decref(rows);
    double span = (double)(end - start) / 86400.0;
    sc->replay = d->replay;
    sc->nreplay = m;
    sc->warmup_days = span / 4 < 60 ? span / 4 : 60;
    sc->run_days = span - sc->warmup_days;
    store_sim_doc_note(
        d,
        "arrivals replayed: the %d referrals as they came, day 0 = the window's first day; "
        "%.0f days of warm-up, %.0f days measured; replications differ only in the stays drawn",
        m, sc->warmup_days, sc->run_days);
    return 0;
}

/* Demand from the bed bureau over the last days days of its history (up to
 * the newest referral): arrivals per place = referrals that wanted a bed
 * (not cancelled or declined) / days covered; urgent share = priority 1;
 * LOS = the empirical distribution of stays discharged in the window.
 * Returns 1 when fitted, 0 when there is too little history (or no bed
 * bureau tables) and the caller falls back to defaults, < 0 on error. */
static int fit_history(store *s, store_sim_doc *d, int days, const char *bed_type, int replay,
                       ics_err *e)
{
    sim_scenario *sc = &d->sc;
    ics_err ignore = {0};
    int64_t end, first;
    /* no table (a database without the beds module) means no history */
    if (store_query_int(s, "SELECT MAX(referred_at) FROM bed_referrals", NULL, -1, &end, &ignore))
        return 0;
    if (end <= 0) return 0; /* no rows */
    int rc = store_query_int(s, "SELECT MIN(referred_at) FROM bed_referrals", NULL, end, &first, e);
    if (rc) return rc;
    int64_t start = end - (int64_t)days * 86400;
    if (first > start) start = first;
    double span = (double)(end - start) / 86400.0;
    if (span < 7) return 0;
    const char *rt = bed_type ? referral_type(bed_type) : "";
    json_t *p = json_pack("[I I s s s]", (json_int_t)start, (json_int_t)end, bed_type ? "1" : "",
                          bed_type ? bed_type : "", rt),
           *rows = NULL;
    rc = store_query_json(s,
                          "SELECT place_code, COUNT(*) AS n,"
                          " SUM(CASE WHEN priority = 1 THEN 1 ELSE 0 END) AS urgent"
                          " FROM bed_referrals WHERE referred_at >= ? AND referred_at <= ?"
                          " AND state NOT IN ('cancelled', 'declined') AND place_code IS NOT NULL"
                          " AND (? = '' OR bed_type IN (?, ?))"
                          " GROUP BY place_code ORDER BY place_code",
                          p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    double lam[SIM_MAX_PLACES] = {0}, urg[SIM_MAX_PLACES] = {0};
    long total = 0;
    size_t k;
    json_t *r;
    json_array_foreach(rows, k, r)
    {
        int i = place_index(sc, json_string_value(json_object_get(r, "place_code")));
        if (i < 0) continue;
        long n = (long)json_integer_value(json_object_get(r, "n"));
        lam[i] = n / span;
        urg[i] = n ? (double)json_integer_value(json_object_get(r, "urgent")) / n : 0;
        total += n;
    }
    json_decref(rows);
    p = json_pack("[I I s s]", (json_int_t)start, (json_int_t)end, bed_type ? "1" : "",
                  bed_type ? bed_type : "");
    rc = store_query_json(s,
                          "SELECT (st.discharged_at - st.admitted_at) AS secs FROM bed_stays st"
                          " JOIN units u ON u.unit_code = st.unit_code"
                          " WHERE st.discharged_at IS NOT NULL AND st.discharged_at >= ?"
                          " AND st.discharged_at <= ? AND (? = '' OR u.bed_type = ?)"
                          " ORDER BY st.stay_id",
                          p, &rows, e);
    json_decref(p);
    if (rc) return rc;
    size_t nst = json_array_size(rows);
    if (total < FIT_MIN_STAYS || nst < FIT_MIN_STAYS) {
        json_decref(rows);
        store_sim_doc_note(
            d,
            "the bed bureau's last %.0f days hold %ld referrals and %zu finished stays%s%s: "
            "too few to fit (need %d of each)",
            span, total, nst, bed_type ? " of type " : "", bed_type ? bed_type : "", FIT_MIN_STAYS);
        return 0;
    }
    double *v = malloc(nst * sizeof *v), sum = 0, ss = 0;
    if (!v) {
        json_decref(rows);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    json_array_foreach(rows, k, r)
    {
        v[k] = json_number_value(json_object_get(r, "secs")) / 86400.0;
        sum += v[k];
    }
    json_decref(rows);
    double mean = sum / nst;
    for (size_t i = 0; i < nst; i++) ss += (v[i] - mean) * (v[i] - mean);
    free(d->values[0]);
    d->values[0] = v;
    sc->los = (sim_los){.kind = SIM_LOS_EMPIRICAL, .values = v, .nvalues = (int)nst};
    for (int i = 0; i < sc->nplaces; i++) {
        sc->places[i].arrivals_per_day = lam[i];
        sc->places[i].urgent_share = urg[i];
    }
    snprintf(d->source, sizeof d->source, "beds-history");
    if (replay && (rc = fit_replay(s, d, start, end, bed_type, e)) != 0) return rc;
    /* history generated by the seed is labelled so; so is what is fitted to it */
    p = json_pack("[I I]", (json_int_t)start, (json_int_t)end);
    int64_t syn;
    rc = store_query_int(s,
                         "SELECT MAX(synthetic) FROM bed_referrals"
                         " WHERE referred_at >= ? AND referred_at <= ?",
                         p, 0, &syn, e);
    json_decref(p);
    if (rc) return rc;
    if (syn > 0) {
        d->synthetic = 1;
        store_sim_doc_note(
            d, "the bed bureau history used is synthetic (generated for the demonstration)");
    }
    char from[16], to[16];
    time_t t0 = (time_t)start, t1 = (time_t)end;
    struct tm tm;
    strftime(from, sizeof from, "%Y-%m-%d", gmtime_r(&t0, &tm));
    strftime(to, sizeof to, "%Y-%m-%d", gmtime_r(&t1, &tm));
    store_sim_doc_note(
        d,
        "demand fitted from the bed bureau, %s to %s (%.0f days): %ld referrals (%.2f a day), "
        "%zu finished stays resampled as the LOS (mean %.1f days, sd %.1f)",
        from, to, span, total, total / span, nst, mean, nst > 1 ? sqrt(ss / (nst - 1)) : 0.0);
    return 1;
}

int store_sim_fit(store *s, int days, const char *bed_type, int replay, store_sim_doc **out,
                  ics_err *e)
{
    *out = NULL;
    if (days < 7 || days > 3660) return ics_err_set(e, ICS_EINVAL, "days must be 7 to 3660");
    if (bed_type && !*bed_type) bed_type = NULL;
    store_sim_doc *d = store_sim_doc_new();
    if (!d) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    snprintf(d->name, sizeof d->name, "Bed review fitted from the database%s%s",
             bed_type ? ": " : " (all bed types)", bed_type ? bed_type : "");
    int rc = fit_directory(s, d, bed_type, e);
    if (!rc && !bed_type)
        store_sim_doc_note(
            d, "all bed types are treated as interchangeable; fit one type with bed_type");
    if (!rc) {
        rc = fit_history(s, d, days, bed_type, replay, e);
        if (rc == 0 && replay)
            store_sim_doc_note(d, "no bed bureau history to replay: Poisson arrivals instead");
        if (rc == 0) {
            char why[160];
            snprintf(why, sizeof why, "the bed bureau has too little history in the last %d days",
                     days);
            fit_defaults(d, why);
        }
        rc = rc < 0 ? rc : 0;
    }
    /* a place with demand but no commissioned unit cannot be simulated
     * under borough rules; it keeps its demand for the pooled run */
    for (int i = 0; !rc && i < d->sc.nplaces; i++) {
        int any = 0;
        for (int u = 0; u < d->sc.nunits; u++) any |= (int)(d->sc.units[u].places >> i & 1);
        if (!any && d->sc.places[i].arrivals_per_day > 0)
            store_sim_doc_note(
                d, "place %s has demand but no commissioned unit: borough policy not possible",
                d->sc.places[i].code);
    }
    if (rc) {
        store_sim_doc_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
