/* store/routing.c - the routing module's tables (live service capacity and
 * referrals), the SQL that reads and writes them, and loading the directory
 * into the finder's structs. SQL only: validation, permissions, audit and
 * the JSON views of answers and reports are in src/app/routing.c.
 * Times are stored as integer epoch seconds (UTC) and shown in London time. */
#include "store/routing.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sb.h"
#include "core/tz.h"

const store_migration store_schema_routing[] = {
    {"routing", 1,
     "CREATE TABLE service_capacity ("
     " service_id TEXT PRIMARY KEY REFERENCES services(service_id) ON DELETE CASCADE,"
     " used_today INTEGER NOT NULL CHECK (used_today >= 0),"
     " capacity INTEGER NOT NULL CHECK (capacity >= 0),"
     " updated_at INTEGER NOT NULL, updated_by TEXT NOT NULL);"
     "CREATE TABLE referrals ("
     " id INTEGER PRIMARY KEY,"
     " nhs_number TEXT NOT NULL, age INTEGER NOT NULL CHECK (age BETWEEN 0 AND 130),"
     " needs TEXT NOT NULL, flags TEXT,"
     " postcode TEXT, district TEXT, place_code TEXT REFERENCES places(code), lat REAL, lon REAL,"
     " referrer_org TEXT NOT NULL REFERENCES organisations(ods_code),"
     " service_id TEXT NOT NULL REFERENCES services(service_id),"
     " provider_ods TEXT NOT NULL REFERENCES organisations(ods_code),"
     " state TEXT NOT NULL CHECK (state IN ('sent','accepted','declined','attended','cancelled')),"
     " sent_at INTEGER NOT NULL, decided_at INTEGER, attended_at INTEGER, closed_at INTEGER,"
     " reason TEXT, notes TEXT, synthetic INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL);"
     "CREATE INDEX referrals_sent ON referrals(sent_at);"
     "CREATE INDEX referrals_referrer ON referrals(referrer_org, sent_at);"
     "CREATE INDEX referrals_provider ON referrals(provider_ods, sent_at);"
     "CREATE INDEX referrals_service ON referrals(service_id, sent_at);",
     NULL},
    /* the list's order, so a page (by offset or after an id) is an index range */
    {"routing", 2, "CREATE INDEX referrals_sent_id ON referrals(sent_at, id);", NULL},
    /* the id of the message a referral came in (a BaRS MessageHeader id): a
     * sender's repeated message finds its referral instead of making another */
    {"routing", 3,
     "ALTER TABLE referrals ADD COLUMN message_id TEXT;"
     "CREATE UNIQUE INDEX referrals_message ON referrals(referrer_org, message_id);",
     NULL},
    {NULL, 0, NULL, NULL}};

/* ---- loading the directory --------------------------------------------- */

