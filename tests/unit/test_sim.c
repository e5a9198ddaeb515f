/* test_sim.c - the bed simulator: Erlang B/C worked examples, hand-traced
 * runs with replayed arrivals and fixed stays, policies and queue
 * disciplines, the Erlang C validation (simulated M/M/c inside its 95%
 * interval), determinism across thread counts, paired streams, the
 * ziggurat variates, bed search, sweep/chart, bad scenarios and the
 * scenario file format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "core/stats.h"
#include "sim/sim.h"
#include "app/sim.h"

/* A scenario with one place and one unit of c beds next to it. */
static sim_scenario *one_unit(int c, double lambda, double los)
{
    sim_scenario *sc = calloc(1, sizeof *sc);
    sc->nplaces = 1;
    snprintf(sc->places[0].code, sizeof sc->places[0].code, "P1");
    sc->places[0].lat = 51.5;
    sc->places[0].lon = -0.2;
    sc->places[0].arrivals_per_day = lambda;
    sc->nunits = 1;
    snprintf(sc->units[0].code, sizeof sc->units[0].code, "U1");
    sc->units[0].beds = c;
    sc->units[0].lat = 51.5;
    sc->units[0].lon = -0.2;
    sc->units[0].places = 1;
    sc->los.kind = SIM_LOS_EXPONENTIAL;
    sc->los.mean = los;
    sc->warmup_days = 100;
    sc->run_days = 1000;
    sc->target_days = 1;
    sc->target_prob = 0.05;
    sc->reps = 10;
    sc->seed = 20260101;
    return sc;
}

