#!/bin/sh
# t1411-ics-events-audit.sh - the change events and the audit log per ICS:
# each event and audit record carries the ICS of what changed; the event
# pages and the live stream deliver only events of ICSs the user may see;
# an ICS's administrator reads only that ICS's audit (?ics= as any read);
# and the command line's ICS options: the global --ics, user grant and
# revoke through the API's use cases, db's message naming every ICS.
. "$(dirname "$0")/lib.sh"

start_server
NWL=$(mktoken nwl.analyst analyst QRV)
HWE=$(mktoken hwe.analyst analyst QM7)
CLCH=$(mktoken clch.ops trust_ops RYX)
DEPL=$(mktoken root admin) # the deployment's administrator: no organisation
HADM=$(mktoken hwe.admin admin QM7)

# the ICSs of the events in a stream file, sorted, unique, space-separated
stream_ics() { sed -n 's/^data: //p' "$T/$1" | jq -r .ics | sort -u | tr '\n' ' '; }

# ---- events carry the ICS of what changed ----------------------------------------
E0=$(sql "SELECT MAX(id) FROM events")
stream nwl "$NWL"
stream hwe "$HWE"
stream root "$DEPL"
until_ok 5 has hwe 'retry: 2000'
check "the Hertfordshire stream is open" has hwe 'retry: 2000'
until_ok 5 has nwl 'retry: 2000'
api PUT /api/v1/places/E07000102 "$DEPL" '{"name":"Three Rivers"}'
expect "a Hertfordshire place changed" 200
api PUT /api/v1/places/E09000017 "$ADMIN" '{"name":"Hillingdon"}'
expect "an NWL place changed" 200
check "the Hertfordshire change's event is tagged QM7" \
    [ "$(sql "SELECT ics FROM events WHERE id > $E0 AND object_id = 'E07000102'")" = QM7 ]
check "the NWL change's event is tagged QRV" \
    [ "$(sql "SELECT ics FROM events WHERE id > $E0 AND object_id = 'E09000017'")" = QRV ]
check "and so are their audit records (QM7)" \
    [ "$(sql "SELECT ics FROM audit WHERE action = 'places.update' AND object_id = 'E07000102'")" = QM7 ]
check "(QRV)" [ "$(sql "SELECT ics FROM audit WHERE action = 'places.update' AND object_id = 'E09000017'")" = QRV ]
check "the seeded import of another ICS was recorded as that ICS's" \
    [ "$(sql "SELECT ics FROM audit WHERE action = 'directory.import' AND json_extract(after_json, '\$.ics') = 'QWE'")" = QWE ]
check "no audit record is without an ICS" [ "$(sql "SELECT COUNT(*) FROM audit WHERE ics IS NULL OR ics = ''")" = 0 ]

# ---- the JSON pages: only ICSs the user may see -------------------------------------
api GET "/api/v1/events?after=$E0" "$NWL"
expect "the NWL analyst's events" 200
jqcheck "the NWL change only" '[.items[].object_id] == ["E09000017"]'
api GET "/api/v1/events?after=$E0" "$HWE"
jqcheck "Hertfordshire's analyst: the Hertfordshire change only" '[.items[].object_id] == ["E07000102"]'
api GET "/api/v1/events?after=$E0" "$DEPL"
jqcheck "the deployment's administrator: both" '([.items[].ics] | sort) == ["QM7", "QRV"]'
api GET "/api/v1/events?after=$E0" "$CLCH"
jqcheck "CLCH's operations user, whose trust works in both: both" '([.items[].ics] | sort) == ["QM7", "QRV"]'
api GET "/api/v1/events?after=0&limit=1000" "$NWL"
jqcheck "from the start, the NWL analyst sees no event of another ICS" \
    '(.items | length) > 0 and all(.items[]; .ics == "QRV")'

