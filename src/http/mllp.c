/* mllp.c - the MLLP listener (see mllp.h): a shell like the HTTP handlers.
 * It only frames bytes (the engine's hl7_mllp_frame), hands each message to
 * the use case (app_hl7_message) and writes back the ACK it returns. One
 * thread accepts; each connection has a thread and a database connection
 * of its own (a feed is one long-lived connection per sending system).
 * The stop signals are blocked in these threads so that the server's main
 * thread, which waits for them, receives them. */
#include "http/mllp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/hl7.h"
#include "core/log.h"
#include "core/tz.h"
#include "hl7/hl7.h"
#include "store/store.h"

static struct {
    int fd;
    char db[1024];
    int max_conns;
    pthread_t acceptor;
    atomic_int stop, conns;
    int running;
} L = {.fd = -1};

static void block_stop_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *serve_conn(void *arg)
{
    int fd = (int)(intptr_t)arg;
    block_stop_signals();
    store *s = NULL;
    int created = 0;
    ics_err e = {0};
    if (store_open(L.db, &s, &created, &e)) {
        ics_log("error", "mllp: cannot open the database: %s", e.msg);
        close(fd);
        atomic_fetch_sub(&L.conns, 1);
        return NULL;
    }
    size_t cap = 64 * 1024, n = 0;
    unsigned char *buf = malloc(cap);
    char *ack = malloc(APP_HL7_ACK_MAX + 3);
    while (buf && ack && !atomic_load(&L.stop)) {
        struct pollfd p = {fd, POLLIN, 0};
        int pr = poll(&p, 1, 250);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue;
        if (n == cap) {
            if (cap > HL7_MAX_MESSAGE + 16) break; /* hl7_mllp_frame refuses it below */
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
        int bad = 0;
        for (;;) {
            size_t start, len, used;
            int f = hl7_mllp_frame(buf, n, &start, &len, &used);
            if (f == HL7_FRAME_BAD) {
                ics_log("warn", "mllp: a frame over %d bytes; connection closed", HL7_MAX_MESSAGE);
                bad = 1;
                break;
            }
            if (f == HL7_FRAME_OK) {
                char code[4];
                ack[0] = HL7_MLLP_SB;
                int k = app_hl7_message(s, (const char *)buf + start, len, tz_now(), ack + 1, code);
                if (k < 0) k = 0;
                ack[1 + k] = HL7_MLLP_EB;
                ack[2 + k] = HL7_MLLP_CR;
                if (write_all(fd, ack, (size_t)k + 3)) {
                    bad = 1;
                    break;
                }
            }
            if (used == 0) break; /* a frame not finished yet */
            memmove(buf, buf + used, n - used);
            n -= used;
        }
        if (bad) break;
    }
    free(buf);
    free(ack);
    store_close(s);
    close(fd);
    atomic_fetch_sub(&L.conns, 1);
    return NULL;
}

static void *accept_loop(void *arg)
{
    (void)arg;
    block_stop_signals();
    while (!atomic_load(&L.stop)) {
        struct pollfd p = {L.fd, POLLIN, 0};
        if (poll(&p, 1, 250) <= 0) continue;
        int fd = accept(L.fd, NULL, NULL);
        if (fd < 0) continue;
        if (atomic_load(&L.conns) >= L.max_conns) {
            ics_log("warn", "mllp: %d connections open; one more refused", L.max_conns);
            close(fd);
            continue;
        }
        atomic_fetch_add(&L.conns, 1);
        pthread_t t;
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &at, serve_conn, (void *)(intptr_t)fd) != 0) {
            close(fd);
            atomic_fetch_sub(&L.conns, 1);
        }
        pthread_attr_destroy(&at);
    }
    return NULL;
}

int http_mllp_start(const char *db_path, const char *host, int port, const char *port_file,
                    int max_conns, ics_err *e)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    if (getaddrinfo(host, ps, &hints, &ai) != 0)
        return ics_err_set(e, ICS_EINVAL, "--mllp: '%s' is not an IP address", host);
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 16) != 0) {
        int err = errno;
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return ics_err_set(e, ICS_EIO, "--mllp: cannot listen on %s:%d: %s", host, port,
                           strerror(err));
    }
    freeaddrinfo(ai);
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &sl);
    int bound = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                               : ((struct sockaddr_in *)&sa)->sin_port);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (f) {
            fprintf(f, "%d\n", bound);
            fclose(f);
        }
    }
    snprintf(L.db, sizeof L.db, "%s", db_path);
    L.fd = fd;
    L.max_conns = max_conns > 0 ? max_conns : 16;
    atomic_store(&L.stop, 0);
    if (pthread_create(&L.acceptor, NULL, accept_loop, NULL) != 0) {
        close(fd);
        L.fd = -1;
        return ics_err_set(e, ICS_EIO, "--mllp: cannot start the listener thread");
    }
    L.running = 1;
    ics_log("info", "mllp: listening for HL7 v2 on %s:%d", host, bound);
    return 0;
}

void http_mllp_stop(void)
{
    if (!L.running) return;
    atomic_store(&L.stop, 1);
    pthread_join(L.acceptor, NULL);
    close(L.fd);
    L.fd = -1;
    for (int i = 0; i < 400 && atomic_load(&L.conns) > 0; i++) usleep(10000);
    L.running = 0;
}
