/* cmd_db.c - `icsflow db init|migrate`: create, seed and migrate databases.
 * Opening through the application layer completes any seeding step an
 * earlier, interrupted start left undone. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "cli/cli.h"
#include "core/token.h"

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
    if (token_init()) {
        fprintf(stderr, "icsflow db: cannot initialise libsodium\n");
        return 1;
    }
    store *s;
    ics_err e = {0};
    int seeded = 0;
    if (app_db_open(db, cli_data_dir(), &s, &seeded, &e)) return cli_fail("db", &e);
    int64_t steps = 0, places = 0, seed_steps = 0;
    rc = app_db_summary(s, &steps, &places, &seed_steps, &e);
    store_close(s);
    if (rc) return cli_fail("db", &e);
    const char *what = !existed ? "created and seeded with the NWL dataset"
                       : seeded ? "seeding completed (an earlier start was interrupted)"
                                : "up to date";
    printf("%s: %s, %lld schema steps applied, %lld places, %lld of %d seeding steps done\n", db,
           what, (long long)steps, (long long)places, (long long)seed_steps, app_seed_count());
    return 0;
}
