// beds.js - the Beds view for the community bed bureau: the live board by
// unit and bed type (with each unit's beds), the waiting queue, matching a
// referral to ranked beds with the reason for every bed, the offer ->
// accept -> admit -> discharge steps, matching the whole queue pooled
// against borough-restricted commissioning, length-of-stay variation, and
// a referral form. Analysts see the board and stays read-only; clinicians
// refer and follow their referrals.

import { get, patch, post, qs } from '../api.js';
import { busy, chart, clear, dateTimeInput, dateTimeValue, destroyCharts, field, fmt, h, hashLink, loading, localDateTime, note, panel, pct, reasonButton, select, sparkline, table, when } from '../ui.js';

const TYPES = ['rehabilitation', 'stroke_rehabilitation', 'dementia', 'palliative', 'step_down'];
const DESTS = ['home', 'home_with_support', 'care_home', 'acute_readmission', 'died', 'other'];
const words = (s) => String(s ?? '').replace(/_/g, ' ');
const can = (ctx, what) => ({
  board: ['admin', 'coordinator', 'analyst'],
  act: ['admin', 'coordinator'],
  referrals: ['admin', 'coordinator', 'clinician'],
})[what].includes(ctx.me.role);
const days = (d) => (d === null || d === undefined ? '—' : `${d.toFixed(1)} d`);
const stateTag = (s) => h('span', { class: `pill ${s}` }, words(s));
// A bed referral's own address: #/beds/referrals/ID (#/referrals/ID is a UCR referral's).
const refLink = (id) => h('a', { href: hashLink('beds', ['referrals', id]) }, String(id));

// The bed referral a deep link names: its state, patient, bed and times,
// and for one still waiting, why it cannot be placed and the next bed
// forecast (the queue's words, for roles that see the queue).
async function referralDetail(ctx, id) {
  if (!/^\d{1,18}$/.test(id || '')) return panel(`Bed referral ${id}`, note('A bed referral is named by its number, e.g. #/beds/referrals/3890.', 'notice'));
  const box = h('div');
  await loading(box, async () => {
    const r = await get(`/api/v1/beds/referrals/${id}`);
    let q = null;
    if (r.state === 'waiting' && can(ctx, 'act')) q = (await get('/api/v1/beds/queue')).items.find((x) => x.referral_id === r.referral_id) || null;
    const t = (v) => (v ? when(v, { zone: true }) : null);
    const rows = [['Referral', String(r.referral_id)], ['State', words(r.state)], ['Patient', `${r.age} ${r.sex}`],
      ['Needs', `${words(r.bed_type)}, priority ${r.priority}`], ['From', [r.district, r.place_code].filter(Boolean).join(', ')],
      ['Referred by', [r.referring_site, r.referring_org].filter(Boolean).join(', ')],
      ['Referred', t(r.referred_at)], ['Ready from', t(r.earliest_at)],
      ['Waiting', r.state === 'waiting' ? days(r.wait_days) : null],
      ['Bed', r.bed_code ? `${r.bed_code} (${r.unit_code})` : null],
      ['Offered', t(r.offered_at)], ['Accepted', t(r.accepted_at)], ['Admitted', t(r.admitted_at)],
      ['Discharged', t(r.discharged_at)], ['Destination', r.destination ? words(r.destination) : null], ['Reason', r.reason],
      ['Placement', q ? (q.placeable ? `can be placed now: ${q.placement}` : `cannot be placed: ${q.why_not}`) : null],
      ['Next suitable bed', q && !q.placeable ? q.next_bed_text : null]];
    return [r.synthetic ? note('Synthetic referral: generated history, not a real patient.', 'notice') : null,
      h('dl', { class: 'facts', id: 'bed-referral-detail', dataset: { bedReferral: r.referral_id } },
        rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))])),
      r.unit_code ? h('p', {}, h('a', { href: hashLink('beds', ['unit', r.unit_code]) }, `Open ${r.unit_code} on the board`)) : null];
  });
  return panel(`Bed referral ${id}`, box);
}

