/* pdf.c - the report document on a cairo PDF surface (see report.h).
 *
 * Layout is one column on A4 (595 x 842 pt) with 48 pt margins. Every block
 * measures itself first (pango gives text extents) and starts a new page
 * when it would cross the bottom margin; each page gets the footer before
 * it is shown. The PDF is written through cairo's stream callback into a
 * growing buffer, so no file is touched. */
#include "report/report.h"

#include <assert.h>
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_W 595.0
#define PAGE_H 842.0
#define MARGIN 48.0
#define TEXT_W (PAGE_W - 2 * MARGIN)
#define BOTTOM (PAGE_H - MARGIN - 18) /* room for the footer */
#define FONT   "DejaVu Sans"

struct report_doc {
    cairo_surface_t *surface;
    cairo_t *cr;
    unsigned char *buf;
    size_t len, cap;
    int oom;
    double y;
    int page;
    char *footer;
    PangoFontMap *fonts; /* the document's own: freed with it, so no font cache outlives it */
    PangoContext *pc;
};

static cairo_status_t sink(void *closure, const unsigned char *data, unsigned int n)
{
    report_doc *d = closure;
    if (d->len + n > d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 65536;
        while (cap < d->len + n) cap *= 2;
        unsigned char *b = realloc(d->buf, cap);
        if (!b) {
            d->oom = 1;
            return CAIRO_STATUS_WRITE_ERROR;
        }
        d->buf = b, d->cap = cap;
    }
    memcpy(d->buf + d->len, data, n);
    d->len += n;
    return CAIRO_STATUS_SUCCESS;
}

/* A pango layout of text at size pt (bold when asked), wrapped to width. */
static PangoLayout *layout(report_doc *d, const char *text, double pt, int bold, double width)
{
    PangoLayout *l = pango_layout_new(d->pc);
    char font[64];
    snprintf(font, sizeof font, FONT "%s %.1f", bold ? " Bold" : "", pt);
    PangoFontDescription *f = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, f);
    pango_font_description_free(f);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text(l, text ? text : "", -1);
    return l;
}

static double height_of(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)h / PANGO_SCALE;
}

static double width_of(PangoLayout *l)
{
    int w, h;
    pango_layout_get_size(l, &w, &h);
    return (double)w / PANGO_SCALE;
}

static void draw_at(report_doc *d, PangoLayout *l, double x, double y)
{
    cairo_move_to(d->cr, x, y);
    pango_cairo_show_layout(d->cr, l);
}

static void text_at(report_doc *d, const char *s, double pt, int bold, double x, double y,
                    double width)
{
    PangoLayout *l = layout(d, s, pt, bold, width);
    draw_at(d, l, x, y);
    g_object_unref(l);
}

/* Right-aligned text ending at x. */
static void text_right(report_doc *d, const char *s, double pt, double x, double y)
{
    PangoLayout *l = layout(d, s, pt, 0, 0);
    draw_at(d, l, x - width_of(l), y);
    g_object_unref(l);
}

static void footer(report_doc *d)
{
    char s[64];
    cairo_set_source_rgb(d->cr, 0.4, 0.4, 0.4);
    text_at(d, d->footer, 7.5, 0, MARGIN, PAGE_H - MARGIN, TEXT_W - 60);
    snprintf(s, sizeof s, "page %d", d->page);
    text_right(d, s, 7.5, PAGE_W - MARGIN, PAGE_H - MARGIN);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
}

static void new_page(report_doc *d)
{
    footer(d);
    cairo_show_page(d->cr);
    d->page++;
    d->y = MARGIN;
}

/* Start a new page unless h more points fit. */
static void need(report_doc *d, double h)
{
    if (d->y + h > BOTTOM && d->y > MARGIN) new_page(d);
}

