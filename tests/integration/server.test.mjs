// nv-server over real HTTP on loopback: the journey of the "done when", every vendor code, quotas,
// faults, bad input of every kind, restarts, TLS to the upstream, static files, and a scan of everything the
// servers said for the master secret and unmasked phone numbers.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import {
  SANDBOX_KEY, SANDBOX_SECRET, assertionKeyFile, call, device, freePort, freshToken, makeCertificates, scratchDir,
  startServer, token, transcript, verify, writeConfig,
} from './harness.mjs';

let sb;  // one sandbox server for the tests that do not need their own
const numbers = new Set();  // every full number the tests used: none may appear in a log line
let seq = 0;
// Distinct numbers per test, so quotas of one test never touch another (segment 138: CM, 186: CU, 189: CT).
function phone(prefix = '138') {
  const n = `${prefix}${String(10_000_000 + 7919 * ++seq).slice(-8)}`;
  numbers.add(n);
  return n;
}

before(async () => { sb = await startServer({ args: ['--sandbox'] }); });
after(async () => {
  const { code } = await sb.stop();
  assert.equal(code, 0, 'SIGTERM stops the server cleanly');
});

test('journey: device, token, verified, replay refused, wrong number, Wi-Fi gets no token', async () => {
  const p = phone();
  const id = await device(sb.base, { phone: p, network: 'cellular' });
  const t = await token(sb.base, id, 'CM');
  assert.equal(t.status, 200);
  assert.equal(t.json.operator, 'CM');
  assert.equal(t.json.expiresInSec, 120);
  const ok = await verify(sb.base, { phone: p, token: t.json.token, exID: 'order-1' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.verified, true);
  assert.equal(ok.json.result, 'consistent');
  assert.equal(ok.json.operator, 'CM');
  assert.equal(ok.json.upstream.code, 9000);
  assert.match(ok.json.upstream.id, /^\d+$/);
  assert.match(ok.json.requestId, /^[0-9a-f]{16}$/);
  assert.deepEqual(ok.json.risk, { score: 0, level: 'low', decision: 'allow', tags: [] });

  const again = await verify(sb.base, { phone: p, token: t.json.token });
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'TOKEN_USED');
  assert.ok(again.json.error.message.length > 0);

  const other = phone();
  const t2 = await freshToken(sb.base, id, 'CM');
  const wrong = await verify(sb.base, { phone: other, token: t2 });
  assert.equal(wrong.status, 200);
  assert.equal(wrong.json.verified, false);
  assert.equal(wrong.json.result, 'inconsistent');
  assert.equal(wrong.json.upstream.code, 9001);

  const wifi = await device(sb.base, { phone: phone(), network: 'wifi' });
  const none = await token(sb.base, wifi, 'CM');
  assert.equal(none.status, 403);
  assert.equal(none.json.code, '2004');
  assert.equal(none.json.reason, 'WIFI_ON');
  assert.equal(none.json.token, undefined);
});

test('sandbox gateways: only the SIM carrier over cellular without VPN gets a token', async () => {
  const cu = await device(sb.base, { phone: phone('186') });
  assert.equal((await token(sb.base, cu, 'CU')).status, 200);
  const wrongCarrier = await token(sb.base, cu, 'CM');
  assert.equal(wrongCarrier.status, 403);
  assert.equal(wrongCarrier.json.code, '103111');
  const ct = await device(sb.base, { phone: phone('189') });
  const ctToken = await token(sb.base, ct, 'CT');
  assert.equal(ctToken.json.expiresInSec, 60);

  for (const [prefix, op, code] of [['138', 'CM', '103111'], ['189', 'CT', '800008'], ['186', 'CU', 'SOURCE_IP_ERROR']]) {
    const vpn = await device(sb.base, { phone: phone(prefix), vpn: true });
    const r = await token(sb.base, vpn, op);
    assert.equal(r.status, 403, `${op} with VPN`);
    assert.equal(r.json.code, code);
    assert.equal(r.json.reason, 'CARRIER_MISMATCH');
  }
  const both = await device(sb.base, { phone: phone(), network: 'cellular+wifi' });
  assert.equal((await token(sb.base, both, 'CM')).json.code, '2004');
  const offline = await device(sb.base, { phone: phone(), network: 'offline' });
  assert.equal((await token(sb.base, offline, 'CM')).json.code, '1005');

  // A ported number: a 138 SIM now on China Unicom.
  const ported = await device(sb.base, { phone: phone(), operator: 'CU' });
  assert.equal((await token(sb.base, ported, 'CU')).status, 200);
  assert.equal((await token(sb.base, ported, 'CM')).status, 403);

  // Switching the network of a device changes what it gets.
  const sw = await device(sb.base, { phone: phone(), network: 'wifi' });
  assert.equal((await token(sb.base, sw, 'CM')).status, 403);
  const patched = await call(sb.base, 'PATCH', `/sandbox/devices/${sw}`, { body: { network: 'cellular' } });
  assert.equal(patched.status, 200);
  assert.equal(patched.json.network, 'cellular');
  assert.equal((await token(sb.base, sw, 'CM')).status, 200);
  assert.equal((await call(sb.base, 'GET', `/sandbox/devices/${sw}`)).json.deviceId, sw);
  assert.equal((await call(sb.base, 'DELETE', `/sandbox/devices/${sw}`)).status, 204);
  assert.equal((await call(sb.base, 'GET', `/sandbox/devices/${sw}`)).status, 404);
  assert.equal((await token(sb.base, sw, 'CM')).status, 404);
  assert.equal((await call(sb.base, 'POST', '/sandbox/carriers/CM/token')).json.error.code, 'BAD_ARGUMENT');
  assert.equal((await call(sb.base, 'POST', '/sandbox/carriers/XX/token', { headers: { 'X-Sandbox-Device': cu } })).status, 404);
});

test('sandbox gateways: at most 30 unused tokens per device per 10 minutes', async () => {
  const id = await device(sb.base, { phone: phone() });
  for (let i = 0; i < 30; i++) assert.equal((await token(sb.base, id, 'CM')).status, 200);
  const limited = await token(sb.base, id, 'CM');
  assert.equal(limited.status, 429);
  assert.equal(limited.json.reason, 'TOKEN_LIMIT');
});

test('sandbox devices: bad input is refused with a reason', async () => {
  const cases = [
    [{}, 'PHONE_EMPTY'],
    [{ phone: '1380013' }, 'PHONE_TOO_SHORT'],
    [{ phone: 13800138000 }, 'BAD_ARGUMENT'],
    [{ phone: '13800138000', network: '5g' }, 'BAD_ARGUMENT'],
    [{ phone: '13800138000', vpn: 'yes' }, 'BAD_ARGUMENT'],
    [{ phone: '13800138000', riskScore: 1000 }, 'BAD_ARGUMENT'],
    [{ phone: '13800138000', operator: 'XX' }, 'BAD_OPERATOR'],
    [{ phone: '13800138000', colour: 'red' }, 'UNKNOWN_FIELD'],
  ];
  for (const [body, code] of cases) {
    const r = await call(sb.base, 'POST', '/sandbox/devices', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.code, code, JSON.stringify(body));
  }
  assert.equal((await call(sb.base, 'POST', '/sandbox/devices', { raw: '{"phone":', headers: { 'Content-Type': 'application/json' } })).json.error.code, 'BAD_JSON');
});

