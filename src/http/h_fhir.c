/* h_fhir.c - the FHIR R4 server at /api/v1/fhir: the CapabilityStatement,
 * read and search of Organization, Location, HealthcareService,
 * ServiceRequest and a minimal Patient, the rapid-response finder as
 * HealthcareService/$find, referrals created by POST ServiceRequest or by a
 * BaRS message to $process-message. Handlers parse the request, call the
 * same src/app use cases as the REST API (so validation, permissions and
 * audit are theirs) and shape answers with src/fhir. The server turns every
 * answer under /api/v1/fhir into application/fhir+json and every error
 * into an OperationOutcome (server.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/directory.h"
#include "app/beds.h"
#include "app/routing.h"
#include "core/geo.h"
#include "core/sb.h"
#include "core/tz.h"
#include "directory/directory.h"
#include "fhir/fhir.h"
#include "http/http.h"

#define MAX_COUNT     1000
#define DEFAULT_COUNT 100

/* The use case context of a FHIR request: audited as coming by FHIR. */
static app_ctx fhir_app(http_req *rq)
{
    app_ctx c = http_app(rq);
    c.who.via = "fhir";
    return c;
}

static int answer(http_resp *rs, int status, json_t *res)
{
    http_json(rs, status, res);
    rs->content_type = "application/fhir+json";
    return 0;
}

/* The FHIR base URL as the client addressed us: scheme (https behind a
 * proxy that says so), Host (only host-name characters, else localhost). */
