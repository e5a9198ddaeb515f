/* synth.h - what the synthetic-data generators of every module share: NHS
 * numbers from the range the NHS never issues (999 000 0000 - 999 999 9999,
 * still with a valid check digit) and a weighted pick. One definition, so
 * every synthetic patient is recognisably synthetic the same way. */
#ifndef ICS_CORE_SYNTH_H
#define ICS_CORE_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

/* "999" + the six digits of serial (0 <= serial < 1,000,000) + the check
 * digit. Returns -1 (out untouched) when no check digit makes the number
 * valid (the checksum gives 10), 0 otherwise. */
int synth_nhs_from(uint32_t serial, char out[11]);

/* A uniformly drawn synthetic NHS number: six digits from one
 * rng_below(r, 1000000) draw per try, redrawn while invalid. */
void synth_nhs_number(rng *r, char out[11]);

/* Index i in [0, n) drawn with probability w[i] / sum(w) (one uniform draw;
 * n - 1 when rounding runs off the end). n > 0, w[i] >= 0. */
size_t synth_pick(rng *r, const double *w, size_t n);

#endif
