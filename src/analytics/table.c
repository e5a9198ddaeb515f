/* table.c - counts and populations by area x sex x age band, built from a
 * parsed CSV and validated so that a bad file is refused with the line to
 * fix: unknown area, unknown sex or band, negative or non-numeric values,
 * duplicates, and areas that miss an age band. Used by import and the CLI. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"

void analytics_table_free(analytics_table *t)
{
    if (!t) return;
    free(t->areas);
    free(t->v);
    free(t);
}

long analytics_table_find(const analytics_table *t, const char *code)
{
    for (size_t i = 0; i < t->nareas; i++)
        if (strcmp(t->areas[i], code) == 0) return (long)i;
    return -1;
}

static int known_area(const char *code, const char *const *known, size_t nknown)
{
    if (!known) return 1;
    for (size_t i = 0; i < nknown; i++)
        if (strcmp(known[i], code) == 0) return 1;
    return 0;
}

static int parse_value(const char *s, int whole, double *out)
{
    if (!*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    while (*end == ' ') end++;
    if (*end || errno || !isfinite(v)) return -1;
    if (v < 0.0) return -2;
    if (whole && v != floor(v)) return -3;
    *out = v;
    return 0;
}

int analytics_table_from_csv(const csv_doc *d, const char *value_col, const char *const *known,
                             size_t nknown, analytics_table **out, ics_err *e)
{
    *out = NULL;
    int ca = csv_col(d, "area_code");
    if (ca < 0) ca = csv_col(d, "place_code");
    int cs = csv_col(d, "sex"), cb = csv_col(d, "age_band"), cv = csv_col(d, value_col);
    if (ca < 0)
        return ics_err_set(e, ICS_EINVAL, "%s: missing column 'area_code' (or 'place_code')",
                           d->name);
    if (cs < 0) return ics_err_set(e, ICS_EINVAL, "%s: missing column 'sex'", d->name);
    if (cb < 0) return ics_err_set(e, ICS_EINVAL, "%s: missing column 'age_band'", d->name);
    if (cv < 0) return ics_err_set(e, ICS_EINVAL, "%s: missing column '%s'", d->name, value_col);
    if (d->nrows == 0) return ics_err_set(e, ICS_EINVAL, "%s: no data rows", d->name);
    int whole = strcmp(value_col, "count") == 0;
    analytics_table *t = calloc(1, sizeof *t);
    if (!t) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    size_t cap = 16;
    t->areas = calloc(cap, sizeof *t->areas);
    t->v = calloc(cap, sizeof *t->v);
    size_t *first_line = calloc(cap, sizeof *first_line);
    int rc = 0;
    if (!t->areas || !t->v || !first_line) goto oom;
    for (size_t r = 0; r < d->nrows; r++) {
        char **row = d->rows[r];
        size_t ln = d->line[r];
        const char *code = row[ca], *sex = row[cs], *band = row[cb], *val = row[cv];
        if (!*code) {
            rc = ics_err_set(e, ICS_EINVAL, "%s line %zu: area code is empty", d->name, ln);
            goto fail;
        }
        if (strlen(code) >= sizeof t->areas[0] || !known_area(code, known, nknown)) {
            rc = ics_err_set(e, ICS_EINVAL, "%s line %zu: unknown area '%s'", d->name, ln, code);
            goto fail;
        }
        int si = analytics_sex_index(sex);
        if (si < 0) {
            rc = ics_err_set(e, ICS_EINVAL, "%s line %zu: sex '%s' must be M or F", d->name, ln,
                             sex);
            goto fail;
        }
        int bi = analytics_band_index(band);
        if (bi < 0) {
            rc = ics_err_set(e, ICS_EINVAL,
                             "%s line %zu: age band '%s' is not one of 0-4, 5-9, ..., 85-89, 90+",
                             d->name, ln, band);
            goto fail;
        }
        double v;
        int pv = parse_value(val, whole, &v);
        if (pv) {
            rc = ics_err_set(e, ICS_EINVAL, "%s line %zu: %s '%s' %s", d->name, ln, value_col, val,
                             pv == -2   ? "is negative"
                             : pv == -3 ? "is not a whole number"
                                        : "is not a number");
            goto fail;
        }
        long ai = analytics_table_find(t, code);
        if (ai < 0) {
            if (t->nareas == cap) {
                cap *= 2;
                void *a = realloc(t->areas, cap * sizeof *t->areas);
                if (a) t->areas = a;
                void *b = realloc(t->v, cap * sizeof *t->v);
                if (b) t->v = b;
                void *c = realloc(first_line, cap * sizeof *first_line);
                if (c) first_line = c;
                if (!a || !b || !c) goto oom;
            }
            ai = (long)t->nareas++;
            strcpy(t->areas[ai], code);
            for (int s = 0; s < ANALYTICS_NSEXES; s++)
                for (int b = 0; b < ANALYTICS_NBANDS; b++) t->v[ai][s][b] = NAN;
            first_line[ai] = ln;
        }
        if (!isnan(t->v[ai][si][bi])) {
            rc =
                ics_err_set(e, ICS_EINVAL, "%s line %zu: duplicate row for %s, sex %s, age band %s",
                            d->name, ln, code, sex, band);
            goto fail;
        }
        t->v[ai][si][bi] = v;
    }
    for (size_t a = 0; a < t->nareas; a++)
        for (int s = 0; s < ANALYTICS_NSEXES; s++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++)
                if (isnan(t->v[a][s][b])) {
                    rc = ics_err_set(e, ICS_EINVAL,
                                     "%s: area '%s' (first row at line %zu) has no row for sex "
                                     "%s, age band %s: every area needs all 19 bands for M and F",
                                     d->name, t->areas[a], first_line[a], s ? "F" : "M",
                                     analytics_band_names[b]);
                    goto fail;
                }
    free(first_line);
    *out = t;
    return 0;
oom:
    rc = ics_err_set(e, ICS_ENOMEM, "out of memory");
fail:
    free(first_line);
    analytics_table_free(t);
    return rc;
}
