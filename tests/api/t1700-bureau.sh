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
