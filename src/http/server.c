/* server.c - the HTTP server on libmicrohttpd.
 *
 * One thread accepts connections and spreads them over the worker threads
 * (one libmicrohttpd daemon each); each request collects its body (up to
 * the configured limit, else 413), is matched against the route table,
 * authenticated by bearer token, given a pooled database connection and
 * passed to its handler. Static dashboard files are served from web_dir.
 * SIGINT/SIGTERM stop accepting, let in-flight requests finish, then close
 * the pool. */
#include "http/server.h"

#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app/auth.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/utf8.h"
#include "fhir/fhir.h"
#include "http/http.h"
#include "http/limits.h"
#include "http/reqlog.h"
#include "http/routes.h"
#include "http/stream.h"

/* ---- connection pool ----------------------------------------------------
 *
 * At most `size` connections are open at once (--db-pool, default twice the
 * worker threads plus two): a PostgreSQL server has a fixed number of
 * connections to share among every icsflow server. A request that finds
 * them all in use waits up to POOL_WAIT_MS for one, then gets 503. */
#define POOL_WAIT_MS 10000

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t freed;
    store **free; /* idle connections, `size` slots */
    int nfree, size, open;
    long waits, timeouts, retries; /* for http_pool_stats */
    const char *path;
} pool;

static pool P;

static store *pool_get(ics_err *e)
{
    store *s = NULL;
    pthread_mutex_lock(&P.mu);
    if (!P.nfree && P.open >= P.size) {
        P.waits++;
        metrics_inc("icsflow_db_pool_waits_total", "");
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += POOL_WAIT_MS / 1000;
        while (!P.nfree && P.open >= P.size)
            if (pthread_cond_timedwait(&P.freed, &P.mu, &until) == ETIMEDOUT) break;
    }
    if (P.nfree) {
        s = P.free[--P.nfree];
    } else if (P.open < P.size) {
        P.open++; /* reserve the slot, connect outside the lock */
    } else {
        P.timeouts++;
        pthread_mutex_unlock(&P.mu);
        metrics_inc("icsflow_db_pool_timeouts_total", "");
        ics_err_set(e, ICS_EBUSY, "all %d database connections stayed busy", P.size);
        return NULL;
    }
    pthread_mutex_unlock(&P.mu);
    int fresh = s == NULL;
    if (fresh && store_open(P.path, &s, NULL, e)) {
        pthread_mutex_lock(&P.mu);
        P.open--;
        pthread_cond_signal(&P.freed);
        pthread_mutex_unlock(&P.mu);
        return NULL;
    }
    if (fresh) metrics_gauge_add("icsflow_db_pool_open", "", 1);
    metrics_gauge_add("icsflow_db_pool_in_use", "", 1);
    return s;
}

static void pool_put(store *s)
{
    if (!s) return;
    store_read_end(s);
    metrics_gauge_add("icsflow_db_pool_in_use", "", -1);
    /* A connection goes back with no transaction open: a handler that
     * forgot to end one must not hand its lock to the next request. */
    if (store_tx_depth(s) > 0) {
        ics_log("error", "a request left a transaction open; rolled back");
        while (store_tx_depth(s) > 0) store_rollback(s);
    }
    pthread_mutex_lock(&P.mu);
    assert(P.nfree < P.size);
    P.free[P.nfree++] = s;
    pthread_cond_signal(&P.freed);
    pthread_mutex_unlock(&P.mu);
}

void http_pool_stats(http_pool_stats_t *out)
{
    pthread_mutex_lock(&P.mu);
    out->size = P.size;
    out->open = P.open;
    out->in_use = P.open - P.nfree;
    out->waits = P.waits;
    out->timeouts = P.timeouts;
    out->retries = P.retries;
    pthread_mutex_unlock(&P.mu);
}

/* ---- per-request state -------------------------------------------------- */

typedef struct conn {
    char *body;
    size_t len, cap;
    int too_big;
    int entered;                /* counted in limits_request_enter */
    int streaming;              /* an event stream, counted in limits_stream_enter */
    size_t reserved;            /* body bytes reserved in limits_body_reserve */
    char addr[LIMITS_ADDR_LEN]; /* the client (see limits_client_addr) */
    struct MHD_Connection *mc;
    reqlog log; /* request id, log line, metrics */
} conn;

