/* stats.c - the distributions and interval formulas the estimates rest on
 * that only analytics needs: the gamma quantile, Byar's and exact Poisson
 * limits. The normal and t quantiles and Wilson's interval are shared by
 * every module and live in core/stats.c.
 *
 * libm gives lgamma; the incomplete gamma function and its quantile are
 * computed here to full double precision so results match R's qchisq
 * (which Fingertips uses) far inside 1e-6. */
#include <math.h>

#include "analytics/analytics.h"
#include "core/stats.h"

/* ---- incomplete gamma ---------------------------------------------------- */

/*
 * Regularised incomplete gamma: the power series for P when x < a + 1, the
 * continued fraction for Q = 1 - P otherwise (evaluated with the modified
 * Lentz method). Press et al., Numerical Recipes, 3rd ed., section 6.2.
 */
static double gamma_series(double a, double x)
{
    double sum = 1.0 / a, term = sum, ap = a;
    for (int n = 0; n < 10000; n++) {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if (fabs(term) < fabs(sum) * 1e-17) break;
    }
    return sum * exp(-x + a * log(x) - lgamma(a));
}

static double gamma_cf(double a, double x)
{
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-17) break;
    }
    return exp(-x + a * log(x) - lgamma(a)) * h;
}

double analytics_gamma_p(double a, double x)
{
    if (x <= 0.0) return 0.0;
    if (x < a + 1.0) return gamma_series(a, x);
    return 1.0 - gamma_cf(a, x);
}

static double gamma_q(double a, double x)
{
    if (x <= 0.0) return 1.0;
    if (x < a + 1.0) return 1.0 - gamma_series(a, x);
    return gamma_cf(a, x);
}

/*
 * Gamma quantile: start from the Wilson-Hilferty cube-root approximation
 * (the same idea as Byar's limits), then Newton steps kept inside a bracket
 * that bisection shrinks whenever Newton would leave it. For p > 0.5 the
 * upper tail Q is solved instead of P so the 99.9th percentile keeps its
 * digits. qchisq(p, 2a) / 2 in R.
 */
double analytics_gamma_quantile(double p, double a)
{
    if (!(a > 0.0) || !(p >= 0.0 && p <= 1.0)) return NAN;
    if (p == 0.0) return 0.0;
    if (p == 1.0) return INFINITY;
    int upper = p > 0.5;
    double target = upper ? 1.0 - p : p;
    double z = stats_normal_quantile(p);
    double c = 1.0 - 1.0 / (9.0 * a) + z / (3.0 * sqrt(a));
    double x = c > 0.0 ? a * c * c * c : 1e-3 * a;
    double lo = 0.0, hi = INFINITY;
    for (int i = 0; i < 200; i++) {
        double f = upper ? target - gamma_q(a, x) : analytics_gamma_p(a, x) - target;
        /* f is increasing in x for both forms */
        if (f > 0.0)
            hi = x;
        else
            lo = x;
        double dens = exp((a - 1.0) * log(x) - x - lgamma(a));
        double nx = dens > 0.0 ? x - f / dens : NAN;
        if (!(nx > lo && nx < hi)) nx = isinf(hi) ? 2.0 * x + 1.0 : 0.5 * (lo + hi);
        if (fabs(nx - x) <= 4e-16 * nx) return nx;
        x = nx;
    }
    return x;
}

/* ---- interval formulas --------------------------------------------------- */

/*
 * Byar's approximation to the exact Poisson interval for a count O
 * (Breslow and Day 1987, vol II): lower = O (1 - 1/(9O) - z/(3 sqrt O))^3,
 * upper = (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3. Fingertips returns no
 * lower limit (NA) when the cube goes negative; so do we (NAN).
 */
double analytics_byar_lower(double o, double confidence)
{
    if (!(o > 0.0)) return NAN;
    double z = stats_z(confidence);
    double c = 1.0 - 1.0 / (9.0 * o) - z / (3.0 * sqrt(o));
    double v = o * c * c * c;
    return v < 0.0 ? NAN : v;
}

double analytics_byar_upper(double o, double confidence)
{
    if (!(o >= 0.0)) return NAN;
    double z = stats_z(confidence);
    double o1 = o + 1.0;
    double c = 1.0 - 1.0 / (9.0 * o1) + z / (3.0 * sqrt(o1));
    return o1 * c * c * c;
}

/* Exact Poisson limits: qchisq(a/2, 2O)/2 and qchisq(1 - a/2, 2O + 2)/2. */
double analytics_exact_lower(double o, double confidence)
{
    if (!(o >= 0.0)) return NAN;
    if (o == 0.0) return 0.0;
    return analytics_gamma_quantile((1.0 - confidence) / 2.0, o);
}

double analytics_exact_upper(double o, double confidence)
{
    if (!(o >= 0.0)) return NAN;
    return analytics_gamma_quantile(confidence + (1.0 - confidence) / 2.0, o + 1.0);
}
