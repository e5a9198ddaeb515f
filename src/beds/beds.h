/* beds.h - the community bed bureau engine: bed state rules, matching a
 * referral to beds with reasons, the exact optimal batch assignment of the
 * whole queue, length-of-stay statistics with funnel limits, a seven-day
 * discharge forecast and a deterministic synthetic history generator.
 *
 * Plain structs in, plain structs out: no I/O, no SQL, no JSON. The caller
 * owns every input array; outputs come from _new-style functions with a
 * matching _free. Times are seconds since the epoch (UTC); days are London
 * calendar day numbers (tz_days_from_civil). */
#ifndef ICS_BEDS_BEDS_H
#define ICS_BEDS_BEDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/progress.h"
#include "flow/flow.h"

#define BEDS_CODE_MAX   24
#define BEDS_PLACE_MAX  10 /* ONS code + NUL */
#define BEDS_MAX_PLACES 16

/* ---- vocabularies ---------------------------------------------------- */

typedef enum {
    BEDS_TYPE_REHAB,
    BEDS_TYPE_STROKE, /* stroke rehabilitation */
    BEDS_TYPE_DEMENTIA,
    BEDS_TYPE_PALLIATIVE,
    BEDS_TYPE_STEPDOWN, /* general step-down */
    BEDS_TYPE_COUNT
} beds_type;

/* "rehabilitation", "stroke_rehabilitation", "dementia", "palliative",
 * "step_down" (the directory's names). */
const char *beds_type_name(beds_type t);
int beds_type_parse(const char *s, beds_type *out, ics_err *e);
/* The youngest patient a bed of type t takes: every community bed type the
 * bureau runs is an adult service (18 and over); children go to paediatric
 * services, which are outside the bureau. */
#define BEDS_ADULT_AGE 18
int beds_type_min_age(beds_type t);

/* How well a bed of type bed serves a patient needing need:
 * BEDS_FIT_EXACT, BEDS_FIT_ALT (acceptable alternative, costs more) or
 * BEDS_FIT_NONE. The table is in match.c with its reasons. */
enum { BEDS_FIT_EXACT = 0, BEDS_FIT_ALT = 1, BEDS_FIT_NONE = 2 };
int beds_type_fit(beds_type need, beds_type bed);

typedef enum {
    BEDS_AVAILABLE,
    BEDS_RESERVED, /* offered to a referral, not yet admitted */
    BEDS_OCCUPIED,
    BEDS_CLOSED, /* with a beds_closure reason */
    BEDS_CLEANING,
    BEDS_STATUS_COUNT
} beds_status;

typedef enum {
    BEDS_CLOSE_NONE,
    BEDS_CLOSE_INFECTION,
    BEDS_CLOSE_STAFFING,
    BEDS_CLOSE_MAINTENANCE,
    BEDS_CLOSE_COUNT
} beds_closure;

/* "available", "reserved", "occupied", "closed", "cleaning". */
const char *beds_status_name(beds_status s);
int beds_status_parse(const char *s, beds_status *out, ics_err *e);
/* "", "infection_control", "staffing", "maintenance". */
const char *beds_closure_name(beds_closure c);
int beds_closure_parse(const char *s, beds_closure *out, ics_err *e);
/* HL7 v2 table 0116 code for FHIR Location.operationalStatus:
 * available U, reserved U (no reserved code exists), occupied O,
 * closed C (K contaminated for infection control), cleaning H. */
char beds_status_hl7(beds_status s, beds_closure c);

/* Whether a bed may move from one status to another (a coordinator's
 * change or a lifecycle step). Reserved is entered only by an offer;
 * occupied only from reserved or available (direct admission). */
int beds_status_can_move(beds_status from, beds_status to);

/* ---- the board: units and their beds --------------------------------- */

/* Sex: units are 'M', 'F' or 'X' (mixed); a bay in a mixed unit may be
 * designated 'M' or 'F' (0 when the bed is a side room or undesignated;
 * side_room says which);
 * patients are 'M', 'F' or 'U' (not known). */
typedef struct beds_unit {
    char code[BEDS_CODE_MAX];
    beds_type type;
    char sex;
    double lat, lon;
    int nplaces; /* places (ONS codes) that commission the unit */
    char places[BEDS_MAX_PLACES][BEDS_PLACE_MAX];
    int64_t confirmed_at; /* when its figures were last confirmed; 0 never */
} beds_unit;

typedef struct beds_bed {
    int64_t id;
    char code[BEDS_CODE_MAX];
    int unit; /* index into the board's units */
    char bay_sex;
    unsigned char side_room; /* 1: a single side room (either sex; isolation) */
    beds_status status;
    beds_closure closure;
} beds_bed;

