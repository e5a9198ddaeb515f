/* cmd_analyse.c - `icsflow analyse rates|funnel|variation|allocation|import`:
 * standardised rates with intervals, funnel plots as SVG, the NWL variation
 * report and needs-based allocation, on the database or (rates, funnel) on
 * CSV files; import loads counts or populations, validated, in one
 * transaction. Also seed_analytics: the illustrative weights, synthetic
 * current spend and synthetic NEL admissions for a new database. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/csv.h"
#include "app/analytics.h"
#include "core/tz.h"

/* ---- output helpers ------------------------------------------------------------ */

static int write_text(const char *cmd, const char *path, const char *text)
{
    if (!path) {
        fputs(text, stdout);
        return 0;
    }
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        if (f) fclose(f);
        fprintf(stderr, "icsflow %s: cannot write '%s'\n", cmd, path);
        return 1;
    }
    return 0;
}

static int write_json(const char *cmd, const char *path, const json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    if (!s) {
        fprintf(stderr, "icsflow %s: out of memory\n", cmd);
        return 1;
    }
    sb b;
    sb_init(&b);
    sb_puts(&b, s);
    sb_puts(&b, "\n");
    free(s);
    int rc = write_text(cmd, path, b.buf);
    sb_free(&b);
    return rc;
}

static double num(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void fmt_ci(char *buf, size_t n, double lo, double hi, int dec)
{
    if (isfinite(lo) && isfinite(hi))
        snprintf(buf, n, "%.*f-%.*f", dec, lo, dec, hi);
    else
        snprintf(buf, n, "-");
}

static void rates_text(sb *b, const json_t *r)
{
    int isr = strcmp(str(r, "statistic"), "isr") == 0;
    const int dec = 1;
    const json_t *meta = json_object_get(r, "dataset");
    sb_printf(b, "%s\n", str(r, "label"));
    if (meta)
        sb_printf(b, "dataset %s (%s)%s\n", str(meta, "dataset"), str(meta, "period"),
                  json_is_true(json_object_get(meta, "synthetic"))
                      ? " - SYNTHETIC data, not NHS figures"
                      : "");
    sb_printf(b, "%-10s %-24s %9s %11s %9s  %-19s %-19s %s\n", "area", "name", "events",
              isr ? "expected" : "population", "value", "95% limits", "99.8% limits", "flag");
    size_t i;
    const json_t *it;
    char c95[48], c998[48], val[32];
    json_array_foreach(json_object_get(r, "items"), i, it)
    {
        fmt_ci(c95, sizeof c95, num(it, "lower95"), num(it, "upper95"), dec);
        fmt_ci(c998, sizeof c998, num(it, "lower998"), num(it, "upper998"), dec);
        double v = num(it, "value");
        if (isfinite(v))
            snprintf(val, sizeof val, "%.*f", dec, v);
        else
            snprintf(val, sizeof val, "%s", str(it, "status"));
        sb_printf(b, "%-10s %-24.24s %9.0f %11.*f %9s  %-19s %-19s %s\n", str(it, "area_code"),
                  str(it, "name"), num(it, "observed"), isr ? 1 : 0, num(it, "denominator"), val,
                  c95, c998, str(it, "flag"));
    }
    const json_t *t = json_object_get(r, "total");
    fmt_ci(c95, sizeof c95, num(t, "lower95"), num(t, "upper95"), dec);
    fmt_ci(c998, sizeof c998, num(t, "lower998"), num(t, "upper998"), dec);
    sb_printf(b, "%-10s %-24s %9.0f %11.*f %9.*f  %-19s %-19s\n", "ICS", "total",
              num(t, "observed"), isr ? 1 : 0, num(t, "denominator"), dec, num(t, "value"), c95,
              c998);
    sb_printf(b, "limits: %s; flags from the OHID funnel-plot test (99.8%% = special cause)\n",
              isr ? "exact Poisson below 10 events, Byar's from 10"
              : strcmp(str(r, "statistic"), "dsr") == 0
                  ? "Dobson (Byar's for the count); fewer than 10 events suppressed"
                  : "exact Poisson below 10 events, Byar's from 10");
}

static void rates_csv(sb *b, const json_t *r)
{
    sb_puts(b, "area_code,name,observed,denominator,value,lower95,upper95,lower998,upper998,"
               "status,method,flag\n");
    size_t i;
    const json_t *it;
    json_array_foreach(json_object_get(r, "items"), i, it)
    {
        csv_cell(b, str(it, "area_code"), 1);
        sb_puts(b, ",");
        csv_cell(b, str(it, "name"), 1);
        static const char *const cols[] = {"observed", "denominator", "value",   "lower95",
                                           "upper95",  "lower998",    "upper998"};
        for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
            double v = num(it, cols[c]);
            if (isfinite(v))
                sb_printf(b, ",%.10g", v);
            else
                sb_puts(b, ",");
        }
        sb_printf(b, ",%s,%s,%s\n", str(it, "status"), str(it, "method"), str(it, "flag"));
    }
}

