#!/bin/sh
# t0915-tokens.sh - bearer tokens: a default expiry and one per token,
# listing with last use, rotation, revoking one token, the API for a user's
# own tokens and for administrators, the CLI, the schema migration of older
# databases; a revoked or expired token, or a revoked user, is refused at once.
. "$(dirname "$0")/lib.sh"
start_server
OPS=$(mktoken ops1 trust_ops RYJ)
CLIN=$(mktoken clin1 clinician RRU)

api GET /api/v1/tokens "$OPS"
expect "a user lists their own tokens" 200
jqcheck "one token, of kind api" '.items | length == 1 and .[0].kind == "api"'
jqcheck "the token itself is never listed" '[.items[] | has("token") or has("hash")] | any | not'
jqcheck "it has the default expiry, 30 days after creation" \
    '.items[0] | ((.expires_at | fromdateiso8601) - (.created_at | fromdateiso8601)) | . >= 2592000 and . <= 2592005'
jqcheck "its last use is recorded" '.items[0].last_used_at != null'
FIRST=$(jqb '.items[0].id')

api POST /api/v1/tokens "$OPS" '{"label":"nightly export","expires_in":3600}'
expect "a user issues a token for a script, for an hour" 201
jqcheck "the new token is shown" '.token | length == 43'
jqcheck "with its label" '.label == "nightly export"'
jqcheck "and an expiry one hour on" '((.expires_at | fromdateiso8601) - (.created_at | fromdateiso8601)) == 3600'
SCRIPT=$(jqb .token)
SID=$(jqb .id)
api GET /api/v1/me "$SCRIPT"
expect "the new token works" 200

api POST /api/v1/tokens "$OPS" '{"expires_in":31622401}'
expect "an expiry over a year" 422
api POST /api/v1/tokens "$OPS" '{"expires_in":10}'
expect "an expiry under five minutes" 422
api POST /api/v1/tokens "$OPS" '{"expires_in":"soon"}'
expect "an expiry that is not a number" 422
api POST /api/v1/tokens "$OPS" '{"colour":"red"}'
expect "an unknown field" 422

# rotation: a new token with the same label; the old one stops at once
api POST "/api/v1/tokens/$SID/rotate" "$OPS"
expect "rotate the script's token" 201
jqcheck "the replacement keeps the label" '.label == "nightly export"'
jqcheck "and names the token it replaces" ".replaces == $SID"
NEW=$(jqb .token)
api GET /api/v1/me "$SCRIPT"
expect "the rotated-out token is refused at once" 401
jqcheck "saying it was revoked" '.detail | test("revoked")'
api GET /api/v1/me "$NEW"
expect "the replacement works" 200


# one user cannot see or revoke another's tokens
api DELETE "/api/v1/tokens/$FIRST" "$CLIN"
expect "another user's token id" 404
api GET /api/v1/users/ops1/tokens "$CLIN"
expect "a non-admin lists someone else's tokens" 403
api DELETE /api/v1/tokens/abc "$OPS"
expect "a token id that is not a number" 404

# revoking one token leaves the others working
api DELETE "/api/v1/tokens/$FIRST" "$OPS"
expect "revoke one's first token" 200
api GET /api/v1/me "$OPS"
expect "the revoked token is refused at once" 401
api GET /api/v1/me "$NEW"
expect "the user's other token still works" 200
api DELETE "/api/v1/tokens/$FIRST" "$NEW"
expect "revoking it twice" 404

# administrators see and manage anyone's tokens
api GET /api/v1/users/ops1/tokens "$ADMIN"
expect "an admin lists a user's tokens" 200
jqcheck "all three, newest first, two revoked" '(.items | length == 3) and ([.items[] | select(.revoked_at != null)] | length == 2) and (.items[0].id > .items[1].id)'
api POST /api/v1/users/clin1/tokens "$ADMIN" '{"label":"service account","expires_in":86400}'
expect "an admin issues a token for a user" 201
SVC=$(jqb .token)
SVCID=$(jqb .id)
api GET /api/v1/me "$SVC"
expect "it works as that user" 200
jqcheck "and is that user" '.name == "clin1"'
api DELETE "/api/v1/users/clin1/tokens/$SVCID" "$ADMIN"
expect "an admin revokes it" 200
api GET /api/v1/me "$SVC"
expect "it is refused at once" 401
api GET /api/v1/users/nobody/tokens "$ADMIN"
expect "tokens of an unknown user" 404
check "each token change is audited" [ "$(sql "SELECT COUNT(*) FROM audit WHERE object_type = 'token'")" -ge 5 ]

