/* store/sitrep.h - the sitrep module's tables and queries, SQL only:
 * versioned submissions, the OPEL thresholds held as rows, the providers
 * that submit, and mutual-aid requests, offers and their history. Rows go
 * in as plain values and come out as JSON rows; scoring, validation,
 * permissions and audit live in src/app/sitrep.c. Callers own the
 * transaction. */
#ifndef ICS_STORE_SITREP_H
#define ICS_STORE_SITREP_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* A provider that submits: an organisation (3 characters) or a site (5). */
typedef struct store_sitrep_provider {
    char code[8];
    char trust[8];
    char name[160];
    char kind[24]; /* the organisation's or site's kind, as stored */
    int is_site;
} store_sitrep_provider;

/* ICS_ENOTFOUND "unknown organisation or site 'X'" when absent. */
int store_sitrep_provider_find(store *s, const char *code, store_sitrep_provider *out, ics_err *e);
/* Organisations of the kinds that submit, in call-view order (acute,
 * specialist, community, mental health, ambulance; then code):
 * [{ods_code, name, kind}]. */
/* ics (NULL: every ICS): organisations whose primary ICS it is or that
 * work in it. */
int store_sitrep_submitters(store *s, const char *ics, json_t **rows, ics_err *e);
/* Every organisation of a kind that submits and every acute site of an
 * acute trust, by code: [{code, kind}]. */
int store_sitrep_synth_candidates(store *s, const char *ics, json_t **rows, ics_err *e);

/* ---- thresholds --------------------------------------------------------- */

/* The rules [{kind, parameter, direction, band2_from, band3_from,
 * band4_from, points1..points4, weight}] and level cut-offs [{kind,
 * opel1_max, opel2_max, opel3_max}] in force, ordered by kind (and
 * parameter). */
int store_sitrep_thresholds_rows(store *s, json_t **rules, json_t **levels, ics_err *e);
/* Replace every rule and cut-off with rows of the same form; source labels
 * the set. */
int store_sitrep_thresholds_replace(store *s, const json_t *rules, const json_t *levels,
                                    const char *source, ics_err *e);
/* The label of the set in force: a JSON string, or JSON null. */
json_t *store_sitrep_thresholds_source(store *s);

/* ---- submissions -------------------------------------------------------- */

/* A scored submission to store. JSON members are borrowed. */
typedef struct store_sitrep_row {
    const char *org, *trust, *kind, *day; /* day: YYYY-MM-DD */
    const json_t *fields, *params, *drivers;
    int declared_level; /* 0: none (reason then ignored) */
    const char *reason;
    int level;
    int computed; /* level_computed and the scores are set */
    int level_computed;
    const char *level_source;
    double score, score_min, score_max, beds;
    const char *source, *by;
    int64_t at; /* seconds since the epoch */
} store_sitrep_row;

/* Store r as the next version of its provider-day (earlier versions are
 * kept, no longer current). *version (may be NULL) receives its version,
 * *row (may be NULL) the stored row. */
int store_sitrep_insert(store *s, const store_sitrep_row *r, int64_t *version, json_t **row,
                        ics_err *e);
/* Current rows with from <= day <= to, by org then day. Row columns: id,
 * org, trust, kind, day, version, is_current, level, level_source,
 * level_computed, score, score_min, score_max, declared_level, reason,
 * beds, source, submitted_at, submitted_by, fields, params, drivers. */
/* The same, narrowed to what a provider's level needs (org, kind, day,
 * level, beds, declared_level, reason; fields only for site returns, which
 * a trust without its own return is combined from). */
int store_sitrep_current_levels(store *s, const char *from, const char *to, json_t **rows,
                                ics_err *e);
int store_sitrep_current(store *s, const char *from, const char *to, json_t **rows, ics_err *e);
/* One provider's current rows from..to by day: day, version, level,
 * level_source, level_computed, score, declared_level, reason, source,
 * params. */
int store_sitrep_history(store *s, const char *org, const char *from, const char *to, json_t **rows,
                         ics_err *e);
/* Every version of one provider-day, newest first (the current-row form). */
int store_sitrep_versions(store *s, const char *org, const char *day, json_t **rows, ics_err *e);
/* The level a provider had in force for day before a new version: its
 * current row for day, else its latest current row before day; 0 when it
 * has none. */
int store_sitrep_level_in_force(store *s, const char *org, const char *day, int *level, ics_err *e);
/* Each organisation's latest current sitrep with its first site's
 * position: org, name, kind, day, level, score, score_min, score_max,
 * fields, lat, lon. */
