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

// A scripted companion server: GET /config (createVerifier's check) and the quota checks before a token (POST
// .../check, recorded in `checks`) answer yes unless `check` says otherwise; verify and login calls are recorded in
// `calls` and answered by `answer`.
function server(answer, check = () => [200, { allowed: true }]) {
  const calls = [];
  const checks = [];
  const fetch = async (url, init = {}) => {
    let status;
    let json;
    if (!init.body) {
      [status, json] = [200, { sandbox: true, carriers: [] }];
    } else if (url.endsWith('/check')) {
      checks.push({ url, body: JSON.parse(init.body) });
      [status, json] = check(JSON.parse(init.body), checks.length);
    } else {
      const body = JSON.parse(init.body);
      calls.push(body);
      [status, json] = answer(body, calls.length);
    }
    return { status, ok: status >= 200 && status < 300, text: async () => JSON.stringify(json) };
  };
  return { fetch, calls, checks };
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
  assert.deepEqual(states, ['checking_env', 'checking_server', 'fetching_token', 'token_ready', 'verifying', 'verified']);
  assert.deepEqual(s.checks.map((c) => [c.url, c.body]), [['/api/v1/verify/check', { phone: s.calls[0].phone }]], 'the quota asked before the token');
  assert.equal(r.carrierRequests, 1);
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
  assert.deepEqual(await jv.getToken('CT', {}), { token: 'jv-token', operator: 'CT', requests: 1 });
  assert.deepEqual(calls, ['init', 'CM', 'CT']);
  await assert.rejects(jverificationProvider({ sdk: undefined }).getToken('CM', {}), (e) => e.code === 'SDK_MISSING' && e.requests === 0);
  // A carrier that never answers keeps the SDK busy: the request times out, and (with no SDK script to load again)
  // the next one says SDK_STUCK instead of calling the busy SDK (which would answer 2003).
  let asked = 0;
  const hung = jverificationProvider({ sdk: { isInitSuccess: () => true, getToken() { asked++; } } });
  await assert.rejects(hung.getToken('CM', { timeoutMs: 30 }), (e) => e.code === 'TIMEOUT');
  await assert.rejects(hung.getToken('CU', { timeoutMs: 30 }), (e) => e.code === 'SDK_STUCK' && e.requests === 0);
  assert.equal(asked, 1);

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
  // The carrier pre-fetches the number before its page is shown, as the real gateways do.
  assert.deepEqual(seen.slice(1, 3).map((x) => x.url), ['/sb/carriers/CM/login-prefetch', '/sb/carriers/CM/login-token']);
  await assert.rejects(p.getToken('CU', {}), (e) => e.code === '103111' && e.message === 'gateway refused');
  await assert.rejects(p.getToken('CT', {}), (e) => e.code === 'NETWORK' && /Failed to fetch/.test(e.message));
  // An answer that is not a gateway's is the page's setup, never a carrier's refusal.
  await assert.rejects(p.getToken('XX', {}), (e) => e.code === 'SETUP_SERVER' && /\/sb\/carriers\/XX\/token answered 502/.test(e.message));
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
  assert.deepEqual(states, ['checking_env', 'checking_server', 'fetching_token', 'token_ready', 'verifying', 'logged_in']);
  assert.deepEqual(s.checks.map((c) => [c.url, c.body]), [['/api/v1/login/check', {}]]);
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

test('the server is asked before any token: its TOO_SOON after a reload is the same refusal as without one', async () => {
  const phone = number();
  // Without a reload: the verifier's own memory of the 30 s interval.
  const s = server(() => consistent);
  const asked = [];
  const a = verifier({ getToken: async (op) => { asked.push(op); return `tok-${asked.length}`; } }, s.fetch);
  assert.equal((await a.verify(phone, { consent: true })).verified, true);
  const local = await a.verify(phone, { consent: true });
  // After a reload (a new verifier): the server's check says TOO_SOON before a token is asked for.
  const reloaded = server(() => consistent, () => [429, { error: { code: 'TOO_SOON', message: 'wait', retryAfterSec: 27 } }]);
  const before = asked.length;
  const b = verifier({ getToken: async (op) => { asked.push(op); return 'never'; } }, reloaded.fetch);
  const remote = await b.verify(phone, { consent: true });
  assert.equal(asked.length, before, 'no carrier token was spent');
  assert.equal(reloaded.calls.length, 0);
  for (const r of [local, remote]) {
    assert.equal(r.result, 'rejected', JSON.stringify(r));
    assert.equal(r.code, 'TOO_SOON');
    assert.equal(r.fallback, 'none');
    assert.equal(r.carrierRequests, 0);
    assert.equal(r.message, local.message);
  }
  assert.ok(local.retryAfterSec > 0 && local.retryAfterSec <= 30);
  assert.equal(remote.retryAfterSec, 27);
  assert.deepEqual(Object.keys(remote).sort(), Object.keys(local).sort(), 'the same shape');
  // And from then on the reloaded page counts down by itself, without asking the server.
  assert.equal(b.cooldown(phone), 27);
  const checks = reloaded.checks.length;
  assert.equal((await b.verify(phone, { consent: true })).code, 'TOO_SOON');
  assert.equal(reloaded.checks.length, checks);
  a.destroy();
  b.destroy();
});

test('the server\'s other refusals and an unreachable server end the attempt before a token is spent', async () => {
  const cases = [
    [() => [429, { error: { code: 'NUMBER_DAILY_LIMIT', message: 'limit', retryAfterSec: 3600 } }], 'NUMBER_DAILY_LIMIT', 'sms'],
    [() => [403, { error: { code: 'ORIGIN_NOT_ALLOWED', message: 'no' } }], 'ORIGIN_NOT_ALLOWED', 'sms'],
    [() => { throw new TypeError('Failed to fetch'); }, 'SERVER_UNREACHABLE', 'sms'],
  ];
  for (const [check, code, fallback] of cases) {
    let asked = 0;
    const s = server(() => consistent, check);
    const v = verifier({ getToken: async () => { asked++; return 't'; } }, s.fetch);
    const r = await v.verify(number(), { consent: true });
    assert.equal(r.code, code, JSON.stringify(r));
    assert.equal(r.fallback, fallback);
    assert.equal(asked, 0);
    assert.equal(r.carrierRequests, 0);
    v.destroy();
  }
});

test('createVerifier asks the server first: a refused origin, a wrong address, CORS, no server', async () => {
  const answer = (status, body, type = 'application/json') => async (url, init = {}) => {
    if (init.mode === 'no-cors') return { status: 0, ok: false, type: 'opaque' };
    return { status, ok: status >= 200 && status < 300, text: async () => (typeof body === 'string' ? body : JSON.stringify(body)), headers: { get: () => type } };
  };
  await assert.rejects(createVerifier({ tokenProvider: 'bridge', server: 'https://verify.example/api/v1',
    fetch: answer(403, { error: { code: 'ORIGIN_NOT_ALLOWED', message: 'no', origin: 'https://shop.example' } }) }),
  (e) => e.code === 'ORIGIN_NOT_ALLOWED' && /https:\/\/verify\.example\/api\/v1\/config refuses this page's origin https:\/\/shop\.example \(nv-server --cors-origin\)/.test(e.message));
  await assert.rejects(createVerifier({ tokenProvider: 'bridge', server: '/wrong', fetch: answer(404, '<html>Not Found</html>', 'text/html') }),
    (e) => e.code === 'SETUP_SERVER' && /\/wrong\/config answered 404: not nv-server's API/.test(e.message));
  const cors = async (url, init = {}) => {
    if (init.mode === 'no-cors') return { status: 0, ok: false, type: 'opaque' };
    throw new TypeError('Failed to fetch');
  };
  await assert.rejects(createVerifier({ tokenProvider: 'bridge', fetch: cors }), (e) => e.code === 'SETUP_CORS' && /--cors-origin/.test(e.message));
  const down = async () => { throw new TypeError('Failed to fetch'); };
  await assert.rejects(createVerifier({ tokenProvider: 'bridge', fetch: down }), (e) => e.code === 'SERVER_UNREACHABLE');
  const ok = await createVerifier({ tokenProvider: 'bridge', fetch: answer(200, { sandbox: true, carriers: [] }) });
  assert.equal(ok.settings.sandbox, true);
  ok.destroy();
});

test('a provider whose SDK hands over: one request, the issuing carrier verified, each carrier\'s code counted', async () => {
  const s = server((body) => [200, { verified: true, result: 'consistent', operator: body.operator, upstream: { code: 9000 } }]);
  const seen = [];
  const ported = { defaults: { tokenTimeoutMs: 5000, carriersPerRequest: 3 },
    async getToken(op, { timeoutMs }) { seen.push([op, timeoutMs]); return { token: 'tok-cu', operator: 'CU', requests: 2 }; } };
  const v = verifier(ported, s.fetch);
  const r = await v.verify(number(), { consent: true });
  assert.equal(r.verified, true, JSON.stringify(r));
  assert.equal(r.operator, 'CU');
  assert.equal(s.calls[0].operator, 'CU', 'verified (and billed) under the carrier that issued the token');
  assert.deepEqual(seen, [['CM', 8000]], 'one request: 3 carriers x 5 s, within the 8 s budget');
  assert.equal(r.carrierRequests, 2);
  v.destroy();

  // The vendor SDK's 2002 with each carrier's reason: VPN_SUSPECTED and its advice, nothing asked twice.
  let calls = 0;
  const sdk = { isInitSuccess: () => true,
    getToken(o) { calls++; o.fail({ code: 2002, message: 'getToken faild', content: { CM: '103111|gateway ip error|x', CU: 'SOURCE_IP_ERROR|source ip|y', CT: '800008|ip error' } }); } };
  const w = verifier(jverificationProvider({ sdk }), s.fetch);
  const vpn = await w.verify(number(), { consent: true });
  assert.equal(vpn.code, 'VPN_SUSPECTED', JSON.stringify(vpn));
  assert.equal(vpn.advice, 'turn_off_vpn');
  assert.equal(vpn.carrierRequests, 3);
  assert.equal(calls, 1);
  w.destroy();
});

test('the provider is made ready when the verifier is created and before an attempt, outside the carriers\' time', async () => {
  const s = server(() => consistent);
  let readyCalls = 0;
  let release;
  let started;
  const events = [];
  const provider = {
    // A start that takes a while (an SDK's init round trip): asked again, it is the same start.
    ready() { readyCalls++; events.push('ready'); started ||= new Promise((r) => { release = r; }); return started; },
    async getToken(op, { timeoutMs }) { events.push(`getToken ${op} ${timeoutMs}`); return 't'; },
  };
  const v = verifier(provider, s.fetch);
  assert.equal(readyCalls, 1, 'started when the verifier was made');
  const p = v.verify(number(), { consent: true });
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(events, ['ready', 'ready'], 'the attempt waits: nothing asked yet');
  release();
  assert.equal((await p).verified, true);
  assert.deepEqual(events, ['ready', 'ready', 'getToken CM 4000'], 'the carrier gets its whole time');
  v.destroy();
});

test('a provider whose start never ends: the attempt goes on after 10 s and ends with the provider\'s answer', async () => {
  const s = server(() => consistent);
  const v = verifier({ ready: () => new Promise(() => {}), getToken: async () => { throw Object.assign(new Error('stuck'), { code: 'SDK_STUCK' }); } }, s.fetch);
  const t0 = Date.now();
  const r = await v.verify(number(), { consent: true });
  const waited = Date.now() - t0;
  assert.equal(r.code, 'SDK_STUCK', JSON.stringify(r));
  assert.ok(waited >= 9_900 && waited < 12_000, `waited ${waited} ms`);
  v.destroy();
});
