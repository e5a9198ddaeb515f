// a11y.mjs - every dashboard view, as each role that can open it, checked
// with axe-core (npm axe-core) against WCAG 2.0, 2.1 and 2.2 A and AA at
// 1440 and 768 px; any serious or critical violation fails the check and is
// listed with the elements it was found on. Run by run.sh after ux.mjs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { URL, WAIT, TOK, run, settled as settledAfter } from './harness.mjs';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const { check, launch, done } = run('a11y', 12);
const settled = (page) => settledAfter(page, 200);

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

const browser = await launch({ locale: 'en-GB', timezoneId: 'Europe/London' });
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

await done();
