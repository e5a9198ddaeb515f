// ui.js - small DOM helpers shared by the views: an element builder that
// never parses HTML (text is always text), accessible tables and form
// fields (with each server error shown beside its field), loading and
// error states, OPEL badges, SVG sparklines, a Chart.js wrapper that the
// router cleans up when the view changes, one way to download any table
// (CSV) or chart (PNG or SVG, and its data as CSV), and the formatting of
// numbers, money, intervals and times for people.

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

// A deep link into the dashboard: hashLink('beds', ['unit', 'U-WILL-DEM'],
// { type: 'stroke' }) -> '#/beds/unit/U-WILL-DEM?type=stroke' (empty
// filters left out). app.js parses it into the view's ctx.args and ctx.query.
export function hashLink(view, args = [], query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const path = [view, ...(args || []).map((a) => encodeURIComponent(a))].join('/');
  return `#/${path}${q.toString() ? `?${q}` : ''}`;
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
      const out = c.fmt ? c.fmt(v, r) : isIdKey(c.key) ? idText(v) : fmt(v);
      tr.append(h(c.head ? 'th' : 'td', { class: c.num ? 'num' : undefined, scope: c.head ? 'row' : undefined }, out));
    }
    tb.append(tr);
  }
  t.append(tb);
  const cards = opts.cards ?? columns.length > 4;
  const wrap = h('div', { class: `table-wrap${cards ? ' cards' : ''}` }, t);
  // At tablet width a table becomes one card per row: each cell carries its
  // column's name, so actions stay in reach without scrolling sideways.
  const names = columns.map((c) => c.label);
  for (const tr of tb.children)
    [...tr.children].forEach((td, i) => { if (names[i] && td.colSpan === 1) td.dataset.label = names[i]; });
  scrollable(wrap, () => opts.caption || 'table');
  if (opts.exportable === false) return wrap;
  return h('div', { class: 'table-box' }, wrap,
    exportBar(() => opts.caption || t.closest('section')?.querySelector('h2')?.textContent || 'table',
      [['CSV', (name) => download(`${slug(name)}.csv`, 'text/csv;charset=utf-8', tableCsv(t))]]));
}

// A box that scrolls sideways must be reachable by keyboard (WCAG 2.1.1):
// while its content is wider than it, it is a named, focusable region.
const sized = typeof ResizeObserver === 'function' ? new ResizeObserver((entries) => {
  for (const { target: el } of entries) {
    const over = el.scrollWidth > el.clientWidth + 1;
    if (over && !el.hasAttribute('tabindex')) {
      el.tabIndex = 0;
      el.setAttribute('role', 'region');
      el.setAttribute('aria-label', `${el.dataset.name} (scrolls sideways)`);
    } else if (!over && el.hasAttribute('tabindex')) {
      el.removeAttribute('tabindex');
      el.removeAttribute('role');
      el.removeAttribute('aria-label');
    }
  }
}) : null;
export function scrollable(el, name) {
  el.dataset.name = typeof name === 'function' ? name() : name;
  sized?.observe(el);
  return el;
}

// ---- downloads: one mechanism for every table and chart ---------------------
const slug = (s) => `${String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'export'}-${today()}`;

