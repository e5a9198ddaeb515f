#!/bin/sh
# t1520-adt-mllp.sh - the HL7 v2 ADT feed through a real MLLP client
# (Debian's python3-hl7 mllp_send) against `icsflow serve --mllp`: the
# location mapping imported all or nothing, an admission and a discharge
# applied through the bed bureau's own use cases (audited as the sending
# facility), a discharge (A13) and an admission (A11) cancelled through
# the bureau's undo use cases (also through the API), a repeated control id acknowledged again without being applied
# twice, and every refusal with its acknowledgement code: AE for an unknown
# patient, an occupied or unmapped bed, missing segments and a malformed
# message; AR for a facility off the allow-list and an unsupported type.
. "$(dirname "$0")/lib.sh"
command -v mllp_send >/dev/null 2>&1 || { nok "mllp_send is installed (scripts/deps.sh test: python3-hl7)"; finish; }
SERVE_ARGS="--mllp 127.0.0.1:0 --mllp-port-file $T/mllp.port"
start_server
i=0
while [ ! -s "$T/mllp.port" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
MPORT=$(cat "$T/mllp.port")
COORD=$(mktoken coord coordinator QRV)

# an accepted bed referral waiting for its bed, another one, and an occupied bed of the unit
REF=$(sql "SELECT referral_id FROM bed_referrals WHERE state = 'accepted' ORDER BY referral_id LIMIT 1")
NHS=$(sql "SELECT nhs_number FROM bed_referrals WHERE referral_id = $REF")
UNIT=$(sql "SELECT b.unit_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = $REF")
BED=$(sql "SELECT b.bed_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = $REF")
REF2=$(sql "SELECT referral_id FROM bed_referrals WHERE state = 'accepted' AND referral_id <> $REF ORDER BY referral_id LIMIT 1")
NHS2=$(sql "SELECT nhs_number FROM bed_referrals WHERE referral_id = $REF2")
UNIT2=$(sql "SELECT b.unit_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = $REF2")
BED2=$(sql "SELECT b.bed_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = $REF2")
OCC=$(sql "SELECT bed_code FROM beds WHERE status = 'occupied' ORDER BY bed_id LIMIT 1")
OUNIT=$(sql "SELECT unit_code FROM beds WHERE bed_code = '$OCC'")
# a closed bed of the unit that suits the patient (bay of their sex, or mixed), for a transfer
ORG=$(sql "SELECT s.org_code FROM units u JOIN sites s ON s.site_code = u.site_code WHERE u.unit_code = '$UNIT'")
SPARE=$(sql "SELECT bed_code FROM beds WHERE unit_code = '$UNIT' AND status = 'closed' AND (bay_sex IS NULL OR bay_sex = (SELECT sex FROM bed_referrals WHERE referral_id = $REF)) ORDER BY bed_id LIMIT 1")
SPARE_ID=$(sql "SELECT bed_id FROM beds WHERE bed_code = '$SPARE'")

# ---- the location mapping: all or nothing ----
mkdir -p "$T/bad" "$T/good"
printf 'facility,point_of_care,room,bed,unit_code,bed_code\nPAS1,WARD,,1,%s,%s\nPAS1,WARD,,2,%s,NO-SUCH-BED\n' \
    "$UNIT" "$BED" "$UNIT" >"$T/bad/adt_locations.csv"
out=$("$BIN" import --db "$DB" "$T/bad/adt_locations.csv" 2>&1)
check "a mapping naming a bed that does not exist exits 2" [ $? -eq 2 ]
check "and names its line" sh -c 'printf "%s" "$1" | grep -q "line 3: unit .* has no bed NO-SUCH-BED"' _ "$out"
check "nothing imported" [ "$(sql "SELECT COUNT(*) FROM adt_locations")" -eq 0 ]
printf 'facility,point_of_care,room,bed,unit_code,bed_code\nPAS1,WARD,,1,%s,%s\nPAS1,WARD,,9,%s,%s\nPAS1,WARD,,2,%s,%s\nPAS1,WARD,,3,%s,%s\n' \
    "$UNIT" "$BED" "$OUNIT" "$OCC" "$UNIT" "$SPARE" "$UNIT2" "$BED2" >"$T/good/adt_locations.csv"
"$BIN" import --db "$DB" "$T/good/adt_locations.csv" >/dev/null 2>&1
check "the mapping imports" [ $? -eq 0 ]
check "four locations" [ "$(sql "SELECT COUNT(*) FROM adt_locations")" -eq 4 ]

# send FILE-TEXT: one framed message through mllp_send; the ACK in $T/ack (segments one a line)
n_msg=0
send() {
    n_msg=$((n_msg + 1))
    { printf '\013'; printf '%b' "$1"; printf '\034\r'; } >"$T/m$n_msg.hl7"
    mllp_send -p "$MPORT" -f "$T/m$n_msg.hl7" 127.0.0.1 2>"$T/mllp.err" | tr -d '\013\034' | tr '\r' '\n' >"$T/ack"
}
msa() { grep '^MSA|' "$T/ack" | cut -d'|' -f2; }
msa_text() { grep '^MSA|' "$T/ack" | cut -d'|' -f4; }
NOW=$(TZ=Europe/London date +%Y%m%d%H%M)
hdr() { printf 'MSH|^~\\&|PASAPP|%s|ICSFLOW|QRV|%s||ADT^%s|%s|P|2.4\\r' "$1" "$NOW" "$2" "$3"; }

A0=$(audit_count)
# ---- admit ----
send "$(hdr PAS1 A01 C1)EVN|A01|$NOW\\rPID|1||H1^^^PAS^MR~$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "an admission to the bed offered is accepted: AA" [ "$(msa)" = AA ]
check "the ACK answers the message's control id" [ "$(grep '^MSA|' "$T/ack" | cut -d'|' -f3)" = C1 ]
check "the ACK goes back to the sender (MSH-5/6)" [ "$(grep '^MSH|' "$T/ack" | cut -d'|' -f5,6)" = "PASAPP|PAS1" ]
check "the referral is admitted" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $REF")" = admitted ]
check "the bed is occupied" [ "$(sql "SELECT status FROM beds WHERE bed_code = '$BED'")" = occupied ]
check "a stay is open" [ "$(sql "SELECT COUNT(*) FROM bed_stays WHERE referral_id = $REF AND discharged_at IS NULL")" -eq 1 ]
check "audited once, as the bureau's admit, by the sending facility" \
    [ "$(sql "SELECT actor || ' ' || action FROM audit WHERE id > $(echo $A0) ORDER BY id")" = "hl7:PAS1 beds.referral.admit" ]
