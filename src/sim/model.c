/* model.c - one replication of the bed model: patients arrive per place,
 * take a free bed in an eligible unit (nearest first) or wait, and leave
 * after their length of stay; waits and occupancy are measured after the
 * warm-up. Also scenario checks and helpers shared by the runner. */
#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/select.h"
#include "core/rng.h"
#include "sim/draw.h"
#include "sim/sim.h"

const char *const sim_metric_names[SIM_NMETRICS] = {"occupancy",     "mean_wait",   "p_wait",
                                                    "p_over_target", "wait_p95",    "mean_queue",
                                                    "max_queue",     "over_target", "patients"};

/* ---- scenario helpers ---------------------------------------------------- */

static const sim_los *los_of(const sim_scenario *sc, const sim_los *l)
{
    return (!l || l->kind == SIM_LOS_INHERIT) ? &sc->los : l;
}

double sim_los_mean(const sim_scenario *sc, const sim_los *l)
{
    l = los_of(sc, l);
    if (l->kind != SIM_LOS_EMPIRICAL) return l->mean;
    double s = 0;
    for (int i = 0; i < l->nvalues; i++) s += l->values[i];
    return l->nvalues ? s / l->nvalues : 0;
}

double sim_scenario_load(const sim_scenario *sc)
{
    double a = 0;
    if (sc->nreplay > 0) {
        double end = sc->warmup_days + sc->run_days;
        for (int i = 0; i < sc->nreplay; i++) {
            const sim_arrival *v = &sc->replay[i];
            if (v->day < 0 || v->day >= end) continue;
            a += v->los >= 0 ? v->los : sim_los_mean(sc, &sc->places[v->place].los);
        }
        return end > 0 ? a / end : 0;
    }
    for (int i = 0; i < sc->nplaces; i++)
        a += sc->places[i].arrivals_per_day * sim_los_mean(sc, &sc->places[i].los);
    return a;
}

int sim_scenario_beds(const sim_scenario *sc)
{
    int n = 0;
    for (int u = 0; u < sc->nunits; u++) n += sc->units[u].beds;
    return n;
}

void sim_scenario_scale(sim_scenario *sc, int total, const double *w)
{
    double wt[SIM_MAX_UNITS], sum = 0, rem[SIM_MAX_UNITS];
    for (int u = 0; u < sc->nunits; u++) sum += wt[u] = w ? w[u] : sc->units[u].beds;
    int given = 0;
    for (int u = 0; u < sc->nunits; u++) {
        double share = sum > 0 ? wt[u] * total / sum : (double)total / sc->nunits;
        sc->units[u].beds = (int)floor(share);
        rem[u] = share - sc->units[u].beds;
        given += sc->units[u].beds;
    }
    /* hand out what is left to the largest remainders, lowest index first */
    while (given < total) {
        int best = 0;
        for (int u = 1; u < sc->nunits; u++)
            if (rem[u] > rem[best]) best = u;
        sc->units[best].beds++;
        rem[best] = -1;
        given++;
    }
}

void sim_unit_loads(const sim_scenario *sc, double *w)
{
    double load[SIM_MAX_PLACES] = {0};
    if (sc->nreplay > 0) {
        double end = sc->warmup_days + sc->run_days;
        for (int k = 0; k < sc->nreplay; k++) {
            const sim_arrival *v = &sc->replay[k];
            if (v->day < end)
                load[v->place] +=
                    v->los >= 0 ? v->los : sim_los_mean(sc, &sc->places[v->place].los);
        }
        for (int i = 0; i < sc->nplaces; i++) load[i] /= end > 0 ? end : 1;
    } else {
        for (int i = 0; i < sc->nplaces; i++)
            load[i] = sc->places[i].arrivals_per_day * sim_los_mean(sc, &sc->places[i].los);
    }
    for (int u = 0; u < sc->nunits; u++) w[u] = 0;
    for (int i = 0; i < sc->nplaces; i++) {
        double beds = 0;
        int n = 0, any = 0;
        for (int u = 0; u < sc->nunits; u++)
            if (sc->units[u].places >> i & 1) any = 1;
        for (int u = 0; u < sc->nunits; u++)
            if (!any || sc->units[u].places >> i & 1) {
                beds += sc->units[u].beds;
                n++;
            }
        for (int u = 0; u < sc->nunits; u++)
            if (!any || sc->units[u].places >> i & 1)
                w[u] += load[i] * (beds > 0 ? sc->units[u].beds / beds : 1.0 / n);
    }
}

static void check_los(const sim_los *l, const char *who, sb *m)
{
    switch (l->kind) {
    case SIM_LOS_INHERIT:
        break;
    case SIM_LOS_EXPONENTIAL:
        if (!(l->mean > 0)) sb_printf(m, "; %s: LOS mean must be > 0", who);
        break;
    case SIM_LOS_LOGNORMAL:
        if (!(l->mean > 0)) sb_printf(m, "; %s: LOS mean must be > 0", who);
        if (!(l->sd > 0)) sb_printf(m, "; %s: LOS sd must be > 0", who);
        break;
    case SIM_LOS_EMPIRICAL:
        if (l->nvalues <= 0 || !l->values) {
            sb_printf(m, "; %s: empirical LOS needs at least one value", who);
            break;
        }
        for (int i = 0; i < l->nvalues; i++)
            if (!(l->values[i] >= 0) || !isfinite(l->values[i])) {
                sb_printf(m, "; %s: empirical LOS value %d is not a number >= 0", who, i + 1);
                break;
            }
        break;
    default:
        sb_printf(m, "; %s: unknown LOS distribution", who);
    }
}

