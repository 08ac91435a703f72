// Starts nv-server processes on free loopback ports for the integration tests, keeps everything they print
// (for the secret scan), and stops them by PID with SIGTERM, checking that they exit cleanly.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createServer, connect } from 'node:net';
import { checkResponse } from './contract.mjs';

export const SERVER = process.env.NV_SERVER;
if (!SERVER) throw new Error('NV_SERVER must point at the nv-server binary (CTest sets it)');

export const SANDBOX_KEY = '7d431e42dfa6a6d693ac2d04';
export const SANDBOX_SECRET = '5e987ac6d2e04d95a9d8f0d1';

// Everything any server printed and every response the tests read, for the scan at the end.
export const transcript = [];

// Resolves with what `promise` resolves with, or with `late` when it has not settled within `ms`.
export async function within(promise, ms, late = null) {
  let timer;
  const deadline = new Promise((resolve) => { timer = setTimeout(() => resolve(late), ms); });
  try { return await Promise.race([promise, deadline]); } finally { clearTimeout(timer); }
}

export function scratchDir() {
  const dir = mkdtempSync(join(process.env.NV_SCRATCH || tmpdir(), 'nv-it-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeConfig(dir, config) {
  const path = join(dir, `config-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

// An assertion signing key (EC P-256, PEM) for servers started in production mode, which need one
// (NV_ASSERTION_KEY_FILE); made once per test process with the openssl command line.
let assertionKey;
export function assertionKeyFile() {
  if (!assertionKey) {
    const { dir } = scratchDir();
    assertionKey = join(dir, 'assertion-key.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', assertionKey],
      { stdio: 'pipe' });
  }
  return assertionKey;
}

export async function startServer({ args = [], env = {}, db } = {}) {
  const { dir, cleanup } = scratchDir();
  const dbPath = db || join(dir, 'nv.db');
  const sandbox = args.includes('--sandbox') || args.some((a) => a.startsWith('--sandbox-url'));
  const keyEnv = sandbox || 'NV_ASSERTION_KEY_FILE' in env ? {} : { NV_ASSERTION_KEY_FILE: assertionKeyFile() };
  const child = spawn(SERVER, ['--port', '0', '--db', dbPath, ...args], {
    env: { PATH: process.env.PATH, ...keyEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  let buffered = '';
  let resolveReady, rejectReady;
  const ready = new Promise((res, rej) => { resolveReady = res; rejectReady = rej; });
  child.stdout.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      lines.push(line);
      transcript.push(line);
      try {
        const j = JSON.parse(line);
        if (j.msg === 'listening') resolveReady(j);
      } catch { /* not JSON: the scan still sees it */ }
    }
  });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; transcript.push(String(c)); });
  const exited = once(child, 'exit');
  exited.then(([code]) => rejectReady(new Error(`nv-server exited (${code}) before listening: ${stderr}`)));
  const timer = setTimeout(() => rejectReady(new Error('nv-server did not start in 10 s')), 10_000);
  const info = await ready.finally(() => clearTimeout(timer));
  const scheme = info.tls ? 'https' : 'http';
  return {
    port: info.port,
    base: `${scheme}://127.0.0.1:${info.port}`,
    info,
    dbPath,
    dir,
    lines,
    pid: child.pid,
    async stop() {
      let code = child.exitCode;
      let signal = null;
      if (code === null) {
        process.kill(child.pid, 'SIGTERM');
        [code, signal] = await exited;
      }
      cleanup();
      // A clean stop is part of every test (and under the sanitizer build, a memory error or leak is not).
      if (code !== 0) throw new Error(`nv-server exited with ${code ?? signal}: ${stderr.slice(-2000)}`);
      return { code, signal };
    },
    kill() { if (child.exitCode === null) child.kill('SIGKILL'); cleanup(); },
  };
}

export async function call(base, method, path, { body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...headers } };
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  transcript.push(JSON.stringify([...res.headers]) + text);
  await checkResponse({ method, path, status: res.status, headers: res.headers, text });  // server/openapi.yaml
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

// Sandbox helpers.
export async function device(base, spec) {
  const r = await call(base, 'POST', '/sandbox/devices', { body: spec });
  if (r.status !== 201) throw new Error(`device: ${r.status} ${r.text}`);
  return r.json.deviceId;
}

export async function token(base, deviceId, op) {
  return call(base, 'POST', `/sandbox/carriers/${op}/token`, { headers: { 'X-Sandbox-Device': deviceId } });
}

export async function freshToken(base, deviceId, op) {
  const r = await token(base, deviceId, op);
  if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
  return r.json.token;
}

export function verify(base, body, headers = {}) {
  return call(base, 'POST', '/api/v1/verify', { body, headers });
}

// A test CA and a leaf for 127.0.0.1 signed by it, made now with the openssl command line.
export function makeCertificates(dir, name = 'ca') {
  const run = (...a) => execFileSync('openssl', a, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=nv test ${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.pem`);
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', `${name}-leaf.key`,
    '-out', `${name}-leaf.csr`);
  writeFileSync(join(dir, `${name}-ext.cnf`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', `${name}-leaf.csr`, '-CA', `${name}.pem`, '-CAkey', `${name}.key`, '-CAcreateserial',
    '-days', '2', '-extfile', `${name}-ext.cnf`, '-out', `${name}-leaf.pem`);
  return { ca: join(dir, `${name}.pem`), cert: join(dir, `${name}-leaf.pem`), key: join(dir, `${name}-leaf.key`) };
}

// A port free now, below the kernel's ephemeral range (net.ipv4.ip_local_port_range starts at 32768): a port
// from that range can be taken meanwhile as the local end of any outbound connection on the machine (a test
// restarting a server on its port after kill -9 then cannot bind it).
export async function freePort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const srv = createServer();
    const ok = await new Promise((res) => {
      srv.once('error', () => res(false));
      srv.listen(port, '127.0.0.1', () => res(true));
    });
    if (ok) {
      await new Promise((res) => srv.close(res));
      return port;
    }
  }
}

async function accepts(port) {
  return new Promise((res) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

// A real redis-server on a free loopback port (append-only file on, so a restart keeps its data), stopped by PID.
// kill() is SIGKILL: Redis vanishes as in a crash; start() brings it back on the same port and directory.
// `leading`: arguments before the others (a config file and --sentinel, see startSentinel).
export async function startRedis({ appendonly = true, args = [], leading = [] } = {}) {
  const { dir, cleanup } = scratchDir();
  const port = await freePort();
  let child = null;
  let exited = null;
  const r = {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    async start() {
      child = spawn('redis-server', [...leading, '--port', String(port), '--bind', '127.0.0.1', '--save', '',
        '--appendonly', appendonly ? 'yes' : 'no', '--appendfsync', 'always', '--dir', dir,
        '--daemonize', 'no', '--loglevel', 'warning', '--logfile', join(dir, 'redis.log'),
        // A replica's first sync starts at once (Redis 7 waits 5 s by default for more replicas to share it).
        ...(leading.includes('--sentinel') ? [] : ['--repl-diskless-sync-delay', '0']), ...args],
      { stdio: 'ignore' });
      exited = once(child, 'exit');
      for (let i = 0; i < 500; i++) {
        if (await accepts(port)) return;
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} (see ${dir}/redis.log)`);
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error('redis-server did not listen within 5 s');
    },
    async kill() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    async stop() { await r.kill(); cleanup(); },
    cli(...args) { return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim(); },
  };
  await r.start();
  return r;
}

// A real redis-sentinel watching `name` at 127.0.0.1:masterPort (quorum 2: start three), with short timers so a
// failover takes seconds (down after `downAfterMs`, failover timeout 2 s). Stopped by PID like startRedis.
export async function startSentinel(masterPort, name, { downAfterMs = 1000 } = {}) {
  const { dir, cleanup } = scratchDir();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(conf, `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2\nsentinel down-after-milliseconds ${name} ${downAfterMs}\n` +
    `sentinel failover-timeout ${name} 2000\nsentinel parallel-syncs ${name} 1\n`);
  const s = await startRedis({ appendonly: false, leading: [conf, '--sentinel'] });
  const stop = s.stop;
  s.stop = async () => { await stop(); cleanup(); };
  return s;
}

// A real Redis Cluster: `masters` masters with `replicas` replicas each (redis-cli --cluster create), every node a
// startRedis on a free loopback port with its bus port set; ready when every node says cluster_state:ok and
// every master's replicas are in sync. `url`: redis-cluster:// with every node. Stopped by PID.
export async function startCluster({ masters = 3, replicas = 1, nodeTimeoutMs = 2000 } = {}) {
  const nodes = [];
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      nodes.push(await startRedis({ appendonly: false,
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout',
          String(nodeTimeoutMs), '--cluster-port', String(await freePort())] }));
    }
    execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas', String(replicas), '--cluster-yes'], { stdio: 'ignore' });
    const ready = () => nodes.every((n) => {
      const info = n.cli('INFO', 'replication');
      return n.cli('CLUSTER', 'INFO').includes('cluster_state:ok') &&
        (info.includes('role:master') ? info.includes(`connected_slaves:${replicas}`) : info.includes('master_link_status:up'));
    });
    for (let i = 0; i < 600 && !ready(); i++) await new Promise((res) => setTimeout(res, 50));
    if (!ready()) throw new Error('the Redis Cluster did not become ready within 30 s');
  } catch (e) {
    for (const n of nodes) await n.stop();
    throw e;
  }
  return {
    nodes,
    url: `redis-cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    // The node (a startRedis) that is master of `key`'s slot now, as the first live node sees it (CLUSTER NODES:
    // "id host:port@bus flags master-id ping pong epoch state slot-range...").
    owner(key) {
      const live = nodes.find((n) => { try { return n.cli('PING') === 'PONG'; } catch { return false; } });
      const slot = Number(live.cli('CLUSTER', 'KEYSLOT', key));
      for (const line of live.cli('CLUSTER', 'NODES').split('\n')) {
        const f = line.split(' ');
        if (!f[2]?.includes('master') || f[2].includes('fail')) continue;
        const port = Number(f[1].split('@')[0].split(':').pop());
        if (f.slice(8).some((r) => { const [lo, hi = lo] = r.split('-').map(Number); return lo <= slot && slot <= hi; })) {
          return nodes.find((n) => n.port === port);
        }
      }
      return undefined;
    },
    async stop() { for (const n of nodes) await n.stop(); },
  };
}

// The production shape (scripts/stack.sh: nginx, two nv-server, Redis) on free loopback ports, with this
// build's nv-server; stop() sends SIGTERM to the script and checks that it and everything it started are gone.
export async function startStack({ env = {} } = {}) {
  const { dir, cleanup } = scratchDir();
  const [port, tlsPort] = [await freePort(), await freePort()];
  const root = new URL('../../', import.meta.url).pathname;
  const child = spawn('bash', [join(root, 'scripts/stack.sh')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), TLS_PORT: String(tlsPort), NV_SERVER: SERVER, NV_STACK_DIR: dir,
      NV_STACK_SETUP: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = once(child, 'exit');
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the stack did not start in 60 s:\n${out}`)), 60_000);
    const seen = (c) => {
      out += c;
      transcript.push(String(c));
      if (out.includes('stack ready (TLS')) { clearTimeout(timer); resolve(); }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    exited.then(([code]) => { clearTimeout(timer); reject(new Error(`stack.sh exited (${code}):\n${out}`)); });
  });
  const pids = Object.fromEntries(readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map((l) => l.split(' '))
    .map(([name, pid]) => [name, Number(pid)]));
  const ports = Object.fromEntries(readFileSync(join(dir, 'ports'), 'utf8').trim().split('\n').map((l) => l.split(' '))
    .map(([name, p]) => [name, Number(p)]));
  const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  return {
    port, tlsPort, dir, pids, ports, output: () => out,
    base: `http://127.0.0.1:${port}`,
    tlsBase: `https://127.0.0.1:${tlsPort}`,
    ca: readFileSync(join(dir, 'tls/ca.pem')),
    logs: (name) => readFileSync(join(dir, 'logs', name), 'utf8'),
    alive,
    async stop() {
      let code = child.exitCode;
      if (code === null) {
        child.kill('SIGTERM');
        // stack.sh stops nginx, the instances and Redis in turn; each is bounded by its own drain. If it is still
        // going after 60 s, what it waits for is named, and everything is killed so that no process outlives us.
        const done = await within(exited, 60_000);
        if (done === null) {
          const stuck = Object.entries(pids).filter(([, pid]) => alive(pid));
          for (const [, pid] of stuck) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
          child.kill('SIGKILL');
          await exited;
          cleanup();
          throw new Error(`stack.sh did not stop within 60 s of SIGTERM; still running: ${JSON.stringify(stuck)}:\n` +
            out.slice(-2000));
        }
        [code] = done;
      }
      const left = Object.entries(pids).filter(([, pid]) => alive(pid));
      cleanup();
      if (code !== 0) throw new Error(`stack.sh exited with ${code}:\n${out.slice(-2000)}`);
      if (left.length) throw new Error(`still running after the stack stopped: ${JSON.stringify(left)}`);
    },
  };
}
