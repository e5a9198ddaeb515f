/* page.c - a large list's page written straight to JSON text (page.h):
 * each row goes from the store's statement to the text as it is read, so
 * a 1,000-row page costs one buffer instead of some 25,000 jansson values
 * built, dumped and freed. */
#include "app/page.h"

#include <assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tz.h"

enum { VIEW_AS_IS = 0, VIEW_JSON = -1 };

void app_page_init(app_page *p, const app_col *views, int64_t expect)
{
    memset(p, 0, sizeof *p);
    sb_init(&p->b);
    p->views = views;
    p->ncols = -1; /* learnt from the first row */
    p->id_col = -1;
    p->expect = expect;
    sb_puts(&p->b, "{\"items\":[");
}

void app_page_free(app_page *p)
{
    sb_free(&p->b);
    for (int c = 0; c < p->ncols; c++) free(p->keys[c]);
    p->ncols = -1;
    free(p->ids);
    p->ids = NULL;
    p->ids_cap = 0;
}

/* Keys are written as jansson writes them (escaped like any string). */
static void key(app_page *p, const char *k)
{
    char last = p->b.len ? p->b.buf[p->b.len - 1] : '\0';
    if (last != '{' && last != '[') sb_append(&p->b, ",", 1);
    sb_json_str(&p->b, k);
    sb_append(&p->b, ":", 1);
}

/* As "%lld" writes it, without printf's cost (a page has thousands). */
static void put_int(sb *b, int64_t v)
{
    char t[24], *q = t + sizeof t;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--q = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) *--q = '-';
    sb_append(b, q, (size_t)(t + sizeof t - q));
}

/* Which view each column has: the same for every row of a statement. */
static void learn(app_page *p, store_stmt *row)
{
    int n = store_col_count(row);
    assert(n <= APP_PAGE_COLS);
    p->ncols = n;
    for (int c = 0; c < n; c++) {
        const char *name = store_col_name(row, c);
        size_t len = strlen(name);
        p->view[c] = VIEW_AS_IS;
        if (len > 5 && strcmp(name + len - 5, "_json") == 0) p->view[c] = VIEW_JSON;
        for (const app_col *v = p->views; v && v->name; v++)
            if (strcmp(v->name, name) == 0) p->view[c] = (int)v->view;
        if (strcmp(name, "id") == 0) p->id_col = c;
        /* the key as jansson writes it; "before_json" is shown as "before" */
        char k[128];
        snprintf(k, sizeof k, "%.*s", (int)(p->view[c] == VIEW_JSON ? len - 5 : len), name);
        sb kb;
        sb_init(&kb);
        sb_json_str(&kb, k);
        sb_append(&kb, ":", 1);
        p->keys[c] = sb_steal(&kb);
        if (!p->keys[c]) p->b.oom = 1;
    }
}

static void words(sb *b, const char *text)
{
    sb_append(b, "[", 1);
    int first = 1;
    for (const char *s = text;;) {
        s += strspn(s, " ,");
        if (!*s) break;
        size_t n = strcspn(s, " ,");
        char w[512];
        snprintf(w, sizeof w, "%.*s", (int)n, s);
        if (!first) sb_append(b, ",", 1);
        first = 0;
        sb_json_str(b, w);
        s += n;
    }
    sb_append(b, "]", 1);
}

/* Stored JSON text as jansson reads and writes it (invalid: null). These
 * columns are small (an audit record's before and after). */
static void json_value(sb *b, const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    char *out = v ? json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY) : NULL;
    if (out)
        sb_puts(b, out);
    else
        sb_append(b, "null", 4);
    free(out);
    json_decref(v);
}

static void column(app_page *p, store_stmt *row, int c)
{
    sb *b = &p->b;
    int kind = store_col_kind(row, c);
    char t[40];
    switch (p->view[c]) {
    case APP_COL_LONDON:
        if (kind == STORE_INT && store_col_int(row, c) != 0) {
            tz_format(store_col_int(row, c), t, sizeof t);
            sb_json_str(b, t);
            return;
        }
        if (kind == STORE_INT) {
            sb_append(b, "null", 4);
            return;
        }
        break;
    case APP_COL_UTC:
        if (kind == STORE_INT) {
            tz_format_utc(store_col_int(row, c), t, sizeof t);
            sb_json_str(b, t);
            return;
        }
        break;
    case APP_COL_BOOL:
        sb_puts(b, kind == STORE_INT && store_col_int(row, c) ? "true" : "false");
        return;
    case APP_COL_WORDS:
        words(b, kind == STORE_TEXT ? store_col_text(row, c) : "");
        return;
    case VIEW_JSON:
        if (kind == STORE_NULL)
            sb_append(b, "null", 4);
        else
            json_value(b, store_col_text(row, c));
        return;
    default:
        break;
    }
    switch (kind) {
    case STORE_INT:
        put_int(b, store_col_int(row, c));
        break;
    case STORE_REAL:
        sb_json_real(b, store_col_double(row, c));
        break;
    case STORE_TEXT:
        sb_json_str(b, store_col_text(row, c));
        break;
    default:
        sb_append(b, "null", 4);
    }
}

