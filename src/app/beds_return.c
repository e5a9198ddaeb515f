/* app/beds_return.c - the community bed return: one row per community bed
 * unit, in the shape of NHS England's community discharge sitrep and a bed
 * vacancy return, so a trust that keeps its beds in icsflow submits from
 * here (docs/beds.md names the source of every column). The bed figures
 * are the bed board's (app_beds_board), so the return and the board
 * cannot disagree; stays, discharges and admissions come from the stays.
 * A row built wholly or partly from synthetic data says so. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "app/beds.h"
#include "core/jget.h"
#include "core/tz.h"
#include "store/beds.h"

const app_use APP_BEDS_RETURN = {"beds.return", ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST,
                                 APP_SCOPE_ICS};

/* The columns, in file order. */
static const char *const columns[] = {"period",
                                      "org_code",
                                      "org_name",
                                      "site_code",
                                      "unit_code",
                                      "unit_name",
                                      "bed_type",
                                      "beds_total",
                                      "beds_open",
                                      "beds_occupied",
                                      "beds_available",
                                      "beds_reserved",
                                      "beds_closed",
                                      "patients_los_14plus",
                                      "patients_los_21plus",
                                      "patients_not_meeting_criteria_to_reside",
                                      "admissions",
                                      "discharges",
                                      "discharges_home",
                                      "discharges_care_home",
                                      "discharges_acute_readmission",
                                      "discharges_died",
                                      "discharges_other",
                                      "snapshot_at",
                                      "data_origin",
                                      NULL};

#define DAY 86400

typedef struct flows {
    int los14, los21, nctr, admissions, discharges, home, care_home, readmit, died, other;
    int synthetic;
} flows;

/* 1 when stay s began with a transfer: another stay of its referral in
 * the list ended as a transfer when s began. */
static int transferred_in(const json_t *stays, const json_t *s)
{
    int64_t ref = jget_int(s, "referral_id", 0), in = jget_int(s, "admitted_at", 0);
    size_t i;
    json_t *o;
    json_array_foreach(stays, i, o)
    {
        if (o != s && ref && jget_int(o, "referral_id", 0) == ref &&
            jget_int(o, "discharged_at", 0) == in &&
            !strcmp(jget_str(o, "destination", ""), "transfer"))
            return 1;
    }
    return 0;
}

/* Count one stay into its unit's figures: open stays (now) give length of
 * stay and criteria to reside; stays admitted or ended in [from, to) give
 * the day's flows. A transfer between beds ends one stay and begins
 * another, but is neither a discharge nor an admission. */
static void count_stay(const json_t *stays, const json_t *s, int64_t from, int64_t to, int64_t now,
                       int64_t today, int snapshot, flows *f)
{
    int64_t in = jget_int(s, "admitted_at", 0), out = jget_int(s, "discharged_at", 0);
    const char *dest = jget_str(s, "destination", "");
    int counted = 0;
    if (snapshot && !out) {
        f->los14 += now - in >= 14 * DAY;
        f->los21 += now - in >= 21 * DAY;
        int64_t ready = 0;
        const char *rd = jget_str(s, "ready_day", "");
        if (*rd && !tz_parse_date(rd, &ready, NULL) && ready <= today) f->nctr++;
        counted = 1;
    }
    if (in >= from && in < to && !transferred_in(stays, s)) {
        f->admissions++;
        counted = 1;
    }
    if (out >= from && out < to && strcmp(dest, "transfer") != 0) {
        f->discharges++;
        if (!strcmp(dest, "home") || !strcmp(dest, "home_with_support"))
            f->home++;
        else if (!strcmp(dest, "care_home"))
            f->care_home++;
        else if (!strcmp(dest, "acute_readmission"))
            f->readmit++;
        else if (!strcmp(dest, "died"))
            f->died++;
        else
            f->other++;
        counted = 1;
    }
    if (counted && jget_int(s, "synthetic", 0)) f->synthetic = 1;
}

static json_t *num(int snapshot, json_t *v)
{
    if (snapshot) return json_incref(v ? v : json_null());
    return json_null();
}

