#!/bin/sh
# t0120-first-start.sh - a first start interrupted anywhere is completed by
# the next one: stop `db init` after each seeding step (and with SIGINT at
# varied moments), run it again, and compare every table's row count with an
# uninterrupted init. On both backends (each database from db_new).
. "$(dirname "$0")/lib.sh"
# Seeding is what is tested, not memory safety (the other scripts run the
# sanitizer build): the optimised binary keeps a dozen inits quick.
BIN=${ICSFLOW_BIN:-$B/icsflow}

counts() { # DB -> "table rows" per line, every table (db checksum counts them alike on both backends)
    "$BIN" db checksum --db "$1" | awk 'NF == 3 { print $1, $2 }' | sort
}

ref=$(db_new ref)
"$BIN" db init --db "$ref" >/dev/null 2>&1
counts "$ref" >"$T/ref.counts"
check "the uninterrupted init seeds bed referrals" [ "$(db_sql 'SELECT COUNT(*) FROM bed_referrals' "$ref")" -gt 0 ]
check "the uninterrupted init records 11 seeding steps" [ "$(db_sql 'SELECT COUNT(*) FROM seed_steps' "$ref")" -eq 11 ]
check "every table is counted ($(grep -c . "$T/ref.counts"))" [ "$(grep -c . "$T/ref.counts")" -ge 40 ]

# Seeding on PostgreSQL takes several times as long (a round trip per row):
# there the steps and moments are a sample, first, middle and last step and
# one SIGINT, to keep make test well inside CI's limit.
# (step 10 is the last synthetic one, 11 the other ICSs' directories)
steps="1 2 3 5 7 8 10 11" delays="0.3 1.1 1.9"
[ "$ICS_BACKEND" = pg ] && steps="1 5 11" delays="1.1"
for step in $steps; do
    db=$(db_new stop$step)
    ICSFLOW_STOP_AFTER_STEP=$step "$BIN" db init --db "$db" >/dev/null 2>"$T/stop.log"
    st=$?
    check "db init stops after step $step when asked (exit $st)" [ "$st" -eq 3 ]
    check "after stopping at step $step exactly $step steps are recorded" \
        [ "$(db_sql 'SELECT COUNT(*) FROM seed_steps' "$db")" -eq "$step" ]
    "$BIN" db init --db "$db" >"$T/again.out" 2>&1
    if [ "$step" -lt 11 ]; then
        check "the rerun after step $step says it completed seeding" grep -q "seeding completed" "$T/again.out"
    else
        check "the rerun after the last step says up to date" grep -q "up to date" "$T/again.out"
    fi
    counts "$db" >"$T/got.counts"
    if diff "$T/ref.counts" "$T/got.counts" >"$T/diff"; then
        ok "every table's row count after stopping at step $step and rerunning equals a clean init"
    else
        nok "row counts differ after stopping at step $step: $(tr '\n' ' ' <"$T/diff")"
    fi
done

# SIGINT at varied moments during the (about 3 s) seeding.
for delay in $delays; do
    db=$(db_new "int$(echo "$delay" | tr -d .)")
    "$BIN" db init --db "$db" >/dev/null 2>&1 &
    p=$!
    sleep "$delay"
    kill -INT "$p" 2>/dev/null
    wait "$p"
    "$BIN" db init --db "$db" >/dev/null 2>"$T/int.log"
    st=$?
    check "db init after SIGINT at ${delay}s succeeds (exit $st)" [ "$st" -eq 0 ]
    counts "$db" >"$T/got.counts"
    if diff "$T/ref.counts" "$T/got.counts" >"$T/diff"; then
        ok "row counts after SIGINT at ${delay}s and a rerun equal a clean init"
    else
        nok "row counts differ after SIGINT at ${delay}s: $(tr '\n' ' ' <"$T/diff")"
    fi
done
# Two servers (here two inits) starting together on one new database: one
# seeds while the other waits, then finds every step done; nothing twice.
db=$(db_new twice)
"$BIN" db init --db "$db" >"$T/init1.out" 2>&1 &
p1=$!
"$BIN" db init --db "$db" >"$T/init2.out" 2>&1 &
p2=$!
wait "$p1"; s1=$?
wait "$p2"; s2=$?
check "the first of two simultaneous inits succeeds (exit $s1: $(head -c 200 "$T/init1.out"))" [ "$s1" -eq 0 ]
check "the second of two simultaneous inits succeeds (exit $s2: $(head -c 200 "$T/init2.out"))" [ "$s2" -eq 0 ]
counts "$db" >"$T/got.counts"
if diff "$T/ref.counts" "$T/got.counts" >"$T/diff"; then
    ok "row counts after two simultaneous inits equal a clean init"
else
    nok "row counts differ after two simultaneous inits: $(tr '\n' ' ' <"$T/diff")"
fi
echo "# $n checks, $fails failed"
[ "$fails" -eq 0 ]
