#!/bin/sh
# t1320-ops.sh - operating a server: GET /readyz answers 200 only while the
# database answers and no schema migration is pending (503 problem+json with
# Retry-After otherwise, /healthz unchanged); GET /metrics is Prometheus
# text that parses, needs an admin or the metrics token, and its counters
# move with traffic; the request id goes round trip through X-Request-Id and
# the log; the one log line per request names the route pattern, never a
# path, NHS number or token.
. "$(dirname "$0")/lib.sh"
MTOKEN=metrics-token-for-the-t1320-test-0123456789
export ICSFLOW_METRICS_TOKEN=$MTOKEN
start_server
CLIN=$(mktoken crew clinician RRU)

# ---- readiness -------------------------------------------------------------
api GET /readyz ""
expect "readyz needs no token and says ready" 200
jqcheck "readyz says ready" '.status == "ready"'
sql "DELETE FROM schema_migrations WHERE module = 'jobs' AND version = 1"
curl -s -D "$T/hdr" -o "$T/body" "$URL/readyz" >/dev/null
STATUS=$(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$T/hdr")
CTYPE=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\([^\r]*\).*/\1/p' "$T/hdr")
expect "readyz with a migration pending" 503
check "the problem names the pending migration" grep -q "jobs v1" "$T/body"
check "and says when to retry (Retry-After)" grep -qi "^Retry-After: [0-9]" "$T/hdr"
api GET /healthz ""
expect "healthz stays a liveness check meanwhile" 200
sql "INSERT INTO schema_migrations (module, version, applied_at) SELECT 'jobs', 1, applied_at FROM schema_migrations WHERE module = 'core' AND version = 1"
api GET /readyz ""
expect "readyz once the migration is back" 200

# the database goes away under the server (PostgreSQL: its connections are
# cut): not ready while it cannot answer, ready again once it can
if [ "$ICS_BACKEND" = pg ]; then
    sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()" >/dev/null
    api GET /readyz ""
    expect "readyz when the database cut the server's connections" 503
    i=0
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/readyz")" = 200 ] || [ $i -ge 20 ]; do
        i=$((i + 1)); sleep 0.2
    done
    api GET /readyz ""
    expect "readyz once the server has reconnected" 200
fi

# ---- metrics: access ---------------------------------------------------------
api GET /metrics ""
expect "metrics without a token" 401
api GET /metrics "$CLIN"
expect "metrics for a clinician" 403
api GET /metrics "not-the-metrics-token-but-about-as-long-as-it-0"
expect "metrics with a wrong token" 401
api GET /metrics "$MTOKEN"
expect "metrics with the metrics token" 200
api GET /metrics "$ADMIN"
expect "metrics with an admin token" 200
check "metrics are text format 0.0.4 (got $CTYPE)" [ "$CTYPE" = "text/plain; version=0.0.4; charset=utf-8" ]

# ---- metrics: format ---------------------------------------------------------
# Every sample line is name{labels} value, its family declared by # TYPE
# before it; histogram buckets never decrease and end at +Inf = _count.
cp "$T/body" "$T/metrics"
awk '
/^# TYPE / { type[$3] = $4; next }
/^# HELP / { next }
/^#/ || /^$/ { print "stray line " NR ": " $0; bad = 1; next }
{
    if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*",?)*\})? [-+0-9.eEInfa]+$/) {
        print "bad sample line " NR ": " $0; bad = 1; next
    }
    name = $1; sub(/\{.*/, "", name)
    fam = name
    if (!(fam in type)) sub(/_(bucket|sum|count)$/, "", fam)
    if (!(fam in type)) { print "no TYPE for " name " (line " NR ")"; bad = 1; next }
    if (name ~ /_bucket$/) {
        key = $1; sub(/,?le="[^"]*"/, "", key); sub(/\{\}$/, "", key)
        if (key in last && $2 + 0 < last[key]) { print "bucket decreases at line " NR; bad = 1 }
        last[key] = $2 + 0
        if ($1 ~ /le="\+Inf"/) inf[key] = $2
    }
    if (name ~ /_count$/ && type[fam] == "histogram") {
        key = $1; sub(/_count/, "_bucket", key); sub(/\{\}$/, "", key)
        if (!(key in inf) || inf[key] != $2) { print "_count differs from +Inf at line " NR; bad = 1 }
    }
}
END { exit bad }' "$T/metrics" >"$T/parse" 2>&1
check "the metrics parse as Prometheus text$(head -c 300 "$T/parse")" [ ! -s "$T/parse" ]
for m in icsflow_http_requests_total icsflow_http_request_duration_seconds \
    icsflow_http_response_bytes_total icsflow_http_requests_in_flight icsflow_db_pool_in_use \
    icsflow_db_pool_open icsflow_db_pool_size icsflow_jobs icsflow_ready process_cpu_seconds_total; do
    check "metrics declare $m" grep -q "^# TYPE $m " "$T/metrics"
