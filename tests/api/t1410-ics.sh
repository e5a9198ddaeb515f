#!/bin/sh
# t1410-ics.sh - several ICSs in one deployment: the ICS list and one ICS,
# directory lists per ICS (?ics=, default the home ICS, ics=all), 404 for
# an unknown ICS and 403 for one the caller may not see, grants by an
# administrator, an organisation-bound user following their organisation
# into another ICS, and the cross-boundary setting (audited once).
. "$(dirname "$0")/lib.sh"

start_server
ANALYST=$(mktoken nwl.analyst analyst QRV)
CLCH=$(mktoken clch.ops trust_ops RYX)
IMP=$(mktoken imp.ops trust_ops RYJ)

# ---- one ICS: what every existing database holds -------------------------------
api GET /api/v1/ics "$ANALYST"
expect "the ICS list" 200
jqcheck "the NWL analyst sees North West London only, as home" \
    '[.items[] | [.code, .home]] == [["QRV", true]]'
api GET /api/v1/ics/QRV "$ANALYST"
expect "one ICS" 200
jqcheck "QRV holds the 8 NWL boroughs" '[.places[].code] | length == 8'
jqcheck "Hillingdon is one of them" 'any(.places[]; .code == "E09000017" and .name == "Hillingdon")'
jqcheck "CLCH works in QRV, as its primary ICS" \
    'any(.organisations[]; .ods_code == "RYX" and .is_primary == true)'
api GET /api/v1/ics ""
expect "the ICS list needs a token" 401
api GET "/api/v1/ics?x=1" "$ANALYST"
expect "an unknown parameter" 422

api GET /api/v1/places "$ANALYST"
expect "places, home ICS by default" 200
ALL=$(jqb .total)
check "the default answer is every NWL place (8, got $ALL)" [ "$ALL" = 8 ]
api GET "/api/v1/places?ics=QRV" "$ANALYST"
jqcheck "?ics=QRV gives the same 8" '.total == 8'
api GET "/api/v1/places?ics=QZZ" "$ANALYST"
expect "an ICS that does not exist" 404
api GET "/api/v1/places?ics=%C3%A9%C3%A9" "$ANALYST"
expect "a multibyte ICS code" 404
api GET "/api/v1/places?ics=$(printf 'Q%.0s' $(seq 1 300))" "$ANALYST"
expect "an absurdly long ICS code" 404

# ---- importing a second ICS: row-level errors, all or nothing ----------------
ROOT_ADMIN=$(mktoken root admin) # the deployment's administrator: no organisation

# a new database holds NWL and, from data/ics, three more ICSs' directories
check "four ICSs: $(sql "SELECT group_concat(code, ' ') FROM (SELECT code FROM ics ORDER BY code)")" \
    [ "$(sql "SELECT group_concat(code, ' ') FROM (SELECT code FROM ics ORDER BY code)")" = "QM7 QMJ QRV QWE" ]
check "13 Hertfordshire and West Essex places" [ "$(sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QM7'")" = 13 ]
check "its ICB and five trusts have it as primary ICS" [ "$(sql "SELECT COUNT(*) FROM organisations WHERE ics_code = 'QM7'")" = 6 ]
check "CLCH keeps NWL as primary" [ "$(sql "SELECT ics_code FROM organisations WHERE ods_code = 'RYX'")" = QRV ]
check "and works in the three others" [ "$(sql "SELECT group_concat(ics_code, ' ') FROM (SELECT ics_code FROM org_ics WHERE org_code = 'RYX' ORDER BY ics_code)")" = "QM7 QMJ QWE" ]
check "no synthetic referrals for the other ICSs' services" \
    [ "$(sql "SELECT COUNT(*) FROM referrals WHERE service_id IN ('UCR-BAR', 'UCR-MER', 'UCR-WAN', 'RESP-SWH')")" = 0 ]

