/* app/analytics_report.c - the non-SQL half of the analytics module: body
 * and CSV checks that turn requests into engine tables, the reports (rates,
 * funnels, variation, allocation) built as JSON from the engines' results,
 * and the checks of allocation weights and current spend before the store
 * writes them. The store (store/analytics.c) only reads and writes rows. */
#include "app/analytics_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"
#include "core/jget.h"
#include "core/sb.h"
#include "core/tz.h"

/* A number, or null for NAN/infinity (JSON has no NaN). */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int idx(int s, int b)
{
    return s * ANALYTICS_NBANDS + b;
}

static const store_an_place *place_find(const store_an_place *p, size_t n, const char *code)
{
    for (size_t i = 0; p && i < n; i++)
        if (strcmp(p[i].code, code) == 0) return &p[i];
    return NULL;
}

/* The place codes as a list for analytics_table_add's known areas. */
static const char **place_codes(const store_an_place *p, size_t n)
{
    const char **k = calloc(n + 1, sizeof *k);
    if (!k) return NULL;
    for (size_t i = 0; i < n; i++) k[i] = p[i].code;
    return k;
}

/* ---- JSON body checks ------------------------------------------------------------ */

/* The store cannot use the HTTP layer's body checker, so this is the small
 * one the analytics bodies need: every field known, present, of its type
 * ('s' string, 'i' integer, 'n' number, 'a'
 * array). All problems in one message. */
typedef struct fspec {
    const char *name;
    char kind;
} fspec;

static int check_fields(const json_t *o, const fspec *f, ics_err *e)
{
    if (!json_is_object(o)) return ics_err_set(e, ICS_EINVAL, "must be an object");
    sb m;
    sb_init(&m);
    int n = 0;
    for (const fspec *x = f; x->name; x++) {
        const json_t *v = json_object_get(o, x->name);
        const char *want = NULL;
        if (!v)
            want = "";
        else if (x->kind == 's' && !json_is_string(v))
            want = "a string";
        else if (x->kind == 'i' && !json_is_integer(v))
            want = "an integer";
        else if (x->kind == 'n' && !json_is_number(v))
            want = "a number";
        else if (x->kind == 'a' && !json_is_array(v))
            want = "an array";
        if (!want) continue;
        if (*want)
            sb_printf(&m, "%sfield '%s' must be %s", n++ ? "; " : "", x->name, want);
        else
            sb_printf(&m, "%smissing field '%s'", n++ ? "; " : "", x->name);
    }
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        const fspec *x = f;
        while (x->name && strcmp(x->name, k) != 0) x++;
        if (!x->name) sb_printf(&m, "%sunknown field '%s'", n++ ? "; " : "", k);
    }
    int rc = n ? ics_err_set(e, ICS_EINVAL, "%s", m.buf) : 0;
    sb_free(&m);
    return rc;
}

/* ---- datasets ----------------------------------------------------------------- */

int app_an_table_from_json(store *s, const json_t *rows, const char *value_col,
                           analytics_table **out, ics_err *e)
{
    *out = NULL;
    if (!json_is_array(rows) || json_array_size(rows) == 0)
        return ics_err_set(e, ICS_EINVAL, "field 'rows' must be a non-empty array");
    store_an_place *pl;
    size_t np;
    int rc = store_analytics_places(s, NULL, &pl, &np, e);
    if (rc) return rc;
    const char **known = place_codes(pl, np);
    analytics_table *t = analytics_table_new();
    if (!known || !t) {
        free(pl);
        free(known);
        analytics_table_free(t);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    const fspec f[] = {{"area_code", 's'},
                       {"sex", 's'},
                       {"age_band", 's'},
                       {value_col, strcmp(value_col, "count") == 0 ? 'i' : 'n'},
                       {NULL, 0}};
    sb msg;
    sb_init(&msg);
    int problems = 0;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char where[32];
        snprintf(where, sizeof where, "rows[%zu]", i);
        ics_err re = {0};
        int bad = 0;
        if (!json_is_object(r)) {
            ics_err_set(&re, ICS_EINVAL, "%s: must be an object", where);
            bad = 1;
        } else if (check_fields(r, f, &re)) {
            ics_err_prefix(&re, "%s: ", where);
            bad = 1;
        } else if (analytics_table_add(t, where, i,
                                       json_string_value(json_object_get(r, f[0].name)),
                                       json_string_value(json_object_get(r, "sex")),
                                       json_string_value(json_object_get(r, "age_band")),
                                       json_number_value(json_object_get(r, value_col)),
                                       strcmp(value_col, "count") == 0, known, np, &re)) {
            bad = 1;
        }
        if (bad && problems++ < 20) sb_printf(&msg, "%s%s", problems > 1 ? "; " : "", re.msg);
    }
    if (!problems) {
        ics_err ce = {0};
        if (analytics_table_check_complete(t, "row index", &ce)) {
            sb_puts(&msg, ce.msg);
            problems = 1;
        }
    }
    free(known);
    free(pl);
    if (problems) {
        if (problems > 20) sb_printf(&msg, "; and %d more", problems - 20);
        rc = ics_err_set(e, ICS_EINVAL, "%s", msg.buf ? msg.buf : "invalid rows");
        sb_free(&msg);
        analytics_table_free(t);
        return rc;
    }
    sb_free(&msg);
    *out = t;
    return 0;
}

