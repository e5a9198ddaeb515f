/* store/purge.h - SQL for removing patient identifiers from records that
 * closed before a cutoff (the retention rule of docs/security.md). */
#ifndef ICS_STORE_PURGE_H
#define ICS_STORE_PURGE_H

#include <stdint.h>

#include "store/store.h"

/* Rows per kind whose identifiers would be purged for a cutoff (UTC
 * seconds): UCR referrals, bed referrals, waiting-list entries. */
typedef struct store_purge_counts {
    int64_t referrals, bed_referrals, waitlist_entries;
} store_purge_counts;

int store_purge_count(store *s, int64_t cutoff, store_purge_counts *n, ics_err *e);
/* Replace the NHS number (and full postcode) of every such row, and the
 * NHS number wherever the audit trail quotes it, inside the caller's
 * transaction. */
int store_purge_apply(store *s, int64_t cutoff, store_purge_counts *n, ics_err *e);

#endif
