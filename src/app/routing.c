/* app/routing.c - use cases of rapid-response routing and UCR referrals:
 * validate (every problem at once), authorise (role, then organisation
 * scope: a referral is seen by its referrer and its provider), one
 * transaction with the audit record and the change event, and the JSON
 * views of the finder's answer and the reports that the API and the CLI
 * both print. Also the first-start seeding step. */
#include "app/routing.h"

#include "app/ics.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ics.h"
#include "app/page.h"
#include "app/seed.h"
#include "core/jget.h"
#include "core/sb.h"
#include "core/tz.h"
#include "core/valid.h"
#include "store/directory.h"

#define ROLES_SEE    (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_CLINICIAN | ROLE_TRUST_OPS)
#define ROLES_REPORT (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST)

const app_use APP_ROUTING_ROUTE_FIND = {"route.find", ROLE_ADMIN | ROLE_CLINICIAN, APP_SCOPE_NONE};
const app_use APP_ROUTING_REFERRAL_CREATE = {"referrals.create", ROLE_ADMIN | ROLE_CLINICIAN,
                                             APP_SCOPE_OWN_ORG};
const app_use APP_ROUTING_REFERRAL_GET = {"referrals.get", ROLES_SEE, APP_SCOPE_PARTY};
const app_use APP_ROUTING_REFERRAL_LIST = {"referrals.list", ROLES_SEE, APP_SCOPE_PARTY};
const app_use APP_ROUTING_REFERRAL_ACCEPT = {"referrals.accept", ROLES_SEE, APP_SCOPE_PARTY};
const app_use APP_ROUTING_REFERRAL_DECLINE = {"referrals.decline", ROLES_SEE, APP_SCOPE_PARTY};
const app_use APP_ROUTING_REFERRAL_ATTEND = {"referrals.attend", ROLES_SEE, APP_SCOPE_PARTY};
const app_use APP_ROUTING_REFERRAL_CANCEL = {"referrals.cancel", ROLES_SEE, APP_SCOPE_PARTY};
const app_use APP_ROUTING_REFERRAL_GENERATE = {"referrals.generate", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_ROUTING_CAPACITY_SET = {"services.capacity", ROLES_SEE, APP_SCOPE_OWN_ORG};
const app_use APP_ROUTING_REPORT_UCR = {"reports.ucr", ROLES_REPORT, APP_SCOPE_ICS};
const app_use APP_ROUTING_REPORT_HARM = {"reports.harmonisation", ROLES_REPORT, APP_SCOPE_ICS};

#define BODY_REQUIRED "a JSON object body is required (Content-Type: application/json)"

/* ---- JSON helpers --------------------------------------------------------- */

static json_t *iso(int64_t t)
{
    if (!t) return json_null();
    char b[32];
    tz_format(t, b, sizeof b);
    return json_string(b);
}

/* ---- the finder ----------------------------------------------------------- */

static const json_field route_fields[] = {
    {"postcode", JF_STRING, 0},     {"lat", JF_NUMBER, 0}, {"lon", JF_NUMBER, 0},
    {"place", JF_STRING, 0},        {"age", JF_INT, 1},    {"needs", JF_ARRAY, 1},
    {"presentations", JF_ARRAY, 0}, {"at", JF_STRING, 0},  {"allow_partial", JF_BOOL, 0},
    {"radius_km", JF_NUMBER, 0},    {NULL, 0, 0}};

/* A JSON array of words to "a b c"; a problem naming the field otherwise. */
static void words(const json_t *v, const char *field, char *buf, size_t n, problems *p)
{
    buf[0] = '\0';
    if (!v || json_is_null(v)) return;
    size_t i, len = 0;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        const char *s = json_string_value(x);
        if (!s || !*s || strchr(s, ' ') || strlen(s) + len + 2 > n) {
            problems_add(p, "field '%s' must be an array of words", field);
            return;
        }
        len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? " " : "", s);
    }
}

/* The location, age, needs and time fields shared by route and referral
 * bodies; needs and pres hold the words (n bytes each). */
/* The text inputs of a finder query (API body or CLI options). */
typedef struct routing_input {
    const char *postcode, *place, *needs, *presentations, *at;
    int has_ll;
    double lat, lon;
    int age; /* -1 = missing */
    int allow_partial;
    double radius_km;
} routing_input;

static void input_from(const json_t *b, routing_input *in, char *needs, char *pres, size_t n,
                       problems *p)
{
    memset(in, 0, sizeof *in);
    in->postcode = jget_str(b, "postcode", NULL);
    in->place = jget_str(b, "place", NULL);
    in->at = jget_str(b, "at", NULL);
    if (jget_has(b, "lat") != jget_has(b, "lon"))
        problems_add(p, "give both lat and lon");
    else if (jget_has(b, "lat")) {
        in->has_ll = 1;
        in->lat = jget_num(b, "lat", 0);
        in->lon = jget_num(b, "lon", 0);
    }
    int64_t age = jget_int(b, "age", -1);
    in->age = age >= 0 && age <= 130 ? (int)age : -1;
    words(json_object_get(b, "needs"), "needs", needs, n, p);
    words(json_object_get(b, "presentations"), "presentations", pres, n, p);
    in->needs = needs;
    in->presentations = pres;
    in->allow_partial = jget_true(b, "allow_partial");
    in->radius_km = jget_num(b, "radius_km", 0);
}

/* Build a finder query from the input, adding every problem to p: exactly
 * one location, age 0-130, needs from the capability list, presentations
 * (words), at as ISO 8601 London time (NULL = now), radius 0-500 km. */
