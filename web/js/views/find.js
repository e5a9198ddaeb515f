// find.js - "Find a service": where to refer this patient, now. The form
// takes a postcode, age, needs and presentations (and optionally a time);
// POST /api/v1/route answers with the ranked eligible services and the
// excluded ones, each with its reason. A clinician refers to a chosen
// service (POST /api/v1/referrals); the referrals they can see are listed
// with their state and the actions the lifecycle allows.

import { get, post, put, qs } from '../api.js';
import { busy, clear, dateTimeInput, dateTimeValue, errorBox, field, fmt, h, hashLink, loading, note, num, panel, reasonButton, select, table, when } from '../ui.js';

const FINDERS = ['admin', 'clinician'];
const CAPS = ['falls', 'frailty', 'reduced_function', 'end_of_life', 'urgent_equipment', 'delirium', 'catheter',
  'diabetes', 'carer_breakdown', 'urgent_reablement', 'wound_care', 'respiratory', 'medication', 'mental_health'];
const words = (s) => s.replace(/_/g, ' ');

function checks(legend, name, values, checked = []) {
  return h('fieldset', { class: 'checks' }, h('legend', {}, legend), values.map((v) => {
    const id = `${name}-${v}`;
    return h('span', {}, h('input', { type: 'checkbox', id, name, value: v, checked: checked.includes(v) || undefined }),
      ' ', h('label', { for: id }, words(v)));
  }));
}
const ticked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

// The finder's reason is one sentence per rule, joined by "; ".
function reasonsOf(r) {
  return h('ul', { class: 'reasons' }, String(r.reason || '').split('; ').map((x) => h('li', {}, x)));
}

function answerView(ans, body, ctx, onReferred) {
  const loc = ans.location || {};
  const head = h('p', {}, `${ans.eligible_count ?? ans.eligible.length} eligible, `,
    `${ans.excluded_count ?? ans.excluded.length} excluded for a patient aged ${ans.age} at `,
    `${loc.place_name || loc.place_code || 'an unknown place'}${loc.district ? ` (${loc.district})` : ''}, `,
    `at ${when(ans.at, { zone: true })}. Ranking: ${ans.ranking || ''}.`);
  const summary = (ans.summary || []).map((line) => h('p', { class: 'summary-line', role: 'status' }, line));
  const refer = h('div', { class: 'out' });
  const eligible = table([
    { key: 'rank', label: 'Rank', num: true },
    { key: 'name', label: 'Service', head: true, fmt: (v, r) => [v, h('br'), h('small', { class: 'muted' }, `${r.service_id} · ${r.provider_ods} · ${r.phone || ''}`)] },
    { key: 'covers', label: 'Covers', fmt: (v) => (v || []).map((c) => h('span', { class: 'pill' }, words(c))) },
    { key: 'distance_km', label: 'km', num: true },
    { key: 'expected_response_minutes', label: 'Response (min)', num: true },
    { key: 'capacity', label: 'Capacity today', fmt: (c, r) => (c ? `${c.left} of ${c.of}${r.capacity_stale ? ' (stale)' : ''}` : 'not limited') },
    { key: 'reason', label: 'Why', fmt: (v, r) => reasonsOf(r) },
    { key: (r) => r, label: 'Refer', fmt: (r) => (FINDERS.includes(ctx.me.role)
      ? h('button', { type: 'button', class: 'small', 'aria-label': `Refer to ${r.name}`,
        onclick: () => clear(refer, referralForm(r, body, ctx, onReferred)) }, 'Refer') : '') },
  ], ans.eligible, { caption: 'Eligible services, best first', empty: 'No service can take this patient now; see the excluded list for why.', class: 'eligible' });
  const excluded = table([
    { key: 'name', label: 'Service', head: true, fmt: (v, r) => [v, h('br'), h('small', { class: 'muted' }, r.service_id)] },
    { key: 'excluded_by', label: 'Excluded by', fmt: (v) => h('span', { class: 'pill closed' }, words(v || '')) },
    { key: 'reason', label: 'Reasons', fmt: (v, r) => reasonsOf(r) },
    { key: 'opens_next', label: 'Opens next', fmt: (v) => when(v) },
  ], ans.excluded, { caption: 'Excluded services and why', class: 'excluded' });
  return [head, ...summary, eligible, refer, h('details', { open: ans.eligible.length === 0 || undefined },
    h('summary', {}, `Excluded services (${ans.excluded.length})`), excluded)];
}

