/* test_analytics.c - rates, standardisation, confidence intervals, funnel
 * plots, allocation and import validation. Expected values are worked by
 * hand from the formulas in STANDARDS.md (shown beside each), closed forms
 * where they exist, or figures published with PHEindicatormethods. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"
#include "core/stats.h"
#include "analytics/chart.h"
#include "core/csv.h"

#define assert_rel(got, want, tol)                                                                 \
    do {                                                                                           \
        double g_ = (got), w_ = (want);                                                            \
        if (!(fabs(g_ - w_) <= (tol)*fabs(w_))) {                                                  \
            print_error("%s = %.17g, want %.17g (rel tol %g)\n", #got, g_, w_, (double)(tol));     \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

/* Wilson limits at a confidence level through core's one interval. */
static double wilson_lower(double x, double n, double level)
{
    double lo, hi;
    stats_wilson(x, n, stats_z(level), &lo, &hi);
    return lo;
}

static double wilson_upper(double x, double n, double level)
{
    double lo, hi;
    stats_wilson(x, n, stats_z(level), &lo, &hi);
    return hi;
}

/* ---- distributions ------------------------------------------------------ */

static void test_z_values_match_standards(void **s)
{
    (void)s;
    /* STANDARDS.md: 1.959964 and 3.090232; full precision from erf^-1 */
    assert_rel(stats_z(0.95), 1.9599639845400542, 1e-15);
    assert_rel(stats_z(0.998), 3.0902323061678135, 1e-15);
    assert_rel(stats_normal_quantile(0.001), -3.0902323061678135, 1e-15);
    assert_true(fabs(stats_normal_quantile(0.5)) < 1e-15);
}

static void test_gamma_and_t_quantiles_match_closed_forms(void **s)
{
    (void)s;
    /* shape 1 is the exponential: quantile -ln(1 - p) */
    assert_rel(analytics_gamma_quantile(0.975, 1.0), -log(0.025), 1e-14);
    assert_rel(analytics_gamma_quantile(0.025, 1.0), -log(0.975), 1e-14);
    /* P(a, x) at the quantile gives p back */
    assert_rel(analytics_gamma_p(7.5, analytics_gamma_quantile(0.3, 7.5)), 0.3, 1e-13);
    /* t with 1 df is Cauchy: tan(pi (p - 1/2)); with 2 df: (2p-1)/sqrt(2p(1-p)) */
    assert_rel(stats_t_quantile(0.975, 1.0), tan(M_PI * 0.475), 1e-13);
    assert_rel(stats_t_quantile(0.975, 2.0), 0.95 / sqrt(2 * 0.975 * 0.025), 1e-13);
    assert_rel(stats_t_quantile(0.025, 2.0), -0.95 / sqrt(2 * 0.975 * 0.025), 1e-13);
}

/* ---- interval formulas -------------------------------------------------- */

static void test_byar_limits_worked_example(void **s)
{
    (void)s;
    /* O = 65: 65 (1 - 1/585 - z/(3 sqrt 65))^3 and 66 (1 - 1/594 + z/(3 sqrt 66))^3 */
    assert_rel(analytics_byar_lower(65, 0.95), 50.163187710459443, 1e-12);
    assert_rel(analytics_byar_upper(65, 0.95), 82.849138545939848, 1e-12);
    assert_rel(analytics_byar_lower(65, 0.998), 42.880261471480198, 1e-12);
    assert_rel(analytics_byar_upper(65, 0.998), 94.000290844317988, 1e-12);
    /* the figure in PHEindicatormethods' own tests */
    assert_rel(analytics_byar_lower(100, 0.95), 81.36210549052788, 1e-12);
    /* no lower limit for a zero count (Fingertips gives NA) */
    assert_true(isnan(analytics_byar_lower(0, 0.95)));
}

static void test_exact_poisson_limits_closed_forms(void **s)
{
    (void)s;
    /* O = 0: lower 0, upper -ln(0.025); O = 1: lower -ln(0.975) */
    assert_true(analytics_exact_lower(0, 0.95) == 0.0);
    assert_rel(analytics_exact_upper(0, 0.95), 3.6888794541139363, 1e-13);
    assert_rel(analytics_exact_lower(1, 0.95), 0.025317807984289875, 1e-13);
    /* O = 5: qchisq(0.025, 10)/2 and qchisq(0.975, 12)/2 */
    assert_rel(analytics_exact_lower(5, 0.95), 1.6234863901184205, 1e-12);
    assert_rel(analytics_exact_upper(5, 0.95), 11.66833207932267, 1e-12);
    assert_rel(analytics_exact_lower(5, 0.998), 0.73937173191783252, 1e-12);
    assert_rel(analytics_exact_upper(5, 0.998), 16.454745203680107, 1e-12);
    /* agrees with the figures in PHEindicatormethods' funnel tests (a
     * bisection to 1e-7, so agreement within 1e-6 is what we can ask) */
    assert_rel(analytics_exact_lower(200, 0.95), 173.24086241121654, 1e-6);
    assert_rel(analytics_exact_upper(500, 0.998), 573.0274767209943, 1e-6);
}

