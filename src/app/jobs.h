/* app/jobs.h - background jobs: a long bed review or allocation asked for
 * through the API with `Prefer: respond-async` is checked at once (role,
 * body, limits: 403/422 as for a direct run), stored as a queued job owned
 * by the caller, and run by a small pool of worker threads in the server
 * process as that caller (the same audit records as a direct run). */
#ifndef ICS_APP_JOBS_H
#define ICS_APP_JOBS_H

#include <jansson.h>

#include "app/app.h"

typedef enum { APP_JOB_SIM_RUN = 0, APP_JOB_WAITLIST_ALLOCATE = 1 } app_job_kind;

extern const app_use APP_JOB_READ;   /* "job.read": the owner (and admins) */
extern const app_use APP_JOB_CANCEL; /* "job.cancel" */

/* Check the request as the use case behind kind would, then queue it: one
 * audit record ("job.submit") and one `job.submitted` event. *job: the
 * job as app_job_get shows it. */
int app_job_submit(app_ctx *c, app_job_kind kind, const json_t *body, json_t **job, ics_err *e);
/* {id, kind, state, progress, result, error, created_at, started_at,
 * finished_at, links}: state is queued, running, done, failed or
 * cancelled; result links to the stored run when done. Another user's
 * job is ICS_ENOTFOUND (404), as if it did not exist. */
int app_job_get(app_ctx *c, int64_t id, json_t **out, ics_err *e);
/* Cancel: a queued job is cancelled at once (`job.finished`); a running
 * one is flagged (`job.cancel_requested`) and its result discarded when
 * the engine returns. ICS_ECONFLICT for a finished job. *running: 1 when
 * the job was still running. */
int app_job_cancel(app_ctx *c, int64_t id, json_t **out, int *running, ics_err *e);

/* Start the worker pool on the database at db_path: jobs a previous
 * server left queued or running become "failed: server restarted" (each
 * with its `job.finished` event), then workers threads take queued jobs
 * oldest first. */
int app_jobs_start(const char *db_path, int workers, ics_err *e);
/* Stop the pool: running jobs finish first. */
void app_jobs_stop(void);

#endif
