#!/bin/sh
# run.sh - the largest lists over HTTP (issue 18, item 6): 1,000-row pages of
# referrals, waiting-list entries and the audit log from one `icsflow serve`
# on a SQLite file seeded as a first start seeds it (about 17,700 referrals
# and 40,000 waiting-list entries, synthetic), under wrk at CONN connections.
# For each list it measures the first page, a deep page by offset and the
# same deep page by keyset (?after= the id before it, checked to give the
# same rows), and nginx serving the first page's bytes as a static file (the
# machine's ceiling for the same bytes); then the referrals' first page again
# while one client writes (users added one at a time), with the writer's
# answer times. Prints req/s, p50 and p99 (goal: p99
# under 50 ms), the server's CPU time per request, the load average before
# and after, and RATIO lines: lists_<list>_keyset_vs_offset (deep page,
# req/s) and lists_<list>_vs_nginx (first page, req/s). wrk is driven by
# bench/lib.sh, as in bench/http. Every process is started here on loopback
# and stopped by its pid.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DUR=${DUR:-5}         # seconds per run
CONN=${CONN:-8}       # concurrent connections
THREADS=${THREADS:-2} # wrk threads
case ${BUILD:-build} in /*) BDIR=$BUILD ;; *) BDIR=$ROOT/${BUILD:-build} ;; esac
BIN=${ICSFLOW_BIN:-$BDIR/icsflow}
if [ -z "${ICSFLOW_BIN:-}" ]; then make --no-print-directory "${BUILD:-build}/icsflow" >/dev/null; fi
command -v wrk >/dev/null || { echo "bench lists: wrk is not installed (scripts/deps.sh bench)"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

T=$(mktemp -d)
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null || true; done
    for p in $PIDS; do wait "$p" 2>/dev/null || true; done
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
export ICSFLOW_DATA=$ROOT/data ICSFLOW_WEB=$ROOT/web

. "$ROOT/bench/lib.sh"
HZ=$(getconf CLK_TCK)
ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }

"$BIN" db init --db "$T/bench.db" >/dev/null 2>&1
TOKEN=$("$BIN" user add --db "$T/bench.db" --name bench-admin --role admin | tail -n 1)
printf 'wrk.headers["Authorization"] = "Bearer %s"\n' "$TOKEN" >"$T/auth.lua"
bench_serve lists "$T/bench.db"
URL=$SURL

get() { # PATH OUT -> status
    curl -s -o "$2" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL$1"
}

: >"$T/results"
# run NAME URL [PID]: one wrk run, a result line (with PID, its CPU per request)
run() {
    c0=$([ -n "${3:-}" ] && ticks "$3" || echo 0)
    bench_wrk "$1" "$2" "$T/auth.lua"
    c1=$([ -n "${3:-}" ] && ticks "$3" || echo 0)
    cpu=$(awk -v a="$c0" -v b="$c1" -v n="$WRK_REQS" -v hz="$HZ" 'BEGIN { printf "%.1f", n ? (b - a) / hz / n * 1e3 : 0 }')
    echo "$1 $WRK_RPS $WRK_P50 $WRK_P99 $cpu" >>"$T/results"
    printf '  %-28s %8.1f req/s  p50 %8.2f ms  p99 %8.2f ms%s%s\n' "$1" "$WRK_RPS" "$WRK_P50" "$WRK_P99" \
        "$([ -n "${3:-}" ] && echo "  server CPU $cpu ms/req")" \
        "$(awk -v p="$WRK_P99" 'BEGIN { if (p >= 50) printf "  (over 50 ms)" }')"
}

echo "lists: 1,000-row pages, $CONN connections, $THREADS wrk threads, ${DUR}s per run; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$T/www/api/v1/waitlist"
for list in referrals waitlist/entries audit; do
    name=$(echo "$list" | tr '/' '_')
    [ "$(get "/api/v1/$list?limit=1" "$T/one")" = 200 ] || { echo "$list: no answer"; exit 1; }
    total=$(jq '.total // empty' "$T/one")
    [ "$(get "/api/v1/$list?limit=1000" "$T/$name.first")" = 200 ]
    n=$(jq '.items | length' "$T/$name.first")
    cp "$T/$name.first" "$T/www/api/v1/$list"
    echo "  $list: ${total:-?} rows; first page $n rows, $(wc -c <"$T/$name.first") bytes"
    run "$name.first" "$URL/api/v1/$list?limit=1000" "$SPID"
    # a deep page: the last full 1,000 rows, by offset and by keyset
    if [ -n "$total" ] && [ "$total" -gt 2000 ]; then
        off=$((total - 1000))
        [ "$(get "/api/v1/$list?limit=1&offset=$((off - 1))" "$T/prev")" = 200 ]
        after=$(jq '.items[0].id' "$T/prev")
        [ "$(get "/api/v1/$list?limit=1000&offset=$off" "$T/by_offset")" = 200 ]
        [ "$(get "/api/v1/$list?limit=1000&after=$after" "$T/by_after")" = 200 ]
        [ "$(jq -c '[.items[].id]' "$T/by_offset")" = "$(jq -c '[.items[].id]' "$T/by_after")" ] ||
            { echo "$list: the keyset page differs from the offset page"; exit 1; }
        run "$name.offset_$off" "$URL/api/v1/$list?limit=1000&offset=$off" "$SPID"
        run "$name.after_$after" "$URL/api/v1/$list?limit=1000&after=$after" "$SPID"
        echo "$name keyset_vs_offset $(awk -v n="$name" '$1 ~ "^"n".after_" { a = $2 } $1 ~ "^"n".offset_" { o = $2 } END { if (o) printf "%.3f", a / o }' "$T/results")" >>"$T/ratios"
    else
        echo "  $list: too few rows for a deep page (keyset pages: GET /api/v1/$list?after=ID)"
    fi
done
# ---- the referrals' first page while one client writes -----------------------
# Pages whose reads held the write lock queued behind writers and writers
# behind them; a page read in a snapshot (app_read_audited) takes the lock
# only for its audit record. One writer adds users one at a time (each an
# audited write), 10 a second, while wrk reads; its answer times are printed.
writer() {
    i=0
    while [ ! -f "$T/stop" ]; do
        i=$((i + 1))
        curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $TOKEN" \
            -H 'Content-Type: application/json' -d "{\"name\":\"bench.w$i\",\"role\":\"analyst\"}" \
            "$URL/api/v1/users" >>"$T/writes"
        sleep 0.1
    done
}
rm -f "$T/stop"
: >"$T/writes"
writer &
WPID=$!
PIDS="$PIDS $WPID"
run "referrals.first_with_writer" "$URL/api/v1/referrals?limit=1000" "$SPID"
touch "$T/stop"
wait "$WPID" 2>/dev/null || true
[ "$(awk '$1 != 201' "$T/writes" | wc -l)" = 0 ] || { echo "writer: a write failed"; cat "$T/writes"; exit 1; }
sort -n -k2 "$T/writes" | awk '{ t[NR] = $2 * 1e3 } END {
    printf "  %-28s %d writes, one at a time: p50 %.1f ms  p90 %.1f ms  max %.1f ms\n", "writer (users added)", NR,
        t[int((NR + 1) / 2)], t[int(NR * 0.9 + 0.5)], t[NR] }'
kill "$SPID"; wait "$SPID" 2>/dev/null || true

# ---- nginx: the first pages' bytes as static files ---------------------------
if [ -x "$NGINX" ]; then
    mkdir -p "$T/nlogs"
    chmod 755 "$T" && chmod -R a+rX "$T/www"
    NPORT=$(freeport)
    cat >"$T/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/nginx.pid;
error_log $T/nlogs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:$NPORT; root $T/www; }
}
EOF
    "$NGINX" -p "$T" -c "$T/nginx.conf" -e "$T/nlogs/error.log" &
    PIDS="$PIDS $!"
    i=0
    until curl -s -o /dev/null "http://127.0.0.1:$NPORT/api/v1/referrals"; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "nginx did not start"; exit 1; }
        sleep 0.05
    done
    for list in referrals waitlist/entries audit; do
        name=$(echo "$list" | tr '/' '_')
        curl -s -o "$T/n.out" "http://127.0.0.1:$NPORT/api/v1/$list"
        cmp -s "$T/n.out" "$T/$name.first" || { echo "nginx: $list bytes differ"; exit 1; }
        run "nginx.$name" "http://127.0.0.1:$NPORT/api/v1/$list"
        echo "$name vs_nginx $(awk -v n="$name" '$1 == n".first" { a = $2 } $1 == "nginx."n { b = $2 } END { if (b) printf "%.3f", a / b }' "$T/results")" >>"$T/ratios"
    done
else
    echo "  nginx: skipped (not installed: scripts/deps.sh bench)"
fi
echo "  load after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -f "$T/ratios" ] && awk '$3 != "" { printf "RATIO lists_%s_%s %s\n", $1, $2, $3 }' "$T/ratios"
exit 0
