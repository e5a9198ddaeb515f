/* notify.c - the notification rules (see notify.h). Who is told what:
 *   referral.created              -> clinicians and trust_ops of the provider
 *   referral.accepted, .declined  -> clinicians and trust_ops of the referrer
 *   bed_referral.offered, .accepted, .declined, .offer_rejected
 *                                 -> clinicians of the referring organisation
 *   aid.requested                 -> coordinators, and trust_ops of every trust asked
 *   aid.offered                   -> trust_ops of the requesting trust
 *   aid.agreed                    -> trust_ops of the trust whose offer was agreed
 *   opel.changed to 3 or 4        -> everyone (any provider, or the ICS)
 *   action.opened                 -> the action's owners: its owner_role (of its owner_org
 *                                    when it names one)
 *   action.assigned               -> the assignee
 *   action.done, .reopened, .noted-> the owners, and the assignee unless they did it
 *   (no event) sitrep missing     -> trust_ops of a provider with no sitrep
 *                                    for today once the due time has passed
 *   (no event) ADT feed silent    -> coordinators, once per silence (app/hl7.c)
 * Each recipient may read the object through the REST API. */
#include "app/notify.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/hl7.h"
#include "app/sitrep.h"
#include "core/tz.h"
#include "store/notifications.h"

const app_use APP_NOTIFICATIONS_LIST = {"notifications.list", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_NOTIFICATION_READ = {"notifications.read", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_AID_ASK = {"sitrep.aid.ask", ROLE_ADMIN | ROLE_COORDINATOR | ROLE_TRUST_OPS,
                             APP_SCOPE_OWN_TRUST};

static const char *const ORG_PEOPLE[] = {"clinician", "trust_ops", NULL};
static const char *const CLINICIANS[] = {"clinician", NULL};
static const char *const OPS[] = {"trust_ops", NULL};
static const char *const COORDINATORS[] = {"coordinator", NULL};
static const char *const EVERYONE[] = {"admin",     "coordinator", "clinician",
                                       "trust_ops", "analyst",     NULL};

static const char *str(const json_t *p, const char *k)
{
    const char *v = json_string_value(json_object_get(p, k));
    return v ? v : "";
}

static long long num(const json_t *p, const char *k)
{
    return (long long)json_integer_value(json_object_get(p, k));
}

int app_notify_event(app_ctx *c, int64_t event_id, const char *type, const char *const *orgs,
                     const json_t *payload, ics_err *e)
{
    assert(c && type);
    const char *o0 = orgs && orgs[0] ? orgs[0] : "", *o1 = o0[0] && orgs[1] ? orgs[1] : "";
    char title[240], oid[64];
    store *s = c->db;
    int64_t at = c->now;
    if (!strcmp(type, "referral.created") && (o1[0] || o0[0])) {
        snprintf(oid, sizeof oid, "%lld", num(payload, "id"));
        snprintf(title, sizeof title, "New referral %s to your service %s", oid,
                 str(payload, "service_id"));
        return store_notify_users(s, "referral.received", at, event_id, "referrals", oid, title,
                                  ORG_PEOPLE, o1[0] ? o1 : o0, e);
    }
    if ((!strcmp(type, "referral.accepted") || !strcmp(type, "referral.declined")) && o0[0]) {
        snprintf(oid, sizeof oid, "%lld", num(payload, "id"));
        snprintf(title, sizeof title, "Your referral %s was %s by the service", oid,
                 type + strlen("referral."));
        return store_notify_users(s, "referral.update", at, event_id, "referrals", oid, title,
                                  ORG_PEOPLE, o0, e);
    }
    if ((!strcmp(type, "bed_referral.offered") || !strcmp(type, "bed_referral.accepted") ||
         !strcmp(type, "bed_referral.declined") || !strcmp(type, "bed_referral.offer_rejected")) &&
        o0[0]) {
        snprintf(oid, sizeof oid, "%lld", num(payload, "referral_id"));
        const char *what = type + strlen("bed_referral.");
        if (!strcmp(what, "offered"))
            snprintf(title, sizeof title, "A bed (%s) is offered for your bed referral %s",
                     str(payload, "unit_code"), oid);
        else
            snprintf(title, sizeof title, "Your bed referral %s: %s", oid,
                     !strcmp(what, "offer_rejected") ? "offer turned down" : what);
        return store_notify_users(s, "bed_referral.update", at, event_id, "bed_referral", oid,
                                  title, CLINICIANS, o0, e);
    }
    if (!strcmp(type, "aid.requested")) {
        snprintf(oid, sizeof oid, "%lld", num(payload, "id"));
        snprintf(title, sizeof title, "Mutual-aid request %s from %s: %lld %s", oid,
                 str(payload, "org"), num(payload, "quantity"), str(payload, "resource"));
        int rc = store_notify_users(s, "aid.request", at, event_id, "sitrep_aid", oid, title,
                                    COORDINATORS, "", e);
        /* the trusts asked are the parties after the requester */
        for (int i = 1; !rc && orgs && orgs[0] && orgs[i]; i++)
            rc = store_notify_users(s, "aid.request", at, event_id, "sitrep_aid", oid, title, OPS,
                                    orgs[i], e);
        return rc;
    }
    if (!strcmp(type, "aid.asked") && str(payload, "asked")[0]) {
        snprintf(oid, sizeof oid, "%lld", num(payload, "id"));
        snprintf(title, sizeof title,
                 "%s asks your trust for help: mutual-aid request %s (%lld %s)",
                 str(payload, "org"), oid, num(payload, "quantity"), str(payload, "resource"));
        return store_notify_users(s, "aid.request", at, event_id, "sitrep_aid", oid, title, OPS,
                                  str(payload, "asked"), e);
    }
    if (!strcmp(type, "aid.offered") && str(payload, "org")[0]) {
        snprintf(oid, sizeof oid, "%lld", num(payload, "id"));
        snprintf(title, sizeof title, "%s offers help with your mutual-aid request %s",
                 str(payload, "offer_org"), oid);
        return store_notify_users(s, "aid.offer", at, event_id, "sitrep_aid", oid, title, OPS,
                                  str(payload, "org"), e);
    }
    if (!strcmp(type, "aid.agreed") && str(payload, "offer_org")[0]) {
        snprintf(oid, sizeof oid, "%lld", num(payload, "id"));
        snprintf(title, sizeof title, "%s agreed your offer on mutual-aid request %s",
                 str(payload, "org"), oid);
        return store_notify_users(s, "aid.agreed", at, event_id, "sitrep_aid", oid, title, OPS,
                                  str(payload, "offer_org"), e);
    }
    if (!strncmp(type, "action.", 7)) {
        snprintf(oid, sizeof oid, "%lld", num(payload, "id"));
        const char *what = type + 7, *assignee = str(payload, "assignee");
        const char *roles[] = {str(payload, "owner_role"), NULL};
        char msg[320]; /* the bounds below keep every title whole */
        if (!strcmp(what, "opened"))
            snprintf(msg, sizeof msg, "OPEL %lld action for you (%.60s): %.120s",
                     num(payload, "level"), str(payload, "reason"), str(payload, "action"));
        else if (!strcmp(what, "assigned"))
            snprintf(msg, sizeof msg, "%.60s assigned you an OPEL action: %.120s",
                     str(payload, "by"), str(payload, "action"));
        else
            snprintf(msg, sizeof msg, "OPEL action %s %s by %.40s: %.120s", oid,
                     !strcmp(what, "noted")  ? "has a new note"
                     : !strcmp(what, "done") ? "was done"
                                             : "was reopened",
                     str(payload, "by"), str(payload, "action"));
        char kind[40];
        snprintf(kind, sizeof kind, "action.%s", what);
        int rc = 0;
        if (strcmp(what, "assigned") != 0 && roles[0][0])
            rc = store_notify_users(s, kind, at, event_id, "sitrep_action", oid, msg, roles,
                                    str(payload, "owner_org"), e);
        if (!rc && assignee[0] && strcmp(assignee, str(payload, "by")) != 0 &&
            strcmp(what, "opened") != 0)
            rc = store_notify_user(s, assignee, kind, at, event_id, "sitrep_action", oid, msg, e);
        return rc;
    }
    if (!strcmp(type, "opel.changed")) {
        json_t *nv = json_object_get(payload, "new"), *ov = json_object_get(payload, "old");
        long long lv = json_integer_value(nv), was = json_integer_value(ov);
        if (!json_is_integer(nv) || lv < 3 || (json_is_integer(ov) && was >= lv)) return 0;
        const char *org = str(payload, "org");
        if (org[0])
            snprintf(title, sizeof title, "%s is at OPEL %lld on %s", org, lv, str(payload, "day"));
        else
            snprintf(title, sizeof title, "The ICS is at OPEL %lld on %s", lv, str(payload, "day"));
        snprintf(oid, sizeof oid, "%s/%s", org[0] ? org : "ics", str(payload, "day"));
        return store_notify_users(s, "opel.high", at, event_id, "opel_level", oid, title, EVERYONE,
                                  "", e);
    }
    return 0;
}

int app_sitrep_due_minutes(void)
{
    const char *v = getenv("ICSFLOW_SITREP_DUE");
    int h, m;
    if (v && sscanf(v, "%d:%d", &h, &m) == 2 && h >= 0 && h < 24 && m >= 0 && m < 60)
        return h * 60 + m;
    return 11 * 60;
}

/* "Your sitrep for today is missing", once, after the due time. */
static int sitrep_due(app_ctx *c, ics_err *e)
{
    if (!(c->who.role_bit & ROLE_TRUST_OPS) || !c->who.org || !c->who.org[0]) return 0;
    tz_local l;
    tz_to_local(c->now, &l);
    int due = app_sitrep_due_minutes();
    if (l.hour * 60 + l.min < due) return 0;
    char day[16];
    tz_format_date(l.date, day, sizeof day);
    int missing = 0;
    int rc = store_sitrep_missing(c->db, c->who.org, day, &missing, e);
    if (rc || !missing) return rc;
    char title[160], oid[40];
    snprintf(oid, sizeof oid, "%s/%s", c->who.org, day);
    snprintf(title, sizeof title, "%s has not submitted today's sitrep (%s), due by %02d:%02d",
             c->who.org, day, due / 60, due % 60);
    return store_notify_user(c->db, c->who.name, "sitrep.missing", c->now, 0, "sitrep", oid, title,
                             e);
}

int app_notifications_list(app_ctx *c, int unread, int64_t limit, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_NOTIFICATIONS_LIST, e);
    if (rc) return rc;
    if (limit < 1 || limit > 1000) return ics_err_set(e, ICS_EINVAL, "limit must be 1 to 1000");
    json_t *rows = NULL;
    int64_t n = 0;
    if ((rc = app_begin(c, e))) return rc;
    rc = sitrep_due(c, e);
    if (!rc) rc = app_hl7_notify_silent(c, e);
    if (!rc) rc = store_notifications_list(c->db, c->who.name, unread, limit, &rows, e);
    if (!rc) rc = store_notifications_unread(c->db, c->who.name, &n, e);
    if ((rc = app_end(c, rc, e))) {
        json_decref(rows);
        return rc;
    }
    /* instants as ISO 8601 UTC, like every other instant in the API */
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        static const char *const keys[] = {"at", "read_at"};
        for (int k = 0; k < 2; k++) {
            json_t *v = json_object_get(r, keys[k]);
            if (!json_is_integer(v)) continue;
            char buf[32];
            tz_format_utc(json_integer_value(v), buf, sizeof buf);
            json_object_set_new(r, keys[k], json_string(buf));
        }
    }
    *out = json_pack("{soso}", "items", rows, "unread", json_integer(n));
    return 0;
}

