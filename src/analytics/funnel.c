/* funnel.c - funnel plots: control limits as a function of the denominator
 * for proportions, ratios (O/E) and rates, each area's significance flag,
 * and the SVG a board paper shows. Methods follow OHID Fingertips
 * (PHEindicatormethods: phe_funnels, phe_funnel_significance). */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"
#include "core/stats.h"
#include "analytics/chart.h"

const char *analytics_sig_name(analytics_sig s)
{
    switch (s) {
    case ANALYTICS_SIG_NONE:
        return "not-significant";
    case ANALYTICS_SIG_HIGH_95:
        return "high-95";
    case ANALYTICS_SIG_HIGH_998:
        return "high-99.8";
    case ANALYTICS_SIG_LOW_95:
        return "low-95";
    case ANALYTICS_SIG_LOW_998:
        return "low-99.8";
    case ANALYTICS_SIG_NA:
        return "not-applicable";
    }
    return "?";
}

/*
 * Proportion funnel limits. Fingertips does not put a normal band around
 * the average p0; it asks, for a sample of size n, which observed proportion
 * p has a Wilson interval whose edge just touches p0. Squaring the Wilson
 * edge equation gives a quadratic in p, whose two roots are the lower and
 * upper control limits:
 *   first = p0 (n/z^2 + 1),  last = 1/z^2 + 1/n,
 *   disc  = (8 p0 (n/z^2 + 1))^2 - 64 last p0 (n (p0 (n/z^2 + 2) - 1) + z^2 (p0 - 1)),
 *   limit = (first -/+ sqrt(disc) / 8) / last / n.
 * (Fingertips technical guidance; sigma_adjustment in PHEindicatormethods.)
 */
double analytics_funnel_prop_limit(double level, double n, double p0, int upper)
{
    double z = stats_z(level), z2 = z * z;
    double first = p0 * (n / z2 + 1.0);
    double a = -8.0 * p0 * (n / z2 + 1.0);
    double last = 1.0 / z2 + 1.0 / n;
    double disc = a * a - 64.0 * last * p0 * (n * (p0 * (n / z2 + 2.0) - 1.0) + z2 * (p0 - 1.0));
    double adj = sqrt(disc);
    double v = upper ? (first + adj / 8.0) / last : (first - adj / 8.0) / last;
    return v / n;
}

/*
 * The count limits Fingertips tests funnel points with (funnel_ratio_
 * significance): exact Poisson below 10 events, Byar's from 10, divided by
 * the denominator; 0 for the lower limit of a zero count.
 */
static double sig_limit(double o, double denom, double level, int upper)
{
    double v;
    if (!upper && o == 0.0)
        v = 0.0;
    else if (o < 10.0)
        v = upper ? analytics_exact_upper(o, level) : analytics_exact_lower(o, level);
    else
        v = upper ? analytics_byar_upper(o, level) : analytics_byar_lower(o, level);
    return v / denom;
}

static analytics_sig classify_count(double o, double denom, double target)
{
    if (target < sig_limit(o, denom, 0.998, 0)) return ANALYTICS_SIG_HIGH_998;
    if (target < sig_limit(o, denom, 0.95, 0)) return ANALYTICS_SIG_HIGH_95;
    if (target > sig_limit(o, denom, 0.998, 1)) return ANALYTICS_SIG_LOW_998;
    if (target > sig_limit(o, denom, 0.95, 1)) return ANALYTICS_SIG_LOW_95;
    return ANALYTICS_SIG_NONE;
}

analytics_sig analytics_funnel_sig_ratio(double observed, double expected)
{
    return classify_count(observed, expected, 1.0);
}

analytics_sig analytics_funnel_sig_rate(double events, double denominator, double average)
{
    return classify_count(events, denominator, average);
}

analytics_sig analytics_funnel_sig_prop(double x, double n, double p0)
{
    double p = x / n;
    if (p < analytics_funnel_prop_limit(0.998, n, p0, 0)) return ANALYTICS_SIG_LOW_998;
    if (p < analytics_funnel_prop_limit(0.95, n, p0, 0)) return ANALYTICS_SIG_LOW_95;
    if (p > analytics_funnel_prop_limit(0.998, n, p0, 1)) return ANALYTICS_SIG_HIGH_998;
    if (p > analytics_funnel_prop_limit(0.95, n, p0, 1)) return ANALYTICS_SIG_HIGH_95;
    return ANALYTICS_SIG_NONE;
}

