#!/bin/sh
# t0500-waitlist.sh - the joint waiting list over real HTTP: the seeded
# synthetic PTL, role scoping (trust_ops sees its own trust), PTL and session
# imports with row-level errors and nothing written on failure, allocation
# runs with fingerprints and per-patient results, and the equity report.
. "$(dirname "$0")/lib.sh"
start_server
COORD=$(mktoken ecm coordinator QRV)
OPS=$(mktoken hillingdon trust_ops RAS)
ANA=$(mktoken analyst analyst QRV)
CLIN=$(mktoken clin clinician RRU)

# apicsv PATH TOKEN FILE: POST a CSV body
apicsv() {
    out=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' -X POST \
        -H "Authorization: Bearer $2" -H "Content-Type: text/csv" --data-binary "@$3" "$URL$1")
    STATUS=${out%% *} CTYPE=${out#* }
}

# --- the seeded list -------------------------------------------------------
api GET "/api/v1/waitlist/entries?limit=5" "$COORD"
expect "joint PTL for an elective care manager" 200
jqcheck "40000 synthetic entries across four trusts, longest wait first" \
    '.total == 40000 and (.items | length) == 5 and all(.items[]; .synthetic == true) and .items[0].weeks_waited >= .items[4].weeks_waited'
jqcheck "weeks waited follow (as_of - clock start) / 7" \
    '.items[0] as $e | (.as_of | strptime("%Y-%m-%d") | mktime) as $t | ($e.clock_start | strptime("%Y-%m-%d") | mktime) as $c | $e.weeks_waited == ((($t - $c) / 86400 / 7) | floor)'
api GET "/api/v1/waitlist/entries?priority=2&limit=3" "$COORD"
expect "P2 filter" 200
jqcheck "P2 entries carry a due date 28 days after their priority date" \
    'all(.items[]; .priority == 2 and ((.due_date | strptime("%Y-%m-%d") | mktime) - (.priority_date | strptime("%Y-%m-%d") | mktime)) == 28 * 86400)'

api GET "/api/v1/waitlist/entries?limit=1000" "$OPS"
expect "trust_ops sees the list" 200
jqcheck "only its own trust's entries" '.total > 0 and .total < 40000 and all(.items[]; .trust == "RAS")'
RYJ_ID=$(sql "SELECT id FROM waitlist_entries WHERE trust = 'RYJ' LIMIT 1")
RAS_ID=$(sql "SELECT id FROM waitlist_entries WHERE trust = 'RAS' LIMIT 1")
api GET "/api/v1/waitlist/entries?trust=RYJ" "$OPS"
expect "trust_ops asking for another trust" 403
api GET "/api/v1/waitlist/entries/$RYJ_ID" "$OPS"
expect "trust_ops reading another trust's entry (404: its existence is not theirs to know)" 404
jqcheck "worded as for an entry that does not exist" ".detail == \"no waiting-list entry $RYJ_ID\""
check "the refused read is not audited as a read" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'read.waitlist_entry' AND object_id = '$RYJ_ID'")" = 0 ]
api GET "/api/v1/waitlist/entries/$RAS_ID" "$OPS"
expect "trust_ops reading its own entry" 200
api GET "/api/v1/waitlist/entries/99999999" "$COORD"
expect "no such entry" 404
api GET "/api/v1/waitlist/entries" "$CLIN"
expect "clinician cannot see the PTL" 403
api GET "/api/v1/waitlist/entries?status=lost" "$COORD"
expect "unknown status" 422
api GET "/api/v1/waitlist/entries?colour=red" "$COORD"
expect "unknown query parameter" 422

api GET "/api/v1/waitlist/runs" "$ANA"
expect "runs for an analyst" 200
jqcheck "the seed's synthetic run is there with a SHA-256 fingerprint" \
    '(.items | length) == 1 and .items[0].synthetic == true and (.items[0].fingerprint | test("^[0-9a-f]{64}$")) and .items[0].assigned > 0'
api GET "/api/v1/waitlist/equity?run=1&by=trust" "$ANA"
expect "equity of the seeded run" 200
jqcheck "before and after by trust, booked patients leave the list" \
    '(.before | length) == 5 and (.after | length) == 5 and (.before[-1].group == "all") and .after[-1].count < .before[-1].count and .before[-1].count == 40000'
