/* live.h - who receives which change event: the one visibility rule shared
 * by GET /api/v1/events (JSON pages and the Server-Sent Events stream), and
 * the unfiltered outbox read the stream's fan-out filters per client. */
#ifndef ICS_APP_LIVE_H
#define ICS_APP_LIVE_H

#include <jansson.h>
#include <stdint.h>

#include "app/app.h"

/* 1 when the actor of c may receive an event of this type whose parties
 * are orgs (",A,B," or NULL for an ICS-wide event). The role must be one
 * that may read the kind of object the event is about through the REST
 * API (a bed referral's events go only to roles that may read bed
 * referrals); an organisation-bound role (clinician, trust_ops) receives
 * only ICS-wide events and those it is a party to (the owner only when
 * that use case's scope is the owning organisation). Unknown types go to
 * administrators only. And the event's ICS (ics) must be one the actor may
 * see: vis lists them as ",QRV,QM7," (app_ics_visible_text), "*" for
 * every ICS. c->db is not used. */
int app_event_visible(const app_ctx *c, const char *type, const char *orgs, const char *ics,
                      const char *vis);

/* Every event with id > after, oldest first, at most limit (unfiltered). */
int app_events_fetch(store *db, int64_t after, int64_t limit, json_t **rows, ics_err *e);
/* The newest event's id (0 when none). */
int app_events_last(store *db, int64_t *last, ics_err *e);

#endif
