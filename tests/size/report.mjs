// Prints the size of the bundle a page downloads: the wasm module and our JS (which replaces Emscripten's glue), raw and
// gzip -9, against the budget (25 KB gzip) and the vendor's own Web SDK (about 47 KB gzip, without the carrier
// scripts it loads). A report, not a gate: it fails only when an artefact is missing.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = process.env.NV_WEB_DIST ?? path.join(root, 'web/dist');

// Everything a page fetches to verify a number: the web package's ES module (loader and driver, minified by
// web/build.mjs), the token provider the page names (each is a file of its own that nv.js loads when asked: the
// largest of the three is counted), the page's build of the wasm module and its locale's message table (zh-CN,
// the default and the larger of the two).
const providers = ['sandbox', 'jverification', 'bridge'].map((p) => path.join(dist, `nv-provider-${p}.js`));
const largest = providers.filter(existsSync).map((f) => [f, gzipSync(readFileSync(f), { level: 9 }).length])
  .sort((a, b) => b[1] - a[1])[0]?.[0] ?? providers[0];
const bundle = [
  ['wasm module', path.join(dist, 'nv-core.wasm')],
  ['web package (nv.js)', path.join(dist, 'nv.js')],
  [`provider (${path.basename(largest, '.js').slice(12)}, largest)`, largest],
  ['messages (zh-CN)', path.join(dist, 'nv-messages.zh-CN.json')],
];

const BUDGET_GZ = 25_000;
const VENDOR_SDK_GZ = 47_000;

const missing = bundle.filter(([, file]) => !existsSync(file));
if (missing.length) {
  for (const [, file] of missing) console.error(`missing: ${file} (build the "wasm" preset and run node web/build.mjs)`);
  process.exit(1);
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
let raw = 0;
let gz = 0;
const rows = bundle.map(([label, file]) => {
  const bytes = readFileSync(file);
  const z = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += z;
  return { label, file: path.relative(root, file), raw: bytes.length, gzip: z };
});

console.log('bundle a page downloads (gzip -9):');
for (const r of rows) console.log(`  ${r.label.padEnd(28)} ${String(r.raw).padStart(8)} B raw  ${String(r.gzip).padStart(7)} B gzip  ${r.file}`);
console.log(`  ${'total'.padEnd(28)} ${String(raw).padStart(8)} B raw  ${String(gz).padStart(7)} B gzip`);
console.log(`budget ${kb(BUDGET_GZ)} gzip: ${gz <= BUDGET_GZ ? 'within' : 'OVER'} (${((gz / BUDGET_GZ) * 100).toFixed(0)}% of budget)`);
console.log(`vendor Web SDK ~${kb(VENDOR_SDK_GZ)} gzip: ours is ${(gz / VENDOR_SDK_GZ).toFixed(2)}x its size`);
console.log(`SIZE_REPORT ${JSON.stringify({ rawBytes: raw, gzipBytes: gz, budgetGzipBytes: BUDGET_GZ, files: rows })}`);
