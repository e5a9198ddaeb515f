// dashboard.mjs - browser tests of the dashboard: playwright-core drives
// Debian's chromium (headless, no sandbox, background networking off, a
// fresh profile) against the real server started by run.sh. Each check
// prints "ok N - ..." or "not ok N - ..."; every view is screenshotted to
// $ICS_OUT. Requests to anything but the test server are blocked and fail
// the run, so nothing can come from a CDN.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, settled, URL, OUT, WAIT, TABLET, TOK as ROLES } from './harness.mjs';
import { sqlOn } from './db.mjs';

const TOK = { ...ROLES, clch: process.env.CLCH };
const DESKTOP = { width: 1280, height: 800 };
const R = run('dashboard');
const { check, shot, pageErrors } = R;
const sql = sqlOn(process.env.ICS_DB);
const newPage = (viewport = DESKTOP) => R.newPage(viewport);

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

const browser = await R.launch({ viewport: DESKTOP, locale: 'en-GB', timezoneId: 'Europe/London' });
console.log(`# chromium ${browser.browser()?.version() ?? ''} against ${URL}`);

// ---- sign-in --------------------------------------------------------------
const page = await newPage();

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
  assert.deepEqual(await navNames(page), ['System', 'Beds', 'Find a service', 'Waiting list', 'Analytics', 'Board', 'Admin', 'Directory']);
  assert.match(await page.locator('#who-name').textContent(), /e2e-admin · ICS administrator · QRV/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('icsflow.token')), TOK.admin);
});

// ---- every view renders at desktop width, with a screenshot ---------------
const VIEWS = [['System', 'system'], ['Beds', 'beds'], ['Find a service', 'find'], ['Waiting list', 'waitlist'],
  ['Analytics', 'analytics'], ['Board', 'board'], ['Admin', 'admin']];
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

