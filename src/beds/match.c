/* match.c - matching referrals to community beds: the suitability rules,
 * the cost model, the ranked list with reasons for one referral and the
 * exact optimal assignment of the whole queue (a min-cost flow over bed
 * classes, solved by the shared network simplex in src/flow).
 *
 * Cost model (all integers so optimal totals are exact and reproducible):
 *   placing referral r in bed b   c(r,b) = per_100m * round(km * 10)
 *                                        + alt_fit   * [bed type is an alternative]
 *                                        + round(occupancy * unit occupancy fraction)
 *   leaving a ready r unplaced    u(r)   = unplaced + per_wait_day[priority]
 *                                                    * (whole days waited + 1)
 *   total = sum of c over placements + sum of u over ready referrals unplaced.
 * With the defaults (unplaced 100000 >> any c) the optimum places as many
 * referrals as the suitable beds allow; among those choices it prefers the
 * longest-waiting and most urgent (their u is larger), then beds near home
 * of the exact type in less busy units. Suitability is a hard rule, not a
 * cost: an unsuitable pair is never chosen. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beds/beds.h"
#include "core/geo.h"

void beds_match_opts_default(beds_match_opts *o, int64_t now)
{
    memset(o, 0, sizeof *o);
    o->policy = BEDS_POLICY_POOLED;
    o->now = now;
    o->stale_after = 24 * 3600;
    o->max_km = 0;
    o->w.per_100m = 1;
    o->w.alt_fit = 200;
    o->w.occupancy = 20;
    o->w.unplaced = 100000;
    o->w.per_wait_day[0] = 0;
    o->w.per_wait_day[1] = 300;
    o->w.per_wait_day[2] = 100;
    o->w.per_wait_day[3] = 50;
}

static const char *why_names[BEDS_WHY_COUNT] = {"ok",      "not_available",    "type",   "sex_unit",
                                                "sex_bay", "not_commissioned", "too_far"};

const char *beds_why_name(beds_why w)
{
    return (unsigned)w < BEDS_WHY_COUNT ? why_names[w] : "?";
}

int beds_referral_ready(const beds_referral *r, int64_t now)
{
    return r->earliest_at <= now;
}

int64_t beds_unplaced_cost(const beds_referral *r, const beds_match_opts *o)
{
    int64_t waited = o->now > r->referred_at ? (o->now - r->referred_at) / 86400 : 0;
    int p = r->priority >= 1 && r->priority <= 3 ? r->priority : 3;
    return o->w.unplaced + o->w.per_wait_day[p] * (waited + 1);
}

static int commissioned(const beds_unit *u, const char *place)
{
    for (int i = 0; i < u->nplaces && i < BEDS_MAX_PLACES; i++)
        if (strcmp(u->places[i], place) == 0) return 1;
    return 0;
}

/* The unit-level rules and cost for r in unit u (everything but the bed's
 * own status and bay): the cost, or -1 with opt->why set. comm: whether u
 * is commissioned for r's place when the caller knows (0 or 1), else -1. */
static int64_t unit_cost(const beds_board *b, const beds_unit_count *counts, const beds_referral *r,
                         int unit, const beds_match_opts *o, beds_option *opt, int comm)
{
    const beds_unit *u = &b->units[unit];
    beds_option tmp;
    if (!opt) opt = &tmp;
    opt->why = BEDS_WHY_OK;
    opt->km = -1;
    opt->fit = beds_type_fit(r->type, u->type);
    opt->occupancy = counts[unit].occupancy;
    opt->stale = counts[unit].stale;
    /* the distance is the dear part: a caller that wants no details (the
     * batch) gets it only for units that pass the other rules */
    int lazy = opt == &tmp && !(o->max_km > 0);
    if (r->has_home && !lazy) opt->km = geo_km(r->lat, r->lon, u->lat, u->lon);
    if (opt->fit == BEDS_FIT_NONE)
        opt->why = BEDS_WHY_TYPE;
    else if (u->sex != 'X' && u->sex != r->sex)
        opt->why = BEDS_WHY_SEX_UNIT;
    else if (o->policy == BEDS_POLICY_BOROUGH && !(comm >= 0 ? comm : commissioned(u, r->place)))
        opt->why = BEDS_WHY_NOT_COMMISSIONED;
    else if (o->max_km > 0 && opt->km > o->max_km)
        opt->why = BEDS_WHY_TOO_FAR;
    if (opt->why != BEDS_WHY_OK) return -1;
    if (r->has_home && lazy) opt->km = geo_km(r->lat, r->lon, u->lat, u->lon);
    int64_t tenths = opt->km > 0 ? llround(opt->km * 10.0) : 0;
    return o->w.per_100m * tenths + (opt->fit == BEDS_FIT_ALT ? o->w.alt_fit : 0) +
           llround((double)o->w.occupancy * opt->occupancy);
}