int sim_scenario_check(const sim_scenario *sc, ics_err *e)
{
    sb m;
    sb_init(&m);
    if (sc->nplaces < 1 || sc->nplaces > SIM_MAX_PLACES)
        sb_printf(&m, "; need 1 to %d places, got %d", SIM_MAX_PLACES, sc->nplaces);
    if (sc->nunits < 1 || sc->nunits > SIM_MAX_UNITS)
        sb_printf(&m, "; need 1 to %d units, got %d", SIM_MAX_UNITS, sc->nunits);
    if (sc->los.kind == SIM_LOS_INHERIT) sb_printf(&m, "; the scenario needs a LOS model");
    check_los(&sc->los, "scenario", &m);
    int np = sc->nplaces > SIM_MAX_PLACES ? 0 : sc->nplaces;
    int nu = sc->nunits > SIM_MAX_UNITS ? 0 : sc->nunits;
    for (int i = 0; i < np; i++) {
        const sim_place *p = &sc->places[i];
        char who[96];
        snprintf(who, sizeof who, "place %s", p->code[0] ? p->code : "(no code)");
        if (!(p->arrivals_per_day >= 0) || !isfinite(p->arrivals_per_day))
            sb_printf(&m, "; %s: arrivals_per_day must be a number >= 0", who);
        if (!(p->urgent_share >= 0 && p->urgent_share <= 1))
            sb_printf(&m, "; %s: urgent_share must be between 0 and 1", who);
        check_los(&p->los, who, &m);
        int demand = p->arrivals_per_day > 0;
        for (int k = 0; k < sc->nreplay && !demand; k++) demand = sc->replay[k].place == i;
        if (sc->policy == SIM_POLICY_BOROUGH && demand) {
            int any = 0;
            for (int u = 0; u < nu; u++)
                if (sc->units[u].places >> i & 1) any = 1;
            if (!any) sb_printf(&m, "; %s: no unit is commissioned for it (borough policy)", who);
        }
    }
    for (int u = 0; u < nu; u++)
        if (sc->units[u].beds < 0 || sc->units[u].beds > 100000)
            sb_printf(&m, "; unit %s: beds must be 0 to 100000", sc->units[u].code);
    for (int i = 0; i < sc->nreplay; i++) {
        const sim_arrival *v = &sc->replay[i];
        if (v->place < 0 || v->place >= np || !isfinite(v->day) || v->day < 0) {
            sb_printf(&m, "; replayed arrival %d: bad place or day", i + 1);
            break;
        }
    }
    /* memory grows with the patients in a replication: keep it bounded */
    double expect = sc->nreplay;
    for (int i = 0; i < np && !sc->nreplay; i++)
        if (sc->places[i].arrivals_per_day > 0)
            expect += sc->places[i].arrivals_per_day * (sc->warmup_days + sc->run_days);
    if (expect > SIM_MAX_PATIENTS)
        sb_printf(&m,
                  "; about %.3g patients per replication is more than the simulator takes "
                  "(%g): fewer days or lower arrival rates",
                  expect, (double)SIM_MAX_PATIENTS);
    if (!(sc->run_days > 0) || sc->run_days > 1e6)
        sb_printf(&m, "; run_days must be > 0 and at most 1000000");
    if (!(sc->warmup_days >= 0) || sc->warmup_days > 1e6)
        sb_printf(&m, "; warmup_days must be >= 0 and at most 1000000");
    if (sc->warmup_rule != SIM_WARMUP_FIXED && sc->warmup_rule != SIM_WARMUP_MSER5)
        sb_printf(&m, "; warmup must be fixed or mser5");
    else if (sc->warmup_rule == SIM_WARMUP_MSER5 &&
             (sc->queue == SIM_QUEUE_PRIORITY || sc->nreplay > 0))
        sb_printf(&m, "; warmup mser5 needs a fifo queue and Poisson arrivals (no replayed "
                      "arrivals)");
    if (!(sc->target_days >= 0)) sb_printf(&m, "; target wait_days must be >= 0");
    if (!(sc->target_prob > 0 && sc->target_prob < 1))
        sb_printf(&m, "; target probability must be between 0 and 1 (exclusive)");
    if (sc->reps < 1 || sc->reps > SIM_MAX_REPS)
        sb_printf(&m, "; replications must be 1 to %d", SIM_MAX_REPS);
    if (sc->has_dow) {
        double s = 0;
        for (int d = 0; d < 7; d++) s += sc->dow[d] >= 0 ? sc->dow[d] : -1e9;
        if (!(s > 0)) sb_printf(&m, "; day_of_week multipliers must be >= 0, not all 0");
    }
    if (sc->has_month) {
        double s = 0;
        for (int d = 0; d < 12; d++) s += sc->month[d] >= 0 ? sc->month[d] : -1e9;
        if (!(s > 0)) sb_printf(&m, "; seasonal multipliers must be >= 0, not all 0");
    }
    int rc = 0;
    if (m.oom) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory checking the scenario");
    } else if (m.len) {
        rc = ics_err_set(e, ICS_EINVAL, "scenario: %s", m.buf + 2);
    }
    sb_free(&m);
    return rc;
}

/* ---- patients ------------------------------------------------------------- */

/* A replayed patient, kept in a list in arrival order. */
typedef struct patient {
    double arrive, los, given; /* given: index in sc->replay, for a stable sort */
    int32_t place, urgent;
} patient;

/* A LOS model ready to draw from: the lognormal's log-scale parameters are
 * worked out once per place, not per patient (as in rng_lognormal:
 * sigma^2 = ln(1 + sd^2/mean^2), mu = ln(mean) - sigma^2/2). */
typedef struct los_draw {
    sim_los_kind kind;
    double mean, mu, sigma;
    const double *values;
    uint64_t nvalues;
} los_draw;

static los_draw los_prepare(const sim_los *l)
{
    los_draw d = {l->kind, l->mean, 0, 0, l->values, (uint64_t)(l->nvalues > 0 ? l->nvalues : 0)};
    if (l->kind == SIM_LOS_LOGNORMAL) {
        double s2 = log1p((l->sd * l->sd) / (l->mean * l->mean));
        d.mu = log(l->mean) - s2 / 2.0;
        d.sigma = sqrt(s2);
    }
    return d;
}

static inline __attribute__((always_inline)) double draw_los(rng *r, const los_draw *d)
{
    switch (d->kind) {
    case SIM_LOS_EXPONENTIAL:
        return sim_zig_exp(r, d->mean);
    case SIM_LOS_LOGNORMAL:
        return exp(d->mu + d->sigma * sim_zig_normal(r));
    case SIM_LOS_EMPIRICAL:
        return d->values[rng_below(r, d->nvalues)];
    default:
        return 0;
    }
}

static const int month_start[13] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};

/* Arrival-rate multiplier on day d (profiles normalised to mean 1). */
typedef struct profile {
    double dow[7], month[12], peak;
    int on;
} profile;

static void profile_init(const sim_scenario *sc, profile *pf)
{
    double sd = 0, sm = 0, pd = 0, pm = 0;
    for (int d = 0; d < 7; d++) {
        pf->dow[d] = sc->has_dow ? sc->dow[d] : 1;
        sd += pf->dow[d];
    }
    for (int m = 0; m < 12; m++) {
        pf->month[m] = sc->has_month ? sc->month[m] : 1;
        sm += pf->month[m] * (month_start[m + 1] - month_start[m]);
    }
    for (int d = 0; d < 7; d++) {
        pf->dow[d] *= 7 / sd;
        if (pf->dow[d] > pd) pd = pf->dow[d];
    }
    for (int m = 0; m < 12; m++) {
        pf->month[m] *= 365 / sm;
        if (pf->month[m] > pm) pm = pf->month[m];
    }
    pf->peak = pd * pm;
    pf->on = sc->has_dow || sc->has_month;
}

