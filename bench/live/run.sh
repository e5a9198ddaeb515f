#!/bin/sh
# run.sh - the event stream under load (issue 14, item 7): the route query
# benchmark (wrk, POST /api/v1/route, as bench/http) against one server on
# SQLite, first alone, then with STREAMS (1,000) event streams open on the
# same server while bed status changes are committed at RATE per second.
# Prints the route query's requests per second and p99 with and without the
# streams (RATIO line), the server's CPU per request, its thread count with
# the streams open (no thread per stream), and the delay from sending a
# change to each stream receiving its event (p50, p99; an upper bound on
# commit-to-delivery). Everything runs on loopback, stopped by pid.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
N=${STREAMS:-1000}  # event streams
DUR=${DUR:-10}      # seconds per wrk run
CONN=${CONN:-64}    # wrk connections
RATE=${RATE:-5}     # bed changes per second while the streams are open
BIN=${ICSFLOW_BIN:-$ROOT/${BUILD:-build}/icsflow}
if [ -z "${ICSFLOW_BIN:-}" ]; then make --no-print-directory "${BUILD:-build}/icsflow" >/dev/null; fi
command -v wrk >/dev/null || { echo "bench live: wrk is not installed (scripts/deps.sh bench)"; exit 1; }
command -v node >/dev/null || { echo "bench live: node is not installed"; exit 1; }

T=$(mktemp -d)
SPID="" NPID=""
cleanup() {
    [ -n "$NPID" ] && kill "$NPID" 2>/dev/null
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
export ICSFLOW_DATA=$ROOT/data
HZ=$(getconf CLK_TCK)
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
ms() { echo "$1" | awk '/us$/ { sub("us",""); print $1/1000; next } /ms$/ { sub("ms",""); print $1; next } /s$/ { sub("s",""); print $1*1000 }'; }

"$BIN" db init --db "$T/bench.db" >/dev/null 2>&1
CLIN=$("$BIN" user add --db "$T/bench.db" --name bench-clin --role clinician --org RRU | tail -n 1)
COORD=$("$BIN" user add --db "$T/bench.db" --name bench-coord --role coordinator --org QRV | tail -n 1)
BEDS=$(sqlite3 "$T/bench.db" "SELECT group_concat(bed_id) FROM (SELECT bed_id FROM beds WHERE status = 'available' ORDER BY bed_id LIMIT 20)")
"$BIN" serve --db "$T/bench.db" --listen 127.0.0.1:0 --port-file "$T/port" --max-conns $((N + 600)) \
    --conns-per-addr $((N + 300)) --streams-per-addr $((N + 10)) >"$T/server.log" 2>&1 &
SPID=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1)); [ $i -gt 400 ] && { echo "server did not start"; cat "$T/server.log"; exit 1; }
    sleep 0.05
done
URL="http://127.0.0.1:$(cat "$T/port")"
cat >"$T/route.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"postcode":"UB8 3NN","needs":["falls","frailty"],"age":84,"at":"2026-12-25T03:00"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $CLIN"
EOF

# route NAME: one wrk run; sets RPS, P99 and CPU (server us per request)
route() {
    c0=$(ticks "$SPID")
    wrk -t2 -c"$CONN" -d"${DUR}s" --latency -s "$T/route.lua" "$URL/api/v1/route" >"$T/$1.wrk" 2>&1
    c1=$(ticks "$SPID")
    if grep -q "Non-2xx\|Socket errors" "$T/$1.wrk"; then echo "$1: errors under load"; cat "$T/$1.wrk"; exit 1; fi
    RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/$1.wrk")
    reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/$1.wrk")
    P99=$(ms "$(awk '$1 == "99%" { print $2 }' "$T/$1.wrk")")
    CPU=$(awk -v a="$c0" -v b="$c1" -v n="$reqs" -v hz="$HZ" 'BEGIN { printf "%.0f", (b - a) / hz / n * 1e6 }')
    printf '  %-14s %8.0f req/s  p99 %8.3f ms  server CPU %4s us/req\n' "$1" "$RPS" "$P99" "$CPU"
}

echo "live: route query with and without $N event streams; $CONN wrk connections, ${DUR}s per run, $RATE bed changes/s; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
route alone
RPS0=$RPS P990=$P99
THREADS0=$(awk '/^Threads/ { print $2 }' "/proc/$SPID/status")

node bench/live/streams.mjs "$URL" "$COORD" "$COORD" "$N" $((DUR + 4)) "$RATE" "$BEDS" >"$T/streams.json" 2>"$T/streams.err" &
NPID=$!
i=0
until grep -q READY "$T/streams.err" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 1200 ] && { echo "streams did not open"; cat "$T/streams.err"; exit 1; }
    kill -0 "$NPID" 2>/dev/null || { echo "streams client died"; cat "$T/streams.err"; exit 1; }
    sleep 0.1
done
sed -n 's/^streams open/  streams open/p' "$T/streams.err"
sleep 1
THREADS1=$(awk '/^Threads/ { print $2 }' "/proc/$SPID/status")
FDS=$(ls "/proc/$SPID/fd" | wc -l)
route "with $N streams"
RPS1=$RPS P991=$P99
wait "$NPID"
NPID=""
echo "  server threads: $THREADS0 alone, $THREADS1 with the streams open ($FDS descriptors)"
jq -r '"  deliveries \(.deliveries) of \(.expected) (\(.changes) changes x \(.streams) streams); send-to-delivery p50 \(.p50_ms | . * 10 | round / 10) ms, p99 \(.p99_ms | . * 10 | round / 10) ms, max \(.max_ms | round) ms"' "$T/streams.json"
awk -v a="$RPS1" -v b="$RPS0" 'BEGIN { printf "RATIO live route_rps_with_streams/alone %.2f\n", a / b }'
awk -v a="$P991" -v b="$P990" 'BEGIN { printf "RATIO live route_p99_with_streams/alone %.2f\n", a / b }'
jq -r '"RATIO live delivery_p50_ms \(.p50_ms | . * 10 | round / 10) delivery_p99_ms \(.p99_ms | . * 10 | round / 10)"' "$T/streams.json"
grep -c 'cut off' "$T/server.log" | awk '{ print "  streams cut off: " $1 }'
