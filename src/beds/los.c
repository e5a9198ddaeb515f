/* los.c - length of stay per unit: median, mean, 90th percentile,
 * distribution and delayed-discharge days; variation across units against
 * funnel limits; a seven-day discharge forecast; daily occupancy.
 *
 * LOS of a stay is discharge day - admission day (London calendar days,
 * so a same-day stay is 0). Percentiles are Hyndman-Fan type 7 (linear
 * interpolation between order statistics, the default of R and of
 * spreadsheet PERCENTILE.INC), from core/stats.h like every median. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beds/beds.h"
#include "core/stats.h"

const int beds_los_bin_lo[BEDS_LOS_BINS] = {0, 7, 14, 21, 28, 42};

static int bin_of(int64_t los)
{
    int k = 0;
    while (k + 1 < BEDS_LOS_BINS && los >= beds_los_bin_lo[k + 1]) k++;
    return k;
}

static int counted(const beds_stay *s, size_t nunits, int64_t from, int64_t to)
{
    return s->unit >= 0 && (size_t)s->unit < nunits && s->discharge_day >= 0 &&
           s->discharge_day >= s->admit_day && s->discharge_day >= from && s->discharge_day <= to;
}

/* Funnel limits for a mean (Spiegelhalter D. J., "Funnel plots for
 * comparing institutional performance", Statistics in Medicine 24(8),
 * 2005, section 2.3, normal outcome): a unit with n stays is compared with
 * the target theta (the mean LOS of every stay of its bed type, so a
 * stroke unit is not judged against palliative care) with limits
 * theta +/- z * sigma / sqrt(n), sigma the standard deviation of those
 * stays; z = STATS_Z95 (95%) and STATS_Z998 (99.8%). Outside 99.8% is
 * special-cause variation. */
int beds_los_compute(const beds_stay *stays, size_t nstays, size_t nunits,
                     const beds_type *unit_types, int64_t from_day, int64_t to_day, beds_los *out,
                     ics_err *e)
{
    memset(out, 0, nunits * sizeof *out);
    size_t *start = calloc(nunits + 1, sizeof *start);
    double *vals = malloc((nstays ? nstays : 1) * sizeof *vals);
    size_t *fill = calloc(nunits + 1, sizeof *fill);
    if (!start || !vals || !fill) {
        free(start);
        free(vals);
        free(fill);
        return ics_err_set(e, ICS_ENOMEM, "out of memory for %zu stays", nstays);
    }
    /* bucket LOS values by unit */
    for (size_t i = 0; i < nstays; i++)
        if (counted(&stays[i], nunits, from_day, to_day)) start[stays[i].unit + 1]++;
    for (size_t u = 0; u < nunits; u++) start[u + 1] += start[u];
    double tsum[BEDS_TYPE_COUNT] = {0}, tsq[BEDS_TYPE_COUNT] = {0};
    size_t tn[BEDS_TYPE_COUNT] = {0};
    for (size_t i = 0; i < nstays; i++) {
        const beds_stay *s = &stays[i];
        if (!counted(s, nunits, from_day, to_day)) continue;
        int64_t los = s->discharge_day - s->admit_day;
        beds_los *o = &out[s->unit];
        vals[start[s->unit] + fill[s->unit]++] = (double)los;
        o->hist[bin_of(los)]++;
        if (s->ready_day >= 0 && s->discharge_day > s->ready_day) {
            o->delayed_days += s->discharge_day - s->ready_day;
            o->ndelayed++;
        }
        beds_type t = unit_types[s->unit];
        if ((unsigned)t < BEDS_TYPE_COUNT) {
            tsum[t] += (double)los;
            tsq[t] += (double)los * (double)los;
            tn[t]++;
        }
    }
    for (size_t u = 0; u < nunits; u++) {
        beds_los *o = &out[u];
        double *v = vals + start[u];
        size_t n = start[u + 1] - start[u];
        o->n = n;
        beds_type t = unit_types[u];
        if ((unsigned)t < BEDS_TYPE_COUNT && tn[t] > 0) {
            o->target = tsum[t] / (double)tn[t];
            if (tn[t] > 1) {
                double var = (tsq[t] - (double)tn[t] * o->target * o->target) / (double)(tn[t] - 1);
                o->sd_type = var > 0 ? sqrt(var) : 0.0;
            }
        }
        if (n == 0) continue;
        stats_sort(v, n);
        double sum = 0, sq = 0;
        for (size_t k = 0; k < n; k++) {
            sum += v[k];
            sq += v[k] * v[k];
        }
        o->mean = sum / (double)n;
        o->sd = n > 1 ? sqrt(fmax(0.0, (sq - (double)n * o->mean * o->mean) / (double)(n - 1))) : 0;
        o->median = stats_quantile(v, n, 0.5, STATS_Q_TYPE7);
        o->p90 = stats_quantile(v, n, 0.9, STATS_Q_TYPE7);
        double se = o->sd_type / sqrt((double)n);
        o->lo95 = o->target - STATS_Z95 * se;
        o->hi95 = o->target + STATS_Z95 * se;
        o->lo998 = o->target - STATS_Z998 * se;
        o->hi998 = o->target + STATS_Z998 * se;
        if (se > 0) {
            o->z = (o->mean - o->target) / se;
            double az = fabs(o->z);
            o->flag = az > STATS_Z998 ? 2 : az > STATS_Z95 ? 1 : 0;
        }
    }
    free(start);
    free(vals);
    free(fill);
    return 0;
}

