/* test_waitlist.c - RTT weeks and due days, the network simplex against a
 * plain successive-shortest-path solver, the allocation model on hand-worked
 * examples, aggregation exactness, equity statistics and the generator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/geo.h"
#include "core/rng.h"
#include "core/tz.h"
#include "core/valid.h"
#include "waitlist/waitlist.h"

static void test_weeks_waited_floors_and_ignores_pauses(void **s)
{
    (void)s;
    int64_t start = tz_days_from_civil(2026, 1, 5);
    /* 2026-01-05 to 2026-04-01 is 86 days: 12 whole weeks */
    assert_int_equal(waitlist_weeks_waited(start, tz_days_from_civil(2026, 4, 1)), 12);
    assert_int_equal(waitlist_weeks_waited(start, start + 6), 0);
    assert_int_equal(waitlist_weeks_waited(start, start + 7), 1);
    assert_int_equal(waitlist_weeks_waited(start, start - 3), 0); /* clock starts later */
    assert_int_equal(waitlist_weeks_waited(start, start + 52 * 7), 52);
}

static void test_priority_due_days(void **s)
{
    (void)s;
    assert_int_equal(waitlist_priority_days(1), 3);
    assert_int_equal(waitlist_priority_days(2), 28);
    assert_int_equal(waitlist_priority_days(3), 91);
    assert_int_equal(waitlist_priority_days(4), -1);
    assert_int_equal(waitlist_priority_days(0), -1);
    assert_true(waitlist_due_day(2, 100) == 128);
    assert_true(waitlist_due_day(4, 100) == INT64_MAX);
}

/* 2 suppliers, 2 consumers, worked by hand:
 * s0 (+3), s1 (+2), t0 (-4), t1 (-1); costs s0t0 1, s0t1 4, s1t0 3, s1t1 2,
 * t0 capacity from s0 only 2. Best: s0t0 2 (2), s0t1 1 (4), s1t0 2 (6) = 12. */
static void test_mcf_worked_example(void **s)
{
    (void)s;
    ics_err e = {0};
    flow_mcf *g = flow_mcf_new(4, 4);
    flow_mcf_supply_set(g, 0, 3);
    flow_mcf_supply_set(g, 1, 2);
    flow_mcf_supply_set(g, 2, -4);
    flow_mcf_supply_set(g, 3, -1);
    long a = flow_mcf_arc_add(g, 0, 2, 2, 1);
    long b = flow_mcf_arc_add(g, 0, 3, FLOW_CAP_INF, 4);
    long c = flow_mcf_arc_add(g, 1, 2, FLOW_CAP_INF, 3);
    long d = flow_mcf_arc_add(g, 1, 3, FLOW_CAP_INF, 2);
    assert_int_equal(flow_mcf_solve(g, &e), 0);
    assert_true(flow_mcf_total(g) == 12);
    assert_true(flow_mcf_flow(g, (size_t)a) == 2);
    assert_true(flow_mcf_flow(g, (size_t)b) == 1);
    assert_true(flow_mcf_flow(g, (size_t)c) == 2);
    assert_true(flow_mcf_flow(g, (size_t)d) == 0);
    flow_mcf_free(g);
}

/* A hub allocation network with `sites` x 40 hub-days (chain nodes) and
 * `classes` patient classes, each reaching three sites, built the same way
 * for every solver setting. */
static flow_mcf *hubday_net(int sites, int classes, uint64_t seed, int *sink_out)
{
    enum { DAYS = 40 };
    int hubdays = sites * DAYS, sink = classes + hubdays;
    flow_mcf *g = flow_mcf_new(sink + 1, (size_t)classes * 5 + (size_t)hubdays * 2);
    rng r;
    rng_seed(&r, seed, 3);
    int64_t total = 0;
    for (int c = 0; c < classes; c++) {
        int64_t sup = 1 + (int64_t)rng_below(&r, 5);
        flow_mcf_supply_set(g, c, sup);
        total += sup;
        for (int k = 0; k < 3; k++) {
            int site = (int)rng_below(&r, (uint64_t)sites), day = (int)rng_below(&r, DAYS);
            flow_mcf_arc_add(g, c, classes + site * DAYS + day, FLOW_CAP_INF,
                             10 * (int64_t)rng_below(&r, 400));
        }
        flow_mcf_arc_add(g, c, sink, sup, 5000 + (int64_t)rng_below(&r, 100000));
    }
    for (int h = 0; h < hubdays; h++) {
        flow_mcf_arc_add(g, classes + h, sink, (int64_t)rng_below(&r, 4), 0);
        if (h % DAYS) flow_mcf_arc_add(g, classes + h, classes + h - 1, FLOW_CAP_INF, 0);
    }
    flow_mcf_supply_set(g, sink, -total);
    *sink_out = sink;
    return g;
}

