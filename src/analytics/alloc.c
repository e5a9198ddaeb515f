/* alloc.c - needs-based allocation (weighted capitation): weighted
 * population per place from age-sex cost weights and a deprivation need
 * index, target shares of the budget, distance from target, and the
 * pace-of-change path that moves current spend toward target over years
 * within a growth floor and cap. Plus its chart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"
#include "analytics/chart.h"

void analytics_alloc_free(analytics_alloc *a)
{
    if (!a) return;
    if (a->places)
        for (size_t i = 0; i < a->nplaces; i++) {
            free(a->places[i].alloc);
            free(a->places[i].growth);
            free(a->places[i].dist);
        }
    free(a->places);
    free(a->budget);
    free(a);
}

static int check_inputs(const analytics_alloc_place *p, size_t n, const analytics_alloc_weights *w,
                        const analytics_pace *pace, ics_err *e)
{
    if (n == 0) return ics_err_set(e, ICS_EINVAL, "no places to allocate to");
    for (int s = 0; s < ANALYTICS_NSEXES; s++)
        for (int b = 0; b < ANALYTICS_NBANDS; b++)
            if (!isfinite(w->cost[s][b]) || w->cost[s][b] < 0.0)
                return ics_err_set(e, ICS_EINVAL, "cost weight for %s %s must be a number >= 0",
                                   s ? "F" : "M", analytics_band_names[b]);
    for (int q = 0; q < 5; q++)
        if (!isfinite(w->quintile_need[q]) || w->quintile_need[q] <= 0.0)
            return ics_err_set(e, ICS_EINVAL, "need weight for IMD quintile %d must be > 0", q + 1);
    for (size_t i = 0; i < n; i++) {
        for (int s = 0; s < ANALYTICS_NSEXES; s++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++)
                if (!isfinite(p[i].pop[s][b]) || p[i].pop[s][b] < 0.0)
                    return ics_err_set(e, ICS_EINVAL, "place %s: population must be >= 0",
                                       p[i].code);
        for (int q = 0; q < 5; q++)
            if (!isfinite(p[i].lsoa_quintile[q]) || p[i].lsoa_quintile[q] < 0.0)
                return ics_err_set(e, ICS_EINVAL, "place %s: LSOA quintile counts must be >= 0",
                                   p[i].code);
        if (!isfinite(p[i].current) || p[i].current < 0.0)
            return ics_err_set(e, ICS_EINVAL, "place %s: current allocation must be >= 0",
                               p[i].code);
        if (pace && pace->years > 0 && !(p[i].current > 0.0))
            return ics_err_set(e, ICS_EINVAL,
                               "place %s: pace of change needs a current allocation > 0",
                               p[i].code);
    }
    if (pace) {
        if (pace->years < 0 || pace->years > 20)
            return ics_err_set(e, ICS_EINVAL, "years must be between 0 and 20");
        if (!(pace->pace >= 0.0 && pace->pace <= 1.0))
            return ics_err_set(e, ICS_EINVAL, "pace must be between 0 and 1");
        if (!isfinite(pace->budget_growth) || pace->budget_growth <= -1.0)
            return ics_err_set(e, ICS_EINVAL, "budget growth must be above -100%%");
        if (!isfinite(pace->floor) || !isfinite(pace->cap) || pace->floor > pace->cap)
            return ics_err_set(e, ICS_EINVAL, "growth floor must not be above the cap");
        if (pace->years > 0 &&
            (pace->floor > pace->budget_growth || pace->cap < pace->budget_growth))
            return ics_err_set(e, ICS_EINVAL,
                               "budget growth %.2f%% must lie between the floor %.2f%% and the cap "
                               "%.2f%%, or the budget cannot be shared out",
                               pace->budget_growth * 100, pace->floor * 100, pace->cap * 100);
    }
    return 0;
}

static double clamp(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/*
 * One year of pace of change. Each place's growth is
 *     g_i(s) = clamp(p (T_i - A_i) / A_i + s, floor, cap)
 * where T_i is this year's target, A_i last year's allocation, p the share
 * of the gap closed each year and s a uniform growth common to all places.
 * Without the clamps s = (1 - p) x budget growth: every place shares the
 * part of growth not used to close gaps. The total sum A_i (1 + g_i(s)) is
 * continuous and non-decreasing in s, so bisection finds the s that spends
 * exactly the budget; the floor protects places above target, the cap
 * limits how fast places below target can absorb money. This follows the
 * shape of NHS England's pace-of-change policy (minimum growth for places
 * over target, faster growth for those under, convergence over years).
 */