api GET "/api/v1/beds/referrals/$REF" "$COORD"
expect "the API shows the admission" 200
jqcheck "admitted, in the bed the message named" ".state == \"admitted\" and .bed_code == \"$BED\""

A1=$(audit_count)
send "$(hdr PAS1 A01 C1)EVN|A01|$NOW\\rPID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "the same control id again: acknowledged AA again" [ "$(msa)" = AA ]
check "with the first answer's text" [ "$(msa_text)" = "bed referral $REF admitted" ]
check "and not applied twice (no audit row)" [ "$(audit_count)" -eq "$A1" ]

# ---- refusals: AE, nothing changed ----
send "$(hdr PAS1 A01 C2)PID|1||9999999999^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "an unknown patient: AE" [ "$(msa)" = AE ]
check "saying the patient has no referral awaiting admission" sh -c 'grep -q "no bed referral awaiting admission" "$1"' _ "$T/ack"
check "an AE carries an ERR segment" [ "$(grep -c '^ERR|' "$T/ack")" -eq 1 ]
send "$(hdr PAS1 A01 C3)PID|1||$NHS2^^^NHS^NH\\rPV1|1|I|WARD^^9^PAS1\\r"
check "an admission to an occupied bed: AE" [ "$(msa)" = AE ]
check "the other referral is still accepted" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $REF2")" = accepted ]
send "$(hdr PAS1 A01 C4)PID|1||$NHS2^^^NHS^NH\\rPV1|1|I|WARD^^77^PAS1\\r"
check "an unmapped bed: AE" [ "$(msa)" = AE ]
check "saying the location is not mapped" sh -c 'grep -q "77 is not mapped" "$1"' _ "$T/ack"
send "$(hdr PAS1 A01 C5)PV1|1|I|WARD^^1^PAS1\\r"
check "no PID segment: AE" [ "$(msa)" = AE ]
check "naming PID-3" sh -c 'grep -q "PID-3" "$1"' _ "$T/ack"
send "$(hdr PAS1 A01 C6)EVN|A01|2026-12-04\\rPID|1||$NHS2^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "a malformed event time: AE" [ "$(msa)" = AE ]
send 'MSH|^~\\&|PASAPP|PAS1|ICSFLOW|QRV|||ADT^A01|C7|P\r'
check "a header without a version: AE" [ "$(msa)" = AE ]
# ---- rejections: AR ----
send "$(hdr UNKNOWN A01 C8)PID|1||$NHS2^^^NHS^NH\\rPV1|1|I|WARD^^1^UNKNOWN\\r"
check "a facility not on the allow-list: AR" [ "$(msa)" = AR ]
check "saying so" sh -c 'grep -q "allow-list" "$1"' _ "$T/ack"
send "$(hdr PAS1 A04 C9)PID|1||$NHS2^^^NHS^NH\\rPV1|1|O|WARD^^1^PAS1\\r"
check "an unsupported event (A04): AR" [ "$(msa)" = AR ]
check "nothing audited by the refusals" [ "$(audit_count)" -eq "$A1" ]
check "the AE refusals are recorded with their code" \
    [ "$(sql "SELECT COUNT(*) FROM hl7_messages WHERE control_id IN ('C2','C3','C4','C5','C6') AND ack_code = 'AE'")" -eq 5 ]
