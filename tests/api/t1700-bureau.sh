#!/bin/sh
# t1700-bureau.sh - the bed bureau coordinator's tasks (issue 20 items 1-4)
# and the CLI's one flag style: adult bed types refuse children (422 naming
# the age field, nothing written; the CLI exits 2 with one line), absurd and
# non-numeric ages, and --format text|json with --json kept as its alias.
. "$(dirname "$0")/lib.sh"
start_server
CLIN=$(mktoken imperial clinician RYJ)

jq_obj() { jq -e 'type == "object"' "$1" >/dev/null 2>&1; }
nref() { sql "SELECT COUNT(*) FROM bed_referrals"; }
# refer AGE [TYPE]: POST a referral whose age is the raw JSON text AGE
refer() {
    api POST /api/v1/beds/referrals "$CLIN" "{\"nhs_number\":\"9434765919\",\"age\":$1,\"sex\":\"F\",\"postcode\":\"W2 1NY\",\"referring_site\":\"RYJ01\",\"bed_type\":\"${2:-rehabilitation}\",\"priority\":2}"
}

# ---- item 4: under-18s are refused for adult bed types -------------------
n0=$(nref)
a0=$(audit_count)
refer 12
expect "a 12-year-old for a rehabilitation bed" 422
jqcheck "the problem names the age field and the adult limit" '.detail | test("^age: 12 is under 18")'
refer 17 stroke_rehabilitation
expect "a 17-year-old for a stroke rehabilitation bed" 422
jqcheck "names the bed type" '.detail | test("stroke_rehabilitation beds are adult beds")'
refer 0 palliative
expect "a newborn for a palliative bed" 422
check "no referral was written by the refusals" [ "$(nref)" = "$n0" ]
check "and no audit row" [ "$(audit_count)" = "$a0" ]
refer 131
expect "an age of 131" 422
jqcheck "says the range" '.detail | test("age: must be a whole number from 0 to 130")'
refer -1
expect "a negative age" 422
refer 99999999999999999999
expect "an age too large for any integer (not JSON a parser can hold)" 400
refer 17.5
expect "a fractional age" 422
refer '"seventeen"'
expect "an age in words" 422
refer '"１２"'
expect "an age in full-width digits" 422
check "still nothing written" [ "$(nref)" = "$n0" ]
refer 18
expect "an 18-year-old is accepted" 201
check "one referral more" [ "$(nref)" = $((n0 + 1)) ]
jqcheck "stored with age 18" '.age == 18 and .state == "waiting"'

# the CLI refuses in the same words and exits 2
cli_refer() { "$BIN" beds refer --db "$DB" --nhs 9434765919 --sex M --postcode "W2 1NY" --site RYJ01 --type dementia --priority 3 --age "$@"; }
cli_refer 12 >"$T/out" 2>"$T/err"
check "CLI: a 12-year-old exits 2" [ $? = 2 ]
check "CLI: one line naming the age" [ "$(wc -l <"$T/err")" = 1 ]
check "CLI: in the API's words" grep -q "age: 12 is under 18; dementia beds are adult beds" "$T/err"
cli_refer twelve >/dev/null 2>"$T/err"
check "CLI: a non-number exits 2" [ $? = 2 ]
check "CLI: says what a good age is" grep -q "must be a whole number from 0 to 130" "$T/err"
cli_refer 99999999999999999999 >/dev/null 2>&1
check "CLI: a huge age exits 2" [ $? = 2 ]
check "CLI: nothing written by the refusals" [ "$(nref)" = $((n0 + 1)) ]
cli_refer 18 >"$T/out" 2>&1
check "CLI: an 18-year-old is referred" grep -q "^bed referral [0-9]*: waiting" "$T/out"
cli_refer 40 --format json >"$T/out" 2>/dev/null
check "CLI: --format json prints the referral" [ "$(jq -r .age "$T/out")" = 40 ]

# ---- items 1-3: the board by place and type, the queue in words, the match preview
COORD=$(mktoken coord coordinator QRV)
api GET /api/v1/beds/board "$COORD"
expect "the board" 200
jqcheck "every unit says where it is and its free beds by bay" 'all(.units[]; (.place_code | length) > 0 and (.available_by_bay | .M + .F + .none) == .available)'
check "free beds by bay add up to the available beds in the database" [ "$(jqb '[.units[].available_by_bay | .M + .F + .none] | add')" = "$(sql "SELECT COUNT(*) FROM beds WHERE status = 'available'")" ]
check "male-bay free beds as stored" [ "$(jqb '[.units[].available_by_bay.M] | add')" = "$(sql "SELECT COUNT(*) FROM beds WHERE status = 'available' AND bay_sex = 'M'")" ]