typedef struct beds_board {
    const beds_unit *units;
    size_t nunits;
    const beds_bed *beds;
    size_t nbeds;
} beds_board;

/* Per-unit counts derived from the beds. */
typedef struct beds_unit_count {
    int beds, available, reserved, occupied, closed, cleaning;
    double occupancy; /* (occupied + reserved) / open beds; 0 when none open */
    int stale;        /* confirmed_at older than the stale age, or never */
} beds_unit_count;

/* counts has nunits entries. stale_after in seconds (0: never stale). */
void beds_board_count(const beds_board *b, int64_t now, int64_t stale_after,
                      beds_unit_count *counts);

/* Empty is not available: only a bed whose status is available (open,
 * staffed and not reserved) can be offered. */
int beds_bed_offerable(const beds_bed *bed);

/* ---- referrals and matching ------------------------------------------ */

typedef struct beds_referral {
    int64_t id;
    char nhs[11];
    int age;
    char sex; /* 'M', 'F', 'U' */
    int has_home;
    double lat, lon; /* home (postcode district centroid) */
    char place[BEDS_PLACE_MAX];
    beds_type type;
    int priority;        /* 1 urgent, 2 soon, 3 routine */
    int64_t referred_at; /* seconds */
    int64_t earliest_at; /* earliest transfer, seconds (0: now) */
} beds_referral;

typedef enum { BEDS_POLICY_POOLED, BEDS_POLICY_BOROUGH } beds_policy;
const char *beds_policy_name(beds_policy p);
int beds_policy_parse(const char *s, beds_policy *out, ics_err *e);

/* Cost weights, integers so the optimum is exact. See match.c for the model. */
typedef struct beds_weights {
    int64_t per_100m;        /* cost per 100 m from home */
    int64_t alt_fit;         /* acceptable-alternative bed type */
    int64_t occupancy;       /* times the unit's occupancy fraction, rounded */
    int64_t unplaced;        /* base cost of leaving a ready referral without a bed */
    int64_t per_wait_day[4]; /* by priority 1..3 (index 0 unused), per day waited + 1 */
} beds_weights;

typedef struct beds_match_opts {
    beds_policy policy;
    int64_t now;
    int64_t stale_after; /* seconds; 0 means never stale */
    double max_km;       /* 0: no limit */
    beds_weights w;
} beds_match_opts;

/* Defaults: pooled, stale after 24 h, no distance limit, weights
 * per_100m 1, alt_fit 200, occupancy 20, unplaced 100000, per wait day
 * 300/100/50 for priorities 1/2/3. */
void beds_match_opts_default(beds_match_opts *o, int64_t now);

/* Why a bed does or does not suit a referral. */
typedef enum {
    BEDS_WHY_OK,
    BEDS_WHY_NOT_AVAILABLE,    /* reserved, occupied, closed or cleaning */
    BEDS_WHY_TYPE,             /* bed type cannot meet the need */
    BEDS_WHY_SEX_UNIT,         /* single-sex unit of the other sex */
    BEDS_WHY_SEX_BAY,          /* bay designated for the other sex */
    BEDS_WHY_NOT_COMMISSIONED, /* borough policy: unit not commissioned for the place */
    BEDS_WHY_TOO_FAR,
    BEDS_WHY_COUNT
} beds_why;

/* Stable short name: "ok", "not_available", "type", "sex_unit", "sex_bay",
 * "not_commissioned", "too_far". */
const char *beds_why_name(beds_why w);

typedef struct beds_option {
    int bed;      /* index into the board's beds */
    beds_why why; /* the first rule that failed, or OK */
    int fit;      /* BEDS_FIT_* */
    double km;    /* from home; -1 when the home is not known */
    double occupancy;
    int stale;
    int64_t cost; /* for suitable beds */
} beds_option;

/* Cost of placing r in bed b, or -1 when unsuitable (why says which rule).
 * counts from beds_board_count. */
int64_t beds_option_cost(const beds_board *b, const beds_unit_count *counts, const beds_referral *r,
                         int bed, const beds_match_opts *o, beds_option *out);

/* Cost of leaving a ready referral unplaced: unplaced + per_wait_day[p] *
 * (whole days waited + 1). */
int64_t beds_unplaced_cost(const beds_referral *r, const beds_match_opts *o);

/* A ready referral can be placed now: earliest_at <= now. */
int beds_referral_ready(const beds_referral *r, int64_t now);

/* Every bed for one referral: suitable ones first by cost (ties by bed
 * code), then unsuitable ones grouped by reason. *out has b->nbeds entries;
 * free with free(). *nsuitable counts the suitable prefix. */
