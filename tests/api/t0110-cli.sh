#!/bin/sh
# t0110-cli.sh - the command line: help, usage errors exit 2 with one line,
# db init seeds once, import rejects a bad file whole, export round-trips.
. "$(dirname "$0")/lib.sh"

"$BIN" help >"$T/out" 2>&1
check "help lists serve, import and user" grep -q "serve" "$T/out"
for c in serve db import export user version; do
    "$BIN" $c --help >"$T/out" 2>&1
    check "$c --help exits 0 and shows usage" grep -q "^usage: icsflow $c" "$T/out"
done
"$BIN" frobnicate >"$T/out" 2>&1; st=$?
check "unknown command exits 2" [ $st -eq 2 ]
check "with one line" [ "$(wc -l <"$T/out")" -eq 1 ]
"$BIN" serve --bogus >"$T/out" 2>&1; st=$?
check "unknown option exits 2 (exit $st)" [ $st -eq 2 ]
check "unknown option: one line" [ "$(wc -l <"$T/out")" -eq 1 ]
"$BIN" serve --listen nowhere >"$T/out" 2>&1; st=$?
check "bad --listen exits 2" [ $st -eq 2 ]
"$BIN" user add --db "$DB" --name x --role wizard >"$T/out" 2>&1; st=$?
check "bad role exits 2" [ $st -eq 2 ]

"$BIN" db init --db "$DB" >"$T/out" 2>&1
check "db init creates and seeds" grep -q "created and seeded" "$T/out"
check "eight NWL places" [ "$(sql "SELECT COUNT(*) FROM places WHERE ics_code = 'QRV'")" = 8 ]
check "and 24 of three more ICSs (data/ics)" [ "$(sql "SELECT COUNT(*) FROM places WHERE ics_code <> 'QRV'")" = 24 ]
check "304 population rows" [ "$(sql 'SELECT COUNT(*) FROM place_population')" = 304 ]
"$BIN" db init --db "$DB" >"$T/out" 2>&1
check "a second init leaves it as it was" grep -q "up to date" "$T/out"
check "still eight NWL places of 32" [ "$(sql "SELECT COUNT(*) || '/' || SUM(CASE WHEN ics_code = 'QRV' THEN 1 ELSE 0 END) FROM places")" = 32/8 ]
"$BIN" db migrate --db "$T/none.db" >"$T/out" 2>&1; st=$?
check "migrate of a missing database exits 2" [ $st -eq 2 ]

