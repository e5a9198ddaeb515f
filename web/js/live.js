// live.js - the dashboard's live connection: reads GET /api/v1/events as
// Server-Sent Events over fetch (so the bearer token goes in a header, as for
// every other call), resumes with Last-Event-ID after a drop, shows a banner
// while it is down, and hands each event to whoever listens (the router
// refreshes the open view; the notification badge counts).

import { token } from './api.js';

const listeners = new Set();
let ctrl = null;
let running = false;
let lastId = null;
let stateFn = () => {};
let state = 'idle';

// Listen to every event ({id, type, object_type, object_id, orgs, payload})
// and to resets ({reset: true}); returns the function that stops listening.
export function onEvent(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// fn('up' | 'down') when the stream connects or drops.
export function onState(fn) { stateFn = fn; }
export const liveState = () => state;

function emit(ev) {
  for (const fn of [...listeners]) {
    try { fn(ev); } catch (err) { console.error(err); }
  }
}

function setState(s) {
  if (s === state) return;
  state = s;
  stateFn(s);
}

// One SSE block: "id: N", "event: T", "data: ..." lines; ":" lines are
// comments (heartbeats).
function block(text) {
  let id = null, event = 'message';
  const data = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const k = i < 0 ? line : line.slice(0, i);
    const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (k === 'id') id = v;
    else if (k === 'event') event = v;
    else if (k === 'data') data.push(v);
  }
  if (id !== null) lastId = id;
  if (!data.length) return;
  let body;
  try { body = JSON.parse(data.join('\n')); } catch { return; }
  if (event === 'reset') emit({ reset: true, last_id: body.last_id });
  else if (event === 'message') emit(body);
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

async function connect() {
  ctrl = new AbortController();
  const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token.get()}` };
  if (lastId !== null) headers['Last-Event-ID'] = lastId;
  const res = await fetch('/api/v1/events', { headers, signal: ctrl.signal, cache: 'no-store' });
  if (res.status === 401) { running = false; return; }
  if (!res.ok || !res.body) throw new Error(`status ${res.status}`);
  setState('up');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  // The server sends a heartbeat at least every 15 s: 40 s of silence means
  // the connection is gone even if the socket does not say so.
  let quiet = null;
  const arm = () => { clearTimeout(quiet); quiet = setTimeout(() => ctrl.abort(), 40000); };
  arm();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      arm();
      buf += value.replace(/\r\n?/g, '\n');
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        block(buf.slice(0, i));
        buf = buf.slice(i + 2);
      }
    }
  } finally {
    clearTimeout(quiet);
  }
}

// Start after sign-in. The stream resumes from the newest event at this
// moment, so nothing committed after the views loaded is missed.
export async function startLive() {
  if (running) return;
  running = true;
  lastId = null;
  try {
    const r = await fetch('/api/v1/events?after=999999999999&limit=1', {
      headers: { Accept: 'application/json', Authorization: `Bearer ${token.get()}` } });
    if (r.ok) lastId = String((await r.json()).last_id);
  } catch { /* the loop below retries */ }
  let wait = 1000;
  while (running) {
    try {
      await connect();
      wait = 1000;
    } catch { /* dropped, refused or aborted */ }
    if (!running) break;
    setState('down');
    await sleep(wait);
    wait = Math.min(wait * 2, 15000);
  }
  setState('idle');
}

export function stopLive() {
  running = false;
  if (ctrl) ctrl.abort();
  setState('idle');
}

// For tests and the banner: cut the connection now (it reconnects and
// resumes from the last event seen).
export function dropLive() { if (ctrl) ctrl.abort(); }
