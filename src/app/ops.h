/* app/ops.h - what operating the server needs from the database: readiness
 * (the database answers and its schema is complete, so a load balancer may
 * send traffic here) and the gauges read at scrape time (jobs by state). */
#ifndef ICS_APP_OPS_H
#define ICS_APP_OPS_H

#include "app/app.h"
#include "core/error.h"
#include "store/store.h"

/* "ops.metrics": reading /metrics with a user's token (administrators; the
 * separate metrics token is the server's own check, not a user's). */
extern const app_use APP_OPS_METRICS;

/* 0 when this server can serve: the database answers and no schema step
 * this program knows is missing from it. ICS_EBUSY with the reason else. */
int app_ready(store *s, ics_err *e);

/* Set the scrape-time gauges (icsflow_jobs{state=...}) from the database;
 * a failed read leaves them as they were and returns its code. */
int app_ops_gauges(store *s, ics_err *e);

#endif