int64_t beds_option_cost(const beds_board *b, const beds_unit_count *counts, const beds_referral *r,
                         int bed, const beds_match_opts *o, beds_option *out)
{
    const beds_bed *bd = &b->beds[bed];
    beds_option opt;
    int64_t cost = unit_cost(b, counts, r, bd->unit, o, &opt, -1);
    opt.bed = bed;
    /* lasting reasons (type, sex of unit or bay, commissioning, distance)
     * come before the bed's current status: "male-only unit" says more
     * than "occupied" about a bed that will never suit this patient */
    if (opt.why == BEDS_WHY_OK && bd->bay_sex && bd->bay_sex != r->sex) opt.why = BEDS_WHY_SEX_BAY;
    if (opt.why == BEDS_WHY_OK && !beds_bed_offerable(bd)) opt.why = BEDS_WHY_NOT_AVAILABLE;
    if (opt.why != BEDS_WHY_OK) cost = -1;
    opt.cost = cost;
    if (out) *out = opt;
    return cost;
}

/* Suitable first by cost, then unsuitable grouped by reason; ties by bed
 * code so the order is the same on every run. */
static int cmp_option(const void *pa, const void *pb, void *ctx)
{
    const beds_board *b = ctx;
    const beds_option *a = pa, *c = pb;
    if ((a->why == BEDS_WHY_OK) != (c->why == BEDS_WHY_OK)) return a->why == BEDS_WHY_OK ? -1 : 1;
    if (a->why == BEDS_WHY_OK) {
        if (a->cost != c->cost) return a->cost < c->cost ? -1 : 1;
    } else if (a->why != c->why) {
        return a->why < c->why ? -1 : 1;
    }
    return strcmp(b->beds[a->bed].code, b->beds[c->bed].code);
}

int beds_referral_rank(const beds_board *b, const beds_referral *r, const beds_match_opts *o,
                       beds_option **out, size_t *nsuitable, ics_err *e)
{
    *out = NULL;
    *nsuitable = 0;
    beds_unit_count *counts = calloc(b->nunits ? b->nunits : 1, sizeof *counts);
    beds_option *opts = calloc(b->nbeds ? b->nbeds : 1, sizeof *opts);
    if (!counts || !opts) {
        free(counts);
        free(opts);
        return ics_err_set(e, ICS_ENOMEM, "out of memory ranking %zu beds", b->nbeds);
    }
    beds_board_count(b, o->now, o->stale_after, counts);
    size_t ok = 0;
    for (size_t i = 0; i < b->nbeds; i++) {
        beds_option_cost(b, counts, r, (int)i, o, &opts[i]);
        ok += opts[i].why == BEDS_WHY_OK;
    }
    qsort_r(opts, b->nbeds, sizeof *opts, cmp_option, (void *)b);
    free(counts);
    *out = opts;
    *nsuitable = ok;
    return 0;
}

static const char *sex_word(char s)
{
    return s == 'M' ? "male" : s == 'F' ? "female" : "of unrecorded sex";
}