// ---- module workflows, each as the role that does it --------------------------
async function apiCall(method, path, token, body) {
  const res = await fetch(`${URL}${path}`, { method, headers: { Authorization: `Bearer ${token}`,
    ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return res.json();
}
const stat = async (p, name) => Number((await p.locator(`[data-stat="${name}"] b`).textContent()).replace(/,/g, ''));

await check('clinician: find a service for a scenario shows the API\'s ranking, reasons and exclusions', page, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'clinician');
  await openView(page, 'Find a service', 'find');
  await page.getByLabel('Postcode').fill('HA1 3UJ');
  await page.getByLabel('Age (years)').fill('82');
  await page.getByLabel('falls', { exact: true }).check();
  await page.getByRole('button', { name: 'Find services' }).click();
  await page.locator('table.eligible tbody tr').first().waitFor({ timeout: WAIT });
  const api = await apiCall('POST', '/api/v1/route', TOK.clinician, { postcode: 'HA1 3UJ', age: 82, needs: ['falls'], presentations: [] });
  assert.ok(api.eligible.length > 0, 'the scenario has eligible services');
  const shown = await page.locator('table.eligible tbody th').allTextContents();
  assert.deepEqual(shown.map((t) => t.split(api.eligible[0].service_id)[0] && t.slice(0, 0)), shown.map(() => ''));
  api.eligible.forEach((e, i) => assert.ok(shown[i].startsWith(e.name), `rank ${i + 1}: '${shown[i]}' is not '${e.name}'`));
  assert.ok(await page.locator('table.eligible tbody tr').first().locator('ul.reasons li').count() >= 3, 'reasons listed');
  assert.match(await page.locator('details summary', { hasText: 'Excluded services' }).textContent(), new RegExp(`\\(${api.excluded.length}\\)`));
  await page.locator('details summary', { hasText: 'Excluded services' }).click();
  assert.equal(await page.locator('table.excluded tbody tr').count(), api.excluded.length);
  await shot(page, 'find-result');
});

await check('clinician: a bad NHS number shows the API\'s detail and writes no referral', page, async () => {
  const before = sql('SELECT COUNT(*) FROM referrals');
  await page.locator('table.eligible tbody tr').first().getByRole('button', { name: /^Refer to/ }).click();
  await page.getByLabel('NHS number').fill('1234567890');
  await page.getByRole('button', { name: 'Send referral' }).click();
  const err = page.locator('form .error');
  await err.waitFor({ timeout: WAIT });
  assert.match(await err.textContent(), /NHS number/i);
  assert.equal(sql('SELECT COUNT(*) FROM referrals'), before);
});

await check('clinician: makes a referral to the top service and sees it listed', page, async () => {
  const top = await apiCall('POST', '/api/v1/route', TOK.clinician, { postcode: 'HA1 3UJ', age: 82, needs: ['falls'] });
  await page.getByLabel('NHS number').fill('943 476 5919');
  await page.getByRole('button', { name: 'Send referral' }).click();
  await page.locator('form .success').waitFor({ timeout: WAIT });
  assert.equal(sql("SELECT service_id || ' ' || state || ' ' || created_by FROM referrals ORDER BY id DESC LIMIT 1"),
    `${top.eligible[0].service_id} sent e2e-clinician`);
  const id = sql('SELECT MAX(id) FROM referrals');
  await page.locator('table tbody tr', { hasText: String(id) }).first().waitFor({ timeout: WAIT });
  await shot(page, 'find-referred');
});

await check('trust_ops: submits a sitrep with severe figures and sees the level change to OPEL 4', page, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'trust_ops');
  const row = page.locator('tr[data-org="RYJ"]');
  await row.waitFor({ timeout: WAIT });
  const before = (await row.locator('.opel').first().textContent()).trim();
  const versions = Number(sql("SELECT COUNT(*) FROM sitrep_submissions WHERE org_code = 'RYJ' AND day = date('now')"));
  const form = page.getByRole('form', { name: 'Submit a sitrep' });
  await form.locator('input[name="handover_mean_min"]').waitFor({ timeout: WAIT });
  await page.waitForFunction(() => document.querySelector('form input[name="ed_expected"]')?.value !== '', null, { timeout: WAIT });
  // A bad value first: the API's message is shown and nothing is stored.
  await form.locator('input[name="handover_mean_min"]').fill('-5');
  await form.getByRole('button', { name: 'Submit sitrep' }).click();
  await form.locator('.error').waitFor({ timeout: WAIT });
  assert.match(await form.locator('.error').textContent(), /handover/i);
  assert.equal(Number(sql("SELECT COUNT(*) FROM sitrep_submissions WHERE org_code = 'RYJ' AND day = date('now')")), versions);
  const v = async (n) => Number(await form.locator(`input[name="${n}"]`).inputValue());
  const fill = (n, x) => form.locator(`input[name="${n}"]`).fill(String(x));
  const expected = await v('ed_expected'), spaces = await v('ed_majors_spaces');
  const att = Math.floor(expected * 1.4);
  await fill('handover_mean_min', 240); await fill('handovers_over_60', 120); await fill('ed_attendances', att);
  await fill('ed_within_4h', Math.floor(att * 0.4)); await fill('ed_over_12h', 200); await fill('ed_majors_patients', spaces * 2);
  await fill('time_to_treatment_min', 300); await fill('ga_beds_occupied', (await v('ga_beds_core')) + (await v('ga_beds_escalation')));
  await fill('nctr_patients', 300); await fill('cc_occupied', await v('cc_beds')); await fill('staff_absence_pct', 15);
  await form.getByRole('button', { name: 'Submit sitrep' }).click();
  await page.locator('.flash', { hasText: 'OPEL 4' }).waitFor({ timeout: WAIT });
  await settled(page);
  await page.locator('tr[data-org="RYJ"] .opel', { hasText: 'OPEL 4' }).first().waitFor({ timeout: WAIT });
  assert.equal(sql("SELECT level || ' ' || version || ' ' || submitted_by FROM sitrep_submissions WHERE org_code = 'RYJ' AND day = date('now') AND is_current = 1"),
    `4 ${versions + 1} e2e-ops`);
  if (before !== 'OPEL 4') assert.match(await page.locator('tr[data-org="RYJ"]').textContent(), /▲ up/);
  await shot(page, 'system-after-sitrep');
});