static void test_wilson_limits_worked_example(void **s)
{
    (void)s;
    /* x = 50, n = 200: (2x + z^2 -/+ z sqrt(z^2 + 4x(1 - x/n))) / 2 / (n + z^2) */
    assert_rel(wilson_lower(50, 200, 0.95), 0.19508168006817497, 1e-12);
    assert_rel(wilson_upper(50, 200, 0.95), 0.31434098312045831, 1e-12);
    assert_rel(wilson_lower(50, 200, 0.998), 0.16825594266243035, 1e-12);
    assert_rel(wilson_upper(50, 200, 0.998), 0.35452992434964822, 1e-12);
    /* the same limits written as STANDARDS.md does */
    double z = stats_z(0.95), n = 200, p = 0.25;
    double lo =
        (p + z * z / (2 * n) - z * sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n);
    assert_rel(wilson_lower(50, 200, 0.95), lo, 1e-13);
    assert_true(wilson_lower(0, 10, 0.95) == 0.0);
    assert_true(isnan(wilson_lower(11, 10, 0.95)));
}

/* ---- estimates ------------------------------------------------------------ */

static void test_crude_rate_uses_exact_below_ten_and_byar_from_ten(void **s)
{
    (void)s;
    analytics_estimate r;
    ics_err e = {0};
    assert_int_equal(analytics_rate_crude(5, 10000, 100000, &r, &e), 0);
    assert_rel(r.value, 50.0, 1e-15);
    assert_int_equal(r.method, ANALYTICS_METHOD_EXACT);
    assert_true(r.small_count);
    assert_rel(r.lo95, 1.6234863901184205 * 10, 1e-12);
    assert_rel(r.hi95, 11.66833207932267 * 10, 1e-12);
    assert_int_equal(analytics_rate_crude(65, 100000, 100000, &r, &e), 0);
    assert_int_equal(r.method, ANALYTICS_METHOD_BYAR);
    assert_rel(r.value, 65.0, 1e-15);
    assert_rel(r.lo95, 50.163187710459443, 1e-12);
    assert_rel(r.hi998, 94.000290844317988, 1e-12);
    /* bad input */
    assert_int_equal(analytics_rate_crude(-1, 100, 1000, &r, &e), ICS_EINVAL);
    assert_int_equal(analytics_rate_crude(3, 0, 1000, &r, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "population of zero"));
    assert_int_equal(analytics_rate_crude(0, 0, 1000, &r, &e), 0);
    assert_int_equal(r.status, ANALYTICS_NO_DENOMINATOR);
    assert_true(isnan(r.value));
}

static void test_dsr_dobson_worked_example(void **s)
{
    (void)s;
    /* o = 10, 20, 30; n = 1000, 2000, 1000; w = 1, 1, 2.
     * DSR = (10/1000 + 20/2000 + 2*30/1000) / 4 = 0.02 -> 2000 per 100,000.
     * var = (10/1000^2 + 20/2000^2 + 4*30/1000^2) / 16 = 8.4375e-6; O = 60;
     * sqrt(var / O) * 1e5 = 37.5, so limits = 2000 + 37.5 (Byar(60) - 60). */
    const double o[] = {10, 20, 30}, n[] = {1000, 2000, 1000}, w[] = {1, 1, 2};
    analytics_estimate r;
    ics_err e = {0};
    assert_int_equal(analytics_dsr(o, n, w, 3, 100000, &r, &e), 0);
    assert_int_equal(r.status, ANALYTICS_OK);
    assert_int_equal(r.method, ANALYTICS_METHOD_DOBSON);
    assert_rel(r.value, 2000.0, 1e-14);
    assert_rel(r.lo95, 1466.8909818316413, 1e-12);
    assert_rel(r.hi95, 2646.2458980259716, 1e-12);
    assert_rel(r.lo998, 1207.0700540513767, 1e-12);
    assert_rel(r.hi998, 3051.2088306166128, 1e-12);
    assert_rel(r.observed, 60, 0);
    assert_rel(r.denominator, 4000, 0);
}

