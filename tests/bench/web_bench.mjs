// The web package's benchmark (issue 4): the bundle a page downloads (raw and gzip -9) and, in headless
// Chromium at 4x CPU throttling (a mid-range phone), the median time from createVerifier() to the first
// environment verdict, with the browser cache off (every load fetches and compiles the wasm) and on.
// Prints figures; never fails on them. Usage: node tests/bench/web_bench.mjs  (NV_SERVER = the nv-server binary)
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../integration/harness.mjs';
import { openPhone } from '../e2e/browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const RUNS = Number(process.env.BENCH_RUNS || 21);
const BUDGET_MS = 50;

await import('../size/report.mjs');  // the bundle table (raw and gzip -9, against the 25 KB budget)

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const server = await startServer({ args: ['--sandbox', '--demo-dir', join(root, 'tests/bench/page')] });
const b = await openPhone();
try {
  await b.connection('cellular4g');
  await b.cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  for (const cache of [false, true]) {
    await b.cdp.send('Network.setCacheDisabled', { cacheDisabled: !cache });
    const verdict = [], load = [];
    let last;
    for (let i = 0; i < RUNS + 1; i++) {
      await b.page.goto(`${server.base}/?run=${i}`);
      last = await b.page.waitForFunction(() => window.result, null, { timeout: 30_000 }).then((h) => h.jsonValue())
        .catch((e) => { throw new Error(`no result from the bench page (${b.errors.join('; ') || e.message})`); });
      if (i === 0) continue;  // the first load warms the server and the browser process
      verdict.push(last.verdictMs);
      load.push(last.importMs);
    }
    console.log(`Chromium, 4x CPU throttling, cache ${cache ? 'on ' : 'off'}: createVerifier -> first verdict median ` +
      `${median(verdict).toFixed(1)} ms (min ${Math.min(...verdict).toFixed(1)}, max ${Math.max(...verdict).toFixed(1)}, n=${RUNS}; ` +
      `target <= ${BUDGET_MS} ms); import of nv.js median ${median(load).toFixed(1)} ms; verdict "${last.verdict}"`);
  }
} finally {
  await b.close();
  await server.stop();
}