int report_doc_new(const char *title, const char *foot, report_doc **out, ics_err *e)
{
    report_doc *d = calloc(1, sizeof *d);
    if (!d) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    d->surface = cairo_pdf_surface_create_for_stream(sink, d, PAGE_W, PAGE_H);
    if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(d->surface);
        free(d);
        return ics_err_set(e, ICS_EIO, "cannot start a PDF document");
    }
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, title ? title : "");
    cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, "icsflow");
    d->cr = cairo_create(d->surface);
    d->fonts = pango_cairo_font_map_new();
    d->pc = pango_font_map_create_context(d->fonts);
    pango_cairo_update_context(d->cr, d->pc);
    d->footer = strdup(foot ? foot : "");
    d->page = 1;
    d->y = MARGIN;
    *out = d;
    return 0;
}

void report_doc_free(report_doc *d)
{
    if (!d) return;
    if (d->cr) cairo_destroy(d->cr);
    if (d->surface) cairo_surface_destroy(d->surface);
    if (d->pc) g_object_unref(d->pc);
    if (d->fonts) g_object_unref(d->fonts);
    free(d->buf);
    free(d->footer);
    free(d);
}

void report_title(report_doc *d, const char *title, const char *subtitle)
{
    PangoLayout *t = layout(d, title, 18, 1, TEXT_W), *s = layout(d, subtitle, 10, 0, TEXT_W);
    need(d, height_of(t) + height_of(s) + 12);
    draw_at(d, t, MARGIN, d->y);
    d->y += height_of(t) + 4;
    cairo_set_source_rgb(d->cr, 0.3, 0.3, 0.3);
    draw_at(d, s, MARGIN, d->y);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    d->y += height_of(s) + 10;
    g_object_unref(t), g_object_unref(s);
}

void report_heading(report_doc *d, const char *text)
{
    PangoLayout *l = layout(d, text, 13, 1, TEXT_W);
    need(d, height_of(l) + 60); /* keep a heading with what follows */
    d->y += 6;
    cairo_set_source_rgb(d->cr, 0.05, 0.25, 0.5);
    draw_at(d, l, MARGIN, d->y);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    d->y += height_of(l) + 2;
    cairo_set_line_width(d->cr, 0.6);
    cairo_move_to(d->cr, MARGIN, d->y);
    cairo_line_to(d->cr, PAGE_W - MARGIN, d->y);
    cairo_stroke(d->cr);
    d->y += 5;
    g_object_unref(l);
}

static void paragraph(report_doc *d, const char *text, double pt, double grey)
{
    PangoLayout *l = layout(d, text, pt, 0, TEXT_W);
    need(d, height_of(l));
    cairo_set_source_rgb(d->cr, grey, grey, grey);
    draw_at(d, l, MARGIN, d->y);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    d->y += height_of(l) + 4;
    g_object_unref(l);
}

void report_text(report_doc *d, const char *text)
{
    paragraph(d, text, 9.5, 0);
}

void report_note(report_doc *d, const char *text)
{
    paragraph(d, text, 7.5, 0.35);
}

void report_page_break(report_doc *d)
{
    if (d->y > MARGIN) new_page(d);
}

/* One table row; returns its height (drawn when draw is set). */
static double row(report_doc *d, int ncols, const char *const *cells, const double *x,
                  const double *w, int bold, int draw)
{
    double h = 0;
    for (int j = 0; j < ncols; j++) {
        PangoLayout *l = layout(d, cells[j], 8, bold, w[j] - 4);
        if (height_of(l) > h) h = height_of(l);
        if (draw) draw_at(d, l, x[j] + 2, d->y + 1.5);
        g_object_unref(l);
    }
    return h + 3;
}