function summary(board) {
  const t = board.totals;
  return h('div', { class: 'summary', id: 'bed-totals' },
    [['Beds', t.beds], ['Available', t.available], ['Reserved', t.reserved], ['Occupied', t.occupied],
      ['Closed', t.closed], ['Cleaning', t.cleaning], ['Occupancy', pct(t.occupancy)], ['Waiting', t.waiting],
      ['Longest wait', days(t.oldest_wait_days)]].map(([k, v]) =>
      h('span', { class: 'stat', dataset: { stat: k.toLowerCase().replace(' ', '-') } }, k, h('b', {}, v))));
}

// Hospital ADT feeds (HL7 v2 over MLLP) that have gone quiet: the board may
// be out of date for their units.
function feedsNote(feeds) {
  const quiet = feeds.filter((f) => f.silent);
  if (!quiet.length) return null;
  return h('p', { class: 'notice', id: 'adt-silent' }, `ADT feed silent: ${quiet.map((f) =>
    `${f.facility} (${f.org_code}) since ${when(f.last_at)}`).join(', ')}. Beds of its units may be out of date.`);
}

// Free beds by bay in words: "2 in male bays, 1 in a female bay".
function bayText(u) {
  const b = u.available_by_bay || {};
  const part = (n, what) => (n ? `${n} in ${n === 1 ? `a ${what}` : `${what}s`}` : null);
  const side = b.side_room || 0;
  const parts = [part(b.M, 'male bay'), part(b.F, 'female bay'), side ? `${side} side room${side === 1 ? '' : 's'}` : null,
    b.none - side > 0 ? `${b.none - side} in no bay` : null].filter(Boolean);
  return parts.length ? parts.join(', ') : '—';
}
// What a bed is, in text on the bed itself: its bay, or a side room.
const bedKind = (b) => (b.side_room ? 'side room' : b.bay_sex ? `${b.bay_sex === 'M' ? 'male' : 'female'} bay` : null);
const sexText = (s) => (s === 'mixed' ? 'mixed (bays by sex)' : s === 'M' ? 'male only' : 'female only');

// The board grouped by place x bed type: one row per unit, the place and
// type repeated as a group heading row; units with free beds say so in
// text and with a mark, not by colour alone.
function boardTable(board, f, onUnit) {
  const placeName = Object.fromEntries(board.places.map((p) => [p.place_code, p.name]));
  const units = board.units.filter((u) => (!f.type || u.bed_type === f.type) && (!f.place || u.place_code === f.place) && (!f.free || u.available > 0))
    .sort((a, b) => String(placeName[a.place_code]).localeCompare(String(placeName[b.place_code])) || TYPES.indexOf(a.bed_type) - TYPES.indexOf(b.bed_type) || a.name.localeCompare(b.name));
  return table([
    { key: 'name', label: 'Unit', head: true, fmt: (v, u) => [h('a', { href: '#', onclick: (e) => { e.preventDefault(); onUnit(u); } }, v),
      h('br'), h('small', { class: 'muted' }, `${u.unit_code} · ${sexText(u.sex)}`)] },
    { key: 'bed_type', label: 'Type', fmt: words },
    { key: 'beds', label: 'Beds', num: true },
    { key: 'available', label: 'Available', num: true },
    { key: 'available', label: 'Free now', fmt: (v) => (v > 0 ? h('span', { class: 'pill available free-beds' }, `✔ ${v} free`) : h('span', { class: 'muted' }, 'none free')) },
    { key: bayText, label: 'Free beds by bay' },
    { key: (u) => placeName[u.place_code] || u.place_code, label: 'Place' },
    { key: 'reserved', label: 'Reserved', num: true },
    { key: 'occupied', label: 'Occupied', num: true },
    { key: 'closed', label: 'Closed', num: true },
    { key: 'occupancy', label: 'Occupancy', num: true, fmt: (v) => pct(v, 0) },
    { key: 'occupied_history', label: '14 days', fmt: (v, u) => sparkline(v || [], { min: 0, max: u.beds, label: `${u.name} occupied beds over 14 days` }) },
    { key: 'waiting', label: 'Waiting', num: true },
    { key: 'confirmed_at', label: 'Confirmed', fmt: (v, u) => [when(v), u.stale ? h('span', { class: 'pill closed' }, 'stale') : null] },
  ], units, { caption: `${units.length} units by place and bed type${f.free ? ', only those with free beds' : ''}`, rowAttrs: (u) => ({ 'data-unit': u.unit_code, class: u.available > 0 ? 'has-free' : undefined }) });
}

