/* test_sitrep.c - sitrep validation, OPEL scoring against worked examples
 * and every threshold boundary, the ICS roll-up, XmR signals, the mutual-aid
 * lifecycle and ranking, and the synthetic year. Expected values are worked
 * by hand from the formulas in docs/sitrep.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/tz.h"
#include "sitrep/sitrep.h"

#define TODAY 20000 /* a day number: 2024-10-04 */

static sitrep_thresholds *shipped(void)
{
    csv_doc *r = NULL, *l = NULL;
    ics_err e = {0};
    sitrep_thresholds *t = NULL;
    assert_int_equal(csv_read_file(ICS_SRC_DIR "/data/opel_thresholds.csv", &r, &e), 0);
    assert_int_equal(csv_read_file(ICS_SRC_DIR "/data/opel_levels.csv", &l, &e), 0);
    int rc = sitrep_thresholds_from_csv(r, l, &t, &e);
    if (rc) fprintf(stderr, "%s\n", e.msg);
    assert_int_equal(rc, 0);
    csv_free(r);
    csv_free(l);
    return t;
}

static void set(sitrep_submission *s, const char *name, double x)
{
    ics_err e = {0};
    assert_int_equal(sitrep_values_set(&s->val, s->kind, name, x, &e), 0);
}

/* The worked acute example of docs/sitrep.md: total 27, OPEL 3. */
static sitrep_submission acute_example(void)
{
    sitrep_submission s;
    memset(&s, 0, sizeof s);
    strcpy(s.org, "RYJ");
    s.kind = SITREP_ACUTE;
    s.day = TODAY - 1;
    set(&s, "ambulance_arrivals", 100);
    set(&s, "handover_mean_min", 32);
    set(&s, "ed_attendances", 400);
    set(&s, "ed_within_4h", 300);
    set(&s, "ed_expected", 400);
    set(&s, "ed_over_12h", 8);
    set(&s, "ed_majors_spaces", 40);
    set(&s, "ed_majors_patients", 50);
    set(&s, "time_to_treatment_min", 90);
    set(&s, "ga_beds_core", 950);
    set(&s, "ga_beds_escalation", 50);
    set(&s, "ga_beds_occupied", 960);
    set(&s, "nctr_patients", 96);
    return s;
}

static void test_acute_worked_example_scores_27_opel_3(void **st)
{
    (void)st;
    sitrep_thresholds *t = shipped();
    sitrep_submission s = acute_example();
    ics_err e = {0};
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), 0);
    sitrep_score sc;
    assert_int_equal(sitrep_score_compute(t, &s, &sc, &e), 0);
    assert_true(sc.computed);
    /* handover 3x2 + 4h 2 + expected 1 + majors 3 + ttt 2 + 12h 2 + G&A 3x2 + escalation 4 + nctr 1
     */
    assert_true(fabs(sc.total - 27) < 1e-9);
    assert_true(fabs(sc.min_total - 11) < 1e-9);
    assert_true(fabs(sc.max_total - 44) < 1e-9);
    assert_int_equal(sc.level_computed, 3);
    assert_int_equal(sc.level, 3);
    assert_int_equal(sc.source, SITREP_LEVEL_COMPUTED);
    assert_int_equal(sc.ndrivers, 9);
    assert_int_equal(sc.nmissing, 0);
    /* drivers by excess over the band-1 floor, ties by contribution then parameter order */
    static const int order[9] = {
        SITREP_P_HANDOVER_MEAN, SITREP_P_GA_OCC,         SITREP_P_ESCALATION_PCT,
        SITREP_P_ED_MAJORS_OCC, SITREP_P_ED_4H_PCT,      SITREP_P_TIME_TO_TREAT,
        SITREP_P_ED_12H_PCT,    SITREP_P_ED_VS_EXPECTED, SITREP_P_NCTR_PCT};
    static const double excess[9] = {4, 4, 3, 2, 1, 1, 1, 0, 0};
    for (int i = 0; i < 9; i++) {
        assert_int_equal(sc.drivers[i].param, order[i]);
        assert_true(fabs(sc.drivers[i].excess - excess[i]) < 1e-9);
    }
    assert_true(fabs(sc.drivers[1].value - 96.0) < 1e-9); /* 960 / 1000 */
    assert_int_equal(sc.drivers[1].band, 3);
    assert_true(fabs(sc.drivers[4].value - 75.0) < 1e-9);  /* 300 / 400 */
    assert_true(fabs(sc.drivers[3].value - 125.0) < 1e-9); /* 50 / 40: on the band-3 threshold */
    assert_int_equal(sc.drivers[3].band, 3);
    /* a declared level does not override an acute trust's computed level */
    s.declared_level = 1;
    strcpy(s.reason, "we feel fine");
    assert_int_equal(sitrep_score_compute(t, &s, &sc, &e), 0);
    assert_int_equal(sc.level, 3);
    sitrep_thresholds_free(t);
}

