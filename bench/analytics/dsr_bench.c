/* dsr_bench.c - the icsflow side of the DSR benchmark: makes a deterministic
 * input of AREAS areas x 2 sexes x 19 age bands (written as CSV for the
 * reference), times analytics_dsr_batch on it (best of REPS runs) and
 * writes every area's DSR and limits at full precision for comparison.
 * Usage: dsr_bench AREAS input.csv output.csv */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analytics/analytics.h"
#include "core/rng.h"

#define K    (ANALYTICS_NSEXES * ANALYTICS_NBANDS)
#define REPS 7

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: dsr_bench AREAS input.csv output.csv\n");
        return 2;
    }
    long nareas = atol(argv[1]);
    if (nareas < 1) return 2;
    double *o = malloc((size_t)nareas * K * sizeof *o), *n = malloc((size_t)nareas * K * sizeof *n);
    analytics_estimate *r = malloc((size_t)nareas * sizeof *r);
    double w[K];
    if (!o || !n || !r) return 1;
    for (int i = 0; i < K; i++) w[i] = analytics_esp2013[i % ANALYTICS_NBANDS];
    rng g;
    rng_seed(&g, 20260101, 7);
    /* populations from 20 to ~4,000 per band; rates rising with age; a few
     * tiny areas so the suppression rule (fewer than 10 events) is hit */
    for (long a = 0; a < nareas; a++) {
        int tiny = a % 97 == 0;
        double size = 0.2 + 1.8 * rng_uniform(&g);
        double risk = 0.6 + 0.8 * rng_uniform(&g);
        for (int i = 0; i < K; i++) {
            int b = i % ANALYTICS_NBANDS;
            double pop = tiny ? (double)(1 + rng_below(&g, 4))
                              : floor(20 + 2000 * size * (1.0 - 0.04 * b) + rng_below(&g, 50));
            double rate = 0.002 * exp(0.17 * b) * risk;
            n[a * K + i] = pop;
            o[a * K + i] = (double)rng_poisson(&g, pop * rate);
        }
    }
    FILE *f = fopen(argv[2], "w");
    if (!f) return 1;
    fprintf(f, "area,sex,age_band,count,population\n");
    for (long a = 0; a < nareas; a++)
        for (int i = 0; i < K; i++)
            fprintf(f, "%ld,%s,%s,%.0f,%.0f\n", a, i < ANALYTICS_NBANDS ? "M" : "F",
                    analytics_band_names[i % ANALYTICS_NBANDS], o[a * K + i], n[a * K + i]);
    fclose(f);
    double best = INFINITY;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = now();
        long bad = analytics_dsr_batch(o, n, (size_t)nareas, K, w, 100000.0, r, NULL, NULL);
        double t = now() - t0;
        if (bad != 0) {
            fprintf(stderr, "dsr_bench: %ld invalid areas\n", bad);
            return 1;
        }
        if (t < best) best = t;
    }
    f = fopen(argv[3], "w");
    if (!f) return 1;
    fprintf(f, "area,total_count,total_pop,value,lower95,upper95,lower998,upper998\n");
    for (long a = 0; a < nareas; a++)
        fprintf(f, "%ld,%.0f,%.0f,%.17g,%.17g,%.17g,%.17g,%.17g\n", a, r[a].observed,
                r[a].denominator, r[a].value, r[a].lo95, r[a].hi95, r[a].lo998, r[a].hi998);
    fclose(f);
    printf("icsflow_seconds %.9f\n", best);
    free(o);
    free(n);
    free(r);
    return 0;
}
