/* app/priorities.h - priority setting with public engagement: criteria
 * with the board's weights, survey responses (one row per respondent)
 * giving the public's weights with t-based 95% intervals, candidate work
 * areas with their cost and scores, and the transparent ranking (weighted
 * sum) with its sensitivity to each weight. Methods: docs/governance.md.
 * Reads: admin, finance, executive, analyst; writes: admin, finance. */
#ifndef ICS_APP_PRIORITIES_H
#define ICS_APP_PRIORITIES_H

#include <stddef.h>

#include "app/app.h"

/* Criteria: body {"items": [{code, name, board_weight}, ...]} replaces
 * them (1-16; codes a-z, 0-9, _ of 1-32 characters). Scores and survey
 * rows that name a criterion no longer listed are refused on their next
 * import/creation; the ranking uses the current criteria. */
int app_prio_criteria(app_ctx *c, json_t **out, ics_err *e);
int app_prio_criteria_replace(app_ctx *c, const json_t *body, json_t **out, ics_err *e);

/* Survey CSV: column respondent and one column per criterion code (each a
 * raw weight >= 0). Replaces the ICS's responses, all or nothing. */
int app_prio_survey_import(app_ctx *c, const char *csv, size_t len, const char *name, json_t **out,
                           ics_err *e);
/* The weights: per criterion the board's, and the public's mean of
 * normalised weights with its interval and the number of respondents. */
int app_prio_weights(app_ctx *c, json_t **out, ics_err *e);

/* Work areas: body {name, description?, cost_gbp_m, scores: {criterion:
 * 0..10}} (every criterion scored). */
int app_prio_area_create(app_ctx *c, const json_t *body, json_t **row, ics_err *e);
int app_prio_areas(app_ctx *c, json_t **out, ics_err *e);
int app_prio_area_delete(app_ctx *c, int64_t id, ics_err *e);

/* The ranking by "public" (the survey) or "board" weights, with each
 * area's total and, per criterion, the smallest increase and decrease of
 * its weight that would change the top three. */
int app_prio_ranking(app_ctx *c, const char *weights, json_t **out, ics_err *e);

#endif
