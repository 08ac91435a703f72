// The `jverification` provider over a stand-in for the vendor's real Web SDK (tests/e2e/standins/: SDK 2.0.0's
// behaviour, each citing the SDK function it comes from), in headless Chromium, on the topology a partner has:
// the page on its own origin (web/dist served at /nv/), nv-server --sandbox on another, and the vendor and the
// carriers on a third (the stand-ins, whose carrier gateways ask nv-server's sandbox for the device's token).
// Each case prints what the user reads, the advice, the carrier requests and the time from tap to verdict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../integration/harness.mjs';
import { startVendor } from './standins/vendor.mjs';
import { openPhone } from './browser.mjs';

const dist = fileURLToPath(new URL('../../web/dist/', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html' };

let nv;
let vendor;
let site;
const figures = [];

// The partner's page: the vendor's SDK by a <script> tag, as the vendor's guide says, and nv-web from /nv/.
function page() {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>partner</title>
<script src="${vendor.sdk}"></script></head><body><h1>Partner</h1>
<script type="module">
import { createVerifier } from '/nv/nv.js';
window.make = async () => {
  if (window.verifier) window.verifier.destroy();
  window.verifier = await createVerifier({ server: '${nv.base}/api/v1', tokenProvider: 'jverification',
    jverification: { appkey: 'standin-appkey' }, locale: 'en' });
  await window.verifier.ready();
  return true;
};
window.tap = async (phone) => {
  const t0 = performance.now();
  const r = await window.verifier.verify(phone, { consent: true });
  return { ...r, tapToVerdictMs: Math.round(performance.now() - t0) };
};
window.pageReady = true;
</script></body></html>`;
}

before(async () => {
  if (!existsSync(join(dist, 'nv.js'))) throw new Error('build web/dist first (scripts/test.sh does)');
  site = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(page());
    }
    const file = path.startsWith('/nv/') ? join(dist, path.slice(4)) : null;
    if (!file || file.includes('..') || !existsSync(file)) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      return res.end('not found');
    }
    res.writeHead(200, { 'Content-Type': TYPES[file.slice(file.lastIndexOf('.'))] || 'application/octet-stream' });
    return res.end(readFileSync(file));
  });
  site.listen(0, '127.0.0.1');
  await once(site, 'listening');
  const origin = `http://127.0.0.1:${site.address().port}`;
  nv = await startServer({ args: ['--sandbox', '--cors-origin', origin] });
  vendor = await startVendor({ sandbox: nv.base });
  site.origin = origin;
});

after(async () => {
  await vendor.stop();
  await nv.stop();
  site.closeAllConnections();
  site.close();
  console.log(`JV_STANDIN_FIGURES ${JSON.stringify(figures)}`);
  for (const f of figures) {
    console.log(`  ${f.case.padEnd(34)} ${f.code.padEnd(18)} advice ${String(f.advice).padEnd(12)} ` +
      `carrier requests ${f.carrierRequests} (gateways saw ${f.gateways.join(',') || 'none'})  tap->verdict ${f.ms} ms`);
  }
});

async function device(spec) {
  const res = await fetch(`${nv.base}/sandbox/devices`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ network: 'cellular', ...spec }) });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).deviceId;
}

// A fresh phone on the partner's page, the verifier made (the SDK started), and the vendor's state reset.
async function openPage({ connection = 'cellular4g', init = 'ok' } = {}) {
  Object.assign(vendor.state, { init, hang: {}, refuse: {}, requests: [], inits: 0 });
  const b = await openPhone();
  await b.connection(connection);
  await b.page.goto(`${site.origin}/`);
  await b.page.waitForFunction(() => window.pageReady === true);
  await b.page.evaluate(() => window.make());
  return b;
}

async function tap(b, name, phone) {
  vendor.state.requests = [];
  const r = await b.page.evaluate((p) => window.tap(p), phone);
  figures.push({ case: name, code: r.code, advice: r.advice, carrierRequests: r.carrierRequests,
    gateways: [...vendor.state.requests], ms: r.tapToVerdictMs, message: r.message });
  return r;
}

const claims = (jws) => JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString());

