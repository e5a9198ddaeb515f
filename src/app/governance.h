/* app/governance.h - patient-data governance: identifiers kept only for a
 * retention period after a record closes, then purged. */
#ifndef ICS_APP_GOVERNANCE_H
#define ICS_APP_GOVERNANCE_H

#include "app/app.h"
#include "store/purge.h"

/* The default retention after a record closes: 8 years, the minimum the
 * NHS Records Management Code of Practice sets for adult hospital records;
 * a deployment may choose a shorter period for coordination data. */
#define APP_RETENTION_DAYS_DEFAULT 2922

extern const app_use APP_PURGE;

/* Count (apply 0) or purge (apply 1, one transaction, audited, event
 * `governance.purged`) the identifiers of records closed more than
 * retention_days before the context's time. */
int app_purge(app_ctx *c, int retention_days, int apply, store_purge_counts *n, ics_err *e);

#endif
