/* bench_beds.c - the icsflow side of the batch-matching benchmark: builds a
 * deterministic instance (at scale S: 2,000 S waiting referrals and
 * 1,500 S available beds in 60 S units across North West London), times the
 * engine's exact assignment (beds_queue_match) and icsflow's solver alone
 * on the bed-class network the engine solves (beds_queue_net), and writes
 * that same network as a DIMACS minimum-cost-flow file for the reference
 * solver (lemon_ns.cpp), so both solve exactly the same problem.
 *
 * --solver-only skips the engine call (run.sh uses it for the interleaved
 * pairs of solver runs after the first, full run).
 *
 * --per-bed FILE also writes the larger one-node-per-bed network (source ->
 * referral -> each suitable bed -> sink, and referral -> unplaced -> sink),
 * a different problem with the same optimum, for a labelled comparison. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "beds/beds.h"
#include "core/rng.h"

#define NOW 1767261600LL /* 2026-01-01 10:00 UTC */

static const char *places[8] = {"E09000005", "E09000009", "E09000013", "E09000015",
                                "E09000017", "E09000018", "E09000020", "E09000033"};

static beds_type pick_type(rng *r)
{
    double x = rng_uniform(r);
    return x < 0.40   ? BEDS_TYPE_REHAB
           : x < 0.55 ? BEDS_TYPE_STROKE
           : x < 0.70 ? BEDS_TYPE_DEMENTIA
           : x < 0.80 ? BEDS_TYPE_PALLIATIVE
                      : BEDS_TYPE_STEPDOWN;
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void write_class_net(const flow_mcf *g, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    int n = flow_mcf_nodes(g);
    size_t m = flow_mcf_arcs(g);
    fprintf(f, "c icsflow beds benchmark: the bed-class network the engine solves\n");
    fprintf(f, "p min %d %zu\n", n, m);
    for (int u = 0; u < n; u++)
        if (flow_mcf_supply_get(g, u))
            fprintf(f, "n %d %lld\n", u + 1, (long long)flow_mcf_supply_get(g, u));
    for (size_t a = 0; a < m; a++) {
        int from, to;
        int64_t cap, cost;
        flow_mcf_arc_get(g, a, &from, &to, &cap, &cost);
        fprintf(f, "a %d %d 0 %lld %lld\n", from + 1, to + 1,
                cap == FLOW_CAP_INF ? -1LL : (long long)cap, (long long)cost);
    }
    fclose(f);
}

/* icsflow's solver alone on the engine's own network (beds_queue_net, built
 * afresh and not timed): flow_mcf_solve, which copies and orders the arcs
 * and solves, as the reference builds its solver and runs it. */
static void solve_net(const beds_board *bd, const beds_referral *refs, size_t n,
                      const beds_match_opts *o, double *cpu, double *wall, int64_t *total,
                      uint64_t *pivots)
{
    flow_mcf *g = NULL;
    ics_err e = {0};
    if (beds_queue_net(bd, refs, n, o, &g, &e)) {
        fprintf(stderr, "bench_beds: %s\n", e.msg);
        exit(1);
    }
    double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
    if (flow_mcf_solve(g, &e)) {
        fprintf(stderr, "bench_beds: %s\n", e.msg);
        exit(1);
    }
    *cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    *wall = clock_s(CLOCK_MONOTONIC) - w0;
    *total = flow_mcf_total(g);
    *pivots = flow_mcf_pivots(g);
    flow_mcf_free(g);
}

int main(int argc, char **argv)
{
    int scale = 1, reps = 3, per_unit = 25, solver_only = 0;
    const char *policy = "pooled", *dimacs = NULL, *per_bed = NULL;
    for (int i = 1; i < argc; i += 2) {
        if (strcmp(argv[i], "--solver-only") == 0) {
            solver_only = 1;
            i--; /* no value */
        } else if (i + 1 >= argc) {
            fprintf(stderr, "bench_beds: %s needs a value\n", argv[i]);
            return 2;
        } else if (strcmp(argv[i], "--policy") == 0)
            policy = argv[i + 1];
        else if (strcmp(argv[i], "--dimacs") == 0)
            dimacs = argv[i + 1];
        else if (strcmp(argv[i], "--per-bed") == 0)
            per_bed = argv[i + 1];
        else if (strcmp(argv[i], "--scale") == 0)
            scale = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--reps") == 0)
            reps = atoi(argv[i + 1]);
        else {
            fprintf(stderr, "usage: bench_beds [--policy pooled|borough] [--scale S] [--reps R] "
                            "[--dimacs FILE] [--per-bed FILE] [--solver-only]\n");
            return 2;
        }
    }
    int nrefs = 2000 * scale, nunits = 60 * scale;
    beds_match_opts o;
    beds_match_opts_default(&o, NOW);
    ics_err e = {0};
    if (beds_policy_parse(policy, &o.policy, &e)) {
        fprintf(stderr, "bench_beds: %s\n", e.msg);
        return 2;
    }
    rng r;
    rng_seed(&r, 2026, 0);
    size_t nbeds = (size_t)nunits * (size_t)per_unit;
    beds_unit *units = calloc((size_t)nunits, sizeof *units);
    beds_bed *beds = calloc(nbeds, sizeof *beds);
    beds_referral *refs = calloc((size_t)nrefs, sizeof *refs);
    for (int u = 0; u < nunits; u++) {
        beds_unit *un = &units[u];
        snprintf(un->code, sizeof un->code, "U%02d", u);
        un->type = pick_type(&r);
        double s = rng_uniform(&r);
        un->sex = s < 0.15 ? 'M' : s < 0.30 ? 'F' : 'X';
        un->lat = 51.45 + 0.17 * rng_uniform(&r);
        un->lon = -0.48 + 0.36 * rng_uniform(&r);
        un->nplaces = 1 + (int)rng_below(&r, 3);
        int first = (int)rng_below(&r, 8);
        for (int k = 0; k < un->nplaces; k++)
            snprintf(un->places[k], BEDS_PLACE_MAX, "%s", places[(first + k) % 8]);
        un->confirmed_at = NOW - 3600;
        for (int k = 0; k < per_unit; k++) {
            beds_bed *b = &beds[u * per_unit + k];
            b->id = u * per_unit + k + 1;
            snprintf(b->code, sizeof b->code, "U%02d-%02d", u, k);
            b->unit = u;
            b->status = BEDS_AVAILABLE;
            if (un->sex == 'X') b->bay_sex = k < 8 ? 'M' : k < 16 ? 'F' : 0;
        }
    }
    for (int i = 0; i < nrefs; i++) {
        beds_referral *f = &refs[i];
        f->id = i + 1;
        f->age = 60 + (int)rng_below(&r, 40);
        f->sex = rng_uniform(&r) < 0.55 ? 'F' : 'M';
        f->has_home = 1;
        f->lat = 51.45 + 0.17 * rng_uniform(&r);
        f->lon = -0.48 + 0.36 * rng_uniform(&r);
        snprintf(f->place, sizeof f->place, "%s", places[rng_below(&r, 8)]);
        f->type = pick_type(&r);
        f->priority = 1 + (int)rng_below(&r, 3);
        f->referred_at = NOW - (int64_t)rng_below(&r, 20 * 86400);
        f->earliest_at = f->referred_at;
    }
    beds_board bd = {units, (size_t)nunits, beds, nbeds};

    double best_cpu = 1e9, best_wall = 1e9;
    beds_plan *p = NULL;
    for (int k = 0; k < reps && !solver_only; k++) {
        beds_plan_free(p);
        double c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID), w0 = clock_s(CLOCK_MONOTONIC);
        if (beds_queue_match(&bd, refs, (size_t)nrefs, &o, NULL, NULL, &p, &e)) {
            fprintf(stderr, "bench_beds: %s\n", e.msg);
            return 1;
        }
        double c = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0, w = clock_s(CLOCK_MONOTONIC) - w0;
        if (c < best_cpu) best_cpu = c;
        if (w < best_wall) best_wall = w;
    }
    flow_mcf *net = NULL;
    if (beds_queue_net(&bd, refs, (size_t)nrefs, &o, &net, &e)) {
        fprintf(stderr, "bench_beds: %s\n", e.msg);
        return 1;
    }
    if (p)
        printf(
            "engine policy %s scale %d referrals %d beds %zu placed %zu total_cost %lld cpu %.6f "
            "wall %.6f\n",
            policy, scale, nrefs, nbeds, p->nplaced, (long long)p->total_cost, best_cpu, best_wall);
    double scpu = 1e9, swall = 1e9;
    int64_t stotal = 0;
    uint64_t pivots = 0;
    for (int k = 0; k < reps; k++) {
        double c, w;
        solve_net(&bd, refs, (size_t)nrefs, &o, &c, &w, &stotal, &pivots);
        if (c < scpu) scpu = c;
        if (w < swall) swall = w;
    }
    printf("solver nodes %d arcs %zu total_cost %lld cpu %.6f wall %.6f pivots %llu\n",
           flow_mcf_nodes(net), flow_mcf_arcs(net), (long long)stotal, scpu, swall,
           (unsigned long long)pivots);
    if (dimacs) write_class_net(net, dimacs);
    flow_mcf_free(net);

    if (per_bed) {
        FILE *f = fopen(per_bed, "w");
        if (!f) {
            perror(per_bed);
            return 1;
        }
        beds_unit_count *cnt = calloc((size_t)nunits, sizeof *cnt);
        beds_board_count(&bd, NOW, o.stale_after, cnt);
        /* nodes: 1 source, 2..n+1 referrals, then beds, then unplaced, then sink */
        size_t src = 1, ref0 = 2, bed0 = ref0 + (size_t)nrefs, unpl = bed0 + nbeds, sink = unpl + 1;
        size_t narcs = 0;
        char *ok = malloc((size_t)nrefs * nbeds);
        int64_t *cost = malloc((size_t)nrefs * nbeds * sizeof *cost);
        for (int i = 0; i < nrefs; i++)
            for (size_t j = 0; j < nbeds; j++) {
                int64_t c = beds_option_cost(&bd, cnt, &refs[i], (int)j, &o, NULL);
                ok[(size_t)i * nbeds + j] = c >= 0;
                cost[(size_t)i * nbeds + j] = c;
                narcs += c >= 0;
            }
        narcs += (size_t)nrefs * 2 + nbeds + 1;
        fprintf(f, "c icsflow beds benchmark, policy %s\np min %zu %zu\n", policy, sink, narcs);
        fprintf(f, "n %zu %d\nn %zu %d\n", src, nrefs, sink, -nrefs);
        for (int i = 0; i < nrefs; i++) {
            fprintf(f, "a %zu %zu 0 1 0\n", src, ref0 + (size_t)i);
            fprintf(f, "a %zu %zu 0 1 %lld\n", ref0 + (size_t)i, unpl,
                    (long long)beds_unplaced_cost(&refs[i], &o));
            for (size_t j = 0; j < nbeds; j++)
                if (ok[(size_t)i * nbeds + j])
                    fprintf(f, "a %zu %zu 0 1 %lld\n", ref0 + (size_t)i, bed0 + j,
                            (long long)cost[(size_t)i * nbeds + j]);
        }
        for (size_t j = 0; j < nbeds; j++) fprintf(f, "a %zu %zu 0 1 0\n", bed0 + j, sink);
        fprintf(f, "a %zu %zu 0 %d 0\n", unpl, sink, nrefs);
        fclose(f);
        printf("per_bed nodes %zu arcs %zu\n", sink, narcs);
        free(ok);
        free(cost);
        free(cnt);
    }
    beds_plan_free(p);
    free(units);
    free(beds);
    free(refs);
    return 0;
}