jqcheck "the long tail shrinks: p92 and 52-week waiters fall" \
    '.after[-1].p92_weeks < .before[-1].p92_weeks and .after[-1].over_52 < .before[-1].over_52'
api GET "/api/v1/waitlist/equity?by=imd" "$ANA"
expect "current equity by deprivation quintile" 200
jqcheck "five quintiles and all, no after without a run" \
    '(.before | map(.group)) == ["1","2","3","4","5","all"] and (has("after") | not) and .before[0].name == "Q1 (most deprived)"'
api GET "/api/v1/waitlist/equity?by=colour" "$ANA"
expect "equity by an unknown grouping" 422
api GET "/api/v1/waitlist/equity?run=abc" "$ANA"
expect "equity of a run that is not a number" 422
api GET "/api/v1/waitlist/equity?run=999" "$ANA"
expect "equity of a missing run" 404
api GET "/api/v1/waitlist/equity" "$OPS"
expect "trust_ops cannot read equity" 403

# --- imports -----------------------------------------------------------------
TODAY=$(date -u +%Y-%m-%d)
cat >"$T/ptl.csv" <<CSV
pathway_id,nhs_number,postcode,trust,tfc,procedure,priority,priority_date,clock_start,max_travel_km
T-1,9434765919,UB8 3NN,RAS,110,Primary total hip replacement,P3,2025-06-01,2025-05-01,30
T-2,4010232137,W2 1NY,RYJ,130,Cataract,2,$TODAY,2025-12-01,
T-3,9434765919,SW10 9NH,RQM,100,"Hernia repair, inguinal",P4,2025-01-10,2025-01-10,
CSV
A0=$(audit_count)
apicsv "/api/v1/waitlist/import?name=ptl.csv" "$COORD" "$T/ptl.csv"
expect "import a PTL spanning three trusts" 200
jqcheck "three new PTL rows" '.kind == "ptl" and .rows == 3 and .inserted == 3 and .updated == 0'
check "rows are in the database with borough from the postcode district" \
    [ "$(sql "SELECT place_code FROM waitlist_entries WHERE pathway_id = 'T-1'")" = "E09000017" ]
check "the quoted procedure survived" \
    [ "$(sql "SELECT procedure FROM waitlist_entries WHERE pathway_id = 'T-3'")" = "Hernia repair, inguinal" ]
check "the import was audited" [ "$(audit_count)" -eq $((A0 + 1)) ]
apicsv "/api/v1/waitlist/import?name=ptl.csv" "$COORD" "$T/ptl.csv"
expect "re-import of the same extract" 200
jqcheck "updates, no duplicates" '.inserted == 0 and .updated == 3'

cat >"$T/bad.csv" <<CSV
pathway_id,nhs_number,postcode,trust,tfc,priority,priority_date,clock_start
B-1,9434765918,UB8 3NN,RAS,110,P3,2025-06-01,2025-05-01
B-2,9434765919,UB8 3N,RAS,110,P9,2025-06-01,2025-05-01
B-3,9434765919,UB8 3NN,ZZZ,11,P3,2025-04-01,2025-05-01
B-4,9434765919,UB8 3NN,RAS,110,P3,2025-06-01,2099-05-01
CSV
N0=$(sql "SELECT COUNT(*) FROM waitlist_entries")
A0=$(audit_count)
apicsv "/api/v1/waitlist/import?name=bad.csv" "$COORD" "$T/bad.csv"
expect "PTL with bad rows" 422
jqcheck "every problem listed with file, line, column and reason" \
    '(.errors | length) >= 7 and all(.errors[]; .file == "bad.csv" and (.line | type) == "number" and (.reason | length) > 0) and any(.errors[]; .line == 2 and .column == "nhs_number") and any(.errors[]; .line == 3 and .column == "postcode") and any(.errors[]; .line == 3 and .column == "priority") and any(.errors[]; .line == 4 and .column == "trust") and any(.errors[]; .line == 4 and .column == "tfc") and any(.errors[]; .line == 4 and .column == "priority_date") and any(.errors[]; .line == 5 and .column == "clock_start")'