int app_notification_read(app_ctx *c, int64_t id, ics_err *e)
{
    int rc = app_allow(c, &APP_NOTIFICATION_READ, e);
    if (rc) return rc;
    if ((rc = app_begin(c, e))) return rc;
    rc = store_notification_read(c->db, c->who.name, id, c->now, e);
    return app_end(c, rc, e);
}

int app_aid_ask(app_ctx *c, int64_t id, const char *org, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_AID_ASK, e);
    if (rc) return rc;
    if (!org || !*org) return ics_err_set(e, ICS_EINVAL, "missing field 'org' (the trust to ask)");
    json_t *req = NULL;
    if ((rc = app_sitrep_aid_get(c, id, &req, e))) return rc;
    const char *mine = str(req, "org"), *state = str(req, "state");
    const char *parties[] = {mine, NULL};
    char ids[32];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    int provider = 0;
    if ((rc = app_scope_check(c, &APP_AID_ASK, parties, "mutual-aid request of yours", ids, e)))
        goto done;
    if (strcmp(state, "open") && strcmp(state, "offered")) {
        rc = ics_err_set(e, ICS_ECONFLICT, "request %s is %s: it no longer takes offers", ids,
                         state);
        goto done;
    }
    if (app_org_matches(mine, org) || !strncmp(mine, org, 3)) {
        rc = ics_err_set(e, ICS_EINVAL, "'%s' is the requesting trust itself", org);
        goto done;
    }
    if ((rc = app_begin(c, e))) goto done;
    rc = store_org_provider(c->db, org, &provider, e);
    if (!rc && !provider)
        rc = ics_err_set(e, ICS_EINVAL, "'%s' is not a provider that submits sitreps", org);
    json_t *after = NULL;
    if (!rc) {
        after = json_pack("{sIssss}", "id", (json_int_t)id, "org", mine, "asked", org);
        const char *both[] = {mine, org, NULL};
        rc = app_record(c, &APP_AID_ASK, "sitrep_aid", ids, NULL, after, "aid.asked", both,
                        json_pack("{sIsssssOsO}", "id", (json_int_t)id, "org", mine, "asked", org,
                                  "resource", json_object_get(req, "resource"), "quantity",
                                  json_object_get(req, "quantity")),
                        e);
    }
    rc = app_end(c, rc, e);
    if (!rc)
        *out = after;
    else
        json_decref(after);
done:
    json_decref(req);
    return rc;
}
