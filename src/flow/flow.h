/* flow.h - exact minimum-cost flow, shared by the engines that allocate
 * (beds: referrals to bed classes; waitlist: patients to hub theatre slots).
 * One solver, several models: each engine builds its own network and
 * decodes the flow; the solver knows nothing of beds or patients.
 *
 * Plain structs in and out, no I/O, deterministic for a given network. */
#ifndef ICS_FLOW_FLOW_H
#define ICS_FLOW_FLOW_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "core/error.h"

/* An exact min-cost flow solver (primal network simplex) on integer
 * capacities and non-negative integer costs; supplies must sum to zero
 * (positive = source). */
typedef struct flow_mcf flow_mcf;

#define FLOW_CAP_INF INT64_MAX

flow_mcf *flow_mcf_new(int nodes, size_t arcs_hint);
void flow_mcf_free(flow_mcf *g);
/* Add an arc; returns its index or -1 (bad node, negative capacity, no memory). */
long flow_mcf_arc_add(flow_mcf *g, int from, int to, int64_t cap, int64_t cost);
void flow_mcf_supply_set(flow_mcf *g, int node, int64_t supply);
/* Warm start: begin from the flow in which every node with supply ships it
 * straight to node (the model's sink, "nobody placed") over its direct
 * arcs, cheapest first, instead of over artificial arcs; then, dearest
 * direct arc first (the most urgent), move each such node whole onto its
 * cheapest arc to a node that reaches the sink directly with room to spare
 * (greedy booking). Any node that cannot starts as usual. The optimum is
 * the same; it is found in fewer pivots when such arcs exist (beds:
 * unplaced and class arcs; waitlist: unassigned and slot arcs). */
void flow_mcf_root_hint(flow_mcf *g, int node);
/* Pricing (how entering arcs are searched for; never the optimum): each
 * node's core_arcs cheapest out-arcs (and its dearest, often its way out)
 * are priced first and the rest only when those offer nothing (0: price
 * every arc alike, the default); blocks of block_factor x sqrt(priced
 * arcs) arcs (default 1, LEMON's choice). The best values depend on the
 * model's shape; the engines set theirs from benchmarks. */
void flow_mcf_pricing(flow_mcf *g, int core_arcs, double block_factor);
/* A cancel flag the solver polls every 1024 pivots: once it reads non-zero
 * the solve stops with ICS_ECONFLICT ("the run was cancelled"). The caller
 * owns the flag and sets it from any thread; NULL (the default): never. */
void flow_mcf_stop_set(flow_mcf *g, const atomic_int *stop);
/* Solve. ICS_EINVAL when infeasible or unbalanced, ICS_ENOMEM. */
int flow_mcf_solve(flow_mcf *g, ics_err *e);
int flow_mcf_nodes(const flow_mcf *g);
size_t flow_mcf_arcs(const flow_mcf *g);
int64_t flow_mcf_flow(const flow_mcf *g, size_t arc);
int64_t flow_mcf_total(const flow_mcf *g); /* sum of flow x cost */
void flow_mcf_arc_get(const flow_mcf *g, size_t arc, int *from, int *to, int64_t *cap,
                      int64_t *cost);
int64_t flow_mcf_supply_get(const flow_mcf *g, int node);
uint64_t flow_mcf_pivots(const flow_mcf *g);

#endif
