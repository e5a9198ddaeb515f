/* alloc.c - the optimal allocation of waiting-list patients to surgical-hub
 * theatre slots (waitlist_allocate) and the same model as one explicit flow
 * network for checking against other solvers (waitlist_net_build).
 *
 * Specialties never share slots, so each is an independent subproblem; they
 * are solved in parallel on params.threads workers. */
#include "waitlist/waitlist.h"

#include <assert.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"

/*
 * The model (one specialty). A transportation problem with many sources
 * (patients, supply 1 each) and few sinks (theatre slots grouped by site and
 * day):
 *
 *   patient --(travel + away [+ late])--> C(s, t) --(slots on day t)--> SINK
 *   patient --(unassigned penalty)--------------------------------------> SINK
 *   C(s, t) --(0, unbounded)--> C(s, t-1)
 *
 * C(s, t) is a chain node for site s and its t-th session day: flow entering
 * C(s, t) can use any day up to t, so a P1/P2 patient whose due day falls on
 * or after day t links to C(s, t) and is booked on time; the same patient
 * also links, at an extra late_penalty, to the last day (C(s, last)) so that
 * an urgent patient is still booked late rather than dropped when on-time
 * capacity runs out ("before the due date where capacity allows"). P3/P4
 * patients link to C(s, last). Sites beyond a patient's maximum distance get
 * no arc. Every cost is an integer, so the optimum is exact.
 *
 * Aggregation (exact). Patients with the same trust, home point, maximum
 * distance and urgency class (due-day index) have identical arcs to every
 * site; they differ only in their unassigned penalty. Such a class becomes
 * one node with supply = its size and one unassigned arc per distinct
 * penalty value, capacity = how many members have it. Any patient-level
 * solution maps to a class-level one of equal cost and back (members with
 * equal site costs are interchangeable; leaving out the members with the
 * smallest penalties is what the min-cost flow chooses), so both optima are
 * equal. Homes are postcode-district centres, so a million patients fall in
 * a few thousand classes per specialty.
 *
 * Days within a site. The flow fixes each patient's site and whether an
 * urgent patient is on time; it leaves the day to us at no cost. Earliest
 * deadline first (Jackson's rule) over unit jobs and daily capacities meets
 * every deadline whenever any schedule does, so patients are sorted by
 * (deadline day, priority, longest wait) and given the earliest free slot.
 */

typedef struct pool {
    int64_t date;
    int64_t slots;  /* summed over the day's sessions */
    int first, cnt; /* range in the spec's sorted session list */
} pool;

typedef struct site_pools {
    int site;
    int npools;
    pool *pools; /* by date */
    int chain0;  /* node of C(s, 0) */
} site_pools;

typedef struct spec_work {
    int tfc;
    size_t *pidx; /* patients of this specialty */
    size_t np;
    int *sess; /* sessions of this specialty (date >= today), sorted by site, date */
    size_t ns;
} spec_work;

typedef struct actx {
    const waitlist_site *sites;
    size_t nsites;
    const waitlist_session *sessions;
    const waitlist_patient *pts;
    const waitlist_params *p;
    waitlist_assignment *a;
    int64_t *due; /* per patient: due day, INT64_MAX when not urgent */
    int64_t *pen; /* per patient: unassigned penalty */
    spec_work *work;
    size_t nwork, next, done_pts, total_pts;
    size_t net_nodes, net_arcs;
    uint64_t pivots;
    pthread_mutex_t mu;
    progress_fn progress;
    void *pctx;
    int err;
    ics_err e;
} actx;

/* Start from "nobody booked" with the greedy first guess, and price every
 * arc (class nodes have few) in blocks larger than LEMON's sqrt(m): from
 * that start the most negative arc of a large block is a much better pivot.
 * How large was measured (bench/waitlist): 8 x sqrt(m) is best where
 * classes reach many of few hub sites (NWL, at most 32 sites, so at most
 * 32 x 56 chain nodes (hub-days) per specialty: 50k pivots instead of 190k
 * at 2 x at 100k patients), following the arcs per node below that. Where
 * there are many hub-days (more than 4,000: the synthetic national network,
 * 260 sites and about 12,500 hub-days per specialty, each class reaching a
 * handful), the best block is about 2 x sqrt(m): a larger one saves fewer
 * pivots (584k instead of 780k on its largest specialty at 6.4 x) than it
 * costs in pricing (10,000 reduced costs a pivot instead of 3,500;
 * bf 2 / 3 / 6.4 took 15.7 / 17.3 / 20.8 s there, 4 December 2026). */
