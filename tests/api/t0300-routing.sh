#!/bin/sh
# t0300-routing.sh - the rapid-response finder, referrals and their
# lifecycle, live capacity and the two reports over real HTTP, with NWL
# scenarios and expected answers, bad input answered 4xx with nothing
# written, and the database checked afterwards.
. "$(dirname "$0")/lib.sh"
start_server
LAS=$(mktoken las_crew clinician RRU)      # ambulance clinician: refers
CNWL=$(mktoken cnwl_ucr clinician RV3)     # provider of UCR-HIL and FALLS-HH
CLCH=$(mktoken clch_ops trust_ops RYX)     # provider of the central services
IMP=$(mktoken imperial clinician RYJ)      # another organisation
COORD=$(mktoken coord coordinator QRV)
ANALYST=$(mktoken analyst analyst QRV)

# ---- the finder: NWL scenarios ------------------------------------------
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls","frailty"],"age":84,"at":"2026-12-25T03:00"}'
expect "Hillingdon patient, falls, 03:00 on Christmas Day" 200
jqcheck "one eligible service: the 24/7 falls and frailty response" \
    '.eligible_count == 1 and .eligible[0].service_id == "FALLS-HH" and .eligible[0].rank == 1'
jqcheck "it says why, with distance, response and freshness" \
    '.eligible[0] | (.reason | test("located by postcode district UB8")) and .distance_km > 8 and .distance_km < 9
     and .expected_response_minutes == 60 and .capacity_stale == true'
jqcheck "Hillingdon UCR is excluded as closed, opening at 08:00" \
    '.excluded[] | select(.service_id == "UCR-HIL") | .excluded_by == "closed" and (.reason | test("opens 08:00")) and .opens_next == "2026-12-25T08:00:00+00:00"'
jqcheck "every other service is listed with a reason" '.excluded_count == 13 and all(.excluded[]; .reason | length > 0)'

api POST /api/v1/route "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":79,"at":"2026-12-28T10:00"}'
expect "Westminster patient on the Boxing Day bank holiday, 10:00" 200
jqcheck "Westminster UCR, open until its bank-holiday close at 17:00" \
    '.eligible_count == 1 and .eligible[0].service_id == "UCR-WES" and .eligible[0].open_until == "2026-12-28T17:00:00+00:00"'
api POST /api/v1/route "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":79,"at":"2026-12-28T18:00"}'
expect "Westminster patient on the bank holiday, 18:00" 200
jqcheck "closed at 18:00 on the bank holiday (an ordinary day it is open to 20:00)" \
    '.eligible_count == 0 and (.excluded[] | select(.service_id == "UCR-WES") | .excluded_by == "closed")'
jqcheck "nothing eligible: the summary names the next service to open and its opening time" \
    '(.excluded[] | select(.service_id == "UCR-WES") | .opens_next[11:16]) as $t | .summary | any(test("nothing is eligible now; the next to open is .* \\(UCR-WES\\) at " + $t))'
api POST /api/v1/route "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":79,"at":"2026-12-29T18:00"}'
jqcheck "open at 18:00 the next, ordinary, day" '.eligible[0].service_id == "UCR-WES"'

api POST /api/v1/route "$LAS" '{"postcode":"SE1 7EH","needs":["falls"],"age":80,"at":"2026-11-24T10:00"}'
expect "a postcode outside the ICS" 200
jqcheck "nothing eligible; every service outside catchment; location says so" \
    '.eligible_count == 0 and .location.inside_ics == false and all(.excluded[]; .excluded_by == "outside_catchment")'

api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":84,"at":"2026-11-24T19:45"}'
jqcheck "closing within 30 minutes is excluded (Hillingdon UCR closes 20:00)" \
    '(.excluded[] | select(.service_id == "UCR-HIL") | .excluded_by == "closing_soon") and .eligible[0].service_id == "FALLS-HH"'
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":84,"at":"2026-11-24T10:00","presentations":["head_injury"]}'
jqcheck "a head injury is excluded by every falls service" \
    '.eligible_count == 0 and (.excluded[] | select(.service_id == "UCR-HIL") | .excluded_by == "excluded_presentation")'
