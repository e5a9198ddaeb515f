/* stats.c - quantiles of a sample, the normal and Student t quantiles and
 * Wilson's interval, once for every module (routing's UCR report, the bed
 * board's length of stay, the waiting list's equity, analytics and the
 * simulation's replication intervals). libm gives erfc and lgamma; the
 * rest is computed here to full double precision, matching R's qnorm and qt
 * far inside 1e-12. */
#include "core/stats.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

/* ---- sample quantiles ---------------------------------------------------- */

static double type7(const double *v, size_t n, double p)
{
    if (p <= 0) return v[0];
    if (p >= 1) return v[n - 1];
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) return v[n - 1];
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

static double rtt_weeks(const double *v, size_t n, double p)
{
    double target = p * (double)n;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] == v[i]) j++;
        if ((double)j >= target) return v[i] + (target - (double)i) / (double)(j - i);
        i = j;
    }
    return v[n - 1] + 1.0;
}

double stats_quantile(const double *sorted, size_t n, double p, stats_qmethod m)
{
    assert(sorted || n == 0);
    if (n == 0) return 0.0;
    for (size_t i = 1; i < n && i < 4; i++) assert(sorted[i - 1] <= sorted[i]);
    return m == STATS_Q_RTT_WEEKS ? rtt_weeks(sorted, n, p) : type7(sorted, n, p);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void stats_sort(double *v, size_t n)
{
    if (n > 1) qsort(v, n, sizeof *v, cmp_double);
}

/* ---- normal ---------------------------------------------------------------- */

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
double stats_normal_quantile(double p)
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

double stats_z(double confidence)
{
    return stats_normal_quantile(confidence + (1.0 - confidence) / 2.0);
}

/* ---- incomplete beta and Student t ----------------------------------------- */

/* Continued fraction for the incomplete beta (Numerical Recipes, 3rd ed., 6.4). */
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

double stats_beta_inc(double a, double b, double x, double y)
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
    return 0.5 * stats_beta_inc(df / 2.0, 0.5, df / (df + t * t), t * t / (df + t * t));
}

/*
 * Student t quantile: Newton steps from the normal quantile on the upper
 * tail, kept inside a bracket that bisection shrinks whenever Newton would
 * leave it.
 */
double stats_t_quantile(double p, double df)
{
    if (!(df > 0.0) || !(p > 0.0 && p < 1.0)) return NAN;
    int upper = p > 0.5;
    double q = upper ? 1.0 - p : p;
    if (q == 0.5) return 0.0;
    double lo = 0.0, hi = INFINITY;
    double x = stats_normal_quantile(1.0 - q);
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

/* ---- Wilson ---------------------------------------------------------------- */

int stats_wilson(double x, double n, double z, double *lo, double *hi)
{
    assert(lo && hi);
    if (!(n > 0.0) || !(x >= 0.0) || x > n) {
        *lo = *hi = NAN;
        return -1;
    }
    double root = z * sqrt(z * z + 4.0 * x * (1.0 - x / n));
    *lo = (2.0 * x + z * z - root) / 2.0 / (n + z * z);
    *hi = (2.0 * x + z * z + root) / 2.0 / (n + z * z);
    return 0;
}
