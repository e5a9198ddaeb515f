// dashboard.mjs - browser tests of the dashboard: playwright-core drives
// Debian's chromium (headless, no sandbox, background networking off, a
// fresh profile) against the real server started by run.sh. Each check
// prints "ok N - ..." or "not ok N - ..."; every view is screenshotted to
// $ICS_OUT. Requests to anything but the test server are blocked and fail
// the run, so nothing can come from a CDN.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const URL = process.env.ICS_URL;
const OUT = process.env.ICS_OUT;
const DB = process.env.ICS_DB;
const TOK = { admin: process.env.ADMIN, coordinator: process.env.COORD, clinician: process.env.CLIN,
  trust_ops: process.env.OPS, analyst: process.env.ANALYST };
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DESKTOP = { width: 1280, height: 800 };
const TABLET = { width: 768, height: 1024 };
const WAIT = 15000;

let n = 0, failed = 0;
const external = [];
const pageErrors = [];

function sql(q) {
  return execFileSync('sqlite3', [DB, q], { encoding: 'utf8' }).trim();
}

async function check(name, page, fn) {
  n++;
  try {
    await fn();
    console.log(`ok ${n} - ${name}`);
  } catch (err) {
    failed++;
    console.log(`not ok ${n} - ${name}: ${String(err.message).split('\n').slice(0, 3).join(' | ')}`);
    if (page) await page.screenshot({ path: join(OUT, `failed-${n}.png`), fullPage: true }).catch(() => {});
  }
}

async function shot(page, name) {
  await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
}

// Wait until the view has finished loading: no busy region, no loading text.
async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]') &&
    !document.querySelector('main .loading'), null, { timeout: WAIT });
  await page.waitForTimeout(100); // charts draw on the next animation frame
}

// One fresh profile for the run; each page is its own tab (its own
// sessionStorage, so its own sign-in).
// (Screenshots of a background tab stall in headless chromium, so each new
// page is brought to the front; the first reuses the profile's own tab.)
async function newPage(ctx, viewport = DESKTOP) {
  const blank = ctx.pages().find((p) => p.url() === 'about:blank' && !p.icsUsed);
  const page = blank || await ctx.newPage();
  page.icsUsed = true;
  await page.setViewportSize(viewport);
  await page.bringToFront();
  page.on('pageerror', (e) => pageErrors.push(`${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) pageErrors.push(m.text()); });
  return page;
}

async function signIn(page, role) {
  await page.goto(`${URL}/`);
  await page.getByLabel('Access token').fill(TOK[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#nav a').first().waitFor({ timeout: WAIT });
  await settled(page);
}

async function openView(page, title, id) {
  await page.locator('#nav').getByRole('link', { name: title, exact: true }).click();
  await page.locator(`[data-view="${id}"]`).waitFor({ timeout: WAIT });
  await settled(page);
}

const navNames = async (page) => (await page.locator('#nav a').allTextContents()).map((s) => s.trim());

const profile = mkdtempSync(join(tmpdir(), 'icsflow-chromium-'));
let browser;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS, timeout: 60000,
    viewport: DESKTOP, locale: 'en-GB', timezoneId: 'Europe/London',
  });
} catch (err) {
  console.log(`not ok 1 - chromium starts: ${String(err.message).split('\n')[0]}`);
  process.exit(1);
}
await browser.route('**/*', (route) => {
  const u = route.request().url();
  if (u.startsWith(URL) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
  external.push(u);
  return route.abort();
});
console.log(`# chromium ${browser.browser()?.version() ?? ''} against ${URL}`);

// ---- sign-in --------------------------------------------------------------
const page = await newPage(browser);

await check('the dashboard loads at / with its stylesheet, script and chart library', page, async () => {
  const res = await page.goto(`${URL}/`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /^text\/html/);
  await page.getByRole('heading', { name: 'Sign in to icsflow' }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => typeof window.Chart), 'function');
  await shot(page, '00-signin');
});

await check('a wrong token is refused with the server\'s message', page, async () => {
  await page.getByLabel('Access token').fill('not-a-real-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.locator('form.signin [role=alert]');
  await alert.waitFor({ timeout: WAIT });
  assert.match(await alert.textContent(), /not accepted/);
  assert.equal(await page.locator('#nav').isHidden(), true);
});

await check('the admin signs in and sees every view and their name and role', page, async () => {
  await page.getByLabel('Access token').fill(TOK.admin);
  await page.keyboard.press('Enter'); // keyboard submit
  await page.locator('#nav a').first().waitFor({ timeout: WAIT });
  assert.deepEqual(await navNames(page), ['System', 'Beds', 'Find a service', 'Waiting list', 'Analytics', 'Admin']);
  assert.match(await page.locator('#who-name').textContent(), /e2e-admin · ICS administrator · QRV/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('icsflow.token')), TOK.admin);
});

// ---- every view renders at desktop width, with a screenshot ---------------
const VIEWS = [['System', 'system'], ['Beds', 'beds'], ['Find a service', 'find'], ['Waiting list', 'waitlist'],
  ['Analytics', 'analytics'], ['Admin', 'admin']];
for (const [i, [title, id]] of VIEWS.entries()) {
  await check(`the ${title} view renders at 1280x800 without errors`, page, async () => {
    await openView(page, title, id);
    const errs = await page.locator('main .error').allTextContents();
    assert.deepEqual(errs, []);
    assert.ok((await page.locator('main h1').textContent()).length > 0);
    await shot(page, `${String(i + 1).padStart(2, '0')}-${id}`);
  });
}

// ---- admin: users and audit -------------------------------------------------
await check('admin adds a user in the form, gets a one-time token, and the audit log shows it', page, async () => {
  await openView(page, 'Admin', 'admin');
  await page.getByLabel('Name', { exact: true }).fill('e2e-new-analyst');
  await page.getByLabel('Role', { exact: true }).selectOption('analyst');
  await page.getByLabel('Organisation (ODS code)').fill('qrv');
  await page.getByRole('button', { name: 'Add user' }).click();
  const ok = page.locator('.success');
  await ok.waitFor({ timeout: WAIT });
  const token = (await ok.locator('code').textContent()).trim();
  assert.ok(token.length >= 20, `token '${token}'`);
  assert.equal(sql("SELECT role || ' ' || org_code FROM users WHERE name = 'e2e-new-analyst'"), 'analyst QRV');
  await page.locator('table', { hasText: 'e2e-new-analyst' }).first().waitFor({ timeout: WAIT });
  await page.getByLabel('Action contains').fill('user.add');
  await page.getByRole('button', { name: 'Show' }).click();
  await settled(page);
  await page.locator('table', { hasText: 'e2e-new-analyst' }).last().waitFor({ timeout: WAIT });
});

await check('a duplicate user name shows the API\'s problem detail and writes nothing', page, async () => {
  const before = sql('SELECT COUNT(*) FROM users');
  await page.getByLabel('Name', { exact: true }).fill('e2e-new-analyst');
  await page.getByRole('button', { name: 'Add user' }).click();
  const err = page.locator('form .error');
  await err.waitFor({ timeout: WAIT });
  assert.ok((await err.textContent()).length > 10);
  assert.equal(sql('SELECT COUNT(*) FROM users'), before);
});

await check('keyboard: the skip link and the menu work without a mouse', page, async () => {
  await page.goto(`${URL}/#/system`);
  await page.reload();
  await settled(page);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'nav-beds');
  await page.keyboard.press('Enter');
  await page.locator('[data-view="beds"]').waitFor({ timeout: WAIT });
  await settled(page);
});

await check('every form control on every view has a label', page, async () => {
  for (const [title, id] of VIEWS) {
    await openView(page, title, id);
    const bad = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
      .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
      .map((el) => el.name || el.outerHTML.slice(0, 60)));
    assert.deepEqual(bad, [], `${title}: ${bad.join(', ')}`);
  }
});

