#!/bin/sh
# t1324-list-reads.sh - the lists of patients are read in a snapshot and
# audited before they are sent (issue 18 item 6): a page that could not be
# recorded in the audit log is a 503 problem with no rows in it, and the
# page is sent again once the log takes records; keyset pages (after=,
# next_after, next) of bed referrals and theatre sessions; an audit-log
# cursor that names no record keeps the records with smaller ids.
. "$(dirname "$0")/lib.sh"
start_server

# ---- bed referrals: keyset pages --------------------------------------------
api GET "/api/v1/beds/referrals?limit=1" "$ADMIN"
expect "bed referrals: one" 200
BTOTAL=$(jqb .total)
check "bed referrals: enough for three pages of 5 ($BTOTAL)" [ "$BTOTAL" -gt 15 ]
api GET "/api/v1/beds/referrals?limit=15" "$ADMIN"
jq -c '[.items[].referral_id]' "$T/body" >"$T/b15"
api GET "/api/v1/beds/referrals?limit=5" "$ADMIN"
expect "bed referrals: the first page of 5" 200
BAFTER=$(jqb .next_after)
check "bed referrals: a full page says where to continue ($BAFTER)" \
    [ "$BAFTER" = "$(jq '.items[4].referral_id' "$T/body")" ]
jqcheck "bed referrals: and the next page's URL" \
    ".next == \"/api/v1/beds/referrals?limit=5&after=$BAFTER\""
p1=$(jq -c '[.items[].referral_id]' "$T/body")
api GET "$(jqb .next)" "$ADMIN"
expect "bed referrals: following next" 200
p2=$(jq -c '[.items[].referral_id]' "$T/body")
api GET "$(jqb .next)" "$ADMIN"
p3=$(jq -c '[.items[].referral_id]' "$T/body")
check "bed referrals: three keyset pages are the first 15 rows in order" \
    [ "$(jq -c -n "$p1 + $p2 + $p3")" = "$(cat "$T/b15")" ]
api GET "/api/v1/beds/referrals?limit=5&offset=5" "$ADMIN"
check "bed referrals: the second keyset page is the offset 5 page" \
    [ "$(jq -c '[.items[].referral_id]' "$T/body")" = "$p2" ]
api GET "/api/v1/beds/referrals?state=waiting&limit=3" "$ADMIN"
expect "bed referrals: waiting ones" 200
WN=$(jqb .next)
WA=$(jqb .next_after)
check "bed referrals: next keeps the state filter ($WN)" \
    [ "$WN" = "/api/v1/beds/referrals?limit=3&state=waiting&after=$WA" ]
api GET "$WN" "$ADMIN"
jqcheck "bed referrals: the next waiting page holds waiting referrals only" \
    '(.items | length) > 0 and all(.items[]; .state == "waiting")'
api GET "/api/v1/beds/referrals?limit=5&offset=$((BTOTAL - 3))" "$ADMIN"
jqcheck "bed referrals: the last page, not full, has nowhere to continue" \
    '.next_after == null and (has("next") | not)'
api GET "/api/v1/beds/referrals?limit=5&after=999999999" "$ADMIN"
expect "bed referrals: after a referral that does not exist" 200
jqcheck "bed referrals: gives an empty page" '.items == [] and .next_after == null'
api GET "/api/v1/beds/referrals?limit=5&after=abc" "$ADMIN"
expect "bed referrals: a cursor that is not an id" 400
api GET "/api/v1/beds/referrals?limit=5&offset=5&after=$BAFTER" "$ADMIN"
expect "bed referrals: offset and after together" 422
api GET "/api/v1/beds/referrals?limt=5" "$ADMIN"
expect "bed referrals: an unknown parameter" 422

# ---- theatre sessions: keyset pages -------------------------------------------
api GET "/api/v1/waitlist/sessions?limit=30" "$ADMIN"
expect "sessions: 30" 200
jqcheck "sessions: each carries its id" 'all(.items[]; (.id | type) == "number")'
jq -c '[.items[].id]' "$T/body" >"$T/s30"
api GET "/api/v1/waitlist/sessions?limit=10" "$ADMIN"
SAFTER=$(jqb .next_after)
check "sessions: a full page says where to continue ($SAFTER)" \
    [ "$SAFTER" = "$(jq '.items[9].id' "$T/body")" ]
s1=$(jq -c '[.items[].id]' "$T/body")
api GET "$(jqb .next)" "$ADMIN"
expect "sessions: following next" 200
s2=$(jq -c '[.items[].id]' "$T/body")
api GET "$(jqb .next)" "$ADMIN"
s3=$(jq -c '[.items[].id]' "$T/body")
check "sessions: three keyset pages are the first 30 rows in order" \
    [ "$(jq -c -n "$s1 + $s2 + $s3")" = "$(cat "$T/s30")" ]
api GET "/api/v1/waitlist/sessions?limit=10&offset=10" "$ADMIN"
check "sessions: the second keyset page is the offset 10 page" \
    [ "$(jq -c '[.items[].id]' "$T/body")" = "$s2" ]
