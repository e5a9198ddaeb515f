#!/bin/sh
# t0400-beds.sh - the community bed bureau over real HTTP: the board and
# length of stay on the seeded synthetic history, referrals with every kind
# of bad input, roles, the lifecycle (offer, accept, admit, discharge) with
# its 404/409/422 answers, simultaneous offers of one bed (exactly one
# wins), batch matching under both policies, and the database checked after
# every failed request to prove nothing was written (no audit row, no change
# event). Every write is checked to leave exactly one audit record and one
# change event of its type (plus one bed.status per bed it moves), events are
# checked to reach the parties and not others, roles are refused before
# bodies are read (403 before 422), and the CLI is checked to audit an action
# exactly as the API does.
. "$(dirname "$0")/lib.sh"
start_server
COORD=$(mktoken coord coordinator QRV)
CLIN=$(mktoken imperial clinician RYJ)
CLIN2=$(mktoken lnw clinician R1K)
ANA=$(mktoken analyst analyst QRV)
OPS=$(mktoken ops trust_ops RYX)

nref() { sql "SELECT COUNT(*) FROM bed_referrals"; }
snapshot() { sql "SELECT COUNT(*) FROM bed_referrals; SELECT COUNT(*) FROM bed_stays; SELECT status || ':' || COALESCE(CAST(referral_id AS TEXT), '') FROM beds ORDER BY bed_id; SELECT COUNT(*) FROM audit; SELECT COUNT(*) FROM bed_status_history; SELECT COUNT(*) FROM events" | md5sum; }

# mark; a write; wrote DESC ACTION EVENT NBED: since the mark, exactly one audit
# row (of ACTION), one EVENT event, NBED bed.status events and nothing else.
mark() { A0=$(audit_count); E0=$(sql "SELECT COALESCE(MAX(id), 0) FROM events"); }
since() { sql "SELECT COUNT(*) FROM events WHERE id > $E0${1:+ AND type = '$1'}"; }
wrote() {
    check "$1: one audit row" [ "$(audit_count)" = $((A0 + 1)) ]
    check "$1: audited as $2" [ "$(sql "SELECT action FROM audit ORDER BY id DESC LIMIT 1")" = "$2" ]
    check "$1: one $3 event" [ "$(since "$3")" = 1 ]
    check "$1: $4 bed.status event(s)" [ "$(since bed.status)" = "$4" ]
    check "$1: no other event" [ "$(since)" = $((1 + $4)) ]
}
# seen TOKEN TYPE OBJECT_ID: the events since the mark that TOKEN may read
# include one of TYPE about OBJECT_ID (sets $T/body)
seen() {
    api GET "/api/v1/events?after=$E0" "$1"
    jq -e --arg t "$2" --arg o "$3" 'any(.items[]; .type == $t and .object_id == $o)' "$T/body" >/dev/null
}
unseen() { ! seen "$@"; }

# ---- the board and length of stay on the synthetic history -------------
api GET /api/v1/beds/board "$ANA"
expect "board for an analyst" 200
jqcheck "fifteen units, their beds add up to the ICS total" \
    '(.units | length) == 15 and ([.units[].beds] | add) == .totals.beds'
check "board bed total equals the beds table" [ "$(jqb .totals.beds)" = "$(sql 'SELECT COUNT(*) FROM beds')" ]
check "board occupied equals the occupied beds" \
    [ "$(jqb .totals.occupied)" = "$(sql "SELECT COUNT(*) FROM beds WHERE status = 'occupied'")" ]
jqcheck "available excludes reserved and closed beds; every unit says when it was confirmed" \
    'all(.units[]; .available + .reserved + .occupied + .closed + .cleaning == .beds and (.confirmed_at | type) == "string" and (.stale | type) == "boolean")'
jqcheck "by bed type and by place; 14 days of occupancy history" \
    '(.bed_types | length) == 5 and (.places | length) == 8 and (.history.occupied | length) == 14 and (.units[0].occupied_history | length) == 14'
api GET "/api/v1/beds/board?days=0" "$ANA"
expect "history of 0 days" 422
api GET "/api/v1/beds/board?stale_hours=soon" "$ANA"
expect "stale hours not a number" 422
api GET /api/v1/beds/board "$CLIN"
expect "a clinician cannot read the board" 403
api GET /api/v1/beds/board "$OPS"
expect "trust operations cannot read the board" 403
api GET /api/v1/beds/board ""
expect "no token" 401

api GET /api/v1/beds/los "$ANA"
expect "length of stay for an analyst" 200
jqcheck "every unit has stays, median <= p90, a funnel flag and a 7-day forecast" \
    'all(.units[]; .stays > 0 and .median <= .p90 and (.funnel.flag | IN("within","warning","outlier")) and (.predicted_free_beds | length) == 7)'
