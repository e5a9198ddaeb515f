/* app/beds.c - use cases of the community bed bureau: the board, length of
 * stay and matching; bed referrals and their lifecycle; bed status and unit
 * confirmation; CSV imports and the synthetic history (also the first-start
 * seed step). Each write is one transaction that ends with one audit record
 * (action = the use case's name) and its change events: the referral's
 * bed_referral.* event, plus a bed.status event for every bed it moves.
 *
 * Offers stay exactly-one-winner: the bed moves available -> reserved with a
 * conditional UPDATE inside the writer's transaction (BEGIN IMMEDIATE), so
 * of simultaneous offers of one bed only the first finds it available. */
#include "app/beds.h"
#include "app/page.h"
#include "app/hl7.h"

#include <assert.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ics.h"
#include "app/seed.h"
#include "beds/beds.h"
#include "core/geo.h"
#include "core/jget.h"
#include "core/tz.h"
#include "core/valid.h"
#include "store/beds.h"

#define R_READ  (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST)
#define R_ACT   (ROLE_ADMIN | ROLE_COORDINATOR)
#define R_REFER (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_CLINICIAN)

const app_use APP_BEDS_BOARD = {"beds.board", R_READ, APP_SCOPE_ICS};
const app_use APP_BEDS_LOS = {"beds.los", R_READ, APP_SCOPE_ICS};
const app_use APP_BEDS_MATCH = {"beds.match", R_ACT, APP_SCOPE_ICS};
/* a referral belongs to its referring organisation (owner) */
const app_use APP_BEDS_REFERRAL_LIST = {"beds.referral.list", R_REFER, APP_SCOPE_OWN_ORG};
const app_use APP_BEDS_REFERRAL_GET = {"beds.referral.get", R_REFER, APP_SCOPE_OWN_ORG};
const app_use APP_BEDS_REFERRAL_CREATE = {"beds.referral.create", R_REFER, APP_SCOPE_OWN_ORG};
/* the lifecycle: the referring organisation and the bed's trust are parties */
const app_use APP_BEDS_REFERRAL_RANK = {"beds.referral.rank", R_ACT, APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_OFFER = {"beds.referral.offer", R_ACT, APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_ACCEPT = {"beds.referral.accept", R_ACT, APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_REJECT_OFFER = {"beds.referral.reject_offer", R_ACT,
                                                APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_ADMIT = {"beds.referral.admit", R_ACT, APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_DISCHARGE = {"beds.referral.discharge", R_ACT, APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_TRANSFER = {"beds.referral.transfer", R_ACT, APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_ADMIT_CANCEL = {"beds.referral.admit_cancel", R_ACT,
                                                APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_DISCHARGE_CANCEL = {"beds.referral.discharge_cancel", R_ACT,
                                                    APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_DECLINE = {"beds.referral.decline", R_ACT, APP_SCOPE_PARTY};
const app_use APP_BEDS_REFERRAL_CANCEL = {"beds.referral.cancel", R_ACT, APP_SCOPE_PARTY};
const app_use APP_BEDS_BED_LIST = {"beds.bed.list", R_READ, APP_SCOPE_ICS};
const app_use APP_BEDS_BED_GET = {"beds.bed.get", R_READ, APP_SCOPE_ICS};
/* a bed and a unit belong to the trust that runs the unit's site */
const app_use APP_BEDS_BED_STATUS = {"beds.bed.status", R_ACT, APP_SCOPE_OWN_ORG};
const app_use APP_BEDS_UNIT_CONFIRM = {"beds.unit.confirm", R_ACT, APP_SCOPE_OWN_ORG};
const app_use APP_BEDS_IMPORT_SNAPSHOT = {"beds.import.snapshot", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_BEDS_IMPORT_STAYS = {"beds.import.stays", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_BEDS_GENERATE = {"beds.generate", ROLE_ADMIN, APP_SCOPE_ICS};

#define SEED_DEFAULT 20260101u
#define SEED_DAYS    365
#define MAX_PROBLEMS 10 /* row problems named in one import error */

static const char *const destinations[] = {
    "home", "home_with_support", "care_home", "acute_readmission", "died", "other", NULL};

/* ---- small helpers ------------------------------------------------------ */

static int known_destination(const char *d)
{
    for (int i = 0; d && destinations[i]; i++)
        if (!strcmp(d, destinations[i])) return 1;
    return 0;
}

/* Integer instants in columns ending "_at" become London ISO times. */
static void iso_times(json_t *row)
{
    const char *k;
    json_t *v;
    json_object_foreach(row, k, v)
    {
        size_t n = strlen(k);
        if (n > 3 && strcmp(k + n - 3, "_at") == 0 && json_is_integer(v)) {
            char buf[32];
            tz_format(json_integer_value(v), buf, sizeof buf);
            json_object_set_new(row, k, json_string(buf));
        }
    }
}

/* An optional time field of a body: 0 when absent. */
static void body_time(const json_t *body, const char *k, int64_t *out, problems *bad)
{
    *out = 0;
    json_t *v = json_object_get(body, k);
    ics_err ve = {0};
    if (!v || json_is_null(v)) return;
    if (!json_is_string(v))
        problems_add(bad, "%s: must be a time such as 2026-03-01T10:00", k);
    else if (tz_parse(json_string_value(v), out, &ve))
        problems_add(bad, "%s: %s", k, ve.msg);
}

/* An optional positive id field of a body: 0 when absent. */
static void body_id(const json_t *body, const char *k, int required, int64_t *out, problems *bad)
{
    json_t *v = json_object_get(body, k);
    *out = json_is_integer(v) ? json_integer_value(v) : 0;
    if ((v || required) && *out < 1) problems_add(bad, "%s: must be a bed id (a whole number)", k);
}

/* Commit or roll back; a change that did not commit returns no object. */
static int end(app_ctx *c, int rc, json_t **out, ics_err *e)
{
    rc = app_end(c, rc, e);
    if (rc && out && *out) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* 1 from a conditional store update -> 0; 0 (row not in the expected
 * state: another writer got there first) -> ICS_ECONFLICT. */
static int changed(int rc, const char *what, int64_t id, ics_err *e)
{
    if (rc == 1) return 0;
    if (rc == 0)
        return ics_err_set(e, ICS_ECONFLICT, "%s %lld changed meanwhile", what, (long long)id);
    return rc;
}

/* ---- beds and their events ---------------------------------------------- */

/* bed.status: the bed, its unit and trust, the move (from NULL: a new bed). */
static int bed_event(app_ctx *c, const beds_bed_row *b, const char *from, const char *to,
                     const char *closure, int64_t ref, ics_err *e)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)b->id);
    const char *orgs[] = {b->org, NULL};
    json_t *p = json_pack("{sIssssssss}", "bed_id", (json_int_t)b->id, "bed_code", b->code,
                          "unit_code", b->unit, "org", b->org, "status", to);
    assert(p);
    if (from) json_object_set_new(p, "from", json_string(from));
    if (closure && *closure) json_object_set_new(p, "closure", json_string(closure));
    if (ref) json_object_set_new(p, "referral_id", json_integer(ref));
    return app_emit(c, "bed.status", "bed", ids, orgs, p, e);
}

/* Move a bed (only if it is still in `from`) and announce it: 1 moved, 0
 * not in `from`, or a negative code. */
static int bed_move(app_ctx *c, const beds_bed_row *b, const char *from, const char *to,
                    int64_t ref, const char *note, ics_err *e)
{
    int rc = store_beds_bed_move(c->db, c->who.name, b->id, from, to, ref, note, c->now, e);
    if (rc != 1) return rc;
    int er = bed_event(c, b, from, to, NULL, ref, e);
    return er ? er : 1;
}

static int bed_not_free(const beds_bed_row *b, ics_err *e)
{
    if (strcmp(b->status, "closed") == 0)
        return ics_err_set(e, ICS_ECONFLICT, "bed %s is closed (%s)", b->code, b->closure);
    return ics_err_set(e, ICS_ECONFLICT, "bed %s is %s, not available", b->code, b->status);
}

/* Whether the bed's unit can serve the patient (type, sex of unit and bay),
 * whatever the bed's status; pooled policy. ICS_EINVAL with the reason. */
static int bed_suits(store *s, const beds_referral *r, int64_t bed, ics_err *e)
{
    beds_data *d;
    int rc = store_beds_load(s, BEDS_LOAD_BOARD, &d, e);
    if (rc) return rc;
    for (size_t i = 0; i < d->nbeds; i++) {
        if (d->beds[i].id != bed) continue;
        d->beds[i].status = BEDS_AVAILABLE;
        beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
        beds_unit_count *cnt = calloc(d->nunits ? d->nunits : 1, sizeof *cnt);
        if (!cnt) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            break;
        }
        beds_board_count(&b, 0, 0, cnt);
        beds_match_opts o;
        beds_match_opts_default(&o, 0);
        beds_option opt;
        beds_option_cost(&b, cnt, r, (int)i, &o, &opt);
        free(cnt);
        if (opt.why != BEDS_WHY_OK) {
            char why[256];
            beds_option_explain(&b, r, &opt, why, sizeof why);
            rc = ics_err_set(e, ICS_EINVAL, "bed %s cannot take this patient: %s", d->beds[i].code,
                             why);
        }
        break;
    }
    store_beds_data_free(d);
    return rc;
}

/* The bed as the API shows it: ISO times and its HL7 v2 0116 code. */
static void bed_view(json_t *row)
{
    beds_status st = BEDS_AVAILABLE;
    beds_closure cl = BEDS_CLOSE_NONE;
    beds_status_parse(jget_str(row, "status", ""), &st, NULL);
    beds_closure_parse(jget_str(row, "closure", ""), &cl, NULL);
    char code[2] = {beds_status_hl7(st, cl), 0};
    json_object_set_new(row, "hl7_0116", json_string(code));
    json_object_set_new(row, "side_room", json_boolean(jget_int(row, "side_room", 0) == 1));
    iso_times(row);
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(row, "history"), i, h) iso_times(h);
}

/* ---- referrals ---------------------------------------------------------- */

/* The row as the API shows it: ISO times, home coordinates and the unit's
 * organisation dropped, waiting days (referral to admission, or to now). */
static json_t *ref_view(json_t *row, int64_t now)
{
    int64_t from = jget_int(row, "referred_at", 0);
    json_t *adm = json_object_get(row, "admitted_at");
    int64_t to = json_is_integer(adm) ? json_integer_value(adm) : now;
    json_object_set_new(row, "wait_days", json_real((double)(to - from) / 86400.0));
    json_object_del(row, "home_lat");
    json_object_del(row, "home_lon");
    json_object_del(row, "unit_org");
    json_object_set_new(row, "synthetic", json_boolean(jget_int(row, "synthetic", 0)));
    iso_times(row);
    return row;
}

/* A referral loaded for a use case: its view (the audit's "before"), its
 * engine form, state, bed, admission time and parties. */
typedef struct ref_info {
    json_t *row;
    beds_referral r;
    beds_ref_state state;
    int64_t bed, admitted_at;
    char ids[32], org[16], unit_org[16];
} ref_info;

/* A referral is its patient's place's ICS's. The caller must see that ICS
 * or the ICS of the unit it is placed in (a referral across a boundary);
 * else it is not found. What the use case records is tagged with it. */
static int ref_ics(app_ctx *c, const json_t *row, const char *ids, ics_err *e)
{
    char ics[STORE_ICS_CODE] = "", uics[16] = "";
    app_ics_set vis;
    int rc = store_ics_place_of(c->db, jget_str(row, "place_code", ""), ics, e);
    if (!rc) rc = app_ics_visible(c, &vis, e);
    if (rc) return rc;
    if (!ics[0]) snprintf(ics, sizeof ics, "%s", APP_ICS_DEFAULT);
    app_ics_here(c, ics);
    if (app_ics_set_has(&vis, ics)) return 0;
    const char *unit = jget_str(row, "unit_code", "");
    if (*unit && !(rc = store_beds_unit_ics(c->db, unit, uics, e)) && app_ics_set_has(&vis, uics))
        return 0;
    return rc ? rc : ics_err_set(e, ICS_ENOTFOUND, "no bed referral '%s'", ids);
}

/* A bed referral crosses an ICS boundary (its patient's ICS to the bed's
 * unit's) only where both ICSs allow it (their cross_ics setting): 409. */
static int ref_boundary(app_ctx *c, const json_t *row, const char *unit, ics_err *e)
{
    char ics[STORE_ICS_CODE] = "", uics[16] = "";
    int rc = store_ics_place_of(c->db, jget_str(row, "place_code", ""), ics, e), yes = 1;
    if (!rc) rc = store_beds_unit_ics(c->db, unit, uics, e);
    if (!rc && ics[0] && uics[0]) rc = app_ics_cross_allowed(c, ics, uics, &yes, e);
    if (!rc && !yes)
        rc = ics_err_set(e, ICS_ECONFLICT,
                         "unit %s is in ICS %s and the patient's place in ICS %s: bed referrals "
                         "cross an ICS boundary only where both ICSs allow it (PUT "
                         "/api/v1/ics/{code}/settings {\"cross_ics\": true})",
                         unit, uics, ics);
    return rc;
}

static int ref_load(app_ctx *c, const app_use *u, int64_t id, ref_info *ri, ics_err *e)
{
    memset(ri, 0, sizeof *ri);
    json_t *row;
    int rc = store_beds_referral_row(c->db, id, &row, e);
    if (rc) return rc;
    snprintf(ri->ids, sizeof ri->ids, "%lld", (long long)id);
    snprintf(ri->org, sizeof ri->org, "%s", jget_str(row, "referring_org", ""));
    snprintf(ri->unit_org, sizeof ri->unit_org, "%s", jget_str(row, "unit_org", ""));
    const char *parties[] = {ri->org, ri->unit_org, NULL};
    if ((rc = app_scope_check(c, u, parties, "bed referral", ri->ids, e)) ||
        (rc = ref_ics(c, row, ri->ids, e))) {
        json_decref(row);
        return rc;
    }
    store_beds_referral_from_row(row, &ri->r);
    beds_ref_state_parse(jget_str(row, "state", ""), &ri->state, NULL);
    ri->bed = jget_int(row, "bed_id", 0);
    ri->admitted_at = jget_int(row, "admitted_at", 0);
    ri->row = ref_view(row, c->now);
    return 0;
}

static void ref_done(ref_info *ri)
{
    json_decref(ri->row);
    ri->row = NULL;
}

static int illegal(const ref_info *ri, const char *what, ics_err *e)
{
    return ics_err_set(e, ICS_ECONFLICT, "bed referral %s is %s: it cannot be %s", ri->ids,
                       beds_ref_state_name(ri->state), what);
}

/* The tail of every referral write: read it back, audit before/after and
 * announce the event to the referring organisation and the bed's trust. */
static int ref_record(app_ctx *c, const app_use *u, const ref_info *ri, const char *event,
                      json_t **out, ics_err *e)
{
    assert(store_tx_depth(c->db) > 0);
    json_t *row;
    int rc = store_beds_referral_row(c->db, ri->r.id, &row, e);
    if (rc) return rc;
    char org[16], uorg[16];
    snprintf(org, sizeof org, "%s", jget_str(row, "referring_org", ""));
    snprintf(uorg, sizeof uorg, "%s",
             *jget_str(row, "unit_org", "") ? jget_str(row, "unit_org", "") : ri->unit_org);
    const char *orgs[] = {org, uorg, NULL};
    json_t *p = json_pack("{sIss}", "referral_id", (json_int_t)ri->r.id, "state",
                          jget_str(row, "state", ""));
    if (jget_int(row, "bed_id", 0)) {
        json_object_set_new(p, "bed_id", json_integer(jget_int(row, "bed_id", 0)));
        json_object_set_new(p, "unit_code", json_string(jget_str(row, "unit_code", "")));
    }
    ref_view(row, c->now);
    rc = app_record(c, u, "bed_referral", ri->ids, ri->row, row, event, orgs, p, e);
    if (rc) {
        json_decref(row);
        return rc;
    }
    *out = row;
    return 0;
}

/* Release the bed a referral holds (reserved) back to available. */
static int release(app_ctx *c, const ref_info *ri, const char *note, ics_err *e)
{
    if (!ri->bed) return 0;
    beds_bed_row b;
    int rc = store_beds_bed_find(c->db, ri->bed, &b, e);
    if (!rc) rc = bed_move(c, &b, "reserved", "available", 0, note, e);
    return rc < 0 ? rc : 0;
}

typedef struct ref_lister {
    const char *state, *org, *ics;
    int64_t limit, offset, after, total;
    json_t *rows;
} ref_lister;

/* The page (app_read_audited's read) and what the record of its read
 * keeps: the filters and how many referrals it showed. */
static int ref_list_read(app_ctx *c, void *arg, json_t **detail, ics_err *e)
{
    ref_lister *l = arg;
    int rc = store_beds_referral_list(c->db, l->state, l->org, l->ics, l->limit, l->offset,
                                      l->after, &l->rows, &l->total, e);
    if (rc) return rc;
    *detail = json_pack("{s:s?,s:I,s:I,s:I,s:I}", "state", l->state, "limit", (json_int_t)l->limit,
                        "offset", (json_int_t)l->offset, "after", (json_int_t)l->after, "count",
                        (json_int_t)json_array_size(l->rows));
    return *detail ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory");
}

int app_beds_referral_list(app_ctx *c, const char *state, int64_t limit, int64_t offset,
                           int64_t after, const char *next_base, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_LIST, e);
    if (rc) return rc;
    beds_ref_state st;
    if (state && beds_ref_state_parse(state, &st, e)) return ICS_EINVAL;
    assert(limit >= 1 && offset >= 0 && after >= 0);
    /* scope: an organisation-bound role lists its own organisation's */
    const char *org = app_sees_ics(c) ? NULL : c->who.org;
    /* one ICS's queue: its patients' (?ics=, default the home ICS) */
    char ics[STORE_ICS_CODE];
    if ((rc = app_ics_one(c, ics, e))) return rc;
    /* the rows carry NHS numbers: read in a snapshot, then one record of
     * the page before it is sent */
    ref_lister l = {state, org, ics, limit, offset, after, 0, NULL};
    if ((rc = app_read_audited(c, "read.bed_referral", "bed_referral", NULL, ref_list_read, &l,
                               e))) {
        json_decref(l.rows);
        return rc;
    }
    size_t i;
    json_t *r;
    json_array_foreach(l.rows, i, r) ref_view(r, c->now);
    json_t *page = json_pack("{s:o, s:I, s:I, s:I}", "items", l.rows, "total", (json_int_t)l.total,
                             "limit", (json_int_t)limit, "offset", (json_int_t)offset);
    if (!page) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    app_page_next_json(page, "referral_id", limit, next_base);
    *out = page;
    return 0;
}

int app_beds_referral_get(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_GET, e);
    if (rc) return rc;
    ref_info ri;
    if ((rc = ref_load(c, &APP_BEDS_REFERRAL_GET, id, &ri, e))) return rc;
    if ((rc = app_audit_read(c, "read.bed_referral", "bed_referral", ri.ids, NULL, e))) {
        ref_done(&ri);
        return rc;
    }
    *out = ri.row;
    return 0;
}

int app_beds_referral_create(app_ctx *c, const json_t *body, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_CREATE, e);
    if (rc) return rc;
    problems bad;
    problems_init(&bad);
    char nhs[11] = "", pc[9] = "", district[5] = "", org[16] = "";
    ics_err ve = {0};
    if (valid_nhs_number(jget_str(body, "nhs_number", ""), nhs, &ve))
        problems_add(&bad, "nhs_number: %s", ve.msg);
    json_int_t age = jget_int(body, "age", 0);
    if (!json_is_integer(json_object_get(body, "age")) || age < 0 || age > 130)
        problems_add(&bad, "age: must be a whole number from 0 to 130");
    const char *sex = jget_str(body, "sex", "");
    if (strcmp(sex, "M") && strcmp(sex, "F") && strcmp(sex, "U"))
        problems_add(&bad, "sex: '%s' is not M, F or U", sex);
    beds_type t = 0;
    if (beds_type_parse(jget_str(body, "bed_type", ""), &t, &ve))
        problems_add(&bad, "bed_type: %s", ve.msg);
    else if (json_is_integer(json_object_get(body, "age")) && age >= 0 &&
             age < beds_type_min_age(t))
        problems_add(&bad,
                     "age: %lld is under %d; %s beds are adult beds (%d and over), so refer a "
                     "child to paediatric services",
                     (long long)age, beds_type_min_age(t), beds_type_name(t), beds_type_min_age(t));
    json_int_t prio = jget_int(body, "priority", 0);
    if (prio < 1 || prio > 3) problems_add(&bad, "priority: must be 1 (urgent), 2 or 3 (routine)");
    int64_t earliest = c->now;
    const char *et = json_string_value(json_object_get(body, "earliest_transfer"));
    if (et && tz_parse(et, &earliest, &ve)) problems_add(&bad, "earliest_transfer: %s", ve.msg);
    const char *notes = json_string_value(json_object_get(body, "notes"));
    if (notes && strlen(notes) > 2000) problems_add(&bad, "notes: longer than 2000 characters");
    /* home: postcode -> district -> place and coordinates */
    json_t *home = NULL;
    if (valid_postcode(jget_str(body, "postcode", ""), pc, &ve)) {
        problems_add(&bad, "postcode: %s", ve.msg);
    } else {
        valid_postcode_outward(pc, district);
        /* a district outside the directory is a problem below; a failed
         * read is an error, never taken for "not found" */
        if ((rc = store_beds_district(c->db, district, &home, e)) == ICS_ENOTFOUND) rc = 0;
    }
    const char *place = json_string_value(json_object_get(body, "place_code"));
    if (!place && home) place = jget_str(home, "place_code", "");
    if (!place && *pc)
        problems_add(&bad,
                     "postcode: district %s is not in the ICS directory; give place_code for the "
                     "patient's borough",
                     district);
    int have = 1;
    if (!rc && place) rc = store_beds_place_exists(c->db, place, &have, e);
    if (!have) problems_add(&bad, "place_code: no place '%s'", place);
    const char *site = jget_str(body, "referring_site", "");
    int found = rc ? 0 : store_beds_site_org(c->db, site, org, e);
    if (found == ICS_ENOTFOUND)
        problems_add(&bad, "referring_site: no site '%s'", site);
    else if (found)
        rc = found;
    if (rc) problems_done(&bad, NULL);
    if (rc || (rc = problems_done(&bad, e))) {
        json_decref(home);
        return rc;
    }
    /* scope: an organisation-bound role refers only from its own sites */
    const char *parties[] = {org, NULL};
    if (!app_in_scope(c, &APP_BEDS_REFERRAL_CREATE, parties)) {
        json_decref(home);
        return ics_err_set(e, ICS_EFORBID,
                           "a %s can refer only from their own organisation's sites: %s belongs "
                           "to %s",
                           c->who.role, site, org);
    }
    beds_ref_rec r = {.nhs = nhs,
                      .sex = sex,
                      .postcode = pc,
                      .district = district,
                      .place = place,
                      .site = site,
                      .org = org,
                      .bed_type = beds_type_name(t),
                      .state = "waiting",
                      .notes = notes,
                      .created_by = c->who.name,
                      .age = (int)age,
                      .priority = (int)prio,
                      .has_home = home != NULL,
                      .lat = json_number_value(json_object_get(home, "lat")),
                      .lon = json_number_value(json_object_get(home, "lon")),
                      .referred_at = c->now,
                      .earliest_at = earliest,
                      .updated_at = c->now};
    int64_t id = 0;
    if ((rc = app_begin(c, e))) {
        json_decref(home);
        return rc;
    }
    rc = store_beds_referral_insert(c->db, &r, &id, e);
    json_decref(home);
    if (!rc) {
        ref_info ri = {.r.id = id};
        snprintf(ri.ids, sizeof ri.ids, "%lld", (long long)id);
        rc = ref_record(c, &APP_BEDS_REFERRAL_CREATE, &ri, "bed_referral.created", out, e);
    }
    return end(c, rc, out, e);
}

/* ---- the lifecycle ------------------------------------------------------ */

/* An offer inside the caller's transaction (the use case and batch apply). */
static int offer_tx(app_ctx *c, int64_t ref, int64_t bed, json_t **out, ics_err *e)
{
    assert(store_tx_depth(c->db) > 0);
    const app_use *u = &APP_BEDS_REFERRAL_OFFER;
    ref_info ri;
    beds_bed_row b = {0};
    int rc = ref_load(c, u, ref, &ri, e);
    if (rc) return rc;
    if (!beds_ref_can_move(ri.state, BEDS_REF_OFFERED)) rc = illegal(&ri, "offered a bed", e);
    if (!rc) rc = store_beds_bed_find(c->db, bed, &b, e);
    /* a bed that is not free is a conflict (409) before any question of fit */
    if (!rc && strcmp(b.status, "available") != 0) rc = bed_not_free(&b, e);
    if (!rc) rc = ref_boundary(c, ri.row, b.unit, e);
    if (!rc) rc = bed_suits(c->db, &ri.r, bed, e);
    if (!rc) {
        /* the reservation: only one UPDATE can find the bed available */
        rc = bed_move(c, &b, "available", "reserved", ref, "offered", e);
        rc = rc == 0 ? bed_not_free(&b, e) : rc < 0 ? rc : 0;
    }
    if (!rc)
        rc = changed(store_beds_referral_offer(c->db, ref, bed, c->now, e), "bed referral", ref, e);
    if (!rc) rc = ref_record(c, u, &ri, "bed_referral.offered", out, e);
    ref_done(&ri);
    return rc;
}

int app_beds_referral_offer(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_OFFER, e);
    if (rc) return rc;
    problems bad;
    problems_init(&bad);
    int64_t bed;
    body_id(body, "bed_id", 1, &bed, &bad);
    if ((rc = problems_done(&bad, e)) || (rc = app_begin(c, e))) return rc;
    return end(c, offer_tx(c, id, bed, out, e), out, e);
}

static int accept_tx(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    const app_use *u = &APP_BEDS_REFERRAL_ACCEPT;
    ref_info ri;
    int rc = ref_load(c, u, id, &ri, e);
    if (rc) return rc;
    if (ri.state != BEDS_REF_OFFERED)
        rc = illegal(&ri, "accepted (only an offered referral can be)", e);
    if (!rc) rc = changed(store_beds_referral_accept(c->db, id, c->now, e), "bed referral", id, e);
    if (!rc) rc = ref_record(c, u, &ri, "bed_referral.accepted", out, e);
    ref_done(&ri);
    return rc;
}

int app_beds_referral_accept(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_ACCEPT, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    return end(c, accept_tx(c, id, out, e), out, e);
}

static int reject_tx(app_ctx *c, int64_t id, const char *reason, json_t **out, ics_err *e)
{
    const app_use *u = &APP_BEDS_REFERRAL_REJECT_OFFER;
    ref_info ri;
    int rc = ref_load(c, u, id, &ri, e);
    if (rc) return rc;
    if (ri.state != BEDS_REF_OFFERED && ri.state != BEDS_REF_ACCEPTED)
        rc = illegal(&ri, "turned down (it holds no offer)", e);
    if (!rc) rc = release(c, &ri, "offer turned down", e);
    if (!rc)
        rc = changed(store_beds_referral_reopen(c->db, id, reason, c->now, e), "bed referral", id,
                     e);
    if (!rc) rc = ref_record(c, u, &ri, "bed_referral.offer_rejected", out, e);
    ref_done(&ri);
    return rc;
}

int app_beds_referral_reject_offer(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                                   ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_REJECT_OFFER, e);
    if (rc) return rc;
    json_t *r = json_object_get(body, "reason");
    if (r && !json_is_string(r) && !json_is_null(r))
        return ics_err_set(e, ICS_EINVAL, "reason: must be text");
    const char *reason = json_string_value(r);
    if (reason && strlen(reason) > 500)
        return ics_err_set(e, ICS_EINVAL, "reason: longer than 500 characters");
    if ((rc = app_begin(c, e))) return rc;
    return end(c, reject_tx(c, id, reason, out, e), out, e);
}

static int admit_tx(app_ctx *c, int64_t id, int64_t bed, int64_t at, json_t **out, ics_err *e)
{
    const app_use *u = &APP_BEDS_REFERRAL_ADMIT;
    ref_info ri;
    beds_bed_row b = {0};
    int rc = ref_load(c, u, id, &ri, e);
    if (rc) return rc;
    if (!at) at = c->now;
    if (ri.state != BEDS_REF_ACCEPTED)
        rc = illegal(&ri, "admitted (it must be offered a bed and accept it first)", e);
    else if (at < ri.r.referred_at)
        rc = ics_err_set(e, ICS_EINVAL, "admission time is before the referral was made");
    else if (at > c->now + 3600)
        rc = ics_err_set(e, ICS_EINVAL, "admission time is in the future");
    if (!rc && (!bed || bed == ri.bed)) {
        bed = ri.bed;
        if (!(rc = store_beds_bed_find(c->db, bed, &b, e))) {
            rc = bed_move(c, &b, "reserved", "occupied", id, "admitted", e);
            rc = rc == 0 ? bed_not_free(&b, e) : rc < 0 ? rc : 0;
        }
    } else if (!rc) {
        /* admitted to another bed than the one offered: it must be free */
        if (!(rc = store_beds_bed_find(c->db, bed, &b, e)) && strcmp(b.status, "available") != 0)
            rc = bed_not_free(&b, e);
        if (!rc) rc = bed_suits(c->db, &ri.r, bed, e);
        if (!rc) {
            rc = bed_move(c, &b, "available", "occupied", id, "admitted", e);
            rc = rc == 0 ? bed_not_free(&b, e) : rc < 0 ? rc : 0;
        }
        if (!rc) rc = release(c, &ri, "admitted elsewhere", e);
    }
    if (!rc)
        rc = changed(store_beds_referral_admit(c->db, id, bed, at, c->now, e), "bed referral", id,
                     e);
    if (!rc) {
        beds_stay_rec st = {.referral = id, .bed = bed, .unit = b.unit, .admitted_at = at};
        rc = store_beds_stay_insert(c->db, &st, e);
    }
    if (!rc) rc = ref_record(c, u, &ri, "bed_referral.admitted", out, e);
    ref_done(&ri);
    return rc;
}

int app_beds_referral_admit(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_ADMIT, e);
    if (rc) return rc;
    problems bad;
    problems_init(&bad);
    int64_t bed, at;
    body_id(body, "bed_id", 0, &bed, &bad);
    body_time(body, "at", &at, &bad);
    if ((rc = problems_done(&bad, e)) || (rc = app_begin(c, e))) return rc;
    return end(c, admit_tx(c, id, bed, at, out, e), out, e);
}

static int transfer_tx(app_ctx *c, int64_t id, int64_t bed, int64_t at, json_t **out, ics_err *e)
{
    const app_use *u = &APP_BEDS_REFERRAL_TRANSFER;
    ref_info ri;
    beds_bed_row from = {0}, to = {0};
    int rc = ref_load(c, u, id, &ri, e);
    if (rc) return rc;
    if (!at) at = c->now;
    if (ri.state != BEDS_REF_ADMITTED)
        rc = illegal(&ri, "transferred (only an admitted patient moves bed)", e);
    else if (at < ri.admitted_at)
        rc = ics_err_set(e, ICS_EINVAL, "transfer time is before the admission");
    else if (at > c->now + 3600)
        rc = ics_err_set(e, ICS_EINVAL, "transfer time is in the future");
    else if (bed == ri.bed)
        rc = ics_err_set(e, ICS_ECONFLICT, "bed referral %s is in that bed already", ri.ids);
    if (!rc && !(rc = store_beds_bed_find(c->db, bed, &to, e)) &&
        strcmp(to.status, "available") != 0)
        rc = bed_not_free(&to, e);
    if (!rc) rc = ref_boundary(c, ri.row, to.unit, e);
    if (!rc) rc = bed_suits(c->db, &ri.r, bed, e);
    if (!rc && ri.bed && !(rc = store_beds_bed_find(c->db, ri.bed, &from, e))) {
        rc = bed_move(c, &from, "occupied", "available", 0, "transferred out", e);
        if (rc > 0) rc = 0;
    }
    if (!rc) {
        rc = bed_move(c, &to, "available", "occupied", id, "transferred in", e);
        rc = rc == 0 ? bed_not_free(&to, e) : rc < 0 ? rc : 0;
    }
    if (!rc)
        rc =
            changed(store_beds_referral_move_bed(c->db, id, bed, c->now, e), "bed referral", id, e);
    if (!rc) rc = store_beds_stay_close(c->db, id, at, "transfer", NULL, e);
    if (!rc) {
        beds_stay_rec st = {.referral = id, .bed = bed, .unit = to.unit, .admitted_at = at};
        rc = store_beds_stay_insert(c->db, &st, e);
    }
    if (!rc) rc = ref_record(c, u, &ri, "bed_referral.transferred", out, e);
    ref_done(&ri);
    return rc;
}

int app_beds_referral_transfer(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_TRANSFER, e);
    if (rc) return rc;
    problems bad;
    problems_init(&bad);
    int64_t bed, at;
    body_id(body, "bed_id", 1, &bed, &bad);
    body_time(body, "at", &at, &bad);
    if ((rc = problems_done(&bad, e)) || (rc = app_begin(c, e))) return rc;
    return end(c, transfer_tx(c, id, bed, at, out, e), out, e);
}

