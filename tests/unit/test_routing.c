/* test_routing.c - the rapid-response finder, opening hours across midnight
 * and clock changes, the referral lifecycle, the 2-hour UCR report and the
 * harmonisation report, on a fixture of NWL services built in code (the same
 * specifications as data/services.csv, which one test also parses). */
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
#include "core/geo.h"
#include "core/tz.h"
#include "core/valid.h"
#include "routing/routing.h"

#define BRE "E09000005"
#define EAL "E09000009"
#define HAF "E09000013"
#define HAR "E09000015"
#define HIL "E09000017"
#define HOU "E09000018"
#define KAC "E09000020"
#define WES "E09000033"
#define ALL BRE " " EAL " " HAF " " HAR " " HIL " " HOU " " KAC " " WES
#define NINE                                                                                       \
    "falls frailty reduced_function end_of_life urgent_equipment delirium catheter diabetes "      \
    "carer_breakdown"

typedef struct fixture_row {
    route_service_text t;
    double lat, lon;
} fixture_row;

/* The NWL services (synthetic specifications) and their base sites. */
static const fixture_row rows[] = {
    {{"UCR-BRE", "Brent UCR", "ucr", "RYX", "RYXX2", BRE, "", "24/7", NINE " urgent_reablement",
      "18", "", "fracture head_injury", "120", "45", "020 7946 0100"},
     51.54290,
     -0.23880},
    {{"UCR-EAL", "Ealing UCR", "ucr", "R1K", "R1KX1", EAL, "",
      "Mon-Sun 08:00-22:00; BH 08:00-22:00",
      "falls frailty reduced_function end_of_life urgent_equipment delirium diabetes "
      "carer_breakdown",
      "18", "", "fracture head_injury", "120", "35", "020 7946 0100"},
     51.49490,
     -0.30620},
    {{"UCR-HAF", "Hammersmith and Fulham UCR", "ucr", "RYX", "RYXX3", HAF, "",
      "Mon-Sun 08:00-20:00; BH 10:00-18:00", NINE, "18", "", "fracture head_injury", "120", "30",
      "020 7946 0100"},
     51.51220,
     -0.23030},
    {{"UCR-HAR", "Harrow UCR", "ucr", "RV3", "RV3X2", HAR, "",
      "Mon-Fri 08:00-20:00; Sat-Sun 09:00-17:00; BH closed", NINE, "16", "", "fracture head_injury",
      "120", "30", "020 7946 0100"},
     51.56290,
     -0.35930},
    {{"UCR-HIL", "Hillingdon UCR", "ucr", "RV3", "RV3X1", HIL, "",
      "Mon-Sun 08:00-20:00; BH 08:00-20:00", NINE, "18", "", "fracture head_injury", "120", "40",
      "020 7946 0100"},
     51.60700,
     -0.41580},
    {{"UCR-HOU", "Hounslow UCR", "ucr", "RY9", "RY9X1", HOU, "",
      "Mon-Sun 08:00-20:00; BH 08:00-20:00",
      "falls frailty reduced_function end_of_life urgent_equipment delirium catheter diabetes",
      "18", "", "fracture head_injury", "120", "35", "020 7946 0100"},
     51.47070,
     -0.36760},
    {{"UCR-KAC", "Kensington and Chelsea UCR", "ucr", "RYX", "RYXX1", KAC, "",
      "Mon-Sun 08:00-20:00; BH 08:00-20:00", NINE, "65", "", "fracture head_injury", "120", "25",
      "020 7946 0100"},
     51.52160,
     -0.21510},
    {{"UCR-WES", "Westminster UCR", "ucr", "RYX", "RYXX4", WES, "",
      "Mon-Sun 08:00-20:00; BH 09:00-17:00", NINE, "18", "", "fracture head_injury", "120", "30",
      "020 7946 0100"},
     51.51440,
     -0.13120},
    {{"FALLS-HH", "Hillingdon and Harrow Falls and Frailty", "falls", "RV3", "RV3X1", HIL " " HAR,
      "", "24/7", "falls frailty reduced_function urgent_equipment", "60", "",
      "fracture head_injury anticoagulated_head_injury", "60", "30", "020 7946 0100"},
     51.60700,
     -0.41580},
    {{"NIGHT-NW", "North West Night Nursing", "night_nursing", "RV3", "RV3X3", BRE " " HAR " " HIL,
      "", "Mon-Sun 20:00-08:00", "end_of_life catheter diabetes medication wound_care delirium",
      "18", "", "", "120", "20", "020 7946 0100"},
     51.54960,
     -0.29800},
    {{"NIGHT-CL", "Central London Night Nursing", "night_nursing", "RYX", "RYXX4",
      HAF " " KAC " " WES, "NW6 NW8", "Mon-Sun 22:00-07:00",
      "end_of_life catheter diabetes medication wound_care", "18", "", "", "120", "20",
      "020 7946 0100"},
     51.51440,
     -0.13120},
    {{"PALL-NWL", "NWL Palliative", "palliative", "RYX", "RYXX1", ALL, "", "24/7",
      "end_of_life carer_breakdown medication", "", "", "", "120", "25", "020 7946 0100"},
     51.52160,
     -0.21510},
    {{"VW-NWL", "NWL Virtual Ward", "virtual_ward", "RYJ", "RYJ03", ALL, "", "Mon-Sun 08:00-22:00",
      "frailty respiratory delirium medication", "18", "", "", "240", "60", "020 7946 0100"},
     51.51720,
     -0.23640},
    {{"REAB-EH", "Ealing and Hounslow Urgent Reablement", "reablement", "RY9", "RY9X2", EAL " " HOU,
      "", "Mon-Fri 08:00-18:00; Sat-Sun 09:00-17:00; BH closed",
      "urgent_reablement reduced_function urgent_equipment carer_breakdown", "18", "", "", "240",
      "15", "020 7946 0100"},
     51.48830,
     -0.31100},
};
#define NSVC ((int)(sizeof rows / sizeof *rows))

static const route_district districts[] = {
    {"UB8", 51.54200, -0.47700, HIL}, {"UB10", 51.54800, -0.45200, HIL},
    {"HA1", 51.58000, -0.33900, HAR}, {"HA0", 51.55300, -0.30000, BRE},
    {"NW6", 51.54100, -0.19800, BRE}, {"W1", 51.51500, -0.14200, WES},
    {"W2", 51.51400, -0.18000, WES},  {"W8", 51.50000, -0.19400, KAC},
    {"W5", 51.51300, -0.30300, EAL},  {"W6", 51.49300, -0.22800, HAF},
    {"TW3", 51.46800, -0.36300, HOU}, {"SE1", 51.50100, -0.09400, ""},
};
#define ND ((int)(sizeof districts / sizeof *districts))

