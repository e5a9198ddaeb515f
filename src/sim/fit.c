/* sim/fit.c - the arithmetic of fitting a scenario to what the directory and
 * the bed bureau hold: where places are, the beds commissioned for each,
 * demand and stays from counts or, lacking history, from unit sizes. The
 * application reads the rows (src/app/sim_fit.c); this file only computes,
 * so the same fit can be checked on numbers built in a test. */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "sim/sim.h"

void sim_fit_positions(sim_scenario *sc)
{
    assert(sc->nunits > 0);
    for (int i = 0; i < sc->nplaces; i++) {
        sim_place *p = &sc->places[i];
        if (isfinite(p->lat) && isfinite(p->lon)) continue;
        double la = 0, lo = 0;
        int n = 0;
        for (int pass = 0; pass < 2 && n == 0; pass++)
            for (int u = 0; u < sc->nunits; u++)
                if (pass || (sc->units[u].places >> i & 1)) {
                    la += sc->units[u].lat;
                    lo += sc->units[u].lon;
                    n++;
                }
        p->lat = la / n;
        p->lon = lo / n;
    }
}

void sim_fit_commissioned_beds(const sim_scenario *sc, double *share)
{
    for (int i = 0; i < sc->nplaces; i++) share[i] = 0;
    for (int u = 0; u < sc->nunits; u++) {
        int n = __builtin_popcountll(sc->units[u].places);
        for (int i = 0; i < sc->nplaces && n; i++)
            if (sc->units[u].places >> i & 1) share[i] += (double)sc->units[u].beds / n;
    }
}

double sim_fit_from_beds(sim_scenario *sc)
{
    double share[SIM_MAX_PLACES], total = 0;
    sim_fit_commissioned_beds(sc, share);
    for (int i = 0; i < sc->nplaces; i++) total += share[i];
    sc->los = (sim_los){
        .kind = SIM_LOS_LOGNORMAL, .mean = SIM_FIT_DEFAULT_LOS, .sd = SIM_FIT_DEFAULT_LOS_SD};
    for (int i = 0; i < sc->nplaces; i++)
        sc->places[i].arrivals_per_day = SIM_FIT_DEFAULT_OCCUPANCY * share[i] / SIM_FIT_DEFAULT_LOS;
    return total;
}

void sim_fit_from_history(sim_scenario *sc, const long *referrals, const long *urgent, double span,
                          const double *stays, int nstays, double *mean, double *sd)
{
    assert(span > 0 && nstays > 0);
    double sum = 0, ss = 0;
    for (int k = 0; k < nstays; k++) sum += stays[k];
    double m = sum / nstays;
    for (int k = 0; k < nstays; k++) ss += (stays[k] - m) * (stays[k] - m);
    *mean = m;
    *sd = nstays > 1 ? sqrt(ss / (nstays - 1)) : 0.0;
    sc->los = (sim_los){.kind = SIM_LOS_EMPIRICAL, .values = stays, .nvalues = nstays};
    for (int i = 0; i < sc->nplaces; i++) {
        sc->places[i].arrivals_per_day = referrals[i] / span;
        sc->places[i].urgent_share = referrals[i] ? (double)urgent[i] / referrals[i] : 0;
    }
}

void sim_fit_replay(sim_scenario *sc, const sim_arrival *arrivals, int n, double span)
{
    sc->replay = arrivals;
    sc->nreplay = n;
    sc->warmup_days = span / 4 < 60 ? span / 4 : 60;
    sc->run_days = span - sc->warmup_days;
}

int sim_place_find(const sim_scenario *sc, const char *code)
{
    for (int i = 0; code && i < sc->nplaces; i++)
        if (!strcmp(sc->places[i].code, code)) return i;
    return -1;
}

int sim_fit_uncommissioned(const sim_scenario *sc, int i)
{
    for (int u = 0; u < sc->nunits; u++)
        if (sc->units[u].places >> i & 1) return 0;
    return 1;
}
