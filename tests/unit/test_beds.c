/* test_beds.c - the bed bureau engine: state rules, suitability and cost
 * with reasons, the exact assignment (against brute force), batch matching
 * under both policies, length-of-stay statistics, funnel flags, the
 * forecast and the synthetic history. Expected values are worked by hand
 * from the formulas in src/beds/match.c and src/beds/los.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "beds/beds.h"
#include "core/stats.h"
#include "core/rng.h"
#include "core/valid.h"

#define NOW 1750000000LL /* 2025-06-15 15:06:40 UTC */

static beds_unit mk_unit(const char *code, beds_type t, char sex, double lat, double lon,
                         const char *place)
{
    beds_unit u;
    memset(&u, 0, sizeof u);
    snprintf(u.code, sizeof u.code, "%s", code);
    u.type = t;
    u.sex = sex;
    u.lat = lat;
    u.lon = lon;
    if (place) {
        u.nplaces = 1;
        snprintf(u.places[0], sizeof u.places[0], "%s", place);
    }
    u.confirmed_at = NOW - 3600;
    return u;
}

static beds_bed mk_bed(int64_t id, const char *code, int unit, beds_status st)
{
    beds_bed b;
    memset(&b, 0, sizeof b);
    b.id = id;
    snprintf(b.code, sizeof b.code, "%s", code);
    b.unit = unit;
    b.status = st;
    return b;
}

static beds_referral mk_ref(int64_t id, beds_type t, char sex, double lat, double lon,
                            const char *place, int prio, int64_t referred)
{
    beds_referral r;
    memset(&r, 0, sizeof r);
    r.id = id;
    r.type = t;
    r.sex = sex;
    r.has_home = 1;
    r.lat = lat;
    r.lon = lon;
    snprintf(r.place, sizeof r.place, "%s", place);
    r.priority = prio;
    r.referred_at = referred;
    r.earliest_at = referred;
    return r;
}

static void test_beds_type_fit_follows_substitution_table(void **s)
{
    (void)s;
    assert_int_equal(beds_type_fit(BEDS_TYPE_REHAB, BEDS_TYPE_REHAB), BEDS_FIT_EXACT);
    assert_int_equal(beds_type_fit(BEDS_TYPE_REHAB, BEDS_TYPE_STROKE), BEDS_FIT_ALT);
    assert_int_equal(beds_type_fit(BEDS_TYPE_STROKE, BEDS_TYPE_REHAB), BEDS_FIT_ALT);
    assert_int_equal(beds_type_fit(BEDS_TYPE_STROKE, BEDS_TYPE_STEPDOWN), BEDS_FIT_NONE);
    assert_int_equal(beds_type_fit(BEDS_TYPE_DEMENTIA, BEDS_TYPE_REHAB), BEDS_FIT_NONE);
    assert_int_equal(beds_type_fit(BEDS_TYPE_PALLIATIVE, BEDS_TYPE_PALLIATIVE), BEDS_FIT_EXACT);
    assert_int_equal(beds_type_fit(BEDS_TYPE_STEPDOWN, BEDS_TYPE_REHAB), BEDS_FIT_ALT);
    assert_int_equal(beds_type_fit((beds_type)9, BEDS_TYPE_REHAB), BEDS_FIT_NONE);
}

static void test_beds_names_parse_and_reject(void **s)
{
    (void)s;
    ics_err e = {0};
    beds_type t;
    beds_status st;
    beds_closure c;
    beds_policy p;
    beds_ref_state rs;
    assert_int_equal(beds_type_parse("stroke_rehabilitation", &t, &e), 0);
    assert_int_equal(t, BEDS_TYPE_STROKE);
    assert_string_equal(beds_type_name(BEDS_TYPE_STEPDOWN), "step_down");
    assert_int_equal(beds_type_parse("icu", &t, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "'icu'"));
    assert_int_equal(beds_status_parse("closed", &st, &e), 0);
    assert_int_equal(st, BEDS_CLOSED);
    assert_int_equal(beds_status_parse("empty", &st, &e), ICS_EINVAL);
    assert_int_equal(beds_closure_parse("infection_control", &c, &e), 0);
    assert_int_equal(c, BEDS_CLOSE_INFECTION);
    assert_int_equal(beds_closure_parse("", &c, &e), ICS_EINVAL);
    assert_int_equal(beds_closure_parse(NULL, &c, &e), ICS_EINVAL);
    assert_int_equal(beds_policy_parse("borough", &p, &e), 0);
    assert_int_equal(p, BEDS_POLICY_BOROUGH);
    assert_int_equal(beds_policy_parse("Pooled", &p, &e), ICS_EINVAL);
    assert_int_equal(beds_ref_state_parse("accepted", &rs, &e), 0);
    assert_int_equal(rs, BEDS_REF_ACCEPTED);
    assert_int_equal(beds_ref_state_parse("admit", &rs, &e), ICS_EINVAL);
}

static void test_bed_status_moves_and_hl7_codes(void **s)
{
    (void)s;
    assert_true(beds_status_can_move(BEDS_AVAILABLE, BEDS_RESERVED));
    assert_true(beds_status_can_move(BEDS_RESERVED, BEDS_OCCUPIED));
    assert_true(beds_status_can_move(BEDS_OCCUPIED, BEDS_CLEANING));
    assert_false(beds_status_can_move(BEDS_OCCUPIED, BEDS_RESERVED));
    assert_false(beds_status_can_move(BEDS_OCCUPIED, BEDS_CLOSED));
    assert_false(beds_status_can_move(BEDS_RESERVED, BEDS_RESERVED));
    assert_false(beds_status_can_move(BEDS_CLOSED, BEDS_OCCUPIED));
    assert_true(beds_status_can_move(BEDS_CLOSED, BEDS_CLOSED));
    assert_int_equal(beds_status_hl7(BEDS_AVAILABLE, BEDS_CLOSE_NONE), 'U');
    assert_int_equal(beds_status_hl7(BEDS_RESERVED, BEDS_CLOSE_NONE), 'U');
    assert_int_equal(beds_status_hl7(BEDS_OCCUPIED, BEDS_CLOSE_NONE), 'O');
    assert_int_equal(beds_status_hl7(BEDS_CLOSED, BEDS_CLOSE_INFECTION), 'K');
    assert_int_equal(beds_status_hl7(BEDS_CLOSED, BEDS_CLOSE_STAFFING), 'C');
    assert_int_equal(beds_status_hl7(BEDS_CLEANING, BEDS_CLOSE_NONE), 'H');
}

