#!/bin/sh
# t0160-audit-doors.sh - the same action through the API and through the
# CLI writes the same audit record and the same change event (issue 12: one
# application function audits it, whichever door it came in by). Adding and
# revoking a user, once through each door: the records differ only in the
# actor (the signed-in administrator, or cli:<login user>), the user's name,
# its id and the time.
. "$(dirname "$0")/lib.sh"
start_server

# after ID: the after_json of the newest audit row about user ID (an id or a
# name), its own id, name and instant taken out
after() {
    sql "SELECT after_json FROM audit WHERE object_type = 'user' AND object_id = '$1' ORDER BY id DESC LIMIT 1" |
        jq -cS 'del(.id, .name, .revoked_at, .created_at)'
}
# what ID: action and object type of that row
what() { sql "SELECT action || ' ' || object_type FROM audit WHERE object_type = 'user' AND object_id = '$1' ORDER BY id DESC LIMIT 1"; }
who() { sql "SELECT actor FROM audit WHERE object_type = 'user' AND object_id = '$1' ORDER BY id DESC LIMIT 1"; }
# event TYPE NAME: the payload (name taken out) and parties of the newest event of TYPE about NAME
event() {
    sql "SELECT payload_json FROM events WHERE type = '$1' ORDER BY id DESC" |
        jq -cS "select(.name == \"$2\") | del(.name)" | head -n 1
}
count() { sql "SELECT COUNT(*) FROM audit WHERE object_type = 'user' AND object_id = '$1'"; }

A0=$(audit_count)
api POST /api/v1/users "$ADMIN" '{"name":"door_api","role":"coordinator","org":"QRV"}'
expect "an administrator adds a user through the API" 201
API_ID=$(jqb .id)
check "one audit row for it" [ "$(audit_count)" = $((A0 + 1)) ]
"$BIN" user add --db "$DB" --name door_cli --role coordinator --org QRV >"$T/cli.out" 2>&1
st=$?
check "the same through the CLI (exit $st)" [ "$st" -eq 0 ]
CLI_ID=$(sql "SELECT id FROM users WHERE name = 'door_cli'")
check "one audit row for it too" [ "$(audit_count)" = $((A0 + 2)) ]
check "one row each (API user $API_ID, CLI user $CLI_ID)" [ "$(count "$API_ID")/$(count "$CLI_ID")" = 1/1 ]
check "the same action and object type ($(what "$API_ID"))" [ "$(what "$CLI_ID")" = "$(what "$API_ID")" ]
check "the same record after the name ($(after "$API_ID"))" [ "$(after "$CLI_ID")" = "$(after "$API_ID")" ]
check "which holds the role and organisation given" [ "$(after "$API_ID")" = '{"org":"QRV","role":"coordinator"}' ]
check "and each the id of its own user" \
    [ "$(sql "SELECT after_json FROM audit WHERE object_type = 'user' AND object_id = '$CLI_ID'" | jq .id)" = "$CLI_ID" ]
check "the API's actor is the administrator ($(who "$API_ID"))" [ "$(who "$API_ID")" = admin ]
check "the CLI's is the login user ($(who "$CLI_ID"))" [ "$(who "$CLI_ID" | cut -c1-4)" = "cli:" ]
check "the same user.added event ($(event user.added door_api))" \
    [ "$(event user.added door_cli)" = "$(event user.added door_api)" ]
check "naming the role" [ "$(event user.added door_api)" = '{"role":"coordinator"}' ]

api DELETE /api/v1/users/door_api "$ADMIN"
expect "the administrator revokes it through the API" 200
"$BIN" user revoke --db "$DB" --name door_cli >"$T/cli.out" 2>&1
st=$?
check "and the other through the CLI (exit $st)" [ "$st" -eq 0 ]
check "the same action and object type ($(what door_api))" [ "$(what door_cli)" = "$(what door_api)" ]
check "the same record after the name and time ($(after door_api))" \
    [ "$(after door_cli)" = "$(after door_api)" ]
check "each says when" [ "$(sql "SELECT COUNT(*) FROM audit WHERE object_id IN ('door_api', 'door_cli') AND after_json LIKE '%revoked_at%'")" = 2 ]
check "the same user.revoked event" [ "$(event user.revoked door_cli)" = "$(event user.revoked door_api)" ]
check "one user.revoked event for each" \
    [ "$(sql "SELECT COUNT(*) FROM events WHERE type = 'user.revoked'")" = 2 ]
finish
