/* generate.c - a deterministic synthetic history for the bed bureau: a
 * year (or any number of days) of referrals, offers, admissions, stays and
 * discharges on a given set of beds, so length-of-stay figures and the
 * board are meaningful in a demonstration. Everything here is SYNTHETIC.
 *
 * Model: referrals of each bed type arrive as a Poisson process sized so
 * that mean occupancy is near the target (rate = occupancy * beds / mean
 * LOS); each morning at 10:00 the waiting queue, most urgent then longest
 * waiting first, takes the cheapest suitable bed under the pooled policy;
 * LOS is lognormal by bed type, scaled by a per-unit factor (0.8 to
 * 1.25, so units differ as real ones do and the funnel has something to
 * find); about a third of stays end with
 * delayed-discharge days; a few referrals are cancelled or declined. The
 * run starts 60 days before the window so the units are full when it
 * opens. On the last morning placements become offers (beds reserved). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "beds/beds.h"
#include "core/rng.h"
#include "core/synth.h"
#include "core/valid.h"

#define WARMUP 60

static const double mean_los[BEDS_TYPE_COUNT] = {24, 35, 40, 14, 18};

typedef struct aux {
    int64_t plan_dis; /* planned discharge day */
    int64_t fate_day; /* day a cancel/decline happens while still waiting, -1 none */
    int fate;         /* BEDS_REF_CANCELLED or BEDS_REF_DECLINED */
} aux;

typedef struct gen {
    beds_history *h;
    aux *ax;
    size_t cap;
    rng r;
} gen;

static int push(gen *g)
{
    if (g->h->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 1024;
        beds_episode *e = realloc(g->h->eps, cap * sizeof *e);
        if (!e) return -1;
        g->h->eps = e;
        aux *a = realloc(g->ax, cap * sizeof *a);
        if (!a) return -1;
        g->ax = a;
        g->cap = cap;
    }
    return (int)g->h->n++;
}

static const char *destination(rng *r, beds_type t)
{
    double x = rng_uniform(r);
    if (t == BEDS_TYPE_PALLIATIVE)
        return x < 0.55 ? "died" : x < 0.75 ? "home" : x < 0.85 ? "home_with_support" : "care_home";
    return x < 0.45   ? "home"
           : x < 0.80 ? "home_with_support"
           : x < 0.90 ? "care_home"
           : x < 0.97 ? "acute_readmission"
                      : "died";
}

static void new_referral(gen *g, beds_episode *ep, aux *ax, beds_type t, int64_t day,
                         const beds_district *d, size_t nd)
{
    rng *r = &g->r;
    memset(ep, 0, sizeof *ep);
    const beds_district *home = &d[rng_below(r, nd)];
    beds_referral *f = &ep->ref;
    synth_nhs_number(r, f->nhs);
    int lo = t == BEDS_TYPE_DEMENTIA                              ? 70
             : t == BEDS_TYPE_PALLIATIVE || t == BEDS_TYPE_STROKE ? 45
                                                                  : 60;
    f->age = lo + (int)rng_below(r, (uint64_t)(99 - lo));
    f->sex = rng_uniform(r) < 0.56 ? 'F' : 'M';
    f->has_home = 1;
    f->lat = home->lat;
    f->lon = home->lon;
    memcpy(f->place, home->place, sizeof f->place);
    memcpy(ep->district, home->code, sizeof ep->district);
    f->type = t;
    double p = rng_uniform(r);
    f->priority = p < 0.15 ? 1 : p < 0.5 ? 2 : 3;
    f->referred_at = day * 86400 + 8 * 3600 + (int64_t)rng_below(r, 10 * 3600);
    f->earliest_at = f->referred_at + (rng_uniform(r) < 0.3 ? 86400 : 0);
    ep->state = BEDS_REF_WAITING;
    ep->bed = -1;
    ep->ready_day = -1;
    ax->fate_day = -1;
    double x = rng_uniform(r);
    if (x < 0.07) {
        ax->fate = x < 0.04 ? BEDS_REF_CANCELLED : BEDS_REF_DECLINED;
        ax->fate_day = day + 1 + (int64_t)rng_below(r, 4);
    }
}

static int cmp_wait(const void *a, const void *b, void *ctx)
{
    const beds_episode *eps = ctx;
    const beds_referral *x = &eps[*(const int *)a].ref, *y = &eps[*(const int *)b].ref;
    if (x->priority != y->priority) return x->priority - y->priority;
    if (x->referred_at != y->referred_at) return x->referred_at < y->referred_at ? -1 : 1;
    return (int)(x->id - y->id);
}