# leave only male-bay dementia beds free, then refer a woman needing one
for b in $(sql "SELECT bed_id FROM beds b JOIN units u ON u.unit_code = b.unit_code WHERE u.bed_type = 'dementia' AND b.status = 'available' AND COALESCE(b.bay_sex, '') <> 'M'"); do
    api PATCH "/api/v1/beds/$b" "$COORD" '{"status":"closed","closure":"staffing"}'
done
MFREE=$(sql "SELECT COUNT(*) FROM beds b JOIN units u ON u.unit_code = b.unit_code WHERE u.bed_type = 'dementia' AND b.status = 'available'")
check "some dementia beds stay free, all in male bays" [ "$MFREE" -gt 0 ]
refer 82 dementia
expect "a woman of 82 referred for a dementia bed" 201
RW=$(jqb .referral_id)
api GET /api/v1/beds/queue "$COORD"
expect "the queue for a coordinator" 200
check "lists every waiting referral" [ "$(jqb .waiting)" = "$(sql "SELECT COUNT(*) FROM bed_referrals WHERE state = 'waiting'")" ]
jq -e --argjson id "$RW" '.items[] | select(.referral_id == $id) | .placeable == false and .ready == true' "$T/body" >/dev/null
check "the new referral cannot be placed now" [ $? = 0 ]
WHY=$(jq -r --argjson id "$RW" '.items[] | select(.referral_id == $id) | .why_not' "$T/body")
case $MFREE in 1) WANT="1 free bed for dementia, in male bays" ;; 2) WANT="2 free beds for dementia, both in male bays" ;; *) WANT="$MFREE free beds for dementia, all in male bays" ;; esac
check "says why in words: '$WHY'" [ "$WHY" = "$WANT" ]
NEXT=$(jq -r --argjson id "$RW" '.items[] | select(.referral_id == $id) | .next_bed_text' "$T/body")
check "and when a suitable bed is next expected free: '$(printf '%s' "$NEXT" | cut -c1-60)'" grep -Eq '^(a suitable bed is expected to free up|no suitable bed is expected)' <<EOT
$NEXT
EOT
jqcheck "placeable referrals name their best bed" 'all(.items[]; .placeable == false or (.best_bed.bed_code | length) > 0)'
jqcheck "the answer says the forecast is synthetic unless loaded" '.note | test("synthetic")'
api GET "/api/v1/beds/queue?policy=everywhere" "$COORD"
expect "an unknown policy" 422
api GET "/api/v1/beds/queue?colour=red" "$COORD"
expect "an unknown query parameter" 422
api GET /api/v1/beds/queue "$CLIN"
expect "a clinician cannot read the queue" 403
api POST /api/v1/beds/match "$COORD" '{"policy":"pooled"}'
expect "a match preview" 200
jq -e --argjson id "$RW" 'any(.plans[0].unplaced_referrals[]; .referral_id == $id)' "$T/body" >/dev/null
check "the woman is unplaced in the preview" [ $? = 0 ]
check "with the queue's reason" [ "$(jq -r --argjson id "$RW" '.plans[0].unplaced_referrals[] | select(.referral_id == $id) | .why_not' "$T/body")" = "$WANT" ]
jqcheck "every placement has its reasons and cost in words" 'all(.plans[0].assignments[]; (.explanation | length) > 0 and (.cost_words | test("= [0-9]+$")))'
jqcheck "each cost in words adds up to the placement's cost" 'all(.plans[0].assignments[]; (.cost_words | capture("= (?<t>[0-9]+)$").t | tonumber) == .cost)'
check "a preview offers nothing" [ "$(sql "SELECT COUNT(*) FROM bed_referrals WHERE state = 'offered' AND referral_id = $RW")" = 0 ]
"$BIN" beds queue --db "$DB" >"$T/q.txt" 2>&1
check "CLI beds queue lists the referral with its id" grep -q "^referral $RW " "$T/q.txt"
check "CLI beds queue says why in the same words" grep -qF "cannot be placed: $WANT" "$T/q.txt"
check "CLI beds queue says the data are synthetic" grep -q "^SYNTHETIC" "$T/q.txt"
"$BIN" beds match --db "$DB" >"$T/m.txt" 2>&1
check "CLI beds match names the unplaced referral and why" grep -qF "referral $RW   unplaced: $WANT" "$T/m.txt"
check "CLI beds match says it is a preview" grep -q "^a preview: no offer made" "$T/m.txt"
"$BIN" beds board --db "$DB" >"$T/b.txt" 2>&1
check "CLI board groups by place" grep -q "^Hillingdon (E09000017): " "$T/b.txt"
check "CLI board: the two Northwood rehabilitation units print differently" [ "$(grep -c 'U-NORW-RE[HF] Northwood and Pinner Rehabilitation Ward (\(male\|female\) bay)' "$T/b.txt")" = 2 ]
check "CLI board says the data are synthetic" grep -q "^SYNTHETIC" "$T/b.txt"
for a in los match; do
    "$BIN" beds $a --db "$DB" >"$T/x.txt" 2>&1
    check "CLI beds $a says the data are synthetic" grep -q "^SYNTHETIC" "$T/x.txt"