int app_an_table_from_csv(store *s, const char *name, const char *text, size_t len,
                          const char *value_col, analytics_table **out, ics_err *e)
{
    *out = NULL;
    csv_doc *d;
    int rc = csv_parse(text, len, name, &d, e);
    if (rc) return rc;
    store_an_place *pl;
    size_t np;
    rc = store_analytics_places(s, NULL, &pl, &np, e);
    if (!rc) {
        const char **known = place_codes(pl, np);
        rc = known ? analytics_table_from_csv(d, value_col, known, np, out, e)
                   : ics_err_set(e, ICS_ENOMEM, "out of memory");
        free(known);
        free(pl);
    }
    csv_free(d);
    return rc;
}

/* ---- rates and funnels ------------------------------------------------------ */

int app_an_statistic_parse(const char *s, store_an_statistic *out, ics_err *e)
{
    if (!s || strcmp(s, "dsr") == 0)
        *out = STORE_AN_DSR;
    else if (strcmp(s, "crude") == 0)
        *out = STORE_AN_CRUDE;
    else if (strcmp(s, "isr") == 0)
        *out = STORE_AN_ISR;
    else
        return ics_err_set(e, ICS_EINVAL, "statistic '%s' must be dsr, crude or isr", s);
    return 0;
}

static const char *stat_label(store_an_statistic st)
{
    return st == STORE_AN_DSR     ? "Directly standardised rate per 100,000 (ESP2013)"
           : st == STORE_AN_CRUDE ? "Crude rate per 100,000"
                                  : "Indirectly standardised ratio (ICS = 100)";
}

static json_t *estimate_json(const char *code, const char *name, const analytics_estimate *r)
{
    json_t *o = json_object();
    if (code) json_object_set_new(o, "area_code", json_string(code));
    if (name) json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "observed", jnum(r->observed));
    json_object_set_new(o, "denominator", jnum(r->denominator));
    json_object_set_new(o, "value", jnum(r->value));
    json_object_set_new(o, "lower95", jnum(r->lo95));
    json_object_set_new(o, "upper95", jnum(r->hi95));
    json_object_set_new(o, "lower998", jnum(r->lo998));
    json_object_set_new(o, "upper998", jnum(r->hi998));
    json_object_set_new(o, "status", json_string(analytics_status_name(r->status)));
    json_object_set_new(o, "method", json_string(analytics_method_name(r->method)));
    json_object_set_new(o, "small_count", json_boolean(r->small_count));
    json_object_set_new(o, "zero_pop_bands", json_integer(r->zero_pop_bands));
    return o;
}

static json_t *line_json(const analytics_funnel_line *l)
{
    json_t *a = json_array();
    for (size_t j = 0; j < l->n; j++)
        if (isfinite(l->x[j]) && isfinite(l->y[j]))
            json_array_append_new(a, json_pack("[ff]", l->x[j], l->y[j]));
    return a;
}

json_t *app_an_funnel_json(const analytics_funnel *f)
{
    json_t *pts = json_array();
    for (size_t i = 0; i < f->npoints; i++) {
        const analytics_funnel_point *p = &f->points[i];
        json_array_append_new(pts, json_pack("{sssosososo}", "name", p->name, "numerator",
                                             jnum(p->numerator), "x", jnum(p->x), "value",
                                             jnum(p->value), "flag",
                                             json_string(analytics_sig_name(p->sig))));
    }
    const char *kind = f->kind == ANALYTICS_FUNNEL_PROPORTION ? "proportion"
                       : f->kind == ANALYTICS_FUNNEL_RATIO    ? "ratio"
                       : f->dsr                               ? "dsr"
                                                              : "crude rate";
    return json_pack("{sssfsfsfsfsfsos{sosososo}}", "kind", kind, "multiplier", f->multiplier,
                     "years", f->years, "baseline", f->baseline, "xmin", f->xmin, "xmax", f->xmax,
                     "points", pts, "limits", "lower95", line_json(&f->lines[0]), "upper95",
                     line_json(&f->lines[1]), "lower998", line_json(&f->lines[2]), "upper998",
                     line_json(&f->lines[3]));
}