await check('trust_ops: asks for mutual aid for their trust and sees who could help', page, async () => {
  const aid = page.getByRole('region', { name: 'Mutual aid' });
  await aid.locator('summary', { hasText: 'Ask for aid' }).click();
  const form = page.getByRole('form', { name: 'Ask for mutual aid' });
  assert.deepEqual(await form.getByLabel('For').locator('option').allTextContents(), ['Imperial College Healthcare NHS Trust (RYJ)']);
  await form.getByLabel('Resource').selectOption('beds');
  await form.getByLabel('What exactly').fill('ga');
  await form.getByLabel('Quantity').fill('4');
  await form.getByRole('button', { name: 'Ask for aid' }).click();
  await page.locator('.flash', { hasText: 'Mutual-aid request' }).waitFor({ timeout: WAIT });
  await settled(page);
  const id = sql("SELECT MAX(id) FROM sitrep_aid_requests WHERE org_code = 'RYJ'");
  assert.ok(Number(id) > 0, 'request stored');
  await aid.getByRole('button', { name: `Open request ${id}` }).click();
  await aid.getByRole('button', { name: 'Who could help?' }).click();
  await aid.locator('table', { hasText: 'Best placed to help' }).locator('tbody tr').first().waitFor({ timeout: WAIT });
  assert.ok(await aid.locator('table', { hasText: 'Best placed to help' }).locator('tbody tr').count() >= 1);
  await aid.screenshot({ path: join(OUT, 'system-mutual-aid.png') });
});

await check('coordinator: discharges a patient and the board shows one more bed available', page, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'coordinator');
  await openView(page, 'Beds', 'beds');
  const avail = await stat(page, 'available');
  const row = page.getByRole('region', { name: 'In beds' }).locator('tbody tr').first();
  const ref = await row.getAttribute('data-referral');
  const bed = (await row.locator('th').textContent()).trim();
  await row.getByRole('button', { name: `Discharge referral ${ref}` }).click();
  await page.locator('.flash', { hasText: `Referral ${ref} discharged` }).waitFor({ timeout: WAIT });
  await settled(page);
  assert.equal(await stat(page, 'available'), avail + 1);
  assert.equal(sql(`SELECT state FROM bed_referrals WHERE referral_id = ${ref}`), 'discharged');
  assert.equal(sql(`SELECT status FROM beds WHERE bed_code = '${bed}'`), 'available');
  process.env.E2E_BED = bed;
});

