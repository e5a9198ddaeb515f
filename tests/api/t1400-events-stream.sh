#!/bin/sh
# t1400-events-stream.sh - GET /api/v1/events as Server-Sent Events (curl -N):
# a change reaches an open stream; each stream gets only what its user may
# read (party organisations and role); a stream cut and resumed with
# Last-Event-ID loses nothing; a resume beyond the window says `reset`;
# heartbeats on a silent stream; a client that does not read is cut off
# while another receives a burst in full; streams are counted apart from
# requests; a stream ends when its token is revoked; Accept:
# application/json keeps the JSON pages.
. "$(dirname "$0")/lib.sh"

SERVE_ARGS="--stream-heartbeat 1 --stream-buffer 8 --stream-stall 3 --stream-window 10 --streams-per-addr 12"
start_server
COORD=$(mktoken coord coordinator QRV)
CLIN=$(mktoken clin.r1k clinician R1K)
OPS=$(mktoken ops.ryj trust_ops RYJ)

types() { sed -n 's/^data: //p' "$T/$1" | jq -r .type | sort -u | tr '\n' ' '; }
last_id() { sql "SELECT MAX(id) FROM events"; }
# evids WHERE: the ids of the events matching, in order, space-separated
evids() { sql "SELECT id FROM events WHERE $1 ORDER BY id" | tr '\n' ' '; }

# ---- the JSON pages stay what they were ----------------------------------
out=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $ADMIN" \
    -H 'Accept: application/json' "$URL/api/v1/events?after=0&limit=3")
check "Accept: application/json still gets the JSON page ($out)" [ "$out" = "200 application/json" ]
jqcheck "three events and last_id" '(.items | length) == 3 and .last_id > 0'
out=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' -H "Authorization: Bearer $ADMIN" \
    -H 'Accept: text/event-stream' -H 'Last-Event-ID: x1' "$URL/api/v1/events")
check "a malformed Last-Event-ID is 422 ($out)" [ "$out" = "422 application/problem+json" ]
out=$(curl -s -m 2 -o /dev/null -w '%{http_code} %{content_type}' -H 'Accept: text/event-stream' "$URL/api/v1/events")
check "a stream needs a token ($out)" [ "$out" = "401 application/problem+json" ]

# ---- live delivery and filtering -------------------------------------------
E0=$(last_id)
stream adm "$ADMIN"
stream coord "$COORD"
stream clin "$CLIN"
stream ops "$OPS"
until_ok 5 has adm 'retry: 2000'
check "the stream opens with a retry hint" has adm 'retry: 2000'
out=$(curl -s -m 3 -o /dev/null -w '%{content_type}' -H "Authorization: Bearer $ADMIN" \
    -H 'Accept: text/event-stream' "$URL/api/v1/events")
check "the stream is text/event-stream ($out)" [ "$out" = "text/event-stream" ]

api PATCH /api/v1/beds/32 "$COORD" '{"status":"closed","closure":"staffing"}'
expect "a coordinator closes bed 32 (unit of R1K)" 200
api POST /api/v1/organisations "$ADMIN" '{"ods_code":"RT4","name":"Stream Test Trust","kind":"community","postcode":"ub83nn"}'
expect "an administrator adds organisation RT4" 201
api PUT /api/v1/organisations/RYJ "$ADMIN" "$(curl -s -H "Authorization: Bearer $ADMIN" "$URL/api/v1/organisations/RYJ")"
expect "an administrator saves RYJ unchanged (a directory event about RYJ)" 200
E1=$(last_id)
until_ok 5 has adm "^id: $E1\$"
check "the administrator's stream has the last event ($E1)" has adm "^id: $E1\$"
until_ok 5 has coord '"type":"bed.status"'
check "the coordinator receives bed.status" has coord '"type":"bed.status"'
sleep 1.5
check "the coordinator receives RT4's directory change" has coord '"object_id":"RT4"'
check "the clinician at R1K does not receive bed.status (their role may not read beds)" \
    sh -c "! grep -q bed.status '$T/clin'"
check "the clinician at R1K does not receive RT4's change (not a party)" \
    sh -c "! grep -q '\"object_id\":\"RT4\"' '$T/clin'"
check "the trust_ops user at RYJ receives the change to RYJ" has ops '"object_id":"RYJ"'
check "the trust_ops user at RYJ does not receive RT4's change" \
    sh -c "! grep -q '\"object_id\":\"RT4\"' '$T/ops'"
check "the admin's stream carries exactly the events since it opened, in order ($(ids adm))" \
    [ "$(ids adm)" = "$(evids "id > $E0")" ]
api GET "/api/v1/events?after=$E0" "$OPS"
check "the trust_ops stream equals its JSON page ($(ids ops))" \
    [ "$(ids ops)" = "$(jq -r '[.items[].id | tostring] | join(" ") + " "' "$T/body")" ]

# ---- heartbeats --------------------------------------------------------------
sleep 2.5
check "a silent stream gets heartbeats" has clin ': heartbeat'
stop adm; stop coord; stop clin; stop ops

