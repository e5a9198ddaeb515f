/* lsap.c - exact assignment by shortest augmenting paths, in the form the
 * bed bureau needs: rows with a capacity (a class of identical beds) and
 * columns taken at most once (a referral), which includes the classic
 * rectangular linear sum assignment (every capacity 1).
 *
 * The idea (Jonker and Volgenant 1987; rectangular form from D. F. Crouse,
 * "On implementing 2D rectangular assignment algorithms", IEEE Trans.
 * Aerospace and Electronic Systems 52(4), 2016, Algorithm 1): keep dual
 * potentials u (rows) and v (columns) with reduced costs
 * c[i][j] - u[i] - v[j] >= 0 on every pair and = 0 on assigned pairs.
 * Units of row capacity are added one at a time: a Dijkstra search over
 * reduced costs from the row, alternating "row -> a column it does not
 * hold" and "held column -> the row holding it", stops at the first free
 * column it settles. Flipping that path adds one assignment; the potentials
 * then move by the path lengths so every reduced cost stays non-negative.
 * After the last unit the duals certify optimality (complementary
 * slackness), so the result is exact, not greedy.
 *
 * With capacities this is successive shortest paths for a transportation
 * problem (Ahuja, Magnanti and Orlin, Network Flows, 1993, section 9.7): a
 * row is one node however many columns it holds, so a search settles each
 * bed class once instead of each bed, which is what makes 1,500 beds in a
 * few dozen units cheap. Each search is O(columns) per settled row. Among
 * equal distances a free column is preferred, which ends searches early.
 *
 * Rows are added most constrained first: fewest columns cheaper than the
 * row's worst. The order cannot change the optimum (every intermediate
 * solution is optimal for the rows added so far); it only shortens the
 * searches, because rows with few good options claim them before the
 * flexible rows have to be displaced (about 1.5x faster on the benchmark). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "beds/beds.h"

#define INF (INT64_MAX / 4)

typedef struct work {
    size_t nr, nc;
    const int64_t *cost;
    int64_t *u, *v, *spc, *rdist;
    int *path, *row4col, *entry;
    unsigned char *sr, *sc;
    size_t *order, *deg; /* rows in the order they are added; their degrees */
} work;

/* Fewer good columns first; ties keep the input order (deterministic). */
static int by_degree(const void *a, const void *b, void *ctx)
{
    const size_t *deg = ctx, x = *(const size_t *)a, y = *(const size_t *)b;
    if (deg[x] != deg[y]) return deg[x] < deg[y] ? -1 : 1;
    return (x > y) - (x < y);
}

/* Shortest augmenting path from row start; returns the sink column or -1
 * when no free column can be reached.
 *
 * Invariant: every held pair (row i holds column j) has reduced cost 0, so
 * entering row i through any column it holds costs nothing more, and
 * d(i) <= d(j) for every column j that i holds. When a row is settled, the
 * columns it holds are therefore settled with it at d(i): they lead nowhere
 * but back to i, and moving their potentials with the row's keeps the held
 * pairs tight after the dual update. (With capacity 1 the held column is
 * the one the row was entered by, which is Crouse's algorithm unchanged.) */
static long augment(work *w, size_t start, int64_t *min_out)
{
    size_t nc = w->nc, i = start;
    int64_t minv = 0;
    memset(w->sr, 0, w->nr);
    memset(w->sc, 0, nc);
    for (size_t j = 0; j < nc; j++) w->spc[j] = INF;
    w->rdist[i] = 0;
    long sink = -1;
    int64_t *spc = w->spc, *v = w->v;
    const int *r4c = w->row4col;
    unsigned char *sc = w->sc;
    while (sink == -1) {
        long index = -1;
        int64_t lowest = INF;
        w->sr[i] = 1;
        const int64_t *row = w->cost + i * nc;
        int64_t base = minv - w->u[i];
        /* columns in order (sequential memory); settled ones are skipped */
        for (size_t j = 0; j < nc; j++) {
            if (sc[j]) continue;
            if (r4c[j] == (int)i) {
                /* held by this row: settled with it */
                spc[j] = minv;
                sc[j] = 1;
                continue;
            }
            int64_t r = base + row[j] - v[j];
            if (r < spc[j]) {
                w->path[j] = (int)i;
                spc[j] = r;
            }
            if (spc[j] < lowest ||
                (spc[j] == lowest && r4c[j] == -1 && index >= 0 && r4c[index] != -1)) {
                lowest = spc[j];
                index = (long)j;
            }
        }
        minv = lowest;
        if (minv >= INF || index < 0) return -1;
        size_t j = (size_t)index;
        sc[j] = 1;
        if (r4c[j] == -1) {
            sink = (long)j;
        } else {
            i = (size_t)r4c[j];
            assert(!w->sr[i]); /* a settled row's columns are settled with it */
            w->rdist[i] = minv;
            w->entry[i] = (int)j;
        }
    }
    *min_out = minv;
    return sink;
}

