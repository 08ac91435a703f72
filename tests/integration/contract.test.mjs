// The contract checker itself (contract.mjs) and the document's own rules: server/openapi.yaml is a valid
// OpenAPI 3.0 document, every operation has a unique camelCase operationId and declares its security, every
// response that has a body has a schema; the checker accepts what conforms and refuses, with a clear message,
// a body that does not, an undocumented status, media type or path, and a missing required header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SPEC_FILE, checkResponse, contractCounts, createChecker, validateDocument } from './contract.mjs';

// This file's own deliberate refusals are not integration traffic: keep them out of the suites' report.
delete process.env.NV_CONTRACT_REPORT;

const doc = parse(readFileSync(SPEC_FILE, 'utf8'));
const { check } = createChecker(doc);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const JSON_CT = { 'content-type': 'application/json' };
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] })));

const device = { deviceId: 'dev_5fb86c3e04076005', phone: '13800138000', carrier: 'CM', operator: 'CM',
  network: 'cellular', vpn: false, riskScore: 0 };
const health = { status: 'ok', store: 'ok', storeKind: 'sqlite', storeFailOpen: false, upstreamTlsVerify: true,
  sandbox: true, version: '0.1.0' };
const error = (code, extra = {}) => ({ error: { code, message: 'x' }, requestId: '0123456789abcdef', ...extra });
const ok = (r) => check({ headers: JSON_CT, ...r, text: typeof r.text === 'string' ? r.text : JSON.stringify(r.text) });
const refused = (r, pattern) => assert.throws(() => ok(r), pattern);

test('server/openapi.yaml is a valid OpenAPI 3.0 document', async () => {
  assert.match(await validateDocument(), /^3\.0/);
  assert.match(doc.openapi, /^3\.0\.\d+$/);
});

test('every operation: a unique camelCase operationId and a security declaration; every body has a schema', () => {
  assert.ok(operations.length >= 40, `${operations.length} operations`);
  const ids = new Set();
  const schemes = Object.keys(doc.components.securitySchemes);
  for (const { path, method, op } of operations) {
    const where = `${method.toUpperCase()} ${path}`;
    assert.match(op.operationId ?? '', /^[a-z][a-zA-Z0-9]*$/, `${where}: operationId`);
    assert.ok(!ids.has(op.operationId), `${where}: operationId ${op.operationId} is used twice`);
    ids.add(op.operationId);
    assert.ok(Array.isArray(op.security), `${where}: declares security ([] when public)`);
    for (const req of op.security) {
      for (const name of Object.keys(req)) assert.ok(schemes.includes(name), `${where}: no securityScheme ${name}`);
    }
    for (const [status, r] of Object.entries(op.responses)) {
      const response = r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r;
      assert.ok(response, `${where} ${status}: ${r.$ref} resolves`);
      const media = Object.entries(response.content || {});
      if (status === '204' || status === '304') {
        assert.equal(media.length, 0, `${where} ${status}: no body`);
        continue;
      }
      assert.ok(media.length > 0, `${where} ${status}: declares its media type and schema`);
      for (const [type, m] of media) assert.ok(m.schema, `${where} ${status} ${type}: has a schema`);
    }
  }
  // The admin and backend routes use their bearer schemes, the sandbox vendor Basic auth.
  const byId = Object.fromEntries(operations.map((o) => [o.op.operationId, o.op]));
  assert.deepEqual(byId.getUsage.security, [{ adminBearer: [] }]);
  assert.deepEqual(byId.queryRisk.security, [{ backendToken: [] }]);
  assert.deepEqual(byId.login.security, []);
  assert.deepEqual(byId.getJwks.security, []);
  const { type, scheme } = doc.components.securitySchemes.backendToken;
  assert.deepEqual([type, scheme], ['http', 'bearer']);
});

test('every schema of every response compiles (a conforming body is accepted by each)', () => {
  // Each documented JSON response is compiled by checking a body against it: a schema that does not compile
  // throws something other than the contract's refusal.
  for (const { path, method, op } of operations) {
    const concrete = path.replace(/\{[^}]+\}/g, 'x');
    for (const [status, r] of Object.entries(op.responses)) {
      const response = r.$ref ? doc.components.responses[r.$ref.split('/').pop()] : r;
      for (const type of Object.keys(response.content || {})) {
        if (!/json/.test(type) || /X/.test(status)) continue;
        try {
          check({ method, path: concrete, status: Number(status), headers: { 'content-type': type, allow: 'GET', 'www-authenticate': 'Bearer', location: '/sandbox/devices/x' }, text: '{}' });
        } catch (e) {
          assert.equal(e.code, 'CONTRACT_VIOLATION', `${method} ${path} ${status}: ${e.message}`);
        }
      }
    }
  }
});

