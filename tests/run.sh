#!/bin/sh
# run.sh - run every test: unit tests (cmocka, built with ASan/UBSan), then
# the API tests against a real server, then the browser tests when present.
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
for t in tests/api/t[0-9]*.sh; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .sh)
    log=${BUILD:-build}/test-logs/$name.log
    if sh "$t" >"$log" 2>&1; then st=0; else st=$?; fi
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        echo "FAIL $name ($p passed, $f failed)"; cat "$log"
    else
        echo "ok   $name ($p checks)"
    fi
done
if [ -x tests/e2e/run.sh ] && [ "${ICS_SKIP_E2E:-0}" != 1 ]; then
    log=${BUILD:-build}/test-logs/e2e.log
    if tests/e2e/run.sh >"$log" 2>&1; then st=0; else st=$?; fi
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)) failed=$((failed + f))
    if [ "$f" -ne 0 ]; then echo "FAIL e2e"; cat "$log"; else echo "ok   e2e ($p checks)"; fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