check "nothing written on a rejected import" [ "$(sql "SELECT COUNT(*) FROM waitlist_entries")" -eq "$N0" ]
check "no audit record for a rejected import" [ "$(audit_count)" -eq "$A0" ]
printf 'pathway_id,nhs_number,postcode,trust,tfc,priority,priority_date,clock_start,colour\nC-1,9434765919,UB8 3NN,RAS,110,P3,2025-06-01,2025-05-01,red\n' >"$T/col.csv"
apicsv "/api/v1/waitlist/import" "$COORD" "$T/col.csv"
expect "unknown column" 422
jqcheck "names the column" 'any(.errors[]; .column == "colour")'
printf 'a,b\n1,2,3\n' >"$T/ragged.csv"
apicsv "/api/v1/waitlist/import" "$COORD" "$T/ragged.csv"
expect "malformed CSV" 422
api POST "/api/v1/waitlist/import" "$COORD" '{"rows": []}'
expect "JSON instead of CSV" 415
apicsv "/api/v1/waitlist/import" "$OPS" "$T/ptl.csv"
expect "trust_ops cannot import" 403
apicsv "/api/v1/waitlist/import" "$ANA" "$T/ptl.csv"
expect "analyst cannot import" 403
check "still nothing written" [ "$(sql "SELECT COUNT(*) FROM waitlist_entries")" -eq "$N0" ]

printf 'site_code,tfc,date,slots\nRAS01,110,%s,7\n' "$TODAY" >"$T/sess.csv"
apicsv "/api/v1/waitlist/import?name=sess.csv" "$COORD" "$T/sess.csv"
expect "import a session list" 200
jqcheck "one session list" '.kind == "sessions" and .rows == 1'
check "slots set" [ "$(sql "SELECT slots FROM waitlist_sessions WHERE site_code = 'RAS01' AND tfc = 110 AND date = '$TODAY'")" = 7 ]
printf 'site_code,tfc,date,slots\nXXX99,110,%s,7\nRAS01,110,2026-02-30,-1\n' "$TODAY" >"$T/badsess.csv"
apicsv "/api/v1/waitlist/import" "$COORD" "$T/badsess.csv"
expect "bad session list" 422
jqcheck "site, date and slots errors" 'any(.errors[]; .column == "site_code") and any(.errors[]; .column == "date") and any(.errors[]; .column == "slots")'

# --- allocation runs ---------------------------------------------------------
R0=$(sql "SELECT COUNT(*) FROM waitlist_runs")
api POST /api/v1/waitlist/runs "$COORD" '{"colour": 1, "horizon_days": "x"}'
expect "unknown option and wrong type" 422
jqcheck "both problems reported" '(.detail | test("colour")) and (.detail | test("horizon_days"))'
api POST /api/v1/waitlist/runs "$COORD" '[1, 2]'
expect "options not an object" 400
api POST /api/v1/waitlist/runs "$COORD" '{"horizon_days": 28'
expect "malformed JSON" 400
api POST /api/v1/waitlist/runs "$COORD" '{"prio_base": [1, 2, 3]}'
expect "prio_base with three values" 422
api POST /api/v1/waitlist/runs "$ANA" '{}'
expect "analyst cannot allocate" 403
api POST /api/v1/waitlist/runs "$OPS" '{}'
expect "trust_ops cannot allocate" 403
check "no run stored by failed requests" [ "$(sql "SELECT COUNT(*) FROM waitlist_runs")" -eq "$R0" ]

api POST /api/v1/waitlist/runs "$COORD" '{"horizon_days": 28}'
expect "allocate over four weeks" 201
RUN=$(jqb .id)
FP=$(jqb .fingerprint)
jqcheck "run summary: costs add up, labelled synthetic because its input is" \
    '.patients == 40003 and .assigned > 0 and .assigned <= .slots and .objective == (.cost_travel + .cost_away + .cost_late + .cost_unassigned) and .params.horizon_days == 28 and .synthetic == true'
