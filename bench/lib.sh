# lib.sh - the HTTP benchmarks' shared driver (sourced by bench/http/run.sh
# and bench/lists/run.sh): a free loopback port, an `icsflow serve` started
# and waited for, and one wrk run turned into a result line (req/s, p50,
# p99 in ms, requests made, answers over wrk's timeout), failing on any
# error answer or socket error. The caller sets T (its temporary folder),
# BIN (the icsflow binary) and PIDS (what its cleanup kills), and THREADS,
# CONN and DUR for wrk.

# freeport: a TCP port free on loopback now
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ms VALUE: wrk's latency (us, ms, s) in milliseconds
ms() { echo "$1" | awk '/us$/ { sub("us",""); print $1/1000; next } /ms$/ { sub("ms",""); print $1; next } /s$/ { sub("s",""); print $1*1000 }'; }

# bench_serve NAME DB [OPTION...]: `icsflow serve` on DB at a free loopback
# port (with any further options, e.g. --threads 1), waited for; sets SPID
# and SURL, and adds the pid to PIDS
bench_serve() {
    bs_name=$1 bs_db=$2
    shift 2
    rm -f "$T/$bs_name.port"
    "$BIN" serve --db "$bs_db" --listen 127.0.0.1:0 --port-file "$T/$bs_name.port" "$@" >"$T/$bs_name.log" 2>&1 &
    SPID=$!
    PIDS="$PIDS $SPID"
    i=0
    while [ ! -s "$T/$bs_name.port" ]; do
        i=$((i + 1)); [ $i -gt 400 ] && { echo "server $bs_name did not start"; cat "$T/$bs_name.log"; exit 1; }
        sleep 0.05
    done
    SURL="http://127.0.0.1:$(cat "$T/$bs_name.port")"
}

# bench_wrk NAME URL LUA: one wrk run (THREADS threads, CONN connections,
# DUR seconds, the request described by the wrk script LUA) into
# $T/NAME.wrk; sets WRK_RPS, WRK_P50, WRK_P99 (ms), WRK_REQS and WRK_SLOW
# (answers slower than the 10 s timeout: counted, not fatal, on a loaded
# machine). Any non-2xx answer or socket error stops the benchmark.
bench_wrk() {
    wrk -t"$THREADS" -c"$CONN" -d"${DUR}s" --timeout 10s --latency -s "$3" "$2" >"$T/$1.wrk" 2>&1
    if grep -q "Non-2xx\|Socket errors: connect [1-9]\|read [1-9]\|write [1-9]" "$T/$1.wrk"; then
        echo "$1: errors under load:"; cat "$T/$1.wrk"; exit 1
    fi
    WRK_SLOW=$(sed -n 's/.*timeout \([0-9]*\).*/\1/p' "$T/$1.wrk")
    WRK_RPS=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$T/$1.wrk")
    WRK_REQS=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$T/$1.wrk")
    WRK_P50=$(ms "$(awk '$1 == "50%" { print $2 }' "$T/$1.wrk")")
    WRK_P99=$(ms "$(awk '$1 == "99%" { print $2 }' "$T/$1.wrk")")
}
