#!/bin/sh
# t1300-multi.sh - several servers on one PostgreSQL database behind HAProxy
# (Debian's haproxy, configured and started here on loopback, stopped by
# pid): a 50-way race to offer one bed spread over both servers has exactly
# one winner; a token revoked through one server is refused by the other at
# once; kill -9 of one server under write load: the other keeps serving and
# every acknowledged write is in the database.
# backends: pg
. "$(dirname "$0")/lib.sh"
fresh_db "$DB"
ADMIN=$(mktoken admin admin QRV)
COORD=$(mktoken coord coordinator QRV)
LAS=$(mktoken crew clinician RRU)
HPID="" PID1="" PID2=""

# serve N: start server N on a free loopback port, its pid in PIDn
serve() {
    rm -f "$T/port$1"
    "$SERVE_BIN" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$T/port$1" >"$T/server$1.log" 2>&1 &
    eval "PID$1=$!"
    w=0
    while [ ! -s "$T/port$1" ]; do
        w=$((w + 1)); [ $w -gt 400 ] && { echo "server $1 did not start"; cat "$T/server$1.log"; exit 1; }
        sleep 0.05
    done
    eval "URL$1=http://127.0.0.1:$(cat "$T/port$1")"
}
serve 1
serve 2

# HAProxy in front: round robin, health checks every 300 ms on /readyz (the
# server is ready when its database answers; a check may take up to 5 s, as
# a loaded sanitizer build can be slow), a failed connection retried on the
# other server. X-Served-By names the server that answered.
start_haproxy() {
    cat >"$T/haproxy.cfg" <<EOF
global
    maxconn 1000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 5s
    retries 3
    option redispatch
frontend icsflow
    bind 127.0.0.1:$1
    default_backend servers
backend servers
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    http-response set-header X-Served-By %[srv_name]
    server s1 $(echo "$URL1" | sed 's|http://||') check inter 300ms fall 2 rise 2
    server s2 $(echo "$URL2" | sed 's|http://||') check inter 300ms fall 2 rise 2
EOF
    haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 &
    HPID=$!
}
# a port of the harness range (7200-7299), another one when it is taken
tries=0
while :; do
    port=$((7200 + $(od -An -N2 -tu2 /dev/urandom) % 100))
    start_haproxy "$port"
    sleep 0.5
    if kill -0 "$HPID" 2>/dev/null; then break; fi
    wait "$HPID" 2>/dev/null
    tries=$((tries + 1))
    [ $tries -ge 10 ] && { echo "haproxy did not start"; cat "$T/haproxy.log"; exit 1; }
done
URL=http://127.0.0.1:$port
# wait until both servers are up behind it
w=0
until [ "$(for k in 1 2 3 4 5 6; do curl -s -D - -o /dev/null "$URL/healthz" | tr -d '\r' | sed -n 's/^X-Served-By: //Ip'; done | sort -u | wc -l)" = 2 ]; do
    w=$((w + 1)); [ $w -gt 100 ] && break
    sleep 0.1
done
check "HAProxy spreads requests over both servers" [ $w -le 100 ]

stop_all() {
    [ -n "$HPID" ] && kill -TERM "$HPID" 2>/dev/null && wait "$HPID" 2>/dev/null
    HPID=""
    for k in 1 2; do
        p=$(eval echo "\$PID$k")
        [ -n "$p" ] || continue
        kill -TERM "$p"
        wait "$p"; st=$?
        check "server $k stops cleanly on SIGTERM (exit $st)" [ "$st" -eq 0 ]
        eval "PID$k=''"
    done
}
trap 'stop_all >/dev/null 2>&1; cleanup' EXIT