# ---- cut and resume: nothing lost --------------------------------------------
E0=$(last_id)
stream r1 "$ADMIN" -H "Last-Event-ID: $E0"
until_ok 5 has r1 'retry: 2000'
for i in 1 2 3; do api PATCH /api/v1/beds/32 "$COORD" '{"status":"available"}'; api PATCH /api/v1/beds/32 "$COORD" '{"status":"cleaning"}'; done
until_ok 5 has r1 '^id: '
stop r1
SEEN=$(sed -n 's/^id: //p' "$T/r1" | tail -n 1)
for i in 1 2 3; do api PATCH /api/v1/beds/32 "$COORD" '{"status":"available"}'; api PATCH /api/v1/beds/32 "$COORD" '{"status":"cleaning"}'; done
E1=$(last_id)
stream r2 "$ADMIN" -H "Last-Event-ID: $SEEN"
until_ok 5 has r2 "^id: $E1\$"
stop r2
both=$(sed -n 's/^id: //p' "$T/r1" "$T/r2" | sort -n | tr '\n' ' ')
want=$(evids "id > $E0")
check "the first stream saw part of the changes (last id $SEEN)" [ "$SEEN" -gt "$E0" ]
check "the two streams together carry every event once, in order ($both)" [ "$both" = "$want" ]
stream r3 "$ADMIN" --get --data "after=$SEEN"
until_ok 5 has r3 "^id: $E1\$"
stop r3
check "?after= resumes like Last-Event-ID" [ "$(ids r3)" = "$(ids r2)" ]

# ---- beyond the window: reset ------------------------------------------------
stream w "$ADMIN" -H 'Last-Event-ID: 1'
until_ok 5 has w 'event: reset'
stop w
check "a resume more than 10 events back starts with event: reset" has w '^event: reset'
check "reset names the newest id to continue from" has w "\"last_id\":$E1"

# ---- a client that does not read is cut; a reading one gets the whole burst --
python3 - "$(cat "$T/port")" "$ADMIN" "$T/slow.ready" >"$T/slow" 2>&1 <<'EOF' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(("GET /api/v1/events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n"
           "Authorization: Bearer %s\r\n\r\n" % sys.argv[2]).encode())
got = b""
while b"retry: 2000" not in got:
    got += s.recv(1024)
open(sys.argv[3], "w").write("ready\n")
time.sleep(12)  # read nothing while the burst is written
s.settimeout(3)
n, end = 0, time.time() + 8
try:
    while time.time() < end:
        d = s.recv(65536)
        if not d:
            print("eof", n)
            break
        n += len(d)
    else:
        print("open", n)
except OSError as e:
    print("open", n, e)
EOF
SLOW=$!
E0=$(last_id)
stream fast "$ADMIN"
until_ok 5 has fast 'retry: 2000'
until_ok 5 test -s "$T/slow.ready"
sleep 0.5
pad=$(printf '%0300d' 0)
sql "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
     INSERT INTO events (at, type, object_type, object_id, orgs, ics, payload_json)
     SELECT 0, 'directory.changed', 'organisations', 'BURST' || i, NULL, 'QRV', '{\"pad\":\"$pad\"}' FROM n"
E1=$(last_id)
until_ok 20 has fast "^id: $E1\$"
check "a reading client receives all 2,000 events of a burst larger than its buffer" \
    [ "$(grep -c '^id: ' "$T/fast")" -eq 2000 ]
check "in order, none twice" [ "$(sed -n 's/^id: //p' "$T/fast" | sort -n | uniq | wc -l)" -eq 2000 ]
stop fast
wait $SLOW
check "the client that read nothing was cut off ($(cat "$T/slow"))" grep -q '^eof' "$T/slow"
check "the server says why" grep -q 'cut off: it has not read its events' "$T/server.log"

# ---- a stream ends when its token is revoked -----------------------------------
TEMP=$(mktoken temp coordinator QRV)
stream rv "$TEMP"
until_ok 5 has rv 'retry: 2000'
TID=$(curl -s -H "Authorization: Bearer $TEMP" "$URL/api/v1/tokens" | jq -r '.items[0].id')
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $TEMP" "$URL/api/v1/tokens/$TID")
check "the stream's own token is revoked ($code)" [ "${code#20}" != "$code" ]
until_ok 5 has rv '^event: revoked'
check "the stream says so (event: revoked) within the heartbeat interval" has rv '^event: revoked'
api PATCH /api/v1/beds/32 "$COORD" '{"status":"available"}'
sleep 1.5
check "and receives nothing after it" sh -c "! sed -n '/^event: revoked/,\$p' '$T/rv' | grep -q '^id: '"
eval "curl_pid=\$P_rv"
check "the server ended the stream" until_ok 5 sh -c "! kill -0 $curl_pid 2>/dev/null"
stop rv

# ---- streams are counted apart from requests ---------------------------------
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do stream "s$i" "$COORD"; done
# every one of the twelve must be open (counted) before the 13th asks
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do until_ok 5 has "s$i" 'retry: 2000'; done
out=$(curl -s -m 3 -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $COORD" -H 'Accept: text/event-stream' "$URL/api/v1/events")
check "a 13th stream from one address is refused ($out)" [ "$out" = 429 ]
api GET /api/v1/me "$COORD"
expect "ordinary requests from that address still work with 12 streams open" 200
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do stop "s$i"; done

finish
