/* store/analytics.h - the analytics module's storage and its JSON forms:
 * event-count datasets by area x sex x age band, the places' populations
 * and deprivation as engine inputs, allocation weights, current spend and
 * saved allocation runs; plus the reports (rates, funnel, variation,
 * allocation) assembled from them as JSON. Shared by h_analytics.c and
 * cmd_analyse.c; writers expect the caller to hold the transaction. */
#ifndef ICS_STORE_ANALYTICS_H
#define ICS_STORE_ANALYTICS_H

#include <jansson.h>

#include "analytics/analytics.h"
#include "store/store.h"

#define STORE_ANALYTICS_NEL "nel_synthetic" /* the seeded synthetic NEL dataset */

/* A place as the engines need it. */
typedef struct store_an_place {
    char code[16];
    char name[64];
    double pop[ANALYTICS_NSEXES][ANALYTICS_NBANDS];
    double imd_score;
    double lsoa_q[5];
} store_an_place;

/* Every place with its population (table place_population), in code order. */
int store_analytics_places(store *s, store_an_place **out, size_t *n, ics_err *e);

/* ---- datasets ------------------------------------------------------------- */

/* Build a counts table from a JSON array of {area_code, sex, age_band,
 * count} objects, validated against the places; every problem found (up to
 * 20) is listed in one ICS_EINVAL message. */
int store_analytics_table_from_json(store *s, const json_t *rows, const char *value_col,
                                    analytics_table **out, ics_err *e);
/* The same from CSV text (area_code|place_code, sex, age_band, value_col). */
int store_analytics_table_from_csv(store *s, const char *name, const char *text, size_t len,
                                   const char *value_col, analytics_table **out, ics_err *e);

/* ICS_ECONFLICT when the dataset exists (unless replace). at: seconds
 * since the epoch (created_at in every dataset row below). */
int store_analytics_dataset_save(store *s, const char *dataset, const char *description,
                                 const char *period, int synthetic, int replace, const char *actor,
                                 int64_t at, const analytics_table *t, ics_err *e);
int store_analytics_dataset_delete(store *s, const char *dataset, json_t **before, ics_err *e);
/* {items: [{dataset, description, period, synthetic, areas, events, ...}]} */
int store_analytics_datasets_json(store *s, json_t **out, ics_err *e);
int store_analytics_dataset_json(store *s, const char *dataset, json_t **out, ics_err *e);
/* ICS_ENOTFOUND naming the dataset when absent. */
int store_analytics_counts(store *s, const char *dataset, analytics_table **out, ics_err *e);

/* Replace the populations of the areas in t (table place_population). */
int store_analytics_population_replace(store *s, const analytics_table *t, ics_err *e);

/* ---- reports ---------------------------------------------------------------- */

typedef enum { STORE_AN_DSR = 0, STORE_AN_CRUDE, STORE_AN_ISR } store_an_statistic;
/* "dsr", "crude", "isr"; ICS_EINVAL otherwise. */
int store_analytics_statistic_parse(const char *s, store_an_statistic *out, ics_err *e);

/* Rates for every area of counts over pops (matched by area code; names
 * from names/codes of nplaces places, may be NULL), with 95% and 99.8%
 * limits, the ICS total, and each area's funnel flag. No database. *f (may
 * be NULL) receives the funnel for charting. */
int store_analytics_rates_compute(const analytics_table *counts, const analytics_table *pops,
                                  const store_an_place *places, size_t nplaces,
                                  store_an_statistic stat, json_t **out, analytics_funnel **f,
                                  ics_err *e);
/* The same for a stored dataset over the stored populations. */
int store_analytics_rates_json(store *s, const char *dataset, store_an_statistic stat, json_t **out,
                               analytics_funnel **f, ics_err *e);
/* A funnel as JSON: points, baseline and the four limit curves. */
json_t *store_analytics_funnel_json(const analytics_funnel *f);

/* The NWL variation report: standardised NEL rates (DSR and ISR) for the
 * places with flags, and length-of-stay variation across community bed
 * units from the bed bureau's stays when that table exists. */
int store_analytics_variation_json(store *s, const char *dataset, json_t **out, ics_err *e);

/* ---- allocation --------------------------------------------------------- */

/* Engine inputs from places, current spend and weights, then the engine. */
int store_analytics_alloc(store *s, const analytics_pace *pace, analytics_alloc **out, ics_err *e);
json_t *store_analytics_alloc_json(const analytics_alloc *a);
/* {items: [{place_code, amount}]} replace current spend (amounts >= 0). */
int store_analytics_current_set(store *s, const json_t *items, json_t **before, ics_err *e);
/* {cost: [{sex, age_band, weight}], need: [{imd_quintile, weight}], source} */
int store_analytics_weights_json(store *s, json_t **out, ics_err *e);
int store_analytics_weights_set(store *s, const json_t *body, ics_err *e);
int store_analytics_run_save(store *s, int64_t at, const char *actor, const json_t *params,
                             const json_t *result, int64_t *id, ics_err *e);
int store_analytics_runs_json(store *s, int64_t limit, int64_t offset, json_t **out, ics_err *e);

/* ---- seed ------------------------------------------------------------------ */

/* Load the illustrative weights and synthetic current spend from data_dir
 * (allocation_*.csv) and generate the synthetic NEL dataset from the
 * places' populations and deprivation. One transaction. */
int store_analytics_seed(store *s, const char *data_dir, int64_t now, ics_err *e);

#endif