static void base_url(http_req *rq, char *out, size_t n)
{
    const char *host = http_header(rq, "Host"), *proto = http_header(rq, "X-Forwarded-Proto");
    int ok = host && *host && strlen(host) < 200;
    for (const char *p = host; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             strchr(".-:[]", *p);
    snprintf(out, n, "%s://%s/api/v1/fhir", proto && strcmp(proto, "https") == 0 ? "https" : "http",
             ok ? host : "localhost");
}

static const char *type_of(http_req *rq)
{
    static _Thread_local char t[32];
    const char *p = rq->path + strlen("/api/v1/fhir/");
    size_t n = strcspn(p, "/");
    snprintf(t, sizeof t, "%.*s", (int)(n < 31 ? n : 31), p);
    return t;
}

static int whole(const char *v, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    if (!v || !*v) return -1;
    long long x = strtoll(v, &end, 10);
    if (*end || x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

static int paging(http_req *rq, int64_t *count, int64_t *offset, ics_err *e)
{
    const char *c = http_query(rq, "_count"), *o = http_query(rq, "_offset");
    *count = DEFAULT_COUNT;
    *offset = 0;
    if (c && whole(c, 1, MAX_COUNT, count))
        return ics_err_set(e, ICS_EINVAL, "_count must be a whole number from 1 to %d", MAX_COUNT);
    if (o && whole(o, 0, 1000000000, offset))
        return ics_err_set(e, ICS_EINVAL, "_offset must be a whole number from 0 to 1000000000");
    const char *f = http_query(rq, "_format");
    if (f && !strstr(f, "json"))
        return ics_err_set(e, ICS_EINVAL, "_format '%.40s': this server speaks JSON only", f);
    return 0;
}

/* name=value, percent-encoded, appended to a query string. */
static void qadd(sb *q, const char *name, const char *value)
{
    static const char hex[] = "0123456789ABCDEF";
    sb_printf(q, "%s%s=", q->len ? "&" : "", name);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            sb_printf(q, "%c", *p);
        else
            sb_printf(q, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

/* The parameters a type takes: its own (strings also with :exact and
 * :contains) and the paging ones. names must hold 3 per parameter + 4. */
static void allowed_of(const fhir_param *ps, char names[][48], const char **allowed, int max)
{
    int n = 0;
    for (const fhir_param *p = ps; p->name && n + 4 < max; p++) {
        snprintf(names[n], 48, "%s", p->name);
        allowed[n] = names[n];
        n++;
        if (p->type == FHIR_STRING) {
            snprintf(names[n], 48, "%s:exact", p->name);
            allowed[n] = names[n];
            n++;
            snprintf(names[n], 48, "%s:contains", p->name);
            allowed[n] = names[n];
            n++;
        }
    }
    allowed[n++] = "_count";
    allowed[n++] = "_offset";
    allowed[n++] = "_format";
    allowed[n] = NULL;
}

#define MAXQ 64

static int check_params(http_req *rq, const char *type, ics_err *e)
{
    static _Thread_local char names[MAXQ][48];
    const char *allowed[MAXQ + 2];
    allowed_of(fhir_search_params(type), names, allowed, MAXQ);
    /* the directory searches also sort and include (docs/interop.md) */
    if (!strcmp(type, "Organization") || !strcmp(type, "Location") ||
        !strcmp(type, "HealthcareService")) {
        int n = 0;
        while (allowed[n]) n++;
        allowed[n++] = "_sort";
        if (strcmp(type, "Organization")) allowed[n++] = "_include";
        allowed[n] = NULL;
    } else if (!strcmp(type, "ServiceRequest")) {
        int n = 0;
        while (allowed[n]) n++;
        allowed[n++] = "_include";
        allowed[n] = NULL;
    }
    return http_query_only(rq, allowed, e);
}

/* ---- the directory: Organization, Location, HealthcareService ----------- */

typedef struct fhir_kind {
    const char *type;       /* FHIR resource type in the path */
    const char *collection; /* directory collection */
    json_t *(*map)(const json_t *row);
} fhir_kind;

static const fhir_kind kinds[] = {{"Organization", "organisations", fhir_organization},
                                  {"Location", "sites", fhir_location_site},
                                  {"Location", "units", fhir_location_unit},
                                  {"HealthcareService", "services", fhir_healthcare_service},
                                  {NULL, NULL, NULL}};

/* Every resource of a type, mapped from its directory collections. */
static int dir_all(app_ctx *c, const char *type, json_t **out, ics_err *e)
{
    *out = json_array();
    for (const fhir_kind *k = kinds; k->type; k++) {
        if (strcmp(k->type, type) != 0) continue;
        json_t *rows, *none = json_object();
        int64_t total;
        int rc = app_dir_list(c, directory_collection_find(k->collection), none, 1000000, 0, &rows,
                              &total, e);
        json_decref(none);
        if (rc) {
            json_decref(*out);
            *out = NULL;
            return rc;
        }
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r) json_array_append_new(*out, k->map(r));
        json_decref(rows);
    }
    return 0;
}

typedef struct hit {
    json_t *res;
    double km;
} hit;

typedef struct sort_by {
    const char *key;
    int desc;
} sort_by;

static int by_key(const void *a, const void *b, void *ctx)
{
    const sort_by *k = ctx;
    return fhir_sort_cmp(((const hit *)a)->res, ((const hit *)b)->res, k->key, k->desc);
}

/* _include: the Organization entries (mode include) the page's resources
 * refer to, each once, appended to entries. */
static int add_includes(app_ctx *c, const char *base, const char *include, json_t *entries,
                        ics_err *e)
{
    json_t *want = json_object(), *orgs = NULL, *en;
    size_t i, n = json_array_size(entries);
    for (i = 0; i < n; i++) {
        const char *ref =
            fhir_include_ref(json_object_get(json_array_get(entries, i), "resource"), include);
        if (ref && !strncmp(ref, "Organization/", 13))
            json_object_set_new(want, ref + 13, json_true());
    }
    int rc = json_object_size(want) ? dir_all(c, "Organization", &orgs, e) : 0;
    json_array_foreach(rc ? NULL : orgs, i, en)
    {
        const char *id = json_string_value(json_object_get(en, "id"));
        if (!id || !json_object_get(want, id)) continue;
        json_t *entry = fhir_entry(base, json_incref(en));
        json_object_set_new(json_object_get(entry, "search"), "mode", json_string("include"));
        json_array_append_new(entries, entry);
    }
    json_decref(orgs);
    json_decref(want);
    return rc;
}

static int by_km(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->km != y->km) return x->km < y->km ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x->res, "id")),
                  json_string_value(json_object_get(y->res, "id")));
}

static json_t *distance_ext(double km)
{
    return json_pack("[{sss{sfssssss}}]", "url", FHIR_EXT_LOCATION_DISTANCE, "valueDistance",
                     "value", (double)(long)(km * 1000 + 0.5) / 1000, "unit", "km", "system",
                     "http://unitsofmeasure.org", "code", "km");
}

