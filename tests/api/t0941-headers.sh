#!/bin/sh
# t0941-headers.sh - oversized request heads are answered by icsflow, as
# problem+json like every other error, not by libmicrohttpd's own HTML page:
# one huge header, many headers, a huge query string, each over the 64 KiB
# limit, get 431 application/problem+json naming the limit; a head far over
# it (more than libmicrohttpd's 128 KiB pool holds) gets libmicrohttpd's own
# 431; a head just under the limit is served; the server keeps serving
# afterwards.
. "$(dirname "$0")/lib.sh"
start_server

# head FILE URL -> STATUS, CTYPE (body in $T/body): the headers in FILE
head_req() {
    out=$(curl -s -m 20 -o "$T/body" -w '%{http_code} %{content_type}' -H "@$1" "$2")
    STATUS=${out%% *} CTYPE=${out#* }
}
big() { head -c "$1" /dev/zero | tr '\0' 'a'; }

printf 'X-Big: %s\n' "$(big 80000)" >"$T/one"
head_req "$T/one" "$URL/healthz"
expect "one 80 KB header" 431
check "as problem+json (got $CTYPE)" [ "$CTYPE" = "application/problem+json" ]
jqcheck "naming the limit" '.detail | test("65536 bytes")'
jqcheck "with the status in the problem" '.status == 431'

i=0
: >"$T/many"
while [ $i -lt 640 ]; do printf 'X-H%d: %s\n' $i "$(big 100)" >>"$T/many"; i=$((i + 1)); done
head_req "$T/many" "$URL/api/v1/me"
expect "640 headers of 100 bytes (70 KB)" 431
check "as problem+json (got $CTYPE)" [ "$CTYPE" = "application/problem+json" ]

: >"$T/none"
head_req "$T/none" "$URL/healthz?x=$(big 70000)"
expect "a 70 KB query string" 431
check "as problem+json (got $CTYPE)" [ "$CTYPE" = "application/problem+json" ]

printf 'X-Big: %s\n' "$(big 200000)" >"$T/huge"
head_req "$T/huge" "$URL/healthz"
check "a 200 KB header (far over the limit) gets libmicrohttpd's own 431 ($STATUS)" [ "$STATUS" = 431 ]

printf 'X-Big: %s\n' "$(big 60000)" >"$T/under"
head_req "$T/under" "$URL/healthz"
check "a 60 KB header, under the limit, is served ($STATUS)" [ "$STATUS" = 200 ]
printf 'Authorization: Bearer %s\nX-Big: %s\n' "$ADMIN" "$(big 60000)" >"$T/under"
head_req "$T/under" "$URL/api/v1/me"
check "a signed-in request with a 60 KB header is served ($STATUS)" [ "$STATUS" = 200 ]
api GET /api/v1/me "$ADMIN"
expect "the server keeps serving" 200
finish
