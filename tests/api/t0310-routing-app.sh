#!/bin/sh
# t0310-routing-app.sh - routing through the application layer: every write
# (referral create / accept / decline / attend / cancel, capacity) writes
# exactly one audit row and one change event, a failed write neither; the
# events reach the referrer and the provider and not an unrelated
# organisation; the role is refused before the body is read (403 before
# 422); the command line writes the same audit action as the API.
. "$(dirname "$0")/lib.sh"
start_server
LAS=$(mktoken las_crew clinician RRU)  # referrer
CNWL=$(mktoken cnwl_ucr clinician RV3) # provider of FALLS-HH
IMP=$(mktoken imperial clinician RYJ)  # unrelated organisation
ANALYST=$(mktoken analyst analyst QRV)
events() { sql "SELECT COUNT(*) FROM events"; }
last_event() { sql "SELECT type || ' ' || object_type || ' ' || object_id || ' ' || orgs FROM events ORDER BY id DESC LIMIT 1"; }
last_audit() { sql "SELECT action || ' ' || object_type || ' ' || COALESCE(object_id, '') FROM audit ORDER BY id DESC LIMIT 1"; }

# ---- (a) one audit row and one event per write; none for a failed write ---
A0=$(audit_count) E0=$(events)
N0=$(sql "SELECT COALESCE(MAX(id), 0) FROM events")
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765919","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "LAS refers to FALLS-HH" 201
R=$(jqb .id)
check "create: one audit row" [ "$(audit_count)" -eq $((A0 + 1)) ]
check "create: one event" [ "$(events)" -eq $((E0 + 1)) ]
check "create: referral.created for the referral, orgs referrer and provider" \
    [ "$(last_event)" = "referral.created referrals $R ,RRU,RV3," ]
check "create: audited as referrals.create" [ "$(last_audit)" = "referrals.create referrals $R" ]
check "create: event payload holds the id and the state" \
    [ "$(sql "SELECT json_extract(payload_json, '$.id') || ' ' || json_extract(payload_json, '$.state') FROM events ORDER BY id DESC LIMIT 1")" = "$R sent" ]

A1=$(audit_count) E1=$(events)
api POST /api/v1/referrals "$LAS" '{"nhs_number":"9434765918","age":84,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
expect "a bad NHS number" 422
api POST "/api/v1/referrals/$R/attend" "$CNWL"
expect "attend before accept" 409
api POST "/api/v1/referrals/$R/accept" "$IMP"
expect "an unrelated organisation cannot accept (not found)" 404
api PUT /api/v1/services/FALLS-HH/capacity "$CNWL" '{"used_today":-1}'
expect "a negative capacity" 422
check "failed writes: no audit row" [ "$(audit_count)" -eq "$A1" ]
check "failed writes: no event" [ "$(events)" -eq "$E1" ]

for step in accept attend; do
    a=$(audit_count) e=$(events)
    api POST "/api/v1/referrals/$R/$step" "$CNWL"
    expect "CNWL: $step" 200
    check "$step: one audit row" [ "$(audit_count)" -eq $((a + 1)) ]
    check "$step: one event" [ "$(events)" -eq $((e + 1)) ]
    check "$step: referral.${step}ed, to the referrer and the provider" \
        [ "$(last_event)" = "referral.${step}ed referrals $R ,RRU,RV3," ]
done

api POST /api/v1/referrals "$LAS" '{"nhs_number":"9990000018","age":70,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
R2=$(jqb .id)
a=$(audit_count) e=$(events)
api POST "/api/v1/referrals/$R2/decline" "$CNWL" '{"reason":"no staff"}'
expect "CNWL declines" 200
check "decline: one audit row" [ "$(audit_count)" -eq $((a + 1)) ]
check "decline: one event" [ "$(events)" -eq $((e + 1)) ]
check "decline: referral.declined" [ "$(last_event)" = "referral.declined referrals $R2 ,RRU,RV3," ]

api POST /api/v1/referrals "$LAS" '{"nhs_number":"9990000018","age":70,"needs":["falls"],"postcode":"UB8 3NN","service_id":"FALLS-HH"}'
R3=$(jqb .id)
a=$(audit_count) e=$(events)
api POST "/api/v1/referrals/$R3/cancel" "$LAS" '{"reason":"patient recovered"}'
expect "the referrer cancels" 200
check "cancel: one audit row" [ "$(audit_count)" -eq $((a + 1)) ]
check "cancel: one event" [ "$(events)" -eq $((e + 1)) ]
check "cancel: referral.cancelled" [ "$(last_event)" = "referral.cancelled referrals $R3 ,RRU,RV3," ]

