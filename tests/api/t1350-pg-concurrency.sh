#!/bin/sh
# t1350-pg-concurrency.sh - the PostgreSQL backend under contention: 50
# simultaneous offers of one bed through one server end with exactly one 200
# and 49 409s (serialisable transactions, the losers re-run and see the bed
# taken: never a 500 or 503), and likewise simultaneous accepts of one
# referral, creations of one user and agreements to one aid request; a use
# case that collides with another transaction is re-run by the server and by
# the CLI and succeeds; a database that refuses connections answers
# 503 with Retry-After (never 409 or 500), and the server reconnects by
# itself once the database is back.
# backends: pg
. "$(dirname "$0")/lib.sh"
SERVE_ARGS="--threads 8 --db-pool 8"
export ICSFLOW_BUSY_MS=3000 # a row lock held longer is 503 (PostgreSQL's lock_timeout)
start_server
COORD=$(mktoken coord coordinator QRV)

# ---- 50 offers of one bed -------------------------------------------------
set -- $(sql "SELECT b.bed_id, u.bed_type, COALESCE(b.bay_sex, CASE u.sex WHEN 'mixed' THEN 'F' ELSE u.sex END)
              FROM beds b JOIN units u ON u.unit_code = b.unit_code
              WHERE b.status = 'available' AND b.referral_id IS NULL ORDER BY b.bed_id LIMIT 1" | tr '|' ' ')
B=$1 BT=$2 SX=$3
check "an available bed to compete for ($B, $BT, $SX)" [ -n "$B" ]
IDS=""
i=0
while [ $i -lt 50 ]; do
    i=$((i + 1))
    api POST /api/v1/beds/referrals "$COORD" "{\"nhs_number\":\"9434765919\",\"age\":$((30 + i)),\"sex\":\"$SX\",\"postcode\":\"W5 4RN\",\"referring_site\":\"R1K01\",\"bed_type\":\"$BT\",\"priority\":2}"
    IDS="$IDS $(jqb .referral_id)"
done
check "fifty competing referrals created" [ "$(echo $IDS | wc -w)" = 50 ]
E0=$(sql "SELECT COALESCE(MAX(id), 0) FROM events")
A0=$(audit_count)
pids=""
for id in $IDS; do
    curl -s -o "$T/offer-body.$id" -w '%{http_code}\n' -X POST -H "Authorization: Bearer $COORD" \
        -H "Content-Type: application/json" --data-binary "{\"bed_id\":$B}" \
        "$URL/api/v1/beds/referrals/$id/offer" >"$T/offer.$id" &
    pids="$pids $!"
done
wait $pids # not the server
wins=$(cat "$T"/offer.[0-9]* | grep -c '^200$')
lost=$(cat "$T"/offer.[0-9]* | grep -c '^409$')
other=$(cat "$T"/offer.[0-9]* | grep -vc '^200$\|^409$')
check "50 simultaneous offers of one bed: exactly one 200 ($wins)" [ "$wins" = 1 ]
check "the other 49 are 409 ($lost)" [ "$lost" = 49 ]
check "no 500 or 503 among them ($other)" [ "$other" = 0 ]
echo "# use cases re-run after a serialisation failure: $(grep -c 're-run after a serialisation failure' "$T/server.log")"
check "the bed is reserved" [ "$(sql "SELECT status FROM beds WHERE bed_id = $B")" = reserved ]
check "exactly one referral holds an offer of it" \
    [ "$(sql "SELECT COUNT(*) FROM bed_referrals WHERE bed_id = $B AND state = 'offered'")" = 1 ]
check "the bed holds the winner" \
    [ "$(sql "SELECT b.referral_id = r.referral_id FROM beds b JOIN bed_referrals r ON r.bed_id = b.bed_id AND r.state = 'offered' WHERE b.bed_id = $B")" = t ]
check "one audit record for the one offer" [ "$(audit_count)" = $((A0 + 1)) ]
check "one offered event" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE id > $E0 AND type = 'bed_referral.offered'")" = 1 ]

# ---- the other read-check-write use cases: one winner each ----------------
# race NAME TOKEN METHOD PATH BODY...: the requests at once, one body each;
# sets WON (2xx), LOST (409) and ODD (anything else)
race() {
    rname=$1 rtok=$2 rmethod=$3 rpath=$4
    shift 4
    pids="" k=0
    for body in "$@"; do
        k=$((k + 1))
        curl -s -o /dev/null -w '%{http_code}\n' -X "$rmethod" -H "Authorization: Bearer $rtok" \
            -H "Content-Type: application/json" --data-binary "$body" "$URL$rpath" \
            >"$T/race.$rname.$k" &
        pids="$pids $!"
    done
    wait $pids # not the server
    WON=$(cat "$T"/race."$rname".* | grep -c '^20[01]$')
    LOST=$(cat "$T"/race."$rname".* | grep -c '^409$')
    ODD=$(cat "$T"/race."$rname".* | grep -vc '^20[01]$\|^409$')
}
LAS=$(mktoken crew clinician RRU)
api POST /api/v1/referrals "$LAS" '{"nhs_number":"943 476 5919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "a referral for thirty to accept" 201
RA=$(jqb .id)
race accept "$COORD" POST "/api/v1/referrals/$RA/accept" {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} \
    {} {} {} {} {} {} {} {} {} {} {} {} {} {} {}
