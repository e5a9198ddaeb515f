/* reqlog.c - request ids, the one-line request log and the request metrics
 * (see reqlog.h).
 *
 * The log line is formatted whole and written with one write(2), so lines
 * from concurrent requests never interleave (stderr is unbuffered: stdio
 * would issue several writes per line). Under load, lines are gathered in
 * one buffer and written whole lines at a time, several kilobytes per
 * write: a write per request was a twentieth of a route query's time. A
 * request id made here is a random
 * per-process prefix and a counter: unique across servers without asking
 * the kernel for randomness on every request. */
#include "http/reqlog.h"

#include <assert.h>
#include <ctype.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/tz.h"
#include "core/valid.h"

static _Thread_local reqlog *current;
static _Atomic unsigned long long counter;
static _Atomic long in_flight; /* begun and not yet ended */

/* Lines waiting to be written (whole lines only). */
#define BATCH 8192
static pthread_mutex_t batch_mu = PTHREAD_MUTEX_INITIALIZER;
static char batch[BATCH];
static size_t batch_len;

/* Write the gathered lines; the caller holds batch_mu. */
static void batch_write(void)
{
    size_t off = 0;
    while (off < batch_len) {
        ssize_t w = write(STDERR_FILENO, batch + off, batch_len - off);
        if (w <= 0) break; /* a log that cannot be written must not fail requests */
        off += (size_t)w;
    }
    batch_len = 0;
}

void reqlog_flush(void)
{
    pthread_mutex_lock(&batch_mu);
    batch_write();
    pthread_mutex_unlock(&batch_mu);
}

/* Add one line; written now unless other requests are in flight. */
static void batch_add(const char *line, size_t len, int alone)
{
    assert(len <= BATCH);
    pthread_mutex_lock(&batch_mu);
    if (batch_len + len > BATCH) batch_write();
    memcpy(batch + batch_len, line, len);
    batch_len += len;
    if (alone) batch_write();
    pthread_mutex_unlock(&batch_mu);
}
static char prefix[13];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    unsigned char r[6];
    randombytes_buf(r, sizeof r);
    for (int i = 0; i < 6; i++) snprintf(prefix + 2 * i, 3, "%02x", r[i]);
    metrics_describe("icsflow_http_requests_total", METRIC_COUNTER,
                     "HTTP requests answered, by method, route pattern and status class", NULL, 0);
    metrics_describe("icsflow_http_request_duration_seconds", METRIC_HISTOGRAM,
                     "Time from a request's headers to the end of its answer, by route pattern",
                     NULL, 0);
    metrics_describe("icsflow_http_response_bytes_total", METRIC_COUNTER,
                     "Response body bytes sent, by route pattern", NULL, 0);
    metrics_describe("icsflow_http_errors_total", METRIC_COUNTER,
                     "Requests answered 5xx (by route pattern and status) or cut off before "
                     "their answer was sent (status=\"aborted\")",
                     NULL, 0);
    metrics_describe("icsflow_http_requests_in_flight", METRIC_GAUGE,
                     "Requests received and not yet answered in full", NULL, 0);
}

/* A digit run (hyphens allowed inside) of exactly ten digits that passes the
 * NHS number check is taken for one. */
static int holds_nhs_number(const char *s)
{
    for (const char *p = s; *p;) {
        if (!isdigit((unsigned char)*p)) {
            p++;
            continue;
        }
        char d[11];
        int n = 0;
        while (isdigit((unsigned char)*p) || *p == '-') {
            if (isdigit((unsigned char)*p) && n < 11) d[n++] = *p;
            p++;
        }
        if (n == 10) {
            int check = valid_nhs_check_digit(d);
            if (check >= 0 && check == d[9] - '0') return 1;
        }
    }
    return 0;
}

int reqlog_id_ok(const char *s)
{
    size_t n = 0;
    for (const char *p = s; *p; p++, n++)
        if (!isalnum((unsigned char)*p) && !strchr("._:@/+=-", *p)) return 0;
    return n >= 1 && n < REQLOG_ID_LEN && !holds_nhs_number(s);
}

void reqlog_begin(reqlog *l, const char *method, const char *header)
{
    assert(l && method);
    pthread_once(&once, init);
    clock_gettime(CLOCK_MONOTONIC, &l->t0);
    if (header && strlen(header) < REQLOG_ID_LEN && reqlog_id_ok(header))
        memcpy(l->id, header, strlen(header) + 1);
    else
        snprintf(l->id, sizeof l->id, "%s-%llx", prefix,
                 atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed) + 1);
    /* The method goes into labels: only the ones the server answers. */
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
    snprintf(l->method, sizeof l->method, "?");
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strcmp(method, known[i]) == 0) snprintf(l->method, sizeof l->method, "%s", known[i]);
    l->route = "-";
    l->user[0] = '\0';
    l->status = 0;
    l->bytes = 0;
    l->started = 1;
    current = l;
    atomic_fetch_add(&in_flight, 1);
    metrics_gauge_add("icsflow_http_requests_in_flight", "", 1);
}

void reqlog_resume(reqlog *l)
{
    current = l;
}

void reqlog_route(const char *pattern)
{
    if (current) current->route = pattern;
}

void reqlog_user(const char *name)
{
    if (!current) return;
    /* Names are the administrator's choice: keep them to one safe token. */
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof current->user; i++)
        current->user[i] = isgraph((unsigned char)name[i]) && name[i] != '"' ? name[i] : '_';
    current->user[i] = '\0';
}

void reqlog_respond(struct MHD_Response *r, int status, size_t bytes)
{
    if (!current) return;
    if (r) MHD_add_response_header(r, "X-Request-Id", current->id);
    current->status = status;
    current->bytes = bytes;
}

void reqlog_end(reqlog *l, int aborted)
{
    assert(l);
    if (!l->started) return;
    l->started = 0;
    if (current == l) current = NULL;
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - l->t0.tv_sec) + (double)(t1.tv_nsec - l->t0.tv_nsec) / 1e9;
    char cls[4] = "0xx", labels[320];
    if (l->status >= 100 && l->status < 600) cls[0] = (char)('0' + l->status / 100);
    snprintf(labels, sizeof labels, "method=\"%s\",route=\"%s\",status=\"%s\"", l->method, l->route,
             cls);
    metrics_inc("icsflow_http_requests_total", labels);
    snprintf(labels, sizeof labels, "route=\"%s\"", l->route);
    metrics_observe("icsflow_http_request_duration_seconds", labels, secs);
    metrics_add("icsflow_http_response_bytes_total", labels, l->bytes);
    if (aborted || l->status >= 500) {
        char st[12];
        if (aborted)
            snprintf(st, sizeof st, "aborted");
        else
            snprintf(st, sizeof st, "%d", l->status);
        snprintf(labels, sizeof labels, "route=\"%s\",status=\"%s\"", l->route, st);
        metrics_inc("icsflow_http_errors_total", labels);
    }
    metrics_gauge_add("icsflow_http_requests_in_flight", "", -1);

    char ts[32], line[512];
    tz_format_utc(tz_now(), ts, sizeof ts);
    int n = snprintf(line, sizeof line,
                     "%s info request id=%s method=%s route=%s status=%d bytes=%zu ms=%.3f "
                     "user=%s%s\n",
                     ts, l->id, l->method, l->route, l->status, l->bytes, secs * 1e3,
                     l->user[0] ? l->user : "-", aborted ? " aborted=1" : "");
    int alone = atomic_fetch_sub(&in_flight, 1) == 1;
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        line[len - 1] = '\n';
        batch_add(line, len, alone);
    }
}
