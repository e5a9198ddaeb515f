#!/bin/sh
# t0600-sitrep.sh - daily sitreps over real HTTP: the daily call view on the
# seeded synthetic year, submissions and versioned amendments with their OPEL
# level and drivers, bad submissions answered 4xx with nothing written,
# history with SPC signals, and a mutual-aid request taken from open to
# fulfilled with the right organisation able to act at each step.
. "$(dirname "$0")/lib.sh"
start_server
TODAY=$(TZ=Europe/London date +%F)
TOMORROW=$(TZ=Europe/London date -d tomorrow +%F)
OLD=$(TZ=Europe/London date -d '20 days ago' +%F)
IN3=$(TZ=Europe/London date -d '3 days' +%F)
OPS_RYJ=$(mktoken ops_ryj trust_ops RYJ)
OPS_R1K=$(mktoken ops_r1k trust_ops R1K)
OPS_RAS=$(mktoken ops_ras trust_ops RAS)
COORD=$(mktoken coord coordinator QRV)
CLIN=$(mktoken clin clinician RRU)
ANALYST=$(mktoken analyst analyst QRV)

# ---- the daily call view on the seeded synthetic year ----
api GET /api/v1/sitrep/today "$CLIN"
expect "daily call view for a clinician" 200
jqcheck "every NWL provider that submits is listed (13, with NHS 111)" '.expected == 13 and (.providers | length) == 13'
jqcheck "the view says its data is synthetic" '.synthetic == true'
jqcheck "RAN and RY9 have not submitted yet today" '[.missing[].org] == ["RAN","RY9"]'
jqcheck "every submitted provider has a level 1-4 and a 14-day trend" \
    'all(.providers[] | select(.submitted); .level >= 1 and .level <= 4 and (.trend | length) == 14)'
jqcheck "acute trusts show their drivers and figures" \
    'all(.providers[] | select(.kind == "acute"); (.figures.ga_occ_pct > 0) and (.figures.ga_beds_core > 0) and (.drivers | type) == "array")'
jqcheck "an ICS level rolled up from the providers" '.ics.level >= 1 and .ics.level <= 4 and .ics.pillars.acute.providers == 4'
jqcheck "thresholds labelled illustrative" '.thresholds_source | test("illustrative")'
api GET "/api/v1/sitrep/today?day=yesterday" "$CLIN"
expect "a day that is not a date" 422
api GET /api/v1/sitrep/today ""
expect "no token" 401

api GET /api/v1/sitrep/fields "$ANALYST"
expect "field definitions" 200
jqcheck "acute G&A occupied beds is a required whole number" \
    '.kinds.acute[] | select(.name == "ga_beds_occupied") | .required and .integer'
api GET /api/v1/sitrep/thresholds "$ANALYST"
expect "thresholds in force" 200
jqcheck "25 parameter rules and 6 level cut-off rows" '(.rules | length) == 25 and (.levels | length) == 6'

# ---- submissions ----
GOOD='{"org":"RYJ","day":"'$TODAY'","fields":{"ambulance_arrivals":100,"handover_mean_min":32,"ed_attendances":400,"ed_expected":400,"ed_within_4h":300,"ed_over_12h":8,"ed_majors_spaces":40,"ed_majors_patients":50,"time_to_treatment_min":90,"ga_beds_core":950,"ga_beds_escalation":50,"ga_beds_occupied":960,"nctr_patients":96}}'
rows() { sql "SELECT COUNT(*) FROM sitrep_submissions"; }
R0=$(rows)
A0=$(audit_count)
api POST /api/v1/sitrep/submissions "$OPS_RYJ" "$GOOD"
expect "trust ops submits Imperial's sitrep" 201
jqcheck "the worked example scores 27 of 11-44: OPEL 3, computed" \
    '.level == 3 and .score == 27 and .score_min == 11 and .score_max == 44 and .level_source == "computed"'
jqcheck "a new version over the seeded one" '.version == 2 and .is_current == 1 and .source == "api"'
jqcheck "drivers led by handover delays and G&A occupancy" \
    '.drivers[0].parameter == "handover_mean_min" and .drivers[0].excess == 4 and .drivers[1].parameter == "ga_occ_pct" and .drivers[1].value == 96'
