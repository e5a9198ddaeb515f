// analytics.js - the Analytics view: the funnel plot of standardised rates
// by borough (Spiegelhalter 2005: 95% and 99.8% control limits around the
// ICS rate) with its table of rates and confidence intervals; needs-based
// (weighted capitation) target shares against current spend with a pace
// of change; and the bed review simulation (pooled against borough-
// restricted beds), with a form to run a new one; and the urgent community
// response two-hour standard by borough.

import { get, post, qs } from '../api.js';
import { busy, chart, clear, dayText, download, errorBox, estimate, exportBar, field, fmt, h, interval, loading, money as gbp, note, num, panel, pct, scrollable, select, table, tableCsv, when } from '../ui.js';

const SIM = ['admin', 'coordinator', 'analyst'];
const ALLOC_RUN = ['admin', 'analyst'];
const FLAG_COLOUR = { 'high-99.8': '#d5281b', 'high-95': '#ed8b00', within: '#005eb8', 'low-95': '#41b6e6', 'low-99.8': '#007f3b' };
// Allocation figures come in £ thousands; shown in £ millions.
const money = (v) => (v === null || v === undefined ? '—' : gbp(v / 1000, 1));
// A simulated measure with its 95% interval, as a share or in days.
const ci = (s, d = 1) => (s ? estimate(s.mean, s.lo, s.hi, d) : '—');
const ciPct = (s) => (s ? `${pct(s.mean)} (95% CI ${pct(s.lo)} to ${pct(s.hi)})` : '—');

// One series per funnel flag, so the legend's colours are the points'
// colours; each point named on hover and, with labels on, beside it.
const FLAGS = [['high-99.8', 'above the 99.8% limit'], ['high-95', 'above the 95% limit'], ['within', 'within the limits'],
  ['low-95', 'below the 95% limit'], ['low-99.8', 'below the 99.8% limit']];
const pointNames = {
  id: 'pointNames',
  afterDatasetsDraw(c, args, opts) {
    if (!opts.show) return;
    const g = c.ctx;
    g.save();
    g.font = '11px "DejaVu Sans", Arial, sans-serif';
    g.fillStyle = '#212b32';
    g.textBaseline = 'middle';
    // Left to right; a name that would overlap a point or a name already
    // placed moves up or down a line (the first free place), so close points
    // stay readable. Boxes: x0..x1 and y +/- half (a name's line is 12 px).
    const pts = [];
    c.data.datasets.forEach((d, i) => {
      if (!d.flag || c.getDatasetMeta(i).hidden) return;
      c.getDatasetMeta(i).data.forEach((el, k) => { if (d.data[k]?.name) pts.push({ el, name: d.data[k].name }); });
    });
    pts.sort((a, b) => a.el.x - b.el.x);
    const placed = pts.map(({ el }) => ({ x0: el.x - 7, x1: el.x + 7, y: el.y, half: 7 }));
    for (const { el, name } of pts) {
      const w = g.measureText(name).width;
      const right = el.x + 9 + w > c.chartArea.right;
      const x0 = right ? el.x - 9 - w : el.x + 9;
      const dy = [0, -13, 13, -26, 26, -39, 39].find((o) => !placed.some((p) =>
        x0 < p.x1 && x0 + w > p.x0 && Math.abs(el.y + o - p.y) < 6 + p.half)) ?? 0;
      placed.push({ x0, x1: x0 + w, y: el.y + dy, half: 6, name });
      g.textAlign = 'left';
      g.fillText(name, x0, el.y + dy);
    }
    c.$nameBoxes = placed.slice(pts.length); // where each name went (the browser tests read it)
    g.restore();
  },
};

