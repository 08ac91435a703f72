// The production shape, for real: scripts/stack.sh brings up nginx (the shipped template), two nv-server
// instances and one redis-server on free loopback ports, and these tests go through the front as a browser or
// curl would: the journey over HTTP and over verified TLS with HTTP/2, the balancing and the shared store, the
// client IP as nv-server sees it, nginx's bounds and per-IP limits with their JSON errors, compression, the SMS
// fallback across instances, and a clean stop. The shipped unit and alert rules are checked by their tools.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { connect as http2Connect } from 'node:http2';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { freePort, scratchDir, startStack, transcript, within } from './harness.mjs';

const root = new URL('../../', import.meta.url).pathname;
let stack;

// Every wait is bounded, so that a hang fails the case it is in, by name, and the rest still run (the file's
// CTest timeout is 300 s; the whole file takes about 40 s).
const CASE_MS = 90_000;
const ANSWER_MS = 30_000;  // over the front's proxy_read_timeout (20 s): nginx answers 504 before this
const test = (name, fn) => nodeTest(name, { timeout: CASE_MS }, fn);
before(async () => { stack = await startStack(); }, { timeout: CASE_MS });
after(async () => { if (stack) await stack.stop(); }, { timeout: CASE_MS });

// One request with exactly these headers, from `localAddress` (another loopback address is another client IP).
function send(base, method, path, { headers = {}, body, localAddress, ca } = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method, headers: body ? { 'Content-Type': 'application/json', ...headers } : headers, localAddress, ca,
      agent: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const buf = Buffer.concat(chunks);
        transcript.push(buf.toString());
        let json = null;
        try { json = JSON.parse(buf.toString()); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: buf, json });
      });
    });
    req.setTimeout(ANSWER_MS, () => req.destroy(new Error(`${method} ${path}: no answer in ${ANSWER_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
  });
}

// The instance ("a" or "b") that logged the request, and its line (written just after the answer).
async function logged(requestId) {
  for (let i = 0; i < 100; i++) {
    for (const name of ['a', 'b']) {
      const line = stack.logs(`nv-${name}.log`).split('\n').find((l) => l.includes(`"requestId":"${requestId}"`));
      if (line) return { name, line };
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`request ${requestId} is in neither instance's log`);
}

let nextNumber = 13800000000;
async function journey(base, opts = {}) {
  const phone = String(nextNumber++);
  const d = await send(base, 'POST', '/sandbox/devices', { ...opts, body: { phone, network: 'cellular' } });
  assert.equal(d.status, 201, d.body.toString());
  const t = await send(base, 'POST', '/sandbox/carriers/CM/token', { ...opts, headers: { 'X-Sandbox-Device': d.json.deviceId } });
  assert.equal(t.status, 200, t.body.toString());
  const v = await send(base, 'POST', '/api/v1/verify', { ...opts, body: { phone, token: t.json.token } });
  return { phone, device: d.json.deviceId, token: t.json.token, verify: v };
}

test('the journey through the front, over HTTP and over verified TLS; both instances serve it', async () => {
  const seen = new Set();
  for (let i = 0; i < 6; i++) {
    const { verify } = await journey(i % 2 ? stack.tlsBase : stack.base, { ca: stack.ca });
    assert.equal(verify.status, 200, verify.body.toString());
    assert.equal(verify.json.verified, true);
    seen.add(verify.json.requestId);
  }
  assert.equal(seen.size, 6);
  const count = (name) => (stack.logs(name).match(/"path":"\/api\/v1\/verify"/g) || []).length;
  assert.ok(count('nv-a.log') >= 1 && count('nv-b.log') >= 1, `a: ${count('nv-a.log')}, b: ${count('nv-b.log')}`);
  // TLS is verified against the stack's CA: without it, the certificate is refused.
  await assert.rejects(send(stack.tlsBase, 'GET', '/healthz'), /self[- ]signed|unable to verify|certificate/i);
});

test('HTTP/2 over TLS, with the bundle compressed on the wire', async () => {
  const session = http2Connect(stack.tlsBase, { ca: stack.ca });
  try {
    const get = (path, headers = {}) => new Promise((resolve, reject) => {
      const s = session.request({ ':path': path, ...headers });
      const chunks = [];
      let head;
      s.on('response', (h) => { head = h; });
      s.on('data', (c) => chunks.push(c));
      s.on('end', () => resolve({ head, body: Buffer.concat(chunks) }));
      s.on('error', reject);
    });
    const wasm = await get('/sdk/dist/nv-core.wasm', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(wasm.head[':status'], 200);
    assert.equal(wasm.head['content-encoding'], 'br');
    assert.equal(wasm.head['content-type'], 'application/wasm');
    const raw = readFileSync(join(root, 'web/dist/nv-core.wasm'));
    assert.deepEqual(brotliDecompressSync(wasm.body), raw);
    assert.ok(wasm.body.length < raw.length * 0.5, `${wasm.body.length} of ${raw.length} bytes`);
    assert.match(wasm.head['strict-transport-security'], /max-age=/);
    // Revalidation through the front.
    const again = await get('/sdk/dist/nv-core.wasm', { 'accept-encoding': 'br', 'if-none-match': wasm.head.etag });
    assert.equal(again.head[':status'], 304);
    // The demo's files and the API's JSON are compressed too.
    const page = await get('/app.js', { 'accept-encoding': 'br' });
    assert.equal(page.head[':status'], 200);
    assert.ok(['br', 'gzip'].includes(page.head['content-encoding']), page.head['content-encoding']);
  } finally {
    session.close();
  }
  // curl negotiates HTTP/2 as well (ALPN), verifying the certificate.
  const v = execFileSync('curl', ['-s', '--http2', '--cacert', join(stack.dir, 'tls/ca.pem'), '-o', '/dev/null',
    '-w', '%{http_version}', `${stack.tlsBase}/healthz`], { encoding: 'utf8' });
  assert.equal(v, '2');
});

test('one store behind both instances: a number re-verified within 30 s is refused whichever answers', async () => {
  const first = await journey(stack.base);
  assert.equal(first.verify.status, 200);
  const answers = [];
  for (let i = 0; i < 4; i++) {
    const t = await send(stack.base, 'POST', '/sandbox/carriers/CM/token', { headers: { 'X-Sandbox-Device': first.device } });
    const v = await send(stack.base, 'POST', '/api/v1/verify', { body: { phone: first.phone, token: t.json.token } });
    answers.push(v.status === 429 && v.json.error.code);
  }
  assert.deepEqual(answers, ['TOO_SOON', 'TOO_SOON', 'TOO_SOON', 'TOO_SOON']);
  // A token used through one instance is refused by the other (the replay guard is shared).
  const replay = await Promise.all([0, 1].map(() => send(stack.base, 'POST', '/api/v1/verify',
    { body: { phone: first.phone, token: first.token } })));
  for (const r of replay) assert.equal(r.json.error.code, 'TOKEN_USED');
});

test('nv-server sees the client IP the front saw, never one the client claims', async () => {
  const r = await send(stack.base, 'POST', '/api/v1/sms/check', {
    localAddress: '127.0.0.7', headers: { 'X-Forwarded-For': '6.6.6.6' }, body: { phone: '13700000007', code: '123456' },
  });
  assert.equal(r.status, 400);
  const { line } = await logged(r.json.requestId);
  assert.equal(JSON.parse(line).ip, '127.0.0.7');
});

test('nginx bounds bodies, headers and slow clients, with JSON errors in the API\'s shape', async () => {
  const big = await send(stack.base, 'POST', '/api/v1/verify', { body: JSON.stringify({ phone: '1', token: 'x'.repeat(17_000) }) });
  assert.equal(big.status, 413);
  assert.equal(big.json.error.code, 'INPUT_TOO_LARGE');
  // A chunked body: counted as it arrives, refused at the same limit (nv-server never sees it).
  const chunked = await rawExchange(stack.port,
    'POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    `4000\r\n${'x'.repeat(0x4000)}\r\n`.repeat(8));
  assert.match(chunked, /^HTTP\/1\.1 413/);
  assert.match(chunked, /"code":"INPUT_TOO_LARGE"/);
  // A small chunked body is fine: nginx forwards it with a Content-Length.
  const small = await rawExchange(stack.port,
    'POST /api/v1/sms/check HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    '2\r\n{}\r\n0\r\n\r\n');
  assert.match(small, /^HTTP\/1\.1 400/);
  assert.match(small, /"code":"PHONE_EMPTY"/);
  // Too many header bytes: 400 before anything reaches nv-server; zh-CN for a page that asks.
  const headers = {};
  for (let i = 0; i < 40; i++) headers[`x-h${i}`] = 'y'.repeat(4000);
  const flood = await send(stack.base, 'GET', '/healthz', { headers: { 'Accept-Language': 'zh-CN', ...headers } })
    .catch((e) => ({ status: 0, error: e }));
  assert.equal(flood.status, 400);
  assert.equal(flood.json.error.code, 'BAD_REQUEST');
  assert.match(flood.json.error.message, /请求无效/);
  // A header that never finishes is cut after client_header_timeout (5 s).
  const started = Date.now();
  await new Promise((resolve) => {
    const s = netConnect(stack.port, '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('close', resolve);
  });
  const waited = Date.now() - started;
  assert.ok(waited >= 4000 && waited < 8000, `closed after ${waited} ms`);
  // Metrics are scraped from the instances, never served by the front.
  assert.equal((await send(stack.base, 'GET', '/metrics')).status, 404);
});

function rawExchange(port, head, body) {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1', () => { s.write(head); s.write(body, () => {}); });
    let text = '';
    s.on('data', (c) => {
      text += c;
      if (/\r\n\r\n[\s\S]*\}/.test(text)) { s.destroy(); resolve(text); }
    });
    s.on('error', () => {});
    s.on('close', () => resolve(text));
    setTimeout(() => { s.destroy(); resolve(text); }, ANSWER_MS).unref();
  });
}

test('per-IP request limit on /api/: a burst past it gets 429 IP_LIMIT; other clients are not affected', async () => {
  const burst = await Promise.all(Array.from({ length: 120 }, () =>
    send(stack.base, 'GET', '/api/v1/config', { localAddress: '127.0.0.9' })));
  const limited = burst.filter((r) => r.status === 429);
  assert.ok(limited.length > 0, 'some of 120 requests at once are limited');
  assert.ok(burst.filter((r) => r.status === 200).length >= 40, 'the burst allowance is served');
  assert.equal(limited[0].json.error.code, 'IP_LIMIT');
  assert.equal(limited[0].json.error.retryAfterSec, 1);
  assert.equal(limited[0].headers['retry-after'], '1');
  assert.equal((await send(stack.base, 'GET', '/api/v1/config', { localAddress: '127.0.0.10' })).status, 200);

  // Connections: 60 requests in progress from one address (headers sent, bodies pending); past 50, 429.
  const socks = [];
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => new Promise((resolve) => {
    setTimeout(() => {
      const s = netConnect({ port: stack.port, host: '127.0.0.1', localAddress: '127.0.0.11' }, () =>
        s.write('POST /api/v1/sms/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n'));
      socks.push(s);
      let text = '';
      s.on('data', (c) => { text += c; });
      s.on('error', () => {});
      setTimeout(() => resolve(text), 1500);
    }, i * 10);
  })));
  socks.forEach((s) => s.destroy());
  const refused = answers.filter((t) => /^HTTP\/1\.1 429/.test(t));
  assert.ok(refused.length >= 5 && refused.length <= 10, `${refused.length} of 60 refused`);
  assert.match(refused[0], /"code":"IP_LIMIT"/);
});

test('the SMS fallback through either instance lands in the sandbox inbox the demo reads', async () => {
  const phones = [];
  for (let i = 0; i < 4; i++) {
    const phone = String(nextNumber++);
    const d = await send(stack.base, 'POST', '/sandbox/devices', { body: { phone, network: 'wifi' } });
    const sent = await send(stack.base, 'POST', '/api/v1/sms/send', { body: { phone } });
    assert.equal(sent.status, 200, sent.body.toString());
    phones.push({ phone, device: d.json.deviceId, id: sent.json.requestId });
  }
  for (const { phone, device } of phones) {
    const inbox = await send(stack.base, 'GET', `/sandbox/devices/${device}/inbox`);
    assert.equal(inbox.json.messages.length, 1, phone);
    const code = inbox.json.messages[0].code;
    const ok = await send(stack.base, 'POST', '/api/v1/sms/check', { body: { phone, code } });
    assert.equal(ok.json.verified, true);
  }
  const where = [];
  for (const { id } of phones) where.push((await logged(id)).name);
  assert.ok(where.includes('a') && where.includes('b'), `sends were answered by ${where.join(', ')}`);
});

test('the front with an instance down: requests go to the live one; with all down, a JSON 503', async () => {
  // A second nginx from the same template, in front of one live instance (the stack's a) and one dead port.
  const live = Number(stack.output().match(/nv-server a :(\d+)/)[1]);
  const { dir, cleanup } = scratchDir();
  const dead = await freePort();
  const render = (upstreams, port) => {
    const out = join(dir, `nginx-${port}.conf`);
    execFileSync('bash', [join(root, 'server/deploy/render-nginx.sh'), out], { env: { ...process.env,
      NV_NGINX_RUN_DIR: join(dir, `run-${port}`), NV_UPSTREAMS: upstreams, NV_TLS_CERT: join(stack.dir, 'tls/stack.pem'),
      NV_TLS_KEY: join(stack.dir, 'tls/stack.key'), NV_HTTP_LISTEN: `127.0.0.1:${port}`,
      NV_HTTPS_LISTEN: `127.0.0.1:${port + 1}` } });
    const child = spawn('nginx', ['-c', out, '-p', join(dir, `run-${port}`), '-g', 'daemon off;'], { stdio: 'ignore' });
    return child;
  };
  const portOf = async () => { for (;;) { const p = await freePort(); if (p < 65000) return p; } };
  const [p1, p2] = [await portOf(), await portOf()];
  const half = render(`127.0.0.1:${dead} 127.0.0.1:${live}`, p1);
  const none = render(`127.0.0.1:${dead}`, p2);
  let quitted;
  try {
    const up = async (port) => { for (let i = 0; i < 100; i++) { try { return await send(`http://127.0.0.1:${port}`, 'GET', '/healthz'); } catch { await new Promise((r) => setTimeout(r, 50)); } } throw new Error('nginx did not start'); };
    await up(p1);
    for (let i = 0; i < 6; i++) {
      const r = await send(`http://127.0.0.1:${p1}`, 'GET', '/api/v1/config');
      assert.equal(r.status, 200, `request ${i}: ${r.body}`);
    }
    const down = await up(p2);
    assert.equal(down.status, 503);
    assert.equal(down.json.error.code, 'SERVER_ERROR');
    assert.equal(down.json.error.retryAfterSec, 5);
  } finally {
    // A graceful quit, bounded: an nginx that is still up after 20 s is killed and the case fails.
    const quit = async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return true;
      const exit = once(child, 'exit');
      child.kill('SIGQUIT');
      const ok = await within(exit.then(() => true), 20_000, false);
      if (!ok) { child.kill('SIGKILL'); await exit; }
      return ok;
    };
    quitted = await Promise.all([quit(half), quit(none)]);
    cleanup();
  }
  assert.deepEqual(quitted, [true, true], 'both extra nginx processes quit within 20 s of SIGQUIT');
});