check "one more row and one audit record" [ "$(rows)" -eq $((R0 + 1)) -a "$(audit_count)" -eq $((A0 + 1)) ]
check "the audit names the submission (an amendment of the seeded version 1)" \
    [ "$(sql "SELECT action || ' ' || object_id FROM audit ORDER BY id DESC LIMIT 1")" = "sitrep.amend RYJ/$TODAY/v2" ]

AMEND=$(printf '%s' "$GOOD" | jq -c '.fields.ga_beds_occupied = 1000 | .fields.handover_mean_min = 65')
api POST /api/v1/sitrep/submissions "$OPS_RYJ" "$AMEND"
expect "a repeat for the same day is an amendment" 201
jqcheck "version 3, now OPEL 3 with score 31" '.version == 3 and .score == 31 and .level == 3'
check "history kept: three versions, one current" \
    [ "$(sql "SELECT COUNT(*) || '/' || SUM(is_current) FROM sitrep_submissions WHERE org_code='RYJ' AND day='$TODAY'")" = "3/1" ]
check "the amendment is audited with the version before" \
    [ "$(sql "SELECT action || ' ' || CASE WHEN before_json IS NOT NULL THEN 1 ELSE 0 END FROM audit ORDER BY id DESC LIMIT 1")" = "sitrep.amend 1" ]
api GET "/api/v1/sitrep/providers/RYJ/days/$TODAY" "$CLIN"
expect "every version of the day" 200
jqcheck "newest first" '.versions == 3 and [.items[].version] == [3,2,1]'
api GET "/api/v1/sitrep/providers/RYJ/days/$TOMORROW" "$CLIN"
expect "no sitrep for tomorrow" 404

R0=$(rows)
A0=$(audit_count)
bad() { # DESC STATUS BODY [TOKEN]
    api POST /api/v1/sitrep/submissions "${4-$OPS_RYJ}" "$3"
    expect "$1" "$2"
}
bad "malformed JSON" 400 '{"org":"RYJ",'
bad "a JSON array" 400 '[1,2]'
bad "missing figures" 422 "$(printf '%s' "$GOOD" | jq -c 'del(.fields.ed_expected, .fields.nctr_patients)')"
jqcheck "names every missing field" '(.detail | test("ed_expected")) and (.detail | test("nctr_patients"))'
bad "a negative count" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.ed_over_12h = -3')"
jqcheck "says counts cannot be negative" '.detail | test("cannot be negative")'
bad "occupancy over 100%" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.ga_beds_occupied = 1001')"
jqcheck "says occupancy is over 100%" '.detail | test("occupancy over 100%")'
bad "an unknown organisation" 422 "$(printf '%s' "$GOOD" | jq -c '.org = "ZZZ"')" "$COORD"
jqcheck "names the organisation" '.detail | test("ZZZ")'
bad "a day in the future" 422 "$(printf '%s' "$GOOD" | jq -c --arg d "$TOMORROW" '.day = $d')"
jqcheck "says the day is in the future" '.detail | test("future")'
bad "a day too old to amend" 422 "$(printf '%s' "$GOOD" | jq -c --arg d "$OLD" '.day = $d')"
bad "a figure that is not a number" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.ed_attendances = "lots"')"
bad "a fractional count" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.ed_attendances = 400.5')"
bad "an unknown top-level field" 422 "$(printf '%s' "$GOOD" | jq -c '.colour = "red"')"
bad "a field for community providers" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.ucr_referrals = 3')"
jqcheck "says it does not apply to acute providers" '.detail | test("does not apply to acute")'
bad "trust ops submitting for another trust" 403 "$(printf '%s' "$GOOD" | jq -c '.org = "R1K"')"
bad "a clinician submitting" 403 "$GOOD" "$CLIN"
bad "no token" 401 "$GOOD" ""
check "nothing written by the failed submissions (rows, audit)" \
    [ "$(rows)" -eq "$R0" -a "$(audit_count)" -eq "$A0" ]

