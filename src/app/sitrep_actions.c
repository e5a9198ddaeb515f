/* sitrep_actions.c - the use cases of OPEL escalation actions: an ICS loads
 * its actions as data (pillar, level, what to do, the owning role and
 * optionally organisation); when a sitrep takes a pillar, or the ICS as a
 * whole, to a level, that level's actions open on the day's checklist (in
 * the submission's transaction); people assign, tick and annotate them,
 * each step time-stamped, audited and announced as a change event, which
 * notifies the people concerned (src/app/notify.c). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ics.h"
#include "app/sitrep.h"
#include "core/problems.h"
#include "core/tz.h"
#include "store/sitrep.h"
#include "store/tokens.h"
#include "store/users.h"

const app_use APP_SITREP_ACTIONS_LIST = {"sitrep.actions.list", ROLE_ANY, APP_SCOPE_NONE};
const app_use APP_SITREP_ACTIONS_LOAD = {"sitrep.actions.load", ROLE_ADMIN, APP_SCOPE_ICS};
/* Any role may reach these; the use case lets through coordinators, admins
 * and people of the action's owning role (and organisation, when it has one). */
const app_use APP_SITREP_ACTION_ASSIGN = {"sitrep.action.assign", ROLE_ANY, APP_SCOPE_PARTY};
const app_use APP_SITREP_ACTION_DONE = {"sitrep.action.done", ROLE_ANY, APP_SCOPE_PARTY};
const app_use APP_SITREP_ACTION_NOTE = {"sitrep.action.note", ROLE_ANY, APP_SCOPE_PARTY};

#define ITEM_TIMES "opened_at,assigned_at,done_at"

/* ---- who may act on an item --------------------------------------------- */

/* Coordinators and admins act on any action; anyone else on actions of
 * their role, and of their organisation (or one of its sites) when the
 * action names one. */
static int may_act(const char *role, const char *org, const json_t *item)
{
    if (!strcmp(role, "admin") || !strcmp(role, "coordinator")) return 1;
    const char *owner = json_string_value(json_object_get(item, "owner_role"));
    const char *oorg = json_string_value(json_object_get(item, "owner_org"));
    if (!owner || strcmp(owner, role) != 0) return 0;
    return !oorg || !oorg[0] || (org && app_org_matches(org, oorg));
}

static void owner_text(const json_t *item, char *buf, size_t n)
{
    const char *oorg = json_string_value(json_object_get(item, "owner_org"));
    snprintf(buf, n, "%s%s%s", json_string_value(json_object_get(item, "owner_role")),
             oorg && oorg[0] ? " of " : "", oorg && oorg[0] ? oorg : "");
}

/* ---- opening the actions a level calls for -------------------------------- */

static int framework_max(const json_t *view, int pillar)
{
    const json_t *fp = json_object_get(json_object_get(view, "ics"), "framework_pillars");
    return (int)json_integer_value(
        json_object_get(json_object_get(fp, sitrep_pillar_name(pillar)), "highest"));
}