/* The engine's solver settings (waitlist_net_solver_setup: warm start,
 * and blocks of 2 sqrt(m) once a specialty has more than 4,000 hub-days,
 * as nationally) find the same optimum as plain block search from the
 * artificial start, on both sides of that threshold. */
static void test_solver_setup_keeps_optimum(void **s)
{
    (void)s;
    const int sites[2] = {20, 110}; /* 800 and 4,400 hub-days */
    for (int t = 0; t < 2; t++) {
        ics_err e = {0};
        int sink = 0;
        flow_mcf *plain = hubday_net(sites[t], 3000, 11 + (uint64_t)t, &sink);
        flow_mcf *tuned = hubday_net(sites[t], 3000, 11 + (uint64_t)t, &sink);
        waitlist_net_solver_setup(tuned, sink);
        assert_int_equal(flow_mcf_solve(plain, &e), 0);
        assert_int_equal(flow_mcf_solve(tuned, &e), 0);
        assert_true(flow_mcf_total(plain) > 0);
        assert_true(flow_mcf_total(tuned) == flow_mcf_total(plain));
        flow_mcf_free(plain);
        flow_mcf_free(tuned);
    }
}

static void test_mcf_rejects_unbalanced_infeasible_and_negative(void **s)
{
    (void)s;
    ics_err e = {0};
    flow_mcf *g = flow_mcf_new(2, 1);
    flow_mcf_supply_set(g, 0, 2);
    flow_mcf_supply_set(g, 1, -1);
    flow_mcf_arc_add(g, 0, 1, 5, 1);
    assert_int_equal(flow_mcf_solve(g, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "balance"));
    flow_mcf_free(g);

    g = flow_mcf_new(2, 1);
    flow_mcf_supply_set(g, 0, 2);
    flow_mcf_supply_set(g, 1, -2);
    flow_mcf_arc_add(g, 0, 1, 1, 1); /* only 1 can get through */
    assert_int_equal(flow_mcf_solve(g, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "feasible"));
    flow_mcf_free(g);

    g = flow_mcf_new(2, 1);
    flow_mcf_arc_add(g, 0, 1, 1, -1);
    assert_int_equal(flow_mcf_solve(g, &e), ICS_EINVAL);
    assert_true(flow_mcf_arc_add(g, 0, 7, 1, 1) < 0);
    flow_mcf_free(g);
}

/* Reference: successive shortest paths with Bellman-Ford on the residual
 * graph from a super source to a super sink. Slow and obviously correct. */
typedef struct ref_arc {
    int u, v;
    int64_t cap, cost, flow;
} ref_arc;

static int64_t ref_mincost(int n, const int64_t *supply, ref_arc *a, int m, int *feasible)
{
    int S = n, T = n + 1, N = n + 2;
    int M = m + 2 * n;
    ref_arc *A = calloc((size_t)M, sizeof *A);
    memcpy(A, a, (size_t)m * sizeof *A);
    int k = m;
    int64_t need = 0;
    for (int u = 0; u < n; u++) {
        if (supply[u] > 0) A[k++] = (ref_arc){S, u, supply[u], 0, 0}, need += supply[u];
        if (supply[u] < 0) A[k++] = (ref_arc){u, T, -supply[u], 0, 0};
    }
    int64_t total = 0, sent = 0;
    int64_t *dist = malloc((size_t)N * sizeof *dist);
    int *via = malloc((size_t)N * sizeof *via);
    for (;;) {
        for (int u = 0; u < N; u++) dist[u] = INT64_MAX, via[u] = -1;
        dist[S] = 0;
        for (int it = 0; it < N; it++) {
            int changed = 0;
            for (int j = 0; j < 2 * k; j++) {
                ref_arc *r = &A[j / 2];
                int fwd = j % 2 == 0;
                int from = fwd ? r->u : r->v, to = fwd ? r->v : r->u;
                int64_t res = fwd ? r->cap - r->flow : r->flow;
                int64_t c = fwd ? r->cost : -r->cost;
                if (res <= 0 || dist[from] == INT64_MAX) continue;
                if (dist[from] + c < dist[to]) dist[to] = dist[from] + c, via[to] = j, changed = 1;
            }
            if (!changed) break;
        }
        if (dist[T] == INT64_MAX) break;
        int64_t push = INT64_MAX;
        for (int v = T; v != S;) {
            int j = via[v];
            ref_arc *r = &A[j / 2];
            int64_t res = j % 2 == 0 ? r->cap - r->flow : r->flow;
            if (res < push) push = res;
            v = j % 2 == 0 ? r->u : r->v;
        }
        for (int v = T; v != S;) {
            int j = via[v];
            ref_arc *r = &A[j / 2];
            r->flow += j % 2 == 0 ? push : -push;
            v = j % 2 == 0 ? r->u : r->v;
        }
        total += push * dist[T];
        sent += push;
    }
    *feasible = sent == need;
    free(A);
    free(dist);
    free(via);
    return total;
}