# a site return, and a community provider's declared level
SITE=$(printf '%s' "$GOOD" | jq -c '.org = "RYJ01"')
api POST /api/v1/sitrep/submissions "$OPS_RYJ" "$SITE"
expect "trust ops submits for one of its sites" 201
jqcheck "stored under the site with the trust" '.org == "RYJ01" and .trust == "RYJ"'
RY9='{"org":"RY9","fields":{"community_beds":60,"community_occupied":57,"ucr_referrals":40,"ucr_within_2h":30,"staff_absence_pct":7.5},"declared_level":4,"reason":"Half the rapid response team off sick"}'
api POST /api/v1/sitrep/submissions "$COORD" "$(printf '%s' "$RY9" | jq -c 'del(.reason)')"
expect "a declared level without a reason" 422
api POST /api/v1/sitrep/submissions "$COORD" "$RY9"
expect "a coordinator submits a community provider's declared level" 201
jqcheck "the declared level stands, with its reason, beside the computed one" \
    '.level == 4 and .level_source == "declared" and .level_computed == 2 and (.reason | test("sick"))'
api GET /api/v1/sitrep/today "$CLIN"
expect "the call view again" 200
jqcheck "only RAN is missing now" '[.missing[].org] == ["RAN"]'
jqcheck "RY9 shows OPEL 4 declared" '.providers[] | select(.org == "RY9") | .level == 4 and .level_source == "declared"'
jqcheck "RYJ shows the amended version with its change since yesterday and its site" \
    '.providers[] | select(.org == "RYJ") | .version == 3 and (.change | type) == "number" and (.changes.ga_occ_pct | type) == "number" and .sites[0].org == "RYJ01"'

# a trust with no return of its own: its level is computed from its sites' returns
sql "DELETE FROM sitrep_submissions WHERE org_code = 'RAS' AND day = '$TODAY'"
api POST /api/v1/sitrep/submissions "$OPS_RAS" "$(printf '%s' "$GOOD" | jq -c '.org = "RAS01"')"
expect "Hillingdon Hospital's site return" 201
api POST /api/v1/sitrep/submissions "$OPS_RAS" "$(printf '%s' "$GOOD" | jq -c '.org = "RAS02" | .fields.ga_beds_core = 100 | .fields.ga_beds_escalation = 0 | .fields.ga_beds_occupied = 80 | .fields.nctr_patients = 8')"
expect "Mount Vernon's site return" 201
api GET /api/v1/sitrep/today "$CLIN"
expect "the call view with site returns" 200
jqcheck "Hillingdon's trust level comes from its two sites: 1040 of 1100 beds, score 24, OPEL 3" \
    '.providers[] | select(.org == "RAS") | .level_source == "computed from sites" and (.sites | length) == 2 and .figures.ga_occ_pct == 94.55 and .score == 24 and .level == 3'

# ---- history with SPC ----
api GET "/api/v1/sitrep/providers/R1K/history" "$ANALYST"
expect "90 days of history" 200
jqcheck "90 days and XmR limits for G&A occupancy" \
    '(.days | length) == 90 and .spc.ga_occ_pct.ucl > .spc.ga_occ_pct.mean and .spc.ga_occ_pct.lcl < .spc.ga_occ_pct.mean and (.spc.ga_occ_pct.points | length) == 90'
jqcheck "signals carry their rule names" \
    '[.spc[].signals[].rules[]] | unique | all(. as $r | ["outside_limits","shift","trend","two_of_three"] | index($r))'
api GET "/api/v1/sitrep/providers/R1K/history?from=$TODAY&to=$OLD" "$ANALYST"
expect "from after to" 422
api GET "/api/v1/sitrep/providers/ZZZ/history" "$ANALYST"
expect "unknown provider" 404

# ---- mutual aid: open -> offered -> agreed -> fulfilled ----
REQ='{"resource":"beds","detail":"ga","quantity":10,"date_from":"'$TODAY'","date_to":"'$IN3'","urgency":"urgent","note":"winter surge"}'
areq() { sql "SELECT COUNT(*) FROM sitrep_aid_requests"; }
N0=$(areq)
api POST /api/v1/sitrep/aid "$OPS_RYJ" "$(printf '%s' "$REQ" | jq -c '.quantity = 0 | .resource = "unicorns" | .shoe = 1')"
expect "an invalid request" 422
jqcheck "every problem named" '(.detail | test("shoe")) and (.detail | test("quantity")) and (.detail | test("resource"))'
api POST /api/v1/sitrep/aid "$OPS_RYJ" "$(printf '%s' "$REQ" | jq -c '.org = "R1K"')"
expect "trust ops asking for another organisation" 403
api POST /api/v1/sitrep/aid "$OPS_RYJ" '{"resource":'
expect "malformed JSON" 400
api POST /api/v1/sitrep/aid "$ANALYST" "$REQ"
expect "an analyst asking" 403
check "no request written by the failures" [ "$(areq)" -eq "$N0" ]