check "the AR one too" [ "$(sql "SELECT ack_code FROM hl7_messages WHERE control_id = 'C9'")" = AR ]

# ---- transfer, and the transfer cancelled (the bureau's transfer use case) ----
api PATCH "/api/v1/beds/$SPARE_ID" "$COORD" '{"status":"available"}'
expect "a coordinator reopens a closed bed of the unit" 200
A2=$(audit_count)
send "$(hdr PAS1 A02 C20)PID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^2^PAS1|||WARD^^77^PAS1\\r"
check "a transfer whose prior location is not the patient's bed: AE" [ "$(msa)" = AE ]
send "$(hdr PAS1 A02 C21)EVN|A02|$NOW\\rPID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^2^PAS1|||WARD^^1^PAS1\\r"
check "a transfer to the reopened bed: AA" [ "$(msa)" = AA ]
check "the patient is in the new bed" [ "$(sql "SELECT b.bed_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = $REF")" = "$SPARE" ]
check "the old bed is available" [ "$(sql "SELECT status FROM beds WHERE bed_code = '$BED'")" = available ]
check "the first stay closed as a transfer" \
    [ "$(sql "SELECT COUNT(*) FROM bed_stays WHERE referral_id = $REF AND destination = 'transfer' AND discharged_at IS NOT NULL")" -eq 1 ]
check "a second stay open in the new bed" \
    [ "$(sql "SELECT COUNT(*) FROM bed_stays s JOIN beds b ON b.bed_id = s.bed_id WHERE s.referral_id = $REF AND s.discharged_at IS NULL AND b.bed_code = '$SPARE'")" -eq 1 ]
check "audited as the bureau's transfer by the facility" \
    [ "$(sql "SELECT actor || ' ' || action FROM audit WHERE id > $A2 ORDER BY id")" = "hl7:PAS1 beds.referral.transfer" ]
send "$(hdr PAS1 A12 C22)PID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1|||WARD^^2^PAS1\\r"
check "the transfer cancelled (A12): AA" [ "$(msa)" = AA ]
check "the patient is back in the first bed" [ "$(sql "SELECT b.bed_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = $REF")" = "$BED" ]
api POST "/api/v1/beds/referrals/$REF/transfer" "$COORD" '{"bed_id":'"$(sql "SELECT bed_id FROM beds WHERE bed_code = '$OCC'")"'}'
expect "through the API: a transfer to an occupied bed" 409
api POST "/api/v1/beds/referrals/$REF/transfer" "$COORD" '{}'
expect "through the API: a transfer without a bed" 422
A1=$(audit_count)

# ---- update, discharge ----
send "$(hdr PAS1 A08 C10)PID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "a patient update (A08): AA with no bed change" [ "$(msa)" = AA ]
send "$(hdr PAS1 A03 C11)EVN|A03|$NOW\\rPID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1|||||||||||||||||||||||||||||||||01\\r"
check "a discharge: AA" [ "$(msa)" = AA ]
check "the referral is discharged" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $REF")" = discharged ]
check "home, from PV1-36 = 01" [ "$(sql "SELECT destination FROM bed_stays WHERE referral_id = $REF ORDER BY stay_id DESC LIMIT 1")" = home ]
check "the bed is free again" [ "$(sql "SELECT status FROM beds WHERE bed_code = '$BED'")" = available ]
send "$(hdr PAS1 A03 C12)PID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "discharging a patient who is not admitted: AE" [ "$(msa)" = AE ]
check "the admission and the discharge are the only changes audited" [ "$(audit_count)" -eq $((A1 + 1)) ]

