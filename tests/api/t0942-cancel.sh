#!/bin/sh
# t0942-cancel.sh - cancelling a running job stops the engine, not only
# the storing of its result: a simulation of two replications of 1,000,000
# days (minutes of work) is cancelled while running and ends "cancelled"
# within seconds, well before its first replication could have finished;
# nothing is stored; the worker then runs the next job.
. "$(dirname "$0")/lib.sh"
fresh_db "$DB"
ANA=$(mktoken ana analyst QRV)
SERVE_ARGS="--job-workers 1"
start_server

# apia METHOD PATH TOKEN BODY: with Prefer: respond-async; headers in $T/hdr
apia() {
    printf '%s' "$4" >"$T/req"
    out=$(curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code} %{content_type}' -X "$1" \
        -H "Authorization: Bearer $3" -H "Content-Type: application/json" \
        -H "Prefer: respond-async" --data-binary "@$T/req" "$URL$2")
    STATUS=${out%% *} CTYPE=${out#* }
}
location() { sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$T/hdr"; }
# poll PATH STATE...: until the job's state is one of STATEs (180 s)
poll() {
    p=$1; shift
    i=0
    while [ -n "$p" ] && [ $i -lt 900 ]; do
        api GET "$p" "$ANA"
        s=$(jq -r .state "$T/body")
        for want in "$@"; do [ "$s" = "$want" ] && return 0; done
        i=$((i + 1)); sleep 0.2
    done
    return 1
}
runs() { sql "SELECT COUNT(*) FROM sim_runs"; }
SC=$ROOT/data/sim_nwl_example.json
# busy ten years: the arrivals of all places at the first one, times 300
big() { jq -c ".replications = $1 | .run_days = 3650 | .warmup_days = 0 | .places[0].arrivals_per_day = 2000" "$SC"; }

r0=$(runs)
apia POST /api/v1/sim/runs "$ANA" "{\"scenario\": $(big 2), \"search\": false}"
expect "a long simulation as a job" 202
JOB=$(location)
poll "$JOB" running done failed
jqcheck "it is running" '.state == "running"'
sleep 1
t0=$(date +%s)
api DELETE "$JOB" "$ANA"
expect "cancelling it while it runs" 202
poll "$JOB" cancelled done failed
t1=$(date +%s)
jqcheck "it ends cancelled" '.state == "cancelled"'
check "within 10 s of the request, not when the engine would have finished ($((t1 - t0)) s)" [ $((t1 - t0)) -le 10 ]
check "nothing was stored" [ "$(runs)" -eq "$r0" ]
ev=$(sql "SELECT group_concat(type || ' ' || payload_json, '; ') FROM events WHERE object_type = 'job' AND object_id = '${JOB##*/}'")
check "its end is announced once, as cancelled ($ev)" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'job.finished' AND object_id = '${JOB##*/}' AND payload_json LIKE '%cancelled%'")" -eq 1 ]

# the worker is free again: a small job runs to the end
apia POST /api/v1/sim/runs "$ANA" '{"replications": 3, "run_days": 60, "warmup_days": 30, "search": false}'
expect "a small job after it" 202
JOB2=$(location)
poll "$JOB2" done failed cancelled
jqcheck "runs to done" '.state == "done"'

# how long the cancelled run would have taken: one replication on its own
apia POST /api/v1/sim/runs "$ANA" "{\"scenario\": $(big 1), \"search\": false}"
expect "one replication of it as a job" 202
JOB3=$(location)
s0=$(date +%s)
poll "$JOB3" done failed cancelled
s1=$(date +%s)
check "one replication alone takes longer than the cancellation did ($((s1 - s0)) s against $((t1 - t0)) s)" [ $((s1 - s0)) -gt $((t1 - t0)) ]
finish
