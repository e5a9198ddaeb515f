/* simplex.c - exact minimum-cost flow by the primal network simplex method
 * (flow.h), shared by the bed-matching and hub-allocation engines.
 *
 * The bed bureau solves its referral-to-bed-class network here, the
 * allocation engine each specialty's transportation network. Integer
 * capacities and costs, so the optimum is exact and equal, to the unit, to
 * any other exact solver. */
#include "flow/flow.h"
#include "core/select.h"

#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/*
 * The primal network simplex keeps a spanning-tree basis of the network
 * extended with an artificial root: every node starts hanging from the root
 * by an artificial arc that carries its supply at a prohibitive cost
 * ("big M"), so the starting basis is feasible. Each pivot brings in a
 * non-tree arc with negative reduced cost, pushes flow round the cycle it
 * closes in the tree, and drops the arc that reaches its bound first.
 *
 * The tree is stored as in LEMON (Dezső, Jüttner and Kovács, "LEMON - an
 * open source C++ graph template library", ENTCS 264 (2011), and Kovács,
 * "Minimum-cost flow algorithms: an experimental evaluation", Optimization
 * Methods and Software 30 (2015)): parent, predecessor arc and its
 * direction, a preorder "thread" list with its reverse, subtree sizes and
 * the last node of each subtree, so that finding the cycle, updating flows
 * and re-hanging the moved subtree cost time proportional to the cycle and
 * the moved subtree. Entering arcs are chosen by block search (Grigoriadis
 * 1986; Kelly and O'Neill 1991): scan blocks of about sqrt(m) arcs and take
 * the most negative arc of the first block that has one. Leaving arcs are
 * chosen by the strongly-feasible rule (last blocking arc on the second
 * half of the cycle), which keeps the method from cycling under degeneracy.
 *
 * What this solver adds to LEMON's design, each measured on the engines'
 * networks (bench/): a warm start from the model's sink with a greedy
 * first guess (hang_on_hint, greedy), pricing that can look at each
 * node's cheapest arcs first (order_arcs, outer_entering) with a block
 * size the model chooses, and potentials shifted on the smaller side of
 * the tree (update_potential). None of them changes the optimum.
 *
 * Invariants: tree arcs have zero reduced cost (cost + pi[source] -
 * pi[target] = 0); non-tree arcs sit at a bound, state LOWER (+1) or UPPER
 * (-1); flows on every arc stay within [0, cap].
 */

enum { ST_UPPER = -1, ST_TREE = 0, ST_LOWER = 1 };
enum { DIR_DOWN = -1, DIR_UP = 1 };

struct flow_mcf {
    int n;       /* real nodes; the root is node n */
    size_t m;    /* real arcs */
    size_t mcap; /* allocated real arcs */
    int64_t *supply;
    int *source, *target;
    int64_t *cap, *cost, *flow;
    signed char *state;
    /* tree, per node (n + 1) */
    int *parent, *pred, *thread, *rev_thread, *succ_num, *last_succ;
    signed char *pred_dir;
    int64_t *pi;
    /* pivot state */
    int in_arc, join, u_in, v_in, u_out, v_out;
    int64_t delta;
    size_t next_arc, block;
    size_t mc;           /* core arcs: internal positions [0, mc) */
    int hint;            /* node to hang the others from at the start, or -1 */
    int core_arcs;       /* cheapest out-arcs per node priced first; 0: all arcs */
    double block_factor; /* block size = block_factor x sqrt(priced arcs) */
    int *int_of;         /* external arc index -> internal position; NULL: same */
    int by_source;       /* external arc order is grouped by source, ascending */
    int *ext_of;         /* internal position -> external arc index */
    int *dirty;
    int64_t total;
    uint64_t pivots;
    const atomic_int *stop; /* the caller's cancel flag, polled every 1024 pivots (NULL: none) */
};

#define INF_CAP INT64_MAX

flow_mcf *flow_mcf_new(int nodes, size_t arcs_hint)
{
    flow_mcf *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->n = nodes;
    g->hint = -1;
    g->core_arcs = 0;
    g->block_factor = 1.0;
    g->supply = calloc((size_t)nodes + 1, sizeof *g->supply);
    /* room for the artificial arcs too, so solving need not move the arrays */
    g->mcap = (arcs_hint > 16 ? arcs_hint : 16) + (size_t)(nodes > 0 ? nodes : 0);
    g->source = malloc(g->mcap * sizeof *g->source);
    g->target = malloc(g->mcap * sizeof *g->target);
    g->cap = malloc(g->mcap * sizeof *g->cap);
    g->cost = malloc(g->mcap * sizeof *g->cost);
    if (!g->supply || !g->source || !g->target || !g->cap || !g->cost) {
        flow_mcf_free(g);
        return NULL;
    }
    return g;
}

void flow_mcf_free(flow_mcf *g)
{
    if (!g) return;
    free(g->supply);
    free(g->source);
    free(g->target);
    free(g->cap);
    free(g->cost);
    free(g->flow);
    free(g->state);
    free(g->parent);
    free(g->pred);
    free(g->thread);
    free(g->rev_thread);
    free(g->succ_num);
    free(g->last_succ);
    free(g->pred_dir);
    free(g->pi);
    free(g->dirty);
    free(g->int_of);
    free(g->ext_of);
    free(g);
}

static int grow(void **p, size_t n, size_t size)
{
    void *q = realloc(*p, n * size);
    if (!q) return -1;
    *p = q;
    return 0;
}

long flow_mcf_arc_add(flow_mcf *g, int from, int to, int64_t cap, int64_t cost)
{
    assert(!g->int_of); /* no arcs after solving */
    if (from < 0 || from >= g->n || to < 0 || to >= g->n || cap < 0) return -1;
    if (g->m == g->mcap) {
        size_t nc = g->mcap * 2;
        if (grow((void **)&g->source, nc, sizeof *g->source) ||
            grow((void **)&g->target, nc, sizeof *g->target) ||
            grow((void **)&g->cap, nc, sizeof *g->cap) ||
            grow((void **)&g->cost, nc, sizeof *g->cost))
            return -1;
        g->mcap = nc;
    }
    g->source[g->m] = from;
    g->target[g->m] = to;
    g->cap[g->m] = cap;
    g->cost[g->m] = cost;
    return (long)g->m++;
}

void flow_mcf_supply_set(flow_mcf *g, int node, int64_t supply)
{
    if (node >= 0 && node < g->n) g->supply[node] = supply;
}

void flow_mcf_root_hint(flow_mcf *g, int node)
{
    g->hint = node;
}

void flow_mcf_pricing(flow_mcf *g, int core_arcs, double block_factor)
{
    assert(core_arcs >= 0 && block_factor > 0);
    g->core_arcs = core_arcs;
    g->block_factor = block_factor;
}

int flow_mcf_nodes(const flow_mcf *g)
{
    return g->n;
}

size_t flow_mcf_arcs(const flow_mcf *g)
{
    return g->m;
}

static size_t pos(const flow_mcf *g, size_t arc)
{
    return g->int_of ? (size_t)g->int_of[arc] : arc;
}

int64_t flow_mcf_flow(const flow_mcf *g, size_t arc)
{
    return g->flow && arc < g->m ? g->flow[pos(g, arc)] : 0;
}

int64_t flow_mcf_total(const flow_mcf *g)
{
    return g->total;
}

uint64_t flow_mcf_pivots(const flow_mcf *g)
{
    return g->pivots;
}

/* Allocate the arc arrays for real + artificial arcs and the tree. */
static int prepare(flow_mcf *g)
{
    size_t all = g->m + (size_t)g->n;
    size_t nn = (size_t)g->n + 1;
    if (grow((void **)&g->source, all, sizeof *g->source) ||
        grow((void **)&g->target, all, sizeof *g->target) ||
        grow((void **)&g->cap, all, sizeof *g->cap) ||
        grow((void **)&g->cost, all, sizeof *g->cost))
        return -1;
    g->mcap = all;
    free(g->flow);
    free(g->state);
    g->flow = calloc(all, sizeof *g->flow);
    g->state = malloc(all);
    g->parent = malloc(nn * sizeof(int));
    g->pred = malloc(nn * sizeof(int));
    g->thread = malloc(nn * sizeof(int));
    g->rev_thread = malloc(nn * sizeof(int));
    g->succ_num = malloc(nn * sizeof(int));
    g->last_succ = malloc(nn * sizeof(int));
    g->dirty = malloc(nn * sizeof(int));
    g->pred_dir = malloc(nn);
    g->pi = malloc(nn * sizeof(int64_t));
    if (!g->flow || !g->state || !g->parent || !g->pred || !g->thread || !g->rev_thread ||
        !g->succ_num || !g->last_succ || !g->dirty || !g->pred_dir || !g->pi)
        return -1;
    return 0;
}

/* Order the arcs for pricing: the core (each node's core_arcs cheapest
 * out-arcs, all of them for nodes with fewer) first, spread out so that
 * consecutive arcs leave different nodes (as LEMON's arc mixing does: a
 * block then samples the whole network), then the rest by source. The
 * arrays are permuted in place of the caller's order; int_of and ext_of
 * translate. */
static int order_arcs(flow_mcf *g)
{
    size_t core = g->core_arcs > 0 ? (size_t)g->core_arcs : SIZE_MAX;
    size_t m = g->m, n = (size_t)g->n;
    size_t *start = calloc(n + 2, sizeof *start), maxd = 0;
    int sorted = 1; /* arcs already grouped by source (the models add them so) */
    for (size_t e = 1; e < m && sorted; e++) sorted = g->source[e - 1] <= g->source[e];
    int *bysrc = sorted ? NULL : malloc((m + 1) * sizeof *bysrc);
    g->int_of = malloc((m + 1) * sizeof *g->int_of);
    g->ext_of = malloc((m + 1) * sizeof *g->ext_of);
    if (!start || (!sorted && !bysrc) || !g->int_of || !g->ext_of) goto fail;
    for (size_t e = 0; e < m; e++) start[g->source[e] + 1]++;
    for (size_t u = 0; u < n; u++) {
        if (start[u + 1] > maxd) maxd = start[u + 1];
        start[u + 1] += start[u];
    }
    if (!sorted) {
        for (size_t e = 0; e < m; e++) bysrc[start[g->source[e]]++] = (int)e;
        for (size_t u = n; u > 0; u--) start[u] = start[u - 1];
        start[0] = 0;
    }
#define ARC(k) (sorted ? (int)(k) : bysrc[(k)])
    /* mark the core in int_of (1 core, 0 not) */
    size_t mc = 0;
    int64_t *tmp = malloc((maxd + 1) * sizeof *tmp);
    if (!tmp) goto fail;
    for (size_t u = 0; u < n; u++) {
        size_t d = start[u + 1] - start[u], s0 = start[u];
        if (d <= core || core == SIZE_MAX) {
            for (size_t k = 0; k < d; k++) g->int_of[ARC(s0 + k)] = 1;
            mc += d;
            continue;
        }
        for (size_t k = 0; k < d; k++) tmp[k] = g->cost[ARC(s0 + k)];
        int64_t t = select_kth_i64(tmp, d, core - 1);
        size_t taken = 0, dear = 0;
        for (size_t k = 0; k < d; k++) {
            int e = ARC(s0 + k), in = g->cost[e] < t;
            g->int_of[e] = in;
            taken += (size_t)in;
            if (g->cost[e] > g->cost[ARC(s0 + dear)]) dear = k;
        }
        for (size_t k = 0; k < d && taken < core; k++)
            if (!g->int_of[ARC(s0 + k)] && g->cost[ARC(s0 + k)] == t) {
                g->int_of[ARC(s0 + k)] = 1;
                taken++;
            }
        /* and the dearest: often the node's way out when all else is full
         * (an "unplaced" arc), which keeps the core feasible */
        if (!g->int_of[ARC(s0 + dear)]) {
            g->int_of[ARC(s0 + dear)] = 1;
            taken++;
        }
        mc += taken;
    }
    free(tmp);
    /* positions: core arcs by source, spread with a stride; then the rest */
    size_t skip = n ? mc / n : 0, j = 0, i = 0, rest = mc;
    if (skip < 3) skip = 3;
    for (size_t k = 0; k < m; k++) {
        int e = ARC(k);
        if (g->int_of[e]) {
            g->ext_of[i] = e;
            if ((i += skip) >= mc) i = ++j;
        } else {
            g->ext_of[rest++] = e;
        }
    }
#undef ARC
    for (size_t p = 0; p < m; p++) g->int_of[g->ext_of[p]] = (int)p;
    /* gather the arc arrays into the new order (room kept for the
     * artificial arcs after them) through one scratch buffer: each array's
     * old block becomes the next one's target, so only one fresh block is
     * touched (on a virtual machine, first-touch page faults cost as much
     * as the gathering itself: bench/beds, pooled at 5x, 0.23 s -> 0.09 s) */
    {
        void *scratch = malloc(g->mcap * sizeof(int64_t));
        if (!scratch) goto fail;
#define GATHER(T, arr)                                                                             \
    do {                                                                                           \
        T *nw = scratch;                                                                           \
        for (size_t p = 0; p < m; p++) nw[p] = g->arr[g->ext_of[p]];                               \
        scratch = g->arr;                                                                          \
        g->arr = nw;                                                                               \
    } while (0)
        GATHER(int64_t, cost);
        GATHER(int64_t, cap);
        /* scratch now holds an int64 block: large enough for the ints */
        GATHER(int, source);
        GATHER(int, target);
#undef GATHER
        free(scratch);
    }
    g->by_source = sorted;
    g->mc = mc;
    free(start);
    free(bysrc);
    return 0;
fail:
    free(start);
    free(bysrc);
    free(g->int_of);
    free(g->ext_of);
    g->int_of = g->ext_of = NULL;
    return -1;
}

/* The starting basis: every node hangs from the root by an artificial arc. */
static void init_tree(flow_mcf *g, int64_t art_cost)
{
    int n = g->n, root = n;
    for (size_t e = 0; e < g->m; e++) g->state[e] = ST_LOWER;
    g->parent[root] = -1;
    g->pred[root] = -1;
    g->thread[root] = 0;
    g->rev_thread[0] = root;
    g->succ_num[root] = n + 1;
    g->last_succ[root] = root - 1;
    g->pi[root] = 0;
    for (int u = 0; u < n; u++) {
        size_t e = g->m + (size_t)u;
        g->parent[u] = root;
        g->pred[u] = (int)e;
        g->thread[u] = u + 1;
        g->rev_thread[u + 1] = u;
        g->succ_num[u] = 1;
        g->last_succ[u] = u;
        g->cap[e] = INF_CAP;
        g->state[e] = ST_TREE;
        if (g->supply[u] >= 0) {
            g->pred_dir[u] = DIR_UP;
            g->pi[u] = 0;
            g->source[e] = u;
            g->target[e] = root;
            g->flow[e] = g->supply[u];
            g->cost[e] = 0;
        } else {
            g->pred_dir[u] = DIR_DOWN;
            g->pi[u] = art_cost;
            g->source[e] = root;
            g->target[e] = u;
            g->flow[e] = -g->supply[u];
            g->cost[e] = art_cost;
        }
    }
    if (n == 0) g->thread[root] = root;
}

static int by_key_desc(const void *x, const void *y, void *ctx)
{
    const int64_t *key = ctx;
    int a = *(const int *)x, b = *(const int *)y;
    if (key[a] != key[b]) return key[a] > key[b] ? -1 : 1;
    return (a > b) - (a < b);
}

/* The warm start's greedy first guess. Every node u hanging on r by its
 * direct arcs (start, list: u's arcs to r) is, dearest way out first (the
 * costliest of those arcs: the most urgent patient), moved whole onto its
 * cheapest arc u -> v where v hangs on r by an arc with room for u's
 * supply: "book the most urgent first into the cheapest place left". A
 * node that has taken others is not moved, so the tree keeps depth three. */
static int greedy(flow_mcf *g, const size_t *start, const int *list)
{
    int n = g->n, r = g->hint;
    size_t m = g->m;
    int64_t *key = malloc(((size_t)n + 1) * sizeof *key);
    int *cand = malloc(((size_t)n + 1) * sizeof *cand);
    size_t *ostart = calloc((size_t)n + 2, sizeof *ostart);
    /* each node's out-arcs: when the model added them grouped by source,
     * node u's are external arcs ostart[u].. in order, i.e. int_of of
     * those; otherwise listed afresh */
    int *oarc = g->by_source ? NULL : malloc((m + 1) * sizeof *oarc);
    unsigned char *host = calloc((size_t)n + 1, 1);
    int rc = -1, nc = 0;
    if (!key || !cand || !ostart || (!g->by_source && !oarc) || !host) goto out;
    for (int u = 0; u < n; u++) {
        if (u == r || g->parent[u] != r || g->supply[u] <= 0 || start[u] == start[u + 1]) continue;
        int64_t k = INT64_MIN;
        for (size_t j = start[u]; j < start[u + 1]; j++)
            if (g->cost[list[j]] > k) k = g->cost[list[j]];
        key[u] = k;
        cand[nc++] = u;
    }
    qsort_r(cand, (size_t)nc, sizeof *cand, by_key_desc, key);
    for (size_t e = 0; e < m; e++) ostart[g->source[e] + 1]++;
    for (int u = 0; u < n; u++) ostart[u + 1] += ostart[u];
    if (!g->by_source) {
        for (size_t e = 0; e < m; e++) oarc[ostart[g->source[e]]++] = (int)e;
        for (int u = n; u > 0; u--) ostart[u] = ostart[u - 1];
        ostart[0] = 0;
    }
    const int *out_arcs = g->by_source ? g->int_of : oarc;
    for (int i = 0; i < nc; i++) {
        int u = cand[i], best = -1;
        int64_t su = g->supply[u], bc = INT64_MAX;
        if (host[u]) continue;
        for (size_t j = ostart[u]; j < ostart[u + 1]; j++) {
            int a = out_arcs[j], v = g->target[a];
            if (v == r || v == u || g->parent[v] != r || g->cost[a] >= bc || g->cap[a] < su)
                continue;
            int tv = g->pred[v];
            if (g->source[tv] != v || (g->cap[tv] != FLOW_CAP_INF && g->cap[tv] - g->flow[tv] < su))
                continue;
            bc = g->cost[a];
            best = a;
        }
        if (best < 0) continue;
        int v = g->target[best], tv = g->pred[v];
        for (size_t j = start[u]; j < start[u + 1]; j++) {
            g->flow[list[j]] = 0;
            g->state[list[j]] = ST_LOWER;
        }
        g->flow[best] = su;
        g->state[best] = ST_TREE;
        g->flow[tv] += su;
        g->parent[u] = v;
        g->pred[u] = best;
        g->pred_dir[u] = DIR_UP;
        host[v] = 1;
    }
    rc = 0;
out:
    free(key);
    free(cand);
    free(ostart);
    free(oarc);
    free(host);
    return rc;
}

/* The warm start (flow_mcf_root_hint): hang every node u with supply >= 0
 * from the hinted node r by its direct arcs u -> r, filled cheapest first,
 * the last one used (with room to spare when there is one) as its tree
 * arc and the full ones before it at their upper bound; r hangs from the
 * artificial root carrying the balance. In the models this is "nobody
 * placed yet": a real feasible flow, so no big-M pivots are needed to get
 * rid of artificial flow, and the potentials start at the real costs.
 * Nodes without such arcs keep their artificial arcs. The tree has depth at most
 * two, so thread order, sizes and last successors are rebuilt directly. */
static int hang_on_hint(flow_mcf *g, int64_t art_cost)
{
    int n = g->n, root = n, r = g->hint;
    size_t m = g->m;
    size_t *start = calloc((size_t)n + 2, sizeof *start);
    int *list = malloc((m + 1) * sizeof *list);
    if (!start || !list) {
        free(start);
        free(list);
        return -1;
    }
    for (size_t e = 0; e < m; e++)
        if (g->target[e] == r && g->source[e] != r) start[g->source[e] + 1]++;
    for (int u = 0; u < n; u++) start[u + 1] += start[u];
    for (size_t e = 0; e < m; e++)
        if (g->target[e] == r && g->source[e] != r) list[start[g->source[e]]++] = (int)e;
    for (int u = n; u > 0; u--) start[u] = start[u - 1];
    start[0] = 0;
    int64_t net = g->supply[r];
    for (int u = 0; u < n; u++) {
        if (u == r || g->supply[u] < 0 || start[u] == start[u + 1]) continue;
        int *a = list + start[u];
        size_t d = start[u + 1] - start[u];
        for (size_t i = 1; i < d; i++) /* by cost: lists are short */
            for (size_t j = i; j > 0 && g->cost[a[j]] < g->cost[a[j - 1]]; j--) {
                int t = a[j];
                a[j] = a[j - 1];
                a[j - 1] = t;
            }
        int64_t left = g->supply[u];
        size_t k = 0;
        while (k < d && g->cap[a[k]] != FLOW_CAP_INF && g->cap[a[k]] < left) left -= g->cap[a[k++]];
        if (k == d) continue; /* cannot ship it all: keep the artificial arc */
        for (size_t j = 0; j < k; j++) {
            g->flow[a[j]] = g->cap[a[j]];
            g->state[a[j]] = ST_UPPER;
        }
        int e = a[k];
        g->flow[e] = left;
        g->state[e] = ST_TREE;
        g->flow[g->pred[u]] = 0;
        g->state[g->pred[u]] = ST_LOWER;
        g->parent[u] = r;
        g->pred[u] = e;
        g->pred_dir[u] = DIR_UP;
        net += g->supply[u];
    }
    if (greedy(g, start, list)) {
        free(start);
        free(list);
        return -1;
    }
    /* r's artificial arc carries the balance of its subtree */
    size_t ar = m + (size_t)r;
    if (net >= 0) {
        g->pred_dir[r] = DIR_UP;
        g->pi[r] = 0;
        g->source[ar] = r;
        g->target[ar] = root;
        g->flow[ar] = net;
        g->cost[ar] = 0;
    } else {
        g->pred_dir[r] = DIR_DOWN;
        g->pi[r] = art_cost;
        g->source[ar] = root;
        g->target[ar] = r;
        g->flow[ar] = -net;
        g->cost[ar] = art_cost;
    }
    /* thread (preorder): root, r, each child of r followed by its own
     * children, then the other children of root; depth is at most three */
    int *first = calloc((size_t)n + 2, sizeof *first), *kid = malloc(((size_t)n + 1) * sizeof *kid);
    if (!first || !kid) {
        free(first);
        free(kid);
        free(start);
        free(list);
        return -1;
    }
    for (int u = 0; u < n; u++)
        if (u != r && g->parent[u] != root) first[g->parent[u] + 1]++;
    for (int u = 0; u < n; u++) first[u + 1] += first[u];
    for (int u = 0; u < n; u++)
        if (u != r && g->parent[u] != root) kid[first[g->parent[u]]++] = u;
    for (int u = n; u > 0; u--) first[u] = first[u - 1];
    first[0] = 0;
    int prev = r;
    g->thread[root] = r;
    g->rev_thread[r] = root;
    g->succ_num[r] = 1;
    for (int i = first[r]; i < first[r + 1]; i++) {
        int v = kid[i];
        g->pi[v] = g->pi[r] - g->cost[g->pred[v]];
        g->thread[prev] = v;
        g->rev_thread[v] = prev;
        prev = v;
        g->succ_num[v] = 1 + (first[v + 1] - first[v]);
        g->succ_num[r] += g->succ_num[v];
        for (int j = first[v]; j < first[v + 1]; j++) {
            int w = kid[j];
            g->pi[w] = g->pi[v] - g->cost[g->pred[w]];
            g->thread[prev] = w;
            g->rev_thread[w] = prev;
            prev = w;
            g->succ_num[w] = 1;
            g->last_succ[w] = w;
        }
        g->last_succ[v] = prev;
    }
    g->last_succ[r] = prev;
    for (int u = 0; u < n; u++)
        if (u != r && g->parent[u] == root) {
            g->thread[prev] = u;
            g->rev_thread[u] = prev;
            prev = u;
        }
    g->thread[prev] = root;
    g->rev_thread[root] = prev;
    g->last_succ[root] = prev;
    free(first);
    free(kid);
    free(start);
    free(list);
    return 0;
}

/* Block search over the core: the most negative reduced cost in the first
 * block that has one. */
static int core_entering(flow_mcf *g)
{
    size_t m = g->mc, e, cnt = g->block;
    int64_t min = 0;
    const int *src = g->source, *tgt = g->target;
    const int64_t *cost = g->cost, *pi = g->pi;
    const signed char *st = g->state;
    if (g->next_arc >= m) g->next_arc = 0;
    for (e = g->next_arc; e < m; e++) {
        int64_t c = st[e] * (cost[e] + pi[src[e]] - pi[tgt[e]]);
        if (c < min) {
            min = c;
            g->in_arc = (int)e;
        }
        if (--cnt == 0) {
            if (min < 0) goto found;
            cnt = g->block;
        }
    }
    for (e = 0; e < g->next_arc; e++) {
        int64_t c = st[e] * (cost[e] + pi[src[e]] - pi[tgt[e]]);
        if (c < min) {
            min = c;
            g->in_arc = (int)e;
        }
        if (--cnt == 0) {
            if (min < 0) goto found;
            cnt = g->block;
        }
    }
    if (min >= 0) return 0;
found:
    g->next_arc = e;
    return 1;
}

/* The node whose tree arc sits at position a, or -1 when a is not a tree arc. */
static int tree_node(const flow_mcf *g, size_t a)
{
    if (g->state[a] != ST_TREE) return -1;
    return g->pred[g->source[a]] == (int)a ? g->source[a] : g->target[a];
}

static void arc_swap(flow_mcf *g, size_t a, size_t b)
{
    /* an arc outside the core can be in the tree (the warm start puts it
     * there): its node's pred must follow it */
    int na = tree_node(g, a), nb = tree_node(g, b);
    if (na >= 0) g->pred[na] = (int)b;
    if (nb >= 0) g->pred[nb] = (int)a;
#define SWAP(T, arr)                                                                               \
    do {                                                                                           \
        T t_ = g->arr[a];                                                                          \
        g->arr[a] = g->arr[b];                                                                     \
        g->arr[b] = t_;                                                                            \
    } while (0)
    SWAP(int, source);
    SWAP(int, target);
    SWAP(int64_t, cap);
    SWAP(int64_t, cost);
    SWAP(int64_t, flow);
    SWAP(signed char, state);
    SWAP(int, ext_of);
#undef SWAP
    g->int_of[g->ext_of[a]] = (int)a;
    g->int_of[g->ext_of[b]] = (int)b;
}

/* The core is exhausted: price every arc outside it once, move each one
 * with a negative reduced cost into the core, and enter the best of them.
 * None at all means the whole network is optimal. */
static int outer_entering(flow_mcf *g)
{
    int64_t min = 0;
    const int64_t *pi = g->pi;
    for (size_t e = g->mc; e < g->m; e++) {
        int64_t c = g->state[e] * (g->cost[e] + pi[g->source[e]] - pi[g->target[e]]);
        if (c >= 0) continue;
        assert(g->state[e] != ST_TREE); /* tree arcs have reduced cost 0 */
        arc_swap(g, e, g->mc);
        if (c < min) {
            min = c;
            g->in_arc = (int)g->mc;
        }
        g->mc++;
    }
    g->block = (size_t)(g->block_factor * sqrt((double)g->mc));
    if (g->block < 10) g->block = 10;
    return min < 0;
}

static int find_entering(flow_mcf *g)
{
    return core_entering(g) || (g->mc < g->m && outer_entering(g));
}

static void find_join(flow_mcf *g)
{
    int u = g->source[g->in_arc], v = g->target[g->in_arc];
    while (u != v) {
        if (g->succ_num[u] < g->succ_num[v])
            u = g->parent[u];
        else
            v = g->parent[v];
    }
    g->join = u;
}

/* Returns 1 when a tree arc leaves, 0 when the entering arc only flips bounds. */
static int find_leaving(flow_mcf *g)
{
    int first, second, result = 0;
    if (g->state[g->in_arc] == ST_LOWER) {
        first = g->source[g->in_arc];
        second = g->target[g->in_arc];
    } else {
        first = g->target[g->in_arc];
        second = g->source[g->in_arc];
    }
    g->delta = g->cap[g->in_arc];
    for (int u = first; u != g->join; u = g->parent[u]) {
        int e = g->pred[u];
        int64_t d = g->flow[e];
        if (g->pred_dir[u] == DIR_DOWN) d = g->cap[e] == INF_CAP ? INF_CAP : g->cap[e] - d;
        if (d < g->delta) {
            g->delta = d;
            g->u_out = u;
            result = 1;
        }
    }
    for (int u = second; u != g->join; u = g->parent[u]) {
        int e = g->pred[u];
        int64_t d = g->flow[e];
        if (g->pred_dir[u] == DIR_UP) d = g->cap[e] == INF_CAP ? INF_CAP : g->cap[e] - d;
        if (d <= g->delta) {
            g->delta = d;
            g->u_out = u;
            result = 2;
        }
    }
    if (result == 1) {
        g->u_in = first;
        g->v_in = second;
    } else {
        g->u_in = second;
        g->v_in = first;
    }
    return result != 0;
}

static void change_flow(flow_mcf *g, int change)
{
    if (g->delta > 0) {
        int64_t val = g->state[g->in_arc] * g->delta;
        g->flow[g->in_arc] += val;
        for (int u = g->source[g->in_arc]; u != g->join; u = g->parent[u])
            g->flow[g->pred[u]] -= g->pred_dir[u] * val;
        for (int u = g->target[g->in_arc]; u != g->join; u = g->parent[u])
            g->flow[g->pred[u]] += g->pred_dir[u] * val;
    }
    if (change) {
        g->state[g->in_arc] = ST_TREE;
        int po = g->pred[g->u_out];
        g->state[po] = g->flow[po] == 0 ? ST_LOWER : ST_UPPER;
    } else {
        g->state[g->in_arc] = (signed char)-g->state[g->in_arc];
    }
}

/* Re-hang the subtree cut off by the leaving arc below u_in, reversing the
 * stem from u_in up to u_out, and repair thread, sizes and last successors. */
static void update_tree(flow_mcf *g)
{
    int *parent = g->parent, *thread = g->thread, *rev = g->rev_thread;
    int *succ = g->succ_num, *last_succ = g->last_succ;
    int u_in = g->u_in, v_in = g->v_in, u_out = g->u_out, join = g->join;
    int old_rev_thread = rev[u_out];
    int old_succ_num = succ[u_out];
    int old_last_succ = last_succ[u_out];
    int v_out = parent[u_out];
    g->v_out = v_out;

    if (u_in == u_out) {
        parent[u_in] = v_in;
        g->pred[u_in] = g->in_arc;
        g->pred_dir[u_in] = u_in == g->source[g->in_arc] ? DIR_UP : DIR_DOWN;
        if (thread[v_in] != u_out) {
            int after = thread[old_last_succ];
            thread[old_rev_thread] = after;
            rev[after] = old_rev_thread;
            after = thread[v_in];
            thread[v_in] = u_out;
            rev[u_out] = v_in;
            thread[old_last_succ] = after;
            rev[after] = old_last_succ;
        }
    } else {
        int thread_continue = old_rev_thread == v_in ? thread[old_last_succ] : thread[v_in];
        int stem = u_in, par_stem = v_in, next_stem;
        int last = last_succ[u_in];
        int before, after = thread[last];
        int ndirty = 0;
        thread[v_in] = u_in;
        g->dirty[ndirty++] = v_in;
        while (stem != u_out) {
            next_stem = parent[stem];
            thread[last] = next_stem;
            g->dirty[ndirty++] = last;
            before = rev[stem];
            thread[before] = after;
            rev[after] = before;
            parent[stem] = par_stem;
            par_stem = stem;
            stem = next_stem;
            last = last_succ[stem] == last_succ[par_stem] ? rev[par_stem] : last_succ[stem];
            after = thread[last];
        }
        parent[u_out] = par_stem;
        thread[last] = thread_continue;
        rev[thread_continue] = last;
        last_succ[u_out] = last;
        if (old_rev_thread != v_in) {
            thread[old_rev_thread] = after;
            rev[after] = old_rev_thread;
        }
        for (int i = 0; i < ndirty; i++) {
            int u = g->dirty[i];
            rev[thread[u]] = u;
        }
        int tmp_sc = 0, tmp_ls = last_succ[u_out];
        for (int u = u_out, p = parent[u]; u != u_in; u = p, p = parent[u]) {
            g->pred[u] = g->pred[p];
            g->pred_dir[u] = (signed char)-g->pred_dir[p];
            tmp_sc += succ[u] - succ[p];
            succ[u] = tmp_sc;
            last_succ[p] = tmp_ls;
        }
        g->pred[u_in] = g->in_arc;
        g->pred_dir[u_in] = u_in == g->source[g->in_arc] ? DIR_UP : DIR_DOWN;
        succ[u_in] = old_succ_num;
    }

    int up_limit_out = last_succ[join] == v_in ? join : -1;
    int last_succ_out = last_succ[u_out];
    for (int u = v_in; u != -1 && last_succ[u] == v_in; u = parent[u]) last_succ[u] = last_succ_out;
    if (join != old_rev_thread && v_in != old_rev_thread) {
        for (int u = v_out; u != up_limit_out && last_succ[u] == old_last_succ; u = parent[u])
            last_succ[u] = old_rev_thread;
    } else if (last_succ_out != old_last_succ) {
        for (int u = v_out; u != up_limit_out && last_succ[u] == old_last_succ; u = parent[u])
            last_succ[u] = last_succ_out;
    }
    for (int u = v_in; u != join; u = parent[u]) succ[u] += old_succ_num;
    for (int u = v_out; u != join; u = parent[u]) succ[u] -= old_succ_num;
}

/* Shift the potentials of the moved subtree so the entering arc has zero
 * reduced cost. Only differences of potentials matter (a reduced cost is
 * cost + pi[u] - pi[v]), so when the subtree holds more than half the
 * nodes the rest of the tree is shifted the other way instead: the same
 * reduced costs for fewer updates. (With the warm start, most pivots pass
 * through the sink, whose subtree is nearly everything.) The root then
 * drifts from 0; it is brought back before the values could overflow. */
static void update_potential(flow_mcf *g)
{
    int64_t sigma = g->pi[g->v_in] - g->pi[g->u_in] - g->pred_dir[g->u_in] * g->cost[g->in_arc];
    int u_in = g->u_in, end = g->thread[g->last_succ[u_in]];
    int64_t *pi = g->pi;
    const int *thread = g->thread;
    if (2 * (int64_t)g->succ_num[u_in] <= (int64_t)g->n + 1) {
        for (int u = u_in; u != end; u = thread[u]) pi[u] += sigma;
        return;
    }
    for (int u = end; u != u_in; u = thread[u]) pi[u] -= sigma;
    int64_t off = pi[g->n];
    if (off > INT64_MAX / 8 || off < -(INT64_MAX / 8))
        for (int u = 0; u <= g->n; u++) pi[u] -= off;
}

int flow_mcf_solve(flow_mcf *g, ics_err *e)
{
    int64_t sum = 0, maxc = 0;
    for (int u = 0; u < g->n; u++) sum += g->supply[u];
    if (sum != 0)
        return ics_err_set(e, ICS_EINVAL, "supplies do not balance (sum %lld)", (long long)sum);
    for (size_t a = 0; a < g->m; a++) {
        if (g->cost[a] < 0) return ics_err_set(e, ICS_EINVAL, "arc %zu has a negative cost", a);
        if (g->cost[a] > maxc) maxc = g->cost[a];
    }
    /* Big M: dearer than any path of real arcs, with room to spare in 64 bits. */
    if (maxc > INT64_MAX / 4 / ((int64_t)g->n + 2))
        return ics_err_set(e, ICS_EINVAL, "costs too large for exact 64-bit arithmetic");
    int64_t art = (maxc + 1) * ((int64_t)g->n + 1);
    if (prepare(g) || (!g->int_of && order_arcs(g)))
        return ics_err_set(e, ICS_ENOMEM, "out of memory for the flow network");
    /* The warm start's tree need not be strongly feasible (a node's last
     * direct arc may be full), so the anti-cycling argument does not cover
     * it: after a long run of degenerate pivots, start again cold. */
    int warm = g->hint >= 0 && g->hint < g->n;
    uint64_t degenerate = 0, limit = 4 * ((uint64_t)g->m + (uint64_t)g->n) + 1000;
restart:
    init_tree(g, art);
    if (warm && hang_on_hint(g, art))
        return ics_err_set(e, ICS_ENOMEM, "out of memory for the flow network");
    g->next_arc = 0;
    g->block = (size_t)(g->block_factor * sqrt((double)g->mc));
    if (g->block < 10) g->block = 10;
    g->pivots = 0;
    if (g->m > 0) {
        while (find_entering(g)) {
            find_join(g);
            int change = find_leaving(g);
            if (g->delta == INF_CAP) return ics_err_set(e, ICS_EINTERNAL, "unbounded flow network");
            change_flow(g, change);
            if (change) {
                update_tree(g);
                update_potential(g);
            }
            g->pivots++;
            if (g->stop && (g->pivots & 1023) == 0 &&
                atomic_load_explicit(g->stop, memory_order_relaxed))
                return ics_err_set(e, ICS_ECONFLICT, "the run was cancelled");
            degenerate = g->delta ? 0 : degenerate + 1;
            if (warm && degenerate > limit) {
                warm = 0;
                memset(g->flow, 0, g->m * sizeof *g->flow);
                goto restart;
            }
        }
    }
    for (int u = 0; u < g->n; u++)
        if (g->flow[g->m + (size_t)u] != 0)
            return ics_err_set(e, ICS_EINVAL, "no feasible flow: node %d cannot ship its supply",
                               u);
    int64_t total = 0;
    for (size_t a = 0; a < g->m; a++) total += g->flow[a] * g->cost[a];
    g->total = total;
    return 0;
}

void flow_mcf_arc_get(const flow_mcf *g, size_t arc, int *from, int *to, int64_t *cap,
                      int64_t *cost)
{
    assert(arc < g->m);
    arc = pos(g, arc);
    *from = g->source[arc];
    *to = g->target[arc];
    *cap = g->cap[arc];
    *cost = g->cost[arc];
}

int64_t flow_mcf_supply_get(const flow_mcf *g, int node)
{
    return node >= 0 && node < g->n ? g->supply[node] : 0;
}

void flow_mcf_stop_set(flow_mcf *g, const atomic_int *stop)
{
    g->stop = stop;
}
