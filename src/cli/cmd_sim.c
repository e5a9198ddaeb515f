/* cmd_sim.c - `icsflow sim`: the bed review from the command line. Runs a
 * scenario file under borough and pooled policies on all cores, finds the
 * beds each needs, writes JSON/CSV/text and an SVG chart; `sim fit` writes
 * a scenario fitted from the database, `sim erlang` the closed forms. A
 * run is refused before it starts when its estimated events or beds are
 * over the limits (--max-events, --max-beds; src/app/limits.h). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/progress.h"
#include "sim/sim.h"
#include "app/sim.h"
#include "core/tz.h"

static int write_file(const char *cmd, const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        if (f) fclose(f);
        fprintf(stderr, "icsflow %s: cannot write '%s'\n", cmd, path);
        return 1;
    }
    return 0;
}

static int load_doc(const char *cmd, const char *path, app_sim_doc **d)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        fprintf(stderr, "icsflow %s: %s:%d:%d: %s\n", cmd, path, je.line, je.column, je.text);
        return 2;
    }
    ics_err e = {0};
    int rc = app_sim_doc_parse(j, d, &e);
    json_decref(j);
    if (rc) {
        ics_err_prefix(&e, "%s: ", path);
        return cli_fail(cmd, &e);
    }
    return 0;
}

static void stat_cell(char *buf, size_t n, const sim_stat *s, const char *fmt)
{
    char a[24], b[24], c[24];
    snprintf(a, sizeof a, fmt, s->mean);
    snprintf(b, sizeof b, fmt, s->lo);
    snprintf(c, sizeof c, fmt, s->hi);
    snprintf(buf, n, "%s (%s-%s)", a, b, c);
}

static void print_text(FILE *f, const app_sim_doc *d, const sim_review *r)
{
    const sim_scenario *sc = &d->sc;
    fprintf(f, "Bed review: %s%s\n", d->name, d->synthetic ? " [synthetic demand]" : "");
    fprintf(f, "seed %llu, %d replications of %g days after a %g-day warm-up, %s queue\n",
            (unsigned long long)sc->seed, sc->reps, sc->run_days, r->warmup_days,
            sc->queue == SIM_QUEUE_PRIORITY ? "priority" : "FIFO");
    if (r->mser5_days >= 0)
        fprintf(f, "warm-up: MSER-5 on pilot replications chose %g days; the scenario's floor %g\n",
                r->mser5_days, sc->warmup_days);
    fprintf(f, "target: under %g%% of patients wait more than %g days; 95%% intervals in ()\n\n",
            100 * sc->target_prob, sc->target_days);
    static const struct {
        int m;
        const char *label, *fmt;
    } rows[] = {{SIM_OCCUPANCY, "occupancy", "%.3f"},
                {SIM_MEAN_WAIT, "mean wait (days)", "%.2f"},
                {SIM_P_WAIT, "P(wait > 0)", "%.3f"},
                {SIM_P_OVER_TARGET, "P(wait > target)", "%.3f"},
                {SIM_WAIT_P95, "95th centile wait (days)", "%.2f"},
                {SIM_MEAN_QUEUE, "mean number waiting", "%.2f"},
                {SIM_OVER_TARGET, "patients over target", "%.1f"}};
    fprintf(f, "%-26s", "");
    for (int p = 0; p < 2; p++)
        if (r->policies >> p & 1) fprintf(f, "%-28s", p ? "pooled" : "borough");
    fprintf(f, "\n%-26s", "beds / offered load");
    char cell[96];
    for (int p = 0; p < 2; p++)
        if (r->policies >> p & 1) {
            snprintf(cell, sizeof cell, "%d / %.1f", r->res[p]->beds, r->res[p]->offered_load);
            fprintf(f, "%-28s", cell);
        }
    fputc('\n', f);
    for (size_t k = 0; k < sizeof rows / sizeof *rows; k++) {
        fprintf(f, "%-26s", rows[k].label);
        for (int p = 0; p < 2; p++)
            if (r->policies >> p & 1) {
                stat_cell(cell, sizeof cell, &r->res[p]->m[rows[k].m], rows[k].fmt);
                fprintf(f, "%-28s", cell);
            }
        fputc('\n', f);
    }
    for (int k = 0; r->searched && k < 2; k++) {
        fprintf(f, "%-26s", k ? "  keeping today's split" : "beds needed, by demand");
        for (int p = 0; p < 2; p++)
            if (r->policies >> p & 1) {
                const sim_search *s = k ? &r->need_today[p] : &r->need[p];
                if (s->found)
                    snprintf(cell, sizeof cell, "%d (%+d)", s->total, s->total - r->res[p]->beds);
                else
                    snprintf(cell, sizeof cell, "not found");
                fprintf(f, "%-28s", cell);
            }
        fputc('\n', f);
    }
    if (r->searched) {
        fprintf(f, "\nbeds per unit to meet the target (shared by demand):\n");
        fprintf(f, "  %-16s %6s", "unit", "today");
        for (int p = 0; p < 2; p++)
            if (r->policies >> p & 1) fprintf(f, " %8s", p ? "pooled" : "borough");
        fputc('\n', f);
        for (int u = 0; u < sc->nunits; u++) {
            fprintf(f, "  %-16s %6d", sc->units[u].code, sc->units[u].beds);
            for (int p = 0; p < 2; p++)
                if (r->policies >> p & 1) {
                    if (r->need[p].found)
                        fprintf(f, " %8d", r->need[p].unit_beds[u]);
                    else
                        fprintf(f, " %8s", "-");
                }
            fputc('\n', f);
        }
    }
    fprintf(f,
            "\nErlang C check (one pooled M/M/c, exponential stays): %d beds for %.2f "
            "arrivals a day staying %.1f days\n",
            r->erlang_beds, r->arrivals_per_day, r->mean_los);
    for (int p = 0; p < 2; p++)
        if (r->policies >> p & 1 && r->res[p]->censored)
            fprintf(f, "warning: %s: %ld patients never got a bed in the run (too few beds)\n",
                    p ? "pooled" : "borough", r->res[p]->censored);
    size_t k;
    json_t *n;
    json_array_foreach(d->notes, k, n) fprintf(f, "note: %s\n", json_string_value(n));
}

/* The summary as a string, without the column padding at line ends. */
static char *text_summary(const app_sim_doc *d, const sim_review *r)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *mf = open_memstream(&buf, &n);
    if (!mf) return NULL;
    print_text(mf, d, r);
    if (fclose(mf) != 0) {
        free(buf);
        return NULL;
    }
    char *w = buf;
    for (char *p = buf; *p; p++) {
        if (*p == '\n')
            while (w > buf && w[-1] == ' ') w--;
        *w++ = *p;
    }
    *w = '\0';
    return buf;
}