static void test_acute_all_band_one_is_opel_1_and_all_band_four_opel_4(void **st)
{
    (void)st;
    sitrep_thresholds *t = shipped();
    sitrep_submission s = acute_example();
    ics_err e = {0};
    sitrep_score sc;
    set(&s, "handover_mean_min", 14.9);
    set(&s, "ed_within_4h", 320); /* 80% */
    set(&s, "ed_over_12h", 7);    /* 1.75% */
    set(&s, "ed_majors_patients", 39);
    set(&s, "time_to_treatment_min", 59);
    set(&s, "ga_beds_core", 1000);
    set(&s, "ga_beds_escalation", 9); /* 0.89% */
    set(&s, "ga_beds_occupied", 900); /* 89.2% */
    set(&s, "nctr_patients", 90);
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), 0);
    assert_int_equal(sitrep_score_compute(t, &s, &sc, &e), 0);
    assert_true(fabs(sc.total - 11) < 1e-9);
    assert_int_equal(sc.level, 1);
    assert_true(fabs(sc.drivers[0].excess) < 1e-9);
    /* everything in band 4 */
    set(&s, "handover_mean_min", 60);
    set(&s, "ed_within_4h", 240); /* 60% */
    set(&s, "ed_expected", 320);  /* 125% */
    set(&s, "ed_over_12h", 40);   /* 10% */
    set(&s, "ed_majors_patients", 60);
    set(&s, "time_to_treatment_min", 180);
    set(&s, "ga_beds_core", 950);
    set(&s, "ga_beds_escalation", 50);
    set(&s, "ga_beds_occupied", 990);
    set(&s, "nctr_patients", 198); /* 20% */
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), 0);
    assert_int_equal(sitrep_score_compute(t, &s, &sc, &e), 0);
    assert_true(fabs(sc.total - 44) < 1e-9);
    assert_int_equal(sc.level, 4);
    sitrep_thresholds_free(t);
}

static void test_every_threshold_boundary_enters_the_worse_band(void **st)
{
    (void)st;
    sitrep_thresholds *t = shipped();
    for (size_t i = 0; i < sitrep_thresholds_count(t); i++) {
        const sitrep_rule *r = sitrep_thresholds_rule(t, i);
        double eps = 1e-6;
        for (int k = 0; k < 3; k++) {
            double b = r->from[k];
            assert_int_equal(sitrep_rule_band(r, b), k + 2);
            /* just on the better side stays in the band before */
            assert_int_equal(sitrep_rule_band(r, r->lower_worse ? b + eps : b - eps), k + 1);
        }
    }
    /* ED 4-hour performance, lower is worse: 78.01 -> 1, 78 -> 2, 70 -> 3, 60.01 -> 3, 60 -> 4 */
    sitrep_rule four = {.kind = SITREP_ACUTE,
                        .param = SITREP_P_ED_4H_PCT,
                        .lower_worse = 1,
                        .from = {78, 70, 60},
                        .points = {1, 2, 3, 4},
                        .weight = 1};
    assert_int_equal(sitrep_rule_band(&four, 78.01), 1);
    assert_int_equal(sitrep_rule_band(&four, 78), 2);
    assert_int_equal(sitrep_rule_band(&four, 70), 3);
    assert_int_equal(sitrep_rule_band(&four, 60.01), 3);
    assert_int_equal(sitrep_rule_band(&four, 60), 4);
    assert_int_equal(sitrep_rule_band(&four, 0), 4);
    /* level cut-offs 11 / 22 / 33 */
    double max[3];
    assert_true(sitrep_thresholds_kind(t, SITREP_ACUTE, max));
    assert_int_equal(sitrep_level_of(max, 11), 1);
    assert_int_equal(sitrep_level_of(max, 11.5), 2);
    assert_int_equal(sitrep_level_of(max, 22), 2);
    assert_int_equal(sitrep_level_of(max, 22.01), 3);
    assert_int_equal(sitrep_level_of(max, 33), 3);
    assert_int_equal(sitrep_level_of(max, 34), 4);
    sitrep_thresholds_free(t);
}

static void test_thresholds_are_data_an_ics_can_replace(void **st)
{
    (void)st;
    /* a stricter ICS: G&A occupancy alone, 85/90/95, weight 3, levels 3/6/9 */
    const char *rules = "kind,parameter,direction,band2_from,band3_from,band4_from,points1,"
                        "points2,points3,points4,weight\n"
                        "acute,ga_occ_pct,higher_worse,85,90,95,1,2,3,4,3\n";
    const char *levels = "kind,opel1_max,opel2_max,opel3_max\nacute,3,6,9\n";
    csv_doc *r, *l;
    ics_err e = {0};
    assert_int_equal(csv_parse(rules, strlen(rules), "r.csv", &r, &e), 0);
    assert_int_equal(csv_parse(levels, strlen(levels), "l.csv", &l, &e), 0);
    sitrep_thresholds *t;
    assert_int_equal(sitrep_thresholds_from_csv(r, l, &t, &e), 0);
    sitrep_submission s = acute_example(); /* 96% occupied */
    sitrep_score sc;
    assert_int_equal(sitrep_score_compute(t, &s, &sc, &e), 0);
    assert_true(fabs(sc.total - 12) < 1e-9);
    assert_int_equal(sc.level, 4);
    assert_int_equal(sc.ndrivers, 1);
    sitrep_thresholds_free(t);
    csv_free(r);
    csv_free(l);
}

static void expect_load_error(const char *rules, const char *levels, const char *needle)
{
    csv_doc *r, *l;
    ics_err e = {0};
    sitrep_thresholds *t = (sitrep_thresholds *)1;
    assert_int_equal(csv_parse(rules, strlen(rules), "opel_thresholds.csv", &r, &e), 0);
    assert_int_equal(csv_parse(levels, strlen(levels), "opel_levels.csv", &l, &e), 0);
    assert_int_equal(sitrep_thresholds_from_csv(r, l, &t, &e), ICS_EINVAL);
    assert_null(t);
    if (!strstr(e.msg, needle)) fprintf(stderr, "message: %s\n", e.msg);
    assert_non_null(strstr(e.msg, needle));
    csv_free(r);
    csv_free(l);
}

