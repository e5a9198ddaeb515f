#!/bin/sh
# t0120-first-start.sh - a first start interrupted anywhere is completed by
# the next one: stop `db init` after each seeding step (and with SIGINT at
# varied moments), run it again, and compare every table's row count with an
# uninterrupted init.
. "$(dirname "$0")/lib.sh"
# Seeding is what is tested, not memory safety (the other scripts run the
# sanitizer build): the optimised binary keeps a dozen inits quick.
BIN=${ICSFLOW_BIN:-$B/icsflow}

counts() { # DB -> "table rows" per line, every table
    for t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"); do
        echo "$t $(sqlite3 "$1" "SELECT COUNT(*) FROM \"$t\"")"
    done
}

"$BIN" db init --db "$T/ref.db" >/dev/null 2>&1
counts "$T/ref.db" >"$T/ref.counts"
check "the uninterrupted init seeds bed referrals" [ "$(sqlite3 "$T/ref.db" 'SELECT COUNT(*) FROM bed_referrals')" -gt 0 ]
check "the uninterrupted init records 7 seeding steps" [ "$(sqlite3 "$T/ref.db" 'SELECT COUNT(*) FROM seed_steps')" -eq 7 ]

for step in 1 2 3 5 7; do
    db=$T/stop$step.db
    ICSFLOW_STOP_AFTER_STEP=$step "$BIN" db init --db "$db" >/dev/null 2>"$T/stop.log"
    st=$?
    check "db init stops after step $step when asked (exit $st)" [ "$st" -eq 3 ]
    check "after stopping at step $step exactly $step steps are recorded" \
        [ "$(sqlite3 "$db" 'SELECT COUNT(*) FROM seed_steps')" -eq "$step" ]
    "$BIN" db init --db "$db" >"$T/again.out" 2>&1
    if [ "$step" -lt 7 ]; then
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
for delay in 0.3 1.1 1.9; do
    db=$T/int$delay.db
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
echo "# $n checks, $fails failed"
rm -rf "$T"
[ "$fails" -eq 0 ]
