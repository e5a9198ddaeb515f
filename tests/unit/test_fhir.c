/* test_fhir.c - the FHIR shaping module: search parameter matching, the
 * near and date parsers, paging links, the bed-unit Location's type list,
 * and the ServiceRequest / BaRS message parser (fixtures built in code). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"
#include "fhir/fhir.h"

static const fhir_param *param(const char *type, const char *name)
{
    for (const fhir_param *p = fhir_search_params(type); p && p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    fail_msg("no parameter %s on %s", name, type);
    return NULL;
}

static json_t *imperial(void)
{
    json_t *row =
        json_pack("{ssssssss}", "ods_code", "RYJ", "name", "Imperial College Healthcare NHS Trust",
                  "kind", "acute", "postcode", "W2 1NY");
    json_t *r = fhir_organization(row);
    json_decref(row);
    return r;
}

static void test_match_token_string_and_any_of(void **s)
{
    (void)s;
    json_t *r = imperial();
    const fhir_param *id = param("Organization", "identifier");
    assert_true(fhir_match(r, id, NULL, "RYJ"));
    assert_true(fhir_match(r, id, NULL, FHIR_ODS_ORG "|RYJ"));
    assert_false(fhir_match(r, id, NULL, "https://example.org|RYJ"));
    assert_true(fhir_match(r, id, NULL, "XXX,RYJ")); /* a comma is "any of" */
    const fhir_param *name = param("Organization", "name");
    assert_true(fhir_match(r, name, NULL, "imperial"));
    assert_false(fhir_match(r, name, NULL, "college"));
    assert_true(fhir_match(r, name, "contains", "COLLEGE"));
    assert_false(fhir_match(r, name, "exact", "imperial college healthcare nhs trust"));
    assert_true(fhir_match(r, param("Organization", "type"), NULL, "acute"));
    assert_true(fhir_match(r, param("Organization", "type"), NULL,
                           "http://terminology.hl7.org/CodeSystem/organization-type|prov"));
    assert_true(fhir_match(r, param("Organization", "active"), NULL, "true"));
    assert_true(fhir_match(r, param("Organization", "address-postalcode"), NULL, "w2"));
    json_decref(r);
}

static void test_unit_location_type_is_a_list(void **s)
{
    (void)s;
    json_t *row =
        json_pack("{ssssssssss si}", "unit_code", "U-CLAY-REH", "name", "Ward", "site_code",
                  "R1KX1", "bed_type", "rehabilitation", "sex", "mixed", "beds", 30);
    json_t *r = fhir_location_unit(row);
    assert_true(json_is_array(json_object_get(r, "type")));
    assert_true(fhir_match(r, param("Location", "partof"), NULL, "Location/R1KX1"));
    assert_true(fhir_match(r, param("Location", "partof"), NULL, "R1KX1"));
    assert_false(fhir_match(r, param("Location", "partof"), NULL, "Location/R1KX2"));
    json_decref(r);
    json_decref(row);
}

static void test_near_parses_units_and_refuses_nonsense(void **s)
{
    (void)s;
    fhir_near n;
    ics_err e = {0};
    assert_int_equal(fhir_near_parse("51.5|-0.1|10|km", &n, &e), 0);
    assert_true(n.km == 10);
    assert_int_equal(fhir_near_parse("51.5|-0.1|10|[mi_i]", &n, &e), 0);
    assert_true(n.km > 16.09 && n.km < 16.1);
    assert_int_equal(fhir_near_parse("51.5|-0.1", &n, &e), 0);
    assert_true(n.km == 50);
    static const char *const bad[] = {
        "",          "51.5",        "x|y",         "95|0",      "51|200", "51|0|0|km",
        "51|0|5|mi", "51|0|5|km|x", "51|0|nan|km", "51|0|2000", NULL};
    for (int i = 0; bad[i]; i++) assert_int_equal(fhir_near_parse(bad[i], &n, &e), ICS_EINVAL);
}

static void test_date_prefixes_bound_a_day_or_an_instant(void **s)
{
    (void)s;
    fhir_date d;
    ics_err e = {0};
    int64_t day;
    assert_int_equal(tz_parse("2026-07-01", &day, &e), 0);
    assert_int_equal(fhir_date_parse("2026-07-01", &d, &e), 0); /* a London day in BST */
    assert_int_equal(d.lo, day);
    assert_int_equal(d.hi, day + 86400);
    assert_int_equal(fhir_date_parse("ge2026-07-01", &d, &e), 0);
    assert_int_equal(d.lo, day);
    assert_true(d.hi == INT64_MAX);
    assert_int_equal(fhir_date_parse("lt2026-07-01", &d, &e), 0);
    assert_int_equal(d.hi, day);
    assert_int_equal(fhir_date_parse("gt2026-07-01", &d, &e), 0);
    assert_int_equal(d.lo, day + 86400);
    assert_int_equal(fhir_date_parse("le2026-07-01T10:00:00Z", &d, &e), 0);
    assert_int_equal(d.hi, day + 11 * 3600 + 1); /* London midnight is 23:00 UTC the day before */
    assert_int_equal(fhir_date_parse("ne2026-07-01", &d, &e), ICS_EINVAL);
    assert_int_equal(fhir_date_parse("2026-02-30", &d, &e), ICS_EINVAL);
}