static int load_services(store *s, routing_data *d, ics_err *e)
{
    store_stmt *st;
    int rc = store_prepare(
        s,
        "SELECT s.service_id, s.name, s.kind, s.provider_ods, s.site_code, s.places, s.districts,"
        " s.hours, s.capabilities, s.min_age, s.max_age, s.exclusions, s.response_minutes,"
        " s.daily_capacity, s.phone, si.lat, si.lon, c.used_today, c.capacity, c.updated_at,"
        /* the service's ICS: that of the first of its places */
        " (SELECT p.ics_code FROM places p WHERE (' ' || s.places || ' ') LIKE"
        " '% ' || p.code || ' %' ORDER BY p.code LIMIT 1) AS ics_code,"
        " (SELECT i.name FROM places p JOIN ics i ON i.code = p.ics_code WHERE"
        " (' ' || s.places || ' ') LIKE '% ' || p.code || ' %' ORDER BY p.code LIMIT 1) AS ics_name"
        " FROM services s LEFT JOIN sites si ON si.site_code = s.site_code"
        " LEFT JOIN service_capacity c ON c.service_id = s.service_id ORDER BY s.service_id",
        &st, e);
    if (rc) return rc;
    int cap = 32;
    d->svc = calloc((size_t)cap, sizeof *d->svc);
    if (!d->svc) {
        store_finalize(st);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    while ((rc = store_step(st, e)) == 1) {
        if (d->nsvc == cap) {
            cap *= 2;
            route_service *n = realloc(d->svc, (size_t)cap * sizeof *n);
            if (!n) {
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                break;
            }
            d->svc = n;
        }
        const char *col[15]; /* each valid until the next step */
        for (int i = 0; i < 15; i++) col[i] = store_col_text(st, i);
        route_service_text t = {col[0], col[1], col[2],  col[3],  col[4],  col[5],  col[6], col[7],
                                col[8], col[9], col[10], col[11], col[12], col[13], col[14]};
        route_service *sv = &d->svc[d->nsvc++];
        ics_err sub = {0};
        if (routing_service_parse(&t, sv, &sub)) {
            /* a row the finder cannot read is shown as inactive, not dropped */
            snprintf(sv->id, sizeof sv->id, "%.31s", col[0]);
            snprintf(sv->name, sizeof sv->name, "%.95s", col[1]);
            sv->active = 0;
        }
        if (!store_col_isnull(st, 15)) {
            sv->has_loc = 1;
            sv->lat = store_col_double(st, 15);
            sv->lon = store_col_double(st, 16);
        }
        if (!store_col_isnull(st, 17)) {
            sv->used_today = (int)store_col_int(st, 17);
            sv->capacity_today = (int)store_col_int(st, 18);
            sv->capacity_updated = store_col_int(st, 19);
        }
        snprintf(sv->ics, sizeof sv->ics, "%s", store_col_text(st, 20));
        snprintf(sv->ics_name, sizeof sv->ics_name, "%s", store_col_text(st, 21));
    }
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

/* Grow an array by doubling; 0 or ICS_ENOMEM. */
static int grow(void **p, int n, int *cap, size_t size)
{
    if (n < *cap) return 0;
    int nc = *cap ? *cap * 2 : 16;
    void *np = realloc(*p, (size_t)nc * size);
    if (!np) return ICS_ENOMEM;
    *p = np;
    *cap = nc;
    return 0;
}

/* Add a place (code and name) unless it is already listed. */
static int add_place(routing_data *d, int *cap, const char *code, const char *name, const char *ics)
{
    if (!*code || store_routing_place_index(d, code) >= 0) return 0;
    int cap2 = *cap, cap3 = *cap;
    if (grow((void **)&d->places, d->nplaces, cap, sizeof *d->places) ||
        grow((void **)&d->place_names, d->nplaces, &cap2, sizeof *d->place_names) ||
        grow((void **)&d->place_ics, d->nplaces, &cap3, sizeof *d->place_ics))
        return ICS_ENOMEM;
    snprintf(d->places[d->nplaces], ROUTE_CODE, "%s", code);
    snprintf(d->place_names[d->nplaces], 64, "%s", name);
    snprintf(d->place_ics[d->nplaces], ROUTE_CODE, "%s", ics);
    d->nplaces++;
    return 0;
}

/* Districts: all of them, or those matching the WHERE clause's one or two
 * parameters (b may be NULL). With with_places, the districts' places (and
 * their names) are listed too, so a route request needs no places query. */
static int load_districts(store *s, routing_data *d, const char *where, const char *a,
                          const char *b, int with_places, ics_err *e)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT pd.district, pd.lat, pd.lon, COALESCE(pd.place_code, ''), COALESCE(p.name, "
             "''), COALESCE(p.ics_code, '') FROM postcode_districts pd LEFT JOIN places p ON "
             "p.code = pd.place_code%s "
             "ORDER BY pd.district",
             where ? where : "");
    store_stmt *st;
    int rc = store_prepare(s, sql, &st, e), cap = 0, pcap = 0;
    if (rc) return rc;
    if (a) store_bind_text(st, 1, a);
    if (b) store_bind_text(st, 2, b);
    while ((rc = store_step(st, e)) == 1) {
        if (grow((void **)&d->dist, d->ndist, &cap, sizeof *d->dist) ||
            (with_places && add_place(d, &pcap, store_col_text(st, 3), store_col_text(st, 4),
                                      store_col_text(st, 5)))) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            break;
        }
        route_district *x = &d->dist[d->ndist++];
        snprintf(x->district, sizeof x->district, "%s", store_col_text(st, 0));
        x->lat = store_col_double(st, 1);
        x->lon = store_col_double(st, 2);
        snprintf(x->place, sizeof x->place, "%s", store_col_text(st, 3));
    }
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

/* Bank holidays, all (from = to = 0) or those between two local days. */
static int load_bank_holidays(store *s, routing_data *d, int64_t from, int64_t to, ics_err *e)
{
    store_stmt *st;
    int ranged = from || to, cap = 0;
    int rc = store_prepare(s,
                           ranged ? "SELECT date FROM bank_holidays WHERE date >= ? AND date <= ? "
                                    "ORDER BY date"
                                  : "SELECT date FROM bank_holidays ORDER BY date",
                           &st, e);
    if (rc) return rc;
    if (ranged) {
        char f[16], t[16];
        tz_format_date(from, f, sizeof f);
        tz_format_date(to, t, sizeof t);
        store_bind_text(st, 1, f);
        store_bind_text(st, 2, t);
    }
    while ((rc = store_step(st, e)) == 1) {
        if (grow((void **)&d->bh, d->nbh, &cap, sizeof *d->bh)) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            break;
        }
        if (tz_parse_date(store_col_text(st, 0), &d->bh[d->nbh], NULL) == 0) d->nbh++;
    }
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

static int load_places(store *s, routing_data *d, ics_err *e)
{
    store_stmt *st;
    int cap = 0, cap2 = 0, cap3 = 0;
    int rc = store_prepare(s, "SELECT code, name, ics_code FROM places ORDER BY code", &st, e);
    if (rc) return rc;
    while ((rc = store_step(st, e)) == 1) {
        if (grow((void **)&d->places, d->nplaces, &cap, sizeof *d->places) ||
            grow((void **)&d->place_names, d->nplaces, &cap2, sizeof *d->place_names) ||
            grow((void **)&d->place_ics, d->nplaces, &cap3, sizeof *d->place_ics)) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            break;
        }
        snprintf(d->places[d->nplaces], ROUTE_CODE, "%s", store_col_text(st, 0));
        snprintf(d->place_names[d->nplaces], 64, "%s", store_col_text(st, 1));
        snprintf(d->place_ics[d->nplaces], ROUTE_CODE, "%s", store_col_text(st, 2));
        d->nplaces++;
    }
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

int store_routing_load(store *s, routing_data *d, ics_err *e)
{
    memset(d, 0, sizeof *d);
    int rc = load_services(s, d, e);
    if (!rc) rc = load_districts(s, d, NULL, NULL, NULL, 0, e);
    if (!rc) rc = load_bank_holidays(s, d, 0, 0, e);
    if (!rc) rc = load_places(s, d, e);
    if (rc) store_routing_data_free(d);
    return rc;
}

/* Only what one query needs: its districts and the bank holidays around its
 * time (the finder looks one day back and eight ahead), and the places'
 * names, so a route request is a few small indexed reads. */
int store_routing_load_for(store *s, const store_routing_want *w, routing_data *d, ics_err *e)
{
    memset(d, 0, sizeof *d);
    int rc = load_services(s, d, e);
    if (!rc && w->districts == STORE_DISTRICTS_CODES)
        rc = load_districts(s, d, " WHERE pd.district IN (?, ?)", w->code, w->code2, 1, e);
    else if (!rc && w->districts == STORE_DISTRICTS_PLACE)
        rc = load_districts(s, d, " WHERE pd.place_code = ?", w->place, NULL, 1, e);
    else if (!rc && w->districts == STORE_DISTRICTS_ALL)
        rc = load_districts(s, d, NULL, NULL, NULL, 1, e);
    if (!rc) rc = load_bank_holidays(s, d, w->day - 2, w->day + 10, e);
    if (!rc) rc = load_places(s, d, e);
    if (rc) store_routing_data_free(d);
    return rc;
}

void store_routing_data_free(routing_data *d)
{
    if (!d) return;
    free(d->svc);
    free(d->dist);
    free(d->bh);
    free(d->places);
    free(d->place_names);
    free(d->place_ics);
    memset(d, 0, sizeof *d);
}

int store_routing_service_index(const routing_data *d, const char *id)
{
    for (int i = 0; id && i < d->nsvc; i++)
        if (strcmp(d->svc[i].id, id) == 0) return i;
    return -1;
}

int store_routing_place_index(const routing_data *d, const char *code)
{
    for (int i = 0; code && i < d->nplaces; i++)
        if (strcmp(d->places[i], code) == 0) return i;
    return -1;
}

/* ---- capacity ---------------------------------------------------------- */

int store_routing_capacity_all(store *s, routing_capacity **out, int *n, ics_err *e)
{
    return store_routing_live(s, NULL, out, n, e);
}

int store_routing_live(store *s, int64_t *version, routing_capacity **out, int *n, ics_err *e)
{
    *out = NULL;
    *n = 0;
    store_stmt *st;
    /* one row per capacity row, each with the version (a single row with
     * NULLs when there is no capacity row) */
    int rc = store_prepare(s,
                           "SELECT v.version, c.service_id, c.used_today, c.capacity, c.updated_at"
                           " FROM directory_version v LEFT JOIN service_capacity c ON 1 = 1"
                           " WHERE v.name = 'directory' ORDER BY c.service_id",
                           &st, e),
        cap = 0;
    if (rc) return rc;
    if (version) *version = 0;
    while ((rc = store_step(st, e)) == 1) {
        if (version) *version = store_col_int(st, 0);
        if (store_col_isnull(st, 1)) continue;
        if (grow((void **)out, *n, &cap, sizeof **out)) {
            rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
            break;
        }
        routing_capacity *c = &(*out)[(*n)++];
        snprintf(c->id, sizeof c->id, "%s", store_col_text(st, 1));
        c->used = (int)store_col_int(st, 2);
        c->capacity = (int)store_col_int(st, 3);
        c->updated = store_col_int(st, 4);
    }
    store_finalize(st);
    if (rc < 0) {
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    return 0;
}

static int capacity_row(store *s, const char *id, json_t **row, ics_err *e)
{
    json_t *p = json_pack("[s]", id);
    int rc = store_query_one(s,
                             "SELECT service_id, used_today, capacity, updated_at, updated_by "
                             "FROM service_capacity WHERE service_id = ?",
                             p, row, e);
    json_decref(p);
    return rc;
}

int store_routing_capacity_set(store *s, const char *id, int used, int capacity, int64_t now,
                               const char *by, json_t **before, json_t **after, ics_err *e)
{
    assert(store_tx_depth(s) > 0); /* the caller's transaction holds the audit too */
    *before = *after = NULL;
    json_t *p = json_pack("[s]", id);
    int64_t n;
    int rc = store_query_int(s, "SELECT COUNT(*) FROM services WHERE service_id = ?", p, -1, &n, e);
    json_decref(p);
    if (rc) return rc;
    if (n == 0) return ics_err_set(e, ICS_ENOTFOUND, "no service with service_id '%s'", id);
    if (capacity_row(s, id, before, e) == ICS_ENOTFOUND) *before = NULL;
    p = json_pack("[s i i I s]", id, used, capacity, (json_int_t)now, by);
    rc = store_exec_params(s,
                           "INSERT INTO service_capacity (service_id, used_today, capacity, "
                           "updated_at, updated_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                           "(service_id) DO UPDATE SET used_today = excluded.used_today, "
                           "capacity = excluded.capacity, updated_at = excluded.updated_at, "
                           "updated_by = excluded.updated_by",
                           p, e);
    json_decref(p);
    if (!rc) rc = capacity_row(s, id, after, e);
    return rc;
}

int store_routing_service_provider(store *s, const char *id, char provider[16], int *daily,
                                   ics_err *e)
{
    json_t *p = json_pack("[s]", id), *row;
    int rc = store_query_one(s,
                             "SELECT provider_ods, COALESCE(daily_capacity, 0) AS daily_capacity "
                             "FROM services WHERE service_id = ?",
                             p, &row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "no service with service_id '%s'", id);
    if (rc) return rc;
    snprintf(provider, 16, "%s", json_string_value(json_object_get(row, "provider_ods")));
    *daily = (int)json_integer_value(json_object_get(row, "daily_capacity"));
    json_decref(row);
    return 0;
}

int store_routing_org_exists(store *s, const char *ods, int *exists, ics_err *e)
{
    json_t *p = json_pack("[s]", ods);
    int64_t n = 0;
    int rc =
        store_query_int(s, "SELECT COUNT(*) FROM organisations WHERE ods_code = ?", p, 0, &n, e);
    json_decref(p);
    *exists = n > 0;
    return rc;
}

/* ---- referrals --------------------------------------------------------- */

static void caps_text(uint32_t caps, char *buf, int n)
{
    routing_caps_format(caps, " ", buf, n);
}

int store_referral_insert(store *s, const store_referral_new *r, int64_t *id, ics_err *e)
{
    assert(store_tx_depth(s) > 0); /* the caller's transaction holds the audit too */
    char needs[400];
    caps_text(r->needs, needs, sizeof needs);
    const route_location *w = r->where;
    store_stmt *st;
    int rc = store_prepare(
        s,
        "INSERT INTO referrals (nhs_number, age, needs, flags, postcode, district, place_code, lat,"
        " lon, referrer_org, service_id, provider_ods, state, sent_at, notes, created_by,"
        " message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent', ?, ?, ?, ?) RETURNING id",
        &st, e);
    if (rc) return rc;
    store_bind_text(st, 1, r->nhs_number);
    store_bind_int(st, 2, r->age);
    store_bind_text(st, 3, needs);
    store_bind_text(st, 4, r->flags && *r->flags ? r->flags : NULL);
    store_bind_text(st, 5, r->postcode && *r->postcode ? r->postcode : NULL);
    store_bind_text(st, 6, w->district[0] ? w->district : NULL);
    store_bind_text(st, 7, w->place[0] ? w->place : NULL);
    if (w->has_loc) {
        store_bind_double(st, 8, w->lat);
        store_bind_double(st, 9, w->lon);
    } else {
        store_bind_null(st, 8);
        store_bind_null(st, 9);
    }
    store_bind_text(st, 10, r->referrer_org);
    store_bind_text(st, 11, r->service_id);
    store_bind_text(st, 12, r->provider_ods);
    store_bind_int(st, 13, r->sent_at);
    store_bind_text(st, 14, r->notes && *r->notes ? r->notes : NULL);
    store_bind_text(st, 15, r->created_by);
    store_bind_text(st, 16, r->message_id && *r->message_id ? r->message_id : NULL);
    rc = store_step(st, e);
    if (rc == 1) *id = store_col_int(st, 0);
    store_finalize(st);
    return rc < 0 ? rc : 0;
}

#define REF_COLS                                                                                   \
    "r.id, r.nhs_number, r.age, r.needs, r.flags, r.postcode, r.district, r.place_code,"           \
    " r.referrer_org, r.service_id, sv.name AS service_name, r.provider_ods, r.state, r.sent_at,"  \
    " r.decided_at, r.attended_at, r.closed_at, r.reason, r.notes, r.synthetic, r.created_by,"     \
    " r.message_id"

int store_referral_get(store *s, int64_t id, json_t **row, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc = store_query_one(s,
                             "SELECT " REF_COLS " FROM referrals r LEFT JOIN services sv ON "
                             "sv.service_id = r.service_id WHERE r.id = ?",
                             p, row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "no referral %lld", (long long)id);
    return rc;
}

/* The WHERE clause of a referral list (into w, starting " WHERE") and its
 * parameters (appended to p). */
static void referral_where(const store_referral_filter *f, sb *w, json_t *p)
{
    sb_puts(w, " WHERE 1 = 1");
    if (f->referrer && f->provider) {
        sb_puts(w, " AND (r.referrer_org = ? OR r.provider_ods = ?)");
        json_array_append_new(p, json_string(f->referrer));
        json_array_append_new(p, json_string(f->provider));
    } else if (f->referrer) {
        sb_puts(w, " AND r.referrer_org = ?");
        json_array_append_new(p, json_string(f->referrer));
    } else if (f->provider) {
        sb_puts(w, " AND r.provider_ods = ?");
        json_array_append_new(p, json_string(f->provider));
    }
    if (f->state && f->state2) {
        sb_puts(w, " AND r.state IN (?, ?)");
        json_array_append_new(p, json_string(f->state));
        json_array_append_new(p, json_string(f->state2));
    } else if (f->state) {
        sb_puts(w, " AND r.state = ?");
        json_array_append_new(p, json_string(f->state));
    }
    if (f->nhs_number) {
        sb_puts(w, " AND r.nhs_number = ?");
        json_array_append_new(p, json_string(f->nhs_number));
    }
    if (f->requester) {
        sb_puts(w, " AND r.referrer_org = ?");
        json_array_append_new(p, json_string(f->requester));
    }
    if (f->message_id) {
        sb_puts(w, " AND r.message_id = ?");
        json_array_append_new(p, json_string(f->message_id));
    }
    if (f->id) {
        sb_puts(w, " AND r.id = ?");
        json_array_append_new(p, json_integer(f->id));
    }
    if (f->service) {
        sb_puts(w, " AND r.service_id = ?");
        json_array_append_new(p, json_string(f->service));
    }
    if (f->place) {
        sb_puts(w, " AND r.place_code = ?");
        json_array_append_new(p, json_string(f->place));
    }
    if (f->from) {
        sb_puts(w, " AND r.sent_at >= ?");
        json_array_append_new(p, json_integer(f->from));
    }
    if (f->to) {
        sb_puts(w, " AND r.sent_at < ?");
        json_array_append_new(p, json_integer(f->to));
    }
}

/* The total that f matches, and the page's SQL in q with its parameters
 * (new reference in *params). */
static int referral_page(store *s, const store_referral_filter *f, int64_t limit, int64_t offset,
                         sb *q, json_t **params, int64_t *total, ics_err *e)
{
    sb w;
    sb_init(&w);
    json_t *p = json_array();
    referral_where(f, &w, p);
    sb_init(q);
    sb_printf(q, "SELECT COUNT(*) FROM referrals r%s", w.buf);
    int rc = store_query_int(s, q->buf, p, 0, total, e);
    sb_free(q);
    if (rc) {
        sb_free(&w);
        json_decref(p);
        return rc;
    }
    sb_init(q);
    sb_printf(q,
              "SELECT " REF_COLS " FROM referrals r LEFT JOIN services sv ON sv.service_id = "
              "r.service_id%s%s ORDER BY r.sent_at DESC, r.id DESC LIMIT ? OFFSET ?",
              w.buf,
              f->after ? " AND (r.sent_at, r.id) < (SELECT x.sent_at, x.id FROM referrals x"
                         " WHERE x.id = ?)"
                       : "");
    sb_free(&w);
    if (f->after) json_array_append_new(p, json_integer(f->after));
    json_array_append_new(p, json_integer(limit));
    json_array_append_new(p, json_integer(offset));
    *params = p;
    return 0;
}

int store_referral_list(store *s, const store_referral_filter *f, int64_t limit, int64_t offset,
                        json_t **rows, int64_t *total, ics_err *e)
{
    sb q;
    json_t *p;
    int rc = referral_page(s, f, limit, offset, &q, &p, total, e);
    if (rc) return rc;
    rc = store_query_json(s, q.buf, p, rows, e);
    sb_free(&q);
    json_decref(p);
    return rc;
}

int store_referral_each(store *s, const store_referral_filter *f, int64_t limit, int64_t offset,
                        int64_t *total, store_row_fn fn, void *arg, ics_err *e)
{
    sb q;
    json_t *p;
    int rc = referral_page(s, f, limit, offset, &q, &p, total, e);
    if (rc) return rc;
    rc = store_query_each(s, q.buf, p, fn, arg, e);
    sb_free(&q);
    json_decref(p);
    return rc;
}

int store_referral_state(store *s, int64_t id, char state[16], int64_t *sent_at, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)id), *raw;
    int rc = store_query_one(s, "SELECT state, sent_at FROM referrals WHERE id = ?", p, &raw, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND)
        return ics_err_set(e, ICS_ENOTFOUND, "no referral %lld", (long long)id);
    if (rc) return rc;
    snprintf(state, 16, "%s", json_string_value(json_object_get(raw, "state")));
    *sent_at = json_integer_value(json_object_get(raw, "sent_at"));
    json_decref(raw);
    return 0;
}

