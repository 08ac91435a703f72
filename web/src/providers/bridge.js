// The `bridge` token provider (dist/nv-provider-bridge.js; nv-web/providers/bridge): a native app's bridge in an
// in-app H5 view.

import { fail, guard } from './common.js';

/**
 * In-app H5 views: the native app injects an object (default `window.NVBridge`) with
 *   getToken(operator) -> Promise<string>   (or a {code} rejection: an SDK or carrier code)
 *   getLoginToken(operator) -> Promise<string>  (one-click login: the native carrier page; {code: 'CLOSED'})
 *   network() -> {network: 'cellular'|'wifi'|'cellular+wifi'|'offline'|'unknown', vpn?: boolean, operator?}
 * and calls `window.NVBridge.onchange()` (if the page set it) when the network changes. See docs/web.md.
 */
export function bridgeProvider({ object } = {}) {
  const listeners = new Set();
  const api = () => object || (typeof window === 'object' ? window.NVBridge : undefined);
  let hooked = false;
  function hook() {
    const b = api();
    if (!b || hooked) return;
    hooked = true;
    b.onchange = () => { for (const l of listeners) l(); };
  }
  return {
    name: 'bridge',
    async getToken(operator, options = {}) {
      const b = api();
      if (!b || typeof b.getToken !== 'function') throw fail(2001, 'no native bridge on this page');
      try {
        const t = await guard(Promise.resolve(b.getToken(operator)), options);
        if (typeof t !== 'string' || !t) throw fail(2002, 'the bridge returned no token');
        return t;
      } catch (err) {
        throw err && err.code !== undefined ? err : fail(2002, String(err && err.message));
      }
    },
    /** `getLoginToken(operator)` on the bridge shows the carrier's page natively; "CLOSED" when dismissed. */
    async getLoginToken(operator, options = {}) {
      const b = api();
      if (!b || typeof b.getLoginToken !== 'function') throw fail(2001, 'no one-click login on this bridge');
      try {
        const t = await guard(Promise.resolve(b.getLoginToken(operator)), options);
        if (typeof t !== 'string' || !t) throw fail(2002, 'the bridge returned no loginToken');
        return t;
      } catch (err) {
        throw err && err.code !== undefined ? err : fail(2002, String(err && err.message));
      }
    },
    operator() { const b = api(); const n = b && typeof b.network === 'function' ? b.network() : null; return n && n.operator; },
    signals() {
      hook();
      const b = api();
      if (!b || typeof b.network !== 'function') return {};
      const n = b.network();
      return n && typeof n.network === 'string' ? { bridge: { network: n.network, vpn: !!n.vpn } } : {};
    },
    subscribe(listener) { hook(); listeners.add(listener); return () => listeners.delete(listener); },
  };
}
