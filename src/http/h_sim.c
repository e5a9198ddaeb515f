/* h_sim.c - the bed-review API: POST /api/v1/sim/runs fits a scenario from
 * the directory and the bed bureau's recent referrals and stays (or takes
 * one in the body), runs both policies and the bed search, stores the run
 * with its scenario and seed; GET reads runs back, and their chart. With
 * `Prefer: respond-async` the run is a background job (202 + Location). The
 * use cases are in src/app/sim.c; this file parses and answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sim.h"
#include "http/jobs.h"

static int run_create(http_req *rq, http_resp *rs)
{
    static const json_field f[] = {
        {"days", JF_INT, 0},          {"replications", JF_INT, 0},   {"seed", JF_INT, 0},
        {"run_days", JF_NUMBER, 0},   {"warmup_days", JF_NUMBER, 0}, {"policy", JF_STRING, 0},
        {"queue", JF_STRING, 0},      {"target", JF_OBJECT, 0},      {"search", JF_BOOL, 0},
        {"conservative", JF_BOOL, 0}, {"chart", JF_BOOL, 0},         {"scenario", JF_OBJECT, 0},
        {"bed_type", JF_STRING, 0},   {"replay", JF_BOOL, 0},        {NULL, 0, 0}};
    ics_err e = {0};
    if (http_body_check(rq, f, &e)) return http_error(rs, &e);
    app_ctx c = http_app(rq);
    if (http_prefers_async(rq)) return http_job_submit(rq, rs, &c, APP_JOB_SIM_RUN);
    json_t *res = NULL;
    int64_t id = 0;
    if (app_sim_run_create(&c, rq->json, &res, &id, &e)) return http_error(rs, &e);
    snprintf(rs->location, sizeof rs->location, "/api/v1/sim/runs/%lld", (long long)id);
    return http_json(rs, 201, res);
}

static int parse_id(http_req *rq, int64_t *id, ics_err *e)
{
    char *end;
    long long v = strtoll(rq->params[0], &end, 10);
    if (!*rq->params[0] || *end || v < 1)
        return ics_err_set(e, ICS_ENOTFOUND, "no simulation run '%s'", rq->params[0]);
    *id = v;
    return 0;
}

static int run_get(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    json_t *row;
    app_ctx c = http_app(rq);
    if (parse_id(rq, &id, &e) || app_sim_run_get(&c, id, &row, &e)) return http_error(rs, &e);
    return http_json(rs, 200, row);
}

static int run_chart(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    int64_t id = 0;
    char *svg = NULL;
    app_ctx c = http_app(rq);
    if (parse_id(rq, &id, &e) || app_sim_run_chart(&c, id, &svg, &e)) return http_error(rs, &e);
    http_text(rs, 200, "image/svg+xml", svg, strlen(svg));
    free(svg);
    return 0;
}

static int run_list(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    ics_err e = {0};
    int64_t limit, offset;
    if (http_query_only(rq, allowed, &e) || http_page(rq, &limit, &offset, &e))
        return http_error(rs, &e);
    json_t *rows;
    app_ctx c = http_app(rq);
    if (app_sim_run_list(&c, limit, offset, &rows, &e)) return http_error(rs, &e);
    return http_json(rs, 200,
                     json_pack("{so sI sI}", "items", rows, "limit", (json_int_t)limit, "offset",
                               (json_int_t)offset));
}

const http_route http_routes_sim[] = {
    {"POST", "/api/v1/sim/runs", 0, run_create,
     "Run a bed review (fitted from the bed bureau or given) and store it", &APP_SIM_RUN_CREATE},
    {"GET", "/api/v1/sim/runs", 0, run_list, "List stored bed-review runs", &APP_SIM_RUN_READ},
    {"GET", "/api/v1/sim/runs/{id}", 0, run_get, "Read one bed-review run", &APP_SIM_RUN_READ},
    {"GET", "/api/v1/sim/runs/{id}/chart", 0, run_chart,
     "The run's chart of wait against beds (SVG)", &APP_SIM_RUN_READ},
    {0}};
