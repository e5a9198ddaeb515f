/* app/analytics.c - use cases of population analytics and needs-based
 * allocation: every read checks the role; every write checks it, validates,
 * and runs in one transaction with its audit record and change event
 * (analytics.imported, analytics.deleted, allocation.run: ICS-wide, no
 * organisations). Also the first-start seeding step. */
#include "app/analytics.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "app/analytics_report.h"
#include "app/ics.h"
#include "app/seed.h"
#include "core/jget.h"

#define WRITERS (ROLE_ANALYST | ROLE_ADMIN)

const app_use APP_ANALYTICS_READ = {"analytics.read", ROLE_ANY, APP_SCOPE_ICS};
const app_use APP_ANALYTICS_DATASET_CREATE = {"analytics.dataset.create", WRITERS, APP_SCOPE_ICS};
const app_use APP_ANALYTICS_DATASET_DELETE = {"analytics.dataset.delete", WRITERS, APP_SCOPE_ICS};
const app_use APP_ANALYTICS_POPULATION_REPLACE = {"analytics.population.replace", WRITERS,
                                                  APP_SCOPE_ICS};
const app_use APP_ANALYTICS_WEIGHTS_REPLACE = {"analytics.weights.replace", WRITERS, APP_SCOPE_ICS};
const app_use APP_ANALYTICS_CURRENT_REPLACE = {"analytics.current.replace", WRITERS, APP_SCOPE_ICS};
const app_use APP_ANALYTICS_ALLOCATION_RUN = {"analytics.allocation.run", WRITERS, APP_SCOPE_ICS};

/* ---- reads ---------------------------------------------------------------- */

/* The ICSs of a dataset's areas; ICS_ENOTFOUND when none of them is one
 * the caller may see (a dataset of another ICS is not theirs to know). The
 * first of them tags what the use case records. */
static int dataset_ics(app_ctx *c, const char *dataset, json_t **codes, ics_err *e)
{
    json_t *rows = NULL;
    app_ics_set vis;
    int rc = store_analytics_dataset_ics(c->db, dataset, &rows, e), seen = 0;
    if (!rc) rc = app_ics_visible(c, &vis, e);
    if (rc) {
        json_decref(rows);
        return rc;
    }
    json_t *out = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *code = json_string_value(json_object_get(r, "ics_code"));
        seen |= app_ics_set_has(&vis, code);
        json_array_append_new(out, json_string(code));
    }
    json_decref(rows);
    if (!seen) {
        json_decref(out);
        return ics_err_set(e, ICS_ENOTFOUND, "no dataset '%s'", dataset);
    }
    app_ics_here(c, json_string_value(json_array_get(out, 0)));
    *codes = out;
    return 0;
}

/* A dataset's row as the API and the audit trail show it, with the ICSs
 * of its areas. */
static int dataset_get(app_ctx *c, const char *dataset, json_t **out, ics_err *e)
{
    json_t *codes = NULL;
    int rc = store_analytics_dataset_json(c->db, dataset, out, e);
    if (!rc && (rc = dataset_ics(c, dataset, &codes, e))) {
        json_decref(*out);
        *out = NULL;
    }
    if (rc) return rc;
    json_object_set_new(*out, "ics", codes);
    app_json_utc(*out, "created_at");
    return 0;
}

int app_analytics_datasets(app_ctx *c, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_ANALYTICS_READ, e);
    /* the datasets with counts for the ICS's areas (?ics=, default home) */
    char ics[STORE_ICS_CODE];
    if (!rc) rc = app_ics_one(c, ics, e);
    if (!rc) rc = store_analytics_datasets_json(c->db, ics, out, e);
    if (!rc) app_json_utc(json_object_get(*out, "items"), "created_at");
    return rc;
}

int app_analytics_dataset(app_ctx *c, const char *dataset, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_ANALYTICS_READ, e);
    return rc ? rc : dataset_get(c, dataset, out, e);
}

int app_analytics_rates(app_ctx *c, const char *dataset, store_an_statistic st, json_t **out,
                        analytics_funnel **f, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_ANALYTICS_READ, e);
    if (!rc) rc = app_ics_one(c, ics, e);
    if (!rc)
        rc = app_an_rates_json(c->db, ics, dataset ? dataset : STORE_ANALYTICS_NEL, st, out, f, e);
    if (!rc) app_json_utc(json_object_get(*out, "dataset"), "created_at");
    return rc;
}

int app_analytics_variation(app_ctx *c, const char *dataset, json_t **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_ANALYTICS_READ, e);
    if (!rc) rc = app_ics_one(c, ics, e);
    return rc ? rc : app_an_variation_json(c->db, ics, dataset, out, e);
}

int app_analytics_allocation(app_ctx *c, const analytics_pace *p, analytics_alloc **out, ics_err *e)
{
    char ics[STORE_ICS_CODE];
    int rc = app_allow(c, &APP_ANALYTICS_READ, e);
    if (!rc) rc = app_ics_one(c, ics, e);
    return rc ? rc : app_an_alloc(c->db, ics, p, out, e);
}