function funnelChart(f, label, xlabel, labelled) {
  const line = (pts, text, colour, dash) => ({ type: 'line', label: text, data: pts.map(([x, y]) => ({ x, y })), borderColor: colour,
    backgroundColor: colour, borderDash: dash, borderWidth: 1.5, pointRadius: 0, fill: false, tension: 0, pointStyle: 'line' });
  const ys = f.points.map((p) => p.value);
  const span = Math.max(...ys.map((y) => Math.abs(y - f.baseline))) * 1.8 || f.baseline * 0.2;
  const series = FLAGS.map(([flag, words]) => ({ flag, label: `${words}`, data: f.points.filter((p) => p.flag === flag)
    .map((p) => ({ x: p.x, y: p.value, name: p.name, flag: p.flag })), backgroundColor: FLAG_COLOUR[flag],
  borderColor: '#212b32', borderWidth: 1, pointRadius: 6, pointHoverRadius: 8, pointStyle: 'circle' })).filter((d) => d.data.length);
  return chart({
    type: 'scatter',
    data: { datasets: [
      ...series,
      line([[f.xmin, f.baseline], [f.xmax, f.baseline]], 'ICS rate', '#212b32', []),
      line(f.limits.upper95, '95% limits', '#ed8b00', [6, 4]),
      line(f.limits.lower95, '95% lower', '#ed8b00', [6, 4]),
      line(f.limits.upper998, '99.8% limits', '#d5281b', [2, 3]),
      line(f.limits.lower998, '99.8% lower', '#d5281b', [2, 3]),
    ] },
    plugins: [pointNames],
    options: {
      scales: { x: { type: 'linear', title: { display: true, text: xlabel }, min: 0, max: f.xmax },
        y: { title: { display: true, text: label.replace(/^Funnel plot of /, '') }, min: f.baseline - span, max: f.baseline + span } },
      plugins: {
        pointNames: { show: labelled },
        legend: { labels: { usePointStyle: true, filter: (i) => !/lower/.test(i.text) } },
        tooltip: { callbacks: { label: (c) => (c.raw.name ? `${c.raw.name}: ${num(c.raw.y, 1)}, ${FLAGS.find(([k]) => k === c.raw.flag)?.[1] || c.raw.flag} (x ${num(c.raw.x)})` : `${num(c.raw.y, 1)}`) } },
      },
    },
  }, { label, class: 'funnel' });
}

function funnelPanel(ctx) {
  const stat = select('statistic', [['dsr', 'directly standardised rate'], ['isr', 'indirectly standardised ratio'], ['crude', 'crude rate']], ctx.stat || 'dsr');
  const dataset = select('dataset', [['nel_synthetic', 'nel_synthetic']], 'nel_synthetic');
  const names = h('input', { type: 'checkbox', name: 'labels', checked: ctx.query?.get('labels') !== 'off' });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  names.addEventListener('change', () => { ctx.setQuery?.({ labels: names.checked ? '' : 'off' }); load(); });
  const load = () => loading(out, async () => {
    ctx.stat = stat.value;
    const q = qs({ dataset: dataset.value, statistic: stat.value });
    const [fun, rates] = await Promise.all([get(`/api/v1/analytics/funnel${q}`), get(`/api/v1/analytics/rates${q}`)]);
    const ds = fun.dataset || {};
    return [
      ds.synthetic ? note(`Synthetic: ${ds.description}`, 'notice') : note(ds.description || ''),
      funnelChart(fun.funnel, `Funnel plot of ${rates.label}`,
        stat.value === 'isr' ? 'expected admissions (ICS rates applied to the borough)' : 'population at risk (person-years)', names.checked),
      note('Points outside the dashed (95%) lines are worth a look; outside the dotted (99.8%) lines, the variation is unlikely to be chance.'),
      table([
        { key: 'name', label: 'Borough', head: true },
        { key: 'observed', label: 'Events', num: true },
        { key: 'denominator', label: 'Population', num: true, fmt: (v) => fmt(Math.round(v)) },
        { key: 'value', label: rates.label, num: true, fmt: (v) => num(v, 1) },
        { key: (r) => r, label: '95% CI', num: true, fmt: (r) => interval(r.lower95, r.upper95, 1) },
        { key: (r) => r, label: '99.8% CI', num: true, fmt: (r) => interval(r.lower998, r.upper998, 1) },
        { key: 'method', label: 'Method' },
        { key: 'flag', label: 'Funnel', fmt: (v) => h('span', { class: `pill ${v && v !== 'within' ? 'closed' : ''}` }, v || '—') },
      ], [...rates.items, { ...rates.total, flag: '' }], { caption: `${rates.label}, ${ds.period || ''}`, class: 'rates',
        rowAttrs: (r) => ({ class: r.flag && r.flag.startsWith('high') ? 'flag-high' : r.flag && r.flag.startsWith('low') ? 'flag-low' : undefined }) }),
    ];
  }, 'Computing rates…');
  const form = h('form', { 'aria-label': 'Choose the rates', onsubmit: (e) => { e.preventDefault(); load(); } },
    h('div', { class: 'fields' }, field('Dataset', dataset), field('Statistic', stat),
      h('div', { class: 'field check' }, h('label', {}, names, ' Name every point')),
      h('div', { class: 'field' }, h('button', { type: 'submit', class: 'secondary' }, 'Show'))));
  get('/api/v1/analytics/datasets').then((d) => {
    clear(dataset, d.items.map((x) => h('option', { value: x.dataset }, `${x.dataset}${x.synthetic ? ' (synthetic)' : ''}`)));
  }).catch(() => {});
  load();
  return panel('Variation: funnel plot of standardised rates', form, out);
}

