/* h_events.c - the change-event outbox over HTTP: GET /api/v1/events?after=N
 * lists the committed changes the caller may see, oldest first, so a
 * client can resume from the last id it saw; with Accept: text/event-stream
 * the same events arrive as Server-Sent Events as they commit (stream.c). */
#include <stdlib.h>
#include <string.h>

#include "app/notify.h"
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
    const char *auth = http_header(rq, "Authorization"), *tok = auth ? auth + 6 : "";
    while (*tok == ' ') tok++;
    rs->stream = http_stream_new(&c, after, tok);
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

/* GET /api/v1/notifications?unread=1&limit=N: the caller's inbox and the
 * unread count for the badge. */
static int notifications_list(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"unread", "limit", NULL};
    ics_err e = {0};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    const char *u = http_query(rq, "unread"), *l = http_query(rq, "limit");
    if (u && strcmp(u, "0") && strcmp(u, "1"))
        return http_problem(rs, 422, "unread must be 0 or 1", NULL);
    int64_t limit = 50;
    if (l) {
        char *end;
        limit = strtoll(l, &end, 10);
        if (!*l || *end || limit < 1 || limit > 1000)
            return http_problem(rs, 422, "limit must be a whole number from 1 to 1000", NULL);
    }
    app_ctx c = http_app(rq);
    json_t *out = NULL;
    if (app_notifications_list(&c, u && !strcmp(u, "1"), limit, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int notification_read(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    char *end;
    const char *id = rq->params[0];
    long long n = strtoll(id, &end, 10);
    if (!*id || *end || n < 1) return http_problem(rs, 404, "no such notification", NULL);
    app_ctx c = http_app(rq);
    if (app_notification_read(&c, n, &e)) return http_error(rs, &e);
    json_t *out = NULL;
    if (app_notifications_list(&c, 1, 1, &out, &e)) return http_error(rs, &e);
    json_t *r = json_pack("{sIsbsO}", "id", (json_int_t)n, "read", 1, "unread",
                          json_object_get(out, "unread"));
    json_decref(out);
    return http_json(rs, 200, r);
}

/* POST /api/v1/sitrep/aid/{id}/ask {"org": "R1K"}: ask one trust for help. */
static int aid_ask(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {{"org", JF_STRING, 1}, {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    char *end;
    const char *id = rq->params[0];
    long long n = strtoll(id, &end, 10);
    if (!*id || *end || n < 1) return http_problem(rs, 404, "no such mutual-aid request", NULL);
    app_ctx c = http_app(rq);
    json_t *out = NULL;
    if (app_aid_ask(&c, n, json_string_value(json_object_get(rq->json, "org")), &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

const http_route http_routes_events[] = {
    {"GET", "/api/v1/events", 0, events_list, "Committed changes the caller may see, by id",
     &APP_EVENTS_LIST},
    {"GET", "/api/v1/notifications", 0, notifications_list,
     "The caller's notifications, newest first, with the unread count", &APP_NOTIFICATIONS_LIST},
    {"POST", "/api/v1/notifications/{id}/read", 0, notification_read,
     "Mark one of the caller's notifications read", &APP_NOTIFICATION_READ},
    {"POST", "/api/v1/sitrep/aid/{id}/ask", 0, aid_ask,
     "Ask one trust for help with a mutual-aid request (it is notified)", &APP_AID_ASK},
    {NULL, NULL, 0, NULL, NULL, NULL}};
