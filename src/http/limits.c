/* limits.c - per-address accounting and request deadlines (see limits.h).
 *
 * One table of addresses (chained hash, one mutex) counts each address's
 * connections, requests, streams and failed sign-ins; an entry is freed
 * when all of them are back to zero. Every open connection is also on a
 * list with a deadline for its current phase; limits_reap() shuts down the
 * sockets past theirs. libmicrohttpd calls the "closed" notification before
 * it closes the socket, and both that and the reaper hold the mutex, so the
 * reaper never touches a descriptor that has been closed or reused. */
#include "http/limits.h"

#include <arpa/inet.h>
#include <assert.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NBUCKET 1024

typedef struct addr_ent {
    char addr[LIMITS_ADDR_LEN];
    unsigned conns, reqs, streams, fails;
    time_t fail_start;
    struct addr_ent *next;
} addr_ent;

typedef struct lconn {
    int fd;
    char addr[LIMITS_ADDR_LEN];
    time_t deadline; /* 0 while a handler runs */
    struct lconn *prev, *next;
} lconn;

static struct {
    pthread_mutex_t mu;
    http_limits cfg;
    addr_ent *bucket[NBUCKET];
    lconn *conns;
    size_t body_bytes;
} L = {.mu = PTHREAD_MUTEX_INITIALIZER};

void http_limits_default(http_limits *l)
{
    memset(l, 0, sizeof *l);
    l->max_conns = 2000;
    l->conns_per_addr = 128;
    l->reqs_per_addr = 128;
    /* behind NAT a whole trust's network reaches the server from one
     * address, with a stream per open dashboard tab */
    l->streams_per_addr = 64;
    l->header_timeout = 10;
    l->body_timeout = 60;
    l->idle_timeout = 30;
    l->body_total = (size_t)256 << 20;
    l->auth_fails = 10;
    l->auth_window = 300;
}

/* Canonical text of an IPv4 or IPv6 address, or -1. */
static int canon(const char *in, char out[LIMITS_ADDR_LEN])
{
    unsigned char buf[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, in, buf) == 1)
        return inet_ntop(AF_INET, buf, out, LIMITS_ADDR_LEN) ? 0 : -1;
    if (inet_pton(AF_INET6, in, buf) == 1)
        return inet_ntop(AF_INET6, buf, out, LIMITS_ADDR_LEN) ? 0 : -1;
    return -1;
}

int http_limits_set_proxies(http_limits *l, const char *list)
{
    int n = 0;
    memset(l->proxies, 0, sizeof l->proxies);
    while (list && *list) {
        const char *end = strchr(list, ',');
        size_t len = end ? (size_t)(end - list) : strlen(list);
        char one[LIMITS_ADDR_LEN];
        if (len == 0 || len >= sizeof one || n == LIMITS_MAX_PROXIES) return -1;
        memcpy(one, list, len);
        one[len] = '\0';
        if (canon(one, l->proxies[n++])) return -1;
        list = end ? end + 1 : list + len;
    }
    return 0;
}

void limits_start(const http_limits *cfg)
{
    pthread_mutex_lock(&L.mu);
    L.cfg = *cfg;
    pthread_mutex_unlock(&L.mu);
}

const http_limits *limits_config(void)
{
    return &L.cfg;
}

static void sa_text(const struct sockaddr *sa, char out[LIMITS_ADDR_LEN])
{
    out[0] = '\0';
    if (!sa) return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, LIMITS_ADDR_LEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, LIMITS_ADDR_LEN);
}

static int is_proxy(const char *addr)
{
    for (int i = 0; i < LIMITS_MAX_PROXIES && L.cfg.proxies[i][0]; i++)
        if (strcmp(L.cfg.proxies[i], addr) == 0) return 1;
    return 0;
}

/* ---- the address table (caller holds L.mu) ------------------------------ */

static unsigned hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NBUCKET;
}

