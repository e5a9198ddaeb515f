/* app/ics.c - the ICS dimension of authorisation (which ICSs a caller may
 * see, which one a use case works in) and the ICS use cases. Every list,
 * roll-up and analysis asks app_ics_resolve or app_ics_one which ICS to
 * answer for, so the rule lives here once. */
#include "app/ics.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/problems.h"
#include "core/utf8.h"
#include "core/valid.h"

const app_use APP_ICS_READ = {"ics.read", ROLE_ANY, APP_SCOPE_ICS};
const app_use APP_ICS_GRANT = {"ics.grant", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_ICS_REVOKE = {"ics.revoke", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_ICS_SETTINGS = {"ics.settings", ROLE_ADMIN, APP_SCOPE_ICS};

int app_ics_set_has(const app_ics_set *s, const char *code)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->code[i], code) == 0) return 1;
    return 0;
}

void app_ics_set_text(const app_ics_set *s, char *buf, size_t n)
{
    assert(n >= 2);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->n; i++) {
        int w = snprintf(buf + used, n - used, "%s%s,", used ? "" : ",", s->code[i]);
        assert(w > 0 && (size_t)w < n - used); /* the caller gave room for every code */
        used += (size_t)w;
    }
}

static void set_add(app_ics_set *s, const char *code)
{
    if (!code || !*code || app_ics_set_has(s, code) || s->n == APP_ICS_MAX) return;
    snprintf(s->code[s->n++], STORE_ICS_CODE, "%s", code);
}

/* The deployment's administrators (no organisation) and the command line
 * see every ICS. */
static int sees_every_ics(const app_ctx *c)
{
    return (c->who.role_bit & ROLE_ADMIN) && (!c->who.org || !*c->who.org);
}

int app_ics_home(app_ctx *c, char out[STORE_ICS_CODE], ics_err *e)
{
    out[0] = '\0';
    if (c->who.org && *c->who.org) {
        int rc = store_ics_org_primary(c->db, c->who.org, out, e);
        if (rc) return rc;
    }
    if (!out[0]) snprintf(out, STORE_ICS_CODE, "%s", APP_ICS_DEFAULT);
    return 0;
}

int app_ics_visible(app_ctx *c, app_ics_set *out, ics_err *e)
{
    memset(out, 0, sizeof *out);
    int rc;
    if (sees_every_ics(c)) {
        json_t *rows = NULL;
        set_add(out, APP_ICS_DEFAULT);
        if ((rc = store_ics_list(c->db, &rows, e))) return rc;
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r) set_add(out, json_string_value(json_object_get(r, "code")));
        json_decref(rows);
        return 0;
    }
    /* One statement on every request that needs it (each route query
     * does): the home ICS (the organisation's primary, else the default),
     * the user's grants, and for organisation-bound roles every ICS their
     * organisation works in, whose organisation scope keeps them to its
     * own objects. */
    const char *org = c->who.org && *c->who.org ? c->who.org : NULL;
    char home[STORE_ICS_CODE], codes[2 * APP_ICS_MAX][STORE_ICS_CODE];
    int n = 0;
    rc = store_ics_visible_codes(c->db, c->who.name, org, app_sees_ics(c) ? NULL : org, home, codes,
                                 (int)(sizeof codes / sizeof codes[0]), &n, e);
    if (rc) return rc;
    set_add(out, home[0] ? home : APP_ICS_DEFAULT);
    for (int k = 0; k < n; k++) set_add(out, codes[k]);
    return 0;
}

int app_ics_visible_text(app_ctx *c, char *buf, size_t n, ics_err *e)
{
    assert(n >= 2);
    if (sees_every_ics(c)) {
        snprintf(buf, n, "*");
        return 0;
    }
    app_ics_set vis;
    int rc = app_ics_visible(c, &vis, e);
    if (!rc) app_ics_set_text(&vis, buf, n);
    return rc;
}

/* Check that code names an ICS the caller may see. */
static int check_visible(app_ctx *c, const char *code, const app_ics_set *vis, ics_err *e)
{
    if (valid_ods_code(code, NULL) || strlen(code) >= STORE_ICS_CODE)
        return ics_err_set(e, ICS_ENOTFOUND,
                           "no ICS '%s' (an ICS is named by its ODS code, e.g. QRV)", code);
    /* A visible code names an ICS: grants and memberships reference the ics
     * table, an organisation's primary ICS is written only once checked,
     * and the default home is created by the ics migration. Only a code
     * out of sight is looked up, to tell 404 from 403. */
    if (app_ics_set_has(vis, code)) return 0;
    int yes = 0, rc = store_ics_exists(c->db, code, &yes, e);
    if (rc) return rc;
    if (!yes) return ics_err_set(e, ICS_ENOTFOUND, "no ICS '%s'", code);
    return ics_err_set(e, ICS_EFORBID, "you may not see ICS '%s'", code);
}

