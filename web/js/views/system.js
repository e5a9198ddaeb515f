// system.js - the System view for the daily call: every provider's OPEL
// level today with its drivers, change since yesterday and a 14-day trend
// sparkline; who has not submitted; the ICS roll-up; the eight boroughs as
// a tile map coloured by the highest level of the providers with a site
// there. Trust operations (own organisation), coordinators and admins can
// submit or amend a sitrep here and see the level change at once.

import { get, hasPath, post, qs } from '../api.js';
import { actionsPanel } from './actions.js';
import { aidPanel } from './aid.js';
import { busy, chart, clear, dateInput, dayText, field, fmt, h, loading, note, opelBadge, panel, select, sparkline, table, today, when } from '../ui.js';

const SUBMITTERS = ['admin', 'coordinator', 'trust_ops'];
// Rough geography of North West London, west to east (grid areas in app.css terms).
const BOROUGH_AREA = {
  E09000017: 'hil', E09000015: 'har', E09000005: 'bre', E09000009: 'eal',
  E09000033: 'wes', E09000018: 'hou', E09000013: 'ham', E09000020: 'ken',
};

function boroughTiles(places, sites, providers) {
  const levelOf = Object.fromEntries(providers.map((p) => [p.org, p.level]));
  const grid = h('div', { class: 'tiles boroughs', role: 'list', 'aria-label': 'Boroughs' });
  for (const pl of places) {
    const orgs = [...new Set(sites.filter((s) => s.place_code === pl.code).map((s) => s.org_code))];
    const lv = orgs.map((o) => levelOf[o]).filter((x) => typeof x === 'number');
    const top = lv.length ? Math.max(...lv) : 0;
    grid.append(h('div', { class: `tile lvl-${top}`, role: 'listitem', style: BOROUGH_AREA[pl.code] ? `grid-area:${BOROUGH_AREA[pl.code]}` : undefined,
      'data-place': pl.code },
    h('h3', {}, pl.name),
    h('div', {}, top ? opelBadge(top) : h('span', { class: 'muted' }, 'no provider sitrep')),
    h('small', { class: 'muted' }, orgs.length ? `providers: ${orgs.map((o) => `${o}${levelOf[o] ? ` (${levelOf[o]})` : ''}`).join(', ')}` : 'no acute or community site',
      h('br'), `IMD 2019 average score ${fmt(pl.imd2019_avg_score)}`)));
  }
  return grid;
}

// The headline figures for each kind of provider (the rest are in the detail).
const KEY_FIGURES = {
  acute: [['ed_4h_pct', 'ED 4h', '%'], ['ga_occ_pct', 'G&A occupied', '%'], ['handover_mean_min', 'handover', ' min']],
  specialist: [['ga_occ_pct', 'G&A occupied', '%'], ['nctr_pct', 'no criteria to reside', '%']],
  community: [['community_occ_pct', 'beds occupied', '%'], ['ucr_2h_pct', 'UCR in 2h', '%']],
  mental_health: [['mh_occ_pct', 'beds occupied', '%'], ['mh_out_of_area', 'out of area', '']],
  ambulance: [['cat2_mean_min', 'Cat 2 mean', ' min'], ['handover_hours_lost', 'hours lost', '']],
  nhs111: [['calls_60s_pct', 'answered in 60 s', '%'], ['calls_abandoned_pct', 'abandoned', '%'], ['callbacks_in_target_pct', 'call-backs in target', '%']],
};
const keyFigures = (p) => (KEY_FIGURES[p.kind] || []).filter(([k]) => p.figures && p.figures[k] !== undefined)
  .map(([k, label, unit]) => h('div', { class: 'kf' }, `${label} `, h('b', {}, `${fmt(p.figures[k])}${unit}`),
    p.changes && p.changes[k] ? h('small', { class: 'muted' }, ` (${p.changes[k] > 0 ? '+' : ''}${fmt(p.changes[k])})`) : null));