function referralForm(svc, body, ctx, onReferred) {
  const nhs = h('input', { name: 'nhs_number', inputmode: 'numeric', autocomplete: 'off', required: true });
  const notes = h('textarea', { name: 'notes', rows: 2 });
  // Users without an organisation (e.g. an ICS administrator) name the referrer.
  const org = ctx.me.org ? null : h('input', { name: 'referrer_org', autocomplete: 'off', placeholder: 'e.g. RRU' });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Send referral');
  const form = h('form', { class: 'panel', 'aria-label': `Referral to ${svc.name}` },
    h('h3', {}, `Refer to ${svc.name}`),
    h('div', { class: 'fields' }, field('NHS number', nhs, '10 digits, e.g. 943 476 5919'),
      org ? field('Referring organisation (ODS)', org) : null, field('Notes', notes)),
    h('div', { class: 'actions' }, btn, h('button', { type: 'button', class: 'secondary', onclick: () => form.remove() }, 'Cancel')), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const b = { ...body, service_id: svc.service_id, nhs_number: nhs.value.replace(/\s+/g, '') };
    delete b.at;
    delete b.allow_partial;
    delete b.radius_km;
    if (notes.value.trim()) b.notes = notes.value.trim();
    if (org && org.value.trim()) b.referrer_org = org.value.trim().toUpperCase();
    const r = await busy(btn, out, () => post('/api/v1/referrals', b));
    if (!r) return;
    clear(out, h('div', { class: 'success', role: 'status' },
      `Referral ${r.id} sent to ${r.service_name || svc.name} (${r.provider_ods || svc.provider_ods}): ${r.state}. `,
      // "respond by" counts from when the referral was sent, not from the search
      `Expected response within ${svc.expected_response_minutes} minutes of sending, by ${when(new Date(Date.parse(r.sent_at) + svc.expected_response_minutes * 60000).toISOString())}.`));
    ctx.flash(`Referral sent to ${svc.name}.`);
    onReferred();
  });
  setTimeout(() => nhs.focus(), 0);
  return form;
}

function finderPanel(ctx, services, onReferred) {
  const exclusions = [...new Set(services.flatMap((s) => s.exclusions || []))].sort();
  const caps = [...new Set([...CAPS, ...services.flatMap((s) => s.capabilities || [])])];
  const postcode = h('input', { name: 'postcode', autocomplete: 'postal-code', placeholder: 'e.g. HA1 3UJ', required: true });
  const age = h('input', { name: 'age', type: 'number', min: 0, max: 130, required: true });
  const at = dateTimeInput('at');
  const partial = h('input', { type: 'checkbox', name: 'allow_partial', id: 'allow-partial' });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Find services');
  const form = h('form', { 'aria-label': 'Find a service', novalidate: true },
    h('div', { class: 'fields' }, field('Postcode', postcode), field('Age (years)', age),
      field('When', at, 'leave empty for now')),
    checks('Needs', 'needs', caps),
    checks('Presentations (rule services out)', 'presentations', exclusions),
    h('div', { class: 'actions' }, h('span', {}, partial, ' ', h('label', { for: 'allow-partial' }, 'Show services that cover only some needs')), btn),
    out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { postcode: postcode.value.trim(), age: age.value === '' ? null : Number(age.value),
      needs: ticked(form, 'needs'), presentations: ticked(form, 'presentations') };
    if (!body.postcode) delete body.postcode;
    if (at.value) body.at = dateTimeValue(at);
    if (partial.checked) body.allow_partial = true;
    if (body.age === null) delete body.age;
    clear(out, h('p', { class: 'loading' }, 'Finding services…'));
    out.setAttribute('aria-busy', 'true');
    const ans = await busy(btn, out, () => post('/api/v1/route', body));
    out.removeAttribute('aria-busy');
    if (ans) clear(out, answerView(ans, body, ctx, onReferred));
  });
  return panel('Where can this patient be seen?', form);
}

