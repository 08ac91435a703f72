// The web package: createVerifier() loads the core once, collects the browser's signals, runs the core's token
// flow (carrying out its commands: token requests, the server call, timers) and reports every step.
//
//   const nv = await createVerifier({ server: '/api/v1', tokenProvider: 'sandbox', locale: 'zh-CN' });
//   nv.checkEnvironment();                         // {verdict, reasons, advice, message, network, ...}
//   const r = await nv.verify('138 0013 8000', { consent: true, onState });
//   // {verified, result, code, message, operator, risk?, assertion?, fallback, advice, ...}
//   const l = await nv.login({ consent: true, onState });   // one-click login: the user types nothing
//   // {loggedIn, masked, operator, assertion, risk?, code, message, fallback, ...}
//
// The rules live in the core (wasm); this file only does I/O and translates.
import { loadCore } from './loader.js';

export { loadCore };

const coded = (code, message, extra) => Object.assign(new Error(message), { code }, extra);

// A provider named in `tokenProvider` is loaded when a verifier needs it, while the module compiles: each is a
// module of its own (dist/nv-provider-<name>.js beside nv.js), so a page downloads the one it uses. Providers as
// objects: nv-web/providers/<name>.
const PROVIDERS = new Map([
  ['sandbox', () => import('./providers/sandbox.js').then((m) => m.sandboxProvider)],
  ['jverification', () => import('./providers/jverification.js').then((m) => m.jverificationProvider)],
  ['bridge', () => import('./providers/bridge.js').then((m) => m.bridgeProvider)],
]);

// How long an attempt waits for its provider to be ready (a vendor SDK: its init's 5 s and its carriers' scripts').
const READY_WAIT_MS = 10_000;
const clock = () => Math.floor(typeof performance === 'object' ? performance.now() : Date.now());
const nav = () => (typeof navigator === 'object' ? navigator : {});
const finite = (x) => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/** The browser's own signals, as the core reads them (docs/core-api.md). */
export function browserSignals() {
  const n = nav();
  const s = { userAgent: String(n.userAgent || '').slice(0, 2048) };
  if (typeof n.onLine === 'boolean') s.onLine = n.onLine;
  if (finite(n.maxTouchPoints)) s.maxTouchPoints = Math.min(1000, n.maxTouchPoints | 0);
  const ua = n.userAgentData;
  if (ua) s.uaData = { mobile: !!ua.mobile, platform: String(ua.platform || '').slice(0, 64) };
  const c = n.connection || n.mozConnection || n.webkitConnection;
  if (c) {
    const conn = {};
    for (const k of ['type', 'effectiveType']) if (typeof c[k] === 'string') conn[k] = c[k].slice(0, 32);
    for (const k of ['downlink', 'downlinkMax', 'rtt']) if (finite(c[k])) conn[k] = c[k];
    if (typeof c.saveData === 'boolean') conn.saveData = c.saveData;
    s.connection = conn;
  }
  if (typeof window === 'object' && window.__wxjs_environment === 'miniprogram') s.miniProgram = true;
  return s;
}

const isProvider = (p) => !!p && typeof p === 'object' && typeof p.getToken === 'function';

async function resolveProvider(p, options) {
  if (isProvider(p)) return p;
  const load = PROVIDERS.get(p);
  if (!load) throw new TypeError(`tokenProvider must be 'sandbox', 'jverification', 'bridge' or an object with getToken()`);
  let make;
  try {
    make = await load();
  } catch (err) {
    // The provider's file is beside nv.js (dist/nv-provider-<name>.js); the browser names it in its message.
    throw coded('SETUP_ASSET', `nv-web: the ${p} provider's file: ${err && err.message}`);
  }
  const own = { ...options[p] };
  // The sandbox's gateways live on the API's server: a page on another origin reaches them there.
  if (p === 'sandbox' && !own.base && /^https?:/.test(options.server || '')) own.base = new URL('/sandbox', options.server).href;
  return make(own);
}

/**
 * A request the page cannot read: the network, or the server's CORS settings. A no-cors request reaches a server
 * without reading its answer, so when it arrives the browser refused the answer (CORS); when it does not, the
 * server cannot be reached. Answers the reason's code.
 */
