/* fuzz_api.c - libFuzzer target: requests through the real server, route
 * table and handlers on a temporary seeded database. The server runs in
 * this process (http_serve on a thread, loopback, port 0), so a crash or a
 * sanitizer report in any handler is a finding; so is a 500 answer or a
 * connection closed without one.
 *
 * Input: byte 0 picks the caller (admin, clinician RYJ, trust ops R1K,
 * analyst, no token); then "METHOD PATH?QUERY" up to the first newline;
 * the rest is the body, sent as JSON. Bytes outside printable ASCII in the
 * request line are percent-encoded so it stays a valid HTTP request line.
 *
 * The engine limits are lowered (FUZZ_LIMITS): a simulation or allocation
 * request is legitimately minutes of work at the server's defaults (a bed
 * review of 20 replications is 5 s of CPU under ASan, 20 s of wall time on a
 * loaded machine), which made -timeout report a slow but correct input. With
 * these limits no input costs more than about a second of CPU, so a timeout
 * is a real hang again; the engines themselves are covered by their unit
 * tests, the requests' checks and the 422 for a run over its limit here. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/limits.h"
#include "core/paths.h"
#include "core/sb.h"
#include "core/token.h"
#include "http/server.h"
#include "app/auth.h"
#include "app/users.h"
#include "core/tz.h"

static char tokens[4][TOKEN_LEN + 1];
static int port;
static char dir[64];

static void cleanup(void)
{
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_api: could not remove %s\n", dir);
}

static void *serve(void *arg)
{
    ics_err e = {0};
    if (http_serve(arg, &e)) {
        fprintf(stderr, "fuzz_api: %s\n", e.msg);
        abort();
    }
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(dir, sizeof dir, "/tmp/icsflow-fuzz-XXXXXX");
    if (!mkdtemp(dir)) abort();
    atexit(cleanup);
    static char db[96], portfile[96];
    snprintf(db, sizeof db, "%s/fuzz.db", dir);
    snprintf(portfile, sizeof portfile, "%s/port", dir);
    /* a seeded copy from tests/fuzz/run.sh saves seeding in every run */
    const char *tmpl = getenv("ICSFLOW_FUZZ_DB");
    if (tmpl && *tmpl) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "cp '%s' '%s'", tmpl, db);
        if (system(cmd) != 0) abort();
    }
    static const app_limits FUZZ_LIMITS = {2e6, 1e4, 2e5}; /* sim events, beds, allocation arcs */
    app_limits_set(&FUZZ_LIMITS);
    ics_err e = {0};
    store *s;
    int seeded = 0;
    char data[1024];
    if (token_init() || paths_find("data", NULL, "places.csv", data, sizeof data, &e) ||
        app_db_open(db, data, &s, &seeded, &e)) {
        fprintf(stderr, "fuzz_api: %s\n", e.msg);
        abort();
    }
    static const char *const who[4][3] = {{"fz-admin", "admin", "QRV"},
                                          {"fz-clin", "clinician", "RYJ"},
                                          {"fz-ops", "trust_ops", "R1K"},
                                          {"fz-ana", "analyst", "QRV"}};
    app_ctx c = app_ctx_cli(s, tz_now());
    for (int i = 0; i < 4; i++) {
        int64_t id;
        json_t *info = NULL;
        if (app_user_add(&c, who[i][0], who[i][1], who[i][2], tokens[i], &id, &e) &&
            app_token_issue(&c, &APP_TOKENS_USER_ISSUE, who[i][0], "fuzz", 0, tokens[i], &info,
                            &e)) {
            fprintf(stderr, "fuzz_api: %s\n", e.msg);
            abort();
        }
        json_decref(info);
    }
    store_close(s);
    static http_config cfg;
    cfg.db_path = db;
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.threads = 2;
    cfg.port_file = portfile;
    pthread_t t;
    if (pthread_create(&t, NULL, serve, &cfg)) abort();
    for (int i = 0; i < 2000 && !port; i++) {
        FILE *f = fopen(portfile, "r");
        if (f) {
            if (fscanf(f, "%d", &port) != 1) port = 0;
            fclose(f);
        }
        if (!port) usleep(10000);
    }
    if (!port) abort();
    return 0;
}

