/* progress.c - terminal progress bar (see progress.h). */
#include "core/progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_init(progress *p, const char *label)
{
    p->label = label;
    p->started = now();
    p->drawn = 0;
    p->last_pct = -1;
    p->tty = isatty(2);
}

void progress_report(void *ctx, double frac)
{
    progress *p = ctx;
    if (!p || !p->tty) return;
    int pct = (int)(frac * 100.0);
    if (pct == p->last_pct || (!p->drawn && now() - p->started < 1.0)) return;
    p->last_pct = pct;
    p->drawn = 1;
    int w = 30, fill = pct * w / 100;
    fprintf(stderr, "\r%s [", p->label);
    for (int i = 0; i < w; i++) fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%% %.1fs", pct, now() - p->started);
    fflush(stderr);
}

void progress_done(progress *p)
{
    if (p->drawn) {
        progress_report(p, 1.0);
        fputc('\n', stderr);
    }
}