static double profile_at(const profile *pf, double t)
{
    long d = (long)floor(t);
    int doy = (int)(d % 365), m = 0;
    while (doy >= month_start[m + 1]) m++;
    return pf->dow[d % 7] * pf->month[m];
}

/* Streams: each (replication, place, purpose) has its own generator, so the
 * patients a replication sees do not depend on the policy, the bed numbers
 * or the queue discipline (common random numbers: comparisons are paired),
 * nor on what other places do, nor on when in the run they are drawn. */
static uint64_t stream_id(int rep, int place, int purpose)
{
    return ((uint64_t)rep << 12) | ((uint64_t)place << 2) | (uint64_t)purpose;
}

/* Order of replayed arrivals within a place: by time, then as given. */
static int by_arrival(const void *a, const void *b)
{
    const patient *x = a, *y = b;
    if (x->arrive != y->arrive) return x->arrive < y->arrive ? -1 : 1;
    return (x->given > y->given) - (x->given < y->given);
}

/* ---- arrivals --------------------------------------------------------------
 * Drawn as the run needs them, not all before it: a replication then needs
 * memory for the beds and the queue only, not for every patient (which
 * cost more in page faults than the simulation itself). Each place draws
 * from its own streams in the same order as drawing them all first would,
 * so the numbers do not depend on when they are drawn. Poisson arrivals
 * per place; with day-of-week or seasonal profiles non-homogeneous, by
 * thinning (Lewis and Shedler 1979): candidates at the peak rate, each kept
 * with probability rate(t) / peak. The next arrival overall is the earliest
 * of the places' next arrivals, ties to the lower place index. Replayed
 * arrivals are sorted into a list first (there are few). */

typedef struct place_src {
    rng ra, rl, ru;
    los_draw los;
    double t, gap, urgent_share; /* gap: mean time between candidates */
} place_src;

typedef struct arrivals {
    int nplaces, place; /* place: where the next arrival comes from, -1: none */
    double t;           /* its time (INFINITY: none) */
    double end;
    profile pf;
    double next[SIM_MAX_PLACES];   /* each place's next arrival, INFINITY: none */
    int tw[2 * SIM_MAX_PLACES];    /* winner tree over the places (below) */
    double wt[2 * SIM_MAX_PLACES]; /* each node's winner's time */
    int np;                        /* its leaves: places rounded up to a power of 2 */
    place_src ps[SIM_MAX_PLACES];
    patient *list; /* replay */
    size_t n, k;
} arrivals;

/* The inner loop's helpers are inlined even where they are called twice. */
#define HOT static inline __attribute__((always_inline))

/* Advance place i to its next kept candidate before end. */
HOT void place_next(arrivals *a, int i)
{
    place_src *s = &a->ps[i];
    double t = s->t;
    for (;;) {
        t += sim_zig_exp(&s->ra, s->gap);
        if (t >= a->end) {
            t = INFINITY;
            break;
        }
        if (!a->pf.on || rng_uniform(&s->ra) * a->pf.peak < profile_at(&a->pf, t)) break;
    }
    s->t = t;
    a->next[i] = t;
}

/* The places' next arrivals in a winner tree (Knuth, TAOCP vol. 3,
 * 5.4.1): leaves tw[np + i] = place i, each inner node the earlier of its
 * two children, ties to the left (the lower place index), with the
 * winner's time kept beside it (wt). After place i draws its next arrival
 * only the path from its leaf to the root changes, and the new winner is
 * carried up it: one comparison with the sibling's stored winner a level,
 * without branches, and without going through next[] for either side. */
HOT void arrivals_pick(arrivals *a, int i)
{
    int k = a->np + i, w = i;
    double t = a->next[i];
    a->wt[k] = t;
    for (; k > 1; k >>= 1) {
        int s = k ^ 1;
        double st = a->wt[s];
        /* the sibling wins when earlier, or equal and on the left; in
         * integer masks, since a branch here goes either way at random */
        int take = (st < t) | ((k & 1) & (st == t));
        w ^= (w ^ a->tw[s]) & -take;
        t = st < t ? st : t;
        a->tw[k >> 1] = w;
        a->wt[k >> 1] = t;
    }
    a->t = t;
    a->place = isinf(t) ? -1 : w;
}

static int replay_list(arrivals *a, const sim_scenario *sc)
{
    size_t cap = (size_t)sc->nreplay + 1, n = 0;
    patient *l = malloc(cap * sizeof *l);
    if (!l) return ICS_ENOMEM;
    for (int i = 0; i < sc->nplaces; i++) {
        size_t from = n;
        int sorted = 1;
        for (int k = 0; k < sc->nreplay; k++) {
            const sim_arrival *v = &sc->replay[k];
            if (v->place != i || v->day >= a->end) continue;
            patient *p = &l[n++];
            p->arrive = v->day;
            p->given = k;
            p->place = i;
            p->los = v->los >= 0 ? v->los : draw_los(&a->ps[i].rl, &a->ps[i].los);
            p->urgent = v->urgent;
            if (n - 1 > from && p[-1].arrive > p->arrive) sorted = 0;
        }
        if (!sorted) qsort(l + from, n - from, sizeof *l, by_arrival);
    }
    /* all places in time order, ties to the lower place (stable merge by
     * the sort key (arrive, place, given)) */
    patient *b = malloc(cap * sizeof *b);
    if (!b) {
        free(l);
        return ICS_ENOMEM;
    }
    size_t start[SIM_MAX_PLACES + 1], at[SIM_MAX_PLACES];
    size_t c = 0;
    for (int i = 0; i < sc->nplaces; i++) {
        start[i] = c;
        while (c < n && l[c].place == i) c++;
    }
    start[sc->nplaces] = n;
    for (int i = 0; i < sc->nplaces; i++) at[i] = start[i];
    for (size_t o = 0; o < n; o++) {
        int best = -1;
        for (int i = 0; i < sc->nplaces; i++)
            if (at[i] < start[i + 1] && (best < 0 || l[at[i]].arrive < l[at[best]].arrive))
                best = i;
        b[o] = l[at[best]++];
    }
    free(l);
    a->list = b;
    a->n = n;
    a->k = 0;
    a->t = n ? b[0].arrive : INFINITY;
    a->place = n ? b[0].place : -1;
    return 0;
}