static void query_build(const routing_data *d, const routing_input *in, int64_t now, route_query *q,
                        problems *p)
{
    routing_query_init(q);
    ics_err sub = {0};
    if (routing_locate(d->dist, d->ndist, in->postcode, in->has_ll, in->lat, in->lon, in->place,
                       &q->where, &sub))
        problems_add(p, "%s", sub.msg);
    int pi = store_routing_place_index(d, q->where.place);
    if (pi >= 0)
        snprintf(q->where.place_name, sizeof q->where.place_name, "%s", d->place_names[pi]);
    if (in->age < 0 || in->age > 130) problems_add(p, "age must be given as whole years 0-130");
    q->age = in->age;
    if (!in->needs || !*in->needs)
        problems_add(p, "needs must name at least one capability");
    else if (routing_caps_parse(in->needs, &q->needs, &sub))
        problems_add(p, "%s", sub.msg);
    else if (!q->needs)
        problems_add(p, "needs must name at least one capability");
    if (in->presentations) {
        char buf[512], *save = NULL;
        snprintf(buf, sizeof buf, "%s", in->presentations);
        for (char *w = strtok_r(buf, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
            if (q->nflags == ROUTE_MAX_WORDS || strlen(w) >= sizeof q->flags[0]) {
                problems_add(p, "too many or too long presentations");
                break;
            }
            snprintf(q->flags[q->nflags++], sizeof q->flags[0], "%s", w);
        }
    }
    q->now = now;
    q->at = now;
    if (in->at && tz_parse(in->at, &q->at, &sub)) problems_add(p, "%s", sub.msg);
    q->allow_partial = in->allow_partial;
    if (in->radius_km < 0 || in->radius_km > 500) problems_add(p, "radius_km must be 0-500");
    q->radius_km = in->radius_km;
}

/* The ICS the query searches from (the caller's, or ?ics=): services of
 * other ICSs are offered only where their catchment covers the patient. */
static int query_ics(app_ctx *c, route_query *q, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_ics_one(c, ics, e);
    if (!rc) snprintf(q->ics, sizeof q->ics, "%s", ics);
    return rc;
}

/* Check the body against fields, load what the query needs and build it;
 * problems are left in p for the caller to add to. */
static int prepare(app_ctx *c, const json_t *body, const json_field *fields, routing_data *d,
                   route_query *q, problems *p, ics_err *e)
{
    memset(d, 0, sizeof *d);
    if (!body) return ics_err_set(e, ICS_EBADREQ, BODY_REQUIRED);
    int rc = json_check_object(body, fields, e);
    if (rc) return rc;
    routing_input in;
    char needs[512], pres[512];
    input_from(body, &in, needs, pres, sizeof needs, p);
    /* the bank holidays around the query's local day (a bad time is one
     * of the problems query_build reports; today's are loaded meanwhile) */
    int64_t at = c->now;
    if (in.at) tz_parse(in.at, &at, NULL);
    tz_local l;
    tz_to_local(at, &l);
    store_routing_want w = {STORE_DISTRICTS_ALL, NULL, NULL, NULL, l.date};
    char out[5] = "", shorter[5];
    if (in.postcode && *in.postcode) {
        /* its outward code, and that code without a final letter ("W1A", "W1") */
        char full[9];
        if (valid_postcode(in.postcode, full, NULL) == 0)
            valid_postcode_outward(full, out);
        else if (valid_postcode_district(in.postcode, out, NULL))
            out[0] = '\0';
        snprintf(shorter, sizeof shorter, "%s", out);
        size_t n = strlen(shorter);
        if (n >= 3 && shorter[n - 1] >= 'A' && shorter[n - 1] <= 'Z') shorter[n - 1] = '\0';
        w.districts = out[0] ? STORE_DISTRICTS_CODES : STORE_DISTRICTS_NONE;
        w.code = out;
        w.code2 = shorter;
    } else if (in.place && *in.place && !in.has_ll) {
        w.districts = STORE_DISTRICTS_PLACE;
        w.place = in.place;
    }
    if ((rc = store_routing_load_for(c->db, &w, d, e))) return rc;
    query_build(d, &in, c->now, q, p);
    return 0;
}

/* ---- the directory snapshot ----------------------------------------------
 * The finder's inputs (services, postcode districts, bank holidays, places)
 * change only when the directory is edited, yet loading and parsing them on
 * every query was most of its cost. The process keeps one snapshot, keyed by
 * the database, its directory version (moved on inside every directory
 * write's transaction, on whichever server) and the services' live capacity
 * rows (a few dozen, read on every query and laid onto the snapshot, so
 * capacity is never older than the query). A query whose key differs builds
 * a new snapshot. The key is read before the snapshot is loaded, so a
 * snapshot is never older than its key: a change that lands in between only
 * makes the next query rebuild. Queries share a snapshot by reference count;
 * it never changes once published. Databases without a stable name
 * (":memory:") are not cached, nor is anything kept or reused inside a write
 * transaction: there a query may see the transaction's own directory
 * changes under a version a rollback takes back, and a snapshot published
 * under it would answer for whatever the next committed change of that
 * version holds (the bed board's snapshot has the same rule). */
typedef struct dir_snap {
    int refs;
    char *db;
    int64_t version;
    routing_capacity *cap;
    int ncap;
    routing_data d;
} dir_snap;

static pthread_mutex_t snap_mu = PTHREAD_MUTEX_INITIALIZER;
static dir_snap *snap_cur;

static void snap_release(dir_snap *sn)
{
    if (!sn) return;
    pthread_mutex_lock(&snap_mu);
    int last = --sn->refs == 0;
    pthread_mutex_unlock(&snap_mu);
    if (!last) return;
    store_routing_data_free(&sn->d);
    free(sn->cap);
    free(sn->db);
    free(sn);
}

static int snap_fits(const dir_snap *sn, const char *db, int64_t version,
                     const routing_capacity *cap, int ncap)
{
    if (!sn || sn->version != version || sn->ncap != ncap || strcmp(sn->db, db) != 0) return 0;
    for (int i = 0; i < ncap; i++)
        if (strcmp(sn->cap[i].id, cap[i].id) != 0 || sn->cap[i].used != cap[i].used ||
            sn->cap[i].capacity != cap[i].capacity || sn->cap[i].updated != cap[i].updated)
            return 0;
    return 1;
}

/* The capacity rows laid onto the services; a service with no row has its
 * daily capacity, nothing used, never updated (as routing_service_parse
 * leaves it). */
static void snap_capacity(routing_data *d, const routing_capacity *cap, int ncap)
{
    for (int i = 0; i < d->nsvc; i++) {
        d->svc[i].used_today = 0;
        d->svc[i].capacity_today = d->svc[i].daily_capacity;
        d->svc[i].capacity_updated = 0;
    }
    for (int k = 0; k < ncap; k++) {
        int i = store_routing_service_index(d, cap[k].id);
        if (i < 0) continue;
        d->svc[i].used_today = cap[k].used;
        d->svc[i].capacity_today = cap[k].capacity;
        d->svc[i].capacity_updated = cap[k].updated;
    }
}

/* A reference to the current snapshot of c's database (built when stale);
 * *out NULL for a database that is not cached. */
static int snap_get(app_ctx *c, dir_snap **out, ics_err *e)
{
    *out = NULL;
    const char *db = store_path(c->db);
    if (!db || !*db || strcmp(db, ":memory:") == 0 || store_tx_depth(c->db) > 0) return 0;
    int64_t version = 0;
    routing_capacity *cap = NULL;
    int ncap = 0;
    int rc = store_routing_live(c->db, &version, &cap, &ncap, e);
    if (rc) return rc;
    pthread_mutex_lock(&snap_mu);
    dir_snap *sn = snap_cur;
    if (snap_fits(sn, db, version, cap, ncap))
        sn->refs++;
    else
        sn = NULL;
    pthread_mutex_unlock(&snap_mu);
    if (sn) {
        free(cap);
        *out = sn;
        return 0;
    }
    sn = calloc(1, sizeof *sn);
    if (!sn || !(sn->db = strdup(db))) {
        free(sn);
        free(cap);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    if ((rc = store_routing_load(c->db, &sn->d, e))) {
        free(sn->db);
        free(sn);
        free(cap);
        return rc;
    }
    snap_capacity(&sn->d, cap, ncap);
    sn->version = version;
    sn->cap = cap;
    sn->ncap = ncap;
    sn->refs = 2; /* the caller's and the cache's */
    pthread_mutex_lock(&snap_mu);
    dir_snap *old = snap_cur;
    snap_cur = sn;
    pthread_mutex_unlock(&snap_mu);
    snap_release(old);
    *out = sn;
    return 0;
}

int app_routing_route_find(app_ctx *c, const json_t *body, app_route_answer *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    int rc = app_allow(c, &APP_ROUTING_ROUTE_FIND, e);
    if (rc) return rc;
    problems p;
    problems_init(&p);
    dir_snap *sn = NULL;
    if (!body) {
        rc = ics_err_set(e, ICS_EBADREQ, BODY_REQUIRED);
    } else if (!(rc = json_check_object(body, route_fields, e)) && !(rc = snap_get(c, &sn, e)) &&
               sn) {
        /* the snapshot answers: the query is built on it, nothing loaded */
        routing_input in;
        char needs[512], pres[512];
        input_from(body, &in, needs, pres, sizeof needs, &p);
        out->snap = sn;
        out->d = sn->d;
        query_build(&out->d, &in, c->now, &out->q, &p);
    } else if (!rc) {
        rc = prepare(c, body, route_fields, &out->d, &out->q, &p, e);
    }
    if (rc) {
        problems_done(&p, NULL);
        app_routing_answer_free(out);
        return rc;
    }
    rc = problems_done(&p, e);
    if (!rc) rc = query_ics(c, &out->q, e);
    if (!rc) rc = routing_find(out->d.svc, out->d.nsvc, out->d.bh, out->d.nbh, &out->q, &out->a, e);
    /* only an answer with nothing eligible needs it: one small read then */
    if (!rc && out->a.neligible == 0)
        rc = store_ics_out_of_hours(c->db, out->q.ics, out->out_of_hours, sizeof out->out_of_hours,
                                    e);
    if (rc) app_routing_answer_free(out);
    return rc;
}

void app_routing_answer_free(app_route_answer *r)
{
    if (!r) return;
    routing_answer_free(&r->a);
    if (r->snap)
        snap_release(r->snap);
    else
        store_routing_data_free(&r->d);
    r->snap = NULL;
    memset(&r->d, 0, sizeof r->d);
}

/* ---- the finder's answer as JSON text --------------------------------------
 * Written straight into a string, field by field: building a jansson tree
 * and dumping it was a third of a route query's CPU time. The bytes are
 * what json_dumps(tree, JSON_COMPACT | JSON_ENSURE_ASCII) gave (sb_json_str
 * and sb_json_real write strings and reals as jansson does), and
 * app_routing_answer_json parses this text, so the API, FHIR's $find and the
 * CLI show one view. */

static void key(sb *b, const char *k)
{
    /* keys are fixed ASCII names: no escaping */
    if (b->len && b->buf[b->len - 1] != '{') sb_append(b, ",", 1);
    sb_append(b, "\"", 1);
    sb_puts(b, k);
    sb_append(b, "\":", 2);
}

static void put_str(sb *b, const char *k, const char *v)
{
    key(b, k);
    sb_json_str(b, v);
}

static void put_int(sb *b, const char *k, long long v)
{
    key(b, k);
    char t[24];
    int n = snprintf(t, sizeof t, "%lld", v);
    sb_append(b, t, (size_t)n);
}

static void put_bool(sb *b, const char *k, int v)
{
    key(b, k);
    sb_puts(b, v ? "true" : "false");
}

static void put_iso(sb *b, const char *k, int64_t t)
{
    key(b, k);
    if (!t) {
        sb_append(b, "null", 4);
        return;
    }
    char d[32];
    tz_format(t, d, sizeof d);
    sb_json_str(b, d);
}

static void put_km(sb *b, const char *k, double km)
{
    key(b, k);
    if (km < 0)
        sb_append(b, "null", 4);
    else
        sb_json_real(b, (double)(long)(km * 10 + 0.5) / 10);
}

static void put_caps(sb *b, const char *k, uint32_t caps)
{
    key(b, k);
    sb_append(b, "[", 1);
    int first = 1;
    for (int i = 0; directory_capabilities[i]; i++)
        if (caps & (1u << i)) {
            if (!first) sb_append(b, ",", 1);
            first = 0;
            sb_json_str(b, directory_capabilities[i]);
        }
    sb_append(b, "]", 1);
}

static void eligible_text(sb *b, const route_query *q, const route_result *r,
                          const route_service *s)
{
    sb_append(b, "{", 1);
    put_int(b, "rank", r->rank);
    put_str(b, "service_id", s->id);
    put_str(b, "name", s->name);
    put_str(b, "kind", s->kind);
    put_str(b, "provider_ods", s->provider);
    put_str(b, "phone", s->phone);
    put_km(b, "distance_km", r->km);
    put_int(b, "expected_response_minutes", r->expected_minutes);
    put_iso(b, "respond_by", q->at + (int64_t)r->expected_minutes * 60);
    put_iso(b, "open_until", r->open_until);
    put_caps(b, "covers", s->caps & q->needs);
    key(b, "capacity");
    if (r->capacity_left >= 0) {
        sb_append(b, "{", 1);
        put_int(b, "left", r->capacity_left);
        put_int(b, "of", s->capacity_today);
        put_iso(b, "updated_at", s->capacity_updated);
        put_bool(b, "stale", r->stale);
        key(b, "age_minutes");
        if (r->capacity_age >= 0)
            sb_printf(b, "%d", r->capacity_age);
        else
            sb_append(b, "null", 4);
        sb_append(b, "}", 1);
    } else {
        sb_append(b, "null", 4);
    }
    put_str(b, "reason", r->reason);
    put_bool(b, "capacity_stale", r->stale);
    sb_append(b, "}", 1);
}

static void excluded_text(sb *b, const route_result *r, const route_service *s)
{
    sb_append(b, "{", 1);
    put_str(b, "service_id", s->id);
    put_str(b, "name", s->name);
    put_str(b, "kind", s->kind);
    put_str(b, "excluded_by", routing_filter_name(r->filter));
    key(b, "failed");
    sb_append(b, "[", 1);
    int first = 1;
    for (int f = 1; f < ROUTE_NFILTERS; f++)
        if (r->failed & (1u << f)) {
            if (!first) sb_append(b, ",", 1);
            first = 0;
            sb_json_str(b, routing_filter_name(f));
        }
    sb_append(b, "]", 1);
    put_km(b, "distance_km", r->km);
    put_str(b, "reason", r->reason);
    if (r->opens_next) put_iso(b, "opens_next", r->opens_next);
    sb_append(b, "}", 1);
}

/* The lines a clinician reads first: a bank holiday changes who is open,
 * and when nothing is eligible, what to do (the soonest opening of a service
 * whose only bar is its hours, and the out-of-hours alternative the ICS
 * configures). */
int app_routing_summary(const app_route_answer *ra,
                        char lines[APP_ROUTE_SUMMARY_MAX][APP_ROUTE_SUMMARY_LEN], int *bank_holiday)
{
    static const char *wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const routing_data *d = &ra->d;
    const route_answer *a = &ra->a;
    tz_local l;
    tz_to_local(ra->q.at, &l);
    assert(l.wday >= 0 && l.wday < 7 && l.month >= 1 && l.month <= 12);
    int bh = 0, n = 0;
    for (int i = 0; i < d->nbh; i++) bh |= d->bh[i] == l.date;
    *bank_holiday = bh;
    if (bh)
        snprintf(lines[n++], APP_ROUTE_SUMMARY_LEN,
                 "%s %d %s %d is a bank holiday: services closed on bank holidays are excluded",
                 wd[l.wday], l.day, mon[l.month - 1], l.year);
    if (a->neligible == 0) {
        const unsigned hours = (1u << ROUTE_X_CLOSED) | (1u << ROUTE_X_CLOSING);
        const route_result *soon = NULL;
        for (int i = 0; i < a->n; i++) {
            const route_result *r = &a->items[i];
            if ((r->failed & ~hours) || r->opens_next <= 0) continue;
            if (!soon || r->opens_next < soon->opens_next) soon = r;
        }
        if (soon) {
            tz_local o;
            tz_to_local(soon->opens_next, &o);
            assert(o.wday >= 0 && o.wday < 7 && o.month >= 1 && o.month <= 12);
            snprintf(
                lines[n++], APP_ROUTE_SUMMARY_LEN,
                "nothing is eligible now; the next to open is %s (%s) at %02d:%02d on %s %d %s",
                d->svc[soon->service].name, soon->id, o.hour, o.min, wd[o.wday], o.day,
                mon[o.month - 1]);
        } else {
            snprintf(lines[n++], APP_ROUTE_SUMMARY_LEN,
                     "nothing is eligible now, and no service that could take this patient opens "
                     "within a week");
        }
        if (ra->out_of_hours[0])
            snprintf(lines[n++], APP_ROUTE_SUMMARY_LEN,
                     "out-of-hours alternative (set by ICS %s): %s", ra->q.ics, ra->out_of_hours);
    }
    assert(n <= APP_ROUTE_SUMMARY_MAX);
    return n;
}

char *app_routing_answer_text(const app_route_answer *ra, size_t *len)
{
    const routing_data *d = &ra->d;
    const route_query *q = &ra->q;
    const route_answer *a = &ra->a;
    const route_location *w = &q->where;
    sb b;
    sb_init(&b);
    sb_append(&b, "{", 1);
    put_iso(&b, "at", q->at);
    key(&b, "location");
    sb_append(&b, "{", 1);
    if (w->place[0]) put_str(&b, "place_code", w->place);
    if (w->district[0]) put_str(&b, "district", w->district);
    put_str(&b, "how", w->how);
    key(&b, "place_name");
    if (w->place_name[0])
        sb_json_str(&b, w->place_name);
    else
        sb_append(&b, "null", 4);
    int pi = store_routing_place_index(d, w->place);
    put_bool(&b, "inside_ics", pi >= 0 && (!q->ics[0] || strcmp(d->place_ics[pi], q->ics) == 0));
    if (pi >= 0 && d->place_ics[pi][0]) put_str(&b, "ics", d->place_ics[pi]);
    if (w->has_loc) {
        key(&b, "lat");
        sb_json_real(&b, w->lat);
        key(&b, "lon");
        sb_json_real(&b, w->lon);
    }
    sb_append(&b, "}", 1);
    put_int(&b, "age", q->age);
    put_caps(&b, "needs", q->needs);
    key(&b, "presentations");
    sb_append(&b, "[", 1);
    for (int i = 0; i < q->nflags; i++) {
        if (i) sb_append(&b, ",", 1);
        sb_json_str(&b, q->flags[i]);
    }
    sb_append(&b, "]", 1);
    put_str(&b, "ranking",
            "needs covered (desc), trusted capacity before stale, distance (asc), response "
            "standard (asc), service id");
    char lines[APP_ROUTE_SUMMARY_MAX][APP_ROUTE_SUMMARY_LEN];
    int bh = 0, nl = app_routing_summary(ra, lines, &bh);
    put_bool(&b, "bank_holiday", bh);
    key(&b, "out_of_hours");
    if (ra->out_of_hours[0])
        sb_json_str(&b, ra->out_of_hours);
    else
        sb_append(&b, "null", 4);
    key(&b, "summary");
    sb_append(&b, "[", 1);
    for (int i = 0; i < nl; i++) {
        if (i) sb_append(&b, ",", 1);
        sb_json_str(&b, lines[i]);
    }
    sb_append(&b, "]", 1);
    for (int pass = 0; pass < 2; pass++) {
        key(&b, pass ? "excluded" : "eligible");
        sb_append(&b, "[", 1);
        int first = 1;
        for (int i = 0; i < a->n; i++) {
            const route_result *r = &a->items[i];
            if ((r->filter == ROUTE_ELIGIBLE) == pass) continue;
            if (!first) sb_append(&b, ",", 1);
            first = 0;
            if (pass)
                excluded_text(&b, r, &d->svc[r->service]);
            else
                eligible_text(&b, q, r, &d->svc[r->service]);
        }
        sb_append(&b, "]", 1);
    }
    put_int(&b, "eligible_count", a->neligible);
    put_int(&b, "excluded_count", a->n - a->neligible);
    sb_append(&b, "}", 1);
    *len = b.len;
    return sb_steal(&b);
}

json_t *app_routing_answer_json(const app_route_answer *ra)
{
    size_t n = 0;
    char *text = app_routing_answer_text(ra, &n);
    json_t *out = text ? json_loadb(text, n, 0, NULL) : NULL;
    free(text);
    return out;
}

/* ---- referrals ------------------------------------------------------------ */

/* The parties to a referral row: {referrer, provider, NULL}. */
static void parties_of(const json_t *row, const char *parties[3])
{
    parties[0] = jget_str(row, "referrer_org", "");
    parties[1] = jget_str(row, "provider_ods", "");
    parties[2] = NULL;
}

static const json_field referral_fields[] = {
    {"nhs_number", JF_STRING, 1}, {"age", JF_INT, 1},
    {"needs", JF_ARRAY, 1},       {"presentations", JF_ARRAY, 0},
    {"postcode", JF_STRING, 0},   {"lat", JF_NUMBER, 0},
    {"lon", JF_NUMBER, 0},        {"place", JF_STRING, 0},
    {"service_id", JF_STRING, 1}, {"referrer_org", JF_STRING, 0},
    {"notes", JF_STRING, 0},      {"override_reason", JF_STRING, 0},
    {"message_id", JF_STRING, 0}, {NULL, 0, 0}};

/* The referrer (*ref): given, or the caller's organisation; an
 * organisation-bound caller may refer only as their own organisation.
 * Problems go to p; the return is a database error. */
static int referrer_check(app_ctx *c, const json_t *b, const char **ref, problems *p, ics_err *e)
{
    *ref = jget_str(b, "referrer_org", c->who.org);
    if (!*ref || !**ref) {
        problems_add(p, "referrer_org is required (the user has no organisation)");
        return 0;
    }
    if (!app_sees_ics(c) && strcmp(*ref, c->who.org) != 0) {
        problems_add(p, "referrer_org must be your organisation (%s)", c->who.org);
        return 0;
    }
    int exists = 0, rc = store_routing_org_exists(c->db, *ref, &exists, e);
    if (!rc && !exists) problems_add(p, "no organisation with ods_code '%s'", *ref);
    return rc;
}

/* The chosen service must be eligible now, unless the referrer overrides
 * with a reason (kept in the notes). */
static void eligible_check(const routing_data *d, const route_query *q, int si, const char *sid,
                           const char *override, problems *p)
{
    route_answer a = {0};
    ics_err sub = {0};
    int listed = 0;
    if (routing_find(d->svc, d->nsvc, d->bh, d->nbh, q, &a, &sub) == 0) {
        for (int i = 0; i < a.n; i++) {
            if (a.items[i].service != si) continue;
            listed = 1;
            if (a.items[i].filter != ROUTE_ELIGIBLE && (!override || !*override))
                problems_add(p,
                             "service %s is not eligible for this patient now: %s (give "
                             "override_reason to refer anyway)",
                             sid, a.items[i].reason);
        }
        /* the finder leaves out another ICS's services that do not cover
         * the patient: no override reaches across that boundary */
        if (!listed && si >= 0)
            problems_add(p,
                         "service %s is in another ICS (%s) and does not cover this patient's "
                         "location",
                         sid, d->svc[si].ics);
    }
    routing_answer_free(&a);
}

/* ---- a referral's API form ------------------------------------------------ */

static json_t *words_json(const char *text)
{
    json_t *a = json_array();
    char buf[512], *save = NULL;
    snprintf(buf, sizeof buf, "%s", text ? text : "");
    for (char *w = strtok_r(buf, " ,", &save); w; w = strtok_r(NULL, " ,", &save))
        json_array_append_new(a, json_string(w));
    return a;
}

/* A stored referral row in its API form (the one the audit trail keeps
 * too): times as London ISO strings, lists as arrays, synthetic as a
 * boolean, minutes to attendance and whether the 2 hours were met. */
static void referral_view(json_t *row)
{
    static const char *times[] = {"sent_at", "decided_at", "attended_at", "closed_at"};
    if (!row) return;
    json_int_t sent = json_integer_value(json_object_get(row, "sent_at"));
    json_int_t att = json_integer_value(json_object_get(row, "attended_at"));
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(row, times[i]);
        if (json_is_integer(v)) json_object_set_new(row, times[i], iso(json_integer_value(v)));
    }
    json_object_set_new(row, "needs", words_json(json_string_value(json_object_get(row, "needs"))));
    json_object_set_new(row, "flags", words_json(json_string_value(json_object_get(row, "flags"))));
    json_object_set_new(row, "synthetic",
                        json_boolean(json_integer_value(json_object_get(row, "synthetic"))));
    if (att) {
        json_object_set_new(row, "response_minutes", json_integer((att - sent) / 60));
        json_object_set_new(row, "within_standard",
                            json_boolean(att - sent <= (json_int_t)ROUTE_UCR_STANDARD * 60));
    }
}

/* One referral in its API form. */
static int referral_get(store *s, int64_t id, json_t **row, ics_err *e)
{
    int rc = store_referral_get(s, id, row, e);
    if (!rc) referral_view(*row);
    return rc;
}

static int referral_event(app_ctx *c, const app_use *u, const char *type, const json_t *before,
                          const json_t *row, ics_err *e)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)jget_int(row, "id", 0));
    const char *parties[3];
    parties_of(row, parties);
    json_t *payload =
        json_pack("{sIssss}", "id", (json_int_t)jget_int(row, "id", 0), "state",
                  jget_str(row, "state", ""), "service_id", jget_str(row, "service_id", ""));
    return app_record(c, u, "referrals", ids, before, row, type, parties, payload, e);
}