int app_sitrep_actions_open(app_ctx *c, const char *ics, const char *day, const json_t *view,
                            ics_err *e)
{
    assert(c && ics && day && view);
    json_t *defs = NULL;
    int rc = store_sitrep_action_defs(c->db, ics, &defs, e);
    if (rc) return rc;
    int pmax[SITREP_NPILLARS];
    for (int p = 0; p < SITREP_NPILLARS; p++) pmax[p] = framework_max(view, p);
    int icsl = (int)json_integer_value(json_object_get(json_object_get(view, "ics"), "level"));
    size_t i;
    json_t *d;
    json_array_foreach(defs, i, d)
    {
        int pillar = sitrep_action_pillar_find(json_string_value(json_object_get(d, "pillar")));
        int level = (int)json_integer_value(json_object_get(d, "level"));
        if (!sitrep_action_due(pillar, level, pmax, icsl)) continue;
        char reason[120];
        if (pillar != SITREP_PILLAR_ICS && pmax[pillar] >= level)
            snprintf(reason, sizeof reason, "a provider in the %s pillar is at OPEL %d",
                     pillar == SITREP_PILLAR_NHS111 ? "NHS 111" : sitrep_pillar_name(pillar),
                     pmax[pillar]);
        else
            snprintf(reason, sizeof reason, "the ICS is at OPEL %d", icsl);
        int64_t id = 0;
        if ((rc = store_sitrep_action_open(c->db, ics, day, d, reason, c->now, &id, e))) break;
        if (!id) continue; /* open already today */
        char ids[24];
        snprintf(ids, sizeof ids, "%lld", (long long)id);
        rc = app_emit(c, "action.opened", "sitrep_action", ids, NULL,
                      json_pack("{sIsssOsOsOsOsO?ss}", "id", (json_int_t)id, "day", day, "pillar",
                                json_object_get(d, "pillar"), "level", json_object_get(d, "level"),
                                "action", json_object_get(d, "action"), "owner_role",
                                json_object_get(d, "owner_role"), "owner_org",
                                json_object_get(d, "owner_org"), "reason", reason),
                      e);
        if (rc) break;
    }
    json_decref(defs);
    return rc;
}

/* ---- loading the definitions ------------------------------------------------ */

/* Rows of an actions CSV (columns ics, pillar, level, action, owner_role,
 * owner_org; others such as source ignored) as definitions, every problem
 * named by line; every row names the same ICS, one the deployment holds,
 * which goes to ics. */
static int defs_from_csv(store *s, const csv_doc *doc, char ics[STORE_ICS_CODE], json_t **out,
                         ics_err *e)
{
    static const char *const cols[] = {"ics",        "pillar",    "level", "action",
                                       "owner_role", "owner_org", NULL};
    int ci[6];
    *out = NULL;
    if (csv_columns(doc, cols, ci, 0, e)) return ICS_EINVAL;
    problems pb;
    problems_init(&pb);
    json_t *defs = json_array();
    snprintf(ics, STORE_ICS_CODE, "%s", doc->nrows ? doc->rows[0][ci[0]] : "");
    json_t *known = NULL;
    ics_err ke = {0};
    if (ics[0] && store_ics_get(s, ics, &known, &ke))
        problems_add(&pb, "line %zu: %s", doc->line[0], ke.msg);
    json_decref(known);
    for (size_t r = 0; r < doc->nrows; r++) {
        const char *const *row = (const char *const *)doc->rows[r];
        size_t line = doc->line[r];
        char *end;
        long long level = strtoll(row[ci[2]], &end, 10);
        if (!row[ci[2]][0] || *end) level = 0;
        ics_err ve = {0};
        if (sitrep_action_check(row[ci[1]], level, row[ci[3]], users_role_bit(row[ci[4]]) != 0,
                                &ve))
            problems_add(&pb, "line %zu: %s", line, ve.msg);
        if (strcmp(row[ci[0]], ics) != 0)
            problems_add(&pb, "line %zu: ics '%s' differs from line %zu's '%s' (one ICS a file)",
                         line, row[ci[0]], doc->line[0], ics);
        const char *oorg = row[ci[5]];
        if (oorg[0]) {
            int yes = 0;
            ics_err oe = {0};
            if (store_org_exists(s, oorg, &yes, &oe)) {
                problems_add(&pb, "line %zu: %s", line, oe.msg);
            } else if (!yes) {
                /* a site of a trust is fine too */
                store_sitrep_provider pv;
                if (store_sitrep_provider_find(s, oorg, &pv, &oe))
                    problems_add(&pb, "line %zu: owner_org '%s' is not in the directory", line,
                                 oorg);
            }
        }
        json_array_append_new(defs, json_pack("{sssIssssso}", "pillar", row[ci[1]], "level",
                                              (json_int_t)level, "action", row[ci[3]], "owner_role",
                                              row[ci[4]], "owner_org",
                                              oorg[0] ? json_string(oorg) : json_null()));
    }
    if (!doc->nrows) problems_add(&pb, "%s has no actions", doc->name);
    int rc = problems_done(&pb, e);
    if (rc) {
        ics_err_prefix(e, "%s: ", doc->name);
        json_decref(defs);
        return rc;
    }
    *out = defs;
    return 0;
}

