// ux.mjs - browser tests of the dashboard's cross-cutting quality (issue 20
// items 7-12): errors beside the field in the form's words, the chosen day
// in the System heading, downloads of tables (CSV) and charts (PNG, SVG),
// print, numbers and times for people, deep links, the sign-in page, and
// every action in reach at 768 px. Run by run.sh like dashboard.mjs, with
// screenshots at 1440 and 768 px in $ICS_OUT (ux-*.png).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { sqlOn } from './db.mjs';
import { URL, OUT, WAIT, WIDE, TABLET, TOK, run, settled, signIn, go, downloaded } from './harness.mjs';

const sql = sqlOn(process.env.ICS_DB);
const { check, shot, pageErrors, launch, newPage, done } = run('ux');

const isoDay = (k) => new Date(Date.now() + k * 86400000).toLocaleDateString('en-CA', { timeZone: 'Europe/London' });

await launch({ locale: 'en-US', timezoneId: 'America/New_York', acceptDownloads: true });
// A browser in another locale and zone than the ICS: what the dashboard
// shows must not depend on either.
console.log(`# ux: chromium (en-US, America/New_York) against ${URL}`);
const page = await newPage(WIDE);

// ---- sign-in page ---------------------------------------------------------------
await check('the sign-in page shows no Sign out button and no navigation', page, async () => {
  await page.goto(`${URL}/`);
  await page.getByRole('heading', { name: 'Sign in to icsflow' }).waitFor({ timeout: WAIT });
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
  assert.equal(await page.locator('#signout').isVisible(), false);
  await shot(page, 'signin-1440');
});

// ---- numbers and times for people -------------------------------------------------
await check('times show in UK time as "3 Dec 2026 16:38" whatever the browser zone; BST named in summer', page, async () => {
  const got = await page.evaluate(async () => {
    const ui = await import('/js/ui.js');
    return [ui.when('2026-12-03T16:38:00Z'), ui.when('2026-07-01T12:05:00Z', { zone: true }),
      ui.when(1796315880), ui.dayText('2026-12-03')];
  });
  assert.deepEqual(got, ['3 Dec 2026 16:38', '1 Jul 2026 13:05 BST', '3 Dec 2026 16:38', '3 Dec 2026']);
});

await check('numbers: % with one decimal, money in £m, intervals with the estimate\'s decimals, ids ungrouped', page, async () => {
  const got = await page.evaluate(async () => {
    const ui = await import('/js/ui.js');
    return [ui.pct(0.1234), ui.pctOf(92.456), ui.money(12.345), ui.money(-1.2), ui.estimate(5.21, 4.1, 6.333, 1),
      ui.num(1234567.891, 2), ui.idText(17694), ui.isIdKey('referral_id'), ui.isIdKey('beds')];
  });
  assert.deepEqual(got, ['12.3%', '92.5%', '£12.3m', '−£1.2m', '5.2 (95% CI 4.1 to 6.3)', '1,234,567.89', '17694', true, false]);
});

// ---- signed in as trust operations: the System view ---------------------------------
await signIn(page, 'trust_ops');

await check('the System heading names the day shown; a day in the address opens that day', page, async () => {
  const h1 = page.locator('#system-heading');
  const todayText = await page.evaluate(async () => (await import('/js/ui.js')).dayText(new Date()));
  assert.equal((await h1.textContent()).trim(), `System today, ${todayText}`);
  const d = isoDay(-3);
  await go(page, `#/system?day=${d}`);
  const want = await page.evaluate(async (x) => (await import('/js/ui.js')).dayText(x), d);
  assert.equal((await h1.textContent()).trim(), `System on ${want}`);
  assert.equal(await page.locator('.view-head input[name="day"]').inputValue(), d);
  assert.match(await page.locator('table.grid caption', { hasText: 'Providers on' }).first().textContent(), new RegExp(d));
});

