/* analytics.h - population analytics: rates, standardisation, confidence
 * intervals, funnel plots and needs-based (weighted capitation) allocation.
 *
 * Plain structs in, plain structs out: no I/O, no SQL, no JSON. The methods
 * follow OHID Fingertips (PHEindicatormethods) so that figures agree with
 * published indicators; see docs/analytics.md for the formulas and sources. */
#ifndef ICS_ANALYTICS_ANALYTICS_H
#define ICS_ANALYTICS_ANALYTICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/csv.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/sb.h"

/* ---- age bands and the 2013 European Standard Population ---------------- */

#define ANALYTICS_NBANDS 19 /* 0-4, 5-9, ..., 85-89, 90+ */
#define ANALYTICS_NSEXES 2  /* 0 = M, 1 = F */

extern const double analytics_esp2013[ANALYTICS_NBANDS];
extern const char *const analytics_band_names[ANALYTICS_NBANDS];

/* Index of an age band name "0-4" ... "90+", or -1. */
int analytics_band_index(const char *name);
/* 0 for "M", 1 for "F", -1 otherwise. */
int analytics_sex_index(const char *s);

/* ---- distributions ------------------------------------------------------- */

/* The normal and Student t quantiles and Wilson's interval: core/stats.h. */
/* Regularised lower incomplete gamma P(a, x). */
double analytics_gamma_p(double a, double x);
/* Quantile of the gamma distribution with shape a and scale 1 (qchisq(p, 2a)/2). */
double analytics_gamma_quantile(double p, double a);

/* ---- confidence limits for counts and proportions ---------------------- */

/* Byar's approximation to the exact Poisson limits for a count o. The lower
 * limit is NAN when the approximation goes negative (o very small). */
double analytics_byar_lower(double o, double confidence);
double analytics_byar_upper(double o, double confidence);
/* Exact Poisson limits through the chi-squared (gamma) quantiles. */
double analytics_exact_lower(double o, double confidence);
double analytics_exact_upper(double o, double confidence);

/* ---- estimates ----------------------------------------------------------- */

typedef enum {
    ANALYTICS_OK = 0,
    ANALYTICS_SUPPRESSED,     /* fewer than 10 events: DSR not computed (Fingertips rule) */
    ANALYTICS_NO_DENOMINATOR, /* zero population / expected: nothing to divide by */
} analytics_status;

typedef enum {
    ANALYTICS_METHOD_BYAR = 0,
    ANALYTICS_METHOD_EXACT, /* exact Poisson (chi-squared), used below 10 events */
    ANALYTICS_METHOD_DOBSON,
    ANALYTICS_METHOD_WILSON,
} analytics_method;

/* Every estimate carries both confidence levels Fingertips publishes. */
typedef struct analytics_estimate {
    double observed;    /* total events O */
    double denominator; /* population, expected events or sample size */
    double value;       /* NAN when not computed */
    double lo95, hi95;
    double lo998, hi998;
    analytics_status status;
    analytics_method method;
    int small_count;    /* O < 10: flag for suppression in publication */
    int zero_pop_bands; /* age-sex bands with zero population (DSR, ISR) */
} analytics_estimate;

const char *analytics_status_name(analytics_status s);
const char *analytics_method_name(analytics_method m);

/* ICS_EINVAL when a stratum has events but no population, naming it: with
 * k = 19 or 38 strata (bands, or male bands then female bands) the age band
 * and sex ("3 events in the female 85-89 age band, whose population is
 * zero"). Crude rates, DSRs and ISRs built from strata all refuse these:
 * the events would otherwise vanish or poison the result. */
int analytics_strata_check(const double *o, const double *n, size_t k, ics_err *e);

/* Crude rate O / n x multiplier; exact Poisson limits below 10 events and
 * Byar's above (phe_rate). ICS_EINVAL for negative or non-finite input. */
int analytics_rate_crude(double o, double n, double multiplier, analytics_estimate *out,
                         ics_err *e);

/* Directly standardised rate over k strata with standard weights w (for
 * ESP2013 pass analytics_esp2013 for each sex, k = 19 or 38). Dobson limits.
 * A stratum with zero population and zero events counts as rate 0 and is
 * reported in zero_pop_bands; events with zero population are ICS_EINVAL. */
int analytics_dsr(const double *o, const double *n, const double *w, size_t k, double multiplier,
                  analytics_estimate *out, ics_err *e);

/* DSR for many areas at once: o and n are nareas x k, row-major; out has
 * nareas entries. An invalid area sets its status to NO_DENOMINATOR and
 * its value to NAN rather than failing the batch; returns the count of
 * such areas (>= 0), or a negative code. progress may be NULL. */
long analytics_dsr_batch(const double *o, const double *n, size_t nareas, size_t k, const double *w,
                         double multiplier, analytics_estimate *out, progress_fn progress,
                         void *pctx);

/* Indirectly standardised ratio O / E x refvalue, E = sum n_i x ref_o_i /
 * ref_n_i. Exact limits below 10 events, Byar's above (calculate_ISRatio).
 * o may be NULL when only the total observed is known (observed_total). */
