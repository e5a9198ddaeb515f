/* rng.h - the one seeded pseudo-random generator used everywhere.
 *
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64, so a
 * 64-bit seed gives a well-mixed state. Streams: rng_seed(r, seed, stream)
 * gives independent sequences for replications or generators from one seed
 * (the stream index is mixed into the seed; the jump function is also
 * provided for non-overlapping subsequences). Deterministic on every platform. */
#ifndef ICS_CORE_RNG_H
#define ICS_CORE_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng;

void rng_seed(rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(rng *r);
/* Uniform double in [0, 1), 53 random bits. */
double rng_uniform(rng *r);
/* Uniform integer in [0, n); n > 0. Unbiased (rejection). */
uint64_t rng_below(rng *r, uint64_t n);
/* Standard normal (Marsaglia polar method; no cached spare, so streams stay simple). */
double rng_normal(rng *r);
double rng_exponential(rng *r, double mean);
/* Lognormal with the given mean and standard deviation of the variable itself. */
double rng_lognormal(rng *r, double mean, double sd);
/* Poisson count with mean lambda (inversion for small lambda, normal approx. above 500). */
unsigned rng_poisson(rng *r, double lambda);
/* Advance 2^128 steps: for non-overlapping subsequences. */
void rng_jump(rng *r);

#endif
