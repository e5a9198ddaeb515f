// lemon_ns.cpp - reference solver for the waitlist benchmark: reads a DIMACS
// min-cost-flow file and solves it with LEMON's NetworkSimplex (block search
// pivot rule, its default), timing only the solve.
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

using namespace lemon;

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::cerr << "usage: lemon_ns FILE\n";
        return 2;
    }
    typedef SmartDigraph G;
    G g;
    G::ArcMap<long long> lower(g), cap(g), cost(g);
    G::NodeMap<long long> supply(g);
    std::ifstream in(argv[1]);
    readDimacsMin(in, g, lower, cap, cost, supply);
    auto t0 = std::chrono::steady_clock::now();
    NetworkSimplex<G, long long, long long> ns(g);
    ns.upperMap(cap).costMap(cost).supplyMap(supply);
    NetworkSimplex<G, long long, long long>::ProblemType pt = ns.run();
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (pt != NetworkSimplex<G, long long, long long>::OPTIMAL) {
        std::cerr << "lemon_ns: not optimal\n";
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("objective %lld time %.3f nodes %d arcs %d maxrss_kb %ld\n",
                (long long)ns.totalCost(), t, countNodes(g), countArcs(g), ru.ru_maxrss);
    return 0;
}
