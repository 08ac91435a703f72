// The security checklist (issue 6), each item against a real nv-server on loopback: CORS only for configured
// origins, oversized bodies refused before they are read, slow and idle connections closed, the admin token,
// hardened response headers, and no secret or full phone number in any response, log line or metric.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'node:http';
import {
  SANDBOX_SECRET, call, device, freshToken, scratchDir, startServer, transcript, verify, writeConfig,
} from './harness.mjs';

const PARTNER = 'https://shop.example.com';
let open;      // --cors-origin PARTNER, short timeouts
let plain;     // defaults
let cleanupDir;

before(async () => {
  const { dir, cleanup } = scratchDir();
  cleanupDir = cleanup;
  const cfg = writeConfig(dir, { readTimeoutSec: 1, writeTimeoutSec: 1, idleTimeoutSec: 1 });
  open = await startServer({ args: ['--sandbox', '--config', cfg, '--cors-origin', PARTNER] });
  plain = await startServer({ args: ['--sandbox'] });
});
after(async () => {
  await open.stop();
  await plain.stop();
  cleanupDir();
});

// node:http, because fetch would not let us choose the Origin header freely.
function raw(base, method, path, headers = {}, body) {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        transcript.push(text);
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const body = JSON.stringify({ phone: '13800138000', token: 'x' });

test('CORS: a configured partner origin is allowed, with a preflight; any other origin is refused', async () => {
  const listed = await raw(open.base, 'POST', '/api/v1/verify', { ...JSON_HEADERS, Origin: PARTNER }, body);
  assert.notEqual(listed.status, 403);
  assert.equal(listed.headers['access-control-allow-origin'], PARTNER);
  assert.match(listed.headers.vary, /Origin/);
  assert.match(listed.headers['access-control-expose-headers'], /X-Request-Id/);

  const pre = await raw(open.base, 'OPTIONS', '/api/v1/verify', {
    Origin: PARTNER, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type',
  });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-origin'], PARTNER);
  assert.match(pre.headers['access-control-allow-methods'], /POST/);
  assert.match(pre.headers['access-control-allow-headers'], /Content-Type/);

  for (const server of [open, plain]) {
    for (const evil of ['https://evil.example', 'http://shop.example.com', 'https://shop.example.com.evil.io', 'null']) {
      const r = await raw(server.base, 'POST', '/api/v1/verify', { ...JSON_HEADERS, Origin: evil }, body);
      assert.equal(r.status, 403, evil);
      assert.equal(r.json.error.code, 'ORIGIN_NOT_ALLOWED');
      assert.equal(r.headers['access-control-allow-origin'], undefined);
      const p = await raw(server.base, 'OPTIONS', '/api/v1/verify', { Origin: evil, 'Access-Control-Request-Method': 'POST' });
      assert.equal(p.status, 403);
      assert.equal(p.headers['access-control-allow-origin'], undefined);
    }
  }
  // The default: only the server's own pages (the demo), which send their own origin.
  const own = await raw(plain.base, 'GET', '/api/v1/config', { Origin: plain.base });
  assert.equal(own.status, 200);
  assert.equal(own.headers['access-control-allow-origin'], undefined, 'same origin needs no CORS header');
  const notByDefault = await raw(plain.base, 'GET', '/api/v1/config', { Origin: PARTNER });
  assert.equal(notByDefault.status, 403, 'no partner by default');
  assert.equal(notByDefault.json.error.code, 'ORIGIN_NOT_ALLOWED');
  assert.equal((await raw(plain.base, 'GET', '/api/v1/config')).status, 200, 'no Origin: not a browser call');
  // Static files stay public: a partner page may load the SDK from us.
  assert.equal((await raw(plain.base, 'GET', '/sdk/dist/nv.js', { Origin: 'https://evil.example' })).status, 200);
});

test('CORS: a refused origin can read its refusal on GET /api/v1/config, and on nothing else', async () => {
  for (const server of [open, plain]) {
    for (const evil of ['https://evil.example', 'http://shop.example.com', 'http://localhost:3000']) {
      const r = await raw(server.base, 'GET', '/api/v1/config', { Origin: evil, 'Accept-Language': 'zh-CN' });
      assert.equal(r.status, 403, evil);
      assert.equal(r.json.error.code, 'ORIGIN_NOT_ALLOWED');
      assert.match(r.json.error.message, /[\u4e00-\u9fff]/);
      assert.equal(r.headers['access-control-allow-origin'], evil);
      assert.match(r.headers.vary, /Origin/);
      // Nothing else: no credentials, no exposed headers, no methods; the body is only the error.
      assert.equal(r.headers['access-control-allow-credentials'], undefined);
      assert.equal(r.headers['access-control-expose-headers'], undefined);
      assert.equal(r.headers['access-control-allow-methods'], undefined);
      assert.deepEqual(Object.keys(r.json).sort(), ['error', 'origin', 'requestId']);
      assert.equal(r.json.carriers, undefined);
      // Every other refused request stays opaque: the API's other routes, other methods, the preflight.
      for (const [method, path] of [['POST', '/api/v1/verify'], ['POST', '/api/v1/verify/check'],
        ['POST', '/api/v1/login/check'], ['POST', '/api/v1/config'], ['GET', '/api/v1/usage'], ['GET', '/api/v1/config/'],
        ['OPTIONS', '/api/v1/config'], ['OPTIONS', '/api/v1/verify/check']]) {
        const o = await raw(server.base, method, path,
          { ...JSON_HEADERS, Origin: evil, 'Access-Control-Request-Method': 'GET' }, method === 'POST' ? '{}' : undefined);
        assert.equal(o.status, 403, `${method} ${path} ${evil}`);
        assert.equal(o.headers['access-control-allow-origin'], undefined, `${method} ${path} ${evil}`);
      }
    }
    // The opaque origin "null" (sandboxed frames, file://) is never echoed.
    const nul = await raw(server.base, 'GET', '/api/v1/config', { Origin: 'null' });
    assert.equal(nul.status, 403);
    assert.equal(nul.headers['access-control-allow-origin'], undefined);
  }
});

test('CORS: the sandbox token provider may send X-Sandbox-Device from a listed origin', async () => {
  const id = await device(open.base, { phone: '13800138051', network: 'cellular' });
  for (const kind of ['token', 'login-token', 'login-prefetch']) {
    const path = `/sandbox/carriers/CM/${kind}`;
    const pre = await raw(open.base, 'OPTIONS', path, {
      Origin: PARTNER, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-sandbox-device',
    });
    assert.equal(pre.status, 204, path);
    assert.equal(pre.headers['access-control-allow-origin'], PARTNER);
    assert.match(pre.headers['access-control-allow-methods'], /POST/);
    assert.ok(pre.headers['access-control-allow-headers'].split(/,\s*/).map((h) => h.toLowerCase())
      .includes('x-sandbox-device'), pre.headers['access-control-allow-headers']);
    const r = await raw(open.base, 'POST', path, { Origin: PARTNER, 'X-Sandbox-Device': id });
    assert.equal(r.status, 200, `${path} ${r.text}`);
    assert.equal(r.headers['access-control-allow-origin'], PARTNER);
  }
});

test('the listening line lists the CORS origins ([] when none)', () => {
  const listening = (server) => JSON.parse(server.lines.find((l) => l.includes('"msg":"listening"')));
  assert.deepEqual(listening(open).corsOrigins, [PARTNER]);
  assert.deepEqual(listening(plain).corsOrigins, []);
});

test('a body over 16 KB is refused with 413 before it is read', async () => {
  // Declare 100 KB and send none of it: the answer comes at once, from the header alone.
  const started = Date.now();
  const answer = await new Promise((resolve, reject) => {
    const s = connect(plain.port, '127.0.0.1');
    let text = '';
    s.on('data', (c) => { text += c; if (text.includes('\r\n\r\n') && text.includes('}')) { s.destroy(); resolve(text); } });
    s.on('error', reject);
    s.on('close', () => resolve(text));
    s.write(`POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`);
  });
  assert.match(answer, /^HTTP\/1\.1 413/);
  assert.match(answer, /INPUT_TOO_LARGE/);
  assert.match(answer, /Connection: close/i);
  assert.ok(Date.now() - started < 2000, `answered in ${Date.now() - started} ms`);
  const big = await raw(plain.base, 'POST', '/api/v1/verify', JSON_HEADERS, JSON.stringify({ phone: '1', token: 'x'.repeat(17_000) }));
  assert.equal(big.status, 413);
  assert.equal(big.json.error.code, 'INPUT_TOO_LARGE');
});

// Writes `request` on a fresh connection and reads until the server closes it: the whole answer, and whether the
// close came at once (not after an idle timeout).
function exchange(port, request, { more } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const s = connect(port, '127.0.0.1');
    let text = '';
    s.on('connect', () => {
      s.write(request);
      if (more) s.write(more, () => {});
    });
    s.on('data', (c) => { text += c; });
    s.on('error', () => {});  // a reset after the answer, while `more` is still being written, is fine
    s.on('close', () => {
      transcript.push(text);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      let json = null;
      try { json = JSON.parse(body); } catch { /* not JSON */ }
      resolve({ text, status: Number(text.slice(9, 12)), json, ms: Date.now() - started });
    });
    setTimeout(() => { s.destroy(); reject(new Error(`no close within 8 s: ${text.slice(0, 200)}`)); }, 8000);
  });
}

