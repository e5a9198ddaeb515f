/* synth.c - synthetic NHS numbers and the weighted pick shared by the
 * routing, beds and waiting-list generators (see synth.h). */
#include "core/synth.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/valid.h"

int synth_nhs_from(uint32_t serial, char out[11])
{
    assert(serial < 1000000u);
    char d[11];
    snprintf(d, sizeof d, "999%06u", (unsigned)serial);
    int c = valid_nhs_check_digit(d);
    if (c < 0) return -1;
    memcpy(out, d, 9);
    out[9] = (char)('0' + c);
    out[10] = '\0';
    return 0;
}

void synth_nhs_number(rng *r, char out[11])
{
    while (synth_nhs_from((uint32_t)rng_below(r, 1000000), out)) {
    }
}

size_t synth_pick(rng *r, const double *w, size_t n)
{
    assert(n > 0);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += w[i];
    double u = rng_uniform(r) * sum;
    for (size_t i = 0; i < n; i++) {
        if (u < w[i]) return i;
        u -= w[i];
    }
    return n - 1;
}
