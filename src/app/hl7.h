/* app/hl7.h - the HL7 v2 ADT feed's use cases: a message from a trust's
 * patient administration system becomes the same bed bureau use case an
 * API call would run (admit, discharge), under an actor that names the
 * sending facility, and is answered with an acknowledgement; the mapping of
 * the system's locations to icsflow beds is imported all or nothing. */
#ifndef ICS_APP_HL7_H
#define ICS_APP_HL7_H

#include <stddef.h>

#include "app/app.h"

extern const app_use APP_HL7_LOCATIONS_IMPORT; /* administrators */

#define APP_HL7_ACK_MAX 2048

/* Handle one message (the bytes inside an MLLP frame) and write its ACK
 * into ack (APP_HL7_ACK_MAX bytes): AA applied (or nothing to apply, A08);
 * AE not applied, with the reason (a bad segment, an unmapped or occupied
 * bed, an unknown patient); AR rejected (a facility not on the allow-list,
 * a message type icsflow does not take). A control id already answered for
 * the facility is answered again with the first answer and not applied.
 * Returns the ACK's length; the code goes to code. Never fails:
 * a database error is an AE asking the sender to retry. */
int app_hl7_message(store *db, const char *text, size_t len, int64_t now, char *ack, char code[4]);

/* Import the location mapping from adt_locations.csv (columns facility,
 * point_of_care, room, bed, unit_code, bed_code): every row checked (a
 * known unit, a bed of that unit, no location twice), every problem named
 * by line, the mapping replaced in one transaction, audited. */
int app_hl7_locations_import(app_ctx *c, const char *path, int *count, ics_err *e);

/* How long a feed may be quiet before it counts as silent:
 * ICSFLOW_ADT_SILENT_MINUTES (default 60, 1 to 10080). */
int app_hl7_silent_minutes(void);
/* The ADT feeds for the bed board (inside its use case): [{facility,
 * org_code, last_at (ISO 8601 UTC or null), silent}]; a feed is silent when
 * it has sent before and nothing for app_hl7_silent_minutes. */
int app_hl7_feeds(app_ctx *c, json_t **out, ics_err *e);
/* Tell coordinators, once per silence, that a feed has gone quiet
 * (notification kind adt.silent); run when they read their notifications. */
int app_hl7_notify_silent(app_ctx *c, ics_err *e);

#endif
