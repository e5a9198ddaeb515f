/* app/seed.h - each module's first-start seeding step (called only from
 * app_db_open, inside the step's transaction; labelled synthetic where the
 * data is invented). */
#ifndef ICS_APP_SEED_H
#define ICS_APP_SEED_H

#include "app/app.h"

int app_directory_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_routing_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_beds_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_waitlist_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_sitrep_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_analytics_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_sim_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_finance_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_governance_seed(app_ctx *c, const char *data_dir, ics_err *e);
int app_priorities_seed(app_ctx *c, const char *data_dir, ics_err *e);
/* The other ICSs' directories listed in <data_dir>/ics/ics.csv (code, name),
 * each from <data_dir>/ics/<code>/; last, so that the synthetic history
 * stays NWL's. */
int app_ics_seed(app_ctx *c, const char *data_dir, ics_err *e);

#endif