/* ---- rates and funnel --------------------------------------------------------------- */

static int read_table(const char *cmd, const char *path, const char *col, analytics_table **t)
{
    csv_doc *d;
    ics_err e = {0};
    if (csv_read_file(path, &d, &e)) return cli_fail(cmd, &e);
    int rc = analytics_table_from_csv(d, col, NULL, 0, t, &e);
    csv_free(d);
    return rc ? cli_fail(cmd, &e) : 0;
}

/* Rates (and the funnel) from the database or from two CSV files. */
static int compute(const char *cmd, const char *db, const char *dataset, const char *counts,
                   const char *pops, store_an_statistic st, json_t **out, analytics_funnel **f)
{
    ics_err e = {0};
    int rc;
    if (counts || pops) {
        if (!counts || !pops)
            return cli_usage_error(cmd, "give both --counts and --population, or neither");
        analytics_table *tc = NULL, *tp = NULL;
        if ((rc = read_table(cmd, counts, "count", &tc))) return rc;
        if ((rc = read_table(cmd, pops, "population", &tp))) {
            analytics_table_free(tc);
            return rc;
        }
        rc = app_analytics_rates_from_tables(tc, tp, st, out, f, &e);
        analytics_table_free(tc);
        analytics_table_free(tp);
        if (!rc)
            json_object_set_new(
                *out, "dataset",
                json_pack("{sssssb}", "dataset", counts, "period", "from files", "synthetic", 0));
        return rc ? cli_fail(cmd, &e) : 0;
    }
    store *s;
    if ((rc = cli_open(cmd, db, &s))) return rc;
    app_ctx c = cli_ctx(s);
    rc = app_analytics_rates(&c, dataset, st, out, f, &e);
    store_close(s);
    return rc ? cli_fail(cmd, &e) : 0;
}

static int rates_cmd(int argc, char **argv)
{
    const char *cmd = "analyse rates";
    const char *db = cli_default_db(), *dataset = STORE_ANALYTICS_NEL, *stat = "dsr";
    const char *format = "text", *out = NULL, *counts = NULL, *pops = NULL;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("dataset", &dataset, "NAME  stored dataset (default nel_synthetic)"),
        CLI_OPT_TEXT("counts", &counts, "FILE  counts CSV: area_code,sex,age_band,count"),
        CLI_OPT_TEXT("population", &pops,
                     "FILE  population CSV: area_code,sex,age_band,population"),
        CLI_OPT_CHOICE("statistic", &stat, "dsr|crude|isr", "S  dsr, crude or isr (default dsr)"),
        CLI_OPT_CHOICE("format", &format, "text|json|csv", "F  text, json or csv (default text)"),
        CLI_OPT_OUT(&out),
        CLI_OPT_END};
    static const char usage[] =
        "analyse rates [--dataset NAME | --counts FILE --population FILE] [options]\n\n"
        "Rates for every area with 95% and 99.8% limits, as OHID Fingertips computes them:\n"
        "dsr = directly standardised (ESP2013, Dobson limits, suppressed under 10 events),\n"
        "crude = events per 100,000 (exact Poisson under 10 events, Byar's above),\n"
        "isr = indirectly standardised ratio against all areas together (= 100).";
    int np, rc = cli_parse(cmd, usage, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(cmd, "unexpected argument '%s'", argv[1]);
    store_an_statistic st;
    ics_err e = {0};
    if (app_analytics_statistic_parse(stat, &st, &e))
        return cli_usage_error(cmd, "--statistic: %s", e.msg);
    json_t *r;
    if ((rc = compute(cmd, db, dataset, counts, pops, st, &r, NULL))) return rc;
    json_object_del(r, "funnel");
    if (!strcmp(format, "json")) {
        rc = write_json(cmd, out, r);
    } else {
        sb b;
        sb_init(&b);
        if (!strcmp(format, "csv"))
            rates_csv(&b, r);
        else
            rates_text(&b, r);
        rc = write_text(cmd, out, b.buf);
        sb_free(&b);
    }
    json_decref(r);
    return rc;
}

