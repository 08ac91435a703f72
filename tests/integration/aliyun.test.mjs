// Aliyun's number verification beside Jiguang's (issue 24), against the nv-server just built:
// - our V3 signature (ACS3-HMAC-SHA256) equals the official Alibaba Cloud Node SDK's for the same request;
// - the official SDK, unmodified, pointed at the sandbox's own listener with the sandbox AccessKey, gets an
//   AuthToken, then PASS for the device's number and REJECT for another; the sandbox refuses a wrong secret, a
//   reused nonce and a stale date as the real gateway does;
// - the vendor port through /api/v1/verify (vendor: aliyun), the page session, per-vendor usage and metrics, the
//   configuration (--vendors, the config file, the secrets), a server with Aliyun alone;
// - the README's Aliyun walk, run as written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import Dypnsapi, * as models from '@alicloud/dypnsapi20170525';
import * as OpenApi from '@alicloud/openapi-core';
import { startServer, call, device, transcript, writeConfig, scratchDir } from './harness.mjs';

const SIGN = process.env.NV_ACS3_SIGN;
if (!SIGN) throw new Error('NV_ACS3_SIGN must point at the nv_acs3_sign tool (CTest sets it)');
const KEY_ID = 'sandbox-aliyun-id';
const KEY_SECRET = 'sandbox-aliyun-secret';
const SCENE = 'FC100000000000001';
const Client = Dypnsapi.default ?? Dypnsapi;

function sdk(endpoint, secret = KEY_SECRET) {
  return new Client(new OpenApi.$OpenApiUtil.Config({ accessKeyId: KEY_ID, accessKeySecret: secret, endpoint, protocol: 'http' }));
}

const authRequest = (origin = 'https://partner.example', bizType = 0) =>
  new models.GetAuthTokenRequest({ url: `${origin}/`, origin, sceneCode: SCENE, bizType });

let sb;
let endpoint;  // the sandbox's own listener, host:port
before(async () => {
  sb = await startServer({ args: ['--sandbox'] });
  endpoint = (await call(sb.base, 'GET', '/sandbox')).json.aliyun.endpoint;
  assert.match(endpoint, /^127\.0\.0\.1:\d+$/);
});
after(async () => { await sb.stop(); });

async function spToken(base, deviceId, op = 'CM') {
  const r = await call(base, 'POST', `/sandbox/carriers/${op}/token?vendor=aliyun`, { headers: { 'X-Sandbox-Device': deviceId } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.vendor, 'aliyun');
  return r.json.spToken;
}

let nextNumber = 13800000100;
const newNumber = () => String(nextNumber++);

// What a request looked like on the wire: method, path, decoded query pairs, headers.
function captured(req) {
  const url = new URL(req.url, 'http://x');
  const query = [...url.searchParams.entries()];
  // URLSearchParams decodes "+" as a space; the V3 encoding never writes one, so decode the raw pairs instead.
  const raw = url.search.slice(1).split('&').filter(Boolean).map((p) => p.split('=').map(decodeURIComponent));
  assert.equal(raw.length, query.length);
  return { method: req.method, path: url.pathname, query: raw, headers: req.headers };
}

function ourSignature(c, secret) {
  const headers = Object.entries(c.headers).filter(([k]) => k === 'host' || (k.startsWith('x-acs-') && k !== 'x-acs-content-sha256'));
  const out = execFileSync(SIGN, { input: JSON.stringify({ method: c.method, path: c.path, query: c.query, headers, body: '', accessKeyId: KEY_ID, secret }) });
  return JSON.parse(out);
}

test('the official SDK and our signer compute the same V3 signature for the same request', async () => {
  const seen = [];
  const capture = createServer((req, res) => {
    seen.push(captured(req));
    req.resume();
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ Code: 'OK', Message: 'OK', RequestId: 'R', TokenInfo: { AccessToken: 'a', JwtToken: 'j' }, GateVerify: { VerifyResult: 'PASS', VerifyId: '1' }, Data: { Mobile: '13800138000' } }));
  });
  capture.listen(0, '127.0.0.1');
  await once(capture, 'listening');
  try {
    const client = sdk(`127.0.0.1:${capture.address().port}`, 'a secret, with ~ and * and 中文');
    await client.getAuthToken(authRequest('https://shop.example.com:8443'));
    // An spToken as Aliyun's are: Base64 with + / = (percent-encoded in the query).
    await client.verifyPhoneWithToken(new models.VerifyPhoneWithTokenRequest({ phoneNumber: '13800138000', spToken: 'ab+c/d==x y*~' }));
    await client.getPhoneWithToken(new models.GetPhoneWithTokenRequest({ spToken: 'Zm9v+YmFy/==' }));
  } finally {
    capture.close();
  }
  assert.equal(seen.length, 3);
  for (const c of seen) {
    const sdkAuth = c.headers.authorization;
    assert.match(sdkAuth, /^ACS3-HMAC-SHA256 Credential=sandbox-aliyun-id,SignedHeaders=[a-z0-9;-]+,Signature=[0-9a-f]{64}$/);
    const ours = ourSignature(c, 'a secret, with ~ and * and 中文');
    assert.equal(ours.authorization, sdkAuth, `${c.headers['x-acs-action']}: ours differs\n${ours.canonicalRequest}`);
    // And a request signed with another secret does not match: the comparison can fail.
    assert.notEqual(ourSignature(c, 'another').authorization, sdkAuth);
  }
  assert.deepEqual(seen.map((c) => c.headers['x-acs-action']), ['GetAuthToken', 'VerifyPhoneWithToken', 'GetPhoneWithToken']);
});

