// The `sandbox` token provider (dist/nv-provider-sandbox.js; nv-web/providers/sandbox): the sandbox's carrier
// gateways.

import { fail, guard } from './common.js';

/**
 * The sandbox's carrier gateways: POST {base}/carriers/{operator}/token with the simulated device's id.
 * `device` is the id or a function returning it; `network` optionally returns the simulated device's
 * {network, vpn}, which then stands in for the browser's own network signals.
 */
export function sandboxProvider({ base = '/sandbox', device, network, operator: op, authorize, fetch: f = globalThis.fetch } = {}) {
  const listeners = new Set();
  const current = () => (typeof network === 'function' ? network() : network);
  // POST {base}/carriers/{operator}/{path}: the gateway's `key` field, or its error as a coded rejection. A timeout
  // or the caller's abort settles it first (guard), and the request is then cancelled.
  async function gateway(path, key, operator, options) {
    const id = typeof device === 'function' ? device() : device;
    if (!id) throw fail(2001, 'no simulated device');
    const ctrl = new AbortController();
    const request = (async () => {
      let res;
      try {
        res = await f(`${base}/carriers/${operator}/${path}`, { method: 'POST', headers: { 'X-Sandbox-Device': id }, signal: ctrl.signal });
      } catch (err) {
        throw fail('NETWORK', String(err && err.message));
      }
      let body = null;
      try { body = await res.json(); } catch { /* not JSON */ }
      if (res.ok && body && typeof body[key] === 'string') return body[key];
      throw fail((body && body.code) || 2002, (body && body.message) || `gateway answered ${res.status}`);
    })();
    try {
      return await guard(request, options);
    } finally {
      ctrl.abort();
    }
  }
  return {
    name: 'sandbox',
    getToken: (operator, options) => gateway('token', 'token', operator, options),
    /**
     * `authorize({operator, signal})` stands for the carrier's authorization page (the demo's SIMULATION
     * dialog): it resolves true when the user confirms, false when they close it. Without it, the page is
     * taken as confirmed.
     */
    async getLoginToken(operator, options = {}) {
      if (typeof authorize === 'function') {
        const yes = await guard(Promise.resolve(authorize({ operator, signal: options.signal })), options);
        if (!yes) throw fail('CLOSED', 'the user closed the authorization page');
      }
      return gateway('login-token', 'loginToken', operator, options);
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
