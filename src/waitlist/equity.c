/* equity.c - equity of waits: RTT wait statistics by group (trust, borough,
 * deprivation quintile) for the equity report, before and after a run. */
#include "waitlist/waitlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"

/*
 * Percentiles follow the NHS England RTT statistics (STATS_Q_RTT_WEEKS in
 * core/stats.h, the one place percentiles are defined): waits are counted in
 * whole-week bands (a patient who has waited 10 weeks and 3 days is in the
 * 10-11 band) and the median and 92nd percentile are interpolated linearly
 * within the band where the cumulative count first reaches q x N:
 *     value = w + (q x N - count below w) / count in band w.
 * So a group where everyone has waited 10 whole weeks has median 10.5.
 * "Over 18 weeks" counts waits of 18 whole weeks or more, the complement of
 * the "within 18 weeks" bands 0-1 .. 17-18 used for the 92% standard.
 */

typedef struct item {
    const char *key;
    int weeks;
} item;

static int cmp_item(const void *x, const void *y)
{
    const item *a = x, *b = y;
    int r = strcmp(a->key, b->key);
    if (r) return r;
    return (a->weeks > b->weeks) - (a->weeks < b->weeks);
}

/* v sorted by weeks within the group; w: room for n doubles. */
static void summarise(const item *v, size_t n, const char *name, double *w, waitlist_equity_row *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->group, sizeof r->group, "%s", name);
    r->count = n;
    for (size_t i = 0; i < n; i++) w[i] = v[i].weeks;
    r->median_weeks = stats_quantile(w, n, 0.5, STATS_Q_RTT_WEEKS);
    r->p92_weeks = stats_quantile(w, n, 0.92, STATS_Q_RTT_WEEKS);
    size_t under = 0;
    for (size_t i = 0; i < n; i++) {
        int w = v[i].weeks;
        under += w < 18;
        r->over18 += w >= 18;
        r->over52 += w >= 52;
        r->over65 += w >= 65;
        r->over78 += w >= 78;
    }
    r->pct_under18 = n ? 100.0 * (double)under / (double)n : 0;
}

int waitlist_equity(const int *weeks, const char *const *key, const unsigned char *include,
                    size_t n, waitlist_equity_row **rows, size_t *nrows, ics_err *e)
{
    *rows = NULL;
    *nrows = 0;
    item *v = malloc((n + 1) * sizeof *v);
    if (!v) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (include && !include[i]) continue;
        if (weeks[i] < 0) {
            free(v);
            return ics_err_set(e, ICS_EINVAL, "pathway %zu: negative weeks waited", i);
        }
        v[m].key = key && key[i] && key[i][0] ? key[i] : "unknown";
        v[m].weeks = weeks[i];
        m++;
    }
    qsort(v, m, sizeof *v, cmp_item);
    size_t groups = 0;
    for (size_t i = 0; i < m; i++) groups += i == 0 || strcmp(v[i].key, v[i - 1].key);
    waitlist_equity_row *out = calloc(groups + 1, sizeof *out);
    item *all = malloc((m + 1) * sizeof *all);
    double *w = malloc((m + 1) * sizeof *w);
    if (!out || !all || !w) {
        free(v);
        free(out);
        free(all);
        free(w);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    size_t g = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j < m && !strcmp(v[j].key, v[i].key)) j++;
        summarise(v + i, j - i, v[i].key, w, &out[g++]);
        i = j;
    }
    /* the whole list: re-sort by weeks alone */
    for (size_t i = 0; i < m; i++) {
        all[i].key = "";
        all[i].weeks = v[i].weeks;
    }
    qsort(all, m, sizeof *all, cmp_item);
    summarise(all, m, "all", w, &out[g++]);
    free(v);
    free(w);
    free(all);
    *rows = out;
    *nrows = g;
    return 0;
}
