/* csv.h - RFC 4180 CSV reading for every import (and the one cell
 * writer the CSV exports share).
 *
 * The whole text is parsed into one owned buffer; cells point into it, so a
 * million-row extract costs two allocations per row at most. Row numbers in
 * errors are the 1-based line numbers a person sees in a spreadsheet, with
 * the header as line 1. */
#ifndef ICS_CORE_CSV_H
#define ICS_CORE_CSV_H

#include <stddef.h>

#include "core/error.h"
#include "core/sb.h"

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
 * header, an unterminated quote, an empty document, or a cell that is not
 * UTF-8 text or holds a NUL byte (named by line and column) is an error. */
int csv_parse(const char *text, size_t len, const char *name, csv_doc **out, ics_err *e);
int csv_read_file(const char *path, csv_doc **out, ics_err *e);
void csv_free(csv_doc *d);

/* ICS_EINVAL when two rows have the same values in the n key columns
 * idx[], naming both lines and the key ("lines 3 and 9 have the same
 * site_code 'RYJ01'"); rows are otherwise unchanged. */
int csv_unique(const csv_doc *d, const int *idx, int n, ics_err *e);

/* Index of a header column, or -1. */
int csv_col(const csv_doc *d, const char *name);

/* Look up each of the NULL-terminated names; fills idx; ICS_EINVAL naming the
 * first missing column. With strict set, a header column not in names is
 * also an error (unknown column). */
int csv_columns(const csv_doc *d, const char *const *names, int *idx, int strict, ics_err *e);

/* Append one cell of an RFC 4180 row to b: a comma first unless first,
 * quoted (quotes doubled) when it holds a comma, quote or line break. Every
 * CSV export writes its cells here, so a text cell a spreadsheet would run as
 * a formula (it starts with = + - @, tab or CR and is not a plain number)
 * gets a leading ' in every export alike. */
void csv_cell(sb *b, const char *v, int first);
/* The same without the formula guard, for interchange files that `icsflow
 * import` reads back (`icsflow export --format csv`), which must round-trip
 * byte for byte. */
void csv_cell_exact(sb *b, const char *v, int first);

#endif