# ---- a discharge cancelled (A13) and an admission cancelled (A11) ----
A3=$(audit_count)
send "$(hdr PAS1 A13 C30)PID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^2^PAS1\\r"
check "a cancelled discharge naming another bed than the one left: AE" [ "$(msa)" = AE ]
check "the referral is still discharged" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $REF")" = discharged ]
send "$(hdr PAS1 A13 C31)EVN|A13|$NOW\\rPID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "the discharge cancelled (A13): AA" [ "$(msa)" = AA ]
check "saying so" [ "$(msa_text)" = "bed referral $REF discharge cancelled" ]
check "the referral is admitted again" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $REF")" = admitted ]
check "its discharge time is cleared" [ "$(sql "SELECT COALESCE(discharged_at, 0) FROM bed_referrals WHERE referral_id = $REF")" -eq 0 ]
check "the bed it left is occupied again" [ "$(sql "SELECT status FROM beds WHERE bed_code = '$BED'")" = occupied ]
check "held for that referral" [ "$(sql "SELECT referral_id FROM beds WHERE bed_code = '$BED'")" -eq "$REF" ]
check "its last stay is open again, without a destination" \
    [ "$(sql "SELECT COUNT(*) FROM bed_stays WHERE referral_id = $REF AND discharged_at IS NULL AND destination IS NULL")" -eq 1 ]
check "audited once, as the bureau's discharge_cancel, by the facility" \
    [ "$(sql "SELECT actor || ' ' || action FROM audit WHERE id > $A3 ORDER BY id")" = "hl7:PAS1 beds.referral.discharge_cancel" ]
check "with an event" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'bed_referral.discharge_cancelled' AND object_id = '$REF'")" -eq 1 ]
send "$(hdr PAS1 A13 C32)PID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "cancelling a discharge that is not there: AE" [ "$(msa)" = AE ]
check "saying the patient has no discharge" sh -c 'grep -q "has no discharge" "$1"' _ "$T/ack"
A4=$(audit_count)
send "$(hdr PAS1 A11 C33)PID|1||$NHS^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "cancelling the admission of a patient who has moved bed since: AE" [ "$(msa)" = AE ]
check "naming the transfer to cancel first" sh -c 'grep -q "moved bed since admission" "$1"' _ "$T/ack"
check "the patient stays admitted" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $REF")" = admitted ]
send "$(hdr PAS1 A01 C34)PID|1||$NHS2^^^NHS^NH\\rPV1|1|I|WARD^^3^PAS1\\r"
check "another patient admitted to the bed offered: AA" [ "$(msa)" = AA ]
send "$(hdr PAS1 A11 C35)PID|1||$NHS2^^^NHS^NH\\rPV1|1|I|WARD^^1^PAS1\\r"
check "an admission cancelled naming another patient's bed: AE" [ "$(msa)" = AE ]
check "naming PV1-3" sh -c 'grep -q "PV1-3 location is not the bed of patient" "$1"' _ "$T/ack"
send "$(hdr PAS1 A11 C36)EVN|A11|$NOW\\rPID|1||$NHS2^^^NHS^NH\\rPV1|1|I|WARD^^3^PAS1\\r"
check "the admission cancelled (A11): AA" [ "$(msa)" = AA ]
check "the referral is accepted again" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $REF2")" = accepted ]
check "its admission time is cleared" [ "$(sql "SELECT COALESCE(admitted_at, 0) FROM bed_referrals WHERE referral_id = $REF2")" -eq 0 ]
check "the bed is reserved for it again" [ "$(sql "SELECT status || ' ' || referral_id FROM beds WHERE bed_code = '$BED2'")" = "reserved $REF2" ]
check "no stay is left from the cancelled admission" [ "$(sql "SELECT COUNT(*) FROM bed_stays WHERE referral_id = $REF2")" -eq 0 ]
check "audited: the admission, then its cancellation" \
    [ "$(sql "SELECT action FROM audit WHERE id > $A4 ORDER BY id" | tr '\n' ' ')" = "beds.referral.admit beds.referral.admit_cancel " ]