static int64_t bh[16];
static int nbh;
static route_service svc[NSVC];

static int setup(void **state)
{
    (void)state;
    ics_err e = {0};
    for (int i = 0; i < NSVC; i++) {
        if (routing_service_parse(&rows[i].t, &svc[i], &e)) {
            fprintf(stderr, "%s\n", e.msg);
            return -1;
        }
        svc[i].lat = rows[i].lat;
        svc[i].lon = rows[i].lon;
        svc[i].has_loc = 1;
    }
    static const char *dates[] = {"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04",
                                  "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28"};
    nbh = 0;
    for (size_t i = 0; i < sizeof dates / sizeof *dates; i++)
        tz_parse_date(dates[i], &bh[nbh++], &e);
    return 0;
}

static int64_t at(const char *iso)
{
    int64_t t;
    ics_err e = {0};
    if (tz_parse(iso, &t, &e)) fail_msg("%s", e.msg);
    return t;
}

static int index_of(const char *id)
{
    for (int i = 0; i < NSVC; i++)
        if (strcmp(svc[i].id, id) == 0) return i;
    fail_msg("no service %s", id);
    return -1;
}

static const route_result *result_for(const route_answer *a, const char *id)
{
    for (int i = 0; i < a->n; i++)
        if (strcmp(a->items[i].id, id) == 0) return &a->items[i];
    fail_msg("no result for %s", id);
    return NULL;
}

/* Run the finder for a postcode (or "" and a place), needs and time. */
static void route(const char *postcode, const char *place, const char *needs, int age,
                  const char *when, route_answer *a)
{
    route_query q;
    routing_query_init(&q);
    ics_err e = {0};
    assert_int_equal(routing_locate(districts, ND, postcode, 0, 0, 0, place, &q.where, &e), 0);
    assert_int_equal(routing_caps_parse(needs, &q.needs, &e), 0);
    q.age = age;
    q.at = q.now = at(when);
    assert_int_equal(routing_find(svc, NSVC, bh, nbh, &q, a, &e), 0);
}

/* ---- opening hours ----------------------------------------------------- */

static void test_hours_night_service_open_after_midnight(void **s)
{
    (void)s;
    dir_hours h;
    ics_err e = {0};
    assert_int_equal(directory_hours_parse("Mon-Sun 20:00-08:00", &h, &e), 0);
    int64_t until, next;
    /* Tuesday 03:00: open because of Monday's 20:00-08:00 interval */
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-11-24T03:00"), &until, &next));
    assert_int_equal(until, at("2026-11-24T08:00"));
    /* 07:59 open, 08:00 closed, 12:00 closed and next opening 20:00 */
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-11-24T07:59"), &until, &next));
    assert_false(routing_hours_open(&h, NULL, 0, at("2026-11-24T08:00"), &until, &next));
    assert_false(routing_hours_open(&h, NULL, 0, at("2026-11-24T12:00"), &until, &next));
    assert_int_equal(next, at("2026-11-24T20:00"));
    /* 23:59 Tuesday runs to 08:00 Wednesday */
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-11-24T23:59"), &until, &next));
    assert_int_equal(until, at("2026-11-25T08:00"));
}

static void test_hours_bank_holiday_night_runs_into_next_day(void **s)
{
    (void)s;
    dir_hours h;
    ics_err e = {0};
    /* weekdays 09:00-17:00, but on a bank holiday an evening shift to 02:00 */
    assert_int_equal(directory_hours_parse("Mon-Sun 09:00-17:00; BH 18:00-02:00", &h, &e), 0);
    int64_t until;
    /* Mon 28 Dec 2026 is a bank holiday: Tuesday 01:00 is still in its shift */
    assert_true(routing_hours_open(&h, bh, nbh, at("2026-12-29T01:00"), &until, NULL));
    assert_int_equal(until, at("2026-12-29T02:00"));
    /* the Tuesday before, after an ordinary Monday, it is closed at 01:00 */
    assert_false(routing_hours_open(&h, bh, nbh, at("2026-12-22T01:00"), &until, NULL));
    /* on the bank holiday itself the weekday hours do not apply */
    assert_false(routing_hours_open(&h, bh, nbh, at("2026-12-28T10:00"), &until, NULL));
    assert_true(routing_hours_open(&h, bh, nbh, at("2026-12-29T10:00"), &until, NULL));
}

static void test_hours_night_lasts_11_hours_when_clocks_go_forward(void **s)
{
    (void)s;
    dir_hours h;
    ics_err e = {0};
    assert_int_equal(directory_hours_parse("Mon-Sun 20:00-08:00", &h, &e), 0);
    int64_t until, next;
    /* Sat 28 March 2026 20:00 GMT to Sun 29 March 08:00 BST (07:00 UTC) */
    int64_t open = at("2026-03-28T20:00");
    assert_true(routing_hours_open(&h, NULL, 0, open, &until, &next));
    assert_int_equal(until - open, 11 * 3600);
    assert_int_equal(until, at("2026-03-29T07:00:00Z"));
    /* 07:30 BST is open; 08:30 BST (which a naive +12h would call open) is not */
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-03-29T07:30"), &until, &next));
    assert_false(routing_hours_open(&h, NULL, 0, at("2026-03-29T08:30"), &until, &next));
    assert_false(routing_hours_open(&h, NULL, 0, at("2026-03-29T07:30:00Z"), &until, &next));
}

static void test_hours_night_lasts_13_hours_when_clocks_go_back(void **s)
{
    (void)s;
    dir_hours h;
    ics_err e = {0};
    assert_int_equal(directory_hours_parse("Mon-Sun 20:00-08:00", &h, &e), 0);
    int64_t until;
    /* Sat 24 October 2026 20:00 BST (19:00 UTC) to Sun 25 October 08:00 GMT */
    int64_t open = at("2026-10-24T20:00");
    assert_int_equal(open, at("2026-10-24T19:00:00Z"));
    assert_true(routing_hours_open(&h, NULL, 0, open, &until, NULL));
    assert_int_equal(until - open, 13 * 3600);
    /* 07:30 GMT on the Sunday (a naive +12h would have closed at 07:00 UTC) */
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-10-25T07:30"), &until, NULL));
    /* both readings of 01:30 that night are inside the opening */
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-10-25T00:30:00Z"), &until, NULL));
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-10-25T01:30:00Z"), &until, NULL));
}

