/* message.c - referrals that arrive as FHIR: a ServiceRequest (POST
 * /api/v1/fhir/ServiceRequest) or a BaRS-shaped message Bundle (POST
 * /api/v1/fhir/$process-message) is turned into the body the REST API's
 * POST /api/v1/referrals takes, so the same use case validates, authorises,
 * writes and audits it; and the response message that answers a request.
 *
 * The message shape follows the NHS Booking and Referral Standard (BaRS):
 * a Bundle of type "message" whose first entry is a MessageHeader with
 * eventCoding https://fhir.nhs.uk/CodeSystem/message-events-bars
 * "servicerequest-request", focus the ServiceRequest, which names the
 * Patient as subject (simplifier.net/guide/nhsbookingandreferralstandard,
 * "Message Headers" and "Standard Pattern for Composites"). icsflow reads
 * the parts a UCR referral needs and ignores the rest. A request about a
 * referral icsflow already holds (its identifier) changes its status
 * instead: revoked cancels (or, with the state extension, declines). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/problems.h"
#include "core/tz.h"
#include "fhir/fhir.h"

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int is_type(const json_t *r, const char *type)
{
    const char *t = str(r, "resourceType");
    return t && strcmp(t, type) == 0;
}

/* The contained resource "#id" of r, or its first contained Patient. */
static const json_t *contained_patient(const json_t *sr)
{
    const char *want = str(json_object_get(sr, "subject"), "reference");
    json_t *c = json_object_get(sr, "contained"), *first = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(c, i, x)
    {
        if (!is_type(x, "Patient")) continue;
        if (!first) first = x;
        if (want && want[0] == '#' && str(x, "id") && strcmp(want + 1, str(x, "id")) == 0) return x;
    }
    return first;
}

static const char *nhs_number(const json_t *sr, const json_t *pat)
{
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(pat, "identifier"), i, id)
    {
        const char *sys = str(id, "system");
        if (sys && strcmp(sys, FHIR_NHS_NUMBER) == 0 && str(id, "value")) return str(id, "value");
    }
    const json_t *sid = json_object_get(json_object_get(sr, "subject"), "identifier");
    const char *sys = str(sid, "system");
    if (sys && strcmp(sys, FHIR_NHS_NUMBER) == 0) return str(sid, "value");
    return NULL;
}

/* Whole years from birth day b to day t (both day numbers). */
static int years(int64_t b, int64_t t)
{
    int by, bm, bd, ty, tm, td;
    tz_civil_from_days(b, &by, &bm, &bd);
    tz_civil_from_days(t, &ty, &tm, &td);
    return ty - by - (tm < bm || (tm == bm && td < bd));
}

/* "Type/id" of a reference to type, or NULL. */
static const char *ref_id(const json_t *r, const char *type)
{
    const char *v = str(r, "reference");
    size_t n = strlen(type);
    if (v && strncmp(v, type, n) == 0 && v[n] == '/' && v[n + 1]) return v + n + 1;
    return NULL;
}

static void needs_of(const json_t *sr, json_t *needs)
{
    size_t i, j;
    json_t *cc, *c;
    json_array_foreach(json_object_get(sr, "reasonCode"), i, cc)
    {
        int found = 0;
        json_array_foreach(json_object_get(cc, "coding"), j, c)
        {
            const char *sys = str(c, "system"), *code = str(c, "code");
            if (code && (!sys || strcmp(sys, FHIR_CS_NEED) == 0)) {
                json_array_append_new(needs, json_string(code));
                found = 1;
                break;
            }
        }
        if (!found && str(cc, "text")) json_array_append_new(needs, json_string(str(cc, "text")));
    }
}

