/* search.c - FHIR R4 search as icsflow serves it: the search parameters of
 * each resource type (one table, also the source of the
 * CapabilityStatement), the matcher that evaluates token, string and
 * reference parameters on a resource's own elements, the near and date
 * parameter parsers, and searchset Bundles with total and paging links.
 * The directory is small (hundreds of resources), so its searches run on
 * the mapped resources; referrals are filtered and paged by the store. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/tz.h"
#include "fhir/fhir.h"

#define END                                                                                        \
    {                                                                                              \
        NULL, 0, NULL, NULL                                                                        \
    }

static const fhir_param org_params[] = {
    {"_id", FHIR_TOKEN, "id", "the ODS code"},
    {"identifier", FHIR_TOKEN, "identifier", "ODS code, [system|]value"},
    {"name", FHIR_STRING, "name", "name starts with (:exact, :contains)"},
    {"type", FHIR_TOKEN, "type", "organisation kind (acute, community, ...) or prov/govt"},
    {"address-postalcode", FHIR_STRING, "address.postalCode", "postcode starts with"},
    {"active", FHIR_TOKEN, "active", "true or false"},
    {"ics", FHIR_SPECIAL, NULL,
     "the ICS (ODS code of its ICB, or all) to search; default the caller's"},
    END};

static const fhir_param loc_params[] = {
    {"_id", FHIR_TOKEN, "id", "the site's ODS code or the unit's code"},
    {"identifier", FHIR_TOKEN, "identifier", "ODS site code or unit code, [system|]value"},
    {"name", FHIR_STRING, "name", "name starts with (:exact, :contains)"},
    {"type", FHIR_TOKEN, "type", "site kind or bed type"},
    {"organization", FHIR_REFERENCE, "managingOrganization", "Organization/ODS or ODS"},
    {"partof", FHIR_REFERENCE, "partOf", "the site a unit belongs to"},
    {"address-postalcode", FHIR_STRING, "address.postalCode", "postcode starts with"},
    {"status", FHIR_TOKEN, "status", "active"},
    {"near", FHIR_SPECIAL, NULL,
     "LAT|LON|DIST|km: sites within DIST, nearest first, the distance in "
     "entry.search.extension (location-distance)"},
    {"ics", FHIR_SPECIAL, NULL,
     "the ICS (ODS code of its ICB, or all) to search; default the caller's"},
    END};

static const fhir_param hs_params[] = {
    {"_id", FHIR_TOKEN, "id", "the service id"},
    {"identifier", FHIR_TOKEN, "identifier", "service id, [system|]value"},
    {"name", FHIR_STRING, "name", "name starts with (:exact, :contains)"},
    {"organization", FHIR_REFERENCE, "providedBy", "Organization/ODS or ODS"},
    {"location", FHIR_REFERENCE, "location", "Location/SITE or SITE"},
    {"service-type", FHIR_TOKEN, "type", "service kind (ucr, ...)"},
    {"characteristic", FHIR_TOKEN, "characteristic", "a need the service meets (falls, ...)"},
    {"active", FHIR_TOKEN, "active", "true or false"},
    {"ics", FHIR_SPECIAL, NULL,
     "the ICS (ODS code of its ICB, or all) to search; default the caller's"},
    END};

static const fhir_param sr_params[] = {
    {"_id", FHIR_SPECIAL, NULL, "the referral id"},
    {"identifier", FHIR_SPECIAL, NULL, "the referral id, [system|]value"},
    {"status", FHIR_SPECIAL, NULL, "active, completed or revoked"},
    {"patient", FHIR_SPECIAL, NULL, "Patient/NHS-NUMBER or NHS-NUMBER"},
    {"subject", FHIR_SPECIAL, NULL, "the same as patient"},
    {"requester", FHIR_SPECIAL, NULL, "Organization/ODS of the referrer"},
    {"performer", FHIR_SPECIAL, NULL, "HealthcareService/ID of the receiving service"},
    {"authored", FHIR_DATE, NULL, "when sent: [ge|gt|le|lt|eq]DATE, twice for a range"},
    END};

static const fhir_param patient_params[] = {
    {"_id", FHIR_SPECIAL, NULL, "the NHS number"},
    {"identifier", FHIR_SPECIAL, NULL, "https://fhir.nhs.uk/Id/nhs-number|NHS-NUMBER"},
    END};

static const struct {
    const char *type;
    const fhir_param *params;
} types[] = {{"Organization", org_params},     {"Location", loc_params},
             {"HealthcareService", hs_params}, {"ServiceRequest", sr_params},
             {"Patient", patient_params},      {NULL, NULL}};

const fhir_param *fhir_search_params(const char *type)
{
    for (int i = 0; types[i].type; i++)
        if (strcmp(types[i].type, type) == 0) return types[i].params;
    return NULL;
}

/* ---- the matcher -------------------------------------------------------- */