// Place x bed type at a glance: free of all beds in each cell.
function gridTable(board) {
  const types = TYPES.filter((t) => board.units.some((u) => u.bed_type === t));
  const rows = board.places.map((p) => {
    const r = { place: p.name };
    for (const t of types) {
      const us = board.units.filter((u) => u.place_code === p.place_code && u.bed_type === t);
      r[t] = us.length ? { free: us.reduce((a, u) => a + u.available, 0), beds: us.reduce((a, u) => a + u.beds, 0) } : null;
    }
    return r;
  });
  return table([{ key: 'place', label: 'Place', head: true },
    ...types.map((t) => ({ key: t, label: words(t), fmt: (c) => (!c ? '—' : c.free > 0 ? h('b', {}, `✔ ${c.free} free of ${c.beds}`) : `0 free of ${c.beds}`) }))],
  rows, { caption: 'Free beds by place and bed type', class: 'bed-grid-table' });
}

async function unitBeds(out, unit, ctx, reload) {
  await loading(out, async () => {
    const beds = (await get(`/api/v1/beds${qs({ unit: unit.unit_code })}`)).items;
    const edit = h('div', { class: 'out' });
    const grid = h('div', { class: 'bedgrid', role: 'list', 'aria-label': `Beds of ${unit.name}` }, beds.map((b) =>
      h('button', { type: 'button', role: 'listitem', class: `bed ${b.status}`, title: `${b.bed_code}: ${b.status}${b.closure ? ` (${b.closure})` : ''}${bedKind(b) ? `, ${bedKind(b)}` : ''}`,
        'aria-label': `${b.bed_code} ${b.status}${bedKind(b) ? `, ${bedKind(b)}` : ''}`, dataset: { bed: b.bed_id, status: b.status },
        onclick: () => clear(edit, bedForm(b, ctx, reload)) }, b.bed_code.slice(-2), bedKind(b) ? h('small', { class: b.side_room ? 'bay side-room' : 'bay' }, ` ${bedKind(b)}`) : null)));
    const counts = {};
    for (const b of beds) counts[b.status] = (counts[b.status] || 0) + 1;
    // Each state has a symbol as well as a colour (app.css .bed::after).
    const legend = h('ul', { class: 'bed-legend', 'aria-label': 'What the bed symbols mean' },
      [['free', 'free (+)'], ['occupied', 'occupied (●)'], ['reserved', 'reserved or offered (◐)'], ['closed', 'closed or blocked (×)'], ['cleaning', 'cleaning (~)']]
        .map(([k, t]) => h('li', {}, h('span', { class: `bed ${k}`, 'aria-hidden': 'true' }), ` ${t}`)));
    return [h('h3', {}, `${unit.name} (${unit.unit_code})`), grid, legend,
      h('p', {}, Object.entries(counts).map(([k, v]) => h('span', { class: `pill ${k}` }, `${v} ${k}`))), edit];
  }, 'Loading beds…');
}

function bedForm(bed, ctx, reload) {
  if (!can(ctx, 'act')) return note(`${bed.bed_code}: ${bed.status}${bed.referral_id ? `, referral ${bed.referral_id}` : ''}.`);
  const status = select('status', ['available', 'closed', 'cleaning'], bed.status === 'closed' ? 'available' : 'closed');
  const closure = select('closure', [['', '—'], ['infection_control', 'infection control'], 'staffing', 'maintenance'], '');
  const noteIn = h('input', { name: 'note', autocomplete: 'off' });
  const out = h('div', { class: 'out' });
  const btn = h('button', { type: 'submit' }, 'Change status');
  const form = h('form', { 'aria-label': `Change ${bed.bed_code}` },
    h('p', {}, `${bed.bed_code} is ${bed.status}${bed.referral_id ? ` (referral ${bed.referral_id})` : ''}.`),
    h('div', { class: 'fields' }, field('New status', status), field('Closure reason', closure, 'when closing'), field('Note', noteIn)),
    h('div', { class: 'actions' }, btn), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { status: status.value };
    if (closure.value) body.closure = closure.value;
    if (noteIn.value.trim()) body.note = noteIn.value.trim();
    const r = await busy(btn, out, () => patch(`/api/v1/beds/${bed.bed_id}`, body));
    if (r) { ctx.flash(`${bed.bed_code} is now ${r.status || body.status}.`); reload(); }
  });
  return form;
}

