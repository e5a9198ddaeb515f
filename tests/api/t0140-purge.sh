#!/bin/sh
# t0140-purge.sh - patient identifiers are kept only for the retention
# period after a record closes: `icsflow db purge` counts first (a dry run
# changes nothing), then removes NHS numbers and full postcodes from closed
# records past retention, and the audit trail's copies of them, in one
# audited transaction; open and recently closed records keep theirs.
. "$(dirname "$0")/lib.sh"
start_server
LAS=$(mktoken crew clinician RRU)

api POST /api/v1/referrals "$LAS" '{"nhs_number":"943 476 5919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH","notes":"lives alone"}'
expect "a referral to purge later" 201
OLD=$(jqb .id)
api POST "/api/v1/referrals/$OLD/cancel" "$LAS" '{"reason":"patient recovered"}'
expect "it is cancelled" 200
api POST /api/v1/referrals "$LAS" '{"nhs_number":"401 023 2137","age":90,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "a referral closed today" 201
NEW=$(jqb .id)
api POST "/api/v1/referrals/$NEW/cancel" "$LAS" '{"reason":"duplicate"}'
expect "it is cancelled too" 200
# the clock, moved by hand: the first closed 40 days ago
sql "UPDATE referrals SET closed_at = closed_at - 40 * 86400 WHERE id = $OLD"
check "the audit trail quotes the old referral's NHS number before the purge" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE object_id = '$OLD' AND (after_json LIKE '%9434765919%' OR before_json LIKE '%9434765919%')")" -gt 0 ]

audits=$(audit_count)
"$BIN" db purge --db "$DB" --retention-days 30 >"$T/dry" 2>&1
check "a dry run counts the referrals past retention" grep -q "would purge" "$T/dry"
check "a dry run changes no referral" [ "$(sql "SELECT COUNT(*) FROM referrals WHERE nhs_number = 'PURGED'")" -eq 0 ]
check "a dry run writes no audit record" [ "$(audit_count)" -eq "$audits" ]

"$BIN" db purge --db "$DB" --retention-days 30 --apply >"$T/out" 2>&1
check "the purge reports what it removed" grep -q "purged the identifiers" "$T/out"
check "the old referral's NHS number is gone" [ "$(sql "SELECT nhs_number FROM referrals WHERE id = $OLD")" = PURGED ]
check "its postcode is cut to the district" [ "$(sql "SELECT postcode FROM referrals WHERE id = $OLD")" = UB8 ]
check "its notes are dropped" [ -z "$(sql "SELECT notes FROM referrals WHERE id = $OLD")" ]
check "the audit trail no longer holds the number" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE after_json LIKE '%9434765919%' OR before_json LIKE '%9434765919%'")" -eq 0 ]
check "the audit trail still has the referral's records" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE object_id = '$OLD'")" -gt 0 ]
check "a referral closed today keeps its NHS number" [ "$(sql "SELECT nhs_number FROM referrals WHERE id = $NEW")" = 4010232137 ]
check "the purge wrote one audit record" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'governance.purge'")" -eq 1 ]
check "and one change event" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'governance.purged'")" -eq 1 ]
api GET "/api/v1/referrals/$OLD" "$LAS"
expect "the purged referral is still readable" 200
jqcheck "with its NHS number shown as purged" '.nhs_number == "PURGED"'

"$BIN" db purge --db "$DB" --retention-days 30 --apply >"$T/out" 2>&1
check "a second purge finds nothing more" grep -q "UCR referrals *0" "$T/out"
"$BIN" db purge --db "$DB" --retention-days 0 >"$T/out" 2>&1
st=$?
check "a retention of 0 days is refused with exit 2 (got $st)" [ "$st" -eq 2 ]
"$BIN" db purge --db "$T/none.db" >"$T/out" 2>&1
st=$?
check "purging a database that does not exist exits 2 (got $st)" [ "$st" -eq 2 ]
finish
