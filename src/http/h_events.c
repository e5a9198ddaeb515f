/* h_events.c - the change-event outbox over HTTP: GET /api/v1/events?after=N
 * lists the committed changes the caller may see, oldest first, so a
 * client can resume from the last id it saw; with Accept: text/event-stream
 * the same events arrive as Server-Sent Events as they commit (stream.c). */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "http/stream.h"

/* The resume point of a stream: Last-Event-ID (what a reconnecting client
 * sends) over ?after=; -1 (from now) when neither is given. */
static int stream_open(http_req *rq, http_resp *rs, const char *a)
{
    const char *h = http_header(rq, "Last-Event-ID");
    const char *from = h && *h ? h : a;
    int64_t after = -1;
    if (from) {
        char *end;
        after = strtoll(from, &end, 10);
        if (!*from || *end || after < 0)
            return http_problem(rs, 422,
                                h && *h ? "Last-Event-ID must be an event id, 0 or more"
                                        : "after must be an event id, 0 or more",
                                NULL);
    }
    app_ctx c = http_app(rq);
    rs->stream = http_stream_new(&c, after);
    if (!rs->stream) return http_problem(rs, 503, "the server cannot open a stream now", NULL);
    return 0;
}

static int events_list(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"after", "limit", NULL};
    ics_err e = {0};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    int64_t after = 0, limit = 100;
    const char *a = http_query(rq, "after"), *l = http_query(rq, "limit");
    const char *accept = http_header(rq, "Accept");
    if (accept && strstr(accept, "text/event-stream")) return stream_open(rq, rs, a);
    char *end;
    if (a) {
        after = strtoll(a, &end, 10);
        if (!*a || *end || after < 0)
            return http_problem(rs, 422, "after must be an event id, 0 or more", NULL);
    }
    if (l) {
        limit = strtoll(l, &end, 10);
        if (!*l || *end || limit < 1 || limit > 1000)
            return http_problem(rs, 422, "limit must be a whole number from 1 to 1000", NULL);
    }
    app_ctx c = http_app(rq);
    json_t *rows = NULL;
    int64_t last = 0;
    if (app_events_list(&c, after, limit, &rows, &last, &e)) return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{sosI}", "items", rows, "last_id", (json_int_t)last));
}

const http_route http_routes_events[] = {{"GET", "/api/v1/events", 0, events_list,
                                          "Committed changes the caller may see, by id",
                                          &APP_EVENTS_LIST},
                                         {NULL, NULL, 0, NULL, NULL, NULL}};
