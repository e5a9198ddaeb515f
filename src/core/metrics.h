/* metrics.h - a tiny process-wide registry of counters, gauges and
 * histograms, rendered in the Prometheus text format (0.0.4) by GET /metrics.
 *
 * Any module may call it from any thread: a series is found by name and
 * labels in a lock-free hash table and updated with atomic operations; only
 * the first use of a new series takes a lock. Labels are written by the
 * caller in Prometheus form, e.g. `route="/api/v1/sites",status="2xx"` (""
 * for none); their values must not hold '"', '\\' or a newline, and must
 * come from a bounded set (a route pattern, never a raw path or a user). */
#ifndef ICS_CORE_METRICS_H
#define ICS_CORE_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM } metric_kind;

/* Optional: the # HELP text of a metric family (and for a histogram its
 * upper bounds, ascending; NULL for the default latency buckets in seconds,
 * 0.5 ms to 30 s). Call once, before the first observation, typically at
 * start-up; bounds must stay valid for the life of the process. */
void metrics_describe(const char *name, metric_kind kind, const char *help, const double *bounds,
                      int nbounds);

/* Counters only go up. */
void metrics_inc(const char *name, const char *labels);
void metrics_add(const char *name, const char *labels, uint64_t n);
/* Gauges are set, or moved up and down. */
void metrics_gauge_set(const char *name, const char *labels, double v);
void metrics_gauge_add(const char *name, const char *labels, double delta);
/* Histograms count v into its bucket and add it to the sum. */
void metrics_observe(const char *name, const char *labels, double v);

/* A function run before each rendering, to set gauges that are cheaper to
 * read at scrape time than to keep up to date (a pool's size). At most 16. */
void metrics_collector_add(void (*fn)(void *arg), void *arg);

/* The whole registry as Prometheus text (caller frees); *len its length.
 * NULL when out of memory. */
char *metrics_render(size_t *len);

/* The value of one counter or gauge (0 when it does not exist), or of a
 * histogram's count: for tests. */
double metrics_value(const char *name, const char *labels);

#endif
