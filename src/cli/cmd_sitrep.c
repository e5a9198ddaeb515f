/* cmd_sitrep.c - `icsflow sitrep`: submit daily figures, the daily call
 * view, provider history with SPC signals, CSV import, a synthetic year,
 * the OPEL thresholds, and `icsflow sitrep aid ...` for mutual aid. Each
 * command parses its options, calls one use case in src/app/sitrep.c (as
 * the login user acting as an administrator) and prints the answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sitrep.h"
#include "cli/cli.h"
#include "core/sb.h"
#include "core/tz.h"

#define CMD "sitrep"

static int parse_day(const char *opt, const char *v, int64_t *out)
{
    ics_err e = {0};
    if (tz_parse_date(v, out, &e)) return cli_usage_error(CMD, "--%s: %s", opt, e.msg);
    return 0;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2));
    if (s) puts(s);
    free(s);
}

/* ---- submit -------------------------------------------------------------- */

static void print_saved(json_t *row)
{
    json_t *score = json_object_get(row, "score");
    printf("%s %s version %lld: OPEL %lld (%s", json_string_value(json_object_get(row, "org")),
           json_string_value(json_object_get(row, "day")),
           (long long)json_integer_value(json_object_get(row, "version")),
           (long long)json_integer_value(json_object_get(row, "level")),
           json_string_value(json_object_get(row, "level_source")));
    if (json_is_number(score))
        printf(", score %g on a scale of %g-%g", json_number_value(score),
               json_number_value(json_object_get(row, "score_min")),
               json_number_value(json_object_get(row, "score_max")));
    printf(")\n");
    const char *reason = json_string_value(json_object_get(row, "reason"));
    if (reason)
        printf("declared level %lld: %s\n",
               (long long)json_integer_value(json_object_get(row, "declared_level")), reason);
    json_t *drivers = json_object_get(row, "drivers");
    if (json_array_size(drivers)) {
        printf("%-40s %13s %4s %7s %7s\n", "PARAMETER", "VALUE", "BAND", "POINTS", "EXCESS");
        size_t i;
        json_t *d;
        json_array_foreach(drivers, i, d)
        {
            printf("%-40s %8.1f %-4s %4lld %7g %7g\n",
                   json_string_value(json_object_get(d, "label")),
                   json_number_value(json_object_get(d, "value")),
                   json_string_value(json_object_get(d, "unit")),
                   (long long)json_integer_value(json_object_get(d, "band")),
                   json_number_value(json_object_get(d, "contribution")),
                   json_number_value(json_object_get(d, "excess")));
        }
    }
}

static int submit(int argc, char **argv)
{
    const char *db = cli_default_db(), *org = NULL, *day = NULL, *file = NULL, *reason = NULL;
    long level = 0;
    int as_json = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("org", &org, "CODE  organisation or site submitting (required)"),
        CLI_OPT_TEXT("day", &day, "YYYY-MM-DD  the sitrep day (default today)"),
        CLI_OPT_TEXT("file", &file, "FILE  a JSON submission {org, day, fields, ...}"),
        CLI_OPT_INT("declared-level", &level, 1, 4,
                    "N  a declared OPEL level 1-4 (non-acute providers)"),
        CLI_OPT_TEXT("reason", &reason, "TEXT  why the level was declared"),
        CLI_OPT_JSONFMT(&as_json),
        CLI_OPT_END};
    int np, rc = cli_parse(CMD " submit",
                           "sitrep submit --org CODE [--day YYYY-MM-DD] FIELD=VALUE... | --file "
                           "FILE.json\n\nFIELD names: GET /api/v1/sitrep/fields or docs/sitrep.md",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    json_t *body;
    if (file) {
        json_error_t je;
        body = json_load_file(file, 0, &je);
        if (!body) return cli_usage_error(CMD " submit", "%s: line %d: %s", file, je.line, je.text);
    } else {
        body = json_object();
    }
    if (org) json_object_set_new(body, "org", json_string(org));
    if (day) json_object_set_new(body, "day", json_string(day));
    if (reason) json_object_set_new(body, "reason", json_string(reason));
    if (level) json_object_set_new(body, "declared_level", json_integer(level));
    if (np && !json_object_get(body, "fields")) json_object_set_new(body, "fields", json_object());
    json_t *fields = json_object_get(body, "fields");
    for (int i = 1; i <= np; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq || eq == argv[i] || !json_is_object(fields)) {
            json_decref(body);
            return cli_usage_error(CMD " submit", "'%s' is not FIELD=VALUE", argv[i]);
        }
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - argv[i]), argv[i]);
        char *end;
        double v = strtod(eq + 1, &end);
        json_object_set_new(fields, name, *end || !eq[1] ? json_string(eq + 1) : json_real(v));
    }
    store *s;
    if ((rc = cli_open(CMD, db, &s))) {
        json_decref(body);
        return rc;
    }
    ics_err e = {0};
    json_t *saved = NULL;
    app_ctx c = cli_ctx(s);
    rc = app_sitrep_submit(&c, body, &saved, &e);
    json_decref(body);
    store_close(s);
    if (rc) {
        json_decref(saved);
        return cli_fail(CMD " submit", &e);
    }
    if (as_json)
        print_json(saved);
    else
        print_saved(saved);
    json_decref(saved);
    return 0;
}

