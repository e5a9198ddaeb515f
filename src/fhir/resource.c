/* resource.c - icsflow's directory and referral objects as FHIR R4
 * resources with UK Core identifiers (ODS codes, NHS number): Organization,
 * Location (hospital sites and community bed units), HealthcareService,
 * ServiceRequest, a minimal Patient, and OperationOutcome. Every resource
 * here must pass the official R4 JSON schema (tests/api/fhir_client.mjs
 * checks each one the server returns). */
#include <stdio.h>
#include <string.h>

#include "directory/directory.h"
#include "fhir/fhir.h"

static const char *S(const json_t *row, const char *k)
{
    const char *v = json_string_value(json_object_get(row, k));
    return v ? v : "";
}

static json_t *ref(const char *type, const char *id)
{
    char r[160];
    snprintf(r, sizeof r, "%s/%s", type, id);
    return json_pack("{ss}", "reference", r);
}

static json_t *coding1(const char *system, const char *code, const char *display)
{
    return json_pack("{s[{ssssss}]ss}", "coding", "system", system, "code", code, "display",
                     display, "text", display);
}

static json_t *synthetic_tag(void)
{
    return json_pack("{s[{ssssss}]}", "tag", "system", FHIR_ICS "CodeSystem/data-origin", "code",
                     "synthetic", "display", "synthetic record (not a patient)");
}

static const char *org_type(const char *kind)
{
    if (strcmp(kind, "ics") == 0) return "Integrated care board";
    if (strcmp(kind, "ambulance") == 0) return "Ambulance trust";
    if (strcmp(kind, "mental_health") == 0) return "Mental health trust";
    if (strcmp(kind, "community") == 0) return "Community trust";
    if (strcmp(kind, "specialist") == 0) return "Specialist trust";
    return "Acute trust";
}

json_t *fhir_organization(const json_t *r)
{
    const char *kind = S(r, "kind");
    json_t *o = json_pack("{sssss[{ssss}]sbss}", "resourceType", "Organization", "id",
                          S(r, "ods_code"), "identifier", "system", FHIR_ODS_ORG, "value",
                          S(r, "ods_code"), "active", 1, "name", S(r, "name"));
    json_t *type = coding1(FHIR_CS_ORG_KIND, *kind ? kind : "acute", org_type(kind));
    json_array_append_new(
        json_object_get(type, "coding"),
        json_pack("{ssssss}", "system", "http://terminology.hl7.org/CodeSystem/organization-type",
                  "code", strcmp(kind, "ics") == 0 ? "govt" : "prov", "display",
                  strcmp(kind, "ics") == 0 ? "Government" : "Healthcare Provider"));
    json_object_set_new(o, "type", json_pack("[o]", type));
    if (*S(r, "postcode"))
        json_object_set_new(o, "address", json_pack("[{ss}]", "postalCode", S(r, "postcode")));
    return o;
}

json_t *fhir_location_site(const json_t *r)
{
    json_t *o = json_pack(
        "{sssss[{ssss}]sssssss{ss}s{s[{ssssss}]}s{sOsO}so}", "resourceType", "Location", "id",
        S(r, "site_code"), "identifier", "system", FHIR_ODS_SITE, "value", S(r, "site_code"),
        "status", "active", "name", S(r, "name"), "mode", "instance", "address", "postalCode",
        S(r, "postcode"), "physicalType", "coding", "system",
        "http://terminology.hl7.org/CodeSystem/location-physical-type", "code", "si", "display",
        "Site", "position", "latitude", json_object_get(r, "lat"), "longitude",
        json_object_get(r, "lon"), "managingOrganization", ref("Organization", S(r, "org_code")));
    if (*S(r, "kind"))
        json_object_set_new(
            o, "type",
            json_pack("[o]", coding1(FHIR_ICS "CodeSystem/site-kind", S(r, "kind"), S(r, "kind"))));
    return o;
}

/* A community bed unit: a kind of Location (a ward) within its site. R4's
 * Location.type is a list of CodeableConcepts (the old view gave one
 * object, which the schema refuses). */
json_t *fhir_location_unit(const json_t *r)
{
    char text[200];
    snprintf(text, sizeof text, "%s community beds (%lld)", S(r, "bed_type"),
             (long long)json_integer_value(json_object_get(r, "beds")));
    json_t *type =
        coding1(FHIR_CS_BED_TYPE, *S(r, "bed_type") ? S(r, "bed_type") : "unknown", text);
    return json_pack("{sssss[{ssss}]sssssss{s[{ssssss}]}s[o]so}", "resourceType", "Location", "id",
                     S(r, "unit_code"), "identifier", "system", FHIR_ID_UNIT, "value",
                     S(r, "unit_code"), "status", "active", "name", S(r, "name"), "mode", "kind",
                     "physicalType", "coding", "system",
                     "http://terminology.hl7.org/CodeSystem/location-physical-type", "code", "wa",
                     "display", "Ward", "type", type, "partOf", ref("Location", S(r, "site_code")));
}

