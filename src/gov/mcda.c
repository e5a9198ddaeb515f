/* mcda.c - priority setting: the weighted-sum ranking of work areas, the
 * survey weights with t-based intervals, and the sensitivity of the top
 * three to each weight.
 *
 * Sensitivity, the idea: with criterion j's weight moved by d and the other
 * weights rescaled by (1 - w_j - d) / (1 - w_j), every option's total is a
 * straight line in d, T_i(d) = a_i + b_i d. The ordered top three can only
 * change where two lines cross, so the candidates are the crossings of
 * every pair that includes a current top-three option; each candidate is
 * confirmed by ranking again just past it (ties break by index, which a
 * crossing point itself cannot decide). */
#include "gov/gov.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"

static int check_sizes(int n, int k, ics_err *e)
{
    if (n < 1 || n > GOV_MAX_OPTIONS)
        return ics_err_set(e, ICS_EINVAL, "a ranking needs 1 to %d options, not %d",
                           GOV_MAX_OPTIONS, n);
    if (k < 1 || k > GOV_MAX_CRITERIA)
        return ics_err_set(e, ICS_EINVAL, "a ranking needs 1 to %d criteria, not %d",
                           GOV_MAX_CRITERIA, k);
    return 0;
}

/* w normalised into out; ICS_EINVAL for a bad weight or a zero sum. */
static int normalise(const double *w, int k, double *out, ics_err *e)
{
    double sum = 0;
    for (int j = 0; j < k; j++) {
        if (!isfinite(w[j]) || w[j] < 0)
            return ics_err_set(e, ICS_EINVAL, "criterion %d's weight must be a finite number >= 0",
                               j + 1);
        sum += w[j];
    }
    if (!(sum > 0)) return ics_err_set(e, ICS_EINVAL, "the criterion weights are all 0");
    for (int j = 0; j < k; j++) out[j] = w[j] / sum;
    return 0;
}

/* Rank by total, best first, ties by index. An insertion sort: qsort has no
 * context argument, and a file-level pointer to the totals would be shared
 * state two threads ranking at once would race on (n is at most 500). */
static void rank(const double *total, int n, int *order)
{
    for (int i = 0; i < n; i++) {
        int v = order[i] = i, p = i;
        while (p > 0 && (total[order[p - 1]] < total[v] ||
                         (total[order[p - 1]] == total[v] && order[p - 1] > v))) {
            order[p] = order[p - 1];
            p--;
        }
        order[p] = v;
    }
}

static void totals(const double *score, int n, int k, const double *wn, double *total)
{
    for (int i = 0; i < n; i++) {
        double t = 0;
        for (int j = 0; j < k; j++) t += wn[j] * score[(size_t)i * k + j];
        total[i] = t;
    }
}

static int scores_ok(const double *score, int n, int k, ics_err *e)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            if (!isfinite(score[(size_t)i * k + j]))
                return ics_err_set(e, ICS_EINVAL,
                                   "option %d, criterion %d: the score is not a number", i + 1,
                                   j + 1);
    return 0;
}

int gov_mcda_rank(const double *score, int n, int k, const double *w, double *total, int *order,
                  ics_err *e)
{
    double wn[GOV_MAX_CRITERIA];
    int rc = check_sizes(n, k, e);
    if (!rc) rc = scores_ok(score, n, k, e);
    if (!rc) rc = normalise(w, k, wn, e);
    if (rc) return rc;
    totals(score, n, k, wn, total);
    rank(total, n, order);
    return 0;
}

int gov_weights_ci(const double *raw, int m, int k, double *mean, double *lo, double *hi,
                   int *has_ci, ics_err *e)
{
    if (m < 1) return ics_err_set(e, ICS_EINVAL, "there are no survey responses");
    if (k < 1 || k > GOV_MAX_CRITERIA)
        return ics_err_set(e, ICS_EINVAL, "a survey needs 1 to %d criteria", GOV_MAX_CRITERIA);
    double *norm = malloc(sizeof *norm * (size_t)m * k);
    if (!norm) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    int rc = 0;
    for (int r = 0; r < m && !rc; r++) {
        rc = normalise(raw + (size_t)r * k, k, norm + (size_t)r * k, e);
        if (rc) ics_err_prefix(e, "respondent %d: ", r);
    }
    for (int j = 0; j < k && !rc; j++) {
        double s = 0, ss = 0;
        for (int r = 0; r < m; r++) s += norm[(size_t)r * k + j];
        mean[j] = s / m;
        for (int r = 0; r < m; r++) {
            double d = norm[(size_t)r * k + j] - mean[j];
            ss += d * d;
        }
        double half = 0;
        if (m > 1) half = stats_t_quantile(0.975, m - 1) * sqrt(ss / (m - 1)) / sqrt((double)m);
        lo[j] = mean[j] - half;
        hi[j] = mean[j] + half;
    }
    if (!rc) *has_ci = m > 1;
    free(norm);
    return rc;
}

