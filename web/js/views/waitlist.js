// waitlist.js - the Waiting list view: equity of waits on the joint
// patient tracking list by trust, borough and deprivation quintile (median,
// 92nd percentile, share within 18 weeks, over 52 weeks), before and after
// an allocation run to the surgical hubs; running an allocation; a run's
// booking list (who is booked into which hub session, overdue urgent
// patients marked in words, filters in the address, CSV from the server);
// and the longest waiters for operations staff. The RTT measures follow the
// national definitions in STANDARDS.md.

import { get, post, qs } from '../api.js';
import { busy, chart, clear, clearFieldErrors, dateInput, dayText, download, errorBox, exportBar, field, h,
  idText, inFormWords, loading, note, num, panel, pctOf, select, showFieldErrors, table, today } from '../ui.js';

const RUNNERS = ['admin', 'coordinator'];
const EQUITY = ['admin', 'coordinator', 'analyst'];
const METRICS = [['median_weeks', 'median weeks waited'], ['p92_weeks', '92nd percentile weeks'],
  ['pct_under_18', '% within 18 weeks'], ['over_52', 'patients over 52 weeks'], ['count', 'patients waiting']];
const BY = [['trust', 'By trust'], ['place', 'By borough'], ['imd', 'By deprivation (IMD quintile)']];
const BOOKERS = ['admin', 'coordinator', 'trust_ops']; // who may see NHS numbers: the results' roles
// Each measure as people read it: weeks to one decimal, a share in percent,
// counts whole.
const SHOW = { median_weeks: (v) => num(v, 1), p92_weeks: (v) => num(v, 1), pct_under_18: (v) => pctOf(v, 1),
  over_52: (v) => num(v), count: (v) => num(v) };

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
    options: { plugins: { title: { display: true, text: `${label}: ${METRICS.find((m) => m[0] === metric)[1]}${all ? ` (ICS ${SHOW[metric](all[metric])})` : ''}` } } },
  }, { class: 'short', label: `${label} ${metric}` }),
  table([
    { key: 'name', label: 'Group', head: true },
    { key: 'count', label: 'Waiting', num: true, fmt: (v) => num(v) },
    ...['median_weeks', 'p92_weeks', 'pct_under_18', 'over_52'].map((k, i) => ({
      key: k, label: ['Median wks', '92nd pct wks', '% < 18 wks', '> 52 wks'][i], num: true,
      fmt: (v, r) => pair(SHOW[k], v, after[r.group]?.[k], eq.run) })),
  ], eq.before, { caption: label, rowAttrs: (r) => ({ 'data-group': r.group }) })];
}
const pair = (show, a, b, run) => (run && b !== undefined ? `${show(a)} → ${show(b)}` : show(a));

function runSummary(r) {
  const od = r.overdue;
  return h('div', { class: 'summary run-summary' },
    [['Run', idText(r.id)], ['Patients', num(r.patients)], ['Sessions', num(r.sessions)], ['Slots', num(r.slots)],
      ['Assigned', num(r.assigned)], ['Urgent on time', `${num(r.urgent_on_time)} of ${num(r.urgent)}`],
      od ? ['Overdue P2', `${num(od.p2)} (${num(od.p2_booked)} booked)`] : null,
      ['Computed in', `${num(r.elapsed_ms)} ms`]].filter(Boolean)
      .map(([k, v]) => h('span', { class: 'stat', dataset: k === 'Overdue P2' ? { overdue: od.p2 } : undefined }, k, h('b', {}, v))),
    note(`As of ${dayText(r.as_of)}, by ${r.created_by}, ${r.synthetic ? 'on synthetic data, ' : ''}fingerprint ${String(r.fingerprint).slice(0, 12)}…`),
    od ? note(`Overdue: ${od.rule}. P1 overdue: ${num(od.p1)} (${num(od.p1_booked)} booked).`) : null);
}

// What the allocation form last asked and was answered: a run redraws the
// view, and the new form keeps the values and the answer.
let asked = null, answered = null;