check "30 simultaneous accepts of one referral: one 200 ($WON)" [ "$WON" = 1 ]
check "the other 29 are 409 ($LOST)" [ "$LOST" = 29 ]
check "no 500 or 503 among them ($ODD)" [ "$ODD" = 0 ]
check "one referrals.accept audit record" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'referrals.accept' AND object_id = '$RA'")" = 1 ]

U='{"name":"racer","role":"analyst"}'
race users "$ADMIN" POST /api/v1/users "$U" "$U" "$U" "$U" "$U" "$U" "$U" "$U" "$U" "$U" "$U" "$U" \
    "$U" "$U" "$U" "$U" "$U" "$U" "$U" "$U"
check "20 simultaneous creations of one user: one 201 ($WON)" [ "$WON" = 1 ]
check "the other 19 are 409 ($LOST)" [ "$LOST" = 19 ]
check "no 500 or 503 among them ($ODD)" [ "$ODD" = 0 ]
check "one user of that name" [ "$(sql "SELECT COUNT(*) FROM users WHERE name = 'racer'")" = 1 ]

TODAY=$(TZ=Europe/London date +%F) IN3=$(TZ=Europe/London date -d '3 days' +%F)
OPS_RYJ=$(mktoken ops_ryj trust_ops RYJ)
OPS_R1K=$(mktoken ops_r1k trust_ops R1K)
OPS_RAS=$(mktoken ops_ras trust_ops RAS)
api POST /api/v1/sitrep/aid "$OPS_RYJ" '{"resource":"beds","detail":"ga","quantity":10,"date_from":"'$TODAY'","date_to":"'$IN3'","urgency":"urgent"}'
expect "a mutual-aid request" 201
AID=$(jqb .id)
api POST "/api/v1/sitrep/aid/$AID/offers" "$OPS_R1K" '{"quantity":6}'
expect "one trust offers" 201
api POST "/api/v1/sitrep/aid/$AID/offers" "$OPS_RAS" '{"quantity":4}'
expect "another trust offers" 201
O2=$(sql "SELECT MAX(id) FROM sitrep_aid_offers WHERE request_id = $AID")
O1=$(sql "SELECT MIN(id) FROM sitrep_aid_offers WHERE request_id = $AID")
A1="{\"offer_id\":$O1}" A2="{\"offer_id\":$O2}"
race agree "$OPS_RYJ" POST "/api/v1/sitrep/aid/$AID/agree" "$A1" "$A2" "$A1" "$A2" "$A1" "$A2" \
    "$A1" "$A2" "$A1" "$A2" "$A1" "$A2" "$A1" "$A2" "$A1" "$A2" "$A1" "$A2" "$A1" "$A2"
check "20 simultaneous agreements to two offers of one request: one 200 ($WON)" [ "$WON" = 1 ]
check "the other 19 are 409 ($LOST)" [ "$LOST" = 19 ]
check "no 500 or 503 among them ($ODD)" [ "$ODD" = 0 ]
check "the request is agreed to one offer" \
    [ "$(sql "SELECT state || ' ' || CAST(agreed_offer_id IN ($O1, $O2) AS TEXT) FROM sitrep_aid_requests WHERE id = $AID")" = "agreed true" ]

