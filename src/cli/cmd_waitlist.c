/* cmd_waitlist.c - `icsflow waitlist import|generate|allocate|equity|show|runs|bookings`:
 * the joint elective waiting list from the command line (PTL and session
 * imports, a synthetic PTL generator, optimal hub allocation runs and the
 * equity report). Parses options and prints; the use cases are
 * src/app/waitlist.c (the same audit records as the API's). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/csv.h"
#include "core/progress.h"
#include "core/sb.h"
#include "core/tz.h"
#include "app/waitlist.h"

static const char usage[] =
    "waitlist import FILE... [--source NAME]\n"
    "       waitlist generate [--n N] [--seed S] [--as-of DATE] [--out FILE] [--sessions FILE]"
    " [--days N] [--capacity SHARE]\n"
    "       waitlist allocate [--as-of DATE] [--horizon DAYS] [--tfc CODE] [--travel-per-km N]"
    " [--away-penalty N] [--late-penalty N] [--per-week N] [--max-km KM] [--threads N]"
    " [--no-aggregate] [--max-arcs N] [--format text|json]\n"
    "       waitlist equity [--run ID] [--by trust|place|imd] [--as-of DATE] [--format "
    "text|json|csv]\n"
    "       waitlist show [--trust ODS] [--tfc CODE] [--priority 1-4] [--place ONS] [--status S]"
    " [--run ID] [--limit N] [--offset N] [--format text|json]\n"
    "       waitlist runs [--limit N] [--format text|json]\n"
    "       waitlist bookings --run ID [--hub SITE] [--specialty CODE] [--trust ODS] [--booked "
    "yes|no]"
    " [--overdue] [--limit N] [--offset N] [--format text|json|csv]\n"
    "   all take [--db PATH]";

static int64_t today(void)
{
    return app_waitlist_today(tz_now());
}

static int print_json(json_t *j)
{
    char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (t) puts(t);
    free(t);
    return 0;
}

static const char *js(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "-";
}

static long long ji(json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* ---- import -------------------------------------------------------------- */

static int do_import(store *s, int nfiles, char **files, const char *source)
{
    ics_err e = {0};
    csv_doc **docs = calloc((size_t)nfiles + 1, sizeof *docs);
    int rc = docs ? 0 : ics_err_set(&e, ICS_ENOMEM, "out of memory");
    for (int k = 0; k < nfiles && !rc; k++) rc = csv_read_file(files[k], &docs[k], &e);
    json_t *all = NULL, *errs = NULL;
    app_ctx c = cli_ctx(s);
    if (!rc) rc = app_waitlist_import(&c, docs, (size_t)nfiles, source, &all, &errs, &e);
    for (int k = 0; docs && k < nfiles; k++) csv_free(docs[k]);
    free(docs);
    if (rc) {
        size_t i;
        json_t *v;
        if (errs) json_array_foreach(errs, i, v)
            {
                if (i == 50) {
                    fprintf(stderr, "... and more\n");
                    break;
                }
                fprintf(stderr, "%s:%lld: column '%s': %s\n", js(v, "file"), ji(v, "line"),
                        js(v, "column"), js(v, "reason"));
            }
        json_decref(errs);
        return cli_fail("waitlist", &e);
    }
    json_decref(errs);
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
        printf("%s: %s, %lld rows (%lld new, %lld updated)\n", js(v, "file"), js(v, "kind"),
               ji(v, "rows"), ji(v, "inserted"), ji(v, "updated"));
    json_decref(all);
    return 0;
}

/* ---- generate ------------------------------------------------------------ */

