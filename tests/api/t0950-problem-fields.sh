#!/bin/sh
# t0950-problem-fields.sh - a 400/422 problem+json lists each problem in
# `errors` with the input field it names, so the dashboard can show every
# message beside its field: body-check problems (missing, unknown, wrong
# type), use-case validation ("quantity must ..."), directory rows (every
# bad column at once), query parameters, and problems that name no field;
# an answer that already has its own `errors` (a CSV import) keeps it.
. "$(dirname "$0")/lib.sh"
start_server
ADMIN=$(mktoken pf_admin admin QRV)
OPS=$(mktoken ops_ryj trust_ops RYJ)
TODAY=$(london_day)

api POST /api/v1/sitrep/aid "$OPS" '{"org":"RYJ","resource":"staff","detail":"nurse","quantity":5000,"date_from":"2026-13-01","date_to":"'"$TODAY"'","urgency":"urgent"}'
expect "a mutual-aid request with two bad values" 422
jqcheck "two problems, each with its field" '[.errors[] | .field] == ["date_from", "quantity"]'
jqcheck "each problem's detail is one clause of the detail" \
    '.detail as $d | all(.errors[]; .detail as $x | $d | contains($x)) and (.errors | length) == (.detail | split("; ") | length)'
jqcheck "the quantity's own words" '.errors[] | select(.field == "quantity") | .detail == "quantity must be 1 to 1000, not 5000"'

api POST /api/v1/sitrep/aid "$OPS" '{"org":"RYJ","resource":"staff","quantity":"many","colour":"red"}'
expect "a body with an unknown field, a wrong type and missing fields" 422
jqcheck "the unknown field is named" 'any(.errors[]; .field == "colour" and (.detail | test("unknown field")))'
jqcheck "the wrongly typed field is named" 'any(.errors[]; .field == "quantity")'
jqcheck "each missing field is named" '[.errors[] | select(.detail | startswith("missing field")) | .field] | sort == ["date_from", "date_to", "urgency"]'

api POST /api/v1/sites "$ADMIN" '{"site_code":"ZZ991","name":"Test","org_code":"ZZZ","kind":"hospital","postcode":"NOPE","lat":95,"lon":-0.3}'
expect "a directory site with four bad columns" 422
jqcheck "every bad column of the row at once, each with its field" '[.errors[] | .field] | sort == ["kind", "lat", "org_code", "postcode"]'
check "nothing written" [ "$(sql "SELECT COUNT(*) FROM sites WHERE site_code = 'ZZ991'")" -eq 0 ]

api POST /api/v1/units "$ADMIN" '{"unit_code":"U-T","name":"T","site_code":"RV3X1","bed_type":"rehabilitation","sex":"mixed","beds":0,"commissioned_by":["E09000005"]}'
expect "a unit with no beds" 422
jqcheck "the rule across columns names beds" '.errors == [{"field": "beds", "detail": "column '"'"'beds'"'"': a unit needs at least one bed"}]'

api GET "/api/v1/referrals?limit=0" "$ADMIN"
expect "a query parameter out of range" 422
jqcheck "the query parameter is the field" '.errors[0].field == "limit"'

api POST /api/v1/sitrep/aid "$OPS" '[1, 2]'
expect "a body that is not an object" 400
jqcheck "a problem that names no field has only its detail" 'all(.errors[]; has("field") | not) and (.errors | length) >= 1'

api POST /api/v1/sitrep/aid "$OPS" '{"org":"RYJ","resource":"staff","detail":"nurse","quantity":1,"date_from":"'"$TODAY"'","date_to":"'"$TODAY"'","urgency":"urgent"}'
expect "a good request still has no errors member" 201
jqcheck "no errors member on success" 'has("errors") | not'

printf 'nhs_number,postcode\n123,X\n' >"$T/bad.csv"
out=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H "Authorization: Bearer $ADMIN" -H 'Content-Type: text/csv' \
    --data-binary "@$T/bad.csv" "$URL/api/v1/waitlist/import?name=bad.csv")
check "a CSV import's problem answers 422" [ "$out" = 422 ]
jqcheck "its own row errors (file, line, column) are kept" 'all(.errors[]; has("line") and has("file"))'

finish
