/* chart.c - the bed-review chart as SVG text: mean wait for a bed against
 * total beds, borough and pooled policies side by side on the same axes,
 * with the 95% interval as a band and the beds each policy needs marked.
 * Written into an sb string so the CLI can save it and the API return it. */
#include <math.h>

#include "sim/sim.h"

enum { W = 960, H = 440, PW = 380, PH = 280, TOP = 90, LEFT0 = 70, GAP = 90 };

static double nice_step(double range)
{
    double raw = range / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

static void panel(const sim_sweep *sw, int pol, double xmin, double xmax, double ymax, sb *o)
{
    static const char *name[2] = {"Borough beds only", "Pooled across the ICS"};
    static const char *colour[2] = {"#005eb8", "#007f3b"};
    int left = LEFT0 + pol * (PW + GAP);
    double xs = PW / (xmax - xmin), ys = PH / ymax;
#define X(v) (left + ((v)-xmin) * xs)
#define Y(v) (TOP + PH - (fmin((v), ymax)) * ys)
    sb_printf(o, "<g class=\"panel\" data-policy=\"%s\">\n", pol ? "pooled" : "borough");
    sb_printf(o, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">", left, TOP - 12);
    sb_xml(o, name[pol]);
    sb_puts(o, "</text>\n");
    sb_printf(
        o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>\n",
        left, TOP, PW, PH);
    double ystep = nice_step(ymax);
    for (double v = 0; v <= ymax + 1e-9; v += ystep) {
        sb_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>", left,
                  left + PW, Y(v), Y(v));
        sb_printf(o, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%g</text>\n",
                  left - 6, Y(v) + 4, v);
    }
    double xstep = nice_step(xmax - xmin);
    if (xstep < 1) xstep = 1;
    for (double v = ceil(xmin / xstep) * xstep; v <= xmax + 1e-9; v += xstep)
        sb_printf(o,
                  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%g</text>\n",
                  X(v), TOP + PH + 16, v);
    sb_printf(o,
              "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">total beds</text>\n",
              left + PW / 2, TOP + PH + 36);
    sb_printf(o,
              "<text transform=\"translate(%d,%d) rotate(-90)\" text-anchor=\"middle\" "
              "font-size=\"12\">mean wait for a bed (days)</text>\n",
              left - 44, TOP + PH / 2);
    const sim_sweep_point *p = sw->pt[pol];
    int n = sw->npoints;
    /* 95% interval band: upper edge left to right, lower edge back */
    sb_printf(o, "<polygon fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" points=\"",
              colour[pol]);
    for (int i = 0; i < n; i++)
        sb_printf(o, "%.1f,%.1f ", X(p[i].total), Y(fmax(p[i].mean_wait.hi, 0)));
    for (int i = n - 1; i >= 0; i--)
        sb_printf(o, "%.1f,%.1f ", X(p[i].total), Y(fmax(p[i].mean_wait.lo, 0)));
    sb_puts(o, "\"/>\n");
    sb_printf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", colour[pol]);
    for (int i = 0; i < n; i++) sb_printf(o, "%.1f,%.1f ", X(p[i].total), Y(p[i].mean_wait.mean));
    sb_puts(o, "\"/>\n");
    for (int i = 0; i < n; i++)
        sb_printf(o,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%d beds: mean wait "
                  "%.2f days (95%% CI %.2f-%.2f), P(wait &gt; %g d) %.3f</title></circle>\n",
                  X(p[i].total), Y(p[i].mean_wait.mean), colour[pol], p[i].total,
                  p[i].mean_wait.mean, p[i].mean_wait.lo, p[i].mean_wait.hi, sw->target_days,
                  p[i].p_over.mean);
    if (sw->today >= xmin && sw->today <= xmax) {
        sb_printf(o,
                  "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#768692\" "
                  "stroke-dasharray=\"2,3\"/>\n",
                  X(sw->today), X(sw->today), TOP, TOP + PH);
        sb_printf(o,
                  "<text x=\"%.1f\" y=\"%d\" fill=\"#768692\" font-size=\"12\" "
                  "text-anchor=\"end\">today %d</text>\n",
                  X(sw->today) - 4, TOP + PH - 8, sw->today);
    }
    int need = sw->needed[pol];
    if (need > 0 && need >= xmin && need <= xmax) {
        sb_printf(o,
                  "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#d5281b\" "
                  "stroke-dasharray=\"5,4\"/>\n",
                  X(need), X(need), TOP, TOP + PH);
        sb_printf(
            o, "<text x=\"%.1f\" y=\"%d\" fill=\"#d5281b\" font-size=\"12\">needs %d beds</text>\n",
            X(need) + 4, TOP + 16, need);
    }
    sb_puts(o, "</g>\n");
#undef X
#undef Y
}

void sim_chart_svg(const sim_sweep *sw, const char *title, sb *o)
{
    int n = sw->npoints;
    double xmin = 1e300, xmax = -1e300, ymax = 0;
    for (int pol = 0; pol < 2; pol++)
        for (int i = 0; i < n; i++) {
            const sim_sweep_point *p = &sw->pt[pol][i];
            xmin = fmin(xmin, p->total);
            xmax = fmax(xmax, p->total);
            if (isfinite(p->mean_wait.hi)) ymax = fmax(ymax, p->mean_wait.hi);
        }
    if (n < 1) xmin = 0, xmax = 1;
    if (xmax <= xmin) xmax = xmin + 1;
    /* runs with too few beds have waits that grow without bound: keep the
     * interesting range readable and let those points sit on the top edge */
    double cap = fmax(14, 4 * sw->target_days);
    ymax = ymax > cap ? cap : ymax > 0 ? ymax * 1.1 : 1;
    sb_printf(o,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
              "viewBox=\"0 0 %d %d\" font-family=\"Arial, sans-serif\">\n",
              W, H, W, H);
    sb_puts(o, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"20\" y=\"28\" "
               "font-size=\"16\" font-weight=\"bold\">");
    sb_xml(o, title ? title : "Bed review");
    sb_puts(o, "</text>\n");
    sb_printf(o,
              "<text x=\"20\" y=\"46\" font-size=\"12\" fill=\"#555\">Target: under %g%% of "
              "patients wait more than %g days. Shaded: 95%% confidence interval across "
              "replications; beds shared between units in proportion to demand.</text>\n",
              100 * sw->target_prob, sw->target_days);
    for (int pol = 0; pol < 2; pol++) panel(sw, pol, xmin, xmax, ymax, o);
    sb_puts(o, "</svg>\n");
}
