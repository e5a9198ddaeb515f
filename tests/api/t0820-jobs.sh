#!/bin/sh
# t0820-jobs.sh - resource limits and background jobs (issue 19): a
# simulation or allocation too big for its limits is refused with 422
# before any work (los.mean = 1e308 at once), in the API and the CLI (exit 2,
# one line), and the limits can be raised (CLI flags, server settings);
# `Prefer: respond-async` runs a bed review or an allocation as a job: 202
# with Location, polled to done with a link to the stored run, cancelled,
# hidden from other users (404), and failed as "server restarted" when the
# server dies under it.
. "$(dirname "$0")/lib.sh"
fresh_db "$DB"
ADMIN=$(mktoken admin admin QRV)
ANA=$(mktoken ana analyst QRV)
ANA2=$(mktoken ana2 analyst QRV)
COORD=$(mktoken coord coordinator QRV)
CLIN=$(mktoken clin clinician RRU)

# serve ARGS...: start the server with extra settings (one worker, so a
# second job stays queued behind a first)
serve() {
    rm -f "$T/port"
    "$SERVE_BIN" serve --db "$DB" --listen 127.0.0.1:0 --port-file "$T/port" --job-workers 1 "$@" \
        >>"$T/server.log" 2>&1 &
    PID=$!
    i=0
    while [ ! -s "$T/port" ]; do
        i=$((i + 1)); [ $i -gt 400 ] && { echo "server did not start"; cat "$T/server.log"; exit 1; }
        sleep 0.05
    done
    URL="http://127.0.0.1:$(cat "$T/port")"
}
# apia METHOD PATH TOKEN BODY: with Prefer: respond-async; headers in $T/hdr
apia() {
    printf '%s' "$4" >"$T/req"
    out=$(curl -s -D "$T/hdr" -o "$T/body" -w '%{http_code} %{content_type}' -X "$1" \
        -H "Authorization: Bearer $3" -H "Content-Type: application/json" \
        -H "Prefer: respond-async" --data-binary "@$T/req" "$URL$2")
    STATUS=${out%% *} CTYPE=${out#* }
}
location() { sed -n 's/^[Ll]ocation: *\([^[:space:]]*\).*/\1/p' "$T/hdr"; }
# poll PATH TOKEN STATE...: until the job's state is one of STATEs (120 s)
poll() {
    p=$1 tok=$2; shift 2
    i=0
    while [ $i -lt 600 ]; do
        api GET "$p" "$tok"
        s=$(jqb .state)
        for want in "$@"; do [ "$s" = "$want" ] && return 0; done
        i=$((i + 1)); sleep 0.2
    done
    return 1
}
runs() { sql "SELECT COUNT(*) FROM sim_runs"; }
audits() { sql "SELECT COUNT(*) FROM audit"; }
events() { sql "SELECT COUNT(*) FROM events"; }
SC=$ROOT/data/sim_nwl_example.json
SMALL='"replications": 3, "run_days": 60, "warmup_days": 30, "search": false'

serve

# --- limits: refused before any work ---------------------------------------------
r0=$(runs) a0=$(audits) e0=$(events)
HUGE=$(jq -c '.los.mean = 1e308' "$SC")
t0=$(date +%s)
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $HUGE}"
t1=$(date +%s)
expect "a scenario whose stays last 1e308 days" 422
jqcheck "the answer names the limit it is over" '.detail | test("limit")'
check "refused at once, not after running (under 5 s; it used to run 30 s)" [ $((t1 - t0)) -lt 5 ]
FAST=$(jq -c '.places[0].arrivals_per_day = 1e9' "$SC")
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $FAST}"
expect "a billion arrivals a day" 422
jqcheck "refused for its size" '.detail | test("events|patients")'
LONG=$(jq -c '.run_days = 3650 | .warmup_days = 3650 | .replications = 200 | .places[0].arrivals_per_day = 50' "$SC")
api POST /api/v1/sim/runs "$ANA" "{\"scenario\": $LONG}"
expect "ten years, two hundred replications, busy demand" 422
apia POST /api/v1/sim/runs "$ANA" "{\"scenario\": $HUGE}"
expect "asked as a job, refused the same way before it is queued" 422
check "no job queued for it" [ "$(sql 'SELECT COUNT(*) FROM jobs')" -eq 0 ]
check "no run stored by refused requests" [ "$(runs)" -eq "$r0" ]
check "no audit record" [ "$(audits)" -eq "$a0" ]
check "no event" [ "$(events)" -eq "$e0" ]