function allocationPanel(ctx) {
  const years = h('input', { type: 'number', name: 'years', min: 0, max: 20, value: 5 });
  const pace = h('input', { type: 'number', name: 'pace', min: 0, max: 1, step: 0.05, value: 0.25 });
  const floor = h('input', { type: 'number', name: 'floor', step: 0.005, value: 0.01 });
  const cap = h('input', { type: 'number', name: 'cap', step: 0.005, value: 0.06 });
  const growth = h('input', { type: 'number', name: 'growth', step: 0.005, value: 0.03 });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const params = () => ({ years: years.value, pace: pace.value, floor: floor.value, cap: cap.value, growth: growth.value });
  const load = () => loading(out, async () => {
    const a = await get(`/api/v1/analytics/allocation${qs(params())}`);
    const last = a.years;
    const saveOut = h('div', { class: 'out' });
    const save = ALLOC_RUN.includes(ctx.me.role) ? h('button', { type: 'button', class: 'secondary', onclick: async (e) => {
      const p = params();
      const body = { years: Number(p.years), pace: Number(p.pace), floor: Number(p.floor), cap: Number(p.cap), growth: Number(p.growth), label: 'from the dashboard' };
      const r = await busy(e.target, saveOut, () => post('/api/v1/analytics/allocation/runs', body));
      if (r) clear(saveOut, h('div', { class: 'success', role: 'status' }, `Saved as allocation run ${r.id ?? ''}.`));
    } }, 'Save this allocation run') : null;
    return [
      chart({
        type: 'bar',
        data: { labels: a.places.map((p) => p.name), datasets: [
          { label: 'current share', data: a.places.map((p) => (100 * p.current) / a.total_current), backgroundColor: '#aeb7bd' },
          { label: 'needs-based target share', data: a.places.map((p) => 100 * p.target_share), backgroundColor: '#005eb8' },
          { label: `share in year ${last}`, data: a.places.map((p) => (100 * p.path[p.path.length - 1].allocation) / a.budget[a.budget.length - 1]), backgroundColor: '#41b6e6' },
        ] },
        options: { scales: { y: { title: { display: true, text: '% of the budget' } } } },
      }, { label: 'Current spend against needs-based target share', class: 'short' }),
      table([
        { key: 'name', label: 'Borough', head: true },
        { key: 'population', label: 'Population', num: true },
        { key: 'need_index', label: 'Need index', num: true, fmt: (v) => fmt(v, 3) },
        { key: 'current', label: 'Current', num: true, fmt: money },
        { key: 'target', label: 'Target', num: true, fmt: money },
        { key: 'distance', label: 'Distance from target', num: true, fmt: (v) => pct(v) },
        { key: (p) => p.path[p.path.length - 1], label: `Year ${last}`, num: true, fmt: (y) => `${money(y.allocation)} (${pct(y.distance)})` },
      ], a.places, { caption: `Budget ${money(a.budget[0])} growing ${pct(a.scenario.budget_growth)} a year; pace ${pct(a.scenario.pace, 0)} of the gap a year, growth between ${pct(a.scenario.floor)} and ${pct(a.scenario.cap)}` }),
      note('Weighted capitation: population weighted by age-sex cost and deprivation need; distance from target = (current - target) / target. Weights and spend are illustrative (synthetic).'),
      save, saveOut];
  }, 'Computing allocation…');
  const form = h('form', { 'aria-label': 'Allocation scenario', onsubmit: (e) => { e.preventDefault(); load(); } },
    h('div', { class: 'fields' }, field('Years', years), field('Pace (share of gap closed a year)', pace), field('Floor growth', floor),
      field('Cap growth', cap), field('Budget growth', growth), h('div', { class: 'field' }, h('button', { type: 'submit', class: 'secondary' }, 'Recalculate'))));
  load();
  return panel('Needs-based allocation against current spend', form, out);
}

