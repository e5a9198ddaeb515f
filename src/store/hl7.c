/* store/hl7.c - the HL7 v2 ADT feed's tables and queries, SQL only (see
 * store/hl7.h). What a message does is decided in src/app/hl7.c. */
#include "store/hl7.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

/* The feeds on the bed board come from these tables: they move the beds
 * version too (store/beds.c). */
static int hl7_version_triggers(store *s, ics_err *e)
{
    int rc = store_migrate_version_triggers(s, "beds", "hl7_messages", e);
    return rc ? rc : store_migrate_version_triggers(s, "beds", "adt_locations", e);
}

const store_migration store_schema_hl7[] = {
    {"hl7", 1,
     "CREATE TABLE adt_locations ("
     " facility TEXT NOT NULL, point_of_care TEXT NOT NULL, room TEXT NOT NULL,"
     " bed TEXT NOT NULL, unit_code TEXT NOT NULL REFERENCES units(unit_code),"
     " bed_code TEXT NOT NULL, PRIMARY KEY (facility, point_of_care, room, bed));"
     "CREATE TABLE hl7_messages ("
     " facility TEXT NOT NULL, control_id TEXT NOT NULL, event TEXT NOT NULL,"
     " ack_code TEXT NOT NULL, ack_text TEXT NOT NULL, received_at INTEGER NOT NULL,"
     " PRIMARY KEY (facility, control_id));",
     NULL},
    {"hl7", 2, NULL, hl7_version_triggers},
    {NULL, 0, NULL, NULL}};

int store_hl7_locations_replace(store *s, const json_t *rows, ics_err *e)
{
    assert(store_tx_depth(s) > 0); /* all or nothing */
    int rc = store_exec(s, "DELETE FROM adt_locations", e);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (rc) break;
        json_t *p = json_pack("[OOOOOO]", json_object_get(r, "facility"),
                              json_object_get(r, "point_of_care"), json_object_get(r, "room"),
                              json_object_get(r, "bed"), json_object_get(r, "unit_code"),
                              json_object_get(r, "bed_code"));
        rc = p ? store_exec_params(s,
                                   "INSERT INTO adt_locations (facility, point_of_care, room, bed,"
                                   " unit_code, bed_code) VALUES (?, ?, ?, ?, ?, ?)",
                                   p, e)
               : ics_err_set(e, ICS_EINTERNAL, "location row %zu is incomplete", i);
        json_decref(p);
    }
    return rc;
}

int store_hl7_bed_id(store *s, const char *unit, const char *bed, int64_t *id, ics_err *e)
{
    json_t *p = json_pack("[ss]", unit, bed);
    int rc = store_query_int(s, "SELECT bed_id FROM beds WHERE unit_code = ? AND bed_code = ?", p,
                             0, id, e);
    json_decref(p);
    return rc;
}

int store_hl7_facility_org(store *s, const char *facility, char org[8], ics_err *e)
{
    json_t *p = json_pack("[s]", facility), *row = NULL;
    org[0] = '\0';
    int rc = store_query_one(s,
                             "SELECT t.org_code FROM adt_locations a"
                             " JOIN units u ON u.unit_code = a.unit_code"
                             " JOIN sites t ON t.site_code = u.site_code"
                             " WHERE a.facility = ? ORDER BY t.org_code LIMIT 1",
                             p, &row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) {
        if (e) memset(e, 0, sizeof *e);
        return 0;
    }
    if (rc) return rc;
    snprintf(org, 8, "%s", json_string_value(json_object_get(row, "org_code")));
    json_decref(row);
    return 0;
}

int store_hl7_location_bed(store *s, const char *facility, const char *poc, const char *room,
                           const char *bed, int64_t *bed_id, ics_err *e)
{
    json_t *p = json_pack("[ssss]", facility, poc, room, bed);
    int rc = store_query_int(s,
                             "SELECT b.bed_id FROM adt_locations a JOIN beds b"
                             " ON b.unit_code = a.unit_code AND b.bed_code = a.bed_code"
                             " WHERE a.facility = ? AND a.point_of_care = ? AND a.room = ?"
                             " AND a.bed = ?",
                             p, 0, bed_id, e);
    json_decref(p);
    return rc;
}

int store_hl7_referral_of(store *s, const char *nhs, store_hl7_stage stage, int64_t *id, ics_err *e)
{
    static const char *const sql[] = {
        "SELECT referral_id FROM bed_referrals WHERE nhs_number = ?"
        " AND state IN ('offered', 'accepted') ORDER BY referral_id DESC LIMIT 1",
        "SELECT referral_id FROM bed_referrals WHERE nhs_number = ?"
        " AND state = 'admitted' ORDER BY referral_id DESC LIMIT 1",
        "SELECT referral_id FROM bed_referrals WHERE nhs_number = ?"
        " AND state = 'discharged' ORDER BY discharged_at DESC, referral_id DESC LIMIT 1"};
    json_t *p = json_pack("[s]", nhs);
    int rc = store_query_int(s, sql[stage], p, 0, id, e);
    json_decref(p);
    return rc;
}

int store_hl7_referral_bed(store *s, int64_t ref, int64_t *bed, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)ref);
    int rc = store_query_int(
        s, "SELECT COALESCE(bed_id, 0) FROM bed_referrals WHERE referral_id = ?", p, 0, bed, e);
    json_decref(p);
    return rc;
}

int store_hl7_feeds(store *s, json_t **rows, ics_err *e)
{
    return store_query_json(s,
                            "SELECT f.facility, (SELECT MIN(t.org_code) FROM adt_locations a"
                            " JOIN units u ON u.unit_code = a.unit_code"
                            " JOIN sites t ON t.site_code = u.site_code"
                            " WHERE a.facility = f.facility) AS org_code,"
                            " (SELECT MAX(m.received_at) FROM hl7_messages m"
                            " WHERE m.facility = f.facility) AS last_at"
                            " FROM (SELECT DISTINCT facility FROM adt_locations) f"
                            " ORDER BY f.facility",
                            NULL, rows, e);
}

int store_hl7_message_find(store *s, const char *facility, const char *control_id, int *seen,
                           char code[4], char text[600], ics_err *e)
{
    json_t *p = json_pack("[ss]", facility, control_id), *row = NULL;
    *seen = 0;
    int rc = store_query_one(s,
                             "SELECT ack_code, ack_text FROM hl7_messages"
                             " WHERE facility = ? AND control_id = ?",
                             p, &row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) {
        if (e) memset(e, 0, sizeof *e);
        return 0;
    }
    if (rc) return rc;
    *seen = 1;
    snprintf(code, 4, "%s", json_string_value(json_object_get(row, "ack_code")));
    snprintf(text, 600, "%s", json_string_value(json_object_get(row, "ack_text")));
    json_decref(row);
    return 0;
}

int store_hl7_message_record(store *s, const char *facility, const char *control_id,
                             const char *event, const char *code, const char *text, int64_t at,
                             ics_err *e)
{
    json_t *p = json_pack("[sssssI]", facility, control_id, event, code, text, (json_int_t)at);
    int rc = store_exec_params(s,
                               "INSERT INTO hl7_messages (facility, control_id, event, ack_code,"
                               " ack_text, received_at) VALUES (?, ?, ?, ?, ?, ?)"
                               " ON CONFLICT (facility, control_id) DO NOTHING",
                               p, e);
    json_decref(p);
    return rc;
}
