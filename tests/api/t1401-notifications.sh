#!/bin/sh
# t1401-notifications.sh - the per-user inbox: a referral sent to my service;
# acceptance of my referral; an aid request (coordinators), an offer to my
# trust, my offer agreed; a provider reaching OPEL 4 (everyone); my trust's
# sitrep missing after the due time; unread counts for the badge, marking
# read (only one's own), and nothing for users the rules do not name or for
# a write that failed.
. "$(dirname "$0")/lib.sh"

export ICSFLOW_SITREP_DUE=00:00 # every sitrep of the day is due by now
start_server
LAS=$(mktoken las_crew clinician RRU)    # referrer
CNWL=$(mktoken cnwl_ucr clinician RV3)   # a clinician of the provider of FALLS-HH
CNWLOPS=$(mktoken cnwl_ops trust_ops RV3) # trust operations of that provider
IMP=$(mktoken imperial clinician RYJ)    # unrelated organisation
COORD=$(mktoken coord coordinator QRV)
ANALYST=$(mktoken analyst analyst QRV)
OPS_RYJ=$(mktoken ops_ryj trust_ops RYJ)
OPS_R1K=$(mktoken ops_r1k trust_ops R1K)
OPS_RAS=$(mktoken ops_ras trust_ops RAS)

# kinds TOKEN: the kinds of the user's notifications, newest first, one line
kinds() { api GET /api/v1/notifications "$1"; jq -r '[.items[].kind] | join(" ")' "$T/body"; }
# has TOKEN KIND OBJECT_ID: the user holds that notification
has() {
    api GET /api/v1/notifications "$1"
    jq -e --arg k "$2" --arg o "$3" 'any(.items[]; .kind == $k and .object_id == $o)' "$T/body" >/dev/null
}
hasnt() { ! has "$@"; }
unread() { api GET /api/v1/notifications "$1"; jqb .unread; }
rows() { sql "SELECT COUNT(*) FROM notifications"; }

api GET /api/v1/notifications "$LAS"
expect "an empty inbox" 200
jqcheck "no items, nothing unread" '.items == [] and .unread == 0'
api GET "/api/v1/notifications?unread=2" "$LAS"
expect "unread must be 0 or 1" 422
api GET /api/v1/notifications ""
expect "the inbox needs a token" 401

# ---- a referral sent to my service; acceptance of my referral -----------------
N0=$(rows)
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "LAS refers to FALLS-HH" 201
R=$(jqb .id)
check "the provider's clinician is told of referral $R" has "$CNWL" referral.received "$R"
check "and the provider's trust operations user" has "$CNWLOPS" referral.received "$R"
check "an unrelated organisation is not" hasnt "$IMP" referral.received "$R"
check "the referrer is not told of its own referral" hasnt "$LAS" referral.received "$R"
check "the coordinator is not (not a party)" hasnt "$COORD" referral.received "$R"
api GET /api/v1/notifications "$CNWL"
jqcheck "the notification names the referral and the service" \
    ".items[0].title | test(\"$R\") and test(\"FALLS-HH\")"
api POST "/api/v1/referrals/$R/accept" "$CNWL" '{}'
expect "the provider accepts" 200
check "the referrer is told its referral was accepted" has "$LAS" referral.update "$R"
api GET /api/v1/notifications "$LAS"
jqcheck "in words" '.items[0].title | test("accepted")'
N1=$(rows)
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"NO-SUCH"}'
expect "a referral to an unknown service fails" 422
check "a failed write makes no notification" [ "$(rows)" -eq "$N1" ]

# ---- mutual aid ------------------------------------------------------------------
TODAY=$(sql "SELECT MAX(day) FROM sitrep_submissions")
REQ='{"resource":"beds","detail":"ga","quantity":10,"date_from":"'$TODAY'","date_to":"'$TODAY'","urgency":"urgent","note":"winter surge"}'
api POST /api/v1/sitrep/aid "$OPS_RYJ" "$REQ"
expect "RYJ asks for mutual aid" 201
ID=$(jqb .id)
check "coordinators are told of the request" has "$COORD" aid.request "$ID"
check "the requester is not" hasnt "$OPS_RYJ" aid.request "$ID"
api POST "/api/v1/sitrep/aid/$ID/offers" "$OPS_R1K" '{"quantity":6,"note":"Northwick Park can take 6"}'
expect "R1K offers" 201
OFFER=$(jq -r '.offers[-1].id // .offer_id // .id' "$T/body")
check "the requesting trust is told of the offer" has "$OPS_RYJ" aid.offer "$ID"
check "the offering trust is not" hasnt "$OPS_R1K" aid.offer "$ID"
api GET "/api/v1/sitrep/aid/$ID" "$OPS_RYJ"
OFFER=$(jq -r '.offers[0].id' "$T/body")
api POST "/api/v1/sitrep/aid/$ID/agree" "$OPS_RYJ" "{\"offer_id\":$OFFER}"
expect "RYJ agrees R1K's offer" 200
check "the offering trust is told its offer was agreed" has "$OPS_R1K" aid.agreed "$ID"