// kill -9 of the stack's Redis node `name`, then the journey through the front until it answers 200 again (at most
// 30 s), with nothing but 503 STORE_UNAVAILABLE before; then each instance is ready again by itself.
async function killAndRideOut(ha, name) {
  process.kill(ha.pids[name], 'SIGKILL');
  const killed = Date.now();
  let back = null;
  const seen = new Set();
  while (!back && Date.now() - killed < 30_000) {
    const r = (await journey(ha.base)).verify;
    seen.add(r.status === 200 ? 200 : `${r.status} ${r.json?.error?.code}`);
    if (r.status === 200) back = Date.now() - killed;
    else await new Promise((res) => setTimeout(res, 200));  // 3 requests a round: under the front's 20 r/s per IP
  }
  assert.ok(back !== null, `no 200 within 30 s of the kill: ${[...seen]}`);
  assert.deepEqual([...seen].filter((x) => x !== 200 && x !== '503 STORE_UNAVAILABLE'), []);
  for (const instance of ['a', 'b']) {
    const port = Number(ha.output().match(new RegExp(`nv-server ${instance} :(\\d+)`))[1]);
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await send(`http://127.0.0.1:${port}`, 'GET', '/healthz')).status;
      if (status !== 200) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(status, 200, `instance ${instance}`);
  }
  return { back, seen };
}

