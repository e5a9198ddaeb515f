/* store/jobs.h - background jobs (long simulations and allocations run on
 * the server's worker pool): one row per job with its owner, kind, state,
 * progress, result link and error (SQL only; src/app/jobs.c runs them). */
#ifndef ICS_STORE_JOBS_H
#define ICS_STORE_JOBS_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* A new queued job; *id its id. owner_* say who it runs as (owner_ics:
 * the ICS it was asked for, NULL or "" the owner's home ICS). */
int store_job_insert(store *s, const char *kind, const char *owner, const char *owner_role,
                     const char *owner_org, const char *owner_ics, const json_t *request,
                     int64_t now, int64_t *id, ics_err *e);
/* {id, kind, owner, owner_role, owner_org, owner_ics, state, progress, result, error,
 * cancel, created_at, started_at, finished_at, request}; ICS_ENOTFOUND. */
int store_job_get(store *s, int64_t id, json_t **out, ics_err *e);
/* Mark the oldest queued job running and return it (as store_job_get);
 * ICS_ENOTFOUND when none is queued. */
int store_job_claim(store *s, int64_t now, json_t **out, ics_err *e);
/* Record progress (0-1) of a running job; *cancel: cancellation asked. */
int store_job_progress(store *s, int64_t id, double progress, int *cancel, ics_err *e);
/* Cancel: a queued job becomes cancelled at once (*state "cancelled"); a
 * running one is flagged (*state "running"); a finished one is left
 * (*state its state). */
int store_job_cancel(store *s, int64_t id, int64_t now, char state[16], ics_err *e);
/* Finish: state "done", "failed" or "cancelled", result link or error. */
int store_job_finish(store *s, int64_t id, const char *state, const char *result, const char *error,
                     int64_t now, ics_err *e);
/* Jobs left queued or running by a server that stopped become failed with
 * error; *n how many. Ids (at most max) in ids. */
int store_jobs_fail_unfinished(store *s, const char *error, int64_t now, int64_t *ids, int max,
                               int *n, ics_err *e);

/* How many jobs are in each state: {"queued": n, "running": n, ...} (states
 * with no job are absent). */
int store_jobs_count(store *s, json_t **out, ics_err *e);

#endif
