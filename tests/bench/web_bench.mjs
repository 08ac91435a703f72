// The web package's benchmark (issue 4): the bundle a page downloads (raw and gzip -9) and, in headless
// Chromium at 4x CPU throttling (a mid-range phone), the median time from createVerifier() to the first
// environment verdict, with the browser cache off (every load fetches and compiles the wasm) and on.
// It also loads the demo page and reports what Chromium actually transferred for the SDK (CDP
// Network.loadingFinished.encodedDataLength, headers included) next to the raw and gzip -9 sizes: from nv-server
// alone over HTTP, and through the production stack (scripts/stack.sh: nginx) over HTTP and over HTTPS/HTTP/2.
// A baseline in the same run (the bare wasm's fetch, compile and instantiate, interleaved with the SDK's loads)
// separates what the SDK costs from what the machine costs.
// Prints figures; never fails on them. Usage: node tests/bench/web_bench.mjs  (NV_SERVER = the nv-server binary)
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { startServer, startStack } from '../integration/harness.mjs';
import { openPhone, spkiHash } from '../e2e/browser.mjs';

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
    const verdict = [], load = [], base = [];
    let last;
    const run = async (i, baseline) => {
      await b.page.goto(`${server.base}/?run=${i}${baseline ? '&baseline=1' : ''}`);
      return b.page.waitForFunction(() => window.result, null, { timeout: 30_000 }).then((h) => h.jsonValue())
        .catch((e) => { throw new Error(`no result from the bench page (${b.errors.join('; ') || e.message})`); });
    };
    for (let i = 0; i < RUNS + 1; i++) {
      // Interleaved: the SDK's load and the bare wasm load (the baseline) see the same machine.
      const bare = await run(i, true);
      last = await run(i, false);
      if (i === 0) continue;  // the first load warms the server and the browser process
      base.push(bare.verdictMs);
      verdict.push(last.verdictMs);
      load.push(last.importMs);
    }
    console.log(`Chromium, 4x CPU throttling, cache ${cache ? 'on ' : 'off'}: createVerifier -> first verdict median ` +
      `${median(verdict).toFixed(1)} ms (min ${Math.min(...verdict).toFixed(1)}, max ${Math.max(...verdict).toFixed(1)}, n=${RUNS}; ` +
      `target <= ${BUDGET_MS} ms); import of nv.js median ${median(load).toFixed(1)} ms; verdict "${last.verdict}"`);
    console.log(`  baseline, the same nv-core.wasm by instantiateStreaming alone after the same import (no loader, no messages), interleaved: ` +
      `median ${median(base).toFixed(1)} ms (min ${Math.min(...base).toFixed(1)}, max ${Math.max(...base).toFixed(1)}); ` +
      `first verdict / baseline = ${(median(verdict) / median(base)).toFixed(2)}x; what the SDK adds: ` +
      `${(median(verdict) - median(base)).toFixed(1)} ms`);
  }
} finally {
  await b.close();
  await server.stop();
}

// ---- the SDK on the wire ----------------------------------------------------------------------------------------
// The demo below loads in English (?lang=en): the en message table is the one it fetches, and its provider is the
// sandbox one.
const SDK = ['nv.js', 'nv-provider-sandbox.js', 'nv-core.wasm', 'nv-messages.en.json'];
// Loads the demo with the cache off and returns, per SDK file, the bytes Chromium received and how they came.
async function wire(b, base) {
  const byId = new Map();
  const onResponse = (e) => {
    const file = SDK.find((f) => e.response.url.endsWith(`/sdk/dist/${f}`));
    if (file) byId.set(e.requestId, { file, encoding: e.response.headers['content-encoding'] || e.response.headers['Content-Encoding'] || 'none', protocol: e.response.protocol });
  };
  const onFinished = (e) => { if (byId.has(e.requestId)) byId.get(e.requestId).bytes = e.encodedDataLength; };
  b.cdp.on('Network.responseReceived', onResponse);
  b.cdp.on('Network.loadingFinished', onFinished);
  try {
    await b.cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await b.page.goto(`${base}/?lang=en`);
    await b.page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    b.cdp.off('Network.responseReceived', onResponse);
    b.cdp.off('Network.loadingFinished', onFinished);
  }
  return Object.fromEntries([...byId.values()].map((v) => [v.file, v]));
}

const dist = join(root, 'web/dist');
const sizes = Object.fromEntries(SDK.map((f) => {
  const bytes = readFileSync(join(dist, f));
  return [f, { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, br: brotliCompressSync(bytes).length }];
}));
const rows = [];
const demo = await startServer({ args: ['--sandbox'] });
const stack = await startStack();
const phone = await openPhone({ trustSpki: [spkiHash(join(stack.dir, 'tls/stack.pem'))] });
try {
  await phone.connection('cellular4g');
  for (const [name, base] of [['nv-server alone, HTTP/1.1', demo.base], ['stack (nginx), HTTP/1.1', stack.base],
    ['stack (nginx), HTTPS + HTTP/2', stack.tlsBase]]) {
    rows.push({ name, files: await wire(phone, base) });
  }
} finally {
  await phone.close();
  await stack.stop();
  await demo.stop();
}
console.log('the SDK on the wire (Chromium, cache off; transferred = encodedDataLength, headers included):');
const total = (f) => SDK.reduce((sum, k) => sum + f(k), 0);
console.log(`  ${'file'.padEnd(22)} ${'raw'.padStart(8)} ${'gzip -9'.padStart(8)} ${'brotli'.padStart(8)}   ` +
  rows.map((r) => r.name.padStart(32)).join(''));
for (const f of SDK) {
  console.log(`  ${f.padEnd(22)} ${String(sizes[f].raw).padStart(8)} ${String(sizes[f].gzip).padStart(8)} ${String(sizes[f].br).padStart(8)}   ` +
    rows.map((r) => `${r.files[f]?.bytes ?? '?'} B (${r.files[f]?.encoding ?? '?'}, ${r.files[f]?.protocol ?? '?'})`.padStart(32)).join(''));
}
console.log(`  ${'SDK total'.padEnd(22)} ${String(total((f) => sizes[f].raw)).padStart(8)} ${String(total((f) => sizes[f].gzip)).padStart(8)} ` +
  `${String(total((f) => sizes[f].br)).padStart(8)}   ` + rows.map((r) => `${total((f) => r.files[f]?.bytes ?? 0)} B`.padStart(32)).join(''));
console.log(`WIRE_REPORT ${JSON.stringify({ sizes, rows })}`);

// <nv-verify> (dist/nv-ui.js): loaded only by the pages that use it, on top of the SDK above.
{
  const bytes = readFileSync(join(dist, 'nv-ui.js'));
  const ui = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, br: brotliCompressSync(bytes).length };
  console.log(`  ${'nv-ui.js'.padEnd(22)} ${String(ui.raw).padStart(8)} ${String(ui.gzip).padStart(8)} ${String(ui.br).padStart(8)}   ` +
    '(the <nv-verify> element: only pages that use it load it, with the SDK)');
  console.log(`UI_REPORT ${JSON.stringify(ui)}`);
}