test('the official SDK, unmodified, against the sandbox: an AuthToken, PASS for the device number, REJECT for another', async () => {
  const number = newNumber();
  const d = await device(sb.base, { phone: number, network: 'cellular' });
  const client = sdk(endpoint);
  const auth = await client.getAuthToken(authRequest());
  assert.equal(auth.body.code, 'OK');
  assert.ok(auth.body.tokenInfo.accessToken && auth.body.tokenInfo.jwtToken);
  const pass = await client.verifyPhoneWithToken(new models.VerifyPhoneWithTokenRequest({ phoneNumber: number, spToken: await spToken(sb.base, d) }));
  assert.equal(pass.body.code, 'OK');
  assert.equal(pass.body.gateVerify.verifyResult, 'PASS');
  const reject = await client.verifyPhoneWithToken(new models.VerifyPhoneWithTokenRequest({ phoneNumber: '13900139000', spToken: await spToken(sb.base, d) }));
  assert.equal(reject.body.gateVerify.verifyResult, 'REJECT');
  // The same spToken twice: single use, HTTP 200 with a business Code.
  const sp = await spToken(sb.base, d);
  await client.verifyPhoneWithToken(new models.VerifyPhoneWithTokenRequest({ phoneNumber: number, spToken: sp }));
  const again = await client.verifyPhoneWithToken(new models.VerifyPhoneWithTokenRequest({ phoneNumber: number, spToken: sp }));
  assert.equal(again.statusCode, 200);
  assert.equal(again.body.code, 'isv.TOKEN_INVALID');
  // A bad scheme code and a login token on the verify API are business failures too.
  const badScene = await client.getAuthToken(new models.GetAuthTokenRequest({ url: 'https://p.example/', origin: 'https://p.example', sceneCode: 'FC0', bizType: 0 }));
  assert.equal(badScene.body.code, 'isv.SCENE_QUERY_FAIL');
  const usage = (await call(sb.base, 'GET', '/sandbox/aliyun/usage')).json;
  assert.ok(usage.byCode.PASS >= 1 && usage.byCode.REJECT >= 1);
  assert.equal(usage.billed, usage.byCode.PASS + usage.byCode.REJECT);
});

