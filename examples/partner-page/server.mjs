// A partner's own site: its page (public/), nv-web's files from the installed package at /nv/ (any path works:
// nv.js finds nv-core.wasm and the message tables beside itself), and the partner's backend route that trusts a
// verification only after checking its signed assertion (docs/backend.md) with jose.
//
//   npm install /path/to/nv-web-0.1.0.tgz && npm install
//   NV_API=http://127.0.0.1:8080/api/v1 PORT=3000 node server.mjs
//   nv-server --sandbox --cors-origin http://127.0.0.1:3000      (the page's origin, exactly)
//
// Settings (environment): NV_API (nv-server's API base), PORT, HOST, NV_ISSUER and NV_AUDIENCE (the assertion's
// iss and aud: nv-server's assertion.issuer / assertion.audience; the sandbox's are nv-server and partner-backend),
// NV_ASSETS (the folder served at /nv/; default node_modules/nv-web/dist).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const here = fileURLToPath(new URL('.', import.meta.url));
const api = (process.env.NV_API || 'http://127.0.0.1:8080/api/v1').replace(/\/$/, '');
const assets = process.env.NV_ASSETS || join(here, 'node_modules/nv-web/dist');
const issuer = process.env.NV_ISSUER || 'nv-server';
const audience = process.env.NV_AUDIENCE || 'partner-backend';
const jwks = createRemoteJWKSet(new URL('/.well-known/jwks.json', api));
const used = new Map(); // jti -> exp: each assertion is accepted once (several instances: a shared store)

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.json': 'application/json', '.css': 'text/css' };
// The page's own CSP: its scripts and nv-web's from here, the API and the sandbox on nv-server's origin, wasm
// compilation. (With the vendor's Web SDK the carriers' hosts join it: docs/web.md.)
const csp = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${new URL(api).origin}; ` +
  "style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

async function file(res, dir, path) {
  const full = normalize(join(dir, path));
  if (!full.startsWith(normalize(dir))) return send(res, 404, 'text/plain', 'not found');
  try {
    return send(res, 200, TYPES[extname(full)] || 'application/octet-stream', await readFile(full));
  } catch {
    return send(res, 404, 'text/plain', 'not found');
  }
}

function send(res, status, type, body) {
  res.writeHead(status, { 'Content-Type': type, 'Content-Security-Policy': csp, 'Cache-Control': 'no-store' });
  res.end(body);
}

// POST /api/session {assertion}: the partner's own login, trusting nv-server's signature, not the browser.
async function session(req, res) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 8192) return send(res, 413, 'application/json', '{"error":"too large"}');
  }
  try {
    const { assertion } = JSON.parse(body);
    const { payload } = await jwtVerify(String(assertion), jwks, { algorithms: ['ES256'], issuer, audience });
    const now = Date.now() / 1000;
    for (const [j, exp] of used) if (exp < now) used.delete(j);
    if (used.has(payload.jti)) return send(res, 409, 'application/json', '{"error":"assertion already used"}');
    used.set(payload.jti, payload.exp);
    return send(res, 200, 'application/json', JSON.stringify({ ok: true, phone_number: payload.phone_number,
      amr: payload.amr, operator: payload.operator }));
  } catch (err) {
    return send(res, 401, 'application/json', JSON.stringify({ ok: false, error: String(err && err.code || err.message) }));
  }
}

const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (req.method === 'POST' && path === '/api/session') return session(req, res);
  if (req.method !== 'GET') return send(res, 405, 'text/plain', 'method not allowed');
  if (path === '/config.json') return send(res, 200, 'application/json', JSON.stringify({ api }));
  if (path.startsWith('/nv/')) return file(res, assets, path.slice(4));
  return file(res, join(here, 'public'), path === '/' ? 'index.html' : path);
});
server.listen(Number(process.env.PORT || 3000), process.env.HOST || '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ msg: 'partner page listening', url: `http://${process.env.HOST || '127.0.0.1'}:${port}/`, api }));
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { server.close(); server.closeAllConnections(); });