await check('choosing a day with Show puts it in the address and the heading', page, async () => {
  const d = isoDay(-1);
  await page.locator('.view-head input[name="day"]').fill(d);
  await page.locator('.view-head').getByRole('button', { name: 'Show' }).click();
  await settled(page);
  assert.equal(await page.evaluate(() => location.hash), `#/system?day=${d}`);
  assert.match(await page.locator('#system-heading').textContent(), /^System on /);
});

await check('date inputs are plain ISO text (YYYY-MM-DD), not the browser locale\'s date picker', page, async () => {
  const inputs = page.locator('main input[name="day"], main input[name="date_from"], main input[name="date_to"]');
  const n = await inputs.count();
  assert.ok(n >= 3, `${n} date inputs`);
  for (let i = 0; i < n; i++) {
    assert.equal(await inputs.nth(i).getAttribute('type'), 'text');
    assert.equal(await inputs.nth(i).getAttribute('placeholder'), 'YYYY-MM-DD');
    assert.match(await inputs.nth(i).inputValue(), /^\d{4}-\d{2}-\d{2}$/);
  }
});

await check('mutual aid: each bad value is shown beside its field in the form\'s words, nothing stored', page, async () => {
  await go(page, '#/system');
  const before = sql('SELECT COUNT(*) FROM sitrep_aid_requests');
  await page.getByRole('region', { name: 'Mutual aid' }).locator('summary', { hasText: 'Ask for aid' }).click();
  const form = page.getByRole('form', { name: 'Ask for mutual aid' });
  await form.getByLabel('Quantity').fill('5000');
  await form.getByLabel('From').fill('2026-13-01');
  await form.getByRole('button', { name: 'Ask for aid' }).click();
  const qtyErr = form.locator('.field:has(input[name="quantity"]) .field-error');
  await qtyErr.waitFor({ timeout: WAIT });
  assert.match(await qtyErr.textContent(), /^Quantity: must be 1 to 1000, not 5000$|^Quantity must be 1 to 1000, not 5000$/);
  const fromErr = form.locator('.field:has(input[name="date_from"]) .field-error');
  assert.match(await fromErr.textContent(), /^From: 2026-13-01 is not a calendar date$/);
  assert.equal(await form.locator('input[name="date_from"]').getAttribute('aria-invalid'), 'true');
  const described = await form.locator('input[name="date_from"]').getAttribute('aria-describedby');
  assert.equal(await page.locator(`#${described.split(' ').pop()}`).textContent(), await fromErr.textContent());
  assert.doesNotMatch(await form.locator('.error').textContent(), /date_from|quantity/);
  assert.equal(sql('SELECT COUNT(*) FROM sitrep_aid_requests'), before);
  await shot(page, 'field-errors-1440');
});

await check('fixing the values clears the field errors and the request is stored', page, async () => {
  const before = Number(sql('SELECT COUNT(*) FROM sitrep_aid_requests'));
  const form = page.getByRole('form', { name: 'Ask for mutual aid' });
  await form.getByLabel('Quantity').fill('2');
  await form.getByLabel('From').fill(isoDay(0));
  await form.getByLabel('To').fill(isoDay(1));
  await form.getByLabel('What exactly').fill('nurse');
  await form.getByRole('button', { name: 'Ask for aid' }).click();
  await page.waitForFunction((b) => document.querySelectorAll('.field-error').length === 0, before, { timeout: WAIT });
  await page.locator('.flash', { hasText: 'Mutual-aid request' }).waitFor({ timeout: WAIT });
  assert.equal(Number(sql('SELECT COUNT(*) FROM sitrep_aid_requests')), before + 1);
});