test('the sandbox gateway refuses a wrong secret, a reused nonce and a stale date, as Aliyun does', async () => {
  // A wrong secret: SignatureDoesNotMatch, echoing the string it signed.
  await assert.rejects(sdk(endpoint, 'wrong-secret').getAuthToken(authRequest()), (e) => {
    assert.equal(e.code, 'SignatureDoesNotMatch');
    assert.equal(e.statusCode, 400);
    assert.match(e.message, /server string to sign is:ACS3-HMAC-SHA256\n[0-9a-f]{64}/);
    return true;
  });
  // Requests signed by our own signer, sent raw: date and nonce under the test's control.
  const send = async ({ date, nonce, action = 'GetAuthToken', query = [['BizType', '0'], ['Origin', 'https://p.example'], ['SceneCode', SCENE], ['Url', 'https://p.example/']] }) => {
    const headers = [['host', endpoint], ['x-acs-action', action], ['x-acs-version', '2017-05-25'], ['x-acs-date', date], ['x-acs-signature-nonce', nonce]];
    const signed = JSON.parse(execFileSync(SIGN, { input: JSON.stringify({ method: 'POST', path: '/', query, headers, accessKeyId: KEY_ID, secret: KEY_SECRET }) }));
    const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    const res = await fetch(`http://${endpoint}/?${qs}`, {
      method: 'POST',
      headers: { ...Object.fromEntries(headers.slice(1)), 'x-acs-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', authorization: signed.authorization },
    });
    return { status: res.status, json: await res.json() };
  };
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const nonce = () => Math.random().toString(16).slice(2) + Date.now();
  const n1 = nonce();
  const ok = await send({ date: iso(Date.now()), nonce: n1 });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.Code, 'OK');
  const replay = await send({ date: iso(Date.now()), nonce: n1 });
  assert.equal(replay.status, 400);
  assert.equal(replay.json.Code, 'SignatureNonceUsed');
  const stale = await send({ date: iso(Date.now() - 20 * 60_000), nonce: nonce() });
  assert.equal(stale.status, 400);
  assert.equal(stale.json.Code, 'InvalidTimeStamp.Expired');
  const early = await send({ date: iso(Date.now() + 20 * 60_000), nonce: nonce() });
  assert.equal(early.json.Code, 'InvalidTimeStamp.Expired');
  const within = await send({ date: iso(Date.now() - 10 * 60_000), nonce: nonce() });
  assert.equal(within.json.Code, 'OK');
  const unknown = await send({ date: iso(Date.now()), nonce: nonce(), action: 'SendSms' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.json.Code, 'InvalidAction.NotFound');
  // The main listener mounts the same service at /sandbox/aliyun/ (its canonical URI is that path).
  const unsigned = await call(sb.base, 'POST', '/sandbox/aliyun/');
  assert.equal(unsigned.status, 404);  // no action named
  assert.equal(unsigned.json.Code, 'InvalidAction.NotFound');
});

test('Aliyun through /api/v1/verify: verified, the same spToken refused as used, another number not verified', async () => {
  const number = newNumber();
  const d = await device(sb.base, { phone: number, network: 'cellular' });
  const sp = await spToken(sb.base, d);
  const ok = await call(sb.base, 'POST', '/api/v1/verify', { body: { phone: number, token: sp, vendor: 'aliyun' } });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.verified, true);
  assert.equal(ok.json.vendor, 'aliyun');
  assert.equal(ok.json.upstream.code, 'PASS');
  assert.match(ok.json.assertion, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const used = await call(sb.base, 'POST', '/api/v1/verify', { body: { phone: number, token: sp, vendor: 'aliyun' } });
  assert.equal(used.status, 409);
  assert.equal(used.json.error.code, 'TOKEN_USED');
  const other = await call(sb.base, 'POST', '/api/v1/verify', { body: { phone: '13900139001', token: await spToken(sb.base, d), vendor: 'aliyun' } });
  assert.equal(other.status, 200);
  assert.equal(other.json.verified, false);
  assert.equal(other.json.result, 'inconsistent');
  assert.equal(other.json.upstream.code, 'REJECT');
  // A token is verified only with the vendor that issued it: each vendor refuses the other's.
  const n2 = newNumber();
  const d2 = await device(sb.base, { phone: n2, network: 'cellular' });
  const toJiguang = await call(sb.base, 'POST', '/api/v1/verify', { body: { phone: n2, token: await spToken(sb.base, d2) } });
  assert.equal(toJiguang.json.vendor, 'jiguang');  // the default: the first configured
  assert.equal(toJiguang.json.error.code, 'TOKEN_EXPIRED');
  const jToken = (await call(sb.base, 'POST', '/sandbox/carriers/CM/token', { headers: { 'X-Sandbox-Device': d2 } })).json.token;
  const toAliyun = await call(sb.base, 'POST', '/api/v1/verify', { body: { phone: n2, token: jToken, vendor: 'aliyun' } });
  assert.equal(toAliyun.status, 400);
  assert.equal(toAliyun.json.error.code, 'TOKEN_EXPIRED');
  assert.equal(toAliyun.json.upstream.code, 'isv.TOKEN_INVALID');
  // An unknown vendor name is bad input.
  const bad = await call(sb.base, 'POST', '/api/v1/verify', { body: { phone: n2, token: jToken, vendor: 'acme' } });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.field, 'vendor');
});

