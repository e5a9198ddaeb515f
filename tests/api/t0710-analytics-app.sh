#!/bin/sh
# t0710-analytics-app.sh - analytics through the application layer: each
# write (dataset load and delete, weights, current spend, allocation run)
# writes exactly one audit row and one change event, a failed write
# neither; the events are ICS-wide (every user of the ICS sees them); the
# role is refused before the body is read (403 before 422); the command
# line writes the same audit action as the API.
. "$(dirname "$0")/lib.sh"
start_server
ANA=$(mktoken ana analyst QRV)
CLIN=$(mktoken clin clinician RRU)
events() { sql "SELECT COUNT(*) FROM events"; }
last_event() { sql "SELECT type || ' ' || object_type || ' ' || COALESCE(object_id, '') || ' ' || COALESCE(orgs, 'ics-wide') FROM events ORDER BY id DESC LIMIT 1"; }
last_audit() { sql "SELECT action || ' ' || object_type || ' ' || COALESCE(object_id, '') FROM audit ORDER BY id DESC LIMIT 1"; }
rows() { # AREA -> 38 rows of count 25
    jq -nc --arg a "$1" '[("M","F") as $s | ("0-4","5-9","10-14","15-19","20-24","25-29","30-34","35-39","40-44","45-49","50-54","55-59","60-64","65-69","70-74","75-79","80-84","85-89","90+") as $b | {area_code: $a, sex: $s, age_band: $b, count: 25}]'
}
N0=$(sql "SELECT COALESCE(MAX(id), 0) FROM events")

# ---- (a) one audit row and one event per write; none for a failed one ------
a=$(audit_count) e=$(events)
api POST /api/v1/analytics/datasets "$ANA" "$(jq -nc --argjson r "$(rows E09000017)" '{dataset: "falls_2024", period: "2024-25", rows: $r}')"
expect "an analyst loads a dataset" 201
check "dataset: one audit row" [ "$(audit_count)" -eq $((a + 1)) ]
check "dataset: one event" [ "$(events)" -eq $((e + 1)) ]
check "dataset: analytics.imported, ICS-wide" [ "$(last_event)" = "analytics.imported analytics_dataset falls_2024 ics-wide" ]
check "dataset: audited as analytics.dataset.create" [ "$(last_audit)" = "analytics.dataset.create analytics_dataset falls_2024" ]
check "dataset: the event says what was imported" \
    [ "$(sql "SELECT json_extract(payload_json, '$.what') || ' ' || json_extract(payload_json, '$.events') FROM events ORDER BY id DESC LIMIT 1")" = "dataset 950" ]

a=$(audit_count) e=$(events)
api POST /api/v1/analytics/datasets "$ANA" "$(jq -nc --argjson r "$(rows E09000017)" '{dataset: "falls_2024", rows: $r}')"
expect "the same dataset again" 409
api POST /api/v1/analytics/datasets "$ANA" '{"dataset":"Bad Name","csv":"x"}'
expect "a bad dataset name" 422
api PUT /api/v1/analytics/allocation/current "$ANA" '{"items":[{"place_code":"E09000017","amount":-5}]}'
expect "a negative current spend" 422
api POST /api/v1/analytics/allocation/runs "$ANA" '{"pace": 2}'
expect "a pace out of range" 422
check "failed writes: no audit row" [ "$(audit_count)" -eq "$a" ]
check "failed writes: no event" [ "$(events)" -eq "$e" ]

a=$(audit_count) e=$(events)
api POST /api/v1/analytics/allocation/runs "$ANA" '{"years": 3, "label": "option A"}'
expect "an analyst runs and saves an allocation" 201
RUN=$(jqb .id)
check "run: one audit row" [ "$(audit_count)" -eq $((a + 1)) ]
check "run: one event" [ "$(events)" -eq $((e + 1)) ]
check "run: allocation.run for the run" [ "$(last_event)" = "allocation.run allocation_run $RUN ics-wide" ]
check "run: audited as analytics.allocation.run" [ "$(last_audit)" = "analytics.allocation.run allocation_run $RUN" ]

api GET /api/v1/analytics/allocation/weights "$ANA"
cp "$T/body" "$T/weights.json"
a=$(audit_count) e=$(events)
api PUT /api/v1/analytics/allocation/weights "$ANA" "$(cat "$T/weights.json")"
expect "an analyst replaces the weights" 200
check "weights: one audit row" [ "$(audit_count)" -eq $((a + 1)) ]
check "weights: one event" [ "$(events)" -eq $((e + 1)) ]
check "weights: analytics.imported" [ "$(last_event)" = "analytics.imported allocation_weights current ics-wide" ]

a=$(audit_count) e=$(events)
api DELETE /api/v1/analytics/datasets/falls_2024 "$ANA"
expect "an analyst deletes the dataset" 200
check "delete: one audit row" [ "$(audit_count)" -eq $((a + 1)) ]
check "delete: one event" [ "$(events)" -eq $((e + 1)) ]
check "delete: analytics.deleted" [ "$(last_event)" = "analytics.deleted analytics_dataset falls_2024 ics-wide" ]
a=$(audit_count) e=$(events)
api DELETE /api/v1/analytics/datasets/falls_2024 "$ANA"
expect "deleting it twice" 404
check "a failed delete: no audit row" [ "$(audit_count)" -eq "$a" ]
check "a failed delete: no event" [ "$(events)" -eq "$e" ]

# ---- (b) ICS-wide events reach organisation-bound users too ---------------
api GET "/api/v1/events?after=$N0" "$CLIN"
expect "a clinician reads events" 200
jqcheck "it sees the ICS-wide allocation.run" "any(.items[]; .type == \"allocation.run\" and .object_id == \"$RUN\")"

# ---- (c) 403 before 422 -----------------------------------------------------
api POST /api/v1/analytics/datasets "$CLIN" '{"colour":"red"}'
expect "a clinician with a bad dataset body: role first" 403
api POST /api/v1/analytics/allocation/runs "$CLIN" '{"pace":"fast"}'
expect "a clinician with a bad run body: role first" 403
api PUT /api/v1/analytics/allocation/weights "$CLIN" '[1,2]'
expect "a clinician with a bad weights body: role first" 403

# ---- (d) the CLI writes the same audit action as the API ---------------------
jq -r '.[] | [.area_code, .sex, .age_band, .count] | @csv' <<EOF2 | tr -d '"' | sed '1i area_code,sex,age_band,count' >"$T/c.csv"
$(rows E09000005)
EOF2
e=$(events)
"$BIN" analyse import --db "$DB" --counts "$T/c.csv" --dataset cli_falls >/dev/null 2>&1
check "analyse import exits 0" [ $? -eq 0 ]
check "CLI import audited as the API's (analytics.dataset.create)" \
    [ "$(last_audit)" = "analytics.dataset.create analytics_dataset cli_falls" ]
check "CLI import emits analytics.imported" [ "$(events)" -eq $((e + 1)) ]
"$BIN" analyse allocation --db "$DB" --save --format json >/dev/null 2>&1
check "analyse allocation --save exits 0" [ $? -eq 0 ]
check "CLI run audited as analytics.allocation.run, as through the API" \
    [ "$(sql "SELECT action FROM audit ORDER BY id DESC LIMIT 1")" = "analytics.allocation.run" ]
check "CLI run emits allocation.run" [ "$(sql "SELECT type FROM events ORDER BY id DESC LIMIT 1")" = "allocation.run" ]
finish
