#!/bin/sh
# t1730-bookings.sh - the booking list of an allocation run (issue 20 item 6):
# GET /api/v1/waitlist/runs/{id}/results filtered by hub, specialty, trust,
# booked and overdue, paged by offset and by keyset, as CSV with its
# documented columns; overdue P1/P2 patients flagged in the list, the
# entries and the run summary; bad filters refused in words; trust scope;
# each read audited; and `icsflow waitlist bookings` on the same data.
. "$(dirname "$0")/lib.sh"
start_server
COORD=$(mktoken ecm coordinator QRV)
OPS=$(mktoken hillingdon trust_ops RAS)
ANA=$(mktoken analyst analyst QRV)
RUN=$(sql "SELECT MAX(id) FROM waitlist_runs")
ASOF=$(sql "SELECT as_of FROM waitlist_runs WHERE id = $RUN")
CUT1=$(date -u -d "$ASOF - 3 days" +%F)
CUT2=$(date -u -d "$ASOF - 28 days" +%F)
J="FROM waitlist_results r JOIN waitlist_entries e ON e.id = r.entry_id WHERE r.run_id = $RUN"
OVERDUE="((e.priority = 1 AND e.priority_date < '$CUT1') OR (e.priority = 2 AND e.priority_date < '$CUT2'))"
reads() { sql "SELECT COUNT(*) FROM audit WHERE action = 'read.waitlist_results'"; }

# ---- the whole list and its rows
N=$(sql "SELECT COUNT(*) $J")
R0=$(reads)
api GET "/api/v1/waitlist/runs/$RUN/results?limit=5" "$COORD"
expect "the booking list of run $RUN" 200
jqcheck "total is every patient of the run ($N)" ".total == $N"
jqcheck "five rows" '.items | length == 5'
jqcheck "the run and its as-of day are named" ".run == $RUN and .as_of == \"$ASOF\""
jqcheck "the seeded run says synthetic" '.synthetic == true'
jqcheck "booked rows come first, with hub name, session day and NHS number" \
    '.items[0].booked == true and (.items[0].site_name | length > 3) and (.items[0].session_date | test("^[0-9]{4}-")) and (.items[0].nhs_number | test("^[0-9]{10}$"))'
check "the read is audited once" [ "$(reads)" -eq $((R0 + 1)) ]
check "with who read it" [ "$(sql "SELECT actor FROM audit WHERE action = 'read.waitlist_results' ORDER BY id DESC LIMIT 1")" = ecm ]

# ---- filters
NB=$(sql "SELECT COUNT(*) $J AND r.site_code IS NOT NULL")
api GET "/api/v1/waitlist/runs/$RUN/results?booked=true&limit=1" "$COORD"
jqcheck "booked=true counts the booked ($NB)" ".total == $NB"
api GET "/api/v1/waitlist/runs/$RUN/results?booked=false&limit=200" "$COORD"
jqcheck "booked=false counts those left waiting ($((N - NB)))" ".total == $((N - NB))"
jqcheck "and none of them has a hub" '[.items[] | select(.booked or .site_code != null)] | length == 0'
HUB=$(sql "SELECT r.site_code $J AND r.site_code IS NOT NULL GROUP BY r.site_code ORDER BY COUNT(*) DESC, r.site_code LIMIT 1")
NH=$(sql "SELECT COUNT(*) $J AND r.site_code = '$HUB'")
api GET "/api/v1/waitlist/runs/$RUN/results?hub=$HUB&limit=1000" "$COORD"
jqcheck "hub=$HUB counts its bookings ($NH)" ".total == $NH"
jqcheck "every row is at $HUB" "[.items[] | select(.site_code != \"$HUB\")] | length == 0"
TFC=$(sql "SELECT e.tfc $J GROUP BY e.tfc ORDER BY COUNT(*) DESC, e.tfc LIMIT 1")
api GET "/api/v1/waitlist/runs/$RUN/results?tfc=$TFC&hub=$HUB&limit=1" "$COORD"
jqcheck "tfc=$TFC at $HUB counts both filters" ".total == $(sql "SELECT COUNT(*) $J AND r.site_code = '$HUB' AND e.tfc = $TFC")"
api GET "/api/v1/waitlist/runs/$RUN/results?trust=RQM&limit=1" "$COORD"
jqcheck "trust=RQM counts its patients" ".total == $(sql "SELECT COUNT(*) $J AND e.trust = 'RQM'")"