jqcheck "free beds never fall over the week (discharges only add)" \
    'all(.units[]; .predicted_free_beds as $f | [range(1; 7)] | all($f[.] >= $f[. - 1]))'
check "stays counted equal the stays discharged in the year" [ "$(jqb '[.units[].stays] | add')" = \
    "$(sql "SELECT COUNT(*) FROM bed_stays WHERE discharged_at IS NOT NULL AND discharged_at >= $(date -u -d "$(date -u -d '365 days ago' +%F) 00:00" +%s)")" ]
api GET "/api/v1/beds/los?from=2026-02-30" "$ANA"
expect "impossible date" 422
api GET "/api/v1/beds/los?from=2026-06-01&to=2026-01-01" "$ANA"
expect "period ending before it starts" 422

# ---- referrals: good and bad input ---------------------------------------
GOOD='{"nhs_number":"943 476 5919","age":84,"sex":"F","postcode":"W2 1NY","referring_site":"RYJ01","bed_type":"rehabilitation","priority":1,"notes":"fall, needs rehab"}'
before=$(snapshot)
api POST /api/v1/beds/referrals "$CLIN" '{"nhs_number": '
expect "malformed JSON" 400
api POST /api/v1/beds/referrals "$CLIN" '{"nhs_number":"9434765919","age":"eighty","sex":"F","postcode":"W2 1NY","referring_site":"RYJ01","bed_type":"rehabilitation","priority":1,"colour":"red"}'
expect "wrong type and unknown field" 422
jqcheck "both problems named" '(.detail | test("age")) and (.detail | test("colour"))'
api POST /api/v1/beds/referrals "$CLIN" '{"age":80}'
expect "missing fields" 422
jqcheck "names a missing field" '.detail | test("nhs_number")'
api POST /api/v1/beds/referrals "$CLIN" '{"nhs_number":"9434765918","age":200,"sex":"X","postcode":"W2 1N","referring_site":"ZZZ99","bed_type":"icu","priority":7}'
expect "every field invalid" 422
jqcheck "all seven problems in one answer" \
    '.detail | test("modulus 11") and test("age") and test("sex") and test("postcode") and test("ZZZ99") and test("icu") and test("priority")'
api POST /api/v1/beds/referrals "$CLIN" '{"nhs_number":"9434765919","age":80,"sex":"F","postcode":"SW1A 1AA","referring_site":"RYJ01","bed_type":"rehabilitation","priority":2}'
expect "home outside the ICS without a place" 422
api POST /api/v1/beds/referrals "$CLIN2" "$GOOD"
expect "a clinician of another trust referring from St Mary's" 403
api POST /api/v1/beds/referrals "$ANA" "$GOOD"
expect "an analyst cannot refer" 403
check "nothing was written by the failed requests" [ "$before" = "$(snapshot)" ]

audit0=$(audit_count)
mark
api POST /api/v1/beds/referrals "$CLIN" "$GOOD"
expect "clinician refers from their own hospital" 201
R=$(jqb .referral_id)
jqcheck "waiting, Westminster from the W2 district, NHS number normalised" \
    '.state == "waiting" and .place_code == "E09000033" and .district == "W2" and .nhs_number == "9434765919" and .referring_org == "RYJ" and .synthetic == false'
check "stored" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $R")" = waiting ]
check "with one audit record" [ "$(audit_count)" = $((audit0 + 1)) ]
wrote "create a referral" beds.referral.create bed_referral.created 0
check "the event names the referring organisation" \
    [ "$(sql "SELECT orgs FROM events WHERE type = 'bed_referral.created' AND object_id = '$R'")" = ",RYJ," ]
check "the referring clinician reads the event" seen "$CLIN" bed_referral.created "$R"
check "a clinician of another trust does not" unseen "$CLIN2" bed_referral.created "$R"
check "an ICS coordinator does" seen "$COORD" bed_referral.created "$R"
mark
api GET "/api/v1/beds/referrals/$R" "$CLIN"
expect "the clinician reads their referral" 200
check "the read of patient data writes one audit row" [ "$(audit_count)" = $((A0 + 1)) ]
check "naming the reader and the referral" \
    [ "$(sql "SELECT action || ' ' || object_id || ' ' || actor FROM audit ORDER BY id DESC LIMIT 1")" = "read.bed_referral $R imperial" ]
check "a read writes no change event" [ "$(since)" = 0 ]
mark
api GET "/api/v1/beds/referrals/$R" "$CLIN2"
expect "another trust's clinician cannot see it" 404
check "a refused read is not audited as a read" [ "$(audit_count)" = "$A0" ]
api GET "/api/v1/beds/referrals?state=waiting" "$CLIN"
expect "clinician's list" 200
jqcheck "only their organisation's referrals" 'all(.items[]; .referring_org == "RYJ") and .total >= 1'
check "the total counts only their waiting referrals" [ "$(jqb .total)" = \
    "$(sql "SELECT COUNT(*) FROM bed_referrals WHERE referring_org = 'RYJ' AND state = 'waiting'")" ]
