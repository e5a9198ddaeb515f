#!/bin/sh
# t1402-events-servers.sh - event streams with two servers on one PostgreSQL
# database: a change committed through one server reaches a stream on the
# other (each server LISTENs for the others' commits), and with writers on
# both servers at once a stream on each receives every event once, in id
# order, exactly the ids in the outbox.
# backends: pg
. "$(dirname "$0")/lib.sh"
start_server
COORD=$(mktoken coord coordinator QRV)
A=$URL
start_server2
B=$URL2

# stream_on NAME SERVER: the coordinator's event stream on SERVER into $T/NAME
stream_on() { STREAM_URL=$2; stream "$1" "$COORD"; }
patchb() { curl -s -o /dev/null -w '%{http_code}\n' -X PATCH -H "Authorization: Bearer $COORD" \
    -H 'Content-Type: application/json' -d "$3" "$1/api/v1/beds/$2"; }

E0=$(sql "SELECT MAX(id) FROM events")
stream_on onb "$B"
stream_on ona "$A"
until_ok 5 has onb 'retry: 2000'
until_ok 5 has ona 'retry: 2000'
sleep 0.5
code=$(patchb "$A" 32 '{"status":"closed","closure":"staffing"}')
check "bed 32 closed through server A ($code)" [ "$code" = 200 ]
E1=$(sql "SELECT MAX(id) FROM events")
check "server B's stream receives the change made through A" until_ok 3 has onb "^id: $E1\$"

# writers on both servers at once
for b in 57 62 70 75; do
    (for s in closed available closed available; do
        if [ $s = closed ]; then body='{"status":"closed","closure":"maintenance"}'; else body='{"status":"available"}'; fi
        patchb "$A" "$b" "$body" >>"$T/codes"
        patchb "$B" "$b" '{"status":"cleaning"}' >>"$T/codes"
    done) &
done
wait_writers() { [ "$(wc -l <"$T/codes" 2>/dev/null || echo 0)" -ge 32 ]; }
until_ok 60 wait_writers
E2=$(sql "SELECT MAX(id) FROM events")
until_ok 5 has onb "^id: $E2\$"
until_ok 5 has ona "^id: $E2\$"
sleep 1
stop ona
stop onb
want=$(sql "SELECT id FROM events WHERE id > $E0 ORDER BY id" | tr '\n' ' ')
check "the writers made $(grep -c . "$T/codes") requests, events up to $E2" [ "$E2" -gt "$E1" ]
check "server B's stream carries exactly the outbox's ids, in order" [ "$(ids onb)" = "$want" ]
check "server A's stream too" [ "$(ids ona)" = "$want" ]
check "both servers listened (no listening errors logged)" \
    sh -c "! grep -q 'cannot listen\|listening connection lost' '$T/server.log' '$T/server2.log'"

stop_server2
finish
