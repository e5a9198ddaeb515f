// board.js - the Board view: the ICS's money against need (spend by sector
// and the acute share against the national benchmark, each trust's deficit
// share, spend by borough against the needs-based target), accountability
// (who holds what, for which outcomes, how each is doing, with the rule)
// and the ranked priorities with their sensitivity; and the board pack and
// daily call sheet as PDF. Everything synthetic says so. Finance and admin
// also keep the ledger: each decision, delegation and outcome has an Edit
// form that sends the changed fields (PATCH) and shows the server's every
// problem beside its field.

import { get, patch, qs, token } from '../api.js';
import { busy, clear, dateInput, dayText, errorBox, field, fmt, h, loading, money, note, num, panel, pct, select, table } from '../ui.js';

const READ = ['admin', 'finance', 'executive', 'analyst'];
const PDF = ['admin', 'coordinator', 'analyst', 'finance', 'executive'];
const WRITE = ['admin', 'finance'];
const synth = (yes) => (yes ? note('Synthetic figures: invented for the default dataset, not NHS data.', 'notice') : null);

function financePanel() {
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  loading(out, async () => {
    const s = await get('/api/v1/finance/summary');
    const sp = s.spend;
    return [
      synth(sp.synthetic || s.providers.synthetic),
      h('p', { 'data-acute-share': sp.acute_share }, `Budget ${s.year}: ${money(sp.total_gbp_m)}. Acute share ${pct(sp.acute_share)} against the national ${pct(sp.national_acute_share)}.`),
      table([
        { key: 'sector', label: 'Sector', head: true },
        { key: 'amount_gbp_m', label: 'Spend', num: true, fmt: (v) => money(v) },
        { key: 'share', label: 'Share', num: true, fmt: (v) => pct(v) },
      ], sp.sectors, { caption: 'Spend by sector' }),
      table([
        { key: 'provider_name', label: 'Trust', head: true },
        { key: 'income_gbp_m', label: 'Income', num: true, fmt: (v) => money(v) },
        { key: 'surplus_gbp_m', label: 'Surplus (deficit)', num: true, fmt: (v) => money(v) },
        { key: 'surplus_share', label: 'Share of income', num: true, fmt: (v) => pct(v) },
      ], s.providers.providers, { caption: `Trusts, system ${pct(s.providers.surplus_share)} of income` }),
      table([
        { key: 'place_name', label: 'Borough', head: true },
        { key: 'amount_gbp_m', label: 'Spend', num: true, fmt: (v) => money(v) },
        { key: 'spend_share', label: 'Spend share', num: true, fmt: (v) => pct(v) },
        { key: 'target_share', label: 'Need-based target', num: true, fmt: (v) => pct(v) },
        { key: 'gap_gbp_m', label: 'Gap', num: true, fmt: (v) => money(v) },
      ], s.places.places, { caption: 'Spend by borough against the weighted-capitation target' }),
    ];
  });
  return panel('Finance', out);
}

function accountabilityPanel() {
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  loading(out, async () => {
    const a = await get('/api/v1/governance/accountability');
    return [
      h('p', { class: 'counts' }, `${a.on_track} on track, ${a.off_track} off track, ${a.no_data} without data.`),
      table([
        { key: 'holder_name', label: 'Holder', head: true },
        { key: 'label', label: 'Outcome', fmt: (v, r) => (r.place_code ? `${v} (${r.place_code})` : v) },
        { key: 'target', label: 'Target', num: true, fmt: (v, r) => `${r.better === 'higher' ? '≥' : '≤'} ${fmt(v)} ${r.unit}` },
        { key: 'current', label: 'Now', num: true, fmt: (v) => fmt(v) },
        { key: 'trend', label: 'Trend' },
        { key: 'status', label: 'Status', fmt: (v) => h('span', { class: `status ${v.replace(' ', '-')}` }, v) },
      ], a.items, { class: 'accountability' }),
      note(`Rule: ${a.rule}`),
      synth(a.items.some((i) => i.synthetic)),
    ];
  });
  return panel('Accountability', out);
}