static int svg_write(const char *cmd, const char *path, const analytics_funnel *f, const json_t *r,
                     const char *xlabel)
{
    const json_t *meta = json_object_get(r, "dataset");
    char sub[256];
    snprintf(sub, sizeof sub, "Dataset %s (%s)%s", str(meta, "dataset"), str(meta, "period"),
             json_is_true(json_object_get(meta, "synthetic")) ? " - SYNTHETIC data, not NHS figures"
                                                              : "");
    analytics_chart_text t = {str(r, "label"), sub, xlabel, str(r, "label")};
    sb b;
    sb_init(&b);
    ics_err e = {0};
    int rc = analytics_funnel_svg(f, &t, &b, &e);
    if (!rc)
        rc = write_text(cmd, path, b.buf);
    else
        rc = cli_fail(cmd, &e);
    sb_free(&b);
    return rc;
}

/* A funnel from a CSV of points (name, numerator, denominator and/or rate). */
static int points_funnel(const char *cmd, const char *path, const char *kind, double mult, int dsr,
                         analytics_funnel **out)
{
    analytics_funnel_opts o = {0};
    o.kind = !strcmp(kind, "proportion") ? ANALYTICS_FUNNEL_PROPORTION
             : !strcmp(kind, "ratio")    ? ANALYTICS_FUNNEL_RATIO
                                         : ANALYTICS_FUNNEL_RATE;
    o.dsr = dsr;
    o.multiplier = mult;
    csv_doc *d;
    ics_err e = {0};
    if (csv_read_file(path, &d, &e)) return cli_fail(cmd, &e);
    int cn = csv_col(d, "name"), cx = csv_col(d, "numerator"), cd = csv_col(d, "denominator"),
        cr = csv_col(d, "rate");
    int rc = 0;
    if (cn < 0 || cx < 0 || (cd < 0 && cr < 0))
        rc = ics_err_set(&e, ICS_EINVAL,
                         "%s: needs columns name, numerator and denominator (or rate)", path);
    analytics_funnel_input *in = rc ? NULL : calloc(d->nrows ? d->nrows : 1, sizeof *in);
    if (!rc && !in) rc = ics_err_set(&e, ICS_ENOMEM, "out of memory");
    for (size_t r = 0; !rc && r < d->nrows; r++) {
        char *end;
        in[r].name = d->rows[r][cn];
        in[r].numerator = strtod(d->rows[r][cx], &end);
        if (!*d->rows[r][cx] || *end)
            rc = ics_err_set(&e, ICS_EINVAL, "%s line %zu: numerator '%s' is not a number", path,
                             d->line[r], d->rows[r][cx]);
        const char *v = cd >= 0 ? d->rows[r][cd] : "";
        in[r].denominator = *v ? strtod(v, &end) : 0.0;
        if (!rc && *v && *end)
            rc = ics_err_set(&e, ICS_EINVAL, "%s line %zu: denominator '%s' is not a number", path,
                             d->line[r], v);
        v = cr >= 0 ? d->rows[r][cr] : "";
        in[r].rate = *v ? strtod(v, &end) : 0.0;
        if (!rc && *v && *end)
            rc = ics_err_set(&e, ICS_EINVAL, "%s line %zu: rate '%s' is not a number", path,
                             d->line[r], v);
    }
    if (!rc) rc = analytics_funnel_new(&o, in, d->nrows, out, &e);
    free(in);
    csv_free(d);
    return rc ? cli_fail(cmd, &e) : 0;
}

