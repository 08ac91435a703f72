// Scale-out: several nv-server processes sharing one real redis-server (started here on a free loopback port and
// stopped by PID). Quotas hold across instances, usage is right whichever instance answers, a kill -9 loses
// nothing that was acknowledged (SQLite and Redis), and a Redis outage is a clear 503 that heals by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  call, device, freePort, freshToken, scratchDir, startCluster, startRedis, startSentinel, startServer, verify, writeConfig,
} from './harness.mjs';

const ADMIN = { Authorization: 'Bearer sandbox-admin' };
let seq = 0;
function phone() { return `139${String(20_000_000 + 7907 * ++seq).slice(-8)}`; }  // CM segment
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

// The sandbox vendor's own limits are off in these tests: only nv-server's quotas are under test.
const NO_VENDOR_LIMITS = { numberIntervalSec: 0, numberDaily: 0, appDaily: 0, unusedTokens: 0 };

function vendorBaseOf(server) {
  return server.info.upstream.replace(/\/v2\/web\/h5\/verify$/, '');
}

async function usage(server) {
  const r = await call(server.base, 'GET', '/api/v1/usage', { headers: ADMIN });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function mint(vendor, n) {
  return Promise.all(Array.from({ length: n }, async () => {
    const p = phone();
    const id = await device(vendor.base, { phone: p, network: 'cellular' });
    return { phone: p, id, token: await freshToken(vendor.base, id, 'CM') };
  }));
}

test('two servers on one Redis: per-number and per-appKey limits hold across both; usage agrees', async () => {
  const redis = await startRedis();
  const { dir, cleanup } = scratchDir();
  const daily = writeConfig(dir, {
    quotas: { numberIntervalSec: 0, numberDaily: 3, appDaily: 8, ipLimit: 0 }, sandboxLimits: NO_VENDOR_LIMITS,
  });
  const interval = writeConfig(dir, { quotas: { ipLimit: 0 }, sandboxLimits: NO_VENDOR_LIMITS });
  // a is the sandbox everyone's tokens come from and whose vendor everyone calls; b calls a's vendor.
  const a = await startServer({ args: ['--sandbox', '--config', daily, '--store', redis.url] });
  const vendor = vendorBaseOf(a);
  const b = await startServer({ args: ['--sandbox', '--config', daily, '--store', redis.url, '--upstream', vendor] });
  // c and d: default quotas (30 s per number) on another Redis database.
  const db1 = redis.url.replace(/\/0$/, '/1');
  const c = await startServer({ args: ['--sandbox', '--config', interval, '--store', db1, '--upstream', vendor] });
  const d = await startServer({ args: ['--sandbox', '--config', interval, '--store', db1, '--upstream', vendor] });
  try {
    for (const s of [a, b]) {
      const h = await call(s.base, 'GET', '/healthz');
      assert.equal(h.status, 200);
      assert.equal(h.json.storeKind, 'redis');
    }
    // One number, ten tokens, all at once through both servers: the daily 3 and no more.
    const p = phone();
    const id = await device(a.base, { phone: p, network: 'cellular' });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => freshToken(a.base, id, 'CM')));
    const rs = await Promise.all(tokens.map((t, i) => verify(i % 2 ? a.base : b.base, { phone: p, token: t })));
    const ok = rs.filter((r) => r.status === 200);
    assert.equal(ok.length, 3, rs.map((r) => r.status).join(','));
    for (const r of ok) assert.equal(r.json.verified, true);
    for (const r of rs.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 429, r.text);
      assert.equal(r.json.error.code, 'NUMBER_DAILY_LIMIT');
    }
    // The appKey's 8 a day, 3 spent: ten numbers at once through both, five get through.
    const more = await mint(a, 10);
    const rs2 = await Promise.all(more.map((m, i) => verify(i % 2 ? a.base : b.base, { phone: m.phone, token: m.token })));
    assert.equal(rs2.filter((r) => r.status === 200).length, 5, rs2.map((r) => r.status).join(','));
    for (const r of rs2.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 429, r.text);
      assert.equal(r.json.error.code, 'APP_DAILY_LIMIT');
    }
    // The ledger is shared: either server reports all 8 billed results, as the vendor does.
    assert.equal((await usage(a)).billed, 8);
    assert.equal((await usage(b)).billed, 8);

    // 30 s per number across c and d: of six concurrent verifications of one number, exactly one.
    const q = phone();
    const qid = await device(a.base, { phone: q, network: 'cellular' });
    const qt = await Promise.all(Array.from({ length: 6 }, () => freshToken(a.base, qid, 'CM')));
    const t0 = Date.now();
    const rs3 = await Promise.all(qt.map((t, i) => verify(i % 2 ? c.base : d.base, { phone: q, token: t })));
    // The wait counts down from 30 s from the first success; a slow machine may have spent seconds since.
    const spent = Math.ceil((Date.now() - t0) / 1000);
    assert.equal(rs3.filter((r) => r.status === 200).length, 1, rs3.map((r) => r.status).join(','));
    for (const r of rs3.filter((x) => x.status !== 200)) {
      assert.equal(r.json.error.code, 'TOO_SOON');
      const wait = r.json.error.retryAfterSec;
      // At most 31: a refused request stamped a few ms before the admitted one waits 30 s plus that, rounded up.
      assert.ok(wait >= 29 - spent && wait <= 31, `retryAfterSec ${wait} after ${spent} s`);
    }
    // A token used through c is refused by d.
    const used = qt[rs3.findIndex((r) => r.status === 200)];
    const replay = await verify(d.base, { phone: q, token: used });
    assert.equal(replay.status, 409);
    assert.equal(replay.json.error.code, 'TOKEN_USED');
    assert.equal((await call(a.base, 'GET', '/sandbox/vendor/usage')).json.billed, 9);
  } finally {
    for (const s of [d, c, b, a]) await s.stop();
    await redis.stop();
    cleanup();
  }
});