static void test_mcf_matches_reference_on_random_networks(void **s)
{
    (void)s;
    rng r;
    rng_seed(&r, 42, 0);
    for (int round = 0; round < 300; round++) {
        int n = 4 + (int)rng_below(&r, 20);
        int m = (int)rng_below(&r, (uint64_t)(n * 4)) + n;
        int64_t *sup = calloc((size_t)n, sizeof *sup);
        int64_t bal = 0;
        for (int u = 0; u < n - 1; u++) {
            sup[u] = (int64_t)rng_below(&r, 9) - 4;
            bal += sup[u];
        }
        sup[n - 1] = -bal;
        ref_arc *a = calloc((size_t)m, sizeof *a);
        flow_mcf *g = flow_mcf_new(n, (size_t)m);
        for (int u = 0; u < n; u++) flow_mcf_supply_set(g, u, sup[u]);
        for (int j = 0; j < m; j++) {
            int u = (int)rng_below(&r, (uint64_t)n), v = (int)rng_below(&r, (uint64_t)n);
            if (u == v) v = (v + 1) % n;
            int64_t cap = rng_below(&r, 4) == 0 ? 1000 : (int64_t)rng_below(&r, 6);
            int64_t cost = (int64_t)rng_below(&r, 30);
            a[j] = (ref_arc){u, v, cap, cost, 0};
            flow_mcf_arc_add(g, u, v, cap, cost);
        }
        int feasible;
        int64_t want = ref_mincost(n, sup, a, m, &feasible);
        ics_err e = {0};
        int rc = flow_mcf_solve(g, &e);
        if (feasible) {
            assert_int_equal(rc, 0);
            assert_true(flow_mcf_total(g) == want);
            /* conservation and bounds */
            int64_t *net = calloc((size_t)n, sizeof *net);
            for (int j = 0; j < m; j++) {
                int64_t f = flow_mcf_flow(g, (size_t)j);
                assert_true(f >= 0 && f <= a[j].cap);
                net[a[j].u] += f;
                net[a[j].v] -= f;
            }
            for (int u = 0; u < n; u++) assert_true(net[u] == sup[u]);
            free(net);
        } else {
            assert_int_equal(rc, ICS_EINVAL);
        }
        flow_mcf_free(g);
        free(a);
        free(sup);
    }
}

/* The shared solver's warm start (root hint) and its pricing of cheap arcs
 * first: random transportation-like networks (every source has a direct,
 * dear arc to the sink, some parallel and exactly filling its supply, and
 * many cheap arcs through middle nodes) against the reference, with and
 * without the hint; the flows must respect bounds and conservation. */
