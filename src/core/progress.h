/* progress.h - a progress bar on stderr for long CLI work.
 *
 * Engines report progress through a plain callback (progress_fn) so they stay
 * free of I/O; the CLI passes progress_report, which draws a bar only when
 * stderr is a terminal and the work has run for more than a second. */
#ifndef ICS_CORE_PROGRESS_H
#define ICS_CORE_PROGRESS_H

/* frac in [0, 1]; ctx is the caller's. */
typedef void (*progress_fn)(void *ctx, double frac);

typedef struct progress {
    const char *label;
    double started;
    int drawn, last_pct, tty;
} progress;

void progress_init(progress *p, const char *label);
/* A progress_fn: ctx is a progress *. */
void progress_report(void *ctx, double frac);
void progress_done(progress *p);

#endif
