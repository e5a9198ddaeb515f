// directory.js - the Directory view: an ICS administrator keeps places,
// organisations, sites, services and bed units up to date. Each form is
// drawn from the API's own schema (OpenAPI components: required fields,
// kinds, allowed values), sends the row to POST or PUT /api/v1/<collection>,
// and shows the server's validation beside each field, so the screen checks
// exactly what the API checks. Deep links: #/directory/sites,
// #/directory/sites/RYJ01 (that site's form), #/directory/sites?q=text.

import { del, get, post, put, qs } from '../api.js';
import { busy, clear, field, h, hashLink, loading, note, panel, select, table } from '../ui.js';

const COLLECTIONS = [
  ['organisations', 'Organisations', 'ods_code'], ['sites', 'Sites', 'site_code'],
  ['services', 'Services', 'service_id'], ['units', 'Bed units', 'unit_code'], ['places', 'Places', 'code'],
];
// The form's words for the API's field names.
const LABELS = {
  code: 'ONS code', ods_code: 'ODS code', org_code: 'Organisation (ODS code)', site_code: 'Site code',
  place_code: 'Place (ONS code)', name: 'Name', kind: 'Kind', postcode: 'Postcode', lat: 'Latitude', lon: 'Longitude',
  service_id: 'Service id', provider_ods: 'Provider (ODS code)', places: 'Places served (ONS codes)',
  districts: 'Postcode districts', hours: 'Opening hours', capabilities: 'Capabilities', min_age: 'Minimum age',
  max_age: 'Maximum age', exclusions: 'Exclusions', response_minutes: 'Response time (minutes)',
  daily_capacity: 'Daily capacity', phone: 'Phone', unit_code: 'Unit code', bed_type: 'Bed type', sex: 'Sex of the unit',
  beds: 'Beds', commissioned_by: 'Commissioned by (ONS codes)', imd2019_avg_score: 'IMD 2019 average score',
  imd2019_rank_avg_score: 'IMD 2019 rank of the average score', lsoa_count: 'LSOAs',
};
const label = (k) => LABELS[k] || (/^lsoa_q(\d)$/.test(k) ? `LSOAs in deprivation quintile ${k.slice(-1)}` : k.replace(/_/g, ' '));
// Columns of the list (the rest are in the form).
const SHOWN = {
  organisations: ['ods_code', 'name', 'kind', 'postcode'], sites: ['site_code', 'name', 'org_code', 'kind', 'postcode'],
  services: ['service_id', 'name', 'provider_ods', 'hours', 'response_minutes'],
  units: ['unit_code', 'name', 'site_code', 'bed_type', 'sex', 'beds'], places: ['code', 'name', 'imd2019_avg_score'],
};

let schemas = null;
async function schemaOf(name) {
  if (!schemas) schemas = (await get('/api/v1/openapi.json', { token: '' })).components?.schemas || {};
  return schemas[name];
}

// One input per property of the schema; lists are comma-separated text.
function inputFor(k, prop, required, value) {
  if (prop.enum) {
    const opts = prop.enum.map((x) => [x, x.replace(/_/g, ' ')]);
    return select(k, required ? opts : [['', '(none)'], ...opts], value ?? '');
  }
  if (prop.type === 'integer' || prop.type === 'number')
    return h('input', { type: 'number', name: k, step: prop.type === 'integer' ? 1 : 'any', min: prop.minimum,
      value: value ?? '', required: required || undefined });
  const v = Array.isArray(value) ? value.join(', ') : value ?? '';
  return h('input', { type: 'text', name: k, value: v, required: required || undefined, autocomplete: 'off',
    pattern: prop.pattern ? prop.pattern.replace(/^\^|\$$/g, '') : undefined, spellcheck: 'false' });
}

function rowForm(ctx, coll, key, schema, row, done) {
  const props = schema.properties || {};
  const req = new Set(schema.required || []);
  const editing = !!row;
  const inputs = Object.entries(props).map(([k, p]) => {
    const input = inputFor(k, p, req.has(k), row?.[k]);
    if (editing && k === key) input.readOnly = true;
    const hint = p.type === 'array' ? 'separate several with commas' : p.example ? `e.g. ${p.example}` : undefined;
    return [k, p, input, field(`${label(k)}${req.has(k) ? '' : ' (optional)'}`, input, hint)];
  });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, editing ? 'Save changes' : 'Add');
  const title = editing ? `Change ${row.name || row[key]}` : `Add to ${coll}`;
  // The server checks every value (and says what is wrong beside each
  // field, in this form's words), so the browser's own checks stay off.
  const form = h('form', { 'aria-label': title, class: 'dir-form', novalidate: true, dataset: { collection: coll } },
    h('h3', {}, title), h('div', { class: 'fields' }, inputs.map((x) => x[3])),
    h('div', { class: 'actions' }, btn,
      h('button', { type: 'button', class: 'secondary', onclick: () => done(null) }, editing ? 'Close' : 'Cancel')), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [k, p, input] of inputs) {
      const v = input.value.trim();
      if (v === '') continue;
      if (p.type === 'array') body[k] = v.split(',').map((x) => x.trim()).filter(Boolean);
      else if (p.type === 'integer' || p.type === 'number') body[k] = Number(v);
      else body[k] = v;
    }
    const r = await busy(btn, out, () => (editing
      ? put(`/api/v1/${coll}/${encodeURIComponent(row[key])}`, body)
      : post(`/api/v1/${coll}`, body)));
    if (!r) return;
    ctx.flash(`${editing ? 'Saved' : 'Added'} ${r.name || r[key]} (${r[key]}).`);
    done(r);
  });
  return form;
}

