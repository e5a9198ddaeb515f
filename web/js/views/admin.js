// admin.js - the Admin view: users and their roles (list, add with a
// one-time token, revoke) and the audit log with filters, each change shown
// as a readable before/after list of the fields that changed. Admin only;
// the API refuses anyone else with 403.

import { del, get, post, qs } from '../api.js';
import { busy, clear, errorBox, field, fmt, h, loading, panel, select, table, when } from '../ui.js';

// An audit record's change as rows: one per field that differs between
// before and after (nested objects flattened to a.b), values in words.
const flat = (o, pre = '', out = {}) => {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) { out[pre || 'value'] = o; return out; }
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) flat(v, pre ? `${pre}.${k}` : k, out);
    else out[pre ? `${pre}.${k}` : k] = v;
  }
  return out;
};
const shown = (v) => (v === undefined ? '' : v === null ? '(empty)' : Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : x)).join(', ')
  : typeof v === 'object' ? JSON.stringify(v) : String(v));
export function auditDiff(before, after) {
  const b = before ? flat(before) : {}, a = after ? flat(after) : {};
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  // a field empty on both sides (a filter not given, a column a new row
  // leaves unset) is not a change
  const norm = (v) => JSON.stringify(v === undefined ? null : v);
  const changed = keys.filter((k) => norm(b[k]) !== norm(a[k]));
  const same = keys.length - changed.length;
  const kind = !before ? 'created' : !after ? 'deleted' : 'changed';
  return h('div', { class: 'diff' },
    h('table', { class: 'diff-table' },
      h('caption', {}, `${changed.length} field${changed.length === 1 ? '' : 's'} ${kind}${same && before && after ? `, ${same} unchanged` : ''}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Field'), before ? h('th', { scope: 'col' }, 'Before') : null,
        after ? h('th', { scope: 'col' }, 'After') : null)),
      h('tbody', {}, changed.map((k) => h('tr', { dataset: { field: k } }, h('th', { scope: 'row' }, k.replace(/_/g, ' ')),
        before ? h('td', { class: 'was' }, h('del', {}, shown(b[k]))) : null,
        after ? h('td', { class: 'now' }, h('ins', {}, shown(a[k]))) : null)))));
}

const ROLES = ['admin', 'coordinator', 'clinician', 'trust_ops', 'analyst', 'finance', 'executive'];

async function usersPanel(ctx) {
  const list = h('div');
  const refresh = () => loading(list, async () => {
    const r = await get('/api/v1/users');
    return table([
      { key: 'name', label: 'Name', head: true },
      { key: 'role', label: 'Role' },
      { key: 'org_code', label: 'Organisation' },
      { key: 'created_at', label: 'Created', fmt: (v) => when(v) },
      { key: 'revoked_at', label: 'Revoked', fmt: (v) => when(v) },
      {
        key: (u) => u, label: 'Action', fmt: (u) => (u.revoked_at ? '' :
          h('button', { type: 'button', class: 'small danger', 'aria-label': `Revoke ${u.name}`,
            onclick: async (ev) => {
              if (!confirm(`Revoke ${u.name}? Their token stops working at once.`)) return;
              await busy(ev.target, msg, () => del(`/api/v1/users/${encodeURIComponent(u.name)}`));
              ctx.flash(`Revoked ${u.name}.`);
              refresh();
            } }, 'Revoke')),
      },
    ], r.items, { caption: `${r.items.length} users` });
  });

  const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const role = select('role', ROLES, 'analyst');
  const org = h('input', { name: 'org', placeholder: 'e.g. RYJ', autocomplete: 'off' });
  const msg = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Add user');
  const form = h('form', { 'aria-label': 'Add a user' },
    h('div', { class: 'fields' }, field('Name', name), field('Role', role),
      field('Organisation (ODS code)', org, 'optional')),
    h('div', { class: 'actions' }, btn), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { name: name.value.trim(), role: role.value };
    if (org.value.trim()) body.org = org.value.trim().toUpperCase();
    const r = await busy(btn, msg, () => post('/api/v1/users', body));
    if (!r) return;
    clear(msg, h('div', { class: 'success', role: 'status' },
      `Created ${r.name || body.name} (${r.role || body.role}). Their token, shown only once: `,
      h('code', { class: 'token' }, r.token || JSON.stringify(r))));
    name.value = '';
    refresh();
  });
  refresh();
  return panel('Users and roles', form, list);
}

function auditPanel() {
  const out = h('div');
  const action = h('input', { name: 'action', placeholder: 'e.g. user.add', autocomplete: 'off' });
  const actor = h('input', { name: 'actor', autocomplete: 'off' });
  const limit = select('limit', [25, 50, 100, 500], 50);
  let offset = 0;
  const load = () => loading(out, async () => {
    const r = await get(`/api/v1/audit${qs({ limit: limit.value, offset })}`);
    let items = r.items;
    // Filters the API may not take are applied here, on the page shown.
    if (action.value) items = items.filter((a) => a.action.includes(action.value));
    if (actor.value) items = items.filter((a) => (a.actor || '').includes(actor.value));
    const prev = h('button', { type: 'button', class: 'secondary small', disabled: offset === 0 || undefined,
      onclick: () => { offset = Math.max(0, offset - Number(limit.value)); load(); } }, 'Newer');
    const next = h('button', { type: 'button', class: 'secondary small', disabled: r.items.length < Number(limit.value) || undefined,
      onclick: () => { offset += Number(limit.value); load(); } }, 'Older');
    return [table([
      { key: 'id', label: '#', num: true },
      { key: 'at', label: 'When', fmt: (v) => when(v) },
      { key: 'actor', label: 'Who' },
      { key: 'action', label: 'Action' },
      { key: (a) => `${a.object_type || ''} ${a.object_id || ''}`, label: 'Object' },
      { key: (a) => a, label: 'Change', fmt: (a) => (a.before || a.after ? auditDiff(a.before, a.after) : '—') },
    ], items, { caption: `Audit records ${fmt(offset + 1)}–${fmt(offset + r.items.length)}`, empty: 'No audit records match.' }),
    h('div', { class: 'actions' }, prev, next)];
  });
  const form = h('form', { 'aria-label': 'Filter the audit log' },
    h('div', { class: 'fields' }, field('Action contains', action), field('Actor contains', actor), field('Rows', limit),
      h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Show'))));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); offset = 0; load(); });
  load();
  return panel('Audit log', form, out);
}

export default {
  id: 'admin',
  title: 'Admin',
  roles: ['admin'],
  async render(root, ctx) {
    clear(root, h('div', { class: 'view-head' }, h('h1', {}, 'Admin')),
      h('div', { class: 'cols' }, await usersPanel(ctx).catch(errorBox), auditPanel()));
  },
};
