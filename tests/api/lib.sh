# lib.sh - shared by the API tests (sourced). Starts the real, sanitizer-built
# server on a free loopback port with a fresh database seeded with the NWL
# dataset, makes tokens, calls the API with curl, asserts with jq, reads the
# database with db_sql, and prints TAP-style "ok N - ..." lines.
#
# ICS_BACKEND=sqlite (default) or pg picks the database: a file under $T, or
# a database of its own on the PostgreSQL cluster at ICS_PG_URI (tests/run.sh
# starts one for the whole run; a script run by hand with ICS_BACKEND=pg and
# no ICS_PG_URI starts and stops a private one). A script that only makes
# sense on one backend says so in a line "# backends: sqlite" (or pg) near
# its top; tests/run.sh reads it, and the script skips itself on the other.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case ${BUILD:-build} in /*) B=$BUILD ;; *) B=$ROOT/${BUILD:-build} ;; esac
BIN=${ICSFLOW_BIN:-$B/asan/icsflow}
SERVE_BIN=${ICSFLOW_SERVE_BIN:-$BIN} # tests/run.sh serves tests/tsan/ with the ThreadSanitizer build
T=$(mktemp -d)
ICS_BACKEND=${ICS_BACKEND:-sqlite}
export ICSFLOW_DATA=$ROOT/data
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
n=0 fails=0 PID="" OWN_PG=""

# The script's own "# backends:" line: on a backend it does not list, it
# prints one skipped check and stops.
only=$(sed -n 's/^# backends: *\([a-z ]*\).*/\1/p' "$0" | head -n 1)
case " ${only:-sqlite pg} " in
*" $ICS_BACKEND "*) ;;
*)
    echo "ok 1 # skip $(basename "$0") runs on ${only} only"
    rm -rf "$T"
    exit 0
    ;;
esac

case $ICS_BACKEND in
sqlite) ;;
pg)
    if [ -z "${ICS_PG_URI:-}" ]; then
        eval "$(sh "$ROOT/scripts/pgcluster.sh" start)" || exit 1
        OWN_PG=$ICS_PG_DIR
        export ICS_PG_URI ICS_PG_DIR
    fi
    ;;
*)
    echo "ICS_BACKEND must be sqlite or pg, not '$ICS_BACKEND'"
    exit 1
    ;;
esac

# pg_admin SQL: run SQL as the cluster's superuser on its maintenance database
pg_admin() { PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -d "$ICS_PG_URI/postgres" -c "$1" >/dev/null; }

# db_new NAME: prints where a new, empty database called NAME lives (a file
# path not yet created, or the URI of a new empty PostgreSQL database)
db_new() {
    if [ "$ICS_BACKEND" = pg ]; then
        d=t$$_$1
        pg_admin "CREATE DATABASE $d" || exit 1
        echo "$d" >>"$T/pg-databases"
        echo "$ICS_PG_URI/$d"
    else
        echo "$T/$1.db"
    fi
}
DB=$(db_new test)

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
# it is over an hour old, or was seeded on another London day (seeded
# history is relative to today, and a run may cross midnight).
london_day() { TZ=Europe/London date +%F; }
fresh_db() { # DEST
    if [ "$ICS_BACKEND" = pg ]; then
        fresh_pg "$1"
        return
    fi
    tpl=$B/test-template.db
    (
        flock 9
        if [ ! -s "$tpl" ] || [ "$BIN" -nt "$tpl" ] || [ -n "$(find "$tpl" -mmin +60)" ] ||
            [ -n "$(find "$ROOT/data" -newer "$tpl" -print -quit)" ] ||
            [ "$(cat "$tpl.day" 2>/dev/null)" != "$(london_day)" ]; then
            rm -f "$tpl" "$tpl-wal" "$tpl-shm"
            day=$(london_day)
            "$BIN" db init --db "$tpl.new" >/dev/null 2>"$T/init.log" || { cat "$T/init.log"; exit 1; }
            sqlite3 "$tpl.new" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
            rm -f "$tpl.new-wal" "$tpl.new-shm"
            mv "$tpl.new" "$tpl"
            echo "$day" >"$tpl.day"
        fi
    ) 9>"$B/test-template.lock" || exit 1
    cp "$tpl" "$1"
    chmod 600 "$1"
}