await check('coordinator: refers a patient, matches them with reasons, offers the free bed, and the board changes', page, async () => {
  const bed = process.env.E2E_BED;
  assert.ok(bed, 'a bed was freed by the previous check');
  const [type, sex, postcode] = sql(`SELECT u.bed_type, COALESCE(b.bay_sex, 'F'), s.postcode FROM beds b JOIN units u ON u.unit_code = b.unit_code JOIN sites s ON s.site_code = u.site_code WHERE b.bed_code = '${bed}'`).split('|');
  const avail = await stat(page, 'available'), reserved = await stat(page, 'reserved');
  const form = page.getByRole('form', { name: 'Refer a patient for a community bed' });
  await form.getByLabel('NHS number').fill('9434765870');
  await form.getByLabel('Age').fill('81');
  await form.getByLabel('Sex').selectOption(sex);
  await form.getByLabel('Home postcode').fill(postcode);
  await form.getByLabel('Bed type needed').selectOption(type);
  await form.getByLabel('Priority').selectOption('1');
  await form.getByRole('button', { name: 'Refer to the bed bureau' }).click();
  await page.locator('.flash', { hasText: 'added to the bed queue' }).waitFor({ timeout: WAIT });
  await settled(page);
  const id = sql("SELECT MAX(referral_id) FROM bed_referrals WHERE nhs_number = '9434765870'");
  await page.getByRole('button', { name: `Match referral ${id}` }).click();
  const suitable = page.locator('table.suitable');
  await suitable.waitFor({ timeout: WAIT });
  await settled(page);
  assert.ok(await page.locator('.match').getByText(/suitable beds/).count() > 0);
  const offer = suitable.getByRole('button', { name: `Offer ${bed}` });
  assert.equal(await offer.count(), 1, `${bed} is offered as suitable`);
  assert.ok((await page.locator('.match details summary').textContent()).includes('do not fit'));
  await shot(page, 'beds-match');
  await offer.click();
  await page.locator('.flash', { hasText: `Offered ${bed}` }).waitFor({ timeout: WAIT });
  await settled(page);
  assert.equal(await stat(page, 'available'), avail - 1);
  assert.equal(await stat(page, 'reserved'), reserved + 1);
  assert.equal(sql(`SELECT state || ' ' || bed_code FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = ${id}`), `offered ${bed}`);
  assert.equal(sql(`SELECT status FROM beds WHERE bed_code = '${bed}'`), 'reserved');
  await page.locator(`tr[data-referral="${id}"] .pill.offered`).waitFor({ timeout: WAIT });
  await shot(page, 'beds-offered');
});

await check('coordinator: the patient accepts the offer and is admitted; the board shows the bed occupied', page, async () => {
  const bed = process.env.E2E_BED;
  const id = sql("SELECT MAX(referral_id) FROM bed_referrals WHERE nhs_number = '9434765870'");
  const occupied = await stat(page, 'occupied'), reserved = await stat(page, 'reserved');
  await page.locator(`tr[data-referral="${id}"]`).getByRole('button', { name: 'Accept' }).click();
  await page.locator('.flash', { hasText: `Referral ${id}: offer accepted` }).waitFor({ timeout: WAIT });
  await settled(page);
  await page.locator(`tr[data-referral="${id}"]`).getByRole('button', { name: 'Admit' }).click();
  await page.locator('.flash', { hasText: `Referral ${id}: admitted` }).waitFor({ timeout: WAIT });
  await settled(page);
  assert.equal(await stat(page, 'occupied'), occupied + 1);
  assert.equal(await stat(page, 'reserved'), reserved - 1);
  assert.equal(sql(`SELECT r.state || ' ' || b.status FROM bed_referrals r JOIN beds b ON b.bed_id = r.bed_id WHERE r.referral_id = ${id}`), 'admitted occupied');
  assert.ok(sql(`SELECT COUNT(*) FROM audit WHERE object_id = '${id}' AND actor = 'e2e-coordinator'`) >= 3, 'offer, accept and admit audited');
});

await check('coordinator: declines a waiting referral with a reason typed in place', page, async () => {
  const row = page.locator('tr[data-referral]', { has: page.locator('.pill.waiting') }).first();
  const id = await row.getAttribute('data-referral');
  await row.getByRole('button', { name: `Decline referral ${id}` }).click();
  const reason = row.getByLabel(`Reason to decline referral ${id}`);
  await reason.fill('needs an acute bed, not a community one');
  await reason.press('Enter');
  await page.locator('.flash', { hasText: `Referral ${id}: declined` }).waitFor({ timeout: WAIT });
  await settled(page);
  assert.equal(sql(`SELECT state || ': ' || reason FROM bed_referrals WHERE referral_id = ${id}`), 'declined: needs an acute bed, not a community one');
  assert.equal(await page.locator(`tr[data-referral="${id}"]`).count(), 0, 'gone from the queue');
});

