/* routes.c - the route table: every module's routes in one list, and the
 * matcher that fills a request's {params}. Each handler file defines
 * http_routes_<module>[] and is named once in the list below. */
#include <string.h>

#include "http/routes.h"

extern const http_route http_routes_core[], http_routes_directory[], http_routes_fhir[],
    http_routes_routing[], http_routes_beds[], http_routes_waitlist[], http_routes_sitrep[],
    http_routes_analytics[], http_routes_sim[], http_routes_events[], http_routes_auth[],
    http_routes_jobs[], http_routes_ops[], http_routes_ics[], http_routes_finance[],
    http_routes_governance[], http_routes_report[];

/* The one list of modules' routes, fixed at build time: read-only, so any
 * number of server threads may walk it at once. One module per line, so
 * adding one is a one-line change. */
/* clang-format off */
static const http_route *const tables[] = {http_routes_core,
                                           http_routes_directory,
                                           http_routes_fhir,
                                           http_routes_routing,
                                           http_routes_beds,
                                           http_routes_waitlist,
                                           http_routes_sitrep,
                                           http_routes_analytics,
                                           http_routes_sim,
                                           http_routes_events,
                                           http_routes_auth,
                                           http_routes_jobs,
                                           http_routes_ops,
                                           http_routes_ics,
                                           http_routes_finance,
                                           http_routes_governance,
                                           http_routes_report,
                                           NULL};
/* clang-format on */

const http_route *const *http_route_tables(void)
{
    return tables;
}

/* Match one pattern segment by segment; {x} matches any non-empty segment. */
static int match(const char *pat, const char *path, http_req *rq)
{
    int np = 0;
    static _Thread_local char seg[HTTP_MAX_PARAMS][256];
    while (*pat && *path) {
        if (*pat == '{') {
            const char *pe = strchr(pat, '}');
            const char *se = strchr(path, '/');
            size_t n = se ? (size_t)(se - path) : strlen(path);
            if (!pe || n == 0 || n >= 256 || np == HTTP_MAX_PARAMS) return 0;
            memcpy(seg[np], path, n);
            seg[np][n] = '\0';
            if (rq) rq->params[np] = seg[np];
            np++;
            pat = pe + 1;
            path += n;
            continue;
        }
        if (*pat != *path) return 0;
        pat++;
        path++;
    }
    if (*pat || *path) return 0;
    if (rq) rq->nparams = np;
    return 1;
}

const http_route *http_route_find(const char *method, const char *path, http_req *rq,
                                  int *path_known)
{
    *path_known = 0;
    for (const http_route *const *t = http_route_tables(); *t; t++)
        for (const http_route *r = *t; r->method; r++) {
            if (!match(r->pattern, path, NULL)) continue;
            *path_known = 1;
            if (strcmp(r->method, method) == 0) {
                match(r->pattern, path, rq);
                return r;
            }
        }
    return NULL;
}