typedef struct discharge_in {
    const char *destination;
    int64_t at, ready_day; /* at 0: now; ready_day -1: not given */
} discharge_in;

static int discharge_tx(app_ctx *c, int64_t id, const discharge_in *in, json_t **out, ics_err *e)
{
    const app_use *u = &APP_BEDS_REFERRAL_DISCHARGE;
    ref_info ri;
    int rc = ref_load(c, u, id, &ri, e);
    if (rc) return rc;
    int64_t at = in->at ? in->at : c->now;
    if (ri.state == BEDS_REF_WAITING || ri.state == BEDS_REF_OFFERED ||
        ri.state == BEDS_REF_ACCEPTED)
        rc = ics_err_set(e, ICS_EINVAL,
                         "discharge before admission: bed referral %s is %s, not admitted", ri.ids,
                         beds_ref_state_name(ri.state));
    else if (ri.state != BEDS_REF_ADMITTED)
        rc = illegal(&ri, "discharged", e);
    else if (at < ri.admitted_at)
        rc = ics_err_set(e, ICS_EINVAL, "discharge time is before the admission");
    else if (at > c->now + 3600)
        rc = ics_err_set(e, ICS_EINVAL, "discharge time is in the future");
    else if (in->ready_day >= 0 &&
             (in->ready_day < tz_local_date(ri.admitted_at) || in->ready_day > tz_local_date(at)))
        rc = ics_err_set(e, ICS_EINVAL, "medically ready date must fall within the stay");
    beds_bed_row b;
    if (!rc && ri.bed && !(rc = store_beds_bed_find(c->db, ri.bed, &b, e))) {
        rc = bed_move(c, &b, "occupied", "available", 0, "discharged", e);
        if (rc > 0) rc = 0;
    }
    char rd[16] = "";
    if (in->ready_day >= 0) tz_format_date(in->ready_day, rd, sizeof rd);
    if (!rc)
        rc = changed(store_beds_referral_discharge(c->db, id, at, in->destination, c->now, e),
                     "bed referral", id, e);
    if (!rc) rc = store_beds_stay_close(c->db, id, at, in->destination, *rd ? rd : NULL, e);
    if (!rc) rc = ref_record(c, u, &ri, "bed_referral.discharged", out, e);
    ref_done(&ri);
    return rc;
}