static int funnel_cmd(int argc, char **argv)
{
    const char *cmd = "analyse funnel";
    const char *db = cli_default_db(), *dataset = STORE_ANALYTICS_NEL, *stat = "dsr";
    const char *format = "text", *out = NULL, *svg = NULL, *counts = NULL, *pops = NULL;
    const char *points = NULL, *kind = "proportion", *title = NULL;
    double mult = 0;
    int dsr = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("dataset", &dataset, "NAME  stored dataset (default nel_synthetic)"),
        CLI_OPT_TEXT("counts", &counts, "FILE  counts CSV: area_code,sex,age_band,count"),
        CLI_OPT_TEXT("population", &pops,
                     "FILE  population CSV: area_code,sex,age_band,population"),
        CLI_OPT_CHOICE("statistic", &stat, "dsr|crude|isr", "S  dsr, crude or isr (default dsr)"),
        CLI_OPT_TEXT("points", &points,
                     "FILE  any indicator: CSV name,numerator,denominator[,rate]"),
        CLI_OPT_CHOICE("kind", &kind, "proportion|ratio|rate",
                       "K  with --points: proportion, ratio or rate (default proportion)"),
        CLI_OPT_NUMBER("multiplier", &mult, 0.0001, 1e12,
                       "M  with --points: 100 for %, 100000 per 100,000"),
        CLI_OPT_FLAG("dsr", &dsr, "with --points --kind rate: the rates are DSRs"),
        CLI_OPT_TEXT("title", &title, "TEXT  chart title (with --points)"),
        CLI_OPT_TEXT("svg", &svg, "FILE  write the funnel plot as SVG"),
        CLI_OPT_CHOICE("format", &format, "text|json",
                       "F  text or json: the points, flags and limits"),
        CLI_OPT_TEXT("out", &out, "FILE  write text/json here instead of stdout"),
        CLI_OPT_END};
    static const char usage[] =
        "analyse funnel [--dataset NAME | --counts FILE --population FILE] [--svg FILE]\n"
        "       icsflow analyse funnel --points FILE --kind proportion|ratio|rate [--svg FILE]\n\n"
        "A funnel plot of the areas' rates (or ratios) against their size, with 95% and\n"
        "99.8% control limits by OHID's method; areas outside 99.8% are special-cause\n"
        "variation. --svg writes a chart ready for a board paper.";
    int np, rc = cli_parse(cmd, usage, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(cmd, "unexpected argument '%s'", argv[1]);
    store_an_statistic st;
    ics_err e = {0};
    if (app_analytics_statistic_parse(stat, &st, &e))
        return cli_usage_error(cmd, "--statistic: %s", e.msg);
    json_t *r;
    analytics_funnel *f = NULL;
    if (points) {
        if ((rc = points_funnel(cmd, points, kind, mult, dsr, &f))) return rc;
        const char *lbl = title ? title : "Funnel plot";
        r = json_pack("{sss{ssssss}so}", "label", lbl, "dataset", "dataset", points, "period", kind,
                      "synthetic", "", "funnel", app_analytics_funnel_json(f));
    } else if ((rc = compute(cmd, db, dataset, counts, pops, st, &r, &f))) {
        return rc;
    }
    if (!f) {
        json_decref(r);
        fprintf(stderr, "icsflow %s: no area has a value to plot\n", cmd);
        return 2;
    }
    const char *xl = analytics_funnel_xlabel(f);
    if (svg) rc = svg_write(cmd, svg, f, r, xl);
    if (!rc && !strcmp(format, "json")) {
        rc = write_json(cmd, out, json_object_get(r, "funnel"));
    } else if (!rc) {
        sb b;
        sb_init(&b);
        sb_printf(&b, "%s: overall %.2f; 95%% and 99.8%% control limits by OHID's method\n",
                  str(r, "label"), f->baseline);
        /* the axes of the plot, named: x across, the value up */
        sb_printf(&b, "x axis: %s; y axis: %s\n", xl, str(r, "label"));
        sb_printf(&b, "  %-26s %14s  %10s  %s\n", "area", "x", "value", "funnel flag");
        for (size_t i = 0; i < f->npoints; i++)
            sb_printf(&b, "  %-26s %14.1f  %10.2f  %s\n", f->points[i].name, f->points[i].x,
                      f->points[i].value, analytics_sig_name(f->points[i].sig));
        if (svg) sb_printf(&b, "funnel plot written to %s\n", svg);
        rc = write_text(cmd, out, b.buf);
        sb_free(&b);
    }
    analytics_funnel_free(f);
    json_decref(r);
    return rc;
}

