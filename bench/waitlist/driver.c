/* driver.c - benchmark driver for the waitlist allocation engine: builds a
 * deterministic NWL instance (synthetic PTL of N patients, 8 weeks of
 * synthetic hub sessions at the twelve acute sites) from data/, and either
 * writes it as a DIMACS min-cost-flow file for the reference solvers or
 * solves it with icsflow's engine and prints the objective and time. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/csv.h"
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
    waitlist_site sites[32];
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

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: driver DATA_DIR write|solve N SEED [FILE | --no-aggregate] "
                        "[--threads T]\n");
        return 2;
    }
    const char *dir = argv[1], *mode = argv[2];
    size_t n = strtoul(argv[3], NULL, 10);
    uint64_t seed = strtoull(argv[4], NULL, 10);
    inst I;
    build(dir, n, seed, &I);
    ics_err e = {0};
    if (!strcmp(mode, "write")) {
        if (argc < 6) return 2;
        waitlist_net *net = NULL;
        if (waitlist_net_build(I.sites, I.nsites, I.ss, I.nss, I.p, I.n, &I.prm, &net, &e)) {
            fprintf(stderr, "driver: %s\n", e.msg);
            return 1;
        }
        FILE *f = fopen(argv[5], "w");
        if (!f) return 1;
        fprintf(f, "c waitlist allocation instance: %zu synthetic patients, seed %llu\n", n,
                (unsigned long long)seed);
        fprintf(f, "p min %d %zu\n", net->nodes, net->arcs);
        for (int u = 0; u < net->nodes; u++)
            if (net->supply[u]) fprintf(f, "n %d %lld\n", u + 1, (long long)net->supply[u]);
        for (size_t a = 0; a < net->arcs; a++)
            fprintf(f, "a %d %d 0 %lld %lld\n", net->from[a] + 1, net->to[a] + 1,
                    net->cap[a] == FLOW_CAP_INF ? -1LL : (long long)net->cap[a],
                    (long long)net->cost[a]);
        fclose(f);
        printf("nodes %d arcs %zu sessions %zu\n", net->nodes, net->arcs, I.nss);
        waitlist_net_free(net);
    } else {
        for (int k = 5; k < argc; k++) {
            if (!strcmp(argv[k], "--no-aggregate")) I.prm.aggregate = 0;
            if (!strcmp(argv[k], "--threads") && k + 1 < argc) I.prm.threads = atoi(argv[++k]);
        }
        waitlist_result *r = NULL;
        double t0 = now();
        if (waitlist_allocate(I.sites, I.nsites, I.ss, I.nss, I.p, I.n, &I.prm, NULL, NULL, &r,
                              &e)) {
            fprintf(stderr, "driver: %s\n", e.msg);
            return 1;
        }
        double t = now() - t0;
        printf("objective %lld time %.3f assigned %zu nodes %zu arcs %zu pivots %llu maxrss_kb "
               "%ld\n",
               (long long)r->objective, t, r->assigned, r->net_nodes, r->net_arcs,
               (unsigned long long)r->pivots, maxrss_kb());
        waitlist_result_free(r);
    }
    free(I.ss);
    free(I.p);
    return 0;
}