static const char *const fhir_days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static json_t *hhmm(int minutes)
{
    char b[40];
    if (minutes >= 1440)
        snprintf(b, sizeof b, "23:59:59");
    else
        snprintf(b, sizeof b, "%02d:%02d:00", minutes / 60, minutes % 60);
    return json_string(b);
}

/* Opening hours as availableTime: FHIR times stay within one day, so an
 * interval that crosses midnight is split at it. */
static void available_times(json_t *o, const char *hours)
{
    dir_hours h;
    ics_err e = {0};
    if (directory_hours_parse(hours, &h, &e)) return;
    json_t *times = json_array();
    for (int d = 0; d < 7; d++)
        for (int k = 0; k < h.n[d]; k++) {
            dir_interval iv = h.iv[d][k];
            int close = iv.close > iv.open ? iv.close : 1440;
            if (iv.open == 0 && close == 1440)
                json_array_append_new(
                    times, json_pack("{s[s]sb}", "daysOfWeek", fhir_days[d], "allDay", 1));
            else
                json_array_append_new(times, json_pack("{s[s]soso}", "daysOfWeek", fhir_days[d],
                                                       "availableStartTime", hhmm(iv.open),
                                                       "availableEndTime", hhmm(close)));
            if (iv.close <= iv.open && iv.close > 0) /* the part after midnight */
                json_array_append_new(times,
                                      json_pack("{s[s]ssso}", "daysOfWeek", fhir_days[(d + 1) % 7],
                                                "availableStartTime", "00:00:00",
                                                "availableEndTime", hhmm(iv.close)));
        }
    if (json_array_size(times))
        json_object_set_new(o, "availableTime", times);
    else
        json_decref(times);
    if (h.bh_set && h.n[DIR_BH] == 0)
        json_object_set_new(o, "notAvailable",
                            json_pack("[{ss}]", "description", "Closed on bank holidays"));
}

json_t *fhir_healthcare_service(const json_t *r)
{
    json_t *o = json_pack("{sssss[{ssss}]sbsoss}", "resourceType", "HealthcareService", "id",
                          S(r, "service_id"), "identifier", "system", FHIR_ID_SERVICE, "value",
                          S(r, "service_id"), "active", 1, "providedBy",
                          ref("Organization", S(r, "provider_ods")), "name", S(r, "name"));
    if (*S(r, "kind"))
        json_object_set_new(
            o, "type", json_pack("[o]", coding1(FHIR_CS_SERVICE_KIND, S(r, "kind"), S(r, "kind"))));
    if (*S(r, "site_code"))
        json_object_set_new(o, "location", json_pack("[o]", ref("Location", S(r, "site_code"))));
    json_t *chars = json_array();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(r, "capabilities"), i, c) if (json_is_string(c))
        json_array_append_new(chars,
                              coding1(FHIR_CS_NEED, json_string_value(c), json_string_value(c)));
    if (json_array_size(chars))
        json_object_set_new(o, "characteristic", chars);
    else
        json_decref(chars);
    if (*S(r, "phone"))
        json_object_set_new(o, "telecom",
                            json_pack("[{ssss}]", "system", "phone", "value", S(r, "phone")));
    available_times(o, S(r, "hours"));
    return o;
}

/* A referral as a ServiceRequest: sent and accepted are active, attended
 * completed, declined and cancelled revoked (R4 has no statusReason, so
 * the reason goes in a note); icsflow's own state is in an extension so a
 * client can tell sent from accepted. */
json_t *fhir_service_request(const json_t *r)
{
    const char *state = S(r, "state");
    const char *status = strcmp(state, "attended") == 0 ? "completed"
                         : strcmp(state, "declined") == 0 || strcmp(state, "cancelled") == 0
                             ? "revoked"
                             : "active";
    char id[32], code[200];
    snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
    snprintf(code, sizeof code, "Urgent community response referral to %s",
             *S(r, "service_name") ? S(r, "service_name") : "a service");
    json_t *reasons = json_array(), *notes = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(r, "needs"), i, v) if (json_is_string(v))
        json_array_append_new(reasons,
                              coding1(FHIR_CS_NEED, json_string_value(v), json_string_value(v)));
    char buf[700];
    if (*S(r, "reason")) {
        snprintf(buf, sizeof buf, "%s: %s", state, S(r, "reason"));
        json_array_append_new(notes, json_pack("{ss}", "text", buf));
    }
    if (*S(r, "notes")) json_array_append_new(notes, json_pack("{ss}", "text", S(r, "notes")));
    const char *nhs = S(r, "nhs_number");
    json_t *subject = json_pack("{s{ssss}}", "identifier", "system", FHIR_NHS_NUMBER, "value", nhs);
    if (strlen(nhs) == 10) {
        char pr[32];
        snprintf(pr, sizeof pr, "Patient/%s", nhs);
        json_object_set_new(subject, "reference", json_string(pr));
    }
    json_t *o = json_pack(
        "{ss ss s[{ssss}] s[{ssss}] ss ss ss s{ss} so sO so s[oo]}", "resourceType",
        "ServiceRequest", "id", id, "identifier", "system", FHIR_ID_REFERRAL, "value", id,
        "extension", "url", FHIR_EXT_STATE, "valueCode", state, "status", status, "intent", "order",
        "priority", "urgent", "code", "text", code, "subject", subject, "authoredOn",
        json_object_get(r, "sent_at"), "requester", ref("Organization", S(r, "referrer_org")),
        "performer", ref("HealthcareService", S(r, "service_id")),
        ref("Organization", S(r, "provider_ods")));
    if (json_array_size(reasons))
        json_object_set_new(o, "reasonCode", reasons);
    else
        json_decref(reasons);
    json_t *att = json_object_get(r, "attended_at");
    if (json_is_string(att)) json_object_set_new(o, "occurrenceDateTime", json_copy(att));
    if (json_array_size(notes))
        json_object_set_new(o, "note", notes);
    else
        json_decref(notes);
    if (json_is_true(json_object_get(r, "synthetic")))
        json_object_set_new(o, "meta", synthetic_tag());
    return o;
}

