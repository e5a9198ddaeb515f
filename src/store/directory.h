/* store/directory.h - storing the directory collections described in
 * directory/directory.h: validated upserts (import and API), lists with
 * filters and paging, single rows, deletes. */
#ifndef ICS_STORE_DIRECTORY_H
#define ICS_STORE_DIRECTORY_H

#include "core/csv.h"
#include "directory/directory.h"
#include "store/store.h"

/* Validate and upsert every row of doc into collection c, inside the
 * caller's transaction. The first bad row stops it with a message naming
 * the file, line, column and reason. *count receives the rows written. */
int store_dir_import_csv(store *s, const dir_collection *c, const csv_doc *doc, int *count,
                         ics_err *e);

/* Validate a JSON object (API body or JSON import row) and upsert it.
 * Unknown fields, wrong types and missing required fields are all reported
 * in one message. When key is not NULL it must match the object's key (PUT).
 * *after receives the stored row. */
int store_dir_upsert_json(store *s, const dir_collection *c, const json_t *obj, const char *key,
                          json_t **after, ics_err *e);

/* Rows as typed JSON objects (lists become arrays). filters is an object of
 * column -> value for columns marked filter; a list column matches when it
 * contains the value. */
int store_dir_list(store *s, const dir_collection *c, const json_t *filters, int64_t limit,
                   int64_t offset, json_t **rows, int64_t *total, ics_err *e);
/* The same, only rows in one of the ICSs named in ics (an array of ICS
 * codes; NULL: every ICS): see ics_where in directory.c for what "in" means
 * for each collection. */
int store_dir_list_in(store *s, const dir_collection *c, const json_t *filters, const json_t *ics,
                      int64_t limit, int64_t offset, json_t **rows, int64_t *total, ics_err *e);
int store_dir_get(store *s, const dir_collection *c, const char *key, json_t **row, ics_err *e);
/* A place's population rows {sex, age_band, population} (any order). */
int store_dir_place_population(store *s, const char *place, json_t **rows, ics_err *e);
/* The directory's version: a counter every write through this file moves
 * on, inside the writer's transaction. Caches of the directory compare it. */
int store_dir_version(store *s, int64_t *version, ics_err *e);
/* Delete one row; ICS_ECONFLICT when other rows still refer to it. */
int store_dir_delete(store *s, const dir_collection *c, const char *key, json_t **before,
                     ics_err *e);

#endif
