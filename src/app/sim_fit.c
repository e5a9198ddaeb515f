/* app/sim_fit.c - a bed review's scenario fitted from the database: the
 * directory gives the units (beds, site coordinates), who commissions them
 * and the places (centroid of their postcode districts); demand comes from
 * the bed bureau's referrals and stays when there are enough of them,
 * otherwise from unit sizes with the defaults of src/sim/fit.c (a mean stay
 * of 21 days, sd 14, lognormal, and demand that would keep today's beds 85%
 * occupied, shared between places by the beds commissioned for them). The
 * store gives rows, the engine does the arithmetic; this file puts rows
 * into the scenario and writes the notes that say how it was built. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sim.h"
#include "core/tz.h"
#include "store/sim.h"

static const char *text(const json_t *row, const char *key)
{
    return json_string_value(json_object_get(row, key));
}

static int fit_directory(store *s, const char *ics, app_sim_doc *d, const char *bed_type,
                         ics_err *e)
{
    sim_scenario *sc = &d->sc;
    json_t *rows = NULL;
    int rc = store_sim_places(s, ics, &rows, e);
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
        snprintf(p->code, sizeof p->code, "%s", text(r, "code"));
        snprintf(p->name, sizeof p->name, "%s", text(r, "name"));
        json_t *lat = json_object_get(r, "lat"), *lon = json_object_get(r, "lon");
        p->lat = json_is_number(lat) ? json_number_value(lat) : NAN;
        p->lon = json_is_number(lon) ? json_number_value(lon) : NAN;
    }
    json_decref(rows);
    if ((rc = store_sim_units(s, bed_type, &rows, e))) return rc;
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
        snprintf(u->code, sizeof u->code, "%s", text(r, "unit_code"));
        snprintf(u->name, sizeof u->name, "%s", text(r, "name"));
        u->beds = (int)json_integer_value(json_object_get(r, "beds"));
        u->lat = json_number_value(json_object_get(r, "lat"));
        u->lon = json_number_value(json_object_get(r, "lon"));
    }
    json_decref(rows);
    if ((rc = store_sim_commissioners(s, &rows, e))) return rc;
    json_array_foreach(rows, k, r)
    {
        const char *uc = text(r, "unit_code");
        int i = sim_place_find(sc, text(r, "place_code"));
        for (int u = 0; u < sc->nunits && i >= 0; u++)
            if (uc && !strcmp(sc->units[u].code, uc)) sc->units[u].places |= 1ULL << i;
    }
    json_decref(rows);
    sim_fit_positions(sc);
    return 0;
}

static void fit_defaults(app_sim_doc *d, const char *why)
{
    double total = sim_fit_from_beds(&d->sc);
    snprintf(d->source, sizeof d->source, "unit-sizes");
    d->synthetic = 1;
    app_sim_doc_note(d, "%s", why);
    app_sim_doc_note(
        d,
        "demand fitted from unit sizes with defaults: mean stay %.0f days (lognormal, sd %.0f), "
        "arrivals keeping today's %.0f beds %.0f%% occupied (%.2f a day), shared by commissioned "
        "beds",
        SIM_FIT_DEFAULT_LOS, SIM_FIT_DEFAULT_LOS_SD, total, 100 * SIM_FIT_DEFAULT_OCCUPANCY,
        SIM_FIT_DEFAULT_OCCUPANCY * total / SIM_FIT_DEFAULT_LOS);
}

/* The referral and unit vocabularies name two bed types differently. */
static const char *referral_type(const char *unit_type)
{
    if (!unit_type) return NULL;
    if (!strcmp(unit_type, "rehabilitation")) return "rehab";
    if (!strcmp(unit_type, "stroke_rehabilitation")) return "stroke_rehab";
    return unit_type;
}

/* Replay the referrals of [start, end] instead of Poisson arrivals: day 0
 * is start; stays are still drawn from the fitted LOS. */
static int fit_replay(store *s, app_sim_doc *d, int64_t start, int64_t end, const char *bed_type,
                      ics_err *e)
{
    sim_scenario *sc = &d->sc;
    json_t *rows = NULL;
    int rc =
        store_sim_referral_arrivals(s, start, end, bed_type, referral_type(bed_type), &rows, e);
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
        int i = sim_place_find(sc, text(r, "place_code"));
        if (i < 0) continue;
        sim_arrival *a = &d->replay[m++];
        a->day = (double)(json_integer_value(json_object_get(r, "referred_at")) - start) / 86400.0;
        a->place = i;
        a->los = -1;
        a->urgent = json_integer_value(json_object_get(r, "priority")) == 1;
    }
    json_decref(rows);
    sim_fit_replay(sc, d->replay, m, (double)(end - start) / 86400.0);
    app_sim_doc_note(
        d,
        "arrivals replayed: the %d referrals as they came, day 0 = the window's first day; "
        "%.0f days of warm-up, %.0f days measured; replications differ only in the stays drawn",
        m, sc->warmup_days, sc->run_days);
    return 0;
}

/* A UTC calendar day as YYYY-MM-DD. */
static void utc_day(int64_t t, char out[16])
{
    int y, mo, dd;
    tz_civil_from_days(t >= 0 ? t / 86400 : -((-t + 86399) / 86400), &y, &mo, &dd);
    snprintf(out, 16, "%04d-%02d-%02d", y, mo, dd);
}

