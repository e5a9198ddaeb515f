#!/bin/sh
# t0920-durability.sh - an acknowledged write survives kill -9: clients write
# in a loop while the server is killed with SIGKILL five times and
# restarted on the same database; every referral whose 201 reached a client
# must be in the database afterwards, and the database must be intact.
# backends: sqlite (WAL and synchronous=FULL are SQLite's; kill -9 under write
# load on PostgreSQL is in t1300-multi)
. "$(dirname "$0")/lib.sh"
start_server
LAS=$(mktoken crew clinician RRU)
BODY='{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'

# writer N: POST referrals until $T/stop exists; the id of every 201 goes to
# $T/acked.N (read from the port file each time: the port changes on restart)
writer() {
    while [ ! -e "$T/stop" ]; do
        code=$(curl -s -m 5 -o "$T/w.$1" -w '%{http_code}' -X POST -H "Authorization: Bearer $LAS" \
            -H "Content-Type: application/json" --data-binary "$BODY" \
            "http://127.0.0.1:$(cat "$T/port" 2>/dev/null)/api/v1/referrals" 2>/dev/null)
        if [ "$code" = 201 ]; then jq -r .id "$T/w.$1" >>"$T/acked.$1"; else sleep 0.05; fi
    done
}
restart() {
    rm -f "$T/port"
    "$SERVE_BIN" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$T/port" >>"$T/server.log" 2>&1 &
    PID=$!
    i=0
    while [ ! -s "$T/port" ]; do
        i=$((i + 1)); [ $i -gt 400 ] && { echo "server did not restart"; cat "$T/server.log"; exit 1; }
        sleep 0.05
    done
    URL="http://127.0.0.1:$(cat "$T/port")"
}

before=$(sql "SELECT COUNT(*) FROM referrals")
writer 1 &
W1=$!
writer 2 &
W2=$!
for round in 1 2 3 4 5; do
    sleep 2
    kill -9 "$PID"
    wait "$PID" 2>/dev/null
    restart
done
sleep 1
touch "$T/stop"
wait "$W1" "$W2"
cat "$T"/acked.* 2>/dev/null | sort >"$T/acked"
acked=$(wc -l <"$T/acked")
check "writes were acknowledged across the kills ($acked)" [ "$acked" -gt 5 ]
sql "SELECT id FROM referrals" | sort >"$T/stored"
missing=$(comm -23 "$T/acked" "$T/stored" | wc -l)
check "every acknowledged referral is in the database ($missing missing)" [ "$missing" -eq 0 ]
check "each acknowledged id is a distinct referral" [ "$(uniq "$T/acked" | wc -l)" -eq "$acked" ]
check "at least as many new referrals as acknowledgements" [ "$(sql "SELECT COUNT(*) FROM referrals")" -ge $((before + acked)) ]
check "the database passes its integrity check" [ "$(sql "PRAGMA integrity_check")" = ok ]
api GET /healthz ""
expect "the restarted server answers" 200
finish
