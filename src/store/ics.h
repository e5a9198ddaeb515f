/* store/ics.h - the SQL of several ICSs in one deployment: the ICSs, the
 * ICS each place belongs to, organisations' primary ICS and further
 * memberships, and the ICSs administrators grant to users. */
#ifndef ICS_STORE_ICS_H
#define ICS_STORE_ICS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_ICS_CODE 16 /* room for an ICS's ODS code ("QRV") */

/* Rows of code, name, cross_ics (0/1), places, organisations (counts of
 * places in it and organisations working in it), by code. */
int store_ics_list(store *s, json_t **rows, ics_err *e);
/* One such row; ICS_ENOTFOUND "no ICS 'X'" when there is none. */
int store_ics_get(store *s, const char *code, json_t **row, ics_err *e);
/* The places of an ICS (code, name) and the organisations working in it
 * (ods_code, name, kind, primary_ics, is_primary 0/1), by code. */
int store_ics_places(store *s, const char *code, json_t **rows, ics_err *e);
int store_ics_orgs(store *s, const char *code, json_t **rows, ics_err *e);
/* An organisation's primary ICS into out ("" when there is no such
 * organisation). */
int store_ics_org_primary(store *s, const char *org, char out[STORE_ICS_CODE], ics_err *e);
/* In one statement, what decides the ICSs a user may see: the primary ICS
 * of org into home ("" when there is no such organisation), and into codes
 * the ICSs granted to user (by code), then, when member_org is not NULL,
 * every ICS that organisation works in besides its primary (by code). At
 * most max codes go into codes; *n says how many (duplicates kept). */
int store_ics_visible_codes(store *s, const char *user, const char *org, const char *member_org,
                            char home[STORE_ICS_CODE], char (*codes)[STORE_ICS_CODE], int max,
                            int *n, ics_err *e);
/* 1 in *yes when an ICS has the code (one indexed look-up). */
int store_ics_exists(store *s, const char *code, int *yes, ics_err *e);
/* 1 in *yes when an active (not revoked) user has the name. */
int store_ics_user_active(store *s, const char *user, int *yes, ics_err *e);
/* Grant (idempotent: *added 0 when the user had it already). */
int store_ics_grant(store *s, const char *user, const char *code, const char *by, int64_t at,
                    int *added, ics_err *e);
/* Take a grant back (*removed 0 when the user did not hold it). */
int store_ics_ungrant(store *s, const char *user, const char *code, int *removed, ics_err *e);
/* Create or rename an ICS. */
int store_ics_upsert(store *s, const char *code, const char *name, ics_err *e);
/* Whether bed referrals and mutual aid may cross this ICS's boundary. */
int store_ics_set_cross(store *s, const char *code, int allow, ics_err *e);
/* The ICS's out-of-hours alternative (what the route finder tells a
 * clinician when nothing is eligible; "" for none). */
int store_ics_set_out_of_hours(store *s, const char *code, const char *text, ics_err *e);
/* Its text into out ("" when none or no such ICS). */
int store_ics_out_of_hours(store *s, const char *code, char *out, size_t n, ics_err *e);
/* The ICS a place is in, "" when there is no such place. */
int store_ics_place_of(store *s, const char *place, char out[STORE_ICS_CODE], ics_err *e);
/* Put a place in an ICS. */
int store_ics_place_set(store *s, const char *place, const char *code, ics_err *e);
/* An organisation works in an ICS: primary 1 makes it its primary ICS
 * (replacing the one it had), 0 adds a membership unless the ICS is
 * already its primary. */
int store_ics_org_join(store *s, const char *org, const char *code, int primary, ics_err *e);

#endif