/* ---- today ----------------------------------------------------------------- */

static void print_today(json_t *v)
{
    json_t *ics = json_object_get(v, "ics");
    printf("Daily call view for %s%s\n", json_string_value(json_object_get(v, "day")),
           json_is_true(json_object_get(v, "synthetic")) ? " (includes SYNTHETIC data)" : "");
    json_t *lvl = json_object_get(ics, "level");
    if (json_is_integer(lvl))
        printf("ICS OPEL %lld (mean %.2f of the OPEL pillars, %lld providers);",
               (long long)json_integer_value(lvl), json_number_value(json_object_get(ics, "mean")),
               (long long)json_integer_value(json_object_get(ics, "providers_counted")));
    else
        printf("ICS OPEL not available;");
    printf(" %lld of %lld providers submitted\n",
           (long long)json_integer_value(json_object_get(v, "submitted")),
           (long long)json_integer_value(json_object_get(v, "expected")));
    const char *k;
    json_t *pl;
    printf("OPEL framework pillars:");
    json_object_foreach(json_object_get(ics, "framework_pillars"), k, pl)
    {
        if (json_is_object(pl))
            printf(" %s %lld", k, (long long)json_integer_value(json_object_get(pl, "level")));
        else
            printf(" %s -", k);
    }
    printf("\nby kind:");
    json_object_foreach(json_object_get(ics, "pillars"), k, pl)
        printf(" %s %lld", k, (long long)json_integer_value(json_object_get(pl, "level")));
    printf("\n\n%-5s %-13s %-4s %-6s %-9s %-14s %s\n", "ORG", "KIND", "OPEL", "CHANGE", "SCORE",
           "14-DAY TREND", "DRIVERS (value, points above band 1)");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(v, "providers"), i, p)
    {
        char trend[32] = "", score[64] = "-", change[24] = "";
        size_t j;
        json_t *t;
        json_array_foreach(json_object_get(p, "trend"), j, t)
        {
            if (j < sizeof trend - 1)
                trend[j] = json_is_integer(t) ? '0' + json_integer_value(t) : '.';
        }
        if (!json_is_true(json_object_get(p, "submitted"))) {
            printf("%-5s %-13s %-4s %-6s %-9s %-14s %s\n",
                   json_string_value(json_object_get(p, "org")),
                   json_string_value(json_object_get(p, "kind")), "-", "", "", trend,
                   "NOT SUBMITTED");
            continue;
        }
        json_t *sc = json_object_get(p, "score"), *ch = json_object_get(p, "change");
        if (json_is_number(sc))
            snprintf(score, sizeof score, "%g/%g", json_number_value(sc),
                     json_number_value(json_object_get(p, "score_max")));
        if (json_is_integer(ch))
            snprintf(change, sizeof change, "%+lld", (long long)json_integer_value(ch));
        sb d;
        sb_init(&d);
        const char *src = json_string_value(json_object_get(p, "level_source"));
        if (src && strcmp(src, "declared") == 0)
            sb_printf(&d, "declared: %s; ", json_string_value(json_object_get(p, "reason")));
        json_t *dr;
        json_array_foreach(json_object_get(p, "drivers"), j, dr)
        {
            sb_printf(&d, "%s%s %.1f%s (+%g)", j ? ", " : "",
                      json_string_value(json_object_get(dr, "parameter")),
                      json_number_value(json_object_get(dr, "value")),
                      strcmp(json_string_value(json_object_get(dr, "unit")), "%") == 0 ? "%" : "",
                      json_number_value(json_object_get(dr, "excess")));
        }
        json_t *site;
        json_array_foreach(json_object_get(p, "sites"), j, site)
        {
            sb_printf(&d, "%s%s OPEL %lld",
                      j ? ", " : " [sites: ", json_string_value(json_object_get(site, "org")),
                      (long long)json_integer_value(json_object_get(site, "level")));
            if (j + 1 == json_array_size(json_object_get(p, "sites"))) sb_puts(&d, "]");
        }
        printf("%-5s %-13s %-4lld %-6s %-9s %-14s %s\n",
               json_string_value(json_object_get(p, "org")),
               json_string_value(json_object_get(p, "kind")),
               (long long)json_integer_value(json_object_get(p, "level")), change, score, trend,
               d.buf ? d.buf : "");
        sb_free(&d);
    }
    json_t *missing = json_object_get(v, "missing");
    if (json_array_size(missing)) {
        printf("\nnot yet submitted:");
        json_array_foreach(missing, i, p)
            printf("%s %s (%s)", i ? "," : "", json_string_value(json_object_get(p, "org")),
                   json_string_value(json_object_get(p, "name")));
        printf("\n");
    }
}

