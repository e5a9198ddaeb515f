/* store/users.h - users, roles and bearer tokens (hashes only). */
#ifndef ICS_STORE_USERS_H
#define ICS_STORE_USERS_H

#include <stdint.h>

#include "core/token.h"
#include "store/store.h"

enum {
    ROLE_ADMIN = 1,
    ROLE_COORDINATOR = 2,
    ROLE_CLINICIAN = 4,
    ROLE_TRUST_OPS = 8,
    ROLE_ANALYST = 16,
    ROLE_ANY = 31,
    ROLE_PUBLIC = 0 /* no token needed: health checks and static files only */
};

typedef struct auth_user {
    int64_t id;
    char name[64];
    char role[16];
    unsigned role_bit;
    char org[8]; /* ODS code, "" when none */
} auth_user;

/* ROLE_* bit of a role name, or 0 when unknown. */
unsigned users_role_bit(const char *role);

/* Create a user and a first token (written to token, shown once). The
 * organisation, when given, must exist. Runs in its own transaction with
 * an audit record by actor. */
int store_user_add(store *s, const char *actor, const char *name, const char *role, const char *org,
                   char token[TOKEN_LEN + 1], int64_t *id, ics_err *e);
/* Issue another token for an active user (e.g. a new admin token at each
 * `make run`); earlier tokens keep working until the user is revoked. */
int store_user_token(store *s, const char *actor, const char *name, char token[TOKEN_LEN + 1],
                     ics_err *e);
/* Revoke a user: their tokens stop working at once. */
int store_user_revoke(store *s, const char *actor, const char *name, ics_err *e);
int store_user_list(store *s, json_t **rows, ics_err *e);
/* The active user holding this token, or ICS_EAUTH. */
int store_user_by_token(store *s, const char *token, auth_user *u, ics_err *e);

#endif