static void test_hours_open_in_spring_gap_starts_at_gap_end(void **s)
{
    (void)s;
    dir_hours h;
    ics_err e = {0};
    /* opens at 01:30, a time that does not exist on 29 March 2026 */
    assert_int_equal(directory_hours_parse("Mon-Sun 01:30-05:00", &h, &e), 0);
    int64_t until, next;
    assert_false(routing_hours_open(&h, NULL, 0, at("2026-03-29T00:59"), &until, &next));
    assert_int_equal(next, at("2026-03-29T01:00:00Z")); /* 02:00 BST */
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-03-29T02:10"), &until, &next));
    assert_int_equal(until, at("2026-03-29T05:00"));
}

static void test_hours_247_open_all_week(void **s)
{
    (void)s;
    int64_t until = -1;
    int i = index_of("FALLS-HH");
    assert_true(routing_hours_open(&svc[i].hours, bh, nbh, at("2026-12-25T03:00"), &until, NULL));
    assert_int_equal(until, 0);
    /* split shifts touching at midnight merge: "Mon-Sun 00:00-24:00" */
    dir_hours h;
    ics_err e = {0};
    assert_int_equal(directory_hours_parse("Mon-Sun 00:00-12:00 12:00-24:00", &h, &e), 0);
    assert_true(routing_hours_open(&h, NULL, 0, at("2026-06-01T11:00"), &until, NULL));
    assert_int_equal(until, 0);
}

static void test_hours_week_cover_counts_whole_hours(void **s)
{
    (void)s;
    unsigned char c[8][24];
    routing_hours_week(&svc[index_of("NIGHT-NW")].hours, c);
    /* 20:00-08:00: hours 0-7 and 20-23 every day, and on a bank holiday */
    for (int k = 0; k < 8; k++)
        for (int h = 0; h < 24; h++) assert_int_equal(c[k][h], h < 8 || h >= 20);
    routing_hours_week(&svc[index_of("UCR-HAR")].hours, c);
    assert_int_equal(c[0][7], 0);
    assert_int_equal(c[0][8], 1);
    assert_int_equal(c[0][19], 1);
    assert_int_equal(c[0][20], 0);
    assert_int_equal(c[5][8], 0); /* Saturday opens at 09:00 */
    assert_int_equal(c[5][16], 1);
    assert_int_equal(c[5][17], 0);
    for (int h = 0; h < 24; h++) assert_int_equal(c[7][h], 0); /* BH closed */
    dir_hours half;
    ics_err e = {0};
    directory_hours_parse("Mon-Sun 08:30-20:00", &half, &e);
    routing_hours_week(&half, c);
    assert_int_equal(c[2][8], 0); /* open for only half of 08:00-09:00 */
    assert_int_equal(c[2][9], 1);
}

/* Brute force for one local day's interval: tz_local_to_utc on each
 * endpoint, with the spring gap mapped to its end (01:00 UTC). */
static int64_t brute_wall(int64_t day, int minutes)
{
    day += minutes / 1440;
    minutes %= 1440;
    int y, m, d;
    tz_civil_from_days(day, &y, &m, &d);
    int64_t t;
    if (tz_local_to_utc(y, m, d, minutes / 60, minutes % 60, 0, &t, NULL))
        return day * 86400 + 3600;
    return t;
}

static int brute_open(const dir_hours *h, int64_t t)
{
    tz_local l;
    tz_to_local(t, &l);
    for (int64_t day = l.date - 1; day <= l.date; day++) {
        int k = tz_weekday(day);
        for (int i = 0; i < h->n[k]; i++) {
            int o = h->iv[k][i].open, c = h->iv[k][i].close;
            if (c <= o) c += 1440;
            if (brute_wall(day, o) <= t && t < brute_wall(day, c)) return 1;
        }
    }
    return 0;
}

static void test_hours_match_brute_force_around_clock_changes(void **s)
{
    (void)s;
    static const char *specs[] = {"Mon-Sun 20:00-08:00",
                                  "Mon-Sun 01:30-05:00",
                                  "Mon-Fri 08:00-20:00; Sat-Sun 00:30-01:45",
                                  "Mon-Sun 22:00-07:00",
                                  "Sat 23:00-03:00; Sun 01:00-02:30",
                                  "24/7"};
    static const char *weeks[] = {"2026-03-26T00:00:00Z", "2026-10-22T00:00:00Z",
                                  "2027-03-25T00:00:00Z", "2027-10-28T00:00:00Z"};
    int checked = 0;
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
        dir_hours h;
        ics_err e = {0};
        assert_int_equal(directory_hours_parse(specs[i], &h, &e), 0);
        for (size_t w = 0; w < sizeof weeks / sizeof *weeks; w++) {
            int64_t t0 = at(weeks[w]);
            for (int64_t t = t0; t < t0 + 7 * 86400; t += 300) {
                int got = routing_hours_open(&h, NULL, 0, t, NULL, NULL);
                if (got != brute_open(&h, t)) {
                    char b[32];
                    tz_format(t, b, sizeof b);
                    fail_msg("'%s' at %s: engine says %s", specs[i], b, got ? "open" : "closed");
                }
                checked++;
            }
        }
    }
    assert_int_equal(checked, 6 * 4 * 7 * 288);
}

/* ---- the finder: NWL scenarios ---------------------------------------- */

static void test_route_hillingdon_falls_at_3am(void **s)
{
    (void)s;
    route_answer a;
    /* Christmas Day 2026, a Friday and a bank holiday, 03:00 */
    route("UB8 3NN", NULL, "falls", 84, "2026-12-25T03:00", &a);
    assert_int_equal(a.n, NSVC);
    assert_int_equal(a.neligible, 1);
    const route_result *r = &a.items[0];
    assert_string_equal(r->id, "FALLS-HH");
    assert_int_equal(r->rank, 1);
    assert_int_equal(r->filter, ROUTE_ELIGIBLE);
    assert_int_equal(r->expected_minutes, 60);
    assert_int_equal(r->open_until, 0);
    double km = geo_km(51.542, -0.477, 51.607, -0.4158);
    assert_true(fabs(r->km - km) < 1e-9);
    assert_true(r->km > 8.0 && r->km < 9.5);
    assert_non_null(strstr(r->reason, "located by postcode district UB8"));
    assert_non_null(strstr(r->reason, "covers falls"));
    assert_non_null(strstr(r->reason, "age 84 within 60+"));
    /* capacity never reported: flagged, not trusted */
    assert_true(r->stale);
    assert_int_equal(r->capacity_age, -1);
    const route_result *hil = result_for(&a, "UCR-HIL");
    assert_int_equal(hil->filter, ROUTE_X_CLOSED);
    assert_int_equal(hil->rank, 0);
    assert_non_null(strstr(hil->reason, "closed at 03:00 (opens 08:00)"));
    assert_int_equal(hil->opens_next, at("2026-12-25T08:00"));
    assert_int_equal(result_for(&a, "NIGHT-NW")->filter, ROUTE_X_CAPABILITY);
    assert_non_null(strstr(result_for(&a, "NIGHT-NW")->reason, "lacks falls"));
    assert_int_equal(result_for(&a, "UCR-BRE")->filter, ROUTE_X_CATCHMENT);
    /* excluded services follow in filter order, then id */
    for (int i = 2; i < a.n; i++) {
        const route_result *p = &a.items[i - 1], *c = &a.items[i];
        if (p->filter == 0) continue;
        assert_true(p->filter < c->filter || (p->filter == c->filter && strcmp(p->id, c->id) < 0));
    }
    assert_string_equal(a.items[a.n - 1].id, "UCR-HIL");
    routing_answer_free(&a);

    /* the example: falls and frailty, same answer */
    route("UB8 3NN", NULL, "falls,frailty", 84, "2026-12-25T03:00", &a);
    assert_int_equal(a.neligible, 1);
    assert_string_equal(a.items[0].id, "FALLS-HH");
    routing_answer_free(&a);
}

