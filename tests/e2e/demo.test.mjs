// The whole journey in a real browser: headless Chromium in a phone profile against nv-server --sandbox on a
// free loopback port. Every test saves a screenshot (NV_ARTIFACTS, default build/native/e2e-artifacts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../integration/harness.mjs';
import { openPhone } from './browser.mjs';

let server;
before(async () => { server = await startServer({ args: ['--sandbox'] }); });
after(async () => { await server.stop(); });

let seq = 0;
const number = (prefix = '138') => `${prefix}${String(20_000_000 + 6133 * ++seq).slice(-8)}`;

async function open(b, query) {
  await b.page.goto(`${server.base}/?${query}`);
  await b.page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  assert.deepEqual(b.errors, []);
}

async function verify(b, phone, { consent = true } = {}) {
  await b.page.fill('#verify-el [part=input]', phone);
  if (consent) await b.page.check('#verify-el [part=consent]');
  await b.page.click('#verify-el [part=button]');
  await b.page.waitForSelector('#verify-el [part=result]:not([data-outcome=""])', { timeout: 20_000 });
  return {
    outcome: await b.page.getAttribute('#verify-el [part=result]', 'data-outcome'),
    code: await b.page.getAttribute('#verify-el [part=result]', 'data-code'),
    text: await b.page.textContent('#verify-el [part=result]'),
  };
}

const tokenRequests = (b) => b.requests.filter((u) => u.includes('/sandbox/carriers/'));
const verifyRequests = (b) => b.requests.filter((u) => u.endsWith('/api/v1/verify'));

test('cellular only: the device number is verified, with the carrier terms on screen', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&env=browser&lang=zh-CN`);
    assert.equal(await b.page.getAttribute('#env-verdict', 'data-verdict'), 'supported');
    await b.page.fill('#verify-el [part=input]', sim.replace(/(\d{3})(\d{4})(\d{4})/, '$1 $2 $3'));
    assert.match(await b.page.textContent('#verify-el [part=carrier]'), /中国移动/);
    assert.equal(await b.page.getAttribute('#verify-el [part=agreement]', 'href'), 'https://wap.cmpassport.com/resources/html/contract.html');
    assert.match(await b.page.textContent('#verify-el [part=agreement]'), /中国移动认证服务条款/);
    assert.match(await b.page.textContent('#verify-el [part=branding]'), /中国移动提供认证服务/);
    const r = await verify(b, sim);
    assert.equal(r.outcome, 'verified', r.text);
    assert.equal(await b.page.getAttribute('#verify-el [part=result]', 'role'), 'status');
    assert.ok((await b.page.$$('#timeline li')).length >= 4, 'the timeline shows the steps');
    await b.shot('01-cellular-verified');

    // The same in English, for a China Telecom number: the agreement follows the carrier.
    await b.page.click('#lang-en');
    await b.page.waitForSelector('#verify-el [part=button]:not([disabled]):text("Verify")'); // started again in English
    await b.page.fill('#verify-el [part=input]', '189 0000 0000');
    assert.match(await b.page.textContent('#verify-el [part=carrier]'), /China Telecom/);
    assert.equal(await b.page.getAttribute('#verify-el [part=agreement]', 'href'), 'https://e.189.cn/sdk/agreement/detail.do');
    await b.shot('01b-english-telecom-terms');
  } finally {
    await b.close();
  }
});

test('Wi-Fi on: unsupported, advice to turn Wi-Fi off, no token requested; cellular recovers without reload', async () => {
  const b = await openPhone();
  try {
    await b.connection('wifi');
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&env=browser&lang=en`);
    // An English demo (its own verifier and two elements) fetches the English table once, and no other.
    assert.deepEqual(b.requests.filter((u) => u.includes('nv-messages')), [`${server.base}/sdk/dist/nv-messages.en.json`]);
    assert.equal(await b.page.getAttribute('#env-verdict', 'data-verdict'), 'unsupported');
    assert.equal(await b.page.getAttribute('#env-advice', 'data-advice'), 'turn_off_wifi');
    assert.ok(await b.page.$('#env-reasons li[data-code="WIFI_ON"]'));
    const r = await verify(b, sim);
    assert.equal(r.outcome, 'fallback');
    assert.equal(r.code, 'WIFI_ON');
    assert.equal(tokenRequests(b).length, 0, 'no token was requested');
    assert.equal(await b.page.isVisible('#verify-el [part=sms]'), true, 'SMS is offered');
    await b.shot('02a-wifi-unsupported');

    const navigations = [];
    b.page.on('framenavigated', (f) => navigations.push(f.url()));
    await b.connection('cellular4g');
    await b.page.waitForSelector('#env-verdict[data-verdict="supported"]', { timeout: 5000 });
    const again = await verify(b, sim);
    assert.equal(again.outcome, 'verified', again.text);
    assert.deepEqual(navigations, [], 'no reload');
    await b.shot('02b-wifi-off-recovered');
  } finally {
    await b.close();
  }
});