static void test_mcf_warm_start_and_core_pricing_match_reference(void **s)
{
    (void)s;
    rng r;
    rng_seed(&r, 77, 0);
    for (int round = 0; round < 200; round++) {
        int ns = 2 + (int)rng_below(&r, 10), nm = 1 + (int)rng_below(&r, 14);
        int n = ns + nm + 1, sink = n - 1, m = 0;
        int64_t *sup = calloc((size_t)n, sizeof *sup), tot = 0;
        ref_arc *a = calloc((size_t)(ns * (nm + 3) + nm), sizeof *a);
        for (int u = 0; u < ns; u++) {
            sup[u] = 1 + (int64_t)rng_below(&r, 3);
            tot += sup[u];
            for (int k = 0; k < nm; k++)
                if (rng_below(&r, 3))
                    a[m++] = (ref_arc){u, ns + k,
                                       rng_below(&r, 2) ? 1000 : 1 + (int64_t)rng_below(&r, 2),
                                       (int64_t)rng_below(&r, 40), 0};
            if (sup[u] > 1 && rng_below(&r, 2)) { /* two parallel arcs filling the supply */
                a[m++] = (ref_arc){u, sink, 1, 40 + (int64_t)rng_below(&r, 20), 0};
                a[m++] = (ref_arc){u, sink, sup[u] - 1, 40 + (int64_t)rng_below(&r, 20), 0};
            } else {
                a[m++] = (ref_arc){u, sink, rng_below(&r, 2) ? 1000 : sup[u],
                                   40 + (int64_t)rng_below(&r, 20), 0};
            }
        }
        for (int k = 0; k < nm; k++)
            a[m++] = (ref_arc){ns + k, sink, (int64_t)rng_below(&r, 4), 0, 0};
        sup[sink] = -tot;
        int feasible;
        int64_t want = ref_mincost(n, sup, a, m, &feasible);
        assert_true(feasible);
        /* hint 0: cold; 1: warm, arcs grouped by source (as the models add
         * them); 2: warm, arcs added in reverse (the solver lists each
         * node's arcs itself) */
        for (int hint = 0; hint < 3; hint++) {
            flow_mcf *g = flow_mcf_new(n, (size_t)m);
            for (int u = 0; u < n; u++) flow_mcf_supply_set(g, u, sup[u]);
            for (int k = 0; k < m; k++) {
                int j = hint == 2 ? m - 1 - k : k;
                flow_mcf_arc_add(g, a[j].u, a[j].v, a[j].cap, a[j].cost);
            }
            if (hint) flow_mcf_root_hint(g, sink);
            /* a small core (outer pricing passes) or every arc in large blocks */
            if (round % 2)
                flow_mcf_pricing(g, 2, 0.5);
            else
                flow_mcf_pricing(g, 0, 8.0);
            ics_err e = {0};
            assert_int_equal(flow_mcf_solve(g, &e), 0);
            assert_true(flow_mcf_total(g) == want);
            int64_t *net = calloc((size_t)n, sizeof *net);
            for (int j = 0; j < m; j++) {
                size_t x = (size_t)(hint == 2 ? m - 1 - j : j); /* a[j]'s index in g */
                int64_t f = flow_mcf_flow(g, x);
                int from, to;
                int64_t cap, cost;
                flow_mcf_arc_get(g, x, &from, &to, &cap, &cost);
                assert_int_equal(from, a[j].u); /* arc indices survive the solver's reordering */
                assert_true(cost == a[j].cost);
                assert_true(f >= 0);
                assert_true(f <= a[j].cap);
                net[a[j].u] += f;
                net[a[j].v] -= f;
            }
            for (int u = 0; u < n; u++) assert_true(net[u] == sup[u]);
            free(net);
            flow_mcf_free(g);
        }
        free(a);
        free(sup);
    }
}

/* Two sites 0.1 degree of longitude apart at latitude 51.5 (about 6.92 km). */
static void two_sites(waitlist_site st[2])
{
    memset(st, 0, 2 * sizeof *st);
    strcpy(st[0].code, "AAA01");
    strcpy(st[0].trust, "AAA");
    st[0].lat = 51.5;
    st[0].lon = 0.0;
    strcpy(st[1].code, "BBB01");
    strcpy(st[1].trust, "BBB");
    st[1].lat = 51.5;
    st[1].lon = 0.1;
}

static waitlist_patient patient(const char *trust, double lat, double lon, int prio,
                                int64_t clock_start, int64_t prio_date)
{
    waitlist_patient p;
    memset(&p, 0, sizeof p);
    p.tfc = 110;
    p.priority = prio;
    strcpy(p.trust, trust);
    p.lat = lat;
    p.lon = lon;
    p.clock_start = clock_start;
    p.priority_date = prio_date;
    return p;
}

/* Worked example. Today D; slots: A on D+1 (1), B on D+2 (1).
 * p0 AAA at A, P3, 10 weeks: unassigned penalty 20000 + 10 x 500 = 25000
 * p1 AAA at A, P4, 20 weeks: 5000 + 20 x 500 = 15000
 * p2 BBB at B, P4, 0 weeks:  5000
 * Two slots for three: leaving p2 out costs 5000 + (p1 to B: 69 travel + 100
 * away) = 5169; leaving p1 out costs 15000; leaving p0 out 25000. */
