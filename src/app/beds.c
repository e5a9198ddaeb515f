/* app/beds.c - use cases of the community bed bureau. */
#include "app/seed.h"
#include "store/beds.h"

#define SEED_DEFAULT 20260101u
#define SEED_DAYS    365

/* The beds of every unit and a synthetic year of referrals and stays. */
int app_beds_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    beds_actor a = {"synthetic", "admin", ""};
    int n = 0;
    return store_beds_generate(c->db, &a, SEED_DEFAULT, SEED_DAYS, c->now, &n, e);
}