/* Every value at a dotted path of r (arrays flattened) into out. */
static void collect(const json_t *v, const char *path, json_t *out)
{
    if (!v) return;
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) collect(x, path, out);
        return;
    }
    if (!*path) {
        json_array_append(out, (json_t *)v);
        return;
    }
    const char *dot = strchr(path, '.');
    char key[64];
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof key) return;
    memcpy(key, path, n);
    key[n] = '\0';
    collect(json_object_get(v, key), dot ? dot + 1 : "", out);
}

/* Case-insensitive comparison of ASCII; other bytes compare as they are. */
static int ci_prefix(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static int ci_contains(const char *s, const char *part)
{
    size_t n = strlen(part);
    for (; *s; s++)
        if (strncasecmp(s, part, n) == 0) return 1;
    return n == 0;
}

static int eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* token: "code", "system|code", "|code" (no system) or "system|". */
static int token_one(const json_t *v, const char *sys, const char *code)
{
    if (json_is_string(v)) return !sys && eq(json_string_value(v), code);
    if (json_is_boolean(v)) return !sys && eq(json_is_true(v) ? "true" : "false", code);
    const char *vs = json_string_value(json_object_get(v, "system"));
    const char *vv = json_string_value(json_object_get(v, "value"));
    if (!vv) vv = json_string_value(json_object_get(v, "code"));
    json_t *codings = json_object_get(v, "coding");
    if (codings) {
        size_t i;
        json_t *c;
        json_array_foreach(codings, i, c) if (token_one(c, sys, code)) return 1;
        return 0;
    }
    if (sys && *sys && !eq(vs, sys)) return 0;
    if (sys && !*sys && vs) return 0;
    return !*code || eq(vv, code);
}

static int match_value(const json_t *v, const fhir_param *p, const char *modifier, const char *val)
{
    switch (p->type) {
    case FHIR_TOKEN: {
        const char *bar = strchr(val, '|');
        char sys[256];
        if (!bar) return token_one(v, NULL, val);
        snprintf(sys, sizeof sys, "%.*s", (int)(bar - val), val);
        return token_one(v, sys, bar + 1);
    }
    case FHIR_STRING: {
        const char *s = json_string_value(v);
        if (!s) return 0;
        if (eq(modifier, "exact")) return strcmp(s, val) == 0;
        if (eq(modifier, "contains")) return ci_contains(s, val);
        return ci_prefix(s, val);
    }
    case FHIR_REFERENCE: {
        const char *r = json_string_value(json_object_get(v, "reference"));
        if (!r) return 0;
        if (strchr(val, '/')) return strcmp(r, val) == 0;
        const char *slash = strrchr(r, '/');
        return slash && strcmp(slash + 1, val) == 0;
    }
    default:
        return 0;
    }
}

int fhir_match(const json_t *r, const fhir_param *p, const char *modifier, const char *value)
{
    if (!p->path) return 1;
    json_t *vals = json_array();
    collect(r, p->path, vals);
    int hit = 0;
    char *copy = strdup(value), *save = NULL;
    for (char *v = copy ? strtok_r(copy, ",", &save) : NULL; v && !hit;
         v = strtok_r(NULL, ",", &save)) {
        size_t i;
        json_t *x;
        json_array_foreach(vals, i, x) if (match_value(x, p, modifier, v))
        {
            hit = 1;
            break;
        }
    }
    free(copy);
    json_decref(vals);
    return hit;
}

/* ---- near and date ------------------------------------------------------ */

static int num(const char *s, size_t n, double *out)
{
    char b[64];
    if (n == 0 || n >= sizeof b) return -1;
    memcpy(b, s, n);
    b[n] = '\0';
    char *end;
    double v = strtod(b, &end);
    if (*end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int fhir_near_parse(const char *v, fhir_near *out, ics_err *e)
{
    const char *part[4] = {0};
    size_t len[4] = {0};
    int np = 0;
    for (const char *s = v;; np++) {
        if (np == 4)
            return ics_err_set(e, ICS_EINVAL, "near has more than 4 parts: LAT|LON|DIST|km");
        const char *bar = strchr(s, '|');
        part[np] = s;
        len[np] = bar ? (size_t)(bar - s) : strlen(s);
        if (!bar) {
            np++;
            break;
        }
        s = bar + 1;
    }
    if (np < 2 || num(part[0], len[0], &out->lat) || num(part[1], len[1], &out->lon))
        return ics_err_set(e, ICS_EINVAL, "near must be LAT|LON|DIST|km with numbers");
    if (out->lat < -90 || out->lat > 90 || out->lon < -180 || out->lon > 180)
        return ics_err_set(e, ICS_EINVAL,
                           "near: latitude must be -90 to 90, longitude -180 to 180");
    out->km = 50;
    if (np >= 3 && len[2] && num(part[2], len[2], &out->km))
        return ics_err_set(e, ICS_EINVAL, "near: the distance must be a number");
    double f = 1;
    if (np == 4 && len[3]) {
        if (len[3] == 2 && strncmp(part[3], "km", 2) == 0)
            f = 1;
        else if (len[3] == 6 && strncmp(part[3], "[mi_i]", 6) == 0)
            f = 1.609344;
        else
            return ics_err_set(e, ICS_EINVAL, "near: the unit must be km or [mi_i]");
    }
    out->km *= f;
    if (!(out->km > 0 && out->km <= 1000))
        return ics_err_set(e, ICS_EINVAL,
                           "near: the distance must be more than 0 and at most 1000 km");
    return 0;
}

int fhir_date_parse(const char *v, fhir_date *out, ics_err *e)
{
    static const char *const pre[] = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", NULL};
    int k = 0;
    for (int i = 0; pre[i]; i++)
        if (strncmp(v, pre[i], 2) == 0) {
            k = i;
            v += 2;
            break;
        }
    if (k == 1) return ics_err_set(e, ICS_EINVAL, "date prefix 'ne' is not supported");
    int64_t t;
    ics_err sub = {0};
    if (tz_parse(v, &t, &sub))
        return ics_err_set(e, ICS_EINVAL, "'%s' is not a date or dateTime (%s)", v, sub.msg);
    /* a date alone stands for its whole (London) day; a time for its second */
    int64_t span = strlen(v) == 10 ? 86400 : 1;
    if (span == 86400) {
        int64_t next;
        int y, m, d;
        tz_civil_from_days(tz_local_date(t) + 1, &y, &m, &d);
        if (tz_local_to_utc(y, m, d, 0, 0, 0, &next, &sub) == 0) span = next - t;
    }
    out->lo = INT64_MIN;
    out->hi = INT64_MAX;
    switch (k) {
    case 0:
        out->lo = t, out->hi = t + span;
        break;
    case 2:
    case 6:
        out->lo = t + span;
        break;
    case 3:
    case 7:
        out->hi = t;
        break;
    case 4:
        out->lo = t;
        break;
    case 5:
        out->hi = t + span;
        break;
    }
    return 0;
}

/* ---- bundles ------------------------------------------------------------ */

json_t *fhir_entry(const char *base_url, json_t *resource)
{
    char url[512];
    snprintf(url, sizeof url, "%s/%s/%s", base_url,
             json_string_value(json_object_get(resource, "resourceType")),
             json_string_value(json_object_get(resource, "id")));
    return json_pack("{sssos{ss}}", "fullUrl", url, "resource", resource, "search", "mode",
                     "match");
}

static json_t *link(const char *rel, const char *base, const char *query, int64_t count,
                    int64_t offset)
{
    char url[4096];
    snprintf(url, sizeof url, "%s?%s%s_count=%lld&_offset=%lld", base, query, *query ? "&" : "",
             (long long)count, (long long)offset);
    return json_pack("{ssss}", "relation", rel, "url", url);
}

json_t *fhir_searchset(json_t *entries, int64_t total, const char *base, const char *query,
                       int64_t count, int64_t offset)
{
    json_t *links = json_array();
    json_array_append_new(links, link("self", base, query, count, offset));
    if (offset + count < total)
        json_array_append_new(links, link("next", base, query, count, offset + count));
    if (offset > 0)
        json_array_append_new(
            links, link("previous", base, query, count, offset > count ? offset - count : 0));
    json_t *b = json_pack("{sssssIso}", "resourceType", "Bundle", "type", "searchset", "total",
                          (json_int_t)total, "link", links);
    if (json_array_size(entries))
        json_object_set_new(b, "entry", entries);
    else
        json_decref(entries);
    return b;
}

/* ---- _sort and _include -------------------------------------------------- */

int fhir_sort_parse(const char *v, const char **key, int *desc, ics_err *e)
{
    *desc = v[0] == '-';
    const char *k = v + *desc;
    if (!strcmp(k, "name"))
        *key = "name";
    else if (!strcmp(k, "_id"))
        *key = "id";
    else
        return ics_err_set(e, ICS_EINVAL,
                           "_sort '%.40s': this server sorts by name or _id (- first "
                           "for descending)",
                           v);
    return 0;
}

int fhir_sort_cmp(const json_t *a, const json_t *b, const char *key, int desc)
{
    const char *x = json_string_value(json_object_get(a, key));
    const char *y = json_string_value(json_object_get(b, key));
    int r = strcmp(x ? x : "", y ? y : "");
    if (!r) {
        x = json_string_value(json_object_get(a, "id"));
        y = json_string_value(json_object_get(b, "id"));
        r = strcmp(x ? x : "", y ? y : "");
    }
    return desc ? -r : r;
}

static const struct {
    const char *type, *include, *element;
} includes[] = {{"HealthcareService", "HealthcareService:organization", "providedBy"},
                {"Location", "Location:organization", "managingOrganization"},
                {"ServiceRequest", "ServiceRequest:patient", "subject"},
                {NULL, NULL, NULL}};

int fhir_include_ok(const char *type, const char *include)
{
    for (int i = 0; includes[i].type; i++)
        if (!strcmp(includes[i].type, type) && !strcmp(includes[i].include, include)) return 1;
    return 0;
}

const char *fhir_include_ref(const json_t *r, const char *include)
{
    for (int i = 0; includes[i].type; i++)
        if (!strcmp(includes[i].include, include))
            return json_string_value(
                json_object_get(json_object_get(r, includes[i].element), "reference"));
    return NULL;
}
