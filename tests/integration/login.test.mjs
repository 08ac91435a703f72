// One-click login, business risk and signed results (DESIGN 8-10), against real nv-server processes in sandbox
// mode: the carrier's login gateway, POST /api/v1/login (RSA decryption with the partner's key), POST
// /api/v1/risk behind the backend key, the SMS fallback's risk check, and every success's ES256 assertion checked
// by a third-party JOSE library (jose) and by the docs' own examples in Node, Python and Java.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { call, device, freshToken, scratchDir, startServer, writeConfig, transcript } from './harness.mjs';
import { runExamples } from '../backend/examples.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const BACKEND = { Authorization: 'Bearer sandbox-backend' };
const json = (body) => ({ body });
let sb;
let scratch;

before(async () => {
  scratch = scratchDir();
  sb = await startServer({ args: ['--sandbox'] });
});
after(async () => {
  await sb.stop();
  scratch.cleanup();
});

function openssl(...args) {
  return execFileSync('openssl', args, { cwd: scratch.dir, stdio: 'pipe' });
}

async function loginToken(base, deviceId, op = 'CM') {
  const r = await call(base, 'POST', `/sandbox/carriers/${op}/login-token`, { headers: { 'X-Sandbox-Device': deviceId } });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

function login(base, body) {
  return call(base, 'POST', '/api/v1/login', json(body));
}

async function keySet(base) {
  const r = await call(base, 'GET', '/.well-known/jwks.json');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('cache-control'), /max-age=\d+/);
  return r.json;
}

test('the README walk (login, assertion, replay, Wi-Fi, risk) runs as written', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = readme.split('```sh').map((b) => b.split('```')[0]).find((b) => b.includes('/login-token'));
  assert.ok(block, 'the README has the one-click login walk');
  const script = block.replace('B=http://127.0.0.1:8080', `B=${sb.base}`);
  const out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', cwd: root });
  const lines = out.trim().split('\n');
  const loggedIn = JSON.parse(lines[0]);
  assert.equal(loggedIn.loggedIn, true);
  assert.equal(loggedIn.masked, '138****8000');
  const checked = JSON.parse(lines[1]);
  assert.equal(checked.ok, true, lines[1]);
  assert.equal(checked.phone_number, '+8613800138000');
  assert.deepEqual(checked.amr, ['carrier_login']);
  const body = (line) => JSON.parse(line.replace(/ \d{3}$/, ''));
  assert.equal(body(lines[2]).error.code, 'TOKEN_USED');
  assert.match(lines[2], / 409$/);
  assert.match(lines[3], / 403$/);
  assert.equal(body(lines[3]).reason, 'WIFI_ON');
  assert.equal(lines[4], '401');
  const risk = JSON.parse(lines[5]);
  assert.equal(risk.score, 300);
  assert.equal(risk.decision, 'review');
});

test('one-click login: the masked number, an ES256 assertion that jose verifies against the JWKS', async () => {
  const id = await device(sb.base, { phone: '13900139000', network: 'cellular' });
  const t = await loginToken(sb.base, id, 'CM');
  assert.equal(t.masked, '139****9000');
  assert.equal(t.operator, 'CM');
  const r = await login(sb.base, { loginToken: t.loginToken, exID: 'order-7' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.loggedIn, true);
  assert.equal(r.json.result, 'success');
  assert.equal(r.json.masked, '139****9000');
  assert.equal(r.json.operator, 'CM');
  assert.equal(r.json.upstream.code, 8000);
  assert.equal(r.json.phone, undefined, 'the page never gets the full number');
  assert.ok(!r.text.includes('13900139000'));
  assert.equal(r.json.assertionExpiresInSec, 300);

  const header = decodeProtectedHeader(r.json.assertion);
  assert.equal(header.alg, 'ES256');
  const jwks = await keySet(sb.base);
  assert.equal(jwks.keys.length, 1);
  assert.equal(header.kid, jwks.keys[0].kid);
  const { payload } = await jwtVerify(r.json.assertion, createLocalJWKSet(jwks), {
    issuer: 'nv-server', audience: 'partner-backend', algorithms: ['ES256'],
  });
  assert.equal(payload.phone_number, '+8613900139000');
  assert.equal(payload.phone_number_verified, true);
  assert.deepEqual(payload.amr, ['carrier_login']);
  assert.equal(payload.operator, 'CM');
  assert.equal(payload.jti, r.json.requestId);
  assert.equal(payload.exp - payload.iat, 300);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 30);
  // A changed claim breaks the signature.
  const [h, p, s] = r.json.assertion.split('.');
  const forged = Buffer.from(JSON.stringify({ ...payload, phone_number: '+8613800000000' })).toString('base64url');
  await assert.rejects(jwtVerify(`${h}.${forged}.${s}`, createLocalJWKSet(jwks)), /signature/);
  assert.ok(p.length > 0);
});

