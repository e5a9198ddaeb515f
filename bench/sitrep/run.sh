#!/bin/sh
# run.sh - OPEL scoring of every provider-day and XmR special-cause signals on
# every parameter, for a synthetic year of acute sitreps from many providers:
# icsflow's sitrep engine against a numpy/pandas reference written from
# docs/sitrep.md, on the same input in one run. Checks every level, total,
# control limit and per-point flag agrees; prints "RATIO sitrep_opel_spc x".
set -eu
cd "$(dirname "$0")/../.."
PROVIDERS=${PROVIDERS:-200}
DAYS=${DAYS:-365}
out=${BENCH_OUT:-build/bench/sitrep}
mkdir -p "$out"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Isrc -o "$out/bench_sitrep" \
    bench/sitrep/bench_sitrep.c src/sitrep/*.c src/core/error.c src/core/sb.c src/core/rng.c \
    src/core/csv.c src/core/tz.c src/core/valid.c src/core/utf8.c src/core/problems.c -lm
# BENCH_BUILD_ONLY=1: build the drivers and stop (make test checks they still build)
if [ "${BENCH_BUILD_ONLY:-0}" = 1 ]; then exit 0; fi
res=$("$out/bench_sitrep" "$PROVIDERS" "$DAYS" data "$out/input.csv" "$out/scores.csv" "$out/spc.csv")
secs=$(echo "$res" | sed -n 's/^icsflow_seconds //p')
"$PY" bench/sitrep/ref.py data "$out/input.csv" "$out/scores.csv" "$out/spc.csv" "$secs"