static const char *ext_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot ? dot + 1 : "";
}

static int sim_erlang_cmd(int argc, char **argv)
{
    double l = 0, m = 0, t = 2, p = 0.05;
    long c = 0;
    const cli_opt opts[] = {
        CLI_OPT_NUMBER("arrivals", &l, 0.0001, 1e6, "N  arrivals per day (required)"),
        CLI_OPT_NUMBER("los", &m, 0.001, 1e5, "DAYS  mean length of stay (required)"),
        CLI_OPT_INT("beds", &c, 1, 1000000, "N  beds (default: the fewest meeting the target)"),
        CLI_OPT_NUMBER("target-days", &t, 0, 1e5, "DAYS  wait target (default 2)"),
        CLI_OPT_NUMBER("target-prob", &p, 0.0001, 0.9999,
                       "P  share allowed over it (default 0.05)"),
        CLI_OPT_END};
    int np, rc = cli_parse("sim erlang", "sim erlang --arrivals N --los DAYS [--beds N]", argc,
                           argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error("sim erlang", "takes no positional arguments");
    if (!(l > 0) || !(m > 0))
        return cli_usage_error("sim erlang", "--arrivals and --los are required");
    int need = sim_erlang_beds(l, m, t, p);
    if (!c) c = need;
    double a = l * m;
    printf("offered load %.3f beds (%.3f a day x %.3f days), %ld beds, occupancy %.3f\n", a, l, m,
           c, a / c);
    if (a >= c) {
        printf("no steady state: the queue grows without limit (need more than %.0f beds)\n",
               floor(a));
    } else {
        printf("Erlang B (blocked and lost) %.6f\n", sim_erlang_b((int)c, a));
        printf("Erlang C P(wait > 0)        %.6f\n", sim_erlang_c((int)c, a));
        printf("mean wait                   %.4f days\n", sim_erlang_wait((int)c, l, m));
        printf("P(wait > %g days)            %.6f\n", t, sim_erlang_p_over((int)c, l, m, t));
    }
    printf("fewest beds with P(wait > %g days) < %g: %d\n", t, p, need);
    return 0;
}

static int sim_fit_cmd(int argc, char **argv)
{
    const char *db = cli_default_db(), *out = NULL, *type = NULL;
    long nd = 365;
    int replay = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_INT("days", &nd, 7, 3660, "N  history to fit from (default 365)"),
        CLI_OPT_TEXT("bed-type", &type, "TYPE  only units of this bed type"),
        CLI_OPT_FLAG("replay", &replay, "replay the referrals, not Poisson arrivals"),
        CLI_OPT_TEXT("out", &out, "FILE  write the scenario here (default stdout)"),
        CLI_OPT_END};
    int np,
        rc = cli_parse("sim fit",
                       "sim fit [--db PATH] [--days N] [--bed-type TYPE] [--replay] [--out FILE]",
                       argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error("sim fit", "takes no positional arguments");
    store *s;
    if ((rc = cli_open("sim fit", db, &s))) return rc;
    app_sim_doc *d = NULL;
    ics_err e = {0};
    app_ctx c = cli_ctx(s);
    rc = app_sim_fit(&c, (int)nd, type, replay, &d, &e);
    store_close(s);
    if (rc) return cli_fail("sim fit", &e);
    json_t *j = app_sim_doc_json(d);
    char *txt = json_dumps(j, JSON_INDENT(2));
    json_decref(j);
    app_sim_doc_free(d);
    if (!txt) return 1;
    if (out)
        rc = write_file("sim fit", out, txt);
    else
        printf("%s\n", txt);
    free(txt);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sweep range: from the offered load to a little past the most beds any
 * policy needs (or today's beds when no search was run). */
static void sweep_range(const sim_scenario *sc, const sim_review *r, int *lo, int *hi)
{
    int top = sim_scenario_beds(sc);
    for (int p = 0; p < 2; p++)
        if (r->searched && r->need[p].found && r->need[p].total > top) top = r->need[p].total;
    *lo = (int)floor(sim_scenario_load(sc) * 0.98);
    if (*lo < 1) *lo = 1;
    *hi = (int)ceil(top * 1.1) + 1;
}

int cmd_sim(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "erlang")) return sim_erlang_cmd(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "fit")) return sim_fit_cmd(argc - 1, argv + 1);
    const char *policy = "both", *format = NULL, *out = NULL, *svg = NULL;
    long nreps = 0, nthreads = 0, npoints = 12, nseed = -1, ndays = 0;
    app_limits lim = app_limits_get();
    int no_search = 0, conservative = 0, quiet = 0;
    const cli_opt opts[] = {
        CLI_OPT_INT("reps", &nreps, 1, SIM_MAX_REPS, "N  replications (default: the scenario's)"),
        CLI_OPT_INT("threads", &nthreads, 0, 256, "N  worker threads (default: one per core)"),
        CLI_OPT_INT("seed", &nseed, 0, CLI_INT_MAX, "N  random seed (default: the scenario's)"),
        CLI_OPT_INT("days", &ndays, 1, 1000000,
                    "N  days simulated after the warm-up (default: the scenario's)"),
        CLI_OPT_CHOICE("policy", &policy, "borough|pooled|both",
                       "P  borough, pooled or both (default both)"),
        CLI_OPT_FLAG("no-search", &no_search, "do not search for the beds needed"),
        CLI_OPT_FLAG("conservative", &conservative, "judge the target on the upper 95% limit"),
        CLI_OPT_CHOICE("format", &format, "text|json|csv",
                       "F  text, json or csv (default text; --out FILE.json/.csv)"),
        CLI_OPT_TEXT("out", &out, "FILE  write the results here instead of stdout"),
        CLI_OPT_TEXT("svg", &svg, "FILE  chart of wait against beds for both policies"),
        CLI_OPT_INT("points", &npoints, 2, 64, "N  beds values on the chart (default 12)"),
        CLI_OPT_FLAG("quiet", &quiet, "no timing line on stderr"),
        CLI_OPT_NUMBER("max-events", &lim.sim_events, 1, 1e15,
                       "N  refuse runs estimated over N events (default 1e9)"),
        CLI_OPT_NUMBER("max-beds", &lim.sim_beds, 1, 1e9,
                       "N  refuse runs needing over N beds (default 100000)"),
        CLI_OPT_END};
    static const char usage[] =
        "sim SCENARIO.json [options]\n"
        "       icsflow sim fit [--db PATH] [--days N] [--bed-type TYPE] [--replay] [--out FILE]\n"
        "       icsflow sim erlang --arrivals N --los DAYS [--beds N]\n\n"
        "Runs the scenario's replications on all cores under the borough and pooled\n"
        "policies (paired: the same patients), reports occupancy, waits and the\n"
        "share waiting over the target with 95% intervals, and searches for the\n"
        "fewest total beds each policy needs to meet the target.";
    int np, rc = cli_parse("sim", usage, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error("sim", "name one scenario file (or: fit, erlang)");
    int pol = !strcmp(policy, "both")      ? 3
              : !strcmp(policy, "borough") ? SIM_REVIEW_BOROUGH
                                           : SIM_REVIEW_POOLED;
    if (!format)
        format = out && !strcmp(ext_of(out), "json")  ? "json"
                 : out && !strcmp(ext_of(out), "csv") ? "csv"
                                                      : "text";
    app_sim_doc *d = NULL;
    if ((rc = load_doc("sim", argv[1], &d))) return rc;
    if (nreps) d->sc.reps = (int)nreps;
    if (nseed >= 0) d->sc.seed = (uint64_t)nseed;
    if (ndays) d->sc.run_days = (double)ndays;
    ics_err e = {0};
    pol = app_sim_doc_policies(d, pol, &e);
    if (pol >= 0 && app_sim_limit_check(&d->sc, pol, !no_search, svg != NULL, &lim, &e)) pol = -1;
    if (pol < 0) {
        app_sim_doc_free(d);
        return cli_fail("sim", &e);
    }
    sim_review r;
    progress pg;
    progress_init(&pg, "simulating");
    double t0 = now_s();
    rc = sim_review_run(&d->sc, pol, !no_search, conservative, (int)nthreads, progress_report, &pg,
                        &r, &e);
    progress_done(&pg);
    if (rc) {
        app_sim_doc_free(d);
        return cli_fail("sim", &e);
    }
    double t1 = now_s();
    if (svg) {
        sim_sweep *sw = malloc(sizeof *sw);
        int lo, hi;
        sweep_range(&d->sc, &r, &lo, &hi);
        progress_init(&pg, "chart sweep");
        rc = sw ? sim_sweep_run(&d->sc, lo, hi, (int)npoints, (int)nthreads, progress_report, &pg,
                                sw, &e)
                : ics_err_set(&e, ICS_ENOMEM, "out of memory");
        progress_done(&pg);
        if (!rc) {
            for (int p = 0; p < 2; p++)
                sw->needed[p] = r.searched && r.need[p].found ? r.need[p].total : 0;
            sb o;
            sb_init(&o);
            char title[200];
            snprintf(title, sizeof title, "%s: mean wait for a bed against total beds", d->name);
            sim_chart_svg(sw, title, &o);
            rc = o.oom ? ics_err_set(&e, ICS_ENOMEM, "out of memory") : 0;
            if (!rc && write_file("sim", svg, o.buf)) rc = ICS_EIO;
            sb_free(&o);
        }
        free(sw);
        if (rc && rc != ICS_EIO) {
            sim_review_free(&r);
            app_sim_doc_free(d);
            return cli_fail("sim", &e);
        }
        if (rc) {
            sim_review_free(&r);
            app_sim_doc_free(d);
            return 1;
        }
    }
    char *txt = NULL;
    if (!strcmp(format, "json")) {
        json_t *j = app_sim_review_json(d, &r);
        txt = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
        json_decref(j);
    } else if (!strcmp(format, "csv")) {
        txt = app_sim_review_csv(d, &r);
    } else {
        txt = text_summary(d, &r);
    }
    rc = 0;
    if (!txt) {
        rc = 1;
    } else if (out) {
        rc = write_file("sim", out, txt);
        char *sum = strcmp(format, "text") ? text_summary(d, &r) : NULL;
        if (sum) fputs(sum, stdout);
        free(sum);
    } else {
        fputs(txt, stdout);
        if (!strcmp(format, "json")) fputc('\n', stdout);
    }
    if (!quiet) {
        long events = 0;
        for (int p = 0; p < 2; p++)
            if (r.res[p]) events += r.res[p]->events;
        fprintf(stderr, "simulated in %.2f s (%ld events in the runs as given)\n", t1 - t0, events);
    }
    free(txt);
    sim_review_free(&r);
    app_sim_doc_free(d);
    return rc;
}