static int dir_search(http_req *rq, http_resp *rs)
{
    const char *type = type_of(rq);
    const fhir_param *ps = fhir_search_params(type);
    ics_err e = {0};
    int64_t count, offset;
    if (check_params(rq, type, &e) || paging(rq, &count, &offset, &e)) return http_error(rs, &e);
    const char *nearv = http_query(rq, "near");
    fhir_near nr = {0};
    if (nearv && fhir_near_parse(nearv, &nr, &e)) return http_error(rs, &e);
    const char *sortv = http_query(rq, "_sort"), *incv = http_query(rq, "_include");
    sort_by sk = {NULL, 0};
    if (sortv && fhir_sort_parse(sortv, &sk.key, &sk.desc, &e)) return http_error(rs, &e);
    if (incv && !fhir_include_ok(type, incv)) {
        ics_err_set(&e, ICS_EINVAL, "_include '%.60s': %s takes %s:organization", incv, type, type);
        return http_error(rs, &e);
    }
    app_ctx c = fhir_app(rq);
    json_t *all;
    if (dir_all(&c, type, &all, &e)) return http_error(rs, &e);
    static const char *const mods[] = {NULL, "exact", "contains"};
    size_t n = json_array_size(all), nh = 0;
    hit *hits = calloc(n ? n : 1, sizeof *hits);
    for (size_t i = 0; hits && i < n; i++) {
        json_t *r = json_array_get(all, i);
        int keep = 1;
        for (const fhir_param *p = ps; keep && p->name; p++)
            for (int m = 0; keep && m < (p->type == FHIR_STRING ? 3 : 1); m++) {
                char name[64];
                snprintf(name, sizeof name, "%s%s%s", p->name, mods[m] ? ":" : "",
                         mods[m] ? mods[m] : "");
                const char *v = http_query(rq, name);
                if (!v || !*v || p->type == FHIR_SPECIAL) continue;
                keep = fhir_match(r, p, mods[m], v);
            }
        double km = 0;
        if (keep && nearv) {
            json_t *pos = json_object_get(r, "position");
            keep = pos != NULL;
            if (keep) {
                km = geo_km(nr.lat, nr.lon, json_number_value(json_object_get(pos, "latitude")),
                            json_number_value(json_object_get(pos, "longitude")));
                keep = km <= nr.km;
            }
        }
        if (keep) hits[nh++] = (hit){r, km};
    }
    /* the links repeat the filters */
    sb q;
    sb_init(&q);
    for (const fhir_param *p = ps; p->name; p++)
        for (int m = 0; m < (p->type == FHIR_STRING ? 3 : 1); m++) {
            char name[64];
            snprintf(name, sizeof name, "%s%s%s", p->name, mods[m] ? ":" : "",
                     mods[m] ? mods[m] : "");
            const char *v = http_query(rq, name);
            if (v && *v) qadd(&q, name, v);
        }
    if (nearv && hits) qsort(hits, nh, sizeof *hits, by_km);
    /* _sort orders the matches (after near, whose distances stay given) */
    if (sk.key && hits) qsort_r(hits, nh, sizeof *hits, by_key, &sk);
    if (sortv) qadd(&q, "_sort", sortv);
    if (incv) qadd(&q, "_include", incv);
    char base[300], self[400];
    base_url(rq, base, sizeof base);
    json_t *entries = json_array();
    for (size_t i = (size_t)offset; hits && i < nh && i < (size_t)(offset + count); i++) {
        json_t *en = fhir_entry(base, json_incref(hits[i].res));
        if (nearv)
            json_object_set_new(json_object_get(en, "search"), "extension",
                                distance_ext(hits[i].km));
        json_array_append_new(entries, en);
    }
    if (incv && add_includes(&c, base, incv, entries, &e)) {
        json_decref(entries);
        free(hits);
        sb_free(&q);
        json_decref(all);
        return http_error(rs, &e);
    }
    snprintf(self, sizeof self, "%s/%s", base, type);
    json_t *b = fhir_searchset(entries, (int64_t)nh, self, q.buf ? q.buf : "", count, offset);
    free(hits);
    sb_free(&q);
    json_decref(all);
    return answer(rs, 200, b);
}

static int dir_read(http_req *rq, http_resp *rs)
{
    const char *type = type_of(rq);
    ics_err e = {0};
    app_ctx c = fhir_app(rq);
    for (const fhir_kind *k = kinds; k->type; k++) {
        if (strcmp(k->type, type) != 0) continue;
        json_t *row;
        e = (ics_err){0};
        int rc = app_dir_get(&c, directory_collection_find(k->collection), rq->params[0], &row, &e);
        if (rc == 0) {
            json_t *res = k->map(row);
            json_decref(row);
            return answer(rs, 200, res);
        }
        if (rc != ICS_ENOTFOUND) return http_error(rs, &e);
    }
    ics_err_set(&e, ICS_ENOTFOUND, "no %s with id '%.64s'", type, rq->params[0]);
    return http_error(rs, &e);
}

/* ---- metadata ------------------------------------------------------------ */

static int metadata(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"_format", "mode", NULL};
    ics_err e = {0};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    char base[300], now[32];
    base_url(rq, base, sizeof base);
    tz_format_utc(tz_now(), now, sizeof now);
    return answer(rs, 200, fhir_capability(base, ICS_VERSION, now));
}

/* ---- the finder as HealthcareService/$find ------------------------------- */

/* A query value as JSON: a number when it is one, else the string (so the
 * use case names the field that has the wrong type). */
