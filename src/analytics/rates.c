/* rates.c - crude rates, directly standardised rates (ESP2013, Dobson),
 * indirectly standardised ratios and proportions, each with 95% and 99.8%
 * limits exactly as the Fingertips tools compute them (PHEindicatormethods:
 * phe_rate, calculate_dsr, calculate_ISRatio, phe_proportion). */
#include <math.h>
#include <string.h>

#include "analytics/analytics.h"
#include "core/stats.h"

const double analytics_esp2013[ANALYTICS_NBANDS] = {
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
};

const char *const analytics_band_names[ANALYTICS_NBANDS] = {
    "0-4",   "5-9",   "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
    "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+",
};

int analytics_band_index(const char *name)
{
    if (!name) return -1;
    for (int i = 0; i < ANALYTICS_NBANDS; i++)
        if (strcmp(name, analytics_band_names[i]) == 0) return i;
    return -1;
}

int analytics_sex_index(const char *s)
{
    if (!s) return -1;
    if (strcmp(s, "M") == 0) return 0;
    if (strcmp(s, "F") == 0) return 1;
    return -1;
}

const char *analytics_status_name(analytics_status s)
{
    switch (s) {
    case ANALYTICS_OK:
        return "ok";
    case ANALYTICS_SUPPRESSED:
        return "suppressed";
    case ANALYTICS_NO_DENOMINATOR:
        return "no-denominator";
    }
    return "?";
}

const char *analytics_method_name(analytics_method m)
{
    switch (m) {
    case ANALYTICS_METHOD_BYAR:
        return "Byar";
    case ANALYTICS_METHOD_EXACT:
        return "exact Poisson";
    case ANALYTICS_METHOD_DOBSON:
        return "Dobson";
    case ANALYTICS_METHOD_WILSON:
        return "Wilson";
    }
    return "?";
}

static void blank(analytics_estimate *r, double o, double n, analytics_method m)
{
    r->observed = o;
    r->denominator = n;
    r->value = r->lo95 = r->hi95 = r->lo998 = r->hi998 = NAN;
    r->status = ANALYTICS_OK;
    r->method = m;
    r->small_count = o < 10.0;
    r->zero_pop_bands = 0;
}

static int bad_number(double v)
{
    return !isfinite(v) || v < 0.0;
}

/* Limits for a count: exact below 10 events, Byar's from 10 (Fingertips). */
static void count_limits(double o, double scale, analytics_estimate *r)
{
    if (o < 10.0) {
        r->method = ANALYTICS_METHOD_EXACT;
        r->lo95 = analytics_exact_lower(o, 0.95) * scale;
        r->hi95 = analytics_exact_upper(o, 0.95) * scale;
        r->lo998 = analytics_exact_lower(o, 0.998) * scale;
        r->hi998 = analytics_exact_upper(o, 0.998) * scale;
    } else {
        r->method = ANALYTICS_METHOD_BYAR;
        r->lo95 = analytics_byar_lower(o, 0.95) * scale;
        r->hi95 = analytics_byar_upper(o, 0.95) * scale;
        r->lo998 = analytics_byar_lower(o, 0.998) * scale;
        r->hi998 = analytics_byar_upper(o, 0.998) * scale;
    }
}

int analytics_strata_check(const double *o, const double *n, size_t k, ics_err *e)
{
    for (size_t i = 0; i < k; i++) {
        if (!(n[i] == 0.0 && o[i] > 0.0)) continue;
        const char *sex =
            k == 2 * ANALYTICS_NBANDS ? (i < ANALYTICS_NBANDS ? "male " : "female ") : "";
        if (k % ANALYTICS_NBANDS == 0)
            return ics_err_set(e, ICS_EINVAL,
                               "%g events in the %s%s age band, whose population is zero", o[i],
                               sex, analytics_band_names[i % ANALYTICS_NBANDS]);
        return ics_err_set(e, ICS_EINVAL, "stratum %zu: %g events with a population of zero", i + 1,
                           o[i]);
    }
    return 0;
}

int analytics_rate_crude(double o, double n, double multiplier, analytics_estimate *out, ics_err *e)
{
    if (bad_number(o) || bad_number(n))
        return ics_err_set(e, ICS_EINVAL, "events (%g) and population (%g) must be numbers >= 0", o,
                           n);
    if (!(multiplier > 0.0)) return ics_err_set(e, ICS_EINVAL, "multiplier must be > 0");
    blank(out, o, n, ANALYTICS_METHOD_BYAR);
    if (n == 0.0) {
        if (o > 0.0) return ics_err_set(e, ICS_EINVAL, "%g events with a population of zero", o);
        out->status = ANALYTICS_NO_DENOMINATOR;
        return 0;
    }
    out->value = o / n * multiplier;
    count_limits(o, multiplier / n, out);
    return 0;
}