await check('a refused API call (403) is shown in words and the rest of the view still works', page, async () => {
  await page.route('**/api/v1/beds/los*', (route) => route.fulfill({ status: 403, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Forbidden', status: 403, detail: "the role 'coordinator' may not GET /api/v1/beds/los" }) }));
  await openView(page, 'Analytics', 'analytics');
  await openView(page, 'Beds', 'beds');
  const notice = page.getByRole('region', { name: 'Length of stay' }).locator('.notice');
  await notice.waitFor({ timeout: WAIT });
  assert.match(await notice.textContent(), /Not available to your role: the role 'coordinator' may not GET/);
  assert.ok(await page.locator('[data-stat="available"]').count() === 1, 'the board still shows');
  await page.unroute('**/api/v1/beds/los*');
});

await check('coordinator: runs a waiting-list allocation and sees before and after by trust, borough and deprivation', page, async () => {
  const runs = Number(sql('SELECT COUNT(*) FROM waitlist_runs'));
  await openView(page, 'Waiting list', 'waitlist');
  await page.getByRole('button', { name: 'Run allocation' }).click();
  await page.locator('.flash', { hasText: 'Allocation run' }).waitFor({ timeout: 60000 });
  await settled(page);
  assert.equal(Number(sql('SELECT COUNT(*) FROM waitlist_runs')), runs + 1);
  for (const by of ['trust', 'place', 'imd']) {
    // the equity tables are drawn after the run's flash: wait for the first before → after cell
    await page.locator(`.equity-row[data-by="${by}"] tbody td`, { hasText: '→' }).first().waitFor({ timeout: WAIT }).catch(() => {});
    const cells = await page.locator(`.equity-row[data-by="${by}"] tbody td`).allTextContents();
    assert.ok(cells.some((c) => c.includes('→')), `${by}: before → after shown`);
  }
  await shot(page, 'waitlist-after-run');
});

await check('analyst: the funnel plot draws every borough with its limits and the rates table agrees with the API', page, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'analyst');
  await openView(page, 'Analytics', 'analytics');
  const canvas = page.locator('.funnel canvas');
  await canvas.waitFor({ timeout: WAIT });
  await page.waitForFunction(() => window.Chart.getChart(document.querySelector('.funnel canvas')), null, { timeout: WAIT });
  const api = await apiCall('GET', '/api/v1/analytics/funnel', TOK.analyst);
  const drawn = await canvas.evaluate((c) => window.Chart.getChart(c).data.datasets.map((d) => [d.flag ? 'points' : 'line', d.data.length]));
  assert.equal(drawn.filter(([k]) => k === 'points').reduce((n, [, m]) => n + m, 0), api.funnel.points.length);
  assert.equal(drawn.filter(([k]) => k === 'line').length, 5, 'baseline and four limit curves (points: one series per flag)');
  for (const p of api.funnel.points) {
    const tr = page.locator('table.rates tbody tr', { hasText: p.name }).first();
    assert.ok((await tr.textContent()).includes(p.flag), `${p.name} flagged ${p.flag}`);
  }
  await canvas.scrollIntoViewIfNeeded();
  await page.locator('.funnel').screenshot({ path: join(OUT, 'analytics-funnel.png') });
  await shot(page, 'analytics-analyst');
});

await check('executive: the Board view shows the acute share, accountability and ranking the API gives', page, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'executive');
  assert.deepEqual(await navNames(page), ['Board']);
  await openView(page, 'Board', 'board');
  const fin = await apiCall('GET', '/api/v1/finance/summary', TOK.executive);
  const acc = await apiCall('GET', '/api/v1/governance/accountability', TOK.executive);
  const rank = await apiCall('GET', '/api/v1/governance/ranking', TOK.executive);
  await page.locator('[data-acute-share]').waitFor({ timeout: WAIT });
  assert.equal(Number(await page.locator('[data-acute-share]').getAttribute('data-acute-share')), fin.spend.acute_share);
  await page.locator('p.counts').waitFor({ timeout: WAIT });
  assert.equal(await page.locator('p.counts').textContent(), `${acc.on_track} on track, ${acc.off_track} off track, ${acc.no_data} without data.`);
  assert.equal(await page.locator('table.accountability tbody tr').count(), acc.items.length);
  await page.locator('table.ranking tbody tr').first().waitFor({ timeout: WAIT });
  assert.ok((await page.locator('table.ranking tbody tr').first().textContent()).includes(rank.ranking[0].name));
  assert.ok((await page.locator('main').textContent()).includes('Synthetic figures'));
  await shot(page, 'board-executive');
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'analyst');
});

