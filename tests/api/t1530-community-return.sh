#!/bin/sh
# t1530-community-return.sh - the community bed return (GET
# /api/v1/beds/returns/community): one row per bed unit with the bed
# board's figures, stays over 14 and 21 days and patients not meeting the
# criteria to reside counted from the stays, the day's discharges by
# destination (a discharge made here shows at once), a past day without
# bed states, rows from seeded data labelled synthetic, a unit name that a
# spreadsheet would run as a formula defused, and bad input and
# the wrong roles refused.
. "$(dirname "$0")/lib.sh"
start_server
TODAY=$(TZ=Europe/London date +%F)
YESTERDAY=$(TZ=Europe/London date -d yesterday +%F)
COORD=$(mktoken coord coordinator QRV)
ANALYST=$(mktoken analyst analyst QRV)
OPS=$(mktoken ops trust_ops RYJ)
CLIN=$(mktoken clin clinician RYJ)
HEAD="period,org_code,org_name,site_code,unit_code,unit_name,bed_type,beds_total,beds_open,beds_occupied,beds_available,beds_reserved,beds_closed,patients_los_14plus,patients_los_21plus,patients_not_meeting_criteria_to_reside,admissions,discharges,discharges_home,discharges_care_home,discharges_acute_readmission,discharges_died,discharges_other,snapshot_at,data_origin"
# col FILE UNIT NAME: one cell of a unit's row (the CSV read as CSV)
col() {
    python3 -c 'import csv,sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    if r["unit_code"] == sys.argv[2]: print(r[sys.argv[3]])' "$1" "$2" "$3"
}

# ---- roles and bad input ----
api GET /api/v1/beds/returns/community ""
expect "no token" 401
api GET /api/v1/beds/returns/community "$OPS"
expect "trust operations may not read the ICS's return" 403
api GET /api/v1/beds/returns/community "$CLIN"
expect "nor may a clinician" 403
api GET "/api/v1/beds/returns/community?day=$(TZ=Europe/London date -d tomorrow +%F)" "$ANALYST"
expect "tomorrow's return" 422
api GET "/api/v1/beds/returns/community?day=2026-02-30" "$ANALYST"
expect "an impossible date" 422
api GET "/api/v1/beds/returns/community?day=99999999999-01-01" "$ANALYST"
expect "an absurd year" 422
api GET "/api/v1/beds/returns/community?day=%E2%82%AC" "$ANALYST"
expect "a multibyte day" 422
api GET "/api/v1/beds/returns/community?day=%FF" "$ANALYST"
check "a day that is not UTF-8 is refused (4xx: $STATUS)" [ "${STATUS%??}" = 4 ]
api GET "/api/v1/beds/returns/community?unit=U-ALEX-STD" "$ANALYST"
expect "an unknown query parameter" 422

# ---- today's return against the bed board and the stays ----
api GET /api/v1/beds/board "$COORD"
cp "$T/body" "$T/board.json"
api GET /api/v1/beds/returns/community "$ANALYST"
expect "today's return for an analyst" 200
check "served as CSV" [ "$CTYPE" = "text/csv; charset=utf-8" ]
tr -d '\r' <"$T/body" >"$T/today.csv"
check "every line ends CRLF (RFC 4180)" [ "$(grep -c "$(printf '\r')\$" "$T/body")" = "$(wc -l <"$T/today.csv")" ]
check "the header names the items" [ "$(head -n 1 "$T/today.csv")" = "$HEAD" ]
NUNITS=$(jq '.units | length' "$T/board.json")
check "one row per unit on the bed board ($NUNITS)" [ "$(($(wc -l <"$T/today.csv") - 1))" = "$NUNITS" ]
python3 -c 'import csv,json,sys
board = {u["unit_code"]: u for u in json.load(open(sys.argv[1]))["units"]}
bad = []
for r in csv.DictReader(open(sys.argv[2], newline="")):
    u = board[r["unit_code"]]
    want = [u["beds"], u["beds"] - u["closed"], u["occupied"], u["available"], u["reserved"], u["closed"]]
    got = [int(r[k]) for k in ("beds_total", "beds_open", "beds_occupied", "beds_available", "beds_reserved", "beds_closed")]
    if want != got: bad.append(r["unit_code"])
print(" ".join(bad))' "$T/board.json" "$T/today.csv" >"$T/mismatch"
check "every unit's bed figures are the bed board's" [ -z "$(cat "$T/mismatch")" ]
UNIT=$(sql "SELECT unit_code FROM bed_stays WHERE discharged_at IS NULL GROUP BY unit_code ORDER BY COUNT(*) DESC, unit_code LIMIT 1")
NOW=$(date +%s)
check "stays of 14 days or more in $UNIT counted from the open stays" \
    [ "$(col "$T/today.csv" "$UNIT" patients_los_14plus)" = "$(sql "SELECT COUNT(*) FROM bed_stays WHERE unit_code = '$UNIT' AND discharged_at IS NULL AND admitted_at <= $((NOW - 14 * 86400))")" ]
check "and of 21 days or more" \
    [ "$(col "$T/today.csv" "$UNIT" patients_los_21plus)" = "$(sql "SELECT COUNT(*) FROM bed_stays WHERE unit_code = '$UNIT' AND discharged_at IS NULL AND admitted_at <= $((NOW - 21 * 86400))")" ]
