/* fhir.h - FHIR R4 shaping of icsflow's objects, kept apart from HTTP and
 * SQL: directory rows and referral rows in, R4 resources (UK Core
 * identifiers) out; FHIR search parameters evaluated on those resources;
 * searchset and message Bundles; OperationOutcome; the CapabilityStatement
 * built from the same tables the searches use, so it lists exactly what is
 * supported; and the parser that turns a ServiceRequest or a BaRS message
 * Bundle into the body of an icsflow referral. src/http/h_fhir.c calls
 * these and the src/app use cases; nothing here reads a database. */
#ifndef ICS_FHIR_FHIR_H
#define ICS_FHIR_FHIR_H

#include <jansson.h>
#include <stdint.h>

#include "core/error.h"

#define FHIR_ODS_ORG    "https://fhir.nhs.uk/Id/ods-organization-code"
#define FHIR_ODS_SITE   "https://fhir.nhs.uk/Id/ods-site-code"
#define FHIR_NHS_NUMBER "https://fhir.nhs.uk/Id/nhs-number"
/* icsflow's own code systems, identifiers and extensions (docs/interop.md) */
#define FHIR_ICS                   "https://icsflow.org/fhir/"
#define FHIR_CS_NEED               FHIR_ICS "CodeSystem/ucr-need"
#define FHIR_CS_ORG_KIND           FHIR_ICS "CodeSystem/organisation-kind"
#define FHIR_CS_SERVICE_KIND       FHIR_ICS "CodeSystem/service-kind"
#define FHIR_CS_BED_TYPE           FHIR_ICS "CodeSystem/bed-type"
#define FHIR_ID_UNIT               FHIR_ICS "Id/unit-code"
#define FHIR_ID_SERVICE            FHIR_ICS "Id/service-id"
#define FHIR_ID_REFERRAL           FHIR_ICS "Id/referral"
#define FHIR_ID_BED_REFERRAL       FHIR_ICS "Id/bed-referral"
#define FHIR_EXT_STATE             FHIR_ICS "StructureDefinition/referral-state"
#define FHIR_EXT_OVERRIDE          FHIR_ICS "StructureDefinition/override-reason"
#define FHIR_EXT_ROUTE_DISTANCE    FHIR_ICS "StructureDefinition/route-distance"
#define FHIR_EXT_ROUTE_REASON      FHIR_ICS "StructureDefinition/route-reason"
#define FHIR_EXT_ROUTE_RANK        FHIR_ICS "StructureDefinition/route-rank"
#define FHIR_EXT_LOCATION_DISTANCE "http://hl7.org/fhir/StructureDefinition/location-distance"
/* BaRS (NHS Booking and Referral Standard) message events and definition */
#define FHIR_BARS_EVENTS   "https://fhir.nhs.uk/CodeSystem/message-events-bars"
#define FHIR_BARS_REQUEST  "servicerequest-request"
#define FHIR_BARS_RESPONSE "servicerequest-response"

/* ---- resources (new references; rows are the REST API's objects) ------- */

json_t *fhir_organization(const json_t *row);
json_t *fhir_location_site(const json_t *row);
json_t *fhir_location_unit(const json_t *row);
json_t *fhir_healthcare_service(const json_t *row);
/* A referral row (GET /api/v1/referrals/{id}) as a ServiceRequest. */
json_t *fhir_service_request(const json_t *row);
/* The minimal Patient a referral names: NHS number (the id, as in the NHS
 * Personal Demographics Service's FHIR API) and postcode district. */
json_t *fhir_patient(const json_t *referral_row);

/* A bed referral (GET /api/v1/beds/referrals/{id}) as a read-only
 * Encounter for its community bed stay: planned while it waits, is offered
 * or accepted; in-progress once admitted; finished once discharged;
 * cancelled when declined or cancelled. The bed's unit is the location,
 * the period the admission and discharge. */
json_t *fhir_encounter(const json_t *bed_referral_row);
/* OperationOutcome for an HTTP status and a message a person can act on. */
json_t *fhir_outcome(int status, const char *diagnostics);

/* ---- search ----------------------------------------------------------- */

typedef enum { FHIR_TOKEN, FHIR_STRING, FHIR_REFERENCE, FHIR_SPECIAL, FHIR_DATE } fhir_ptype;

/* One search parameter a type supports: name, type and the element path it
 * is evaluated on ("address.postalCode"; NULL for special ones). */
typedef struct fhir_param {
    const char *name;
    fhir_ptype type;
    const char *path;
    const char *doc;
} fhir_param;

/* The search parameters of a resource type (terminated by a NULL name), or
 * NULL when the type is not served. Shared by the matcher, the handlers'
 * allowed-parameter lists and the CapabilityStatement. */
const fhir_param *fhir_search_params(const char *type);

/* 1 when resource r matches parameter p (modifier may be NULL, "exact" or
 * "contains" for strings) with value (comma-separated: any of). */
