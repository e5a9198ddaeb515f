/* draw.h - the simulator's random draws inlined into its inner loop: the
 * xoshiro256** step of core/rng.c (the same algorithm and state, so every
 * stream gives the same numbers as rng_next) and the fast path of the
 * ziggurat normal and exponential of ziggurat.c, which holds the tables
 * and the rare paths. Internal to src/sim. */
#ifndef ICS_SIM_DRAW_H
#define ICS_SIM_DRAW_H

#include <math.h>
#include <stdint.h>

#include "core/rng.h"

static inline uint64_t sim_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** (Blackman and Vigna 2018), identical to rng_next. */
static inline uint64_t sim_rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = sim_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rotl(s[3], 45);
    return result;
}

/* As rng_uniform: [0, 1) from the high 53 bits. The shifted value fits in
 * a signed 64-bit integer, whose conversion to double is one instruction
 * (an unsigned one is a branchy sequence); the value is the same. */
static inline double sim_rng_uniform(rng *r)
{
    return (double)(int64_t)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* As rng_below: uniform in [0, n), unbiased by rejection. */
static inline uint64_t sim_rng_below(rng *r, uint64_t n)
{
    uint64_t lim = -n % n;
    for (;;) {
        uint64_t x = sim_rng_next(r);
        if (x >= lim) return x % n;
    }
}

/* Uniform in (0, 1) from the high 52 bits (the low 8 pick the layer). */
static inline double sim_open01(uint64_t bits)
{
    return ((double)(int64_t)(bits >> 12) + 0.5) * 0x1.0p-52;
}

extern const double sim_zig_norm_x[257], sim_zig_norm_f[257];
extern const double sim_zig_exp_x[257], sim_zig_exp_f[257];
double sim_zig_normal_slow(rng *r, uint64_t bits);
double sim_zig_exp_slow(rng *r, uint64_t bits);

static inline double sim_zig_normal(rng *r)
{
    uint64_t bits = sim_rng_next(r);
    int i = (int)(bits & 0xff);
    double x = (2.0 * sim_open01(bits) - 1.0) * sim_zig_norm_x[i];
    if (fabs(x) < sim_zig_norm_x[i + 1]) return x;
    return sim_zig_normal_slow(r, bits);
}

/* Exponential with the given mean. */
static inline double sim_zig_exp(rng *r, double mean)
{
    uint64_t bits = sim_rng_next(r);
    int i = (int)(bits & 0xff);
    double x = sim_open01(bits) * sim_zig_exp_x[i];
    if (x < sim_zig_exp_x[i + 1]) return mean * x;
    return mean * sim_zig_exp_slow(r, bits);
}

#endif
