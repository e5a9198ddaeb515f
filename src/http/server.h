/* server.h - start and stop the HTTP server (libmicrohttpd). */
#ifndef ICS_HTTP_SERVER_H
#define ICS_HTTP_SERVER_H

#include <stddef.h>

#include "core/error.h"
#include "http/limits.h"
#include "http/stream.h"

typedef struct http_config {
    const char *db_path;
    const char *host;                 /* "127.0.0.1" */
    int port;                         /* 0 picks a free port */
    const char *web_dir;              /* static dashboard files; NULL for none */
    size_t body_limit;                /* bytes; larger bodies get 413 */
    int threads;                      /* worker threads */
    const char *port_file;            /* when set, the bound port is written there */
    const http_limits *limits;        /* NULL for the defaults (http_limits_default) */
    const http_stream_config *stream; /* event streams; NULL for the defaults */
    int db_pool; /* most database connections open at once; 0: threads * 2 + 2 */
} http_config;

/* The database connection pool, for metrics: its size, connections open and
 * in use now, and since start the requests that waited for a connection,
 * those that waited in vain (503), and use cases re-run after ICS_ERETRY. */
typedef struct http_pool_stats_t {
    int size, open, in_use;
    long waits, timeouts, retries;
} http_pool_stats_t;
void http_pool_stats(http_pool_stats_t *out);

/* Serve until SIGINT or SIGTERM, then finish in-flight requests, close the
 * database and return 0. */
int http_serve(const http_config *cfg, ics_err *e);

#endif
