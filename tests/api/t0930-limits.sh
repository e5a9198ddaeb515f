#!/bin/sh
# t0930-limits.sh - what one client may hold of the server: ~1,050 slow
# connections trickling header lines from one address do not lock other
# users out and are closed at the header deadline; a slow body is cut at the
# body deadline; bodies buffered in all are capped; requests per client
# address behind a trusted proxy are capped (429); failed sign-ins per address
# are rate limited (429 + Retry-After) and X-Forwarded-For counts only from a
# trusted proxy; the dashboard and the API carry the security headers.
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)

SERVE_ARGS="--header-timeout 3 --body-timeout 3 --idle-timeout 5"
start_server
PORT=$(cat "$T/port")

# ---- slowloris: 1,050 connections from 127.0.0.1 trickle a header line a second
node "$HERE/slow_clients.mjs" "$PORT" 1050 127.0.0.1 1000 8 >"$T/slow.json" 2>"$T/slow.err" &
SLOW=$!
sleep 2
code=$(curl -s -m 5 --interface 127.0.0.2 -o /dev/null -w '%{http_code}' "$URL/healthz")
check "a normal request from another address succeeds while 1,050 slow connections are open ($code)" [ "$code" = 200 ]
code=$(curl -s -m 5 --interface 127.0.0.3 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$URL/api/v1/me")
check "a signed-in API call from another address succeeds meanwhile ($code)" [ "$code" = 200 ]
wait $SLOW
cat "$T/slow.json"
opened=$(jq .opened "$T/slow.json")
longest=$(jq .longest_ms "$T/slow.json")
still=$(jq .still_open "$T/slow.json")
check "the slow client opened its 1,050 connections at the TCP level ($opened)" [ "$opened" -ge 1000 ]
check "no slow connection outlives the 3 s header deadline by more than 4 s (longest $longest ms)" [ "$longest" -le 7000 ]
check "none is still open after 8 s of trickling ($still)" [ "$still" -eq 0 ]
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/healthz")
check "the slow client's own address is served again once they are gone ($code)" [ "$code" = 200 ]

# ---- a body sent too slowly is cut at the body deadline
head -c 2000 /dev/zero | tr '\0' 'a' >"$T/slowbody"
s0=$(date +%s)
curl -s -m 20 --limit-rate 100 -o /dev/null -H 'Content-Type: text/plain' --data-binary "@$T/slowbody" \
    -H "Authorization: Bearer $ADMIN" "$URL/api/v1/me"
st=$?
el=$(($(date +%s) - s0))
check "a body trickled at 100 B/s is cut (curl exit $st)" [ "$st" -ne 0 ]
check "within the 3 s body deadline plus slack (${el}s)" [ "$el" -le 8 ]

# ---- security headers
curl -s -D "$T/h" -o /dev/null "$URL/"
check "the dashboard sends a Content-Security-Policy" grep -qi "^content-security-policy: default-src 'self'; script-src 'self'" "$T/h"
check "the dashboard's policy forbids framing" grep -qi "^content-security-policy: .*frame-ancestors 'none'" "$T/h"
check "the dashboard's policy allows no inline style" sh -c "! grep -i '^content-security-policy' '$T/h' | grep -q unsafe-inline"
check "the dashboard sends X-Content-Type-Options: nosniff" grep -qi "^x-content-type-options: nosniff" "$T/h"
check "the dashboard sends X-Frame-Options: DENY" grep -qi "^x-frame-options: deny" "$T/h"
curl -s -D "$T/h" -o /dev/null "$URL/api/v1/openapi.json"
check "API answers send a deny-all policy" grep -qi "^content-security-policy: default-src 'none'; frame-ancestors 'none'" "$T/h"
check "API answers send nosniff" grep -qi "^x-content-type-options: nosniff" "$T/h"

# ---- failed sign-ins without a trusted proxy: X-Forwarded-For is ignored
i=0
while [ $i -lt 10 ]; do
    curl -s -o /dev/null -H "X-Forwarded-For: 10.0.0.$i" -H 'Authorization: Bearer wrong' "$URL/api/v1/me"
    i=$((i + 1))
done
curl -s -D "$T/h" -o "$T/body" -w '%{http_code}' -H "X-Forwarded-For: 10.0.0.99" -H 'Authorization: Bearer wrong' "$URL/api/v1/me" >"$T/code"
check "the 11th bad token from one peer is refused 429 whatever X-Forwarded-For says ($(cat "$T/code"))" [ "$(cat "$T/code")" = 429 ]
check "the 429 carries Retry-After" grep -qi "^retry-after: [1-9]" "$T/h"
check "the 429 is problem+json" grep -qi "^content-type: application/problem+json" "$T/h"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "$URL/api/v1/me")
check "a valid token from that address still works ($code)" [ "$code" = 200 ]
code=$(curl -s --interface 127.0.0.4 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "$URL/api/v1/me")
check "a bad token from another address is still 401 ($code)" [ "$code" = 401 ]
stop_server