for (const kind of ['sqlite', 'redis']) {
  test(`kill -9 mid-load, restart: quotas, used tokens and ledger intact (${kind})`, async () => {
    const { dir, cleanup } = scratchDir();
    // The carriers and the vendor live in their own process, which is not killed.
    const cfg = writeConfig(dir, { quotas: { ipLimit: 0 }, sandboxLimits: NO_VENDOR_LIMITS });
    const vendor = await startServer({ args: ['--sandbox', '--config', cfg] });
    const redis = kind === 'redis' ? await startRedis() : null;
    const store = redis ? redis.url : `sqlite:${join(dir, 'nv.db')}`;
    const args = ['--sandbox', '--config', cfg, '--store', store, '--upstream', vendorBaseOf(vendor)];
    const s1 = await startServer({ args });
    try {
      // Each verification waits 40 ms at the vendor, so some are always in flight.
      await call(vendor.base, 'POST', '/sandbox/faults', { body: { target: 'vendor', latencyMs: 40 } });
      const items = await mint(vendor, 60);
      const results = new Array(items.length).fill(null);
      let next = 0;
      let answered = 0;
      let killed = false;
      const worker = async () => {
        while (next < items.length && !killed) {
          const i = next++;
          try {
            results[i] = await verify(s1.base, { phone: items[i].phone, token: items[i].token });
            if (++answered === 20) {
              killed = true;
              s1.kill();  // SIGKILL, with the other workers' requests in flight
            }
          } catch { /* in flight when the process died */ }
        }
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      await call(vendor.base, 'DELETE', '/sandbox/faults');
      const acked = items.filter((_, i) => results[i]?.status === 200);
      assert.ok(acked.length >= 20, `acknowledged ${acked.length}`);
      for (const i of results.keys()) if (results[i]) assert.equal(results[i].json.verified, true, results[i].text);

      const s2 = await startServer({ args });
      try {
        for (const it of acked) {
          // Its token is still known as used ...
          const replay = await verify(s2.base, { phone: it.phone, token: it.token });
          assert.equal(replay.status, 409, replay.text);
          assert.equal(replay.json.error.code, 'TOKEN_USED');
          // ... and its number still inside its 30 s.
          const again = await verify(s2.base, { phone: it.phone, token: await freshToken(vendor.base, it.id, 'CM') });
          assert.equal(again.status, 429, again.text);
          assert.equal(again.json.error.code, 'TOO_SOON');
        }
        // Every acknowledged result is in the ledger; nothing is counted that the vendor did not bill.
        const billed = (await usage(s2)).billed;
        const vendorBilled = (await call(vendor.base, 'GET', '/sandbox/vendor/usage')).json.billed;
        assert.ok(billed >= acked.length, `ledger ${billed} < acknowledged ${acked.length}`);
        assert.ok(billed <= vendorBilled, `ledger ${billed} > vendor ${vendorBilled}`);
      } finally {
        await s2.stop();
      }
    } finally {
      s1.kill();
      await vendor.stop();
      if (redis) await redis.stop();
      cleanup();
    }
  });
}

test('Redis killed mid-load: 503 STORE_UNAVAILABLE, no crash; Redis back: service back, no restart, books whole', async () => {
  const redis = await startRedis();  // append-only, fsync always: a SIGKILL loses no write
  const { dir, cleanup } = scratchDir();
  const cfg = writeConfig(dir, {
    quotas: { numberIntervalSec: 0, numberDaily: 0, ipLimit: 0 }, sandboxLimits: NO_VENDOR_LIMITS,
  });
  const s = await startServer({ args: ['--sandbox', '--config', cfg, '--store', redis.url] });
  try {
    const p = phone();
    const id = await device(s.base, { phone: p, network: 'cellular' });
    const seen = [];  // [phase, status, code]
    let phase = 'before';
    let running = true;
    const worker = async () => {
      while (running) {
        const t = await freshToken(s.base, id, 'CM');
        const started = phase;  // the phase the request was sent in (it may be answered in the next one)
        const r = await verify(s.base, { phone: p, token: t });
        assert.ok(r.json, `not JSON: ${r.text}`);
        seen.push([started, r.status, r.status === 200 ? r.json.code : r.json.error.code, r.json.error?.retryAfterSec]);
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    await sleep(300);
    await redis.kill();
    phase = 'down';
    await sleep(700);
    const down = await call(s.base, 'GET', '/healthz');
    assert.equal(down.status, 503);
    assert.equal(down.json.store, 'failing');
    await redis.start();
    let healthy = false;
    for (let i = 0; i < 100 && !healthy; i++) {
      healthy = (await call(s.base, 'GET', '/healthz')).status === 200;
      if (!healthy) await sleep(50);
    }
    assert.ok(healthy, 'the store came back without a restart');
    phase = 'after';
    await sleep(300);
    running = false;
    await Promise.all(workers);

    const by = (ph, st) => seen.filter(([x, y]) => x === ph && (st === undefined || y === st));
    assert.ok(by('before', 200).length > 0);
    assert.ok(by('down', 503).length > 0, 'the outage was seen');
    for (const [, status, code, retry] of seen) {
      assert.ok(status === 200 || status === 503, `unexpected ${status} ${code}`);
      if (status === 503) {
        assert.equal(code, 'STORE_UNAVAILABLE');
        assert.equal(retry, 5);
      }
    }
    assert.ok(by('after', 200).length > 0, 'service resumed');
    assert.equal(by('after', 503).length, 0, 'no 503 once healthy');
    const metrics = (await call(s.base, 'GET', '/metrics')).text;
    assert.match(metrics, /nv_store_errors_total\{op="admit"\} [1-9]/);
    // Verifications refused during the outage spent nothing; those in flight when Redis died were written
    // when it came back: the ledger equals what the vendor billed.
    const vendorBilled = (await call(s.base, 'GET', '/sandbox/vendor/usage')).json.billed;
    assert.equal((await usage(s)).billed, vendorBilled);
    assert.equal(vendorBilled, seen.filter(([, st]) => st === 200).length);
  } finally {
    await s.stop();  // exit 0: no crash through it all
    await redis.stop();
    cleanup();
  }
});

test('fail-open is explicit: with --store-fail-open a dead store lets verifications through, counted', async () => {
  const redis = await startRedis();
  await redis.kill();  // a Redis that is not there
  const closed = await startServer({ args: ['--sandbox', '--store', redis.url] });
  const open = await startServer({ args: ['--sandbox', '--store', redis.url, '--store-fail-open'] });
  try {
    for (const [s, failOpen] of [[closed, false], [open, true]]) {
      const h = await call(s.base, 'GET', '/healthz');
      assert.equal(h.status, 503);
      assert.equal(h.json.storeFailOpen, failOpen);
      const p = phone();
      const id = await device(s.base, { phone: p, network: 'cellular' });
      const r = await verify(s.base, { phone: p, token: await freshToken(s.base, id, 'CM') });
      if (failOpen) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.verified, true);
        assert.match((await call(s.base, 'GET', '/metrics')).text, /nv_store_fail_open_total 1/);
      } else {
        assert.equal(r.status, 503, r.text);
        assert.equal(r.json.error.code, 'STORE_UNAVAILABLE');
        assert.match(r.json.error.message, /quota store/);
      }
    }
    // Neither logged the store's password-free URL wrongly, and the fail-open one said what it did.
    assert.ok(open.lines.some((l) => l.includes('fail-open')));
  } finally {
    await open.stop();
    await closed.stop();
    await redis.stop();
  }
});

test('Redis AUTH from NV_REDIS_PASSWORD (or the URL); the password is never printed', async () => {
  const secret = 'redis-pass-7f3a9c';
  const redis = await startRedis({ args: ['--requirepass', secret] });
  const withEnv = await startServer({ args: ['--sandbox', '--store', redis.url], env: { NV_REDIS_PASSWORD: secret } });
  const inUrl = await startServer({ args: ['--sandbox', '--store', redis.url.replace('redis://', `redis://:${secret}@`)] });
  const without = await startServer({ args: ['--sandbox', '--store', redis.url] });
  try {
    assert.equal((await call(withEnv.base, 'GET', '/healthz')).status, 200);
    assert.equal((await call(inUrl.base, 'GET', '/healthz')).status, 200);
    const h = await call(without.base, 'GET', '/healthz');
    assert.equal(h.status, 503);
    const p = phone();
    const id = await device(without.base, { phone: p, network: 'cellular' });
    const r = await verify(without.base, { phone: p, token: await freshToken(without.base, id, 'CM') });
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'STORE_UNAVAILABLE');
    assert.ok(without.lines.some((l) => l.includes('requires a password')), 'the log says why');
    for (const s of [withEnv, inUrl, without]) {
      for (const line of s.lines) assert.ok(!line.includes(secret), `password in a log line: ${line}`);
    }
    assert.ok(inUrl.lines.some((l) => l.includes('redis://:***@127.0.0.1')), 'the URL is logged redacted');
  } finally {
    for (const s of [without, inUrl, withEnv]) await s.stop();
    await redis.stop();
  }
});