int fhir_referral_body(const json_t *sr, const json_t *patient, int64_t today, json_t **body,
                       ics_err *e)
{
    *body = NULL;
    if (!json_is_object(sr) || !is_type(sr, "ServiceRequest"))
        return ics_err_set(e, ICS_EINVAL, "the resource must be a ServiceRequest");
    problems p;
    problems_init(&p);
    json_t *b = json_object();
    const char *status = str(sr, "status"), *intent = str(sr, "intent");
    if (status && strcmp(status, "active") != 0)
        problems_add(&p, "ServiceRequest.status must be 'active', not '%.40s'", status);
    if (intent && strcmp(intent, "order") && strcmp(intent, "original-order") &&
        strcmp(intent, "plan") && strcmp(intent, "proposal"))
        problems_add(&p,
                     "ServiceRequest.intent '%.40s' is not order, original-order, plan or "
                     "proposal",
                     intent);
    if (!patient) patient = contained_patient(sr);
    const char *nhs = nhs_number(sr, patient);
    if (nhs)
        json_object_set_new(b, "nhs_number", json_string(nhs));
    else
        problems_add(&p, "no NHS number (Patient.identifier, system " FHIR_NHS_NUMBER ")");
    const char *dob = str(patient, "birthDate");
    int64_t bday;
    ics_err sub = {0};
    if (!dob)
        problems_add(&p, "no Patient.birthDate (the age decides eligibility)");
    else if (strlen(dob) != 10 || tz_parse_date(dob, &bday, &sub))
        problems_add(&p, "Patient.birthDate '%.40s' is not a full date YYYY-MM-DD", dob);
    else if (bday > today)
        problems_add(&p, "Patient.birthDate %s is in the future", dob);
    else
        json_object_set_new(b, "age", json_integer(years(bday, today)));
    const char *pc = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(patient, "address"), i, a) if (!pc && str(a, "postalCode"))
        pc = str(a, "postalCode");
    if (pc)
        json_object_set_new(b, "postcode", json_string(pc));
    else
        problems_add(&p, "no Patient.address.postalCode (it decides which services cover the "
                         "patient)");
    const char *svc = NULL;
    json_array_foreach(json_object_get(sr, "performer"), i, a) if (!svc) svc =
        ref_id(a, "HealthcareService");
    if (svc)
        json_object_set_new(b, "service_id", json_string(svc));
    else
        problems_add(&p, "ServiceRequest.performer must be 'HealthcareService/ID' (see $find)");
    const json_t *rq = json_object_get(sr, "requester");
    const char *org = ref_id(rq, "Organization");
    if (!org) {
        const json_t *rid = json_object_get(rq, "identifier");
        const char *sys = str(rid, "system");
        if (sys && strcmp(sys, FHIR_ODS_ORG) == 0) org = str(rid, "value");
    }
    if (org) json_object_set_new(b, "referrer_org", json_string(org));
    json_t *needs = json_array();
    needs_of(sr, needs);
    if (!json_array_size(needs))
        problems_add(&p, "ServiceRequest.reasonCode must give the needs (e.g. falls)");
    json_object_set_new(b, "needs", needs);
    char notes[1024] = "";
    json_array_foreach(json_object_get(sr, "note"), i, a) if (str(a, "text"))
        snprintf(notes + strlen(notes), sizeof notes - strlen(notes), "%s%s", notes[0] ? "; " : "",
                 str(a, "text"));
    if (notes[0]) json_object_set_new(b, "notes", json_string(notes));
    json_array_foreach(json_object_get(sr, "extension"), i, a)
    {
        const char *url = str(a, "url");
        if (url && strcmp(url, FHIR_EXT_OVERRIDE) == 0 && str(a, "valueString"))
            json_object_set_new(b, "override_reason", json_string(str(a, "valueString")));
    }
    int rc = problems_done(&p, e);
    if (rc) {
        json_decref(b);
        return rc;
    }
    *body = b;
    return 0;
}

/* The entry of bundle whose fullUrl is ref, or whose resource is Type/id. */
static const json_t *resolve(const json_t *bundle, const char *ref)
{
    if (!ref) return NULL;
    size_t i;
    json_t *en;
    json_array_foreach(json_object_get(bundle, "entry"), i, en)
    {
        const char *full = str(en, "fullUrl");
        json_t *r = json_object_get(en, "resource");
        if (full && strcmp(full, ref) == 0) return r;
        char tid[200];
        if (str(r, "resourceType") && str(r, "id")) {
            snprintf(tid, sizeof tid, "%s/%s", str(r, "resourceType"), str(r, "id"));
            if (strcmp(tid, ref) == 0) return r;
        }
    }
    return NULL;
}

int fhir_message_parse(const json_t *bundle, const json_t **header, const json_t **sr,
                       const json_t **patient, ics_err *e)
{
    *header = *sr = *patient = NULL;
    if (!json_is_object(bundle) || !is_type(bundle, "Bundle"))
        return ics_err_set(e, ICS_EINVAL, "the body must be a FHIR Bundle");
    const char *type = str(bundle, "type");
    if (!type || strcmp(type, "message") != 0)
        return ics_err_set(e, ICS_EINVAL, "Bundle.type must be 'message', not '%.40s'",
                           type ? type : "(missing)");
    const json_t *h =
        json_object_get(json_array_get(json_object_get(bundle, "entry"), 0), "resource");
    if (!is_type(h, "MessageHeader"))
        return ics_err_set(e, ICS_EINVAL, "the first entry of a message must be a MessageHeader");
    problems p;
    problems_init(&p);
    const json_t *ev = json_object_get(h, "eventCoding");
    const char *sys = str(ev, "system"), *code = str(ev, "code");
    if (!sys || strcmp(sys, FHIR_BARS_EVENTS) != 0 || !code || strcmp(code, FHIR_BARS_REQUEST) != 0)
        problems_add(&p,
                     "MessageHeader.eventCoding must be " FHIR_BARS_EVENTS "|" FHIR_BARS_REQUEST
                     " (the only message icsflow processes), not %.80s|%.40s",
                     sys ? sys : "", code ? code : "");
    if (!str(h, "id")) problems_add(&p, "MessageHeader.id is missing (the response names it)");
    const json_t *f =
        resolve(bundle, str(json_array_get(json_object_get(h, "focus"), 0), "reference"));
    if (!is_type(f, "ServiceRequest"))
        problems_add(&p, "MessageHeader.focus must refer to a ServiceRequest entry of the bundle");
    else {
        *sr = f;
        const json_t *pt = resolve(bundle, str(json_object_get(f, "subject"), "reference"));
        if (pt && !is_type(pt, "Patient"))
            problems_add(&p, "ServiceRequest.subject must refer to a Patient");
        else
            *patient = pt;
    }
    int rc = problems_done(&p, e);
    if (rc)
        *sr = *patient = NULL;
    else
        *header = h;
    return rc;
}

