/* app/directory.c - use cases of the service directory (places,
 * organisations, sites, services, bed units): seeding from data/, reads,
 * administrative changes, imports and exports. Every change is audited
 * with before and after and announced as `directory.changed`. */
#include "app/directory.h"

#include "app/dircache.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/ics.h"
#include "app/seed.h"
#include "core/csv.h"
#include "core/utf8.h"
#include "core/valid.h"
#include "store/directory.h"

const app_use APP_DIR_READ = {"directory.read", ROLE_ANY, APP_SCOPE_ICS};
const app_use APP_DIR_WRITE = {"directory.write", ROLE_ADMIN, APP_SCOPE_ICS};
const app_use APP_DIR_IMPORT = {"directory.import", ROLE_ADMIN, APP_SCOPE_ICS};

/* Load every <collection>.csv found in dir, in dependency order, inside the
 * caller's transaction; *total receives the rows written. Missing files are
 * skipped unless required is set. (Reading files is the application's
 * part; the store only writes the parsed rows.) */
static int import_files(store *s, const char *dir, int required, int *total, ics_err *e)
{
    int rc = 0;
    *total = 0;
    for (const dir_collection *c = directory_collections; c->name && !rc; c++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s.csv", dir, c->name);
        FILE *f = fopen(path, "r");
        if (!f) {
            if (required) rc = ics_err_set(e, ICS_EIO, "%s: file not found", path);
            continue;
        }
        fclose(f);
        csv_doc *doc;
        rc = csv_read_file(path, &doc, e);
        if (rc) break;
        int n = 0;
        rc = app_dir_rows_import_csv(s, c, doc, &n, e);
        csv_free(doc);
        *total += n;
    }
    return rc;
}

int app_directory_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    int total = 0;
    int rc = store_begin(c->db, e);
    if (!rc) rc = import_files(c->db, data_dir, 1, &total, e);
    if (rc) {
        store_rollback(c->db);
        return rc;
    }
    return store_commit(c->db, e);
}

/* The ICSs a read of coll covers, as an array of codes (NULL for a
 * national collection, bank holidays, which every ICS shares). */
static int ics_codes(app_ctx *c, const dir_collection *coll, json_t **out, ics_err *e)
{
    *out = NULL;
    if (strcmp(coll->name, "bank_holidays") == 0) return 0;
    app_ics_set set;
    int rc = app_ics_resolve(c, &set, e);
    if (rc) return rc;
    assert(set.n > 0);
    *out = json_array();
    for (int i = 0; i < set.n; i++) json_array_append_new(*out, json_string(set.code[i]));
    return 0;
}

int app_dir_list(app_ctx *c, const dir_collection *coll, const json_t *filters, int64_t limit,
                 int64_t offset, json_t **rows, int64_t *total, ics_err *e)
{
    assert(coll);
    int rc = app_allow(c, &APP_DIR_READ, e);
    if (rc) return rc;
    json_t *ics = NULL;
    if ((rc = ics_codes(c, coll, &ics, e))) return rc;
    rc = store_dir_list_in(c->db, coll, filters, ics, limit, offset, rows, total, e);
    json_decref(ics);
    return rc;
}

