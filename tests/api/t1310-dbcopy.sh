#!/bin/sh
# t1310-dbcopy.sh - moving a deployment: `db copy` of the seeded NWL
# database (SQLite) into the backend under test (a new SQLite file, or an
# empty PostgreSQL database for t1310-dbcopy@pg), proven by row counts and
# checksums and by the main API reads answering the same on both; a copy
# back; backup and restore round trips; and the refusals that protect an
# existing database.
. "$(dirname "$0")/lib.sh"

# the source: the seeded NWL database as a SQLite file, with an admin user
# whose token therefore travels with the copy
SRC=$T/nwl.db
be=$ICS_BACKEND
ICS_BACKEND=sqlite fresh_db "$SRC"
ICS_BACKEND=$be
ADMIN=$("$BIN" user add --db "$SRC" --name admin --role admin --org QRV | tail -n 1)

DST=$(db_new copy)
"$BIN" db copy --from "$SRC" --to "$DST" >"$T/copy.out" 2>"$T/copy.err"; st=$?
check "db copy SQLite -> $ICS_BACKEND exits 0 (exit $st: $(head -c 300 "$T/copy.err"))" [ $st -eq 0 ]
check "it says the row counts and checksums match" grep -q "row counts and checksums match$" "$T/copy.out"
ntables=$(sed -n 's/^copied \([0-9]*\) tables.*/\1/p' "$T/copy.out")
nrows=$(sed -n 's/^copied [0-9]* tables, \([0-9]*\) rows.*/\1/p' "$T/copy.out")
check "every table is copied ($ntables)" [ "${ntables:-0}" -ge 40 ]
check "with the seeded history ($nrows rows)" [ "${nrows:-0}" -ge 100000 ]

"$BIN" db checksum --db "$SRC" >"$T/src.sum" 2>&1
"$BIN" db checksum --db "$DST" >"$T/dst.sum" 2>&1
check "db checksum reads the source" grep -q "^waitlist_entries  *40000 " "$T/src.sum"
check "the copy has the same rows and checksums, table by table" cmp -s "$T/src.sum" "$T/dst.sum"
check "the copy's per-table lines are the ones db copy printed" [ "$(grep -c . "$T/copy.out")" -eq "$(grep -c . "$T/dst.sum")" ]
check "row counts agree with the database's own count" [ "$(db_sql 'SELECT COUNT(*) FROM referrals' "$DST")" = "$(sed -n 's/^referrals  *\([0-9]*\) .*/\1/p' "$T/src.sum")" ]

# a checksum notices a changed value, and a missing row
db_sql "UPDATE places SET name = name || ' ' WHERE code = 'E09000017'" "$DST"
"$BIN" db checksum --db "$DST" >"$T/changed.sum" 2>&1
check "a changed value changes the table's checksum" [ "$(grep '^places ' "$T/changed.sum")" != "$(grep '^places ' "$T/src.sum")" ]
check "and no other table's" [ "$(diff "$T/changed.sum" "$T/src.sum" | grep -c '^<')" -eq 1 ]
db_sql "UPDATE places SET name = TRIM(name) WHERE code = 'E09000017'" "$DST"
"$BIN" db checksum --db "$DST" >"$T/back.sum" 2>&1
check "changed back, the checksums are equal again" cmp -s "$T/back.sum" "$T/src.sum"

# refusals: never into a database that holds icsflow data, never over a file
"$BIN" db copy --from "$SRC" --to "$DST" >"$T/out" 2>&1; st=$?
check "copying into a database that already holds icsflow's tables exits 2 (exit $st)" [ $st -eq 2 ]
check "saying so" grep -q "already holds an icsflow database\|exists: db copy writes a new database" "$T/out"
check "and leaves it as it was" [ "$("$BIN" db checksum --db "$DST" 2>&1)" = "$(cat "$T/src.sum")" ]
"$BIN" db copy --from "$T/none.db" --to "$T/x.db" >"$T/out" 2>&1; st=$?
check "a missing source exits 2 (exit $st)" [ $st -eq 2 ]
check "and creates nothing" [ ! -e "$T/x.db" ]
"$BIN" db copy --from "$SRC" >"$T/out" 2>&1; st=$?
check "copy without --to exits 2" [ $st -eq 2 ]

# the main API reads answer the same on the copy as on the original (the
# reads are audited, so the checksums above come first)
# (waits in days and generation times come from the clock at each call, so
# they are left out of the comparison)
reads="/api/v1/sites /api/v1/places/E09000017 /api/v1/services?place=E09000017 /api/v1/units?place=E09000005
/api/v1/beds/board /api/v1/beds/los /api/v1/beds/referrals?limit=50 /api/v1/sitrep/thresholds
/api/v1/sitrep/today /api/v1/analytics/variation /api/v1/analytics/allocation /api/v1/reports/harmonisation
/api/v1/reports/ucr?from=2026-01-01&to=2026-06-30 /api/v1/waitlist/equity /api/v1/waitlist/entries?limit=50
/api/v1/organisations/RYJ /api/v1/fhir/Location?_count=20"
# (FHIR's absolute URLs name each server's own port: compared without it)
nowless='walk(if type == "object" then with_entries(select(.key | test("wait_days$|^generated_at$") | not))
    elif type == "string" then sub("^http://127\\.0\\.0\\.1:[0-9]+"; "") else . end)'

