/* hours.c - opening hours as real instants: is a service open at a given
 * moment, until when, and when does it next open; and which whole hours of
 * an ordinary week it covers (for the harmonisation report). */
#include "routing/routing.h"

#include <stdlib.h>
#include <string.h>

#include "core/tz.h"

static int is_bank_holiday(const int64_t *bh, int nbh, int64_t day)
{
    int lo = 0, hi = nbh - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (bh[mid] == day) return 1;
        if (bh[mid] < day)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return 0;
}

/* The day kind whose hours apply on a local day: its bank-holiday hours when
 * it is a bank holiday and the service states them, else its weekday's. */
static int day_kind(const dir_hours *h, const int64_t *bh, int nbh, int64_t day)
{
    if (h->bh_set && is_bank_holiday(bh, nbh, day)) return DIR_BH;
    return tz_weekday(day);
}

/* The year's BST change instants (01:00 UTC on the last Sundays of March
 * and October), so wall-clock times convert with arithmetic alone. */
typedef struct bst_year {
    int64_t start, end;
} bst_year;

static int64_t last_sunday(int y, int m)
{
    int64_t d = tz_days_from_civil(y, m, 31);
    return d - (tz_weekday(d) + 1) % 7;
}

static bst_year bst_of(int y)
{
    bst_year b = {last_sunday(y, 3) * 86400 + 3600, last_sunday(y, 10) * 86400 + 3600};
    return b;
}

/* A London wall-clock time (day number, minutes after midnight, possibly
 * >= 1440 for the next day) to an instant, with the same rules as
 * tz_local_to_utc. A time inside the spring gap (01:00-01:59 on the day the
 * clocks go forward) does not exist; it maps to the moment the gap ends,
 * 02:00 BST (01:00 UTC), which is when a service "opening at 01:30" can
 * first be open. In the autumn overlap the first (BST) reading is used.
 * The window scanned is ten days, so one year's change instants serve it
 * (no change falls near New Year). */
static int64_t wall_to_utc(const bst_year *b, int64_t day, int minutes)
{
    int64_t w = day * 86400 + (int64_t)minutes * 60; /* wall clock read as if UTC */
    if (w < b->start) return w;
    if (w < b->start + 3600) return b->start; /* spring gap */
    if (w < b->end + 3600) return w - 3600;   /* BST */
    return w;
}

typedef struct span {
    int64_t s, e;
} span;

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

/*
 * Opening hours are written in wall-clock time per day kind; a moment is an
 * instant. The difficulty is the seam between them:
 *
 *  - An interval whose close is not after its open (20:00-08:00) belongs to
 *    the day it opens on and ends on the next day. So at 03:00 on Tuesday
 *    the service is open because of *Monday's* interval, and if Monday was a
 *    bank holiday with different hours, the bank-holiday interval is the one
 *    that runs into Tuesday morning.
 *  - Each endpoint is converted to an instant on its own calendar day, so on
 *    the night the clocks go forward 20:00 GMT -> 08:00 BST lasts 11 hours,
 *    and on the night they go back it lasts 13. (Adding "12 hours" to the
 *    opening instant would be wrong twice a year.)
 *
 * We therefore materialise the intervals of the local days from the day
 * before t to a week after it as instants, sort them, and ask whether t falls
 * in one; the end of the opening is found by merging intervals that touch or
 * overlap (a 24/7 service is Monday 00:00-24:00 followed by Tuesday
 * 00:00-24:00 ...), so "open until" is the end of the continuous opening.
 * This is the same day-before look-back the DoS documentation warns about:
 * forgetting it is the classic midnight bug.
 */
#define SCAN_DAYS 9 /* yesterday, today and seven days ahead */

int routing_hours_open(const dir_hours *h, const int64_t *bh, int nbh, int64_t t, int64_t *until,
                       int64_t *next)
{
    tz_local l;
    tz_to_local(t, &l);
    bst_year by = bst_of(l.year);
    span sp[SCAN_DAYS * DIR_MAX_IV];
    int n = 0;
    for (int k = 0; k < SCAN_DAYS; k++) {
        int64_t day = l.date - 1 + k;
        int kind = day_kind(h, bh, nbh, day);
        for (int i = 0; i < h->n[kind]; i++) {
            int o = h->iv[kind][i].open, c = h->iv[kind][i].close;
            if (c <= o) c += 1440;
            sp[n].s = wall_to_utc(&by, day, o);
            sp[n].e = wall_to_utc(&by, day, c);
            if (sp[n].e > sp[n].s) n++;
        }
    }
    qsort(sp, (size_t)n, sizeof *sp, span_cmp);
    int64_t horizon = wall_to_utc(&by, l.date - 1 + SCAN_DAYS, 0);
    int64_t end = 0;
    for (int i = 0; i < n; i++)
        if (sp[i].s <= t && t < sp[i].e && sp[i].e > end) end = sp[i].e;
    if (end) {
        /* spans are sorted by start: one pass merges everything touching */
        for (int i = 0; i < n; i++)
            if (sp[i].s <= end && sp[i].e > end) end = sp[i].e;
        if (until) *until = end >= horizon ? 0 : end;
        if (next) *next = 0;
        return 1;
    }
    if (until) *until = 0;
    if (next) {
        *next = 0;
        for (int i = 0; i < n; i++)
            if (sp[i].s > t) {
                *next = sp[i].s;
                break;
            }
    }
    return 0;
}

static void mark(unsigned char *open, int from, int to)
{
    for (int m = from; m < to && m < 1440; m++) open[m] = 1;
}

void routing_hours_week(const dir_hours *h, unsigned char cover[8][24])
{
    for (int k = 0; k < 8; k++) {
        /* a bank holiday without its own hours keeps its weekday's: Monday's,
         * as most England and Wales bank holidays are Mondays */
        int kind = (k == DIR_BH && !h->bh_set) ? 0 : k;
        int prev = (k == 0 || k == DIR_BH) ? 6 : k - 1;
        unsigned char open[1440];
        memset(open, 0, sizeof open);
        for (int i = 0; i < h->n[kind]; i++) {
            int o = h->iv[kind][i].open, c = h->iv[kind][i].close;
            mark(open, o, c > o ? c : 1440);
        }
        for (int i = 0; i < h->n[prev]; i++) {
            int o = h->iv[prev][i].open, c = h->iv[prev][i].close;
            if (c <= o) mark(open, 0, c);
        }
        for (int hr = 0; hr < 24; hr++) {
            int all = 1;
            for (int m = hr * 60; m < hr * 60 + 60 && all; m++) all = open[m];
            cover[k][hr] = (unsigned char)all;
        }
    }
}