test('Aliyun answers map to reasons: UNKNOWN is not billed, business Codes and gateway failures are errors', async () => {
  const fault = async (spec) => {
    const r = await call(sb.base, 'POST', '/sandbox/faults', { body: { target: 'vendor', vendor: 'aliyun', count: 1, ...spec } });
    assert.equal(r.status, 201, r.text);
  };
  const attempt = async () => {
    const number = newNumber();
    const d = await device(sb.base, { phone: number, network: 'cellular' });
    return call(sb.base, 'POST', '/api/v1/verify', { body: { phone: number, token: await spToken(sb.base, d), vendor: 'aliyun' } });
  };
  const before = (await call(sb.base, 'GET', '/api/v1/usage', { headers: { Authorization: 'Bearer sandbox-admin' } })).json.byVendor.aliyun;
  await fault({ aliyunCode: 'UNKNOWN' });
  const unknown = await attempt();
  assert.equal(unknown.status, 200);
  assert.equal(unknown.json.result, 'unknown');
  assert.equal(unknown.json.verified, false);
  const cases = [
    ['isv.OUT_OF_SERVICE', 503, 'BALANCE_LOW'],
    ['Throttling.User', 429, 'VENDOR_THROTTLED'],
    ['isv.MOBILE_NUMBER_ILLEGAL', 400, 'BAD_PARAMETER'],
    ['InvalidTimeStamp.Expired', 503, 'CLOCK_SKEW'],
    ['SignatureDoesNotMatch', 503, 'AUTH_FAILED'],
    ['isv.SOMETHING_NEW', 502, 'UPSTREAM_UNKNOWN_CODE'],
  ];
  for (const [code, status, reason] of cases) {
    await fault({ aliyunCode: code });
    const r = await attempt();
    assert.equal(r.status, status, `${code}: ${r.text}`);
    assert.equal(r.json.error.code, reason, code);
    assert.equal(r.json.upstream.code, code);
  }
  // Aliyun down (a 503 page): an upstream error, and a jiguang-only fault leaves Aliyun alone.
  await fault({ status: 503 });
  assert.equal((await attempt()).json.error.code, 'UPSTREAM_ERROR');
  await call(sb.base, 'POST', '/sandbox/faults', { body: { target: 'vendor', vendor: 'jiguang', status: 503, count: 1 } });
  assert.equal((await attempt()).json.verified, true);
  await call(sb.base, 'DELETE', '/sandbox/faults');
  const afterUsage = (await call(sb.base, 'GET', '/api/v1/usage', { headers: { Authorization: 'Bearer sandbox-admin' } })).json.byVendor.aliyun;
  assert.equal(afterUsage.byCode.UNKNOWN - (before.byCode.UNKNOWN ?? 0), 1);
  assert.equal(afterUsage.billed - before.billed, 1, 'UNKNOWN and the failures are not billed; the last PASS is');
  const metrics = (await call(sb.base, 'GET', '/metrics')).text;
  assert.match(metrics, /nv_upstream_codes_total\{vendor="aliyun",code="PASS"\} \d+/);
  assert.match(metrics, /nv_upstream_codes_total\{vendor="aliyun",code="Throttling.User"\} 1/);
  assert.match(metrics, /nv_upstream_latency_seconds_count\{vendor="aliyun"\} \d+/);
  assert.match(metrics, /nv_upstream_latency_seconds_count\{vendor="jiguang"\} \d+/);
});

