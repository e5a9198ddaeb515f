/* stream.c - the Server-Sent Events fan-out (see stream.h).
 *
 * Threads: libmicrohttpd's workers call reader() for each stream's
 * connection; one fan-out thread owns the list of streams and their
 * cursors and is the only reader of the outbox. A stream with nothing to
 * send suspends its connection (no thread, no polling) and the fan-out
 * resumes it when it appends. Each stream's mutex guards its buffer and
 * flags; a stream is freed when both the fan-out list and the response
 * have let go of it (refs).
 *
 * Delivery: the fan-out keeps `last`, the newest id it has read. A stream
 * whose cursor equals `last` is live and gets each new event as it is read;
 * a stream behind (a resume) is caught up from the outbox separately, in
 * pages, only while its buffer is less than half full, and joins the live
 * ones when it reaches `last`; a live stream whose buffer cannot take the
 * next event (a burst) falls behind the same way. So every stream sees
 * every visible event once, in id order, which is commit order
 * (docs/events.md), and its buffer never exceeds its bound. A client that
 * leaves data unread for the stall time is not reading at all: it is cut
 * off (and resumes with Last-Event-ID when it comes back). */
#include "http/stream.h"

#include <assert.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "app/auth.h"
#include "app/hub.h"
#include "app/ics.h"
#include "app/live.h"
#include "core/log.h"
#include "core/metrics.h"
#include "store/store.h"

struct http_stream {
    pthread_mutex_t mu;
    int refs;                  /* the fan-out list and the response */
    struct MHD_Connection *mc; /* NULL until attached */
    int suspended;             /* the connection waits for data */
    int closed;                /* the response is gone: never touch mc again */
    int dead;                  /* cut off (too slow); the reader ends with an error */
    int ending;                /* the server stops: end after the buffer drains */
    int behind;                /* catch-up paused on a full buffer: poke on drain */
    char *buf;
    size_t len, cap;
    time_t last_write; /* the last append (heartbeats fill silence) */
    time_t since;      /* buffered data has waited since then (stall check) */
    /* owned by the fan-out thread */
    int64_t cursor; /* the last id considered for this stream; -1 before the first visit */
    int64_t after;  /* the resume point asked for (-1: from now) */
    char name[64], role[24], org[16];
    unsigned role_bit;
    /* the ICSs whose events it receives (",QRV,QM7,", "*": every ICS),
     * taken afresh with the role when the token is checked again */
    char ics[APP_ICS_MAX * (STORE_ICS_CODE + 1) + 2];
    char token[128];  /* re-checked every heartbeat interval */
    time_t authed_at; /* when it last was */
    struct http_stream *next;
};

static struct {
    pthread_mutex_t mu;   /* guards pending, running, stop, count */
    http_stream *pending; /* attached, not yet taken by the fan-out */
    http_stream *list;    /* the fan-out's own */
    int running, stop, count;
    pthread_t thread;
    pthread_t listener; /* PostgreSQL: LISTEN icsflow_events, for commits by other servers */
    int listening;
    http_stream_config cfg;
    char *db;
} F = {.mu = PTHREAD_MUTEX_INITIALIZER};

void http_stream_config_default(http_stream_config *c)
{
    c->heartbeat = 15;
    c->buffer = 256 * 1024;
    c->window = 10000;
    c->poll_ms = 1000;
    c->stall = 20;
}

static void unref(http_stream *s)
{
    pthread_mutex_lock(&s->mu);
    int left = --s->refs;
    pthread_mutex_unlock(&s->mu);
    if (left) return;
    explicit_bzero(s->token, sizeof s->token);
    pthread_mutex_destroy(&s->mu);
    free(s->buf);
    free(s);
}

http_stream *http_stream_new(const app_ctx *c, int64_t after, const char *token)
{
    assert(c && after >= -1);
    http_stream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    pthread_mutex_init(&s->mu, NULL);
    s->refs = 1;
    s->cursor = -1;
    s->after = after;
    snprintf(s->name, sizeof s->name, "%s", c->who.name ? c->who.name : "");
    snprintf(s->role, sizeof s->role, "%s", c->who.role ? c->who.role : "");
    snprintf(s->org, sizeof s->org, "%s", c->who.org ? c->who.org : "");
    s->role_bit = c->who.role_bit;
    app_ctx vc = *c;
    ics_err e = {0};
    if (app_ics_visible_text(&vc, s->ics, sizeof s->ics, &e)) {
        ics_log("error", "event stream of %s: its ICSs cannot be read: %s", s->name, e.msg);
        s->ics[0] = '\0'; /* delivers nothing until the next check */
    }
    snprintf(s->token, sizeof s->token, "%s", token ? token : "");
    s->last_write = s->authed_at = time(NULL);
    return s;
}

