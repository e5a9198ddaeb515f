#!/bin/sh
# t0800-sim.sh - the bed review over real HTTP and from the command line:
# runs fitted from the database and given in the body, stored with their
# scenario and seed and audited; roles; every kind of bad input answered
# 4xx with nothing written; the chart; determinism; the CLI's exit codes.
. "$(dirname "$0")/lib.sh"
start_server
ANA=$(mktoken ana analyst)
COORD=$(mktoken coord coordinator RYX)
CLIN=$(mktoken clin clinician RRU)
OPS=$(mktoken ops trust_ops RYJ)
SMALL='"replications": 4, "run_days": 120, "warmup_days": 60'

runs() { sql "SELECT COUNT(*) FROM sim_runs"; }
audits() { sql "SELECT COUNT(*) FROM audit WHERE action = 'sim.run'"; }

check "a new database holds the seeded example review" [ "$(runs)" -ge 1 ]
check "the seeded review is labelled synthetic" [ "$(sql 'SELECT MIN(synthetic) FROM sim_runs')" = 1 ]

# --- a review fitted from the database --------------------------------------
r0=$(runs) a0=$(audits)
api POST /api/v1/sim/runs "$ANA" "{$SMALL}"
expect "analyst runs a review fitted from the database" 201
ID=$(jqb .id)
jqcheck "both policies reviewed, on the same patients" \
    '(.policies.borough.patients.mean == .policies.pooled.patients.mean) and .policies.borough.beds == .policies.pooled.beds'
jqcheck "fitted from the bed bureau or, without it, from unit sizes, and says which" \
    '(.source == "beds-history" or .source == "unit-sizes") and (.notes | length) > 0'
jqcheck "demand from unit sizes, or from synthetic history, is labelled synthetic" \
    '(.source == "unit-sizes" or ([.notes[] | test("history used is synthetic")] | any)) == .synthetic'
jqcheck "statistics carry 95% intervals" \
    '.policies.pooled.mean_wait | (.lo <= .mean and .mean <= .hi and .n == 4)'
jqcheck "beds needed found for both, pooling needs no more than borough" \
    '.policies.pooled.beds_needed.found and .policies.borough.beds_needed.found and .policies.pooled.beds_needed.total <= .policies.borough.beds_needed.total and .pooling_saves_beds >= 0'
jqcheck "beds needed per unit add up to the total" \
    '.policies.pooled.beds_needed | ([.units[].beds] | add) == .total'
jqcheck "the answer meets the target" \
    '.policies.pooled.beds_needed.p_over_target.mean < .target.probability'
jqcheck "an Erlang C sanity check comes with it" '.erlang_check.pooled_mmc_beds > 0'
jqcheck "the scenario used is returned with its seed" '.scenario_used.seed == .seed and (.scenario_used.units | length) > 0'
check "one run stored" [ "$(runs)" -eq $((r0 + 1)) ]
check "stored with its seed and replications" [ "$(sql "SELECT seed || '/' || replications FROM sim_runs WHERE id = $ID")" = "1/4" ]
check "the run is audited with its id" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'sim.run' AND object_id = '$ID' AND actor = 'ana'")" = 1 ]

api GET "/api/v1/sim/runs/$ID" "$ANA"
expect "read the run back" 200
jqcheck "with scenario, seed and result" \
    ".id == $ID and .seed == 1 and .replications == 4 and (.scenario.units | length) > 0 and .result.policies.pooled.beds_needed.found"
jqcheck "the stored scenario is the one simulated" '.scenario.run_days == 120 and .scenario.warmup_days == 60'
api GET "/api/v1/sim/runs" "$COORD"
expect "coordinator lists runs" 200
jqcheck "newest first" ".items[0].id == $ID and (.items | length) >= 2"
jqcheck "each says whether its demand is synthetic" 'all(.items[]; (.synthetic | type) == "boolean")'
api GET "/api/v1/sim/runs?limit=1" "$ANA"
expect "paged" 200
jqcheck "one item" '(.items | length) == 1'

