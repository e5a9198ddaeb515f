#!/bin/sh
# t0100-directory.sh - the foundation over real HTTP: health, auth, roles,
# the NWL directory, filters and paging, admin writes with audit, and bad
# input answered 4xx with nothing written.
. "$(dirname "$0")/lib.sh"
start_server
CLIN=$(mktoken clin clinician RRU)

api GET /healthz ""
expect "health check needs no token" 200
jqcheck "health reports ok" '.status == "ok"'

api GET "/api/v1/sites?kind=acute" ""
expect "no token" 401
api GET "/api/v1/sites?kind=acute" "not-a-real-token"
expect "unknown token" 401

api GET "/api/v1/sites?kind=acute" "$ADMIN"
expect "acute sites" 200
jqcheck "twelve NWL acute hospitals" '.total == 12 and (.items | length) == 12'
jqcheck "their trusts are the four NWL acute trusts" \
    '[.items[].org_code] | unique == ["R1K","RAS","RQM","RYJ"]'
jqcheck "St Mary's is RYJ01 in W2 1NY" \
    '.items[] | select(.site_code == "RYJ01") | .org_code == "RYJ" and .postcode == "W2 1NY"'

api GET "/api/v1/places" "$CLIN"
expect "places for a clinician" 200
jqcheck "eight boroughs" '.total == 8'
api GET "/api/v1/places/E09000017" "$CLIN"
expect "Hillingdon" 200
jqcheck "Hillingdon has 38 age-sex bands and a population total" \
    '.name == "Hillingdon" and (.population | length) == 38 and .population_total > 250000'
api GET "/api/v1/places/E09999999" "$CLIN"
expect "unknown place" 404

api GET "/api/v1/organisations?kind=acute&limit=2&offset=1" "$CLIN"
expect "paged organisations" 200
jqcheck "page of 2 from 4 acute trusts" '.total == 4 and (.items | length) == 2 and .offset == 1'
api GET "/api/v1/organisations?limit=0" "$CLIN"
expect "limit 0" 422
api GET "/api/v1/organisations?limit=ten" "$CLIN"
expect "limit not a number" 422
api GET "/api/v1/places?kind=acute" "$CLIN"
expect "a filter the collection does not have" 422
jqcheck "names the parameter" '.detail | test("kind")'
api GET "/api/v1/units?place=E09000017" "$CLIN"
expect "units commissioned by Hillingdon" 200
jqcheck "every unit listed is commissioned by Hillingdon" \
    '.total > 0 and all(.items[]; .commissioned_by | index("E09000017"))'

# FHIR R4 views of the directory
api GET /api/v1/fhir/Location/RYJ01 "$CLIN"
expect "FHIR Location for St Mary's" 200
jqcheck "ODS site identifier, position and managing trust" \
    '.resourceType == "Location" and .identifier[0].system == "https://fhir.nhs.uk/Id/ods-site-code" and .position.latitude > 51.5 and .managingOrganization.reference == "Organization/RYJ"'
api GET /api/v1/fhir/Organization "$CLIN"
expect "FHIR Organization bundle" 200
jqcheck "a searchset with every organisation" \
    '.resourceType == "Bundle" and .type == "searchset" and .total == (.entry | length) and .total >= 13'
api GET /api/v1/fhir/HealthcareService "$CLIN"
expect "FHIR HealthcareService bundle" 200
jqcheck "services carry provider and opening times" \
    'all(.entry[].resource; (.providedBy.reference | startswith("Organization/")) and (.availableTime | length) > 0)'
api GET /api/v1/fhir/Organization/ZZZ "$CLIN"
fexpect "unknown FHIR id" 404

