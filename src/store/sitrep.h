/* store/sitrep.h - the sitrep module's storage and its JSON forms:
 * versioned submissions, OPEL thresholds held in the database, the daily
 * call view, provider history with SPC signals, CSV import, the synthetic
 * seed, and mutual-aid requests and offers. Shared by the HTTP handlers
 * (h_sitrep.c) and the CLI (cmd_sitrep.c); callers own the transaction. */
#ifndef ICS_STORE_SITREP_H
#define ICS_STORE_SITREP_H

#include <jansson.h>

#include "core/csv.h"
#include "core/progress.h"
#include "sitrep/sitrep.h"
#include "store/store.h"

/* A provider that submits: an organisation (3 characters) or a site (5). */
typedef struct store_sitrep_provider {
    char code[8];
    char trust[8];
    char name[160];
    int kind; /* SITREP_* kind */
    int is_site;
} store_sitrep_provider;

/* ICS_EINVAL "unknown organisation or site 'X'" when absent, or when it is
 * the ICB (which submits no sitrep). */
int store_sitrep_provider_find(store *s, const char *code, store_sitrep_provider *out, ics_err *e);

/* Parse a submission object {org, day?, fields{}, declared_level?, reason?}
 * (day defaults to today) and validate it with sitrep_submission_check.
 * Every problem is collected into one ICS_EINVAL message; a body that is
 * not an object is ICS_EBADREQ. */
int store_sitrep_parse(store *s, const json_t *body, int64_t today, int max_age_days,
                       sitrep_submission *out, ics_err *e);

/* Thresholds in force (tables sitrep_thresholds and sitrep_levels). */
int store_sitrep_thresholds_load(store *s, sitrep_thresholds **out, ics_err *e);
/* Replace every threshold and cut-off with t; source labels the set. */
int store_sitrep_thresholds_save(store *s, const sitrep_thresholds *t, const char *source,
                                 ics_err *e);
/* Parse {source?, rules: [...], levels: [...]} (the form thresholds_json
 * returns) into a checked set; every problem in one ICS_EINVAL message.
 * source (may be NULL, size n) receives the label. */
int store_sitrep_thresholds_parse(const json_t *body, sitrep_thresholds **out, char *source,
                                  size_t n, ics_err *e);
/* {source, rules: [...], levels: [...]}. */
int store_sitrep_thresholds_json(store *s, json_t **out, ics_err *e);

/* Score and store a validated submission as the next version of its
 * provider-day (earlier versions are kept, no longer current). *saved (may
 * be NULL) receives the stored row as JSON. */
int store_sitrep_save(store *s, const sitrep_thresholds *t, const sitrep_submission *sub,
                      const char *actor, const char *source, json_t **saved, ics_err *e);

/* The daily call view for a day: every provider's level and figures, the
 * change since the day before, 14-day level trend, drivers, the ICS
 * roll-up and who has not submitted. */
int store_sitrep_day_json(store *s, const sitrep_thresholds *t, int64_t day, json_t **out,
                          ics_err *e);

/* A provider's current submissions from..to with an XmR chart and special
 * cause signals for each parameter. */
int store_sitrep_history_json(store *s, const char *org, int64_t from, int64_t to, json_t **out,
                              ics_err *e);

/* Every version of one provider-day, newest first. */
int store_sitrep_versions_json(store *s, const char *org, int64_t day, json_t **out, ics_err *e);

/* Import history: columns org, day, any field names, declared_level,
 * reason (unknown columns rejected). Each row is validated (no age limit,
 * no future day) and saved as a new version with source "import". Errors
 * name the line; the caller rolls back on failure. */
int store_sitrep_import_csv(store *s, const sitrep_thresholds *t, const csv_doc *doc, int64_t today,
                            const char *actor, int *count, ics_err *e);

/* Providers for the synthetic generator: every organisation that submits,
 * with its size from sizes (a CSV doc with columns ods_code, size, and
 * optionally late_last_day) or a default for its kind. late[i] is set for
 * providers that have not yet submitted on the last day. */
int store_sitrep_synth_providers(store *s, const csv_doc *sizes, sitrep_synth_provider **out,
                                 int **late, size_t *n, ics_err *e);

/* Write the synthetic year into the database (source "synthetic"). */
int store_sitrep_seed(store *s, const sitrep_thresholds *t, const sitrep_synth_provider *p,
                      const int *late, size_t n, int64_t last_day, int ndays, uint64_t seed,
                      progress_fn prog, void *prog_ctx, int *count, ics_err *e);

/* ---- mutual aid --------------------------------------------------------- */

/* Who is acting: name for the record, org ("" when none), coordinator
 * set for coordinators and admins (and the CLI). */
typedef struct store_sitrep_actor {
    const char *name;
    const char *org;
    int coordinator;
} store_sitrep_actor;

/* Create a request from {org?, resource, detail?, quantity, date_from,
 * date_to, urgency, note?}. A trust_ops user asks for their own
 * organisation (org defaults to it; another org is ICS_EFORBID). */
int store_sitrep_aid_create(store *s, const json_t *body, const store_sitrep_actor *who,
                            int64_t today, json_t **out, ics_err *e);
/* One request with its offers. */
int store_sitrep_aid_get(store *s, int64_t id, json_t **out, ics_err *e);
/* Requests, newest first; state may be NULL. A non-coordinator sees
 * requests still open to offers and those their organisation is party to. */
int store_sitrep_aid_list(store *s, const store_sitrep_actor *who, const char *state, json_t **out,
                          ics_err *e);
/* Take a lifecycle step. body: offer {org?, quantity?, note?}; agree
 * {offer_id}; fulfil and withdraw {note?}. before and after get the request
 * as JSON for the audit record. */
int store_sitrep_aid_act(store *s, int64_t id, int action, const json_t *body,
                         const store_sitrep_actor *who, json_t **before, json_t **after,
                         ics_err *e);
/* Organisations that could help, ranked from their latest sitreps. */
int store_sitrep_aid_suggest(store *s, int64_t id, json_t **out, ics_err *e);

#endif