static void test_allocate_worked_example(void **s)
{
    (void)s;
    waitlist_site st[2];
    two_sites(st);
    int64_t D = tz_days_from_civil(2026, 3, 2);
    waitlist_session ss[2] = {{0, 110, D + 1, 1}, {1, 110, D + 2, 1}};
    waitlist_patient p[3] = {
        patient("AAA", 51.5, 0.0, 3, D - 70, D - 70),
        patient("AAA", 51.5, 0.0, 4, D - 140, D - 140),
        patient("BBB", 51.5, 0.1, 4, D, D),
    };
    int64_t km10 = llround(geo_km(51.5, 0.0, 51.5, 0.1) * 10);
    assert_true(km10 == 69);
    waitlist_params prm;
    waitlist_params_default(&prm);
    prm.today = D;
    for (int agg = 0; agg <= 1; agg++) {
        prm.aggregate = agg;
        waitlist_result *r = NULL;
        ics_err e = {0};
        assert_int_equal(waitlist_allocate(st, 2, ss, 2, p, 3, &prm, NULL, NULL, &r, &e), 0);
        assert_true(r->objective == 5169);
        assert_int_equal(r->assigned, 2);
        assert_true(r->travel == 69 && r->away == 100 && r->unassigned == 5000);
        assert_int_equal(r->a[2].session, -1);
        assert_true(r->a[2].unassigned == 5000);
        assert_int_equal(r->a[0].weeks, 10);
        assert_int_equal(r->a[1].weeks, 20);
        assert_true(r->a[0].session >= 0 && r->a[1].session >= 0);
        assert_int_not_equal(r->a[0].session, r->a[1].session);
        waitlist_result_free(r);
    }
    /* Both AAA patients will travel at most 5 km: B is out of reach, so p1
     * (the cheaper to leave) waits and p2 takes B: 15000. */
    p[0].max_km = 5;
    p[1].max_km = 5;
    waitlist_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(waitlist_allocate(st, 2, ss, 2, p, 3, &prm, NULL, NULL, &r, &e), 0);
    assert_true(r->objective == 15000);
    assert_int_equal(r->a[0].site, 0);
    assert_int_equal(r->a[1].session, -1);
    assert_int_equal(r->a[2].site, 1);
    assert_true(r->a[2].travel == 0 && r->a[2].away == 0);
    waitlist_result_free(r);
}

/* A cancelled run (the job's flag set) stops with ICS_ECONFLICT and no
 * result; the same run with the flag clear is unchanged. */
static void test_allocate_stops_when_cancelled(void **s)
{
    (void)s;
    waitlist_site st[2];
    two_sites(st);
    int64_t D = tz_days_from_civil(2026, 3, 2);
    waitlist_session ss[2] = {{0, 110, D + 1, 1}, {1, 110, D + 2, 1}};
    waitlist_patient p[2] = {patient("AAA", 51.5, 0.0, 3, D - 70, D - 70),
                             patient("BBB", 51.5, 0.1, 4, D, D)};
    waitlist_params prm;
    waitlist_params_default(&prm);
    prm.today = D;
    atomic_int stop;
    atomic_init(&stop, 1);
    prm.stop = &stop;
    waitlist_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(waitlist_allocate(st, 2, ss, 2, p, 2, &prm, NULL, NULL, &r, &e),
                     ICS_ECONFLICT);
    assert_null(r);
    assert_non_null(strstr(e.msg, "cancelled"));
    atomic_store(&stop, 0);
    assert_int_equal(waitlist_allocate(st, 2, ss, 2, p, 2, &prm, NULL, NULL, &r, &e), 0);
    assert_int_equal(r->assigned, 2);
    waitlist_result_free(r);
}

/* The solver polls the flag every 1024 pivots: an assignment network that
 * needs more pivots than that stops when it is set. */
static flow_mcf *assignment(int k, uint64_t seed)
{
    rng r;
    rng_seed(&r, seed, 0);
    flow_mcf *g = flow_mcf_new(2 * k, (size_t)k * (size_t)k);
    for (int u = 0; u < k; u++) {
        flow_mcf_supply_set(g, u, 1);
        flow_mcf_supply_set(g, k + u, -1);
        for (int v = 0; v < k; v++) flow_mcf_arc_add(g, u, k + v, 1, (int64_t)rng_below(&r, 1000));
    }
    return g;
}

static void test_mcf_stops_when_cancelled(void **s)
{
    (void)s;
    ics_err e = {0};
    flow_mcf *g = assignment(120, 7);
    assert_int_equal(flow_mcf_solve(g, &e), 0);
    assert_true(flow_mcf_pivots(g) > 1024); /* the premise: it takes long enough */
    flow_mcf_free(g);
    atomic_int stop;
    atomic_init(&stop, 1);
    g = assignment(120, 7);
    flow_mcf_stop_set(g, &stop);
    assert_int_equal(flow_mcf_solve(g, &e), ICS_ECONFLICT);
    assert_non_null(strstr(e.msg, "cancelled"));
    assert_true(flow_mcf_pivots(g) == 1024);
    flow_mcf_free(g);
}

/* A P2 patient due on D+1 gets the D+1 slot ahead of a P3 patient; with no
 * slot by the due day the P2 patient is booked late (50000 < leaving them
 * out, 200000) and the P3 patient waits. */