static int write_ptl(FILE *f, const waitlist_gen_entry *g, size_t n)
{
    fputs("pathway_id,nhs_number,postcode,trust,tfc,procedure,priority,priority_date,"
          "clock_start,pause_days,clock_stop,status,max_travel_km,imd_quintile,synthetic\n",
          f);
    sb b;
    sb_init(&b);
    for (size_t i = 0; i < n; i++) {
        char ps[11], cs[11];
        tz_format_date(g[i].p.priority_date, ps, sizeof ps);
        tz_format_date(g[i].p.clock_start, cs, sizeof cs);
        b.len = 0;
        sb_printf(&b, "%s,%s,%s,%s,%d,", g[i].local_id, g[i].nhs_number, g[i].postcode,
                  g[i].p.trust, g[i].p.tfc);
        csv_cell_exact(&b, g[i].procedure, 1);
        sb_printf(&b, ",P%d,%s,%s,0,,waiting,%g,%d,1\n", g[i].p.priority, ps, cs, g[i].p.max_km,
                  g[i].imd_quintile);
        if (b.oom || fwrite(b.buf, 1, b.len, f) != b.len) {
            sb_free(&b);
            return -1;
        }
    }
    sb_free(&b);
    return 0;
}

static int do_generate(store *s, long n, long seed, const char *asof, const char *out,
                       const char *sess_out, long days, double cap)
{
    int64_t day = today();
    ics_err e = {0};
    if (asof && tz_parse_date(asof, &day, &e))
        return cli_usage_error("waitlist", "--as-of: %s", e.msg);
    app_ctx c = cli_ctx(s);
    app_waitlist_synth syn;
    int rc = app_waitlist_generate(&c, (size_t)n, (uint64_t)seed, day, sess_out != NULL, (int)days,
                                   cap, &syn, &e);
    waitlist_gen_entry *g = syn.g;
    if (!rc) {
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f || write_ptl(f, g, (size_t)n) || (out && fclose(f))) {
            rc = ics_err_set(&e, ICS_EIO, "cannot write '%s'", out ? out : "stdout");
        }
    }
    if (!rc && sess_out) {
        const waitlist_session *ss = syn.ss;
        const waitlist_site *sites = syn.sites;
        size_t nss = syn.nss;
        FILE *f = fopen(sess_out, "w");
        if (!rc && !f) rc = ics_err_set(&e, ICS_EIO, "cannot write '%s'", sess_out);
        if (f) {
            fputs("site_code,tfc,date,slots,synthetic\n", f);
            for (size_t k = 0; k < nss; k++) {
                char dd[11];
                tz_format_date(ss[k].date, dd, sizeof dd);
                fprintf(f, "%s,%d,%s,%d,1\n", sites[ss[k].site].code, ss[k].tfc, dd, ss[k].slots);
            }
            if (fclose(f)) rc = ics_err_set(&e, ICS_EIO, "cannot write '%s'", sess_out);
        }
        if (!rc)
            fprintf(stderr, "wrote %zu SYNTHETIC session lists (%ld days) to %s\n", nss, days,
                    sess_out);
    }
    if (!rc)
        fprintf(stderr, "wrote %ld SYNTHETIC PTL entries (seed %ld, as at %s)%s%s\n", n, seed,
                asof ? asof : "today", out ? " to " : "", out ? out : "");
    app_waitlist_synth_free(&syn);
    return rc ? cli_fail("waitlist", &e) : 0;
}

/* ---- allocate ------------------------------------------------------------ */

