// oidc_provider.mjs - a real OpenID Connect provider (npm oidc-provider) on
// loopback for the sign-in tests. Usage: node oidc_provider.mjs PORT
// CLIENT_ID CLIENT_SECRET REDIRECT_URI [BACKCHANNEL_LOGOUT_URI]. It signs ID
// tokens with a fresh RSA key, requires PKCE, and knows a few CIS2-like
// users whose claims carry national RBAC roles (nhsid_nrbac_roles) and a
// selected role. With a back-channel logout URI the client is registered
// for OpenID Connect Back-Channel Logout (ID tokens carry a sid; signing
// out at /session/end POSTs a logout token there; "backchannel ok|error"
// is logged). POST /test/sign {claims, header?, foreign?} answers a compact
// JWS of those claims signed with the provider's key (or, with foreign, a
// key nobody trusts under the same kid), so tests can forge bad logout
// tokens the real way. Prints "ready" when listening; stops on SIGTERM.
// Loopback only.
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri, backchannelUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', use: 'sig', alg: 'RS256' };

const role = (id, code, org) => ({
  person_roleid: id, role_code: code, org_code: org, role_name: 'test role', person_orgid: `${id}-org`,
});
// login name -> claims (the login form takes any password)
const users = {
  'alice': { name: 'Alice Clinician', nhsid_nrbac_roles: [role('555000000001', 'S8000:G8000:R8000', 'RYJ')], selected_roleid: '555000000001' },
  'bob': { name: 'Bob Coordinator', nhsid_nrbac_roles: [role('555000000011', 'S8000:G8001:R8000', 'RYJ'), role('555000000012', 'S8001:G8005:R8008', 'QRV')], selected_roleid: '555000000012' },
  'carol': { name: 'Carol Unmapped', nhsid_nrbac_roles: [role('555000000021', 'S8002:G8010:R9999', 'RYJ')], selected_roleid: '555000000021' },
  'dave': { name: 'Dave Unknown Org', nhsid_nrbac_roles: [role('555000000031', 'S8000:G8000:R8000', 'ZZZ99')], selected_roleid: '555000000031' },
  'erin': { name: 'Erin Wrong Selection', nhsid_nrbac_roles: [role('555000000041', 'S8000:G8000:R8000', 'RYJ')], selected_roleid: '999' },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri],
    grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...(backchannelUri ? { backchannel_logout_uri: backchannelUri, backchannel_logout_session_required: true } : {}),
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'nationalrbacaccess', 'selectedrole'],
  claims: {
    openid: ['sub'], profile: ['name'],
    nationalrbacaccess: ['nhsid_nrbac_roles'], selectedrole: ['selected_roleid'],
  },
  conformIdTokenClaims: false, // CIS2 puts the role claims in the ID token
  findAccount: async (ctx, sub) => (users[sub] ? {
    accountId: sub,
    claims: async () => ({ sub, ...users[sub] }),
  } : undefined),
  features: { devInteractions: { enabled: true }, backchannelLogout: { enabled: !!backchannelUri } },
  ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60 },
  // The provider refuses to call loopback addresses (SSRF protection); here
  // the relying party is icsflow on loopback, so its dispatcher is dropped.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
});
// test-only signing of arbitrary claims (RS256, the provider's own key)
const b64 = (x) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url');
const foreignKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
provider.use(async (ctx, next) => {
  if (ctx.path !== '/test/sign' || ctx.method !== 'POST') return next();
  let raw = '';
  for await (const chunk of ctx.req) raw += chunk;
  const { claims, header, foreign } = JSON.parse(raw);
  const h = header ?? { alg: 'RS256', typ: 'logout+jwt', kid: 'test-key-1' };
  const input = `${b64(h)}.${b64(claims)}`;
  const sig = h.alg === 'none' ? '' : crypto.sign('sha256', Buffer.from(input), foreign ? foreignKey : privateKey).toString('base64url');
  ctx.type = 'text/plain';
  ctx.body = `${input}.${sig}`;
});
provider.on('server_error', (ctx, err) => console.error('provider error:', err));
provider.on('backchannel.success', (ctx, client, sub, sid) => console.log(`backchannel ok ${sub} ${sid}`));
provider.on('backchannel.error', (ctx, err, client, sub, sid) => console.log(`backchannel error ${sub} ${sid}: ${err.message}${err.cause ? ` (${err.cause.code || err.cause.message})` : ""}`));
const server = provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
