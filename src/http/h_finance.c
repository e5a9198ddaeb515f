/* h_finance.c - the finance API: budget lines, provider months, the
 * one-page summary (spend by sector against the national acute share,
 * provider surplus or deficit, spend by place against the needs-based
 * target), benchmarks, and CSV imports (text/csv bodies). Handlers parse
 * and print; src/app/finance.c checks roles, validates and commits. */
#include <string.h>

#include "app/finance.h"
#include "http/http.h"

static int budgets(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"year", "ics", NULL};
    ics_err e = {0};
    json_t *out;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) || app_fin_budgets(&c, http_query(rq, "year"), &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int providers(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"from", "to", "ics", NULL};
    ics_err e = {0};
    json_t *out;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) ||
        app_fin_provider_months(&c, http_query(rq, "from"), http_query(rq, "to"), &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int summary(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {"year", "from", "to", "ics", NULL};
    ics_err e = {0};
    json_t *out;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) ||
        app_fin_summary(&c, http_query(rq, "year"), http_query(rq, "from"), http_query(rq, "to"),
                        &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int benchmarks(http_req *rq, http_resp *rs)
{
    static const char *const allowed[] = {NULL};
    ics_err e = {0};
    json_t *out;
    app_ctx c = http_app(rq);
    if (http_query_only(rq, allowed, &e) || app_fin_benchmarks(&c, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

/* A CSV body and its file name (?name=) for messages. */
static int csv_body(http_req *rq, const char **name, ics_err *e)
{
    static const char *const allowed[] = {"name", "ics", NULL};
    if (http_query_only(rq, allowed, e)) return e->code;
    if (rq->json) return ics_err_set(e, ICS_EBADREQ, "send the file as text/csv");
    if (!rq->body || rq->body_len == 0)
        return ics_err_set(e, ICS_EBADREQ, "the body must be a CSV file");
    *name = http_query(rq, "name") ? http_query(rq, "name") : "upload.csv";
    if (strlen(*name) > 120)
        return ics_err_set(e, ICS_EINVAL, "name must be at most 120 characters");
    return 0;
}

static int budgets_import(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    const char *name;
    json_t *out;
    app_ctx c = http_app(rq);
    if (csv_body(rq, &name, &e) ||
        app_fin_budgets_import(&c, rq->body, rq->body_len, name, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

static int providers_import(http_req *rq, http_resp *rs)
{
    ics_err e = {0};
    const char *name;
    json_t *out;
    app_ctx c = http_app(rq);
    if (csv_body(rq, &name, &e) ||
        app_fin_providers_import(&c, rq->body, rq->body_len, name, &out, &e))
        return http_error(rs, &e);
    return http_json(rs, 200, out);
}

const http_route http_routes_finance[] = {
    {"GET", "/api/v1/finance/budgets", 0, budgets, "Budget lines by sector, place and provider",
     &APP_FIN_READ},
    {"POST", "/api/v1/finance/budgets", 0, budgets_import,
     "Import budget lines (CSV; replaces the years the file names)", &APP_FIN_BUDGETS_IMPORT},
    {"GET", "/api/v1/finance/providers", 0, providers,
     "Provider income and expenditure by month, with surplus or deficit", &APP_FIN_READ},
    {"POST", "/api/v1/finance/providers", 0, providers_import,
     "Import provider months (CSV; replaces the months the file spans)", &APP_FIN_PROVIDERS_IMPORT},
    {"GET", "/api/v1/finance/summary", 0, summary,
     "Spend by sector against the national acute share, provider deficits, spend by place "
     "against the needs-based target",
     &APP_FIN_READ},
    {"GET", "/api/v1/finance/benchmarks", 0, benchmarks, "Published benchmarks and their sources",
     &APP_FIN_READ},
    {NULL, NULL, 0, NULL, NULL, NULL}};
