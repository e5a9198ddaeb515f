/* chart.h - internal to the analytics module: the few SVG helpers the
 * funnel plot and the allocation chart share (axes, ticks, number labels).
 * Not part of the module's public contract (that is analytics.h). */
#ifndef ICS_ANALYTICS_CHART_H
#define ICS_ANALYTICS_CHART_H

#include "core/sb.h"

/* "Nice" tick positions (1, 2, 5 x 10^k) covering [lo, hi]; returns the
 * count (<= max) and the step in *step. */
int chart_ticks(double lo, double hi, int target, double *ticks, int max, double *step);

/* A number for an axis label: thousands separators, decimals as the step needs. */
void chart_num(char *buf, size_t n, double v, double step);

/* Header: <svg> with a white background, title and subtitle. */
void chart_begin(sb *b, int w, int h, const char *title, const char *subtitle);
void chart_end(sb *b);

/* A plotting frame: axes, grid lines, tick labels and axis titles. */
typedef struct chart_frame {
    double x0, y0, w, h; /* pixel box of the plotting area */
    double xmin, xmax, ymin, ymax;
    int no_yticks; /* category axis: the caller writes its own labels */
} chart_frame;

double chart_px(const chart_frame *f, double x);
double chart_py(const chart_frame *f, double y);
void chart_axes(sb *b, const chart_frame *f, const char *xlabel, const char *ylabel);

#endif
