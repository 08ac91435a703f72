// The web package's driver (web/src/index.js) in Node with scripted providers and a scripted server: the
// commands of the core's flow are carried out, failures reach the core as the right codes, and the page gets
// an ending for every path (no rejection, no hang).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { Verifier, createVerifier } from '../../web/src/index.js';
import { jverificationProvider, bridgeProvider, sandboxProvider } from '../../web/src/providers.js';
import { instantiate } from '../../web/src/loader.js';

const dist = process.env.NV_WEB_DIST || new URL('../../web/dist', import.meta.url).pathname;
const core = await instantiate({ wasmBinary: await readFile(`${dist}/nv-core.wasm`) });
const cellular = () => ({ sandbox: { network: 'cellular' } });

function server(answer) {
  const calls = [];
  const fetch = async (url, init) => {
    const body = JSON.parse(init.body);
    calls.push(body);
    const [status, json] = answer(body, calls.length);
    return { status, text: async () => JSON.stringify(json) };
  };
  return { fetch, calls };
}

const consistent = [200, { verified: true, result: 'consistent', operator: 'CM', upstream: { code: 9000 } }];
let n = 0;
const number = () => `1380000${String(1000 + ++n).slice(-4)}`;

function verifier(provider, fetch, extra = {}) {
  return new Verifier(core, { tokenProvider: provider, fetch, signals: cellular, locale: 'en', ...extra });
}

test('a token, a verify call, verified; states are reported', async () => {
  const s = server(() => consistent);
  const ops = [];
  const v = verifier({ getToken: async (op) => { ops.push(op); return `tok-${op}`; } }, s.fetch);
  const states = [];
  const r = await v.verify(number(), { consent: true, onState: (e) => states.push(...e.path) });
  assert.equal(r.result, 'verified');
  assert.deepEqual(ops, ['CM']);
  assert.equal(s.calls[0].token, 'tok-CM');
  assert.equal(s.calls[0].operator, 'CM');
  assert.deepEqual(states, ['checking_env', 'fetching_token', 'token_ready', 'verifying', 'verified']);
  v.destroy();
});

test('a provider that times out or fails hands over to the next carrier', async () => {
  const s = server(() => consistent);
  const seen = [];
  const v = verifier({
    async getToken(op, { timeoutMs, signal }) {
      seen.push([op, timeoutMs]);
      if (op === 'CM') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(Object.assign(new Error('x'), { code: 'ABORTED' }))));
      if (op === 'CU') throw Object.assign(new Error('refused'), { code: 'SOURCE_IP_ERROR' });
      return 'tok-CT';
    },
  }, s.fetch, { timeouts: { tokenTimeoutMs: 150 } });
  const r = await v.verify(number(), { consent: true });
  assert.equal(r.result, 'verified');
  assert.deepEqual(seen.map((x) => x[0]), ['CM', 'CU', 'CT']);
  assert.equal(s.calls[0].token, 'tok-CT');
  v.destroy();
});

test('no consent, a bad number, a busy verifier: refused without a request', async () => {
  const s = server(() => consistent);
  let asked = 0;
  const v = verifier({ getToken: async () => { asked++; return 't'; } }, s.fetch);
  assert.equal((await v.verify(number(), { consent: false })).code, 'CONSENT_REQUIRED');
  assert.equal((await v.verify('12345', { consent: true })).result, 'rejected');
  const slow = verifier({ getToken: () => new Promise((r) => setTimeout(() => r('t'), 50)) }, s.fetch);
  const first = slow.verify(number(), { consent: true });
  assert.equal((await slow.verify(number(), { consent: true })).code, 'FLOW_BUSY');
  assert.equal((await first).result, 'verified');
  assert.equal(asked, 0);
  v.destroy();
  slow.destroy();
});

