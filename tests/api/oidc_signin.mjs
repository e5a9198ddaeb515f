// oidc_signin.mjs - plays the browser in an OpenID Connect sign-in for the
// tests: GET icsflow's login URL, follow the provider's redirects with a
// cookie jar, fill its login form (any password) and consent form, and stop
// at the redirect back to icsflow's callback. Usage:
//   node oidc_signin.mjs LOGIN_URL USER [JAR]
// With JAR, the provider's cookies (the person's session there) are saved
// to that file as JSON, for oidc_logout.mjs.
// Prints one JSON line: {callback} (the callback URL with code and state)
// or {error}. Talks only to loopback servers.
import { writeFileSync } from 'node:fs';
import { browser } from './oidc_browser.mjs';

const [loginUrl, user, jarFile] = process.argv.slice(2);
const { jar, go } = browser();
try {
  let res = await go(loginUrl);
  if (res.status !== 303 && res.status !== 302) throw new Error(`login answered ${res.status}`);
  let url = new URL(res.headers.get('location'), loginUrl).href;
  const callbackPrefix = new URL('/api/v1/auth/oidc/callback', loginUrl).href;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith(callbackPrefix)) {
      if (jarFile) writeFileSync(jarFile, JSON.stringify([...jar.entries()]));
      console.log(JSON.stringify({ callback: url }));
      process.exit(0);
    }
    res = await go(url);
    if (res.status >= 300 && res.status < 400) { url = new URL(res.headers.get('location'), url).href; continue; }
    const html = await res.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/);
    if (!action) throw new Error(`no form at ${url} (${res.status}): ${html.slice(0, 200)}`);
    const body = new URLSearchParams();
    for (const m of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) body.set(m[1], m[2]);
    if (/name="login"/.test(html)) { body.set('login', user); body.set('password', 'any'); }
    res = await go(new URL(action[1], url).href, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    if (res.status < 300 || res.status >= 400) throw new Error(`form post answered ${res.status}`);
    url = new URL(res.headers.get('location'), url).href;
  }
  throw new Error('too many steps');
} catch (err) {
  console.log(JSON.stringify({ error: String(err.message) }));
  process.exit(1);
}