static void print_equity_text(json_t *eq)
{
    json_t *before = json_object_get(eq, "before"), *after = json_object_get(eq, "after");
    printf("equity by %s as at %s\n", js(eq, "by"), js(eq, "as_of"));
    if (json_is_true(json_object_get(eq, "synthetic")))
        printf("SYNTHETIC: the waiting list counted here is generated, not real patients\n");
    if (after)
        printf("%-56s %9s %9s %14s %14s %13s %9s %9s\n", "group", "waiting", "after", "median wks",
               "p92 wks", "% <18 wks", ">52", ">78");
    else
        printf("%-56s %9s %8s %8s %9s %8s %8s %8s %8s\n", "group", "waiting", "median", "p92",
               "% <18", ">18", ">52", ">65", ">78");
    size_t i;
    json_t *b;
    json_array_foreach(before, i, b)
    {
        char name[160];
        snprintf(name, sizeof name, "%s %s", js(b, "group"),
                 strcmp(js(b, "group"), js(b, "name")) ? js(b, "name") : "");
        if (!after) {
            printf("%-56s %9lld %8.1f %8.1f %8.1f%% %8lld %8lld %8lld %8lld\n", name,
                   ji(b, "count"), json_real_value(json_object_get(b, "median_weeks")),
                   json_real_value(json_object_get(b, "p92_weeks")),
                   json_real_value(json_object_get(b, "pct_under_18")), ji(b, "over_18"),
                   ji(b, "over_52"), ji(b, "over_65"), ji(b, "over_78"));
            continue;
        }
        json_t *a = NULL, *x;
        size_t j;
        json_array_foreach(after, j, x) if (!strcmp(js(x, "group"), js(b, "group"))) a = x;
        char m[32], p[32], u[32], o52[32], o78[32];
        snprintf(m, sizeof m, "%.1f->%.1f", json_real_value(json_object_get(b, "median_weeks")),
                 a ? json_real_value(json_object_get(a, "median_weeks")) : 0.0);
        snprintf(p, sizeof p, "%.1f->%.1f", json_real_value(json_object_get(b, "p92_weeks")),
                 a ? json_real_value(json_object_get(a, "p92_weeks")) : 0.0);
        snprintf(u, sizeof u, "%.1f->%.1f", json_real_value(json_object_get(b, "pct_under_18")),
                 a ? json_real_value(json_object_get(a, "pct_under_18")) : 0.0);
        snprintf(o52, sizeof o52, "%lld->%lld", ji(b, "over_52"), a ? ji(a, "over_52") : 0);
        snprintf(o78, sizeof o78, "%lld->%lld", ji(b, "over_78"), a ? ji(a, "over_78") : 0);
        printf("%-56s %9lld %9lld %14s %14s %13s %9s %9s\n", name, ji(b, "count"),
               a ? ji(a, "count") : 0, m, p, u, o52, o78);
    }
}

static void print_run(json_t *r)
{
    printf("run %lld as at %s by %s%s\n", ji(r, "id"), js(r, "as_of"), js(r, "created_by"),
           json_is_true(json_object_get(r, "synthetic")) ? " (SYNTHETIC data)" : "");
    printf("  input fingerprint (SHA-256) %s\n", js(r, "fingerprint"));
    printf("  %lld patients waiting, %lld session lists with %lld slots\n", ji(r, "patients"),
           ji(r, "sessions"), ji(r, "slots"));
    printf("  booked %lld; P1/P2: %lld of %lld on time, %lld late\n", ji(r, "assigned"),
           ji(r, "urgent_on_time"), ji(r, "urgent"), ji(r, "urgent_late"));
    printf("  optimal cost %lld = travel %lld + away from own trust %lld + late %lld + left "
           "waiting %lld (%lld ms)\n",
           ji(r, "objective"), ji(r, "cost_travel"), ji(r, "cost_away"), ji(r, "cost_late"),
           ji(r, "cost_unassigned"), ji(r, "elapsed_ms"));
    json_t *lim = json_object_get(r, "limits");
    if (lim) printf("  limits: %s\n", js(lim, "note"));
}

/* The allocation's numeric options, -1 when not given (the API's names). */
enum { AL_HORIZON, AL_TFC, AL_TRAVEL, AL_AWAY, AL_LATE, AL_PER_WEEK, AL_THREADS, AL_N };
static const char *const alloc_keys[AL_N] = {
    "horizon_days", "tfc", "travel_per_km", "away_penalty", "late_penalty", "per_week", "threads"};

static int do_allocate(store *s, const char *asof, const long *num, double max_km, int no_agg,
                       double max_arcs, const char *fmt)
{
    json_t *j = json_object();
    if (asof) json_object_set_new(j, "as_of", json_string(asof));
    for (int k = 0; k < AL_N; k++)
        if (num[k] >= 0) json_object_set_new(j, alloc_keys[k], json_integer(num[k]));
    if (max_km >= 0) json_object_set_new(j, "default_max_km", json_real(max_km));
    if (no_agg) json_object_set_new(j, "aggregate", json_false());
    if (max_arcs > 0) {
        app_limits lim = app_limits_get();
        lim.alloc_arcs = max_arcs;
        app_limits_set(&lim);
    }
    app_waitlist_opts o;
    ics_err e = {0};
    app_ctx c = cli_ctx(s);
    int rc = app_waitlist_allocate_check(&c, j, &o, &e);
    json_decref(j);
    if (rc) return cli_usage_error("waitlist", "%s", e.msg);
    progress p;
    progress_init(&p, "allocating");
    json_t *run = NULL, *eq = NULL;
    app_run_hook hook = {progress_report, NULL, &p, NULL};
    rc = app_waitlist_allocate_exec(&c, &o, &hook, &run, &e);
    progress_done(&p);
    if (rc) return cli_fail("waitlist", &e);
    rc = app_waitlist_equity(&c, json_integer_value(json_object_get(run, "id")), "trust", 0, &eq,
                             &e);
    if (!rc) {
        if (fmt && !strcmp(fmt, "json")) {
            json_object_set_new(run, "equity", eq);
            print_json(run);
        } else {
            print_run(run);
            print_equity_text(eq);
            json_decref(eq);
        }
    }
    json_decref(run);
    return rc ? cli_fail("waitlist", &e) : 0;
}

