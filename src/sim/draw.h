/* draw.h - the simulator's random draws inlined into its inner loop: the
 * fast path of the ziggurat normal and exponential of ziggurat.c, which
 * holds the tables and the rare paths (the uniform step is core/rng.h's
 * inline rng_next). Internal to src/sim. */
#ifndef ICS_SIM_DRAW_H
#define ICS_SIM_DRAW_H

#include <math.h>
#include <stdint.h>

#include "core/rng.h"

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
    uint64_t bits = rng_next(r);
    int i = (int)(bits & 0xff);
    double x = (2.0 * sim_open01(bits) - 1.0) * sim_zig_norm_x[i];
    if (fabs(x) < sim_zig_norm_x[i + 1]) return x;
    return sim_zig_normal_slow(r, bits);
}

/* Exponential with the given mean. */
static inline double sim_zig_exp(rng *r, double mean)
{
    uint64_t bits = rng_next(r);
    int i = (int)(bits & 0xff);
    double x = sim_open01(bits) * sim_zig_exp_x[i];
    if (x < sim_zig_exp_x[i + 1]) return mean * x;
    return mean * sim_zig_exp_slow(r, bits);
}

#endif
