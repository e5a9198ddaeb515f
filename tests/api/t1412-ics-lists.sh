#!/bin/sh
# t1412-ics-lists.sh - the mutual-aid requests, the joint waiting list (its
# entries, allocation runs and equity) and the analytics datasets per ICS:
# ?ics= as every read (default the home ICS, 403 for an ICS not granted),
# 404 for one row of an unseen ICS, both ways (North West London and
# Hertfordshire and West Essex), and what they record carries their ICS.
. "$(dirname "$0")/lib.sh"

start_server
NWL=$(mktoken nwl.coord coordinator QRV)
HWE=$(mktoken hwe.coord coordinator QM7)
NWLA=$(mktoken nwl.analyst analyst QRV)
HWEA=$(mktoken hwe.analyst analyst QM7)
DEPL=$(mktoken depl admin) # the deployment's administrator: no organisation
OPS_RWG=$(mktoken ops.rwg trust_ops RWG)
OPS_RYJ=$(mktoken ops.ryj trust_ops RYJ)
TODAY=$(date +%F)
aid() { printf '{"resource":"beds","detail":"ga","quantity":%s,"date_from":"%s","date_to":"%s","urgency":"urgent","note":"surge"}' "$1" "$TODAY" "$TODAY"; }

# ---- mutual aid ----------------------------------------------------------------------
api POST /api/v1/sitrep/aid "$OPS_RWG" "$(aid 3)"
expect "West Herts (Hertfordshire and West Essex) asks for aid" 201
HAID=$(jqb .id)
api POST /api/v1/sitrep/aid "$OPS_RYJ" "$(aid 2)"
expect "Imperial (North West London) asks for aid" 201
NAID=$(jqb .id)
check "West Herts's request is recorded as QM7's (audit)" \
    [ "$(sql "SELECT ics FROM audit WHERE action = 'sitrep.aid.request' AND object_id = '$HAID'")" = QM7 ]
check "and its event" [ "$(sql "SELECT ics FROM events WHERE type = 'aid.requested' AND object_id = '$HAID'")" = QM7 ]
check "Imperial's is QRV's" [ "$(sql "SELECT ics FROM events WHERE type = 'aid.requested' AND object_id = '$NAID'")" = QRV ]
api GET /api/v1/sitrep/aid "$NWL"
expect "the NWL coordinator's requests" 200
jqcheck "NWL's, Imperial's among them" 'any(.items[]; .id == '"$NAID"') and all(.items[]; .ics == "QRV")'
jqcheck "West Herts's not among them" 'all(.items[]; .id != '"$HAID"')'
api GET /api/v1/sitrep/aid "$HWE"
expect "Hertfordshire's coordinator's requests" 200
jqcheck "West Herts's only" '[.items[].id] == ['"$HAID"']'
api GET "/api/v1/sitrep/aid?ics=QM7" "$NWL"
expect "the NWL coordinator may not ask for Hertfordshire's" 403
api GET "/api/v1/sitrep/aid?ics=QRV" "$HWE"
expect "nor Hertfordshire's for NWL's" 403
api GET "/api/v1/sitrep/aid/$HAID" "$NWL"
expect "a request of an unseen ICS is not found" 404
api GET "/api/v1/sitrep/aid/$NAID" "$HWE"
expect "both ways" 404
api GET "/api/v1/sitrep/aid/$HAID" "$HWE"
expect "Hertfordshire's coordinator reads it" 200
api GET "/api/v1/sitrep/aid?ics=all" "$DEPL"
jqcheck "the deployment's administrator, ics=all: both ICSs" \
    'any(.items[]; .id == '"$HAID"' and .ics == "QM7") and any(.items[]; .id == '"$NAID"' and .ics == "QRV")'
api GET "/api/v1/sitrep/aid?ics=QZZ" "$DEPL"
expect "an unknown ICS" 404
api POST "/api/v1/sitrep/aid/$HAID/withdraw" "$NWL" '{"note":"not ours"}'
expect "the NWL coordinator cannot act on it" 404
api POST "/api/v1/sitrep/aid/$HAID/offers" "$OPS_RYJ" '{"quantity":1}'
expect "Imperial cannot offer across a closed boundary" 409

