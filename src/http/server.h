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
} http_config;

/* Serve until SIGINT or SIGTERM, then finish in-flight requests, close the
 * database and return 0. */
int http_serve(const http_config *cfg, ics_err *e);

#endif
