/* erlang.c - Erlang B and C closed forms (M/M/c) and the Student t quantile.
 *
 * These are the theory the simulator is checked against (STANDARDS.md,
 * "Queueing theory for checking the simulator") and a quick first answer for
 * `icsflow sim erlang` before any simulation is run. */
#include <math.h>

#include "sim/sim.h"

/* Erlang B by the recurrence B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)),
 * which never forms a^c / c! and so stays finite for thousands of beds. */
double sim_erlang_b(int c, double a)
{
    if (c < 0 || a < 0) return NAN;
    double b = 1.0;
    for (int k = 1; k <= c; k++) b = a * b / (k + a * b);
    return b;
}

/* Erlang C from Erlang B: C = B / (1 - rho (1 - B)), rho = a / c. This is
 * algebraically the STANDARDS.md form
 *   [a^c/c! 1/(1-rho)] / [sum_{k<c} a^k/k! + a^c/c! 1/(1-rho)]
 * (divide through by sum_{k<=c} a^k/k!), without the overflow. */
double sim_erlang_c(int c, double a)
{
    if (c <= 0 || a < 0) return c == 0 && a > 0 ? 1.0 : NAN;
    if (a == 0) return 0.0;
    double rho = a / c;
    if (rho >= 1.0) return 1.0;
    double b = sim_erlang_b(c, a);
    return b / (1.0 - rho * (1.0 - b));
}

double sim_erlang_wait(int c, double lambda, double los)
{
    double a = lambda * los, mu = 1.0 / los;
    if (a >= c) return INFINITY;
    return sim_erlang_c(c, a) / (c * mu - lambda);
}

double sim_erlang_p_over(int c, double lambda, double los, double t)
{
    double a = lambda * los, mu = 1.0 / los;
    if (a >= c) return 1.0;
    return sim_erlang_c(c, a) * exp(-(c * mu - lambda) * t);
}

int sim_erlang_beds(double lambda, double los, double t, double p)
{
    if (!(lambda > 0) || !(los > 0) || !(p > 0)) return 0;
    int c = (int)floor(lambda * los) + 1;
    while (sim_erlang_p_over(c, lambda, los, t) >= p && c < 1000000) c++;
    return c;
}

/* t_0.975 for df 1..30 from standard tables; above 30 the Cornish-Fisher
 * expansion in 1/df around z = 1.959964 (Abramowitz and Stegun 26.7.5),
 * which is within 1e-4 of the exact quantile there. */
double sim_t975(int df)
{
    static const double tab[31] = {NAN,   12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                   2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                   2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                   2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df <= 0) return NAN;
    if (df <= 30) return tab[df];
    double z = 1.959964, n = df, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}
