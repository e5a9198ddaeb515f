/* test_metrics.c - the metrics registry: counters, gauges and histograms
 * keep exact counts under concurrent updates, and render as Prometheus
 * text with cumulative buckets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"

static void *bump(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        metrics_inc("t_hits_total", "route=\"/a\"");
        metrics_gauge_add("t_level", "", 1);
        metrics_gauge_add("t_level", "", -1);
    }
    return NULL;
}

static void test_counters_are_exact_under_threads(void **s)
{
    (void)s;
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, bump, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    assert_true(metrics_value("t_hits_total", "route=\"/a\"") == 400000);
    assert_true(metrics_value("t_level", "") == 0);
    assert_true(metrics_value("t_hits_total", "route=\"/b\"") == 0); /* never made */
}

static void test_histogram_renders_cumulative_buckets(void **s)
{
    (void)s;
    static const double b[] = {0.1, 1};
    metrics_describe("t_wait_seconds", METRIC_HISTOGRAM, "Waits", b, 2);
    metrics_observe("t_wait_seconds", "unit=\"x\"", 0.05);
    metrics_observe("t_wait_seconds", "unit=\"x\"", 0.5);
    metrics_observe("t_wait_seconds", "unit=\"x\"", 0.5);
    metrics_observe("t_wait_seconds", "unit=\"x\"", 7);
    size_t n = 0;
    char *text = metrics_render(&n);
    assert_non_null(text);
    assert_int_equal(strlen(text), n);
    assert_non_null(strstr(text, "# HELP t_wait_seconds Waits\n# TYPE t_wait_seconds histogram\n"));
    assert_non_null(strstr(text, "t_wait_seconds_bucket{unit=\"x\",le=\"0.1\"} 1\n"));
    assert_non_null(strstr(text, "t_wait_seconds_bucket{unit=\"x\",le=\"1\"} 3\n"));
    assert_non_null(strstr(text, "t_wait_seconds_bucket{unit=\"x\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(text, "t_wait_seconds_sum{unit=\"x\"} 8.05\n"));
    assert_non_null(strstr(text, "t_wait_seconds_count{unit=\"x\"} 4\n"));
    free(text);
}

static void test_gauge_set_and_unlabelled_series(void **s)
{
    (void)s;
    metrics_gauge_set("t_pool", "", 3.5);
    size_t n;
    char *text = metrics_render(&n);
    assert_non_null(strstr(text, "# TYPE t_pool gauge\nt_pool 3.5\n"));
    free(text);
}

static void test_a_name_keeps_its_kind(void **s)
{
    (void)s;
    metrics_inc("t_kind", "");
    metrics_gauge_set("t_kind", "", 99); /* dropped, counted */
    assert_true(metrics_value("t_kind", "") == 1);
    size_t n;
    char *text = metrics_render(&n);
    assert_null(strstr(text, "icsflow_metrics_dropped_total 0\n"));
    free(text);
}

static int collected;
static void collect(void *arg)
{
    collected++;
    metrics_gauge_set("t_collected", "", *(int *)arg);
}

static void test_collectors_run_before_rendering(void **s)
{
    (void)s;
    static int v = 42;
    metrics_collector_add(collect, &v);
    size_t n;
    char *text = metrics_render(&n);
    assert_int_equal(collected, 1);
    assert_non_null(strstr(text, "t_collected 42\n"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_are_exact_under_threads),
        cmocka_unit_test(test_histogram_renders_cumulative_buckets),
        cmocka_unit_test(test_gauge_set_and_unlabelled_series),
        cmocka_unit_test(test_a_name_keeps_its_kind),
        cmocka_unit_test(test_collectors_run_before_rendering),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