test('login tokens follow the carriers\' rules: lifetimes, cellular only, no VPN, the right carrier, single use', async () => {
  // loginToken lifetimes: CM 2 min, CU 30 min, CT 30 min.
  for (const [phone, op, ttl] of [['13800138011', 'CM', 120], ['18612345011', 'CU', 1800], ['18912345011', 'CT', 1800]]) {
    const id = await device(sb.base, { phone, network: 'cellular' });
    const t = await loginToken(sb.base, id, op);
    assert.equal(t.expiresInSec, ttl, op);
    const r = await login(sb.base, { loginToken: t.loginToken, operator: op });
    assert.equal(r.json.loggedIn, true, r.text);
    assert.equal(r.json.operator, op);
  }
  const wifi = await device(sb.base, { phone: '13800138012', network: 'wifi' });
  const w = await call(sb.base, 'POST', '/sandbox/carriers/CM/login-token', { headers: { 'X-Sandbox-Device': wifi } });
  assert.equal(w.status, 403);
  assert.equal(w.json.reason, 'WIFI_ON');
  const vpn = await device(sb.base, { phone: '13800138013', network: 'cellular', vpn: true });
  const v = await call(sb.base, 'POST', '/sandbox/carriers/CM/login-token', { headers: { 'X-Sandbox-Device': vpn } });
  assert.equal(v.status, 403);
  assert.equal(v.json.code, '103111');
  const cm = await device(sb.base, { phone: '13800138014', network: 'cellular' });
  const wrong = await call(sb.base, 'POST', '/sandbox/carriers/CT/login-token', { headers: { 'X-Sandbox-Device': cm } });
  assert.equal(wrong.json.code, '800008');

  // Single use: the server refuses a used loginToken locally; a verify token is not a loginToken (9003), and a
  // loginToken is not a verify token.
  const t = await loginToken(sb.base, cm, 'CM');
  assert.equal((await login(sb.base, { loginToken: t.loginToken })).status, 200);
  const again = await login(sb.base, { loginToken: t.loginToken });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'TOKEN_USED');
  const verifyToken = await freshToken(sb.base, cm, 'CM');
  const crossed = await login(sb.base, { loginToken: verifyToken });
  assert.equal(crossed.status, 400);
  assert.equal(crossed.json.error.code, 'TOKEN_EXPIRED');
  assert.equal(crossed.json.upstream.code, 9003);
  const lt = await loginToken(sb.base, cm, 'CM');
  const v2 = await call(sb.base, 'POST', '/api/v1/verify', json({ phone: '13800138014', token: lt.loginToken }));
  assert.equal(v2.json.error.code, 'TOKEN_EXPIRED');

  // At most 30 unused loginTokens per 10 minutes, counted apart from verify tokens.
  const busy = await device(sb.base, { phone: '13800138015', network: 'cellular' });
  for (let i = 0; i < 30; i++) await loginToken(sb.base, busy, 'CM');
  const limited = await call(sb.base, 'POST', '/sandbox/carriers/CM/login-token', { headers: { 'X-Sandbox-Device': busy } });
  assert.equal(limited.status, 429);
  assert.equal(limited.json.reason, 'TOKEN_LIMIT');
  assert.equal((await call(sb.base, 'POST', '/sandbox/carriers/CM/token', { headers: { 'X-Sandbox-Device': busy } })).status, 200);
});

