// api.js - the dashboard's one way to talk to the icsflow API: adds the
// bearer token kept in sessionStorage, parses JSON, and turns every
// problem+json answer (RFC 9457) into an ApiError carrying its `detail`, so
// views can show the server's own message to the user.

const KEY = 'icsflow.token';

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.body = body;
  }
}

// The ICS the user is looking at (the switcher in the header); '' = their
// home ICS. Reads that answer per ICS get ?ics=CODE; other paths would
// refuse an unknown parameter, so only these carry it.
const ICS_KEY = 'icsflow.ics';
const PER_ICS = [/^\/api\/v1\/(places|organisations|sites|services|units)(\?|$)/,
  /^\/api\/v1\/sitrep\/today(\?|$)/, /^\/api\/v1\/beds\/board(\?|$)/,
  /^\/api\/v1\/analytics\/(rates|variation|allocation|funnel)(\?|$)/,
  /^\/api\/v1\/reports\/(ucr|harmonisation)(\?|$)/];
export const ics = {
  get: () => sessionStorage.getItem(ICS_KEY) || '',
  set: (c) => (c ? sessionStorage.setItem(ICS_KEY, c) : sessionStorage.removeItem(ICS_KEY)),
};
function withIcs(method, path) {
  const c = ics.get();
  if (!c || method !== 'GET' || !PER_ICS.some((re) => re.test(path))) return path;
  return `${path}${path.includes('?') ? '&' : '?'}ics=${encodeURIComponent(c)}`;
}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

// Calls with a 401 answer go here (the app signs the user out).
let onUnauthorised = () => {};
export function setUnauthorisedHandler(fn) { onUnauthorised = fn; }

// Changes in flight (the live refresh waits for them: the view that made
// the change draws the result itself).
let writes = 0, lastWrite = 0;
export const writesInFlight = () => writes;
export const lastWriteAt = () => lastWrite; // performance.now() when the last change answered

export async function api(method, path, body, opts = {}) {
  if (method === 'GET') return call(method, path, body, opts);
  writes++;
  try {
    return await call(method, path, body, opts);
  } finally {
    writes--;
    lastWrite = performance.now();
  }
}

async function call(method, path, body, opts) {
  const headers = { Accept: 'application/json' };
  const t = opts.token ?? token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  const init = { method, headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(withIcs(method, path), init);
  } catch (err) {
    throw new ApiError(0, `The server did not answer (${err.message}). Is icsflow still running?`);
  }
  const ctype = res.headers.get('Content-Type') || '';
  let data = null;
  if (ctype.includes('json')) {
    try { data = await res.json(); } catch { data = null; }
  } else {
    data = await res.text();
  }
  if (!res.ok) {
    const detail = (data && data.detail) || (data && data.title) ||
      `${method} ${path} failed with status ${res.status}`;
    if (res.status === 401 && !opts.token) onUnauthorised(detail);
    throw new ApiError(res.status, detail, data);
  }
  return data;
}

export const get = (path, opts) => api('GET', path, undefined, opts);
export const post = (path, body) => api('POST', path, body ?? {});
export const put = (path, body) => api('PUT', path, body ?? {});
export const patch = (path, body) => api('PATCH', path, body ?? {});
export const del = (path) => api('DELETE', path);

// Query string from an object, skipping empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}

// The merged OpenAPI document, fetched once: views use it to tell whether
// a module's endpoints exist on this server before offering them.
// Only a whole document is kept: a read cut short (the page navigating away
// while the body arrives gives null) answers "no paths" this once and is
// asked again next time.
let openapi = null;
export async function apiPaths() {
  if (!openapi) {
    let doc = null;
    try { doc = await get('/api/v1/openapi.json', { token: '' }); } catch { doc = null; }
    if (!doc || typeof doc !== 'object' || !doc.paths) return {};
    openapi = doc;
  }
  return openapi.paths;
}
export async function hasPath(path, method = 'get') {
  const p = (await apiPaths())[path];
  return !!(p && p[method]);
}