void report_table(report_doc *d, int ncols, const char *const *head, const double *widths,
                  int nrows, const char *const *cells)
{
    assert(ncols > 0 && ncols <= 16);
    double x[16], w[16], acc = MARGIN;
    for (int j = 0; j < ncols; j++) {
        w[j] = TEXT_W * (widths ? widths[j] : 1.0 / ncols);
        x[j] = acc;
        acc += w[j];
    }
    double hh = row(d, ncols, head, x, w, 1, 0);
    need(d, hh + 14);
    for (int i = -1; i < nrows; i++) {
        const char *const *r = i < 0 ? head : cells + (size_t)i * ncols;
        double h = row(d, ncols, r, x, w, i < 0, 0);
        if (i >= 0 && d->y + h > BOTTOM) { /* continue on a new page under the heading */
            new_page(d);
            cairo_set_source_rgb(d->cr, 0.9, 0.92, 0.96);
            cairo_rectangle(d->cr, MARGIN, d->y, TEXT_W, hh);
            cairo_fill(d->cr);
            cairo_set_source_rgb(d->cr, 0, 0, 0);
            row(d, ncols, head, x, w, 1, 1);
            d->y += hh;
        }
        if (i < 0) {
            cairo_set_source_rgb(d->cr, 0.9, 0.92, 0.96);
            cairo_rectangle(d->cr, MARGIN, d->y, TEXT_W, h);
            cairo_fill(d->cr);
            cairo_set_source_rgb(d->cr, 0, 0, 0);
        }
        row(d, ncols, r, x, w, i < 0, 1);
        d->y += h;
        cairo_set_source_rgb(d->cr, 0.8, 0.8, 0.8);
        cairo_set_line_width(d->cr, 0.4);
        cairo_move_to(d->cr, MARGIN, d->y);
        cairo_line_to(d->cr, PAGE_W - MARGIN, d->y);
        cairo_stroke(d->cr);
        cairo_set_source_rgb(d->cr, 0, 0, 0);
    }
    d->y += 6;
}

static void caption(report_doc *d, const char *text)
{
    PangoLayout *l = layout(d, text, 9, 1, TEXT_W);
    draw_at(d, l, MARGIN, d->y);
    d->y += height_of(l) + 3;
    g_object_unref(l);
}

static const double palette[][3] = {{0.12, 0.40, 0.69}, {0.85, 0.37, 0.01}, {0.17, 0.63, 0.17},
                                    {0.84, 0.15, 0.16}, {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29},
                                    {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50}, {0.74, 0.74, 0.13},
                                    {0.09, 0.75, 0.81}, {0.3, 0.3, 0.6},    {0.6, 0.3, 0.3}};
#define NPAL (sizeof palette / sizeof *palette)

void report_bars(report_doc *d, const char *cap, int n, const char *const *labels,
                 const double *values, double ref, const char *ref_label, const char *unit)
{
    double bar = 13, h = 20 + n * bar + 16;
    need(d, h);
    caption(d, cap);
    double lx = MARGIN, bx = MARGIN + 150, bw = TEXT_W - 150 - 70, vmax = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(values[i]) && values[i] > vmax) vmax = values[i];
    if (isfinite(ref) && ref > vmax) vmax = ref;
    if (!(vmax > 0)) vmax = 1;
    double top = d->y;
    for (int i = 0; i < n; i++) {
        double y = top + i * bar;
        text_at(d, labels[i], 7.5, 0, lx, y + 1, 146);
        if (isfinite(values[i])) {
            const double *c = palette[0];
            cairo_set_source_rgb(d->cr, c[0], c[1], c[2]);
            cairo_rectangle(d->cr, bx, y + 2, bw * values[i] / vmax, bar - 4);
            cairo_fill(d->cr);
            cairo_set_source_rgb(d->cr, 0, 0, 0);
            char v[48];
            snprintf(v, sizeof v, "%.1f%s", values[i], unit ? unit : "");
            text_at(d, v, 7.5, 0, bx + bw * values[i] / vmax + 3, y + 1, 0);
        } else
            text_at(d, "no data", 7.5, 0, bx + 2, y + 1, 0);
    }
    if (isfinite(ref)) {
        double x = bx + bw * ref / vmax;
        static const double dash[] = {3, 2};
        cairo_set_dash(d->cr, dash, 2, 0);
        cairo_set_source_rgb(d->cr, 0.8, 0.1, 0.1);
        cairo_set_line_width(d->cr, 1);
        cairo_move_to(d->cr, x, top);
        cairo_line_to(d->cr, x, top + n * bar);
        cairo_stroke(d->cr);
        cairo_set_dash(d->cr, NULL, 0, 0);
        text_at(d, ref_label ? ref_label : "", 7, 0, x + 2, top + n * bar, 0);
        cairo_set_source_rgb(d->cr, 0, 0, 0);
    }
    d->y = top + n * bar + 16;
}

