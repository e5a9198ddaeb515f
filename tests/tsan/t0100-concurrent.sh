#!/bin/sh
# t0100-concurrent.sh - the server under concurrent requests, built with
# ThreadSanitizer (tests/run.sh sets ICSFLOW_SERVE_BIN to build/tsan/icsflow):
# simultaneous offers of one bed (exactly one wins), simultaneous mutual-aid
# offers, and a burst of mixed reads and writes across the modules. Any
# ThreadSanitizer report in the server log fails the run (lib.sh).
. "$(dirname "$0")/../api/lib.sh"
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=0 second_deadlock_stack=1}
start_server
COORD=$(mktoken coord coordinator QRV)
CLIN=$(mktoken imperial clinician RYJ)
LAS=$(mktoken crew clinician RRU)
OPS_RYJ=$(mktoken ops-ryj trust_ops RYJ)
OPS_R1K=$(mktoken ops-r1k trust_ops R1K)
OPS_RAS=$(mktoken ops-ras trust_ops RAS)
OPS_RQM=$(mktoken ops-rqm trust_ops RQM)

# post URL TOKEN BODY OUT: one request in the background, its status in
# OUT; settle waits for them all (not for the server)
pids=""
post() {
    curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $2" \
        -H "Content-Type: application/json" --data-binary "$3" "$URL$1" >"$4" &
    pids="$pids $!"
}
settle() {
    wait $pids
    pids=""
}

# ---- six simultaneous offers of one free bed -----------------------------
set -- $(sql "SELECT b.bed_id, u.bed_type, CASE u.sex WHEN 'mixed' THEN 'F' ELSE u.sex END
              FROM beds b JOIN units u ON u.unit_code = b.unit_code
              WHERE b.status = 'available' AND b.referral_id IS NULL AND b.bay_sex IS NULL
              AND u.bed_type = 'rehabilitation' ORDER BY b.bed_id LIMIT 1" | tr '|' ' ')
B=$1 BT=$2 SX=$3
IDS=""
for i in 1 2 3 4 5 6; do
    api POST /api/v1/beds/referrals "$COORD" "{\"nhs_number\":\"9434765919\",\"age\":7$i,\"sex\":\"$SX\",\"postcode\":\"W5 4RN\",\"referring_site\":\"R1K01\",\"bed_type\":\"$BT\",\"priority\":2}"
    IDS="$IDS $(jqb .referral_id)"
done
check "six competing referrals created" [ "$(echo $IDS | wc -w)" = 6 ]
for id in $IDS; do post "/api/v1/beds/referrals/$id/offer" "$COORD" "{\"bed_id\":$B}" "$T/offer.$id"; done
settle
wins=$(cat "$T"/offer.* | grep -c '^200$')
lost=$(cat "$T"/offer.* | grep -c '^409$')
check "exactly one offer won ($wins)" [ "$wins" = 1 ]
check "the other five were refused with 409 ($lost)" [ "$lost" = 5 ]
check "only one referral holds the bed" \
    [ "$(sql "SELECT COUNT(*) FROM bed_referrals WHERE bed_id = $B AND state = 'offered'")" = 1 ]

# ---- simultaneous mutual-aid offers from four trusts -----------------------
TODAY=$(date -u +%Y-%m-%d)
api POST /api/v1/sitrep/aid "$OPS_RYJ" '{"resource":"beds","detail":"ga","quantity":10,"date_from":"'$TODAY'","date_to":"'$TODAY'","urgency":"urgent"}'
expect "a mutual-aid request" 201
AID=$(jqb .id)
k=0
for tok in "$OPS_R1K" "$OPS_RAS" "$OPS_RQM" "$OPS_R1K"; do
    k=$((k + 1))
    post "/api/v1/sitrep/aid/$AID/offers" "$tok" '{"quantity":2}' "$T/aid.$k"
done
settle
check "every aid offer was answered" [ "$(cat "$T"/aid.* | grep -c '^[0-9][0-9][0-9]$')" = 4 ]
check "no aid offer failed with a server error" [ "$(cat "$T"/aid.* | grep -c '^5')" = 0 ]

# ---- a burst of mixed reads and writes --------------------------------------
get() {
    curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $2" "$URL$1" >"$3" &
    pids="$pids $!"
}
put() {
    curl -s -o /dev/null -w '%{http_code}\n' -X PUT -H "Authorization: Bearer $2" \
        -H "Content-Type: application/json" --data-binary "$3" "$URL$1" >"$4" &
    pids="$pids $!"
}
for r in 1 2 3; do
    get /api/v1/beds/board "$COORD" "$T/burst.board.$r"
    get /api/v1/sites "$COORD" "$T/burst.sites.$r"
    get /api/v1/sitrep/today "$COORD" "$T/burst.today.$r"
    get "/api/v1/referrals?limit=5" "$COORD" "$T/burst.refs.$r"
    get /api/v1/fhir/HealthcareService "$COORD" "$T/burst.fhir.$r"
    get /healthz "" "$T/burst.health.$r"
    put /api/v1/services/FALLS-HH/capacity "$ADMIN" "{\"used_today\":$r}" "$T/burst.cap.$r"
    post /api/v1/route "$CLIN" '{"postcode":"UB8 3NN","age":84,"needs":["falls"]}' "$T/burst.route.$r"
    post /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}' "$T/burst.ref.$r"
done
settle
check "every request of the burst was answered ($(cat "$T"/burst.* | sort | uniq -c | tr -s ' \n' ' '))" \
    [ "$(cat "$T"/burst.* | grep -c '^[0-9][0-9][0-9]$')" = 27 ]
check "none of them with a server error" [ "$(cat "$T"/burst.* | grep -c '^5')" = 0 ]
check "the three capacity updates were all stored in turn" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'services.capacity'")" = 3 ]

finish