/* A message id is a FHIR id: 1-64 of A-Z a-z 0-9 - . */
static void message_id_check(const char *m, problems *p)
{
    size_t n = m ? strlen(m) : 0;
    if (!m) return;
    int ok = n >= 1 && n <= 64;
    for (size_t i = 0; ok && i < n; i++)
        ok = (m[i] >= 'a' && m[i] <= 'z') || (m[i] >= 'A' && m[i] <= 'Z') ||
             (m[i] >= '0' && m[i] <= '9') || m[i] == '-' || m[i] == '.';
    if (!ok) problems_add(p, "message_id must be 1-64 letters, digits, '-' or '.'");
}

/* The referral an earlier copy of this message made, in the open
 * transaction: *row, or NULL when there is none. */
static int message_seen(app_ctx *c, const char *ref, const char *msg, json_t **row, ics_err *e)
{
    *row = NULL;
    if (!msg) return 0;
    store_referral_filter f = {0};
    f.requester = ref;
    f.message_id = msg;
    json_t *rows;
    int64_t total;
    int rc = store_referral_list(c->db, &f, 1, 0, &rows, &total, e);
    if (rc) return rc;
    if (json_array_size(rows)) {
        *row = json_incref(json_array_get(rows, 0));
        referral_view(*row);
    }
    json_decref(rows);
    return 0;
}

