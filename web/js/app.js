// app.js - the dashboard's entry point: sign-in with a token (kept in
// sessionStorage for this tab only), the role-aware navigation, and a
// hash router (#/system, #/beds, ...) that renders one view at a time.
// A view a role may not use is neither in the menu nor reachable by URL;
// the API refuses it anyway, and views show a 403 in words.

import { ApiError, get, ics, lastWriteAt, setUnauthorisedHandler, token, writesInFlight } from './api.js';
import { onEvent, onState, startLive, stopLive } from './live.js';
import { startNotifications, stopNotifications } from './notify.js';
import { clear, destroyCharts, errorBox, field, h, hashLink } from './ui.js';
import system from './views/system.js';
import beds from './views/beds.js';
import find from './views/find.js';
import waitlist from './views/waitlist.js';
import analytics from './views/analytics.js';
import admin from './views/admin.js';
import board from './views/board.js';
import directory from './views/directory.js';

const VIEWS = [system, beds, find, waitlist, analytics, board, admin, directory];

// One render of a view at a time: a live refresh and the view's own reload
// after an action would otherwise interleave their appends. Each view's
// render is queued behind the one running, and its start time kept, so a
// refresh that a later render has already covered is skipped.
for (const v of VIEWS) {
  const render = v.render;
  let chain = Promise.resolve();
  v.render = function queued(root, ctx) {
    const run = chain.then(() => { v.renderedAt = performance.now(); return render.call(this, root, ctx); });
    chain = run.catch(() => {});
    return run;
  };
}
const ROLE_LABEL = {
  admin: 'ICS administrator', coordinator: 'Bed bureau coordinator', clinician: 'Clinician',
  trust_ops: 'Trust operations', analyst: 'ICS analyst', finance: 'ICS finance and governance',
  executive: 'Board member',
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let me = null;
let routed = false;

export function flash(text, kind = 'ok') {
  const el = document.getElementById('flash');
  el.className = `flash ${kind}`;
  el.textContent = text;
  el.hidden = false;
  clearTimeout(flash.t);
  flash.t = setTimeout(() => { el.hidden = true; }, 6000);
}

const allowed = (v) => me && v.roles.includes(me.role);

function signInView(message) {
  destroyCharts();
  nav.hidden = true;
  who.hidden = true;
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false' });
  const out = h('div', { class: 'out' }, message ? errorBox({ detail: message }) : null);
  const btn = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'signin', 'aria-labelledby': 'signin-h' },
    h('h1', { id: 'signin-h' }, 'Sign in to icsflow'),
    h('p', {}, 'Paste the access token you were given (`make run` prints one for the administrator; ',
      'an administrator creates others with `icsflow user add`). It is kept for this browser tab only.'),
    field('Access token', input),
    btn, out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    btn.disabled = true;
    clear(out, h('p', { class: 'loading' }, 'Checking…'));
    try {
      const u = await get('/api/v1/me', { token: input.value.trim() });
      token.set(input.value.trim());
      me = u;
      start();
    } catch (err) {
      clear(out, errorBox(err.status === 401 ? { detail: `That token was not accepted: ${err.detail}` } : err));
    } finally {
      btn.disabled = false;
    }
  });
  clear(main, form);
  input.focus();
  // People sign in through the ICS's identity provider when one is set up
  // (OpenID Connect, e.g. NHS CIS2); pasted tokens stay for service accounts.
  get('/api/v1/auth/config', { token: '' }).then((cfg) => {
    if (!cfg.oidc) return;
    form.insertBefore(h('p', { class: 'oidc' },
      h('a', { class: 'button', id: 'oidc-signin', href: cfg.login }, 'Sign in with NHS Care Identity'),
      ' or paste an access token below.'), form.children[1]);
  }).catch(() => {});
}

function buildNav() {
  clear(nav, h('ul', {}, VIEWS.filter(allowed).map((v) =>
    h('li', {}, h('a', { href: `#/${v.id}`, id: `nav-${v.id}` }, v.title)))));
  nav.hidden = false;
  document.getElementById('who-name').textContent =
    `${me.name} · ${ROLE_LABEL[me.role] || me.role}${me.org ? ` · ${me.org}` : ''}`;
  who.hidden = false;
}

// ---- live updates -----------------------------------------------------------
// A view lists the event types (or type prefixes ending in '.') that change
// what it shows in `live`; when one arrives the view is drawn again in place
// (its scroll kept), and the rows the events name flash briefly. While the
// user is typing in the view the redraw waits, so nothing they entered is lost.
let current = null; // { view, root, ctx }
let pending = [];
let timer = null;
let firstAt = 0; // when the oldest pending event arrived

const wants = (view, ev) => ev.reset || (view.live || []).some((t) =>
  (t.endsWith('.') ? ev.type?.startsWith(t) : ev.type === t));