# ---- "ask this trust" ------------------------------------------------------------------
api POST /api/v1/sitrep/aid "$OPS_RYJ" "$REQ"
expect "RYJ asks for aid again" 201
ID2=$(jqb .id)
api POST "/api/v1/sitrep/aid/$ID2/ask" "$CNWL" '{"org":"R1K"}'
expect "a clinician may not ask a trust" 403
api POST "/api/v1/sitrep/aid/$ID2/ask" "$OPS_R1K" '{"org":"RAS"}'
expect "another trust may not ask on RYJ's behalf" 404
api POST "/api/v1/sitrep/aid/$ID2/ask" "$OPS_RYJ" '{"org":"RYJ"}'
expect "asking oneself" 422
api POST "/api/v1/sitrep/aid/$ID2/ask" "$OPS_RYJ" '{"org":"ZZZ"}'
expect "asking an unknown organisation" 422
api POST "/api/v1/sitrep/aid/$ID2/ask" "$OPS_RYJ" '{}'
expect "asking nobody" 422
A0=$(audit_count)
api POST "/api/v1/sitrep/aid/$ID2/ask" "$OPS_RYJ" '{"org":"R1K"}'
expect "RYJ asks R1K" 200
check "one audit row" [ "$(audit_count)" -eq $((A0 + 1)) ]
check "an aid.asked event whose parties are the requester and the trust asked" \
    [ "$(sql "SELECT orgs FROM events WHERE type = 'aid.asked' ORDER BY id DESC LIMIT 1")" = ",RYJ,R1K," ]
check "R1K's trust operations user is told" has "$OPS_R1K" aid.request "$ID2"
check "a trust not asked is not" hasnt "$OPS_RAS" aid.request "$ID2"
api GET "/api/v1/sitrep/aid/$ID2" "$OPS_R1K"
expect "the trust asked sees the request" 200
api POST "/api/v1/sitrep/aid/$ID/ask" "$OPS_RYJ" '{"org":"RAS"}'
expect "a request already agreed takes no more asks" 409

# ---- OPEL 4: everyone ----------------------------------------------------------------
E0=$(sql "SELECT MAX(id) FROM events")
RY9='{"org":"RY9","fields":{"community_beds":60,"community_occupied":57,"ucr_referrals":40,"ucr_within_2h":30,"staff_absence_pct":7.5},"declared_level":4,"reason":"Half the rapid response team off sick"}'
api POST /api/v1/sitrep/submissions "$COORD" "$RY9"
expect "RY9 is declared at OPEL 4" 201
D=$(jqb .day)
check "the provider's level changed to 4 (an opel.changed event)" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE id > $E0 AND type = 'opel.changed' AND payload_json LIKE '%\"new\":4%' AND payload_json LIKE '%\"org\":\"RY9\"%'")" = 1 ]
check "an analyst is told" has "$ANALYST" opel.high "RY9/$D"
check "a clinician of another trust is told" has "$IMP" opel.high "RY9/$D"
check "the coordinator is told" has "$COORD" opel.high "RY9/$D"

# ---- my trust's sitrep missing after the due time ------------------------------------
sql "DELETE FROM sitrep_submissions WHERE org_code = 'RAS'"
check "RAS's trust operations user is told its sitrep is missing" has "$OPS_RAS" sitrep.missing "RAS/$(date -u +%Y-%m-%d)"
api GET /api/v1/notifications "$OPS_RAS"
check "once, however often the inbox is read" [ "$(jq '[.items[] | select(.kind == "sitrep.missing")] | length' "$T/body")" = 1 ]
check "not a trust that has submitted" sh -c "! echo '$(kinds "$OPS_R1K")' | grep -q sitrep.missing"

# ---- unread counts and marking read ----------------------------------------------------
U=$(unread "$LAS")
NID=$(jq -r '.items[0].id' "$T/body")
check "the referrer has unread notifications ($U)" [ "$U" -ge 1 ]
api POST "/api/v1/notifications/$NID/read" "$LAS"
expect "marks one read" 200
jqcheck "and answers the new unread count" ".unread == $((U - 1))"
check "the badge count drops by one" [ "$(unread "$LAS")" = $((U - 1)) ]
api GET "/api/v1/notifications?unread=1" "$LAS"
jqcheck "?unread=1 leaves it out" "all(.items[]; .id != $NID)"
api GET /api/v1/notifications "$LAS"
jqcheck "the full list shows when it was read" "any(.items[]; .id == $NID and .read_at != null)"
api POST "/api/v1/notifications/$NID/read" "$IMP"
expect "another user cannot mark it" 404
api POST "/api/v1/notifications/$NID/read" "$LAS"
expect "marking it again is harmless" 200

finish