int app_ics_resolve(app_ctx *c, app_ics_set *out, ics_err *e)
{
    app_ics_set vis;
    int rc = app_ics_visible(c, &vis, e);
    if (rc) return rc;
    memset(out, 0, sizeof *out);
    if (c->ics && strcmp(c->ics, "all") == 0) {
        *out = vis;
        return 0;
    }
    const char *want = c->ics && *c->ics ? c->ics : vis.code[0];
    assert(vis.n > 0);
    if ((rc = check_visible(c, want, &vis, e))) return rc;
    set_add(out, want);
    if (!c->ics_of[0]) app_ics_here(c, want);
    return 0;
}

int app_ics_one(app_ctx *c, char out[STORE_ICS_CODE], ics_err *e)
{
    if (c->ics && strcmp(c->ics, "all") == 0)
        return ics_err_set(e, ICS_EINVAL,
                           "ics=all is not possible here: this answer is for one ICS; name it");
    app_ics_set s;
    int rc = app_ics_resolve(c, &s, e);
    if (rc) return rc;
    assert(s.n == 1);
    snprintf(out, STORE_ICS_CODE, "%s", s.code[0]);
    return 0;
}

int app_ics_cross_allowed(app_ctx *c, const char *a, const char *b, int *yes, ics_err *e)
{
    *yes = 0;
    if (strcmp(a, b) == 0) {
        *yes = 1;
        return 0;
    }
    json_t *ra = NULL, *rb = NULL;
    int rc = store_ics_get(c->db, a, &ra, e);
    if (!rc) rc = store_ics_get(c->db, b, &rb, e);
    if (!rc)
        *yes = json_integer_value(json_object_get(ra, "cross_ics")) == 1 &&
               json_integer_value(json_object_get(rb, "cross_ics")) == 1;
    json_decref(ra);
    json_decref(rb);
    return rc;
}

int app_ics_list(app_ctx *c, json_t **rows, ics_err *e)
{
    int rc = app_allow(c, &APP_ICS_READ, e);
    if (rc) return rc;
    app_ics_set vis;
    json_t *all = NULL;
    if ((rc = app_ics_visible(c, &vis, e))) return rc;
    if ((rc = store_ics_list(c->db, &all, e))) return rc;
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(all, i, r)
    {
        const char *code = json_string_value(json_object_get(r, "code"));
        if (!app_ics_set_has(&vis, code)) continue;
        json_object_set_new(r, "cross_ics",
                            json_boolean(json_integer_value(json_object_get(r, "cross_ics"))));
        json_object_set_new(r, "home", json_boolean(strcmp(code, vis.code[0]) == 0));
        json_array_append(out, r);
    }
    json_decref(all);
    *rows = out;
    return 0;
}

/* One ICS with its places and organisations; out of sight is not found. */
static int load_one(app_ctx *c, const char *code, json_t **row, ics_err *e)
{
    app_ics_set vis;
    int rc = app_ics_visible(c, &vis, e);
    if (rc) return rc;
    if (!app_ics_set_has(&vis, code)) return ics_err_set(e, ICS_ENOTFOUND, "no ICS '%s'", code);
    json_t *places = NULL, *orgs = NULL;
    if ((rc = store_ics_get(c->db, code, row, e))) return rc;
    json_object_set_new(*row, "cross_ics",
                        json_boolean(json_integer_value(json_object_get(*row, "cross_ics"))));
    json_object_set_new(*row, "home", json_boolean(strcmp(code, vis.code[0]) == 0));
    rc = store_ics_places(c->db, code, &places, e);
    if (!rc) rc = store_ics_orgs(c->db, code, &orgs, e);
    if (rc) {
        json_decref(places);
        json_decref(*row);
        *row = NULL;
        return rc;
    }
    size_t i;
    json_t *o;
    json_array_foreach(orgs, i, o) json_object_set_new(
        o, "is_primary", json_boolean(json_integer_value(json_object_get(o, "is_primary"))));
    json_object_set_new(*row, "places", places);
    json_object_set_new(*row, "organisations", orgs);
    return 0;
}

int app_ics_get(app_ctx *c, const char *code, json_t **row, ics_err *e)
{
    int rc = app_allow(c, &APP_ICS_READ, e);
    if (rc) return rc;
    return load_one(c, code, row, e);
}

