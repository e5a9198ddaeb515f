/* model.c - one replication of the bed model: patients arrive per place,
 * take a free bed in an eligible unit (nearest first) or wait, and leave
 * after their length of stay; waits and occupancy are measured after the
 * warm-up. Also scenario checks and helpers shared by the runner. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/rng.h"
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

typedef struct patient {
    double arrive, los, admit;
    int16_t place, unit; /* SIM_MAX_PLACES, SIM_MAX_UNITS fit */
    int32_t urgent;
} patient; /* 32 bytes: the merge and the run walk arrays of these */

/* A LOS model ready to draw from: the lognormal's log-scale parameters are
 * worked out once per place, not per patient (as in rng_lognormal:
 * sigma^2 = ln(1 + sd^2/mean^2), mu = ln(mean) - sigma^2/2). */
typedef struct los_draw {
    const sim_los *l;
    double mu, sigma;
} los_draw;

static los_draw los_prepare(const sim_los *l)
{
    los_draw d = {l, 0, 0};
    if (l->kind == SIM_LOS_LOGNORMAL) {
        double s2 = log1p((l->sd * l->sd) / (l->mean * l->mean));
        d.mu = log(l->mean) - s2 / 2.0;
        d.sigma = sqrt(s2);
    }
    return d;
}

static double draw_los(rng *r, const los_draw *d)
{
    switch (d->l->kind) {
    case SIM_LOS_EXPONENTIAL:
        return sim_draw_exponential(r, d->l->mean);
    case SIM_LOS_LOGNORMAL:
        return exp(d->mu + d->sigma * sim_draw_normal(r));
    case SIM_LOS_EMPIRICAL:
        return d->l->values[rng_below(r, (uint64_t)d->l->nvalues)];
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
 * nor on what other places do. */
static uint64_t stream_id(int rep, int place, int purpose)
{
    return ((uint64_t)rep << 12) | ((uint64_t)place << 2) | (uint64_t)purpose;
}

typedef struct plist {
    patient *p;
    size_t n, cap;
} plist;

static inline patient *plist_add(plist *l)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        patient *q = realloc(l->p, cap * sizeof *q);
        if (!q) return NULL;
        l->p = q;
        l->cap = cap;
    }
    return memset(&l->p[l->n++], 0, sizeof(patient));
}

/* Order of replayed arrivals within a place: by time, then as given (the
 * given index is parked in admit while sorting). */
static int by_arrival(const void *a, const void *b)
{
    const patient *x = a, *y = b;
    if (x->arrive != y->arrive) return x->arrive < y->arrive ? -1 : 1;
    return (x->admit > y->admit) - (x->admit < y->admit);
}

/* Merge the places' runs (each already in time order) into one list in
 * time order, ties to the lower place index: rounds of pairwise merges, as
 * in a bottom-up merge sort, so O(n log k) for k places. */
static int merge_places(plist *l, size_t *seg, int nplaces)
{
    if (nplaces == 1 || l->n == 0) return 0;
    patient *a = l->p, *b = malloc(l->n * sizeof *b);
    if (!b) return ICS_ENOMEM;
    int k = nplaces;
    while (k > 1) {
        int m = 0;
        for (int r = 0; r < k; r += 2, m++) {
            size_t i = seg[r], ie = seg[r + 1], o = seg[r];
            size_t j = r + 1 < k ? seg[r + 1] : ie, je = r + 1 < k ? seg[r + 2] : ie;
            while (i < ie && j < je) b[o++] = a[j].arrive < a[i].arrive ? a[j++] : a[i++];
            while (i < ie) b[o++] = a[i++];
            while (j < je) b[o++] = a[j++];
            seg[m] = seg[r];
        }
        seg[m] = l->n;
        k = m;
        patient *t = a;
        a = b;
        b = t;
    }
    free(b);
    l->p = a;
    l->cap = l->n;
    return 0;
}

/* Non-homogeneous Poisson arrivals by thinning (Lewis and Shedler 1979):
 * candidates at the peak rate, each kept with probability rate(t) / peak. */