static int today_cmd(int argc, char **argv)
{
    const char *db = cli_default_db(), *day = NULL;
    int as_json = 0;
    const cli_opt opts[] = {CLI_OPT_DB(&db),
                            CLI_OPT_TEXT("day", &day, "YYYY-MM-DD  the day (default today)"),
                            CLI_OPT_JSONFMT(&as_json), CLI_OPT_END};
    int np, rc = cli_parse(CMD " today", "sitrep today [--day YYYY-MM-DD] [--format text|json]",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(CMD " today", "unexpected argument '%s'", argv[1]);
    int64_t d = tz_local_date(tz_now());
    if (day && parse_day("day", day, &d)) return 2;
    store *s;
    if ((rc = cli_open(CMD, db, &s))) return rc;
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = cli_ctx(s);
    rc = app_sitrep_today(&c, d, &out, &e);
    store_close(s);
    if (rc) return cli_fail(CMD " today", &e);
    if (as_json)
        print_json(out);
    else
        print_today(out);
    json_decref(out);
    return 0;
}

/* ---- history ----------------------------------------------------------------- */

static int history(int argc, char **argv)
{
    const char *db = cli_default_db(), *from = NULL, *to = NULL;
    int as_json = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("from", &from, "YYYY-MM-DD  first day (default 90 days back)"),
        CLI_OPT_TEXT("to", &to, "YYYY-MM-DD  last day (default today)"), CLI_OPT_JSONFMT(&as_json),
        CLI_OPT_END};
    int np, rc = cli_parse(CMD " history",
                           "sitrep history ORG [--from D] [--to D] [--format text|json]", argc,
                           argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error(CMD " history", "give one organisation or site code");
    int64_t t = tz_local_date(tz_now()), f;
    if (to && parse_day("to", to, &t)) return 2;
    f = t - 89;
    if (from && parse_day("from", from, &f)) return 2;
    store *s;
    if ((rc = cli_open(CMD, db, &s))) return rc;
    ics_err e = {0};
    json_t *out;
    app_ctx ac = cli_ctx(s);
    rc = app_sitrep_history(&ac, argv[1], f, t, &out, &e);
    store_close(s);
    if (rc) return cli_fail(CMD " history", &e);
    if (as_json) {
        print_json(out);
        json_decref(out);
        return 0;
    }
    json_t *days = json_object_get(out, "days");
    printf("%s %s (%s), %s to %s: %zu days\n", json_string_value(json_object_get(out, "org")),
           json_string_value(json_object_get(out, "name")),
           json_string_value(json_object_get(out, "kind")),
           json_string_value(json_object_get(out, "from")),
           json_string_value(json_object_get(out, "to")), json_array_size(days));
    int levels[5] = {0};
    size_t i;
    json_t *d;
    json_array_foreach(days, i, d)
    {
        json_int_t l = json_integer_value(json_object_get(d, "level"));
        if (l >= 1 && l <= 4) levels[l]++;
    }
    printf("days at OPEL 1/2/3/4: %d/%d/%d/%d\n\n", levels[1], levels[2], levels[3], levels[4]);
    printf("%-22s %8s %8s %8s %8s  %s\n", "PARAMETER", "MEAN", "LCL", "UCL", "LAST",
           "SPECIAL-CAUSE SIGNALS (XmR)");
    const char *k;
    json_t *c;
    json_object_foreach(json_object_get(out, "spc"), k, c)
    {
        json_t *pts = json_object_get(c, "points"), *sig = json_object_get(c, "signals");
        json_t *last = json_array_get(pts, json_array_size(pts) - 1);
        printf("%-22s %8.1f %8.1f %8.1f %8.1f  %zu", k,
               json_number_value(json_object_get(c, "mean")),
               json_number_value(json_object_get(c, "lcl")),
               json_number_value(json_object_get(c, "ucl")),
               json_number_value(json_object_get(last, "value")), json_array_size(sig));
        json_t *ls = json_array_get(sig, json_array_size(sig) - 1);
        if (ls) {
            printf(" (latest %s:", json_string_value(json_object_get(ls, "day")));
            size_t j;
            json_t *r;
            json_array_foreach(json_object_get(ls, "rules"), j, r)
                printf(" %s", json_string_value(r));
            printf(")");
        }
        printf("\n");
    }
    json_decref(out);
    return 0;
}

/* ---- import / generate --------------------------------------------------------- */

static int import_cmd(int argc, char **argv)
{
    const char *db = cli_default_db();
    const cli_opt opts[] = {CLI_OPT_DB(&db), CLI_OPT_END};
    int np, rc = cli_parse(CMD " import",
                           "sitrep import FILE.csv\n\ncolumns: org, day, any sitrep field names, "
                           "declared_level, reason; each row becomes a new version",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error(CMD " import", "give one CSV file");
    ics_err e = {0};
    csv_doc *doc;
    if (csv_read_file(argv[1], &doc, &e)) return cli_fail(CMD " import", &e);
    store *s;
    if ((rc = cli_open(CMD, db, &s))) {
        csv_free(doc);
        return rc;
    }
    int count = 0;
    app_ctx c = cli_ctx(s);
    rc = app_sitrep_import(&c, doc, &count, &e);
    csv_free(doc);
    store_close(s);
    if (rc) return cli_fail(CMD " import", &e);
    printf("imported %d sitreps from %s\n", count, argv[1]);
    return 0;
}

static int generate(int argc, char **argv)
{
    const char *db = cli_default_db(), *to = NULL, *out = NULL;
    long nd = 365, sd = 2026;
    const cli_opt opts[] = {
        CLI_OPT_TEXT("db", &db,
                     "PATH  database whose organisations to simulate (default icsflow.db)"),
        CLI_OPT_INT("days", &nd, 1, 20000, "N  number of days (default 365)"),
        CLI_OPT_TEXT("to", &to, "YYYY-MM-DD  last day (default today)"),
        CLI_OPT_INT("seed", &sd, 0, CLI_INT_MAX, "N  random seed (default 2026)"),
        CLI_OPT_TEXT("out", &out, "FILE  write the CSV there (default standard output)"),
        CLI_OPT_END};
    int np, rc = cli_parse(CMD " generate",
                           "sitrep generate [--days N] [--to D] [--seed N] [--out FILE]\n\nwrites "
                           "SYNTHETIC daily sitreps as CSV in the import format",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(CMD " generate", "unexpected argument '%s'", argv[1]);
    int64_t last = tz_local_date(tz_now());
    if (to && parse_day("to", to, &last)) return 2;
    store *s;
    if ((rc = cli_open(CMD, db, &s))) return rc;
    ics_err e = {0};
    FILE *f = stdout;
    size_t n = 0;
    if (out && !(f = fopen(out, "w"))) rc = ics_err_set(&e, ICS_EIO, "cannot write %s", out);
    if (!rc) {
        app_ctx c = cli_ctx(s);
        rc = app_sitrep_generate(&c, f, cli_data_dir(), last, (int)nd, (uint64_t)sd, &n, &e);
        if (f != stdout && fclose(f) != 0 && !rc)
            rc = ics_err_set(&e, ICS_EIO, "cannot write %s", out);
    }
    store_close(s);
    if (rc) return cli_fail(CMD " generate", &e);
    if (out)
        fprintf(stderr, "wrote %ld days x %zu providers of SYNTHETIC sitreps to %s\n", nd, n, out);
    return 0;
}

/* ---- thresholds -------------------------------------------------------------- */

static int thresholds(int argc, char **argv)
{
    const char *db = cli_default_db(), *load = NULL, *levels = NULL, *label = NULL;
    int as_json = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("load", &load,
                     "FILE  replace the thresholds with this CSV (opel_thresholds.csv form)"),
        CLI_OPT_TEXT("levels", &levels,
                     "FILE  level cut-offs CSV to load with --load (opel_levels.csv)"),
        CLI_OPT_TEXT("source", &label,
                     "TEXT  where the loaded values come from (default the file name)"),
        CLI_OPT_JSONFMT(&as_json),
        CLI_OPT_END};
    int np, rc = cli_parse(
                CMD " thresholds",
                "sitrep thresholds [--load RULES.csv --levels LEVELS.csv] [--format text|json]",
                argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(CMD " thresholds", "unexpected argument '%s'", argv[1]);
    if (!!load != !!levels)
        return cli_usage_error(CMD " thresholds", "--load and --levels go together");
    ics_err e = {0};
    store *s;
    if ((rc = cli_open(CMD, db, &s))) return rc;
    app_ctx c = cli_ctx(s);
    json_t *cur = NULL;
    if (load) {
        rc = app_sitrep_thresholds_load_csv(&c, load, levels, label, &cur, &e);
        if (!rc)
            printf("loaded %zu parameter thresholds from %s (levels from %s); earlier sitreps keep "
                   "the level computed when they were submitted\n",
                   json_array_size(json_object_get(cur, "rules")), load, levels);
    } else {
        rc = app_sitrep_thresholds_get(&c, &cur, &e);
    }
    store_close(s);
    if (rc) return cli_fail(CMD " thresholds", &e);
    if (as_json) {
        print_json(cur);
    } else if (!load) {
        const char *src = json_string_value(json_object_get(cur, "source"));
        printf("source: %s\n", src ? src : "(not recorded)");
        printf("%-14s %-22s %-12s %8s %8s %8s  %-11s %s\n", "KIND", "PARAMETER", "DIRECTION",
               "BAND2>=", "BAND3>=", "BAND4>=", "POINTS", "WEIGHT");
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(cur, "rules"), i, r)
        {
#define N(k) json_number_value(json_object_get(r, k))
            printf("%-14s %-22s %-12s %8g %8g %8g  %g/%g/%g/%-5g %g\n",
                   json_string_value(json_object_get(r, "kind")),
                   json_string_value(json_object_get(r, "parameter")),
                   json_string_value(json_object_get(r, "direction")), N("band2_from"),
                   N("band3_from"), N("band4_from"), N("points1"), N("points2"), N("points3"),
                   N("points4"), N("weight"));
        }
        printf("\n%-14s %s\n", "KIND", "OPEL 1 / 2 / 3 up to (total score; above: OPEL 4)");
        json_array_foreach(json_object_get(cur, "levels"), i, r)
            printf("%-14s %g / %g / %g\n", json_string_value(json_object_get(r, "kind")),
                   N("opel1_max"), N("opel2_max"), N("opel3_max"));
#undef N
    }
    json_decref(cur);
    return 0;
}

/* ---- mutual aid ------------------------------------------------------------------ */

static void print_aid(json_t *r)
{
    printf("request %lld: %s asks for %lld %s%s%s, %s to %s, %s - %s\n",
           (long long)json_integer_value(json_object_get(r, "id")),
           json_string_value(json_object_get(r, "org")),
           (long long)json_integer_value(json_object_get(r, "quantity")),
           json_string_value(json_object_get(r, "resource")),
           *json_string_value(json_object_get(r, "detail")) ? " " : "",
           json_string_value(json_object_get(r, "detail")),
           json_string_value(json_object_get(r, "date_from")),
           json_string_value(json_object_get(r, "date_to")),
           json_string_value(json_object_get(r, "urgency")),
           json_string_value(json_object_get(r, "state")));
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(r, "offers"), i, o)
        printf("  offer %lld from %s: %lld (%s)\n",
               (long long)json_integer_value(json_object_get(o, "id")),
               json_string_value(json_object_get(o, "org")),
               (long long)json_integer_value(json_object_get(o, "quantity")),
               json_string_value(json_object_get(o, "state")));
}

static int aid_id_arg(const char *cmd, int np, char **argv, int64_t *id)
{
    long v;
    if (np != 1) return cli_usage_error(cmd, "give one request id");
    if (cli_int(cmd, "id", argv[1], 1, 2147483647L, &v)) return 2;
    *id = v;
    return 0;
}

typedef int (*aid_step_fn)(app_ctx *, int64_t, const json_t *, json_t **, ics_err *);

/* The lifecycle steps, by subcommand name. */
enum { STEP_OFFER, STEP_AGREE };
static const struct {
    const char *name;
    aid_step_fn fn;
} steps[] = {{"offer", app_sitrep_aid_offer},
             {"agree", app_sitrep_aid_agree},
             {"fulfil", app_sitrep_aid_fulfil},
             {"withdraw", app_sitrep_aid_withdraw}};

static int aid(int argc, char **argv)
{
    static const char *const usage =
        "sitrep aid request|offer|agree|fulfil|withdraw|list|suggest ...\n\n"
        "  request --org CODE --resource staff|beds|theatre|equipment [--detail D] --quantity N\n"
        "          --from YYYY-MM-DD --to YYYY-MM-DD --urgency routine|urgent|critical [--note T]\n"
        "  offer ID --org CODE [--quantity N] [--note T]\n"
        "  agree ID --offer OFFER_ID\n"
        "  fulfil ID | withdraw ID [--note T]\n"
        "  list [--state S]\n"
        "  suggest ID";
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        if (argc >= 2) {
            printf("usage: icsflow %s\n", usage);
            return 0;
        }
        return cli_usage_error(CMD " aid", "give a subcommand");
    }
    const char *sub = argv[1], *db = cli_default_db(), *org = NULL, *resource = NULL,
               *detail = NULL, *from = NULL, *to = NULL, *urgency = NULL, *note = NULL,
               *state = NULL;
    long quantity = 0, offer = 0;
    int as_json = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("org", &org, "CODE  organisation asking or offering"),
        CLI_OPT_TEXT("resource", &resource, "R  staff, beds, theatre or equipment"),
        CLI_OPT_TEXT("detail", &detail,
                     "D  staff role (nurse, doctor, healthcare_assistant, therapist, "
                     "paramedic, other) or bed type (ga, critical_care, community, "
                     "mental_health)"),
        CLI_OPT_INT("quantity", &quantity, 1, 1000, "N  how many"),
        CLI_OPT_TEXT("from", &from, "YYYY-MM-DD  first day needed"),
        CLI_OPT_TEXT("to", &to, "YYYY-MM-DD  last day needed"),
        CLI_OPT_TEXT("urgency", &urgency, "U  routine, urgent or critical"),
        CLI_OPT_TEXT("note", &note, "TEXT  a note for the record"),
        CLI_OPT_INT("offer", &offer, 1, CLI_INT_MAX, "ID  the offer to agree"),
        CLI_OPT_TEXT("state", &state, "S  list only requests in this state"),
        CLI_OPT_JSONFMT(&as_json),
        CLI_OPT_END};
    char cmd[48];
    snprintf(cmd, sizeof cmd, CMD " aid %s", sub);
    int action = -1;
    for (int k = 0; k < (int)(sizeof steps / sizeof *steps); k++)
        if (strcmp(steps[k].name, sub) == 0) action = k;
    int known =
        action >= 0 || !strcmp(sub, "request") || !strcmp(sub, "list") || !strcmp(sub, "suggest");
    if (!known) return cli_usage_error(CMD " aid", "unknown subcommand '%s'", sub);
    int np, rc = cli_parse(cmd, usage, argc - 1, argv + 1, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    char **pos = argv + 1;
    int64_t id = 0;
    if (strcmp(sub, "request") == 0 || strcmp(sub, "list") == 0) {
        if (np) return cli_usage_error(cmd, "unexpected argument '%s'", pos[1]);
    } else if (aid_id_arg(cmd, np, pos, &id)) {
        return 2;
    }
    json_t *body = json_object();
    if (org) json_object_set_new(body, "org", json_string(org));
    if (note) json_object_set_new(body, "note", json_string(note));
    if (strcmp(sub, "request") == 0) {
        if (resource) json_object_set_new(body, "resource", json_string(resource));
        if (detail) json_object_set_new(body, "detail", json_string(detail));
        if (quantity) json_object_set_new(body, "quantity", json_integer(quantity));
        if (from) json_object_set_new(body, "date_from", json_string(from));
        if (to) json_object_set_new(body, "date_to", json_string(to));
        if (urgency) json_object_set_new(body, "urgency", json_string(urgency));
    } else if (action == STEP_OFFER && quantity) {
        json_object_set_new(body, "quantity", json_integer(quantity));
    } else if (action == STEP_AGREE) {
        if (!offer) {
            json_decref(body);
            return cli_usage_error(cmd, "--offer is required");
        }
        json_object_set_new(body, "offer_id", json_integer(offer));
    }
    if (action != STEP_OFFER && strcmp(sub, "request") != 0) json_object_del(body, "org");
    store *s;
    if ((rc = cli_open(CMD, db, &s))) {
        json_decref(body);
        return rc;
    }
    ics_err e = {0};
    app_ctx c = cli_ctx(s);
    json_t *out = NULL;
    if (strcmp(sub, "list") == 0)
        rc = app_sitrep_aid_list(&c, state, &out, &e);
    else if (strcmp(sub, "suggest") == 0)
        rc = app_sitrep_aid_suggest(&c, id, &out, &e);
    else if (strcmp(sub, "request") == 0)
        rc = app_sitrep_aid_request(&c, body, &out, &e);
    else
        rc = steps[action].fn(&c, id, body, &out, &e);
    json_decref(body);
    store_close(s);
    if (rc) {
        json_decref(out);
        return cli_fail(cmd, &e);
    }
    if (as_json) {
        print_json(strcmp(sub, "list") == 0 ? json_object_get(out, "items") : out);
    } else if (strcmp(sub, "list") == 0) {
        size_t i;
        json_t *r, *items = json_object_get(out, "items");
        if (!json_array_size(items)) printf("no mutual-aid requests\n");
        json_array_foreach(items, i, r) print_aid(r);
    } else if (strcmp(sub, "suggest") == 0) {
        size_t i;
        json_t *r;
        json_t *list = json_object_get(out, "suggestions");
        printf("who could help with request %lld (%s %s):\n", (long long)id,
               json_string_value(json_object_get(out, "resource")),
               json_string_value(json_object_get(out, "detail")));
        if (!json_array_size(list))
            printf("  nobody: no provider with that capacity is below OPEL 4\n");
        json_array_foreach(list, i, r)
            printf("  %lld. %s %s: %s\n", (long long)json_integer_value(json_object_get(r, "rank")),
                   json_string_value(json_object_get(r, "org")),
                   json_string_value(json_object_get(r, "name")),
                   json_string_value(json_object_get(r, "reason")));
    } else {
        print_aid(out);
    }
    json_decref(out);
    return 0;
}

