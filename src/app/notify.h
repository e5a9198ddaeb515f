/* notify.h - notifications: a per-user inbox made from change events by
 * rules that follow role and organisation (docs/events.md#notifications),
 * written in the event's own transaction, plus "my trust's sitrep is
 * missing" once the configured hour has passed. */
#ifndef ICS_APP_NOTIFY_H
#define ICS_APP_NOTIFY_H

#include <jansson.h>
#include <stdint.h>

#include "app/app.h"

extern const app_use APP_NOTIFICATIONS_LIST, APP_NOTIFICATION_READ;

/* The notifications an event makes (app_emit calls it after the insert). */
int app_notify_event(app_ctx *c, int64_t event_id, const char *type, const char *const *orgs,
                     const json_t *payload, ics_err *e);

/* {"items": [...], "unread": N}, newest first, at most limit (unread only
 * when unread is 1). */
int app_notifications_list(app_ctx *c, int unread, int64_t limit, json_t **out, ics_err *e);
/* Mark one of the caller's notifications read; ICS_ENOTFOUND for another's. */
int app_notification_read(app_ctx *c, int64_t id, ics_err *e);

/* "Ask this trust": the requester (its trust operations users, or a
 * coordinator or administrator) asks one provider for help with an open
 * mutual-aid request. One audit row and an `aid.asked` event whose parties
 * are the requester and the trust asked, which notifies that trust's
 * operations users. ICS_EINVAL when org is not another provider that
 * submits sitreps; ICS_ECONFLICT when the request no longer takes offers.
 * *out: {id, org, asked}. */
extern const app_use APP_AID_ASK;
int app_aid_ask(app_ctx *c, int64_t id, const char *org, json_t **out, ics_err *e);

/* The London time by which each provider's sitrep is due, in minutes after
 * midnight (default 11:00; ICSFLOW_SITREP_DUE=HH:MM overrides). */
int app_sitrep_due_minutes(void);

#endif
