/* rng.c - xoshiro256** with splitmix64 seeding; see rng.h. */
#include "core/rng.h"

#include <math.h>

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL + 0x2545f4914f6cdd1dULL);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&x);
}

double rng_normal(rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * rng_uniform(r) - 1.0;
        v = 2.0 * rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    return u * sqrt(-2.0 * log(s) / s);
}

double rng_exponential(rng *r, double mean)
{
    return -mean * log1p(-rng_uniform(r));
}

double rng_lognormal(rng *r, double mean, double sd)
{
    double s2 = log1p((sd * sd) / (mean * mean));
    double mu = log(mean) - s2 / 2.0;
    return exp(mu + sqrt(s2) * rng_normal(r));
}

unsigned rng_poisson(rng *r, double lambda)
{
    if (lambda <= 0) return 0;
    if (lambda > 500) {
        double x = lambda + sqrt(lambda) * rng_normal(r) + 0.5;
        return x < 0 ? 0 : (unsigned)x;
    }
    /* inversion by sequential search */
    double u = rng_uniform(r), p = exp(-lambda), f = p;
    unsigned k = 0;
    while (u > f && k < 100000) {
        k++;
        p *= lambda / k;
        f += p;
    }
    return k;
}

void rng_jump(rng *r)
{
    static const uint64_t J[] = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL,
                                 0xa9582618e03fc9aaULL, 0x39abdc4529b1661cULL};
    uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 64; b++) {
            if (J[i] & (1ULL << b)) {
                s0 ^= r->s[0];
                s1 ^= r->s[1];
                s2 ^= r->s[2];
                s3 ^= r->s[3];
            }
            rng_next(r);
        }
    r->s[0] = s0;
    r->s[1] = s1;
    r->s[2] = s2;
    r->s[3] = s3;
}