int store_sitrep_latest(store *s, json_t **rows, ics_err *e);
/* The position {lat, lon} of a trust's first site (org or its trust);
 * ICS_ENOTFOUND when it has none. */
int store_sitrep_position(store *s, const char *org, json_t **row, ics_err *e);

/* ---- mutual aid --------------------------------------------------------- */

/* A new request (strings borrowed; note may be NULL). */
typedef struct store_sitrep_aid_new {
    const char *org, *resource, *detail;
    int quantity;
    const char *date_from, *date_to, *urgency, *note, *by;
    int64_t at; /* seconds since the epoch */
} store_sitrep_aid_new;

int store_sitrep_aid_insert(store *s, const store_sitrep_aid_new *r, int64_t *id, ics_err *e);
/* One request with its offers and history; ICS_ENOTFOUND when absent. */
int store_sitrep_aid_get(store *s, int64_t id, json_t **out, ics_err *e);
/* Requests newest first (state NULL: any) with their number of offers and
 * "parties": the offering organisations as ",A,B," ("" when none). */
int store_sitrep_aid_list(store *s, const char *state, json_t **rows, ics_err *e);
/* Store an open offer. ICS_ECONFLICT when org already has an open offer on
 * the request (the UNIQUE index). *offer_id receives its id. */
int store_sitrep_aid_offer_insert(store *s, int64_t id, const char *org, int quantity,
                                  const char *note, int64_t at, const char *by, int64_t *offer_id,
                                  ics_err *e);
/* The id of org's open offer on request id, 0 when none. */
int store_sitrep_aid_open_offer(store *s, int64_t id, const char *org, int64_t *offer_id,
                                ics_err *e);
/* Mark offer_id agreed, the request's other offers declined. */
int store_sitrep_aid_agree(store *s, int64_t id, int64_t offer_id, ics_err *e);
/* Record a lifecycle step in the request's history and set its state. */
int store_sitrep_aid_step(store *s, int64_t id, const char *action, const char *state,
                          const char *actor, const char *org, const char *note, int64_t at,
                          ics_err *e);

/* ---- escalation actions (src/store/sitrep_actions.c) --------------------- */

/* Retire the ICS's action definitions and insert defs [{pillar, level,
 * action, owner_role, owner_org (null or a code)}] in order, as the set in
 * force, recording source. Inside a transaction. */
int store_sitrep_action_defs_replace(store *s, const char *ics, const json_t *defs,
                                     const char *source, ics_err *e);
/* The definitions in force: [{id, pillar, level, action, owner_role,
 * owner_org, source}] by level, pillar, position. */
int store_sitrep_action_defs(store *s, const char *ics, json_t **rows, ics_err *e);
/* Open definition def (a row of store_sitrep_action_defs) on a day's
 * checklist; *id is the new item's id, or 0 when it was open already. */
int store_sitrep_action_open(store *s, const char *ics, const char *day, const json_t *def,
                             const char *reason, int64_t at, int64_t *id, ics_err *e);
/* A day's checklist: [{id, day, pillar, level, action, owner_role,
 * owner_org, reason, opened_at, assignee, assigned_at, assigned_by,
 * done_at, done_by, notes}] by level (highest first), pillar, position;
 * notes is the count. */
int store_sitrep_actions_day(store *s, const char *ics, const char *day, json_t **rows, ics_err *e);
/* One item (the same columns and ics_code); ICS_ENOTFOUND "no action N". */
int store_sitrep_action_get(store *s, int64_t id, json_t **row, ics_err *e);
/* Set (or, with assignee NULL, clear) who owns an item. */
int store_sitrep_action_assign(store *s, int64_t id, const char *assignee, const char *by,
                               int64_t at, ics_err *e);
/* Tick (done 1) or untick (done 0) an item. */
int store_sitrep_action_done(store *s, int64_t id, int done, const char *by, int64_t at,
                             ics_err *e);
/* Add a note; *note_id is its id. */
int store_sitrep_action_note(store *s, int64_t id, const char *by, int64_t at, const char *text,
                             int64_t *note_id, ics_err *e);
/* The notes of the items of a day [{id, action_id, at, by_user, text}],
 * oldest first. */
int store_sitrep_action_notes_day(store *s, const char *ics, const char *day, json_t **rows,
                                  ics_err *e);
/* The notes of one item, oldest first. */
int store_sitrep_action_notes(store *s, int64_t id, json_t **rows, ics_err *e);

#endif
