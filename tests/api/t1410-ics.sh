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

# ---- a second ICS (fixture: one ICS made by SQL until the import lands) --------
sql "INSERT INTO ics (code, name) VALUES ('QM7', 'Hertfordshire and West Essex')"
api POST /api/v1/places "$ADMIN" '{"code":"E07000102","name":"Three Rivers"}'
expect "the admin adds a place" 201
sql "UPDATE places SET ics_code = 'QM7' WHERE code = 'E07000102'"
sql "INSERT INTO org_ics (org_code, ics_code) VALUES ('RYX', 'QM7')"

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
api GET "/api/v1/places?ics=QM7" "$CLCH"
expect "CLCH sees Hertfordshire's places" 200
jqcheck "Three Rivers only" '[.items[].code] == ["E07000102"]'
api GET "/api/v1/places?ics=all" "$CLCH"
jqcheck "ics=all: both ICSs, 9 places" '.total == 9'
api GET "/api/v1/places?ics=QM7" "$IMP"
expect "Imperial (NWL only) may not" 403

# ---- grants -------------------------------------------------------------------
A0=$(audit_count)
api PUT /api/v1/ics/QM7/users/nwl.analyst "$ANALYST"
expect "an analyst may not grant" 403
api PUT /api/v1/ics/QM7/users/nwl.analyst "$ADMIN"
expect "the NWL admin does not administer QM7" 404
api PUT /api/v1/ics/QRV/users/nobody "$ADMIN"
expect "no such user" 404
A1=$(audit_count)
check "refused grants write no audit ($A0 -> $A1)" [ "$A0" = "$A1" ]
sql "INSERT INTO user_ics (user_name, ics_code, granted_by, granted_at) VALUES ('admin', 'QM7', 'fixture', 0)"
api PUT /api/v1/ics/QM7/users/nwl.analyst "$ADMIN"
expect "an admin granted QM7 grants it on" 201
jqcheck "added" '.added == true and .ics == "QM7" and .user == "nwl.analyst"'
api PUT /api/v1/ics/QM7/users/nwl.analyst "$ADMIN"
expect "granting again" 200
jqcheck "not added twice" '.added == false'
check "one audit record for the grant" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'ics.grant' AND object_id = 'nwl.analyst'")" = 1 ]
check "and one event" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'ics.granted'")" = 1 ]
api GET "/api/v1/places?ics=QM7" "$ANALYST"
expect "the analyst now sees QM7" 200
jqcheck "its one place" '.total == 1'
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
