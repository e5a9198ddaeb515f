/* app/sitrep.c - use cases of daily sitreps, OPEL levels and mutual aid. */
#include <stdio.h>
#include <stdlib.h>

#include "app/seed.h"
#include "core/csv.h"
#include "core/progress.h"
#include "core/tz.h"
#include "store/sitrep.h"

#define SEED      2026u
#define SEED_DAYS 365

int app_sitrep_thresholds_read(const char *rules, const char *levels, sitrep_thresholds **t,
                               ics_err *e)
{
    csv_doc *r = NULL, *l = NULL;
    int rc = csv_read_file(rules, &r, e);
    if (!rc) rc = csv_read_file(levels, &l, e);
    if (!rc) rc = sitrep_thresholds_from_csv(r, l, t, e);
    csv_free(r);
    csv_free(l);
    return rc;
}

/* The illustrative thresholds and a synthetic year of sitreps for every
 * NWL provider. */
int app_sitrep_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    char rules[1024], levels[1024], sizes[1024];
    snprintf(rules, sizeof rules, "%s/opel_thresholds.csv", data_dir);
    snprintf(levels, sizeof levels, "%s/opel_levels.csv", data_dir);
    snprintf(sizes, sizeof sizes, "%s/sitrep_providers.csv", data_dir);
    sitrep_thresholds *t = NULL;
    int rc = app_sitrep_thresholds_read(rules, levels, &t, e);
    if (rc) return rc;
    csv_doc *sz = NULL;
    ics_err ignore = {0};
    csv_read_file(sizes, &sz, &ignore); /* optional: kinds have default sizes */
    sitrep_synth_provider *p = NULL;
    int *late = NULL, count = 0;
    size_t n = 0;
    tz_local l;
    tz_to_local(c->now, &l);
    progress pr;
    progress_init(&pr, "synthetic sitreps");
    rc = store_sitrep_thresholds_save(c->db, t, "data/opel_thresholds.csv (illustrative default)",
                                      e);
    if (!rc) rc = store_sitrep_synth_providers(c->db, sz, &p, &late, &n, e);
    if (!rc)
        rc = store_sitrep_seed(c->db, t, p, late, n, l.date, SEED_DAYS, SEED, progress_report, &pr,
                               &count, e);
    if (!rc) {
        json_t *after = json_pack("{sisiss}", "rows", count, "days", SEED_DAYS, "note",
                                  "SYNTHETIC sitreps generated for demonstration");
        rc = app_audit(c, "sitrep.seed", "sitrep", NULL, NULL, after, e);
        json_decref(after);
    }
    progress_done(&pr);
    free(p);
    free(late);
    csv_free(sz);
    sitrep_thresholds_free(t);
    return rc;
}
