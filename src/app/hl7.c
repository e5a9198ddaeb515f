/* hl7.c - the HL7 v2 ADT feed (see app/hl7.h): parse with the engine
 * (src/hl7), check the sender against the allow-list (facilities with
 * mapped locations), answer a repeated control id with its first answer,
 * and run the bed bureau's own use cases (app_beds_referral_admit,
 * _transfer, _discharge, _admit_cancel and _discharge_cancel) as "hl7:<facility>", a coordinator of
 * the facility's organisation, so the rules, the audit and the change events are the API's. The
 * message and its answer are recorded in the same transaction. */
#include "app/hl7.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/beds.h"
#include "core/csv.h"
#include "core/problems.h"
#include "core/tz.h"
#include "hl7/hl7.h"
#include "store/hl7.h"
#include "store/notifications.h"

const app_use APP_HL7_LOCATIONS_IMPORT = {"hl7.locations.import", ROLE_ADMIN, APP_SCOPE_ICS};

static const char *const event_names[HL7_NEVENTS] = {"A01", "A02", "A03", "A08",
                                                     "A11", "A12", "A13"};

/* HL7 table 0112 discharge disposition -> the bureau's destinations. */
static const char *destination(const char *d)
{
    if (!strcmp(d, "01")) return "home";
    if (!strcmp(d, "06")) return "home_with_support";
    if (!strcmp(d, "02")) return "acute_readmission";
    if (!strcmp(d, "03") || !strcmp(d, "04")) return "care_home";
    if (!strcmp(d, "20")) return "died";
    return "other";
}

typedef struct answer {
    char code[4];
    char text[600];
} answer;

static int say(answer *a, const char *code, const char *fmt, const char *arg)
{
    snprintf(a->code, sizeof a->code, "%s", code);
    snprintf(a->text, sizeof a->text, fmt, arg ? arg : "");
    return 0;
}

/* Apply one supported event; fills ans. A use case's refusal is an AE with
 * its message; a database error is returned. */
static int apply(app_ctx *c, const hl7_adt *a, int ev, answer *ans, ics_err *e)
{
    int64_t bed = 0, ref = 0, at = 0;
    int rc;
    if (a->event_time[0] && hl7_time_parse(a->event_time, &at, e)) return 0; /* checked before */
    char when[32] = "";
    if (at) tz_format_utc(at, when, sizeof when);
    if (ev == HL7_A08) return say(ans, "AA", "update received; no bed change%s", "");
    int transfer = ev == HL7_A02 || ev == HL7_A12;
    int undo = ev == HL7_A11 || ev == HL7_A13;
    if ((rc = store_hl7_location_bed(c->db, a->sending_facility, a->location.point_of_care,
                                     a->location.room, a->location.bed, &bed, e)))
        return rc;
    if (!bed) {
        char loc[160];
        snprintf(loc, sizeof loc, "%s^%s^%s", a->location.point_of_care, a->location.room,
                 a->location.bed);
        return say(ans, "AE", "PV1-3 location %s is not mapped to an icsflow bed", loc);
    }
    store_hl7_stage stage = ev == HL7_A01   ? STORE_HL7_AWAITING
                            : ev == HL7_A13 ? STORE_HL7_DISCHARGED
                                            : STORE_HL7_ADMITTED;
    if ((rc = store_hl7_referral_of(c->db, a->patient_id, stage, &ref, e))) return rc;
    if (!ref)
        return say(ans, "AE",
                   stage == STORE_HL7_AWAITING ? "patient %s has no bed referral awaiting admission"
                   : stage == STORE_HL7_DISCHARGED
                       ? "patient %s has no discharge from a community bed"
                       : "patient %s is not admitted to a community bed",
                   a->patient_id);
    if (undo) {
        /* PV1-3 must be the bed the admission or discharge being cancelled was in */
        int64_t cur = 0;
        if ((rc = store_hl7_referral_bed(c->db, ref, &cur, e))) return rc;
        if (cur != bed)
            return say(ans, "AE", "PV1-3 location is not the bed of patient %s", a->patient_id);
    }
    if (transfer) {
        /* PV1-6 must be where the patient is: the bed the transfer (or, for
         * A12, the transfer being cancelled) moves them from */
        int64_t prior = 0, cur = 0;
        if ((rc = store_hl7_location_bed(c->db, a->sending_facility, a->prior.point_of_care,
                                         a->prior.room, a->prior.bed, &prior, e)) ||
            (rc = store_hl7_referral_bed(c->db, ref, &cur, e)))
            return rc;
        if (!prior || prior != cur)
            return say(ans, "AE", "PV1-6 prior location is not the bed patient %s is in",
                       a->patient_id);
    }
    json_t *body =
        ev == HL7_A03 ? json_pack("{ss}", "destination", destination(a->disposition))
        : undo        ? json_pack("{ss}", "reason",
                           ev == HL7_A11 ? "ADT A11 cancel admit" : "ADT A13 cancel discharge")
                      : json_pack("{sI}", "bed_id", (json_int_t)bed);
    if (when[0] && !undo) json_object_set_new(body, "at", json_string(when));
    json_t *out = NULL;
    ics_err ue = {0};
    rc = ev == HL7_A01   ? app_beds_referral_admit(c, ref, body, &out, &ue)
         : ev == HL7_A03 ? app_beds_referral_discharge(c, ref, body, &out, &ue)
         : ev == HL7_A11 ? app_beds_referral_admit_cancel(c, ref, body, &out, &ue)
         : ev == HL7_A13 ? app_beds_referral_discharge_cancel(c, ref, body, &out, &ue)
                         : app_beds_referral_transfer(c, ref, body, &out, &ue);
    json_decref(body);
    json_decref(out);
    if (rc == ICS_EBUSY || rc == ICS_ERETRY || rc == ICS_EDB || rc == ICS_ENOMEM) {
        if (e) *e = ue;
        return rc;
    }
    if (rc) return say(ans, "AE", "%s", ue.msg);
    char done[64];
    snprintf(done, sizeof done, "bed referral %lld %s", (long long)ref,
             ev == HL7_A01   ? "admitted"
             : ev == HL7_A03 ? "discharged"
             : ev == HL7_A11 ? "admission cancelled"
             : ev == HL7_A13 ? "discharge cancelled"
                             : "moved to the bed in PV1-3");
    return say(ans, "AA", "%s", done);
}