int app_dir_list_text(app_ctx *c, const dir_collection *coll, const json_t *filters, int64_t limit,
                      int64_t offset, char **text, size_t *len, ics_err *e)
{
    assert(coll && text && len);
    *text = NULL;
    *len = 0;
    int rc = app_allow(c, &APP_DIR_READ, e);
    if (rc) return rc;
    json_t *ics = NULL;
    if ((rc = ics_codes(c, coll, &ics, e))) return rc;
    /* Every write to these tables moves the directory version on (the
     * population table is written by the analytics import too: not kept).
     * Inside a write transaction the version may be the transaction's own,
     * which a rollback takes back and the next committed change uses again:
     * nothing is kept or reused there. */
    int keep = strcmp(coll->name, "population") != 0 && store_tx_depth(c->db) == 0;
    int64_t version = 0;
    char *key = NULL;
    if (keep && !(rc = store_dir_version(c->db, &version, e))) {
        char *f = json_dumps(filters, JSON_COMPACT | JSON_SORT_KEYS);
        char *i = ics ? json_dumps(ics, JSON_COMPACT) : NULL;
        if (f && asprintf(&key, "%s|%s|%s|%lld|%lld", coll->name, i ? i : "*", f, (long long)limit,
                          (long long)offset) < 0)
            key = NULL;
        free(f);
        free(i);
        if (key && app_dircache_get(store_path(c->db), version, key, text, len)) {
            free(key);
            json_decref(ics);
            return 0;
        }
    }
    json_t *rows = NULL;
    int64_t total = 0;
    if (!rc) rc = store_dir_list_in(c->db, coll, filters, ics, limit, offset, &rows, &total, e);
    json_decref(ics);
    if (!rc) {
        json_t *page = json_pack("{sosIsIsI}", "items", rows, "total", (json_int_t)total, "limit",
                                 (json_int_t)limit, "offset", (json_int_t)offset);
        *text = page ? json_dumps(page, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        json_decref(page);
        if (!*text) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    if (!rc) {
        *len = strlen(*text);
        if (key) app_dircache_put(store_path(c->db), version, key, *text, *len);
    }
    free(key);
    return rc;
}

/* 0 when the row of coll at key is in an ICS the caller may see, else
 * ICS_ENOTFOUND as if it did not exist. */
static int row_visible(app_ctx *c, const dir_collection *coll, const char *key, ics_err *e)
{
    json_t *ics = NULL, *rows = NULL, *f = json_pack("{ss}", coll->key, key);
    app_ctx all = *c;
    all.ics = "all";
    int64_t n = 0;
    int rc = ics_codes(&all, coll, &ics, e);
    if (!rc) rc = store_dir_list_in(c->db, coll, f, ics, 1, 0, &rows, &n, e);
    json_decref(f);
    json_decref(ics);
    json_decref(rows);
    if (!rc && n == 0)
        rc = ics_err_set(e, ICS_ENOTFOUND, "no %s with %s '%s'", coll->name, coll->key, key);
    return rc;
}

/* Population rows by sex, then age band in age order ("5-9" before "10-14"). */
static int band_cmp(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int s = strcmp(json_string_value(json_object_get(x, "sex")),
                   json_string_value(json_object_get(y, "sex")));
    if (s) return s;
    int bx = atoi(json_string_value(json_object_get(x, "age_band")));
    int by = atoi(json_string_value(json_object_get(y, "age_band")));
    return (bx > by) - (bx < by);
}

static json_t *sorted_bands(json_t *rows)
{
    size_t n = json_array_size(rows);
    json_t **v = calloc(n ? n : 1, sizeof *v);
    json_t *out = json_array();
    if (!v) return rows;
    for (size_t i = 0; i < n; i++) v[i] = json_array_get(rows, i);
    qsort(v, n, sizeof *v, band_cmp);
    for (size_t i = 0; i < n; i++) json_array_append(out, v[i]);
    free(v);
    json_decref(rows);
    return out;
}

int app_dir_get(app_ctx *c, const dir_collection *coll, const char *key, json_t **row, ics_err *e)
{
    assert(coll && key);
    int rc = app_allow(c, &APP_DIR_READ, e);
    if (rc) return rc;
    if ((rc = store_dir_get(c->db, coll, key, row, e))) return rc;
    if ((rc = row_visible(c, coll, key, e))) {
        json_decref(*row);
        *row = NULL;
        return rc;
    }
    if (strcmp(coll->name, "places") != 0) return 0;
    json_t *pop = NULL;
    if ((rc = store_dir_place_population(c->db, key, &pop, e))) {
        json_decref(*row);
        *row = NULL;
        return rc;
    }
    pop = sorted_bands(pop);
    json_int_t total = 0;
    size_t i;
    json_t *r;
    json_array_foreach(pop, i, r) total += json_integer_value(json_object_get(r, "population"));
    json_object_set_new(*row, "population_total", json_integer(total));
    json_object_set_new(*row, "population", pop);
    return 0;
}

/* The organisations a directory row belongs to, for the change event. */
static void row_orgs(const json_t *row, const char *orgs[3])
{
    static const char *const cols[] = {"ods_code", "org_code", "provider_ods", NULL};
    int n = 0;
    for (const char *const *k = cols; *k && n < 2; k++) {
        const char *v = json_string_value(json_object_get(row, *k));
        if (v && *v) orgs[n++] = v;
    }
    orgs[n] = NULL;
}

static int changed(app_ctx *c, const dir_collection *coll, const char *action, const char *key,
                   const json_t *before, const json_t *after, ics_err *e)
{
    char name[64];
    snprintf(name, sizeof name, "%s.%s", coll->name, action);
    const char *orgs[3];
    const json_t *row = after ? after : before;
    row_orgs(row, orgs);
    /* a place, or a row in a place, is recorded as that place's ICS's */
    const char *place = strcmp(coll->name, "places") == 0
                            ? key
                            : json_string_value(json_object_get(row, "place_code"));
    char ics[STORE_ICS_CODE] = "";
    if (place && *place && store_ics_place_of(c->db, place, ics, NULL) == 0 && ics[0])
        app_ics_here(c, ics);
    int rc = app_audit(c, name, coll->name, key, before, after, e);
    if (!rc)
        rc = app_emit(c, "directory.changed", coll->name, key, orgs[0] ? orgs : NULL,
                      json_pack("{ssss}", "collection", coll->name, "action", action), e);
    return rc;
}

/* A new row's ICS: a place or organisation made by an administrator joins
 * their home ICS; any other row must lie in an ICS they may see (a site in
 * another ICS's place is refused). */
static int new_row_ics(app_ctx *c, const dir_collection *coll, const char *key, ics_err *e)
{
    char home[STORE_ICS_CODE];
    int rc = app_ics_home(c, home, e);
    if (rc || !key) return rc;
    if (strcmp(coll->name, "places") == 0) return store_ics_place_set(c->db, key, home, e);
    if (strcmp(coll->name, "organisations") == 0) return store_ics_org_join(c->db, key, home, 1, e);
    if (!coll->key || row_visible(c, coll, key, NULL) == 0) return 0;
    return ics_err_set(e, ICS_EFORBID, "%s '%s' would lie in an ICS you do not administer",
                       coll->name, key);
}

int app_dir_put(app_ctx *c, const dir_collection *coll, const json_t *body, const char *key,
                json_t **after, int *created, ics_err *e)
{
    assert(coll && after && created);
    int rc = app_allow(c, &APP_DIR_WRITE, e);
    if (rc) return rc;
    if (!json_is_object(body))
        return ics_err_set(e, ICS_EBADREQ, "the body must be a JSON object describing one of %s",
                           coll->name);
    json_t *before = NULL;
    *after = NULL;
    if ((rc = app_begin(c, e))) return rc;
    const char *k = key ? key : json_string_value(json_object_get(body, coll->key));
    if (k && store_dir_get(c->db, coll, k, &before, NULL) == 0 && !key)
        rc = ics_err_set(e, ICS_ECONFLICT, "%s '%s' already exists; use PUT to replace it",
                         coll->name, k);
    /* an ICS's administrator changes the rows of the ICSs they may see */
    if (!rc && before) rc = row_visible(c, coll, k, e);
    if (!rc) rc = app_dir_rows_upsert_json(c->db, coll, body, key, after, e);
    const char *nk = json_string_value(json_object_get(*after, coll->key));
    if (!rc && !before) rc = new_row_ics(c, coll, nk, e);
    if (!rc)
        rc = changed(c, coll, before ? "update" : "create",
                     json_string_value(json_object_get(*after, coll->key)), before, *after, e);
    *created = before == NULL;
    json_decref(before);
    rc = app_end(c, rc, e);
    if (rc) {
        json_decref(*after);
        *after = NULL;
    }
    return rc;
}

int app_dir_delete(app_ctx *c, const dir_collection *coll, const char *key, ics_err *e)
{
    int rc = app_allow(c, &APP_DIR_WRITE, e);
    if (rc) return rc;
    json_t *before = NULL;
    if ((rc = app_begin(c, e))) return rc;
    rc = coll->key ? row_visible(c, coll, key, e) : 0;
    if (!rc) rc = store_dir_delete(c->db, coll, key, &before, e);
    if (!rc) rc = changed(c, coll, "delete", key, before, NULL, e);
    json_decref(before);
    return app_end(c, rc, e);
}

/* ---- import and export --------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static int import_csv(store *s, const char *path, const char *coll, int *count, ics_err *e)
{
    char name[128];
    if (!coll) {
        snprintf(name, sizeof name, "%s", base_name(path));
        size_t n = strlen(name);
        if (n > 4) name[n - 4] = '\0';
        coll = name;
    }
    const dir_collection *c = directory_collection_find(coll);
    if (!c)
        return ics_err_set(e, ICS_EINVAL,
                           "%s: '%s' is not a directory collection (places, population, "
                           "organisations, sites, services, units, postcode_districts, "
                           "bank_holidays); name the file after one or pass --collection",
                           path, coll);
    csv_doc *doc;
    int rc = csv_read_file(path, &doc, e);
    if (rc) return rc;
    rc = app_dir_rows_import_csv(s, c, doc, count, e);
    csv_free(doc);
    return rc;
}

static int import_json(store *s, const char *path, int *count, ics_err *e)
{
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return ics_err_set(e, ICS_EINVAL, "%s: line %d: not valid JSON: %s", path, je.line,
                           je.text);
    int rc = 0;
    if (!json_is_object(doc))
        rc = ics_err_set(e, ICS_EINVAL, "%s: expected an object of collections", path);
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        if (!directory_collection_find(k)) {
            rc = ics_err_set(e, ICS_EINVAL, "%s: unknown collection '%s'", path, k);
            break;
        }
    }
    /* load in dependency order, whatever order the file lists them in */
    for (const dir_collection *c = directory_collections; c->name && !rc; c++) {
        json_t *rows = json_object_get(doc, c->name);
        if (!rows) continue;
        if (!json_is_array(rows)) {
            rc = ics_err_set(e, ICS_EINVAL, "%s: '%s' must be an array of objects", path, c->name);
            break;
        }
        size_t i;
        json_array_foreach(rows, i, v)
        {
            json_t *after = NULL;
            rc = app_dir_rows_upsert_json(s, c, v, NULL, &after, e);
            json_decref(after);
            if (rc) {
                ics_err_prefix(e, "%s: %s[%zu]: ", path, c->name, i);
                break;
            }
            (*count)++;
        }
    }
    json_decref(doc);
    return rc;
}

/* ---- importing into an ICS ------------------------------------------------
 * The directory's CSV shapes carry no ICS: an import names it (--ics), and
 * the places and organisations the import holds are put in it: a new place
 * joins the ICS, a place already in another ICS is an error naming its file
 * and line; a new organisation gets the ICS as its primary one, one that
 * exists already (a provider working in several ICSs) joins it as well. */

/* Add the keys of one CSV or JSON source of coll ("places" or
 * "organisations") to keys as {key, where}. Bad files and rows are left to
 * the import, which reports them. */
static void keys_csv(const char *path, const dir_collection *k, json_t *keys)
{
    csv_doc *doc = NULL;
    ics_err ignore = {0};
    if (csv_read_file(path, &doc, &ignore)) return;
    int col = csv_col(doc, k->key);
    const dir_column *kc = directory_column_find(k, k->key);
    for (size_t r = 0; col >= 0 && r < doc->nrows; r++) {
        char norm[256], where[320];
        if (directory_value_check(kc, doc->rows[r][col], norm, &ignore)) continue;
        snprintf(where, sizeof where, "%s: line %zu", doc->name, doc->line[r]);
        json_array_append_new(keys, json_pack("{ssss}", "key", norm, "where", where));
    }
    csv_free(doc);
}

static void keys_json(const char *path, const dir_collection *k, json_t *keys)
{
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    const dir_column *kc = directory_column_find(k, k->key);
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, k->name), i, v)
    {
        char norm[256], where[320];
        ics_err ignore = {0};
        const char *raw = json_string_value(json_object_get(v, k->key));
        if (!raw || directory_value_check(kc, raw, norm, &ignore)) continue;
        snprintf(where, sizeof where, "%s: %s[%zu]", path, k->name, i);
        json_array_append_new(keys, json_pack("{ssss}", "key", norm, "where", where));
    }
    json_decref(doc);
}