/* One area's estimate over the 38 age-sex strata. */
static int estimate(store_an_statistic stat, const double *o, const double *n, const double *ref_o,
                    const double *ref_n, const double *w, analytics_estimate *out, ics_err *e)
{
    enum { K = ANALYTICS_NSEXES * ANALYTICS_NBANDS };
    if (analytics_strata_check(o, n, K, e)) return ICS_EINVAL;
    if (stat == STORE_AN_DSR) return analytics_dsr(o, n, w, K, 100000.0, out, e);
    if (stat == STORE_AN_ISR) return analytics_isr(o, 0, n, ref_o, ref_n, K, 100.0, out, e);
    double so = 0, sn = 0;
    for (int i = 0; i < K; i++) {
        so += o[i];
        sn += n[i];
    }
    return analytics_rate_crude(so, sn, 100000.0, out, e);
}

/*
 * Rates for each area of the counts table. The ISR's reference is every
 * area in the table together (so 100 is the ICS average). Funnel flags use
 * Fingertips' tests for the statistic: rate funnels for DSRs and crude
 * rates, a ratio funnel for ISRs; areas with a suppressed DSR stay out of
 * the funnel and are flagged not-applicable.
 */
int app_an_rates_compute(const analytics_table *counts, const analytics_table *pops,
                         const store_an_place *places, size_t nplaces, store_an_statistic stat,
                         json_t **out, analytics_funnel **fout, ics_err *e)
{
    enum { K = ANALYTICS_NSEXES * ANALYTICS_NBANDS };
    *out = NULL;
    if (fout) *fout = NULL;
    size_t n = counts->nareas;
    double w[K], ref_o[K] = {0}, ref_n[K] = {0};
    for (int i = 0; i < K; i++) w[i] = analytics_esp2013[i % ANALYTICS_NBANDS];
    double(*o)[K] = calloc(n, sizeof *o), (*pn)[K] = calloc(n, sizeof *pn);
    analytics_estimate *est = calloc(n, sizeof *est);
    analytics_funnel_input *fin = calloc(n, sizeof *fin);
    size_t *fmap = calloc(n, sizeof *fmap);
    int rc = 0;
    if (!o || !pn || !est || !fin || !fmap) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t a = 0; a < n; a++) {
        long pi = analytics_table_find(pops, counts->areas[a]);
        if (pi < 0) {
            rc = ics_err_set(e, ICS_EINVAL, "area '%s' has counts but no population",
                             counts->areas[a]);
            goto done;
        }
        for (int sx = 0; sx < ANALYTICS_NSEXES; sx++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++) {
                o[a][idx(sx, b)] = counts->v[a][sx][b];
                pn[a][idx(sx, b)] = pops->v[pi][sx][b];
                ref_o[idx(sx, b)] += counts->v[a][sx][b];
                ref_n[idx(sx, b)] += pops->v[pi][sx][b];
            }
    }
    analytics_estimate total;
    for (size_t a = 0; a < n && !rc; a++)
        if ((rc = estimate(stat, o[a], pn[a], ref_o, ref_n, w, &est[a], e)))
            ics_err_prefix(e, "area '%s': ", counts->areas[a]);
    if (!rc) rc = estimate(stat, ref_o, ref_n, ref_o, ref_n, w, &total, e);
    if (rc) goto done;
    /* the funnel over the areas that have a value */
    size_t nf = 0;
    for (size_t a = 0; a < n; a++) {
        if (!isfinite(est[a].value) || est[a].denominator <= 0.0) continue;
        const store_an_place *pl = place_find(places, nplaces, counts->areas[a]);
        fin[nf].name = pl ? pl->name : counts->areas[a];
        fin[nf].numerator = est[a].observed;
        fin[nf].denominator = est[a].denominator;
        fin[nf].rate = est[a].value;
        fmap[nf++] = a;
    }
    analytics_funnel *f = NULL;
    if (nf > 0) {
        analytics_funnel_opts fo = {.kind = stat == STORE_AN_ISR ? ANALYTICS_FUNNEL_RATIO
                                                                 : ANALYTICS_FUNNEL_RATE,
                                    .dsr = stat == STORE_AN_DSR,
                                    .multiplier = stat == STORE_AN_ISR ? 100.0 : 100000.0};
        rc = analytics_funnel_new(&fo, fin, nf, &f, e);
        if (rc) goto done;
    }
    /* area -> funnel point, so each area finds its flag at once */
    long *fpos = calloc(n ? n : 1, sizeof *fpos);
    if (!fpos) {
        analytics_funnel_free(f);
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t a = 0; a < n; a++) fpos[a] = -1;
    for (size_t k = 0; k < nf; k++) fpos[fmap[k]] = (long)k;
    json_t *items = json_array();
    for (size_t a = 0; a < n; a++) {
        const store_an_place *pl = place_find(places, nplaces, counts->areas[a]);
        json_t *it = estimate_json(counts->areas[a], pl ? pl->name : counts->areas[a], &est[a]);
        analytics_sig sg = fpos[a] >= 0 ? f->points[fpos[a]].sig : ANALYTICS_SIG_NA;
        json_object_set_new(it, "flag", json_string(analytics_sig_name(sg)));
        json_array_append_new(items, it);
    }
    free(fpos);
    *out = json_pack("{sssssoso}", "statistic",
                     stat == STORE_AN_DSR     ? "dsr"
                     : stat == STORE_AN_CRUDE ? "crude"
                                              : "isr",
                     "label", stat_label(stat), "total", estimate_json(NULL, "ICS total", &total),
                     "items", items);
    if (f) json_object_set_new(*out, "funnel", app_an_funnel_json(f));
    if (fout)
        *fout = f;
    else
        analytics_funnel_free(f);
