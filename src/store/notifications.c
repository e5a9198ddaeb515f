/* notifications.c - SQL for the notification inbox (see notifications.h).
 * One text for both backends: no instr or length on parameters, and
 * ON CONFLICT DO NOTHING, which SQLite and PostgreSQL both read. */
#include "store/notifications.h"

#include <assert.h>
#include <string.h>

const store_migration store_schema_notifications[] = {
    {"notifications", 1,
     "CREATE TABLE notifications ("
     " id INTEGER PRIMARY KEY,"
     " user_name TEXT NOT NULL,"
     " kind TEXT NOT NULL,"
     " at INTEGER NOT NULL,"
     " event_id INTEGER NOT NULL,"
     " object_type TEXT,"
     " object_id TEXT NOT NULL,"
     " title TEXT NOT NULL,"
     " read_at INTEGER,"
     " UNIQUE (user_name, kind, object_id, event_id));"
     "CREATE INDEX notifications_user ON notifications (user_name, id);",
     NULL},
    {NULL, 0, NULL, NULL}};

int store_notify_users(store *s, const char *kind, int64_t at, int64_t event_id,
                       const char *object_type, const char *object_id, const char *title,
                       const char *const *roles, const char *org, ics_err *e)
{
    assert(roles && roles[0] && org);
    const char *r[5] = {0};
    for (int i = 0; i < 5 && roles[i]; i++) r[i] = roles[i];
    for (int i = 1; i < 5; i++)
        if (!r[i]) r[i] = r[0];
    /* a trust matches its sites by their first three characters */
    const char *trust = strlen(org) == 3 ? org : "#";
    json_t *p = json_pack("[sIIsssssssssss]", kind, (json_int_t)at, (json_int_t)event_id,
                          object_type ? object_type : "", object_id ? object_id : "", title, r[0],
                          r[1], r[2], r[3], r[4], org, org, trust);
    int rc = store_exec_params(
        s,
        "INSERT INTO notifications (user_name, kind, at, event_id, object_type, object_id, title)"
        " SELECT name, ?, ?, ?, ?, ?, ? FROM users"
        " WHERE revoked_at IS NULL AND role IN (?, ?, ?, ?, ?)"
        " AND (? = '' OR org_code = ? OR substr(org_code, 1, 3) = ?)"
        " ON CONFLICT DO NOTHING",
        p, e);
    json_decref(p);
    return rc;
}

int store_notify_user(store *s, const char *user, const char *kind, int64_t at, int64_t event_id,
                      const char *object_type, const char *object_id, const char *title, ics_err *e)
{
    json_t *p = json_pack("[ssIIsss]", user, kind, (json_int_t)at, (json_int_t)event_id,
                          object_type ? object_type : "", object_id ? object_id : "", title);
    int rc = store_exec_params(
        s,
        "INSERT INTO notifications (user_name, kind, at, event_id, object_type, object_id, title)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        p, e);
    json_decref(p);
    return rc;
}

int store_notifications_list(store *s, const char *user, int unread, int64_t limit, json_t **rows,
                             ics_err *e)
{
    json_t *p = json_pack("[sI]", user, (json_int_t)limit);
    int rc = store_query_json(s,
                              unread ? "SELECT id, kind, at, event_id, object_type, object_id,"
                                       " title, read_at FROM notifications"
                                       " WHERE user_name = ? AND read_at IS NULL"
                                       " ORDER BY id DESC LIMIT ?"
                                     : "SELECT id, kind, at, event_id, object_type, object_id,"
                                       " title, read_at FROM notifications WHERE user_name = ?"
                                       " ORDER BY id DESC LIMIT ?",
                              p, rows, e);
    json_decref(p);
    return rc;
}

int store_notifications_unread(store *s, const char *user, int64_t *n, ics_err *e)
{
    json_t *p = json_pack("[s]", user);
    int rc = store_query_int(
        s, "SELECT COUNT(*) FROM notifications WHERE user_name = ? AND read_at IS NULL", p, 0, n,
        e);
    json_decref(p);
    return rc;
}

int store_notification_read(store *s, const char *user, int64_t id, int64_t at, ics_err *e)
{
    json_t *p = json_pack("[Is]", (json_int_t)id, user);
    int64_t n = 0;
    int rc = store_query_int(s, "SELECT COUNT(*) FROM notifications WHERE id = ? AND user_name = ?",
                             p, 0, &n, e);
    json_decref(p);
    if (rc) return rc;
    if (!n) return ics_err_set(e, ICS_ENOTFOUND, "no notification %lld", (long long)id);
    p = json_pack("[IIs]", (json_int_t)at, (json_int_t)id, user);
    rc = store_exec_params(s,
                           "UPDATE notifications SET read_at = ?"
                           " WHERE id = ? AND user_name = ? AND read_at IS NULL",
                           p, e);
    json_decref(p);
    return rc;
}

int store_sitrep_missing(store *s, const char *org, const char *day, int *missing, ics_err *e)
{
    json_t *p = json_pack("[s]", org);
    int64_t provider = 0, sent = 0;
    int rc =
        store_query_int(s,
                        "SELECT COUNT(*) FROM organisations WHERE ods_code = ? AND kind IN"
                        " ('acute','specialist','community','mental_health','ambulance','nhs111')",
                        p, 0, &provider, e);
    json_decref(p);
    if (rc) return rc;
    p = json_pack("[ss]", org, day);
    rc =
        store_query_int(s, "SELECT COUNT(*) FROM sitrep_submissions WHERE org_code = ? AND day = ?",
                        p, 0, &sent, e);
    json_decref(p);
    if (!rc) *missing = provider > 0 && sent == 0;
    return rc;
}

int store_org_provider(store *s, const char *org, int *yes, ics_err *e)
{
    json_t *p = json_pack("[s]", org);
    int64_t n = 0;
    int rc =
        store_query_int(s,
                        "SELECT COUNT(*) FROM organisations WHERE ods_code = ? AND kind IN"
                        " ('acute','specialist','community','mental_health','ambulance','nhs111')",
                        p, 0, &n, e);
    json_decref(p);
    if (!rc) *yes = n > 0;
    return rc;
}
