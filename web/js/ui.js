// ui.js - small DOM helpers shared by the views: an element builder that
// never parses HTML (text is always text), accessible tables and form
// fields, loading and error states, OPEL badges, SVG sparklines and a
// Chart.js wrapper that the router cleans up when the view changes.

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    // Through the CSSOM, which the Content-Security-Policy allows (a style
    // attribute would be inline style, which it refuses).
    else if (k === 'style') el.style.cssText = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, kids);
  return el;
}

function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === undefined || k === null || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

export function clear(el, ...kids) {
  el.replaceChildren();
  append(el, kids);
  return el;
}

let uid = 0;
export const nextId = (p = 'f') => `${p}-${++uid}`;

// A labelled form field. input is an element; the label is tied to it.
export function field(label, input, hint) {
  if (!input.id) input.id = nextId();
  const kids = [h('label', { for: input.id }, label), input];
  if (hint) {
    const hid = nextId('hint');
    input.setAttribute('aria-describedby', hid);
    kids.push(h('small', { id: hid, class: 'hint' }, hint));
  }
  return h('div', { class: 'field' }, kids);
}

export function select(name, options, value) {
  const s = h('select', { name });
  for (const o of options) {
    const [v, t] = Array.isArray(o) ? o : [o, o];
    s.append(h('option', { value: v, selected: String(v) === String(value) || undefined }, t));
  }
  return s;
}

export function panel(title, ...body) {
  const hid = nextId('p');
  return h('section', { class: 'panel', 'aria-labelledby': hid },
    h('h2', { id: hid }, title), body);
}

export function note(text, cls = 'muted') { return h('p', { class: cls }, text); }

// columns: [{key, label, fmt?(value,row) -> node|string, num?}]
export function table(columns, rows, opts = {}) {
  const t = h('table', { class: `grid ${opts.class || ''}` });
  if (opts.caption) t.append(h('caption', {}, opts.caption));
  t.append(h('thead', {}, h('tr', {}, columns.map((c) =>
    h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.label)))));
  const tb = h('tbody');
  if (!rows.length)
    tb.append(h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, opts.empty || 'Nothing to show.')));
  for (const r of rows) {
    const tr = h('tr', opts.rowAttrs ? opts.rowAttrs(r) : {});
    for (const c of columns) {
      const v = typeof c.key === 'function' ? c.key(r) : r[c.key];
      const out = c.fmt ? c.fmt(v, r) : fmt(v);
      tr.append(h(c.head ? 'th' : 'td', { class: c.num ? 'num' : undefined, scope: c.head ? 'row' : undefined }, out));
    }
    tb.append(tr);
  }
  t.append(tb);
  return h('div', { class: 'table-wrap' }, t);
}

