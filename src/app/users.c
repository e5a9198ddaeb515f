/* app/users.c - adding, listing and revoking users. The first token of a
 * new user is issued like any other (app_token_new: hashed, with the
 * default lifetime), in the same transaction as the user. */
#include "app/users.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "app/auth.h"
#include "core/tz.h"
#include "core/utf8.h"
#include "core/valid.h"

/* User events are administrative: the ICS itself is their only party, so
 * ICS-wide roles see them and organisation-bound users do not. */
static const char *const admin_only[] = {"QRV", NULL};

const app_use APP_USERS_LIST = {"users.list", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_USERS_ADD = {"users.add", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_USERS_REVOKE = {"users.revoke", ROLE_ADMIN, APP_SCOPE_ICS};

int app_user_list(app_ctx *c, json_t **rows, ics_err *e)
{
    int rc = app_allow(c, &APP_USERS_LIST, e);
    if (rc) return rc;
    rc = store_user_list(c->db, rows, e);
    if (!rc) app_json_utc(*rows, "created_at,revoked_at");
    return rc;
}

int app_user_add(app_ctx *c, const char *name, const char *role, const char *org,
                 char token[TOKEN_LEN + 1], int64_t *id, ics_err *e)
{
    assert(token && id);
    int rc = app_allow(c, &APP_USERS_ADD, e);
    if (rc) return rc;
    if (!name || !*name || strlen(name) > 63 || !utf8_valid(name))
        return ics_err_set(e, ICS_EINVAL, "a user name of 1 to 63 characters is required");
    if (!users_role_bit(role))
        return ics_err_set(e, ICS_EINVAL,
                           "role '%s' is not one of admin, coordinator, clinician, trust_ops, "
                           "analyst, finance, executive",
                           role ? role : "");
    if (org && *org && valid_ods_code(org, e)) return ICS_EINVAL;
    if ((rc = app_begin(c, e))) return rc;
    int known = 1;
    if (org && *org) rc = store_org_exists(c->db, org, &known, e);
    if (!rc && !known) rc = ics_err_set(e, ICS_EINVAL, "no organisation with ODS code '%s'", org);
    int64_t uid = 0;
    if (!rc) rc = store_user_insert(c->db, name, role, org, c->now, &uid, e);
    json_t *info = NULL;
    if (!rc) rc = app_token_new(c, uid, "api", "first token", 0, token, &info, e);
    json_decref(info);
    if (!rc) {
        json_t *after = json_pack("{sIssssss}", "id", (json_int_t)uid, "name", name, "role", role,
                                  "org", org && *org ? org : "");
        char sid[32];
        snprintf(sid, sizeof sid, "%lld", (long long)uid);
        rc = app_record(c, &APP_USERS_ADD, "user", sid, NULL, after, "user.added", admin_only,
                        json_pack("{ssss}", "name", name, "role", role), e);
        json_decref(after);
    }
    if ((rc = app_end(c, rc, e))) return rc;
    *id = uid;
    return 0;
}

int app_user_revoke(app_ctx *c, const char *name, ics_err *e)
{
    int rc = app_allow(c, &APP_USERS_REVOKE, e);
    if (rc || (rc = app_begin(c, e))) return rc;
    char now[32];
    tz_format_utc(c->now, now, sizeof now);
    int changed = 0;
    rc = store_user_set_revoked(c->db, name, c->now, &changed, e);
    if (!rc && !changed) rc = ics_err_set(e, ICS_ENOTFOUND, "no active user named '%s'", name);
    if (!rc) {
        json_t *after = json_pack("{ssss}", "name", name, "revoked_at", now);
        rc = app_record(c, &APP_USERS_REVOKE, "user", name, NULL, after, "user.revoked", admin_only,
                        json_pack("{ss}", "name", name), e);
        json_decref(after);
    }
    return app_end(c, rc, e);
}
