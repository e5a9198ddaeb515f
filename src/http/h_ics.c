/* h_ics.c - the ICS API: the ICSs a caller may see (for the dashboard's
 * switcher), one ICS with its places and organisations, granting an ICS to
 * a user (and take it back), and an ICS's settings (crossing its boundary,
 * its out-of-hours alternative). */
#include <string.h>

#include "app/ics.h"
#include "http/http.h"

static int list(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    static const char *const allowed[] = {NULL};
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    json_t *rows = NULL;
    app_ctx c = http_app(rq);
    if (app_ics_list(&c, &rows, &e)) return http_error(rs, &e);
    return http_json(rs, 200, json_pack("{so}", "items", rows));
}

static int get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *row = NULL;
    app_ctx c = http_app(rq);
    if (app_ics_get(&c, rq->params[0], &row, &e)) return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int settings(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"cross_ics", JF_BOOL, 0}, {"out_of_hours", JF_STRING, 0}, {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    json_t *row = NULL;
    app_ctx c = http_app(rq);
    const json_t *cross = json_object_get(rq->json, "cross_ics");
    app_ics_settings_in in = {cross ? json_is_true(cross) : -1,
                              json_string_value(json_object_get(rq->json, "out_of_hours"))};
    if (app_ics_settings(&c, rq->params[0], &in, &row, &e)) return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int grant(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int added = 0;
    app_ctx c = http_app(rq);
    if (app_ics_grant(&c, rq->params[1], rq->params[0], &added, &e)) return http_error(rs, &e);
    return http_json(
        rs, added ? 201 : 200,
        json_pack("{sssssb}", "ics", rq->params[0], "user", rq->params[1], "added", added));
}

static int revoke(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx c = http_app(rq);
    if (app_ics_revoke(&c, rq->params[1], rq->params[0], &e)) return http_error(rs, &e);
    return http_json(
        rs, 200, json_pack("{sssssb}", "ics", rq->params[0], "user", rq->params[1], "granted", 0));
}

const http_route http_routes_ics[] = {
    {"GET", "/api/v1/ics", 0, list, "The ICSs the caller may see", &APP_ICS_READ},
    {"GET", "/api/v1/ics/{code}", 0, get, "One ICS with its places and organisations",
     &APP_ICS_READ},
    {"PUT", "/api/v1/ics/{code}/settings", 0, settings,
     "Change this ICS's settings: crossing its boundary, its out-of-hours alternative",
     &APP_ICS_SETTINGS},
    {"PUT", "/api/v1/ics/{code}/users/{name}", 0, grant, "Grant this ICS to a user",
     &APP_ICS_GRANT},
    {"DELETE", "/api/v1/ics/{code}/users/{name}", 0, revoke, "Take a granted ICS back from a user",
     &APP_ICS_REVOKE},
    {NULL, NULL, 0, NULL, NULL, NULL}};
