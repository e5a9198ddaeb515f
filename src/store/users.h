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
    ROLE_FINANCE = 32,   /* writes budgets and governance records */
    ROLE_EXECUTIVE = 64, /* reads them: board members */
    ROLE_ANY = 127,
    ROLE_PUBLIC = 0 /* no token needed: health checks and static files only */
};

typedef struct auth_user {
    int64_t id;
    char name[64];
    char role[16];
    unsigned role_bit;
    char org[8]; /* ODS code, "" when none */
} auth_user;

/* The role names, in ROLE_* bit order: role i has bit 1u << i. */
#define USERS_ROLE_COUNT 7
extern const char *const users_role_names[USERS_ROLE_COUNT];

/* ROLE_* bit of a role name, or 0 when unknown. */
unsigned users_role_bit(const char *role);

/* SQL for the user use cases in src/app/users.c. */
int store_org_exists(store *s, const char *org, int *yes, ics_err *e);
/* ICS_ECONFLICT when the name is taken. */
int store_user_insert(store *s, const char *name, const char *role, const char *org,
                      int64_t created_at, int64_t *id, ics_err *e);
/* *changed is 0 when no active user has that name. */
int store_user_set_revoked(store *s, const char *name, int64_t at, int *changed, ics_err *e);
/* Rows of id, name, role, org_code, created_at, revoked_at (instants as
 * seconds since the epoch, revoked_at null while active). */
int store_user_list(store *s, json_t **rows, ics_err *e);

#endif
