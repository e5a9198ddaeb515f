# oidc.sh - the OpenID Connect provider that the sign-in and logout tests
# (t0925-oidc, t0940-oidc-logout) talk to: npm oidc-provider started on
# loopback by oidc_provider.mjs, stopped by its pid. Sourced after lib.sh;
# sets HERE, IPORT (for icsflow), OPORT, ISSUER, REDIRECT and BACKCHANNEL,
# and replaces lib.sh's exit trap with one that stops the provider too.
HERE=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null 2>&1 || { nok "node is installed (scripts/deps.sh test)"; finish; exit 1; }
[ -f "$ROOT/node_modules/oidc-provider/package.json" ] || { nok "node_modules/oidc-provider is installed (npm ci)"; finish; exit 1; }

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
IPORT=$(free_port)
OPORT=$(free_port)
ISSUER="http://127.0.0.1:$OPORT"
REDIRECT="http://127.0.0.1:$IPORT/api/v1/auth/oidc/callback"
BACKCHANNEL="http://127.0.0.1:$IPORT/api/v1/auth/oidc/backchannel-logout"
OP_PID=""
# start_provider [BACKCHANNEL_URI]: the provider with client icsflow-test
# (secret s3cret-test) redirecting to REDIRECT, and, when given, registered
# for back-channel logout at that URI; waits for it (20 s)
start_provider() {
    rm -f "$T/op.log"
    (cd "$ROOT" && exec node "$HERE/oidc_provider.mjs" "$OPORT" icsflow-test s3cret-test "$REDIRECT" "$@") >"$T/op.log" 2>&1 &
    OP_PID=$!
    i=0
    until grep -q ready "$T/op.log" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 200 ] && { echo "provider did not start"; cat "$T/op.log"; exit 1; }
        sleep 0.1
    done
}
stop_provider() { [ -n "$OP_PID" ] && kill -TERM "$OP_PID" 2>/dev/null; wait "$OP_PID" 2>/dev/null; OP_PID=""; }
trap 'stop_provider; cleanup' EXIT
