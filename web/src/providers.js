// Token providers: one shape, `getToken(operator, {timeoutMs, signal}) -> Promise<token>`, rejecting with an
// Error whose `code` the core understands (a Web SDK code such as 2002, a carrier code such as "103111", or
// "TIMEOUT" / "NETWORK"). A provider may also report environment signals (`signals()`) and network changes
// (`subscribe(listener) -> unsubscribe`).

function fail(code, message) {
  const err = new Error(message || String(code));
  err.code = code;
  return err;
}

// Rejects with TIMEOUT after `timeoutMs`, or with ABORTED when `signal` aborts; settles with `promise` otherwise.
function guard(promise, { timeoutMs, signal } = {}) {
  return new Promise((resolve, reject) => {
    let timer;
    const onAbort = () => reject(fail('ABORTED', 'aborted'));
    if (signal) {
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
    }
    if (timeoutMs > 0) timer = setTimeout(() => reject(fail('TIMEOUT', 'timed out')), timeoutMs);
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      if (signal) signal.removeEventListener('abort', onAbort);
    });
  });
}

/**
 * The sandbox's carrier gateways: POST {base}/carriers/{operator}/token with the simulated device's id.
 * `device` is the id or a function returning it; `network` optionally returns the simulated device's
 * {network, vpn}, which then stands in for the browser's own network signals.
 */
export function sandboxProvider({ base = '/sandbox', device, network, fetch: f = globalThis.fetch } = {}) {
  const listeners = new Set();
  return {
    name: 'sandbox',
    async getToken(operator, { timeoutMs, signal } = {}) {
      const id = typeof device === 'function' ? device() : device;
      if (!id) throw fail(2001, 'no simulated device');
      const ctrl = new AbortController();
      const onAbort = () => ctrl.abort();
      if (signal) signal.addEventListener('abort', onAbort, { once: true });
      const timer = timeoutMs > 0 ? setTimeout(() => ctrl.abort(), timeoutMs) : 0;
      try {
        const res = await f(`${base}/carriers/${operator}/token`, {
          method: 'POST',
          headers: { 'X-Sandbox-Device': id },
          signal: ctrl.signal,
        });
        let body = null;
        try { body = await res.json(); } catch { /* not JSON */ }
        if (res.ok && body && typeof body.token === 'string') return body.token;
        throw fail((body && body.code) || 2002, (body && body.message) || `gateway answered ${res.status}`);
      } catch (err) {
        if (err && err.code !== undefined) throw err;
        if (signal && signal.aborted) throw fail('ABORTED', 'aborted');
        if (ctrl.signal.aborted) throw fail('TIMEOUT', 'timed out');
        throw fail('NETWORK', String(err && err.message));
      } finally {
        clearTimeout(timer);
        if (signal) signal.removeEventListener('abort', onAbort);
      }
    },
    signals() {
      const n = typeof network === 'function' ? network() : network;
      return n ? { sandbox: { network: n.network, vpn: !!n.vpn } } : {};
    },
    /** Tell the verifier that the simulated device's network changed. */
    changed() { for (const l of listeners) l(); },
    subscribe(listener) { listeners.add(listener); return () => listeners.delete(listener); },
  };
}

/**
 * The vendor's official Web SDK, when the page loads it: window.JVerificationInterface with
 * init({appkey, success, fail}), isInitSuccess() and getToken({operater, success, fail}). Callbacks receive
 * {code, message|content, ...}; a token arrives as `content` (or `token`). SDK codes 1000-2005 reach the core
 * unchanged, which maps them (docs/error-codes.md).
 */
export function jverificationProvider({ appkey, sdk, debugMode = false } = {}) {
  let ready;
  const api = () => sdk || (typeof window === 'object' ? window.JVerificationInterface : undefined);
  function init() {
    const jv = api();
    if (!jv) return Promise.reject(fail(2001, 'JVerificationInterface is not on the page'));
    if (typeof jv.isInitSuccess === 'function' && jv.isInitSuccess()) return Promise.resolve();
    if (!ready) {
      ready = new Promise((resolve, reject) => {
        jv.init({
          appkey,
          debugMode,
          success: () => resolve(),
          fail: (data) => { ready = undefined; reject(fail((data && data.code) || 1003, data && data.message)); },
        });
      });
    }
    return ready;
  }
  return {
    name: 'jverification',
    async getToken(operator, options = {}) {
      await guard(init(), options);
      const jv = api();
      const token = new Promise((resolve, reject) => {
        jv.getToken({
          operater: operator, // sic: the SDK's spelling
          success: (data) => {
            const t = data && (data.token || data.content);
            if (typeof t === 'string' && t) resolve(t);
            else reject(fail(2002, 'the SDK returned no token'));
          },
          fail: (data) => reject(fail((data && data.code) || 2002, data && (data.message || data.content))),
        });
      });
      return guard(token, options);
    },
  };
}

/**
 * In-app H5 views: the native app injects an object (default `window.NVBridge`) with
 *   getToken(operator) -> Promise<string>   (or a {code} rejection: an SDK or carrier code)
 *   network() -> {network: 'cellular'|'wifi'|'cellular+wifi'|'offline'|'unknown', vpn?: boolean}
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
