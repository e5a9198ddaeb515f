// screens.mjs - one screenshot per view named in issue 20, at 1440 and 768
// px, for a person to look at (issue 20 item 14: "each visible in a
// screenshot you looked at"). Each view is opened by its deep link as the
// role that uses it; the check is that it drew without an error box and
// without sideways scrolling. Full pages go to $SHOT_DIR (default
// /tmp/icsflow-shots; pg/ under it on the PostgreSQL pass) as
// <view>-<width>.png, the first screen as <view>-<width>-top.png. Also
// checks the bed referral deep link (#/beds/referrals/ID, issue 20 item 11)
// and that side rooms say so on the board (item 2).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sqlOn } from './db.mjs';
import { OUT, URL, WAIT, WIDE, TABLET, run, signIn, go, settled } from './harness.mjs';

const sql = sqlOn(process.env.ICS_DB);
const DIR = join(process.env.SHOT_DIR || '/tmp/icsflow-shots', /\/pg\/?$/.test(OUT || '') ? 'pg' : '');
mkdirSync(DIR, { recursive: true });
const { check, pageErrors, launch, newPage, done } = run('screens');

const waiting = sql("SELECT referral_id FROM bed_referrals WHERE state = 'waiting' ORDER BY referral_id LIMIT 1");
const placed = sql("SELECT referral_id FROM bed_referrals WHERE state = 'admitted' ORDER BY referral_id LIMIT 1");
const ucr = sql('SELECT MAX(id) FROM referrals');
const run1 = sql('SELECT MIN(id) FROM waitlist_runs') || '1';
const unit = sql("SELECT COALESCE((SELECT unit_code FROM units WHERE unit_code = 'U-WILL-DEM'), (SELECT MIN(unit_code) FROM units))");

// [file name, role, address] for every view issue 20 names.
const VIEWS = [
  ['system', 'coordinator', '#/system'],
  ['system-provider', 'trust_ops', '#/system/provider/RYJ'],
  ['beds-board', 'coordinator', '#/beds'],
  ['beds-unit', 'coordinator', `#/beds/unit/${unit}`],
  ['beds-referral-waiting', 'coordinator', `#/beds/referrals/${waiting}`],
  ['beds-referral-admitted', 'coordinator', `#/beds/referrals/${placed}`],
  ['beds-clinician', 'clinician', '#/beds'],
  ['find', 'clinician', '#/find'],
  ['ucr-referral', 'admin', `#/referrals/${ucr}`],
  ['waitlist', 'coordinator', '#/waitlist'],
  ['waitlist-run', 'coordinator', `#/waitlist/runs/${run1}`],
  ['analytics', 'analyst', '#/analytics'],
  ['harmonisation', 'analyst', '#/analytics/harmonisation'],
  ['board', 'executive', '#/board'],
  ['admin-audit', 'admin', '#/admin'],
  ['directory', 'admin', '#/directory'],
];

await launch();
console.log(`# screens: chromium against ${URL}, PNGs in ${DIR}`);
const page = await newPage(WIDE);

await check('the sign-in page at 1440 and 768 px has no Sign out button', page, async () => {
  for (const [w, vp] of [[1440, WIDE], [768, TABLET]]) {
    await page.setViewportSize(vp);
    await page.goto(`${URL}/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${URL}/?signin`);
    await page.getByLabel('Access token').waitFor({ timeout: WAIT });
    assert.equal(await page.getByRole('button', { name: 'Sign out' }).isVisible(), false);
    await page.screenshot({ path: join(DIR, `signin-${w}.png`), fullPage: true });
  }
});