void beds_history_free(beds_history *h)
{
    if (!h) return;
    free(h->eps);
    free(h->beds);
    free(h->confirmed_at);
    free(h);
}

int beds_history_generate(const beds_unit *units, size_t nunits, const beds_bed *beds, size_t nbeds,
                          const beds_district *d, size_t nd, const beds_gen_opts *o,
                          beds_history **out, ics_err *e)
{
    *out = NULL;
    if (nunits == 0 || nbeds == 0 || nd == 0 || o->ndays <= 0)
        return ics_err_set(e, ICS_EINVAL,
                           "history needs units, beds, postcode districts and days (got %zu, "
                           "%zu, %zu, %d)",
                           nunits, nbeds, nd, o->ndays);
    int rc = ICS_ENOMEM;
    gen g = {0};
    rng_seed(&g.r, o->seed, 4);
    beds_history *h = calloc(1, sizeof *h);
    int *waiting = NULL, *occ = NULL;
    double *los_factor = NULL;
    beds_unit_count *counts = NULL;
    if (!h) goto fail;
    g.h = h;
    h->beds = malloc(nbeds * sizeof *h->beds);
    h->confirmed_at = calloc(nunits, sizeof *h->confirmed_at);
    size_t wcap = nbeds + 64, nw = 0;
    waiting = malloc(wcap * sizeof *waiting);
    occ = malloc(nbeds * sizeof *occ);
    counts = calloc(nunits, sizeof *counts);
    if (!h->beds || !h->confirmed_at || !waiting || !occ || !counts) goto fail;
    memcpy(h->beds, beds, nbeds * sizeof *beds);
    h->nbeds = nbeds;
    double type_beds[BEDS_TYPE_COUNT] = {0};
    los_factor = malloc(nunits * sizeof *los_factor);
    if (!los_factor) goto fail;
    for (size_t u = 0; u < nunits; u++) los_factor[u] = 0.8 + 0.45 * rng_uniform(&g.r);
    for (size_t i = 0; i < nbeds; i++) {
        h->beds[i].status = BEDS_AVAILABLE;
        h->beds[i].closure = BEDS_CLOSE_NONE;
        occ[i] = -1;
        if (beds[i].unit >= 0 && (size_t)beds[i].unit < nunits)
            type_beds[units[beds[i].unit].type] += 1;
    }
    beds_board board = {units, nunits, h->beds, nbeds};
    int64_t start = o->end_day - o->ndays, end = o->end_day;
    beds_match_opts mo;
    beds_match_opts_default(&mo, 0);
    mo.stale_after = 0;

    for (int64_t day = start - WARMUP; day <= end; day++) {
        int last = day == end;
        /* discharges (late morning onwards) */
        for (size_t b = 0; b < nbeds && !last; b++) {
            int k = occ[b];
            if (k < 0 || h->eps[k].state != BEDS_REF_ADMITTED || g.ax[k].plan_dis != day) continue;
            beds_episode *ep = &h->eps[k];
            ep->state = BEDS_REF_DISCHARGED;
            ep->discharged_at = day * 86400 + 11 * 3600 + (int64_t)rng_below(&g.r, 5 * 3600);
            ep->destination = destination(&g.r, ep->ref.type);
            h->beds[b].status = BEDS_AVAILABLE;
            occ[b] = -1;
        }
        /* the day's referrals */
        for (int t = 0; t < BEDS_TYPE_COUNT && !last; t++) {
            double lambda = o->occupancy * type_beds[t] / mean_los[t];
            unsigned k = lambda > 0 ? rng_poisson(&g.r, lambda) : 0;
            for (unsigned i = 0; i < k; i++) {
                int at = push(&g);
                if (at < 0) goto fail;
                if (nw == wcap) {
                    int *grown = realloc(waiting, (wcap *= 2) * sizeof *grown);
                    if (!grown) goto fail;
                    waiting = grown;
                }
                new_referral(&g, &h->eps[at], &g.ax[at], (beds_type)t, day, d, nd);
                h->eps[at].ref.id = at + 1;
                waiting[nw++] = at;
            }
        }
        /* cancellations and declines of referrals still waiting */
        size_t keep = 0;
        for (size_t i = 0; i < nw; i++) {
            beds_episode *ep = &h->eps[waiting[i]];
            aux *ax = &g.ax[waiting[i]];
            if (!last && ax->fate_day == day) {
                ep->state = (beds_ref_state)ax->fate;
                ep->reason = ax->fate == BEDS_REF_CANCELLED ? "patient's needs changed in hospital"
                                                            : "patient declined the placement";
                continue;
            }
            waiting[keep++] = waiting[i];
        }
        nw = keep;
        /* the last morning: some free beds are closed (staffing, infection
         * control, maintenance) before the queue is placed */
        if (last) {
            long target = lround(o->closed_share * (double)nbeds), closed = 0;
            size_t off = (size_t)rng_below(&g.r, nbeds);
            for (size_t k = 0; k < nbeds && closed < target; k++) {
                beds_bed *bd = &h->beds[(off + k * 7919) % nbeds];
                if (bd->status != BEDS_AVAILABLE) continue;
                double x = rng_uniform(&g.r);
                bd->status = BEDS_CLOSED;
                bd->closure = x < 0.5   ? BEDS_CLOSE_STAFFING
                              : x < 0.8 ? BEDS_CLOSE_INFECTION
                                        : BEDS_CLOSE_MAINTENANCE;
                closed++;
            }
        }
        /* 10:00: place the queue, most urgent then longest waiting first */
        mo.now = day * 86400 + 10 * 3600;
        qsort_r(waiting, nw, sizeof *waiting, cmp_wait, h->eps);
        beds_board_count(&board, mo.now, 0, counts);
        keep = 0;
        for (size_t i = 0; i < nw; i++) {
            int k = waiting[i];
            beds_episode *ep = &h->eps[k];
            long best = -1;
            int64_t bestc = 0;
            if (beds_referral_ready(&ep->ref, mo.now)) {
                for (size_t b = 0; b < nbeds; b++) {
                    int64_t c = beds_option_cost(&board, counts, &ep->ref, (int)b, &mo, NULL);
                    if (c >= 0 && (best < 0 || c < bestc)) {
                        best = (long)b;
                        bestc = c;
                    }
                }
            }
            if (best < 0) {
                waiting[keep++] = k;
                continue;
            }
            ep->bed = (int)best;
            occ[best] = k;
            if (last) {
                ep->state = (k & 1) ? BEDS_REF_ACCEPTED : BEDS_REF_OFFERED;
                h->beds[best].status = BEDS_RESERVED;
                continue;
            }
            ep->state = BEDS_REF_ADMITTED;
            h->beds[best].status = BEDS_OCCUPIED;
            ep->admitted_at = day * 86400 + 13 * 3600 + (int64_t)rng_below(&g.r, 4 * 3600);
            double m = mean_los[ep->ref.type] * los_factor[h->beds[best].unit];
            int64_t los = llround(rng_lognormal(&g.r, m, 0.7 * m));
            if (los < 1) los = 1;
            g.ax[k].plan_dis = day + los;
            if (rng_uniform(&g.r) < 0.35 && los > 2) {
                int64_t delay = 1 + (int64_t)rng_poisson(&g.r, 4.0);
                if (delay > los - 1) delay = los - 1;
                ep->ready_day = day + los - delay;
            }
        }
        nw = keep;
    }

    /* now = end day 10:00: clear what has not happened yet, drop the warm-up */
    int64_t now = end * 86400 + 10 * 3600;
    size_t kept = 0;
    for (size_t i = 0; i < h->n; i++) {
        beds_episode *ep = &h->eps[i];
        if (ep->state == BEDS_REF_ADMITTED && ep->ready_day >= end) ep->ready_day = -1;
        int64_t dis_day = ep->discharged_at ? ep->discharged_at / 86400 : -1;
        int in_window = ep->ref.referred_at >= start * 86400 ||
                        (ep->admitted_at && (dis_day < 0 || dis_day >= start)) ||
                        ep->state == BEDS_REF_OFFERED || ep->state == BEDS_REF_ACCEPTED;
        if (!in_window) continue;
        h->eps[kept] = *ep;
        h->eps[kept].ref.id = (int64_t)kept + 1;
        kept++;
    }
    h->n = kept;
    /* each unit's last confirmation */
    for (size_t u = 0; u < nunits; u++)
        h->confirmed_at[u] = now - (int64_t)rng_below(&g.r, 36 * 3600);
    *out = h;
    h = NULL;
    rc = 0;
    goto done;
fail:
    rc = ics_err_set(e, ICS_ENOMEM, "out of memory generating the bed history");
done:
    beds_history_free(h);
    free(g.ax);
    free(waiting);
    free(occ);
    free(counts);
    free(los_factor);
    return rc;
}