void http_stream_discard(http_stream *s)
{
    if (s) unref(s);
}

/* Append n bytes for the client, waking its connection. Caller holds
 * s->mu. -1 when they do not fit in the client's buffer. */
static int put(http_stream *s, const char *text, size_t n)
{
    if (s->closed || s->dead || s->ending) return 0; /* nothing after the end */
    if (s->len + n > F.cfg.buffer) return -1;
    if (s->len == 0) s->since = time(NULL);
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n) cap *= 2;
        if (cap > F.cfg.buffer) cap = F.cfg.buffer;
        char *b = realloc(s->buf, cap);
        if (!b) return -1;
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, text, n);
    s->len += n;
    s->last_write = time(NULL);
    if (s->suspended && s->mc) {
        s->suspended = 0;
        MHD_resume_connection(s->mc);
    }
    return 0;
}

/* Cut a client off: its reader ends the response with an error. */
static void cut(http_stream *s, const char *why)
{
    if (s->dead || s->closed) return;
    ics_log("warn", "event stream of %s cut off: %s", s->name, why);
    metrics_inc("icsflow_event_stream_cutoffs_total", "");
    s->dead = 1;
    s->len = 0;
    if (s->suspended && s->mc) {
        s->suspended = 0;
        MHD_resume_connection(s->mc);
    }
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    http_stream *s = cls;
    pthread_mutex_lock(&s->mu);
    ssize_t n;
    if (s->dead) {
        n = MHD_CONTENT_READER_END_WITH_ERROR;
    } else if (s->len == 0) {
        if (s->ending) {
            n = MHD_CONTENT_READER_END_OF_STREAM;
        } else {
            /* Nothing to send: park the connection until put() resumes it. */
            s->suspended = 1;
            MHD_suspend_connection(s->mc);
            n = 0;
        }
    } else {
        size_t k = s->len < max ? s->len : max;
        memcpy(out, s->buf, k);
        memmove(s->buf, s->buf + k, s->len - k);
        s->len -= k;
        n = (ssize_t)k;
        s->since = time(NULL);
        if (s->behind && s->len < F.cfg.buffer / 4) {
            s->behind = 0;
            hub_wake(0); /* the fan-out may continue this client's catch-up */
        }
    }
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void on_free(void *cls)
{
    http_stream *s = cls;
    pthread_mutex_lock(&s->mu);
    s->closed = 1;
    s->suspended = 0;
    s->mc = NULL;
    pthread_mutex_unlock(&s->mu);
    pthread_mutex_lock(&F.mu);
    F.count--;
    pthread_mutex_unlock(&F.mu);
    metrics_gauge_add("icsflow_event_streams", "", -1);
    unref(s);
}

void *http_stream_response(http_stream *s, void *mc)
{
    assert(s && mc);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, reader, s, on_free);
    if (!r) {
        unref(s);
        return NULL;
    }
    /* The kernel's share of a stream's backlog stays small too (loopback
     * send buffers otherwise grow to megabytes per connection): the bound
     * on what a client holds is, in effect, our buffer. */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    int sndbuf = 32 * 1024;
    if (ci) setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    pthread_mutex_lock(&s->mu);
    s->mc = mc;
    s->refs++; /* the fan-out's reference */
    /* The client retries after 2 s when the connection drops. */
    put(s, "retry: 2000\n\n", 13);
    pthread_mutex_unlock(&s->mu);
    metrics_gauge_add("icsflow_event_streams", "", 1);
    pthread_mutex_lock(&F.mu);
    F.count++;
    if (F.running && !F.stop) {
        s->next = F.pending;
        F.pending = s;
        pthread_mutex_unlock(&F.mu);
        hub_wake(0);
    } else {
        pthread_mutex_unlock(&F.mu);
        pthread_mutex_lock(&s->mu);
        s->ending = 1;
        pthread_mutex_unlock(&s->mu);
        unref(s);
    }
    return r;
}

int http_stream_count(void)
{
    pthread_mutex_lock(&F.mu);
    int n = F.count;
    pthread_mutex_unlock(&F.mu);
    return n;
}