static int arrivals_init(arrivals *a, const sim_scenario *sc, int rep, double end)
{
    memset(a, 0, sizeof *a);
    a->nplaces = sc->nplaces;
    a->end = end;
    profile_init(sc, &a->pf);
    for (int i = 0; i < sc->nplaces; i++) {
        place_src *s = &a->ps[i];
        const sim_place *pl = &sc->places[i];
        s->los = los_prepare(los_of(sc, &pl->los));
        rng_seed(&s->ra, sc->seed, stream_id(rep, i, 0));
        rng_seed(&s->rl, sc->seed, stream_id(rep, i, 1));
        rng_seed(&s->ru, sc->seed, stream_id(rep, i, 2));
        s->urgent_share = pl->urgent_share;
        double peak = pl->arrivals_per_day * a->pf.peak;
        s->gap = peak > 0 ? 1.0 / peak : 0;
        a->next[i] = INFINITY;
        if (!sc->nreplay && peak > 0) place_next(a, i);
    }
    if (sc->nreplay > 0) return replay_list(a, sc);
    if (a->nplaces > 0) {
        for (int i = 0; i < SIM_MAX_PLACES; i++)
            if (i >= a->nplaces) a->next[i] = INFINITY;
        a->np = 1;
        while (a->np < a->nplaces) a->np *= 2;
        for (int i = 0; i < a->np; i++) {
            a->tw[a->np + i] = i;
            a->wt[a->np + i] = a->next[i];
        }
        for (int k = a->np - 1; k >= 1; k--) {
            int l = 2 * k, r = 2 * k + 1, w = a->wt[r] < a->wt[l] ? r : l;
            a->tw[k] = a->tw[w];
            a->wt[k] = a->wt[w];
        }
        a->t = a->next[a->tw[1]];
        a->place = isinf(a->t) ? -1 : a->tw[1];
    } else {
        a->t = INFINITY;
        a->place = -1;
    }
    return 0;
}

/* Take the next arrival (a->t, a->place) with its stay and, when
 * need_urgent is set, its urgency (FIFO has no use for it and skips its
 * stream). */
HOT void arrivals_take(arrivals *a, double *los, int *urgent, int need_urgent)
{
    if (a->list) {
        const patient *p = &a->list[a->k++];
        *los = p->los;
        *urgent = p->urgent;
        a->t = a->k < a->n ? a->list[a->k].arrive : INFINITY;
        a->place = a->k < a->n ? a->list[a->k].place : -1;
        return;
    }
    int i = a->place;
    place_src *s = &a->ps[i];
    *los = draw_los(&s->rl, &s->los);
    /* its own stream, so skipping it when nobody is urgent changes nothing else */
    *urgent = need_urgent && s->urgent_share > 0 && rng_uniform(&s->ru) < s->urgent_share;
    place_next(a, i);
    if (a->nplaces == 1) {
        a->t = a->next[0];
        a->place = isinf(a->t) ? -1 : 0;
    } else {
        arrivals_pick(a, i);
    }
}

static void arrivals_free(arrivals *a)
{
    free(a->list);
}

int sim_patients_draw(const sim_scenario *sc, int rep, double end, sim_arrival **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    arrivals *a = malloc(sizeof *a);
    if (!a) return ICS_ENOMEM;
    int rc = arrivals_init(a, sc, rep, end);
    size_t cap = 1024, k = 0;
    sim_arrival *v = rc ? NULL : malloc(cap * sizeof *v);
    if (!rc && !v) rc = ICS_ENOMEM;
    while (!rc && a->place >= 0) {
        if (k == cap) {
            sim_arrival *q = realloc(v, 2 * cap * sizeof *q);
            if (!q) {
                rc = ICS_ENOMEM;
                break;
            }
            v = q;
            cap *= 2;
        }
        double t = a->t, los;
        int place = a->place, urgent;
        arrivals_take(a, &los, &urgent, 1);
        /* field by field into zeroed memory: the padding is compared too */
        sim_arrival *o = memset(&v[k++], 0, sizeof *v);
        o->day = t;
        o->place = place;
        o->los = los;
        o->urgent = urgent;
    }
    arrivals_free(a);
    free(a);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

/* ---- event queue ----------------------------------------------------------
 * Future events are departures, kept in a binary min-heap keyed by time.
 * Push and pop are O(log n) sift-up/sift-down (Williams 1964; Cormen et
 * al., Introduction to Algorithms, ch. 6); the heap never holds more than
 * the number of beds, so it is allocated once. Departures at exactly the
 * same time (possible only with replayed or empirical stays) leave in the
 * heap's order, which is fixed by the sequence of pushes and pops, so a run
 * is still exactly reproducible. The next arrival is known (see above), so
 * the next event is the earlier of the next arrival and the heap's top; at
 * equal times the departure goes first, so a bed freed at that instant can
 * be taken. */

typedef struct event {
    double t;
    int64_t unit; /* where the bed is free again */
} event;

typedef struct heap {
    event *e;
    size_t n;
} heap;

/* The index of the smaller of two siblings without a branch: which way
 * the comparison goes is unpredictable, and a mispredicted branch costs
 * more than the arithmetic. */
static inline size_t smaller(const event *e, size_t c)
{
    return c + (size_t)(e[c + 1].t < e[c].t);
}

static inline void heap_push(heap *h, double t, int unit)
{
    event v = {t, unit};
    size_t i = h->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!(v.t < h->e[up].t)) break;
        h->e[i] = h->e[up];
        i = up;
    }
    h->e[i] = v;
}

/* Pop the earliest departure "bottom-up" (Wegener 1993, "Bottom-up
 * heapsort"): the hole left at the top goes down to a leaf along the
 * smaller children, without comparing with the last element, so the loop
 * runs a fixed number of levels and its exit is never mispredicted; the
 * last element then goes into the hole and up (rarely more than a level,
 * as it is one of the latest departures). */
static inline int heap_pop(heap *h)
{
    event *e = h->e;
    int top = (int)e[0].unit;
    size_t n = --h->n, i = 0, c;
    if (n == 0) return top;
    event last = e[n];
    while ((c = 2 * i + 1) + 1 < n) {
        c = smaller(e, c);
        e[i] = e[c];
        i = c;
    }
    if (c < n) {
        e[i] = e[c];
        i = c;
    }
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!(last.t < e[up].t)) break;
        e[i] = e[up];
        i = up;
    }
    e[i] = last;
    return top;
}

/* ---- the replication ----------------------------------------------------- */

/* Waiting patients: one FIFO per (place, class), each in arrival order, so
 * the next patient for a freed bed is the best head among the places the
 * unit may take: urgent before routine (priority queue), then earliest. */
typedef struct waiter {
    double arrive, los;
} waiter;

typedef struct fifo {
    waiter *v;
    size_t head, tail, cap;
} fifo;

static int fifo_push(fifo *f, double arrive, double los)
{
    if (f->tail == f->cap) {
        if (f->head > 0 && f->head >= f->cap / 2) {
            memmove(f->v, f->v + f->head, (f->tail - f->head) * sizeof *f->v);
            f->tail -= f->head;
            f->head = 0;
        } else {
            size_t cap = f->cap ? 2 * f->cap : 64;
            waiter *q = realloc(f->v, cap * sizeof *q);
            if (!q) return ICS_ENOMEM;
            f->v = q;
            f->cap = cap;
        }
    }
    f->v[f->tail++] = (waiter){arrive, los};
    return 0;
}

