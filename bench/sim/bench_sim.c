/* bench_sim.c - the simulator engine timed on its own for bench/sim: runs a
 * scenario file (the same JSON SimPy reads) through sim_run and reports the
 * statistics, the events and the CPU and wall time of sim_run alone (file
 * reading excluded, as SimPy's is); dumps each replication's patients so
 * SimPy can replay exactly the same input; times a 10-year, 16,000-bed run;
 * and measures the coverage of the 95% interval at rho = 0.95 over seeds.
 * Usage: see usage() below. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/sim.h"
#include "app/sim.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static double wall_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int usage(void)
{
    fprintf(
        stderr,
        "usage: bench_sim run FILE POLICY THREADS [REPS] [TIMES]   statistics and median times\n"
        "       bench_sim reps FILE POLICY [REPS]                  per-replication metrics\n"
        "       bench_sim dump FILE POLICY REPS OUT                patients for SimPy to replay\n"
        "       bench_sim big [REPS] [THREADS]                     10 years, 16,000 beds\n"
        "       bench_sim coverage [SEEDS] [REPS] [YEARS]          Erlang C coverage at rho "
        "0.95\n");
    return 2;
}

static app_sim_doc *load(const char *path, const char *policy, int reps)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        fprintf(stderr, "%s: %s\n", path, je.text);
        exit(1);
    }
    app_sim_doc *d = NULL;
    ics_err e = {0};
    if (app_sim_doc_parse(j, &d, &e)) {
        fprintf(stderr, "%s: %s\n", path, e.msg);
        exit(1);
    }
    json_decref(j);
    d->sc.policy = strcmp(policy, "borough") == 0 ? SIM_POLICY_BOROUGH : SIM_POLICY_POOLED;
    if (reps > 0) d->sc.reps = reps;
    return d;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static sim_result *run_timed(const sim_scenario *sc, int threads, int times, double *cpu,
                             double *wall)
{
    double c[32], w[32];
    sim_result *keep = NULL;
    if (times < 1) times = 1;
    if (times > 32) times = 32;
    for (int k = 0; k < times; k++) {
        sim_result *r = NULL;
        ics_err e = {0};
        double c0 = cpu_now(), w0 = wall_now();
        if (sim_run(sc, threads, NULL, NULL, &r, &e)) {
            fprintf(stderr, "sim_run: %s\n", e.msg);
            exit(1);
        }
        c[k] = cpu_now() - c0;
        w[k] = wall_now() - w0;
        if (keep) sim_result_free(keep);
        keep = r;
    }
    qsort(c, times, sizeof *c, cmp_double);
    qsort(w, times, sizeof *w, cmp_double);
    *cpu = c[times / 2];
    *wall = w[times / 2];
    return keep;
}

static void stat_json(const char *name, const sim_stat *s, int last)
{
    printf(
        "  \"%s\": {\"mean\": %.17g, \"lo\": %.17g, \"hi\": %.17g, \"sd\": %.17g, \"n\": %d}%s\n",
        name, s->mean, s->lo, s->hi, s->sd, s->n, last ? "" : ",");
}

static int cmd_run(int argc, char **argv)
{
    if (argc < 5) return usage();
    app_sim_doc *d = load(argv[2], argv[3], argc > 5 ? atoi(argv[5]) : 0);
    int threads = atoi(argv[4]), times = argc > 6 ? atoi(argv[6]) : 5;
    double cpu, wall;
    sim_result *r = run_timed(&d->sc, threads, times, &cpu, &wall);
    printf("{\n  \"cpu_seconds\": %.6f,\n  \"wall_seconds\": %.6f,\n  \"events\": %ld,\n"
           "  \"censored\": %ld,\n  \"replications\": %d,\n",
           cpu, wall, r->events, r->censored, r->reps);
    for (int m = 0; m < SIM_NMETRICS; m++)
        stat_json(sim_metric_names[m], &r->m[m], m == SIM_NMETRICS - 1);
    printf("}\n");
    sim_result_free(r);
    app_sim_doc_free(d);
    return 0;
}

static int cmd_reps(int argc, char **argv)
{
    if (argc < 4) return usage();
    app_sim_doc *d = load(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 0);
    for (int k = 0; k < d->sc.reps; k++) {
        sim_rep r;
        if (sim_rep_run(&d->sc, k, &r)) return 1;
        printf("%d", k);
        for (int m = 0; m < SIM_NMETRICS; m++) printf(" %.17g", r.m[m]);
        for (int u = 0; u < d->sc.nunits; u++) printf(" %.17g", r.unit_occ[u]);
        for (int i = 0; i < d->sc.nplaces; i++)
            printf(" %.17g %.17g", r.place_wait[i], r.place_over[i]);
        printf(" %ld %ld\n", r.censored, r.events);
    }
    app_sim_doc_free(d);
    return 0;
}

/* Binary, little-endian as the machine is: per replication an int64 count
 * then count records of (double day, int32 place, double los). */
