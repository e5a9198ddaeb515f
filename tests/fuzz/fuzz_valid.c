/* fuzz_valid.c - libFuzzer target: postcode, NHS number, ODS and ONS code
 * validation. Accepted values must come back normalised and valid again;
 * refusals must carry a message that is valid UTF-8 text. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "core/valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024) return -1;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    ics_err e = {0};
    char pc[9], again[9], nhs[11], d[5];
    if (valid_postcode(s, pc, &e) == 0) {
        if (valid_postcode(pc, again, &e) != 0 || strcmp(pc, again) != 0) abort();
        valid_postcode_outward(pc, d);
        if (valid_postcode_district(d, d, &e) != 0) abort();
    } else if (!utf8_valid(e.msg)) {
        abort();
    }
    if (valid_nhs_number(s, nhs, &e) == 0) {
        if (strlen(nhs) != 10) abort();
        for (int i = 0; i < 10; i++)
            if (!isdigit((unsigned char)nhs[i])) abort();
        if (valid_nhs_number(nhs, nhs, &e) != 0) abort();
    } else if (!utf8_valid(e.msg)) {
        abort();
    }
    if (valid_ods_code(s, &e) && !utf8_valid(e.msg)) abort();
    if (valid_ons_code(s, &e) && !utf8_valid(e.msg)) abort();
    if (valid_postcode_district(s, d, &e) && !utf8_valid(e.msg)) abort();
    free(s);
    return 0;
}