typedef struct model {
    const sim_scenario *sc;
    int order[SIM_MAX_PLACES][SIM_MAX_UNITS]; /* eligible units, nearest first */
    int norder[SIM_MAX_PLACES];
    uint64_t takes[SIM_MAX_UNITS];                   /* places each unit may take from */
    int8_t take_list[SIM_MAX_UNITS][SIM_MAX_PLACES]; /* the same as a list */
    int ntake[SIM_MAX_UNITS];
    int free_beds[SIM_MAX_UNITS], busy[SIM_MAX_UNITS];
    fifo q[SIM_MAX_PLACES][2];
    long waiting, max_waiting;
    double wstart, wend, target;
    size_t pending; /* patients from the window still without a bed */
    /* time integrals over the window, brought up to date lazily: a unit's
     * busy beds and the number waiting only change at its own events */
    double unit_last[SIM_MAX_UNITS], busy_area[SIM_MAX_UNITS];
    double queue_last, queue_area;
    /* waits of the window's patients, added up as they are admitted */
    double sum, pw, po, n;
    double ps[SIM_MAX_PLACES], pn[SIM_MAX_PLACES], pov[SIM_MAX_PLACES];
    double *pos; /* the waits above zero, for the 95th percentile */
    size_t npos, cappos;
    heap h;
    double *day_w, *day_n; /* when set: waits and patients by arrival day */
    size_t ndays;
} model;

/* Time t cut to the window: integrals over the window add up busy beds x
 * (clamp(t) - clamp(last)), without branches. */
static inline double clamp_window(const model *md, double t)
{
    return t < md->wstart ? md->wstart : t > md->wend ? md->wend : t;
}

static inline void unit_touch(model *md, int u, double t)
{
    double c = clamp_window(md, t);
    md->busy_area[u] += md->busy[u] * (c - md->unit_last[u]);
    md->unit_last[u] = c;
}

static inline void queue_touch(model *md, double t)
{
    double c = clamp_window(md, t);
    md->queue_area += md->waiting * (c - md->queue_last);
    md->queue_last = c;
}

static void build_orders(model *md)
{
    const sim_scenario *sc = md->sc;
    for (int i = 0; i < sc->nplaces; i++) {
        double d[SIM_MAX_UNITS];
        int n = 0;
        for (int u = 0; u < sc->nunits; u++) {
            int ok = sc->policy == SIM_POLICY_POOLED || (sc->units[u].places >> i & 1);
            if (!ok) continue;
            md->takes[u] |= 1ULL << i;
            double du =
                geo_km(sc->places[i].lat, sc->places[i].lon, sc->units[u].lat, sc->units[u].lon);
            /* insertion sort by distance; ties keep unit order */
            int k = n++;
            while (k > 0 && d[k - 1] > du) {
                d[k] = d[k - 1];
                md->order[i][k] = md->order[i][k - 1];
                k--;
            }
            d[k] = du;
            md->order[i][k] = u;
        }
        md->norder[i] = n;
    }
    for (int u = 0; u < sc->nunits; u++)
        for (int i = 0; i < sc->nplaces; i++)
            if (md->takes[u] >> i & 1) md->take_list[u][md->ntake[u]++] = (int8_t)i;
}

static int grow_waits(model *md)
{
    size_t cap = md->cappos ? 2 * md->cappos : 1024;
    double *q = realloc(md->pos, cap * sizeof *q);
    if (!q) return ICS_ENOMEM;
    md->pos = q;
    md->cappos = cap;
    return 0;
}

/* A patient of the window got a bed (or the run stopped) after waiting wt. */
static inline int record(model *md, int place, double wt)
{
    /* the totals are the places' sums, added up at the end; those who
     * waited at all are the waits kept for the percentile */
    md->ps[place] += wt;
    md->pn[place]++;
    md->pov[place] += wt > md->target;
    if (!(wt > 0)) return 0;
    if (md->npos == md->cappos && grow_waits(md)) return ICS_ENOMEM;
    md->pos[md->npos++] = wt;
    return 0;
}

static inline int admit(model *md, int unit, int place, double arrive, double los, double t)
{
    int rc = 0;
    if (arrive >= md->wstart && arrive < md->wend) {
        md->pending--;
        rc = record(md, place, t - arrive);
    }
    unit_touch(md, unit, t);
    md->free_beds[unit]--;
    md->busy[unit]++;
    heap_push(&md->h, t + los, unit);
    return rc;
}

static inline int on_arrive(model *md, int place, double los, int urgent, double t)
{
    md->pending += t >= md->wstart && t < md->wend;
    const int *ord = md->order[place];
    for (int k = 0; k < md->norder[place]; k++) {
        int u = ord[k];
        if (md->free_beds[u] > 0) return admit(md, u, place, t, los, t);
    }
    int cls = md->sc->queue == SIM_QUEUE_PRIORITY && !urgent;
    if (fifo_push(&md->q[place][cls], t, los)) return ICS_ENOMEM;
    queue_touch(md, t);
    if (++md->waiting > md->max_waiting && t >= md->wstart && t < md->wend)
        md->max_waiting = md->waiting;
    return 0;
}

static inline int on_depart(model *md, int u, double t)
{
    unit_touch(md, u, t);
    md->free_beds[u]++;
    md->busy[u]--;
    if (md->waiting == 0) return 0;
    fifo *bf = NULL;
    int bp = -1;
    for (int cls = 0; cls < 2 && !bf; cls++) {
        for (int k = 0; k < md->ntake[u]; k++) {
            int i = md->take_list[u][k];
            fifo *f = &md->q[i][cls];
            if (f->head == f->tail) continue;
            if (!bf || f->v[f->head].arrive < bf->v[bf->head].arrive) {
                bf = f;
                bp = i;
            }
        }
    }
    if (!bf) return 0;
    waiter w = bf->v[bf->head++];
    queue_touch(md, t);
    md->waiting--;
    return admit(md, u, bp, w.arrive, w.los, t);
}

/* Fill out from the accumulated waits and time integrals of a finished run;
 * patients of the window still waiting at the hard stop count as waiting
 * until then (censored). */
