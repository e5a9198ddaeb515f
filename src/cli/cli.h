/* cli.h - what every subcommand shares: the option parser, usage errors,
 * error reporting and opening the database.
 *
 * Each command group lives in src/cli/cmd_<name>.c and exports
 * int cmd_<name>(int argc, char **argv) with argv[0] the command name; the
 * table in main.c lists them. Exit status: 0 success, 2 bad arguments or bad
 * input (one line on stderr), 1 anything else that failed. */
#ifndef ICS_CLI_CLI_H
#define ICS_CLI_CLI_H

#include "app/app.h"
#include "core/error.h"
#include "store/store.h"

/* An option, in the manner of git's parse-options: the parser converts and
 * checks the value, so a command never sees an out-of-range number or a
 * word outside its list, and every command says so in the same words.
 *   CLI_TEXT    --name VALUE into *value (a const char *)
 *   CLI_FLAG    --name sets *flag to 1
 *   CLI_INT     a whole number in [lo, hi] into *(long *)out
 *   CLI_NUMBER  a finite number in [lo, hi] into *(double *)out
 *   CLI_CHOICE  one of choices ("text|json|csv") into *(const char **)out
 *   CLI_JSONFMT --format text|json into *(int *)out (1 for json)
 * One flag style across commands: --format text|json|csv chooses what is
 * printed (and --json is accepted wherever --format offers json, as an
 * alias of --format json); --svg FILE / --pdf FILE name files written.
 * Targets keep their initial value when the option is absent. Write every
 * entry with one of the macros below; the table ends with CLI_OPT_END. */
typedef enum cli_type {
    CLI_TEXT = 0,
    CLI_FLAG,
    CLI_INT,
    CLI_NUMBER,
    CLI_CHOICE,
    CLI_JSONFMT
} cli_type;

typedef struct cli_opt {
    const char *name;
    const char **value;
    int *flag;
    const char *help; /* "PATH  database file (default icsflow.db)" */
    cli_type type;    /* CLI_TEXT or CLI_FLAG are inferred from value/flag */
    void *out;
    double lo, hi;
    const char *choices;
} cli_opt;

/* clang-format off */
#define CLI_OPT_TEXT(n, p, help)          {(n), (p), NULL, (help), CLI_TEXT, NULL, 0, 0, NULL}
#define CLI_OPT_FLAG(n, p, help)          {(n), NULL, (p), (help), CLI_FLAG, NULL, 0, 0, NULL}
#define CLI_OPT_INT(n, p, l, h, help)     {(n), NULL, NULL, (help), CLI_INT, (p), (l), (h), NULL}
#define CLI_OPT_NUMBER(n, p, l, h, help)  {(n), NULL, NULL, (help), CLI_NUMBER, (p), (l), (h), NULL}
#define CLI_OPT_CHOICE(n, p, c, help)     {(n), NULL, NULL, (help), CLI_CHOICE, (p), 0, 0, (c)}
#define CLI_OPT_FORMAT(p, c)              CLI_OPT_CHOICE("format", (p), (c), "F  what to print: " c " (default text; --json = --format json)")
#define CLI_OPT_JSONFMT(p)                {"format", NULL, NULL, "F  what to print: text or json (default text; --json = --format json)", CLI_JSONFMT, (p), 0, 0, "text|json"}
#define CLI_OPT_END                       {NULL, NULL, NULL, NULL, CLI_TEXT, NULL, 0, 0, NULL}
/* The options several commands share. */
#define CLI_OPT_DB(p)  CLI_OPT_TEXT("db", (p), "PATH  database file or postgresql:// URI (default icsflow.db or $ICSFLOW_DB)")
#define CLI_OPT_OUT(p) CLI_OPT_TEXT("out", (p), "FILE  write here instead of stdout")
#define CLI_OPT_LAT(p) CLI_OPT_NUMBER("lat", (p), -90, 90, "DEG  patient's latitude (with --lon)")
#define CLI_OPT_LON(p) CLI_OPT_NUMBER("lon", (p), -180, 180, "DEG  patient's longitude (with --lat)")
/* clang-format on */
/* The largest id or seed a command accepts. */
#define CLI_INT_MAX 2147483647.0

/* Parse argv[1..] against opts ({NULL}-terminated). Positional arguments
 * are moved to the front of argv[1..]; *npos receives their count. Returns
 * 0, 2 after printing a usage error, or 1 when --help was printed (the
 * caller then exits 0). usage is the synopsis shown by --help. */
int cli_parse(const char *cmd, const char *usage, int argc, char **argv, const cli_opt *opts,
              int *npos);

/* Print "icsflow CMD: message" and return 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "icsflow CMD: <e->msg>" and return the exit status for e->code
 * (2 for bad input, 1 otherwise). */
int cli_fail(const char *cmd, const ics_err *e);

/* Re-running a command whose use case failed with ICS_ERETRY (main.c):
 * cli_attempt_start says which attempt runs (1, 2, ...); cli_fail then
 * stays quiet about ICS_ERETRY while attempts remain and records it, and
 * cli_attempt_retry says whether the command should run again. */
void cli_attempt_start(int attempt);
int cli_attempt_retry(void);

/* Parse one value as CLI_INT/CLI_NUMBER would (for positional arguments);
 * usage error naming the option. */
int cli_int(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out);
int cli_double(const char *cmd, const char *opt, const char *v, double lo, double hi, double *out);
/* Check v against choices ("a|b|c"); usage error naming the option. */
int cli_choice(const char *cmd, const char *opt, const char *v, const char *choices);

/* The default database path (ICSFLOW_DB or "icsflow.db") and data folder. */
const char *cli_default_db(void);
const char *cli_data_dir(void);
/* The dashboard folder: the flag when given, else as for data (marker
 * index.html). Both exit with status 2 and a message when not found. */
const char *cli_web_dir(const char *flag);
/* The global --data and --web options (before the command). */
void cli_set_dirs(const char *data, const char *web);

/* Open the database through app_db_open: created, migrated and seeded
 * with the NWL dataset when new, an interrupted seeding completed. Prints
 * the error and returns its exit status. */
int cli_open(const char *cmd, const char *path, store **out);
/* The same without seeding a new database (app_db_open_unseeded). */
int cli_open_unseeded(const char *cmd, const char *path, store **out);

/* `icsflow user token|tokens|revoke-token` (user_tokens.c). */
int cli_user_tokens(store *s, const char *action, const char *name, const char *expires,
                    const char *label, const char *id_text, const char *rotate, ics_err *e);

/* The ICS a command answers for: the global --ics CODE (before the
 * command, or among any command's options unless the command has an --ics
 * of its own), NULL when not given (the home ICS, North West London, for
 * the command line). cli_ctx is the command line's app context carrying
 * it: what every command that lists or reports works in. */
void cli_set_ics(const char *code);
const char *cli_ics(void);
app_ctx cli_ctx(store *s);

/* The CLI's audit actor: "cli:<login name>". */
const char *cli_actor(void);

#endif