static void pace_year(analytics_alloc *a, int t, const analytics_pace *pc)
{
    size_t n = a->nplaces;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        analytics_alloc_result *r = &a->places[i];
        double ti = r->target_share * a->budget[t];
        double d = pc->pace * (ti - r->alloc[t - 1]) / r->alloc[t - 1];
        if (pc->floor - d < lo) lo = pc->floor - d;
        if (pc->cap - d > hi) hi = pc->cap - d;
    }
    lo -= 1.0;
    hi += 1.0;
    for (int it = 0; it < 200; it++) {
        double s = 0.5 * (lo + hi), total = 0.0;
        for (size_t i = 0; i < n; i++) {
            analytics_alloc_result *r = &a->places[i];
            double ti = r->target_share * a->budget[t];
            double g =
                clamp(pc->pace * (ti - r->alloc[t - 1]) / r->alloc[t - 1] + s, pc->floor, pc->cap);
            total += r->alloc[t - 1] * (1.0 + g);
        }
        if (total > a->budget[t])
            hi = s;
        else
            lo = s;
    }
    double s = 0.5 * (lo + hi);
    for (size_t i = 0; i < n; i++) {
        analytics_alloc_result *r = &a->places[i];
        double ti = r->target_share * a->budget[t];
        double g =
            clamp(pc->pace * (ti - r->alloc[t - 1]) / r->alloc[t - 1] + s, pc->floor, pc->cap);
        r->growth[t] = g;
        r->alloc[t] = r->alloc[t - 1] * (1.0 + g);
        r->dist[t] = (r->alloc[t] - ti) / ti;
    }
}

int analytics_alloc_new(const analytics_alloc_place *places, size_t n,
                        const analytics_alloc_weights *w, const analytics_pace *pace,
                        analytics_alloc **out, ics_err *e)
{
    *out = NULL;
    int rc = check_inputs(places, n, w, pace, e);
    if (rc) return rc;
    int years = pace ? pace->years : 0;
    analytics_alloc *a = calloc(1, sizeof *a);
    if (!a) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    a->nplaces = n;
    a->years = years;
    if (pace) a->pace = *pace;
    a->places = calloc(n, sizeof *a->places);
    a->budget = calloc((size_t)years + 1, sizeof *a->budget);
    if (!a->places || !a->budget) goto oom;
    double total_w = 0.0;
    for (size_t i = 0; i < n; i++) {
        const analytics_alloc_place *p = &places[i];
        analytics_alloc_result *r = &a->places[i];
        snprintf(r->code, sizeof r->code, "%s", p->code);
        snprintf(r->name, sizeof r->name, "%s", p->name);
        r->alloc = calloc((size_t)years + 1, sizeof *r->alloc);
        r->growth = calloc((size_t)years + 1, sizeof *r->growth);
        r->dist = calloc((size_t)years + 1, sizeof *r->dist);
        if (!r->alloc || !r->growth || !r->dist) goto oom;
        double pop = 0.0, wp = 0.0, lsoas = 0.0, need = 0.0;
        for (int s = 0; s < ANALYTICS_NSEXES; s++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++) {
                pop += p->pop[s][b];
                wp += p->pop[s][b] * w->cost[s][b];
            }
        for (int q = 0; q < 5; q++) {
            lsoas += p->lsoa_quintile[q];
            need += p->lsoa_quintile[q] * w->quintile_need[q];
        }
        /* need index: the LSOA-weighted mean of the quintile multipliers */
        r->need_index = lsoas > 0.0 ? need / lsoas : 1.0;
        r->population = pop;
        r->weighted_population = wp * r->need_index;
        r->current = p->current;
        total_w += r->weighted_population;
        a->total_current += p->current;
    }
    if (!(total_w > 0.0)) {
        analytics_alloc_free(a);
        return ics_err_set(e, ICS_EINVAL, "the weighted population is zero: nothing to share");
    }
    for (size_t i = 0; i < n; i++) {
        analytics_alloc_result *r = &a->places[i];
        r->target_share = r->weighted_population / total_w;
        r->target = r->target_share * a->total_current;
        r->distance = r->target > 0.0 ? (r->current - r->target) / r->target : NAN;
        r->alloc[0] = r->current;
        r->dist[0] = r->distance;
    }
    a->budget[0] = a->total_current;
    for (int t = 1; t <= years; t++) {
        a->budget[t] = a->budget[t - 1] * (1.0 + pace->budget_growth);
        pace_year(a, t, pace);
    }
    *out = a;
    return 0;
oom:
    analytics_alloc_free(a);
    return ics_err_set(e, ICS_ENOMEM, "out of memory");
}

