/* methods_check.c - prints icsflow's crude rates, ISRs, proportions, funnel
 * limits and funnel flags for a grid of cases, small counts included, so
 * fingertips_check.py can recompute each with the PHEindicatormethods
 * formulas (R's qchisq/qnorm via scipy) and compare. One CSV line a case. */
#include <stdio.h>

#include "analytics/analytics.h"

static void est(const char *kind, double a, double b, const analytics_estimate *r)
{
    printf("%s,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", kind, a, b, r->value, r->lo95, r->hi95,
           r->lo998, r->hi998);
}

int main(void)
{
    static const double counts[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 25, 100, 1234, 98765};
    static const double pops[] = {500, 10000, 1e6};
    static const double expd[] = {3.7, 50, 999.5};
    analytics_estimate r;
    ics_err e = {0};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        for (size_t j = 0; j < 3; j++) {
            if (analytics_rate_crude(counts[i], pops[j], 100000, &r, &e) == 0)
                est("crude", counts[i], pops[j], &r);
            double one = 1;
            if (analytics_isr(NULL, counts[i], &expd[j], &one, &one, 1, 100, &r, &e) == 0)
                est("isr", counts[i], expd[j], &r);
        }
    }
    static const double px[][2] = {{0, 200},   {1, 200},   {5, 200},   {50, 200},     {199, 200},
                                   {200, 200}, {0, 10000}, {7, 10000}, {5000, 10000}, {3, 7}};
    for (size_t i = 0; i < sizeof px / sizeof *px; i++)
        if (analytics_proportion(px[i][0], px[i][1], 100, &r, &e) == 0)
            est("proportion", px[i][0], px[i][1], &r);
    static const double ns[] = {10, 100, 1000, 100000}, p0s[] = {0.05, 0.3, 0.9};
    static const double lv[] = {0.95, 0.998};
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 3; j++)
            for (int k = 0; k < 2; k++)
                for (int up = 0; up < 2; up++)
                    printf("proplimit,%.17g,%.17g,%g,%d,%.17g\n", ns[i], p0s[j], lv[k], up,
                           analytics_funnel_prop_limit(lv[k], ns[i], p0s[j], up));
    static const double fo[] = {0, 3, 9, 10, 50, 130, 1000};
    static const double fe[] = {5, 20, 100, 1100};
    for (size_t i = 0; i < sizeof fo / sizeof *fo; i++)
        for (size_t j = 0; j < sizeof fe / sizeof *fe; j++)
            printf("ratioflag,%.17g,%.17g,%s\n", fo[i], fe[j],
                   analytics_sig_name(analytics_funnel_sig_ratio(fo[i], fe[j])));
    return 0;
}
