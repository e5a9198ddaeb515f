// aid.js - mutual aid on the System view: requests for staff, beds,
// theatre time or equipment, the providers best placed to help (ranked from
// their latest sitreps), offers, agreeing one offer, and closing the
// request. Trust operations act for their own organisation; coordinators
// and admins for any.

import { get, post } from '../api.js';
import { busy, clear, dateInput, dayText, field, fmt, h, loading, note, panel, select, table, today } from '../ui.js';

const DETAILS = {
  staff: ['nurse', 'doctor', 'healthcare_assistant', 'therapist', 'paramedic', 'other'],
  beds: ['ga', 'critical_care', 'community', 'mental_health'],
  theatre: [],
  equipment: [],
};
const words = (s) => String(s ?? '').replace(/_/g, ' ');

function requestForm(ctx, orgs, reload) {
  const mine = ctx.me.role === 'trust_ops';
  const org = select('org', orgs.filter((o) => !mine || o.org === (ctx.me.org || '').slice(0, 3)).map((o) => [o.org, `${o.name} (${o.org})`]));
  const resource = select('resource', Object.keys(DETAILS), 'staff');
  const detail = h('input', { name: 'detail', list: 'aid-details', autocomplete: 'off' });
  const options = h('datalist', { id: 'aid-details' });
  const fill = () => clear(options, DETAILS[resource.value].map((d) => h('option', { value: d }, words(d))));
  resource.addEventListener('change', () => { detail.value = ''; fill(); });
  fill();
  const qty = h('input', { type: 'number', name: 'quantity', min: 1, value: 1 });
  const from = dateInput('date_from', today());
  const to = dateInput('date_to', today());
  const urgency = select('urgency', ['routine', 'urgent', 'critical'], 'urgent');
  const noteIn = h('input', { name: 'note', autocomplete: 'off' });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Ask for aid');
  const form = h('form', { 'aria-label': 'Ask for mutual aid' },
    h('div', { class: 'fields' }, field('For', org), field('Resource', resource),
      field('What exactly', detail, 'staff role or bed type; free text for theatre and equipment'), options,
      field('Quantity', qty), field('From', from), field('To', to), field('Urgency', urgency), field('Note', noteIn)),
    h('div', { class: 'actions' }, btn), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { org: org.value, resource: resource.value, quantity: Number(qty.value), date_from: from.value, date_to: to.value, urgency: urgency.value };
    if (detail.value.trim()) body.detail = detail.value.trim();
    if (noteIn.value.trim()) body.note = noteIn.value.trim();
    const r = await busy(btn, out, () => post('/api/v1/sitrep/aid', body));
    if (r) { ctx.flash(`Mutual-aid request ${r.id} raised for ${r.org_name || r.org}.`); reload(); }
  });
  return form;
}

// The request the user opened, and whether they asked who could help: kept
// when a live update draws the System view again, so it stays open.
const kept = { id: null, suggestions: false };

