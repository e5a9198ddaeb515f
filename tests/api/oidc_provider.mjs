// oidc_provider.mjs - a real OpenID Connect provider (npm oidc-provider) on
// loopback for the sign-in tests. Usage: node oidc_provider.mjs PORT
// CLIENT_ID CLIENT_SECRET REDIRECT_URI. It signs ID tokens with a fresh RSA
// key, requires PKCE, and knows a few CIS2-like users whose claims carry
// national RBAC roles (nhsid_nrbac_roles) and a selected role. Prints
// "ready" when listening; stops on SIGTERM. Loopback only.
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
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
  features: { devInteractions: { enabled: true } },
  ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60 },
});
provider.on('server_error', (ctx, err) => console.error('provider error:', err));
const server = provider.listen(Number(port), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
