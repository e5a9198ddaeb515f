#!/bin/sh
# t0900-robustness.sh - one request must never take the server down: text
# that is not ASCII (multibyte, cut mid-character, not UTF-8 at all) in
# bodies, query strings and paths is answered with a clear problem, and the
# server is still there after each. Regression tests for the crash where an
# empty response body was handed to libmicrohttpd to free.
. "$(dirname "$0")/lib.sh"
start_server
CLIN=$(mktoken imperial clinician RYJ)
LAS=$(mktoken crew clinician RRU)
COORD=$(mktoken coord coordinator QRV)

alive() { curl -s -o /dev/null -w '%{http_code}' "$URL/healthz"; }
# json_ok: the last body is a JSON problem whose detail is valid UTF-8 text
json_ok() { jq -e '.detail | type == "string"' "$T/body" >/dev/null 2>&1; }

E300=$(printf 'é%.0s' $(seq 300))

api POST /api/v1/referrals "$LAS" '{"nhs_number":"943é765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "UCR referral with a multibyte character in the NHS number" 422
check "its problem body is JSON with a readable detail" json_ok
jqcheck "the detail quotes the whole character" '.detail | test("contains .é.")'
check "the server is still up after it" [ "$(alive)" = 200 ]

api POST /api/v1/beds/referrals "$CLIN" '{"nhs_number":"é","age":80,"sex":"F","postcode":"W2 1NY","referring_site":"RYJ01","bed_type":"rehabilitation","priority":1}'
expect "bed referral with a lone multibyte NHS number" 422
check "the server is still up after the bed referral" [ "$(alive)" = 200 ]

api GET "/api/v1/sitrep/today?day=$E300" "$COORD"
expect "sitrep day of 300 multibyte characters (message cut mid-character)" 422
check "the long problem detail is still valid JSON" json_ok
check "the server is still up after the long detail" [ "$(alive)" = 200 ]

api GET "/api/v1/sitrep/today?day=%ff%fe" "$COORD"
expect "a query value that is not UTF-8" 400
jqcheck "the problem names the parameter" '.detail | test("day")'

api GET "/api/v1/sites/%c3%28" "$COORD"
expect "a path that is not UTF-8" 400

printf '{"nhs_number":"\377\376","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}' >"$T/bad.json"
STATUS=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $LAS" \
    -H 'Content-Type: application/json' --data-binary "@$T/bad.json" "$URL/api/v1/referrals")
check "a JSON body with bytes that are not UTF-8 is refused with 400 (got $STATUS)" [ "$STATUS" = 400 ]
check "the server is still up after the non-UTF-8 body" [ "$(alive)" = 200 ]

# Every route answers a multibyte path parameter without dying.
for p in /api/v1/sites/é /api/v1/beds/referrals/é /api/v1/referrals/é /api/v1/sitrep/aid/é \
    /api/v1/waitlist/runs/é /api/v1/sim/runs/é; do
    api GET "$p" "$COORD"
    check "GET $p answers 4xx ($STATUS)" [ "${STATUS#4}" != "$STATUS" ]
done
check "the server is still up after the path parameters" [ "$(alive)" = 200 ]
finish