async function unreadable(fetchFn, url) {
  try {
    await fetchFn(url, { mode: 'no-cors', cache: 'no-store' });
    return 'SETUP_CORS';
  } catch {
    return 'SERVER_UNREACHABLE';
  }
}

/**
 * Asks the companion server for its public settings (GET {server}/config) before anything else, so a page that may
 * not call it (ORIGIN_NOT_ALLOWED), a wrong address (SETUP_SERVER), CORS (SETUP_CORS) or a server that cannot be
 * reached (SERVER_UNREACHABLE) is said before a carrier token is spent. Resolves with the settings; rejects with an
 * Error whose `code` is the reason and whose message names the URL.
 */
export async function checkServer(server, { fetch: f = globalThis.fetch.bind(globalThis), locale } = {}) {
  const url = `${String(server || '/api/v1').replace(/\/$/, '')}/config`;
  let res;
  try {
    res = await f(url, { headers: { 'Accept-Language': locale === 'en' ? 'en' : 'zh-CN' } });
  } catch (err) {
    const code = await unreadable(f, url);
    throw coded(code, `nv-web: ${url} ${code === 'SETUP_CORS' ? 'is not readable from this origin (CORS: nv-server --cors-origin)' : `cannot be reached (${err && err.message})`}`, { url });
  }
  let body = null;
  try { body = JSON.parse(await res.text()); } catch { /* not the API */ }
  const error = body && body.error;
  if (error && error.code === 'ORIGIN_NOT_ALLOWED') {
    throw coded(error.code, `nv-web: ${url} refuses this page's origin ${error.origin} (nv-server --cors-origin)`, { url, status: res.status });
  }
  if (!res.ok || !body || typeof body.carriers !== 'object') {
    throw coded('SETUP_SERVER', `nv-web: ${url} answered ${res.status}${error ? ` ${error.code}` : ''}: not nv-server's API (check \`server\`)`, { url, status: res.status });
  }
  return body;
}

/**
 * Loads the core, the provider and asks the server (checkServer) at once; rejects with an Error whose `code` is a
 * reason (SETUP_ASSET, SETUP_SERVER, SETUP_CORS, ORIGIN_NOT_ALLOWED, SERVER_UNREACHABLE) and whose message names
 * the URL, when the page's setup keeps it from verifying anything.
 * @param {object} options
 * @param {string} [options.server='/api/v1'] the companion server's API base
 * @param {'sandbox'|'jverification'|'bridge'|object} [options.tokenProvider='sandbox']
 * @param {'zh-CN'|'en'} [options.locale='zh-CN']
 * @param {object} [options.timeouts] tokenTimeoutMs, budgetMs, unknownBudgetMs, verifyTimeoutMs, envTimeoutMs,
 *   loginTimeoutMs, loginBudgetMs, checkTimeoutMs
 * @param {string|URL} [options.assetBase] the folder serving nv-core.wasm and the message tables (default: nv.js's)
 * @param {string|URL} [options.wasmUrl]
 */
export async function createVerifier(options = {}) {
  const locale = options.locale === 'en' ? 'en' : 'zh-CN';
  const base = options.assetBase && new URL(String(options.assetBase).replace(/\/?$/, '/'), globalThis.location?.href);
  const wasmUrl = options.wasmUrl || (base && new URL('nv-core.wasm', base));
  const [core, tokenProvider, settings] = await Promise.all([
    loadCore(wasmUrl ? { wasmUrl, locale } : { locale }),
    resolveProvider(options.tokenProvider || 'sandbox', options),
    checkServer(options.server, { fetch: options.fetch, locale }),
  ]);
  return new Verifier(core, { ...options, tokenProvider, settings });
}