// Selectors of the rows an event is about (data-* attributes the views set).
function rowsOf(ev) {
  const p = ev.payload || {};
  const sel = [];
  if (ev.type === 'bed.status') sel.push(`[data-bed="${p.bed_id}"]`, `[data-unit="${p.unit_code}"]`);
  if (ev.type?.startsWith('bed_referral.')) sel.push(`[data-referral="${p.referral_id}"]`);
  if (ev.type?.startsWith('bed_unit.')) sel.push(`[data-unit="${p.unit_code}"]`);
  if (ev.type?.startsWith('referral.')) sel.push(`[data-ucr-referral="${ev.object_id}"]`);
  if (ev.type?.startsWith('aid.')) sel.push(`[data-aid="${p.id ?? ev.object_id}"]`);
  if (ev.type?.startsWith('action.')) sel.push(`[data-action="${p.id ?? ev.object_id}"]`);
  if (ev.type?.startsWith('sitrep.') || ev.type?.startsWith('opel.')) sel.push(`[data-org="${p.org}"]`);
  if (ev.type === 'service.capacity') sel.push(`[data-service="${p.service_id}"]`);
  if (ev.type === 'waitlist.allocated' || ev.type === 'allocation.run') sel.push(`[data-run="${p.id}"]`);
  return sel.filter((x) => !x.includes('undefined') && !x.includes('"null"'));
}

function editing() {
  const a = document.activeElement;
  return a && main.contains(a) && ['INPUT', 'TEXTAREA', 'SELECT'].includes(a.tagName) && a.type !== 'checkbox';
}

async function refresh() {
  timer = null;
  if (!current || !current.root.isConnected) { pending = []; return; }
  if (editing()) { timer = setTimeout(refresh, 1500); return; }
  if (writesInFlight()) { timer = setTimeout(refresh, 300); return; }
  const evs = pending;
  pending = [];
  const { view, root, ctx } = current;
  // The view drew itself again after these events arrived (its own reload
  // after an action): it shows them already.
  // Events arriving just after this tab's own change are that change's: the
  // view drew itself again after it, so it shows them already.
  const w = lastWriteAt();
  const ours = w && firstAt - w < 2000 && (view.renderedAt || 0) >= w - 50;
  if (((view.renderedAt || 0) > firstAt || ours) && !evs.some((e) => e.reset)) {
    flashRows(root, evs);
    return;
  }
  // A view may refresh only the panel concerned (and keep, say, search results).
  if (view.onLive && !evs.some((e) => e.reset)) {
    await view.onLive(evs, ctx);
    flashRows(root, evs);
    return;
  }
  const y = window.scrollY;
  destroyCharts();
  root.setAttribute('aria-busy', 'true');
  try {
    await view.render(root, ctx);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) console.error(err);
  } finally {
    root.removeAttribute('aria-busy');
  }
  window.scrollTo(0, y);
  flashRows(root, evs);
}

// Panels that load on their own finish a little later: flash after them.
function flashRows(root, evs) {
  setTimeout(() => {
    for (const ev of evs)
      for (const sel of rowsOf(ev))
        for (const el of root.querySelectorAll(sel)) {
          el.classList.remove('changed');
          void el.offsetWidth; // restart the animation
          el.classList.add('changed');
        }
  }, 300);
}

onEvent((ev) => {
  if (!current || !wants(current.view, ev)) return;
  if (!pending.length) firstAt = performance.now();
  pending.push(ev);
  if (!timer) timer = setTimeout(refresh, 250);
});

onState((s) => {
  document.getElementById('live').hidden = s !== 'down';
  document.body.dataset.live = s;
});

