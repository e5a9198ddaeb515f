#!/bin/sh
# run.sh - `make bench`: run every benchmark (bench/<module>/run.sh), each of
# which runs icsflow and a reference implementation on the same input in one
# run, checks that they agree and prints "RATIO <name> <x>" lines. Finishes
# with a summary of every ratio. Benchmarks are never part of `make test`.
set -u
cd "$(dirname "$0")/.."
mkdir -p build/bench
summary=build/bench/ratios.txt
: >"$summary"
status=0
only=${BENCH:-}
for b in bench/*/run.sh; do
    [ -f "$b" ] || continue
    name=$(basename "$(dirname "$b")")
    [ -n "$only" ] && [ "$only" != "$name" ] && continue
    echo "== bench $name"
    log=build/bench/$name.log
    if sh "$b" 2>&1 | tee "$log"; then :; else status=1; echo "bench $name FAILED"; fi
    grep '^RATIO ' "$log" >>"$summary" || true
done
echo
echo "== ratios (reference time / icsflow time; above 1 means icsflow is faster)"
cat "$summary"
exit $status