export class Verifier {
  constructor(core, options) {
    this.core = core;
    this.server = String(options.server || '/api/v1').replace(/\/$/, '');
    this.locale = options.locale === 'en' ? 'en' : 'zh-CN';
    // createVerifier() loads a provider by name; the constructor takes the object.
    if (!isProvider(options.tokenProvider)) throw new TypeError('tokenProvider must be an object with getToken()');
    this.provider = options.tokenProvider;
    this.timeouts = options.timeouts || {};
    this.settings = options.settings || {}; // the server's public settings (GET {server}/config), from createVerifier
    this.fetch = options.fetch || globalThis.fetch.bind(globalThis);
    this.extraSignals = options.signals; // () => partial signals (tests, native bridges of one's own)
    this.listeners = new Set();
    this.current = null; // the running attempt's change handler
    const changed = () => this.networkChanged();
    this.unhook = [];
    const c = nav().connection;
    if (c && typeof c.addEventListener === 'function') {
      c.addEventListener('change', changed);
      this.unhook.push(() => c.removeEventListener('change', changed));
    }
    if (typeof window === 'object' && typeof window.addEventListener === 'function') {
      window.addEventListener('online', changed);
      window.addEventListener('offline', changed);
      this.unhook.push(() => { window.removeEventListener('online', changed); window.removeEventListener('offline', changed); });
    }
    if (typeof this.provider.subscribe === 'function') this.unhook.push(this.provider.subscribe(changed));
    // A vendor SDK starts now, outside any carrier's time (its failure is the first token request's answer).
    this.ready().catch(() => {});
  }

  /** Resolves when the provider is ready to ask a carrier (a vendor SDK loaded and initialised), never rejects. */
  ready() {
    if (typeof this.provider.ready !== 'function') return Promise.resolve();
    // At most READY_WAIT_MS: a start that hangs (a script that never loads) is then the token request's answer.
    let timer;
    return Promise.race([Promise.resolve(this.provider.ready()).catch(() => {}),
      new Promise((r) => { timer = setTimeout(r, READY_WAIT_MS); })]).finally(() => clearTimeout(timer));
  }

  /** The signals the core decides on: the browser's, then the provider's (sandbox device, native bridge). */
  signals() {
    const s = browserSignals();
    if (typeof this.provider.signals === 'function') Object.assign(s, this.provider.signals());
    if (typeof this.extraSignals === 'function') Object.assign(s, this.extraSignals());
    return s;
  }

  /** {verdict: supported|unsupported|unknown, reasons, advice, message, details, network, client}. */
  checkEnvironment() {
    const answer = this.core.environment({ ...this.signals(), locale: this.locale });
    if (answer.ok) return answer.environment;
    return { verdict: 'unknown', reasons: [answer.error.code], advice: 'proceed', message: answer.error.message,
      details: [], network: { type: 'unknown', source: 'none' }, client: {} };
  }

  /** What the user typed: {valid, national, masked, carrier, carrierName, reason?, message?, ...}. */
  phone(input) {
    return this.core.phone(String(input ?? ''), this.locale);
  }

  /**
   * The carriers' names, branding lines and agreements in this verifier's locale: the module's message tables
   * hold them (the server's /config says the same).
   */
  carriers() {
    const text = (id) => this.core.message(id, this.locale);
    return this.core.ids.filter((id) => id.startsWith('BRANDING_')).map((key) => {
      const id = key.slice(9);
      return { id, name: text(`CARRIER_${id}`), branding: text(key),
        agreement: { name: text(`AGREEMENT_${id}`), url: text(`AGREEMENT_URL_${id}`) } };
    });
  }

  /** Calls `listener(environment)` when the network changes; returns the unsubscribe function. */
  onNetworkChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  networkChanged() {
    if (this.current) this.current();
    if (this.listeners.size) {
      const env = this.checkEnvironment();
      for (const l of this.listeners) l(env);
    }
  }

  /** Seconds until this number may be verified again (0: now). */
  cooldown(phone) {
    return this.flowFor().cooldown(phone);
  }

  flowFor() {
    if (!this.shared) {
      // The provider's facts (a vendor SDK's per-carrier time, carriers it asks itself), then the page's settings.
      const flow = this.core.createFlow({ ...this.provider.defaults, ...this.timeouts, locale: this.locale });
      if (!flow.step) throw new Error(flow.error ? flow.error.message : 'the core refused the flow settings');
      this.shared = {
        flow,
        cooldown: (phone) => {
          const a = flow.step({ type: 'cooldown', now: clock(), phone: String(phone) });
          return a.ok ? a.retryAfterSec || 0 : 0;
        },
      };
    }
    return this.shared;
  }