static void test_referral_lifecycle_moves(void **s)
{
    (void)s;
    assert_true(beds_ref_can_move(BEDS_REF_WAITING, BEDS_REF_OFFERED));
    assert_false(beds_ref_can_move(BEDS_REF_WAITING, BEDS_REF_ADMITTED));
    assert_true(beds_ref_can_move(BEDS_REF_OFFERED, BEDS_REF_WAITING));
    assert_true(beds_ref_can_move(BEDS_REF_ACCEPTED, BEDS_REF_ADMITTED));
    assert_false(beds_ref_can_move(BEDS_REF_OFFERED, BEDS_REF_DISCHARGED));
    assert_true(beds_ref_can_move(BEDS_REF_ADMITTED, BEDS_REF_DISCHARGED));
    assert_false(beds_ref_can_move(BEDS_REF_ADMITTED, BEDS_REF_CANCELLED));
    assert_false(beds_ref_can_move(BEDS_REF_DISCHARGED, BEDS_REF_WAITING));
    assert_false(beds_ref_can_move(BEDS_REF_CANCELLED, BEDS_REF_WAITING));
}

static void test_board_empty_is_not_available_and_stale_flag(void **s)
{
    (void)s;
    beds_unit u[2] = {mk_unit("U1", BEDS_TYPE_REHAB, 'X', 51.5, -0.2, "E09000009"),
                      mk_unit("U2", BEDS_TYPE_REHAB, 'X', 51.5, -0.2, "E09000009")};
    u[0].confirmed_at = NOW - 25 * 3600; /* older than 24 h */
    u[1].confirmed_at = 0;               /* never confirmed */
    beds_bed b[5] = {mk_bed(1, "U1-01", 0, BEDS_AVAILABLE), mk_bed(2, "U1-02", 0, BEDS_OCCUPIED),
                     mk_bed(3, "U1-03", 0, BEDS_CLOSED), mk_bed(4, "U1-04", 0, BEDS_RESERVED),
                     mk_bed(5, "U2-01", 1, BEDS_CLEANING)};
    b[2].closure = BEDS_CLOSE_STAFFING;
    beds_board bd = {u, 2, b, 5};
    beds_unit_count c[2];
    beds_board_count(&bd, NOW, 24 * 3600, c);
    assert_int_equal(c[0].beds, 4);
    assert_int_equal(c[0].available, 1);
    assert_int_equal(c[0].closed, 1);
    /* (occupied 1 + reserved 1) / open 3 */
    assert_float_equal(c[0].occupancy, 2.0 / 3.0, 1e-12);
    assert_int_equal(c[0].stale, 1);
    assert_int_equal(c[1].stale, 1);
    assert_int_equal(c[1].cleaning, 1);
    u[0].confirmed_at = NOW - 23 * 3600;
    beds_board_count(&bd, NOW, 24 * 3600, c);
    assert_int_equal(c[0].stale, 0);
    assert_false(beds_bed_offerable(&b[1]));
    assert_false(beds_bed_offerable(&b[2]));
    assert_false(beds_bed_offerable(&b[3]));
    assert_false(beds_bed_offerable(&b[4]));
    assert_true(beds_bed_offerable(&b[0]));
}

/* One unit 0.01 degrees of latitude north of the patient's home:
 * 6371.0088 * pi / 180 * 0.01 = 1.11195 km -> 11 tenths; occupancy 2/3 of
 * the open beds * 20 = 13.33 -> 13. Exact fit: 11 + 13 = 24; the same beds
 * for a stroke patient (alternative fit): 24 + 200 = 224. */
static void test_option_cost_worked_example(void **s)
{
    (void)s;
    beds_unit u = mk_unit("U1", BEDS_TYPE_REHAB, 'X', 51.51, -0.2, "E09000009");
    beds_bed b[4] = {mk_bed(1, "U1-01", 0, BEDS_AVAILABLE), mk_bed(2, "U1-02", 0, BEDS_OCCUPIED),
                     mk_bed(3, "U1-03", 0, BEDS_CLOSED), mk_bed(4, "U1-04", 0, BEDS_OCCUPIED)};
    beds_board bd = {&u, 1, b, 4};
    beds_unit_count c;
    beds_board_count(&bd, NOW, 0, &c);
    beds_match_opts o;
    beds_match_opts_default(&o, NOW);
    beds_referral r = mk_ref(1, BEDS_TYPE_REHAB, 'F', 51.50, -0.2, "E09000009", 2, NOW);
    beds_option opt;
    assert_int_equal(beds_option_cost(&bd, &c, &r, 0, &o, &opt), 24);
    assert_int_equal(opt.why, BEDS_WHY_OK);
    assert_float_equal(opt.km, 1.11195, 1e-4);
    r.type = BEDS_TYPE_STROKE;
    assert_int_equal(beds_option_cost(&bd, &c, &r, 0, &o, &opt), 224);
    assert_int_equal(opt.fit, BEDS_FIT_ALT);
    char buf[256];
    beds_option_explain(&bd, &r, &opt, buf, sizeof buf);
    assert_string_equal(buf, "alternative fit (rehabilitation bed for stroke_rehabilitation "
                             "need); 1.1 km from home; unit 67% occupied");
    /* unknown home: no distance term */
    r.has_home = 0;
    assert_int_equal(beds_option_cost(&bd, &c, &r, 0, &o, &opt), 213);
    assert_true(opt.km < 0);
    /* an occupied bed is unsuitable whatever the cost */
    assert_int_equal(beds_option_cost(&bd, &c, &r, 1, &o, &opt), -1);
    assert_int_equal(opt.why, BEDS_WHY_NOT_AVAILABLE);
}

