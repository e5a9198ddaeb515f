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

/* ---- governance (rows as JSON; id 0 lists every row of the ICS) ---- */
/* INSERT ... RETURNING id helper. */
int store_gov_insert(store *s, const char *sql, json_t *params, int64_t *id, ics_err *e);
/* Decisions: decided_on, title, forum, rationale, evidence, options, synthetic. */
int store_gov_decision_insert(store *s, const char *ics, const json_t *d, const char *by,
                              int64_t at, int64_t *id, ics_err *e);
int store_gov_decisions(store *s, const char *ics, int64_t id, json_t **rows, ics_err *e);
/* Delegations made by the decision keep their row, without the link. */
int store_gov_decision_delete(store *s, const char *ics, int64_t id, int *changed, ics_err *e);
/* Delegations: holder_kind, holder_code, holder_name, scope, amount_gbp_m,
 * period_from, period_to, conditions, decision_id (may be null), synthetic. */
int store_gov_delegation_insert(store *s, const char *ics, const json_t *d, const char *by,
                                int64_t at, int64_t *id, ics_err *e);
int store_gov_delegations(store *s, const char *ics, int64_t id, json_t **rows, ics_err *e);
/* Deletes its outcomes too. */
int store_gov_delegation_delete(store *s, const char *ics, int64_t id, int *changed, ics_err *e);
int store_gov_outcome_insert(store *s, int64_t delegation, const char *measure, const char *place,
                             double target, const char *note, const char *by, int64_t at,
                             int64_t *id, ics_err *e);
/* Outcomes with their delegation's holder. */
int store_gov_outcomes(store *s, const char *ics, int64_t id, json_t **rows, ics_err *e);
/* Updates of one record of the ICS (d: the whole checked record, as for
 * the inserts); *changed 0 when no such row. */
int store_gov_decision_update(store *s, const char *ics, int64_t id, const json_t *d, int *changed,
                              ics_err *e);
int store_gov_delegation_update(store *s, const char *ics, int64_t id, const json_t *d,
                                int *changed, ics_err *e);
int store_gov_outcome_update(store *s, const char *ics, int64_t id, const char *measure,
                             const char *place, double target, const char *note, int *changed,
                             ics_err *e);
/* A delegation's holder: the name of the place of the ICS (kind "place")
 * or of the organisation (other kinds) with that code; "" when none. */
int store_gov_holder_name(store *s, const char *ics, const char *kind, const char *code,
                          char name[256], ics_err *e);
int store_gov_outcome_delete(store *s, const char *ics, int64_t id, int *changed, ics_err *e);
/* Criteria in order: code, name, board_weight. */
int store_gov_criteria(store *s, const char *ics, json_t **rows, ics_err *e);
int store_gov_criteria_replace(store *s, const char *ics, const json_t *rows, ics_err *e);
/* Survey rows: respondent, criterion, weight, synthetic. */
int store_gov_survey(store *s, const char *ics, json_t **rows, ics_err *e);
int store_gov_survey_replace(store *s, const char *ics, const json_t *rows, int64_t *removed,
                             ics_err *e);
/* Work areas: name, description, cost_gbp_m, scores (object criterion ->
 * score), synthetic. */
int store_gov_area_insert(store *s, const char *ics, const json_t *a, const char *by, int64_t at,
                          int64_t *id, ics_err *e);
int store_gov_areas(store *s, const char *ics, int64_t id, json_t **rows, ics_err *e);
int store_gov_area_delete(store *s, const char *ics, int64_t id, int *changed, ics_err *e);

#endif
