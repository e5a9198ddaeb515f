/* h_jobs.c - /api/v1/jobs/{id}: a background job's state, progress and
 * result link (GET), and cancelling it (DELETE); and the 202 answer the
 * simulation and allocation routes give when asked to run asynchronously.
 * Only the job's owner (and administrators) see it: others get 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/jobs.h"

int http_prefers_async(http_req *rq)
{
    const char *p = http_header(rq, "Prefer");
    return p && strstr(p, "respond-async") != NULL;
}

int http_job_submit(http_req *rq, http_resp *rs, app_ctx *c, app_job_kind kind)
{
    ics_err e = {0};
    json_t *job = NULL;
    if (app_job_submit(c, kind, rq->json, &job, &e)) return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/jobs/%lld",
             (long long)json_integer_value(json_object_get(job, "id")));
    return http_json(rs, 202, job);
}

static int parse_id(http_req *rq, int64_t *id, ics_err *e)
{
    char *end;
    long long v = strtoll(rq->params[0], &end, 10);
    if (!*rq->params[0] || *end || v < 1)
        return ics_err_set(e, ICS_ENOTFOUND, "no job '%s'", rq->params[0]);
    *id = v;
    return 0;
}

static int job_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *job;
    app_ctx c = http_app(rq);
    if (parse_id(rq, &id, &e) || app_job_get(&c, id, &job, &e)) return http_error(rs, &e);
    return http_json(rs, 200, job);
}

static int job_cancel(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id;
    json_t *job;
    int running = 0;
    app_ctx c = http_app(rq);
    if (parse_id(rq, &id, &e) || app_job_cancel(&c, id, &job, &running, &e))
        return http_error(rs, &e);
    return http_json(rs, running ? 202 : 200, job);
}

const http_route http_routes_jobs[] = {
    {"GET", "/api/v1/jobs/{id}", 0, job_get, "A background job's state, progress and result",
     &APP_JOB_READ},
    {"DELETE", "/api/v1/jobs/{id}", 0, job_cancel, "Cancel a background job", &APP_JOB_CANCEL},
    {NULL, NULL, 0, NULL, NULL, NULL}};
