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
P0=$(sql "SELECT COUNT(*) FROM places")
O0=$(sql "SELECT COUNT(*) FROM organisations")
mkdir -p "$T/bad"
cp "$ROOT/data/ics/QM7/"*.csv "$T/bad/"
sed -i '3s/E07000096/E0700009X/' "$T/bad/places.csv"
"$BIN" import --db "$DB" --ics QM7 --ics-name "Hertfordshire and West Essex" "$T/bad" >"$T/out" 2>"$T/err"
st=$?
check "a bad place row fails the import (exit $st)" [ "$st" = 2 ]
check "naming file, line and column ($(cat "$T/err"))" grep -q "places.csv: line 3, column 'code'" "$T/err"
check "nothing was written: places $P0" [ "$(sql "SELECT COUNT(*) FROM places")" = "$P0" ]
check "nor organisations $O0" [ "$(sql "SELECT COUNT(*) FROM organisations")" = "$O0" ]
check "nor the ICS" [ "$(sql "SELECT COUNT(*) FROM ics WHERE code = 'QM7'")" = 0 ]
cp "$ROOT/data/ics/QM7/places.csv" "$T/bad/places.csv"
printf 'E09000017,Hillingdon\n' >>"$T/bad/places.csv"
"$BIN" import --db "$DB" --ics QM7 --ics-name "Hertfordshire and West Essex" "$T/bad" >"$T/out" 2>"$T/err"
check "a place of another ICS is refused ($(cat "$T/err"))" grep -q "line 15, column 'code': place 'E09000017' is in ICS 'QRV' already" "$T/err"
check "and nothing was written" [ "$(sql "SELECT COUNT(*) FROM places")" = "$P0" ]
"$BIN" import --db "$DB" --ics QM7 "$ROOT/data/ics/QM7" >"$T/out" 2>"$T/err"
check "a new ICS needs its name ($(cat "$T/err"))" grep -q "ICS 'QM7' is new: give its name" "$T/err"
"$BIN" import --db "$DB" --ics QM7 --ics-name "$(printf 'Herts \377')" "$ROOT/data/ics/QM7" >"$T/out" 2>"$T/err"
check "a name that is not UTF-8 ($(cat "$T/err"))" grep -q "must be UTF-8" "$T/err"
"$BIN" import --db "$DB" --ics QM77 --ics-name X "$ROOT/data/ics/QM7" >"$T/out" 2>"$T/err"
check "an ICS code that is not one ($(cat "$T/err"))" grep -q "is not an ICS's ODS code" "$T/err"
"$BIN" import --db "$DB" --ics-name X "$ROOT/data/ics/QM7" >"$T/out" 2>"$T/err"
check "--ics-name alone is a usage error ($(cat "$T/err"))" grep -q "goes with --ics" "$T/err"
check "still nothing written" [ "$(sql "SELECT COUNT(*) FROM places")" = "$P0" ]
"$BIN" import --db "$DB" --ics QM7 --ics-name "Hertfordshire and West Essex" "$ROOT/data/ics/QM7" >"$T/out" 2>"$T/err"
check "the good folder imports ($(cat "$T/out" "$T/err"))" grep -q "ICS QM7" "$T/out"
check "13 Hertfordshire and West Essex places" [ "$(sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QM7'")" = 13 ]
check "its ICB and five trusts have it as primary ICS" [ "$(sql "SELECT COUNT(*) FROM organisations WHERE ics_code = 'QM7'")" = 6 ]
check "CLCH keeps NWL as primary" [ "$(sql "SELECT ics_code FROM organisations WHERE ods_code = 'RYX'")" = QRV ]
check "and works in QM7 too" [ "$(sql "SELECT COUNT(*) FROM org_ics WHERE org_code = 'RYX' AND ics_code = 'QM7'")" = 1 ]
check "the import is audited once, naming the ICS" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'directory.import' AND json_extract(after_json, '\$.ics') = 'QM7'")" = 1 ]

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
jqcheck "CLCH's operations user follows CLCH into QM7 (home QRV)" \
    '[.items[] | [.code, .home]] == [["QM7", false], ["QRV", true]]'
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
jqcheck "ics=all: both ICSs, 21 places" '.total == 21'
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
finish