a=$(audit_count) e=$(events)
api PUT /api/v1/services/FALLS-HH/capacity "$CNWL" '{"used_today":3,"capacity":30}'
expect "CNWL reports capacity" 200
check "capacity: one audit row" [ "$(audit_count)" -eq $((a + 1)) ]
check "capacity: one event" [ "$(events)" -eq $((e + 1)) ]
check "capacity: service.capacity to the provider" [ "$(last_event)" = "service.capacity services FALLS-HH ,RV3," ]
check "capacity: audited as services.capacity" [ "$(last_audit)" = "services.capacity services FALLS-HH" ]

# ---- reads of patient data are audited (issue 19), refused reads are not ----
a=$(audit_count)
api GET "/api/v1/referrals/$R" "$CNWL"
expect "the provider reads the referral" 200
check "the read is audited as read.referral" [ "$(last_audit)" = "read.referral referrals $R" ]
check "one audit row for the read" [ "$(audit_count)" -eq $((a + 1)) ]
a=$(audit_count)
api GET "/api/v1/referrals/$R" "$IMP"
expect "an unrelated organisation cannot read it" 404
check "the refused read is not audited" [ "$(audit_count)" -eq "$a" ]
api GET "/api/v1/referrals?limit=5" "$CNWL"
expect "the provider lists referrals" 200
check "the list is audited as read.referrals with its organisation filter" \
    [ "$(sql "SELECT action || ' ' || json_extract(after_json, '$.organisation') FROM audit ORDER BY id DESC LIMIT 1")" = "read.referrals RV3" ]

# ---- (b) the events reach the parties, not an unrelated organisation ------
api GET "/api/v1/events?after=$N0" "$LAS"
expect "the referrer reads events" 200
jqcheck "the referrer sees its referral.created" "any(.items[]; .type == \"referral.created\" and .object_id == \"$R\")"
api GET "/api/v1/events?after=$N0" "$CNWL"
jqcheck "the provider sees referral.created and service.capacity" \
    "any(.items[]; .type == \"referral.created\" and .object_id == \"$R\") and any(.items[]; .type == \"service.capacity\")"
api GET "/api/v1/events?after=$N0" "$IMP"
expect "an unrelated organisation reads events" 200
jqcheck "it sees none of these referral or capacity events" \
    'all(.items[]; (.type | startswith("referral.") | not) and .type != "service.capacity")'

# ---- (c) 403 before 422 ------------------------------------------------------
api POST /api/v1/referrals "$ANALYST" '{"colour":"red"}'
expect "an analyst with a bad referral body: role first" 403
api POST "/api/v1/referrals/$R2/decline" "$ANALYST" '{"colour":"red"}'
expect "an analyst with a bad decline body: role first" 403
api PUT /api/v1/services/FALLS-HH/capacity "$ANALYST" '{"used_today":"x"}'
expect "an analyst with a bad capacity body: role first" 403
api POST /api/v1/route "$ANALYST" '{"age":"x"}'
expect "an analyst with a bad route body: role first" 403
api GET "/api/v1/reports/ucr?standard=abc" "$LAS"
expect "a clinician with a bad report parameter: role first" 403

# ---- (d) the CLI writes the same audit action as the API ---------------------
"$BIN" referral create --db "$DB" --nhs 9990000018 --age 80 --needs falls --postcode 'UB8 3NN' \
    --service FALLS-HH --referrer RRU >/dev/null 2>&1
check "icsflow referral create exits 0" [ $? -eq 0 ]
RC=$(sql "SELECT MAX(id) FROM referrals")
check "CLI create audited as the API's (referrals.create referrals id)" \
    [ "$(last_audit)" = "referrals.create referrals $RC" ]
check "CLI create emits referral.created to both parties" [ "$(last_event)" = "referral.created referrals $RC ,RRU,RV3," ]
check "the CLI actor is named cli:<login>" \
    [ "$(sql "SELECT actor FROM audit ORDER BY id DESC LIMIT 1" | cut -c1-4)" = "cli:" ]
"$BIN" referral cancel --db "$DB" "$RC" --reason 'duplicate' >/dev/null 2>&1
check "icsflow referral cancel exits 0" [ $? -eq 0 ]
check "CLI cancel audited as referrals.cancel, as through the API" \
    [ "$(last_audit)" = "referrals.cancel referrals $RC" ]
"$BIN" referral accept --db "$DB" "$RC" >/dev/null 2>&1
check "CLI accept of a cancelled referral is refused (exit 2)" [ $? -eq 2 ]
check "and audits nothing" [ "$(last_audit)" = "referrals.cancel referrals $RC" ]
finish
