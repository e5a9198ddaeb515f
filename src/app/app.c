/* app.c - the application layer's common part: actors and contexts, the
 * central role and organisation-scope checks, and the one transaction tail
 * (audit record + change event + commit) every use case ends with. */
#include "app/app.h"

#include <assert.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/beds.h"
#include "app/hub.h"
#include "app/ics.h"
#include "app/live.h"
#include "app/notify.h"
#include "app/page.h"
#include "app/routing.h"
#include "core/tz.h"
#include "store/events.h"

app_ctx app_ctx_user(store *db, const auth_user *u, const char *via, int64_t now)
{
    assert(db && u);
    app_ctx c = {db, {u->name, u->role, u->role_bit, u->org, via ? via : "api"}, now, 0, NULL, ""};
    return c;
}

app_ctx app_ctx_cli(store *db, int64_t now)
{
    static _Thread_local char name[80];
    if (!name[0]) {
        struct passwd *pw = getpwuid(getuid());
        snprintf(name, sizeof name, "cli:%s", pw ? pw->pw_name : "unknown");
    }
    app_ctx c = {db, {name, "admin", ROLE_ADMIN, "", "cli"}, now, 0, NULL, ""};
    return c;
}

app_ctx app_ctx_seed(store *db, int64_t now)
{
    app_ctx c = {db, {"seed", "admin", ROLE_ADMIN, "", "seed"}, now, 0, NULL, ""};
    return c;
}

int app_use_reads_only(const app_use *u)
{
    return u == &APP_ROUTING_ROUTE_FIND || u == &APP_BEDS_BOARD;
}

int app_allow(const app_ctx *c, const app_use *u, ics_err *e)
{
    assert(c && u);
    if (c->who.role_bit & u->roles) return 0;
    return ics_err_set(e, ICS_EFORBID, "the role '%s' may not do %s", c->who.role, u->name);
}

int app_sees_ics(const app_ctx *c)
{
    return (c->who.role_bit &
            (ROLE_ADMIN | ROLE_COORDINATOR | ROLE_ANALYST | ROLE_FINANCE | ROLE_EXECUTIVE)) != 0;
}

int app_org_matches(const char *mine, const char *org)
{
    if (!mine || !*mine || !org || !*org) return 0;
    size_t n = strlen(mine);
    if (strcmp(mine, org) == 0) return 1;
    /* a trust (3 characters) owns its sites (trust code + 2) */
    return n == 3 && strlen(org) == 5 && strncmp(mine, org, 3) == 0;
}

int app_in_scope(const app_ctx *c, const app_use *u, const char *const *parties)
{
    assert(c && u);
    if (u->scope == APP_SCOPE_NONE || u->scope == APP_SCOPE_ICS || app_sees_ics(c)) return 1;
    if (!parties) return 0;
    const char *mine = c->who.org;
    switch (u->scope) {
    case APP_SCOPE_OWN_ORG:
        return parties[0] && app_org_matches(mine, parties[0]);
    case APP_SCOPE_OWN_TRUST: {
        if (!parties[0] || !mine || strlen(mine) < 3) return 0;
        return strncmp(mine, parties[0], 3) == 0;
    }
    case APP_SCOPE_PARTY:
        for (const char *const *p = parties; *p; p++)
            if (app_org_matches(mine, *p)) return 1;
        return 0;
    default:
        return 0;
    }
}

int app_scope_check(const app_ctx *c, const app_use *u, const char *const *parties,
                    const char *what, const char *id, ics_err *e)
{
    if (app_in_scope(c, u, parties)) return 0;
    return ics_err_set(e, ICS_ENOTFOUND, "no %s '%s'", what, id ? id : "");
}

int app_begin(app_ctx *c, ics_err *e)
{
    assert(c && c->db);
    return store_begin(c->db, e);
}

int app_end(app_ctx *c, int rc, ics_err *e)
{
    assert(store_tx_depth(c->db) > 0);
    /* the next use case on this context finds its own ICS */
    if (store_tx_depth(c->db) == 1) c->ics_of[0] = '\0';
    if (rc) {
        store_rollback(c->db);
        c->last_event = 0;
        return rc;
    }
    rc = store_commit(c->db, e);
    if (rc) c->last_event = 0;
    /* Only the outermost commit makes the events visible to readers. */
    if (!rc && c->last_event && store_tx_depth(c->db) == 0) {
        hub_wake(c->last_event);
        c->last_event = 0;
    }
    return rc;
}

void app_ics_here(app_ctx *c, const char *code)
{
    assert(c);
    snprintf(c->ics_of, sizeof c->ics_of, "%s", code ? code : "");
}

/* The ICS an audit record or event is tagged with: the one the use case
 * named (app_ics_here, or the ICS it resolved), else the owning
 * organisation's primary ICS (a site's through its trust), else the
 * actor's home ICS. */
