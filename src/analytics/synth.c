/* synth.c - a deterministic synthetic non-elective admissions dataset, so
 * the variation report has something realistic to show before real counts
 * are loaded. The shape (J-curve by age, deprivation gradient, a modest
 * per-area effect) is illustrative, not any published rate. Synthetic. */
#include <math.h>

#include "analytics/analytics.h"
#include "core/rng.h"

/* Illustrative NEL admissions per 1,000 person-years by age band, persons. */
static const double base_per_1000[ANALYTICS_NBANDS] = {
    120, 35, 35, 55, 60, 65, 65, 65, 70, 75, 85, 100, 120, 145, 180, 240, 320, 420, 550,
};

/* Males a little higher except in the child-bearing years. */
static double sex_factor(int s, int b)
{
    if (s == 0) return (b >= 3 && b <= 8) ? 0.85 : 1.08;
    return (b >= 3 && b <= 8) ? 1.15 : 0.93;
}

int analytics_synth_nel(const analytics_synth_area *areas, size_t nareas, uint64_t seed,
                        double *counts, ics_err *e)
{
    for (size_t a = 0; a < nareas; a++)
        for (int s = 0; s < ANALYTICS_NSEXES; s++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++)
                if (!isfinite(areas[a].pop[s][b]) || areas[a].pop[s][b] < 0.0)
                    return ics_err_set(e, ICS_EINVAL, "area %zu: population must be >= 0", a + 1);
    for (size_t a = 0; a < nareas; a++) {
        rng r;
        rng_seed(&r, seed, a); /* one stream per area: adding areas keeps the others */
        /* deprivation: about +1.5% per IMD point around a score of 20 */
        double dep = exp(0.015 * (areas[a].imd_score - 20.0));
        /* per-area effect, lognormal with mean 1 and sd about 5% */
        double sd = 0.05;
        double eff = exp(sd * rng_normal(&r) - 0.5 * sd * sd);
        for (int s = 0; s < ANALYTICS_NSEXES; s++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++) {
                double lambda =
                    areas[a].pop[s][b] * base_per_1000[b] / 1000.0 * sex_factor(s, b) * dep * eff;
                counts[(a * ANALYTICS_NSEXES + (size_t)s) * ANALYTICS_NBANDS + (size_t)b] =
                    (double)rng_poisson(&r, lambda);
            }
    }
    return 0;
}
