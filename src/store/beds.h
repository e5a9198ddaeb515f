/* store/beds.h - the bed bureau's tables (beds, their status history, unit
 * confirmations, bed referrals, stays) and their SQL: loading the board into
 * the engine's structs, rows for the referral lifecycle (an offer reserves a
 * bed with one conditional UPDATE), bed status writes, and the inserts the
 * imports and the synthetic history need.
 *
 * SQL only: no permissions, no validation, no audit and no engines (those
 * are in src/app/beds.c). Writes run inside the caller's transaction. */
#ifndef ICS_STORE_BEDS_H
#define ICS_STORE_BEDS_H

#include <jansson.h>

#include "beds/beds.h"
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
/* A referral row (store_beds_referral_row) in engine form. */
void store_beds_referral_from_row(const json_t *row, beds_referral *out);

/* ---- referrals ---------------------------------------------------------- */

/* One bed referral as stored (times as integers), joined with its bed's
 * code, unit and the unit's organisation (unit_org). ICS_ENOTFOUND. */
int store_beds_referral_row(store *s, int64_t id, json_t **row, ics_err *e);
/* Referrals by priority and age (priority, referred_at, referral_id) of
 * patients whose place is in ICS ics; state and referring_org filter when
 * non-NULL. after (0: none) is a keyset cursor: the rows after referral
 * after in that order (none when there is no such referral). *total counts
 * every match. */
int store_beds_referral_list(store *s, const char *state, const char *referring_org,
                             const char *ics, int64_t limit, int64_t offset, int64_t after,
                             json_t **rows, int64_t *total, ics_err *e);
/* The ICS of a unit: its site's place's (a site without a place: its
 * organisation's primary ICS); "" when there is no such unit. */
int store_beds_unit_ics(store *s, const char *unit, char out[16], ics_err *e);

/* Every column of a new referral; 0 and NULL are stored as NULL (bed and
 * the lifecycle times), has_home says whether lat/lon are known. */
typedef struct beds_ref_rec {
    const char *nhs, *sex, *postcode, *district, *place, *site, *org, *bed_type, *state, *notes,
        *created_by, *destination, *reason;
    int age, priority, synthetic, has_home;
    double lat, lon;
    int64_t referred_at, earliest_at, bed, offered_at, accepted_at, admitted_at, discharged_at,
        updated_at;
} beds_ref_rec;
int store_beds_referral_insert(store *s, const beds_ref_rec *r, int64_t *id, ics_err *e);

/* The lifecycle's updates. Each changes one referral only if it is still in
 * the state the move starts from and returns 1 when it did, 0 when the row
 * was not in that state (changed meanwhile), or a negative code. */
int store_beds_referral_offer(store *s, int64_t ref, int64_t bed, int64_t now, ics_err *e);
int store_beds_referral_accept(store *s, int64_t ref, int64_t now, ics_err *e);
/* offered or accepted -> waiting, bed and offer times cleared. */
int store_beds_referral_reopen(store *s, int64_t ref, const char *reason, int64_t now, ics_err *e);
/* accepted -> admitted in bed at time at. */
int store_beds_referral_admit(store *s, int64_t ref, int64_t bed, int64_t at, int64_t now,
                              ics_err *e);
/* admitted -> admitted in another bed (a transfer). */
int store_beds_referral_move_bed(store *s, int64_t ref, int64_t bed, int64_t now, ics_err *e);
int store_beds_referral_discharge(store *s, int64_t ref, int64_t at, const char *destination,
                                  int64_t now, ics_err *e);
/* from -> to ("declined" or "cancelled") with a reason. */
/* The undo steps (HL7 A11, A13 and the API): admitted -> accepted with
 * admitted_at cleared; discharged -> admitted with the discharge cleared.
 * reason (may be NULL) replaces the referral's reason. 1 moved, 0 not in
 * the expected state. */
int store_beds_referral_unadmit(store *s, int64_t ref, const char *reason, int64_t now, ics_err *e);
int store_beds_referral_undischarge(store *s, int64_t ref, const char *reason, int64_t now,
                                    ics_err *e);
int store_beds_referral_close(store *s, int64_t ref, const char *from, const char *to,
                              const char *reason, int64_t now, ics_err *e);
/* 1 when any bed referral exists. */
int store_beds_referral_any(store *s, int *yes, ics_err *e);

/* ---- stays -------------------------------------------------------------- */

typedef struct beds_stay_rec {
    int64_t referral, bed;               /* 0: none */
    const char *unit;                    /* unit_code */
    int64_t admitted_at, discharged_at;  /* discharged_at 0: still in */
    const char *ready_day, *destination; /* NULL when unknown */
    int synthetic;
} beds_stay_rec;
int store_beds_stay_insert(store *s, const beds_stay_rec *r, ics_err *e);
/* Close the referral's open stay. */
/* How many stays a referral has (transfers open more than one). */
int store_beds_stay_count(store *s, int64_t ref, int64_t *n, ics_err *e);
/* Drop the open stay of a referral whose admission is cancelled. */
int store_beds_stay_drop_open(store *s, int64_t ref, ics_err *e);
/* Reopen a referral's last stay (its discharge cancelled). */
int store_beds_stay_reopen(store *s, int64_t ref, ics_err *e);
int store_beds_stay_close(store *s, int64_t ref, int64_t at, const char *destination,
                          const char *ready_day, ics_err *e);

