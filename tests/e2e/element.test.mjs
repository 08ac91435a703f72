// <nv-verify> (nv-web/ui, dist/nv-ui.js) on a page holding only it (tests/e2e/element/index.html, served by
// nv-server --sandbox under its own Content-Security-Policy), in headless Chromium: the carrier guessed as you
// type with its terms, keyboard only to a verified result with the nv-result event and its assertion, the SMS
// fallback, one-click login, theming, and axe-core finding nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { call, startServer } from '../integration/harness.mjs';
import { openPhone } from './browser.mjs';

const site = fileURLToPath(new URL('./element/', import.meta.url));
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server;
before(async () => { server = await startServer({ args: ['--sandbox', '--demo-dir', site] }); });
after(async () => { await server.stop(); });

async function device(spec) {
  const r = await call(server.base, 'POST', '/sandbox/devices', { body: spec });
  assert.equal(r.status, 201, r.text);
  return r.json.deviceId;
}

// Opens the page, points the element at a simulated device, and records its events.
async function open(b, id, attrs = {}) {
  await b.page.goto(`${server.base}/`);
  await b.page.evaluate(({ id: deviceId, attrs: extra }) => {
    const e = document.querySelector('nv-verify');
    globalThis.events = [];
    for (const type of ['nv-state', 'nv-result']) e.addEventListener(type, (ev) => globalThis.events.push({ type, detail: ev.detail }));
    for (const [k, v] of Object.entries(extra)) e.setAttribute(k, v);
    e.setAttribute('sandbox-device', deviceId);
  }, { id, attrs });
  await b.page.waitForSelector('nv-verify button[part=button]:not([disabled])');
}

const events = (b, type) => b.page.evaluate((t) => globalThis.events.filter((e) => e.type === t).map((e) => e.detail), type);

async function violations(b) {
  await b.page.evaluate(axeSource);
  return b.page.evaluate(async () => (await globalThis.axe.run(document, { resultTypes: ['violations'] })).violations
    .map((v) => ({ id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) })));
}

test('keyboard only: type, the carrier and its terms appear, consent, verify; nv-result carries the assertion', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    const id = await device({ phone: '13800138201', network: 'cellular' });
    await open(b, id);
    assert.deepEqual(await violations(b), [], 'a page with only the element, on load');
    await b.page.keyboard.press('Tab'); // the first focusable thing on the page: the element's phone input
    await b.page.keyboard.type('138 0013 8201');
    assert.match(await b.page.textContent('nv-verify [part=carrier]'), /China Mobile · 138\*\*\*\*8201/);
    assert.match(await b.page.textContent('nv-verify [part=branding]'), /Authentication provided by China Mobile/);
    assert.equal(await b.page.getAttribute('nv-verify [part=agreement]', 'href'), 'https://wap.cmpassport.com/resources/html/contract.html');
    await b.page.keyboard.press('Tab');   // the consent checkbox
    await b.page.keyboard.press('Space');
    assert.equal(await b.page.isChecked('nv-verify [part=consent]'), true);
    await b.page.keyboard.press('Tab');   // the agreement link
    await b.page.keyboard.press('Tab');   // the button
    await b.page.keyboard.press('Enter');
    await b.page.waitForSelector('nv-verify [part=result][data-outcome="verified"]', { timeout: 20_000 });
    assert.equal(await b.page.getAttribute('nv-verify [part=result]', 'role'), 'status');
    const [r] = await events(b, 'nv-result');
    assert.equal(r.verified, true);
    assert.match(r.assertion, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok((await events(b, 'nv-state')).length >= 3, 'nv-state for each step');
    assert.ok((await b.page.$$('nv-verify [part=progress] li')).length >= 4);
    // Styled by its constructed stylesheet under style-src 'self', and themable through ::part.
    const bg = await b.page.$eval('nv-verify [part=button]', (e) => getComputedStyle(e).backgroundColor);
    assert.equal(bg, 'rgb(11, 92, 255)');
    // The page themes it: a custom property, and a ::part rule (a constructed sheet: the CSP allows no <style>).
    await b.page.evaluate(() => {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync('nv-verify { --nv-accent: rgb(1, 102, 51); } nv-verify::part(result) { border-radius: 3px; }');
      document.adoptedStyleSheets = [sheet];
    });
    assert.equal(await b.page.$eval('nv-verify [part=button]', (e) => getComputedStyle(e).backgroundColor), 'rgb(1, 102, 51)');
    assert.equal(await b.page.$eval('nv-verify [part=result]', (e) => getComputedStyle(e).borderTopLeftRadius), '3px');
    assert.deepEqual(b.errors, []);
    assert.deepEqual(await violations(b), [], 'after a verification');
    await b.shot('40-element-verified');
  } finally {
    await b.close();
  }
});

