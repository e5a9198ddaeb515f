/* simplex.c - exact minimum-cost flow by the primal network simplex method
 * (flow.h), shared by the bed-matching and hub-allocation engines.
 *
 * The allocation engine turns each specialty's waiting list into a
 * transportation network and solves it here. Integer capacities and costs,
 * so the optimum is exact and equal, to the unit, to any other exact solver. */
#include "flow/flow.h"

#include <math.h>
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
    int *dirty;
    int64_t total;
    uint64_t pivots;
};

#define INF_CAP INT64_MAX

flow_mcf *flow_mcf_new(int nodes, size_t arcs_hint)
{
    flow_mcf *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->n = nodes;
    g->supply = calloc((size_t)nodes + 1, sizeof *g->supply);
    g->mcap = arcs_hint > 16 ? arcs_hint : 16;
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

int flow_mcf_nodes(const flow_mcf *g)
{
    return g->n;
}

size_t flow_mcf_arcs(const flow_mcf *g)
{
    return g->m;
}

int64_t flow_mcf_flow(const flow_mcf *g, size_t arc)
{
    return g->flow && arc < g->m ? g->flow[arc] : 0;
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

/* Block search: the most negative reduced cost in the first block that has one. */
static int find_entering(flow_mcf *g)
{
    size_t m = g->m, e, cnt = g->block;
    int64_t min = 0;
    const int *src = g->source, *tgt = g->target;
    const int64_t *cost = g->cost, *pi = g->pi;
    const signed char *st = g->state;
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

/* Shift the potentials of the moved subtree so the entering arc has zero reduced cost. */
static void update_potential(flow_mcf *g)
{
    int64_t sigma = g->pi[g->v_in] - g->pi[g->u_in] - g->pred_dir[g->u_in] * g->cost[g->in_arc];
    int end = g->thread[g->last_succ[g->u_in]];
    for (int u = g->u_in; u != end; u = g->thread[u]) g->pi[u] += sigma;
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
    if (prepare(g)) return ics_err_set(e, ICS_ENOMEM, "out of memory for the flow network");
    init_tree(g, art);
    g->next_arc = 0;
    g->block = (size_t)sqrt((double)g->m);
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
    *from = g->source[arc];
    *to = g->target[arc];
    *cap = g->cap[arc];
    *cost = g->cost[arc];
}

int64_t flow_mcf_supply_get(const flow_mcf *g, int node)
{
    return node >= 0 && node < g->n ? g->supply[node] : 0;
}