int app_hl7_message(store *db, const char *text, size_t len, int64_t now, char *ack, char code[4])
{
    assert(db && ack && code);
    hl7_msg *m = NULL;
    hl7_adt a;
    memset(&a, 0, sizeof a);
    answer ans = {"AE", ""};
    ics_err e = {0};
    char stamp[16], ackid[40];
    {
        tz_local lt;
        tz_to_local(now, &lt);
        snprintf(stamp, sizeof stamp, "%04d%02d%02d%02d%02d%02d", lt.year, lt.month, lt.day,
                 lt.hour, lt.min, lt.sec);
    }
    int record = 0;
    if (hl7_parse(text, len, &m, &e) || hl7_adt_read(m, &a, &e)) {
        /* the fields read so far still address the ACK */
        say(&ans, "AE", "%s", e.msg);
    } else {
        char org[8] = "";
        int seen = 0;
        app_ctx c = {db, {NULL, "coordinator", ROLE_COORDINATOR, org, "hl7"}, now, 0, NULL, ""};
        char name[80];
        snprintf(name, sizeof name, "hl7:%s", a.sending_facility);
        c.who.name = name;
        int ev = hl7_adt_event(&a);
        int rc = app_begin(&c, &e);
        if (!rc) rc = store_hl7_facility_org(db, a.sending_facility, org, &e);
        if (!rc && !org[0])
            say(&ans, "AR", "sending facility (MSH-4) '%s' is not on this server's allow-list",
                a.sending_facility);
        else if (!rc)
            rc = store_hl7_message_find(db, a.sending_facility, a.control_id, &seen, ans.code,
                                        ans.text, &e);
        if (!rc && org[0] && !seen) {
            ics_err ce = {0};
            char type[24];
            snprintf(type, sizeof type, "%s^%s", a.message_type, a.trigger);
            if (ev < 0)
                say(&ans, "AR",
                    "message type %s is not supported (ADT A01, A02, A03, A08, A11, "
                    "A12, A13)",
                    type);
            else if (hl7_adt_check(&a, ev, &ce))
                say(&ans, "AE", "%s", ce.msg);
            else
                rc = apply(&c, &a, ev, &ans, &e);
            record = !rc;
        }
        if (!rc && record)
            rc = store_hl7_message_record(db, a.sending_facility, a.control_id,
                                          ev >= 0 ? event_names[ev] : a.trigger, ans.code, ans.text,
                                          now, &e);
        rc = app_end(&c, rc, &e);
        if (rc) say(&ans, "AE", "icsflow could not store the message (%s); send it again", e.msg);
    }
    snprintf(ackid, sizeof ackid, "ACK%lld", (long long)now);
    int n = hl7_ack_build(&a, ans.code, ans.text, stamp, ackid, ack, APP_HL7_ACK_MAX);
    if (n < 0) { /* the header fields were too long to echo: answer plainly */
        hl7_adt none;
        memset(&none, 0, sizeof none);
        n = hl7_ack_build(&none, ans.code, "the message header is too long to echo", stamp, ackid,
                          ack, APP_HL7_ACK_MAX);
    }
    snprintf(code, 4, "%s", ans.code);
    hl7_free(m);
    return n;
}