static addr_ent *ent_get(const char *addr, int create)
{
    addr_ent **b = &L.bucket[hash(addr)];
    for (addr_ent *a = *b; a; a = a->next)
        if (strcmp(a->addr, addr) == 0) return a;
    if (!create) return NULL;
    addr_ent *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    snprintf(a->addr, sizeof a->addr, "%s", addr);
    a->next = *b;
    *b = a;
    return a;
}

static int fail_window_over(const addr_ent *a, time_t now)
{
    return a->fails == 0 || now - a->fail_start >= (time_t)L.cfg.auth_window;
}

/* Free the entry when nothing is counted on it any more. */
static void ent_gc(addr_ent *a, time_t now)
{
    if (a->conns || a->reqs || a->streams || !fail_window_over(a, now)) return;
    for (addr_ent **p = &L.bucket[hash(a->addr)]; *p; p = &(*p)->next)
        if (*p == a) {
            *p = a->next;
            free(a);
            return;
        }
}

/* ---- connections -------------------------------------------------------- */

int limits_accept(const struct sockaddr *sa)
{
    char addr[LIMITS_ADDR_LEN];
    sa_text(sa, addr);
    pthread_mutex_lock(&L.mu);
    addr_ent *a = ent_get(addr, 0);
    int ok = is_proxy(addr) || !a || a->conns < L.cfg.conns_per_addr;
    pthread_mutex_unlock(&L.mu);
    return ok;
}

void *limits_conn_open(int fd, const struct sockaddr *sa)
{
    lconn *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    sa_text(sa, c->addr);
    pthread_mutex_lock(&L.mu);
    c->deadline = time(NULL) + (time_t)L.cfg.header_timeout;
    addr_ent *a = ent_get(c->addr, 1);
    if (a) a->conns++;
    c->next = L.conns;
    if (L.conns) L.conns->prev = c;
    L.conns = c;
    pthread_mutex_unlock(&L.mu);
    return c;
}

void limits_conn_close(void *lc)
{
    lconn *c = lc;
    if (!c) return;
    pthread_mutex_lock(&L.mu);
    addr_ent *a = ent_get(c->addr, 0);
    if (a) {
        assert(a->conns > 0);
        a->conns--;
        ent_gc(a, time(NULL));
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        L.conns = c->next;
    if (c->next) c->next->prev = c->prev;
    pthread_mutex_unlock(&L.mu);
    free(c);
}

static void set_deadline(lconn *c, unsigned secs)
{
    if (!c) return;
    pthread_mutex_lock(&L.mu);
    c->deadline = secs ? time(NULL) + (time_t)secs : 0;
    pthread_mutex_unlock(&L.mu);
}

void limits_conn_headers_done(void *lc)
{
    set_deadline(lc, L.cfg.body_timeout);
}

void limits_conn_body_done(void *lc)
{
    set_deadline(lc, 0);
}

/* A kept-alive connection may stay silent for the idle timeout, then has
 * the header timeout to send its next request's headers. */
void limits_conn_answered(void *lc)
{
    set_deadline(lc, L.cfg.idle_timeout + L.cfg.header_timeout);
}

int limits_reap(void)
{
    int n = 0;
    time_t now = time(NULL);
    pthread_mutex_lock(&L.mu);
    for (lconn *c = L.conns; c; c = c->next)
        if (c->deadline && now >= c->deadline && c->fd >= 0) {
            shutdown(c->fd, SHUT_RDWR); /* the server sees EOF and closes it */
            c->fd = -1;
            n++;
        }
    for (int b = 0; b < NBUCKET; b++)
        for (addr_ent *a = L.bucket[b], *next; a; a = next) {
            next = a->next;
            ent_gc(a, now);
        }
    pthread_mutex_unlock(&L.mu);
    return n;
}

void limits_stop(void)
{
    pthread_mutex_lock(&L.mu);
    for (int b = 0; b < NBUCKET; b++) {
        for (addr_ent *a = L.bucket[b], *next; a; a = next) {
            next = a->next;
            free(a);
        }
        L.bucket[b] = NULL;
    }
    L.body_bytes = 0;
    pthread_mutex_unlock(&L.mu);
}

/* ---- client address ----------------------------------------------------- */

void limits_client_addr(const struct sockaddr *peer, const char *xff, char out[LIMITS_ADDR_LEN])
{
    sa_text(peer, out);
    if (!xff || !is_proxy(out)) return;
    /* Walk X-Forwarded-For from the right: the right-most entries were
     * added by our own proxies; the first other one is the client. A
     * malformed entry stops the walk (the proxy's address is kept). */
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',') start--;
        const char *s = start, *e = end;
        while (s < e && (*s == ' ' || *s == '\t')) s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
        char one[LIMITS_ADDR_LEN], c[LIMITS_ADDR_LEN];
        if (e - s <= 0 || (size_t)(e - s) >= sizeof one) return;
        memcpy(one, s, (size_t)(e - s));
        one[e - s] = '\0';
        if (canon(one, c)) return;
        snprintf(out, LIMITS_ADDR_LEN, "%s", c);
        if (!is_proxy(c)) return;
        end = start > xff ? start - 1 : xff;
    }
}