int app_routing_referral_create(app_ctx *c, const json_t *b, json_t **row, ics_err *e)
{
    return app_routing_referral_receive(c, b, row, NULL, e);
}

int app_routing_referral_receive(app_ctx *c, const json_t *b, json_t **row, int *repeated,
                                 ics_err *e)
{
    *row = NULL;
    if (repeated) *repeated = 0;
    int rc = app_allow(c, &APP_ROUTING_REFERRAL_CREATE, e);
    if (rc) return rc;
    routing_data d;
    route_query q;
    problems p;
    problems_init(&p);
    if ((rc = prepare(c, b, referral_fields, &d, &q, &p, e)) || (rc = query_ics(c, &q, e))) {
        problems_done(&p, NULL);
        store_routing_data_free(&d);
        return rc;
    }
    char nhs[11] = "";
    ics_err sub = {0};
    if (valid_nhs_number(jget_str(b, "nhs_number", NULL), nhs, &sub))
        problems_add(&p, "%s", sub.msg);
    const char *sid = jget_str(b, "service_id", "");
    int si = store_routing_service_index(&d, sid);
    if (si < 0) problems_add(&p, "no service with service_id '%s'", sid);
    const char *ref = NULL;
    if ((rc = referrer_check(c, b, &ref, &p, e))) {
        problems_done(&p, NULL);
        store_routing_data_free(&d);
        return rc;
    }
    const char *override = jget_str(b, "override_reason", NULL);
    const char *msg = jget_str(b, "message_id", NULL);
    message_id_check(msg, &p);
    /* a message seen before answers with its referral (even if the service
     * has closed since), nothing written or audited again; two copies at
     * once meet the unique index, and the second is a conflict */
    if (!p.n && msg) {
        if ((rc = message_seen(c, ref, msg, row, e)) || *row) {
            if (!rc && repeated) *repeated = 1;
            problems_done(&p, NULL);
            store_routing_data_free(&d);
            return rc;
        }
    }
    if (!p.n) eligible_check(&d, &q, si, sid, override, &p);
    if ((rc = problems_done(&p, e))) {
        store_routing_data_free(&d);
        return rc;
    }
    char notes[1024];
    const char *n0 = jget_str(b, "notes", NULL);
    snprintf(notes, sizeof notes, "%s%s%s%s", n0 ? n0 : "", n0 && override ? "; " : "",
             override ? "override: " : "", override ? override : "");
    char flags[512] = "";
    for (int i = 0; i < q.nflags; i++)
        snprintf(flags + strlen(flags), sizeof flags - strlen(flags), "%s%s", i ? " " : "",
                 q.flags[i]);
    char pc[9] = "";
    const char *pcin = jget_str(b, "postcode", NULL);
    if (pcin && valid_postcode(pcin, pc, NULL)) snprintf(pc, sizeof pc, "%.8s", q.where.district);
    store_referral_new r = {
        nhs,   q.age,       q.needs, flags, &q.where, pc, ref, d.svc[si].id, d.svc[si].provider,
        q.now, c->who.name, notes,   msg};
    int64_t id = 0;
    rc = app_begin(c, e);
    if (rc) {
        store_routing_data_free(&d);
        return rc;
    }
    rc = store_referral_insert(c->db, &r, &id, e);
    if (!rc) rc = referral_get(c->db, id, row, e);
    if (!rc)
        rc = referral_event(c, &APP_ROUTING_REFERRAL_CREATE, "referral.created", NULL, *row, e);
    rc = app_end(c, rc, e);
    store_routing_data_free(&d);
    if (rc) {
        json_decref(*row);
        *row = NULL;
    }
    return rc;
}

