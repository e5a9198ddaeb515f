/* store/finance.h - the SQL of finance and governance: budgets by sector,
 * place and provider, provider income and expenditure by month, published
 * benchmarks, delegations and the outcomes their holders answer for,
 * priority setting (criteria, survey responses, work areas and their
 * scores) and the decisions register. Every table is keyed by ICS (the
 * ODS code of its integrated care board, 'QRV' for North West London).
 * Rows go in and out as JSON; checks live in src/app/finance.c. */
#ifndef ICS_STORE_FINANCE_H
#define ICS_STORE_FINANCE_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* ---- budgets and spend ---- */
/* Replace the ICS's budget lines for year (rows: objects with sector,
 * place_code, provider_code (either may be null), amount_gbp_m, synthetic,
 * source); *removed counts the old lines. */
int store_fin_budgets_replace(store *s, const char *ics, const char *year, const json_t *rows,
                              int64_t *removed, ics_err *e);
/* Budget lines, ordered by year, sector, place, provider; year may be NULL. */
int store_fin_budgets(store *s, const char *ics, const char *year, json_t **rows, ics_err *e);
/* The years with budget lines, newest first. */
int store_fin_years(store *s, const char *ics, json_t **rows, ics_err *e);
/* Sums for year: by sector (sector, amount_gbp_m, synthetic) and by place
 * (place_code, place_name, amount_gbp_m, synthetic). */
int store_fin_by_sector(store *s, const char *ics, const char *year, json_t **rows, ics_err *e);
int store_fin_by_place(store *s, const char *ics, const char *year, json_t **rows, ics_err *e);

/* Replace provider months from from_month to to_month inclusive ('YYYY-MM';
 * rows: provider_code, month, income_gbp_m, expenditure_gbp_m, synthetic,
 * source). */
int store_fin_provider_months_replace(store *s, const char *ics, const char *from_month,
                                      const char *to_month, const json_t *rows, int64_t *removed,
                                      ics_err *e);
/* Months in [from, to] (either may be NULL), by provider then month, with
 * the provider's name. */
int store_fin_provider_months(store *s, const char *ics, const char *from, const char *to,
                              json_t **rows, ics_err *e);
/* Per provider over [from, to]: provider_code, name, months, income_gbp_m,
 * expenditure_gbp_m, synthetic (1 when any month is). */
int store_fin_provider_totals(store *s, const char *ics, const char *from, const char *to,
                              json_t **rows, ics_err *e);

/* Published benchmarks (key, value, description, source). */
int store_fin_benchmarks(store *s, json_t **rows, ics_err *e);
int store_fin_benchmark_put(store *s, const char *key, double value, const char *description,
                            const char *source, ics_err *e);

/* 1 in *yes when an organisation with that code exists / a place of that
 * ICS has that code. */
int store_fin_org_exists(store *s, const char *code, int *yes, ics_err *e);
int store_fin_place_exists(store *s, const char *ics, const char *code, int *yes, ics_err *e);

#endif