# admin writes: create, read back, replace, delete, each audited
before=$(audit_count)
body='{"ods_code":"RT4","name":"Test Community Trust","kind":"community","postcode":"ub83nn"}'
api POST /api/v1/organisations "$CLIN" "$body"
expect "a clinician may not create organisations" 403
api POST /api/v1/organisations "$ADMIN" "$body"
expect "admin creates an organisation" 201
jqcheck "postcode normalised" '.postcode == "UB8 3NN"'
api POST /api/v1/organisations "$ADMIN" "$body"
expect "creating it twice" 409
api PUT /api/v1/organisations/RT4 "$ADMIN" '{"name":"Renamed Trust","kind":"community"}'
expect "admin replaces it" 200
check "two audit records for two writes" [ "$(audit_count)" -eq $((before + 2)) ]
check "the update's audit record has before and after" \
    [ "$(sql "SELECT json_extract(before_json,'$.name') || '>' || json_extract(after_json,'$.name') FROM audit WHERE action='organisations.update'")" = "Test Community Trust>Renamed Trust" ]
evs() { sql "SELECT COUNT(*) FROM events"; }
check "each write also wrote one change event" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'directory.changed' AND object_id = 'RT4'")" -eq 2 ]
api GET "/api/v1/events?after=0&limit=1000" "$ADMIN"
expect "admin reads the change events" 200
jqcheck "the events name the organisation and the action" \
    '[.items[] | select(.object_id == "RT4") | .payload.action] == ["create", "update"]'
RYJCLIN=$(mktoken ryjclin clinician RYJ)
api GET "/api/v1/events?after=0&limit=1000" "$RYJCLIN"
jqcheck "a clinician of another organisation does not see RT4's events" \
    '[.items[] | select(.object_id == "RT4")] | length == 0'
api GET "/api/v1/events?after=-1" "$ADMIN"
expect "events after a negative id" 422
api GET "/api/v1/events?limit=5000" "$ADMIN"
expect "events with a limit over 1000" 422
ev_before=$(evs)
api DELETE /api/v1/organisations/RYJ "$ADMIN"
expect "deleting a trust that sites refer to" 409
check "a refused delete writes no event" [ "$(evs)" -eq "$ev_before" ]
check "RYJ still there" [ "$(sql "SELECT COUNT(*) FROM organisations WHERE ods_code='RYJ'")" = 1 ]
api DELETE /api/v1/organisations/RT4 "$ADMIN"
expect "deleting an unreferenced organisation" 204
api GET /api/v1/audit "$ADMIN"
expect "admin reads the audit log" 200
jqcheck "newest audit record is the delete" '.items[0].action == "organisations.delete" and .items[0].actor == "admin"'
api GET /api/v1/audit "$CLIN"
expect "a clinician may not read the audit log" 403

# bad input: answered 4xx with a clear message, nothing written
before=$(audit_count)
orgs=$(sql "SELECT COUNT(*) FROM organisations")
api POST /api/v1/organisations "$ADMIN" '{"ods_code": "RT5", "name": '
expect "malformed JSON" 400
api POST /api/v1/organisations "$ADMIN" '{"ods_code":"RT5","name":7,"kind":"community"}'
expect "wrong type" 422
jqcheck "names the field" '.detail | test("name")'
api POST /api/v1/organisations "$ADMIN" '{"ods_code":"RT5","name":"X","kind":"community","colour":"red"}'
expect "unknown field" 422
jqcheck "names the unknown field" '.detail | test("colour")'
api POST /api/v1/organisations "$ADMIN" '{"ods_code":"RT5"}'
expect "missing fields" 422
jqcheck "all missing fields listed" '.detail | test("name") and test("kind")'
api POST /api/v1/organisations "$ADMIN" '{"ods_code":"rt5!","name":"X","kind":"community"}'
expect "invalid ODS code" 422
api POST /api/v1/organisations "$ADMIN" '{"ods_code":"RT5","name":"X","kind":"hospice"}'
expect "unknown kind" 422
api POST /api/v1/sites "$ADMIN" '{"site_code":"RT501","name":"X","org_code":"ZZZ","kind":"acute","postcode":"W2 1NY","lat":51.5,"lon":-0.2}'
expect "site of an organisation that does not exist" 422
api POST /api/v1/sites "$ADMIN" '{"site_code":"RYJ99","name":"X","org_code":"RYJ","kind":"acute","postcode":"W2 1NY","lat":151.5,"lon":-0.2}'
expect "latitude outside the UK" 422
api POST /api/v1/services "$ADMIN" '{"service_id":"S1","name":"X","kind":"ucr","provider_ods":"RV3","places":["E09000017"],"hours":"Mon-Fri 8am-8pm","capabilities":["falls"],"response_minutes":120}'
expect "opening hours not understood" 422
api POST /api/v1/places "$ADMIN" '[1,2,3]'
expect "array instead of object" 400
big=$(head -c 1100000 /dev/zero | tr '\0' 'a')
printf '{"name":"%s"}' "$big" >"$T/big.json"
out=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' --data-binary "@$T/big.json" "$URL/api/v1/places")
check "oversized body refused with 413 (got $out)" [ "$out" = 413 ]
check "nothing written by the bad requests" [ "$(audit_count)" -eq "$before" ] 
check "organisations unchanged" [ "$(sql "SELECT COUNT(*) FROM organisations")" = "$orgs" ]
api PATCH /api/v1/places "$ADMIN" '{}'
expect "unsupported method" 405
api GET /api/v1/nothing "$ADMIN"
expect "unknown endpoint" 404