FROM=$(sql "SELECT MAX(date) FROM waitlist_sessions")
api GET "/api/v1/waitlist/sessions?from=$FROM&limit=1" "$ADMIN"
jqcheck "sessions: next keeps from" ".next == null or (.next | test(\"from=$FROM&after=\"))"
api GET "/api/v1/waitlist/sessions?limit=10&after=999999999" "$ADMIN"
jqcheck "sessions: after a session that does not exist, an empty page" \
    '.items == [] and .next_after == null'
api GET "/api/v1/waitlist/sessions?limit=10&offset=10&after=$SAFTER" "$ADMIN"
expect "sessions: offset and after together" 422

# ---- the audit log: a cursor that names no record ------------------------------
api GET "/api/v1/audit?limit=20&ics=all" "$ADMIN"
expect "audit: the first page" 200
afirst=$(jq -c '[.items[].id]' "$T/body")
NEWEST=$(jq '.items[0].id' "$T/body")
api GET "/api/v1/audit?limit=20&ics=all&after=$((NEWEST + 1000))" "$ADMIN"
expect "audit: after an id above the newest record" 200
check "audit: it keeps every record with a smaller id: the first page" \
    [ "$(jq -c '[.items[].id]' "$T/body")" = "$afirst" ]
MID=$(echo "$afirst" | jq '.[10]')
sql "DELETE FROM audit WHERE id = $MID" 2>/dev/null || true
if [ "$(sql "SELECT COUNT(*) FROM audit WHERE id = $MID")" = 0 ]; then
    api GET "/api/v1/audit?limit=5&ics=all&after=$MID" "$ADMIN"
    expect "audit: after a record no longer there (purged)" 200
    jqcheck "audit: the records below $MID, newest first" \
        "[.items[].id] == ($afirst[11:16])"
else
    ok "audit: records cannot be deleted here, so no purged cursor to try # skip"
fi

# ---- a read that cannot be audited sends nothing --------------------------------
refuse_audit() {
    if [ "$ICS_BACKEND" = pg ]; then
        sql 'CREATE FUNCTION t1324_refuse() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION '"'"'t1324: audit refused'"'"'; END $f$;
             CREATE TRIGGER t1324_no_audit BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION t1324_refuse()'
    else
        # the server may be writing (a token's last use): wait for the lock
        sqlite3 -cmd ".timeout 10000" "$DB" \
            "CREATE TRIGGER t1324_no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 't1324: audit refused'); END"
    fi
}
allow_audit() {
    if [ "$ICS_BACKEND" = pg ]; then
        sql "DROP TRIGGER t1324_no_audit ON audit; DROP FUNCTION t1324_refuse()"
    else
        sqlite3 -cmd ".timeout 10000" "$DB" "DROP TRIGGER t1324_no_audit"
    fi
}
triggers() {
    if [ "$ICS_BACKEND" = pg ]; then
        sql "SELECT COUNT(*) FROM pg_trigger WHERE tgname = 't1324_no_audit'"
    else
        sql "SELECT COUNT(*) FROM sqlite_master WHERE name = 't1324_no_audit'"
    fi
}
RUN=$(sql "SELECT MAX(id) FROM waitlist_runs")
check "a seeded allocation run to read the booking list of ($RUN)" [ -n "$RUN" ]
LISTS="/api/v1/referrals?limit=50 /api/v1/waitlist/entries?limit=50 /api/v1/beds/referrals?limit=50
/api/v1/waitlist/runs/$RUN/results?limit=50 /api/v1/waitlist/runs/$RUN/results?format=csv&limit=50"
before=$(audit_count)
refuse_audit
check "the audit log refuses records now" [ "$(triggers)" = 1 ]
for url in $LISTS; do
    api GET "$url" "$ADMIN"
    expect "audit refused: $url" 503
    check "audit refused: $url is a problem ($CTYPE)" [ "$CTYPE" = "application/problem+json" ]
    jqcheck "audit refused: $url says why and holds no rows" \
        '(.detail | test("audit log")) and (has("items") | not)'
    check "audit refused: $url sent no NHS number" sh -c "! grep -q nhs_number '$T/body'"
done
check "audit refused: nothing was recorded" [ "$(audit_count)" = "$before" ]
allow_audit
check "and takes them again" [ "$(triggers)" = 0 ]
for url in $LISTS; do
    api GET "$url" "$ADMIN"
    expect "audit taken again: $url" 200
done
set -- $LISTS
check "audit taken again: each page recorded once ($# of them)" \
    [ "$(audit_count)" = "$((before + $#))" ]
check "the newest record is the last read" \
    [ "$(sql "SELECT action FROM audit ORDER BY id DESC LIMIT 1")" = "read.waitlist_results" ]
api GET "/api/v1/referrals?limit=50" "$ADMIN"
expect "one more page of referrals" 200
check "its record names the 50 rows it held" \
    [ "$(sql "SELECT action || ' ' || json_extract(after_json, '$.rows') FROM audit ORDER BY id DESC LIMIT 1")" = "read.referrals 50" ]
finish