api GET "/api/v1/beds/referrals?state=discharged&limit=5" "$COORD"
expect "coordinator's list of discharged referrals" 200
check "its total counts every discharged referral" [ "$(jqb .total)" = \
    "$(sql "SELECT COUNT(*) FROM bed_referrals WHERE state = 'discharged'")" ]
check "and the page holds five" [ "$(jqb '.items | length')" = 5 ]
api GET "/api/v1/beds/referrals?state=lost" "$COORD"
expect "unknown state filter" 422
api GET /api/v1/beds/referrals/999999 "$COORD"
expect "unknown referral" 404
api GET /api/v1/beds/referrals/abc "$COORD"
expect "referral id not a number" 404

# ---- ranking one referral -------------------------------------------------
api GET "/api/v1/beds/referrals/$R/match" "$COORD"
expect "every bed ranked for the referral" 200
jqcheck "every bed listed with a reason; suitable ones first" \
    '(.beds | length) == .suitable + .unsuitable and (.beds | length) == 259 and ([.beds[].suitable] | . == (sort | reverse)) and all(.beds[]; (.explanation | length) > 0)'
jqcheck "male-only unit and type mismatches are explained" \
    'any(.beds[]; .reason == "sex_unit" and (.explanation | test("male-only"))) and any(.beds[]; .reason == "type")'
api GET "/api/v1/beds/referrals/$R/match?policy=borough" "$COORD"
expect "borough policy ranking" 200
jqcheck "borough policy adds not-commissioned reasons" 'any(.beds[]; .reason == "not_commissioned")'
api GET "/api/v1/beds/referrals/$R/match?policy=nearest" "$COORD"
expect "unknown policy" 422
api GET "/api/v1/beds/referrals/$R/match" "$CLIN"
expect "a clinician cannot match" 403