/* ---- escalation actions --------------------------------------------------------- */

static void print_actions(const json_t *out)
{
    const char *src = json_string_value(json_object_get(out, "source"));
    printf("OPEL escalation actions for %s (%s): %lld open, %lld done; %lld defined (%s)\n",
           json_string_value(json_object_get(out, "day")),
           json_string_value(json_object_get(out, "ics")),
           (long long)json_integer_value(json_object_get(out, "open")),
           (long long)json_integer_value(json_object_get(out, "done")),
           (long long)json_integer_value(json_object_get(out, "definitions")),
           src ? src : "none loaded");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(out, "items"), i, a)
    {
        const char *org = json_string_value(json_object_get(a, "owner_org"));
        const char *who = json_string_value(json_object_get(a, "assignee"));
        printf("%s %4lld  OPEL %lld %-13s %s%s%s; %s\n      %s\n",
               json_is_null(json_object_get(a, "done_at")) ? "[ ]" : "[x]",
               (long long)json_integer_value(json_object_get(a, "id")),
               (long long)json_integer_value(json_object_get(a, "level")),
               json_string_value(json_object_get(a, "pillar")),
               json_string_value(json_object_get(a, "owner_role")), org ? " of " : "",
               org ? org : "", who ? who : "not assigned",
               json_string_value(json_object_get(a, "action")));
        size_t j;
        json_t *n;
        json_array_foreach(json_object_get(a, "notes"), j, n)
            printf("      note %s %s: %s\n", json_string_value(json_object_get(n, "at")),
                   json_string_value(json_object_get(n, "by_user")),
                   json_string_value(json_object_get(n, "text")));
    }
}