function showRun(out, r) {
  clear(out, h('div', { class: 'success', role: 'status' }, `Run ${idText(r.id)}: ${num(r.assigned)} of ${num(r.patients)} patients given a slot.`),
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

// Load into out with a filter form's problems beside its fields (an
// unknown trust code is said beside the trust field, in the form's words).
async function filtered(form, out, fn) {
  clearFieldErrors(form);
  out.setAttribute('aria-busy', 'true');
  clear(out, h('p', { class: 'loading' }, 'Loading…'));
  try {
    clear(out, await fn());
  } catch (err) {
    if (err && err.body) showFieldErrors(form, err);
    clear(out, errorBox(err && err.body ? { ...err, detail: inFormWords(form, err.detail || '') } : err));
  } finally {
    out.removeAttribute('aria-busy');
  }
}

// An urgent patient past the clinically due day: words and a sign, never
// colour alone; the accessible name says it whole.
function overdueMark(r) {
  if (!r.overdue) return null;
  const d = `${num(r.days_overdue)} day${r.days_overdue === 1 ? '' : 's'}`;
  return h('span', { class: 'overdue', role: 'img', 'aria-label': `Overdue P${r.priority}: ${d} past the due date ${dayText(r.due_date)}`,
    title: `Due ${dayText(r.due_date)}` }, `⚠ Overdue ${d}`);
}
const priorityCell = (v, r) => h('span', {}, `P${v}`, r.overdue ? [' ', overdueMark(r)] : null);
// An NHS number as people read it: 3-3-4.
const nhsText = (v) => (/^\d{10}$/.test(v || '') ? `${v.slice(0, 3)} ${v.slice(3, 6)} ${v.slice(6)}` : idText(v));

function longestPanel(ctx) {
  const trust = h('input', { name: 'trust', value: ctx.me.role === 'trust_ops' ? (ctx.me.org || '').slice(0, 3) : '', placeholder: 'e.g. R1K', autocomplete: 'off' });
  const prio = select('priority', [['', 'any'], 'P1', 'P2', 'P3', 'P4'], '');
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const form = h('form', { 'aria-label': 'Filter the waiting list', class: 'longest-form', onsubmit: (e) => { e.preventDefault(); load(); } },
    h('div', { class: 'fields' }, field('Trust (ODS)', trust), field('Priority', prio), h('div', { class: 'field' }, h('button', { type: 'submit', class: 'secondary' }, 'Show'))));
  const load = () => filtered(form, out, async () => {
    const r = await get(`/api/v1/waitlist/entries${qs({ trust: trust.value.trim().toUpperCase(), priority: prio.value.replace('P', ''), limit: 20 })}`);
    return table([
      { key: 'pathway_id', label: 'Pathway', head: true }, { key: 'trust', label: 'Trust' },
      { key: 'procedure', label: 'Procedure' }, { key: 'tfc', label: 'Specialty (TFC)', fmt: idText },
      { key: 'priority', label: 'Priority', fmt: priorityCell }, { key: 'clock_start', label: 'Clock start', fmt: dayText },
      { key: 'weeks_waited', label: 'Weeks', num: true, fmt: (v) => num(v) }, { key: 'due_date', label: 'Due by priority', fmt: dayText },
    ], r.items, { caption: `${num(r.total)} patients waiting as of ${dayText(r.as_of)}; longest waits first` });
  });
  load();
  return panel('Patients waiting longest', form, out);
}

// ---- the booking list of a run -------------------------------------------------
const BOOKED = [['', 'everyone'], ['true', 'booked'], ['false', 'not booked']];
const PAGE = 50;

function bookingsPanel(ctx, runId, hubs) {
  const q = ctx.query || new URLSearchParams();
  const hub = select('hub', [['', 'any hub'], ...hubs.map((s) => [s.site_code, `${s.name} (${s.site_code})`])], q.get('hub') || '');
  const tfc = h('input', { name: 'tfc', value: q.get('tfc') || '', inputmode: 'numeric', maxlength: 3, size: 4, placeholder: 'e.g. 110', autocomplete: 'off' });
  const trust = h('input', { name: 'trust', value: q.get('trust') || '', maxlength: 8, size: 6, placeholder: 'e.g. RAS', autocomplete: 'off' });
  const booked = select('booked', BOOKED, q.get('booked') || '');
  const overdue = h('input', { type: 'checkbox', name: 'overdue', id: 'bookings-overdue', checked: q.get('overdue') === 'true' || undefined });
  const out = h('div', { class: 'out bookings', 'aria-live': 'polite' });
  const keys = []; // the keyset cursor of each page shown before this one
  let after = '';
  const filters = () => ({ hub: hub.value, tfc: tfc.value.trim(), trust: trust.value.trim().toUpperCase(),
    booked: booked.value, overdue: overdue.checked ? 'true' : '' });
  const form = h('form', { 'aria-label': 'Filter the booking list', class: 'bookings-form',
    onsubmit: (e) => { e.preventDefault(); keys.length = 0; after = ''; load(); } },
  h('div', { class: 'fields' }, field('Hub', hub), field('Specialty (TFC)', tfc), field('Trust (ODS)', trust),
    field('Booked', booked),
    h('div', { class: 'field check' }, h('label', {}, overdue, ' Overdue P1/P2 only')),
    h('div', { class: 'field' }, h('button', { type: 'submit', class: 'secondary' }, 'Show'))));
  // the CSV is the server's, with every matching row (not only this page)
  const csv = async () => {
    try {
      const text = await get(`/api/v1/waitlist/runs/${runId}/results${qs({ ...filters(), format: 'csv' })}`);
      download(`waitlist-run-${runId}-bookings.csv`, 'text/csv;charset=utf-8', text);
    } catch (err) { clear(out, errorBox(err)); }
  };
  const load = () => filtered(form, out, async () => {
    const f = filters();
    ctx.setQuery?.(f);
    const r = await get(`/api/v1/waitlist/runs/${runId}/results${qs({ ...f, limit: PAGE, after })}`);
    const first = keys.length * PAGE + 1;
    const pager = h('div', { class: 'actions pager' },
      h('button', { type: 'button', class: 'small secondary', disabled: !keys.length || undefined,
        onclick: () => { after = keys.pop(); load(); } }, 'Previous page'),
      h('button', { type: 'button', class: 'small secondary', disabled: r.next_after === null || undefined,
        onclick: () => { keys.push(after); after = String(r.next_after); load(); } }, 'Next page'));
    return [
      r.synthetic ? note('Synthetic waiting list and sessions: generated for demonstration, not real patients.', 'notice') : null,
      table([
        { key: 'pathway_id', label: 'Patient', head: true, fmt: (v, x) => h('span', {}, v, h('br'), h('small', { class: 'muted' }, `NHS ${nhsText(x.nhs_number)}`)) },
        { key: 'trust', label: 'Trust' },
        { key: 'tfc', label: 'Specialty (TFC)', fmt: idText },
        { key: 'priority', label: 'Priority', fmt: priorityCell },
        { key: 'weeks', label: 'Weeks waited', num: true, fmt: (v) => num(v) },
        { key: 'site_name', label: 'Hub', fmt: (v, x) => (x.booked ? `${v} (${x.site_code})` : 'not booked') },
        { key: 'session_date', label: 'Session', fmt: (v, x) => (x.booked ? `${dayText(v)}${x.late ? ' (after the due date)' : ''}` : '—') },
        { key: 'km', label: 'Travel km', num: true, fmt: (v) => num(v, 1) },
      ], r.items, { caption: `Run ${idText(runId)} as of ${dayText(r.as_of)}: ${num(r.total)} patients${r.total ? `, ${num(first)}–${num(first + r.items.length - 1)} shown` : ''}; booked first by session day`,
        class: 'bookings-table', exportable: false, empty: 'No patient of this run matches the filters.',
        rowAttrs: (x) => ({ 'data-entry': x.entry_id, 'data-overdue': x.overdue ? 'true' : undefined }) }),
      exportBar(() => `booking list of run ${runId}`, [['CSV (all matching rows)', csv]]),
      pager,
    ];
  });
  load();
  return panel(`Booking list of run ${idText(runId)}`,
    note('Who is booked into which hub session, and who is left waiting. Overdue: a P1 or P2 patient past the priority date + 3 or 28 days on the run\'s as-of day.'),
    form, out);
}

export default {
  id: 'waitlist',
  title: 'Waiting list',
  roles: ['admin', 'coordinator', 'analyst', 'trust_ops'],
  live: ['waitlist.allocated', 'waitlist.imported'],
  async render(root, ctx) {
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Joint waiting list'),
      note('One patient tracking list across the four acute trusts; waits by referral-to-treatment (RTT) clock.')));
    // Deep links: #/waitlist/runs/3 compares with run 3; ?metric= keeps the
    // measure; ?hub=, tfc=, trust=, booked=, overdue= the booking list's filters.
    if (ctx.args?.[0] === 'runs' && /^\d+$/.test(ctx.args[1] || '')) ctx.run = ctx.args[1];
    if (ctx.query?.has('metric')) ctx.metric = ctx.query.get('metric');
    const bookings = h('div', { class: 'bookings-slot' });
    const hubs = BOOKERS.includes(ctx.me.role) ? get('/api/v1/sites?kind=acute&limit=1000').then((r) => r.items, () => []) : null;
    const showBookings = async (id) => {
      if (!hubs) return;
      clear(bookings, id ? bookingsPanel(ctx, id, await hubs) : null);
    };
    if (EQUITY.includes(ctx.me.role)) {
      const runs = (await get('/api/v1/waitlist/runs?limit=20')).items;
      const older = ctx.run && !runs.some((r) => String(r.id) === String(ctx.run)) ? [[ctx.run, `run ${ctx.run}`]] : [];
      const run = select('run', [['', 'no run: the list now'], ...older, ...runs.map((r) => [r.id, `run ${idText(r.id)} (${dayText(r.as_of)}, ${num(r.assigned)} assigned)`])], ctx.run ?? runs[0]?.id ?? '');
      const metric = select('metric', METRICS, ctx.metric || 'median_weeks');
      const out = h('div', { class: 'equity', 'aria-live': 'polite' });
      let shown = run.value;
      const draw = () => loading(out, async () => {
        ctx.run = run.value;
        ctx.metric = metric.value;
        ctx.setArgs?.(run.value ? ['runs', run.value] : []);
        ctx.setQuery?.({ metric: metric.value === 'median_weeks' ? '' : metric.value });
        if (run.value !== shown) { shown = run.value; showBookings(run.value); }
        const eqs = await Promise.all(BY.map(([by]) => get(`/api/v1/waitlist/equity${qs({ by, run: run.value })}`)));
        const r = run.value ? await get(`/api/v1/waitlist/runs/${run.value}`) : null;
        return [r ? runSummary(r) : null, eqs[0].synthetic ? note('Synthetic waiting list: generated for demonstration.', 'notice') : null,
          eqs.map((eq, i) => h('div', { class: 'equity-row', dataset: { by: BY[i][0] } }, equityBlock(eq, metric.value, BY[i][1])))];
      }, 'Computing equity…');
      run.addEventListener('change', draw);
      metric.addEventListener('change', draw);
      root.append(panel('Equity of waits', h('div', { class: 'fields' }, field('Compare with', run), field('Measure', metric)), out));
      draw();
      root.append(bookings);
      showBookings(run.value);
      if (RUNNERS.includes(ctx.me.role)) root.append(runForm(ctx, (id) => {
        // the new run is the one to compare with (the address named the old one)
        ctx.run = String(id);
        ctx.setArgs?.(['runs', String(id)]);
        this.render(root, ctx);
      }));
    } else if (ctx.run) {
      // trust_ops: no run list, but a link to a run opens its booking list
      root.append(bookings);
      showBookings(ctx.run);
    }
    if (['admin', 'coordinator', 'trust_ops'].includes(ctx.me.role)) root.append(longestPanel(ctx));
  },
};