/*
 * Directly standardised rate with the Dobson interval (Dobson et al., Stat
 * Med 1991;10:457-62), as in Fingertips:
 *   DSR    = sum(w_i O_i / n_i) / sum(w_i) x multiplier
 *   var    = sum(w_i^2 O_i / n_i^2) / sum(w_i)^2          (per person scale)
 *   limits = DSR + sqrt(var / O) x (O_limit - O) x multiplier
 * where O = sum O_i and O_limit is Byar's limit for O. The idea: the DSR is
 * a weighted sum of Poisson counts, approximated by a scaled single Poisson
 * count whose variance matches, so the count's interval maps onto the DSR.
 * Fingertips publishes no DSR below 10 events (status SUPPRESSED).
 */
/* z for 95% and 99.8%, computed once: the batch path calls dsr_one per area. */
typedef struct zpair {
    double z95, z998;
} zpair;

static zpair zvalues(void)
{
    return (zpair){STATS_Z95, STATS_Z998};
}

static double byar_lo(double o, double z)
{
    double c = 1.0 - 1.0 / (9.0 * o) - z / (3.0 * sqrt(o));
    double v = o * c * c * c;
    return v < 0.0 ? NAN : v;
}

static double byar_hi(double o, double z)
{
    double o1 = o + 1.0;
    double c = 1.0 - 1.0 / (9.0 * o1) + z / (3.0 * sqrt(o1));
    return o1 * c * c * c;
}

static void dsr_one(const double *o, const double *n, const double *w, size_t k, double mult,
                    zpair z, analytics_estimate *r)
{
    double sw = 0.0, wt = 0.0, sq = 0.0, tot = 0.0, pop = 0.0;
    int zero = 0;
    for (size_t i = 0; i < k; i++) {
        sw += w[i];
        tot += o[i];
        pop += n[i];
        if (n[i] == 0.0) {
            zero++;
            continue;
        }
        double f = w[i] / n[i];
        wt += o[i] * f;
        sq += o[i] * f * f;
    }
    blank(r, tot, pop, ANALYTICS_METHOD_DOBSON);
    r->zero_pop_bands = zero;
    if (pop == 0.0) {
        r->status = ANALYTICS_NO_DENOMINATOR;
        return;
    }
    if (tot < 10.0) {
        r->status = ANALYTICS_SUPPRESSED;
        return;
    }
    double value = wt / sw * mult;
    double var = sq / (sw * sw);
    double s = sqrt(var / tot) * mult;
    r->value = value;
    r->lo95 = value + s * (byar_lo(tot, z.z95) - tot);
    r->hi95 = value + s * (byar_hi(tot, z.z95) - tot);
    r->lo998 = value + s * (byar_lo(tot, z.z998) - tot);
    r->hi998 = value + s * (byar_hi(tot, z.z998) - tot);
}

int analytics_dsr(const double *o, const double *n, const double *w, size_t k, double multiplier,
                  analytics_estimate *out, ics_err *e)
{
    if (k == 0) return ics_err_set(e, ICS_EINVAL, "no strata to standardise over");
    if (!(multiplier > 0.0)) return ics_err_set(e, ICS_EINVAL, "multiplier must be > 0");
    double sw = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (bad_number(o[i]))
            return ics_err_set(e, ICS_EINVAL, "stratum %zu: events %g must be a number >= 0", i + 1,
                               o[i]);
        if (bad_number(n[i]))
            return ics_err_set(e, ICS_EINVAL, "stratum %zu: population %g must be a number >= 0",
                               i + 1, n[i]);
        if (bad_number(w[i]))
            return ics_err_set(e, ICS_EINVAL,
                               "stratum %zu: standard population %g must be a number >= 0", i + 1,
                               w[i]);
        sw += w[i];
    }
    if (analytics_strata_check(o, n, k, e)) return ICS_EINVAL;
    if (!(sw > 0.0)) return ics_err_set(e, ICS_EINVAL, "standard population weights sum to zero");
    dsr_one(o, n, w, k, multiplier, zvalues(), out);
    return 0;
}

