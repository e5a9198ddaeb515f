/* purge.c - SQL that removes patient identifiers from closed records once
 * they are past retention. The rows stay (counts, lengths of stay and waits
 * still add up); the NHS number becomes 'PURGED', the full postcode is cut
 * to its district, free-text notes are dropped, and the audit trail's
 * copies of the number are replaced too. Idempotent: purged rows are not
 * matched again. */
#include "store/purge.h"

#include <assert.h>
#include <stdio.h>

#include "core/tz.h"

/* Closed before the cutoff and not yet purged, per table. The waiting list
 * keeps its clock stop as an ISO date, compared as text against the
 * cutoff's date. */
#define REF_CLOSED                                                                                 \
    "state IN ('declined', 'attended', 'cancelled') AND nhs_number <> 'PURGED'"                    \
    " AND COALESCE(closed_at, attended_at, decided_at, sent_at) < ?"
#define BED_CLOSED                                                                                 \
    "state IN ('discharged', 'declined', 'cancelled') AND nhs_number <> 'PURGED'"                  \
    " AND COALESCE(discharged_at, updated_at) < ?"
#define WL_CLOSED                                                                                  \
    "status IN ('treated', 'removed') AND nhs_number <> 'PURGED' AND clock_stop IS NOT NULL"       \
    " AND clock_stop < ?"

static int count(store *s, const char *sql, json_t *p, int64_t *n, ics_err *e)
{
    json_t *rows = NULL;
    int rc = store_query_json(s, sql, p, &rows, e);
    json_decref(p);
    if (!rc) *n = json_integer_value(json_object_get(json_array_get(rows, 0), "n"));
    json_decref(rows);
    return rc;
}

static void day_of(int64_t t, char out[11])
{
    tz_format_date(t / 86400, out, 11);
}

int store_purge_count(store *s, int64_t cutoff, store_purge_counts *n, ics_err *e)
{
    char day[11];
    day_of(cutoff, day);
    int rc = count(s, "SELECT COUNT(*) AS n FROM referrals WHERE " REF_CLOSED,
                   json_pack("[I]", (json_int_t)cutoff), &n->referrals, e);
    if (!rc)
        rc = count(s, "SELECT COUNT(*) AS n FROM bed_referrals WHERE " BED_CLOSED,
                   json_pack("[I]", (json_int_t)cutoff), &n->bed_referrals, e);
    if (!rc)
        rc = count(s, "SELECT COUNT(*) AS n FROM waitlist_entries WHERE " WL_CLOSED,
                   json_pack("[s]", day), &n->waitlist_entries, e);
    return rc;
}

static int run(store *s, const char *sql, json_t *p, ics_err *e)
{
    int rc = store_exec_params(s, sql, p, e);
    json_decref(p);
    return rc;
}

int store_purge_apply(store *s, int64_t cutoff, store_purge_counts *n, ics_err *e)
{
    assert(store_tx_depth(s) > 0);
    int rc = store_purge_count(s, cutoff, n, e);
    if (rc) return rc;
    char day[11];
    day_of(cutoff, day);
    json_int_t c = (json_int_t)cutoff;
    /* the audit trail first, while the numbers are still there to find */
    rc = run(s,
             "UPDATE audit SET"
             " before_json = replace(before_json, (SELECT r.nhs_number FROM referrals r"
             "   WHERE CAST(r.id AS TEXT) = audit.object_id), 'PURGED'),"
             " after_json = replace(after_json, (SELECT r.nhs_number FROM referrals r"
             "   WHERE CAST(r.id AS TEXT) = audit.object_id), 'PURGED')"
             " WHERE object_type IN ('referral', 'referrals') AND object_id IN"
             " (SELECT CAST(id AS TEXT) FROM referrals WHERE " REF_CLOSED ")",
             json_pack("[I]", c), e);
    if (!rc)
        rc = run(s,
                 "UPDATE audit SET"
                 " before_json = replace(before_json, (SELECT b.nhs_number FROM bed_referrals b"
                 "   WHERE CAST(b.referral_id AS TEXT) = audit.object_id), 'PURGED'),"
                 " after_json = replace(after_json, (SELECT b.nhs_number FROM bed_referrals b"
                 "   WHERE CAST(b.referral_id AS TEXT) = audit.object_id), 'PURGED')"
                 " WHERE object_type IN ('bed_referral', 'bed_referrals') AND object_id IN"
                 " (SELECT CAST(referral_id AS TEXT) FROM bed_referrals WHERE " BED_CLOSED ")",
                 json_pack("[I]", c), e);
    if (!rc)
        rc = run(s,
                 "UPDATE referrals SET nhs_number = 'PURGED', postcode = district, notes = NULL"
                 " WHERE " REF_CLOSED,
                 json_pack("[I]", c), e);
    if (!rc)
        rc = run(s,
                 "UPDATE bed_referrals SET nhs_number = 'PURGED', postcode = district,"
                 " notes = NULL WHERE " BED_CLOSED,
                 json_pack("[I]", c), e);
    if (!rc)
        rc = run(s,
                 "UPDATE waitlist_entries SET nhs_number = 'PURGED',"
                 " postcode = COALESCE(district, 'PURGED') WHERE " WL_CLOSED,
                 json_pack("[s]", day), e);
    return rc;
}