static void test_option_reasons_for_unsuitable_beds(void **s)
{
    (void)s;
    beds_unit u[3] = {mk_unit("FEM", BEDS_TYPE_REHAB, 'F', 51.5, -0.2, "E09000009"),
                      mk_unit("MIX", BEDS_TYPE_REHAB, 'X', 51.5, -0.3, "E09000017"),
                      mk_unit("DEM", BEDS_TYPE_DEMENTIA, 'X', 51.5, -0.2, "E09000009")};
    beds_bed b[4] = {mk_bed(1, "FEM-1", 0, BEDS_AVAILABLE), mk_bed(2, "MIX-A1", 1, BEDS_AVAILABLE),
                     mk_bed(3, "MIX-B1", 1, BEDS_AVAILABLE), mk_bed(4, "DEM-1", 2, BEDS_CLOSED)};
    b[1].bay_sex = 'F';
    b[2].bay_sex = 'M';
    b[3].closure = BEDS_CLOSE_INFECTION;
    beds_board bd = {u, 3, b, 4};
    beds_unit_count c[3];
    beds_board_count(&bd, NOW, 0, c);
    beds_match_opts o;
    beds_match_opts_default(&o, NOW);
    beds_referral r = mk_ref(1, BEDS_TYPE_REHAB, 'M', 51.5, -0.2, "E09000009", 3, NOW);
    beds_option opt;
    char buf[256];
    assert_int_equal(beds_option_cost(&bd, c, &r, 0, &o, &opt), -1);
    assert_int_equal(opt.why, BEDS_WHY_SEX_UNIT);
    beds_option_explain(&bd, &r, &opt, buf, sizeof buf);
    assert_string_equal(buf, "unit is female-only; patient is male");
    assert_int_equal(beds_option_cost(&bd, c, &r, 1, &o, &opt), -1);
    assert_int_equal(opt.why, BEDS_WHY_SEX_BAY);
    beds_option_explain(&bd, &r, &opt, buf, sizeof buf);
    assert_string_equal(buf, "bay is designated female; patient is male");
    assert_true(beds_option_cost(&bd, c, &r, 2, &o, &opt) > 0);
    /* borough policy: MIX is commissioned by Hillingdon only */
    o.policy = BEDS_POLICY_BOROUGH;
    assert_int_equal(beds_option_cost(&bd, c, &r, 2, &o, &opt), -1);
    assert_int_equal(opt.why, BEDS_WHY_NOT_COMMISSIONED);
    beds_option_explain(&bd, &r, &opt, buf, sizeof buf);
    assert_non_null(strstr(buf, "not commissioned for place E09000009"));
    o.policy = BEDS_POLICY_POOLED;
    /* a dementia bed is the wrong type whatever its status */
    assert_int_equal(beds_option_cost(&bd, c, &r, 3, &o, &opt), -1);
    assert_int_equal(opt.why, BEDS_WHY_TYPE);
    /* closed for infection control: a suitable unit, but not available */
    r.type = BEDS_TYPE_DEMENTIA;
    assert_int_equal(beds_option_cost(&bd, c, &r, 3, &o, &opt), -1);
    assert_int_equal(opt.why, BEDS_WHY_NOT_AVAILABLE);
    beds_option_explain(&bd, &r, &opt, buf, sizeof buf);
    assert_string_equal(buf, "bed is closed (infection_control)");
    r.type = BEDS_TYPE_REHAB;
    /* distance limit: MIX is 0.1 degree of longitude west, about 6.9 km */
    o.max_km = 5;
    assert_int_equal(beds_option_cost(&bd, c, &r, 2, &o, &opt), -1);
    assert_int_equal(opt.why, BEDS_WHY_TOO_FAR);
}

static void test_unplaced_cost_grows_with_wait_and_priority(void **s)
{
    (void)s;
    beds_match_opts o;
    beds_match_opts_default(&o, NOW);
    beds_referral r = mk_ref(1, BEDS_TYPE_REHAB, 'M', 0, 0, "E09000009", 1, NOW - 60 * 3600);
    /* 2.5 days -> 2 whole days: 100000 + 300 * 3 */
    assert_int_equal(beds_unplaced_cost(&r, &o), 100900);
    r.priority = 3;
    assert_int_equal(beds_unplaced_cost(&r, &o), 100150);
    r.priority = 7; /* out of range counts as routine */
    assert_int_equal(beds_unplaced_cost(&r, &o), 100150);
    r.referred_at = NOW + 10; /* clock skew: no negative wait */
    assert_int_equal(beds_unplaced_cost(&r, &o), 100050);
}

static void test_rank_lists_suitable_by_cost_then_reasons(void **s)
{
    (void)s;
    beds_unit u[2] = {mk_unit("FAR", BEDS_TYPE_REHAB, 'X', 51.60, -0.2, "E09000009"),
                      mk_unit("NEAR", BEDS_TYPE_REHAB, 'X', 51.51, -0.2, "E09000009")};
    beds_bed b[4] = {mk_bed(1, "FAR-1", 0, BEDS_AVAILABLE), mk_bed(2, "NEAR-2", 1, BEDS_OCCUPIED),
                     mk_bed(3, "NEAR-1", 1, BEDS_AVAILABLE), mk_bed(4, "FAR-2", 0, BEDS_CLOSED)};
    beds_board bd = {u, 2, b, 4};
    beds_match_opts o;
    beds_match_opts_default(&o, NOW);
    beds_referral r = mk_ref(1, BEDS_TYPE_REHAB, 'F', 51.50, -0.2, "E09000009", 2, NOW);
    beds_option *opts;
    size_t nok;
    ics_err e = {0};
    assert_int_equal(beds_referral_rank(&bd, &r, &o, &opts, &nok, &e), 0);
    assert_int_equal(nok, 2);
    assert_string_equal(b[opts[0].bed].code, "NEAR-1");
    assert_string_equal(b[opts[1].bed].code, "FAR-1");
    /* NEAR: 11 tenths + 0.5 * 20 = 21; FAR: 0.1 deg = 11.1195 km -> 111 + 1/1*20? FAR has
     * 1 available + 1 closed: occupancy 0/1 = 0 -> 111 */
    assert_int_equal(opts[0].cost, 21);
    assert_int_equal(opts[1].cost, 111);
    assert_int_equal(opts[2].why, BEDS_WHY_NOT_AVAILABLE);
    assert_string_equal(b[opts[2].bed].code, "FAR-2");
    assert_string_equal(b[opts[3].bed].code, "NEAR-2");
    free(opts);
}

