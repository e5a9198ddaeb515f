# lib.sh - shared by the API tests (sourced). Starts the real, sanitizer-built
# server on a free loopback port with a fresh database seeded with the NWL
# dataset, makes tokens, calls the API with curl, asserts with jq, reads the
# database with sqlite3, and prints TAP-style "ok N - ..." lines.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case ${BUILD:-build} in /*) B=$BUILD ;; *) B=$ROOT/${BUILD:-build} ;; esac
BIN=${ICSFLOW_BIN:-$B/asan/icsflow}
SERVE_BIN=${ICSFLOW_SERVE_BIN:-$BIN} # tests/run.sh serves tests/tsan/ with the ThreadSanitizer build
T=$(mktemp -d)
DB=$T/test.db
export ICSFLOW_DATA=$ROOT/data
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
n=0 fails=0 PID=""

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
# check DESC COMMAND...: passes when the command succeeds
check() { d=$1; shift; if "$@"; then ok "$d"; else nok "$d"; fi; }

mktoken() { # NAME ROLE [ORG] -> prints the token
    "$BIN" user add --db "$DB" --name "$1" --role "$2" ${3:+--org "$3"} | tail -n 1
}

# A freshly seeded database, made once per build and copied for each test:
# seeding under ASan takes seconds, and every script starts from the same
# state anyway. Rebuilt whenever the binary or the data folder is newer, or
# it is over an hour old (seeded history is relative to today).
fresh_db() { # DEST
    tpl=$B/test-template.db
    (
        flock 9
        if [ ! -s "$tpl" ] || [ "$BIN" -nt "$tpl" ] || [ -n "$(find "$tpl" -mmin +60)" ] ||
            [ -n "$(find "$ROOT/data" -newer "$tpl" -print -quit)" ]; then
            rm -f "$tpl" "$tpl-wal" "$tpl-shm"
            "$BIN" db init --db "$tpl.new" >/dev/null 2>"$T/init.log" || { cat "$T/init.log"; exit 1; }
            sqlite3 "$tpl.new" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
            rm -f "$tpl.new-wal" "$tpl.new-shm"
            mv "$tpl.new" "$tpl"
        fi
    ) 9>"$B/test-template.lock" || exit 1
    cp "$tpl" "$1"
    chmod 600 "$1"
}

start_server() {
    if [ ! -f "$DB" ]; then
        fresh_db "$DB"
        ADMIN=$(mktoken admin admin QRV)
    fi
    rm -f "$T/port"
    # SERVE_ARGS: extra `icsflow serve` options for one test (e.g. limits)
    # shellcheck disable=SC2086
    "$SERVE_BIN" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$T/port" ${SERVE_ARGS:-} >"$T/server.log" 2>&1 &
    PID=$!
    i=0
    while [ ! -s "$T/port" ]; do
        i=$((i + 1)); [ $i -gt 200 ] && { echo "server did not start"; cat "$T/server.log"; exit 1; }
        sleep 0.05
    done
    URL="http://127.0.0.1:$(cat "$T/port")"
}

stop_server() {
    [ -n "$PID" ] || return 0
    kill -TERM "$PID"
    wait "$PID"; st=$?
    PID=""
    check "server stops cleanly on SIGTERM (exit $st)" [ "$st" -eq 0 ]
    if grep -q "ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer\|ThreadSanitizer" "$T/server.log"; then
        nok "server log is free of sanitizer reports"; cat "$T/server.log"
    else
        ok "server log is free of sanitizer reports"
    fi
}

# api METHOD PATH TOKEN [BODY] -> STATUS, CTYPE; the body is in $T/body
api() {
    if [ $# -ge 4 ]; then
        printf '%s' "$4" >"$T/req"
        set -- "$1" "$2" "$3" --data-binary "@$T/req" -H "Content-Type: application/json"
    fi
    m=$1 p=$2 tok=$3; shift 3
    out=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' -X "$m" \
        ${tok:+-H "Authorization: Bearer $tok"} "$@" "$URL$p")
    STATUS=${out%% *} CTYPE=${out#* }
}

# expect DESC STATUS: the last call answered STATUS (and a problem body for 4xx)
expect() {
    if [ "$STATUS" = "$2" ]; then
        case "$2" in
        4*) if [ "$CTYPE" = "application/problem+json" ] && jq -e '.detail | length > 0' "$T/body" >/dev/null; then
                ok "$1 -> $2: $(jq -r .detail "$T/body" | cut -c1-100)"
            else nok "$1 -> $2 but no problem+json detail ($CTYPE)"; fi ;;
        *) ok "$1 -> $2" ;;
        esac
    else
        nok "$1: expected $2, got $STATUS: $(head -c 300 "$T/body")"
    fi
}

jqb() { jq -r "$1" "$T/body"; }
# jqcheck DESC FILTER: the filter is true of the last body
jqcheck() { if jq -e "$2" "$T/body" >/dev/null 2>&1; then ok "$1"; else nok "$1: $(head -c 300 "$T/body")"; fi; }
sql() { sqlite3 "$DB" "$1"; }
audit_count() { sql "SELECT COUNT(*) FROM audit"; }

finish() {
    stop_server
    echo "# $n checks, $fails failed"
    rm -rf "$T"
    [ "$fails" -eq 0 ]
}
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT
