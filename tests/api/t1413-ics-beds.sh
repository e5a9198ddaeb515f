#!/bin/sh
# t1413-ics-beds.sh - the bed bureau per ICS: a unit belongs to the ICS of
# its site's place, a bed referral to its patient's place's ICS; the bed
# board, the referral list, the queue in words and the match answer for one
# ICS (?ics=, default home, 403 not granted), one referral of an unseen ICS
# is 404, and a bed of another ICS is offered (or moved into) only where
# both ICSs allow crossing (409 else).
# The Hertfordshire unit here is made by the test and named synthetic.
. "$(dirname "$0")/lib.sh"

start_server
NWL=$(mktoken nwl.coord coordinator QRV)
HWE=$(mktoken hwe.coord coordinator QM7)
DEPL=$(mktoken depl admin) # the deployment's administrator: no organisation

# ---- a CLCH unit in Hertfordshire (synthetic, made here) ----------------------------------
api POST /api/v1/sites "$DEPL" '{"site_code":"RYX98","name":"CLCH Three Rivers test site (synthetic)","org_code":"RYX","kind":"community","postcode":"WD3 1AA","lat":51.64,"lon":-0.47,"place_code":"E07000102"}'
expect "a CLCH site in a Hertfordshire place" 201
api POST /api/v1/units "$DEPL" '{"unit_code":"U-SYN-HWE","name":"Synthetic Three Rivers rehabilitation ward","site_code":"RYX98","bed_type":"step_down","sex":"mixed","beds":2,"commissioned_by":["E07000102","E09000015"]}'
expect "its step-down unit, commissioned by Three Rivers and Harrow" 201
printf 'bed_code,unit_code,status,closure,bay_sex\nSYN-HWE-01,U-SYN-HWE,available,,\nSYN-HWE-02,U-SYN-HWE,available,,\n' >"$T/snap.csv"
"$BIN" beds import --db "$DB" --snapshot "$T/snap.csv" >"$T/out" 2>"$T/err"
check "its two beds ($(cat "$T/out" "$T/err"))" [ "$(sql "SELECT COUNT(*) FROM beds WHERE unit_code = 'U-SYN-HWE'")" = 2 ]
BED=$(sql "SELECT bed_id FROM beds WHERE bed_code = 'SYN-HWE-01'")

# ---- the board per ICS -------------------------------------------------------------------
api GET /api/v1/beds/board "$NWL"
expect "NWL's bed board" 200
jqcheck "NWL's units, not the Hertfordshire one" '(.units | length) > 0 and all(.units[]; .unit_code != "U-SYN-HWE")'
NWAIT=$(jqb .totals.waiting)
api GET /api/v1/beds/board "$HWE"
expect "Hertfordshire's bed board" 200
jqcheck "its one unit" '[.units[].unit_code] == ["U-SYN-HWE"]'
jqcheck "its totals are its two available beds" '.totals.beds == 2 and .totals.available == 2'
jqcheck "and no NWL patient waiting" '.totals.waiting == 0'
api GET "/api/v1/beds/board?ics=QM7" "$NWL"
expect "the NWL coordinator may not see Hertfordshire's board" 403
api GET "/api/v1/beds/board?ics=QM7" "$DEPL"
jqcheck "the deployment's administrator may" '[.units[].unit_code] == ["U-SYN-HWE"]'
check "NWL's queue is waiting on NWL's board ($NWAIT)" [ "$NWAIT" -gt 0 ]

# ---- the referral queue per ICS ----------------------------------------------------------
api GET "/api/v1/beds/referrals?state=waiting&limit=200" "$NWL"
expect "NWL's waiting referrals" 200
REF=$(jq -r '[.items[] | select(.bed_type == "step_down" and .place_code == "E09000015")][0].referral_id' "$T/body")
check "a Harrow patient waits for a step-down bed ($REF)" [ "$REF" -gt 0 ]
jqcheck "all of NWL's places" 'all(.items[]; .place_code | startswith("E09"))'
api GET "/api/v1/beds/referrals?limit=5" "$HWE"
expect "Hertfordshire's referrals" 200
jqcheck "none: its patients have none" '.total == 0'
api GET "/api/v1/beds/referrals?ics=QRV" "$HWE"
expect "Hertfordshire's coordinator may not list NWL's" 403
api GET "/api/v1/beds/referrals/$REF" "$HWE"
expect "an NWL referral is not found for them" 404
api GET "/api/v1/beds/referrals/$REF" "$NWL"
expect "NWL's coordinator reads it" 200