test('no Network Information API (iOS-like): unknown, attempted, verified', async () => {
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
  const b = await openPhone({ netinfo: false, userAgent: iphone });
  try {
    await b.page.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'connection', { get: () => undefined }); });
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&env=browser&lang=en`);
    assert.equal(await b.page.getAttribute('#env-verdict', 'data-verdict'), 'unknown');
    const r = await verify(b, sim);
    assert.equal(r.outcome, 'verified', r.text);
    await b.shot('03-no-netinfo-unknown-verified');
  } finally {
    await b.close();
  }
});

test('a number that is not the SIM\'s: not verified, then the SMS fallback verifies it', async () => {
  const b = await openPhone();
  try {
    const sim = number();
    const typed = number();
    await open(b, `sim=${sim}&network=cellular&lang=zh-CN`);
    const r = await verify(b, typed);
    assert.equal(r.outcome, 'not_verified', r.text);
    assert.equal(r.code, 'INCONSISTENT');
    assert.equal(await b.page.isVisible('#verify-el [part=sms]'), true);
    // The code goes to the SIM of the typed number: make the simulated phone that number, then receive it.
    await b.page.fill('#sim-phone', typed);
    await b.page.dispatchEvent('#sim-phone', 'change');
    await b.page.waitForSelector(`#sim-status[data-phone="${typed}"]`);
    await b.page.click('#verify-el [part=sms-send]');
    await b.page.waitForFunction(() => document.getElementById('inbox-count').textContent === '1');
    const code = (await b.page.textContent('#inbox li b')).trim();
    assert.match(code, /^\d{6}$/);
    await b.page.fill('#verify-el [part=sms-code]', code);
    await b.page.click('#verify-el [part=sms-check]');
    await b.page.waitForSelector('#verify-el [part=sms-status][data-ok="true"]');
    await b.shot('04-not-verified-sms-fallback');
  } finally {
    await b.close();
  }
});

test('VPN on: every gateway refuses with its own code, explained', async () => {
  const b = await openPhone();
  try {
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&vpn=1&lang=en`);
    const r = await verify(b, sim);
    assert.equal(r.outcome, 'fallback', r.text);
    assert.equal(r.code, 'VPN_SUSPECTED');
    const steps = await b.page.textContent('#timeline');
    assert.match(steps, /CM gateway refused: 103111/);
    assert.match(steps, /CU gateway refused: SOURCE_IP_ERROR/);
    assert.match(steps, /CT gateway refused: 800008/);
    assert.match(r.text, /VPN/);
    await b.shot('05-vpn-carrier-codes');
  } finally {
    await b.close();
  }
});

test('consent not ticked: nothing leaves the page', async () => {
  const b = await openPhone();
  try {
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&lang=zh-CN`);
    const before = b.requests.length;
    const r = await verify(b, sim, { consent: false });
    assert.equal(r.outcome, 'rejected');
    assert.equal(r.code, 'CONSENT_REQUIRED');
    assert.deepEqual(b.requests.slice(before), [], 'no request at all');
    await b.shot('06-consent-required');
  } finally {
    await b.close();
  }
});

test('an expired token (vendor 9003) is refetched, and no token is submitted twice', async () => {
  const b = await openPhone();
  try {
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&lang=en`);
    const f = await fetch(`${server.base}/sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ vendorCode: 9003, count: 1 }) });
    assert.equal(f.status, 201);
    const bodies = [];
    b.page.on('request', (req) => { if (req.url().endsWith('/api/v1/verify')) bodies.push(JSON.parse(req.postData())); });
    const r = await verify(b, sim);
    assert.equal(r.outcome, 'verified', r.text);
    assert.equal(tokenRequests(b).length, 2, 'a second token was fetched');
    assert.equal(verifyRequests(b).length, 2);
    assert.notEqual(bodies[0].token, bodies[1].token, 'the rejected token was not submitted again');
    await b.shot('07-expired-token-refetched');
  } finally {
    await b.close();
  }
});

