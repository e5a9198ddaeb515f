#!/bin/sh
# run.sh - beds batch-matching benchmark, fair by construction: LEMON's
# NetworkSimplex solves exactly the bed-class network that icsflow's engine
# solves (written by the engine's own builder, beds_queue_net), and the
# optimal costs must be identical. At scale S the instance has 2,000 S
# waiting referrals and 1,500 S beds in 60 S units.
#
# Per scale and policy, BEDS_PAIRS (default 3) interleaved pairs of runs:
# icsflow's solver, then LEMON, each the best of BEDS_REPS solves in process
# CPU time and in wall time (the engine is single-threaded, so there is no
# multi-threaded line); interleaving and the median of the pairs keep a
# shared machine's load from favouring either side. Printed: the engine's
# whole beds_queue_match (building the network from the board, solving,
# decoding; first pair only), icsflow's solver alone on the network and
# LEMON on the same network, as medians over the pairs. Headline: RATIO
# beds_POLICY_Sx = the median over the pairs of LEMON CPU / icsflow solver
# CPU, both solving the same network (building their solver from it
# included, reading or building the network not). Labelled extras:
# beds_POLICY_Sx_engine (the whole engine call against LEMON's median solve)
# and, for scales up to BEDS_PER_BED_MAX_SCALE (default 1),
# beds_POLICY_Sx_vs_per_bed (LEMON on the one-node-per-bed network: a
# different, larger problem, not fair).
# Environment: BUILD (default build), BEDS_SCALES (default "1 5 10"),
# BEDS_POLICIES (default "pooled borough"), BEDS_PAIRS (default 3),
# BEDS_REPS (best of how many solves within a run; default 3 at scale 1 and
# 1 above, to keep the run to a few minutes).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
SCALES=${BEDS_SCALES:-"1 5 10"}
POLICIES=${BEDS_POLICIES:-"pooled borough"}
PBMAX=${BEDS_PER_BED_MAX_SCALE:-1}
OUT=$BUILD/bench/beds
mkdir -p "$OUT"
make --no-print-directory BUILD="$BUILD" "$BUILD/libicsflow.a" >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$OUT/bench_beds" bench/beds/bench_beds.c \
    "$BUILD/libicsflow.a" -ljansson -lsqlite3 -lsodium -lm -lpthread
# BENCH_BUILD_ONLY=1: build the drivers and stop (make test checks they still build)
if [ "${BENCH_BUILD_ONLY:-0}" = 1 ]; then exit 0; fi
g++ -O2 -std=c++14 -w -o "$OUT/lemon_ns" bench/beds/lemon_ns.cpp -llemon
field() { echo "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { printf "%s", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
PAIRS=${BEDS_PAIRS:-3}
status=0
for scale in $SCALES; do
    for policy in $POLICIES; do
        pb=""
        [ "$scale" -le "$PBMAX" ] && pb="--per-bed $OUT/per-bed.min"
        reps=${BEDS_REPS:-$([ "$scale" -le 1 ] && echo 3 || echo 1)}
        # shellcheck disable=SC2086
        ics=$("$OUT/bench_beds" --policy "$policy" --scale "$scale" --reps "$reps" --dimacs "$OUT/class.min" $pb)
        eng=$(echo "$ics" | grep '^engine ')
        sol=$(echo "$ics" | grep '^solver ')
        ref=$("$OUT/lemon_ns" "$OUT/class.min" "$reps")
        rc=$(field "$ref" total_cost)
        ok=1
        for v in "$(field "$eng" total_cost)" "$(field "$sol" total_cost)"; do
            [ "$v" = "$rc" ] || ok=0
        done
        scpu="$(field "$sol" cpu)" swall="$(field "$sol" wall)"
        rcpu="$(field "$ref" cpu)" rwall="$(field "$ref" wall)"
        ratios="$(ratio "$(field "$ref" cpu)" "$(field "$sol" cpu)")"
        pair=1
        while [ "$pair" -lt "$PAIRS" ]; do
            pair=$((pair + 1))
            s2=$("$OUT/bench_beds" --policy "$policy" --scale "$scale" --reps "$reps" --solver-only | grep '^solver ')
            r2=$("$OUT/lemon_ns" "$OUT/class.min" "$reps")
            [ "$(field "$s2" total_cost)" = "$rc" ] || ok=0
            [ "$(field "$r2" total_cost)" = "$rc" ] || ok=0
            scpu="$scpu $(field "$s2" cpu)" swall="$swall $(field "$s2" wall)"
            rcpu="$rcpu $(field "$r2" cpu)" rwall="$rwall $(field "$r2" wall)"
            ratios="$ratios $(ratio "$(field "$r2" cpu)" "$(field "$s2" cpu)")"
        done
        name=beds_${policy}_${scale}x
        echo "beds $policy, scale $scale: $(field "$eng" referrals) referrals, $(field "$eng" beds) beds; bed-class network $(field "$sol" nodes) nodes $(field "$sol" arcs) arcs, $(field "$sol" pivots) pivots"
        echo "  icsflow engine (1 thread): total_cost $(field "$eng" total_cost) cpu $(field "$eng" cpu)s wall $(field "$eng" wall)s, placed $(field "$eng" placed)"
        echo "  icsflow solver, same net:  total_cost $(field "$sol" total_cost) cpu $(echo "$scpu" | median)s wall $(echo "$swall" | median)s (medians of $PAIRS; cpu $scpu)"
        echo "  LEMON NetworkSimplex:      total_cost $rc cpu $(echo "$rcpu" | median)s wall $(echo "$rwall" | median)s (medians of $PAIRS; cpu $rcpu)"
        echo "  pairs (LEMON cpu / icsflow cpu): $ratios; load average $(cut -d' ' -f1-3 /proc/loadavg)"
        if [ $ok = 1 ]; then
            echo "  agree: optimal total cost $rc in every run"
        else
            echo "  DISAGREE: engine $(field "$eng" total_cost), solver $(field "$sol" total_cost), LEMON $rc (or a later pair)"
            status=1
        fi
        echo "RATIO $name $(echo "$ratios" | median)"
        echo "RATIO ${name}_engine $(ratio "$(echo "$rcpu" | median)" "$(field "$eng" cpu)")"
        if [ -n "$pb" ]; then
            pbr=$("$OUT/lemon_ns" "$OUT/per-bed.min" "$reps")
            echo "  (other comparison) LEMON on the per-bed network: total_cost $(field "$pbr" total_cost) cpu $(field "$pbr" cpu)s, $(field "$pbr" nodes) nodes $(field "$pbr" arcs) arcs"
            [ "$(field "$pbr" total_cost)" = "$rc" ] || { echo "  DISAGREE: per-bed network"; status=1; }
            echo "RATIO ${name}_vs_per_bed $(ratio "$(field "$pbr" cpu)" "$(field "$eng" cpu)")"
            rm -f "$OUT/per-bed.min"
        fi
        rm -f "$OUT/class.min"
    done
done
exit $status
