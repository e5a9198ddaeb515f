// lemon_ns.cpp - the reference side of the beds benchmark: reads a DIMACS
// minimum-cost-flow instance and solves it with LEMON's NetworkSimplex
// (Debian liblemon-dev), printing the optimal cost and the best of `reps`
// solve times in process CPU time and in wall time. Reading the file is
// not timed; building the solver and running it is.
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>
#include <sys/resource.h>

#include <chrono>
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
    double best_cpu = 1e9, best_wall = 1e9;
    long long total = 0;
    for (int k = 0; k < reps; k++) {
        std::clock_t c0 = std::clock();
        auto w0 = std::chrono::steady_clock::now();
        NetworkSimplex<SmartDigraph, long long, long long> ns(g);
        ns.lowerMap(lower).upperMap(cap).costMap(cost).supplyMap(supply);
        auto res = ns.run();
        double c = (double)(std::clock() - c0) / CLOCKS_PER_SEC;
        double w = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
        if (res != NetworkSimplex<SmartDigraph, long long, long long>::OPTIMAL) {
            std::fprintf(stderr, "lemon_ns: no optimal solution\n");
            return 1;
        }
        total = ns.totalCost();
        if (c < best_cpu) best_cpu = c;
        if (w < best_wall) best_wall = w;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("nodes %d arcs %d total_cost %lld cpu %.6f wall %.6f maxrss_kb %ld\n",
                countNodes(g), countArcs(g), total, best_cpu, best_wall, ru.ru_maxrss);
    return 0;
}