# --- a scenario given in the body: deterministic, paired -----------------
SC=$(jq -c '.replications = 3 | .run_days = 150 | .warmup_days = 60' "$ROOT/data/sim_nwl_example.json")
api POST /api/v1/sim/runs "$COORD" "{\"scenario\": $SC, \"search\": false}"
expect "coordinator runs a given scenario" 201
jqcheck "source is the request, no search" '.source == "request" and (.policies.pooled | has("beds_needed") | not)'
jq -S .policies "$T/body" >"$T/first"
ID2=$(jqb .id)
api POST /api/v1/sim/runs "$ADMIN" "{\"scenario\": $SC, \"search\": false}"
expect "admin runs it again" 201
jq -S .policies "$T/body" >"$T/second"
check "same scenario and seed, same numbers" cmp -s "$T/first" "$T/second"
api POST /api/v1/sim/runs "$ADMIN" "{\"scenario\": $SC, \"search\": false, \"seed\": 99}"
expect "another seed" 201
jq -S .policies "$T/body" >"$T/third"
check "another seed, other numbers" sh -c "! cmp -s '$T/first' '$T/third'"
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $SC, \"policy\": \"borough\", \"search\": false}"
expect "one policy only" 201
jqcheck "only borough" '(.policies | keys) == ["borough"]'
jqcheck "a fixed warm-up says so and is the scenario's" '.warmup.rule == "fixed" and .warmup.days == 60 and (.warmup | has("mser5_days") | not)'

# --- the warm-up chosen from the data (MSER-5), never below the floor given ---
SCM=$(jq -c '.replications = 3 | .run_days = 150 | .warmup_days = 10 | .queue = "fifo" | .warmup = "mser5"' "$ROOT/data/sim_nwl_example.json")
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $SCM, \"search\": false}"
expect "a review with an MSER-5 warm-up" 201
jqcheck "MSER-5's choice is reported" '.warmup.rule == "mser5" and .warmup.mser5_days >= 0'
jqcheck "the warm-up used is the longer of MSER-5's and the floor" \
    '.warmup.days == ([.warmup.mser5_days, 10] | max) and .warmup_days == .warmup.days'
jqcheck "the scenario keeps its rule" '.scenario_used.warmup == "mser5" and .scenario_used.warmup_days == 10'
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $(echo "$SCM" | jq -c '.queue = "priority"'), \"search\": false}"
expect "MSER-5 with a priority queue is refused" 422
jqcheck "saying why" '.detail | test("warmup mser5 needs a fifo queue")'
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $(echo "$SCM" | jq -c '.warmup = "auto"'), \"search\": false}"
expect "an unknown warm-up rule is refused" 422
jqcheck "naming it" '.detail | test("warmup .auto. is not fixed or mser5")'

# --- one bed type ------------------------------------------------------------
api POST /api/v1/sim/runs "$ANA" "{$SMALL, \"bed_type\": \"rehabilitation\", \"search\": false}"
expect "rehabilitation units only" 201
jqcheck "six rehabilitation units" '(.scenario_used.units | length) == 6'

# --- replaying the bed bureau's referrals --------------------------------------
api POST /api/v1/sim/runs "$ANA" '{"replay": true, "replications": 3, "search": false}'
expect "replay the referrals instead of Poisson arrivals" 201
jqcheck "replayed from history (or, without any, says it fell back to Poisson)" \
    'if .source == "beds-history" then ((.scenario_used.arrivals | length) > 100 and any(.notes[]; test("arrivals replayed"))) else any(.notes[]; test("no bed bureau history to replay")) end'
api POST /api/v1/sim/runs "$ANA" '{"replay": "yes"}'
expect "replay must be true or false" 422

# --- chart ---------------------------------------------------------------------
api POST /api/v1/sim/runs "$ANA" "{$SMALL, \"chart\": true, \"policy\": \"both\"}"
expect "a review with its chart" 201
IDC=$(jqb .id)
api GET "/api/v1/sim/runs/$IDC" "$ANA"
jqcheck "the run points to its chart and does not inline it" \
    "(.chart == \"/api/v1/sim/runs/$IDC/chart\") and (.result | has(\"chart_svg\") | not)"
api GET "/api/v1/sim/runs/$IDC/chart" "$ANA"
expect "the chart" 200
check "served as SVG" [ "$CTYPE" = "image/svg+xml" ]
check "a borough panel" grep -q 'data-policy="borough"' "$T/body"
check "and a pooled panel" grep -q 'data-policy="pooled"' "$T/body"
api GET "/api/v1/sim/runs/$ID/chart" "$ANA"
expect "a run made without a chart" 404

# --- roles ---------------------------------------------------------------------
r0=$(runs) a0=$(audits)
api POST /api/v1/sim/runs "$CLIN" "{$SMALL}"
expect "clinician may not run reviews" 403
api POST /api/v1/sim/runs "$OPS" "{$SMALL}"
expect "trust ops may not run reviews" 403
api GET "/api/v1/sim/runs/$ID" "$CLIN"
expect "clinician may not read them" 403
api POST /api/v1/sim/runs "" "{$SMALL}"
expect "no token" 401