int fhir_match(const json_t *r, const fhir_param *p, const char *modifier, const char *value);

/* near=LAT|LON|DIST|UNIT (DIST and UNIT optional: 50 km; UNIT km or
 * [mi_i]). ICS_EINVAL with a message when it does not parse. */
typedef struct fhir_near {
    double lat, lon, km;
} fhir_near;
int fhir_near_parse(const char *v, fhir_near *out, ics_err *e);

/* A date search value: optional prefix (eq, ne, gt, lt, ge, le, sa, eb)
 * and a date or dateTime; *lo and *hi bound the instants it matches,
 * [lo, hi). tz_parse decides the instant of a date without a time. */
typedef struct fhir_date {
    int64_t lo, hi;
} fhir_date;
int fhir_date_parse(const char *v, fhir_date *out, ics_err *e);

/* _sort on the directory searches: "name" or "_id", "-" first for
 * descending (one key). *key is "name" or "id". */
int fhir_sort_parse(const char *v, const char **key, int *desc, ics_err *e);
/* Order two resources by key (ties by id), descending when desc. */
int fhir_sort_cmp(const json_t *a, const json_t *b, const char *key, int desc);
/* _include: the reference (as "Type/id") that include ("HealthcareService:
 * organization", "Location:organization", "ServiceRequest:patient") names
 * in resource r, NULL when none; fhir_include_ok says whether type takes
 * it (the CapabilityStatement's searchInclude). */
int fhir_include_ok(const char *type, const char *include);
const char *fhir_include_ref(const json_t *r, const char *include);

/* ---- bundles ---------------------------------------------------------- */

/* A searchset Bundle over entries (stolen; each {fullUrl, resource,
 * search}), with total and self / next / previous links built from base
 * ("http://host/api/v1/fhir/Location"), query (already encoded, without
 * _count and _offset; may be ""), count and offset. */
json_t *fhir_searchset(json_t *entries, int64_t total, const char *base, const char *query,
                       int64_t count, int64_t offset);
/* {fullUrl, resource, search: {mode: match}}; resource stolen. */
json_t *fhir_entry(const char *base_url, json_t *resource);

/* ---- capability ------------------------------------------------------- */

/* The CapabilityStatement of this server: base is the FHIR base URL,
 * version icsflow's, date the instant it describes (ISO 8601). */
json_t *fhir_capability(const char *base, const char *version, const char *date);

/* ---- referrals in ----------------------------------------------------- */

/* A ServiceRequest (with its Patient: contained, or patient from the
 * message; may be NULL) as the body of POST /api/v1/referrals. today is
 * the Europe/London day number the patient's age is computed on. Every
 * problem is collected: ICS_EINVAL naming each. *body: a new object. */
int fhir_referral_body(const json_t *sr, const json_t *patient, int64_t today, json_t **body,
                       ics_err *e);

/* A BaRS-shaped message Bundle: type message, first entry a MessageHeader
 * with event servicerequest-request (system FHIR_BARS_EVENTS) whose focus
 * is the ServiceRequest of the bundle; the ServiceRequest's subject the
 * Patient of the bundle. *sr and *patient are borrowed from bundle, *msg_id
 * is the MessageHeader's id. ICS_EINVAL naming every problem. */
int fhir_message_parse(const json_t *bundle, const json_t **header, const json_t **sr,
                       const json_t **patient, ics_err *e);

/* A referral's status changed through FHIR (PUT ServiceRequest/{id}, or
 * a BaRS request message about a referral icsflow already holds): what the
 * ServiceRequest asks of a referral now in state (sent, accepted,
 * attended, declined, cancelled). status completed asks "attend"; revoked
 * asks "decline" when icsflow's state extension says declined, else
 * "cancel"; active asks "accept" when the extension says accepted, else
 * nothing; "none" when the referral is already there. *reason: the first
 * note's text (NULL when none). ICS_EINVAL for another resource or a
 * status that cannot be set (draft, on-hold, entered-in-error, unknown). */
int fhir_status_change(const json_t *sr, const char *state, const char **action,
                       const char **reason, ics_err *e);
/* The icsflow referral id a ServiceRequest names by its identifier
 * (system FHIR_ID_REFERRAL), 0 when it names none. */
int64_t fhir_referral_id(const json_t *sr);

/* The response message to a request message: a Bundle of type message
 * whose MessageHeader (id msg_id) answers request_id with code ("ok",
 * "transient-error", "fatal-error"), focused on the ServiceRequest sr
 * (stolen; may be NULL) or on an OperationOutcome (outcome, stolen; may be
 * NULL). base is the FHIR base URL; now ISO 8601. */
json_t *fhir_response_message(const char *bundle_id, const char *msg_id, const char *request_id,
                              const char *code, const char *base, const char *now, json_t *sr,
                              json_t *outcome);

#endif