int app_analytics_weights(app_ctx *c, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_ANALYTICS_READ, e);
    return rc ? rc : app_an_weights_json(c->db, out, e);
}

int app_analytics_runs(app_ctx *c, int64_t limit, int64_t offset, json_t **out, ics_err *e)
{
    int rc = app_allow(c, &APP_ANALYTICS_READ, e);
    if (!rc) rc = store_analytics_runs_json(c->db, limit, offset, out, e);
    if (!rc) app_json_utc(json_object_get(*out, "items"), "created_at");
    return rc;
}

int app_analytics_rates_from_tables(const analytics_table *counts, const analytics_table *pops,
                                    store_an_statistic st, json_t **out, analytics_funnel **f,
                                    ics_err *e)
{
    return app_an_rates_compute(counts, pops, NULL, 0, st, out, f, e);
}

int app_analytics_statistic_parse(const char *s, store_an_statistic *out, ics_err *e)
{
    return app_an_statistic_parse(s, out, e);
}

json_t *app_analytics_funnel_json(const analytics_funnel *f)
{
    return app_an_funnel_json(f);
}

json_t *app_analytics_alloc_json(const analytics_alloc *a)
{
    return app_an_alloc_json(a);
}

/* ---- writes --------------------------------------------------------------- */

/* The change event of an analytics write: ICS-wide (no organisations). */
static int record(app_ctx *c, const app_use *u, const char *object_type, const char *id,
                  const json_t *before, const json_t *after, const char *event, json_t *payload,
                  ics_err *e)
{
    return app_record(c, u, object_type, id, before, after, event, NULL, payload, e);
}

/* Dataset names: 1-64 of a-z, 0-9, '_' and '-', so they are safe in URLs. */
static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

int app_analytics_dataset_create(app_ctx *c, const app_an_dataset *in, json_t **after, ics_err *e)
{
    *after = NULL;
    int rc = app_allow(c, &APP_ANALYTICS_DATASET_CREATE, e);
    if (rc) return rc;
    problems p;
    problems_init(&p);
    if (!name_ok(in->dataset))
        problems_add(&p, "dataset '%s' must be 1 to 64 characters of a-z, 0-9, '_' and '-'",
                     in->dataset ? in->dataset : "");
    if (!in->rows == !in->csv)
        problems_add(&p, "give the counts as exactly one of 'rows' or 'csv'");
    if ((rc = problems_done(&p, e))) return rc;
    analytics_table *t;
    rc = in->rows ? app_an_table_from_json(c->db, in->rows, "count", &t, e)
                  : app_an_table_from_csv(c->db, in->source ? in->source : "csv", in->csv,
                                          in->csv_len, "count", &t, e);
    if (rc) return rc;
    if ((rc = app_begin(c, e))) {
        analytics_table_free(t);
        return rc;
    }
    rc = store_analytics_dataset_save(c->db, in->dataset, in->description, in->period, 0,
                                      in->replace, c->who.name, c->now, t, e);
    if (!rc && (rc = dataset_get(c, in->dataset, after, e)) == ICS_ENOTFOUND)
        rc = ics_err_set(e, ICS_EFORBID,
                         "dataset '%s': its areas lie in no ICS you may see (import it as an "
                         "administrator of their ICS)",
                         in->dataset);
    if (!rc)
        rc = record(c, &APP_ANALYTICS_DATASET_CREATE, "analytics_dataset", in->dataset, NULL,
                    *after, "analytics.imported",
                    json_pack("{sssssIsI}", "what", "dataset", "dataset", in->dataset, "areas",
                              (json_int_t)jget_int(*after, "areas", 0), "events",
                              (json_int_t)jget_int(*after, "events", 0)),
                    e);
    rc = app_end(c, rc, e);
    analytics_table_free(t);
    if (rc) {
        json_decref(*after);
        *after = NULL;
    }
    return rc;
}

int app_analytics_dataset_delete(app_ctx *c, const char *dataset, ics_err *e)
{
    int rc = app_allow(c, &APP_ANALYTICS_DATASET_DELETE, e);
    json_t *codes = NULL;
    if (!rc) rc = dataset_ics(c, dataset, &codes, e); /* another ICS's: not found */
    json_decref(codes);
    if (rc || (rc = app_begin(c, e))) return rc;
    json_t *before = NULL;
    rc = store_analytics_dataset_delete(c->db, dataset, &before, e);
    if (!rc) app_json_utc(before, "created_at");
    if (!rc)
        rc = record(c, &APP_ANALYTICS_DATASET_DELETE, "analytics_dataset", dataset, before, NULL,
                    "analytics.deleted", json_pack("{ss}", "dataset", dataset), e);
    json_decref(before);
    return app_end(c, rc, e);
}

