/* h_directory.c - the directory API: list, read, create, replace and delete
 * places, organisations, sites, services and units. One set of handlers
 * serves every collection; the collection comes from the path. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "app/directory.h"

/* "/api/v1/sites/RYJ01" -> the sites collection. */
static const dir_collection *coll_of(http_req *rq)
{
    const char *p = rq->path + strlen("/api/v1/");
    char name[64];
    size_t n = strcspn(p, "/");
    if (n >= sizeof name) return NULL;
    memcpy(name, p, n);
    name[n] = '\0';
    return directory_collection_find(name);
}

static int list(http_req *rq, http_resp *rs)
{
    const dir_collection *c = coll_of(rq);
    ics_err e = {0};
    int64_t limit, offset;
    if (http_page(rq, &limit, &offset, &e)) return http_error(rs, &e);
    const char *allowed[24] = {"limit", "offset", "place", "capability", "org", "ics"};
    int na = 6;
    for (const dir_column *col = c->cols; col->name && na < 23; col++)
        if (col->filter) allowed[na++] = col->name;
    allowed[na] = NULL;
    if (http_query_only(rq, allowed, &e)) return http_error(rs, &e);
    json_t *filters = json_object();
    for (const dir_column *col = c->cols; col->name; col++) {
        const char *v = col->filter ? http_query(rq, col->name) : NULL;
        /* "?place=" is the friendly name for a service's or site's place */
        if (!v && col->filter &&
            (strcmp(col->name, "place_code") == 0 || strcmp(col->name, "places") == 0 ||
             strcmp(col->name, "commissioned_by") == 0))
            v = http_query(rq, "place");
        if (!v && strcmp(col->name, "capabilities") == 0) v = http_query(rq, "capability");
        if (!v && strcmp(col->name, "provider_ods") == 0) v = http_query(rq, "org");
        if (!v && strcmp(col->name, "org_code") == 0) v = http_query(rq, "org");
        if (v) json_object_set_new(filters, col->name, json_string(v));
    }
    char *text = NULL;
    size_t n = 0;
    app_ctx ac = http_app(rq);
    int rc = app_dir_list_text(&ac, c, filters, limit, offset, &text, &n, &e);
    json_decref(filters);
    if (rc) return http_error(rs, &e);
    return http_text_owned(rs, 200, "application/json", text, n);
}

static int get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    json_t *row;
    app_ctx ac = http_app(rq);
    if (app_dir_get(&ac, coll_of(rq), rq->params[0], &row, &e)) return http_error(rs, &e);
    return http_json(rs, 200, row);
}

/* Create (POST, key must be new) or replace (PUT, key from the URL). */
static int write_one(http_req *rq, http_resp *rs, int create)
{
    const dir_collection *c = coll_of(rq);
    ics_err e = {0};
    if (!rq->json) {
        ics_err_set(&e, ICS_EBADREQ, "a JSON object body is required");
        return http_error(rs, &e);
    }
    json_t *after = NULL;
    int created = 0;
    app_ctx ac = http_app(rq);
    if (app_dir_put(&ac, c, rq->json, create ? NULL : rq->params[0], &after, &created, &e))
        return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/%s/%s", c->name,
             json_string_value(json_object_get(after, c->key)));
    return http_json(rs, created ? 201 : 200, after);
}

static int create(http_req *rq, http_resp *rs)
{
    return write_one(rq, rs, 1);
}

static int replace(http_req *rq, http_resp *rs)
{
    return write_one(rq, rs, 0);
}

static int del(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    app_ctx ac = http_app(rq);
    if (app_dir_delete(&ac, coll_of(rq), rq->params[0], &e)) return http_error(rs, &e);
    rs->status = 204;
    return http_text(rs, 204, "application/json", "", 0);
}

/* clang-format off */
#define COLLECTION(name)                                                                       \
    {"GET", "/api/v1/" name, 0, list, "List " name, &APP_DIR_READ},                              \
    {"GET", "/api/v1/" name "/{id}", 0, get, "Read one of " name, &APP_DIR_READ},                \
    {"POST", "/api/v1/" name, 0, create, "Create one of " name, &APP_DIR_WRITE},                \
    {"PUT", "/api/v1/" name "/{id}", 0, replace, "Create or replace one of " name, &APP_DIR_WRITE}, \
    {"DELETE", "/api/v1/" name "/{id}", 0, del, "Delete one of " name, &APP_DIR_WRITE}
/* clang-format on */

const http_route http_routes_directory[] = {
    COLLECTION("places"),   COLLECTION("organisations"), COLLECTION("sites"),
    COLLECTION("services"), COLLECTION("units"),         {NULL, NULL, 0, NULL, NULL, NULL}};