done:
    free(o);
    free(pn);
    free(est);
    free(fin);
    free(fmap);
    return rc;
}

/* The stored populations as a table. */
static int pops_table(const store_an_place *pl, size_t np, analytics_table **out, ics_err *e)
{
    analytics_table *t = analytics_table_new();
    if (!t) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    for (size_t i = 0; i < np; i++)
        for (int sx = 0; sx < ANALYTICS_NSEXES; sx++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++) {
                int rc =
                    analytics_table_add(t, "population", i, pl[i].code, sx ? "F" : "M",
                                        analytics_band_names[b], pl[i].pop[sx][b], 0, NULL, 0, e);
                if (rc) {
                    analytics_table_free(t);
                    return rc;
                }
            }
    *out = t;
    return 0;
}

int app_an_rates_json(store *s, const char *ics, const char *dataset, store_an_statistic stat,
                      json_t **out, analytics_funnel **f, ics_err *e)
{
    *out = NULL;
    json_t *meta;
    int rc = store_analytics_dataset_json(s, dataset, &meta, e);
    if (rc) return rc;
    analytics_table *counts = NULL, *pops = NULL;
    store_an_place *pl = NULL;
    size_t np = 0;
    rc = store_analytics_counts(s, dataset, &counts, e);
    if (!rc) rc = store_analytics_places(s, ics, &pl, &np, e);
    /* datasets are not per ICS yet: one about another ICS's areas says so */
    for (size_t a = 0; !rc && ics && a < counts->nareas; a++) {
        size_t k = 0;
        while (k < np && strcmp(pl[k].code, counts->areas[a]) != 0) k++;
        if (k == np)
            rc = ics_err_set(e, ICS_EINVAL,
                             "dataset '%s' holds areas outside ICS %s (%s): analyse it in its own "
                             "ICS, or load a dataset of this ICS's places",
                             dataset, ics, counts->areas[a]);
    }
    if (!rc) rc = pops_table(pl, np, &pops, e);
    if (!rc) rc = app_an_rates_compute(counts, pops, pl, np, stat, out, f, e);
    if (!rc) json_object_set(*out, "dataset", meta);
    json_decref(meta);
    analytics_table_free(counts);
    analytics_table_free(pops);
    free(pl);
    return rc;
}

/* ---- variation ---------------------------------------------------------------- */

/*
 * Length of stay by community bed unit from the bed bureau's stays (table
 * bed_stays: admitted_at and discharged_at are UTC epoch seconds; LOS is
 * counted in London calendar days, discharge day - admission day, as the bed
 * bureau counts it). The bed bureau owns that table; when it is not in this
 * database the report says so instead of failing.
 */
typedef struct los_unit {
    char code[32], name[128], type[32];
    double n, sum, sumsq;
} los_unit;

/* Mean and sd of LOS over all units of one bed type (like is compared with
 * like: a palliative unit is not held to a stroke unit's stays). */
static void type_stats(const los_unit *u, size_t nu, const char *type, double *mean, double *sd)
{
    double n = 0, sum = 0, ss = 0;
    for (size_t i = 0; i < nu; i++)
        if (strcmp(u[i].type, type) == 0) {
            n += u[i].n;
            sum += u[i].sum;
            ss += u[i].sumsq;
        }
    *mean = n > 0 ? sum / n : NAN;
    *sd = n > 1 ? sqrt(fmax(0.0, (ss - n * *mean * *mean) / (n - 1))) : NAN;
}

static json_t *los_json(store *s)
{
    ics_err e = {0};
    json_t *rows = NULL;
    if (store_analytics_stays(s, &rows, &e))
        return json_pack("{sbss}", "available", 0, "reason",
                         "the bed bureau's stays (table bed_stays) are not in this database");
    los_unit *u = NULL;
    size_t nu = 0, cap = 0, k;
    double N = 0, S = 0, SS = 0;
    json_t *r;
    json_array_foreach(rows, k, r)
    {
        const char *code = jget_str(r, "unit_code", "");
        if (nu == 0 || strcmp(u[nu - 1].code, code) != 0) {
            if (nu == cap) {
                cap = cap ? 2 * cap : 16;
                los_unit *q = realloc(u, cap * sizeof *u);
                if (!q) break;
                u = q;
            }
            memset(&u[nu], 0, sizeof u[nu]);
            snprintf(u[nu].code, sizeof u[nu].code, "%s", code);
            snprintf(u[nu].name, sizeof u[nu].name, "%s", jget_str(r, "name", ""));
            snprintf(u[nu].type, sizeof u[nu].type, "%s", jget_str(r, "bed_type", ""));
            nu++;
        }
        double los = (double)(tz_local_date(jget_int(r, "discharged_at", 0)) -
                              tz_local_date(jget_int(r, "admitted_at", 0)));
        u[nu - 1].n += 1;
        u[nu - 1].sum += los;
        u[nu - 1].sumsq += los * los;
        N += 1;
        S += los;
        SS += los * los;
    }
    json_decref(rows);
    double mean = N > 0 ? S / N : NAN;
    double sd = N > 1 ? sqrt(fmax(0.0, (SS - N * mean * mean) / (N - 1))) : NAN;
    json_t *items = json_array();
    for (size_t i = 0; i < nu; i++) {
        analytics_mean m;
        double tm, tsd;
        type_stats(u, nu, u[i].type, &tm, &tsd);
        if (analytics_mean_compute(u[i].n, u[i].sum, u[i].sumsq, tm, tsd, &m, &e)) continue;
        json_t *it = json_pack("{sssssssf}", "unit_code", u[i].code, "name", u[i].name, "bed_type",
                               u[i].type, "stays", m.n);
        json_object_set_new(it, "mean_los", jnum(m.mean));
        json_object_set_new(it, "sd", jnum(m.sd));
        json_object_set_new(it, "lower95", jnum(m.lo95));
        json_object_set_new(it, "upper95", jnum(m.hi95));
        json_object_set_new(it, "lower998", jnum(m.lo998));
        json_object_set_new(it, "upper998", jnum(m.hi998));
        json_object_set_new(it, "type_mean_los", jnum(tm));
        json_object_set_new(it, "flag", json_string(analytics_sig_name(m.sig)));
        json_array_append_new(items, it);
    }
    free(u);
    return json_pack("{sbsfsosososo}", "available", 1, "stays", N, "mean_los", jnum(mean), "sd",
                     jnum(sd), "method",
                     json_string("unit mean LOS (London calendar days, discharge day - admission "
                                 "day) with Student t limits; flagged against the mean of units "
                                 "of the same bed type +/- z sd/sqrt(n) (normal funnel)"),
                     "items", items);
}

int app_an_variation_json(store *s, const char *ics, const char *dataset, json_t **out, ics_err *e)
{
    *out = NULL;
    if (!dataset) dataset = STORE_ANALYTICS_NEL;
    json_t *dsr, *isr;
    int rc = app_an_rates_json(s, ics, dataset, STORE_AN_DSR, &dsr, NULL, e);
    if (rc) return rc;
    rc = app_an_rates_json(s, ics, dataset, STORE_AN_ISR, &isr, NULL, e);
    if (rc) {
        json_decref(dsr);
        return rc;
    }
    json_t *meta = json_incref(json_object_get(dsr, "dataset"));
    json_object_del(dsr, "dataset");
    json_object_del(isr, "dataset");
    *out = json_pack("{sososososo}", "dataset", meta, "synthetic",
                     json_incref(json_object_get(meta, "synthetic")), "dsr", dsr, "isr", isr, "los",
                     los_json(s));
    return 0;
}

