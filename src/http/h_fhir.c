/* h_fhir.c - read-only FHIR R4 (UK Core identifiers) views of the directory:
 * Organization, Location (sites and community bed units) and
 * HealthcareService, each as a searchset Bundle or a single resource, so a
 * system that speaks FHIR can read the ICS directory without our JSON. */
#include <stdio.h>
#include <string.h>

#include "directory/directory.h"
#include "http/http.h"
#include "app/directory.h"

#define ODS_ORG  "https://fhir.nhs.uk/Id/ods-organization-code"
#define ODS_SITE "https://fhir.nhs.uk/Id/ods-site-code"

static const char *org_type(const char *kind)
{
    if (strcmp(kind, "ics") == 0) return "Integrated care board";
    if (strcmp(kind, "ambulance") == 0) return "Ambulance trust";
    if (strcmp(kind, "mental_health") == 0) return "Mental health trust";
    if (strcmp(kind, "community") == 0) return "Community trust";
    if (strcmp(kind, "specialist") == 0) return "Specialist trust";
    return "Acute trust";
}

static const char *S(const json_t *row, const char *k)
{
    const char *v = json_string_value(json_object_get(row, k));
    return v ? v : "";
}

static json_t *organization(const json_t *r)
{
    json_t *o =
        json_pack("{sss[{ssss}]sbss}", "resourceType", "Organization", "identifier", "system",
                  ODS_ORG, "value", S(r, "ods_code"), "active", 1, "name", S(r, "name"));
    json_object_set_new(o, "id", json_string(S(r, "ods_code")));
    json_object_set_new(o, "type", json_pack("[{ss}]", "text", org_type(S(r, "kind"))));
    if (*S(r, "postcode"))
        json_object_set_new(o, "address", json_pack("[{ss}]", "postalCode", S(r, "postcode")));
    return o;
}

static json_t *location_site(const json_t *r)
{
    char org[64];
    snprintf(org, sizeof org, "Organization/%s", S(r, "org_code"));
    return json_pack("{sssss[{ssss}]sssssss{ss}s{sOsO}s{ss}}", "resourceType", "Location", "id",
                     S(r, "site_code"), "identifier", "system", ODS_SITE, "value",
                     S(r, "site_code"), "status", "active", "name", S(r, "name"), "mode",
                     "instance", "address", "postalCode", S(r, "postcode"), "position", "latitude",
                     json_object_get(r, "lat"), "longitude", json_object_get(r, "lon"),
                     "managingOrganization", "reference", org);
}

static json_t *location_unit(const json_t *r)
{
    char part[64], text[160];
    snprintf(part, sizeof part, "Location/%s", S(r, "site_code"));
    snprintf(text, sizeof text, "%s community beds (%lld)", S(r, "bed_type"),
             (long long)json_integer_value(json_object_get(r, "beds")));
    return json_pack("{sssssssssss{s[{ssssss}]}s{ss}s{ss}}", "resourceType", "Location", "id",
                     S(r, "unit_code"), "status", "active", "name", S(r, "name"), "mode", "kind",
                     "physicalType", "coding", "system",
                     "http://terminology.hl7.org/CodeSystem/location-physical-type", "code", "wa",
                     "display", "Ward", "partOf", "reference", part, "type", "text", text);
}

static const char *const fhir_days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static json_t *service(const json_t *r)
{
    char org[64];
    snprintf(org, sizeof org, "Organization/%s", S(r, "provider_ods"));
    json_t *o =
        json_pack("{sssssbs{ss}ss}", "resourceType", "HealthcareService", "id", S(r, "service_id"),
                  "active", 1, "providedBy", "reference", org, "name", S(r, "name"));
    if (*S(r, "site_code")) {
        char loc[64];
        snprintf(loc, sizeof loc, "Location/%s", S(r, "site_code"));
        json_object_set_new(o, "location", json_pack("[{ss}]", "reference", loc));
    }
    json_t *chars = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "capabilities"), i, c)
        json_array_append_new(chars, json_pack("{sO}", "text", c));
    json_object_set_new(o, "characteristic", chars);
    dir_hours h;
    ics_err e = {0};
    if (directory_hours_parse(S(r, "hours"), &h, &e) == 0) {
        json_t *times = json_array();
        for (int d = 0; d < 7; d++)
            for (int k = 0; k < h.n[d]; k++) {
                char a[16], b[16];
                dir_interval iv = h.iv[d][k];
                int close = iv.close > iv.open ? iv.close : 1440; /* FHIR times stay in one day */
                snprintf(a, sizeof a, "%02d:%02d:00", iv.open / 60, iv.open % 60);
                if (close == 1440)
                    snprintf(b, sizeof b, "23:59:59");
                else
                    snprintf(b, sizeof b, "%02d:%02d:00", close / 60, close % 60);
                if (iv.open == 0 && close == 1440)
                    json_array_append_new(
                        times, json_pack("{s[s]sb}", "daysOfWeek", fhir_days[d], "allDay", 1));
                else
                    json_array_append_new(times, json_pack("{s[s]ssss}", "daysOfWeek", fhir_days[d],
                                                           "availableStartTime", a,
                                                           "availableEndTime", b));
                if (iv.close <= iv.open && iv.close > 0) { /* the part after midnight */
                    char c2[16];
                    snprintf(c2, sizeof c2, "%02d:%02d:00", iv.close / 60, iv.close % 60);
                    json_array_append_new(
                        times, json_pack("{s[s]ssss}", "daysOfWeek", fhir_days[(d + 1) % 7],
                                         "availableStartTime", "00:00:00", "availableEndTime", c2));
                }
            }
        json_object_set_new(o, "availableTime", times);
        if (h.bh_set && h.n[DIR_BH] == 0)
            json_object_set_new(o, "notAvailable",
                                json_pack("[{ss}]", "description", "Closed on bank holidays"));
    }
    return o;
}

