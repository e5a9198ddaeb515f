#!/bin/sh
# run.sh - the dashboard in a real browser: starts `icsflow serve` on a free
# loopback port with a fresh seeded database, makes a token per role, and
# runs tests/e2e/dashboard.mjs (playwright-core driving Debian's chromium).
# Prints "ok N - ..." / "not ok N - ..."; screenshots go to $BUILD/e2e/.
# Fails loudly (never skips) when chromium, node or the npm packages are missing.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
case ${BUILD:-build} in /*) B=$BUILD ;; *) B=$ROOT/${BUILD:-build} ;; esac
BIN=${ICSFLOW_BIN:-$B/icsflow}
[ -x "$BIN" ] || BIN=$B/asan/icsflow
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
OUT=$B/e2e
export ICSFLOW_DATA=$ROOT/data

die() { echo "not ok 1 - $1"; exit 1; }
[ -x "$BIN" ] || die "no icsflow binary at $B/icsflow (run make)"
command -v node >/dev/null 2>&1 || die "node is not installed (scripts/deps.sh test installs it)"
[ -x "$CHROMIUM" ] || die "chromium is not installed at $CHROMIUM (scripts/deps.sh test installs it)"
[ -f node_modules/playwright-core/package.json ] || die "node_modules/playwright-core is missing (run make web)"
[ -f web/vendor/chart.umd.min.js ] || die "web/vendor/chart.umd.min.js is missing (run make web)"

T=$(mktemp -d)
DB=$T/e2e.db
PID=""
PGDB=""
cleanup() {
    [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID"
    [ -n "$PGDB" ] && psql -X -q -d "$ICS_PG_URI/postgres" -c "DROP DATABASE IF EXISTS $PGDB" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
mkdir -p "$OUT" "$OUT/pg"
rm -f "$OUT"/*.png "$OUT"/pg/*.png

"$BIN" db init --db "$DB" >"$T/init.log" 2>&1 || { cat "$T/init.log"; die "db init failed"; }
tok() { "$BIN" user add --db "$DB" --name "$1" --role "$2" ${3:+--org "$3"} | tail -n 1; }
ADMIN=$(tok e2e-admin admin QRV)
COORD=$(tok e2e-coordinator coordinator QRV)
COORD2=$(tok e2e-coordinator2 coordinator QRV)
UCR=$(tok e2e-ucr clinician RV3) # a rapid-response provider (CNWL)
CLIN=$(tok e2e-clinician clinician RRU)
OPS=$(tok e2e-ops trust_ops RYJ)
ANALYST=$(tok e2e-analyst analyst QRV)
EXEC=$(tok e2e-executive executive)
CLCH=$(tok e2e-clch trust_ops RYX) # CLCH works in four ICSs: the ICS switcher
CLIN_ORG=RRU
export ADMIN COORD COORD2 CLIN CLIN_ORG OPS ANALYST UCR EXEC CLCH

# With a PostgreSQL cluster (tests/run.sh exports ICS_PG_URI), the same
# seeded database, tokens included, is moved there by `db copy` before any
# test touches it, and the dashboard and live scripts run again on the copy:
# a deployment moved to PostgreSQL must still work in the browser.
if [ -n "${ICS_PG_URI:-}" ] && [ "${E2E_PG:-1}" != 0 ]; then
    PGDB=e2e_$$
    psql -X -q -v ON_ERROR_STOP=1 -d "$ICS_PG_URI/postgres" -c "CREATE DATABASE $PGDB" >"$T/pg.log" 2>&1 ||
        { cat "$T/pg.log"; die "could not create the PostgreSQL database $PGDB"; }
    "$BIN" db copy --from "$DB" --to "$ICS_PG_URI/$PGDB" >"$T/copy.log" 2>&1 ||
        { cat "$T/copy.log"; die "db copy to PostgreSQL failed"; }
fi
# serve_on DB: starts the server (PID) and exports ICS_URL
serve_on() {
    rm -f "$T/port"
    # Every browser tab holds an event stream, all from 127.0.0.1.
    "$BIN" serve --db "$1" --listen 127.0.0.1:0 --port-file "$T/port" --streams-per-addr 64 >"$T/server.log" 2>&1 &
    PID=$!
    i=0
    while [ ! -s "$T/port" ]; do
        i=$((i + 1))
        if [ $i -gt 600 ] || ! kill -0 "$PID" 2>/dev/null; then
            cat "$T/server.log"; die "icsflow serve did not start on $1"
        fi
        sleep 0.05
    done
    export ICS_URL="http://127.0.0.1:$(cat "$T/port")" ICS_DB="$1"
}

# stop_server: SIGTERM, then the exit status and the log are checked
stop_server() {
    kill -TERM "$PID"
    wait "$PID"
    sst=$?
    PID=""
    if [ "$sst" -ne 0 ]; then
        echo "not ok - server exited with status $sst on SIGTERM"; cat "$T/server.log"; st=1
    fi
    if grep -q "ERROR: AddressSanitizer\|runtime error:\|LeakSanitizer" "$T/server.log"; then
        echo "not ok - sanitizer report in the server log"; cat "$T/server.log"; st=1
    fi
}
export ICS_OUT="$OUT" CHROMIUM ICS_BIN="$BIN"

# E2E_ONLY=live runs one script (tests/e2e/NAME.mjs); live.mjs checks the live
# updates with two browser contexts; oidc.mjs signs in through the test
# OpenID provider with a second server of its own; ux.mjs checks issue 20's
# cross-cutting items (field errors, downloads, print, formats, deep links,
# 768 px); a11y.mjs runs axe-core on every view as every role (WCAG 2.2 AA);
# governance.mjs edits the Board's ledger (issue 16); bookings.mjs a run's booking list;
# route.mjs the route answer's summary lines (bank holiday, nothing eligible);
# screens.mjs saves a PNG of every view at 1440 and 768 px into $SHOT_DIR
# (default /tmp/icsflow-shots)
st=0
serve_on "$DB"
for s in ${E2E_ONLY:-dashboard live oidc ux a11y governance bureau bookings route screens}; do
    node "tests/e2e/$s.mjs" || st=1
done
stop_server

if [ -n "$PGDB" ]; then
    echo "# the same on PostgreSQL, on the database db copy moved there"
    serve_on "$ICS_PG_URI/$PGDB"
    for s in ${E2E_ONLY:-dashboard live ux a11y governance bureau bookings route screens}; do
        [ "$s" = oidc ] && continue
        ICS_OUT="$OUT/pg" node "tests/e2e/$s.mjs" || st=1
    done
    stop_server
fi
echo "# screenshots in $OUT"
exit $st