void analytics_funnel_free(analytics_funnel *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->npoints; i++) free(f->points[i].name);
    free(f->points);
    for (int i = 0; i < 4; i++) {
        free(f->lines[i].x);
        free(f->lines[i].y);
    }
    free(f);
}

/* Axis ends rounded as Fingertips rounds them: down to one significant
 * figure after 5% off, up to two significant figures after 5% on. */
static double signif_floor(double x)
{
    if (x <= 0.0) return 0.0;
    double v = floor(x * 0.95);
    if (v < 1.0) return 0.0;
    double p = pow(10.0, floor(log10(v)));
    return floor(x * 0.95 / p) * p;
}

static double signif_ceiling(double x)
{
    if (x <= 0.0) return 0.0;
    double v = ceil(x * 1.05);
    int digits = (int)floor(log10(v)) + 1;
    double p = pow(10.0, digits - 2);
    return ceil(x * 1.05 / p) * p;
}

static int line_alloc(analytics_funnel_line *l, double level, int upper, size_t n)
{
    l->level = level;
    l->upper = upper;
    l->n = n;
    l->x = calloc(n, sizeof *l->x);
    l->y = calloc(n, sizeof *l->y);
    return l->x && l->y ? 0 : -1;
}

/* The grid Fingertips draws limits on: from max(1, lo), each step the
 * geometric move toward hi rounded, and at least +1. */
static void grid(double lo, double hi, size_t steps, int offset, double *g)
{
    g[0] = lo > 1.0 ? lo : 1.0;
    for (size_t j = 1; j < steps; j++) {
        double k = (double)(steps + 1) - (double)(j + 1 - (size_t)offset);
        double next = nearbyint(pow(hi / g[j - 1], 1.0 / k) * g[j - 1]);
        g[j] = next > g[j - 1] + 1.0 ? next : g[j - 1] + 1.0;
    }
}

/*
 * Control-limit curves as phe_funnels draws them. The axis runs from 0 (or,
 * when the denominators are within a factor of two, the rounded-down
 * smallest) to the rounded-up largest, per year for rates. Proportion limits
 * are evaluated on a grid of denominators; ratio and rate limits on a grid
 * of event counts v, each mapped to the denominator at which v sits exactly
 * on the limit, so the curves are exact Poisson limits drawn parametrically.
 */
static int build_lines(analytics_funnel *f, double dmin, double dmax, size_t steps)
{
    const double levels[2] = {0.95, 0.998};
    double scale = f->kind == ANALYTICS_FUNNEL_RATE ? f->years : 1.0;
    double axmin = dmax > 2.0 * dmin ? 0.0 : signif_floor(dmin / scale) * scale;
    double axmax = signif_ceiling(dmax / scale) * scale;
    f->xmin = axmin / scale;
    f->xmax = axmax / scale;
    double *g = calloc(steps, sizeof *g);
    if (!g) return -1;
    double av = f->baseline / f->multiplier;
    if (f->kind == ANALYTICS_FUNNEL_PROPORTION)
        grid(axmin, axmax, steps, 0, g);
    else if (f->kind == ANALYTICS_FUNNEL_RATIO)
        grid(axmin, axmax, steps, 1, g);
    else
        grid(floor(axmin * av), ceil(axmax * av), steps, 0, g);
    for (int li = 0; li < 4; li++) {
        double level = levels[li / 2];
        int upper = li % 2;
        analytics_funnel_line *l = &f->lines[li];
        if (line_alloc(l, level, upper, steps)) {
            free(g);
            return -1;
        }
        for (size_t j = 0; j < steps; j++) {
            double v = g[j];
            if (f->kind == ANALYTICS_FUNNEL_PROPORTION) {
                double y = analytics_funnel_prop_limit(level, v, av, upper) * f->multiplier;
                if (y < 0.0) y = 0.0;
                if (f->multiplier == 100.0 && y > 100.0) y = 100.0;
                l->x[j] = v;
                l->y[j] = y;
            } else {
                /* v events: the denominator at which v sits on the limit.
                 * Lower limit: the exact upper limit for v equals the
                 * expectation; upper limit: the exact lower limit does. */
                double e =
                    upper ? analytics_exact_lower(v, level) : analytics_exact_upper(v, level);
                if (f->kind == ANALYTICS_FUNNEL_RATIO) {
                    l->x[j] = e;
                    l->y[j] = v / e * f->multiplier;
                } else {
                    double pop = e / av;
                    l->x[j] = pop / f->years;
                    l->y[j] = v / pop * f->multiplier;
                }
            }
        }
    }
    free(g);
    return 0;
}