int analytics_isr(const double *o, double observed_total, const double *n, const double *ref_o,
                  const double *ref_n, size_t k, double refvalue, analytics_estimate *out,
                  ics_err *e);

/* Proportion x / n x multiplier with Wilson score limits (phe_proportion). */
int analytics_proportion(double x, double n, double multiplier, analytics_estimate *out,
                         ics_err *e);

/* ---- funnel plots -------------------------------------------------------- */

typedef enum {
    ANALYTICS_FUNNEL_PROPORTION = 0, /* numerator / denominator, Wilson-based limits */
    ANALYTICS_FUNNEL_RATIO,          /* observed / expected (ISR), exact Poisson limits */
    ANALYTICS_FUNNEL_RATE,           /* crude or directly standardised rate */
} analytics_funnel_kind;

typedef enum {
    ANALYTICS_SIG_NONE = 0,
    ANALYTICS_SIG_HIGH_95,
    ANALYTICS_SIG_HIGH_998, /* special-cause variation */
    ANALYTICS_SIG_LOW_95,
    ANALYTICS_SIG_LOW_998, /* special-cause variation */
    ANALYTICS_SIG_NA,      /* DSR with fewer than 10 events */
} analytics_sig;

const char *analytics_sig_name(analytics_sig s);

typedef struct analytics_funnel_input {
    const char *name;   /* area name shown on the chart (copied) */
    double numerator;   /* events / observed */
    double denominator; /* population (proportion, crude rate) or expected (ratio) */
    double rate;        /* for ANALYTICS_FUNNEL_RATE: the published rate per multiplier */
} analytics_funnel_input;

typedef struct analytics_funnel_point {
    char *name;
    double numerator, denominator;
    double x;     /* plotted on the x axis: denominator (per year for rates) */
    double value; /* plotted on the y axis */
    analytics_sig sig;
} analytics_funnel_point;

/* One control-limit curve: 95% or 99.8%, lower or upper. */
typedef struct analytics_funnel_line {
    double level; /* 0.95 or 0.998 */
    int upper;    /* 1 upper, 0 lower */
    size_t n;
    double *x, *y;
} analytics_funnel_line;

typedef struct analytics_funnel {
    analytics_funnel_kind kind;
    int dsr;           /* rate funnels: the rates are DSRs */
    double multiplier; /* 100 for %, 100000 for rates, 100 for ISR x 100 */
    double years;      /* years of data the rates cover (x axis per year) */
    double baseline;   /* the overall value the limits surround */
    double xmin, xmax; /* axis range */
    size_t npoints;
    analytics_funnel_point *points;
    analytics_funnel_line lines[4]; /* lo95, hi95, lo998, hi998 */
} analytics_funnel;

typedef struct analytics_funnel_opts {
    analytics_funnel_kind kind;
    int dsr;           /* ANALYTICS_FUNNEL_RATE only */
    double multiplier; /* 0: 100 for proportions, 100 for ratios, 100000 for rates */
    double years;      /* 0: 1 */
    size_t steps;      /* points per limit curve; 0: 100 as in Fingertips */
} analytics_funnel_opts;

/* Compute flags and control limits. ICS_EINVAL names the first bad input. */
int analytics_funnel_new(const analytics_funnel_opts *opts, const analytics_funnel_input *in,
                         size_t n, analytics_funnel **out, ics_err *e);
void analytics_funnel_free(analytics_funnel *f);

/* The control limits of a proportion funnel at denominator n (0..1 scale). */
double analytics_funnel_prop_limit(double level, double n, double average, int upper);

/* Significance of one point as Fingertips assigns it. */
analytics_sig analytics_funnel_sig_ratio(double observed, double expected);
analytics_sig analytics_funnel_sig_rate(double events, double denominator, double average);
analytics_sig analytics_funnel_sig_prop(double x, double n, double average);

typedef struct analytics_chart_text {
    const char *title;
    const char *subtitle; /* e.g. "Synthetic data" (may be NULL) */
    const char *xlabel;
    const char *ylabel;
} analytics_chart_text;

/* What a funnel's horizontal axis plots, in words for an axis title or a
 * column heading: the population at risk for a rate, the expected events
 * for a ratio, the cases for a proportion. */
const char *analytics_funnel_xlabel(const analytics_funnel *f);

/* A board-paper SVG of the funnel: axes with ticks and labels, both control
 * limits, the baseline, points coloured by flag and labelled by name. */
int analytics_funnel_svg(const analytics_funnel *f, const analytics_chart_text *t, sb *out,
                         ics_err *e);

/* ---- variation of means (length of stay) ------------------------------- */

typedef struct analytics_mean {
    double n, mean, sd;
    double lo95, hi95, lo998, hi998; /* Student t limits (phe_mean) */
    analytics_sig sig;               /* against the normal funnel around the overall mean */
} analytics_mean;

/* Per-group mean with t limits from sum, sum of squares and count, flagged
 * against mean +/- z sd / sqrt(n) using the overall mean and sd. */
int analytics_mean_compute(double n, double sum, double sumsq, double overall_mean,
                           double overall_sd, analytics_mean *out, ics_err *e);