# ---- importing another ICS: row-level errors, all or nothing -------------------
# a small directory for Mid and South Essex (QH8): two of its districts
P0=$(sql "SELECT COUNT(*) FROM places")
O0=$(sql "SELECT COUNT(*) FROM organisations")
mkdir -p "$T/mse"
printf 'code,name\nE07000066,Basildon\nE0700006X,Brentwood\n' >"$T/mse/places.csv"
printf 'ods_code,name,kind,postcode\nQH8,NHS Mid and South Essex Integrated Care Board,ics,\nRYX,Central London Community Healthcare NHS Trust,community,NW1 5JD\n' >"$T/mse/organisations.csv"
"$BIN" import --db "$DB" --ics QH8 --ics-name "Mid and South Essex" "$T/mse" >"$T/out" 2>"$T/err"
st=$?
check "a bad place row fails the import (exit $st)" [ "$st" = 2 ]
check "naming file, line and column ($(cat "$T/err"))" grep -q "places.csv: line 3, column 'code'" "$T/err"
check "nothing was written: places $P0" [ "$(sql "SELECT COUNT(*) FROM places")" = "$P0" ]
check "nor organisations $O0" [ "$(sql "SELECT COUNT(*) FROM organisations")" = "$O0" ]
check "nor the ICS" [ "$(sql "SELECT COUNT(*) FROM ics WHERE code = 'QH8'")" = 0 ]
printf 'code,name\nE07000066,Basildon\nE07000068,Brentwood\nE09000017,Hillingdon\n' >"$T/mse/places.csv"
"$BIN" import --db "$DB" --ics QH8 --ics-name "Mid and South Essex" "$T/mse" >"$T/out" 2>"$T/err"
check "a place of another ICS is refused ($(cat "$T/err"))" grep -q "line 4, column 'code': place 'E09000017' is in ICS 'QRV' already" "$T/err"
check "and nothing was written" [ "$(sql "SELECT COUNT(*) FROM places")" = "$P0" ]
printf 'code,name\nE07000066,Basildon\nE07000068,Brentwood\n' >"$T/mse/places.csv"
"$BIN" import --db "$DB" --ics QH8 "$T/mse" >"$T/out" 2>"$T/err"
check "a new ICS needs its name ($(cat "$T/err"))" grep -q "ICS 'QH8' is new: give its name" "$T/err"
"$BIN" import --db "$DB" --ics QH8 --ics-name "$(printf 'Essex \377')" "$T/mse" >"$T/out" 2>"$T/err"
check "a name that is not UTF-8 ($(cat "$T/err"))" grep -q "must be UTF-8" "$T/err"
"$BIN" import --db "$DB" --ics QH88 --ics-name X "$T/mse" >"$T/out" 2>"$T/err"
check "an ICS code that is not one ($(cat "$T/err"))" grep -q "is not an ICS's ODS code" "$T/err"
"$BIN" import --db "$DB" --ics-name X "$T/mse" >"$T/out" 2>"$T/err"
check "--ics-name alone is a usage error ($(cat "$T/err"))" grep -q "goes with --ics" "$T/err"
check "still nothing written" [ "$(sql "SELECT COUNT(*) FROM places")" = "$P0" ]
"$BIN" import --db "$DB" --ics QH8 --ics-name "Mid and South Essex" "$T/mse" >"$T/out" 2>"$T/err"
check "the good folder imports ($(cat "$T/out" "$T/err"))" grep -q "ICS QH8" "$T/out"
check "two Mid and South Essex places" [ "$(sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QH8'")" = 2 ]
check "its ICB has it as primary ICS" [ "$(sql "SELECT ics_code FROM organisations WHERE ods_code = 'QH8'")" = QH8 ]
check "CLCH, already known, works in it too and keeps NWL" \
    [ "$(sql "SELECT o.ics_code || '+' || m.ics_code FROM organisations o JOIN org_ics m ON m.org_code = o.ods_code WHERE o.ods_code = 'RYX' AND m.ics_code = 'QH8'")" = "QRV+QH8" ]
check "the import is audited once, naming the ICS" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'directory.import' AND json_extract(after_json, '\$.ics') = 'QH8'")" = 1 ]

