#!/bin/sh
# t1321-snapshot.sh - the route query answers from an in-memory snapshot of
# the directory; it must never answer from a stale one. Two servers on one
# database: a service changed, created or deleted, or its live capacity
# reported, through the second server is in the first server's very next
# answer (the snapshot is keyed by the database's directory version and
# the capacity rows, read on every query). Directory lists (GET /sites,
# /services, ...) are kept as their JSON text under the same version: a
# site renamed or deleted through one server is in the other's next list.
# The bed board is kept too (keyed by the directory version and a beds
# version that triggers move on with every change to the bed tables): a bed
# closed or reopened and a unit confirmed through one server, and a bed
# changed in the database by hand, are in the other server's next board.
. "$(dirname "$0")/lib.sh"
start_server
LAS=$(mktoken las_crew clinician RRU)
LNWH=$(mktoken lnwh_ucr clinician R1K) # provider of UCR-EAL
A=$URL

# the second server, on the same database
start_server2
B=$URL2

CATHETER='{"place":"E09000009","needs":["catheter"],"age":70,"at":"2026-11-24T11:00"}'
api POST /api/v1/route "$LAS" "$CATHETER"
expect "Ealing, catheter care, on server A" 200
jqcheck "Ealing UCR lacks the capability" \
    '.eligible_count == 0 and (.excluded[] | select(.service_id == "UCR-EAL") | .excluded_by == "lacks_capability")'
api POST /api/v1/route "$LAS" "$CATHETER"
jqcheck "and says so again (from the snapshot)" '.eligible_count == 0'

# server B gives Ealing UCR catheter care
api GET /api/v1/services/UCR-EAL "$ADMIN"
expect "read Ealing UCR" 200
jq -c '.capabilities += ["catheter"]' \
    "$T/body" >"$T/svc.json"
URL=$B
api PUT /api/v1/services/UCR-EAL "$ADMIN" "$(cat "$T/svc.json")"
expect "server B: Ealing UCR now gives catheter care" 200
URL=$A
api POST /api/v1/route "$LAS" "$CATHETER"
expect "the same query on server A" 200
jqcheck "server A's next answer has it eligible" \
    '.eligible_count == 1 and .eligible[0].service_id == "UCR-EAL"'

# server B: the 24/7 Hillingdon falls service reports itself full
CNWL=$(mktoken cnwl_ucr clinician RV3)
FALLS='{"postcode":"UB10 0AA","needs":["falls"],"age":84}'
api POST /api/v1/route "$LAS" "$FALLS"
jqcheck "server A: the Hillingdon falls service is eligible now" \
    '[.eligible[] | select(.service_id == "FALLS-HH")] | length == 1'
URL=$B
api PUT /api/v1/services/FALLS-HH/capacity "$CNWL" '{"used_today":30,"capacity":30}'
expect "server B: FALLS-HH is full" 200
URL=$A
api POST /api/v1/route "$LAS" "$FALLS"
jqcheck "server A's next answer has it at capacity" \
    '.excluded[] | select(.service_id == "FALLS-HH") | .excluded_by == "at_capacity"'

# server B: a new service, then its deletion
jq -c '.service_id = "UCR-EAL2" | .name = "Ealing catheter night team" | .hours = "24/7"' \
    "$T/svc.json" >"$T/svc2.json"
URL=$B
api POST /api/v1/services "$ADMIN" "$(cat "$T/svc2.json")"
expect "server B: a new Ealing service" 201
URL=$A
api POST /api/v1/route "$LAS" "$CATHETER"
jqcheck "server A's next answer offers the new service" \
    '[.eligible[] | select(.service_id == "UCR-EAL2")] | length == 1'
URL=$B
api DELETE /api/v1/services/UCR-EAL2 "$ADMIN"
expect "server B: the new service deleted" 204
URL=$A
api POST /api/v1/route "$LAS" "$CATHETER"
jqcheck "server A's next answer no longer lists it" \
    '[.eligible[], .excluded[] | select(.service_id == "UCR-EAL2")] | length == 0'