test('cancel with an AbortSignal; a server that never answers times out', async () => {
  const ctrl = new AbortController();
  const v = verifier({ getToken: () => new Promise(() => {}) }, server(() => consistent).fetch);
  const p = v.verify(number(), { consent: true, signal: ctrl.signal });
  setTimeout(() => ctrl.abort(), 20);
  assert.equal((await p).result, 'cancelled');
  const hang = async (url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted'))));
  const w = verifier({ getToken: async () => 't' }, hang, { timeouts: { verifyTimeoutMs: 100 } });
  const r = await w.verify(number(), { consent: true });
  assert.equal(r.result, 'fallback');
  assert.equal(r.code, 'SERVER_TIMEOUT');
  v.destroy();
  w.destroy();
});

test('the server says TOKEN_USED: a new token, never the old one again', async () => {
  const s = server((body, i) => (i === 1 ? [409, { error: { code: 'TOKEN_USED', message: 'used' } }] : consistent));
  let k = 0;
  const v = verifier({ getToken: async () => `tok-${++k}` }, s.fetch);
  const r = await v.verify(number(), { consent: true });
  assert.equal(r.result, 'verified');
  assert.deepEqual(s.calls.map((c) => c.token), ['tok-1', 'tok-2']);
  v.destroy();
});

test('a network change during the attempt ends it (Wi-Fi on)', async () => {
  let net = 'cellular';
  let release;
  const provider = { getToken: () => new Promise((r) => { release = r; }), signals: () => ({ sandbox: { network: net } }),
    subscribe(l) { this.l = l; return () => {}; } };
  const v = new Verifier(core, { tokenProvider: provider, fetch: server(() => consistent).fetch, locale: 'en' });
  const p = v.verify(number(), { consent: true });
  await new Promise((r) => setTimeout(r, 10));
  net = 'wifi';
  provider.l();
  const r = await p;
  assert.equal(r.result, 'fallback');
  assert.equal(r.code, 'WIFI_ON');
  release('late');
  v.destroy();
});

test('jverification provider: init once, operater, SDK codes; bridge provider: tokens and network', async () => {
  const calls = [];
  const sdk = {
    inited: false,
    init(o) { calls.push('init'); this.inited = true; o.success({ code: 0 }); },
    isInitSuccess() { return this.inited; },
    getToken(o) { calls.push(o.operater); if (o.operater === 'CT') o.success({ code: 2000, content: 'jv-token' }); else o.fail({ code: 2002, message: 'no' }); },
  };
  const jv = jverificationProvider({ appkey: 'k', sdk });
  await assert.rejects(jv.getToken('CM', {}), (e) => e.code === 2002);
  assert.equal(await jv.getToken('CT', {}), 'jv-token');
  assert.deepEqual(calls, ['init', 'CM', 'CT']);
  await assert.rejects(jverificationProvider({ sdk: undefined }).getToken('CM', {}), (e) => e.code === 2001);
  const hung = jverificationProvider({ sdk: { isInitSuccess: () => true, getToken() {} } });
  await assert.rejects(hung.getToken('CM', { timeoutMs: 30 }), (e) => e.code === 'TIMEOUT');

  const bridge = { network: () => ({ network: 'wifi' }), getToken: async (op) => `native-${op}` };
  const br = bridgeProvider({ object: bridge });
  assert.deepEqual(br.signals(), { bridge: { network: 'wifi', vpn: false } });
  assert.equal(await br.getToken('CU', {}), 'native-CU');
  let changed = 0;
  br.subscribe(() => changed++);
  bridge.onchange();
  assert.equal(changed, 1);
  await assert.rejects(bridgeProvider({ object: { getToken: async () => { throw Object.assign(new Error('x'), { code: '103111' }); } } }).getToken('CM', {}), (e) => e.code === '103111');
});

test('sandbox provider: the gateway\'s token or coded error; timeouts, aborts and network failures cancel the request', async () => {
  const seen = [];
  // A scripted gateway: answers by the operator in the URL, or hangs until the request's signal aborts.
  const fetch = (url, init) => {
    seen.push({ url, device: init.headers['X-Sandbox-Device'], signal: init.signal });
    const op = url.split('/')[3];
    if (op === 'CM') return Promise.resolve({ ok: true, status: 200, json: async () => ({ token: 'tok-CM', loginToken: 'lt-CM' }) });
    if (op === 'CU') return Promise.resolve({ ok: false, status: 403, json: async () => ({ code: '103111', message: 'gateway refused' }) });
    if (op === 'CT') return Promise.reject(new TypeError('Failed to fetch'));
    if (op === 'XX') return Promise.resolve({ ok: false, status: 502, json: async () => { throw new SyntaxError('not JSON'); } });
    return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
  };
  const p = sandboxProvider({ base: '/sb', device: () => 'dev-1', fetch });
  assert.equal(await p.getToken('CM', {}), 'tok-CM');
  assert.deepEqual([seen[0].url, seen[0].device], ['/sb/carriers/CM/token', 'dev-1']);
  assert.equal(await p.getLoginToken('CM', {}), 'lt-CM');
  assert.equal(seen[1].url, '/sb/carriers/CM/login-token');
  await assert.rejects(p.getToken('CU', {}), (e) => e.code === '103111' && e.message === 'gateway refused');
  await assert.rejects(p.getToken('CT', {}), (e) => e.code === 'NETWORK' && /Failed to fetch/.test(e.message));
  await assert.rejects(p.getToken('XX', {}), (e) => e.code === 2002 && /502/.test(e.message));
  // A silent gateway: TIMEOUT after timeoutMs, and the request is cancelled (its signal aborted).
  await assert.rejects(p.getToken('HANG', { timeoutMs: 30 }), (e) => e.code === 'TIMEOUT');
  assert.equal(seen.at(-1).signal.aborted, true);
  // The caller's abort, during the request or before it: ABORTED, and the request is cancelled.
  const ctrl = new AbortController();
  const pending = p.getToken('HANG', { signal: ctrl.signal });
  ctrl.abort();
  await assert.rejects(pending, (e) => e.code === 'ABORTED');
  assert.equal(seen.at(-1).signal.aborted, true);
  await assert.rejects(p.getToken('HANG', { signal: ctrl.signal }), (e) => e.code === 'ABORTED');
  assert.equal(seen.at(-1).signal.aborted, true);
  // No simulated device: 2001 before any request.
  const before = seen.length;
  await assert.rejects(sandboxProvider({ fetch }).getToken('CM', {}), (e) => e.code === 2001);
  assert.equal(seen.length, before);
});

test('login: getLoginToken, POST /login, the masked number and the assertion; closed and unavailable', async () => {
  const asked = [];
  const s = server((body) => [200, { loggedIn: true, result: 'success', masked: '139****9000', operator: 'CU',
    upstream: { code: 8000 }, assertion: 'a.b.c' }]);
  const v = verifier({ getToken: async () => 'never', getLoginToken: async (op) => { asked.push(op); return `lt-${op}`; },
    operator: () => 'CU' }, s.fetch);
  const states = [];
  const r = await v.login({ consent: true, onState: (e) => states.push(...e.path) });
  assert.equal(r.loggedIn, true, JSON.stringify(r));
  assert.equal(r.result, 'logged_in');
  assert.equal(r.masked, '139****9000');
  assert.equal(r.assertion, 'a.b.c');
  assert.equal(r.verified, undefined);
  assert.deepEqual(asked, ['CU'], 'the network\'s carrier first');
  assert.deepEqual(s.calls[0], { loginToken: 'lt-CU', operator: 'CU' });
  assert.deepEqual(states, ['checking_env', 'fetching_token', 'token_ready', 'verifying', 'logged_in']);
  // The user closed the carrier page: nothing is sent, SMS login is offered.
  const closed = verifier({ getToken: async () => 'x',
    getLoginToken: async () => { throw Object.assign(new Error('closed'), { code: 'CLOSED' }); } }, s.fetch);
  const c = await closed.login({ consent: true });
  assert.equal(c.code, 'LOGIN_CLOSED');
  assert.equal(c.fallback, 'sms');
  assert.equal(c.loggedIn, false);
  assert.equal(s.calls.length, 1);
  // No consent: refused before anything; a provider without getLoginToken: LOGIN_UNAVAILABLE.
  const none = await closed.login({});
  assert.equal(none.code, 'CONSENT_REQUIRED');
  const plain = await verifier({ getToken: async () => 'x' }, s.fetch).login({ consent: true });
  assert.equal(plain.code, 'LOGIN_UNAVAILABLE');
  assert.equal(plain.fallback, 'sms');
  for (const x of [v, closed]) x.destroy();
});

test('login through the jverification SDK (loginAuth, 3008, 6002) and the native bridge (getLoginToken)', async () => {
  const s = server(() => [200, { loggedIn: true, result: 'success', masked: '138****8000', upstream: { code: 8000 }, assertion: 'x.y.z' }]);
  const calls = [];
  let mode = 'ok';
  const sdk = {
    isInitSuccess: () => true,
    loginAuth(opts) {
      calls.push({ operater: opts.operater, type: opts.type });
      setTimeout(() => opts.success({ code: 3008, content: 'page shown' }), 1); // not the token: keep waiting
      if (mode === 'ok') setTimeout(() => opts.success({ code: 0, operater: opts.operater, content: 'jv-login-token' }), 5);
      else setTimeout(() => opts.fail({ code: 6002, content: 'user cancelled' }), 5);
    },
  };
  const jv = verifier(jverificationProvider({ sdk, loginType: 'full' }), s.fetch);
  const ok = await jv.login({ consent: true });
  assert.equal(ok.loggedIn, true, JSON.stringify(ok));
  assert.deepEqual(calls[0], { operater: 'CM', type: 'full' });
  assert.equal(s.calls.at(-1).loginToken, 'jv-login-token');
  mode = 'cancel';
  const cancelled = await jv.login({ consent: true });
  assert.equal(cancelled.code, 'LOGIN_CLOSED');
  assert.equal(calls.length, 2, 'no other carrier is asked after the user said no');

  const bridge = { network: () => ({ network: 'cellular', operator: 'CT' }), getToken: async () => 'x',
    getLoginToken: async (op) => `bridge-${op}` };
  const b = verifier(bridgeProvider({ object: bridge }), s.fetch, { signals: undefined });
  const viaBridge = await b.login({ consent: true });
  assert.equal(viaBridge.loggedIn, true, JSON.stringify(viaBridge));
  assert.equal(s.calls.at(-1).loginToken, 'bridge-CT', 'the bridge\'s network carrier first');
  bridge.getLoginToken = async () => { throw Object.assign(new Error('dismissed'), { code: 'CLOSED' }); };
  assert.equal((await b.login({ consent: true })).code, 'LOGIN_CLOSED');
  for (const x of [jv, b]) x.destroy();
});

test('a provider named in tokenProvider is loaded by createVerifier(), with its options; the constructor takes objects', async () => {
  const bridge = { network: () => ({ network: 'cellular', operator: 'CU' }), getToken: async (op) => `bridge-${op}` };
  const s = server(() => consistent);
  const v = await createVerifier({ tokenProvider: 'bridge', bridge: { object: bridge }, fetch: s.fetch, locale: 'en' });
  assert.equal(v.provider.name, 'bridge');
  const r = await v.verify('186 1234 5678', { consent: true });
  assert.equal(r.verified, true, JSON.stringify(r));
  assert.equal(s.calls[0].token, 'bridge-CU');
  v.destroy();
  for (const name of ['sandbox', 'jverification']) {
    const p = await createVerifier({ tokenProvider: name, fetch: s.fetch });
    assert.equal(p.provider.name, name);
    p.destroy();
  }
  await assert.rejects(createVerifier({ tokenProvider: 'toString' }), TypeError, 'only the three names');
  assert.throws(() => new Verifier(core, { tokenProvider: 'sandbox' }), TypeError, 'a name needs createVerifier()');
});