api POST /api/v1/sitrep/aid "$OPS_RYJ" "$REQ"
expect "Imperial asks for 10 G&A beds" 201
jqcheck "open, for RYJ by default" '.state == "open" and .org == "RYJ" and .quantity == 10'
ID=$(jqb .id)
api GET "/api/v1/sitrep/aid/$ID/suggestions" "$OPS_RYJ"
expect "suggestions" 200
jqcheck "never the requester, never OPEL 4, only providers with spare G&A beds" \
    '(.suggestions | length) > 0 and all(.suggestions[]; .org != "RYJ" and .level < 4 and .spare_beds >= 1 and (.kind == "acute" or .kind == "specialist"))'
jqcheck "ranked by level then pressure" \
    '[.suggestions[] | [.level, .pressure]] as $k | $k == ($k | sort)'

api POST "/api/v1/sitrep/aid/$ID/agree" "$OPS_RYJ" '{"offer_id":1}'
expect "agree before any offer" 409
api POST "/api/v1/sitrep/aid/$ID/offers" "$OPS_RYJ" '{"quantity":2}'
expect "the requester offering to itself" 409
api POST "/api/v1/sitrep/aid/$ID/offers" "$OPS_RAS" '{"org":"R1K","quantity":2}'
expect "offering on behalf of another organisation" 403
api POST "/api/v1/sitrep/aid/$ID/offers" "$OPS_R1K" '{"quantity":"six"}'
expect "an offer with a bad quantity" 422
api POST "/api/v1/sitrep/aid/$ID/offers" "$OPS_R1K" '{"quantity":6,"note":"Northwick Park can take 6"}'
expect "London North West offers 6 beds" 201
jqcheck "offered, with the offer listed" '.state == "offered" and .offers[0].org == "R1K" and .offers[0].quantity == 6'
OFFER=$(jqb '.offers[0].id')
api POST "/api/v1/sitrep/aid/$ID/agree" "$OPS_RAS" "{\"offer_id\":$OFFER}"
expect "a bystander agreeing" 403
api POST "/api/v1/sitrep/aid/$ID/agree" "$OPS_RYJ" '{"offer_id":999}'
expect "agreeing an offer that does not exist" 422
api POST "/api/v1/sitrep/aid/$ID/agree" "$OPS_RYJ" '{"offer":1}'
expect "agree without offer_id" 422
api POST "/api/v1/sitrep/aid/$ID/agree" "$OPS_RYJ" "{\"offer_id\":$OFFER}"
expect "Imperial agrees the offer" 200
jqcheck "agreed" ".state == \"agreed\" and .agreed_offer_id == $OFFER and .offers[0].state == \"agreed\""
api POST "/api/v1/sitrep/aid/$ID/offers" "$OPS_RAS" '{"quantity":2}'
expect "an offer after agreement" 409
api POST "/api/v1/sitrep/aid/$ID/fulfil" "$OPS_RAS" '{}'
expect "a bystander marking it fulfilled" 403
api POST "/api/v1/sitrep/aid/$ID/fulfil" "$OPS_R1K" '{"note":"6 patients moved"}'
expect "the offering trust marks it fulfilled" 200
jqcheck "fulfilled, with the whole story in events" \
    '.state == "fulfilled" and [.events[].action] == ["request","offer","agree","fulfil"]'
api POST "/api/v1/sitrep/aid/$ID/withdraw" "$OPS_RYJ" '{}'
expect "withdrawing a fulfilled request" 409
check "four audit records for the request's lifecycle" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE object_type='sitrep_aid' AND object_id='$ID'")" -eq 4 ]

