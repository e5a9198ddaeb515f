// actions.js - the OPEL escalation actions checklist on the System view:
// the actions the ICS's levels called for today (per pillar, or all of a
// level when the ICS as a whole reaches it), who owns each, and a way to
// take one, assign it to a colleague, tick it and add a time-stamped note.
// Only coordinators, admins and the action's owning role (and organisation)
// see the buttons; the server decides (may_act) and checks again.

import { get, post, qs } from '../api.js';
import { busy, clear, h, note, panel } from '../ui.js';

const PILLAR = { acute: 'Acute', community: 'Community', mental_health: 'Mental health', nhs111: 'NHS 111', ics: 'Whole ICS' };
const when = (t) => (t ? String(t).slice(11, 16) : '');

function item(ctx, a, reload) {
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const act = async (btn, path, body, text) => {
    const r = await busy(btn, out, () => post(`/api/v1/sitrep/actions/${a.id}/${path}`, body));
    if (r) { ctx.flash(text); reload(); }
  };
  const owner = `${a.owner_role.replace('_', ' ')}${a.owner_org ? ` of ${a.owner_org}` : ''}`;
  const state = a.done_at ? `done ${when(a.done_at)} by ${a.done_by}` : a.assignee ? `with ${a.assignee} since ${when(a.assigned_at)}` : 'not assigned';
  const kids = [
    h('div', { class: 'action-head' },
      h('span', { class: `opel opel-${a.level}` }, `OPEL ${a.level}`), ' ',
      h('b', {}, PILLAR[a.pillar] || a.pillar), ' · ',
      h('span', { class: a.done_at ? 'done' : '' }, a.action)),
    h('small', { class: 'muted' }, `Owner: ${owner}. Opened ${when(a.opened_at)} because ${a.reason}. `, h('span', { class: 'action-state' }, state)),
    (a.notes || []).length ? h('ul', { class: 'notes' }, a.notes.map((n) => h('li', {}, h('small', { class: 'muted' }, `${when(n.at)} ${n.by_user}: `), n.text))) : null,
  ];
  if (a.may_act) {
    const take = h('button', { type: 'button', class: 'small secondary' }, 'Take it');
    take.addEventListener('click', () => act(take, 'assign', {}, `Action ${a.id} is yours.`));
    const to = h('input', { name: 'to', placeholder: 'user name', autocomplete: 'off', 'aria-label': `Assign action ${a.id} to` });
    const give = h('button', { type: 'button', class: 'small secondary' }, 'Assign');
    give.addEventListener('click', () => act(give, 'assign', { to: to.value.trim() }, `Action ${a.id} assigned to ${to.value.trim()}.`));
    const tick = h('input', { type: 'checkbox', name: 'done', checked: a.done_at ? true : undefined, 'aria-label': `Action ${a.id} done` });
    tick.addEventListener('change', () => act(tick, 'done', { done: tick.checked }, `Action ${a.id} ${tick.checked ? 'done' : 'reopened'}.`));
    const text = h('input', { name: 'note', placeholder: 'add a note', autocomplete: 'off', maxlength: 1000, 'aria-label': `Note on action ${a.id}` });
    const add = h('button', { type: 'button', class: 'small secondary' }, 'Add note');
    add.addEventListener('click', () => act(add, 'note', { text: text.value }, `Note added to action ${a.id}.`));
    kids.push(h('div', { class: 'actions' }, h('label', {}, tick, ' done'), a.assignee === ctx.me.name ? null : take, to, give, text, add), out);
  }
  return h('li', { class: a.done_at ? 'action done' : 'action', 'data-action': a.id }, kids);
}

// The checklist for a day; reload draws the System view again.
export async function actionsPanel(ctx, day, reload) {
  const list = await get(`/api/v1/sitrep/actions${qs({ day })}`);
  const body = h('div', { id: 'actions' });
  if (!list.definitions) {
    clear(body, note(`No escalation actions are loaded for ${list.ics}: an administrator loads them with icsflow sitrep actions --load.`));
  } else if (!list.items.length) {
    clear(body, note(`No escalation action is due on ${list.day}: no pillar and not the ICS has reached a level with actions.`));
  } else {
    clear(body, h('p', {}, `${list.open} open, ${list.done} done.`),
      h('ul', { class: 'checklist' }, list.items.map((a) => item(ctx, a, reload))));
  }
  body.append(note(`Actions: ${list.source || 'none loaded'}. They open when a provider of their pillar, or the ICS as a whole, reaches their level.`));
  return panel('Escalation actions', body);
}