int app_an_alloc(store *s, const char *ics, const analytics_pace *pace, analytics_alloc **out,
                 ics_err *e)
{
    *out = NULL;
    analytics_alloc_weights w;
    int rc = store_analytics_weights_load(s, &w, e);
    if (rc) return rc;
    store_an_place *pl;
    size_t np;
    rc = store_analytics_places(s, ics, &pl, &np, e);
    if (rc) return rc;
    json_t *cur = NULL;
    ics_err qe = {0};
    store_analytics_current(s, &cur, &qe); /* none stored: current spend 0 */
    analytics_alloc_place *ap = calloc(np ? np : 1, sizeof *ap);
    if (!ap) {
        free(pl);
        json_decref(cur);
        return ics_err_set(e, ICS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < np; i++) {
        snprintf(ap[i].code, sizeof ap[i].code, "%s", pl[i].code);
        snprintf(ap[i].name, sizeof ap[i].name, "%s", pl[i].name);
        memcpy(ap[i].pop, pl[i].pop, sizeof ap[i].pop);
        memcpy(ap[i].lsoa_quintile, pl[i].lsoa_q, sizeof ap[i].lsoa_quintile);
        size_t k;
        json_t *row;
        json_array_foreach(cur, k,
                           row) if (strcmp(jget_str(row, "place_code", ""), pl[i].code) == 0) ap[i]
            .current = jget_num(row, "amount", 0);
    }
    json_decref(cur);
    rc = analytics_alloc_new(ap, np, &w, pace, out, e);
    free(ap);
    free(pl);
    return rc;
}

json_t *app_an_alloc_json(const analytics_alloc *a)
{
    json_t *places = json_array();
    for (size_t i = 0; i < a->nplaces; i++) {
        const analytics_alloc_result *r = &a->places[i];
        json_t *path = json_array();
        for (int y = 0; y <= a->years; y++)
            json_array_append_new(path,
                                  json_pack("{sisfsfsf}", "year", y, "allocation", r->alloc[y],
                                            "growth", r->growth[y], "distance", r->dist[y]));
        json_array_append_new(
            places, json_pack("{sssssfsfsfsfsfsfsosO}", "place_code", r->code, "name", r->name,
                              "population", r->population, "weighted_population",
                              r->weighted_population, "need_index", r->need_index, "target_share",
                              r->target_share, "current", r->current, "target", r->target,
                              "distance", jnum(r->distance), "path", path));
        json_decref(path);
    }
    json_t *budget = json_array();
    for (int y = 0; y <= a->years; y++) json_array_append_new(budget, json_real(a->budget[y]));
    return json_pack("{sfsis{sfsfsfsf}sososs}", "total_current", a->total_current, "years",
                     a->years, "scenario", "budget_growth", a->pace.budget_growth, "pace",
                     a->pace.pace, "floor", a->pace.floor, "cap", a->pace.cap, "budget", budget,
                     "places", places, "note",
                     "weights are illustrative and current spend is synthetic unless replaced "
                     "with local figures");
}

int app_an_current_set(store *s, const char *ics, const json_t *items, json_t **before, ics_err *e)
{
    *before = NULL;
    if (!json_is_array(items) || json_array_size(items) == 0)
        return ics_err_set(e, ICS_EINVAL, "field 'items' must be a non-empty array");
    store_an_place *pl;
    size_t np;
    int rc = store_analytics_places(s, ics, &pl, &np, e);
    if (rc) return rc;
    static const fspec f[] = {{"place_code", 's'}, {"amount", 'n'}, {NULL, 0}};
    sb msg;
    sb_init(&msg);
    int problems = 0;
    int *seen = calloc(np ? np : 1, sizeof *seen);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        ics_err re = {0};
        const char *code = NULL;
        if (!json_is_object(it))
            ics_err_set(&re, ICS_EINVAL, "items[%zu]: must be an object", i);
        else if (check_fields(it, f, &re))
            ics_err_prefix(&re, "items[%zu]: ", i);
        else {
            code = json_string_value(json_object_get(it, "place_code"));
            double v = json_number_value(json_object_get(it, "amount"));
            const store_an_place *p = place_find(pl, np, code);
            if (!p)
                ics_err_set(&re, ICS_EINVAL, "items[%zu]: unknown place '%s'", i, code);
            else if (!(v >= 0.0) || !isfinite(v))
                ics_err_set(&re, ICS_EINVAL, "items[%zu]: amount must be >= 0", i);
            else if (seen[p - pl]++)
                ics_err_set(&re, ICS_EINVAL, "items[%zu]: place '%s' given twice", i, code);
        }
        if (re.code && problems++ < 20) sb_printf(&msg, "%s%s", problems > 1 ? "; " : "", re.msg);
    }
    for (size_t k = 0; k < np && !problems; k++)
        if (!seen[k]) {
            sb_printf(&msg, "no amount for place '%s' (%s): give every place", pl[k].code,
                      pl[k].name);
            problems = 1;
        }
    free(seen);
    free(pl);
    if (problems) {
        rc = ics_err_set(e, ICS_EINVAL, "%s", msg.buf);
        sb_free(&msg);
        return rc;
    }
    sb_free(&msg);
    return store_analytics_current_replace(s, items, before, e);
}

