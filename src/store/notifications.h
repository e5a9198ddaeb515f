/* store/notifications.h - the per-user notification inbox (SQL only): rows
 * made from change events in the event's own transaction, read and marked
 * read by their user. */
#ifndef ICS_STORE_NOTIFICATIONS_H
#define ICS_STORE_NOTIFICATIONS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* One notification for every active user whose role is one of roles
 * (NULL-terminated, at most 5) and, when org is not "", whose organisation
 * is org or, for a 3-character trust, one of its sites. A user already
 * holding (kind, object_id, event_id) is skipped. */
int store_notify_users(store *s, const char *kind, int64_t at, int64_t event_id,
                       const char *object_type, const char *object_id, const char *title,
                       const char *const *roles, const char *org, ics_err *e);
/* The same for one named user. */
int store_notify_user(store *s, const char *user, const char *kind, int64_t at, int64_t event_id,
                      const char *object_type, const char *object_id, const char *title,
                      ics_err *e);
/* A user's notifications, newest first (unread only when unread is 1). */
int store_notifications_list(store *s, const char *user, int unread, int64_t limit, json_t **rows,
                             ics_err *e);
int store_notifications_unread(store *s, const char *user, int64_t *n, ics_err *e);
/* Mark one read (at): ICS_ENOTFOUND when it is not this user's. */
int store_notification_read(store *s, const char *user, int64_t id, int64_t at, ics_err *e);
/* 1 when org is a provider that submits sitreps. */
int store_org_provider(store *s, const char *org, int *yes, ics_err *e);
/* 1 when org is a provider that submits sitreps and has none for day. */
int store_sitrep_missing(store *s, const char *org, const char *day, int *missing, ics_err *e);

#endif