# ---- the queue and the match per ICS: an ICS's patients into its own beds ----------------------
api GET /api/v1/beds/queue "$NWL"
expect "NWL's queue" 200
jqcheck "holds NWL's waiting patients, as its board counts them ($NWAIT)" ".waiting == $NWAIT"
jqcheck "no NWL patient is placed in the Hertfordshire unit" 'all(.items[]; (.best_bed.unit_code // "") != "U-SYN-HWE")'
QIDS=$(jq -c '[.items[].referral_id]' "$T/body")
api GET /api/v1/beds/queue "$HWE"
expect "Hertfordshire's queue" 200
jqcheck "is empty: none of its patients waits" '.waiting == 0 and (.items | length) == 0'
api POST /api/v1/beds/match "$NWL" '{"policy":"pooled"}'
expect "NWL's match preview" 200
jqcheck "places nobody in the Hertfordshire unit" 'all(.plans[0].assignments[]; .unit_code != "U-SYN-HWE")'
jqcheck "and weighs only patients of NWL's queue ($QIDS)" "[.plans[0].assignments[], .plans[0].unplaced_referrals[]] | length > 0 and all(.[]; .referral_id as \$r | $QIDS | index(\$r) != null)"
api POST /api/v1/beds/match "$HWE" '{"policy":"pooled"}'
expect "Hertfordshire's match preview" 200
jqcheck "has no NWL patient to place" '.plans[0].ready == 0 and (.plans[0].assignments | length) == 0'

# ---- a bed across the boundary ---------------------------------------------------------------
A0=$(audit_count)
api POST "/api/v1/beds/referrals/$REF/offer" "$DEPL" "{\"bed_id\":$BED}"
expect "a Hertfordshire bed for an NWL patient while neither ICS allows crossing" 409
jqcheck "says both ICSs must allow it" '.detail | test("unit U-SYN-HWE is in ICS QM7 and the patient.s place in ICS QRV")'
check "the bed is still available" [ "$(sql "SELECT status FROM beds WHERE bed_id = $BED")" = available ]
check "nothing audited ($A0)" [ "$(audit_count)" = "$A0" ]
api PUT /api/v1/ics/QRV/settings "$DEPL" '{"cross_ics":true}'
expect "NWL allows crossing" 200
api POST "/api/v1/beds/referrals/$REF/offer" "$DEPL" "{\"bed_id\":$BED}"
expect "one side is not enough" 409
api PUT /api/v1/ics/QM7/settings "$DEPL" '{"cross_ics":true}'
expect "Hertfordshire allows it too" 200
api POST "/api/v1/beds/referrals/$REF/offer" "$DEPL" "{\"bed_id\":$BED}"
expect "now the bed is offered" 200
check "and reserved" [ "$(sql "SELECT status FROM beds WHERE bed_id = $BED")" = reserved ]
check "the offer is recorded as the patient's ICS's (QRV)" \
    [ "$(sql "SELECT ics FROM audit WHERE action = 'beds.referral.offer' AND object_id = '$REF'")" = QRV ]
api GET "/api/v1/beds/referrals/$REF" "$HWE"
expect "Hertfordshire's coordinator now sees the referral placed in its unit" 200

# ---- a transfer across the boundary obeys the same rule ---------------------------------------
api PUT /api/v1/ics/QRV/settings "$DEPL" '{"cross_ics":false}'
expect "NWL closes its boundary again" 200
BED2=$(sql "SELECT bed_id FROM beds WHERE bed_code = 'SYN-HWE-02'")
ADM=$(sql "SELECT referral_id FROM bed_referrals WHERE state = 'admitted' ORDER BY referral_id LIMIT 1")
check "an admitted NWL patient ($ADM)" [ "$ADM" -gt 0 ]
A0=$(audit_count)
api POST "/api/v1/beds/referrals/$ADM/transfer" "$DEPL" "{\"bed_id\":$BED2}"
expect "moving them to the Hertfordshire bed while NWL does not allow crossing" 409
jqcheck "says both ICSs must allow it" '.detail | test("unit U-SYN-HWE is in ICS QM7")'
check "the Hertfordshire bed is still available" [ "$(sql "SELECT status FROM beds WHERE bed_id = $BED2")" = available ]
check "the patient is still admitted in their bed" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $ADM")" = admitted ]
check "nothing audited ($A0)" [ "$(audit_count)" = "$A0" ]
finish
