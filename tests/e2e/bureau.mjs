// bureau.mjs - browser tests of the bed bureau coordinator's tasks (issue 20
// items 1-4): the board grouped by place and bed type with units that have
// free beds marked in text, filters kept in the address, bay sex on each
// bed, the queue saying why a referral cannot be placed and when a bed is
// expected, the batch match previewed with reasons before any offer, and
// the referral form refusing a child. Screenshots bureau-*.png in $ICS_OUT.
import assert from 'node:assert/strict';
import { sqlOn } from './db.mjs';
import { URL, WAIT, WIDE, TABLET, run, signIn, go } from './harness.mjs';

const sql = sqlOn(process.env.ICS_DB);
const { check, shot, pageErrors, launch, newPage, done } = run('bureau');

await launch();
console.log(`# bureau: chromium against ${URL}`);
const page = await newPage(WIDE);
await signIn(page, 'coordinator', '#/beds');

await check('the board is grouped by place and bed type; units with free beds say so in text', page, async () => {
  await go(page, '#/beds');
  await page.locator('table.bed-grid-table').waitFor({ timeout: WAIT });
  const places = Number(sql("SELECT COUNT(DISTINCT s.place_code) FROM units u JOIN sites s ON s.site_code = u.site_code"));
  assert.ok(await page.locator('table.bed-grid-table tbody tr').count() >= places);
  const free = Number(sql("SELECT COUNT(DISTINCT unit_code) FROM beds WHERE status = 'available'"));
  assert.equal(await page.locator('tr[data-unit] .free-beds').count(), free);
  const unit = sql("SELECT unit_code FROM beds WHERE status = 'available' GROUP BY unit_code ORDER BY unit_code LIMIT 1");
  const n = sql(`SELECT COUNT(*) FROM beds WHERE unit_code = '${unit}' AND status = 'available'`);
  assert.equal((await page.locator(`tr[data-unit="${unit}"] .free-beds`).textContent()).trim(), `✔ ${n} free`);
  await shot(page, 'board-1440');
});

await check('the free-beds and place filters are kept in the address', page, async () => {
  const place = sql("SELECT s.place_code FROM beds b JOIN units u ON u.unit_code = b.unit_code JOIN sites s ON s.site_code = u.site_code WHERE b.status = 'available' ORDER BY s.place_code LIMIT 1");
  await go(page, `#/beds?place=${place}&free=1`);
  await page.locator('tr[data-unit]').first().waitFor({ timeout: WAIT });
  assert.equal(await page.locator('select[name="place"]').inputValue(), place);
  assert.equal(await page.locator('#bed-free-only').isChecked(), true);
  const want = Number(sql(`SELECT COUNT(DISTINCT b.unit_code) FROM beds b JOIN units u ON u.unit_code = b.unit_code JOIN sites s ON s.site_code = u.site_code WHERE b.status = 'available' AND s.place_code = '${place}'`));
  assert.equal(await page.locator('tr[data-unit]').count(), want);
  await page.locator('#bed-free-only').uncheck();
  await page.waitForFunction(() => !location.hash.includes('free=1'), null, { timeout: WAIT });
  assert.ok((await page.evaluate(() => location.hash)).includes(`place=${place}`));
  await go(page, '#/beds');
});

await check('bay sex is shown on each bed, not only in a tooltip', page, async () => {
  const unit = sql("SELECT unit_code FROM beds WHERE bay_sex = 'M' GROUP BY unit_code ORDER BY unit_code LIMIT 1");
  await go(page, `#/beds/unit/${unit}`);
  await page.locator('.unit-beds .bedgrid').waitFor({ timeout: WAIT });
  const male = Number(sql(`SELECT COUNT(*) FROM beds WHERE unit_code = '${unit}' AND bay_sex = 'M'`));
  assert.equal(await page.locator('.unit-beds .bed .bay', { hasText: 'male bay' }).filter({ hasNotText: 'female' }).count(), male);
  await go(page, '#/beds');
});

await check('the queue says in words why a waiting referral cannot be placed, and when a bed is expected', page, async () => {
  const res = await page.evaluate(async () => (await import('/js/api.js')).get('/api/v1/beds/queue'));
  const stuck = res.items.find((q) => q.ready && !q.placeable);
  assert.ok(stuck, 'a ready referral that cannot be placed');
  const row = page.locator(`tr[data-referral="${stuck.referral_id}"] .why-not`).first();
  await row.waitFor({ timeout: WAIT });
  const text = await row.textContent();
  assert.ok(text.startsWith(`Cannot be placed: ${stuck.why_not}`), text);
  assert.ok(text.includes('Next: '), text);
  await row.scrollIntoViewIfNeeded();
  await shot(page, 'queue-1440');
});

