/* app/directory.h - use cases of the service directory: read, write and
 * delete rows of a collection (places, organisations, sites, services,
 * units, ...), import and export. */
#ifndef ICS_APP_DIRECTORY_H
#define ICS_APP_DIRECTORY_H

#include "app/app.h"
#include "core/csv.h"
#include "directory/directory.h"

extern const app_use APP_DIR_READ;   /* any signed-in role */
extern const app_use APP_DIR_WRITE;  /* administrators */
extern const app_use APP_DIR_IMPORT; /* administrators */

/* A page of a collection; filters maps column names to values. */
int app_dir_list(app_ctx *c, const dir_collection *coll, const json_t *filters, int64_t limit,
                 int64_t offset, json_t **rows, int64_t *total, ics_err *e);
/* The same page as the API's JSON text ({items, total, limit, offset},
 * compact, ASCII), from the directory-versioned cache when this version of
 * the directory already answered it (app/dircache.h); caller frees. */
int app_dir_list_text(app_ctx *c, const dir_collection *coll, const json_t *filters, int64_t limit,
                      int64_t offset, char **text, size_t *len, ics_err *e);
/* One row; a place carries its population by sex and age band. */
int app_dir_get(app_ctx *c, const dir_collection *coll, const char *key, json_t **row, ics_err *e);
/* Create (key NULL: the body's key must be new, else ICS_ECONFLICT) or
 * replace the row at key. *created says which. Audited, event
 * `directory.changed`. */
int app_dir_put(app_ctx *c, const dir_collection *coll, const json_t *body, const char *key,
                json_t **after, int *created, ics_err *e);
int app_dir_delete(app_ctx *c, const dir_collection *coll, const char *key, ics_err *e);
/* Import folders (every <collection>.csv in it), .csv files (collection from
 * the file name, or coll) and .json documents ({collection: [rows]}), all in
 * one transaction: any bad row rejects the whole import. */
int app_dir_import(app_ctx *c, char *const *paths, int n, const char *coll, int *rows, ics_err *e);
/* The same into one ICS (its ODS code; ics_name needed when it is new,
 * which only an administrator without an organisation may do): the places
 * imported join it (ICS_EINVAL naming the file and line for a place already
 * in another ICS), new organisations get it as their primary ICS and
 * existing ones work in it as well. ics NULL: app_dir_import. */
int app_dir_import_ics(app_ctx *c, const char *ics, const char *ics_name, char *const *paths, int n,
                       const char *coll, int *rows, ics_err *e);
/* ---- checking rows before the store writes them (src/app/directory_rows.c),
 * inside the caller's transaction, for the use cases above and first start */

/* Every row of a parsed CSV file into collection c: the header (unknown or
 * missing required columns), one row per key, then each row checked and
 * written; the first bad row stops it with its file, line, column and
 * reason. *count (may be NULL) receives the rows written. */
int app_dir_rows_import_csv(store *s, const dir_collection *c, const csv_doc *doc, int *count,
                            ics_err *e);
/* A JSON object (API body or JSON import row) checked and written: unknown
 * fields, wrong types and missing required fields all in one message; when
 * key is not NULL it must match the object's key (PUT). *after (may be
 * NULL) receives the stored row. */
int app_dir_rows_upsert_json(store *s, const dir_collection *c, const json_t *obj, const char *key,
                             json_t **after, ics_err *e);

/* Every collection as {name: [rows]}, in dependency order: the rows of the
 * caller's ICS (c->ics, "all" for every ICS they may see; bank holidays and
 * postcode districts without a place are everyone's). */
int app_dir_export(app_ctx *c, json_t **doc, ics_err *e);

#endif
