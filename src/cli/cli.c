/* cli.c - what every subcommand shares: option parsing, messages, exit
 * codes, and opening (creating and seeding) the database. */
#include "cli/cli.h"

#include "app/app.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "core/paths.h"
#include "core/token.h"
#include "core/tz.h"
#include "store/directory.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "icsflow %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'icsflow %s --help')\n", cmd);
    va_end(ap);
    return 2;
}

static int attempt_no = 1, retry_wanted;

void cli_attempt_start(int attempt)
{
    attempt_no = attempt;
    retry_wanted = 0;
}

int cli_attempt_retry(void)
{
    return retry_wanted;
}

int cli_fail(const char *cmd, const ics_err *e)
{
    if (e->code == ICS_ERETRY && attempt_no < ICS_RETRY_ATTEMPTS) {
        retry_wanted = 1;
        return 1;
    }
    fprintf(stderr, "icsflow %s: %s\n", cmd, e->msg[0] ? e->msg : ics_err_name(e->code));
    switch (e->code) {
    case ICS_EINVAL:
    case ICS_EBADREQ:
    case ICS_ENOTFOUND:
    case ICS_ECONFLICT:
    case ICS_ETOOBIG:
        return 2;
    default:
        return 1;
    }
}

/* "text|json|csv" as "text, json or csv". */
static void choices_words(const char *choices, char *buf, size_t n)
{
    size_t k = 0, bars = 0;
    for (const char *p = choices; *p; p++) bars += *p == '|';
    for (const char *p = choices; *p && k + 5 < n; p++) {
        if (*p != '|') {
            buf[k++] = *p;
            continue;
        }
        const char *sep = --bars ? ", " : " or ";
        for (; *sep && k + 1 < n; sep++) buf[k++] = *sep;
    }
    buf[k] = '\0';
}

static const char *ics_flag;

void cli_set_ics(const char *code)
{
    ics_flag = code;
}

const char *cli_ics(void)
{
    return ics_flag;
}

app_ctx cli_ctx(store *s)
{
    app_ctx c = app_ctx_cli(s, tz_now());
    c.ics = ics_flag;
    return c;
}

/* The command declares an option of this name itself. */
static const cli_opt *own(const cli_opt *opts, const char *name)
{
    for (const cli_opt *o = opts; o && o->name; o++)
        if (strcmp(o->name, name) == 0) return o;
    return NULL;
}

#define ICS_HELP "CODE  the ICS to answer for (default QRV, North West London; all: every ICS)"

/* The --format option that offers json, which --json stands for. */
static const cli_opt *json_format(const cli_opt *opts)
{
    for (const cli_opt *o = opts; o && o->name; o++) {
        if (strcmp(o->name, "format") || (o->type != CLI_CHOICE && o->type != CLI_JSONFMT))
            continue;
        for (const char *p = o->choices; p && *p;) {
            const char *bar = strchr(p, '|');
            size_t k = bar ? (size_t)(bar - p) : strlen(p);
            if (k == 4 && !strncmp(p, "json", 4)) return o;
            p += k + (bar != NULL);
        }
    }
    return NULL;
}

static void print_help(const char *cmd, const char *usage, const cli_opt *opts)
{
    printf("usage: icsflow %s\n", usage);
    if (opts && opts->name) printf("\noptions:\n");
    for (const cli_opt *o = opts; o && o->name; o++) {
        const char *h = o->help ? o->help : "";
        if (o->flag) {
            printf("  --%-18s %s\n", o->name, h);
        } else {
            /* help begins with the value's placeholder: "PATH  database file" */
            printf("  --%s %s\n", o->name, h);
        }
    }
    if (!own(opts, "ics")) printf("  --ics %s\n", ICS_HELP);
    if (json_format(opts)) printf("  --%-18s %s\n", "json", "the same as --format json");
    printf("  --%-18s %s\n", "help", "show this help");
    (void)cmd;
}

/* Convert and check one option's value into its target. */
static int set_value(const char *cmd, const cli_opt *o, const char *v)
{
    switch (o->type) {
    case CLI_INT: {
        long x;
        if (cli_int(cmd, o->name, v, (long)o->lo, (long)o->hi, &x)) return 2;
        *(long *)o->out = x;
        return 0;
    }
    case CLI_NUMBER:
        return cli_double(cmd, o->name, v, o->lo, o->hi, (double *)o->out);
    case CLI_CHOICE:
        if (cli_choice(cmd, o->name, v, o->choices)) return 2;
        *(const char **)o->out = v;
        return 0;
    case CLI_JSONFMT:
        if (cli_choice(cmd, o->name, v, o->choices)) return 2;
        *(int *)o->out = strcmp(v, "json") == 0;
        return 0;
    default:
        *o->value = v;
        return 0;
    }
}