# ---- a patient on the NWL-Hertfordshire boundary --------------------------------
LAS=$(mktoken las.crew clinician RRU)
api POST /api/v1/route "$LAS" '{"postcode":"HA6 2RN","needs":["falls"],"age":84,"at":"2026-12-09T10:00"}'
expect "a Moor Park (HA6) patient, located in Hillingdon" 200
jqcheck "is offered CLCH's Hertfordshire service, whose catchment covers HA6" \
    'any(.eligible[]; .service_id == "RESP-SWH" and .provider_ods == "RYX")'
jqcheck "and the reason says it is a neighbouring ICS's service" \
    '(.eligible[] | select(.service_id == "RESP-SWH") | .reason) | test("neighbouring ICS Hertfordshire and West Essex \\(QM7\\) whose catchment covers HA6")'
jqcheck "NWL's own services keep no such words" \
    'all(.eligible[] | select(.service_id != "RESP-SWH"); .reason | test("neighbouring") | not)'
jqcheck "the patient is inside the searching ICS (NWL)" '.location.inside_ics == true and .location.ics == "QRV"'
api POST /api/v1/route "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":84,"at":"2026-12-09T10:00"}'
jqcheck "a Westminster patient is not offered it, nor shown it as excluded" \
    '(.eligible + .excluded) | all(.service_id != "RESP-SWH")'
api POST /api/v1/route "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":84,"at":"2026-12-09T10:00","ics":"QM7"}'
expect "the route body has no ics field" 422
api POST "/api/v1/route?ics=all" "$LAS" '{"postcode":"W2 1NY","needs":["falls"],"age":84,"at":"2026-12-09T10:00"}'
expect "a search is from one ICS, not all" 422
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"W2 1NY","service_id":"RESP-SWH","override_reason":"asked for"}'
expect "a referral across the boundary for a patient it does not cover" 422
jqcheck "says the service is in another ICS" '.detail | test("in another ICS \\(QM7\\)")'
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"HA6 2RN","service_id":"RESP-SWH","override_reason":"out of hours: the crew phoned the service"}'
expect "the boundary patient is referred to it" 201

api GET /api/v1/places "$ANALYST"
jqcheck "the NWL analyst's places are still the 8 NWL boroughs" '.total == 8'
api GET "/api/v1/places?ics=QM7" "$ANALYST"
expect "the NWL analyst may not see Hertfordshire" 403
api GET "/api/v1/places/E07000102" "$ANALYST"
expect "nor one of its places by code" 404
api GET "/api/v1/ics/QM7" "$ANALYST"
expect "nor the ICS itself" 404
api GET "/api/v1/places?ics=all" "$ANALYST"
jqcheck "ics=all is every ICS they may see: still 8" '.total == 8'

api GET /api/v1/ics "$CLCH"
jqcheck "CLCH's operations user follows CLCH into every ICS it works in (home QRV)" \
    '[.items[] | [.code, .home]] == [["QH8", false], ["QM7", false], ["QMJ", false], ["QRV", true], ["QWE", false]]'
api GET "/api/v1/services?ics=all&org=RYX" "$CLCH"
jqcheck "CLCH's own services in both ICSs, the Hertfordshire one included" \
    'any(.items[]; .service_id == "RESP-SWH") and any(.items[]; .service_id == "UCR-BRE")'
api GET "/api/v1/services?org=RYX" "$ANALYST"
jqcheck "the NWL analyst sees CLCH's NWL services, not the Hertfordshire one" \
    '(.total > 0) and all(.items[]; .service_id != "RESP-SWH")'
api GET "/api/v1/places?ics=QM7" "$CLCH"
expect "CLCH sees Hertfordshire's places" 200
jqcheck "13 of them, Three Rivers one" '.total == 13 and any(.items[]; .code == "E07000102")'
api GET "/api/v1/places?ics=all" "$CLCH"
jqcheck "ics=all: all five ICSs, 34 places" '.total == 34'
api GET "/api/v1/places?ics=QM7" "$IMP"
expect "Imperial (NWL only) may not" 403

