/* stats.c - the distributions and interval formulas the estimates rest on:
 * normal, gamma and Student t quantiles, Byar's and exact Poisson limits,
 * and Wilson score limits for proportions.
 *
 * libm gives erfc and lgamma; the incomplete gamma and beta functions and
 * the quantiles are computed here to full double precision so results match
 * R's qnorm/qchisq/qt (which Fingertips uses) far inside 1e-6. */
#include <math.h>

#include "analytics/analytics.h"

/* ---- normal -------------------------------------------------------------- */

static double norm_upper(double x) /* P(Z > x) */
{
    return 0.5 * erfc(x / M_SQRT2);
}

static double norm_pdf(double x)
{
    return exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
}

/*
 * Normal quantile: a rational starting value (Abramowitz and Stegun 26.2.23,
 * error < 4.5e-4) refined by Halley steps on the tail probability computed
 * with erfc, which converge cubically: three steps reach double precision.
 * Working on the smaller tail keeps relative precision for p near 0 or 1.
 */
double analytics_normal_quantile(double p)
{
    if (!(p > 0.0 && p < 1.0)) {
        if (p == 0.0) return -INFINITY;
        if (p == 1.0) return INFINITY;
        return NAN;
    }
    int upper = p > 0.5;
    double q = upper ? 1.0 - p : p; /* the tail probability, <= 0.5 */
    double t = sqrt(-2.0 * log(q));
    double x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
                       (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
    /* x > 0 solves P(Z > x) = q */
    for (int i = 0; i < 6; i++) {
        double f = norm_upper(x) - q;
        double d = -norm_pdf(x);
        double step = f / d;
        /* Halley: divide by (1 - f f'' / (2 f'^2)); f'' = x phi(x) */
        double corr = 1.0 - step * (x * -d) / (2.0 * d);
        double nx = x - step / corr;
        if (fabs(nx - x) <= 1e-16 * fabs(nx)) {
            x = nx;
            break;
        }
        x = nx;
    }
    return upper ? x : -x;
}

double analytics_z(double confidence)
{
    return analytics_normal_quantile(confidence + (1.0 - confidence) / 2.0);
}

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
    double z = analytics_normal_quantile(p);
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

/* ---- incomplete beta and Student t ------------------------------------- */

/* Continued fraction for the incomplete beta (Numerical Recipes 6.4). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0, d = 1.0 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m < 10000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16) break;
    }
    return h;
}

/* I_x(a, b) with y = 1 - x passed separately so it keeps its digits. */
static double beta_inc(double a, double b, double x, double y)
{
    if (x <= 0.0) return 0.0;
    if (y <= 0.0) return 1.0;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y);
    if (x < (a + 1.0) / (a + b + 2.0)) return exp(lbt) * beta_cf(a, b, x) / a;
    return 1.0 - exp(lbt) * beta_cf(b, a, y) / b;
}

/* P(T > t) for t >= 0. */
static double t_upper(double t, double df)
{
    return 0.5 * beta_inc(df / 2.0, 0.5, df / (df + t * t), t * t / (df + t * t));
}

double analytics_t_quantile(double p, double df)
{
    if (!(df > 0.0) || !(p > 0.0 && p < 1.0)) return NAN;
    int upper = p > 0.5;
    double q = upper ? 1.0 - p : p;
    if (q == 0.5) return 0.0;
    double lo = 0.0, hi = INFINITY;
    double x = analytics_normal_quantile(1.0 - q);
    double lc = lgamma((df + 1.0) / 2.0) - lgamma(df / 2.0) - 0.5 * log(df * M_PI);
    for (int i = 0; i < 300; i++) {
        double f = q - t_upper(x, df); /* increasing in x */
        if (f > 0.0)
            hi = x;
        else
            lo = x;
        double dens = exp(lc - (df + 1.0) / 2.0 * log1p(x * x / df));
        double nx = x - f / dens;
        if (!(nx > lo && nx < hi)) nx = isinf(hi) ? 2.0 * x + 1.0 : 0.5 * (lo + hi);
        if (fabs(nx - x) <= 4e-16 * nx) {
            x = nx;
            break;
        }
        x = nx;
    }
    return upper ? x : -x;
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
    double z = analytics_z(confidence);
    double c = 1.0 - 1.0 / (9.0 * o) - z / (3.0 * sqrt(o));
    double v = o * c * c * c;
    return v < 0.0 ? NAN : v;
}

double analytics_byar_upper(double o, double confidence)
{
    if (!(o >= 0.0)) return NAN;
    double z = analytics_z(confidence);
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

/*
 * Wilson score interval (Wilson 1927; Newcombe and Altman 2000), in the form
 * Fingertips writes it: (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)).
 */
double analytics_wilson_lower(double x, double n, double confidence)
{
    if (!(n > 0.0) || x < 0.0 || x > n) return NAN;
    double z = analytics_z(confidence);
    return (2.0 * x + z * z - z * sqrt(z * z + 4.0 * x * (1.0 - x / n))) / 2.0 / (n + z * z);
}

double analytics_wilson_upper(double x, double n, double confidence)
{
    if (!(n > 0.0) || x < 0.0 || x > n) return NAN;
    double z = analytics_z(confidence);
    return (2.0 * x + z * z + z * sqrt(z * z + 4.0 * x * (1.0 - x / n))) / 2.0 / (n + z * z);
}