jqcheck "and since no opening hours would help, the summary says none opens within a week" \
    '.summary | any(test("no service that could take this patient opens within a week"))'
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":84,"at":"2026-11-24T10:00"}'
jqcheck "a catchment reason names the place, its code after it (Brent UCR does not serve Hillingdon)" \
    '.excluded[] | select(.service_id == "UCR-BRE") | .reason | test("does not serve Hillingdon \\(E09000017\\) or postcode district UB8")'
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":84,"at":"2026-12-25T03:00"}'
jqcheck "Christmas Day: the summary says it is a bank holiday and what that excludes" \
    '.bank_holiday == true and (.summary | index("Fri 25 Dec 2026 is a bank holiday: services closed on bank holidays are excluded") != null)'
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":84,"at":"2026-11-24T10:00"}'
jqcheck "an ordinary Tuesday: no bank holiday line in the summary" '.bank_holiday == false and .summary == []'

# ---- the out-of-hours alternative: a per-ICS setting ---------------------
NWL_ADMIN=$(mktoken nwl_admin admin QRV)
NHS111='NHS 111 (call 111) or the GP out-of-hours service'
api POST /api/v1/route "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":79,"at":"2026-12-28T18:00"}'
jqcheck "nothing eligible: the answer carries NWL's seeded out-of-hours alternative" \
    ".out_of_hours == \"$NHS111\""
jqcheck "  and its summary ends with it, after the next service to open" \
    ".summary[-2] | test(\"^nothing is eligible now; the next to open is\")"
jqcheck "  the last summary line names the ICS that set it" \
    ".summary[-1] == \"out-of-hours alternative (set by ICS QRV): $NHS111\""
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":84,"at":"2026-11-24T10:00"}'
jqcheck "a service is eligible: no out-of-hours alternative in the answer" '.out_of_hours == null'
jqcheck "  nor in its summary" '.summary | all(test("out-of-hours") | not)'
api GET /api/v1/ics/QRV "$NWL_ADMIN"
jqcheck "GET /ics/QRV shows the setting" ".out_of_hours == \"$NHS111\""

