/* cmd_db.c - `icsflow db init|migrate`: create, seed and migrate databases. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int cmd_db(int argc, char **argv)
{
    const char *db = cli_default_db();
    const cli_opt opts[] = {{"db", &db, NULL, "PATH  database file (default icsflow.db)"},
                            {NULL, NULL, NULL, NULL}};
    int np, rc = cli_parse("db", "db init|migrate [--db PATH]", argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error("db", "name one action: init or migrate");
    const char *action = argv[1];
    int existed = access(db, F_OK) == 0;
    if (strcmp(action, "migrate") == 0 && !existed)
        return cli_usage_error("db", "no database at '%s' to migrate (use 'db init')", db);
    if (strcmp(action, "init") != 0 && strcmp(action, "migrate") != 0)
        return cli_usage_error("db", "unknown action '%s' (init or migrate)", action);
    store *s;
    if ((rc = cli_open("db", db, &s))) return rc;
    ics_err e = {0};
    long long places = store_query_int(s, "SELECT COUNT(*) FROM places", NULL, 0, &e);
    long long steps = store_query_int(s, "SELECT COUNT(*) FROM schema_migrations", NULL, 0, &e);
    printf("%s: %s, %lld schema steps applied, %lld places\n", db,
           existed ? "up to date" : "created and seeded with the NWL dataset", steps, places);
    store_close(s);
    return 0;
}
