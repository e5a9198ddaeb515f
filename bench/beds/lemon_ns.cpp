// lemon_ns.cpp - the reference side of the beds benchmark: reads a DIMACS
// minimum-cost-flow instance and solves it with LEMON's NetworkSimplex
// (Debian liblemon-dev), printing the optimal cost and the solve time
// (reading the file is not timed; building the solver and running it is).
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>

#include <chrono>
#include <cstdio>
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
        auto t0 = std::chrono::steady_clock::now();
        NetworkSimplex<SmartDigraph, long long, long long> ns(g);
        ns.lowerMap(lower).upperMap(cap).costMap(cost).supplyMap(supply);
        auto res = ns.run();
        auto t1 = std::chrono::steady_clock::now();
        if (res != NetworkSimplex<SmartDigraph, long long, long long>::OPTIMAL) {
            std::fprintf(stderr, "lemon_ns: no optimal solution\n");
            return 1;
        }
        total = ns.totalCost();
        double t = std::chrono::duration<double>(t1 - t0).count();
        if (t < best) best = t;
    }
    std::printf("nodes %d arcs %d total_cost %lld seconds %.6f\n", countNodes(g), countArcs(g),
                total, best);
    return 0;
}