static void test_route_hillingdon_daytime_ranks_by_distance_then_response(void **s)
{
    (void)s;
    route_answer a;
    route("UB8 3NN", NULL, "falls", 84, "2026-11-24T10:00", &a);
    assert_int_equal(a.neligible, 2);
    /* same base site, so same distance: the 60-minute service comes first */
    assert_string_equal(a.items[0].id, "FALLS-HH");
    assert_string_equal(a.items[1].id, "UCR-HIL");
    assert_int_equal(a.items[1].rank, 2);
    assert_int_equal(a.items[1].open_until, at("2026-11-24T20:00"));
    assert_non_null(strstr(a.items[1].reason, "open until 20:00"));
    routing_answer_free(&a);
    /* a 40-year-old is too young for the falls service */
    route("UB8 3NN", NULL, "falls", 40, "2026-11-24T10:00", &a);
    assert_int_equal(a.neligible, 1);
    assert_string_equal(a.items[0].id, "UCR-HIL");
    assert_int_equal(result_for(&a, "FALLS-HH")->filter, ROUTE_X_AGE);
    assert_non_null(
        strstr(result_for(&a, "FALLS-HH")->reason, "age 40 is under its minimum age 60"));
    routing_answer_free(&a);
}

static void test_route_westminster_bank_holiday_hours(void **s)
{
    (void)s;
    route_answer a;
    /* Mon 28 Dec 2026, the Boxing Day substitute: Westminster UCR 09:00-17:00 */
    route("W2 1NY", NULL, "falls", 79, "2026-12-28T10:00", &a);
    assert_int_equal(a.neligible, 1);
    assert_string_equal(a.items[0].id, "UCR-WES");
    assert_int_equal(a.items[0].open_until, at("2026-12-28T17:00"));
    assert_non_null(strstr(a.items[0].reason, "open until 17:00"));
    routing_answer_free(&a);
    /* 16:45 on the bank holiday: closes within 30 minutes */
    route("W2 1NY", NULL, "falls", 79, "2026-12-28T16:45", &a);
    assert_int_equal(a.neligible, 0);
    assert_int_equal(result_for(&a, "UCR-WES")->filter, ROUTE_X_CLOSING);
    assert_non_null(strstr(result_for(&a, "UCR-WES")->reason, "closes at 17:00"));
    routing_answer_free(&a);
    /* 18:00 on the bank holiday: closed, opens 08:00 the next day */
    route("W2 1NY", NULL, "falls", 79, "2026-12-28T18:00", &a);
    assert_int_equal(a.neligible, 0);
    assert_int_equal(result_for(&a, "UCR-WES")->filter, ROUTE_X_CLOSED);
    assert_non_null(strstr(result_for(&a, "UCR-WES")->reason, "opens 08:00 on Tue 29 Dec"));
    routing_answer_free(&a);
    /* 18:00 the next (ordinary) day: open until 20:00; frailty also finds
     * the ICS-wide virtual ward, which is further away */
    route("W2 1NY", NULL, "frailty", 79, "2026-12-29T18:00", &a);
    assert_int_equal(a.neligible, 2);
    assert_string_equal(a.items[0].id, "UCR-WES");
    assert_string_equal(a.items[1].id, "VW-NWL");
    assert_true(a.items[0].km < a.items[1].km);
    routing_answer_free(&a);
}

static void test_route_postcode_outside_ics(void **s)
{
    (void)s;
    route_answer a;
    route("SE1 7EH", NULL, "falls", 80, "2026-11-24T10:00", &a);
    assert_int_equal(a.neligible, 0);
    for (int i = 0; i < a.n; i++) {
        assert_int_equal(a.items[i].filter, ROUTE_X_CATCHMENT);
        assert_non_null(strstr(a.items[i].reason, "outside the ICS"));
    }
    assert_true(a.items[0].km > 0); /* SE1 is known, so distances are given */
    routing_answer_free(&a);
    /* a district not in the directory at all (Manchester) */
    route("M1 1AA", NULL, "falls", 80, "2026-11-24T10:00", &a);
    assert_int_equal(a.neligible, 0);
    assert_non_null(strstr(a.items[0].reason, "M1 is not in the NWL directory"));
    assert_true(a.items[0].km < 0);
    routing_answer_free(&a);
}

static void test_route_closed_service_never_returned(void **s)
{
    (void)s;
    static const char *pcs[] = {"UB8 3NN", "HA1 3UJ", "W2 1NY", "W8 4AA", "NW6 1AA", "W5 1AA"};
    static const char *needs[] = {"falls", "catheter", "end_of_life", "frailty",
                                  "urgent_reablement"};
    int64_t t0 = at("2026-12-21T00:00"); /* a week with two bank holidays */
    int checked = 0;
    for (int hr = 0; hr < 7 * 24; hr += 1)
        for (size_t p = 0; p < sizeof pcs / sizeof *pcs; p++)
            for (size_t n = 0; n < sizeof needs / sizeof *needs; n++) {
                route_query q;
                routing_query_init(&q);
                ics_err e = {0};
                routing_locate(districts, ND, pcs[p], 0, 0, 0, NULL, &q.where, &e);
                routing_caps_parse(needs[n], &q.needs, &e);
                q.age = 80;
                q.at = q.now = t0 + hr * 3600 + 17 * 60;
                route_answer a;
                assert_int_equal(routing_find(svc, NSVC, bh, nbh, &q, &a, &e), 0);
                for (int i = 0; i < a.neligible; i++) {
                    int64_t until;
                    const route_service *sv = &svc[a.items[i].service];
                    assert_true(routing_hours_open(&sv->hours, bh, nbh, q.at, &until, NULL));
                    assert_true(until == 0 || until - q.at >= 30 * 60);
                    assert_true(sv->caps & q.needs);
                    checked++;
                }
                routing_answer_free(&a);
            }
    assert_true(checked > 1000);
}

