/* test_live.c - who receives a change event (app_event_visible: the role
 * must be one that may read the object, an organisation-bound role must be
 * a party, the event's ICS one they may see) and the hub's wake-up (no wake is lost between two
 * waits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <time.h>

#include "app/hub.h"
#include "app/live.h"

static app_ctx who(const char *role, unsigned bit, const char *org)
{
    app_ctx c = {NULL, {"t", role, bit, org, "api"}, 0, 0, NULL, ""};
    return c;
}

static void test_bed_status_goes_to_board_roles_only(void **s)
{
    (void)s;
    app_ctx coord = who("coordinator", ROLE_COORDINATOR, "QRV");
    app_ctx clin = who("clinician", ROLE_CLINICIAN, "R1K");
    app_ctx ops = who("trust_ops", ROLE_TRUST_OPS, "R1K");
    assert_int_equal(app_event_visible(&coord, "bed.status", ",R1K,", "QRV", ",QRV,"), 1);
    assert_int_equal(app_event_visible(&clin, "bed.status", ",R1K,", "QRV", ",QRV,"), 0);
    assert_int_equal(app_event_visible(&ops, "bed.status", ",R1K,", "QRV", ",QRV,"), 0);
}

static void test_org_bound_roles_need_to_be_a_party(void **s)
{
    (void)s;
    app_ctx ryj = who("clinician", ROLE_CLINICIAN, "RYJ");
    app_ctx site = who("clinician", ROLE_CLINICIAN, "RYJ01");
    assert_int_equal(app_event_visible(&ryj, "referral.created", ",RRU,RYJ,", "QRV", ",QRV,"), 1);
    assert_int_equal(app_event_visible(&ryj, "referral.created", ",RRU,RV3,", "QRV", ",QRV,"), 0);
    assert_int_equal(app_event_visible(&ryj, "directory.changed", ",RYJ01,", "QRV", ",QRV,"),
                     1); /* its site */
    assert_int_equal(app_event_visible(&site, "directory.changed", ",RYJ,", "QRV", ",QRV,"),
                     0); /* not its trust */
    assert_int_equal(app_event_visible(&ryj, "directory.changed", NULL, "QRV", ",QRV,"),
                     1); /* ICS-wide */
}

static void test_bed_referral_events_reach_the_referrer_only(void **s)
{
    (void)s;
    app_ctx referrer = who("clinician", ROLE_CLINICIAN, "RYJ");
    app_ctx unit = who("clinician", ROLE_CLINICIAN, "RV3");
    assert_int_equal(
        app_event_visible(&referrer, "bed_referral.offered", ",RYJ,RV3,", "QRV", ",QRV,"), 1);
    assert_int_equal(app_event_visible(&unit, "bed_referral.offered", ",RYJ,RV3,", "QRV", ",QRV,"),
                     0);
}

static void test_admin_only_and_unknown_types(void **s)
{
    (void)s;
    app_ctx admin = who("admin", ROLE_ADMIN, "QRV");
    app_ctx coord = who("coordinator", ROLE_COORDINATOR, "QRV");
    assert_int_equal(app_event_visible(&coord, "user.added", ",QRV,", "QRV", ",QRV,"), 0);
    assert_int_equal(app_event_visible(&coord, "job.finished", NULL, "QRV", ",QRV,"), 0);
    assert_int_equal(app_event_visible(&coord, "something.new", NULL, "QRV", ",QRV,"), 0);
    assert_int_equal(app_event_visible(&admin, "something.new", NULL, "QRV", ",QRV,"), 1);
    assert_int_equal(app_event_visible(&admin, NULL, NULL, "QRV", ",QRV,"), 0);
}

static void test_events_of_an_unseen_ics_are_not_delivered(void **s)
{
    (void)s;
    app_ctx coord = who("coordinator", ROLE_COORDINATOR, "QRV");
    app_ctx admin = who("admin", ROLE_ADMIN, "");
    assert_int_equal(app_event_visible(&coord, "bed.status", NULL, "QM7", ",QRV,"), 0);
    assert_int_equal(app_event_visible(&coord, "bed.status", NULL, "QM7", ",QRV,QM7,"), 1);
    /* a code that is only part of a visible one is not it */
    assert_int_equal(app_event_visible(&coord, "bed.status", NULL, "QM", ",QRV,QM7,"), 0);
    assert_int_equal(app_event_visible(&coord, "bed.status", NULL, "M7", ",QRV,QM7,"), 0);
    assert_int_equal(app_event_visible(&admin, "bed.status", NULL, "QWE", "*"), 1);
    assert_int_equal(app_event_visible(&admin, "bed.status", NULL, NULL, "*"), 0);
    assert_int_equal(app_event_visible(&admin, "bed.status", NULL, "QRV", NULL), 0);
}

static void *waker(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    hub_wake(42);
    return NULL;
}

static void test_hub_wakes_a_waiter_and_loses_no_wake(void **s)
{
    (void)s;
    uint64_t gen = hub_wakes();
    assert_int_equal(hub_wait(&gen, 10), 0); /* nothing happened: timeout */
    pthread_t th;
    pthread_create(&th, NULL, waker, NULL);
    assert_int_equal(hub_wait(&gen, 5000), 1);
    pthread_join(th, NULL);
    assert_true(hub_last() >= 42);
    hub_wake(0); /* a wake between two waits is seen by the next wait at once */
    assert_int_equal(hub_wait(&gen, 5000), 1);
    assert_int_equal(hub_wait(&gen, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bed_status_goes_to_board_roles_only),
        cmocka_unit_test(test_org_bound_roles_need_to_be_a_party),
        cmocka_unit_test(test_bed_referral_events_reach_the_referrer_only),
        cmocka_unit_test(test_admin_only_and_unknown_types),
        cmocka_unit_test(test_events_of_an_unseen_ics_are_not_delivered),
        cmocka_unit_test(test_hub_wakes_a_waiter_and_loses_no_wake),
    };
    return cmocka_run_group_tests_name("live", tests, NULL, NULL);
}