static int cmd_dump(int argc, char **argv)
{
    if (argc < 6) return usage();
    app_sim_doc *d = load(argv[2], argv[3], atoi(argv[4]));
    FILE *f = fopen(argv[5], "wb");
    if (!f) return 1;
    double end = d->sc.warmup_days + d->sc.run_days;
    for (int k = 0; k < d->sc.reps; k++) {
        sim_arrival *a = NULL;
        size_t n = 0;
        if (sim_patients_draw(&d->sc, k, end, &a, &n)) return 1;
        int64_t n64 = (int64_t)n;
        fwrite(&n64, sizeof n64, 1, f);
        for (size_t i = 0; i < n; i++) {
            int32_t p = a[i].place;
            fwrite(&a[i].day, sizeof(double), 1, f);
            fwrite(&p, sizeof p, 1, f);
            fwrite(&a[i].los, sizeof(double), 1, f);
        }
        free(a);
    }
    fclose(f);
    app_sim_doc_free(d);
    return 0;
}

/* 16,000 beds: the eight-unit model with 2,000 beds a unit and demand
 * for 97% occupancy (lognormal stays, mean 21 days), each place its own
 * unit (borough: at this size pooling leaves nobody waiting), 10 years
 * after a year's warm-up, one replication on one thread. */
static int cmd_big(int argc, char **argv)
{
    int reps = argc > 2 ? atoi(argv[2]) : 1, threads = argc > 3 ? atoi(argv[3]) : 1;
    sim_scenario *sc = calloc(1, sizeof *sc);
    sc->nplaces = sc->nunits = 8;
    for (int i = 0; i < 8; i++) {
        snprintf(sc->places[i].code, sizeof sc->places[i].code, "P%d", i);
        sc->places[i].lat = 51.5 + 0.01 * i;
        sc->places[i].lon = -0.3 + 0.02 * i;
        sc->places[i].arrivals_per_day = 2000 * 0.97 / 21;
        snprintf(sc->units[i].code, sizeof sc->units[i].code, "U%d", i);
        sc->units[i].beds = 2000;
        sc->units[i].lat = sc->places[i].lat;
        sc->units[i].lon = sc->places[i].lon;
        sc->units[i].places = 1ULL << i;
    }
    sc->los = (sim_los){.kind = SIM_LOS_LOGNORMAL, .mean = 21, .sd = 14};
    sc->policy = SIM_POLICY_BOROUGH;
    sc->warmup_days = 365;
    sc->run_days = 3650;
    sc->target_days = 2;
    sc->target_prob = 0.05;
    sc->reps = reps;
    sc->seed = 16000;
    double cpu, wall;
    sim_result *r = run_timed(sc, threads, 3, &cpu, &wall);
    printf("big: %d beds, %d replication(s) of %g years after %g days, %d thread(s): CPU %.3f s, "
           "wall %.3f s; %.0f patients in the window, %ld events, occupancy %.4f, P(wait > 0) "
           "%.3g, mean wait %.3g days\n",
           sim_scenario_beds(sc), reps, sc->run_days / 365, sc->warmup_days, threads, cpu, wall,
           r->m[SIM_PATIENTS].mean, r->events, r->m[SIM_OCCUPANCY].mean, r->m[SIM_P_WAIT].mean,
           r->m[SIM_MEAN_WAIT].mean);
    sim_result_free(r);
    free(sc);
    return 0;
}