function requestDetail(ctx, r, orgs, reload) {
  const msg = h('div', { class: 'out' });
  const act = async (btn, path, body, text) => {
    const res = await busy(btn, msg, () => post(`/api/v1/sitrep/aid/${r.id}/${path}`, body));
    if (res) { ctx.flash(`Request ${r.id}: ${text}.`); reload(); }
  };
  const mineOrg = (ctx.me.org || '').slice(0, 3);
  const coord = ctx.me.role !== 'trust_ops';
  const sugg = h('div');
  const open = ['open', 'offered'].includes(r.state);
  const offerOrg = coord ? select('offer_org', orgs.filter((o) => o.org !== r.org).map((o) => [o.org, `${o.name} (${o.org})`])) : null;
  const offerQty = h('input', { type: 'number', name: 'offer_quantity', min: 1, value: r.quantity, 'aria-label': 'Quantity offered' });
  const suggest = () => loading(sugg, async () => {
    const s = await get(`/api/v1/sitrep/aid/${r.id}/suggestions`);
    return table([{ key: 'rank', label: '#', num: true }, { key: 'name', label: 'Could help', head: true }, { key: 'level', label: 'OPEL', num: true },
      { key: 'reason', label: 'Why' },
      // A suggestion resting on an older sitrep says so, and how old.
      { key: 'latest_day', label: 'From the sitrep of', fmt: (v) => (v && v < today()
        ? h('span', { class: 'pill closed', 'data-older': v }, `${dayText(v)} (older: ${Math.round((Date.parse(today()) - Date.parse(v)) / 86400000)} days)`)
        : dayText(v)) }], s.suggestions, { caption: 'Best placed to help, from their latest sitreps', empty: 'Nobody with spare capacity.' });
  });
  if (open && kept.suggestions) suggest();
  return h('div', { class: 'aid-detail' },
    h('h3', {}, `Request ${r.id}: ${r.org_name} asks for ${r.quantity} ${words(r.detail || r.resource)} (${r.resource}), ${r.date_from} to ${r.date_to}, ${r.urgency}`),
    msg,
    table([{ key: 'org_name', label: 'Offer from', head: true }, { key: 'quantity', label: 'Quantity', num: true }, { key: 'state', label: 'State' },
      { key: (o) => o, label: '', fmt: (o) => (open && o.state === 'offered' && (coord || r.org === mineOrg)
        ? h('button', { type: 'button', class: 'small', onclick: (e) => act(e.target, 'agree', { offer_id: o.id }, `offer from ${o.org} agreed`) }, 'Agree') : '') }],
    r.offers || [], { caption: 'Offers', empty: 'No offers yet.' }),
    open && (coord || r.org !== mineOrg) ? h('form', { class: 'actions', 'aria-label': `Offer aid for request ${r.id}`, onsubmit: (e) => {
      e.preventDefault();
      const body = { quantity: Number(offerQty.value) };
      if (offerOrg) body.org = offerOrg.value;
      act(e.submitter || e.target.querySelector('button'), 'offers', body, 'offer made');
    } }, offerOrg ? field('Offer from', offerOrg) : null, field('Quantity', offerQty), h('button', { type: 'submit', class: 'small' }, 'Offer')) : null,
    h('div', { class: 'actions' },
      open ? h('button', { type: 'button', class: 'small secondary', onclick: () => { kept.suggestions = true; suggest(); } }, 'Who could help?') : null,
      r.state === 'agreed' ? h('button', { type: 'button', class: 'small', onclick: (e) => act(e.target, 'fulfil', {}, 'fulfilled') }, 'Mark fulfilled') : null,
      open && (coord || r.org === mineOrg) ? h('button', { type: 'button', class: 'small danger', onclick: (e) => act(e.target, 'withdraw', {}, 'withdrawn') }, 'Withdraw') : null),
    sugg);
}

export function aidPanel(ctx, day) {
  const orgs = day.providers.map((p) => ({ org: p.org, name: p.name }));
  const list = h('div');
  const detail = h('div', { 'aria-live': 'polite' });
  const show = async (id) => {
    if (kept.id !== id) Object.assign(kept, { id, suggestions: false });
    clear(detail, requestDetail(ctx, await get(`/api/v1/sitrep/aid/${id}`), orgs, reload));
  };
  const reload = () => loading(list, async () => {
    const r = await get('/api/v1/sitrep/aid');
    clear(detail);
    if (r.items.some((x) => x.id === kept.id)) show(kept.id);
    else Object.assign(kept, { id: null, suggestions: false });
    return [note(`Showing ${r.visibility}.`), table([
      { key: 'id', label: '#', num: true },
      { key: 'org_name', label: 'Asked by', head: true },
      { key: (x) => `${x.quantity} ${words(x.detail || x.resource)}`, label: 'Needs' },
      { key: (x) => `${x.date_from} – ${x.date_to}`, label: 'When' },
      { key: 'urgency', label: 'Urgency' },
      { key: 'state', label: 'State', fmt: (v) => h('span', { class: `pill ${v}` }, v) },
      { key: (x) => (typeof x.offers === 'number' ? x.offers : (x.offers || []).length), label: 'Offers', num: true },
      { key: (x) => x, label: '', fmt: (x) => h('button', { type: 'button', class: 'small secondary', 'aria-label': `Open request ${x.id}`,
        onclick: () => show(x.id) }, 'Open') },
    ], r.items, { caption: 'Requests', empty: 'No mutual-aid requests.', rowAttrs: (x) => ({ 'data-aid': x.id }) })];
  });
  reload();
  return panel('Mutual aid', list, detail, h('details', {}, h('summary', {}, 'Ask for aid'), requestForm(ctx, orgs, reload)));
}
export default aidPanel;