await check('who could help names the day of the sitrep each suggestion rests on', page, async () => {
  await settled(page);
  const aid = page.getByRole('region', { name: 'Mutual aid' });
  const id = sql("SELECT MAX(id) FROM sitrep_aid_requests WHERE org_code = 'RYJ'");
  await aid.getByRole('button', { name: `Open request ${id}` }).click();
  await aid.getByRole('button', { name: 'Who could help?' }).click();
  const t = aid.locator('table', { hasText: 'Best placed to help' });
  await t.locator('tbody tr').first().waitFor({ timeout: WAIT });
  const org = await t.locator('tbody tr').first().locator('th').textContent();
  const cell = (await t.locator('tbody tr').first().locator('td[data-label="From the sitrep of"]').textContent()).trim();
  const code = sql(`SELECT ods_code FROM organisations WHERE name = '${org.trim().replace(/'/g, "''")}'`);
  const last = sql(`SELECT MAX(day) FROM sitrep_submissions WHERE org_code = '${code}'`);
  const want = await page.evaluate(async (x) => (await import('/js/ui.js')).dayText(x), last);
  assert.ok(cell.startsWith(want), `'${cell}' does not start with '${want}' (${code} ${last})`);
  if (last < isoDay(0)) assert.match(cell, /older/);
});