  /**
   * Runs one attempt to its ending. Resolves (never rejects for verification outcomes) with
   * {verified, result, code, message, operator, risk?, assertion?, fallback, advice?, adviceMessage?,
   * retryAfterSec?, elapsedMs}. `result` is verified | not_verified | fallback | cancelled | rejected.
   */
  verify(phone, { consent = false, onState, signal } = {}) {
    return this.attempt({ type: 'start', phone: String(phone ?? ''), consent: !!consent, check: true }, onState, signal);
  }

  /**
   * One-click login (the carrier's authorization page; the user types no number). Resolves with
   * {loggedIn, masked?, operator, assertion?, risk?, code, message, fallback, result, elapsedMs, ...};
   * `fallback: 'sms'` means: offer SMS login.
   */
  login({ consent = false, onState, signal } = {}) {
    if (typeof this.provider.getLoginToken !== 'function') {
      return Promise.resolve(this.refusal('LOGIN_UNAVAILABLE', undefined, true));
    }
    const op = typeof this.provider.operator === 'function' ? this.provider.operator() : undefined;
    return this.attempt({ type: 'login', consent: !!consent, check: true, ...(op ? { operator: op } : {}) }, onState, signal, true);
  }

  attempt(first, onState, signal, login = false) {
    const { flow } = this.flowFor();
    if (this.running) return Promise.resolve(this.refusal('FLOW_BUSY', undefined, login));
    this.running = true;
    return new Promise((resolve) => {
      const pending = new Map(); // id -> AbortController
      let timer = 0;
      let done = false;
      let reply = null; // the server's last answer: masked number and assertion are read from it
      // Carrier token requests made: one per get_token, or as many as the provider says its SDK made (an SDK that
      // hands over asks several in one); a request still running when the attempt ends counts once.
      let requests = 0;
      const emit = (answer, extra) => {
        if (typeof onState !== 'function') return;
        try {
          onState({ state: answer.state, path: answer.path || [], at: clock(), ...extra });
        } catch { /* a page's handler must not break the flow */ }
      };
      const finish = (result) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        for (const c of pending.values()) c.abort();
        pending.clear();
        this.current = null;
        this.running = false;
        if (signal) signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const step = (event, extra) => {
        if (done) return;
        const answer = flow.step({ ...event, now: Math.max(clock(), event.now || 0) });
        if (!answer.ok) return finish(this.refusal(answer.error.code, answer.error.message, login));
        if (answer.rejected) {
          emit(answer, { event: event.type, rejected: answer.rejected });
          const r = this.refusal(answer.rejected.reason, answer.rejected.message, login);
          if (answer.rejected.retryAfterSec) r.retryAfterSec = answer.rejected.retryAfterSec;
          return finish(Object.assign(r, { carrierRequests: requests }));
        }
        if (!answer.ignored) {
          const asked = (answer.commands || []).find((c) => c.cmd === 'get_token' || c.cmd === 'get_login_token');
          emit(answer, { event: event.type, ...(asked ? { asking: asked.operator } : {}), ...extra,
            commands: (answer.commands || []).map((c) => c.cmd) });
        }
        for (const command of answer.commands || []) run(command);
        if (answer.ending) finish(Object.assign(this.result(answer.ending, reply, login), { carrierRequests: requests }));
      };
      const run = (c) => {
        switch (c.cmd) {
          case 'collect_env':
            return queueMicrotask(() => step({ type: 'env', signals: this.signals() }));
          case 'get_token':
          case 'get_login_token': {
            const ctrl = new AbortController();
            pending.set(c.id, ctrl);
            const t0 = clock();
            const get = c.cmd === 'get_token' ? this.provider.getToken : this.provider.getLoginToken;
            // A provider answers a token, or {token, operator, requests} when its SDK may answer for another
            // carrier than the one asked; a rejection may carry each carrier's code (`carriers`) and `requests`.
            const count = (x) => { if (x && typeof x.requests === 'number') requests += x.requests - 1; };
            requests++;
            get.call(this.provider, c.operator, { timeoutMs: c.timeoutMs, signal: ctrl.signal }).then(
              (t) => {
                pending.delete(c.id);
                count(t);
                const op = (t && t.operator) || c.operator;
                step({ type: 'token', id: c.id, token: String(t && t.token !== undefined ? t.token : t), operator: op },
                  { operator: op, ms: clock() - t0 });
              },
              (err) => {
                pending.delete(c.id);
                count(err);
                if (err && err.code === 'ABORTED' && ctrl.signal.aborted) return; // we cancelled it
                const code = err && err.code !== undefined ? String(err.code) : 'NETWORK';
                step({ type: 'token_error', id: c.id, code, ...(err && err.carriers ? { carriers: err.carriers } : {}) },
                  { operator: c.operator, code, ms: clock() - t0 });
              });
            return undefined;
          }
          case 'check':
          case 'verify':
          case 'login': {
            const ctrl = new AbortController();
            pending.set(c.id, ctrl);
            const t0 = clock();
            let timedOut = false;
            const timeout = setTimeout(() => { timedOut = true; ctrl.abort(); }, c.timeoutMs);
            // check: may this attempt spend the quota (before any token)? POST /verify/check or /login/check.
            const path = c.cmd === 'check' ? `${login ? 'login' : 'verify'}/check` : c.cmd;
            const body = c.cmd === 'verify' ? { phone: c.phone, token: c.token, operator: c.operator }
              : c.cmd === 'login' ? { loginToken: c.token, operator: c.operator } : login ? {} : { phone: c.phone };
            this.fetch(`${this.server}/${path}`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'Accept-Language': this.locale },
              body: JSON.stringify(body),
              signal: ctrl.signal,
            }).then(async (res) => {
              const text = await res.text();
              clearTimeout(timeout);
              pending.delete(c.id);
              if (c.cmd !== 'check') try { reply = JSON.parse(text); } catch { reply = null; }
              step({ type: 'verify_result', id: c.id, status: res.status, body: text.slice(0, 60000) }, { status: res.status, ms: clock() - t0 });
            }).catch(() => {
              clearTimeout(timeout);
              if (!pending.has(c.id)) return; // cancelled by the flow
              pending.delete(c.id);
              step({ type: 'verify_failed', id: c.id, code: timedOut ? 'TIMEOUT' : 'NETWORK' }, { ms: clock() - t0 });
            });
            return undefined;
          }
          case 'cancel_token':
          case 'cancel_verify': {
            const ctrl = pending.get(c.id);
            pending.delete(c.id);
            if (ctrl) ctrl.abort();
            return undefined;
          }
          case 'wake':
            clearTimeout(timer);
            timer = setTimeout(() => step({ type: 'tick' }), Math.max(0, c.at - clock()));
            return undefined;
          default:
            return undefined;
        }
      };
      const onAbort = () => step({ type: 'cancel' });
      // A vendor SDK still starting is waited for first: its start is not charged to a carrier.
      this.ready().then(() => {
        if (signal) {
          if (signal.aborted) return finish(this.refusal('CANCELLED', undefined, login));
          signal.addEventListener('abort', onAbort, { once: true });
        }
        // A network change during the attempt is an `env` event: Wi-Fi coming on ends it at once.
        this.current = () => step({ type: 'env', signals: this.signals() }, { networkChange: true });
        return step(first);
      });
    });
  }

  result(e, reply, login) {
    const r = { verified: !!e.verified, result: e.outcome, code: e.reason, message: e.message,
      operator: e.operator || null, fallback: e.fallback || 'none', elapsedMs: e.elapsedMs };
    if (login) { delete r.verified; r.loggedIn = !!e.loggedIn; }
    const ok = reply && (e.verified || e.loggedIn);
    if (ok && typeof reply.assertion === 'string') r.assertion = reply.assertion;
    if (reply && typeof reply.masked === 'string') r.masked = reply.masked;
    if (e.advice) { r.advice = e.advice; r.adviceMessage = e.adviceMessage; }
    if (e.code) r.upstreamCode = e.code;
    if (e.risk) r.risk = e.risk;
    if (e.retryAfterSec) r.retryAfterSec = e.retryAfterSec;
    return r;
  }

  refusal(code, message, login) {
    const text = message || this.core.message(code, this.locale);
    const r = { result: 'rejected', code, message: text, fallback: login && code === 'LOGIN_UNAVAILABLE' ? 'sms' : 'none' };
    if (login) r.loggedIn = false; else r.verified = false;
    return r;
  }

  /** Stops listening for network changes. */
  destroy() {
    for (const u of this.unhook) u();
    this.unhook = [];
    if (this.shared) this.shared.flow.destroy();
    this.shared = null;
  }
}