test('login pre-fetch: no authorization page for another carrier\'s SIM, nothing issued or counted', async () => {
  const prefetch = (op, id) => call(sb.base, 'POST', `/sandbox/carriers/${op}/login-prefetch`,
    { headers: id === undefined ? {} : { 'X-Sandbox-Device': id } });
  const ct = await device(sb.base, { phone: '18912345040', network: 'cellular' });
  // China Mobile and China Unicom fail their pre-fetch for a China Telecom SIM, with their own codes.
  for (const [op, code] of [['CM', '103111'], ['CU', 'SOURCE_IP_ERROR']]) {
    const r = await prefetch(op, ct);
    assert.equal(r.status, 403, `${op} ${r.text}`);
    assert.deepEqual({ ...r.json, message: undefined },
      { operator: op, code, reason: 'CARRIER_MISMATCH', message: undefined });
    // Exactly what its login-token would answer.
    const lt = await call(sb.base, 'POST', `/sandbox/carriers/${op}/login-token`, { headers: { 'X-Sandbox-Device': ct } });
    assert.equal(lt.status, r.status);
    assert.deepEqual(lt.json, r.json);
  }
  const ok = await prefetch('CT', ct);
  assert.equal(ok.status, 200, ok.text);
  assert.deepEqual(ok.json, { operator: 'CT', masked: '189****5040' });

  // Nothing is issued or counted: after 35 pre-fetches the device still gets its 30 unused loginTokens, and then
  // the pre-fetch refuses as login-token does.
  for (let i = 0; i < 35; i++) assert.equal((await prefetch('CT', ct)).status, 200);
  for (let i = 0; i < 30; i++) assert.equal((await loginToken(sb.base, ct, 'CT')).operator, 'CT');
  const limited = await prefetch('CT', ct);
  assert.equal(limited.status, 429);
  assert.equal(limited.json.code, 'TOKEN_LIMIT');
  assert.equal((await call(sb.base, 'POST', '/sandbox/carriers/CT/login-token', { headers: { 'X-Sandbox-Device': ct } })).status, 429);
  // Verify tokens have their own count.
  assert.equal((await freshToken(sb.base, ct, 'CT')).startsWith('STsidCT'), true);

  // The other refusals, as login-token's: Wi-Fi, offline, a VPN, no device, no header, no such carrier.
  const wifi = await device(sb.base, { phone: '18912345041', network: 'cellular+wifi' });
  const w = await prefetch('CT', wifi);
  assert.equal(w.status, 403);
  assert.equal(w.json.code, '2004');
  assert.equal(w.json.reason, 'WIFI_ON');
  const off = await device(sb.base, { phone: '18912345042', network: 'offline' });
  const o = await prefetch('CT', off);
  assert.equal(o.status, 503);
  assert.equal(o.json.code, '1005');
  const vpn = await device(sb.base, { phone: '18912345043', network: 'cellular', vpn: true });
  assert.equal((await prefetch('CT', vpn)).json.code, '800008');
  const gone = await prefetch('CT', 'dev_nope');
  assert.equal(gone.status, 404);
  assert.equal(gone.json.error.code, 'NOT_FOUND');
  const bare = await prefetch('CT');
  assert.equal(bare.status, 400);
  assert.equal(bare.json.field, 'X-Sandbox-Device');
  assert.equal((await prefetch('XX', ct)).json.error.code, 'BAD_OPERATOR');
  // A gateway fault applies, once.
  await call(sb.base, 'POST', '/sandbox/faults', json({ target: 'gateway', status: 503, count: 1 }));
  const fault = await prefetch('CU', ct);
  assert.equal(fault.status, 503);
  assert.match(fault.headers.get('content-type'), /text\/html/);
  assert.equal((await prefetch('CU', ct)).json.code, 'SOURCE_IP_ERROR');
  // The sandbox lists it.
  assert.ok((await call(sb.base, 'GET', '/sandbox')).json.endpoints.some((e) => e.includes('/login-prefetch')));
});

