/* app/beds.h - the community bed bureau's use cases: one function per
 * action, each checking the role, validating its input (every problem in one
 * message), checking organisation scope against the object, and for writes
 * running one transaction that ends with its audit record and change events.
 * The HTTP handlers (h_beds.c) and the CLI (cmd_beds.c) call only these.
 *
 * Writes return the object after the change in *out (owned by the caller).
 * Errors: ICS_EFORBID (role), ICS_EINVAL (content), ICS_ENOTFOUND (unknown or
 * out of scope), ICS_ECONFLICT (the state does not allow it). Events are
 * listed in docs/events.md. */
#ifndef ICS_APP_BEDS_H
#define ICS_APP_BEDS_H

#include <jansson.h>
#include <stdint.h>

#include "app/app.h"
#include "core/csv.h"

/* Read models: the board, length of stay, matching. */
extern const app_use APP_BEDS_BOARD, APP_BEDS_LOS, APP_BEDS_MATCH;
/* Referrals and their lifecycle. */
extern const app_use APP_BEDS_REFERRAL_LIST, APP_BEDS_REFERRAL_GET, APP_BEDS_REFERRAL_CREATE,
    APP_BEDS_REFERRAL_RANK, APP_BEDS_REFERRAL_OFFER, APP_BEDS_REFERRAL_ACCEPT,
    APP_BEDS_REFERRAL_REJECT_OFFER, APP_BEDS_REFERRAL_ADMIT, APP_BEDS_REFERRAL_DISCHARGE,
    APP_BEDS_REFERRAL_DECLINE, APP_BEDS_REFERRAL_CANCEL;
/* Beds and units. */
extern const app_use APP_BEDS_BED_LIST, APP_BEDS_BED_GET, APP_BEDS_BED_STATUS,
    APP_BEDS_UNIT_CONFIRM;
/* Imports and the synthetic history (command line). */
extern const app_use APP_BEDS_IMPORT_SNAPSHOT, APP_BEDS_IMPORT_STAYS, APP_BEDS_GENERATE;

/* One ICS's share of a loaded queue and board (the copy in d only, places:
 * the ICS's places as store_beds_places gives them): referrals of patients
 * outside those places are dropped and beds of units outside them are taken
 * out of play, so the queue and the match place the ICS's patients in its own
 * beds. A bed across a boundary is offered by hand, where both ICSs allow. */
struct beds_data;
void app_beds_keep_ics(struct beds_data *d, const json_t *places);
/* The forecast both the length-of-stay view and the queue show, from a
 * board loaded with its stays: each unit's beds available now (free_now,
 * d->nunits ints) and, for the next BEDS_FORECAST_DAYS days, its expected
 * discharges (disch) and free beds (free_beds), unit by unit in flat arrays
 * of d->nunits * BEDS_FORECAST_DAYS doubles. The caller frees the three. */
int app_beds_forecast_of(const struct beds_data *d, int64_t now, int **free_now, double **disch,
                         double **free_beds, ics_err *e);

/* The board: stale_hours 1..720 (figures older are flagged), history of
 * days 1..366. */
int app_beds_board(app_ctx *c, int stale_hours, int days, json_t **out, ics_err *e);
/* The same board as compact JSON text (*text is the caller's), answered from
 * the copy kept in memory while the database's directory and beds versions
 * and the second are those it was made for (see app/beds.c). */
int app_beds_board_text(app_ctx *c, int stale_hours, int days, char **text, size_t *len,
                        ics_err *e);
/* Length of stay of stays discharged from..to (dates YYYY-MM-DD; NULL: a
 * year ago, today), funnel flags and a 7-day forecast. */
int app_beds_los(app_ctx *c, const char *from, const char *to, json_t **out, ics_err *e);
/* Optimal assignment of the waiting queue. body (may be NULL): policy
 * "pooled" (default), "borough" or "both"; max_km >= 0; apply true offers
 * every placement of the (first) policy in one transaction. */
int app_beds_queue_match(app_ctx *c, const json_t *body, json_t **out, ics_err *e);

/* The waiting queue (beds_queue.c): each waiting referral with whether a
 * suitable bed is free (placement, best_bed), else why not in words
 * (why_not) and the forecast next suitable bed (next_bed, next_bed_text).
 * policy NULL: pooled. */
extern const app_use APP_BEDS_QUEUE;
int app_beds_queue(app_ctx *c, const char *policy, json_t **out, ics_err *e);

/* Referrals. body: nhs_number, age, sex, postcode, referring_site,
 * bed_type, priority (required); earliest_transfer, place_code, notes.
 * An organisation-bound role refers only from its own sites, and sees only
 * its own referrals. */