n_audit=$(sql "SELECT COUNT(*) FROM audit WHERE action = 'ics.settings' AND object_id = 'QRV'")
api PUT /api/v1/ics/QRV/settings "$ANALYST" '{"out_of_hours":"call the GP"}'
expect "an analyst may not set the out-of-hours alternative" 403
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" '{}'
expect "settings with nothing in them" 422
jqcheck "  the problem says what to give" '.detail | test("give cross_ics or out_of_hours")'
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" '{"out_of_hours":111}'
expect "out_of_hours as a number" 422
long=$(printf 'x%.0s' $(seq 1 201))
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" "{\"out_of_hours\":\"$long\"}"
expect "201 characters" 422
jqcheck "  the problem gives the length and the limit" '.detail | test("201 characters long; at most 200")'
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" '{"out_of_hours":"call 111\nor the GP"}'
expect "two lines" 422
jqcheck "  the problem says one line" '.detail | test("one line without control characters")'
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" "$(printf '{"out_of_hours":"call \377\376 111"}')"
expect "bytes that are not UTF-8" 400
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" '{"out_of_hours":"call 111","cross_ics":"no"}'
expect "a bad cross_ics beside a good out_of_hours changes nothing" 422
check "nothing was audited by the refused changes" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'ics.settings' AND object_id = 'QRV'")" = "$n_audit" ]
check "  and the setting is as it was" [ "$(sql "SELECT out_of_hours FROM ics WHERE code = 'QRV'")" = "$NHS111" ]
e200=$(printf 'é%.0s' $(seq 1 200))
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" "{\"out_of_hours\":\"$e200\"}"
expect "200 two-byte characters (400 bytes) are 200 characters: accepted" 200
WELSH='Ffoniwch GIG 111 – neu’r gwasanaeth meddyg teulu y tu allan i oriau'
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" "{\"out_of_hours\":\"$WELSH\"}"
expect "the ICS admin sets another alternative (multibyte text)" 200
jqcheck "the answer is the ICS with the new text" ".out_of_hours == \"$WELSH\""
jqcheck "  cross_ics is untouched" '.cross_ics == false'
check "audited once for each change" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'ics.settings' AND object_id = 'QRV'")" = $((n_audit + 2)) ]
check "  the record has the text before and after" \
    [ "$(sql "SELECT after_json FROM audit WHERE action = 'ics.settings' AND object_id = 'QRV' ORDER BY id DESC LIMIT 1" | jq -r .out_of_hours)" = "$WELSH" ]
api POST /api/v1/route "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":79,"at":"2026-12-28T18:00"}'
jqcheck "the route summary gives the new text at once" \
    ".summary[-1] == \"out-of-hours alternative (set by ICS QRV): $WELSH\""
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" '{"out_of_hours":""}'
expect "an empty text removes it" 200
api POST /api/v1/route "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":79,"at":"2026-12-28T18:00"}'
jqcheck "with none configured the answer has no alternative" '.out_of_hours == null'
jqcheck "  and the summary ends with the next to open" '.summary[-1] | test("^nothing is eligible now")'
api PUT /api/v1/ics/QRV/settings "$NWL_ADMIN" "{\"out_of_hours\":\"$NHS111\"}"
expect "NWL's alternative put back" 200
api POST /api/v1/route "$LAS" '{"lat":51.5257,"lon":-0.461,"needs":["catheter"],"age":70,"at":"2026-11-24T23:00"}'
jqcheck "a point by Hillingdon Hospital is placed in Hillingdon; night nursing at 23:00" \
    '.location.place_code == "E09000017" and (.location.how | test("nearest postcode district")) and .eligible[0].service_id == "NIGHT-NW"'
api POST /api/v1/route "$LAS" '{"postcode":"HA1 3UJ","needs":["catheter"],"age":70,"at":"2026-03-28T20:00"}'
jqcheck "the night the clocks go forward: night nursing from 20:00 GMT runs to 08:00 BST, 11 hours" \
    '.eligible[] | select(.service_id == "NIGHT-NW") | .open_until == "2026-03-29T08:00:00+01:00"'
api POST /api/v1/route "$LAS" '{"postcode":"HA1 3UJ","needs":["catheter"],"age":70,"at":"2026-10-25T07:30"}'
jqcheck "the night the clocks go back: still open at 07:30 GMT, until 08:00 GMT" \
    '.eligible[] | select(.service_id == "NIGHT-NW") | .open_until == "2026-10-25T08:00:00+00:00"'
api POST /api/v1/route "$LAS" '{"place":"E09000009","needs":["catheter"],"age":70,"at":"2026-11-24T11:00"}'
jqcheck "Ealing has no urgent catheter care (the harmonisation gap)" \
    '.eligible_count == 0 and (.excluded[] | select(.service_id == "UCR-EAL") | .excluded_by == "lacks_capability")'

# ---- live capacity -------------------------------------------------------
before=$(audit_count)
api PUT /api/v1/services/FALLS-HH/capacity "$LAS" '{"used_today":30}'
expect "the ambulance service cannot set a CNWL service's capacity" 403
api PUT /api/v1/services/FALLS-HH/capacity "$CNWL" '{"used_today":"thirty"}'
expect "used_today not an integer" 422
api PUT /api/v1/services/FALLS-HH/capacity "$CNWL" '{"used_today":-1}'
expect "negative used_today" 422
api PUT /api/v1/services/NOPE/capacity "$CNWL" '{"used_today":1}'
expect "unknown service" 404
check "no capacity written and nothing audited by failed requests" \
    [ "$(sql 'SELECT COUNT(*) FROM service_capacity')" = 0 -a "$(audit_count)" = "$before" ]
