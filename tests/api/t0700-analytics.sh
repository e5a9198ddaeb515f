#!/bin/sh
# t0700-analytics.sh - population analytics over real HTTP: the seeded
# synthetic NEL dataset, rates with limits, funnel JSON and SVG, the
# variation report, needs-based allocation; analyst/admin writes audited;
# bad input refused with nothing written; other roles 403 on writes.
. "$(dirname "$0")/lib.sh"
start_server
ANA=$(mktoken ana analyst QRV)
CLIN=$(mktoken clin clinician RRU)
COORD=$(mktoken coord coordinator RYX)

# ---- reads, open to every authenticated role --------------------------------
api GET /api/v1/analytics/datasets ""
expect "no token" 401
api GET /api/v1/analytics/datasets "$CLIN"
expect "datasets for a clinician" 200
jqcheck "the seeded dataset is synthetic and covers the eight boroughs" \
    '.items[] | select(.dataset == "nel_synthetic") | .synthetic == true and .areas == 8 and .events > 100000'
check "304 synthetic count rows stored" \
    [ "$(sql "SELECT COUNT(*) FROM analytics_counts WHERE dataset = 'nel_synthetic'")" = 304 ]

api GET "/api/v1/analytics/rates" "$CLIN"
expect "DSRs by default" 200
jqcheck "eight boroughs, each with ordered 95% and 99.8% limits" \
    '(.items | length) == 8 and all(.items[]; .lower998 < .lower95 and .lower95 < .value and .value < .upper95 and .upper95 < .upper998)'
jqcheck "Dobson method, ICS total with limits" '.items[0].method == "Dobson" and .total.value > 0 and .total.lower95 < .total.value'
events=$(sql "SELECT SUM(count) FROM analytics_counts WHERE dataset = 'nel_synthetic'")
check "total events match the stored counts ($events)" [ "$(jqb .total.observed)" = "$events" ]
jqcheck "every area has a funnel flag" \
    'all(.items[]; .flag | IN("not-significant","high-95","high-99.8","low-95","low-99.8"))'
api GET "/api/v1/analytics/rates?statistic=isr" "$COORD"
expect "indirectly standardised ratios" 200
jqcheck "the ICS as its own reference is exactly 100" '(.total.value - 100 | fabs) < 1e-9'
jqcheck "ISR denominators are expected events summing to the observed total" \
    '(([.items[].denominator] | add) - .total.observed | fabs) < 1e-6'
api GET "/api/v1/analytics/rates?statistic=crude" "$CLIN"
expect "crude rates" 200
jqcheck "crude rate = events / population x 100,000" \
    'all(.items[]; ((.observed / .denominator * 100000) - .value | fabs) < 1e-6)'
api GET "/api/v1/analytics/rates?statistic=median" "$CLIN"
expect "unknown statistic" 422
api GET "/api/v1/analytics/rates?colour=red" "$CLIN"
expect "unknown query parameter" 422
api GET "/api/v1/analytics/rates?dataset=nope" "$CLIN"
expect "unknown dataset" 404

api GET "/api/v1/analytics/funnel" "$CLIN"
expect "funnel JSON" 200
jqcheck "eight points and four limit curves around the baseline" \
    '(.funnel.points | length) == 8 and (.funnel.limits | keys) == ["lower95","lower998","upper95","upper998"] and (.funnel.limits.upper998 | length) > 50 and .funnel.baseline > 0'
jqcheck "99.8% limits outside 95% at the same x" \
    '[.funnel.limits.upper998[-1][1], .funnel.limits.upper95[-1][1]] as [$a, $b] | $a > $b'
api GET "/api/v1/analytics/funnel?format=svg&statistic=isr" "$CLIN"
expect "funnel SVG" 200
check "served as image/svg+xml ($CTYPE)" [ "$CTYPE" = "image/svg+xml" ]
check "the SVG names boroughs, both limits and says synthetic" \
    sh -c "grep -q 'Brent' '$T/body' && grep -q '99.8% limits' '$T/body' && grep -q '95% limits' '$T/body' && grep -q 'SYNTHETIC' '$T/body' && grep -q '</svg>' '$T/body'"
api GET "/api/v1/analytics/funnel?format=png" "$CLIN"
expect "unknown format" 422

