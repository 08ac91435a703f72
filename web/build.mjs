// Builds what a page downloads, next to the wasm module in web/dist/:
//   nv.js          the ES module (loader + driver), minified (esbuild, then terser)
//   nv-provider-sandbox.js, nv-provider-jverification.js, nv-provider-bridge.js
//                  the token providers, one file each: nv.js imports the one a verifier names
//   nv.classic.js  the same for <script src>: defines window.NV
//   nv-ui.js       the <nv-verify> custom element, importing ./nv.js
//   nv-messages.zh-CN.json, nv-messages.en.json
//                  the page's build of the module (nv-core.wasm) carries no message text: the loader fetches
//                  the page's locale's table, written here from the full build's describe({list}), so the
//                  messages have one source (wasm/core/include/nv/reasons.hpp and the advice table); a table is
//                  an array of texts in the order of the module's nv_message_ids()
//   *.br, *.gz     each of them precompressed (brotli quality 11, gzip -9): nv-server serves the variant the
//                  browser accepts (docs/server.md, "Static files"), the wasm included
// Usage: node web/build.mjs   (run by scripts/test.sh and scripts/demo.sh after the wasm build)
import { build } from 'esbuild';
import { minify } from 'terser';
import { instantiate } from './src/loader.js';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const dist = join(web, 'dist');
mkdirSync(dist, { recursive: true });
// NV_BROWSER_BUILD: these files are for browsers and the page's build of the module (src/loader.js leaves out
// Node's file reading and the full build's tables).
const common = { bundle: true, minify: true, target: 'es2020', legalComments: 'none', logLevel: 'warning',
  define: { 'globalThis.NV_BROWSER_BUILD': 'true' } };
// Each token provider is a file of its own, which nv.js imports when a verifier names it (src/index.js).
const PROVIDERS = ['sandbox', 'jverification', 'bridge'];
const ownProviders = { name: 'nv-providers', setup(b) {
  b.onResolve({ filter: /^\.\/providers\/\w+\.js$/ }, (args) => ({ path: `./nv-provider-${args.path.slice(12, -3)}.js`, external: true }));
} };
await build({ ...common, entryPoints: [join(web, 'src/index.js')], format: 'esm', outfile: join(dist, 'nv.js'),
  plugins: [ownProviders] });
for (const name of PROVIDERS) {
  await build({ ...common, entryPoints: [join(web, `src/providers/${name}.js`)], format: 'esm',
    outfile: join(dist, `nv-provider-${name}.js`) });
}
// The classic build passes wasmUrl itself (from document.currentScript), so import.meta is never read there.
await build({ ...common, entryPoints: [join(web, 'src/classic.js')], format: 'iife', outfile: join(dist, 'nv.classic.js'),
  logOverride: { 'empty-import-meta': 'silent' } });
// <nv-verify> (nv-web/ui): its own file, loaded only by pages that use it, sharing nv.js with the page.
const sharedCore = { name: 'nv-shared', setup(b) {
  b.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path: './nv.js', external: true }));
} };
await build({ ...common, entryPoints: [join(web, 'src/ui.js')], format: 'esm', outfile: join(dist, 'nv-ui.js'),
  charset: 'utf8', plugins: [sharedCore] });
// terser after esbuild: its names and second compress pass make the page's JS 0.26 KB gzip smaller
// (docs/wasm-size.md); the code is esbuild's, only rewritten.
for (const [name, module] of [['nv.js', true], ['nv.classic.js', false], ['nv-ui.js', true],
  ...PROVIDERS.map((p) => [`nv-provider-${p}.js`, true])]) {
  const file = join(dist, name);
  const { code } = await minify(readFileSync(file, 'utf8'), { module, ecma: 2020, compress: { passes: 2 } });
  writeFileSync(file, code);
}
copyFileSync(join(web, 'src/index.d.ts'), join(dist, 'nv.d.ts'));
const full = await instantiate({ wasmBinary: readFileSync(join(dist, 'nv-core-full.wasm')) });
if (full.page) throw new Error('dist/nv-core-full.wasm has no describe: rebuild the "wasm" preset');
// A table is an array of texts in the order of nv_message_ids(), which the page's build must share with the full one.
const page = await instantiate({ wasmBinary: readFileSync(join(dist, 'nv-core.wasm')), messages: full.tables });
if (page.ids.join() !== full.ids.join()) throw new Error('nv-core.wasm and nv-core-full.wasm list their messages differently: rebuild the "wasm" preset');
for (const [locale, table] of Object.entries(full.tables)) {
  writeFileSync(join(dist, `nv-messages.${locale}.json`), JSON.stringify(full.ids.map((id) => table[id])));
}
const compressed = [];
for (const name of readdirSync(dist)) {
  if (!/\.(js|wasm|d\.ts|json)$/.test(name)) continue;
  const bytes = readFileSync(join(dist, name));
  const br = brotliCompressSync(bytes, { params: {
    [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
    [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    [constants.BROTLI_PARAM_MODE]: name.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
  } });
  writeFileSync(join(dist, `${name}.br`), br);
  writeFileSync(join(dist, `${name}.gz`), gzipSync(bytes, { level: 9 }));
  compressed.push(`${name} ${bytes.length} -> br ${br.length}`);
}
console.log(`web/dist: nv.js, nv-provider-{${PROVIDERS}}.js, nv.classic.js, nv-ui.js, nv.d.ts, nv-messages.{zh-CN,en}.json; precompressed: ${compressed.join(', ')}`);
