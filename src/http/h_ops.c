/* h_ops.c - what a load balancer and a monitoring system ask of a server:
 * GET /readyz (may this server take traffic: database answering, schema
 * complete) and GET /metrics (the registry of core/metrics.h in the
 * Prometheus text format, for an administrator's token or the metrics token
 * given in ICSFLOW_METRICS_TOKEN, so a scraper need not hold an admin token). */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "app/auth.h"
#include "app/ops.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/sb.h"
#include "core/tz.h"
#include "http/http.h"
#include "http/limits.h"
#include "http/reqlog.h"

#define METRICS_TOKEN_MIN 32

static const char *metrics_token; /* set once, from the environment */
static time_t started;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
    started = time(NULL);
    const char *t = getenv("ICSFLOW_METRICS_TOKEN");
    if (t && strlen(t) >= METRICS_TOKEN_MIN)
        metrics_token = t;
    else if (t && *t)
        ics_log("warning", "ICSFLOW_METRICS_TOKEN ignored: it must be at least %d characters",
                METRICS_TOKEN_MIN);
    metrics_describe("icsflow_ready", METRIC_GAUGE,
                     "1 when the last readiness check passed (GET /readyz or a scrape)", NULL, 0);
    metrics_describe("icsflow_jobs", METRIC_GAUGE, "Background jobs in the database, by state",
                     NULL, 0);
}

static int readyz(http_req *rq, http_resp *rs)
{
    pthread_once(&once, init);
    ics_err e = {0};
    int rc = app_ready(rq->db, &e);
    metrics_gauge_set("icsflow_ready", "", rc ? 0 : 1);
    if (rc) {
        http_problem(rs, 503, e.msg, NULL);
        rs->retry_after = 5;
        return 0;
    }
    return http_json(rs, 200, json_pack("{ssss}", "status", "ready", "version", ICS_VERSION));
}

/* 1 when the caller may read the metrics; else the answer is in rs. */
static int allowed(http_req *rq, http_resp *rs)
{
    const char *h = http_header(rq, "Authorization");
    const char *tok = h && strncasecmp(h, "Bearer ", 7) == 0 ? h + 7 : NULL;
    while (tok && *tok == ' ') tok++;
    if (!tok || !*tok) {
        http_problem(rs, 401,
                     "GET /metrics needs 'Authorization: Bearer <token>': an administrator's "
                     "token or the metrics token",
                     NULL);
        return 0;
    }
    size_t n = strlen(tok);
    if (metrics_token && n == strlen(metrics_token) && sodium_memcmp(tok, metrics_token, n) == 0) {
        reqlog_user("(metrics-token)");
        return 1;
    }
    int wait = limits_auth_blocked(rq->client_addr);
    if (wait) {
        http_problem(rs, 429, "too many failed sign-in attempts from your address; try again later",
                     NULL);
        rs->retry_after = wait;
        return 0;
    }
    auth_user u;
    ics_err e = {0};
    if (app_auth_token(rq->db, tok, &u, &e)) {
        if (e.code == ICS_EAUTH) limits_auth_failed(rq->client_addr);
        http_error(rs, &e);
        return 0;
    }
    reqlog_user(u.name);
    app_ctx c = app_ctx_user(rq->db, &u, "api", tz_now());
    if (app_allow(&c, &APP_OPS_METRICS, &e)) {
        http_problem(rs, 403, "only an administrator (or the metrics token) may read /metrics",
                     NULL);
        return 0;
    }
    return 1;
}

/* The standard process metrics, which are counters of seconds and so are
 * written here rather than kept in the (integer-counter) registry. */
static void process_metrics(sb *b)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    sb_printf(b,
              "# HELP process_cpu_seconds_total User and system CPU time spent in seconds.\n"
              "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.6f\n"
              "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
              "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n"
              "# HELP process_start_time_seconds Start time of the process since unix epoch in "
              "seconds.\n# TYPE process_start_time_seconds gauge\n"
              "process_start_time_seconds %lld\n"
              "# HELP icsflow_build_info The running version.\n# TYPE icsflow_build_info gauge\n"
              "icsflow_build_info{version=\"%s\"} 1\n",
              cpu, rss * sysconf(_SC_PAGESIZE), (long long)started, ICS_VERSION);
}

static int metrics(http_req *rq, http_resp *rs)
{
    pthread_once(&once, init);
    if (!allowed(rq, rs)) return 0;
    ics_err e = {0};
    metrics_gauge_set("icsflow_ready", "", app_ready(rq->db, &e) ? 0 : 1);
    if (app_ops_gauges(rq->db, &e)) ics_log("warning", "metrics: jobs by state: %s", e.msg);
    size_t n = 0;
    char *text = metrics_render(&n);
    if (!text) return http_problem(rs, 500, "out of memory rendering the metrics", NULL);
    sb b;
    sb_init(&b);
    sb_append(&b, text, n);
    free(text);
    process_metrics(&b);
    if (b.oom) {
        sb_free(&b);
        return http_problem(rs, 500, "out of memory rendering the metrics", NULL);
    }
    rs->status = 200;
    rs->body_len = b.len;
    rs->body = sb_steal(&b);
    rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 0;
}

/* Both are public in the table: /readyz because a load balancer has no
 * token; /metrics because it checks its own credentials (above). */
const http_route http_routes_ops[] = {
    {"GET", "/readyz", ROLE_PUBLIC, readyz,
     "Readiness: the database answers and no schema migration is pending", NULL},
    {"GET", "/metrics", ROLE_PUBLIC, metrics,
     "Prometheus metrics (an administrator's token or the metrics token)", NULL},
    {NULL, NULL, 0, NULL, NULL, NULL}};
