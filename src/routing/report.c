/* report.c - the two reports: the 2-hour urgent community response standard
 * (share of referrals attended within 120 minutes, by service, place and ICS)
 * and the harmonisation report (which services cover which capability in
 * which place and hour, the gaps, and where places' offers differ). */
#include "routing/routing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sb.h"
#include "core/stats.h"

typedef struct delay {
    int group, minutes;
} delay;

static int delay_cmp(const void *a, const void *b)
{
    const delay *x = a, *y = b;
    if (x->group != y->group) return x->group - y->group;
    return x->minutes - y->minutes;
}

static route_ucr_row *row_of(route_ucr_report *r, int g)
{
    if (g < r->nservices) return &r->by_service[g];
    if (g < r->nservices + r->nplaces) return &r->by_place[g - r->nservices];
    return &r->ics;
}

/*
 * The measure follows the national UCR key performance indicator: of the
 * 2-hour referrals received in the period where care was delivered, the share
 * whose first care contact was within 2 hours of the referral. Declined and
 * cancelled referrals are out of scope (counted, not in the denominator);
 * referrals still open are counted, and those already past 2 hours at `asof`
 * are shown as open breaches because they will fail when attended.
 * The interval is Wilson's score interval at 95% (core/stats.h); the
 * median delay is the type 7 median (core/stats.h), which for a sample is
 * its middle value or the mean of the middle two.
 */
int routing_ucr_report(const route_ref *refs, int nrefs, int nservices, int nplaces, int64_t from,
                       int64_t to, int standard, int64_t asof, route_ucr_report *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    if (to <= from)
        return ics_err_set(e, ICS_EINVAL, "the period is empty: 'to' is not after 'from'");
    if (standard <= 0) standard = ROUTE_UCR_STANDARD;
    out->nservices = nservices;
    out->nplaces = nplaces;
    out->by_service = calloc((size_t)nservices + 1, sizeof *out->by_service);
    out->by_place = calloc((size_t)nplaces + 1, sizeof *out->by_place);
    delay *dl = malloc(((size_t)nrefs * 3 + 1) * sizeof *dl);
    double *mins = malloc(((size_t)nrefs + 1) * sizeof *mins);
    if (!out->by_service || !out->by_place || !dl || !mins) {
        free(dl);
        free(mins);
        routing_ucr_report_free(out);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    int nd = 0, ics = nservices + nplaces;
    for (int i = 0; i < nrefs; i++) {
        const route_ref *f = &refs[i];
        if (f->sent_at < from || f->sent_at >= to) continue;
        int groups[3], ng = 0;
        if (f->service >= 0 && f->service < nservices) groups[ng++] = f->service;
        if (f->place >= 0 && f->place < nplaces) groups[ng++] = nservices + f->place;
        groups[ng++] = ics;
        int minutes = f->state == REF_ATTENDED ? (int)((f->attended_at - f->sent_at) / 60) : -1;
        for (int k = 0; k < ng; k++) {
            route_ucr_row *r = row_of(out, groups[k]);
            r->referrals++;
            switch (f->state) {
            case REF_ATTENDED:
                r->attended++;
                if (f->attended_at - f->sent_at <= (int64_t)standard * 60) r->within++;
                dl[nd++] = (delay){groups[k], minutes};
                break;
            case REF_DECLINED:
                r->declined++;
                break;
            case REF_CANCELLED:
                r->cancelled++;
                break;
            default:
                r->open++;
                if (asof - f->sent_at > (int64_t)standard * 60) r->open_breached++;
            }
        }
    }
    qsort(dl, (size_t)nd, sizeof *dl, delay_cmp);
    for (int g = 0, i = 0; g <= ics; g++) {
        route_ucr_row *r = row_of(out, g);
        int j = i;
        while (j < nd && dl[j].group == g) j++;
        int m = j - i;
        for (int k = 0; k < m; k++) mins[k] = dl[i + k].minutes; /* sorted by delay_cmp */
        r->median_minutes = m == 0 ? -1 : stats_quantile(mins, (size_t)m, 0.5, STATS_Q_TYPE7);
        i = j;
        r->share = r->attended ? (double)r->within / r->attended : -1;
        if (stats_wilson(r->within, r->attended, STATS_Z95, &r->lo, &r->hi)) r->lo = r->hi = -1;
        r->meets = r->attended && r->share >= ROUTE_UCR_AMBITION;
    }
    free(dl);
    free(mins);
    return 0;
}

void routing_ucr_report_free(route_ucr_report *r)
{
    if (!r) return;
    free(r->by_service);
    free(r->by_place);
    r->by_service = r->by_place = NULL;
}

/* ---- harmonisation ----------------------------------------------------- */

static int serves_place(const route_service *s, const char *place)
{
    for (int i = 0; i < s->nplaces; i++)
        if (strcmp(s->places[i], place) == 0) return 1;
    return 0;
}

/* Opening hours with consecutive days that share hours grouped:
 * "Mon-Sun 08:00-20:00; BH 09:00-17:00" (easier to compare than one clause
 * a day). */
static void hours_compact(const dir_hours *h, sb *b)
{
    static const char *const dn[8] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "BH"};
    char day[8][96];
    for (int k = 0; k < 8; k++) {
        int len = 0;
        day[k][0] = '\0';
        if (h->n[k] == 0) snprintf(day[k], sizeof day[k], "closed");
        for (int i = 0; i < h->n[k]; i++)
            len += snprintf(day[k] + len, sizeof day[k] - (size_t)len, "%s%02d:%02d-%02d:%02d",
                            i ? " " : "", h->iv[k][i].open / 60, h->iv[k][i].open % 60,
                            h->iv[k][i].close / 60, h->iv[k][i].close % 60);
    }
    for (int k = 0; k < 7;) {
        int j = k;
        while (j + 1 < 7 && strcmp(day[j + 1], day[k]) == 0) j++;
        sb_printf(b, "%s%s%s%s %s", k ? "; " : "", dn[k], j > k ? "-" : "", j > k ? dn[j] : "",
                  day[k]);
        k = j + 1;
    }
    if (h->bh_set) sb_printf(b, "; BH %s", day[7]);
}