int app_analytics_population_replace(app_ctx *c, const char *source, const char *csv, size_t len,
                                     size_t *nareas, ics_err *e)
{
    *nareas = 0;
    int rc = app_allow(c, &APP_ANALYTICS_POPULATION_REPLACE, e);
    if (rc) return rc;
    analytics_table *t;
    if ((rc = app_an_table_from_csv(c->db, source, csv, len, "population", &t, e))) return rc;
    if ((rc = app_begin(c, e))) {
        analytics_table_free(t);
        return rc;
    }
    rc = store_analytics_population_replace(c->db, t, e);
    json_t *areas = json_array();
    for (size_t i = 0; i < t->nareas; i++) json_array_append_new(areas, json_string(t->areas[i]));
    json_t *after = json_pack("{so}", "areas", areas);
    if (!rc)
        rc = record(c, &APP_ANALYTICS_POPULATION_REPLACE, "place_population", source, NULL, after,
                    "analytics.imported",
                    json_pack("{sssI}", "what", "population", "areas", (json_int_t)t->nareas), e);
    json_decref(after);
    rc = app_end(c, rc, e);
    if (!rc) *nareas = t->nareas;
    analytics_table_free(t);
    return rc;
}

int app_analytics_weights_replace(app_ctx *c, const json_t *body, json_t **after, ics_err *e)
{
    *after = NULL;
    int rc = app_allow(c, &APP_ANALYTICS_WEIGHTS_REPLACE, e);
    if (rc) return rc;
    if (!json_is_object(body)) return ics_err_set(e, ICS_EBADREQ, "a JSON object body is required");
    if ((rc = app_begin(c, e))) return rc;
    json_t *before = NULL;
    rc = app_an_weights_json(c->db, &before, e);
    if (!rc) rc = app_an_weights_set(c->db, body, e);
    if (!rc) rc = app_an_weights_json(c->db, after, e);
    if (!rc)
        rc = record(c, &APP_ANALYTICS_WEIGHTS_REPLACE, "allocation_weights", "current", before,
                    *after, "analytics.imported", json_pack("{ss}", "what", "weights"), e);
    json_decref(before);
    rc = app_end(c, rc, e);
    if (rc) {
        json_decref(*after);
        *after = NULL;
    }
    return rc;
}

int app_analytics_current_replace(app_ctx *c, const json_t *body, ics_err *e)
{
    static const json_field f[] = {{"items", JF_ARRAY, 1}, {NULL, 0, 0}};
    int rc = app_allow(c, &APP_ANALYTICS_CURRENT_REPLACE, e);
    if (rc) return rc;
    if (!body) return ics_err_set(e, ICS_EBADREQ, "a JSON object body is required");
    if ((rc = json_check_object(body, f, e)) || (rc = app_begin(c, e))) return rc;
    json_t *before = NULL;
    const json_t *items = json_object_get(body, "items");
    char ics[STORE_ICS_CODE];
    rc = app_ics_one(c, ics, e);
    if (!rc) rc = app_an_current_set(c->db, ics, items, &before, e);
    json_t *was = json_pack("{so?}", "items", before);
    if (!rc)
        rc = record(
            c, &APP_ANALYTICS_CURRENT_REPLACE, "allocation_current", "current", was, body,
            "analytics.imported",
            json_pack("{sssI}", "what", "current", "places", (json_int_t)json_array_size(items)),
            e);
    json_decref(was);
    return app_end(c, rc, e);
}

int app_analytics_run_create(app_ctx *c, const analytics_pace *p, const char *label, int64_t *id,
                             json_t **params, json_t **result, ics_err *e)
{
    *params = *result = NULL;
    *id = 0;
    int rc = app_allow(c, &APP_ANALYTICS_ALLOCATION_RUN, e);
    if (rc) return rc;
    analytics_alloc *a;
    char ics[STORE_ICS_CODE];
    if ((rc = app_ics_one(c, ics, e))) return rc;
    if ((rc = app_an_alloc(c->db, ics, p, &a, e))) return rc;
    *result = app_an_alloc_json(a);
    analytics_alloc_free(a);
    *params = json_pack("{sisfsfsfsf}", "years", p->years, "pace", p->pace, "floor", p->floor,
                        "cap", p->cap, "growth", p->budget_growth);
    if (label) json_object_set_new(*params, "label", json_string(label));
    if (!(rc = app_begin(c, e))) {
        rc = store_analytics_run_save(c->db, c->now, c->who.name, *params, *result, id, e);
        char ids[32];
        snprintf(ids, sizeof ids, "%lld", (long long)*id);
        if (!rc)
            rc = record(c, &APP_ANALYTICS_ALLOCATION_RUN, "allocation_run", ids, NULL, *params,
                        "allocation.run",
                        json_pack("{sIsO}", "id", (json_int_t)*id, "params", *params), e);
        rc = app_end(c, rc, e);
    }
    if (rc) {
        json_decref(*params);
        json_decref(*result);
        *params = *result = NULL;
    }
    return rc;
}

/* ---- seeding -------------------------------------------------------------- */

/* The illustrative allocation weights and a synthetic year of
 * non-elective admissions. */
int app_analytics_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    return app_an_seed(c->db, data_dir, c->now, e);
}
