// oidc_browser.mjs - the cookie-keeping "browser" that oidc_signin.mjs and
// oidc_logout.mjs play the person with: every request carries the cookies
// the servers set so far and follows no redirect by itself, so each step of
// a sign-in or sign-out can be looked at. Loopback servers only.

// A browser holding the cookies of entries ([name, value] pairs, as saved).
export function browser(entries = []) {
  const jar = new Map(entries);
  const cookieHeader = () => [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
  function keep(res) {
    for (const c of res.headers.getSetCookie?.() ?? []) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i).trim(), kv.slice(i + 1));
    }
  }
  async function go(url, opts = {}) {
    const res = await fetch(url, { redirect: 'manual', ...opts, headers: { cookie: cookieHeader(), ...(opts.headers || {}) } });
    keep(res);
    return res;
  }
  return { jar, go };
}
