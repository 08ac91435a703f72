// The web package as a partner receives it: `npm pack` in web/, installed offline from the tarball into a fresh
// project; publint --strict and @arethetypeswrong/cli (ESM profile) find nothing; the `.wasm` subpath resolves to
// a file; the classic build's global `NV` and the module's API type-check under tsc --strict, and so does every JS
// code block of README.md and docs/web.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packAndInstall, root, web } from './pack.mjs';

const bin = (name) => join(root, 'node_modules', '.bin', name);
let dir;
let tarball;

before(() => {
  ({ dir, tarball } = packAndInstall(process.env.NV_SCRATCH || tmpdir()));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('publint --strict finds nothing', () => {
  const r = spawnSync(bin('publint'), ['--strict', web], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /All good/);
});

const FILES = ['./nv-core.wasm', './nv-core-full.wasm', './nv-messages.zh-CN.json', './nv-messages.en.json'];

test('@arethetypeswrong/cli (ESM profile) finds every JS entry typed; the .wasm and message subpaths are files', () => {
  const r = spawnSync(bin('attw'), [tarball, '--profile', 'esm-only', '--exclude-entrypoints', ...FILES, '--format', 'json'],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout.slice(0, 2000) + r.stderr);
  const report = JSON.parse(r.stdout);
  // problems: {kind: [{entrypoint, resolutionKind}]}; the ESM profile ignores node10 and require() from CJS.
  const problems = Object.values(report.problems || {}).flat()
    .filter((p) => !['node10', 'node16-cjs'].includes(p.resolutionKind));
  assert.deepEqual(problems, [], JSON.stringify(problems).slice(0, 1000));
  for (const entry of ['.', './classic', './core', './ui', './providers', './providers/sandbox', './providers/jverification',
    './providers/bridge']) assert.ok(report.analysis.entrypoints[entry], entry);
  // attw reads JS and types only: resolve the wasm and the message tables as Node does, from the installed package.
  for (const sub of FILES) {
    const resolved = execFileSync(process.execPath, ['--input-type=module', '-e',
      `process.stdout.write(import.meta.resolve('nv-web/${sub.slice(2)}'))`], { cwd: join(dir, 'app'), encoding: 'utf8' });
    const file = fileURLToPath(resolved);
    assert.ok(statSync(file).isFile(), file);
    assert.ok(statSync(file).size > 5_000, `${file}: ${statSync(file).size} B`);
  }
});

test('the module\'s API, the classic global NV and <nv-verify> type-check under tsc --strict, from the installed package', () => {
  const app = join(dir, 'app');
  writeFileSync(join(app, 'module.ts'), `import { createVerifier } from 'nv-web';
const nv = await createVerifier({ server: '/api/v1', tokenProvider: 'sandbox', locale: 'en' });
const r = await nv.verify('138 0013 8000', { consent: true });
const l = await nv.login({ consent: true });
const ok: boolean = r.verified && l.loggedIn;
export const assertion: string | undefined = ok ? l.assertion : r.assertion;
`);
  writeFileSync(join(app, 'classic.ts'), `import type {} from 'nv-web/classic';
NV.createVerifier({ tokenProvider: 'bridge' }).then((nv) => nv.checkEnvironment().verdict);
window.NV.createVerifier().then((nv) => nv.destroy());
export {};
`);
  writeFileSync(join(app, 'element.ts'), `import { NvVerify } from 'nv-web/ui';
const e: NvVerify | null = document.querySelector('nv-verify');
e?.addEventListener('nv-result', (ev) => console.log(ev.detail.code, ev.detail.assertion));
export const mode: 'verify' | 'login' | undefined = e?.mode;
`);
  writeFileSync(join(app, 'wrong.ts'), `import { createVerifier } from 'nv-web';
const nv = await createVerifier();
export const n: number = (await nv.verify('1')).verified;
`);
  const tsc = (files) => spawnSync(bin('tsc'), ['--strict', '--noEmit', '--target', 'es2022', '--module', 'esnext',
    '--moduleResolution', 'bundler', '--lib', 'es2022,dom', ...files], { cwd: app, encoding: 'utf8' });
  const good = tsc(['module.ts', 'classic.ts', 'element.ts']);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  // The check can fail: a wrong type is caught.
  const bad = tsc(['wrong.ts']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /Type 'boolean' is not assignable to type 'number'/);
});

test('every JS code block of README.md and docs/web.md type-checks under tsc --strict against the package', () => {
  const app = join(dir, 'app');
  const blocks = [];
  for (const doc of ['README.md', 'docs/web.md']) {
    const text = readFileSync(join(root, doc), 'utf8');
    for (const m of text.matchAll(/^```(js|html)\n([\s\S]*?)^```/gm)) {
      const code = m[1] === 'js' ? [m[2]] : [...m[2].matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((s) => s[1]);
      for (const c of code) if (c.trim()) blocks.push({ doc, line: text.slice(0, m.index).split('\n').length + 1, code: c });
    }
  }
  assert.ok(blocks.length >= 5, `found ${blocks.length} blocks`);
  // What the examples leave to the page (its own elements and helpers), and the classic build's global.
  writeFileSync(join(app, 'page.d.ts'), `declare const phoneInput: HTMLInputElement;
declare const consentBox: HTMLInputElement;
declare const nv: import('nv-web').Verifier;
declare function progress(e: import('nv-web').StateEvent): void;
declare function showSms(message: string): void;
declare function showSmsLogin(message: string): void;
declare function showTerms(branding: string, agreement: string, url: string): void;
declare function show(message: string): void;
declare function login(): void;
declare const cdp: { send(method: string, params?: object): Promise<unknown> };
`);
  // The pages load dist/nv.classic.js and dist/nv-ui.js with script tags: their globals are in scope.
  writeFileSync(join(app, 'classic-types.ts'), "import type {} from 'nv-web/classic';\nimport type {} from 'nv-web/ui';\n");
  const files = ['page.d.ts', 'classic-types.ts'];
  blocks.forEach((b, i) => {
    const name = `doc-${i}.ts`;
    writeFileSync(join(app, name), `// ${b.doc}:${b.line}\n${b.code}\nexport {};\n`);
    files.push(name);
  });
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler',
      lib: ['es2022', 'dom'], skipLibCheck: false,
      // The pages import the package from where nv-server serves it.
      paths: { '/sdk/dist/nv.js': ['./node_modules/nv-web/src/index.d.ts'] } },
    files,
  }));
  const r = spawnSync(bin('tsc'), ['-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  const where = r.stdout.replace(/doc-(\d+)\.ts/g, (_, i) => `${blocks[i].doc}:${blocks[i].line} (doc-${i}.ts)`);
  assert.equal(r.status, 0, where);
});