int app_an_weights_set(store *s, const json_t *body, ics_err *e)
{
    static const fspec top[] = {{"cost", 'a'}, {"need", 'a'}, {"source", 's'}, {NULL, 0}};
    int rc = check_fields(body, top, e);
    if (rc) return rc;
    analytics_alloc_weights w;
    for (int sx = 0; sx < ANALYTICS_NSEXES; sx++)
        for (int b = 0; b < ANALYTICS_NBANDS; b++) w.cost[sx][b] = NAN;
    for (int q = 0; q < 5; q++) w.quintile_need[q] = NAN;
    static const fspec cf[] = {{"sex", 's'}, {"age_band", 's'}, {"weight", 'n'}, {NULL, 0}};
    static const fspec nf[] = {{"imd_quintile", 'i'}, {"weight", 'n'}, {NULL, 0}};
    sb msg;
    sb_init(&msg);
    int problems = 0;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(body, "cost"), i, r)
    {
        ics_err re = {0};
        if (!json_is_object(r))
            ics_err_set(&re, ICS_EINVAL, "cost[%zu]: must be an object", i);
        else if (check_fields(r, cf, &re))
            ics_err_prefix(&re, "cost[%zu]: ", i);
        else {
            int si = analytics_sex_index(json_string_value(json_object_get(r, "sex")));
            int bi = analytics_band_index(json_string_value(json_object_get(r, "age_band")));
            double v = json_number_value(json_object_get(r, "weight"));
            if (si < 0 || bi < 0)
                ics_err_set(&re, ICS_EINVAL, "cost[%zu]: unknown sex or age band", i);
            else if (!(v >= 0.0))
                ics_err_set(&re, ICS_EINVAL, "cost[%zu]: weight must be >= 0", i);
            else if (!isnan(w.cost[si][bi]))
                ics_err_set(&re, ICS_EINVAL, "cost[%zu]: duplicate", i);
            else
                w.cost[si][bi] = v;
        }
        if (re.code && problems++ < 20) sb_printf(&msg, "%s%s", problems > 1 ? "; " : "", re.msg);
    }
    json_array_foreach(json_object_get(body, "need"), i, r)
    {
        ics_err re = {0};
        if (!json_is_object(r))
            ics_err_set(&re, ICS_EINVAL, "need[%zu]: must be an object", i);
        else if (check_fields(r, nf, &re))
            ics_err_prefix(&re, "need[%zu]: ", i);
        else {
            json_int_t q = json_integer_value(json_object_get(r, "imd_quintile"));
            double v = json_number_value(json_object_get(r, "weight"));
            if (q < 1 || q > 5)
                ics_err_set(&re, ICS_EINVAL, "need[%zu]: imd_quintile must be 1 to 5", i);
            else if (!(v > 0.0))
                ics_err_set(&re, ICS_EINVAL, "need[%zu]: weight must be > 0", i);
            else if (!isnan(w.quintile_need[q - 1]))
                ics_err_set(&re, ICS_EINVAL, "need[%zu]: duplicate quintile", i);
            else
                w.quintile_need[q - 1] = v;
        }
        if (re.code && problems++ < 20) sb_printf(&msg, "%s%s", problems > 1 ? "; " : "", re.msg);
    }
    for (int sx = 0; sx < ANALYTICS_NSEXES && !problems; sx++)
        for (int b = 0; b < ANALYTICS_NBANDS && !problems; b++)
            if (isnan(w.cost[sx][b])) {
                sb_printf(&msg, "no cost weight for sex %s, age band %s", sx ? "F" : "M",
                          analytics_band_names[b]);
                problems = 1;
            }
    for (int q = 0; q < 5 && !problems; q++)
        if (isnan(w.quintile_need[q])) {
            sb_printf(&msg, "no need weight for IMD quintile %d", q + 1);
            problems = 1;
        }
    if (problems) {
        rc = ics_err_set(e, ICS_EINVAL, "%s", msg.buf);
        sb_free(&msg);
        return rc;
    }
    sb_free(&msg);
    return store_analytics_weights_replace(s, &w,
                                           json_string_value(json_object_get(body, "source")), e);
}

/* Rows of data_dir/file (columns cols, 'n' numbers, 's' text) into the
 * store's seeding table kind. */