# visibility and withdrawal
api POST /api/v1/sitrep/aid "$OPS_R1K" '{"resource":"staff","detail":"nurse","quantity":3,"date_from":"'$TODAY'","date_to":"'$IN3'","urgency":"routine"}'
expect "London North West asks for nurses" 201
ID2=$(jqb .id)
api POST "/api/v1/sitrep/aid/$ID2/withdraw" "$OPS_RYJ" '{}'
expect "another trust withdrawing it" 403
api POST "/api/v1/sitrep/aid/$ID2/withdraw" "$OPS_R1K" '{"note":"covered by bank staff"}'
expect "the requester withdraws it" 200
jqcheck "withdrawn" '.state == "withdrawn"'
api GET "/api/v1/sitrep/aid/$ID2" "$OPS_RAS"
expect "a closed request another trust is not party to" 403
api GET "/api/v1/sitrep/aid/$ID2" "$COORD"
expect "a coordinator sees it" 200
api GET /api/v1/sitrep/aid "$OPS_RAS"
expect "Hillingdon's list" 200
jqcheck "hides requests closed to it" "all(.items[]; .id != $ID2 and .id != $ID)"
api GET /api/v1/sitrep/aid "$COORD"
expect "the coordinator's list" 200
jqcheck "shows every request" "[.items[].id] == [$ID2, $ID]"
api GET "/api/v1/sitrep/aid?state=lost" "$COORD"
expect "an unknown state" 422
api GET /api/v1/sitrep/aid "$ANALYST"
expect "an analyst listing aid" 403
api GET /api/v1/sitrep/aid/999 "$COORD"
expect "no such request" 404
api GET /api/v1/sitrep/aid/abc "$COORD"
expect "a request id that is not a number" 404

# ---- an ICS loads its own thresholds ----
api GET /api/v1/sitrep/thresholds "$ADMIN"
CUR=$(cat "$T/body")
NEW=$(printf '%s' "$CUR" | jq -c '.source = "NWL ICS agreed values 2026" | (.rules[] | select(.kind == "acute" and .parameter == "ga_occ_pct")) |= (.band2_from = 85 | .band3_from = 90 | .band4_from = 93)')
api PUT /api/v1/sitrep/thresholds "$OPS_RYJ" "$NEW"
expect "trust ops replacing the thresholds" 403
A0=$(audit_count)
api PUT /api/v1/sitrep/thresholds "$ADMIN" "$(printf '%s' "$CUR" | jq -c '.rules[0].band3_from = -100 | .rules[1].weight = "heavy" | .colour = 1')"
expect "thresholds out of order, a weight that is not a number, an unknown field" 422
jqcheck "every problem named" '(.detail | test("strictly increasing")) and (.detail | test("weight")) and (.detail | test("colour"))'
api PUT /api/v1/sitrep/thresholds "$ADMIN" "$(printf '%s' "$CUR" | jq -c '.levels |= map(select(.kind != "ambulance"))')"
expect "ambulance thresholds without cut-offs" 422
check "nothing changed by the failed loads" \
    [ "$(audit_count)" -eq "$A0" -a "$(sql "SELECT COUNT(*) FROM sitrep_levels")" -eq 6 ]
api PUT /api/v1/sitrep/thresholds "$ADMIN" "$NEW"
expect "an admin loads the ICS's values" 200
jqcheck "the new set is in force with its source" \
    '.source == "NWL ICS agreed values 2026" and (.rules[] | select(.kind == "acute" and .parameter == "ga_occ_pct") | .band4_from == 93)'
check "the load is audited" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'sitrep.thresholds.load'")" -eq 1 ]
api POST /api/v1/sitrep/submissions "$OPS_RYJ" "$GOOD"
expect "the worked example again" 201
jqcheck "96% occupancy is now band 4: score 29" '.score == 29 and .level == 3 and (.drivers[] | select(.parameter == "ga_occ_pct") | .band == 4)'

# ---- the CLI on the same database ----
out=$("$BIN" sitrep today --db "$DB" 2>&1)
check "icsflow sitrep today prints the call view" sh -c 'printf "%s" "$1" | grep -q "Daily call view for '"$TODAY"'"' _ "$out"
"$BIN" sitrep today --db "$DB" --day 2026-02-30 >/dev/null 2>&1
check "icsflow sitrep today with a bad day exits 2" [ $? -eq 2 ]
"$BIN" sitrep submit --db "$DB" --org RYJ ga_beds_core=950 ga_beds_occupied=1200 >/dev/null 2>&1
check "icsflow sitrep submit with bad figures exits 2" [ $? -eq 2 ]