function ucrPanel() {
  const out = h('div');
  loading(out, async () => {
    const r = await get('/api/v1/reports/ucr');
    const rows = [...r.places, { ...r.ics, name: 'ICS' }];
    return [
      note(`Urgent community response: ${r.measure}. Ambition ${pct(r.ambition, 0)} within ${r.standard_minutes} minutes; ${dayText(r.from.slice(0, 10))} to ${dayText(r.to.slice(0, 10))}.`),
      chart({
        type: 'bar',
        data: { labels: rows.map((x) => x.name), datasets: [
          { label: `share within ${r.standard_minutes} min`, data: rows.map((x) => 100 * x.share), backgroundColor: rows.map((x) => (x.meets_ambition ? '#005eb8' : '#d5281b')) },
          { label: 'ambition', type: 'line', data: rows.map(() => 100 * r.ambition), borderColor: '#212b32', borderDash: [4, 4], pointRadius: 0 },
        ] },
        options: { scales: { y: { min: 0, max: 100, title: { display: true, text: '%' } } } },
      }, { class: 'short', label: 'UCR two-hour standard by borough' }),
      table([
        { key: 'name', label: 'Borough', head: true }, { key: 'referrals', label: 'Referrals', num: true },
        { key: 'attended', label: 'Attended', num: true }, { key: 'share', label: 'Within standard', num: true, fmt: (v) => pct(v) },
        { key: 'ci95', label: '95% CI (Wilson)', num: true, fmt: (v) => (v ? `${pct(v[0])} to ${pct(v[1])}` : '—') },
        { key: 'median_minutes', label: 'Median minutes', num: true },
        { key: 'meets_ambition', label: 'Meets ambition', fmt: (v) => (v ? 'yes' : h('span', { class: 'pill closed' }, 'no')) },
      ], rows, { caption: 'Two-hour urgent community response' })];
  });
  return panel('Urgent community response: 2-hour standard', out);
}