test('the vendor documentation curl example runs verbatim against the sandbox', async () => {
  // curl --insecure -X POST -v .../v1/web/verify -H "Content-Type: application/json" -u "appKey:secret" -d '{...}'
  const body = '{ "token": "STsid0000001542695429579Ob28vB7b0cYTI9w0GGZrv8ujUu05qZvw", "phone": 15813554612, "exID": "1234566" }';
  const auth = 'Basic ' + Buffer.from(`${SANDBOX_KEY}:${SANDBOX_SECRET}`).toString('base64');
  for (const path of ['/v1/web/verify', '/v1/web/h5/verify', '/v2/web/verify', '/v2/web/h5/verify']) {
    const r = await call(sb.base, 'POST', `/sandbox/vendor${path}`, { raw: body, headers: { 'Content-Type': 'application/json', Authorization: auth } });
    assert.equal(r.json.code, 9003, path);
    assert.equal(r.json.content, 'token expired or not exist');
    assert.equal(r.json.exID, '1234566');
  }
  const vend = (path, init) => call(sb.base, init.method || 'POST', `/sandbox/vendor${path}`, init);
  assert.equal((await vend('/v1/web/h5/verify', { raw: body, headers: { 'Content-Type': 'application/json' } })).json.code, 9010);
  const wrongAuth = 'Basic ' + Buffer.from(`${SANDBOX_KEY}:wrong`).toString('base64');
  const r9011 = await vend('/v1/web/h5/verify', { raw: body, headers: { 'Content-Type': 'application/json', Authorization: wrongAuth } });
  assert.deepEqual(r9011.json, { code: 9011, content: 'auth failed' });
  assert.equal((await vend('/v1/web/h5/verify', { method: 'GET', headers: { Authorization: auth } })).json.code, 9013);
  assert.equal((await vend('/v1/web/h5/verify', { raw: body, headers: { 'Content-Type': 'text/plain', Authorization: auth } })).json.code, 9015);
  assert.equal((await vend('/v1/web/h5/verify', { raw: '{"phone": "1"}', headers: { 'Content-Type': 'application/json', Authorization: auth } })).json.code, 9012);
  assert.equal((await vend('/v1/web/h5/verify', { raw: 'nope', headers: { 'Content-Type': 'application/json', Authorization: auth } })).json.code, 9012);

  // v2 carries riskCheck; the sandbox's vendor limits answer 9005 for the same number within 30 s.
  const p = phone();
  const id = await device(sb.base, { phone: p, riskScore: 300 });
  const tok = await freshToken(sb.base, id, 'CM');
  const v2 = await vend('/v2/web/h5/verify', { raw: JSON.stringify({ token: tok, phone: p, ip: '10.1.2.3' }), headers: { 'Content-Type': 'application/json', Authorization: auth } });
  assert.equal(v2.json.code, 9000);
  assert.equal(v2.json.score, 300);
  assert.equal(v2.json.riskCheck.score, 300);
  assert.deepEqual(v2.json.riskCheck.tags, ['frequent_verification']);
  assert.equal(v2.json.exID, '');
  const tok2 = await freshToken(sb.base, id, 'CM');
  const soon = await vend('/v2/web/h5/verify', { raw: JSON.stringify({ token: tok2, phone: p }), headers: { 'Content-Type': 'application/json', Authorization: auth } });
  assert.equal(soon.json.code, 9005);
});

test('every vendor code has its documented outcome', async () => {
  const expected = {
    9000: [200, null], 9001: [200, null], 9002: [200, null], 9003: [400, 'TOKEN_EXPIRED'], 9004: [503, 'CONFIG_NOT_FOUND'],
    9005: [429, 'TOO_SOON'], 9006: [429, 'NUMBER_DAILY_LIMIT'], 9007: [429, 'APP_DAILY_LIMIT'], 9010: [503, 'AUTH_MISSING'],
    9011: [503, 'AUTH_FAILED'], 9012: [400, 'BAD_PARAMETER'], 9013: [502, 'METHOD_NOT_ALLOWED'], 9014: [503, 'APP_BLOCKED'],
    9015: [502, 'BAD_CONTENT_TYPE'], 9018: [503, 'BALANCE_LOW'], 9031: [503, 'SERVICE_DISABLED'], 9099: [502, 'UPSTREAM_ERROR'],
    9077: [502, 'UPSTREAM_UNKNOWN_CODE'],
  };
  for (const [code, [status, error]] of Object.entries(expected)) {
    const p = phone();
    const id = await device(sb.base, { phone: p });
    const tok = await freshToken(sb.base, id, 'CM');
    const f = await call(sb.base, 'POST', '/sandbox/faults', { body: { vendorCode: Number(code), count: 1 } });
    assert.equal(f.status, 201);
    const r = await verify(sb.base, { phone: p, token: tok, exID: `x${code}` });
    assert.equal(r.status, status, `${code}: ${r.text}`);
    if (error && !r.json.upstream) assert.fail(`${code}: ${r.text}`);
    if (error) {
      assert.equal(r.json.error.code, error, String(code));
      assert.equal(r.json.upstream.code, Number(code));
      if (status === 429) assert.ok(r.json.error.retryAfterSec > 0);
    } else {
      assert.equal(r.json.result, { 9000: 'consistent', 9001: 'inconsistent', 9002: 'unknown' }[code]);
      assert.equal(r.json.verified, code === '9000');
    }
  }
  assert.equal((await call(sb.base, 'GET', '/sandbox/faults')).json.faults.length, 0);
});

test('quotas: 30 s per number, then refusal with retryAfterSec; daily and IP limits from config', async () => {
  const p = phone();
  const id = await device(sb.base, { phone: p });
  const first = await freshToken(sb.base, id, 'CM');
  const t0 = Date.now();
  assert.equal((await verify(sb.base, { phone: p, token: first })).json.verified, true);
  const tok = await freshToken(sb.base, id, 'CM');
  const soon = await verify(sb.base, { phone: p, token: tok });
  assert.equal(soon.status, 429);
  assert.equal(soon.json.error.code, 'TOO_SOON');
  // 30 s from the first success, less what a slow machine spent since.
  const spent = Math.ceil((Date.now() - t0) / 1000);
  const wait = soon.json.error.retryAfterSec;
  assert.ok(wait >= 29 - spent && wait <= 30, `retryAfterSec ${wait} after ${spent} s`);
  assert.equal(soon.headers.get('retry-after'), String(soon.json.error.retryAfterSec));

  const { dir, cleanup } = scratchDir();
  const cfg = writeConfig(dir, { sandbox: true, quotas: { numberIntervalSec: 0, numberDaily: 2, ipLimit: 5, ipWindowSec: 60 }, sandboxLimits: { numberIntervalSec: 0 } });
  const s = await startServer({ args: ['--config', cfg] });
  try {
    const q = phone();
    const d = await device(s.base, { phone: q });
    for (let i = 0; i < 2; i++) assert.equal((await verify(s.base, { phone: q, token: await freshToken(s.base, d, 'CM') })).status, 200);
    const daily = await verify(s.base, { phone: q, token: await freshToken(s.base, d, 'CM') });
    assert.equal(daily.status, 429);
    assert.equal(daily.json.error.code, 'NUMBER_DAILY_LIMIT');
    assert.ok(daily.json.error.retryAfterSec > 0 && daily.json.error.retryAfterSec <= 86400);
    const r = phone();
    const d2 = await device(s.base, { phone: r });
    // 2 admitted so far from 127.0.0.1 (the refused one is not counted): 3 more, then the IP limit.
    for (let i = 0; i < 2; i++) assert.equal((await verify(s.base, { phone: r, token: await freshToken(s.base, d2, 'CM') })).status, 200);
    const t = phone();
    const d3 = await device(s.base, { phone: t });
    assert.equal((await verify(s.base, { phone: t, token: await freshToken(s.base, d3, 'CM') })).status, 200);
    const ip = await verify(s.base, { phone: t, token: await freshToken(s.base, d3, 'CM') });
    assert.equal(ip.json.error.code, 'IP_LIMIT');
    const metrics = (await call(s.base, 'GET', '/metrics')).text;
    assert.match(metrics, /nv_quota_rejections_total\{reason="NUMBER_DAILY_LIMIT"\} 1/);
    assert.match(metrics, /nv_quota_rejections_total\{reason="IP_LIMIT"\} 1/);
  } finally {
    await s.stop();
    cleanup();
  }
});