void waitlist_net_solver_setup(flow_mcf *g, int sink)
{
    int n = flow_mcf_nodes(g), hubdays = 0;
    for (int u = 0; u < n; u++) hubdays += u != sink && flow_mcf_supply_get(g, u) == 0;
    double deg = (double)flow_mcf_arcs(g) / (double)(n > 0 ? n : 1);
    double bf = hubdays > 4000 ? 2.0 : (deg - 4.0) / 1.5;
    flow_mcf_root_hint(g, sink);
    flow_mcf_pricing(g, 0, bf < 1 ? 1 : bf > 8 ? 8 : bf);
}

void waitlist_params_default(waitlist_params *p)
{
    memset(p, 0, sizeof *p);
    p->travel_per_km = 10;
    p->away_penalty = 100;
    p->late_penalty = 50000;
    p->prio_base[1] = 1000000;
    p->prio_base[2] = 200000;
    p->prio_base[3] = 20000;
    p->prio_base[4] = 5000;
    p->per_week = 500;
    p->default_max_km = 25.0;
    p->aggregate = 1;
    p->threads = 2;
}

static int urgent(int priority)
{
    return priority == 1 || priority == 2;
}

static double max_km(const actx *c, size_t i)
{
    return c->pts[i].max_km > 0 ? c->pts[i].max_km : c->p->default_max_km;
}

/* Per-specialty working state while building and decoding its network. */
typedef struct spec_net {
    site_pools *sp;
    int nsp;
    int64_t *days; /* distinct session days of the specialty, sorted */
    int ndays;
    size_t *order;  /* patients sorted into classes */
    size_t *cstart; /* class c = order[cstart[c] .. cstart[c+1]) */
    size_t nclass;
    int *dueidx; /* per order position: count of specialty days <= due */
    /* arcs of class c: site arcs [sa0[c], sa0[c+1]) then unassigned arcs */
    size_t *sa0, *ua0, *uend;
    int *arc_site;     /* per arc: index into sp, -1 for unassigned */
    int *arc_late;     /* per arc: 1 for a late arc */
    int64_t *arc_km10; /* km x 1000 rounded (metres) for reporting */
    geo_vec *sv;       /* each site (by sp index) as a unit vector */
    flow_mcf *g;
} spec_net;