# ---- the live stream: the same rule -------------------------------------------------
until_ok 5 has hwe '"E07000102"'
check "the Hertfordshire stream got the Hertfordshire change" has hwe '"E07000102"'
until_ok 5 has nwl '"E09000017"'
check "the NWL stream got the NWL change" has nwl '"E09000017"'
until_ok 5 has root '"E09000017"'
check "the Hertfordshire stream has QM7 events only ($(stream_ics hwe))" [ "$(stream_ics hwe)" = "QM7 " ]
check "the NWL stream has QRV events only ($(stream_ics nwl))" [ "$(stream_ics nwl)" = "QRV " ]
check "the administrator's stream has both ($(stream_ics root))" [ "$(stream_ics root)" = "QM7 QRV " ]
# after a grant, the user's streams deliver that ICS's events too
"$BIN" user grant --db "$DB" --name nwl.analyst --ics QM7 >"$T/out" 2>"$T/err"
check "the command line grants QM7 to the NWL analyst ($(cat "$T/out"))" grep -q "granted ICS QM7 to 'nwl.analyst'" "$T/out"
stop nwl
stream nwl2 "$NWL"
until_ok 5 has nwl2 'retry: 2000'
api PUT /api/v1/places/E07000102 "$DEPL" '{"name":"Three Rivers"}'
until_ok 5 has nwl2 '"E07000102"'
check "a new stream of the analyst, granted QM7, gets its events" has nwl2 '"E07000102"'
stop nwl2
stop hwe
stop root

# ---- the audit log per ICS ---------------------------------------------------------------
api GET /api/v1/audit "$HADM"
expect "Hertfordshire's administrator reads the audit" 200
jqcheck "only Hertfordshire's records" '(.items | length) > 0 and all(.items[]; .ics == "QM7")'
jqcheck "the place change among them" 'any(.items[]; .object_id == "E07000102")'
api GET "/api/v1/audit?ics=QRV" "$HADM"
expect "not NWL's" 403
api GET "/api/v1/audit?ics=all&limit=500" "$HADM"
jqcheck "ics=all: still only the ICSs they may see" 'all(.items[]; .ics == "QM7")'
api GET "/api/v1/audit?limit=500" "$ADMIN"
expect "the NWL administrator's audit" 200
jqcheck "NWL's records only, the Hertfordshire change not among them" \
    'all(.items[]; .ics == "QRV") and all(.items[]; .object_id != "E07000102")'
api GET "/api/v1/audit?ics=QWE" "$DEPL"
expect "the deployment's administrator reads South West London's" 200
jqcheck "its seeded import" 'any(.items[]; .action == "directory.import" and .ics == "QWE")'
api GET "/api/v1/audit?ics=QZZ" "$DEPL"
expect "an unknown ICS" 404
api GET "/api/v1/audit?ics=%FF" "$DEPL"
expect "a code that is not UTF-8" 400
api GET "/api/v1/audit?ics=all&limit=1000" "$DEPL"
jqcheck "ics=all: every ICS's records" '([.items[].ics] | unique) == ["QM7", "QMJ", "QRV", "QWE"]'

# ---- grants on the command line are the API's use cases --------------------------------
check "the grant is audited as ics.grant, as QM7's, by the command line" \
    [ "$(sql "SELECT action || ' ' || ics || ' ' || object_id FROM audit WHERE actor LIKE 'cli:%' AND action LIKE 'ics.%'")" = "ics.grant QM7 nwl.analyst" ]
