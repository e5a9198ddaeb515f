/* cmd_db.c - `icsflow db init|migrate|purge`: create, seed and migrate
 * databases, and purge patient identifiers past retention (copy, checksum,
 * backup and restore are in cmd_dbmove.c).
 * Opening through the application layer completes any seeding step an
 * earlier, interrupted start left undone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/app.h"
#include "app/governance.h"
#include "app/ics.h"
#include "cli/cli.h"
#include "core/token.h"
#include "core/tz.h"

/* `db purge`: a dry run unless --apply. */
static int purge(const char *db, const char *retention, int apply)
{
    if (!store_is_uri(db) && access(db, F_OK) != 0)
        return cli_usage_error("db", "no database at '%s'", db);
    if (!retention) retention = getenv("ICSFLOW_RETENTION_DAYS");
    long days = APP_RETENTION_DAYS_DEFAULT;
    if (retention && cli_int("db", "retention-days", retention, 1, 36525, &days)) return 2;
    store *s;
    int rc = cli_open("db", db, &s);
    if (rc) return rc;
    app_ctx c = cli_ctx(s);
    store_purge_counts n = {0};
    ics_err e = {0};
    rc = app_purge(&c, (int)days, apply, &n, &e);
    store_close(s);
    if (rc) return cli_fail("db", &e);
    printf("%s identifiers of records closed more than %ld days ago:\n"
           "  UCR referrals      %lld\n  bed referrals      %lld\n  waiting-list entries %lld\n",
           apply ? "purged the" : "would purge the (dry run; --apply to purge)", days,
           (long long)n.referrals, (long long)n.bed_referrals, (long long)n.waitlist_entries);
    return 0;
}

int cmd_db_move(int argc, char **argv);

int cmd_db(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--db") || !strcmp(a, "--from") || !strcmp(a, "--to") ||
            !strcmp(a, "--retention-days")) {
            i++; /* skip the option's value */
            continue;
        }
        if (!strcmp(a, "copy") || !strcmp(a, "checksum") || !strcmp(a, "backup") ||
            !strcmp(a, "restore"))
            return cmd_db_move(argc, argv);
    }
    const char *db = cli_default_db(), *retention = NULL;
    int apply = 0;
    const cli_opt opts[] = {
        CLI_OPT_DB(&db),
        CLI_OPT_TEXT("retention-days", &retention,
                     "N  purge: keep identifiers N days after a record closes (default "
                     "$ICSFLOW_RETENTION_DAYS "
                     "or 2922, 8 years)"),
        CLI_OPT_FLAG("apply", &apply, "purge: remove them (without it, only count: a dry run)"),
        CLI_OPT_END};
    int np, rc = cli_parse("db",
                           "db init|migrate|purge [--db PATH] (and db "
                           "copy|checksum|backup|restore: db copy --help)",
                           argc, argv, opts, &np);
    if (rc) return rc == 1 ? 0 : rc;
    if (np != 1) return cli_usage_error("db", "name one action: init, migrate or purge");
    const char *action = argv[1];
    if (strcmp(action, "purge") == 0) return purge(db, retention, apply);
    /* A PostgreSQL database always exists (CREATE DATABASE is the DBA's);
     * it is new when every seeding step ran now. */
    int uri = store_is_uri(db), existed = uri || access(db, F_OK) == 0;
    if (strcmp(action, "migrate") == 0 && !existed)
        return cli_usage_error("db", "no database at '%s' to migrate (use 'db init')", db);
    if (strcmp(action, "init") != 0 && strcmp(action, "migrate") != 0)
        return cli_usage_error("db", "unknown action '%s' (init, migrate or purge)", action);
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
    /* the ICSs it holds, named */
    json_t *icss = NULL;
    app_ctx c = cli_ctx(s);
    c.ics = NULL;
    if (!rc) rc = app_ics_list(&c, &icss, &e);
    store_close(s);
    if (rc) return cli_fail("db", &e);
    char held[1024] = "";
    size_t i, n = 0;
    json_t *r;
    json_array_foreach(icss, i, r)
    {
        int w = snprintf(held + n, sizeof held - n, "%s%s (%s)", i ? ", " : "",
                         json_string_value(json_object_get(r, "name")),
                         json_string_value(json_object_get(r, "code")));
        if (w < 0 || (size_t)w >= sizeof held - n) break;
        n += (size_t)w;
    }
    json_decref(icss);
    if (uri && seeded == app_seed_count()) existed = 0;
    const char *what = !existed ? "created and seeded"
                       : seeded ? "seeding completed (an earlier start was interrupted)"
                                : "up to date";
    printf("%s: %s, %lld schema steps applied, %lld places, %lld of %d seeding steps done; "
           "ICSs: %s\n",
           db, what, (long long)steps, (long long)places, (long long)seed_steps, app_seed_count(),
           held);
    return 0;
}