# On PostgreSQL the template is a database of the cluster, seeded once per
# cluster (tests/run.sh builds it before the first script) and copied with
# CREATE DATABASE ... TEMPLATE, which is a file copy and takes well under a
# second. DEST is a URI made by db_new (whose empty database is replaced).
# The template's comment names the London day it was seeded on; one seeded
# on another day is seeded again, as fresh_db does for SQLite.
fresh_pg() { # DEST
    d=${1##*/}
    (
        flock 9
        day=$(london_day)
        if [ "$(psql -X -tAq -d "$ICS_PG_URI/postgres" -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'icsflow_tmpl'")" != "seeded $day" ]; then
            pg_admin "DROP DATABASE IF EXISTS icsflow_tmpl_new" || exit 1
            pg_admin "CREATE DATABASE icsflow_tmpl_new" || exit 1
            "$BIN" db init --db "$ICS_PG_URI/icsflow_tmpl_new" >/dev/null 2>"$T/init.log" || { cat "$T/init.log"; exit 1; }
            pg_admin "DROP DATABASE IF EXISTS icsflow_tmpl" || exit 1
            pg_admin "ALTER DATABASE icsflow_tmpl_new RENAME TO icsflow_tmpl" || exit 1
            pg_admin "COMMENT ON DATABASE icsflow_tmpl IS 'seeded $day'" || exit 1
        fi
        pg_admin "DROP DATABASE IF EXISTS $d" || exit 1
        pg_admin "CREATE DATABASE $d TEMPLATE icsflow_tmpl" || exit 1
    ) 9>"${TMPDIR:-/tmp}/icsflow-pg-template.$(echo "$ICS_PG_URI" | tr -c 'a-z0-9' _).lock" || exit 1
}

# db_exists DB: the file exists, or the PostgreSQL database holds icsflow's schema
db_exists() {
    case $1 in
    postgres://* | postgresql://*)
        [ "$(db_sql "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'" "$1")" = 1 ] ;;
    *) [ -f "$1" ] ;;
    esac
}

start_server() {
    if ! db_exists "$DB"; then
        fresh_db "$DB"
        ADMIN=$(mktoken admin admin QRV)
    fi
    : >"$T/server.log"
    # SERVE_ARGS: extra `icsflow serve` options for one test (e.g. limits)
    # shellcheck disable=SC2086
    serve_bg "$T/port" "$T/server.log" ${SERVE_ARGS:-}
    PID=$BGPID URL=$BGURL
}

# serve_bg PORTFILE LOG [ARGS...]: `icsflow serve` on $DB in the background
# on a free loopback port, appending to LOG; waits for its port (20 s, else
# the script stops with the log) and sets BGPID and BGURL
serve_bg() {
    pf=$1 lg=$2
    shift 2
    rm -f "$pf"
    "$SERVE_BIN" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$pf" "$@" >>"$lg" 2>&1 &
    BGPID=$!
    i=0
    while [ ! -s "$pf" ]; do
        i=$((i + 1)); [ $i -gt 400 ] && { echo "server ($lg) did not start"; cat "$lg"; exit 1; }
        sleep 0.05
    done
    BGURL="http://127.0.0.1:$(cat "$pf")"
}

# start_server2: a second server on the same database (several servers on
# one database), its log in $T/server2.log; sets PID2 and URL2
start_server2() {
    : >"$T/server2.log"
    serve_bg "$T/port2" "$T/server2.log"
    PID2=$BGPID URL2=$BGURL
}

# stop_server2: SIGTERM to the second server; checks it stops cleanly and
# its log has no sanitizer report
stop_server2() {
    kill -TERM "$PID2"
    wait "$PID2"; st=$?
    PID2=""
    check "the second server stops cleanly (exit $st)" [ "$st" -eq 0 ]
    check "its log is free of sanitizer reports" \
        [ "$(grep -c 'ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer\|ThreadSanitizer' "$T/server2.log")" -eq 0 ]
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

# fexpect DESC STATUS: the same for the FHIR endpoints, whose answers are
# application/fhir+json and whose errors are an OperationOutcome with
# diagnostics instead of problem+json
fexpect() {
    if [ "$STATUS" != "$2" ]; then
        nok "$1: expected $2, got $STATUS: $(head -c 300 "$T/body")"
    elif [ "$CTYPE" != "application/fhir+json" ]; then
        nok "$1 -> $2 but served as '$CTYPE', not application/fhir+json"
    else
        case "$2" in
        4* | 5*) if jq -e '.resourceType == "OperationOutcome" and (.issue[0].diagnostics | length > 0)' "$T/body" >/dev/null; then
                ok "$1 -> $2: $(jq -r '.issue[0].code + ": " + .issue[0].diagnostics' "$T/body" | cut -c1-100)"
            else nok "$1 -> $2 but no OperationOutcome: $(head -c 300 "$T/body")"; fi ;;
        *) ok "$1 -> $2" ;;
        esac
    fi
}

