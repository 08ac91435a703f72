// One-click login in the demo, in headless Chromium (a phone profile) against nv-server --sandbox: the
// SIMULATION dialog standing for the carrier's authorization page, the timeline, the signed result, and SMS
// login as the fallback. Every test saves screenshots (NV_ARTIFACTS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startServer } from '../integration/harness.mjs';
import { openPhone } from './browser.mjs';

let server;
before(async () => { server = await startServer({ args: ['--sandbox'] }); });
after(async () => { await server.stop(); });

let seq = 0;
const number = (prefix = '138') => `${prefix}${String(30_000_000 + 7919 * ++seq).slice(-8)}`;

async function open(b, query) {
  await b.page.goto(`${server.base}/?${query}`);
  await b.page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  await b.page.waitForSelector('#sim-status[data-ok="true"]');
  assert.deepEqual(b.errors, []);
}

async function loginResult(b) {
  await b.page.waitForSelector('#login-el [part=result]:not([data-outcome=""])', { timeout: 30_000 });
  return {
    outcome: await b.page.getAttribute('#login-el [part=result]', 'data-outcome'),
    code: await b.page.getAttribute('#login-el [part=result]', 'data-code'),
    text: await b.page.textContent('#login-el [part=result]'),
  };
}

const loginTokenRequests = (b) => b.requests.filter((u) => u.includes('/login-token'));
const loginCalls = (b) => b.requests.filter((u) => u.endsWith('/api/v1/login'));