static size_t body_limit;
static const char *web_dir;

/* Request headers: we answer 431 problem+json above HEADER_LIMIT bytes
 * (path, query and header lines). libmicrohttpd keeps a request's head in
 * its per-connection pool and answers its own 431 (a short HTML page) when
 * the head does not fit, before any of our code runs. The pool is made
 * POOL_SIZE, twice our limit, so that heads up to the limit are served and
 * heads somewhat over it reach our check (each header also costs the pool a
 * few dozen bytes of bookkeeping: 640 headers of 100 bytes need more than
 * 96 KiB); a head far over it (more than about 100 KiB) gets
 * libmicrohttpd's 431. The pool is not made larger because libmicrohttpd
 * clears the whole of it after every request on a kept-alive connection: a
 * 256 KiB pool was a tenth of a route query's CPU time. */
#define HEADER_LIMIT ((size_t)64 * 1024)
#define POOL_SIZE    ((size_t)128 * 1024)

static enum MHD_Result add_len(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4; /* ": " and CRLF, or "&=" */
    return MHD_YES;
}

static size_t head_bytes(struct MHD_Connection *mc, const char *url)
{
    size_t n = strlen(url);
    MHD_get_connection_values(mc, MHD_HEADER_KIND, add_len, &n);
    MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, add_len, &n);
    return n;
}