// NV_STACK_REDIS=sentinel: the same stack on Redis Sentinel (primary, replica, three sentinels). kill -9 of the
// primary: the journey through the front works again after the sentinels' failover, and the stack keeps running
// and stops cleanly.
test('NV_STACK_REDIS=sentinel: the stack on Redis Sentinel rides out kill -9 of the master', async () => {
  const ha = await startStack({ env: { NV_STACK_REDIS: 'sentinel' } });
  try {
    assert.match(ha.output(), /\(sentinel; store redis-sentinel:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\/nvstack\/0\)/);
    for (const name of ['redis', 'redis-replica', 'sentinel1', 'sentinel2', 'sentinel3']) assert.ok(ha.alive(ha.pids[name]), name);
    assert.equal((await journey(ha.base)).verify.status, 200);
    // Each instance is ready again by itself (its next probe or request after a failure asks the sentinels).
    const { back } = await killAndRideOut(ha, 'redis');
    process.stderr.write(`stack on Sentinel: 200 through the front ${back} ms after kill -9 of the master\n`);
  } finally {
    await ha.stop();  // exit 0, and every process it started (the dead primary included) is gone
  }
});

// NV_STACK_REDIS=cluster: the same stack on a Redis Cluster (three masters with a replica each). kill -9 of the
// master that owns the appKey's slot: its replica takes over, the journey through the front works again, both
// instances are ready again by themselves, and the stack stops cleanly.
test('NV_STACK_REDIS=cluster: the stack on a Redis Cluster rides out kill -9 of the slot\'s master', async () => {
  const ha = await startStack({ env: { NV_STACK_REDIS: 'cluster' } });
  try {
    assert.match(ha.output(), /\(cluster; store redis-cluster:\/\/(127\.0\.0\.1:\d+,){5}127\.0\.0\.1:\d+\)/);
    const nodes = ['cluster1', 'cluster2', 'cluster3', 'cluster4', 'cluster5', 'cluster6'];
    for (const name of nodes) assert.ok(ha.alive(ha.pids[name]), name);
    assert.equal((await journey(ha.base)).verify.status, 200);
    // The readiness probe's key (nv:{appKey}:h) is on the master of the appKey's slot.
    const cli = (name, ...args) => spawnSync('redis-cli', ['-p', String(ha.ports[name]), ...args], { encoding: 'utf8' }).stdout.trim();
    const owner = nodes.find((n) => cli(n, 'ROLE').startsWith('master') && cli(n, '--scan', '--pattern', 'nv:*:h') !== '');
    assert.ok(owner, 'the master holding the probe key');
    const { back, seen } = await killAndRideOut(ha, owner);
    process.stderr.write(`stack on Cluster: 200 through the front ${back} ms after kill -9 of the slot's master (${[...seen].join(', ')})\n`);
  } finally {
    await ha.stop();
  }
});

