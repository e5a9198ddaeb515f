// a11y.mjs - every dashboard view, as each role that can open it, checked
// with axe-core (npm axe-core) against WCAG 2.0, 2.1 and 2.2 A and AA at
// 1440 and 768 px; any serious or critical violation fails the check and is
// listed with the elements it was found on. Run by run.sh after ux.mjs.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const URL = process.env.ICS_URL;
const OUT = process.env.ICS_OUT;
const TOK = { admin: process.env.ADMIN, coordinator: process.env.COORD, clinician: process.env.CLIN,
  trust_ops: process.env.OPS, analyst: process.env.ANALYST, executive: process.env.EXEC };
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const WAIT = 15000;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let n = 0, failed = 0;
async function check(name, page, fn) {
  n++;
  try {
    await fn();
    console.log(`ok ${n} - ${name}`);
  } catch (err) {
    failed++;
    console.log(`not ok ${n} - ${name}: ${String(err.message).split('\n').slice(0, 12).join(' | ')}`);
    if (page) await page.screenshot({ path: join(OUT, `a11y-failed-${n}.png`), fullPage: true }).catch(() => {});
  }
}

async function settled(page) {
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]') &&
    !document.querySelector('main .loading'), null, { timeout: WAIT });
  await page.waitForTimeout(200);
}

// The serious and critical violations on the page as it is, one line each.
async function violations(page) {
  const has = await page.evaluate(() => typeof window.axe === 'object');
  if (!has) await page.evaluate(AXE); // through the debugger: the page's CSP does not apply
  const res = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}) e.g. ${v.nodes.slice(0, 3).map((x) => x.target.join(' ')).join(', ')}`);
  }, TAGS);
  return res;
}

const profile = mkdtempSync(join(tmpdir(), 'icsflow-a11y-'));
let browser;
try {
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS, timeout: 60000,
    viewport: { width: 1440, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London',
  });
} catch (err) {
  console.log(`not ok 1 - chromium starts: ${String(err.message).split('\n')[0]}`);
  process.exit(1);
}
const page = browser.pages()[0] || await browser.newPage();
console.log(`# a11y: axe-core ${JSON.parse(readFileSync(createRequire(import.meta.url).resolve('axe-core/package.json'), 'utf8')).version}, tags ${TAGS.join(' ')}`);

await check('the sign-in page has no serious or critical WCAG 2.2 AA violation', page, async () => {
  await page.goto(`${URL}/`);
  await page.getByRole('heading', { name: 'Sign in to icsflow' }).waitFor({ timeout: WAIT });
  assert.deepEqual(await violations(page), []);
});

await check('axe finds a violation planted on the page (a button without a name, low-contrast text)', page, async () => {
  await page.evaluate(() => {
    const b = document.createElement('button');
    b.id = 'planted';
    const p = document.createElement('p');
    p.id = 'planted-text';
    p.textContent = 'faint';
    p.style.cssText = 'color:#ccc;background:#fff';
    document.querySelector('main').append(b, p);
  });
  const v = await violations(page);
  assert.ok(v.some((x) => /button-name/.test(x) && /#planted/.test(x)), v.join(' | '));
  assert.ok(v.some((x) => /color-contrast/.test(x) && /#planted-text/.test(x)), v.join(' | '));
});

// Each role sees its own views (and its own forms in them).
for (const role of ['admin', 'coordinator', 'clinician', 'trust_ops', 'analyst', 'executive']) {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${URL}/`);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${URL}/?as=${role}`); // a full load
  await page.getByLabel('Access token').fill(TOK[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#nav a').first().waitFor({ timeout: WAIT });
  await settled(page);
  const views = await page.locator('#nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const width of [1440, 768]) {
    await page.setViewportSize({ width, height: width === 768 ? 1024 : 900 });
    for (const href of views) {
      await check(`${href} as ${role} at ${width} px: no serious or critical WCAG 2.2 AA violation`, page, async () => {
        await page.evaluate((x) => { location.hash = x; }, href);
        await page.locator(`[data-view="${href.slice(2)}"]`).waitFor({ timeout: WAIT });
        await settled(page);
        assert.deepEqual(await violations(page), []);
      });
    }
  }
}

await browser.close();
rmSync(profile, { recursive: true, force: true });
console.log(`# a11y: ${n} checks, ${failed} failed`);
process.exit(failed ? 1 : 0);
