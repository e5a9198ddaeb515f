// waitlist.js - the Waiting list view: equity of waits on the joint
// patient tracking list by trust, borough and deprivation quintile (median,
// 92nd percentile, share within 18 weeks, over 52 weeks), before and after
// an allocation run to the surgical hubs; running an allocation; and the
// longest waiters for operations staff. The RTT measures follow the
// national definitions in STANDARDS.md.

import { get, post, qs } from '../api.js';
import { busy, chart, clear, dateInput, field, fmt, h, loading, note, panel, select, table, today } from '../ui.js';

const RUNNERS = ['admin', 'coordinator'];
const EQUITY = ['admin', 'coordinator', 'analyst'];
const METRICS = [['median_weeks', 'median weeks waited'], ['p92_weeks', '92nd percentile weeks'],
  ['pct_under_18', '% within 18 weeks'], ['over_52', 'patients over 52 weeks'], ['count', 'patients waiting']];
const BY = [['trust', 'By trust'], ['place', 'By borough'], ['imd', 'By deprivation (IMD quintile)']];

function equityBlock(eq, metric, label) {
  const rows = eq.before.filter((r) => r.group !== 'all');
  const after = Object.fromEntries((eq.after || []).map((r) => [r.group, r]));
  const all = eq.before.find((r) => r.group === 'all');
  const sets = [{ label: eq.run ? 'before the run' : 'now', data: rows.map((r) => r[metric]), backgroundColor: '#aeb7bd' }];
  if (eq.run) sets.push({ label: `after run ${eq.run}`, data: rows.map((r) => after[r.group]?.[metric] ?? null), backgroundColor: '#005eb8' });
  const name = (r) => (eq.by === 'trust' ? r.group : r.name);
  return [chart({
    type: 'bar',
    data: { labels: rows.map(name), datasets: sets },
    options: { plugins: { title: { display: true, text: `${label}: ${METRICS.find((m) => m[0] === metric)[1]}${all ? ` (ICS ${fmt(all[metric])})` : ''}` } } },
  }, { class: 'short', label: `${label} ${metric}` }),
  table([
    { key: 'name', label: 'Group', head: true },
    { key: 'count', label: 'Waiting', num: true },
    { key: 'median_weeks', label: 'Median wks', num: true, fmt: (v, r) => pair(v, after[r.group]?.median_weeks, eq.run) },
    { key: 'p92_weeks', label: '92nd pct wks', num: true, fmt: (v, r) => pair(v, after[r.group]?.p92_weeks, eq.run) },
    { key: 'pct_under_18', label: '% < 18 wks', num: true, fmt: (v, r) => pair(v, after[r.group]?.pct_under_18, eq.run) },
    { key: 'over_52', label: '> 52 wks', num: true, fmt: (v, r) => pair(v, after[r.group]?.over_52, eq.run) },
  ], eq.before, { caption: label, rowAttrs: (r) => ({ 'data-group': r.group }) })];
}
const pair = (a, b, run) => (run && b !== undefined ? `${fmt(a)} → ${fmt(b)}` : fmt(a));

function runSummary(r) {
  return h('div', { class: 'summary run-summary' },
    [['Run', r.id], ['Patients', r.patients], ['Sessions', r.sessions], ['Slots', r.slots], ['Assigned', r.assigned],
      ['Urgent on time', `${r.urgent_on_time} of ${r.urgent}`], ['Computed in', `${r.elapsed_ms} ms`]].map(([k, v]) => h('span', { class: 'stat' }, k, h('b', {}, fmt(v)))),
    note(`As of ${r.as_of}, by ${r.created_by}, ${r.synthetic ? 'on synthetic data, ' : ''}fingerprint ${String(r.fingerprint).slice(0, 12)}…`));
}

// What the allocation form last asked and was answered: a run redraws the
// view, and the new form keeps the values and the answer.
let asked = null, answered = null;

function showRun(out, r) {
  clear(out, h('div', { class: 'success', role: 'status' }, `Run ${r.id}: ${r.assigned} of ${r.patients} patients given a slot.`),
    r.limits ? h('p', { class: 'notice', id: 'run-limits' }, `Horizon and travel limit on this data: ${r.limits.note}.`) : null);
}

function runForm(ctx, onRun) {
  const asOf = dateInput('as_of', asked ? asked.as_of : today());
  const horizon = h('input', { type: 'number', name: 'horizon_days', min: 7, max: 365, value: asked ? asked.horizon_days : 56 });
  const maxKm = h('input', { type: 'number', name: 'default_max_km', min: 1, max: 200, value: asked ? asked.default_max_km : 25 });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Run allocation');
  const form = h('form', { 'aria-label': 'Run an allocation' },
    note('Allocates waiting patients to the hub and trust sessions of the coming weeks by clinical priority and wait, within each patient\'s travel limit (an exact min-cost flow).'),
    h('div', { class: 'fields' }, field('As of', asOf), field('Horizon (days)', horizon), field('Default travel limit (km)', maxKm)),
    h('div', { class: 'actions' }, btn), out);
  if (answered) showRun(out, answered);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    asked = { as_of: asOf.value, horizon_days: Number(horizon.value), default_max_km: Number(maxKm.value) };
    answered = null;
    clear(out, h('p', { class: 'loading' }, 'Allocating…'));
    const r = await busy(btn, out, () => post('/api/v1/waitlist/runs', asked));
    if (!r) return;
    answered = r;
    showRun(out, r);
    ctx.flash(`Allocation run ${r.id} stored.`);
    onRun(r.id);
  });
  return panel('Run an allocation', form);
}