int beds_referral_rank(const beds_board *b, const beds_referral *r, const beds_match_opts *o,
                       beds_option **out, size_t *nsuitable, ics_err *e);

/* One line a coordinator can read: "exact fit (rehab); 3.2 km from home;
 * unit 80% occupied" or "unit is female-only; patient is male". */
void beds_option_explain(const beds_board *b, const beds_referral *r, const beds_option *opt,
                         char *buf, size_t n);

/* ---- batch assignment ------------------------------------------------- */

typedef struct beds_plan {
    size_t nrefs;
    int *bed_of;      /* per referral: bed index, or -1 unplaced */
    int64_t *cost_of; /* per referral: its placement or unplaced cost (0 not ready) */
    int *ready;       /* per referral: 1 when ready and therefore in the problem */
    size_t nready, nplaced;
    int64_t total_cost;    /* sum over ready referrals */
    int64_t placed_cost;   /* part from placements */
    int64_t unplaced_cost; /* part from ready referrals left without a bed */
    double total_km;       /* over placements with a known home */
    int alt_fits;          /* placements in an alternative bed type */
} beds_plan;

/* The exact optimal assignment of every ready referral to at most one
 * offerable bed, minimising total cost (placements + unplaced). progress
 * may be NULL. */
int beds_queue_match(const beds_board *b, const beds_referral *refs, size_t nrefs,
                     const beds_match_opts *o, progress_fn progress, void *pctx, beds_plan **out,
                     ics_err *e);
void beds_plan_free(beds_plan *p);

/* The minimum-cost flow network over bed classes that the batch
 * assignment solves (see match.c for the model), unsolved: for checking
 * and benchmarking against other solvers. Its optimum equals the plan's
 * total_cost. Free *out with flow_mcf_free. */
int beds_queue_net(const beds_board *b, const beds_referral *refs, size_t nrefs,
                   const beds_match_opts *o, flow_mcf **out, ics_err *e);

/* Rectangular linear sum assignment: nr rows, nc columns, nr <= nc, cost
 * row-major nr x nc (every entry finite). Fills col4row[nr] and *total.
 * Exact (shortest augmenting paths with dual potentials). */
int beds_lsap_solve(size_t nr, size_t nc, const int64_t *cost, int *col4row, int64_t *total,
                    progress_fn progress, void *pctx, ics_err *e);

/* The same with row capacities: row i may take up to cap[i] columns and
 * must take exactly cap[i] (sum of cap <= nc). Fills row4col[nc] (-1 for
 * a column left free). Used with one row per class of identical beds. */
int beds_lsap_solve_cap(size_t nr, const int *cap, size_t nc, const int64_t *cost, int *row4col,
                        int64_t *total, progress_fn progress, void *pctx, ics_err *e);

/* ---- length of stay --------------------------------------------------- */

/* A stay in a unit. Days are London calendar days; LOS = discharge - admit. */
typedef struct beds_stay {
    int unit;
    int64_t admit_day;
    int64_t discharge_day; /* -1 while still in */
    int64_t ready_day;     /* medically ready for discharge, -1 unknown */
    int64_t expected_day;  /* planned discharge date, -1 none */
} beds_stay;

/* LOS histogram bins in days: 0-6, 7-13, 14-20, 21-27, 28-41, 42+. */
#define BEDS_LOS_BINS 6
extern const int beds_los_bin_lo[BEDS_LOS_BINS];

typedef struct beds_los {
    size_t n; /* discharged stays counted */
    double mean, median, p90, sd;
    size_t hist[BEDS_LOS_BINS];
    int64_t delayed_days; /* sum of discharge - ready over stays with a ready day */
    size_t ndelayed;      /* stays with at least one delayed day */
    /* funnel against the mean LOS of all stays of the unit's bed type */
    double target, sd_type;
    double lo95, hi95, lo998, hi998;
    double z;
    int flag; /* 0 within 95%, 1 outside 95% only, 2 outside 99.8% */
} beds_los;

/* Statistics per unit over stays discharged in [from_day, to_day].
 * unit_types[nunits] groups units for the funnel target; out[nunits]. */
int beds_los_compute(const beds_stay *stays, size_t nstays, size_t nunits,
                     const beds_type *unit_types, int64_t from_day, int64_t to_day, beds_los *out,
                     ics_err *e);

#define BEDS_FORECAST_DAYS 7
/* Expected discharges per unit for today + 0..6 from the stays still in
 * (discharge_day -1): a planned discharge date counts as certain; otherwise
 * P(LOS = d + k | LOS >= d) from the unit's discharged stays (the bed
 * type's when the unit has fewer than 20). free_now[nunits] are beds
 * available now; free_out[nunits][7] = free_now + discharges up to that day. */