static int seed_csv(store *s, const char *dir, const char *file, const char *const *cols,
                    const char *kind, const char *types, ics_err *e)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    csv_doc *d;
    int rc = csv_read_file(path, &d, e);
    if (rc) return rc;
    int ix[8];
    rc = csv_columns(d, cols, ix, 0, e);
    for (size_t r = 0; r < d->nrows && !rc; r++) {
        json_t *p = json_array();
        for (int c = 0; cols[c]; c++) {
            const char *v = d->rows[r][ix[c]];
            if (types[c] == 'n') {
                char *end;
                double x = strtod(v, &end);
                if (!*v || *end) {
                    rc = ics_err_set(e, ICS_EINVAL, "%s line %zu: '%s' is not a number", path,
                                     d->line[r], v);
                    break;
                }
                json_array_append_new(p, json_real(x));
            } else {
                json_array_append_new(p, json_string(v));
            }
        }
        if (!rc) rc = store_analytics_seed_row(s, kind, p, e);
        json_decref(p);
    }
    csv_free(d);
    return rc;
}

int app_an_seed(store *s, const char *data_dir, int64_t now, ics_err *e)
{
    static const char *const cost_cols[] = {"sex", "age_band", "weight", NULL};
    static const char *const need_cols[] = {"imd_quintile", "weight", NULL};
    static const char *const cur_cols[] = {"place_code", "amount_k", NULL};
    int rc = store_begin(s, e);
    if (rc) return rc;
    rc = seed_csv(s, data_dir, "allocation_cost_weights.csv", cost_cols, "cost", "ssn", e);
    if (!rc) rc = seed_csv(s, data_dir, "allocation_need_weights.csv", need_cols, "need", "nn", e);
    if (!rc) rc = seed_csv(s, data_dir, "allocation_current.csv", cur_cols, "current", "sn", e);
    if (!rc)
        rc = store_analytics_source_put(
            s, "illustrative defaults shipped with icsflow (data/allocation_*.csv)", e);
    /* the synthetic NEL dataset from the real populations and deprivation */
    store_an_place *pl = NULL;
    size_t np = 0;
    if (!rc) rc = store_analytics_places(s, NULL, &pl, &np, e);
    if (!rc && np > 0) {
        analytics_synth_area *ar = calloc(np, sizeof *ar);
        double *counts = calloc(np * ANALYTICS_NSEXES * ANALYTICS_NBANDS, sizeof *counts);
        analytics_table *t = analytics_table_new();
        if (!ar || !counts || !t) rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
        for (size_t i = 0; i < np && !rc; i++) {
            memcpy(ar[i].pop, pl[i].pop, sizeof ar[i].pop);
            ar[i].imd_score = isfinite(pl[i].imd_score) ? pl[i].imd_score : 20.0;
        }
        if (!rc) rc = analytics_synth_nel(ar, np, 2026, counts, e);
        for (size_t i = 0; i < np && !rc; i++)
            for (int sx = 0; sx < ANALYTICS_NSEXES && !rc; sx++)
                for (int b = 0; b < ANALYTICS_NBANDS && !rc; b++)
                    rc = analytics_table_add(
                        t, "synthetic", i, pl[i].code, sx ? "F" : "M", analytics_band_names[b],
                        counts[(i * ANALYTICS_NSEXES + (size_t)sx) * ANALYTICS_NBANDS + (size_t)b],
                        1, NULL, 0, e);
        if (!rc)
            rc = store_analytics_dataset_save(
                s, STORE_ANALYTICS_NEL,
                "SYNTHETIC non-elective admissions for one year, generated from the real "
                "populations and IMD 2019 scores with illustrative age-sex rates; not NHS data",
                "synthetic year", 1, 0, "seed", now, t, e);
        free(ar);
        free(counts);
        analytics_table_free(t);
    }
    free(pl);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

int app_an_weights_json(store *s, json_t **out, ics_err *e)
{
    *out = NULL;
    json_t *cost, *need, *src;
    int rc = store_analytics_weights_rows(s, &cost, &need, &src, e);
    if (rc) return rc;
    /* men then women, each in age order, whatever order the rows came in */
    json_t *ordered = json_array();
    for (int sx = 0; sx < ANALYTICS_NSEXES; sx++)
        for (int b = 0; b < ANALYTICS_NBANDS; b++) {
            size_t i;
            json_t *r;
            json_array_foreach(cost, i, r)
            {
                if (strcmp(jget_str(r, "sex", ""), sx ? "F" : "M") == 0 &&
                    strcmp(jget_str(r, "age_band", ""), analytics_band_names[b]) == 0)
                    json_array_append(ordered, r);
            }
        }
    json_decref(cost);
    *out = json_pack("{soso}", "cost", ordered, "need", need);
    json_object_set_new(*out, "source",
                        json_string(json_is_string(src) ? json_string_value(src) : "unknown"));
    json_decref(src);
    return 0;
}
