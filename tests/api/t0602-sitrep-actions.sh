#!/bin/sh
# t0602-sitrep-actions.sh - OPEL escalation actions over real HTTP: the
# ICS's actions loaded as data (the seeded illustrative set), today's
# checklist opened by the seeded levels, a 111 return at OPEL 3 opening the
# NHS 111 pillar's OPEL 3 actions, and people assigning, ticking and noting
# them: who may act (coordinators, admins, the owning role and organisation),
# bad input refused with nothing written, every step audited once with its
# change event and the notifications to the people concerned; then the CLI
# loading a set (all or nothing).
. "$(dirname "$0")/lib.sh"
start_server
TODAY=$(TZ=Europe/London date +%F)
COORD=$(mktoken coord coordinator QRV)
OPS_L11=$(mktoken ops_l11 trust_ops L11)
OPS_RYJ=$(mktoken ops_ryj trust_ops RYJ)
CLIN=$(mktoken clin clinician RYJ)

api GET /api/v1/sitrep/actions "$CLIN"
expect "today's checklist for a clinician" 200
jqcheck "the seeded set of 15 actions is in force for QRV" '.ics == "QRV" and .definitions == 15'
jqcheck "the seeded levels opened 4 actions, none done" '(.items | length) == 4 and .open == 4 and .done == 0'
jqcheck "RYJ at OPEL 3 opened the acute OPEL 3 actions with the reason" \
    '[.items[] | select(.pillar == "acute" and .level == 3)] | length == 2 and all(.[]; .reason == "a provider in the acute pillar is at OPEL 3")'
jqcheck "a clinician may act on none of them" 'all(.items[]; .may_act == false)'
api GET "/api/v1/sitrep/actions?ics=QZZ" "$CLIN"
expect "an unknown ICS" 404
api GET "/api/v1/sitrep/actions?ics=all" "$CLIN"
expect "all ICSs at once" 422
api GET "/api/v1/sitrep/actions?day=2026-13-01" "$CLIN"
expect "a day that is not a date" 422
api GET /api/v1/sitrep/actions ""
expect "no token" 401
api GET "/api/v1/sitrep/actions?day=2020-01-01" "$CLIN"
expect "a day with no checklist" 200
jqcheck "an empty checklist" '(.items | length) == 0'

# a 111 return at OPEL 3 opens the NHS 111 pillar's OPEL 3 actions
N0=$(sql "SELECT COUNT(*) FROM notifications WHERE kind = 'action.opened'")
api POST /api/v1/sitrep/submissions "$OPS_L11" \
    '{"org":"L11","fields":{"calls_offered":2000,"calls_answered":1900,"calls_answered_60s":1520,"calls_abandoned":100,"callbacks":300,"callbacks_in_target":240}}'
expect "the 111 provider submits a return at OPEL 3" 201
jqcheck "OPEL 3" '.level == 3'
api GET /api/v1/sitrep/actions "$OPS_L11"
expect "the checklist after the return" 200
jqcheck "two NHS 111 OPEL 3 actions opened" '[.items[] | select(.pillar == "nhs111")] | length == 2'
jqcheck "L11 operations may act on the action L11 owns" \
    '.items[] | select(.pillar == "nhs111" and .owner_org == "L11") | .may_act == true'
jqcheck "but not on the coordinators' one" \
    '.items[] | select(.pillar == "nhs111" and .owner_role == "coordinator") | .may_act == false'
check "two action.opened events in the outbox" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'action.opened' AND payload_json LIKE '%nhs111%'")" -eq 2 ]
check "L11's operations user told of the action it owns" \
    [ "$(sql "SELECT COUNT(*) FROM notifications WHERE kind = 'action.opened' AND user_name = 'ops_l11'")" -eq 1 ]
check "coordinators told of theirs" \
    [ "$(sql "SELECT COUNT(*) FROM notifications WHERE kind = 'action.opened' AND user_name = 'coord'")" -ge 1 ]
check "RYJ's operations user not told of 111 actions" \
    [ "$(sql "SELECT COUNT(*) FROM notifications n WHERE n.user_name = 'ops_ryj' AND n.kind = 'action.opened'")" -eq 0 ]
api POST /api/v1/sitrep/submissions "$OPS_L11" \
    '{"org":"L11","fields":{"calls_offered":2000,"calls_answered":1900,"calls_answered_60s":1500,"calls_abandoned":100,"callbacks":300,"callbacks_in_target":240}}'
expect "an amendment at the same level" 201
check "opens nothing twice" [ "$(sql "SELECT COUNT(*) FROM sitrep_actions WHERE pillar = 'nhs111'")" -eq 2 ]