test('cellular: the carrier page shows the masked number and terms; confirmed, logged in with a signed result', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&env=browser&lang=zh-CN`);
    // Consent first, with the SIM carrier's branding line and agreement.
    assert.match(await b.page.textContent('#login-el [part=branding]'), /中国移动提供认证服务/);
    assert.equal(await b.page.getAttribute('#login-el [part=agreement]', 'href'), 'https://wap.cmpassport.com/resources/html/contract.html');
    await b.page.check('#login-el [part=consent]');
    await b.page.click('#login-el [part=button]');
    await b.page.waitForSelector('#auth[open]');
    const masked = `${sim.slice(0, 3)}****${sim.slice(7)}`;
    assert.equal(await b.page.textContent('#auth-number'), masked);
    assert.match(await b.page.textContent('#auth-title'), /中国移动/);
    assert.match(await b.page.textContent('#auth-branding'), /中国移动提供认证服务/);
    assert.match(await b.page.textContent('#auth-agreement'), /中国移动认证服务条款/);
    assert.match(await b.page.textContent('#auth .auth-sim'), /模拟/);
    assert.equal(loginTokenRequests(b).length, 0, 'nothing is asked of the carrier before the user confirms');
    await b.shot('10a-login-carrier-page');
    await b.page.click('#auth-confirm');
    const r = await loginResult(b);
    assert.equal(r.outcome, 'logged_in', r.text);
    assert.match(r.text, new RegExp(masked.replace(/\*/g, '\\*')));
    assert.equal(loginTokenRequests(b).length, 1);
    assert.equal(loginCalls(b).length, 1);
    assert.ok((await b.page.$$('#login-timeline li')).length >= 4, 'the timeline shows the steps');
    assert.equal(await b.page.isVisible('#login-el [part=sms]'), false);
    // The signed result the page hands its backend: it checks against the server's JWKS.
    await b.page.click('#login-claims summary');
    const shown = JSON.parse(await b.page.textContent('#login-claims-body'));
    assert.equal(shown.header.alg, 'ES256');
    assert.equal(shown.claims.phone_number, `+86${sim}`);
    assert.deepEqual(shown.claims.amr, ['carrier_login']);
    await b.shot('10b-login-logged-in');

    // The same in English.
    await b.page.click('#lang-en');
    // The element starts again in English (its texts at once; the carrier's terms once its verifier is ready).
    await b.page.waitForFunction(() => {
      const button = document.querySelector('#login-el').shadowRoot.querySelector('[part=button]');
      return button.textContent.includes('Log in') && !button.disabled;
    });
    assert.match(await b.page.textContent('#login-el [part=branding]'), /Authentication provided by China Mobile/);
    await b.shot('10c-login-english');
  } finally {
    await b.close();
  }
});

test('the carrier page closed: no loginToken, SMS login offered, and the SMS code logs in with an sms assertion', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    const sim = number('186');
    await open(b, `sim=${sim}&network=cellular&env=browser&lang=en`);
    assert.match(await b.page.textContent('#login-el [part=branding]'), /China Unicom/);
    await b.page.check('#login-el [part=consent]');
    await b.page.click('#login-el [part=button]');
    await b.page.waitForSelector('#auth[open]');
    assert.match(await b.page.textContent('#auth-title'), /China Unicom/);
    await b.page.click('#auth-close');
    const r = await loginResult(b);
    assert.equal(r.outcome, 'fallback', r.text);
    assert.equal(r.code, 'LOGIN_CLOSED');
    assert.equal(loginTokenRequests(b).length, 0, 'no loginToken was requested');
    assert.equal(loginCalls(b).length, 0);
    assert.equal(await b.page.isVisible('#login-el [part=sms]'), true, 'SMS login is offered');
    assert.match(await b.page.textContent('#login-el [part=sms-status]'), /SMS code/);
    await b.shot('11a-login-closed-sms-offered');

    await b.page.fill('#login-el [part=input]', sim);
    await b.page.click('#login-el [part=sms-send]');
    await b.page.waitForSelector('#login-el [part=sms-status][data-ok="true"]');
    await b.page.waitForFunction(() => Number(document.querySelector('#inbox-count').textContent) > 0);
    const code = (await b.page.textContent('#inbox li b')).trim();
    await b.page.fill('#login-el [part=sms-code]', code);
    const checked = b.page.waitForResponse((res) => res.url().endsWith('/api/v1/sms/check'));
    await b.page.click('#login-el [part=sms-check]');
    const body = await (await checked).json();
    assert.equal(body.verified, true);
    const jwks = await (await fetch(`${server.base}/.well-known/jwks.json`)).json();
    const { payload } = await jwtVerify(body.assertion, createLocalJWKSet(jwks), { audience: 'partner-backend' });
    assert.deepEqual(payload.amr, ['sms']);
    assert.equal(payload.phone_number, `+86${sim}`);
    await b.shot('11b-sms-login');
  } finally {
    await b.close();
  }
});

test('Wi-Fi: advice to turn Wi-Fi off, no carrier page, no token requested', async () => {
  const b = await openPhone();
  try {
    await b.connection('wifi');
    const sim = number();
    await open(b, `sim=${sim}&network=cellular&env=browser&lang=zh-CN`);
    await b.page.check('#login-el [part=consent]');
    await b.page.click('#login-el [part=button]');
    const r = await loginResult(b);
    assert.equal(r.outcome, 'fallback');
    assert.equal(r.code, 'WIFI_ON');
    assert.match(r.text, /关闭 Wi-Fi/);
    assert.equal(await b.page.$('#auth[open]'), null, 'the carrier page never opened');
    assert.equal(loginTokenRequests(b).length, 0, 'no token was requested');
    assert.equal(await b.page.isVisible('#login-el [part=sms]'), true);
    await b.shot('12-login-wifi-advice');
  } finally {
    await b.close();
  }
});

test('consent not ticked: nothing leaves the page; a high-risk number is not logged in', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    const sim = number('189');
    await open(b, `sim=${sim}&network=cellular&env=browser&risk=900&lang=en`);
    await b.page.click('#login-el [part=button]');
    const refused = await loginResult(b);
    assert.equal(refused.outcome, 'rejected');
    assert.equal(refused.code, 'CONSENT_REQUIRED');
    assert.equal(await b.page.$('#auth[open]'), null);
    assert.equal(loginTokenRequests(b).length, 0);

    await b.page.check('#login-el [part=consent]');
    await b.page.click('#login-el [part=button]');
    await b.page.waitForSelector('#auth[open]');
    assert.match(await b.page.textContent('#auth-title'), /China Telecom/);
    await b.page.click('#auth-confirm');
    await b.page.waitForSelector('#login-el [part=result][data-outcome="not_verified"]', { timeout: 30_000 });
    assert.equal(await b.page.getAttribute('#login-el [part=result]', 'data-code'), 'RISK_DENY');
    assert.equal(await b.page.isVisible('#login-claims'), false, 'no signed result');
    await b.shot('13-login-risk-deny');
  } finally {
    await b.close();
  }
});