export function fmt(v, digits = 1) {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-GB') : v.toFixed(digits);
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
export const pct = (v, d = 1) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(d)}%`);

export function errorBox(err) {
  const msg = err && err.detail ? err.detail : String(err && err.message ? err.message : err);
  const forbidden = err && err.status === 403;
  return h('div', { class: forbidden ? 'notice' : 'error', role: 'alert' },
    h('strong', {}, forbidden ? 'Not available to your role: ' : 'Error: '), msg);
}

// Show a loading state in el while fn runs; fn returns nodes to show.
// Errors (including 403) end up in the same place, in words.
export async function loading(el, fn, label = 'Loading…') {
  el.setAttribute('aria-busy', 'true');
  destroyCharts(el);
  clear(el, h('p', { class: 'loading' }, label));
  try {
    const out = await fn();
    clear(el, out);
  } catch (err) {
    clear(el, errorBox(err));
    if (!err || err.status === undefined) console.error(err);
  } finally {
    el.removeAttribute('aria-busy');
  }
}

// Disable a button while an async action runs; show the error next to it.
export async function busy(btn, out, fn) {
  const label = btn.textContent;
  btn.disabled = true;
  btn.textContent = `${label}…`;
  if (out) clear(out);
  try {
    return await fn();
  } catch (err) {
    if (out) clear(out, errorBox(err));
    else throw err;
    return undefined;
  } finally {
    btn.disabled = false;
    btn.textContent = label;
  }
}

export const OPEL_TEXT = {
  1: 'OPEL 1 – steady', 2: 'OPEL 2 – moderate pressure', 3: 'OPEL 3 – severe pressure', 4: 'OPEL 4 – extreme pressure',
};
export function opelBadge(level) {
  if (!level) return h('span', { class: 'opel opel-0', title: 'no level' }, 'no level');
  return h('span', { class: `opel opel-${level}`, title: OPEL_TEXT[level] || '' }, `OPEL ${level}`);
}

// Inline SVG sparkline of numbers (nulls are gaps); max defaults to the data's.
export function sparkline(values, opts = {}) {
  const w = opts.width || 96, hgt = opts.height || 22;
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
  svg.setAttribute('width', w);
  svg.setAttribute('height', hgt);
  svg.setAttribute('class', 'spark');
  svg.setAttribute('role', 'img');
  const nums = values.filter((v) => typeof v === 'number');
  svg.setAttribute('aria-label', opts.label || `trend: ${nums.join(', ')}`);
  if (nums.length < 2) return svg;
  const lo = opts.min ?? Math.min(...nums), hi = opts.max ?? Math.max(...nums);
  const sx = (i) => (values.length === 1 ? w / 2 : (i * (w - 4)) / (values.length - 1) + 2);
  const sy = (v) => (hi === lo ? hgt / 2 : hgt - 2 - ((v - lo) * (hgt - 4)) / (hi - lo));
  let d = '', pen = false;
  values.forEach((v, i) => {
    if (typeof v !== 'number') { pen = false; return; }
    d += `${pen ? 'L' : 'M'}${sx(i).toFixed(1)},${sy(v).toFixed(1)}`;
    pen = true;
  });
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', d);
  svg.append(p);
  const last = values.length - 1;
  if (typeof values[last] === 'number') {
    const c = document.createElementNS(ns, 'circle');
    c.setAttribute('cx', sx(last));
    c.setAttribute('cy', sy(values[last]));
    c.setAttribute('r', 2);
    svg.append(c);
  }
  return svg;
}

// Charts made by the current view; the router destroys them on navigation.
const charts = new Set();
export function chart(config, opts = {}) {
  const canvas = h('canvas', { role: 'img', 'aria-label': opts.label || 'chart' });
  const box = h('div', { class: `chart ${opts.class || ''}` }, canvas);
  if (!window.Chart) {
    box.replaceChildren(note('The chart library is not loaded (run `make` to copy web/vendor/).', 'error'));
    return box;
  }
  config.options = { responsive: true, maintainAspectRatio: false, animation: false, ...(config.options || {}) };
  // Chart.js needs the canvas in the document to size it; wait a frame.
  requestAnimationFrame(() => { if (canvas.isConnected) charts.add(new window.Chart(canvas, config)); });
  return box;
}
// Destroy the charts inside el (all of them when el is not given), and any
// whose canvas has left the page.
export function destroyCharts(el) {
  for (const c of charts) {
    if (!el || !c.canvas || !c.canvas.isConnected || el.contains(c.canvas)) {
      c.destroy();
      charts.delete(c);
    }
  }
}

export const today = () => new Date().toISOString().slice(0, 10);
export function localDateTime(d = new Date()) {
  const z = new Date(d.getTime() - d.getTimezoneOffset() * 60000);
  return z.toISOString().slice(0, 16);
}

// A button for an action that needs a reason: a click opens a labelled
// input in place; Enter or OK sends it, Escape or Back closes it.
export function reasonButton(label, what, onSubmit, cls = 'small secondary') {
  const box = h('span', { class: 'actions reason' });
  const closed = () => clear(box, h('button', { type: 'button', class: cls, 'aria-label': `${label} ${what}`, onclick: open }, label));
  function open() {
    const input = h('input', { type: 'text', name: 'reason', 'aria-label': `Reason to ${label.toLowerCase()} ${what}`, placeholder: 'reason', required: true });
    const ok = h('button', { type: 'submit', class: 'small' }, 'OK');
    const form = h('form', { class: 'actions' }, input, ok,
      h('button', { type: 'button', class: 'small secondary', onclick: closed }, 'Back'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!input.value.trim()) { input.focus(); return; }
      await onSubmit(input.value.trim(), ok);
    });
    input.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closed(); });
    clear(box, form);
    input.focus();
  }
  closed();
  return box;
}
