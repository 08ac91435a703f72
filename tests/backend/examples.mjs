// Runs the partner-backend verification examples of docs/backend.md (examples/backend/: Node, Python, Java) on
// given assertions, so that a test can check them against any JWKS: this directory's own fixture
// (examples.test.mjs) or a real nv-server's /.well-known/jwks.json.
//
//   import { runExamples } from '../backend/examples.mjs';
//   const r = await runExamples(jwksUrl, audience, issuer, [assertion, ...]);
//   // r.node / r.python / r.java = { exitCode, results: [{ok, phone_number, amr, jti} | {ok:false, error}], ... }
//
// A missing runtime is an error that names the package to install, never a skip.
import { spawn, execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examples = path.join(root, 'examples/backend');
const PYTHON = '/usr/bin/python3'; // Debian's, with python3-jwt; not whatever python3 is first on PATH

export const LANGUAGES = ['node', 'python', 'java'];

// The commands of docs/backend.md. Java: the single-file source launch; the two JVM options only shorten
// start-up (C1 only, serial GC) and change nothing in what runs.
export const COMMANDS = {
  node: [process.execPath, [path.join(examples, 'node/verify-assertion.mjs')]],
  python: [PYTHON, [path.join(examples, 'python/verify_assertion.py')]],
  java: ['java', ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', path.join(examples, 'java/VerifyAssertion.java')]],
};

const run = promisify(execFile);
let prerequisites;

// Resolves when node's jose, Python's jwt + cryptography and a Java >= 17 are all there; otherwise rejects with
// one message naming what to install (scripts/setup.sh installs all of it).
export function checkPrerequisites() {
  prerequisites ??= (async () => {
    const missing = [];
    try {
      createRequire(path.join(root, 'package.json')).resolve('jose');
    } catch {
      missing.push('npm package "jose" (run `npm ci` at the repository root)');
    }
    try {
      await run(PYTHON, ['-c', 'import jwt, cryptography; assert int(jwt.__version__.split(".")[0]) >= 2']);
    } catch {
      missing.push(`PyJWT 2.x with cryptography for ${PYTHON} (apt-get install python3-jwt python3-cryptography)`);
    }
    try {
      const { stderr } = await run('java', ['-version']);
      const major = Number(/version "(\d+)/.exec(stderr)?.[1]);
      if (!(major >= 17)) missing.push(`Java 17 or newer, found ${JSON.stringify(stderr.split('\n')[0])} (apt-get install openjdk-17-jdk-headless)`);
    } catch {
      missing.push('java (apt-get install openjdk-17-jdk-headless)');
    }
    if (missing.length) throw new Error(`backend examples: missing ${missing.join('; ')}`);
  })();
  return prerequisites;
}

// At most one example process per CPU: the Java launch compiles the source first, and dozens at once on a
// small machine would only make each of them slow enough to hit the timeout.
let running = 0;
const waiting = [];
async function slot() {
  if (running >= Math.max(1, availableParallelism())) await new Promise((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

// One example on the given assertions: {language, exitCode, signal, results, stdout, stderr, ms}. `results` has
// one parsed JSON object per output line (the examples print one per assertion, in order). Rejects only when the
// program could not run or timed out (default 60 s), or printed a line that is not JSON.
// `command: [cmd, args]` replaces COMMANDS[language] (this directory's test runs modified copies that way).
export async function runExample(language, jwksUrl, audience, issuer, assertions, { timeoutMs = 60_000, command } = {}) {
  if (!COMMANDS[language]) throw new Error(`unknown language ${language}; one of ${LANGUAGES.join(', ')}`);
  if (!Array.isArray(assertions) || assertions.length === 0) throw new Error('assertions: a non-empty array');
  await checkPrerequisites();
  const release = await slot();
  const started = Date.now();
  try {
    const [cmd, args] = command ?? COMMANDS[language];
    const child = spawn(cmd, [...args, jwksUrl, audience, issuer, ...assertions], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [exitCode, signal] = await new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, sig) => resolve([code, sig]));
    }).finally(() => clearTimeout(timer));
    const ms = Date.now() - started;
    if (signal) throw new Error(`${language} example killed by ${signal} after ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
    const results = stdout.split('\n').filter((l) => l !== '').map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new Error(`${language} example printed a line that is not JSON: ${line}\nstderr: ${stderr}`);
      }
    });
    return { language, exitCode, signal, results, stdout, stderr, ms };
  } finally {
    release();
  }
}

// The three examples on the same assertions, concurrently: {node, python, java}, each as runExample's.
export async function runExamples(jwksUrl, audience, issuer, assertions, options = {}) {
  const runs = await Promise.all(LANGUAGES.map((l) => runExample(l, jwksUrl, audience, issuer, assertions, options)));
  return Object.fromEntries(runs.map((r) => [r.language, r]));
}
