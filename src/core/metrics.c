/* metrics.c - the metrics registry (see metrics.h).
 *
 * Series live in an open-addressing hash table of atomic pointers: readers
 * probe it without a lock (a slot, once filled, never changes), and the rare
 * insertion of a new series re-probes under a mutex before publishing the
 * pointer with release order. Values are atomics: counters and histogram
 * buckets are integers, gauges and sums are doubles kept as their bits and
 * updated by compare-and-swap. Nothing is ever removed, so a pointer read
 * from the table stays valid for the life of the process. */
#include "core/metrics.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sb.h"

#define SLOTS        4096 /* a power of two; series are bounded by routes x classes */
#define MAX_FAMILIES 256
#define MAX_COLLECT  16

typedef struct family {
    char *name;
    metric_kind kind;
    char *help;
    const double *bounds;
    int nb;
} family;

typedef struct series {
    const family *fam;
    char *labels;
    uint64_t hash;
    _Atomic uint64_t v;         /* counter; gauge (double bits); histogram count */
    _Atomic uint64_t sum;       /* histogram sum (double bits) */
    _Atomic uint64_t buckets[]; /* histogram: nb + 1, the last one +Inf; not cumulative */
} series;

static _Atomic(series *) table[SLOTS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static family fams[MAX_FAMILIES];
static int nfams;
static struct {
    void (*fn)(void *);
    void *arg;
} collectors[MAX_COLLECT];
static int ncollect;
static _Atomic uint64_t dropped; /* updates lost to a full table or a kind mismatch */

static const double default_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,   0.5,   1,      2.5,   5,    10,    30};