static void test_bad_threshold_files_are_rejected_with_the_line(void **st)
{
    (void)st;
    const char *h = "kind,parameter,direction,band2_from,band3_from,band4_from,points1,points2,"
                    "points3,points4,weight\n";
    const char *lv = "kind,opel1_max,opel2_max,opel3_max\nacute,3,6,9\n";
    char buf[512];
    snprintf(buf, sizeof buf, "%sacute,ga_occ_pct,sideways,85,90,95,1,2,3,4,1\n", h);
    expect_load_error(buf, lv, "line 2: direction");
    snprintf(buf, sizeof buf, "%sacute,ga_occ_pct,higher_worse,85,95,90,1,2,3,4,1\n", h);
    expect_load_error(buf, lv, "strictly increasing");
    snprintf(buf, sizeof buf, "%sacute,ga_occ_pct,lower_worse,85,90,95,1,2,3,4,1\n", h);
    expect_load_error(buf, lv, "strictly decreasing");
    snprintf(buf, sizeof buf, "%sacute,bed_vibes,higher_worse,85,90,95,1,2,3,4,1\n", h);
    expect_load_error(buf, lv, "unknown parameter 'bed_vibes'");
    snprintf(buf, sizeof buf, "%sacute,ga_occ_pct,higher_worse,85,90,95,1,2,3,4,0\n", h);
    expect_load_error(buf, lv, "weight");
    snprintf(buf, sizeof buf, "%sacute,ga_occ_pct,higher_worse,85,90,x,1,2,3,4,1\n", h);
    expect_load_error(buf, lv, "'x' is not a number");
    snprintf(buf, sizeof buf, "%scommunity,ucr_2h_pct,lower_worse,70,60,50,1,2,3,4,1\n", h);
    expect_load_error(buf, lv, "acute providers have level cut-offs but no parameter thresholds");
    snprintf(buf, sizeof buf, "%sacute,ga_occ_pct,higher_worse,85,90,95,1,2,3,4,1\n", h);
    expect_load_error(buf, "kind,opel1_max,opel2_max,opel3_max\nacute,6,6,9\n", "cut-offs");
}

static void test_bad_submissions_collect_every_problem(void **st)
{
    (void)st;
    ics_err e = {0};
    sitrep_submission s = acute_example();
    s.val.has[SITREP_F_ED_EXPECTED] = 0;       /* missing */
    s.val.v[SITREP_F_ED_OVER_12H] = -3;        /* negative count */
    s.val.v[SITREP_F_GA_BEDS_OCCUPIED] = 1001; /* 100.1% occupancy */
    s.val.v[SITREP_F_AMB_ARRIVALS] = 10.5;     /* not whole */
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "missing field 'ed_expected'"));
    assert_non_null(strstr(e.msg, "'ed_over_12h' must be at least 0"));
    assert_non_null(strstr(e.msg, "occupancy over 100%"));
    assert_non_null(strstr(e.msg, "'ambulance_arrivals' must be a whole number"));
    /* exactly 100% is allowed */
    s = acute_example();
    s.val.v[SITREP_F_GA_BEDS_OCCUPIED] = 1000;
    s.val.v[SITREP_F_NCTR_PATIENTS] = 100;
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), 0);
    /* a day in the future; a day too old to amend; today is fine */
    s.day = TODAY + 1;
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "2024-10-05 is in the future"));
    s.day = TODAY - 15;
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "14 days"));
    assert_int_equal(sitrep_submission_check(&s, TODAY, 0, &e), 0); /* imports: no age limit */
    s.day = TODAY;
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), 0);
    /* a bad code; a field of another kind; a declared level without reason */
    strcpy(s.org, "ryj");
    s.val.v[SITREP_F_UCR_REFERRALS] = 3;
    s.val.has[SITREP_F_UCR_REFERRALS] = 1;
    s.declared_level = 2;
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "ryj"));
    assert_non_null(strstr(e.msg, "'ucr_referrals' does not apply to acute"));
    assert_non_null(strstr(e.msg, "needs a reason"));
    /* the by-name setter refuses the same */
    assert_int_equal(sitrep_values_set(&s.val, SITREP_ACUTE, "ucr_referrals", 1, &e), ICS_EINVAL);
    assert_int_equal(sitrep_values_set(&s.val, SITREP_ACUTE, "colour", 1, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "unknown sitrep field 'colour'"));
    /* counts inside their totals */
    s = acute_example();
    s.val.v[SITREP_F_ED_WITHIN_4H] = 401;
    s.val.v[SITREP_F_NCTR_PATIENTS] = 961;
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "ed_within_4h (401) is more than ed_attendances (400)"));
    assert_non_null(strstr(e.msg, "nctr_patients (961)"));
}

static sitrep_submission community_example(void)
{
    sitrep_submission s;
    memset(&s, 0, sizeof s);
    strcpy(s.org, "RYX");
    s.kind = SITREP_COMMUNITY;
    s.day = TODAY - 1;
    set(&s, "community_beds", 100);
    set(&s, "community_occupied", 95); /* 95% -> band 3 */
    set(&s, "ucr_referrals", 50);
    set(&s, "ucr_within_2h", 36);    /* 72% -> band 1 */
    set(&s, "staff_absence_pct", 9); /* band 3 */
    return s;
}