echo "$HUGE" >"$T/huge.json"
t0=$(date +%s)
"$BIN" sim "$T/huge.json" >"$T/out" 2>&1; st=$?
t1=$(date +%s)
check "CLI: exit 2" [ "$st" -eq 2 ]
check "CLI: one line" [ "$(wc -l <"$T/out")" -eq 1 ]
check "CLI: naming the limit and the flag that raises it" grep -q "max-events" "$T/out"
check "CLI: at once" [ $((t1 - t0)) -lt 5 ]
jq -c '.replications = 2 | .run_days = 30 | .warmup_days = 0' "$SC" >"$T/tiny.json"
"$BIN" sim "$T/tiny.json" --no-search --quiet --max-events 1000 >"$T/out" 2>&1; st=$?
check "CLI: a lower --max-events refuses a small run" [ "$st" -eq 2 ]
"$BIN" sim "$T/tiny.json" --no-search --quiet --max-events 1e12 --max-beds 1e7 >"$T/out" 2>&1; st=$?
check "CLI: a higher --max-events lets it run" [ "$st" -eq 0 ]
"$BIN" sim "$T/tiny.json" --max-events lots >"$T/out" 2>&1; st=$?
check "CLI: a bad --max-events is a usage error" [ "$st" -eq 2 ]
"$BIN" waitlist allocate --db "$DB" --max-arcs 10 >"$T/out" 2>&1; st=$?
check "CLI: an allocation over --max-arcs exits 2" [ "$st" -eq 2 ]
check "CLI: with one line" [ "$(wc -l <"$T/out")" -eq 1 ]
check "CLI: naming patients x sites" grep -q "patients x" "$T/out"

# --- jobs -----------------------------------------------------------------------
ev() { sql "SELECT COUNT(*) FROM events WHERE type = '$1'"; }
s0=$(ev sim.run) f0=$(ev job.finished)
apia POST /api/v1/sim/runs "$ANA" "{$SMALL}"
expect "a bed review asked to run in the background" 202
JOB=$(location)
check "Location names the job" sh -c "echo '$JOB' | grep -qE '^/api/v1/jobs/[0-9]+$'"
jqcheck "the job starts queued or running, owned by its caller" '(.state == "queued" or .state == "running") and .owner == "ana" and .links.self != null'
check "submission: one audit record" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'job.submit'")" -eq 1 ]
check "submission: one job.submitted event" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'job.submitted'")" -eq 1 ]
poll "$JOB" "$ANA" done failed cancelled
check "polled to done" [ "$(jqb .state)" = done ]
jqcheck "progress reached 1 and the result links to the stored run" '.progress == 1 and (.result | test("^/api/v1/sim/runs/[0-9]+$")) and .links.result == .result'
RES=$(jqb .result)
api GET "$RES" "$ANA"
expect "the run the job stored" 200
check "the run is audited as its owner's, as a direct run is" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'sim.run' AND actor = 'ana'")" -eq 1 ]
check "announced with one sim.run event" [ "$(ev sim.run)" -eq $((s0 + 1)) ]
check "and one job.finished event" [ "$(ev job.finished)" -eq $((f0 + 1)) ]
api GET "$JOB" "$ANA2"
expect "another user cannot see the job" 404
api DELETE "$JOB" "$ANA2"
expect "nor cancel it" 404
api GET "$JOB" "$CLIN"
expect "nor can a clinician" 404
api GET "$JOB" "$ADMIN"
expect "an administrator can" 200
api GET /api/v1/jobs/999999 "$ANA"
expect "no such job" 404
api GET /api/v1/jobs/abc "$ANA"
expect "not a job id" 404
api DELETE "$JOB" "$ANA"
expect "a finished job cannot be cancelled" 409
api GET /api/v1/jobs/1 ""
expect "no token" 401