# ---- overdue P1/P2 (due = priority date + 3 or 28 days; overdue after it)
NO=$(sql "SELECT COUNT(*) $J AND $OVERDUE")
check "the seeded run has overdue urgent patients ($NO)" [ "$NO" -gt 0 ]
api GET "/api/v1/waitlist/runs/$RUN/results?overdue=true&limit=1000" "$COORD"
jqcheck "overdue=true counts them ($NO)" ".total == $NO"
jqcheck "each is P1 or P2 and flagged with its days overdue" \
    '[.items[] | select((.priority > 2) or (.overdue | not) or (.days_overdue < 1))] | length == 0'
ROW=$(jqb '[.items[] | select(.priority == 2)][0] | "\(.priority_date) \(.days_overdue) \(.due_date)"')
PD=${ROW%% *} REST=${ROW#* }
DAYS=$(((($(date -u -d "$ASOF" +%s) - $(date -u -d "$PD" +%s)) / 86400) - 28))
check "a P2's days overdue is as-of day - (priority date + 28) ($PD: $DAYS)" [ "${REST%% *}" = "$DAYS" ]
check "and its due date is priority date + 28" [ "${REST#* }" = "$(date -u -d "$PD + 28 days" +%F)" ]
api GET "/api/v1/waitlist/runs/$RUN/results?overdue=false&priority=2&limit=1" "$COORD"
expect "an unknown query parameter" 422
api GET "/api/v1/waitlist/runs/$RUN/results?overdue=false&limit=1000" "$COORD"
jqcheck "overdue=false is the rest ($((N - NO)))" ".total == $((N - NO)) and ([.items[] | select(.overdue)] | length == 0)"

api GET "/api/v1/waitlist/runs/$RUN" "$COORD"
expect "the run summary" 200
NO2=$(sql "SELECT COUNT(*) $J AND e.priority = 2 AND e.priority_date < '$CUT2'")
jqcheck "counts its overdue P2 patients ($NO2)" ".overdue.p2 == $NO2"
jqcheck "and how many of them it booked" ".overdue.p2_booked == $(sql "SELECT COUNT(*) $J AND e.priority = 2 AND e.priority_date < '$CUT2' AND r.site_code IS NOT NULL")"
jqcheck "with the rule in words" '.overdue.rule | test("28 days")'

api GET "/api/v1/waitlist/entries?priority=2&as_of=$ASOF&limit=1000" "$COORD"
expect "P2 entries" 200
NE=$(sql "SELECT COUNT(*) FROM waitlist_entries WHERE priority = 2 AND status IN ('waiting', 'booked') AND priority_date < '$CUT2'")
jqcheck "entries carry overdue and days_overdue" '.items[0] | has("overdue") and has("days_overdue")'
jqcheck "an overdue entry is P2 past priority date + 28 days" \
    "[.items[] | select(.overdue and (.priority_date >= \"$CUT2\"))] | length == 0"
jqcheck "and one not overdue is within it" \
    "[.items[] | select((.overdue | not) and (.priority_date < \"$CUT2\") and (.status == \"waiting\"))] | length == 0"
check "there are overdue P2 entries to show ($NE)" [ "$NE" -gt 0 ]

# ---- paging: by offset and by keyset give the same rows
api GET "/api/v1/waitlist/runs/$RUN/results?hub=$HUB&limit=40" "$COORD"
jq -r '.items[].entry_id' "$T/body" >"$T/all"
api GET "/api/v1/waitlist/runs/$RUN/results?hub=$HUB&limit=20" "$COORD"
jq -r '.items[].entry_id' "$T/body" >"$T/p1"
AFTER=$(jqb .next_after)
check "a full page names the next key ($AFTER)" [ "$AFTER" = "$(tail -n 1 "$T/p1")" ]
NEXT=$(jqb .next)
check "and the next page's URL, with the same filters ($NEXT)" \
    [ "$NEXT" = "/api/v1/waitlist/runs/$RUN/results?limit=20&hub=$HUB&after=$AFTER" ]
api GET "$NEXT" "$COORD"
expect "following next" 200
jq -r '.items[].entry_id' "$T/body" >"$T/n2"
check "gives the rows after the cursor" [ "$(sed -n 21,40p "$T/all")" = "$(cat "$T/n2")" ]
api GET "/api/v1/waitlist/runs/$RUN/results?hub=$HUB&limit=20&after=$AFTER" "$COORD"
expect "the page after it" 200
jq -r '.items[].entry_id' "$T/body" >>"$T/p1"
check "two keyset pages are the first 40 rows" cmp -s "$T/all" "$T/p1"
api GET "/api/v1/waitlist/runs/$RUN/results?hub=$HUB&limit=20&offset=20" "$COORD"
jq -r '.items[].entry_id' "$T/body" >"$T/o2"
check "and offset 20 is the same second page" [ "$(sed -n 21,40p "$T/all")" = "$(cat "$T/o2")" ]
api GET "/api/v1/waitlist/runs/$RUN/results?booked=false&limit=1000" "$COORD"
LAST=$(jqb '.items[-1].entry_id')
api GET "/api/v1/waitlist/runs/$RUN/results?after=$LAST&booked=true" "$COORD"
jqcheck "after the list's last row nothing follows" '.items | length == 0'
jqcheck "and a page that is not full has no next" '.next_after == null and (has("next") | not)'

# ---- CSV
api GET "/api/v1/waitlist/runs/$RUN/results?hub=$HUB&format=csv" "$COORD"
expect "the list as CSV" 200
check "served as text/csv ($CTYPE)" [ "$CTYPE" = "text/csv; charset=utf-8" ]
COLS="entry_id,trust,pathway_id,nhs_number,tfc,procedure,priority,priority_date,clock_start,place_code,booked,site_code,site_name,session_date,km,weeks,due_date,overdue,days_overdue,late,cost_travel,cost_away,cost_late,cost_unassigned,synthetic"
check "its header is the documented column list" [ "$(head -n 1 "$T/body" | tr -d '\r')" = "$COLS" ]
check "every $HUB booking is a row, not only a page ($NH)" [ "$(($(wc -l <"$T/body") - 1))" -eq "$NH" ]
check "rows end in CRLF" [ "$(head -n 2 "$T/body" | tail -n 1 | od -c | grep -c '\\r  \\n')" -eq 1 ]
check "each row has 25 cells" [ "$(tail -n +2 "$T/body" | tr -d '\r' | awk -F, '{ if ($1 !~ /^[0-9]+$/) bad++ } END { print bad + 0 }')" -eq 0 ]
check "the hub's rows name it" [ "$(tail -n +2 "$T/body" | grep -c ",$HUB,")" -eq "$NH" ]
curl -s -o "$T/body" -H "Authorization: Bearer $COORD" -H "Accept: text/csv" "$URL/api/v1/waitlist/runs/$RUN/results?overdue=true&limit=7"
check "Accept: text/csv gives CSV too, limit kept (7 rows)" [ "$(($(wc -l <"$T/body") - 1))" -eq 7 ]
check "overdue rows say true in the overdue column" [ "$(tail -n +2 "$T/body" | grep -c ',true,[0-9][0-9]*,')" -eq 7 ]

# ---- bad input: in words, every problem at once
api GET "/api/v1/waitlist/runs/999999/results" "$COORD"
expect "an unknown run" 404
api GET "/api/v1/waitlist/runs/abc/results" "$COORD"
expect "a run id that is not a number" 404
api GET "/api/v1/waitlist/runs/99999999999999999999999/results" "$COORD"
expect "a run id past 64 bits" 404
api GET "/api/v1/waitlist/runs/$RUN/results?tfc=abc&booked=maybe&overdue=1" "$COORD"
expect "three bad filters" 422
jqcheck "all three are named" '(.detail | test("tfc")) and (.detail | test("booked")) and (.detail | test("overdue"))'
jqcheck "each beside its field" '[.errors[].field] | sort == ["booked", "overdue", "tfc"]'
api GET "/api/v1/waitlist/runs/$RUN/results?hub=ZZZ99" "$COORD"
expect "an unknown hub" 422
jqcheck "says which" '.detail == "hub: unknown site code '"'ZZZ99'"'"'
api GET "/api/v1/waitlist/runs/$RUN/results?trust=XYZ" "$COORD"
expect "an unknown trust" 422
jqcheck "names it" '.detail == "trust: unknown trust code '"'XYZ'"'"'
jqcheck "as the trust field's problem" '.errors[0].field == "trust"'
api GET "/api/v1/waitlist/runs/$RUN/results?hub=%FF%FE" "$COORD"
STATUS_BAD=$STATUS
check "a non-UTF-8 hub is refused ($STATUS_BAD)" [ "$STATUS_BAD" = 400 -o "$STATUS_BAD" = 422 ]
api GET "/api/v1/waitlist/runs/$RUN/results?hub=%C3%A9%E2%82%AC" "$COORD"
expect "a multibyte hub" 422
api GET "/api/v1/waitlist/runs/$RUN/results?trust=$(printf 'R%.0s' $(seq 1 300))" "$COORD"
expect "a 300-character trust" 422
api GET "/api/v1/waitlist/runs/$RUN/results?tfc=1100" "$COORD"
expect "a 4-digit specialty" 422
api GET "/api/v1/waitlist/runs/$RUN/results?limit=100000000000000000000" "$COORD"
expect "a huge limit" 422
api GET "/api/v1/waitlist/runs/$RUN/results?after=5&offset=5" "$COORD"
expect "after and offset together" 422
api GET "/api/v1/waitlist/runs/$RUN/results?format=xml" "$COORD"
expect "an unknown format" 422

# ---- who may see it
api GET "/api/v1/waitlist/runs/$RUN/results?limit=1000" "$OPS"
expect "trust_ops reads its own trust's bookings" 200
jqcheck "only RAS patients" "([.items[] | select(.trust != \"RAS\")] | length == 0) and .total == $(sql "SELECT COUNT(*) $J AND e.trust = 'RAS'")"
api GET "/api/v1/waitlist/runs/$RUN/results?trust=RYJ&format=csv" "$OPS"
expect "trust_ops asking for another trust's CSV" 403
api GET "/api/v1/waitlist/runs/$RUN/results" "$ANA"
expect "an analyst (no NHS numbers)" 403
api GET "/api/v1/waitlist/runs/$RUN/results" ""
expect "no token" 401

# ---- the CLI: same list, same words
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --hub "$HUB" --limit 5 >"$T/b.txt" 2>&1
check "bookings prints its heading ($(head -n 1 "$T/b.txt"))" grep -q "^bookings of run $RUN as at $ASOF$" "$T/b.txt"
check "says the data are synthetic" grep -q "^SYNTHETIC: " "$T/b.txt"
check "five rows at $HUB" [ "$(grep -c " $HUB " "$T/b.txt")" -eq 5 ]
check "and how many of how many" grep -q "^5 of $NH shown (offset 0)$" "$T/b.txt"
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --overdue --booked yes --limit 3 >"$T/o.txt" 2>&1
check "overdue patients say so in words" [ "$(grep -c " OVERDUE P[12] by [0-9]* days" "$T/o.txt")" -eq 3 ]
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --booked no --limit 3 >"$T/w.txt" 2>&1
check "and those left waiting" [ "$(grep -c " not booked$" "$T/w.txt")" -eq 3 ]
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --specialty "$TFC" --trust RQM --format csv >"$T/c.csv" 2>&1
check "--format csv prints every row with the header" [ "$(($(wc -l <"$T/c.csv") - 1))" -eq "$(sql "SELECT COUNT(*) $J AND e.tfc = $TFC AND e.trust = 'RQM'")" ]
check "the CSV header is the API's" [ "$(head -n 1 "$T/c.csv" | tr -d '\r')" = "$COLS" ]
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --hub "$HUB" --limit 3 --format csv >"$T/l.csv" 2>&1
check "--format csv with --limit prints that many rows" [ "$(($(wc -l <"$T/l.csv") - 1))" -eq 3 ]
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --booked maybe >"$T/e5.txt" 2>&1
RC=$?
check "--booked maybe: exit 2 ($(head -n 1 "$T/e5.txt"))" [ "$RC" -eq 2 ]
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --booked yes --limit 2 --format json >"$T/j.json" 2>&1
check "--format json is the API's page" jq -e ".total == $NB and (.items | length == 2)" "$T/j.json" >/dev/null
"$BIN" waitlist bookings --db "$DB" >"$T/e1.txt" 2>&1
RC=$?
check "without --run: exit 2 ($(cat "$T/e1.txt" | head -n 1))" [ "$RC" -eq 2 ]
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --specialty abc >"$T/e2.txt" 2>&1
RC=$?
check "a bad specialty: exit 2" [ "$RC" -eq 2 ]
check "in one line naming it ($(cat "$T/e2.txt"))" [ "$(wc -l <"$T/e2.txt")" -eq 1 ]
"$BIN" waitlist bookings --db "$DB" --run "$RUN" --hub ZZZ99 >"$T/e3.txt" 2>&1
RC=$?
check "an unknown hub: exit 2" [ "$RC" -eq 2 ]
check "named ($(cat "$T/e3.txt"))" grep -q "unknown site code 'ZZZ99'" "$T/e3.txt"
"$BIN" waitlist bookings --db "$DB" --run 999999 >"$T/e4.txt" 2>&1
RC=$?
check "an unknown run fails ($RC: $(cat "$T/e4.txt"))" [ "$RC" -ne 0 ]
check "saying so" grep -q "no allocation run 999999" "$T/e4.txt"
finish