test('the sandbox vendor enforces its own limits (9005/9006/9007) and nv-server maps them', async () => {
  const { dir, cleanup } = scratchDir();
  // Our own quotas off, the vendor's low: every refusal below comes from the (sandbox) vendor.
  const cfg = writeConfig(dir, {
    sandbox: true,
    quotas: { numberIntervalSec: 0, numberDaily: 0, appDaily: 0, ipLimit: 0 },
    sandboxLimits: { numberIntervalSec: 0, numberDaily: 1, appDaily: 3 },
  });
  const s = await startServer({ args: ['--config', cfg] });
  try {
    const p = phone();
    const d = await device(s.base, { phone: p });
    assert.equal((await verify(s.base, { phone: p, token: await freshToken(s.base, d, 'CM') })).status, 200);
    const daily = await verify(s.base, { phone: p, token: await freshToken(s.base, d, 'CM') });
    assert.equal(daily.status, 429);
    assert.equal(daily.json.error.code, 'NUMBER_DAILY_LIMIT');
    assert.equal(daily.json.upstream.code, 9006);
    for (let i = 0; i < 2; i++) {
      const q = phone();
      const dq = await device(s.base, { phone: q });
      assert.equal((await verify(s.base, { phone: q, token: await freshToken(s.base, dq, 'CM') })).status, 200);
    }
    const r = phone();
    const dr = await device(s.base, { phone: r });
    const app = await verify(s.base, { phone: r, token: await freshToken(s.base, dr, 'CM') });
    assert.equal(app.json.error.code, 'APP_DAILY_LIMIT');
    assert.equal(app.json.upstream.code, 9007);
    assert.ok(app.json.error.retryAfterSec > 0);
  } finally {
    await s.stop();
    cleanup();
  }
});

test('a refused token is not spent, and a 9003 gives the quota back for the refetch', async () => {
  const p = phone();
  const id = await device(sb.base, { phone: p });
  const unknown = await verify(sb.base, { phone: p, token: 'STsidCM-never-issued' });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.error.code, 'TOKEN_EXPIRED');
  // Immediately after, a fresh token for the same number goes through (the 9003 did not start the 30 s).
  const ok = await verify(sb.base, { phone: p, token: await freshToken(sb.base, id, 'CM') });
  assert.equal(ok.json.verified, true);
});

test('quota pre-check: allowed before the first verify, TOO_SOON after it, counting nothing', async () => {
  const p = phone();
  const id = await device(sb.base, { phone: p });
  const check = (body, headers) => call(sb.base, 'POST', '/api/v1/verify/check', { body, headers });
  const before = await check({ phone: p });
  assert.equal(before.status, 200, before.text);
  assert.equal(before.json.allowed, true);
  assert.equal(before.json.operator, 'CM');
  assert.match(before.json.requestId, /^[0-9a-f]{16}$/);
  assert.equal(before.headers.get('x-request-id'), before.json.requestId);
  // A check spends nothing: again and again, the same answer, and the first verify still goes through.
  for (let i = 0; i < 3; i++) assert.equal((await check({ phone: p })).status, 200);
  const t0 = Date.now();
  const ok = await verify(sb.base, { phone: p, token: await freshToken(sb.base, id, 'CM') });
  assert.equal(ok.json.verified, true, ok.text);
  const soon = await check({ phone: `+86 ${p.slice(0, 3)} ${p.slice(3, 7)} ${p.slice(7)}` });  // as typed
  assert.equal(soon.status, 429, soon.text);
  assert.equal(soon.json.error.code, 'TOO_SOON');
  assert.equal(soon.json.operator, 'CM');
  const spent = Math.ceil((Date.now() - t0) / 1000);
  const wait = soon.json.error.retryAfterSec;
  assert.ok(wait >= 29 - spent && wait <= 30, `retryAfterSec ${wait} after ${spent} s`);
  assert.equal(soon.headers.get('retry-after'), String(wait));
  // Exactly what the verification itself would get now (and it spends nothing either).
  const real = await verify(sb.base, { phone: p, token: await freshToken(sb.base, id, 'CM') });
  assert.equal(real.status, 429);
  assert.equal(real.json.error.code, 'TOO_SOON');
  assert.ok(Math.abs(real.json.error.retryAfterSec - wait) <= 1, `${real.json.error.retryAfterSec} vs ${wait}`);
  assert.deepEqual(Object.keys(soon.json).sort(), Object.keys(real.json).sort());
  // Another number, another carrier: its own answer, with the segment's carrier.
  const cu = await check({ phone: phone('186') });
  assert.equal(cu.status, 200);
  assert.equal(cu.json.operator, 'CU');
  assert.equal((await check({ phone: phone('189') })).json.operator, 'CT');
  // Chinese on request, as every answer.
  const zh = await check({ phone: p }, { 'Accept-Language': 'zh-CN' });
  assert.match(zh.json.error.message, /[\u4e00-\u9fff]/);
  const metrics = (await call(sb.base, 'GET', '/metrics')).text;
  assert.match(metrics, /nv_http_requests_total\{route="verify_check",status="429"\} \d+/);
  assert.match(metrics, /nv_http_requests_total\{route="verify_check",status="200"\} \d+/);
});

test('quota pre-check: the daily, appKey and client-IP limits, as the admission refuses them', async () => {
  const { dir, cleanup } = scratchDir();
  const cfg = writeConfig(dir, { sandbox: true, quotas: { numberIntervalSec: 0, numberDaily: 2, appDaily: 3 },
    sandboxLimits: { numberIntervalSec: 0 } });
  const s = await startServer({ args: ['--config', cfg] });
  const ipCfg = writeConfig(dir, { sandbox: true, quotas: { numberIntervalSec: 0, ipLimit: 2, ipWindowSec: 60 } });
  const ipServer = await startServer({ args: ['--config', ipCfg] });
  const check = (base, p) => call(base, 'POST', '/api/v1/verify/check', { body: { phone: p } });
  const same = (checked, real, code) => {
    assert.equal(checked.status, 429, checked.text);
    assert.equal(checked.json.error.code, code);
    assert.equal(real.status, 429, real.text);
    assert.equal(real.json.error.code, code);
    assert.ok(checked.json.error.retryAfterSec > 0);
    assert.ok(Math.abs(real.json.error.retryAfterSec - checked.json.error.retryAfterSec) <= 1);
    assert.equal(checked.headers.get('retry-after'), String(checked.json.error.retryAfterSec));
  };
  try {
    const q = phone();
    const d = await device(s.base, { phone: q });
    // More checks than any limit here allows verifications: none of them counts.
    for (let i = 0; i < 6; i++) assert.equal((await check(s.base, q)).status, 200);
    for (let i = 0; i < 2; i++) {
      assert.equal((await verify(s.base, { phone: q, token: await freshToken(s.base, d, 'CM') })).status, 200);
    }
    const daily = await check(s.base, q);
    same(daily, await verify(s.base, { phone: q, token: await freshToken(s.base, d, 'CM') }), 'NUMBER_DAILY_LIMIT');
    assert.ok(daily.json.error.retryAfterSec <= 86_400);
    const r = phone();
    const dr = await device(s.base, { phone: r });
    assert.equal((await verify(s.base, { phone: r, token: await freshToken(s.base, dr, 'CM') })).status, 200);
    const t = phone();
    const dt = await device(s.base, { phone: t });
    same(await check(s.base, t), await verify(s.base, { phone: t, token: await freshToken(s.base, dt, 'CM') }),
      'APP_DAILY_LIMIT');

    // The client IP's window: two verifications from 127.0.0.1, then the check says IP_LIMIT.
    for (let i = 0; i < 2; i++) {
      const n = phone();
      const dn = await device(ipServer.base, { phone: n });
      assert.equal((await check(ipServer.base, n)).status, 200);
      assert.equal((await verify(ipServer.base, { phone: n, token: await freshToken(ipServer.base, dn, 'CM') })).status, 200);
    }
    const n = phone();
    const dn = await device(ipServer.base, { phone: n });
    const ip = await check(ipServer.base, n);
    assert.ok(ip.json.error.retryAfterSec <= 60);
    // A check's refusal is no spend refused: not in nv_quota_rejections_total (the verification's is).
    assert.doesNotMatch((await call(ipServer.base, 'GET', '/metrics')).text, /nv_quota_rejections_total\{reason="IP_LIMIT"\}/);
    same(ip, await verify(ipServer.base, { phone: n, token: await freshToken(ipServer.base, dn, 'CM') }), 'IP_LIMIT');
    assert.match((await call(ipServer.base, 'GET', '/metrics')).text, /nv_quota_rejections_total\{reason="IP_LIMIT"\} 1/);
  } finally {
    await s.stop();
    await ipServer.stop();
    cleanup();
  }
});