# ---- the application layer: one audit row and its change events per write ----
ev_count() { sql "SELECT COUNT(*) FROM events${1:+ WHERE $1}"; }
events_for() { # TOKEN AFTER -> the event list in $T/body
    api GET "/api/v1/events?after=$2&limit=1000" "$1"
}
A0=$(audit_count)
S0=$(ev_count "type = 'sitrep.amended'")
EID0=$(sql "SELECT COALESCE(MAX(id), 0) FROM events")
api POST /api/v1/sitrep/submissions "$OPS_RYJ" "$AMEND"
expect "an amendment through the application layer" 201
check "the amendment writes exactly one audit row" [ "$(audit_count)" -eq $((A0 + 1)) ]
check "and exactly one sitrep.amended event" [ "$(ev_count "type = 'sitrep.amended'")" -eq $((S0 + 1)) ]
check "every event it wrote is a sitrep or OPEL level event" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE id > $EID0 AND type NOT IN ('sitrep.amended', 'opel.changed')")" -eq 0 ]
check "the event's payload names the provider and the version" \
    [ "$(sql "SELECT json_extract(payload_json, '\$.org') || ' ' || json_extract(payload_json, '\$.version') FROM events WHERE type = 'sitrep.amended' ORDER BY id DESC LIMIT 1")" = "RYJ $(sql "SELECT MAX(version) FROM sitrep_submissions WHERE org_code = 'RYJ' AND day = '$TODAY'")" ]
check "the audit row and the event name the same object" \
    [ "$(sql "SELECT object_id FROM events WHERE type = 'sitrep.amended' ORDER BY id DESC LIMIT 1")" = "$(sql "SELECT object_id FROM audit ORDER BY id DESC LIMIT 1")" ]
events_for "$OPS_RYJ" "$EID0"
expect "Imperial reads the events" 200
jqcheck "Imperial sees its own amendment" '[.items[].type] | index("sitrep.amended") != null'
events_for "$OPS_RAS" "$EID0"
expect "Hillingdon reads the events" 200
jqcheck "Hillingdon does not see Imperial's amendment" '[.items[] | select(.type == "sitrep.amended")] | length == 0'

A0=$(audit_count)
E0=$(ev_count)
api POST /api/v1/sitrep/submissions "$OPS_RYJ" "$(printf '%s' "$GOOD" | jq -c '.fields.ed_over_12h = -3')"
expect "a failed submission" 422
check "a failed submission writes no audit row" [ "$(audit_count)" -eq "$A0" ]
check "and no event" [ "$(ev_count)" -eq "$E0" ]

# a declared level is announced, and so is the level change it makes
check "RY9's declared OPEL 4 was announced (opel.declared)" \
    [ "$(sql "SELECT json_extract(payload_json, '\$.declared_level') FROM events WHERE type = 'opel.declared' AND object_id LIKE 'RY9/%' ORDER BY id DESC LIMIT 1")" = "4" ]
check "and its level change to 4, with the old level (opel.changed)" \
    [ "$(sql "SELECT json_extract(payload_json, '\$.new') || ' ' || CASE WHEN CAST(json_extract(payload_json, '\$.old') AS TEXT) = '4' THEN 0 ELSE 1 END FROM events WHERE type = 'opel.changed' AND object_id = 'RY9/$TODAY' ORDER BY id DESC LIMIT 1")" = "4 1" ]
check "ICS level changes are ICS-wide events" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'opel.changed' AND object_id LIKE 'ics/%' AND orgs IS NOT NULL")" -eq 0 ]
check "the thresholds load was announced (opel.thresholds_loaded)" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'opel.thresholds_loaded'")" -eq 1 ]

# 403 comes before 422: a role that may not act is refused before its body is read
api POST /api/v1/sitrep/submissions "$CLIN" '{"colour":"red"}'
expect "a clinician with a bad submission body" 403
api POST /api/v1/sitrep/aid "$ANALYST" '{"quantity":"lots"}'
expect "an analyst with a bad aid body" 403
api PUT /api/v1/sitrep/thresholds "$OPS_RYJ" '{"rules":7}'
expect "trust ops with a bad thresholds body" 403
api POST "/api/v1/sitrep/aid/$ID/offers" "$CLIN" '{"quantity":"six"}'
expect "a clinician with a bad offer body" 403

