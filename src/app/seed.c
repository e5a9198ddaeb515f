/* seed.c - a new database's first start: the NWL directory from data/ and
 * the synthetic operational history, as an ordered list of steps.
 *
 * Each step runs in one transaction together with the row that records it
 * as done (seed_steps), so a start interrupted anywhere (Ctrl-C, kill -9,
 * a full disk) leaves whole steps only, and the next start runs exactly the
 * steps still missing. Seeding used to live in the CLI and was skipped for
 * good once the directory existed. Each module's step function lives in
 * src/app/<module>.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "app/seed.h"
#include "core/log.h"
#include "core/token.h"
#include "core/tz.h"
#include "store/events.h"

const app_seed_step app_seed_steps[] = {{"directory", app_directory_seed},
                                        {"routing", app_routing_seed},
                                        {"beds", app_beds_seed},
                                        {"waitlist", app_waitlist_seed},
                                        {"sitrep", app_sitrep_seed},
                                        {"analytics", app_analytics_seed},
                                        {"sim", app_sim_seed},
                                        {"finance", app_finance_seed},
                                        {"governance", app_governance_seed},
                                        {"priorities", app_priorities_seed},
                                        {"ics", app_ics_seed},
                                        {NULL, NULL}};

/* Every step recorded as done, in one transaction. */
static int mark_all(store *s, int64_t now, ics_err *e)
{
    int rc = store_begin(s, e);
    if (rc) return rc;
    for (const app_seed_step *st = app_seed_steps; st->name && !rc; st++)
        rc = store_seed_step_mark(s, st->name, now, e);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

/* A database made before steps were recorded already has its directory
 * and history: mark every step done rather than seeding twice. */
static int adopt_legacy(store *s, int64_t now, ics_err *e)
{
    int any = 0, rc = store_seed_step_done(s, "directory", &any, e);
    if (rc || any) return rc;
    int has_dir = 0;
    if ((rc = store_seed_has_directory(s, &has_dir, e)) || !has_dir) return rc;
    return mark_all(s, now, e);
}

static int stop_after(void)
{
    const char *v = getenv("ICSFLOW_STOP_AFTER_STEP");
    return v && *v ? atoi(v) : 0;
}

static int open_db(const char *path, const char *data_dir, int seed, store **out, int *seeded,
                   int *left_empty, ics_err *e)
{
    int created = 0, n = 0;
    store *s = NULL;
    if (seeded) *seeded = 0;
    if (left_empty) *left_empty = 0;
    int rc = store_open(path, &s, &created, e);
    if (rc) return rc;
    int64_t now = tz_now();
    if (!created) rc = adopt_legacy(s, now, e);
    /* a new database that is to hold only what its caller puts in: every
     * step counts as done, so no later start seeds NWL into it either */
    if (created && !seed) {
        rc = mark_all(s, now, e);
        if (!rc && left_empty) *left_empty = 1;
    }
    int stop = stop_after(), index = 0, locked = 0;
    /* A second server starting on the same new database waits here, then
     * finds the steps done (each is checked after the lock is held). */
    if (!rc && !(rc = store_seed_lock(s, 1, e))) locked = 1;
    for (const app_seed_step *st = app_seed_steps; st->name && !rc; st++) {
        index++;
        int done = 0;
        if ((rc = store_seed_step_done(s, st->name, &done, e)) || done) continue;
        app_ctx c = app_ctx_seed(s, now);
        if ((rc = app_begin(&c, e))) break;
        /* Asked again inside the transaction, which holds SQLite's write
         * lock: another process may have done the step meanwhile. */
        rc = store_seed_step_done(s, st->name, &done, e);
        if (!rc && !done) rc = st->run(&c, data_dir, e);
        if (!rc && !done) rc = store_seed_step_mark(s, st->name, now, e);
        if ((rc = app_end(&c, rc, e))) {
            ics_err_prefix(e, "seeding %s (step %s): ", path, st->name);
            break;
        }
        if (done) continue;
        n++;
        ics_log("info", "seeded %s%s", st->name,
                strcmp(st->name, "directory") && strcmp(st->name, "ics") ? " (synthetic)"
                                                                         : " from the data folder");
        if (stop == index) {
            fprintf(stderr, "icsflow: stopping after seeding step %d (%s) as asked\n", index,
                    st->name);
            store_close(s);
            exit(3);
        }
    }
    if (locked) {
        ics_err ue; /* an earlier failure's message stands */
        int urc = store_seed_lock(s, 0, rc ? &ue : e);
        if (!rc) rc = urc;
    }
    if (rc) {
        store_close(s);
        return rc;
    }
    if (seeded) *seeded = n;
    *out = s;
    return 0;
}

int app_db_open(const char *path, const char *data_dir, store **out, int *seeded, ics_err *e)
{
    return open_db(path, data_dir, 1, out, seeded, NULL, e);
}

int app_db_open_unseeded(const char *path, const char *data_dir, store **out, int *seeded,
                         int *left_empty, ics_err *e)
{
    return open_db(path, data_dir, 0, out, seeded, left_empty, e);
}

int app_seed_count(void)
{
    int n = 0;
    while (app_seed_steps[n].name) n++;
    return n;
}

int app_db_summary(store *s, int64_t *schema_steps, int64_t *places, int64_t *seed_steps,
                   ics_err *e)
{
    return store_db_summary(s, schema_steps, places, seed_steps, e);
}