# --- bad input: 4xx, every problem named, nothing written ---------------------
api POST /api/v1/sim/runs "$ANA" '{"replications": 4,'
expect "malformed JSON" 400
api POST /api/v1/sim/runs "$ANA"
expect "no body" 400
api POST /api/v1/sim/runs "$ANA" '[1, 2]'
expect "an array, not an object" 400
api POST /api/v1/sim/runs "$ANA" '{"replicates": 4, "colour": "blue"}'
expect "unknown fields" 422
jqcheck "both named" '.detail | test("replicates") and test("colour")'
api POST /api/v1/sim/runs "$ANA" '{"replications": "ten", "search": "yes"}'
expect "wrong types" 422
jqcheck "both named" '.detail | test("replications") and test("search")'
api POST /api/v1/sim/runs "$ANA" '{"replications": 0}'
expect "zero replications" 422
api POST /api/v1/sim/runs "$ANA" '{"replications": 100000}'
expect "too many replications for one request" 422
BIG=$(jq -c '.places[0].arrivals_per_day = 900' "$ROOT/data/sim_nwl_example.json")
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $BIG, \"replications\": 200}"
expect "more work than one request may ask" 422
jqcheck "says how much and what to do" '.detail | test("icsflow sim")'
api POST /api/v1/sim/runs "$ANA" '{"run_days": 5, "warmup_days": -1}'
expect "run too short and negative warm-up" 422
jqcheck "both named" '.detail | test("run_days") and test("warmup_days")'
api POST /api/v1/sim/runs "$ANA" '{"target": {"probability": 1.5, "days": 2}}'
expect "bad target" 422
jqcheck "unknown target field and bad probability" '.detail | test("days") and test("probability")'
api POST /api/v1/sim/runs "$ANA" '{"policy": "regional", "queue": "lifo"}'
expect "unknown policy and queue" 422
jqcheck "both named" '.detail | test("policy") and test("queue")'
api POST /api/v1/sim/runs "$ANA" '{"bed_type": "nonsense"}'
expect "unknown bed type" 422
api POST /api/v1/sim/runs "$ANA" '{"days": 3}'
expect "history window too short" 422
api POST /api/v1/sim/runs "$ANA" "{\"days\": 30, \"scenario\": $SC}"
expect "fit and scenario both given" 422
api POST /api/v1/sim/runs "$ANA" "{\"replay\": true, \"scenario\": $SC}"
expect "replay and scenario both given" 422
BAD=$(jq -c '.units[0].places = ["E09999999"] | .units[1].beds = -3 | del(.los) | .colour = 1' "$ROOT/data/sim_nwl_example.json")
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $BAD}"
expect "a scenario with several faults" 422
jqcheck "every fault listed" \
    '.detail | test("E09999999|places\\[0\\]") and test("los") and test("colour") and test("beds")'
BOR=$(jq -c '.units[0].places = [] | .replications = 2 | .run_days = 60 | .warmup_days = 10' "$ROOT/data/sim_nwl_example.json")
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $BOR, \"policy\": \"borough\"}"
expect "borough asked for where a place has no commissioned unit" 422
check "no run stored by any failed request" [ "$(runs)" -eq "$r0" ]
check "and no audit record" [ "$(audits)" -eq "$a0" ]
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $BOR, \"search\": false}"
expect "both asked for: pooled only, with the reason" 201
jqcheck "borough dropped with a note" '((.policies | keys) == ["pooled"]) and any(.notes[]; test("borough policy not reviewed"))'

# --- the application layer: one audit row and one event per run, 403 before 422 ----
A0=$(sql "SELECT COUNT(*) FROM audit") E0=$(sql "SELECT COUNT(*) FROM events") LASTE=$(sql "SELECT COALESCE(MAX(id), 0) FROM events")
api POST /api/v1/sim/runs "$ANA" "{$SMALL, \"search\": false}"
expect "a run for the audit and event checks" 201
IDE=$(jqb .id)
check "one audit row" [ "$(sql "SELECT COUNT(*) FROM audit")" -eq $((A0 + 1)) ]
check "one event" [ "$(sql "SELECT COUNT(*) FROM events")" -eq $((E0 + 1)) ]
check "a sim.run event for that run" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'sim.run' AND object_id = '$IDE'")" = 1 ]
# An event is shown only to roles that may read its object through the REST
# API (issue 14): trust_ops cannot read bed-review runs (403 below), so the
# run's event is not in its feed; an analyst, who can, sees it.
api GET "/api/v1/events?after=$LASTE" "$OPS"
expect "events for a trust user" 200
jqcheck "a sim.run is not shown to a role that may not read runs" 'all(.items[]; .type != "sim.run")'
api GET "/api/v1/sim/runs/$IDE" "$OPS"
expect "that role is refused the run itself" 403
api GET "/api/v1/events?after=$LASTE" "$ANA"
expect "events for an analyst" 200
jqcheck "the ICS-wide sim.run is shown to the analyst" 'any(.items[]; .type == "sim.run" and .object_id == "'"$IDE"'")'
api POST /api/v1/sim/runs "$CLIN" '{"replicates": 4, "colour": "blue"}'
expect "a wrong role with a bad body: 403 before 422" 403