int app_hl7_locations_import(app_ctx *c, const char *path, int *count, ics_err *e)
{
    int rc = app_allow(c, &APP_HL7_LOCATIONS_IMPORT, e);
    if (rc) return rc;
    csv_doc *d = NULL;
    if ((rc = csv_read_file(path, &d, e))) return rc;
    static const char *const cols[] = {"facility",  "point_of_care", "room", "bed",
                                       "unit_code", "bed_code",      NULL};
    int ci[6];
    if (csv_columns(d, cols, ci, 1, e) || csv_unique(d, ci, 4, e)) {
        csv_free(d);
        return ICS_EINVAL;
    }
    problems pb;
    problems_init(&pb);
    json_t *rows = json_array();
    for (size_t r = 0; r < d->nrows; r++) {
        const char *const *row = (const char *const *)d->rows[r];
        if (!row[ci[0]][0] || !row[ci[1]][0] || !row[ci[3]][0])
            problems_add(&pb, "line %zu: facility, point_of_care and bed are required", d->line[r]);
        for (int k = 0; k < 4; k++)
            if (strlen(row[ci[k]]) > 30)
                problems_add(&pb, "line %zu: %s is longer than 30 characters", d->line[r], cols[k]);
        int64_t bed = 0;
        ics_err be = {0};
        if (store_hl7_bed_id(c->db, row[ci[4]], row[ci[5]], &bed, &be))
            problems_add(&pb, "line %zu: %s", d->line[r], be.msg);
        else if (!bed)
            problems_add(&pb, "line %zu: unit %s has no bed %s", d->line[r], row[ci[4]],
                         row[ci[5]]);
        json_array_append_new(rows,
                              json_pack("{ssssssssssss}", "facility", row[ci[0]], "point_of_care",
                                        row[ci[1]], "room", row[ci[2]], "bed", row[ci[3]],
                                        "unit_code", row[ci[4]], "bed_code", row[ci[5]]));
    }
    if (!d->nrows) problems_add(&pb, "%s has no locations", d->name);
    rc = problems_done(&pb, e);
    if (rc) ics_err_prefix(e, "%s: ", d->name);
    if (!rc) rc = app_begin(c, e);
    if (!rc) {
        rc = store_hl7_locations_replace(c->db, rows, e);
        json_t *after = json_pack("{sssi}", "file", d->name, "locations", (int)d->nrows);
        if (!rc)
            rc = app_record(c, &APP_HL7_LOCATIONS_IMPORT, "adt_locations", d->name, NULL, after,
                            "hl7.locations_imported", NULL,
                            json_pack("{si}", "locations", (int)d->nrows), e);
        json_decref(after);
        rc = app_end(c, rc, e);
    }
    if (!rc && count) *count = (int)d->nrows;
    json_decref(rows);
    csv_free(d);
    return rc;
}

int app_hl7_silent_minutes(void)
{
    const char *v = getenv("ICSFLOW_ADT_SILENT_MINUTES");
    long m = v ? strtol(v, NULL, 10) : 60;
    return m >= 1 && m <= 10080 ? (int)m : 60;
}

int app_hl7_feeds(app_ctx *c, json_t **out, ics_err *e)
{
    int rc = store_hl7_feeds(c->db, out, e);
    if (rc) return rc;
    int64_t quiet = (int64_t)app_hl7_silent_minutes() * 60;
    size_t i;
    json_t *f;
    json_array_foreach(*out, i, f)
    {
        json_t *last = json_object_get(f, "last_at");
        int silent = json_is_integer(last) && c->now - json_integer_value(last) > quiet;
        json_object_set_new(f, "silent", json_boolean(silent));
    }
    app_json_utc(*out, "last_at");
    return 0;
}

int app_hl7_notify_silent(app_ctx *c, ics_err *e)
{
    if (!(c->who.role_bit & ROLE_COORDINATOR)) return 0;
    json_t *feeds = NULL;
    int rc = store_hl7_feeds(c->db, &feeds, e);
    int64_t quiet = (int64_t)app_hl7_silent_minutes() * 60;
    size_t i;
    json_t *f;
    json_array_foreach(feeds, i, f)
    {
        if (rc) break;
        json_t *last = json_object_get(f, "last_at");
        if (!json_is_integer(last) || c->now - json_integer_value(last) <= quiet) continue;
        char when[32], oid[120], title[240];
        const char *fac = json_string_value(json_object_get(f, "facility"));
        const char *org = json_string_value(json_object_get(f, "org_code"));
        tz_format_utc(json_integer_value(last), when, sizeof when);
        /* one notification per silence: the object names the last message */
        snprintf(oid, sizeof oid, "%.60s/%lld", fac, (long long)json_integer_value(last));
        snprintf(title, sizeof title, "The ADT feed from %.60s (%s) has sent nothing since %s", fac,
                 org ? org : "?", when);
        rc = store_notify_user(c->db, c->who.name, "adt.silent", c->now, 0, "adt_feed", oid, title,
                               e);
    }
    json_decref(feeds);
    return rc;
}