check "with the event the API's grant emits" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'ics.granted' AND ics = 'QM7'")" = 1 ]
api PUT /api/v1/ics/QM7/users/hwe.analyst "$DEPL"
expect "the API grants QM7 to another user" 201
check "recorded as the command line's was (action, ICS, after)" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'ics.grant' AND ics = 'QM7' AND json_extract(after_json, '\$.ics') = 'QM7'")" = 2 ]
api PUT /api/v1/ics/QWE/users/nwl.analyst "$DEPL"
expect "the API grants SWL" 201
api GET "/api/v1/places?ics=QM7" "$NWL"
expect "the analyst sees QM7 after the command line's grant" 200
"$BIN" user revoke --db "$DB" --name nwl.analyst --ics QM7 >"$T/out" 2>"$T/err"
st=$?
check "user revoke --ics takes the grant back (exit $st: $(cat "$T/out"))" [ "$st" = 0 ]
check "and says the user stays" grep -q "the user stays" "$T/out"
api GET "/api/v1/places?ics=QM7" "$NWL"
expect "the analyst may no longer see QM7" 403
api GET /api/v1/places "$NWL"
expect "and still works in NWL" 200
check "the revoke is audited once as ics.revoke, QM7's" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'ics.revoke' AND ics = 'QM7' AND object_id = 'nwl.analyst'")" = 1 ]
"$BIN" user revoke --db "$DB" --name nwl.analyst --ics QM7 >"$T/out" 2>"$T/err"
st=$?
check "revoking a grant not held: exit 2 ($st)" [ "$st" = 2 ]
check "one line saying so ($(cat "$T/err"))" grep -q "holds no grant of ICS 'QM7'" "$T/err"
api DELETE /api/v1/ics/QWE/users/nwl.analyst "$HADM"
expect "Hertfordshire's administrator may not take back SWL" 404
api DELETE /api/v1/ics/QWE/users/nwl.analyst "$NWL"
expect "an analyst may not" 403
api DELETE /api/v1/ics/QWE/users/nwl.analyst "$DEPL"
expect "the deployment's administrator takes SWL back through the API" 200
jqcheck "granted false" '.granted == false and .ics == "QWE" and .user == "nwl.analyst"'
api DELETE /api/v1/ics/QWE/users/nwl.analyst "$DEPL"
expect "not held any more" 404
"$BIN" user grant --db "$DB" --name nwl.analyst >"$T/out" 2>"$T/err"
st=$?
check "grant without --ics: exit 2 ($st: $(cat "$T/err"))" [ "$st" = 2 ]
"$BIN" user grant --db "$DB" --name nwl.analyst --ics QZZ >"$T/out" 2>"$T/err"
st=$?
check "an unknown ICS: exit 2 ($st: $(cat "$T/err"))" [ "$st" = 2 ]
"$BIN" user grant --db "$DB" --name "$(printf 'n\377')" --ics QM7 >"$T/out" 2>"$T/err"
st=$?
check "a user name that is not UTF-8 is no user: exit 2 ($st)" [ "$st" = 2 ]
"$BIN" --ics QM7 user grant --db "$DB" --name nwl.analyst >"$T/out" 2>"$T/err"
check "--ics before the command works the same ($(cat "$T/out"))" grep -q "granted ICS QM7 to 'nwl.analyst'" "$T/out"

# ---- the global --ics of listing and reporting commands ---------------------------------
"$BIN" sitrep today --db "$DB" --json --ics QMJ >"$T/qmj.json" 2>"$T/err"
check "sitrep today --ics QMJ: North Central London's providers" \
    [ "$(jq -c '[.providers[].org] | sort' "$T/qmj.json")" = '["RAL","RKE","RP4","RP6","RRU","RRV","RYX"]' ]
"$BIN" --ics QMJ sitrep today --db "$DB" --json >"$T/qmj2.json" 2>"$T/err"
check "the same with --ics before the command" cmp -s "$T/qmj.json" "$T/qmj2.json"
"$BIN" sitrep today --db "$DB" --json >"$T/qrv.json" 2>"$T/err"
check "without it: North West London's (Imperial among them)" \
    [ "$(jq '[.providers[].org] | index("RYJ") != null' "$T/qrv.json")" = true ]
"$BIN" sitrep today --db "$DB" --json --ics QZZ >"$T/out" 2>"$T/err"
st=$?
check "an unknown ICS: exit 2 ($st)" [ "$st" = 2 ]
check "one line naming it ($(cat "$T/err"))" [ "$(wc -l <"$T/err")" = 1 ]
"$BIN" sitrep today --db "$DB" --json --ics "$(printf 'Q\303\251')" >"$T/out" 2>"$T/err"
st=$?
check "a multibyte code: exit 2 ($st: $(cat "$T/err"))" [ "$st" = 2 ]
"$BIN" --ics >"$T/out" 2>"$T/err"
st=$?
check "--ics without a value: exit 2 ($st: $(cat "$T/err"))" [ "$st" = 2 ]
"$BIN" sitrep today --help >"$T/out" 2>&1
check "every command's help names --ics" grep -q -- "--ics CODE" "$T/out"

# ---- db names every ICS it holds ----------------------------------------------------
"$BIN" db migrate --db "$DB" >"$T/out" 2>"$T/err"
check "db migrate names the four ICSs ($(cat "$T/out"))" \
    grep -q "ICSs: Hertfordshire and West Essex (QM7), North Central London (QMJ), North West London (QRV), South West London (QWE)" "$T/out"
finish