test('the page session: Aliyun tokens for allowed origins only, cached; Jiguang has none', async () => {
  const s1 = await call(sb.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'aliyun', purpose: 'verify' } });
  assert.equal(s1.status, 200, s1.text);
  assert.equal(s1.json.vendor, 'aliyun');
  assert.ok(s1.json.accessToken && s1.json.jwtToken);
  assert.ok(s1.json.expiresInSec > 500 && s1.json.expiresInSec <= 600);
  const s2 = await call(sb.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'aliyun', purpose: 'verify' } });
  assert.equal(s2.json.accessToken, s1.json.accessToken, 'reused until a minute before it expires');
  const login = await call(sb.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'aliyun', purpose: 'login' } });
  assert.notEqual(login.json.accessToken, s1.json.accessToken, 'one per purpose');
  assert.ok(!s1.text.includes(KEY_SECRET));
  const jiguang = await call(sb.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'jiguang' } });
  assert.equal(jiguang.status, 400);
  assert.equal(jiguang.json.error.code, 'VENDOR_NOT_SUPPORTED');
  const refused = await call(sb.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'aliyun' }, headers: { Origin: 'https://evil.example' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error.code, 'ORIGIN_NOT_ALLOWED');
  const badPurpose = await call(sb.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'aliyun', purpose: 'pay' } });
  assert.equal(badPurpose.json.field, 'purpose');
  // A listed partner origin gets a session for its own origin (the sandbox checks Url = Origin + "/").
  const partner = await startServer({ args: ['--sandbox', '--cors-origin', 'https://shop.example.com'] });
  try {
    const r = await call(partner.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'aliyun' }, headers: { Origin: 'https://shop.example.com' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('access-control-allow-origin'), 'https://shop.example.com');
  } finally {
    await partner.stop();
  }
});

test('configuration: /api/v1/config lists the vendors and their order per carrier; routing and --vendors', async () => {
  const c = (await call(sb.base, 'GET', '/api/v1/config')).json;
  assert.deepEqual(c.vendors.map((v) => v.name), ['jiguang', 'aliyun'], 'sandbox: both, Jiguang first');
  const ali = c.vendors[1];
  assert.deepEqual(ali.tokenTtlSec, { CM: 120, CU: 1800, CT: 600 });
  assert.equal(ali.risk, false);
  assert.equal(ali.session, true);
  assert.deepEqual(c.routing.CM, ['jiguang', 'aliyun']);

  const { dir, cleanup } = scratchDir();
  try {
    const config = writeConfig(dir, { vendors: [{ name: 'aliyun' }, { name: 'jiguang' }], routing: { CU: ['jiguang', 'aliyun'] } });
    const s = await startServer({ args: ['--sandbox', '--config', config] });
    try {
      const cc = (await call(s.base, 'GET', '/api/v1/config')).json;
      assert.deepEqual(cc.vendors.map((v) => v.name), ['aliyun', 'jiguang']);
      assert.deepEqual(cc.routing, { CM: ['aliyun', 'jiguang'], CU: ['jiguang', 'aliyun'], CT: ['aliyun', 'jiguang'] });
    } finally {
      await s.stop();
    }
    // Aliyun alone: the default vendor is Aliyun, Jiguang is not configured, and the risk query has no vendor.
    const only = await startServer({ args: ['--sandbox', '--vendors', 'aliyun'] });
    try {
      const number = newNumber();
      const d = await device(only.base, { phone: number, network: 'cellular' });
      const r = await call(only.base, 'POST', '/api/v1/verify', { body: { phone: number, token: await spToken(only.base, d) } });
      assert.equal(r.json.vendor, 'aliyun');
      assert.equal(r.json.verified, true);
      const j = await call(only.base, 'POST', '/api/v1/verify', { body: { phone: number, token: 'x', vendor: 'jiguang' } });
      assert.equal(j.status, 400);
      assert.equal(j.json.error.code, 'VENDOR_NOT_CONFIGURED');
      assert.deepEqual(j.json.vendors, ['aliyun']);
      const risk = await call(only.base, 'POST', '/api/v1/risk', { body: { phone: number }, headers: { Authorization: 'Bearer sandbox-backend' } });
      assert.equal(risk.status, 501);
      assert.equal(risk.json.error.code, 'VENDOR_NOT_SUPPORTED');
      assert.ok(!('score' in risk.json));
    } finally {
      await only.stop();
    }
  } finally {
    cleanup();
  }
});