ID111=$(sql "SELECT id FROM sitrep_actions WHERE pillar = 'nhs111' AND owner_org = 'L11'")
IDC=$(sql "SELECT id FROM sitrep_actions WHERE pillar = 'nhs111' AND owner_role = 'coordinator'")

# ---- refused, nothing written ----
A0=$(audit_count)
E0=$(sql "SELECT COUNT(*) FROM events")
api POST "/api/v1/sitrep/actions/$ID111/done" "$CLIN" '{}'
expect "a clinician ticking an operations action" 403
api POST "/api/v1/sitrep/actions/$ID111/done" "$OPS_RYJ" '{}'
expect "another trust's operations ticking L11's action" 403
api POST "/api/v1/sitrep/actions/$IDC/assign" "$OPS_L11" '{}'
expect "L11 operations taking the coordinators' action" 403
api POST /api/v1/sitrep/actions/999999/done "$COORD" '{}'
expect "no such action" 404
api POST /api/v1/sitrep/actions/abc/done "$COORD" '{}'
expect "an id that is not a number" 404
api POST "/api/v1/sitrep/actions/$ID111/assign" "$COORD" '{"to":"nobody_here"}'
expect "assigning to an unknown user" 422
jqcheck "names the user" '.detail | test("nobody_here")'
api POST "/api/v1/sitrep/actions/$ID111/assign" "$COORD" '{"to":"ops_ryj"}'
expect "assigning to a user of another organisation" 422
jqcheck "says who owns it" '.detail | test("belongs to trust_ops of L11")'
api POST "/api/v1/sitrep/actions/$ID111/assign" "$COORD" '{"to":42}'
expect "an assignee that is not a string" 422
api POST "/api/v1/sitrep/actions/$ID111/done" "$COORD" '{"done":"yes"}'
expect "done that is not a boolean" 422
api POST "/api/v1/sitrep/actions/$ID111/done" "$COORD" '{"colour":1}'
expect "an unknown field" 422
api POST "/api/v1/sitrep/actions/$ID111/done" "$COORD" '{"done":'
expect "malformed JSON" 400
api POST "/api/v1/sitrep/actions/$ID111/note" "$COORD" '{"text":""}'
expect "an empty note" 422
api POST "/api/v1/sitrep/actions/$ID111/note" "$COORD" '{}'
expect "a note without text" 422
api POST "/api/v1/sitrep/actions/$ID111/note" "$COORD" "{\"text\":\"$(head -c 1001 /dev/zero | tr '\0' x)\"}"
expect "a note of 1001 bytes" 422
jqcheck "says the limit" '.detail | test("1 to 1000 bytes")'
api POST "/api/v1/sitrep/actions/$ID111/note" "$COORD" '{"text":"bell \u0007 here"}'
expect "a note with a control character" 422
api POST "/api/v1/sitrep/actions/$ID111/note" "$COORD" "$(printf '{"text":"caf\351"}')"
expect "a note that is not UTF-8" 400
api POST "/api/v1/sitrep/actions/$ID111/done" "$COORD" '{"done":false}'
expect "unticking an action that is not done" 409
check "nothing audited by the refusals" [ "$(audit_count)" -eq "$A0" ]
check "no event from the refusals" [ "$(sql "SELECT COUNT(*) FROM events")" -eq "$E0" ]

# ---- assign, note, tick ----
api POST "/api/v1/sitrep/actions/$ID111/assign" "$OPS_L11" ''
expect "L11 operations takes its action (no body: to themselves)" 200
jqcheck "assigned to ops_l11 with the time" '.assignee == "ops_l11" and .assigned_by == "ops_l11" and (.assigned_at | test("Z$"))'
api POST "/api/v1/sitrep/actions/$ID111/assign" "$OPS_L11" '{"to":"ops_l11"}'
expect "assigning again to the same person" 409
api POST "/api/v1/sitrep/actions/$IDC/assign" "$COORD" '{"to":"ops_l11"}'
expect "an L11 user may not own the coordinators' action" 422
NOTE='Two extra clinical advisers from 14:00; backlog 45 — reported to the 12:00 call'
api POST "/api/v1/sitrep/actions/$ID111/note" "$OPS_L11" "$(jq -cn --arg t "$NOTE" '{text:$t}')"
expect "a note with a dash and digits" 200
jqcheck "the note is kept with its author" '.notes | length == 1 and .[0].by_user == "ops_l11" and (.[0].text | test("backlog 45 —"))'
api POST "/api/v1/sitrep/actions/$ID111/done" "$COORD" ''
expect "a coordinator ticks it" 200
jqcheck "done, by whom and when" '.done_by == "coord" and (.done_at | test("Z$"))'
api POST "/api/v1/sitrep/actions/$ID111/done" "$COORD" '{"done":true}'
expect "ticking it again" 409
api GET /api/v1/sitrep/actions "$CLIN"
expect "the checklist" 200
jqcheck "one done now" '.done == 1 and .open == 5'
jqcheck "the note shows on the list" ".items[] | select(.id == $ID111) | .notes[0].by_user == \"ops_l11\""
check "three steps, three audit rows" [ "$(audit_count)" -eq $((A0 + 3)) ]
check "audited under the use cases' names" \
    [ "$(sql "SELECT group_concat(action, ',') FROM (SELECT action FROM audit WHERE object_type = 'sitrep_action' ORDER BY id) x")" = "sitrep.action.assign,sitrep.action.note,sitrep.action.done" ]