# ---- behind a trusted proxy: the client is the X-Forwarded-For address
SERVE_ARGS="--trusted-proxy 127.0.0.1 --auth-fails 3 --conns-per-addr 2 --body-total 1 --body-limit 4194304"
start_server
# xff TOKEN ADDRS: GET /api/v1/me as if through the proxy for ADDRS
xff() {
    out=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' -H "Authorization: Bearer $1" \
        -H "X-Forwarded-For: $2" "$URL/api/v1/me")
    STATUS=${out%% *} CTYPE=${out#* }
}
for i in 1 2 3; do
    curl -s -o /dev/null -H "X-Forwarded-For: 203.0.113.7" -H 'Authorization: Bearer wrong' "$URL/api/v1/me"
done
xff wrong "203.0.113.7"
expect "the 4th bad token for client 203.0.113.7 via the proxy" 429
xff wrong "203.0.113.8"
expect "another client behind the same proxy" 401
xff wrong "203.0.113.7, 127.0.0.1"
expect "the proxy's own entry on the right is skipped" 429
xff wrong "not-an-address"
expect "a malformed X-Forwarded-For falls back to the proxy's address" 401

# requests in flight per client address (the proxy itself is not limited)
head -c 3000 /dev/zero | tr '\0' 'b' >"$T/b3k"
for i in 1 2; do
    curl -s -m 20 --limit-rate 1000 -o /dev/null -H "X-Forwarded-For: 198.51.100.1" -H 'Content-Type: text/plain' \
        --data-binary "@$T/b3k" -H "Authorization: Bearer $ADMIN" "$URL/api/v1/me" &
    SLOWPIDS="${SLOWPIDS:-} $!"
done
sleep 1
xff "$ADMIN" "198.51.100.1"
expect "a 3rd request in flight from one client address" 429
xff "$ADMIN" "198.51.100.2"
expect "another client through the same proxy meanwhile" 200
# shellcheck disable=SC2086
wait $SLOWPIDS

# bodies buffered in all are capped (here 1 MiB)
head -c 1500000 /dev/zero | tr '\0' 'c' >"$T/big"
code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary "@$T/big" -H "Authorization: Bearer $ADMIN" "$URL/api/v1/me")
check "a 1.5 MB body over the 1 MiB buffered total is 503 ($code)" [ "$code" = 503 ]
check "and the server still answers" [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")" = 200 ]

"$BIN" serve --help >"$T/help" 2>&1
check "serve --help documents the header timeout and its default" grep -q "header-timeout.*default 10" "$T/help"
check "serve --help documents --trusted-proxy" grep -q "trusted-proxy" "$T/help"
"$BIN" serve --db "$DB" --trusted-proxy nonsense >"$T/o" 2>&1
check "a bad --trusted-proxy is a usage error (exit 2)" [ $? -eq 2 ]
finish
