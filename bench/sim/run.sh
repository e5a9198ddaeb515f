#!/bin/sh
# run.sh - the simulator against SimPy: one M/M/c unit and eight borough
# units under both policies, same scenario files (data/sim_bench_*.json),
# statistics checked to agree within their 95% intervals, and a line
# "RATIO <case> <SimPy time / icsflow time>" per case plus "RATIO sim".
# Usage: bench/sim/run.sh [REPLICATIONS]   (default 60; ICSFLOW=binary to skip the build)
set -eu
cd "$(dirname "$0")/../.."
BIN=${ICSFLOW:-build/icsflow}
if [ ! -x "$BIN" ] || [ -z "${ICSFLOW:-}" ]; then
    make --no-print-directory build/icsflow >/dev/null
fi
# Debian's SimPy is installed for the system python, not a pyenv one
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
exec "$PY" bench/sim/compare.py "$BIN" "${1:-60}"
