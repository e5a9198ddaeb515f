/* fuzz_fhir.c - libFuzzer target: the FHIR message parser. The input is
 * parsed as JSON (as the server does), then read as a BaRS message Bundle
 * (fhir_message_parse) and, whether that worked or not, as a bare
 * ServiceRequest (fhir_referral_body); whatever is accepted becomes a
 * referral body and a response message, which must serialise. Every
 * message must be UTF-8, every accepted body must carry the fields the
 * referral use case requires. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "fhir/fhir.h"

static void body_ok(const json_t *b)
{
    /* the parser promises these, so the use case's own checks see them */
    if (!json_is_string(json_object_get(b, "nhs_number")) ||
        !json_is_integer(json_object_get(b, "age")) ||
        !json_is_string(json_object_get(b, "service_id")) ||
        !json_is_array(json_object_get(b, "needs")) ||
        json_array_size(json_object_get(b, "needs")) == 0)
        abort();
    char *s = json_dumps(b, JSON_COMPACT);
    if (!s) abort();
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
    if (!doc) return 0;
    const int64_t today = 20791; /* 2026-12-04 */
    const json_t *h, *sr, *pat;
    ics_err e = {0};
    json_t *body = NULL;
    if (fhir_message_parse(doc, &h, &sr, &pat, &e) == 0) {
        if (!h || !sr) abort();
        if (fhir_referral_body(sr, pat, today, &body, &e) == 0) {
            body_ok(body);
            json_decref(body);
            json_t *m =
                fhir_response_message("b", "m", json_string_value(json_object_get(h, "id")), "ok",
                                      "http://localhost/api/v1/fhir", "2026-12-04T00:00:00Z",
                                      fhir_outcome(200, "created"), NULL);
            if (!m) abort();
            json_decref(m);
        } else if (!utf8_valid(e.msg)) {
            abort();
        }
    } else if (!utf8_valid(e.msg)) {
        abort();
    }
    e = (ics_err){0};
    if (fhir_referral_body(doc, NULL, today, &body, &e) == 0) {
        body_ok(body);
        json_decref(body);
    } else if (!utf8_valid(e.msg)) {
        abort();
    }
    json_decref(doc);
    return 0;
}
