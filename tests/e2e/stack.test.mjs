// The demo through the production shape: scripts/stack.sh (nginx in front of two nv-server instances on one
// Redis), over HTTPS with HTTP/2, in headless Chromium in a phone profile. The browser trusts only the stack's
// own certificate (its key's hash), so TLS is checked for real. The journey verifies the SIM's number, then a
// number that is not the SIM's falls back to SMS (the code sent by whichever instance answers lands in the one
// sandbox's inbox), with no failed request and no console error on the way (a favicon included).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startStack } from '../integration/harness.mjs';
import { openPhone, spkiHash } from './browser.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack.stop(); });

test('the demo verifies through nginx over HTTPS, and the SMS fallback works across instances', async () => {
  const b = await openPhone({ trustSpki: [spkiHash(join(stack.dir, 'tls/stack.pem'))] });
  try {
    await b.connection('cellular4g');
    const sim = '13812345670';
    await b.page.goto(`${stack.tlsBase}/?sim=${sim}&network=cellular&env=browser&lang=en`);
    await b.page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
    await b.page.fill('#verify-el [part=input]', sim);
    await b.page.check('#verify-el [part=consent]');
    await b.page.click('#verify-el [part=button]');
    await b.page.waitForSelector('#verify-el [part=result]:not([data-outcome=""])', { timeout: 20_000 });
    assert.equal(await b.page.getAttribute('#verify-el [part=result]', 'data-outcome'), 'verified', await b.page.textContent('#verify-el [part=result]'));
    await b.shot('09-stack-https-verified');

    // Not the SIM's number: not verified, then SMS (several sends, so both instances answer some).
    let previous = '';
    for (const typed of ['13912345671', '13912345672']) {
      await b.page.fill('#sim-phone', sim);
      await b.page.dispatchEvent('#sim-phone', 'change');
      await b.page.waitForSelector(`#sim-status[data-phone="${sim}"]`);
      await b.page.fill('#verify-el [part=input]', typed);
      await b.page.click('#verify-el [part=button]');
      await b.page.waitForSelector('#verify-el [part=result][data-outcome="not_verified"]', { timeout: 20_000 });
      await b.page.fill('#sim-phone', typed);
      await b.page.dispatchEvent('#sim-phone', 'change');
      await b.page.waitForSelector(`#sim-status[data-phone="${typed}"]`);
      await b.page.click('#verify-el [part=sms-send]');
      await b.page.waitForFunction((old) => {
        const first = document.querySelector('#inbox li b');
        return document.getElementById('inbox-count').textContent === '1' && first && first.textContent.trim() !== old;
      }, previous);
      const code = (await b.page.textContent('#inbox li b')).trim();
      previous = code;
      await b.page.fill('#verify-el [part=sms-code]', code);
      await b.page.click('#verify-el [part=sms-check]');
      await b.page.waitForSelector('#verify-el [part=sms-status][data-ok="true"]', { timeout: 10_000 }).catch(async (e) => {
        await b.shot('10-stack-sms-failed');
        throw new Error(`${typed}: ${await b.page.textContent('#verify-el [part=sms]')} (${e.message.split('\n')[0]})`);
      });
    }
    await b.shot('10-stack-sms-fallback');

    // What came over the wire: HTTP/2, the wasm compressed, nothing refused, nothing in the console.
    const nav = await b.page.evaluate(() => performance.getEntriesByType('resource')
      .filter((e) => e.name.includes('/sdk/dist/')).map((e) => ({ name: e.name, protocol: e.nextHopProtocol,
        transfer: e.transferSize, body: e.decodedBodySize })));
    const wasm = nav.find((e) => e.name.endsWith('nv-core.wasm'));
    assert.ok(wasm, JSON.stringify(nav));
    assert.equal(wasm.protocol, 'h2');
    assert.ok(wasm.transfer > 0 && wasm.transfer < wasm.body * 0.6, JSON.stringify(wasm));
    assert.deepEqual(b.failed, []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