static int actions_cmd(int argc, char **argv)
{
    const char *db = cli_default_db(), *day = NULL, *load = NULL, *label = NULL;
    int as_json = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("day", &day, "YYYY-MM-DD  the day's checklist (default today)"),
        CLI_OPT_TEXT("load", &load,
                     "FILE  replace the ICS's actions with this CSV (opel_actions.csv form)"),
        CLI_OPT_TEXT("source", &label, "TEXT  where the loaded actions come from"),
        CLI_OPT_JSONFMT(&as_json),
        CLI_OPT_END};
    int np, rc = cli_parse(CMD " actions",
                           "sitrep actions [--day YYYY-MM-DD] [--load FILE] [--format text|json]",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np) return cli_usage_error(CMD " actions", "unexpected argument '%s'", argv[1]);
    int64_t d = tz_local_date(tz_now());
    if (day && parse_day("day", day, &d)) return 2;
    store *s;
    if ((rc = cli_open(CMD, db, &s))) return rc;
    ics_err e = {0};
    json_t *out = NULL;
    app_ctx c = cli_ctx(s);
    int n = 0;
    if (load) rc = app_sitrep_actions_load_csv(&c, load, label, &n, &e);
    if (!rc) rc = app_sitrep_actions_list(&c, d, &out, &e);
    store_close(s);
    if (rc) return cli_fail(CMD " actions", &e);
    if (load) printf("loaded %d escalation actions from %s\n", n, load);
    if (as_json)
        print_json(out);
    else
        print_actions(out);
    json_decref(out);
    return 0;
}