function providerTable(day, onPick) {
  return table([
    { key: 'name', label: 'Provider', head: true, fmt: (v, p) => [h('a', { href: '#', onclick: (e) => { e.preventDefault(); onPick(p); } }, v),
      h('br'), h('small', { class: 'muted' }, `${p.org} · ${(p.kind || '').replace('_', ' ')}`)] },
    { key: 'level', label: 'Level', fmt: (v, p) => [opelBadge(v), p.level_source === 'declared' ? h('small', { class: 'muted' }, ` declared (computed ${p.level_computed})`) : null] },
    { key: 'change', label: 'Since yesterday', fmt: (v, p) => (!p.submitted ? 'not submitted' : v === null || v === undefined ? '—' : v > 0 ? `▲ up ${v}` : v < 0 ? `▼ down ${-v}` : 'no change') },
    { key: (p) => p, label: 'Key figures (change)', fmt: (p) => (p.submitted ? keyFigures(p) : '—') },
    { key: 'trend', label: '14 days', fmt: (v, p) => sparkline(v || [], { min: 1, max: 4, label: `${p.name} OPEL levels over 14 days: ${(v || []).map((x) => x ?? '–').join(', ')}` }) },
    { key: 'drivers', label: 'Drivers', fmt: (v) => ((v || []).length ? h('ul', { class: 'reasons' }, v.map((d) => h('li', {}, `${d.label}: ${fmt(d.value)}${d.unit ? ` ${d.unit}` : ''}`))) : '—') },
    { key: 'submitted_at', label: 'Submitted', fmt: (v, p) => (p.submitted ? [when(v), h('br'), h('small', { class: 'muted' }, `by ${p.submitted_by || '?'}, version ${p.version || 1}`)] : h('span', { class: 'pill closed' }, 'missing')) },
  ], day.providers, { caption: `Providers on ${day.day}`, rowAttrs: (p) => ({ 'data-org': p.org }) });
}

async function historyPanel(out, p) {
  await loading(out, async () => {
    const figs = p.figures ? table([{ key: 'k', label: 'Figure', head: true }, { key: 'v', label: 'Today', num: true },
      { key: 'c', label: 'Change since yesterday', num: true }],
    Object.entries(p.figures).map(([k, v]) => ({ k: k.replace(/_/g, ' '), v: fmt(v), c: p.changes && p.changes[k] !== undefined ? fmt(p.changes[k]) : '—' })),
    { caption: `${p.name}: figures on which the level was scored` }) : null;
    const hist = await get(`/api/v1/sitrep/providers/${encodeURIComponent(p.org)}/history`);
    const days = hist.days || [];
    const params = Object.entries(hist.spc || {});
    const first = params[0];
    const kids = [figs, h('h3', {}, `${hist.name}: last ${days.length} days`),
      chart({
        type: 'line',
        data: { labels: days.map((d) => d.day), datasets: [{ label: 'OPEL level', data: days.map((d) => d.level), stepped: true, borderColor: '#005eb8', pointRadius: 0 }] },
        options: { scales: { y: { min: 0, max: 4, ticks: { stepSize: 1 } } }, plugins: { legend: { display: false } } },
      }, { class: 'short', label: `${hist.name} OPEL level by day` })];
    if (first) {
      const [name, s] = first;
      kids.push(h('h3', {}, `${s.label} with control limits (XmR), ${s.signal_points} special-cause points`));
      kids.push(chart({
        type: 'line',
        data: { labels: s.points.map((x) => x.day), datasets: [
          { label: s.label, data: s.points.map((x) => x.value), borderColor: '#005eb8', pointRadius: 0 },
          { label: 'mean', data: s.points.map(() => s.mean), borderColor: '#4c6272', borderDash: [4, 4], pointRadius: 0 },
          { label: 'upper limit', data: s.points.map(() => s.ucl), borderColor: '#d5281b', borderDash: [2, 2], pointRadius: 0 },
          { label: 'lower limit', data: s.points.map(() => s.lcl), borderColor: '#d5281b', borderDash: [2, 2], pointRadius: 0 },
        ] },
      }, { class: 'short', label: `${name} SPC chart` }));
    }
    kids.push(note(`${hist.signal_points} special-cause points across all figures from ${hist.from} to ${hist.to}.`));
    return kids;
  }, 'Loading history…');
}