test('production: Aliyun needs its AccessKey pair and scheme code from the environment or the file, and never shows the secret', async () => {
  const { execFile } = await import('node:child_process');
  const run = (args, env) => new Promise((resolve) => {
    execFile(process.env.NV_SERVER, args, { env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => resolve({ code: err?.code ?? 0, stderr }));
  });
  const missing = await run(['--vendors', 'aliyun', '--db', '/tmp/nv-aliyun-missing.db'], {});
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /NV_ALIYUN_ACCESS_KEY_ID, NV_ALIYUN_ACCESS_KEY_SECRET and NV_ALIYUN_SCENE_CODE/);
  const badName = await run(['--vendors', 'jiguang,acme'], {});
  assert.match(badName.stderr, /--vendors: "acme" is not a vendor/);
  // Aliyun alone in production, against the sandbox's listener (loopback http is allowed), with the secret from
  // the environment: it verifies, and the secret appears in no response and no log line.
  const secretEnv = { NV_ALIYUN_ACCESS_KEY_ID: KEY_ID, NV_ALIYUN_ACCESS_KEY_SECRET: KEY_SECRET, NV_ALIYUN_SCENE_CODE: SCENE };
  const { dir, cleanup } = scratchDir();
  try {
    const config = writeConfig(dir, { vendors: [{ name: 'aliyun', base: `http://${endpoint}` }] });
    const prod = await startServer({ args: ['--config', config], env: secretEnv });
    try {
      const number = newNumber();
      const d = await device(sb.base, { phone: number, network: 'cellular' });
      const r = await call(prod.base, 'POST', '/api/v1/verify', { body: { phone: number, token: await spToken(sb.base, d) } });
      assert.equal(r.json.verified, true, r.text);
      const s = await call(prod.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'aliyun' } });
      assert.equal(s.status, 200);
      for (const line of prod.lines) assert.ok(!line.includes(KEY_SECRET), `the secret in: ${line.slice(0, 200)}`);
    } finally {
      await prod.stop();
    }
    // A wrong secret: Aliyun's SignatureDoesNotMatch is AUTH_FAILED, 503, and our secret is not echoed.
    const wrong = await startServer({ args: ['--config', config], env: { ...secretEnv, NV_ALIYUN_ACCESS_KEY_SECRET: 'aliyun-secret-that-must-not-leak' } });
    try {
      const number = newNumber();
      const d = await device(sb.base, { phone: number, network: 'cellular' });
      const r = await call(wrong.base, 'POST', '/api/v1/verify', { body: { phone: number, token: await spToken(sb.base, d) } });
      assert.equal(r.status, 503);
      assert.equal(r.json.error.code, 'AUTH_FAILED');
      assert.ok(!r.text.includes('aliyun-secret-that-must-not-leak'));
      for (const line of wrong.lines) assert.ok(!line.includes('aliyun-secret-that-must-not-leak'));
    } finally {
      await wrong.stop();
    }
  } finally {
    cleanup();
  }
});