static void test_lsap_known_optimum(void **s)
{
    (void)s;
    /* the 3 x 3 example of the SciPy documentation: optimum 1 + 2 + 2 = 5 */
    int64_t c[9] = {4, 1, 3, 2, 0, 5, 3, 2, 2};
    int col[3];
    int64_t total;
    ics_err e = {0};
    assert_int_equal(beds_lsap_solve(3, 3, c, col, &total, NULL, NULL, &e), 0);
    assert_int_equal(total, 5);
    assert_int_equal(col[0], 1);
    assert_int_equal(col[1], 0);
    assert_int_equal(col[2], 2);
    /* rectangular 2 x 4: rows take columns 3 and 0: 1 + 2 = 3 */
    int64_t r[8] = {5, 9, 7, 1, 2, 8, 9, 3};
    int col2[2];
    assert_int_equal(beds_lsap_solve(2, 4, r, col2, &total, NULL, NULL, &e), 0);
    assert_int_equal(total, 3);
    assert_int_equal(col2[0], 3);
    assert_int_equal(col2[1], 0);
    /* more rows than columns is refused; no rows is a zero total */
    assert_int_equal(beds_lsap_solve(3, 2, c, col, &total, NULL, NULL, &e), ICS_EINVAL);
    assert_int_equal(beds_lsap_solve(0, 2, c, col, &total, NULL, NULL, &e), 0);
    assert_int_equal(total, 0);
}

static int64_t brute(size_t nr, size_t nc, const int64_t *c, size_t row, unsigned used)
{
    if (row == nr) return 0;
    int64_t best = INT64_MAX;
    for (size_t j = 0; j < nc; j++) {
        if (used & (1u << j)) continue;
        int64_t v = c[row * nc + j] + brute(nr, nc, c, row + 1, used | (1u << j));
        if (v < best) best = v;
    }
    return best;
}

static void test_lsap_equals_brute_force_on_random_matrices(void **s)
{
    (void)s;
    rng r;
    rng_seed(&r, 42, 0);
    ics_err e = {0};
    for (int trial = 0; trial < 400; trial++) {
        size_t nr = 1 + rng_below(&r, 6), nc = nr + rng_below(&r, 3);
        int64_t c[8 * 8];
        /* small ranges give many ties; negative values too */
        int range = trial % 2 ? 5 : 1000;
        for (size_t k = 0; k < nr * nc; k++) c[k] = (int64_t)rng_below(&r, range) - range / 3;
        int col[8];
        int64_t total;
        assert_int_equal(beds_lsap_solve(nr, nc, c, col, &total, NULL, NULL, &e), 0);
        assert_int_equal(total, brute(nr, nc, c, 0, 0));
        unsigned seen = 0;
        for (size_t i = 0; i < nr; i++) {
            assert_true(col[i] >= 0 && (size_t)col[i] < nc);
            assert_false(seen & (1u << col[i]));
            seen |= 1u << col[i];
        }
    }
}

/* Rows with capacities must give the same optimum as the rows repeated
 * (each copy capacity 1), checked by brute force over the expansion. */
static void test_lsap_capacities_equal_expanded_rows(void **s)
{
    (void)s;
    rng r;
    rng_seed(&r, 5, 0);
    ics_err e = {0};
    for (int trial = 0; trial < 400; trial++) {
        size_t nr = 1 + rng_below(&r, 3), units = 0;
        int cap[3];
        for (size_t i = 0; i < nr; i++) units += (size_t)(cap[i] = (int)rng_below(&r, 4));
        size_t nc = units + rng_below(&r, 3);
        if (nc == 0) nc = 1;
        if (nc > 8) continue;
        int64_t c[3 * 8], x[8 * 8];
        int range = trial % 2 ? 4 : 500;
        for (size_t k = 0; k < nr * nc; k++) c[k] = (int64_t)rng_below(&r, range) - range / 2;
        size_t xr = 0;
        for (size_t i = 0; i < nr; i++)
            for (int k = 0; k < cap[i]; k++, xr++) memcpy(x + xr * nc, c + i * nc, nc * sizeof *c);
        int r4c[8], held[3] = {0};
        int64_t total;
        assert_int_equal(beds_lsap_solve_cap(nr, cap, nc, c, r4c, &total, NULL, NULL, &e), 0);
        assert_int_equal(total, brute(xr, nc, x, 0, 0));
        for (size_t j = 0; j < nc; j++)
            if (r4c[j] >= 0) held[r4c[j]]++;
        for (size_t i = 0; i < nr; i++) assert_int_equal(held[i], cap[i]);
    }
    int cap[1] = {3};
    int64_t c[2] = {1, 2};
    int r4c[2];
    int64_t total;
    assert_int_equal(beds_lsap_solve_cap(1, cap, 2, c, r4c, &total, NULL, NULL, &e), ICS_EINVAL);
}

/* Two beds, three referrals, all referred NOW - 1 day (so u = 100000 + w * 2).
 * Bed A (rehab, near) suits everyone; bed B (stroke unit) suits only the
 * rehab patient (alternative fit); no bed suits the dementia patient R3.
 * Greedy by priority would give A to the urgent rehab patient R1 and leave
 * R2 without a bed; the optimum places R1 in B and R2 in A. */
