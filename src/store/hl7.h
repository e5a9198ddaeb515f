/* store/hl7.h - the SQL of the HL7 v2 ADT feed: where a patient
 * administration system's locations are in icsflow (facility, point of
 * care, room, bed -> unit and bed), which facilities may send (those with
 * locations), and every message received with the acknowledgement it got,
 * so a repeat is answered the same without being applied again. */
#ifndef ICS_STORE_HL7_H
#define ICS_STORE_HL7_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* Replace the whole mapping with rows [{facility, point_of_care, room,
 * bed, unit_code, bed_code}] (inside a transaction). */
int store_hl7_locations_replace(store *s, const json_t *rows, ics_err *e);
/* bed_id of (unit_code, bed_code), 0 when there is no such bed. */
int store_hl7_bed_id(store *s, const char *unit, const char *bed, int64_t *id, ics_err *e);
/* The organisation a facility sends for (the organisation of its mapped
 * units), "" when the facility has no mapped location. */
int store_hl7_facility_org(store *s, const char *facility, char org[8], ics_err *e);
/* The bed a location maps to: *bed_id 0 when unmapped. */
int store_hl7_location_bed(store *s, const char *facility, const char *poc, const char *room,
                           const char *bed, int64_t *bed_id, ics_err *e);
/* The newest bed referral of a patient (NHS number) in a stage of its
 * lifecycle: *id 0 when none. */
typedef enum {
    STORE_HL7_AWAITING,  /* offered or accepted */
    STORE_HL7_ADMITTED,  /* admitted */
    STORE_HL7_DISCHARGED /* discharged */
} store_hl7_stage;
int store_hl7_referral_of(store *s, const char *nhs, store_hl7_stage stage, int64_t *id,
                          ics_err *e);
/* The bed a bed referral is in (0 when none). */
int store_hl7_referral_bed(store *s, int64_t ref, int64_t *bed, ics_err *e);
/* Per sending facility (those with mapped locations): its organisation
 * and the time of its last message (NULL when it never sent), by facility:
 * [{facility, org_code, last_at}]. */
int store_hl7_feeds(store *s, json_t **rows, ics_err *e);
/* A message seen before (facility, control id): 1 in *seen and its ACK
 * code and text. */
int store_hl7_message_find(store *s, const char *facility, const char *control_id, int *seen,
                           char code[4], char text[600], ics_err *e);
int store_hl7_message_record(store *s, const char *facility, const char *control_id,
                             const char *event, const char *code, const char *text, int64_t at,
                             ics_err *e);
#endif
