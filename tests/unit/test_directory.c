/* test_directory.c - opening-hours grammar and the collection validators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "directory/directory.h"

static void test_hours_weekday_weekend_and_bank_holiday(void **s)
{
    (void)s;
    dir_hours h;
    ics_err e = {0};
    assert_int_equal(
        directory_hours_parse("Mon-Fri 08:00-20:00; Sat-Sun 09:00-17:00; BH closed", &h, &e), 0);
    assert_int_equal(h.n[0], 1);
    assert_int_equal(h.iv[0][0].open, 480);
    assert_int_equal(h.iv[0][0].close, 1200);
    assert_int_equal(h.iv[6][0].open, 540);
    assert_int_equal(h.n[DIR_BH], 0);
    assert_int_equal(h.bh_set, 1);
    sb b;
    sb_init(&b);
    directory_hours_format(&h, &b);
    assert_string_equal(b.buf, "Mon 08:00-20:00; Tue 08:00-20:00; Wed 08:00-20:00; Thu "
                               "08:00-20:00; Fri 08:00-20:00; Sat 09:00-17:00; Sun 09:00-17:00; "
                               "BH closed");
    sb_free(&b);
}

static void test_hours_overnight_and_24_7(void **s)
{
    (void)s;
    dir_hours h;
    ics_err e = {0};
    assert_int_equal(directory_hours_parse("Mon-Sun 20:00-08:00", &h, &e), 0);
    assert_int_equal(h.iv[3][0].open, 1200);
    assert_int_equal(h.iv[3][0].close, 480); /* runs past midnight */
    assert_int_equal(h.bh_set, 0);           /* bank holidays keep their weekday's hours */
    assert_int_equal(directory_hours_parse("24/7", &h, &e), 0);
    assert_int_equal(h.iv[2][0].close, 1440);
    assert_int_equal(directory_hours_parse("Mon-Fri 08:00-12:00 13:00-18:00", &h, &e), 0);
    assert_int_equal(h.n[4], 2);
    assert_int_equal(h.iv[4][1].open, 780);
}

static void test_hours_rejects_nonsense(void **s)
{
    (void)s;
    dir_hours h;
    ics_err e = {0};
    assert_int_equal(directory_hours_parse("Mon-Fri 8am-8pm", &h, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "not understood"));
    assert_int_equal(directory_hours_parse("Fri-Mon 08:00-20:00", &h, &e), ICS_EINVAL);
    assert_int_equal(directory_hours_parse("Mon 25:00-26:00", &h, &e), ICS_EINVAL);
    assert_int_equal(directory_hours_parse("Mon 08:00-08:00", &h, &e), ICS_EINVAL);
    assert_int_equal(directory_hours_parse("", &h, &e), ICS_EINVAL);
}

static void test_value_check_normalises_and_names_problem(void **s)
{
    (void)s;
    const dir_collection *sites = directory_collection_find("sites");
    const dir_collection *svc = directory_collection_find("services");
    assert_non_null(sites);
    char out[256];
    ics_err e = {0};
    assert_int_equal(
        directory_value_check(directory_column_find(sites, "postcode"), " ub8 3nn ", out, &e), 0);
    assert_string_equal(out, "UB8 3NN");
    assert_int_equal(directory_value_check(directory_column_find(sites, "lat"), "151.2", out, &e),
                     ICS_EINVAL);
    assert_int_equal(directory_value_check(directory_column_find(svc, "capabilities"),
                                           "falls  frailty", out, &e),
                     0);
    assert_string_equal(out, "falls frailty");
    assert_int_equal(directory_value_check(directory_column_find(svc, "capabilities"),
                                           "falls teleportation", out, &e),
                     ICS_EINVAL);
    assert_non_null(strstr(e.msg, "'teleportation' is not a known capability"));
    assert_int_equal(directory_value_check(directory_column_find(svc, "min_age"), "-3", out, &e),
                     ICS_EINVAL);
    assert_int_equal(directory_value_check(directory_column_find(svc, "name"), "", out, &e),
                     ICS_EINVAL);
    assert_int_equal(directory_value_check(directory_column_find(svc, "phone"), "", out, &e), 0);
}

static void test_capability_list_starts_with_nine_ucr_conditions(void **s)
{
    (void)s;
    assert_int_equal(directory_capability_find("falls"), 0);
    assert_int_equal(directory_capability_find("carer_breakdown"), 8);
    assert_int_equal(directory_capability_find("nonsense"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hours_weekday_weekend_and_bank_holiday),
        cmocka_unit_test(test_hours_overnight_and_24_7),
        cmocka_unit_test(test_hours_rejects_nonsense),
        cmocka_unit_test(test_value_check_normalises_and_names_problem),
        cmocka_unit_test(test_capability_list_starts_with_nine_ucr_conditions),
    };
    return cmocka_run_group_tests_name("directory", tests, NULL, NULL);
}