check "one result row per patient" [ "$(sql "SELECT COUNT(*) FROM waitlist_results WHERE run_id = $RUN")" -eq 40003 ]
check "stored cost components add up to the objective" \
    [ "$(sql "SELECT CASE WHEN ABS(SUM(cost_travel + cost_away + cost_late + cost_unassigned) - (SELECT objective FROM waitlist_runs WHERE id = $RUN)) < 1e-6 THEN 1 ELSE 0 END FROM waitlist_results WHERE run_id = $RUN")" = 1 ]
check "no session over its slots" \
    [ "$(sql "SELECT COUNT(*) FROM (SELECT r.site_code, p.tfc, r.session_date, COUNT(*) AS n FROM waitlist_results r JOIN waitlist_entries p ON p.id = r.entry_id WHERE r.run_id = $RUN AND r.site_code IS NOT NULL GROUP BY 1, 2, 3) b JOIN waitlist_sessions s ON s.site_code = b.site_code AND s.tfc = b.tfc AND s.date = b.session_date WHERE b.n > s.slots")" = 0 ]
check "the run was audited" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'waitlist.allocate' AND object_id = '$RUN'")" = 1 ]
api POST /api/v1/waitlist/runs "$COORD" '{"horizon_days": 28, "threads": 1, "aggregate": false}'
expect "the same run on one thread, patient by patient" 201
jqcheck "same input fingerprint and the same optimum" ".fingerprint == \"$FP\" and .objective == $(sql "SELECT objective FROM waitlist_runs WHERE id = $RUN")"

api GET "/api/v1/waitlist/runs/$RUN/results?limit=50" "$OPS"
expect "trust_ops reads its trust's results" 200
jqcheck "only RAS patients, with cost components" \
    '.total > 0 and all(.items[]; .trust == "RAS" and (.cost_travel | type) == "number")'
api GET "/api/v1/waitlist/runs/$RUN/results?trust=RYJ" "$OPS"
expect "trust_ops asking for another trust's results" 403
api GET "/api/v1/waitlist/runs/$RUN" "$ANA"
expect "analyst reads the run" 200
api GET "/api/v1/waitlist/runs/987654" "$ANA"
expect "missing run" 404
api GET "/api/v1/waitlist/equity?run=$RUN&by=place" "$COORD"
expect "equity by borough after the run" 200
jqcheck "eight boroughs, patients from outside NWL, and all; the median wait falls overall" \
    '(.before | length) == 10 and any(.before[]; .group == "unknown" and .name == "outside NWL or unknown" and .count > 0) and .after[-1].median_weeks <= .before[-1].median_weeks and .before[0].name != .before[0].group'

api GET "/api/v1/waitlist/sessions?limit=5" "$ANA"
expect "hub sessions" 200
jqcheck "sessions with slots" '.total > 0 and .total_slots > 0 and (.items | length) == 5'

# --- the application layer: one audit row and one event per write, events
# --- seen by the parties only, 403 before 422, the CLI audited as the API -----
ev() { sql "SELECT COUNT(*) FROM events"; }
A0=$(audit_count) E0=$(ev)
LAST=$(sql "SELECT COALESCE(MAX(id), 0) FROM events")
printf 'pathway_id,nhs_number,postcode,trust,tfc,priority,priority_date,clock_start\nE-1,9434765919,UB8 3NN,RAS,110,P3,2025-06-01,2025-05-01\n' >"$T/one.csv"
apicsv "/api/v1/waitlist/import?name=one.csv" "$COORD" "$T/one.csv"
expect "an import for the event checks" 200
check "the import wrote one audit row" [ "$(audit_count)" -eq $((A0 + 1)) ]
check "and one event" [ "$(ev)" -eq $((E0 + 1)) ]
check "both in the same transaction: a waitlist.imported event naming RAS" \
    [ "$(sql "SELECT type || orgs FROM events WHERE id > $LAST")" = "waitlist.imported,RAS," ]