static int cmp_session(const void *x, const void *y, void *arg)
{
    const waitlist_session *S = arg;
    const waitlist_session *a = &S[*(const int *)x], *b = &S[*(const int *)y];
    if (a->site != b->site) return a->site < b->site ? -1 : 1;
    if (a->date != b->date) return a->date < b->date ? -1 : 1;
    return *(const int *)x < *(const int *)y ? -1 : 1;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

/* Count of sorted values <= v. */
static int upper(const int64_t *v, int n, int64_t x)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (v[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* A patient's sort key, copied out of the patient so that sorting a
 * specialty's patients into classes (1.5M of them in the national
 * instance's largest) compares these bytes alone instead of following
 * each index to its patient and comparing trust strings. */
typedef struct pkey {
    uint64_t trust;  /* the trust code's bytes, big-endian: orders as strcmp */
    double lat, lon; /* home */
    double km;       /* travel limit */
    int64_t pen;     /* waiting penalty */
    size_t i;        /* patient */
    int due;         /* due index, INT_MAX when not urgent */
} pkey;

/* The code's bytes up to its end, zero after it, as one big-endian
 * number: two codes compare as these numbers do as strcmp does. */
static uint64_t code_num(const char *code, size_t size)
{
    uint64_t v = 0;
    size_t k = 0;
    assert(size <= 8);
    for (; k < size && code[k]; k++) v = v << 8 | (unsigned char)code[k];
    for (; k < 8; k++) v <<= 8;
    return v;
}

static int dcmp(double a, double b)
{
    int an = isnan(a), bn = isnan(b);
    if (an || bn) return an - bn;
    return a < b ? -1 : a > b;
}

static int cmp_key(const void *x, const void *y, void *arg)
{
    const pkey *a = x, *b = y;
    int r;
    (void)arg;
    if (a->trust != b->trust) return a->trust < b->trust ? -1 : 1;
    if ((r = dcmp(a->lat, b->lat))) return r;
    if ((r = dcmp(a->lon, b->lon))) return r;
    if ((r = dcmp(a->km, b->km))) return r;
    if (a->due != b->due) return a->due < b->due ? -1 : 1;
    /* within a class: largest penalty first */
    if (a->pen != b->pen) return a->pen > b->pen ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

static int cmp_index(const void *x, const void *y, void *arg)
{
    (void)arg;
    const pkey *a = x, *b = y;
    return a->i < b->i ? -1 : a->i > b->i;
}

static void spec_net_free(spec_net *s)
{
    if (!s) return;
    for (int k = 0; k < s->nsp; k++) free(s->sp[k].pools);
    free(s->sp);
    free(s->days);
    free(s->order);
    free(s->cstart);
    free(s->dueidx);
    free(s->sa0);
    free(s->ua0);
    free(s->uend);
    free(s->arc_site);
    free(s->arc_late);
    free(s->arc_km10);
    free(s->sv);
    flow_mcf_free(s->g);
}

/* Build pools, classes and the flow network of one specialty. */
static int spec_build(actx *c, spec_work *w, int aggregate, spec_net *s, ics_err *e)
{
    const waitlist_session *S = c->sessions;
    memset(s, 0, sizeof *s);
    qsort_r(w->sess, w->ns, sizeof *w->sess, cmp_session, (void *)S);

    /* pools per site and day */
    s->days = malloc((w->ns + 1) * sizeof *s->days);
    s->sp = calloc(w->ns + 1, sizeof *s->sp);
    if (!s->days || !s->sp) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t k = 0; k < w->ns; k++) s->days[k] = S[w->sess[k]].date;
    qsort(s->days, w->ns, sizeof *s->days, cmp_i64);
    int nd = 0;
    for (size_t k = 0; k < w->ns; k++)
        if (nd == 0 || s->days[nd - 1] != s->days[k]) s->days[nd++] = s->days[k];
    s->ndays = nd;
    for (size_t k = 0; k < w->ns;) {
        int site = S[w->sess[k]].site;
        size_t end = k;
        while (end < w->ns && S[w->sess[end]].site == site) end++;
        site_pools *sp = &s->sp[s->nsp++];
        sp->site = site;
        sp->pools = calloc(end - k, sizeof *sp->pools);
        if (!sp->pools) return ics_err_set(e, ICS_ENOMEM, "out of memory");
        for (size_t j = k; j < end; j++) {
            const waitlist_session *ss = &S[w->sess[j]];
            if (sp->npools == 0 || sp->pools[sp->npools - 1].date != ss->date) {
                pool *pl = &sp->pools[sp->npools++];
                pl->date = ss->date;
                pl->first = (int)j;
            }
            pool *pl = &sp->pools[sp->npools - 1];
            pl->slots += ss->slots;
            pl->cnt++;
        }
        k = end;
    }

    /* classes */
    pkey *keys = malloc((w->np + 1) * sizeof *keys);
    if (!keys) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t k = 0; k < w->np; k++) {
        size_t i = w->pidx[k];
        const waitlist_patient *pt = &c->pts[i];
        keys[k].trust = code_num(pt->trust, sizeof pt->trust);
        keys[k].lat = pt->lat;
        keys[k].lon = pt->lon;
        keys[k].km = max_km(c, i);
        keys[k].pen = c->pen[i];
        keys[k].i = i;
        keys[k].due = c->due[i] == INT64_MAX ? INT_MAX : upper(s->days, nd, c->due[i]);
    }
    qsort_r(keys, w->np, sizeof *keys, aggregate ? cmp_key : cmp_index, c);
    s->order = malloc((w->np + 1) * sizeof *s->order);
    s->dueidx = malloc((w->np + 1) * sizeof *s->dueidx);
    s->cstart = malloc((w->np + 2) * sizeof *s->cstart);
    if (!s->order || !s->dueidx || !s->cstart) {
        free(keys);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < w->np; k++) {
        s->order[k] = keys[k].i;
        s->dueidx[k] = keys[k].due;
        int same = 0;
        if (k > 0 && aggregate) {
            const pkey *p = &keys[k], *q = &keys[k - 1];
            same = p->trust == q->trust && !dcmp(p->lat, q->lat) && !dcmp(p->lon, q->lon) &&
                   !dcmp(p->km, q->km) && p->due == q->due;
        }
        if (!same) s->cstart[s->nclass++] = k;
    }
    s->cstart[s->nclass] = w->np;
    free(keys);

    /* nodes: classes, chain nodes, sink */
    int nchain = 0;
    for (int k = 0; k < s->nsp; k++) {
        s->sp[k].chain0 = (int)s->nclass + nchain;
        nchain += s->sp[k].npools;
    }
    if (s->nclass + (size_t)nchain + 1 > INT_MAX / 2)
        return ics_err_set(e, ICS_EINVAL, "too many patients in one specialty");
    int sink = (int)s->nclass + nchain;
    size_t hint = s->nclass * (size_t)(2 * s->nsp + 2) + (size_t)nchain * 2 + 16;
    s->g = flow_mcf_new(sink + 1, hint);
    size_t acap = hint;
    s->arc_site = malloc(acap * sizeof *s->arc_site);
    s->arc_late = malloc(acap * sizeof *s->arc_late);
    s->arc_km10 = malloc(acap * sizeof *s->arc_km10);
    s->sa0 = malloc((s->nclass + 1) * sizeof *s->sa0);
    s->ua0 = malloc((s->nclass + 1) * sizeof *s->ua0);
    s->uend = malloc((s->nclass + 1) * sizeof *s->uend);
    if (!s->g || !s->arc_site || !s->arc_late || !s->arc_km10 || !s->sa0 || !s->ua0 || !s->uend)
        return ics_err_set(e, ICS_ENOMEM, "out of memory");

#define ADD_ARC(from, to, cap, cost, site, late, km)                                               \
    do {                                                                                           \
        long id_ = flow_mcf_arc_add(s->g, (from), (to), (cap), (cost));                            \
        if (id_ < 0) return ics_err_set(e, ICS_ENOMEM, "out of memory");                           \
        if ((size_t)id_ >= acap) {                                                                 \
            size_t nc_ = acap * 2;                                                                 \
            int *a1 = realloc(s->arc_site, nc_ * sizeof *a1);                                      \
            if (a1) s->arc_site = a1;                                                              \
            int *a2 = realloc(s->arc_late, nc_ * sizeof *a2);                                      \
            if (a2) s->arc_late = a2;                                                              \
            int64_t *a3 = realloc(s->arc_km10, nc_ * sizeof *a3);                                  \
            if (a3) s->arc_km10 = a3;                                                              \
            if (!a1 || !a2 || !a3) return ics_err_set(e, ICS_ENOMEM, "out of memory");             \
            acap = nc_;                                                                            \
        }                                                                                          \
        s->arc_site[id_] = (site);                                                                 \
        s->arc_late[id_] = (late);                                                                 \
        s->arc_km10[id_] = (km);                                                                   \
    } while (0)

    const waitlist_params *P = c->p;
    /* each site as a unit vector, so that the sites certainly out of a
     * class's reach are passed over without the haversine (nationally
     * most of them: 260 sites per class, a few within 40 km) */
    s->sv = malloc(((size_t)s->nsp + 1) * sizeof *s->sv);
    if (!s->sv) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (int k = 0; k < s->nsp; k++)
        s->sv[k] = geo_vec_of(c->sites[s->sp[k].site].lat, c->sites[s->sp[k].site].lon);
    for (size_t cl = 0; cl < s->nclass; cl++) {
        size_t k0 = s->cstart[cl], k1 = s->cstart[cl + 1];
        size_t i = s->order[k0];
        const waitlist_patient *pt = &c->pts[i];
        int due = s->dueidx[k0];
        double lim = max_km(c, i), reach = geo_chord2(lim);
        geo_vec pv = geo_vec_of(pt->lat, pt->lon);
        int located = !isnan(pt->lat) && !isnan(pt->lon);
        flow_mcf_supply_set(s->g, (int)cl, (int64_t)(k1 - k0));
        s->sa0[cl] = flow_mcf_arcs(s->g);
        for (int k = 0; k < s->nsp; k++) {
            const waitlist_site *st = &c->sites[s->sp[k].site];
            double km = 0;
            int own;
            if (!located || isnan(st->lat) || isnan(st->lon)) {
                own = strcmp(st->trust, pt->trust) == 0;
                if (!own) continue;
            } else {
                if (geo_beyond(pv, s->sv[k], reach)) continue; /* then km > lim too */
                km = geo_km(pt->lat, pt->lon, st->lat, st->lon);
                if (km > lim) continue;
                own = strcmp(st->trust, pt->trust) == 0;
            }
            int64_t cost = llround(km * (double)P->travel_per_km) + (own ? 0 : P->away_penalty);
            int64_t metres = llround(km * 1000.0);
            int last = s->sp[k].npools - 1;
            int ontime = last;
            if (due != INT_MAX) {
                /* last pool of this site on a specialty day index < due */
                int64_t dueday = due > 0 ? s->days[due - 1] : INT64_MIN;
                ontime = -1;
                for (int t = last; t >= 0; t--)
                    if (s->sp[k].pools[t].date <= dueday) {
                        ontime = t;
                        break;
                    }
            }
            if (ontime >= 0)
                ADD_ARC((int)cl, s->sp[k].chain0 + ontime, FLOW_CAP_INF, cost, k, 0, metres);
            if (ontime < last)
                ADD_ARC((int)cl, s->sp[k].chain0 + last, FLOW_CAP_INF, cost + P->late_penalty, k, 1,
                        metres);
        }
        s->ua0[cl] = flow_mcf_arcs(s->g);
        for (size_t k = k0; k < k1;) {
            int64_t u = c->pen[s->order[k]];
            size_t j = k;
            while (j < k1 && c->pen[s->order[j]] == u) j++;
            ADD_ARC((int)cl, sink, (int64_t)(j - k), u, -1, 0, 0);
            k = j;
        }
        s->uend[cl] = flow_mcf_arcs(s->g);
    }
    for (int k = 0; k < s->nsp; k++) {
        for (int t = 0; t < s->sp[k].npools; t++) {
            int node = s->sp[k].chain0 + t;
            if (s->sp[k].pools[t].slots > 0)
                ADD_ARC(node, sink, s->sp[k].pools[t].slots, 0, k, 0, 0);
            if (t > 0) ADD_ARC(node, node - 1, FLOW_CAP_INF, 0, k, 0, 0);
        }
    }
#undef ADD_ARC
    flow_mcf_supply_set(s->g, sink, -(int64_t)w->np);
    waitlist_net_solver_setup(s->g, sink);
    return 0;
}

typedef struct booked {
    size_t i;
    int deadline; /* pool index */
} booked;

static int cmp_booked(const void *x, const void *y, void *arg)
{
    const booked *a = x, *b = y;
    const waitlist_patient *pts = arg;
    const waitlist_patient *p = &pts[a->i], *q = &pts[b->i];
    if (a->deadline != b->deadline) return a->deadline < b->deadline ? -1 : 1;
    if (p->priority != q->priority) return p->priority < q->priority ? -1 : 1;
    if (p->clock_start != q->clock_start) return p->clock_start < q->clock_start ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Turn the optimal flow into per-patient sites, then days by EDF. */
static int spec_decode(actx *c, spec_work *w, spec_net *s, ics_err *e)
{
    const waitlist_params *P = c->p;
    booked **bysite = calloc((size_t)s->nsp + 1, sizeof *bysite);
    size_t *nby = calloc((size_t)s->nsp + 1, sizeof *nby);
    if (!bysite || !nby) {
        free(bysite);
        free(nby);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    for (int k = 0; k < s->nsp; k++) {
        bysite[k] = malloc((w->np + 1) * sizeof **bysite);
        if (!bysite[k]) {
            for (int j = 0; j < k; j++) free(bysite[j]);
            free(bysite);
            free(nby);
            return ics_err_set(e, ICS_ENOMEM, "out of memory");
        }
    }
    for (size_t cl = 0; cl < s->nclass; cl++) {
        size_t k0 = s->cstart[cl], k1 = s->cstart[cl + 1];
        /* members are sorted by penalty, largest first: each unassigned arc
         * covers a run of equal penalties; its flow leaves out that many
         * from the end of the run */
        size_t *assigned = malloc((k1 - k0 + 1) * sizeof *assigned);
        size_t na = 0;
        if (!assigned) return ics_err_set(e, ICS_ENOMEM, "out of memory");
        size_t k = k0;
        for (size_t arc = s->ua0[cl]; arc < s->uend[cl]; arc++) {
            int from, to;
            int64_t cap, cost;
            flow_mcf_arc_get(s->g, arc, &from, &to, &cap, &cost);
            int64_t f = flow_mcf_flow(s->g, arc);
            for (int64_t j = 0; j < cap; j++, k++)
                if (j < cap - f) assigned[na++] = s->order[k];
        }
        size_t next = 0;
        for (size_t arc = s->sa0[cl]; arc < s->ua0[cl]; arc++) {
            int64_t f = flow_mcf_flow(s->g, arc);
            int from, to;
            int64_t cap, cost;
            flow_mcf_arc_get(s->g, arc, &from, &to, &cap, &cost);
            int k2 = s->arc_site[arc];
            for (int64_t j = 0; j < f && next < na; j++) {
                size_t i = assigned[next++];
                waitlist_assignment *A = &c->a[i];
                A->site = s->sp[k2].site;
                A->km = (double)s->arc_km10[arc] / 1000.0;
                A->late = s->arc_late[arc];
                A->late_cost = A->late ? P->late_penalty : 0;
                A->away = strcmp(c->sites[A->site].trust, c->pts[i].trust) ? P->away_penalty : 0;
                A->travel = cost - A->late_cost - A->away;
                A->unassigned = 0;
                booked *b = &bysite[k2][nby[k2]++];
                b->i = i;
                b->deadline = to - s->sp[k2].chain0;
            }
        }
        free(assigned);
        if (next != na) {
            for (int j = 0; j < s->nsp; j++) free(bysite[j]);
            free(bysite);
            free(nby);
            return ics_err_set(e, ICS_EINTERNAL, "flow decoding: %zu booked, %zu placed", na, next);
        }
    }
    int rc = 0;
    for (int k = 0; k < s->nsp; k++)
        qsort_r(bysite[k], nby[k], sizeof **bysite, cmp_booked, (void *)c->pts);
    for (int k = 0; k < s->nsp && !rc; k++) {
        site_pools *sp = &s->sp[k];
        int t = 0, sess = 0;
        int64_t used_pool = 0, used_sess = 0;
        for (size_t j = 0; j < nby[k]; j++) {
            while (t < sp->npools && used_pool >= sp->pools[t].slots) {
                t++;
                used_pool = 0;
                sess = 0;
                used_sess = 0;
            }
            if (t >= sp->npools || t > bysite[k][j].deadline) {
                rc = ics_err_set(e, ICS_EINTERNAL, "earliest-deadline scheduling failed");
                break;
            }
            pool *pl = &sp->pools[t];
            while (used_sess >= c->sessions[w->sess[pl->first + sess]].slots) {
                sess++;
                used_sess = 0;
            }
            size_t i = bysite[k][j].i;
            c->a[i].session = w->sess[pl->first + sess];
            used_sess++;
            used_pool++;
        }
    }
    for (int k = 0; k < s->nsp; k++) free(bysite[k]);
    free(bysite);
    free(nby);
    return rc;
}

static int spec_solve(actx *c, spec_work *w, ics_err *e)
{
    spec_net s;
    int rc = spec_build(c, w, c->p->aggregate, &s, e);
    if (!rc) flow_mcf_stop_set(s.g, c->p->stop);
    if (!rc) rc = flow_mcf_solve(s.g, e);
    if (!rc) rc = spec_decode(c, w, &s, e);
    if (!rc) {
        pthread_mutex_lock(&c->mu);
        c->net_nodes += (size_t)flow_mcf_nodes(s.g);
        c->net_arcs += flow_mcf_arcs(s.g);
        c->pivots += flow_mcf_pivots(s.g);
        pthread_mutex_unlock(&c->mu);
    }
    spec_net_free(&s);
    return rc;
}

static void *worker(void *arg)
{
    actx *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        if (!c->err && c->p->stop && atomic_load_explicit(c->p->stop, memory_order_relaxed)) {
            c->err = ICS_ECONFLICT;
            ics_err_set(&c->e, ICS_ECONFLICT, "the run was cancelled");
        }
        if (c->err || c->next >= c->nwork) {
            pthread_mutex_unlock(&c->mu);
            return NULL;
        }
        spec_work *w = &c->work[c->next++];
        pthread_mutex_unlock(&c->mu);
        ics_err e = {0};
        int rc = spec_solve(c, w, &e);
        pthread_mutex_lock(&c->mu);
        if (rc && !c->err) {
            c->err = rc;
            c->e = e;
            ics_err_prefix(&c->e, "specialty %d: ", w->tfc);
        }
        c->done_pts += w->np;
        if (c->progress && c->total_pts)
            c->progress(c->pctx, (double)c->done_pts / (double)c->total_pts);
        pthread_mutex_unlock(&c->mu);
    }
}

static int cmp_work(const void *x, const void *y)
{
    const spec_work *a = x, *b = y;
    if (a->np != b->np) return a->np > b->np ? -1 : 1; /* biggest first */
    return a->tfc - b->tfc;
}

static void work_free(actx *c)
{
    for (size_t k = 0; k < c->nwork; k++) {
        free(c->work[k].pidx);
        free(c->work[k].sess);
    }
    free(c->work);
    free(c->due);
    free(c->pen);
}

/* Validate, compute penalties and due days, and split by specialty. */
static int prepare(actx *c, const waitlist_site *sites, size_t nsites,
                   const waitlist_session *sessions, size_t nsessions, const waitlist_patient *pts,
                   size_t n, const waitlist_params *p, ics_err *e)
{
    memset(c, 0, sizeof *c);
    c->sites = sites;
    c->nsites = nsites;
    c->sessions = sessions;
    c->pts = pts;
    c->p = p;
    if (p->travel_per_km < 0 || p->away_penalty < 0 || p->late_penalty < 0 || p->per_week < 0)
        return ics_err_set(e, ICS_EINVAL, "cost weights must not be negative");
    for (int k = 1; k <= 4; k++)
        if (p->prio_base[k] < 0)
            return ics_err_set(e, ICS_EINVAL, "unassigned penalties must not be negative");
    if (!(p->default_max_km > 0)) return ics_err_set(e, ICS_EINVAL, "default_max_km must be > 0");
    if (n > (size_t)INT_MAX / 4) return ics_err_set(e, ICS_EINVAL, "too many patients");
    for (size_t k = 0; k < nsessions; k++) {
        if (sessions[k].site < 0 || (size_t)sessions[k].site >= nsites)
            return ics_err_set(e, ICS_EINVAL, "session %zu: no such site index %d", k,
                               sessions[k].site);
        if (sessions[k].slots < 0)
            return ics_err_set(e, ICS_EINVAL, "session %zu: negative slots", k);
    }
    c->due = malloc((n + 1) * sizeof *c->due);
    c->pen = malloc((n + 1) * sizeof *c->pen);
    if (!c->due || !c->pen) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const waitlist_patient *pt = &pts[i];
        if (pt->priority < 1 || pt->priority > 4)
            return ics_err_set(e, ICS_EINVAL, "patient %zu: priority %d is not 1-4", i,
                               pt->priority);
        int wk = waitlist_weeks_waited(pt->clock_start, p->today);
        c->due[i] =
            urgent(pt->priority) ? waitlist_due_day(pt->priority, pt->priority_date) : INT64_MAX;
        c->pen[i] = p->prio_base[pt->priority] + p->per_week * wk;
    }
    /* specialties: sort patient indices by tfc */
    size_t *idx = malloc((n + 1) * sizeof *idx);
    int *tf = malloc((n + 1) * sizeof *tf);
    if (!idx || !tf) {
        free(idx);
        free(tf);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    /* counting by distinct tfc values through a small sorted list */
    int *codes = NULL;
    size_t ncodes = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < ncodes; k++)
            if (codes[k] == pts[i].tfc) break;
        if (k == ncodes) {
            int *nc = realloc(codes, (ncodes + 1) * sizeof *nc);
            if (!nc) {
                free(codes);
                free(idx);
                free(tf);
                return ics_err_set(e, ICS_ENOMEM, "out of memory");
            }
            codes = nc;
            codes[ncodes++] = pts[i].tfc;
        }
        tf[i] = (int)k;
    }
    c->work = calloc(ncodes + 1, sizeof *c->work);
    if (!c->work) {
        free(codes);
        free(idx);
        free(tf);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    c->nwork = ncodes;
    int rc = 0;
    for (size_t k = 0; k < ncodes && !rc; k++) {
        spec_work *w = &c->work[k];
        w->tfc = codes[k];
        size_t cnt = 0, scnt = 0;
        for (size_t i = 0; i < n; i++) cnt += tf[i] == (int)k;
        for (size_t j = 0; j < nsessions; j++)
            scnt += sessions[j].tfc == w->tfc && sessions[j].date >= p->today;
        w->pidx = malloc((cnt + 1) * sizeof *w->pidx);
        w->sess = malloc((scnt + 1) * sizeof *w->sess);
        if (!w->pidx || !w->sess) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (tf[i] == (int)k) w->pidx[w->np++] = i;
        for (size_t j = 0; j < nsessions; j++)
            if (sessions[j].tfc == w->tfc && sessions[j].date >= p->today)
                w->sess[w->ns++] = (int)j;
    }
    free(codes);
    free(idx);
    free(tf);
    if (rc) return rc;
    qsort(c->work, c->nwork, sizeof *c->work, cmp_work);
    c->total_pts = n;
    return 0;
}

int waitlist_allocate(const waitlist_site *sites, size_t nsites, const waitlist_session *sessions,
                      size_t nsessions, const waitlist_patient *pts, size_t n,
                      const waitlist_params *p, progress_fn progress, void *pctx,
                      waitlist_result **out, ics_err *e)
{
    *out = NULL;
    actx c;
    int rc = prepare(&c, sites, nsites, sessions, nsessions, pts, n, p, e);
    waitlist_result *r = calloc(1, sizeof *r);
    if (r) r->a = calloc(n + 1, sizeof *r->a);
    if (!rc && (!r || !r->a)) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    if (rc) {
        work_free(&c);
        waitlist_result_free(r);
        return rc;
    }
    r->n = n;
    c.a = r->a;
    for (size_t i = 0; i < n; i++) {
        r->a[i].session = -1;
        r->a[i].site = -1;
        r->a[i].weeks = waitlist_weeks_waited(pts[i].clock_start, p->today);
        r->a[i].unassigned = c.pen[i];
    }
    c.progress = progress;
    c.pctx = pctx;
    pthread_mutex_init(&c.mu, NULL);
    int nt = p->threads < 1 ? 1 : p->threads > 16 ? 16 : p->threads;
    if ((size_t)nt > c.nwork) nt = (int)c.nwork;
    pthread_t th[16];
    int started = 0;
    for (int t = 1; t < nt; t++)
        if (pthread_create(&th[started], NULL, worker, &c) == 0) started++;
    worker(&c);
    for (int t = 0; t < started; t++) pthread_join(th[t], NULL);
    pthread_mutex_destroy(&c.mu);
    if (c.err) {
        if (e) *e = c.e;
        work_free(&c);
        waitlist_result_free(r);
        return c.err;
    }
    for (size_t i = 0; i < n; i++) {
        const waitlist_assignment *A = &r->a[i];
        r->travel += A->travel;
        r->away += A->away;
        r->late_cost += A->late_cost;
        r->unassigned += A->unassigned;
        if (A->session >= 0) r->assigned++;
        if (urgent(pts[i].priority)) {
            r->urgent++;
            if (A->session >= 0 && !A->late) r->urgent_on_time++;
            if (A->session >= 0 && A->late) r->urgent_late++;
        }
    }
    r->objective = r->travel + r->away + r->late_cost + r->unassigned;
    r->net_nodes = c.net_nodes;
    r->net_arcs = c.net_arcs;
    r->pivots = c.pivots;
    work_free(&c);
    *out = r;
    return 0;
}

void waitlist_result_free(waitlist_result *r)
{
    if (!r) return;
    free(r->a);
    free(r);
}

int waitlist_net_build(const waitlist_site *sites, size_t nsites, const waitlist_session *sessions,
                       size_t nsessions, const waitlist_patient *pts, size_t n,
                       const waitlist_params *p, waitlist_net **out, ics_err *e)
{
    *out = NULL;
    actx c;
    int rc = prepare(&c, sites, nsites, sessions, nsessions, pts, n, p, e);
    waitlist_net *net = calloc(1, sizeof *net);
    if (!rc && !net) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    spec_net *sn = rc ? NULL : calloc(c.nwork + 1, sizeof *sn);
    if (!rc && !sn) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    size_t built = 0;
    for (size_t k = 0; k < c.nwork && !rc; k++) {
        rc = spec_build(&c, &c.work[k], p->aggregate, &sn[k], e);
        built = k + 1;
    }
    /* without aggregation: patients first (input order), then each
     * specialty's chain and sink; with it: each specialty's nodes in turn */
    size_t extra = 0, arcs = 0;
    for (size_t k = 0; k < built && !rc; k++) {
        extra += (size_t)flow_mcf_nodes(sn[k].g) - (p->aggregate ? 0 : sn[k].nclass);
        arcs += flow_mcf_arcs(sn[k].g);
    }
    if (!rc) {
        net->nodes = (int)((p->aggregate ? 0 : n) + extra);
        net->arcs = arcs;
        net->nparts = built;
        net->supply = calloc((size_t)net->nodes + 1, sizeof *net->supply);
        net->from = malloc((arcs + 1) * sizeof *net->from);
        net->to = malloc((arcs + 1) * sizeof *net->to);
        net->cap = malloc((arcs + 1) * sizeof *net->cap);
        net->cost = malloc((arcs + 1) * sizeof *net->cost);
        net->part_arc = malloc((built + 1) * sizeof *net->part_arc);
        if (!net->supply || !net->from || !net->to || !net->cap || !net->cost || !net->part_arc)
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    size_t base = p->aggregate ? 0 : n, a = 0;
    for (size_t k = 0; k < built && !rc; k++) {
        spec_net *s = &sn[k];
        /* without aggregation class cl is the single patient order[cl] */
        int nc = p->aggregate ? 0 : (int)s->nclass;
#define MAPN(v) ((v) < nc ? (int)s->order[(v)] : (int)(base + (size_t)((v)-nc)))
        net->part_arc[k] = a;
        for (int v = 0; v < flow_mcf_nodes(s->g); v++)
            net->supply[MAPN(v)] = flow_mcf_supply_get(s->g, v);
        for (size_t j = 0; j < flow_mcf_arcs(s->g); j++, a++) {
            int f, t;
            flow_mcf_arc_get(s->g, j, &f, &t, &net->cap[a], &net->cost[a]);
            net->from[a] = MAPN(f);
            net->to[a] = MAPN(t);
        }
#undef MAPN
        base += (size_t)flow_mcf_nodes(s->g) - (size_t)nc;
    }
    if (!rc) net->part_arc[built] = a;
    for (size_t k = 0; k < built; k++) spec_net_free(&sn[k]);
    free(sn);
    work_free(&c);
    if (rc) {
        waitlist_net_free(net);
        return rc;
    }
    *out = net;
    return 0;
}

void waitlist_net_free(waitlist_net *net)
{
    if (!net) return;
    free(net->supply);
    free(net->from);
    free(net->to);
    free(net->cap);
    free(net->cost);
    free(net->part_arc);
    free(net);
}