int store_referral_set_state(store *s, int64_t id, const char *from, const char *to,
                             int64_t decided_at, int64_t attended_at, int64_t closed_at,
                             const char *reason, ics_err *e)
{
    assert(store_tx_depth(s) > 0); /* the caller's transaction holds the audit too */
    json_t *p =
        json_pack("[s I I I s? I s]", to, (json_int_t)decided_at, (json_int_t)attended_at,
                  (json_int_t)closed_at, reason && *reason ? reason : NULL, (json_int_t)id, from);
    int rc = store_exec_params(s,
                               "UPDATE referrals SET state = ?,"
                               " decided_at = COALESCE(NULLIF(?, 0), decided_at),"
                               " attended_at = COALESCE(NULLIF(?, 0), attended_at),"
                               " closed_at = COALESCE(NULLIF(?, 0), closed_at),"
                               " reason = COALESCE(?, reason) WHERE id = ? AND state = ?",
                               p, e);
    json_decref(p);
    if (!rc && store_changes(s) != 1)
        rc = ics_err_set(e, ICS_ECONFLICT, "referral %lld changed meanwhile: try again",
                         (long long)id);
    return rc;
}

int store_referral_use_place(store *s, int64_t id, int64_t since, ics_err *e)
{
    json_t *p = json_pack("[I I]", (json_int_t)id, (json_int_t)since);
    int rc = store_exec_params(s,
                               "UPDATE service_capacity SET used_today = used_today + 1"
                               " WHERE service_id = (SELECT service_id FROM referrals WHERE id = ?)"
                               " AND updated_at >= ?",
                               p, e);
    json_decref(p);
    return rc;
}