static void test_queue_match_is_optimal_not_greedy(void **s)
{
    (void)s;
    beds_unit u[2] = {mk_unit("A", BEDS_TYPE_REHAB, 'X', 51.51, -0.2, "E09000009"),
                      mk_unit("B", BEDS_TYPE_STROKE, 'X', 51.50, -0.2, "E09000017")};
    beds_bed b[2] = {mk_bed(1, "A-1", 0, BEDS_AVAILABLE), mk_bed(2, "B-1", 1, BEDS_AVAILABLE)};
    beds_board bd = {u, 2, b, 2};
    beds_referral r[3] = {
        mk_ref(1, BEDS_TYPE_REHAB, 'F', 51.50, -0.2, "E09000009", 1, NOW - 86400),
        mk_ref(2, BEDS_TYPE_STEPDOWN, 'M', 51.50, -0.2, "E09000009", 2, NOW - 86400),
        mk_ref(3, BEDS_TYPE_DEMENTIA, 'M', 51.50, -0.2, "E09000009", 3, NOW - 86400)};
    beds_match_opts o;
    beds_match_opts_default(&o, NOW);
    beds_plan *p;
    ics_err e = {0};
    assert_int_equal(beds_queue_match(&bd, r, 3, &o, NULL, NULL, &p, &e), 0);
    assert_int_equal(p->nready, 3);
    assert_int_equal(p->nplaced, 2);
    assert_int_equal(p->bed_of[0], 1); /* R1 -> B (alternative fit, 0 km) */
    assert_int_equal(p->bed_of[1], 0); /* R2 -> A (alternative fit, 1.1 km) */
    assert_int_equal(p->bed_of[2], -1);
    /* R1 in B: 0 km + 200 + 0 = 200; R2 in A: 11 + 200 = 211; R3: 100000 + 50 * 2 */
    assert_int_equal(p->cost_of[0], 200);
    assert_int_equal(p->cost_of[1], 211);
    assert_int_equal(p->cost_of[2], 100100);
    assert_int_equal(p->placed_cost, 411);
    assert_int_equal(p->unplaced_cost, 100100);
    assert_int_equal(p->total_cost, 100511);
    assert_int_equal(p->alt_fits, 2);
    beds_plan_free(p);

    /* borough policy: B is commissioned by Hillingdon only, so R1 cannot
     * use it; one placement; R1 (urgent, u = 100600) beats R2 (100200) and
     * R3 (100100) for A: total = 11 + 100200 + 100100 */
    o.policy = BEDS_POLICY_BOROUGH;
    assert_int_equal(beds_queue_match(&bd, r, 3, &o, NULL, NULL, &p, &e), 0);
    assert_int_equal(p->nplaced, 1);
    assert_int_equal(p->bed_of[0], 0);
    assert_int_equal(p->total_cost, 11 + 100200 + 100100);
    beds_plan_free(p);
}

static void test_queue_match_skips_referrals_not_ready_and_beds_not_free(void **s)
{
    (void)s;
    beds_unit u = mk_unit("A", BEDS_TYPE_REHAB, 'X', 51.50, -0.2, "E09000009");
    beds_bed b[3] = {mk_bed(1, "A-1", 0, BEDS_RESERVED), mk_bed(2, "A-2", 0, BEDS_AVAILABLE),
                     mk_bed(3, "A-3", 0, BEDS_AVAILABLE)};
    beds_board bd = {&u, 1, b, 3};
    beds_referral r[2] = {mk_ref(1, BEDS_TYPE_REHAB, 'F', 51.50, -0.2, "E09000009", 1, NOW),
                          mk_ref(2, BEDS_TYPE_REHAB, 'F', 51.50, -0.2, "E09000009", 1, NOW)};
    r[1].earliest_at = NOW + 86400;
    beds_match_opts o;
    beds_match_opts_default(&o, NOW);
    beds_plan *p;
    ics_err e = {0};
    assert_int_equal(beds_queue_match(&bd, r, 2, &o, NULL, NULL, &p, &e), 0);
    assert_int_equal(p->nready, 1);
    assert_int_equal(p->ready[1], 0);
    assert_int_equal(p->bed_of[1], -1);
    assert_int_equal(p->cost_of[1], 0);
    assert_int_equal(p->bed_of[0], 1); /* first free bed at equal cost */
    /* occupancy (1 reserved of 3 open) * 20 = 6.67 -> 7 */
    assert_int_equal(p->total_cost, 7);
    beds_plan_free(p);
    /* nothing ready, nothing free: an empty plan, not an error */
    assert_int_equal(beds_queue_match(&bd, r, 0, &o, NULL, NULL, &p, &e), 0);
    assert_int_equal(p->total_cost, 0);
    beds_plan_free(p);
}

/* Brute force over every matching for small random boards: the batch
 * optimum must equal the exhaustive optimum under both policies. */
static int64_t best_matching(const int64_t *c, const int64_t *u, size_t nr, size_t nb, size_t i,
                             unsigned used)
{
    if (i == nr) return 0;
    int64_t best = u[i] + best_matching(c, u, nr, nb, i + 1, used);
    for (size_t j = 0; j < nb; j++) {
        if ((used & (1u << j)) || c[i * nb + j] < 0) continue;
        int64_t v = c[i * nb + j] + best_matching(c, u, nr, nb, i + 1, used | (1u << j));
        if (v < best) best = v;
    }
    return best;
}

static void test_queue_match_equals_exhaustive_search(void **s)
{
    (void)s;
    rng g;
    rng_seed(&g, 7, 0);
    ics_err e = {0};
    const char *places[3] = {"E09000005", "E09000009", "E09000017"};
    for (int trial = 0; trial < 150; trial++) {
        beds_unit u[3];
        for (int k = 0; k < 3; k++) {
            u[k] = mk_unit("U", (beds_type)rng_below(&g, BEDS_TYPE_COUNT), "MFX"[rng_below(&g, 3)],
                           51.4 + 0.2 * rng_uniform(&g), -0.4 + 0.3 * rng_uniform(&g), places[k]);
        }
        size_t nb = 1 + rng_below(&g, 6), nr = 1 + rng_below(&g, 7);
        beds_bed b[8];
        for (size_t j = 0; j < nb; j++) {
            b[j] = mk_bed((int64_t)j + 1, "B", (int)rng_below(&g, 3),
                          rng_below(&g, 4) ? BEDS_AVAILABLE : BEDS_OCCUPIED);
            b[j].code[1] = (char)('0' + j);
        }
        beds_referral r[8];
        for (size_t i = 0; i < nr; i++)
            r[i] = mk_ref((int64_t)i + 1, (beds_type)rng_below(&g, BEDS_TYPE_COUNT),
                          rng_below(&g, 2) ? 'M' : 'F', 51.4 + 0.2 * rng_uniform(&g),
                          -0.4 + 0.3 * rng_uniform(&g), places[rng_below(&g, 3)],
                          1 + (int)rng_below(&g, 3), NOW - (int64_t)rng_below(&g, 10 * 86400));
        beds_board bd = {u, 3, b, nb};
        for (int pol = 0; pol < 2; pol++) {
            beds_match_opts o;
            beds_match_opts_default(&o, NOW);
            o.policy = (beds_policy)pol;
            if (trial % 3 == 0) o.w.unplaced = 150; /* placing is not always worth it */
            beds_unit_count cnt[3];
            beds_board_count(&bd, NOW, o.stale_after, cnt);
            int64_t c[8 * 8], uc[8];
            for (size_t i = 0; i < nr; i++) {
                uc[i] = beds_unplaced_cost(&r[i], &o);
                for (size_t j = 0; j < nb; j++)
                    c[i * nb + j] = beds_option_cost(&bd, cnt, &r[i], (int)j, &o, NULL);
            }
            beds_plan *p;
            assert_int_equal(beds_queue_match(&bd, r, nr, &o, NULL, NULL, &p, &e), 0);
            assert_int_equal(p->total_cost, best_matching(c, uc, nr, nb, 0, 0));
            int64_t sum = 0;
            for (size_t i = 0; i < nr; i++) {
                sum += p->cost_of[i];
                if (p->bed_of[i] >= 0) assert_int_equal(p->cost_of[i], c[i * nb + p->bed_of[i]]);
            }
            assert_int_equal(sum, p->total_cost);
            beds_plan_free(p);
        }
    }
}

