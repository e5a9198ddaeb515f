/* cmd_finance.c - `icsflow finance ...`: the finance and governance use
 * cases from the command line on the same database - the one-page
 * summary, the accountability view and the ranking (text, every synthetic
 * figure labelled, or --json as the API answers), and the CSV imports
 * (budgets, provider months, survey responses), all or nothing with every
 * bad row named. Parses and prints; src/app does the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/accountability.h"
#include "app/finance.h"
#include "app/priorities.h"
#include "cli/cli.h"
#include "core/tz.h"

#define CMD "finance"

/* The whole file, or NULL with errno's message in e. */
static char *read_all(const char *path, size_t *len, ics_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ics_err_set(e, ICS_EINVAL, "cannot read %s", path);
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (size_t r; buf && (r = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += r;
        if (n == cap) {
            char *b = n < ((size_t)64 << 20) ? realloc(buf, cap *= 2) : NULL;
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (!buf)
        ics_err_set(e, ICS_EINVAL, "%s is too large (64 MiB at most) or memory ran out", path);
    *len = n;
    return buf;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    if (s) puts(s);
    free(s);
}

static const char *syn(const json_t *o)
{
    return json_is_true(json_object_get(o, "synthetic")) ? " [SYNTHETIC]" : "";
}

static void print_summary(const json_t *s)
{
    const json_t *sp = json_object_get(s, "spend"), *pv = json_object_get(s, "providers");
    printf("ICS %s budget %s: GBP %.1fm%s\n", json_string_value(json_object_get(s, "ics")),
           json_string_value(json_object_get(s, "year")),
           json_number_value(json_object_get(sp, "total_gbp_m")), syn(sp));
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(sp, "sectors"), i, r)
        printf("  %-14s %9.1f  %5.1f%%\n", json_string_value(json_object_get(r, "sector")),
               json_number_value(json_object_get(r, "amount_gbp_m")),
               100 * json_number_value(json_object_get(r, "share")));
    printf("acute share %.1f%% against the national benchmark %.1f%%\n",
           100 * json_number_value(json_object_get(sp, "acute_share")),
           100 * json_number_value(json_object_get(sp, "national_acute_share")));
    printf("trusts: surplus (deficit) as a share of income, system %.1f%%%s\n",
           100 * json_number_value(json_object_get(pv, "surplus_share")), syn(pv));
    json_array_foreach(json_object_get(pv, "providers"), i, r)
        printf("  %-5s %6.1f%%  %s\n", json_string_value(json_object_get(r, "provider_code")),
               100 * json_number_value(json_object_get(r, "surplus_share")),
               json_string_value(json_object_get(r, "provider_name")));
    printf("boroughs: spend share against the needs-based target share\n");
    json_array_foreach(json_object_get(json_object_get(s, "places"), "places"), i, r)
        printf("  %-24s %5.1f%% %5.1f%%  gap GBP %+.1fm\n",
               json_string_value(json_object_get(r, "place_name")),
               100 * json_number_value(json_object_get(r, "spend_share")),
               100 * json_number_value(json_object_get(r, "target_share")),
               json_number_value(json_object_get(r, "gap_gbp_m")));
}

/* A number, or "no data" / "none" when null. */
static const char *val(const json_t *v, const char *none, char *buf, size_t n)
{
    if (!json_is_number(v)) return none;
    snprintf(buf, n, "%.6g", json_number_value(v));
    return buf;
}

static void print_accountability(const json_t *a)
{
    size_t i;
    json_t *r;
    char now[32];
    json_array_foreach(json_object_get(a, "items"), i, r)
    {
        printf("%-9s  %s: target %s %g %s, now %s, %s%s\n  held by %s\n",
               json_string_value(json_object_get(r, "status")),
               json_string_value(json_object_get(r, "label")),
               strcmp(json_string_value(json_object_get(r, "better")), "higher") ? "<=" : ">=",
               json_number_value(json_object_get(r, "target")),
               json_string_value(json_object_get(r, "unit")),
               val(json_object_get(r, "current"), "no data", now, sizeof now),
               json_string_value(json_object_get(r, "trend")),
               json_integer_value(json_object_get(r, "synthetic")) ? " [SYNTHETIC]" : "",
               json_string_value(json_object_get(r, "holder_name")));
    }
    printf("%lld on track, %lld off track, %lld without data\nrule: %s\n",
           (long long)json_integer_value(json_object_get(a, "on_track")),
           (long long)json_integer_value(json_object_get(a, "off_track")),
           (long long)json_integer_value(json_object_get(a, "no_data")),
           json_string_value(json_object_get(a, "rule")));
}

static void print_ranking(const json_t *r)
{
    size_t i;
    json_t *a;
    char up[32], dn[32];
    printf("ranked by %s weights%s\n", json_string_value(json_object_get(r, "weights")), syn(r));
    json_array_foreach(json_object_get(r, "ranking"), i, a)
        printf("%2lld %6.2f  %s\n", (long long)json_integer_value(json_object_get(a, "rank")),
               json_number_value(json_object_get(a, "total")),
               json_string_value(json_object_get(a, "name")));
    printf("the smallest change of each weight that changes the top three:\n");
    json_array_foreach(json_object_get(r, "sensitivity"), i, a) printf(
        "  %-16s weight %.3f  up %s  down %s\n", json_string_value(json_object_get(a, "criterion")),
        json_number_value(json_object_get(a, "weight")),
        val(json_object_get(a, "increase"), "none", up, sizeof up),
        val(json_object_get(a, "decrease"), "none", dn, sizeof dn));
}

int cmd_finance(int argc, char **argv)
{
    const char *db = cli_default_db(), *ics = cli_ics(), *weights = NULL;
    int json = 0;
    const cli_opt opts[] = {CLI_OPT_DB(&db),
                            CLI_OPT_TEXT("ics", &ics, "CODE  the ICS (default the home ICS)"),
                            CLI_OPT_TEXT("weights", &weights, "public|board  (ranking)"),
                            CLI_OPT_JSONFMT(&json), CLI_OPT_END};
    int np, rc = cli_parse(CMD,
                           "finance summary | accountability | ranking [--weights public|board] | "
                           "import-budgets FILE | import-providers FILE | import-survey FILE   "
                           "[--format text|json] [--ics CODE] [--db PATH]",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np < 1)
        return cli_usage_error(CMD,
                               "name what to do: summary, accountability, ranking or an import");
    const char *what = argv[1];
    int import = strncmp(what, "import-", 7) == 0;
    if (import && np != 2) return cli_usage_error(CMD, "%s needs one CSV file", what);
    if (!import && np != 1) return cli_usage_error(CMD, "%s takes no file", what);
    if (strcmp(what, "summary") && strcmp(what, "accountability") && strcmp(what, "ranking") &&
        strcmp(what, "import-budgets") && strcmp(what, "import-providers") &&
        strcmp(what, "import-survey"))
        return cli_usage_error(CMD, "unknown action '%s'", what);
    ics_err e = {0};
    size_t len = 0;
    char *csv = NULL;
    if (import && !(csv = read_all(argv[2], &len, &e))) return cli_fail(CMD, &e);
    store *s;
    if ((rc = cli_open(CMD, db, &s))) {
        free(csv);
        return rc;
    }
    app_ctx c = cli_ctx(s);
    c.ics = ics;
    json_t *out = NULL;
    if (!strcmp(what, "summary"))
        rc = app_fin_summary(&c, NULL, NULL, NULL, &out, &e);
    else if (!strcmp(what, "accountability"))
        rc = app_gov_accountability(&c, &out, &e);
    else if (!strcmp(what, "ranking"))
        rc = app_prio_ranking(&c, weights, &out, &e);
    else if (!strcmp(what, "import-budgets"))
        rc = app_fin_budgets_import(&c, csv, len, argv[2], &out, &e);
    else if (!strcmp(what, "import-providers"))
        rc = app_fin_providers_import(&c, csv, len, argv[2], &out, &e);
    else
        rc = app_prio_survey_import(&c, csv, len, argv[2], &out, &e);
    store_close(s);
    free(csv);
    if (rc) return cli_fail(CMD, &e);
    if (json || import)
        print_json(out);
    else if (!strcmp(what, "summary"))
        print_summary(out);
    else if (!strcmp(what, "accountability"))
        print_accountability(out);
    else
        print_ranking(out);
    json_decref(out);
    return 0;
}