# ---- free a bed by discharging a seeded patient ---------------------------
set -- $(sql "SELECT r.referral_id, b.bed_id, u.bed_type, COALESCE(b.bay_sex, CASE u.sex WHEN 'mixed' THEN 'F' ELSE u.sex END)
              FROM beds b JOIN units u ON u.unit_code = b.unit_code JOIN bed_referrals r ON r.referral_id = b.referral_id
              WHERE b.status = 'occupied' AND r.state = 'admitted' AND u.bed_type = 'rehabilitation' ORDER BY b.bed_id LIMIT 1" | tr '|' ' ')
R0=$1 B=$2 BT=$3 SX=$4
api POST "/api/v1/beds/referrals/$R0/discharge" "$COORD" '{"destination":"home","ready_date":"1999-01-01"}'
expect "ready date outside the stay" 422
api POST "/api/v1/beds/referrals/$R0/discharge" "$COORD" '{"destination":"moon"}'
expect "unknown destination" 422
api POST "/api/v1/beds/referrals/$R0/discharge" "$COORD" '{"destination":"home","at":"2000-01-01T10:00"}'
expect "discharge before the admission time" 422
check "bed still occupied after the failed discharges" [ "$(sql "SELECT status FROM beds WHERE bed_id = $B")" = occupied ]
mark
api POST "/api/v1/beds/referrals/$R0/discharge" "$COORD" '{"destination":"home_with_support"}'
expect "discharge a seeded patient" 200
jqcheck "discharged with a destination" '.state == "discharged" and .destination == "home_with_support"'
check "bed available" \
    [ "$(sql "SELECT status || '/' || COALESCE(CAST(referral_id AS TEXT), '-') FROM beds WHERE bed_id = $B")" = "available/-" ]
check "stay closed" \
    [ "$(sql "SELECT COUNT(*) FROM bed_stays WHERE referral_id = $R0 AND discharged_at IS NOT NULL")" = 1 ]
check "history kept" \
    [ "$(sql "SELECT status FROM bed_status_history WHERE bed_id = $B ORDER BY id DESC LIMIT 1")" = available ]
wrote "discharge" beds.referral.discharge bed_referral.discharged 1
UORG=$(sql "SELECT s.org_code FROM beds b JOIN units u USING (unit_code) JOIN sites s ON s.site_code = u.site_code WHERE b.bed_id = $B")
UOPS=$(mktoken unitops trust_ops "$UORG")
OTHER=$(mktoken lasops trust_ops RRU)
check "the bed.status event names the bed's unit and trust ($UORG)" \
    [ "$(sql "SELECT json_extract(payload_json, '$.unit_code') || ' ' || orgs FROM events WHERE id > $E0 AND type = 'bed.status'")" = \
      "$(sql "SELECT unit_code FROM beds WHERE bed_id = $B") ,$UORG," ]
# Events follow the REST API's rules (docs/events.md): trust operations users
# may not read the bed board or a bed, so not its bed.status events either,
# even for their own trust's beds; the roles of the board do.
check "the bed's trust_ops user does not receive bed.status (its role may not read beds)" unseen "$UOPS" bed.status "$B"
check "an unrelated organisation does not either" unseen "$OTHER" bed.status "$B"
check "a coordinator receives it" seen "$COORD" bed.status "$B"
api POST "/api/v1/beds/referrals/$R0/discharge" "$COORD" '{"destination":"home"}'
expect "discharge twice" 409

# ---- simultaneous offers of that bed: exactly one wins --------------------
IDS=""
for i in 1 2 3 4 5 6; do
    api POST /api/v1/beds/referrals "$COORD" "{\"nhs_number\":\"9434765919\",\"age\":7$i,\"sex\":\"$SX\",\"postcode\":\"W5 4RN\",\"referring_site\":\"R1K01\",\"bed_type\":\"$BT\",\"priority\":2}"
    IDS="$IDS $(jqb .referral_id)"
done
check "six competing referrals created" [ "$(echo $IDS | wc -w)" = 6 ]
mark
pids=""
for id in $IDS; do
    curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $COORD" \
        -H "Content-Type: application/json" --data-binary "{\"bed_id\":$B}" \
        "$URL/api/v1/beds/referrals/$id/offer" >"$T/offer.$id" &
    pids="$pids $!"
done
wait $pids # not the server
wins=$(cat "$T"/offer.* | grep -c '^200$')
lost=$(cat "$T"/offer.* | grep -c '^409$')
check "six simultaneous offers of one bed: exactly one 200 ($wins)" [ "$wins" = 1 ]
check "the rest 409 ($lost)" [ "$lost" = 5 ]
W=$(sql "SELECT referral_id FROM beds WHERE bed_id = $B")
check "the bed is reserved for the one winner" [ "$(sql "SELECT status FROM beds WHERE bed_id = $B")" = reserved ]
check "only one referral holds it" \
    [ "$(sql "SELECT COUNT(*) FROM bed_referrals WHERE bed_id = $B AND state = 'offered'")" = 1 ]
check "the winner is offered" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $W")" = offered ]
wrote "six simultaneous offers" beds.referral.offer bed_referral.offered 1
check "the offered event goes to the referring trust (R1K) and the bed's ($UORG)" \
    [ "$(sql "SELECT orgs FROM events WHERE id > $E0 AND type = 'bed_referral.offered'")" = ",R1K,$UORG," ]
check "the referring trust's clinician reads the offer" seen "$CLIN2" bed_referral.offered "$W"
check "another trust's clinician does not" unseen "$CLIN" bed_referral.offered "$W"
L=$(for id in $IDS; do [ "$id" != "$W" ] && echo "$id"; done | head -n 1)

# ---- illegal moves, unknown objects ---------------------------------------
before=$(snapshot)
api POST "/api/v1/beds/referrals/$L/offer" "$COORD" "{\"bed_id\":$B}"
expect "offer a reserved bed" 409
api POST "/api/v1/beds/referrals/$L/admit" "$COORD" '{}'
expect "admit a waiting referral" 409
api POST "/api/v1/beds/referrals/$L/accept" "$COORD"
expect "accept without an offer" 409
api POST "/api/v1/beds/referrals/$W/discharge" "$COORD" '{"destination":"home"}'
expect "discharge before admission" 422
api POST "/api/v1/beds/referrals/$W/admit" "$COORD" '{}'
expect "admit before accepting" 409
api POST "/api/v1/beds/referrals/999999/offer" "$COORD" "{\"bed_id\":$B}"
expect "offer to an unknown referral" 404
api POST "/api/v1/beds/referrals/$L/offer" "$COORD" '{"bed_id":999999}'
expect "offer an unknown bed" 404
api POST "/api/v1/beds/referrals/$L/offer" "$COORD" '{"bed_id":"one"}'
expect "bed id of the wrong type" 422
api POST "/api/v1/beds/referrals/$L/offer" "$COORD" '{}'
expect "offer without a bed" 422
DEM=$(sql "SELECT bed_id FROM beds b JOIN units u USING (unit_code) WHERE u.bed_type = 'palliative' AND b.status = 'occupied' LIMIT 1")
api POST "/api/v1/beds/referrals/$L/offer" "$CLIN" "{\"bed_id\":$B}"
expect "a clinician cannot offer" 403
api POST "/api/v1/beds/referrals/$W/accept" "$ANA"
expect "an analyst cannot accept" 403
check "nothing was written by the refused moves" [ "$before" = "$(snapshot)" ]

# ---- roles are refused before the body is read (403 before 422) -----------
api POST /api/v1/beds/referrals "$ANA" '{"age":"eighty","colour":"red"}'
expect "an analyst referring with a bad body" 403
api POST "/api/v1/beds/referrals/$L/offer" "$CLIN" '{"bed_id":"one"}'
expect "a clinician offering with a bad body" 403
api PATCH "/api/v1/beds/$B" "$ANA" '{"status":"shut","colour":1}'
expect "an analyst changing a bed with a bad body" 403
api POST /api/v1/beds/match "$OPS" '{"policy":"nearest"}'
expect "trust operations matching with a bad body" 403
api POST /api/v1/beds/units/U-CLAY-REH/confirm "$CLIN" '{"colour":1}'
expect "a clinician confirming a unit with a bad body" 403
check "nothing was written by the refused roles" [ "$before" = "$(snapshot)" ]

# ---- accept, admit (409 into occupied and closed beds), discharge --------
mark
api POST "/api/v1/beds/referrals/$W/accept" "$COORD"
expect "accept the offer" 200
wrote "accept" beds.referral.accept bed_referral.accepted 0
OCC=$(sql "SELECT bed_id FROM beds b JOIN units u USING (unit_code) WHERE b.status = 'occupied' AND u.bed_type = '$BT' LIMIT 1")
CLO=$(sql "SELECT bed_id FROM beds WHERE status = 'closed' LIMIT 1")
before=$(snapshot)
api POST "/api/v1/beds/referrals/$W/admit" "$COORD" "{\"bed_id\":$OCC}"
expect "admit into an occupied bed" 409
api POST "/api/v1/beds/referrals/$W/admit" "$COORD" "{\"bed_id\":$CLO}"
expect "admit into a closed bed" 409
api POST "/api/v1/beds/referrals/$W/admit" "$COORD" '{"bed_id":999999}'
expect "admit into an unknown bed" 404
api POST "/api/v1/beds/referrals/$W/admit" "$COORD" '{"at":"2001-01-01T09:00"}'
expect "admission before the referral" 422
check "nothing was written by the failed admissions" [ "$before" = "$(snapshot)" ]
mark
api POST "/api/v1/beds/referrals/$W/admit" "$COORD" '{}'
expect "admit into the reserved bed" 200
jqcheck "admitted with a wait measured to admission" '.state == "admitted" and .wait_days >= 0 and (.admitted_at | length) > 0'
check "bed occupied by the winner" \
    [ "$(sql "SELECT status || '/' || referral_id FROM beds WHERE bed_id = $B")" = "occupied/$W" ]
check "a stay started" \
    [ "$(sql "SELECT COUNT(*) FROM bed_stays WHERE referral_id = $W AND discharged_at IS NULL")" = 1 ]
wrote "admit" beds.referral.admit bed_referral.admitted 1
mark
api POST "/api/v1/beds/referrals/$W/discharge" "$COORD" '{"destination":"care_home"}'
expect "discharge the winner" 200
check "the bed is free again" [ "$(sql "SELECT status FROM beds WHERE bed_id = $B")" = available ]
wrote "discharge the winner" beds.referral.discharge bed_referral.discharged 1

# ---- turning an offer down, declining, cancelling ------------------------
api POST "/api/v1/beds/referrals/$L/offer" "$COORD" "{\"bed_id\":$B}"
expect "offer the freed bed to a loser" 200
mark
api POST "/api/v1/beds/referrals/$L/reject-offer" "$COORD" '{"reason":"family prefers nearer home"}'
expect "the offer is turned down" 200
jqcheck "waiting again, no bed" '.state == "waiting" and .bed_id == null'
check "bed released" [ "$(sql "SELECT status FROM beds WHERE bed_id = $B")" = available ]
wrote "turn an offer down" beds.referral.reject_offer bed_referral.offer_rejected 1
before=$(snapshot)
api POST "/api/v1/beds/referrals/$L/cancel" "$COORD" '{}'
expect "cancel without a reason" 422
check "nothing was written by the refused cancel" [ "$before" = "$(snapshot)" ]
mark
api POST "/api/v1/beds/referrals/$L/cancel" "$COORD" '{"reason":"discharged home from the ward"}'
expect "cancel" 200
wrote "cancel" beds.referral.cancel bed_referral.cancelled 0
api POST "/api/v1/beds/referrals/$L/offer" "$COORD" "{\"bed_id\":$B}"
expect "offer to a cancelled referral" 409

# ---- bed status ------------------------------------------------------------
before=$(snapshot)
api PATCH "/api/v1/beds/$OCC" "$COORD" '{"status":"closed","closure":"staffing"}'
expect "close an occupied bed" 409
api PATCH "/api/v1/beds/$B" "$COORD" '{"status":"closed"}'
expect "close without a reason" 422
api PATCH "/api/v1/beds/$B" "$COORD" '{"status":"reserved"}'
expect "reserve by status change" 409
api PATCH "/api/v1/beds/$B" "$COORD" '{"status":"available","closure":"staffing"}'
expect "closure given for an open bed" 422
api PATCH "/api/v1/beds/$B" "$COORD" '{"status":"shut"}'
expect "unknown status" 422
api PATCH /api/v1/beds/999999 "$COORD" '{"status":"available"}'
expect "unknown bed" 404
api PATCH "/api/v1/beds/$B" "$ANA" '{"status":"cleaning"}'
expect "an analyst cannot change a bed" 403
check "nothing was written by the refused bed changes" [ "$before" = "$(snapshot)" ]
mark
api PATCH "/api/v1/beds/$B" "$COORD" '{"status":"closed","closure":"infection_control","note":"norovirus bay"}'
expect "close for infection control" 200
check "bed status change: one audit row" [ "$(audit_count)" = $((A0 + 1)) ]
check "bed status change: audited as beds.bed.status" \
    [ "$(sql "SELECT action || ' ' || object_type || ' ' || object_id FROM audit ORDER BY id DESC LIMIT 1")" = "beds.bed.status bed $B" ]
check "bed status change: one bed.status event and no other" [ "$(since bed.status)/$(since)" = 1/1 ]
check "the event carries unit, trust and the new state" \
    [ "$(sql "SELECT json_extract(payload_json, '$.status') || ' ' || json_extract(payload_json, '$.closure') || ' ' || json_extract(payload_json, '$.org') FROM events WHERE id > $E0")" = "closed infection_control $UORG" ]
jqcheck "closed, HL7 0116 K (contaminated), history kept" \
    '.status == "closed" and .closure == "infection_control" and .hl7_0116 == "K" and .history[0].note == "norovirus bay"'
api GET "/api/v1/beds/$B" "$ANA"
expect "an analyst reads a bed" 200
api GET "/api/v1/beds?unit=U-CLAY-REH&status=occupied" "$ANA"
expect "beds filtered by unit and status" 200
jqcheck "only that unit's occupied beds" 'all(.items[]; .unit_code == "U-CLAY-REH" and .status == "occupied" and .hl7_0116 == "O")'
api GET "/api/v1/beds?status=free" "$ANA"
expect "unknown status filter" 422

# ---- unit confirmation and staleness --------------------------------------
mark
api POST /api/v1/beds/units/U-CLAY-REH/confirm "$COORD"
expect "confirm a unit's figures" 200
wrote "confirm a unit" beds.unit.confirm bed_unit.confirmed 0
api GET /api/v1/beds/board "$COORD"
jqcheck "the confirmed unit is not stale" '.units[] | select(.unit_code == "U-CLAY-REH") | .stale == false'
before=$(snapshot)
api POST /api/v1/beds/units/U-NOPE/confirm "$COORD"
expect "confirm an unknown unit" 404
check "nothing was written by the unknown unit" [ "$before" = "$(snapshot)" ]

# ---- the audit row, the change and its event commit together ---------------
# A trigger makes the event insert of a decline fail: the decline must then
# leave no audit row and no state change (one transaction), and succeed once
# the trigger is gone.
L2=$(for id in $IDS; do [ "$id" != "$W" ] && [ "$id" != "$L" ] && echo "$id"; done | head -n 1)
if [ "$ICS_BACKEND" = pg ]; then
    sql "CREATE FUNCTION fail_decline() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'test: event refused'; END \$\$;
         CREATE TRIGGER fail_decline BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.type = 'bed_referral.declined') EXECUTE FUNCTION fail_decline();"