int app_beds_return_community(app_ctx *c, int64_t day, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_RETURN, e);
    if (rc) return rc;
    int64_t today = tz_local_date(c->now);
    if (day > today) return ics_err_set(e, ICS_EINVAL, "day: a return is for today or a past day");
    int y, m, d;
    int64_t from, to;
    tz_civil_from_days(day, &y, &m, &d);
    if ((rc = tz_local_to_utc(y, m, d, 0, 0, 0, &from, e))) return rc;
    tz_civil_from_days(day + 1, &y, &m, &d);
    if ((rc = tz_local_to_utc(y, m, d, 0, 0, 0, &to, e))) return rc;
    int snapshot = day == today; /* bed states exist only now */
    json_t *board = NULL, *units = NULL, *stays = NULL;
    rc = app_beds_board(c, 24, 1, &board, e);
    if (!rc) rc = store_beds_return_units(c->db, &units, e);
    if (!rc) rc = store_beds_return_stays(c->db, from, to, &stays, e);
    json_t *rows = rc ? NULL : json_array();
    char period[16], snap[32] = "";
    tz_format_date(day, period, sizeof period);
    if (snapshot) tz_format(c->now, snap, sizeof snap);
    size_t i, j;
    json_t *u, *s;
    json_array_foreach(rc ? NULL : json_object_get(board, "units"), i, u)
    {
        const char *code = jget_str(u, "unit_code", "");
        const json_t *info = NULL;
        json_array_foreach(units, j, s) if (!strcmp(jget_str(s, "unit_code", ""), code))
        {
            info = s;
            break;
        }
        assert(info); /* the board lists units of the units table */
        if (!info) continue;
        flows f = {0};
        json_array_foreach(stays, j, s) if (!strcmp(jget_str(s, "unit_code", ""), code))
            count_stay(stays, s, from, to, c->now, today, snapshot, &f);
        /* a unit whose beds the seed made has a synthetic history, so even
         * a past day's zero counts come from it */
        if (jget_int(info, "seeded_beds", 0) > 0) f.synthetic = 1;
        json_int_t beds = jget_int(u, "beds", 0), closed = jget_int(u, "closed", 0);
        json_t *row =
            json_pack("{sssssssssssssssosososososososo}", "period", period, "org_code",
                      jget_str(info, "org_code", ""), "org_name", jget_str(info, "org_name", ""),
                      "site_code", jget_str(info, "site_code", ""), "unit_code", code, "unit_name",
                      jget_str(u, "name", ""), "bed_type", jget_str(u, "bed_type", ""),
                      "beds_total", num(snapshot, json_object_get(u, "beds")), "beds_open",
                      snapshot ? json_integer(beds - closed) : json_null(), "beds_occupied",
                      num(snapshot, json_object_get(u, "occupied")), "beds_available",
                      num(snapshot, json_object_get(u, "available")), "beds_reserved",
                      num(snapshot, json_object_get(u, "reserved")), "beds_closed",
                      num(snapshot, json_object_get(u, "closed")), "patients_los_14plus",
                      snapshot ? json_integer(f.los14) : json_null(), "patients_los_21plus",
                      snapshot ? json_integer(f.los21) : json_null());
        json_object_set_new(row, "patients_not_meeting_criteria_to_reside",
                            snapshot ? json_integer(f.nctr) : json_null());
        json_object_set_new(row, "admissions", json_integer(f.admissions));
        json_object_set_new(row, "discharges", json_integer(f.discharges));
        json_object_set_new(row, "discharges_home", json_integer(f.home));
        json_object_set_new(row, "discharges_care_home", json_integer(f.care_home));
        json_object_set_new(row, "discharges_acute_readmission", json_integer(f.readmit));
        json_object_set_new(row, "discharges_died", json_integer(f.died));
        json_object_set_new(row, "discharges_other", json_integer(f.other));
        json_object_set_new(row, "snapshot_at", snapshot ? json_string(snap) : json_null());
        json_object_set_new(row, "data_origin", json_string(f.synthetic ? "synthetic" : "icsflow"));
        json_array_append_new(rows, row);
    }
    json_decref(board);
    json_decref(units);
    json_decref(stays);
    if (rc) return rc;
    json_t *cols = json_array();
    for (int k = 0; columns[k]; k++) json_array_append_new(cols, json_string(columns[k]));
    *out = json_pack("{sssbsoso}", "period", period, "snapshot", snapshot, "columns", cols, "rows",
                     rows);
    return 0;
}
