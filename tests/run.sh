#!/bin/sh
# run.sh - run every test: the chain-lint of the test scripts, that the
# benchmarks' C drivers still build, unit tests
# (cmocka, built with ASan/UBSan), the API tests against a real server, the
# concurrent tests against the ThreadSanitizer build, a few seconds of each
# fuzz target, then the browser tests when present.
# Every API and concurrent script runs twice: on SQLite (NAME) and on a
# private PostgreSQL cluster started once for the run (NAME@pg), except the
# scripts whose "# backends:" line names one backend. ICS_PG=0 skips the
# PostgreSQL runs (for a quick local run; CI always does both).
# Prints one closing line "N passed, N failed" and exits non-zero on failure.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
passed=0 failed=0
mkdir -p "${BUILD:-build}/test-logs"
B=${BUILD:-build}
# The layering rules of docs/architecture.md count as one check.
if scripts/layers.sh >"$B/test-logs/layers.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   layers"
else
    failed=$((failed + 1)); echo "FAIL layers"; cat "$B/test-logs/layers.log"
fi
# chain-lint first: a test script whose checks can pass without asserting
# everything fails the run (the lint is itself checked on two samples)
log=$B/test-logs/chainlint.log
if sh tests/chainlint.sh >"$log" 2>&1 && sh tests/chainlint.sh tests/lint/good.sample >>"$log" 2>&1 &&
    [ "$(sh tests/chainlint.sh tests/lint/bad.sample | sed 's/: .*//')" = "$(cat tests/lint/bad.expected)" ]; then
    passed=$((passed + 1)); echo "ok   chainlint"
else
    failed=$((failed + 1)); echo "FAIL chainlint"; cat "$log"
fi
# The benchmarks' C drivers still build: nothing else builds them, and make
# bench once stopped at the link step after engine code moved into core/.
# The LEMON references need the bench packages and are left to make bench.
for b in analytics beds sim sitrep waitlist; do
    log=$B/test-logs/bench-$b.log
    if BENCH_BUILD_ONLY=1 BUILD=$B BENCH_OUT=$B/bench/$b sh bench/$b/run.sh >"$log" 2>&1; then
        passed=$((passed + 1)); echo "ok   bench-$b builds"
    else
        failed=$((failed + 1)); echo "FAIL bench-$b builds"; cat "$log"
    fi
done
for t in "$B"/asan/tests/test_*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    log=${BUILD:-build}/test-logs/$name.log
    if "$t" >"$log" 2>&1; then st=0; else st=$?; fi
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    p=${p:-0} f=${f:-0}
    if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        echo "FAIL $name ($p passed, $f failed)"; cat "$log"
    else
        echo "ok   $name ($p tests)"
    fi
done
# script NAME FILE: run one TAP-style test script and count its checks
script() {
    log=$B/test-logs/$1.log
    if sh "$2" >"$log" 2>&1; then st=0; else st=$?; fi
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        echo "FAIL $1 ($p passed, $f failed)"; cat "$log"
    else
        echo "ok   $1 ($p checks)"
    fi
}
# The private PostgreSQL cluster: started once, stopped by its pid when the
# run ends however it ends; the seeded template every @pg script copies is
# built here once (lib.sh's fresh_db clones it per script).
backends="sqlite"
ICS_PG_DIR=""
stop_pg() {
    [ -n "$ICS_PG_DIR" ] && sh scripts/pgcluster.sh stop "$ICS_PG_DIR"
    ICS_PG_DIR=""
}
trap stop_pg EXIT
trap 'stop_pg; exit 130' INT TERM
if [ "${ICS_PG:-1}" != 0 ]; then
    log=$B/test-logs/pg-cluster.log
    case ${BUILD:-build} in /*) bin=$B/asan/icsflow ;; *) bin=$PWD/$B/asan/icsflow ;; esac
    tday=$(TZ=Europe/London date +%F) # lib.sh seeds again on another day
    if out=$(sh scripts/pgcluster.sh start 2>"$log") && eval "$out" &&
        psql -X -q -v ON_ERROR_STOP=1 -d "$ICS_PG_URI/postgres" -c "CREATE DATABASE icsflow_tmpl" >>"$log" 2>&1 &&
        ICSFLOW_DATA=$PWD/data "$bin" db init --db "$ICS_PG_URI/icsflow_tmpl" >>"$log" 2>&1 &&
        psql -X -q -v ON_ERROR_STOP=1 -d "$ICS_PG_URI/postgres" \
            -c "COMMENT ON DATABASE icsflow_tmpl IS 'seeded $tday'" >>"$log" 2>&1; then
        export ICS_PG_URI ICS_PG_DIR
        backends="sqlite pg"
        passed=$((passed + 1)); echo "ok   pg-cluster (PostgreSQL template seeded, $ICS_PG_URI)"
    else
        failed=$((failed + 1)); echo "FAIL pg-cluster: no PostgreSQL runs"; cat "$log"
        stop_pg
    fi
fi
# each_backend NAME FILE: run the script on every backend it declares
each_backend() {
    only=$(sed -n 's/^# backends: *\([a-z ]*\).*/\1/p' "$2" | head -n 1)
    for be in $backends; do
        case " ${only:-sqlite pg} " in *" $be "*) ;; *) continue ;; esac
        export ICS_BACKEND=$be
        if [ "$be" = sqlite ]; then script "$1" "$2"; else script "$1@pg" "$2"; fi
    done
}
for t in tests/api/t[0-9]*.sh; do
    [ -f "$t" ] && each_backend "$(basename "$t" .sh)" "$t"
done
# the concurrent tests against the ThreadSanitizer build of the server
for t in tests/tsan/t[0-9]*.sh; do
    [ -f "$t" ] || continue
    if [ ! -x "$B/tsan/icsflow" ]; then
        failed=$((failed + 1)); echo "FAIL tsan: no $B/tsan/icsflow (make test builds it)"; continue
    fi
    export ICSFLOW_SERVE_BIN="$B/tsan/icsflow"
    each_backend "tsan-$(basename "$t" .sh)" "$t"
    unset ICSFLOW_SERVE_BIN
done
unset ICS_BACKEND
# a few seconds of each libFuzzer target (make fuzz runs them long)
export FUZZ_SECONDS="${FUZZ_SMOKE_SECONDS:-5}"
script fuzz tests/fuzz/run.sh
if [ -x tests/e2e/run.sh ] && [ "${ICS_SKIP_E2E:-0}" != 1 ]; then
    log=${BUILD:-build}/test-logs/e2e.log
    if tests/e2e/run.sh >"$log" 2>&1; then st=0; else st=$?; fi
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" -ne 0 ]; then echo "FAIL e2e"; cat "$log"; else echo "ok   e2e ($p checks)"; fi
fi
# the browser tests use the cluster too (a db copy of their database)
stop_pg
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