// One referral, opened by a deep link (#/referrals/17694): what was asked,
// of whom, when, and where it stands now.
async function referralDetail(ctx, id) {
  if (!/^\d{1,18}$/.test(id || '')) return panel(`Referral ${id}`, note('A referral is named by its number, e.g. #/referrals/17694.', 'notice'));
  const box = h('div');
  await loading(box, async () => {
    const r = await get(`/api/v1/referrals/${id}`);
    const t = (v) => (v ? when(v, { zone: true }) : null);
    const rows = [['Referral', String(r.id)], ['State', r.state], ['Service', `${r.service_name || r.service_id} (${r.service_id})`],
      ['Sent', t(r.sent_at)], ['Decided', t(r.decided_at)], ['Attended', t(r.attended_at)],
      ['Response', r.response_minutes === null || r.response_minutes === undefined ? null
        : `${num(r.response_minutes)} min${r.within_standard === true ? ', within the 2-hour standard' : r.within_standard === false ? ', outside the 2-hour standard' : ''}`],
      ['Reason', r.reason], ['Patient age', r.age], ['Needs', (r.needs || []).length ? fmt(r.needs) : null],
      ['Postcode district', r.district], ['Referred by', [r.created_by, r.referrer_org].filter(Boolean).join(', ')]];
    return [r.synthetic ? note('Synthetic referral: generated history, not a real patient.', 'notice') : null,
      h('dl', { class: 'facts', id: 'referral-detail', dataset: { ucrReferral: r.id } },
        rows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]))];
  });
  return panel(`Referral ${id}`, box);
}

// Only the receiving service's organisation (or an ICS-wide role) may accept,
// decline or record attendance, as the server rules (app/routing.c): the
// sender is not offered buttons it cannot use.
const ICS_WIDE = ['admin', 'coordinator', 'analyst', 'finance', 'executive'];
function receiver(ctx, x) {
  const mine = ctx.me.org || '', org = x.provider_ods || '';
  return ICS_WIDE.includes(ctx.me.role) || (mine !== '' && (mine === org || (mine.length === 3 && org.length === 5 && org.startsWith(mine))));
}

function referralsPanel(ctx) {
  const out = h('div');
  const act = async (btn, r, action, extra) => {
    const res = await busy(btn, msg, () => post(`/api/v1/referrals/${r.id}/${action}`, extra || {}));
    if (res) { ctx.flash(`Referral ${r.id}: ${res.state || action}.`); load(); }
  };
  const msg = h('div', { class: 'out' });
  const state = select('state', [['', 'any state'], 'sent', 'accepted', 'declined', 'attended', 'cancelled'], '');
  state.addEventListener('change', () => load());
  const load = () => loading(out, async () => {
    const r = await get(`/api/v1/referrals${qs({ limit: 15, state: state.value })}`);
    const items = r.items || r;
    return table([
      { key: 'id', label: '#', num: true, fmt: (v) => h('a', { href: hashLink('referrals', [v]) }, String(v)) },
      { key: 'sent_at', label: 'Sent', fmt: (v) => when(v) },
      { key: 'service_name', label: 'Service', fmt: (v, x) => [v || x.service_id, h('br'), h('small', { class: 'muted' }, x.service_id)] },
      { key: 'age', label: 'Age', num: true },
      { key: 'needs', label: 'Needs', fmt: (v) => fmt(v) },
      { key: 'state', label: 'State', fmt: (v) => h('span', { class: `pill ${v}` }, v) },
      { key: 'created_by', label: 'By' },
      { key: (x) => x, label: 'Actions', fmt: (x) => h('span', { class: 'actions' },
        x.state === 'sent' && receiver(ctx, x) ? [
          h('button', { type: 'button', class: 'small', onclick: (e) => act(e.target, x, 'accept') }, 'Accept'),
          reasonButton('Decline', `referral ${x.id}`, (why, btn) => act(btn, x, 'decline', { reason: why }))] : null,
        x.state === 'accepted' && receiver(ctx, x) ? h('button', { type: 'button', class: 'small', onclick: (e) => act(e.target, x, 'attend') }, 'Attended') : null,
        ['sent', 'accepted'].includes(x.state) ? h('button', { type: 'button', class: 'small danger', onclick: (e) => act(e.target, x, 'cancel') }, 'Cancel') : null) },
    ], items, { caption: `Latest ${items.length} of ${r.total ?? items.length} referrals you can see`, empty: 'No referrals.',
      rowAttrs: (x) => ({ 'data-ucr-referral': x.id }) });
  });
  load();
  return { node: panel('Referrals', h('div', { class: 'fields' }, field('State', state)), msg, out), load };
}