/* Replace the set and open today's actions that are due under it. */
static int load_defs(app_ctx *c, const csv_doc *doc, const char *source, int *count, ics_err *e)
{
    char ics[STORE_ICS_CODE], day[16];
    int rc;
    int64_t today = tz_local_date(c->now);
    tz_format_date(today, day, sizeof day);
    json_t *defs = NULL, *view = NULL;
    if ((rc = defs_from_csv(c->db, doc, ics, &defs, e))) return rc;
    if ((rc = app_begin(c, e))) {
        json_decref(defs);
        return rc;
    }
    rc = store_sitrep_action_defs_replace(c->db, ics, defs, source, e);
    if (!rc) rc = app_sitrep_today(c, today, &view, e);
    if (!rc) rc = app_sitrep_actions_open(c, ics, day, view, e);
    if (!rc) {
        json_t *after = json_pack("{sssssi}", "ics", ics, "source", source, "actions",
                                  (int)json_array_size(defs));
        rc = app_record(c, &APP_SITREP_ACTIONS_LOAD, "sitrep_actions", ics, NULL, after,
                        "sitrep.actions_loaded", NULL,
                        json_pack("{sssi}", "ics", ics, "actions", (int)json_array_size(defs)), e);
        json_decref(after);
    }
    rc = app_end(c, rc, e);
    if (!rc && count) *count = (int)json_array_size(defs);
    json_decref(defs);
    json_decref(view);
    return rc;
}

int app_sitrep_actions_load_csv(app_ctx *c, const char *path, const char *source, int *count,
                                ics_err *e)
{
    assert(c && path);
    int rc = app_allow(c, &APP_SITREP_ACTIONS_LOAD, e);
    if (rc) return rc;
    csv_doc *doc = NULL;
    if ((rc = csv_read_file(path, &doc, e))) return rc;
    rc = load_defs(c, doc, source && source[0] ? source : path, count, e);
    csv_free(doc);
    return rc;
}

int app_sitrep_actions_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/opel_actions.csv", data_dir);
    csv_doc *doc = NULL;
    ics_err ignore = {0};
    if (csv_read_file(path, &doc, &ignore)) return 0; /* an ICS without actions yet */
    int rc = load_defs(c, doc, "data/opel_actions.csv (illustrative default)", NULL, e);
    csv_free(doc);
    return rc;
}

/* ---- the checklist ------------------------------------------------------------ */

static json_t *with_notes(json_t *item, json_t *notes)
{
    json_t *mine = json_array();
    size_t i;
    json_t *n;
    json_array_foreach(notes, i, n)
    {
        if (json_integer_value(json_object_get(n, "action_id")) ==
            json_integer_value(json_object_get(item, "id")))
            json_array_append(mine, n);
    }
    app_json_utc(mine, "at");
    json_object_set_new(item, "notes", mine);
    return item;
}

int app_sitrep_actions_list(app_ctx *c, int64_t day, json_t **out, ics_err *e)
{
    assert(c && out);
    *out = NULL;
    int rc = app_allow(c, &APP_SITREP_ACTIONS_LIST, e);
    if (rc) return rc;
    char ics[STORE_ICS_CODE], d[16];
    if ((rc = app_ics_one(c, ics, e))) return rc;
    tz_format_date(day, d, sizeof d);
    json_t *items = NULL, *notes = NULL, *defs = NULL;
    rc = store_sitrep_actions_day(c->db, ics, d, &items, e);
    if (!rc) rc = store_sitrep_action_notes_day(c->db, ics, d, &notes, e);
    if (!rc) rc = store_sitrep_action_defs(c->db, ics, &defs, e);
    if (rc) {
        json_decref(items);
        json_decref(notes);
        return rc;
    }
    int done = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        with_notes(it, notes);
        json_object_set_new(it, "may_act", json_boolean(may_act(c->who.role, c->who.org, it)));
        done += !json_is_null(json_object_get(it, "done_at"));
    }
    app_json_utc(items, ITEM_TIMES);
    json_t *src = json_array_size(defs) ? json_object_get(json_array_get(defs, 0), "source") : NULL;
    *out = json_pack("{sssssisisisO?so}", "day", d, "ics", ics, "definitions",
                     (int)json_array_size(defs), "open", (int)json_array_size(items) - done, "done",
                     done, "source", src, "items", items);
    json_decref(notes);
    json_decref(defs);
    return *out ? 0 : ics_err_set(e, ICS_EINTERNAL, "could not build the checklist");
}

