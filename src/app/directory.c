/* app/directory.c - use cases of the service directory (places,
 * organisations, sites, services, bed units): seeding from data/, imports
 * and administrative changes. */
#include "app/seed.h"
#include "store/directory.h"

int app_directory_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    int total = 0;
    return store_dir_import_dir(c->db, data_dir, 1, &total, e);
}