test('login input and vendor answers: bad input, 8001, 9020, the risk policy, and the ledger', async () => {
  for (const [body, field] of [[{}, 'loginToken'], [{ loginToken: 7 }, 'loginToken'], [{ loginToken: 'a b' }, 'loginToken'],
    [{ loginToken: 'x', operator: 'XX' }, 'operator'], [{ loginToken: 'x', exID: 'a\u0001' }, 'exID']]) {
    const r = await login(sb.base, body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.field, field);
  }
  const unknown = await login(sb.base, { loginToken: 'x', phone: '13800138000' });
  assert.equal(unknown.json.error.code, 'UNKNOWN_FIELD');
  const dup = await call(sb.base, 'POST', '/api/v1/login', { raw: '{"loginToken":"a","loginToken":"b"}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(dup.json.error.code, 'BAD_JSON');

  const id = await device(sb.base, { phone: '13800138016', network: 'cellular' });
  const usageBefore = (await call(sb.base, 'GET', '/sandbox/vendor/usage')).json;
  // 8001: the carrier could not get the number: not billed, no assertion, the page falls back to SMS login.
  await call(sb.base, 'POST', '/sandbox/faults', json({ vendorCode: 8001, count: 1 }));
  const failed = await login(sb.base, { loginToken: (await loginToken(sb.base, id)).loginToken });
  assert.equal(failed.status, 200);
  assert.equal(failed.json.loggedIn, false);
  assert.equal(failed.json.result, 'failed');
  assert.equal(failed.json.code, 'LOGIN_FAILED');
  assert.equal(failed.json.assertion, undefined);
  // 9020: the key pair does not match the app: a configuration error, named as such.
  await call(sb.base, 'POST', '/sandbox/faults', json({ vendorCode: 9020, count: 1 }));
  const mismatch = await login(sb.base, { loginToken: (await loginToken(sb.base, id)).loginToken });
  assert.equal(mismatch.status, 503);
  assert.equal(mismatch.json.error.code, 'LOGIN_KEY_MISMATCH');
  assert.equal(mismatch.json.upstream.code, 9020);
  // The v2 risk policy: 600 steps up, 900 denies; neither is logged in or gets an assertion.
  for (const [score, decision, phone] of [[600, 'step_up', '13800138081'], [900, 'deny', '13800138082']]) {
    const risky = await device(sb.base, { phone, network: 'cellular', riskScore: score });
    const r = await login(sb.base, { loginToken: (await loginToken(sb.base, risky)).loginToken });
    assert.equal(r.json.loggedIn, false, r.text);
    assert.equal(r.json.risk.decision, decision);
    assert.equal(r.json.assertion, undefined);
  }
  // Billed on success only: the sandbox vendor's bill and our ledger agree on 8000.
  const usageAfter = (await call(sb.base, 'GET', '/sandbox/vendor/usage')).json;
  assert.equal((usageAfter.byCode['8001'] || 0) - (usageBefore.byCode['8001'] || 0), 1);
  const ledger = await call(sb.base, 'GET', '/api/v1/usage', { headers: { Authorization: 'Bearer sandbox-admin' } });
  assert.equal(ledger.json.byCode['8000'], usageAfter.byCode['8000']);
  assert.equal(ledger.json.byCode['8001'], usageAfter.byCode['8001']);
});

test('login quotas: the appKey\'s daily limit and the client IP\'s window apply before anything is spent', async () => {
  const cfg = writeConfig(scratch.dir, { quotas: { appDaily: 2, ipLimit: 100 } });
  const s = await startServer({ args: ['--sandbox', '--config', cfg] });
  try {
    const id = await device(s.base, { phone: '13800138020', network: 'cellular' });
    // The pre-check (before the carrier's page is shown) counts nothing: more checks than the limit allows logins.
    const check = () => call(s.base, 'POST', '/api/v1/login/check', json({}));
    for (let i = 0; i < 4; i++) {
      const c = await check();
      assert.equal(c.status, 200, c.text);
      assert.equal(c.json.allowed, true);
      assert.match(c.json.requestId, /^[0-9a-f]{16}$/);
    }
    for (let i = 0; i < 2; i++) {
      assert.equal((await login(s.base, { loginToken: (await loginToken(s.base, id)).loginToken })).json.loggedIn, true);
    }
    const refused = await check();
    assert.equal(refused.status, 429, refused.text);
    assert.equal(refused.json.error.code, 'APP_DAILY_LIMIT');
    assert.equal(refused.headers.get('retry-after'), String(refused.json.error.retryAfterSec));
    const before = (await call(s.base, 'GET', '/sandbox/vendor/usage')).json.byCode['8000'];
    const third = await login(s.base, { loginToken: (await loginToken(s.base, id)).loginToken });
    assert.equal(third.status, 429);
    assert.equal(third.json.error.code, 'APP_DAILY_LIMIT');
    assert.ok(third.json.error.retryAfterSec > 0);
    assert.ok(Math.abs(third.json.error.retryAfterSec - refused.json.error.retryAfterSec) <= 1);
    assert.deepEqual(Object.keys(refused.json).sort(), Object.keys(third.json).sort(), 'the same error shape');
    assert.equal((await call(s.base, 'GET', '/sandbox/vendor/usage')).json.byCode['8000'], before, 'nothing was sent');
    // Logins are counted apart from verifications: a verification is still allowed.
    assert.equal((await call(s.base, 'POST', '/api/v1/verify/check', json({ phone: '13800138020' }))).status, 200);
  } finally {
    await s.stop();
  }
});

test('keys: PKCS#1 and PKCS#8 login keys, a mismatched key named as such, no key refused before spending', async () => {
  openssl('genrsa', '-traditional', '-out', 'login-pkcs1.pem', '2048');
  openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'login-pkcs8.pem');
  assert.match(readFileSync(join(scratch.dir, 'login-pkcs1.pem'), 'utf8'), /BEGIN RSA PRIVATE KEY/);
  const a = await startServer({ args: ['--sandbox'], env: { NV_LOGIN_PRIVATE_KEY_FILE: join(scratch.dir, 'login-pkcs1.pem') } });
  const b = await startServer({ args: ['--sandbox-url', a.base], env: { NV_LOGIN_PRIVATE_KEY_FILE: join(scratch.dir, 'login-pkcs8.pem') } });
  const c = await startServer({ args: ['--sandbox-url', a.base] });
  try {
    const id = await device(a.base, { phone: '13800138030', network: 'cellular' });
    const ok = await login(a.base, { loginToken: (await loginToken(a.base, id)).loginToken });
    assert.equal(ok.json.loggedIn, true, ok.text);
    // b holds another key than the one the (shared) vendor encrypts with: the number cannot be read.
    const bad = await login(b.base, { loginToken: (await loginToken(a.base, id)).loginToken });
    assert.equal(bad.status, 503);
    assert.equal(bad.json.error.code, 'LOGIN_KEY_MISMATCH');
    assert.ok(!bad.text.includes('13800138030'));
    assert.ok(b.lines.some((l) => l.includes('does not decrypt with our private key')));
    // c has no login key at all: refused before the loginToken is spent.
    const t = (await loginToken(a.base, id)).loginToken;
    const none = await login(c.base, { loginToken: t });
    assert.equal(none.status, 503);
    assert.equal(none.json.error.code, 'LOGIN_NOT_CONFIGURED');
    // Its pre-check says so before the carrier's page is even shown.
    const noneCheck = await call(c.base, 'POST', '/api/v1/login/check', json({}));
    assert.equal(noneCheck.status, 503);
    assert.equal(noneCheck.json.error.code, 'LOGIN_NOT_CONFIGURED');
    assert.equal((await call(a.base, 'POST', '/api/v1/login/check', json({}))).status, 200);
    assert.equal((await login(a.base, { loginToken: t })).json.loggedIn, true, 'the token was still good');
  } finally {
    await c.stop();
    await b.stop();
    await a.stop();
  }
  const broken = await startServer({ args: ['--sandbox'], env: { NV_LOGIN_PRIVATE_KEY_FILE: join(scratch.dir, 'nope.pem') } })
    .then((s) => s.stop().then(() => 'started'), (e) => String(e));
  assert.match(broken, /cannot read .*nope\.pem/);
});

test('business risk: the backend key, the score and decision, unknown numbers, production without a key', async () => {
  const id = await device(sb.base, { phone: '13800138040', network: 'cellular', riskScore: 900 });
  assert.ok(id);
  const none = await call(sb.base, 'POST', '/api/v1/risk', json({ phone: '13800138040' }));
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer');
  assert.equal(none.json.error.code, 'BACKEND_AUTH_REQUIRED');
  const wrong = await call(sb.base, 'POST', '/api/v1/risk', { body: { phone: '13800138040' }, headers: { Authorization: 'Bearer sandbox-admin' } });
  assert.equal(wrong.status, 401);
  const r = await call(sb.base, 'POST', '/api/v1/risk', { body: { phone: '138 0013 8040', ip: '10.1.2.3', exID: 'signup-1' }, headers: BACKEND });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.score, 900);
  assert.equal(r.json.level, 'high');
  assert.equal(r.json.decision, 'deny');
  assert.deepEqual(r.json.tags, ['fraud_reported']);
  assert.deepEqual(r.json.detail, { fraud_reported: { score: 900 } });
  assert.equal(r.json.phone, '138****8040');
  assert.equal(r.json.upstream.code, 0);
  const unknownNumber = await call(sb.base, 'POST', '/api/v1/risk', { body: { phone: '13700137000' }, headers: BACKEND });
  assert.equal(unknownNumber.json.score, 0);
  assert.equal(unknownNumber.json.decision, 'allow');
  const badPhone = await call(sb.base, 'POST', '/api/v1/risk', { body: { phone: '12345' }, headers: BACKEND });
  assert.equal(badPhone.status, 400);
  // The vendor refusing our credentials is the operator's problem, said as such.
  await call(sb.base, 'POST', '/sandbox/faults', json({ vendorCode: 9011, count: 1 }));
  const refused = await call(sb.base, 'POST', '/api/v1/risk', { body: { phone: '13800138040' }, headers: BACKEND });
  assert.equal(refused.status, 503);
  assert.equal(refused.json.error.code, 'AUTH_FAILED');

  const prod = await startServer({ args: ['--upstream', sb.info.upstream.replace(/\/v2\/web\/h5\/verify$/, '')],
    env: { NV_APP_KEY: 'k', NV_MASTER_SECRET: 'a-secret-that-must-not-leak' } });
  try {
    const off = await call(prod.base, 'POST', '/api/v1/risk', { body: { phone: '13800138040' }, headers: BACKEND });
    assert.equal(off.status, 503);
    assert.equal(off.json.error.code, 'BACKEND_NOT_CONFIGURED');
  } finally {
    await prod.stop();
  }
});