/* A page of referrals by priority and age: {items, total, limit, offset,
 * next_after[, next]}. after (0: none) is the previous page's next_after
 * (a referral_id); next is next_base (ending in "after=", NULL for none)
 * with the cursor, when the page is full. Read in a snapshot and audited
 * before it is handed back (app_read_audited). */
int app_beds_referral_list(app_ctx *c, const char *state, int64_t limit, int64_t offset,
                           int64_t after, const char *next_base, json_t **out, ics_err *e);
int app_beds_referral_get(app_ctx *c, int64_t id, json_t **out, ics_err *e);
int app_beds_referral_create(app_ctx *c, const json_t *body, json_t **out, ics_err *e);
/* Every bed ranked for one referral (policy NULL: pooled). */
int app_beds_referral_rank(app_ctx *c, int64_t id, const char *policy, json_t **out, ics_err *e);
/* body {bed_id}: reserves the bed; of simultaneous offers of one bed
 * exactly one succeeds, the others get ICS_ECONFLICT. */
int app_beds_referral_offer(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
int app_beds_referral_accept(app_ctx *c, int64_t id, json_t **out, ics_err *e);
/* body {reason} (may be NULL): back to waiting, the bed released. */
int app_beds_referral_reject_offer(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                                   ics_err *e);
/* body {bed_id, at} (may be NULL): bed_id absent means the reserved bed. */
int app_beds_referral_admit(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
/* body {bed_id, at?}: an admitted patient moves to another available bed
 * that suits them; the old bed becomes available, the stay in the old unit
 * closes (destination "transfer") and one opens in the new bed. */
extern const app_use APP_BEDS_REFERRAL_TRANSFER;
int app_beds_referral_transfer(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                               ics_err *e);
/* body {destination (required), at, ready_date}. */
int app_beds_referral_discharge(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                                ics_err *e);
/* Undo steps for an admission or a discharge entered in error (HL7 ADT
 * A11 and A13 call them too); body {reason?} (may be NULL).
 * Cancel admission: an admitted referral that has not moved bed goes back
 * to accepted, its bed back to reserved for it, its open stay removed
 * (event bed_referral.admission_cancelled).
 * Cancel discharge: a discharged referral is admitted again in the bed it
 * left, which must still be available; its last stay reopens (event
 * bed_referral.discharge_cancelled). */
extern const app_use APP_BEDS_REFERRAL_ADMIT_CANCEL;
extern const app_use APP_BEDS_REFERRAL_DISCHARGE_CANCEL;
int app_beds_referral_admit_cancel(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                                   ics_err *e);
int app_beds_referral_discharge_cancel(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                                       ics_err *e);
/* body {reason (required)}; a held bed is released. */
int app_beds_referral_decline(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
int app_beds_referral_cancel(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);

/* Beds. */
int app_beds_bed_list(app_ctx *c, const char *unit, const char *status, json_t **rows, ics_err *e);
int app_beds_bed_get(app_ctx *c, int64_t id, json_t **out, ics_err *e);
/* body {status (available, closed or cleaning), closure, note}. */
int app_beds_bed_status_set(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
int app_beds_unit_confirm(app_ctx *c, const char *unit, json_t **out, ics_err *e);

/* CSV imports, all or nothing; every bad row is named with its line.
 * Snapshot columns: bed_code, unit_code, status, closure, bay_sex.
 * Stays columns: unit_code, admitted, discharged, ready, destination. */
int app_beds_import_snapshot(app_ctx *c, const csv_doc *d, int *count, ics_err *e);
int app_beds_import_stays(app_ctx *c, const csv_doc *d, int *count, ics_err *e);
/* The beds of every unit (when it has none) and a synthetic history of
 * days ending now, deterministic for seed; ICS_ECONFLICT when the database
 * already has bed referrals. */
int app_beds_generate(app_ctx *c, uint64_t seed, int days, int *nrefs, ics_err *e);

/* The community bed return for a local day (today or earlier; src/app/
 * beds_return.c): {period, snapshot, columns[], rows[]}, one row per unit
 * with its trust, the bed board's figures, stays over 14 and 21 days and
 * not meeting the criteria to reside (today only: bed states exist only
 * now; null for a past day), the day's admissions and discharges by
 * destination, and data_origin (synthetic when any figure comes from
 * seeded or generated data). docs/beds.md gives each column's source. */
extern const app_use APP_BEDS_RETURN;
int app_beds_return_community(app_ctx *c, int64_t day, json_t **out, ics_err *e);

#endif