static void test_dsr_esp2013_equals_crude_when_rates_are_flat(void **s)
{
    (void)s;
    /* the same rate in every band: the DSR equals that rate whatever the
     * age structure, and the ESP weights sum to 100,000 */
    double o[38], n[38], w[38], sum = 0;
    for (int i = 0; i < 38; i++) {
        n[i] = 1000.0 * (1 + i % 7);
        o[i] = n[i] * 0.012;
        w[i] = analytics_esp2013[i % 19];
    }
    for (int i = 0; i < 19; i++) sum += analytics_esp2013[i];
    assert_rel(sum, 100000.0, 0);
    analytics_estimate r;
    ics_err e = {0};
    assert_int_equal(analytics_dsr(o, n, w, 38, 100000, &r, &e), 0);
    assert_rel(r.value, 1200.0, 1e-12);
    assert_true(r.lo95 < r.value && r.value < r.hi95);
    assert_true(r.lo998 < r.lo95 && r.hi95 < r.hi998);
}

static void test_dsr_suppressed_below_ten_events(void **s)
{
    (void)s;
    double o[19] = {0}, n[19];
    for (int i = 0; i < 19; i++) n[i] = 500;
    o[18] = 9;
    analytics_estimate r;
    ics_err e = {0};
    assert_int_equal(analytics_dsr(o, n, analytics_esp2013, 19, 100000, &r, &e), 0);
    assert_int_equal(r.status, ANALYTICS_SUPPRESSED);
    assert_true(r.small_count);
    assert_true(isnan(r.value) && isnan(r.lo95) && isnan(r.hi998));
    o[0] = 1; /* ten events: published */
    assert_int_equal(analytics_dsr(o, n, analytics_esp2013, 19, 100000, &r, &e), 0);
    assert_int_equal(r.status, ANALYTICS_OK);
    assert_false(r.small_count);
}

