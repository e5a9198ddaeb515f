/* copy.h - table-level access for moving a deployment between databases
 * (`icsflow db copy`, `db checksum`): list the tables in an order that
 * respects foreign keys, copy a table's rows from one store to another,
 * and a checksum of a table's rows that is the same on SQLite and
 * PostgreSQL when the rows are the same. */
#ifndef ICS_STORE_COPY_H
#define ICS_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Hex digits of a table checksum (128 bits), without the terminating NUL. */
#define STORE_SUM_HEX 32

/* The application's tables, every table after the tables its foreign keys
 * point to (self references aside), ties in name order. The schema's own
 * bookkeeping (schema_migrations, which each database fills as it is
 * migrated) and the backend's internal tables are left out. *names is a
 * malloc'ed array of malloc'ed strings: store_copy_tables_free. */
int store_copy_tables(store *s, char ***names, size_t *n, ics_err *e);
void store_copy_tables_free(char **names, size_t n);

/* Delete every row of table (used, children first, on a destination whose
 * migrations inserted default rows, before the copy). */
int store_copy_clear(store *s, const char *table, ics_err *e);

/* Append every row of table in src to the same table in dst, ids
 * included, in batches of multi-row INSERTs. Run it inside a transaction
 * on dst. *rows is the number of rows copied. */
int store_copy_rows(store *src, store *dst, const char *table, int64_t *rows, ics_err *e);

/* After rows were inserted with their ids: move each identity column's
 * sequence past the largest id, so new rows get new ids (PostgreSQL;
 * nothing to do on SQLite, whose next rowid follows the largest). */
int store_copy_fix_ids(store *s, ics_err *e);

/* The row count of table and a checksum of its rows: each row in a
 * canonical form (columns in name order; NULL, integers in decimal, reals
 * with 17 significant digits unless integral, text with its byte length)
 * hashed with BLAKE2b-128; the row hashes sorted, so the order rows come
 * back in (and collation) does not matter; and that sorted list hashed
 * again. sum gets STORE_SUM_HEX hex digits and a NUL. */
int store_copy_checksum(store *s, const char *table, int64_t *rows, char sum[STORE_SUM_HEX + 1],
                        ics_err *e);

#endif