int app_beds_referral_discharge(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                                ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_REFERRAL_DISCHARGE, e);
    if (rc) return rc;
    problems bad;
    problems_init(&bad);
    discharge_in in = {json_string_value(json_object_get(body, "destination")), 0, -1};
    if (!known_destination(in.destination))
        problems_add(&bad,
                     "destination '%s' is not one of home, home_with_support, care_home, "
                     "acute_readmission, died, other",
                     in.destination ? in.destination : "");
    body_time(body, "at", &in.at, &bad);
    const char *rd = json_string_value(json_object_get(body, "ready_date"));
    ics_err ve = {0};
    if (rd && tz_parse_date(rd, &in.ready_day, &ve)) problems_add(&bad, "ready_date: %s", ve.msg);
    if ((rc = problems_done(&bad, e)) || (rc = app_begin(c, e))) return rc;
    return end(c, discharge_tx(c, id, &in, out, e), out, e);
}

/* ---- undo: an admission or a discharge entered in error ---------------- */

static int admit_cancel_tx(app_ctx *c, int64_t id, const char *reason, json_t **out, ics_err *e)
{
    const app_use *u = &APP_BEDS_REFERRAL_ADMIT_CANCEL;
    ref_info ri;
    beds_bed_row b;
    int64_t nstays = 0;
    int rc = ref_load(c, u, id, &ri, e);
    if (rc) return rc;
    if (ri.state != BEDS_REF_ADMITTED)
        rc = illegal(&ri, "have its admission cancelled (only an admitted referral can)", e);
    if (!rc) rc = store_beds_stay_count(c->db, id, &nstays, e);
    if (!rc && nstays != 1)
        rc = ics_err_set(e, ICS_ECONFLICT,
                         "bed referral %s has moved bed since admission: cancel the transfer "
                         "first",
                         ri.ids);
    assert(rc || ri.bed > 0);
    /* the bed goes back to being held for the patient, as before the admission */
    if (!rc && !(rc = store_beds_bed_find(c->db, ri.bed, &b, e))) {
        rc = bed_move(c, &b, "occupied", "reserved", id, "admission cancelled", e);
        rc = rc == 1 ? 0
             : rc == 0
                 ? ics_err_set(e, ICS_ECONFLICT, "bed %s is %s, not occupied", b.code, b.status)
                 : rc;
    }
    if (!rc)
        rc = changed(store_beds_referral_unadmit(c->db, id, reason, c->now, e), "bed referral", id,
                     e);
    if (!rc) rc = store_beds_stay_drop_open(c->db, id, e);
    if (!rc) rc = ref_record(c, u, &ri, "bed_referral.admission_cancelled", out, e);
    ref_done(&ri);
    return rc;
}

