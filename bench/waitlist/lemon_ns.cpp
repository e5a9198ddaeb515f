// lemon_ns.cpp - reference solver for the waitlist benchmark: reads a DIMACS
// min-cost-flow file and solves it with LEMON's NetworkSimplex (block search
// pivot rule, its default), or with "cs" as second argument LEMON's
// CostScaling (a second exact reference that is quicker on the largest
// instance), timing only the solve.
#include <lemon/cost_scaling.h>
#include <lemon/dimacs.h>
#include <lemon/network_simplex.h>
#include <lemon/smart_graph.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

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
    bool cs = argc > 2 && std::string(argv[2]) == "cs";
    long long total;
    auto t0 = std::chrono::steady_clock::now();
    if (cs) {
        CostScaling<G, long long, long long> alg(g);
        alg.upperMap(cap).costMap(cost).supplyMap(supply);
        if (alg.run() != CostScaling<G, long long, long long>::OPTIMAL) {
            std::cerr << "lemon_ns: not optimal\n";
            return 1;
        }
        total = alg.totalCost();
    } else {
        NetworkSimplex<G, long long, long long> ns(g);
        ns.upperMap(cap).costMap(cost).supplyMap(supply);
        if (ns.run() != NetworkSimplex<G, long long, long long>::OPTIMAL) {
            std::cerr << "lemon_ns: not optimal\n";
            return 1;
        }
        total = ns.totalCost();
    }
    double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("objective %lld time %.3f nodes %d arcs %d maxrss_kb %ld\n", total, t,
                countNodes(g), countArcs(g), ru.ru_maxrss);
    return 0;
}
