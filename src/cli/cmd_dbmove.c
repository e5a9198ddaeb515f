/* cmd_dbmove.c - `icsflow db copy|checksum|backup|restore`: moving a
 * deployment between databases and backing it up (app/dbmove.h). Each
 * prints one line per table (name, rows, checksum), so two databases can be
 * compared with diff, and a closing summary line. cmd_db hands these
 * actions over. */
#include <stdio.h>
#include <string.h>

#include "app/dbmove.h"
#include "cli/cli.h"
#include "core/progress.h"

int cmd_db_move(int argc, char **argv);

static void print_sums(const app_db_sums *s)
{
    for (size_t i = 0; i < s->n; i++)
        printf("%-28s %10lld  %s\n", s->t[i].name, (long long)s->t[i].rows, s->t[i].sum);
}

int cmd_db_move(int argc, char **argv)
{
    const char *db = NULL, *from = NULL, *to = NULL;
    const cli_opt opts[] = {
        CLI_OPT_TEXT("db", &db, "DB  checksum, backup: the database; restore: where to restore"),
        CLI_OPT_TEXT("from", &from, "DB|FILE  copy: the source database; restore: the backup file"),
        CLI_OPT_TEXT("to", &to, "DB|FILE  copy: the new database; backup: the new backup file"),
        CLI_OPT_END};
    int np, rc = cli_parse("db",
                           "db copy --from DB --to DB | db checksum --db DB |"
                           " db backup --db DB --to FILE | db restore --from FILE --db DB\n"
                           "(DB: a SQLite file or a postgresql:// URI)",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error("db", "name one action");
    const char *action = argv[1];
    ics_err e = {0};
    app_db_sums s = {0};
    if (strcmp(action, "copy") == 0) {
        if (!from || !to) return cli_usage_error("db", "copy needs --from DB and --to DB");
        progress p;
        progress_init(&p, "copying");
        rc = app_db_copy(from, to, &s, progress_report, &p, &e);
        progress_done(&p);
        if (rc) return cli_fail("db", &e);
        print_sums(&s);
        printf("copied %zu tables, %lld rows from %s to %s: row counts and checksums match\n", s.n,
               (long long)s.rows, from, to);
    } else if (strcmp(action, "checksum") == 0) {
        if (!db) return cli_usage_error("db", "checksum needs --db DB");
        if (app_db_checksums(db, &s, &e)) return cli_fail("db", &e);
        print_sums(&s);
        printf("%zu tables, %lld rows\n", s.n, (long long)s.rows);
    } else if (strcmp(action, "backup") == 0) {
        if (!db || !to) return cli_usage_error("db", "backup needs --db DB and --to FILE");
        if (app_db_backup(db, to, &e)) return cli_fail("db", &e);
        printf("backed up %s to %s\n", db, to);
    } else if (strcmp(action, "restore") == 0) {
        if (!from || !db) return cli_usage_error("db", "restore needs --from FILE and --db DB");
        if (app_db_restore(from, db, &s, &e)) return cli_fail("db", &e);
        print_sums(&s);
        printf("restored %s into %s: %zu tables, %lld rows\n", from, db, s.n, (long long)s.rows);
    } else {
        return cli_usage_error("db", "unknown action '%s'", action);
    }
    app_db_sums_free(&s);
    return 0;
}
