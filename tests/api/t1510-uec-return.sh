#!/bin/sh
# t1510-uec-return.sh - the day's return to NHS England's UEC daily sitrep
# (GET /api/v1/sitrep/returns/uec): the CSV is rebuilt here from the daily
# call view's JSON and must be the same bytes; a submission shows in it as
# submitted, the seeded history as synthetic; bad input is 4xx.
. "$(dirname "$0")/lib.sh"
start_server
TODAY=$(TZ=Europe/London date +%F)
OPS_RYJ=$(mktoken ops_ryj trust_ops RYJ)
ANALYST=$(mktoken analyst analyst QRV)
HEAD="period,org_code,org_name,ga_core_beds_open,ga_escalation_beds_open,ga_beds_occupied_0800,adult_cc_beds_open,adult_cc_beds_occupied,patients_los_7plus,patients_los_14plus,patients_los_21plus,patients_not_meeting_criteria_to_reside,ambulance_arrivals,ambulance_handovers_over_60_min,ed_attendances,ed_patients_over_12h,submitted_at,data_origin"
# the expected file, from the JSON of the daily call view
expected() {
    jq -r '.day as $d | .providers[] | select((.kind == "acute" or .kind == "specialist") and .submitted)
        | [$d, .org, .name] + ([.figures | (.ga_beds_core, .ga_beds_escalation, .ga_beds_occupied, .cc_beds,
            .cc_occupied, .los_7plus, .los_14plus, .los_21plus, .nctr_patients, .ambulance_arrivals,
            .handovers_over_60, .ed_attendances, .ed_over_12h)] | map(if . == null then "" else tostring end))
          + [.submitted_at // "", (if .source == "synthetic" then "synthetic" else "submitted" end)]
        | map(if test("[,\"]") then "\"" + gsub("\""; "\"\"") + "\"" else . end) | join(",")' "$1"
}

api GET "/api/v1/sitrep/today?day=$TODAY" "$ANALYST"
cp "$T/body" "$T/today.json"
api GET "/api/v1/sitrep/returns/uec?day=$TODAY" "$ANALYST"
expect "today's UEC return for an analyst" 200
check "served as CSV" [ "$CTYPE" = "text/csv; charset=utf-8" ]
tr -d '\r' <"$T/body" >"$T/uec.csv"
check "the header names the sitrep items" [ "$(head -n 1 "$T/uec.csv")" = "$HEAD" ]
expected "$T/today.json" >"$T/uec.expected"
tail -n +2 "$T/uec.csv" >"$T/uec.rows"
check "one row per acute or specialist trust that submitted ($(wc -l <"$T/uec.expected")), figures as in the daily call view" \
    cmp -s "$T/uec.expected" "$T/uec.rows"
check "the four NWL acute trusts are there" [ "$(cut -d, -f2 "$T/uec.rows" | grep -cE '^(R1K|RAS|RQM|RYJ)$')" = 4 ]
check "the seeded figures are labelled synthetic" [ "$(cut -d, -f18 "$T/uec.rows" | sort -u)" = synthetic ]
check "every line ends CRLF (RFC 4180)" [ "$(grep -c "$(printf '\r')\$" "$T/body")" = "$(wc -l <"$T/uec.csv")" ]

GOOD='{"org":"RYJ","day":"'$TODAY'","fields":{"ambulance_arrivals":100,"handover_mean_min":32,"ed_attendances":400,"ed_expected":400,"ed_within_4h":300,"ed_over_12h":8,"ed_majors_spaces":40,"ed_majors_patients":50,"time_to_treatment_min":90,"ga_beds_core":950,"ga_beds_escalation":50,"ga_beds_occupied":960,"nctr_patients":96,"los_21plus":77}}'
api POST /api/v1/sitrep/submissions "$OPS_RYJ" "$GOOD"
expect "Imperial submits today's sitrep" 201
api GET "/api/v1/sitrep/returns/uec?day=$TODAY" "$OPS_RYJ"
expect "the return again" 200
check "Imperial's row carries what it submitted, marked submitted (critical care not given: empty)" \
    [ "$(tr -d '\r' <"$T/body" | grep "^$TODAY,RYJ," | cut -d, -f4-9,11,18)" = "950,50,960,,,,77,submitted" ]

api GET "/api/v1/sitrep/returns/uec?day=2001-01-01" "$ANALYST"
expect "a day without sitreps" 200
check "is the header alone" [ "$(tr -d '\r' <"$T/body")" = "$HEAD" ]
api GET "/api/v1/sitrep/returns/uec?day=2026-02-30" "$ANALYST"
expect "an impossible day" 422
api GET "/api/v1/sitrep/returns/uec?day=%E2%82%AC" "$ANALYST"
expect "a day in multibyte text" 422
api GET "/api/v1/sitrep/returns/uec?format=xlsx" "$ANALYST"
expect "an unknown parameter" 422
api GET /api/v1/sitrep/returns/uec ""
expect "no token" 401
finish
