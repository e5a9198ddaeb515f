/* http/jobs.h - answering a POST as a background job: `Prefer:
 * respond-async` (RFC 7240) asks for one; the answer is 202 Accepted with
 * Location: /api/v1/jobs/{id} (routes in h_jobs.c). */
#ifndef ICS_HTTP_JOBS_H
#define ICS_HTTP_JOBS_H

#include "app/jobs.h"
#include "http/http.h"

/* 1 when the request's Prefer header asks for respond-async. */
int http_prefers_async(http_req *rq);
/* Queue the request as a job of kind run as c's user: 202 + Location, or
 * the problem the checks found (403, 422) at once. */
int http_job_submit(http_req *rq, http_resp *rs, app_ctx *c, app_job_kind kind);

#endif
