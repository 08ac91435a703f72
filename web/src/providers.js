// Token providers: one shape, `getToken(operator, {timeoutMs, signal}) -> Promise<token>`, rejecting with an
// Error whose `code` the core understands (a Web SDK code such as 2002, a carrier code such as "103111", or
// "TIMEOUT" / "NETWORK"). For one-click login they also have `getLoginToken(operator, {timeoutMs, signal})`,
// which shows the carrier's authorization page and resolves with the loginToken once the user confirms; a user
// who closes the page rejects it with code "CLOSED". `operator()` may name the network's carrier. A provider may also report environment signals (`signals()`) and network changes
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
export function sandboxProvider({ base = '/sandbox', device, network, operator: op, authorize, fetch: f = globalThis.fetch } = {}) {
  const listeners = new Set();
  const current = () => (typeof network === 'function' ? network() : network);
  // POST {base}/carriers/{operator}/{path}: the gateway's `key` field, or its error as a coded rejection.
  async function gateway(path, key, operator, { timeoutMs, signal } = {}) {
    const id = typeof device === 'function' ? device() : device;
    if (!id) throw fail(2001, 'no simulated device');
    const ctrl = new AbortController();
    const onAbort = () => ctrl.abort();
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs > 0 ? setTimeout(() => ctrl.abort(), timeoutMs) : 0;
    try {
      const res = await f(`${base}/carriers/${operator}/${path}`, {
        method: 'POST',
        headers: { 'X-Sandbox-Device': id },
        signal: ctrl.signal,
      });
      let body = null;
      try { body = await res.json(); } catch { /* not JSON */ }
      if (res.ok && body && typeof body[key] === 'string') return body[key];
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

/**
 * The vendor's official Web SDK, when the page loads it: window.JVerificationInterface with
 * init({appkey, success, fail}), isInitSuccess() and getToken({operater, success, fail}). Callbacks receive
 * {code, message|content, ...}; a token arrives as `content` (or `token`). SDK codes 1000-2005 reach the core
 * unchanged, which maps them (docs/error-codes.md).
 */
export function jverificationProvider({ appkey, sdk, debugMode = false, loginType = 'dialog' } = {}) {
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
    /**
     * loginAuth({operater, type}) shows the carrier's page ('dialog' by default, or 'full'); success gives
     * {code: 0, content: loginToken}. Code 3008 only says the page is shown (SDK 5.2.1+): keep waiting. A user
     * who closes the page (6002) becomes "CLOSED".
     */
    async getLoginToken(operator, options = {}) {
      await guard(init(), options);
      const jv = api();
      if (typeof jv.loginAuth !== 'function') throw fail(2001, 'this JVerificationInterface has no loginAuth');
      const token = new Promise((resolve, reject) => {
        const settle = (data, ok) => {
          const code = data && data.code;
          if (code === 3008 || code === '3008') return; // the page is up; the answer comes later
          const t = data && (data.content || data.token);
          if (ok && typeof t === 'string' && t) return resolve(t);
          const c = code === 6002 || code === '6002' ? 'CLOSED' : code || 2002;
          reject(fail(c, data && (data.message || data.content)));
        };
        jv.loginAuth({ operater: operator, type: loginType, success: (d) => settle(d, true), fail: (d) => settle(d, false) });
      });
      return guard(token, options);
    },
  };
}

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