/* ---- SVG ----------------------------------------------------------------- */

static const char *palette[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
                                "#66a61e", "#e6ab02", "#a6761d", "#666666"};

int analytics_alloc_svg(const analytics_alloc *a, const analytics_chart_text *t, sb *b, ics_err *e)
{
    size_t n = a->nplaces;
    const int W = 1000;
    int rowh = 34;
    double plot_h = (double)n * rowh < 260 ? 260 : (double)n * rowh;
    int H = (int)(90 + plot_h + 70 + (double)((n + 1) / 2) * 14 + 20);
    chart_begin(b, W, H, t && t->title ? t->title : "Needs-based allocation",
                t ? t->subtitle : NULL);

    /* left: current and target share per place, horizontal bars */
    double maxs = 0.0;
    for (size_t i = 0; i < n; i++) {
        double cs = a->total_current > 0 ? a->places[i].current / a->total_current : 0.0;
        if (cs > maxs) maxs = cs;
        if (a->places[i].target_share > maxs) maxs = a->places[i].target_share;
    }
    chart_frame lf = {.x0 = 190, .y0 = 90, .w = 260, .h = (double)n * rowh};
    lf.xmin = 0.0;
    lf.xmax = maxs * 100.0 * 1.15 + 1e-9;
    lf.ymin = 0.0;
    lf.ymax = 1.0;
    lf.no_yticks = 1;
    sb_puts(b, "<text x=\"20\" y=\"72\" font-size=\"13\" font-weight=\"bold\">Share of budget: "
               "current and needs-based target (%)</text>\n");
    chart_axes(b, &lf, "Share of total (%)", NULL);
    for (size_t i = 0; i < n; i++) {
        const analytics_alloc_result *r = &a->places[i];
        double cs = a->total_current > 0 ? r->current / a->total_current * 100.0 : 0.0;
        double ts = r->target_share * 100.0;
        double y = lf.y0 + (double)i * rowh + 5;
        sb_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">", lf.x0 - 8,
                  y + 16);
        sb_xml(b, r->name[0] ? r->name : r->code);
        sb_puts(b, "</text>\n");
        sb_printf(b,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"11\" fill=\"#9e9e9e\">"
                  "<title>current %.2f%%</title></rect>\n",
                  lf.x0, y, chart_px(&lf, cs) - lf.x0, cs);
        sb_printf(b,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"11\" fill=\"#1f78b4\">"
                  "<title>target %.2f%%</title></rect>\n",
                  lf.x0, y + 12, chart_px(&lf, ts) - lf.x0, ts);
        sb_printf(b,
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#333\">now %.1f%%, "
                  "target %.1f%% (%+.1f%%)</text>\n",
                  chart_px(&lf, cs > ts ? cs : ts) + 4, y + 15, cs, ts, r->distance * 100.0);
    }
    double ly = lf.y0 + lf.h + 56;
    sb_printf(b,
              "<rect x=\"190\" y=\"%.1f\" width=\"12\" height=\"10\" fill=\"#9e9e9e\"/>"
              "<text x=\"208\" y=\"%.1f\" font-size=\"11\">Current</text>"
              "<rect x=\"270\" y=\"%.1f\" width=\"12\" height=\"10\" fill=\"#1f78b4\"/>"
              "<text x=\"288\" y=\"%.1f\" font-size=\"11\">Target (weighted capitation)</text>\n",
              ly, ly + 9, ly, ly + 9);

    /* right: distance from target by year under the pace-of-change scenario */
    chart_frame rf = {.x0 = 660, .y0 = 90, .w = 300, .h = plot_h};
    double dmin = 0.0, dmax = 0.0;
    for (size_t i = 0; i < n; i++)
        for (int y = 0; y <= a->years; y++) {
            double d = a->places[i].dist[y] * 100.0;
            if (d < dmin) dmin = d;
            if (d > dmax) dmax = d;
        }
    double pad = (dmax - dmin) * 0.1 + 0.5;
    rf.xmin = 0.0;
    rf.xmax = a->years > 0 ? a->years : 1;
    rf.ymin = dmin - pad;
    rf.ymax = dmax + pad;
    char hdr[160];
    if (a->years > 0)
        snprintf(hdr, sizeof hdr,
                 "closing %.0f%% of the gap a year; growth floor %.1f%%, cap %.1f%%; budget "
                 "+%.1f%% a year",
                 a->pace.pace * 100, a->pace.floor * 100, a->pace.cap * 100,
                 a->pace.budget_growth * 100);
    else
        snprintf(hdr, sizeof hdr, "no pace-of-change scenario (years = 0)");
    sb_printf(b,
              "<text x=\"%.1f\" y=\"66\" font-size=\"13\" font-weight=\"bold\">Distance from "
              "target by year (%%)</text>\n<text x=\"%.1f\" y=\"80\" font-size=\"10\" "
              "fill=\"#555\">",
              rf.x0 - 60, rf.x0 - 60);
    sb_xml(b, hdr);
    sb_puts(b, "</text>\n");
    chart_axes(b, &rf, "Year", "Distance from target (%)");
    double zy = chart_py(&rf, 0.0);
    sb_printf(b,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" "
              "stroke-width=\"1\"/>\n",
              rf.x0, zy, rf.x0 + rf.w, zy);
    for (size_t i = 0; i < n; i++) {
        const char *col = palette[i % (sizeof palette / sizeof palette[0])];
        const analytics_alloc_result *r = &a->places[i];
        sb_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", col);
        for (int y = 0; y <= a->years; y++)
            sb_printf(b, "%.1f,%.1f ", chart_px(&rf, y), chart_py(&rf, r->dist[y] * 100.0));
        sb_puts(b, "\"><title>");
        sb_xml(b, r->name[0] ? r->name : r->code);
        sb_puts(b, "</title></polyline>\n");
        sb_printf(b,
                  "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                  "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\">",
                  rf.x0 + (double)(i % 2) * 150, rf.y0 + rf.h + 50 + (double)(i / 2) * 14, col,
                  rf.x0 + (double)(i % 2) * 150 + 14, rf.y0 + rf.h + 59 + (double)(i / 2) * 14);
        sb_xml(b, r->name[0] ? r->name : r->code);
        sb_puts(b, "</text>\n");
    }
    chart_end(b);
    if (b->oom) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    return 0;
}
