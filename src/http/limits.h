/* limits.h - what one client may hold of the server: connections and
 * in-flight requests per address, event streams per address (counted
 * separately), deadlines for a request's headers and body, the bytes of
 * request bodies buffered at once, and failed sign-in attempts per address.
 * The server calls these hooks; the state is per process (see
 * docs/security.md for the defaults and why they are what they are). */
#ifndef ICS_HTTP_LIMITS_H
#define ICS_HTTP_LIMITS_H

#include <stddef.h>
#include <sys/socket.h>

#define LIMITS_ADDR_LEN    48 /* an IPv6 address in text, with room to spare */
#define LIMITS_MAX_PROXIES 8

typedef struct http_limits {
    unsigned max_conns;        /* connections in all (default 2000) */
    unsigned conns_per_addr;   /* connections from one peer address (default 128) */
    unsigned reqs_per_addr;    /* in-flight requests from one client address (default 128) */
    unsigned streams_per_addr; /* event streams from one client address (default 64) */
    unsigned
        header_timeout;    /* seconds from connect (or the previous answer) to full headers (10) */
    unsigned body_timeout; /* seconds from full headers to the whole body (60) */
    unsigned idle_timeout; /* seconds of silence before a connection is closed (30) */
    size_t body_total;     /* bytes of request bodies buffered at once, all clients (256 MiB) */
    unsigned auth_fails;   /* failed sign-ins from one address per window (10) */
    unsigned auth_window;  /* that window in seconds (300); then 429 until it ends */
    char proxies[LIMITS_MAX_PROXIES][LIMITS_ADDR_LEN]; /* trusted proxies ("" ends) */
} http_limits;

/* The documented defaults. */
void http_limits_default(http_limits *l);
/* Parse "ADDR[,ADDR...]" into l->proxies; -1 when an entry is not an IP. */
int http_limits_set_proxies(http_limits *l, const char *list);

/* Start (copying cfg) and stop the bookkeeping. */
void limits_start(const http_limits *cfg);
void limits_stop(void);
const http_limits *limits_config(void);

/* Connection accounting, wired to libmicrohttpd's accept policy and
 * connection notifications (opaque types to keep microhttpd.h out). */
int limits_accept(const struct sockaddr *sa); /* 1 admit, 0 refuse */
void *limits_conn_open(int fd, const struct sockaddr *sa);
void limits_conn_close(void *lc);
/* Phases of a connection's current request, which set its deadline. */
void limits_conn_headers_done(void *lc);
void limits_conn_body_done(void *lc);
void limits_conn_answered(void *lc);
/* Close (shutdown) every connection past its deadline; call about once a
 * second. Returns how many were closed. */
int limits_reap(void);

/* The client's address: the peer, or when the peer is a trusted proxy the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy. */
void limits_client_addr(const struct sockaddr *peer, const char *xff, char out[LIMITS_ADDR_LEN]);

/* In-flight requests per client address: 0 admitted, -1 over the limit. */
int limits_request_enter(const char *addr);
void limits_request_leave(const char *addr);

/* Event streams per client address, counted apart from requests: a
 * long-lived stream must not use up a client's request slots, and many
 * streams must not exhaust the server. 0 admitted, -1 over the limit.
 * (Hook for the event stream: nothing opens one yet.) */
int limits_stream_enter(const char *addr);
void limits_stream_leave(const char *addr);

/* Request body bytes buffered in all: 0 reserved, -1 over the total. */
int limits_body_reserve(size_t n);
void limits_body_release(size_t n);

/* Sign-in attempts. limits_auth_blocked returns the seconds to wait (for
 * Retry-After) when addr has used up its failures, else 0;
 * limits_auth_failed counts one failure. */
int limits_auth_blocked(const char *addr);
void limits_auth_failed(const char *addr);

#endif
