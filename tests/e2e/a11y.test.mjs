// Accessibility: axe-core (npm) on the demo in both languages, before and after a verification and a one-click
// login, in headless Chromium against nv-server --sandbox. No violations of any impact are allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer } from '../integration/harness.mjs';
import { openPhone } from './browser.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server;
before(async () => { server = await startServer({ args: ['--sandbox'] }); });
after(async () => { await server.stop(); });

// Evaluated through the DevTools protocol, so the demo's CSP (no inline script) stays on for the page itself.
async function violations(b) {
  await b.page.evaluate(axeSource);
  const found = await b.page.evaluate(async () => {
    const r = await globalThis.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return found;
}

for (const lang of ['zh-CN', 'en']) {
  test(`the demo in ${lang}: no axe violations before and after a verification and a login`, async () => {
    const b = await openPhone();
    try {
      await b.connection('cellular4g');
      await b.page.goto(`${server.base}/?sim=13800138${lang === 'en' ? '111' : '222'}&network=cellular&env=browser&lang=${lang}`);
      await b.page.waitForSelector('body[data-ready="true"]');
      await b.page.waitForSelector('#sim-status[data-ok="true"]');
      assert.deepEqual(await violations(b), [], 'on load');

      await b.page.fill('#verify-el [part=input]', lang === 'en' ? '13800138111' : '13800138222');
      await b.page.check('#verify-el [part=consent]');
      await b.page.click('#verify-el [part=button]');
      await b.page.waitForSelector('#verify-el [part=result][data-outcome="verified"]', { timeout: 20_000 });
      assert.deepEqual(await violations(b), [], 'after a verification');

      await b.page.check('#login-el [part=consent]');
      await b.page.click('#login-el [part=button]');
      await b.page.waitForSelector('#auth[open]');
      assert.deepEqual(await violations(b), [], 'with the carrier page open');
      await b.page.click('#auth-confirm');
      await b.page.waitForSelector('#login-el [part=result][data-outcome="logged_in"]', { timeout: 20_000 });
      await b.page.click('#login-claims summary');
      assert.deepEqual(await violations(b), [], 'after a login');
      await b.shot(`20-a11y-${lang}`);
    } finally {
      await b.close();
    }
  });
}