long analytics_dsr_batch(const double *o, const double *n, size_t nareas, size_t k, const double *w,
                         double multiplier, analytics_estimate *out, progress_fn progress,
                         void *pctx)
{
    double sw = 0.0;
    for (size_t i = 0; i < k; i++) {
        if (bad_number(w[i])) return ICS_EINVAL;
        sw += w[i];
    }
    if (!(sw > 0.0) || !(multiplier > 0.0) || k == 0) return ICS_EINVAL;
    long bad = 0;
    zpair z = zvalues();
    size_t every = nareas / 100 + 1;
    for (size_t a = 0; a < nareas; a++) {
        const double *oa = o + a * k, *na = n + a * k;
        int ok = 1;
        for (size_t i = 0; i < k && ok; i++)
            if (bad_number(oa[i]) || bad_number(na[i]) || (na[i] == 0.0 && oa[i] > 0.0)) ok = 0;
        if (ok) {
            dsr_one(oa, na, w, k, multiplier, z, &out[a]);
        } else {
            blank(&out[a], NAN, NAN, ANALYTICS_METHOD_DOBSON);
            out[a].status = ANALYTICS_NO_DENOMINATOR;
            bad++;
        }
        if (progress && a % every == 0) progress(pctx, (double)a / (double)nareas);
    }
    if (progress) progress(pctx, 1.0);
    return bad;
}

int analytics_isr(const double *o, double observed_total, const double *n, const double *ref_o,
                  const double *ref_n, size_t k, double refvalue, analytics_estimate *out,
                  ics_err *e)
{
    if (k == 0) return ics_err_set(e, ICS_EINVAL, "no strata to standardise over");
    if (!(refvalue > 0.0)) return ics_err_set(e, ICS_EINVAL, "reference value must be > 0");
    double obs = o ? 0.0 : observed_total, exp_ = 0.0;
    int zero = 0;
    for (size_t i = 0; i < k; i++) {
        if (o && bad_number(o[i]))
            return ics_err_set(e, ICS_EINVAL, "stratum %zu: events %g must be a number >= 0", i + 1,
                               o[i]);
        if (bad_number(n[i]) || bad_number(ref_o[i]) || bad_number(ref_n[i]))
            return ics_err_set(e, ICS_EINVAL,
                               "stratum %zu: populations and reference counts must be numbers >= 0",
                               i + 1);
        if (ref_n[i] == 0.0 && ref_o[i] > 0.0)
            return ics_err_set(e, ICS_EINVAL,
                               "stratum %zu: reference has %g events with a population of zero",
                               i + 1, ref_o[i]);
        if (o) obs += o[i];
        if (n[i] == 0.0) zero++;
        if (ref_n[i] > 0.0) exp_ += n[i] * ref_o[i] / ref_n[i];
    }
    if (bad_number(obs))
        return ics_err_set(e, ICS_EINVAL, "observed total %g must be a number >= 0", obs);
    if (o && analytics_strata_check(o, n, k, e)) return ICS_EINVAL;
    blank(out, obs, exp_, ANALYTICS_METHOD_BYAR);
    out->zero_pop_bands = zero;
    if (exp_ == 0.0) {
        out->status = ANALYTICS_NO_DENOMINATOR;
        return 0;
    }
    out->value = obs / exp_ * refvalue;
    count_limits(obs, refvalue / exp_, out);
    return 0;
}

int analytics_proportion(double x, double n, double multiplier, analytics_estimate *out, ics_err *e)
{
    if (bad_number(x) || bad_number(n))
        return ics_err_set(e, ICS_EINVAL,
                           "numerator (%g) and denominator (%g) must be numbers >= 0", x, n);
    if (x > n)
        return ics_err_set(e, ICS_EINVAL, "numerator %g is larger than denominator %g", x, n);
    if (!(multiplier > 0.0)) return ics_err_set(e, ICS_EINVAL, "multiplier must be > 0");
    blank(out, x, n, ANALYTICS_METHOD_WILSON);
    if (n == 0.0) {
        out->status = ANALYTICS_NO_DENOMINATOR;
        return 0;
    }
    out->value = x / n * multiplier;
    stats_wilson(x, n, STATS_Z95, &out->lo95, &out->hi95);
    stats_wilson(x, n, STATS_Z998, &out->lo998, &out->hi998);
    out->lo95 *= multiplier;
    out->hi95 *= multiplier;
    out->lo998 *= multiplier;
    out->hi998 *= multiplier;
    return 0;
}
