#!/bin/sh
# t0925-oidc.sh - OpenID Connect sign-in end to end against a real provider
# (npm oidc-provider, started here on loopback with a fresh RSA key and
# CIS2-like users): the code flow with PKCE, state and nonce; the session
# token it gives; roles and organisations mapped by the example mapping;
# unmapped roles, unknown organisations, forged or replayed states, a bad
# code, a token signed with a key the server does not trust, and a revoked
# user refused; failed callbacks rate-limited.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/oidc.sh"
start_provider

export ICSFLOW_OIDC_CLIENT_SECRET=s3cret-test
SERVE_ARGS="--listen 127.0.0.1:$IPORT --auth-fails 20 --oidc-issuer http://127.0.0.1:$OPORT
  --oidc-client-id icsflow-test --oidc-redirect-uri $REDIRECT --oidc-mapping $ROOT/data/oidc_mapping.example.json"
start_server

# signin USER -> the callback URL the provider sends the browser to ($T/cb)
signin() { node "$HERE/oidc_signin.mjs" "$URL/api/v1/auth/oidc/login" "$1" >"$T/signin.json"; jq -r '.callback // empty' "$T/signin.json" >"$T/cb"; }
# callback URL -> STATUS and LOCATION (body in $T/body)
callback() {
    out=$(curl -s -o "$T/body" -D "$T/h" -w '%{http_code} %{content_type}' "$1")
    STATUS=${out%% *} CTYPE=${out#* }
    LOCATION=$(sed -n 's/^[Ll]ocation: *//p' "$T/h" | tr -d '\r')
}

api GET /api/v1/auth/config ""
expect "sign-in configuration (public)" 200
jqcheck "says OpenID Connect is on" '.oidc == true'

curl -s -o /dev/null -D "$T/h" "$URL/api/v1/auth/oidc/login"
loc=$(sed -n 's/^[Ll]ocation: *//p' "$T/h" | tr -d '\r')
check "login redirects to the provider's authorization endpoint" sh -c "echo '$loc' | grep -q '^http://127.0.0.1:$OPORT/'"
check "with a PKCE S256 challenge" sh -c "echo '$loc' | grep -q 'code_challenge_method=S256'"
check "with a nonce" sh -c "echo '$loc' | grep -q '[?&]nonce='"
check "with a state" sh -c "echo '$loc' | grep -q '[?&]state='"
check "the sign-in in progress is kept in the database" [ "$(sql "SELECT COUNT(*) FROM oidc_logins")" -ge 1 ]

# ---- alice: a clinician at RYJ (CIS2 role R8000, selected)
signin alice
check "the provider sends alice back with a code ($(cat "$T/signin.json"))" [ -s "$T/cb" ]
CB=$(cat "$T/cb")
callback "$CB"
check "the callback redirects to the dashboard ($STATUS)" [ "$STATUS" = 303 ]
SESSION=$(echo "$LOCATION" | sed -n 's|^/#session=\([A-Za-z0-9_-]*\)$|\1|p')
check "with the session token in the fragment ($LOCATION)" [ "${#SESSION}" -eq 43 ]
api GET /api/v1/me "$SESSION"
expect "the session token works" 200
jqcheck "as cis2:alice" '.name == "cis2:alice"'
jqcheck "a clinician (mapped from R8000)" '.role == "clinician"'
jqcheck "of RYJ (the role's ODS organisation)" '.org == "RYJ"'
check "the session token is of kind session" [ "$(sql "SELECT kind FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.name = 'cis2:alice'")" = session ]
check "and lives 8 hours" [ "$(sql "SELECT CAST(ROUND((t.expires_at - t.created_at) / 3600.0) AS INTEGER) FROM tokens t JOIN users u ON u.id = t.user_id WHERE u.name = 'cis2:alice'")" = 8 ]
check "the sign-in is audited" [ "$(sql "SELECT COUNT(*) FROM audit WHERE action = 'auth.oidc.signin' AND actor = 'cis2:alice'")" = 1 ]
check "the state was used up" [ "$(sql "SELECT COUNT(*) FROM oidc_logins")" -eq 1 ]
callback "$CB"
expect "the same callback replayed" 400

# ---- bob: selected role R8008 at the ICB (QRV) -> coordinator
signin bob
callback "$(cat "$T/cb")"
check "bob signs in ($STATUS)" [ "$STATUS" = 303 ]
BOB=$(echo "$LOCATION" | sed -n 's|^/#session=||p')
api GET /api/v1/me "$BOB"
jqcheck "bob is a coordinator at QRV (the rule naming the organisation)" '.role == "coordinator" and .org == "QRV"'

# ---- refused: unmapped role, unknown organisation, selected role missing
signin carol
callback "$(cat "$T/cb")"
expect "carol, whose role R9999 is not mapped" 403
jqcheck "the problem names her role" '.detail | test("R9999")'
signin dave
callback "$(cat "$T/cb")"
expect "dave, whose organisation is not in the directory" 403
signin erin
callback "$(cat "$T/cb")"
expect "erin, whose selected role is not among her roles" 403
check "no user was made for the refused ones" [ "$(sql "SELECT COUNT(*) FROM users WHERE name IN ('cis2:carol','cis2:dave','cis2:erin')")" = 0 ]

# ---- forged state, bad code, missing parameters, provider errors
signin alice
CB=$(cat "$T/cb")
callback "$(echo "$CB" | sed 's/state=[^&]*/state=forged/')"
expect "a forged state" 400
callback "$(echo "$CB" | sed 's/code=[^&]*/code=wrong/')"
expect "a code the provider never issued" 401
callback "$URL/api/v1/auth/oidc/callback"
expect "a callback without code and state" 400
callback "$URL/api/v1/auth/oidc/callback?error=access_denied&state=x"
expect "the provider's own error" 400
callback "$URL/api/v1/auth/oidc/callback?code=a&state=b&extra=1"
expect "an unknown query parameter" 422

# ---- bad signature: the provider comes back with a new key under the same
# key id; the server still trusts the old one, so the ID token must fail
stop_provider
start_provider
signin alice
callback "$(cat "$T/cb")"
expect "an ID token signed with a key the server does not trust" 401
jqcheck "the problem says the signature does not verify" '.detail | test("signature")'

# ---- a user revoked in icsflow loses access at once and cannot sign in again
"$BIN" user revoke --db "$DB" --name cis2:alice >/dev/null
api GET /api/v1/me "$SESSION"
expect "alice's session after she is revoked" 401

# ---- failed callbacks are rate limited per address
i=0
while [ $i -lt 25 ]; do
    callback "$URL/api/v1/auth/oidc/callback?code=x&state=y$i"
    [ "$STATUS" = 429 ] && break
    i=$((i + 1))
done
expect "failed callbacks from one address are rate limited" 429
check "with Retry-After" grep -qi "^retry-after: [1-9]" "$T/h"

# pasted tokens keep working beside sign-in (service accounts)
api GET /api/v1/me "$ADMIN"
expect "a pasted token still works" 200
stop_provider
finish
