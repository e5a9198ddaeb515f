/* adt.c - the ADT fields icsflow acts on (who sent it, which event, which
 * patient, which bed), what each event needs, HL7 timestamps, and the
 * acknowledgement (ACK with MSA and, for errors, ERR) sent back.
 *
 * Field positions are those of HL7 v2.4: MSH-3/4 sending application and
 * facility, MSH-7 time, MSH-9 type^trigger, MSH-10 control id, MSH-11
 * processing id, MSH-12 version; EVN-2 recorded time; PID-3 patient
 * identifier list (CX: id^^^authority^type, the NHS number has type "NH");
 * PV1-3 assigned and PV1-6 prior location (PL: point of care^room^bed^
 * facility), PV1-19 visit number, PV1-36 discharge disposition. */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/problems.h"
#include "core/tz.h"
#include "hl7/hl7.h"

/* One field into a fixed buffer, with a problem when it does not fit. */
static void take(const hl7_msg *m, const char *seg, int field, int rep, int comp, char *out,
                 size_t cap, problems *pb)
{
    if (hl7_get(m, seg, 0, field, rep, comp, out, cap) < 0) {
        out[0] = '\0';
        problems_add(pb, "%s-%d is longer than %zu characters", seg, field, cap - 1);
    }
}

static void location(const hl7_msg *m, int field, hl7_location *l, problems *pb)
{
    take(m, "PV1", field, 0, 1, l->point_of_care, sizeof l->point_of_care, pb);
    take(m, "PV1", field, 0, 2, l->room, sizeof l->room, pb);
    take(m, "PV1", field, 0, 3, l->bed, sizeof l->bed, pb);
    take(m, "PV1", field, 0, 4, l->facility, sizeof l->facility, pb);
}

int hl7_adt_read(const hl7_msg *m, hl7_adt *a, ics_err *e)
{
    assert(m && a);
    memset(a, 0, sizeof *a);
    problems pb;
    problems_init(&pb);
    take(m, "MSH", 3, 0, 1, a->sending_app, sizeof a->sending_app, &pb);
    take(m, "MSH", 4, 0, 1, a->sending_facility, sizeof a->sending_facility, &pb);
    take(m, "MSH", 5, 0, 1, a->receiving_app, sizeof a->receiving_app, &pb);
    take(m, "MSH", 6, 0, 1, a->receiving_facility, sizeof a->receiving_facility, &pb);
    take(m, "MSH", 9, 0, 1, a->message_type, sizeof a->message_type, &pb);
    take(m, "MSH", 9, 0, 2, a->trigger, sizeof a->trigger, &pb);
    take(m, "MSH", 10, 0, 0, a->control_id, sizeof a->control_id, &pb);
    take(m, "MSH", 11, 0, 1, a->processing_id, sizeof a->processing_id, &pb);
    take(m, "MSH", 12, 0, 1, a->version, sizeof a->version, &pb);
    take(m, "EVN", 2, 0, 1, a->event_time, sizeof a->event_time, &pb);
    if (!a->event_time[0]) take(m, "MSH", 7, 0, 1, a->event_time, sizeof a->event_time, &pb);
    /* PID-3: the repetition typed NH (NHS number), else the first */
    char type[8];
    for (int r = 0; r < 10; r++) {
        if (hl7_get(m, "PID", 0, 3, r, 5, type, sizeof type) > 0 && strcmp(type, "NH") == 0) {
            take(m, "PID", 3, r, 1, a->patient_id, sizeof a->patient_id, &pb);
            break;
        }
    }
    if (!a->patient_id[0]) take(m, "PID", 3, 0, 1, a->patient_id, sizeof a->patient_id, &pb);
    take(m, "PV1", 19, 0, 1, a->visit_number, sizeof a->visit_number, &pb);
    take(m, "PV1", 36, 0, 1, a->disposition, sizeof a->disposition, &pb);
    location(m, 3, &a->location, &pb);
    location(m, 6, &a->prior, &pb);
    if (!a->message_type[0]) problems_add(&pb, "MSH-9 (message type) is empty");
    if (!a->control_id[0]) problems_add(&pb, "MSH-10 (message control id) is empty");
    if (!a->version[0]) problems_add(&pb, "MSH-12 (version) is empty");
    return problems_done(&pb, e);
}

static const char *const triggers[HL7_NEVENTS] = {"A01", "A02", "A03", "A08", "A11", "A12", "A13"};

int hl7_adt_event(const hl7_adt *a)
{
    if (strcmp(a->message_type, "ADT") != 0) return -1;
    for (int i = 0; i < HL7_NEVENTS; i++)
        if (strcmp(a->trigger, triggers[i]) == 0) return i;
    return -1;
}