side=0 # (start_server uses i)
for db in "$SRC" "$DST"; do
    side=$((side + 1))
    DB=$db
    start_server
    j=0
    for r in $reads; do
        j=$((j + 1))
        api GET "$r" "$ADMIN"
        echo "$STATUS" >"$T/r$side.$j.status"
        jq -S "$nowless" "$T/body" >"$T/r$side.$j.json" 2>/dev/null || cp "$T/body" "$T/r$side.$j.json"
    done
    stop_server
done
j=0
for r in $reads; do
    j=$((j + 1))
    st=$(cat "$T/r1.$j.status")
    if [ "$st" = 200 ]; then
        ok "GET $r answers 200 on the original"
    else
        nok "GET $r answers 200 on the original: $st $(head -c 200 "$T/r1.$j.json" | tr '\n' ' ')"
    fi
    if cmp -s "$T/r1.$j.json" "$T/r2.$j.json"; then
        ok "GET $r answers the same on the copy"
    else
        nok "GET $r answers the same on the copy: $(diff "$T/r1.$j.json" "$T/r2.$j.json" | head -n 6)"
    fi
done

# the copy takes new writes with new ids (sequences moved past the copied ids)
DB=$DST
start_server
maxid=$(db_sql "SELECT MAX(referral_id) FROM bed_referrals" "$DST")
api POST /api/v1/beds/referrals "$ADMIN" '{"nhs_number":"943 476 5919","age":84,"sex":"F","postcode":"W2 1NY","referring_site":"RYJ01","bed_type":"rehabilitation","priority":1}'
expect "a bed referral on the copy" 201
check "gets the id after the largest copied ($maxid)" [ "$(jqb .referral_id)" = "$((maxid + 1))" ]
stop_server

# backup and restore round trip in the backend's own format
"$BIN" db backup --db "$DST" --to "$T/copy.bak" >"$T/out" 2>&1; st=$?
check "db backup exits 0 (exit $st: $(head -c 200 "$T/out"))" [ $st -eq 0 ]
check "the backup file is private (mode $(stat -c %a "$T/copy.bak" 2>/dev/null))" [ "$(stat -c %a "$T/copy.bak" 2>/dev/null)" = 600 ]
"$BIN" db backup --db "$DST" --to "$T/copy.bak" >"$T/out" 2>&1; st=$?
check "a backup never overwrites a file (exit $st)" [ $st -eq 2 ]
"$BIN" db checksum --db "$DST" >"$T/dst2.sum" 2>&1
RESTORED=$(db_new restored)
"$BIN" db restore --from "$T/copy.bak" --db "$RESTORED" >"$T/restore.out" 2>&1; st=$?
check "db restore exits 0 (exit $st: $(tail -n 3 "$T/restore.out" | head -c 300))" [ $st -eq 0 ]
grep -v '^restored ' "$T/restore.out" >"$T/restore.sum"
sed '$d' "$T/dst2.sum" >"$T/dst2.tables"
check "the restored database has every row of the backed-up one" cmp -s "$T/restore.sum" "$T/dst2.tables"
"$BIN" db restore --from "$T/copy.bak" --db "$RESTORED" >"$T/out" 2>&1; st=$?
check "restoring over a database that holds data fails (exit $st)" [ $st -ne 0 ]
"$BIN" db checksum --db "$RESTORED" >"$T/restored2.sum" 2>&1
check "and leaves it as it was" cmp -s "$T/restored2.sum" "$T/dst2.sum"
if [ "$ICS_BACKEND" = pg ]; then
    "$BIN" db restore --from "$T/copy.bak" --db "$T/wrong.db" >"$T/out" 2>&1; st=$?
    check "a pg_dump backup does not restore into a SQLite file (exit $st)" [ $st -eq 2 ]
    check "the message points at db copy" grep -q "db copy" "$T/out"
fi

# and back: the copy copied into a new SQLite file equals it
"$BIN" db copy --from "$DST" --to "$T/back.db" >"$T/out" 2>&1; st=$?
check "db copy $ICS_BACKEND -> SQLite exits 0 (exit $st: $(tail -n 1 "$T/out" | head -c 300))" [ $st -eq 0 ]
"$BIN" db checksum --db "$T/back.db" >"$T/back2.sum" 2>&1
check "the copy back equals its source" cmp -s "$T/back2.sum" "$T/dst2.sum"
check "the copied-back file is private (mode $(stat -c %a "$T/back.db"))" [ "$(stat -c %a "$T/back.db")" = 600 ]
DB=$T/back.db
finish
