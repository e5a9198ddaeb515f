/* sim.h - discrete-event simulation of community bed units for the bed review.
 *
 * Plain structs in, plain structs out: a scenario (places with arrival rates,
 * units with beds, a length-of-stay model, an admission policy) is run for
 * many seeded replications and summarised with 95% confidence intervals. No
 * I/O; deterministic for a given scenario and seed, whatever the thread count.
 * Erlang B/C closed forms are here too, to check the simulator against theory. */
#ifndef ICS_SIM_SIM_H
#define ICS_SIM_SIM_H

#include <stdatomic.h>
#include <stdint.h>

#include "core/error.h"
#include "core/progress.h"
#include "core/rng.h"
#include "core/sb.h"

#define SIM_MAX_PLACES   32
#define SIM_MAX_UNITS    64
#define SIM_MAX_REPS     10000
#define SIM_MAX_PATIENTS 1e7 /* per replication (8 bytes a wait kept) */

typedef enum {
    SIM_LOS_INHERIT = 0, /* a place's LOS: use the scenario's */
    SIM_LOS_EXPONENTIAL,
    SIM_LOS_LOGNORMAL,
    SIM_LOS_EMPIRICAL
} sim_los_kind;

/* Length of stay in days. Empirical: values are resampled uniformly (the
 * caller owns the array and keeps it alive while the scenario is used). */
typedef struct sim_los {
    sim_los_kind kind;
    double mean, sd;
    const double *values;
    int nvalues;
} sim_los;

typedef enum { SIM_POLICY_BOROUGH = 0, SIM_POLICY_POOLED = 1 } sim_policy;
typedef enum { SIM_QUEUE_FIFO = 0, SIM_QUEUE_PRIORITY = 1 } sim_queue_kind;
/* How the review chooses its warm-up: FIXED uses warmup_days as given;
 * MSER5 uses the longer of warmup_days and MSER-5's truncation point from
 * pilot replications (sim_warmup_mser5): the data can lengthen the warm-up,
 * never shorten it below the floor the scenario sets. */
typedef enum { SIM_WARMUP_FIXED = 0, SIM_WARMUP_MSER5 = 1 } sim_warmup_rule;

typedef struct sim_place {
    char code[16];
    char name[64];
    double lat, lon;         /* where its patients come from (nearest-first) */
    double arrivals_per_day; /* mean rate, before day-of-week/seasonal profiles */
    double urgent_share;     /* share of arrivals that are urgent (priority queue) */
    sim_los los;             /* SIM_LOS_INHERIT: the scenario's LOS */
} sim_place;

typedef struct sim_unit {
    char code[16];
    char name[64];
    int beds;
    double lat, lon;
    uint64_t places; /* bit i set: commissioned for places[i] */
} sim_unit;

/* One replayed arrival: day since the start (day 0 is a Monday, 1 January),
 * place index, LOS in days (< 0: drawn from the model), urgent flag. */
typedef struct sim_arrival {
    double day;
    int place;
    double los;
    int urgent;
} sim_arrival;

typedef struct sim_scenario {
    int nplaces, nunits;
    sim_place places[SIM_MAX_PLACES];
    sim_unit units[SIM_MAX_UNITS];
    sim_los los;
    /* Rate multipliers, normalised to average 1 (so arrivals_per_day stays
     * the mean): dow[0] is Monday; month[0] January. has_* = 0: flat. */
    double dow[7];
    int has_dow;
    double month[12];
    int has_month;
    /* When nreplay > 0 the arrivals are replayed (the caller owns them) and
     * arrivals_per_day is ignored; replications then differ only in LOS. */
    const sim_arrival *replay;
    int nreplay;
    double warmup_days, run_days;
    sim_warmup_rule warmup_rule; /* used by sim_review_run; sim_run takes warmup_days as it is */
    sim_policy policy;
    sim_queue_kind queue;
    double target_days; /* "wait over target_days ..." */
    double target_prob; /* "... in under target_prob of patients" */
    int reps;
    uint64_t seed;
    /* The caller's cancel flag (NULL: none), polled every 4096 events of a
     * replication and between replications; once non-zero the run stops
     * with ICS_ECONFLICT ("the run was cancelled"). Not part of the model. */
    const atomic_int *stop;
} sim_scenario;

/* Per-replication metrics, all over patients arriving after the warm-up and
 * before its end, or time-averaged over that window. */
enum {
    SIM_OCCUPANCY,     /* busy bed-days / available bed-days */
    SIM_MEAN_WAIT,     /* days from arrival to admission */
    SIM_P_WAIT,        /* share of patients who waited at all */
    SIM_P_OVER_TARGET, /* share who waited more than target_days */
    SIM_WAIT_P95,      /* 95th percentile wait (nearest rank) */
    SIM_MEAN_QUEUE,    /* time-average number waiting */
    SIM_MAX_QUEUE,     /* most waiting at once */
    SIM_OVER_TARGET,   /* patients who waited more than target_days */
    SIM_PATIENTS,      /* patients arriving in the window */
    SIM_NMETRICS
};
extern const char *const sim_metric_names[SIM_NMETRICS];