test('a conforming response is accepted', () => {
  assert.equal(ok({ method: 'GET', path: '/healthz', status: 200, text: health }).operation, 'getHealth');
  // The Device schema validates a real device (the old allOf with additionalProperties refused deviceId).
  assert.equal(ok({ method: 'GET', path: `/sandbox/devices/${device.deviceId}`, status: 200, text: device }).operation, 'getSandboxDevice');
  assert.equal(ok({ method: 'POST', path: '/sandbox/devices', status: 201, text: device,
    headers: { ...JSON_CT, Location: `/sandbox/devices/${device.deviceId}` } }).operation, 'createSandboxDevice');
  // Templates: one segment, or several for x-nv-multi-segment; the query string is not part of the path.
  assert.equal(ok({ method: 'GET', path: '/sdk/dist/nv.js', status: 200, headers: { 'content-type': 'text/javascript' }, text: 'x' }).operation, 'getSdkFile');
  assert.equal(ok({ method: 'GET', path: '/api/v1/usage?day=2020-01-01', status: 401, text: error('UNAUTHORIZED'),
    headers: { ...JSON_CT, 'WWW-Authenticate': 'Bearer' } }).response, '401');
  assert.equal(ok({ method: 'GET', path: `/sandbox/devices/${device.deviceId}/inbox`, status: 404, text: error('NOT_FOUND', { deviceId: 'x' }) }).operation, 'getSandboxDeviceInbox');
  assert.equal(ok({ method: 'GET', path: '/metrics', status: 200, headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }, text: '# TYPE x counter\n' }).mediaType, 'text/plain');
  assert.equal(ok({ method: 'DELETE', path: '/sandbox/faults', status: 204, headers: {}, text: '' }).response, '204');
  // OpenAPI nullable, and a status range (a fault's HTML page).
  ok({ method: 'GET', path: '/api/v1/usage', status: 200, headers: { ...JSON_CT, 'www-authenticate': 'Bearer' }, text: {
    day: '2026-12-02', timezone: 'Asia/Shanghai', billed: 0, byResult: { consistent: 0, inconsistent: 0 }, byCode: {},
    byVendor: {}, vendorAnswers: 0, estimate: { currency: 'CNY', prepaidVolume: 600000, unitPrice: null, amount: null, note: 'n' } } });
  assert.equal(ok({ method: 'POST', path: '/sandbox/carriers/CM/token', status: 502, headers: { 'content-type': 'text/html' }, text: '<html></html>' }).response, '5XX');
  // What no operation describes may get only x-nv-unrouted's answers.
  assert.equal(ok({ method: 'GET', path: '/api/v1/nothing', status: 404, text: error('NOT_FOUND') }).operation, 'x-nv-unrouted');
  ok({ method: 'GET', path: '/api/v1/verify', status: 405, headers: { ...JSON_CT, Allow: 'POST' }, text: error('METHOD_NOT_ALLOWED') });
  ok({ method: 'OPTIONS', path: '/api/v1/verify', status: 204, headers: {}, text: '' });
  // The new routes (spec-first).
  ok({ method: 'POST', path: '/api/v1/login', status: 200, text: { requestId: 'r', loggedIn: true, result: 'success', operator: 'CM',
    code: 'LOGGED_IN', message: 'm', masked: '138****8000', upstream: { id: '1', code: 8000, content: 'get phone success' },
    assertion: 'aGVhZA.Ym9keQ.c2ln', assertionExpiresInSec: 300 } });
  ok({ method: 'POST', path: '/api/v1/login', status: 200, text: { requestId: 'r', loggedIn: false, result: 'failed', operator: null,
    code: 'LOGIN_FAILED', message: 'm', upstream: { id: '2', code: 8001, content: 'get phone fail' } } });
  ok({ method: 'GET', path: '/.well-known/jwks.json', status: 200, text: { keys: [{ kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43), kid: 'k1', use: 'sig', alg: 'ES256' }] } });
});

