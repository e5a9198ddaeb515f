/* beds_queue.c - the bed bureau's waiting queue as a coordinator reads it:
 * each waiting referral with whether a suitable bed is free now, and if not
 * why not in words (the beds engine's why.c) and when a suitable bed is next
 * expected to free up (the length-of-stay forecast). A read use case of its
 * own so the queue, the dashboard and `icsflow beds queue` say the same. */
#include <stdlib.h>
#include <string.h>

#include "app/beds.h"
#include "app/ics.h"
#include "beds/beds.h"
#include "core/jget.h"
#include "core/tz.h"
#include "store/beds.h"

const app_use APP_BEDS_QUEUE = {"beds.queue", ROLE_ADMIN | ROLE_COORDINATOR, APP_SCOPE_ICS};

static const char *place_name(const json_t *places, const char *code)
{
    size_t i;
    json_t *p;
    json_array_foreach(places, i, p) if (!strcmp(jget_str(p, "code", ""), code)) return jget_str(
        p, "name", code);
    return code;
}

/* One waiting referral's line of the queue. */
static json_t *queue_item(const beds_data *d, const beds_board *b, const beds_referral *r,
                          const beds_match_opts *o, const double (*disch)[BEDS_FORECAST_DAYS],
                          const json_t *places, int64_t today, ics_err *e)
{
    const char *pname = place_name(places, r->place);
    json_t *it = json_pack(
        "{sIsisssisssssssf}", "referral_id", (json_int_t)r->id, "age", r->age, "sex",
        r->sex == 'M'   ? "M"
        : r->sex == 'F' ? "F"
                        : "U",
        "priority", r->priority, "bed_type", beds_type_name(r->type), "place_code", r->place,
        "place_name", pname, "wait_days", (double)(o->now - r->referred_at) / 86400.0);
    if (!it) return NULL;
    if (!beds_referral_ready(r, o->now)) {
        char when[32], text[96];
        tz_format(r->earliest_at, when, sizeof when);
        snprintf(text, sizeof text, "not ready for transfer until %.16s", when);
        json_object_set_new(it, "ready", json_false());
        json_object_set_new(it, "placeable", json_false());
        json_object_set_new(it, "suitable_beds", json_integer(0));
        json_object_set_new(it, "why_not", json_string(text));
        json_object_set_new(it, "next_bed", json_null());
        return it;
    }
    beds_option *opts;
    size_t nok;
    if (beds_referral_rank(b, r, o, &opts, &nok, e)) {
        json_decref(it);
        return NULL;
    }
    char text[320];
    beds_referral_why_not(b, r, opts, nok, pname, text, sizeof text);
    json_object_set_new(it, "ready", json_true());
    json_object_set_new(it, "placeable", json_boolean(nok > 0));
    json_object_set_new(it, "suitable_beds", json_integer((json_int_t)nok));
    json_object_set_new(it, nok ? "placement" : "why_not", json_string(text));
    if (nok) {
        const beds_bed *bd = &b->beds[opts[0].bed];
        json_object_set_new(it, "best_bed",
                            json_pack("{sIssssss}", "bed_id", (json_int_t)bd->id, "bed_code",
                                      bd->code, "unit_code", b->units[bd->unit].code, "unit_name",
                                      d->unit_names[bd->unit]));
        json_object_set_new(it, "next_bed", json_null());
    } else {
        int unit = -1, k = beds_next_free(b, r, o->policy, disch, &unit);
        if (k < 0 || unit < 0) {
            json_object_set_new(it, "next_bed", json_null());
            json_object_set_new(it, "next_bed_text",
                                json_string("no suitable bed is expected to free up within 7 days "
                                            "(length-of-stay forecast)"));
        } else {
            char ds[16], nt[320];
            tz_format_date(today + k, ds, sizeof ds);
            snprintf(nt, sizeof nt,
                     "a suitable bed is expected to free up %s%s, most likely at %s (%s); "
                     "length-of-stay forecast, assuming a freed bed in a mixed unit can take "
                     "either sex",
                     k == 0 ? "today" : "by ", k == 0 ? "" : ds, d->unit_names[unit],
                     d->units[unit].code);
            json_object_set_new(it, "next_bed",
                                json_pack("{sisssss}", "in_days", k, "date", ds, "unit_code",
                                          d->units[unit].code, "unit_name", d->unit_names[unit]));
            json_object_set_new(it, "next_bed_text", json_string(nt));
        }
    }
    free(opts);
    return it;
}

typedef struct queue_read {
    beds_match_opts o;
    json_t *out;
} queue_read;

/* The queue, built in one snapshot (app_read_audited's read). */
static int queue_build(app_ctx *c, void *arg, json_t **detail, ics_err *e)
{
    (void)detail; /* the record names the queue, nothing more */
    queue_read *q = arg;
    char ics[STORE_ICS_CODE];
    json_t *places = NULL;
    int rc;
    if ((rc = app_ics_one(c, ics, e)) || (rc = store_beds_places(c->db, ics, &places, e)))
        return rc;
    beds_data *d;
    if ((rc = store_beds_load(c->db, BEDS_LOAD_BOARD | BEDS_LOAD_WAITING | BEDS_LOAD_STAYS, &d,
                              e))) {
        json_decref(places);
        return rc;
    }
    app_beds_keep_ics(d, places);
    int *free_now = NULL;
    double *disf = NULL, *frf = NULL;
    json_t *items = json_array();
    int64_t today = tz_local_date(c->now);
    beds_board b = {d->units, d->nunits, d->beds, d->nbeds};
    rc = app_beds_forecast_of(d, c->now, &free_now, &disf, &frf, e);
    const double(*dis)[BEDS_FORECAST_DAYS] = (const double(*)[BEDS_FORECAST_DAYS])disf;
    int nplaceable = 0;
    for (size_t i = 0; !rc && i < d->nrefs; i++) {
        json_t *it = queue_item(d, &b, &d->refs[i], &q->o, dis, places, today, e);
        if (!it) {
            rc = e->code ? e->code : ics_err_set(e, ICS_ENOMEM, "out of memory for the queue");
            break;
        }
        nplaceable += json_is_true(json_object_get(it, "placeable"));
        json_array_append_new(items, it);
    }
    if (!rc) {
        char gen[32];
        tz_format(c->now, gen, sizeof gen);
        q->out = json_pack("{sssssIsisoss}", "generated_at", gen, "policy",
                           beds_policy_name(q->o.policy), "waiting", (json_int_t)d->nrefs,
                           "placeable", nplaceable, "items", items, "note",
                           "why_not names the rule that rules out each free bed of a suitable "
                           "type; next_bed is a forecast from the units' lengths of stay "
                           "(synthetic unless the bureau has loaded its own stays)");
        items = NULL;
        if (!q->out) rc = ics_err_set(e, ICS_ENOMEM, "out of memory for the queue");
    }
    json_decref(items);
    json_decref(places);
    free(free_now);
    free(disf);
    free(frf);
    store_beds_data_free(d);
    return rc;
}

int app_beds_queue(app_ctx *c, const char *policy, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_BEDS_QUEUE, e);
    if (rc) return rc;
    queue_read q = {.out = NULL};
    beds_match_opts_default(&q.o, c->now);
    if (policy && beds_policy_parse(policy, &q.o.policy, e)) return ICS_EINVAL;
    /* the queue names patients (age, sex, home borough): read in a
     * snapshot, then the read recorded before it is sent */
    rc = app_read_audited(c, "read.bed_queue", "bed_referral", "queue", queue_build, &q, e);
    if (rc) {
        json_decref(q.out);
        return rc;
    }
    *out = q.out;
    return 0;
}
