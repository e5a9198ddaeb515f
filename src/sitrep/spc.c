/* spc.c - statistical process control for sitrep history: the XmR
 * (individuals and moving range) chart of NHS England's "Making Data Count".
 *
 * Centre line: the mean of the points. Moving range MR_i = |x_i - x_{i-1}|;
 * natural process limits = mean +- 2.66 x mean(MR) (2.66 = 3 / d2 with
 * d2 = 1.128 for ranges of two), so sigma is estimated as mean(MR) / 1.128.
 * Special-cause rules, each flagging the points that take part:
 *   outside  a point above the upper or below the lower limit;
 *   shift    7 or more consecutive points on the same side of the mean
 *            (a point exactly on the mean ends the run);
 *   trend    7 or more consecutive points each strictly higher (or each
 *            strictly lower) than the one before (an equal pair ends it);
 *   2 of 3   two of any three consecutive points beyond mean +- 2 sigma on
 *            the same side (the points beyond are flagged).
 * Reference: NHS England / NHS Improvement, "Making Data Count" (2019), and
 * Wheeler, "Understanding Variation" (1993). */
#include "sitrep/sitrep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RUN 7

static int sgn(double d)
{
    return d > 0 ? 1 : d < 0 ? -1 : 0;
}

static void flag_runs(const double *x, size_t n, double mean, unsigned *flags)
{
    /* shift: maximal runs of points on one side of the mean */
    for (size_t i = 0, j; i < n; i = j) {
        int side = sgn(x[i] - mean);
        for (j = i + 1; j < n && sgn(x[j] - mean) == side; j++) {
        }
        if (side != 0 && j - i >= RUN)
            for (size_t k = i; k < j; k++) flags[k] |= SITREP_SPC_SHIFT;
    }
    /* trend: maximal runs of steps in one direction; points i..j inclusive */
    for (size_t i = 0, j; i + 1 < n; i = j) {
        int dir = sgn(x[i + 1] - x[i]);
        for (j = i + 1; j + 1 < n && sgn(x[j + 1] - x[j]) == dir; j++) {
        }
        if (dir != 0 && j - i + 1 >= RUN)
            for (size_t k = i; k <= j; k++) flags[k] |= SITREP_SPC_TREND;
    }
}

int sitrep_spc_compute(const double *x, size_t n, sitrep_spc *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    if (n < 2) return ics_err_set(e, ICS_EINVAL, "an XmR chart needs at least 2 points");
    out->flags = calloc(n, sizeof *out->flags);
    if (!out->flags) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    out->n = n;
    double sum = 0, mr = 0;
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
        if (i) mr += fabs(x[i] - x[i - 1]);
    }
    out->mean = sum / n;
    out->mr_mean = mr / (n - 1);
    out->sigma = out->mr_mean / 1.128;
    out->ucl = out->mean + 2.66 * out->mr_mean;
    out->lcl = out->mean - 2.66 * out->mr_mean;
    for (size_t i = 0; i < n; i++)
        if (x[i] > out->ucl || x[i] < out->lcl) out->flags[i] |= SITREP_SPC_OUTSIDE;
    flag_runs(x, n, out->mean, out->flags);
    double hi = out->mean + 2 * out->sigma, lo = out->mean - 2 * out->sigma;
    for (size_t i = 0; i + 2 < n; i++) {
        int above = 0, below = 0;
        for (size_t j = i; j < i + 3; j++) {
            above += x[j] > hi;
            below += x[j] < lo;
        }
        for (size_t j = i; j < i + 3; j++) {
            if (above >= 2 && x[j] > hi) out->flags[j] |= SITREP_SPC_TWO_OF_THREE;
            if (below >= 2 && x[j] < lo) out->flags[j] |= SITREP_SPC_TWO_OF_THREE;
        }
    }
    for (size_t i = 0; i < n; i++) out->nsignals += out->flags[i] != 0;
    return 0;
}

void sitrep_spc_free(sitrep_spc *s)
{
    if (!s) return;
    free(s->flags);
    s->flags = NULL;
}