/* Demand from the bed bureau over the last days days of its history (up to
 * the newest referral): arrivals per place = referrals that wanted a bed
 * (not cancelled or declined) / days covered; urgent share = priority 1;
 * LOS = the empirical distribution of stays discharged in the window.
 * Returns 1 when fitted, 0 when there is too little history (or no bed
 * bureau tables) and the caller falls back to defaults, < 0 on error. */
static int fit_history(store *s, app_sim_doc *d, int days, const char *bed_type, int replay,
                       ics_err *e)
{
    sim_scenario *sc = &d->sc;
    ics_err ignore = {0};
    int64_t end, first;
    /* no table (a database without the beds module) means no history */
    if (store_sim_referral_last(s, &end, &ignore)) return 0;
    if (end <= 0) return 0; /* no rows */
    int rc = store_sim_referral_first(s, end, &first, e);
    if (rc) return rc;
    int64_t start = end - (int64_t)days * 86400;
    if (first > start) start = first;
    double span = (double)(end - start) / 86400.0;
    if (span < 7) return 0;
    json_t *rows = NULL;
    rc = store_sim_referral_counts(s, start, end, bed_type, referral_type(bed_type), &rows, e);
    if (rc) return rc;
    long n[SIM_MAX_PLACES] = {0}, urgent[SIM_MAX_PLACES] = {0}, total = 0;
    size_t k;
    json_t *r;
    json_array_foreach(rows, k, r)
    {
        int i = sim_place_find(sc, text(r, "place_code"));
        if (i < 0) continue;
        n[i] = (long)json_integer_value(json_object_get(r, "n"));
        urgent[i] = (long)json_integer_value(json_object_get(r, "urgent"));
        total += n[i];
    }
    json_decref(rows);
    if ((rc = store_sim_stays(s, start, end, bed_type, &rows, e))) return rc;
    size_t nst = json_array_size(rows);
    if (total < SIM_FIT_MIN_STAYS || nst < SIM_FIT_MIN_STAYS) {
        json_decref(rows);
        app_sim_doc_note(
            d,
            "the bed bureau's last %.0f days hold %ld referrals and %zu finished stays%s%s: "
            "too few to fit (need %d of each)",
            span, total, nst, bed_type ? " of type " : "", bed_type ? bed_type : "",
            SIM_FIT_MIN_STAYS);
        return 0;
    }
    double *v = malloc(nst * sizeof *v);
    if (!v) {
        json_decref(rows);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    json_array_foreach(rows, k, r) v[k] = json_number_value(json_object_get(r, "secs")) / 86400.0;
    json_decref(rows);
    free(d->values[0]);
    d->values[0] = v;
    double mean, sd;
    sim_fit_from_history(sc, n, urgent, span, v, (int)nst, &mean, &sd);
    snprintf(d->source, sizeof d->source, "beds-history");
    if (replay && (rc = fit_replay(s, d, start, end, bed_type, e)) != 0) return rc;
    /* history generated by the seed is labelled so; so is what is fitted to it */
    int64_t syn;
    if ((rc = store_sim_referral_synthetic(s, start, end, &syn, e))) return rc;
    if (syn > 0) {
        d->synthetic = 1;
        app_sim_doc_note(
            d, "the bed bureau history used is synthetic (generated for the demonstration)");
    }
    char from[16], to[16];
    utc_day(start, from);
    utc_day(end, to);
    app_sim_doc_note(
        d,
        "demand fitted from the bed bureau, %s to %s (%.0f days): %ld referrals (%.2f a day), "
        "%zu finished stays resampled as the LOS (mean %.1f days, sd %.1f)",
        from, to, span, total, total / span, nst, mean, sd);
    return 1;
}

int app_sim_fit_doc(store *s, const char *ics, int days, const char *bed_type, int replay,
                    app_sim_doc **out, ics_err *e)
{
    *out = NULL;
    if (days < 7 || days > 3660) return ics_err_set(e, ICS_EINVAL, "days must be 7 to 3660");
    if (bed_type && !*bed_type) bed_type = NULL;
    app_sim_doc *d = app_sim_doc_new();
    if (!d) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    snprintf(d->name, sizeof d->name, "Bed review fitted from the database%s%s",
             bed_type ? ": " : " (all bed types)", bed_type ? bed_type : "");
    int rc = fit_directory(s, ics, d, bed_type, e);
    if (!rc && !bed_type)
        app_sim_doc_note(
            d, "all bed types are treated as interchangeable; fit one type with bed_type");
    if (!rc) {
        rc = fit_history(s, d, days, bed_type, replay, e);
        if (rc == 0 && replay)
            app_sim_doc_note(d, "no bed bureau history to replay: Poisson arrivals instead");
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
    for (int i = 0; !rc && i < d->sc.nplaces; i++)
        if (sim_fit_uncommissioned(&d->sc, i) && d->sc.places[i].arrivals_per_day > 0)
            app_sim_doc_note(
                d, "place %s has demand but no commissioned unit: borough policy not possible",
                d->sc.places[i].code);
    if (rc) {
        app_sim_doc_free(d);
        return rc;
    }
    *out = d;
    return 0;
}