/* The text of one compared field of a service. */
static void field_value(const route_service *s, int f, char *buf, size_t n)
{
    sb b;
    sb_init(&b);
    switch (f) {
    case 0:
        hours_compact(&s->hours, &b);
        break;
    case 1: {
        char caps[400];
        routing_caps_format(s->caps, " ", caps, sizeof caps);
        sb_puts(&b, caps);
        break;
    }
    case 2:
        sb_printf(&b, "%d", s->min_age);
        break;
    case 3:
        sb_printf(&b, "%d", s->max_age);
        break;
    case 4:
        sb_printf(&b, "%d", s->response_minutes);
        break;
    default:
        for (int i = 0; i < s->nexclusions; i++)
            sb_printf(&b, "%s%s", i ? " " : "", s->exclusions[i]);
    }
    snprintf(buf, n, "%s", b.buf ? b.buf : "");
    if (f == 2 && s->min_age < 0) snprintf(buf, n, "none");
    if (f == 3 && s->max_age < 0) snprintf(buf, n, "none");
    if (f == 5 && s->nexclusions == 0) snprintf(buf, n, "none");
    sb_free(&b);
}

static const char *const fields[] = {"hours",   "capabilities",     "min_age",
                                     "max_age", "response_minutes", "exclusions"};

static int add_diff(route_harm_report *r, int *cap, int place, int service, const char *field,
                    const char *value, const char *common)
{
    if (r->ndiffs == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        route_harm_diff *nd = realloc(r->diffs, (size_t)*cap * sizeof *nd);
        if (!nd) return ICS_ENOMEM;
        r->diffs = nd;
    }
    route_harm_diff *d = &r->diffs[r->ndiffs++];
    d->place = place;
    d->service = service;
    snprintf(d->field, sizeof d->field, "%s", field);
    snprintf(d->value, sizeof d->value, "%s", value);
    snprintf(d->common, sizeof d->common, "%s", common);
    return 0;
}

