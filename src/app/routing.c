/* app/routing.c - use cases of rapid-response routing and UCR referrals. */
#include <stdlib.h>

#include "app/seed.h"
#include "core/tz.h"
#include "routing/routing.h"
#include "store/routing.h"

#define SEED_FROM    "2025-11-01"
#define SEED_DAYS    365
#define SEED_PER_DAY 7.0 /* referrals a day per borough (about NWL's scale) */
#define SEED_SEED    20260301u

/* A synthetic year of UCR referrals. */
int app_routing_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    routing_data d;
    int rc = store_routing_load(c->db, &d, e);
    if (rc) return rc;
    int64_t from;
    tz_parse_date(SEED_FROM, &from, NULL);
    route_gen_ref *g = NULL;
    int n = 0, unrouted = 0;
    rc = routing_referrals_generate(d.svc, d.nsvc, d.dist, d.ndist, d.bh, d.nbh, from, SEED_DAYS,
                                    SEED_PER_DAY, SEED_SEED, &g, &n, &unrouted, NULL, NULL, e);
    if (!rc && n) rc = store_referral_insert_generated(c->db, &d, g, n, e);
    free(g);
    store_routing_data_free(&d);
    return rc;
}
