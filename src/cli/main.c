/* main.c - the icsflow binary: a table of subcommands, each in its own
 * src/cli/cmd_<name>.c, named once in the table below. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"

int cmd_serve(int, char **), cmd_db(int, char **), cmd_import(int, char **),
    cmd_export(int, char **), cmd_user(int, char **), cmd_route(int, char **),
    cmd_referral(int, char **), cmd_report(int, char **), cmd_beds(int, char **),
    cmd_waitlist(int, char **), cmd_sitrep(int, char **), cmd_analyse(int, char **),
    cmd_sim(int, char **), cmd_finance(int, char **);

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

typedef struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

/* The one list of commands, in the order `icsflow help` shows them. */
static const command commands[] = {
    {"serve", cmd_serve, "run the HTTP API and dashboard"},
    {"db", cmd_db, "create, migrate, copy, back up or restore a database"},
    {"import", cmd_import, "load directory CSV or JSON into the database"},
    {"export", cmd_export, "write the directory as CSV or JSON"},
    {"user", cmd_user, "add, list and revoke users and their tokens"},
    {"route", cmd_route, "find the right rapid-response service for a patient"},
    {"referral", cmd_referral, "create and track urgent community response referrals"},
    {"report", cmd_report, "UCR, harmonisation, board pack and daily call sheet (PDF) reports"},
    {"beds", cmd_beds, "community bed bureau: board, matching, stays"},
    {"waitlist", cmd_waitlist, "joint waiting list, hub allocation, equity"},
    {"sitrep", cmd_sitrep, "daily sitreps, OPEL levels and mutual aid"},
    {"analyse", cmd_analyse, "standardised rates, funnel plots, needs-based allocation"},
    {"sim", cmd_sim, "bed-review capacity simulation"},
    {"finance", cmd_finance, "budgets against need, accountability, priorities; CSV imports"},
    {"version", cmd_version, "print the version"},
    {"help", cmd_help, "list commands, or show one command's help"},
    {NULL, NULL, NULL}};

static const command *find(const char *name)
{
    for (const command *c = commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

static int cmd_version(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("usage: icsflow version\n\nprints the version of this build\n");
        return 0;
    }
    if (argc > 1) return cli_usage_error("version", "takes no arguments");
    printf("icsflow %s\n", ICS_VERSION);
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc > 1) {
        const command *c = find(argv[1]);
        if (!c) return cli_usage_error("help", "no command named '%s'", argv[1]);
        char *args[] = {argv[1], "--help", NULL};
        return c->fn(2, args);
    }
    printf("icsflow %s - one operational system for an Integrated Care System\n\n", ICS_VERSION);
    printf("usage: icsflow COMMAND [OPTIONS]\n\ncommands:\n");
    for (const command *c = commands; c->name; c++) printf("  %-10s %s\n", c->name, c->summary);
    printf("\nglobal options (before the command):\n"
           "  --data DIR  the reference data folder (else $ICSFLOW_DATA, ../share/icsflow/data\n"
           "              beside the program, or ./data)\n"
           "  --web DIR   the dashboard folder, found the same way\n"
           "  --ics CODE  the ICS that listing and reporting commands answer for (default\n"
           "              QRV, North West London; all: every ICS where a list allows it);\n"
           "              also taken among a command's options\n");
    printf("\n'icsflow COMMAND --help' shows a command's options.\n");
    return 0;
}

int main(int argc, char **argv)
{
    const char *data = NULL, *web = NULL;
    while (argc > 2 && (strcmp(argv[1], "--data") == 0 || strcmp(argv[1], "--web") == 0 ||
                        strcmp(argv[1], "--ics") == 0)) {
        if (strcmp(argv[1], "--data") == 0)
            data = argv[2];
        else if (strcmp(argv[1], "--ics") == 0)
            cli_set_ics(argv[2]);
        else
            web = argv[2];
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    }
    if (argc > 1 && (strcmp(argv[1], "--data") == 0 || strcmp(argv[1], "--web") == 0)) {
        fprintf(stderr, "icsflow: %s needs a folder\n", argv[1]);
        return 2;
    }
    if (argc > 1 && strcmp(argv[1], "--ics") == 0) {
        fprintf(stderr, "icsflow: --ics needs an ICS code (e.g. QRV)\n");
        return 2;
    }
    cli_set_dirs(data, web);
    if (argc < 2) {
        cmd_help(1, argv);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) return cmd_help(1, argv);
    if (strcmp(argv[1], "--version") == 0) return cmd_version(1, argv);
    const command *c = find(argv[1]);
    if (!c) {
        fprintf(stderr, "icsflow: '%s' is not a command (see 'icsflow help')\n", argv[1]);
        return 2;
    }
    /* A command whose use case hit a serialisation failure runs again on
     * a fresh copy of its arguments (cli_parse reorders them). */
    char **args = malloc(sizeof *args * (size_t)argc);
    if (!args) return 1;
    for (int attempt = 1;; attempt++) {
        memcpy(args, argv + 1, sizeof *args * (size_t)argc);
        cli_attempt_start(attempt);
        int rc = c->fn(argc - 1, args);
        if (!cli_attempt_retry()) {
            free(args);
            return rc;
        }
        ics_log("info", "%s: re-run after a serialisation failure (attempt %d)", argv[1],
                attempt + 1);
        ics_retry_pause(attempt);
    }
}