int analytics_funnel_new(const analytics_funnel_opts *opts, const analytics_funnel_input *in,
                         size_t n, analytics_funnel **out, ics_err *e)
{
    *out = NULL;
    if (n == 0) return ics_err_set(e, ICS_EINVAL, "a funnel plot needs at least one area");
    analytics_funnel_kind kind = opts->kind;
    if (kind != ANALYTICS_FUNNEL_PROPORTION && kind != ANALYTICS_FUNNEL_RATIO &&
        kind != ANALYTICS_FUNNEL_RATE)
        return ics_err_set(e, ICS_EINVAL, "unknown funnel kind %d", (int)kind);
    double mult = opts->multiplier > 0.0          ? opts->multiplier
                  : kind == ANALYTICS_FUNNEL_RATE ? 100000.0
                                                  : 100.0;
    double years = opts->years > 0.0 ? opts->years : 1.0;
    size_t steps = opts->steps >= 2 ? opts->steps : 100;
    /* validate every input, naming the area */
    for (size_t i = 0; i < n; i++) {
        const analytics_funnel_input *p = &in[i];
        const char *nm = p->name ? p->name : "?";
        if (!isfinite(p->numerator) || p->numerator < 0.0)
            return ics_err_set(e, ICS_EINVAL, "area '%s': numerator must be a number >= 0", nm);
        if (kind == ANALYTICS_FUNNEL_RATE && opts->dsr) {
            if (p->numerator > 0.0 && !(p->rate > 0.0))
                return ics_err_set(e, ICS_EINVAL, "area '%s': rate must be > 0 when events > 0",
                                   nm);
        } else if (!(p->denominator > 0.0) || !isfinite(p->denominator)) {
            return ics_err_set(e, ICS_EINVAL, "area '%s': denominator must be > 0", nm);
        }
        if (kind == ANALYTICS_FUNNEL_PROPORTION && p->numerator > p->denominator)
            return ics_err_set(e, ICS_EINVAL, "area '%s': numerator is larger than denominator",
                               nm);
    }
    analytics_funnel *f = calloc(1, sizeof *f);
    if (!f) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    f->kind = kind;
    f->dsr = kind == ANALYTICS_FUNNEL_RATE && opts->dsr;
    f->multiplier = mult;
    f->years = years;
    f->points = calloc(n, sizeof *f->points);
    if (!f->points) goto oom;
    f->npoints = n;
    double sum_num = 0.0, sum_den = 0.0, dmin = INFINITY, dmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        analytics_funnel_point *pt = &f->points[i];
        pt->name = strdup(in[i].name ? in[i].name : "");
        if (!pt->name) goto oom;
        pt->numerator = in[i].numerator;
        /* DSRs: Fingertips derives an "equivalent population" from events
         * and rate; there is none when there are no events */
        double d = in[i].denominator;
        if (f->dsr) d = in[i].numerator > 0.0 ? in[i].numerator / in[i].rate * mult : NAN;
        pt->denominator = d;
        sum_num += in[i].numerator;
        if (!isnan(d)) {
            sum_den += d;
            if (d < dmin) dmin = d;
            if (d > dmax) dmax = d;
        }
    }
    if (!(sum_den > 0.0) || !isfinite(dmin)) {
        analytics_funnel_free(f);
        return ics_err_set(e, ICS_EINVAL, "no area has a usable denominator");
    }
    double av = kind == ANALYTICS_FUNNEL_RATIO ? 1.0 : sum_num / sum_den;
    f->baseline = av * mult;
    for (size_t i = 0; i < n; i++) {
        analytics_funnel_point *pt = &f->points[i];
        double o = pt->numerator, d = pt->denominator;
        switch (kind) {
        case ANALYTICS_FUNNEL_PROPORTION:
            pt->x = d;
            pt->value = o / d * mult;
            pt->sig = analytics_funnel_sig_prop(o, d, av);
            break;
        case ANALYTICS_FUNNEL_RATIO:
            pt->x = d;
            pt->value = o / d * mult;
            pt->sig = analytics_funnel_sig_ratio(o, d);
            break;
        case ANALYTICS_FUNNEL_RATE:
            pt->x = d / years;
            pt->value = f->dsr ? (o > 0.0 ? in[i].rate : NAN) : o / d * mult;
            if (f->dsr && o < 10.0)
                pt->sig = ANALYTICS_SIG_NA;
            else
                pt->sig = analytics_funnel_sig_rate(o, d, av);
            break;
        }
    }
    if (build_lines(f, dmin, dmax, steps)) goto oom;
    *out = f;
    return 0;
