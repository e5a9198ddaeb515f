/* respond.c - the helpers every handler uses to read input and answer:
 * JSON and problem responses, the one error-code-to-status table, paging,
 * and the body schema check. */
#include <assert.h>
#include <errno.h>
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

int http_text_owned(http_resp *rs, int status, const char *content_type, char *text, size_t n)
{
    assert(text && text[n] == '\0');
    free(rs->body);
    rs->body = text;
    rs->body_len = n;
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
    errno = 0;
    long long x = strtoll(v, &end, 10);
    /* past the range of an id or count: refused, not read as LLONG_MAX */
    if (!*v || *end || x < 0 || errno == ERANGE) return -1;
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
    /* a cursor is what a page handed out (its next_after): anything else
     * is a malformed request, 400 */
    if (parse_nonneg(a, after) || *after < 1)
        return ics_err_set(e, ICS_EBADREQ, "after '%s' must be the id of the last row of a page",
                           a);
    if (offset) return ics_err_set(e, ICS_EINVAL, "give offset or after, not both");
    return 0;
}

char *http_next_base(http_req *rq, const char *const *params)
{
    assert(rq->path && params);
    sb b;
    sb_init(&b);
    sb_puts(&b, rq->path);
    sb_append(&b, "?", 1);
    for (const char *const *p = params; *p; p++) {
        if (!strcmp(*p, "after") || !strcmp(*p, "offset")) continue;
        const char *v = http_query(rq, *p);
        if (!v) continue;
        sb_printf(&b, "%s=", *p);
        for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
            if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                *c == '-' || *c == '.' || *c == '_' || *c == '~')
                sb_append(&b, (const char *)c, 1);
            else
                sb_printf(&b, "%%%02X", *c);
        }
        sb_append(&b, "&", 1);
    }
    sb_puts(&b, "after=");
    return sb_steal(&b);
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

/* The field a problem names, copied into out (empty when none): a quoted
 * name after "missing field ", "unknown field " or "field ", or the leading
 * lower-case identifier when a colon or a verb of the checks follows it or
 * it is a key of the body or a query parameter ("age: must be ...",
 * "period_to is before period_from", "limit '0' must ..."). An index or
 * member ("rows[3].age", "fields.ed_4h_pct") names its top-level field. */
static void field_of(http_req *rq, const char *item, char *out, size_t cap)
{
    static const char *const quoted[] = {"missing field '", "unknown field '", "field '",
                                         "column '"};
    static const char *const verbs[] = {":",        " is ",  " must ", " '",     " should ",
                                        " cannot ", " has ", " may ",  " needs "};
    static const char *const stop[] = {"the", "this", "that", "it",    "there", "a",    "an",
                                       "no",  "one",  "each", "every", "give",  "send", "nothing"};
    assert(cap > 1);
    out[0] = '\0';
    const char *s = item, *end;
    for (size_t i = 0; i < sizeof quoted / sizeof *quoted; i++) {
        size_t n = strlen(quoted[i]);
        if (strncmp(s, quoted[i], n) == 0 && (end = strchr(s + n, '\'')) && end > s + n) {
            size_t k = (size_t)(end - s - n) < cap - 1 ? (size_t)(end - s - n) : cap - 1;
            memcpy(out, s + n, k);
            out[k] = '\0';
            return;
        }
    }
    if (!(*s >= 'a' && *s <= 'z')) return;
    end = s;
    while ((*end >= 'a' && *end <= 'z') || (*end >= '0' && *end <= '9') || *end == '_') end++;
    size_t k = (size_t)(end - s);
    if (k == 0 || k >= cap) return;
    char name[128];
    if (k >= sizeof name) return;
    memcpy(name, s, k);
    name[k] = '\0';
    for (size_t i = 0; i < sizeof stop / sizeof *stop; i++)
        if (strcmp(name, stop[i]) == 0) return;
    /* skip an index or member path to what follows it */
    const char *after = end;
    while (*after == '[' || *after == '.') {
        after++;
        while (*after && *after != ']' && *after != ' ' && *after != ':' && *after != '.' &&
               *after != '[')
            after++;
        if (*after == ']') after++;
    }
    int known = (rq->json && json_is_object(rq->json) && json_object_get(rq->json, name)) ||
                (rq->conn && http_query(rq, name));
    int verb = 0;
    for (size_t i = 0; i < sizeof verbs / sizeof *verbs && !verb; i++)
        verb = strncmp(after, verbs[i], strlen(verbs[i])) == 0;
    if (!known && !verb) return;
    memcpy(out, name, k + 1);
}

void http_problem_fields(http_req *rq, http_resp *rs)
{
    if (!rs->json || (rs->status != 400 && rs->status != 422) || !rs->content_type ||
        strcmp(rs->content_type, "application/problem+json") != 0 ||
        json_object_get(rs->json, "errors"))
        return;
    const char *detail = json_string_value(json_object_get(rs->json, "detail"));
    if (!detail) return;
    char *copy = strdup(detail);
    json_t *errs = json_array();
    if (!copy || !errs) {
        free(copy);
        json_decref(errs);
        return;
    }
    char *save = NULL;
    for (char *item = strtok_r(copy, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        while (*item == ' ') item++;
        if (!*item) continue;
        char field[128];
        field_of(rq, item, field, sizeof field);
        json_t *one = field[0] ? json_pack("{ssss}", "field", field, "detail", item)
                               : json_pack("{ss}", "detail", item);
        if (one) json_array_append_new(errs, one);
    }
    free(copy);
    json_object_set_new(rs->json, "errors", errs);
}