static void test_route_at_capacity_ranked_out_and_stale_not_trusted(void **s)
{
    (void)s;
    route_service local[NSVC];
    memcpy(local, svc, sizeof local);
    int hil = index_of("UCR-HIL"), fh = index_of("FALLS-HH");
    route_query q;
    routing_query_init(&q);
    ics_err e = {0};
    routing_locate(districts, ND, "UB10 0AA", 0, 0, 0, NULL, &q.where, &e);
    routing_caps_parse("falls", &q.needs, &e);
    q.age = 84;
    q.at = q.now = at("2026-11-24T10:00");
    /* the falls service is full, reported 12 minutes ago */
    local[fh].used_today = 30;
    local[fh].capacity_updated = q.now - 12 * 60;
    local[hil].used_today = 10;
    local[hil].capacity_updated = q.now - 3 * 60;
    route_answer a;
    assert_int_equal(routing_find(local, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_int_equal(a.neligible, 1);
    assert_string_equal(a.items[0].id, "UCR-HIL");
    assert_int_equal(a.items[0].capacity_left, 30);
    assert_int_equal(a.items[0].capacity_age, 3);
    assert_false(a.items[0].stale);
    assert_non_null(
        strstr(a.items[0].reason, "capacity 30 of 40 left today (updated 3 minutes ago)"));
    const route_result *f = result_for(&a, "FALLS-HH");
    assert_int_equal(f->filter, ROUTE_X_CAPACITY);
    assert_non_null(
        strstr(f->reason, "at capacity: all 30 places used today (updated 12 minutes ago)"));
    routing_answer_free(&a);
    /* the same "full" figure reported 5 hours ago is stale: not trusted, so
     * the service is returned, flagged, and ranked after the fresh one */
    local[fh].capacity_updated = q.now - 5 * 3600;
    assert_int_equal(routing_find(local, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_int_equal(a.neligible, 2);
    assert_string_equal(a.items[0].id, "UCR-HIL");
    assert_string_equal(a.items[1].id, "FALLS-HH");
    assert_true(a.items[1].stale);
    assert_int_equal(a.items[1].capacity_age, 300);
    assert_non_null(strstr(a.items[1].reason, "STALE (updated 5 hours ago"));
    routing_answer_free(&a);
    /* yesterday's full count does not fill today */
    local[fh].capacity_updated = at("2026-11-23T21:00");
    q.now = at("2026-11-24T00:30");
    q.at = q.now;
    assert_int_equal(routing_find(local, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_string_equal(a.items[0].id, "FALLS-HH");
    assert_int_equal(a.items[0].capacity_left, 30);
    routing_answer_free(&a);
}

static void test_route_age_exclusions_and_districts(void **s)
{
    (void)s;
    route_answer a;
    /* K&C UCR takes 65+ only; a 50-year-old gets the reason */
    route("W8 4AA", NULL, "falls", 50, "2026-11-24T10:00", &a);
    assert_int_equal(a.neligible, 0);
    assert_non_null(
        strstr(result_for(&a, "UCR-KAC")->reason, "age 50 is under its minimum age 65"));
    routing_answer_free(&a);
    /* Harrow UCR accepts 16-year-olds; Brent does not */
    route("HA1 3UJ", NULL, "diabetes", 16, "2026-11-24T10:00", &a);
    assert_int_equal(a.neligible, 1);
    assert_string_equal(a.items[0].id, "UCR-HAR");
    routing_answer_free(&a);
    /* head injury is an exclusion of the UCR teams */
    route_query q;
    routing_query_init(&q);
    ics_err e = {0};
    routing_locate(districts, ND, "UB8 3NN", 0, 0, 0, NULL, &q.where, &e);
    routing_caps_parse("falls", &q.needs, &e);
    q.age = 80;
    q.at = q.now = at("2026-11-24T10:00");
    strcpy(q.flags[0], "head_injury");
    q.nflags = 1;
    assert_int_equal(routing_find(svc, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_int_equal(a.neligible, 0);
    assert_int_equal(result_for(&a, "UCR-HIL")->filter, ROUTE_X_EXCLUDED);
    assert_non_null(strstr(result_for(&a, "UCR-HIL")->reason, "does not accept head_injury"));
    routing_answer_free(&a);
    /* NW6 is in Brent but the central night service lists it as a district */
    route("NW6 1AA", NULL, "catheter", 70, "2026-11-24T23:00", &a);
    assert_int_equal(a.neligible, 3);
    const route_result *cl = result_for(&a, "NIGHT-CL");
    assert_int_equal(cl->filter, ROUTE_ELIGIBLE);
    assert_non_null(strstr(cl->reason, "serves postcode district NW6"));
    routing_answer_free(&a);
}

static void test_route_partial_cover_and_all_failures_listed(void **s)
{
    (void)s;
    route_query q;
    routing_query_init(&q);
    ics_err e = {0};
    routing_locate(districts, ND, NULL, 0, 0, 0, HIL, &q.where, &e);
    assert_non_null(strstr(q.where.how, "centre of place E09000017"));
    routing_caps_parse("falls catheter", &q.needs, &e);
    q.age = 80;
    q.at = q.now = at("2026-11-24T03:00");
    route_answer a;
    assert_int_equal(routing_find(svc, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_int_equal(a.neligible, 0);
    /* UCR-HIL would cover both but is closed */
    assert_int_equal(result_for(&a, "UCR-HIL")->filter, ROUTE_X_CLOSED);
    /* FALLS-HH lacks catheter: the first reason; nothing else fails */
    assert_int_equal(result_for(&a, "FALLS-HH")->failed, 1u << ROUTE_X_CAPABILITY);
    routing_answer_free(&a);
    q.allow_partial = 1;
    assert_int_equal(routing_find(svc, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_int_equal(a.neligible, 2);
    assert_int_equal(a.items[0].covered, 1);
    assert_non_null(strstr(a.items[0].reason, "but not"));
    routing_answer_free(&a);
    /* every failed filter is recorded, the first is the reason */
    q.allow_partial = 0;
    q.age = 10;
    routing_caps_parse("respiratory", &q.needs, &e);
    assert_int_equal(routing_find(svc, NSVC, bh, nbh, &q, &a, &e), 0);
    const route_result *hil = result_for(&a, "UCR-HIL");
    assert_int_equal(hil->filter, ROUTE_X_CAPABILITY);
    assert_int_equal(hil->failed,
                     (1u << ROUTE_X_CAPABILITY) | (1u << ROUTE_X_AGE) | (1u << ROUTE_X_CLOSED));
    assert_non_null(strstr(hil->reason, "lacks respiratory; age 10 is under its minimum age 18; "
                                        "closed at 03:00"));
    routing_answer_free(&a);
}

static void test_route_inactive_and_closing_margin_boundary(void **s)
{
    (void)s;
    route_service local[NSVC];
    memcpy(local, svc, sizeof local);
    route_query q;
    routing_query_init(&q);
    ics_err e = {0};
    routing_locate(districts, ND, "UB8 3NN", 0, 0, 0, NULL, &q.where, &e);
    routing_caps_parse("catheter", &q.needs, &e);
    q.age = 80;
    /* exactly 30 minutes before closing is still eligible; 29 is not */
    q.at = q.now = at("2026-11-24T19:30");
    route_answer a;
    assert_int_equal(routing_find(local, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_int_equal(result_for(&a, "UCR-HIL")->filter, ROUTE_ELIGIBLE);
    routing_answer_free(&a);
    q.at = q.now = at("2026-11-24T19:31");
    assert_int_equal(routing_find(local, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_int_equal(result_for(&a, "UCR-HIL")->filter, ROUTE_X_CLOSING);
    /* the night service opens at 20:00: closed at 19:31, no margin needed after */
    assert_int_equal(result_for(&a, "NIGHT-NW")->filter, ROUTE_X_CLOSED);
    routing_answer_free(&a);
    local[index_of("UCR-HIL")].active = 0;
    q.at = q.now = at("2026-11-24T10:00");
    assert_int_equal(routing_find(local, NSVC, bh, nbh, &q, &a, &e), 0);
    assert_int_equal(result_for(&a, "UCR-HIL")->filter, ROUTE_X_INACTIVE);
    assert_string_equal(routing_filter_name(ROUTE_X_INACTIVE), "inactive");
    routing_answer_free(&a);
}

static void test_route_bad_inputs(void **s)
{
    (void)s;
    ics_err e = {0};
    route_location w;
    uint32_t caps;
    assert_int_equal(routing_locate(districts, ND, "UB8 3N", 0, 0, 0, NULL, &w, &e), ICS_EINVAL);
    assert_int_equal(routing_locate(districts, ND, NULL, 0, 0, 0, NULL, &w, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "no location"));
    assert_int_equal(routing_locate(districts, ND, "UB8 3NN", 0, 0, 0, HIL, &w, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "one location only"));
    assert_int_equal(routing_locate(districts, ND, NULL, 0, 0, 0, "E09000001", &w, &e), ICS_EINVAL);
    assert_int_equal(routing_locate(districts, ND, NULL, 1, 95.0, 0, NULL, &w, &e), ICS_EINVAL);
    /* a point near Hillingdon Hospital: nearest district UB8 */
    assert_int_equal(routing_locate(districts, ND, NULL, 1, 51.5257, -0.4610, NULL, &w, &e), 0);
    assert_string_equal(w.district, "UB8");
    assert_string_equal(w.place, HIL);
    /* W1T 7NF is located by W1 when only W1 is in the table */
    assert_int_equal(routing_locate(districts, ND, "w1t 7nf", 0, 0, 0, NULL, &w, &e), 0);
    assert_string_equal(w.district, "W1");
    assert_string_equal(w.place, WES);
    assert_int_equal(routing_caps_parse("falls, flying", &caps, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "unknown capability 'flying'"));
    assert_int_equal(routing_caps_parse("falls,frailty", &caps, &e), 0);
    assert_int_equal(caps, 3u);
    route_query q;
    routing_query_init(&q);
    route_answer a;
    assert_int_equal(routing_find(svc, NSVC, bh, nbh, &q, &a, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "no needs"));
    routing_answer_free(&a);
    /* a specification with several problems reports all of them */
    route_service_text t = {
        "X-1", "",   "ucr", "nope", "",   "E0900", "", "Mon-Fri 25:00-26:00", "falls teleport",
        "70",  "20", "",    "0",    "-1", ""};
    route_service sv;
    assert_int_equal(routing_service_parse(&t, &sv, &e), ICS_EINVAL);
    assert_non_null(strstr(e.msg, "name is empty"));
    assert_non_null(strstr(e.msg, "provider_ods 'nope'"));
    assert_non_null(strstr(e.msg, "place 'E0900'"));
    assert_non_null(strstr(e.msg, "opening hours"));
    assert_non_null(strstr(e.msg, "'teleport'"));
    assert_non_null(strstr(e.msg, "max_age 20 is below min_age 70"));
    assert_non_null(strstr(e.msg, "response_minutes"));
    assert_non_null(strstr(e.msg, "daily_capacity"));
}

static void test_shipped_services_csv_parses(void **s)
{
    (void)s;
    csv_doc *d;
    ics_err e = {0};
    assert_int_equal(csv_read_file(ICS_SRC_DIR "/data/services.csv", &d, &e), 0);
    static const char *const cols[] = {
        "service_id",       "name",           "kind",      "provider_ods",
        "site_code",        "places",         "districts", "hours",
        "capabilities",     "min_age",        "max_age",   "exclusions",
        "response_minutes", "daily_capacity", "phone",     NULL};
    int idx[15];
    assert_int_equal(csv_columns(d, cols, idx, 1, &e), 0);
    int ucr = 0;
    for (size_t r = 0; r < d->nrows; r++) {
        char **c = d->rows[r];
        route_service_text t = {c[idx[0]],  c[idx[1]],  c[idx[2]],  c[idx[3]],  c[idx[4]],
                                c[idx[5]],  c[idx[6]],  c[idx[7]],  c[idx[8]],  c[idx[9]],
                                c[idx[10]], c[idx[11]], c[idx[12]], c[idx[13]], c[idx[14]]};
        route_service sv;
        if (routing_service_parse(&t, &sv, &e)) fail_msg("line %zu: %s", d->line[r], e.msg);
        ucr += strcmp(sv.kind, "ucr") == 0;
    }
    assert_int_equal(ucr, 8);
    csv_free(d);
}

/* ---- referrals --------------------------------------------------------- */

static void test_referral_lifecycle_legal_and_illegal(void **s)
{
    (void)s;
    ics_err e = {0};
    int next;
    int64_t sent = at("2026-11-24T10:00"), now = at("2026-11-24T12:00");
    assert_int_equal(routing_referral_step(REF_SENT, REF_ACCEPT, sent, NULL, 0, now, &next, &e), 0);
    assert_int_equal(next, REF_ACCEPTED);
    assert_int_equal(
        routing_referral_step(REF_ACCEPTED, REF_ATTEND, sent, NULL, sent + 5400, now, &next, &e),
        0);
    assert_int_equal(next, REF_ATTENDED);
    assert_int_equal(
        routing_referral_step(REF_SENT, REF_DECLINE, sent, "no capacity", 0, now, &next, &e), 0);
    assert_int_equal(next, REF_DECLINED);
    assert_int_equal(routing_referral_step(REF_SENT, REF_CANCEL, sent, NULL, 0, now, &next, &e), 0);
    assert_int_equal(routing_referral_step(REF_ACCEPTED, REF_CANCEL, sent, NULL, 0, now, &next, &e),
                     0);
    assert_int_equal(next, REF_CANCELLED);
    /* illegal: 409 */
    next = -7;
    assert_int_equal(
        routing_referral_step(REF_SENT, REF_ATTEND, sent, NULL, sent + 60, now, &next, &e),
        ICS_ECONFLICT);
    assert_string_equal(e.msg, "referral is sent: it cannot be attended (accept it first)");
    assert_int_equal(next, -7);
    assert_int_equal(routing_referral_step(REF_DECLINED, REF_ACCEPT, sent, NULL, 0, now, &next, &e),
                     ICS_ECONFLICT);
    assert_int_equal(routing_referral_step(REF_ATTENDED, REF_CANCEL, sent, NULL, 0, now, &next, &e),
                     ICS_ECONFLICT);
    assert_int_equal(routing_referral_step(REF_ACCEPTED, REF_ACCEPT, sent, NULL, 0, now, &next, &e),
                     ICS_ECONFLICT);
    assert_int_equal(routing_referral_step(REF_ACCEPTED, REF_DECLINE, sent, "x", 0, now, &next, &e),
                     ICS_ECONFLICT);
    assert_int_equal(
        routing_referral_step(REF_CANCELLED, REF_ATTEND, sent, NULL, now, now, &next, &e),
        ICS_ECONFLICT);
    /* invalid content: 422 */
    assert_int_equal(routing_referral_step(REF_SENT, REF_DECLINE, sent, "", 0, now, &next, &e),
                     ICS_EINVAL);
    assert_int_equal(
        routing_referral_step(REF_ACCEPTED, REF_ATTEND, sent, NULL, sent - 60, now, &next, &e),
        ICS_EINVAL);
    assert_int_equal(
        routing_referral_step(REF_ACCEPTED, REF_ATTEND, sent, NULL, now + 3600, now, &next, &e),
        ICS_EINVAL);
    assert_int_equal(routing_state_find("attended"), REF_ATTENDED);
    assert_int_equal(routing_action_find("decline"), REF_DECLINE);
    assert_int_equal(routing_action_find("teleport"), -1);
}

/* ---- the 2-hour standard report (hand-checked) -------------------------- */

static void test_ucr_report_hand_checked(void **s)
{
    (void)s;
    int64_t from = at("2026-11-01"), to = at("2026-12-01"), t = at("2026-11-10T09:00");
    route_ref refs[] = {
        {0, 0, REF_ATTENDED, t, t + 60 * 60},   /* 60 min: within */
        {0, 0, REF_ATTENDED, t, t + 121 * 60},  /* 121 min: breach */
        {0, 0, REF_ATTENDED, t, t + 120 * 60},  /* exactly 120: within */
        {0, 0, REF_DECLINED, t, 0},             /* out of scope */
        {1, 1, REF_ATTENDED, t, t + 30 * 60},   /* within */
        {1, -1, REF_CANCELLED, t, 0},           /* outside the ICS: ICS row only */
        {1, 1, REF_ACCEPTED, to - 3 * 3600, 0}, /* open, 3 hours old at asof */
        {1, 1, REF_SENT, to - 3600, 0},         /* open, 1 hour old */
        {0, 0, REF_ATTENDED, from - 60, from},  /* before the period */
        {0, 0, REF_ATTENDED, to, to + 60},      /* at 'to': after the period */
    };
    route_ucr_report r;
    ics_err e = {0};
    assert_int_equal(routing_ucr_report(refs, 10, 2, 2, from, to, 0, to, &r, &e), 0);
    route_ucr_row *a = &r.by_service[0];
    assert_int_equal(a->referrals, 4);
    assert_int_equal(a->attended, 3);
    assert_int_equal(a->within, 2);
    assert_int_equal(a->declined, 1);
    assert_true(fabs(a->share - 2.0 / 3) < 1e-12);
    assert_false(a->meets);
    assert_true(fabs(a->median_minutes - 120) < 1e-9);
    assert_true(fabs(a->lo - 0.2076596) < 1e-6 && fabs(a->hi - 0.9385081) < 1e-6);
    route_ucr_row *b = &r.by_service[1];
    assert_int_equal(b->referrals, 4);
    assert_int_equal(b->attended, 1);
    assert_int_equal(b->within, 1);
    assert_int_equal(b->cancelled, 1);
    assert_int_equal(b->open, 2);
    assert_int_equal(b->open_breached, 1);
    assert_true(b->meets);
    assert_int_equal(r.by_place[0].referrals, 4);
    assert_int_equal(r.by_place[1].referrals, 3);
    assert_int_equal(r.ics.referrals, 8);
    assert_int_equal(r.ics.attended, 4);
    assert_int_equal(r.ics.within, 3);
    assert_true(fabs(r.ics.share - 0.75) < 1e-12);
    assert_true(r.ics.meets);
    /* delays 30, 60, 120, 121: median 90 */
    assert_true(fabs(r.ics.median_minutes - 90) < 1e-9);
    assert_true(fabs(r.ics.lo - 0.3006418) < 1e-6 && fabs(r.ics.hi - 0.9544127) < 1e-6);
    routing_ucr_report_free(&r);
    /* an empty period gives no share, not a division by zero */
    assert_int_equal(routing_ucr_report(refs, 10, 2, 2, to + 86400, to + 2 * 86400, 0, to, &r, &e),
                     0);
    assert_int_equal(r.ics.referrals, 0);
    assert_true(r.ics.share < 0 && r.ics.lo < 0 && r.ics.median_minutes < 0);
    routing_ucr_report_free(&r);
    assert_int_equal(routing_ucr_report(refs, 10, 2, 2, to, from, 0, to, &r, &e), ICS_EINVAL);
}

/* ---- harmonisation ------------------------------------------------------ */

static const char places[8][ROUTE_CODE] = {BRE, EAL, HAF, HAR, HIL, HOU, KAC, WES};

static const route_harm_cell *cell(const route_harm_report *r, const char *cap, int place)
{
    return &r->cells[directory_capability_find(cap) * r->nplaces + place];
}

static void test_harmonisation_gaps_and_differences(void **s)
{
    (void)s;
    route_harm_report r;
    ics_err e = {0};
    assert_int_equal(routing_harm_report(svc, NSVC, places, 8, NULL, &r, &e), 0);
    /* Ealing's UCR lacks catheter care and no night service covers Ealing */
    assert_int_equal(cell(&r, "catheter", 1)->nservices, 0);
    assert_int_equal(cell(&r, "catheter", 1)->week_hours, 0);
    /* Harrow falls: the 24/7 falls service closes every gap */
    assert_int_equal(cell(&r, "falls", 3)->week_hours, 168);
    assert_int_equal(cell(&r, "falls", 3)->nservices, 2);
    /* Harrow catheter: UCR Mon-Fri 08-20 and weekends 09-17, night 20-08:
     * weekend gaps 08-09 and 17-20 on Sat and Sun = 8 hours */
    const route_harm_cell *hc = cell(&r, "catheter", 3);
    assert_int_equal(hc->week_hours, 160);
    assert_int_equal(hc->cover[5][8], 0);
    assert_int_equal(hc->cover[5][17], 0);
    assert_int_equal(hc->cover[6][19], 0);
    assert_int_equal(hc->cover[4][8], 1);
    /* bank holiday: UCR closed; night nursing keeps Monday's hours */
    assert_int_equal(hc->bh_hours, 12);
    /* Brent UCR is 24/7 */
    assert_int_equal(cell(&r, "falls", 0)->week_hours, 168);
    /* Hillingdon falls: two services at 09:00 */
    assert_int_equal(cell(&r, "falls", 4)->cover[2][9], 2);
    /* differences among UCR services: hours differ in 5 places, capabilities
     * in 3 (Brent adds reablement, Ealing lacks catheter, Hounslow lacks
     * carer support), minimum age in 2 (Harrow 16, K&C 65) */
    int by_field[6] = {0};
    static const char *f[] = {"hours",   "capabilities",     "min_age",
                              "max_age", "response_minutes", "exclusions"};
    for (int i = 0; i < r.ndiffs; i++)
        for (int k = 0; k < 6; k++)
            if (strcmp(r.diffs[i].field, f[k]) == 0) by_field[k]++;
    assert_int_equal(by_field[0], 5);
    assert_int_equal(by_field[1], 3);
    assert_int_equal(by_field[2], 2);
    assert_int_equal(by_field[3] + by_field[4] + by_field[5], 0);
    assert_int_equal(r.ndiffs, 10);
    int found = 0;
    for (int i = 0; i < r.ndiffs; i++)
        if (strcmp(r.diffs[i].field, "min_age") == 0 && r.diffs[i].place == 6) {
            assert_string_equal(r.diffs[i].value, "65");
            assert_string_equal(r.diffs[i].common, "18");
            found = 1;
        }
    assert_true(found);
    routing_harm_report_free(&r);
}

/* ---- synthetic history -------------------------------------------------- */

static void test_generated_referrals_are_deterministic_and_valid(void **s)
{
    (void)s;
    route_gen_ref *a, *b;
    int na, nb, ua, ub;
    ics_err e = {0};
    int64_t from = tz_days_from_civil(2026, 12, 20);
    assert_int_equal(routing_referrals_generate(svc, NSVC, districts, ND, bh, nbh, from, 14, 6.0,
                                                42, &a, &na, &ua, NULL, NULL, &e),
                     0);
    assert_int_equal(routing_referrals_generate(svc, NSVC, districts, ND, bh, nbh, from, 14, 6.0,
                                                42, &b, &nb, &ub, NULL, NULL, &e),
                     0);
    assert_int_equal(na, nb);
    assert_int_equal(ua, ub);
    assert_memory_equal(a, b, (size_t)na * sizeof *a);
    /* 8 places x 14 days x 6 a day = 672 expected, minus the unrouted */
    assert_true(na + ua > 560 && na + ua < 790);
    int attended = 0, open = 0;
    for (int i = 0; i < na; i++) {
        char out[11];
        assert_int_equal(valid_nhs_number(a[i].nhs, out, &e), 0);
        assert_memory_equal(a[i].nhs, "999", 3);
        const route_service *sv = &svc[a[i].service];
        assert_true(sv->caps & a[i].needs);
        assert_true(routing_hours_open(&sv->hours, bh, nbh, a[i].sent_at, NULL, NULL));
        if (a[i].state == REF_ATTENDED) {
            attended++;
            assert_true(a[i].attended_at > a[i].sent_at);
        }
        open += a[i].state == REF_SENT || a[i].state == REF_ACCEPTED;
    }
    assert_true(attended > na * 8 / 10);
    assert_true(open < 40);
    /* another seed, another history */
    route_gen_ref *c;
    int nc, uc;
    assert_int_equal(routing_referrals_generate(svc, NSVC, districts, ND, bh, nbh, from, 14, 6.0,
                                                43, &c, &nc, &uc, NULL, NULL, &e),
                     0);
    assert_true(nc != na || memcmp(c, a, (size_t)na * sizeof *a) != 0);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hours_night_service_open_after_midnight),
        cmocka_unit_test(test_hours_bank_holiday_night_runs_into_next_day),
        cmocka_unit_test(test_hours_night_lasts_11_hours_when_clocks_go_forward),
        cmocka_unit_test(test_hours_night_lasts_13_hours_when_clocks_go_back),
        cmocka_unit_test(test_hours_open_in_spring_gap_starts_at_gap_end),
        cmocka_unit_test(test_hours_247_open_all_week),
        cmocka_unit_test(test_hours_match_brute_force_around_clock_changes),
        cmocka_unit_test(test_hours_week_cover_counts_whole_hours),
        cmocka_unit_test(test_route_hillingdon_falls_at_3am),
        cmocka_unit_test(test_route_hillingdon_daytime_ranks_by_distance_then_response),
        cmocka_unit_test(test_route_westminster_bank_holiday_hours),
        cmocka_unit_test(test_route_postcode_outside_ics),
        cmocka_unit_test(test_route_closed_service_never_returned),
        cmocka_unit_test(test_route_at_capacity_ranked_out_and_stale_not_trusted),
        cmocka_unit_test(test_route_age_exclusions_and_districts),
        cmocka_unit_test(test_route_partial_cover_and_all_failures_listed),
        cmocka_unit_test(test_route_inactive_and_closing_margin_boundary),
        cmocka_unit_test(test_route_bad_inputs),
        cmocka_unit_test(test_shipped_services_csv_parses),
        cmocka_unit_test(test_referral_lifecycle_legal_and_illegal),
        cmocka_unit_test(test_ucr_report_hand_checked),
        cmocka_unit_test(test_harmonisation_gaps_and_differences),
        cmocka_unit_test(test_generated_referrals_are_deterministic_and_valid),
    };
    return cmocka_run_group_tests_name("routing", tests, setup, NULL);
}