/* The forecast uses the empirical discharge hazard: an occupant who has
 * stayed d days leaves on day d + k with probability
 * P(LOS = d + k | LOS >= d) = count(LOS = d + k) / count(LOS >= d), from the
 * unit's own discharged stays, or its bed type's when the unit has fewer
 * than 20. Beyond the longest stay seen, a constant hazard 1 / mean LOS is
 * assumed (geometric remaining stay). A planned discharge date overrides:
 * that day (or today, when it has passed) with probability 1. Expected
 * counts add over occupants (linearity of expectation). */
#define MIN_OWN 20

typedef struct dist {
    size_t *cnt; /* cnt[l] stays with LOS l, l < len */
    size_t len, n;
    double mean;
} dist;

static int dist_add(dist *d, int64_t los)
{
    if ((size_t)los >= d->len) {
        size_t len = (size_t)los + 1 > d->len * 2 ? (size_t)los + 1 : d->len * 2;
        size_t *c = realloc(d->cnt, len * sizeof *c);
        if (!c) return -1;
        memset(c + d->len, 0, (len - d->len) * sizeof *c);
        d->cnt = c;
        d->len = len;
    }
    d->cnt[los]++;
    d->mean += ((double)los - d->mean) / (double)++d->n;
    return 0;
}

static void dist_predict(const dist *d, int64_t stayed, double *p)
{
    memset(p, 0, BEDS_FORECAST_DAYS * sizeof *p);
    if (d->n == 0) return;
    size_t at_risk = 0;
    for (size_t l = stayed > 0 ? (size_t)stayed : 0; l < d->len; l++) at_risk += d->cnt[l];
    if (at_risk == 0) {
        double h = 1.0 / fmax(1.0, d->mean), surv = 1.0;
        for (int k = 0; k < BEDS_FORECAST_DAYS; k++) {
            p[k] = surv * h;
            surv *= 1.0 - h;
        }
        return;
    }
    for (int k = 0; k < BEDS_FORECAST_DAYS; k++) {
        size_t l = (size_t)(stayed > 0 ? stayed : 0) + (size_t)k;
        if (l < d->len) p[k] = (double)d->cnt[l] / (double)at_risk;
    }
}

int beds_forecast(const beds_stay *stays, size_t nstays, size_t nunits, const beds_type *unit_types,
                  const int *free_now, int64_t today, double (*disch_out)[BEDS_FORECAST_DAYS],
                  double (*free_out)[BEDS_FORECAST_DAYS], ics_err *e)
{
    dist *ud = calloc(nunits ? nunits : 1, sizeof *ud);
    dist td[BEDS_TYPE_COUNT];
    memset(td, 0, sizeof td);
    int rc = 0;
    if (!ud) return ics_err_set(e, ICS_ENOMEM, "out of memory for the forecast");
    for (size_t i = 0; i < nstays; i++) {
        const beds_stay *s = &stays[i];
        if (s->unit < 0 || (size_t)s->unit >= nunits || s->discharge_day < s->admit_day) continue;
        int64_t los = s->discharge_day - s->admit_day;
        beds_type t = unit_types[s->unit];
        if (dist_add(&ud[s->unit], los) ||
            ((unsigned)t < BEDS_TYPE_COUNT && dist_add(&td[t], los))) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory for the forecast");
            goto done;
        }
    }
    for (size_t u = 0; u < nunits; u++)
        for (int k = 0; k < BEDS_FORECAST_DAYS; k++) disch_out[u][k] = 0;
    for (size_t i = 0; i < nstays; i++) {
        const beds_stay *s = &stays[i];
        if (s->unit < 0 || (size_t)s->unit >= nunits || s->discharge_day >= 0) continue;
        double p[BEDS_FORECAST_DAYS] = {0};
        if (s->expected_day >= 0) {
            int64_t k = s->expected_day - today;
            if (k < 0) k = 0;
            if (k < BEDS_FORECAST_DAYS) p[k] = 1.0;
        } else {
            beds_type t = unit_types[s->unit];
            const dist *d =
                ud[s->unit].n >= MIN_OWN || (unsigned)t >= BEDS_TYPE_COUNT ? &ud[s->unit] : &td[t];
            dist_predict(d, today - s->admit_day, p);
        }
        for (int k = 0; k < BEDS_FORECAST_DAYS; k++) disch_out[s->unit][k] += p[k];
    }
    for (size_t u = 0; u < nunits; u++) {
        double acc = free_now ? free_now[u] : 0;
        for (int k = 0; k < BEDS_FORECAST_DAYS; k++) {
            acc += disch_out[u][k];
            if (free_out) free_out[u][k] = acc;
        }
    }
done:
    for (size_t u = 0; u < nunits; u++) free(ud[u].cnt);
    for (int t = 0; t < BEDS_TYPE_COUNT; t++) free(td[t].cnt);
    free(ud);
    return rc;
}

void beds_occupancy_days(const beds_stay *stays, size_t nstays, size_t nunits, int64_t from_day,
                         int ndays, int *out)
{
    memset(out, 0, nunits * (size_t)ndays * sizeof *out);
    int64_t to = from_day + ndays; /* exclusive */
    for (size_t i = 0; i < nstays; i++) {
        const beds_stay *s = &stays[i];
        if (s->unit < 0 || (size_t)s->unit >= nunits) continue;
        int64_t a = s->admit_day > from_day ? s->admit_day : from_day;
        int64_t z = s->discharge_day >= 0 && s->discharge_day < to ? s->discharge_day : to;
        for (int64_t d = a; d < z; d++)
            out[(size_t)s->unit * (size_t)ndays + (size_t)(d - from_day)]++;
    }
}