static void test_dsr_zero_population_band_reported_not_fatal(void **s)
{
    (void)s;
    double o[19], n[19];
    for (int i = 0; i < 19; i++) {
        n[i] = 1000;
        o[i] = 10;
    }
    n[18] = 0; /* nobody aged 90+ */
    o[18] = 0;
    analytics_estimate r;
    ics_err e = {0};
    assert_int_equal(analytics_dsr(o, n, analytics_esp2013, 19, 100000, &r, &e), 0);
    assert_int_equal(r.zero_pop_bands, 1);
    /* rate 1% in 18 bands, 0 in the empty one: (100000 - 1000) / 100000 x 1000 */
    assert_rel(r.value, 990.0, 1e-12);
    assert_true(isfinite(r.lo95) && isfinite(r.hi95));
    /* events with no population cannot be standardised: say which band */
    o[18] = 2;
    assert_int_equal(analytics_dsr(o, n, analytics_esp2013, 19, 100000, &r, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "2 events in the 90+ age band, whose population is zero");
    /* all empty: reported, not a division by zero */
    double z[19] = {0};
    assert_int_equal(analytics_dsr(z, z, analytics_esp2013, 19, 100000, &r, &e), 0);
    assert_int_equal(r.status, ANALYTICS_NO_DENOMINATOR);
}

static void test_dsr_batch_matches_single_and_isolates_bad_areas(void **s)
{
    (void)s;
    enum { A = 3, K = 38 };
    double o[A * K], n[A * K], w[K];
    for (int i = 0; i < K; i++) w[i] = analytics_esp2013[i % 19];
    for (int a = 0; a < A; a++)
        for (int i = 0; i < K; i++) {
            n[a * K + i] = 800 + 37 * i + 100 * a;
            o[a * K + i] = (i * 7 + a * 3) % 23;
        }
    n[2 * K + 5] = 0; /* area 3 has events with no population */
    analytics_estimate r[A], one;
    ics_err e = {0};
    assert_int_equal(analytics_dsr_batch(o, n, A, K, w, 100000, r, NULL, NULL), 1);
    assert_int_equal(analytics_dsr(o + K, n + K, w, K, 100000, &one, &e), 0);
    assert_rel(r[1].value, one.value, 0);
    assert_rel(r[1].hi998, one.hi998, 0);
    assert_int_equal(r[2].status, ANALYTICS_NO_DENOMINATOR);
    assert_true(isnan(r[2].value));
}

static void test_isr_worked_example(void **s)
{
    (void)s;
    /* reference rates 1% and 5%; local populations 2000 and 1000:
     * E = 2000 x 0.01 + 1000 x 0.05 = 70; O = 84; ISR = 1.2 (x 100 = 120) */
    const double o[] = {30, 54}, n[] = {2000, 1000}, ro[] = {100, 500}, rn[] = {10000, 10000};
    analytics_estimate r;
    ics_err e = {0};
    assert_int_equal(analytics_isr(o, 0, n, ro, rn, 2, 100, &r, &e), 0);
    assert_rel(r.denominator, 70.0, 1e-14);
    assert_rel(r.value, 120.0, 1e-14);
    assert_int_equal(r.method, ANALYTICS_METHOD_BYAR);
    assert_rel(r.lo95, analytics_byar_lower(84, 0.95) / 70 * 100, 1e-14);
    assert_rel(r.hi998, analytics_byar_upper(84, 0.998) / 70 * 100, 1e-14);
    /* observed total only, fewer than 10: exact limits */
    assert_int_equal(analytics_isr(NULL, 5, n, ro, rn, 2, 1, &r, &e), 0);
    assert_int_equal(r.method, ANALYTICS_METHOD_EXACT);
    assert_rel(r.value, 5.0 / 70, 1e-14);
    assert_rel(r.hi95, 11.66833207932267 / 70, 1e-12);
    const double bad[] = {1, -1};
    assert_int_equal(analytics_isr(bad, 0, n, ro, rn, 2, 1, &r, &e), ICS_EINVAL);
}

static void test_proportion_wilson(void **s)
{
    (void)s;
    analytics_estimate r;
    ics_err e = {0};
    assert_int_equal(analytics_proportion(50, 200, 100, &r, &e), 0);
    assert_rel(r.value, 25.0, 1e-15);
    assert_rel(r.lo95, 19.508168006817497, 1e-12);
    assert_rel(r.hi998, 35.452992434964822, 1e-12);
    assert_int_equal(analytics_proportion(201, 200, 100, &r, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "larger than denominator"));
}

/* ---- funnel plots ------------------------------------------------------- */

static void test_proportion_funnel_limit_touches_average(void **s)
{
    (void)s;
    /* the lower control limit L at size n is the proportion whose Wilson
     * upper limit equals the average p0; the upper limit U the one whose
     * Wilson lower limit does */
    double p0 = 0.3, n = 500;
    for (int k = 0; k < 2; k++) {
        double level = k ? 0.998 : 0.95;
        double L = analytics_funnel_prop_limit(level, n, p0, 0);
        double U = analytics_funnel_prop_limit(level, n, p0, 1);
        assert_true(L < p0 && p0 < U);
        assert_rel(wilson_upper(L * n, n, level), p0, 1e-12);
        assert_rel(wilson_lower(U * n, n, level), p0, 1e-12);
    }
}

static void test_ratio_funnel_flags(void **s)
{
    (void)s;
    /* O = 130, E = 100: Byar lower 95% 108.6 > 100 but 99.8% 101.5? check both */
    double lo95 = analytics_byar_lower(130, 0.95), lo998 = analytics_byar_lower(130, 0.998);
    assert_true(lo95 > 100.0);
    analytics_sig want = lo998 > 100.0 ? ANALYTICS_SIG_HIGH_998 : ANALYTICS_SIG_HIGH_95;
    assert_int_equal(analytics_funnel_sig_ratio(130, 100), want);
    assert_int_equal(analytics_funnel_sig_ratio(100, 100), ANALYTICS_SIG_NONE);
    assert_int_equal(analytics_funnel_sig_ratio(60, 100), ANALYTICS_SIG_LOW_998);
    /* zero events, expected 5: exact upper -ln(0.001)=6.9 > 5 so not low at 99.8%,
     * but -ln(0.025) = 3.69 < 5 so low at 95% */
    assert_int_equal(analytics_funnel_sig_ratio(0, 5), ANALYTICS_SIG_LOW_95);
}

static void test_rate_funnel_dsr_points_and_limits(void **s)
{
    (void)s;
    analytics_funnel_input in[] = {
        {"North", 1200, 0, 1100.0},
        {"South & East", 900, 0, 950.0},
        {"Tiny", 5, 0, 700.0},
        {"High <b>", 2600, 0, 1500.0},
    };
    analytics_funnel_opts o = {.kind = ANALYTICS_FUNNEL_RATE, .dsr = 1, .multiplier = 100000};
    analytics_funnel *f;
    ics_err e = {0};
    assert_int_equal(analytics_funnel_new(&o, in, 4, &f, &e), 0);
    /* derived populations: 1200/1100e-5 etc.; the average is events over them */
    double d0 = 1200 / 1100.0 * 1e5, d1 = 900 / 950.0 * 1e5, d2 = 5 / 700.0 * 1e5,
           d3 = 2600 / 1500.0 * 1e5;
    double av = (1200 + 900 + 5 + 2600) / (d0 + d1 + d2 + d3);
    assert_rel(f->baseline, av * 1e5, 1e-12);
    assert_int_equal(f->points[2].sig, ANALYTICS_SIG_NA); /* DSR under 10 events */
    assert_int_equal(f->points[3].sig, ANALYTICS_SIG_HIGH_998);
    assert_int_equal(f->points[3].sig,
                     analytics_funnel_sig_rate(2600, d3, av)); /* same test as Fingertips */
    /* every limit curve point: v events on the limit at population e/av */
    for (int li = 0; li < 4; li++) {
        const analytics_funnel_line *l = &f->lines[li];
        assert_int_equal(l->n, 100);
        for (size_t j = 1; j < l->n; j++) assert_true(l->x[j] > l->x[j - 1]);
        if (l->upper)
            assert_true(l->y[l->n - 1] > f->baseline);
        else
            assert_true(l->y[l->n - 1] < f->baseline);
    }
    sb b;
    sb_init(&b);
    analytics_chart_text t = {"NEL admissions", "Synthetic data", "Population", "DSR"};
    assert_int_equal(analytics_funnel_svg(f, &t, &b, &e), 0);
    assert_non_null(strstr(b.buf, "<svg"));
    assert_non_null(strstr(b.buf, "South &amp; East"));
    assert_non_null(strstr(b.buf, "High &lt;b&gt;"));
    assert_non_null(strstr(b.buf, "99.8% limits"));
    assert_non_null(strstr(b.buf, "Synthetic data"));
    assert_non_null(strstr(b.buf, "</svg>"));
    sb_free(&b);
    analytics_funnel_free(f);
}

static void test_funnel_rejects_bad_inputs(void **s)
{
    (void)s;
    analytics_funnel *f = NULL;
    ics_err e = {0};
    analytics_funnel_input in[] = {{"A", 10, 5, 0}};
    analytics_funnel_opts o = {.kind = ANALYTICS_FUNNEL_PROPORTION};
    assert_int_equal(analytics_funnel_new(&o, in, 1, &f, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "area 'A'"));
    in[0].numerator = -1;
    o.kind = ANALYTICS_FUNNEL_RATIO;
    assert_int_equal(analytics_funnel_new(&o, in, 1, &f, &e), ICS_EINVAL);
    assert_int_equal(analytics_funnel_new(&o, in, 0, &f, &e), ICS_EINVAL);
    assert_null(f);
}

static void test_proportion_funnel_flags_outlier(void **s)
{
    (void)s;
    analytics_funnel_input in[] = {
        {"A", 330, 1000, 0}, {"B", 335, 1000, 0}, {"C", 325, 1000, 0}, {"D", 420, 1000, 0}};
    analytics_funnel_opts o = {.kind = ANALYTICS_FUNNEL_PROPORTION};
    analytics_funnel *f;
    ics_err e = {0};
    assert_int_equal(analytics_funnel_new(&o, in, 4, &f, &e), 0);
    assert_rel(f->baseline, 1410.0 / 4000 * 100, 1e-14);
    assert_int_equal(f->points[3].sig, ANALYTICS_SIG_HIGH_998);
    assert_int_equal(f->points[0].sig, ANALYTICS_SIG_NONE);
    /* all denominators equal: axis 1000 x 0.95 down and 1000 x 1.05 up, to 1 and 2 figures */
    assert_rel(f->xmin, 900, 0);
    assert_rel(f->xmax, 1100, 0);
    /* Fingertips' grid: from 900, each step round((1100/prev)^(1/(100-j)) prev), >= prev + 1;
     * step 1: 900 x (11/9)^(1/99) = 901.83 -> 902; the last reaches 1100 */
    assert_rel(f->lines[0].x[0], 900, 0);
    assert_rel(f->lines[0].x[1], 902, 0);
    assert_rel(f->lines[0].x[99], 1100, 0);
    assert_rel(f->lines[3].y[0], analytics_funnel_prop_limit(0.998, 900, 0.3525, 1) * 100, 1e-12);
    analytics_funnel_free(f);
}

/* ---- means ---------------------------------------------------------------- */

static void test_mean_with_t_limits_and_flag(void **s)
{
    (void)s;
    /* values 2, 4, 6: mean 4, sd 2, se 2/sqrt3; t(0.975, 2) = 4.302653 */
    analytics_mean m;
    ics_err e = {0};
    assert_int_equal(analytics_mean_compute(3, 12, 4 + 16 + 36, 4, 2, &m, &e), 0);
    assert_rel(m.mean, 4.0, 1e-15);
    assert_rel(m.sd, 2.0, 1e-15);
    double t = 0.95 / sqrt(2 * 0.975 * 0.025);
    assert_rel(m.lo95, 4 - t * 2 / sqrt(3), 1e-12);
    assert_int_equal(m.sig, ANALYTICS_SIG_NONE);
    /* 100 stays, mean 30 vs overall 20 sd 10: z = 10 > 3.09 */
    assert_int_equal(analytics_mean_compute(100, 3000, 100 * (900 + 100), 20, 10, &m, &e), 0);
    assert_int_equal(m.sig, ANALYTICS_SIG_HIGH_998);
    assert_int_equal(analytics_mean_compute(1, 5, 25, 4, 2, &m, &e), 0);
    assert_int_equal(m.sig, ANALYTICS_SIG_NA);
}

/* ---- allocation ------------------------------------------------------------ */

static void two_places(analytics_alloc_place p[2], analytics_alloc_weights *w)
{
    memset(p, 0, 2 * sizeof *p);
    memset(w, 0, sizeof *w);
    strcpy(p[0].code, "A");
    strcpy(p[0].name, "Alpha");
    strcpy(p[1].code, "B");
    strcpy(p[1].name, "Beta");
    /* A: 1000 young men; B: 500 young + 500 old women */
    p[0].pop[0][2] = 1000;
    p[1].pop[1][2] = 500;
    p[1].pop[1][17] = 500;
    for (int s = 0; s < 2; s++)
        for (int b = 0; b < 19; b++) w->cost[s][b] = b >= 13 ? 3.0 : 1.0;
    /* A all in quintile 1 (need 1.2), B all in quintile 5 (need 0.9) */
    p[0].lsoa_quintile[0] = 10;
    p[1].lsoa_quintile[4] = 10;
    double qn[5] = {1.2, 1.1, 1.0, 0.95, 0.9};
    memcpy(w->quintile_need, qn, sizeof qn);
    p[0].current = 500;
    p[1].current = 500;
}

static void test_alloc_target_shares_worked_example(void **s)
{
    (void)s;
    analytics_alloc_place p[2];
    analytics_alloc_weights w;
    two_places(p, &w);
    /* weighted: A = 1000 x 1 x 1.2 = 1200; B = (500 x 1 + 500 x 3) x 0.9 = 1800;
     * shares 0.4 and 0.6; targets 400 and 600 of 1000; distances +25% and -16.7% */
    analytics_alloc *a;
    ics_err e = {0};
    assert_int_equal(analytics_alloc_new(p, 2, &w, NULL, &a, &e), 0);
    assert_rel(a->places[0].weighted_population, 1200, 1e-14);
    assert_rel(a->places[1].weighted_population, 1800, 1e-14);
    assert_rel(a->places[0].target_share, 0.4, 1e-14);
    assert_rel(a->places[1].target, 600, 1e-14);
    assert_rel(a->places[0].distance, 0.25, 1e-14);
    assert_rel(a->places[1].distance, -100.0 / 600, 1e-14);
    sb b;
    sb_init(&b);
    assert_int_equal(analytics_alloc_svg(a, NULL, &b, &e), 0);
    assert_non_null(strstr(b.buf, "Alpha"));
    sb_free(&b);
    analytics_alloc_free(a);
}

static void test_alloc_pace_of_change_respects_floor_cap_and_budget(void **s)
{
    (void)s;
    analytics_alloc_place p[2];
    analytics_alloc_weights w;
    two_places(p, &w);
    analytics_pace pc = {
        .budget_growth = 0.03, .pace = 0.5, .floor = 0.01, .cap = 0.06, .years = 5};
    analytics_alloc *a;
    ics_err e = {0};
    assert_int_equal(analytics_alloc_new(p, 2, &w, &pc, &a, &e), 0);
    for (int y = 1; y <= 5; y++) {
        double tot = a->places[0].alloc[y] + a->places[1].alloc[y];
        assert_rel(tot, 1000 * pow(1.03, y), 1e-9);
        for (int i = 0; i < 2; i++) {
            assert_true(a->places[i].growth[y] >= 0.01 - 1e-12);
            assert_true(a->places[i].growth[y] <= 0.06 + 1e-12);
        }
        /* the gap narrows every year */
        assert_true(fabs(a->places[0].dist[y]) < fabs(a->places[0].dist[y - 1]));
    }
    /* year 1: A over target gets the floor, B the rest: 1030 - 505 = 525 (5%) */
    assert_rel(a->places[0].alloc[1], 505, 1e-9);
    assert_rel(a->places[1].alloc[1], 525, 1e-9);
    analytics_alloc_free(a);
    /* a floor above budget growth cannot be paid for */
    pc.floor = 0.04;
    assert_int_equal(analytics_alloc_new(p, 2, &w, &pc, &a, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "floor"));
    pc.floor = 0.01;
    w.cost[0][2] = -1;
    assert_int_equal(analytics_alloc_new(p, 2, &w, &pc, &a, &e), ICS_EINVAL);
}

/* ---- synthetic data and import ------------------------------------------ */

static void test_synthetic_nel_is_deterministic_and_follows_deprivation(void **s)
{
    (void)s;
    analytics_synth_area ar[2];
    memset(ar, 0, sizeof ar);
    for (int sx = 0; sx < 2; sx++)
        for (int b = 0; b < 19; b++) ar[0].pop[sx][b] = ar[1].pop[sx][b] = 20000;
    ar[0].imd_score = 10;
    ar[1].imd_score = 40;
    double c1[76], c2[76];
    ics_err e = {0};
    assert_int_equal(analytics_synth_nel(ar, 2, 42, c1, &e), 0);
    assert_int_equal(analytics_synth_nel(ar, 2, 42, c2, &e), 0);
    assert_memory_equal(c1, c2, sizeof c1);
    double t0 = 0, t1 = 0;
    for (int i = 0; i < 38; i++) {
        t0 += c1[i];
        t1 += c1[38 + i];
    }
    /* exp(0.015 x 30) = 1.57 times the rate, far beyond a 5% area effect */
    assert_true(t1 > 1.3 * t0);
    assert_int_equal(analytics_synth_nel(ar, 2, 43, c2, &e), 0);
    assert_true(memcmp(c1, c2, sizeof c1) != 0);
}

static csv_doc *parse(const char *text)
{
    csv_doc *d = NULL;
    ics_err e = {0};
    assert_int_equal(csv_parse(text, strlen(text), "counts.csv", &d, &e), 0);
    return d;
}

static char *full_csv(const char *area, int skip_band, const char *bad_value)
{
    sb b;
    sb_init(&b);
    sb_puts(&b, "area_code,sex,age_band,count\n");
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 19; i++) {
            if (s == 1 && i == skip_band) continue;
            sb_printf(&b, "%s,%s,%s,%s\n", area, s ? "F" : "M", analytics_band_names[i],
                      (s == 0 && i == 3 && bad_value) ? bad_value : "7");
        }
    return sb_steal(&b);
}

