// lemon_ns.cpp - reference solver for the waitlist benchmark: reads one or
// more DIMACS min-cost-flow files (the networks icsflow solves, one per
// specialty) and solves each with LEMON's NetworkSimplex (block search
// pivot rule, its default), or with "--cs" first LEMON's CostScaling.
// Reading a file is not timed; building the solver and running it is, in
// process CPU time and in wall time, summed over the files.
#include <lemon/cost_scaling.h>
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>

using namespace lemon;

int main(int argc, char **argv)
{
    int first = 1;
    bool cs = argc > 1 && std::string(argv[1]) == "--cs";
    if (cs) first = 2;
    if (argc <= first) {
        std::cerr << "usage: lemon_ns [--cs] FILE...\n";
        return 2;
    }
    typedef SmartDigraph G;
    long long total = 0;
    double cpu = 0, wall = 0;
    long nodes = 0, arcs = 0;
    for (int k = first; k < argc; k++) {
        G g;
        G::ArcMap<long long> lower(g), cap(g), cost(g);
        G::NodeMap<long long> supply(g);
        std::ifstream in(argv[k]);
        readDimacsMin(in, g, lower, cap, cost, supply);
        nodes += countNodes(g);
        arcs += countArcs(g);
        std::clock_t c0 = std::clock();
        auto t0 = std::chrono::steady_clock::now();
        if (cs) {
            CostScaling<G, long long, long long> alg(g);
            alg.upperMap(cap).costMap(cost).supplyMap(supply);
            if (alg.run() != CostScaling<G, long long, long long>::OPTIMAL) {
                std::cerr << "lemon_ns: not optimal\n";
                return 1;
            }
            total += alg.totalCost();
        } else {
            NetworkSimplex<G, long long, long long> ns(g);
            ns.upperMap(cap).costMap(cost).supplyMap(supply);
            if (ns.run() != NetworkSimplex<G, long long, long long>::OPTIMAL) {
                std::cerr << "lemon_ns: not optimal\n";
                return 1;
            }
            total += ns.totalCost();
        }
        cpu += (double)(std::clock() - c0) / CLOCKS_PER_SEC;
        wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("objective %lld cpu %.3f wall %.3f nodes %ld arcs %ld maxrss_kb %ld\n", total, cpu,
                wall, nodes, arcs, ru.ru_maxrss);
    return 0;
}