int beds_lsap_solve_cap(size_t nr, const int *cap, size_t nc, const int64_t *cost, int *row4col,
                        int64_t *total, progress_fn progress, void *pctx, ics_err *e)
{
    size_t units = 0;
    for (size_t i = 0; i < nr; i++) {
        if (cap[i] < 0) return ics_err_set(e, ICS_EINVAL, "row %zu has a negative capacity", i);
        units += (size_t)cap[i];
    }
    if (units > nc)
        return ics_err_set(e, ICS_EINVAL, "assignment needs row capacity (%zu) <= columns (%zu)",
                           units, nc);
    *total = 0;
    for (size_t j = 0; j < nc; j++) row4col[j] = -1;
    if (units == 0) return 0;
    work w = {.nr = nr, .nc = nc, .cost = cost, .row4col = row4col};
    w.u = calloc(nr, sizeof *w.u);
    w.rdist = calloc(nr, sizeof *w.rdist);
    w.entry = calloc(nr, sizeof *w.entry);
    w.sr = malloc(nr);
    w.v = calloc(nc, sizeof *w.v);
    w.spc = malloc(nc * sizeof *w.spc);
    w.path = malloc(nc * sizeof *w.path);
    w.sc = malloc(nc);
    w.order = malloc(nr * sizeof *w.order);
    w.deg = calloc(nr, sizeof *w.deg);
    int rc = 0;
    if (!w.u || !w.rdist || !w.entry || !w.sr || !w.v || !w.spc || !w.path || !w.sc || !w.order ||
        !w.deg) {
        rc = ics_err_set(e, ICS_ENOMEM, "out of memory for a %zu x %zu assignment", nr, nc);
        goto done;
    }
    for (size_t i = 0; i < nr; i++) {
        const int64_t *row = cost + i * nc;
        int64_t worst = row[0];
        for (size_t j = 1; j < nc; j++)
            if (row[j] > worst) worst = row[j];
        for (size_t j = 0; j < nc; j++) w.deg[i] += row[j] < worst;
        w.order[i] = i;
    }
    qsort_r(w.order, nr, sizeof *w.order, by_degree, w.deg);
    size_t done_units = 0;
    for (size_t oi = 0; oi < nr; oi++) {
        size_t cur = w.order[oi];
        for (int k = 0; k < cap[cur]; k++) {
            int64_t minv = 0;
            long sink = augment(&w, cur, &minv);
            if (sink < 0) {
                rc = ics_err_set(e, ICS_EINTERNAL, "assignment infeasible at row %zu", cur);
                goto done;
            }
            /* move the duals so reduced costs stay >= 0 and are 0 on the path */
            for (size_t i = 0; i < nr; i++)
                if (w.sr[i]) w.u[i] += minv - w.rdist[i];
            for (size_t j = 0; j < nc; j++)
                if (w.sc[j]) w.v[j] -= minv - w.spc[j];
            /* flip the path: each row on it takes the next column and
             * gives up the column it was entered by */
            int j = (int)sink;
            for (;;) {
                int i = w.path[j];
                row4col[j] = i;
                if ((size_t)i == cur) break;
                j = w.entry[i];
            }
            if (progress && (++done_units % 64 == 0 || done_units == units))
                progress(pctx, (double)done_units / (double)units);
        }
    }
    for (size_t j = 0; j < nc; j++)
        if (row4col[j] >= 0) *total += cost[(size_t)row4col[j] * nc + j];
done:
    free(w.u);
    free(w.rdist);
    free(w.entry);
    free(w.sr);
    free(w.v);
    free(w.spc);
    free(w.path);
    free(w.sc);
    free(w.order);
    free(w.deg);
    return rc;
}

int beds_lsap_solve(size_t nr, size_t nc, const int64_t *cost, int *col4row, int64_t *total,
                    progress_fn progress, void *pctx, ics_err *e)
{
    if (nr > nc)
        return ics_err_set(e, ICS_EINVAL, "assignment needs rows (%zu) <= columns (%zu)", nr, nc);
    *total = 0;
    if (nr == 0) return 0;
    int *cap = malloc(nr * sizeof *cap), *r4c = malloc(nc * sizeof *r4c);
    if (!cap || !r4c) {
        free(cap);
        free(r4c);
        return ics_err_set(e, ICS_ENOMEM, "out of memory for a %zu x %zu assignment", nr, nc);
    }
    for (size_t i = 0; i < nr; i++) cap[i] = 1;
    int rc = beds_lsap_solve_cap(nr, cap, nc, cost, r4c, total, progress, pctx, e);
    if (!rc)
        for (size_t j = 0; j < nc; j++)
            if (r4c[j] >= 0) col4row[r4c[j]] = (int)j;
    free(cap);
    free(r4c);
    return rc;
}