const isoDay = (d, k) => new Date(Date.parse(`${d}T12:00:00Z`) + k * 86400000).toISOString().slice(0, 10);

function submitPanel(ctx, day, fields, onSaved) {
  const mine = ctx.me.role === 'trust_ops';
  const providers = day.providers.filter((p) => !mine || p.org.slice(0, 3) === (ctx.me.org || '').slice(0, 3));
  if (!providers.length) return panel('Submit a sitrep', note(`No provider matches your organisation (${ctx.me.org || 'none'}).`));
  const org = select('org', providers.map((p) => [p.org, `${p.name} (${p.org})`]), providers[0].org);
  const dayIn = dateInput('day', day.day);
  const declared = select('declared_level', [['', 'use the computed level'], [1, 'OPEL 1'], [2, 'OPEL 2'], [3, 'OPEL 3'], [4, 'OPEL 4']], '');
  const reason = h('input', { name: 'reason', autocomplete: 'off' });
  const box = h('div', { class: 'fields' });
  const out = h('div', { class: 'out', 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit' }, 'Submit sitrep');
  // Prefill with the provider's latest figures for that day (or the day
  // before), so an amendment changes only what is new.
  const fill = async () => {
    const p = day.providers.find((x) => x.org === org.value) || {};
    const defs = fields.kinds[p.kind] || [];
    let prev = {};
    for (const d of [dayIn.value, isoDay(dayIn.value, -1)]) {
      try {
        prev = (await get(`/api/v1/sitrep/providers/${encodeURIComponent(org.value)}/days/${d}`)).items[0].fields || {};
        break;
      } catch { /* none that day */ }
    }
    clear(box, defs.map((d) => field(`${d.label}${d.required ? '' : ' (optional)'}`,
      h('input', { type: 'number', name: d.name, step: d.integer ? 1 : 'any', min: d.min, max: d.max,
        value: prev[d.name] === undefined ? undefined : d.integer ? prev[d.name] : Math.round(prev[d.name] * 100) / 100,
        required: d.required || undefined }))));
  };
  org.addEventListener('change', fill);
  dayIn.addEventListener('change', fill);
  fill();
  const form = h('form', { 'aria-label': 'Submit a sitrep', novalidate: true },
    h('div', { class: 'fields' }, field('Provider', org), field('Day', dayIn), field('Declared level', declared),
      field('Reason for a declared level', reason)),
    h('h3', {}, 'Figures'), box, h('div', { class: 'actions' }, btn), out);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const figs = {};
    for (const i of box.querySelectorAll('input')) if (i.value !== '') figs[i.name] = Number(i.value);
    const body = { org: org.value, day: dayIn.value, fields: figs };
    if (declared.value) body.declared_level = Number(declared.value);
    if (reason.value.trim()) body.reason = reason.value.trim();
    const r = await busy(btn, out, () => post('/api/v1/sitrep/submissions', body));
    if (!r) return;
    ctx.flash(`Sitrep saved for ${r.org} on ${r.day} (version ${r.version}): OPEL ${r.level}.`);
    onSaved(r);
  });
  return panel('Submit or amend a sitrep', form);
}