# ---- grants -------------------------------------------------------------------
A0=$(audit_count)
api PUT /api/v1/ics/QM7/users/nwl.analyst "$ANALYST"
expect "an analyst may not grant" 403
api PUT /api/v1/ics/QM7/users/nwl.analyst "$ADMIN"
expect "the NWL admin (organisation QRV) does not administer QM7" 404
api PUT /api/v1/ics/QRV/users/nobody "$ADMIN"
expect "no such user" 404
A1=$(audit_count)
check "refused grants write no audit ($A0 -> $A1)" [ "$A0" = "$A1" ]
api PUT /api/v1/ics/QM7/users/nwl.analyst "$ROOT_ADMIN"
expect "the deployment's administrator grants QM7" 201
jqcheck "added" '.added == true and .ics == "QM7" and .user == "nwl.analyst"'
api PUT /api/v1/ics/QM7/users/nwl.analyst "$ROOT_ADMIN"
expect "granting again" 200
jqcheck "not added twice" '.added == false'
check "one audit record for the grant" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'ics.grant' AND object_id = 'nwl.analyst'")" = 1 ]
check "and one event" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'ics.granted'")" = 1 ]
api GET "/api/v1/places?ics=QM7" "$ANALYST"
expect "the analyst now sees QM7" 200
jqcheck "its 13 places" '.total == 13'
api GET /api/v1/places "$ANALYST"
jqcheck "home is still NWL" '.total == 8'

# ---- an ICS's administrator administers that ICS only ---------------------------------
HWE_ADMIN=$(mktoken hwe.admin admin QM7)
api PUT /api/v1/places/E09000017 "$HWE_ADMIN" '{"name":"Hillingdon (renamed)"}'
expect "Hertfordshire's admin may not change an NWL place" 404
check "it is unchanged" [ "$(sql "SELECT name FROM places WHERE code = 'E09000017'")" = Hillingdon ]
api DELETE /api/v1/services/UCR-BRE "$HWE_ADMIN"
expect "nor delete an NWL service" 404
api POST /api/v1/places "$HWE_ADMIN" '{"code":"E07000097","name":"Test district"}'
expect "a new place of theirs" 201
check "joins their ICS" [ "$(sql "SELECT ics_code FROM places WHERE code = 'E07000097'")" = QM7 ]
api POST /api/v1/sites "$HWE_ADMIN" '{"site_code":"RWG99","name":"Test site","org_code":"RWG","kind":"acute","postcode":"UB8 3NN","lat":51.52,"lon":-0.46,"place_code":"E09000017"}'
expect "a site in an NWL place is refused" 403
check "and not written" [ "$(sql "SELECT COUNT(*) FROM sites WHERE site_code = 'RWG99'")" = 0 ]
api PUT /api/v1/places/E07000102 "$HWE_ADMIN" '{"name":"Three Rivers"}'
expect "their own place they may change" 200

# ---- roll-ups per ICS ---------------------------------------------------------------
api GET /api/v1/sitrep/today "$ADMIN"
expect "the NWL call view" 200
jqcheck "lists NWL's providers, Imperial among them, none of another ICS's" \
    'any(.providers[]; .org == "RYJ") and all(.providers[]; .org | IN("RAL", "RRV", "RWG", "RJ7") | not)'
api GET "/api/v1/sitrep/today?ics=QMJ" "$ROOT_ADMIN"
expect "North Central London's call view" 200
jqcheck "its five trusts, with CLCH and LAS, which work there" \
    '([.providers[].org] | sort) == ["RAL", "RKE", "RP4", "RP6", "RRU", "RRV", "RYX"]'
jqcheck "none of the five has submitted (synthetic history is NWL's)" \
    '([.missing[].org] | sort) == ["RAL", "RKE", "RP4", "RP6", "RRV"]'
