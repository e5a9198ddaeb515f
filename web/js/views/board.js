// board.js - the Board view: the ICS's money against need (spend by sector
// and the acute share against the national benchmark, each trust's deficit
// share, spend by borough against the needs-based target), accountability
// (who holds what, for which outcomes, how each is doing, with the rule)
// and the ranked priorities with their sensitivity; and the board pack and
// daily call sheet as PDF. Everything synthetic says so.

import { get, qs, token } from '../api.js';
import { clear, errorBox, fmt, h, loading, note, panel, pct, table } from '../ui.js';

const READ = ['admin', 'finance', 'executive', 'analyst'];
const PDF = ['admin', 'coordinator', 'analyst', 'finance', 'executive'];
const gbp = (v) => (v === null || v === undefined ? '—' : `£${fmt(v, 1)}m`);
const synth = (yes) => (yes ? note('Synthetic figures: invented for the default dataset, not NHS data.', 'notice') : null);

function financePanel() {
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  loading(out, async () => {
    const s = await get('/api/v1/finance/summary');
    const sp = s.spend;
    return [
      synth(sp.synthetic || s.providers.synthetic),
      h('p', { 'data-acute-share': sp.acute_share }, `Budget ${s.year}: ${gbp(sp.total_gbp_m)}. Acute share ${pct(sp.acute_share)} against the national ${pct(sp.national_acute_share)}.`),
      table([
        { key: 'sector', label: 'Sector', head: true },
        { key: 'amount_gbp_m', label: '£m', num: true, fmt: (v) => fmt(v, 1) },
        { key: 'share', label: 'Share', num: true, fmt: (v) => pct(v) },
      ], sp.sectors, { caption: 'Spend by sector' }),
      table([
        { key: 'provider_name', label: 'Trust', head: true },
        { key: 'income_gbp_m', label: 'Income £m', num: true, fmt: (v) => fmt(v, 1) },
        { key: 'surplus_gbp_m', label: 'Surplus (deficit) £m', num: true, fmt: (v) => fmt(v, 1) },
        { key: 'surplus_share', label: 'Share of income', num: true, fmt: (v) => pct(v) },
      ], s.providers.providers, { caption: `Trusts, system ${pct(s.providers.surplus_share)} of income` }),
      table([
        { key: 'place_name', label: 'Borough', head: true },
        { key: 'amount_gbp_m', label: 'Spend £m', num: true, fmt: (v) => fmt(v, 1) },
        { key: 'spend_share', label: 'Spend share', num: true, fmt: (v) => pct(v) },
        { key: 'target_share', label: 'Need-based target', num: true, fmt: (v) => pct(v) },
        { key: 'gap_gbp_m', label: 'Gap £m', num: true, fmt: (v) => fmt(v, 1) },
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
        { key: 'cost_gbp_m', label: 'Cost £m', num: true, fmt: (v) => fmt(v, 1) },
        { key: 'total', label: 'Score', num: true, fmt: (v) => fmt(v, 2) },
      ], r.ranking, { class: 'ranking', caption: `Ranked by ${w} weights` }),
      table([
        { key: 'criterion', label: 'Criterion', head: true },
        { key: 'weight', label: 'Weight', num: true, fmt: (v) => fmt(v, 3) },
        { key: 'increase', label: 'Rise that changes the top 3', num: true, fmt: (v) => (v === null ? 'none' : `+${fmt(v, 3)}`) },
        { key: 'decrease', label: 'Fall that changes the top 3', num: true, fmt: (v) => (v === null ? 'none' : `−${fmt(v, 3)}`) },
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
  },
};
