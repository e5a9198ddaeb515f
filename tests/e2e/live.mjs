// live.mjs - the dashboard's live updates in a real browser, with two browser
// contexts signed in as different users against the server run.sh started:
// a bed closed by one coordinator disappears from the other's board within
// 2 s without a reload; a stream cut (the reconnecting banner shows) and
// resumed loses no event; a clinician never receives an event about an
// object their role or organisation may not read; the notification badge
// follows; a UCR provider reports today's capacity; an escalation action
// ticked on one System view shows done on the other. Prints "ok N - ...".
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, settled as settle, URL, OUT, WAIT } from './harness.mjs';
import { sqlOn } from './db.mjs';

const sql = sqlOn(process.env.ICS_DB);
const R = run('live');
const { check, pageErrors } = R;
const settled = (page) => settle(page, 0);

// A fresh context (its own storage) signed in with token tok.
async function user(tok) {
  const { ctx, page } = await R.context({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await page.goto(`${URL}/`);
  await page.getByLabel('Access token').fill(tok);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#nav a').first().waitFor({ timeout: WAIT });
  await settled(page);
  // Record every event this page's stream delivers (the app's own module).
  await page.evaluate(async () => {
    const m = await import('/js/live.js');
    window.icsEvents = [];
    m.onEvent((e) => window.icsEvents.push(e));
  });
  await page.waitForFunction(() => document.body.dataset.live === 'up', null, { timeout: WAIT });
  return { ctx, page };
}

async function api(tok, method, path, body) {
  const res = await fetch(`${URL}${path}`, { method, headers: { Authorization: `Bearer ${tok}`,
    'Content-Type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  assert.ok(res.ok, `${method} ${path} -> ${res.status}`);
  return res.json();
}

await R.launchBrowser();
const A = await user(process.env.COORD);
const B = await user(process.env.COORD2);
const C = await user(process.env.CLIN);

// A unit with several available beds, and one of them.
const unit = sql("SELECT unit_code FROM beds WHERE status = 'available' GROUP BY unit_code ORDER BY COUNT(*) DESC, unit_code LIMIT 1");
const bed = sql(`SELECT bed_id FROM beds WHERE unit_code = '${unit}' AND status = 'available' ORDER BY bed_id LIMIT 1`);
const E0 = Number(sql('SELECT MAX(id) FROM events'));
const availableOf = (page) => page.evaluate((u) => {
  const row = document.querySelector(`tr[data-unit="${u}"]`);
  return row ? Number(row.querySelectorAll('td')[2].textContent) : -1;
}, unit);

for (const p of [A.page, B.page]) {
  await p.goto(`${URL}/#/beds`);
  await settled(p);
  await p.locator(`tr[data-unit="${unit}"] a`).first().click();
  await p.locator(`button[data-bed="${bed}"]`).waitFor({ timeout: WAIT });
}

await check(`a bed closed by one coordinator leaves the other's board within 2 s, without a reload (unit ${unit}, bed ${bed})`, B.page, async () => {
  const before = await availableOf(B.page);
  assert.ok(before > 0, `the board shows ${before} available in ${unit}`);
  await B.page.evaluate(() => { window.icsNotReloaded = true; });
  await A.page.locator(`button[data-bed="${bed}"]`).click();
  await A.page.locator('form select[name="status"]').selectOption('closed');
  await A.page.locator('form select[name="closure"]').selectOption('staffing');
  const t0 = Date.now();
  await A.page.getByRole('button', { name: 'Change status' }).click();
  await B.page.waitForFunction(({ b, u, was }) => {
    const el = document.querySelector(`button[data-bed="${b}"]`);
    const row = document.querySelector(`tr[data-unit="${u}"]`);
    return el && el.dataset.status === 'closed' && row && Number(row.querySelectorAll('td')[2].textContent) === was - 1;
  }, { b: bed, u: unit, was: before }, { timeout: 2000 });
  const ms = Date.now() - t0;
  console.log(`# bed ${bed} shown closed on the other board after ${ms} ms`);
  assert.equal(sql(`SELECT status FROM beds WHERE bed_id = ${bed}`), 'closed');
  assert.equal(await B.page.evaluate(() => window.icsNotReloaded), true, 'the page was not reloaded');
  await B.page.screenshot({ path: join(OUT, 'live-board.png') });
});

await check('the changed unit row is highlighted on the other board', B.page, async () => {
  await B.page.locator(`tr[data-unit="${unit}"].changed, button[data-bed="${bed}"].changed`).first()
    .waitFor({ timeout: 3000, state: 'attached' });
});

await check('a cut stream shows the reconnecting banner, then resumes and loses no event', B.page, async () => {
  const start = Number(sql('SELECT MAX(id) FROM events'));
  await B.page.evaluate(() => { window.icsEvents = []; });
  // Refuse new stream requests, then cut the open one.
  const block = (u) => new globalThis.URL(u).pathname === '/api/v1/events';
  await B.ctx.route(block, (r) => r.abort());
  await B.page.evaluate(async () => (await import('/js/live.js')).dropLive());
  await B.page.locator('#live').waitFor({ state: 'visible', timeout: 5000 });
  // Changes while B is disconnected.
  for (const s of ['available', 'closed', 'cleaning', 'available']) {
    const body = s === 'closed' ? { status: s, closure: 'maintenance' } : { status: s };
    await api(process.env.COORD, 'PATCH', `/api/v1/beds/${bed}`, body);
  }
  await B.ctx.unroute(block);
  const want = sql(`SELECT group_concat(id, ',') FROM (SELECT id FROM events WHERE id > ${start} ORDER BY id) AS e`).split(',').map(Number);
  assert.ok(want.length >= 4, `${want.length} events written while cut off`);
  await B.page.waitForFunction((w) => window.icsEvents.filter((e) => e.id).length >= w, want.length, { timeout: 10000 });
  const got = await B.page.evaluate(() => window.icsEvents.filter((e) => e.id).map((e) => e.id));
  assert.deepEqual(got, want);
  await B.page.locator('#live').waitFor({ state: 'hidden', timeout: 5000 });
});

await check('a clinician never receives an event about an object they may not read', C.page, async () => {
  const got = await C.page.evaluate(() => window.icsEvents.filter((e) => e.id));
  const beds = Number(sql(`SELECT COUNT(*) FROM events WHERE id > ${E0} AND type = 'bed.status'`));
  assert.ok(beds >= 2, `${beds} bed.status events were written meanwhile`);
  assert.deepEqual(got.filter((e) => e.type === 'bed.status' || (e.orgs && !e.orgs.includes(`,${process.env.CLIN_ORG}`))), [],
    `events the clinician at ${process.env.CLIN_ORG} received: ${JSON.stringify(got.map((e) => e.type))}`);
});

await check('and does receive one about their own organisation', C.page, async () => {
  const org = process.env.CLIN_ORG;
  const cur = await api(process.env.ADMIN, 'GET', `/api/v1/organisations/${org}`);
  await api(process.env.ADMIN, 'PUT', `/api/v1/organisations/${org}`, cur);
  await C.page.waitForFunction((o) => window.icsEvents.some((e) => e.type === 'directory.changed' && e.object_id === o), org, { timeout: 5000 });
});

await check('an aid request raises the coordinator\'s badge at once, and reading it lowers it', B.page, async () => {
  const badge = B.page.locator('#badge');
  const before = Number(await B.page.evaluate(() => document.getElementById('badge').textContent));
  const day = sql('SELECT MAX(day) FROM sitrep_submissions');
  const req = await api(process.env.OPS, 'POST', '/api/v1/sitrep/aid', { resource: 'beds', detail: 'ga', quantity: 4,
    date_from: day, date_to: day, urgency: 'urgent', note: 'live test' });
  await B.page.waitForFunction((b) => Number(document.getElementById('badge').textContent) === b + 1, before, { timeout: 3000 });
  assert.equal(await badge.isVisible(), true);
  await B.page.locator('#bell').click();
  const item = B.page.locator(`#inbox li[data-kind="aid.request"]`).filter({ hasText: `request ${req.id}` });
  await item.waitFor({ timeout: WAIT });
  await B.page.screenshot({ path: join(OUT, 'live-inbox.png') });
  await item.getByRole('button', { name: 'Mark read' }).click();
  await B.page.waitForFunction((b) => Number(document.getElementById('badge').textContent) === b, before, { timeout: 5000 });
});

await check('a rapid-response provider reports today\'s capacity from the dashboard', null, async () => {
  const U = await user(process.env.UCR);
  await U.page.goto(`${URL}/#/find`);
  await settled(U.page);
  const form = U.page.locator('form[data-service="FALLS-HH"]');
  await form.waitFor({ timeout: WAIT });
  await form.getByLabel('Taken today').fill('3');
  await form.getByLabel('Capacity today').fill('9');
  await form.getByRole('button', { name: 'Report' }).click();
  await U.page.locator('.flash', { hasText: '3 taken of 9' }).waitFor({ timeout: WAIT });
  assert.equal(sql("SELECT used_today || '/' || capacity FROM service_capacity WHERE service_id = 'FALLS-HH'"), '3/9');
  await U.page.screenshot({ path: join(OUT, 'live-capacity.png') });
  await U.ctx.close();
});

await check('an escalation action ticked by one coordinator shows done on the other\'s System view within 5 s (the whole view is drawn again)', B.page, async () => {
  for (const p of [A.page, B.page]) {
    await p.goto(`${URL}/#/system`);
    await settled(p);
  }
  const id = Number(sql("SELECT MIN(id) FROM sitrep_actions WHERE owner_role = 'coordinator' AND done_at IS NULL"));
  assert.ok(id > 0, 'a coordinators\' action is open on the seeded checklist');
  const row = (p) => p.locator(`#actions li[data-action="${id}"]`);
  await row(B.page).waitFor({ timeout: WAIT });
  assert.equal(await row(B.page).locator('.action-state').textContent(), 'not assigned');
  await B.page.evaluate(() => { window.icsNotReloaded = true; });
  const t0 = Date.now();
  await row(A.page).getByLabel(`Action ${id} done`).check();
  await B.page.waitForFunction((i) => {
    const el = document.querySelector(`#actions li[data-action="${i}"] .action-state`);
    return el && el.textContent.startsWith('done ') && el.textContent.endsWith('by e2e-coordinator');
  }, id, { timeout: 5000 });
  console.log(`# action ${id} shown done on the other System view after ${Date.now() - t0} ms`);
  assert.equal(sql(`SELECT done_by FROM sitrep_actions WHERE id = ${id}`), 'e2e-coordinator');
  assert.equal(await B.page.evaluate(() => window.icsNotReloaded), true, 'the page was not reloaded');
  await A.page.screenshot({ path: join(OUT, 'live-actions.png'), fullPage: true });
});

await check('a note added on the checklist is kept with its author and time', A.page, async () => {
  const id = Number(sql("SELECT MIN(id) FROM sitrep_actions WHERE owner_role = 'coordinator' AND done_at IS NULL"));
  const row = A.page.locator(`#actions li[data-action="${id}"]`);
  await row.getByLabel(`Note on action ${id}`).fill('Call booked for 14:00 — all acute trusts');
  await row.getByRole('button', { name: 'Add note' }).click();
  await A.page.locator(`#actions li[data-action="${id}"] ul.notes li`, { hasText: 'Call booked for 14:00 — all acute trusts' })
    .waitFor({ timeout: WAIT });
  assert.equal(sql(`SELECT by_user FROM sitrep_action_notes WHERE action_id = ${id}`), 'e2e-coordinator');
});

await check('a clinician sees the checklist without its buttons', C.page, async () => {
  await C.page.goto(`${URL}/#/system`);
  await settled(C.page);
  await C.page.locator('#actions li.action').first().waitFor({ timeout: WAIT });
  assert.equal(await C.page.locator('#actions button').count(), 0);
});

// (the cut stream's aborted requests log "net::ERR_FAILED": that is this test's doing)
await check('no page errors', null, async () => {
  const errors = pageErrors.filter((m) => !/^Failed to load resource: net::ERR_FAILED$/.test(m));
  assert.deepEqual(errors, [], `errors: ${errors.join(' | ')}`);
});

await R.done();