static void test_community_declared_level_kept_with_reason(void **st)
{
    (void)st;
    sitrep_thresholds *t = shipped();
    ics_err e = {0};
    sitrep_score sc;
    sitrep_submission s = community_example();
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), 0);
    assert_int_equal(sitrep_score_compute(t, &s, &sc, &e), 0);
    assert_true(fabs(sc.total - 7) < 1e-9); /* 3 + 1 + 3 */
    assert_int_equal(sc.level, 3);          /* <= 9 */
    assert_int_equal(sc.source, SITREP_LEVEL_COMPUTED);
    s.declared_level = 4;
    strcpy(s.reason, "district nursing sickness");
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), 0);
    assert_int_equal(sitrep_score_compute(t, &s, &sc, &e), 0);
    assert_int_equal(sc.level, 4);
    assert_int_equal(sc.level_computed, 3);
    assert_int_equal(sc.source, SITREP_LEVEL_DECLARED);
    /* missing a required community field */
    s.val.has[SITREP_F_STAFF_ABSENCE_PCT] = 0;
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "staff_absence_pct"));
    /* with no thresholds for the kind, a level must be declared */
    sitrep_thresholds *none = sitrep_thresholds_new();
    s = community_example();
    assert_int_equal(sitrep_score_compute(none, &s, &sc, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "declare a level"));
    s.declared_level = 2;
    strcpy(s.reason, "manual");
    assert_int_equal(sitrep_score_compute(none, &s, &sc, &e), 0);
    assert_int_equal(sc.level, 2);
    assert_false(sc.computed);
    sitrep_thresholds_free(none);
    sitrep_thresholds_free(t);
}

static void test_sites_combine_into_trust(void **st)
{
    (void)st;
    sitrep_submission a = acute_example(), b = acute_example();
    strcpy(a.org, "RYJ01");
    strcpy(b.org, "RYJ02");
    set(&a, "ambulance_arrivals", 100);
    set(&a, "handover_mean_min", 20);
    set(&b, "ambulance_arrivals", 300);
    set(&b, "handover_mean_min", 40);
    set(&b, "ga_beds_core", 450);
    set(&b, "ga_beds_escalation", 0);
    set(&b, "ga_beds_occupied", 400);
    set(&b, "nctr_patients", 40);
    sitrep_submission both[2] = {a, b}, t;
    sitrep_submission_combine(both, 2, "RYJ", &t);
    assert_string_equal(t.org, "RYJ");
    /* arrivals-weighted mean handover: (100 x 20 + 300 x 40) / 400 = 35 */
    assert_true(fabs(t.val.v[SITREP_F_HANDOVER_MEAN_MIN] - 35) < 1e-9);
    assert_true(fabs(t.val.v[SITREP_F_AMB_ARRIVALS] - 400) < 1e-9);
    assert_true(fabs(t.val.v[SITREP_F_GA_BEDS_OCCUPIED] - 1360) < 1e-9);
    assert_true(fabs(sitrep_submission_beds(&t) - 1450) < 1e-9);
    ics_err e = {0};
    t.day = TODAY;
    assert_int_equal(sitrep_submission_check(&t, TODAY, 14, &e), 0);
}

static void test_rollup_weights_by_beds_and_averages_the_framework_pillars(void **st)
{
    (void)st;
    sitrep_rollup_item it[] = {
        {SITREP_ACUTE, 3, 1000},  {SITREP_ACUTE, 1, 500},         {SITREP_COMMUNITY, 4, 100},
        {SITREP_AMBULANCE, 4, 0}, {SITREP_MENTAL_HEALTH, 0, 300}, /* no sitrep: skipped */
    };
    sitrep_rollup r;
    sitrep_rollup_compute(it, 5, &r);
    /* acute: (3 x 1000 + 1 x 500) / 1500 = 2.333 -> 2 */
    assert_true(fabs(r.pillar_mean[SITREP_ACUTE] - 3500.0 / 1500) < 1e-9);
    assert_int_equal(r.pillar_level[SITREP_ACUTE], 2);
    assert_int_equal(r.pillar_max[SITREP_ACUTE], 3);
    assert_int_equal(r.pillar_level[SITREP_AMBULANCE], 4);
    assert_int_equal(r.pillar_level[SITREP_MENTAL_HEALTH], 0);
    assert_int_equal(r.framework_level[SITREP_PILLAR_MENTAL_HEALTH], 0);
    assert_int_equal(r.framework_level[SITREP_PILLAR_NHS111], 0);
    /* ICS: the pillars with a return, each once: (2.333 + 4) / 2 = 3.17 -> 3;
     * the ambulance service's OPEL 4 is in no pillar */
    assert_true(fabs(r.ics_mean - (3500.0 / 1500 + 4) / 2) < 1e-9);
    assert_int_equal(r.ics_level, 3);
    assert_int_equal(r.n, 4);
    /* exactly half way rounds up: (3 x 500 + 2 x 500) / 1000 = 2.5 -> 3 */
    sitrep_rollup_item half[] = {{SITREP_ACUTE, 3, 500}, {SITREP_ACUTE, 2, 500}};
    sitrep_rollup_compute(half, 2, &r);
    assert_int_equal(r.ics_level, 3);
    /* specialist trusts are in the acute pillar; NHS 111 (no beds) counts as a pillar */
    sitrep_rollup_item four[] = {{SITREP_ACUTE, 2, 900},
                                 {SITREP_SPECIALIST, 4, 100},
                                 {SITREP_COMMUNITY, 1, 80},
                                 {SITREP_MENTAL_HEALTH, 1, 400},
                                 {SITREP_NHS111, 4, 0}};
    sitrep_rollup_compute(four, 5, &r);
    assert_true(fabs(r.framework_mean[SITREP_PILLAR_ACUTE] - 2.2) < 1e-9);
    assert_int_equal(r.framework_max[SITREP_PILLAR_ACUTE], 4);
    assert_int_equal(r.framework_level[SITREP_PILLAR_NHS111], 4);
    /* (2.2 + 1 + 1 + 4) / 4 = 2.05 -> 2 */
    assert_true(fabs(r.ics_mean - 2.05) < 1e-9);
    assert_int_equal(r.ics_level, 2);
}

/* An NHS 111 return: 2,000 offered, 1,900 answered, 1,520 in 60 s (80%),
 * 100 abandoned (5%), 300 call-backs, 240 in target (80%). */