let role = '';
for (const [name, who, hash] of VIEWS) {
  for (const [w, vp] of [[1440, WIDE], [768, TABLET]]) {
    await check(`${name} (${hash} as ${who}) at ${w} px draws without an error or sideways scrolling`, page, async () => {
      await page.setViewportSize(vp);
      if (who !== role) {
        await signIn(page, who, hash);
        role = who;
      } else {
        await go(page, '#/');
        await go(page, hash);
      }
      await settled(page, 400);
      const errors = await page.locator('main .error').allTextContents();
      assert.deepEqual(errors, []);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await page.screenshot({ path: join(DIR, `${name}-${w}.png`), fullPage: true });
      await page.screenshot({ path: join(DIR, `${name}-${w}-top.png`) });
      assert.ok(wide <= 1, `the page scrolls sideways by ${wide} px`);
    });
  }
}

// ---- the bed referral deep link (issue 20 item 11) -------------------------
await page.setViewportSize(WIDE);
await signIn(page, 'coordinator', '#/beds');
role = 'coordinator';

await check(`#/beds/referrals/${waiting} shows that waiting bed referral with why it cannot be placed or where it goes`, page, async () => {
  await go(page, `#/beds/referrals/${waiting}`);
  const dl = page.locator('#bed-referral-detail');
  await dl.waitFor({ timeout: WAIT });
  assert.equal(await dl.getAttribute('data-bed-referral'), waiting);
  const text = await dl.textContent();
  assert.match(text, /Statewaiting/);
  const q = await page.evaluate(async () => (await import('/js/api.js')).get('/api/v1/beds/queue'));
  const item = q.items.find((x) => String(x.referral_id) === waiting);
  assert.ok(item, 'the referral is on the queue');
  assert.ok(text.includes(item.placeable ? `can be placed now: ${item.placement}` : `cannot be placed: ${item.why_not}`), text);
});

await check(`#/beds/referrals/${placed} shows the admitted patient's bed and unit, with a link to the unit`, page, async () => {
  await go(page, `#/beds/referrals/${placed}`);
  const dl = page.locator('#bed-referral-detail');
  await dl.waitFor({ timeout: WAIT });
  const [bed, u] = sql(`SELECT b.bed_code, b.unit_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = ${placed}`).split('|');
  assert.ok((await dl.textContent()).includes(`Bed${bed} (${u})`));
  assert.equal(await page.getByRole('link', { name: `Open ${u} on the board` }).getAttribute('href'), `#/beds/unit/${u}`);
});

await check("the queue's referral number links to the bed referral's own address", page, async () => {
  await go(page, '#/beds');
  const link = page.locator(`tr[data-referral="${waiting}"] a[href="#/beds/referrals/${waiting}"]`).first();
  await link.waitFor({ timeout: WAIT });
  await link.click();
  await page.waitForFunction((id) => location.hash === `#/beds/referrals/${id}`, waiting, { timeout: WAIT });
  await page.locator('#bed-referral-detail').waitFor({ timeout: WAIT });
});

await check(`the side rooms of ${unit} say "side room" in text on the board's beds`, page, async () => {
  await go(page, `#/beds/unit/${unit}`);
  await page.locator('.unit-beds .bedgrid').waitFor({ timeout: WAIT });
  const want = Number(sql(`SELECT COUNT(*) FROM beds WHERE unit_code = '${unit}' AND side_room = 1`));
  assert.ok(want > 0, `${unit} has side rooms`);
  assert.equal(await page.locator('.unit-beds .bed .side-room', { hasText: 'side room' }).count(), want);
  await page.locator('.unit-beds').screenshot({ path: join(DIR, 'beds-side-rooms-1440.png') });
});

await check('#/referrals/ID stays a UCR referral (the Find a service view)', page, async () => {
  await signIn(page, 'admin', `#/referrals/${ucr}`);
  await page.locator('#referral-detail').waitFor({ timeout: WAIT });
  assert.equal(await page.locator('#referral-detail').getAttribute('data-ucr-referral'), ucr);
  assert.equal(await page.locator('#bed-referral-detail').count(), 0);
});

await check('a bed referral number that is not one says how to name one', page, async () => {
  await go(page, '#/beds/referrals/abc');
  await page.getByText('A bed referral is named by its number').waitFor({ timeout: WAIT });
});

await check('no script errors', page, async () => assert.deepEqual(pageErrors, []));
await done();