// ---- downloads -----------------------------------------------------------------------
await check('every table has a CSV download with the rows shown', page, async () => {
  await go(page, '#/system');
  const tables = await page.locator('main table.grid').count();
  const buttons = await page.locator('main .table-box > .export button', { hasText: 'CSV' }).count();
  assert.ok(tables >= 2, `${tables} tables`);
  assert.equal(buttons, tables);
  const box = page.locator('.table-box', { has: page.locator('caption', { hasText: 'Providers on' }) });
  const rows = await box.locator('tbody tr').count();
  const { name, text } = await downloaded(page, () => box.locator('.export button', { hasText: 'CSV' }).click());
  assert.match(name, /^providers-on-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = text.trim().split('\r\n');
  assert.equal(lines.length, rows + 1);
  assert.match(lines[0], /^Provider,Level,Since yesterday,/);
  const first = (await box.locator('tbody tr').first().locator('th').textContent()).replace(/\s+/g, ' ').trim();
  assert.ok(lines[1].includes(first.slice(0, 20)), `'${lines[1]}' vs '${first}'`);
});

// ---- charts: PNG and SVG ----------------------------------------------------------------
await signIn(page, 'analyst', '#/analytics');
await check('a chart downloads as PNG, as SVG drawn from its data, and its data as CSV', page, async () => {
  await page.locator('main .chart-box canvas').first().waitFor({ timeout: WAIT });
  const box = page.locator('main .chart-box').first();
  const png = await downloaded(page, () => box.locator('.export button', { hasText: 'PNG' }).click());
  assert.match(png.name, /\.png$/);
  assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const svg = await downloaded(page, () => box.locator('.export button', { hasText: 'SVG' }).click());
  assert.match(svg.name, /\.svg$/);
  assert.match(svg.text, /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const marks = (svg.text.match(/<circle|<rect|<polyline/g) || []).length;
  assert.ok(marks > 5, `${marks} marks in the SVG`);
  const data = await downloaded(page, () => box.locator('.export button', { hasText: 'data CSV' }).click());
  assert.ok(data.text.trim().split('\r\n').length > 2, data.text.slice(0, 200));
  await shot(page, 'analytics-1440');
});

await check('funnel: the legend shows each flag in its points\' colour, and every point is named on the chart and on hover', page, async () => {
  const info = await page.evaluate(() => {
    const canvas = document.querySelector('.funnel canvas');
    const c = window.Chart.getChart(canvas);
    const items = c.legend.legendItems.map((i) => ({ text: i.text, fill: i.fillStyle, idx: i.datasetIndex }));
    const sets = c.data.datasets.map((d) => ({ label: d.label, colour: d.backgroundColor, names: (d.data || []).map((p) => p.name).filter(Boolean) }));
    return { items, sets, show: c.options.plugins.pointNames.show };
  });
  const pointSets = info.sets.filter((d) => d.names.length);
  assert.equal(pointSets.reduce((n, d) => n + d.names.length, 0), 8, 'eight boroughs plotted');
  for (const d of pointSets) {
    const item = info.items.find((i) => i.text === d.label);
    assert.ok(item, `legend has '${d.label}'`);
    assert.equal(item.fill, d.colour, `legend colour of '${d.label}'`);
    assert.equal(typeof d.colour, 'string', 'one colour per series');
  }
  assert.ok(info.items.some((i) => i.text === '95% limits') && info.items.some((i) => i.text === '99.8% limits'));
  assert.equal(info.show, true);
  // no name drawn over a point or over another name
  const clash = await page.evaluate(() => {
    const c = window.Chart.getChart(document.querySelector('.funnel canvas'));
    const names = c.$nameBoxes;
    const dots = c.data.datasets.flatMap((d, i) => (d.flag ? c.getDatasetMeta(i).data.map((el) => ({ x0: el.x - 6, x1: el.x + 6, y: el.y, half: 6 })) : []));
    const hit = (a, b) => a.x0 < b.x1 && a.x1 > b.x0 && Math.abs(a.y - b.y) < a.half + b.half;
    return { n: names.length, bad: names.filter((a, i) => dots.some((d) => hit(a, d)) || names.some((b, j) => j !== i && hit(a, b))).map((a) => a.name) };
  });
  assert.equal(clash.n, 8);
  assert.deepEqual(clash.bad, []);
  // hover over the first borough: its name and value in the tooltip
  const box = await page.locator('.funnel canvas').boundingBox();
  const pt = await page.evaluate(() => {
    const c = window.Chart.getChart(document.querySelector('.funnel canvas'));
    const el = c.getDatasetMeta(0).data[0];
    return { x: el.x, y: el.y, name: c.data.datasets[0].data[0].name };
  });
  await page.mouse.move(box.x + pt.x, box.y + pt.y);
  await page.waitForFunction(() => window.Chart.getChart(document.querySelector('.funnel canvas')).tooltip.getActiveElements().length > 0, null, { timeout: WAIT });
  const tip = await page.evaluate(() => window.Chart.getChart(document.querySelector('.funnel canvas')).tooltip.body.map((b) => b.lines.join(' ')).join(' '));
  assert.ok(tip.startsWith(`${pt.name}: `), tip);
  await page.locator('.funnel').screenshot({ path: join(OUT, 'ux-funnel.png') });
});

await check('the CLI funnel names what each axis plots', null, async () => {
  const { execFileSync } = await import('node:child_process');
  const out = execFileSync(process.env.ICS_BIN, ['analyse', 'funnel', '--db', process.env.ICS_DB], { encoding: 'utf8' });
  assert.match(out, /^x axis: Population at risk \(person-years\); y axis: Directly standardised rate per 100,000/m);
  assert.match(out, /^  area +x +value +funnel flag$/m);
});

await check('the bed review headline states its assumption and counts the real beds and units', page, async () => {
  const head = page.locator('#review-headline');
  await head.waitFor({ timeout: WAIT });
  const beds = Number(sql('SELECT SUM(beds) FROM units'));
  const units = Number(sql('SELECT COUNT(*) FROM units'));
  const text = await head.textContent();
  assert.match(text, /^Assuming all bed types interchangeable, pooling the /);
  assert.ok(text.includes(`the ${beds.toLocaleString('en-GB')} beds of ${units} units`), text);
});

await check('harmonisation: a view of each borough\'s cover for a need, its gaps in words, and the differences', page, async () => {
  await go(page, '#/analytics/harmonisation?capability=falls');
  const panelEl = page.locator('#harmonisation');
  await panelEl.locator('table.harm tbody tr').first().waitFor({ timeout: WAIT });
  const api = await (await fetch(`${URL}/api/v1/reports/harmonisation`, { headers: { Authorization: `Bearer ${TOK.analyst}` } })).json();
  const falls = api.capabilities.find((c) => c.capability === 'falls');
  assert.equal(await panelEl.locator('table.harm tbody tr').count(), falls.places.length);
  for (const p of falls.places) {
    const row = panelEl.locator(`table.harm tr[data-place="${p.place_code}"]`);
    assert.equal((await row.locator('td[data-label="Hours open a week"]').textContent()).trim(), `${p.week_hours} of 168`);
    if (p.gaps.length && p.gaps.includes('Mon 00:00-08:00') && p.gaps.includes('Sun 00:00-08:00'))
      assert.match(await row.textContent(), /every day .*00:00-08:00/);
  }
  const cover = panelEl.locator('table.cover');
  const first = falls.places[0];
  const cells = await cover.locator(`tr[data-place="${first.place_code}"] td`).allTextContents();
  assert.deepEqual(cells, [...first.cover.Mon].map((c) => (c === '0' ? '·' : c)));
  assert.equal(await panelEl.locator('table.harm-diff tbody tr').count(), api.differences.length || 1);
  await panelEl.screenshot({ path: join(OUT, 'ux-harmonisation.png') });
});

// ---- print ----------------------------------------------------------------------------
await check('printing a view hides navigation, buttons and downloads and keeps the content', page, async () => {
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('#nav').isVisible(), false);
  assert.equal(await page.locator('main .export').first().isVisible(), false);
  assert.equal(await page.locator('main button:visible').count(), 0);
  assert.ok(await page.locator('main h1').isVisible());
  assert.ok(await page.locator('main table.grid').first().isVisible());
  await shot(page, 'print-analytics');
  await page.emulateMedia({ media: 'screen' });
});

// ---- 768 px: every action in reach ------------------------------------------------
const tab = await newPage(TABLET);
await signIn(tab, 'coordinator', '#/beds');
for (const [id, role] of [['beds', 'coordinator'], ['system', 'coordinator'], ['waitlist', 'coordinator']]) {
  await check(`at 768 px every button of the ${id} view is in reach without scrolling sideways (as ${role})`, tab, async () => {
    await go(tab, `#/${id}`);
    const over = await tab.evaluate(() => {
      const out = [];
      for (const b of document.querySelectorAll('main button, main select, main a')) {
        const r = b.getBoundingClientRect();
        if (r.width && r.right > window.innerWidth + 1) out.push(`${b.textContent.trim().slice(0, 30)} at ${Math.round(r.right)}`);
      }
      return out;
    });
    assert.deepEqual(over, []);
    await shot(tab, `${id}-768`);
  });
}

await check('a unit\'s beds show their state by a symbol as well as a colour, with a legend', tab, async () => {
  const code = sql('SELECT unit_code FROM units ORDER BY unit_code LIMIT 1');
  await go(tab, `#/beds/unit/${code}`);
  await tab.locator('.unit-beds .bedgrid .bed').first().waitFor({ timeout: WAIT });
  const marks = await tab.locator('.unit-beds .bedgrid .bed').evaluateAll((bs) => bs.map((b) => [b.dataset.status, getComputedStyle(b, '::after').content]));
  assert.ok(marks.length > 0);
  const symbol = { free: '"+"', occupied: '"●"', reserved: '"◐"', offered: '"◐"', closed: '"×"', blocked: '"×"', cleaning: '"~"' };
  for (const [st, c] of marks) assert.equal(c, symbol[st], `a ${st} bed shows ${c}`);
  assert.equal(await tab.locator('.unit-beds .bed-legend li').count(), 5);
  await tab.locator('.unit-beds').screenshot({ path: join(OUT, 'ux-bed-symbols-768.png') });
});

await check('at 768 px a wide table is shown as cards, each value with its column name', tab, async () => {
  await go(tab, '#/beds');
  const card = tab.locator('main .table-wrap.cards tbody tr').first();
  await card.waitFor({ timeout: WAIT });
  assert.equal(await tab.locator('main .table-wrap.cards thead').first().evaluate((e) => e.getBoundingClientRect().height <= 1), true);
  const label = await card.locator('td').first().getAttribute('data-label');
  assert.ok(label && label.length > 0);
  const before = await card.locator('td').first().evaluate((e) => getComputedStyle(e, '::before').content);
  assert.equal(before, `"${label}"`);
});

// ---- deep links ------------------------------------------------------------------------
await signIn(page, 'admin');
await check('#/referrals/ID opens that referral in Find a service, with its service and times in UK time', page, async () => {
  const id = sql('SELECT MAX(id) FROM referrals');
  await go(page, `#/referrals/${id}`);
  const dl = page.locator('#referral-detail');
  await dl.waitFor({ timeout: WAIT });
  assert.equal(await page.locator('#nav-find').getAttribute('aria-current'), 'page');
  assert.equal((await dl.locator('dd').first().textContent()).trim(), String(id));
  const svc = sql(`SELECT service_id FROM referrals WHERE id = ${id}`);
  assert.match(await dl.textContent(), new RegExp(`\\(${svc}\\)`));
  assert.match(await dl.textContent(), /Sent\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2} (GMT|BST)/);
  await shot(page, 'deeplink-referral');
});

