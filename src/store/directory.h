/* store/directory.h - storing the directory collections described in
 * directory/directory.h: upserts of checked rows, reference look-ups, lists
 * with filters and paging, single rows, deletes. SQL only: the checks are
 * src/app/directory_rows.c's. */
#ifndef ICS_STORE_DIRECTORY_H
#define ICS_STORE_DIRECTORY_H

#include "directory/directory.h"
#include "store/store.h"

/* Upsert one row of collection c, inside the caller's transaction: v[i]
 * is column i's value as checked and normalised by the application
 * (src/app/directory_rows.c), "" for NULL; a unit's commissioners are
 * replaced by its list. Moves the directory's version on. */
int store_dir_upsert_row(store *s, const dir_collection *c, const char (*v)[256], ics_err *e);
/* 1 when collection ref has a row whose key is value, 0 when not, or the
 * negative code of a failed query. */
int store_dir_ref_exists(store *s, const char *ref, const char *value, ics_err *e);

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
