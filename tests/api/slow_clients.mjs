// slow_clients.mjs - a "slowloris" client for the limits tests: opens COUNT
// connections to 127.0.0.1:PORT from local address FROM, sends a request
// line and then one header line every INTERVAL ms, never finishing the
// headers, for at most SECONDS. Prints one JSON line: how many connections
// were opened, how many the server closed, and the longest time the server
// let one of them live. Traffic stays on loopback and stops by itself.
import net from 'node:net';

const [port, count, from, interval, seconds] = process.argv.slice(2);
const n = Number(count);
const started = Date.now();
const socks = [];
let opened = 0, closedByServer = 0, longestMs = 0, errors = 0;

for (let i = 0; i < n; i++) {
  const s = net.connect({ host: '127.0.0.1', port: Number(port), localAddress: from });
  const t0 = Date.now();
  s.on('connect', () => {
    opened++;
    s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  });
  s.on('error', () => { errors++; });
  s.on('close', () => {
    if (s.icsMine) return;
    closedByServer++;
    longestMs = Math.max(longestMs, Date.now() - t0);
  });
  s.on('data', () => {});
  socks.push(s);
}

let k = 0;
const tick = setInterval(() => {
  for (const s of socks) if (!s.destroyed) s.write(`X-Trickle-${k}: ${k}\r\n`);
  k++;
}, Number(interval));

setTimeout(() => {
  clearInterval(tick);
  let open = 0;
  for (const s of socks) if (!s.destroyed) { open++; s.icsMine = true; s.destroy(); }
  console.log(JSON.stringify({ opened, closed_by_server: closedByServer, still_open: open,
    longest_ms: longestMs, errors, ran_ms: Date.now() - started }));
}, Number(seconds) * 1000);
