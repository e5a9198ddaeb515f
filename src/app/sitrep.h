/* app/sitrep.h - the use cases of daily sitreps, OPEL levels and mutual
 * aid: submit or amend a provider's sitrep, the daily call view, history
 * with SPC signals, the OPEL thresholds, CSV import, synthetic generation,
 * and a mutual-aid request's lifecycle. Each write is validated,
 * authorised, audited and announced as a change event in one transaction,
 * whichever door (API or CLI) it came in by. */
#ifndef ICS_APP_SITREP_H
#define ICS_APP_SITREP_H

#include <stdio.h>

#include "app/app.h"
#include "core/csv.h"
#include "sitrep/sitrep.h"

/* The national sitrep is amendable for 14 days. */
#define APP_SITREP_AMEND_DAYS 14

/* Submissions: trust operations users act for their own trust and its
 * sites (own-trust); coordinators and admins for any provider. */
extern const app_use APP_SITREP_SUBMIT; /* sitrep.submit: the first version of a day */
extern const app_use APP_SITREP_AMEND;  /* sitrep.amend: a later version (same roles) */
extern const app_use APP_SITREP_TODAY;
extern const app_use APP_SITREP_HISTORY;
extern const app_use APP_SITREP_VERSIONS;
extern const app_use APP_SITREP_FIELDS;
extern const app_use APP_SITREP_THRESHOLDS_GET;
extern const app_use APP_SITREP_THRESHOLDS_LOAD;
extern const app_use APP_SITREP_IMPORT;
extern const app_use APP_SITREP_GENERATE;
/* Mutual aid: a request is seen by every operations user while it is open
 * to offers, and afterwards only by its parties (requester and offerers)
 * and ICS-wide roles; its suggestions have the same scope. */
extern const app_use APP_SITREP_AID_REQUEST;
extern const app_use APP_SITREP_AID_GET;
extern const app_use APP_SITREP_AID_LIST;
extern const app_use APP_SITREP_AID_SUGGEST;
extern const app_use APP_SITREP_AID_OFFER;
extern const app_use APP_SITREP_AID_AGREE;
extern const app_use APP_SITREP_AID_FULFIL;
extern const app_use APP_SITREP_AID_WITHDRAW;

/* Submit {org, day?, fields{}, declared_level?, reason?} (day defaults to
 * today); a repeat for the same provider-day is stored as a new version
 * (sitrep.amend). Every problem is collected into one ICS_EINVAL message;
 * a body that is not an object is ICS_EBADREQ; a provider outside the
 * caller's trust is ICS_EFORBID. Events: sitrep.submitted or
 * sitrep.amended, opel.declared when it declares a level, opel.changed
 * when the provider's or the ICS's level for the day changes. *saved
 * receives the stored row. */
int app_sitrep_submit(app_ctx *c, const json_t *body, json_t **saved, ics_err *e);

/* The daily call view for day (a local day number). */
int app_sitrep_today(app_ctx *c, int64_t day, json_t **out, ics_err *e);
/* The ICS level (0: none) of each of n days from first, as the daily call
 * view computes it, with the thresholds and the sitreps read once (the
 * accountability view's OPEL measure counts 56 days). */
int app_sitrep_ics_levels(app_ctx *c, int64_t first, int n, int *levels, ics_err *e);
/* A provider's current sitreps from..to with an XmR chart and special-cause
 * signals per parameter; ICS_ENOTFOUND for an unknown provider. */
int app_sitrep_history(app_ctx *c, const char *org, int64_t from, int64_t to, json_t **out,
                       ics_err *e);
/* Every version of one provider-day, newest first: {org, day, versions,
 * items}; ICS_ENOTFOUND when there is none. */
int app_sitrep_versions(app_ctx *c, const char *org, const char *day, json_t **out, ics_err *e);
/* The figures each kind of provider submits. */
int app_sitrep_fields(app_ctx *c, json_t **out, ics_err *e);

/* The thresholds in force: {source, rules, levels}. */
int app_sitrep_thresholds_get(app_ctx *c, json_t **out, ics_err *e);
/* Replace them from a body of that form (every problem in one message) or
 * from the two CSV files (opel_thresholds.csv, opel_levels.csv forms);
 * source labels the set (NULL: the body's or the file name). Earlier
 * sitreps keep their levels. Event opel.thresholds_loaded. *out (may be
 * NULL) receives the set now in force. */
int app_sitrep_thresholds_load(app_ctx *c, const json_t *body, json_t **out, ics_err *e);
int app_sitrep_thresholds_load_csv(app_ctx *c, const char *rules, const char *levels,
                                   const char *source, json_t **out, ics_err *e);