await check('analyst: may not run a waiting-list allocation, so the form is not shown', page, async () => {
  await openView(page, 'Waiting list', 'waitlist');
  assert.equal(await page.getByRole('button', { name: 'Run allocation' }).count(), 0);
  assert.ok(await page.locator('.equity-row').count() >= 3);
});

await check('ICS switcher: hidden for one ICS, offered to CLCH in its four, sends ?ics=', page, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'admin');
  assert.equal(await page.locator('#ics-select').isVisible(), false);
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'clch');
  const sel = page.locator('#ics-select');
  await sel.waitFor({ state: 'visible', timeout: WAIT });
  const codes = await sel.locator('option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(codes, ['QM7', 'QMJ', 'QRV', 'QWE']);
  assert.equal(await sel.inputValue(), 'QRV');
  assert.equal(await page.locator('#ics-name').textContent(), 'North West London ICS');
  const asked = page.waitForRequest((r) => r.url().includes('ics=QMJ'), { timeout: WAIT });
  await sel.selectOption('QMJ');
  await asked;
  assert.equal(await page.locator('#ics-name').textContent(), 'North Central London ICS');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('icsflow.ics')), 'QMJ');
  await settled(page);
});

await check('keyboard: the skip link and the menu work without a mouse', page, async () => {
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'admin');
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
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, 'admin');
  for (const [title, id] of VIEWS) {
    await openView(page, title, id);
    const bad = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
      .filter((el) => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
      .map((el) => el.name || el.outerHTML.slice(0, 60)));
    assert.deepEqual(bad, [], `${title}: ${bad.join(', ')}`);
  }
});

// ---- roles -----------------------------------------------------------------
for (const [role, views] of [['clinician', ['System', 'Beds', 'Find a service']], ['analyst', null], ['trust_ops', null], ['coordinator', null]]) {
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

await check('a token revoked while signed in signs the user out with the server\'s message', page, async () => {
  const res = await fetch(`${URL}/api/v1/users`, { method: 'POST', headers: { Authorization: `Bearer ${TOK.admin}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'e2e-short-lived', role: 'analyst', org: 'QRV' }) });
  const { token } = await res.json();
  await page.evaluate(() => sessionStorage.clear());
  TOK.short = token;
  await signIn(page, 'short');
  await fetch(`${URL}/api/v1/users/e2e-short-lived`, { method: 'DELETE', headers: { Authorization: `Bearer ${TOK.admin}` } });
  await page.locator('#nav').getByRole('link', { name: 'Analytics' }).click();
  await page.getByRole('heading', { name: 'Sign in to icsflow' }).waitFor({ timeout: WAIT });
  assert.match(await page.locator('form.signin [role=alert]').textContent(), /signed out/);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('icsflow.token')), null);
  await signIn(page, 'coordinator');
});

await check('signing out forgets the token and shows the sign-in form', page, async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to icsflow' }).waitFor({ timeout: WAIT });
  assert.equal(await page.evaluate(() => sessionStorage.getItem('icsflow.token')), null);
});

// ---- tablet width -------------------------------------------------------------
const tab = await newPage(TABLET);
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
await check('no script errors in the browser console', null, async () => {
  assert.deepEqual(pageErrors, [], JSON.stringify(pageErrors));
});

await R.done();