# users: admin creates a user; the token works once revoked no more
api POST /api/v1/users "$ADMIN" '{"name":"ops1","role":"trust_ops","org":"RYJ"}'
expect "admin creates a trust_ops user" 201
OPS=$(jqb .token)
api GET /api/v1/me "$OPS"
expect "the new token works" 200
jqcheck "it is ops1 of RYJ" '.name == "ops1" and .role == "trust_ops" and .org == "RYJ"'
check "only the hash is stored" [ "$(sql "SELECT COUNT(*) FROM tokens WHERE hash = '$OPS'")" = 0 ]
api POST /api/v1/users "$ADMIN" '{"name":"x","role":"wizard"}'
expect "unknown role" 422
api DELETE /api/v1/users/ops1 "$ADMIN"
expect "revoke" 200
api GET /api/v1/me "$OPS"
expect "revoked token" 401

# only the health and readiness checks, the API description, the sign-in
# steps (the person has no token yet), the provider's back-channel logout
# (its signed logout token is the credential) and /metrics (which checks
# its own admin or metrics token) are public: a route that forgot its roles (0
# without a use case) would show up here
public=$("$BIN" serve --routes | awk '$3 == "public" {print $1, $2}' | tr '\n' ';')
check "public routes are exactly the health checks, OpenAPI, sign-in, back-channel logout and metrics (got: $public)" \
    [ "$public" = "GET /healthz;GET /api/v1/openapi.json;GET /api/v1/auth/config;GET /api/v1/auth/oidc/login;GET /api/v1/auth/oidc/callback;POST /api/v1/auth/oidc/backchannel-logout;GET /readyz;GET /metrics;" ]

# the OpenAPI document describes every route in the table
api GET /api/v1/openapi.json ""
expect "OpenAPI document" 200
missing=$("$BIN" serve --routes | while read -r m p r; do
    lm=$(echo "$m" | tr 'A-Z' 'a-z')
    jq -e --arg p "$p" --arg m "$lm" '.paths[$p][$m]' "$T/body" >/dev/null || echo "$m $p"
done)
check "every route is in the OpenAPI document${missing:+ (missing: $missing)}" [ -z "$missing" ]
extra=$(jq -r '.paths | to_entries[] | .key as $p | .value | keys[] | "\(ascii_upcase) \($p)"' "$T/body" |
    while read -r m p; do "$BIN" serve --routes | grep -q "^$m $p " || echo "$m $p"; done)
check "every documented operation is served${extra:+ (extra: $extra)}" [ -z "$extra" ]
finish