tok=$("$BIN" user add --db "$DB" --name ana --role analyst --org QRV | tail -n 1)
check "user add prints a 43-character token last" [ ${#tok} -eq 43 ]
"$BIN" user list --db "$DB" >"$T/out"
check "user list shows ana" grep -q "ana .*analyst" "$T/out"

# import: a file with one bad row is rejected whole
sites=$(sql 'SELECT COUNT(*) FROM sites')
# NWL's: export writes one ICS (by default the command line's, NWL)
nwl_sites=$(sql "SELECT COUNT(*) FROM sites s JOIN places p ON p.code = s.place_code WHERE p.ics_code = 'QRV'")
cat >"$T/sites.csv" <<CSV
site_code,name,org_code,kind,postcode,lat,lon,place_code
RYJ50,Good New Site,RYJ,acute,W2 1NY,51.5,-0.17,E09000033
RYJ51,Bad Postcode Site,RYJ,acute,W2 1N,51.5,-0.17,E09000033
CSV
"$BIN" import --db "$DB" "$T/sites.csv" >"$T/out" 2>&1; st=$?
check "bad import exits 2" [ $st -eq 2 ]
check "names file, line, column and reason" grep -q "sites.csv: line 3, column 'postcode': 'W2 1N' is not a valid UK postcode" "$T/out"
check "the good row was not kept either" [ "$(sql 'SELECT COUNT(*) FROM sites')" = "$sites" ]
sed -i 's/W2 1N,/W2 1NY,/' "$T/sites.csv"
"$BIN" import --db "$DB" "$T/sites.csv" >"$T/out" 2>&1
check "fixed file imports two rows" grep -q "imported 2 rows" "$T/out"
check "audited" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action='directory.import' AND actor LIKE 'cli:%'")" = 1 ]

# export then import into a fresh database gives the same directory
"$BIN" export --db "$DB" --format csv --out "$T/exp" 2>/dev/null
check "csv export writes sites.csv" [ -s "$T/exp/sites.csv" ]
"$BIN" export --db "$DB" --format json --out "$T/exp.json" 2>/dev/null
check "json export has 14 sites plus community" [ "$(jq '.sites | length' "$T/exp.json")" = "$((nwl_sites + 2))" ]
COPY=$(db_new copy)
ICSFLOW_DATA="$T/exp" "$BIN" db init --db "$COPY" >/dev/null 2>&1
check "a database seeded from the CSV export has the same sites" \
    [ "$(db_sql 'SELECT COUNT(*) FROM sites' "$COPY")" = "$((nwl_sites + 2))" ]
"$BIN" import --db "$COPY" "$T/exp" >"$T/out" 2>&1
check "the CSV export folder imports back in one go" grep -q "imported [0-9][0-9]* rows" "$T/out"
"$BIN" import --db "$COPY" "$T/exp.json" >"$T/out" 2>&1
check "the JSON export imports back" grep -q "imported" "$T/out"
echo '{"sites":[{"site_code":"RYJ60","name":"X"}]}' >"$T/bad.json"
"$BIN" import --db "$DB" "$T/bad.json" >"$T/out" 2>&1; st=$?
check "JSON row missing fields exits 2 (exit $st)" [ $st -eq 2 ]
check "JSON row missing fields: the message names the row" grep -q "sites\[0\]" "$T/out"

# every cell is text, and one file has one row per key
before=$(sql 'SELECT COUNT(*) FROM sites')
printf 'site_code,name,org_code,kind,postcode,lat,lon,place_code\nRYJ70,Caf\351 Site,RYJ,acute,W2 1NY,51.5,-0.17,E09000033\n' >"$T/sites.csv"
"$BIN" import --db "$DB" "$T/sites.csv" >"$T/out" 2>&1; st=$?
check "a name that is not UTF-8 exits 2 (exit $st)" [ $st -eq 2 ]
check "the message names line and column" grep -q "sites.csv: line 2, column 'name': is not valid UTF-8 text" "$T/out"
check "the message itself is valid UTF-8" iconv -f UTF-8 -t UTF-8 "$T/out" -o /dev/null
printf 'site_code,name,org_code,kind,postcode,lat,lon,place_code\nRYJ71,One,RYJ,acute,W2 1NY,51.5,-0.17,E09000033\nRYJ72,Two,RYJ,acute,W2 1NY,51.5,-0.17,E09000033\nRYJ71,One again,RYJ,acute,W2 1NY,51.5,-0.17,E09000033\n' >"$T/sites.csv"
"$BIN" import --db "$DB" "$T/sites.csv" >"$T/out" 2>&1; st=$?
check "a key twice in one file exits 2 (exit $st)" [ $st -eq 2 ]
check "the message names both lines and the key" grep -q "sites.csv: lines 2 and 4 have the same site_code 'RYJ71'" "$T/out"
check "nothing from either file was imported" [ "$(sql 'SELECT COUNT(*) FROM sites')" = "$before" ]
# keys compare as they are matched and stored: trimmed, districts in upper case
printf 'site_code,name,org_code,kind,postcode,lat,lon,place_code\nRYJ73,One,RYJ,acute,W2 1NY,51.5,-0.17,E09000033\n RYJ73 ,One again,RYJ,acute,W2 1NY,51.5,-0.17,E09000033\n' >"$T/sites.csv"
"$BIN" import --db "$DB" "$T/sites.csv" >"$T/out" 2>&1; st=$?
check "a key twice, once with surrounding spaces, exits 2 (exit $st)" [ $st -eq 2 ]
check "the message names both lines and the key as stored" grep -q "sites.csv: lines 2 and 3 have the same site_code 'RYJ73'" "$T/out"
check "no site RYJ73 was imported" [ "$(sql "SELECT COUNT(*) FROM sites WHERE site_code = 'RYJ73'")" = 0 ]
dbefore=$(sql 'SELECT COUNT(*) FROM postcode_districts')
printf 'district,lat,lon,place_code\nYO99,51.5,-0.1,E09000033\nyo99 ,51.6,-0.2,E09000033\n' >"$T/postcode_districts.csv"
"$BIN" import --db "$DB" "$T/postcode_districts.csv" >"$T/out" 2>&1; st=$?
check "a district twice in different case exits 2 (exit $st)" [ $st -eq 2 ]
check "the message names both lines and the district" grep -q "postcode_districts.csv: lines 2 and 3 have the same district 'YO99'" "$T/out"
check "no district was imported" [ "$(sql 'SELECT COUNT(*) FROM postcode_districts')" = "$dbefore" ]
echo "# $n checks, $fails failed"
[ "$fails" -eq 0 ]