/* ---- equity, show, runs -------------------------------------------------- */

static int do_equity(store *s, long run, const char *by, const char *asof, const char *fmt)
{
    int64_t day = today();
    ics_err e = {0};
    if (asof && tz_parse_date(asof, &day, &e))
        return cli_usage_error("waitlist", "--as-of: %s", e.msg);
    json_t *eq;
    app_ctx c = cli_ctx(s);
    int rc = app_waitlist_equity(&c, run, by, day, &eq, &e);
    if (rc) return cli_fail("waitlist", &e);
    if (fmt && !strcmp(fmt, "json")) {
        print_json(eq);
    } else if (fmt && !strcmp(fmt, "csv")) {
        printf("when,group,name,count,median_weeks,p92_weeks,pct_under_18,over_18,over_52,"
               "over_65,over_78\n");
        const char *when[2] = {"before", "after"};
        for (int w = 0; w < 2; w++) {
            size_t i;
            json_t *r;
            json_array_foreach(json_object_get(eq, when[w]), i, r)
            {
                sb b;
                sb_init(&b);
                csv_cell(&b, js(r, "name"), 1);
                printf("%s,%s,%s,%lld,%.2f,%.2f,%.1f,%lld,%lld,%lld,%lld\n", when[w],
                       js(r, "group"), b.buf ? b.buf : "", ji(r, "count"),
                       json_real_value(json_object_get(r, "median_weeks")),
                       json_real_value(json_object_get(r, "p92_weeks")),
                       json_real_value(json_object_get(r, "pct_under_18")), ji(r, "over_18"),
                       ji(r, "over_52"), ji(r, "over_65"), ji(r, "over_78"));
                sb_free(&b);
            }
        }
    } else {
        print_equity_text(eq);
    }
    json_decref(eq);
    return 0;
}

static int do_show(store *s, const store_waitlist_filter *f, long run, long limit, long offset,
                   const char *fmt)
{
    ics_err e = {0};
    json_t *out;
    app_ctx c = cli_ctx(s);
    app_waitlist_booking_query q = {f->trust, NULL, f->tfc, NULL, NULL, 0};
    int rc = run ? app_waitlist_results(&c, run, &q, limit, offset, NULL, &out, &e)
                 : app_waitlist_entry_list(&c, f, today(), limit, offset, &out, &e);
    if (rc) return cli_fail("waitlist", &e);
    if (fmt && !strcmp(fmt, "json")) {
        print_json(out);
        json_decref(out);
        return 0;
    }
    size_t i;
    json_t *r;
    if (run) {
        printf("%-8s %-5s %-12s %-4s %-3s %-6s %-11s %6s %5s %4s %8s\n", "entry", "trust",
               "pathway", "tfc", "P", "site", "date", "km", "weeks", "late", "cost");
        json_array_foreach(json_object_get(out, "items"), i, r)
        {
            long long cost = ji(r, "cost_travel") + ji(r, "cost_away") + ji(r, "cost_late") +
                             ji(r, "cost_unassigned");
            printf("%-8lld %-5s %-12s %-4lld P%-2lld %-6s %-11s %6.1f %5lld %4s %8lld\n",
                   ji(r, "entry_id"), js(r, "trust"), js(r, "pathway_id"), ji(r, "tfc"),
                   ji(r, "priority"), js(r, "site_code"), js(r, "session_date"),
                   json_number_value(json_object_get(r, "km")), ji(r, "weeks"),
                   json_is_true(json_object_get(r, "late")) ? "yes" : "", cost);
        }
    } else {
        printf("%-8s %-5s %-12s %-12s %-9s %-4s %-3s %-11s %5s %-11s %s\n", "id", "trust",
               "pathway", "nhs number", "postcode", "tfc", "P", "clock start", "weeks", "due",
               "procedure");
        json_array_foreach(json_object_get(out, "items"), i, r)
        {
            printf("%-8lld %-5s %-12s %-12s %-9s %-4lld P%-2lld %-11s %5lld %-11s %s%s\n",
                   ji(r, "id"), js(r, "trust"), js(r, "pathway_id"), js(r, "nhs_number"),
                   js(r, "postcode"), ji(r, "tfc"), ji(r, "priority"), js(r, "clock_start"),
                   ji(r, "weeks_waited"), js(r, "due_date"), js(r, "procedure"),
                   json_is_true(json_object_get(r, "synthetic")) ? " [synthetic]" : "");
        }
    }
    printf("%zu of %lld shown (offset %ld)\n", json_array_size(json_object_get(out, "items")),
           ji(out, "total"), offset);
    json_decref(out);
    return 0;
}

