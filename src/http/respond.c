/* respond.c - the helpers every handler uses to read input and answer:
 * JSON and problem responses, the one error-code-to-status table, paging,
 * and the body schema check. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sb.h"
#include "core/tz.h"
#include "core/utf8.h"
#include "http/http.h"

int http_status_of(int code)
{
    switch (code) {
    case ICS_OK:
        return 200;
    case ICS_EINVAL:
        return 422;
    case ICS_EBADREQ:
        return 400;
    case ICS_ENOTFOUND:
        return 404;
    case ICS_ECONFLICT:
        return 409;
    case ICS_EAUTH:
        return 401;
    case ICS_EFORBID:
        return 403;
    case ICS_ETOOBIG:
        return 413;
    case ICS_EBUSY:
    case ICS_ERETRY: /* still failing after the server's retries */
        return 503;
    default:
        return 500;
    }
}

static const char *title_of(int status)
{
    switch (status) {
    case 400:
        return "Bad request";
    case 401:
        return "Unauthorised";
    case 403:
        return "Forbidden";
    case 404:
        return "Not found";
    case 405:
        return "Method not allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Request body too large";
    case 415:
        return "Unsupported media type";
    case 422:
        return "Unprocessable content";
    case 429:
        return "Too many requests";
    case 431:
        return "Request header fields too large";
    case 502:
        return "Bad gateway";
    case 503:
        return "Service unavailable";
    default:
        return "Internal server error";
    }
}

int http_json(http_resp *rs, int status, json_t *body)
{
    json_decref(rs->json);
    rs->status = status;
    rs->json = body;
    rs->content_type = "application/json";
    return 0;
}

int http_text(http_resp *rs, int status, const char *content_type, const char *text, size_t n)
{
    free(rs->body);
    rs->body = malloc(n + 1);
    if (rs->body) {
        memcpy(rs->body, text, n);
        rs->body[n] = '\0';
    }
    rs->body_len = rs->body ? n : 0;
    rs->status = status;
    rs->content_type = content_type;
    return 0;
}

int http_problem(http_resp *rs, int status, const char *detail, json_t *extra)
{
    char type[64];
    snprintf(type, sizeof type, "https://icsflow.org/problems/%d", status);
    /* detail may quote input: scrub a copy so the problem is always valid
     * UTF-8 (json_pack would refuse it and leave the response empty). */
    char *safe = strdup(detail ? detail : title_of(status));
    if (safe) utf8_scrub(safe);
    json_t *p = json_pack("{sssssiss}", "type", type, "title", title_of(status), "status", status,
                          "detail", safe ? safe : title_of(status));
    free(safe);
    assert(p);
    if (extra) {
        json_object_update(p, extra);
        json_decref(extra);
    }
    http_json(rs, status, p);
    rs->content_type = "application/problem+json";
    return 0;
}

int http_error(http_resp *rs, const ics_err *e)
{
    int st = http_status_of(e->code);
    rs->err = e->code;
    return http_problem(rs, st, st == 500 && !e->msg[0] ? "internal error" : e->msg, NULL);
}

static int parse_nonneg(const char *v, int64_t *out)
{
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < 0) return -1;
    *out = x;
    return 0;
}

int http_page(http_req *rq, int64_t *limit, int64_t *offset, ics_err *e)
{
    const char *l = http_query(rq, "limit"), *o = http_query(rq, "offset");
    *limit = 100;
    *offset = 0;
    if (l && (parse_nonneg(l, limit) || *limit < 1 || *limit > 1000))
        return ics_err_set(e, ICS_EINVAL, "limit '%s' must be a whole number from 1 to 1000", l);
    if (o && parse_nonneg(o, offset))
        return ics_err_set(e, ICS_EINVAL, "offset '%s' must be a whole number, 0 or more", o);
    return 0;
}

int http_after(http_req *rq, int64_t offset, int64_t *after, ics_err *e)
{
    const char *a = http_query(rq, "after");
    *after = 0;
    if (!a) return 0;
    if (parse_nonneg(a, after) || *after < 1)
        return ics_err_set(e, ICS_EINVAL, "after '%s' must be the id of the last row of a page", a);
    if (offset) return ics_err_set(e, ICS_EINVAL, "give offset or after, not both");
    return 0;
}

void http_page_next(json_t *page, int64_t limit)
{
    json_t *items = json_object_get(page, "items");
    size_t n = json_array_size(items);
    json_t *id =
        n && (int64_t)n == limit ? json_object_get(json_array_get(items, n - 1), "id") : NULL;
    json_object_set_new(page, "next_after", json_is_integer(id) ? json_copy(id) : json_null());
}

int http_body_check(http_req *rq, const json_field *fields, ics_err *e)
{
    if (!rq->json)
        return ics_err_set(e, ICS_EBADREQ,
                           "a JSON object body is required (Content-Type: "
                           "application/json)");
    return json_check_object(rq->json, fields, e);
}

unsigned http_route_roles(const http_route *r)
{
    return r->use ? r->use->roles : r->roles;
}

app_ctx http_app(http_req *rq)
{
    assert(rq->user && rq->db);
    app_ctx c = app_ctx_user(rq->db, rq->user, "api", tz_now());
    c.ics = http_query(rq, "ics"); /* the use case resolves and checks it */
    return c;
}