static uint64_t fnv(uint64_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static uint64_t hash_of(const char *name, const char *labels)
{
    return fnv(fnv(14695981039346656037ull, name) * 31 + 1, labels);
}

static double d_of(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* Under mu. */
static family *family_find(const char *name)
{
    for (int i = 0; i < nfams; i++)
        if (strcmp(fams[i].name, name) == 0) return &fams[i];
    return NULL;
}

/* Under mu: the family, added with defaults when new; NULL when full. */
static family *family_get(const char *name, metric_kind kind)
{
    family *f = family_find(name);
    if (f || nfams == MAX_FAMILIES) return f;
    char *n = strdup(name);
    if (!n) return NULL;
    f = &fams[nfams++];
    f->name = n;
    f->kind = kind;
    f->help = NULL;
    f->bounds = default_bounds;
    f->nb = (int)(sizeof default_bounds / sizeof *default_bounds);
    return f;
}

void metrics_describe(const char *name, metric_kind kind, const char *help, const double *bounds,
                      int nbounds)
{
    assert(name && help);
    assert(!bounds || nbounds > 0);
    pthread_mutex_lock(&mu);
    /* Kind and bounds are fixed by whoever names the family first: series
     * read them without the lock, and a histogram's buckets are sized by
     * its bounds when it is made. */
    int existed = family_find(name) != NULL;
    family *f = family_get(name, kind);
    if (f && !existed && bounds) f->bounds = bounds, f->nb = nbounds;
    if (f && !f->help) f->help = strdup(help);
    pthread_mutex_unlock(&mu);
}

static int same(const series *s, uint64_t h, const char *name, const char *labels)
{
    return s->hash == h && strcmp(s->fam->name, name) == 0 && strcmp(s->labels, labels) == 0;
}

/* The series, created on first use; NULL (and counted as dropped) when the
 * table is full or the name is already used by another kind. */
static series *lookup(const char *name, const char *labels, metric_kind kind, int create)
{
    assert(name && *name);
    if (!labels) labels = "";
    assert(!strchr(labels, '\n'));
    uint64_t h = hash_of(name, labels);
    series *s = NULL;
    for (unsigned i = 0; i < SLOTS; i++) {
        s = atomic_load_explicit(&table[(h + i) & (SLOTS - 1)], memory_order_acquire);
        if (!s || same(s, h, name, labels)) break;
        s = NULL;
    }
    if (!s && create) {
        pthread_mutex_lock(&mu);
        unsigned i = 0;
        for (; i < SLOTS; i++) {
            s = atomic_load_explicit(&table[(h + i) & (SLOTS - 1)], memory_order_relaxed);
            if (!s || same(s, h, name, labels)) break;
        }
        family *f = i < SLOTS && !s ? family_get(name, kind) : NULL;
        if (f && f->kind == kind) {
            size_t nb = kind == METRIC_HISTOGRAM ? (size_t)f->nb + 1 : 0;
            s = calloc(1, sizeof *s + nb * sizeof s->buckets[0]);
            if (s && !(s->labels = strdup(labels))) free(s), s = NULL;
            if (s) {
                s->fam = f;
                s->hash = h;
                if (kind == METRIC_GAUGE) atomic_init(&s->v, bits_of(0.0));
                atomic_store_explicit(&table[(h + i) & (SLOTS - 1)], s, memory_order_release);
            }
        }
        pthread_mutex_unlock(&mu);
    }
    if (s && s->fam->kind != kind) s = NULL;
    if (!s && create) atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
    return s;
}

void metrics_add(const char *name, const char *labels, uint64_t n)
{
    series *s = lookup(name, labels, METRIC_COUNTER, 1);
    if (s) atomic_fetch_add_explicit(&s->v, n, memory_order_relaxed);
}

void metrics_inc(const char *name, const char *labels)
{
    metrics_add(name, labels, 1);
}

static void add_double(_Atomic uint64_t *a, double delta)
{
    uint64_t old = atomic_load_explicit(a, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(a, &old, bits_of(d_of(old) + delta),
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

void metrics_gauge_set(const char *name, const char *labels, double v)
{
    series *s = lookup(name, labels, METRIC_GAUGE, 1);
    if (s) atomic_store_explicit(&s->v, bits_of(v), memory_order_relaxed);
}

void metrics_gauge_add(const char *name, const char *labels, double delta)
{
    series *s = lookup(name, labels, METRIC_GAUGE, 1);
    if (s) add_double(&s->v, delta);
}

void metrics_observe(const char *name, const char *labels, double v)
{
    series *s = lookup(name, labels, METRIC_HISTOGRAM, 1);
    if (!s) return;
    int i = 0, nb = s->fam->nb;
    while (i < nb && !(v <= s->fam->bounds[i])) i++;
    atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->v, 1, memory_order_relaxed);
    add_double(&s->sum, v);
}

void metrics_collector_add(void (*fn)(void *arg), void *arg)
{
    assert(fn);
    pthread_mutex_lock(&mu);
    assert(ncollect < MAX_COLLECT);
    if (ncollect < MAX_COLLECT) {
        collectors[ncollect].fn = fn;
        collectors[ncollect].arg = arg;
        ncollect++;
    }
    pthread_mutex_unlock(&mu);
}

double metrics_value(const char *name, const char *labels)
{
    for (int k = METRIC_COUNTER; k <= METRIC_HISTOGRAM; k++) {
        series *s = lookup(name, labels, (metric_kind)k, 0);
        if (!s) continue;
        uint64_t v = atomic_load_explicit(&s->v, memory_order_relaxed);
        return k == METRIC_GAUGE ? d_of(v) : (double)v;
    }
    return 0;
}

static int by_name(const void *a, const void *b)
{
    const series *x = *(series *const *)a, *y = *(series *const *)b;
    int c = strcmp(x->fam->name, y->fam->name);
    return c ? c : strcmp(x->labels, y->labels);
}

static void put_double(sb *b, double d)
{
    if (isnan(d))
        sb_puts(b, "NaN");
    else if (isinf(d))
        sb_puts(b, d > 0 ? "+Inf" : "-Inf");
    else
        sb_printf(b, "%.12g", d);
}

/* name{labels[,extra]} with the braces left out when both are empty. */
static void put_series(sb *b, const char *name, const char *suffix, const char *labels,
                       const char *extra)
{
    sb_printf(b, "%s%s", name, suffix);
    if (*labels || *extra) sb_printf(b, "{%s%s%s}", labels, *labels && *extra ? "," : "", extra);
    sb_puts(b, " ");
}

static const char *const kind_names[] = {"counter", "gauge", "histogram"};

char *metrics_render(size_t *len)
{
    pthread_mutex_lock(&mu);
    int nc = ncollect;
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < nc; i++) collectors[i].fn(collectors[i].arg);

    series **all = malloc(SLOTS * sizeof *all);
    if (!all) return NULL;
    size_t n = 0;
    for (unsigned i = 0; i < SLOTS; i++) {
        series *s = atomic_load_explicit(&table[i], memory_order_acquire);
        if (s) all[n++] = s;
    }
    qsort(all, n, sizeof *all, by_name);
    sb b;
    sb_init(&b);
    pthread_mutex_lock(&mu); /* family help texts */
    const family *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        const series *s = all[i];
        const family *f = s->fam;
        if (f != prev) {
            sb_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", f->name,
                      f->help ? f->help : "icsflow metric", f->name, kind_names[f->kind]);
            prev = f;
        }
        uint64_t v = atomic_load_explicit(&s->v, memory_order_relaxed);
        if (f->kind == METRIC_COUNTER) {
            put_series(&b, f->name, "", s->labels, "");
            sb_printf(&b, "%llu\n", (unsigned long long)v);
        } else if (f->kind == METRIC_GAUGE) {
            put_series(&b, f->name, "", s->labels, "");
            put_double(&b, d_of(v));
            sb_puts(&b, "\n");
        } else {
            /* Buckets are cumulative in the format; reading each bucket
             * once and summing keeps +Inf equal to the count we print. */
            uint64_t cum = 0;
            char le[48];
            for (int k = 0; k <= f->nb; k++) {
                cum += atomic_load_explicit(&s->buckets[k], memory_order_relaxed);
                if (k < f->nb)
                    snprintf(le, sizeof le, "le=\"%.10g\"", f->bounds[k]);
                else
                    snprintf(le, sizeof le, "le=\"+Inf\"");
                put_series(&b, f->name, "_bucket", s->labels, le);
                sb_printf(&b, "%llu\n", (unsigned long long)cum);
            }
            put_series(&b, f->name, "_sum", s->labels, "");
            put_double(&b, d_of(atomic_load_explicit(&s->sum, memory_order_relaxed)));
            sb_puts(&b, "\n");
            put_series(&b, f->name, "_count", s->labels, "");
            sb_printf(&b, "%llu\n", (unsigned long long)cum);
        }
    }
    pthread_mutex_unlock(&mu);
    sb_printf(&b,
              "# HELP icsflow_metrics_dropped_total Metric updates lost (registry full or a name "
              "used with two kinds)\n# TYPE icsflow_metrics_dropped_total counter\n"
              "icsflow_metrics_dropped_total %llu\n",
              (unsigned long long)atomic_load_explicit(&dropped, memory_order_relaxed));
    free(all);
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    *len = b.len;
    return sb_steal(&b);
}
