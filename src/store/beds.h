/* store/beds.h - the bed bureau's tables (beds, their status history, unit
 * confirmations, bed referrals, stays) and every query and write the API
 * and the CLI share: loading the board into the engine's structs, the
 * referral lifecycle (offer reserves a bed atomically), bed status
 * changes, the board, length of stay, imports and the synthetic seed.
 *
 * Every write function runs inside the caller's transaction (store_begin)
 * and writes its own audit record there, so a failed call changes nothing
 * once the caller rolls back. */
#ifndef ICS_STORE_BEDS_H
#define ICS_STORE_BEDS_H

#include <jansson.h>

#include "beds/beds.h"
#include "core/csv.h"
#include "store/store.h"

/* The board and queue in engine form. Unit i of units matches unit_codes[i]. */
typedef struct beds_data {
    beds_unit *units;
    size_t nunits;
    char (*unit_names)[128];
    char (*unit_places)[BEDS_PLACE_MAX]; /* where the unit is */
    beds_bed *beds;
    size_t nbeds;
    beds_referral *refs; /* waiting referrals, oldest first */
    size_t nrefs;
    beds_stay *stays; /* every stay with a known unit */
    size_t nstays;
} beds_data;

enum { BEDS_LOAD_BOARD = 1, BEDS_LOAD_WAITING = 2, BEDS_LOAD_STAYS = 4 };
int store_beds_load(store *s, int what, beds_data **out, ics_err *e);
void store_beds_data_free(beds_data *d);
/* Index of a unit code in d, or -1. */
int store_beds_unit_index(const beds_data *d, const char *code);

/* The caller, for audit and visibility: name, role and organisation. */
typedef struct beds_actor {
    const char *name;
    const char *role; /* "admin", "coordinator", "clinician", "analyst", ... */
    const char *org;  /* ODS code or "" */
} beds_actor;

/* Referrals. body fields: nhs_number, age, sex, postcode, referring_site,
 * bed_type, priority (required); earliest_transfer, place_code, notes.
 * A clinician may only refer from a site of their own organisation. */
int store_beds_referral_create(store *s, const beds_actor *a, const json_t *body, int64_t now,
                               json_t **after, ics_err *e);
/* One referral; a clinician sees only their organisation's (else 404). */
int store_beds_referral_get(store *s, const beds_actor *a, int64_t id, json_t **row, ics_err *e);
int store_beds_referral_list(store *s, const beds_actor *a, const char *state, int64_t limit,
                             int64_t offset, json_t **rows, int64_t *total, ics_err *e);

/* The lifecycle. Unknown referral or bed: ICS_ENOTFOUND; a move the state
 * does not allow, or a bed that is not free: ICS_ECONFLICT; a bed that
 * cannot serve the patient, or times out of order: ICS_EINVAL.
 * at = 0 means now. */
int store_beds_offer(store *s, const beds_actor *a, int64_t ref, int64_t bed, int64_t now,
                     json_t **after, ics_err *e);
int store_beds_accept(store *s, const beds_actor *a, int64_t ref, int64_t now, json_t **after,
                      ics_err *e);
/* Offer turned down: back to waiting, bed released. */
int store_beds_reject_offer(store *s, const beds_actor *a, int64_t ref, const char *reason,
                            int64_t now, json_t **after, ics_err *e);
/* bed 0: the reserved bed. */
int store_beds_admit(store *s, const beds_actor *a, int64_t ref, int64_t bed, int64_t at,
                     int64_t now, json_t **after, ics_err *e);
int store_beds_discharge(store *s, const beds_actor *a, int64_t ref, const char *destination,
                         int64_t at, int64_t ready_day, int64_t now, json_t **after, ics_err *e);
/* to is "declined" or "cancelled"; a held bed is released. */
int store_beds_close_referral(store *s, const beds_actor *a, int64_t ref, const char *to,
                              const char *reason, int64_t now, json_t **after, ics_err *e);

/* Beds. */
int store_beds_bed_get(store *s, int64_t bed, json_t **row, ics_err *e);
int store_beds_bed_list(store *s, const char *unit, const char *status, json_t **rows, ics_err *e);
/* A coordinator's change: available, closed (with closure) or cleaning. */
int store_beds_bed_set(store *s, const beds_actor *a, int64_t bed, const char *status,
                       const char *closure, const char *note, int64_t now, json_t **after,
                       ics_err *e);
int store_beds_unit_confirm(store *s, const beds_actor *a, const char *unit, int64_t now,
                            json_t **after, ics_err *e);

/* Read models. */
int store_beds_board(store *s, int64_t now, int64_t stale_after, int history_days, json_t **out,
                     ics_err *e);
int store_beds_los(store *s, int64_t from_day, int64_t to_day, int64_t now, json_t **out,
                   ics_err *e);
/* Rank the beds for one referral, or match the whole waiting queue under
 * policy "pooled", "borough" or "both"; apply offers every placement of
 * the (first) policy in the caller's transaction. */
int store_beds_rank(store *s, const beds_actor *a, int64_t ref, const char *policy, int64_t now,
                    json_t **out, ics_err *e);
int store_beds_match(store *s, const beds_actor *a, const char *policy, double max_km, int apply,
                     int64_t now, json_t **out, ics_err *e);

/* Imports (inside the caller's transaction; the first bad row stops it).
 * Snapshot columns: bed_code, unit_code, status, closure, bay_sex.
 * Stays columns: unit_code, admitted, discharged, ready, destination. */
int store_beds_import_snapshot(store *s, const beds_actor *a, const csv_doc *d, int64_t now,
                               int *count, ics_err *e);
int store_beds_import_stays(store *s, const beds_actor *a, const csv_doc *d, int *count,
                            ics_err *e);

/* Create the beds of every unit (when it has none) and a synthetic history
 * of ndays ending at now, deterministic for seed and day. */
int store_beds_generate(store *s, const beds_actor *a, uint64_t seed, int ndays, int64_t now,
                        int *nrefs, ics_err *e);

#endif
