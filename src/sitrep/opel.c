/* opel.c - OPEL scoring: thresholds held as data, each parameter scored by
 * the band its value falls in, weighted, summed, and the total mapped to a
 * level 1-4; then the ICS roll-up weighted by provider size.
 *
 * The method follows the integrated OPEL framework 2024-26 (NHS England):
 * each parameter scores points by threshold bands, points are weighted and
 * added, and the total maps to a level (one published ICS implementation:
 * 0-44 with <= 11 -> 1, <= 22 -> 2, <= 33 -> 3, else 4), with the system
 * level weighting trusts by size. The numbers themselves are data
 * (data/opel_thresholds.csv, data/opel_levels.csv) so an ICS loads its own. */
#include "sitrep/sitrep.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct sitrep_thresholds {
    sitrep_rule rules[SITREP_NKINDS * SITREP_NPARAMS];
    size_t n;
    double levels[SITREP_NKINDS][3];
    int has_levels[SITREP_NKINDS];
};

sitrep_thresholds *sitrep_thresholds_new(void)
{
    return calloc(1, sizeof(sitrep_thresholds));
}

void sitrep_thresholds_free(sitrep_thresholds *t)
{
    free(t);
}

int sitrep_thresholds_add(sitrep_thresholds *t, const sitrep_rule *r, ics_err *e)
{
    if (r->kind < 0 || r->kind >= SITREP_NKINDS)
        return ics_err_set(e, ICS_EINVAL, "unknown provider kind");
    if (r->param < 0 || r->param >= SITREP_NPARAMS)
        return ics_err_set(e, ICS_EINVAL, "unknown parameter");
    const char *pn = sitrep_param_name(r->param);
    for (int i = 0; i < 2; i++) {
        int ok = r->lower_worse ? r->from[i + 1] < r->from[i] : r->from[i + 1] > r->from[i];
        if (!ok)
            return ics_err_set(e, ICS_EINVAL,
                               "%s: thresholds must be strictly %s (band %d starts at %g, band %d "
                               "at %g)",
                               pn, r->lower_worse ? "decreasing" : "increasing", i + 2, r->from[i],
                               i + 3, r->from[i + 1]);
    }
    for (int i = 0; i < 4; i++) {
        if (!isfinite(r->points[i]) || r->points[i] < 0)
            return ics_err_set(e, ICS_EINVAL, "%s: points must be 0 or more", pn);
        if (i && r->points[i] < r->points[i - 1])
            return ics_err_set(e, ICS_EINVAL, "%s: points must not fall in a worse band", pn);
    }
    if (!(r->weight > 0) || !isfinite(r->weight))
        return ics_err_set(e, ICS_EINVAL, "%s: weight must be above 0", pn);
    for (size_t i = 0; i < t->n; i++)
        if (t->rules[i].kind == r->kind && t->rules[i].param == r->param) {
            t->rules[i] = *r;
            return 0;
        }
    t->rules[t->n++] = *r;
    return 0;
}

int sitrep_thresholds_levels(sitrep_thresholds *t, int kind, const double max[3], ics_err *e)
{
    if (kind < 0 || kind >= SITREP_NKINDS)
        return ics_err_set(e, ICS_EINVAL, "unknown provider kind");
    if (!(max[0] < max[1] && max[1] < max[2]))
        return ics_err_set(e, ICS_EINVAL,
                           "%s: level cut-offs must be strictly increasing (%g, %g, %g)",
                           sitrep_kind_name(kind), max[0], max[1], max[2]);
    memcpy(t->levels[kind], max, sizeof t->levels[kind]);
    t->has_levels[kind] = 1;
    return 0;
}

size_t sitrep_thresholds_count(const sitrep_thresholds *t)
{
    return t->n;
}

const sitrep_rule *sitrep_thresholds_rule(const sitrep_thresholds *t, size_t i)
{
    return i < t->n ? &t->rules[i] : NULL;
}

static int kind_has_rules(const sitrep_thresholds *t, int kind)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->rules[i].kind == kind) return 1;
    return 0;
}

int sitrep_thresholds_kind(const sitrep_thresholds *t, int kind, double max[3])
{
    if (!t || kind < 0 || kind >= SITREP_NKINDS || !t->has_levels[kind] || !kind_has_rules(t, kind))
        return 0;
    if (max) memcpy(max, t->levels[kind], sizeof t->levels[kind]);
    return 1;
}

static int num(const csv_doc *d, size_t row, int col, double *out, ics_err *e)
{
    const char *s = d->rows[row][col];
    char *end;
    *out = strtod(s, &end);
    if (!*s || *end || !isfinite(*out))
        return ics_err_set(e, ICS_EINVAL, "%s: line %zu, column '%s': '%s' is not a number",
                           d->name, d->line[row], d->header[col], s);
    return 0;
}