else
    sql "CREATE TRIGGER fail_decline BEFORE INSERT ON events WHEN NEW.type = 'bed_referral.declined' BEGIN SELECT RAISE(ABORT, 'test: event refused'); END;"
fi
before=$(snapshot)
api POST "/api/v1/beds/referrals/$L2/decline" "$COORD" '{"reason":"no rehab goals"}'
check "a decline whose event cannot be written fails ($STATUS)" [ "$STATUS" != 200 ]
check "and leaves no audit row, no event and no change" [ "$before" = "$(snapshot)" ]
check "the referral still waits" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $L2")" = waiting ]
if [ "$ICS_BACKEND" = pg ]; then
    sql "DROP TRIGGER fail_decline ON events; DROP FUNCTION fail_decline();"
else
    sql "DROP TRIGGER fail_decline"
fi
mark
api POST "/api/v1/beds/referrals/$L2/decline" "$COORD" '{"reason":"no rehab goals"}'
expect "decline" 200
wrote "decline" beds.referral.decline bed_referral.declined 0

# ---- batch matching: pooled against borough on the same queue -------------
for b in $(sql "SELECT bed_id FROM beds WHERE status = 'closed' LIMIT 6"); do
    api PATCH "/api/v1/beds/$b" "$COORD" '{"status":"available","note":"reopened"}'