/* The booking list of a run: who is booked into which hub session and who
 * is left waiting (CSV: every matching row unless --limit is given). */
static int do_bookings(store *s, long run, const app_waitlist_booking_query *q, long limit,
                       int limit_given, long offset, const char *fmt)
{
    ics_err e = {0};
    app_ctx c = cli_ctx(s);
    if (fmt && !strcmp(fmt, "csv")) {
        sb b;
        sb_init(&b);
        int64_t rows;
        int rc =
            app_waitlist_results_csv(&c, run, q, limit_given ? limit : 0, offset, &b, &rows, &e);
        if (!rc) fwrite(b.buf ? b.buf : "", 1, b.len, stdout);
        sb_free(&b);
        return rc ? cli_fail("waitlist", &e) : 0;
    }
    json_t *out;
    if (app_waitlist_results(&c, run, q, limit, offset, NULL, &out, &e))
        return cli_fail("waitlist", &e);
    if (fmt && !strcmp(fmt, "json")) {
        print_json(out);
        json_decref(out);
        return 0;
    }
    printf("bookings of run %lld as at %s\n", ji(out, "run"), js(out, "as_of"));
    if (json_is_true(json_object_get(out, "synthetic")))
        printf("SYNTHETIC: the patients and sessions listed here are generated, not real\n");
    printf("%-8s %-5s %-12s %-12s %-3s %-4s %-6s %-11s %6s %5s %s\n", "entry", "trust", "pathway",
           "nhs number", "P", "tfc", "hub", "date", "km", "weeks", "note");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(out, "items"), i, r)
    {
        char km[16] = "-", note[64] = "";
        if (json_is_number(json_object_get(r, "km")))
            snprintf(km, sizeof km, "%.1f", json_number_value(json_object_get(r, "km")));
        if (json_is_true(json_object_get(r, "overdue")))
            snprintf(note, sizeof note, "OVERDUE P%lld by %lld days", ji(r, "priority"),
                     ji(r, "days_overdue"));
        if (!json_is_true(json_object_get(r, "booked")))
            snprintf(note + strlen(note), sizeof note - strlen(note), "%snot booked",
                     note[0] ? "; " : "");
        else if (json_is_true(json_object_get(r, "late")))
            snprintf(note + strlen(note), sizeof note - strlen(note), "%sbooked after due",
                     note[0] ? "; " : "");
        printf("%-8lld %-5s %-12s %-12s P%-2lld %-4lld %-6s %-11s %6s %5lld %s\n",
               ji(r, "entry_id"), js(r, "trust"), js(r, "pathway_id"), js(r, "nhs_number"),
               ji(r, "priority"), ji(r, "tfc"), js(r, "site_code"), js(r, "session_date"), km,
               ji(r, "weeks"), note);
    }
    printf("%zu of %lld shown (offset %ld)\n", json_array_size(json_object_get(out, "items")),
           ji(out, "total"), offset);
    json_decref(out);
    return 0;
}