export function download(filename, type, data) {
  const url = URL.createObjectURL(data instanceof Blob ? data : new Blob([data], { type }));
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// One CSV field (RFC 4180): quoted when it holds a comma, quote or newline.
// A leading = + - @ is quoted with an apostrophe so a spreadsheet does not
// run it as a formula (numbers such as -1.5 are left alone).
export function csvField(v) {
  let s = v === undefined || v === null ? '' : String(v);
  if (/^[=+\-@]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export const csvLines = (rows) => `${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`;

// The table as shown: header row, then each row's cell text without its
// buttons and inputs (the actions are not data).
export function tableCsv(t) {
  const text = (cell) => {
    const c = cell.cloneNode(true);
    for (const x of c.querySelectorAll('button, input, select, form, svg, .no-export')) x.remove();
    for (const br of c.querySelectorAll('br')) br.replaceWith(' ');
    return c.textContent.replace(/\s+/g, ' ').trim();
  };
  return csvLines([...t.querySelectorAll(':scope > thead > tr, :scope > tbody > tr')]
    .filter((tr) => !tr.querySelector(':scope > td[colspan]')).map((tr) => [...tr.children].map(text)));
}

// A row of small download buttons under a table or chart; name() is read
// at click time (the caption may change after a reload).
export function exportBar(name, items) {
  return h('div', { class: 'export no-print' }, items.map(([label, fn]) =>
    h('button', { type: 'button', class: 'small secondary', 'aria-label': `Download ${name()} as ${label}`,
      onclick: () => fn(name()) }, `${label}`)));
}

// An SVG element as a standalone file (the page's colours inlined).
export function svgText(svg) {
  const c = svg.cloneNode(true);
  c.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const src = [svg, ...svg.querySelectorAll('*')], dst = [c, ...c.querySelectorAll('*')];
  src.forEach((el, i) => {
    const cs = getComputedStyle(el);
    for (const p of ['fill', 'stroke', 'stroke-width', 'font-size', 'font-family'])
      if (cs.getPropertyValue(p)) dst[i].setAttribute(p, cs.getPropertyValue(p));
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(c)}`;
}

export function fmt(v, digits = 1) {
  if (v === undefined || v === null || v === '') return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? v.toLocaleString('en-GB') : num(v, digits);
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// ---- numbers and times for people -------------------------------------------
// Ids and codes are never grouped ("17694", not "17,694"); a column keyed
// id, *_id or code is shown as it is.
export const isIdKey = (k) => typeof k === 'string' && /(^|_)(id|code)$/.test(k);
export const idText = (v) => (v === undefined || v === null || v === '' ? '—' : String(v));
const NF = new Map();
// A number with exactly d decimals and thousands grouped (en-GB).
export function num(v, d = 0) {
  if (v === undefined || v === null || v === '' || !Number.isFinite(Number(v))) return '—';
  if (!NF.has(d)) NF.set(d, new Intl.NumberFormat('en-GB', { minimumFractionDigits: d, maximumFractionDigits: d }));
  return NF.get(d).format(Number(v));
}
// A fraction (0.123) as a percentage ("12.3%").
export const pct = (v, d = 1) => (v === null || v === undefined || v === '' ? '—' : `${num(100 * v, d)}%`);
// A value already in percent (92.4) with its sign.
export const pctOf = (v, d = 1) => (v === null || v === undefined || v === '' ? '—' : `${num(v, d)}%`);
// Money in millions of pounds: "£12.3m" (negative as "−£1.2m").
export const money = (m, d = 1) => (m === null || m === undefined || m === '' ? '—'
  : `${Number(m) < 0 ? '−' : ''}£${num(Math.abs(Number(m)), d)}m`);
// An interval with the same decimals as its estimate: "4.1 to 6.3".
export const interval = (lo, hi, d = 1) => `${num(lo, d)} to ${num(hi, d)}`;
// An estimate with its 95% confidence interval: "5.2 (95% CI 4.1 to 6.3)".
export const estimate = (v, lo, hi, d = 1) => (lo === undefined || lo === null || hi === undefined || hi === null
  ? num(v, d) : `${num(v, d)} (95% CI ${interval(lo, hi, d)})`);

// Times are shown in the ICS's zone, whatever the browser's, as
// "3 Dec 2026 16:38"; with zone: true, "3 Dec 2026 16:38 GMT" (or BST).
export const TIME_ZONE = 'Europe/London';
const DF = {
  day: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, day: 'numeric', month: 'short', year: 'numeric' }),
  time: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }),
  zone: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, timeZoneName: 'short' }),
};
const asDate = (v) => (v instanceof Date ? v : typeof v === 'number' ? new Date(v * 1000)
  : /^\d{4}-\d{2}-\d{2}$/.test(String(v)) ? new Date(`${v}T12:00:00Z`) : new Date(String(v)));
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export function when(v, opts = {}) {
  if (v === undefined || v === null || v === '') return '—';
  // A time without a zone is already UK wall-clock time: shown as it is.
  const wall = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(:\d{2}(\.\d+)?)?$/.exec(String(v));
  if (wall) {
    const s = `${Number(wall[3])} ${MONTHS[Number(wall[2]) - 1]} ${wall[1]} ${wall[4]}:${wall[5]}`;
    if (!opts.zone) return s;
    const z = DF.zone.formatToParts(new Date(`${wall[1]}-${wall[2]}-${wall[3]}T12:00:00Z`)).find((p) => p.type === 'timeZoneName')?.value;
    return `${s} ${z || ''}`.trim();
  }
  const d = asDate(v);
  if (Number.isNaN(d.getTime())) return String(v);
  let s = `${DF.day.format(d)} ${DF.time.format(d)}`;
  if (opts.zone) s += ` ${DF.zone.formatToParts(d).find((p) => p.type === 'timeZoneName')?.value || ''}`;
  return s.trim();
}
// A calendar day ("2026-12-03" or an instant) as "3 Dec 2026".
export function dayText(v) {
  if (v === undefined || v === null || v === '') return '—';
  const d = asDate(v);
  return Number.isNaN(d.getTime()) ? String(v) : DF.day.format(d);
}

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
  const form = btn.form;
  if (form) clearFieldErrors(form);
  try {
    return await fn();
  } catch (err) {
    if (form && err && err.body) {
      showFieldErrors(form, err);
      if (out) clear(out, errorBox({ ...err, detail: inFormWords(form, err.detail || '') }));
      else throw err;
      return undefined;
    }
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
  let made = null;
  requestAnimationFrame(() => { if (canvas.isConnected) charts.add(made = new window.Chart(canvas, config)); });
  const name = () => opts.label || 'chart';
  return h('div', { class: 'chart-box' }, box, exportBar(name, [
    ['PNG', (n) => made && download(`${slug(n)}.png`, 'image/png', dataUrlBlob(made.toBase64Image('image/png', 1)))],
    ['SVG', (n) => made && download(`${slug(n)}.svg`, 'image/svg+xml', chartSvg(made, n))],
    ['data CSV', (n) => download(`${slug(n)}-data.csv`, 'text/csv;charset=utf-8', chartCsv(config.data))],
  ]));
}

function dataUrlBlob(url) {
  const [head, b64] = url.split(',');
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new Blob([bytes], { type: head.slice(5, head.indexOf(';')) });
}

// The chart's numbers: one row per label (or per point of an x/y chart),
// one column per dataset.
export function chartCsv(data) {
  const sets = data.datasets || [];
  const xy = sets.some((d) => (d.data || []).some((p) => p && typeof p === 'object'));
  if (xy) {
    const rows = [['series', 'label', 'x', 'y']];
    for (const d of sets) for (const p of d.data || [])
      if (p && typeof p === 'object') rows.push([d.label || '', p.label ?? p.name ?? '', p.x, p.y]);
    return csvLines(rows);
  }
  const rows = [['label', ...sets.map((d) => d.label || '')]];
  (data.labels || []).forEach((l, i) => rows.push([l, ...sets.map((d) => d.data?.[i] ?? '')]));
  return csvLines(rows);
}

// A drawn Chart.js chart as SVG: its axes, gridlines, lines, points and
// bars from the chart's own scales and element positions (so the file is
// vector, not a picture of the canvas), with the title and legend.
export function chartSvg(c, title) {
  const W = c.width / (c.currentDevicePixelRatio || 1), H = c.height / (c.currentDevicePixelRatio || 1);
  const esc = (t) => String(t).replace(/[&<>"]/g, (m) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[m]));
  const col = (v, i = 0) => (Array.isArray(v) ? v[i % v.length] : v) || '#212b32';
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 24}" viewBox="0 -24 ${W} ${H + 24}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`,
    `<title>${esc(title)}</title><rect x="0" y="-24" width="${W}" height="${H + 24}" fill="#fff"/>`,
    `<text x="4" y="-8" font-size="13" font-weight="bold">${esc(title)}</text>`];
  const ca = c.chartArea;
  for (const sc of Object.values(c.scales || {})) {
    const ticks = sc.ticks || [];
    ticks.forEach((t, i) => {
      const p = sc.getPixelForTick(i);
      const label = Array.isArray(t.label) ? t.label.join(' ') : t.label ?? '';
      if (sc.isHorizontal()) {
        out.push(`<line x1="${p}" y1="${ca.top}" x2="${p}" y2="${ca.bottom}" stroke="#e8edee"/>`,
          `<text x="${p}" y="${ca.bottom + 14}" text-anchor="middle">${esc(label)}</text>`);
      } else {
        out.push(`<line x1="${ca.left}" y1="${p}" x2="${ca.right}" y2="${p}" stroke="#e8edee"/>`,
          `<text x="${ca.left - 4}" y="${p + 4}" text-anchor="end">${esc(label)}</text>`);
      }
    });
    const t = sc.options?.title;
    if (t?.display && t.text)
      out.push(sc.isHorizontal()
        ? `<text x="${(ca.left + ca.right) / 2}" y="${H - 4}" text-anchor="middle">${esc(t.text)}</text>`
        : `<text transform="translate(12 ${(ca.top + ca.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(t.text)}</text>`);
  }
  out.push(`<rect x="${ca.left}" y="${ca.top}" width="${ca.right - ca.left}" height="${ca.bottom - ca.top}" fill="none" stroke="#4c6272"/>`);
  c.data.datasets.forEach((d, di) => {
    const meta = c.getDatasetMeta(di);
    if (meta.hidden) return;
    const els = meta.data || [];
    const stroke = col(d.borderColor), fill = col(d.backgroundColor ?? d.borderColor);
    const dash = d.borderDash?.length ? ` stroke-dasharray="${d.borderDash.join(' ')}"` : '';
    if (meta.type === 'line' && d.showLine !== false && els.length > 1)
      out.push(`<polyline fill="none" stroke="${stroke}" stroke-width="${d.borderWidth ?? 2}"${dash} points="${els.filter((e) => !e.skip).map((e) => `${e.x.toFixed(1)},${e.y.toFixed(1)}`).join(' ')}"/>`);
    els.forEach((e, i) => {
      if (e.skip) return;
      if (meta.type === 'bar') {
        const x0 = Math.min(e.x - e.width / 2, e.x + e.width / 2), y0 = Math.min(e.y, e.base);
        const horiz = e.horizontal;
        const r = horiz ? { x: Math.min(e.x, e.base), y: e.y - e.height / 2, w: Math.abs(e.x - e.base), h: e.height }
          : { x: x0, y: y0, w: e.width, h: Math.abs(e.base - e.y) };
        out.push(`<rect x="${r.x.toFixed(1)}" y="${r.y.toFixed(1)}" width="${r.w.toFixed(1)}" height="${r.h.toFixed(1)}" fill="${col(d.backgroundColor, i)}"/>`);
      } else {
        const rad = Array.isArray(d.pointRadius) ? d.pointRadius[i] : d.pointRadius ?? 3;
        if (rad > 0) out.push(`<circle cx="${e.x.toFixed(1)}" cy="${e.y.toFixed(1)}" r="${rad}" fill="${col(d.pointBackgroundColor ?? fill, i)}"/>`);
        const name = d.data?.[i]?.name;
        if (name) out.push(`<text x="${(e.x + 9).toFixed(1)}" y="${(e.y + 4).toFixed(1)}">${esc(name)}</text>`);
      }
    });
  });
  // legend: one swatch and label per dataset, in its colour
  let lx = Math.max(W - 10 - 150 * c.data.datasets.length, 160);
  c.data.datasets.forEach((d) => {
    if (!d.label) return;
    out.push(`<rect x="${lx}" y="-18" width="10" height="10" fill="${col(d.borderColor ?? d.backgroundColor)}"/>`,
      `<text x="${lx + 14}" y="-9">${esc(d.label)}</text>`);
    lx += 150;
  });
  out.push('</svg>');
  return out.join('\n');
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

// Today and now in the ICS's zone (not the browser's, not UTC).
const PARTS = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
function londonParts(d) {
  const p = Object.fromEntries(PARTS.formatToParts(d).map((x) => [x.type, x.value]));
  return p;
}
export const today = () => { const p = londonParts(new Date()); return `${p.year}-${p.month}-${p.day}`; };
export function localDateTime(d = new Date()) {
  const p = londonParts(d);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// Date and time inputs that read the same in every browser locale: text in
// ISO order ("2026-12-03", "2026-12-03 16:38"), checked by pattern, with the
// format as a hint. dateTimeValue() gives what the API takes (T between).
export function dateInput(name, value, attrs = {}) {
  return h('input', { type: 'text', name, value, inputmode: 'numeric', autocomplete: 'off', spellcheck: 'false',
    pattern: '\\d{4}-\\d{2}-\\d{2}', placeholder: 'YYYY-MM-DD', maxlength: 10, size: 10,
    title: 'a date as YYYY-MM-DD', class: 'date', ...attrs });
}
export function dateTimeInput(name, value, attrs = {}) {
  return h('input', { type: 'text', name, value: value ? value.replace('T', ' ') : value, inputmode: 'numeric',
    autocomplete: 'off', spellcheck: 'false', pattern: '\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}',
    placeholder: 'YYYY-MM-DD HH:MM', maxlength: 16, size: 16, title: 'a date and 24-hour time as YYYY-MM-DD HH:MM (UK time)',
    class: 'datetime', ...attrs });
}
export const dateTimeValue = (input) => input.value.trim().replace(' ', 'T');

// ---- field-level errors -------------------------------------------------------
// The server's problem+json lists each problem in `errors` ({field, detail});
// each one that names an input of the form is shown beside that input, in
// the form's words (its label for the API's field name), and the input is
// marked invalid. Returns the problems no field took.
const labelOf = (form, input) => {
  const l = input.id && form.querySelector(`label[for="${CSS.escape(input.id)}"]`);
  const t = (l ? l.textContent : input.getAttribute('aria-label') || input.name) || '';
  return t.replace(/\s*\(optional\)\s*$/, '').trim();
};
export function clearFieldErrors(form) {
  for (const e of form.querySelectorAll('.field-error')) e.remove();
  for (const i of form.querySelectorAll('[aria-invalid]')) {
    i.removeAttribute('aria-invalid');
    const ids = (i.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && !x.startsWith('ferr-'));
    if (ids.length) i.setAttribute('aria-describedby', ids.join(' '));
    else i.removeAttribute('aria-describedby');
  }
}
// The API's words for fields made into the form's: every field name of
// the form in text becomes its label ("age: must be ..." -> "Age: must be ...").
export function inFormWords(form, text, labels = {}) {
  let out = String(text).replace(/(^|; )missing field '([A-Za-z0-9_]+)'/g, "$1'$2' is required")
    .replace(/(^|; )unknown field '([A-Za-z0-9_]+)'/g, "$1'$2' is not expected here");
  const names = [...new Set([...form.elements].map((i) => i.name).filter(Boolean))].sort((a, b) => b.length - a.length);
  for (const n of names) {
    const input = form.elements.namedItem(n);
    const el = input instanceof RadioNodeList ? input[0] : input;
    const label = labels[n] || (el && labelOf(form, el));
    if (!label) continue;
    // Quoted ('postcode'), snake_case (date_from) or leading a problem
    // ("beds: ..."): a name of the API; a plain word in prose stays as it is.
    const re = n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`'${re}'`, 'g'), label);
    if (n.includes('_')) out = out.replace(new RegExp(`(^|[^A-Za-z0-9_])${re}(?![A-Za-z0-9_])`, 'g'), `$1${label}`);
    else out = out.replace(new RegExp(`(^|; )${re}(?=[: ])`, 'g'), `$1${label}`);
  }
  return out.replace(/(^|; )(field|column) /g, '$1');
}
export function showFieldErrors(form, err, labels = {}) {
  clearFieldErrors(form);
  const errs = (err && err.body && Array.isArray(err.body.errors)) ? err.body.errors : [];
  const rest = [];
  for (const e of errs) {
    const input = e.field && form.elements.namedItem(e.field);
    const el = input instanceof RadioNodeList ? input[0] : input;
    if (!el || !el.closest) { rest.push(e); continue; }
    const id = nextId('ferr');
    let msg = inFormWords(form, e.detail || '', labels);
    const label = labels[e.field] || labelOf(form, el);
    if (label && !msg.startsWith(label)) msg = `${label}: ${msg}`;
    const p = h('p', { class: 'field-error', id }, msg);
    el.setAttribute('aria-invalid', 'true');
    el.setAttribute('aria-describedby', `${el.getAttribute('aria-describedby') || ''} ${id}`.trim());
    const box = el.closest('.field') || el.parentElement;
    box.append(p);
  }
  return rest;
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