int cli_parse(const char *cmd, const char *usage, int argc, char **argv, const cli_opt *opts,
              int *npos)
{
    int np = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++) argv[1 + np++] = argv[i];
            break;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (a[0] == '-' && a[1] != '\0' && !(a[1] >= '0' && a[1] <= '9'))
                return cli_usage_error(cmd, "unknown option '%s'", a);
            argv[1 + np++] = a;
            continue;
        }
        if (strcmp(a, "--help") == 0) {
            print_help(cmd, usage, opts);
            return 1;
        }
        char name[64];
        const char *eq = strchr(a + 2, '=');
        size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (n >= sizeof name) return cli_usage_error(cmd, "unknown option '%s'", a);
        memcpy(name, a + 2, n);
        name[n] = '\0';
        static const cli_opt shared_ics = CLI_OPT_TEXT("ics", &ics_flag, ICS_HELP);
        const cli_opt *o = own(opts, name);
        if (!o && strcmp(name, "ics") == 0) o = &shared_ics;
        if (!o && !strcmp(name, "json") && (o = json_format(opts))) {
            if (eq) return cli_usage_error(cmd, "option '--json' takes no value");
            if (set_value(cmd, o, "json")) return 2;
            continue;
        }
        if (!o) return cli_usage_error(cmd, "unknown option '--%s'", name);
        assert(o->type == CLI_FLAG   ? o->flag != NULL
               : o->type == CLI_TEXT ? o->value != NULL || o->flag != NULL
                                     : o->out != NULL);
        if (o->flag) {
            if (eq) return cli_usage_error(cmd, "option '--%s' takes no value", name);
            *o->flag = 1;
            continue;
        }
        const char *v;
        if (eq)
            v = eq + 1;
        else if (i + 1 < argc)
            v = argv[++i];
        else
            return cli_usage_error(cmd, "option '--%s' needs a value", name);
        if (set_value(cmd, o, v)) return 2;
    }
    *npos = np;
    return 0;
}

int cli_int(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (!*v || *end || errno || x < lo || x > hi)
        return cli_usage_error(cmd, "--%s '%s' must be a whole number from %ld to %ld", opt, v, lo,
                               hi);
    *out = x;
    return 0;
}

int cli_double(const char *cmd, const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    double x = strtod(v, &end);
    if (!*v || *end || !isfinite(x))
        return cli_usage_error(cmd, "--%s '%s' must be a number", opt, v);
    if (x < lo || x > hi)
        return cli_usage_error(cmd, "--%s '%s' must be from %g to %g", opt, v, lo, hi);
    *out = x;
    return 0;
}

int cli_choice(const char *cmd, const char *opt, const char *v, const char *choices)
{
    size_t n = strlen(v);
    for (const char *p = choices; *p;) {
        const char *bar = strchr(p, '|');
        size_t k = bar ? (size_t)(bar - p) : strlen(p);
        if (k == n && !strncmp(p, v, n)) return 0;
        p += k + (bar != NULL);
    }
    char words[256];
    choices_words(choices, words, sizeof words);
    return cli_usage_error(cmd, "--%s '%s' is not %s", opt, v, words);
}

const char *cli_default_db(void)
{
    const char *d = getenv("ICSFLOW_DB");
    return d && *d ? d : "icsflow.db";
}

static const char *data_flag, *web_flag;

void cli_set_dirs(const char *data, const char *web)
{
    data_flag = data;
    web_flag = web;
}

/* Resolve a resource folder once; the CLI cannot go on without it. */
static const char *resolve(const char *kind, const char *flag, const char *marker, char *buf,
                           size_t cap)
{
    if (buf[0]) return buf;
    ics_err e = {0};
    if (paths_find(kind, flag, marker, buf, cap, &e)) {
        fprintf(stderr, "icsflow: %s\n", e.msg);
        exit(2);
    }
    return buf;
}

const char *cli_data_dir(void)
{
    static char dir[4096];
    return resolve("data", data_flag, "places.csv", dir, sizeof dir);
}

const char *cli_web_dir(const char *flag)
{
    static char dir[4096];
    return resolve("web", flag ? flag : web_flag, "index.html", dir, sizeof dir);
}

const char *cli_actor(void)
{
    static char actor[80];
    if (!actor[0]) {
        struct passwd *pw = getpwuid(getuid());
        snprintf(actor, sizeof actor, "cli:%s", pw ? pw->pw_name : "unknown");
    }
    return actor;
}

int cli_open(const char *cmd, const char *path, store **out)
{
    ics_err e = {0};
    if (token_init()) {
        fprintf(stderr, "icsflow %s: cannot initialise libsodium\n", cmd);
        return 1;
    }
    int seeded = 0;
    if (app_db_open(path, cli_data_dir(), out, &seeded, &e)) return cli_fail(cmd, &e);
    if (seeded)
        ics_log("info", "%s: %d seeding steps completed from %s", path, seeded, cli_data_dir());
    return 0;
}

int cli_open_unseeded(const char *cmd, const char *path, store **out)
{
    ics_err e = {0};
    if (token_init()) {
        fprintf(stderr, "icsflow %s: cannot initialise libsodium\n", cmd);
        return 1;
    }
    int seeded = 0, empty = 0;
    if (app_db_open_unseeded(path, cli_data_dir(), out, &seeded, &empty, &e))
        return cli_fail(cmd, &e);
    if (empty)
        ics_log("info",
                "%s: a new database, left without the NWL directory and synthetic history "
                "(--seed adds them)",
                path);
    if (seeded)
        ics_log("info", "%s: %d seeding steps completed from %s", path, seeded, cli_data_dir());
    return 0;
}