done
expect "reopen closed beds" 200
before=$(snapshot)
api POST /api/v1/beds/match "$COORD" '{"policy":"both"}'
expect "match the queue under both policies" 200
jqcheck "two plans; pooling places at least as many as borough commissioning" \
    '(.plans | length) == 2 and .plans[0].policy == "pooled" and .plans[1].policy == "borough" and .plans[0].placed >= .plans[1].placed and .pooling_gain.extra_placed == .plans[0].placed - .plans[1].placed'
jqcheck "pooled optimum costs no more than the borough one (a superset of choices)" \
    '.plans[0].total_cost <= .plans[1].total_cost and .pooling_gain.cost_saved >= 0'
jqcheck "each total is its placements plus its unplaced referrals" \
    'all(.plans[]; .total_cost == ([.assignments[].cost] | add // 0) + ([.unplaced_referrals[].cost] | add // 0) and .placed == (.assignments | length))'
jqcheck "no bed is given twice" 'all(.plans[]; [.assignments[].bed_id] | length == (unique | length))'
check "matching without apply writes nothing" [ "$before" = "$(snapshot)" ]
api POST /api/v1/beds/match "$COORD" '{"policy":"nearest"}'
expect "unknown policy" 422
api POST /api/v1/beds/match "$COORD" '{"max_km":-1}'
expect "negative distance limit" 422
api POST /api/v1/beds/match "$COORD" '{"policy":'
expect "malformed JSON" 400
api POST /api/v1/beds/match "$ANA" '{}'
expect "an analyst cannot match" 403
check "nothing was written by the failed matches" [ "$before" = "$(snapshot)" ]
reserved0=$(sql "SELECT COUNT(*) FROM beds WHERE status = 'reserved'")
mark
api POST /api/v1/beds/match "$COORD" '{"policy":"pooled","apply":true}'
expect "apply the pooled plan" 200
P=$(jqb '.plans[0].placed')
check "one beds.matched event for the batch" [ "$(since beds.matched)" = 1 ]
check "one offered event and one bed.status event per placement ($P)" \
    [ "$(since bed_referral.offered)/$(since bed.status)" = "$P/$P" ]
