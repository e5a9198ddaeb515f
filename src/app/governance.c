/* app/governance.c - the retention rule for patient identifiers. A dry run
 * reports what would go; the real run purges every kind of record in one
 * transaction with one audit record, so a purge is all or nothing and
 * accountable. */
#include "app/governance.h"

#include <assert.h>

const app_use APP_PURGE = {"governance.purge", ROLE_ADMIN, APP_SCOPE_ICS};

int app_purge(app_ctx *c, int retention_days, int apply, store_purge_counts *n, ics_err *e)
{
    assert(n);
    int rc = app_allow(c, &APP_PURGE, e);
    if (rc) return rc;
    if (retention_days < 1 || retention_days > 36525)
        return ics_err_set(e, ICS_EINVAL, "retention must be 1 to 36525 days, not %d",
                           retention_days);
    int64_t cutoff = c->now - (int64_t)retention_days * 86400;
    if (!apply) return store_purge_count(c->db, cutoff, n, e);
    if ((rc = app_begin(c, e))) return rc;
    rc = store_purge_apply(c->db, cutoff, n, e);
    if (!rc) {
        json_t *after =
            json_pack("{sisIsIsI}", "retention_days", retention_days, "referrals",
                      (json_int_t)n->referrals, "bed_referrals", (json_int_t)n->bed_referrals,
                      "waitlist_entries", (json_int_t)n->waitlist_entries);
        rc = app_record(c, &APP_PURGE, "governance", NULL, NULL, after, "governance.purged", NULL,
                        json_incref(after), e);
        json_decref(after);
    }
    return app_end(c, rc, e);
}