# ---- issue 19: suggestions have the request's own scope ----
api GET "/api/v1/sitrep/aid/$ID2/suggestions" "$OPS_RAS"
expect "suggestions for a closed request Hillingdon is not party to" 403
api GET "/api/v1/sitrep/aid/$ID/suggestions" "$OPS_RAS"
expect "suggestions for another closed request Hillingdon is not party to" 403
api GET "/api/v1/sitrep/aid/$ID2/suggestions" "$OPS_R1K"
expect "suggestions for the requester's own closed request" 200
api GET "/api/v1/sitrep/aid/$ID/suggestions" "$COORD"
expect "a coordinator sees suggestions for any request" 200
api GET /api/v1/sitrep/aid/999/suggestions "$COORD"
expect "suggestions for no such request" 404

# ---- issue 19: one open offer per organisation per request ----
api POST /api/v1/sitrep/aid "$OPS_RYJ" "$REQ"
expect "Imperial asks again" 201
ID3=$(jqb .id)
EID0=$(sql "SELECT COALESCE(MAX(id), 0) FROM events")
pids=""
i=0
while [ $i -lt 50 ]; do
    curl -s -o /dev/null -w '%{http_code}\n' -X POST -H "Authorization: Bearer $OPS_R1K" \
        -H "Content-Type: application/json" --data '{"quantity":1}' \
        "$URL/api/v1/sitrep/aid/$ID3/offers" >"$T/offer.$i" &
    pids="$pids $!"
    i=$((i + 1))
done
wait $pids
check "50 concurrent offers from one trust: exactly one accepted (201)" \
    [ "$(cat "$T"/offer.* | grep -c '^201$')" -eq 1 ]
check "the other 49 refused as conflicts (409)" [ "$(cat "$T"/offer.* | grep -c '^409$')" -eq 49 ]
check "exactly one offer stored" \
    [ "$(sql "SELECT COUNT(*) FROM sitrep_aid_offers WHERE request_id = $ID3 AND org_code = 'R1K'")" -eq 1 ]
check "exactly one aid.offered event" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE id > $EID0 AND type = 'aid.offered'")" -eq 1 ]
check "exactly one audited offer" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'sitrep.aid.offer' AND object_id = '$ID3'")" -eq 1 ]
A0=$(audit_count)
E0=$(ev_count)
api POST "/api/v1/sitrep/aid/$ID3/offers" "$OPS_R1K" '{"quantity":2,"note":"and again"}'
expect "a second offer from the same trust" 409
jqcheck "says there is already an open offer" '.detail | test("already has an open offer")'
check "the refused offer writes no audit row" [ "$(audit_count)" -eq "$A0" ]
check "and no event" [ "$(ev_count)" -eq "$E0" ]
db_sql "INSERT INTO sitrep_aid_offers (request_id, org_code, quantity, state, created_at, created_by) VALUES ($ID3, 'R1K', 1, 'offered', 0, 'x')" 2>/dev/null
check "the database itself refuses a second open offer (UNIQUE index)" [ $? -ne 0 ]
api POST "/api/v1/sitrep/aid/$ID3/offers" "$OPS_RAS" '{"quantity":1}'
expect "another trust may still offer" 201
jqcheck "two offers from two trusts" '[.offers[].org] == ["R1K","RAS"]'
RAS_OFFER=$(jqb '.offers[1].id')
A0=$(audit_count)
E0=$(ev_count)
api POST "/api/v1/sitrep/aid/$ID3/agree" "$OPS_RYJ" "{\"offer_id\":$RAS_OFFER}"
expect "Imperial agrees Hillingdon's offer" 200
check "the agreement writes exactly one audit row" [ "$(audit_count)" -eq $((A0 + 1)) ]
check "and exactly one event" [ "$(ev_count)" -eq $((E0 + 1)) ]
check "that event is aid.agreed" [ "$(sql "SELECT type FROM events ORDER BY id DESC LIMIT 1")" = "aid.agreed" ]
EID1=$(sql "SELECT MAX(id) - 1 FROM events")
events_for "$OPS_RAS" "$EID1"
expect "Hillingdon reads the events" 200
jqcheck "Hillingdon, whose offer was agreed, sees aid.agreed" '[.items[].type] == ["aid.agreed"]'
events_for "$OPS_RYJ" "$EID1"
expect "Imperial reads the events" 200
jqcheck "Imperial, the requester, sees it" '[.items[].type] == ["aid.agreed"]'
OPS_RQM=$(mktoken ops_rqm trust_ops RQM)
events_for "$OPS_RQM" "$EID1"
expect "Chelsea and Westminster reads the events" 200
jqcheck "an unrelated trust does not see it" '(.items | length) == 0'