int routing_harm_report(const route_service *svc, int n, const char (*places)[ROUTE_CODE],
                        int nplaces, const char *kind, route_harm_report *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    int ncaps = 0;
    while (directory_capabilities[ncaps]) ncaps++;
    if (!kind) kind = "ucr";
    out->ncaps = ncaps;
    out->nplaces = nplaces;
    out->cells = calloc((size_t)ncaps * (size_t)nplaces + 1, sizeof *out->cells);
    if (!out->cells) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (int c = 0; c < ncaps; c++)
        for (int p = 0; p < nplaces; p++) {
            out->cells[c * nplaces + p].cap = c;
            out->cells[c * nplaces + p].place = p;
        }
    /* coverage: services listing a place as a whole; a district-only
     * catchment does not cover a whole place and is not counted */
    for (int i = 0; i < n; i++) {
        if (!svc[i].active) continue;
        unsigned char week[8][24];
        routing_hours_week(&svc[i].hours, week);
        for (int p = 0; p < nplaces; p++) {
            if (!serves_place(&svc[i], places[p])) continue;
            for (int c = 0; c < ncaps; c++) {
                if (!(svc[i].caps & (1u << c))) continue;
                route_harm_cell *cell = &out->cells[c * nplaces + p];
                if (cell->nservices < 16) cell->services[cell->nservices] = i;
                cell->nservices++;
                for (int k = 0; k < 8; k++)
                    for (int h = 0; h < 24; h++) cell->cover[k][h] += week[k][h];
            }
        }
    }
    for (int c = 0; c < ncaps * nplaces; c++) {
        route_harm_cell *cell = &out->cells[c];
        if (cell->nservices > 16) cell->nservices = 16;
        for (int k = 0; k < 7; k++)
            for (int h = 0; h < 24; h++) cell->week_hours += cell->cover[k][h] > 0;
        for (int h = 0; h < 24; h++) cell->bh_hours += cell->cover[DIR_BH][h] > 0;
    }

    /* differences: the service of `kind` serving each place (first by id),
     * each field compared with the most common value across places */
    int *pick = malloc(((size_t)nplaces + 1) * sizeof *pick);
    if (!pick) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (int p = 0; p < nplaces; p++) {
        pick[p] = -1;
        for (int i = 0; i < n; i++)
            if (svc[i].active && strcmp(svc[i].kind, kind) == 0 &&
                serves_place(&svc[i], places[p]) &&
                (pick[p] < 0 || strcmp(svc[i].id, svc[pick[p]].id) < 0))
                pick[p] = i;
    }
    int dcap = 0, rc = 0;
    char(*vals)[160] = malloc(((size_t)nplaces + 1) * sizeof *vals);
    if (!vals) {
        free(pick);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    for (int p = 0; p < nplaces && rc == 0; p++)
        if (pick[p] < 0) rc = add_diff(out, &dcap, p, -1, "service", "none", kind);
    for (int f = 0; f < 6 && rc == 0; f++) {
        for (int p = 0; p < nplaces; p++)
            if (pick[p] >= 0) field_value(&svc[pick[p]], f, vals[p], sizeof vals[p]);
        /* mode; ties go to the value seen first in place order */
        int best = -1, bestc = 0;
        for (int p = 0; p < nplaces; p++) {
            if (pick[p] < 0) continue;
            int cnt = 0;
            for (int q = 0; q < nplaces; q++)
                if (pick[q] >= 0 && strcmp(vals[p], vals[q]) == 0) cnt++;
            if (cnt > bestc) best = p, bestc = cnt;
        }
        if (best < 0) break;
        for (int p = 0; p < nplaces && rc == 0; p++)
            if (pick[p] >= 0 && strcmp(vals[p], vals[best]) != 0)
                rc = add_diff(out, &dcap, p, pick[p], fields[f], vals[p], vals[best]);
    }
    free(vals);
    free(pick);
    if (rc) {
        routing_harm_report_free(out);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    return 0;
}

void routing_harm_report_free(route_harm_report *r)
{
    if (!r) return;
    free(r->cells);
    free(r->diffs);
    r->cells = NULL;
    r->diffs = NULL;
    r->ndiffs = 0;
}