export default {
  id: 'system',
  title: 'System',
  roles: ['admin', 'coordinator', 'clinician', 'trust_ops', 'analyst'],
  live: ['sitrep.', 'opel.', 'aid.', 'action.'],
  async render(root, ctx) {
    // The day shown is in the address (#/system?day=2026-12-01) and in the heading.
    const asked = ctx.query?.get('day') || ctx.day;
    const dayIn = dateInput('day', /^\d{4}-\d{2}-\d{2}$/.test(asked || '') ? asked : today());
    const body = h('div');
    const head = h('h1', { id: 'system-heading' }, 'System today');
    const title = (d) => { head.textContent = d === today() ? `System today, ${dayText(d)}` : `System on ${dayText(d)}`; };
    title(dayIn.value);
    clear(root, h('div', { class: 'view-head' }, head,
      h('form', { class: 'actions', onsubmit: (e) => { e.preventDefault(); ctx.day = dayIn.value; ctx.setQuery?.({ day: dayIn.value === today() ? '' : dayIn.value }); load(); } },
        field('Day', dayIn), h('button', { type: 'submit', class: 'secondary' }, 'Show'))), body);
    if (!(await hasPath('/api/v1/sitrep/today'))) {
      const places = (await get('/api/v1/places')).items, sites = (await get('/api/v1/sites?limit=1000')).items;
      clear(body, panel('Boroughs', boroughTiles(places, sites, [])),
        note('Daily sitreps are not available on this server yet.', 'notice'));
      return;
    }
    const load = () => loading(body, async () => {
      const [day, places, sites] = await Promise.all([get(`/api/v1/sitrep/today${qs({ day: dayIn.value })}`),
        get('/api/v1/places'), get('/api/v1/sites?limit=1000')]);
      title(day.day);
      const hist = h('div', { class: 'history' });
      const ics = day.ics || {};
      const summary = h('div', { class: 'summary' },
        h('span', { class: 'stat' }, 'ICS level', h('b', { id: 'ics-level' }, opelBadge(ics.level))),
        h('span', { class: 'stat' }, 'Sitreps in', h('b', {}, `${day.submitted} of ${day.expected}`)),
        h('span', { class: 'stat' }, 'Missing', h('b', {}, day.missing.length)),
        Object.entries(ics.framework_pillars || ics.pillars || {}).map(([k, v]) => h('span', { class: 'stat', 'data-pillar': k },
          k === 'nhs111' ? 'NHS 111' : k.replace('_', ' '), h('b', {}, v ? opelBadge(v.level) : h('span', { class: 'muted' }, 'no return')))),
        day.synthetic ? h('p', { class: 'notice' }, 'Synthetic data: these figures were generated for demonstration, not reported by providers.') : null,
        ics.method ? note(`ICS level: ${ics.method}.`) : null);
      const kids = [panel(`OPEL on ${day.day}`, summary),
        h('div', { class: 'cols wide' },
          panel('Boroughs', boroughTiles(places.items, sites.items, day.providers),
            note('Each borough shows the highest level among providers with a hospital or community site there.')),
          panel('Missing sitreps', day.missing.length
            ? h('ul', { id: 'missing' }, day.missing.map((m) => h('li', {}, `${m.name} (${m.org})`)))
            : note('Every provider has submitted.'))),
        await actionsPanel(ctx, day.day, load),
        panel('Providers', providerTable(day, (p) => { ctx.setArgs?.(['provider', p.org]); historyPanel(hist, p); }), hist)];
      // Deep link: #/system/provider/RYJ opens that provider's history.
      const linked = ctx.args?.[0] === 'provider' && day.providers.find((p) => p.org === ctx.args[1]);
      if (linked) historyPanel(hist, linked).then(() => hist.scrollIntoView({ block: 'start' }));
      else if (ctx.args?.[0] === 'provider') hist.append(note(`No provider ${ctx.args[1]} sends a sitrep you can see.`, 'notice'));
      if (SUBMITTERS.includes(ctx.me.role)) {
        const fields = await get('/api/v1/sitrep/fields');
        kids.push(submitPanel(ctx, day, fields, (r) => { dayIn.value = r.day; load(); }), aidPanel(ctx, day));
      }
      return kids;
    });
    await load();
  },
};
