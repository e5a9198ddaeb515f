#!/bin/sh
# run.sh - waitlist allocation benchmark, fair by construction: LEMON's
# NetworkSimplex gets exactly the networks icsflow's engine solves (the
# aggregated network of each specialty, written by the driver from the
# engine's own builder), and every objective must agree to the unit.
#
# Per size it prints, in process CPU time and in wall time:
#   icsflow engine, 1 thread and 2 threads (building, solving, decoding and
#   day-level booking: the whole waitlist_allocate call) and its memory;
#   icsflow's solver alone on the written networks; LEMON on the same.
# Headline: RATIO waitlist_N = LEMON CPU / icsflow solver CPU, both solving
# the same networks single-threaded (building the solver included, reading
# or building the networks not). Labelled extras: waitlist_N_engine (the
# whole engine call on 1 thread, which also builds and decodes, against
# LEMON's solve), waitlist_N_engine_threads2_wall (wall time of the engine
# with 2 threads against LEMON's wall time), and for N <= WAITLIST_PATIENT_LEVEL_MAX
# (default 10000) waitlist_N_vs_patient_level (LEMON on the one-node-per-
# patient network: a different, larger problem, not a fair ratio).
# Memory: the engine's own peak during the call (process peak minus what was
# resident before: its networks, working arrays and its answer, one entry
# per patient), the solver's peak on the largest specialty network, and
# LEMON's process peak (its graph and solver on the largest network).
# Environment: BUILD (default build), WAITLIST_SIZES (default "10000 100000
# 1000000"; "national" adds the synthetic national instance, 7.6M pathways
# over 260 hub sites), WAITLIST_LEMON_CS=1 adds LEMON's CostScaling on the
# same networks.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SIZES=${WAITLIST_SIZES:-"10000 100000 1000000"}
PLMAX=${WAITLIST_PATIENT_LEVEL_MAX:-10000}
SEED=20260302
out=$BUILD/bench/waitlist
mkdir -p "$out"
# the engine and core only: the driver does not depend on the rest of the program
# (core/jwt.c and core/fetch.c bring libcrypto and libcurl)
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc -o "$out/driver" bench/waitlist/driver.c \
    src/waitlist/*.c src/flow/*.c src/core/*.c -ljansson -lsodium -lcurl -lcrypto -lm -lpthread
# BENCH_BUILD_ONLY=1: build the drivers and stop (make test checks they still build)
if [ "${BENCH_BUILD_ONLY:-0}" = 1 ]; then exit 0; fi
g++ -O2 -o "$out/lemon_ns" bench/waitlist/lemon_ns.cpp
field() { echo "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
status=0
agree() { # name objective reference
    if [ "$2" != "$3" ]; then echo "  MISMATCH: $1 objective $2, LEMON $3"; status=1; fi
}
for n in $SIZES; do
    rm -f "$out/agg-$n"-*.dimacs
    info=$("$out/driver" data write "$n" "$SEED" "$out/agg-$n")
    echo "waitlist n=$n: aggregated network $info"
    one=$("$out/driver" data solve "$n" "$SEED" --threads 1)
    two=$("$out/driver" data solve "$n" "$SEED" --threads 2)
    net=$("$out/driver" data solvenet "$n" "$SEED")
    lemon=$("$out/lemon_ns" "$out/agg-$n"-*.dimacs)
    ref=$(field "$lemon" objective)
    echo "  icsflow engine, 1 thread:   objective $(field "$one" objective) cpu $(field "$one" cpu)s wall $(field "$one" wall)s engine memory $(field "$one" engine_kb) kB (process peak $(field "$one" maxrss_kb) kB) pivots $(field "$one" pivots)"
    echo "  icsflow engine, 2 threads:  objective $(field "$two" objective) cpu $(field "$two" cpu)s wall $(field "$two" wall)s"
    echo "  icsflow solver, same nets:  objective $(field "$net" objective) cpu $(field "$net" cpu)s wall $(field "$net" wall)s pivots $(field "$net" pivots) solver memory $(field "$net" solver_kb) kB"
    echo "  LEMON NetworkSimplex:       objective $ref cpu $(field "$lemon" cpu)s wall $(field "$lemon" wall)s process peak $(field "$lemon" maxrss_kb) kB"
    agree "engine (1 thread)" "$(field "$one" objective)" "$ref"
    agree "engine (2 threads)" "$(field "$two" objective)" "$ref"
    agree "solver" "$(field "$net" objective)" "$ref"
    [ $status = 0 ] && echo "  objectives agree: $ref"
    echo "RATIO waitlist_$n $(ratio "$(field "$lemon" cpu)" "$(field "$net" cpu)")"
    echo "RATIO waitlist_${n}_engine $(ratio "$(field "$lemon" cpu)" "$(field "$one" cpu)")"
    echo "RATIO waitlist_${n}_engine_threads2_wall $(ratio "$(field "$lemon" wall)" "$(field "$two" wall)")"
    if [ "${WAITLIST_LEMON_CS:-0}" = 1 ]; then
        cs=$("$out/lemon_ns" --cs "$out/agg-$n"-*.dimacs)
        echo "  LEMON CostScaling:          objective $(field "$cs" objective) cpu $(field "$cs" cpu)s wall $(field "$cs" wall)s"
        agree "LEMON CostScaling" "$(field "$cs" objective)" "$ref"
        echo "RATIO waitlist_${n}_vs_costscaling $(ratio "$(field "$cs" cpu)" "$(field "$one" cpu)")"
    fi
    rm -f "$out/agg-$n"-*.dimacs
    if [ "$n" != national ] && [ "$n" -le "$PLMAX" ]; then
        "$out/driver" data write "$n" "$SEED" "$out/pl-$n" --patient-level >/dev/null
        pl=$("$out/lemon_ns" "$out/pl-$n"-0.dimacs)
        echo "  (other comparison) LEMON on the patient-level network: objective $(field "$pl" objective) cpu $(field "$pl" cpu)s, $(field "$pl" nodes) nodes $(field "$pl" arcs) arcs"
        agree "LEMON patient-level" "$(field "$pl" objective)" "$ref"
        echo "RATIO waitlist_${n}_vs_patient_level $(ratio "$(field "$pl" cpu)" "$(field "$one" cpu)")"
        rm -f "$out/pl-$n"-0.dimacs
    fi
done
exit $status
