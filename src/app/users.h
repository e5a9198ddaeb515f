/* app/users.h - user administration as use cases: add (with a first token),
 * list, revoke. Tokens themselves are in app/auth.h. */
#ifndef ICS_APP_USERS_H
#define ICS_APP_USERS_H

#include "app/app.h"
#include "core/token.h"

extern const app_use APP_USERS_LIST, APP_USERS_ADD, APP_USERS_REVOKE;

int app_user_list(app_ctx *c, json_t **rows, ics_err *e);
/* Create a user and a first API token (default lifetime, shown once). name
 * 1-63 characters, role one of the five, org (may be NULL) an existing ODS
 * code; every problem is named. Audited as users.add, event user.added. */
int app_user_add(app_ctx *c, const char *name, const char *role, const char *org,
                 char token[TOKEN_LEN + 1], int64_t *id, ics_err *e);
/* Revoke a user: every token stops working at once. ICS_ENOTFOUND when no
 * active user has the name. Audited as users.revoke, event user.revoked. */
int app_user_revoke(app_ctx *c, const char *name, ics_err *e);

#endif
