#!/bin/sh
# t0130-install.sh - the binary carries no build path: installed as
# P/bin/icsflow with P/share/icsflow/{data,web} it finds its folders beside
# itself from any working folder; copied anywhere else it says it cannot
# find them and exits 2 rather than reading another checkout; --data and
# ICSFLOW_DATA override.
# backends: sqlite (the installed layout does not depend on the database)
. "$(dirname "$0")/lib.sh"
unset ICSFLOW_DATA
P=$T/prefix
mkdir -p "$P/bin" "$P/share/icsflow" "$T/elsewhere" "$T/cwd"
cp "$BIN" "$P/bin/icsflow"
cp -R "$ROOT/data" "$P/share/icsflow/data"
cp -R "$ROOT/web" "$P/share/icsflow/web"
cp "$BIN" "$T/elsewhere/icsflow"

# NWL's places and the other ICSs' (data/ics/CODE/places.csv), counted from
# the files: every non-empty line after each header
PLACES=$(awk 'FNR > 1 && NF' "$ROOT/data/places.csv" "$ROOT"/data/ics/*/places.csv | wc -l)

cd "$T/cwd" || exit 1
"$P/bin/icsflow" db init --db "$T/a.db" >"$T/out" 2>"$T/err"
check "an installed binary seeds from share/icsflow/data beside it (exit $?)" grep -q " $PLACES places" "$T/out"

"$T/elsewhere/icsflow" db init --db "$T/b.db" >"$T/out" 2>"$T/err"
st=$?
check "a binary with no data folder anywhere exits 2 (got $st)" [ "$st" -eq 2 ]
check "it says which places it tried" grep -q "cannot find the data folder" "$T/err"
check "and creates no database" [ ! -e "$T/b.db" ]

ICSFLOW_DATA=$ROOT/data "$T/elsewhere/icsflow" db init --db "$T/c.db" >"$T/out" 2>"$T/err"
check "ICSFLOW_DATA points it at a data folder" grep -q " $PLACES places" "$T/out"

"$T/elsewhere/icsflow" --data "$ROOT/data" db init --db "$T/d.db" >"$T/out" 2>"$T/err"
check "--data points it at a data folder" grep -q " $PLACES places" "$T/out"

"$T/elsewhere/icsflow" --data "$T" db init --db "$T/e.db" >"$T/out" 2>"$T/err"
st=$?
check "--data naming a folder without the dataset exits 2 (got $st)" [ "$st" -eq 2 ]
check "and names what is missing" grep -q "no places.csv" "$T/err"

cd "$ROOT" || exit 1
"$T/elsewhere/icsflow" db init --db "$T/f.db" >"$T/out" 2>"$T/err"
check "run from a checkout it uses ./data" grep -q " $PLACES places" "$T/out"
echo "# $n checks, $fails failed"
rm -rf "$T"
[ "$fails" -eq 0 ]