/* ---- requests and streams ----------------------------------------------- */

static int enter(const char *addr, size_t field, unsigned max)
{
    pthread_mutex_lock(&L.mu);
    addr_ent *a = ent_get(addr, 1);
    int rc = -1;
    if (a) {
        unsigned *n = (unsigned *)((char *)a + field);
        if (*n < max)
            (*n)++, rc = 0;
        else
            ent_gc(a, time(NULL));
    }
    pthread_mutex_unlock(&L.mu);
    return rc;
}

static void leave(const char *addr, size_t field)
{
    pthread_mutex_lock(&L.mu);
    addr_ent *a = ent_get(addr, 0);
    if (a) {
        unsigned *n = (unsigned *)((char *)a + field);
        assert(*n > 0);
        if (*n) (*n)--;
        ent_gc(a, time(NULL));
    }
    pthread_mutex_unlock(&L.mu);
}

int limits_request_enter(const char *addr)
{
    return enter(addr, offsetof(addr_ent, reqs), L.cfg.reqs_per_addr);
}

void limits_request_leave(const char *addr)
{
    leave(addr, offsetof(addr_ent, reqs));
}

int limits_stream_enter(const char *addr)
{
    return enter(addr, offsetof(addr_ent, streams), L.cfg.streams_per_addr);
}

void limits_stream_leave(const char *addr)
{
    leave(addr, offsetof(addr_ent, streams));
}

int limits_body_reserve(size_t n)
{
    pthread_mutex_lock(&L.mu);
    int rc = L.body_bytes + n > L.cfg.body_total ? -1 : 0;
    if (!rc) L.body_bytes += n;
    pthread_mutex_unlock(&L.mu);
    return rc;
}

void limits_body_release(size_t n)
{
    pthread_mutex_lock(&L.mu);
    assert(L.body_bytes >= n);
    L.body_bytes -= n <= L.body_bytes ? n : L.body_bytes;
    pthread_mutex_unlock(&L.mu);
}

/* ---- sign-in attempts --------------------------------------------------- */

int limits_auth_blocked(const char *addr)
{
    time_t now = time(NULL);
    int wait = 0;
    pthread_mutex_lock(&L.mu);
    addr_ent *a = ent_get(addr, 0);
    if (a && !fail_window_over(a, now) && a->fails >= L.cfg.auth_fails)
        wait = (int)(a->fail_start + (time_t)L.cfg.auth_window - now);
    pthread_mutex_unlock(&L.mu);
    return wait > 0 ? wait : 0;
}

void limits_auth_failed(const char *addr)
{
    time_t now = time(NULL);
    pthread_mutex_lock(&L.mu);
    addr_ent *a = ent_get(addr, 1);
    if (a) {
        if (fail_window_over(a, now)) a->fails = 0, a->fail_start = now;
        a->fails++;
    }
    pthread_mutex_unlock(&L.mu);
}
