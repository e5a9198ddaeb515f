#!/bin/sh
# t0115-import-seed.sh - `icsflow import` into a new database holds only
# what was imported: no NWL directory and no synthetic history unless
# --seed asks for them, and no later start seeds them either; with --seed
# a new database is seeded first; bad arguments exit 2 and make no
# database. (Issue 20, item 13.)
. "$(dirname "$0")/lib.sh"
QM7=$ROOT/data/ics/QM7
qm7_places=$(($(wc -l <"$QM7/places.csv") - 1))
steps=$(sed -n '/^const app_seed_step app_seed_steps/,/{NULL, NULL}/p' "$ROOT/src/app/seed.c" | grep -o '{"[a-z]*"' | wc -l)

# ---- a new database, no --seed ---------------------------------------------
NEW=$(db_new empty)
"$BIN" import --db "$NEW" --ics QM7 --ics-name "Hertfordshire and West Essex" "$QM7" >"$T/out" 2>"$T/err"
st=$?
check "import of Hertfordshire and West Essex into a new database succeeds (exit $st)" [ $st -eq 0 ]
check "  it says how many rows it imported" grep -q "^imported [0-9][0-9]* rows into .*, ICS QM7$" "$T/out"
check "  and that the new database was left without NWL (--seed adds it)" \
    grep -q "left without the NWL directory and synthetic history (--seed adds them)" "$T/err"
check "the imported places are there ($qm7_places)" \
    [ "$(db_sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QM7'" "$NEW")" = "$qm7_places" ]
check "no NWL place was seeded" [ "$(db_sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QRV'" "$NEW")" = 0 ]
check "no NWL bed unit was seeded" [ "$(db_sql "SELECT COUNT(*) FROM units" "$NEW")" = 0 ]
check "no synthetic UCR referrals" [ "$(db_sql "SELECT COUNT(*) FROM referrals" "$NEW")" = 0 ]
check "no synthetic bed referrals" [ "$(db_sql "SELECT COUNT(*) FROM bed_referrals" "$NEW")" = 0 ]
check "no synthetic waiting list" [ "$(db_sql "SELECT COUNT(*) FROM waitlist_entries" "$NEW")" = 0 ]
check "every seeding step ($steps) is recorded as done, so no later start seeds" \
    [ "$(db_sql "SELECT COUNT(*) FROM seed_steps" "$NEW")" = "$steps" ]
"$BIN" db init --db "$NEW" >/dev/null 2>&1
check "a later start (db init) still seeds no NWL place" \
    [ "$(db_sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QRV'" "$NEW")" = 0 ]
check "  nor synthetic bed referrals" [ "$(db_sql "SELECT COUNT(*) FROM bed_referrals" "$NEW")" = 0 ]
"$BIN" import --db "$NEW" --ics QM7 "$QM7" >/dev/null 2>"$T/err"
check "a second import into it says nothing about seeding" [ ! -s "$T/err" ]

# ---- a failed import into a new database ----------------------------------
printf 'code,name\nE0700009X,Nowhere\n' >"$T/places.csv"
BAD=$(db_new bad)
"$BIN" import --db "$BAD" --ics QM7 --ics-name "Hertfordshire and West Essex" "$T/places.csv" >"$T/out" 2>&1
st=$?
check "a bad row into a new database exits 2 (exit $st)" [ $st -eq 2 ]
check "  naming the row" grep -q "line 2" "$T/out"
check "  and nothing was seeded around it" [ "$(db_sql "SELECT COUNT(*) FROM places" "$BAD")" = 0 ]

# ---- --seed --------------------------------------------------------------
SEEDED=$(db_new seeded)
"$BIN" import --db "$SEEDED" --seed --ics QM7 --ics-name "Hertfordshire and West Essex" "$QM7" >"$T/out" 2>"$T/err"
st=$?
check "import --seed into a new database succeeds (exit $st)" [ $st -eq 0 ]
check "  NWL's eight boroughs were seeded first" \
    [ "$(db_sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QRV'" "$SEEDED")" = 8 ]
check "  with the synthetic bed history" \
    [ "$(db_sql "SELECT COUNT(*) FROM bed_referrals WHERE synthetic = 1" "$SEEDED")" -gt 0 ]
check "  and the import is there too" \
    [ "$(db_sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QM7'" "$SEEDED")" = "$qm7_places" ]

# ---- bad arguments make no database ----------------------------------------
NONE=$(db_new none)
"$BIN" import --db "$NONE" --seed=yes "$QM7" >"$T/out" 2>&1
st=$?
check "--seed takes no value: exit 2 (exit $st)" [ $st -eq 2 ]
check "  with one line saying so" [ "$(wc -l <"$T/out")" = 1 ]
"$BIN" import --db "$NONE" --seed >"$T/out" 2>&1
st=$?
check "--seed and no file: exit 2 (exit $st)" [ $st -eq 2 ]
no_db() { ! db_exists "$1"; }
check "  no database was made" no_db "$NONE"
"$BIN" import --db "$NONE" "$(printf 'caf\351.csv')" >"$T/out" 2>&1
st=$?
check "a file name that is not UTF-8 and does not exist: exit 2 (exit $st)" [ $st -eq 2 ]
finish