// The review's headline says the assumption it rests on and counts the
// real beds and units of the directory it was run on.
function reviewHeadline(run, unitNames) {
  const r = run.result;
  const pooled = r.policies.pooled || Object.values(r.policies)[0] || {};
  const units = pooled.units || [];
  const type = run.scenario?.bed_type || r.bed_type;
  const assumption = type ? `counting ${type.replace(/_/g, ' ')} beds only` : 'all bed types interchangeable';
  const saves = r.pooling_saves_beds;
  const what = `the ${num(pooled.beds)} beds of ${units.length} units${units.length && units.length <= 4 ? ` (${units.map((u) => unitNames[u.code] || u.code).join(', ')})` : ''}`;
  const text = saves === undefined || saves === null
    ? `Assuming ${assumption}: ${what} under each policy below.`
    : saves > 0 ? `Assuming ${assumption}, pooling ${what} across the ICS does the same job with ${num(saves)} fewer beds.`
      : `Assuming ${assumption}, pooling ${what} across the ICS saves no beds.`;
  return h('p', { class: saves > 0 ? 'success headline' : 'notice headline', id: 'review-headline' }, text);
}

// ---- harmonisation: how far the boroughs' rapid-response services differ ----
const DAYS = [['Mon', 'Monday'], ['Tue', 'Tuesday'], ['Wed', 'Wednesday'], ['Thu', 'Thursday'], ['Fri', 'Friday'],
  ['Sat', 'Saturday'], ['Sun', 'Sunday'], ['BH', 'a bank holiday']];
// "Mon 00:00-08:00, Tue 00:00-08:00, ... Sun 00:00-08:00" -> "every day 00:00-08:00"
function gapWords(gaps) {
  const by = new Map();
  for (const g of gaps) {
    const [d, span] = g.split(' ');
    if (!by.has(span)) by.set(span, []);
    by.get(span).push(d);
  }
  return [...by.entries()].map(([span, ds]) => {
    const week = DAYS.slice(0, 7).every(([d]) => ds.includes(d));
    const rest = ds.filter((d) => !week || d === 'BH');
    return `${week ? 'every day' : ''}${week && rest.length ? ' and ' : ''}${rest.map((d) => (d === 'BH' ? 'bank holidays' : d)).join(', ')} ${span}`;
  });
}

