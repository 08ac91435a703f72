// examples/partner-page/ as a partner runs it: the package packed (npm pack) and installed from the tarball with
// the example's own dependency (jose, offline), the example's server on an origin of its own serving the
// package's dist/ at /nv/ (a path without /dist/), nv-server --sandbox on another origin with --cors-origin, in
// headless Chromium: with the JavaScript API and with <nv-verify>, verified (and the signed result accepted by
// the example's backend); Wi-Fi -> the advice; an origin nv-server does not list -> ORIGIN_NOT_ALLOWED before
// any carrier request; the wasm missing where the page serves the package -> an error naming its URL, and a
// visible error state and an nv-error event in the element.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startServer } from '../integration/harness.mjs';
import { packAndInstall, root } from '../web/pack.mjs';
import { openPhone } from './browser.mjs';

const example = fileURLToPath(new URL('../../examples/partner-page/', import.meta.url));
let pkg;
let nv;
const sites = {};
const figures = [];

// The example's server (node server.mjs), as its README runs it.
async function startSite(name, { env = {}, port } = {}) {
  const p = port || await freePort();
  const child = spawn(process.execPath, ['server.mjs'], { cwd: pkg.app, stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, PORT: String(p), NV_API: `${nv.base}/api/v1`, ...env } });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const deadline = Date.now() + 10_000;
  while (!out.includes('partner page listening')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the example's server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  sites[name] = { base: `http://127.0.0.1:${p}`, child };
}

before(async () => {
  pkg = packAndInstall(process.env.NV_SCRATCH || tmpdir());
  cpSync(join(example, 'server.mjs'), join(pkg.app, 'server.mjs'));
  cpSync(join(example, 'public'), join(pkg.app, 'public'), { recursive: true });
  // The example's own dependency, at the version it names, from the npm cache that the repository's `npm ci` filled
  // (no network): the lockfile holds that version, and the cache holds its tarball by the registry's URL.
  const jose = JSON.parse(readFileSync(join(example, 'package.json'), 'utf8')).dependencies.jose;
  const locked = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages['node_modules/jose'];
  assert.equal(locked.version, jose, 'examples/partner-page/package.json names the jose the repository locks');
  const registry = execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim().replace(/\/?$/, '/');
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', `${registry}jose/-/jose-${jose}.tgz`],
    { cwd: pkg.app, stdio: 'pipe' });
  // nv-server lists two origins: the partner's, and the one that serves the package without its wasm. The
  // stranger's is an origin it does not list.
  const allowed = await freePort();
  let alsoAllowed = await freePort();
  while (alsoAllowed === allowed) alsoAllowed = await freePort(); // two picks in a row may return the same port
  nv = await startServer({ args: ['--sandbox', '--cors-origin', `http://127.0.0.1:${allowed}`,
    '--cors-origin', `http://127.0.0.1:${alsoAllowed}`] });
  await startSite('partner', { port: allowed });
  // The package's files served without the wasm: a partner who forgot to copy it.
  const incomplete = join(pkg.dir, 'incomplete');
  cpSync(join(pkg.app, 'node_modules/nv-web/dist'), incomplete, { recursive: true });
  for (const f of ['nv-core.wasm', 'nv-core.wasm.br', 'nv-core.wasm.gz']) rmSync(join(incomplete, f), { force: true });
  await startSite('incomplete', { port: alsoAllowed, env: { NV_ASSETS: incomplete } });
  await startSite('stranger'); // last: its free port cannot be one the others were about to take
});

after(async () => {
  for (const s of Object.values(sites)) {
    s.child.kill('SIGTERM');
    if (s.child.exitCode === null) await once(s.child, 'exit');
  }
  await nv.stop();
  rmSync(pkg.dir, { recursive: true, force: true });
  console.log(`PARTNER_PAGE_FIGURES ${JSON.stringify(figures)}`);
});

async function withPhone(fn) {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    return await fn(b);
  } finally {
    await b.close();
  }
}