typedef struct sim_rep {
    double m[SIM_NMETRICS];
    double unit_occ[SIM_MAX_UNITS];
    double place_wait[SIM_MAX_PLACES]; /* NaN when no patient from that place */
    double place_over[SIM_MAX_PLACES];
    long censored; /* never admitted before the simulation stopped */
    long events;
} sim_rep;

/* Mean across replications with a 95% t interval [lo, hi]; n counts the
 * replications that had a value. */
typedef struct sim_stat {
    double mean, sd, lo, hi;
    int n;
} sim_stat;

typedef struct sim_result {
    int reps;
    sim_rep *rep;
    sim_stat m[SIM_NMETRICS];
    sim_stat unit_occ[SIM_MAX_UNITS];
    sim_stat place_wait[SIM_MAX_PLACES];
    sim_stat place_over[SIM_MAX_PLACES];
    int beds;            /* total beds */
    double offered_load; /* mean arrivals per day x mean LOS = beds busy on average */
    long censored, events;
} sim_result;

sim_result *sim_result_new(int reps);
void sim_result_free(sim_result *r);

/* Check a scenario; every problem goes into one message. ICS_EINVAL. */
int sim_scenario_check(const sim_scenario *sc, ics_err *e);
/* Mean of a LOS model in days (the scenario's when kind is INHERIT). */
double sim_los_mean(const sim_scenario *sc, const sim_los *l);
/* Expected beds busy: sum over places of rate x mean LOS (replay: observed rate). */
double sim_scenario_load(const sim_scenario *sc);
int sim_scenario_beds(const sim_scenario *sc);
/* Set every unit's beds so they add up to total, in proportion to the
 * weights w[nunits] (NULL: today's beds), by largest remainder; equal
 * shares when all weights are zero. */
void sim_scenario_scale(sim_scenario *sc, int total, const double *w);
/* Each unit's share of the demand: a place's offered load split between
 * the units commissioned for it in proportion to their beds (all units
 * when none is). w has nunits entries and sums to the offered load. */
void sim_unit_loads(const sim_scenario *sc, double *w);

/* The patients replication rep would see up to day end, in arrival order
 * (los filled in): *out is malloc'd, caller frees. For tests and for
 * feeding another simulator the same demand. */
int sim_patients_draw(const sim_scenario *sc, int rep, double end, sim_arrival **out, size_t *n);

/* One replication (stream rep of the seed). ICS_ENOMEM on allocation failure. */
int sim_rep_run(const sim_scenario *sc, int rep, sim_rep *out);
/* The same replication simulated event by event (arrivals and departures in
 * time order), whatever the queue discipline: what sim_rep_run does for a
 * priority queue; with FIFO queues the reference its faster patient-by-
 * patient recursion is tested against. */
int sim_rep_run_events(const sim_scenario *sc, int rep, sim_rep *out);

/* Warm-up chosen from the data by MSER-5 (White 1997; Franklin and White
 * 2008): sim_mser5 returns how many leading observations of x[0..n) to
 * delete (a multiple of 5, at most half); sim_warmup_mser5 runs sc->reps
 * pilot replications from empty over warmup_days + run_days (streams of
 * their own), takes their mean wait by arrival day and puts the days to
 * delete in *days. FIFO queues with Poisson arrivals only (ICS_EINVAL). */
size_t sim_mser5(const double *x, size_t n);
int sim_warmup_mser5(const sim_scenario *sc, double *days, ics_err *e);

/* All sc->reps replications on threads (<= 0: one per core); progress may be
 * NULL. Results do not depend on the number of threads. */
int sim_run(const sim_scenario *sc, int threads, progress_fn progress, void *ctx, sim_result **out,
            ics_err *e);

/* Does a result meet the scenario's target (mean P(wait > target_days) below
 * target_prob; with conservative set, the upper end of its interval)? */
int sim_target_met(const sim_scenario *sc, const sim_result *r, int conservative);

/* Smallest bed numbers that meet the target, for sc->policy. */
typedef enum {
    SIM_SEARCH_BY_LOAD = 0, /* total beds, shared in proportion to each unit's demand */
    SIM_SEARCH_TOTAL = 1,   /* total beds, shared in proportion to today's beds */
    SIM_SEARCH_PER_UNIT = 2 /* the same number of beds in every unit */
} sim_search_mode;

typedef struct sim_search {
    int found;
    int total;    /* total beds at the answer */
    int per_unit; /* PER_UNIT mode: beds in each unit */
    int unit_beds[SIM_MAX_UNITS];
    sim_stat p_over, mean_wait, occupancy; /* at the answer */
    int evaluations;
} sim_search;

int sim_beds_search(const sim_scenario *sc, sim_search_mode mode, int conservative, int threads,
                    progress_fn progress, void *ctx, sim_search *out, ics_err *e);

/* The bed review: the scenario as it stands under each policy asked for
 * (paired: same seed), and with search set the fewest total beds each
 * policy needs, shared by demand (need) and keeping today's split
 * (need_today). An Erlang C estimate for one pooled
 * M/M/c system is given beside it as a sanity check (it assumes
 * exponential stays and ignores distance). */