# ---- a 50-way race for one bed, through both servers ------------------------
set -- $(sql "SELECT b.bed_id, u.bed_type, CASE u.sex WHEN 'mixed' THEN 'F' ELSE u.sex END
              FROM beds b JOIN units u ON u.unit_code = b.unit_code
              WHERE b.status = 'available' AND b.referral_id IS NULL AND b.bay_sex IS NULL
              AND u.bed_type = 'rehabilitation' ORDER BY b.bed_id LIMIT 1" | tr '|' ' ')
BED=$1 BT=$2 SX=$3
IDS=""
for k in $(seq 1 50); do
    api POST /api/v1/beds/referrals "$COORD" "{\"nhs_number\":\"9434765919\",\"age\":$((40 + k)),\"sex\":\"$SX\",\"postcode\":\"W5 4RN\",\"referring_site\":\"R1K01\",\"bed_type\":\"$BT\",\"priority\":2}"
    IDS="$IDS $(jqb .referral_id)"
done
check "fifty competing referrals created" [ "$(echo $IDS | wc -w)" = 50 ]
pids=""
mkdir "$T/race"
for id in $IDS; do
    curl -s -o /dev/null -D "$T/race/hdr.$id" -w '%{http_code}\n' -X POST -H "Authorization: Bearer $COORD" \
        -H "Content-Type: application/json" --data-binary "{\"bed_id\":$BED}" \
        "$URL/api/v1/beds/referrals/$id/offer" >"$T/race/code.$id" &
    pids="$pids $!"
done
wait $pids
wins=$(cat "$T"/race/code.* | grep -c '^200$')
lost=$(cat "$T"/race/code.* | grep -c '^409$')
check "exactly one offer won ($wins)" [ "$wins" = 1 ]
check "the other 49 were refused with 409 ($lost; $(cat "$T"/race/code.* | sort | uniq -c | tr -s ' \n' ' '))" [ "$lost" = 49 ]
s1=$(cat "$T"/race/hdr.* | tr -d '\r' | grep -ic '^X-Served-By: s1$')
s2=$(cat "$T"/race/hdr.* | tr -d '\r' | grep -ic '^X-Served-By: s2$')
check "server 1 took part in the race ($s1 offers)" [ "$s1" -ge 10 ]
check "server 2 took part in the race ($s2 offers)" [ "$s2" -ge 10 ]
check "one referral holds the bed" \
    [ "$(sql "SELECT COUNT(*) FROM bed_referrals WHERE bed_id = $BED AND state = 'offered'")" = 1 ]
check "and the bed is held for it" [ "$(sql "SELECT status FROM beds WHERE bed_id = $BED")" = reserved ]

# ---- a token revoked through one server is refused by the other at once ----
TOK=$(mktoken revokee analyst QRV)
URL=$URL2
api GET /api/v1/me "$TOK"
expect "the token works on server 2 (and is now in its cache)" 200
URL=$URL1
api GET /api/v1/tokens "$TOK"
TID=$(jqb '.items[0].id')
api DELETE "/api/v1/tokens/$TID" "$TOK"
expect "revoked through server 1" 200
URL=$URL2
api GET /api/v1/me "$TOK"
expect "server 2 refuses it on the very next request" 401
URL=http://127.0.0.1:$port

# ---- kill -9 of one server under write load ---------------------------------
# two clients post UCR referrals through HAProxy in a loop, recording each
# acknowledged id; server 1 is killed in the middle
writer() { # N
    : >"$T/acked.$1"
    while [ ! -f "$T/stop" ]; do
        out=$(curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $LAS" -H "Content-Type: application/json" \
            --data-binary '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}' \
            "$URL/api/v1/referrals")
        code=$(echo "$out" | tail -n 1)
        echo "$code" >>"$T/codes.$1"
        [ "$code" = 201 ] && echo "$out" | head -n 1 | jq -r '.id // .referral_id' >>"$T/acked.$1"
    done
}
rm -f "$T/stop"
writer 1 &
W1=$!
writer 2 &
W2=$!
sleep 3
kill -9 "$PID1"
wait "$PID1" 2>/dev/null
PID1=""
before=$(cat "$T"/acked.1 "$T"/acked.2 | grep -c .)
sleep 4
touch "$T/stop"
wait $W1 $W2
after=$(cat "$T"/acked.1 "$T"/acked.2 | grep -c .)
check "writes were acknowledged before the kill ($before)" [ "$before" -ge 5 ]
check "and after it, by the server left ($((after - before)) more)" [ "$after" -gt "$before" ]
check "no answer was a 500 ($(cat "$T"/codes.* | sort | uniq -c | tr -s ' \n' ' '))" [ "$(cat "$T"/codes.* | grep -c '^500$')" = 0 ]
cat "$T"/acked.1 "$T"/acked.2 | sort >"$T/acked"
sql "SELECT id FROM referrals" | sort >"$T/stored"
missing=$(comm -23 "$T/acked" "$T/stored" | wc -l)
check "every acknowledged write is in the database ($after acknowledged, $missing missing)" [ "$missing" -eq 0 ]
ok2=0
for k in $(seq 1 10); do
    api GET /api/v1/sites "$COORD"
    [ "$STATUS" = 200 ] && ok2=$((ok2 + 1))
done
check "HAProxy routes around the dead server: 10 of 10 reads answered ($ok2)" [ "$ok2" -eq 10 ]

stop_all
for k in 1 2; do
    if grep -q "ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer\|ThreadSanitizer" "$T/server$k.log"; then
        nok "server $k log is free of sanitizer reports"; cat "$T/server$k.log"
    else
        ok "server $k log is free of sanitizer reports"
    fi
done
echo "# $n checks, $fails failed"
[ "$fails" -eq 0 ]
