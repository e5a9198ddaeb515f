#!/bin/sh
# t1710-side-rooms.sh - side rooms as an explicit bed attribute (issue 20
# item 2): the migration and seed mark the synthetic side rooms, the board
# and bed list show them, the queue's "why not placed" words name them, and
# the matcher still places a woman in a free side room (either sex).
. "$(dirname "$0")/lib.sh"
start_server
COORD=$(mktoken coord coordinator QRV)
CLIN=$(mktoken imperial clinician RYJ)

# ---- seeded side rooms -----------------------------------------------------
SIDE=$(sql "SELECT COUNT(*) FROM beds WHERE side_room = 1")
check "the seed has side rooms ($SIDE)" [ "$SIDE" -gt 0 ]
check "  exactly the beds of mixed units in no bay" \
    [ "$SIDE" = "$(sql "SELECT COUNT(*) FROM beds b JOIN units u ON u.unit_code = b.unit_code WHERE u.sex = 'mixed' AND b.bay_sex IS NULL")" ]
check "  none of them in a bay" [ "$(sql "SELECT COUNT(*) FROM beds WHERE side_room = 1 AND bay_sex IS NOT NULL")" = 0 ]

# ---- a free dementia side room: discharge its patient ----------------------
ROW=$(sql "SELECT r.referral_id, b.bed_id, b.bed_code, b.unit_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id JOIN units u ON u.unit_code = b.unit_code WHERE r.state = 'admitted' AND b.side_room = 1 AND u.bed_type = 'dementia' ORDER BY b.bed_code LIMIT 1")
REF=$(echo "$ROW" | cut -d'|' -f1) BED=$(echo "$ROW" | cut -d'|' -f2) CODE=$(echo "$ROW" | cut -d'|' -f3) UNIT=$(echo "$ROW" | cut -d'|' -f4)
check "a dementia side room is occupied ($CODE)" [ -n "$BED" ]
api POST "/api/v1/beds/referrals/$REF/discharge" "$COORD" '{"destination":"home"}'
expect "its patient is discharged" 200
api GET "/api/v1/beds/$BED" "$COORD"
expect "the side room" 200
jqcheck "  is free again" '.status == "available"'
jqcheck "  and says it is a side room, in no bay" '.side_room == true and .bay_sex == null'
# leave it the only free dementia bed
for b in $(sql "SELECT b.bed_id FROM beds b JOIN units u ON u.unit_code = b.unit_code WHERE u.bed_type = 'dementia' AND b.status = 'available' AND b.bed_id <> $BED"); do
    api PATCH "/api/v1/beds/$b" "$COORD" '{"status":"closed","closure":"staffing"}'
done
check "the side room is the only free dementia bed" \
    [ "$(sql "SELECT COUNT(*) FROM beds b JOIN units u ON u.unit_code = b.unit_code WHERE u.bed_type = 'dementia' AND b.status = 'available'")" = 1 ]

# ---- the board and the bed list ---------------------------------------------
api GET /api/v1/beds/board "$COORD"
expect "the board" 200
check "the unit counts its side rooms as stored" \
    [ "$(jq --arg u "$UNIT" '.units[] | select(.unit_code == $u) | .side_rooms' "$T/body")" = "$(sql "SELECT COUNT(*) FROM beds WHERE unit_code = '$UNIT' AND side_room = 1")" ]
check "  and its one free side room" \
    [ "$(jq --arg u "$UNIT" '.units[] | select(.unit_code == $u) | .available_by_bay.side_room' "$T/body")" = 1 ]
check "free side rooms on the whole board as stored" \
    [ "$(jqb '[.units[].available_by_bay.side_room] | add')" = "$(sql "SELECT COUNT(*) FROM beds WHERE status = 'available' AND side_room = 1")" ]
api GET "/api/v1/beds?unit=$UNIT" "$COORD"
expect "the unit's beds" 200
check "the bed list marks the side rooms" \
    [ "$(jqb '[.items[] | select(.side_room)] | length')" = "$(sql "SELECT COUNT(*) FROM beds WHERE unit_code = '$UNIT' AND side_room = 1")" ]
"$BIN" beds board --db "$DB" >"$T/board" 2>&1
check "icsflow beds board says how many side rooms a unit has free" \
    grep -q "side rooms: 1 free of $(sql "SELECT COUNT(*) FROM beds WHERE unit_code = '$UNIT' AND side_room = 1")" "$T/board"

