/* app/sim.c - use cases of capacity simulation for the bed review. */
#include <stdio.h>

#include "app/seed.h"
#include "sim/sim.h"
#include "store/sim.h"

/* One stored bed review, fitted from whatever the directory and the bed
 * bureau hold, small enough to finish in a second or two, labelled
 * synthetic. */
int app_sim_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    store_sim_doc *d = NULL;
    int rc = store_sim_fit(c->db, 365, NULL, 0, &d, e);
    if (rc == ICS_ECONFLICT) { /* no bed units in this directory: nothing to review */
        ics_err_clear(e);
        return 0;
    }
    if (rc) return rc;
    d->synthetic = 1;
    d->sc.reps = 8;
    d->sc.run_days = 365;
    d->sc.warmup_days = 120;
    d->sc.seed = 2026;
    snprintf(d->name, sizeof d->name, "Example bed review (synthetic, seeded)");
    int pol = store_sim_doc_policies(d, 3, e);
    if (pol < 0) {
        store_sim_doc_free(d);
        return pol;
    }
    sim_review r;
    rc = sim_review_run(&d->sc, pol, 1, 0, 0, NULL, NULL, &r, e);
    if (!rc) {
        json_t *res = store_sim_review_json(d, &r);
        int64_t id;
        rc = store_sim_run_save(c->db, "seed", d, res, &id, e);
        if (!rc) rc = app_audit(c, "sim.run", "sim_run", NULL, NULL, NULL, e);
        json_decref(res);
        sim_review_free(&r);
    }
    store_sim_doc_free(d);
    return rc;
}