// The API page: type, consent, verify; the result as the page keeps it.
async function verifyWithApi(b, site, phone, network = 'cellular') {
  await b.page.goto(`${site.base}/?lang=en`);
  await b.page.waitForSelector('#verify:not([disabled])');
  await b.page.selectOption('#sim-network', network);
  await b.page.fill('#phone', phone);
  await b.page.check('#consent');
  const t0 = Date.now();
  await b.page.click('#verify');
  await b.page.waitForSelector('body[data-result]', { timeout: 20_000 });
  const r = JSON.parse(await b.page.getAttribute('body', 'data-result'));
  return { r, ms: Date.now() - t0 };
}

async function verifyWithElement(b, site, phone, network = 'cellular') {
  await b.page.goto(`${site.base}/element.html?lang=en`);
  await b.page.waitForSelector('#sim:not([hidden])');
  await b.page.fill('#sim-phone', phone);
  await b.page.selectOption('#sim-network', network);
  await b.page.click('#sim-use');
  await b.page.waitForFunction(() => document.querySelector('#card').hasAttribute('sandbox-device'));
  await b.page.waitForSelector('nv-verify button[part=button]:not([disabled])');
  await b.page.fill('nv-verify [part=input]', phone);
  await b.page.check('nv-verify [part=consent]');
  const t0 = Date.now();
  await b.page.click('nv-verify button[part=button]');
  await b.page.waitForSelector('body[data-result]', { timeout: 20_000 });
  const r = JSON.parse(await b.page.getAttribute('body', 'data-result'));
  return { r, ms: Date.now() - t0 };
}

test('the API on the partner\'s own origin: verified, the backend accepts the signed result; assets found at /nv/', async () => {
  await withPhone(async (b) => {
    const { r, ms } = await verifyWithApi(b, sites.partner, '13800138041');
    figures.push({ case: 'API: verified', code: r.code, ms });
    assert.equal(r.verified, true, JSON.stringify(r));
    await b.page.waitForSelector('#backend[data-ok]');
    assert.equal(await b.page.getAttribute('#backend', 'data-ok'), 'true', await b.page.textContent('#backend'));
    assert.match(await b.page.textContent('#backend'), /\+8613800138041 \(carrier_verify, CM\)/);
    const wasm = b.requests.filter((u) => u.endsWith('nv-core.wasm'));
    assert.deepEqual(wasm, [`${sites.partner.base}/nv/nv-core.wasm`], 'found beside nv.js, fetched once');
    assert.deepEqual(b.requests.filter((u) => u.includes('nv-messages')), [`${sites.partner.base}/nv/nv-messages.en.json`]);
    assert.deepEqual(b.failed, []);
    assert.deepEqual(b.errors, []);

    // The same number again after a reload (the page forgot it): the server says TOO_SOON before any carrier
    // token is spent, the same answer the page gives without a reload.
    const before = b.requests.length;
    await b.page.reload();
    const again = await verifyWithApi(b, sites.partner, '13800138041');
    figures.push({ case: 'API: the same number after a reload', code: again.r.code, ms: again.ms });
    assert.equal(again.r.result, 'rejected', JSON.stringify(again.r));
    assert.equal(again.r.code, 'TOO_SOON');
    assert.ok(again.r.retryAfterSec > 0 && again.r.retryAfterSec <= 30);
    assert.equal(again.r.carrierRequests, 0);
    assert.deepEqual(b.requests.slice(before).filter((u) => u.includes('/sandbox/carriers/')), [], 'no carrier token');
  });
});

test('the API: Wi-Fi on the phone -> the reason and the advice, no carrier request', async () => {
  await withPhone(async (b) => {
    const { r, ms } = await verifyWithApi(b, sites.partner, '13800138042', 'wifi');
    figures.push({ case: 'API: Wi-Fi', code: r.code, ms });
    assert.equal(r.code, 'WIFI_ON', JSON.stringify(r));
    assert.equal(r.advice, 'turn_off_wifi');
    assert.match(await b.page.textContent('#result'), /turn off Wi-Fi/);
    assert.equal(b.requests.filter((u) => u.includes('/sandbox/carriers/')).length, 0);
  });
});