test('quota pre-check: bad input as /api/v1/verify, 405 for other methods, 503 when the store is down', async () => {
  const json = { 'Content-Type': 'application/json' };
  const cases = [
    [{ body: {} }, 400, 'PHONE_EMPTY', 'phone'],
    [{ body: { phone: '1380013800' } }, 400, 'PHONE_TOO_SHORT', 'phone'],
    [{ body: { phone: '14500138000' } }, 400, 'PHONE_NOT_SUPPORTED', 'phone'],
    [{ body: { phone: true } }, 400, 'BAD_ARGUMENT', 'phone'],
    [{ body: { phone: '13800138000', token: 'x' } }, 400, 'UNKNOWN_FIELD', 'token'],
    [{ raw: '{"phone":', headers: json }, 400, 'BAD_JSON'],
    [{ raw: '{"phone":"13800138000","phone":"13900139000"}', headers: json }, 400, 'BAD_JSON', 'phone'],
    [{ raw: '[]', headers: json }, 400, 'BAD_ARGUMENT'],
    [{ raw: '{"phone":"13800138000"}', headers: { 'Content-Type': 'text/plain' } }, 415, 'BAD_CONTENT_TYPE'],
    [{ raw: `{"phone":"${'1'.repeat(20_000)}"}`, headers: json }, 413, 'INPUT_TOO_LARGE'],
  ];
  for (const [init, status, code, field] of cases) {
    const r = await call(sb.base, 'POST', '/api/v1/verify/check', init);
    const label = JSON.stringify(init).slice(0, 120);
    assert.equal(r.status, status, `${label} ${r.text}`);
    assert.equal(r.json.error.code, code, label);
    if (field) assert.equal(r.json.field, field, label);
  }
  for (const [path, body] of [['/api/v1/login/check', { operator: 'CM' }], ['/api/v1/login/check', { phone: '13800138000' }]]) {
    const r = await call(sb.base, 'POST', path, { body });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'UNKNOWN_FIELD');
  }
  assert.equal((await call(sb.base, 'POST', '/api/v1/login/check', { raw: '', headers: json })).json.error.code, 'BAD_JSON');
  for (const path of ['/api/v1/verify/check', '/api/v1/login/check']) {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const r = await call(sb.base, method, path, method === 'GET' || method === 'DELETE' ? {} : { body: {} });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.json.error.code, 'METHOD_NOT_ALLOWED');
      assert.equal(r.headers.get('allow'), 'POST');
    }
  }

  // Redis that is not there: fail-closed, 503 STORE_UNAVAILABLE as the admission; with --store-fail-open the
  // admission would go ahead, so the check says allowed.
  const dead = `redis://127.0.0.1:${await freePort()}/0`;
  const closed = await startServer({ args: ['--sandbox', '--store', dead] });
  const open = await startServer({ args: ['--sandbox', '--store', dead, '--store-fail-open'] });
  try {
    for (const [path, body] of [['/api/v1/verify/check', { phone: phone() }], ['/api/v1/login/check', {}]]) {
      const r = await call(closed.base, 'POST', path, { body });
      assert.equal(r.status, 503, `${path} ${r.text}`);
      assert.equal(r.json.error.code, 'STORE_UNAVAILABLE');
      assert.equal(r.json.error.retryAfterSec, 5);
      const o = await call(open.base, 'POST', path, { body });
      assert.equal(o.status, 200, `${path} ${o.text}`);
      assert.equal(o.json.allowed, true);
    }
    assert.match((await call(closed.base, 'GET', '/metrics')).text, /nv_store_errors_total\{op="check"\} 2/);
  } finally {
    await closed.stop();
    await open.stop();
  }
});

test('bad input of every kind: a clear error with a code, never a crash', async () => {
  const id = await device(sb.base, { phone: phone() });
  const tok = await freshToken(sb.base, id, 'CM');
  const json = { 'Content-Type': 'application/json' };
  const cases = [
    [{ raw: '{"phone":', headers: json }, 400, 'BAD_JSON'],
    [{ raw: '[]', headers: json }, 400, 'BAD_ARGUMENT'],
    [{ raw: '"13800138000"', headers: json }, 400, 'BAD_ARGUMENT'],
    [{ raw: '{"phone":"13800138000","token":"a"}', headers: { 'Content-Type': 'text/plain' } }, 415, 'BAD_CONTENT_TYPE'],
    [{ raw: '{"phone":"13800138000","token":"a"}', headers: {} }, 415, 'BAD_CONTENT_TYPE'],
    [{ body: { token: tok } }, 400, 'PHONE_EMPTY'],
    [{ body: { phone: true, token: tok } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '1380013800', token: tok } }, 400, 'PHONE_TOO_SHORT'],
    [{ body: { phone: '+1 415 555 0100', token: tok } }, 400, 'PHONE_NOT_MAINLAND'],
    [{ body: { phone: '<script>alert(1)</script>', token: tok } }, 400, 'PHONE_INVALID_CHARS'],
    [{ body: { phone: '14500138000', token: tok } }, 400, 'PHONE_NOT_SUPPORTED'],
    [{ body: { phone: '13800138000' } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '13800138000', token: 42 } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '13800138000', token: '' } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '13800138000', token: 'a\u0000b' } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '13800138000', token: 'x'.repeat(3000) } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '13800138000', token: '令牌' } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '13800138000', token: tok, operator: 'XX' } }, 400, 'BAD_OPERATOR'],
    [{ body: { phone: '13800138000', token: tok, exID: 7 } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '13800138000', token: tok, exID: 'x'.repeat(200) } }, 400, 'BAD_ARGUMENT'],
    [{ body: { phone: '13800138000', token: tok, admin: true } }, 400, 'UNKNOWN_FIELD'],
    [{ raw: '{"phone":"13800138000","token":"' + 'x'.repeat(40_000) + '"}', headers: json }, 413, 'INPUT_TOO_LARGE'],
    [{ raw: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: json }, 400, 'BAD_JSON'],
  ];
  for (const [init, status, code] of cases) {
    const r = await call(sb.base, 'POST', '/api/v1/verify', init);
    const label = JSON.stringify(init).slice(0, 120);
    assert.equal(r.status, status, label + ' ' + r.text);
    assert.equal(r.json.error.code, code, label);
    assert.equal(typeof r.json.error.message, 'string');
  }
  // Chinese messages on request; the token above was never spent by all that.
  const zh = await call(sb.base, 'POST', '/api/v1/verify', { body: { phone: '123', token: 'a' }, headers: { 'Accept-Language': 'zh-CN,zh;q=0.9' } });
  assert.match(zh.json.error.message, /手机号/);
  assert.equal((await call(sb.base, 'GET', '/api/v1/verify')).status, 405);
  assert.equal((await call(sb.base, 'GET', '/api/v1/nothing')).json.error.code, 'NOT_FOUND');
  assert.equal((await call(sb.base, 'GET', '/healthz')).json.status, 'ok');
});

