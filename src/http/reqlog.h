/* reqlog.h - per-request bookkeeping for operations: the request id (taken
 * from X-Request-Id when a proxy set a sane one, else made here, and sent
 * back in the response), one log line per request and the request metrics
 * (counts, latency and bytes by route pattern and status class).
 *
 * The server keeps one reqlog per request; everything logged is bounded and
 * free of patient data: the route pattern, never the raw path or query. */
#ifndef ICS_HTTP_REQLOG_H
#define ICS_HTTP_REQLOG_H

#include <stddef.h>
#include <time.h>

#define REQLOG_ID_LEN 129 /* up to 128 characters and the NUL */

struct MHD_Response;

typedef struct reqlog {
    struct timespec t0;     /* when the request's headers arrived (monotonic) */
    char id[REQLOG_ID_LEN]; /* the request id */
    char method[8];         /* "GET", ... ("?" when unusual) */
    const char *route;      /* the matched route pattern (static), or a placeholder */
    char user[64];          /* the authenticated user's name, "" when none */
    int status;             /* the status sent, 0 before */
    size_t bytes;           /* body bytes sent */
    int started;            /* begun and not yet ended */
} reqlog;

/* The request's headers are in: start the clock, take or make its id and
 * make it the calling thread's current request (the one reqlog_respond and
 * reqlog_route apply to). header is X-Request-Id as received, or NULL. */
void reqlog_begin(reqlog *l, const char *method, const char *header);
/* Make l the thread's current request again (a later callback of it). */
void reqlog_resume(reqlog *l);

/* The thread's current request matched this route pattern (static string). */
void reqlog_route(const char *pattern);
/* ... and was made by this user. */
void reqlog_user(const char *name);

/* The current request is answered with r: add X-Request-Id to it and note
 * status and body size. Harmless when there is no current request. */
void reqlog_respond(struct MHD_Response *r, int status, size_t bytes);

/* The request is over (aborted when the answer could not be sent in full):
 * count it in the metrics and log its line. Lines are written at once when
 * no other request is in flight; under load they are gathered and written
 * a few kilobytes at a time (one write(2) per batch), and reqlog_flush
 * writes what is gathered. */
void reqlog_end(reqlog *l, int aborted);
/* Write the gathered lines now (the server calls it every second and when
 * it stops, so a line waits at most about a second). */
void reqlog_flush(void);

/* 1 when s is acceptable as a request id: 1-128 characters from
 * [A-Za-z0-9._:@/+=-], and not an NHS number (10 digits, or 3-3-4). */
int reqlog_id_ok(const char *s);

#endif
