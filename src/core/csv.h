/* csv.h - RFC 4180 CSV reading for every import.
 *
 * The whole text is parsed into one owned buffer; cells point into it, so a
 * million-row extract costs two allocations per row at most. Row numbers in
 * errors are the 1-based line numbers a person sees in a spreadsheet, with
 * the header as line 1. */
#ifndef ICS_CORE_CSV_H
#define ICS_CORE_CSV_H

#include <stddef.h>

#include "core/error.h"

typedef struct csv_doc {
    char *name;    /* file name used in messages */
    size_t ncols;  /* columns in the header */
    char **header; /* ncols names */
    size_t nrows;  /* data rows */
    char ***rows;  /* rows[i][j]: cell j of data row i ("" when short) */
    size_t *line;  /* line[i]: line number of data row i */
    char *buf;     /* owns all cell text */
} csv_doc;

/* Parse text (need not be NUL-terminated). A row with more cells than the
 * header, an unterminated quote or an empty document is an error. */
int csv_parse(const char *text, size_t len, const char *name, csv_doc **out, ics_err *e);
int csv_read_file(const char *path, csv_doc **out, ics_err *e);
void csv_free(csv_doc *d);

/* Index of a header column, or -1. */
int csv_col(const csv_doc *d, const char *name);

/* Look up each of the NULL-terminated names; fills idx; ICS_EINVAL naming the
 * first missing column. With strict set, a header column not in names is
 * also an error (unknown column). */
int csv_columns(const csv_doc *d, const char *const *names, int *idx, int strict, ics_err *e);

#endif