api GET "/api/v1/events?after=$LAST" "$OPS"
expect "events for the party trust's user" 200
jqcheck "RAS trust_ops sees the import of RAS pathways" 'any(.items[]; .type == "waitlist.imported")'
api GET "/api/v1/events?after=$LAST" "$CLIN"
expect "events for an unrelated organisation's user" 200
jqcheck "an RRU clinician does not see it" 'all(.items[]; .type != "waitlist.imported")'
A0=$(audit_count) E0=$(ev)
apicsv "/api/v1/waitlist/import?name=bad.csv" "$COORD" "$T/bad.csv"
expect "a failed import" 422
check "a failed import writes no audit row" [ "$(audit_count)" -eq "$A0" ]
check "and no event" [ "$(ev)" -eq "$E0" ]
api POST /api/v1/waitlist/runs "$OPS" '{"colour": 1, "horizon_days": "x"}'
expect "a wrong role with a bad body: 403 before 422" 403
api POST /api/v1/waitlist/runs "$ANA" '[1]'
expect "a wrong role with a malformed body: 403 too" 403
A0=$(audit_count) E0=$(ev)
api POST /api/v1/waitlist/runs "$COORD" '{"horizon_days": 7, "tfc": 110}'
expect "a small allocation" 201
APIRUN=$(jqb .id)
check "an allocation writes one audit row" [ "$(audit_count)" -eq $((A0 + 1)) ]
check "and one waitlist.allocated event" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'waitlist.allocated' AND object_id = '$APIRUN'")" -eq 1 ]
check "and nothing else" [ "$(ev)" -eq $((E0 + 1)) ]
"$BIN" waitlist allocate --db "$DB" --horizon 7 --tfc 110 >"$T/cli.out" 2>&1; st=$?
check "the same allocation from the CLI" [ "$st" -eq 0 ]
CLIRUN=$(sql "SELECT MAX(id) FROM waitlist_runs")
check "the CLI's audit record has the API's action" \
    [ "$(sql "SELECT action FROM audit WHERE object_id = '$CLIRUN' AND object_type = 'waitlist_run'")" = "$(sql "SELECT action FROM audit WHERE object_id = '$APIRUN' AND object_type = 'waitlist_run'")" ]
check "made by the command line's user" \
    [ "$(sql "SELECT CASE WHEN actor LIKE 'cli:%' THEN 1 ELSE 0 END FROM audit WHERE object_id = '$CLIRUN' AND object_type = 'waitlist_run'")" = 1 ]
check "the same input gives the same fingerprint from either door" \
    [ "$(sql "SELECT COUNT(DISTINCT fingerprint) FROM waitlist_runs WHERE id IN ($APIRUN, $CLIRUN)")" = 1 ]
"$BIN" waitlist import --db "$DB" "$T/one.csv" >"$T/cli.out" 2>&1; st=$?
check "a CLI import" [ "$st" -eq 0 ]
check "audited with the API import's action and object type" \
    [ "$(sql "SELECT action || '/' || object_type FROM audit WHERE id = (SELECT MAX(id) FROM audit)")" = "waitlist.import/waitlist_import" ]

R0=$(sql "SELECT COUNT(*) FROM audit WHERE action = 'read.waitlist_entries'")
api GET "/api/v1/waitlist/entries?limit=2" "$OPS"
expect "a read of entries, which carry NHS numbers" 200
check "the read is audited" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'read.waitlist_entries'")" -eq $((R0 + 1)) ]
check "with who read it" [ "$(sql "SELECT actor FROM audit WHERE action = 'read.waitlist_entries' ORDER BY id DESC LIMIT 1")" = hillingdon ]
api GET "/api/v1/waitlist/entries/$RAS_ID" "$OPS"
check "reading one entry is audited with its id" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'read.waitlist_entry' AND object_id = '$RAS_ID'")" -ge 1 ]

api GET /api/v1/openapi.json ""
if [ "$STATUS" = 200 ]; then
    jqcheck "every waitlist route is in the OpenAPI document" \
        '.paths["/api/v1/waitlist/entries"].get and .paths["/api/v1/waitlist/entries/{id}"].get and .paths["/api/v1/waitlist/import"].post and .paths["/api/v1/waitlist/sessions"].get and .paths["/api/v1/waitlist/runs"].post and .paths["/api/v1/waitlist/runs"].get and .paths["/api/v1/waitlist/runs/{id}"].get and .paths["/api/v1/waitlist/runs/{id}/results"].get and .paths["/api/v1/waitlist/equity"].get'
fi
finish