// '#/view/a/b?x=1' -> { id: 'view', args: ['a', 'b'], query: URLSearchParams }
export function parseHash(hash) {
  const raw = (hash || '').replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const [, id, ...args] = path.split('/');
  return { id, args: args.filter((a) => a !== '').map((a) => { try { return decodeURIComponent(a); } catch { return a; } }),
    query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

async function route() {
  if (!me) return;
  current = null;
  destroyCharts();
  const { id, args: rest, query } = parseHash(location.hash);
  const first = VIEWS.find(allowed);
  // A view may answer other first segments too (#/referrals/17694 is the
  // Find a service view's): it gets that segment as its first argument.
  const view = VIEWS.find((v) => v.id === id) || VIEWS.find((v) => (v.paths || []).includes(id));
  if (!view || !allowed(view)) {
    if (view) flash(`Your role (${me.role}) cannot open ${view.title}.`, 'warn');
    location.replace(`#/${first.id}`);
    return;
  }
  for (const a of nav.querySelectorAll('a')) a.removeAttribute('aria-current');
  nav.querySelector(`#nav-${view.id}`)?.setAttribute('aria-current', 'page');
  document.title = `${view.title} · icsflow`;
  // Busy until the view has rendered; its panels mark their own loads.
  const root = h('div', { class: `view view-${view.id}`, 'data-view': view.id, 'aria-busy': 'true' });
  clear(main, root);
  // Deep links: #/beds/unit/U-WILL-DEM?type=stroke gives the view
  // args ['unit', 'U-WILL-DEM'] and query {type: 'stroke'}; a view keeps its
  // filters in the address with ctx.setQuery (no reload, no history entry),
  // and builds links to other views with hashLink.
  const args = view.id === id ? rest : [id, ...rest];
  const ctx = { me, args, query, flash,
    // A view drawn again after the user has moved on must not take the
    // address back: only the current view's context writes it.
    setQuery: (q) => {
      if (current?.ctx !== ctx) return;
      for (const [k, v] of Object.entries(q)) (v === '' || v === null || v === undefined ? query.delete(k) : query.set(k, v));
      history.replaceState(null, '', hashLink(view.id === id ? view.id : id, view.id === id ? ctx.args : ctx.args.slice(1), Object.fromEntries(query)));
    },
    setArgs: (a) => {
      if (current?.ctx !== ctx) return;
      ctx.args = a;
      const own = a[0] && (view.paths || []).includes(a[0]);
      history.replaceState(null, '', hashLink(own ? a[0] : view.id, own ? a.slice(1) : a, Object.fromEntries(query)));
    } };
  current = { view, root, ctx };
  try {
    await view.render(root, ctx);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return; // already signed out
    clear(root, errorBox(err instanceof ApiError ? err : { detail: String(err) }));
    if (!(err instanceof ApiError)) console.error(err);
  } finally {
    root.removeAttribute('aria-busy');
  }
  // Move focus to the new content, except on first load (so the first Tab
  // still reaches the skip link).
  if (routed) main.focus({ preventScroll: true });
  routed = true;
}

// ---- the ICS switcher ---------------------------------------------------------
// Shown to users who may see more than one ICS (GET /api/v1/ics): the chosen
// ICS is kept for this tab and sent with the reads that answer per ICS.
async function buildIcsSwitch() {
  let list = [];
  try { list = (await get('/api/v1/ics')).items || []; } catch { return; }
  const home = list.find((x) => x.home) || list[0];
  if (!list.some((x) => x.code === ics.get())) ics.set('');
  const chosen = list.find((x) => x.code === ics.get()) || home;
  if (chosen) document.getElementById('ics-name').textContent = `${chosen.name} ICS`;
  const wrap = document.getElementById('ics-switch');
  if (list.length < 2) { wrap.hidden = true; return; }
  const sel = document.getElementById('ics-select');
  clear(sel, ...list.map((x) => h('option', { value: x.code }, `${x.name} (${x.code})${x.home ? ' · home' : ''}`)));
  sel.value = chosen.code;
  sel.onchange = () => {
    ics.set(sel.value === home.code ? '' : sel.value);
    const c = list.find((x) => x.code === sel.value);
    document.getElementById('ics-name').textContent = `${c.name} ICS`;
    route();
  };
  wrap.hidden = false;
}

async function start() {
  buildNav();
  buildIcsSwitch();
  startLive();
  startNotifications();
  if (!location.hash || location.hash === '#/' || location.hash === '#/signin') {
    location.hash = `#/${VIEWS.find(allowed).id}`;
  } else {
    route();
  }
}

setUnauthorisedHandler((detail) => {
  stopLive();
  stopNotifications();
  token.clear();
  ics.set('');
  me = null;
  signInView(`You have been signed out: ${detail}`);
});

document.getElementById('signout').addEventListener('click', () => {
  stopLive();
  stopNotifications();
  token.clear();
  ics.set('');
  document.getElementById('ics-switch').hidden = true;
  me = null;
  location.hash = '#/signin';
  signInView();
});

window.addEventListener('hashchange', route);
// A 401 met by a background load has already signed the user out.
window.addEventListener('unhandledrejection', (ev) => {
  if (ev.reason instanceof ApiError && ev.reason.status === 401) ev.preventDefault();
});

(async () => {
  // OpenID Connect sign-in comes back as #session=<token>: keep it for this
  // tab and take it out of the address bar and the history at once.
  const sess = /^#session=([A-Za-z0-9_-]{43})$/.exec(location.hash);
  if (sess) {
    token.set(sess[1]);
    history.replaceState(null, '', location.pathname);
  }
  if (!token.get()) return signInView();
  try {
    me = await get('/api/v1/me');
    start();
  } catch (err) {
    if (err.status !== 401) signInView(err.detail);
  }
})();
