// notify.js - the notification badge and inbox in the header: the unread
// count from GET /api/v1/notifications, refreshed whenever the live stream
// brings an event (any event may have made a notification), and a list to
// open with a button to mark each one read.

import { get, post } from './api.js';
import { clear, h } from './ui.js';
import { onEvent } from './live.js';

let timer = null;
let open = false;
let stop = null;

const bell = () => document.getElementById('bell');
const badge = () => document.getElementById('badge');
const box = () => document.getElementById('inbox');

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString('en-GB', { dateStyle: 'short', timeStyle: 'short' });
}

async function load() {
  timer = null;
  let r;
  try { r = await get('/api/v1/notifications?limit=30'); } catch { return; }
  const b = badge();
  b.textContent = String(r.unread);
  b.hidden = r.unread === 0;
  bell().setAttribute('aria-label', `Notifications: ${r.unread} unread`);
  if (!open) return;
  clear(box(), h('h2', {}, 'Notifications'), r.items.length
    ? h('ul', {}, r.items.map((n) => h('li', { class: n.read_at ? 'read' : 'unread', dataset: { notification: n.id, kind: n.kind } },
      h('span', { class: 'title' }, n.title), ' ', h('small', { class: 'muted' }, when(n.at)), ' ',
      n.read_at ? null : h('button', { type: 'button', class: 'small secondary', onclick: async (e) => {
        e.target.disabled = true;
        try { await post(`/api/v1/notifications/${n.id}/read`); } finally { load(); }
      } }, 'Mark read'))))
    : h('p', { class: 'muted' }, 'Nothing needs you now.'));
}

const soon = () => { if (!timer) timer = setTimeout(load, 400); };

export function startNotifications() {
  stopNotifications();
  bell().hidden = false;
  bell().onclick = () => {
    open = !open;
    box().hidden = !open;
    bell().setAttribute('aria-expanded', String(open));
    if (open) load();
  };
  stop = onEvent(soon);
  load();
}

export function stopNotifications() {
  if (stop) stop();
  stop = null;
  open = false;
  if (box()) box().hidden = true;
  if (bell()) bell().hidden = true;
}