static void test_import_validates_and_names_the_row(void **s)
{
    (void)s;
    const char *known[] = {"E09000005", "E09000009"};
    analytics_table *t = NULL;
    ics_err e = {0};
    char *txt = full_csv("E09000005", -1, NULL);
    csv_doc *d = parse(txt);
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), 0);
    assert_int_equal(t->nareas, 1);
    assert_rel(t->v[0][1][18], 7, 0);
    assert_int_equal(analytics_table_find(t, "E09000005"), 0);
    analytics_table_free(t);
    csv_free(d);
    free(txt);

    txt = full_csv("E09000099", -1, NULL);
    d = parse(txt);
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "counts.csv line 2: unknown area 'E09000099'");
    csv_free(d);
    free(txt);

    txt = full_csv("E09000005", -1, "-3");
    d = parse(txt);
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), ICS_EINVAL);
    assert_string_equal(e.msg, "counts.csv line 5: count '-3' is negative");
    csv_free(d);
    free(txt);

    txt = full_csv("E09000005", -1, "2.5");
    d = parse(txt);
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "not a whole number"));
    csv_free(d);
    free(txt);

    txt = full_csv("E09000005", 18, NULL);
    d = parse(txt);
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "area 'E09000005'"));
    assert_non_null(strstr(e.msg, "sex F, age band 90+"));
    csv_free(d);
    free(txt);

    d = parse("area_code,sex,age_band,count\nE09000005,M,0-4,1\nE09000005,M,0-4,2\n");
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "line 3: duplicate"));
    csv_free(d);
    d = parse("area_code,sex,age_band,count\nE09000005,X,0-4,1\n");
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "sex 'X'"));
    csv_free(d);
    d = parse("area_code,sex,age_band,count\nE09000005,M,0-5,1\n");
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "age band '0-5'"));
    csv_free(d);
    d = parse("area_code,sex,age_band,population\nE09000005,M,0-4,1\n");
    assert_int_equal(analytics_table_from_csv(d, "count", known, 2, &t, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "missing column 'count'"));
    csv_free(d);
}