# a funnel for any indicator, from posted points (computes, writes nothing)
before=$(audit_count)
pts='{"statistic": "proportion", "multiplier": 100, "points": [{"name": "A", "numerator": 330, "denominator": 1000}, {"name": "B", "numerator": 335, "denominator": 1000}, {"name": "C", "numerator": 325, "denominator": 1000}, {"name": "D", "numerator": 420, "denominator": 1000}]}'
api POST /api/v1/analytics/funnel "$CLIN" "$pts"
expect "a proportion funnel from posted points" 200
jqcheck "baseline 35.25%, D special-cause high, A within" \
    '(.baseline - 35.25 | fabs) < 1e-9 and (.points[] | select(.name == "D") | .flag) == "high-99.8" and (.points[] | select(.name == "A") | .flag) == "not-significant"'
jqcheck "axis from 900 to 1100 as Fingertips rounds it" '.xmin == 900 and .xmax == 1100'
api POST "/api/v1/analytics/funnel?format=svg" "$CLIN" "$(echo "$pts" | jq -c '.title = "Test <indicator>"')"
expect "the same as SVG" 200
check "title escaped in the SVG" grep -q "Test &lt;indicator&gt;" "$T/body"
api POST /api/v1/analytics/funnel "$CLIN" '{"statistic": "proportion", "points": [{"name": "A", "numerator": 5, "denominator": 2}]}'
expect "a numerator above its denominator" 422
jqcheck "names the area" '.detail | test("area .A.")'
api POST /api/v1/analytics/funnel "$CLIN" '{"statistic": "ratio", "points": [{"name": 3, "numerator": "x"}, {"numerator": 1, "size": 2}]}'
expect "wrong types, missing and unknown fields in points" 422
jqcheck "every point's problems are listed" \
    '.detail | test("points\\[0\\]") and test("points\\[1\\]") and test("size")'
api POST /api/v1/analytics/funnel "$CLIN" '{"statistic": "median", "points": [{"name": "A", "numerator": 1, "denominator": 2}]}'
expect "unknown statistic" 422
api POST /api/v1/analytics/funnel "$CLIN" '{"statistic": "rate", "points": []}'
expect "no points" 422
check "posting funnels writes nothing" [ "$(audit_count)" -eq "$before" ]

api GET "/api/v1/analytics/variation" "$CLIN"
expect "variation report" 200
jqcheck "DSR and ISR for the eight boroughs, labelled synthetic" \
    '.synthetic == true and (.dsr.items | length) == 8 and (.isr.items | length) == 8'
jqcheck "length of stay part present (data or the reason it is missing)" \
    '.los.available == true or (.los.reason | length) > 0'

api GET "/api/v1/analytics/allocation" "$CLIN"
expect "allocation with the default scenario" 200
jqcheck "target shares sum to 1 and targets to the current total" \
    '(([.places[].target_share] | add) - 1 | fabs) < 1e-12 and (([.places[].target] | add) - .total_current | fabs) < 1e-6'
jqcheck "five years of path within the floor and cap, spending the budget" \
    '.years == 5 and all(.places[]; (.path | length) == 6 and all(.path[1:][]; .growth >= 0.01 - 1e-9 and .growth <= 0.06 + 1e-9)) and ((([.places[].path[5].allocation] | add) - .budget[5]) | fabs) < 1e-3'
jqcheck "the inner boroughs start over target and move toward it" \
    '.places[] | select(.place_code == "E09000020") | .distance > 0 and .path[5].distance < .distance'
api GET "/api/v1/analytics/allocation?floor=0.05&growth=0.03" "$CLIN"
expect "a floor the budget cannot pay" 422
jqcheck "says why" '.detail | test("floor")'
api GET "/api/v1/analytics/allocation?years=abc&pace=2" "$CLIN"
expect "bad scenario values" 422
jqcheck "names both parameters" '.detail | test("years") and test("pace")'
api GET "/api/v1/analytics/allocation?format=svg&years=3" "$CLIN"
expect "allocation chart" 200
check "chart is SVG naming Westminster" sh -c "grep -q '<svg' '$T/body' && grep -q 'Westminster' '$T/body'"
api GET "/api/v1/analytics/allocation/weights" "$CLIN"
expect "weights" 200
jqcheck "38 cost weights in age order and 5 need weights, labelled" \
    '(.cost | length) == 38 and .cost[0].age_band == "0-4" and (.need | length) == 5 and (.source | test("illustrative"))'
