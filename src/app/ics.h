/* app/ics.h - several ICSs in one deployment: which ICSs a caller may see,
 * which one a use case works in, and the ICS use cases (list, read, grant
 * an ICS to a user, the cross-boundary setting).
 *
 * A user's home ICS is their organisation's primary ICS (North West London,
 * QRV, for a user without an organisation). They may also see the ICSs an
 * administrator granted them and, for organisation-bound roles (clinician,
 * trust operations), every ICS their organisation works in, where the
 * organisation scope still limits them to their own organisation's
 * objects. An administrator without an organisation (the deployment's, and
 * the command line) sees every ICS; one with an organisation administers
 * the ICSs they may see and no other. */
#ifndef ICS_APP_ICS_H
#define ICS_APP_ICS_H

#include "app/app.h"
#include "store/ics.h"

#define APP_ICS_DEFAULT "QRV" /* home of users without an organisation */
#define APP_ICS_MAX     64    /* ICSs one answer may span (England has 42) */

/* A set of ICS codes. */
typedef struct app_ics_set {
    int n;
    char code[APP_ICS_MAX][STORE_ICS_CODE];
} app_ics_set;

int app_ics_set_has(const app_ics_set *s, const char *code);
/* The set as ",QRV,QM7," into buf (n bytes; room for APP_ICS_MAX codes
 * is APP_ICS_MAX * STORE_ICS_CODE + 2). */
void app_ics_set_text(const app_ics_set *s, char *buf, size_t n);
/* The ICSs the caller may see as ",QRV,QM7," into buf, "*" when they see
 * every ICS (the deployment's administrators): what an event stream
 * delivers from (app_event_visible). */
int app_ics_visible_text(app_ctx *c, char *buf, size_t n, ics_err *e);

extern const app_use APP_ICS_READ;     /* any signed-in role */
extern const app_use APP_ICS_GRANT;    /* administrators */
extern const app_use APP_ICS_REVOKE;   /* administrators */
extern const app_use APP_ICS_SETTINGS; /* administrators */

/* The caller's home ICS. */
int app_ics_home(app_ctx *c, char out[STORE_ICS_CODE], ics_err *e);
/* Every ICS the caller may see, home first. */
int app_ics_visible(app_ctx *c, app_ics_set *out, ics_err *e);
/* The ICSs a read works on: c->ics when given (ICS_ENOTFOUND for an
 * unknown code, ICS_EFORBID for one the caller may not see; "all": every
 * ICS they may see), else the home ICS. */
int app_ics_resolve(app_ctx *c, app_ics_set *out, ics_err *e);
/* (Both set c->ics_of when they settle on one ICS and it is not set yet:
 * what the use case then records is tagged with that ICS.) */
/* The same for a use case that answers for exactly one ICS (a roll-up, an
 * allocation): "all" is refused. */
int app_ics_one(app_ctx *c, char out[STORE_ICS_CODE], ics_err *e);
/* 1 in *yes when a bed referral or mutual aid may go from ICS a to ICS b:
 * the same ICS, or both allow crossing their boundary. */
int app_ics_cross_allowed(app_ctx *c, const char *a, const char *b, int *yes, ics_err *e);

/* The ICSs the caller may see: code, name, cross_ics, places,
 * organisations, home (true for the caller's home ICS). */
int app_ics_list(app_ctx *c, json_t **rows, ics_err *e);
/* One ICS with its places and the organisations working in it;
 * ICS_ENOTFOUND when unknown or not visible to the caller. */
int app_ics_get(app_ctx *c, const char *code, json_t **row, ics_err *e);
/* Grant an ICS to a user (idempotent; *added says whether it was new).
 * Audited as ics.grant, event ics.granted. */
int app_ics_grant(app_ctx *c, const char *user, const char *code, int *added, ics_err *e);
/* Take a granted ICS back from a user (ICS_ENOTFOUND when they do not
 * hold the grant; an ICS their organisation works in stays visible to an
 * organisation-bound role). Audited as ics.revoke, event ics.revoked. */
int app_ics_revoke(app_ctx *c, const char *user, const char *code, ics_err *e);
/* An ICS's settings; a field left as -1 / NULL is unchanged (at least one
 * is given). cross_ics: allow bed referrals and mutual aid across its
 * boundary. out_of_hours: what the route finder tells a clinician when no
 * service is eligible ("" for none; one line, at most APP_ICS_OOH_MAX
 * characters). Audited once as ics.settings (before and after of what
 * changed), event ics.changed. *row: the ICS afterwards. */
enum { APP_ICS_OOH_MAX = 200 };
typedef struct app_ics_settings_in {
    int cross_ics;            /* 0, 1, or -1 unchanged */
    const char *out_of_hours; /* NULL unchanged */
} app_ics_settings_in;
int app_ics_settings(app_ctx *c, const char *code, const app_ics_settings_in *in, json_t **row,
                     ics_err *e);

#endif