/* ---- variation ------------------------------------------------------------------------ */

static int variation_cmd(int argc, char **argv)
{
    const char *cmd = "analyse variation";
    const char *db = cli_default_db(), *dataset = STORE_ANALYTICS_NEL, *format = "text";
    const char *out = NULL, *svg = NULL;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("dataset", &dataset, "NAME  admissions dataset (default nel_synthetic)"),
        CLI_OPT_TEXT("svg", &svg, "FILE  funnel plot of the standardised rates as SVG"),
        CLI_OPT_CHOICE("format", &format, "text|json", "F  text or json (default text)"),
        CLI_OPT_OUT(&out),
        CLI_OPT_END};
    static const char usage[] =
        "analyse variation [--dataset NAME] [--svg FILE] [--format text|json]\n\n"
        "The NWL variation report: age-standardised non-elective admission rates (DSR\n"
        "per 100,000, ESP2013) and indirectly standardised ratios for the eight boroughs\n"
        "with 95%/99.8% limits and funnel flags, and length-of-stay variation across the\n"
        "community bed units from the bed bureau's stays.";
    int np, rc = cli_parse(cmd, usage, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(cmd, "unexpected argument '%s'", argv[1]);
    store *s;
    if ((rc = cli_open(cmd, db, &s))) return rc;
    ics_err e = {0};
    json_t *v = NULL, *r = NULL;
    analytics_funnel *f = NULL;
    app_ctx c = cli_ctx(s);
    rc = app_analytics_variation(&c, dataset, &v, &e);
    if (!rc && svg) rc = app_analytics_rates(&c, dataset, STORE_AN_DSR, &r, &f, &e);
    store_close(s);
    if (rc) return cli_fail(cmd, &e);
    if (svg && f) rc = svg_write(cmd, svg, f, r, analytics_funnel_xlabel(f));
    analytics_funnel_free(f);
    json_decref(r);
    if (!rc && !strcmp(format, "json")) {
        rc = write_json(cmd, out, v);
    } else if (!rc) {
        sb b;
        sb_init(&b);
        sb_puts(&b, "NWL variation report: non-elective admissions\n");
        if (json_is_true(json_object_get(v, "synthetic")))
            sb_puts(&b, "SYNTHETIC: admissions and bed stays are generated figures, not NHS "
                        "data\n");
        sb_puts(&b, "\n");
        rates_text(&b, json_object_get(v, "dsr"));
        sb_puts(&b, "\n");
        rates_text(&b, json_object_get(v, "isr"));
        const json_t *los = json_object_get(v, "los");
        sb_puts(&b, "\nLength of stay across community bed units\n");
        if (!json_is_true(json_object_get(los, "available"))) {
            sb_printf(&b, "not available: %s\n", str(los, "reason"));
        } else if (!(num(los, "stays") > 0)) {
            sb_puts(&b, "no discharged stays recorded in the bed bureau yet\n");
        } else {
            sb_printf(&b,
                      "%.0f discharged stays, ICS mean %.1f days (sd %.1f); each unit is "
                      "compared with units of its bed type\n",
                      num(los, "stays"), num(los, "mean_los"), num(los, "sd"));
            sb_printf(&b, "%-10s %-48s %-14s %6s %7s %9s  %-13s %-13s %s\n", "unit", "name",
                      "bed type", "stays", "mean", "type mean", "95% limits", "99.8% limits",
                      "flag");
            size_t i;
            const json_t *it;
            char c95[40], c998[40];
            json_array_foreach(json_object_get(los, "items"), i, it)
            {
                fmt_ci(c95, sizeof c95, num(it, "lower95"), num(it, "upper95"), 1);
                fmt_ci(c998, sizeof c998, num(it, "lower998"), num(it, "upper998"), 1);
                sb_printf(&b, "%-10s %-48s %-14.14s %6.0f %7.1f %9.1f  %-13s %-13s %s\n",
                          str(it, "unit_code"), str(it, "name"), str(it, "bed_type"),
                          num(it, "stays"), num(it, "mean_los"), num(it, "type_mean_los"), c95,
                          c998, str(it, "flag"));
            }
        }
        if (svg) sb_printf(&b, "\nfunnel plot of the DSRs written to %s\n", svg);
        rc = write_text(cmd, out, b.buf);
        sb_free(&b);
    }
    json_decref(v);
    return rc;
}

