/* hl7.h - HL7 version 2 messages as hospital patient administration systems
 * send them (ADT: admit, transfer, discharge and their cancellations), the
 * MLLP framing they travel in, and the acknowledgements icsflow answers.
 *
 * A pure engine: bytes in, structs and text out; no sockets, clock, SQL or
 * JSON. The MLLP listener (src/http/mllp.c) frames and answers, the use
 * case (src/app/hl7.c) decides what a message does to beds and stays. */
#ifndef ICS_HL7_HL7_H
#define ICS_HL7_HL7_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* ---- MLLP framing ------------------------------------------------------- */

/* A frame is <VT> message <FS><CR> (0x0B ... 0x1C 0x0D). */
#define HL7_MLLP_SB     0x0B
#define HL7_MLLP_EB     0x1C
#define HL7_MLLP_CR     0x0D
#define HL7_MAX_MESSAGE (1 << 20) /* a frame longer than this is refused */

enum { HL7_FRAME_MORE = 0, HL7_FRAME_OK = 1, HL7_FRAME_BAD = -1 };

/* Look for one frame at the start of buf[0..n). HL7_FRAME_OK: the message
 * is buf[*start .. *start + *len) and *used bytes (through the trailing CR)
 * are consumed; HL7_FRAME_MORE: read more (bytes before a start byte are
 * skipped by reporting them in *used); HL7_FRAME_BAD: a frame longer than
 * HL7_MAX_MESSAGE (drop the connection). */
int hl7_mllp_frame(const unsigned char *buf, size_t n, size_t *start, size_t *len, size_t *used);

/* ---- parsing -------------------------------------------------------------- */

typedef struct hl7_msg hl7_msg;

/* Parse a message: segments separated by CR (LF and CRLF accepted); the
 * first segment must be MSH with its field separator and four encoding
 * characters (usually |^~\&); every segment name is three upper-case
 * letters or digits; at most 1,000 segments. ICS_EINVAL with the problem. */
int hl7_parse(const char *text, size_t len, hl7_msg **out, ics_err *e);
void hl7_free(hl7_msg *m);

/* Number of segments named seg. */
size_t hl7_count(const hl7_msg *m, const char *seg);
/* The value of seg[nth]-field, repetition rep (0 = first), component comp
 * (1-based; 0 = the whole repetition), unescaped (\F\ \S\ \T\ \R\ \E\) into
 * out (cap bytes, NUL-terminated). field counts as the standard does: MSH-1
 * is the field separator itself, MSH-2 the encoding characters. Returns the
 * length, 0 when absent or empty, -1 when it did not fit. */
int hl7_get(const hl7_msg *m, const char *seg, size_t nth, int field, int rep, int comp, char *out,
            size_t cap);

/* ---- ADT ------------------------------------------------------------------ */

/* PV1-3 / PV1-6 person location: point of care ^ room ^ bed ^ facility. */
typedef struct hl7_location {
    char point_of_care[32], room[32], bed[32], facility[64];
} hl7_location;

typedef struct hl7_adt {
    char sending_app[64], sending_facility[64]; /* MSH-3, MSH-4 (first component) */
    char receiving_app[64], receiving_facility[64];
    char message_type[8], trigger[8]; /* MSH-9: "ADT", "A01" */
    char control_id[64];              /* MSH-10 */
    char processing_id[8];            /* MSH-11 */
    char version[16];                 /* MSH-12 */
    char patient_id[32];              /* PID-3: the NHS number when one is marked so */
    char visit_number[32];            /* PV1-19 */
    hl7_location location, prior;     /* PV1-3, PV1-6 */
    char event_time[32];              /* EVN-2, else MSH-7, as sent (YYYYMMDDHHMM[SS]) */
    char disposition[8];              /* PV1-36 discharge disposition */
} hl7_adt;

/* Read the header and, for ADT, the patient and visit. Every problem goes
 * into one message: MSH-9, MSH-10 and MSH-12 missing, a field that did not
 * fit. The segments an event needs are checked by hl7_adt_check. */
int hl7_adt_read(const hl7_msg *m, hl7_adt *out, ics_err *e);

/* The events icsflow applies, and whether a trigger is one of them. */
enum {
    HL7_A01, /* admit */
    HL7_A02, /* transfer */
    HL7_A03, /* discharge */
    HL7_A08, /* update patient information */
    HL7_A11, /* cancel admit */
    HL7_A12, /* cancel transfer */
    HL7_A13, /* cancel discharge */
    HL7_NEVENTS
};
/* HL7_A01.. for "ADT" and a supported trigger, -1 otherwise. */
int hl7_adt_event(const hl7_adt *a);

/* What an event needs: a patient (PID-3) always; the assigned location
 * (PV1-3, with a bed) for A01, A02, A03, A11, A12, A13; the prior location
 * (PV1-6, with a bed) for A02 and A12. ICS_EINVAL naming the segment and
 * field (the text of an AE acknowledgement). */
int hl7_adt_check(const hl7_adt *a, int event, ics_err *e);

/* An HL7 timestamp YYYYMMDD[HH[MM[SS]]] with an optional +HHMM/-HHMM
 * offset into seconds since the epoch; without an offset the time is read
 * as Europe/London local time. ICS_EINVAL when it is not one. */
int hl7_time_parse(const char *ts, int64_t *out, ics_err *e);

/* ---- acknowledgements -------------------------------------------------------- */

/* The ACK for a message: MSH with sender and receiver swapped, MSA with
 * code ("AA", "AE" or "AR"), the message's control id and text (escaped),
 * and for AE and AR an ERR segment with the text. now is the MSH-7
 * timestamp, ack_id the ACK's own control id. in may come from a message
 * that did not parse (its fields empty). Writes a NUL-terminated message of
 * segments separated by CR into out; returns its length, or -1 when cap is
 * too small. */
int hl7_ack_build(const hl7_adt *in, const char *code, const char *text, const char *now,
                  const char *ack_id, char *out, size_t cap);

#endif