int cmd_sitrep(int argc, char **argv)
{
    static const char *const help =
        "usage: icsflow sitrep COMMAND ...\n\n"
        "  submit      submit a provider's daily figures (a repeat is a new version)\n"
        "  today       the daily call view: levels, drivers, changes, trend, missing\n"
        "  history     a provider's sitreps with SPC (XmR) signals per parameter\n"
        "  import      load sitrep history from CSV\n"
        "  generate    write a SYNTHETIC year of sitreps as CSV\n"
        "  thresholds  show or load the OPEL thresholds, weights and level cut-offs\n"
        "  actions     the day's OPEL escalation actions; load an ICS's actions\n"
        "  aid         mutual aid: request, offer, agree, fulfil, withdraw, list, suggest\n\n"
        "'icsflow sitrep COMMAND --help' for each command's options.\n";
    if (argc < 2) {
        fputs(help, stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "help") == 0) {
        fputs(help, stdout);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {{"submit", submit},       {"today", today_cmd},
                {"history", history},     {"import", import_cmd},
                {"generate", generate},   {"thresholds", thresholds},
                {"actions", actions_cmd}, {"aid", aid}};
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        if (strcmp(subs[i].name, sub) == 0) return subs[i].fn(argc - 1, argv + 1);
    return cli_usage_error(CMD, "unknown command '%s'", sub);
}
