/* app/analytics.h - use cases of population analytics and needs-based
 * allocation: read datasets, rates, funnels, the variation report and
 * allocation scenarios (every role: aggregate figures, no patient data);
 * import datasets and populations, replace weights and current spend, run
 * and save an allocation (analysts and administrators; one transaction
 * with the audit record and the change event). The HTTP handlers
 * (src/http/h_analytics.c) and `icsflow analyse` only parse and print. */
#ifndef ICS_APP_ANALYTICS_H
#define ICS_APP_ANALYTICS_H

#include <jansson.h>

#include "app/app.h"
#include "store/analytics.h"

extern const app_use APP_ANALYTICS_READ;               /* analytics.read */
extern const app_use APP_ANALYTICS_DATASET_CREATE;     /* analytics.dataset.create */
extern const app_use APP_ANALYTICS_DATASET_DELETE;     /* analytics.dataset.delete */
extern const app_use APP_ANALYTICS_POPULATION_REPLACE; /* analytics.population.replace */
extern const app_use APP_ANALYTICS_WEIGHTS_REPLACE;    /* analytics.weights.replace */
extern const app_use APP_ANALYTICS_CURRENT_REPLACE;    /* analytics.current.replace */
extern const app_use APP_ANALYTICS_ALLOCATION_RUN;     /* analytics.allocation.run */

/* ---- reads ---------------------------------------------------------------- */

int app_analytics_datasets(app_ctx *c, json_t **out, ics_err *e);
int app_analytics_dataset(app_ctx *c, const char *dataset, json_t **out, ics_err *e);
/* Rates of a stored dataset (NULL: the seeded NEL dataset); *f (may be
 * NULL) receives the funnel for charting. */
int app_analytics_rates(app_ctx *c, const char *dataset, store_an_statistic st, json_t **out,
                        analytics_funnel **f, ics_err *e);
int app_analytics_variation(app_ctx *c, const char *dataset, json_t **out, ics_err *e);
int app_analytics_allocation(app_ctx *c, const analytics_pace *p, analytics_alloc **out,
                             ics_err *e);
int app_analytics_weights(app_ctx *c, json_t **out, ics_err *e);
int app_analytics_runs(app_ctx *c, int64_t limit, int64_t offset, json_t **out, ics_err *e);

/* No database: rates from two tables (files), a statistic's name, and the
 * JSON forms of a funnel and an allocation. */
int app_analytics_rates_from_tables(const analytics_table *counts, const analytics_table *pops,
                                    store_an_statistic st, json_t **out, analytics_funnel **f,
                                    ics_err *e);
int app_analytics_statistic_parse(const char *s, store_an_statistic *out, ics_err *e);
json_t *app_analytics_funnel_json(const analytics_funnel *f);
json_t *app_analytics_alloc_json(const analytics_alloc *a);

/* ---- writes --------------------------------------------------------------- */

/* A dataset of event counts: exactly one of rows (JSON array of {area_code,
 * sex, age_band, count}) or csv text (source names it in messages). */
typedef struct app_an_dataset {
    const char *dataset, *description, *period;
    const json_t *rows;
    const char *csv;
    size_t csv_len;
    const char *source;
    int replace;
} app_an_dataset;

/* Audited as analytics.dataset.create; event analytics.imported. */
int app_analytics_dataset_create(app_ctx *c, const app_an_dataset *in, json_t **after, ics_err *e);
/* Audited as analytics.dataset.delete; event analytics.deleted. */
int app_analytics_dataset_delete(app_ctx *c, const char *dataset, ics_err *e);
/* Populations of the areas in a CSV (area_code, sex, age_band, population);
 * audited as analytics.population.replace; event analytics.imported. */
int app_analytics_population_replace(app_ctx *c, const char *source, const char *csv, size_t len,
                                     size_t *nareas, ics_err *e);
/* Audited as analytics.weights.replace; event analytics.imported. */
int app_analytics_weights_replace(app_ctx *c, const json_t *body, json_t **after, ics_err *e);
/* body {items: [{place_code, amount}]}; audited as analytics.current.replace;
 * event analytics.imported. */
int app_analytics_current_replace(app_ctx *c, const json_t *body, ics_err *e);
/* Run and save an allocation scenario: *params and *result (new
 * references) and *id. Audited as analytics.allocation.run; event
 * allocation.run. */
int app_analytics_run_create(app_ctx *c, const analytics_pace *p, const char *label, int64_t *id,
                             json_t **params, json_t **result, ics_err *e);

#endif