test('the SMS fallback asks for the risk first: a deny gets no code, others get one with an sms assertion', async () => {
  const risky = await device(sb.base, { phone: '13800138050', network: 'wifi', riskScore: 900 });
  const denied = await call(sb.base, 'POST', '/api/v1/sms/send', json({ phone: '13800138050' }));
  assert.equal(denied.status, 403, denied.text);
  assert.equal(denied.json.error.code, 'SMS_RISK_DENIED');
  assert.equal(denied.json.risk.decision, 'deny');
  const inbox = await call(sb.base, 'GET', `/sandbox/devices/${risky}/inbox`);
  assert.equal(inbox.json.messages.length, 0, 'no code was sent');

  const fine = await device(sb.base, { phone: '13800138051', network: 'wifi', riskScore: 300 });
  const sent = await call(sb.base, 'POST', '/api/v1/sms/send', json({ phone: '13800138051' }));
  assert.equal(sent.status, 200, sent.text);
  const code = (await call(sb.base, 'GET', `/sandbox/devices/${fine}/inbox`)).json.messages.at(-1).code;
  const checked = await call(sb.base, 'POST', '/api/v1/sms/check', json({ phone: '13800138051', code }));
  assert.equal(checked.json.verified, true);
  const { payload } = await jwtVerify(checked.json.assertion, createLocalJWKSet(await keySet(sb.base)),
    { audience: 'partner-backend', issuer: 'nv-server' });
  assert.deepEqual(payload.amr, ['sms']);
  assert.equal(payload.phone_number, '+8613800138051');
  assert.equal(payload.operator, undefined);

  // A risk query that fails (the vendor answers 503) does not block the fallback: the code is sent, and logged.
  const flaky = await device(sb.base, { phone: '13800138052', network: 'wifi', riskScore: 900 });
  await call(sb.base, 'POST', '/sandbox/faults', json({ target: 'vendor', status: 503, count: 1 }));
  const despite = await call(sb.base, 'POST', '/api/v1/sms/send', json({ phone: '13800138052' }));
  assert.equal(despite.status, 200, despite.text);
  assert.equal((await call(sb.base, 'GET', `/sandbox/devices/${flaky}/inbox`)).json.messages.length, 1);
  assert.ok(sb.lines.some((l) => l.includes('SMS risk check failed; sending the code anyway')));

  // With the check off (a config file), the deny is not asked about.
  const cfg = writeConfig(scratch.dir, { sms: { riskCheck: false } });
  const off = await startServer({ args: ['--sandbox', '--config', cfg] });
  try {
    await device(off.base, { phone: '13800138050', network: 'wifi', riskScore: 900 });
    assert.equal((await call(off.base, 'POST', '/api/v1/sms/send', json({ phone: '13800138050' }))).status, 200);
  } finally {
    await off.stop();
  }
});

