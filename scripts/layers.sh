#!/bin/sh
# layers.sh - check the layering rules of docs/architecture.md (run by
# `make test`): SQL only under src/store, and no reading or parsing of CSV
# data there (the application reads and checks, the store writes rows);
# no SQL date function in any query (instants are INTEGER seconds the use
# case passes: docs/architecture.md, "Time"); audit records and change events
# written only by the application layer (src/app); shells (HTTP handlers
# and CLI commands) never call the store directly (store_close and the
# store_is_uri predicate on a --db string aside). Files not yet moved to
# the application layer are listed in scripts/layers-pending.txt, and the
# list may only shrink. Prints each violation and exits 1 when any.
set -u
cd "$(dirname "$0")/.."
pending=scripts/layers-pending.txt
bad=0
is_pending() { [ -f "$pending" ] && grep -qx "$1" "$pending"; }
report() { # FILE RULE LINES
    if is_pending "$1"; then return; fi
    echo "$1: $2"; echo "$3" | sed 's/^/    /' | head -5
    bad=1
}
for f in $(find src -name '*.c' -o -name '*.h' | sort); do
    case $f in src/store/*) continue ;; esac
    hits=$(grep -nE '"[^"]*\b(SELECT .* FROM|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM|CREATE (TABLE|INDEX)|BEGIN IMMEDIATE|PRAGMA )' "$f")
    [ -n "$hits" ] && report "$f" "SQL outside src/store" "$hits"
done
for f in src/store/*.c; do
    hits=$(grep -nE '\b(csv_read_file|csv_parse)\(' "$f")
    [ -n "$hits" ] && report "$f" "reading or parsing CSV in the store (read and check in src/app)" "$hits"
done
for f in $(find src -name '*.c' | sort); do
    hits=$(grep -nE '"[^"]*(\bCURRENT_(TIMESTAMP|DATE|TIME)\b|\bLOCALTIMESTAMP\b|\b(strftime|datetime|julianday|unixepoch|clock_timestamp)\(|'"'now'"'|\b(VALUES|SET|WHERE|SELECT)\b[^"]*\bnow\(\))' "$f")
    [ -n "$hits" ] && report "$f" "a SQL date function (bind the use case's now as seconds)" "$hits"
done
for f in $(find src -name '*.c' | sort); do
    case $f in src/app/*|src/store/query.c|src/store/events.c) continue ;; esac
    hits=$(grep -nE '\b(store_audit|http_audit|app_audit|app_emit|app_record|store_event_insert)\(' "$f")
    [ -n "$hits" ] && report "$f" "audit or change event outside src/app" "$hits"
done
for f in src/http/h_*.c src/cli/cmd_*.c; do
    hits=$(grep -nE '\bstore_[a-z_]+\(' "$f" | grep -vE '\bstore_(close|is_uri)\(')
    [ -n "$hits" ] && report "$f" "a shell calls the store directly (call an app_ function)" "$hits"
done
# The pending list only names files that still break a rule.
if [ -f "$pending" ]; then
    for f in $(cat "$pending"); do
        [ -f "$f" ] || { echo "$pending: '$f' does not exist"; bad=1; continue; }
        sql=$(grep -cE '"[^"]*\b(SELECT .* FROM|INSERT INTO|UPDATE [a-z_]+ SET|DELETE FROM)' "$f")
        aud=$(grep -cE '\b(store_audit|http_audit)\(' "$f")
        st=$(grep -E '\bstore_[a-z_]+\(' "$f" | grep -cvE '\bstore_(close|is_uri)\(')
        case $f in src/store/*) st=0; sql=0 ;; esac
        [ "$sql" -eq 0 ] && [ "$aud" -eq 0 ] && [ "$st" -eq 0 ] &&
            { echo "$pending: '$f' follows the rules now: remove it from the list"; bad=1; }
    done
fi
[ "$bad" -eq 0 ] && echo "layers: ok"
exit "$bad"