static void import_keys(char *const *paths, int n, const char *coll, const dir_collection *k,
                        json_t *keys)
{
    for (int i = 0; i < n; i++) {
        struct stat st;
        char path[1024];
        if (stat(paths[i], &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            snprintf(path, sizeof path, "%s/%s.csv", paths[i], k->name);
            keys_csv(path, k, keys);
        } else if (ends_with(paths[i], ".json")) {
            keys_json(paths[i], k, keys);
        } else {
            char name[128];
            snprintf(name, sizeof name, "%s", base_name(paths[i]));
            size_t len = strlen(name);
            if (len > 4) name[len - 4] = '\0';
            if (strcmp(coll ? coll : name, k->name) == 0) keys_csv(paths[i], k, keys);
        }
    }
}

/* Before the import: note in each key row whether the place or
 * organisation exists, and the ICS it is in ("" when new). */
static int keys_before(app_ctx *c, json_t *keys, int places, ics_err *e)
{
    size_t i;
    json_t *r;
    json_array_foreach(keys, i, r)
    {
        const char *key = json_string_value(json_object_get(r, "key"));
        char in[STORE_ICS_CODE] = "";
        int rc = places ? store_ics_place_of(c->db, key, in, e)
                        : store_ics_org_primary(c->db, key, in, e);
        if (rc) return rc;
        json_object_set_new(r, "before", json_string(in));
    }
    return 0;
}

/* After the rows are written: put the places and organisations in ics. */
static int keys_apply(app_ctx *c, const char *ics, json_t *places, json_t *orgs, ics_err *e)
{
    size_t i;
    json_t *r;
    int rc = 0;
    json_array_foreach(places, i, r)
    {
        const char *key = json_string_value(json_object_get(r, "key"));
        const char *before = json_string_value(json_object_get(r, "before"));
        if (!*before)
            rc = store_ics_place_set(c->db, key, ics, e);
        else if (strcmp(before, ics) != 0)
            rc = ics_err_set(e, ICS_EINVAL,
                             "%s, column 'code': place '%s' is in ICS '%s' already; a place "
                             "belongs to one ICS",
                             json_string_value(json_object_get(r, "where")), key, before);
        if (rc) return rc;
    }
    json_array_foreach(orgs, i, r)
    {
        const char *key = json_string_value(json_object_get(r, "key"));
        const char *before = json_string_value(json_object_get(r, "before"));
        if ((rc = store_ics_org_join(c->db, key, ics, *before == '\0', e))) return rc;
    }
    return 0;
}

/* Check the ICS of an import and create it when new (name needed). */
static int import_ics(app_ctx *c, const char *ics, const char *ics_name, ics_err *e)
{
    if (valid_ods_code(ics, NULL) || strlen(ics) != 3)
        return ics_err_set(e, ICS_EINVAL,
                           "--ics '%s' is not an ICS's ODS code (3 letters and digits, e.g. QRV)",
                           ics);
    json_t *row = NULL;
    int rc = app_ics_get(c, ics, &row, NULL);
    json_decref(row);
    if (rc && rc != ICS_ENOTFOUND) return ics_err_set(e, rc, "cannot read ICS '%s'", ics);
    if (rc == ICS_ENOTFOUND) {
        app_ics_set vis;
        if ((rc = app_ics_visible(c, &vis, e))) return rc;
        /* only the deployment's administrators add an ICS */
        if (c->who.org && *c->who.org)
            return ics_err_set(e, ICS_EFORBID, "you may not add ICS '%s'", ics);
        if (!ics_name || !*ics_name)
            return ics_err_set(e, ICS_EINVAL, "ICS '%s' is new: give its name (--ics-name)", ics);
    }
    if (ics_name && *ics_name) {
        if (!utf8_valid(ics_name) || strlen(ics_name) > 120)
            return ics_err_set(e, ICS_EINVAL, "--ics-name must be UTF-8 text of at most 120 bytes");
        return store_ics_upsert(c->db, ics, ics_name, e);
    }
    return 0;
}

int app_dir_import(app_ctx *c, char *const *paths, int n, const char *coll, int *rows, ics_err *e)
{
    return app_dir_import_ics(c, NULL, NULL, paths, n, coll, rows, e);
}

int app_dir_import_ics(app_ctx *c, const char *ics, const char *ics_name, char *const *paths, int n,
                       const char *coll, int *rows, ics_err *e)
{
    int rc = app_allow(c, &APP_DIR_IMPORT, e);
    if (rc) return rc;
    *rows = 0;
    json_t *places = json_array(), *orgs = json_array();
    if (ics) {
        import_keys(paths, n, coll, directory_collection_find("places"), places);
        import_keys(paths, n, coll, directory_collection_find("organisations"), orgs);
    }
    if ((rc = app_begin(c, e))) {
        json_decref(places);
        json_decref(orgs);
        return rc;
    }
    if (ics) rc = import_ics(c, ics, ics_name, e);
    if (!rc && ics) rc = keys_before(c, places, 1, e);
    if (!rc && ics) rc = keys_before(c, orgs, 0, e);
    for (int i = 0; i < n && !rc; i++) {
        struct stat st;
        int k = 0;
        if (stat(paths[i], &st) != 0)
            rc = ics_err_set(e, ICS_EIO, "cannot read '%s'", paths[i]);
        else if (S_ISDIR(st.st_mode))
            rc = import_files(c->db, paths[i], 0, &k, e);
        else if (ends_with(paths[i], ".json"))
            rc = import_json(c->db, paths[i], &k, e);
        else
            rc = import_csv(c->db, paths[i], coll, &k, e);
        *rows += k;
    }
    if (!rc && ics) rc = keys_apply(c, ics, places, orgs, e);
    if (ics) app_ics_here(c, ics); /* recorded as the imported ICS's */
    json_decref(places);
    json_decref(orgs);
    if (!rc) {
        json_t *after = json_pack("{si}", "rows", *rows);
        if (ics) json_object_set_new(after, "ics", json_string(ics));
        rc = app_audit(c, APP_DIR_IMPORT.name, "directory", NULL, NULL, after, e);
        json_decref(after);
    }
    if (!rc) {
        json_t *pl = json_pack("{sssi}", "action", "import", "rows", *rows);
        if (ics) json_object_set_new(pl, "ics", json_string(ics));
        rc = app_emit(c, "directory.changed", "directory", NULL, NULL, pl, e);
    }
    return app_end(c, rc, e);
}

int app_ics_seed(app_ctx *c, const char *data_dir, ics_err *e)
{
    char list[1024];
    snprintf(list, sizeof list, "%s/ics/ics.csv", data_dir);
    struct stat st;
    if (stat(list, &st) != 0) return 0; /* a data folder with one ICS */
    csv_doc *doc = NULL;
    int rc = csv_read_file(list, &doc, e);
    if (rc) return rc;
    const char *const cols[] = {"code", "name", NULL};
    int idx[2];
    rc = csv_columns(doc, cols, idx, 1, e);
    for (size_t r = 0; r < doc->nrows && !rc; r++) {
        const char *code = doc->rows[r][idx[0]], *name = doc->rows[r][idx[1]];
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/ics/%s", data_dir, code);
        char *paths[] = {dir};
        int rows = 0;
        rc = app_dir_import_ics(c, code, name, paths, 1, NULL, &rows, e);
        if (rc) ics_err_prefix(e, "%s: line %zu: ", list, doc->line[r]);
    }
    csv_free(doc);
    return rc;
}

int app_dir_export(app_ctx *c, json_t **doc, ics_err *e)
{
    int rc = app_allow(c, &APP_DIR_READ, e);
    if (rc) return rc;
    *doc = json_object();
    for (const dir_collection *k = directory_collections; k->name && !rc; k++) {
        json_t *rows, *none = json_object(), *ics = NULL;
        int64_t total;
        /* one ICS's directory (the caller's, or c->ics), which imports
         * back into that ICS with --ics */
        rc = ics_codes(c, k, &ics, e);
        if (!rc) rc = store_dir_list_in(c->db, k, none, ics, INT64_MAX, 0, &rows, &total, e);
        json_decref(ics);
        json_decref(none);
        if (!rc) json_object_set_new(*doc, k->name, rows);
    }
    if (rc) {
        json_decref(*doc);
        *doc = NULL;
    }
    return rc;
}
