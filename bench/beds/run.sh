#!/bin/sh
# run.sh - beds batch-matching benchmark: 2,000 waiting referrals over 1,500
# beds solved by icsflow's exact assignment (src/beds/lsap.c) and by LEMON's
# NetworkSimplex on the same instance (DIMACS min-cost flow). The optimal
# costs must be identical; prints RATIO beds <lemon_time / icsflow_time>
# (best of 3 solves each in process CPU time, file reading excluded on
# both sides).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench/beds
mkdir -p "$OUT"
make --no-print-directory BUILD="$BUILD" "$BUILD/libicsflow.a" >/dev/null
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$OUT/bench_beds" bench/beds/bench_beds.c \
    "$BUILD/libicsflow.a" -ljansson -lsqlite3 -lsodium -lm -lpthread
g++ -O2 -std=c++14 -w -o "$OUT/lemon_ns" bench/beds/lemon_ns.cpp -llemon
status=0
for policy in pooled borough; do
    ics=$("$OUT/bench_beds" --policy "$policy" --dimacs "$OUT/$policy.min")
    ref=$("$OUT/lemon_ns" "$OUT/$policy.min")
    echo "icsflow ($policy): $ics" | head -n 1
    echo "$ics" | sed -n 2p
    echo "lemon   ($policy): $ref"
    ic=$(echo "$ics" | sed -n 's/.* total_cost \([0-9-]*\) .*/\1/p' | head -n 1)
    it=$(echo "$ics" | sed -n 's/.* seconds \([0-9.]*\).*/\1/p' | head -n 1)
    rc=$(echo "$ref" | sed -n 's/.* total_cost \([0-9-]*\) .*/\1/p')
    rt=$(echo "$ref" | sed -n 's/.* seconds \([0-9.]*\).*/\1/p')
    if [ "$ic" = "$rc" ]; then
        echo "agree ($policy): optimal total cost $ic on both"
    else
        echo "DISAGREE ($policy): icsflow $ic, lemon $rc"
        status=1
    fi
    name=beds
    [ "$policy" = pooled ] || name=beds_$policy
    echo "RATIO $name $(awk -v a="$rt" -v b="$it" 'BEGIN { printf "%.2f", a / b }')"
done
exit $status