int hl7_adt_check(const hl7_adt *a, int event, ics_err *e)
{
    problems pb;
    problems_init(&pb);
    if (!a->patient_id[0]) problems_add(&pb, "PID-3 (patient identifier) is missing");
    int needs_loc = event != HL7_A08;
    int needs_prior = event == HL7_A02 || event == HL7_A12;
    if (needs_loc && (!a->location.point_of_care[0] || !a->location.bed[0]))
        problems_add(&pb, "PV1-3 (assigned location) needs a point of care and a bed");
    if (needs_prior && (!a->prior.point_of_care[0] || !a->prior.bed[0]))
        problems_add(&pb, "PV1-6 (prior location) needs a point of care and a bed");
    if (a->event_time[0]) {
        int64_t t;
        ics_err te = {0};
        if (hl7_time_parse(a->event_time, &t, &te)) problems_add(&pb, "the event time: %s", te.msg);
    }
    return problems_done(&pb, e);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int hl7_time_parse(const char *ts, int64_t *out, ics_err *e)
{
    size_t n = 0;
    while (ts[n] && ts[n] != '+' && ts[n] != '-' && ts[n] != '.') n++;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    int ok = (n == 8 || n == 10 || n == 12 || n == 14) && !digits(ts, 4, &y) &&
             !digits(ts + 4, 2, &mo) && !digits(ts + 6, 2, &d) &&
             (n < 10 || !digits(ts + 8, 2, &h)) && (n < 12 || !digits(ts + 10, 2, &mi)) &&
             (n < 14 || !digits(ts + 12, 2, &s));
    const char *rest = ts + n;
    if (ok && *rest == '.') { /* fractions of a second are ignored */
        rest++;
        while (isdigit((unsigned char)*rest)) rest++;
    }
    int off = 0, has_off = 0;
    if (ok && (*rest == '+' || *rest == '-')) {
        int oh = 0, om = 0;
        ok = strlen(rest) == 5 && !digits(rest + 1, 2, &oh) && !digits(rest + 3, 2, &om) &&
             oh <= 14 && om < 60;
        off = (oh * 60 + om) * 60 * (*rest == '-' ? -1 : 1);
        has_off = 1;
        rest += 5;
    }
    ok = ok && *rest == '\0' && y >= 1900 && y <= 2200 && mo >= 1 && mo <= 12 && d >= 1 &&
         d <= 31 && h < 24 && mi < 60 && s < 60;
    if (ok) {
        int y2, m2, d2; /* the day must exist (no 31 February) */
        tz_civil_from_days(tz_days_from_civil(y, mo, d), &y2, &m2, &d2);
        ok = y2 == y && m2 == mo && d2 == d;
    }
    if (!ok) {
        char shown[24];
        size_t k = 0;
        for (; ts[k] && k < sizeof shown - 1; k++)
            shown[k] = isprint((unsigned char)ts[k]) ? ts[k] : '?';
        shown[k] = '\0';
        return ics_err_set(e, ICS_EINVAL, "'%s' is not an HL7 time (YYYYMMDDHHMM[SS][+HHMM])",
                           shown);
    }
    if (has_off) {
        *out = (tz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) - off;
        return 0;
    }
    return tz_local_to_utc(y, mo, d, h, mi, s, out, e);
}

/* Append s to out with the ACK's delimiters escaped; 0, or -1 when full. */
static int put(char *out, size_t cap, size_t *o, const char *s, int escape)
{
    for (; *s; s++) {
        const char *rep = NULL;
        if (escape) {
            switch (*s) {
            case '|':
                rep = "\\F\\";
                break;
            case '^':
                rep = "\\S\\";
                break;
            case '~':
                rep = "\\R\\";
                break;
            case '&':
                rep = "\\T\\";
                break;
            case '\\':
                rep = "\\E\\";
                break;
            case '\r':
            case '\n':
                rep = " ";
                break;
            default:
                break;
            }
        }
        size_t k = rep ? strlen(rep) : 1;
        if (*o + k + 1 > cap) return -1;
        memcpy(out + *o, rep ? rep : s, k);
        *o += k;
    }
    out[*o] = '\0';
    return 0;
}

int hl7_ack_build(const hl7_adt *in, const char *code, const char *text, const char *now,
                  const char *ack_id, char *out, size_t cap)
{
    assert(in && code && out && cap > 0);
    size_t o = 0;
    out[0] = '\0';
    const char *version = in->version[0] ? in->version : "2.4";
    const char *proc = in->processing_id[0] ? in->processing_id : "P";
    /* fields: literal (0) or escaped (1) */
    const struct {
        const char *s;
        int esc;
    } parts[] = {{"MSH|^~\\&|", 0}, {in->receiving_app[0] ? in->receiving_app : "ICSFLOW", 1},
                 {"|", 0},          {in->receiving_facility, 1},
                 {"|", 0},          {in->sending_app, 1},
                 {"|", 0},          {in->sending_facility, 1},
                 {"|", 0},          {now ? now : "", 1},
                 {"||ACK^", 0},     {in->trigger, 1},
                 {"^ACK|", 0},      {ack_id ? ack_id : "", 1},
                 {"|", 0},          {proc, 1},
                 {"|", 0},          {version, 1},
                 {"\rMSA|", 0},     {code, 1},
                 {"|", 0},          {in->control_id, 1},
                 {"|", 0},          {text ? text : "", 1}};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        if (put(out, cap, &o, parts[i].s, parts[i].esc)) return -1;
    if (strcmp(code, "AA") != 0) {
        /* ERR-3 error code (HL7 table 0357: 207 application internal error,
         * 200 unsupported message type), ERR-4 severity E, ERR-8 the text */
        if (put(out, cap, &o, "\rERR|||", 0) ||
            put(out, cap, &o, strcmp(code, "AR") == 0 ? "200" : "207", 0) ||
            put(out, cap, &o, "|E||||", 0) || put(out, cap, &o, text ? text : "", 1))
            return -1;
    }
    if (put(out, cap, &o, "\r", 0)) return -1;
    return (int)o;
}