/* Axes box of a chart: x0, y0 (bottom left), width, height. */
typedef struct box {
    double x0, y0, w, h, ymin, ymax;
} box;

static double ymap(const box *b, double v)
{
    return b->y0 - (v - b->ymin) / (b->ymax - b->ymin) * b->h;
}

static void axes(report_doc *d, const box *b)
{
    cairo_set_source_rgb(d->cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(d->cr, 0.6);
    cairo_move_to(d->cr, b->x0, b->y0 - b->h);
    cairo_line_to(d->cr, b->x0, b->y0);
    cairo_line_to(d->cr, b->x0 + b->w, b->y0);
    cairo_stroke(d->cr);
    for (int t = 0; t <= 4; t++) {
        double v = b->ymin + (b->ymax - b->ymin) * t / 4;
        char s[32];
        snprintf(s, sizeof s, fabs(b->ymax) >= 1000 ? "%.0f" : "%.3g", v);
        text_right(d, s, 6.5, b->x0 - 3, ymap(b, v) - 4);
    }
    cairo_set_source_rgb(d->cr, 0, 0, 0);
}

void report_lines(report_doc *d, const char *cap, int ns, const char *const *names, int np,
                  const double *values, const char *const *xlabels, double ymin, double ymax)
{
    double legend = 12 * ((ns + 3) / 4), h = 20 + 150 + 16 + legend;
    need(d, h);
    caption(d, cap);
    box b = {MARGIN + 30, d->y + 150, TEXT_W - 40, 140, ymin, ymax > ymin ? ymax : ymin + 1};
    axes(d, &b);
    for (int s = 0; s < ns; s++) {
        const double *c = palette[s % NPAL];
        cairo_set_source_rgb(d->cr, c[0], c[1], c[2]);
        cairo_set_line_width(d->cr, 1.2);
        int pen = 0;
        for (int i = 0; i < np; i++) {
            double v = values[(size_t)s * np + i];
            double x = b.x0 + (np > 1 ? b.w * i / (np - 1) : b.w / 2);
            if (!isfinite(v)) {
                pen = 0;
                continue;
            }
            if (pen)
                cairo_line_to(d->cr, x, ymap(&b, v));
            else
                cairo_move_to(d->cr, x, ymap(&b, v));
            pen = 1;
        }
        cairo_stroke(d->cr);
    }
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    if (xlabels && np > 0) {
        text_at(d, xlabels[0], 6.5, 0, b.x0, b.y0 + 2, 0);
        text_right(d, xlabels[np - 1], 6.5, b.x0 + b.w, b.y0 + 2);
    }
    double ly = b.y0 + 14;
    for (int s = 0; s < ns; s++) {
        double lx = MARGIN + (s % 4) * (TEXT_W / 4);
        if (s && s % 4 == 0) ly += 12;
        const double *c = palette[s % NPAL];
        cairo_set_source_rgb(d->cr, c[0], c[1], c[2]);
        cairo_rectangle(d->cr, lx, ly + 3, 8, 4);
        cairo_fill(d->cr);
        cairo_set_source_rgb(d->cr, 0, 0, 0);
        text_at(d, names[s], 7, 0, lx + 11, ly, TEXT_W / 4 - 12);
    }
    d->y = ly + 16;
}

void report_funnel(report_doc *d, const char *cap, int n, const char *const *labels,
                   const double *x, const double *y, double target, const report_line lim[4])
{
    need(d, 20 + 190);
    caption(d, cap);
    double ymin = target, ymax = target, xmax = 0;
    for (int i = 0; i < n; i++) {
        if (isfinite(y[i])) ymin = fmin(ymin, y[i]), ymax = fmax(ymax, y[i]);
        xmax = fmax(xmax, x[i]);
    }
    /* the limits widen without bound near x = 0: scale to the points and
     * the limits where the points are */
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < lim[k].n; i++)
            if (isfinite(lim[k].y[i]) && lim[k].x[i] >= xmax * 0.5)
                ymin = fmin(ymin, lim[k].y[i]), ymax = fmax(ymax, lim[k].y[i]);
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < lim[k].n; i++) xmax = fmax(xmax, lim[k].x[i]);
    if (!(xmax > 0)) xmax = 1;
    double pad = (ymax - ymin) * 0.1 + 1e-9;
    box b = {MARGIN + 30, d->y + 170, TEXT_W - 40, 160, ymin - pad, ymax + pad};
    axes(d, &b);
    cairo_save(d->cr);
    cairo_rectangle(d->cr, b.x0, b.y0 - b.h, b.w, b.h);
    cairo_clip(d->cr);
    for (int k = 0; k < 4; k++) {
        cairo_set_source_rgb(d->cr, k < 2 ? 0.9 : 0.6, k < 2 ? 0.6 : 0.1, 0.1);
        cairo_set_line_width(d->cr, 0.8);
        int pen = 0;
        for (int i = 0; i < lim[k].n; i++) {
            if (!isfinite(lim[k].y[i])) continue;
            double px = b.x0 + b.w * lim[k].x[i] / xmax, py = ymap(&b, lim[k].y[i]);
            if (pen)
                cairo_line_to(d->cr, px, py);
            else
                cairo_move_to(d->cr, px, py), pen = 1;
        }
        cairo_stroke(d->cr);
    }
    cairo_set_source_rgb(d->cr, 0.2, 0.2, 0.2);
    cairo_move_to(d->cr, b.x0, ymap(&b, target));
    cairo_line_to(d->cr, b.x0 + b.w, ymap(&b, target));
    cairo_stroke(d->cr);
    cairo_restore(d->cr);
    for (int i = 0; i < n; i++) {
        if (!isfinite(y[i])) continue;
        double px = b.x0 + b.w * x[i] / xmax, py = ymap(&b, y[i]);
        cairo_set_source_rgb(d->cr, palette[0][0], palette[0][1], palette[0][2]);
        cairo_new_path(d->cr); /* no line from the last label's position */
        cairo_arc(d->cr, px, py, 2.5, 0, 2 * M_PI);
        cairo_fill(d->cr);
        cairo_set_source_rgb(d->cr, 0, 0, 0);
        text_at(d, labels[i], 6.5, 0, px + 3, py - 4, 0);
    }
    d->y = b.y0 + 8;
    report_note(d, "dark line: target; orange: 95% limits; red: 99.8% limits");
}

int report_doc_finish(report_doc *d, unsigned char **pdf, size_t *len, int *pages, ics_err *e)
{
    footer(d);
    cairo_show_page(d->cr);
    cairo_destroy(d->cr);
    d->cr = NULL;
    cairo_surface_finish(d->surface);
    cairo_status_t st = cairo_surface_status(d->surface);
    cairo_surface_destroy(d->surface);
    d->surface = NULL;
    if (d->oom || st != CAIRO_STATUS_SUCCESS)
        return ics_err_set(e, d->oom ? ICS_ENOMEM : ICS_EIO, "the PDF could not be written: %s",
                           d->oom ? "out of memory" : cairo_status_to_string(st));
    *pdf = d->buf, *len = d->len, *pages = d->page;
    d->buf = NULL;
    return 0;
}
