// bookings.mjs - browser tests of the elective care manager's booking list
// (issue 20 item 6): a run's view (#/waitlist/runs/N) lists who is booked
// into which hub session with its filters in the address, overdue P1/P2
// patients marked in words with an accessible name, the run summary's
// overdue count, paging, the server's CSV of every matching row, an unknown
// trust code said beside the trust field, trust_ops seeing their own trust,
// and axe-core clean at 1440 and 768 px. Screenshots bookings-*.png.
import assert from 'node:assert/strict';
import { sqlOn } from './db.mjs';
import { join } from 'node:path';
import { URL, OUT, WAIT, WIDE, TABLET, run, signIn, go, axe, downloaded } from './harness.mjs';

const sql = sqlOn(process.env.ICS_DB);
const { check, shot, pageErrors, launch, newPage, done } = run('bookings');
const COLS = 'entry_id,trust,pathway_id,nhs_number,tfc,procedure,priority,priority_date,clock_start,place_code,booked,site_code,site_name,session_date,km,weeks,due_date,overdue,days_overdue,late,cost_travel,cost_away,cost_late,cost_unassigned,synthetic';

// The seeded run and the overdue rule's cut-off days (priority date + 3 or 28).
const RUN = sql('SELECT MIN(id) FROM waitlist_runs');
const ASOF = sql(`SELECT as_of FROM waitlist_runs WHERE id = ${RUN}`);
const minus = (d, n) => new Date(Date.parse(`${d}T12:00:00Z`) - n * 86400000).toISOString().slice(0, 10);
const J = `FROM waitlist_results r JOIN waitlist_entries e ON e.id = r.entry_id WHERE r.run_id = ${RUN}`;
const OVERDUE = `((e.priority = 1 AND e.priority_date < '${minus(ASOF, 3)}') OR (e.priority = 2 AND e.priority_date < '${minus(ASOF, 28)}'))`;
const HUB = sql(`SELECT r.site_code ${J} AND r.site_code IS NOT NULL AND ${OVERDUE} GROUP BY r.site_code ORDER BY COUNT(*) DESC, r.site_code LIMIT 1`);
const caption = (page) => page.locator('table.bookings-table caption').textContent();
// The booking list's panel alone (the full page is long), beside the full-page shots.
const panelShot = (page, what) => page.locator('.bookings-slot').screenshot({ path: join(OUT, `bookings-panel-${what}.png`) });
const total = async (page) => Number((await caption(page)).match(/: ([\d,]+) patients/)[1].replace(/,/g, ''));

await launch({ locale: 'en-GB', timezoneId: 'Europe/London' });
console.log(`# bookings: chromium against ${URL}, run ${RUN} as of ${ASOF}, hub ${HUB}`);
const page = await newPage(WIDE);
await signIn(page, 'coordinator', '#/waitlist');

await check('a run\'s address opens its booking list with the filters it names', page, async () => {
  await go(page, `#/waitlist/runs/${RUN}?hub=${HUB}&overdue=true`);
  await page.locator('table.bookings-table').waitFor({ timeout: WAIT });
  assert.equal(await page.locator('.bookings-form select[name="hub"]').inputValue(), HUB);
  assert.equal(await page.locator('#bookings-overdue').isChecked(), true);
  const want = Number(sql(`SELECT COUNT(*) ${J} AND r.site_code = '${HUB}' AND ${OVERDUE}`));
  assert.equal(await total(page), want);
  assert.equal(await page.locator('table.bookings-table tbody tr[data-entry]').count(), Math.min(50, want));
});

await check('each overdue patient is marked in words and a sign, with an accessible name', page, async () => {
  const rows = page.locator('table.bookings-table tbody tr[data-entry]');
  const n = await rows.count();
  assert.ok(n > 0);
  assert.equal(await page.locator('table.bookings-table tbody tr[data-entry] .overdue').count(), n);
  const first = page.locator('table.bookings-table tbody tr[data-entry] .overdue').first();
  assert.match(await first.textContent(), /^⚠ Overdue \d+ days?$/);
  const id = await rows.first().getAttribute('data-entry');
  const pd = sql(`SELECT priority_date FROM waitlist_entries WHERE id = ${id}`);
  const prio = Number(sql(`SELECT priority FROM waitlist_entries WHERE id = ${id}`));
  const days = Math.round((Date.parse(ASOF) - Date.parse(pd)) / 86400000) - (prio === 1 ? 3 : 28);
  assert.equal(await first.getAttribute('aria-label'), `Overdue P${prio}: ${days} day${days === 1 ? '' : 's'} past the due date ${new Date(Date.parse(`${minus(pd, -(prio === 1 ? 3 : 28))}T12:00:00Z`)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'Europe/London' })}`);
  await shot(page, 'overdue-1440');
});