function matchView(m, ctx, reload) {
  const r = m.referral;
  const ok = m.beds.filter((b) => b.suitable);
  const bad = m.beds.filter((b) => !b.suitable);
  const offer = async (btn, b) => {
    const res = await busy(btn, out, () => post(`/api/v1/beds/referrals/${r.referral_id}/offer`, { bed_id: b.bed_id }));
    if (res) { ctx.flash(`Offered ${b.bed_code} to referral ${r.referral_id}.`); reload(); }
  };
  const out = h('div', { class: 'out' });
  return [h('h3', {}, `Referral ${r.referral_id}: ${r.age} ${r.sex}, ${words(r.bed_type)}, priority ${r.priority}, from ${r.district || r.place_code || '?'}`),
    h('p', {}, `${m.suitable} suitable beds, ${m.unsuitable} not (${Object.entries(m.unsuitable_by_reason || {}).map(([k, v]) => `${words(k)} ${v}`).join(', ')}). Policy: ${m.policy}.`),
    out,
    table([
      { key: 'bed_code', label: 'Bed', head: true, fmt: (v) => h('span', { class: 'code' }, v) },
      { key: 'unit_name', label: 'Unit' },
      { key: 'km', label: 'km', num: true, fmt: (v) => fmt(v) },
      { key: 'occupancy', label: 'Unit occupancy', num: true, fmt: (v) => pct(v, 0) },
      { key: 'explanation', label: 'Why' },
      { key: (b) => b, label: 'Offer', fmt: (b) => (can(ctx, 'act') ? h('button', { type: 'button', class: 'small', 'aria-label': `Offer ${b.bed_code}`, onclick: (e) => offer(e.target, b) }, 'Offer') : '') },
    ], ok.slice(0, 15), { caption: 'Suitable beds, best first', empty: 'No suitable bed is free now.', class: 'suitable' }),
    h('details', {}, h('summary', {}, `Beds that do not fit and why (${bad.length})`),
      table([{ key: 'bed_code', label: 'Bed', head: true }, { key: 'unit_name', label: 'Unit' },
        { key: 'reason', label: 'Reason', fmt: words }, { key: 'explanation', label: 'Detail' }], bad.slice(0, 60)))];
}

