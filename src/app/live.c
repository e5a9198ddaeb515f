/* live.c - the visibility rule for change events (see live.h): a table
 * from event type to the use case that reads the object it is about, so an
 * event never reaches someone the REST API would refuse. */
#include "app/live.h"

#include <assert.h>
#include <string.h>

#include "app/analytics.h"
#include "app/beds.h"
#include "app/accountability.h"
#include "app/directory.h"
#include "app/finance.h"
#include "app/routing.h"
#include "app/sim.h"
#include "app/sitrep.h"
#include "app/users.h"
#include "app/waitlist.h"
#include "store/events.h"

/* Objects without a read use case of their own: a job is read by its owner
 * or an administrator (the event does not name the owner, so only
 * administrators receive it); purges are governance, read in the audit. */
static const app_use JOB_EVENTS = {"events.job", ROLE_ADMIN, APP_SCOPE_ICS};
static const app_use ADMIN_EVENTS = {"events.admin", ROLE_ADMIN, APP_SCOPE_ICS};

typedef struct rule {
    const char *prefix; /* the type, or its start when it ends in '.' */
    const app_use *use;
} rule;

static const rule rules[] = {
    {"directory.", &APP_DIR_READ},
    {"service.capacity", &APP_DIR_READ},
    {"referral.", &APP_ROUTING_REFERRAL_GET},
    {"sitrep.", &APP_SITREP_TODAY},
    {"opel.", &APP_SITREP_TODAY},
    {"aid.", &APP_SITREP_AID_GET},
    {"action.", &APP_SITREP_ACTIONS_LIST},
    {"analytics.", &APP_ANALYTICS_READ},
    {"allocation.", &APP_ANALYTICS_READ},
    {"waitlist.imported", &APP_WAITLIST_ENTRY_READ},
    {"waitlist.allocated", &APP_WAITLIST_RUN_READ},
    {"sim.", &APP_SIM_RUN_READ},
    {"job.", &JOB_EVENTS},
    {"bed.", &APP_BEDS_BOARD},
    {"bed_unit.", &APP_BEDS_BOARD},
    {"beds.", &APP_BEDS_BOARD},
    {"bed_referral.", &APP_BEDS_REFERRAL_GET},
    {"user.", &APP_USERS_LIST},
    {"governance.", &ADMIN_EVENTS},
    {"finance.", &APP_FIN_READ},
    {"delegation.", &APP_GOV_READ},
    {"outcome.", &APP_GOV_READ},
    {"decision.", &APP_GOV_READ},
    {"priorities.", &APP_GOV_READ},
};

static const rule *rule_of(const char *type)
{
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        const char *p = rules[i].prefix;
        size_t n = strlen(p);
        if (p[n - 1] == '.' ? strncmp(type, p, n) == 0 : strcmp(type, p) == 0) return &rules[i];
    }
    return NULL;
}

#define MAX_PARTIES 16

/* 1 when ICS code ics is in vis (",A,B," or "*"). */
static int ics_in(const char *ics, const char *vis)
{
    if (!vis || !ics || !*ics) return 0;
    if (strcmp(vis, "*") == 0) return 1;
    size_t n = strlen(ics);
    for (const char *p = strstr(vis, ics); p; p = strstr(p + 1, ics))
        if (p > vis && p[-1] == ',' && p[n] == ',') return 1;
    return 0;
}

int app_event_visible(const app_ctx *c, const char *type, const char *orgs, const char *ics,
                      const char *vis)
{
    assert(c);
    if (!type) return 0;
    if (!ics_in(ics, vis)) return 0;
    const rule *r = rule_of(type);
    const app_use *u = r ? r->use : &ADMIN_EVENTS;
    if (!(c->who.role_bit & u->roles)) return 0;
    if (app_sees_ics(c) || !orgs || !*orgs) return 1;
    /* ",A,B," into parties, owner first */
    char buf[512], *parties[MAX_PARTIES + 1];
    int n = 0;
    size_t len = strlen(orgs);
    if (len >= sizeof buf) len = sizeof buf - 1;
    memcpy(buf, orgs, len);
    buf[len] = '\0';
    char *save = NULL;
    for (char *p = strtok_r(buf, ",", &save); p && n < MAX_PARTIES; p = strtok_r(NULL, ",", &save))
        parties[n++] = p;
    parties[n] = NULL;
    if (n == 0) return 1;
    switch (u->scope) {
    case APP_SCOPE_OWN_ORG: /* the owner only (a bed referral: the referrer) */
        return app_org_matches(c->who.org, parties[0]);
    case APP_SCOPE_OWN_TRUST:
        for (int i = 0; i < n; i++) {
            const char *one[] = {parties[i], NULL};
            if (app_in_scope(c, u, one)) return 1;
        }
        return 0;
    default: /* any party; ICS-scope objects too, as the outbox always did */
        for (int i = 0; i < n; i++)
            if (app_org_matches(c->who.org, parties[i])) return 1;
        return 0;
    }
}

int app_events_fetch(store *db, int64_t after, int64_t limit, json_t **rows, ics_err *e)
{
    assert(db && rows && limit >= 1);
    return store_events_since(db, after, limit, NULL, rows, e);
}

int app_events_last(store *db, int64_t *last, ics_err *e)
{
    assert(db && last);
    return store_events_last_id(db, last, e);
}