json_t *fhir_response_message(const char *bundle_id, const char *msg_id, const char *request_id,
                              const char *code, const char *base, const char *now, json_t *sr,
                              json_t *outcome)
{
    char full[96];
    snprintf(full, sizeof full, "urn:uuid:%s", msg_id);
    json_t *h = json_pack("{sssss{ssss}s{ssss}s{ssss}}", "resourceType", "MessageHeader", "id",
                          msg_id, "eventCoding", "system", FHIR_BARS_EVENTS, "code",
                          FHIR_BARS_RESPONSE, "source", "name", "icsflow", "endpoint", base,
                          "response", "identifier", request_id, "code", code);
    json_t *entries = json_pack("[{ssso}]", "fullUrl", full, "resource", h);
    json_t *focus = sr ? sr : outcome;
    if (focus) {
        char url[512];
        const char *id = str(focus, "id");
        if (sr && id)
            snprintf(url, sizeof url, "%s/ServiceRequest/%s", base, id);
        else
            snprintf(url, sizeof url, "urn:uuid:%s-outcome", msg_id);
        json_object_set_new(h, "focus", json_pack("[{ss}]", "reference", url));
        if (!sr)
            json_object_set_new(json_object_get(h, "response"), "details",
                                json_pack("{ss}", "reference", url));
        json_array_append_new(entries, json_pack("{ssso}", "fullUrl", url, "resource", focus));
        if (sr && outcome) json_decref(outcome);
    }
    return json_pack("{ssssssssso}", "resourceType", "Bundle", "id", bundle_id, "type", "message",
                     "timestamp", now, "entry", entries);
}

/* ---- status changes --------------------------------------------------------- */

/* The FHIR status a referral state shows as (fhir_service_request). */
static const char *status_of(const char *state)
{
    if (!strcmp(state, "attended")) return "completed";
    if (!strcmp(state, "declined") || !strcmp(state, "cancelled")) return "revoked";
    return "active";
}

int fhir_status_change(const json_t *sr, const char *state, const char **action,
                       const char **reason, ics_err *e)
{
    *action = "none";
    *reason = NULL;
    if (!is_type(sr, "ServiceRequest"))
        return ics_err_set(e, ICS_EINVAL, "the body must be a FHIR ServiceRequest");
    const char *status = str(sr, "status");
    if (!status ||
        (strcmp(status, "active") && strcmp(status, "completed") && strcmp(status, "revoked")))
        return ics_err_set(e, ICS_EINVAL,
                           "ServiceRequest.status '%.30s' cannot be set here: active (accepted), "
                           "completed (attended) or revoked (declined or cancelled)",
                           status ? status : "(missing)");
    const char *want = NULL; /* icsflow's state extension, when sent */
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(sr, "extension"), i, x)
    {
        const char *url = str(x, "url");
        if (url && !strcmp(url, FHIR_EXT_STATE)) want = str(x, "valueCode");
    }
    const json_t *note = json_array_get(json_object_get(sr, "note"), 0);
    *reason = str(note, "text");
    if (!strcmp(status, "completed"))
        *action = "attend";
    else if (!strcmp(status, "revoked"))
        *action = want && !strcmp(want, "declined") ? "decline" : "cancel";
    else if (want && !strcmp(want, "accepted"))
        *action = "accept";
    /* already there: the state the step leads to, or without the state
     * extension the same FHIR status */
    static const char *const done[][2] = {{"accept", "accepted"},
                                          {"attend", "attended"},
                                          {"decline", "declined"},
                                          {"cancel", "cancelled"}};
    for (size_t k = 0; k < sizeof done / sizeof *done; k++)
        if (!strcmp(*action, done[k][0]) && !strcmp(state, done[k][1])) *action = "none";
    if (!want && !strcmp(status_of(state), status)) *action = "none";
    return 0;
}

int64_t fhir_referral_id(const json_t *sr)
{
    size_t i;
    json_t *id;
    json_array_foreach(json_object_get(sr, "identifier"), i, id)
    {
        const char *sys = str(id, "system"), *v = str(id, "value");
        if (!sys || !v || strcmp(sys, FHIR_ID_REFERRAL)) continue;
        char *end;
        long long n = strtoll(v, &end, 10);
        if (*v && !*end && n > 0) return n;
    }
    return 0;
}