function queuePanel(ctx, reload) {
  const out = h('div');
  const matchOut = h('div', { class: 'match', 'aria-live': 'polite' });
  const msg = h('div', { class: 'out' });
  const step = async (btn, r, action, body, text) => {
    const res = await busy(btn, msg, () => post(`/api/v1/beds/referrals/${r.referral_id}/${action}`, body || {}));
    if (res) { ctx.flash(`Referral ${r.referral_id}: ${text}.`); reload(); }
  };
  const load = () => loading(out, async () => {
    const [queue, ...lists] = await Promise.all([get('/api/v1/beds/queue'),
      ...['waiting', 'offered', 'accepted'].map((s) => get(`/api/v1/beds/referrals${qs({ state: s, limit: 200 })}`))]);
    const placing = Object.fromEntries(queue.items.map((q) => [q.referral_id, q]));
    const items = lists.flatMap((l) => l.items).filter((r) => ['waiting', 'offered', 'accepted'].includes(r.state))
      .sort((a, b) => a.priority - b.priority || b.wait_days - a.wait_days);
    return table([
      { key: 'referral_id', label: '#', num: true, fmt: refLink },
      { key: 'state', label: 'State', fmt: (v, r) => [stateTag(v), r.bed_code ? h('small', {}, ` ${r.bed_code}`) : null] },
      { key: 'priority', label: 'Priority', num: true },
      { key: (r) => `${r.age} ${r.sex}`, label: 'Patient' },
      { key: 'bed_type', label: 'Needs', fmt: words },
      { key: (r) => r.district || r.place_code, label: 'From' },
      { key: 'wait_days', label: 'Waiting', num: true, fmt: days },
      { key: (r) => placing[r.referral_id], label: 'Placement', fmt: (q) => (!q ? '—' : q.placeable
        ? h('span', { class: 'placeable' }, `✔ ${q.placement}; best ${q.best_bed.bed_code} at ${q.best_bed.unit_name}`)
        : h('span', { class: 'why-not' }, h('b', {}, 'Cannot be placed: '), q.why_not, q.next_bed_text ? [h('br'), h('small', {}, `Next: ${q.next_bed_text}`)] : null)) },
      { key: (r) => r, label: 'Next step', fmt: (r) => (!can(ctx, 'act') ? '' : h('span', { class: 'actions' },
        reasonButton(r.state === 'waiting' ? 'Decline' : 'Cancel', `referral ${r.referral_id}`,
          (why, btn) => step(btn, r, r.state === 'waiting' ? 'decline' : 'cancel', { reason: why }, r.state === 'waiting' ? 'declined' : 'cancelled'), 'small danger'),
        r.state === 'waiting' ? h('button', { type: 'button', class: 'small', 'aria-label': `Match referral ${r.referral_id}`,
          onclick: async () => {
            await loading(matchOut, async () => matchView(await get(`/api/v1/beds/referrals/${r.referral_id}/match`), ctx, reload), 'Matching…');
            matchOut.scrollIntoView({ block: 'nearest' });
          } }, 'Match') : null,
        r.state === 'offered' ? [h('button', { type: 'button', class: 'small', onclick: (e) => step(e.target, r, 'accept', {}, 'offer accepted') }, 'Accept'),
          reasonButton('Reject', `the offer to referral ${r.referral_id}`, (why, btn) => step(btn, r, 'reject-offer', { reason: why }, 'offer rejected'))] : null,
        r.state === 'accepted' ? h('button', { type: 'button', class: 'small', onclick: (e) => step(e.target, r, 'admit', {}, 'admitted') }, 'Admit') : null)) },
    ], items, { caption: `${items.length} referrals waiting or in progress; ${queue.placeable} of ${queue.waiting} waiting can be placed now (synthetic unless the bureau has loaded its own data)`, rowAttrs: (r) => ({ 'data-referral': r.referral_id }), empty: 'Nobody is waiting.' });
  });
  load();
  return panel('Waiting queue', msg, out, matchOut);
}

function inBedsPanel(ctx, reload) {
  const out = h('div');
  const msg = h('div', { class: 'out' });
  const load = () => loading(out, async () => {
    const items = (await get(`/api/v1/beds/referrals${qs({ state: 'admitted', limit: 1000 })}`)).items
      .filter((r) => r.state === 'admitted').sort((a, b) => a.admitted_at.localeCompare(b.admitted_at));
    const stay = (r) => (Date.now() - Date.parse(r.admitted_at)) / 86400000;
    return table([
      { key: 'referral_id', label: '#', num: true, fmt: refLink },
      { key: 'bed_code', label: 'Bed', head: true, fmt: (v) => h('span', { class: 'code' }, v) },
      { key: (r) => `${r.age} ${r.sex}`, label: 'Patient' },
      { key: 'admitted_at', label: 'Admitted', fmt: (v) => v.slice(0, 10) },
      { key: stay, label: 'Stay', num: true, fmt: days },
      { key: (r) => r, label: 'Discharge', fmt: (r) => (!can(ctx, 'act') ? '' : h('span', { class: 'actions' },
        h('select', { name: 'destination', 'aria-label': `Destination for referral ${r.referral_id}` }, DESTS.map((d) => h('option', { value: d }, words(d)))),
        h('button', { type: 'button', class: 'small', 'aria-label': `Discharge referral ${r.referral_id}`, onclick: async (e) => {
          const dest = e.target.previousSibling.value;
          const res = await busy(e.target, msg, () => post(`/api/v1/beds/referrals/${r.referral_id}/discharge`, { destination: dest }));
          if (res) { ctx.flash(`Referral ${r.referral_id} discharged (${words(dest)}); ${r.bed_code} is ${res.bed_status || 'being cleaned'}.`); reload(); }
        } }, 'Discharge'))) },
    ], items.slice(0, 15), { caption: `${items.length} patients in beds (longest stays first${items.length > 15 ? ', first 15 shown' : ''})`, rowAttrs: (r) => ({ 'data-referral': r.referral_id }) });
  });
  load();
  return panel('In beds', msg, out);
}