async function collectionPanel(ctx, coll, title, key) {
  const schema = await schemaOf(coll);
  if (!schema) return panel(title, note(`This server does not describe ${coll}.`, 'notice'));
  const list = h('div');
  const editor = h('div', { class: 'dir-editor' });
  const q = h('input', { type: 'search', name: 'q', value: ctx.query?.get('q') || '', autocomplete: 'off' });
  const msg = h('div', { class: 'out', 'aria-live': 'polite' });
  let rows = [];
  const open = (row) => {
    ctx.setArgs?.(row ? [coll, row[key]] : [coll]);
    clear(editor, rowForm(ctx, coll, key, schema, row, (saved) => {
      clear(editor);
      ctx.setArgs?.([coll]);
      if (saved) load();
    }));
    editor.querySelector('input:not([readonly]), select')?.focus();
  };
  const remove = (row) => {
    const box = h('span', { class: 'actions' });
    const ask = () => clear(box, h('button', { type: 'button', class: 'small danger', 'aria-label': `Delete ${row[key]}`, onclick: confirm }, 'Delete'));
    const confirm = () => clear(box,
      h('button', { type: 'button', class: 'small danger', 'aria-label': `Yes, delete ${row[key]}`, onclick: async (ev) => {
        const ok = await busy(ev.target, msg, () => del(`/api/v1/${coll}/${encodeURIComponent(row[key])}`).then(() => true));
        if (ok) { ctx.flash(`Deleted ${row.name || row[key]} (${row[key]}).`); load(); }
      } }, `Yes, delete ${row[key]}`),
      h('button', { type: 'button', class: 'small secondary', onclick: ask }, 'Keep'));
    ask();
    return box;
  };
  const draw = () => {
    const text = q.value.trim().toLowerCase();
    ctx.setQuery?.({ q: text });
    const shown = text ? rows.filter((r) => Object.values(r).some((v) => String(v ?? '').toLowerCase().includes(text))) : rows;
    return table([
      ...(SHOWN[coll] || [key, 'name']).map((k, i) => ({ key: k, label: label(k), head: i === 0,
        fmt: Array.isArray(rows[0]?.[k]) ? (v) => (v || []).join(', ') : undefined })),
      { key: (r) => r, label: 'Actions', fmt: (r) => h('span', { class: 'actions' },
        h('a', { class: 'button small secondary', href: hashLink('directory', [coll, r[key]]), 'aria-label': `Change ${r[key]}` }, 'Change'),
        remove(r)) },
    ], shown, { caption: `${shown.length} of ${rows.length} ${title.toLowerCase()}`, rowAttrs: (r) => ({ 'data-key': r[key] }) });
  };
  const load = () => loading(list, async () => {
    rows = (await get(`/api/v1/${coll}${qs({ limit: 1000 })}`)).items || [];
    const pick = ctx.args?.[0] === coll && ctx.args[1];
    if (pick) {
      const row = rows.find((r) => String(r[key]) === pick);
      if (row) open(row);
      else clear(editor, note(`There is no ${label(key)} ${pick} among the ${coll} you may see.`, 'notice'));
    }
    return draw();
  });
  q.addEventListener('input', () => clear(list, draw()));
  await load();
  return panel(title, h('div', { class: 'actions' },
    h('button', { type: 'button', onclick: () => open(null) }, `Add to ${title.toLowerCase()}`),
    field('Filter', q)), editor, msg, list);
}

export default {
  id: 'directory',
  title: 'Directory',
  roles: ['admin'],
  live: ['directory.'],
  async render(root, ctx) {
    const coll = COLLECTIONS.find(([c]) => c === ctx.args?.[0]) || COLLECTIONS[0];
    const tabs = h('nav', { class: 'tabs', 'aria-label': 'Directory collections' }, h('ul', {}, COLLECTIONS.map(([c, t]) =>
      h('li', {}, h('a', { href: hashLink('directory', [c]), 'aria-current': c === coll[0] ? 'page' : undefined }, t)))));
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Directory'),
      note('Places, organisations, sites, services and bed units of your ICS. Every change is checked as the API checks it and audited.')),
    tabs);
    root.append(await collectionPanel(ctx, coll[0], coll[1], coll[2]));
  },
};
