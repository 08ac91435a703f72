// `npm pack` in web/, then the tarball installed offline into a fresh project (`<dir>/app`, type module): the
// package exactly as a partner receives it. Shared by tests/web/package.test.mjs and tests/e2e/package.test.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const web = join(root, 'web');

export function packAndInstall(scratch) {
  if (!existsSync(join(web, 'dist', 'nv-core.wasm'))) {
    throw new Error('build the wasm and web/dist first (scripts/test.sh does)');
  }
  const dir = mkdtempSync(join(scratch, 'nv-pkg-'));
  execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], { cwd: web, stdio: 'pipe' });
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz')));
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'partner-app', private: true, type: 'module' }));
  // Offline, from the file: the package has no dependencies of its own.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: app, stdio: 'pipe' });
  return { dir, tarball, app };
}