test('a chunked body is refused with 411 before it is read, and the connection closes at once', async () => {
  for (const path of ['/api/v1/verify', '/api/v1/sms/send', '/sandbox/devices', '/sandbox/vendor/v2/web/h5/verify', '/nope']) {
    const r = await exchange(plain.port,
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      { more: `4000\r\n${'x'.repeat(0x4000)}\r\n`.repeat(64) });
    assert.equal(r.status, 411, `${path}: ${r.text.slice(0, 300)}`);
    assert.equal(r.json.error.code, 'LENGTH_REQUIRED', path);
    assert.match(r.json.error.message, /Content-Length/);
    assert.match(r.text, /\r\nConnection: close\r\n/i);
    assert.ok(r.ms < 2000, `${path}: closed after ${r.ms} ms`);
  }
  // Any Transfer-Encoding (a smuggling classic: both framings in one request).
  const both = await exchange(plain.port,
    'POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: gzip, chunked\r\n\r\n{}');
  assert.equal(both.status, 411);
  // Chinese for a page that asks for it.
  const zh = await exchange(plain.port,
    'POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nAccept-Language: zh-CN\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
  assert.match(zh.json.error.message, /分块/);
});

test('a body over the limit closes the connection at once; two different Content-Lengths are refused', async () => {
  const big = await exchange(plain.port,
    'POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n');
  assert.equal(big.status, 413);
  assert.ok(big.ms < 2000, `closed after ${big.ms} ms`);
  for (const cl of ['Content-Length: 2\r\nContent-Length: 3', 'Content-Length: 2x', 'Content-Length: -2', 'Content-Length: 0x10']) {
    const r = await exchange(plain.port, `POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${cl}\r\n\r\n{}`);
    assert.equal(r.status, 400, cl);
    assert.equal(r.json.error.code, 'BAD_REQUEST', cl);
    assert.ok(r.ms < 2000, `${cl}: closed after ${r.ms} ms`);
  }
  // The same length twice is one length.
  const same = await exchange(plain.port,
    'POST /api/v1/sms/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}');
  assert.equal(same.status, 400);
  assert.equal(same.json.error.code, 'PHONE_EMPTY');
});

test('a JSON key given twice is refused with BAD_JSON naming the key, on the API and in the sandbox', async () => {
  const cases = [
    ['/api/v1/verify', '{"phone":"13800138000","token":"a","phone":"13900139000"}', 'phone'],
    ['/api/v1/verify', '{"phone":"13800138000","token":"a","token":"b"}', 'token'],
    ['/api/v1/sms/send', '{"phone":"13800138000","phone":"13900139000"}', 'phone'],
    ['/api/v1/sms/check', '{"phone":"13800138000","code":"123456","code":"654321"}', 'code'],
    ['/sandbox/devices', '{"phone":"13800138000","network":"wifi","network":"cellular"}', 'network'],
    ['/sandbox/faults', '{"target":"vendor","status":503,"status":500}', 'status'],
  ];
  for (const [path, body, key] of cases) {
    const r = await raw(plain.base, 'POST', path, JSON_HEADERS, body);
    assert.equal(r.status, 400, `${path} ${body}`);
    assert.equal(r.json.error.code, 'BAD_JSON', path);
    assert.equal(r.json.field, key, path);
  }
  // The emulated vendor takes it as a bad parameter (9012), as a strict vendor would.
  const auth = `Basic ${Buffer.from('7d431e42dfa6a6d693ac2d04:5e987ac6d2e04d95a9d8f0d1').toString('base64')}`;
  const v = await raw(plain.base, 'POST', '/sandbox/vendor/v2/web/h5/verify', { ...JSON_HEADERS, Authorization: auth },
    '{"token":"a","phone":"13800138000","phone":"13900139000"}');
  assert.equal(v.json.code, 9012);
});

test('listening beyond loopback without --behind-proxy is warned about at startup', async () => {
  const open0 = await startServer({ args: ['--sandbox', '--host', '0.0.0.0'] });
  const proxied = await startServer({ args: ['--sandbox', '--host', '0.0.0.0', '--behind-proxy'] });
  try {
    const warn = open0.lines.map((l) => JSON.parse(l)).find((j) => j.level === 'warn' && /behind-proxy/.test(j.msg));
    assert.ok(warn, open0.lines.join('\n'));
    assert.match(warn.msg, /header floods/);
    assert.ok(!proxied.lines.some((l) => /behind-proxy/.test(l) && /"warn"/.test(l)), proxied.lines.join('\n'));
    assert.ok(!plain.lines.some((l) => /behind-proxy/.test(l) && /"warn"/.test(l)), 'loopback: no warning');
    assert.equal(JSON.parse(proxied.lines.find((l) => l.includes('"listening"'))).behindProxy, true);
  } finally {
    await open0.stop();
    await proxied.stop();
  }
});

// Opens a connection, writes `first`, then waits; resolves with how long the server took to close it.
function closedAfter(port, first) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => { if (first) s.write(first); });
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', () => resolve(Date.now() - started));
    setTimeout(() => { s.destroy(); reject(new Error('the server kept the connection open for 10 s')); }, 10_000);
  });
}

