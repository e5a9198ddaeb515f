/* stats.h - the statistics every module shares, defined once: quantiles of
 * a sample (Hyndman-Fan type 7 by default, the NHS England RTT whole-week
 * rule as a named method), the normal and Student t quantiles at full
 * double precision, and Wilson's score interval for a proportion.
 * "The median" anywhere in icsflow is stats_quantile(v, n, 0.5, STATS_Q_TYPE7)
 * except for RTT waits, which follow the published RTT statistic. */
#ifndef ICS_CORE_STATS_H
#define ICS_CORE_STATS_H

#include <stddef.h>

/* Two-sided normal quantiles z_{1-a/2} (R: qnorm(0.975), qnorm(0.999)). */
#define STATS_Z95  1.959963984540054
#define STATS_Z998 3.090232306167813

typedef enum {
    /* Hyndman and Fan (1996) type 7: h = (n - 1) p, linear interpolation
     * between the order statistics around h (R's default, spreadsheet
     * PERCENTILE.INC). The median of an even sample is the mean of the
     * middle two. */
    STATS_Q_TYPE7,
    /* NHS England RTT statistics: values are whole weeks waited, each a
     * one-week band [w, w + 1); the quantile is interpolated within the
     * band where the cumulative count first reaches p n:
     * w + (p n - count below w) / count in w. Everyone at 10 weeks: 10.5. */
    STATS_Q_RTT_WEEKS
} stats_qmethod;

/* The p-quantile (0 <= p <= 1) of sorted[0..n) (ascending) by method m;
 * 0 when n is 0. For STATS_Q_RTT_WEEKS the values are whole weeks. */
double stats_quantile(const double *sorted, size_t n, double p, stats_qmethod m);

/* Sort v[0..n) ascending in place (a helper for stats_quantile). */
void stats_sort(double *v, size_t n);

/* Standard normal quantile Phi^-1(p), full double precision; -inf/inf at 0/1. */
double stats_normal_quantile(double p);
/* Two-sided z for a confidence level in (0, 1): 0.95 -> STATS_Z95. */
double stats_z(double confidence);
/* Student t quantile with df > 0 degrees of freedom (R: qt(p, df)). */
double stats_t_quantile(double p, double df);
/* Regularised incomplete beta I_x(a, b), with y = 1 - x given separately
 * so that it keeps its digits. */
double stats_beta_inc(double a, double b, double x, double y);

/* Wilson score interval for x successes in n trials at normal quantile z
 * (Wilson 1927; Newcombe 1998), in Fingertips' form
 * (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / (2(n + z^2)).
 * Returns -1 and sets *lo = *hi = NAN when n <= 0 or x is not in [0, n]. */
int stats_wilson(double x, double n, double z, double *lo, double *hi);

#endif