await check('the run summary counts the overdue P2 patients and how many the run booked', page, async () => {
  const stat = page.locator('.run-summary [data-overdue]');
  await stat.waitFor({ timeout: WAIT });
  const p2 = sql(`SELECT COUNT(*) ${J} AND e.priority = 2 AND e.priority_date < '${minus(ASOF, 28)}'`);
  const booked = sql(`SELECT COUNT(*) ${J} AND e.priority = 2 AND e.priority_date < '${minus(ASOF, 28)}' AND r.site_code IS NOT NULL`);
  assert.equal(await stat.getAttribute('data-overdue'), p2);
  assert.equal((await stat.locator('b').textContent()).replace(/,/g, ''), `${p2} (${booked} booked)`);
});

await check('changing the filters lists those left waiting and keeps the filters in the address', page, async () => {
  const form = page.getByRole('form', { name: 'Filter the booking list' });
  await form.locator('select[name="hub"]').selectOption('');
  await form.locator('#bookings-overdue').uncheck();
  await form.locator('select[name="booked"]').selectOption('false');
  await form.getByRole('button', { name: 'Show' }).click();
  await page.waitForFunction(() => location.hash.includes('booked=false') && !location.hash.includes('overdue'), null, { timeout: WAIT });
  await page.locator('table.bookings-table caption', { hasText: '1–50 shown' }).waitFor({ timeout: WAIT });
  assert.equal(await total(page), Number(sql(`SELECT COUNT(*) ${J} AND r.site_code IS NULL`)));
  const hubs = await page.locator('table.bookings-table tbody tr[data-entry] td[data-label="Hub"]').allTextContents();
  assert.ok(hubs.length === 50 && hubs.every((x) => x === 'not booked'), hubs.slice(0, 3).join(' | '));
  await shot(page, 'left-waiting-1440');
});

await check('next and previous pages move 50 rows at a time', page, async () => {
  const first = await page.locator('table.bookings-table tbody tr[data-entry]').first().getAttribute('data-entry');
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.locator('table.bookings-table caption', { hasText: '51–100 shown' }).waitFor({ timeout: WAIT });
  assert.notEqual(await page.locator('table.bookings-table tbody tr[data-entry]').first().getAttribute('data-entry'), first);
  await page.getByRole('button', { name: 'Previous page' }).click();
  await page.locator('table.bookings-table caption', { hasText: '1–50 shown' }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('table.bookings-table tbody tr[data-entry]').first().getAttribute('data-entry'), first);
});

await check('the CSV download is the server\'s list of every matching row, with the documented columns', page, async () => {
  const form = page.getByRole('form', { name: 'Filter the booking list' });
  await form.locator('select[name="booked"]').selectOption('true');
  await form.locator('select[name="hub"]').selectOption(HUB);
  await form.getByRole('button', { name: 'Show' }).click();
  await page.waitForFunction((h) => location.hash.includes(`hub=${h}`) && location.hash.includes('booked=true'), HUB, { timeout: WAIT });
  await page.locator('table.bookings-table caption', { hasText: '1–50 shown' }).waitFor({ timeout: WAIT });
  const want = Number(sql(`SELECT COUNT(*) ${J} AND r.site_code = '${HUB}'`));
  const f = await downloaded(page, () => page.getByRole('button', { name: `Download booking list of run ${RUN} as CSV (all matching rows)` }).click());
  assert.equal(f.name, `waitlist-run-${RUN}-bookings.csv`);
  const lines = f.text.split('\r\n').filter(Boolean);
  assert.equal(lines[0], COLS);
  assert.equal(lines.length - 1, want);
  assert.ok(lines.slice(1).every((l) => l.includes(`,true,${HUB},`)), lines[1]);
});