/* 1 when the first t options of a and b differ. */
static int top_differs(const int *a, const int *b, int t)
{
    for (int i = 0; i < t; i++)
        if (a[i] != b[i]) return 1;
    return 0;
}

/* Weights with criterion j moved by d and the rest rescaled to sum to 1. */
static void shifted(const double *wn, int k, int j, double d, double *out)
{
    double rest = 1 - wn[j], f = rest > 0 ? (rest - d) / rest : 0;
    for (int l = 0; l < k; l++) out[l] = l == j ? wn[j] + d : wn[l] * f;
    if (!(rest > 0)) /* j held all the weight: the rest shares -d equally */
        for (int l = 0; l < k; l++)
            if (l != j) out[l] = -d / (k - 1);
}

/* 1 when the ordered top t at shift d differs from base. */
static int changes_at(const double *score, int n, int k, const double *wn, int j, double d,
                      const int *base, int t, double *total, int *order)
{
    double w2[GOV_MAX_CRITERIA];
    shifted(wn, k, j, d, w2);
    totals(score, n, k, w2, total);
    rank(total, n, order);
    return top_differs(base, order, t);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

int gov_mcda_sensitivity(const double *score, int n, int k, const double *w, double *up,
                         double *down, ics_err *e)
{
    double wn[GOV_MAX_CRITERIA];
    int rc = check_sizes(n, k, e);
    if (!rc) rc = scores_ok(score, n, k, e);
    if (!rc) rc = normalise(w, k, wn, e);
    if (rc) return rc;
    int t = n < 3 ? n : 3;
    double *total = malloc(sizeof *total * n), *a = malloc(sizeof *a * n),
           *b = malloc(sizeof *b * n), *cand = malloc(sizeof *cand * (size_t)3 * n);
    int *base = malloc(sizeof *base * n), *order = malloc(sizeof *order * n);
    if (!total || !a || !b || !cand || !base || !order) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
        goto out;
    }
    totals(score, n, k, wn, total);
    rank(total, n, base);
    for (int j = 0; j < k; j++) {
        /* T_i(d) = a_i + b_i d, from the totals at d = 0 and d = 1 - w_j. */
        double wa[GOV_MAX_CRITERIA], span = 1 - wn[j];
        shifted(wn, k, j, 0, wa);
        totals(score, n, k, wa, a);
        up[j] = down[j] = -1;
        if (span <= 0 && wn[j] <= 0) continue;
        double far = span > 0 ? span : -wn[j];
        shifted(wn, k, j, far, wa);
        totals(score, n, k, wa, b);
        for (int i = 0; i < n; i++) b[i] = (b[i] - a[i]) / far;
        int nc = 0;
        for (int p = 0; p < t; p++) {
            int ip = base[p];
            for (int q = 0; q < n; q++) {
                if (q == ip || b[q] == b[ip]) continue;
                double d = (a[ip] - a[q]) / (b[q] - b[ip]);
                if (d >= -wn[j] && d <= span && d != 0 && nc < 3 * n) cand[nc++] = d;
            }
        }
        qsort(cand, nc, sizeof *cand, cmp_double);
        /* Just past a crossing: a relative step that survives rounding. */
        for (int c = 0; c < nc; c++) {
            double d = cand[c];
            if (d <= 0) continue;
            double past = fmin(d + 1e-9 + fabs(d) * 1e-9, span);
            if (changes_at(score, n, k, wn, j, past, base, t, total, order)) {
                up[j] = d;
                break;
            }
        }
        for (int c = nc - 1; c >= 0; c--) {
            double d = cand[c];
            if (d >= 0) continue;
            double past = fmax(d - 1e-9 - fabs(d) * 1e-9, -wn[j]);
            if (changes_at(score, n, k, wn, j, past, base, t, total, order)) {
                down[j] = -d;
                break;
            }
        }
    }
out:
    free(total), free(a), free(b), free(cand), free(base), free(order);
    return rc;
}