await check('#/beds/unit/CODE opens that unit\'s beds; choosing another unit changes the address', page, async () => {
  const [code, other] = sql('SELECT unit_code FROM units ORDER BY unit_code LIMIT 2').split('\n');
  await go(page, `#/beds/unit/${code}`);
  const head = page.locator('.unit-beds h3');
  await head.waitFor({ timeout: WAIT });
  assert.match(await head.textContent(), new RegExp(`\\(${code}\\)`));
  await page.locator(`tr[data-unit="${other}"] th a`).click();
  await page.waitForFunction((c) => location.hash === `#/beds/unit/${c}`, other, { timeout: WAIT });
  await page.locator('.unit-beds h3', { hasText: other }).waitFor({ timeout: WAIT });
});

await check('#/beds?type=stroke_rehabilitation keeps the bed-type filter in the address and shows only that type', page, async () => {
  await go(page, '#/beds?type=stroke_rehabilitation');
  assert.equal(await page.locator('select[name="type"]').first().inputValue(), 'stroke_rehabilitation');
  const types = await page.locator('tr[data-unit] td[data-label="Type"]').allTextContents();
  const want = Number(sql("SELECT COUNT(*) FROM units WHERE bed_type = 'stroke_rehabilitation'"));
  assert.equal(types.length, want);
  await page.locator('select[name="type"]').first().selectOption('');
  await page.waitForFunction(() => location.hash === '#/beds', null, { timeout: WAIT });
});