static json_t *numeric(const char *v, int integer)
{
    char *end;
    if (integer) {
        long long x = strtoll(v, &end, 10);
        if (*v && !*end && x >= -1000000 && x <= 1000000) return json_integer(x);
    } else {
        double x = strtod(v, &end);
        if (*v && !*end && x > -1e6 && x < 1e6) return json_real(x);
    }
    return json_string(v);
}

static json_t *route_ext(const json_t *el)
{
    json_t *x = json_array();
    json_array_append_new(x,
                          json_pack("{sssI}", "url", FHIR_EXT_ROUTE_RANK, "valueInteger",
                                    (json_int_t)json_integer_value(json_object_get(el, "rank"))));
    json_t *km = json_object_get(el, "distance_km");
    if (json_is_number(km))
        json_array_append_new(x,
                              json_pack("{sss{sfssssss}}", "url", FHIR_EXT_ROUTE_DISTANCE,
                                        "valueDistance", "value", json_number_value(km), "unit",
                                        "km", "system", "http://unitsofmeasure.org", "code", "km"));
    const char *why = json_string_value(json_object_get(el, "reason"));
    if (why && *why)
        json_array_append_new(
            x, json_pack("{ssss}", "url", FHIR_EXT_ROUTE_REASON, "valueString", why));
    return x;
}

static int hs_find(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"postcode", "lat", "lon",       "place",   "needs",
                                          "age",      "at",  "radius_km", "_format", NULL};
    ics_err e = {0};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    json_t *body = json_object();
    static const char *const text[] = {"postcode", "place", "at", NULL};
    for (int i = 0; text[i]; i++)
        if (http_query(rq, text[i]))
            json_object_set_new(body, text[i], json_string(http_query(rq, text[i])));
    static const char *const nums[] = {"lat", "lon", "radius_km", NULL};
    for (int i = 0; nums[i]; i++)
        if (http_query(rq, nums[i]))
            json_object_set_new(body, nums[i], numeric(http_query(rq, nums[i]), 0));
    if (http_query(rq, "age")) json_object_set_new(body, "age", numeric(http_query(rq, "age"), 1));
    const char *nv = http_query(rq, "needs");
    if (nv) {
        json_t *needs = json_array();
        char *copy = strdup(nv), *save = NULL;
        for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; w; w = strtok_r(NULL, ",", &save))
            json_array_append_new(needs, json_string(w));
        free(copy);
        json_object_set_new(body, "needs", needs);
    }
    app_ctx c = fhir_app(rq);
    app_route_answer a;
    int rc = app_routing_route_find(&c, body, &a, &e);
    json_decref(body);
    if (rc) return http_error(rs, &e);
    json_t *out = app_routing_answer_json(&a);
    app_routing_answer_free(&a);
    json_t *all;
    if (dir_all(&c, "HealthcareService", &all, &e)) {
        json_decref(out);
        return http_error(rs, &e);
    }
    char base[300], self[400];
    base_url(rq, base, sizeof base);
    json_t *entries = json_array();
    size_t i, j;
    json_t *el, *res;
    json_array_foreach(json_object_get(out, "eligible"), i, el)
    {
        const char *sid = json_string_value(json_object_get(el, "service_id"));
        json_array_foreach(all, j, res)
        {
            if (strcmp(json_string_value(json_object_get(res, "id")), sid) != 0) continue;
            json_t *en = fhir_entry(base, json_incref(res));
            json_object_set_new(json_object_get(en, "search"), "extension", route_ext(el));
            json_array_append_new(entries, en);
            break;
        }
    }
    sb q;
    sb_init(&q);
    for (int k = 0; allowed[k]; k++)
        if (http_query(rq, allowed[k])) qadd(&q, allowed[k], http_query(rq, allowed[k]));
    snprintf(self, sizeof self, "%s/HealthcareService/$find", base);
    int64_t n = (int64_t)json_array_size(entries);
    json_t *b = fhir_searchset(entries, n, self, q.buf ? q.buf : "", n ? n : 1, 0);
    sb_free(&q);
    json_decref(all);
    json_decref(out);
    return answer(rs, 200, b);
}

/* ---- ServiceRequest and Patient: referrals ------------------------------- */

static int parse_id(const char *s, int64_t *id)
{
    return whole(s, 1, INT64_MAX, id);
}

static int sr_read(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    app_ctx c = fhir_app(rq);
    if (parse_id(rq->params[0], &id)) {
        ics_err_set(&e, ICS_ENOTFOUND, "no ServiceRequest with id '%.64s'", rq->params[0]);
        return http_error(rs, &e);
    }
    if (app_routing_referral_get(&c, id, &row, &e)) return http_error(rs, &e);
    json_t *res = fhir_service_request(row);
    json_decref(row);
    return answer(rs, 200, res);
}

