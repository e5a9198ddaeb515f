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

/* The step, the uniform and the bounded draw are inline: the simulator's
 * inner loop calls them hundreds of millions of times per run. */
static inline uint64_t rng_rotl_(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna 2018). */
static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl_(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl_(s[3], 45);
    return result;
}

/* Uniform double in [0, 1) from the high 53 bits. The shifted value fits in
 * a signed 64-bit integer, whose conversion to double is one instruction (an
 * unsigned one is a branchy sequence); the value is the same. */
static inline double rng_uniform(rng *r)
{
    return (double)(int64_t)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n); n > 0. Unbiased (rejection). */
static inline uint64_t rng_below(rng *r, uint64_t n)
{
    uint64_t lim = -n % n; /* 2^64 mod n */
    for (;;) {
        uint64_t x = rng_next(r);
        if (x >= lim) return x % n;
    }
}

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