void beds_option_explain(const beds_board *b, const beds_referral *r, const beds_option *opt,
                         char *buf, size_t n)
{
    const beds_bed *bd = &b->beds[opt->bed];
    const beds_unit *u = &b->units[bd->unit];
    char km[48] = "home location unknown";
    if (opt->km >= 0) snprintf(km, sizeof km, "%.1f km from home", opt->km);
    switch (opt->why) {
    case BEDS_WHY_OK:
        snprintf(buf, n, "%s fit (%s bed for %s need); %s; unit %.0f%% occupied%s",
                 opt->fit == BEDS_FIT_EXACT ? "exact" : "alternative", beds_type_name(u->type),
                 beds_type_name(r->type), km, opt->occupancy * 100.0,
                 opt->stale ? "; unit figures are stale" : "");
        break;
    case BEDS_WHY_NOT_AVAILABLE:
        if (bd->status == BEDS_CLOSED)
            snprintf(buf, n, "bed is closed (%s)", beds_closure_name(bd->closure));
        else
            snprintf(buf, n, "bed is %s, not available", beds_status_name(bd->status));
        break;
    case BEDS_WHY_TYPE:
        snprintf(buf, n, "%s bed cannot meet a %s need", beds_type_name(u->type),
                 beds_type_name(r->type));
        break;
    case BEDS_WHY_SEX_UNIT:
        snprintf(buf, n, "unit is %s-only; patient is %s", u->sex == 'M' ? "male" : "female",
                 sex_word(r->sex));
        break;
    case BEDS_WHY_SEX_BAY:
        snprintf(buf, n, "bay is designated %s; patient is %s", sex_word(bd->bay_sex),
                 sex_word(r->sex));
        break;
    case BEDS_WHY_NOT_COMMISSIONED:
        snprintf(buf, n, "borough policy: unit %s is not commissioned for place %s", u->code,
                 r->place);
        break;
    case BEDS_WHY_TOO_FAR:
        snprintf(buf, n, "%s, beyond the distance limit", km);
        break;
    default:
        snprintf(buf, n, "unknown");
        break;
    }
}

void beds_plan_free(beds_plan *p)
{
    if (!p) return;
    free(p->bed_of);
    free(p->cost_of);
    free(p->ready);
    free(p);
}

/* The batch problem as a minimum-cost flow over bed classes. Beds of the
 * same unit and bay designation are interchangeable (same cost for every
 * referral), so each such class is one node that can take as many
 * referrals as it has offerable beds:
 *
 *   referral r (supply 1) --(cap 1, c(r,k))--> class k --(cap n_k, 0)--> SINK
 *   referral r ------------(cap 1, u(r))-----------------------------> SINK
 *
 * with SINK's demand the number of ready referrals. A flow of cost C is a
 * plan of total cost C and back, so the minimum-cost flow is the batch
 * optimum. A pair with c(r,k) >= u(r) gets no arc: leaving r unplaced and
 * the bed empty is never dearer. Nodes: ready referrals 0..nr-1 in input
 * order, classes nr..nr+ncls-1 in order of first appearance, then SINK. */
typedef struct bed_class {
    int unit;
    char bay;
    int first; /* index into the class's bed list */
    int n;
} bed_class;

typedef struct qnet {
    size_t nr, ncls;
    int *ridx;      /* node i -> referral index */
    int64_t *ucost; /* node i -> unplaced cost */
    size_t *arc0;   /* node i's arcs: [arc0[i], arc0[i + 1]), the last to SINK */
    bed_class *cls;
    int *blist; /* offerable beds grouped by class */
    beds_unit_count *counts;
    /* borough policy: the ready referrals' distinct places (rplace: node i's
     * index into them) and comm[place * nunits + unit], so commissioning is
     * looked up once per place and unit, not per referral */
    int *rplace;
    unsigned char *comm;
    flow_mcf *g;
} qnet;

static void qnet_free(qnet *q)
{
    free(q->ridx);
    free(q->ucost);
    free(q->arc0);
    free(q->cls);
    free(q->blist);
    free(q->counts);
    free(q->rplace);
    free(q->comm);
    flow_mcf_free(q->g);
    memset(q, 0, sizeof *q);
}

static int bay_slot(char bay)
{
    return bay == 0 ? 0 : bay == 'M' ? 1 : bay == 'F' ? 2 : 3;
}

/* Group the offerable beds into classes (unit, bay) in order of first
 * appearance; blist lists the beds class by class. */
