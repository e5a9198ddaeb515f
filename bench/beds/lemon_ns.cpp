// lemon_ns.cpp - the reference side of the beds benchmark: reads a DIMACS
// minimum-cost-flow instance and solves it with LEMON's NetworkSimplex
// (Debian liblemon-dev), printing the optimal cost and the solve time
// (reading the file is not timed; building the solver and running it is,
// in process CPU time like the icsflow side, so a busy machine is fair to both).
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

using namespace lemon;

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: lemon_ns FILE.min [reps]\n");
        return 2;
    }
    int reps = argc > 2 ? std::atoi(argv[2]) : 3;
    std::ifstream in(argv[1]);
    SmartDigraph g;
    SmartDigraph::ArcMap<long long> lower(g), cap(g), cost(g);
    SmartDigraph::NodeMap<long long> supply(g);
    readDimacsMin(in, g, lower, cap, cost, supply);
    double best = 1e9;
    long long total = 0;
    for (int k = 0; k < reps; k++) {
        std::clock_t t0 = std::clock();
        NetworkSimplex<SmartDigraph, long long, long long> ns(g);
        ns.lowerMap(lower).upperMap(cap).costMap(cost).supplyMap(supply);
        auto res = ns.run();
        std::clock_t t1 = std::clock();
        if (res != NetworkSimplex<SmartDigraph, long long, long long>::OPTIMAL) {
            std::fprintf(stderr, "lemon_ns: no optimal solution\n");
            return 1;
        }
        total = ns.totalCost();
        double t = (double)(t1 - t0) / CLOCKS_PER_SEC;
        if (t < best) best = t;
    }
    std::printf("nodes %d arcs %d total_cost %lld seconds %.6f\n", countNodes(g), countArcs(g),
                total, best);
    return 0;
}