function prioritiesPanel() {
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const load = (w) => loading(out, async () => {
    const r = await get(`/api/v1/governance/ranking${qs({ weights: w })}`);
    return [
      table([
        { key: 'rank', label: '#', num: true },
        { key: 'name', label: 'Work area', head: true },
        { key: 'cost_gbp_m', label: 'Cost', num: true, fmt: (v) => money(v) },
        { key: 'total', label: 'Score', num: true, fmt: (v) => num(v, 2) },
      ], r.ranking, { class: 'ranking', caption: `Ranked by ${w} weights` }),
      table([
        { key: 'criterion', label: 'Criterion', head: true },
        { key: 'weight', label: 'Weight', num: true, fmt: (v) => num(v, 3) },
        { key: 'increase', label: 'Rise that changes the top 3', num: true, fmt: (v) => (v === null ? 'none' : `+${num(v, 3)}`) },
        { key: 'decrease', label: 'Fall that changes the top 3', num: true, fmt: (v) => (v === null ? 'none' : `−${num(v, 3)}`) },
      ], r.sensitivity),
      note(r.method),
      synth(r.synthetic),
    ];
  });
  const pick = h('select', { name: 'weights', onchange: (ev) => load(ev.target.value) },
    h('option', { value: 'public' }, 'public engagement weights'), h('option', { value: 'board' }, 'board weights'));
  load('public');
  return panel('Priorities', h('label', {}, 'Weights ', pick), out);
}

// ---- the ledger: edit forms for decisions, delegations and outcomes ----

const FIELDS = {
  decision: [['decided_on', 'Decided on', 'date'], ['title', 'Title'], ['forum', 'Forum'],
    ['rationale', 'Rationale', 'area'], ['evidence', 'Evidence (optional)', 'area'], ['options', 'Options considered (optional)', 'area']],
  delegation: [['holder_kind', 'Holder kind', ['place', 'collaborative', 'provider']],
    ['holder_code', 'Holder code (place ONS code or organisation ODS code)'], ['holder_name', 'Holder name (optional)'],
    ['scope', 'Scope', 'area'], ['amount_gbp_m', 'Amount (£m)', 'number'], ['period_from', 'Period from', 'date'],
    ['period_to', 'Period to', 'date'], ['conditions', 'Conditions (optional)', 'area']],
  outcome: [['target', 'Target', 'number'], ['note', 'Note (optional)', 'area']],
};

// A form for one record: only the fields changed are sent (PATCH); the
// server's problems show beside their fields; done(saved) closes it.
function editForm(kind, rec, path, what, done) {
  const inputs = FIELDS[kind].map(([k, label, type]) => {
    const v = rec[k] === null || rec[k] === undefined ? '' : String(rec[k]);
    const input = Array.isArray(type) ? select(k, type, v)
      : type === 'area' ? h('textarea', { name: k, rows: 2 }, v)
        : type === 'date' ? dateInput(k, v)
          : h('input', { name: k, type: type === 'number' ? 'number' : 'text', step: type === 'number' ? 'any' : undefined, value: v });
    return [k, type, input, field(label, input)];
  });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Save');
  const form = h('form', { class: 'gov-form', 'aria-label': `Edit ${what}`, novalidate: true },
    h('h3', {}, `Edit ${what}`), h('div', { class: 'fields' }, inputs.map((x) => x[3])),
    h('div', { class: 'actions' }, btn, h('button', { type: 'button', class: 'secondary', onclick: () => done(false) }, 'Close')), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [k, type, input] of inputs) {
      const was = rec[k] === null || rec[k] === undefined ? '' : String(rec[k]);
      const v = input.value.trim();
      if (v === was) continue;
      body[k] = v === '' ? null : type === 'number' && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
    }
    if (!Object.keys(body).length) { clear(out, note('Nothing changed.')); return; }
    const r = await busy(btn, out, () => patch(path, body));
    if (r) done(true);
  });
  return form;
}