test('the shipped unit, alert rules and scrape config pass their own tools', () => {
  const deploy = join(root, 'server/deploy');
  const { dir, cleanup } = scratchDir();
  try {
    // systemd-analyze verify needs the binary the unit names: point a copy of the unit at this build's.
    const unit = readFileSync(join(deploy, 'nv-server@.service'), 'utf8')
      .replace('/usr/local/bin/nv-server', process.env.NV_SERVER);
    writeFileSync(join(dir, 'nv-server@8081.service'), unit);
    const v = spawnSync('systemd-analyze', ['verify', join(dir, 'nv-server@8081.service')], { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.equal((v.stdout + v.stderr).trim(), '', 'systemd-analyze has no complaint');
    for (const [args, cwd] of [[['check', 'rules', 'alerts.yml'], 'prometheus'], [['check', 'config', 'prometheus.yml'], 'prometheus'],
      [['test', 'rules', 'alerts.test.yml'], 'prometheus']]) {
      const p = spawnSync('promtool', args, { cwd: join(deploy, cwd), encoding: 'utf8' });
      assert.equal(p.status, 0, `promtool ${args.join(' ')}: ${p.stdout}${p.stderr}`);
    }
    // The environment file holds every secret the unit needs, and nothing is passed on its command line.
    const env = readFileSync(join(deploy, 'nv-server.env.example'), 'utf8');
    for (const k of ['NV_APP_KEY', 'NV_MASTER_SECRET', 'NV_ADMIN_TOKEN', 'NV_STORE', 'NV_REDIS_PASSWORD']) assert.match(env, new RegExp(`^${k}=`, 'm'));
    assert.doesNotMatch(unit, /SECRET|PASSWORD/);
  } finally {
    cleanup();
  }
});