// Four clients verify against `s` without pause while `kill()` takes the store's master down, until 200 has been
// answered again for a second (at most 30 s); a prober reads /healthz every 100 ms. Asserts what every failover
// must keep: only 200 or 503 STORE_UNAVAILABLE, the outage seen, /healthz 200 after, and every token answered 200
// still refused as used. Returns the time to 200 again and the counts, for the log.
async function failoverUnderLoad(s, kill) {
  const p = phone();
  const id = await device(s.base, { phone: p, network: 'cellular' });
  const answered = [];  // tokens answered 200
  const seen = [];      // [after the kill?, status, code]
  const health = [];    // [after the kill?, status]
  let killedAt = 0;
  let backAt = 0;
  let running = true;
  const worker = async () => {
    while (running) {
      const t = await freshToken(s.base, id, 'CM');
      const after = killedAt > 0;  // sent after the kill
      const r = await verify(s.base, { phone: p, token: t });
      seen.push([after, r.status, r.status === 200 ? r.json.code : r.json.error?.code]);
      if (r.status === 200) {
        answered.push(t);
        if (after && !backAt) backAt = Date.now();
      } else {
        await sleep(50);
      }
    }
  };
  const prober = async () => {
    while (running) {
      health.push([killedAt > 0, (await call(s.base, 'GET', '/healthz')).status]);
      await sleep(100);
    }
  };
  const workers = [...Array.from({ length: 4 }, worker), prober()];
  await sleep(500);
  await kill();
  killedAt = Date.now();
  for (let i = 0; i < 600 && !(backAt && Date.now() - backAt > 1000); i++) await sleep(50);
  running = false;
  await Promise.all(workers);
  assert.ok(backAt, `service never came back: ${JSON.stringify(seen.slice(-5))}`);
  const others = seen.filter(([, st, code]) => !(st === 200 || (st === 503 && code === 'STORE_UNAVAILABLE')));
  assert.deepEqual(others, [], 'only 200 or 503 STORE_UNAVAILABLE');
  assert.ok(seen.some(([after, st]) => after && st === 503), 'the outage was seen');
  assert.ok(health.every(([, st]) => st === 200 || st === 503), JSON.stringify(health));
  const h = await call(s.base, 'GET', '/healthz');
  assert.equal(h.status, 200, h.text);
  let lost = 0;
  for (const t of answered) {
    const r = await verify(s.base, { phone: p, token: t });
    if (r.json.error?.code !== 'TOKEN_USED') lost++;
  }
  assert.equal(lost, 0, `${lost} of ${answered.length} answered tokens passed again`);
  return {
    backMs: backAt - killedAt, answered: answered.length,
    refused: seen.filter(([after, st]) => after && st === 503).length,
    unready: health.filter(([after, st]) => after && st === 503).length,
  };
}