static int object_ics(app_ctx *c, const char *const *orgs, char out[STORE_ICS_CODE], ics_err *e)
{
    static_assert(sizeof c->ics_of == STORE_ICS_CODE, "an ICS code fits app_ctx.ics_of");
    if (c->ics_of[0]) {
        snprintf(out, STORE_ICS_CODE, "%s", c->ics_of);
        return 0;
    }
    out[0] = '\0';
    const char *owner = orgs && orgs[0] && *orgs[0] ? orgs[0] : NULL;
    if (owner) {
        int rc = store_ics_org_primary(c->db, owner, out, e);
        if (!rc && !out[0] && strlen(owner) == 5) {
            char trust[4];
            memcpy(trust, owner, 3);
            trust[3] = '\0';
            rc = store_ics_org_primary(c->db, trust, out, e);
        }
        if (rc) return rc;
        if (out[0]) return 0;
    }
    return app_ics_home(c, out, e);
}

static int audit_in(app_ctx *c, const char *ics, const char *action, const char *object_type,
                    const char *object_id, const json_t *before, const json_t *after, ics_err *e)
{
    assert(store_tx_depth(c->db) > 0); /* audited in the change's transaction */
    return store_audit(c->db, c->now, c->who.name, action, object_type, object_id, before, after,
                       ics, e);
}

/* Steals payload. */
static int emit_in(app_ctx *c, const char *ics, const char *type, const char *object_type,
                   const char *object_id, const char *const *orgs, json_t *payload, ics_err *e)
{
    assert(store_tx_depth(c->db) > 0); /* an event is never emitted for a change not made */
    char list[512] = "";
    size_t n = 0;
    for (const char *const *o = orgs; o && *o; o++) {
        if (!**o) continue;
        int w = snprintf(list + n, sizeof list - n, "%s%s,", n ? "" : ",", *o);
        if (w < 0 || (size_t)w >= sizeof list - n) break;
        n += (size_t)w;
    }
    int64_t id = 0;
    int rc = store_event_insert(c->db, c->now, type, object_type, object_id, n ? list : NULL, ics,
                                payload, &id, e);
    if (!rc && id > c->last_event) c->last_event = id;
    /* the notifications it makes, in the same transaction */
    if (!rc) rc = app_notify_event(c, id, type, orgs, payload, e);
    json_decref(payload);
    return rc;
}

int app_audit(app_ctx *c, const char *action, const char *object_type, const char *object_id,
              const json_t *before, const json_t *after, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = object_ics(c, NULL, ics, e);
    return rc ? rc : audit_in(c, ics, action, object_type, object_id, before, after, e);
}

int app_emit(app_ctx *c, const char *type, const char *object_type, const char *object_id,
             const char *const *orgs, json_t *payload, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = object_ics(c, orgs, ics, e);
    if (rc) {
        json_decref(payload);
        return rc;
    }
    return emit_in(c, ics, type, object_type, object_id, orgs, payload, e);
}

int app_record(app_ctx *c, const app_use *u, const char *object_type, const char *object_id,
               const json_t *before, const json_t *after, const char *event_type,
               const char *const *orgs, json_t *payload, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = object_ics(c, orgs, ics, e);
    if (!rc) rc = audit_in(c, ics, u->name, object_type, object_id, before, after, e);
    if (!rc && event_type)
        return emit_in(c, ics, event_type, object_type, object_id, orgs, payload, e);
    json_decref(payload);
    return rc;
}

int app_audit_read(app_ctx *c, const char *action, const char *object_type, const char *object_id,
                   json_t *detail, ics_err *e)
{
    int own = store_tx_depth(c->db) == 0, rc = 0;
    if (own && (rc = app_begin(c, e))) {
        json_decref(detail);
        return rc;
    }
    rc = app_audit(c, action, object_type, object_id, NULL, detail, e);
    json_decref(detail);
    return own ? app_end(c, rc, e) : rc;
}

int app_read_audited(app_ctx *c, const char *action, const char *object_type, const char *object_id,
                     app_read_fn read, void *arg, ics_err *e)
{
    assert(c && c->db && action && object_type && read && e);
    int own = store_tx_depth(c->db) == 0;
    json_t *detail = NULL;
    int rc = own ? store_snapshot_begin(c->db, e) : 0;
    if (!rc) rc = read(c, arg, &detail, e);
    /* the snapshot ends before the record is written: the write lock is
     * held for one insert, not for the whole read */
    if (own) store_read_end(c->db);
    if (rc) {
        json_decref(detail);
        return rc;
    }
    assert(own ? store_tx_depth(c->db) == 0 : store_tx_depth(c->db) > 0);
    rc = app_audit_read(c, action, object_type, object_id, detail, e);
    if (rc && rc != ICS_ERETRY) {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        return ics_err_set(e, ICS_EBUSY,
                           "the read could not be recorded in the audit log, so nothing is sent "
                           "(%.400s); try again",
                           why);
    }
    return rc;
}