/* Send one request, read the whole answer; returns the status or -1.
 * libFuzzer's timeout timer sends SIGALRM every -timeout/2 + 1 seconds, and
 * socket calls with SO_RCVTIMEO are never restarted after a signal: each
 * call is retried on EINTR, or a request in flight at that moment looked
 * like a server that answered nothing (a false finding, once in ~14,000). */
static int roundtrip(const char *req, size_t n)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) abort();
    struct timeval tv = {60, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
        /* interrupted: the connection goes on; wait for it */
        struct pollfd pf = {fd, POLLOUT, 0};
        int err = 0;
        socklen_t el = sizeof err;
        if (errno != EINTR) abort();
        while (poll(&pf, 1, 60000) < 0)
            if (errno != EINTR) abort();
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) abort();
    }
    for (size_t off = 0; off < n;) {
        ssize_t w = send(fd, req + off, n - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break; /* the server may answer early (413) and close */
        off += (size_t)w;
    }
    char head[16] = "";
    size_t got = 0;
    char buf[8192];
    ssize_t r;
    while ((r = recv(fd, buf, sizeof buf, 0)) > 0 || (r < 0 && errno == EINTR)) {
        if (r < 0) continue;
        if (got < sizeof head - 1) {
            size_t k = (size_t)r < sizeof head - 1 - got ? (size_t)r : sizeof head - 1 - got;
            memcpy(head + got, buf, k);
            head[got + k] = '\0';
        }
        got += (size_t)r;
    }
    close(fd);
    int status = -1;
    if (sscanf(head, "HTTP/1.%*d %d", &status) != 1) return -1;
    return status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 65536) return -1;
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    int who = data[0] % 5;
    const uint8_t *p = data + 1, *end = data + size;
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    const uint8_t *line_end = nl ? nl : end;
    const uint8_t *sp = memchr(p, ' ', (size_t)(line_end - p));
    const char *method = "GET";
    const uint8_t *path = p;
    if (sp) {
        size_t ml = (size_t)(sp - p);
        method = NULL;
        for (int i = 0; i < 5 && !method; i++)
            if (strlen(methods[i]) == ml && !memcmp(methods[i], p, ml)) method = methods[i];
        if (!method) method = methods[ml % 5];
        path = sp + 1;
    }
    sb req;
    sb_init(&req);
    sb_printf(&req, "%s ", method);
    if (path >= line_end || *path != '/') sb_puts(&req, "/");
    for (const uint8_t *c = path; c < line_end && req.len < 4096; c++) {
        if (*c > 0x20 && *c < 0x7f && *c != '#')
            sb_printf(&req, "%c", *c);
        else
            sb_printf(&req, "%%%02X", *c);
    }
    const char *body = nl ? (const char *)nl + 1 : "";
    size_t blen = nl ? (size_t)(end - nl - 1) : 0;
    sb_printf(&req, " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n");
    if (who < 4) sb_printf(&req, "Authorization: Bearer %s\r\n", tokens[who]);
    if (blen) sb_printf(&req, "Content-Type: application/json\r\nContent-Length: %zu\r\n", blen);
    sb_puts(&req, "\r\n");
    char *msg = malloc(req.len + blen + 1);
    memcpy(msg, req.buf, req.len);
    memcpy(msg + req.len, body, blen);
    int status = roundtrip(msg, req.len + blen);
    if (status < 0 || status >= 500) {
        fprintf(stderr, "fuzz_api: status %d for: %.*s\n", status,
                (int)(req.len > 300 ? 300 : req.len), req.buf);
        abort();
    }
    free(msg);
    sb_free(&req);
    return 0;
}