static int make_patients(const sim_scenario *sc, int rep, double end, plist *out)
{
    profile pf;
    profile_init(sc, &pf);
    size_t seg[SIM_MAX_PLACES + 1];
    /* room for the expected number and a margin, so growth is rare */
    double expect = sc->nreplay;
    for (int i = 0; i < sc->nplaces && !sc->nreplay; i++)
        expect += sc->places[i].arrivals_per_day * end;
    if (expect > 0 && expect < 1e8) {
        size_t cap = (size_t)(expect + 4 * sqrt(expect) + 16);
        out->p = malloc(cap * sizeof *out->p);
        if (!out->p) return ICS_ENOMEM;
        out->cap = cap;
    }
    for (int i = 0; i < sc->nplaces; i++) {
        const sim_place *pl = &sc->places[i];
        los_draw ld = los_prepare(los_of(sc, &pl->los)), *los = &ld;
        rng ra, rl, ru;
        rng_seed(&ra, sc->seed, stream_id(rep, i, 0));
        rng_seed(&rl, sc->seed, stream_id(rep, i, 1));
        rng_seed(&ru, sc->seed, stream_id(rep, i, 2));
        seg[i] = out->n;
        if (sc->nreplay > 0) {
            int sorted = 1;
            for (int k = 0; k < sc->nreplay; k++) {
                const sim_arrival *v = &sc->replay[k];
                if (v->place != i || v->day >= end) continue;
                patient *p = plist_add(out);
                if (!p) return ICS_ENOMEM;
                p->arrive = v->day;
                p->admit = k;
                p->place = i;
                p->los = v->los >= 0 ? v->los : draw_los(&rl, los);
                p->urgent = v->urgent;
                if (out->n - 1 > seg[i] && p[-1].arrive > p->arrive) sorted = 0;
            }
            if (!sorted) qsort(out->p + seg[i], out->n - seg[i], sizeof(patient), by_arrival);
            continue;
        }
        double peak = pl->arrivals_per_day * pf.peak, t = 0;
        if (!(peak > 0)) continue;
        for (;;) {
            t += sim_draw_exponential(&ra, 1.0 / peak);
            if (t >= end) break;
            if (pf.on && rng_uniform(&ra) * pf.peak >= profile_at(&pf, t)) continue;
            patient *p = plist_add(out);
            if (!p) return ICS_ENOMEM;
            p->arrive = t;
            p->place = i;
            p->los = draw_los(&rl, los);
            /* its own stream, so skipping it when nobody is urgent changes nothing else */
            p->urgent = pl->urgent_share > 0 && rng_uniform(&ru) < pl->urgent_share;
        }
    }
    seg[sc->nplaces] = out->n;
    return merge_places(out, seg, sc->nplaces);
}

int sim_patients_draw(const sim_scenario *sc, int rep, double end, sim_arrival **out, size_t *n)
{
    plist pl = {0};
    *out = NULL;
    *n = 0;
    int rc = make_patients(sc, rep, end, &pl);
    sim_arrival *a = rc ? NULL : malloc((pl.n ? pl.n : 1) * sizeof *a);
    if (!rc && !a) rc = ICS_ENOMEM;
    for (size_t k = 0; !rc && k < pl.n; k++)
        a[k] = (sim_arrival){pl.p[k].arrive, pl.p[k].place, pl.p[k].los, pl.p[k].urgent};
    free(pl.p);
    if (rc) return rc;
    *out = a;
    *n = pl.n;
    return 0;
}

/* ---- event queue ----------------------------------------------------------
 * Future events are departures, kept in a binary min-heap keyed by time.
 * Push and pop are O(log n) sift-up/sift-down (Williams 1964; Cormen et
 * al., Introduction to Algorithms, ch. 6); the heap never holds more than
 * the number of beds. Departures at exactly the same time (possible only
 * with replayed or empirical stays) leave in the heap's order, which is
 * fixed by the sequence of pushes and pops, so a run is still exactly
 * reproducible. Arrivals are already in time order (drawn before the run),
 * so the next event is the earlier of the next arrival and the heap's top;
 * at equal times the departure goes first, so a bed freed at that instant
 * can be taken. */

typedef struct event {
    double t;
    int32_t who;
} event;

typedef struct heap {
    event *e;
    size_t n, cap;
} heap;

/* The index of the smaller of two siblings without a branch: which way
 * the comparison goes is unpredictable, and a mispredicted branch costs
 * more than the arithmetic. */
static inline size_t smaller(const event *e, size_t c)
{
    return c + (size_t)(e[c + 1].t < e[c].t);
}

static int heap_push(heap *h, double t, int who)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        event *q = realloc(h->e, cap * sizeof *q);
        if (!q) return ICS_ENOMEM;
        h->e = q;
        h->cap = cap;
    }
    event v = {t, who};
    size_t i = h->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!(v.t < h->e[up].t)) break;
        h->e[i] = h->e[up];
        i = up;
    }
    h->e[i] = v;
    return 0;
}

static event heap_pop(heap *h)
{
    event top = h->e[0], last = h->e[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n) c = smaller(h->e, c);
        if (!(h->e[c].t < last.t)) break;
        h->e[i] = h->e[c];
        i = c;
    }
    if (n) h->e[i] = last;
    return top;
}

/* ---- the replication ----------------------------------------------------- */

/* Waiting patients: one FIFO per (place, class), each in arrival order, so
 * the next patient for a freed bed is the best head among the places the
 * unit may take: urgent before routine (priority queue), then earliest. */