static int do_runs(store *s, long limit, const char *fmt)
{
    if (limit > 1000) return cli_usage_error("waitlist", "runs: --limit must be at most 1000");
    ics_err e = {0};
    json_t *rows;
    app_ctx c = cli_ctx(s);
    if (app_waitlist_run_list(&c, limit, 0, &rows, &e)) return cli_fail("waitlist", &e);
    if (fmt && !strcmp(fmt, "json")) {
        print_json(rows);
    } else {
        printf("%-5s %-21s %-11s %-20s %9s %8s %14s %s\n", "run", "created", "as of", "by",
               "patients", "booked", "cost", "fingerprint");
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
            printf("%-5lld %-21s %-11s %-20.20s %9lld %8lld %14lld %.16s%s\n", ji(r, "id"),
                   js(r, "created_at"), js(r, "as_of"), js(r, "created_by"), ji(r, "patients"),
                   ji(r, "assigned"), ji(r, "objective"), js(r, "fingerprint"),
                   json_is_true(json_object_get(r, "synthetic")) ? " synthetic" : "");
    }
    json_decref(rows);
    return 0;
}

int cmd_waitlist(int argc, char **argv)
{
    const char *db = cli_default_db(), *source = NULL, *asof = NULL, *out = NULL, *sess = NULL,
               *tfc = NULL, *fmt = NULL, *by = NULL, *trust = NULL, *priority = NULL, *place = NULL,
               *status = NULL, *hub = NULL, *booked = NULL;
    long n = 300000, seed = 1, days = 56, run = 0, limit = 0, offset = 0; /* limit 0: not given */
    long num[AL_N] = {-1, -1, -1, -1, -1, -1, -1};
    double cap = 0.25, max_km = -1, max_arcs = 0;
    int no_agg = 0, overdue = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("source", &source, "NAME  where the PTL came from (import; default the file)"),
        CLI_OPT_INT("n", &n, 1, 5000000, "N  synthetic entries (generate; default 300000)"),
        CLI_OPT_INT("seed", &seed, 0, CLI_INT_MAX, "S  generator seed (generate; default 1)"),
        CLI_OPT_TEXT("as-of", &asof, "DATE  the day waits are measured at (default today)"),
        CLI_OPT_TEXT("out", &out, "FILE  PTL CSV to write (generate; default stdout)"),
        CLI_OPT_TEXT("sessions", &sess, "FILE  also write synthetic theatre sessions (generate)"),
        CLI_OPT_INT("days", &days, 1, 366, "N  days of sessions (generate; default 56)"),
        CLI_OPT_NUMBER("capacity", &cap, 0.0001, 10,
                       "SHARE  session slots / entries (generate; default 0.25)"),
        CLI_OPT_INT("horizon", &num[AL_HORIZON], 0, 1000000000,
                    "DAYS  sessions used from --as-of (allocate; default 56)"),
        CLI_OPT_TEXT("tfc", &tfc, "CODE  one treatment function code only"),
        CLI_OPT_INT("travel-per-km", &num[AL_TRAVEL], 0, 1000000000,
                    "N  cost points per km travelled (default 10)"),
        CLI_OPT_INT("away-penalty", &num[AL_AWAY], 0, 1000000000,
                    "N  cost of treatment at another trust (default 100)"),
        CLI_OPT_INT("late-penalty", &num[AL_LATE], 0, 1000000000,
                    "N  cost of a P1/P2 booked after due (default 50000)"),
        CLI_OPT_INT("per-week", &num[AL_PER_WEEK], 0, 1000000000,
                    "N  cost of leaving a patient, per week waited (500)"),
        CLI_OPT_NUMBER("max-km", &max_km, 0, 1000,
                       "KM  travel limit when the PTL gives none (default 25)"),
        CLI_OPT_INT("threads", &num[AL_THREADS], 0, 1000000000, "N  worker threads (default 2)"),
        CLI_OPT_FLAG("no-aggregate", &no_agg, "solve one node per patient (slower; same optimum)"),
        CLI_OPT_NUMBER("max-arcs", &max_arcs, 1, 1e12,
                       "N  refuse allocations over N arcs (default 5e7)"),
        CLI_OPT_INT("run", &run, 1, CLI_INT_MAX, "ID  an allocation run (equity, show, bookings)"),
        CLI_OPT_CHOICE("by", &by, "trust|place|imd",
                       "trust|place|imd  equity groups (default trust)"),
        CLI_OPT_TEXT("trust", &trust, "ODS  one trust's entries (show, bookings)"),
        CLI_OPT_TEXT("hub", &hub, "SITE  one hub's bookings (bookings)"),
        CLI_OPT_TEXT("specialty", &tfc, "CODE  one treatment function code (= --tfc)"),
        CLI_OPT_CHOICE("booked", &booked, "yes|no",
                       "yes|no  booked patients or those left (bookings)"),
        CLI_OPT_FLAG("overdue", &overdue, "only overdue P1/P2 patients (bookings)"),
        CLI_OPT_CHOICE("priority", &priority, "1|2|3|4", "1-4  one clinical priority (show)"),
        CLI_OPT_TEXT("place", &place, "ONS  one borough (show)"),
        CLI_OPT_TEXT("status", &status, "S  waiting, booked, treated or removed (show)"),
        CLI_OPT_INT("limit", &limit, 1, 1000000,
                    "N  rows to show (show, runs, bookings; default 20; bookings CSV: all)"),
        CLI_OPT_INT("offset", &offset, 0, 100000000, "N  rows to skip (show, bookings)"),
        CLI_OPT_CHOICE("format", &fmt, "text|json|csv",
                       "text|json|csv  output format (default text)"),
        CLI_OPT_END};
    int np, rc = cli_parse("waitlist", usage, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np < 1)
        return cli_usage_error(
            "waitlist",
            "name an action: import, generate, allocate, equity, show, runs or bookings");
    const char *action = argv[1];
    static const char *const actions[] = {"import", "generate", "allocate", "equity",
                                          "show",   "runs",     "bookings", NULL};
    int known = 0;
    for (int k = 0; actions[k]; k++) known |= !strcmp(actions[k], action);
    if (!known)
        return cli_usage_error("waitlist",
                               "unknown action '%s' (import, generate, allocate, equity, show, "
                               "runs or bookings)",
                               action);
    if (!strcmp(action, "bookings") && !run)
        return cli_usage_error("waitlist", "bookings needs --run ID (see `icsflow waitlist runs`)");
    if (!strcmp(action, "import") && np < 2)
        return cli_usage_error("waitlist", "import needs at least one CSV file");
    if (strcmp(action, "import") && np > 1)
        return cli_usage_error("waitlist", "unexpected argument '%s'", argv[2]);
    if (tfc && !strcmp(action, "allocate") && cli_int("waitlist", "tfc", tfc, 0, 999, &num[AL_TFC]))
        return 2;
    store *s;
    if ((rc = cli_open("waitlist", db, &s))) return rc;
    if (!strcmp(action, "import")) {
        rc = do_import(s, np - 1, argv + 2, source);
    } else if (!strcmp(action, "generate")) {
        rc = do_generate(s, n, seed, asof, out, sess, days, cap);
    } else if (!strcmp(action, "allocate")) {
        rc = do_allocate(s, asof, num, max_km, no_agg, max_arcs, fmt);
    } else if (!strcmp(action, "equity")) {
        rc = do_equity(s, run, by, asof, fmt);
    } else if (!strcmp(action, "show")) {
        store_waitlist_filter f = {trust, tfc, priority, place, status, 0, NULL};
        rc = do_show(s, &f, run, limit ? limit : 20, offset, fmt);
    } else if (!strcmp(action, "bookings")) {
        app_waitlist_booking_query q = {trust, hub, tfc, NULL, overdue ? "true" : NULL, 0};
        if (booked) q.booked = !strcmp(booked, "yes") ? "true" : "false";
        rc = do_bookings(s, run, &q, limit ? limit : 20, limit > 0, offset, fmt);
    } else {
        rc = do_runs(s, limit ? limit : 20, fmt);
    }
    store_close(s);
    return rc;
}