static int discharge_cancel_tx(app_ctx *c, int64_t id, const char *reason, json_t **out, ics_err *e)
{
    const app_use *u = &APP_BEDS_REFERRAL_DISCHARGE_CANCEL;
    ref_info ri;
    beds_bed_row b;
    int rc = ref_load(c, u, id, &ri, e);
    if (rc) return rc;
    if (ri.state != BEDS_REF_DISCHARGED)
        rc = illegal(&ri, "have its discharge cancelled (only a discharged referral can)", e);
    else if (!ri.bed)
        rc = ics_err_set(e, ICS_ECONFLICT, "bed referral %s has no bed to return to", ri.ids);
    /* the patient returns to the bed they left, if nobody else has it */
    if (!rc && !(rc = store_beds_bed_find(c->db, ri.bed, &b, e))) {
        rc = bed_move(c, &b, "available", "occupied", id, "discharge cancelled", e);
        rc = rc == 1 ? 0 : rc == 0 ? bed_not_free(&b, e) : rc;
    }
    if (!rc)
        rc = changed(store_beds_referral_undischarge(c->db, id, reason, c->now, e), "bed referral",
                     id, e);
    if (!rc) rc = store_beds_stay_reopen(c->db, id, e);
    if (!rc) rc = ref_record(c, u, &ri, "bed_referral.discharge_cancelled", out, e);
    ref_done(&ri);
    return rc;
}

static int undo(app_ctx *c, const app_use *u, int64_t id, const json_t *body, json_t **out,
                ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    json_t *v = json_object_get(body, "reason");
    const char *reason = json_string_value(v);
    if (v && !json_is_null(v) && !reason) return ics_err_set(e, ICS_EINVAL, "reason: must be text");
    if (reason && strlen(reason) > 500)
        return ics_err_set(e, ICS_EINVAL, "reason: longer than 500 characters");
    if (reason && !*reason) reason = NULL;
    if ((rc = app_begin(c, e))) return rc;
    rc = u == &APP_BEDS_REFERRAL_ADMIT_CANCEL ? admit_cancel_tx(c, id, reason, out, e)
                                              : discharge_cancel_tx(c, id, reason, out, e);
    return end(c, rc, out, e);
}

int app_beds_referral_admit_cancel(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                                   ics_err *e)
{
    return undo(c, &APP_BEDS_REFERRAL_ADMIT_CANCEL, id, body, out, e);
}

int app_beds_referral_discharge_cancel(app_ctx *c, int64_t id, const json_t *body, json_t **out,
                                       ics_err *e)
{
    return undo(c, &APP_BEDS_REFERRAL_DISCHARGE_CANCEL, id, body, out, e);
}

/* Decline or cancel (target): a held bed is released. */
static int close_tx(app_ctx *c, const app_use *u, int64_t id, beds_ref_state target,
                    const char *reason, const char *event, json_t **out, ics_err *e)
{
    ref_info ri;
    const char *to = beds_ref_state_name(target);
    int rc = ref_load(c, u, id, &ri, e);
    if (rc) return rc;
    if (!beds_ref_can_move(ri.state, target)) rc = illegal(&ri, to, e);
    if (!rc && (ri.state == BEDS_REF_OFFERED || ri.state == BEDS_REF_ACCEPTED))
        rc = release(c, &ri, to, e);
    if (!rc)
        rc = changed(store_beds_referral_close(c->db, id, beds_ref_state_name(ri.state), to, reason,
                                               c->now, e),
                     "bed referral", id, e);
    if (!rc) rc = ref_record(c, u, &ri, event, out, e);
    ref_done(&ri);
    return rc;
}

static int close_referral(app_ctx *c, const app_use *u, int64_t id, beds_ref_state target,
                          const json_t *body, const char *event, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    const char *reason = json_string_value(json_object_get(body, "reason"));
    if (!reason || !*reason)
        return ics_err_set(e, ICS_EINVAL, "a reason is required to close a referral");
    if (strlen(reason) > 500)
        return ics_err_set(e, ICS_EINVAL, "reason: longer than 500 characters");
    if ((rc = app_begin(c, e))) return rc;
    return end(c, close_tx(c, u, id, target, reason, event, out, e), out, e);
}

int app_beds_referral_decline(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return close_referral(c, &APP_BEDS_REFERRAL_DECLINE, id, BEDS_REF_DECLINED, body,
                          "bed_referral.declined", out, e);
}

int app_beds_referral_cancel(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return close_referral(c, &APP_BEDS_REFERRAL_CANCEL, id, BEDS_REF_CANCELLED, body,
                          "bed_referral.cancelled", out, e);
}

/* ---- beds ---------------------------------------------------------------- */

int app_beds_bed_list(app_ctx *c, const char *unit, const char *status, json_t **rows, ics_err *e)
{
    *rows = NULL;
    int rc = app_allow(c, &APP_BEDS_BED_LIST, e);
    if (rc) return rc;
    beds_status st;
    if (status && beds_status_parse(status, &st, e)) return ICS_EINVAL;
    if ((rc = store_beds_bed_list(c->db, unit, status, rows, e))) return rc;
    size_t i;
    json_t *r;
    json_array_foreach(*rows, i, r) bed_view(r);
    return 0;
}

int app_beds_bed_get(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_BED_GET, e);
    if (rc || (rc = store_beds_bed_get(c->db, id, out, e))) return rc;
    bed_view(*out);
    return 0;
}

/* The bed without its history (for the audit record). */
static int bed_brief(app_ctx *c, int64_t id, json_t **out, ics_err *e)
{
    int rc = store_beds_bed_get(c->db, id, out, e);
    if (rc) return rc;
    json_object_del(*out, "history");
    bed_view(*out);
    return 0;
}

static int status_tx(app_ctx *c, int64_t id, beds_status to, const char *closure, const char *note,
                     json_t **out, ics_err *e)
{
    const app_use *u = &APP_BEDS_BED_STATUS;
    beds_bed_row b;
    beds_status from = BEDS_AVAILABLE;
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    int rc = store_beds_bed_find(c->db, id, &b, e);
    if (rc) return rc;
    const char *parties[] = {b.org, NULL};
    if ((rc = app_scope_check(c, u, parties, "bed", ids, e))) return rc;
    beds_status_parse(b.status, &from, NULL);
    const char *status = beds_status_name(to);
    if (!beds_status_can_move(from, to))
        return ics_err_set(e, ICS_ECONFLICT, "bed %s is %s: it cannot become %s%s", b.code,
                           b.status, status,
                           from == BEDS_OCCUPIED ? " until the patient is discharged" : "");
    json_t *before = NULL, *after = NULL;
    rc = bed_brief(c, id, &before, e);
    if (!rc)
        rc = changed(
            store_beds_bed_set(c->db, c->who.name, id, b.status, status, closure, note, c->now, e),
            "bed", id, e);
    if (!rc) rc = bed_brief(c, id, &after, e);
    if (!rc) rc = app_audit(c, u->name, "bed", ids, before, after, e);
    if (!rc) rc = bed_event(c, &b, b.status, status, closure, 0, e);
    json_decref(before);
    json_decref(after);
    if (!rc) {
        rc = store_beds_bed_get(c->db, id, out, e);
        if (!rc) bed_view(*out);
    }
    return rc;
}

int app_beds_bed_status_set(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_BED_STATUS, e);
    if (rc) return rc;
    problems bad;
    problems_init(&bad);
    ics_err ve = {0};
    beds_status to = BEDS_AVAILABLE;
    beds_closure cl = BEDS_CLOSE_NONE;
    const char *status = jget_str(body, "status", ""), *closure = jget_str(body, "closure", "");
    const char *note = json_string_value(json_object_get(body, "note"));
    int ok = beds_status_parse(status, &to, &ve) == 0;
    if (!ok) problems_add(&bad, "%s", ve.msg);
    if (ok && to == BEDS_CLOSED && beds_closure_parse(closure, &cl, NULL))
        problems_add(&bad, "closing a bed needs a closure reason: infection_control, staffing or "
                           "maintenance");
    if (ok && to != BEDS_CLOSED && *closure)
        problems_add(&bad, "a closure reason only goes with status closed");
    if (note && strlen(note) > 500) problems_add(&bad, "note: longer than 500 characters");
    if ((rc = problems_done(&bad, e))) return rc;
    if (to == BEDS_RESERVED || to == BEDS_OCCUPIED)
        return ics_err_set(e, ICS_ECONFLICT,
                           "a bed becomes %s only by offering it to or admitting a referral",
                           status);
    if ((rc = app_begin(c, e))) return rc;
    rc = status_tx(c, id, to, to == BEDS_CLOSED ? beds_closure_name(cl) : NULL, note, out, e);
    return end(c, rc, out, e);
}

int app_beds_unit_confirm(app_ctx *c, const char *unit, json_t **out, ics_err *e)
{
    *out = NULL;
    const app_use *u = &APP_BEDS_UNIT_CONFIRM;
    char org[16];
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    assert(unit);
    if ((rc = app_begin(c, e))) return rc;
    const char *parties[] = {org, NULL};
    rc = store_beds_unit_org(c->db, unit, org, e);
    if (!rc) rc = app_scope_check(c, u, parties, "unit", unit, e);
    if (!rc) rc = store_beds_unit_confirm(c->db, unit, c->now, c->who.name, out, e);
    if (!rc) {
        iso_times(*out);
        json_t *p = json_pack("{sssssO}", "unit_code", unit, "org", org, "confirmed_at",
                              json_object_get(*out, "confirmed_at"));
        rc = app_record(c, u, "unit", unit, NULL, *out, "bed_unit.confirmed", parties, p, e);
    }
    return end(c, rc, out, e);
}

/* ---- read models --------------------------------------------------------- */

static json_t *counts_json(const beds_unit_count *c)
{
    return json_pack("{sisisisisisisf}", "beds", c->beds, "available", c->available, "reserved",
                     c->reserved, "occupied", c->occupied, "closed", c->closed, "cleaning",
                     c->cleaning, "occupancy", c->occupancy);
}

static void count_add(beds_unit_count *t, const beds_unit_count *c)
{
    t->beds += c->beds;
    t->available += c->available;
    t->reserved += c->reserved;
    t->occupied += c->occupied;
    t->closed += c->closed;
    t->cleaning += c->cleaning;
    int open = t->beds - t->closed;
    t->occupancy = open > 0 ? (double)(t->occupied + t->reserved) / open : 0.0;
}

/* waiting count and oldest wait (days) over referrals matching a test */
typedef struct waits {
    int n;
    double oldest;
} waits;

static void wait_add(waits *w, const beds_referral *r, int64_t now)
{
    w->n++;
    double d = (double)(now - r->referred_at) / 86400.0;
    if (d > w->oldest) w->oldest = d;
}

/* 1 when place is one of the rows (code) of places. */
static int in_places(const json_t *places, const char *place)
{
    size_t i;
    json_t *r;
    json_array_foreach(places, i, r) if (strcmp(jget_str(r, "code", ""), place) == 0) return 1;
    return 0;
}

void app_beds_keep_ics(struct beds_data *d, const json_t *places)
{
    assert(d && places);
    size_t n = 0;
    for (size_t i = 0; i < d->nrefs; i++)
        if (in_places(places, d->refs[i].place)) d->refs[n++] = d->refs[i];
    d->nrefs = n;
    for (size_t i = 0; i < d->nbeds; i++)
        if (!in_places(places, d->unit_places[d->beds[i].unit])) d->beds[i].status = BEDS_OCCUPIED;
}

static int commissions(const beds_unit *u, const char *place)
{
    for (int i = 0; i < u->nplaces; i++)
        if (strcmp(u->places[i], place) == 0) return 1;
    return 0;
}

/* ---- the board's snapshot -------------------------------------------------
 * The board reads every bed, waiting referral and stay of the occupancy
 * history, and loading them was nearly all of its cost (1.8 ms a request).
 * The process keeps the last load, keyed by the database, its directory
 * version and its beds version (a counter that triggers move on with every
 * change to the bed and ADT feed tables, inside the writer's transaction, on
 * whichever server: store/beds.c), and the last few answers as JSON text,
 * keyed besides by the ICS, the parameters and the second they were made in
 * (an answer depends on the time: staleness, waits, the history's days).
 * The versions are read before the data, so a copy is never older than its
 * key, and a change made through any server is in every server's next
 * answer. Inside a transaction a caller may see its own uncommitted
 * changes, so nothing is kept or reused there; nor for a database without a
 * stable name (":memory:"). A load is shared by reference count and never
 * changes once published. */
typedef struct board_snap {
    int refs;
    char *db;
    int64_t dirv, bedsv;
    beds_data *d;
} board_snap;