test('faults: latency past the timeout, 5xx, malformed JSON, a dropped connection, a dead upstream', async () => {
  const { dir, cleanup } = scratchDir();
  const cfg = writeConfig(dir, { sandbox: true, upstream: { timeoutMs: 400 } });
  const s = await startServer({ args: ['--config', cfg] });
  try {
    const cases = [
      [{ latencyMs: 1500 }, 504, 'UPSTREAM_TIMEOUT'],
      [{ status: 503 }, 502, 'UPSTREAM_ERROR'],
      [{ malformed: true }, 502, 'UPSTREAM_ERROR'],
      [{ drop: true }, 502, 'UPSTREAM_UNAVAILABLE'],
    ];
    for (const [fault, status, code] of cases) {
      const p = phone();
      const id = await device(s.base, { phone: p });
      const tok = await freshToken(s.base, id, 'CM');
      assert.equal((await call(s.base, 'POST', '/sandbox/faults', { body: { ...fault, count: 1 } })).status, 201);
      const t0 = Date.now();
      const r = await verify(s.base, { phone: p, token: tok });
      assert.equal(r.status, status, JSON.stringify(fault) + r.text);
      assert.equal(r.json.error.code, code);
      assert.ok(Date.now() - t0 < 5000, 'answers promptly');
      // The next call (fault used up) works again.
      const q = phone();
      const d = await device(s.base, { phone: q });
      assert.equal((await verify(s.base, { phone: q, token: await freshToken(s.base, d, 'CM') })).json.verified, true);
    }
    // Latency under the timeout is just slower.
    const p = phone();
    const id = await device(s.base, { phone: p });
    const tok = await freshToken(s.base, id, 'CM');
    await call(s.base, 'POST', '/sandbox/faults', { body: { latencyMs: 100, count: 1 } });
    assert.equal((await verify(s.base, { phone: p, token: tok })).json.verified, true);
    // Gateway faults reach the token endpoint.
    await call(s.base, 'POST', '/sandbox/faults', { body: { target: 'gateway', status: 500, count: 1 } });
    assert.equal((await call(s.base, 'POST', '/sandbox/carriers/CM/token', { headers: { 'X-Sandbox-Device': id } })).status, 500);
    assert.equal((await call(s.base, 'POST', '/sandbox/faults', { body: { latencyMs: -1 } })).status, 400);
    assert.equal((await call(s.base, 'POST', '/sandbox/faults', { body: {} })).status, 400);
    const metrics = (await call(s.base, 'GET', '/metrics')).text;
    assert.match(metrics, /nv_upstream_codes_total\{vendor="jiguang",code="timeout"\} 1/);
    assert.match(metrics, /nv_upstream_codes_total\{vendor="jiguang",code="dropped"\} 1/);
    assert.match(metrics, /nv_upstream_latency_seconds_count\{vendor="jiguang"\} \d+/);
    assert.match(metrics, /nv_http_requests_total\{route="verify",status="504"\} 1/);
  } finally {
    await s.stop();
  }
  // Production mode with nothing listening upstream: 502, promptly, and the quota is given back.
  const dead = await startServer({
    args: ['--upstream', 'http://127.0.0.1:9/'],
    env: { NV_APP_KEY: 'k', NV_MASTER_SECRET: 'a-secret-that-must-not-leak' },
  });
  try {
    const p = phone();
    const r = await verify(dead.base, { phone: p, token: 'tok-1' });
    assert.equal(r.status, 502);
    assert.equal(r.json.error.code, 'UPSTREAM_UNAVAILABLE');
    const r2 = await verify(dead.base, { phone: p, token: 'tok-2' });
    assert.equal(r2.json.error.code, 'UPSTREAM_UNAVAILABLE', 'not TOO_SOON: the first never reached the vendor');
  } finally {
    await dead.stop();
    cleanup();
  }
});

test('sandbox faults with a probability hit that share of requests; bad probabilities are refused', async () => {
  const s = await startServer({ args: ['--sandbox', '--config', writeConfig(scratchDir().dir, { sandboxLimits: { unusedTokens: 0 } })] });
  try {
    for (const bad of [0, -0.1, 1.5, 'half', null]) {
      const r = await call(s.base, 'POST', '/sandbox/faults', { body: { target: 'gateway', status: 503, probability: bad } });
      assert.equal(r.status, 400, String(bad));
      assert.equal(r.json.field, 'probability');
    }
    const f = await call(s.base, 'POST', '/sandbox/faults', { body: { target: 'gateway', status: 503, probability: 0.3 } });
    assert.equal(f.status, 201);
    assert.equal(f.json.probability, 0.3);
    const id = await device(s.base, { phone: phone(), network: 'cellular' });
    let failed = 0;
    for (let i = 0; i < 400; i++) if ((await token(s.base, id, 'CM')).status === 503) failed++;
    assert.ok(failed > 80 && failed < 160, `${failed} of 400 (expected about 120)`);
  } finally {
    await s.stop();
  }
});

test('quotas and used tokens survive a restart (SQLite)', async () => {
  const { dir, cleanup } = scratchDir();
  const db = `${dir}/persist.db`;
  // The sandbox's own state is in memory, so the second server is a fresh sandbox with the same database.
  let s = await startServer({ args: ['--sandbox'], db });
  const p = phone();
  const id = await device(s.base, { phone: p });
  const tok = await freshToken(s.base, id, 'CM');
  assert.equal((await verify(s.base, { phone: p, token: tok })).json.verified, true);
  assert.equal((await s.stop()).code, 0);
  s = await startServer({ args: ['--sandbox'], db });
  try {
    const replay = await verify(s.base, { phone: p, token: tok });
    assert.equal(replay.json.error.code, 'TOKEN_USED');
    const id2 = await device(s.base, { phone: p });
    const soon = await verify(s.base, { phone: p, token: await freshToken(s.base, id2, 'CM') });
    assert.equal(soon.json.error.code, 'TOO_SOON');
    const usage = await call(s.base, 'GET', '/api/v1/usage', { headers: { Authorization: 'Bearer sandbox-admin' } });
    assert.equal(usage.json.billed, 1);
  } finally {
    await s.stop();
    cleanup();
  }
});

test('usage: admin bearer token, billed results by day with the price estimate', async () => {
  const { dir, cleanup } = scratchDir();
  const s = await startServer({ args: ['--sandbox'], env: { NV_ADMIN_TOKEN: 'adm-42' } });
  try {
    const p = phone();
    const id = await device(s.base, { phone: p });
    await verify(s.base, { phone: p, token: await freshToken(s.base, id, 'CM') });
    await verify(s.base, { phone: phone(), token: await freshToken(s.base, id, 'CM') });
    await verify(s.base, { phone: phone(), token: 'unknown-token' });
    assert.equal((await call(s.base, 'GET', '/api/v1/usage')).status, 401);
    assert.equal((await call(s.base, 'GET', '/api/v1/usage', { headers: { Authorization: 'Bearer sandbox-admin' } })).status, 401);
    const auth = { Authorization: 'Bearer adm-42' };
    const u = await call(s.base, 'GET', '/api/v1/usage', { headers: auth });
    assert.equal(u.status, 200);
    assert.equal(u.json.billed, 2);
    assert.deepEqual(u.json.byResult, { consistent: 1, inconsistent: 1 });
    assert.deepEqual(u.json.byCode, { 9000: 1, 9001: 1, 9003: 1 });
    assert.equal(u.json.estimate.currency, 'CNY');
    assert.equal(u.json.estimate.unitPrice, 0.0295);
    assert.equal(u.json.estimate.amount, 0.059);
    const day = u.json.day;
    assert.equal((await call(s.base, 'GET', `/api/v1/usage?day=${day}`, { headers: auth })).json.billed, 2);
    assert.equal((await call(s.base, 'GET', '/api/v1/usage?day=2020-01-01', { headers: auth })).json.billed, 0);
    assert.equal((await call(s.base, 'GET', '/api/v1/usage?day=2026-02-30', { headers: auth })).status, 400);
  } finally {
    await s.stop();
    cleanup();
  }
});

