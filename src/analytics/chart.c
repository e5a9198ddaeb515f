/* chart.c - SVG building blocks for the analytics charts: nice ticks,
 * formatted numbers, the document frame and labelled axes. Text is always
 * XML-escaped through sb_xml because area names come from data. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analytics/chart.h"

int chart_ticks(double lo, double hi, int target, double *ticks, int max, double *step)
{
    if (!(hi > lo)) hi = lo + 1.0;
    double raw = (hi - lo) / (target > 1 ? target : 1);
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    double s = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
    s *= mag;
    *step = s;
    int n = 0;
    for (double t = ceil(lo / s - 1e-9) * s; t <= hi + s * 1e-9 && n < max; t += s)
        ticks[n++] = fabs(t) < s * 1e-9 ? 0.0 : t;
    return n;
}

void chart_num(char *buf, size_t n, double v, double step)
{
    int dec = 0;
    if (step > 0.0 && step < 1.0) dec = (int)ceil(-log10(step) - 1e-9);
    if (dec > 6) dec = 6;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", dec, fabs(v));
    /* thousands separators in the integer part */
    char *dot = strchr(tmp, '.');
    size_t ilen = dot ? (size_t)(dot - tmp) : strlen(tmp);
    char out[96];
    size_t o = 0;
    if (v < 0.0 && fabs(v) >= 0.5 * pow(10.0, -dec)) out[o++] = '-';
    for (size_t i = 0; i < ilen; i++) {
        if (i > 0 && (ilen - i) % 3 == 0) out[o++] = ',';
        out[o++] = tmp[i];
    }
    if (dot) {
        size_t rest = strlen(dot);
        memcpy(out + o, dot, rest);
        o += rest;
    }
    out[o] = '\0';
    snprintf(buf, n, "%s", out);
}

void chart_begin(sb *b, int w, int h, const char *title, const char *subtitle)
{
    sb_printf(b,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
              "viewBox=\"0 0 %d %d\" font-family=\"Arial, Helvetica, sans-serif\">\n",
              w, h, w, h);
    sb_printf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", w, h);
    if (title) {
        sb_puts(b, "<text x=\"20\" y=\"28\" font-size=\"18\" font-weight=\"bold\" fill=\"#222\">");
        sb_xml(b, title);
        sb_puts(b, "</text>\n");
    }
    if (subtitle) {
        sb_puts(b, "<text x=\"20\" y=\"48\" font-size=\"12\" fill=\"#555\">");
        sb_xml(b, subtitle);
        sb_puts(b, "</text>\n");
    }
}

void chart_end(sb *b)
{
    sb_puts(b, "</svg>\n");
}

double chart_px(const chart_frame *f, double x)
{
    return f->x0 + (x - f->xmin) / (f->xmax - f->xmin) * f->w;
}

double chart_py(const chart_frame *f, double y)
{
    return f->y0 + f->h - (y - f->ymin) / (f->ymax - f->ymin) * f->h;
}

void chart_axes(sb *b, const chart_frame *f, const char *xlabel, const char *ylabel)
{
    double t[32], step;
    char num[64];
    int n = chart_ticks(f->xmin, f->xmax, 6, t, 32, &step);
    sb_puts(b, "<g font-size=\"11\" fill=\"#333\">\n");
    for (int i = 0; i < n; i++) {
        double x = chart_px(f, t[i]);
        chart_num(num, sizeof num, t[i], step);
        sb_printf(b,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
                  x, f->y0, x, f->y0 + f->h, x, f->y0 + f->h + 16, num);
    }
    n = f->no_yticks ? 0 : chart_ticks(f->ymin, f->ymax, 6, t, 32, &step);
    for (int i = 0; i < n; i++) {
        double y = chart_py(f, t[i]);
        chart_num(num, sizeof num, t[i], step);
        sb_printf(b,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                  f->x0, y, f->x0 + f->w, y, f->x0 - 6, y + 4, num);
    }
    sb_printf(b,
              "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
              "stroke=\"#888\"/>\n",
              f->x0, f->y0, f->w, f->h);
    sb_puts(b, "</g>\n");
    if (xlabel) {
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\">",
                  f->x0 + f->w / 2, f->y0 + f->h + 40);
        sb_xml(b, xlabel);
        sb_puts(b, "</text>\n");
    }
    if (ylabel) {
        double cx = f->x0 - 58, cy = f->y0 + f->h / 2;
        sb_printf(b,
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\" "
                  "transform=\"rotate(-90 %.1f %.1f)\">",
                  cx, cy, cx, cy);
        sb_xml(b, ylabel);
        sb_puts(b, "</text>\n");
    }
}