function longestPanel(ctx) {
  const trust = h('input', { name: 'trust', value: ctx.me.role === 'trust_ops' ? (ctx.me.org || '').slice(0, 3) : '', placeholder: 'e.g. R1K', autocomplete: 'off' });
  const prio = select('priority', [['', 'any'], 'P1', 'P2', 'P3', 'P4'], '');
  const out = h('div');
  const load = () => loading(out, async () => {
    const r = await get(`/api/v1/waitlist/entries${qs({ trust: trust.value.trim().toUpperCase(), priority: prio.value.replace('P', ''), limit: 20 })}`);
    return table([
      { key: 'pathway_id', label: 'Pathway', head: true }, { key: 'trust', label: 'Trust' },
      { key: 'procedure', label: 'Procedure' }, { key: 'tfc', label: 'Specialty (TFC)' },
      { key: 'priority', label: 'Priority', fmt: (v) => `P${v}` }, { key: 'clock_start', label: 'Clock start' },
      { key: 'weeks_waited', label: 'Weeks', num: true }, { key: 'due_date', label: 'Due by priority' },
    ], r.items, { caption: `${fmt(r.total)} patients waiting as of ${r.as_of}; longest waits first` });
  });
  const form = h('form', { 'aria-label': 'Filter the waiting list', onsubmit: (e) => { e.preventDefault(); load(); } },
    h('div', { class: 'fields' }, field('Trust (ODS)', trust), field('Priority', prio), h('div', { class: 'field' }, h('button', { type: 'submit', class: 'secondary' }, 'Show'))));
  load();
  return panel('Patients waiting longest', form, out);
}

export default {
  id: 'waitlist',
  title: 'Waiting list',
  roles: ['admin', 'coordinator', 'analyst', 'trust_ops'],
  live: ['waitlist.allocated', 'waitlist.imported'],
  async render(root, ctx) {
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Joint waiting list'),
      note('One patient tracking list across the four acute trusts; waits by referral-to-treatment (RTT) clock.')));
    // Deep links: #/waitlist/runs/3 compares with run 3; ?metric= keeps the measure.
    if (ctx.args?.[0] === 'runs' && /^\d+$/.test(ctx.args[1] || '')) ctx.run = ctx.args[1];
    if (ctx.query?.has('metric')) ctx.metric = ctx.query.get('metric');
    if (EQUITY.includes(ctx.me.role)) {
      const runs = (await get('/api/v1/waitlist/runs?limit=20')).items;
      const older = ctx.run && !runs.some((r) => String(r.id) === String(ctx.run)) ? [[ctx.run, `run ${ctx.run}`]] : [];
      const run = select('run', [['', 'no run: the list now'], ...older, ...runs.map((r) => [r.id, `run ${r.id} (${r.as_of}, ${r.assigned} assigned)`])], ctx.run ?? runs[0]?.id ?? '');
      const metric = select('metric', METRICS, ctx.metric || 'median_weeks');
      const out = h('div', { class: 'equity', 'aria-live': 'polite' });
      const draw = () => loading(out, async () => {
        ctx.run = run.value;
        ctx.metric = metric.value;
        ctx.setArgs?.(run.value ? ['runs', run.value] : []);
        ctx.setQuery?.({ metric: metric.value === 'median_weeks' ? '' : metric.value });
        const eqs = await Promise.all(BY.map(([by]) => get(`/api/v1/waitlist/equity${qs({ by, run: run.value })}`)));
        const r = run.value ? runs.find((x) => String(x.id) === run.value) || await get(`/api/v1/waitlist/runs/${run.value}`) : null;
        return [r ? runSummary(r) : null, eqs[0].synthetic ? note('Synthetic waiting list: generated for demonstration.', 'notice') : null,
          eqs.map((eq, i) => h('div', { class: 'equity-row', dataset: { by: BY[i][0] } }, equityBlock(eq, metric.value, BY[i][1])))];
      }, 'Computing equity…');
      run.addEventListener('change', draw);
      metric.addEventListener('change', draw);
      root.append(panel('Equity of waits', h('div', { class: 'fields' }, field('Compare with', run), field('Measure', metric)), out));
      draw();
      if (RUNNERS.includes(ctx.me.role)) root.append(runForm(ctx, (id) => {
        // the new run is the one to compare with (the address named the old one)
        ctx.run = String(id);
        ctx.setArgs?.(['runs', String(id)]);
        this.render(root, ctx);
      }));
    }
    if (['admin', 'coordinator', 'trust_ops'].includes(ctx.me.role)) root.append(longestPanel(ctx));
  },
};