oom:
    analytics_funnel_free(f);
    return ics_err_set(e, ICS_ENOMEM, "out of memory");
}

/* ---- SVG ----------------------------------------------------------------- */

static const char *sig_colour(analytics_sig s)
{
    switch (s) {
    case ANALYTICS_SIG_HIGH_998:
        return "#b2182b";
    case ANALYTICS_SIG_HIGH_95:
        return "#ef8a62";
    case ANALYTICS_SIG_LOW_998:
        return "#2166ac";
    case ANALYTICS_SIG_LOW_95:
        return "#67a9cf";
    default:
        return "#7f7f7f";
    }
}

#define MAX_LABELS 40 /* more areas than this: name only special-cause ones */

/* A label's box on the chart, for the greedy placement below. */
typedef struct box {
    double x0, y0, x1, y1;
} box;

static int overlaps(box a, box b)
{
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static void polyline(sb *b, const chart_frame *fr, const analytics_funnel_line *l, const char *dash)
{
    sb_puts(b, "<polyline fill=\"none\" stroke=\"#444\" stroke-width=\"1.4\"");
    if (dash) sb_printf(b, " stroke-dasharray=\"%s\"", dash);
    sb_puts(b, " points=\"");
    for (size_t j = 0; j < l->n; j++) {
        if (!isfinite(l->x[j]) || !isfinite(l->y[j])) continue;
        double py = chart_py(fr, l->y[j]);
        if (py < fr->y0 - 2000) py = fr->y0 - 2000; /* keep far-off points finite */
        if (py > fr->y0 + fr->h + 2000) py = fr->y0 + fr->h + 2000;
        sb_printf(b, "%.1f,%.1f ", chart_px(fr, l->x[j]), py);
    }
    sb_puts(b, "\"/>\n");
}

const char *analytics_funnel_xlabel(const analytics_funnel *f)
{
    assert(f);
    switch (f->kind) {
    case ANALYTICS_FUNNEL_PROPORTION:
        return "Cases (the proportion's denominator)";
    case ANALYTICS_FUNNEL_RATIO:
        return "Expected events (ICS rates applied to the area's population)";
    default:
        return "Population at risk (person-years)";
    }
}

int analytics_funnel_svg(const analytics_funnel *f, const analytics_chart_text *t, sb *b,
                         ics_err *e)
{
    const int W = 860, H = 540;
    chart_frame fr = {.x0 = 90, .y0 = 70, .w = 560, .h = 400};
    /* x: the axis Fingertips chose, widened to the points */
    fr.xmin = f->xmin;
    fr.xmax = f->xmax;
    double ymin = f->baseline, ymax = f->baseline, pxmin = INFINITY;
    for (size_t i = 0; i < f->npoints; i++) {
        const analytics_funnel_point *p = &f->points[i];
        if (!isfinite(p->value) || !isfinite(p->x)) continue;
        if (p->value < ymin) ymin = p->value;
        if (p->value > ymax) ymax = p->value;
        if (p->x < pxmin) pxmin = p->x;
        if (p->x > fr.xmax) fr.xmax = p->x;
    }
    /* y: the points and the 99.8% limits wherever points are plotted */
    for (int li = 2; li < 4; li++) {
        const analytics_funnel_line *l = &f->lines[li];
        for (size_t j = 0; j < l->n; j++) {
            if (!(l->x[j] >= 0.8 * pxmin) || !(l->x[j] <= fr.xmax) || !isfinite(l->y[j])) continue;
            if (l->y[j] < ymin) ymin = l->y[j];
            if (l->y[j] > ymax) ymax = l->y[j];
        }
    }
    double pad = (ymax - ymin) * 0.08;
    if (!(pad > 0.0)) pad = fabs(ymax) * 0.1 + 1.0;
    fr.ymin = ymin - pad;
    fr.ymax = ymax + pad;
    if (fr.ymin < 0.0 && ymin >= 0.0) fr.ymin = 0.0;
    if (!(fr.xmax > fr.xmin)) fr.xmax = fr.xmin + 1.0;

    chart_begin(b, W, H, t && t->title ? t->title : "Funnel plot", t ? t->subtitle : NULL);
    chart_axes(b, &fr, t ? t->xlabel : NULL, t ? t->ylabel : NULL);
    sb_printf(b,
              "<clipPath id=\"plot\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
              "height=\"%.1f\"/></clipPath>\n<g clip-path=\"url(#plot)\">\n",
              fr.x0, fr.y0, fr.w, fr.h);
    double by = chart_py(&fr, f->baseline);
    sb_printf(b,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1a9641\" "
              "stroke-width=\"1.6\"/>\n",
              fr.x0, by, fr.x0 + fr.w, by);
    polyline(b, &fr, &f->lines[0], "5,4");
    polyline(b, &fr, &f->lines[1], "5,4");
    polyline(b, &fr, &f->lines[2], NULL);
    polyline(b, &fr, &f->lines[3], NULL);
    sb_puts(b, "</g>\n");

    /* points, then labels: for each name try right, left, above, below,
     * then further off with a leader line, keeping the first position that
     * covers no point, no earlier label and stays inside the plot */
    size_t np = f->npoints;
    box *taken = calloc(2 * np + 1, sizeof *taken);
    if (!taken) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    size_t nt = 0;
    for (size_t i = 0; i < np; i++) {
        const analytics_funnel_point *p = &f->points[i];
        if (!isfinite(p->value) || !isfinite(p->x)) continue;
        double px = chart_px(&fr, p->x), py = chart_py(&fr, p->value);
        sb_printf(b,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"#222\" "
                  "stroke-width=\"0.8\"><title>",
                  px, py, sig_colour(p->sig));
        sb_xml(b, p->name);
        sb_printf(b, ": %.4g (%s)</title></circle>\n", p->value, analytics_sig_name(p->sig));
        taken[nt++] = (box){px - 6, py - 6, px + 6, py + 6};
    }
    sb_puts(b, "<g font-size=\"11\" fill=\"#222\">\n");
    const box plot = {fr.x0, fr.y0, fr.x0 + fr.w, fr.y0 + fr.h};
    /* with many areas only the special-cause ones are named (names for
     * hundreds of points would be unreadable, and the search quadratic) */
    size_t nspecial = 0;
    for (size_t i = 0; i < np; i++)
        nspecial +=
            f->points[i].sig == ANALYTICS_SIG_HIGH_998 || f->points[i].sig == ANALYTICS_SIG_LOW_998;
    int only_special = np > MAX_LABELS;
    for (size_t i = 0; i < np; i++) {
        const analytics_funnel_point *p = &f->points[i];
        if (!isfinite(p->value) || !isfinite(p->x)) continue;
        if (only_special && (nspecial > MAX_LABELS ||
                             (p->sig != ANALYTICS_SIG_HIGH_998 && p->sig != ANALYTICS_SIG_LOW_998)))
            continue;
        double px = chart_px(&fr, p->x), py = chart_py(&fr, p->value);
        double w = 6.2 * (double)strlen(p->name) + 2;
        static const struct {
            double dx, dy;
            int anchor; /* 0 start, 1 end, 2 middle */
        } cand[] = {{8, 4, 0},     {-8, 4, 1},    {0, -9, 2},   {0, 17, 2},   {10, -14, 0},
                    {10, 22, 0},   {-10, -14, 1}, {-10, 22, 1}, {12, -28, 0}, {12, 36, 0},
                    {-12, -28, 1}, {-12, 36, 1},  {14, -42, 0}, {14, 50, 0}};
        size_t nc = sizeof cand / sizeof cand[0], k;
        box lb = {0, 0, 0, 0};
        for (k = 0; k < nc; k++) {
            double tx = px + cand[k].dx, ty = py + cand[k].dy;
            double x0 = cand[k].anchor == 0 ? tx : cand[k].anchor == 1 ? tx - w : tx - w / 2;
            lb = (box){x0, ty - 10, x0 + w, ty + 2};
            if (lb.x0 < plot.x0 || lb.x1 > plot.x1 || lb.y0 < plot.y0 || lb.y1 > plot.y1) continue;
            size_t j = 0;
            while (j < nt && !overlaps(lb, taken[j])) j++;
            if (j == nt) break;
        }
        if (k == nc) k = 0; /* nowhere free: accept the first place */
        double tx = px + cand[k].dx, ty = py + cand[k].dy;
        if (k == 0 || k == nc) lb = (box){tx, ty - 10, tx + w, ty + 2};
        taken[nt++] = lb;
        if (fabs(cand[k].dy) > 20)
            sb_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
                      "stroke-width=\"0.7\"/>\n",
                      px, py, tx, ty - 4);
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", tx, ty,
                  cand[k].anchor == 0   ? "start"
                  : cand[k].anchor == 1 ? "end"
                                        : "middle");
        sb_xml(b, p->name);
        sb_puts(b, "</text>\n");
    }
    sb_puts(b, "</g>\n");
    free(taken);

    /* legend */
    char overall[64];
    chart_num(overall, sizeof overall, f->baseline, f->baseline >= 1000 ? 1 : 0.01);
    double lx = fr.x0 + fr.w + 24, ly = fr.y0 + 10;
    sb_printf(b, "<g font-size=\"11\" fill=\"#222\">\n");
    sb_printf(b,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1a9641\" "
              "stroke-width=\"1.6\"/><text x=\"%.1f\" y=\"%.1f\">Overall (%s)</text>\n",
              lx, ly, lx + 24, ly, lx + 30, ly + 4, overall);
    ly += 20;
    sb_printf(b,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\" "
              "stroke-dasharray=\"5,4\"/><text x=\"%.1f\" y=\"%.1f\">95%% limits</text>\n",
              lx, ly, lx + 24, ly, lx + 30, ly + 4);
    ly += 20;
    sb_printf(b,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
              "<text x=\"%.1f\" y=\"%.1f\">99.8%% limits</text>\n",
              lx, ly, lx + 24, ly, lx + 30, ly + 4);
    static const struct {
        analytics_sig s;
        const char *txt;
    } keys[] = {
        {ANALYTICS_SIG_HIGH_998, "Above 99.8% (special cause)"},
        {ANALYTICS_SIG_HIGH_95, "Above 95%"},
        {ANALYTICS_SIG_NONE, "Within 95%"},
        {ANALYTICS_SIG_LOW_95, "Below 95%"},
        {ANALYTICS_SIG_LOW_998, "Below 99.8% (special cause)"},
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        ly += 20;
        sb_printf(b,
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" stroke=\"#222\" "
                  "stroke-width=\"0.8\"/><text x=\"%.1f\" y=\"%.1f\">",
                  lx + 12, ly, sig_colour(keys[k].s), lx + 30, ly + 4);
        sb_xml(b, keys[k].txt);
        sb_puts(b, "</text>\n");
    }
    sb_puts(b, "</g>\n");
    sb_printf(b,
              "<text x=\"20\" y=\"%d\" font-size=\"10\" fill=\"#666\">Control limits: %s; "
              "method of OHID Fingertips funnel plots.</text>\n",
              H - 12,
              f->kind == ANALYTICS_FUNNEL_PROPORTION ? "Wilson score"
                                                     : "exact Poisson (Byar's from 10 events)");
    chart_end(b);
    if (b->oom) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    return 0;
}