api PUT /api/v1/services/FALLS-HH/capacity "$CNWL" '{"used_today":30}'
expect "CNWL reports FALLS-HH full (30 of its 30)" 200
jqcheck "stored with who and when" '.used_today == 30 and .capacity == 30 and .updated_by == "cnwl_ucr"'
check "the capacity update is audited" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'services.capacity' AND object_id = 'FALLS-HH'")" = 1 ]
api POST /api/v1/route "$LAS" '{"postcode":"UB10 0AA","needs":["falls"],"age":84}'
expect "route now" 200
jqcheck "a fresh 'full' ranks FALLS-HH out, at capacity" \
    '.excluded[] | select(.service_id == "FALLS-HH") | .excluded_by == "at_capacity" and (.reason | test("updated (just now|[0-9]+ minutes? ago)"))'
api PUT /api/v1/services/FALLS-HH/capacity "$CNWL" '{"used_today":3,"capacity":30}'
api POST /api/v1/route "$LAS" '{"postcode":"UB10 0AA","needs":["falls"],"age":84}'
jqcheck "with room again it is eligible with trusted capacity" \
    '.eligible[] | select(.service_id == "FALLS-HH") | .capacity.left == 27 and .capacity_stale == false'

# ---- bad input to the finder ---------------------------------------------
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN", "needs": ['
expect "malformed JSON" 400
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","age":84}'
expect "missing needs" 422
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":"84"}'
expect "age as a string" 422
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":84,"colour":"red"}'
expect "unknown field" 422
jqcheck "names the unknown field" '.detail | test("colour")'
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["teleport"],"age":84}'
expect "unknown capability" 422
jqcheck "lists the controlled vocabulary" '.detail | test("known: falls, frailty")'
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3N","needs":["falls"],"age":84}'
expect "malformed postcode" 422
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","place":"E09000017","needs":["falls"],"age":84}'
expect "two locations" 422
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls"],"age":184,"at":"2026-03-29T01:30"}'
expect "age 184 and a time that does not exist (clocks go forward)" 422
jqcheck "both problems reported at once" '(.detail | test("age")) and (.detail | test("clocks go forward"))'
api POST /api/v1/route "" '{"postcode":"UB8 3NN","needs":["falls"],"age":84}'
expect "no token" 401
api POST /api/v1/route "$ANALYST" '{"postcode":"UB8 3NN","needs":["falls"],"age":84}'
expect "an analyst may not route" 403

# ---- referrals -------------------------------------------------------------
nref=$(sql 'SELECT COUNT(*) FROM referrals')
before=$(audit_count)
api POST /api/v1/referrals "$LAS" '{"nhs_number":"943 476 5918","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "invalid NHS number (check digit)" 422
jqcheck "says modulus 11" '.detail | test("modulus 11")'
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"UCR-BRE"}'
expect "referring a Hillingdon patient to Brent's UCR" 422
jqcheck "explains the exclusion" '.detail | test("not eligible.*outside catchment")'
jqcheck "and names the place it does not serve" '.detail | test("does not serve Hillingdon")'
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"NOPE"}'
expect "unknown service" 422
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH","referrer_org":"RYJ"}'
expect "referring on behalf of another organisation" 422
api POST /api/v1/referrals "$LAS" '{"nhs_number":9434765919,"age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "NHS number as a number" 422
api POST /api/v1/referrals "$ANALYST" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "an analyst may not refer" 403
check "nothing written by the failed referrals" \
    [ "$(sql 'SELECT COUNT(*) FROM referrals')" = "$nref" -a "$(audit_count)" = "$before" ]

api POST /api/v1/referrals "$LAS" '{"nhs_number":"943 476 5919","age":84,"needs":["falls","frailty"],"postcode":"ub8 3nn","service_id":"FALLS-HH","notes":"fell at home, no injury"}'
expect "LAS refers a Hillingdon patient to FALLS-HH" 201
R1=$(jqb .id)
jqcheck "state sent, provider CNWL, NHS number normalised, postcode normalised" \
    '.state == "sent" and .provider_ods == "RV3" and .referrer_org == "RRU" and .nhs_number == "9434765919" and .postcode == "UB8 3NN" and .place_code == "E09000017"'