static int kind_cell(const csv_doc *d, size_t row, int col, int *kind, ics_err *e)
{
    *kind = sitrep_kind_find(d->rows[row][col]);
    if (*kind < 0)
        return ics_err_set(e, ICS_EINVAL,
                           "%s: line %zu: unknown provider kind '%s' (acute, specialist, "
                           "community, mental_health, ambulance or nhs111)",
                           d->name, d->line[row], d->rows[row][col]);
    return 0;
}

int sitrep_thresholds_check(const sitrep_thresholds *t, ics_err *e)
{
    for (int k = 0; k < SITREP_NKINDS; k++)
        if (kind_has_rules(t, k) != t->has_levels[k])
            return ics_err_set(e, ICS_EINVAL, "%s providers have %s but no %s", sitrep_kind_name(k),
                               t->has_levels[k] ? "level cut-offs" : "parameter thresholds",
                               t->has_levels[k] ? "parameter thresholds" : "level cut-offs");
    return 0;
}

int sitrep_thresholds_from_csv(const csv_doc *rules, const csv_doc *levels, sitrep_thresholds **out,
                               ics_err *e)
{
    static const char *const rcols[] = {"kind",       "parameter",  "direction", "band2_from",
                                        "band3_from", "band4_from", "points1",   "points2",
                                        "points3",    "points4",    "weight",    NULL};
    static const char *const lcols[] = {"kind", "opel1_max", "opel2_max", "opel3_max", NULL};
    int ri[11], li[4];
    *out = NULL;
    if (csv_columns(rules, rcols, ri, 0, e) || csv_columns(levels, lcols, li, 0, e))
        return ICS_EINVAL;
    sitrep_thresholds *t = sitrep_thresholds_new();
    if (!t) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t r = 0; r < rules->nrows; r++) {
        sitrep_rule x = {0};
        const char *dir = rules->rows[r][ri[2]];
        if (kind_cell(rules, r, ri[0], &x.kind, e)) goto fail;
        x.param = sitrep_param_find(rules->rows[r][ri[1]]);
        if (x.param < 0) {
            ics_err_set(e, ICS_EINVAL, "%s: line %zu: unknown parameter '%s'", rules->name,
                        rules->line[r], rules->rows[r][ri[1]]);
            goto fail;
        }
        if (strcmp(dir, "higher_worse") == 0)
            x.lower_worse = 0;
        else if (strcmp(dir, "lower_worse") == 0)
            x.lower_worse = 1;
        else {
            ics_err_set(e, ICS_EINVAL,
                        "%s: line %zu: direction must be higher_worse or lower_worse, not '%s'",
                        rules->name, rules->line[r], dir);
            goto fail;
        }
        for (int i = 0; i < 3; i++)
            if (num(rules, r, ri[3 + i], &x.from[i], e)) goto fail;
        for (int i = 0; i < 4; i++)
            if (num(rules, r, ri[6 + i], &x.points[i], e)) goto fail;
        if (num(rules, r, ri[10], &x.weight, e)) goto fail;
        if (sitrep_thresholds_add(t, &x, e)) {
            ics_err_prefix(e, "%s: line %zu: ", rules->name, rules->line[r]);
            goto fail;
        }
    }
    for (size_t r = 0; r < levels->nrows; r++) {
        int kind;
        double max[3];
        if (kind_cell(levels, r, li[0], &kind, e)) goto fail;
        for (int i = 0; i < 3; i++)
            if (num(levels, r, li[1 + i], &max[i], e)) goto fail;
        if (sitrep_thresholds_levels(t, kind, max, e)) {
            ics_err_prefix(e, "%s: line %zu: ", levels->name, levels->line[r]);
            goto fail;
        }
    }
    if (sitrep_thresholds_check(t, e)) goto fail;
    *out = t;
    return 0;
fail:
    sitrep_thresholds_free(t);
    return e ? e->code : ICS_EINVAL;
}

int sitrep_rule_band(const sitrep_rule *r, double v)
{
    int band = 1;
    for (int i = 0; i < 3; i++)
        if (r->lower_worse ? v <= r->from[i] : v >= r->from[i]) band = i + 2;
    return band;
}

int sitrep_level_of(const double max[3], double total)
{
    /* a tolerance so 11.000000001 from summing weighted points stays level 1 */
    const double eps = 1e-9;
    for (int i = 0; i < 3; i++)
        if (total <= max[i] + eps) return i + 1;
    return 4;
}

static int driver_before(const sitrep_driver *a, const sitrep_driver *b)
{
    if (a->excess != b->excess) return a->excess > b->excess;
    if (a->contribution != b->contribution) return a->contribution > b->contribution;
    return a->param < b->param;
}