/* GET Encounter/{id}: a bed referral's community bed stay, read only,
 * through the bed bureau's own read (its roles and scope; audited). */
static int encounter_read(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    app_ctx c = fhir_app(rq);
    if (parse_id(rq->params[0], &id)) {
        ics_err_set(&e, ICS_ENOTFOUND, "no Encounter with id '%.64s'", rq->params[0]);
        return http_error(rs, &e);
    }
    if (app_beds_referral_get(&c, id, &row, &e)) return http_error(rs, &e);
    json_t *res = fhir_encounter(row);
    json_decref(row);
    return answer(rs, 200, res);
}

/* A reference search value: "Type/ID" or "ID" (and for patient an NHS
 * number identifier "system|value"); NULL when it names another type. */
static const char *ref_value(const char *v, const char *type)
{
    size_t n = strlen(type);
    if (strncmp(v, type, n) == 0 && v[n] == '/') return v + n + 1;
    if (strncmp(v, FHIR_NHS_NUMBER "|", strlen(FHIR_NHS_NUMBER) + 1) == 0)
        return v + strlen(FHIR_NHS_NUMBER) + 1;
    return strchr(v, '/') ? NULL : v;
}

/* The referral filter of a ServiceRequest search; *none when it cannot
 * match anything (an id that is not a number, a reference to another type). */
static int sr_filter(http_req *rq, store_referral_filter *f, int *none, ics_err *e)
{
    *none = 0;
    const char *v;
    if ((v = http_query(rq, "status"))) {
        if (strcmp(v, "active") == 0)
            f->state = "sent", f->state2 = "accepted";
        else if (strcmp(v, "completed") == 0)
            f->state = "attended";
        else if (strcmp(v, "revoked") == 0)
            f->state = "declined", f->state2 = "cancelled";
        else
            return ics_err_set(e, ICS_EINVAL,
                               "status '%.40s': referrals are active, completed or revoked", v);
    }
    const char *idv = http_query(rq, "_id");
    if (!idv && (v = http_query(rq, "identifier"))) {
        const char *bar = strchr(v, '|');
        if (bar && strncmp(v, FHIR_ID_REFERRAL "|", strlen(FHIR_ID_REFERRAL) + 1) != 0) *none = 1;
        idv = bar ? bar + 1 : v;
    }
    if (idv && whole(idv, 1, INT64_MAX, &f->id)) *none = 1;
    if ((v = http_query(rq, "patient")) || (v = http_query(rq, "subject"))) {
        f->nhs_number = ref_value(v, "Patient");
        if (!f->nhs_number) *none = 1;
    }
    if ((v = http_query(rq, "requester"))) {
        f->requester = ref_value(v, "Organization");
        if (!f->requester) *none = 1;
    }
    if ((v = http_query(rq, "performer"))) {
        f->service = ref_value(v, "HealthcareService");
        if (!f->service) *none = 1;
    }
    const char *dates[2];
    int nd = http_query_all(rq, "authored", dates, 2);
    for (int i = 0; i < nd; i++) {
        fhir_date d;
        if (fhir_date_parse(dates[i], &d, e)) {
            ics_err_prefix(e, "authored: ");
            return ICS_EINVAL;
        }
        /* the store's range is [from, to): 0 means open */
        if (d.lo != INT64_MIN && d.lo > f->from) f->from = d.lo;
        if (d.hi != INT64_MAX && (!f->to || d.hi < f->to)) f->to = d.hi;
    }
    if (f->from && f->to && f->from >= f->to) *none = 1;
    return 0;
}

static int sr_search(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t count, offset, total = 0;
    store_referral_filter f = {0};
    int none;
    if (check_params(rq, "ServiceRequest", &e) || paging(rq, &count, &offset, &e) ||
        sr_filter(rq, &f, &none, &e))
        return http_error(rs, &e);
    const char *incv = http_query(rq, "_include");
    if (incv && !fhir_include_ok("ServiceRequest", incv)) {
        ics_err_set(&e, ICS_EINVAL, "_include '%.60s': ServiceRequest takes ServiceRequest:patient",
                    incv);
        return http_error(rs, &e);
    }
    json_t *rows = json_array();
    app_ctx c = fhir_app(rq);
    if (!none) {
        json_decref(rows);
        if (app_routing_referral_list(&c, f, count, offset, &rows, &total, &e))
            return http_error(rs, &e);
    }
    char base[300], self[400];
    base_url(rq, base, sizeof base);
    json_t *entries = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
        json_array_append_new(entries, fhir_entry(base, fhir_service_request(r)));
    /* _include=ServiceRequest:patient: each patient of the page once, from
     * the newest of their referrals on it (the rows are newest first) */
    json_t *seen = json_object();
    json_array_foreach(incv ? rows : NULL, i, r)
    {
        const char *nhs = json_string_value(json_object_get(r, "nhs_number"));
        if (!nhs || strlen(nhs) != 10 || json_object_get(seen, nhs)) continue;
        json_object_set_new(seen, nhs, json_true());
        json_t *en = fhir_entry(base, fhir_patient(r));
        json_object_set_new(json_object_get(en, "search"), "mode", json_string("include"));
        json_array_append_new(entries, en);
    }
    json_decref(seen);
    json_decref(rows);
    sb q;
    sb_init(&q);
    for (const fhir_param *p = fhir_search_params("ServiceRequest"); p->name; p++) {
        const char *vals[2];
        int nv = http_query_all(rq, p->name, vals, 2);
        for (int k = 0; k < nv; k++) qadd(&q, p->name, vals[k]);
    }
    if (incv) qadd(&q, "_include", incv);
    snprintf(self, sizeof self, "%s/ServiceRequest", base);
    json_t *b = fhir_searchset(entries, total, self, q.buf ? q.buf : "", count, offset);
    sb_free(&q);
    return answer(rs, 200, b);
}