test('slow and idle connections are closed (readTimeoutSec, idleTimeoutSec)', async () => {
  // Headers that never finish (slowloris), a body that stops halfway, and a silent connection.
  const partialHeaders = await closedAfter(open.port, 'POST /api/v1/verify HTTP/1.1\r\nHost: x\r\n');
  const partialBody = await closedAfter(open.port,
    'POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"phone":');
  const silent = await closedAfter(open.port, '');
  // Idle after a complete keep-alive request.
  const idle = await closedAfter(open.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  for (const [name, ms] of Object.entries({ partialHeaders, partialBody, silent, idle })) {
    assert.ok(ms >= 500 && ms < 4000, `${name}: closed after ${ms} ms (timeouts are 1 s)`);
  }
  assert.equal((await call(open.base, 'GET', '/healthz')).status, 200, 'still serving');
});

test('the admin token: right one only, whatever the length or prefix of a wrong one', async () => {
  const path = '/api/v1/usage';
  assert.equal((await raw(plain.base, 'GET', path, { Authorization: 'Bearer sandbox-admin' })).status, 200);
  for (const t of ['', 's', 'sandbox-admi', 'sandbox-admin2', 'Sandbox-admin', 'x'.repeat(5000), ' sandbox-admin']) {
    const r = await raw(plain.base, 'GET', path, { Authorization: `Bearer ${t}` });
    assert.equal(r.status, 401, JSON.stringify(t));
    assert.equal(r.json.error.code, 'UNAUTHORIZED');
    assert.equal(r.headers['www-authenticate'], 'Bearer');
  }
});

test('response headers: nosniff, a referrer policy that keeps the origin, a CSP that allows only us and wasm', async () => {
  for (const path of ['/', '/app.js', '/sdk/dist/nv.js', '/sdk/dist/nv-core.wasm', '/api/v1/config', '/healthz', '/nope']) {
    const r = await raw(plain.base, 'GET', path);
    assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
    // China Mobile's gateway checks the page's origin/referer: send the origin across origins, never the URL.
    assert.equal(r.headers['referrer-policy'], 'strict-origin-when-cross-origin', path);
    const csp = r.headers['content-security-policy'];
    assert.match(csp, /default-src 'self'/, path);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/, path);
  }
  const api = await raw(plain.base, 'GET', '/api/v1/config');
  assert.equal(api.headers['cache-control'], 'no-store');
});

test('no response, log line or metric carries the master secret or a full phone number', async () => {
  const p = '13912345678';
  const id = await device(plain.base, { phone: p, network: 'cellular' });
  await verify(plain.base, { phone: p, token: await freshToken(plain.base, id, 'CM') });
  await verify(plain.base, { phone: p, token: 'bogus' });
  await call(plain.base, 'POST', '/api/v1/sms/send', { body: { phone: p } });
  const seen = [];
  for (const path of ['/metrics', '/healthz', '/api/v1/config']) seen.push((await call(plain.base, 'GET', path)).text);
  seen.push(...plain.lines, ...open.lines);
  for (const text of seen) {
    assert.ok(!text.includes(SANDBOX_SECRET), `master secret in: ${text.slice(0, 200)}`);
    assert.ok(!text.includes(p), `full number in: ${text.slice(0, 200)}`);
  }
  assert.ok(plain.lines.some((l) => l.includes('139****5678')), 'the log shows the masked number');
});