check "one audit row per offer and one for the batch" [ "$(audit_count)" = $((A0 + P + 1)) ]
check "the batch is audited last, as beds.match" \
    [ "$(sql "SELECT action FROM audit ORDER BY id DESC LIMIT 1")" = beds.match ]
check "no other event" [ "$(since)" = $((2 * P + 1)) ]
jqcheck "one offer per placement" '(.offers | length) == .plans[0].placed and all(.offers[]; .state == "offered")'
check "$P more beds reserved" [ "$(sql "SELECT COUNT(*) FROM beds WHERE status = 'reserved'")" = $((reserved0 + P)) ]
check "offers audited with the coordinator's name" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'beds.referral.offer' AND actor = 'coord'")" -ge "$((P + 2))" ]

# ---- the CLI on the same database -----------------------------------------
check "beds --help exits 0" "$BIN" beds --help >/dev/null
"$BIN" beds offer --db "$DB" >/dev/null 2>"$T/err"; st=$?
check "offer without --referral is a usage error (exit $st)" [ "$st" = 2 ]
check "in one line" [ "$(wc -l <"$T/err")" = 1 ]
"$BIN" beds los --db "$DB" --from 2026-13-01 >/dev/null 2>&1; st=$?
check "a bad date is a usage error (exit $st)" [ "$st" = 2 ]
"$BIN" beds fly --db "$DB" >/dev/null 2>&1; st=$?
check "an unknown action is a usage error (exit $st)" [ "$st" = 2 ]
"$BIN" beds board --db "$DB" >"$T/board.txt" 2>&1
check "beds board prints the ICS line" grep -q '^ICS ' "$T/board.txt"
"$BIN" beds match --db "$DB" --policy both >"$T/match.txt" 2>&1
check "beds match compares the policies" grep -q '^borough' "$T/match.txt"
"$BIN" beds admit --db "$DB" --referral 999999 >/dev/null 2>"$T/err"; st=$?
check "admit an unknown referral from the CLI fails (exit $st)" [ "$st" = 2 ]
check "naming the referral" grep -q "no bed referral" "$T/err"