#define BOARD_TEXTS 8 /* answers kept; replaced round robin */

typedef struct board_text {
    char *db; /* NULL: an empty slot */
    int64_t dirv, bedsv, now;
    char ics[STORE_ICS_CODE];
    int stale, days;
    char *text;
    size_t len;
} board_text;

static pthread_mutex_t board_mu = PTHREAD_MUTEX_INITIALIZER;
static board_snap *board_cur;
static board_text board_texts[BOARD_TEXTS];
static unsigned board_next;

static void board_snap_release(board_snap *sn)
{
    if (!sn) return;
    pthread_mutex_lock(&board_mu);
    assert(sn->refs > 0);
    int last = --sn->refs == 0;
    pthread_mutex_unlock(&board_mu);
    if (!last) return;
    store_beds_data_free(sn->d);
    free(sn->db);
    free(sn);
}

/* The database's name when the board may be kept for it, else NULL. */
static const char *board_cacheable(app_ctx *c)
{
    const char *db = store_path(c->db);
    if (!db || !*db || strcmp(db, ":memory:") == 0 || store_tx_depth(c->db) > 0) return NULL;
    return db;
}

/* A reference to the load of db at these versions (loaded when the kept
 * one is of other versions). */
static int board_snap_get(app_ctx *c, const char *db, int64_t dirv, int64_t bedsv, board_snap **out,
                          ics_err *e)
{
    pthread_mutex_lock(&board_mu);
    board_snap *sn = board_cur;
    if (sn && sn->dirv == dirv && sn->bedsv == bedsv && strcmp(sn->db, db) == 0)
        sn->refs++;
    else
        sn = NULL;
    pthread_mutex_unlock(&board_mu);
    if (sn) {
        *out = sn;
        return 0;
    }
    sn = calloc(1, sizeof *sn);
    if (!sn || !(sn->db = strdup(db))) {
        free(sn);
        return ics_err_set(e, ICS_ENOMEM, "out of memory for the board");
    }
    int rc =
        store_beds_load(c->db, BEDS_LOAD_BOARD | BEDS_LOAD_WAITING | BEDS_LOAD_STAYS, &sn->d, e);
    if (rc) {
        free(sn->db);
        free(sn);
        return rc;
    }
    sn->dirv = dirv;
    sn->bedsv = bedsv;
    sn->refs = 2; /* the caller's and the process's */
    pthread_mutex_lock(&board_mu);
    board_snap *old = board_cur;
    board_cur = sn;
    pthread_mutex_unlock(&board_mu);
    board_snap_release(old);
    *out = sn;
    return 0;
}

/* The board of one ICS from loaded data (not changed). */
static int board_build(app_ctx *c, const beds_data *d, const char *ics, int stale_hours,
                       int history_days, json_t **out, ics_err *e)
{
    *out = NULL;
    int64_t now = c->now, stale_after = (int64_t)stale_hours * 3600;
    int rc = 0;
    beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
    beds_unit_count *cnt = calloc(d->nunits ? d->nunits : 1, sizeof *cnt);
    int *hist = calloc((d->nunits ? d->nunits : 1) * (size_t)history_days, sizeof *hist);
    json_t *places = NULL;
    if (!cnt || !hist) {
        free(cnt);
        free(hist);
        return ics_err_set(e, ICS_ENOMEM, "out of memory for the board");
    }
    beds_board_count(&b, now, stale_after, cnt);
    /* one ICS's board: units in its places, referrals of its patients */
    rc = store_beds_places(c->db, ics, &places, e);
    unsigned char *uin = calloc(d->nunits ? d->nunits : 1, 1),
                  *rin = calloc(d->nrefs ? d->nrefs : 1, 1);
    if (!rc && (!uin || !rin)) rc = ics_err_set(e, ICS_ENOMEM, "out of memory for the board");
    for (size_t u = 0; !rc && u < d->nunits; u++) uin[u] = in_places(places, d->unit_places[u]);
    for (size_t i = 0; !rc && i < d->nrefs; i++) rin[i] = in_places(places, d->refs[i].place);
    if (rc) {
        free(uin);
        free(rin);
        free(cnt);
        free(hist);
        json_decref(places);
        return rc;
    }
    int64_t today = tz_local_date(now), from = today - history_days + 1;
    beds_occupancy_days(d->stays, d->nstays, d->nunits, from, history_days, hist);

    json_t *units = json_array(), *types = json_array(), *plist = json_array();
    beds_unit_count total = {0};
    waits wall = {0};
    for (size_t i = 0; i < d->nrefs; i++)
        if (rin[i]) wait_add(&wall, &d->refs[i], now);
    for (size_t u = 0; u < d->nunits; u++) {
        const beds_unit *un = &d->units[u];
        if (!uin[u]) continue;
        waits w = {0};
        for (size_t i = 0; i < d->nrefs; i++)
            if (rin[i] && d->refs[i].type == un->type && commissions(un, d->refs[i].place))
                wait_add(&w, &d->refs[i], now);
        json_t *o = counts_json(&cnt[u]);
        json_t *h = json_array();
        for (int k = 0; k < history_days; k++)
            json_array_append_new(h, json_integer(hist[u * (size_t)history_days + (size_t)k]));
        json_t *pl = json_array();
        for (int k = 0; k < un->nplaces; k++) json_array_append_new(pl, json_string(un->places[k]));
        char conf[32] = "";
        if (un->confirmed_at > 0) tz_format(un->confirmed_at, conf, sizeof conf);
        json_object_update_new(o,
                               json_pack("{sssssssssssoss?sbsisfso}", "unit_code", un->code, "name",
                                         d->unit_names[u], "place_code", d->unit_places[u],
                                         "bed_type", beds_type_name(un->type), "sex",
                                         un->sex == 'X'   ? "mixed"
                                         : un->sex == 'M' ? "M"
                                                          : "F",
                                         "commissioned_by", pl, "confirmed_at", *conf ? conf : NULL,
                                         "stale", cnt[u].stale, "waiting", w.n, "oldest_wait_days",
                                         w.oldest, "occupied_history", h));
        /* free beds by bay designation: what a patient of either sex can have */
        int bay_m = 0, bay_f = 0, bay_none = 0, side = 0, side_free = 0;
        for (size_t k = 0; k < d->nbeds; k++) {
            const beds_bed *bd = &d->beds[k];
            if (bd->unit != (int)u) continue;
            side += bd->side_room;
            if (!beds_bed_offerable(bd)) continue;
            side_free += bd->side_room;
            bd->bay_sex == 'M' ? bay_m++ : bd->bay_sex == 'F' ? bay_f++ : bay_none++;
        }
        /* none: free beds in no bay; side_room: those of them (or of a
         * single-sex unit) that are side rooms */
        json_object_set_new(o, "available_by_bay",
                            json_pack("{sisisisi}", "M", bay_m, "F", bay_f, "none", bay_none,
                                      "side_room", side_free));
        json_object_set_new(o, "side_rooms", json_integer(side));
        json_array_append_new(units, o);
        count_add(&total, &cnt[u]);
    }
    for (int t = 0; t < BEDS_TYPE_COUNT; t++) {
        beds_unit_count tc = {0};
        waits w = {0};
        for (size_t u = 0; u < d->nunits; u++)
            if (uin[u] && d->units[u].type == (beds_type)t) count_add(&tc, &cnt[u]);
        for (size_t i = 0; i < d->nrefs; i++)
            if (rin[i] && d->refs[i].type == (beds_type)t) wait_add(&w, &d->refs[i], now);
        json_t *o = counts_json(&tc);
        json_object_update_new(o, json_pack("{sssisf}", "bed_type", beds_type_name((beds_type)t),
                                            "waiting", w.n, "oldest_wait_days", w.oldest));
        json_array_append_new(types, o);
    }
    size_t pi;
    json_t *pr;
    json_array_foreach(places, pi, pr)
    {
        const char *code = jget_str(pr, "code", "");
        beds_unit_count pc = {0};
        waits w = {0};
        for (size_t u = 0; u < d->nunits; u++)
            if (strcmp(d->unit_places[u], code) == 0) count_add(&pc, &cnt[u]);
        for (size_t i = 0; i < d->nrefs; i++)
            if (strcmp(d->refs[i].place, code) == 0) wait_add(&w, &d->refs[i], now);
        json_t *o = counts_json(&pc);
        json_object_update_new(o, json_pack("{sssssisf}", "place_code", code, "name",
                                            jget_str(pr, "name", ""), "waiting", w.n,
                                            "oldest_wait_days", w.oldest));
        json_array_append_new(plist, o);
    }
    json_t *dates = json_array(), *occ = json_array();
    for (int k = 0; k < history_days; k++) {
        char ds[16];
        tz_format_date(from + k, ds, sizeof ds);
        json_array_append_new(dates, json_string(ds));
        int sum = 0;
        for (size_t u = 0; u < d->nunits; u++)
            if (uin[u]) sum += hist[u * (size_t)history_days + (size_t)k];
        json_array_append_new(occ, json_integer(sum));
    }
    char gen[32];
    tz_format(now, gen, sizeof gen);
    json_t *tot = counts_json(&total);
    json_object_update_new(tot,
                           json_pack("{sisf}", "waiting", wall.n, "oldest_wait_days", wall.oldest));
    json_t *res =
        json_pack("{sssfsososososo}", "generated_at", gen, "stale_after_hours",
                  (double)stale_after / 3600.0, "totals", tot, "units", units, "bed_types", types,
                  "places", plist, "history", json_pack("{soso}", "dates", dates, "occupied", occ));
    json_t *feeds = NULL;
    if (!rc && !(rc = app_hl7_feeds(c, &feeds, e))) json_object_set_new(res, "adt_feeds", feeds);
    json_decref(places);
    free(uin);
    free(rin);
    free(cnt);
    free(hist);
    if (rc)
        json_decref(res);
    else
        *out = res;
    return rc;
}

static int board_check(app_ctx *c, int stale_hours, int history_days, ics_err *e)
{
    int rc = app_allow(c, &APP_BEDS_BOARD, e);
    if (rc) return rc;
    if (stale_hours < 1 || stale_hours > 720)
        return ics_err_set(e, ICS_EINVAL, "stale_hours must be a whole number from 1 to 720");
    if (history_days < 1 || history_days > 366)
        return ics_err_set(e, ICS_EINVAL, "days must be a whole number from 1 to 366");
    return 0;
}

int app_beds_board(app_ctx *c, int stale_hours, int history_days, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = board_check(c, stale_hours, history_days, e);
    if (rc) return rc;
    const char *db = board_cacheable(c);
    int64_t dirv = 0, bedsv = 0;
    board_snap *sn = NULL;
    beds_data *own = NULL;
    char ics[STORE_ICS_CODE];
    if (!db)
        rc = store_beds_load(c->db, BEDS_LOAD_BOARD | BEDS_LOAD_WAITING | BEDS_LOAD_STAYS, &own, e);
    else if (!(rc = store_beds_versions(c->db, &dirv, &bedsv, e)))
        rc = board_snap_get(c, db, dirv, bedsv, &sn, e);
    if (!rc) rc = app_ics_one(c, ics, e);
    if (!rc) rc = board_build(c, sn ? sn->d : own, ics, stale_hours, history_days, out, e);
    board_snap_release(sn);
    store_beds_data_free(own);
    return rc;
}