const app_use APP_EVENTS_LIST = {"events.list", ROLE_ANY, APP_SCOPE_PARTY};

int app_events_list(app_ctx *c, int64_t after, int64_t limit, json_t **rows, int64_t *last,
                    ics_err *e)
{
    int rc = app_allow(c, &APP_EVENTS_LIST, e);
    if (rc) return rc;
    if (after < 0) return ics_err_set(e, ICS_EINVAL, "after must be 0 or more");
    if (limit < 1 || limit > 1000) return ics_err_set(e, ICS_EINVAL, "limit must be 1 to 1000");
    /* The newest id first: a row committed after this read is not in the
     * page, and the caller's next read starts from the page's end. */
    int64_t newest = 0;
    char vis[APP_ICS_MAX * (STORE_ICS_CODE + 1) + 2];
    if ((rc = app_ics_visible_text(c, vis, sizeof vis, e))) return rc;
    if ((rc = store_events_last_id(c->db, &newest, e))) return rc;
    /* The outbox is read in pages and filtered here, by the same rule as
     * the event stream, until the answer is full or the outbox is done. */
    json_t *out = json_array();
    while (!rc && (int64_t)json_array_size(out) < limit && after < newest) {
        json_t *page = NULL;
        if ((rc = app_events_fetch(c->db, after, 500, &page, e))) break;
        size_t i, n = json_array_size(page);
        json_t *r;
        json_array_foreach(page, i, r)
        {
            int64_t id = json_integer_value(json_object_get(r, "id"));
            if (id > newest) {
                n = 0;
                break;
            }
            after = id;
            if (app_event_visible(c, json_string_value(json_object_get(r, "type")),
                                  json_string_value(json_object_get(r, "orgs")),
                                  json_string_value(json_object_get(r, "ics")), vis))
                json_array_append(out, r);
            if ((int64_t)json_array_size(out) == limit) break;
        }
        json_decref(page);
        if (n == 0) break;
    }
    if (rc) {
        json_decref(out);
        return rc;
    }
    *rows = out;
    if (last) *last = newest;
    return 0;
}

const app_use APP_AUDIT_LIST = {"audit.list", ROLE_ADMIN, APP_SCOPE_ICS};

static const app_col audit_cols[] = {{"at", APP_COL_UTC}, {NULL, 0}};

static int audit_row(void *arg, store_stmt *row, ics_err *e)
{
    (void)e;
    app_page_item(arg, row);
    app_page_item_end(arg);
    return 0;
}

int app_audit_page(app_ctx *c, const char *object_type, const char *object_id, const char *actor,
                   int64_t limit, int64_t offset, int64_t after, const char *next_base, char **text,
                   size_t *len, ics_err *e)
{
    *text = NULL;
    *len = 0;
    int rc = app_allow(c, &APP_AUDIT_LIST, e);
    if (rc) return rc;
    assert(limit >= 1 && offset >= 0 && after >= 0);
    app_ics_set set;
    char list[APP_ICS_MAX * (STORE_ICS_CODE + 1) + 2];
    if ((rc = app_ics_resolve(c, &set, e))) return rc;
    app_ics_set_text(&set, list, sizeof list);
    app_page pg;
    app_page_init(&pg, audit_cols, limit);
    rc = store_audit_each(c->db, object_type, object_id, actor, list, limit, offset, after,
                          audit_row, &pg, e);
    if (rc) {
        app_page_free(&pg);
        return rc;
    }
    app_page_items_end(&pg);
    app_page_int(&pg, "limit", limit);
    app_page_int(&pg, "offset", offset);
    app_page_next(&pg, limit, next_base);
    *text = app_page_finish(&pg, len, e);
    return *text ? 0 : ICS_ENOMEM;
}

static void utc_keys(json_t *o, const char *keys)
{
    for (const char *p = keys; *p;) {
        size_t n = strcspn(p, ",");
        char k[64];
        assert(n > 0 && n < sizeof k);
        memcpy(k, p, n);
        k[n] = '\0';
        json_t *v = json_object_get(o, k);
        if (json_is_integer(v)) {
            char buf[32];
            tz_format_utc(json_integer_value(v), buf, sizeof buf);
            json_object_set_new(o, k, json_string(buf));
        }
        p += n;
        if (*p == ',') p++;
    }
}

json_t *app_json_utc(json_t *v, const char *keys)
{
    assert(keys);
    if (json_is_object(v)) utc_keys(v, keys);
    size_t i;
    json_t *o;
    if (json_is_array(v)) json_array_foreach(v, i, o) if (json_is_object(o)) utc_keys(o, keys);
    return v;
}

int app_db_ping(store *s, ics_err *e)
{
    return store_ping(s, e);
}
