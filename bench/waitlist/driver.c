/* driver.c - benchmark driver for the waitlist allocation engine: builds a
 * deterministic NWL instance (synthetic PTL of N patients, 8 weeks of
 * synthetic hub sessions at the twelve acute sites) from data/, and either
 * writes the networks the engine solves as DIMACS min-cost-flow files for
 * the reference solvers, solves those same networks with icsflow's solver,
 * or runs the whole engine; it prints objectives, CPU and wall time and
 * memory. */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/csv.h"
#include "core/rng.h"
#include "core/tz.h"
#include "waitlist/waitlist.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long maxrss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static csv_doc *load(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    csv_doc *d = NULL;
    ics_err e = {0};
    if (csv_read_file(path, &d, &e)) {
        fprintf(stderr, "driver: %s\n", e.msg);
        exit(1);
    }
    return d;
}

typedef struct inst {
    waitlist_site *sites;
    size_t nsites;
    waitlist_session *ss;
    size_t nss;
    waitlist_patient *p;
    size_t n;
    waitlist_params prm;
} inst;

static void build(const char *dir, size_t n, uint64_t seed, inst *I)
{
    csv_doc *sd = load(dir, "sites.csv"), *dd = load(dir, "postcode_districts.csv");
    csv_doc *pd = load(dir, "places.csv"), *pop = load(dir, "population.csv");
    memset(I, 0, sizeof *I);
    I->sites = calloc(32, sizeof *I->sites);
    int c_code = csv_col(sd, "site_code"), c_org = csv_col(sd, "org_code"),
        c_kind = csv_col(sd, "kind"), c_lat = csv_col(sd, "lat"), c_lon = csv_col(sd, "lon");
    for (size_t r = 0; r < sd->nrows && I->nsites < 32; r++) {
        if (strcmp(sd->rows[r][c_kind], "acute")) continue;
        waitlist_site *s = &I->sites[I->nsites++];
        snprintf(s->code, sizeof s->code, "%s", sd->rows[r][c_code]);
        snprintf(s->trust, sizeof s->trust, "%s", sd->rows[r][c_org]);
        s->lat = atof(sd->rows[r][c_lat]);
        s->lon = atof(sd->rows[r][c_lon]);
    }
    waitlist_district *ds = calloc(dd->nrows, sizeof *ds);
    for (size_t r = 0; r < dd->nrows; r++) {
        snprintf(ds[r].district, sizeof ds[r].district, "%s", dd->rows[r][0]);
        ds[r].lat = atof(dd->rows[r][1]);
        ds[r].lon = atof(dd->rows[r][2]);
        snprintf(ds[r].place, sizeof ds[r].place, "%s", dd->rows[r][3]);
    }
    waitlist_place *pl = calloc(pd->nrows, sizeof *pl);
    int pc = csv_col(pop, "place_code") >= 0 ? csv_col(pop, "place_code") : 0;
    int pv = csv_col(pop, "population") >= 0 ? csv_col(pop, "population") : (int)pop->ncols - 1;
    for (size_t r = 0; r < pd->nrows; r++) {
        snprintf(pl[r].code, sizeof pl[r].code, "%s", pd->rows[r][0]);
        for (int q = 0; q < 5; q++) {
            char col[16];
            snprintf(col, sizeof col, "lsoa_q%d", q + 1);
            pl[r].lsoa_q[q] = atoi(pd->rows[r][csv_col(pd, col)]);
        }
        for (size_t k = 0; k < pop->nrows; k++)
            if (!strcmp(pop->rows[k][pc], pl[r].code)) pl[r].population += atof(pop->rows[k][pv]);
    }
    int64_t today = tz_days_from_civil(2026, 3, 2);
    waitlist_gen_entry *g = NULL;
    ics_err e = {0};
    if (waitlist_gen_ptl(ds, dd->nrows, pl, pd->nrows, I->sites, I->nsites, n, seed, today, &g,
                         &e) ||
        waitlist_gen_sessions(I->sites, I->nsites, n, 0.25, today, 56, seed, &I->ss, &I->nss, &e)) {
        fprintf(stderr, "driver: %s\n", e.msg);
        exit(1);
    }
    I->p = malloc(n * sizeof *I->p);
    for (size_t i = 0; i < n; i++) I->p[i] = g[i].p;
    I->n = n;
    free(g);
    free(ds);
    free(pl);
    csv_free(sd);
    csv_free(dd);
    csv_free(pd);
    csv_free(pop);
    waitlist_params_default(&I->prm);
    I->prm.today = today;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* VmRSS or VmHWM from /proc/self/status in kB (0 when unavailable). */
static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = 0;
    size_t kl = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') v = atol(line + kl + 1);
    if (f) fclose(f);
    return v;
}