test('every success carries an assertion the docs\' Node, Python and Java examples accept, once each', async () => {
  const id = await device(sb.base, { phone: '13800138060', network: 'cellular' });
  const v = await call(sb.base, 'POST', '/api/v1/verify', json({ phone: '13800138060', token: await freshToken(sb.base, id, 'CM') }));
  assert.equal(v.json.verified, true, v.text);
  const l = await login(sb.base, { loginToken: (await loginToken(sb.base, id)).loginToken });
  assert.equal(l.json.loggedIn, true);
  const inconsistent = await call(sb.base, 'POST', '/api/v1/verify', json({ phone: '13800138061', token: await freshToken(sb.base, id, 'CM') }));
  assert.equal(inconsistent.json.verified, false);
  assert.equal(inconsistent.json.assertion, undefined, 'only successes are signed');

  const assertions = [v.json.assertion, l.json.assertion, v.json.assertion];
  const results = await runExamples(`${sb.base}/.well-known/jwks.json`, 'partner-backend', 'nv-server', assertions);
  for (const lang of ['node', 'python', 'java']) {
    const r = results[lang];
    assert.equal(r.results.length, 3, `${lang}: ${r.stderr}`);
    assert.equal(r.results[0].ok, true, `${lang}: ${JSON.stringify(r.results[0])}`);
    assert.equal(r.results[0].phone_number, '+8613800138060');
    assert.deepEqual(r.results[0].amr, ['carrier_verify']);
    assert.deepEqual(r.results[1].amr, ['carrier_login']);
    assert.deepEqual(r.results[2], { ok: false, error: 'replayed jti' }, lang);
    assert.notEqual(r.exitCode, 0);
  }
  const wrongAud = await runExamples(`${sb.base}/.well-known/jwks.json`, 'someone-else', 'nv-server', [v.json.assertion]);
  for (const lang of ['node', 'python', 'java']) assert.equal(wrongAud[lang].results[0].error, 'wrong aud', lang);
});