cp "$T/body" "$T/weights.json"

# ---- writes: analysts and admins only, audited ------------------------------
rows() { # AREA [SKIP_BAND] -> 38 rows of count 25
    jq -nc --arg a "$1" --arg skip "${2:-}" '[("M","F") as $s | ("0-4","5-9","10-14","15-19","20-24","25-29","30-34","35-39","40-44","45-49","50-54","55-59","60-64","65-69","70-74","75-79","80-84","85-89","90+") as $b | select(($s + $b) != $skip) | {area_code: $a, sex: $s, age_band: $b, count: 25}]'
}
body=$(jq -nc --argjson r "$(rows E09000017)" '{dataset: "falls_2024", description: "falls admissions", period: "2024-25", rows: $r}')
before=$(audit_count)
api POST /api/v1/analytics/datasets "$CLIN" "$body"
expect "a clinician may not load datasets" 403
api POST /api/v1/analytics/datasets "$COORD" "$body"
expect "a coordinator may not load datasets" 403
check "no audit record for refused writes" [ "$(audit_count)" -eq "$before" ]
api POST /api/v1/analytics/datasets "$ANA" "$body"
expect "an analyst loads a dataset" 201
jqcheck "one area, 38 x 25 events, not synthetic" '.areas == 1 and .events == 950 and .synthetic == false and .created_by == "ana"'
check "38 rows stored" [ "$(sql "SELECT COUNT(*) FROM analytics_counts WHERE dataset = 'falls_2024'")" = 38 ]
check "audited as analytics.dataset.create by ana" \
    [ "$(sql "SELECT actor || ':' || object_id FROM audit WHERE action = 'analytics.dataset.create'")" = "ana:falls_2024" ]
api POST /api/v1/analytics/datasets "$ANA" "$body"
expect "loading the same dataset twice" 409
api GET "/api/v1/analytics/rates?dataset=falls_2024" "$CLIN"
expect "rates for the new dataset" 200
jqcheck "one area with a DSR" '(.items | length) == 1 and .items[0].area_code == "E09000017" and .items[0].value > 0'

# bad datasets: 4xx, every problem named, nothing written
before=$(audit_count)
nrows=$(sql "SELECT COUNT(*) FROM analytics_counts")
api POST /api/v1/analytics/datasets "$ANA" '{"dataset": "x", "rows": ['
expect "malformed JSON" 400
api POST /api/v1/analytics/datasets "$ANA" '{"dataset": "bad1", "rows": [{"area_code": "E09000099", "sex": "M", "age_band": "0-4", "count": 1}, {"area_code": "E09000017", "sex": "X", "age_band": "0-4", "count": 1}, {"area_code": "E09000017", "sex": "M", "age_band": "0-4", "count": -3}, {"area_code": "E09000017", "sex": "M", "age_band": "5-9", "count": "7"}]}'
expect "unknown area, bad sex, negative and string counts" 422
jqcheck "every row's problem is named" \
    '.detail | test("rows\\[0\\]: unknown area .E09000099.") and test("rows\\[1\\]: sex .X.") and test("rows\\[2\\]: -3 is negative") and test("rows\\[3\\]: field .count. must be an integer")'
api POST /api/v1/analytics/datasets "$ANA" "$(jq -nc --argjson r "$(rows E09000017 F90+)" '{dataset: "bad2", rows: $r}')"
expect "a missing age band" 422
jqcheck "names the area, sex and band" '.detail | test("E09000017") and test("sex F, age band 90\\+")'
api POST /api/v1/analytics/datasets "$ANA" '{"dataset": "bad3", "rows": [], "colour": "red"}'
expect "unknown field" 422
jqcheck "names it" '.detail | test("colour")'
api POST /api/v1/analytics/datasets "$ANA" '{"dataset": "bad4", "rows": [], "csv": "a"}'
expect "both rows and csv" 422
api POST /api/v1/analytics/datasets "$ANA" "$(jq -nc --argjson r "$(rows E09000017)" '{dataset: "Bad Name", rows: $r}')"
expect "a dataset name with spaces" 422
api POST /api/v1/analytics/datasets "$ANA" '{"dataset": 5}'
expect "dataset of the wrong type" 422
api POST /api/v1/analytics/datasets "$ANA" '{"dataset": "bad5", "csv": "area_code,sex,age_band,count\nE09000017,M,0-4,2.5\n"}'
expect "a fractional count in CSV" 422
jqcheck "names the line" '.detail | test("line 2")'
check "nothing written by the bad requests" [ "$(audit_count)" -eq "$before" ]
check "no count rows added" [ "$(sql "SELECT COUNT(*) FROM analytics_counts")" = "$nrows" ]
check "no bad dataset stored" [ "$(sql "SELECT COUNT(*) FROM analytics_datasets WHERE dataset LIKE 'bad%'")" = 0 ]

