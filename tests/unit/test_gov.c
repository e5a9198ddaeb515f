/* test_gov.c - the governance engine against examples worked by hand in
 * docs/governance.md: the weighted-sum ranking, survey weights with t-based
 * intervals, the smallest weight change that alters the top three, and
 * the accountability rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "gov/gov.h"

/* Three work areas on two criteria, weights 1 and 3 (0.25 and 0.75):
 * A 8,2 -> 3.5; B 4,6 -> 5.5; C 6,4 -> 4.5. */
static void test_mcda_ranks_by_weighted_sum_with_normalised_weights(void **state)
{
    (void)state;
    const double score[] = {8, 2, 4, 6, 6, 4}, w[] = {1, 3};
    double total[3];
    int order[3];
    ics_err e = {0};
    assert_int_equal(gov_mcda_rank(score, 3, 2, w, total, order, &e), 0);
    assert_float_equal(total[0], 3.5, 1e-12);
    assert_float_equal(total[1], 5.5, 1e-12);
    assert_float_equal(total[2], 4.5, 1e-12);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 0);
}

static void test_mcda_ties_break_by_position(void **state)
{
    (void)state;
    const double score[] = {5, 5, 5, 5}, w[] = {1, 1};
    double total[2];
    int order[2];
    ics_err e = {0};
    assert_int_equal(gov_mcda_rank(score, 2, 2, w, total, order, &e), 0);
    assert_int_equal(order[0], 0);
}

static void test_mcda_refuses_negative_weight(void **state)
{
    (void)state;
    const double score[] = {1, 2}, w[] = {1, -0.5};
    double total[1];
    int order[1];
    ics_err e = {0};
    assert_int_equal(gov_mcda_rank(score, 1, 2, w, total, order, &e), ICS_EINVAL);
}

static void test_mcda_refuses_all_zero_weights(void **state)
{
    (void)state;
    const double score[] = {1, 2}, w[] = {0, 0};
    double total[1];
    int order[1];
    ics_err e = {0};
    assert_int_equal(gov_mcda_rank(score, 1, 2, w, total, order, &e), ICS_EINVAL);
}

static void test_mcda_refuses_nan_score(void **state)
{
    (void)state;
    const double score[] = {1, NAN}, w[] = {1, 1};
    double total[1];
    int order[1];
    ics_err e = {0};
    assert_int_equal(gov_mcda_rank(score, 1, 2, w, total, order, &e), ICS_EINVAL);
}

/* Respondents 1:1, 3:1 and 1:3 normalise to 0.5, 0.75, 0.25 for the first
 * criterion: mean 0.5, s = 0.25, t(0.975, 2) = 4.302653, half-width
 * 4.302653 * 0.25 / sqrt(3) = 0.621034. */
static void test_weights_mean_and_t_interval(void **state)
{
    (void)state;
    const double raw[] = {1, 1, 3, 1, 1, 3};
    double mean[2], lo[2], hi[2];
    int has_ci = -1;
    ics_err e = {0};
    assert_int_equal(gov_weights_ci(raw, 3, 2, mean, lo, hi, &has_ci, &e), 0);
    assert_float_equal(mean[0], 0.5, 1e-12);
    assert_float_equal(lo[0], 0.5 - 0.621034, 1e-6);
    assert_float_equal(hi[1], 0.5 + 0.621034, 1e-6);
    assert_int_equal(has_ci, 1);
}

static void test_weights_one_respondent_has_no_interval(void **state)
{
    (void)state;
    const double raw[] = {2, 6};
    double mean[2], lo[2], hi[2];
    int has_ci = -1;
    ics_err e = {0};
    assert_int_equal(gov_weights_ci(raw, 1, 2, mean, lo, hi, &has_ci, &e), 0);
    assert_float_equal(mean[1], 0.75, 1e-12);
    assert_int_equal(has_ci, 0);
}

static void test_weights_refuse_a_row_of_zeros(void **state)
{
    (void)state;
    const double raw[] = {1, 1, 0, 0};
    double mean[2], lo[2], hi[2];
    int has_ci;
    ics_err e = {0};
    assert_int_equal(gov_weights_ci(raw, 2, 2, mean, lo, hi, &has_ci, &e), ICS_EINVAL);
}

/* Four areas, equal weights: A 10,0 (5); B 0,8 (4); C 6,6 (6); D 3,3 (3).
 * Top three C, A, B. Moving the first weight up by d: A = 5 + 10d passes
 * C at d = 0.1. Down: A = 5 + 10d meets B = 4 - 8d at d = -1/18. */
