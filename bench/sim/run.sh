#!/bin/sh
# run.sh - the simulator against SimPy (bench/sim/compare.py): one M/M/c
# unit and eight borough units under both policies, the same scenario files
# (data/sim_bench_*.json); SimPy replays icsflow's patients and every
# replication must match, and with its own draws every statistic must agree
# within the 95% intervals; CPU and wall time on one thread and on every
# core; "RATIO sim_<case> <SimPy CPU / icsflow CPU, one thread each>".
# Then a 10-year, 16,000-bed run (time printed) and the coverage of the 95%
# interval of the mean wait against Erlang C at rho = 0.95 over 100 seeds.
# Usage: bench/sim/run.sh [REPLICATIONS]   (default 60; BUILD as for make)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench/sim
mkdir -p "$OUT"
make --no-print-directory BUILD="$BUILD" "$BUILD/libicsflow.a" >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$OUT/bench_sim" bench/sim/bench_sim.c \
    "$BUILD/libicsflow.a" -ljansson -lsqlite3 -lsodium -lm -lpthread
# BENCH_BUILD_ONLY=1: build the drivers and stop (make test checks they still build)
if [ "${BENCH_BUILD_ONLY:-0}" = 1 ]; then exit 0; fi
# Debian's SimPy is installed for the system python, not a pyenv one
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
status=0
"$PY" bench/sim/compare.py "$OUT/bench_sim" "${1:-60}" || status=1
"$OUT/bench_sim" big
# the old setting (10 years after 2,000 days) and the one docs/sim.md
# recommends at this load (20 years after 5,000 days), 50 replications each
"$OUT/bench_sim" coverage 100 50 10 2000
cov=$("$OUT/bench_sim" coverage 100 50 20 5000)
echo "$cov"
pct=$(echo "$cov" | sed -n 's/.*interval \([0-9]*\)\/100.*/\1/p')
if [ "${pct:-0}" -lt 93 ]; then
    echo "coverage below 93%"
    status=1
fi
exit $status