static void test_searchset_links_page_forward_and_back(void **s)
{
    (void)s;
    json_t *b =
        fhir_searchset(json_array(), 12, "http://h/api/v1/fhir/Organization", "name=a", 5, 5);
    json_t *links = json_object_get(b, "link");
    assert_int_equal(json_array_size(links), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(links, 1), "url")),
                        "http://h/api/v1/fhir/Organization?name=a&_count=5&_offset=10");
    assert_string_equal(json_string_value(json_object_get(json_array_get(links, 2), "url")),
                        "http://h/api/v1/fhir/Organization?name=a&_count=5&_offset=0");
    assert_int_equal(json_integer_value(json_object_get(b, "total")), 12);
    json_decref(b);
    b = fhir_searchset(json_array(), 12, "http://h/x", "", 5, 10);
    assert_int_equal(json_array_size(json_object_get(b, "link")), 2); /* last page: no next */
    json_decref(b);
}

static json_t *message(void)
{
    return json_pack(
        "{ss ss s[{ss s{ss ss s{ssss} s[{ss}]}} {ss s{ss ss s[{ss}] s{ss} s[{ss}] s[{s[{ssss}]}]}}"
        " {ss s{ss s[{ssss}] ss s[{ss}]}}]}",
        "resourceType", "Bundle", "type", "message", "entry", "fullUrl", "urn:uuid:h", "resource",
        "resourceType", "MessageHeader", "id", "m1", "eventCoding", "system", FHIR_BARS_EVENTS,
        "code", FHIR_BARS_REQUEST, "focus", "reference", "urn:uuid:s", "fullUrl", "urn:uuid:s",
        "resource", "resourceType", "ServiceRequest", "status", "active", "performer", "reference",
        "HealthcareService/FALLS-HH", "subject", "reference", "urn:uuid:p", "note", "text", "n",
        "reasonCode", "coding", "system", FHIR_CS_NEED, "code", "falls", "fullUrl", "urn:uuid:p",
        "resource", "resourceType", "Patient", "identifier", "system", FHIR_NHS_NUMBER, "value",
        "9434765919", "birthDate", "1942-12-05", "address", "postalCode", "UB8 3NN");
}

static void test_message_becomes_a_referral_body(void **s)
{
    (void)s;
    json_t *m = message();
    assert_non_null(m);
    const json_t *h, *sr, *pat;
    ics_err e = {0};
    assert_int_equal(fhir_message_parse(m, &h, &sr, &pat, &e), 0);
    json_t *body;
    int64_t today = tz_days_from_civil(2026, 12, 4);
    assert_int_equal(fhir_referral_body(sr, pat, today, &body, &e), 0);
    assert_string_equal(json_string_value(json_object_get(body, "nhs_number")), "9434765919");
    assert_int_equal(json_integer_value(json_object_get(body, "age")), 83); /* 84 tomorrow */
    assert_string_equal(json_string_value(json_object_get(body, "service_id")), "FALLS-HH");
    assert_string_equal(json_string_value(json_array_get(json_object_get(body, "needs"), 0)),
                        "falls");
    json_decref(body);
    json_decref(m);
}

static void test_message_problems_are_all_named(void **s)
{
    (void)s;
    json_t *m = message();
    json_t *hdr = json_object_get(json_array_get(json_object_get(m, "entry"), 0), "resource");
    json_object_set_new(json_object_get(hdr, "eventCoding"), "code",
                        json_string("booking-request"));
    json_object_del(hdr, "id");
    const json_t *h, *sr, *pat;
    ics_err e = {0};
    assert_int_equal(fhir_message_parse(m, &h, &sr, &pat, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "eventCoding"));
    assert_non_null(strstr(e.msg, "MessageHeader.id"));
    assert_null(sr);
    json_object_set_new(m, "type", json_string("collection"));
    assert_int_equal(fhir_message_parse(m, &h, &sr, &pat, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "message"));
    json_decref(m);
    /* a ServiceRequest with nothing usable: every missing part named */
    json_t *bare = json_pack("{ssss}", "resourceType", "ServiceRequest", "status", "draft");
    json_t *body;
    assert_int_equal(fhir_referral_body(bare, NULL, 20791, &body, &e), ICS_EINVAL);
    for (const char *w = "status\0NHS number\0birthDate\0postalCode\0performer\0reasonCode\0"; *w;
         w += strlen(w) + 1)
        assert_non_null(strstr(e.msg, w));
    json_decref(bare);
}