// The native bridge, as a page-injected object following its documented contract (docs/web.md); its tokens come
// from the sandbox gateway, so the server's verify is real. The vendor's SDK is tested over a stand-in of its
// real code (jverification.test.mjs); this injected object is kept only for what that stand-in cannot reach: the
// SDK refusing an environment the browser itself reports as cellular (2004), which ends the attempt at once.
test('the bridge provider against a page-injected object; the SDK\'s 2004 ends the attempt', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');  // the WebView's own NetInfo; the bridge reports on top of it
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&lang=en`);
    const deviceId = await b.page.evaluate(() => document.getElementById('sim-status').textContent.match(/dev_\w+/)[0]);
    const out = await b.page.evaluate(async ({ sim, deviceId }) => {
      const nv = await import('/sdk/dist/nv.js');
      const gateway = async (op) => {
        const res = await fetch(`/sandbox/carriers/${op}/token`, { method: 'POST', headers: { 'X-Sandbox-Device': deviceId } });
        return res.json();
      };
      const calls = [];
      window.JVerificationInterface = {
        ok: false,
        init(o) { calls.push(['init', o.appkey]); this.ok = true; setTimeout(() => o.success({ code: 0, message: 'ok' }), 5); },
        isInitSuccess() { return this.ok; },
        // The SDK failing with 2004 (environment not supported) ends the attempt at once.
        getToken(o) { calls.push(['getToken', o.operater]); o.fail({ code: 2004, message: 'not support' }); },
      };
      const jv = await nv.createVerifier({ tokenProvider: 'jverification', jverification: { appkey: 'demo-appkey' }, locale: 'en',
        signals: () => ({ sandbox: { network: 'cellular' } }) });
      const sim2 = sim.slice(0, 3) + String((Number(sim.slice(3)) + 1) % 1e8).padStart(8, '0');
      const jvFail = await jv.verify(sim2, { consent: true });

      let network = { network: 'wifi' };
      window.NVBridge = {
        network: () => network,
        getToken: async (op) => { calls.push(['bridge', op]); const r = await gateway(op); if (!r.token) throw Object.assign(new Error(r.message), { code: r.code }); return r.token; },
      };
      const br = await nv.createVerifier({ tokenProvider: 'bridge', locale: 'en' });
      const envWifi = br.checkEnvironment();
      const changes = [];
      br.onNetworkChange((e) => changes.push(e.verdict));
      network = { network: 'cellular' };
      window.NVBridge.onchange();
      const sim3 = sim.slice(0, 3) + String((Number(sim.slice(3)) + 2) % 1e8).padStart(8, '0');
      return { jvFail, envWifi: envWifi.verdict, wifiSource: envWifi.network.source, changes, calls, sim3 };
    }, { sim, deviceId });
    assert.deepEqual(out.calls.slice(0, 2), [['init', 'demo-appkey'], ['getToken', 'CM']]);
    assert.equal(out.jvFail.result, 'fallback');
    assert.equal(out.jvFail.code, 'ENV_UNSUPPORTED');
    assert.equal(out.calls.filter((c) => c[0] === 'getToken').length, 1, 'nothing asked after 2004');
    assert.equal(out.envWifi, 'unsupported');
    assert.equal(out.wifiSource, 'bridge');
    assert.deepEqual(out.changes, ['supported']);

    // The bridge verifies a number through its native token (the simulated phone becomes that number).
    await b.page.fill('#sim-phone', out.sim3);
    await b.page.dispatchEvent('#sim-phone', 'change');
    await b.page.waitForSelector(`#sim-status[data-phone="${out.sim3}"]`);
    const bridged = await b.page.evaluate(async (sim3) => {
      const nv = await import('/sdk/dist/nv.js');
      const br = await nv.createVerifier({ tokenProvider: 'bridge', locale: 'en' });
      return br.verify(sim3, { consent: true });
    }, out.sim3);
    assert.equal(bridged.result, 'verified', JSON.stringify(bridged));
    await b.shot('08-providers');
  } finally {
    await b.close();
  }
});

test('the classic-script build defines window.NV and finds the wasm next to itself', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    await b.page.goto(`${server.base}/api/v1/config`);  // any page of the origin
    const out = await b.page.evaluate(async () => {
      await new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = '/sdk/dist/nv.classic.js';
        s.onload = resolve;
        s.onerror = reject;
        document.head.append(s);
      });
      const nv = await window.NV.createVerifier({ tokenProvider: 'bridge', locale: 'en' });
      return { verdict: nv.checkEnvironment().verdict, masked: nv.phone('138 0013 8000').masked, keys: Object.keys(window.NV).sort() };
    });
    assert.equal(out.verdict, 'supported');
    assert.equal(out.masked, '138****8000');
    assert.ok(out.keys.includes('createVerifier') && out.keys.includes('sandboxProvider'));
    assert.ok(b.requests.some((u) => u.endsWith('/sdk/dist/nv-core.wasm')));
  } finally {
    await b.close();
  }
});