static sitrep_submission nhs111_example(void)
{
    sitrep_submission s;
    memset(&s, 0, sizeof s);
    strcpy(s.org, "L11");
    s.kind = SITREP_NHS111;
    s.day = TODAY;
    set(&s, "calls_offered", 2000);
    set(&s, "calls_answered", 1900);
    set(&s, "calls_answered_60s", 1520);
    set(&s, "calls_abandoned", 100);
    set(&s, "callbacks", 300);
    set(&s, "callbacks_in_target", 240);
    return s;
}

static void test_nhs111_return_scores_its_three_parameters(void **st)
{
    (void)st;
    sitrep_thresholds *t = shipped();
    sitrep_submission s = nhs111_example();
    ics_err e = {0};
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), 0);
    double v;
    assert_int_equal(sitrep_param_value(&s, SITREP_P_111_ANSWERED_60S, &v), 1);
    assert_true(fabs(v - 80) < 1e-9);
    assert_int_equal(sitrep_param_value(&s, SITREP_P_111_ABANDONED, &v), 1);
    assert_true(fabs(v - 5) < 1e-9);
    sitrep_score sc;
    assert_int_equal(sitrep_score_compute(t, &s, &sc, &e), 0);
    /* 60 s: 80% is on the band-3 threshold (lower worse: <= 80) -> 3;
     * abandoned 5% on the band-2 threshold -> 2; call-backs 80% -> 2 (<= 90, > 75) */
    assert_true(fabs(sc.total - 7) < 1e-9);
    assert_int_equal(sc.level, 3); /* 6 < 7 <= 9 */
    assert_int_equal(sc.ndrivers, 3);
    assert_int_equal(sc.drivers[0].param, SITREP_P_111_ANSWERED_60S);
    sitrep_thresholds_free(t);
}

static void test_nhs111_counts_must_add_up(void **st)
{
    (void)st;
    sitrep_submission s = nhs111_example();
    set(&s, "calls_answered", 2100);     /* more than offered */
    set(&s, "callbacks_in_target", 301); /* more than due */
    ics_err e = {0};
    assert_int_equal(sitrep_submission_check(&s, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "calls_answered (2100) is more than calls_offered"));
    assert_non_null(strstr(e.msg, "callbacks_in_target (301) is more than callbacks"));
    /* answered + abandoned above offered */
    sitrep_submission t = nhs111_example();
    set(&t, "calls_abandoned", 101);
    assert_int_equal(sitrep_submission_check(&t, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "calls_abandoned (101)"));
    /* a 111 field on an acute return is refused */
    sitrep_submission a = acute_example();
    assert_int_equal(sitrep_values_set(&a.val, a.kind, "calls_offered", 5, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "does not apply to acute"));
    /* a missing required 111 figure is named */
    sitrep_submission m = nhs111_example();
    m.val.has[SITREP_F_CALLBACKS] = 0;
    assert_int_equal(sitrep_submission_check(&m, TODAY, 14, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "missing field 'callbacks'"));
}

static void test_actions_due_by_pillar_and_by_ics_level(void **st)
{
    (void)st;
    int pmax[SITREP_NPILLARS] = {0};
    pmax[SITREP_PILLAR_ACUTE] = 3; /* one acute trust at OPEL 3 */
    pmax[SITREP_PILLAR_NHS111] = 1;
    /* the acute pillar's OPEL 2 and 3 actions, not its OPEL 4 ones */
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_ACUTE, 3, pmax, 2), 1);
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_ACUTE, 2, pmax, 2), 1);
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_ACUTE, 4, pmax, 2), 0);
    /* another pillar follows the ICS level (2) only */
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_NHS111, 3, pmax, 2), 0);
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_NHS111, 2, pmax, 2), 1);
    /* ICS-wide actions only by the ICS level */
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_ICS, 3, pmax, 2), 0);
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_ICS, 3, pmax, 3), 1);
    /* the ICS at OPEL 3 brings every pillar's OPEL 3 actions */
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_MENTAL_HEALTH, 3, pmax, 3), 1);
    /* no ICS level yet, no returns: nothing */
    int none[SITREP_NPILLARS] = {0};
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_COMMUNITY, 1, none, 0), 0);
    /* nonsense in, nothing out */
    assert_int_equal(sitrep_action_due(SITREP_PILLAR_ACUTE, 5, pmax, 4), 0);
    assert_int_equal(sitrep_action_due(-1, 1, pmax, 4), 0);
    assert_int_equal(sitrep_action_pillar_find("ics"), SITREP_PILLAR_ICS);
    assert_string_equal(sitrep_action_pillar_name(SITREP_PILLAR_NHS111), "nhs111");
}