apia POST /api/v1/sim/runs "$CLIN" '{"colour": 1}'
expect "wrong role with a bad body: 403 before 422" 403
apia POST /api/v1/sim/runs "$ANA" '{"colour": 1}'
expect "a bad body asked as a job: 422 at once" 422

# cancel: one worker; a long review runs, a second waits queued behind it
r0=$(runs)
apia POST /api/v1/sim/runs "$ANA" '{"replications": 40, "run_days": 1500, "warmup_days": 200}'
expect "a longer review" 202
LONGJOB=$(location)
apia POST /api/v1/sim/runs "$ANA" "{$SMALL}"
expect "a second one behind it" 202
QJOB=$(location)
api DELETE "$QJOB" "$ANA"
expect "cancelling a queued job" 200
jqcheck "cancelled at once" '.state == "cancelled"'
poll "$LONGJOB" "$ANA" running done
api DELETE "$LONGJOB" "$ANA"
if [ "$(jqb .state)" = done ]; then
    ok "the long review finished before it could be cancelled (nothing to check)"
else
    expect "cancelling a running job" 202
    poll "$LONGJOB" "$ANA" cancelled done failed
    jqcheck "it ends cancelled" '.state == "cancelled"'
    check "and its result was not stored" [ "$(runs)" -eq "$r0" ]
fi
check "each cancelled job announced once with job.finished" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'job.finished' AND payload_json LIKE '%cancelled%'")" -ge 1 ]

# an allocation as a job
W0=$(sql "SELECT COUNT(*) FROM waitlist_runs")
apia POST /api/v1/waitlist/runs "$COORD" '{"horizon_days": 14}'
expect "an allocation asked to run in the background" 202
WJOB=$(location)
apia POST /api/v1/waitlist/runs "$COORD" '{"horizon_days": "x"}'
expect "bad allocation options: 422 at once" 422
poll "$WJOB" "$COORD" done failed cancelled
jqcheck "the allocation job is done with a link to its run" '.state == "done" and (.result | test("^/api/v1/waitlist/runs/[0-9]+$"))'
check "one run stored" [ "$(sql "SELECT COUNT(*) FROM waitlist_runs")" -eq $((W0 + 1)) ]
check "audited as the coordinator's allocation" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'waitlist.allocate' AND actor = 'coord'")" -eq 1 ]
api GET "$WJOB" "$ANA"
expect "an analyst cannot see the coordinator's job" 404

# --- a server that dies under a running job ------------------------------------------
apia POST /api/v1/sim/runs "$ANA" '{"replications": 40, "run_days": 1500, "warmup_days": 200}'
expect "a job for the crash" 202
CJOB=$(location)
poll "$CJOB" "$ANA" running done
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=""
serve
api GET "$CJOB" "$ANA"
expect "the job after a restart" 200
if jq -e '.state == "done"' "$T/body" >/dev/null; then
    ok "the job finished before the crash (nothing to check)"
else
    jqcheck "failed: server restarted" '.state == "failed" and (.error | test("server restarted"))'
fi

# --- server settings ---------------------------------------------------------------
stop_server
serve --max-sim-events 1000 --max-alloc-arcs 10
api POST /api/v1/sim/runs "$ANA" "{$SMALL}"
expect "a small review over a server's lowered --max-sim-events" 422
api POST /api/v1/waitlist/runs "$COORD" '{"horizon_days": 14}'
expect "an allocation over a server's lowered --max-alloc-arcs" 422
jqcheck "names the arcs and the setting" '.detail | test("arcs") and test("max-alloc-arcs")'
"$BIN" serve --db "$DB" --max-sim-events none >"$T/out" 2>&1; st=$?
check "a bad server setting is a usage error" [ "$st" -eq 2 ]
finish
