// The soak under faults (issue 6): nv-server --sandbox on loopback, driven at a steady rate of verifications
// (each: a fresh carrier token from the sandbox gateway, then POST /api/v1/verify) while the sandbox vendor
// injects faults: 5% HTTP 503, 5% slower than the server's upstream timeout, 1% malformed JSON, 1% dropped
// connections. Bounded: NV_SOAK_SECONDS (default 60, at most 120) at NV_SOAK_RATE verifications/s (default 150).
//
// Afterwards it checks, and exits non-zero if any fails:
//   - the server is alive (healthz 200) and stops cleanly (exit 0);
//   - every answer was JSON with a documented code (docs/error-codes.md) and an expected status;
//   - RSS grew by at most RSS_BOUND_MB between the end of the warm-up and the end of the run;
//   - the usage ledger equals what the sandbox vendor billed, less the answers it sent after a delay the server
//     had already given up on (504): nothing double-counted, nothing lost; and it equals the 200s we received.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir, startServer, writeConfig } from '../integration/harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SECONDS = Math.min(120, Number(process.env.NV_SOAK_SECONDS || 60));
const RATE = Number(process.env.NV_SOAK_RATE || 150);
const WARMUP = 5;
const RSS_BOUND_MB = 64;
const UPSTREAM_TIMEOUT_MS = 300;

const documented = new Set([...readFileSync(join(root, 'docs/error-codes.md'), 'utf8').matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });

function request(base, method, path, body, headers = {}) {
  return new Promise((resolve) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const req = http.request(base + path, {
      method, agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', (e) => resolve({ status: 0, text: String(e) }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolve({ status: 0, text: String(e) }));
    req.end(data);
  });
}

function rssMb(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return m ? Number(m[1]) / 1024 : NaN;
}

const { dir, cleanup } = scratchDir();
const cfg = writeConfig(dir, {
  quotas: { numberIntervalSec: 0, numberDaily: 0, appDaily: 0, ipLimit: 0 },
  sandboxLimits: { numberIntervalSec: 0, numberDaily: 0, appDaily: 0, unusedTokens: 0 },
  upstream: { timeoutMs: UPSTREAM_TIMEOUT_MS },
});
const server = await startServer({ args: ['--sandbox', '--config', cfg] });
const base = server.base;
const failures = [];
const tally = new Map();  // "status code" -> count
let sent = 0, malformed = 0, undocumented = 0, transport = 0, ok200 = 0, okAll = 0;
let inflight = 0;

try {
  // 200 simulated phones (China Mobile numbers), one device each.
  const devices = [];
  for (let i = 0; i < 200; i++) {
    const phone = `1390${String(1_000_000 + i * 37).slice(-7)}`;
    const r = await request(base, 'POST', '/sandbox/devices', { phone, network: 'cellular' });
    devices.push({ phone, id: JSON.parse(r.text).deviceId });
  }
  for (const f of [{ status: 503, probability: 0.05 }, { latencyMs: 3 * UPSTREAM_TIMEOUT_MS, probability: 0.05 },
    { malformed: true, probability: 0.01 }, { drop: true, probability: 0.01 }]) {
    const r = await request(base, 'POST', '/sandbox/faults', { target: 'vendor', ...f });
    if (r.status !== 201) throw new Error(`fault: ${r.status} ${r.text}`);
  }

  const journey = async (n, record) => {
    const d = devices[n % devices.length];
    const t = await request(base, 'POST', '/sandbox/carriers/CM/token', undefined, { 'X-Sandbox-Device': d.id });
    if (t.status !== 200) { failures.push(`token: ${t.status} ${t.text.slice(0, 200)}`); return; }
    const r = await request(base, 'POST', '/api/v1/verify', { phone: d.phone, token: JSON.parse(t.text).token });
    if (r.status === 200) okAll++;
    if (!record) return;
    sent++;
    if (r.status === 0) { transport++; failures.push(`no answer: ${r.text}`); return; }
    let j;
    try { j = JSON.parse(r.text); } catch { malformed++; failures.push(`not JSON (${r.status}): ${r.text.slice(0, 200)}`); return; }
    const code = r.status === 200 ? j.code : j.error?.code;
    if (!documented.has(code)) { undocumented++; failures.push(`undocumented code ${code} (${r.status})`); }
    if (r.status === 200) ok200++;
    const key = `${r.status} ${code}`;
    tally.set(key, (tally.get(key) || 0) + 1);
  };

  // A steady rate: one journey every 1000/RATE ms, whatever the answers' latency (an open-loop load).
  const drive = async (seconds, record) => {
    const pending = new Set();
    const start = Date.now();
    for (let n = 0; n < seconds * RATE; n++) {
      const due = start + (n * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      inflight++;
      const p = journey(n, record).finally(() => { inflight--; pending.delete(p); });
      pending.add(p);
    }
    await Promise.all(pending);
  };

  await drive(WARMUP, false);
  const rssBefore = rssMb(server.pid);
  const started = Date.now();
  await drive(SECONDS, true);
  const elapsed = (Date.now() - started) / 1000;
  const rssAfter = rssMb(server.pid);

  const health = await request(base, 'GET', '/healthz');
  if (health.status !== 200) failures.push(`healthz ${health.status} after the run`);
  const usage = JSON.parse((await request(base, 'GET', '/api/v1/usage', undefined, { Authorization: 'Bearer sandbox-admin' })).text);
  const vendor = JSON.parse((await request(base, 'GET', '/sandbox/vendor/usage')).text);

  // Warm-up verifications are in both books too: compare totals, and the run's own 200s separately.
  const expectedLedger = vendor.billed - vendor.billedAfterDelay;
  if (usage.billed !== expectedLedger) {
    failures.push(`ledger ${usage.billed} != vendor billed ${vendor.billed} - billed after the timeout ${vendor.billedAfterDelay}`);
  }
  if (usage.billed !== okAll) failures.push(`ledger ${usage.billed} != the ${okAll} verified answers we received`);
  if (rssAfter - rssBefore > RSS_BOUND_MB) failures.push(`RSS grew ${(rssAfter - rssBefore).toFixed(1)} MB (bound ${RSS_BOUND_MB} MB)`);

  const rows = [...tally.entries()].sort((a, b) => b[1] - a[1]);
  console.log(`soak: ${sent} verifications in ${elapsed.toFixed(1)} s (${(sent / elapsed).toFixed(0)}/s target ${RATE}/s), ` +
    `faults: 5% 503, 5% slow (${3 * UPSTREAM_TIMEOUT_MS} ms > timeout ${UPSTREAM_TIMEOUT_MS} ms), 1% malformed, 1% dropped`);
  console.log('answers (status code count share):');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(32)} ${String(v).padStart(7)}  ${(100 * v / sent).toFixed(2)}%`);
  console.log(`not JSON: ${malformed}; undocumented codes: ${undocumented}; no answer: ${transport}`);
  console.log(`RSS: ${rssBefore.toFixed(1)} MB after warm-up -> ${rssAfter.toFixed(1)} MB after the run ` +
    `(+${(rssAfter - rssBefore).toFixed(1)} MB; bound +${RSS_BOUND_MB} MB)`);
  console.log(`ledger: ${usage.billed} billed (${JSON.stringify(usage.byCode)}); vendor: ${vendor.billed} billed, ` +
    `${vendor.billedAfterDelay} of them after the server's timeout (${vendor.delayedRequests} delayed) -> expected ${expectedLedger}: ` +
    `${usage.billed === expectedLedger ? 'equal' : 'MISMATCH'}; 200 answers received (warm-up included): ${okAll}`);
  console.log(`server alive: healthz ${health.status}`);
} catch (e) {
  failures.push(String(e.stack || e));
} finally {
  try {
    await server.stop();  // throws unless it exits 0
  } catch (e) {
    failures.push(String(e));
  }
  cleanup();
}
if (failures.length) {
  console.log(`soak: FAILED (${failures.length} problems); first ones:`);
  for (const f of failures.slice(0, 10)) console.log(`  ${f}`);
  process.exit(1);
}
console.log('soak: passed');
