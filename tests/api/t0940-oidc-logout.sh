#!/bin/sh
# t0940-oidc-logout.sh - a person removed or signed out at the identity
# provider loses access at once: OpenID Connect Back-Channel Logout 1.0
# against a real provider (npm oidc-provider on loopback, registered with
# our back-channel logout URI). Signing out there ends that person's
# dashboard sessions before the provider's logout page answers, and nobody
# else's; logout tokens that are forged, replayed, for another client, from
# another issuer, expired, carrying a nonce or no logout event, naming
# nobody, or signed with another key end nothing and get 400.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/oidc.sh"
start_provider "$BACKCHANNEL"

export ICSFLOW_OIDC_CLIENT_SECRET=s3cret-test
SERVE_ARGS="--listen 127.0.0.1:$IPORT --oidc-issuer $ISSUER
  --oidc-client-id icsflow-test --oidc-redirect-uri $REDIRECT --oidc-mapping $ROOT/data/oidc_mapping.example.json"
start_server

# signin USER JAR -> a session token (empty on failure)
signin() {
    node "$HERE/oidc_signin.mjs" "$URL/api/v1/auth/oidc/login" "$1" "$2" >"$T/signin.json"
    cb=$(jq -r '.callback // empty' "$T/signin.json")
    [ -n "$cb" ] || return 0
    curl -s -o /dev/null -D "$T/h" "$cb"
    sed -n 's|^[Ll]ocation: */#session=\([A-Za-z0-9_-]*\).*|\1|p' "$T/h" | tr -d '\r'
}
# post_logout TOKEN -> STATUS, CTYPE; body in $T/body
post_logout() {
    out=$(curl -s -o "$T/body" -w '%{http_code} %{content_type}' -X POST \
        -H 'Content-Type: application/x-www-form-urlencoded' --data-urlencode "logout_token=$1" "$BACKCHANNEL")
    STATUS=${out%% *} CTYPE=${out#* }
}
# sign CLAIMS_JSON [HEADER_JSON] [foreign] -> a JWS signed by the provider's key
sign() {
    curl -s -X POST -H 'Content-Type: application/json' \
        -d "{\"claims\": $1${2:+, \"header\": $2}${3:+, \"foreign\": true}}" "$ISSUER/test/sign"
}
NOW=$(date +%s)
EV='{"http://schemas.openid.net/event/backchannel-logout": {}}'
claims() { # SUB-OR-null EXTRA_JSON_MEMBERS
    printf '{"iss": "%s", "aud": "icsflow-test", "iat": %s, "exp": %s, "jti": "%s", "events": %s%s%s}' \
        "$ISSUER" "$NOW" $((NOW + 120)) "jti-$(date +%s%N)" "$EV" "${1:+, \"sub\": \"$1\"}" "${2:+, $2}"
}

ALICE=$(signin alice "$T/alice.jar")
check "alice signs in through the provider" [ "${#ALICE}" -eq 43 ]
BOB=$(signin bob "$T/bob.jar")
check "bob signs in through the provider" [ "${#BOB}" -eq 43 ]
api GET /api/v1/me "$ALICE"
expect "alice's session works" 200
check "her session is tied to the provider's subject and session id" \
    [ "$(sql "SELECT COUNT(*) FROM oidc_sessions o JOIN tokens t ON t.id = o.token_id JOIN users u ON u.id = t.user_id WHERE u.name = 'cis2:alice' AND o.sub = 'alice' AND o.sid IS NOT NULL")" = 1 ]

# ---- alice signs out at the provider: her session ends before its page answers
node "$HERE/oidc_logout.mjs" "$ISSUER" "$T/alice.jar" >"$T/logout.json"
check "alice signs out at the provider ($(cat "$T/logout.json"))" sh -c "jq -e .status '$T/logout.json' >/dev/null"
check "the provider delivered the logout token to icsflow" grep -q "backchannel ok alice" "$T/op.log"
check "and icsflow accepted it (no delivery error)" sh -c "! grep -q 'backchannel error' '$T/op.log'"
api GET /api/v1/me "$ALICE"
expect "alice's session ends at once" 401
api GET /api/v1/me "$BOB"
expect "bob's session is untouched" 200
check "the logout is audited, the provider its actor" \
    [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'auth.oidc.backchannel_logout' AND actor = 'oidc:backchannel' AND object_id = 'cis2:alice'")" = 1 ]
check "alice is not revoked: she may sign in again" \
    [ "$(sql "SELECT COUNT(*) FROM users WHERE name = 'cis2:alice' AND revoked_at IS NULL")" = 1 ]
ALICE2=$(signin alice "$T/alice.jar")
api GET /api/v1/me "$ALICE2"
expect "alice signs in again with a new session" 200

# ---- refused logout tokens end nothing (400, as the specification says)
AUDIT=$(audit_count)
post_logout "$(sign "$(claims bob)" "" foreign)"
expect "a logout token signed with a key nobody trusts" 400
jqcheck "the problem says why" '.detail | test("signature")'
jqcheck "with the OAuth error code" '.error == "invalid_request"'
post_logout "$(sign "$(claims bob)" '{"alg": "none", "typ": "logout+jwt"}')"
expect "an unsigned logout token (alg none)" 400
post_logout "$(sign "$(claims bob | sed 's/"aud": "icsflow-test"/"aud": "another-client"/')")"
expect "a logout token for another client" 400
post_logout "$(sign "$(claims bob | sed "s|\"iss\": \"$ISSUER\"|\"iss\": \"http://127.0.0.1:1\"|")")"
expect "a logout token from another issuer" 400
post_logout "$(sign "$(claims bob | sed "s/\"exp\": [0-9]*/\"exp\": $((NOW - 600))/")")"
expect "an expired logout token" 400
post_logout "$(sign "$(claims bob '"nonce": "n-1"')")"
expect "a token carrying a nonce (an ID token is never a logout token)" 400
post_logout "$(sign "$(claims bob | sed 's/"events": {[^}]*}}/"events": {}/')")"
expect "a token without the back-channel logout event" 400
post_logout "$(sign "$(claims "")")"
expect "a token naming neither a subject nor a session" 400
post_logout "$(sign "$(claims bob | sed 's/"jti": "[^"]*", //')")"
expect "a token without a jti" 400
post_logout ""
expect "an empty logout_token" 400
out=$(curl -s -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"logout_token": "x"}' "$BACKCHANNEL")
check "a JSON body is refused with 415 ($out)" [ "$out" = 415 ]
api GET /api/v1/me "$BOB"
expect "bob's session survives every refused logout token" 200
check "refused logout tokens are not audited as logouts" [ "$(audit_count)" = "$AUDIT" ]

# ---- a valid token naming only the subject ends every session of bob; a replay is refused
BOB2=$(signin bob "$T/bob2.jar")
TOKEN=$(sign "$(claims bob)")
post_logout "$TOKEN"
expect "a logout token naming bob's subject (no sid)" 200
jqcheck "it says which sessions ended (both of bob's)" '.sessions_ended | length == 2'
api GET /api/v1/me "$BOB"
expect "bob's first session has ended" 401
api GET /api/v1/me "$BOB2"
expect "bob's second session has ended" 401
api GET /api/v1/me "$ALICE2"
expect "alice's new session is untouched" 200
post_logout "$TOKEN"
expect "the same logout token replayed" 400
jqcheck "the problem says it was used before" '.detail | test("used before")'

# pasted tokens (service accounts) are not sessions of the provider
api GET /api/v1/me "$ADMIN"
expect "a pasted token still works" 200
stop_provider
finish