/* A patient is visible when one of their referrals is: the newest one
 * gives the Patient's district. */
static int patient_rows(http_req *rq, const char *nhs, json_t **rows, ics_err *e)
{
    store_referral_filter f = {0};
    f.nhs_number = nhs;
    int64_t total;
    app_ctx c = fhir_app(rq);
    return app_routing_referral_list(&c, f, 1, 0, rows, &total, e);
}

static int patient_read(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *rows;
    if (patient_rows(rq, rq->params[0], &rows, &e)) return http_error(rs, &e);
    if (!json_array_size(rows)) {
        json_decref(rows);
        ics_err_set(&e, ICS_ENOTFOUND, "no Patient with id '%.64s' among your referrals",
                    rq->params[0]);
        return http_error(rs, &e);
    }
    json_t *res = fhir_patient(json_array_get(rows, 0));
    json_decref(rows);
    return answer(rs, 200, res);
}

static int patient_search(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t count, offset;
    if (check_params(rq, "Patient", &e) || paging(rq, &count, &offset, &e))
        return http_error(rs, &e);
    const char *id = http_query(rq, "_id"), *ident = http_query(rq, "identifier");
    if (!id && ident) {
        const char *bar = strchr(ident, '|');
        if (bar && strncmp(ident, FHIR_NHS_NUMBER "|", strlen(FHIR_NHS_NUMBER) + 1) != 0)
            ident = NULL; /* another system: nothing matches */
        id = ident ? (bar ? bar + 1 : ident) : "";
    }
    if (!id) {
        ics_err_set(&e, ICS_EINVAL,
                    "search Patient by identifier=" FHIR_NHS_NUMBER "|NHS-NUMBER or _id (patients "
                    "are not listed)");
        return http_error(rs, &e);
    }
    json_t *rows = json_array(), *entries = json_array();
    if (*id) {
        json_decref(rows);
        if (patient_rows(rq, id, &rows, &e)) {
            json_decref(entries);
            return http_error(rs, &e);
        }
    }
    char base[300], self[400];
    base_url(rq, base, sizeof base);
    if (json_array_size(rows) && offset == 0)
        json_array_append_new(entries, fhir_entry(base, fhir_patient(json_array_get(rows, 0))));
    int64_t total = json_array_size(rows) ? 1 : 0;
    json_decref(rows);
    sb q;
    sb_init(&q);
    if (http_query(rq, "_id")) qadd(&q, "_id", http_query(rq, "_id"));
    if (http_query(rq, "identifier")) qadd(&q, "identifier", http_query(rq, "identifier"));
    snprintf(self, sizeof self, "%s/Patient", base);
    json_t *b = fhir_searchset(entries, total, self, q.buf ? q.buf : "", count, offset);
    sb_free(&q);
    return answer(rs, 200, b);
}

/* ---- referrals in: POST ServiceRequest and $process-message -------------- */

static int body_of(http_req *rq, ics_err *e)
{
    if (!rq->json)
        return ics_err_set(e, ICS_EBADREQ, "send the resource as JSON (application/fhir+json)");
    return 0;
}

static int sr_create(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *body, *row;
    app_ctx c = fhir_app(rq);
    if (body_of(rq, &e) || fhir_referral_body(rq->json, NULL, tz_local_date(c.now), &body, &e))
        return http_error(rs, &e);
    int rc = app_routing_referral_create(&c, body, &row, &e);
    json_decref(body);
    if (rc) return http_error(rs, &e);
    long long id = (long long)json_integer_value(json_object_get(row, "id"));
    snprintf(rs->location, sizeof rs->location, "/api/v1/fhir/ServiceRequest/%lld", id);
    json_t *res = fhir_service_request(row);
    json_decref(row);
    return answer(rs, 201, res);
}