// The batch match: a preview of who goes to which bed and why (each cost
// part in words) and who stays unplaced and why; only then "Make the offers".
function batchPanel(ctx, reload) {
  const policy = select('policy', [['both', 'compare pooled and borough-restricted'], ['pooled', 'pooled (ICS-wide)'], ['borough', 'borough-restricted']], 'both');
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Preview the match');
  const form = h('form', { 'aria-label': 'Match the whole queue' },
    h('div', { class: 'fields' }, field('Policy', policy)),
    h('div', { class: 'actions' }, btn), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await busy(btn, out, () => post('/api/v1/beds/match', { policy: policy.value }));
    if (!r) return;
    const plan = r.plans[0];
    const offerBtn = h('button', { type: 'button', id: 'make-offers', disabled: !plan.assignments.length }, `Make the ${plan.assignments.length} offers (${plan.policy} plan)`);
    const done = h('div', { class: 'out' });
    offerBtn.addEventListener('click', async () => {
      const a = await busy(offerBtn, done, () => post('/api/v1/beds/match', { policy: plan.policy, apply: true }));
      if (a) { ctx.flash(`${a.offers.length} offers made.`); reload(); }
    });
    clear(out, table([
      { key: 'policy', label: 'Policy', head: true },
      { key: 'ready', label: 'Ready', num: true }, { key: 'placed', label: 'Placed', num: true },
      { key: 'unplaced', label: 'Unplaced', num: true }, { key: 'mean_km', label: 'Mean km', num: true, fmt: (v) => fmt(v) },
      { key: 'alternative_fits', label: 'Alternative bed types', num: true }, { key: 'total_cost', label: 'Cost', num: true },
    ], r.plans, { caption: 'Plans' }),
    r.pooling_gain ? note(`Pooling places ${r.pooling_gain.extra_placed} more patients and saves ${r.pooling_gain.cost_saved} cost units; mean distance changes by ${fmt(r.pooling_gain.mean_km_change)} km.`) : null,
    h('h3', {}, `Preview of the ${plan.policy} plan: nothing is offered yet`),
    table([
      { key: 'referral_id', label: 'Referral', num: true },
      { key: (a) => `${a.bed_code} at ${a.unit_name}`, label: 'Goes to', head: true },
      { key: 'explanation', label: 'Why this bed' },
      { key: 'cost_words', label: 'Cost, part by part' },
    ], plan.assignments, { caption: `${plan.assignments.length} placements`, empty: 'Nobody can be placed now.', class: 'match-preview', rowAttrs: (a) => ({ 'data-referral': a.referral_id }) }),
    table([{ key: 'referral_id', label: 'Referral', num: true }, { key: 'why_not', label: 'Why no bed' }],
      plan.unplaced_referrals, { caption: `${plan.unplaced_referrals.length} ready referrals left without a bed`, empty: 'Every ready referral is placed.', class: 'match-unplaced', rowAttrs: (a) => ({ 'data-referral': a.referral_id }) }),
    note('Cost units: 1 per 100 m from home, 200 for an alternative bed type, up to 20 for a full unit; the plan minimises the total over the queue. Synthetic data unless the bureau has loaded its own.'),
    h('div', { class: 'actions' }, offerBtn), done);
  });
  return panel('Match the whole queue', form);
}

