// streams.mjs - holds N event streams (GET /api/v1/events, text/event-stream)
// open against one server, and drives bed status changes at a steady rate
// through the API, recording when each change was sent and when each stream
// received its event. Prints one JSON line: streams opened, events, and the
// delay from sending the change to each stream receiving it (p50, p99, max,
// in ms) - an upper bound on commit-to-delivery, since the commit happens
// after the request is sent.
// usage: node streams.mjs URL STREAM_TOKEN WRITER_TOKEN N SECONDS RATE BED_IDS
import http from 'node:http';

const [url, streamTok, writeTok, nArg, secArg, rateArg, bedsArg] = process.argv.slice(2);
const N = Number(nArg), SECONDS = Number(secArg), RATE = Number(rateArg);
const beds = bedsArg.split(',').map(Number);
const u = new URL(url);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const sent = new Map(); // event object id "bed:status:seq" -> send time
const delays = [];
let opened = 0, failed = 0, received = 0;
const now = () => Number(process.hrtime.bigint()) / 1e6;

function open(i) {
  return new Promise((resolve) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/api/v1/events', agent,
      headers: { Accept: 'text/event-stream', Authorization: `Bearer ${streamTok}` } }, (res) => {
      if (res.statusCode !== 200) { failed++; res.resume(); resolve(); return; }
      opened++;
      resolve();
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const t = now();
        buf += chunk;
        let k;
        while ((k = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, k);
          buf = buf.slice(k + 2);
          const m = /^data: (.*)$/m.exec(block);
          if (!m) continue;
          const ev = JSON.parse(m[1]);
          if (ev.type !== 'bed.status') continue;
          const key = `${ev.payload.bed_id}:${ev.payload.status}`;
          const t0 = sent.get(key);
          if (t0 !== undefined) { delays.push(t - t0); received++; }
        }
      });
      res.on('error', () => {});
    });
    req.on('error', () => { failed++; resolve(); });
    req.end();
    void i;
  });
}

function patch(bed, status) {
  return new Promise((resolve) => {
    const body = JSON.stringify(status === 'closed' ? { status, closure: 'staffing' } : { status });
    sent.set(`${bed}:${status}`, now());
    const req = http.request({ host: u.hostname, port: u.port, path: `/api/v1/beds/${bed}`, method: 'PATCH',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${writeTok}`, 'Content-Length': Buffer.byteLength(body) } },
    (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

// open the streams, 50 at a time
for (let i = 0; i < N; i += 50) await Promise.all(Array.from({ length: Math.min(50, N - i) }, (_, j) => open(i + j)));
process.stderr.write(`streams open: ${opened} (failed ${failed})\n`);
console.error('READY');
// changes at RATE per second for SECONDS: each bed alternates closed/available
const total = Math.round(SECONDS * RATE);
let changes = 0;
const state = new Map();
const start = now();
for (let k = 0; k < total; k++) {
  const bed = beds[k % beds.length];
  const s = state.get(bed) === 'closed' ? 'available' : 'closed';
  state.set(bed, s);
  sent.delete(`${bed}:${s}`);
  const code = await patch(bed, s);
  if (code === 200) changes++;
  const next = start + ((k + 1) * 1000) / RATE;
  const wait = next - now();
  if (wait > 0) await new Promise((r) => { setTimeout(r, wait); });
}
await new Promise((r) => { setTimeout(r, 2000); }); // the last deliveries
delays.sort((a, b) => a - b);
const q = (p) => (delays.length ? delays[Math.min(delays.length - 1, Math.floor(p * delays.length))] : null);
console.log(JSON.stringify({ streams: opened, failed, changes, deliveries: received, expected: changes * opened,
  p50_ms: q(0.5), p99_ms: q(0.99), max_ms: delays.length ? delays[delays.length - 1] : null }));
process.exit(0);
