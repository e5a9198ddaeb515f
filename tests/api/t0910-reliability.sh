#!/bin/sh
# t0910-reliability.sh - the store under stress and the files it leaves:
# a database locked by another writer answers 503 with Retry-After (not
# 409, and no crash in the handler that failed to begin its transaction),
# a new database file is readable by its owner only, and an encoded NUL in
# a path or query is refused (it used to cut the path short, so
# /index.html%00.js served index.html).
# backends: sqlite (file modes and a lock held by the sqlite3 shell are SQLite's;
# PostgreSQL's busy and lost-connection answers are tested in t1320 and t1350)
. "$(dirname "$0")/lib.sh"
export ICSFLOW_BUSY_MS=200
start_server

check "the new database file is private (mode $(stat -c %a "$DB"))" [ "$(stat -c %a "$DB")" = 600 ]

# another connection holds the write lock for three seconds
(echo "BEGIN IMMEDIATE;"; sleep 3; echo "ROLLBACK;") | sqlite3 "$DB" &
HOLD=$!
sleep 0.5
api PUT /api/v1/services/FALLS-HH/capacity "$ADMIN" '{"used_today":3}'
expect "a capacity update while another writer holds the database" 503
code=$(curl -s -o /dev/null -D "$T/hdr" -w '%{http_code}' -X PUT -H "Authorization: Bearer $ADMIN" \
    -H "Content-Type: application/json" --data-binary '{"used_today":3}' \
    "$URL/api/v1/services/FALLS-HH/capacity")
check "a second try while locked is 503 too ($code)" [ "$code" = 503 ]
check "the 503 says when to retry" grep -qi '^Retry-After: [0-9]' "$T/hdr"
wait "$HOLD"
api PUT /api/v1/services/FALLS-HH/capacity "$ADMIN" '{"used_today":3}'
expect "the same update once the lock is released" 200
check "the update is stored" [ "$(sql "SELECT used_today FROM service_capacity WHERE service_id = 'FALLS-HH'")" = 3 ]
check "the write-ahead log is private too" [ "$(stat -c %a "$DB-wal")" = 600 ]
check "so is the shared-memory index" [ "$(stat -c %a "$DB-shm")" = 600 ]

# ---- an encoded NUL is refused, never a silent cut -------------------------
api GET "/index.html%00.js" ""
expect "the dashboard page with %00.js after it" 400
check "and the page is not served" [ "$CTYPE" != "text/html" ]
api GET "/index.html" ""
check "the page itself is still served ($STATUS $CTYPE)" [ "$STATUS" = 200 ]
api GET "/api/v1/sites/RYJ01%00junk" "$ADMIN"
expect "an API path with an encoded NUL" 400
api GET "/api/v1/sitrep/today?day=2026-01-01%00x" "$ADMIN"
expect "a query value with an encoded NUL" 400
api GET "/api/v1/sites?limit=5%2B" "$ADMIN"
expect "other escapes still decode (%2B is a plus sign, so the limit is refused)" 422

finish
