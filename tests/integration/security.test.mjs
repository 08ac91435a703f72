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
  assert.equal((await raw(plain.base, 'GET', '/api/v1/config', { Origin: PARTNER })).status, 403, 'no partner by default');
  assert.equal((await raw(plain.base, 'GET', '/api/v1/config')).status, 200, 'no Origin: not a browser call');
  // Static files stay public: a partner page may load the SDK from us.
  assert.equal((await raw(plain.base, 'GET', '/sdk/dist/nv.js', { Origin: 'https://evil.example' })).status, 200);
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