static void uuid4(char out[37])
{
    unsigned char b[16];
    randombytes_buf(b, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

static json_t *response_message(http_req *rq, int64_t now, json_t *row);

/* A status change a ServiceRequest asks of referral id, through the
 * referral's own lifecycle use cases (so the same roles, rules, audit and
 * events as POST /api/v1/referrals/{id}/accept ...); *row: the referral
 * after (unchanged when it is already in that state). */
static int status_step(app_ctx *c, int64_t id, const json_t *sr, json_t **row, ics_err *e)
{
    json_t *cur = NULL;
    const char *action, *reason;
    int rc = app_routing_referral_get(c, id, &cur, e);
    if (!rc)
        rc = fhir_status_change(sr, json_string_value(json_object_get(cur, "state")), &action,
                                &reason, e);
    if (rc || !strcmp(action, "none")) {
        *row = rc ? NULL : cur;
        if (rc) json_decref(cur);
        return rc;
    }
    json_t *body = reason && strcmp(action, "accept") && strcmp(action, "attend")
                       ? json_pack("{ss}", "reason", reason)
                       : json_object();
    rc = !strcmp(action, "accept")    ? app_routing_referral_accept(c, id, body, row, e)
         : !strcmp(action, "decline") ? app_routing_referral_decline(c, id, body, row, e)
         : !strcmp(action, "attend")  ? app_routing_referral_attend(c, id, body, row, e)
                                      : app_routing_referral_cancel(c, id, body, row, e);
    json_decref(body);
    if (!rc && !json_object_get(*row, "message_id"))
        json_object_set(*row, "message_id", json_object_get(cur, "message_id"));
    json_decref(cur);
    return rc;
}

/* PUT ServiceRequest/{id}: the status changes (fhir_status_change); an id
 * in the body must be the one in the path. */
static int sr_update(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row = NULL;
    app_ctx c = fhir_app(rq);
    if (parse_id(rq->params[0], &id)) {
        ics_err_set(&e, ICS_ENOTFOUND, "no ServiceRequest with id '%.64s'", rq->params[0]);
        return http_error(rs, &e);
    }
    if (body_of(rq, &e)) return http_error(rs, &e);
    const char *bid = json_string_value(json_object_get(rq->json, "id"));
    if (bid && strcmp(bid, rq->params[0]) != 0) {
        ics_err_set(&e, ICS_EBADREQ, "the body's id '%.40s' is not the id in the URL (%.40s)", bid,
                    rq->params[0]);
        return http_error(rs, &e);
    }
    if (status_step(&c, id, rq->json, &row, &e)) return http_error(rs, &e);
    json_t *res = fhir_service_request(row);
    json_decref(row);
    return answer(rs, 200, res);
}

/* A BaRS referral request: parsed, created through the REST API's use case
 * and answered with a response message (200). A message that is not a
 * valid referral request is refused with an OperationOutcome and nothing
 * is written (the use case's one transaction). */
static int process_message(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"async", "_format", NULL};
    ics_err e = {0};
    if (http_query_only(rq, allowed, &e) || body_of(rq, &e)) return http_error(rs, &e);
    const char *async = http_query(rq, "async");
    if (async && strcmp(async, "false") != 0) {
        ics_err_set(&e, ICS_EINVAL, "async=%.10s: icsflow processes messages synchronously only",
                    async);
        return http_error(rs, &e);
    }
    const json_t *h, *sr, *pat;
    json_t *body, *row;
    app_ctx c = fhir_app(rq);
    if (fhir_message_parse(rq->json, &h, &sr, &pat, &e)) return http_error(rs, &e);
    /* about a referral icsflow holds (its identifier, as the response
     * message gave it): a status change such as a cancellation (revoked) */
    int64_t known = fhir_referral_id(sr);
    if (known) {
        if (status_step(&c, known, sr, &row, &e)) return http_error(rs, &e);
        json_object_set(row, "message_id", json_object_get(h, "id"));
        return answer(rs, 200, response_message(rq, c.now, row));
    }
    if (fhir_referral_body(sr, pat, tz_local_date(c.now), &body, &e)) return http_error(rs, &e);
    /* the MessageHeader id goes with the referral: a repeat of the message
     * is answered again with the referral it made, not a second one */
    json_object_set(body, "message_id", json_object_get(h, "id"));
    int repeated = 0;
    int rc = app_routing_referral_receive(&c, body, &row, &repeated, &e);
    json_decref(body);
    if (rc) return http_error(rs, &e);
    return answer(rs, 200, response_message(rq, c.now, row));
}

/* A response message about a referral that came in a message: answers the
 * request's MessageHeader id with the ServiceRequest as it is now. Takes
 * row. */
static json_t *response_message(http_req *rq, int64_t now, json_t *row)
{
    char base[300], at[32], bid[37], mid[37];
    base_url(rq, base, sizeof base);
    tz_format_utc(now, at, sizeof at);
    uuid4(bid);
    uuid4(mid);
    json_t *res = fhir_service_request(row);
    json_t *m = fhir_response_message(
        bid, mid, json_string_value(json_object_get(row, "message_id")), "ok", base, at, res, NULL);
    json_decref(row);
    return m;
}

/* GET ServiceRequest/{id}/$response-message: the referral's current state
 * (accepted, declined, attended, ...) as a BaRS response message to the
 * message it came in, for a sender that reads rather than listens. */
static int sr_response(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    app_ctx c = fhir_app(rq);
    if (parse_id(rq->params[0], &id)) {
        ics_err_set(&e, ICS_ENOTFOUND, "no ServiceRequest with id '%.64s'", rq->params[0]);
        return http_error(rs, &e);
    }
    if (app_routing_referral_get(&c, id, &row, &e)) return http_error(rs, &e);
    if (!json_is_string(json_object_get(row, "message_id"))) {
        json_decref(row);
        ics_err_set(&e, ICS_ENOTFOUND,
                    "referral %lld did not come in a message, so there is no message to answer",
                    (long long)id);
        return http_error(rs, &e);
    }
    return answer(rs, 200, response_message(rq, c.now, row));
}

const http_route http_routes_fhir[] = {
    {"GET", "/api/v1/fhir/metadata", 0, metadata,
     "FHIR CapabilityStatement: what this server supports", &APP_DIR_READ},
    {"GET", "/api/v1/fhir/Organization", 0, dir_search, "FHIR Organization searchset",
     &APP_DIR_READ},
    {"GET", "/api/v1/fhir/Organization/{id}", 0, dir_read, "FHIR Organization", &APP_DIR_READ},
    {"GET", "/api/v1/fhir/Location", 0, dir_search, "FHIR Location searchset (sites, units)",
     &APP_DIR_READ},
    {"GET", "/api/v1/fhir/Location/{id}", 0, dir_read, "FHIR Location", &APP_DIR_READ},
    {"GET", "/api/v1/fhir/HealthcareService/$find", 0, hs_find,
     "FHIR operation: open rapid-response services for a patient, in the finder's order",
     &APP_ROUTING_ROUTE_FIND},
    {"GET", "/api/v1/fhir/HealthcareService", 0, dir_search, "FHIR HealthcareService searchset",
     &APP_DIR_READ},
    {"GET", "/api/v1/fhir/HealthcareService/{id}", 0, dir_read, "FHIR HealthcareService",
     &APP_DIR_READ},
    {"GET", "/api/v1/fhir/ServiceRequest", 0, sr_search,
     "FHIR ServiceRequest searchset of visible referrals (newest first)",
     &APP_ROUTING_REFERRAL_LIST},
    {"POST", "/api/v1/fhir/ServiceRequest", 0, sr_create,
     "Create a UCR referral from a FHIR ServiceRequest", &APP_ROUTING_REFERRAL_CREATE},
    {"GET", "/api/v1/fhir/ServiceRequest/{id}", 0, sr_read, "A referral as a FHIR ServiceRequest",
     &APP_ROUTING_REFERRAL_GET},
    {"PUT", "/api/v1/fhir/ServiceRequest/{id}", 0, sr_update,
     "Change a referral's status through its lifecycle (accept, attend, decline, cancel)",
     &APP_ROUTING_REFERRAL_GET},
    {"GET", "/api/v1/fhir/ServiceRequest/{id}/$response-message", 0, sr_response,
     "A referral that came in a BaRS message: its state now as a response message",
     &APP_ROUTING_REFERRAL_GET},
    {"GET", "/api/v1/fhir/Encounter/{id}", 0, encounter_read,
     "A bed referral's community bed stay as a read-only FHIR Encounter", &APP_BEDS_REFERRAL_GET},
    {"GET", "/api/v1/fhir/Patient", 0, patient_search,
     "FHIR Patient search by NHS number (patients of visible referrals)",
     &APP_ROUTING_REFERRAL_LIST},
    {"GET", "/api/v1/fhir/Patient/{id}", 0, patient_read,
     "FHIR Patient (NHS number) of a visible referral", &APP_ROUTING_REFERRAL_LIST},
    {"POST", "/api/v1/fhir/$process-message", 0, process_message,
     "FHIR messaging: a BaRS referral request message, answered with a response message",
     &APP_ROUTING_REFERRAL_CREATE},
    {NULL, NULL, 0, NULL, NULL, NULL}};
