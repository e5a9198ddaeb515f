/* bench_sitrep.c - benchmark driver: OPEL scoring and XmR special-cause
 * signals over a synthetic year of acute sitreps for many providers.
 *
 * Generates the input with the sitrep engine's synthetic generator, writes
 * it as CSV, reads it back (so icsflow and the reference see the same
 * numbers), then times scoring every provider-day and charting every
 * provider's parameters, and writes the results for bench/sitrep/ref.py.
 * usage: bench_sitrep PROVIDERS DAYS DATA_DIR INPUT.csv SCORES.csv SPC.csv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/csv.h"
#include "core/sb.h"
#include "core/tz.h"
#include "sitrep/sitrep.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

typedef struct gen {
    FILE *f;
} gen;

static const int used[] = {
    SITREP_F_AMB_ARRIVALS,     SITREP_F_HANDOVER_MEAN_MIN,  SITREP_F_ED_ATTENDANCES,
    SITREP_F_ED_EXPECTED,      SITREP_F_ED_WITHIN_4H,       SITREP_F_ED_OVER_12H,
    SITREP_F_ED_MAJORS_SPACES, SITREP_F_ED_MAJORS_PATIENTS, SITREP_F_TIME_TO_TREATMENT_MIN,
    SITREP_F_GA_BEDS_CORE,     SITREP_F_GA_BEDS_ESCALATION, SITREP_F_GA_BEDS_OCCUPIED,
    SITREP_F_NCTR_PATIENTS};
#define NUSED (sizeof used / sizeof used[0])

static int write_row(void *ctx, const sitrep_submission *s)
{
    gen *g = ctx;
    fprintf(g->f, "%s,%lld", s->org, (long long)s->day);
    for (size_t i = 0; i < NUSED; i++) fprintf(g->f, ",%.17g", s->val.v[used[i]]);
    fputc('\n', g->f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: bench_sitrep PROVIDERS DAYS DATA_DIR INPUT SCORES SPC\n");
        return 2;
    }
    int np = atoi(argv[1]), nd = atoi(argv[2]);
    if (np < 1 || np > 1296 || nd < 2) {
        fprintf(stderr, "PROVIDERS must be 1 to 1296 and DAYS at least 2\n");
        return 2;
    }
    ics_err e = {0};
    char path[1024], lpath[1024];
    snprintf(path, sizeof path, "%s/opel_thresholds.csv", argv[3]);
    snprintf(lpath, sizeof lpath, "%s/opel_levels.csv", argv[3]);
    csv_doc *rd, *ld, *in;
    sitrep_thresholds *t;
    if (csv_read_file(path, &rd, &e) || csv_read_file(lpath, &ld, &e) ||
        sitrep_thresholds_from_csv(rd, ld, &t, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    csv_free(rd);
    csv_free(ld);

    /* input: np acute providers of 300-1500 beds over nd days from 2025-04-01 */
    sitrep_synth_provider *p = calloc((size_t)np, sizeof *p);
    for (int i = 0; i < np; i++) {
        /* trust-like 3-character codes (5 would make them sites of one trust) */
        static const char d36[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        snprintf(p[i].org, sizeof p[i].org, "Z%c%c", d36[(i / 36) % 36], d36[i % 36]);
        p[i].kind = SITREP_ACUTE;
        p[i].size = 300 + (i * 7919) % 1200;
    }
    FILE *f = fopen(argv[4], "w");
    if (!f) return 1;
    fprintf(f, "org,day");
    for (size_t i = 0; i < NUSED; i++) fprintf(f, ",%s", sitrep_field(used[i])->name);
    fputc('\n', f);
    gen g = {f};
    if (sitrep_synth_generate(p, (size_t)np, tz_days_from_civil(2025, 4, 1), nd, 42, write_row, &g,
                              NULL, NULL, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    fclose(f);
    free(p);
    if (csv_read_file(argv[4], &in, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    size_t n = in->nrows;
    sitrep_submission *subs = calloc(n, sizeof *subs);
    for (size_t r = 0; r < n; r++) {
        snprintf(subs[r].org, sizeof subs[r].org, "%s", in->rows[r][0]);
        subs[r].kind = SITREP_ACUTE;
        subs[r].day = atoll(in->rows[r][1]);
        for (size_t i = 0; i < NUSED; i++) {
            subs[r].val.v[used[i]] = strtod(in->rows[r][2 + i], NULL);
            subs[r].val.has[used[i]] = 1;
        }
    }

    /* timed: score every provider-day, then an XmR chart of every parameter
     * of every provider (rows are grouped by provider, in day order) */
    double *total = malloc(n * sizeof *total);
    int *level = malloc(n * sizeof *level);
    sitrep_score sc;
    double *x = malloc(n * sizeof *x);
    size_t nseries = (size_t)np * 9;
    sitrep_spc *charts = calloc(nseries, sizeof *charts);
    double t0 = now();
    for (size_t r = 0; r < n; r++)
        if (sitrep_score_compute(t, &subs[r], &sc, &e)) {
            fprintf(stderr, "row %zu: %s\n", r, e.msg);
            return 1;
        } else {
            total[r] = sc.total;
            level[r] = sc.level;
        }
    size_t c = 0;
    for (size_t start = 0; start < n;) {
        size_t end = start;
        while (end < n && strcmp(subs[end].org, subs[start].org) == 0) end++;
        for (int prm = SITREP_P_HANDOVER_MEAN; prm <= SITREP_P_NCTR_PCT; prm++) {
            size_t m = 0;
            for (size_t r = start; r < end; r++) sitrep_param_value(&subs[r], prm, &x[m++]);
            if (sitrep_spc_compute(x, m, &charts[c++], &e)) {
                fprintf(stderr, "%s\n", e.msg);
                return 1;
            }
        }
        start = end;
    }
    double secs = now() - t0;

    f = fopen(argv[5], "w");
    fprintf(f, "org,day,total,level\n");
    for (size_t r = 0; r < n; r++)
        fprintf(f, "%s,%lld,%.17g,%d\n", subs[r].org, (long long)subs[r].day, total[r], level[r]);
    fclose(f);
    f = fopen(argv[6], "w");
    fprintf(f, "org,parameter,mean,ucl,lcl,flags\n");
    c = 0;
    for (size_t start = 0; start < n;) {
        size_t end = start;
        while (end < n && strcmp(subs[end].org, subs[start].org) == 0) end++;
        for (int prm = SITREP_P_HANDOVER_MEAN; prm <= SITREP_P_NCTR_PCT; prm++, c++) {
            fprintf(f, "%s,%s,%.17g,%.17g,%.17g,", subs[start].org, sitrep_param_name(prm),
                    charts[c].mean, charts[c].ucl, charts[c].lcl);
            for (size_t k = 0; k < charts[c].n; k++)
                fputc("0123456789abcdef"[charts[c].flags[k]], f);
            fputc('\n', f);
            sitrep_spc_free(&charts[c]);
        }
        start = end;
    }
    fclose(f);
    printf("icsflow_seconds %.6f\nrows %zu\nseries %zu\n", secs, n, c);
    free(charts);
    free(x);
    free(total);
    free(level);
    free(subs);
    csv_free(in);
    sitrep_thresholds_free(t);
    return 0;
}
