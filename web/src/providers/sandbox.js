// The `sandbox` token provider (dist/nv-provider-sandbox.js; nv-web/providers/sandbox): the sandbox's carrier
// gateways.

import { fail, guard } from './common.js';

/**
 * The sandbox's carrier gateways: POST {base}/carriers/{operator}/token with the simulated device's id.
 * `base` is the sandbox's URL (default '/sandbox'; a page on another origin than nv-server gives the absolute URL,
 * https://verify.example.com/sandbox, which createVerifier() derives from an absolute `server`). `device` is the id
 * or a function returning it; `network` optionally returns the simulated device's {network, vpn}, which then
 * stands in for the browser's own network signals. A gateway's refusal rejects with the carrier's code; an answer
 * that is not a gateway's (an HTTP error page, the browser's CORS refusal) rejects with the page's setup reason
 * (SETUP_SERVER, SETUP_CORS), never as a carrier's.
 */
export function sandboxProvider({ base = '/sandbox', device, network, operator: op, authorize, fetch: f = globalThis.fetch } = {}) {
  const listeners = new Set();
  const current = () => (typeof network === 'function' ? network() : network);
  // POST {base}/carriers/{operator}/{path}: the gateway's answer, or its error as a coded rejection. A timeout
  // or the caller's abort settles it first (guard), and the request is then cancelled.
  async function gateway(path, operator, options) {
    const id = typeof device === 'function' ? device() : device;
    if (!id) throw fail(2001, 'no simulated device');
    const url = `${base}/carriers/${operator}/${path}`;
    const ctrl = new AbortController();
    const request = (async () => {
      let res;
      try {
        res = await f(url, { method: 'POST', headers: { 'X-Sandbox-Device': id }, signal: ctrl.signal });
      } catch (err) {
        if (ctrl.signal.aborted) throw err;
        // The network, or the browser refusing the answer (CORS): a no-cors request tells them apart.
        let cors = false;
        try { await f(url, { method: 'POST', mode: 'no-cors' }); cors = true; } catch { /* unreachable */ }
        throw fail(cors ? 'SETUP_CORS' : 'NETWORK', `${url}: ${cors ? 'the sandbox does not allow this page\'s origin (nv-server --cors-origin)' : String(err && err.message)}`);
      }
      let body = null;
      try { body = await res.json(); } catch { /* not JSON */ }
      if (res.ok && body) return body;
      // A carrier's refusal carries its code; anything else is not a gateway's answer.
      if (body && body.code !== undefined) throw fail(body.code, body.message);
      throw fail('SETUP_SERVER', `${url} answered ${res.status}${body && body.error ? ` ${body.error.code}` : ''}: not the sandbox's gateway (check the sandbox's base)`);
    })();
    try {
      return await guard(request, options);
    } finally {
      ctrl.abort();
    }
  }
  const field = (body, key) => {
    if (typeof body[key] !== 'string') throw fail(2002, `the gateway answered no ${key}`);
    return body[key];
  };
  return {
    name: 'sandbox',
    getToken: async (operator, options) => field(await gateway('token', operator, options), 'token'),
    /**
     * The carrier pre-fetches the number first (login-prefetch) and shows its authorization page only to its own
     * SIM, as the real gateways do. `authorize({operator, masked, signal})` stands for that page (the demo's
     * SIMULATION dialog): it resolves true when the user confirms, false when they close it. Without it, the page
     * is taken as confirmed.
     */
    async getLoginToken(operator, options = {}) {
      const { masked } = await gateway('login-prefetch', operator, options);
      if (typeof authorize === 'function') {
        const yes = await guard(Promise.resolve(authorize({ operator, masked, signal: options.signal })), options);
        if (!yes) throw fail('CLOSED', 'the user closed the authorization page');
      }
      return field(await gateway('login-token', operator, options), 'loginToken');
    },
    operator: () => (typeof op === 'function' ? op() : op),
    signals() {
      const n = current();
      return n ? { sandbox: { network: n.network, vpn: !!n.vpn } } : {};
    },
    /** Tell the verifier that the simulated device's network changed. */
    changed() { for (const l of listeners) l(); },
    subscribe(listener) { listeners.add(listener); return () => listeners.delete(listener); },
  };
}