int store_referral_refs(store *s, const routing_data *d, int64_t from, int64_t to, route_ref **out,
                        int *n, int *nsynthetic, ics_err *e)
{
    *out = NULL;
    *n = *nsynthetic = 0;
    store_stmt *st;
    int rc = store_prepare(s,
                           "SELECT service_id, COALESCE(place_code, ''), state, sent_at, "
                           "COALESCE(attended_at, 0), synthetic FROM referrals WHERE sent_at >= ? "
                           "AND sent_at < ?",
                           &st, e);
    if (rc) return rc;
    store_bind_int(st, 1, from);
    store_bind_int(st, 2, to);
    size_t cap = 1024, len = 0;
    route_ref *v = malloc(cap * sizeof *v);
    if (!v) {
        store_finalize(st);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    while ((rc = store_step(st, e)) == 1) {
        if (len == cap) {
            cap *= 2;
            route_ref *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
                break;
            }
            v = nv;
        }
        route_ref *r = &v[len++];
        r->service = store_routing_service_index(d, store_col_text(st, 0));
        r->place = store_routing_place_index(d, store_col_text(st, 1));
        r->state = routing_state_find(store_col_text(st, 2));
        r->sent_at = store_col_int(st, 3);
        r->attended_at = store_col_int(st, 4);
        *nsynthetic += store_col_int(st, 5) != 0;
    }
    store_finalize(st);
    if (rc < 0) {
        free(v);
        return rc;
    }
    *out = v;
    *n = (int)len;
    return 0;
}