# ---- a serialisation failure is retried, not reported -------------------
# Another transaction updates the bed the next offer needs and holds it for
# a second: the offer's UPDATE waits, then fails with a serialisation error
# when the other commits; the server re-runs the use case, which succeeds.
set -- $(sql "SELECT b.bed_id, u.bed_type, COALESCE(b.bay_sex, CASE u.sex WHEN 'mixed' THEN 'F' ELSE u.sex END)
              FROM beds b JOIN units u ON u.unit_code = b.unit_code
              WHERE b.status = 'available' AND b.referral_id IS NULL ORDER BY b.bed_id DESC LIMIT 1" | tr '|' ' ')
B2=$1
api POST /api/v1/beds/referrals "$COORD" "{\"nhs_number\":\"9434765919\",\"age\":80,\"sex\":\"$3\",\"postcode\":\"W5 4RN\",\"referring_site\":\"R1K01\",\"bed_type\":\"$2\",\"priority\":2}"
R2=$(jqb .referral_id)
reruns() { grep -c 're-run after a serialisation failure' "$T/server.log"; }
before=$(reruns)
psql -X -q -d "$DB" -c "BEGIN ISOLATION LEVEL SERIALIZABLE; UPDATE beds SET updated_at = updated_at WHERE bed_id = $B2; SELECT pg_sleep(1.5); COMMIT;" >/dev/null &
holder=$!
sleep 0.5
api POST "/api/v1/beds/referrals/$R2/offer" "$COORD" "{\"bed_id\":$B2}"
wait $holder
expect "an offer that collided with another transaction succeeds on its re-run" 200
check "the server re-ran it ($before -> $(reruns))" [ "$(reruns)" -gt "$before" ]
check "its bed is reserved once" [ "$(sql "SELECT status FROM beds WHERE bed_id = $B2")" = reserved ]

# ---- the CLI re-runs a use case the same way --------------------------------
api POST /api/v1/referrals "$LAS" '{"nhs_number":"943 476 5919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "a referral for the command line to accept" 201
RF=$(jqb .id)
A1=$(audit_count)
psql -X -q -d "$DB" -c "BEGIN ISOLATION LEVEL SERIALIZABLE; UPDATE referrals SET notes = notes WHERE id = $RF; SELECT pg_sleep(1.5); COMMIT;" >/dev/null &
holder=$!
sleep 0.5
"$BIN" referral accept "$RF" --db "$DB" >"$T/cli.out" 2>"$T/cli.err"
st=$?
wait $holder
check "icsflow referral accept, collided, succeeds on its re-run (exit $st)" [ "$st" -eq 0 ]
check "it says it re-ran" grep -q "re-run after a serialisation failure" "$T/cli.err"
check "the referral is accepted" [ "$(sql "SELECT state FROM referrals WHERE id = $RF")" = accepted ]
check "with one audit record" [ "$(audit_count)" = $((A1 + 1)) ]

# ---- a row locked for longer than the busy timeout: 503, not a hang --------
set -- $(sql "SELECT b.bed_id, u.bed_type, COALESCE(b.bay_sex, CASE u.sex WHEN 'mixed' THEN 'F' ELSE u.sex END)
              FROM beds b JOIN units u ON u.unit_code = b.unit_code
              WHERE b.status = 'available' AND b.referral_id IS NULL ORDER BY b.bed_id LIMIT 1 OFFSET 3" | tr '|' ' ')
B3=$1
api POST /api/v1/beds/referrals "$COORD" "{\"nhs_number\":\"9434765919\",\"age\":81,\"sex\":\"$3\",\"postcode\":\"W5 4RN\",\"referring_site\":\"R1K01\",\"bed_type\":\"$2\",\"priority\":2}"
R3=$(jqb .referral_id)
psql -X -q -d "$DB" -c "BEGIN; SELECT 1 FROM beds WHERE bed_id = $B3 FOR UPDATE; SELECT pg_sleep(6); COMMIT;" >/dev/null &
holder=$!
sleep 0.5
code=$(curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' -X POST -H "Authorization: Bearer $COORD" \
    -H "Content-Type: application/json" --data-binary "{\"bed_id\":$B3}" "$URL/api/v1/beds/referrals/$R3/offer")
wait $holder
check "an offer of a bed another transaction holds past the busy timeout is 503 ($code)" [ "$code" = 503 ]
check "with Retry-After" grep -qi '^Retry-After: [0-9]' "$T/hdr"
check "and nothing was written" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $R3")" = waiting ]

# ---- event ids reach readers in commit order ------------------------------
# Concurrent writers each add a change event; the ids must be the commit
# order, so the ids read back are gapless and increasing.
api GET "/api/v1/events?after=$E0&limit=1000" "$COORD"
jqcheck "the events since the race are read back in id order" '[.items[].id] == ([.items[].id] | sort)'

# ---- a database that refuses connections: 503, then back ------------------
dbname=${DB##*/}
pg_admin "ALTER DATABASE $dbname ALLOW_CONNECTIONS false"
pg_admin "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$dbname' AND pid <> pg_backend_pid()"
code=$(curl -s -o /dev/null -D "$T/hdr" -w '%{http_code}' -H "Authorization: Bearer $COORD" "$URL/api/v1/beds/board")
check "with the database refusing connections, a read is 503 ($code)" [ "$code" = 503 ]
check "the 503 says when to retry" grep -qi '^Retry-After: [0-9]' "$T/hdr"
api POST "/api/v1/beds/referrals/$(echo $IDS | cut -d' ' -f2)/offer" "$COORD" "{\"bed_id\":$B}"
expect "a write is also" 503
pg_admin "ALTER DATABASE $dbname ALLOW_CONNECTIONS true"
api GET "/api/v1/beds/board" "$COORD"
expect "once the database is back the server reconnects by itself" 200
api GET "/api/v1/beds/board" "$COORD"
expect "and keeps serving" 200
finish
