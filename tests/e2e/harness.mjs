// harness.mjs - what every browser test script shares: the environment
// run.sh exports (server URL, screenshot folder, one token per role), the
// chromium start, a TAP-style check that screenshots its failures, the
// wait for a view to settle, and the closing summary. Each script keeps
// only its own checks.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const URL = process.env.ICS_URL;
export const OUT = process.env.ICS_OUT;
export const WAIT = 15000;
export const WIDE = { width: 1440, height: 900 };
export const TABLET = { width: 768, height: 1024 };
export const TOK = {
  admin: process.env.ADMIN, coordinator: process.env.COORD, clinician: process.env.CLIN,
  trust_ops: process.env.OPS, analyst: process.env.ANALYST, executive: process.env.EXEC,
};
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A run of checks named `name` (the screenshots' prefix). check() prints
// "ok N - ..." or "not ok N - ..." with the first `lines` lines of the
// error and a screenshot of the page; done() closes the browser and exits
// with the run's status. Requests to anything but the test server are
// refused and listed in `external` (nothing may come from a CDN).
export function run(name, lines = 3) {
  let n = 0, failed = 0, browser = null, profile = null;
  const pageErrors = [], external = [];
  const refuseExternal = (ctx) => ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(URL) || u.startsWith('data:') || u.startsWith('blob:')) return route.continue();
    external.push(u);
    return route.abort();
  });
  // Script errors and console errors (not the 4xx answers tests provoke).
  const watch = (page) => {
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) pageErrors.push(m.text()); });
    return page;
  };
  return {
    pageErrors,
    external,
    async check(what, page, fn) {
      n++;
      try {
        await fn();
        console.log(`ok ${n} - ${what}`);
      } catch (err) {
        failed++;
        console.log(`not ok ${n} - ${what}: ${String(err.message).split('\n').slice(0, lines).join(' | ')}`);
        if (page) await page.screenshot({ path: join(OUT, `${name}-failed-${n}.png`), fullPage: true }).catch(() => {});
      }
    },
    shot: (page, what) => page.screenshot({ path: join(OUT, `${name}-${what}.png`), fullPage: true }),
    // Chromium with a fresh profile; a start that fails is the run's one failure.
    async launch(options = {}) {
      profile = mkdtempSync(join(tmpdir(), `icsflow-${name}-`));
      try {
        browser = await chromium.launchPersistentContext(profile, {
          executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS, timeout: 60000,
          viewport: WIDE, ...options,
        });
      } catch (err) {
        console.log(`not ok 1 - chromium starts: ${String(err.message).split('\n')[0]}`);
        rmSync(profile, { recursive: true, force: true });
        process.exit(1);
      }
      await refuseExternal(browser);
      return browser;
    },
    // A browser for several users side by side (live.mjs): each context()
    // is its own storage, so its own sign-in.
    async launchBrowser() {
      try {
        browser = await chromium.launch({
          executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS, timeout: 60000,
        });
      } catch (err) {
        console.log(`not ok 1 - chromium starts: ${String(err.message).split('\n')[0]}`);
        process.exit(1);
      }
      return browser;
    },
    // A new context of that browser and its first page, watched.
    async context(options = {}) {
      const ctx = await browser.newContext({ viewport: WIDE, ...options });
      await refuseExternal(ctx);
      return { ctx, page: watch(await ctx.newPage()) };
    },
    watch,
    // A watched tab at this size: the profile's first blank one, else new.
    async newPage(viewport) {
      const blank = browser.pages().find((p) => p.url() === 'about:blank' && !p.icsUsed);
      const page = blank || await browser.newPage();
      page.icsUsed = true;
      await page.setViewportSize(viewport);
      await page.bringToFront();
      return watch(page);
    },
    // The last check of every script: nothing was asked of another host.
    async done() {
      n++;
      if (external.length) {
        failed++;
        console.log(`not ok ${n} - no request left the test server: ${external.slice(0, 3).join(' ')}`);
      } else {
        console.log(`ok ${n} - no request left the test server (nothing from a CDN)`);
      }
      if (browser) await browser.close();
      if (profile) rmSync(profile, { recursive: true, force: true });
      console.log(`# ${name}: ${n} checks, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    },
  };
}

// Until no request is in flight and no view is loading; pause ms more for
// charts, which draw on the next animation frame.
export async function settled(page, pause = 150) {
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]') &&
    !document.querySelector('main .loading'), null, { timeout: WAIT });
  if (pause) await page.waitForTimeout(pause);
}

// Sign in as role with its token and open hash. A new query string makes a
// full page load, so no request of the previous session is still in flight
// (a new hash alone would keep them, and their 401 could sign the new user
// out).
export async function signIn(page, role, hash = '') {
  await page.goto(`${URL}/`);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${URL}/?as=${role}${hash}`);
  await page.getByLabel('Access token').fill(TOK[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#nav a').first().waitFor({ timeout: WAIT });
  await settled(page);
}

// Open hash (a view, with its query) and wait for it to settle.
export async function go(page, hash) {
  await page.evaluate((x) => { location.hash = x; }, hash);
  await page.waitForFunction((x) => location.hash.startsWith(x.split('?')[0]), hash);
  await settled(page);
}

// The file a click downloads: its suggested name, text and bytes.
export async function downloaded(page, click) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: WAIT }), click()]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), text: readFileSync(path, 'utf8'), bytes: readFileSync(path) };
}

// axe-core (npm axe-core) on the page as it is, WCAG 2.0-2.2 A and AA: the
// serious and critical violations, one line each (empty when none).
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
let axeSource = null;
export async function axe(page) {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!await page.evaluate(() => typeof window.axe === 'object')) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}) e.g. ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(', ')}`);
  }, AXE_TAGS);
}
