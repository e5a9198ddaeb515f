/* app/analytics.c - use cases of population analytics and needs-based
 * allocation. */
#include "app/seed.h"
#include "store/analytics.h"

/* The illustrative allocation weights and a synthetic year of
 * non-elective admissions. */
int app_analytics_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    return store_analytics_seed(c->db, data_dir, e);
}
