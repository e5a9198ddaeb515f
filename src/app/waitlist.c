/* app/waitlist.c - use cases of the joint waiting list and hub allocation. */
#include "app/seed.h"
#include "core/tz.h"
#include "store/waitlist.h"

#define SEED_ENTRIES 40000
#define SEED_SEED    20260302u

static int64_t today(int64_t now)
{
    tz_local l;
    tz_to_local(now, &l);
    return l.date;
}

/* A synthetic PTL of 40,000 pathways, hub sessions, and one allocation run. */
int app_waitlist_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    int rc = store_waitlist_seed(c->db, SEED_ENTRIES, SEED_SEED, today(c->now), 56, e);
    json_t *run = NULL;
    if (!rc) {
        store_waitlist_opts o;
        store_waitlist_opts_parse(NULL, &o, e);
        rc = store_waitlist_allocate(c->db, "seed", &o, 1, NULL, NULL, &run, e);
    }
    if (!rc)
        rc = app_audit(c, "waitlist.allocate", "waitlist_run",
                       json_string_value(json_object_get(run, "fingerprint")), NULL, run, e);
    json_decref(run);
    return rc;
}