static int classes_build(const beds_board *b, qnet *q)
{
    size_t nu = b->nunits ? b->nunits : 1, nbd = b->nbeds ? b->nbeds : 1;
    int *of = malloc(nu * 4 * sizeof *of), *fill = NULL;
    q->cls = malloc(nbd * sizeof *q->cls);
    q->blist = malloc(nbd * sizeof *q->blist);
    if (!of || !q->cls || !q->blist) goto fail;
    for (size_t k = 0; k < nu * 4; k++) of[k] = -1;
    size_t ncls = 0;
    for (size_t j = 0; j < b->nbeds; j++) {
        const beds_bed *bd = &b->beds[j];
        if (!beds_bed_offerable(bd) || bd->unit < 0 || (size_t)bd->unit >= b->nunits) continue;
        int slot = bay_slot(bd->bay_sex), k = of[(size_t)bd->unit * 4 + (size_t)slot];
        if (slot == 3) /* an unusual designation: look it up */
            for (k = 0; k < (int)ncls; k++)
                if (q->cls[k].unit == bd->unit && q->cls[k].bay == bd->bay_sex) break;
        if (k < 0 || k == (int)ncls) {
            k = (int)ncls++;
            q->cls[k] = (bed_class){bd->unit, bd->bay_sex, 0, 0};
            if (slot < 3) of[(size_t)bd->unit * 4 + (size_t)slot] = k;
        }
        q->cls[k].n++;
    }
    q->ncls = ncls;
    fill = calloc(ncls + 1, sizeof *fill);
    if (!fill) goto fail;
    for (size_t k = 0, at = 0; k < ncls; k++) {
        q->cls[k].first = (int)at;
        at += (size_t)q->cls[k].n;
    }
    for (size_t j = 0; j < b->nbeds; j++) {
        const beds_bed *bd = &b->beds[j];
        if (!beds_bed_offerable(bd) || bd->unit < 0 || (size_t)bd->unit >= b->nunits) continue;
        int slot = bay_slot(bd->bay_sex), k = of[(size_t)bd->unit * 4 + (size_t)slot];
        if (slot == 3)
            for (k = 0; k < (int)ncls; k++)
                if (q->cls[k].unit == bd->unit && q->cls[k].bay == bd->bay_sex) break;
        q->blist[q->cls[k].first + fill[k]++] = (int)j;
    }
    free(of);
    free(fill);
    return 0;
fail:
    free(of);
    free(fill);
    return -1;
}

/* The commissioning table for the borough policy (qnet.rplace, qnet.comm). */
static int places_build(const beds_board *b, const beds_referral *refs, qnet *q)
{
    size_t nr = q->nr ? q->nr : 1, np = 0, nu = b->nunits;
    const char **name = malloc(nr * sizeof *name);
    q->rplace = malloc(nr * sizeof *q->rplace);
    if (!name || !q->rplace) {
        free(name);
        return -1;
    }
    for (size_t i = 0; i < q->nr; i++) {
        const char *pl = refs[q->ridx[i]].place;
        size_t k = 0;
        while (k < np && strcmp(name[k], pl) != 0) k++;
        if (k == np) name[np++] = pl;
        q->rplace[i] = (int)k;
    }
    q->comm = malloc((np ? np : 1) * (nu ? nu : 1));
    if (!q->comm) {
        free(name);
        return -1;
    }
    for (size_t k = 0; k < np; k++)
        for (size_t u = 0; u < nu; u++)
            q->comm[k * nu + u] = (unsigned char)commissioned(&b->units[u], name[k]);
    free(name);
    return 0;
}

/* An upper bound on the referral-class arcs (type, sex and commissioning
 * rules, not distance or cost), so the arc arrays are sized once. */
