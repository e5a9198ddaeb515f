/* page.h - a page of a large list written straight to JSON text, row by
 * row as the store reads it, instead of building a jansson tree of every
 * row and dumping it (most of a 1,000-row page's CPU time). The bytes are
 * what json_dumps(page, JSON_COMPACT | JSON_ENSURE_ASCII) gave for the same
 * page (sb_json_str and sb_json_real write as jansson does), so clients
 * and tests see the same fields. The page also keeps the ids it wrote, for
 * the read's audit record and the next page's cursor. */
#ifndef ICS_APP_PAGE_H
#define ICS_APP_PAGE_H

#include <stddef.h>
#include <jansson.h>
#include <stdint.h>

#include "core/sb.h"
#include "store/store.h"

/* How a column is shown; a column not named in the view list is shown as
 * stored (integer, real, string or null), and a column whose name ends in
 * "_json" as the JSON value its text holds, under the name without the
 * suffix (as store_query_json reads it). */
typedef enum app_col_view {
    APP_COL_LONDON = 1, /* instant -> "2026-12-03T22:04:08+00:00" (tz_format); 0 -> null */
    APP_COL_UTC,        /* instant -> "2026-12-03T22:04:08Z" (tz_format_utc) */
    APP_COL_BOOL,       /* integer -> true / false (anything else false) */
    APP_COL_WORDS,      /* "a b,c" -> ["a","b","c"] */
} app_col_view;

typedef struct app_col {
    const char *name;
    app_col_view view;
} app_col;

#define APP_PAGE_COLS 32

typedef struct app_page {
    sb b;
    const app_col *views; /* {NULL, 0}-terminated */
    int ncols, view[APP_PAGE_COLS];
    char *keys[APP_PAGE_COLS]; /* each column's '"name":', written once (owned) */
    int64_t n;                 /* items written */
    int64_t *ids;              /* their ids, in order (the "id" column) */
    size_t ids_cap;            /* owned: app_page_free */
    int item_open;
    int id_col;     /* the "id" column, -1 when none */
    int64_t expect; /* rows asked for (the limit) */
} app_page;

/* Start a page: '{"items":['. views may be NULL; expect is the number of
 * rows asked for (room is made for them after the first). */
void app_page_init(app_page *p, const app_col *views, int64_t expect);
void app_page_free(app_page *p);

/* Open one item and write every column of row; the caller may add keys
 * (app_page_int, ...) before app_page_item_end closes it. */
void app_page_item(app_page *p, store_stmt *row);
void app_page_item_end(app_page *p);
/* Close the items array (once, after the last item). */
void app_page_items_end(app_page *p);

/* A key and its value, in the open item or, after app_page_items_end, in
 * the page. */
void app_page_int(app_page *p, const char *key, int64_t v);
void app_page_str(app_page *p, const char *key, const char *v); /* NULL: null */
void app_page_bool(app_page *p, const char *key, int v);
void app_page_null(app_page *p, const char *key);

/* "next_after": the last item's id when the page is full (there may be
 * more), else null; and when the page is full and next_base is not NULL,
 * "next": next_base followed by that id (next_base ends in "after="). */
void app_page_next(app_page *p, int64_t limit, const char *next_base);

/* The same ending for a list built as a jansson page ({items: [...], ...}):
 * "next_after", the last item's key (its id, entry_id, ...) when the page
 * holds limit items, else null, and with next_base "next", its URL. */
void app_page_next_json(json_t *page, const char *key, int64_t limit, const char *next_base);

/* The ids written, compactly, for an audit record: sorted, runs of
 * consecutive ids as "a-b", others as themselves, comma-separated
 * ("16704-17703", "807-809,812"; the page's order is the list's, which the
 * record's filters and cursor name). Empty for an empty page. Caller
 * frees; NULL when out of memory. */
char *app_page_ids_text(const app_page *p);

/* Close the page and hand over its text (caller frees) and length; NULL
 * (with ICS_ENOMEM in e) when memory ran out at any point. The page is
 * freed either way. */
char *app_page_finish(app_page *p, size_t *len, ics_err *e);

#endif