/* ---- the fan-out thread ------------------------------------------------- */

/* One event as SSE text ("id: N\ndata: {...}\n\n"); the JSON is one line. */
static char *sse_text(json_t *row, size_t *n)
{
    char *js = json_dumps(row, JSON_COMPACT | JSON_ENSURE_ASCII);
    if (!js) return NULL;
    size_t len = strlen(js) + 64;
    char *t = malloc(len);
    if (t)
        *n = (size_t)snprintf(t, len, "id: %lld\ndata: %s\n\n",
                              (long long)json_integer_value(json_object_get(row, "id")), js);
    free(js);
    return t;
}

static int visible(const http_stream *s, json_t *row)
{
    app_ctx c = {NULL, {s->name, s->role, s->role_bit, s->org, "api"}, 0, 0, NULL, ""};
    return app_event_visible(&c, json_string_value(json_object_get(row, "type")),
                             json_string_value(json_object_get(row, "orgs")),
                             json_string_value(json_object_get(row, "ics")), s->ics);
}

/* Offer one event to a stream: appended when visible. -1 when it is
 * visible but does not fit now (the stream falls behind and is caught up
 * from the outbox as its client reads). An event larger than the whole
 * buffer could never be sent: it is skipped, and said so in the log. */
static int offer(http_stream *s, json_t *row, const char *text, size_t n)
{
    if (!visible(s, row)) return 0;
    if (n > F.cfg.buffer) {
        ics_log("warn", "event stream of %s: event %lld (%zu bytes) exceeds the buffer; skipped",
                s->name, (long long)json_integer_value(json_object_get(row, "id")), n);
        return 0;
    }
    pthread_mutex_lock(&s->mu);
    int rc = put(s, text, n);
    if (rc) s->behind = 1;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* `event: reset`: the stream cannot resume where asked; the client reloads
 * what it shows and continues from last. */
static void reset(http_stream *s, int64_t last, const char *why)
{
    char t[200];
    int n = snprintf(t, sizeof t,
                     "event: reset\nid: %lld\ndata: {\"last_id\":%lld,\"reason\":\"%s\"}\n\n",
                     (long long)last, (long long)last, why);
    pthread_mutex_lock(&s->mu);
    put(s, t, (size_t)n);
    pthread_mutex_unlock(&s->mu);
}

static int gone(http_stream *s)
{
    pthread_mutex_lock(&s->mu);
    int g = s->closed || s->dead;
    pthread_mutex_unlock(&s->mu);
    return g;
}

/* Read new events after *last and hand each to the live streams. */
static void deliver_new(store *db, int64_t *last)
{
    for (;;) {
        json_t *rows = NULL;
        ics_err e = {0};
        if (app_events_fetch(db, *last, 500, &rows, &e)) {
            ics_log("error", "event stream: reading the outbox failed: %s", e.msg);
            return;
        }
        size_t i, nrows = json_array_size(rows);
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            int64_t id = json_integer_value(json_object_get(row, "id"));
            size_t n = 0;
            char *text = sse_text(row, &n);
            for (http_stream *s = F.list; s; s = s->next)
                if (s->cursor == *last && (!text || offer(s, row, text, n) == 0)) s->cursor = id;
            free(text);
            *last = id;
        }
        /* From the commit that announced these ids to their being queued
         * on every live stream (events found by polling have no such time). */
        int64_t at = hub_last_at_ns();
        if (nrows && at && hub_last() >= *last) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
            metrics_observe("icsflow_event_delivery_seconds", "", (double)(now - at) / 1e9);
        }
        json_decref(rows);
        if (nrows < 500) return;
    }
}

/* First visit of a new stream: where it starts. */
static void admit(store *db, http_stream *s, int64_t last)
{
    (void)db;
    if (s->after < 0) {
        s->cursor = last;
    } else if (s->after > last) {
        reset(s, last, "unknown event id");
        s->cursor = last;
    } else if (last - s->after > F.cfg.window) {
        reset(s, last, "too far behind");
        s->cursor = last;
    } else {
        s->cursor = s->after;
    }
}

/* Catch a stream that is behind up towards last, a page at a time, while
 * its buffer is under half full. */
