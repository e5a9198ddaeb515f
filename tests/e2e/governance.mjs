// governance.mjs - the Board view's ledger in a real browser (issue 16):
// finance and admin edit a delegation, an outcome and a decision through
// forms that send only the changed fields; a holder that is not a place or
// an organisation is refused with the server's problem beside its field and
// nothing written; a saved target shows in the accountability table; an
// executive reads the Board without the forms. Run by run.sh like
// dashboard.mjs; screenshots in $ICS_OUT (governance-*.png).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sqlOn } from './db.mjs';
import { URL, OUT, WAIT, TOK, run, settled } from './harness.mjs';

const sql = sqlOn(process.env.ICS_DB);
const { check, pageErrors, launch, watch, done } = run('governance');

// Sign in as role straight onto the Board view.
async function signIn(page, role) {
  await page.goto(`${URL}/`);
  await page.evaluate(() => sessionStorage.clear());
  await page.goto(`${URL}/#/board`);
  await page.getByLabel('Access token').fill(TOK[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#nav a').first().waitFor({ timeout: WAIT });
  await page.evaluate(() => { location.hash = '#/board'; });
  await page.getByRole('heading', { name: 'Board', level: 1 }).waitFor({ timeout: WAIT });
  await settled(page, 0);
}

const browser = await launch();
const page = watch(browser.pages()[0] || await browser.newPage());
console.log(`# governance: chromium against ${URL}`);

const del = sql("SELECT id FROM gov_delegations WHERE holder_kind = 'place' ORDER BY id LIMIT 1");
const place = sql(`SELECT holder_code FROM gov_delegations WHERE id = ${del}`);
const amount0 = sql(`SELECT amount_gbp_m FROM gov_delegations WHERE id = ${del}`);
const out = sql(`SELECT id FROM gov_outcomes WHERE delegation_id = ${del} ORDER BY id LIMIT 1`);
const dec = sql('SELECT id FROM gov_decisions ORDER BY id LIMIT 1');

await check('an administrator sees the ledger with an Edit button per delegation, outcome and decision', page, async () => {
  await signIn(page, 'admin');
  await page.getByRole('heading', { name: 'Delegations and decisions' }).waitFor({ timeout: WAIT });
  await page.getByRole('button', { name: `Edit delegation ${del}` }).waitFor({ timeout: WAIT });
  const buttons = await page.locator('section button[aria-label^="Edit "]').count();
  const want = Number(sql('SELECT (SELECT COUNT(*) FROM gov_delegations) + (SELECT COUNT(*) FROM gov_outcomes) + (SELECT COUNT(*) FROM gov_decisions)'));
  assert.equal(buttons, want);
});

await check('a holder that is not a place is refused beside the holder code, nothing written', page, async () => {
  await page.getByRole('button', { name: `Edit delegation ${del}` }).click();
  const form = page.getByRole('form', { name: `Edit delegation ${del}` });
  await form.getByLabel(/^Holder code/).fill('NOWHERE');
  await form.getByLabel('Amount (£m)').fill('12.5');
  await form.getByRole('button', { name: 'Save' }).click();
  const err = form.locator('.field-error');
  await err.first().waitFor({ timeout: WAIT });
  assert.match(await err.first().textContent(), /is not a place of ICS/);
  const box = await err.first().evaluate((e) => e.closest('.field').querySelector('input').name);
  assert.equal(box, 'holder_code');
  assert.equal(sql(`SELECT holder_code || '|' || amount_gbp_m FROM gov_delegations WHERE id = ${del}`), `${place}|${amount0}`);
  await page.screenshot({ path: join(OUT, 'governance-error.png'), fullPage: true });
});

await check('corrected, the delegation saves only what changed (amount), audited with before and after', page, async () => {
  const form = page.getByRole('form', { name: `Edit delegation ${del}` });
  await form.getByLabel(/^Holder code/).fill(place);
  const a0 = Number(sql("SELECT COUNT(*) FROM audit WHERE object_type = 'delegation'"));
  await form.getByRole('button', { name: 'Save' }).click();
  await form.waitFor({ state: 'detached', timeout: WAIT });
  assert.equal(Number(sql(`SELECT amount_gbp_m FROM gov_delegations WHERE id = ${del}`)), 12.5);
  assert.equal(sql(`SELECT holder_code FROM gov_delegations WHERE id = ${del}`), place);
  assert.equal(Number(sql("SELECT COUNT(*) FROM audit WHERE object_type = 'delegation'")), a0 + 1);
  await settled(page);
  await page.locator('table.delegations td', { hasText: '12.5' }).first().waitFor({ timeout: WAIT });
});

await check("an outcome's new target shows in the accountability table", page, async () => {
  await page.getByRole('button', { name: `Edit outcome ${out}` }).click();
  const form = page.getByRole('form', { name: `Edit outcome ${out}` });
  await form.getByLabel('Target').fill('77');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.waitFor({ state: 'detached', timeout: WAIT });
  assert.equal(Number(sql(`SELECT target FROM gov_outcomes WHERE id = ${out}`)), 77);
  await page.locator('table.accountability td', { hasText: /77/ }).first().waitFor({ timeout: WAIT });
});

await check('a decision cannot lose its title ("Title is required" beside it); a new forum saves', page, async () => {
  await page.getByRole('button', { name: `Edit decision ${dec}` }).click();
  const form = page.getByRole('form', { name: `Edit decision ${dec}` });
  await form.getByLabel('Title').fill('');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.locator('.field-error').first().waitFor({ timeout: WAIT });
  assert.match(await form.locator('.field-error').first().textContent(), /Title is required/);
  await form.getByLabel('Title').fill(sql(`SELECT title FROM gov_decisions WHERE id = ${dec}`));
  await form.getByLabel('Forum').fill('ICB board — extraordinary meeting');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.waitFor({ state: 'detached', timeout: WAIT });
  assert.equal(sql(`SELECT forum FROM gov_decisions WHERE id = ${dec}`), 'ICB board — extraordinary meeting');
  await page.screenshot({ path: join(OUT, 'governance-saved.png'), fullPage: true });
});

await check('an executive reads the Board without the ledger forms', page, async () => {
  await signIn(page, 'executive');
  await page.getByRole('heading', { name: 'Accountability' }).waitFor({ timeout: WAIT });
  assert.equal(await page.getByRole('heading', { name: 'Delegations and decisions' }).count(), 0);
  assert.equal(await page.locator('button[aria-label^="Edit "]').count(), 0);
});

await check('no script errors in the browser console', null, async () => {
  assert.deepEqual(pageErrors, [], `errors: ${pageErrors.join(' | ')}`);
});

await done();