function losPanel() {
  const out = h('div');
  loading(out, async () => {
    const los = await get('/api/v1/beds/los');
    const u = los.units.filter((x) => x.stays > 0);
    return [note(`Stays discharged ${los.from} to ${los.to}. Funnel: each unit's mean length of stay against the ICS mean for its bed type, 95% and 99.8% limits.`),
      chart({
        type: 'bar',
        data: { labels: u.map((x) => x.unit_code), datasets: [
          { label: 'mean (days)', data: u.map((x) => x.mean), backgroundColor: '#005eb8' },
          { label: 'median', data: u.map((x) => x.median), backgroundColor: '#41b6e6' },
          { label: '90th percentile', data: u.map((x) => x.p90), backgroundColor: '#aeb7bd' },
          { label: 'expected (type mean)', type: 'line', data: u.map((x) => x.funnel?.target), borderColor: '#d5281b', pointRadius: 3, showLine: false },
        ] },
      }, { label: 'Length of stay by unit' }),
      table([
        { key: 'name', label: 'Unit', head: true }, { key: 'bed_type', label: 'Type', fmt: words },
        { key: 'stays', label: 'Stays', num: true }, { key: 'mean', label: 'Mean', num: true, fmt: (v) => fmt(v) },
        { key: 'median', label: 'Median', num: true }, { key: 'sd', label: 'SD', num: true, fmt: (v) => fmt(v) },
        { key: 'delayed_days', label: 'Delayed days', num: true },
        { key: (x) => x.funnel, label: 'Funnel', fmt: (f) => (f ? h('span', { class: `pill ${f.flag === 'within' ? '' : 'closed'}` }, `${f.flag} (z ${fmt(f.z, 2)})`) : '—') },
        { key: 'predicted_free_beds', label: 'Beds expected free in 7 days', num: true, fmt: (v) => (v ? fmt(v[v.length - 1]) : '—') },
      ], u, { caption: 'Length-of-stay variation', rowAttrs: (x) => ({ class: x.funnel && x.funnel.flag !== 'within' ? `flag-${x.funnel.flag.includes('high') ? 'high' : 'low'}` : undefined }) })];
  });
  return panel('Length of stay', out);
}

async function referForm(ctx, reload) {
  const sites = (await get('/api/v1/sites?kind=acute&limit=100')).items;
  const nhs = h('input', { name: 'nhs_number', inputmode: 'numeric', autocomplete: 'off', required: true });
  const age = h('input', { name: 'age', type: 'number', min: 18, max: 120, required: true });
  const sex = select('sex', [['F', 'female'], ['M', 'male']], 'F');
  const postcode = h('input', { name: 'postcode', autocomplete: 'postal-code', required: true });
  const site = select('referring_site', sites.map((s) => [s.site_code, `${s.name} (${s.site_code})`]), sites[0]?.site_code);
  const type = select('bed_type', TYPES.map((t) => [t, words(t)]), 'rehabilitation');
  const prio = select('priority', [[1, '1 – urgent'], [2, '2 – soon'], [3, '3 – routine']], 2);
  const earliest = dateTimeInput('earliest_transfer', localDateTime());
  const notesIn = h('input', { name: 'notes', autocomplete: 'off' });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Refer to the bed bureau');
  const form = h('form', { 'aria-label': 'Refer a patient for a community bed', novalidate: true },
    h('div', { class: 'fields' }, field('NHS number', nhs), field('Age', age), field('Sex', sex), field('Home postcode', postcode),
      field('Referring site', site), field('Bed type needed', type), field('Priority', prio), field('Earliest transfer', earliest), field('Notes', notesIn)),
    h('div', { class: 'actions' }, btn), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { nhs_number: nhs.value.replace(/\s+/g, ''), age: age.value === '' ? undefined : Number(age.value), sex: sex.value,
      postcode: postcode.value.trim(), referring_site: site.value, bed_type: type.value, priority: Number(prio.value) };
    if (earliest.value) body.earliest_transfer = dateTimeValue(earliest);
    if (notesIn.value.trim()) body.notes = notesIn.value.trim();
    const r = await busy(btn, out, () => post('/api/v1/beds/referrals', body));
    if (!r) return;
    clear(out, h('div', { class: 'success', role: 'status' }, `Referral ${r.referral_id} is on the queue (${r.state}).`));
    ctx.flash(`Referral ${r.referral_id} added to the bed queue.`);
    reload();
  });
  return panel('Refer a patient for a community bed', form);
}