int app_beds_board_text(app_ctx *c, int stale_hours, int history_days, char **text, size_t *len,
                        ics_err *e)
{
    *text = NULL;
    *len = 0;
    int rc = board_check(c, stale_hours, history_days, e);
    if (rc) return rc;
    const char *db = board_cacheable(c);
    json_t *board = NULL;
    if (!db) {
        if ((rc = app_beds_board(c, stale_hours, history_days, &board, e))) return rc;
        *text = json_dumps(board, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(board);
        if (!*text) return ics_err_set(e, ICS_ENOMEM, "out of memory for the board");
        *len = strlen(*text);
        return 0;
    }
    int64_t dirv = 0, bedsv = 0;
    char ics[STORE_ICS_CODE];
    if ((rc = store_beds_versions(c->db, &dirv, &bedsv, e)) || (rc = app_ics_one(c, ics, e)))
        return rc;
    pthread_mutex_lock(&board_mu);
    for (int i = 0; i < BOARD_TEXTS && !*text; i++) {
        const board_text *t = &board_texts[i];
        if (t->db && t->dirv == dirv && t->bedsv == bedsv && t->now == c->now &&
            t->stale == stale_hours && t->days == history_days && strcmp(t->ics, ics) == 0 &&
            strcmp(t->db, db) == 0 && (*text = malloc(t->len + 1))) {
            memcpy(*text, t->text, t->len + 1);
            *len = t->len;
        }
    }
    pthread_mutex_unlock(&board_mu);
    if (*text) return 0;
    board_snap *sn = NULL;
    if (!(rc = board_snap_get(c, db, dirv, bedsv, &sn, e)))
        rc = board_build(c, sn->d, ics, stale_hours, history_days, &board, e);
    board_snap_release(sn);
    if (rc) return rc;
    *text = json_dumps(board, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(board);
    if (!*text) return ics_err_set(e, ICS_ENOMEM, "out of memory for the board");
    *len = strlen(*text);
    /* keep a copy (best effort: without memory it is simply not kept) */
    char *keep = malloc(*len + 1), *kdb = strdup(db);
    if (!keep || !kdb) {
        free(keep);
        free(kdb);
        return 0;
    }
    memcpy(keep, *text, *len + 1);
    pthread_mutex_lock(&board_mu);
    board_text *t = &board_texts[board_next++ % BOARD_TEXTS];
    char *old_text = t->text, *old_db = t->db;
    *t = (board_text){kdb, dirv, bedsv, c->now, "", stale_hours, history_days, keep, *len};
    snprintf(t->ics, sizeof t->ics, "%s", ics);
    pthread_mutex_unlock(&board_mu);
    free(old_text);
    free(old_db);
    return 0;
}

static const char *flag_name(int f)
{
    return f == 2 ? "outlier" : f == 1 ? "warning" : "within";
}

int app_beds_los(app_ctx *c, const char *from, const char *to, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_LOS, e);
    if (rc) return rc;
    int64_t today = tz_local_date(c->now), from_day = today - 365, to_day = today;
    problems bad;
    problems_init(&bad);
    ics_err ve = {0};
    if (from && tz_parse_date(from, &from_day, &ve)) problems_add(&bad, "from: %s", ve.msg);
    if (to && tz_parse_date(to, &to_day, &ve)) problems_add(&bad, "to: %s", ve.msg);
    if (!bad.n && to_day < from_day) problems_add(&bad, "the period ends before it starts");
    if ((rc = problems_done(&bad, e))) return rc;
    beds_data *d;
    if ((rc = store_beds_load(c->db, BEDS_LOAD_BOARD | BEDS_LOAD_STAYS, &d, e))) return rc;
    size_t nu = d->nunits ? d->nunits : 1;
    beds_los *l = calloc(nu, sizeof *l);
    beds_type *types = calloc(nu, sizeof *types);
    int *free_now = NULL;
    double *disf = NULL, *frf = NULL;
    if (!l || !types) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory for length of stay");
        goto done;
    }
    for (size_t u = 0; u < d->nunits; u++) types[u] = d->units[u].type;
    if ((rc = beds_los_compute(d->stays, d->nstays, d->nunits, types, from_day, to_day, l, e)))
        goto done;
    if ((rc = app_beds_forecast_of(d, c->now, &free_now, &disf, &frf, e))) goto done;
    const double(*dis)[BEDS_FORECAST_DAYS] = (const double(*)[BEDS_FORECAST_DAYS])disf;
    const double(*fr)[BEDS_FORECAST_DAYS] = (const double(*)[BEDS_FORECAST_DAYS])frf;
    json_t *units = json_array(), *dates = json_array();
    for (int k = 0; k < BEDS_FORECAST_DAYS; k++) {
        char ds[16];
        tz_format_date(today + k, ds, sizeof ds);
        json_array_append_new(dates, json_string(ds));
    }
    int outliers = 0;
    for (size_t u = 0; u < d->nunits; u++) {
        const beds_los *x = &l[u];
        json_t *hist = json_array(), *ed = json_array(), *fb = json_array();
        for (int k = 0; k < BEDS_LOS_BINS; k++) {
            json_t *bin = json_pack("{sisI}", "from_days", beds_los_bin_lo[k], "stays",
                                    (json_int_t)x->hist[k]);
            if (k + 1 < BEDS_LOS_BINS)
                json_object_set_new(bin, "to_days", json_integer(beds_los_bin_lo[k + 1] - 1));
            json_array_append_new(hist, bin);
        }
        for (int k = 0; k < BEDS_FORECAST_DAYS; k++) {
            json_array_append_new(ed, json_real(dis[u][k]));
            json_array_append_new(fb, json_real(fr[u][k]));
        }
        outliers += x->flag == 2;
        json_t *funnel = json_pack("{sfsfsfsfsfsfss}", "target", x->target, "lower_95", x->lo95,
                                   "upper_95", x->hi95, "lower_998", x->lo998, "upper_998",
                                   x->hi998, "z", x->z, "flag", flag_name(x->n ? x->flag : 0));
        json_array_append_new(
            units, json_pack("{sssssssIsfsfsfsfsosIsIsosisososo}", "unit_code", d->units[u].code,
                             "name", d->unit_names[u], "bed_type", beds_type_name(d->units[u].type),
                             "stays", (json_int_t)x->n, "mean", x->mean, "median", x->median, "p90",
                             x->p90, "sd", x->sd, "distribution", hist, "delayed_days",
                             (json_int_t)x->delayed_days, "delayed_stays", (json_int_t)x->ndelayed,
                             "funnel", funnel, "available_now", free_now[u], "expected_discharges",
                             ed, "predicted_free_beds", fb, "forecast_dates", json_incref(dates)));
    }
    char f[16], t[16];
    tz_format_date(from_day, f, sizeof f);
    tz_format_date(to_day, t, sizeof t);
    *out = json_pack("{sssssisoso}", "from", f, "to", t, "outliers", outliers, "units", units,
                     "method",
                     json_pack("{ssssss}", "percentiles", "Hyndman-Fan type 7", "funnel",
                               "mean LOS vs the bed type's mean, limits target +/- z*sd/sqrt(n), "
                               "z 1.959964 and 3.090232 (Spiegelhalter 2005)",
                               "forecast",
                               "empirical P(LOS = d+k | LOS >= d) per unit (bed type when "
                               "fewer than 20 stays); planned dates are certain"));
    json_decref(dates);
done:
    free(l);
    free(types);
    free(free_now);
    free(disf);
    free(frf);
    store_beds_data_free(d);
    return rc;
}

int app_beds_forecast_of(const beds_data *d, int64_t now, int **free_now, double **disch,
                         double **free_beds, ics_err *e)
{
    assert(d && free_now && disch && free_beds);
    size_t nu = d->nunits ? d->nunits : 1;
    beds_type *types = calloc(nu, sizeof *types);
    beds_unit_count *cnt = calloc(nu, sizeof *cnt);
    int *fn = calloc(nu, sizeof *fn);
    double(*dis)[BEDS_FORECAST_DAYS] = calloc(nu, sizeof *dis);
    double(*fr)[BEDS_FORECAST_DAYS] = calloc(nu, sizeof *fr);
    int rc = 0;
    if (!types || !cnt || !fn || !dis || !fr) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory for the bed forecast");
    } else {
        beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
        beds_board_count(&b, now, 0, cnt);
        for (size_t u = 0; u < d->nunits; u++) {
            types[u] = d->units[u].type;
            fn[u] = cnt[u].available;
        }
        rc = beds_forecast(d->stays, d->nstays, d->nunits, types, fn, tz_local_date(now), dis, fr,
                           e);
    }
    free(types);
    free(cnt);
    if (rc) {
        free(fn);
        free(dis);
        free(fr);
        return rc;
    }
    *free_now = fn;
    *disch = &dis[0][0];
    *free_beds = &fr[0][0];
    return 0;
}

/* ---- matching ------------------------------------------------------------ */

int app_beds_referral_rank(app_ctx *c, int64_t id, const char *policy, json_t **out, ics_err *e)
{
    *out = NULL;
    const app_use *u = &APP_BEDS_REFERRAL_RANK;
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    beds_match_opts o;
    beds_match_opts_default(&o, c->now);
    if (policy && beds_policy_parse(policy, &o.policy, e)) return ICS_EINVAL;
    ref_info ri;
    if ((rc = ref_load(c, u, id, &ri, e))) return rc;
    /* the answer names the patient: the read is audited */
    if ((rc = app_audit_read(c, "read.bed_referral", "bed_referral", ri.ids, NULL, e))) {
        ref_done(&ri);
        return rc;
    }
    beds_data *d;
    if ((rc = store_beds_load(c->db, BEDS_LOAD_BOARD, &d, e))) {
        ref_done(&ri);
        return rc;
    }
    beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
    beds_option *opts;
    size_t nok;
    if ((rc = beds_referral_rank(&b, &ri.r, &o, &opts, &nok, e))) {
        ref_done(&ri);
        store_beds_data_free(d);
        return rc;
    }
    json_t *list = json_array();
    json_t *why = json_object();
    for (size_t i = 0; i < d->nbeds; i++) {
        const beds_option *op = &opts[i];
        const beds_bed *bd = &d->beds[op->bed];
        char text[256];
        beds_option_explain(&b, &ri.r, op, text, sizeof text);
        json_t *item = json_pack("{sIsssssssbssss}", "bed_id", (json_int_t)bd->id, "bed_code",
                                 bd->code, "unit_code", d->units[bd->unit].code, "unit_name",
                                 d->unit_names[bd->unit], "suitable", op->why == BEDS_WHY_OK,
                                 "reason", beds_why_name(op->why), "explanation", text);
        if (op->km >= 0) json_object_set_new(item, "km", json_real(op->km));
        json_object_set_new(item, "occupancy", json_real(op->occupancy));
        json_object_set_new(item, "stale", json_boolean(op->stale));
        if (op->why == BEDS_WHY_OK) {
            json_object_set_new(item, "rank", json_integer((json_int_t)i + 1));
            json_object_set_new(item, "cost", json_integer(op->cost));
            json_object_set_new(item, "fit", json_string(op->fit ? "alternative" : "exact"));
        } else {
            const char *k = beds_why_name(op->why);
            json_object_set_new(why, k, json_integer(jget_int(why, k, 0) + 1));
        }
        json_array_append_new(list, item);
    }
    *out = json_pack("{sosssIsIsoso}", "referral", ri.row, "policy", beds_policy_name(o.policy),
                     "suitable", (json_int_t)nok, "unsuitable", (json_int_t)(d->nbeds - nok),
                     "unsuitable_by_reason", why, "beds", list);
    ri.row = NULL;
    free(opts);
    store_beds_data_free(d);
    return 0;
}

/* A plan with each placement's reasons and cost in words, and why each
 * unplaced referral has no bed (cnt: the board's counts for the costs). */
static json_t *plan_json(const beds_data *d, const beds_plan *p, const beds_match_opts *o,
                         const beds_unit_count *cnt)
{
    beds_board bb = {d->units, d->nunits, d->beds, d->nbeds};
    json_t *as = json_array(), *un = json_array();
    for (size_t i = 0; i < p->nrefs; i++) {
        const beds_referral *r = &d->refs[i];
        if (!p->ready[i]) continue;
        if (p->bed_of[i] < 0) {
            json_t *x = json_pack("{sIsI}", "referral_id", (json_int_t)r->id, "cost",
                                  (json_int_t)p->cost_of[i]);
            beds_option *opts;
            size_t nok;
            char why[320];
            if (!beds_referral_rank(&bb, r, o, &opts, &nok, NULL)) {
                beds_referral_why_not(&bb, r, opts, nok, NULL, why, sizeof why);
                if (nok)
                    snprintf(why, sizeof why,
                             "its %zu suitable free bed%s went to other referrals: this plan "
                             "costs less in total (priority and wait weigh in)",
                             nok, nok == 1 ? "" : "s");
                json_object_set_new(x, "why_not", json_string(why));
                free(opts);
            }
            json_array_append_new(un, x);
            continue;
        }
        const beds_bed *b = &d->beds[p->bed_of[i]];
        const beds_unit *u = &d->units[b->unit];
        json_t *x =
            json_pack("{sIsIsssssI}", "referral_id", (json_int_t)r->id, "bed_id", (json_int_t)b->id,
                      "bed_code", b->code, "unit_code", u->code, "cost", (json_int_t)p->cost_of[i]);
        if (r->has_home)
            json_object_set_new(x, "km", json_real(geo_km(r->lat, r->lon, u->lat, u->lon)));
        json_object_set_new(x, "fit",
                            json_string(beds_type_fit(r->type, u->type) ? "alternative" : "exact"));
        beds_option opt;
        char text[320];
        if (beds_option_cost(&bb, cnt, r, p->bed_of[i], o, &opt) >= 0) {
            beds_option_explain(&bb, r, &opt, text, sizeof text);
            json_object_set_new(x, "explanation", json_string(text));
            beds_cost_words(r, &opt, o, text, sizeof text);
            json_object_set_new(x, "cost_words", json_string(text));
        }
        json_object_set_new(x, "unit_name", json_string(d->unit_names[b->unit]));
        json_array_append_new(as, x);
    }
    return json_pack("{sssIsIsIsIsIsIsfsisoso}", "policy", beds_policy_name(o->policy), "ready",
                     (json_int_t)p->nready, "placed", (json_int_t)p->nplaced, "unplaced",
                     (json_int_t)(p->nready - p->nplaced), "total_cost", (json_int_t)p->total_cost,
                     "placed_cost", (json_int_t)p->placed_cost, "unplaced_cost",
                     (json_int_t)p->unplaced_cost, "mean_km",
                     p->nplaced ? p->total_km / (double)p->nplaced : 0.0, "alternative_fits",
                     p->alt_fits, "assignments", as, "unplaced_referrals", un);
}

