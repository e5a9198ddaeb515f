/* report.h - printable documents (the board pack, the daily call sheet)
 * drawn as PDF with cairo and pango: real text that pdftotext can read,
 * vector charts, A4 pages with a running footer (title, date, page
 * number). A document is built from plain values in order - headings,
 * paragraphs, tables, charts - and the finished PDF is handed back as
 * bytes; nothing here knows the store, HTTP or the clock (the caller
 * passes the date to print). */
#ifndef ICS_REPORT_REPORT_H
#define ICS_REPORT_REPORT_H

#include <stddef.h>

#include "core/error.h"

typedef struct report_doc report_doc;

/* A new document; footer is printed on every page with "page N". */
int report_doc_new(const char *title, const char *footer, report_doc **out, ics_err *e);
void report_doc_free(report_doc *d);

/* Blocks, laid out top to bottom; a block that does not fit starts a new
 * page. Text is UTF-8 (invalid bytes are drawn as replacement marks by
 * pango). */
void report_title(report_doc *d, const char *title, const char *subtitle);
void report_heading(report_doc *d, const char *text);
void report_text(report_doc *d, const char *text);
/* A small grey note (sources, methods, "synthetic"). */
void report_note(report_doc *d, const char *text);
void report_page_break(report_doc *d);

/* A table: ncols column headings, then nrows x ncols cells (row-major);
 * widths are fractions of the text width (NULL: equal). A table longer
 * than the page continues on the next with its heading repeated. */
void report_table(report_doc *d, int ncols, const char *const *head, const double *widths,
                  int nrows, const char *const *cells);

/* Horizontal bars: n labelled values, an optional reference value drawn
 * as a dashed line (NAN: none), the unit shown after each value. */
void report_bars(report_doc *d, const char *caption, int n, const char *const *labels,
                 const double *values, double reference, const char *reference_label,
                 const char *unit);

/* Lines: nseries series of npoints values each (NAN: a gap), x labels
 * for the points (may be NULL) and a legend. */
void report_lines(report_doc *d, const char *caption, int nseries, const char *const *names,
                  int npoints, const double *values, const char *const *xlabels, double ymin,
                  double ymax);

/* A polyline for a chart: n points (x[i], y[i]). */
typedef struct report_line {
    int n;
    const double *x, *y;
} report_line;

/* A funnel plot: n points (x denominator, y value) with labels, the
 * target and four limit lines (95% and 99.8%, lower and upper). */
void report_funnel(report_doc *d, const char *caption, int n, const char *const *labels,
                   const double *x, const double *y, double target, const report_line limits[4]);

/* Finish: the PDF bytes (malloc'd, the caller frees) and its page count. */
int report_doc_finish(report_doc *d, unsigned char **pdf, size_t *len, int *pages, ics_err *e);

#endif