/* ---- needs-based allocation --------------------------------------------- */

typedef struct analytics_alloc_place {
    char code[16];
    char name[64];
    double pop[ANALYTICS_NSEXES][ANALYTICS_NBANDS];
    double lsoa_quintile[5]; /* LSOAs in IMD quintiles 1 (most deprived) .. 5 */
    double current;          /* current allocation (spend), same units as the budget */
} analytics_alloc_place;

typedef struct analytics_alloc_weights {
    double cost[ANALYTICS_NSEXES][ANALYTICS_NBANDS]; /* relative cost per head */
    double quintile_need[5];                         /* need multiplier by IMD quintile */
} analytics_alloc_weights;

typedef struct analytics_pace {
    double budget_growth; /* total budget growth per year, e.g. 0.03 */
    double pace;          /* share of the gap to target closed each year, 0..1 */
    double floor;         /* minimum growth per place per year, e.g. 0.01 */
    double cap;           /* maximum growth per place per year, e.g. 0.06 */
    int years;            /* 1..20 */
} analytics_pace;

typedef struct analytics_alloc_result {
    char code[16];
    char name[64];
    double population;
    double weighted_population;
    double need_index;   /* deprivation need multiplier */
    double target_share; /* of the total */
    double current;
    double target;   /* target_share x total current */
    double distance; /* (current - target) / target */
    double *alloc;   /* years + 1 values: year 0 = current */
    double *growth;  /* years + 1 values: growth into that year (0 for year 0) */
    double *dist;    /* years + 1 values: distance from that year's target */
} analytics_alloc_result;

typedef struct analytics_alloc {
    size_t nplaces;
    int years;
    analytics_pace pace;
    double total_current;
    double *budget; /* years + 1 */
    analytics_alloc_result *places;
} analytics_alloc;

/* Weighted populations, target shares, distances and the pace-of-change
 * path. pace may be NULL (no scenario: years = 0). ICS_EINVAL when weights
 * or populations are negative, or floor and cap cannot meet the budget. */
int analytics_alloc_new(const analytics_alloc_place *places, size_t n,
                        const analytics_alloc_weights *w, const analytics_pace *pace,
                        analytics_alloc **out, ics_err *e);
void analytics_alloc_free(analytics_alloc *a);

/* SVG: current vs target share per place, and distance from target by year. */
int analytics_alloc_svg(const analytics_alloc *a, const analytics_chart_text *t, sb *out,
                        ics_err *e);

/* ---- deterministic synthetic data -------------------------------------- */

typedef struct analytics_synth_area {
    double pop[ANALYTICS_NSEXES][ANALYTICS_NBANDS];
    double imd_score; /* IMD 2019 average score */
} analytics_synth_area;

/* Synthetic non-elective admissions for one year: counts[a][s][b] drawn
 * from Poisson(pop x illustrative age-sex rate x deprivation factor x a
 * per-area effect), seeded, so the same seed gives the same data. counts
 * holds nareas x 2 x 19 values. Labelled synthetic wherever shown. */
int analytics_synth_nel(const analytics_synth_area *areas, size_t nareas, uint64_t seed,
                        double *counts, ics_err *e);

/* ---- counts and population import -------------------------------------- */

/* A table of counts or populations by area x sex x age band. */
typedef struct analytics_table {
    size_t nareas, cap;
    char (*areas)[16];                               /* area codes, in the order first seen */
    double (*v)[ANALYTICS_NSEXES][ANALYTICS_NBANDS]; /* values per area; NAN until given */
    size_t *first;                                   /* row (line) where each area first appears */
    size_t *hash, hcap; /* open-addressing index of areas (slot = index + 1) */
} analytics_table;

analytics_table *analytics_table_new(void);
void analytics_table_free(analytics_table *t);
/* Index of an area code in the table, or -1. */
long analytics_table_find(const analytics_table *t, const char *code);

/* Add one value. where names the row in messages ("counts.csv line 14",
 * "rows[3]"); row is its number, kept to name an incomplete area. known
 * (nknown codes, may be NULL for any) lists the valid areas; whole asks for
 * whole numbers (counts). ICS_EINVAL for an unknown area, sex or band, a
 * negative, fractional or non-finite value, or a duplicate. */
int analytics_table_add(analytics_table *t, const char *where, size_t row, const char *code,
                        const char *sex, const char *band, double value, int whole,
                        const char *const *known, size_t nknown, ics_err *e);
/* ICS_EINVAL naming the first area, sex and band with no value. */
int analytics_table_check_complete(const analytics_table *t, const char *rowword, ics_err *e);

/* Build a table from CSV rows with columns area_code (or place_code), sex,
 * age_band and a value column (value_col: "count" or "population"). Every
 * area must be one of known, every value a non-negative number (whole for
 * "count"), each (area, sex, band) given once and every area complete:
 * errors name the line ("counts.csv line 14: unknown area 'E09000099'"). */
int analytics_table_from_csv(const csv_doc *d, const char *value_col, const char *const *known,
                             size_t nknown, analytics_table **out, ics_err *e);

#endif