// The issue's finding, at the HTTP level: against a real Redis Cluster (three masters, a replica each), an
// instance given one node as redis:// fails every verification (503 STORE_UNAVAILABLE) unless that node owns the
// appKey's slot, and /healthz says so (503), where it used to answer 200 "ok" (it sent PING). Given the same node
// as redis-cluster://, every instance verifies and is ready: the rest of the cluster is learned from it.
test('Redis Cluster: redis:// to one node is 503 (and /healthz 503) off the slot\'s owner; redis-cluster:// to any node verifies', async () => {
  const cluster = await startCluster();
  const servers = [];
  try {
    const { dir, cleanup } = scratchDir();
    const cfg = writeConfig(dir, { quotas: { ipLimit: 0 }, sandboxLimits: NO_VENDOR_LIMITS });
    const results = [];
    for (const n of cluster.nodes) {
      for (const url of [`redis://127.0.0.1:${n.port}/0`, `redis-cluster://127.0.0.1:${n.port}`]) {
        const s = await startServer({ args: ['--sandbox', '--config', cfg, '--store', url] });
        servers.push(s);
        let health = await call(s.base, 'GET', '/healthz');
        // redis-cluster://: ready within a few seconds (under ASan a new cluster's first WAIT can miss its 100 ms).
        for (let i = 0; i < 50 && url.startsWith('redis-cluster://') && health.status !== 200; i++) {
          await sleep(100);
          health = await call(s.base, 'GET', '/healthz');
        }
        const p = phone();
        const id = await device(s.base, { phone: p, network: 'cellular' });
        const r = await verify(s.base, { phone: p, token: await freshToken(s.base, id, 'CM') });
        const metrics = (await call(s.base, 'GET', '/metrics')).text;
        results.push({ url, health: health.status, store: health.json.store, verify: r.status, code: r.json.code ?? r.json.error?.code,
          redirects: /^nv_redis_redirects_total\{kind="moved"\} \d+$/m.test(metrics) });
      }
    }
    cleanup();
    const single = results.filter((x) => x.url.startsWith('redis://'));
    assert.equal(single.filter((x) => x.verify === 200).length, 1, JSON.stringify(single));  // of six nodes
    for (const x of single) {
      if (x.verify === 200) {
        assert.deepEqual([x.health, x.store], [200, 'ok'], JSON.stringify(x));
      } else {
        assert.deepEqual([x.verify, x.code, x.health, x.store], [503, 'STORE_UNAVAILABLE', 503, 'failing'], JSON.stringify(x));
      }
    }
    for (const x of results.filter((r) => r.url.startsWith('redis-cluster://'))) {
      // The redirections followed are in /metrics (nv_redis_redirects_total{kind}), only for a Cluster store.
      assert.deepEqual([x.verify, x.health, x.store, x.redirects], [200, 200, 'ok', true], JSON.stringify(x));
    }
    assert.ok(single.every((x) => !x.redirects), 'no redirect series for redis://');
  } finally {
    await Promise.all(servers.map((s) => s.stop()));  // each takes a few seconds (keep-alive): all at once
    await cluster.stop();
  }
});