int store_referral_delete_synthetic(store *s, ics_err *e)
{
    return store_exec(s, "DELETE FROM referrals WHERE synthetic = 1", e);
}

int store_referral_insert_generated(store *s, const routing_data *d, const route_gen_ref *g, int n,
                                    ics_err *e)
{
    /* referrers: mostly the ambulance service, then the acute trusts */
    static const char *const referrers[] = {"RRU", "RRU", "RRU", "R1K", "RYJ", "RQM", "RAS"};
    store_stmt *st;
    int rc = store_prepare(
        s,
        "INSERT INTO referrals (nhs_number, age, needs, district, place_code, lat, lon,"
        " referrer_org, service_id, provider_ods, state, sent_at, decided_at, attended_at,"
        " closed_at, reason, notes, synthetic, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'synthetic history', 1,"
        " 'seed:routing')",
        &st, e);
    if (rc) return rc;
    for (int i = 0; i < n && rc == 0; i++) {
        const route_gen_ref *r = &g[i];
        const route_district *di = &d->dist[r->district];
        const route_service *sv = &d->svc[r->service];
        char needs[400];
        caps_text(r->needs, needs, sizeof needs);
        store_reset(st);
        store_bind_text(st, 1, r->nhs);
        store_bind_int(st, 2, r->age);
        store_bind_text(st, 3, needs);
        store_bind_text(st, 4, di->district);
        store_bind_text(st, 5, di->place[0] ? di->place : NULL);
        store_bind_double(st, 6, di->lat);
        store_bind_double(st, 7, di->lon);
        store_bind_text(st, 8, referrers[i % 7]);
        store_bind_text(st, 9, sv->id);
        store_bind_text(st, 10, sv->provider);
        store_bind_text(st, 11, routing_state_name(r->state));
        store_bind_int(st, 12, r->sent_at);
        if (r->decided_at)
            store_bind_int(st, 13, r->decided_at);
        else
            store_bind_null(st, 13);
        if (r->attended_at)
            store_bind_int(st, 14, r->attended_at);
        else
            store_bind_null(st, 14);
        int64_t closed = r->state == REF_ATTENDED                                ? r->attended_at
                         : r->state == REF_DECLINED || r->state == REF_CANCELLED ? r->decided_at
                                                                                 : 0;
        if (closed)
            store_bind_int(st, 15, closed);
        else
            store_bind_null(st, 15);
        store_bind_text(st, 16, r->reason[0] ? r->reason : NULL);
        rc = store_step(st, e);
        rc = rc < 0 ? rc : 0;
    }
    store_finalize(st);
    return rc;
}
