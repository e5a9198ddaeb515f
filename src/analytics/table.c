/* table.c - counts and populations by area x sex x age band, validated as
 * they are added so that bad input is refused with the row to fix: unknown
 * area, sex or band, negative or non-numeric values, duplicates, and areas
 * that miss an age band. CSV files and JSON bodies both come through here. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/analytics.h"

analytics_table *analytics_table_new(void)
{
    return calloc(1, sizeof(analytics_table));
}

void analytics_table_free(analytics_table *t)
{
    if (!t) return;
    free(t->areas);
    free(t->v);
    free(t->first);
    free(t->hash);
    free(t);
}

/* FNV-1a: area codes are short; a hash index keeps a 10,000-area import
 * linear instead of quadratic. */
static size_t code_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

static void hash_put(analytics_table *t, size_t i)
{
    size_t m = t->hcap - 1, k = code_hash(t->areas[i]) & m;
    while (t->hash[k]) k = (k + 1) & m;
    t->hash[k] = i + 1;
}

/* Keep the index at most half full. */
static int hash_grow(analytics_table *t)
{
    if (2 * (t->nareas + 1) <= t->hcap) return 0;
    size_t cap = t->hcap ? 2 * t->hcap : 64;
    size_t *h = calloc(cap, sizeof *h);
    if (!h) return -1;
    free(t->hash);
    t->hash = h;
    t->hcap = cap;
    for (size_t i = 0; i < t->nareas; i++) hash_put(t, i);
    return 0;
}

long analytics_table_find(const analytics_table *t, const char *code)
{
    if (!t->hcap) return -1;
    size_t m = t->hcap - 1, k = code_hash(code) & m;
    for (; t->hash[k]; k = (k + 1) & m)
        if (strcmp(t->areas[t->hash[k] - 1], code) == 0) return (long)(t->hash[k] - 1);
    return -1;
}

static int known_area(const char *code, const char *const *known, size_t nknown)
{
    if (!known) return 1;
    for (size_t i = 0; i < nknown; i++)
        if (strcmp(known[i], code) == 0) return 1;
    return 0;
}

static int grow(analytics_table *t)
{
    if (t->nareas < t->cap) return 0;
    size_t cap = t->cap ? t->cap * 2 : 16;
    void *a = realloc(t->areas, cap * sizeof *t->areas);
    if (a) t->areas = a;
    void *b = realloc(t->v, cap * sizeof *t->v);
    if (b) t->v = b;
    void *c = realloc(t->first, cap * sizeof *t->first);
    if (c) t->first = c;
    if (!a || !b || !c) return -1;
    t->cap = cap;
    return 0;
}

int analytics_table_add(analytics_table *t, const char *where, size_t row, const char *code,
                        const char *sex, const char *band, double value, int whole,
                        const char *const *known, size_t nknown, ics_err *e)
{
    if (!code || !*code) return ics_err_set(e, ICS_EINVAL, "%s: area code is empty", where);
    if (strlen(code) >= sizeof t->areas[0] || !known_area(code, known, nknown))
        return ics_err_set(e, ICS_EINVAL, "%s: unknown area '%s'", where, code);
    int si = analytics_sex_index(sex);
    if (si < 0)
        return ics_err_set(e, ICS_EINVAL, "%s: sex '%s' must be M or F", where, sex ? sex : "");
    int bi = analytics_band_index(band);
    if (bi < 0)
        return ics_err_set(e, ICS_EINVAL,
                           "%s: age band '%s' is not one of 0-4, 5-9, ..., 85-89, 90+", where,
                           band ? band : "");
    if (!isfinite(value)) return ics_err_set(e, ICS_EINVAL, "%s: value is not a number", where);
    if (value < 0.0) return ics_err_set(e, ICS_EINVAL, "%s: %g is negative", where, value);
    if (whole && value != floor(value))
        return ics_err_set(e, ICS_EINVAL, "%s: %g is not a whole number", where, value);
    long ai = analytics_table_find(t, code);
    if (ai < 0) {
        if (grow(t) || hash_grow(t)) return ics_err_set(e, ICS_ENOMEM, "out of memory");
        ai = (long)t->nareas++;
        strcpy(t->areas[ai], code);
        hash_put(t, (size_t)ai);
        for (int s = 0; s < ANALYTICS_NSEXES; s++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++) t->v[ai][s][b] = NAN;
        t->first[ai] = row;
    }
    if (!isnan(t->v[ai][si][bi]))
        return ics_err_set(e, ICS_EINVAL, "%s: duplicate row for %s, sex %s, age band %s", where,
                           code, sex, band);
    t->v[ai][si][bi] = value;
    return 0;
}

int analytics_table_check_complete(const analytics_table *t, const char *rowword, ics_err *e)
{
    if (t->nareas == 0) return ics_err_set(e, ICS_EINVAL, "no data rows");
    for (size_t a = 0; a < t->nareas; a++)
        for (int s = 0; s < ANALYTICS_NSEXES; s++)
            for (int b = 0; b < ANALYTICS_NBANDS; b++)
                if (isnan(t->v[a][s][b]))
                    return ics_err_set(e, ICS_EINVAL,
                                       "area '%s' (first seen at %s %zu) has no row for sex %s, "
                                       "age band %s: every area needs all 19 bands for M and F",
                                       t->areas[a], rowword, t->first[a], s ? "F" : "M",
                                       analytics_band_names[b]);
    return 0;
}

/* 0, or -1 not a number, -2 negative, -3 fractional. */
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
    analytics_table *t = analytics_table_new();
    if (!t) return ics_err_set(e, ICS_ENOMEM, "out of memory");
    int rc = 0;
    char where[300];
    for (size_t r = 0; r < d->nrows && !rc; r++) {
        char **row = d->rows[r];
        snprintf(where, sizeof where, "%s line %zu", d->name, d->line[r]);
        double v = 0.0;
        int pv = parse_value(row[cv], whole, &v);
        if (pv)
            rc = ics_err_set(e, ICS_EINVAL, "%s: %s '%s' %s", where, value_col, row[cv],
                             pv == -2   ? "is negative"
                             : pv == -3 ? "is not a whole number"
                                        : "is not a number");
        else
            rc = analytics_table_add(t, where, d->line[r], row[ca], row[cs], row[cb], v, whole,
                                     known, nknown, e);
    }
    if (!rc) {
        rc = analytics_table_check_complete(t, "line", e);
        if (rc) ics_err_prefix(e, "%s: ", d->name);
    }
    if (rc) {
        analytics_table_free(t);
        return rc;
    }
    *out = t;
    return 0;
}