typedef struct fifo {
    int *v;
    size_t head, tail;
} fifo;

typedef struct model {
    const sim_scenario *sc;
    patient *p;
    size_t np;
    int order[SIM_MAX_PLACES][SIM_MAX_UNITS]; /* eligible units, nearest first */
    int norder[SIM_MAX_PLACES];
    uint64_t takes[SIM_MAX_UNITS];                   /* places each unit may take from */
    int8_t take_list[SIM_MAX_UNITS][SIM_MAX_PLACES]; /* the same as a list */
    int ntake[SIM_MAX_UNITS];
    int free_beds[SIM_MAX_UNITS], busy[SIM_MAX_UNITS];
    fifo q[SIM_MAX_PLACES][2];
    long waiting, max_waiting;
    double wstart, wend;
    size_t pending; /* patients from the window still without a bed */
    /* time integrals over the window, brought up to date lazily: a unit's
     * busy beds and the number waiting only change at its own events */
    double unit_last[SIM_MAX_UNITS], busy_area[SIM_MAX_UNITS];
    double queue_last, queue_area;
    heap h;
} model;

static inline double overlap(const model *md, double a, double b)
{
    if (a < md->wstart) a = md->wstart;
    if (b > md->wend) b = md->wend;
    return b > a ? b - a : 0;
}

static inline void unit_touch(model *md, int u, double t)
{
    md->busy_area[u] += md->busy[u] * overlap(md, md->unit_last[u], t);
    md->unit_last[u] = t;
}