typedef struct match_in {
    const char *policy; /* "pooled", "borough" or "both" */
    double max_km;
    int apply;
} match_in;

/* Match the queue (inside the caller's transaction when applying). */
static int match_run(app_ctx *c, const match_in *in, json_t **out, ics_err *e)
{
    assert(!in->apply || store_tx_depth(c->db) > 0);
    int both = strcmp(in->policy, "both") == 0;
    beds_match_opts o;
    beds_match_opts_default(&o, c->now);
    if (!both) beds_policy_parse(in->policy, &o.policy, NULL);
    o.max_km = in->max_km;
    beds_data *d;
    char ics[STORE_ICS_CODE];
    json_t *places = NULL;
    int rc = app_ics_one(c, ics, e);
    if (!rc) rc = store_beds_places(c->db, ics, &places, e);
    if (rc) return rc;
    if ((rc = store_beds_load(c->db, BEDS_LOAD_BOARD | BEDS_LOAD_WAITING, &d, e))) {
        json_decref(places);
        return rc;
    }
    /* one ICS's queue into its own beds (?ics=, default the home ICS) */
    app_beds_keep_ics(d, places);
    json_decref(places);
    beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
    beds_unit_count *cnt = calloc(d->nunits ? d->nunits : 1, sizeof *cnt);
    if (!cnt) {
        store_beds_data_free(d);
        return ics_err_set(e, ICS_ENOMEM, "out of memory for matching");
    }
    beds_board_count(&b, c->now, o.stale_after, cnt);
    json_t *plans = json_array(), *offers = json_array();
    beds_plan *first = NULL;
    for (int k = 0; k < (both ? 2 : 1) && !rc; k++) {
        if (both) o.policy = k ? BEDS_POLICY_BOROUGH : BEDS_POLICY_POOLED;
        beds_plan *p;
        if ((rc = beds_queue_match(&b, d->refs, d->nrefs, &o, NULL, NULL, &p, e))) break;
        json_array_append_new(plans, plan_json(d, p, &o, cnt));
        if (!first)
            first = p;
        else
            beds_plan_free(p);
    }
    for (size_t i = 0; in->apply && first && i < first->nrefs && !rc; i++) {
        if (first->bed_of[i] < 0) continue;
        json_t *after = NULL;
        rc = offer_tx(c, d->refs[i].id, d->beds[first->bed_of[i]].id, &after, e);
        if (!rc) json_array_append_new(offers, after);
    }
    beds_plan_free(first);
    free(cnt);
    store_beds_data_free(d);
    json_t *res = json_pack("{sosbso}", "plans", plans, "applied", in->apply, "offers", offers);
    if (!rc && both) {
        json_t *p0 = json_array_get(plans, 0), *p1 = json_array_get(plans, 1);
        json_object_set_new(
            res, "pooling_gain",
            json_pack("{sIsIsf}", "extra_placed",
                      (json_int_t)(jget_int(p0, "placed", 0) - jget_int(p1, "placed", 0)),
                      "cost_saved",
                      (json_int_t)(jget_int(p1, "total_cost", 0) - jget_int(p0, "total_cost", 0)),
                      "mean_km_change",
                      json_real_value(json_object_get(p0, "mean_km")) -
                          json_real_value(json_object_get(p1, "mean_km"))));
    }
    if (!rc && in->apply) {
        json_t *plan = json_array_get(plans, 0);
        json_t *sum = json_pack("{sssIsIsI}", "policy", jget_str(plan, "policy", ""), "placed",
                                (json_int_t)jget_int(plan, "placed", 0), "unplaced",
                                (json_int_t)jget_int(plan, "unplaced", 0), "offers",
                                (json_int_t)json_array_size(offers));
        rc = app_record(c, &APP_BEDS_MATCH, "beds", jget_str(plan, "policy", ""), NULL, sum,
                        "beds.matched", NULL, json_deep_copy(sum), e);
        json_decref(sum);
    }
    if (rc)
        json_decref(res);
    else
        *out = res;
    return rc;
}

int app_beds_queue_match(app_ctx *c, const json_t *body, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_MATCH, e);
    if (rc) return rc;
    problems bad;
    problems_init(&bad);
    match_in in = {"pooled", 0, 0};
    json_t *p = json_object_get(body, "policy"), *k = json_object_get(body, "max_km"),
           *a = json_object_get(body, "apply");
    beds_policy pol;
    if (p) in.policy = json_is_string(p) ? json_string_value(p) : "";
    if (strcmp(in.policy, "both") && beds_policy_parse(in.policy, &pol, NULL))
        problems_add(&bad, "policy '%s' is not pooled, borough or both", in.policy);
    if (k && !json_is_number(k))
        problems_add(&bad, "max_km: must be a number");
    else if (k && (in.max_km = json_number_value(k)) < 0)
        problems_add(&bad, "max_km must not be negative");
    if (a && !json_is_boolean(a)) problems_add(&bad, "apply: must be true or false");
    in.apply = json_is_true(a);
    if ((rc = problems_done(&bad, e))) return rc;
    if (!in.apply) return match_run(c, &in, out, e);
    if ((rc = app_begin(c, e))) return rc;
    return end(c, match_run(c, &in, out, e), out, e);
}

/* ---- imports ------------------------------------------------------------- */