static void catch_up(store *db, http_stream *s, int64_t last)
{
    while (s->cursor < last) {
        pthread_mutex_lock(&s->mu);
        int room = !s->closed && !s->dead && s->len < F.cfg.buffer / 2;
        if (!room) s->behind = 1;
        pthread_mutex_unlock(&s->mu);
        if (!room) return;
        json_t *rows = NULL;
        ics_err e = {0};
        if (app_events_fetch(db, s->cursor, 100, &rows, &e)) {
            ics_log("error", "event stream: reading the outbox failed: %s", e.msg);
            return;
        }
        size_t i, used = 0;
        int full = 0;
        json_t *row;
        json_array_foreach(rows, i, row)
        {
            int64_t id = json_integer_value(json_object_get(row, "id"));
            if (id > last) break;
            used++;
            size_t n = 0;
            char *text = sse_text(row, &n);
            full = text && offer(s, row, text, n);
            free(text);
            if (full) break;
            s->cursor = id;
        }
        json_decref(rows);
        if (used == 0) s->cursor = last; /* nothing more was committed up to last */
        if (full) return;                /* wait for the reader (it pokes the hub) */
    }
}

/* A heartbeat on a silent stream; a client that has left data unread for
 * the stall time is cut off. */
static void heartbeat(http_stream *s, time_t now)
{
    pthread_mutex_lock(&s->mu);
    if (s->len > 0 && now - s->since >= F.cfg.stall)
        cut(s, "it has not read its events (client too slow)");
    else if (now - s->last_write >= F.cfg.heartbeat)
        put(s, ": heartbeat\n\n", 13);
    pthread_mutex_unlock(&s->mu);
}

/* The token the stream was opened with, checked again: a stream must not
 * outlive its sign-in (a revoked token or user, an expired token, an ended
 * session). It ends with `event: revoked`, after what is buffered. A
 * database error leaves it open (checked again next time). The user's role
 * and organisation are taken afresh too. */
static void recheck(store *db, http_stream *s, time_t now)
{
    if (now - s->authed_at < F.cfg.heartbeat) return;
    s->authed_at = now;
    auth_user u;
    ics_err e = {0};
    int rc = app_auth_token(db, s->token, &u, &e);
    char ics[sizeof s->ics];
    if (!rc) {
        app_ctx c = app_ctx_user(db, &u, "api", 0);
        ics_err ie = {0};
        if (app_ics_visible_text(&c, ics, sizeof ics, &ie)) {
            ics_log("warn", "event stream of %s: its ICSs cannot be read: %s", s->name, ie.msg);
            snprintf(ics, sizeof ics, "%s", s->ics); /* kept until the next check */
        }
    }
    pthread_mutex_lock(&s->mu);
    if (rc == ICS_EAUTH && !s->ending && !s->closed && !s->dead) {
        char t[600];
        json_t *j = json_pack("{ss}", "detail", e.msg);
        char *js = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
        int n = snprintf(t, sizeof t, "event: revoked\ndata: %s\n\n", js ? js : "{}");
        free(js);
        json_decref(j);
        s->len = 0; /* what was queued is not theirs to read any more */
        put(s, t, (size_t)n < sizeof t ? (size_t)n : sizeof t - 1);
        s->ending = 1;
        ics_log("info", "event stream of %s ended: %s", s->name, e.msg);
    } else if (!rc) {
        snprintf(s->role, sizeof s->role, "%s", u.role);
        snprintf(s->org, sizeof s->org, "%s", u.org);
        s->role_bit = u.role_bit;
        memcpy(s->ics, ics, sizeof s->ics);
    }
    pthread_mutex_unlock(&s->mu);
}

static void *fanout(void *arg)
{
    store *db = arg;
    int64_t last = 0;
    ics_err e = {0};
    if (app_events_last(db, &last, &e))
        ics_log("error", "event stream: reading the outbox failed: %s", e.msg);
    uint64_t gen = hub_wakes();
    for (;;) {
        pthread_mutex_lock(&F.mu);
        int stop = F.stop;
        http_stream *fresh = F.pending;
        F.pending = NULL;
        pthread_mutex_unlock(&F.mu);
        if (stop) break;
        deliver_new(db, &last);
        while (fresh) {
            http_stream *s = fresh;
            fresh = s->next;
            admit(db, s, last);
            s->next = F.list;
            F.list = s;
        }
        time_t now = time(NULL);
        for (http_stream **p = &F.list; *p;) {
            http_stream *s = *p;
            if (gone(s)) {
                *p = s->next;
                unref(s);
                continue;
            }
            recheck(db, s, now);
            if (s->cursor < last) catch_up(db, s, last);
            heartbeat(s, now);
            p = &s->next;
        }
        hub_wait(&gen, F.cfg.poll_ms);
    }
    /* Stopping: every stream ends once its buffer is sent. */
    for (http_stream *s = F.list, *next; s; s = next) {
        next = s->next;
        pthread_mutex_lock(&s->mu);
        s->ending = 1;
        if (s->suspended && s->mc) {
            s->suspended = 0;
            MHD_resume_connection(s->mc);
        }
        pthread_mutex_unlock(&s->mu);
        unref(s);
    }
    F.list = NULL;
    store_close(db);
    return NULL;
}