// ---- roles -----------------------------------------------------------------
for (const [role, views] of [['clinician', ['System', 'Find a service']], ['analyst', null], ['trust_ops', null], ['coordinator', null]]) {
  await check(`${role}: no Admin in the menu, and #/admin sends them back`, page, async () => {
    await page.evaluate(() => sessionStorage.clear());
    await signIn(page, role);
    const names = await navNames(page);
    assert.ok(!names.includes('Admin'), names.join(','));
    if (views) assert.deepEqual(names, views);
    await page.goto(`${URL}/#/admin`);
    await page.waitForFunction(() => location.hash !== '#/admin', null, { timeout: WAIT });
    await page.locator('.flash.warn').waitFor({ timeout: WAIT });
    await settled(page);
    await shot(page, `role-${role}`);
  });
}

await check('signing out forgets the token and shows the sign-in form', page, async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to icsflow' }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('icsflow.token')), null);
});

// ---- tablet width -------------------------------------------------------------
const tab = await newPage(browser, TABLET);
await signIn(tab, 'admin');
for (const [title, id] of VIEWS) {
  await check(`the ${title} view fits a 768px tablet screen`, tab, async () => {
    await openView(tab, title, id);
    const over = await tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(over <= 0, `page is ${over}px wider than the screen`);
    await shot(tab, `tablet-${id}`);
  });
}

// ---- hygiene ------------------------------------------------------------------
await check('no request left the test server (nothing from a CDN)', null, async () => {
  assert.deepEqual(external, []);
});
await check('no script errors in the browser console', null, async () => {
  assert.deepEqual(pageErrors, []);
});

await browser.close();
rmSync(profile, { recursive: true, force: true });
console.log(`# ${n} checks, ${failed} failed`);
process.exit(failed ? 1 : 0);