static void test_action_definitions_are_checked(void **st)
{
    (void)st;
    ics_err e = {0};
    assert_int_equal(sitrep_action_check("acute", 3, "Hold a system call", 1, &e), 0);
    assert_int_equal(sitrep_action_check("maternity", 0, "", 0, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "pillar must be"));
    assert_non_null(strstr(e.msg, "level must be 1 to 4, not 0"));
    assert_non_null(strstr(e.msg, "text is empty"));
    assert_non_null(strstr(e.msg, "owner_role is not a role"));
    char big[SITREP_ACTION_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(sitrep_action_check("ics", 4, big, 1, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "at most 500"));
    assert_int_equal(sitrep_action_check("ics", 4, "tab\there", 1, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "control character"));
}

static void test_spc_point_outside_limits(void **st)
{
    (void)st;
    double x[] = {10, 12, 11, 13, 12, 11, 30, 12, 11, 10};
    sitrep_spc s;
    ics_err e = {0};
    assert_int_equal(sitrep_spc_compute(x, 10, &s, &e), 0);
    /* mean 132 / 10 = 13.2; moving ranges sum 46 over 9 */
    assert_true(fabs(s.mean - 13.2) < 1e-9);
    assert_true(fabs(s.mr_mean - 46.0 / 9) < 1e-9);
    assert_true(fabs(s.ucl - (13.2 + 2.66 * 46.0 / 9)) < 1e-9);
    assert_true(fabs(s.lcl - (13.2 - 2.66 * 46.0 / 9)) < 1e-9);
    for (int i = 0; i < 10; i++) assert_int_equal((s.flags[i] & SITREP_SPC_OUTSIDE) != 0, i == 6);
    sitrep_spc_free(&s);
    assert_int_equal(sitrep_spc_compute(x, 1, &s, &e), ICS_EINVAL);
    sitrep_spc_free(&s);
}

static void test_spc_shift_of_seven_but_not_six(void **st)
{
    (void)st;
    /* mean 48 / 16 = 3: six below (not a signal), seven above (a signal) */
    double x[] = {1, 2, 1, 2, 1, 2, 5, 5, 5, 5, 5, 5, 5, 1, 2, 1};
    sitrep_spc s;
    ics_err e = {0};
    assert_int_equal(sitrep_spc_compute(x, 16, &s, &e), 0);
    assert_true(fabs(s.mean - 3) < 1e-9);
    for (int i = 0; i < 16; i++)
        assert_int_equal((s.flags[i] & SITREP_SPC_SHIFT) != 0, i >= 6 && i <= 12);
    sitrep_spc_free(&s);
}

static void test_spc_trend_of_seven_rising(void **st)
{
    (void)st;
    double up[] = {5, 1, 2, 3, 4, 5, 6, 7, 3};
    sitrep_spc s;
    ics_err e = {0};
    assert_int_equal(sitrep_spc_compute(up, 9, &s, &e), 0);
    for (int i = 0; i < 9; i++)
        assert_int_equal((s.flags[i] & SITREP_SPC_TREND) != 0, i >= 1 && i <= 7);
    sitrep_spc_free(&s);
    double six[] = {5, 1, 2, 3, 4, 5, 6, 2};
    assert_int_equal(sitrep_spc_compute(six, 8, &s, &e), 0);
    for (int i = 0; i < 8; i++) assert_false(s.flags[i] & SITREP_SPC_TREND);
    sitrep_spc_free(&s);
    /* a repeated value ends the run */
    double flat[] = {1, 2, 3, 3, 4, 5, 6, 7};
    assert_int_equal(sitrep_spc_compute(flat, 8, &s, &e), 0);
    for (int i = 0; i < 8; i++) assert_false(s.flags[i] & SITREP_SPC_TREND);
    sitrep_spc_free(&s);
    /* falling counts too */
    double down[] = {9, 8, 7, 6, 5, 4, 3};
    assert_int_equal(sitrep_spc_compute(down, 7, &s, &e), 0);
    for (int i = 0; i < 7; i++) assert_true(s.flags[i] & SITREP_SPC_TREND);
    sitrep_spc_free(&s);
}

static void test_spc_two_of_three_beyond_two_sigma(void **st)
{
    (void)st;
    double x[] = {10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 14, 10, 14, 11, 10, 11, 10, 11, 10, 11};
    sitrep_spc s;
    ics_err e = {0};
    assert_int_equal(sitrep_spc_compute(x, 20, &s, &e), 0);
    /* mean 217 / 20 = 10.85; mean MR 29 / 19; 2 sigma line 10.85 + 2 x 1.5263 / 1.128 = 13.556 */
    assert_true(fabs(s.mean - 10.85) < 1e-9);
    assert_true(fabs(s.mr_mean - 29.0 / 19) < 1e-9);
    assert_true(fabs(s.sigma - 29.0 / 19 / 1.128) < 1e-9);
    assert_true(s.ucl > 14); /* 14 is inside the limits: only the 2-of-3 rule fires */
    for (int i = 0; i < 20; i++) {
        assert_false(s.flags[i] & SITREP_SPC_OUTSIDE);
        assert_int_equal(s.flags[i] != 0, i == 10 || i == 12);
    }
    assert_true(s.flags[10] & SITREP_SPC_TWO_OF_THREE);
    assert_int_equal(s.nsignals, 2);
    sitrep_spc_free(&s);
}

static void test_aid_lifecycle_and_who_may_act(void **st)
{
    (void)st;
    ics_err e = {0};
    int next;
    sitrep_aid_actor ryj = {0, "RYJ"}, r1k = {0, "R1K"}, ras = {0, "RAS"}, coord = {1, ""};
    /* open -> offered by another organisation */
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OPEN, SITREP_AID_OFFER, "RYJ", "R1K", &r1k, &next, &e), 0);
    assert_int_equal(next, SITREP_AID_OFFERED);
    /* the requester cannot offer to itself; nobody offers for another org */
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OPEN, SITREP_AID_OFFER, "RYJ", "RYJ", &ryj, &next, &e),
        ICS_ECONFLICT);
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OPEN, SITREP_AID_OFFER, "RYJ", "RAS", &r1k, &next, &e),
        ICS_EFORBID);
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OFFERED, SITREP_AID_OFFER, "RYJ", "RAS", &ras, &next, &e), 0);
    /* agree: not before an offer; only the requester or a coordinator */
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OPEN, SITREP_AID_AGREE, "RYJ", "R1K", &ryj, &next, &e),
        ICS_ECONFLICT);
    assert_non_null(strstr(e.msg, "no offer yet"));
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OFFERED, SITREP_AID_AGREE, "RYJ", "R1K", &r1k, &next, &e),
        ICS_EFORBID);
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OFFERED, SITREP_AID_AGREE, "RYJ", "R1K", &ryj, &next, &e), 0);
    assert_int_equal(next, SITREP_AID_AGREED);
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OFFERED, SITREP_AID_AGREE, "RYJ", "R1K", &coord, &next, &e), 0);
    /* fulfil: once agreed, by either party or a coordinator, not a bystander */
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OFFERED, SITREP_AID_FULFIL, "RYJ", "R1K", &ryj, &next, &e),
        ICS_ECONFLICT);
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_AGREED, SITREP_AID_FULFIL, "RYJ", "R1K", &ras, &next, &e),
        ICS_EFORBID);
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_AGREED, SITREP_AID_FULFIL, "RYJ", "R1K", &r1k, &next, &e), 0);
    assert_int_equal(next, SITREP_AID_FULFILLED);
    /* a site counts as its trust */
    sitrep_aid_actor site = {0, "R1K01"};
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_AGREED, SITREP_AID_FULFIL, "RYJ", "R1K", &site, &next, &e), 0);
    /* terminal states */
    for (int a = SITREP_AID_OFFER; a <= SITREP_AID_WITHDRAW; a++) {
        assert_int_equal(sitrep_aid_step(SITREP_AID_FULFILLED, a, "RYJ", "R1K", &coord, &next, &e),
                         ICS_ECONFLICT);
        assert_int_equal(sitrep_aid_step(SITREP_AID_WITHDRAWN, a, "RYJ", "R1K", &coord, &next, &e),
                         ICS_ECONFLICT);
    }
    /* withdraw: the requester or a coordinator, from open, offered or agreed */
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_AGREED, SITREP_AID_WITHDRAW, "RYJ", "R1K", &r1k, &next, &e),
        ICS_EFORBID);
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_AGREED, SITREP_AID_WITHDRAW, "RYJ", "R1K", &ryj, &next, &e), 0);
    assert_int_equal(next, SITREP_AID_WITHDRAWN);
    assert_int_equal(
        sitrep_aid_step(SITREP_AID_OPEN, SITREP_AID_WITHDRAW, "RYJ", NULL, &coord, &next, &e), 0);
}