/* Load referral id and check the caller is party to it (404 otherwise). */
static int referral_load(app_ctx *c, const app_use *u, int64_t id, json_t **row, ics_err *e)
{
    *row = NULL;
    int rc = referral_get(c->db, id, row, e);
    if (rc) return rc;
    const char *parties[3];
    parties_of(*row, parties);
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    /* not 403: do not confirm that another organisation's referral exists */
    if ((rc = app_scope_check(c, u, parties, "referral", ids, e))) {
        json_decref(*row);
        *row = NULL;
    }
    return rc;
}

int app_routing_referral_get(app_ctx *c, int64_t id, json_t **row, ics_err *e)
{
    int rc = app_allow(c, &APP_ROUTING_REFERRAL_GET, e);
    if (rc) return rc;
    if ((rc = referral_load(c, &APP_ROUTING_REFERRAL_GET, id, row, e))) return rc;
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    /* the row carries an NHS number: the read is audited */
    if ((rc = app_audit_read(c, "read.referral", "referrals", ids, NULL, e))) {
        json_decref(*row);
        *row = NULL;
    }
    return rc;
}

/* ---- the referral list, written as text (app/page.h) ---------------------- */

/* referral_view's changes, column by column */
static const app_col referral_cols[] = {
    {"sent_at", APP_COL_LONDON},     {"decided_at", APP_COL_LONDON},
    {"attended_at", APP_COL_LONDON}, {"closed_at", APP_COL_LONDON},
    {"needs", APP_COL_WORDS},        {"flags", APP_COL_WORDS},
    {"synthetic", APP_COL_BOOL},     {NULL, 0}};

typedef struct referral_pager {
    app_page pg;
    int sent, att; /* column indexes, learnt from the first row */
    const store_referral_filter *f;
    int64_t limit, offset, total;
} referral_pager;

