#!/bin/sh
# run.sh - waitlist allocation benchmark: icsflow's engine against LEMON's
# NetworkSimplex (and networkx for the smallest instance) on the same
# deterministic instances of 10k, 100k and 1M synthetic patients. Checks the
# objectives are equal to the unit and prints RATIO lines (reference time /
# icsflow time) with the times and peak memory of each solver.
# LEMON's network simplex needs the best part of an hour on the 1M instance.
# Environment: BUILD (default build), WAITLIST_SIZES (default "10000 100000
# 1000000"), WAITLIST_PATIENT_LEVEL_MAX (largest instance also solved by
# icsflow with one node per patient, default 100000), WAITLIST_LEMON_CS=1 to
# add LEMON's CostScaling as a second reference.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SIZES=${WAITLIST_SIZES:-"10000 100000 1000000"}
PLMAX=${WAITLIST_PATIENT_LEVEL_MAX:-100000}
SEED=20260302
out=$BUILD/bench/waitlist
mkdir -p "$out"
# the engine and core only: the driver does not depend on the rest of the program
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc -o "$out/driver" bench/waitlist/driver.c \
    src/waitlist/*.c src/flow/*.c src/core/*.c -ljansson -lsodium -lm -lpthread
g++ -O2 -o "$out/lemon_ns" bench/waitlist/lemon_ns.cpp
field() { echo "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
status=0
for n in $SIZES; do
    f=$out/instance-$n.dimacs
    info=$("$out/driver" data write "$n" "$SEED" "$f")
    echo "waitlist n=$n: $info"
    ours=$("$out/driver" data solve "$n" "$SEED")
    o1=$(field "$ours" objective) t1=$(field "$ours" time)
    echo "  icsflow (aggregated, 2 threads): objective $o1 time ${t1}s peak $(field "$ours" maxrss_kb) kB; solved $(field "$ours" nodes) nodes $(field "$ours" arcs) arcs"
    lemon=$("$out/lemon_ns" "$f")
    o3=$(field "$lemon" objective) t3=$(field "$lemon" time)
    echo "  LEMON NetworkSimplex:            objective $o3 time ${t3}s peak $(field "$lemon" maxrss_kb) kB"
    if [ "$o1" = "$o3" ]; then echo "  objectives agree: $o3"; else echo "  MISMATCH: objectives differ"; status=1; fi
    echo "RATIO waitlist_lemon_$n $(ratio "$t3" "$t1")"
    if [ "$n" -le "$PLMAX" ]; then
        noagg=$("$out/driver" data solve "$n" "$SEED" --no-aggregate)
        o2=$(field "$noagg" objective) t2=$(field "$noagg" time)
        echo "  icsflow (patient-level network): objective $o2 time ${t2}s peak $(field "$noagg" maxrss_kb) kB"
        [ "$o2" = "$o3" ] || { echo "  MISMATCH: patient-level differs"; status=1; }
        echo "RATIO waitlist_lemon_patient_level_$n $(ratio "$t3" "$t2")"
    fi
    if [ "${WAITLIST_LEMON_CS:-0}" = 1 ]; then
        cs=$("$out/lemon_ns" "$f" cs)
        o5=$(field "$cs" objective) t5=$(field "$cs" time)
        echo "  LEMON CostScaling:               objective $o5 time ${t5}s peak $(field "$cs" maxrss_kb) kB"
        [ "$o5" = "$o3" ] || { echo "  MISMATCH: cost scaling differs"; status=1; }
        echo "RATIO waitlist_lemon_costscaling_$n $(ratio "$t5" "$t1")"
    fi
    if [ "$n" -le 10000 ] && python3 -c 'import networkx' 2>/dev/null; then
        nx=$(python3 bench/waitlist/nx_ns.py "$f")
        o4=$(field "$nx" objective) t4=$(field "$nx" time)
        echo "  networkx network_simplex:        objective $o4 time ${t4}s peak $(field "$nx" maxrss_kb) kB"
        [ "$o4" = "$o3" ] || { echo "  MISMATCH: networkx differs"; status=1; }
        echo "RATIO waitlist_networkx_$n $(ratio "$t4" "$t1")"
    fi
    rm -f "$f"
done
exit $status