int sitrep_score_compute(const sitrep_thresholds *t, const sitrep_submission *s, sitrep_score *out,
                         ics_err *e)
{
    memset(out, 0, sizeof *out);
    double max[3];
    if (!sitrep_thresholds_kind(t, s->kind, max)) {
        if (s->declared_level < 1 || s->declared_level > 4)
            return ics_err_set(e, ICS_EINVAL,
                               "no OPEL thresholds are loaded for %s providers: declare a level "
                               "(declared_level 1-4 with a reason)",
                               sitrep_kind_name(s->kind));
        out->level = s->declared_level;
        out->source = SITREP_LEVEL_DECLARED;
        return 0;
    }
    out->computed = 1;
    for (size_t i = 0; i < t->n; i++) {
        const sitrep_rule *r = &t->rules[i];
        if (r->kind != s->kind) continue;
        double v;
        if (!sitrep_param_value(s, r->param, &v)) {
            out->missing[out->nmissing++] = r->param;
            continue;
        }
        sitrep_driver d = {.param = r->param, .value = v, .weight = r->weight};
        d.band = sitrep_rule_band(r, v);
        d.points = r->points[d.band - 1];
        d.contribution = d.points * r->weight;
        d.excess = (d.points - r->points[0]) * r->weight;
        out->total += d.contribution;
        out->min_total += r->points[0] * r->weight;
        out->max_total += r->points[3] * r->weight;
        /* insertion keeps drivers sorted: biggest push above the floor first */
        size_t j = out->ndrivers++;
        while (j > 0 && driver_before(&d, &out->drivers[j - 1])) {
            out->drivers[j] = out->drivers[j - 1];
            j--;
        }
        out->drivers[j] = d;
    }
    out->level_computed = sitrep_level_of(max, out->total);
    if (s->kind != SITREP_ACUTE && s->declared_level >= 1 && s->declared_level <= 4) {
        out->level = s->declared_level;
        out->source = SITREP_LEVEL_DECLARED;
    } else {
        out->level = out->level_computed;
        out->source = SITREP_LEVEL_COMPUTED;
    }
    return 0;
}

/* ---- roll-up ------------------------------------------------------------ */

static int round_half_up(double x)
{
    return (int)floor(x + 0.5 + 1e-9);
}

int sitrep_pillar_of(int kind)
{
    switch (kind) {
    case SITREP_ACUTE:
    case SITREP_SPECIALIST:
        return SITREP_PILLAR_ACUTE;
    case SITREP_COMMUNITY:
        return SITREP_PILLAR_COMMUNITY;
    case SITREP_MENTAL_HEALTH:
        return SITREP_PILLAR_MENTAL_HEALTH;
    case SITREP_NHS111:
        return SITREP_PILLAR_NHS111;
    default:
        return -1;
    }
}

static const char *const pillar_names[SITREP_NPILLARS] = {"acute", "community", "mental_health",
                                                          "nhs111"};

const char *sitrep_pillar_name(int pillar)
{
    return pillar >= 0 && pillar < SITREP_NPILLARS ? pillar_names[pillar] : "unknown";
}

int sitrep_pillar_find(const char *name)
{
    for (int p = 0; name && p < SITREP_NPILLARS; p++)
        if (strcmp(name, pillar_names[p]) == 0) return p;
    return -1;
}

/* Running sums of one group (a kind or a pillar). */
typedef struct group {
    double wsum, wl, lsum;
    int n, max;
} group;

static void group_add(group *g, int level, double w)
{
    g->wsum += w;
    g->wl += w * level;
    g->lsum += level;
    g->n++;
    if (level > g->max) g->max = level;
}

static double group_mean(const group *g)
{
    assert(g->n > 0);
    return g->wsum > 0 ? g->wl / g->wsum : g->lsum / g->n;
}

void sitrep_rollup_compute(const sitrep_rollup_item *items, size_t n, sitrep_rollup *out)
{
    memset(out, 0, sizeof *out);
    group kinds[SITREP_NKINDS] = {0}, pillars[SITREP_NPILLARS] = {0};
    for (size_t i = 0; i < n; i++) {
        const sitrep_rollup_item *it = &items[i];
        if (it->level < 1 || it->level > 4 || it->kind < 0 || it->kind >= SITREP_NKINDS) continue;
        double w = it->beds > 0 ? it->beds : 0;
        group_add(&kinds[it->kind], it->level, w);
        int p = sitrep_pillar_of(it->kind);
        if (p >= 0) group_add(&pillars[p], it->level, w);
        out->n++;
    }
    for (int k = 0; k < SITREP_NKINDS; k++) {
        out->pillar_n[k] = kinds[k].n;
        if (!kinds[k].n) continue;
        out->pillar_mean[k] = group_mean(&kinds[k]);
        out->pillar_level[k] = round_half_up(out->pillar_mean[k]);
        out->pillar_max[k] = kinds[k].max;
    }
    double sum = 0;
    int np = 0;
    for (int p = 0; p < SITREP_NPILLARS; p++) {
        if (!pillars[p].n) continue;
        out->framework_mean[p] = group_mean(&pillars[p]);
        out->framework_level[p] = round_half_up(out->framework_mean[p]);
        out->framework_max[p] = pillars[p].max;
        sum += out->framework_mean[p];
        np++;
    }
    if (np) {
        out->ics_mean = sum / np;
        out->ics_level = round_half_up(out->ics_mean);
    }
}
