/* fuzz_csv.c - libFuzzer target: the CSV reader every import uses
 * (csv_parse), then the duplicate-key check and the column lookup on
 * whatever it accepted. Every accepted cell must be UTF-8 without NUL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    csv_doc *d = NULL;
    ics_err e = {0};
    if (csv_parse((const char *)data, size, "fuzz.csv", &d, &e)) {
        if (!utf8_valid(e.msg)) abort(); /* messages are always text */
        return 0;
    }
    for (size_t r = 0; r < d->nrows; r++)
        for (size_t c = 0; c < d->ncols; c++)
            if (!utf8_valid(d->rows[r][c])) abort();
    if (d->ncols > 0) {
        int idx[2] = {0, (int)(d->ncols - 1)};
        if (csv_unique(d, idx, d->ncols > 1 ? 2 : 1, &e) && !utf8_valid(e.msg)) abort();
        static const char *const want[] = {"code", "name", NULL};
        int ix[2];
        csv_columns(d, want, ix, 0, &e);
    }
    csv_free(d);
    return 0;
}