await check('#/system/provider/RYJ opens that provider\'s history', page, async () => {
  await go(page, '#/system/provider/RYJ');
  const name = sql("SELECT name FROM organisations WHERE ods_code = 'RYJ'");
  await page.locator('.history h3', { hasText: `${name}: last` }).waitFor({ timeout: WAIT });
});

await check('#/waitlist/runs/ID compares with that allocation run', page, async () => {
  const id = sql('SELECT MAX(id) FROM waitlist_runs');
  assert.ok(Number(id) > 0, 'a run exists');
  await go(page, `#/waitlist/runs/${id}`);
  assert.equal(await page.locator('select[name="run"]').inputValue(), id);
  await page.locator('select[name="run"]').selectOption('');
  await page.waitForFunction(() => location.hash === '#/waitlist', null, { timeout: WAIT });
});

// ---- directory maintenance ----------------------------------------------------------------
async function apiPost(path, token, body) {
  const res = await fetch(`${URL}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${token}`,
    'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}
const SITE = `UX${process.pid % 90 + 10}1`; // a site code of our own (two letters, three digits)

await check('Directory: a new site with bad values shows the API\'s every problem beside its field, in the form\'s words', page, async () => {
  await go(page, '#/directory/sites');
  await page.getByRole('button', { name: 'Add to sites' }).click();
  const form = page.getByRole('form', { name: 'Add to sites' });
  await form.getByLabel('Site code').fill(SITE);
  await form.getByLabel('Name').fill('UX test clinic');
  await form.getByLabel('Organisation (ODS code)').fill('ZZZ');
  await form.getByLabel('Postcode').fill('NOT A POSTCODE');
  await form.getByLabel('Latitude').fill('95');
  await form.getByLabel('Longitude').fill('-0.3');
  await form.getByRole('button', { name: 'Add' }).click();
  await form.locator('.field-error').first().waitFor({ timeout: WAIT });
  const api = await apiPost('/api/v1/sites', TOK.admin, { site_code: SITE, name: 'UX test clinic', org_code: 'ZZZ',
    kind: 'acute', postcode: 'NOT A POSTCODE', lat: 95, lon: -0.3 });
  assert.equal(api.status, 422);
  const fields = api.body.errors.map((e) => e.field).sort();
  assert.deepEqual(fields, ['lat', 'org_code', 'postcode']);
  for (const [name, lab] of [['lat', 'Latitude'], ['org_code', 'Organisation (ODS code)'], ['postcode', 'Postcode']]) {
    const shown = (await form.locator(`.field:has([name="${name}"]) .field-error`).textContent()).trim();
    const said = api.body.errors.find((e) => e.field === name).detail.replace(`column '${name}': `, '');
    assert.equal(shown, `${lab}: ${said}`, `${shown} | ${lab}: ${said}`);
  }
  assert.equal(sql(`SELECT COUNT(*) FROM sites WHERE site_code = '${SITE}'`), '0');
  await shot(page, 'directory-errors-1440');
});

await check('Directory: the corrected site is stored, audited once and listed', page, async () => {
  const form = page.getByRole('form', { name: 'Add to sites' });
  await form.getByLabel('Organisation (ODS code)').fill('RYJ');
  await form.getByLabel('Postcode').fill('w2 1ny');
  await form.getByLabel('Latitude').fill('51.517');
  await form.getByRole('button', { name: 'Add' }).click();
  await page.locator('.flash', { hasText: `(${SITE})` }).waitFor({ timeout: WAIT });
  assert.equal(sql(`SELECT org_code || ' ' || postcode FROM sites WHERE site_code = '${SITE}'`), 'RYJ W2 1NY');
  assert.equal(sql(`SELECT COUNT(*) FROM audit WHERE action = 'sites.create' AND object_id = '${SITE}'`), '1');
  await page.locator(`tr[data-key="${SITE}"]`).waitFor({ timeout: WAIT });
});

await check('Directory: #/directory/sites/CODE opens that site\'s form; a change is saved with PUT', page, async () => {
  await go(page, `#/directory/sites/${SITE}`);
  const form = page.locator('form.dir-form');
  await form.waitFor({ timeout: WAIT });
  assert.equal(await form.locator('input[name="site_code"]').inputValue(), SITE);
  assert.equal(await form.locator('input[name="site_code"]').getAttribute('readonly'), '');
  await form.locator('input[name="name"]').fill('UX test clinic (renamed)');
  await form.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('.flash', { hasText: 'Saved UX test clinic (renamed)' }).waitFor({ timeout: WAIT });
  assert.equal(sql(`SELECT name FROM sites WHERE site_code = '${SITE}'`), 'UX test clinic (renamed)');
  assert.equal(sql(`SELECT COUNT(*) FROM audit WHERE action = 'sites.update' AND object_id = '${SITE}'`), '1');
});

await check('the audit log shows the rename as a before/after of the changed field, not raw JSON', page, async () => {
  await go(page, '#/admin');
  await page.getByLabel('Action contains').fill('sites.update');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await settled(page);
  const row = page.locator('tr', { hasText: SITE }).filter({ has: page.locator('.diff-table') }).first();
  await row.waitFor({ timeout: WAIT });
  const diff = row.locator('.diff-table');
  assert.equal((await diff.locator('caption').textContent()).replace(/, \d+ unchanged/, ''), '1 field changed');
  assert.equal(await diff.locator('tbody tr th').textContent(), 'name');
  assert.equal(await diff.locator('del').textContent(), 'UX test clinic');
  assert.equal(await diff.locator('ins').textContent(), 'UX test clinic (renamed)');
  assert.equal(await row.locator('pre').count(), 0);
  assert.match(await row.locator('td').nth(1).textContent(), /^\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}$/);
  await shot(page, 'audit-diff-1440');
});

await check('a read or a new record in the audit log lists only the fields it set, not every empty one', page, async () => {
  await page.getByLabel('Action contains').fill('read.');
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await settled(page);
  await page.locator('.diff-table').first().waitFor({ timeout: WAIT });
  assert.ok(await page.locator('.diff-table ins').count() > 0);
  assert.equal(await page.locator('.diff-table ins', { hasText: /^\(empty\)$/ }).count(), 0);
});

await check('Directory: deleting asks once more, then removes the site', page, async () => {
  await go(page, '#/directory/sites');
  const row = page.locator(`tr[data-key="${SITE}"]`);
  await row.getByRole('button', { name: `Delete ${SITE}` }).click();
  assert.equal(sql(`SELECT COUNT(*) FROM sites WHERE site_code = '${SITE}'`), '1');
  await row.getByRole('button', { name: `Yes, delete ${SITE}` }).click();
  await page.locator('.flash', { hasText: `Deleted` }).waitFor({ timeout: WAIT });
  assert.equal(sql(`SELECT COUNT(*) FROM sites WHERE site_code = '${SITE}'`), '0');
});

await check('Directory: a unit with no beds, then a bad commissioner, is refused beside that field', page, async () => {
  await go(page, '#/directory/units');
  await page.getByRole('button', { name: 'Add to bed units' }).click();
  const form = page.getByRole('form', { name: 'Add to units' });
  await form.getByLabel('Unit code').fill('U-UX-TEST');
  await form.getByLabel('Name').fill('UX ward');
  await form.getByLabel('Site code').fill(sql('SELECT site_code FROM units ORDER BY unit_code LIMIT 1'));
  await form.getByLabel('Beds').fill('0');
  await form.getByLabel('Commissioned by (ONS codes)').fill('E09000005');
  await form.getByRole('button', { name: 'Add' }).click();
  const beds = form.locator('.field:has([name="beds"]) .field-error');
  await beds.waitFor({ timeout: WAIT });
  assert.equal(await beds.textContent(), 'Beds: a unit needs at least one bed');
  await form.getByLabel('Beds').fill('12');
  await form.getByLabel('Name').fill('');
  await form.getByRole('button', { name: 'Add' }).click();
  const nameErr = form.locator('.field:has([name="name"]) .field-error');
  await nameErr.waitFor({ timeout: WAIT });
  assert.equal(await nameErr.textContent(), 'Name is required');
  assert.equal(await beds.count(), 0);
  await form.getByLabel('Name').fill('UX ward');
  await form.getByLabel('Commissioned by (ONS codes)').fill('E09000005, E0900');
  await form.getByRole('button', { name: 'Add' }).click();
  const err = form.locator('.field:has([name="commissioned_by"]) .field-error');
  await err.waitFor({ timeout: WAIT });
  assert.match(await err.textContent(), /^Commissioned by \(ONS codes\): ONS code 'E0900' must be a letter and eight digits/);
  assert.equal(sql("SELECT COUNT(*) FROM units WHERE unit_code = 'U-UX-TEST'"), '0');
});

await check('no script errors in the browser console', null, async () => {
  assert.deepEqual(pageErrors, [], `errors: ${pageErrors.join(' | ')}`);
});

await done();
