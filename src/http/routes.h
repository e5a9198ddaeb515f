/* routes.h - the assembled route table and its matcher (server internals). */
#ifndef ICS_HTTP_ROUTES_H
#define ICS_HTTP_ROUTES_H

#include "http/http.h"

/* NULL-terminated list of the modules' {0}-terminated route arrays. */
const http_route *const *http_route_tables(void);

/* The route for method and path, filling rq's params; NULL when none.
 * *path_known is set when the path matched some route (so 405, not 404). */
const http_route *http_route_find(const char *method, const char *path, http_req *rq,
                                  int *path_known);

#endif