static void test_table_indexes_many_areas(void **s)
{
    (void)s;
    analytics_table *t = analytics_table_new();
    ics_err e = {0};
    char code[16], where[32];
    for (int a = 0; a < 3000; a++)
        for (int b = 0; b < 19; b++) {
            snprintf(code, sizeof code, "A%04d", a);
            snprintf(where, sizeof where, "row %d", a * 19 + b);
            assert_int_equal(analytics_table_add(t, where, (size_t)a, code, "M",
                                                 analytics_band_names[b], a + b, 1, NULL, 0, &e),
                             0);
        }
    assert_int_equal(t->nareas, 3000);
    assert_int_equal(analytics_table_find(t, "A2999"), 2999);
    assert_int_equal(analytics_table_find(t, "A0000"), 0);
    assert_int_equal(analytics_table_find(t, "B0000"), -1);
    assert_rel(t->v[1234][0][5], 1239, 0);
    /* females missing everywhere: the first area is named */
    assert_int_equal(analytics_table_check_complete(t, "row", &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "area 'A0000' (first seen at row 0) has no row for sex F"));
    assert_int_equal(analytics_table_add(t, "rows[7]", 7, "A0001", "M", "0-4", 1, 1, NULL, 0, &e),
                     ICS_EINVAL);
    assert_string_equal(e.msg, "rows[7]: duplicate row for A0001, sex M, age band 0-4");
    analytics_table_free(t);
}