# ---- the joint waiting list ------------------------------------------------------------
api GET "/api/v1/waitlist/entries?limit=5" "$NWL"
expect "NWL's joint list" 200
NTOTAL=$(jqb .total)
EID=$(jqb '.items[0].id')
check "holds the synthetic NWL entries ($NTOTAL)" [ "$NTOTAL" -gt 0 ]
jqcheck "at NWL trusts" 'all(.items[]; .trust | IN("RYJ", "R1K", "RQM", "RAS", "RV3", "RKL", "RYX", "RY9", "RPY", "RT3"))'
api GET "/api/v1/waitlist/entries?limit=5" "$HWE"
expect "Hertfordshire's joint list" 200
jqcheck "is empty: no NWL entry (synthetic history is NWL's)" '.total == 0 and (.items | length) == 0'
api GET "/api/v1/waitlist/entries?ics=QM7" "$NWL"
expect "the NWL coordinator may not ask for Hertfordshire's" 403
api GET "/api/v1/waitlist/entries?ics=all" "$DEPL"
expect "a joint list is one ICS's" 422
api GET "/api/v1/waitlist/entries/$EID" "$HWE"
expect "an NWL entry is not found for Hertfordshire's coordinator" 404
api GET "/api/v1/waitlist/entries/$EID" "$NWL"
expect "the NWL coordinator reads it" 200
api GET "/api/v1/waitlist/entries?ics=QM7&limit=5" "$DEPL"
jqcheck "the deployment's administrator, ?ics=QM7: empty too" '.total == 0'

api POST "/api/v1/waitlist/runs?ics=QM7" "$DEPL" '{"horizon_days":28}'
HST=$STATUS
check "an allocation for Hertfordshire runs on its (empty) list or says why ($HST: $(head -c 200 "$T/body"))" [ "$HST" = 201 -o "$HST" = 422 ]
# the same asked as a background job (Prefer: respond-async) keeps its ICS
apia() {
    printf '%s' "$4" >"$T/req"
    out=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' -X "$1" -H "Authorization: Bearer $3" \
        -H "Content-Type: application/json" -H "Prefer: respond-async" --data-binary "@$T/req" "$URL$2")
    STATUS=${out%% *} CTYPE=${out#* }
}
J0=$(sql "SELECT COUNT(*) FROM jobs")
apia POST "/api/v1/waitlist/runs?ics=QM7" "$NWL" '{"horizon_days":28}'
expect "an NWL coordinator may not queue an allocation for Hertfordshire" 403
check "no job queued for it" [ "$(sql "SELECT COUNT(*) FROM jobs")" = "$J0" ]
apia POST "/api/v1/waitlist/runs?ics=QM7" "$DEPL" '{"horizon_days":28}'
expect "the deployment's administrator queues one" 202
JOB=$(jqb .id)
jqcheck "the job says its ICS" '.ics == "QM7"'
i=0
while [ $i -lt 300 ]; do
    api GET "/api/v1/jobs/$JOB" "$DEPL"
    case $(jqb .state) in done | failed) break ;; esac
    i=$((i + 1)); sleep 0.2
