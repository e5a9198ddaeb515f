#!/bin/sh
# t1340-migrate-times.sh - a database written before every instant became
# INTEGER seconds since the epoch (fixtures/t1340-before.sql, made by commit
# f994586 with fixtures/t1340-make.sh) opens, keeps every row, and has each
# old text time (ISO 8601 'Z', or SQLite's CURRENT_TIMESTAMP) converted to
# the same instant; the API then shows what the old server showed
# (fixtures/t1340-before.json), and a second open changes nothing.
# The expected seconds are computed here by SQLite's own strftime('%s'),
# independently of icsflow's parser.
# backends: sqlite
. "$(dirname "$0")/lib.sh"
FX=$ROOT/tests/api/fixtures
OLD=$T/before.db
sqlite3 "$OLD" <"$FX/t1340-before.sql"
cp "$OLD" "$DB"

# table;key columns;columns converted (every instant the old schema kept as text)
cat >"$T/cols" <<'EOF'
schema_migrations;module,version;applied_at
users;id;created_at revoked_at
audit;id;at
tokens;id;created_at expires_at last_used_at revoked_at
oidc_logins;state;created_at
sitrep_submissions;id;submitted_at
sitrep_aid_requests;id;created_at updated_at
sitrep_aid_offers;id;created_at
sitrep_aid_events;id;at
waitlist_entries;id;imported_at
waitlist_runs;id;created_at
sim_runs;id;created_at
analytics_datasets;dataset;created_at
allocation_runs;id;created_at
EOF
# every table but schema_migrations, which gains the new steps, and
# seed_steps, which gains the steps added since (checked below)
tables=$(sqlite3 "$OLD" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_migrations', 'seed_steps') ORDER BY name")
for t in $tables; do echo "$t $(sqlite3 "$OLD" "SELECT COUNT(*) FROM $t")"; done >"$T/counts.before"
check "the fixture has text times to convert" \
    [ "$(sqlite3 "$OLD" "SELECT COUNT(*) FROM audit WHERE typeof(at) = 'text'")" -gt 0 ]
check "the fixture has SQLite CURRENT_TIMESTAMP text" \
    [ "$(sqlite3 "$OLD" "SELECT COUNT(*) FROM analytics_datasets WHERE created_at LIKE '____-__-__ __:__:__'")" -gt 0 ]

start_server
check "the server opens the old database" [ -n "$PID" ]
for m in core/2 tokens/2 sitrep/3 waitlist/2 sim/2 analytics/2; do
    check "migration ${m%/*} v${m#*/} is recorded" \
        [ "$(sql "SELECT COUNT(*) FROM schema_migrations WHERE module = '${m%/*}' AND version = ${m#*/}")" -eq 1 ]
done
for t in $tables; do echo "$t $(sql "SELECT COUNT(*) FROM $t")"; done >"$T/counts.after"
check "every table keeps every row ($(wc -l <"$T/counts.before") tables)" cmp -s "$T/counts.before" "$T/counts.after"
check "seed_steps keeps every step it had" \
    [ "$(sqlite3 "$DB" "ATTACH '$OLD' AS o; SELECT COUNT(*) FROM o.seed_steps p JOIN seed_steps n USING (step)")" -eq "$(sqlite3 "$OLD" "SELECT COUNT(*) FROM seed_steps")" ]
check "and counts the 'ics' step done (the old database keeps its one ICS: places above)" \
    [ "$(sql "SELECT COUNT(*) FROM seed_steps WHERE step = 'ics'")" = 1 ]
check "every step applied before is still recorded" \
    [ "$(sqlite3 "$DB" "ATTACH '$OLD' AS o; SELECT COUNT(*) FROM o.schema_migrations p JOIN schema_migrations n USING (module, version)")" -eq "$(sqlite3 "$OLD" "SELECT COUNT(*) FROM schema_migrations")" ]

while IFS=';' read -r t key cols; do
    on=$(echo "$key" | tr ',' '\n' | sed 's/.*/n.& = p.&/' | paste -sd' ' | sed 's/ n\./ AND n./g')
    for c in $cols; do
        check "$t.$c is declared INTEGER" \
            [ "$(sql "SELECT type FROM pragma_table_info('$t') WHERE name = '$c'")" = INTEGER ]
        check "$t.$c holds only integers" \
            [ "$(sql "SELECT COUNT(*) FROM $t WHERE $c IS NOT NULL AND typeof($c) <> 'integer'")" -eq 0 ]
        want=$(sqlite3 "$OLD" "SELECT COUNT(*) FROM $t WHERE $c IS NOT NULL")
        same=$(sqlite3 "$DB" "ATTACH '$OLD' AS o; SELECT COUNT(*) FROM $t n JOIN o.$t p ON $on
            WHERE n.$c IS NOT NULL AND n.$c = CAST(strftime('%s', p.$c) AS INTEGER)")
        check "$t.$c: each of $want values is the same instant" [ "$same" = "$want" ]
        nulls=$(sqlite3 "$DB" "ATTACH '$OLD' AS o; SELECT COUNT(*) FROM $t n JOIN o.$t p ON $on
            WHERE (n.$c IS NULL) <> (p.$c IS NULL)")
        check "$t.$c: unset stays unset" [ "$nulls" -eq 0 ]
    done
done <"$T/cols"
check "NOT NULL columns stay NOT NULL (tokens.expires_at)" \
    [ "$(sql "SELECT \"notnull\" FROM pragma_table_info('tokens') WHERE name = 'expires_at'")" = 1 ]
check "nullable columns stay nullable (tokens.revoked_at)" \
    [ "$(sql "SELECT \"notnull\" FROM pragma_table_info('tokens') WHERE name = 'revoked_at'")" = 0 ]

# the API shows what the old server showed
ADMIN=$(mktoken t1340.admin admin)
OPS=$(mktoken t1340.ops trust_ops RYJ)
ANA=$(mktoken t1340.ana analyst)
before() { jq -S "$1" "$FX/t1340-before.json"; }
same_as_before() { # DESC OLD-FILTER NEW-FILTER
    jq -S "$3" "$T/body" >"$T/new.json"
    before "$2" >"$T/old.json"
    if cmp -s "$T/old.json" "$T/new.json"; then ok "$1"; else nok "$1: $(diff "$T/old.json" "$T/new.json" | head -5)"; fi
}
api GET /api/v1/users "$ADMIN"
expect "users" 200
same_as_before "users: created_at and revoked_at as before" \
    '[.users.items[] | {name, created_at, revoked_at}]' '[.items[] | select(.name | startswith("t1340") | not) | {name, created_at, revoked_at}]'
api GET /api/v1/users/ana/tokens "$ADMIN"
expect "a user's tokens" 200
same_as_before "tokens: created_at, expires_at, last_used_at, revoked_at as before" \
    '.tokens.items' '.items'
api GET '/api/v1/audit?limit=500' "$ADMIN"
expect "the audit trail" 200
same_as_before "audit: every old record at the same time" \
    '[.audit.items[] | {id, at, action}]' "[.items[] | select(.id <= $(before '[.audit.items[].id] | max')) | {id, at, action}]"
api GET /api/v1/sim/runs "$ANA"
expect "sim runs" 200
same_as_before "sim runs: created_at as before" '[.sim_runs.items[] | {id, created_at}]' '[.items[] | {id, created_at}]'
api GET /api/v1/waitlist/runs "$ADMIN"
expect "waiting-list runs" 200
same_as_before "waiting-list runs: created_at as before" \
    '[.waitlist_runs | (.items? // .)[] | {id, created_at}]' '[(.items? // .)[] | {id, created_at}]'
AID=$(before '.aid.id')
api GET "/api/v1/sitrep/aid/$AID" "$OPS"
expect "the mutual-aid request" 200
same_as_before "mutual aid: request, offer and history times as before" \
    '.aid | {created_at, updated_at, offers: [.offers[].created_at], events: [.events[].at]}' \
    '{created_at, updated_at, offers: [.offers[].created_at], events: [.events[].at]}'
DAY=$(jq -r '.sitrep.day' "$FX/t1340-before.json")
api GET "/api/v1/sitrep/providers/RYJ/days/$DAY" "$ADMIN"
expect "the sitrep versions of the fixture's day" 200
same_as_before "sitrep: submitted_at as before" '[.sitrep | .. | objects | .submitted_at? // empty]' \
    '[.. | objects | .submitted_at? // empty]'
# CURRENT_TIMESTAMP ("YYYY-MM-DD HH:MM:SS", UTC) is now shown like every
# other instant: ISO 8601 with 'Z', the same second
api GET /api/v1/analytics/datasets "$ANA"
expect "datasets" 200
same_as_before "datasets: the same second, now as ISO 8601 UTC" \
    '[.datasets.items[] | {dataset, created_at: (.created_at | sub(" "; "T") + "Z")}]' \
    '[.items[] | {dataset, created_at}]'
api GET /api/v1/analytics/allocation/runs "$ANA"
expect "allocation runs" 200
same_as_before "allocation runs: the same second, now as ISO 8601 UTC" \
    '[.allocation_runs.items[] | {id, created_at: (.created_at | sub(" "; "T") + "Z")}]' \
    '[.items[] | {id, created_at}]'
api GET /api/v1/me "$ADMIN"
expect "a token made after the migration works" 200

# a second open applies nothing and changes nothing
stop_server
sql "SELECT module, version, applied_at FROM schema_migrations ORDER BY module, version" >"$T/mig.1"
sql "SELECT id, at FROM audit ORDER BY id" >"$T/audit.1"
start_server
sql "SELECT module, version, applied_at FROM schema_migrations ORDER BY module, version" >"$T/mig.2"
sql "SELECT id, at FROM audit ORDER BY id" >"$T/audit.2"
check "a second open applies no migration" cmp -s "$T/mig.1" "$T/mig.2"
check "a second open leaves the times alone" cmp -s "$T/audit.1" "$T/audit.2"
finish