static int referral_row(void *arg, store_stmt *row, ics_err *e)
{
    (void)e;
    referral_pager *rp = arg;
    if (rp->sent < 0)
        for (int c = 0; c < store_col_count(row); c++) {
            if (strcmp(store_col_name(row, c), "sent_at") == 0) rp->sent = c;
            if (strcmp(store_col_name(row, c), "attended_at") == 0) rp->att = c;
        }
    assert(rp->sent >= 0 && rp->att >= 0);
    app_page_item(&rp->pg, row);
    /* minutes to attendance and whether the 2 hours were met, as referral_view */
    int64_t sent = store_col_kind(row, rp->sent) == STORE_INT ? store_col_int(row, rp->sent) : 0;
    int64_t att = store_col_kind(row, rp->att) == STORE_INT ? store_col_int(row, rp->att) : 0;
    if (att) {
        app_page_int(&rp->pg, "response_minutes", (att - sent) / 60);
        app_page_bool(&rp->pg, "within_standard", att - sent <= (int64_t)ROUTE_UCR_STANDARD * 60);
    }
    app_page_item_end(&rp->pg);
    return 0;
}

/* The page (app_read_audited's read): its rows, its total, and what the
 * record of the read keeps: the filters and the ids the page held (which
 * patients were seen). */
static int referral_read(app_ctx *c, void *arg, json_t **detail, ics_err *e)
{
    referral_pager *rp = arg;
    const store_referral_filter *f = rp->f;
    int rc = store_referral_each(c->db, f, rp->limit, rp->offset, &rp->total, referral_row, rp, e);
    if (rc) return rc;
    char *ids = app_page_ids_text(&rp->pg);
    if (!ids) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    *detail =
        json_pack("{s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:I, s:I, s:s}", "organisation",
                  f->referrer, "state", f->state, "service", f->service, "place", f->place, "from",
                  (json_int_t)f->from, "to", (json_int_t)f->to, "rows", (json_int_t)rp->pg.n,
                  "offset", (json_int_t)rp->offset, "after", (json_int_t)f->after, "ids", ids);
    free(ids);
    return *detail ? 0 : ics_err_set(e, ICS_ENOMEM, "out of memory");
}

int app_routing_referral_page(app_ctx *c, store_referral_filter f, int64_t limit, int64_t offset,
                              const char *next_base, char **text, size_t *len, ics_err *e)
{
    *text = NULL;
    *len = 0;
    int rc = app_allow(c, &APP_ROUTING_REFERRAL_LIST, e);
    if (rc) return rc;
    if ((f.state && routing_state_find(f.state) < 0) ||
        (f.state2 && routing_state_find(f.state2) < 0))
        return ics_err_set(e, ICS_EINVAL,
                           "parameter 'state': '%s' is not one of sent, accepted, declined, "
                           "attended, cancelled",
                           f.state2 && routing_state_find(f.state2) < 0 ? f.state2 : f.state);
    assert(limit >= 1 && offset >= 0);
    if (!app_sees_ics(c)) {
        if (!c->who.org || !c->who.org[0])
            return ics_err_set(e, ICS_EFORBID,
                               "your user has no organisation, so no referrals to see");
        f.referrer = f.provider = c->who.org;
    }
    /* the rows carry NHS numbers: read in a snapshot, then one record of
     * the page before it is sent */
    referral_pager rp = {.sent = -1, .att = -1, .f = &f, .limit = limit, .offset = offset};
    app_page_init(&rp.pg, referral_cols, limit);
    if ((rc = app_read_audited(c, "read.referrals", "referrals", NULL, referral_read, &rp, e))) {
        app_page_free(&rp.pg);
        return rc;
    }
    app_page_items_end(&rp.pg);
    app_page_int(&rp.pg, "total", rp.total);
    app_page_int(&rp.pg, "limit", limit);
    app_page_int(&rp.pg, "offset", offset);
    app_page_next(&rp.pg, limit, next_base);
    *text = app_page_finish(&rp.pg, len, e);
    return *text ? 0 : ICS_ENOMEM;
}

int app_routing_referral_list(app_ctx *c, store_referral_filter f, int64_t limit, int64_t offset,
                              json_t **rows, int64_t *total, ics_err *e)
{
    char *text;
    size_t n;
    *rows = NULL;
    int rc = app_routing_referral_page(c, f, limit, offset, NULL, &text, &n, e);
    if (rc) return rc;
    json_t *page = json_loadb(text, n, 0, NULL);
    free(text);
    if (!page) return ics_err_set(e, ICS_ENOMEM, "out of memory reading a page");
    *rows = json_incref(json_object_get(page, "items"));
    *total = json_integer_value(json_object_get(page, "total"));
    json_decref(page);
    return 0;
}

static const json_field decline_fields[] = {{"reason", JF_STRING, 1}, {NULL, 0, 0}};
static const json_field cancel_fields[] = {{"reason", JF_STRING, 0}, {NULL, 0, 0}};
static const json_field attend_fields[] = {{"attended_at", JF_STRING, 0}, {NULL, 0, 0}};
static const json_field accept_fields[] = {{NULL, 0, 0}};

/* Apply a lifecycle action inside the caller's transaction: the engine
 * decides the next state from the stored one; before/after are the rows
 * in their API form (new references). */
static int referral_step(app_ctx *c, int64_t id, int action, const char *reason,
                         int64_t attended_at, json_t **before, json_t **after, ics_err *e)
{
    *before = *after = NULL;
    char name[16];
    int64_t sent;
    int rc = store_referral_state(c->db, id, name, &sent, e);
    if (rc) return rc;
    int state = routing_state_find(name), next;
    if ((rc = routing_referral_step(state, action, sent, reason, attended_at, c->now, &next, e)))
        return rc;
    if ((rc = referral_get(c->db, id, before, e))) return rc;
    /* decided_at: accept/decline; attended_at: attend; closed_at: any final state */
    rc = store_referral_set_state(c->db, id, routing_state_name(state), routing_state_name(next),
                                  action == REF_ACCEPT || action == REF_DECLINE ? c->now : 0,
                                  action == REF_ATTEND ? attended_at : 0,
                                  next != REF_ACCEPTED ? c->now : 0, reason, e);
    /* an accepted referral uses one of today's places, when the provider
     * has reported today's capacity (the report's time is kept: freshness
     * is about the provider's own figure) */
    if (!rc && action == REF_ACCEPT) {
        tz_local l;
        tz_to_local(c->now, &l);
        int64_t midnight = 0;
        tz_local_to_utc(l.year, l.month, l.day, 0, 0, 0, &midnight, NULL);
        rc = store_referral_use_place(c->db, id, midnight, e);
    }
    if (!rc) rc = referral_get(c->db, id, after, e);
    return rc;
}

/* One lifecycle step: action is REF_ACCEPT .. REF_CANCEL. */
static int step(app_ctx *c, const app_use *u, const char *event, int action, int64_t id,
                const json_t *b, json_t **row, ics_err *e)
{
    static const json_field *const fields[] = {accept_fields, decline_fields, attend_fields,
                                               cancel_fields};
    *row = NULL;
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    if (!b && action == REF_DECLINE) return ics_err_set(e, ICS_EBADREQ, BODY_REQUIRED);
    if (b && (rc = json_check_object(b, fields[action], e))) return rc;
    const char *reason = jget_str(b, "reason", NULL), *at = jget_str(b, "attended_at", NULL);
    int64_t attended = c->now;
    if (at && tz_parse(at, &attended, e)) {
        ics_err_prefix(e, "field 'attended_at': ");
        return ICS_EINVAL;
    }
    json_t *cur;
    if ((rc = referral_load(c, u, id, &cur, e))) return rc;
    /* the receiving service accepts, declines and records attendance;
     * either party may cancel */
    int provider =
        app_sees_ics(c) || app_org_matches(c->who.org, jget_str(cur, "provider_ods", ""));
    json_decref(cur);
    if (action != REF_CANCEL && !provider)
        return ics_err_set(e, ICS_EFORBID,
                           "only the receiving service's organisation may %s a referral",
                           routing_action_name(action));
    json_t *before = NULL;
    if ((rc = app_begin(c, e))) return rc;
    rc = referral_step(c, id, action, reason, attended, &before, row, e);
    if (!rc) rc = referral_event(c, u, event, before, *row, e);
    rc = app_end(c, rc, e);
    json_decref(before);
    if (rc) {
        json_decref(*row);
        *row = NULL;
    }
    return rc;
}

