/* store/events.h - the change-event outbox: one row per committed change,
 * written in the same transaction as the change itself (SQL only). */
#ifndef ICS_STORE_EVENTS_H
#define ICS_STORE_EVENTS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* orgs: the owning and party organisations as ",A,B," (or NULL for an
 * ICS-wide event); payload may be NULL (not stolen). *id is the new id. */
int store_event_insert(store *s, int64_t at, const char *type, const char *object_type,
                       const char *object_id, const char *orgs, const char *ics,
                       const json_t *payload, int64_t *id, ics_err *e);
/* Events with id > after, oldest first, at most limit; org non-NULL keeps
 * only ICS-wide events and those whose parties include org or its trust. */
int store_events_since(store *s, int64_t after, int64_t limit, const char *org, json_t **rows,
                       ics_err *e);
/* The newest event's id in *last (0 when none). */
int store_events_last_id(store *s, int64_t *last, ics_err *e);

/* Seeding progress: a step is done when its row exists. */
/* Holds (on) or releases (off) the seeding lock of the database outside any
 * transaction: on PostgreSQL a session advisory lock, so servers starting
 * together on a new database seed it once, in turn; SQLite has one process
 * writing at a time and needs none. */
int store_seed_lock(store *s, int on, ics_err *e);
int store_seed_step_done(store *s, const char *step, int *done, ics_err *e);
int store_seed_step_mark(store *s, const char *step, int64_t at, ics_err *e);
/* 1 when the directory already has places (a database seeded before steps
 * were recorded). */
int store_seed_has_directory(store *s, int *yes, ics_err *e);
/* What `icsflow db` reports: schema steps applied, places, seeding steps done. */
int store_db_summary(store *s, int64_t *schema_steps, int64_t *places, int64_t *seed_steps,
                     ics_err *e);

#endif