await check('an unknown trust code is said beside the trust field, in the form\'s words', page, async () => {
  const form = page.getByRole('form', { name: 'Filter the booking list' });
  await form.getByLabel('Trust (ODS)').fill('XYZ');
  await form.getByRole('button', { name: 'Show' }).click();
  const err = form.locator('.field-error');
  await err.waitFor({ timeout: WAIT });
  assert.equal(await err.textContent(), "Trust (ODS): unknown trust code 'XYZ'");
  assert.equal(await form.getByLabel('Trust (ODS)').getAttribute('aria-invalid'), 'true');
  const longest = page.getByRole('form', { name: 'Filter the waiting list' });
  await longest.getByLabel('Trust (ODS)').fill('XYZ');
  await longest.getByRole('button', { name: 'Show' }).click();
  await longest.locator('.field-error').waitFor({ timeout: WAIT });
  assert.equal(await longest.locator('.field-error').textContent(), "Trust (ODS): unknown trust code 'XYZ'");
  await form.locator('.field-error').scrollIntoViewIfNeeded();
  await shot(page, 'unknown-trust-1440');
  await panelShot(page, 'unknown-trust');
  await form.getByLabel('Trust (ODS)').fill('');
  await form.getByRole('button', { name: 'Show' }).click();
  await page.locator('table.bookings-table').waitFor({ timeout: WAIT });
  assert.equal(await form.locator('.field-error').count(), 0);
});

await check('the view at 1440 px has no serious or critical WCAG 2.2 AA violation (axe-core)', page, async () => {
  await go(page, `#/waitlist/runs/${RUN}?hub=${HUB}&overdue=true`);
  await page.locator('table.bookings-table tbody tr[data-entry]').first().waitFor({ timeout: WAIT });
  assert.deepEqual(await axe(page), []);
  await page.locator('table.bookings-table').scrollIntoViewIfNeeded();
  await shot(page, 'bookings-1440');
  await panelShot(page, '1440');
});

const tab = await newPage(TABLET);
await signIn(tab, 'coordinator', '#/waitlist');
await check('at 768 px the booking list and its actions are in reach without scrolling sideways, and axe-clean', tab, async () => {
  await go(tab, `#/waitlist/runs/${RUN}?hub=${HUB}&overdue=true`);
  await tab.locator('table.bookings-table tbody tr[data-entry]').first().waitFor({ timeout: WAIT });
  const over = await tab.evaluate(() => [...document.querySelectorAll('.bookings-slot button, .bookings-slot select, .bookings-slot input, .bookings-slot td')]
    .filter((b) => { const r = b.getBoundingClientRect(); return r.width && r.right > window.innerWidth + 1; })
    .map((b) => `${b.textContent.trim().slice(0, 30) || b.name} at ${Math.round(b.getBoundingClientRect().right)}`));
  assert.deepEqual(over, []);
  assert.ok(await tab.locator('table.bookings-table tbody tr[data-entry] .overdue').first().isVisible());
  assert.deepEqual(await axe(tab), []);
  await tab.locator('table.bookings-table').scrollIntoViewIfNeeded();
  await shot(tab, 'bookings-768');
  await panelShot(tab, '768');
});

await check('trust_ops opening a run\'s address see only their own trust\'s bookings', tab, async () => {
  await signIn(tab, 'trust_ops', `#/waitlist/runs/${RUN}`);
  await tab.locator('table.bookings-table tbody tr[data-entry]').first().waitFor({ timeout: WAIT });
  const trust = process.env.OPS_ORG || 'RYJ';
  assert.equal(await total(tab), Number(sql(`SELECT COUNT(*) ${J} AND e.trust = '${trust}'`)));
  const trusts = await tab.locator('table.bookings-table tbody tr[data-entry] td[data-label="Trust"]').allTextContents();
  assert.ok(trusts.length > 0 && trusts.every((t) => t === trust), trusts.slice(0, 3).join(' | '));
});

await check('no script errors on the way', page, async () => {
  assert.deepEqual(pageErrors, []);
});

await done();
