/* cli.h - what every subcommand shares: the option parser, usage errors,
 * error reporting and opening the database.
 *
 * Each command group lives in src/cli/cmd_<name>.c and exports
 * int cmd_<name>(int argc, char **argv) with argv[0] the command name; the
 * table in main.c lists them. Exit status: 0 success, 2 bad arguments or bad
 * input (one line on stderr), 1 anything else that failed. */
#ifndef ICS_CLI_CLI_H
#define ICS_CLI_CLI_H

#include "core/error.h"
#include "store/store.h"

/* An option: --name VALUE when value is set, a flag when flag is set. */
typedef struct cli_opt {
    const char *name;
    const char **value;
    int *flag;
    const char *help; /* "PATH  database file (default icsflow.db)" */
} cli_opt;

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

/* Parse an integer/double option value; usage error naming the option. */
int cli_int(const char *cmd, const char *opt, const char *v, long lo, long hi, long *out);
int cli_double(const char *cmd, const char *opt, const char *v, double *out);

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

/* `icsflow user token|tokens|revoke-token` (user_tokens.c). */
int cli_user_tokens(store *s, const char *action, const char *name, const char *expires,
                    const char *label, const char *id_text, const char *rotate, ics_err *e);

/* The CLI's audit actor: "cli:<login name>". */
const char *cli_actor(void);

#endif
