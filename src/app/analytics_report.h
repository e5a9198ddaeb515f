/* app/analytics_report.h - the analytics module's checks and reports
 * (app/analytics_report.c), used by the analytics use cases in
 * app/analytics.c: request bodies and CSV into engine tables, engine
 * results into the JSON the API and the CLI show. */
#ifndef ICS_APP_ANALYTICS_REPORT_H
#define ICS_APP_ANALYTICS_REPORT_H

#include <jansson.h>

#include "analytics/analytics.h"
#include "store/analytics.h"

/* Build a counts table from a JSON array of {area_code, sex, age_band,
 * count} objects, validated against the places; every problem found (up to
 * 20) is listed in one ICS_EINVAL message. */
int app_an_table_from_json(store *s, const json_t *rows, const char *value_col,
                           analytics_table **out, ics_err *e);
/* The same from CSV text (area_code|place_code, sex, age_band, value_col). */
int app_an_table_from_csv(store *s, const char *name, const char *text, size_t len,
                          const char *value_col, analytics_table **out, ics_err *e);

/* "dsr", "crude", "isr"; ICS_EINVAL otherwise. */
int app_an_statistic_parse(const char *s, store_an_statistic *out, ics_err *e);

/* Rates for every area of counts over pops (matched by area code; names
 * from names/codes of nplaces places, may be NULL), with 95% and 99.8%
 * limits, the ICS total, and each area's funnel flag. No database. *f (may
 * be NULL) receives the funnel for charting. */
int app_an_rates_compute(const analytics_table *counts, const analytics_table *pops,
                         const store_an_place *places, size_t nplaces, store_an_statistic stat,
                         json_t **out, analytics_funnel **f, ics_err *e);
/* The same for a stored dataset over the stored populations. */
int app_an_rates_json(store *s, const char *ics, const char *dataset, store_an_statistic stat,
                      json_t **out, analytics_funnel **f, ics_err *e);
/* A funnel as JSON: points, baseline and the four limit curves. */
json_t *app_an_funnel_json(const analytics_funnel *f);

/* The NWL variation report: standardised NEL rates (DSR and ISR) for the
 * places with flags, and length-of-stay variation across community bed
 * units from the bed bureau's stays when that table exists. */
int app_an_variation_json(store *s, const char *ics, const char *dataset, json_t **out, ics_err *e);

/* Engine inputs from places, current spend and weights, then the engine. */
int app_an_alloc(store *s, const char *ics, const analytics_pace *pace, analytics_alloc **out,
                 ics_err *e);
json_t *app_an_alloc_json(const analytics_alloc *a);
/* The weights as the API shows them: {cost: [{sex, age_band, weight}] men
 * then women, each in age order; need: [{imd_quintile, weight}]; source}. */
int app_an_weights_json(store *s, json_t **out, ics_err *e);
/* {items: [{place_code, amount}]} replace current spend (amounts >= 0). */
int app_an_current_set(store *s, const char *ics, const json_t *items, json_t **before, ics_err *e);
int app_an_weights_set(store *s, const json_t *body, ics_err *e);

/* Load the illustrative weights and synthetic current spend from data_dir
 * (allocation_*.csv) and generate the synthetic NEL dataset from the
 * places' populations and deprivation. One transaction. */
int app_an_seed(store *s, const char *data_dir, int64_t now, ics_err *e);

#endif