/* ---- assign, tick, note ---------------------------------------------------------- */

enum { STEP_ASSIGN, STEP_DONE, STEP_NOTE };

/* The body of a step: {"to"?} to assign (default: the caller), {"done"?}
 * (default true) to tick or untick, {"text"} for a note. */
static int parse_step(const json_t *body, int step, const char **to, int *done, const char **text,
                      ics_err *e)
{
    if (body && !json_is_object(body))
        return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object");
    static const char *const known[3][2] = {{"to", NULL}, {"done", NULL}, {"text", NULL}};
    problems pb;
    problems_init(&pb);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)body, k, v)
    {
        if (strcmp(k, known[step][0]) != 0) problems_add(&pb, "unknown field '%s'", k);
    }
    json_t *x = body ? json_object_get(body, known[step][0]) : NULL;
    if (step == STEP_ASSIGN && x) {
        if (!json_is_string(x) || !json_string_length(x) || json_string_length(x) > 64)
            problems_add(&pb, "'to' must be a user name of 1 to 64 characters");
        else
            *to = json_string_value(x);
    }
    if (step == STEP_DONE && x) {
        if (!json_is_boolean(x))
            problems_add(&pb, "'done' must be true or false");
        else
            *done = json_is_true(x);
    }
    if (step == STEP_NOTE) {
        size_t n = json_is_string(x) ? json_string_length(x) : 0;
        const char *t = json_string_value(x);
        int ctl = 0;
        for (size_t i = 0; t && i < n; i++)
            ctl |= ((unsigned char)t[i] < 0x20 && t[i] != '\n' && t[i] != '\t') || t[i] == 0x7f;
        if (!json_is_string(x))
            problems_add(&pb, "'text' is required: the note, 1 to %d bytes", SITREP_NOTE_MAX);
        else if (n == 0 || n > SITREP_NOTE_MAX)
            problems_add(&pb, "'text' must be 1 to %d bytes, not %zu", SITREP_NOTE_MAX, n);
        else if (ctl)
            problems_add(&pb, "'text' holds a control character");
        else
            *text = t;
    }
    return problems_done(&pb, e);
}

