/* store/oidc.c - SQL for back-channel logout (see oidc.h): a table mapping
 * session tokens to the identity provider's subject and session, and one
 * of logout token ids seen, kept until the token would have expired. */
#include "store/oidc.h"

#include <assert.h>
#include <stdio.h>

const store_migration store_schema_oidc[] = {
    {"oidc", 1,
     "CREATE TABLE oidc_sessions ("
     " token_id INTEGER NOT NULL UNIQUE REFERENCES tokens(id),"
     " sub TEXT NOT NULL,"
     " sid TEXT);"
     "CREATE INDEX oidc_sessions_sub ON oidc_sessions(sub);"
     "CREATE INDEX oidc_sessions_sid ON oidc_sessions(sid);"
     "CREATE TABLE oidc_logout_jtis ("
     " jti TEXT PRIMARY KEY,"
     " expires_at INTEGER NOT NULL);",
     NULL},
    {NULL, 0, NULL, NULL}};

int store_oidc_session_put(store *s, int64_t token_id, const char *sub, const char *sid, ics_err *e)
{
    assert(sub && *sub);
    json_t *p = json_pack("[Iss?]", (json_int_t)token_id, sub, sid);
    int rc = store_exec_params(s, "INSERT INTO oidc_sessions (token_id, sub, sid) VALUES (?, ?, ?)",
                               p, e);
    json_decref(p);
    return rc;
}

int store_oidc_sessions_find(store *s, const char *sub, const char *sid, json_t **rows, ics_err *e)
{
    assert((sub && *sub) || (sid && *sid));
    static const char head[] = "SELECT o.token_id AS token_id, t.user_id AS user_id,"
                               " u.name AS user_name FROM oidc_sessions o"
                               " JOIN tokens t ON t.id = o.token_id"
                               " JOIN users u ON u.id = t.user_id"
                               " WHERE t.revoked_at IS NULL AND ";
    char sql[sizeof head + 64];
    json_t *p;
    if (sid && *sid && sub && *sub) {
        snprintf(sql, sizeof sql, "%s%s", head, "o.sid = ? AND o.sub = ? ORDER BY o.token_id");
        p = json_pack("[ss]", sid, sub);
    } else if (sid && *sid) {
        snprintf(sql, sizeof sql, "%s%s", head, "o.sid = ? ORDER BY o.token_id");
        p = json_pack("[s]", sid);
    } else {
        snprintf(sql, sizeof sql, "%s%s", head, "o.sub = ? ORDER BY o.token_id");
        p = json_pack("[s]", sub);
    }
    int rc = store_query_json(s, sql, p, rows, e);
    json_decref(p);
    return rc;
}

int store_oidc_jti_use(store *s, const char *jti, int64_t expires, int64_t now, ics_err *e)
{
    json_t *p = json_pack("[I]", (json_int_t)now);
    int rc = store_exec_params(s, "DELETE FROM oidc_logout_jtis WHERE expires_at < ?", p, e);
    json_decref(p);
    if (rc) return rc;
    int64_t seen = 0;
    p = json_pack("[s]", jti);
    rc = store_query_int(s, "SELECT COUNT(*) FROM oidc_logout_jtis WHERE jti = ?", p, 0, &seen, e);
    json_decref(p);
    if (rc) return rc;
    if (seen) return 0;
    p = json_pack("[sI]", jti, (json_int_t)expires);
    rc = store_exec_params(s, "INSERT INTO oidc_logout_jtis (jti, expires_at) VALUES (?, ?)", p, e);
    json_decref(p);
    return rc ? rc : 1;
}