check "patients not meeting the criteria to reside: open stays medically ready by today" \
    [ "$(col "$T/today.csv" "$UNIT" patients_not_meeting_criteria_to_reside)" = "$(sql "SELECT COUNT(*) FROM bed_stays WHERE unit_code = '$UNIT' AND discharged_at IS NULL AND ready_day <= '$TODAY'")" ]
check "the unit's trust is named" \
    [ "$(col "$T/today.csv" "$UNIT" org_code)" = "$(sql "SELECT s.org_code FROM units u JOIN sites s ON s.site_code = u.site_code WHERE u.unit_code = '$UNIT'")" ]
check "the seeded units are labelled synthetic" [ "$(cut -d, -f25 "$T/today.csv" | tail -n +2 | sort -u)" = synthetic ]
check "today's rows carry the snapshot time" [ -n "$(col "$T/today.csv" "$UNIT" snapshot_at)" ]

# ---- a discharge made now shows in today's flows ----
REF=$(sql "SELECT r.referral_id FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.state = 'admitted' AND b.unit_code = '$UNIT' ORDER BY r.referral_id LIMIT 1")
D0=$(col "$T/today.csv" "$UNIT" discharges)
H0=$(col "$T/today.csv" "$UNIT" discharges_care_home)
O0=$(col "$T/today.csv" "$UNIT" beds_occupied)
api POST "/api/v1/beds/referrals/$REF/discharge" "$COORD" '{"destination":"care_home"}'
expect "a coordinator discharges a patient of $UNIT to a care home" 200
api GET /api/v1/beds/returns/community "$COORD"
expect "the return again" 200
tr -d '\r' <"$T/body" >"$T/after.csv"
check "one more discharge in $UNIT" [ "$(col "$T/after.csv" "$UNIT" discharges)" = "$((D0 + 1))" ]
check "to a care home" [ "$(col "$T/after.csv" "$UNIT" discharges_care_home)" = "$((H0 + 1))" ]
check "one bed fewer occupied" [ "$(col "$T/after.csv" "$UNIT" beds_occupied)" = "$((O0 - 1))" ]

# ---- a past day: flows only ----
api GET "/api/v1/beds/returns/community?day=$YESTERDAY" "$ANALYST"
expect "yesterday's return" 200
tr -d '\r' <"$T/body" >"$T/past.csv"
check "the period is yesterday" [ "$(col "$T/past.csv" "$UNIT" period)" = "$YESTERDAY" ]
check "no bed figures for a past day (bed states exist only now)" \
    [ "$(col "$T/past.csv" "$UNIT" beds_occupied)|$(col "$T/past.csv" "$UNIT" patients_los_14plus)|$(col "$T/past.csv" "$UNIT" snapshot_at)" = "||" ]
FROM=$(TZ=Europe/London date -d "$YESTERDAY 00:00" +%s)
TO=$(TZ=Europe/London date -d "$TODAY 00:00" +%s)
check "yesterday's discharges in $UNIT from the stays (transfers are not discharges)" \
    [ "$(col "$T/past.csv" "$UNIT" discharges)" = "$(sql "SELECT COUNT(*) FROM bed_stays WHERE unit_code = '$UNIT' AND discharged_at >= $FROM AND discharged_at < $TO AND destination <> 'transfer'")" ]
python3 -c 'import csv,sys
bad = [r["unit_code"] for r in csv.DictReader(open(sys.argv[1], newline=""))
       if int(r["discharges"]) != sum(int(r[k]) for k in ("discharges_home", "discharges_care_home", "discharges_acute_readmission", "discharges_died", "discharges_other"))]
print(" ".join(bad))' "$T/past.csv" >"$T/sums"
check "every unit's discharges are the sum of their destinations" [ -z "$(cat "$T/sums")" ]
check "the ICS's discharges yesterday add up to the stays' count" \
    [ "$(python3 -c 'import csv,sys; print(sum(int(r["discharges"]) for r in csv.DictReader(open(sys.argv[1], newline=""))))' "$T/past.csv")" = "$(sql "SELECT COUNT(*) FROM bed_stays WHERE discharged_at >= $FROM AND discharged_at < $TO AND destination <> 'transfer'")" ]
# ---- a name a spreadsheet would run as a formula is shown, not run ----
UNITNAME='=HYPERLINK("http://example.org","Ward") -1'
api GET "/api/v1/units/$UNIT" "$ADMIN"
jq --arg n "$UNITNAME" '.name = $n' "$T/body" >"$T/unit.json"
api PUT "/api/v1/units/$UNIT" "$ADMIN" "$(cat "$T/unit.json")"
expect "an administrator renames the unit to a formula" 200
api GET /api/v1/beds/returns/community "$ANALYST"
tr -d '\r' <"$T/body" >"$T/formula.csv"
check "the unit's name in the CSV starts with an apostrophe" [ "$(col "$T/formula.csv" "$UNIT" unit_name)" = "'$UNITNAME" ]
check "a spreadsheet would read the cell as text: it is quoted with its quotes doubled" \
    grep -qF '"'"'"'=HYPERLINK(""http://example.org"",""Ward"") -1"' "$T/formula.csv"
check "numbers are not touched: the unit's beds_total is still a plain number" \
    sh -c 'case "$1" in ""|*[!0-9]*) exit 1 ;; esac' _ "$(col "$T/formula.csv" "$UNIT" beds_total)"
stop_server
finish
