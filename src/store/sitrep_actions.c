/* store/sitrep_actions.c - SQL for the OPEL escalation actions: the
 * definitions an ICS loads, the checklist of a day that opens when a level
 * is reached, and the notes on it. Which actions are due is decided by the
 * engine (src/sitrep/actions.c) and the use cases (src/app/sitrep_actions.c);
 * this file only reads and writes rows. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "store/sitrep.h"

#define ITEM_COLS                                                                                  \
    "a.id, a.ics_code, a.day, a.def_id, a.pillar, a.level, a.action, a.owner_role, a.owner_org,"   \
    " a.reason, a.opened_at, a.assignee, a.assigned_at, a.assigned_by, a.done_at, a.done_by,"      \
    " (SELECT COUNT(*) FROM sitrep_action_notes n WHERE n.action_id = a.id) AS notes"

int store_sitrep_action_defs_replace(store *s, const char *ics, const json_t *defs,
                                     const char *source, ics_err *e)
{
    assert(store_tx_depth(s) > 0); /* the whole set or none of it */
    json_t *p = json_pack("[s]", ics);
    int rc =
        store_exec_params(s, "UPDATE sitrep_action_defs SET active = 0 WHERE ics_code = ?", p, e);
    json_decref(p);
    size_t i;
    json_t *d;
    json_array_foreach(defs, i, d)
    {
        if (rc) break;
        p = json_pack("[sOOOOO?Is]", ics, json_object_get(d, "pillar"), json_object_get(d, "level"),
                      json_object_get(d, "action"), json_object_get(d, "owner_role"),
                      json_object_get(d, "owner_org"), (json_int_t)i, source);
        rc =
            p ? store_exec_params(s,
                                  "INSERT INTO sitrep_action_defs (ics_code, pillar, level, action,"
                                  " owner_role, owner_org, position, active, source)"
                                  " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
                                  p, e)
              : ics_err_set(e, ICS_EINTERNAL, "action definition %zu is incomplete", i);
        json_decref(p);
    }
    return rc;
}

int store_sitrep_action_defs(store *s, const char *ics, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[s]", ics);
    int rc = store_query_json(s,
                              "SELECT id, pillar, level, action, owner_role, owner_org, source"
                              " FROM sitrep_action_defs WHERE ics_code = ? AND active = 1"
                              " ORDER BY level, pillar, position",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_sitrep_action_open(store *s, const char *ics, const char *day, const json_t *def,
                             const char *reason, int64_t at, int64_t *id, ics_err *e)
{
    assert(id);
    *id = 0;
    json_t *p = json_pack("[ssOOOOOO?sI]", ics, day, json_object_get(def, "id"),
                          json_object_get(def, "pillar"), json_object_get(def, "level"),
                          json_object_get(def, "action"), json_object_get(def, "owner_role"),
                          json_object_get(def, "owner_org"), reason, (json_int_t)at);
    if (!p) return ics_err_set(e, ICS_EINTERNAL, "action definition is incomplete");
    json_t *row = NULL;
    int rc = store_query_one(s,
                             "INSERT INTO sitrep_actions (ics_code, day, def_id, pillar, level,"
                             " action, owner_role, owner_org, reason, opened_at)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                             " ON CONFLICT (ics_code, day, def_id) DO NOTHING RETURNING id",
                             p, &row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) { /* open already */
        if (e) memset(e, 0, sizeof *e);
        return 0;
    }
    if (rc) return rc;
    *id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    return 0;
}

int store_sitrep_actions_day(store *s, const char *ics, const char *day, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[ss]", ics, day);
    int rc = store_query_json(s,
                              "SELECT " ITEM_COLS " FROM sitrep_actions a"
                              " JOIN sitrep_action_defs d ON d.id = a.def_id"
                              " WHERE a.ics_code = ? AND a.day = ?"
                              " ORDER BY a.level DESC, a.pillar, d.position, a.id",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_sitrep_action_get(store *s, int64_t id, json_t **row, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc =
        store_query_one(s, "SELECT " ITEM_COLS " FROM sitrep_actions a WHERE a.id = ?", p, row, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, ICS_ENOTFOUND, "no action %lld", (long long)id);
    return rc;
}

int store_sitrep_action_assign(store *s, int64_t id, const char *assignee, const char *by,
                               int64_t at, ics_err *e)
{
    json_t *p = assignee ? json_pack("[sIsI]", assignee, (json_int_t)at, by, (json_int_t)id)
                         : json_pack("[nnnI]", (json_int_t)id);
    int rc = store_exec_params(s,
                               "UPDATE sitrep_actions SET assignee = ?, assigned_at = ?,"
                               " assigned_by = ? WHERE id = ?",
                               p, e);
    json_decref(p);
    return rc;
}

int store_sitrep_action_done(store *s, int64_t id, int done, const char *by, int64_t at, ics_err *e)
{
    json_t *p = done ? json_pack("[IsI]", (json_int_t)at, by, (json_int_t)id)
                     : json_pack("[nnI]", (json_int_t)id);
    int rc = store_exec_params(s, "UPDATE sitrep_actions SET done_at = ?, done_by = ? WHERE id = ?",
                               p, e);
    json_decref(p);
    return rc;
}

int store_sitrep_action_note(store *s, int64_t id, const char *by, int64_t at, const char *text,
                             int64_t *note_id, ics_err *e)
{
    json_t *p = json_pack("[IIss]", (json_int_t)id, (json_int_t)at, by, text), *row = NULL;
    int rc = store_query_one(s,
                             "INSERT INTO sitrep_action_notes (action_id, at, by_user, text)"
                             " VALUES (?, ?, ?, ?) RETURNING id",
                             p, &row, e);
    json_decref(p);
    if (rc) return rc;
    if (note_id) *note_id = json_integer_value(json_object_get(row, "id"));
    json_decref(row);
    return 0;
}

int store_sitrep_action_notes_day(store *s, const char *ics, const char *day, json_t **rows,
                                  ics_err *e)
{
    json_t *p = json_pack("[ss]", ics, day);
    int rc =
        store_query_json(s,
                         "SELECT n.id, n.action_id, n.at, n.by_user, n.text"
                         " FROM sitrep_action_notes n JOIN sitrep_actions a ON a.id = n.action_id"
                         " WHERE a.ics_code = ? AND a.day = ? ORDER BY n.id",
                         p, rows, e);
    json_decref(p);
    return rc;
}

int store_sitrep_action_notes(store *s, int64_t id, json_t **rows, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc = store_query_json(s,
                              "SELECT id, action_id, at, by_user, text FROM sitrep_action_notes"
                              " WHERE action_id = ? ORDER BY id",
                              p, rows, e);
    json_decref(p);
    return rc;
}
