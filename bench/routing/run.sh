#!/bin/sh
# run.sh - route-query throughput and latency over loopback: wrk (Debian)
# drives POST /api/v1/route on `icsflow serve` and then the same requests on
# nginx (Debian nginx-light, started here with its own prefix and config in
# a temp dir, stopped by pid) serving a static JSON file holding the very
# response icsflow gave, byte for byte: the ceiling for this machine.
# Checks both answer 200 with identical bodies, prints p50/p99 and
# "RATIO routing_http <nginx time per request / icsflow time per request>".
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DUR=${DUR:-10}          # seconds per run
CONN=${CONN:-16}        # concurrent connections
THREADS=${THREADS:-1}   # wrk threads (the machine has 2 cores: one for wrk, one for the server)
BIN=${ICSFLOW_BIN:-$ROOT/build/icsflow}
if [ -z "${ICSFLOW_BIN:-}" ]; then make --no-print-directory build/icsflow >/dev/null; fi
command -v wrk >/dev/null || { echo "bench routing: wrk is not installed (scripts/deps.sh bench)"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "bench routing: nginx is not installed (scripts/deps.sh bench)"; exit 1; }

T=$(mktemp -d)
SPID="" NPID=""
cleanup() {
    [ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
    [ -n "$NPID" ] && kill "$NPID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM

export ICSFLOW_DATA=$ROOT/data
"$BIN" db init --db "$T/bench.db" >/dev/null 2>&1
TOKEN=$("$BIN" user add --db "$T/bench.db" --name bench --role clinician --org RRU | tail -n 1)
"$BIN" serve --db "$T/bench.db" --listen 127.0.0.1:0 --port-file "$T/port" >"$T/server.log" 2>&1 &
SPID=$!
i=0
while [ ! -s "$T/port" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { echo "server did not start"; cat "$T/server.log"; exit 1; }
    sleep 0.05
done
IURL="http://127.0.0.1:$(cat "$T/port")/api/v1/route"

# A typical query (the issue's example): a fixed time, so the answer is the same every time.
BODY='{"postcode":"UB8 3NN","needs":["falls","frailty"],"age":84,"at":"2026-12-25T03:00"}'
printf '%s' "$BODY" >"$T/body.json"
code=$(curl -s -o "$T/icsflow.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json" "$IURL")
[ "$code" = 200 ] || { echo "icsflow answered $code"; cat "$T/icsflow.json"; exit 1; }
SIZE=$(wc -c <"$T/icsflow.json")

# nginx: the same response as a static file, answering POST too (405 -> 200 on the file)
mkdir -p "$T/www/api/v1" "$T/logs"
cp "$T/icsflow.json" "$T/www/api/v1/route"
chmod 755 "$T" && chmod -R a+rX "$T/www" # nginx workers may run as another user
NPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NPORT;
        root $T/www;
        location / { error_page 405 =200 \$uri; }
    }
}
EOF
"$NGINX" -p "$T" -c "$T/nginx.conf" -e "$T/logs/error.log" &
NPID=$!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$NPORT/api/v1/route"; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "nginx did not start"; cat "$T/logs/error.log"; exit 1; }
    sleep 0.05
done
NURL="http://127.0.0.1:$NPORT/api/v1/route"
code=$(curl -s -o "$T/nginx.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data-binary @"$T/body.json" "$NURL")
[ "$code" = 200 ] || { echo "nginx answered $code"; exit 1; }
cmp -s "$T/icsflow.json" "$T/nginx.json" || { echo "nginx and icsflow bodies differ"; exit 1; }

cat >"$T/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF

# run NAME URL -> sets RPS P50 P99 (ms) and checks every answer was 2xx
run() {
    wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" --latency -s "$T/post.lua" "$2" >"$T/$1.wrk" 2>&1
    if grep -q "Non-2xx\|Socket errors" "$T/$1.wrk"; then
        echo "$1: errors under load:"; cat "$T/$1.wrk"; exit 1
    fi
    RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/$1.wrk")
    P50=$(awk '$1 == "50%" { print $2 }' "$T/$1.wrk")
    P99=$(awk '$1 == "99%" { print $2 }' "$T/$1.wrk")
}
# wrk prints latencies with units (us, ms, s): convert to milliseconds
ms() { echo "$1" | awk '/us$/ { sub("us",""); print $1/1000; next } /ms$/ { sub("ms",""); print $1; next } /s$/ { sub("s",""); print $1*1000 }'; }

echo "routing: POST /api/v1/route, response $SIZE bytes, $CONN connections, $THREADS wrk thread(s), ${DUR}s each"
run icsflow "$IURL"
I_RPS=$RPS I50=$(ms "$P50") I99=$(ms "$P99")
# the answer under load is still the same answer
curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    --data-binary @"$T/body.json" "$IURL" | cmp -s - "$T/nginx.json" || { echo "icsflow answer changed under load"; exit 1; }
run nginx "$NURL"
N_RPS=$RPS N50=$(ms "$P50") N99=$(ms "$P99")
printf '  icsflow serve : %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms\n' "$I_RPS" "$I50" "$I99"
printf '  nginx static  : %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms\n' "$N_RPS" "$N50" "$N99"
awk -v i="$I_RPS" -v n="$N_RPS" 'BEGIN { printf "RATIO routing_http %.3f\n", i / n }'