json_t *fhir_patient(const json_t *r)
{
    const char *nhs = S(r, "nhs_number");
    json_t *o = json_pack("{sssss[{ssss}]}", "resourceType", "Patient", "id", nhs, "identifier",
                          "system", FHIR_NHS_NUMBER, "value", nhs);
    if (*S(r, "district"))
        json_object_set_new(o, "address",
                            json_pack("[{ssss}]", "text", "postcode district only", "postalCode",
                                      S(r, "district")));
    if (json_is_true(json_object_get(r, "synthetic")))
        json_object_set_new(o, "meta", synthetic_tag());
    return o;
}

json_t *fhir_encounter(const json_t *r)
{
    const char *state = S(r, "state");
    const char *status = !strcmp(state, "admitted")                                  ? "in-progress"
                         : !strcmp(state, "discharged")                              ? "finished"
                         : !strcmp(state, "declined") || !strcmp(state, "cancelled") ? "cancelled"
                                                                                     : "planned";
    char id[32];
    snprintf(id, sizeof id, "%lld",
             (long long)json_integer_value(json_object_get(r, "referral_id")));
    json_t *o =
        json_pack("{ss ss s[{ssss}] ss s{ssssss} s{s{ssss}}}", "resourceType", "Encounter", "id",
                  id, "identifier", "system", FHIR_ID_BED_REFERRAL, "value", id, "status", status,
                  "class", "system", "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code",
                  "IMP", "display", "inpatient encounter", "subject", "identifier", "system",
                  FHIR_NHS_NUMBER, "value", S(r, "nhs_number"));
    json_t *period = json_object();
    if (*S(r, "admitted_at"))
        json_object_set_new(period, "start", json_string(S(r, "admitted_at")));
    if (*S(r, "discharged_at"))
        json_object_set_new(period, "end", json_string(S(r, "discharged_at")));
    if (json_object_size(period))
        json_object_set_new(o, "period", period);
    else
        json_decref(period);
    if (*S(r, "unit_code") && (!strcmp(status, "in-progress") || !strcmp(status, "finished"))) {
        json_t *loc = json_pack("{so ss}", "location", ref("Location", S(r, "unit_code")), "status",
                                !strcmp(status, "finished") ? "completed" : "active");
        json_object_set_new(o, "location", json_pack("[o]", loc));
    }
    if (*S(r, "destination"))
        json_object_set_new(
            o, "hospitalization",
            json_pack("{s{ss}}", "dischargeDisposition", "text", S(r, "destination")));
    if (json_is_true(json_object_get(r, "synthetic")))
        json_object_set_new(o, "meta", synthetic_tag());
    return o;
}

/* The OperationOutcome issue type of an HTTP status (R4 value set
 * issue-type). */
static const char *issue_code(int status)
{
    switch (status) {
    case 400:
        return "structure";
    case 401:
        return "login";
    case 403:
        return "forbidden";
    case 404:
        return "not-found";
    case 405:
    case 415:
        return "not-supported";
    case 409:
        return "conflict";
    case 413:
        return "too-costly";
    case 422:
        return "invalid";
    case 429:
        return "throttled";
    case 503:
        return "transient";
    default:
        return status < 500 ? "processing" : "exception";
    }
}

json_t *fhir_outcome(int status, const char *diagnostics)
{
    return json_pack(
        "{sss[{sssssss{ss}}]}", "resourceType", "OperationOutcome", "issue", "severity",
        status >= 500   ? "fatal"
        : status >= 400 ? "error"
                        : "information",
        "code", status >= 400 ? issue_code(status) : "informational", "diagnostics",
        diagnostics ? diagnostics : "", "details", "text", diagnostics ? diagnostics : "");
}
