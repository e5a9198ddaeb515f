/* lsap.c - exact rectangular linear sum assignment (rows <= columns) by
 * shortest augmenting paths, used for the bed bureau's batch matching.
 *
 * The idea (Jonker and Volgenant 1987; rectangular form from D. F. Crouse,
 * "On implementing 2D rectangular assignment algorithms", IEEE Trans.
 * Aerospace and Electronic Systems 52(4), 2016, Algorithm 1): keep dual
 * potentials u (rows) and v (columns) with reduced costs
 * c[i][j] - u[i] - v[j] >= 0 on every pair and = 0 on assigned pairs. Rows
 * are added one at a time: a Dijkstra search over reduced costs from the new
 * row, alternating "row -> any column" and "assigned column -> its row",
 * stops at the first free column it settles. Flipping that path adds one
 * assignment; the potentials are then moved by the path lengths so every
 * reduced cost stays non-negative. After the last row the duals certify
 * optimality (complementary slackness), so the result is exact, not greedy.
 * Each search is O(columns) per settled row, O(rows^2 * columns) in the
 * worst case. Among equal shortest distances a free column is preferred,
 * which ends the search early when many beds cost the same. */
#include <stdlib.h>
#include <string.h>

#include "beds/beds.h"

#define INF (INT64_MAX / 4)

typedef struct work {
    size_t nr, nc;
    const int64_t *cost;
    int64_t *u, *v, *spc;
    int *path, *row4col, *col4row, *remaining;
    unsigned char *sr, *sc;
} work;

/* Shortest augmenting path from row i; returns the sink column or -1 when
 * no free column can be reached (cannot happen with finite costs). */
static long augment(work *w, size_t i, int64_t *min_out)
{
    size_t nc = w->nc, nrem = nc;
    int64_t minv = 0;
    for (size_t it = 0; it < nc; it++) w->remaining[it] = (int)(nc - it - 1);
    memset(w->sr, 0, w->nr);
    memset(w->sc, 0, nc);
    for (size_t j = 0; j < nc; j++) w->spc[j] = INF;
    long sink = -1;
    while (sink == -1) {
        long index = -1;
        int64_t lowest = INF;
        w->sr[i] = 1;
        const int64_t *row = w->cost + i * nc;
        int64_t base = minv - w->u[i];
        for (size_t it = 0; it < nrem; it++) {
            int j = w->remaining[it];
            int64_t r = base + row[j] - w->v[j];
            if (r < w->spc[j]) {
                w->path[j] = (int)i;
                w->spc[j] = r;
            }
            if (w->spc[j] < lowest || (w->spc[j] == lowest && w->row4col[j] == -1)) {
                lowest = w->spc[j];
                index = (long)it;
            }
        }
        minv = lowest;
        if (minv >= INF || index < 0) return -1;
        int j = w->remaining[index];
        if (w->row4col[j] == -1)
            sink = j;
        else
            i = (size_t)w->row4col[j];
        w->sc[j] = 1;
        w->remaining[index] = w->remaining[--nrem];
    }
    *min_out = minv;
    return sink;
}

int beds_lsap_solve(size_t nr, size_t nc, const int64_t *cost, int *col4row, int64_t *total,
                    progress_fn progress, void *pctx, ics_err *e)
{
    if (nr > nc)
        return ics_err_set(e, ICS_EINVAL, "assignment needs rows (%zu) <= columns (%zu)", nr, nc);
    *total = 0;
    if (nr == 0) return 0;
    work w = {.nr = nr, .nc = nc, .cost = cost, .col4row = col4row};
    w.u = calloc(nr, sizeof *w.u);
    w.v = calloc(nc, sizeof *w.v);
    w.spc = malloc(nc * sizeof *w.spc);
    w.path = malloc(nc * sizeof *w.path);
    w.row4col = malloc(nc * sizeof *w.row4col);
    w.remaining = malloc(nc * sizeof *w.remaining);
    w.sr = malloc(nr);
    w.sc = malloc(nc);
    int rc = 0;
    if (!w.u || !w.v || !w.spc || !w.path || !w.row4col || !w.remaining || !w.sr || !w.sc) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory for a %zu x %zu assignment", nr, nc);
        goto done;
    }
    for (size_t j = 0; j < nc; j++) w.row4col[j] = w.path[j] = -1;
    for (size_t i = 0; i < nr; i++) col4row[i] = -1;

    for (size_t cur = 0; cur < nr; cur++) {
        int64_t minv = 0;
        long sink = augment(&w, cur, &minv);
        if (sink < 0) {
            rc = ics_err_set(e, ICS_EINTERNAL, "assignment infeasible at row %zu", cur);
            goto done;
        }
        /* update the duals so reduced costs stay >= 0 and are 0 on the tree */
        w.u[cur] += minv;
        for (size_t i = 0; i < nr; i++)
            if (w.sr[i] && i != cur) w.u[i] += minv - w.spc[col4row[i]];
        for (size_t j = 0; j < nc; j++)
            if (w.sc[j]) w.v[j] -= minv - w.spc[j];
        /* flip the alternating path back to the new row */
        int j = (int)sink;
        for (;;) {
            int i = w.path[j];
            w.row4col[j] = i;
            int prev = col4row[i];
            col4row[i] = j;
            j = prev;
            if ((size_t)i == cur) break;
        }
        if (progress && (cur % 64 == 0 || cur + 1 == nr))
            progress(pctx, (double)(cur + 1) / (double)nr);
    }
    for (size_t i = 0; i < nr; i++) *total += cost[i * nc + (size_t)col4row[i]];
done:
    free(w.u);
    free(w.v);
    free(w.spc);
    free(w.path);
    free(w.row4col);
    free(w.remaining);
    free(w.sr);
    free(w.sc);
    return rc;
}