// "Today's capacity": the provider's own services, reported from here
// (PUT /api/v1/services/{id}/capacity), so finders see fresh figures.
function capacityPanel(ctx, services) {
  const org = ctx.me.org || '';
  const mine = services.filter((s) => s.provider_ods === org || (org.length === 3 && s.provider_ods.startsWith(org)));
  if (!mine.length) return null;
  const msg = h('div', { class: 'out', 'aria-live': 'polite' });
  const rows = mine.map((s) => {
    const used = h('input', { type: 'number', name: 'used_today', min: 0, max: 100000, required: true, 'aria-label': `Referrals taken today by ${s.name}` });
    const cap = h('input', { type: 'number', name: 'capacity', min: 0, max: 100000, value: s.daily_capacity ?? '', 'aria-label': `Capacity today of ${s.name}` });
    const btn = h('button', { type: 'submit', class: 'small' }, 'Report');
    const form = h('form', { class: 'actions', 'aria-label': `Today's capacity of ${s.name}`, dataset: { service: s.service_id } },
      h('span', {}, s.name, ' ', h('small', { class: 'muted' }, s.service_id)), field('Taken today', used), field('Capacity today', cap), btn);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { used_today: Number(used.value) };
      if (cap.value !== '') body.capacity = Number(cap.value);
      const r = await busy(btn, msg, () => put(`/api/v1/services/${encodeURIComponent(s.service_id)}/capacity`, body));
      if (r) ctx.flash(`${s.name}: ${body.used_today} taken of ${body.capacity ?? s.daily_capacity ?? 'unlimited'} today.`);
    });
    return form;
  });
  return panel("Today's capacity of your services", note('Report what each service can still take today; finders see it at once.'), ...rows, msg);
}

export default {
  id: 'find',
  title: 'Find a service',
  paths: ['referrals'],
  roles: ['admin', 'clinician', 'coordinator', 'trust_ops'],
  live: ['referral.', 'service.capacity'],
  // Only the referrals list is redrawn: a search's results stay.
  onLive(evs, ctx) { return ctx.reloadReferrals?.(); },
  async render(root, ctx) {
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Find a service'),
      note('Urgent community response: the right service for this patient, now, with the reasons.')));
    if (ctx.args?.[0] === 'referrals' && ctx.args[1]) root.append(await referralDetail(ctx, ctx.args[1]));
    const refs = referralsPanel(ctx);
    ctx.reloadReferrals = refs.load;
    if (FINDERS.includes(ctx.me.role)) {
      let services = [];
      try { services = (await get('/api/v1/services?limit=1000')).items; } catch (err) { root.append(errorBox(err)); }
      root.append(finderPanel(ctx, services, refs.load));
    }
    root.append(refs.node);
    if (['clinician', 'trust_ops'].includes(ctx.me.role) && ctx.me.org) {
      try {
        const cap = capacityPanel(ctx, (await get('/api/v1/services?limit=1000')).items);
        if (cap) root.append(cap);
      } catch (err) { root.append(errorBox(err)); }
    }
  },
};
