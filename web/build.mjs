// Builds what a page downloads, next to the wasm module in web/dist/:
//   nv.js          the ES module (loader + driver + providers), minified
//   nv.classic.js  the same for <script src>: defines window.NV
// Usage: node web/build.mjs   (run by scripts/test.sh and scripts/demo.sh after the wasm build)
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = dirname(fileURLToPath(import.meta.url));
const dist = join(web, 'dist');
mkdirSync(dist, { recursive: true });
const common = { bundle: true, minify: true, target: 'es2020', legalComments: 'none', logLevel: 'warning' };
await build({ ...common, entryPoints: [join(web, 'src/index.js')], format: 'esm', outfile: join(dist, 'nv.js') });
// The classic build passes wasmUrl itself (from document.currentScript), so import.meta is never read there.
await build({ ...common, entryPoints: [join(web, 'src/classic.js')], format: 'iife', outfile: join(dist, 'nv.classic.js'),
  logOverride: { 'empty-import-meta': 'silent' } });
copyFileSync(join(web, 'src/index.d.ts'), join(dist, 'nv.d.ts'));
console.log('web/dist: nv.js, nv.classic.js, nv.d.ts');
