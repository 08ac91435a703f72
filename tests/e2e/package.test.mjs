// The packed package in a partner's own page: `npm pack` in web/, installed offline into a fresh project, a small
// consumer bundled with esbuild from that install (not from this repository's sources), served by
// nv-server --sandbox as its page (--demo-dir), and run in headless Chromium to a verified result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startServer } from '../integration/harness.mjs';
import { packAndInstall } from '../web/pack.mjs';
import { openPhone } from './browser.mjs';

let pkg;
let site;
let server;

before(async () => {
  pkg = packAndInstall(process.env.NV_SCRATCH || tmpdir());
  writeFileSync(join(pkg.app, 'main.js'), `import { createVerifier } from 'nv-web';
import { sandboxProvider } from 'nv-web/providers/sandbox';
const show = (r) => { document.body.dataset.result = JSON.stringify(r); };
try {
  const res = await fetch('/sandbox/devices', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: '13800138099', network: 'cellular' }) });
  const { deviceId } = await res.json();
  const nv = await createVerifier({ server: '/api/v1', locale: 'en', wasmUrl: '/nv-core.wasm',
    tokenProvider: sandboxProvider({ device: deviceId, network: { network: 'cellular' } }) });
  show(await nv.verify('138 0013 8099', { consent: true }));
} catch (err) {
  show({ failed: String(err && err.message) });
}
`);
  site = join(pkg.dir, 'site');
  mkdirSync(site);
  await build({ entryPoints: [join(pkg.app, 'main.js')], bundle: true, format: 'esm', minify: true,
    absWorkingDir: pkg.app, outfile: join(site, 'app.js'), logLevel: 'warning' });
  // The wasm where the page says it is (wasmUrl), with the page's locale's messages beside it: a bundler does not
  // copy them.
  for (const f of ['nv-core.wasm', 'nv-messages.en.json']) copyFileSync(join(pkg.app, 'node_modules/nv-web/dist', f), join(site, f));
  writeFileSync(join(site, 'index.html'), '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<title>partner</title><script type="module" src="/app.js"></script></head><body><h1>Partner</h1></body></html>');
  server = await startServer({ args: ['--sandbox', '--demo-dir', site] });
});
after(async () => {
  await server.stop();
  rmSync(pkg.dir, { recursive: true, force: true });
});

test('a consumer bundled from the installed tarball verifies in Chromium against nv-server --sandbox', async () => {
  const b = await openPhone();
  try {
    await b.connection('cellular4g');
    await b.page.goto(`${server.base}/`);
    await b.page.waitForSelector('body[data-result]', { timeout: 20_000 });
    const r = JSON.parse(await b.page.getAttribute('body', 'data-result'));
    assert.equal(r.verified, true, JSON.stringify(r));
    assert.equal(r.operator, 'CM');
    assert.match(r.assertion, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.match(r.message, /^[A-Z][a-z]/, `an English message from the table, not a key: ${r.message}`);
    assert.deepEqual(b.errors, []);
    assert.ok(b.requests.some((u) => u === `${server.base}/nv-core.wasm`), 'the wasm came from the page\'s wasmUrl');
    assert.ok(b.requests.some((u) => u === `${server.base}/nv-messages.en.json`), 'the en messages came from beside it');
    assert.ok(!b.requests.some((u) => u.includes('nv-messages.zh-CN')), 'and no other locale\'s');
    assert.ok(!b.requests.some((u) => u.includes('/sdk/')), 'nothing from the server\'s own copy of the package');
    await b.shot('30-packed-package-consumer');
  } finally {
    await b.close();
  }
});
