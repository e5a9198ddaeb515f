/* fuzz_hours.c - libFuzzer target: the opening-hours grammar
 * (directory_hours_parse) and, for accepted hours, the canonical form
 * (which must parse back to the same hours) and the instant arithmetic of
 * routing_hours_open / routing_hours_week across a year, clock changes
 * and bank holidays included. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/sb.h"
#include "directory/directory.h"
#include "routing/routing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return -1;
    char *spec = malloc(size + 1);
    memcpy(spec, data, size);
    spec[size] = '\0';
    dir_hours h, again;
    ics_err e = {0};
    if (directory_hours_parse(spec, &h, &e) == 0) {
        sb out;
        sb_init(&out);
        directory_hours_format(&h, &out);
        if (directory_hours_parse(out.buf ? out.buf : "", &again, &e) != 0) abort();
        sb again_out;
        sb_init(&again_out);
        directory_hours_format(&again, &again_out);
        if (strcmp(out.buf ? out.buf : "", again_out.buf ? again_out.buf : "") != 0) abort();
        sb_free(&out);
        sb_free(&again_out);
        /* 2026-03-29 and 2026-10-25 are the clock changes; 2026-05-04 a bank holiday */
        static const int64_t bh[] = {1777852800};
        int64_t t = 1774000000 + (int64_t)(size % 97) * 3607;
        for (int i = 0; i < 60; i++, t += 86400 * 6 + 3541) {
            int64_t until = 0, next = 0;
            if (routing_hours_open(&h, bh, 1, t, &until, &next)) {
                if (until && until <= t) abort(); /* an opening ends after now */
            } else if (next && next <= t) {
                abort(); /* the next opening is in the future */
            }
        }
        unsigned char cover[8][24];
        routing_hours_week(&h, cover);
    }
    free(spec);
    return 0;
}