test('Aliyun one-click login at the sandbox carrier: the middle four digits, and the 24 h lock on CM after three wrong', async () => {
  const number = '13700137000';
  const d = await device(sb.base, { phone: number, network: 'cellular' });
  const login = (digits, op = 'CM') => call(sb.base, 'POST', `/sandbox/carriers/${op}/login-token?vendor=aliyun`,
    { headers: { 'X-Sandbox-Device': d }, body: { middleDigits: digits } });
  const ok = await login('0013');
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.masked, '137****7000');
  assert.ok(ok.json.spToken);
  const first = await login('1111');
  assert.equal(first.status, 403);
  assert.equal(first.json.code, 'MIDDLE_DIGITS_WRONG');
  assert.equal(first.json.remainingTries, 2);
  await login('2222');
  const third = await login('3333');
  assert.equal(third.json.remainingTries, 0);
  const locked = await login('0013');
  assert.equal(locked.status, 403);
  assert.equal(locked.json.code, 'ERROR_MOBILE_OVER_LIMIT');
  assert.ok(locked.json.retryAfterSec > 86_000);
  // CU does not lock: three wrong entries, then the right one works.
  const cu = await device(sb.base, { phone: '13000130000', network: 'cellular' });
  const cuLogin = (digits) => call(sb.base, 'POST', '/sandbox/carriers/CU/login-token?vendor=aliyun',
    { headers: { 'X-Sandbox-Device': cu }, body: { middleDigits: digits } });
  for (const wrong of ['1111', '2222', '3333']) {
    const r = await cuLogin(wrong);
    assert.equal(r.json.code, 'MIDDLE_DIGITS_WRONG');
    assert.ok(!('remainingTries' in r.json));
  }
  assert.equal((await cuLogin('0013')).status, 200);
  const malformed = await cuLogin('12a4');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.field, 'middleDigits');
});

