// oidc.mjs - the dashboard's "Sign in with NHS Care Identity" button in a
// real browser: starts the test OpenID provider (tests/api/oidc_provider.mjs,
// npm oidc-provider on loopback) and a second icsflow server on the same
// database configured for it, then clicks the button, signs in at the
// provider as a CIS2-like clinician, consents, and must land on the
// dashboard signed in as that person, with the session token gone from the
// address bar. Prints "ok N - ..." / "not ok N - ..."; screenshots to $ICS_OUT.
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const OUT = process.env.ICS_OUT;
const DB = process.env.ICS_DB;
const BIN = process.env.ICS_BIN;
const ROOT = process.cwd();
const WAIT = 20000;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let n = 0, failed = 0;
function report(name, err) {
  n++;
  if (!err) console.log(`ok ${n} - ${name}`);
  else { failed++; console.log(`not ok ${n} - ${name}: ${String(err.message).split('\n').slice(0, 3).join(' | ')}`); }
}
async function check(name, page, fn) {
  try { await fn(); report(name); } catch (err) {
    report(name, err);
    if (page) await page.screenshot({ path: join(OUT, `oidc-failed-${n}.png`), fullPage: true }).catch(() => {});
  }
}
const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
// start CMD ARGS until a line of its output matches ready (or it dies)
function start(cmd, args, env, ready) {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  p.log = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${cmd} did not start: ${p.log.slice(-500)}`)), WAIT);
    const on = (d) => { p.log += d; if (ready.test(p.log)) { clearTimeout(t); resolve(p); } };
    p.stdout.on('data', on);
    p.stderr.on('data', on);
    p.on('exit', (code) => { clearTimeout(t); reject(new Error(`${cmd} exited ${code}: ${p.log.slice(-500)}`)); });
  });
}
function stop(p) {
  if (!p || p.exitCode !== null) return Promise.resolve(p?.exitCode);
  return new Promise((resolve) => { p.removeAllListeners('exit'); p.on('exit', (c) => resolve(c)); p.kill('SIGTERM'); });
}

const oport = await freePort(), iport = await freePort();
const issuer = `http://127.0.0.1:${oport}`, site = `http://127.0.0.1:${iport}`;
const redirect = `${site}/api/v1/auth/oidc/callback`;
let op, server, browser;
try {
  op = await start('node', [join(ROOT, 'tests/api/oidc_provider.mjs'), String(oport), 'icsflow-e2e', 's3cret-e2e', redirect],
    {}, /ready/);
  server = await start(BIN, ['serve', '--db', DB, '--listen', `127.0.0.1:${iport}`, '--oidc-issuer', issuer,
    '--oidc-client-id', 'icsflow-e2e', '--oidc-redirect-uri', redirect,
    '--oidc-mapping', join(ROOT, 'data/oidc_mapping.example.json')],
  { ICSFLOW_OIDC_CLIENT_SECRET: 's3cret-e2e' }, /listening on/);
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: ARGS });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // only the two loopback servers (the provider's page asks for a web font)
  await ctx.route(/^https?:\/\//, (route) => {
    const u = new URL(route.request().url());
    return u.hostname === '127.0.0.1' ? route.continue() : route.abort();
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(`${site}/`);
  const button = page.locator('#oidc-signin');
  await check('the sign-in page offers "Sign in with NHS Care Identity"', page, async () => {
    await button.waitFor({ timeout: WAIT });
  });
  await page.screenshot({ path: join(OUT, 'oidc-1-signin.png'), fullPage: true });
  await button.click();
  await check('the button leads to the identity provider\'s login form', page, async () => {
    await page.locator('input[name="login"]').waitFor({ timeout: WAIT });
    if (!page.url().startsWith(issuer)) throw new Error(`at ${page.url()}`);
  });
  await page.locator('input[name="login"]').fill('alice');
  await page.locator('input[name="password"]').fill('any');
  await page.screenshot({ path: join(OUT, 'oidc-2-provider-login.png'), fullPage: true });
  await page.locator('button[type="submit"]').first().click();
  // the provider asks for consent once, then sends the browser back
  await page.waitForURL((u) => u.href.startsWith(site) || /consent|interaction/.test(u.href), { timeout: WAIT });
  if (!page.url().startsWith(site)) await page.locator('button[type="submit"]').first().click();
  await check('the browser comes back to the dashboard, signed in', page, async () => {
    await page.locator('#nav a').first().waitFor({ timeout: WAIT });
  });
  await check('as alice, a clinician of RYJ (mapped from her CIS2 role)', page, async () => {
    const who = await page.locator('#who-name').textContent();
    if (!/cis2:alice/.test(who) || !/RYJ/.test(who)) throw new Error(`shows "${who}"`);
  });
  await check('the session token is gone from the address bar', page, async () => {
    if (/session=/.test(page.url())) throw new Error(`url ${page.url()}`);
  });
  await check('and kept in this tab\'s session storage only', page, async () => {
    const stored = await page.evaluate(() => Object.values(sessionStorage).some((v) => /^[A-Za-z0-9_-]{43}$/.test(v)));
    const local = await page.evaluate(() => localStorage.length);
    if (!stored || local !== 0) throw new Error(`session storage holds a token: ${stored}; local storage entries: ${local}`);
  });
  await page.screenshot({ path: join(OUT, 'oidc-3-signed-in.png'), fullPage: true });
  await check('no script errors on the way', page, async () => {
    if (errors.length) throw new Error(errors.join(' | '));
  });
} catch (err) {
  report('the OpenID Connect sign-in runs end to end', err);
} finally {
  if (browser) await browser.close();
  const code = await stop(server);
  report(`the OpenID-configured server stops cleanly (exit ${code})`, code === 0 || code === undefined ? null : new Error(server?.log.slice(-500)));
  if (server && /AddressSanitizer|runtime error:|LeakSanitizer/.test(server.log)) report('its log is free of sanitizer reports', new Error(server.log.slice(-1000)));
  await stop(op);
}
console.log(`# ${n} checks, ${failed} failed`);
process.exit(failed ? 1 : 0);