typedef struct fhir_kind {
    const char *type;       /* FHIR resource type in the path */
    const char *collection; /* directory collection */
    json_t *(*map)(const json_t *row);
} fhir_kind;

static const fhir_kind kinds[] = {{"Organization", "organisations", organization},
                                  {"Location", "sites", location_site},
                                  {"Location", "units", location_unit},
                                  {"HealthcareService", "services", service},
                                  {NULL, NULL, NULL}};

static const char *type_of(http_req *rq)
{
    static _Thread_local char t[32];
    const char *p = rq->path + strlen("/api/v1/fhir/");
    size_t n = strcspn(p, "/");
    snprintf(t, sizeof t, "%.*s", (int)(n < 31 ? n : 31), p);
    return t;
}

static int search(http_req *rq, http_resp *rs)
{
    const char *type = type_of(rq);
    ics_err e = {0};
    json_t *entries = json_array();
    for (const fhir_kind *k = kinds; k->type; k++) {
        if (strcmp(k->type, type) != 0) continue;
        json_t *rows, *none = json_object();
        int64_t total;
        app_ctx ac = http_app(rq);
        int rc = app_dir_list(&ac, directory_collection_find(k->collection), none, 100000, 0, &rows,
                              &total, &e);
        json_decref(none);
        if (rc) {
            json_decref(entries);
            return http_error(rs, &e);
        }
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            json_t *res = k->map(r);
            char url[128];
            snprintf(url, sizeof url, "%s/%s", type, json_string_value(json_object_get(res, "id")));
            json_array_append_new(entries, json_pack("{ssso}", "fullUrl", url, "resource", res));
        }
        json_decref(rows);
    }
    return http_json(rs, 200,
                     json_pack("{sssssIso}", "resourceType", "Bundle", "type", "searchset", "total",
                               (json_int_t)json_array_size(entries), "entry", entries));
}

static int read_one(http_req *rq, http_resp *rs)
{
    const char *type = type_of(rq);
    ics_err e = {0};
    for (const fhir_kind *k = kinds; k->type; k++) {
        if (strcmp(k->type, type) != 0) continue;
        json_t *row;
        app_ctx ac = http_app(rq);
        if (app_dir_get(&ac, directory_collection_find(k->collection), rq->params[0], &row, &e) ==
            0) {
            json_t *res = k->map(row);
            json_decref(row);
            http_json(rs, 200, res);
            rs->content_type = "application/fhir+json";
            return 0;
        }
    }
    char msg[160];
    snprintf(msg, sizeof msg, "no %s with id '%s'", type, rq->params[0]);
    return http_problem(rs, 404, msg, NULL);
}

const http_route http_routes_fhir[] = {
    {"GET", "/api/v1/fhir/Organization", 0, search, "FHIR Organization searchset", &APP_DIR_READ},
    {"GET", "/api/v1/fhir/Organization/{id}", 0, read_one, "FHIR Organization", &APP_DIR_READ},
    {"GET", "/api/v1/fhir/Location", 0, search, "FHIR Location searchset (sites, units)",
     &APP_DIR_READ},
    {"GET", "/api/v1/fhir/Location/{id}", 0, read_one, "FHIR Location", &APP_DIR_READ},
    {"GET", "/api/v1/fhir/HealthcareService", 0, search, "FHIR HealthcareService searchset",
     &APP_DIR_READ},
    {"GET", "/api/v1/fhir/HealthcareService/{id}", 0, read_one, "FHIR HealthcareService",
     &APP_DIR_READ},
    {NULL, NULL, 0, NULL, NULL, NULL}};
