#!/bin/sh
# run.sh - run every libFuzzer target (built by `make fuzzers` into
# $BUILD/fuzz) for FUZZ_SECONDS each, starting from the committed seed
# corpus in tests/fuzz/corpus/<target>/ (new inputs go to a scratch copy,
# never into the repository). Prints one TAP line per target with its
# executions; a crash, sanitizer report, leak or timeout is a failure, and
# the input that caused it is kept in $BUILD/fuzz/findings/.
set -u
cd "$(dirname "$0")/../.."
R=$PWD
B=${BUILD:-build}
export ICSFLOW_DATA=${ICSFLOW_DATA:-$R/data}
case $B in /*) ;; *) B=$R/$B ;; esac
S=${FUZZ_SECONDS:-5}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$B/fuzz/findings"
n=0 fails=0
# the API target starts from a seeded database made once by the release build
if [ -x "$B/icsflow" ]; then
    "$B/icsflow" db init --db "$W/seed.db" >/dev/null 2>&1 && export ICSFLOW_FUZZ_DB="$W/seed.db"
fi
for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    n=$((n + 1))
    if [ ! -x "$B/fuzz/$t" ]; then
        fails=$((fails + 1)); echo "not ok $n - $t: not built (make fuzzers)"; continue
    fi
    mkdir -p "$W/$t"
    extra=""
    [ "$t" = fuzz_api ] && extra="-detect_leaks=0" # the server thread outlives each input
    (cd "$W" && ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 "$B/fuzz/$t" -max_total_time="$S" \
        -timeout=60 -rss_limit_mb=3072 -print_final_stats=1 -artifact_prefix="$B/fuzz/findings/$t-" \
        $extra "$W/$t" "$R/tests/fuzz/corpus/$t" >"$W/$t.log" 2>&1)
    st=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$t.log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$W/$t.log" | tail -n 1 | tr -d 'cov: ')
    if [ "$st" -eq 0 ]; then
        echo "ok $n - $t: ${runs:-0} executions in ${S}s, coverage ${cov:-?} edges, no finding"
    else
        fails=$((fails + 1))
        echo "not ok $n - $t: exit $st after ${runs:-?} executions"
        grep -E 'ERROR|SUMMARY|runtime error|fuzz_api:|Test unit written|==[0-9]+==' "$W/$t.log" | head -n 20
    fi
done
echo "# $n fuzz targets, $fails failed"
[ "$fails" -eq 0 ]