function myReferrals(ctx) {
  const out = h('div');
  loading(out, async () => {
    const r = await get(`/api/v1/beds/referrals${qs({ limit: 50 })}`);
    const items = r.items.slice().sort((a, b) => b.referral_id - a.referral_id).slice(0, 25);
    return table([{ key: 'referral_id', label: '#', num: true, fmt: refLink }, { key: 'referred_at', label: 'Referred', fmt: (v) => when(v) },
      { key: 'bed_type', label: 'Type', fmt: words }, { key: 'state', label: 'State', fmt: stateTag }, { key: 'bed_code', label: 'Bed' }], items,
    { caption: 'Latest referrals' });
  });
  return panel('Referrals', out);
}

export default {
  id: 'beds',
  title: 'Beds',
  roles: ['admin', 'coordinator', 'analyst', 'clinician'],
  live: ['bed.', 'bed_referral.', 'beds.', 'bed_unit.'],
  async render(root, ctx) {
    const reload = () => { destroyCharts(); return this.render(root, ctx); };
    const head = h('div', { class: 'view-head' }, h('h1', {}, 'Community beds'));
    clear(root, head);
    // Deep link: #/beds/referrals/3890 shows that bed referral first.
    if (ctx.args?.[0] === 'referrals' && ctx.args[1]) root.append(await referralDetail(ctx, ctx.args[1]));
    if (!can(ctx, 'board')) {
      root.append(await referForm(ctx, reload), myReferrals(ctx));
      return;
    }
    const boardBox = h('div');
    const unitBox = h('div', { class: 'unit-beds', 'aria-live': 'polite' });
    // Deep links: #/beds/unit/U-WILL-DEM opens that unit's beds; ?type= keeps the filter.
    if (ctx.args?.[0] === 'unit' && ctx.args[1]) ctx.unit = ctx.args[1];
    if (ctx.query?.has('type')) ctx.bedType = ctx.query.get('type');
    const type = select('type', [['', 'all types'], ...TYPES.map((t) => [t, words(t)])], ctx.bedType || '');
    const placeSel = select('place', [['', 'all places']], '');
    const freeOnly = h('input', { type: 'checkbox', name: 'free', id: 'bed-free-only', checked: ctx.query?.get('free') === '1' });
    const boardPanel = panel('Board', h('div', { class: 'fields' }, field('Bed type', type), field('Place', placeSel),
      h('p', {}, freeOnly, ' ', h('label', { for: 'bed-free-only' }, 'Only units with free beds'))), boardBox, unitBox);
    root.append(h('div', { id: 'bed-summary' }), boardPanel);
    await loading(boardBox, async () => {
      const board = await get('/api/v1/beds/board');
      for (const p of board.places) placeSel.append(h('option', { value: p.place_code }, p.name));
      placeSel.value = ctx.query?.get('place') || '';
      clear(root.querySelector('#bed-summary'), panel(`Beds now (${when(board.generated_at, { zone: true })})`, summary(board),
        note('Bed states and stays are synthetic unless the bureau has loaded its own.'),
        feedsNote(board.adt_feeds || []), gridTable(board)));
      const filters = () => ({ type: type.value, place: placeSel.value, free: freeOnly.checked });
      const draw = () => boardTable(board, filters(), (u) => { ctx.unit = u.unit_code; ctx.setArgs?.(['unit', u.unit_code]); unitBeds(unitBox, u, ctx, reload); });
      const changed = () => { ctx.bedType = type.value; ctx.setQuery?.({ type: type.value, place: placeSel.value, free: freeOnly.checked ? '1' : '' }); clear(boardBox, draw()); };
      type.addEventListener('change', changed);
      placeSel.addEventListener('change', changed);
      freeOnly.addEventListener('change', changed);
      const u = board.units.find((x) => x.unit_code === ctx.unit);
      if (u) unitBeds(unitBox, u, ctx, reload).then(() => { if (ctx.args?.[0] === 'unit') unitBox.scrollIntoView({ block: 'start' }); });
      else if (ctx.args?.[0] === 'unit') unitBox.append(note(`There is no unit ${ctx.args[1]} on the board you can see.`, 'notice'));
      return draw();
    });
    if (can(ctx, 'act')) {
      root.append(queuePanel(ctx, reload), inBedsPanel(ctx, reload), batchPanel(ctx, reload));
    }
    root.append(losPanel());
    if (can(ctx, 'referrals')) root.append(await referForm(ctx, reload));
  },
};