function ledgerPanel(ctx, onSaved) {
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const editor = h('div', { class: 'gov-editor' });
  const open = (kind, rec, path, what) => {
    clear(editor, editForm(kind, rec, path, what, (saved) => {
      clear(editor);
      if (saved) { ctx.flash?.(`Saved ${what}.`); load(); onSaved(); }
    }));
    editor.querySelector('input, select, textarea')?.focus();
  };
  const edit = (kind, rec, path, what) => h('button', { type: 'button', class: 'small secondary', 'aria-label': `Edit ${what}`, onclick: () => open(kind, rec, path, what) }, 'Edit');
  const load = () => loading(out, async () => {
    const [dels, decs] = await Promise.all([get('/api/v1/governance/delegations'), get('/api/v1/governance/decisions')]);
    const outcomes = dels.items.flatMap((d) => d.outcomes.map((o) => ({ ...o, holder_name: d.holder_name })));
    return [
      table([
        { key: 'holder_name', label: 'Holder', head: true, fmt: (v, r) => `${v} (${r.holder_kind} ${r.holder_code})` },
        { key: 'scope', label: 'Scope' },
        { key: 'amount_gbp_m', label: 'Amount', num: true, fmt: (v) => money(v, 2) },
        { key: 'period_from', label: 'Period', fmt: (v, r) => `${dayText(v)} to ${dayText(r.period_to)}` },
        { key: 'id', label: 'Edit', fmt: (v, r) => edit('delegation', r, `/api/v1/governance/delegations/${v}`, `delegation ${v}`) },
      ], dels.items, { caption: 'Delegations', class: 'delegations' }),
      table([
        { key: 'holder_name', label: 'Holder', head: true },
        { key: 'measure', label: 'Measure', fmt: (v, r) => (r.place_code ? `${v} (${r.place_code})` : v) },
        { key: 'target', label: 'Target', num: true, fmt: (v) => num(v, 2) },
        { key: 'id', label: 'Edit', fmt: (v, r) => edit('outcome', r, `/api/v1/governance/outcomes/${v}`, `outcome ${v}`) },
      ], outcomes, { caption: 'Outcomes', class: 'outcomes' }),
      table([
        { key: 'decided_on', label: 'Decided on', fmt: dayText },
        { key: 'title', label: 'Decision', head: true },
        { key: 'forum', label: 'Forum' },
        { key: 'id', label: 'Edit', fmt: (v, r) => edit('decision', r, `/api/v1/governance/decisions/${v}`, `decision ${v}`) },
      ], decs.items, { caption: 'Decisions register', class: 'decisions' }),
      synth(dels.items.some((d) => d.synthetic) || decs.items.some((d) => d.synthetic)),
    ];
  });
  load();
  return panel('Delegations and decisions', out, editor);
}

// The PDFs need the bearer token, so they are fetched and opened as blobs.
function pdfButton(label, path) {
  const out = h('span', { class: 'out' });
  const btn = h('button', { type: 'button', onclick: async () => {
    try {
      const r = await fetch(path, { headers: { Authorization: `Bearer ${token.get()}` } });
      if (!r.ok) throw Object.assign(await r.json(), { status: r.status });
      window.open(URL.createObjectURL(await r.blob()), '_blank');
    } catch (err) { clear(out, errorBox(err)); }
  } }, label);
  return h('span', {}, btn, out);
}

export default {
  id: 'board',
  title: 'Board',
  roles: [...new Set([...READ, ...PDF])],
  async render(root, ctx) {
    const canRead = READ.includes(ctx.me.role);
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Board'),
      note('Money against need, who is accountable for what, and what to work on next.'),
      h('p', {}, pdfButton('Board pack (PDF)', '/api/v1/reports/board.pdf'), ' ', pdfButton('Daily call sheet (PDF)', '/api/v1/reports/daily.pdf'))),
    canRead ? financePanel() : null, canRead ? accountabilityPanel() : null, canRead ? prioritiesPanel() : null);
    /* a change to the ledger redraws the accountability it feeds */
    if (WRITE.includes(ctx.me.role))
      root.append(ledgerPanel(ctx, () => root.querySelector('.accountability')?.closest('section')
        ?.replaceWith(accountabilityPanel())));
  },
};
