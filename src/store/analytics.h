/* store/analytics.h - the analytics module's storage and its JSON forms:
 * event-count datasets by area x sex x age band, the places' populations
 * and deprivation as engine inputs, allocation weights, current spend and
 * saved allocation runs, as rows and engine inputs (SQL only: the checks
 * and the reports are in src/app/analytics_report.c). Writers expect the
 * caller to hold the transaction. */
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
/* The places of one ICS (NULL: every place). */
int store_analytics_places(store *s, const char *ics, store_an_place **out, size_t *n, ics_err *e);

/* ---- datasets ------------------------------------------------------------- */

/* ICS_ECONFLICT when the dataset exists (unless replace). at: seconds
 * since the epoch (created_at in every dataset row below). */
int store_analytics_dataset_save(store *s, const char *dataset, const char *description,
                                 const char *period, int synthetic, int replace, const char *actor,
                                 int64_t at, const analytics_table *t, ics_err *e);
int store_analytics_dataset_delete(store *s, const char *dataset, json_t **before, ics_err *e);
/* {items: [{dataset, description, period, synthetic, areas, events, ...}]} */
/* The datasets with counts for an area of ICS ics. */
int store_analytics_datasets_json(store *s, const char *ics, json_t **out, ics_err *e);
/* The ICSs of a dataset's areas (rows of ics_code). */
int store_analytics_dataset_ics(store *s, const char *dataset, json_t **rows, ics_err *e);
int store_analytics_dataset_json(store *s, const char *dataset, json_t **out, ics_err *e);
/* ICS_ENOTFOUND naming the dataset when absent. */
int store_analytics_counts(store *s, const char *dataset, analytics_table **out, ics_err *e);

/* Replace the populations of the areas in t (table place_population). */
int store_analytics_population_replace(store *s, const analytics_table *t, ics_err *e);

/* ---- reports ---------------------------------------------------------------- */

typedef enum { STORE_AN_DSR = 0, STORE_AN_CRUDE, STORE_AN_ISR } store_an_statistic;
/* ---- allocation --------------------------------------------------------- */

/* The weights the allocation engine needs; ICS_EINVAL naming the first
 * one missing. */
int store_analytics_weights_load(store *s, analytics_alloc_weights *w, ics_err *e);
/* Current spend: rows {place_code, amount}. */
int store_analytics_current(store *s, json_t **rows, ics_err *e);
/* Replace current spend with items [{place_code, amount}] (checked by the
 * caller); *before receives the old rows. */
int store_analytics_current_replace(store *s, const json_t *items, json_t **before, ics_err *e);
/* Replace the weights (every one set, checked by the caller) and their source. */
int store_analytics_weights_replace(store *s, const analytics_alloc_weights *w, const char *source,
                                    ics_err *e);
/* The bed bureau's finished stays: rows {unit_code, name, bed_type,
 * admitted_at, discharged_at} (seconds since the epoch) by unit; an error
 * when the bed bureau's tables are not in this database. */
int store_analytics_stays(store *s, json_t **rows, ics_err *e);
/* The allocation weights as stored: cost rows {sex, age_band, weight} in no
 * particular order, need rows {imd_quintile, weight} by quintile, and the
 * weights' source (a JSON string; NULL when none is recorded). */
int store_analytics_weights_rows(store *s, json_t **cost, json_t **need, json_t **source,
                                 ics_err *e);
int store_analytics_run_save(store *s, int64_t at, const char *actor, const json_t *params,
                             const json_t *result, int64_t *id, ics_err *e);
int store_analytics_runs_json(store *s, int64_t limit, int64_t offset, json_t **out, ics_err *e);

/* ---- seed ------------------------------------------------------------------ */

/* Seeding: one row (a JSON array of parameters) of kind "cost" [sex,
 * age_band, weight], "need" [imd_quintile, weight] or "current"
 * [place_code, amount]; and the weights' source. */
int store_analytics_seed_row(store *s, const char *kind, const json_t *row, ics_err *e);
int store_analytics_source_put(store *s, const char *source, ics_err *e);

#endif