static void keep_id(app_page *p, int64_t id)
{
    if ((size_t)p->n >= p->ids_cap) {
        size_t cap = p->ids_cap ? 2 * p->ids_cap : 256;
        int64_t *x = realloc(p->ids, cap * sizeof *x);
        if (!x) {
            p->b.oom = 1; /* reported by app_page_finish */
            return;
        }
        p->ids = x;
        p->ids_cap = cap;
    }
    p->ids[p->n] = id;
}

void app_page_item(app_page *p, store_stmt *row)
{
    assert(!p->item_open);
    if (p->ncols < 0) learn(p, row);
    assert(store_col_count(row) == p->ncols);
    if (p->n) sb_append(&p->b, ",", 1);
    sb_append(&p->b, "{", 1);
    for (int c = 0; c < p->ncols && !p->b.oom; c++) {
        if (c) sb_append(&p->b, ",", 1);
        sb_puts(&p->b, p->keys[c]);
        column(p, row, c);
    }
    keep_id(p, p->id_col >= 0 ? store_col_int(row, p->id_col) : 0);
    /* the first row shows the page's size: room for all of it at once */
    if (p->n == 0 && p->expect > 1) sb_reserve(&p->b, (p->b.len + 64) * (size_t)p->expect);
    p->item_open = 1;
}

void app_page_item_end(app_page *p)
{
    assert(p->item_open);
    sb_append(&p->b, "}", 1);
    p->item_open = 0;
    p->n++;
}

void app_page_items_end(app_page *p)
{
    assert(!p->item_open);
    sb_append(&p->b, "]", 1);
}

void app_page_int(app_page *p, const char *k, int64_t v)
{
    key(p, k);
    put_int(&p->b, v);
}

void app_page_str(app_page *p, const char *k, const char *v)
{
    key(p, k);
    if (v)
        sb_json_str(&p->b, v);
    else
        sb_append(&p->b, "null", 4);
}

void app_page_bool(app_page *p, const char *k, int v)
{
    key(p, k);
    sb_puts(&p->b, v ? "true" : "false");
}

void app_page_null(app_page *p, const char *k)
{
    key(p, k);
    sb_append(&p->b, "null", 4);
}

void app_page_next(app_page *p, int64_t limit, const char *next_base)
{
    int full = p->n > 0 && p->n == limit && p->ids;
    if (!full) {
        app_page_null(p, "next_after");
        return;
    }
    int64_t last = p->ids[p->n - 1];
    app_page_int(p, "next_after", last);
    if (next_base) {
        key(p, "next");
        sb s;
        sb_init(&s);
        sb_printf(&s, "%s%lld", next_base, (long long)last);
        sb_json_str(&p->b, s.buf ? s.buf : "");
        if (s.oom) p->b.oom = 1;
        sb_free(&s);
    }
}

void app_page_next_json(json_t *page, const char *key, int64_t limit, const char *next_base)
{
    assert(page && key && limit >= 1);
    json_t *items = json_object_get(page, "items");
    size_t n = json_array_size(items);
    json_t *last =
        n && (int64_t)n == limit ? json_object_get(json_array_get(items, n - 1), key) : NULL;
    json_object_set_new(page, "next_after", last ? json_copy(last) : json_null());
    if (!last || !next_base) return;
    sb s;
    sb_init(&s);
    sb_printf(&s, "%s%lld", next_base, (long long)json_integer_value(last));
    json_object_set_new(page, "next", s.buf && !s.oom ? json_string(s.buf) : json_null());
    sb_free(&s);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

char *app_page_ids_text(const app_page *p)
{
    /* sorted, so that a page in another order (newest first, by clock
     * start) still makes long runs: 1,000 referrals in 173 characters
     * instead of 6,000 */
    int64_t *v = malloc(((size_t)p->n + 1) * sizeof *v);
    if (!v) return NULL;
    if (p->n) memcpy(v, p->ids, (size_t)p->n * sizeof *v);
    qsort(v, (size_t)p->n, sizeof *v, cmp_id);
    sb s;
    sb_init(&s);
    for (int64_t i = 0; i < p->n;) {
        int64_t j = i;
        while (j + 1 < p->n && v[j + 1] - v[j] <= 1) j++; /* a run (a repeat stays in it) */
        if (s.len) sb_append(&s, ",", 1);
        if (v[j] > v[i])
            sb_printf(&s, "%lld-%lld", (long long)v[i], (long long)v[j]);
        else
            sb_printf(&s, "%lld", (long long)v[i]);
        i = j + 1;
    }
    free(v);
    return sb_steal(&s); /* "" for an empty page; NULL when out of memory */
}

char *app_page_finish(app_page *p, size_t *len, ics_err *e)
{
    assert(!p->item_open);
    sb_append(&p->b, "}", 1);
    size_t n = p->b.len;
    char *text = sb_steal(&p->b);
    app_page_free(p);
    if (!text) {
        ics_err_set(e, ICS_ENOMEM, "out of memory writing a page");
        return NULL;
    }
    *len = n;
    return text;
}