/* ---- beds --------------------------------------------------------------- */

/* A bed with its unit's organisation (the owning trust). */
typedef struct beds_bed_row {
    int64_t id, referral; /* referral 0: none */
    char code[BEDS_CODE_MAX], unit[BEDS_CODE_MAX], status[16], closure[24], org[16];
} beds_bed_row;
/* ICS_ENOTFOUND "no bed N". */
int store_beds_bed_find(store *s, int64_t bed, beds_bed_row *out, ics_err *e);
/* By code: 1 and *out when it exists, 0 when not. */
int store_beds_bed_find_code(store *s, const char *code, beds_bed_row *out, ics_err *e);
/* One bed as stored, with its last 50 status changes in "history". */
int store_beds_bed_get(store *s, int64_t bed, json_t **row, ics_err *e);
/* Beds by code; unit and status filter when non-NULL. */
int store_beds_bed_list(store *s, const char *unit, const char *status, json_t **rows, ics_err *e);

/* Move a bed from status `from` to `to` (closure cleared, held for ref, 0:
 * none) only if it is still in `from`, and add the change to its history:
 * the conditional UPDATE is what makes an offer atomic. 1 when the bed
 * moved, 0 when it was not in `from`, or a negative code. */
int store_beds_bed_move(store *s, const char *actor, int64_t bed, const char *from, const char *to,
                        int64_t ref, const char *note, int64_t now, ics_err *e);
/* The same for a coordinator's change, with a closure reason (NULL). */
int store_beds_bed_set(store *s, const char *actor, int64_t bed, const char *from, const char *to,
                       const char *closure, const char *note, int64_t now, ics_err *e);
/* Mark a bed as a side room (1) or not (0). */
int store_beds_bed_side_room(store *s, int64_t bed, int side_room, ics_err *e);
/* Snapshot rows: a new bed (its id in *id) or a whole bed rewritten. */
int store_beds_bed_insert(store *s, const char *code, const char *unit, const char *bay_sex,
                          const char *status, const char *closure, const char *actor, int64_t now,
                          int64_t *id, ics_err *e);
int store_beds_bed_rewrite(store *s, int64_t bed, const char *unit, const char *bay_sex,
                           const char *status, const char *closure, const char *actor, int64_t now,
                           ics_err *e);
/* Synthetic history: set status, closure and time; hold for a referral. */
int store_beds_bed_write(store *s, int64_t bed, const char *status, const char *closure, int64_t at,
                         ics_err *e);
int store_beds_bed_hold(store *s, int64_t bed, int64_t ref, ics_err *e);
/* Every bed an offered or accepted referral points at is held for it. */
int store_beds_holds_sync(store *s, ics_err *e);
/* One row of a bed's status history. */
int store_beds_history_add(store *s, int64_t bed, const char *actor, const char *status,
                           const char *closure, int64_t ref, const char *note, int64_t at,
                           ics_err *e);
/* Units that have no beds yet (unit_code, sex, beds), in code order. */
int store_beds_units_without_beds(store *s, json_t **rows, ics_err *e);

/* ---- units and the directory lookups the bureau needs ------------------- */

/* The organisation (ODS code) of a unit's site; ICS_ENOTFOUND "no unit". */
int store_beds_unit_org(store *s, const char *unit, char org[16], ics_err *e);
/* Record that a unit's figures are current (at, by) and return the row. */
int store_beds_unit_confirm(store *s, const char *unit, int64_t at, const char *by, json_t **row,
                            ics_err *e);
/* A postcode district's lat, lon and place_code; ICS_ENOTFOUND. */
int store_beds_district(store *s, const char *district, json_t **row, ics_err *e);
/* Districts that have a place (district, lat, lon, place_code), and acute
 * sites (site_code, org_code, lat, lon), in code order. */
int store_beds_districts(store *s, json_t **rows, ics_err *e);
int store_beds_acute_sites(store *s, json_t **rows, ics_err *e);
/* 1 when the place exists. */
int store_beds_place_exists(store *s, const char *place, int *yes, ics_err *e);
/* Places (code, name) in code order. */
/* The places of one ICS (NULL: every place). */
int store_beds_places(store *s, const char *ics, json_t **rows, ics_err *e);
/* The directory version and the beds version (moved by every change to the
 * bed tables and the ADT feed tables, by triggers), in one statement. */
int store_beds_versions(store *s, int64_t *directory, int64_t *beds, ics_err *e);
/* The organisation of a site; ICS_ENOTFOUND. */
int store_beds_site_org(store *s, const char *site, char org[16], ics_err *e);

/* For the community bed return: each unit's site, trust (org_code,
 * org_name) and seeded_beds, how many of its beds were last set by the
 * seed (synthetic). */
int store_beds_return_units(store *s, json_t **rows, ics_err *e);
/* Stays open now, or admitted or ended in [from, to): unit_code,
 * admitted_at, discharged_at, ready_day, destination, synthetic. */
int store_beds_return_stays(store *s, int64_t from, int64_t to, json_t **rows, ics_err *e);

#endif
