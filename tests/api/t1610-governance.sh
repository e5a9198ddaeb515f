#!/bin/sh
# t1610-governance.sh - delegation, accountability and priority setting
# over real HTTP: the seeded synthetic ledger, outcomes' live values checked
# against the modules that compute them, the on/off-track rule, the
# decisions register, survey weights with t intervals, the weighted-sum
# ranking, bad input refused with nothing written, and the roles.
. "$(dirname "$0")/lib.sh"
start_server
FIN=$(mktoken fin finance QRV)
EXEC=$(mktoken exec executive)
ADMIN=$(mktoken adm admin)
CLIN=$(mktoken clin clinician RRU)

apicsv() { # PATH TOKEN FILE
    out=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' -X POST \
        -H "Authorization: Bearer $2" -H "Content-Type: text/csv" --data-binary "@$3" "$URL$1")
    STATUS=${out%% *} CTYPE=${out#* }
}

# ---- roles -------------------------------------------------------------------
api GET /api/v1/governance/accountability "$CLIN"
expect "a clinician may not read accountability" 403
api POST /api/v1/governance/decisions "$EXEC" '{"decided_on":"2026-12-01","title":"t","forum":"f","rationale":"r"}'
expect "an executive may not record a decision" 403

# ---- the seeded accountability view ----------------------------------------------
api GET /api/v1/governance/accountability "$EXEC"
expect "an executive reads accountability" 200
jqcheck "five seeded outcomes" '(.items | length) == 5'
jqcheck "the rule is stated" '.rule | test("on track when the current value meets the target")'
jqcheck "every status follows the rule from current, target and direction" \
    'all(.items[]; if .current == null then .status == "no data" elif .better == "higher" then (.status == "on track") == (.current >= .target) else (.status == "on track") == (.current <= .target) end)'
jqcheck "the counts add up to the outcomes" '.on_track + .off_track + .no_data == (.items | length)'
jqcheck "every trend is improving, steady or worsening" 'all(.items[]; .trend | IN("improving","steady","worsening"))'
jqcheck "the Hillingdon UCR outcome has a live value" \
    '.items[] | select(.measure == "ucr_2h_pct") | .place_code == "E09000017" and .current > 0 and .current <= 100'
cp "$T/body" "$T/acc.json"
api GET "/api/v1/waitlist/equity?by=trust" "$ADMIN"
expect "the joint waiting list's equity report" 200
over52=$(jq '.before[] | select(.group == "all") | .over_52' "$T/body")
check "waits over 52 weeks equal the waiting list's own count for the whole list ($over52)" \
    [ "$(jq '.items[] | select(.measure == "waits_over_52_weeks") | .current' "$T/acc.json")" = "$over52" ]
check "which is the trusts' counts added up, not twice that (the whole-list row was counted too)" \
    [ "$(jq '[.before[] | select(.group != "all") | .over_52] | add' "$T/body")" = "$over52" ]
api GET "/api/v1/waitlist/equity?by=trust&as_of=$(TZ=Europe/London date -d '28 days ago' +%F)" "$ADMIN"
expect "the equity report as of 28 days ago" 200
check "the previous value is the same list 28 days earlier" \
    [ "$(jq '.items[] | select(.measure == "waits_over_52_weeks") | .previous' "$T/acc.json")" = "$(jq '.before[] | select(.group == "all") | .over_52' "$T/body")" ]
# the OPEL measure (56 days' levels in one pass) against the daily call view, day by day
opel=0 d=0
while [ $d -lt 28 ]; do
    api GET "/api/v1/sitrep/today?day=$(TZ=Europe/London date -d "$d days ago" +%F)" "$ADMIN"
    [ "$(jqb '.ics.level // 0')" -ge 3 ] && opel=$((opel + 1))
    d=$((d + 1))
done
check "days at OPEL 3 or 4 equal the daily call views of the last 28 days ($opel)" \
    [ "$(jq '.items[] | select(.measure == "opel_days_3_4") | .current' "$T/acc.json")" = "$opel" ]
api GET /api/v1/beds/board "$ADMIN"
occ=$(jq '.totals.occupancy * 100 * 1000 | round / 1000' "$T/body")
check "bed occupancy equals the bed board's ($occ)" \
    [ "$(jq '.items[] | select(.measure == "bed_occupancy_pct") | .current' "$T/acc.json")" = "$occ" ]
api GET /api/v1/governance/measures "$EXEC"
expect "the measures" 200
jqcheck "six measures, each with a method" '(.items | length) == 6 and all(.items[]; (.method | length) > 20)'

# ---- decisions and delegations -------------------------------------------------------
before=$(audit_count)
api POST /api/v1/governance/decisions "$FIN" '{"decided_on":"2026-02-30","title":"","forum":"ICB board","rationale":"r"}'
expect "an impossible date and an empty title" 422
jqcheck "names the date" '.detail | test("decided_on .2026-02-30. must be a date")'
jqcheck "names the title" '.detail | test("title must not be empty")'
check "nothing audited for the refused decision" [ "$(audit_count)" = "$before" ]
api POST /api/v1/governance/decisions "$FIN" '{"decided_on":"2026-12-01","title":"Délégation — budget £","forum":"ICB board","rationale":"need","options":"a; b"}'
expect "finance records a decision with multibyte text" 201
dec=$(jqb .id)
jqcheck "the title comes back as sent" '.title == "Délégation — budget £"'
check "one audit record" [ "$(audit_count)" = "$((before + 1))" ]
api GET "/api/v1/governance/decisions/$dec" "$EXEC"
expect "the decision" 200
api GET "/api/v1/governance/decisions/99999" "$EXEC"
expect "an unknown decision" 404
api GET "/api/v1/governance/decisions/abc" "$EXEC"
expect "a decision id that is not a number" 404

body='{"holder_kind":"place","holder_code":"E09000005","holder_name":"Brent place","scope":"UCR","amount_gbp_m":1e300,"period_from":"2027-03-31","period_to":"2026-04-01","decision_id":99999}'
api POST /api/v1/governance/delegations "$FIN" "$body"
expect "an absurd amount and a period that ends before it starts" 422
jqcheck "names the amount" '.detail | test("amount_gbp_m")'
jqcheck "names the period" '.detail | test("period_to is before period_from")'
body='{"holder_kind":"place","holder_code":"E09000005","holder_name":"Brent place","scope":"UCR","amount_gbp_m":5.5,"period_from":"2026-04-01","period_to":"2027-03-31","decision_id":99999}'
api POST /api/v1/governance/delegations "$FIN" "$body"
expect "an unknown decision" 422
body='{"holder_kind":"place","holder_code":"E09000005","holder_name":"Brent place","scope":"UCR","amount_gbp_m":5.5,"period_from":"2026-04-01","period_to":"2027-03-31","decision_id":'$dec'}'
api POST /api/v1/governance/delegations "$FIN" "$body"
expect "finance delegates to Brent" 201
del=$(jqb .id)
jqcheck "linked to its decision" '.decision_title == "Délégation — budget £"'
api POST "/api/v1/governance/delegations/$del/outcomes" "$FIN" '{"measure":"happiness","target":1}'
expect "an unknown measure" 422
api POST "/api/v1/governance/delegations/$del/outcomes" "$FIN" '{"measure":"bed_occupancy_pct","target":90,"place_code":"E09000005"}'
expect "a place on an ICS-wide measure" 422
api POST "/api/v1/governance/delegations/$del/outcomes" "$FIN" '{"measure":"ucr_2h_pct","target":70,"place_code":"E09000099"}'
expect "an unknown place" 422
api POST "/api/v1/governance/delegations/$del/outcomes" "$FIN" '{"measure":"ucr_2h_pct","target":70,"place_code":"E09000005"}'
expect "Brent answers for UCR" 201
api POST "/api/v1/governance/delegations/99999/outcomes" "$FIN" '{"measure":"ucr_2h_pct","target":70}'
expect "an outcome for an unknown delegation" 404
api GET /api/v1/governance/accountability "$EXEC"
jqcheck "six outcomes now, Brent's among them" \
    '(.items | length) == 6 and ([.items[] | select(.place_code == "E09000005")] | length) == 1'
api GET "/api/v1/events?after=0&limit=1000" "$EXEC"
jqcheck "an executive sees delegation.created" '[.items[].type] | index("delegation.created") != null'
# ---- updates: PUT and PATCH, audited with the record before and after ----
OUTC=$(sql "SELECT id FROM gov_outcomes WHERE delegation_id = $del")
before=$(audit_count)
api PATCH "/api/v1/governance/outcomes/$OUTC" "$EXEC" '{"target":75}'
expect "an executive may not change an outcome" 403
api PATCH "/api/v1/governance/outcomes/$OUTC" "$FIN" '{"target":"high","place_code":"E09000099"}'
expect "a target that is not a number" 422
api PATCH "/api/v1/governance/outcomes/$OUTC" "$FIN" '{"place_code":"E09000099"}'
expect "an outcome moved to an unknown place" 422
check "nothing audited for the refused changes" [ "$(audit_count)" = "$before" ]
api PATCH "/api/v1/governance/outcomes/$OUTC" "$FIN" '{"target":75}'
expect "finance raises Brent's UCR target" 200
jqcheck "the target changed and the rest stayed" '.target == 75 and .measure == "ucr_2h_pct" and .place_code == "E09000005"'
check "one audit record for the update" [ "$(audit_count)" = "$((before + 1))" ]
check "audited with the target before and after" \
    [ "$(sql "SELECT json_extract(before_json, '\$.target') || '>' || json_extract(after_json, '\$.target') FROM audit ORDER BY id DESC LIMIT 1" | sed 's/\.0//g')" = "70>75" ]
api GET "/api/v1/events?after=0&limit=1000" "$EXEC"
jqcheck "announced as outcome.updated" '[.items[].type] | index("outcome.updated") != null'
api PUT "/api/v1/governance/outcomes/$OUTC" "$FIN" '{"measure":"ucr_2h_pct"}'
expect "a PUT without the target (the whole record is needed)" 422
api PUT "/api/v1/governance/outcomes/$OUTC" "$FIN" '{"measure":"ucr_2h_pct","target":72,"place_code":"E09000005","note":"revised"}'
expect "a PUT of the whole outcome" 200
jqcheck "as sent" '.target == 72 and .note == "revised"'

api PATCH "/api/v1/governance/decisions/$dec" "$FIN" '{"decided_on":"2026-13-01","title":""}'
expect "a decision changed to an impossible date and no title" 422
jqcheck "names both" '(.detail | test("decided_on")) and (.detail | test("title must not be empty"))'
api PATCH "/api/v1/governance/decisions/$dec" "$FIN" '{"forum":"ICB board (extraordinary) ✓","options":null}'
expect "finance corrects the forum and clears the options" 200
jqcheck "forum changed, title kept, options cleared" '.forum == "ICB board (extraordinary) ✓" and .title == "Délégation — budget £" and .options == ""'
api PATCH "/api/v1/governance/decisions/99999" "$FIN" '{"forum":"x"}'
expect "an unknown decision" 404

api PATCH "/api/v1/governance/delegations/$del" "$FIN" '{"holder_kind":"provider","holder_code":"Brent place, the people"}'
expect "a holder that is free text, not a reference" 422
jqcheck "says it is not an organisation" '.detail | test("not an organisation")'
api PATCH "/api/v1/governance/delegations/$del" "$FIN" '{"holder_code":"E09000099"}'
expect "a place that is not the ICS's" 422
api PATCH "/api/v1/governance/delegations/$del" "$FIN" '{"amount_gbp_m":-1}'
expect "a negative amount" 422
api PATCH "/api/v1/governance/delegations/$del" "$FIN" '{"holder_kind":"provider","holder_code":"RYX","amount_gbp_m":7.25}'
expect "finance moves the delegation to a provider by its ODS code" 200
jqcheck "the holder is the organisation, named from the directory" \
    ".holder_kind == \"provider\" and .holder_code == \"RYX\" and .holder_name == \"$(sql "SELECT name FROM organisations WHERE ods_code = 'RYX'")\" and .amount_gbp_m == 7.25"
jqcheck "the rest is kept" ".scope == \"UCR\" and .period_from == \"2026-04-01\" and .decision_id == $dec"
api PUT "/api/v1/governance/delegations/$del" "$FIN" '{"holder_kind":"place","holder_code":"E09000005","scope":"UCR and beds","amount_gbp_m":6,"period_from":"2026-04-01","period_to":"2027-03-31"}'
expect "a PUT of the whole delegation (no name: the place's)" 200
jqcheck "named after the place, its decision unlinked (not sent)" \
    ".holder_name == \"$(sql "SELECT name FROM places WHERE code = 'E09000005'")\" and .decision_id == null and .scope == \"UCR and beds\""
check "the seeded collaborative's holder is its host organisation" \
    [ "$(sql "SELECT holder_code FROM gov_delegations WHERE holder_kind = 'collaborative'")" = RYX ]

before=$(audit_count)
api DELETE "/api/v1/governance/delegations/$del" "$FIN"
expect "delete the delegation" 200
check "its outcome went with it" [ "$(sql "SELECT COUNT(*) FROM gov_outcomes WHERE delegation_id = $del")" = 0 ]
check "one audit record for the delete" [ "$(audit_count)" = "$((before + 1))" ]

# ---- priorities --------------------------------------------------------------------
api GET "/api/v1/governance/ranking" "$EXEC"
expect "the ranking by public weights" 200
jqcheck "eight areas ranked 1..8" '[.ranking[].rank] == [1,2,3,4,5,6,7,8]'
jqcheck "totals are the weighted sums with the public weights" \
    '(.criteria | map({(.code): .public}) | add) as $w | all(.ranking[]; ((.scores | to_entries | map(.value * $w[.key]) | add) - .total | fabs) < 1e-9)'
jqcheck "ranked by total, highest first" '[.ranking[].total] as $t | $t == ($t | sort | reverse)'
jqcheck "a sensitivity per criterion, each null or within 0..1" \
    '(.sensitivity | length) == 4 and all(.sensitivity[]; (.increase == null or (.increase > 0 and .increase <= 1)) and (.decrease == null or (.decrease > 0 and .decrease <= 1)))'
jqcheck "labelled synthetic" '.synthetic == true'
api GET "/api/v1/governance/ranking?weights=mood" "$EXEC"
expect "unknown weights" 422

api PUT /api/v1/governance/criteria "$FIN" '{"items":[{"code":"need","name":"Need","board_weight":-1},{"code":"Need!","name":"x","board_weight":1}]}'
expect "a negative weight and a bad code" 422
jqcheck "names both" '(.detail | test("items\\[0\\].board_weight")) and (.detail | test("items\\[1\\].code"))'
api PUT /api/v1/governance/criteria "$FIN" '{"items":[{"code":"need","name":"Need","board_weight":1},{"code":"inequality","name":"Inequality","board_weight":1},{"code":"deliverability","name":"Deliverability","board_weight":1},{"code":"cost","name":"Affordability","board_weight":1}]}'
expect "finance sets equal board weights" 200

printf 'respondent,need,inequality,deliverability,cost\nr1,1,1,1,1\nr2,3,1,0,0\nr3,1,3,0,0\n' >"$T/survey.csv"
printf 'respondent,need,inequality,deliverability,cost\nr1,1,1,1,1\nr2,0,0,0,0\nr3,x,-1,1,1\nr1,1,1,1,1\n' >"$T/bad.csv"
apicsv /api/v1/governance/survey "$FIN" "$T/bad.csv"
expect "a survey with a repeated respondent" 422
printf 'respondent,need,inequality,deliverability,cost\nr1,1,1,1,1\nr2,0,0,0,0\nr3,x,-1,1,1\n' >"$T/bad.csv"
apicsv /api/v1/governance/survey "$FIN" "$T/bad.csv"
expect "a survey with bad rows" 422
jqcheck "names the all-zero row" '.detail | test("line 3: every weight is 0")'
jqcheck "names the bad weights" '(.detail | test("line 4, column need")) and (.detail | test("line 4, column inequality"))'
check "the seeded responses are still there" \
    [ "$(sql "SELECT COUNT(DISTINCT respondent) FROM gov_survey")" = 60 ]
apicsv /api/v1/governance/survey "$EXEC" "$T/survey.csv"
expect "an executive may not import a survey" 403
apicsv /api/v1/governance/survey "$FIN" "$T/survey.csv"
expect "finance imports three responses" 200
jqcheck "three respondents replace sixty" '.respondents == 3 and .replaced == 60'
api GET /api/v1/governance/weights "$EXEC"
expect "the weights" 200
# need: 0.25, 0.75, 0.25 -> mean 5/12, s = 0.288675, t(0.975,2) = 4.302653
jqcheck "need's public weight is the mean of normalised weights (5/12)" \
    '(.items[] | select(.code == "need") | .public - 5/12 | fabs) < 1e-12'
jqcheck "its 95% interval uses t with 2 degrees of freedom" \
    '(.items[] | select(.code == "need") | .public_ci95[1] - (5/12 + 4.302653 * 0.2886751 / (3 | sqrt)) | fabs) < 1e-5'
jqcheck "board weights normalised (0.25 each)" 'all(.items[]; .board == 0.25)'

api POST /api/v1/governance/priorities "$FIN" '{"name":"Falls","cost_gbp_m":1,"scores":{"need":11,"inequality":5,"deliverability":5}}'
expect "a score out of range and a criterion missing" 422
jqcheck "names both" '(.detail | test("scores.need must be a number from 0 to 10")) and (.detail | test("scores.cost"))'
api POST /api/v1/governance/priorities "$FIN" '{"name":"Falls prevention","cost_gbp_m":1,"scores":{"need":10,"inequality":10,"deliverability":10,"cost":10}}'
expect "finance adds a work area that is best on everything" 201
area=$(jqb .id)
api GET "/api/v1/governance/ranking?weights=board" "$EXEC"
expect "the ranking by board weights" 200
jqcheck "the new area ranks first with total 10" '.ranking[0].id == '"$area"' and .ranking[0].total == 10'
api DELETE "/api/v1/governance/priorities/$area" "$FIN"
expect "delete the work area" 200
api DELETE "/api/v1/governance/priorities/$area" "$FIN"
expect "delete it again" 404
finish