static void test_alloc_without_scenario_has_year_zero_only(void **s)
{
    (void)s;
    analytics_alloc_place p[2];
    analytics_alloc_weights w;
    two_places(p, &w);
    p[1].current = 0; /* no spend yet: fine without a scenario, refused with one */
    analytics_alloc *a;
    ics_err e = {0};
    assert_int_equal(analytics_alloc_new(p, 2, &w, NULL, &a, &e), 0);
    assert_int_equal(a->years, 0);
    assert_rel(a->places[1].distance, -1.0, 1e-15);
    analytics_alloc_free(a);
    analytics_pace pc = {.budget_growth = 0.03, .pace = 0.5, .floor = 0.0, .cap = 0.1, .years = 2};
    assert_int_equal(analytics_alloc_new(p, 2, &w, &pc, &a, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "place B"));
}

static void test_chart_ticks_and_numbers_read_well(void **s)
{
    (void)s;
    double t[32], step;
    int n = chart_ticks(0, 370000, 6, t, 32, &step);
    assert_rel(step, 100000, 0); /* 370,000 / 6 = 61,667 -> 100,000 */
    assert_int_equal(n, 4);
    assert_rel(t[3], 300000, 0);
    n = chart_ticks(10433.5, 11939.1, 6, t, 32, &step);
    assert_rel(step, 500, 0);
    assert_rel(t[0], 10500, 0);
    char buf[64];
    chart_num(buf, sizeof buf, 1234567, 100000);
    assert_string_equal(buf, "1,234,567");
    chart_num(buf, sizeof buf, -2.5, 0.5);
    assert_string_equal(buf, "-2.5");
    chart_num(buf, sizeof buf, 0.126, 0.05);
    assert_string_equal(buf, "0.13");
    chart_num(buf, sizeof buf, 999.96, 0.1);
    assert_string_equal(buf, "1,000.0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_z_values_match_standards),
        cmocka_unit_test(test_gamma_and_t_quantiles_match_closed_forms),
        cmocka_unit_test(test_byar_limits_worked_example),
        cmocka_unit_test(test_exact_poisson_limits_closed_forms),
        cmocka_unit_test(test_wilson_limits_worked_example),
        cmocka_unit_test(test_crude_rate_uses_exact_below_ten_and_byar_from_ten),
        cmocka_unit_test(test_dsr_dobson_worked_example),
        cmocka_unit_test(test_dsr_esp2013_equals_crude_when_rates_are_flat),
        cmocka_unit_test(test_dsr_suppressed_below_ten_events),
        cmocka_unit_test(test_dsr_zero_population_band_reported_not_fatal),
        cmocka_unit_test(test_dsr_batch_matches_single_and_isolates_bad_areas),
        cmocka_unit_test(test_isr_worked_example),
        cmocka_unit_test(test_proportion_wilson),
        cmocka_unit_test(test_proportion_funnel_limit_touches_average),
        cmocka_unit_test(test_ratio_funnel_flags),
        cmocka_unit_test(test_rate_funnel_dsr_points_and_limits),
        cmocka_unit_test(test_funnel_rejects_bad_inputs),
        cmocka_unit_test(test_proportion_funnel_flags_outlier),
        cmocka_unit_test(test_mean_with_t_limits_and_flag),
        cmocka_unit_test(test_alloc_target_shares_worked_example),
        cmocka_unit_test(test_alloc_pace_of_change_respects_floor_cap_and_budget),
        cmocka_unit_test(test_synthetic_nel_is_deterministic_and_follows_deprivation),
        cmocka_unit_test(test_import_validates_and_names_the_row),
        cmocka_unit_test(test_table_indexes_many_areas),
        cmocka_unit_test(test_alloc_without_scenario_has_year_zero_only),
        cmocka_unit_test(test_chart_ticks_and_numbers_read_well),
    };
    return cmocka_run_group_tests_name("analytics", tests, NULL, NULL);
}