check "one event per step" \
    [ "$(sql "SELECT group_concat(type, ',') FROM (SELECT type FROM events WHERE object_type = 'sitrep_action' AND id > $E0 ORDER BY id) x")" = "action.assigned,action.noted,action.done" ]
check "the coordinator's tick told the assignee" \
    [ "$(sql "SELECT COUNT(*) FROM notifications WHERE user_name = 'ops_l11' AND kind = 'action.done'")" -eq 1 ]
check "the assignee's own note did not notify the assignee twice" \
    [ "$(sql "SELECT COUNT(*) FROM notifications WHERE user_name = 'ops_l11' AND kind = 'action.noted'")" -eq 1 ]
api GET /api/v1/notifications "$OPS_L11"
expect "ops_l11's notifications" 200
jqcheck "the tick is in ops_l11's inbox" '[.items[] | select(.kind == "action.done")] | length == 1'
api GET "/api/v1/events?after=$E0&limit=100" "$CLIN"
expect "the events a clinician may read" 200
jqcheck "a clinician sees the action events (the checklist is ICS-wide)" '[.items[] | select(.type | startswith("action."))] | length == 3'

stop_server

# ---- the CLI: loading a set is all or nothing ----
D0=$(sql "SELECT COUNT(*) FROM sitrep_action_defs WHERE active = 1")
printf 'ics,pillar,level,action,owner_role,owner_org\nQRV,acute,3,Fine action,coordinator,\nQRV,maternity,5,,nurse,ZZZ\nXXX,ics,2,Other ICS,admin,\n' >"$T/bad.csv"
out=$("$BIN" sitrep actions --db "$DB" --load "$T/bad.csv" 2>&1)
check "a bad file exits 2" [ $? -eq 2 ]
check "names the pillar problem by line" sh -c 'printf "%s" "$1" | grep -q "line 3: pillar must be"' _ "$out"
check "names the row of another ICS by line" sh -c 'printf "%s" "$1" | grep -q "line 4: ics .XXX. differs"' _ "$out"
printf 'ics,pillar,level,action,owner_role,owner_org\nQZZ,acute,3,Fine action,coordinator,\n' >"$T/unknown.csv"
out=$("$BIN" sitrep actions --db "$DB" --load "$T/unknown.csv" 2>&1)
check "an ICS the deployment does not hold exits 2" [ $? -eq 2 ]
check "and says so" sh -c 'printf "%s" "$1" | grep -q "no ICS .QZZ."' _ "$out"
check "nothing replaced" [ "$(sql "SELECT COUNT(*) FROM sitrep_action_defs WHERE active = 1")" -eq "$D0" ]
printf 'ics,pillar,level,action,owner_role,owner_org\nQRV,ics,1,Say good morning on the system call,coordinator,\nQRV,acute,4,Only at OPEL 4,admin,\n' >"$T/good.csv"
out=$("$BIN" sitrep actions --db "$DB" --load "$T/good.csv" --source "test set" 2>&1)
check "a good file loads" [ $? -eq 0 ]
check "two definitions in force" [ "$(sql "SELECT COUNT(*) FROM sitrep_action_defs WHERE active = 1")" -eq 2 ]
check "the level-1 ICS action opened today at once" \
    [ "$(sql "SELECT COUNT(*) FROM sitrep_actions WHERE day = '$TODAY' AND pillar = 'ics' AND level = 1")" -eq 1 ]
check "earlier items kept" [ "$(sql "SELECT COUNT(*) FROM sitrep_actions WHERE day = '$TODAY'")" -eq 7 ]
check "the load audited with its source" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'sitrep.actions.load' AND json_extract(after_json, '$.source') = 'test set'")" -eq 1 ]
finish