test('config, static files and metrics', async () => {
  const c = await call(sb.base, 'GET', '/api/v1/config');
  assert.equal(c.status, 200);
  assert.equal(c.json.sandbox, true);
  assert.deepEqual(c.json.carriers.map((x) => [x.operator, x.tokenTtlSec]), [['CM', 120], ['CU', 600], ['CT', 60]]);
  assert.deepEqual(c.json.carriers.map((x) => [x.operator, x.loginTokenTtlSec]), [['CM', 120], ['CU', 1800], ['CT', 1800]]);
  assert.equal(c.json.oneClickLogin, true, 'the sandbox makes a login key');
  assert.equal(c.json.carriers[0].agreement.url, 'https://wap.cmpassport.com/resources/html/contract.html');
  assert.equal(c.json.carriers[1].agreement.url, 'https://msv6.wosms.cn/html/oauth/protocol2.html');
  assert.equal(c.json.carriers[2].agreement.url, 'https://e.189.cn/sdk/agreement/detail.do');
  assert.equal(c.json.carriers[0].branding['zh-CN'], '中国移动提供认证服务');
  assert.equal(c.json.carriers[2].agreement.name['zh-CN'], '《天翼账号服务与隐私协议》');
  assert.ok(c.json.timeouts.tokenTimeoutMs > 0);
  assert.doesNotMatch(c.text, new RegExp(SANDBOX_SECRET));

  const index = await call(sb.base, 'GET', '/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  const loader = await call(sb.base, 'GET', '/sdk/src/loader.js');
  assert.equal(loader.status, 200);
  assert.match(loader.headers.get('content-type'), /javascript/);
  const wasm = await fetch(`${sb.base}/sdk/dist/nv-core.wasm`);
  if (wasm.status === 200) {  // present after the wasm build (scripts/test.sh builds it first)
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.ok(WebAssembly.validate(new Uint8Array(await wasm.arrayBuffer())));
  }
  assert.equal((await call(sb.base, 'GET', '/sdk/../server/src/config.cpp')).status, 404);

  const m = await call(sb.base, 'GET', '/metrics');
  assert.match(m.headers.get('content-type'), /^text\/plain/);
  assert.match(m.text, /# TYPE nv_http_requests_total counter/);
  assert.match(m.text, /nv_http_requests_total\{route="verify",status="200"\} \d+/);
  assert.match(m.text, /nv_upstream_latency_seconds_bucket\{vendor="jiguang",le="\+Inf"\} \d+/);
  assert.match(m.text, /nv_upstream_codes_total\{vendor="jiguang",code="9000"\} \d+/);
});

function tlsCall(port, ca, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest({ host: '127.0.0.1', port, method, path, ca: readFileSync(ca),
      headers: { ...(data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {}), ...headers } },
    (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => { transcript.push(text); resolve({ status: res.statusCode, json: JSON.parse(text) }); });
    });
    req.on('error', reject);
    req.end(data);
  });
}