# the CLI audits an action exactly as the API does (the actor differs)
CB=$(sql "SELECT bed_id FROM beds WHERE status = 'available' AND referral_id IS NULL ORDER BY bed_id LIMIT 1")
AB=$(sql "SELECT bed_id FROM beds WHERE status = 'available' AND referral_id IS NULL ORDER BY bed_id DESC LIMIT 1")
mark
"$BIN" beds status --db "$DB" --bed "$CB" --set cleaning >/dev/null 2>&1
check "a bed status change from the CLI: one audit row" [ "$(audit_count)" = $((A0 + 1)) ]
check "and one bed.status event" [ "$(since bed.status)/$(since)" = 1/1 ]
cli_audit=$(sql "SELECT action || ' ' || object_type FROM audit ORDER BY id DESC LIMIT 1")
check "by the login user" [ "$(sql "SELECT substr(actor, 1, 4) FROM audit ORDER BY id DESC LIMIT 1")" = "cli:" ]
api PATCH "/api/v1/beds/$AB" "$COORD" '{"status":"cleaning"}'
expect "the same change through the API" 200
check "CLI and API write the same audit action ($cli_audit)" \
    [ "$(sql "SELECT action || ' ' || object_type FROM audit ORDER BY id DESC LIMIT 1")" = "$cli_audit" ]
mark
"$BIN" beds status --db "$DB" --unit U-PARK-STD --confirm >/dev/null 2>&1
wrote "a unit confirmed from the CLI" beds.unit.confirm bed_unit.confirmed 0

# CSV imports: a snapshot and historic stays; a bad row leaves all as it was
FREE=$(sql "SELECT bed_code FROM beds WHERE status = 'available' AND referral_id IS NULL LIMIT 1")
printf 'bed_code,unit_code,status,closure,bay_sex\n%s,U-CLAY-REH,closed,staffing,\nU-CLAY-REH-99,U-CLAY-REH,available,,F\n' "$FREE" >"$T/snap.csv"
mark
"$BIN" beds import --db "$DB" --snapshot "$T/snap.csv" >"$T/out" 2>&1
check "snapshot import: $(cat "$T/out")" grep -q "imported 2 bed states" "$T/out"
check "the snapshot closed one bed" \
    [ "$(sql "SELECT status || '/' || closure FROM beds WHERE bed_code = '$FREE'")" = "closed/staffing" ]
check "and added another" [ "$(sql "SELECT bay_sex FROM beds WHERE bed_code = 'U-CLAY-REH-99'")" = F ]
wrote "snapshot import" beds.import.snapshot beds.imported 2
before=$(snapshot)
printf 'bed_code,unit_code,status,closure,bay_sex\nU-CLAY-REH-98,U-CLAY-REH,available,,\nU-CLAY-REH-97,U-NOWHERE,available,,\n' >"$T/bad.csv"
"$BIN" beds import --db "$DB" --snapshot "$T/bad.csv" >/dev/null 2>"$T/err"; st=$?
check "a snapshot with an unknown unit fails (exit $st)" [ "$st" = 2 ]
check "naming the line" grep -q "line 3" "$T/err"
printf 'bed_code,unit_code,status,closure,bay_sex\nU-CLAY-REH-98,U-NOWHERE,available,,\nU-CLAY-REH-97,U-CLAY-REH,shut,,X\n' >"$T/bad.csv"
"$BIN" beds import --db "$DB" --snapshot "$T/bad.csv" >/dev/null 2>"$T/err"
check "every bad row is named, not only the first" grep -q "line 2: no unit.*line 3: status 'shut'.*line 3: bay_sex" "$T/err"
check "and writes nothing, not even its good first row" [ "$before" = "$(snapshot)" ]
printf 'unit_code,admitted,discharged,ready,destination\nU-PARK-STD,2026-01-05T10:00,2026-01-19T12:00,2026-01-16,home\nU-PARK-STD,2026-02-01,,,\n' >"$T/stays.csv"
mark
"$BIN" beds import --db "$DB" --stays "$T/stays.csv" >"$T/out" 2>&1
check "stays import: $(cat "$T/out")" grep -q "imported 2 stays" "$T/out"
wrote "stays import" beds.import.stays beds.imported 0
printf 'unit_code,admitted,discharged,ready,destination\nU-PARK-STD,2026-01-05,2026-01-01,,home\n' >"$T/stays.csv"
before=$(snapshot)
"$BIN" beds import --db "$DB" --stays "$T/stays.csv" >/dev/null 2>&1; st=$?
check "a stay discharged before admission is refused (exit $st)" [ "$st" = 2 ]
check "and writes nothing" [ "$before" = "$(snapshot)" ]
"$BIN" beds generate --db "$DB" >/dev/null 2>"$T/err"; st=$?
check "generate refuses a database that has a bed history (exit $st)" [ "$st" = 2 ]

# ---- the OpenAPI document lists every beds route --------------------------
api GET /api/v1/openapi.json ""
missing=$("$BIN" serve --routes | grep ' /api/v1/beds' | while read -r m p r; do
    lm=$(echo "$m" | tr 'A-Z' 'a-z')
    jq -e --arg p "$p" --arg m "$lm" '.paths[$p][$m]' "$T/body" >/dev/null || echo "$m $p"
done)
check "every beds route is documented${missing:+ (missing: $missing)}" [ -z "$missing" ]
finish