static void test_aid_request_validation(void **st)
{
    (void)st;
    ics_err e = {0};
    sitrep_aid_request r = {"RYJ", SITREP_RES_STAFF, "nurse", 4, TODAY, TODAY + 2, 2};
    assert_int_equal(sitrep_aid_request_check(&r, TODAY, &e), 0);
    strcpy(r.detail, "wizard");
    r.quantity = 0;
    r.day_to = TODAY - 2;
    r.day_from = TODAY - 1;
    r.urgency = 7;
    assert_int_equal(sitrep_aid_request_check(&r, TODAY, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "staff role 'wizard'"));
    assert_non_null(strstr(e.msg, "quantity must be 1 to 1000"));
    assert_non_null(strstr(e.msg, "date_to is before date_from"));
    assert_non_null(strstr(e.msg, "urgency"));
    assert_int_equal(sitrep_urgency_find("critical"), 3);
    assert_int_equal(sitrep_urgency_find("meh"), -1);
    assert_int_equal(sitrep_resource_find("theatre"), SITREP_RES_THEATRE);
}

static void test_aid_suggestions_rank_lower_pressure_same_capacity(void **st)
{
    (void)st;
    sitrep_aid_candidate c[] = {
        {"R1K", SITREP_ACUTE, 2, 0.40, 20, 5.0, 12.0},
        {"RQM", SITREP_ACUTE, 1, 0.20, 5, 6.0, 4.0},
        {"RAS", SITREP_ACUTE, 4, 0.95, 30, 4.0, 20.0},    /* OPEL 4: never asked */
        {"RYX", SITREP_COMMUNITY, 1, 0.10, 9, 3.0, 2.0},  /* no G&A beds */
        {"RYJ", SITREP_ACUTE, 1, 0.05, 50, 2.0, 0.0},     /* the requester */
        {"RPY", SITREP_SPECIALIST, 2, 0.30, 0, 4.0, 6.0}, /* no spare beds */
        {"R1K", SITREP_ACUTE, 0, 0, 0, -1, -1},           /* (duplicate without sitrep) */
    };
    sitrep_aid_request beds = {"RYJ01", SITREP_RES_BEDS, "ga", 10, TODAY, TODAY + 3, 3};
    sitrep_aid_suggestion s[8];
    size_t n = sitrep_aid_suggest(&beds, c, 7, s, 8);
    assert_int_equal(n, 2);
    assert_string_equal(c[s[0].index].org, "RQM");
    assert_string_equal(c[s[1].index].org, "R1K");
    assert_non_null(strstr(s[0].reason, "OPEL 1"));
    assert_non_null(strstr(s[0].reason, "5 spare ga beds"));
    /* nurses: community and specialist can help too, ranked by level then pressure */
    sitrep_aid_request nurses = {"RYJ", SITREP_RES_STAFF, "nurse", 3, TODAY, TODAY + 3, 2};
    n = sitrep_aid_suggest(&nurses, c, 7, s, 8);
    assert_int_equal(n, 4);
    assert_string_equal(c[s[0].index].org, "RYX");
    assert_string_equal(c[s[1].index].org, "RQM");
    assert_string_equal(c[s[2].index].org, "RPY");
    assert_string_equal(c[s[3].index].org, "R1K");
    /* a short list keeps the best */
    n = sitrep_aid_suggest(&nurses, c, 7, s, 2);
    assert_int_equal(n, 2);
    assert_string_equal(c[s[0].index].org, "RYX");
    assert_string_equal(c[s[1].index].org, "RQM");
    /* paramedics only from the ambulance service: none here */
    sitrep_aid_request para = {"RYJ", SITREP_RES_STAFF, "paramedic", 3, TODAY, TODAY + 3, 2};
    assert_int_equal(sitrep_aid_suggest(&para, c, 7, s, 8), 0);
}