/* The sparse flow over bed classes (beds_queue_match) against the old
 * dense solver on the per-bed problem: rows are the offerable beds,
 * columns the ready referrals plus one "left empty" column per bed, entries
 * min(0, c - u) for suitable pairs, so the optimum is sum u + the
 * assignment's total. Boards big enough that each referral has more
 * classes than the solver prices first, with bays, closed beds and
 * referrals not yet ready. */
static void test_queue_match_equals_dense_solver_on_random_boards(void **s)
{
    (void)s;
    rng g;
    rng_seed(&g, 2026, 0);
    ics_err e = {0};
    const char *places[4] = {"E09000005", "E09000009", "E09000017", "E09000033"};
    for (int trial = 0; trial < 30; trial++) {
        size_t nu = 4 + rng_below(&g, 20), nb = 0, nr = 5 + rng_below(&g, 60);
        beds_unit u[24];
        beds_bed b[24 * 6];
        for (size_t k = 0; k < nu; k++) {
            u[k] = mk_unit("U", (beds_type)rng_below(&g, BEDS_TYPE_COUNT),
                           "MFXXX"[rng_below(&g, 5)], 51.4 + 0.2 * rng_uniform(&g),
                           -0.4 + 0.3 * rng_uniform(&g), places[rng_below(&g, 4)]);
            size_t per = 1 + rng_below(&g, 6);
            for (size_t j = 0; j < per; j++, nb++) {
                b[nb] = mk_bed((int64_t)nb + 1, "B", (int)k,
                               rng_below(&g, 5) ? BEDS_AVAILABLE : BEDS_CLOSED);
                snprintf(b[nb].code, sizeof b[nb].code, "B%zu", nb);
                if (u[k].sex == 'X') b[nb].bay_sex = "\0MF"[rng_below(&g, 3)];
            }
        }
        beds_referral r[64];
        for (size_t i = 0; i < nr; i++) {
            r[i] = mk_ref((int64_t)i + 1, (beds_type)rng_below(&g, BEDS_TYPE_COUNT),
                          rng_below(&g, 2) ? 'M' : 'F', 51.4 + 0.2 * rng_uniform(&g),
                          -0.4 + 0.3 * rng_uniform(&g), places[rng_below(&g, 4)],
                          1 + (int)rng_below(&g, 3), NOW - (int64_t)rng_below(&g, 10 * 86400));
            if (rng_below(&g, 8) == 0) r[i].earliest_at = NOW + 86400; /* not ready */
        }
        beds_board bd = {u, nu, b, nb};
        for (int pol = 0; pol < 2; pol++) {
            beds_match_opts o;
            beds_match_opts_default(&o, NOW);
            o.policy = (beds_policy)pol;
            if (trial % 3 == 0) o.w.unplaced = 150;
            beds_unit_count cnt[24];
            beds_board_count(&bd, NOW, o.stale_after, cnt);
            size_t rows = 0, ready = 0;
            int bedrow[24 * 6], refcol[64];
            int64_t base = 0;
            for (size_t j = 0; j < nb; j++)
                if (beds_bed_offerable(&b[j])) bedrow[rows++] = (int)j;
            for (size_t i = 0; i < nr; i++)
                if (beds_referral_ready(&r[i], NOW)) {
                    refcol[ready++] = (int)i;
                    base += beds_unplaced_cost(&r[i], &o);
                }
            size_t cols = ready + rows;
            int64_t *w = calloc(rows * cols + 1, sizeof *w);
            for (size_t x = 0; x < rows; x++)
                for (size_t y = 0; y < ready; y++) {
                    const beds_referral *rf = &r[refcol[y]];
                    int64_t c = beds_option_cost(&bd, cnt, rf, bedrow[x], &o, NULL);
                    int64_t un = beds_unplaced_cost(rf, &o);
                    if (c >= 0 && c < un) w[x * cols + y] = c - un;
                }
            int col[24 * 6];
            int64_t dense = 0;
            assert_int_equal(beds_lsap_solve(rows, cols, w, col, &dense, NULL, NULL, &e), 0);
            beds_plan *p;
            assert_int_equal(beds_queue_match(&bd, r, nr, &o, NULL, NULL, &p, &e), 0);
            assert_true(p->total_cost == base + dense);
            int used[24 * 6] = {0};
            int64_t sum = 0;
            for (size_t i = 0; i < nr; i++) {
                sum += p->cost_of[i];
                if (p->bed_of[i] < 0) continue;
                assert_int_equal(used[p->bed_of[i]]++, 0);
                assert_true(beds_option_cost(&bd, cnt, &r[i], p->bed_of[i], &o, NULL) ==
                            p->cost_of[i]);
            }
            assert_true(sum == p->total_cost);
            beds_plan_free(p);
            free(w);
        }
    }
}

static beds_stay mk_stay(int unit, int64_t admit, int64_t dis, int64_t ready)
{
    beds_stay s = {unit, admit, dis, ready, -1};
    return s;
}

/* LOS {2, 4, 4, 10, 30}: mean 10; median 4; p90 (type 7): h = 4 * 0.9 =
 * 3.6 -> 10 + 0.6 * (30 - 10) = 22; bins 0-6: 3, 7-13: 1, 28-41: 1.
 * Delays: ready 3 days before discharge on the 30-day stay and 1 day on
 * the 10-day stay -> 4 delayed days over 2 stays. */
