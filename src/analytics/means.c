/* means.c - variation of a mean across groups (length of stay across bed
 * units): each group's mean with Student t limits as Fingertips computes a
 * mean (phe_mean), and a flag against a normal funnel around the overall
 * mean, mean +/- z sd / sqrt(n) (Spiegelhalter, Stat Med 2005;24:1185-202). */
#include <math.h>

#include "analytics/analytics.h"
#include "core/stats.h"

int analytics_mean_compute(double n, double sum, double sumsq, double overall_mean,
                           double overall_sd, analytics_mean *out, ics_err *e)
{
    if (!isfinite(n) || n < 0.0 || !isfinite(sum) || !isfinite(sumsq) || sumsq < 0.0)
        return ics_err_set(e, ICS_EINVAL, "count, sum and sum of squares must be finite, >= 0");
    out->n = n;
    out->mean = out->sd = NAN;
    out->lo95 = out->hi95 = out->lo998 = out->hi998 = NAN;
    out->sig = ANALYTICS_SIG_NA;
    if (n == 0.0) return 0;
    out->mean = sum / n;
    if (n < 2.0) return 0;
    double var = (sumsq - n * out->mean * out->mean) / (n - 1.0);
    out->sd = sqrt(var > 0.0 ? var : 0.0);
    double se = out->sd / sqrt(n);
    double t95 = stats_t_quantile(0.975, n - 1.0), t998 = stats_t_quantile(0.999, n - 1.0);
    out->lo95 = out->mean - t95 * se;
    out->hi95 = out->mean + t95 * se;
    out->lo998 = out->mean - t998 * se;
    out->hi998 = out->mean + t998 * se;
    if (!isfinite(overall_mean) || !(overall_sd >= 0.0)) return 0;
    double s = overall_sd / sqrt(n);
    double z95 = STATS_Z95, z998 = STATS_Z998;
    if (out->mean > overall_mean + z998 * s)
        out->sig = ANALYTICS_SIG_HIGH_998;
    else if (out->mean > overall_mean + z95 * s)
        out->sig = ANALYTICS_SIG_HIGH_95;
    else if (out->mean < overall_mean - z998 * s)
        out->sig = ANALYTICS_SIG_LOW_998;
    else if (out->mean < overall_mean - z95 * s)
        out->sig = ANALYTICS_SIG_LOW_95;
    else
        out->sig = ANALYTICS_SIG_NONE;
    return 0;
}
