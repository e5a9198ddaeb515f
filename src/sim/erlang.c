/* erlang.c - Erlang B and C closed forms (M/M/c).
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
