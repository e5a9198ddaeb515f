/* fetch.h - a small HTTP(S) client on libcurl for the few calls icsflow
 * makes out: OpenID Connect discovery, the provider's keys and the token
 * exchange. Bounded in time (10 s) and size (1 MiB); JSON answers only. */
#ifndef ICS_CORE_FETCH_H
#define ICS_CORE_FETCH_H

#include <jansson.h>

#include "core/error.h"

/* GET url (form == NULL) or POST the form (application/x-www-form-urlencoded),
 * with HTTP basic authentication when user is set. *out is the JSON answer
 * (any status; *status receives it). ICS_EIO when the call fails or the
 * answer is not JSON. */
int fetch_json(const char *url, const char *form, const char *user, const char *pass, long *status,
               json_t **out, ics_err *e);

/* URL-encode s into a new malloc'd string (NULL on failure). */
char *fetch_escape(const char *s);

#endif