test('success: the carrier that answered is the one verified, billed and shown (a ported number)', async () => {
  // A China Mobile segment on a China Unicom SIM: the core asks CM, the SDK tries CM, then CU itself.
  vendor.state.device = await device({ phone: '13800138031', operator: 'CU' });
  const b = await openPage();
  try {
    const r = await tap(b, 'success (ported CM number, CU SIM)', '138 0013 8031');
    assert.equal(r.verified, true, JSON.stringify(r));
    assert.equal(r.operator, 'CU', 'the token came from CU');
    assert.equal(claims(r.assertion).operator, 'CU', 'and the assertion says so');
    assert.equal(r.carrierRequests, 2);
    assert.deepEqual(vendor.state.requests, ['CM', 'CU']);
    assert.match(r.message, /^Verified/);
    // init got the page's origin as domainName (SDK 5.0.0+ needs it), once, when the verifier was made.
    const init = await b.page.evaluate(() => window.JVerificationInterface.lastInitConfig);
    assert.equal(init.domainName, site.origin);
    assert.equal(init.appkey, 'standin-appkey');
    assert.equal(vendor.state.inits, 1);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('a carrier that never answers: a clear reason with SMS, and the next attempt works without a reload', async () => {
  vendor.state.device = await device({ phone: '13800138032' });
  const b = await openPage();
  try {
    vendor.state.hang.CM = true;
    const hung = await tap(b, 'a hanging carrier (CM)', '13800138032');
    assert.equal(hung.result, 'fallback', JSON.stringify(hung));
    assert.equal(hung.code, 'TOKEN_TIMEOUT');
    assert.equal(hung.fallback, 'sms');
    assert.match(hung.message, /did not answer in time; please use an SMS code/);
    assert.ok(hung.tapToVerdictMs >= 7_500 && hung.tapToVerdictMs < 12_000, `the flow's time, not forever: ${hung.tapToVerdictMs}`);
    assert.deepEqual(vendor.state.requests, ['CM'], 'the SDK is stuck on CM: nobody else was asked');
    assert.equal(hung.carrierRequests, 1);
    // The SDK is still busy with CM (its gateway still holds the request). The next tap does not meet 2003: the
    // provider loads the SDK again and starts it before asking.
    vendor.state.hang.CM = false;
    const again = await tap(b, 'the retry after the hang', '13800138032');
    assert.equal(again.verified, true, JSON.stringify(again));
    assert.equal(again.operator, 'CM');
    assert.equal(again.carrierRequests, 1);
    assert.equal(vendor.state.inits, 2, 'a fresh SDK, initialised once more');
    assert.notEqual(again.code, 'TOKEN_IN_PROGRESS');
  } finally {
    vendor.release();
    await b.close();
  }
});

test('VPN: every carrier refuses the source address, the user is told to turn the VPN off', async () => {
  vendor.state.device = await device({ phone: '13800138033', vpn: true });
  const b = await openPage();
  try {
    const r = await tap(b, 'VPN on', '13800138033');
    assert.equal(r.code, 'VPN_SUSPECTED', JSON.stringify(r));
    assert.equal(r.advice, 'turn_off_vpn');
    assert.match(r.message, /VPN/);
    assert.match(r.adviceMessage, /VPN/);
    assert.equal(r.fallback, 'sms');
    assert.equal(r.carrierRequests, 3);
    assert.deepEqual(vendor.state.requests, ['CM', 'CU', 'CT'], 'each carrier once');
  } finally {
    await b.close();
  }
});

test('every carrier refusing (not a VPN): TOKEN_FAILED with SMS, each carrier asked once', async () => {
  vendor.state.device = await device({ phone: '13800138034' });
  const b = await openPage();
  try {
    vendor.state.refuse = { CM: '200027|no data network', CU: '410001|unknown user', CT: '-8001|failed' };
    const r = await tap(b, 'every carrier refusing', '13800138034');
    assert.equal(r.code, 'TOKEN_FAILED', JSON.stringify(r));
    assert.equal(r.fallback, 'sms');
    assert.equal(r.advice, 'use_sms');
    assert.match(r.message, /could not authenticate this phone/);
    assert.equal(r.carrierRequests, 3);
    assert.deepEqual(vendor.state.requests, ['CM', 'CU', 'CT']);
  } finally {
    await b.close();
  }
});

test('the SDK\'s init fails (HTTP 500) or times out (5 s): its reason, SMS, no carrier asked', async () => {
  vendor.state.device = await device({ phone: '13800138035' });
  for (const [init, code] of [['fail', 'SDK_INIT_FAILED'], ['hang', 'SDK_INIT_TIMEOUT']]) {
    const b = await openPage({ init });
    try {
      const r = await tap(b, `init ${init === 'fail' ? 'fails (500)' : 'times out'}`, '13800138035');
      assert.equal(r.code, code, JSON.stringify(r));
      assert.equal(r.fallback, 'sms');
      assert.equal(r.carrierRequests, 0);
      assert.deepEqual(vendor.state.requests, []);
      assert.equal(vendor.state.inits, 2, 'started when the verifier was made, and again for the attempt');
    } finally {
      vendor.release();
      await b.close();
    }
  }
});

test('Wi-Fi: the environment says so before the SDK is asked', async () => {
  vendor.state.device = await device({ phone: '13800138036' });
  const b = await openPage({ connection: 'wifi' });
  try {
    const r = await tap(b, 'Wi-Fi on', '13800138036');
    assert.equal(r.code, 'WIFI_ON', JSON.stringify(r));
    assert.equal(r.advice, 'turn_off_wifi');
    assert.match(r.adviceMessage, /Wi-Fi/);
    assert.equal(r.carrierRequests, 0);
    assert.deepEqual(vendor.state.requests, []);
  } finally {
    await b.close();
  }
});