/* M/M/12 at 95% occupancy: lambda 2.28 a day, stays of 5 days. */
static sim_scenario *mm12(void)
{
    sim_scenario *sc = calloc(1, sizeof *sc);
    sc->nplaces = 1;
    snprintf(sc->places[0].code, sizeof sc->places[0].code, "P1");
    sc->places[0].arrivals_per_day = 0.95 * 12 / 5.0;
    sc->nunits = 1;
    snprintf(sc->units[0].code, sizeof sc->units[0].code, "U1");
    sc->units[0].beds = 12;
    sc->units[0].places = 1;
    sc->los.kind = SIM_LOS_EXPONENTIAL;
    sc->los.mean = 5;
    sc->target_days = 1;
    sc->target_prob = 0.05;
    return sc;
}

static int cmd_coverage(int argc, char **argv)
{
    int seeds = argc > 2 ? atoi(argv[2]) : 100, reps = argc > 3 ? atoi(argv[3]) : 50;
    double years = argc > 4 ? atof(argv[4]) : 10, warm = argc > 5 ? atof(argv[5]) : 2000;
    sim_scenario *sc = mm12();
    sc->reps = reps;
    sc->run_days = 365 * years;
    sc->warmup_days = warm;
    int mser = argc > 6 && strcmp(argv[6], "mser5") == 0;
    double w = sim_erlang_wait(12, sc->places[0].arrivals_per_day, 5);
    int hit = 0, low = 0;
    double c0 = cpu_now(), sum = 0, wsum = 0, wmin = INFINITY, wmax = 0;
    for (int k = 0; k < seeds; k++) {
        sc->seed = 1000 + (uint64_t)k;
        if (mser) {
            /* warm-up from a pilot: MSER-5 over the given warm-up + run */
            sc->warmup_days = warm;
            double d;
            ics_err e = {0};
            if (sim_warmup_mser5(sc, &d, &e)) return 1;
            sc->warmup_days = d;
            wsum += d;
            wmin = fmin(wmin, d);
            wmax = fmax(wmax, d);
        }
        sim_result *r = NULL;
        ics_err e = {0};
        if (sim_run(sc, 0, NULL, NULL, &r, &e)) return 1;
        const sim_stat *s = &r->m[SIM_MEAN_WAIT];
        hit += s->lo <= w && w <= s->hi;
        low += s->hi < w;
        sum += s->mean;
        sim_result_free(r);
    }
    printf("coverage rho 0.95: M/M/12, %d seeds x %d replications of %g years after %g days: "
           "Erlang C mean wait %.4f inside the 95%% interval %d/%d (%.0f%%), above it %d, "
           "mean estimate %.4f; %.1f s CPU\n",
           seeds, reps, years, warm, w, hit, seeds, 100.0 * hit / seeds, low, sum / seeds,
           cpu_now() - c0);
    if (mser)
        printf("  warm-up by MSER-5 from a pilot of the same size: mean %.0f days (%.0f to %.0f)\n",
               wsum / seeds, wmin, wmax);
    free(sc);
    return 0;
}

/* The warm-up MSER-5 picks for the rho = 0.95 model from a pilot of REPS
 * replications over WARM + YEARS. */
static int cmd_mser(int argc, char **argv)
{
    int reps = argc > 2 ? atoi(argv[2]) : 1000;
    double years = argc > 3 ? atof(argv[3]) : 20, warm = argc > 4 ? atof(argv[4]) : 5000;
    sim_scenario *sc = mm12();
    sc->reps = reps;
    sc->run_days = 365 * years;
    sc->warmup_days = warm;
    sc->seed = 77;
    double d, c0 = cpu_now();
    ics_err e = {0};
    if (sim_warmup_mser5(sc, &d, &e)) return 1;
    printf("MSER-5 warm-up for M/M/12 at rho 0.95 from %d pilot replications of %g days: %.0f days "
           "(%.1f s CPU)\n",
           reps, warm + 365 * years, d, cpu_now() - c0);
    free(sc);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage();
    if (strcmp(argv[1], "run") == 0) return cmd_run(argc, argv);
    if (strcmp(argv[1], "reps") == 0) return cmd_reps(argc, argv);
    if (strcmp(argv[1], "dump") == 0) return cmd_dump(argc, argv);
    if (strcmp(argv[1], "coverage") == 0) return cmd_coverage(argc, argv);
    if (strcmp(argv[1], "big") == 0) return cmd_big(argc, argv);
    if (strcmp(argv[1], "mser") == 0) return cmd_mser(argc, argv);
    return usage();
}
