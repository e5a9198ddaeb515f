#!/bin/sh
# t0601-sitrep-111.sh - the NHS 111 pillar of the OPEL framework 2024-26 over
# real HTTP: NWL's 111 provider (L11) listed in the call view with its calls
# figures, a 111 return scored from its three parameters, its level counted
# in the ICS overall level as one of the four framework pillars (acute,
# community, mental health, NHS 111), and bad 111 returns refused with
# nothing written.
. "$(dirname "$0")/lib.sh"
start_server
TODAY=$(TZ=Europe/London date +%F)
OPS_RRU=$(mktoken ops_rru trust_ops RRU)
OPS_L11=$(mktoken ops_l11 trust_ops L11)
CLIN=$(mktoken clin clinician RYJ)

api GET /api/v1/sitrep/today "$CLIN"
expect "the call view" 200
jqcheck "the NWL 111 provider is listed as kind nhs111" '.providers[] | select(.org == "L11") | .kind == "nhs111"'
jqcheck "its synthetic return has the 60-second figure" '.providers[] | select(.org == "L11") | .figures.calls_60s_pct > 0'
jqcheck "the ICS level is formed from four framework pillars" '.ics.framework_pillars | keys == ["acute","community","mental_health","nhs111"]'
jqcheck "the 111 pillar has a level" '.ics.framework_pillars.nhs111.level >= 1'
jqcheck "the ICS mean is the mean of the pillar means" \
    '(.ics.mean - ([.ics.framework_pillars[] | select(. != null) | .mean] | add / length) | fabs) < 0.02'

api GET /api/v1/sitrep/fields "$CLIN"
expect "field definitions" 200
jqcheck "six required 111 figures" '[.kinds.nhs111[] | select(.required)] | length == 6'

# 2,000 offered, 1,900 answered, 1,520 in 60 s (80%: band 3), 100 abandoned
# (5%: band 2), 240 of 300 call-backs in target (80%: band 2): 7 of 3-12, OPEL 3
GOOD='{"org":"L11","day":"'$TODAY'","fields":{"calls_offered":2000,"calls_answered":1900,"calls_answered_60s":1520,"calls_abandoned":100,"callbacks":300,"callbacks_in_target":240}}'
rows() { sql "SELECT COUNT(*) FROM sitrep_submissions WHERE org_code = 'L11'"; }
R0=$(rows)
A0=$(audit_count)
bad() { # DESC STATUS BODY [TOKEN]
    api POST /api/v1/sitrep/submissions "${4-$OPS_L11}" "$3"
    expect "$1" "$2"
}
bad "answered more than offered" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.calls_answered = 2001')"
jqcheck "says answered is more than offered" '.detail | test("calls_answered \\(2001\\) is more than calls_offered")'
bad "answered and abandoned more than offered" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.calls_abandoned = 101')"
jqcheck "names abandoned calls" '.detail | test("calls_abandoned \\(101\\)")'
bad "more call-backs in target than due" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.callbacks_in_target = 301')"
bad "a huge count" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.calls_offered = 1e300')"
jqcheck "says the most a count can be" '.detail | test("at most")'
bad "a missing figure" 422 "$(printf '%s' "$GOOD" | jq -c 'del(.fields.callbacks)')"
jqcheck "names the missing figure" '.detail | test("missing field .callbacks.")'
bad "an acute figure on a 111 return" 422 "$(printf '%s' "$GOOD" | jq -c '.fields.ga_beds_core = 5')"
jqcheck "says it does not apply to nhs111 providers" '.detail | test("does not apply to nhs111")'
bad "a field name that is not UTF-8" 400 "$(printf '{"org":"L11","fields":{"calls_\377":1}}')"
bad "the ambulance trust's operations submitting for the 111 provider" 403 "$GOOD" "$OPS_RRU"
bad "a clinician submitting" 403 "$GOOD" "$CLIN"
check "nothing written by the failed returns (rows)" [ "$(rows)" -eq "$R0" ]
check "nothing audited by the failed returns" [ "$(audit_count)" -eq "$A0" ]

api POST /api/v1/sitrep/submissions "$OPS_L11" "$GOOD"
expect "the 111 provider's operations submit its return" 201
jqcheck "scored 7 on 3-12" '.score == 7 and .score_min == 3 and .score_max == 12'
jqcheck "OPEL 3, computed" '.level == 3 and .level_source == "computed"'
jqcheck "led by calls answered within 60 seconds" '.drivers[0].parameter == "calls_60s_pct" and .drivers[0].value == 80'
check "one more row" [ "$(rows)" -eq $((R0 + 1)) ]
api GET /api/v1/sitrep/today "$CLIN"
expect "the call view after the return" 200
jqcheck "the 111 pillar shows OPEL 3" '.ics.framework_pillars.nhs111.level == 3 and .ics.framework_pillars.nhs111.highest == 3'
jqcheck "the ambulance service is in no framework pillar" '.ics.framework_pillars | has("ambulance") | not'

stop_server
finish