static void test_los_statistics_worked_example(void **s)
{
    (void)s;
    beds_stay st[7] = {mk_stay(0, 100, 102, -1),  mk_stay(0, 100, 104, -1),
                       mk_stay(0, 101, 105, 105), mk_stay(0, 100, 110, 109),
                       mk_stay(0, 100, 130, 127), mk_stay(0, 90, -1, -1),
                       mk_stay(0, 10, 20, -1)}; /* still in; and outside the window */
    beds_type t = BEDS_TYPE_REHAB;
    beds_los l;
    ics_err e = {0};
    assert_int_equal(beds_los_compute(st, 7, 1, &t, 100, 200, &l, &e), 0);
    assert_int_equal(l.n, 5);
    assert_float_equal(l.mean, 10.0, 1e-12);
    assert_float_equal(l.median, 4.0, 1e-12);
    assert_float_equal(l.p90, 22.0, 1e-12);
    assert_int_equal(l.hist[0], 3);
    assert_int_equal(l.hist[1], 1);
    assert_int_equal(l.hist[2], 0);
    assert_int_equal(l.hist[4], 1);
    assert_int_equal(l.delayed_days, 4);
    assert_int_equal(l.ndelayed, 2);
    /* sd of {2,4,4,10,30}: squares sum 1036 - 5 * 100 = 536 / 4 = 134 */
    assert_float_equal(l.sd, sqrt(134.0), 1e-9);
    assert_float_equal(l.target, 10.0, 1e-12);
    assert_int_equal(l.flag, 0);
}

static void test_percentile_edges(void **s)
{
    (void)s;
    double one[1] = {7}, two[2] = {1, 3};
    assert_float_equal(stats_quantile(one, 1, 0.9, STATS_Q_TYPE7), 7, 1e-12);
    assert_float_equal(stats_quantile(two, 2, 0.5, STATS_Q_TYPE7), 2, 1e-12);
    assert_float_equal(stats_quantile(two, 2, 0, STATS_Q_TYPE7), 1, 1e-12);
    assert_float_equal(stats_quantile(two, 2, 1, STATS_Q_TYPE7), 3, 1e-12);
    assert_float_equal(stats_quantile(two, 0, 0.5, STATS_Q_TYPE7), 0, 1e-12);
}

/* Two rehabilitation units, one with n stays of 10 days and one with n of
 * 20: target 15, sd = sqrt(2n * 25 / (2n - 1)), se = sd / sqrt(n).
 * n = 9: z = 5 / se = 2.9155 (outside 95%, inside 99.8%: flag 1);
 * n = 16: z = 3.937 (outside 99.8%: flag 2). A palliative unit is judged
 * against palliative stays only. */
static void test_los_funnel_flags_units_by_bed_type(void **s)
{
    (void)s;
    for (int n = 9; n <= 16; n += 7) {
        beds_stay st[40];
        size_t k = 0;
        for (int i = 0; i < n; i++) st[k++] = mk_stay(0, 100, 110, -1);
        for (int i = 0; i < n; i++) st[k++] = mk_stay(1, 100, 120, -1);
        st[k++] = mk_stay(2, 100, 103, -1);
        st[k++] = mk_stay(2, 100, 105, -1);
        beds_type t[3] = {BEDS_TYPE_REHAB, BEDS_TYPE_REHAB, BEDS_TYPE_PALLIATIVE};
        beds_los l[3];
        ics_err e = {0};
        assert_int_equal(beds_los_compute(st, k, 3, t, 0, 1000, l, &e), 0);
        double sd = sqrt(2.0 * n * 25.0 / (2.0 * n - 1.0)), se = sd / sqrt((double)n);
        assert_float_equal(l[0].target, 15.0, 1e-12);
        assert_float_equal(l[0].sd_type, sd, 1e-9);
        assert_float_equal(l[0].z, -5.0 / se, 1e-9);
        assert_float_equal(l[1].z, 5.0 / se, 1e-9);
        assert_float_equal(l[0].lo998, 15.0 - 3.090232 * se, 1e-9);
        assert_float_equal(l[1].hi95, 15.0 + 1.959964 * se, 1e-9);
        assert_int_equal(l[0].flag, n == 9 ? 1 : 2);
        assert_int_equal(l[1].flag, n == 9 ? 1 : 2);
        assert_float_equal(l[2].target, 4.0, 1e-12);
        assert_int_equal(l[2].flag, 0);
    }
}

/* History of one unit (type's history used: fewer than 20 own stays):
 * LOS {1, 2, 2, 3}. An occupant admitted 2 days ago: at risk 3 (LOS 2, 2,
 * 3): P(today) = 2/3, P(tomorrow) = 1/3. A planned date in 3 days counts
 * as 1 on day 3. An occupant beyond every stay seen (10 days) uses the
 * constant hazard 1 / mean (mean 2): 0.5, 0.25, 0.125 ... */
static void test_forecast_uses_conditional_discharge_probability(void **s)
{
    (void)s;
    int64_t today = 500;
    beds_stay st[7] = {mk_stay(0, 10, 11, -1),        mk_stay(0, 20, 22, -1),
                       mk_stay(0, 30, 32, -1),        mk_stay(0, 40, 43, -1),
                       mk_stay(0, today - 2, -1, -1), mk_stay(1, today - 1, -1, -1),
                       mk_stay(0, today - 10, -1, -1)};
    st[5].expected_day = today + 3;
    beds_type t[2] = {BEDS_TYPE_REHAB, BEDS_TYPE_DEMENTIA};
    int free_now[2] = {1, 0};
    double dis[2][BEDS_FORECAST_DAYS], fr[2][BEDS_FORECAST_DAYS];
    ics_err e = {0};
    assert_int_equal(beds_forecast(st, 7, 2, t, free_now, today, dis, fr, &e), 0);
    assert_float_equal(dis[0][0], 2.0 / 3.0 + 0.5, 1e-12);
    assert_float_equal(dis[0][1], 1.0 / 3.0 + 0.25, 1e-12);
    assert_float_equal(dis[0][2], 0.125, 1e-12);
    assert_float_equal(fr[0][1], 1 + 2.0 / 3.0 + 0.5 + 1.0 / 3.0 + 0.25, 1e-12);
    assert_float_equal(dis[1][3], 1.0, 1e-12);
    assert_float_equal(dis[1][2], 0.0, 1e-12);
    assert_float_equal(fr[1][6], 1.0, 1e-12);
}