test('rotation: the JWKS publishes the current and the previous key, and both kinds of assertion check', async () => {
  for (const k of ['old', 'new']) openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${k}.pem`);
  const cfg = writeConfig(scratch.dir, { assertion: { audience: 'shop-backend', issuer: 'https://nv.example.com', ttlSec: 120 } });
  const oldServer = await startServer({ args: ['--sandbox', '--config', cfg], env: { NV_ASSERTION_KEY_FILE: join(scratch.dir, 'old.pem') } });
  let oldAssertion;
  try {
    const id = await device(oldServer.base, { phone: '13800138070', network: 'cellular' });
    oldAssertion = (await login(oldServer.base, { loginToken: (await loginToken(oldServer.base, id)).loginToken })).json.assertion;
  } finally {
    await oldServer.stop();
  }
  const rotated = await startServer({ args: ['--sandbox', '--config', cfg], env: {
    NV_ASSERTION_KEY_FILE: join(scratch.dir, 'new.pem'), NV_ASSERTION_PREVIOUS_KEY_FILE: join(scratch.dir, 'old.pem') } });
  try {
    const jwks = await keySet(rotated.base);
    assert.equal(jwks.keys.length, 2);
    for (const k of jwks.keys) assert.deepEqual(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(decodeProtectedHeader(oldAssertion).kid, jwks.keys[1].kid, 'the previous key is second');
    const opts = { audience: 'shop-backend', issuer: 'https://nv.example.com', algorithms: ['ES256'] };
    const { payload: old } = await jwtVerify(oldAssertion, createLocalJWKSet(jwks), opts);
    assert.equal(old.exp - old.iat, 120);
    const id = await device(rotated.base, { phone: '13800138071', network: 'cellular' });
    const fresh = (await login(rotated.base, { loginToken: (await loginToken(rotated.base, id)).loginToken })).json.assertion;
    assert.equal(decodeProtectedHeader(fresh).kid, jwks.keys[0].kid, 'new assertions use the current key');
    await jwtVerify(fresh, createLocalJWKSet(jwks), opts);
    // Without the previous key published, the old assertion no longer checks.
    await assert.rejects(jwtVerify(oldAssertion, createLocalJWKSet({ keys: [jwks.keys[0]] }), opts));
  } finally {
    await rotated.stop();
  }
  // A key that is not P-256 is refused at startup, naming the file.
  openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'p384.pem');
  const refused = await startServer({ args: ['--sandbox'], env: { NV_ASSERTION_KEY_FILE: join(scratch.dir, 'p384.pem') } })
    .then((s) => s.stop().then(() => 'started'), (e) => String(e));
  assert.match(refused, /p384\.pem: the assertion key must be an EC P-256 private key/);
});

test('no response or log line carries a full phone number or key material', () => {
  for (const line of transcript) {
    assert.ok(!line.includes('PRIVATE KEY'), `key material in: ${line.slice(0, 200)}`);
    if (line.startsWith('{"') && line.includes('"msg"')) {
      assert.ok(!/1380013[0-9]{4}/.test(line), `unmasked number in a log line: ${line.slice(0, 200)}`);
    }
  }
});