// Cluster failover at the HTTP level: nv-server on redis-cluster://; the master that owns the appKey's slot is
// killed (-9) under load. Its replica is promoted by the cluster; meanwhile only 200 or 503 STORE_UNAVAILABLE,
// /healthz 503 while no master serves the slot and 200 after; every token answered 200 is still refused as used
// (writes WAIT for the replica: redis.waitReplicas defaults to 1 with Cluster).
test('Redis Cluster: kill -9 of the slot\'s master under load: the replica takes over, /healthz 503 then 200, no answered token lost', async () => {
  const cluster = await startCluster();
  let s = null;
  try {
    const { dir, cleanup } = scratchDir();
    const cfg = writeConfig(dir, { quotas: { numberIntervalSec: 0, numberDaily: 0, appDaily: 0, ipLimit: 0 },
      sandboxLimits: NO_VENDOR_LIMITS });
    s = await startServer({ args: ['--sandbox', '--config', cfg, '--store', cluster.url] });
    cleanup();
    // Ready within a few seconds (a new cluster under a slow build, ASan, can miss its first WAIT's 100 ms).
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await call(s.base, 'GET', '/healthz')).status;
      if (ready !== 200) await sleep(100);
    }
    assert.equal(ready, 200);
    // The probe's key (nv:{appKey}:h) names the slot: find the master holding it.
    const probeKey = cluster.nodes.map((n) => n.cli('--scan', '--pattern', 'nv:*:h')).find((k) => k);
    const owner = cluster.owner(probeKey);
    assert.ok(owner, `no master holds ${probeKey}`);
    const r = await failoverUnderLoad(s, () => owner.kill());
    assert.ok(r.unready > 0, '/healthz said 503 while no master served the slot');
    process.stderr.write(`cluster failover over HTTP: 200 again ${r.backMs} ms after kill -9 of the slot's master; ` +
      `${r.refused} answers 503 and ${r.unready} /healthz 503 meanwhile; ${r.answered} tokens answered, 0 lost\n`);
  } finally {
    if (s) await s.stop();
    await cluster.stop();
  }
});