check "with an event" [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'bed_referral.admission_cancelled' AND object_id = '$REF2'")" -eq 1 ]
send "$(hdr PAS1 A01 C37)PID|1||$NHS2^^^NHS^NH\\rPV1|1|I|WARD^^3^PAS1\\r"
check "the corrected admission after the cancel: AA" [ "$(msa)" = AA ]
check "one stay open" [ "$(sql "SELECT COUNT(*) FROM bed_stays WHERE referral_id = $REF2 AND discharged_at IS NULL")" -eq 1 ]

# ---- the same undo steps through the API ----
OPS0=$(mktoken ops0 trust_ops "$ORG")
api POST "/api/v1/beds/referrals/$REF2/cancel-admission" "$OPS0" '{}'
expect "trust operations may not cancel an admission" 403
api POST "/api/v1/beds/referrals/$REF2/cancel-admission" "$COORD" '{"reason":42}'
expect "a reason that is not text" 422
api POST "/api/v1/beds/referrals/$REF2/cancel-admission" "$COORD" "{\"reason\":\"$(head -c 501 /dev/zero | tr '\0' x)\"}"
expect "a reason over 500 characters" 422
api POST "/api/v1/beds/referrals/99999999/cancel-admission" "$COORD" '{}'
expect "an unknown referral" 404
api POST "/api/v1/beds/referrals/$REF2/cancel-discharge" "$COORD" '{}'
expect "cancelling the discharge of an admitted patient" 409
api POST "/api/v1/beds/referrals/$REF2/cancel-admission" "$COORD" '{"reason":"wrong patient — entered in error"}'
expect "a coordinator cancels the admission" 200
jqcheck "the referral comes back accepted, with the reason" '.state == "accepted" and .reason == "wrong patient — entered in error"'
api POST "/api/v1/beds/referrals/$REF2/cancel-admission" "$COORD"
expect "cancelled twice" 409
api POST "/api/v1/beds/referrals/$REF/discharge" "$COORD" '{"destination":"home"}'
expect "a discharge through the API" 200
BED_ID=$(sql "SELECT bed_id FROM beds WHERE bed_code = '$BED'")
api PATCH "/api/v1/beds/$BED_ID" "$COORD" '{"status":"closed","closure":"maintenance"}'
expect "the bed left is closed" 200
api POST "/api/v1/beds/referrals/$REF/cancel-discharge" "$COORD"
expect "the discharge cannot be cancelled into a closed bed" 409
check "the referral stays discharged" [ "$(sql "SELECT state FROM bed_referrals WHERE referral_id = $REF")" = discharged ]
api PATCH "/api/v1/beds/$BED_ID" "$COORD" '{"status":"available"}'
expect "the bed reopened" 200
api POST "/api/v1/beds/referrals/$REF/cancel-discharge" "$COORD"
expect "then the discharge is cancelled" 200
jqcheck "admitted again in that bed" ".state == \"admitted\" and .bed_code == \"$BED\""

# ---- a silent feed: on the bed board and told to coordinators once ----
api GET /api/v1/beds/board "$COORD"
expect "the bed board" 200
jqcheck "the feed is listed, not silent" '.adt_feeds | length == 1 and .[0].facility == "PAS1" and .[0].silent == false'
sql "UPDATE hl7_messages SET received_at = received_at - 7200"
api GET /api/v1/beds/board "$COORD"
expect "the bed board two hours later" 200
jqcheck "the feed is silent, with its organisation and last message" \
    ".adt_feeds[0].silent == true and .adt_feeds[0].org_code == \"$ORG\" and (.adt_feeds[0].last_at | test(\"Z\$\"))"
api GET /api/v1/notifications "$COORD"
expect "the coordinator's notifications" 200
jqcheck "the coordinator is told the feed is silent" '[.items[] | select(.kind == "adt.silent" and (.title | test("PAS1")))] | length == 1'
api GET /api/v1/notifications "$COORD"
expect "read again" 200
jqcheck "once, not at every read" '[.items[] | select(.kind == "adt.silent")] | length == 1'
OPS=$(mktoken ops trust_ops "$ORG")
api GET /api/v1/notifications "$OPS"
expect "trust operations' notifications" 200
jqcheck "are not told (coordinators are)" '[.items[] | select(.kind == "adt.silent")] | length == 0'
stop_server
finish