static inline void queue_touch(model *md, double t)
{
    md->queue_area += md->waiting * overlap(md, md->queue_last, t);
    md->queue_last = t;
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

static int admit(model *md, int who, int unit, double t)
{
    patient *p = &md->p[who];
    p->admit = t;
    p->unit = unit;
    if (p->arrive >= md->wstart && p->arrive < md->wend) md->pending--;
    unit_touch(md, unit, t);
    md->free_beds[unit]--;
    md->busy[unit]++;
    return heap_push(&md->h, t + p->los, who);
}

static int on_arrive(model *md, int who, double t)
{
    patient *p = &md->p[who];
    for (int k = 0; k < md->norder[p->place]; k++) {
        int u = md->order[p->place][k];
        if (md->free_beds[u] > 0) return admit(md, who, u, t);
    }
    int cls = md->sc->queue == SIM_QUEUE_PRIORITY && !p->urgent;
    fifo *f = &md->q[p->place][cls];
    f->v[f->tail++] = who;
    queue_touch(md, t);
    if (++md->waiting > md->max_waiting && t >= md->wstart && t < md->wend)
        md->max_waiting = md->waiting;
    return 0;
}

static int on_depart(model *md, int who, double t)
{
    int u = md->p[who].unit;
    unit_touch(md, u, t);
    md->free_beds[u]++;
    md->busy[u]--;
    if (md->waiting == 0) return 0;
    int best = -1;
    fifo *bf = NULL;
    for (int cls = 0; cls < 2 && best < 0; cls++) {
        for (int k = 0; k < md->ntake[u]; k++) {
            fifo *f = &md->q[md->take_list[u][k]][cls];
            if (f->head == f->tail) continue;
            int c = f->v[f->head];
            if (best < 0 || md->p[c].arrive < md->p[best].arrive) {
                best = c;
                bf = f;
            }
        }
    }
    if (best < 0) return 0;
    bf->head++;
    queue_touch(md, t);
    md->waiting--;
    return admit(md, best, u, t);
}

/* The k-th smallest of v[0..n) (0-based), reordering v: Hoare's selection
 * (Hoare 1961, "Algorithm 65: FIND"), expected O(n), for the percentile. */
static double select_kth(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = v[lo + (hi - lo) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot) i++;
            while (v[j] > pivot) j--;
            if (i <= j) {
                double x = v[i];
                v[i] = v[j];
                v[j] = x;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return v[k];
    }
    return v[k];
}

/* Fill out from the patients and time integrals of a finished run. */
static int summarise(model *md, double hard, sim_rep *out)
{
    const sim_scenario *sc = md->sc;
    size_t n = 0;
    double *w = malloc((md->np ? md->np : 1) * sizeof *w);
    if (!w) return ICS_ENOMEM;
    double sum = 0, pw = 0, po = 0;
    double ps[SIM_MAX_PLACES] = {0}, pn[SIM_MAX_PLACES] = {0}, pov[SIM_MAX_PLACES] = {0};
    for (size_t k = 0; k < md->np; k++) {
        const patient *p = &md->p[k];
        if (p->arrive < md->wstart || p->arrive >= md->wend) continue;
        double wt = p->admit >= 0 ? p->admit - p->arrive : hard - p->arrive;
        if (p->admit < 0) out->censored++;
        w[n++] = wt;
        sum += wt;
        pw += wt > 0;
        po += wt > sc->target_days;
        ps[p->place] += wt;
        pn[p->place]++;
        pov[p->place] += wt > sc->target_days;
    }
    double run = md->wend - md->wstart;
    int beds = sim_scenario_beds(sc);
    double busy = 0;
    for (int u = 0; u < sc->nunits; u++) {
        busy += md->busy_area[u];
        out->unit_occ[u] = sc->units[u].beds ? md->busy_area[u] / (sc->units[u].beds * run) : NAN;
    }
    for (int i = 0; i < sc->nplaces; i++) {
        out->place_wait[i] = pn[i] ? ps[i] / pn[i] : NAN;
        out->place_over[i] = pn[i] ? pov[i] / pn[i] : NAN;
    }
    out->m[SIM_OCCUPANCY] = beds ? busy / (beds * run) : 0;
    out->m[SIM_MEAN_WAIT] = n ? sum / n : 0;
    out->m[SIM_P_WAIT] = n ? pw / n : 0;
    out->m[SIM_P_OVER_TARGET] = n ? po / n : 0;
    if (n) {
        /* nearest rank: the ceil(0.95 n)-th smallest */
        size_t r = (size_t)ceil(0.95 * n);
        out->m[SIM_WAIT_P95] = select_kth(w, n, r ? r - 1 : 0);
    }
    out->m[SIM_MEAN_QUEUE] = md->queue_area / run;
    out->m[SIM_MAX_QUEUE] = (double)md->max_waiting;
    out->m[SIM_OVER_TARGET] = po;
    out->m[SIM_PATIENTS] = (double)n;
    free(w);
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
int sim_rep_run(const sim_scenario *sc, int rep, sim_rep *out)
{
    memset(out, 0, sizeof *out);
    double hard = sc->warmup_days + 2 * sc->run_days + 10 * sim_los_mean(sc, NULL);
    model *md = calloc(1, sizeof *md);
    if (!md) return ICS_ENOMEM;
    md->sc = sc;
    md->wstart = sc->warmup_days;
    md->wend = sc->warmup_days + sc->run_days;
    plist pl = {0};
    double tail = sc->queue == SIM_QUEUE_PRIORITY ? 3 * sim_los_mean(sc, NULL) : 0;
    int rc = make_patients(sc, rep, md->wend + tail, &pl);
    md->p = pl.p;
    md->np = pl.n;
    int *qmem = NULL;
    if (!rc && md->np > (size_t)INT32_MAX) rc = ICS_ENOMEM;
    if (!rc && md->np) {
        qmem = malloc(md->np * sizeof *qmem);
        if (!qmem) rc = ICS_ENOMEM;
    }
    if (rc) goto done;
    {
        /* each queue gets a slice sized by how many patients it could hold */
        size_t cnt[SIM_MAX_PLACES][2] = {{0}}, off = 0;
        for (size_t k = 0; k < md->np; k++) {
            md->p[k].admit = -1;
            int cls = sc->queue == SIM_QUEUE_PRIORITY && !md->p[k].urgent;
            cnt[md->p[k].place][cls]++;
            md->pending += md->p[k].arrive >= md->wstart && md->p[k].arrive < md->wend;
        }
        for (int i = 0; i < sc->nplaces; i++)
            for (int c = 0; c < 2; c++) {
                md->q[i][c].v = qmem + off;
                off += cnt[i][c];
            }
    }
    build_orders(md);
    for (int u = 0; u < sc->nunits; u++) md->free_beds[u] = sc->units[u].beds;
    size_t next = 0;
    int in_window = md->wstart <= 0;
    while (!rc) {
        double ta = next < md->np ? md->p[next].arrive : INFINITY;
        double td = md->h.n ? md->h.e[0].t : INFINITY;
        int dep = td <= ta;
        double t = dep ? td : ta;
        if (isinf(t) || t > hard || (t >= md->wend && md->pending == 0)) break;
        if (!in_window && t >= md->wstart) {
            /* those still waiting from the warm-up count towards the maximum */
            in_window = 1;
            if (md->waiting > md->max_waiting) md->max_waiting = md->waiting;
        }
        out->events++;
        if (dep)
            rc = on_depart(md, heap_pop(&md->h).who, t);
        else
            rc = on_arrive(md, (int)next++, t);
    }
    if (!rc) {
        for (int u = 0; u < sc->nunits; u++) unit_touch(md, u, md->wend);
        queue_touch(md, md->wend);
        rc = summarise(md, hard, out);
    }
done:
    free(qmem);
    free(md->h.e);
    free(md->p);
    free(md);
    return rc;
}