enum { SIM_REVIEW_BOROUGH = 1, SIM_REVIEW_POOLED = 2 };

typedef struct sim_review {
    int policies; /* SIM_REVIEW_* bits */
    sim_result *res[2];
    int searched;
    sim_search need[2], need_today[2];
    double arrivals_per_day, mean_los;
    int erlang_beds;    /* pooled M/M/c estimate for the target */
    double warmup_days; /* the warm-up every run used */
    double mser5_days;  /* MSER-5's truncation point (SIM_WARMUP_MSER5), else -1 */
} sim_review;

/* With sc->warmup_rule MSER5 the pilot replications run first (FIFO queues
 * with Poisson arrivals only: ICS_EINVAL otherwise) and every run and search
 * uses the chosen warm-up (out->warmup_days). */
int sim_review_run(const sim_scenario *sc, int policies, int search, int conservative, int threads,
                   progress_fn progress, void *ctx, sim_review *out, ics_err *e);
/* Frees the results inside (not r itself). */
void sim_review_free(sim_review *r);

/* Wait against total beds for both policies (same seed: paired). */
typedef struct sim_sweep_point {
    int total;
    sim_stat mean_wait, p_over, occupancy;
} sim_sweep_point;

typedef struct sim_sweep {
    int npoints;
    sim_sweep_point pt[2][64]; /* [policy][i] */
    int needed[2];             /* beds needed per policy, 0 when not searched */
    int today;                 /* the scenario's total beds */
    double target_days, target_prob;
} sim_sweep;

/* Totals from lo to hi in at most 64 evenly spaced steps, each shared
 * between units by demand (as SIM_SEARCH_BY_LOAD). */
int sim_sweep_run(const sim_scenario *sc, int lo, int hi, int npoints, int threads,
                  progress_fn progress, void *ctx, sim_sweep *out, ics_err *e);

/* An SVG chart of a sweep: mean wait against total beds with 95% intervals,
 * borough and pooled in two panels side by side with the same axes. */
void sim_chart_svg(const sim_sweep *sw, const char *title, sb *out);

/* Queueing formulas (STANDARDS.md). a = offered load in beds (lambda x LOS). */
double sim_erlang_b(int c, double a);
/* Erlang C: P(wait > 0) in M/M/c; 1 when a >= c (no steady state). */
double sim_erlang_c(int c, double a);
/* Mean wait in days for arrivals per day lambda and mean LOS in days. */
double sim_erlang_wait(int c, double lambda, double los);
/* P(wait > t days). */
double sim_erlang_p_over(int c, double lambda, double los, double t);
/* Smallest c with P(wait > t) < p. */
int sim_erlang_beds(double lambda, double los, double t, double p);

/* Random variates for the model, from a core/rng.h stream (ziggurat.c):
 * standard normal, and exponential with the given mean. */
double sim_draw_normal(rng *r);
double sim_draw_exponential(rng *r, double mean);

/* ---- fitting a scenario to observed figures (src/sim/fit.c) ---------------
 * The caller fills places (lat/lon NaN when unknown) and units (with their
 * commissioning bits) from wherever it reads them; these set demand and
 * stays from counts, with no I/O. */

/* Defaults when there is too little history: a mean stay of 21 days (sd 14,
 * lognormal) and demand that would keep today's beds 85% occupied. */
#define SIM_FIT_DEFAULT_LOS       21.0
#define SIM_FIT_DEFAULT_LOS_SD    14.0
#define SIM_FIT_DEFAULT_OCCUPANCY 0.85
#define SIM_FIT_MIN_STAYS         30 /* referrals and finished stays needed to fit */

/* A place without a position sits at the mean of its commissioned units
 * (of all units when none is commissioned for it). */
void sim_fit_positions(sim_scenario *sc);
/* Beds commissioned per place: a unit's beds shared equally between the
 * places that commission it; share has nplaces entries. */
void sim_fit_commissioned_beds(const sim_scenario *sc, double *share);
/* Demand from unit sizes with the defaults above, shared between places in
 * proportion to their commissioned beds; returns the total beds counted. */
double sim_fit_from_beds(sim_scenario *sc);
/* Demand from history: referrals[i] and urgent[i] per place over span days
 * (span > 0); stays (days, the caller's array, kept alive while sc is used)
 * become the empirical LOS. *mean and *sd describe the stays (sd 0 for one). */
void sim_fit_from_history(sim_scenario *sc, const long *referrals, const long *urgent, double span,
                          const double *stays, int nstays, double *mean, double *sd);
/* Replay arrivals (the caller's array) over a window of span days: the
 * first 60 days, or a quarter of the span when shorter, are the warm-up. */
void sim_fit_replay(sim_scenario *sc, const sim_arrival *arrivals, int n, double span);
/* The index of the place with this code, or -1 (also for a NULL code). */
int sim_place_find(const sim_scenario *sc, const char *code);
/* 1 when place i has no commissioned unit (borough rules cannot serve it). */
int sim_fit_uncommissioned(const sim_scenario *sc, int i);

#endif