static int summarise(model *md, double hard, sim_rep *out)
{
    const sim_scenario *sc = md->sc;
    for (int i = 0; i < sc->nplaces; i++)
        for (int c = 0; c < 2; c++) {
            const fifo *f = &md->q[i][c];
            for (size_t k = f->head; k < f->tail; k++) {
                double a = f->v[k].arrive;
                if (a < md->wstart || a >= md->wend) continue;
                out->censored++;
                if (record(md, i, hard - a)) return ICS_ENOMEM;
            }
        }
    for (int i = 0; i < sc->nplaces; i++) {
        md->sum += md->ps[i];
        md->n += md->pn[i];
        md->po += md->pov[i];
    }
    md->pw = (double)md->npos;
    double run = md->wend - md->wstart, n = md->n;
    int beds = sim_scenario_beds(sc);
    double busy = 0;
    for (int u = 0; u < sc->nunits; u++) {
        busy += md->busy_area[u];
        out->unit_occ[u] = sc->units[u].beds ? md->busy_area[u] / (sc->units[u].beds * run) : NAN;
    }
    for (int i = 0; i < sc->nplaces; i++) {
        out->place_wait[i] = md->pn[i] ? md->ps[i] / md->pn[i] : NAN;
        out->place_over[i] = md->pn[i] ? md->pov[i] / md->pn[i] : NAN;
    }
    out->m[SIM_OCCUPANCY] = beds ? busy / (beds * run) : 0;
    out->m[SIM_MEAN_WAIT] = n ? md->sum / n : 0;
    out->m[SIM_P_WAIT] = n ? md->pw / n : 0;
    out->m[SIM_P_OVER_TARGET] = n ? md->po / n : 0;
    if (n) {
        /* nearest rank: the ceil(0.95 n)-th smallest; the waits of zero
         * (not stored) are the smallest */
        size_t r = (size_t)ceil(0.95 * n), k = r ? r - 1 : 0, zeros = (size_t)n - md->npos;
        out->m[SIM_WAIT_P95] = k < zeros ? 0 : select_kth_f64(md->pos, md->npos, k - zeros);
    }
    out->m[SIM_MEAN_QUEUE] = md->queue_area / run;
    out->m[SIM_MAX_QUEUE] = (double)md->max_waiting;
    out->m[SIM_OVER_TARGET] = md->po;
    out->m[SIM_PATIENTS] = n;
    return 0;
}

/* Run until every patient who arrived in the window has a bed and the
 * window is over. With FIFO no later arrival can overtake a waiting
 * patient (a bed is only free when nobody who may use it waits), so
 * arrivals stop at the window's end; with a priority queue later urgent
 * patients can, so arrivals go on for three mean stays more. A patient
 * still waiting at the hard stop (window end plus another run length plus
 * ten mean stays) is counted as waiting until then and reported as
 * censored: it means the beds cannot keep up. */
/* The caller's cancel flag, read every 4096 events (an atomic load). */
static int stopped(const sim_scenario *sc, long n)
{
    return sc->stop && (n & 4095) == 0 && atomic_load_explicit(sc->stop, memory_order_relaxed);
}

int sim_rep_run_events(const sim_scenario *sc, int rep, sim_rep *out)
{
    memset(out, 0, sizeof *out);
    double hard = sc->warmup_days + 2 * sc->run_days + 10 * sim_los_mean(sc, NULL);
    model *md = calloc(1, sizeof *md);
    arrivals *av = calloc(1, sizeof *av);
    int beds = sim_scenario_beds(sc), rc = 0;
    if (md) md->h.e = malloc(((size_t)beds + 1) * sizeof *md->h.e);
    if (!md || !av || !md->h.e) {
        rc = ICS_ENOMEM;
        goto done;
    }
    md->sc = sc;
    md->wstart = sc->warmup_days;
    md->wend = sc->warmup_days + sc->run_days;
    md->target = sc->target_days;
    double tail = sc->queue == SIM_QUEUE_PRIORITY ? 3 * sim_los_mean(sc, NULL) : 0;
    rc = arrivals_init(av, sc, rep, md->wend + tail);
    if (rc) goto done;
    build_orders(md);
    for (int u = 0; u < sc->nunits; u++) {
        md->free_beds[u] = sc->units[u].beds;
        md->unit_last[u] = md->wstart;
    }
    md->queue_last = md->wstart;
    int in_window = md->wstart <= 0;
    long events = 0;
    while (!rc) {
        double ta = av->t;
        double td = md->h.n ? md->h.e[0].t : INFINITY;
        int dep = td <= ta;
        double t = dep ? td : ta;
        if (isinf(t) || t > hard || (t >= md->wend && md->pending == 0)) break;
        if (!in_window && t >= md->wstart) {
            /* those still waiting from the warm-up count towards the maximum */
            in_window = 1;
            if (md->waiting > md->max_waiting) md->max_waiting = md->waiting;
        }
        events++;
        if (stopped(md->sc, events)) {
            rc = ICS_ECONFLICT;
            break;
        }
        if (dep) {
            rc = on_depart(md, heap_pop(&md->h), t);
        } else {
            int place = av->place, urgent;
            double los;
            arrivals_take(av, &los, &urgent, 1);
            rc = on_arrive(md, place, los, urgent, t);
        }
    }
    out->events = events;
    if (!rc) {
        for (int u = 0; u < sc->nunits; u++) unit_touch(md, u, md->wend);
        queue_touch(md, md->wend);
        rc = summarise(md, hard, out);
    }
done:
    if (av) arrivals_free(av);
    free(av);
    if (md) {
        for (int i = 0; i < SIM_MAX_PLACES; i++) {
            free(md->q[i][0].v);
            free(md->q[i][1].v);
        }
        free(md->pos);
        free(md->h.e);
    }
    free(md);
    return rc;
}

/* ---- the FIFO replication, patient by patient ------------------------------
 * With first-come first-served queues a bed goes to the patient who has
 * waited longest among those who may use it, so each patient's admission
 * is settled when it arrives, given those who came before (the recursion
 * of Kiefer and Wolfowitz, "On the theory of queues with many servers",
 * Trans. AMS 78, 1955, for one pool; here per unit): each unit keeps its
 * beds' next free times in a min-heap; an arrival takes the nearest
 * eligible unit with a bed free now, or else waits for the eligible unit
 * whose bed frees first, and that bed's free time moves on by the stay. One
 * heap update per patient replaces a departure event and the queue, and
 * every statistic is the event engine's (sim_rep_run_events; the unit tests
 * compare the two): waits as they are settled, busy bed-days and queue
 * length as each patient's overlap with the window, the longest queue from
 * a heap of the waiting patients' admission times, and the events the event
 * engine would have handled. Only exact ties (replayed or empirical stays)
 * may go to another unit than there, with the same waits. */

/* Departures from the window's end on: only counted against the stop at
 * the end, so a plain growing list (no order needed). */
typedef struct dlist {
    double *v;
    size_t n, cap;
} dlist;