static void test_capability_lists_the_searched_parameters(void **s)
{
    (void)s;
    json_t *c = fhir_capability("http://h/api/v1/fhir", "0.1.0", "2026-12-04T00:00:00Z");
    json_t *res = json_object_get(json_array_get(json_object_get(c, "rest"), 0), "resource");
    size_t i;
    json_t *r;
    int seen = 0;
    json_array_foreach(res, i, r)
    {
        const char *type = json_string_value(json_object_get(r, "type"));
        if (!strcmp(type, "Encounter")) { /* read only: no search */
            assert_null(json_object_get(r, "searchParam"));
            assert_null(fhir_search_params(type));
            continue;
        }
        int n = 0;
        for (const fhir_param *p = fhir_search_params(type); p->name; p++) n++;
        /* every parameter the matcher knows, and _count */
        assert_int_equal(json_array_size(json_object_get(r, "searchParam")), n + 1);
        seen++;
    }
    assert_int_equal(seen, 5);
    json_decref(c);
}

static const char *step_of(const char *sr_json, const char *state, const char **reason)
{
    json_t *sr = json_loads(sr_json, 0, NULL);
    const char *action = "?";
    ics_err e = {0};
    int rc = fhir_status_change(sr, state, &action, reason, &e);
    json_decref(sr); /* *reason pointed into sr: not used after this */
    return rc ? "error" : action;
}

static void test_status_change_maps_to_the_lifecycle_steps(void **s)
{
    (void)s;
    const char *reason = NULL;
    assert_string_equal(step_of("{\"resourceType\":\"ServiceRequest\",\"status\":\"completed\"}",
                                "accepted", &reason),
                        "attend");
    assert_string_equal(
        step_of("{\"resourceType\":\"ServiceRequest\",\"status\":\"revoked\"}", "sent", &reason),
        "cancel");
    assert_string_equal(
        step_of("{\"resourceType\":\"ServiceRequest\",\"status\":\"revoked\",\"extension\":[{"
                "\"url\":\"" FHIR_EXT_STATE "\",\"valueCode\":\"declined\"}]}",
                "sent", &reason),
        "decline");
    assert_string_equal(
        step_of("{\"resourceType\":\"ServiceRequest\",\"status\":\"active\",\"extension\":[{"
                "\"url\":\"" FHIR_EXT_STATE "\",\"valueCode\":\"accepted\"}]}",
                "sent", &reason),
        "accept");
    /* already there: nothing to do */
    assert_string_equal(
        step_of("{\"resourceType\":\"ServiceRequest\",\"status\":\"active\"}", "accepted", &reason),
        "none");
    assert_string_equal(step_of("{\"resourceType\":\"ServiceRequest\",\"status\":\"revoked\"}",
                                "cancelled", &reason),
                        "none");
    /* not settable, or not a ServiceRequest */
    assert_string_equal(
        step_of("{\"resourceType\":\"ServiceRequest\",\"status\":\"draft\"}", "sent", &reason),
        "error");
    assert_string_equal(
        step_of("{\"resourceType\":\"Patient\",\"status\":\"revoked\"}", "sent", &reason), "error");
}

static void test_sort_and_include_are_checked(void **s)
{
    (void)s;
    const char *key = NULL;
    int desc = 0;
    ics_err e = {0};
    assert_int_equal(fhir_sort_parse("-name", &key, &desc, &e), 0);
    assert_string_equal(key, "name");
    assert_int_equal(desc, 1);
    assert_int_equal(fhir_sort_parse("_id", &key, &desc, &e), 0);
    assert_string_equal(key, "id");
    assert_int_equal(desc, 0);
    assert_int_equal(fhir_sort_parse("colour", &key, &desc, &e), ICS_EINVAL);
    json_t *a = json_pack("{ssss}", "id", "B", "name", "Alpha"),
           *b = json_pack("{ssss}", "id", "A", "name", "Beta");
    assert_true(fhir_sort_cmp(a, b, "name", 0) < 0);
    assert_true(fhir_sort_cmp(a, b, "name", 1) > 0);
    assert_true(fhir_sort_cmp(a, b, "id", 0) > 0);
    json_decref(a);
    json_decref(b);
    assert_true(fhir_include_ok("HealthcareService", "HealthcareService:organization"));
    assert_false(fhir_include_ok("HealthcareService", "Location:organization"));
    assert_false(fhir_include_ok("Organization", "Organization:partof"));
    assert_true(fhir_include_ok("ServiceRequest", "ServiceRequest:patient"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_token_string_and_any_of),
        cmocka_unit_test(test_unit_location_type_is_a_list),
        cmocka_unit_test(test_near_parses_units_and_refuses_nonsense),
        cmocka_unit_test(test_date_prefixes_bound_a_day_or_an_instant),
        cmocka_unit_test(test_searchset_links_page_forward_and_back),
        cmocka_unit_test(test_message_becomes_a_referral_body),
        cmocka_unit_test(test_message_problems_are_all_named),
        cmocka_unit_test(test_capability_lists_the_searched_parameters),
        cmocka_unit_test(test_status_change_maps_to_the_lifecycle_steps),
        cmocka_unit_test(test_sort_and_include_are_checked),
    };
    return cmocka_run_group_tests_name("fhir", tests, NULL, NULL);
}
