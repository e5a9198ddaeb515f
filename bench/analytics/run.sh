#!/bin/sh
# run.sh - DSR with Dobson limits over 10,000 areas x 2 sexes x 19 age bands:
# icsflow's engine against a pandas/scipy reference on the same input, in one
# run; checks every figure agrees to 1e-9 relative and prints
# "RATIO analytics_dsr <reference time / icsflow time>".
set -eu
cd "$(dirname "$0")/../.."
AREAS=${AREAS:-10000}
out=${BENCH_OUT:-build/bench/analytics}
mkdir -p "$out"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc -o "$out/dsr_bench" \
    bench/analytics/dsr_bench.c src/analytics/*.c src/core/error.c src/core/sb.c \
    src/core/rng.c src/core/csv.c src/core/stats.c src/core/utf8.c -lm
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc -o "$out/methods_check" \
    bench/analytics/methods_check.c src/analytics/*.c src/core/error.c src/core/sb.c \
    src/core/rng.c src/core/csv.c src/core/stats.c src/core/utf8.c -lm
# BENCH_BUILD_ONLY=1: build the drivers and stop (make test checks they still build)
if [ "${BENCH_BUILD_ONLY:-0}" = 1 ]; then exit 0; fi
res=$("$out/dsr_bench" "$AREAS" "$out/dsr_input.csv" "$out/dsr_icsflow.csv")
secs=$(echo "$res" | sed -n 's/^icsflow_seconds //p')
echo "analytics: DSR (ESP2013, Dobson 95% and 99.8%) for $AREAS areas"
"$PY" bench/analytics/dsr_ref.py "$out/dsr_input.csv" "$out/dsr_icsflow.csv" "$secs"

# the other Fingertips methods on a grid of cases, small counts included
"$out/methods_check" | "$PY" bench/analytics/fingertips_check.py