/* ---- allocation ---------------------------------------------------------------------- */

static void alloc_text(sb *b, const json_t *a)
{
    const json_t *sc = json_object_get(a, "scenario");
    sb_puts(b, "Needs-based allocation (weighted capitation)\n");
    sb_printf(b,
              "total current allocation %.0f (units as loaded; the shipped synthetic figures are "
              "GBP thousands)\nweights illustrative, current spend synthetic "
              "unless replaced\n\n",
              num(a, "total_current"));
    sb_printf(b, "%-10s %-24s %10s %12s %6s %7s %10s %10s %9s\n", "place", "name", "population",
              "weighted", "need", "target", "current", "target", "distance");
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(a, "places"), i, p)
        sb_printf(b, "%-10s %-24.24s %10.0f %12.0f %6.3f %6.2f%% %10.0f %10.0f %+8.1f%%\n",
                  str(p, "place_code"), str(p, "name"), num(p, "population"),
                  num(p, "weighted_population"), num(p, "need_index"), 100 * num(p, "target_share"),
                  num(p, "current"), num(p, "target"), 100 * num(p, "distance"));
    int years = (int)num(a, "years");
    if (years <= 0) return;
    sb_printf(b,
              "\npace of change: close %.0f%% of the gap a year, growth floor %.1f%%, cap "
              "%.1f%%, budget growth %.1f%% a year\n",
              100 * num(sc, "pace"), 100 * num(sc, "floor"), 100 * num(sc, "cap"),
              100 * num(sc, "budget_growth"));
    sb_printf(b, "%-24s", "distance from target");
    for (int y = 0; y <= years; y++) sb_printf(b, "  year %-3d", y);
    sb_puts(b, "\n");
    json_array_foreach(json_object_get(a, "places"), i, p)
    {
        sb_printf(b, "%-24.24s", str(p, "name"));
        const json_t *path = json_object_get(p, "path");
        for (int y = 0; y <= years; y++)
            sb_printf(b, "  %+7.1f%%", 100 * num(json_array_get(path, (size_t)y), "distance"));
        sb_puts(b, "\n");
    }
}

static void alloc_csv(sb *b, const json_t *a)
{
    sb_puts(b, "place_code,name,year,allocation,growth,distance,population,weighted_population,"
               "need_index,target_share\n");
    size_t i, j;
    const json_t *p, *y;
    json_array_foreach(json_object_get(a, "places"), i, p)
        json_array_foreach(json_object_get(p, "path"), j, y)
    {
        csv_cell(b, str(p, "place_code"), 1);
        sb_puts(b, ",");
        csv_cell(b, str(p, "name"), 1);
        sb_printf(b, ",%d,%.2f,%.6f,%.6f,%.0f,%.2f,%.6f,%.8f\n", (int)num(y, "year"),
                  num(y, "allocation"), num(y, "growth"), num(y, "distance"), num(p, "population"),
                  num(p, "weighted_population"), num(p, "need_index"), num(p, "target_share"));
    }
}