static int stopping(void)
{
    pthread_mutex_lock(&F.mu);
    int s = F.stop;
    pthread_mutex_unlock(&F.mu);
    return s;
}

/* The wake-up across servers: PostgreSQL delivers each committed event's id
 * to every listening connection; this thread hands it to the hub. A lost
 * connection is re-opened (the fan-out's poll covers the gap). */
static void *listener(void *arg)
{
    store *s = arg;
    int up = 0;
    while (!stopping()) {
        ics_err e = {0};
        if (!up) {
            if (store_listen(s, &e)) {
                ics_log("warn", "event stream: cannot listen for other servers' events: %s", e.msg);
                struct timespec ts = {1, 0};
                nanosleep(&ts, NULL);
                continue;
            }
            up = 1;
            hub_wake(0); /* anything missed while not listening */
        }
        int64_t id = 0;
        int rc = store_wait_notify(s, 1000, &id, &e);
        if (rc == 1)
            hub_wake(id > 0 ? id : 0);
        else if (rc < 0) {
            ics_log("warn", "event stream: listening connection lost: %s", e.msg);
            up = 0;
        }
    }
    store_close(s);
    return NULL;
}

int http_stream_start(const char *db, const http_stream_config *cfg, ics_err *e)
{
    assert(db && cfg && cfg->buffer >= 1024 && cfg->heartbeat >= 1 && cfg->poll_ms >= 10);
    store *s;
    int rc = store_open(db, &s, NULL, e);
    if (rc) return rc;
    metrics_describe("icsflow_event_streams", METRIC_GAUGE, "Event streams open", NULL, 0);
    metrics_describe("icsflow_event_stream_cutoffs_total", METRIC_COUNTER,
                     "Event streams cut off because the client did not read", NULL, 0);
    metrics_describe("icsflow_event_delivery_seconds", METRIC_HISTOGRAM,
                     "From a commit's wake-up to its events queued on every live stream", NULL, 0);
    F.cfg = *cfg;
    F.stop = 0;
    F.list = F.pending = NULL;
    if (pthread_create(&F.thread, NULL, fanout, s)) {
        store_close(s);
        return ics_err_set(e, ICS_EIO, "cannot start the event stream thread");
    }
    pthread_mutex_lock(&F.mu);
    F.running = 1;
    pthread_mutex_unlock(&F.mu);
    /* Several servers share a PostgreSQL database: each listens for the
     * others' commits. (SQLite: one server per file; the poll finds changes
     * made by the command line.) */
    F.listening = 0;
    store *ls;
    if (!strcmp(store_backend(s), "postgresql") && !store_open(db, &ls, NULL, e)) {
        if (pthread_create(&F.listener, NULL, listener, ls))
            store_close(ls);
        else
            F.listening = 1;
    }
    return 0;
}

void http_stream_stop(void)
{
    pthread_mutex_lock(&F.mu);
    int running = F.running;
    F.stop = 1;
    pthread_mutex_unlock(&F.mu);
    if (!running) return;
    hub_wake(0);
    pthread_join(F.thread, NULL);
    if (F.listening) pthread_join(F.listener, NULL);
    F.listening = 0;
    pthread_mutex_lock(&F.mu);
    F.running = 0;
    /* streams attached while the thread was stopping */
    http_stream *p = F.pending;
    F.pending = NULL;
    pthread_mutex_unlock(&F.mu);
    while (p) {
        http_stream *s = p;
        p = s->next;
        pthread_mutex_lock(&s->mu);
        s->ending = 1;
        if (s->suspended && s->mc) {
            s->suspended = 0;
            MHD_resume_connection(s->mc);
        }
        pthread_mutex_unlock(&s->mu);
        unref(s);
    }
}