done

# ---- item 13: synthetic data said so, names in full
"$BIN" analyse variation --db "$DB" >"$T/v.txt" 2>&1
check "analyse variation says its data are synthetic" grep -q "^SYNTHETIC: admissions and bed stays" "$T/v.txt"
check "analyse variation prints the two Northwood rehabilitation wards differently" \
    [ "$(grep -c 'Northwood and Pinner Rehabilitation Ward (\(male\|female\) bay)' "$T/v.txt")" = 2 ]
"$BIN" waitlist equity --db "$DB" >"$T/e.txt" 2>&1
NAME=$(sql "SELECT name FROM organisations WHERE ods_code = 'RQM'")
check "waitlist equity prints trust names in full ($NAME)" grep -qF "RQM $NAME " "$T/e.txt"

# ---- item 6: does the horizon or the travel limit reach the allocation?
"$BIN" waitlist allocate --db "$DB" --horizon 84 --max-km 40 --format json >"$T/w.json" 2>/dev/null
LAST=$(sql "SELECT MAX(date) FROM waitlist_sessions")
check "the run names its last session day" [ "$(jq -r .limits.last_session "$T/w.json")" = "$LAST" ]
check "and the default travel limit it was given (40 km)" [ "$(jq -r .limits.default_max_km "$T/w.json")" = 40 ]
OWN=$(sql "SELECT COUNT(*) FROM waitlist_entries WHERE max_travel_km IS NOT NULL AND max_travel_km > 0 AND status = 'waiting'")
check "counts the patients with a travel limit of their own ($OWN)" [ "$(jq -r .limits.patients_with_own_max_km "$T/w.json")" = "$OWN" ]
"$BIN" waitlist allocate --db "$DB" --horizon 84 >"$T/w.txt" 2>/dev/null
check "the text says why the parameters may not bind" grep -q "^  limits: " "$T/w.txt"

# ---- item 13: make run on a busy port (this test's server holds it)
sh "$ROOT/scripts/run.sh" "$T/run.db" "${URL#http://}" >"$T/run.out" 2>&1
check "make run on a busy port exits 1" [ $? = 1 ]
check "with one line saying the address is in use" [ "$(grep -c 'is already in use' "$T/run.out")" = 1 ]
check "and makes no database (so mints no token)" [ ! -e "$T/run.db" ]
check "and prints no token" [ "$(grep -c 'token' "$T/run.out")" = 0 ]

# ---- item 13: one flag style ---------------------------------------------
"$BIN" beds board --db "$DB" --json >"$T/a.json" 2>/dev/null
"$BIN" beds board --db "$DB" --format json >"$T/b.json" 2>/dev/null
check "--json is --format json (beds board)" [ "$(jq -r '.totals.beds' "$T/a.json")" = "$(jq -r '.totals.beds' "$T/b.json")" ]
check "and is JSON with the board's units" [ "$(jq '.units | length' "$T/a.json")" = "$(sql 'SELECT COUNT(*) FROM units')" ]
"$BIN" beds board --db "$DB" --format xml >/dev/null 2>"$T/err"
check "an unknown format exits 2" [ $? = 2 ]
check "naming the choices" grep -q "format 'xml' is not text or json" "$T/err"
"$BIN" beds board --db "$DB" --json=yes >/dev/null 2>"$T/err"
check "--json takes no value" [ $? = 2 ]
"$BIN" sitrep today --db "$DB" --json >"$T/s.json" 2>/dev/null
check "--json is accepted by sitrep today too" jq_obj "$T/s.json"
"$BIN" sitrep today --db "$DB" --format json >"$T/s2.json" 2>/dev/null
check "and --format json gives the same" cmp -s "$T/s.json" "$T/s2.json"
"$BIN" finance summary --db "$DB" --format json >"$T/f.json" 2>/dev/null
check "finance summary --format json" jq_obj "$T/f.json"
for c in "beds" "sitrep today" "finance summary" "route find" "waitlist allocate"; do
    # shellcheck disable=SC2086
    "$BIN" $c --help >"$T/help" 2>&1
    check "$c --help offers --format and --json" grep -q -- "--json" "$T/help"
done
finish
