/* app/accountability.h - delegation and accountability: the ledger of
 * budgets and duties the ICS delegates to a place, a provider collaborative
 * or a provider, the decisions register, the outcomes each holder answers
 * for (each linked to a measure icsflow already computes, with a target)
 * and the accountability view: each outcome's current value computed live,
 * its trend and whether it is on track (the rule in src/gov/track.c).
 * Reads: admin, finance, executive, analyst; writes: admin, finance. */
#ifndef ICS_APP_ACCOUNTABILITY_H
#define ICS_APP_ACCOUNTABILITY_H

#include "app/app.h"

extern const app_use APP_GOV_READ;
extern const app_use APP_GOV_WRITE;

/* Decisions: body {decided_on, title, forum, rationale, evidence?,
 * options?}. */
int app_gov_decision_create(app_ctx *c, const json_t *body, json_t **row, ics_err *e);
int app_gov_decisions(app_ctx *c, json_t **out, ics_err *e);
int app_gov_decision_get(app_ctx *c, int64_t id, json_t **row, ics_err *e);
int app_gov_decision_delete(app_ctx *c, int64_t id, ics_err *e);

/* Delegations: body {holder_kind, holder_code, holder_name?, scope,
 * amount_gbp_m, period_from, period_to, conditions?, decision_id?}. */
int app_gov_delegation_create(app_ctx *c, const json_t *body, json_t **row, ics_err *e);
/* With their outcomes. */
int app_gov_delegations(app_ctx *c, json_t **out, ics_err *e);
int app_gov_delegation_get(app_ctx *c, int64_t id, json_t **row, ics_err *e);
int app_gov_delegation_delete(app_ctx *c, int64_t id, ics_err *e);
/* Outcome of a delegation: body {measure, target, place_code?, note?}. */
int app_gov_outcome_create(app_ctx *c, int64_t delegation, const json_t *body, json_t **row,
                           ics_err *e);
int app_gov_outcome_delete(app_ctx *c, int64_t id, ics_err *e);

/* Updates (PUT: body is the whole record, as for create; PATCH, partial:
 * only the fields given change, null clears an optional one). The result
 * is checked as a new record would be, in one transaction, audited once
 * with the record before and after, and announced (decision.updated,
 * delegation.updated, outcome.updated). A delegation's holder must be a
 * place of the ICS (kind place) or an organisation icsflow knows (kinds
 * provider and collaborative, the organisation hosting it); holder_name
 * defaults to the reference's name. */
int app_gov_decision_update(app_ctx *c, int64_t id, const json_t *body, int partial, json_t **row,
                            ics_err *e);
int app_gov_delegation_update(app_ctx *c, int64_t id, const json_t *body, int partial, json_t **row,
                              ics_err *e);
int app_gov_outcome_update(app_ctx *c, int64_t id, const json_t *body, int partial, json_t **row,
                           ics_err *e);

/* The measures an outcome can follow, each with its current and previous
 * value computed now (place: NULL for the ICS, or a borough where the
 * measure has one). */
int app_gov_measures(app_ctx *c, json_t **out, ics_err *e);
/* Who holds what, for which outcomes, and how each is doing. */
int app_gov_accountability(app_ctx *c, json_t **out, ics_err *e);

#endif