# directory lists: kept as text per directory version, never stale
api GET "/api/v1/sites?limit=1000" "$ADMIN"
expect "server A: the sites" 200
before=$(jqb .total)
api GET "/api/v1/sites?limit=1000" "$ADMIN"
check "server A: the same list again (from its copy): $(jqb .total) sites" [ "$(jqb .total)" = "$before" ]
SITE=$(jq -r '.items[0].site_code' "$T/body")
jq -c '.items[0] | .name = "Renamed through B"' "$T/body" >"$T/site.json"
URL=$B
api PUT "/api/v1/sites/$SITE" "$ADMIN" "$(cat "$T/site.json")"
expect "server B: site $SITE renamed" 200
URL=$A
api GET "/api/v1/sites?limit=1000" "$ADMIN"
jqcheck "server A's next list has the new name" \
    "[.items[] | select(.site_code == \"$SITE\") | .name] == [\"Renamed through B\"]"
jq -c '.site_code = "ZZZ99" | .name = "Added through B"' "$T/site.json" >"$T/site2.json"
URL=$B
api POST /api/v1/sites "$ADMIN" "$(cat "$T/site2.json")"
expect "server B: a new site" 201
URL=$A
api GET "/api/v1/sites?limit=1000" "$ADMIN"
check "server A's next list counts it ($(jqb .total) after $before)" [ "$(jqb .total)" = "$((before + 1))" ]
URL=$B
api DELETE /api/v1/sites/ZZZ99 "$ADMIN"
expect "server B: the new site deleted" 204
URL=$A
api GET "/api/v1/sites?limit=1000" "$ADMIN"
jqcheck "server A's next list no longer has it" '[.items[] | select(.site_code == "ZZZ99")] == []'
api GET "/api/v1/sites?limit=1000&place=E09000017" "$ADMIN"
expect "the sites in Hillingdon" 200
check "each filter is an answer of its own ($(jqb .total) in Hillingdon of $before)" \
    [ "$(jqb .total)" -lt "$before" ]
jqcheck "all of them in Hillingdon" '[.items[].place_code] | unique == ["E09000017"]'

# ---- the bed board, kept per beds version --------------------------------
COORD=$(mktoken board_coord coordinator RRU)
api GET /api/v1/beds/board "$COORD"
expect "server A: the bed board" 200
avail=$(jqb .totals.available)
api GET /api/v1/beds/board "$COORD"
check "server A: the same board again (from its copy): $(jqb .totals.available) available" \
    [ "$(jqb .totals.available)" = "$avail" ]
BED=$(sql "SELECT b.bed_id FROM beds b WHERE b.status = 'available' AND b.referral_id IS NULL
           AND b.unit_code IN (SELECT unit_code FROM units) ORDER BY b.bed_id LIMIT 1")
UNIT=$(sql "SELECT unit_code FROM beds WHERE bed_id = $BED")
URL=$B
api PATCH "/api/v1/beds/$BED" "$COORD" '{"status":"closed","closure":"staffing"}'
expect "server B: bed $BED closed for staffing" 200
URL=$A
api GET /api/v1/beds/board "$COORD"
check "server A's next board has one bed fewer available ($(jqb .totals.available) after $avail)" \
    [ "$(jqb .totals.available)" = "$((avail - 1))" ]
jqcheck "and one more closed in unit $UNIT" \
    "[.units[] | select(.unit_code == \"$UNIT\") | .closed] | .[0] >= 1"
URL=$B
api PATCH "/api/v1/beds/$BED" "$COORD" '{"status":"available"}'
expect "server B: bed $BED open again" 200
URL=$A
api GET /api/v1/beds/board "$COORD"
check "server A's next board has it available again ($(jqb .totals.available))" \
    [ "$(jqb .totals.available)" = "$avail" ]
conf=$(jq -r ".units[] | select(.unit_code == \"$UNIT\") | .confirmed_at" "$T/body")
sleep 1 # a confirmation is stamped to the second
URL=$B
api POST "/api/v1/beds/units/$UNIT/confirm" "$COORD" '{}'
expect "server B: unit $UNIT confirmed" 200
URL=$A
api GET /api/v1/beds/board "$COORD"
now_conf=$(jq -r ".units[] | select(.unit_code == \"$UNIT\") | .confirmed_at" "$T/body")
check "server A's next board has the new confirmation time ($now_conf, was $conf)" \
    [ "$now_conf" != "$conf" ]
sql "UPDATE beds SET status = 'cleaning' WHERE bed_id = $BED" >/dev/null
api GET /api/v1/beds/board "$COORD"
check "a bed changed in the database by hand is on the next board ($(jqb .totals.cleaning) cleaning)" \
    [ "$(jqb .totals.available)" = "$((avail - 1))" ]
sql "UPDATE beds SET status = 'available' WHERE bed_id = $BED" >/dev/null

stop_server2
finish