/* Return freed memory to the system (so what follows must fault its own
 * pages in) and reset the peak RSS so VmHWM measures only what follows
 * (Linux >= 4.0). */
static void peak_reset(void)
{
    malloc_trim(0);
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* One part of the network as a DIMACS file with its nodes renumbered 1.. */
static void write_part(const waitlist_net *net, size_t k, const char *path, int *map)
{
    size_t a0 = net->part_arc[k], a1 = net->part_arc[k + 1];
    int nn = 0;
    for (size_t a = a0; a < a1; a++) {
        if (!map[net->from[a]]) map[net->from[a]] = ++nn;
        if (!map[net->to[a]]) map[net->to[a]] = ++nn;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(1);
    }
    fprintf(f, "c waitlist allocation, one specialty's network\np min %d %zu\n", nn, a1 - a0);
    for (int u = 0; u < net->nodes; u++)
        if (map[u] && net->supply[u]) fprintf(f, "n %d %lld\n", map[u], (long long)net->supply[u]);
    for (size_t a = a0; a < a1; a++)
        fprintf(f, "a %d %d 0 %lld %lld\n", map[net->from[a]], map[net->to[a]],
                net->cap[a] == FLOW_CAP_INF ? -1LL : (long long)net->cap[a],
                (long long)net->cost[a]);
    fclose(f);
    for (size_t a = a0; a < a1; a++) map[net->from[a]] = map[net->to[a]] = 0;
}

/* The national instance (SYNTHETIC): England's whole waiting list, about
 * 7.6 million pathways, over an invented national hub network: 300 places
 * of 190,000 people, 2,300 postcode districts around them, 130 trusts of
 * two hub sites each, all in a box over England. Every site offers every
 * specialty (waitlist_gen_sessions' default for sites it does not know);
 * capacity is a quarter of the list over 8 weeks, as for NWL. Patients are
 * on the list of one of the three trusts nearest their district. */
static void build_national(size_t n, uint64_t seed, inst *I)
{
    enum { NPLACES = 300, NDIST = 2300, NTRUSTS = 130, PER_TRUST = 2 };
    memset(I, 0, sizeof *I);
    rng r;
    rng_seed(&r, seed, 77);
    waitlist_place *pl = calloc(NPLACES, sizeof *pl);
    double(*centre)[2] = calloc(NPLACES, sizeof *centre);
    for (int k = 0; k < NPLACES; k++) {
        snprintf(pl[k].code, sizeof pl[k].code, "N%05d", k);
        pl[k].population = 190000;
        for (int q = 0; q < 5; q++) pl[k].lsoa_q[q] = 20;
        centre[k][0] = 50.6 + 4.2 * rng_uniform(&r);
        centre[k][1] = -3.2 + 4.4 * rng_uniform(&r);
    }
    waitlist_district *ds = calloc(NDIST, sizeof *ds);
    for (int k = 0; k < NDIST; k++) {
        int p = k % NPLACES;
        snprintf(ds[k].district, sizeof ds[k].district, "N%d", k);
        snprintf(ds[k].place, sizeof ds[k].place, "%s", pl[p].code);
        ds[k].lat = centre[p][0] + 0.15 * (rng_uniform(&r) - 0.5);
        ds[k].lon = centre[p][1] + 0.25 * (rng_uniform(&r) - 0.5);
    }
    I->nsites = NTRUSTS * PER_TRUST;
    I->sites = calloc(I->nsites, sizeof *I->sites);
    for (int t = 0; t < NTRUSTS; t++)
        for (int j = 0; j < PER_TRUST; j++) {
            waitlist_site *st = &I->sites[t * PER_TRUST + j];
            int p = (int)rng_below(&r, NPLACES);
            snprintf(st->trust, sizeof st->trust, "T%03d", t);
            snprintf(st->code, sizeof st->code, "T%03d%02d", t, j + 1);
            st->lat = centre[p][0] + 0.1 * (rng_uniform(&r) - 0.5);
            st->lon = centre[p][1] + 0.15 * (rng_uniform(&r) - 0.5);
        }
    /* the three nearest sites of each district */
    int(*near)[3] = calloc(NDIST, sizeof *near);
    for (int k = 0; k < NDIST; k++) {
        double best[3] = {1e18, 1e18, 1e18};
        for (size_t sidx = 0; sidx < I->nsites; sidx++) {
            double dl = ds[k].lat - I->sites[sidx].lat,
                   dn = (ds[k].lon - I->sites[sidx].lon) * 0.62;
            double d2 = dl * dl + dn * dn;
            for (int j = 0; j < 3; j++)
                if (d2 < best[j]) {
                    for (int m = 2; m > j; m--) best[m] = best[m - 1], near[k][m] = near[k][m - 1];
                    best[j] = d2;
                    near[k][j] = (int)sidx;
                    break;
                }
        }
    }
    int64_t today = tz_days_from_civil(2026, 3, 2);
    waitlist_gen_entry *g = NULL;
    ics_err e = {0};
    if (waitlist_gen_ptl(ds, NDIST, pl, NPLACES, I->sites, I->nsites, n, seed, today, &g, &e) ||
        waitlist_gen_sessions(I->sites, I->nsites, n, 0.25, today, 56, seed, &I->ss, &I->nss, &e)) {
        fprintf(stderr, "driver: %s\n", e.msg);
        exit(1);
    }
    I->p = malloc(n * sizeof *I->p);
    for (size_t i = 0; i < n; i++) {
        I->p[i] = g[i].p;
        int k = atoi(g[i].district + 1);
        snprintf(I->p[i].trust, sizeof I->p[i].trust, "%s",
                 I->sites[near[k][rng_below(&r, 3)]].trust);
    }
    I->n = n;
    free(g);
    free(ds);
    free(pl);
    free(centre);
    free(near);
    waitlist_params_default(&I->prm);
    I->prm.today = today;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "N is a count, or national (7.6M pathways, synthetic national network)\n"
                        "usage: driver DATA_DIR write N SEED PREFIX [--patient-level]\n"
                        "       driver DATA_DIR solve N SEED [--no-aggregate] [--threads T]\n"
                        "       driver DATA_DIR solvenet N SEED\n");
        return 2;
    }
    const char *dir = argv[1], *mode = argv[2];
    /* "national" is the 7.6M national instance; "nationalN" the same
     * network with N patients */
    int national = !strncmp(argv[3], "national", 8);
    size_t n = strtoul(argv[3] + (national ? 8 : 0), NULL, 10);
    if (national && n == 0) n = 7600000;
    uint64_t seed = strtoull(argv[4], NULL, 10);
    inst I;
    if (national)
        build_national(n, seed, &I);
    else
        build(dir, n, seed, &I);
    ics_err e = {0};
    if (!strcmp(mode, "write") || !strcmp(mode, "solvenet")) {
        int write = !strcmp(mode, "write");
        if (write && argc < 6) return 2;
        I.prm.aggregate = !(argc > 6 && !strcmp(argv[6], "--patient-level"));
        waitlist_net *net = NULL;
        if (waitlist_net_build(I.sites, I.nsites, I.ss, I.nss, I.p, I.n, &I.prm, &net, &e)) {
            fprintf(stderr, "driver: %s\n", e.msg);
            return 1;
        }
        if (write) {
            /* aggregated: one file per specialty (PREFIX-K.dimacs), the
             * networks the engine solves one at a time; patient level: the
             * whole network in PREFIX-0.dimacs */
            int *map = calloc((size_t)net->nodes + 1, sizeof *map);
            if (!I.prm.aggregate) {
                size_t last = net->nparts;
                net->part_arc[1] = net->part_arc[last];
                net->nparts = 1;
            }
            for (size_t k = 0; k < net->nparts; k++) {
                char path[512];
                snprintf(path, sizeof path, "%s-%zu.dimacs", argv[5], k);
                write_part(net, k, path, map);
            }
            free(map);
            printf("nodes %d arcs %zu parts %zu sessions %zu\n", net->nodes, net->arcs, net->nparts,
                   I.nss);
        } else {
            /* the engine's solver on exactly the networks written above,
             * timed like the reference: loading the arcs and solving */
            double cpu = 0, wall = 0; /* summed over the parts' solves */
            int64_t total = 0;
            uint64_t pivots = 0;
            long solver_kb = 0; /* largest memory a part's solver took */
            for (size_t k = 0; k < net->nparts; k++) {
                size_t a0 = net->part_arc[k], a1 = net->part_arc[k + 1];
                int lo = INT32_MAX, hi = -1;
                for (size_t a = a0; a < a1; a++) {
                    if (net->from[a] < lo) lo = net->from[a];
                    if (net->to[a] < lo) lo = net->to[a];
                    if (net->from[a] > hi) hi = net->from[a];
                    if (net->to[a] > hi) hi = net->to[a];
                }
                if (hi < 0) continue;
                peak_reset(); /* memory is measured outside the timed part */
                long rss0 = status_kb("VmRSS");
                double c0 = cpu_now(), w0 = now();
                flow_mcf *g = flow_mcf_new(hi - lo + 1, a1 - a0);
                for (int u = lo; u <= hi; u++) flow_mcf_supply_set(g, u - lo, net->supply[u]);
                for (size_t a = a0; a < a1; a++)
                    flow_mcf_arc_add(g, net->from[a] - lo, net->to[a] - lo, net->cap[a],
                                     net->cost[a]);
                waitlist_net_solver_setup(g, hi - lo); /* the sink is the last node */
                if (flow_mcf_solve(g, &e)) {
                    fprintf(stderr, "driver: %s\n", e.msg);
                    return 1;
                }
                cpu += cpu_now() - c0;
                wall += now() - w0;
                total += flow_mcf_total(g);
                pivots += flow_mcf_pivots(g);
                if (status_kb("VmHWM") - rss0 > solver_kb) solver_kb = status_kb("VmHWM") - rss0;
                flow_mcf_free(g);
            }
            printf("objective %lld cpu %.3f wall %.3f pivots %llu solver_kb %ld\n",
                   (long long)total, cpu, wall, (unsigned long long)pivots, solver_kb);
        }
        waitlist_net_free(net);
    } else {
        for (int k = 5; k < argc; k++) {
            if (!strcmp(argv[k], "--no-aggregate")) I.prm.aggregate = 0;
            if (!strcmp(argv[k], "--threads") && k + 1 < argc) I.prm.threads = atoi(argv[++k]);
        }
        waitlist_result *r = NULL;
        peak_reset();
        long base_kb = status_kb("VmRSS");
        double c0 = cpu_now(), t0 = now();
        if (waitlist_allocate(I.sites, I.nsites, I.ss, I.nss, I.p, I.n, &I.prm, NULL, NULL, &r,
                              &e)) {
            fprintf(stderr, "driver: %s\n", e.msg);
            return 1;
        }
        double t = now() - t0, c = cpu_now() - c0;
        long peak_kb = status_kb("VmHWM");
        printf("objective %lld cpu %.3f wall %.3f assigned %zu nodes %zu arcs %zu pivots %llu "
               "engine_kb %ld maxrss_kb %ld\n",
               (long long)r->objective, c, t, r->assigned, r->net_nodes, r->net_arcs,
               (unsigned long long)r->pivots, peak_kb - base_kb, maxrss_kb());
        waitlist_result_free(r);
    }
    free(I.ss);
    free(I.p);
    free(I.sites);
    return 0;
}