check "the referral row is in the database" [ "$(sql "SELECT state FROM referrals WHERE id = $R1")" = sent ]

api GET "/api/v1/referrals/$R1" "$IMP"
expect "another organisation cannot see it" 404
api GET "/api/v1/referrals/$R1" "$CNWL"
expect "the receiving provider sees it" 200
api POST "/api/v1/referrals/$R1/accept" "$LAS"
expect "the referrer cannot accept on the provider's behalf" 403
api POST "/api/v1/referrals/$R1/attend" "$CNWL"
expect "attend before accepting" 409
jqcheck "says to accept first" '.detail | test("accept it first")'
api POST "/api/v1/referrals/$R1/accept" "$CNWL"
expect "CNWL accepts" 200
jqcheck "accepted with a decision time" '.state == "accepted" and .decided_at != null'
check "accepting used one of FALLS-HH's places today (3 -> 4)" \
    [ "$(sql "SELECT used_today FROM service_capacity WHERE service_id = 'FALLS-HH'")" = 4 ]
api POST "/api/v1/referrals/$R1/accept" "$CNWL"
expect "accepting twice" 409
api POST "/api/v1/referrals/$R1/attend" "$CNWL" '{"attended_at":"2020-01-01T00:00"}'
expect "attended before the referral was sent" 422
api POST "/api/v1/referrals/$R1/attend" "$CNWL" '{"when":"now"}'
expect "unknown field in attend" 422
api POST "/api/v1/referrals/$R1/attend" "$CNWL"
expect "CNWL records the visit" 200
jqcheck "attended within the 2-hour standard" '.state == "attended" and .within_standard == true and .response_minutes >= 0'
api POST "/api/v1/referrals/$R1/cancel" "$LAS"
expect "cancelling an attended referral" 409
check "create, accept and attend each audited with before and after" \
    [ "$(sql "SELECT group_concat(action, ',') FROM (SELECT action FROM audit WHERE object_type = 'referrals' AND object_id = '$R1' AND action NOT LIKE 'read.%' ORDER BY id)")" = "referrals.create,referrals.accept,referrals.attend" ]
check "the accept audit holds the state change" \
    [ "$(sql "SELECT json_extract(before_json,'$.state') || '>' || json_extract(after_json,'$.state') FROM audit WHERE action = 'referrals.accept' AND object_id = '$R1'")" = "sent>accepted" ]

api POST /api/v1/referrals "$LAS" '{"nhs_number":"9990000018","age":70,"needs":["catheter"],"postcode":"W2 1NY","service_id":"UCR-BRE","override_reason":"patient staying with family in Brent"}'
expect "an override refers to an excluded service, with the reason kept" 201
R2=$(jqb .id)
jqcheck "the override is in the notes" '.notes | test("override: patient staying")'
api POST "/api/v1/referrals/$R2/decline" "$CLCH"
expect "decline without a body" 400
api POST "/api/v1/referrals/$R2/decline" "$CLCH" '{}'
expect "decline without a reason" 422
check "the failed declines changed nothing" [ "$(sql "SELECT state FROM referrals WHERE id = $R2")" = sent ]
api POST "/api/v1/referrals/$R2/decline" "$CLCH" '{"reason":"outside our area"}'
expect "CLCH (trust_ops) declines with a reason" 200
jqcheck "declined, reason kept" '.state == "declined" and .reason == "outside our area"'
api POST "/api/v1/referrals/$R2/attend" "$CLCH"
expect "attending a declined referral" 409
api POST "/api/v1/referrals/99999999/accept" "$CNWL"
expect "no such referral" 404
api POST "/api/v1/referrals/abc/accept" "$CNWL"
expect "a referral id that is not a number" 404