static int step(app_ctx *c, const app_use *u, int kind, int64_t id, const json_t *body,
                json_t **out, ics_err *e)
{
    assert(c && out);
    *out = NULL;
    int rc = app_allow(c, u, e);
    if (rc) return rc;
    const char *to = NULL, *text = NULL;
    int done = 1;
    if ((rc = parse_step(body, kind, &to, &done, &text, e))) return rc;
    json_t *before = NULL, *notes = NULL;
    if ((rc = store_sitrep_action_get(c->db, id, &before, e))) return rc;
    app_ics_set mine;
    if ((rc = app_ics_visible(c, &mine, e)) ||
        !app_ics_set_has(&mine, json_string_value(json_object_get(before, "ics_code")))) {
        json_decref(before);
        return rc ? rc : ics_err_set(e, ICS_ENOTFOUND, "no action %lld", (long long)id);
    }
    char owner[80];
    owner_text(before, owner, sizeof owner);
    if (!may_act(c->who.role, c->who.org, before)) {
        json_decref(before);
        return ics_err_set(e, ICS_EFORBID,
                           "action %lld belongs to %s: only they, coordinators and admins may "
                           "act on it",
                           (long long)id, owner);
    }
    /* the assignee: the caller, or a user who may own the action */
    auth_user target = {0};
    if (kind == STEP_ASSIGN && to && strcmp(to, c->who.name) != 0) {
        ics_err ue = {0};
        int urc = store_user_active(c->db, to, &target, &ue);
        if (urc) {
            json_decref(before);
            if (urc != ICS_ENOTFOUND) {
                if (e) *e = ue;
                return urc;
            }
            return ics_err_set(e, ICS_EINVAL, "'to': there is no active user '%s'", to);
        }
        if (!may_act(target.role, target.org, before)) {
            json_decref(before);
            return ics_err_set(
                e, ICS_EINVAL, "'to': %s (%s%s%s) may not own action %lld, which belongs to %s", to,
                target.role, target.org[0] ? " of " : "", target.org, (long long)id, owner);
        }
    }
    if (kind == STEP_ASSIGN && !to) to = c->who.name;
    const char *cur = json_string_value(json_object_get(before, "assignee"));
    int is_done = !json_is_null(json_object_get(before, "done_at"));
    const char *ev = kind == STEP_ASSIGN ? "action.assigned"
                     : kind == STEP_NOTE ? "action.noted"
                     : done              ? "action.done"
                                         : "action.reopened";
    if (kind == STEP_ASSIGN && cur && !strcmp(cur, to))
        rc = ics_err_set(e, ICS_ECONFLICT, "action %lld is already assigned to %s", (long long)id,
                         to);
    else if (kind == STEP_DONE && is_done == done)
        rc = ics_err_set(e, ICS_ECONFLICT, "action %lld is %s already", (long long)id,
                         done ? "done" : "not done");
    if (rc) {
        json_decref(before);
        return rc;
    }
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    if ((rc = app_begin(c, e))) {
        json_decref(before);
        return rc;
    }
    int64_t note_id = 0;
    if (kind == STEP_ASSIGN)
        rc = store_sitrep_action_assign(c->db, id, to, c->who.name, c->now, e);
    else if (kind == STEP_DONE)
        rc = store_sitrep_action_done(c->db, id, done, c->who.name, c->now, e);
    else
        rc = store_sitrep_action_note(c->db, id, c->who.name, c->now, text, &note_id, e);
    if (!rc) rc = store_sitrep_action_get(c->db, id, out, e);
    if (!rc) rc = store_sitrep_action_notes(c->db, id, &notes, e);
    if (!rc) {
        app_json_utc(before, ITEM_TIMES);
        app_json_utc(*out, ITEM_TIMES);
        json_t *assignee = json_object_get(*out, "assignee");
        json_t *payload = json_pack(
            "{sIsOsOsOsOsOsO?sO?ss}", "id", (json_int_t)id, "day", json_object_get(*out, "day"),
            "pillar", json_object_get(*out, "pillar"), "level", json_object_get(*out, "level"),
            "action", json_object_get(*out, "action"), "owner_role",
            json_object_get(*out, "owner_role"), "owner_org", json_object_get(*out, "owner_org"),
            "assignee", assignee, "by", c->who.name);
        if (kind == STEP_NOTE) json_object_set_new(payload, "note", json_string(text));
        json_t *after = json_deep_copy(*out);
        if (kind == STEP_NOTE) json_object_set_new(after, "note", json_string(text));
        rc = app_record(c, u, "sitrep_action", ids, before, after, ev, NULL, payload, e);
        json_decref(after);
    }
    rc = app_end(c, rc, e);
    json_decref(before);
    if (rc) {
        json_decref(*out);
        json_decref(notes);
        *out = NULL;
        return rc;
    }
    app_json_utc(notes, "at");
    json_object_set_new(*out, "notes", notes);
    json_object_set_new(*out, "may_act", json_true());
    return 0;
}

int app_sitrep_action_assign(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return step(c, &APP_SITREP_ACTION_ASSIGN, STEP_ASSIGN, id, body, out, e);
}

int app_sitrep_action_done(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return step(c, &APP_SITREP_ACTION_DONE, STEP_DONE, id, body, out, e);
}

int app_sitrep_action_note(app_ctx *c, int64_t id, const json_t *body, json_t **out, ics_err *e)
{
    return step(c, &APP_SITREP_ACTION_NOTE, STEP_NOTE, id, body, out, e);
}