# expiry: a token past its time is refused at once, saying so
sql "UPDATE tokens SET expires_at = 1577836800 WHERE id = $(sql "SELECT MAX(id) FROM tokens WHERE label = 'nightly export'")"
api GET /api/v1/me "$NEW"
expect "an expired token" 401
jqcheck "the problem says it expired" '.detail | test("expired")'

# a revoked user loses access at once, through every token
api GET /api/v1/me "$CLIN"
expect "clin1 before revocation" 200
api DELETE /api/v1/users/clin1 "$ADMIN"
expect "revoke clin1" 200
api GET /api/v1/me "$CLIN"
expect "the revoked user's token at once" 401

# tokens that do not look like tokens never reach the database
api GET /api/v1/me "$(printf 'x%.0s' $(seq 500))"
expect "a 500-character token" 401

# the CLI: tokens, token --expires/--label/--rotate, revoke-token
out=$("$BIN" user token --db "$DB" --name ops1 --expires 12h --label cli-test)
check "user token --expires prints the new token last" [ "$(echo "$out" | tail -n 1 | wc -c)" -eq 44 ]
CT=$(echo "$out" | tail -n 1)
check "user token --expires 12h sets a 12-hour expiry" [ "$(sql "SELECT (expires_at - created_at) / 3600.0 FROM tokens WHERE label = 'cli-test'" | cut -c1-2)" = 12 ]
"$BIN" user tokens --db "$DB" --name ops1 >"$T/list"
check "user tokens lists the label" grep -q cli-test "$T/list"
check "user tokens shows a last-used column" grep -q "last used" "$T/list"
CID=$(sql "SELECT id FROM tokens WHERE label = 'cli-test'")
out=$("$BIN" user token --db "$DB" --name ops1 --rotate "$CID")
R=$(echo "$out" | tail -n 1)
api GET /api/v1/me "$CT"
expect "after user token --rotate, the old token" 401
api GET /api/v1/me "$R"
expect "after user token --rotate, the new one" 200
RID=$(sql "SELECT MAX(id) FROM tokens WHERE label = 'cli-test'")
"$BIN" user revoke-token --db "$DB" --name ops1 --id "$RID" >/dev/null
api GET /api/v1/me "$R"
expect "after user revoke-token" 401
"$BIN" user token --db "$DB" --name ops1 --expires forever >/dev/null 2>"$T/err"
check "a bad --expires is a usage error (exit 2)" [ $? -eq 2 ]
"$BIN" user revoke-token --db "$DB" --name ops1 >/dev/null 2>&1
check "revoke-token without --id is refused" [ $? -ne 0 ]

# the migration: a database from before token expiry keeps its tokens, each
# given the default 30 days from the upgrade (an old SQLite file: the
# PostgreSQL backend is newer than that schema step)
if [ "$ICS_BACKEND" = sqlite ]; then
cp "$DB" "$T/old.db"
sqlite3 "$T/old.db" "DROP TABLE oidc_logins; CREATE TABLE t_old (hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL, created_at TEXT NOT NULL);
  INSERT INTO t_old SELECT hash, user_id, created_at FROM tokens; DROP TABLE tokens; ALTER TABLE t_old RENAME TO tokens;
  DELETE FROM schema_migrations WHERE module = 'tokens';"
before=$(sqlite3 "$T/old.db" "SELECT COUNT(*) FROM tokens")
"$BIN" user tokens --db "$T/old.db" --name admin >/dev/null 2>"$T/err"
check "user tokens on an old database migrates it" [ $? -eq 0 ]
check "every token is kept ($before)" [ "$(sqlite3 "$T/old.db" "SELECT COUNT(*) FROM tokens")" = "$before" ]
check "each gets an expiry about 30 days ahead" [ "$(sqlite3 "$T/old.db" "SELECT COUNT(*) FROM tokens WHERE (expires_at - CAST(strftime('%s', 'now') AS INTEGER)) / 86400.0 BETWEEN 29.9 AND 30.1")" = "$before" ]
fi
finish