int app_routing_referral_accept(app_ctx *c, int64_t id, const json_t *body, json_t **row,
                                ics_err *e)
{
    return step(c, &APP_ROUTING_REFERRAL_ACCEPT, "referral.accepted", REF_ACCEPT, id, body, row, e);
}

int app_routing_referral_decline(app_ctx *c, int64_t id, const json_t *body, json_t **row,
                                 ics_err *e)
{
    return step(c, &APP_ROUTING_REFERRAL_DECLINE, "referral.declined", REF_DECLINE, id, body, row,
                e);
}

int app_routing_referral_attend(app_ctx *c, int64_t id, const json_t *body, json_t **row,
                                ics_err *e)
{
    return step(c, &APP_ROUTING_REFERRAL_ATTEND, "referral.attended", REF_ATTEND, id, body, row, e);
}

int app_routing_referral_cancel(app_ctx *c, int64_t id, const json_t *body, json_t **row,
                                ics_err *e)
{
    return step(c, &APP_ROUTING_REFERRAL_CANCEL, "referral.cancelled", REF_CANCEL, id, body, row,
                e);
}

int app_routing_referral_generate(app_ctx *c, const app_routing_gen *g, int *n, int *unrouted,
                                  ics_err *e)
{
    *n = *unrouted = 0;
    int rc = app_allow(c, &APP_ROUTING_REFERRAL_GENERATE, e);
    if (rc) return rc;
    if (g->days < 1 || g->days > 3660) return ics_err_set(e, ICS_EINVAL, "days must be 1-3660");
    if (!(g->per_day > 0 && g->per_day <= 500))
        return ics_err_set(e, ICS_EINVAL, "per-day must be above 0 and at most 500");
    routing_data d;
    if ((rc = store_routing_load(c->db, &d, e))) return rc;
    route_gen_ref *refs = NULL;
    rc = routing_referrals_generate(d.svc, d.nsvc, d.dist, d.ndist, d.bh, d.nbh, g->from, g->days,
                                    g->per_day, g->seed, &refs, n, unrouted, g->progress,
                                    g->progress_arg, e);
    if (!rc && !(rc = app_begin(c, e))) {
        if (g->replace) rc = store_referral_delete_synthetic(c->db, e);
        if (!rc) rc = store_referral_insert_generated(c->db, &d, refs, *n, e);
        json_t *after =
            json_pack("{si si sI sf si sb}", "referrals", *n, "unrouted", *unrouted, "seed",
                      (json_int_t)g->seed, "per_day", g->per_day, "days", g->days, "synthetic", 1);
        if (!rc)
            rc = app_record(c, &APP_ROUTING_REFERRAL_GENERATE, "referrals", NULL, NULL, after, NULL,
                            NULL, NULL, e);
        json_decref(after);
        rc = app_end(c, rc, e);
    }
    free(refs);
    store_routing_data_free(&d);
    return rc;
}

/* ---- capacity ------------------------------------------------------------- */

static const json_field capacity_fields[] = {
    {"used_today", JF_INT, 1}, {"capacity", JF_INT, 0}, {NULL, 0, 0}};

/* A capacity row in its API form: the time it was reported in London ISO form. */
static void capacity_view(json_t *row)
{
    if (!row) return;
    json_int_t t = json_integer_value(json_object_get(row, "updated_at"));
    json_object_set_new(row, "updated_at", iso(t));
}

int app_routing_capacity_set(app_ctx *c, const char *id, const json_t *b, json_t **row, ics_err *e)
{
    *row = NULL;
    int rc = app_allow(c, &APP_ROUTING_CAPACITY_SET, e);
    if (rc) return rc;
    if (!b) return ics_err_set(e, ICS_EBADREQ, BODY_REQUIRED);
    if ((rc = json_check_object(b, capacity_fields, e))) return rc;
    char prov[16];
    int daily = 0;
    if ((rc = store_routing_service_provider(c->db, id, prov, &daily, e))) return rc;
    /* the directory is public: a service outside the caller's organisation
     * is forbidden, not hidden */
    const char *parties[2] = {prov, NULL};
    if (!app_in_scope(c, &APP_ROUTING_CAPACITY_SET, parties))
        return ics_err_set(e, ICS_EFORBID,
                           "only the provider (%s) may update this service's capacity", prov);
    int64_t used = jget_int(b, "used_today", -1), cap = jget_int(b, "capacity", daily);
    if (used < 0 || used > 100000 || cap < 0 || cap > 100000)
        return ics_err_set(e, ICS_EINVAL, "used_today and capacity must be 0-100000");
    json_t *before = NULL;
    if ((rc = app_begin(c, e))) return rc;
    rc = store_routing_capacity_set(c->db, id, (int)used, (int)cap, c->now, c->who.name, &before,
                                    row, e);
    capacity_view(before);
    capacity_view(*row);
    if (!rc)
        rc = app_record(c, &APP_ROUTING_CAPACITY_SET, "services", id, before, *row,
                        "service.capacity", parties,
                        json_pack("{sssIsI}", "service_id", id, "used_today", (json_int_t)used,
                                  "capacity", (json_int_t)cap),
                        e);
    rc = app_end(c, rc, e);
    json_decref(before);
    if (rc) {
        json_decref(*row);
        *row = NULL;
    }
    return rc;
}

/* ---- reports -------------------------------------------------------------- */

static json_t *ucr_row(const route_ucr_row *r)
{
    json_t *o =
        json_pack("{si si si si si si si}", "referrals", r->referrals, "attended", r->attended,
                  "within_standard", r->within, "declined", r->declined, "cancelled", r->cancelled,
                  "open", r->open, "open_past_standard", r->open_breached);
    if (r->attended) {
        json_object_set_new(o, "share", json_real((double)(long)(r->share * 10000 + 0.5) / 10000));
        json_object_set_new(o, "ci95",
                            json_pack("[f f]", (double)(long)(r->lo * 10000 + .5) / 1e4,
                                      (double)(long)(r->hi * 10000 + .5) / 1e4));
        json_object_set_new(o, "median_minutes", json_real(r->median_minutes));
        json_object_set_new(o, "meets_ambition", json_boolean(r->meets));
    } else {
        json_object_set_new(o, "share", json_null());
        json_object_set_new(o, "ci95", json_null());
        json_object_set_new(o, "median_minutes", json_null());
        json_object_set_new(o, "meets_ambition", json_null());
    }
    return o;
}

/* Reports are per ICS: keep the services and places of one ICS only
 * (order kept, so answers for a one-ICS database are as before). */
static void keep_ics(routing_data *d, const char *ics)
{
    int k = 0;
    for (int i = 0; i < d->nsvc; i++)
        if (!d->svc[i].ics[0] || strcmp(d->svc[i].ics, ics) == 0) d->svc[k++] = d->svc[i];
    d->nsvc = k;
    k = 0;
    for (int i = 0; i < d->nplaces; i++) {
        if (strcmp(d->place_ics[i], ics) != 0) continue;
        memmove(d->places[k], d->places[i], sizeof d->places[k]);
        memmove(d->place_names[k], d->place_names[i], sizeof d->place_names[k]);
        memmove(d->place_ics[k], d->place_ics[i], sizeof d->place_ics[k]);
        k++;
    }
    d->nplaces = k;
}