/* Read the two CSV files into a checked set (the caller frees it). */
int app_sitrep_thresholds_read(const char *rules, const char *levels, sitrep_thresholds **t,
                               ics_err *e);

/* Import history from CSV: columns org, day, any field names,
 * declared_level, reason (unknown columns rejected). Every row is checked
 * (no age limit, no future day) and stored as a new version with source
 * "import"; all or nothing, errors name the line. One audit record and one
 * sitrep.imported event. */
int app_sitrep_import(app_ctx *c, const csv_doc *doc, int *count, ics_err *e);

/* Write ndays of SYNTHETIC sitreps ending on last_day for every provider
 * (sizes from data_dir/sitrep_providers.csv when present) as CSV in the
 * import form. *providers receives how many were simulated. */
int app_sitrep_generate(app_ctx *c, FILE *out, const char *data_dir, int64_t last_day, int ndays,
                        uint64_t seed, size_t *providers, ics_err *e);

/* ---- mutual aid --------------------------------------------------------- */

/* Ask for aid: {org?, resource, detail?, quantity, date_from, date_to,
 * urgency, note?}; org defaults to the caller's. Event aid.requested. */
int app_sitrep_aid_request(app_ctx *c, const json_t *body, json_t **out, ics_err *e);
/* One request with its offers and history; ICS_EFORBID when the request
 * is closed to offers and the caller is not party to it. */
int app_sitrep_aid_get(app_ctx *c, int64_t id, json_t **out, ics_err *e);
/* Requests the caller may see, newest first; state may be NULL. */
int app_sitrep_aid_list(app_ctx *c, const char *state, json_t **out, ics_err *e);
/* Organisations that could help, ranked from their latest sitreps (the
 * request's scope). */
int app_sitrep_aid_suggest(app_ctx *c, int64_t id, json_t **out, ics_err *e);
/* Lifecycle steps; body may be NULL. offer {org?, quantity?, note?}: one
 * open offer per organisation per request (a second is ICS_ECONFLICT).
 * agree {offer_id, note?}; fulfil and withdraw {note?}. Events
 * aid.offered, aid.agreed, aid.fulfilled, aid.withdrawn. *out receives the
 * request afterwards. */
int app_sitrep_aid_offer(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
int app_sitrep_aid_agree(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
int app_sitrep_aid_fulfil(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
int app_sitrep_aid_withdraw(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);

/* ---- escalation actions (src/app/sitrep_actions.c) ---------------------- */

/* The checklist of a day is read by every role; loading definitions is an
 * administrator's; assign, done and note are open to coordinators, admins
 * and the action's owning role (and organisation, when it names one). */
extern const app_use APP_SITREP_ACTIONS_LIST;
extern const app_use APP_SITREP_ACTIONS_LOAD;
extern const app_use APP_SITREP_ACTION_ASSIGN;
extern const app_use APP_SITREP_ACTION_DONE;
extern const app_use APP_SITREP_ACTION_NOTE;

/* Inside a use case's transaction, after a change to the day's levels:
 * open on the day's checklist every action of ICS ics now due under the
 * call view view (app_sitrep_today's form), each with an action.opened
 * event. Actions open already stay as they are. */
int app_sitrep_actions_open(app_ctx *c, const char *ics, const char *day, const json_t *view,
                            ics_err *e);
/* Load the ICS's actions from a CSV file (columns ics, pillar, level,
 * action, owner_role, owner_org): every row checked, every problem named
 * by line, the set replaced in one transaction (all or nothing), audited,
 * and today's due actions opened. */
int app_sitrep_actions_load_csv(app_ctx *c, const char *path, const char *source, int *count,
                                ics_err *e);
/* Seeding: data_dir/opel_actions.csv, when present. */
int app_sitrep_actions_seed(app_ctx *c, const char *data_dir, ics_err *e);
/* The checklist of the ICS the caller works in (c->ics, else their home
 * ICS): {day, ics, definitions, open, done, source, items[{..., notes[],
 * may_act}]}. */
int app_sitrep_actions_list(app_ctx *c, int64_t day, json_t **out, ics_err *e);
/* Steps on one item (ICS_ENOTFOUND "no action N"; ICS_EFORBID for someone
 * who may not act on it; ICS_ECONFLICT for a step that changes nothing):
 * assign {to?} (default the caller; the assignee must be a user who may act
 * on it), done {done?: true|false}, note {text}. *out is the item. */
int app_sitrep_action_assign(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
int app_sitrep_action_done(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);
int app_sitrep_action_note(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e);

#endif