static int allocation_cmd(int argc, char **argv)
{
    const char *cmd = "analyse allocation";
    const char *db = cli_default_db(), *format = "text", *out = NULL, *svg = NULL;
    long ny = 5;
    analytics_pace p = {.pace = 0.25, .floor = 0.01, .cap = 0.06, .budget_growth = 0.03};
    int save = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_INT("years", &ny, 0, 20, "N  years of pace of change, 0-20 (default 5)"),
        CLI_OPT_NUMBER("pace", &p.pace, 0, 1,
                       "P  share of the gap to target closed a year, 0-1 (default 0.25)"),
        CLI_OPT_NUMBER("floor", &p.floor, -1, 10,
                       "F  minimum growth per place a year (default 0.01)"),
        CLI_OPT_NUMBER("cap", &p.cap, -1, 10, "C  maximum growth per place a year (default 0.06)"),
        CLI_OPT_NUMBER("growth", &p.budget_growth, -1, 10,
                       "G  budget growth a year (default 0.03)"),
        CLI_OPT_TEXT("svg", &svg, "FILE  chart of current vs target and distance by year"),
        CLI_OPT_CHOICE("format", &format, "text|json|csv", "F  text, json or csv (default text)"),
        CLI_OPT_OUT(&out),
        CLI_OPT_FLAG("save", &save, "record the run in the database (audited)"),
        CLI_OPT_END};
    static const char usage[] =
        "analyse allocation [--years N] [--pace P] [--floor F] [--cap C] [--growth G]\n\n"
        "Each place's weighted population (population by age and sex x cost weight x\n"
        "deprivation need index), its target share of the budget, the distance of the\n"
        "current allocation from target, and a pace-of-change path toward target with a\n"
        "growth floor and cap.";
    int np, rc = cli_parse(cmd, usage, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(cmd, "unexpected argument '%s'", argv[1]);
    p.years = (int)ny;
    store *s;
    if ((rc = cli_open(cmd, db, &s))) return rc;
    ics_err e = {0};
    analytics_alloc *a = NULL;
    app_ctx c = cli_ctx(s);
    rc = app_analytics_allocation(&c, &p, &a, &e);
    json_t *j = rc ? NULL : app_analytics_alloc_json(a);
    if (!rc && save) {
        json_t *params, *result;
        int64_t id = 0;
        rc = app_analytics_run_create(&c, &p, NULL, &id, &params, &result, &e);
        if (!rc) fprintf(stderr, "saved as allocation run %lld\n", (long long)id);
        json_decref(params);
        json_decref(result);
    }
    store_close(s);
    if (rc) {
        json_decref(j);
        analytics_alloc_free(a);
        return cli_fail(cmd, &e);
    }
    if (svg) {
        analytics_chart_text t = {"Needs-based allocation: current spend against "
                                  "weighted-capitation target",
                                  "Illustrative weights; current spend synthetic unless replaced",
                                  NULL, NULL};
        sb b;
        sb_init(&b);
        rc = analytics_alloc_svg(a, &t, &b, &e) ? cli_fail(cmd, &e) : write_text(cmd, svg, b.buf);
        sb_free(&b);
    }
    if (!rc && !strcmp(format, "json")) {
        rc = write_json(cmd, out, j);
    } else if (!rc) {
        sb b;
        sb_init(&b);
        if (!strcmp(format, "csv"))
            alloc_csv(&b, j);
        else
            alloc_text(&b, j);
        if (svg && strcmp(format, "csv")) sb_printf(&b, "\nchart written to %s\n", svg);
        rc = write_text(cmd, out, b.buf);
        sb_free(&b);
    }
    json_decref(j);
    analytics_alloc_free(a);
    return rc;
}