static size_t arcs_bound(const beds_board *b, const beds_referral *refs, const beds_match_opts *o,
                         const qnet *q)
{
    size_t n = 0;
    for (size_t i = 0; i < q->nr; i++) {
        const beds_referral *r = &refs[q->ridx[i]];
        for (size_t k = 0; k < q->ncls; k++) {
            const beds_unit *u = &b->units[q->cls[k].unit];
            if (beds_type_fit(r->type, u->type) == BEDS_FIT_NONE) continue;
            if (u->sex != 'X' && u->sex != r->sex) continue;
            if (q->cls[k].bay && q->cls[k].bay != r->sex) continue;
            if (o->policy == BEDS_POLICY_BOROUGH &&
                !q->comm[(size_t)q->rplace[i] * b->nunits + (size_t)q->cls[k].unit])
                continue;
            n++;
        }
    }
    return n;
}

static int qnet_build(const beds_board *b, const beds_referral *refs, size_t nrefs,
                      const beds_match_opts *o, qnet *q, ics_err *e)
{
    memset(q, 0, sizeof *q);
    size_t nu = b->nunits ? b->nunits : 1, nrf = nrefs ? nrefs : 1;
    int64_t *uc = malloc(nu * sizeof *uc);
    q->counts = calloc(nu, sizeof *q->counts);
    q->ridx = malloc(nrf * sizeof *q->ridx);
    q->ucost = malloc(nrf * sizeof *q->ucost);
    q->arc0 = malloc((nrf + 1) * sizeof *q->arc0);
    if (!uc || !q->counts || !q->ridx || !q->ucost || !q->arc0 || classes_build(b, q)) goto fail;
    beds_board_count(b, o->now, o->stale_after, q->counts);
    for (size_t i = 0; i < nrefs; i++) {
        if (!beds_referral_ready(&refs[i], o->now)) continue;
        q->ucost[q->nr] = beds_unplaced_cost(&refs[i], o);
        q->ridx[q->nr++] = (int)i;
    }
    if (o->policy == BEDS_POLICY_BOROUGH && places_build(b, refs, q)) goto fail;
    if (q->nr + q->ncls + 1 > (size_t)INT32_MAX) {
        free(uc);
        qnet_free(q);
        return ics_err_set(e, ICS_EINVAL, "too many referrals and bed classes for one network");
    }
    int nr = (int)q->nr, sink = nr + (int)q->ncls;
    q->g = flow_mcf_new(sink + 1, arcs_bound(b, refs, o, q) + q->nr + q->ncls + 16);
    if (!q->g) goto fail;
    for (int i = 0; i < nr; i++) {
        const beds_referral *r = &refs[q->ridx[i]];
        int64_t u = q->ucost[i];
        const unsigned char *cm = q->comm ? q->comm + (size_t)q->rplace[i] * b->nunits : NULL;
        for (size_t k = 0; k < b->nunits; k++)
            uc[k] = unit_cost(b, q->counts, r, (int)k, o, NULL, cm ? cm[k] : -1);
        q->arc0[i] = flow_mcf_arcs(q->g);
        flow_mcf_supply_set(q->g, i, 1);
        for (size_t k = 0; k < q->ncls; k++) {
            int64_t c = uc[q->cls[k].unit];
            if (c < 0 || c >= u || (q->cls[k].bay && q->cls[k].bay != r->sex)) continue;
            if (flow_mcf_arc_add(q->g, i, nr + (int)k, 1, c) < 0) goto fail;
        }
        if (flow_mcf_arc_add(q->g, i, sink, 1, u) < 0) goto fail;
    }
    q->arc0[nr] = flow_mcf_arcs(q->g);
    for (size_t k = 0; k < q->ncls; k++)
        if (flow_mcf_arc_add(q->g, nr + (int)k, sink, q->cls[k].n, 0) < 0) goto fail;
    flow_mcf_supply_set(q->g, sink, -(int64_t)nr);
    /* start from "nobody placed"; referrals have many class arcs, of which
     * the cheap ones are the likely ones: price each one's cheapest few (and
     * its unplaced arc) first, in blocks of half LEMON's size. How few was
     * measured (bench/beds, 4 December 2026, interleaved runs): 8 where
     * referrals have many arcs (15-30% less solver time than 16 at 5x and
     * 10x the benchmark, about 10% at 1x pooled, 43 arcs a referral), 16
     * where most have fewer than that (1x borough, 10 a referral: the core
     * then holds them all and no outer pass is needed; about 10% less than
     * 8); both about half the time of pricing every arc */
    size_t per_ref = nr > 0 ? flow_mcf_arcs(q->g) / (size_t)nr : 0;
    flow_mcf_root_hint(q->g, sink);
    flow_mcf_pricing(q->g, per_ref < 16 ? 16 : 8, 0.5);
    free(uc);
    return 0;
fail:
    free(uc);
    qnet_free(q);
    return ics_err_set(e, ICS_ENOMEM, "out of memory matching %zu referrals to %zu beds", nrefs,
                       b->nbeds);
}

