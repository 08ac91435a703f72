// The web package as a partner receives it: `npm pack` in web/, installed offline from the tarball into a fresh
// project; publint --strict and @arethetypeswrong/cli (ESM profile) find nothing; the `.wasm` subpath resolves to
// a file; the classic build's global `NV` and the module's API type-check under tsc --strict.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const web = join(root, 'web');
const bin = (name) => join(root, 'node_modules', '.bin', name);
let dir;
let tarball;

before(() => {
  dir = mkdtempSync(join(process.env.NV_SCRATCH || tmpdir(), 'nv-pkg-'));
  assert.ok(existsSync(join(web, 'dist', 'nv-core.wasm')), 'build the wasm and web/dist first (scripts/test.sh does)');
  execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: web, stdio: 'pipe' });
  tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));
  const app = join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'partner-app', private: true, type: 'module' }));
  // Offline, from the file: the package has no dependencies of its own.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, stdio: 'pipe' });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('publint --strict finds nothing', () => {
  const r = spawnSync(bin('publint'), ['--strict', web], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /All good/);
});

test('@arethetypeswrong/cli (ESM profile) finds every JS entry typed; the .wasm subpath is a file', () => {
  const r = spawnSync(bin('attw'), [tarball, '--profile', 'esm-only', '--exclude-entrypoints', './nv-core.wasm', '--format', 'json'],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout.slice(0, 2000) + r.stderr);
  const report = JSON.parse(r.stdout);
  // problems: {kind: [{entrypoint, resolutionKind}]}; the ESM profile ignores node10 and require() from CJS.
  const problems = Object.values(report.problems || {}).flat()
    .filter((p) => !['node10', 'node16-cjs'].includes(p.resolutionKind));
  assert.deepEqual(problems, [], JSON.stringify(problems).slice(0, 1000));
  for (const entry of ['.', './classic', './core']) assert.ok(report.analysis.entrypoints[entry], entry);
  // attw reads JS and types only: resolve the wasm as Node does, from the installed package.
  const resolved = execFileSync(process.execPath, ['--input-type=module', '-e',
    "process.stdout.write(import.meta.resolve('nv-web/nv-core.wasm'))"], { cwd: join(dir, 'app'), encoding: 'utf8' });
  const file = fileURLToPath(resolved);
  assert.ok(statSync(file).isFile(), file);
  assert.ok(statSync(file).size > 10_000);
});

test('the module\'s API and the classic global NV type-check under tsc --strict, from the installed package', () => {
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
  writeFileSync(join(app, 'wrong.ts'), `import { createVerifier } from 'nv-web';
const nv = await createVerifier();
export const n: number = (await nv.verify('1')).verified;
`);
  const tsc = (files) => spawnSync(bin('tsc'), ['--strict', '--noEmit', '--target', 'es2022', '--module', 'esnext',
    '--moduleResolution', 'bundler', '--lib', 'es2022,dom', ...files], { cwd: app, encoding: 'utf8' });
  const good = tsc(['module.ts', 'classic.ts']);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  // The check can fail: a wrong type is caught.
  const bad = tsc(['wrong.ts']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /Type 'boolean' is not assignable to type 'number'/);
});