jqb() { jq -r "$1" "$T/body"; }
# jqcheck DESC FILTER: the filter is true of the last body
jqcheck() { if jq -e "$2" "$T/body" >/dev/null 2>&1; then ok "$1"; else nok "$1: $(head -c 300 "$T/body")"; fi; }
# db_sql SQL [DB]: run SQL on the test's database (or DB) on either backend;
# rows print one a line, columns separated by '|', NULL as empty, as sqlite3
# prints them. Write SQL both backends accept; the two SQLite functions the
# checks use are turned into PostgreSQL's here, in one place:
# json_extract(col, '$.key') -> (col::json->>'key'), group_concat(x[, sep])
# -> string_agg(x::text, sep); and a subquery ending the statement gets the
# alias PostgreSQL 15 requires.
db_sql() {
    case ${2:-$DB} in
    postgres://* | postgresql://*)
        q=$(printf '%s' "$1" | sed -E \
            -e "s/json_extract\(([a-z_.]+), *'\\\$\.([a-z_]+)'\)/(\1::json->>'\2')/g" \
            -e "s/group_concat\(([^,()]+), *('[^']*')\)/string_agg((\1)::text, \2)/g" \
            -e "s/group_concat\(([^,()]+)\)/string_agg((\1)::text, ',')/g" \
            -e "s/(FROM \(SELECT [^()]*\))\$/\1 AS sub/")
        psql -X -q -t -A -v ON_ERROR_STOP=1 -d "${2:-$DB}" -c "$q"
        ;;
    *) sqlite3 "${2:-$DB}" "$1" ;;
    esac
}
sql() { db_sql "$@"; }
audit_count() { sql "SELECT COUNT(*) FROM audit"; }

# Event streams. stream NAME TOKEN [CURL ARGS]: GET /api/v1/events on
# ${STREAM_URL:-$URL} in the background, into $T/NAME; stop NAME ends it.
stream() {
    name=$1 tok=$2; shift 2
    curl -sN -H "Authorization: Bearer $tok" -H 'Accept: text/event-stream' "$@" \
        "${STREAM_URL:-$URL}/api/v1/events" >"$T/$name" 2>/dev/null &
    eval "P_$name=$!"
}
stop() { eval "kill \$P_$1 2>/dev/null; wait \$P_$1 2>/dev/null"; }
# has NAME PATTERN: the stream file NAME has a line matching PATTERN
has() { grep -q "$2" "$T/$1" 2>/dev/null; }
# ids NAME: the event ids a stream received, in order, space-separated
ids() { sed -n 's/^id: //p' "$T/$1" | tr '\n' ' '; }
# until_ok SECS COMMAND...: retry the command every 0.1 s for up to SECS
until_ok() {
    s=$1; shift; i=0
    while ! "$@"; do
        i=$((i + 1)); [ "$i" -gt $((s * 10)) ] && return 1
        sleep 0.1
    done
}

finish() {
    stop_server
    echo "# $n checks, $fails failed"
    [ "$fails" -eq 0 ]
}
# cleanup: the server, the test's PostgreSQL databases (or the whole private
# cluster when this script started one), then the temporary folder
cleanup() {
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    [ -n "${PID2:-}" ] && kill "$PID2" 2>/dev/null && wait "$PID2" 2>/dev/null
    if [ -n "$OWN_PG" ]; then
        sh "$ROOT/scripts/pgcluster.sh" stop "$OWN_PG"
    else
        for d in $(cat "$T/pg-databases" 2>/dev/null); do
            pg_admin "DROP DATABASE IF EXISTS $d WITH (FORCE)" 2>/dev/null
        done
    fi
    rm -rf "$T"
}
trap cleanup EXIT