test('Aliyun one-click login through /api/v1/login: the number in clear, billed once, no RSA key involved', async () => {
  const number = '13600136000';
  const d = await device(sb.base, { phone: number, network: 'cellular' });
  const sp = (await call(sb.base, 'POST', '/sandbox/carriers/CM/login-token?vendor=aliyun',
    { headers: { 'X-Sandbox-Device': d }, body: { middleDigits: number.slice(3, 7) } })).json.spToken;
  const before = (await call(sb.base, 'GET', '/api/v1/usage', { headers: { Authorization: 'Bearer sandbox-admin' } })).json.byVendor.aliyun;
  const check = await call(sb.base, 'POST', '/api/v1/login/check', { body: { vendor: 'aliyun' } });
  assert.equal(check.json.allowed, true);
  const r = await call(sb.base, 'POST', '/api/v1/login', { body: { loginToken: sp, vendor: 'aliyun' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.loggedIn, true);
  assert.equal(r.json.vendor, 'aliyun');
  assert.equal(r.json.masked, '136****6000');
  assert.equal(r.json.operator, 'CM');
  assert.match(r.json.assertion, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const claims = JSON.parse(Buffer.from(r.json.assertion.split('.')[1], 'base64url'));
  assert.equal(claims.phone_number, `+86${number}`);
  assert.deepEqual(claims.amr, ['carrier_login']);
  const again = await call(sb.base, 'POST', '/api/v1/login', { body: { loginToken: sp, vendor: 'aliyun' } });
  assert.equal(again.status, 409);
  // A verification spToken on the login API: Aliyun refuses it (isv.TOKEN_UNAUTHORIZED_USED), nothing billed.
  const wrongKind = await call(sb.base, 'POST', '/api/v1/login', { body: { loginToken: await spToken(sb.base, d), vendor: 'aliyun' } });
  assert.equal(wrongKind.status, 400);
  assert.equal(wrongKind.json.upstream.code, 'isv.TOKEN_UNAUTHORIZED_USED');
  const afterUsage = (await call(sb.base, 'GET', '/api/v1/usage', { headers: { Authorization: 'Bearer sandbox-admin' } })).json.byVendor.aliyun;
  assert.equal((afterUsage.byCode.MOBILE ?? 0) - (before.byCode.MOBILE ?? 0), 1);
  assert.equal(afterUsage.billed - before.billed, 1, 'billed only when a number came back');
});

test('a vendor that keeps failing: its circuit opens (healthz, config), calls are refused unsent, a trial closes it', async () => {
  const { dir, cleanup } = scratchDir();
  const s = await startServer({ args: ['--sandbox', '--config', writeConfig(dir, { circuit: { failuresToOpen: 3, openSec: 1 } })] });
  try {
    const attempt = async () => {
      const number = newNumber();
      const d = await device(s.base, { phone: number, network: 'cellular' });
      return call(s.base, 'POST', '/api/v1/verify', { body: { phone: number, token: await spToken(s.base, d), vendor: 'aliyun' } });
    };
    const health = async () => (await call(s.base, 'GET', '/healthz')).json.vendors;
    assert.deepEqual(await health(), [{ name: 'jiguang', circuit: 'closed', consecutiveFailures: 0 }, { name: 'aliyun', circuit: 'closed', consecutiveFailures: 0 }]);
    await call(s.base, 'POST', '/sandbox/faults', { body: { target: 'vendor', vendor: 'aliyun', status: 503 } });
    for (let i = 0; i < 3; i++) assert.equal((await attempt()).json.error.code, 'UPSTREAM_ERROR');
    const open = (await health()).find((v) => v.name === 'aliyun');
    assert.equal(open.circuit, 'open');
    assert.equal(open.consecutiveFailures, 3);
    assert.equal((await health()).find((v) => v.name === 'jiguang').circuit, 'closed', 'the other vendor is not affected');
    const config = (await call(s.base, 'GET', '/api/v1/config')).json;
    assert.deepEqual(config.vendors.map((v) => [v.name, v.available]), [['jiguang', true], ['aliyun', false]]);
    // Refused at once, nothing sent (the sandbox's fault is not consumed by a request that never came).
    const refused = await attempt();
    assert.equal(refused.status, 503);
    assert.equal(refused.json.error.code, 'UPSTREAM_UNAVAILABLE');
    assert.ok(refused.json.error.retryAfterSec >= 1);
    const session = await call(s.base, 'POST', '/api/v1/vendor-session', { body: { vendor: 'aliyun' } });
    assert.equal(session.json.error.code, 'UPSTREAM_UNAVAILABLE');
    assert.match((await call(s.base, 'GET', '/metrics')).text, /nv_vendor_circuit_refusals_total\{vendor="aliyun"\} 2/);
    // Aliyun recovers; after openSec one trial goes through and closes the circuit.
    await call(s.base, 'DELETE', '/sandbox/faults');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal((await attempt()).json.verified, true);
    assert.equal((await health()).find((v) => v.name === 'aliyun').circuit, 'closed');
  } finally {
    await s.stop();
    cleanup();
  }
});

test('the README\'s Aliyun walk runs as written (curl and the official SDK against the sandbox)', async () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = readme.split('```sh').map((b) => b.split('```')[0]).find((b) => b.includes('vendor-session'));
  assert.ok(block, 'the README has the Aliyun walk');
  const script = block.replace('B=http://127.0.0.1:8080', `B=${sb.base}`);
  const out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', cwd: new URL('../..', import.meta.url) });
  const answers = out.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(answers.length, 6, out);
  assert.equal(answers[0].vendor, 'aliyun');
  assert.ok(answers[0].accessToken);
  assert.equal(answers[1].verified, true);
  assert.equal(answers[2].error.code, 'TOKEN_USED');
  assert.equal(answers[3].verified, false);
  assert.equal(answers[3].result, 'inconsistent');
  assert.deepEqual(answers[4], { action: 'GetAuthToken', code: 'OK', hasAccessToken: true });
  assert.deepEqual(answers[5], { action: 'VerifyPhoneWithToken', code: 'OK', verifyResult: 'PASS' });
});

test('no response or log line carries the sandbox AccessKey secret outside GET /sandbox', () => {
  const lines = transcript.filter((l) => !l.includes('"accessKeySecret"'));
  assert.ok(lines.length > 50);
  for (const line of lines) assert.ok(!line.includes(KEY_SECRET), `the secret in: ${line.slice(0, 200)}`);
});
