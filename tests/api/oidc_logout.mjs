// oidc_logout.mjs - plays the browser signing out at the provider for the
// back-channel logout tests: with the cookies oidc_signin.mjs saved (the
// person's session at the provider), open its end_session endpoint and
// confirm "Yes, sign me out"; the provider then POSTs a logout token to
// each client's back-channel logout URI before it answers. Usage:
//   node oidc_logout.mjs ISSUER JAR
// Prints one JSON line: {status} of the confirmation, or {error}. Loopback only.
import { readFileSync } from 'node:fs';
import { browser } from './oidc_browser.mjs';

const [issuer, jarFile] = process.argv.slice(2);
const { go } = browser(JSON.parse(readFileSync(jarFile, 'utf8')));
try {
  const disco = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const endUrl = disco.end_session_endpoint;
  if (!endUrl) throw new Error('the provider has no end_session_endpoint');
  let res = await go(endUrl);
  const html = await res.text();
  const action = html.match(/<form[^>]*action="([^"]+)"/);
  const xsrf = html.match(/name="xsrf" value="([^"]*)"/);
  if (!action || !xsrf) throw new Error(`no logout form at ${endUrl} (${res.status}): ${html.slice(0, 200)}`);
  if (!/name="logout"/.test(html)) throw new Error('the provider does not know this person (no session cookie)');
  const body = new URLSearchParams({ xsrf: xsrf[1], logout: 'yes' });
  res = await go(new URL(action[1], endUrl).href, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  console.log(JSON.stringify({ status: res.status }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err.message) }));
  process.exit(1);
}
