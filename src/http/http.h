/* http.h - what a handler sees: the request, the response, the route table
 * entry, and the helpers every handler uses to read input and answer.
 *
 * Handlers follow one pattern: parse -> validate (collect every problem) ->
 * role check (the route table does the coarse one) -> store and engines in
 * one transaction -> audit in that transaction -> respond. The server owns
 * the request and response; a handler puts a JSON value (reference stolen)
 * or a text body into the response and returns. */
#ifndef ICS_HTTP_HTTP_H
#define ICS_HTTP_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/jget.h"
#include "store/store.h"
#include "app/app.h"
#include "store/users.h" /* auth_user, ROLE_* */

#define HTTP_MAX_PARAMS 4

typedef struct http_req {
    const char *method;
    const char *path;
    const char *params[HTTP_MAX_PARAMS]; /* {name} segments of the pattern, in order */
    int nparams;
    const char *body;
    size_t body_len;
    json_t *json;            /* parsed body when it was JSON, else NULL (server owns) */
    const auth_user *user;   /* NULL on public routes */
    store *db;               /* a pooled connection for this request */
    void *conn;              /* server internals (query lookup) */
    const char *client_addr; /* the client's address (X-Forwarded-For only via a trusted proxy) */
} http_req;

typedef struct http_resp {
    int status;
    json_t *json; /* owned; serialised by the server */
    char *body;   /* owned (malloc); used when json is NULL */
    size_t body_len;
    const char *content_type; /* static string */
    char location[1024];      /* Location header when set */
    int retry_after;          /* Retry-After seconds when > 0 (429, 503) */
    int err;                  /* the ics_err code http_error answered with (ICS_ERETRY: re-run) */
    void *stream;             /* an event stream to answer with (http/stream.h; owned) */
} http_resp;

typedef int (*http_handler)(http_req *rq, http_resp *rs);

typedef struct http_route {
    const char *method;  /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern; /* "/api/v1/sites/{id}" */
    unsigned roles;      /* ROLE_* bits allowed when use is NULL; ROLE_PUBLIC for none needed */
    http_handler fn;
    const char *summary; /* one line, also checked against the OpenAPI file */
    /* The use case the route runs (src/app): its roles and organisation
     * scope are the route's, and the server checks the role before the
     * handler parses anything (403 before 422). */
    const app_use *use;
} http_route;

/* The roles a route admits: its use case's when it has one. */
unsigned http_route_roles(const http_route *r);

/* An application context for this request's user, acting now. */
app_ctx http_app(http_req *rq);

/* Request header value or NULL. */
const char *http_header(http_req *rq, const char *name);

/* Query-string value or NULL. */
const char *http_query(http_req *rq, const char *name);

/* Every value of a repeated query parameter (?a=1&a=2), at most max, in
 * order; returns how many. */
int http_query_all(http_req *rq, const char *name, const char **out, int max);

/* ICS_EINVAL naming the first query parameter not in allowed (NULL-terminated). */
int http_query_only(http_req *rq, const char *const *allowed, ics_err *e);

/* Respond with JSON (steals body). Returns 0. */
int http_json(http_resp *rs, int status, json_t *body);
/* Respond with text of the given content type (copies). */
int http_text(http_resp *rs, int status, const char *content_type, const char *text, size_t n);
/* The same, taking text (malloc'd, NUL-terminated at n) instead of copying it. */
int http_text_owned(http_resp *rs, int status, const char *content_type, char *text, size_t n);
/* RFC 9457 problem: {type, title, status, detail}; extra (may be NULL, stolen)
 * is merged in, e.g. {"errors": [...]}. Returns 0. */
int http_problem(http_resp *rs, int status, const char *detail, json_t *extra);
/* Map an ics_err code to its status (one table) and answer with a problem. */
int http_error(http_resp *rs, const ics_err *e);
int http_status_of(int code);
/* A 400/422 problem+json without an "errors" member gets one: each problem
 * of its "a; b; c" detail as {"field", "detail"} when it names an input
 * field (a key of the body, a query parameter, "missing field 'x'", "column 'x'" or a
 * leading "x:" / "x must" / "x is"), else {"detail"}; so a form can show
 * each message beside its field. Called once by the server. */
void http_problem_fields(http_req *rq, http_resp *rs);

/* Pagination from ?limit= (1..1000, default 100) and ?offset= (>= 0).
 * ICS_EINVAL with a message when they are not numbers in range. */
int http_page(http_req *rq, int64_t *limit, int64_t *offset, ics_err *e);
/* Keyset pagination from ?after=ID (the last row of the previous page;
 * 0 when absent): cheaper than a deep offset, and stable while rows are
 * added. ICS_EBADREQ (400) when it is not a positive id, ICS_EINVAL when
 * it comes with an offset. */
int http_after(http_req *rq, int64_t offset, int64_t *after, ics_err *e);
/* The start of a list's "next" link: this request's path and those of
 * params (NULL-terminated) it has, URL-encoded, without offset and after,
 * ending in "after=" for the cursor ("/api/v1/referrals?limit=1000&
 * state=sent&after="). Caller frees; NULL when out of memory. */
char *http_next_base(http_req *rq, const char *const *params);

/* Body schema check: the body must be a JSON object; every field must be
 * known, of the declared type, and present when required. All problems are
 * collected into one message ("missing field 'name'; field 'age' must be an
 * integer; unknown field 'colour'"). ICS_EBADREQ when there is no JSON body,
 * ICS_EINVAL otherwise. */
int http_body_check(http_req *rq, const json_field *fields, ics_err *e);
/* json_field, json_kind and json_check_object: core/jget.h. */

#endif