static void test_allocate_books_urgent_before_due_or_late(void **s)
{
    (void)s;
    waitlist_site st[2];
    two_sites(st);
    int64_t D = tz_days_from_civil(2026, 3, 2);
    waitlist_session ss[2] = {{0, 110, D + 5, 1}, {0, 110, D + 1, 1}};
    waitlist_patient p[2] = {
        patient("AAA", 51.5, 0.0, 3, D - 300, D - 300),
        patient("AAA", 51.5, 0.0, 2, D - 30, D - 27), /* due D + 1 */
    };
    waitlist_params prm;
    waitlist_params_default(&prm);
    prm.today = D;
    waitlist_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(waitlist_allocate(st, 2, ss, 2, p, 2, &prm, NULL, NULL, &r, &e), 0);
    assert_true(r->objective == 0);
    assert_int_equal(r->a[1].session, 1); /* the D+1 session */
    assert_int_equal(r->a[1].late, 0);
    assert_int_equal(r->a[0].session, 0);
    assert_int_equal(r->urgent_on_time, 1);
    waitlist_result_free(r);

    ss[1].slots = 0; /* nothing by the due day */
    assert_int_equal(waitlist_allocate(st, 2, ss, 2, p, 2, &prm, NULL, NULL, &r, &e), 0);
    assert_int_equal(r->a[1].session, 0);
    assert_int_equal(r->a[1].late, 1);
    assert_true(r->a[1].late_cost == 50000);
    assert_int_equal(r->a[0].session, -1);
    /* P3, 300 days = 42 weeks: 20000 + 21000 */
    assert_true(r->objective == 50000 + 41000);
    assert_int_equal(r->urgent_late, 1);
    waitlist_result_free(r);
}

static void test_allocate_ignores_past_and_other_specialty_sessions(void **s)
{
    (void)s;
    waitlist_site st[2];
    two_sites(st);
    int64_t D = tz_days_from_civil(2026, 3, 2);
    waitlist_session ss[2] = {{0, 110, D - 1, 5}, {0, 130, D + 1, 5}};
    waitlist_patient p[1] = {patient("AAA", 51.5, 0.0, 4, D, D)};
    waitlist_params prm;
    waitlist_params_default(&prm);
    prm.today = D;
    waitlist_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(waitlist_allocate(st, 2, ss, 2, p, 1, &prm, NULL, NULL, &r, &e), 0);
    assert_int_equal(r->assigned, 0);
    assert_true(r->objective == 5000);
    waitlist_result_free(r);
}

static void test_allocate_rejects_bad_input(void **s)
{
    (void)s;
    waitlist_site st[2];
    two_sites(st);
    int64_t D = tz_days_from_civil(2026, 3, 2);
    waitlist_session ss[1] = {{0, 110, D + 1, 1}};
    waitlist_patient p[1] = {patient("AAA", 51.5, 0.0, 5, D, D)};
    waitlist_params prm;
    waitlist_params_default(&prm);
    prm.today = D;
    waitlist_result *r = NULL;
    ics_err e = {0};
    assert_int_equal(waitlist_allocate(st, 2, ss, 1, p, 1, &prm, NULL, NULL, &r, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "priority 5"));
    assert_null(r);
    p[0].priority = 3;
    ss[0].site = 9;
    assert_int_equal(waitlist_allocate(st, 2, ss, 1, p, 1, &prm, NULL, NULL, &r, &e), ICS_EINVAL);
    ss[0].site = 0;
    ss[0].slots = -1;
    assert_int_equal(waitlist_allocate(st, 2, ss, 1, p, 1, &prm, NULL, NULL, &r, &e), ICS_EINVAL);
    ss[0].slots = 1;
    prm.away_penalty = -1;
    assert_int_equal(waitlist_allocate(st, 2, ss, 1, p, 1, &prm, NULL, NULL, &r, &e), ICS_EINVAL);
}

/* Reference data for the generator, in code. */
static const waitlist_district districts[] = {
    {"HA1", "E09000015", 51.58, -0.339}, {"UB8", "E09000017", 51.535, -0.478},
    {"W2", "E09000033", 51.515, -0.18},  {"W6", "E09000013", 51.492, -0.228},
    {"TW3", "E09000018", 51.467, -0.36}, {"NW10", "E09000005", 51.543, -0.25},
};
static const waitlist_place places[] = {
    {"E09000015", 261185, {1, 25, 50, 46, 15}},  {"E09000017", 310681, {11, 45, 52, 34, 19}},
    {"E09000033", 211365, {22, 26, 23, 25, 32}}, {"E09000013", 185238, {23, 34, 25, 18, 13}},
    {"E09000018", 290488, {18, 51, 43, 20, 10}}, {"E09000005", 341221, {48, 66, 38, 16, 5}},
};
static const waitlist_site nwl_sites[] = {
    {"RYJ01", "RYJ", 51.51766, -0.17437}, {"RYJ02", "RYJ", 51.48796, -0.22145},
    {"R1K01", "R1K", 51.57466, -0.32004}, {"R1K02", "R1K", 51.53094, -0.26915},
    {"RQM91", "RQM", 51.47401, -0.32428}, {"RAS01", "RAS", 51.52568, -0.46098},
};

