// route.mjs - browser tests of the route answer's summary lines on the
// Find a service view (issue 20 item 5): a bank holiday says so above the
// tables, and when nothing is eligible the clinician is told the next
// service to open and when, and the out-of-hours alternative the ICS has
// configured (read from the database, so a changed setting is followed).
// Screenshots route-*.png in $ICS_OUT.
import assert from 'node:assert/strict';
import { sqlOn } from './db.mjs';
import { URL, WAIT, WIDE, TABLET, run, signIn, go } from './harness.mjs';

const sql = sqlOn(process.env.ICS_DB);
const { check, shot, pageErrors, launch, newPage, done } = run('route');

await launch();
console.log(`# route: chromium against ${URL}`);
const page = await newPage(WIDE);
await signIn(page, 'clinician', '#/find');

// Fill the finder and wait for its answer; returns the summary lines shown.
async function find(postcode, age, needs, at) {
  await go(page, '#/find');
  const form = page.getByRole('form', { name: 'Find a service' });
  await form.getByLabel('Postcode').fill(postcode);
  await form.getByLabel('Age (years)').fill(String(age));
  await form.getByLabel('When').fill(at);
  for (const box of await form.locator('input[name="needs"]').all()) await box.setChecked(needs.includes(await box.getAttribute('value')));
  await form.getByRole('button', { name: 'Find services' }).click();
  await form.locator('table.excluded').waitFor({ state: 'attached', timeout: WAIT });
  return (await form.locator('p.summary-line').allTextContents()).map((t) => t.trim());
}

// What the API answers for the same question (the lines the page must show).
const api = (body) => page.evaluate(async (b) => (await import('/js/api.js')).post('/api/v1/route', b), body);

await check('Christmas Day 03:00 in Uxbridge: the summary says it is a bank holiday', page, async () => {
  const lines = await find('UB8 3NN', 84, ['falls', 'frailty'], '2026-12-25 03:00');
  assert.ok(lines.includes('Fri 25 Dec 2026 is a bank holiday: services closed on bank holidays are excluded'), lines.join(' | '));
  await shot(page, 'bank-holiday-1440');
});

await check('  with a service eligible, no "nothing is eligible" or out-of-hours line', page, async () => {
  const lines = (await page.locator('p.summary-line').allTextContents()).map((t) => t.trim());
  assert.equal(lines.filter((l) => /nothing is eligible|out-of-hours/.test(l)).length, 0, lines.join(' | '));
});

const ooh = sql("SELECT out_of_hours FROM ics WHERE code = 'QRV'");
let closed = [];
await check('18:00 on the Boxing Day bank holiday in Bayswater: nothing eligible, the next service to open is named with its time', page, async () => {
  closed = await find('W2 1NY', 79, ['falls'], '2026-12-28 18:00');
  const ans = await api({ postcode: 'W2 1NY', age: 79, needs: ['falls'], at: '2026-12-28T18:00' });
  assert.equal(ans.eligible_count, 0);
  const next = ans.summary.find((l) => l.startsWith('nothing is eligible now; the next to open is'));
  assert.ok(next, ans.summary.join(' | '));
  assert.ok(closed.includes(next), closed.join(' | '));
  await shot(page, 'nothing-eligible-1440');
});

await check(`  and the ICS's out-of-hours alternative as the database holds it ("${ooh}")`, page, async () => {
  assert.ok(ooh.length > 0, 'NWL has an out-of-hours alternative');
  assert.ok(closed.includes(`out-of-hours alternative (set by ICS QRV): ${ooh}`), closed.join(' | '));
});

await check('  the lines stand above the tables, before the excluded services', page, async () => {
  const before = await page.evaluate(() => {
    const line = [...document.querySelectorAll('p.summary-line')].pop();
    const table = document.querySelector('table.eligible');
    return Boolean(line && table && (line.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING));
  });
  assert.equal(before, true);
});

await check('at 768 px the summary lines wrap inside the page (no sideways scrolling)', page, async () => {
  await page.setViewportSize(TABLET);
  await page.waitForTimeout(200);
  const over = await page.evaluate(() => [...document.querySelectorAll('p.summary-line')]
    .filter((p) => p.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length);
  assert.equal(over, 0);
  await shot(page, 'nothing-eligible-768');
  await page.setViewportSize(WIDE);
});

await check('no script errors', page, async () => assert.deepEqual(pageErrors, []));
await done();