api GET "/api/v1/fhir/ServiceRequest/$R1" "$CNWL"
expect "the referral as a FHIR ServiceRequest" 200
check "served as application/fhir+json" [ "$CTYPE" = "application/fhir+json" ]
jqcheck "completed, NHS number identifier, requester LAS, performer FALLS-HH and CNWL" \
    '.resourceType == "ServiceRequest" and .status == "completed" and .intent == "order"
     and .subject.identifier.system == "https://fhir.nhs.uk/Id/nhs-number" and .subject.identifier.value == "9434765919"
     and .requester.reference == "Organization/RRU" and .performer[0].reference == "HealthcareService/FALLS-HH"
     and .performer[1].reference == "Organization/RV3" and ([.reasonCode[].text] == ["falls","frailty"]) and .occurrenceDateTime != null'
api GET "/api/v1/fhir/ServiceRequest/$R1" "$IMP"
fexpect "not visible to another organisation as FHIR either" 404
api GET "/api/v1/fhir/ServiceRequest?status=revoked&_count=5" "$CLCH"
expect "FHIR search for revoked referrals" 200
jqcheck "a page of 5 revoked ServiceRequests CLCH sent or received, total all of them" \
    ".resourceType == \"Bundle\" and .type == \"searchset\" and (.entry | length) == 5
     and .total == $(sql "SELECT COUNT(*) FROM referrals WHERE (referrer_org = 'RYX' OR provider_ods = 'RYX') AND state IN ('declined', 'cancelled')")
     and all(.entry[].resource; .status == \"revoked\")"
api GET "/api/v1/fhir/ServiceRequest?status=lost" "$CLCH"
fexpect "FHIR search with an unknown status" 422
api GET "/api/v1/referrals?state=sent&limit=5" "$IMP"
expect "Imperial lists its referrals" 200
jqcheck "only ones Imperial sent or received" \
    'all(.items[]; .referrer_org == "RYJ" or .provider_ods == "RYJ") and all(.items[]; .state == "sent")'
api GET "/api/v1/referrals?limit=1" "$COORD"
expect "a coordinator sees all" 200
check "coordinator's total is every referral" [ "$(jqb .total)" = "$(sql 'SELECT COUNT(*) FROM referrals')" ]
api GET "/api/v1/referrals?state=lost" "$COORD"
expect "unknown state filter" 422
api GET "/api/v1/referrals?colour=red" "$COORD"
expect "unknown query parameter" 422
api GET "/api/v1/referrals" "$ANALYST"
expect "an analyst cannot list patient referrals" 403

# ---- the 2-hour standard report, checked against the database ------------
api GET "/api/v1/reports/ucr?from=2026-01-01&to=2026-02-01" "$ANALYST"
expect "UCR report for January 2026" 200
from=$(date -u -d 2026-01-01 +%s) to=$(date -u -d 2026-02-01 +%s)
att=$(sql "SELECT COUNT(*) FROM referrals WHERE sent_at >= $from AND sent_at < $to AND state = 'attended'")
win=$(sql "SELECT COUNT(*) FROM referrals WHERE sent_at >= $from AND sent_at < $to AND state = 'attended' AND attended_at - sent_at <= 7200")
all=$(sql "SELECT COUNT(*) FROM referrals WHERE sent_at >= $from AND sent_at < $to")
check "ICS counts match the database ($win of $att attended within 2h, $all referrals)" \
    [ "$(jqb .ics.attended)" = "$att" -a "$(jqb .ics.within_standard)" = "$win" -a "$(jqb .ics.referrals)" = "$all" ]
jqcheck "share = within / attended, with a Wilson interval around it" \
    ".ics.share == ((($win / $att) * 10000 + 0.5) | floor) / 10000 and .ics.ci95[0] < .ics.share and .ics.share < .ics.ci95[1]"
jqcheck "eight places, labelled synthetic, ambition 70%" \
    '(.places | length) == 8 and .synthetic == true and .ambition == 0.7 and .standard_minutes == 120'
jqcheck "places add up to the ICS" '([.places[].referrals] | add) == .ics.referrals'
hil=$(sql "SELECT COUNT(*) FROM referrals WHERE sent_at >= $from AND sent_at < $to AND service_id = 'UCR-HIL' AND state = 'attended' AND attended_at - sent_at <= 7200")
jqcheck "per service: UCR-HIL within 2h = $hil" ".services[] | select(.service_id == \"UCR-HIL\") | .within_standard == $hil"
api GET "/api/v1/reports/ucr?from=yesterday" "$ANALYST"
expect "a bad period start" 422
api GET "/api/v1/reports/ucr?from=2026-02-01&to=2026-01-01" "$ANALYST"
expect "an empty period" 422
api GET "/api/v1/reports/ucr" "$LAS"
expect "a clinician cannot read reports" 403

api GET /api/v1/reports/harmonisation "$ANALYST"
expect "harmonisation report" 200
jqcheck "Ealing has no urgent catheter care at all" \
    '.capabilities[] | select(.capability == "catheter") | .places[] | select(.place_code == "E09000009") | .week_hours == 0 and .services == []'
jqcheck "Harrow falls covered all week by two services" \
    '.capabilities[] | select(.capability == "falls") | .places[] | select(.place_code == "E09000015") | .week_hours == 168 and (.services | length) == 2'
jqcheck "Harrow catheter gaps at weekends" \
    '.capabilities[] | select(.capability == "catheter") | .places[] | select(.place_code == "E09000015") | .gaps | index("Sat 17:00-20:00") != null'
jqcheck "K&C's over-65s-only UCR shows as a difference" \
    '.differences[] | select(.place_code == "E09000020" and .field == "min_age") | .value == "65" and .most_common == "18"'
jqcheck "ten differences between the eight UCR offers" '(.differences | length) == 10'
api GET "/api/v1/reports/harmonisation?shape=round" "$ANALYST"
expect "unknown parameter" 422

# ---- the CLI on the same database ------------------------------------------
out=$("$BIN" route --db "$DB" --postcode 'UB8 3NN' --needs falls,frailty --age 84 --at 2026-12-25T03:00 2>&1)
check "icsflow route: the issue's example answers FALLS-HH" sh -c "echo \"\$1\" | grep -q '^  1  FALLS-HH'" _ "$out"
cli=$out
api POST /api/v1/route "$LAS" '{"postcode":"UB8 3NN","needs":["falls","frailty"],"age":84,"at":"2026-12-25T03:00"}'
want=$(jq -r '.summary[] | "NOTE     " + .' "$T/body")
check "icsflow route prints the answer's summary lines as the API gives them ($want)" \
    [ "$(echo "$cli" | grep '^NOTE ')" = "$want" ]
check "  and the bank holiday is one of them" sh -c "echo \"\$1\" | grep -q '^NOTE     Fri 25 Dec 2026 is a bank holiday'" _ "$cli"
cli=$("$BIN" route --db "$DB" --postcode 'UB8 3NN' --needs falls --age 84 --at 2026-11-24T10:00 --presentations head_injury 2>&1)
check "icsflow route says what to do when nothing is eligible" \
    sh -c "echo \"\$1\" | grep -q '^NOTE     nothing is eligible now'" _ "$cli"
check "  and gives the ICS's out-of-hours alternative as a NOTE line" \
    sh -c "echo \"\$1\" | grep -qx 'NOTE     out-of-hours alternative (set by ICS QRV): $NHS111'" _ "$cli"
"$BIN" route --db "$DB" --postcode 'UB8 3NN' --needs falls --age abc >/dev/null 2>&1
check "icsflow route with a bad --age exits 2" [ $? -eq 2 ]
"$BIN" referral accept --db "$DB" "$R2" >/dev/null 2>&1
check "icsflow referral accept of a declined referral is refused (exit 2)" [ $? -eq 2 ]
"$BIN" report ucr --db "$DB" --from 2026-01-01 --to 2026-02-01 --json >"$T/cli.json" 2>/dev/null
check "icsflow report ucr --json agrees with the API" [ "$(jq .ics.within_standard "$T/cli.json")" = "$win" ]
finish
