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
# what the figures were measured on: they mean little without it
machine() {
    echo "$(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)"
}
echo "== machine at start: $(machine)"
start=$(date +%s)
for b in bench/*/run.sh; do
    [ -f "$b" ] || continue
    name=$(basename "$(dirname "$b")")
    [ -n "$only" ] && [ "$only" != "$name" ] && continue
    echo "== bench $name ($(date -u +%H:%M:%S) UTC, load $(cut -d' ' -f1-3 /proc/loadavg))"
    log=build/bench/$name.log
    if sh "$b" 2>&1 | tee "$log"; then :; else status=1; echo "bench $name FAILED"; fi
    grep '^RATIO ' "$log" >>"$summary" || true
done
echo
echo "== machine at end: $(machine); $(($(date +%s) - start)) s in all"
echo "== ratios (reference time / icsflow time; above 1 means icsflow is faster)"
cat "$summary"
exit $status
