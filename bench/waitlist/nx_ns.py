"""nx_ns.py - second reference for the waitlist benchmark: solve a DIMACS
min-cost-flow file with networkx.network_simplex and print the objective."""
import resource
import sys
import time

import networkx as nx


def main():
    g = nx.DiGraph()
    for line in open(sys.argv[1]):
        f = line.split()
        if not f or f[0] in ("c", "p"):
            continue
        if f[0] == "n":
            g.add_node(int(f[1]), demand=-int(f[2]))
        elif f[0] == "a":
            u, v, cap, cost = int(f[1]), int(f[2]), int(f[4]), int(f[5])
            if cap < 0:
                g.add_edge(u, v, weight=cost)
            else:
                g.add_edge(u, v, weight=cost, capacity=cap)
    t0 = time.perf_counter()
    cost, _ = nx.network_simplex(g)
    t = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"objective {cost} time {t:.3f} maxrss_kb {rss}")


main()