/* ---- import --------------------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    sb b;
    sb_init(&b);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) sb_append(&b, buf, n);
    fclose(f);
    *len = b.len;
    if (!b.buf) sb_append(&b, "", 0);
    return sb_steal(&b);
}

static int import_cmd(int argc, char **argv)
{
    const char *cmd = "analyse import";
    const char *db = cli_default_db(), *counts = NULL, *pops = NULL, *dataset = NULL;
    const char *period = "", *desc = "";
    int replace = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("counts", &counts, "FILE  counts CSV: area_code,sex,age_band,count"),
        CLI_OPT_TEXT("dataset", &dataset, "NAME  name for the counts (a-z, 0-9, _ and -)"),
        CLI_OPT_TEXT("period", &period, "TEXT  the period the counts cover, e.g. 2024-25"),
        CLI_OPT_TEXT("description", &desc, "TEXT  what the counts are"),
        CLI_OPT_FLAG("replace", &replace, "replace a dataset of the same name"),
        CLI_OPT_TEXT("population", &pops,
                     "FILE  population CSV: area_code,sex,age_band,population"),
        CLI_OPT_END};
    static const char usage[] =
        "analyse import --counts FILE --dataset NAME [--period P] [--description D]\n"
        "       icsflow analyse import --population FILE\n\n"
        "Loads event counts (or replaces the areas' populations) by area, sex and the 19\n"
        "age bands. The file is checked whole - unknown areas, negative or fractional\n"
        "counts, bad sexes or bands, duplicates and missing bands are refused naming the\n"
        "line - and loaded in one transaction, audited.";
    int np, rc = cli_parse(cmd, usage, argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(cmd, "unexpected argument '%s'", argv[1]);
    if (!counts == !pops) return cli_usage_error(cmd, "give one of --counts or --population");
    if (counts && !dataset) return cli_usage_error(cmd, "--counts needs --dataset NAME");
    if (dataset) {
        size_t n = strlen(dataset);
        int ok = n > 0 && n <= 64;
        for (size_t i = 0; ok && i < n; i++)
            ok = (dataset[i] >= 'a' && dataset[i] <= 'z') ||
                 (dataset[i] >= '0' && dataset[i] <= '9') || dataset[i] == '_' || dataset[i] == '-';
        if (!ok)
            return cli_usage_error(cmd, "--dataset '%s' must be 1-64 of a-z, 0-9, _ and -",
                                   dataset);
    }
    const char *path = counts ? counts : pops;
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        fprintf(stderr, "icsflow %s: cannot read '%s'\n", cmd, path);
        return 2;
    }
    store *s;
    if ((rc = cli_open(cmd, db, &s))) {
        free(text);
        return rc;
    }
    ics_err e = {0};
    app_ctx c = cli_ctx(s);
    if (counts) {
        app_an_dataset in = {dataset, desc, period, NULL, text, len, path, replace};
        json_t *after = NULL;
        rc = app_analytics_dataset_create(&c, &in, &after, &e);
        if (!rc)
            printf("imported dataset %s: %lld areas, %lld events\n", dataset,
                   (long long)json_integer_value(json_object_get(after, "areas")),
                   (long long)json_integer_value(json_object_get(after, "events")));
        json_decref(after);
    } else {
        size_t nareas = 0;
        rc = app_analytics_population_replace(&c, path, text, len, &nareas, &e);
        if (!rc) printf("replaced the populations of %zu areas\n", nareas);
    }
    free(text);
    store_close(s);
    return rc ? cli_fail(cmd, &e) : 0;
}

int cmd_analyse(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {{"rates", rates_cmd},
                {"funnel", funnel_cmd},
                {"variation", variation_cmd},
                {"allocation", allocation_cmd},
                {"import", import_cmd}};
    if (argc > 1)
        for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
            if (!strcmp(argv[1], subs[i].name)) return subs[i].fn(argc - 1, argv + 1);
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
        printf("usage: icsflow analyse rates|funnel|variation|allocation|import [options]\n\n"
               "  rates       rates with 95%% and 99.8%% limits (DSR, crude, ISR)\n"
               "  funnel      funnel plot with control limits and flags (SVG)\n"
               "  variation   NWL non-elective admission and length-of-stay variation\n"
               "  allocation  needs-based target shares and pace of change\n"
               "  import      load counts or populations from CSV\n\n"
               "icsflow analyse COMMAND --help shows each command's options.\n");
        return 0;
    }
    if (argc < 2)
        return cli_usage_error("analyse", "name a command: rates, funnel, variation, "
                                          "allocation or import (see --help)");
    return cli_usage_error("analyse",
                           "unknown command '%s' (rates, funnel, variation, "
                           "allocation or import)",
                           argv[1]);
}