static const double four[] = {10, 0, 0, 8, 6, 6, 3, 3};

static void test_sensitivity_up_is_first_crossing(void **state)
{
    (void)state;
    const double w[] = {1, 1};
    double up[2], down[2];
    ics_err e = {0};
    assert_int_equal(gov_mcda_sensitivity(four, 4, 2, w, up, down, &e), 0);
    assert_float_equal(up[0], 0.1, 1e-9);
}

static void test_sensitivity_down_is_first_crossing(void **state)
{
    (void)state;
    const double w[] = {1, 1};
    double up[2], down[2];
    ics_err e = {0};
    assert_int_equal(gov_mcda_sensitivity(four, 4, 2, w, up, down, &e), 0);
    assert_float_equal(down[0], 1.0 / 18, 1e-9);
}

static void test_sensitivity_second_weight_mirrors_first(void **state)
{
    (void)state;
    const double w[] = {1, 1};
    double up[2], down[2];
    ics_err e = {0};
    assert_int_equal(gov_mcda_sensitivity(four, 4, 2, w, up, down, &e), 0);
    assert_float_equal(up[1], 1.0 / 18, 1e-9);
}

/* X dominates Y on every criterion: no weight change reorders them. */
static void test_sensitivity_none_when_one_option_dominates(void **state)
{
    (void)state;
    const double score[] = {5, 5, 1, 1}, w[] = {1, 1};
    double up[2], down[2];
    ics_err e = {0};
    assert_int_equal(gov_mcda_sensitivity(score, 2, 2, w, up, down, &e), 0);
    assert_float_equal(up[0], -1, 0);
}

static void test_track_higher_better_meets_target(void **state)
{
    (void)state;
    assert_int_equal(gov_track_status(72.0, 70.0, GOV_HIGHER_BETTER), GOV_ON_TRACK);
}

static void test_track_higher_better_below_target(void **state)
{
    (void)state;
    assert_int_equal(gov_track_status(68.0, 70.0, GOV_HIGHER_BETTER), GOV_OFF_TRACK);
}

static void test_track_lower_better_above_target(void **state)
{
    (void)state;
    assert_int_equal(gov_track_status(30.0, 28.0, GOV_LOWER_BETTER), GOV_OFF_TRACK);
}

static void test_track_no_value_is_no_data(void **state)
{
    (void)state;
    assert_int_equal(gov_track_status(NAN, 28.0, GOV_LOWER_BETTER), GOV_NO_DATA);
}

static void test_trend_rising_value_improves_when_higher_better(void **state)
{
    (void)state;
    assert_int_equal(gov_track_trend(65, 68, GOV_HIGHER_BETTER, 0.5), GOV_IMPROVING);
}

static void test_trend_rising_value_worsens_when_lower_better(void **state)
{
    (void)state;
    assert_int_equal(gov_track_trend(30, 31, GOV_LOWER_BETTER, 0.5), GOV_WORSENING);
}

static void test_trend_within_tolerance_is_steady(void **state)
{
    (void)state;
    assert_int_equal(gov_track_trend(30, 30.4, GOV_LOWER_BETTER, 0.5), GOV_STEADY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mcda_ranks_by_weighted_sum_with_normalised_weights),
        cmocka_unit_test(test_mcda_ties_break_by_position),
        cmocka_unit_test(test_mcda_refuses_negative_weight),
        cmocka_unit_test(test_mcda_refuses_all_zero_weights),
        cmocka_unit_test(test_mcda_refuses_nan_score),
        cmocka_unit_test(test_weights_mean_and_t_interval),
        cmocka_unit_test(test_weights_one_respondent_has_no_interval),
        cmocka_unit_test(test_weights_refuse_a_row_of_zeros),
        cmocka_unit_test(test_sensitivity_up_is_first_crossing),
        cmocka_unit_test(test_sensitivity_down_is_first_crossing),
        cmocka_unit_test(test_sensitivity_second_weight_mirrors_first),
        cmocka_unit_test(test_sensitivity_none_when_one_option_dominates),
        cmocka_unit_test(test_track_higher_better_meets_target),
        cmocka_unit_test(test_track_higher_better_below_target),
        cmocka_unit_test(test_track_lower_better_above_target),
        cmocka_unit_test(test_track_no_value_is_no_data),
        cmocka_unit_test(test_trend_rising_value_improves_when_higher_better),
        cmocka_unit_test(test_trend_rising_value_worsens_when_lower_better),
        cmocka_unit_test(test_trend_within_tolerance_is_steady),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