csv=$(jq -rn '"area_code,sex,age_band,count\n" + ([("M","F") as $s | ("0-4","5-9","10-14","15-19","20-24","25-29","30-34","35-39","40-44","45-49","50-54","55-59","60-64","65-69","70-74","75-79","80-84","85-89","90+") as $b | "E09000005,\($s),\($b),3"] | join("\n"))')
api POST /api/v1/analytics/datasets "$ANA" "$(jq -nc --arg c "$csv" '{dataset: "csv_upload", csv: $c}')"
expect "a dataset as CSV text" 201
jqcheck "114 events in Brent" '.events == 114 and .areas == 1'

api DELETE /api/v1/analytics/datasets/csv_upload "$CLIN"
expect "a clinician may not delete" 403
api DELETE /api/v1/analytics/datasets/csv_upload "$ADMIN"
expect "admin deletes a dataset" 200
check "its rows are gone" [ "$(sql "SELECT COUNT(*) FROM analytics_counts WHERE dataset = 'csv_upload'")" = 0 ]
check "the delete is audited with the dataset as it was" \
    [ "$(sql "SELECT json_extract(before_json, '$.events') FROM audit WHERE action = 'analytics.dataset.delete'")" = 114 ]
api DELETE /api/v1/analytics/datasets/csv_upload "$ADMIN"
expect "deleting it again" 404

# current allocation and weights
cur=$(sql "SELECT COUNT(*) FROM allocation_current")
items=$(sql "SELECT place_code || ' ' || amount FROM allocation_current" |
    jq -Rnc '[inputs | split(" ") | {place_code: .[0], amount: (.[1] | tonumber)}]')
api PUT /api/v1/analytics/allocation/current "$CLIN" "{\"items\": $items}"
expect "a clinician may not set spend" 403
before=$(audit_count)
api PUT /api/v1/analytics/allocation/current "$ANA" "{\"items\": $(echo "$items" | jq -c '.[1:]')}"
expect "a place left out" 422
jqcheck "names the missing place" '.detail | test("no amount for place")'
api PUT /api/v1/analytics/allocation/current "$ANA" '{"items": [{"place_code": "E09000099", "amount": 5}, {"place_code": "E09000005", "amount": -1}]}'
expect "unknown place and negative amount" 422
jqcheck "both problems named" '.detail | test("E09000099") and test("amount must be >= 0")'
check "nothing written" [ "$(audit_count)" -eq "$before" ]
api PUT /api/v1/analytics/allocation/current "$ANA" "{\"items\": $(echo "$items" | jq -c 'map(.amount = 1000)')}"
expect "an analyst sets equal spend" 200
check "stored" [ "$(sql "SELECT COUNT(*) FROM allocation_current WHERE amount = 1000")" = "$cur" ]
check "audited with before and after" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'analytics.current.replace' AND before_json IS NOT NULL AND after_json IS NOT NULL")" = 1 ]
api GET "/api/v1/analytics/allocation?years=0" "$CLIN"
expect "allocation after the change" 200
jqcheck "equal spend: Kensington and Chelsea (smallest need) is furthest over target" \
    '(.places | max_by(.distance) | .place_code) == "E09000020"'