done
check "the job is done ($(jqb .state): $(jqb .error))" [ "$(jqb .state)" = done ]
RUN=$(jq -r '.links.result // "" | sub(".*/"; "")' "$T/body")
check "its run is Hertfordshire's, as the direct one ($RUN)" [ "$(sql "SELECT ics FROM waitlist_runs WHERE id = '${RUN:-0}'")" = QM7 ]
api GET /api/v1/waitlist/runs "$NWL"
expect "NWL's allocation runs" 200
NRUN=$(jqb '.items[0].id')
jqcheck "NWL's only (the seeded run among them)" '(.items | length) > 0 and all(.items[]; .ics == "QRV")'
api GET /api/v1/waitlist/runs "$HWE"
jqcheck "Hertfordshire's coordinator sees none of NWL's" 'all(.items[]; .ics == "QM7")'
api GET "/api/v1/waitlist/runs/$NRUN" "$HWE"
expect "an NWL run is not found for them" 404
api GET "/api/v1/waitlist/runs/$NRUN/results?limit=1" "$HWE"
expect "nor its results" 404
api GET "/api/v1/waitlist/runs/$NRUN" "$NWL"
expect "the NWL coordinator reads it" 200
api GET "/api/v1/waitlist/equity?run=$NRUN" "$HWEA"
expect "nor its equity" 404
api GET /api/v1/waitlist/equity "$NWLA"
expect "NWL's equity of waits" 200
NEQ=$(jq -c . "$T/body" | md5sum)
api GET /api/v1/waitlist/equity "$HWEA"
expect "Hertfordshire's equity of waits" 200
HEQ=$(jq -c . "$T/body" | md5sum)
check "differs from NWL's (no NWL waits in it)" [ "$NEQ" != "$HEQ" ]
api GET "/api/v1/waitlist/equity?ics=QRV" "$HWEA"
expect "Hertfordshire's analyst may not ask for NWL's" 403

# ---- analytics datasets -----------------------------------------------------------------
rows() { # AREA -> 38 rows of count 25
    jq -nc --arg a "$1" '[("M","F") as $s | ("0-4","5-9","10-14","15-19","20-24","25-29","30-34","35-39","40-44","45-49","50-54","55-59","60-64","65-69","70-74","75-79","80-84","85-89","90+") as $b | {area_code: $a, sex: $s, age_band: $b, count: 25}]'
}
api GET /api/v1/analytics/datasets "$NWLA"
expect "NWL's datasets" 200
jqcheck "the seeded NEL dataset, over NWL's areas" 'any(.items[]; .dataset == "nel_synthetic")'
api POST /api/v1/analytics/datasets "$HWEA" "$(jq -nc --argjson r "$(rows E07000102)" '{dataset: "herts_falls", period: "2024-25", rows: $r}')"
expect "Hertfordshire's analyst loads a dataset of a Hertfordshire district" 201
jqcheck "its ICS is QM7" '.ics == ["QM7"]'
check "recorded as QM7's" [ "$(sql "SELECT ics FROM audit WHERE action = 'analytics.dataset.create' AND object_id = 'herts_falls'")" = QM7 ]
api GET /api/v1/analytics/datasets "$HWEA"
jqcheck "Hertfordshire's list: that dataset only" '[.items[].dataset] == ["herts_falls"]'
api GET /api/v1/analytics/datasets "$NWLA"
jqcheck "not in NWL's" 'all(.items[]; .dataset != "herts_falls")'
api GET /api/v1/analytics/datasets/nel_synthetic "$HWEA"
expect "NWL's dataset is not found for Hertfordshire's analyst" 404
api GET /api/v1/analytics/datasets/herts_falls "$NWLA"
expect "both ways" 404
api DELETE /api/v1/analytics/datasets/herts_falls "$NWLA"
expect "nor may NWL's analyst delete it" 404
check "it is still there" [ "$(sql "SELECT COUNT(*) FROM analytics_datasets WHERE dataset = 'herts_falls'")" = 1 ]
api POST /api/v1/analytics/datasets "$NWLA" "$(jq -nc --argjson r "$(rows E07000102)" '{dataset: "sneaky", period: "2024-25", rows: $r}')"
expect "NWL's analyst may not load a dataset of Hertfordshire's areas" 403
check "and nothing was written" [ "$(sql "SELECT COUNT(*) FROM analytics_datasets WHERE dataset = 'sneaky'")" = 0 ]
api GET "/api/v1/analytics/datasets?ics=QM7" "$NWLA"
expect "nor list Hertfordshire's" 403
api GET "/api/v1/analytics/datasets?ics=QM7" "$DEPL"
jqcheck "the deployment's administrator lists Hertfordshire's" '[.items[].dataset] == ["herts_falls"]'
api DELETE /api/v1/analytics/datasets/herts_falls "$HWEA"
expect "its own analyst deletes it" 200
finish
