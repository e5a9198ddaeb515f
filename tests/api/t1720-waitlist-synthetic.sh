#!/bin/sh
# t1720-waitlist-synthetic.sh - the equity report says when its waiting list
# is synthetic (issue 20 item 13): `synthetic` in its JSON with or without a
# run, and a SYNTHETIC line in the CLI's text; neither once no counted entry
# is synthetic.
. "$(dirname "$0")/lib.sh"
start_server
ANA=$(mktoken analyst analyst QRV)
COORD=$(mktoken ecm coordinator QRV)
jqf() { jq -e "$1" "$2" >/dev/null 2>&1; }

NSYN=$(sql "SELECT COUNT(*) FROM waitlist_entries WHERE synthetic = 1 AND status = 'waiting'")
check "the seeded waiting list has synthetic entries ($NSYN)" [ "$NSYN" -gt 0 ]
api GET "/api/v1/waitlist/equity?by=trust" "$ANA"
expect "equity without a run" 200
jqcheck "says synthetic: true without a run" '.synthetic == true'
api GET "/api/v1/waitlist/equity?by=imd" "$ANA"
jqcheck "and by IMD quintile" '.synthetic == true'
"$BIN" waitlist equity --db "$DB" >"$T/e.txt" 2>&1
check "the CLI prints a SYNTHETIC line" grep -q "^SYNTHETIC: " "$T/e.txt"
"$BIN" waitlist equity --db "$DB" --format json >"$T/e.json" 2>/dev/null
check "the CLI's JSON has synthetic: true" jqf '.synthetic == true' "$T/e.json"

# the same list marked real: no label anywhere
sql "UPDATE waitlist_entries SET synthetic = 0" >/dev/null
api GET "/api/v1/waitlist/equity?by=trust" "$ANA"
expect "equity on a real list" 200
jqcheck "says synthetic: false" '.synthetic == false'
"$BIN" waitlist equity --db "$DB" >"$T/r.txt" 2>&1
check "the CLI prints no SYNTHETIC line" sh -c '! grep -q "SYNTHETIC" "$1"' _ "$T/r.txt"
check "but still the report ($(head -1 "$T/r.txt"))" grep -q "^equity by trust as at " "$T/r.txt"

# an unknown trust code in a filter is named (422), not an empty list
api GET "/api/v1/waitlist/entries?trust=XYZ" "$COORD"
expect "entries of trust XYZ" 422
jqcheck "the problem names the unknown code" '.detail == "trust: unknown trust code '"'XYZ'"'"'
api GET "/api/v1/waitlist/entries?trust=%C3%A9%E2%82%AC" "$COORD"
expect "a multibyte trust code" 422
api GET "/api/v1/waitlist/entries?trust=%FF%FE" "$COORD"
STATUS_BAD=$STATUS
check "a non-UTF-8 trust code is refused ($STATUS_BAD)" [ "$STATUS_BAD" = 400 -o "$STATUS_BAD" = 422 ]
api GET "/api/v1/waitlist/entries?trust=RQM&limit=1" "$COORD"
expect "a known trust still lists" 200
finish