test('a body that does not conform is refused, with the request, the errors and the body in the message', () => {
  const extra = { ...device, colour: 'red' };
  assert.throws(() => ok({ method: 'GET', path: '/sandbox/devices/dev_1', status: 200, text: extra }), (e) => {
    assert.equal(e.code, 'CONTRACT_VIOLATION');
    assert.match(e.message, /GET \/sandbox\/devices\/dev_1 -> 200/);
    assert.match(e.message, /getSandboxDevice, response 200/);
    assert.match(e.message, /must NOT have additional properties.*colour/);
    assert.match(e.message, /body: .*dev_5fb86c3e04076005/);
    return true;
  });
  const { deviceId, ...noId } = device;
  refused({ method: 'GET', path: '/sandbox/devices/dev_1', status: 200, text: noId }, /must have required property 'deviceId'/);
  refused({ method: 'GET', path: '/healthz', status: 200, text: { ...health, status: 'fine' } }, /allowed values/);
  refused({ method: 'POST', path: '/api/v1/verify', status: 400, text: { error: { code: 'BAD_JSON' }, requestId: 'r' } }, /required property 'message'/);
  // The body's first 300 characters, no more.
  assert.throws(() => ok({ method: 'GET', path: '/healthz', status: 200, text: { ...health, version: 'v'.repeat(1000), extra: 1 } }),
    (e) => e.message.includes('v'.repeat(100)) && !e.message.includes('v'.repeat(300)) && e.message.endsWith('" ...'));
  refused({ method: 'GET', path: '/healthz', status: 200, text: '{"status":' }, /the body is not JSON/);
  refused({ method: 'GET', path: '/.well-known/jwks.json', status: 200, text: { keys: [{ kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43), kid: 'k1', use: 'sig', alg: 'ES256', d: 'secret' }] } }, /additional properties/);
});

test('an undocumented status, media type, header or path is refused', () => {
  refused({ method: 'GET', path: '/healthz', status: 418, text: health }, /status 418 is not documented for getHealth .*\n {2}documented: 200, 503\n/);
  refused({ method: 'GET', path: '/healthz', status: 200, headers: { 'content-type': 'text/html' }, text: 'x' }, /media type text\/html is not documented/);
  refused({ method: 'GET', path: '/healthz', status: 200, headers: {}, text: 'x' }, /no Content-Type/);
  refused({ method: 'DELETE', path: '/sandbox/faults', status: 204, headers: JSON_CT, text: '{}' }, /declares no body, but one came/);
  refused({ method: 'GET', path: '/api/v1/usage', status: 401, text: error('UNAUTHORIZED') }, /required header WWW-Authenticate is missing/);
  refused({ method: 'GET', path: '/nope', status: 200, text: {} }, /the path \/nope is not documented/);
  refused({ method: 'GET', path: '/sandbox/devices/a/b/c', status: 200, text: device }, /the path .* is not documented/);
  // A method a documented path does not serve: only the unrouted answers (405 only on a documented path).
  refused({ method: 'DELETE', path: '/healthz', status: 200, text: health }, /DELETE is not documented for \/healthz/);
  refused({ method: 'POST', path: '/nope', status: 405, headers: { ...JSON_CT, Allow: 'GET' }, text: error('METHOD_NOT_ALLOWED') }, /not documented/);
  refused({ method: 'GET', path: '/api/v1/verify', status: 204, headers: {}, text: '' }, /GET is not documented/);
});

test('checkResponse counts per process and reports at exit (stderr, and NV_CONTRACT_REPORT)', async () => {
  const before = contractCounts().validated;
  await checkResponse({ method: 'GET', path: '/healthz', status: 200, headers: JSON_CT, text: JSON.stringify(health) });
  await assert.rejects(checkResponse({ method: 'GET', path: '/healthz', status: 500, headers: JSON_CT, text: '{}' }), /not documented/);
  assert.equal(contractCounts().validated, before + 1);

  const dir = mkdtempSync(join(process.env.NV_SCRATCH || tmpdir(), 'nv-contract-'));
  try {
    const report = join(dir, 'report.txt');
    const script = `import { checkResponse } from ${JSON.stringify(new URL('./contract.mjs', import.meta.url).href)};
      await checkResponse({ method: 'GET', path: '/healthz', status: 200, headers: { 'content-type': 'application/json' }, text: ${JSON.stringify(JSON.stringify(health))} });
      await checkResponse({ method: 'DELETE', path: '/sandbox/faults', status: 204, headers: {}, text: '' });`;
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NV_CONTRACT_REPORT: report }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^contract: 2 responses validated against server\/openapi\.yaml$/m);
    }
    assert.deepEqual(readFileSync(report, 'utf8').trim().split('\n').map((l) => l.split(' ')[0]), ['2', '2'], 'appended');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
