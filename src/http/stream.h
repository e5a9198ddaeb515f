/* stream.h - GET /api/v1/events as Server-Sent Events: one fan-out thread
 * reads the outbox when the hub wakes it (or once a second) and appends
 * each event, filtered per client, to that client's bounded buffer; the
 * connections themselves wait suspended in libmicrohttpd, holding no thread.
 * See docs/events.md (delivery, resume window, ordering, slow clients). */
#ifndef ICS_HTTP_STREAM_H
#define ICS_HTTP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "app/app.h"
#include "core/error.h"

typedef struct http_stream_config {
    int heartbeat;  /* seconds between heartbeats when idle (default 15) */
    size_t buffer;  /* bytes buffered per client, at most (default 256 KiB) */
    int64_t window; /* most events a resume replays (default 10000); further: `reset` */
    int poll_ms;    /* outbox poll when no wake-up arrives (default 1000) */
    int stall;      /* seconds a client may leave buffered events unread before it is cut (20) */
} http_stream_config;

void http_stream_config_default(http_stream_config *c);

/* Start and stop the fan-out thread (its own connection to db). Stopping
 * ends every open stream cleanly (the client sees the end and reconnects
 * elsewhere). */
int http_stream_start(const char *db, const http_stream_config *cfg, ics_err *e);
void http_stream_stop(void);

typedef struct http_stream http_stream;

/* A stream for the actor of c (copied) that resumes after event id after
 * (-1: from now). token is the bearer token it was opened with (copied):
 * it is checked again every heartbeat interval, and a stream whose token
 * was revoked, expired or whose user was revoked ends with `event:
 * revoked`. Not yet delivering: http_stream_response attaches it. */
http_stream *http_stream_new(const app_ctx *c, int64_t after, const char *token);
void http_stream_discard(http_stream *s);
/* The libmicrohttpd response for connection mc (both opaque here, to keep
 * microhttpd.h out of the headers). The stream is delivering from then on;
 * the response owns it. NULL on failure (the stream is discarded). */
void *http_stream_response(http_stream *s, void *mc);

/* Streams open now (for metrics and tests). */
int http_stream_count(void);

#endif