typedef struct synth_acc {
    sitrep_thresholds *t;
    int bad;
    uint64_t hash;
    double winter_sum, summer_sum;
    int winter_n, summer_n, count, declared, trust_rows, trust_beds_ok;
    int levels[5];
} synth_acc;

static int on_synth(void *ctx, const sitrep_submission *s)
{
    synth_acc *a = ctx;
    ics_err e = {0};
    if (sitrep_submission_check(s, s->day, 0, &e)) {
        if (a->bad++ < 3) fprintf(stderr, "%s day %lld: %s\n", s->org, (long long)s->day, e.msg);
        return 0;
    }
    for (int f = 0; f < SITREP_NFIELDS; f++)
        if (s->val.has[f]) a->hash = a->hash * 31 + (uint64_t)llround(s->val.v[f] * 10) + f;
    sitrep_score sc;
    if (sitrep_score_compute(a->t, s, &sc, &e)) {
        a->bad++;
        return 0;
    }
    a->count++;
    a->declared += sc.source == SITREP_LEVEL_DECLARED;
    if (strcmp(s->org, "RYJ") == 0) {
        a->trust_rows++;
        a->trust_beds_ok += s->val.v[SITREP_F_GA_BEDS_CORE] == 1100;
    }
    int y, m, d;
    tz_civil_from_days(s->day, &y, &m, &d);
    if (s->kind == SITREP_ACUTE) {
        a->levels[sc.level]++;
        if (m == 12 || m <= 2) a->winter_sum += sc.level, a->winter_n++;
        if (m >= 6 && m <= 8) a->summer_sum += sc.level, a->summer_n++;
    }
    return 0;
}

static void test_synthetic_year_is_valid_deterministic_and_winter_heavy(void **st)
{
    (void)st;
    sitrep_synth_provider p[] = {
        {"RYJ01", SITREP_ACUTE, 600},    {"RYJ02", SITREP_ACUTE, 500},
        {"R1K", SITREP_ACUTE, 1200},     {"RAS", SITREP_ACUTE, 480},
        {"RYX", SITREP_COMMUNITY, 120},  {"RV3", SITREP_MENTAL_HEALTH, 600},
        {"RRU", SITREP_AMBULANCE, 5200}, {"RPY", SITREP_SPECIALIST, 200},
    };
    int64_t from = tz_days_from_civil(2025, 4, 1);
    ics_err e = {0};
    synth_acc a = {.t = shipped()}, b = {.t = a.t};
    assert_int_equal(sitrep_synth_generate(p, 8, from, 365, 2026, on_synth, &a, NULL, NULL, &e), 0);
    assert_int_equal(sitrep_synth_generate(p, 8, from, 365, 2026, on_synth, &b, NULL, NULL, &e), 0);
    assert_int_equal(a.bad, 0);
    /* 6 providers + 2 sites + the trust combining its sites, every day */
    assert_int_equal(a.count, 9 * 365);
    assert_int_equal(a.trust_rows, 365);
    assert_int_equal(a.trust_beds_ok, 365); /* 600 + 500 core beds */
    assert_true(a.hash == b.hash);
    double winter = a.winter_sum / a.winter_n, summer = a.summer_sum / a.summer_n;
    fprintf(stderr,
            "acute mean level winter %.2f summer %.2f; levels 1-4: %d %d %d %d; "
            "declared %d\n",
            winter, summer, a.levels[1], a.levels[2], a.levels[3], a.levels[4], a.declared);
    assert_true(winter > summer + 0.7);
    assert_true(a.levels[1] + a.levels[2] > 0 && a.levels[3] > 0 && a.levels[4] > 0);
    assert_true(a.declared > 0);
    /* another seed gives other figures */
    synth_acc c = {.t = a.t};
    assert_int_equal(sitrep_synth_generate(p, 8, from, 365, 7, on_synth, &c, NULL, NULL, &e), 0);
    assert_true(c.hash != a.hash);
    sitrep_thresholds_free(a.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acute_worked_example_scores_27_opel_3),
        cmocka_unit_test(test_acute_all_band_one_is_opel_1_and_all_band_four_opel_4),
        cmocka_unit_test(test_every_threshold_boundary_enters_the_worse_band),
        cmocka_unit_test(test_thresholds_are_data_an_ics_can_replace),
        cmocka_unit_test(test_bad_threshold_files_are_rejected_with_the_line),
        cmocka_unit_test(test_bad_submissions_collect_every_problem),
        cmocka_unit_test(test_community_declared_level_kept_with_reason),
        cmocka_unit_test(test_sites_combine_into_trust),
        cmocka_unit_test(test_rollup_weights_by_beds_and_averages_the_framework_pillars),
        cmocka_unit_test(test_nhs111_return_scores_its_three_parameters),
        cmocka_unit_test(test_nhs111_counts_must_add_up),
        cmocka_unit_test(test_actions_due_by_pillar_and_by_ics_level),
        cmocka_unit_test(test_action_definitions_are_checked),
        cmocka_unit_test(test_spc_point_outside_limits),
        cmocka_unit_test(test_spc_shift_of_seven_but_not_six),
        cmocka_unit_test(test_spc_trend_of_seven_rising),
        cmocka_unit_test(test_spc_two_of_three_beyond_two_sigma),
        cmocka_unit_test(test_aid_lifecycle_and_who_may_act),
        cmocka_unit_test(test_aid_request_validation),
        cmocka_unit_test(test_aid_suggestions_rank_lower_pressure_same_capacity),
        cmocka_unit_test(test_synthetic_year_is_valid_deterministic_and_winter_heavy),
    };
    return cmocka_run_group_tests_name("sitrep", tests, NULL, NULL);
}