# ---- the queue in words -------------------------------------------------------
api POST /api/v1/beds/referrals "$CLIN" '{"nhs_number":"9434765919","age":82,"sex":"F","postcode":"W2 1NY","referring_site":"RYJ01","bed_type":"dementia","priority":2}'
expect "a woman of 82 in Westminster referred for a dementia bed" 201
RW=$(jqb .referral_id)
PLACE=$(sql "SELECT name FROM places WHERE code = 'E09000033'")
COMM=$(sql "SELECT COUNT(*) FROM unit_commissioners WHERE unit_code = '$UNIT' AND place_code = 'E09000033'")
check "$UNIT is not commissioned for $PLACE" [ "$COMM" = 0 ]
api GET "/api/v1/beds/queue?policy=borough" "$COORD"
expect "the queue under borough commissioning" 200
WHY=$(jq -r --argjson id "$RW" '.items[] | select(.referral_id == $id) | .why_not' "$T/body")
check "why not placed names the side room: '$WHY'" \
    [ "$WHY" = "1 free bed for dementia, on units not commissioned for $PLACE (a side room)" ]
api GET /api/v1/beds/queue "$COORD"
expect "the queue pooled across the ICS" 200
jq -e --argjson id "$RW" '.items[] | select(.referral_id == $id) | .placeable == true' "$T/body" >/dev/null
check "pooled, the woman can be placed: a side room takes either sex" [ $? = 0 ]
check "  in the side room" [ "$(jq -r --argjson id "$RW" '.items[] | select(.referral_id == $id) | .best_bed.bed_code' "$T/body")" = "$CODE" ]
api POST /api/v1/beds/match "$COORD" '{"policy":"pooled"}'
expect "the match preview" 200
check "the preview places her in the side room" \
    [ "$(jq -r --argjson id "$RW" '.plans[0].assignments[] | select(.referral_id == $id) | .bed_code' "$T/body")" = "$CODE" ]

# ---- the bureau's snapshot import sets it ----------------------------------------
FREE=U-CLAY-REH-98 # a new bed
printf 'bed_code,unit_code,status,closure,bay_sex,side_room\n%s,U-CLAY-REH,available,,,1\nU-CLAY-REH-99,U-CLAY-REH,available,,M,0\n' "$FREE" >"$T/snap.csv"
"$BIN" beds import --db "$DB" --snapshot "$T/snap.csv" >"$T/out" 2>&1
check "a snapshot with a side_room column imports: $(cat "$T/out")" grep -q "imported 2 bed states" "$T/out"
check "  it marks $FREE a side room" [ "$(sql "SELECT side_room FROM beds WHERE bed_code = '$FREE'")" = 1 ]
check "  and the bay bed not" [ "$(sql "SELECT side_room FROM beds WHERE bed_code = 'U-CLAY-REH-99'")" = 0 ]
printf 'bed_code,unit_code,status,closure,bay_sex\n%s,U-CLAY-REH,available,,\n' "$FREE" >"$T/snap.csv"
"$BIN" beds import --db "$DB" --snapshot "$T/snap.csv" >/dev/null 2>&1
check "a snapshot without the column leaves the side room as it was" [ "$(sql "SELECT side_room FROM beds WHERE bed_code = '$FREE'")" = 1 ]
before=$(sql "SELECT COUNT(*) FROM beds WHERE side_room = 1")
printf 'bed_code,unit_code,status,closure,bay_sex,side_room\nU-CLAY-REH-97,U-CLAY-REH,available,,,yes\nU-CLAY-REH-96,U-CLAY-REH,available,,F,1\n' >"$T/bad.csv"
"$BIN" beds import --db "$DB" --snapshot "$T/bad.csv" >/dev/null 2>"$T/err"; st=$?
check "side_room 'yes' and a side room in a bay: exit 2 (exit $st)" [ "$st" = 2 ]
check "  each named by its line" grep -q "line 2: side_room 'yes' is not 1.*line 3: a side room is in no bay" "$T/err"
check "  and nothing was written" [ "$(sql "SELECT COUNT(*) FROM beds WHERE bed_code IN ('U-CLAY-REH-97', 'U-CLAY-REH-96')")" = 0 ]
check "  no side room count changed" [ "$(sql "SELECT COUNT(*) FROM beds WHERE side_room = 1")" = "$before" ]
finish