test('Wi-Fi: the SMS fallback inside the element verifies by code; zh-CN; login mode logs in', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    const id = await device({ phone: '13800138202', network: 'wifi' });
    await open(b, id, { locale: 'zh-CN' });
    await b.page.fill('nv-verify [part=input]', '13800138202');
    assert.match(await b.page.textContent('nv-verify [part=branding]'), /中国移动提供认证服务/);
    await b.page.check('nv-verify [part=consent]');
    await b.page.click('nv-verify [part=button]');
    await b.page.waitForSelector('nv-verify [part=result][data-outcome="fallback"]', { timeout: 20_000 });
    assert.equal(await b.page.getAttribute('nv-verify [part=result]', 'data-code'), 'WIFI_ON');
    assert.equal(await b.page.isVisible('nv-verify [part=sms]'), true);
    await b.page.click('nv-verify [part=sms] button >> nth=0');
    await b.page.waitForSelector('nv-verify [part=sms] [role=status][data-ok="true"]');
    const inbox = await call(server.base, 'GET', `/sandbox/devices/${id}/inbox`);
    await b.page.fill('nv-verify [part=sms] input', inbox.json.messages.at(-1).code);
    await b.page.click('nv-verify [part=sms] button >> nth=1');
    await b.page.waitForFunction(() => globalThis.events.some((e) => e.type === 'nv-result' && e.detail.method === 'sms'));
    const sms = (await events(b, 'nv-result')).at(-1);
    assert.match(sms.assertion, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.deepEqual(await violations(b), [], 'with the SMS fallback shown');
    await b.shot('41-element-sms-fallback');

    const cu = await device({ phone: '18612345203', network: 'cellular' });
    await open(b, cu, { mode: 'login', locale: 'en' });
    assert.equal(await b.page.isVisible('nv-verify [part=input]'), false, 'no number to type');
    assert.match(await b.page.textContent('nv-verify [part=branding]'), /China Unicom/);
    await b.page.check('nv-verify [part=consent]');
    await b.page.click('nv-verify [part=button]');
    await b.page.waitForSelector('nv-verify [part=result][data-outcome="logged_in"]', { timeout: 20_000 });
    assert.match(await b.page.textContent('nv-verify [part=result]'), /186\*\*\*\*5203/);
    const login = (await events(b, 'nv-result')).at(-1);
    assert.equal(login.loggedIn, true);
    assert.match(login.assertion, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    await b.shot('42-element-login');
  } finally {
    await b.close();
  }
});

test('an English page with two elements fetches the module and nv-messages.en.json once each, and no other table', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    await b.page.goto(`${server.base}/two.html`);
    await b.page.waitForFunction(() => [...document.querySelectorAll('nv-verify')]
      .every((e) => e.shadowRoot && e.shadowRoot.querySelector('button[part=button]:not([disabled])')));
    const tables = b.requests.filter((u) => u.includes('nv-messages'));
    assert.deepEqual(tables, [`${server.base}/sdk/dist/nv-messages.en.json`], tables.join(', '));
    assert.equal(b.requests.filter((u) => u.endsWith('/nv-core.wasm')).length, 1);
    // Both speak English, from that one table.
    const labels = await b.page.$$eval('nv-verify', (els) => els.map((e) => e.shadowRoot.querySelector('button[part=button]').textContent));
    assert.deepEqual(labels, ['Verify this number', 'Log in with this phone\'s number']);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});

test('it cannot start: a visible error, an nv-error event naming the URL, and a retry only where it can help', async () => {
  const b = await openPhone();
  try {
    await b.page.goto(`${server.base}/blank.html`);
    await b.page.evaluate(() => import('/sdk/dist/nv-ui.js'));
    const detail = await b.page.evaluate(() => new Promise((resolve) => {
      const e = document.createElement('nv-verify');
      e.setAttribute('locale', 'en');
      e.setAttribute('asset-base', '/nowhere/');
      e.addEventListener('nv-error', (ev) => resolve(ev.detail), { once: true });
      document.querySelector('main').append(e);
    }));
    assert.equal(detail.code, 'SETUP_ASSET');
    assert.equal(detail.url, `${server.base}/nowhere/nv-core.wasm`);
    const card = b.page.locator('nv-verify').nth(0);
    assert.equal(await card.locator('[part=result]').getAttribute('data-outcome'), 'error');
    assert.match(await card.locator('[part=result]').textContent(), /not available here.*SETUP_ASSET.*nowhere\/nv-core\.wasm answered 404/);
    assert.equal(await card.locator('button[part=button]').isDisabled(), true, 'a missing file is not fixed by trying again');
    // A server that cannot be reached may come back: the button offers a retry.
    const unreachable = await b.page.evaluate(() => new Promise((resolve) => {
      const e = document.createElement('nv-verify');
      e.setAttribute('locale', 'en');
      e.setAttribute('server', 'http://127.0.0.1:9/api/v1');
      e.addEventListener('nv-error', (ev) => resolve(ev.detail), { once: true });
      document.querySelector('main').append(e);
    }));
    assert.equal(unreachable.code, 'SERVER_UNREACHABLE');
    const second = b.page.locator('nv-verify').nth(1);
    assert.equal(await second.locator('button[part=button]').textContent(), 'Try again');
    assert.equal(await second.locator('button[part=button]').isDisabled(), false);
  } finally {
    await b.close();
  }
});
