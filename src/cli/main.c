/* main.c - the icsflow binary: a table of subcommands, each in its own
 * src/cli/cmd_<name>.c (declared weak here so a module can be absent). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define CMD(n) int cmd_##n(int argc, char **argv) __attribute__((weak))
CMD(serve);
CMD(db);
CMD(import);
CMD(export);
CMD(user);
CMD(route);
CMD(referral);
CMD(report);
CMD(beds);
CMD(waitlist);
CMD(sitrep);
CMD(analyse);
CMD(sim);
#undef CMD

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

typedef struct command {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

static const command *commands(void)
{
    static command t[] = {
        {"serve", NULL, "run the HTTP API and dashboard"},
        {"db", NULL, "create or migrate a database (db init|migrate)"},
        {"import", NULL, "load directory CSV or JSON into the database"},
        {"export", NULL, "write the directory as CSV or JSON"},
        {"user", NULL, "add, list and revoke users and their tokens"},
        {"route", NULL, "find the right rapid-response service for a patient"},
        {"referral", NULL, "create and track urgent community response referrals"},
        {"report", NULL, "UCR 2-hour standard and harmonisation reports"},
        {"beds", NULL, "community bed bureau: board, matching, stays"},
        {"waitlist", NULL, "joint waiting list, hub allocation, equity"},
        {"sitrep", NULL, "daily sitreps, OPEL levels and mutual aid"},
        {"analyse", NULL, "standardised rates, funnel plots, needs-based allocation"},
        {"sim", NULL, "bed-review capacity simulation"},
        {"version", cmd_version, "print the version"},
        {"help", cmd_help, "list commands, or show one command's help"},
        {NULL, NULL, NULL}};
    int (*fns[])(int, char **) = {cmd_serve,  cmd_db,       cmd_import, cmd_export, cmd_user,
                                  cmd_route,  cmd_referral, cmd_report, cmd_beds,   cmd_waitlist,
                                  cmd_sitrep, cmd_analyse,  cmd_sim};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) t[i].fn = fns[i];
    return t;
}

static const command *find(const char *name)
{
    for (const command *c = commands(); c->name; c++)
        if (c->fn && strcmp(c->name, name) == 0) return c;
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
    for (const command *c = commands(); c->name; c++)
        if (c->fn) printf("  %-10s %s\n", c->name, c->summary);
    printf("\n'icsflow COMMAND --help' shows a command's options.\n");
    return 0;
}

int main(int argc, char **argv)
{
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
    return c->fn(argc - 1, argv + 1);
}