const char *http_query(http_req *rq, const char *name)
{
    conn *c = rq->conn;
    return MHD_lookup_connection_value(c->mc, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct qall {
    const char *name;
    const char **out;
    int max, n;
} qall;

static enum MHD_Result q_all(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    qall *q = cls;
    if (strcmp(key, q->name) == 0 && q->n < q->max) q->out[q->n++] = value ? value : "";
    return MHD_YES;
}

int http_query_all(http_req *rq, const char *name, const char **out, int max)
{
    conn *c = rq->conn;
    qall q = {name, out, max, 0};
    MHD_get_connection_values(c->mc, MHD_GET_ARGUMENT_KIND, q_all, &q);
    return q.n;
}

const char *http_header(http_req *rq, const char *name)
{
    conn *c = rq->conn;
    return MHD_lookup_connection_value(c->mc, MHD_HEADER_KIND, name);
}

typedef struct qcheck {
    const char *const *allowed;
    const char *bad;
} qcheck;

static enum MHD_Result q_each(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    (void)kind;
    (void)value;
    qcheck *q = cls;
    for (const char *const *a = q->allowed; *a; a++)
        if (strcmp(*a, key) == 0) return MHD_YES;
    q->bad = key;
    return MHD_NO;
}

int http_query_only(http_req *rq, const char *const *allowed, ics_err *e)
{
    conn *c = rq->conn;
    qcheck q = {allowed, NULL};
    MHD_get_connection_values(c->mc, MHD_GET_ARGUMENT_KIND, q_each, &q);
    if (!q.bad) return 0;
    char known[400] = "";
    for (const char *const *a = allowed; *a; a++) {
        strncat(known, known[0] ? ", " : "", sizeof known - strlen(known) - 1);
        strncat(known, *a, sizeof known - strlen(known) - 1);
    }
    return ics_err_set(e, ICS_EINVAL, "unknown query parameter '%s' (this endpoint takes: %s)",
                       q.bad, known);
}

/* An event stream: its own response, read from the stream's buffer. */
static int send_stream(struct MHD_Connection *mc, http_resp *rs)
{
    struct MHD_Response *r = http_stream_response(rs->stream, mc);
    rs->stream = NULL;
    if (!r) return MHD_NO;
    reqlog_respond(r, 200, 0); /* its id; its log line is written when the stream ends */
    MHD_add_response_header(r, "Content-Type", "text/event-stream");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* proxies pass events at once */
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    int ret = MHD_queue_response(mc, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* 1 while this thread answers a request under /api/v1/fhir: its answers are
 * application/fhir+json and its errors OperationOutcome (FHIR's own error
 * format) instead of problem+json, whoever produced them (the server's
 * checks or the handler). Set at the top of every on_request call. */
static _Thread_local int tl_fhir;

static void fhir_shape(http_resp *rs)
{
    if (!tl_fhir || !rs->json) return;
    if (rs->content_type && strcmp(rs->content_type, "application/problem+json") == 0) {
        json_t *oo =
            fhir_outcome(rs->status, json_string_value(json_object_get(rs->json, "detail")));
        json_decref(rs->json);
        rs->json = oo;
    }
    rs->content_type = "application/fhir+json";
}

static int send_resp(struct MHD_Connection *mc, http_resp *rs)
{
    if (rs->stream) return send_stream(mc, rs);
    fhir_shape(rs);
    char *text = NULL;
    size_t n = 0;
    if (rs->json) {
        text = json_dumps(rs->json, JSON_COMPACT | JSON_ENSURE_ASCII);
        n = text ? strlen(text) : 0;
    } else if (rs->body) {
        text = rs->body;
        rs->body = NULL;
        n = rs->body_len;
    }
    /* Only a buffer we allocated may be handed over to be freed: an empty
     * body (or a JSON value that could not be serialised) is a static "". */
    struct MHD_Response *r =
        text ? MHD_create_response_from_buffer(n, text, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(text);
        json_decref(rs->json);
        free(rs->body);
        return MHD_NO;
    }
    reqlog_respond(r, rs->status, text ? n : 0);
    MHD_add_response_header(r, "Content-Type", rs->content_type ? rs->content_type : "text/plain");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (rs->location[0]) MHD_add_response_header(r, "Location", rs->location);
    if (rs->status == 401) MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
    if (rs->status == 503 && rs->retry_after <= 0) rs->retry_after = 2;
    if (rs->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", rs->retry_after);
        MHD_add_response_header(r, "Retry-After", ra);
    }
    /* An API answer is data, never a page: nothing in it may run or be framed. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    int ret = MHD_queue_response(mc, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    json_decref(rs->json);
    free(rs->body);
    return ret;
}

static int problem_now(struct MHD_Connection *mc, int status, const char *detail)
{
    http_resp rs = {0};
    http_problem(&rs, status, detail, NULL);
    if (status == 429) rs.retry_after = 1;
    return send_resp(mc, &rs);
}

/* ---- static files ------------------------------------------------------- */

static const char *mime_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (!dot) return "application/octet-stream";
    static const char *const m[][2] = {{".html", "text/html; charset=utf-8"},
                                       {".js", "text/javascript; charset=utf-8"},
                                       {".css", "text/css; charset=utf-8"},
                                       {".json", "application/json"},
                                       {".svg", "image/svg+xml"},
                                       {".png", "image/png"},
                                       {".ico", "image/x-icon"},
                                       {".map", "application/json"}};
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (strcmp(dot, m[i][0]) == 0) return m[i][1];
    return "application/octet-stream";
}

static int serve_static(struct MHD_Connection *mc, const char *url)
{
    if (!web_dir || strstr(url, "..")) return problem_now(mc, 404, "no such page");
    char path[1024];
    snprintf(path, sizeof path, "%s%s", web_dir, strcmp(url, "/") == 0 ? "/index.html" : url);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        if (f) fclose(f);
        return problem_now(mc, 404, "no such page");
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t n = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf) return problem_now(mc, 500, "out of memory");
    struct MHD_Response *r = MHD_create_response_from_buffer(n, buf, MHD_RESPMEM_MUST_FREE);
    reqlog_route("(static)");
    reqlog_respond(r, 200, n);
    MHD_add_response_header(r, "Content-Type", mime_of(path));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* The dashboard loads only its own files and talks only to this server:
     * no inline script or style, no framing (clickjacking), no plugins. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; script-src 'self'; style-src 'self'; "
                            "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    int ret = MHD_queue_response(mc, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- dispatch ----------------------------------------------------------- */

static int authenticate(struct MHD_Connection *mc, store *db, auth_user *u, ics_err *e)
{
    const char *h = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization");
    if (!h)
        return ics_err_set(e, ICS_EAUTH,
                           "this endpoint needs a bearer token: send 'Authorization: Bearer "
                           "<token>'");
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return ics_err_set(e, ICS_EAUTH, "the Authorization header must be 'Bearer <token>'");
    const char *tok = h + 7;
    while (*tok == ' ') tok++;
    return app_auth_token(db, tok, u, e);
}

/* The first query parameter whose name or value is not UTF-8, if any. */
static enum MHD_Result q_utf8(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    (void)kind;
    const char **bad = cls;
    if (utf8_valid(key) && (!value || utf8_valid(value))) return MHD_YES;
    *bad = key;
    return MHD_NO;
}

/* Percent-decoding of the path and the query (MHD_OPTION_UNESCAPE_CALLBACK).
 * libmicrohttpd's own decoder turns %00 into a NUL that silently ends the
 * string, so "/index.html%00.js" was served as "/index.html". Here a decoded
 * NUL becomes the two bytes C0 80, which are never valid UTF-8, so
 * text_ok() refuses the request. Decoding only shortens the string. */
static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

static size_t unescape(void *cls, struct MHD_Connection *mc, char *s)
{
    (void)cls;
    (void)mc;
    char *w = s;
    for (const char *r = s; *r;) {
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
            int v = hexval(r[1]) * 16 + hexval(r[2]);
            if (v == 0) {
                *w++ = (char)0xC0;
                *w++ = (char)0x80;
            } else {
                *w++ = (char)v;
            }
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* Input is text: the path and every query parameter must be UTF-8 before
 * any handler sees them (bodies are checked by the JSON parser or the CSV
 * reader). */
static int text_ok(struct MHD_Connection *mc, const char *url, int *sent)
{
    if (strstr(url, "\xC0\x80")) {
        *sent = problem_now(mc, 400, "the request path contains a NUL character (%00)");
        return 0;
    }
    if (!utf8_valid(url)) {
        *sent = problem_now(mc, 400, "the request path is not valid UTF-8");
        return 0;
    }
    const char *bad = NULL;
    MHD_get_connection_values(mc, MHD_GET_ARGUMENT_KIND, q_utf8, &bad);
    if (!bad) return 1;
    char msg[160];
    char name[64];
    snprintf(name, sizeof name, "%s", bad);
    name[utf8_clip(name, strlen(name))] = '\0';
    utf8_scrub(name);
    snprintf(msg, sizeof msg, "query parameter '%s' is not valid UTF-8", name);
    *sent = problem_now(mc, 400, msg);
    return 0;
}

static int has_token(struct MHD_Connection *mc)
{
    return MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Authorization") != NULL;
}

static void *sock_ctx(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static int dispatch(struct MHD_Connection *mc, const char *method, const char *url, conn *c)
{
    int sent;
    if (!text_ok(mc, url, &sent)) return sent;
    http_req rq = {0};
    http_resp rs = {0};
    int known = 0;
    const http_route *r = http_route_find(method, url, &rq, &known);
    if (!r) {
        if (known) return problem_now(mc, 405, "this path does not accept that method");
        if (strncmp(url, "/api/", 5) == 0 || strcmp(method, "GET") != 0)
            return problem_now(mc, 404, "no such endpoint; see /api/v1/openapi.json");
        return serve_static(mc, url);
    }
    reqlog_route(r->pattern);
    ics_err e = {0};
    rq.method = method;
    rq.path = url;
    rq.body = c->body;
    rq.body_len = c->len;
    rq.conn = c;
    rq.client_addr = c->addr;
    if (c->len) {
        const char *ct = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Type");
        /* one route takes a form body, whose shape a standard fixes: the
         * identity provider's back-channel logout (h_auth.c) */
        int form = ct && strncmp(ct, "application/x-www-form-urlencoded", 33) == 0 &&
                   strcmp(r->pattern, "/api/v1/auth/oidc/backchannel-logout") == 0;
        if (ct && !form && !strstr(ct, "json") && !strstr(ct, "text/csv") &&
            !strstr(ct, "text/plain"))
            return problem_now(mc, 415, "send the body as application/json");
        if (!ct || strstr(ct, "json")) {
            json_error_t je;
            rq.json = json_loadb(c->body, c->len, JSON_REJECT_DUPLICATES, &je);
            if (!rq.json) {
                char msg[400];
                snprintf(msg, sizeof msg, "the body is not valid JSON: %s (line %d, column %d)",
                         je.text, je.line, je.column);
                return problem_now(mc, 400, msg);
            }
        }
    }
    store *db = pool_get(&e);
    if (!db) {
        json_decref(rq.json);
        return problem_now(mc, 503, "the database is not available");
    }
    rq.db = db;
    /* a request that only reads runs in one read transaction, token check
     * included (a failure to begin one only costs the saving) */
    if (r->use && app_use_reads_only(r->use)) store_read_begin(db, NULL);
    auth_user u;
    unsigned roles = http_route_roles(r);
    if (roles != ROLE_PUBLIC) {
        if (authenticate(mc, db, &u, &e)) {
            /* A refused token counts against the address; once it has used
             * up its failures, refusals are 429 until the window ends. A
             * valid token still works, so people behind the same NAT are
             * not locked out (tokens are 256-bit: guessing is hopeless). */
            int wait = e.code == ICS_EAUTH && has_token(mc) ? limits_auth_blocked(c->addr) : 0;
            if (wait) {
                http_problem(&rs, 429,
                             "too many failed sign-in attempts from your address; try again later",
                             NULL);
                rs.retry_after = wait;
                goto done;
            }
            if (e.code == ICS_EAUTH && has_token(mc)) limits_auth_failed(c->addr);
            http_error(&rs, &e);
            goto done;
        }
        rq.user = &u;
        reqlog_user(u.name);
        if (!(u.role_bit & roles)) {
            char msg[200];
            snprintf(msg, sizeof msg, "the role '%s' may not %s %s", u.role, method, r->pattern);
            http_problem(&rs, 403, msg, NULL);
            goto done;
        }
    }
    /* A use case PostgreSQL aborted to keep transactions serialisable
     * (ICS_ERETRY) is run again from the start, a few times, after a short
     * random pause; each attempt is one whole transaction, so nothing of a
     * failed attempt remains. */
    for (int attempt = 1;; attempt++) {
        rs.status = 200;
        r->fn(&rq, &rs);
        if (rs.err != ICS_ERETRY || attempt >= ICS_RETRY_ATTEMPTS) break;
        metrics_inc("icsflow_db_retries_total", "");
        pthread_mutex_lock(&P.mu);
        P.retries++;
        pthread_mutex_unlock(&P.mu);
        ics_log("info", "%s %s: re-run after a serialisation failure (attempt %d)", method, url,
                attempt + 1);
        while (store_tx_depth(db) > 0) store_rollback(db);
        json_decref(rs.json);
        free(rs.body);
        rs = (http_resp){0};
        ics_retry_pause(attempt);
    }
    http_problem_fields(&rq, &rs);
    if (rs.stream) {
        /* A stream is counted apart from requests: it must not use up the
         * address's request slots for as long as it stays open. */
        if (c->entered) limits_request_leave(c->addr);
        c->entered = 0;
        if (limits_stream_enter(c->addr)) {
            http_stream_discard(rs.stream);
            rs.stream = NULL;
            http_problem(&rs, 429, "too many event streams from your address", NULL);
            rs.retry_after = 5;
        } else {
            c->streaming = 1;
        }
    }
    if (!rs.json && !rs.body && !rs.stream && rs.status == 200)
        http_problem(&rs, 500, "no response", NULL);
done:
    pool_put(db);
    json_decref(rq.json);
    /* the route pattern, never the path: a path may hold an NHS number */
    if (rs.status >= 500) ics_log("error", "%s %s -> %d", method, r->pattern, rs.status);
    return send_resp(mc, &rs);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state)
{
    (void)cls;
    (void)version;
    tl_fhir = strncmp(url, "/api/v1/fhir", 12) == 0 && (url[12] == '/' || url[12] == '\0');
    conn *c = *state;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) return MHD_NO;
        c->mc = mc;
        *state = c;
        reqlog_begin(&c->log, method,
                     MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Request-Id"));
        limits_conn_headers_done(sock_ctx(mc));
        if (head_bytes(mc, url) > HEADER_LIMIT) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "the request's path, query and headers are larger than the limit of %zu bytes",
                     HEADER_LIMIT);
            return problem_now(mc, 431, msg) == MHD_YES ? MHD_YES : MHD_NO;
        }
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        limits_client_addr(ci ? ci->client_addr : NULL,
                           MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "X-Forwarded-For"),
                           c->addr);
        if (limits_request_enter(c->addr))
            return problem_now(mc, 429, "too many requests at once from your address") == MHD_YES
                       ? MHD_YES
                       : MHD_NO;
        c->entered = 1;
        const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > body_limit) c->too_big = 1;
        return MHD_YES;
    }
    reqlog_resume(&c->log);
    if (*upload_size) {
        if (!c->too_big && c->len + *upload_size > body_limit) c->too_big = 1;
        if (!c->too_big) {
            if (c->len + *upload_size + 1 > c->cap) {
                /* Grow by doubling, never past the limit; the bytes count
                 * against the server-wide total of buffered bodies. */
                size_t cap = (c->len + *upload_size + 1) * 2;
                if (cap > body_limit + 1) cap = body_limit + 1;
                if (limits_body_reserve(cap - c->cap)) {
                    c->too_big = 2; /* answered 503 once the body is read (and dropped) */
                    *upload_size = 0;
                    return MHD_YES;
                }
                c->reserved += cap - c->cap;
                char *b = realloc(c->body, cap);
                if (!b) return MHD_NO;
                c->body = b;
                c->cap = cap;
            }
            memcpy(c->body + c->len, upload_data, *upload_size);
            c->len += *upload_size;
            c->body[c->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (c->too_big == 2)
        return problem_now(mc, 503, "the server is busy receiving other requests; try again") ==
                       MHD_YES
                   ? MHD_YES
                   : MHD_NO;
    if (c->too_big) {
        char msg[128];
        snprintf(msg, sizeof msg, "the request body is larger than the limit of %zu bytes",
                 body_limit);
        return problem_now(mc, 413, msg) == MHD_YES ? MHD_YES : MHD_NO;
    }
    limits_conn_body_done(sock_ctx(mc));
    return dispatch(mc, method, url, c) == MHD_YES ? MHD_YES : MHD_NO;
}

static void on_done(void *cls, struct MHD_Connection *mc, void **state,
                    enum MHD_RequestTerminationCode tc)
{
    (void)cls;
    conn *c = *state;
    if (c) {
        reqlog_end(&c->log, tc != MHD_REQUEST_TERMINATED_COMPLETED_OK);
        if (c->entered) limits_request_leave(c->addr);
        if (c->streaming) limits_stream_leave(c->addr);
        limits_body_release(c->reserved);
        free(c->body);
        free(c);
    }
    *state = NULL;
    limits_conn_answered(sock_ctx(mc));
}

/* ---- workers and the accept thread ----------------------------------------
 *
 * Each worker thread is a libmicrohttpd daemon of its own with no listening
 * socket; one thread accepts and hands each connection to the worker with
 * the fewest open. libmicrohttpd's own thread pool let every worker accept
 * from the shared socket, whichever woke first: at 64 kept-alive
 * connections one of four workers held 23 and another 13 (one of two did a
 * quarter more work than the other). A worker serves its connections in
 * turn, so a request's wait grows with its worker's count and the busiest
 * worker set the p99 (issue 18). A connection stays with its worker until
 * it closes. */
#define WORKERS_MAX 64

static struct {
    struct MHD_Daemon *d[WORKERS_MAX];
    atomic_int conns[WORKERS_MAX]; /* handed to worker i and not yet closed */
    int n;
    int fd; /* the listening socket */
    int max_conns;
    atomic_int stop;
    pthread_t thread;
} W;

/* The worker with the fewest connections, or -1 when the server holds its
 * limit of connections. */
static int worker_pick(void)
{
    int best = 0, total = 0;
    for (int i = 0; i < W.n; i++) {
        int c = atomic_load(&W.conns[i]);
        total += c;
        if (c < atomic_load(&W.conns[best])) best = i;
    }
    return total >= W.max_conns ? -1 : best;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    while (!atomic_load(&W.stop)) {
        struct sockaddr_storage sa;
        socklen_t len = sizeof sa;
        int fd = accept4(W.fd, (struct sockaddr *)&sa, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            /* out of descriptors or memory: let connections close first */
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                struct timespec ts = {0, 10 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
            continue; /* EINTR, ECONNABORTED; after shutdown() W.stop ends the loop */
        }
        int w = worker_pick();
        if (w < 0 || !limits_accept((struct sockaddr *)&sa)) {
            close(fd);
            continue;
        }
        /* counted before the worker sees it, so a burst of connections is
         * spread too; on failure libmicrohttpd has closed the socket */
        atomic_fetch_add(&W.conns[w], 1);
        if (MHD_add_connection(W.d[w], fd, (struct sockaddr *)&sa, len) != MHD_YES)
            atomic_fetch_sub(&W.conns[w], 1);
    }
    return NULL;
}

/* Listen on addr; the bound port in *port. */
static int listen_on(const struct sockaddr_in *addr, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in got;
    socklen_t len = sizeof got;
    if (bind(fd, (const struct sockaddr *)addr, sizeof *addr) || listen(fd, SOMAXCONN) ||
        getsockname(fd, (struct sockaddr *)&got, &len)) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    *port = ntohs(got.sin_port);
    return fd;
}

static void workers_stop(void)
{
    for (int i = 0; i < W.n; i++) MHD_stop_daemon(W.d[i]);
    W.n = 0;
}

static int workers_open(void)
{
    int n = 0;
    for (int i = 0; i < W.n; i++) {
        const union MHD_DaemonInfo *ci =
            MHD_get_daemon_info(W.d[i], MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (ci) n += (int)ci->num_connections;
    }
    return n;
}

/* Connection notifications feed limits.c and the workers' counts. */
static void on_conn(void *cls, struct MHD_Connection *mc, void **socket_ctx,
                    enum MHD_ConnectionNotificationCode code)
{
    int w = (int)(intptr_t)cls;
    assert(w >= 0 && w < WORKERS_MAX);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        const union MHD_ConnectionInfo *ca =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        *socket_ctx = limits_conn_open(fd ? fd->connect_fd : -1, ca ? ca->client_addr : NULL);
    } else {
        limits_conn_close(*socket_ctx);
        *socket_ctx = NULL;
        atomic_fetch_sub(&W.conns[w], 1);
    }
}

int http_serve(const http_config *cfg, ics_err *e)
{
    body_limit = cfg->body_limit ? cfg->body_limit : 1 << 20;
    web_dir = cfg->web_dir;
    pthread_mutex_init(&P.mu, NULL);
    pthread_cond_init(&P.freed, NULL);
    P.path = cfg->db_path;
    P.size = cfg->db_pool > 0 ? cfg->db_pool : cfg->threads * 2 + 2;
    P.free = calloc((size_t)P.size, sizeof *P.free);
    metrics_describe("icsflow_db_pool_in_use", METRIC_GAUGE,
                     "Database connections lent to requests now", NULL, 0);
    metrics_describe("icsflow_db_pool_open", METRIC_GAUGE,
                     "Database connections open (lent or idle in the pool)", NULL, 0);
    metrics_describe("icsflow_db_pool_size", METRIC_GAUGE,
                     "Database connections the pool opens at most (--db-pool)", NULL, 0);
    metrics_gauge_set("icsflow_db_pool_size", "", P.size);
    metrics_describe("icsflow_db_pool_waits_total", METRIC_COUNTER,
                     "Requests that found every database connection in use and waited", NULL, 0);
    metrics_add("icsflow_db_pool_waits_total", "", 0);
    metrics_describe("icsflow_db_pool_timeouts_total", METRIC_COUNTER,
                     "Requests that waited in vain for a database connection (503)", NULL, 0);
    metrics_add("icsflow_db_pool_timeouts_total", "", 0);
    metrics_describe("icsflow_db_retries_total", METRIC_COUNTER,
                     "Use cases run again after a serialisation failure or deadlock", NULL, 0);
    metrics_add("icsflow_db_retries_total", "", 0);

    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)cfg->port);
    if (inet_pton(AF_INET, cfg->host, &addr.sin_addr) != 1)
        return ics_err_set(e, ICS_EINVAL, "'%s' is not an IPv4 address to listen on", cfg->host);

    /* Block the stop signals in every thread; the main thread waits for them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    http_limits lim;
    if (cfg->limits)
        lim = *cfg->limits;
    else
        http_limits_default(&lim);
    limits_start(&lim);
    /* Each connection is a descriptor: allow as many as the connection
     * limit (event streams stay open), within the hard limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < (rlim_t)lim.max_conns + 256) {
        rlim_t want = (rlim_t)lim.max_conns + 256;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || want < rl.rlim_max ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl))
            ics_log("warn", "cannot raise the open-file limit: %s", strerror(errno));
    }
    int port = 0;
    W.fd = listen_on(&addr, &port);
    if (W.fd < 0) {
        free(P.free);
        return ics_err_set(e, ICS_EIO, "cannot listen on %s:%d: %s", cfg->host, cfg->port,
                           strerror(errno));
    }
    /* Headers must fit in each connection's memory pool (else 431); the
     * body is buffered apart, up to body_limit. */
    W.n = cfg->threads < 1 ? 1 : cfg->threads > WORKERS_MAX ? WORKERS_MAX : cfg->threads;
    W.max_conns = (int)lim.max_conns;
    atomic_store(&W.stop, 0);
    for (int i = 0; i < W.n; i++) {
        atomic_store(&W.conns[i], 0);
        W.d[i] = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                MHD_ALLOW_SUSPEND_RESUME | MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC,
            0, NULL, NULL, on_request, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
            MHD_OPTION_NOTIFY_CONNECTION, on_conn, (void *)(intptr_t)i,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, POOL_SIZE, MHD_OPTION_CONNECTION_TIMEOUT,
            lim.idle_timeout, MHD_OPTION_CONNECTION_LIMIT, lim.max_conns,
            MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
        if (!W.d[i]) {
            int err = errno;
            W.n = i;
            workers_stop();
            close(W.fd);
            free(P.free);
            return ics_err_set(e, ICS_EIO, "cannot start HTTP worker %d: %s", i + 1, strerror(err));
        }
    }
    http_stream_config scfg;
    if (cfg->stream)
        scfg = *cfg->stream;
    else
        http_stream_config_default(&scfg);
    if (http_stream_start(cfg->db_path, &scfg, e)) {
        workers_stop();
        close(W.fd);
        free(P.free);
        return e->code;
    }
    if (pthread_create(&W.thread, NULL, accept_loop, NULL)) {
        http_stream_stop();
        workers_stop();
        close(W.fd);
        free(P.free);
        return ics_err_set(e, ICS_EIO, "cannot start the accept thread");
    }
    if (cfg->port_file) {
        FILE *f = fopen(cfg->port_file, "w");
        if (f) {
            fprintf(f, "%d\n", port);
            fclose(f);
        }
    }
    ics_log("info", "icsflow listening on http://%s:%d/ (database %s)", cfg->host, port,
            cfg->db_path);

    /* Wait for a stop signal, closing connections past their deadlines
     * (a client trickling its headers) about once a second. */
    int sig = 0;
    for (;;) {
        struct timespec tick = {1, 0};
        sig = sigtimedwait(&sigs, NULL, &tick);
        if (sig > 0) break;
        limits_reap();
        reqlog_flush();
    }
    ics_log("info", "signal %d: finishing in-flight requests", sig);
    /* no new connections: shutdown() wakes the accept thread */
    atomic_store(&W.stop, 1);
    shutdown(W.fd, SHUT_RDWR);
    pthread_join(W.thread, NULL);
    close(W.fd);
    http_stream_stop(); /* open event streams end; clients reconnect */
    for (int i = 0; i < 100 && workers_open() > 0; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    workers_stop();
    for (int i = 0; i < P.nfree; i++) store_close(P.free[i]);
    free(P.free);
    P.open -= P.nfree;
    P.nfree = 0;
    limits_stop();
    reqlog_flush();
    ics_log("info", "stopped; database closed");
    return 0;
}