await check('the batch match shows a preview of placements with reasons before any offer is made', page, async () => {
  const offered = sql("SELECT COUNT(*) FROM bed_referrals WHERE state = 'offered'");
  const form = page.getByRole('form', { name: 'Match the whole queue' });
  await form.locator('select[name="policy"]').selectOption('pooled');
  await form.getByRole('button', { name: 'Preview the match' }).click();
  await form.locator('table.match-unplaced').waitFor({ timeout: WAIT });
  assert.equal(sql("SELECT COUNT(*) FROM bed_referrals WHERE state = 'offered'"), offered, 'a preview offers nothing');
  const res = await page.evaluate(async () => (await import('/js/api.js')).post('/api/v1/beds/match', { policy: 'pooled' }));
  const plan = res.plans[0];
  assert.equal(await form.locator('table.match-preview tr[data-referral]').count(), plan.assignments.length);
  assert.equal(await form.locator('table.match-unplaced tr[data-referral]').count(), plan.unplaced_referrals.length);
  if (plan.unplaced_referrals.length) {
    const u = plan.unplaced_referrals[0];
    assert.equal((await form.locator(`table.match-unplaced tr[data-referral="${u.referral_id}"] td`).last().textContent()).trim(), u.why_not);
  }
  assert.match(await form.locator('#make-offers').textContent(), new RegExp(`^Make the ${plan.assignments.length} offers`));
  await form.scrollIntoViewIfNeeded();
  await shot(page, 'match-1440');
});

await check('the referral form refuses a 12-year-old with the server\'s words', page, async () => {
  const before = sql('SELECT COUNT(*) FROM bed_referrals');
  const form = page.getByRole('form', { name: 'Refer a patient for a community bed' });
  await form.getByLabel('NHS number').fill('9434765919');
  await form.getByLabel('Age').fill('12');
  await form.getByLabel('Home postcode').fill('W2 1NY');
  await form.getByRole('button', { name: 'Refer to the bed bureau' }).click();
  await form.getByText(/12 is under 18/).first().waitFor({ timeout: WAIT });
  assert.equal(sql('SELECT COUNT(*) FROM bed_referrals'), before);
});

await check('at 768 px the board and queue show free beds and reasons', page, async () => {
  await page.setViewportSize(TABLET);
  await go(page, '#/beds');
  await page.locator('tr[data-unit] .free-beds').first().waitFor({ timeout: WAIT });
  await shot(page, 'board-768');
  await page.setViewportSize(WIDE);
});

await check('ambulance clinician: the sender of a referral is not offered Accept or Decline', page, async () => {
  await signIn(page, 'clinician', '#/find');
  const id = await page.evaluate(async () => {
    const api = await import('/js/api.js');
    const found = await api.post('/api/v1/route', { postcode: 'HA1 3UJ', age: 82, needs: ['falls'] });
    const r = await api.post('/api/v1/referrals', { service_id: found.eligible[0].service_id, nhs_number: '9434765919', postcode: 'HA1 3UJ', age: 82, needs: ['falls'] });
    return r.id;
  });
  await go(page, '#/system');
  await go(page, '#/find');
  const row = page.locator(`tr[data-ucr-referral="${id}"]`);
  await row.waitFor({ timeout: WAIT });
  assert.equal(sql(`SELECT state FROM referrals WHERE id = ${id}`), 'sent');
  assert.equal(await row.getByRole('button', { name: 'Accept' }).count(), 0);
  assert.equal(await row.getByRole('button', { name: /^Decline/ }).count(), 0);
  assert.equal(await row.getByRole('button', { name: 'Cancel' }).count(), 1, 'the sender may still cancel');
  await shot(page, 'sender-1440');
});

await check('elective care: the allocation form keeps its values and its answer after a run, and equity compares with that run', page, async () => {
  await signIn(page, 'coordinator', '#/waitlist');
  const runs = Number(sql('SELECT COUNT(*) FROM waitlist_runs'));
  const form = page.getByRole('form', { name: 'Run an allocation' });
  await form.getByLabel('Horizon (days)').fill('84');
  await form.getByLabel('Default travel limit (km)').fill('40');
  await form.getByRole('button', { name: 'Run allocation' }).click();
  await page.locator('.flash', { hasText: 'Allocation run' }).waitFor({ timeout: 60000 });
  assert.equal(Number(sql('SELECT COUNT(*) FROM waitlist_runs')), runs + 1);
  const id = sql('SELECT MAX(id) FROM waitlist_runs');
  const again = page.getByRole('form', { name: 'Run an allocation' });
  assert.equal(await again.getByLabel('Horizon (days)').inputValue(), '84');
  assert.equal(await again.getByLabel('Default travel limit (km)').inputValue(), '40');
  await again.getByRole('status').filter({ hasText: `Run ${id}:` }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('select[name="run"]').inputValue(), id, 'the equity panel compares with the new run');
  assert.match(page.url(), new RegExp(`#/waitlist/runs/${id}`));
  assert.match(sql(`SELECT params_json FROM waitlist_runs WHERE id = ${id}`), /"horizon_days":\s*84/);
  await shot(page, 'waitlist-form-kept');
});

await check('no script errors in the browser console', null, async () => {
  assert.deepEqual(pageErrors, [], `errors: ${pageErrors.join(' | ')}`);
});

await done();