static void test_generator_is_deterministic_and_valid(void **s)
{
    (void)s;
    int64_t D = tz_days_from_civil(2026, 3, 2);
    waitlist_gen_entry *a = NULL, *b = NULL;
    ics_err e = {0};
    assert_int_equal(waitlist_gen_ptl(districts, 6, places, 6, nwl_sites, 6, 2000, 7, D, &a, &e),
                     0);
    assert_int_equal(waitlist_gen_ptl(districts, 6, places, 6, nwl_sites, 6, 2000, 7, D, &b, &e),
                     0);
    assert_memory_equal(a, b, 2000 * sizeof *a);
    int prio[5] = {0};
    for (int i = 0; i < 2000; i++) {
        char out[11], pc[9];
        assert_int_equal(valid_nhs_number(a[i].nhs_number, out, &e), 0);
        assert_memory_equal(a[i].nhs_number, "999", 3);
        assert_int_equal(valid_postcode(a[i].postcode, pc, &e), 0);
        assert_non_null(waitlist_specialty_find(a[i].p.tfc));
        assert_true(a[i].p.priority >= 1 && a[i].p.priority <= 4);
        assert_true(a[i].p.clock_start <= D && a[i].p.priority_date >= a[i].p.clock_start);
        assert_true(a[i].imd_quintile >= 1 && a[i].imd_quintile <= 5);
        prio[a[i].p.priority]++;
        for (int j = 0; j < i; j += 97) assert_string_not_equal(a[i].nhs_number, a[j].nhs_number);
    }
    assert_true(prio[4] > prio[3] && prio[3] > prio[2] && prio[2] > prio[1]);
    /* Harrow (E09000015) has 1 LSOA of 137 in quintile 1 */
    int harrow = 0, harrow_q1 = 0;
    for (int i = 0; i < 2000; i++)
        if (!strcmp(a[i].place, "E09000015")) harrow++, harrow_q1 += a[i].imd_quintile == 1;
    assert_true(harrow > 100 && harrow_q1 * 20 < harrow);
    free(a);
    free(b);
}

/* The exact optimum does not depend on aggregation or threads, and equals
 * the network simplex on the explicit patient-level network. */
static void test_allocate_aggregation_is_exact(void **s)
{
    (void)s;
    int64_t D = tz_days_from_civil(2026, 3, 2);
    waitlist_gen_entry *g = NULL;
    ics_err e = {0};
    size_t n = 3000;
    assert_int_equal(waitlist_gen_ptl(districts, 6, places, 6, nwl_sites, 6, n, 11, D, &g, &e), 0);
    waitlist_patient *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = g[i].p;
    waitlist_session *ss = NULL;
    size_t nss = 0;
    assert_int_equal(waitlist_gen_sessions(nwl_sites, 6, n, 0.3, D, 28, 11, &ss, &nss, &e), 0);
    assert_true(nss > 0);
    waitlist_params prm;
    waitlist_params_default(&prm);
    prm.today = D;
    waitlist_result *r1 = NULL, *r2 = NULL;
    prm.aggregate = 1;
    prm.threads = 2;
    assert_int_equal(waitlist_allocate(nwl_sites, 6, ss, nss, p, n, &prm, NULL, NULL, &r1, &e), 0);
    prm.aggregate = 0;
    prm.threads = 1;
    assert_int_equal(waitlist_allocate(nwl_sites, 6, ss, nss, p, n, &prm, NULL, NULL, &r2, &e), 0);
    assert_true(r1->objective == r2->objective);
    assert_true(r1->net_nodes < r2->net_nodes);
    waitlist_net *net = NULL;
    assert_int_equal(waitlist_net_build(nwl_sites, 6, ss, nss, p, n, &prm, &net, &e), 0);
    flow_mcf *mg = flow_mcf_new(net->nodes, net->arcs);
    for (int u = 0; u < net->nodes; u++) flow_mcf_supply_set(mg, u, net->supply[u]);
    for (size_t a = 0; a < net->arcs; a++)
        flow_mcf_arc_add(mg, net->from[a], net->to[a], net->cap[a], net->cost[a]);
    assert_int_equal(flow_mcf_solve(mg, &e), 0);
    assert_true(flow_mcf_total(mg) == r1->objective);
    /* slot capacities hold, specialties match, distances respected, urgent lateness consistent */
    int *used = calloc(nss, sizeof *used);
    for (size_t i = 0; i < n; i++) {
        const waitlist_assignment *A = &r1->a[i];
        assert_true(A->travel + A->away + A->late_cost + A->unassigned >= 0);
        if (A->session < 0) continue;
        used[A->session]++;
        assert_int_equal(ss[A->session].tfc, p[i].tfc);
        assert_int_equal(ss[A->session].site, A->site);
        assert_true(A->km <= p[i].max_km + 1e-9);
        if (p[i].priority <= 2)
            assert_int_equal(A->late, ss[A->session].date >
                                          waitlist_due_day(p[i].priority, p[i].priority_date));
    }
    for (size_t k = 0; k < nss; k++) assert_true(used[k] <= ss[k].slots);
    assert_true(r1->assigned > 0 && r1->assigned < n);
    free(used);
    flow_mcf_free(mg);
    waitlist_net_free(net);
    waitlist_result_free(r1);
    waitlist_result_free(r2);
    free(ss);
    free(p);
    free(g);
}