# ---- the CLI and the API write the same audit record ----
API_AUDIT=$(sql "SELECT action || ' ' || object_type FROM audit WHERE actor = 'ops_ryj' AND action = 'sitrep.aid.request' ORDER BY id DESC LIMIT 1")
"$BIN" sitrep aid request --db "$DB" --org RYJ --resource staff --detail nurse --quantity 2 \
    --from "$TODAY" --to "$IN3" --urgency routine >/dev/null 2>&1
check "icsflow sitrep aid request succeeds" [ $? -eq 0 ]
check "the CLI request is audited as the API's is" \
    [ "$(sql "SELECT action || ' ' || object_type FROM audit WHERE actor LIKE 'cli:%' ORDER BY id DESC LIMIT 1")" = "$API_AUDIT" ]
check "and announced as aid.requested" [ "$(sql "SELECT type FROM events ORDER BY id DESC LIMIT 1")" = "aid.requested" ]
ID4=$(sql "SELECT MAX(id) FROM sitrep_aid_requests")
"$BIN" sitrep aid offer "$ID4" --db "$DB" --org RAS --quantity 1 >/dev/null 2>&1
check "icsflow sitrep aid offer succeeds" [ $? -eq 0 ]
check "the CLI offer is audited as the API's are" \
    [ "$(sql "SELECT action || ' ' || object_type || ' ' || object_id FROM audit WHERE actor LIKE 'cli:%' ORDER BY id DESC LIMIT 1")" = "sitrep.aid.offer sitrep_aid $ID4" ]
"$BIN" sitrep aid offer "$ID4" --db "$DB" --org RAS --quantity 1 >/dev/null 2>&1
check "a second CLI offer from the same trust is refused (exit 2)" [ $? -eq 2 ]
printf '%s' "$AMEND" >"$T/amend.json"
"$BIN" sitrep submit --db "$DB" --file "$T/amend.json" >/dev/null 2>&1
check "icsflow sitrep submit succeeds" [ $? -eq 0 ]
check "the CLI submission is audited as the API's amendment is" \
    [ "$(sql "SELECT action || ' ' || object_type FROM audit WHERE actor LIKE 'cli:%' ORDER BY id DESC LIMIT 1")" = "sitrep.amend sitrep" ]
check "and announced as sitrep.amended" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'sitrep.amended' AND object_id = (SELECT object_id FROM audit WHERE actor LIKE 'cli:%' ORDER BY id DESC LIMIT 1)")" -eq 1 ]

# ---- the migration: duplicate open offers left by older versions are marked, then the index holds ----
stop_server
sql "DROP INDEX sitrep_aid_offers_open; DELETE FROM schema_migrations WHERE module = 'sitrep' AND version = 2"
sql "INSERT INTO sitrep_aid_offers (request_id, org_code, quantity, state, created_at, created_by) VALUES ($ID4, 'RQM', 1, 'offered', 0, 'x'), ($ID4, 'RQM', 1, 'offered', 0, 'x')"
"$BIN" sitrep aid list --db "$DB" >/dev/null 2>&1
check "a database with duplicate open offers opens and migrates" [ $? -eq 0 ]
check "the earliest open offer stands, the later duplicate is marked" \
    [ "$(sql "SELECT group_concat(state) FROM (SELECT state FROM sitrep_aid_offers WHERE request_id = $ID4 AND org_code = 'RQM' ORDER BY id)")" = "offered,duplicate" ]
if [ "$ICS_BACKEND" = pg ]; then
    indexes="SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'sitrep_aid_offers_open'"
else
    indexes="SELECT COUNT(*) FROM sqlite_master WHERE name = 'sitrep_aid_offers_open'"
fi
check "the UNIQUE index is back" [ "$(sql "$indexes")" -eq 1 ]

finish