static void test_occupancy_days_counts_midnights(void **s)
{
    (void)s;
    beds_stay st[3] = {mk_stay(0, 10, 12, -1), mk_stay(0, 11, -1, -1), mk_stay(1, 11, 11, -1)};
    int out[2 * 4];
    beds_occupancy_days(st, 3, 2, 10, 4, out);
    int want[8] = {1, 2, 1, 1, 0, 0, 0, 0};
    assert_memory_equal(out, want, sizeof want);
}

static void test_history_is_deterministic_and_consistent(void **s)
{
    (void)s;
    beds_unit u[3] = {mk_unit("R1", BEDS_TYPE_REHAB, 'X', 51.50, -0.30, "E09000009"),
                      mk_unit("P1", BEDS_TYPE_PALLIATIVE, 'X', 51.52, -0.21, "E09000020"),
                      mk_unit("S1", BEDS_TYPE_STROKE, 'F', 51.55, -0.25, "E09000005")};
    beds_bed b[30];
    for (int i = 0; i < 30; i++) {
        b[i] = mk_bed(i + 1, "X", i < 16 ? 0 : i < 22 ? 1 : 2, BEDS_AVAILABLE);
        snprintf(b[i].code, sizeof b[i].code, "B%02d", i);
    }
    beds_district d[2] = {{"W5", 51.51, -0.30, "E09000009"}, {"NW10", 51.54, -0.24, "E09000005"}};
    beds_gen_opts o = {
        .seed = 99, .end_day = 20000, .ndays = 365, .occupancy = 0.9, .closed_share = 0.05};
    beds_history *h1, *h2;
    ics_err e = {0};
    assert_int_equal(beds_history_generate(u, 3, b, 30, d, 2, &o, &h1, &e), 0);
    assert_int_equal(beds_history_generate(u, 3, b, 30, d, 2, &o, &h2, &e), 0);
    assert_int_equal(h1->n, h2->n);
    assert_true(h1->n > 300);
    assert_memory_equal(h1->beds, h2->beds, 30 * sizeof *h1->beds);
    int held[30] = {0};
    size_t discharged = 0;
    for (size_t i = 0; i < h1->n; i++) {
        beds_episode *a = &h1->eps[i], *c = &h2->eps[i];
        assert_string_equal(a->ref.nhs, c->ref.nhs);
        assert_int_equal(a->state, c->state);
        assert_int_equal(a->admitted_at, c->admitted_at);
        char n[11];
        assert_int_equal(valid_nhs_number(a->ref.nhs, n, &e), 0);
        assert_memory_equal(a->ref.nhs, "999", 3);
        assert_int_equal(a->ref.id, (int64_t)i + 1);
        if (a->state == BEDS_REF_DISCHARGED) {
            discharged++;
            assert_true(a->discharged_at > a->admitted_at);
            assert_non_null(a->destination);
        }
        if (a->state == BEDS_REF_ADMITTED) {
            assert_int_equal(h1->beds[a->bed].status, BEDS_OCCUPIED);
            held[a->bed]++;
        }
        if (a->state == BEDS_REF_OFFERED || a->state == BEDS_REF_ACCEPTED) {
            assert_int_equal(h1->beds[a->bed].status, BEDS_RESERVED);
            held[a->bed]++;
        }
        if (a->bed >= 0 && a->state != BEDS_REF_WAITING) {
            /* the female stroke unit only ever takes women */
            if (b[a->bed].unit == 2) assert_int_equal(a->ref.sex, 'F');
        }
    }
    assert_true(discharged > 200);
    /* up to 5% of 30 beds closed on the last morning (only free beds can
     * be closed), each with a reason */
    int closed = 0;
    for (int i = 0; i < 30; i++)
        if (h1->beds[i].status == BEDS_CLOSED) {
            closed++;
            assert_int_not_equal(h1->beds[i].closure, BEDS_CLOSE_NONE);
        }
    assert_true(closed <= 2); /* lround(0.05 * 30) */
    for (int i = 0; i < 30; i++) {
        assert_true(held[i] <= 1);
        int busy = h1->beds[i].status == BEDS_OCCUPIED || h1->beds[i].status == BEDS_RESERVED;
        assert_int_equal(held[i], busy);
    }
    beds_history_free(h1);
    beds_history_free(h2);
    o.ndays = 0;
    assert_int_equal(beds_history_generate(u, 3, b, 30, d, 2, &o, &h1, &e), ICS_EINVAL);
    beds_history_free(NULL);
    beds_plan_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_beds_type_fit_follows_substitution_table),
        cmocka_unit_test(test_beds_names_parse_and_reject),
        cmocka_unit_test(test_bed_status_moves_and_hl7_codes),
        cmocka_unit_test(test_referral_lifecycle_moves),
        cmocka_unit_test(test_board_empty_is_not_available_and_stale_flag),
        cmocka_unit_test(test_option_cost_worked_example),
        cmocka_unit_test(test_option_reasons_for_unsuitable_beds),
        cmocka_unit_test(test_unplaced_cost_grows_with_wait_and_priority),
        cmocka_unit_test(test_rank_lists_suitable_by_cost_then_reasons),
        cmocka_unit_test(test_lsap_known_optimum),
        cmocka_unit_test(test_lsap_equals_brute_force_on_random_matrices),
        cmocka_unit_test(test_lsap_capacities_equal_expanded_rows),
        cmocka_unit_test(test_queue_match_is_optimal_not_greedy),
        cmocka_unit_test(test_queue_match_skips_referrals_not_ready_and_beds_not_free),
        cmocka_unit_test(test_queue_match_equals_exhaustive_search),
        cmocka_unit_test(test_queue_match_equals_dense_solver_on_random_boards),
        cmocka_unit_test(test_los_statistics_worked_example),
        cmocka_unit_test(test_percentile_edges),
        cmocka_unit_test(test_los_funnel_flags_units_by_bed_type),
        cmocka_unit_test(test_forecast_uses_conditional_discharge_probability),
        cmocka_unit_test(test_occupancy_days_counts_midnights),
        cmocka_unit_test(test_history_is_deterministic_and_consistent),
    };
    return cmocka_run_group_tests_name("beds", tests, NULL, NULL);
}