test('<nv-verify> on the partner\'s own origin: verified, the backend accepts it; Wi-Fi -> the advice', async () => {
  await withPhone(async (b) => {
    const { r, ms } = await verifyWithElement(b, sites.partner, '13800138043');
    figures.push({ case: '<nv-verify>: verified', code: r.code, ms });
    assert.equal(r.verified, true, JSON.stringify(r));
    await b.page.waitForSelector('#backend[data-ok]');
    assert.equal(await b.page.getAttribute('#backend', 'data-ok'), 'true', await b.page.textContent('#backend'));
    assert.equal(await b.page.getAttribute('nv-verify [part=result]', 'data-outcome'), 'verified');
    assert.deepEqual(b.errors, []);
  });
  await withPhone(async (b) => {
    const { r, ms } = await verifyWithElement(b, sites.partner, '13800138044', 'wifi');
    figures.push({ case: '<nv-verify>: Wi-Fi', code: r.code, ms });
    assert.equal(r.code, 'WIFI_ON', JSON.stringify(r));
    assert.match(await b.page.textContent('nv-verify [part=result]'), /turn off Wi-Fi/);
    assert.equal(b.requests.filter((u) => u.includes('/sandbox/carriers/')).length, 0);
  });
});

test('an origin nv-server does not list: ORIGIN_NOT_ALLOWED at once, before any carrier request', async () => {
  await withPhone(async (b) => {
    const t0 = Date.now();
    await b.page.goto(`${sites.stranger.base}/?lang=en`);
    await b.page.waitForSelector('#status[data-code]');
    figures.push({ case: 'API: wrong origin', code: await b.page.getAttribute('#status', 'data-code'), ms: Date.now() - t0 });
    assert.equal(await b.page.getAttribute('#status', 'data-code'), 'ORIGIN_NOT_ALLOWED');
    assert.match(await b.page.textContent('#status'), /refuses this page's origin.*--cors-origin/);
    assert.equal(await b.page.isDisabled('#verify'), true);
  });
  await withPhone(async (b) => {
    await b.page.goto(`${sites.stranger.base}/element.html?lang=en`);
    await b.page.waitForSelector('body[data-error]');
    const e = JSON.parse(await b.page.getAttribute('body', 'data-error'));
    assert.equal(e.code, 'ORIGIN_NOT_ALLOWED');
    assert.equal(await b.page.getAttribute('nv-verify [part=result]', 'data-outcome'), 'error');
    assert.equal(await b.page.isVisible('nv-verify [part=result]'), true);
    assert.match(await b.page.textContent('nv-verify [part=result]'), /ORIGIN_NOT_ALLOWED/);
    assert.equal(await b.page.isDisabled('nv-verify button[part=button]'), true, 'nothing to retry: the setup must change');
    assert.equal(b.requests.filter((u) => u.includes('/sandbox/carriers/')).length, 0);
  });
});

test('the wasm missing where the page serves the package: an error naming its URL; the element shows it', async () => {
  const missing = `${sites.incomplete.base}/nv/nv-core.wasm`;
  await withPhone(async (b) => {
    await b.page.goto(`${sites.incomplete.base}/?lang=en`);
    await b.page.waitForSelector('#status[data-code]');
    assert.equal(await b.page.getAttribute('#status', 'data-code'), 'SETUP_ASSET');
    assert.match(await b.page.textContent('#status'), new RegExp(`${missing.replace(/[./]/g, '\\$&')} answered 404`));
    assert.equal(b.requests.filter((u) => u === missing).length, 1, 'asked once, not compiled as wasm');
  });
  await withPhone(async (b) => {
    await b.page.goto(`${sites.incomplete.base}/element.html?lang=en`);
    await b.page.waitForSelector('body[data-error]');
    const e = JSON.parse(await b.page.getAttribute('body', 'data-error'));
    assert.equal(e.code, 'SETUP_ASSET');
    assert.equal(e.url, missing);
    assert.equal(await b.page.isVisible('nv-verify [part=result]'), true);
    assert.match(await b.page.textContent('nv-verify [part=result]'), /not available here/);
    assert.match(await b.page.textContent('nv-verify [part=error-detail]'), /nv-core\.wasm answered 404/);
    await b.shot('40-partner-element-missing-wasm');
  });
});