/* The referrals about the kept ICS: to one of its services or from one of
 * its places. Returns how many are left at the front. */
static int keep_refs(route_ref *refs, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (refs[i].service >= 0 || refs[i].place >= 0) refs[k++] = refs[i];
    return k;
}

static json_t *ucr_json(const routing_data *d, const route_ucr_report *r, int64_t from, int64_t to,
                        int standard, int nsynthetic)
{
    json_t *sv = json_array(), *pl = json_array();
    for (int i = 0; i < r->nservices; i++) {
        if (r->by_service[i].referrals == 0) continue;
        json_t *o = ucr_row(&r->by_service[i]);
        json_object_set_new(o, "service_id", json_string(d->svc[i].id));
        json_object_set_new(o, "name", json_string(d->svc[i].name));
        json_object_set_new(o, "kind", json_string(d->svc[i].kind));
        json_array_append_new(sv, o);
    }
    for (int i = 0; i < r->nplaces; i++) {
        json_t *o = ucr_row(&r->by_place[i]);
        json_object_set_new(o, "place_code", json_string(d->places[i]));
        json_object_set_new(o, "name", json_string(d->place_names[i]));
        json_array_append_new(pl, o);
    }
    return json_pack(
        "{so so si sf ss so so so si sb}", "from", iso(from), "to", iso(to), "standard_minutes",
        standard, "ambition", ROUTE_UCR_AMBITION, "measure",
        "share of referrals sent in the period and attended whose first visit was within the "
        "standard of the referral (declined and cancelled referrals are out of scope; 95% Wilson "
        "interval; median minutes: Hyndman-Fan type 7)",
        "ics", ucr_row(&r->ics), "places", pl, "services", sv, "synthetic_referrals", nsynthetic,
        "synthetic", nsynthetic > 0);
}

int app_routing_report_ucr(app_ctx *c, int64_t from, int64_t to, int standard, json_t **out,
                           ics_err *e)
{
    *out = NULL;
    int rc = app_allow(c, &APP_ROUTING_REPORT_UCR, e);
    if (rc) return rc;
    if (standard < 1 || standard > 10080)
        return ics_err_set(e, ICS_EINVAL, "parameter 'standard': minutes 1-10080");
    routing_data d;
    route_ref *refs = NULL;
    int n = 0, nsyn = 0;
    route_ucr_report r = {0};
    char ics[STORE_ICS_CODE];
    if ((rc = app_ics_one(c, ics, e))) return rc;
    rc = store_routing_load(c->db, &d, e);
    if (!rc) keep_ics(&d, ics);
    if (!rc) rc = store_referral_refs(c->db, &d, from, to, &refs, &n, &nsyn, e);
    if (!rc) n = keep_refs(refs, n);
    if (!rc) rc = routing_ucr_report(refs, n, d.nsvc, d.nplaces, from, to, standard, c->now, &r, e);
    if (!rc) *out = ucr_json(&d, &r, from, to, standard, nsyn);
    free(refs);
    routing_ucr_report_free(&r);
    store_routing_data_free(&d);
    return rc;
}

int app_routing_report_harm(app_ctx *c, const char *kind, app_harm_report *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    int rc = app_allow(c, &APP_ROUTING_REPORT_HARM, e);
    if (rc) return rc;
    char ics[STORE_ICS_CODE];
    if ((rc = app_ics_one(c, ics, e))) return rc;
    if ((rc = store_routing_load(c->db, &out->d, e))) return rc;
    keep_ics(&out->d, ics);
    rc = routing_harm_report(out->d.svc, out->d.nsvc, (const char(*)[ROUTE_CODE])out->d.places,
                             out->d.nplaces, kind, &out->r, e);
    if (rc) app_routing_harm_free(out);
    return rc;
}

void app_routing_harm_free(app_harm_report *h)
{
    if (!h) return;
    routing_harm_report_free(&h->r);
    store_routing_data_free(&h->d);
}

static const char *const day_names[8] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "BH"};

/* Runs of uncovered hours, one day kind at a time: "Sat 17:00-20:00". */
static json_t *gaps_json(const route_harm_cell *c)
{
    json_t *a = json_array();
    for (int k = 0; k < 8; k++) {
        int h = 0;
        while (h < 24) {
            if (c->cover[k][h]) {
                h++;
                continue;
            }
            int s = h;
            while (h < 24 && !c->cover[k][h]) h++;
            char b[32];
            snprintf(b, sizeof b, "%s %02d:00-%02d:00", day_names[k], s, h);
            json_array_append_new(a, json_string(b));
        }
    }
    return a;
}

static json_t *harm_place_json(const routing_data *d, const route_harm_cell *cell, int p)
{
    json_t *ids = json_array(), *cover = json_object();
    for (int i = 0; i < cell->nservices; i++)
        json_array_append_new(ids, json_string(d->svc[cell->services[i]].id));
    for (int k = 0; k < 8; k++) {
        char row[25];
        for (int h = 0; h < 24; h++)
            row[h] = (char)('0' + (cell->cover[k][h] > 9 ? 9 : cell->cover[k][h]));
        row[24] = '\0';
        json_object_set_new(cover, day_names[k], json_string(row));
    }
    return json_pack("{ss ss so si si so so}", "place_code", d->places[p], "name",
                     d->place_names[p], "services", ids, "week_hours", cell->week_hours,
                     "bank_holiday_hours", cell->bh_hours, "gaps", gaps_json(cell), "cover", cover);
}

json_t *app_routing_harm_json(const app_harm_report *h, const char *kind)
{
    const routing_data *d = &h->d;
    const route_harm_report *r = &h->r;
    json_t *caps = json_array();
    for (int c = 0; c < r->ncaps; c++) {
        json_t *places = json_array();
        for (int p = 0; p < r->nplaces; p++)
            json_array_append_new(places, harm_place_json(d, &r->cells[c * r->nplaces + p], p));
        json_array_append_new(
            caps, json_pack("{ss so}", "capability", directory_capabilities[c], "places", places));
    }
    json_t *diffs = json_array();
    for (int i = 0; i < r->ndiffs; i++) {
        const route_harm_diff *x = &r->diffs[i];
        json_array_append_new(diffs,
                              json_pack("{ss ss ss? ss ss ss}", "place_code", d->places[x->place],
                                        "name", d->place_names[x->place], "service_id",
                                        x->service >= 0 ? d->svc[x->service].id : NULL, "field",
                                        x->field, "value", x->value, "most_common", x->common));
    }
    return json_pack("{ss ss so so}", "kind_compared", kind ? kind : "ucr", "hours",
                     "whole hours a service is open in an ordinary week, London wall-clock time; "
                     "'cover' strings give the number of services open in each hour 00-23; BH is "
                     "a bank holiday",
                     "capabilities", caps, "differences", diffs);
}

/* ---- seeding -------------------------------------------------------------- */

#define SEED_FROM    "2025-11-01"
#define SEED_DAYS    365
#define SEED_PER_DAY 7.0 /* referrals a day per borough (about NWL's scale) */
#define SEED_SEED    20260301u

/* A synthetic year of UCR referrals. */
int app_routing_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    (void)data_dir;
    routing_data d;
    int rc = store_routing_load(c->db, &d, e);
    if (rc) return rc;
    int64_t from;
    tz_parse_date(SEED_FROM, &from, NULL);
    route_gen_ref *g = NULL;
    int n = 0, unrouted = 0;
    rc = routing_referrals_generate(d.svc, d.nsvc, d.dist, d.ndist, d.bh, d.nbh, from, SEED_DAYS,
                                    SEED_PER_DAY, SEED_SEED, &g, &n, &unrouted, NULL, NULL, e);
    if (!rc && n) rc = store_referral_insert_generated(c->db, &d, g, n, e);
    free(g);
    store_routing_data_free(&d);
    return rc;
}