static void test_erlang_b_and_c_worked_examples(void **s)
{
    (void)s;
    /* B(2,1) = (1/2) / (1 + 1 + 1/2) = 0.2 */
    assert_float_equal(sim_erlang_b(2, 1.0), 0.2, 1e-12);
    assert_float_equal(sim_erlang_b(0, 3.0), 1.0, 1e-12);
    /* C(2,1): a^c/c! /(1-rho) = 0.5/0.5 = 1; sum_{k<2} = 2 -> 1/3 */
    assert_float_equal(sim_erlang_c(2, 1.0), 1.0 / 3, 1e-12);
    /* M/M/1: C = rho; mean wait = rho / (mu - lambda) = 0.5 / 0.5 = 1 day */
    assert_float_equal(sim_erlang_c(1, 0.5), 0.5, 1e-12);
    assert_float_equal(sim_erlang_wait(1, 0.5, 1.0), 1.0, 1e-12);
    /* c=2, lambda=1, LOS=1: wait = (1/3) / (2 - 1); P(wait > 1) = (1/3) e^-1 */
    assert_float_equal(sim_erlang_wait(2, 1.0, 1.0), 1.0 / 3, 1e-12);
    assert_float_equal(sim_erlang_p_over(2, 1.0, 1.0, 1.0), exp(-1.0) / 3, 1e-12);
    /* the closed form of STANDARDS.md summed directly, c = 10, a = 8 */
    double a = 8, sum = 0, term = 1;
    for (int k = 0; k < 10; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double top = term / (1 - a / 10);
    assert_float_equal(sim_erlang_c(10, a), top / (sum + top), 1e-12);
    assert_float_equal(sim_erlang_c(10, a), 0.40918015079644354, 1e-12);
    /* no steady state at or above full load */
    assert_float_equal(sim_erlang_c(5, 5.0), 1.0, 0);
    assert_true(isinf(sim_erlang_wait(5, 1.0, 5.0)));
    /* large systems stay finite (no a^c / c! overflow) */
    double big = sim_erlang_c(2000, 1900.0);
    assert_true(big > 0 && big < 1);
}

static void test_erlang_beds_smallest_meeting_target(void **s)
{
    (void)s;
    /* lambda 2/day, LOS 5 days: P(wait > 1 day) is 0.558 (11), 0.301 (12), 0.157 (13) */
    assert_float_equal(sim_erlang_p_over(12, 2, 5, 1), 0.30123393519949104, 1e-12);
    assert_int_equal(sim_erlang_beds(2, 5, 1, 0.35), 12);
    assert_int_equal(sim_erlang_beds(2, 5, 1, 0.30), 13);
    int c = sim_erlang_beds(2, 5, 1, 0.05);
    assert_true(sim_erlang_p_over(c, 2, 5, 1) < 0.05);
    assert_true(sim_erlang_p_over(c - 1, 2, 5, 1) >= 0.05);
    assert_int_equal(sim_erlang_beds(0, 5, 1, 0.05), 0);
}

/* The replication interval's t quantile is core's stats_t_quantile (full
 * precision since the shared core replaced the 3-decimal table): it must
 * match the printed tables to their last digit and the closed form for
 * 1 df (Cauchy: tan(pi (p - 1/2))), computed here independently. */
static void test_t_quantile_table_and_expansion(void **s)
{
    (void)s;
    assert_float_equal(stats_t_quantile(0.975, 1), tan(M_PI * 0.475), 1e-12);
    assert_float_equal(stats_t_quantile(0.975, 1), 12.706, 5e-4);
    assert_float_equal(stats_t_quantile(0.975, 9), 2.262, 5e-4);
    assert_float_equal(stats_t_quantile(0.975, 30), 2.042, 5e-4);
    assert_float_equal(stats_t_quantile(0.975, 60), 2.0003, 2e-4);
    assert_float_equal(stats_t_quantile(0.975, 120), 1.9799, 2e-4);
    assert_float_equal(stats_t_quantile(0.975, 100000), 1.96, 1e-3);
    assert_true(isnan(stats_t_quantile(0.975, 0)));
}

/* One bed, stays of exactly 2.5 days, arrivals at days 0, 1 and 2:
 * patient 1 in at 0 out 2.5; patient 2 waits 1.5 (in 2.5, out 5);
 * patient 3 waits 3 (in 5, out 7.5). Over a 10-day window the bed is busy
 * 7.5 days: occupancy 0.75. */
static void test_hand_traced_single_bed(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(1, 0, 1);
    static const double stay[] = {2.5};
    sc->los = (sim_los){.kind = SIM_LOS_EMPIRICAL, .values = stay, .nvalues = 1};
    sim_arrival arr[] = {{0, 0, -1, 0}, {1, 0, -1, 0}, {2, 0, -1, 0}};
    sc->replay = arr;
    sc->nreplay = 3;
    sc->warmup_days = 0;
    sc->run_days = 10;
    sc->target_days = 2;
    sc->reps = 1;
    sim_rep r;
    assert_int_equal(sim_rep_run(sc, 0, &r), 0);
    assert_float_equal(r.m[SIM_PATIENTS], 3, 0);
    assert_float_equal(r.m[SIM_MEAN_WAIT], (0 + 1.5 + 3) / 3, 1e-12);
    assert_float_equal(r.m[SIM_P_WAIT], 2.0 / 3, 1e-12);
    assert_float_equal(r.m[SIM_P_OVER_TARGET], 1.0 / 3, 1e-12);
    assert_float_equal(r.m[SIM_OVER_TARGET], 1, 0);
    assert_float_equal(r.m[SIM_WAIT_P95], 3, 1e-12); /* nearest rank: ceil(2.85) = 3rd */
    assert_float_equal(r.m[SIM_OCCUPANCY], 0.75, 1e-12);
    /* queue: 1 waiting on [1,2), 2 on [2,2.5), 1 on [2.5,5): 1 + 1 + 2.5 = 4.5 */
    assert_float_equal(r.m[SIM_MEAN_QUEUE], 4.5 / 10, 1e-12);
    assert_float_equal(r.m[SIM_MAX_QUEUE], 2, 0);
    assert_int_equal(r.censored, 0);
    /* 3 arrivals and 3 departures */
    assert_int_equal(r.events, 6);
    /* load: 3 stays of 2.5 days over 10 days = 0.75 beds */
    assert_float_equal(sim_scenario_load(sc), 0.75, 1e-12);
    free(sc);
}

/* The warm-up is discarded: with a warm-up of 1.5 days only patient 3
 * (arrived day 2, waited 3) counts, and occupancy is over [1.5, 11.5). */
/* A run whose cancel flag is set stops early with ICS_ECONFLICT: a single
 * replication of 150,000 arrivals (it polls every 4096 events) and a run
 * of several; with the flag clear the same scenario runs to the end. */
static void test_run_stops_when_cancelled(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(2, 1.5, 1);
    sc->run_days = 100000;
    sc->reps = 4;
    atomic_int stop;
    atomic_init(&stop, 1);
    sc->stop = &stop;
    sim_rep rep;
    assert_int_equal(sim_rep_run(sc, 0, &rep), ICS_ECONFLICT);
    sim_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(sim_run(sc, 1, NULL, NULL, &r, &e), ICS_ECONFLICT);
    assert_null(r);
    assert_non_null(strstr(e.msg, "cancelled"));
    sc->queue = SIM_QUEUE_PRIORITY; /* the event-by-event engine polls too */
    assert_int_equal(sim_rep_run(sc, 0, &rep), ICS_ECONFLICT);
    sc->queue = SIM_QUEUE_FIFO;
    atomic_store(&stop, 0);
    sc->run_days = 1000;
    assert_int_equal(sim_run(sc, 1, NULL, NULL, &r, &e), 0);
    sim_result_free(r);
    free(sc);
}

static void test_warmup_is_discarded(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(1, 0, 1);
    static const double stay[] = {2.5};
    sc->los = (sim_los){.kind = SIM_LOS_EMPIRICAL, .values = stay, .nvalues = 1};
    sim_arrival arr[] = {{0, 0, -1, 0}, {1, 0, -1, 0}, {2, 0, -1, 0}};
    sc->replay = arr;
    sc->nreplay = 3;
    sc->warmup_days = 1.5;
    sc->run_days = 10;
    sim_rep r;
    assert_int_equal(sim_rep_run(sc, 0, &r), 0);
    assert_float_equal(r.m[SIM_PATIENTS], 1, 0);
    assert_float_equal(r.m[SIM_MEAN_WAIT], 3, 1e-12);
    assert_float_equal(r.m[SIM_OCCUPANCY], 6.0 / 10, 1e-12); /* busy 1.5 .. 7.5 */
    /* patient 2 was already waiting at 1.5, patient 3 joined at 2 */
    assert_float_equal(r.m[SIM_MAX_QUEUE], 2, 0);
    /* queue in the window: 1 on [1.5,2), 2 on [2,2.5), 1 on [2.5,5) = 0.5+1+2.5 */
    assert_float_equal(r.m[SIM_MEAN_QUEUE], 4.0 / 10, 1e-12);
    free(sc);
}

/* Two places, each with its own one-bed unit; place A sends two patients
 * (days 0 and 1, stays 3). Borough: the second waits for A's bed (2 days).
 * Pooled: the second takes B's empty bed at once. Nearest first: the first
 * goes to A's own unit. */
static sim_scenario *two_boroughs(void)
{
    sim_scenario *sc = one_unit(1, 0, 1);
    sc->nplaces = 2;
    snprintf(sc->places[1].code, sizeof sc->places[1].code, "P2");
    sc->places[1].lat = 51.6;
    sc->places[1].lon = -0.4;
    sc->nunits = 2;
    snprintf(sc->units[1].code, sizeof sc->units[1].code, "U2");
    sc->units[1].beds = 1;
    sc->units[1].lat = 51.6;
    sc->units[1].lon = -0.4;
    sc->units[1].places = 2;
    sc->warmup_days = 0;
    sc->run_days = 10;
    sc->reps = 1;
    return sc;
}

static void test_borough_waits_where_pooled_uses_neighbour(void **s)
{
    (void)s;
    sim_scenario *sc = two_boroughs();
    sim_arrival arr[] = {{0, 0, 3, 0}, {1, 0, 3, 0}};
    sc->replay = arr;
    sc->nreplay = 2;
    sim_rep r;
    sc->policy = SIM_POLICY_BOROUGH;
    assert_int_equal(sim_rep_run(sc, 0, &r), 0);
    assert_float_equal(r.m[SIM_MEAN_WAIT], 1.0, 1e-12); /* (0 + 2) / 2 */
    assert_float_equal(r.unit_occ[0], 6.0 / 10, 1e-12);
    assert_float_equal(r.unit_occ[1], 0, 1e-12);
    assert_float_equal(r.place_wait[0], 1.0, 1e-12);
    assert_true(isnan(r.place_wait[1]));
    sc->policy = SIM_POLICY_POOLED;
    assert_int_equal(sim_rep_run(sc, 0, &r), 0);
    assert_float_equal(r.m[SIM_MEAN_WAIT], 0, 0);
    assert_float_equal(r.unit_occ[0], 3.0 / 10, 1e-12); /* nearest first */
    assert_float_equal(r.unit_occ[1], 3.0 / 10, 1e-12);
    free(sc);
}

/* One bed, stays of 2 days: routine at 0 and 0.5, urgent at 1. FIFO:
 * routine 2 in at 2 (waits 1.5), urgent in at 4 (waits 3). Priority: the
 * urgent patient goes first at 2 (waits 1), routine 2 at 4 (waits 3.5). */
static void test_priority_queue_lets_urgent_go_first(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(1, 0, 1);
    sim_arrival arr[] = {{0, 0, 2, 0}, {0.5, 0, 2, 0}, {1, 0, 2, 1}};
    sc->replay = arr;
    sc->nreplay = 3;
    sc->warmup_days = 0;
    sc->run_days = 10;
    sc->target_days = 3.2;
    sim_rep r;
    sc->queue = SIM_QUEUE_FIFO;
    assert_int_equal(sim_rep_run(sc, 0, &r), 0);
    assert_float_equal(r.m[SIM_MEAN_WAIT], (0 + 1.5 + 3) / 3, 1e-12);
    assert_float_equal(r.m[SIM_OVER_TARGET], 0, 0);
    sc->queue = SIM_QUEUE_PRIORITY;
    assert_int_equal(sim_rep_run(sc, 0, &r), 0);
    assert_float_equal(r.m[SIM_MEAN_WAIT], (0 + 3.5 + 1) / 3, 1e-12);
    assert_float_equal(r.m[SIM_OVER_TARGET], 1, 0);
    free(sc);
}

/* With a priority queue, arrivals after the window still count: one bed
 * busy until day 12; a routine patient arrives on day 9 (window ends at 10)
 * and an urgent one on day 11. Priority: the urgent one goes first at 12
 * (stays 5), so the routine patient waits until 17: 8 days. FIFO: 3 days. */
static void test_priority_waits_include_later_urgent_arrivals(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(1, 0, 1);
    sim_arrival arr[] = {{0, 0, 12, 0}, {9, 0, 1, 0}, {11, 0, 5, 1}};
    sc->replay = arr;
    sc->nreplay = 3;
    sc->warmup_days = 0;
    sc->run_days = 10;
    sim_rep r;
    sc->queue = SIM_QUEUE_PRIORITY;
    assert_int_equal(sim_rep_run(sc, 0, &r), 0);
    assert_float_equal(r.m[SIM_PATIENTS], 2, 0);
    assert_float_equal(r.m[SIM_MEAN_WAIT], (0 + 8) / 2.0, 1e-12);
    sc->queue = SIM_QUEUE_FIFO;
    assert_int_equal(sim_rep_run(sc, 0, &r), 0);
    assert_float_equal(r.m[SIM_MEAN_WAIT], (0 + 3) / 2.0, 1e-12);
    free(sc);
}

/* No beds at all: nobody is ever admitted; the waits are censored at the
 * hard stop and the target cannot be met. */
static void test_no_beds_censors_and_fails_target(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(0, 1, 5);
    sc->run_days = 50;
    sc->warmup_days = 0;
    sc->reps = 2;
    sim_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(sim_run(sc, 1, NULL, NULL, &r, &e), 0);
    assert_true(r->censored > 0);
    assert_float_equal(r->m[SIM_P_WAIT].mean, 1, 0);
    assert_false(sim_target_met(sc, r, 0));
    sim_result_free(r);
    free(sc);
}

/* Validation against Erlang C: one unit, Poisson arrivals, exponential
 * stays (M/M/12, lambda = 2/day, LOS 5 days, rho = 0.83). The 95% interval
 * across 30 replications must contain the closed-form P(wait > 0) = 0.4494
 * and mean wait = 1.1235 days. It also must NOT contain the values for 11
 * or 13 beds, so the check can tell a wrong model apart. */
static void test_mmc_matches_erlang_c_within_interval(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(12, 2.0, 5.0);
    sc->warmup_days = 200;
    sc->run_days = 2000;
    sc->reps = 30;
    sim_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(sim_run(sc, 0, NULL, NULL, &r, &e), 0);
    double pc = sim_erlang_c(12, 10.0), w = sim_erlang_wait(12, 2.0, 5.0);
    double po = sim_erlang_p_over(12, 2.0, 5.0, 1.0);
    const sim_stat *sp = &r->m[SIM_P_WAIT], *sw = &r->m[SIM_MEAN_WAIT];
    const sim_stat *so = &r->m[SIM_P_OVER_TARGET];
    print_message("P(wait>0) sim %.4f [%.4f, %.4f] Erlang C %.4f\n", sp->mean, sp->lo, sp->hi, pc);
    print_message("mean wait sim %.4f [%.4f, %.4f] Erlang C %.4f\n", sw->mean, sw->lo, sw->hi, w);
    print_message("P(wait>1) sim %.4f [%.4f, %.4f] Erlang C %.4f\n", so->mean, so->lo, so->hi, po);
    assert_true(sp->lo <= pc && pc <= sp->hi);
    assert_true(sw->lo <= w && w <= sw->hi);
    assert_true(so->lo <= po && po <= so->hi);
    assert_false(sp->lo <= sim_erlang_c(11, 10.0) && sim_erlang_c(11, 10.0) <= sp->hi);
    assert_false(sp->lo <= sim_erlang_c(13, 10.0) && sim_erlang_c(13, 10.0) <= sp->hi);
    assert_false(sw->lo <= sim_erlang_wait(13, 2, 5) && sim_erlang_wait(13, 2, 5) <= sw->hi);
    /* occupancy is a / c = 10/12 */
    assert_true(fabs(r->m[SIM_OCCUPANCY].mean - 10.0 / 12) < 0.01);
    assert_int_equal(r->censored, 0);
    sim_result_free(r);
    free(sc);
}

/* An eight-unit scenario shaped like NWL, used for the multi-unit checks. */
static sim_scenario *eight_units(void)
{
    sim_scenario *sc = calloc(1, sizeof *sc);
    sc->nplaces = sc->nunits = 8;
    for (int i = 0; i < 8; i++) {
        sim_place *p = &sc->places[i];
        snprintf(p->code, sizeof p->code, "E0900%04d", i);
        p->lat = 51.45 + 0.02 * i;
        p->lon = -0.45 + 0.04 * i;
        p->arrivals_per_day = 0.6 + 0.1 * i;
        p->urgent_share = 0.1;
        sim_unit *u = &sc->units[i];
        snprintf(u->code, sizeof u->code, "U%d", i);
        u->lat = p->lat + 0.005;
        u->lon = p->lon;
        u->beds = 14 + i;
        u->places = 1ULL << i;
    }
    sc->los = (sim_los){.kind = SIM_LOS_LOGNORMAL, .mean = 18, .sd = 12};
    sc->warmup_days = 180;
    sc->run_days = 365;
    sc->target_days = 2;
    sc->target_prob = 0.1;
    sc->reps = 8;
    sc->seed = 7;
    return sc;
}

static void test_results_identical_for_any_thread_count(void **s)
{
    (void)s;
    sim_scenario *sc = eight_units();
    sim_result *a = NULL, *b = NULL;
    ics_err e = {0};
    assert_int_equal(sim_run(sc, 1, NULL, NULL, &a, &e), 0);
    assert_int_equal(sim_run(sc, 3, NULL, NULL, &b, &e), 0);
    assert_memory_equal(a->rep, b->rep, sizeof(sim_rep) * sc->reps);
    assert_memory_equal(a->m, b->m, sizeof a->m);
    /* another seed gives other numbers */
    sc->seed = 8;
    sim_result *c = NULL;
    assert_int_equal(sim_run(sc, 2, NULL, NULL, &c, &e), 0);
    assert_true(c->m[SIM_MEAN_WAIT].mean != a->m[SIM_MEAN_WAIT].mean);
    sim_result_free(a);
    sim_result_free(b);
    sim_result_free(c);
    free(sc);
}

/* Common random numbers: the same replication sees the same patients
 * whatever the policy or bed numbers, so pooled and borough are paired;
 * and pooling the same beds never makes the average wait worse here. */
static void test_policies_see_the_same_patients(void **s)
{
    (void)s;
    sim_scenario *sc = eight_units();
    sim_result *bo = NULL, *po = NULL;
    ics_err e = {0};
    sc->policy = SIM_POLICY_BOROUGH;
    assert_int_equal(sim_run(sc, 0, NULL, NULL, &bo, &e), 0);
    sc->policy = SIM_POLICY_POOLED;
    sc->units[0].beds += 5;
    assert_int_equal(sim_run(sc, 0, NULL, NULL, &po, &e), 0);
    for (int k = 0; k < sc->reps; k++) {
        assert_float_equal(bo->rep[k].m[SIM_PATIENTS], po->rep[k].m[SIM_PATIENTS], 0);
        assert_true(po->rep[k].m[SIM_MEAN_WAIT] <= bo->rep[k].m[SIM_MEAN_WAIT]);
    }
    sim_arrival *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    assert_int_equal(sim_patients_draw(sc, 3, 545, &x, &nx), 0);
    sc->policy = SIM_POLICY_BOROUGH;
    sc->queue = SIM_QUEUE_PRIORITY;
    assert_int_equal(sim_patients_draw(sc, 3, 545, &y, &ny), 0);
    assert_int_equal(nx, ny);
    assert_memory_equal(x, y, nx * sizeof *x);
    free(x);
    free(y);
    sim_result_free(bo);
    sim_result_free(po);
    free(sc);
}

/* Poisson arrivals keep their mean rate; a day-of-week profile moves them
 * (all on Mondays here) without changing the total; seasonal likewise. */
static void test_arrival_profiles(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(10, 2.0, 3.0);
    sim_arrival *a = NULL;
    size_t n = 0;
    assert_int_equal(sim_patients_draw(sc, 0, 3650, &a, &n), 0);
    /* 7300 expected, sd 85: within 4 sd */
    assert_true(fabs((double)n - 7300) < 4 * 85.4);
    free(a);
    sc->has_dow = 1;
    double dow[7] = {1, 0, 0, 0, 0, 0, 0};
    memcpy(sc->dow, dow, sizeof dow);
    assert_int_equal(sim_patients_draw(sc, 0, 3640, &a, &n), 0);
    assert_true(fabs((double)n - 7280) < 4 * 85.4);
    for (size_t k = 0; k < n; k++) assert_int_equal((long)floor(a[k].day) % 7, 0);
    free(a);
    sc->has_dow = 0;
    sc->has_month = 1;
    for (int m = 0; m < 12; m++) sc->month[m] = m == 0 ? 1 : 0;
    assert_int_equal(sim_patients_draw(sc, 0, 3650, &a, &n), 0);
    /* all in January, at 365/31 times the mean rate: 10 x 31 x 2 x 365/31 */
    assert_true(fabs((double)n - 7300) < 4 * 85.4);
    for (size_t k = 0; k < n; k++) assert_true(fmod(a[k].day, 365) < 31);
    free(a);
    free(sc);
}

static void test_los_models_have_their_means(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(10, 5.0, 3.0);
    sc->los = (sim_los){.kind = SIM_LOS_LOGNORMAL, .mean = 20, .sd = 15};
    sim_arrival *a = NULL;
    size_t n = 0;
    assert_int_equal(sim_patients_draw(sc, 0, 4000, &a, &n), 0);
    double sum = 0;
    for (size_t k = 0; k < n; k++) sum += a[k].los;
    /* ~20000 stays, standard error 15/sqrt(20000) = 0.106 */
    assert_true(fabs(sum / n - 20) < 0.5);
    free(a);
    static const double v[] = {1, 2, 3, 10};
    sc->places[0].los = (sim_los){.kind = SIM_LOS_EMPIRICAL, .values = v, .nvalues = 4};
    assert_float_equal(sim_los_mean(sc, &sc->places[0].los), 4, 1e-12);
    assert_float_equal(sim_scenario_load(sc), 20, 1e-12);
    assert_int_equal(sim_patients_draw(sc, 0, 100, &a, &n), 0);
    for (size_t k = 0; k < n; k++)
        assert_true(a[k].los == 1 || a[k].los == 2 || a[k].los == 3 || a[k].los == 10);
    free(a);
    free(sc);
}

/* The ziggurat variates: moments, the body and both tails (the tail code
 * paths run about once in 8000 draws for the normal, 2200 for the
 * exponential). Counts are within 5 standard deviations of their
 * expectation; the seed is fixed, so this is deterministic. */
static void test_ziggurat_variates_have_their_distributions(void **s)
{
    (void)s;
    rng r;
    rng_seed(&r, 12345, 0);
    const int n = 1000000;
    double sum = 0, ss = 0;
    long over2 = 0, tail = 0, below = 0;
    for (int k = 0; k < n; k++) {
        double z = sim_draw_normal(&r);
        sum += z;
        ss += z * z;
        over2 += z > 2;
        tail += fabs(z) > 3.6541528853610088;
        below += z < -1;
    }
    assert_true(fabs(sum / n) < 5 * sqrt(1.0 / n));
    assert_true(fabs(ss / n - 1) < 5 * sqrt(2.0 / n));
    /* P(Z > 2) = 0.0227501; P(|Z| > R) = 2.58032e-4; P(Z < -1) = 0.158655 */
    assert_true(fabs(over2 - n * 0.0227501) < 5 * sqrt(n * 0.0227501));
    assert_true(fabs(tail - n * 2.58032e-4) < 5 * sqrt(n * 2.58032e-4));
    assert_true(fabs(below - n * 0.158655) < 5 * sqrt(n * 0.158655 * 0.841345));
    sum = ss = 0;
    long over1 = 0, etail = 0;
    for (int k = 0; k < n; k++) {
        double x = sim_draw_exponential(&r, 2.0);
        assert_true(x >= 0);
        sum += x;
        ss += x * x;
        over1 += x > 2.0;                   /* P = e^-1 */
        etail += x > 2 * 7.697117470131487; /* P = e^-7.697 = 4.54134e-4 */
    }
    assert_true(fabs(sum / n - 2) < 5 * 2 / sqrt(n));
    assert_true(fabs(ss / n - 8) < 5 * sqrt(320.0 / n)); /* E X^2 = 8, Var X^2 = 320 */
    assert_true(fabs(over1 - n * exp(-1.0)) < 5 * sqrt(n * exp(-1.0) * (1 - exp(-1.0))));
    assert_true(fabs(etail - n * 4.54134e-4) < 5 * sqrt(n * 4.54134e-4));
}

static void test_scale_shares_beds_by_largest_remainder(void **s)
{
    (void)s;
    sim_scenario *sc = eight_units();
    sc->nunits = 3;
    sc->units[0].beds = 10;
    sc->units[1].beds = 5;
    sc->units[2].beds = 5;
    /* 25 x (10, 5, 5) / 20 = 12.5, 6.25, 6.25 -> 12, 6, 6 + 1 to the largest */
    sim_scenario_scale(sc, 25, NULL);
    assert_int_equal(sc->units[0].beds, 13);
    assert_int_equal(sc->units[1].beds, 6);
    assert_int_equal(sc->units[2].beds, 6);
    sim_scenario_scale(sc, 7, NULL);
    assert_int_equal(sim_scenario_beds(sc), 7);
    for (int u = 0; u < 3; u++) sc->units[u].beds = 0;
    sim_scenario_scale(sc, 4, NULL); /* equal shares 4/3: 1, 1, 1 + 1 to the first */
    assert_int_equal(sc->units[0].beds, 2);
    assert_int_equal(sc->units[1].beds, 1);
    assert_int_equal(sc->units[2].beds, 1);
    free(sc);
}

/* Demand per unit: place 1 (load 0.5 x 4 = 2) is served by U1 and U2
 * (10 beds each: 1 each); place 2 (load 1) only by U2: w = (1, 2). 30
 * beds shared by demand are then 10 and 20. */
static void test_unit_loads_and_share_by_demand(void **s)
{
    (void)s;
    sim_scenario *sc = two_boroughs();
    sc->los = (sim_los){.kind = SIM_LOS_EXPONENTIAL, .mean = 4};
    sc->places[0].arrivals_per_day = 0.5;
    sc->places[1].arrivals_per_day = 0.25;
    sc->units[0].beds = sc->units[1].beds = 10;
    sc->units[0].places = 1;
    sc->units[1].places = 3;
    double w[SIM_MAX_UNITS];
    sim_unit_loads(sc, w);
    assert_float_equal(w[0], 1, 1e-12);
    assert_float_equal(w[1], 2, 1e-12);
    assert_float_equal(w[0] + w[1], sim_scenario_load(sc), 1e-12);
    sim_scenario_scale(sc, 30, w);
    assert_int_equal(sc->units[0].beds, 10);
    assert_int_equal(sc->units[1].beds, 20);
    free(sc);
}

/* The bed search on M/M/c agrees with Erlang: the target P(wait > 1 day)
 * < 5% needs c* beds by the formula; the simulated answer is c* (the
 * estimate is sharp here, P at c*-1 and c* being far from 5%). */
static void test_search_agrees_with_erlang(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(12, 2.0, 5.0);
    sc->run_days = 1500;
    sc->reps = 12;
    sc->target_prob = 0.1;
    int want = sim_erlang_beds(2, 5, 1, 0.1);
    print_message("Erlang: %d beds; P over at %d: %.3f, at %d: %.3f\n", want, want - 1,
                  sim_erlang_p_over(want - 1, 2, 5, 1), want, sim_erlang_p_over(want, 2, 5, 1));
    sim_search out;
    ics_err e = {0};
    assert_int_equal(sim_beds_search(sc, SIM_SEARCH_TOTAL, 0, 0, NULL, NULL, &out, &e), 0);
    assert_true(out.found);
    assert_int_equal(out.total, want);
    assert_true(out.p_over.mean < 0.1);
    assert_true(out.evaluations >= 2 && out.evaluations < 20);
    /* per unit on one unit is the same question */
    sim_search pu;
    assert_int_equal(sim_beds_search(sc, SIM_SEARCH_PER_UNIT, 0, 0, NULL, NULL, &pu, &e), 0);
    assert_int_equal(pu.per_unit, want);
    /* a place whose only unit has no beds today cannot be helped by
     * scaling today's split: not found, after a bounded search */
    sim_scenario *two = two_boroughs();
    two->los = (sim_los){.kind = SIM_LOS_EXPONENTIAL, .mean = 3};
    two->places[0].arrivals_per_day = two->places[1].arrivals_per_day = 1;
    two->units[0].beds = 10;
    two->units[1].beds = 0;
    two->run_days = 100;
    two->reps = 2;
    sim_search nf;
    assert_int_equal(sim_beds_search(two, SIM_SEARCH_TOTAL, 0, 0, NULL, NULL, &nf, &e), 0);
    assert_false(nf.found);
    assert_true(nf.evaluations < 30);
    /* shared by demand, the same system is sized */
    assert_int_equal(sim_beds_search(two, SIM_SEARCH_BY_LOAD, 0, 0, NULL, NULL, &nf, &e), 0);
    assert_true(nf.found && nf.unit_beds[1] > 0);
    free(two);
    /* the conservative answer (upper end of the interval) is never smaller */
    sim_search cons;
    assert_int_equal(sim_beds_search(sc, SIM_SEARCH_TOTAL, 1, 0, NULL, NULL, &cons, &e), 0);
    assert_true(cons.total >= out.total);
    free(sc);
}

/* Pooling needs no more beds than borough-only commissioning. */
static void test_pooled_needs_no_more_beds_than_borough(void **s)
{
    (void)s;
    sim_scenario *sc = eight_units();
    sc->reps = 6;
    sim_search b, p;
    ics_err e = {0};
    sc->policy = SIM_POLICY_BOROUGH;
    assert_int_equal(sim_beds_search(sc, SIM_SEARCH_TOTAL, 0, 0, NULL, NULL, &b, &e), 0);
    sc->policy = SIM_POLICY_POOLED;
    assert_int_equal(sim_beds_search(sc, SIM_SEARCH_TOTAL, 0, 0, NULL, NULL, &p, &e), 0);
    print_message("beds needed: borough %d, pooled %d (load %.1f)\n", b.total, p.total,
                  sim_scenario_load(sc));
    assert_true(b.found && p.found);
    assert_true(p.total <= b.total);
    assert_true(p.total > sim_scenario_load(sc));
    free(sc);
}

static void test_sweep_and_chart(void **s)
{
    (void)s;
    sim_scenario *sc = eight_units();
    sc->reps = 4;
    sc->run_days = 200;
    sim_sweep sw;
    ics_err e = {0};
    assert_int_equal(sim_sweep_run(sc, 110, 160, 6, 0, NULL, NULL, &sw, &e), 0);
    assert_int_equal(sw.npoints, 6);
    assert_int_equal(sw.pt[0][0].total, 110);
    assert_int_equal(sw.pt[1][5].total, 160);
    assert_int_equal(sw.pt[0][1].total, 120);
    /* more beds, shorter waits (paired streams keep this monotone) */
    assert_true(sw.pt[1][5].mean_wait.mean <= sw.pt[1][0].mean_wait.mean);
    assert_true(sw.pt[1][0].mean_wait.mean <= sw.pt[0][0].mean_wait.mean);
    sw.needed[0] = 150;
    sw.needed[1] = 130;
    sb o;
    sb_init(&o);
    sim_chart_svg(&sw, "NWL beds <test> & review", &o);
    assert_false(o.oom);
    assert_non_null(strstr(o.buf, "<svg"));
    assert_non_null(strstr(o.buf, "data-policy=\"borough\""));
    assert_non_null(strstr(o.buf, "data-policy=\"pooled\""));
    assert_non_null(strstr(o.buf, "NWL beds &lt;test&gt; &amp; review"));
    assert_non_null(strstr(o.buf, "needs 150 beds"));
    assert_non_null(strstr(o.buf, "needs 130 beds"));
    /* today's beds: 14 + 15 + ... + 21 = 140 */
    assert_int_equal(sw.today, 140);
    assert_non_null(strstr(o.buf, "today 140"));
    assert_non_null(strstr(o.buf, "</svg>"));
    sb_free(&o);
    free(sc);
}

static void test_bad_scenarios_report_every_problem(void **s)
{
    (void)s;
    sim_scenario *sc = two_boroughs();
    ics_err e = {0};
    assert_int_equal(sim_scenario_check(sc, &e), 0);
    sc->units[1].places = 0; /* P2 has no commissioned unit: fine while it has no demand */
    assert_int_equal(sim_scenario_check(sc, &e), 0);
    sc->places[1].arrivals_per_day = 0.5;
    sc->places[0].arrivals_per_day = -1;
    sc->los.mean = 0;
    sc->run_days = 0;
    sc->target_prob = 1.5;
    sc->reps = 0;
    assert_int_equal(sim_scenario_check(sc, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "place P2: no unit is commissioned"));
    assert_non_null(strstr(e.msg, "place P1: arrivals_per_day"));
    assert_non_null(strstr(e.msg, "LOS mean must be > 0"));
    assert_non_null(strstr(e.msg, "run_days"));
    assert_non_null(strstr(e.msg, "target probability"));
    assert_non_null(strstr(e.msg, "replications"));
    /* more patients than memory should hold is refused before running */
    sim_scenario *big = two_boroughs();
    big->places[0].arrivals_per_day = 1e9;
    assert_int_equal(sim_scenario_check(big, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "patients per replication"));
    free(big);
    /* pooled: no commissioning needed */
    sim_scenario *ok = two_boroughs();
    ok->units[1].places = 0;
    ok->policy = SIM_POLICY_POOLED;
    assert_int_equal(sim_scenario_check(ok, &e), 0);
    /* sim_run refuses a bad scenario without running */
    sim_result *r = (sim_result *)1;
    assert_int_equal(sim_run(sc, 1, NULL, NULL, &r, &e), ICS_EINVAL);
    assert_null(r);
    /* empirical LOS needs values; replay needs valid places */
    ok->los = (sim_los){.kind = SIM_LOS_EMPIRICAL, .nvalues = 0};
    sim_arrival bad[] = {{1, 5, -1, 0}};
    ok->replay = bad;
    ok->nreplay = 1;
    assert_int_equal(sim_scenario_check(ok, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "empirical LOS needs at least one value"));
    assert_non_null(strstr(e.msg, "replayed arrival 1"));
    assert_null(sim_result_new(0));
    sim_result_free(NULL);
    free(sc);
    free(ok);
}

/* The scenario file format: the example parses, round-trips through JSON
 * to the same scenario, and a file with several faults names them all. */
static void test_scenario_json_round_trip_and_errors(void **s)
{
    (void)s;
    json_error_t je;
    json_t *j = json_load_file(ICS_SRC_DIR "/data/sim_nwl_example.json", 0, &je);
    assert_non_null(j);
    app_sim_doc *d = NULL, *d2 = NULL;
    ics_err e = {0};
    assert_int_equal(app_sim_doc_parse(j, &d, &e), 0);
    assert_int_equal(d->sc.nplaces, 8);
    assert_int_equal(d->sc.nunits, 8);
    assert_int_equal(sim_scenario_beds(&d->sc), 160);
    assert_int_equal(d->sc.queue, SIM_QUEUE_PRIORITY);
    assert_true(d->sc.has_dow && d->sc.has_month && d->synthetic);
    json_t *back = app_sim_doc_json(d);
    assert_int_equal(app_sim_doc_parse(back, &d2, &e), 0);
    assert_memory_equal(d->sc.places, d2->sc.places, sizeof d->sc.places);
    assert_memory_equal(d->sc.units, d2->sc.units, sizeof d->sc.units);
    assert_float_equal(d2->sc.los.mean, 21, 0);
    assert_float_equal(d2->sc.month[11], 1.15, 0);
    json_decref(back);
    app_sim_doc_free(d2);
    /* the warm-up rule: fixed by default; mser5 round-trips; it needs a
     * FIFO queue (the example's is priority); anything else is refused */
    assert_int_equal(d->sc.warmup_rule, SIM_WARMUP_FIXED);
    json_t *w = json_deep_copy(j);
    json_object_set_new(w, "warmup", json_string("mser5"));
    assert_int_equal(app_sim_doc_parse(w, &d2, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "warmup mser5 needs a fifo queue"));
    json_object_set_new(w, "queue", json_string("fifo"));
    assert_int_equal(app_sim_doc_parse(w, &d2, &e), 0);
    assert_int_equal(d2->sc.warmup_rule, SIM_WARMUP_MSER5);
    back = app_sim_doc_json(d2);
    assert_string_equal(json_string_value(json_object_get(back, "warmup")), "mser5");
    json_decref(back);
    app_sim_doc_free(d2);
    json_object_set_new(w, "warmup", json_string("auto"));
    assert_int_equal(app_sim_doc_parse(w, &d2, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "warmup 'auto' is not fixed or mser5"));
    json_decref(w);
    /* faults: unknown field, a place code no place has, negative beds,
     * a wrong type and a bad LOS distribution, all in one message */
    json_t *bad = json_deep_copy(j);
    json_object_set_new(bad, "colour", json_string("blue"));
    json_t *u0 = json_array_get(json_object_get(bad, "units"), 0);
    json_object_set_new(u0, "places", json_pack("[s]", "E09999999"));
    json_object_set_new(json_array_get(json_object_get(bad, "units"), 1), "beds", json_integer(-3));
    json_object_set_new(bad, "replications", json_string("many"));
    json_object_set_new(bad, "los", json_pack("{ss}", "distribution", "weibull"));
    assert_int_equal(app_sim_doc_parse(bad, &d2, &e), ICS_EINVAL);
    assert_null(d2);
    assert_non_null(strstr(e.msg, "unknown field 'colour'"));
    assert_non_null(strstr(e.msg, "units[0]: places[0] is not the code of a place"));
    assert_non_null(strstr(e.msg, "units[1]: beds must be 0 to 100000"));
    assert_non_null(strstr(e.msg, "'replications' must be an integer"));
    assert_non_null(strstr(e.msg, "weibull"));
    json_decref(bad);
    assert_int_equal(app_sim_doc_parse(json_array_get(json_object_get(j, "units"), 0), &d2, &e),
                     ICS_EINVAL); /* a unit is not a scenario */
    json_decref(j);
    app_sim_doc_free(d);
    app_sim_doc_free(NULL);
}

static void count_progress(void *ctx, double f)
{
    int *n = ctx;
    assert_true(f >= 0 && f <= 1);
    (*n)++;
}

static void test_progress_is_reported(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(5, 1, 3);
    sc->reps = 7;
    sc->run_days = 100;
    int calls = 0;
    sim_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(sim_run(sc, 2, count_progress, &calls, &r, &e), 0);
    assert_int_equal(calls, 7);
    sim_result_free(r);
    free(sc);
}

/* FIFO replications are settled patient by patient (sim_rep_run); the
 * event engine (sim_rep_run_events) must give the same statistics, events
 * and longest queue: borough and pooled, a day-of-week profile, a unit too
 * small to keep up (censored patients). */
static void close_to(double a, double b)
{
    if (isnan(a)) {
        assert_true(isnan(b));
        return;
    }
    assert_true(fabs(a - b) <= 1e-9 * fmax(1.0, fabs(a)));
}

static void test_fifo_recursion_matches_event_engine(void **s)
{
    (void)s;
    sim_scenario *sc = eight_units();
    for (int variant = 0; variant < 4; variant++) {
        sc->policy = variant & 1 ? SIM_POLICY_POOLED : SIM_POLICY_BOROUGH;
        if (variant >= 2) {
            sc->has_dow = 1;
            for (int d = 0; d < 7; d++) sc->dow[d] = d < 5 ? 1.2 : 0.5;
            sc->units[3].beds = 2; /* cannot keep up: some are censored */
        }
        for (int k = 0; k < 4; k++) {
            sim_rep a, b;
            assert_int_equal(sim_rep_run(sc, k, &a), 0);
            assert_int_equal(sim_rep_run_events(sc, k, &b), 0);
            for (int m = 0; m < SIM_NMETRICS; m++) close_to(a.m[m], b.m[m]);
            for (int u = 0; u < sc->nunits; u++) close_to(a.unit_occ[u], b.unit_occ[u]);
            for (int i = 0; i < sc->nplaces; i++) {
                close_to(a.place_wait[i], b.place_wait[i]);
                close_to(a.place_over[i], b.place_over[i]);
            }
            assert_int_equal(a.events, b.events);
            assert_int_equal(a.censored, b.censored);
        }
    }
    free(sc);
}

/* A unit's beds are a 4-ary heap in the FIFO recursion: every size from
 * one bed to 22 (one to three children under the last inner node, two and
 * three full levels) at 90% and 105% occupancy gives the event engine's
 * statistics, events and longest queue (the longest queue is looked up
 * only when it could have grown). */
static void test_fifo_bed_heap_every_size_matches_event_engine(void **s)
{
    (void)s;
    for (int c = 1; c <= 22; c++) {
        for (int over = 0; over < 2; over++) {
            sim_scenario *sc = one_unit(c, (over ? 1.05 : 0.9) * c / 4.0, 4.0);
            sc->run_days = 200;
            sc->warmup_days = 30;
            for (int k = 0; k < 2; k++) {
                sim_rep a, b;
                assert_int_equal(sim_rep_run(sc, k, &a), 0);
                assert_int_equal(sim_rep_run_events(sc, k, &b), 0);
                for (int m = 0; m < SIM_NMETRICS; m++) close_to(a.m[m], b.m[m]);
                assert_true(a.m[SIM_MAX_QUEUE] > 0);
                assert_int_equal(a.events, b.events);
                assert_int_equal(a.censored, b.censored);
            }
            free(sc);
        }
    }
}

/* MSER-5 deletes a decaying start-up transient and keeps a stationary
 * series: 2,000 points of noise around 1 after an exponential transient
 * (time constant 100) deletes between 200 and 1,000; without the transient
 * at most a few batches; never more than half. */
static void test_mser5_truncates_transient(void **s)
{
    (void)s;
    enum { N = 2000 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < N; i++) {
        y[i] = 1 + 0.1 * sim_draw_normal(&r);
        x[i] = y[i] - 3 * exp(-i / 100.0);
    }
    size_t d = sim_mser5(x, N);
    print_message("MSER-5 truncation: %zu of %d (transient), %zu (stationary)\n", d, N,
                  sim_mser5(y, N));
    assert_true(d >= 200);
    assert_true(d <= 1000);
    assert_int_equal(d % 5, 0);
    assert_true(sim_mser5(y, N) <= 100);
    assert_int_equal(sim_mser5(x, 4), 0);
    sim_scenario *sc = one_unit(12, 2.0, 5.0);
    double days = -1;
    ics_err e = {0};
    assert_int_equal(sim_warmup_mser5(sc, &days, &e), 0);
    assert_true(days >= 0 && days <= (sc->warmup_days + sc->run_days) / 2);
    sc->queue = SIM_QUEUE_PRIORITY;
    assert_int_equal(sim_warmup_mser5(sc, &days, &e), ICS_EINVAL);
    free(sc);
    free(x);
    free(y);
}

/* The review's warm-up chosen from the data (warmup_rule MSER5). At 95%
 * load from empty with no warm-up of its own, MSER-5 asks for one, and every
 * run uses it: the numbers equal a fixed review with that warm-up. At 40%
 * load MSER-5 asks for less than a 300-day floor, and the floor stands. A
 * priority queue is refused (MSER-5 here needs FIFO and Poisson arrivals). */
static void test_review_uses_mser5_warmup(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(12, 2.28, 5.0);
    sc->warmup_days = 0;
    sc->run_days = 2000;
    sc->reps = 20;
    sc->warmup_rule = SIM_WARMUP_MSER5;
    sim_review a, b;
    ics_err e = {0};
    assert_int_equal(sim_review_run(sc, SIM_REVIEW_POOLED, 0, 0, 1, NULL, NULL, &a, &e), 0);
    print_message("MSER-5 warm-up at rho 0.95: %g days\n", a.mser5_days);
    assert_true(a.mser5_days >= 5);
    assert_true(a.mser5_days <= 1000); /* at most half the 2,000-day horizon */
    assert_float_equal(a.warmup_days, a.mser5_days, 0);
    sc->warmup_rule = SIM_WARMUP_FIXED;
    sc->warmup_days = a.warmup_days;
    assert_int_equal(sim_review_run(sc, SIM_REVIEW_POOLED, 0, 0, 1, NULL, NULL, &b, &e), 0);
    assert_float_equal(b.mser5_days, -1, 0);
    assert_float_equal(b.warmup_days, a.warmup_days, 0);
    assert_float_equal(b.res[1]->m[SIM_MEAN_WAIT].mean, a.res[1]->m[SIM_MEAN_WAIT].mean, 0);
    assert_float_equal(b.res[1]->m[SIM_PATIENTS].mean, a.res[1]->m[SIM_PATIENTS].mean, 0);
    sim_review_free(&a);
    sim_review_free(&b);
    free(sc);

    sc = one_unit(12, 1.0, 5.0);
    sc->warmup_days = 300;
    sc->warmup_rule = SIM_WARMUP_MSER5;
    assert_int_equal(sim_review_run(sc, SIM_REVIEW_POOLED, 0, 0, 1, NULL, NULL, &a, &e), 0);
    print_message("MSER-5 warm-up at rho 0.42: %g days (floor 300)\n", a.mser5_days);
    assert_true(a.mser5_days >= 0);
    assert_true(a.mser5_days < 300);
    assert_float_equal(a.warmup_days, 300, 0);
    sim_review_free(&a);
    sc->queue = SIM_QUEUE_PRIORITY;
    assert_int_equal(sim_review_run(sc, SIM_REVIEW_POOLED, 0, 0, 1, NULL, NULL, &a, &e),
                     ICS_EINVAL);
    assert_non_null(strstr(e.msg, "warmup mser5 needs a fifo queue"));
    free(sc);
}

/* Validity at high load: M/M/12 at 95% occupancy, 50 replications of 20
 * years after 5,000 days (docs/sim.md), the benchmark's first 10 seeds (it
 * runs 100): the 95% interval of the mean wait contains Erlang C's exact
 * value for at least 9 of them. */
static void test_high_load_intervals_cover_erlang_c(void **s)
{
    (void)s;
    sim_scenario *sc = one_unit(12, 0.95 * 12 / 5.0, 5.0);
    sc->warmup_days = 5000;
    sc->run_days = 20 * 365;
    sc->reps = 50;
    sc->target_days = 1;
    double w = sim_erlang_wait(12, sc->places[0].arrivals_per_day, 5.0);
    int hit = 0;
    for (int k = 0; k < 10; k++) {
        sc->seed = 1000 + (uint64_t)k;
        sim_result *r = NULL;
        ics_err e = {0};
        assert_int_equal(sim_run(sc, 0, NULL, NULL, &r, &e), 0);
        hit += r->m[SIM_MEAN_WAIT].lo <= w && w <= r->m[SIM_MEAN_WAIT].hi;
        sim_result_free(r);
    }
    print_message("rho 0.95: Erlang C mean wait %.4f inside %d of 10 intervals\n", w, hit);
    assert_true(hit >= 9);
    free(sc);
}

/* The fit's arithmetic on a directory built here: figures worked by hand. */
static void test_fit_shares_beds_positions_and_rates(void **st)
{
    (void)st;
    sim_scenario sc = {0};
    sc.nplaces = 3;
    for (int i = 0; i < 3; i++) sc.places[i].lat = sc.places[i].lon = NAN;
    sc.places[0].lat = 51.5;
    sc.places[0].lon = -0.2;
    sc.nunits = 3;
    sc.units[0] = (sim_unit){.beds = 10, .lat = 51.0, .lon = -1.0, .places = 1}; /* place 0 */
    sc.units[1] = (sim_unit){.beds = 20, .lat = 52.0, .lon = 0.0, .places = 3};  /* 0 and 1 */
    sc.units[2] = (sim_unit){.beds = 6, .lat = 50.0, .lon = 1.0, .places = 0};   /* nobody's */
    double share[3];
    sim_fit_commissioned_beds(&sc, share);
    assert_float_equal(share[0], 20.0, 1e-12); /* 10 + 20 / 2 */
    assert_float_equal(share[1], 10.0, 1e-12);
    assert_float_equal(share[2], 0.0, 1e-12);
    sim_fit_positions(&sc);
    assert_float_equal(sc.places[0].lat, 51.5, 1e-12); /* known: kept */
    assert_float_equal(sc.places[1].lat, 52.0, 1e-12); /* its one unit */
    assert_float_equal(sc.places[2].lat, 51.0, 1e-12); /* none of its own: (51 + 52 + 50) / 3 */
    assert_float_equal(sc.places[2].lon, 0.0, 1e-12);
    snprintf(sc.places[1].code, sizeof sc.places[1].code, "E09000009");
    assert_int_equal(sim_place_find(&sc, "E09000009"), 1);
    assert_int_equal(sim_place_find(&sc, "E09000001"), -1);
    assert_int_equal(sim_place_find(&sc, NULL), -1);
    assert_true(sim_fit_uncommissioned(&sc, 2));
    assert_false(sim_fit_uncommissioned(&sc, 1));
    double total = sim_fit_from_beds(&sc);
    assert_float_equal(total, 30.0, 1e-12); /* the uncommissioned unit's 6 beds serve no place */
    assert_float_equal(sc.places[0].arrivals_per_day, 0.85 * 20 / 21, 1e-12);
    assert_int_equal(sc.los.kind, SIM_LOS_LOGNORMAL);
    assert_float_equal(sc.los.mean, 21.0, 1e-12);
    long n[3] = {30, 0, 5}, urgent[3] = {6, 0, 5};
    double stays[3] = {10, 20, 30}, mean, sd;
    sim_fit_from_history(&sc, n, urgent, 10.0, stays, 3, &mean, &sd);
    assert_float_equal(mean, 20.0, 1e-12);
    assert_float_equal(sd, 10.0, 1e-12); /* sqrt((100 + 0 + 100) / 2) */
    assert_float_equal(sc.places[0].arrivals_per_day, 3.0, 1e-12);
    assert_float_equal(sc.places[0].urgent_share, 0.2, 1e-12);
    assert_float_equal(sc.places[1].urgent_share, 0.0, 1e-12);
    assert_int_equal(sc.los.kind, SIM_LOS_EMPIRICAL);
    assert_int_equal(sc.los.nvalues, 3);
    sim_arrival a[1] = {{.day = 1, .place = 0, .los = -1}};
    sim_fit_replay(&sc, a, 1, 100.0);
    assert_float_equal(sc.warmup_days, 25.0, 1e-12); /* a quarter of a short window */
    assert_float_equal(sc.run_days, 75.0, 1e-12);
    sim_fit_replay(&sc, a, 1, 400.0);
    assert_float_equal(sc.warmup_days, 60.0, 1e-12); /* at most 60 days */
    assert_float_equal(sc.run_days, 340.0, 1e-12);
    assert_int_equal(sc.nreplay, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_erlang_b_and_c_worked_examples),
        cmocka_unit_test(test_fifo_recursion_matches_event_engine),
        cmocka_unit_test(test_fifo_bed_heap_every_size_matches_event_engine),
        cmocka_unit_test(test_mser5_truncates_transient),
        cmocka_unit_test(test_review_uses_mser5_warmup),
        cmocka_unit_test(test_high_load_intervals_cover_erlang_c),
        cmocka_unit_test(test_erlang_beds_smallest_meeting_target),
        cmocka_unit_test(test_t_quantile_table_and_expansion),
        cmocka_unit_test(test_hand_traced_single_bed),
        cmocka_unit_test(test_warmup_is_discarded),
        cmocka_unit_test(test_run_stops_when_cancelled),
        cmocka_unit_test(test_borough_waits_where_pooled_uses_neighbour),
        cmocka_unit_test(test_priority_queue_lets_urgent_go_first),
        cmocka_unit_test(test_priority_waits_include_later_urgent_arrivals),
        cmocka_unit_test(test_no_beds_censors_and_fails_target),
        cmocka_unit_test(test_mmc_matches_erlang_c_within_interval),
        cmocka_unit_test(test_results_identical_for_any_thread_count),
        cmocka_unit_test(test_policies_see_the_same_patients),
        cmocka_unit_test(test_arrival_profiles),
        cmocka_unit_test(test_los_models_have_their_means),
        cmocka_unit_test(test_ziggurat_variates_have_their_distributions),
        cmocka_unit_test(test_scale_shares_beds_by_largest_remainder),
        cmocka_unit_test(test_unit_loads_and_share_by_demand),
        cmocka_unit_test(test_search_agrees_with_erlang),
        cmocka_unit_test(test_pooled_needs_no_more_beds_than_borough),
        cmocka_unit_test(test_sweep_and_chart),
        cmocka_unit_test(test_bad_scenarios_report_every_problem),
        cmocka_unit_test(test_progress_is_reported),
        cmocka_unit_test(test_scenario_json_round_trip_and_errors),
        cmocka_unit_test(test_fit_shares_beds_positions_and_rates),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
