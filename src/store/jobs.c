/* store/jobs.c - SQL for background jobs: queue, claim, progress,
 * cancellation flag and the finished state (see src/app/jobs.c). A job is
 * claimed with one UPDATE so two workers never take the same job. */
#include "store/jobs.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const store_migration store_schema_jobs[] = {
    {"jobs", 1,
     "CREATE TABLE jobs ("
     " id INTEGER PRIMARY KEY,"
     " kind TEXT NOT NULL,"
     " owner TEXT NOT NULL,"
     " owner_role TEXT NOT NULL,"
     " owner_org TEXT NOT NULL DEFAULT '',"
     " state TEXT NOT NULL CHECK (state IN"
     " ('queued', 'running', 'done', 'failed', 'cancelled')),"
     " progress REAL NOT NULL DEFAULT 0,"
     " cancel INTEGER NOT NULL DEFAULT 0,"
     " request_json TEXT,"
     " result TEXT,"
     " error TEXT,"
     " created_at INTEGER NOT NULL,"
     " started_at INTEGER,"
     " finished_at INTEGER);"
     "CREATE INDEX jobs_state ON jobs(state, id);",
     NULL},
    /* the ICS the job was asked for (?ics=, --ics); '': the owner's home */
    {"jobs", 2, "ALTER TABLE jobs ADD COLUMN owner_ics TEXT NOT NULL DEFAULT '';", NULL},
    {NULL, 0, NULL, NULL}};

static const char cols[] = "SELECT id, kind, owner, owner_role, owner_org, owner_ics, state,"
                           " progress, cancel, result, error, created_at, started_at,"
                           " finished_at, request_json FROM jobs";

int store_job_insert(store *s, const char *kind, const char *owner, const char *owner_role,
                     const char *owner_org, const char *owner_ics, const json_t *request,
                     int64_t now, int64_t *id, ics_err *e)
{
    char *req = request ? json_dumps(request, JSON_COMPACT) : NULL;
    json_t *p = json_pack("[ssssssI]", kind, owner, owner_role, owner_org ? owner_org : "",
                          owner_ics ? owner_ics : "", req ? req : "{}", (json_int_t)now);
    free(req);
    int rc = store_query_int(s,
                             "INSERT INTO jobs (kind, owner, owner_role, owner_org, owner_ics,"
                             " state, request_json, created_at)"
                             " VALUES (?, ?, ?, ?, ?, 'queued', ?, ?) RETURNING id",
                             p, 0, id, e);
    json_decref(p);
    return rc;
}

int store_job_get(store *s, int64_t id, json_t **out, ics_err *e)
{
    char sql[400];
    snprintf(sql, sizeof sql, "%s WHERE id = ?", cols);
    json_t *p = json_pack("[I]", (json_int_t)id);
    int rc = store_query_one(s, sql, p, out, e);
    json_decref(p);
    if (rc == ICS_ENOTFOUND) return ics_err_set(e, rc, "no job %lld", (long long)id);
    return rc;
}

int store_job_claim(store *s, int64_t now, json_t **out, ics_err *e)
{
    *out = NULL;
    int rc = store_begin(s, e);
    if (rc) return rc;
    int64_t id = 0;
    rc = store_query_int(s, "SELECT COALESCE(MIN(id), 0) FROM jobs WHERE state = 'queued'", NULL, 0,
                         &id, e);
    if (!rc && id == 0) rc = ics_err_set(e, ICS_ENOTFOUND, "no queued job");
    if (!rc) {
        json_t *p = json_pack("[II]", (json_int_t)now, (json_int_t)id);
        rc = store_exec_params(s,
                               "UPDATE jobs SET state = 'running', started_at = ?"
                               " WHERE id = ? AND state = 'queued'",
                               p, e);
        json_decref(p);
    }
    if (!rc) rc = store_job_get(s, id, out, e);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

int store_job_progress(store *s, int64_t id, double progress, int *cancel, ics_err *e)
{
    json_t *p = json_pack("[fI]", progress, (json_int_t)id);
    int rc = store_exec_params(s, "UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running'",
                               p, e);
    json_decref(p);
    if (rc) return rc;
    p = json_pack("[I]", (json_int_t)id);
    int64_t c = 0;
    rc = store_query_int(s, "SELECT cancel FROM jobs WHERE id = ?", p, 0, &c, e);
    json_decref(p);
    if (rc) return rc;
    *cancel = c > 0;
    return 0;
}

int store_job_cancel(store *s, int64_t id, int64_t now, char state[16], ics_err *e)
{
    assert(store_tx_depth(s) > 0);
    json_t *row = NULL;
    int rc = store_job_get(s, id, &row, e);
    if (rc) return rc;
    snprintf(state, 16, "%s", json_string_value(json_object_get(row, "state")));
    json_decref(row);
    json_t *p = json_pack("[II]", (json_int_t)now, (json_int_t)id);
    if (!strcmp(state, "queued")) {
        rc = store_exec_params(s,
                               "UPDATE jobs SET state = 'cancelled', cancel = 1, finished_at = ?,"
                               " error = 'cancelled before it started' WHERE id = ?",
                               p, e);
        snprintf(state, 16, "cancelled");
    } else if (!strcmp(state, "running")) {
        rc = store_exec_params(s, "UPDATE jobs SET cancel = 1 WHERE ? > 0 AND id = ?", p, e);
    }
    json_decref(p);
    return rc;
}

int store_job_finish(store *s, int64_t id, const char *state, const char *result, const char *error,
                     int64_t now, ics_err *e)
{
    assert(!strcmp(state, "done") || !strcmp(state, "failed") || !strcmp(state, "cancelled"));
    json_t *p =
        json_pack("[ss?s?IsI]", state, result, error, (json_int_t)now, state, (json_int_t)id);
    int rc = store_exec_params(s,
                               "UPDATE jobs SET state = ?, result = ?, error = ?, finished_at = ?,"
                               " progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END"
                               " WHERE id = ?",
                               p, e);
    json_decref(p);
    return rc;
}

int store_jobs_fail_unfinished(store *s, const char *error, int64_t now, int64_t *ids, int max,
                               int *n, ics_err *e)
{
    assert(store_tx_depth(s) > 0);
    *n = 0;
    json_t *rows = NULL;
    int rc = store_query_json(s, "SELECT id FROM jobs WHERE state IN ('queued', 'running')", NULL,
                              &rows, e);
    if (rc) return rc;
    size_t i;
    json_t *v;
    json_array_foreach(rows, i, v) if (*n < max) ids[(*n)++] =
        json_integer_value(json_object_get(v, "id"));
    json_decref(rows);
    json_t *p = json_pack("[sI]", error, (json_int_t)now);
    rc = store_exec_params(s,
                           "UPDATE jobs SET state = 'failed', error = ?, finished_at = ?"
                           " WHERE state IN ('queued', 'running')",
                           p, e);
    json_decref(p);
    return rc;
}

int store_jobs_count(store *s, json_t **out, ics_err *e)
{
    json_t *rows = NULL;
    int rc =
        store_query_json(s, "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state", NULL, &rows, e);
    if (rc) return rc;
    *out = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "state"));
        if (st) json_object_set(*out, st, json_object_get(r, "n"));
    }
    json_decref(rows);
    return 0;
}