api GET "/api/v1/sitrep/today?ics=QMJ" "$ADMIN"
expect "the NWL admin may not see it" 403
api GET "/api/v1/sitrep/today?ics=all" "$ROOT_ADMIN"
expect "a roll-up is for one ICS" 422
api GET /api/v1/analytics/variation "$ANALYST"
expect "NWL's variation" 200
jqcheck "over the eight NWL boroughs" '(.dsr.items | length) == 8 and (.isr.items | length) == 8'
api GET "/api/v1/analytics/variation?ics=QM7" "$ANALYST"
expect "the analyst, granted QM7, asks for its variation of NWL's admissions" 422
jqcheck "told the dataset is about another ICS's areas" '.detail | test("holds areas outside ICS QM7")'
api GET "/api/v1/reports/harmonisation?ics=QWE" "$ROOT_ADMIN"
expect "South West London's harmonisation report" 200
jqcheck "its six boroughs" '[.. | objects | select(has("place_code")) | .place_code] | unique | length == 6'

# ---- mutual aid across the boundary --------------------------------------------------
OPS_RYJ=$(mktoken ops.ryj trust_ops RYJ)
OPS_RWG=$(mktoken ops.rwg trust_ops RWG)
TODAY=$(date +%F)
api POST /api/v1/sitrep/aid "$OPS_RYJ" '{"resource":"beds","detail":"ga","quantity":4,"date_from":"'$TODAY'","date_to":"'$TODAY'","urgency":"urgent","note":"surge"}'
expect "Imperial asks for aid" 201
AID=$(jqb .id)
api POST "/api/v1/sitrep/aid/$AID/offers" "$OPS_RWG" '{"quantity":2}'
expect "West Herts may not offer across the boundary while neither ICS allows it" 409
jqcheck "says both ICSs must allow it" '.detail | test("RWG \\(ICS QM7\\) cannot offer aid to RYJ \\(ICS QRV\\)")'

# ---- the cross-boundary setting -------------------------------------------------
api PUT /api/v1/ics/QRV/settings "$ANALYST" '{"cross_ics":true}'
expect "an analyst may not change it" 403
api PUT /api/v1/ics/QRV/settings "$ADMIN" '{"cross_ics":"yes"}'
expect "not a boolean" 422
api PUT /api/v1/ics/QRV/settings "$ADMIN" '{"cross_ics":true,"x":1}'
expect "an unknown field" 422
api PUT /api/v1/ics/QRV/settings "$ADMIN" '{"cross_ics":true}'
expect "the admin allows crossing" 200
jqcheck "cross_ics is true" '.cross_ics == true'
check "stored" [ "$(sql "SELECT cross_ics FROM ics WHERE code = 'QRV'")" = 1 ]
check "audited once with before and after" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'ics.settings' AND object_id = 'QRV'")" = 1 ]
api POST "/api/v1/sitrep/aid/$AID/offers" "$OPS_RWG" '{"quantity":2}'
expect "one side allowing it is not enough" 409
api PUT /api/v1/ics/QM7/settings "$ROOT_ADMIN" '{"cross_ics":true}'
expect "Hertfordshire and West Essex allows it too" 200
api POST "/api/v1/sitrep/aid/$AID/offers" "$OPS_RWG" '{"quantity":2}'
expect "now West Herts offers" 201

# ---- exporting one ICS ----------------------------------------------------------------
"$BIN" export --db "$DB" --ics QWE --format json --out "$T/qwe.json" 2>"$T/err"
check "South West London exported: 6 places" [ "$(jq '.places | length' "$T/qwe.json")" = 6 ]
check "its services are CLCH's Merton and Wandsworth ones" \
    [ "$(jq -c '[.services[].service_id] | sort' "$T/qwe.json")" = '["UCR-MER","UCR-WAN"]' ]
"$BIN" export --db "$DB" --ics QZZ --format json --out "$T/qzz.json" 2>"$T/err"; st=$?
check "an unknown ICS is an error (exit $st): $(cat "$T/err")" [ "$st" -ne 0 ]
finish