api GET /api/v1/sim/runs/999999 "$ANA"
expect "no such run" 404
api GET /api/v1/sim/runs/abc "$ANA"
expect "not a run id" 404
api GET "/api/v1/sim/runs?limit=0" "$ANA"
expect "bad limit" 422
api GET "/api/v1/sim/runs?colour=red" "$ANA"
expect "unknown query parameter" 422

# --- the command line ----------------------------------------------------------
"$BIN" sim --help >"$T/out" 2>&1
check "sim --help exits 0 with usage" grep -q "^usage: icsflow sim" "$T/out"
"$BIN" sim erlang --help >"$T/out" 2>&1
check "sim erlang --help" grep -q "^usage: icsflow sim erlang" "$T/out"
"$BIN" sim fit --help >"$T/out" 2>&1
check "sim fit --help" grep -q "^usage: icsflow sim fit" "$T/out"
"$BIN" sim >"$T/out" 2>&1; st=$?
check "no scenario: exit 2 (exit $st)" [ $st -eq 2 ]
check "no scenario: one line" [ "$(wc -l <"$T/out")" -eq 1 ]
"$BIN" sim "$ROOT/data/sim_nwl_example.json" --reps zero >"$T/out" 2>&1; st=$?
check "bad --reps: exit 2 (exit $st)" [ $st -eq 2 ]
check "bad --reps: one line" [ "$(wc -l <"$T/out")" -eq 1 ]
"$BIN" sim "$ROOT/data/sim_nwl_example.json" --policy regional >"$T/out" 2>&1; st=$?
check "bad --policy: exit 2" [ $st -eq 2 ]
printf '{"places": [' >"$T/broken.json"
"$BIN" sim "$T/broken.json" >"$T/out" 2>&1; st=$?
check "malformed scenario file: exit 2 (exit $st)" [ $st -eq 2 ]
check "malformed scenario file: the message names the line" grep -q "broken.json:1:" "$T/out"
echo "$BAD" >"$T/bad.json"
"$BIN" sim "$T/bad.json" >"$T/out" 2>&1; st=$?
check "invalid scenario file: exit 2 (exit $st)" [ $st -eq 2 ]
check "invalid scenario file: one line" [ "$(wc -l <"$T/out")" -eq 1 ]
"$BIN" sim "$ROOT/data/sim_nwl_example.json" --reps 3 --days 120 --threads 2 --format json \
    --out "$T/r2.json" --svg "$T/chart.svg" --points 4 --quiet >"$T/out" 2>&1
check "CLI review writes JSON" sh -c "jq -e '.policies.pooled.beds_needed.found and .policies.borough.beds_needed.found' '$T/r2.json' >/dev/null"
check "and the chart" grep -q "<svg" "$T/chart.svg"
check "and prints the summary" grep -q "beds needed, by demand" "$T/out"
"$BIN" sim "$ROOT/data/sim_nwl_example.json" --reps 3 --days 120 --threads 1 --format json \
    --out "$T/r1.json" --quiet >/dev/null 2>&1
check "one thread or two: identical results" sh -c "jq -S .policies '$T/r1.json' > '$T/a'; jq -S .policies '$T/r2.json' > '$T/b'; cmp -s '$T/a' '$T/b'"
"$BIN" sim "$ROOT/data/sim_nwl_example.json" --reps 3 --days 120 --no-search --out "$T/r.csv" --quiet >/dev/null 2>&1
check "CSV output" grep -q "^pooled,system,,mean_wait," "$T/r.csv"
"$BIN" sim erlang --arrivals 2 --los 5 --beds 12 >"$T/out" 2>&1
check "Erlang C for M/M/12 at 10 erlangs is 0.449388" grep -q "P(wait > 0) *0.449388" "$T/out"
"$BIN" sim erlang --arrivals 2 --los -5 >"$T/out" 2>&1; st=$?
check "sim erlang rejects a negative stay" [ $st -eq 2 ]
finish