w=$(jq -c '{cost: .cost, need: .need, source: "local test weights"} | .need[0].weight = 1.3' "$T/weights.json")
api PUT /api/v1/analytics/allocation/weights "$COORD" "$w"
expect "a coordinator may not change weights" 403
api PUT /api/v1/analytics/allocation/weights "$ANA" "$(echo "$w" | jq -c '.cost = .cost[1:]')"
expect "a cost weight missing" 422
jqcheck "names it" '.detail | test("sex M, age band 0-4")'
api PUT /api/v1/analytics/allocation/weights "$ANA" "$(echo "$w" | jq -c '.need[2].weight = 0')"
expect "a zero need weight" 422
api PUT /api/v1/analytics/allocation/weights "$ANA" "$w"
expect "an analyst replaces the weights" 200
jqcheck "new need weight and source" '.need[0].weight == 1.3 and .source == "local test weights"'
check "stored" [ "$(sql "SELECT weight FROM allocation_need_weights WHERE imd_quintile = 1")" = 1.3 ]

# saved runs
api POST /api/v1/analytics/allocation/runs "$CLIN" '{}'
expect "a clinician may not save runs" 403
api POST /api/v1/analytics/allocation/runs "$ANA" '{"years": 2.5}'
expect "fractional years" 422
api POST /api/v1/analytics/allocation/runs "$ANA" '{"pace": 2, "label": "x"}'
expect "pace above 1" 422
api POST /api/v1/analytics/allocation/runs "$ANA" '{"years": 3, "pace": 0.5, "label": "board option B"}'
expect "an analyst saves a run" 201
jqcheck "run has its parameters and a 3-year result" '.id > 0 and .params.label == "board option B" and .result.years == 3'
api GET /api/v1/analytics/allocation/runs "$CLIN"
expect "runs list" 200
jqcheck "one run, newest first, with its parameters" '.total == 1 and .items[0].params.pace == 0.5'
check "run audited" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'analytics.allocation.run'")" = 1 ]

# the command line on the same database (server still running: WAL allows it)
"$BIN" analyse rates --db "$DB" --format csv >"$T/out" 2>&1
check "analyse rates --format csv: header and eight boroughs" \
    [ "$(head -n 1 "$T/out" | cut -d, -f1-5)" = "area_code,name,observed,denominator,value" -a "$(wc -l <"$T/out")" -eq 9 ]
"$BIN" analyse funnel --db "$DB" --svg "$T/f.svg" >"$T/out" 2>&1
check "analyse funnel --svg writes a chart" grep -q "99.8% limits" "$T/f.svg"
"$BIN" analyse rates --db "$DB" --statistic nope >"$T/out" 2>&1; st=$?
check "bad --statistic exits 2 with one line" [ $st -eq 2 -a "$(wc -l <"$T/out")" -eq 1 ]
"$BIN" analyse frobnicate >"$T/out" 2>&1; st=$?
check "unknown analyse command exits 2" [ $st -eq 2 ]
for c in rates funnel variation allocation import; do
    "$BIN" analyse $c --help >"$T/out" 2>&1
    check "analyse $c --help" grep -q "^usage: icsflow analyse $c" "$T/out"
done
printf 'area_code,sex,age_band,count\nE09000005,M,0-4,1\nE09000005,M,0-4,-2\n' >"$T/bad.csv"
"$BIN" analyse import --db "$DB" --counts "$T/bad.csv" --dataset clibad >"$T/out" 2>&1; st=$?
check "import of a negative count exits 2 (exit $st)" [ $st -eq 2 ]
check "import of a negative count: the message names line 3" grep -q "line 3" "$T/out"
check "nothing imported" [ "$(sql "SELECT COUNT(*) FROM analytics_datasets WHERE dataset = 'clibad'")" = 0 ]

# events in an age band nobody lives in: refused for every statistic, naming the band
sql "UPDATE place_population SET population = 0 WHERE place_code = 'E09000017' AND sex = 'F' AND age_band = '90+'"
for stat in dsr crude isr; do
    api GET "/api/v1/analytics/rates?dataset=falls_2024&statistic=$stat" "$ANA"
    expect "$stat with events in a band of zero population" 422
    jqcheck "the $stat problem names the area, sex and band" \
        '.detail | test("E09000017") and test("female 90\\+ age band")'
    "$BIN" analyse rates --db "$DB" --dataset falls_2024 --statistic $stat >"$T/out" 2>&1; st=$?
    check "analyse rates --statistic $stat refuses it too (exit $st)" [ $st -eq 2 ]
    check "and names the band" grep -q "female 90+ age band" "$T/out"
done
finish