/* Collect a row's problem with its file and line (at most MAX_PROBLEMS). */
static void row_problem(problems *b, int *n, const csv_doc *d, size_t r, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void row_problem(problems *b, int *n, const csv_doc *d, size_t r, const char *fmt, ...)
{
    if ((*n)++ >= MAX_PROBLEMS) return;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    problems_add(b, "%s line %zu: %s", d->name, d->line[r], msg);
}

static int row_problems(problems *b, int n, ics_err *e)
{
    if (n > MAX_PROBLEMS) problems_add(b, "and %d more", n - MAX_PROBLEMS);
    return problems_done(b, e);
}

/* side_room is optional: without it a snapshot leaves each bed's as it was */
static const char *const snap_cols[] = {"bed_code", "unit_code", "status", "closure",
                                        "bay_sex",  "side_room", NULL};

/* Check every snapshot row against the database (read only). */
static int snapshot_check(app_ctx *c, const csv_doc *d, const int *ix, ics_err *e)
{
    problems bad;
    problems_init(&bad);
    int n = 0, rc = 0;
    for (size_t r = 0; r < d->nrows && !rc; r++) {
        char **row = d->rows[r];
        const char *code = row[ix[0]], *unit = row[ix[1]], *status = row[ix[2]],
                   *closure = row[ix[3]], *bay = row[ix[4]];
        beds_status st = BEDS_AVAILABLE;
        beds_closure cl;
        char org[16];
        if (!*code || strlen(code) >= BEDS_CODE_MAX)
            row_problem(&bad, &n, d, r, "bed_code '%s' must be 1 to 23 characters", code);
        int have_unit = store_beds_unit_org(c->db, unit, org, e);
        if (have_unit == ICS_ENOTFOUND)
            row_problem(&bad, &n, d, r, "no unit '%s'", unit);
        else if (have_unit)
            rc = have_unit;
        if (beds_status_parse(status, &st, NULL))
            row_problem(&bad, &n, d, r,
                        "status '%s' is not available, reserved, occupied, closed or cleaning",
                        status);
        else if (st == BEDS_RESERVED)
            row_problem(&bad, &n, d, r, "status reserved comes only from an offer in icsflow");
        else if (st == BEDS_CLOSED && beds_closure_parse(closure, &cl, NULL))
            row_problem(&bad, &n, d, r,
                        "a closed bed needs closure infection_control, staffing or maintenance, "
                        "not '%s'",
                        closure);
        else if (st != BEDS_CLOSED && *closure)
            row_problem(&bad, &n, d, r, "closure '%s' given for a bed that is not closed", closure);
        if (*bay && strcmp(bay, "M") && strcmp(bay, "F"))
            row_problem(&bad, &n, d, r, "bay_sex '%s' is not M, F or empty", bay);
        const char *side = ix[5] >= 0 ? row[ix[5]] : "";
        if (*side && strcmp(side, "0") && strcmp(side, "1"))
            row_problem(&bad, &n, d, r, "side_room '%s' is not 1 (a side room), 0 or empty", side);
        else if (!strcmp(side, "1") && *bay)
            row_problem(&bad, &n, d, r, "a side room is in no bay: bay_sex must be empty, not '%s'",
                        bay);
        beds_bed_row b;
        int have = *code ? store_beds_bed_find_code(c->db, code, &b, e) : 0;
        if (have < 0) rc = have;
        if (have == 1 && b.referral && strcmp(b.status, status) != 0)
            row_problem(&bad, &n, d, r,
                        "bed %s is held by a bed referral; change it through the referral", code);
    }
    if (rc) {
        problems_done(&bad, NULL);
        return rc;
    }
    return row_problems(&bad, n, e);
}

static int snapshot_write(app_ctx *c, const csv_doc *d, const int *ix, int *count, ics_err *e)
{
    assert(store_tx_depth(c->db) > 0);
    int rc = 0;
    for (size_t r = 0; r < d->nrows && !rc; r++) {
        char **row = d->rows[r];
        const char *code = row[ix[0]], *unit = row[ix[1]], *status = row[ix[2]],
                   *closure = row[ix[3]], *bay = row[ix[4]];
        beds_status st = BEDS_AVAILABLE;
        beds_closure cl = BEDS_CLOSE_NONE;
        beds_status_parse(status, &st, NULL);
        if (st == BEDS_CLOSED) beds_closure_parse(closure, &cl, NULL);
        const char *cln = st == BEDS_CLOSED ? beds_closure_name(cl) : NULL;
        beds_bed_row was, now;
        int have = store_beds_bed_find_code(c->db, code, &was, e);
        if (have < 0) return have;
        int64_t id = was.id;
        if (have)
            rc = store_beds_bed_rewrite(c->db, id, unit, *bay ? bay : NULL, status, cln,
                                        c->who.name, c->now, e);
        else
            rc = store_beds_bed_insert(c->db, code, unit, *bay ? bay : NULL, status, cln,
                                       c->who.name, c->now, &id, e);
        if (!rc && ix[5] >= 0)
            rc = store_beds_bed_side_room(c->db, id, !strcmp(row[ix[5]], "1"), e);
        if (!rc)
            rc = store_beds_history_add(c->db, id, c->who.name, status, cln, 0, "snapshot import",
                                        c->now, e);
        if (!rc) rc = store_beds_unit_confirm(c->db, unit, c->now, c->who.name, NULL, e);
        /* announce every bed whose status (or closure) the snapshot changed */
        if (!rc && (!have || strcmp(was.status, status) || strcmp(was.closure, cln ? cln : "")) &&
            !(rc = store_beds_bed_find(c->db, id, &now, e)))
            rc = bed_event(c, &now, have ? was.status : NULL, status, cln, 0, e);
        if (!rc) (*count)++;
    }
    return rc;
}

/* The tail of an import: audit (file and rows) and beds.imported. */
static int import_record(app_ctx *c, const app_use *u, const char *object_type, const char *kind,
                         const char *file, int rows, ics_err *e)
{
    json_t *after = json_pack("{sssi}", "file", file, "rows", rows);
    int rc = app_record(c, u, object_type, file, NULL, after, "beds.imported", NULL,
                        json_pack("{sssssi}", "kind", kind, "file", file, "rows", rows), e);
    json_decref(after);
    return rc;
}

int app_beds_import_snapshot(app_ctx *c, const csv_doc *d, int *count, ics_err *e)
{
    *count = 0;
    const app_use *u = &APP_BEDS_IMPORT_SNAPSHOT;
    int ix[6] = {0};
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    /* the five required columns, and side_room when the file has it */
    int with_side = csv_col(d, "side_room") >= 0;
    static const char *const required[] = {"bed_code", "unit_code", "status",
                                           "closure",  "bay_sex",   NULL};
    if (csv_columns(d, with_side ? snap_cols : required, ix, 1, e)) return ICS_EINVAL;
    if (!with_side) ix[5] = -1;
    if ((rc = snapshot_check(c, d, ix, e)) || (rc = app_begin(c, e))) return rc;
    rc = snapshot_write(c, d, ix, count, e);
    if (!rc) rc = import_record(c, u, "beds", "snapshot", d->name, *count, e);
    if ((rc = app_end(c, rc, e))) *count = 0;
    return rc;
}

static const char *const stay_cols[] = {"unit_code", "admitted",    "discharged",
                                        "ready",     "destination", NULL};

/* A stays row parsed into y (ready date text in rd); problems collected.
 * Returns a failed read's code, else 0. */
static int stay_parse(app_ctx *c, const csv_doc *d, size_t r, const int *ix, beds_stay_rec *y,
                      char rd[16], problems *bad, int *n, ics_err *e)
{
    char **row = d->rows[r];
    char org[16];
    int64_t ready = -1;
    ics_err ve = {0};
    memset(y, 0, sizeof *y);
    y->unit = row[ix[0]];
    int rc = store_beds_unit_org(c->db, y->unit, org, e);
    if (rc == ICS_ENOTFOUND) row_problem(bad, n, d, r, "no unit '%s'", y->unit);
    if (tz_parse(row[ix[1]], &y->admitted_at, &ve))
        row_problem(bad, n, d, r, "admitted: %s", ve.msg);
    if (*row[ix[2]] && tz_parse(row[ix[2]], &y->discharged_at, &ve))
        row_problem(bad, n, d, r, "discharged: %s", ve.msg);
    else if (*row[ix[2]] && y->discharged_at < y->admitted_at)
        row_problem(bad, n, d, r, "discharged %s is before admitted", row[ix[2]]);
    if (*row[ix[3]] && tz_parse_date(row[ix[3]], &ready, &ve))
        row_problem(bad, n, d, r, "ready: %s", ve.msg);
    const char *dest = row[ix[4]];
    if (*dest && !known_destination(dest))
        row_problem(bad, n, d, r, "destination '%s' is not known", dest);
    rd[0] = 0;
    if (ready >= 0) tz_format_date(ready, rd, 16);
    y->ready_day = *rd ? rd : NULL;
    y->destination = *dest ? dest : NULL;
    return rc == ICS_ENOTFOUND ? 0 : rc;
}

int app_beds_import_stays(app_ctx *c, const csv_doc *d, int *count, ics_err *e)
{
    *count = 0;
    const app_use *u = &APP_BEDS_IMPORT_STAYS;
    int ix[5], n = 0;
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    if (csv_columns(d, stay_cols, ix, 1, e)) return ICS_EINVAL;
    size_t nr = d->nrows ? d->nrows : 1;
    beds_stay_rec *ys = calloc(nr, sizeof *ys);
    char(*rds)[16] = calloc(nr, sizeof *rds);
    if (!ys || !rds) {
        free(ys);
        free(rds);
        return ics_err_set(e, ICS_ENOMEM, "out of memory for %zu stays", d->nrows);
    }
    problems bad;
    problems_init(&bad);
    for (size_t r = 0; r < d->nrows && !rc; r++)
        rc = stay_parse(c, d, r, ix, &ys[r], rds[r], &bad, &n, e);
    if (rc) problems_done(&bad, NULL);
    if (!rc && !(rc = row_problems(&bad, n, e)) && !(rc = app_begin(c, e))) {
        for (size_t r = 0; r < d->nrows && !rc; r++)
            if (!(rc = store_beds_stay_insert(c->db, &ys[r], e))) (*count)++;
        if (!rc) rc = import_record(c, u, "bed_stays", "stays", d->name, *count, e);
        if ((rc = app_end(c, rc, e))) *count = 0;
    }
    free(ys);
    free(rds);
    return rc;
}

/* ---- synthetic history --------------------------------------------------- */

/* Beds <unit>-NN for every unit that has none; in a mixed unit the first
 * 40% form a male bay, the next 40% a female bay, the rest are side rooms
 * (synthetic, as the beds are: marked side_room). */
static int create_beds(app_ctx *c, ics_err *e)
{
    json_t *units;
    int rc = store_beds_units_without_beds(c->db, &units, e);
    if (rc) return rc;
    size_t i;
    json_t *u;
    json_array_foreach(units, i, u)
    {
        int n = (int)jget_int(u, "beds", 0);
        int mixed = strcmp(jget_str(u, "sex", ""), "mixed") == 0;
        for (int k = 0; k < n && !rc; k++) {
            char code[BEDS_CODE_MAX + 16];
            snprintf(code, sizeof code, "%.18s-%02d", jget_str(u, "unit_code", ""), (k + 1) % 1000);
            const char *bay = !mixed ? NULL : k < n * 2 / 5 ? "M" : k < n * 4 / 5 ? "F" : NULL;
            int64_t id = 0;
            rc = store_beds_bed_insert(c->db, code, jget_str(u, "unit_code", ""), bay, "available",
                                       NULL, c->who.name, c->now, &id, e);
            if (!rc && mixed && !bay) rc = store_beds_bed_side_room(c->db, id, 1, e);
        }
    }
    json_decref(units);
    return rc;
}

/* The acute site nearest to a patient's home (referrals come from there). */
static const json_t *nearest_acute(const json_t *acute, const beds_referral *f)
{
    const json_t *site = NULL;
    double best = 1e9;
    size_t k;
    json_t *sr;
    json_array_foreach(acute, k, sr)
    {
        double km = geo_km(f->lat, f->lon, json_number_value(json_object_get(sr, "lat")),
                           json_number_value(json_object_get(sr, "lon")));
        if (km < best) {
            best = km;
            site = sr;
        }
    }
    return site;
}

/* One generated episode: its referral, and when admitted its stay and the
 * bed's history. gnow is the generator's "now". */
static int episode_write(app_ctx *c, const beds_data *d, const beds_history *h,
                         const beds_episode *ep, const json_t *acute, int64_t gnow, ics_err *e)
{
    const beds_referral *f = &ep->ref;
    const json_t *site = nearest_acute(acute, f);
    int64_t bed = ep->bed >= 0 ? h->beds[ep->bed].id : 0;
    char sex[2] = {f->sex, 0};
    beds_ref_rec r = {.nhs = f->nhs,
                      .sex = sex,
                      .district = ep->district,
                      .place = f->place,
                      .site = site ? jget_str(site, "site_code", "") : "",
                      .org = site ? jget_str(site, "org_code", "") : "",
                      .bed_type = beds_type_name(f->type),
                      .state = beds_ref_state_name(ep->state),
                      .notes = "SYNTHETIC - generated by icsflow",
                      .created_by = "synthetic",
                      .destination = ep->destination,
                      .reason = ep->reason,
                      .age = f->age,
                      .priority = f->priority,
                      .synthetic = 1,
                      .has_home = 1,
                      .lat = f->lat,
                      .lon = f->lon,
                      .referred_at = f->referred_at,
                      .earliest_at = f->earliest_at,
                      .bed = bed,
                      .offered_at = ep->admitted_at ? ep->admitted_at - 3 * 3600
                                    : bed           ? gnow
                                                    : 0,
                      .accepted_at = ep->admitted_at                  ? ep->admitted_at - 2 * 3600
                                     : ep->state == BEDS_REF_ACCEPTED ? gnow
                                                                      : 0,
                      .admitted_at = ep->admitted_at,
                      .discharged_at = ep->discharged_at,
                      .updated_at = ep->discharged_at ? ep->discharged_at : f->referred_at};
    int64_t rid;
    int rc = store_beds_referral_insert(c->db, &r, &rid, e);
    if (rc || !ep->admitted_at) return rc;
    char rd[16] = "";
    if (ep->ready_day >= 0) tz_format_date(ep->ready_day, rd, sizeof rd);
    beds_stay_rec y = {.referral = rid,
                       .bed = bed,
                       .unit = d->units[h->beds[ep->bed].unit].code,
                       .admitted_at = ep->admitted_at,
                       .discharged_at = ep->discharged_at,
                       .ready_day = *rd ? rd : NULL,
                       .destination = ep->destination,
                       .synthetic = 1};
    const char *who = c->who.name;
    rc = store_beds_stay_insert(c->db, &y, e);
    if (!rc)
        rc = store_beds_history_add(c->db, bed, who, "occupied", NULL, rid, "synthetic",
                                    ep->admitted_at, e);
    if (!rc && ep->discharged_at)
        rc = store_beds_history_add(c->db, bed, who, "available", NULL, 0, "synthetic",
                                    ep->discharged_at, e);
    if (!rc && (ep->state == BEDS_REF_ADMITTED || ep->state == BEDS_REF_OFFERED ||
                ep->state == BEDS_REF_ACCEPTED))
        rc = store_beds_bed_hold(c->db, bed, rid, e);
    return rc;
}

static int generate_tx(app_ctx *c, uint64_t seed, int ndays, int *nrefs, ics_err *e)
{
    assert(store_tx_depth(c->db) > 0);
    beds_data *d = NULL;
    json_t *dist = NULL, *acute = NULL;
    beds_district *ds = NULL;
    beds_history *h = NULL;
    int rc = create_beds(c, e);
    if (!rc) rc = store_beds_load(c->db, BEDS_LOAD_BOARD, &d, e);
    if (!rc) rc = store_beds_districts(c->db, &dist, e);
    if (!rc) rc = store_beds_acute_sites(c->db, &acute, e);
    if (rc) goto done;
    size_t nd = json_array_size(dist);
    if (!(ds = calloc(nd ? nd : 1, sizeof *ds))) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nd; i++) {
        json_t *r = json_array_get(dist, i);
        snprintf(ds[i].code, sizeof ds[i].code, "%s", jget_str(r, "district", ""));
        ds[i].lat = json_number_value(json_object_get(r, "lat"));
        ds[i].lon = json_number_value(json_object_get(r, "lon"));
        snprintf(ds[i].place, sizeof ds[i].place, "%s", jget_str(r, "place_code", ""));
    }
    beds_gen_opts go = {.seed = seed,
                        .end_day = tz_local_date(c->now),
                        .ndays = ndays,
                        .occupancy = 0.9,
                        .closed_share = 0.03};
    if ((rc = beds_history_generate(d->units, d->nunits, d->beds, d->nbeds, ds, nd, &go, &h, e)))
        goto done;
    int64_t gnow = go.end_day * 86400 + 10 * 3600; /* the generator's "now" */
    for (size_t i = 0; i < h->n && !rc; i++) {
        rc = episode_write(c, d, h, &h->eps[i], acute, gnow, e);
        if (!rc) (*nrefs)++;
    }
    /* offers made on the last morning hold their beds too */
    if (!rc) rc = store_beds_holds_sync(c->db, e);
    for (size_t b = 0; b < h->nbeds && !rc; b++) {
        const beds_bed *bd = &h->beds[b];
        const char *cl = bd->status == BEDS_CLOSED ? beds_closure_name(bd->closure) : NULL;
        rc = store_beds_bed_write(c->db, bd->id, beds_status_name(bd->status), cl, gnow, e);
        if (!rc && bd->status == BEDS_CLOSED)
            rc = store_beds_history_add(c->db, bd->id, c->who.name, "closed", cl, 0, "synthetic",
                                        gnow, e);
    }
    for (size_t u = 0; u < d->nunits && !rc; u++)
        rc = store_beds_unit_confirm(c->db, d->units[u].code, h->confirmed_at[u], c->who.name, NULL,
                                     e);
    if (!rc) {
        json_t *after =
            json_pack("{sIsisi}", "seed", (json_int_t)seed, "days", ndays, "referrals", *nrefs);
        json_t *p = json_pack("{sssIsisi}", "kind", "synthetic", "seed", (json_int_t)seed, "days",
                              ndays, "rows", *nrefs);
        rc = app_record(c, &APP_BEDS_GENERATE, "beds", "synthetic", NULL, after, "beds.imported",
                        NULL, p, e);
        json_decref(after);
    }
done:
    beds_history_free(h);
    free(ds);
    json_decref(dist);
    json_decref(acute);
    store_beds_data_free(d);
    return rc;
}

int app_beds_generate(app_ctx *c, uint64_t seed, int days, int *nrefs, ics_err *e)
{
    *nrefs = 0;
    int rc = app_allow(c, &APP_BEDS_GENERATE, e);
    if (rc) return rc;
    if (days < 1 || days > 3660)
        return ics_err_set(e, ICS_EINVAL, "days must be a whole number from 1 to 3660");
    int any = 0;
    if ((rc = store_beds_referral_any(c->db, &any, e))) return rc;
    if (any) return ics_err_set(e, ICS_ECONFLICT, "the database already has a bed history");
    if ((rc = app_begin(c, e))) return rc;
    if ((rc = app_end(c, generate_tx(c, seed, days, nrefs, e), e))) *nrefs = 0;
    return rc;
}

/* The first-start seed step: the beds of every unit and a synthetic year
 * of referrals and stays (nothing when the database already has them). */
int app_beds_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    int any = 0, n = 0;
    int rc = store_beds_referral_any(c->db, &any, e);
    if (rc || any) return rc;
    return app_beds_generate(c, SEED_DEFAULT, SEED_DAYS, &n, e);
}