// GET with exactly these headers (node:http: fetch would add Accept-Encoding and decode the body itself).
function getRaw(base, path, headers = {}) {
  return new Promise((resolve, reject) => {
    httpRequest(base + path, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

test('static files: the precompressed variant the browser accepts, Vary, ETag and 304, a favicon', async () => {
  const { dir, cleanup } = scratchDir();
  const web = join(dir, 'web');
  mkdirSync(join(web, 'dist'), { recursive: true });
  const wasm = Buffer.concat([Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), Buffer.alloc(20000, 7)]);
  writeFileSync(join(web, 'dist/m.wasm'), wasm);
  writeFileSync(join(web, 'dist/m.wasm.br'), brotliCompressSync(wasm));
  writeFileSync(join(web, 'dist/m.wasm.gz'), gzipSync(wasm));
  const js = 'export const x = 1;\n'.repeat(500);
  writeFileSync(join(web, 'dist/a.js'), js);
  writeFileSync(join(web, 'dist/a.js.br'), brotliCompressSync(js));
  const srv = await startServer({ args: ['--sandbox', '--web-dir', web] });
  try {
    const plainWasm = await getRaw(srv.base, '/sdk/dist/m.wasm');
    assert.equal(plainWasm.status, 200);
    assert.equal(plainWasm.headers['content-encoding'], undefined);
    assert.deepEqual(plainWasm.body, wasm);
    assert.match(plainWasm.headers.vary, /Accept-Encoding/);
    assert.equal(plainWasm.headers['cache-control'], 'no-cache');
    const etag = plainWasm.headers.etag;
    assert.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);

    for (const [ae, want] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['br;q=0, gzip', 'gzip'], ['*', 'br'],
      ['identity', undefined], ['br;q=0, gzip;q=0', undefined]]) {
      const r = await getRaw(srv.base, '/sdk/dist/m.wasm', { 'Accept-Encoding': ae });
      assert.equal(r.headers['content-encoding'], want, ae);
      assert.equal(r.headers['content-type'], 'application/wasm', ae);
      assert.equal(r.headers.etag, etag, ae);
      assert.equal(Number(r.headers['content-length']), r.body.length);
      const decoded = want === 'br' ? brotliDecompressSync(r.body) : want === 'gzip' ? gunzipSync(r.body) : r.body;
      assert.deepEqual(decoded, wasm, ae);
      if (want) assert.ok(r.body.length < wasm.length / 10, `${ae}: ${r.body.length} bytes on the wire`);
    }
    // A JavaScript variant is sent as it is, never compressed a second time by cpp-httplib.
    const br = await getRaw(srv.base, '/sdk/dist/a.js', { 'Accept-Encoding': 'br, gzip' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(br.body).toString(), js);
    // Without a .gz, a gzip-only client gets cpp-httplib's own compression of the text file.
    const gz = await getRaw(srv.base, '/sdk/dist/a.js', { 'Accept-Encoding': 'gzip' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gz.body).toString(), js);

    // Revalidation: 304 with no body, whatever the encoding; a changed file gets a new validator.
    for (const inm of [etag, `"x", ${etag}`, etag.slice(2), '*']) {
      const r = await getRaw(srv.base, '/sdk/dist/m.wasm', { 'If-None-Match': inm, 'Accept-Encoding': 'br' });
      assert.equal(r.status, 304, inm);
      assert.equal(r.body.length, 0);
      assert.equal(r.headers.etag, etag);
    }
    assert.equal((await getRaw(srv.base, '/sdk/dist/m.wasm', { 'If-None-Match': 'W/"0-0"' })).status, 200);
    // A variant older than its source (a rebuild without web/build.mjs) is never served.
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(web, 'dist/m.wasm'), Buffer.concat([wasm, Buffer.from([1])]));
    const fresh = await getRaw(srv.base, '/sdk/dist/m.wasm', { 'Accept-Encoding': 'br', 'If-None-Match': etag });
    assert.equal(fresh.status, 200);
    assert.notEqual(fresh.headers.etag, etag);
    assert.equal(fresh.headers['content-encoding'], undefined);
    assert.equal(fresh.body.length, wasm.length + 1);

    // The demo's files get validators too, and there is a favicon (no 404 in every browser's console).
    const index = await getRaw(srv.base, '/');
    assert.match(index.headers.etag, /^W\//);
    assert.equal((await getRaw(srv.base, '/', { 'If-None-Match': index.headers.etag })).status, 304);
    const icon = await getRaw(srv.base, '/favicon.ico');
    assert.equal(icon.status, 200);
    assert.equal(icon.headers['content-type'], 'image/x-icon');
    assert.deepEqual([...icon.body.subarray(0, 4)], [0, 0, 1, 0]);  // an ICO header
    assert.match(index.body.toString(), /<link rel="icon" href="\/favicon.ico">/);
    // Traversal stays refused.
    assert.equal((await getRaw(srv.base, '/sdk/../../etc/passwd')).status, 404);
    assert.equal((await getRaw(srv.base, '/sdk/dist/..%2f..%2fweb/dist/m.wasm')).status, 404);
  } finally {
    await srv.stop();
    cleanup();
  }
});

test('TLS: production mode verifies through a vendor behind a test CA, and refuses a wrong CA', async () => {
  const { dir, cleanup } = scratchDir();
  const good = makeCertificates(dir, 'ca');
  const other = makeCertificates(dir, 'other');
  const vendor = await startServer({ args: ['--sandbox', '--tls-cert', good.cert, '--tls-key', good.key] });
  const env = { NV_APP_KEY: SANDBOX_KEY, NV_MASTER_SECRET: SANDBOX_SECRET };
  const upstream = `https://127.0.0.1:${vendor.port}/sandbox/vendor`;
  const prod = await startServer({ args: ['--upstream', upstream, '--upstream-ca', good.ca], env });
  const wrong = await startServer({ args: ['--upstream', upstream, '--upstream-ca', other.ca], env });
  const system = await startServer({ args: ['--upstream', upstream], env });
  try {
    const p = phone();
    const id = (await tlsCall(vendor.port, good.ca, 'POST', '/sandbox/devices', { phone: p })).json.deviceId;
    const tokenFor = async () => (await tlsCall(vendor.port, good.ca, 'POST', '/sandbox/carriers/CM/token', {}, { 'X-Sandbox-Device': id })).json.token;
    const ok = await verify(prod.base, { phone: p, token: await tokenFor() });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.verified, true);
    assert.equal((await call(prod.base, 'GET', '/api/v1/config')).json.sandbox, false);
    assert.equal((await call(prod.base, 'GET', '/sandbox')).status, 404, 'no sandbox in production mode');

    for (const s of [wrong, system]) {
      const q = phone();
      const r = await verify(s.base, { phone: q, token: await tokenFor() });
      assert.equal(r.status, 502, r.text);
      assert.equal(r.json.error.code, 'UPSTREAM_UNAVAILABLE');
    }
  } finally {
    for (const s of [vendor, prod, wrong, system]) await s.stop();
    cleanup();
  }
});

test('TLS verification is off only with the explicit --upstream-insecure-skip-verify flag, loudly', async () => {
  const { dir, cleanup } = scratchDir();
  const good = makeCertificates(dir, 'ca');
  const vendor = await startServer({ args: ['--sandbox', '--tls-cert', good.cert, '--tls-key', good.key] });
  const env = { NV_APP_KEY: SANDBOX_KEY, NV_MASTER_SECRET: SANDBOX_SECRET };
  const upstream = `https://127.0.0.1:${vendor.port}/sandbox/vendor`;
  const insecure = await startServer({ args: ['--upstream', upstream, '--upstream-insecure-skip-verify'], env });
  try {
    const p = phone();
    const id = (await tlsCall(vendor.port, good.ca, 'POST', '/sandbox/devices', { phone: p })).json.deviceId;
    const t = (await tlsCall(vendor.port, good.ca, 'POST', '/sandbox/carriers/CM/token', {}, { 'X-Sandbox-Device': id })).json.token;
    const ok = await verify(insecure.base, { phone: p, token: t });
    assert.equal(ok.status, 200, 'the unverifiable certificate is accepted only with the flag');
    assert.ok(insecure.lines.some((l) => l.includes('"level":"warn"') && l.includes('VERIFICATION IS OFF')), 'logged as a warning');
    const h = await call(insecure.base, 'GET', '/healthz');
    assert.equal(h.json.upstreamTlsVerify, false);
    assert.equal((await call(sb.base, 'GET', '/healthz')).json.upstreamTlsVerify, true, 'on by default');
  } finally {
    await insecure.stop();
    await vendor.stop();
    cleanup();
  }
  // Neither the config file nor the environment can turn it off.
  const { dir: d2, cleanup: c2 } = scratchDir();
  const cfg = writeConfig(d2, { upstream: { insecureSkipVerify: true } });
  const r = spawnSync(process.env.NV_SERVER, ['--config', cfg], { env: { NV_APP_KEY: 'k', NV_MASTER_SECRET: 's' }, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown setting "upstream.insecureSkipVerify"/);
  c2();
});

test('startup errors are clear and exit non-zero', async () => {
  const { spawnSync } = await import('node:child_process');
  const run = (args, env = {}) => spawnSync(process.env.NV_SERVER, args, { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  const noCreds = run(['--port', '0']);
  assert.equal(noCreds.status, 2);
  assert.match(noCreds.stderr, /NV_APP_KEY/);
  const help = run(['--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--sandbox/);
  assert.equal(run(['--sandbox', '--port', 'x']).status, 2);
  const badDb = run(['--sandbox', '--port', '0', '--db', '/nonexistent-dir/a/b.db']);
  assert.equal(badDb.status, 1);
  assert.match(badDb.stderr, /cannot open the database/);
});

// nv-server without --db (the harness always passes one): started in a working directory of its own, with the
// environment given; resolves with the "listening" line and the lines before it, and a stop().
async function startWithoutDb(env, args = ['--sandbox']) {
  const { spawn } = await import('node:child_process');
  const { once } = await import('node:events');
  const cwd = join(env.SCRATCH, 'cwd');
  mkdirSync(cwd, { recursive: true });
  const { SCRATCH, ...vars } = env;
  const child = spawn(process.env.NV_SERVER, ['--port', '0', ...args], { cwd, env: { PATH: process.env.PATH, ...vars },
    stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  const lines = [];
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const listening = await new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      for (const line of out.split('\n').slice(lines.length, -1)) {
        lines.push(line);
        const j = JSON.parse(line);
        if (j.msg === 'listening') resolve(j);
      }
    });
    exited.then(([code]) => reject(new Error(`nv-server exited (${code}): ${err}`)));
  });
  return { listening, lines, cwd, async stop() { child.kill('SIGTERM'); assert.equal((await exited)[0], 0); } };
}

test('the default SQLite file is in the state directory, never the working directory', async () => {
  const { statSync, existsSync, readdirSync } = await import('node:fs');
  const { dir, cleanup } = scratchDir();
  try {
    // $HOME/.local/state/nv-server, made 0700 (with its parents) when missing; the sandbox has its own file.
    const home = join(dir, 'home');
    const a = await startWithoutDb({ SCRATCH: join(dir, 'a'), HOME: home });
    const file = join(home, '.local/state/nv-server/nv-server-sandbox.db');
    assert.equal(a.listening.db, file);
    assert.equal(a.listening.store, `sqlite:${file}`);
    assert.ok(a.lines.some((l) => l.includes('created the state directory')), a.lines.join('\n'));
    // It is really used: a device and a verify later, the file holds the counters.
    const base = `http://127.0.0.1:${a.listening.port}`;
    const p = phone();
    const id = await device(base, { phone: p });
    assert.equal((await verify(base, { phone: p, token: await freshToken(base, id, 'CM') })).json.verified, true);
    await a.stop();
    assert.ok(existsSync(file));
    for (const d of ['.local', '.local/state', '.local/state/nv-server']) {
      assert.equal(statSync(join(home, d)).mode & 0o777, 0o700, d);
    }
    assert.deepEqual(readdirSync(a.cwd), [], 'nothing written into the working directory');

    // XDG_STATE_HOME before HOME.
    const xdg = join(dir, 'xdg');
    const b = await startWithoutDb({ SCRATCH: join(dir, 'b'), HOME: home, XDG_STATE_HOME: xdg });
    assert.equal(b.listening.db, join(xdg, 'nv-server/nv-server-sandbox.db'));
    await b.stop();
    assert.ok(existsSync(join(xdg, 'nv-server/nv-server-sandbox.db')));
    assert.deepEqual(readdirSync(b.cwd), []);

    // systemd's StateDirectory= wins (the shipped unit: /var/lib/nv-server/nv-server.db); production's own name.
    const state = join(dir, 'state');
    mkdirSync(state);
    const c = await startWithoutDb({ SCRATCH: join(dir, 'c'), HOME: home, XDG_STATE_HOME: xdg, STATE_DIRECTORY: state,
      NV_APP_KEY: 'k', NV_MASTER_SECRET: 's', NV_ASSERTION_KEY_FILE: assertionKeyFile() }, []);
    assert.equal(c.listening.db, join(state, 'nv-server.db'));
    assert.equal(c.listening.sandbox, false);
    await c.stop();
    assert.ok(existsSync(join(state, 'nv-server.db')));
    assert.deepEqual(readdirSync(c.cwd), []);

    // None of them, and no --db: a clear error, nothing written.
    const cwd = join(dir, 'd');
    mkdirSync(cwd);
    const none = spawnSync(process.env.NV_SERVER, ['--sandbox', '--port', '0'], { cwd, env: { PATH: process.env.PATH },
      encoding: 'utf8' });
    assert.equal(none.status, 2);
    assert.match(none.stderr, /--db PATH/);
    assert.match(none.stderr, /STATE_DIRECTORY, XDG_STATE_HOME, HOME/);
    assert.deepEqual(readdirSync(cwd), []);
    // A state directory that cannot be made (a file is in the way): a clear error naming it.
    writeFileSync(join(cwd, 'file'), 'x');
    const blocked = spawnSync(process.env.NV_SERVER, ['--sandbox', '--port', '0'], { cwd,
      env: { PATH: process.env.PATH, XDG_STATE_HOME: join(cwd, 'file') }, encoding: 'utf8' });
    assert.equal(blocked.status, 1);
    assert.match(blocked.stderr, /cannot create the directory .*file/);
  } finally {
    cleanup();
  }
});

test('server/openapi.yaml documents exactly the routes the server answers', async () => {
  const text = readFileSync(new URL('../../server/openapi.yaml', import.meta.url), 'utf8');
  const documented = [];
  let current = null;
  for (const line of text.split('\n')) {
    const path = line.match(/^ {2}(\/\S*):\s*$/);
    if (path) { current = path[1]; continue; }
    const method = line.match(/^ {4}(get|post|put|patch|delete):/);
    if (method && current) documented.push([method[1].toUpperCase(), current]);
    if (/^\S/.test(line)) current = null;
  }
  assert.ok(documented.length >= 15, `parsed ${documented.length} operations`);
  const id = await device(sb.base, { phone: phone() });
  for (const [method, path] of documented) {
    const concrete = path.replace('{deviceId}', id).replace('{operator}', 'CM').replace('{path}', 'src/loader.js');
    const headers = { 'X-Sandbox-Device': id, Authorization: 'Bearer sandbox-admin' };
    const r = await call(sb.base, method, concrete, method === 'GET' || method === 'DELETE' ? { headers } : { headers, body: {} });
    assert.notEqual(r.status, 404, `${method} ${path} is documented but not served: ${r.text.slice(0, 200)}`);
    if (method === 'DELETE' && path.includes('{deviceId}')) break;  // keep the device for the rest
  }
  for (const route of ['/api/v1/config', '/api/v1/verify', '/api/v1/usage', '/healthz', '/metrics']) {
    assert.ok(documented.some(([, p]) => p === route), `${route} is served but not documented`);
  }
});

test('SMS fallback: send to the simulated inbox, check, single use, same quotas and error style', async () => {
  const p = phone();
  const id = await device(sb.base, { phone: p });
  const sent = await call(sb.base, 'POST', '/api/v1/sms/send', { body: { phone: p } });
  assert.equal(sent.status, 200, sent.text);
  assert.equal(sent.json.sent, true);
  assert.equal(sent.json.expiresInSec, 300);
  const inbox = await call(sb.base, 'GET', `/sandbox/devices/${id}/inbox`);
  assert.equal(inbox.json.messages.length, 1);
  const code = inbox.json.messages[0].code;
  assert.match(code, /^\d{6}$/);
  assert.match(inbox.json.messages[0].text, new RegExp(code));
  const wrong = await call(sb.base, 'POST', '/api/v1/sms/check', { body: { phone: p, code: code === '000000' ? '111111' : '000000' } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.error.code, 'SMS_CODE_INVALID');
  const ok = await call(sb.base, 'POST', '/api/v1/sms/check', { body: { phone: p, code } });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.verified, true);
  const again = await call(sb.base, 'POST', '/api/v1/sms/check', { body: { phone: p, code } });
  assert.equal(again.json.error.code, 'SMS_CODE_EXPIRED');
  const soon = await call(sb.base, 'POST', '/api/v1/sms/send', { body: { phone: p } });
  assert.equal(soon.status, 429);
  assert.equal(soon.json.error.code, 'TOO_SOON');
  assert.ok(soon.json.error.retryAfterSec > 0);
  for (const [body, status, code2] of [[{ phone: '1380013' }, 400, 'PHONE_TOO_SHORT'], [{ phone: p, code: 12 }, 400, 'BAD_ARGUMENT'],
    [{ phone: p, code: '12ab56' }, 400, 'BAD_ARGUMENT'], [{ phone: p, code: '123456', x: 1 }, 400, 'UNKNOWN_FIELD']]) {
    const r = await call(sb.base, 'POST', '/api/v1/sms/check', { body });
    assert.equal(r.status, status, JSON.stringify(body));
    assert.equal(r.json.error.code, code2);
  }
  // Five wrong guesses destroy a code.
  const q = phone();
  const qid = await device(sb.base, { phone: q });
  await call(sb.base, 'POST', '/api/v1/sms/send', { body: { phone: q } });
  const qcode = (await call(sb.base, 'GET', `/sandbox/devices/${qid}/inbox`)).json.messages[0].code;
  const other = qcode === '999999' ? '999998' : '999999';
  for (let i = 0; i < 5; i++) assert.equal((await call(sb.base, 'POST', '/api/v1/sms/check', { body: { phone: q, code: other } })).json.error.code, 'SMS_CODE_INVALID');
  assert.equal((await call(sb.base, 'POST', '/api/v1/sms/check', { body: { phone: q, code: qcode } })).json.error.code, 'SMS_CODE_EXPIRED');
  // Production without an SMS gateway: a clear 503.
  const prod = await startServer({ args: ['--upstream', 'http://127.0.0.1:9/'], env: { NV_APP_KEY: 'k', NV_MASTER_SECRET: 'a-secret-that-must-not-leak' } });
  try {
    const r = await call(prod.base, 'POST', '/api/v1/sms/send', { body: { phone: phone() } });
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'SMS_UNAVAILABLE');
  } finally {
    await prod.stop();
  }
});

test('the README journey runs as written (curl against the sandbox)', async () => {
  const { execFileSync } = await import('node:child_process');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = readme.split('```sh').map((b) => b.split('```')[0]).find((b) => b.includes('/sandbox/devices'));
  assert.ok(block, 'the README has the curl journey');
  const script = block.replace('B=http://127.0.0.1:8080', `B=${sb.base}`);
  const out = execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' });
  const answers = out.trim().split('\n').map((l) => JSON.parse(l.replace(/^\d{3} /, '')));
  assert.equal(answers[0].verified, true);
  assert.equal(answers[1].error.code, 'TOKEN_USED');
});

test('no response or log line carries the master secret or a full phone number', async () => {
  // Runs last (node:test keeps file order): the transcript holds every line of every server above. The
  // documented sandbox pair is public and shown by GET /sandbox; production secrets are the ones to guard.
  const secrets = ['a-secret-that-must-not-leak'];
  const logs = transcript.filter((l) => l.startsWith('{"') && l.includes('"msg"'));
  assert.ok(logs.length > 100, `saw ${logs.length} log lines`);
  for (const line of transcript) {
    for (const s of secrets) assert.ok(!line.includes(s), `secret in: ${line.slice(0, 200)}`);
  }
  for (const line of logs) {
    assert.ok(!line.includes(SANDBOX_SECRET), `the sandbox secret in a log line: ${line.slice(0, 200)}`);
    assert.ok(!line.includes(Buffer.from(`${SANDBOX_KEY}:${SANDBOX_SECRET}`).toString('base64')));
    for (const n of numbers) assert.ok(!line.includes(n), `unmasked ${n} in: ${line.slice(0, 200)}`);
  }
  assert.ok(logs.some((l) => /"phone":"1\d\d\*\*\*\*\d{4}"/.test(l)), 'verify lines carry the masked number');
});