int beds_forecast(const beds_stay *stays, size_t nstays, size_t nunits, const beds_type *unit_types,
                  const int *free_now, int64_t today, double (*disch_out)[BEDS_FORECAST_DAYS],
                  double (*free_out)[BEDS_FORECAST_DAYS], ics_err *e);

/* A ready referral's placement in words (why.c): with suitable free beds
 * "3 suitable free beds"; else which rule rules out each free bed whose
 * type would do ("2 free beds for stroke rehabilitation, both in male
 * bays") or that none is free. opts are beds_referral_rank's (b->nbeds
 * entries), place_name the patient's place in words (NULL: its code).
 * Returns nsuitable. */
int beds_referral_why_not(const beds_board *b, const beds_referral *r, const beds_option *opts,
                          size_t nsuitable, const char *place_name, char *buf, size_t n);
/* A suitable option's cost in words, each component with its cost units:
 * "3.2 km from home 32 + exact bed type 0 + unit 80% occupied 16 = 48". */
void beds_cost_words(const beds_referral *r, const beds_option *opt, const beds_match_opts *o,
                     char *buf, size_t n);
/* The first forecast day (0 = today .. 6) by which at least one bed is
 * expected to free up, summed over the units that could take r (type fit,
 * unit sex, and under borough policy commissioning), from the forecast's
 * expected discharges disch[nunits][7]; -1 when none within the week.
 * *unit_out (may be NULL): the unit with the most expected discharges that
 * day. Assumes a freed bed in a mixed unit can take either sex. */
int beds_next_free(const beds_board *b, const beds_referral *r, beds_policy policy,
                   const double (*disch)[BEDS_FORECAST_DAYS], int *unit_out);

/* Occupied beds per unit per day for days [from_day, from_day + ndays):
 * a stay occupies its admission day up to the day before discharge.
 * out[unit * ndays + k]. */
void beds_occupancy_days(const beds_stay *stays, size_t nstays, size_t nunits, int64_t from_day,
                         int ndays, int *out);

/* ---- synthetic history ------------------------------------------------ */

typedef struct beds_district {
    char code[5];
    double lat, lon;
    char place[BEDS_PLACE_MAX];
} beds_district;

typedef enum {
    BEDS_REF_WAITING,
    BEDS_REF_OFFERED,
    BEDS_REF_ACCEPTED,
    BEDS_REF_ADMITTED,
    BEDS_REF_DISCHARGED,
    BEDS_REF_DECLINED,
    BEDS_REF_CANCELLED,
    BEDS_REF_STATE_COUNT
} beds_ref_state;
const char *beds_ref_state_name(beds_ref_state s);
int beds_ref_state_parse(const char *s, beds_ref_state *out, ics_err *e);
/* Legal lifecycle moves: waiting -> offered -> accepted -> admitted ->
 * discharged; offered -> waiting (offer withdrawn or declined by the
 * unit); waiting/offered/accepted -> declined or cancelled. */
int beds_ref_can_move(beds_ref_state from, beds_ref_state to);

/* One generated referral and what became of it. */
typedef struct beds_episode {
    beds_referral ref;
    char district[5];
    beds_ref_state state;
    int bed;                 /* bed index when offered/admitted/discharged, else -1 */
    int64_t admitted_at;     /* seconds, 0 when not admitted */
    int64_t discharged_at;   /* seconds, 0 when not discharged */
    int64_t ready_day;       /* -1 when never delayed */
    const char *destination; /* static string, NULL when not discharged */
    const char *reason;      /* declined/cancelled reason, static, else NULL */
} beds_episode;

typedef struct beds_history {
    beds_episode *eps;
    size_t n;
    beds_bed *beds; /* the beds' state at the end (copy of the input, updated) */
    size_t nbeds;
    int64_t *confirmed_at; /* per unit */
} beds_history;

typedef struct beds_gen_opts {
    uint64_t seed;
    int64_t end_day; /* history covers [end_day - ndays, end_day); "now" is end_day 10:00 */
    int ndays;
    double occupancy;    /* target mean occupancy, e.g. 0.9 */
    double closed_share; /* share of beds closed at the end, e.g. 0.03 */
} beds_gen_opts;

/* A year (or ndays) of referrals and stays on the given beds (statuses of
 * the input beds are ignored; all start available), deterministic for
 * the seed. Patients get NHS numbers in the never-issued 999 range. */
int beds_history_generate(const beds_unit *units, size_t nunits, const beds_bed *beds, size_t nbeds,
                          const beds_district *d, size_t nd, const beds_gen_opts *o,
                          beds_history **out, ics_err *e);
void beds_history_free(beds_history *h);

#endif
