/* capability.c - the CapabilityStatement GET /api/v1/fhir/metadata answers:
 * built from the search-parameter tables the searches themselves use
 * (search.c), so it cannot claim a parameter the server does not evaluate
 * or leave out one it does. */
#include <stdio.h>
#include <string.h>

#include "fhir/fhir.h"

static const char *const ptype_name[] = {"token", "string", "reference", "special", "date"};

typedef struct cap_type {
    const char *type;
    int create;         /* POST creates one; 2: and PUT changes its status; -1: read only */
    const char *op;     /* a type-level operation, or NULL */
    const char *op_def; /* its definition */
} cap_type;

static const cap_type served[] = {
    {"Organization", 0, NULL, NULL},
    {"Location", 0, NULL, NULL},
    {"HealthcareService", 0, "find", FHIR_ICS "OperationDefinition/HealthcareService-find"},
    {"ServiceRequest", 2, "response-message",
     FHIR_ICS "OperationDefinition/ServiceRequest-response-message"},
    {"Patient", 0, NULL, NULL},
    {"Encounter", -1, NULL, NULL}, /* read only: a bed referral's stay */
    {NULL, 0, NULL, NULL}};

static json_t *resource(const cap_type *t)
{
    json_t *inter = t->create < 0 ? json_pack("[{ss}]", "code", "read")
                                  : json_pack("[{ss}{ss}]", "code", "read", "code", "search-type");
    if (t->create > 0) json_array_append_new(inter, json_pack("{ss}", "code", "create"));
    if (t->create == 2)
        json_array_append_new(
            inter, json_pack("{ssss}", "code", "update", "documentation",
                             "status only, through the referral's lifecycle: active with the "
                             "referral-state extension 'accepted' accepts, completed attends, "
                             "revoked cancels (declines with the extension 'declined'; the first "
                             "note is the reason); other elements are not changed"));
    json_t *params = json_array();
    for (const fhir_param *p = fhir_search_params(t->type); p && p->name; p++) {
        const char *pt = ptype_name[p->type];
        if (p->type == FHIR_SPECIAL && strcmp(p->name, "near") != 0)
            pt = strcmp(p->name, "status") == 0 || strcmp(p->name, "_id") == 0 ||
                         strcmp(p->name, "identifier") == 0 || strcmp(p->name, "ics") == 0
                     ? "token"
                     : "reference";
        json_array_append_new(
            params, json_pack("{ssssss}", "name", p->name, "type", pt, "documentation", p->doc));
    }
    json_array_append_new(params, json_pack("{ssssss}", "name", "_count", "type", "number",
                                            "documentation", "page size, 1-1000 (default 100)"));
    json_t *r = json_pack("{sssososs}", "type", t->type, "interaction", inter, "searchParam",
                          params, "versioning", "no-version");
    /* the directory searches sort (name, _id) and include the organisation */
    if (!strcmp(t->type, "Organization") || !strcmp(t->type, "Location") ||
        !strcmp(t->type, "HealthcareService"))
        json_object_set_new(r, "documentation",
                            json_string("_sort: name or _id, - first for descending (one key)"));
    if (!strcmp(t->type, "Location") || !strcmp(t->type, "HealthcareService") ||
        !strcmp(t->type, "ServiceRequest")) {
        char inc[64];
        snprintf(inc, sizeof inc, "%s:%s", t->type,
                 strcmp(t->type, "ServiceRequest") ? "organization" : "patient");
        json_object_set_new(r, "searchInclude", json_pack("[s]", inc));
    }
    if (t->create < 0) json_object_del(r, "searchParam"); /* read only */
    if (t->op)
        json_object_set_new(r, "operation",
                            json_pack("[{ssss}]", "name", t->op, "definition", t->op_def));
    return r;
}

json_t *fhir_capability(const char *base, const char *version, const char *date)
{
    json_t *res = json_array();
    for (const cap_type *t = served; t->type; t++) json_array_append_new(res, resource(t));
    json_t *rest = json_pack(
        "{sss{s[{s[{ssss}]}]ss}sos[{ssss}]}", "mode", "server", "security", "service", "coding",
        "system", "http://terminology.hl7.org/CodeSystem/restful-security-service", "code", "OAuth",
        "description",
        "Every request needs 'Authorization: Bearer <token>' (an icsflow token or an OpenID "
        "Connect session); the user's role and organisation decide what is returned.",
        "resource", res, "operation", "name", "process-message", "definition",
        "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message");
    return json_pack(
        "{sssssssssssssss{ssss}s{ssss}sss[ss]so}", "resourceType", "CapabilityStatement", "status",
        "active", "date", date, "publisher", "icsflow", "kind", "instance", "description",
        "icsflow FHIR R4 server: the ICS directory, UCR referrals (also as BaRS "
        "messages) and the rapid-response finder",
        "name", "icsflow", "software", "name", "icsflow", "version", version, "implementation",
        "description", "icsflow", "url", base, "fhirVersion", "4.0.1", "format", "json",
        "application/fhir+json", "rest", json_pack("[o]", rest));
}