function harmonisationPanel(ctx) {
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const cap = select('capability', [], ctx.query?.get('capability') || 'falls');
  const day = select('day', DAYS.map(([d, w]) => [d, w]), ctx.query?.get('day') || 'Mon');
  let report = null;
  const draw = () => {
    ctx.setQuery?.({ capability: cap.value === 'falls' ? '' : cap.value, day: day.value === 'Mon' ? '' : day.value });
    const c = report.capabilities.find((x) => x.capability === cap.value) || report.capabilities[0];
    if (!c) return note('No rapid-response service is in the directory.');
    const hours = [...Array(24).keys()];
    const most = Math.max(1, ...c.places.flatMap((p) => [...(p.cover[day.value] || '')].map(Number)));
    const cover = h('table', { class: 'grid cover' },
      h('caption', {}, `Services open for ${c.capability.replace(/_/g, ' ')} on ${DAYS.find(([d]) => d === day.value)[1]}, by hour (London time)`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Borough'), hours.map((x) => h('th', { scope: 'col', class: 'num' }, String(x).padStart(2, '0'))))),
      h('tbody', {}, c.places.map((p) => h('tr', { dataset: { place: p.place_code } }, h('th', { scope: 'row' }, p.name),
        hours.map((x) => {
          const n = Number((p.cover[day.value] || '')[x] || 0);
          return h('td', { class: `num cover-${n ? Math.min(3, Math.ceil((3 * n) / most)) : 0}`, title: `${p.name} ${String(x).padStart(2, '0')}:00: ${n} open` }, n ? String(n) : '·');
        })))));
    const grid = h('div', { class: 'table-box' }, scrollable(h('div', { class: 'table-wrap' }, cover), () => cover.caption.textContent),
      exportBar(() => cover.caption.textContent, [['CSV', (n) => download(`${n.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.csv`, 'text/csv;charset=utf-8', tableCsv(cover))]]));
    return [
      table([
        { key: 'name', label: 'Borough', head: true },
        { key: 'services', label: 'Services', fmt: (v) => (v || []).join(', ') || 'none' },
        { key: 'week_hours', label: 'Hours open a week', num: true, fmt: (v) => `${num(v)} of 168` },
        { key: 'bank_holiday_hours', label: 'Bank holiday hours', num: true, fmt: (v) => `${num(v)} of 24` },
        { key: 'gaps', label: 'No service', fmt: (v) => ((v || []).length ? h('ul', { class: 'reasons' }, gapWords(v).map((g) => h('li', {}, g))) : 'open around the clock') },
      ], c.places, { caption: `Cover for ${c.capability.replace(/_/g, ' ')} by borough`, class: 'harm', rowAttrs: (p) => ({ 'data-place': p.place_code }) }),
      grid,
      note('A number is how many services take this need in that hour; · is none.'),
      table([
        { key: 'name', label: 'Borough', head: true }, { key: 'service_id', label: 'Service' }, { key: 'field', label: 'What differs' },
        { key: 'value', label: 'This borough' }, { key: 'most_common', label: 'Most boroughs' },
      ], report.differences, { caption: `${report.differences.length} ways the boroughs' specifications still differ`, class: 'harm-diff' }),
      note(`Hours: ${report.hours}.`)];
  };
  loading(out, async () => {
    report = await get('/api/v1/reports/harmonisation');
    const want = cap.value;
    clear(cap, report.capabilities.map((c) => h('option', { value: c.capability }, c.capability.replace(/_/g, ' '))));
    if (report.capabilities.some((c) => c.capability === want)) cap.value = want;
    return draw();
  }, 'Comparing the boroughs…');
  cap.addEventListener('change', () => clear(out, draw()));
  day.addEventListener('change', () => clear(out, draw()));
  const p = panel('Harmonisation of rapid-response services', h('div', { class: 'fields' }, field('Need', cap), field('Day', day)), out);
  p.id = 'harmonisation';
  return p;
}

function simResult(run, unitNames = {}) {
  const r = run.result;
  const pol = Object.entries(r.policies);
  const row = (label, key, f = ci) => ({ label, ...Object.fromEntries(pol.map(([k, v]) => [k, f(v[key])])) });
  const rows = [
    row('Beds', 'beds', (v) => fmt(v)), row('Offered load (beds busy)', 'offered_load', (v) => fmt(v)),
    row('Occupancy', 'occupancy', ciPct), row('Mean wait (days)', 'mean_wait'), row('Share who wait', 'p_wait', ciPct),
    row(`Share waiting over ${r.target.wait_days} days`, 'p_over_target', ciPct), row('95th percentile wait (days)', 'wait_p95'),
    row('Mean queue (patients)', 'mean_queue'), row('Target met', 'target_met', (v) => (v ? 'yes' : 'no')),
  ];
  const units = pol[0][1].units || [];
  return [
    reviewHeadline(run, unitNames),
    h('p', {}, `${r.scenario}: ${r.replications} replications of ${r.run_days} days after ${r.warmup_days} days warm-up, seed ${r.seed}. `,
      `Target: no more than ${pct(r.target.probability, 0)} wait over ${r.target.wait_days} days.`),
    table([{ key: 'label', label: 'Measure (mean and 95% CI)', head: true }, ...pol.map(([k]) => ({ key: k, label: k === 'pooled' ? 'Pooled (ICS-wide)' : k === 'borough' ? 'Borough-restricted' : k, num: true }))],
      rows, { caption: 'Policies compared', class: 'sim' }),
    r.erlang_check ? note(`Check: ${r.erlang_check.arrivals_per_day.toFixed(2)} referrals a day, mean stay ${r.erlang_check.mean_los.toFixed(1)} days; Erlang C says ${r.erlang_check.pooled_mmc_beds} pooled beds (${r.erlang_check.note}).`) : null,
    units.length ? chart({
      type: 'bar',
      data: { labels: units.map((u) => unitNames[u.code] || u.code), datasets: pol.map(([k, v], i) => ({ label: k, data: (v.units || []).map((u) => 100 * u.occupancy.mean), backgroundColor: i ? '#41b6e6' : '#005eb8' })) },
      options: { scales: { y: { min: 0, max: 100, title: { display: true, text: 'occupancy %' } } } },
    }, { label: 'Unit occupancy by policy', class: 'short' }) : null,
    (r.notes || []).length ? h('ul', { class: 'reasons' }, r.notes.map((n) => h('li', {}, n))) : null,
  ];
}

function simPanel(ctx) {
  const pick = select('sim_run', [], '');
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const show = () => loading(out, async () => {
    const [run, units] = await Promise.all([get(`/api/v1/sim/runs/${pick.value}`), get('/api/v1/units?limit=1000').catch(() => ({ items: [] }))]);
    return simResult(run, Object.fromEntries((units.items || []).map((u) => [u.unit_code, u.name])));
  }, 'Loading the review…');
  const refresh = async (select) => {
    const runs = (await get('/api/v1/sim/runs?limit=50')).items;
    clear(pick, runs.map((r) => h('option', { value: r.id }, `run ${r.id}: ${when(r.created_at)} by ${r.created_by}, ${r.replications} reps${r.synthetic ? ' (synthetic)' : ''}`)));
    if (select) pick.value = String(select);
    if (runs.length) show(); else clear(out, note('No bed review has been run yet.'));
  };
  pick.addEventListener('change', show);
  const reps = h('input', { type: 'number', name: 'replications', min: 1, max: 200, value: 8 });
  const days = h('input', { type: 'number', name: 'run_days', min: 30, max: 3650, value: 365 });
  const seed = h('input', { type: 'number', name: 'seed', min: 0, value: 2026 });
  const runOut = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Run a bed review');
  const form = h('form', { 'aria-label': 'Run a bed review' },
    note('Fits demand and stays from the bed bureau\'s last year and simulates pooled and borough-restricted beds.'),
    h('div', { class: 'fields' }, field('Replications', reps), field('Days simulated', days), field('Seed', seed)),
    h('div', { class: 'actions' }, btn), runOut);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(runOut, h('p', { class: 'loading' }, 'Simulating…'));
    const r = await busy(btn, runOut, () => post('/api/v1/sim/runs', { replications: Number(reps.value), run_days: Number(days.value), seed: Number(seed.value) }));
    if (!r) return;
    clear(runOut, h('div', { class: 'success', role: 'status' }, `Bed review run ${r.id} stored.`));
    refresh(r.id);
  });
  refresh().catch((err) => clear(out, errorBox(err)));
  return panel('Bed review simulation', h('div', { class: 'fields' }, field('Review', pick)), out, h('h3', {}, 'New review'), form);
}

export default {
  id: 'analytics',
  title: 'Analytics',
  roles: ['admin', 'analyst', 'coordinator', 'trust_ops'],
  async render(root, ctx) {
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Analytics'),
      note('Population variation, resources following need, and capacity planning.')),
    funnelPanel(ctx), allocationPanel(ctx), SIM.includes(ctx.me.role) ? ucrPanel() : null, SIM.includes(ctx.me.role) ? harmonisationPanel(ctx) : null,
    SIM.includes(ctx.me.role) ? simPanel(ctx) : null);
    // Deep link: #/analytics/harmonisation scrolls to that report, and again
    // once the panels above it have drawn (they push it down as they load).
    if (ctx.args?.[0] === 'harmonisation') {
      const to = () => root.querySelector('#harmonisation')?.scrollIntoView({ block: 'start' });
      to();
      const t0 = Date.now();
      const wait = setInterval(() => {
        if (!root.isConnected || Date.now() - t0 > 15000) clearInterval(wait);
        else if (!root.querySelector('.loading, [aria-busy="true"]')) { clearInterval(wait); to(); }
      }, 100);
    }
  },
};