/* Weeks 1..10 (one each): the median target 0.5 x 10 = 5 is first reached in
 * band 5 (4 below it): 5 + (5 - 4) / 1 = 6; the p92 target 9.2 in band 10
 * (9 below): 10 + (9.2 - 9) / 1 = 10.2. */
static void test_equity_interpolates_and_counts(void **s)
{
    (void)s;
    int weeks[13] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 60, 80};
    const char *key[13] = {"A", "A", "A", "A", "A", "A", "A", "A", "A", "A", "B", "B", "B"};
    unsigned char inc[13];
    memset(inc, 1, sizeof inc);
    waitlist_equity_row *rows = NULL;
    size_t nr = 0;
    ics_err e = {0};
    assert_int_equal(waitlist_equity(weeks, key, inc, 13, &rows, &nr, &e), 0);
    assert_int_equal(nr, 3);
    assert_string_equal(rows[0].group, "A");
    assert_int_equal(rows[0].count, 10);
    assert_float_equal(rows[0].median_weeks, 6.0, 1e-9);
    assert_float_equal(rows[0].p92_weeks, 10.2, 1e-9);
    assert_int_equal(rows[0].over18, 0);
    assert_float_equal(rows[0].pct_under18, 100.0, 1e-9);
    assert_string_equal(rows[1].group, "B");
    assert_int_equal(rows[1].over18, 3);
    assert_int_equal(rows[1].over52, 2);
    assert_int_equal(rows[1].over65, 1);
    assert_int_equal(rows[1].over78, 1);
    assert_string_equal(rows[2].group, "all");
    assert_int_equal(rows[2].count, 13);
    /* all: target 6.5 in band 7 (cum below 6): 7 + 0.5 = 7.5 */
    assert_float_equal(rows[2].median_weeks, 7.5, 1e-9);
    free(rows);
    /* everyone at 10 weeks: median 10.5; excluded pathways are not counted */
    int w2[3] = {10, 10, 99};
    unsigned char inc2[3] = {1, 1, 0};
    assert_int_equal(waitlist_equity(w2, NULL, inc2, 3, &rows, &nr, &e), 0);
    assert_int_equal(nr, 2);
    assert_string_equal(rows[0].group, "unknown");
    assert_float_equal(rows[1].median_weeks, 10.5, 1e-9);
    assert_int_equal(rows[1].count, 2);
    free(rows);
    int w3[1] = {-1};
    assert_int_equal(waitlist_equity(w3, NULL, NULL, 1, &rows, &nr, &e), ICS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weeks_waited_floors_and_ignores_pauses),
        cmocka_unit_test(test_priority_due_days),
        cmocka_unit_test(test_mcf_worked_example),
        cmocka_unit_test(test_solver_setup_keeps_optimum),
        cmocka_unit_test(test_mcf_rejects_unbalanced_infeasible_and_negative),
        cmocka_unit_test(test_mcf_matches_reference_on_random_networks),
        cmocka_unit_test(test_mcf_stops_when_cancelled),
        cmocka_unit_test(test_allocate_stops_when_cancelled),
        cmocka_unit_test(test_mcf_warm_start_and_core_pricing_match_reference),
        cmocka_unit_test(test_allocate_worked_example),
        cmocka_unit_test(test_allocate_books_urgent_before_due_or_late),
        cmocka_unit_test(test_allocate_ignores_past_and_other_specialty_sessions),
        cmocka_unit_test(test_allocate_rejects_bad_input),
        cmocka_unit_test(test_generator_is_deterministic_and_valid),
        cmocka_unit_test(test_allocate_aggregation_is_exact),
        cmocka_unit_test(test_equity_interpolates_and_counts),
    };
    return cmocka_run_group_tests_name("waitlist", tests, NULL, NULL);
}