int app_ics_grant(app_ctx *c, const char *user, const char *code, int *added, ics_err *e)
{
    int rc = app_allow(c, &APP_ICS_GRANT, e);
    if (rc) return rc;
    if (!user || !*user) return ics_err_set(e, ICS_EINVAL, "name the user to grant the ICS to");
    json_t *row = NULL;
    /* an ICS's administrator grants only the ICSs they administer */
    if ((rc = load_one(c, code, &row, e))) return rc;
    json_decref(row);
    int active = 0;
    if ((rc = app_begin(c, e))) return rc;
    rc = store_ics_user_active(c->db, user, &active, e);
    if (!rc && !active) rc = ics_err_set(e, ICS_ENOTFOUND, "no active user '%s'", user);
    if (!rc) rc = store_ics_grant(c->db, user, code, c->who.name, c->now, added, e);
    app_ics_here(c, code);
    if (!rc && *added) {
        json_t *after = json_pack("{ssss}", "user", user, "ics", code);
        rc = app_record(c, &APP_ICS_GRANT, "user", user, NULL, after, "ics.granted", NULL,
                        json_pack("{ssss}", "user", user, "ics", code), e);
        json_decref(after);
    }
    return app_end(c, rc, e);
}

int app_ics_revoke(app_ctx *c, const char *user, const char *code, ics_err *e)
{
    int rc = app_allow(c, &APP_ICS_REVOKE, e);
    if (rc) return rc;
    if (!user || !*user) return ics_err_set(e, ICS_EINVAL, "name the user to take the ICS from");
    json_t *row = NULL;
    if ((rc = load_one(c, code, &row, e))) return rc;
    json_decref(row);
    int removed = 0;
    if ((rc = app_begin(c, e))) return rc;
    app_ics_here(c, code);
    rc = store_ics_ungrant(c->db, user, code, &removed, e);
    if (!rc && !removed)
        rc = ics_err_set(e, ICS_ENOTFOUND, "user '%s' holds no grant of ICS '%s'", user, code);
    if (!rc) {
        json_t *before = json_pack("{ssss}", "user", user, "ics", code);
        rc = app_record(c, &APP_ICS_REVOKE, "user", user, before, NULL, "ics.revoked", NULL,
                        json_pack("{ssss}", "user", user, "ics", code), e);
        json_decref(before);
    }
    return app_end(c, rc, e);
}

/* The out-of-hours text as a clinician will read it: one line of UTF-8
 * without control characters, at most APP_ICS_OOH_MAX characters. */
static void check_ooh(const char *t, problems *p)
{
    if (!utf8_valid(t)) {
        problems_add(p, "out_of_hours is not UTF-8 text");
        return;
    }
    size_t chars = 0;
    for (const unsigned char *u = (const unsigned char *)t; *u; u++) {
        if ((*u & 0xC0) != 0x80) chars++;
        if (*u < 0x20 || *u == 0x7F) {
            problems_add(p, "out_of_hours must be one line without control characters");
            return;
        }
    }
    if (chars > APP_ICS_OOH_MAX)
        problems_add(p, "out_of_hours is %zu characters long; at most %d", chars, APP_ICS_OOH_MAX);
}

int app_ics_settings(app_ctx *c, const char *code, const app_ics_settings_in *in, json_t **row,
                     ics_err *e)
{
    int rc = app_allow(c, &APP_ICS_SETTINGS, e);
    if (rc) return rc;
    problems p;
    problems_init(&p);
    if (in->cross_ics < 0 && !in->out_of_hours)
        problems_add(&p, "give cross_ics or out_of_hours (or both)");
    if (in->out_of_hours) check_ooh(in->out_of_hours, &p);
    if ((rc = problems_done(&p, e))) return rc;
    json_t *before = NULL;
    if ((rc = load_one(c, code, &before, e))) return rc;
    json_t *was = json_object(), *now = json_object();
    if (in->cross_ics >= 0) {
        json_object_set(was, "cross_ics", json_object_get(before, "cross_ics"));
        json_object_set_new(now, "cross_ics", json_boolean(in->cross_ics));
    }
    if (in->out_of_hours) {
        json_object_set(was, "out_of_hours", json_object_get(before, "out_of_hours"));
        json_object_set_new(now, "out_of_hours", json_string(in->out_of_hours));
    }
    json_decref(before);
    if ((rc = app_begin(c, e))) {
        json_decref(was);
        json_decref(now);
        return rc;
    }
    app_ics_here(c, code);
    if (in->cross_ics >= 0) rc = store_ics_set_cross(c->db, code, in->cross_ics ? 1 : 0, e);
    if (!rc && in->out_of_hours) rc = store_ics_set_out_of_hours(c->db, code, in->out_of_hours, e);
    if (!rc) {
        json_t *ev = json_deep_copy(now);
        json_object_set_new(ev, "ics", json_string(code));
        rc = app_record(c, &APP_ICS_SETTINGS, "ics", code, was, now, "ics.changed", NULL, ev, e);
    }
    json_decref(was);
    json_decref(now);
    if ((rc = app_end(c, rc, e))) return rc;
    return load_one(c, code, row, e);
}