done
check "jobs are counted by state" grep -q '^icsflow_jobs{state="queued"} ' "$T/metrics"
check "routes are patterns, not paths" grep -q 'route="/api/v1/sites/{id}"\|route="/readyz"' "$T/metrics"

# ---- metrics: counters move ----------------------------------------------------
SITES='icsflow_http_requests_total{method="GET",route="/api/v1/sites/{id}",status="2xx"}'
MISSING='icsflow_http_requests_total{method="GET",route="/api/v1/sites/{id}",status="4xx"}'
value() { # SERIES -> its value in the last scrape (0 when absent)
    awk -v s="$1" '$1 == s { v = $2 } END { print v + 0 }' "$T/metrics"
}
scrape() { curl -s -H "Authorization: Bearer $MTOKEN" -o "$T/metrics" "$URL/metrics"; }
scrape
ok0=$(value "$SITES") miss0=$(value "$MISSING")
cnt0=$(value 'icsflow_http_request_duration_seconds_count{route="/api/v1/sites/{id}"}')
for i in 1 2 3; do api GET /api/v1/sites/RYJ01 "$CLIN"; done
api GET /api/v1/sites/NOPE9 "$CLIN"
expect "an unknown site" 404
scrape
check "three 2xx answers counted ($ok0 -> $(value "$SITES"))" [ "$(value "$SITES")" -eq $((ok0 + 3)) ]
check "one 4xx answer counted ($miss0 -> $(value "$MISSING"))" [ "$(value "$MISSING")" -eq $((miss0 + 1)) ]
check "four latencies observed" \
    [ "$(value 'icsflow_http_request_duration_seconds_count{route="/api/v1/sites/{id}"}')" -eq $((cnt0 + 4)) ]
check "the pool has connections open" [ "$(value icsflow_db_pool_open)" -ge 1 ]

# ---- request ids ---------------------------------------------------------------
rid() { # [ID] -> the X-Request-Id the server answered with
    curl -s -o /dev/null -D - ${1:+-H "X-Request-Id: $1"} "$URL/healthz" |
        sed -n 's/^[Xx]-[Rr]equest-[Ii]d: *\([^\r]*\).*/\1/p'
}
check "a proxy's request id comes back" [ "$(rid 'haproxy-7f00:1a2b_C0A8.1F90:42')" = "haproxy-7f00:1a2b_C0A8.1F90:42" ]
GEN=$(rid)
check "a request without one gets one ($GEN)" [ -n "$GEN" ]
check "each request gets its own" [ "$(rid)" != "$GEN" ]
BAD=$(rid 'evil id with spaces')
check "an id with spaces is replaced ($BAD)" [ "$BAD" != "evil id with spaces" ]
NHSID=$(rid 9434765919)
check "an id that is an NHS number is replaced ($NHSID)" [ "$NHSID" != 9434765919 ]

# ---- the log line --------------------------------------------------------------------
curl -s -o /dev/null -H "X-Request-Id: trace-t1320-1" -H "Authorization: Bearer $CLIN" \
    "$URL/api/v1/sites/RYJ01"
curl -s -o /dev/null -H "Authorization: Bearer $ADMIN" "$URL/api/v1/waitlist/entries/9434765919"
curl -s -o /dev/null -H "Authorization: Bearer $ADMIN" "$URL/api/v1/waitlist/entries?nhs_number=943+476+5919"
api POST /api/v1/referrals "$CLIN" '{"nhs_number":"943 476 5919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "a referral carrying an NHS number" 201
sleep 0.2 # the line is written when the answer has gone
line=$(grep "id=trace-t1320-1 " "$T/server.log")
check "the request is logged with its id" [ -n "$line" ]
check "with method and route pattern" grep -q "id=trace-t1320-1 method=GET route=/api/v1/sites/{id} " "$T/server.log"
check "with status and bytes" grep -q "id=trace-t1320-1 .* status=200 bytes=[1-9][0-9]* " "$T/server.log"
check "with duration and user" grep -q "id=trace-t1320-1 .* ms=[0-9.]* user=crew" "$T/server.log"
check "a path holding an NHS number is logged as its pattern" \
    grep -q "route=/api/v1/waitlist/entries/{id} status=404" "$T/server.log"
check "the referral's POST is logged" grep -q "method=POST route=/api/v1/referrals status=201" "$T/server.log"
check "no NHS number in the log" [ "$(grep -c '9434765919\|943 476 5919\|943+476+5919' "$T/server.log")" -eq 0 ]
check "no token in the log" [ "$(grep -cF -e "$CLIN" -e "$ADMIN" -e "$MTOKEN" "$T/server.log")" -eq 0 ]
for i in 1 2 3; do curl -s -o /dev/null -H "X-Request-Id: once-t1320-$i" "$URL/healthz"; done
sleep 0.2
check "one line per request: three requests, three lines" [ "$(grep -c 'id=once-t1320-[123] ' "$T/server.log")" -eq 3 ]
finish