int beds_queue_net(const beds_board *b, const beds_referral *refs, size_t nrefs,
                   const beds_match_opts *o, flow_mcf **out, ics_err *e)
{
    qnet q;
    *out = NULL;
    int rc = qnet_build(b, refs, nrefs, o, &q, e);
    if (rc) return rc;
    *out = q.g;
    q.g = NULL;
    qnet_free(&q);
    return 0;
}

int beds_queue_match(const beds_board *b, const beds_referral *refs, size_t nrefs,
                     const beds_match_opts *o, progress_fn progress, void *pctx, beds_plan **out,
                     ics_err *e)
{
    *out = NULL;
    size_t nrf = nrefs ? nrefs : 1;
    qnet q;
    int *used = NULL;
    beds_plan *p = calloc(1, sizeof *p);
    if (!p) return ics_err_set(e, ICS_ENOMEM, "out of memory matching %zu referrals", nrefs);
    int rc = qnet_build(b, refs, nrefs, o, &q, e);
    if (rc) {
        free(p);
        return rc;
    }
    if (progress) progress(pctx, 0.1);
    p->nrefs = nrefs;
    p->bed_of = malloc(nrf * sizeof *p->bed_of);
    p->cost_of = calloc(nrf, sizeof *p->cost_of);
    p->ready = calloc(nrf, sizeof *p->ready);
    used = calloc(q.ncls + 1, sizeof *used);
    if (!p->bed_of || !p->cost_of || !p->ready || !used) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory matching %zu referrals", nrefs);
        goto out;
    }
    for (size_t i = 0; i < nrefs; i++) p->bed_of[i] = -1;
    rc = flow_mcf_solve(q.g, e);
    if (rc) goto out;
    /* a referral's arcs are its class arcs then its unplaced arc; the one
     * class arc with flow 1, if any, names its class, and the class's beds
     * are handed out in list order */
    int nr = (int)q.nr;
    for (int i = 0; i < nr; i++) {
        int ref = q.ridx[i], k = -1;
        p->ready[ref] = 1;
        for (size_t a = q.arc0[i]; a + 1 < q.arc0[i + 1]; a++)
            if (flow_mcf_flow(q.g, a) > 0) {
                int from, to;
                int64_t cap, cost;
                flow_mcf_arc_get(q.g, a, &from, &to, &cap, &cost);
                k = to - nr;
                break;
            }
        if (k < 0 || used[k] >= q.cls[k].n) {
            if (k >= 0) {
                rc = ics_err_set(e, ICS_EINTERNAL, "bed class %d over its capacity", k);
                goto out;
            }
            p->cost_of[ref] = q.ucost[i];
            p->unplaced_cost += q.ucost[i];
            continue;
        }
        int bed = q.blist[q.cls[k].first + used[k]++];
        beds_option opt;
        int64_t cost = beds_option_cost(b, q.counts, &refs[ref], bed, o, &opt);
        assert(cost >= 0);
        p->bed_of[ref] = bed;
        p->cost_of[ref] = cost;
        p->placed_cost += cost;
        p->nplaced++;
        if (opt.km > 0) p->total_km += opt.km;
        p->alt_fits += opt.fit == BEDS_FIT_ALT;
    }
    p->nready = q.nr;
    p->total_cost = p->placed_cost + p->unplaced_cost;
    if (progress) progress(pctx, 1.0);
    *out = p;
    p = NULL;
out:
    beds_plan_free(p);
    free(used);
    qnet_free(&q);
    return rc;
}
