#!/bin/sh
# t0910-reliability.sh - the store under stress and the files it leaves:
# a database locked by another writer answers 503 with Retry-After (not
# 409, and no crash in the handler that failed to begin its transaction),
# and a new database file is readable by its owner only.
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

finish