// Sentinel at the HTTP level: one primary, one replica, three sentinels; nv-server on redis-sentinel://. The
// primary is killed (-9) under load: the sentinels promote the replica, nv-server follows within the failover
// time plus a few seconds, answering only 200 or 503 STORE_UNAVAILABLE meanwhile; afterwards every token that
// was answered 200 is still refused as used (redis.waitReplicas: the default 1 with Sentinel).
test('Redis Sentinel: kill -9 of the master under load: followed, only 200 or 503 meanwhile, no answered token lost', async () => {
  const primary = await startRedis({ appendonly: false });
  const replica = await startRedis({ appendonly: false, args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  const sentinels = [];
  let s = null;
  try {
    for (let i = 0; i < 3; i++) sentinels.push(await startSentinel(primary.port, 'nvmaster'));
    // Ready: the replica in sync, and every sentinel knows it and the other two.
    for (let i = 0; i < 600; i++) {
      const ok = replica.cli('INFO', 'replication').includes('master_link_status:up') && sentinels.every((x) =>
        x.cli('SENTINEL', 'replicas', 'nvmaster').includes('127.0.0.1') &&
        x.cli('SENTINEL', 'sentinels', 'nvmaster').split('\n').filter((l) => l === 'runid').length === 2);
      if (ok) break;
      await sleep(50);
    }
    const { dir, cleanup } = scratchDir();
    const cfg = writeConfig(dir, { quotas: { numberIntervalSec: 0, numberDaily: 0, appDaily: 0, ipLimit: 0 },
      sandboxLimits: NO_VENDOR_LIMITS });
    const url = `redis-sentinel://${sentinels.map((x) => `127.0.0.1:${x.port}`).join(',')}/nvmaster`;
    s = await startServer({ args: ['--sandbox', '--config', cfg, '--store', url] });
    cleanup();
    assert.equal((await call(s.base, 'GET', '/healthz')).status, 200);
    const r = await failoverUnderLoad(s, () => primary.kill());
    assert.match(replica.cli('ROLE'), /^master/);
    process.stderr.write(`sentinel failover over HTTP: 200 again ${r.backMs} ms after kill -9; ` +
      `${r.refused} answers 503 meanwhile; ${r.answered} tokens answered, 0 lost\n`);
  } finally {
    if (s) await s.stop();
    for (const x of sentinels) await x.stop();
    await replica.stop();
    await primary.stop();
  }
});