static int dlist_push(dlist *l, double x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        double *q = realloc(l->v, cap * sizeof *q);
        if (!q) return ICS_ENOMEM;
        l->v = q;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

/* The beds' next free times of a unit: a 4-ary min-heap (children of i at
 * 4i+1..4i+4; Johnson 1975, "Priority queues with update and finding
 * minimum spanning trees", IPL 4): half the levels of a binary heap, and
 * the four children are compared in two independent pairs, so each level
 * costs little more than a binary level. The heap is padded with +inf to
 * a complete tree (1, 5, 21, 85... nodes: at most four times the beds), so
 * every path from the root has the same length and the loop below always
 * runs the same number of levels for a unit; +inf is never the smallest
 * of a real node's children, and only +inf is ever written over it.
 *
 * Replace the smallest by x in one pass down, without a branch that
 * depends on the times: follow the path of smallest children from the root
 * to a leaf, q_1 <= q_2 <= ... <= q_d (a heap's path is sorted). Removing
 * the root and putting x in leaves the path holding q_1..q_d with x sorted
 * in (what sifting x down, or bottom-up as heap_pop above, gives), so the
 * j-th node of the path gets min(max(x, q_j), q_(j+1)), with q_0 = -inf and
 * q_(d+1) = +inf: one max and one min a level, and no sift-up whose exit
 * goes either way. Which bed holds which time does not matter, only the
 * multiset, so neither the arity nor the method changes a result. */
static inline void bheap_replace_top(double *v, int levels, double x)
{
    size_t i = 0;
    double prev = -INFINITY; /* q_j: what the node on the path held */
    for (int k = 0; k < levels; k++) {
        size_t c = 4 * i + 1;
        double a0 = v[c], a1 = v[c + 1], a2 = v[c + 2], a3 = v[c + 3];
        size_t l = c + (size_t)(a1 < a0), r = c + 2 + (size_t)(a3 < a2);
        double vl = a1 < a0 ? a1 : a0, vr = a3 < a2 ? a3 : a2;
        size_t right = -(size_t)(vr < vl);
        double q = vr < vl ? vr : vl;
        double lo = x > prev ? x : prev;
        v[i] = q < lo ? q : lo;
        prev = q;
        i = l ^ ((l ^ r) & right);
    }
    v[i] = x > prev ? x : prev;
}

/* Nodes of the complete 4-ary tree holding n beds, and its levels below
 * the root. */
static size_t bheap_size(size_t n, int *levels)
{
    size_t p = n ? 1 : 0;
    *levels = 0;
    while (p < n) {
        p = 4 * p + 1;
        ++*levels;
    }
    return p;
}

/* Admission times of the patients waiting for each unit. A unit's
 * admissions come in arrival order and never go back in time (its earliest
 * free time only grows), so each unit's are a FIFO in time order and the
 * number waiting at t is what is left after dropping the heads up to t. */
typedef struct aring {
    double *v;
    size_t head, tail, cap;
} aring;

static int aring_push(aring *r, double x)
{
    if (r->tail == r->cap) {
        if (r->head > 0 && r->head >= r->cap / 2) {
            memmove(r->v, r->v + r->head, (r->tail - r->head) * sizeof *r->v);
            r->tail -= r->head;
            r->head = 0;
        } else {
            size_t cap = r->cap ? 2 * r->cap : 64;
            double *q = realloc(r->v, cap * sizeof *q);
            if (!q) return ICS_ENOMEM;
            r->v = q;
            r->cap = cap;
        }
    }
    r->v[r->tail++] = x;
    return 0;
}

/* Patients waiting at t: admitted after t (strict: from t on). */
static long waiting_at(aring *r, int nunits, double t, int strict)
{
    long n = 0;
    for (int u = 0; u < nunits; u++) {
        aring *q = &r[u];
        while (q->head < q->tail && (strict ? q->v[q->head] < t : q->v[q->head] <= t)) q->head++;
        n += (long)(q->tail - q->head);
    }
    return n;
}

/* Overlap of [a, b) with the window. */
static inline double window_overlap(const model *md, double a, double b)
{
    return clamp_window(md, b) - clamp_window(md, a);
}

static int run_fifo(model *md, arrivals *av, double hard, sim_rep *out)
{
    const sim_scenario *sc = md->sc;
    int beds = sim_scenario_beds(sc), rc = 0;
    size_t off[SIM_MAX_UNITS], nb[SIM_MAX_UNITS], at = 0;
    int lv[SIM_MAX_UNITS];
    for (int u = 0; u < sc->nunits; u++) {
        off[u] = at;
        nb[u] = (size_t)sc->units[u].beds;
        at += bheap_size(nb[u], &lv[u]);
    }
    assert(at <= 4 * (size_t)beds + 1);
    double *fr = malloc((at + 1) * sizeof *fr);
    for (int u = 0; fr && u < sc->nunits; u++) {
        size_t p = bheap_size(nb[u], &lv[u]);
        for (size_t k = 0; k < p; k++)
            fr[off[u] + k] = k < nb[u] ? 0 : INFINITY; /* free from day 0 */
    }
    dlist late = {0}; /* departures from wend on */
    aring *wq = calloc(SIM_MAX_UNITS, sizeof *wq);
    long stuck = 0; /* waiting for ever: no eligible unit has a bed */
    /* admission times still in the rings: at least the number waiting, so
     * while stuck + queued is not above the longest queue so far no new
     * longest queue can start and the rings need no look */
    long queued = 0;
    if (!fr || !wq) {
        free(fr);
        free(wq);
        return ICS_ENOMEM;
    }
    const double wstart = md->wstart, wend = md->wend;
    long arrivals_n = 0, early = 0;
    double last_admit = -INFINITY;
    int started = 0;
    while (av->place >= 0) {
        double t = av->t, los;
        int p = av->place, urgent;
        arrivals_take(av, &los, &urgent, 0);
        arrivals_n++;
        if (stopped(sc, arrivals_n)) {
            rc = ICS_ECONFLICT;
            break;
        }
        if (!started && t >= wstart) {
            /* those still waiting from the warm-up count towards the maximum */
            started = 1;
            queued = waiting_at(wq, sc->nunits, wstart, 1);
            if (stuck + queued > md->max_waiting) md->max_waiting = stuck + queued;
        }
        /* nearest unit with a bed free now, else the one whose bed frees first */
        const int *ord = md->order[p];
        int bu = -1;
        double a = INFINITY;
        for (int k = 0, n = md->norder[p]; k < n; k++) {
            int u = ord[k];
            if (!nb[u]) continue;
            double f = fr[off[u]];
            if (f <= t) {
                bu = u;
                a = t;
                break;
            }
            if (f < a) {
                a = f;
                bu = u;
            }
        }
        int in = t >= wstart && t < wend;
        if (a > t) {
            md->queue_area += window_overlap(md, t, a);
            if (bu < 0)
                stuck++;
            else if (aring_push(&wq[bu], a)) {
                rc = ICS_ENOMEM;
                break;
            } else
                queued++;
            if (in && stuck + queued > md->max_waiting) {
                queued = waiting_at(wq, sc->nunits, t, 0);
                if (stuck + queued > md->max_waiting) md->max_waiting = stuck + queued;
            }
        }
        if (a > hard) {
            /* never admitted before the simulation stops */
            if (in) {
                out->censored++;
                if ((rc = record(md, p, hard - t))) break;
            }
            continue;
        }
        if (in) {
            if (a > last_admit) last_admit = a;
            if ((rc = record(md, p, a - t))) break;
            if (md->day_w && (size_t)t < md->ndays) {
                md->day_w[(size_t)t] += a - t;
                md->day_n[(size_t)t]++;
            }
        }
        double d = a + los;
        md->busy_area[bu] += window_overlap(md, a, d);
        bheap_replace_top(fr + off[bu], lv[bu], d);
        if (d < wend)
            early++;
        else if (dlist_push(&late, d)) {
            rc = ICS_ENOMEM;
            break;
        }
    }
    if (!rc && !started) {
        long w = stuck + waiting_at(wq, sc->nunits, wstart, 1);
        if (w > md->max_waiting) md->max_waiting = w;
    }
    /* the event engine stops at its first event from wend on once every
     * patient of the window has a bed, or past the hard stop */
    double stop = out->censored ? hard : last_admit;
    long dep = early;
    for (size_t k = 0; k < late.n; k++) dep += late.v[k] <= stop;
    out->events = arrivals_n + dep;
    free(fr);
    for (int u = 0; u < SIM_MAX_UNITS; u++) free(wq[u].v);
    free(wq);
    free(late.v);
    return rc;
}

/* One replication: FIFO queues patient by patient, priority queues event
 * by event (a later urgent patient can overtake). */
int sim_rep_run(const sim_scenario *sc, int rep, sim_rep *out)
{
    if (sc->queue == SIM_QUEUE_PRIORITY) return sim_rep_run_events(sc, rep, out);
    memset(out, 0, sizeof *out);
    double hard = sc->warmup_days + 2 * sc->run_days + 10 * sim_los_mean(sc, NULL);
    model *md = calloc(1, sizeof *md);
    arrivals *av = calloc(1, sizeof *av);
    int rc = 0;
    if (!md || !av) {
        rc = ICS_ENOMEM;
        goto done;
    }
    md->sc = sc;
    md->wstart = sc->warmup_days;
    md->wend = sc->warmup_days + sc->run_days;
    md->target = sc->target_days;
    rc = arrivals_init(av, sc, rep, md->wend);
    if (rc) goto done;
    build_orders(md);
    rc = run_fifo(md, av, hard, out);
    if (!rc) rc = summarise(md, hard, out);
done:
    if (av) arrivals_free(av);
    free(av);
    if (md) free(md->pos);
    free(md);
    return rc;
}

/* ---- warm-up from the data --------------------------------------------------
 * MSER-5 (White 1997, "An effective truncation heuristic for bias reduction
 * in simulation output", Simulation 69(6); Franklin and White 2008,
 * "Stationarity tests and MSER-5", Proc. Winter Simulation Conference):
 * batch the output series in means of 5, and delete the first d batches
 * where d minimises the squared standard error of the mean of what is left,
 * sum_{j>d} (Z_j - mean)^2 / (m - d)^2, searching the first half only. */
size_t sim_mser5(const double *x, size_t n)
{
    size_t m = n / 5;
    if (m < 2) return 0;
    double s1 = 0, s2 = 0, best = INFINITY;
    size_t bestd = 0;
    double *z = malloc(m * sizeof *z);
    if (!z) return 0;
    for (size_t j = 0; j < m; j++) {
        double b = 0;
        for (int k = 0; k < 5; k++) b += x[5 * j + k];
        z[j] = b / 5;
    }
    /* from the end backwards, so each d costs O(1) */
    for (size_t j = m; j-- > 0;) {
        s1 += z[j];
        s2 += z[j] * z[j];
        size_t left = m - j;
        if (j > m / 2) continue;
        double sse = s2 - s1 * s1 / (double)left;
        double v = sse / ((double)left * (double)left);
        if (v <= best) {
            best = v;
            bestd = j;
        }
    }
    free(z);
    return 5 * bestd;
}

int sim_warmup_mser5(const sim_scenario *sc, double *days, ics_err *e)
{
    *days = 0;
    int rc = sim_scenario_check(sc, e);
    if (rc) return rc;
    if (sc->queue == SIM_QUEUE_PRIORITY || sc->nreplay > 0)
        return ics_err_set(e, ICS_EINVAL, "MSER-5 warm-up: FIFO queues with Poisson arrivals only");
    sim_scenario *pc = malloc(sizeof *pc);
    size_t nd = (size_t)ceil(sc->warmup_days + sc->run_days);
    double *w = calloc(nd + 1, sizeof *w), *n = calloc(nd + 1, sizeof *n);
    model *md = calloc(1, sizeof *md);
    arrivals *av = calloc(1, sizeof *av);
    if (!pc || !w || !n || !md || !av) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
        goto done;
    }
    /* a pilot from empty over the whole horizon, on streams of its own */
    *pc = *sc;
    pc->warmup_days = 0;
    pc->run_days = sc->warmup_days + sc->run_days;
    pc->seed = sc->seed ^ 0x6d7365723521ULL;
    double hard = 2 * pc->run_days + 10 * sim_los_mean(pc, NULL);
    for (int k = 0; k < pc->reps && !rc; k++) {
        memset(md, 0, sizeof *md);
        md->sc = pc;
        md->wstart = 0;
        md->wend = pc->run_days;
        md->target = pc->target_days;
        md->day_w = w;
        md->day_n = n;
        md->ndays = nd;
        sim_rep rep;
        memset(&rep, 0, sizeof rep);
        rc = arrivals_init(av, pc, k, md->wend);
        if (!rc) {
            build_orders(md);
            rc = run_fifo(md, av, hard, &rep);
        }
        arrivals_free(av);
        free(md->pos);
        md->pos = NULL;
    }
    if (rc) {
        rc = ics_err_set(e, rc, "out of memory");
        goto done;
    }
    /* the replications' mean wait by arrival day (a day nobody arrived on
     * takes the day before's) */
    double last = 0;
    for (size_t d = 0; d < nd; d++) {
        if (n[d] > 0) last = w[d] / n[d];
        w[d] = last;
    }
    *days = (double)sim_mser5(w, nd);
done:
    free(pc);
    free(w);
    free(n);
    free(md);
    free(av);
    return rc;
}
