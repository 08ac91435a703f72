// The vendor and the carriers, for the browser suite, on a loopback port of their own (another origin than the
// page, as h5.verification.jiguang.cn and the carriers' hosts are): serves the SDK stand-in (jverification-sdk.js)
// and the carriers' script stand-ins, answers the SDK's init and sign requests, and plays the carriers' token
// gateways by asking nv-server's sandbox for the simulated device's token. `state` is the test's control panel:
//   init: 'ok' | 'fail' (HTTP 500) | 'forbidden' (403) | 'hang' (never answers) | 'not-json' (200, not JSON)
//   device: the simulated device's id; hang: {CM: true} (that gateway never answers); refuse: {CU: '1|failed'}
//   requests: the carrier token requests the gateways received, in order (['CM', 'CU'])
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const FILES = {
  '/jv/jverification-sdk.js': 'jverification-sdk.js',
  '/jv/carrier/cm/ydrz.js': 'carrier/cm/ydrz.js',
  '/jv/carrier/cu/cuau.js': 'carrier/cu/cuau.js',
};

export async function startVendor({ sandbox }) {
  const state = { init: 'ok', device: null, hang: {}, refuse: {}, requests: [], inits: 0, held: [] };
  // A carrier's answer for the simulated device, from nv-server's sandbox gateway: {token} or {code, message}.
  async function carrier(op) {
    state.requests.push(op);
    if (state.refuse[op]) {
      const [code, message] = String(state.refuse[op]).split('|');
      return { code, message };
    }
    const res = await fetch(`${sandbox}/sandbox/carriers/${op}/token`, { method: 'POST', headers: { 'X-Sandbox-Device': state.device } });
    const j = await res.json();
    return res.ok ? { token: j.token } : { code: j.code, message: j.message };
  }
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const send = (status, body, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type, 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    try {
      if (FILES[url.pathname]) return send(200, readFileSync(join(here, FILES[url.pathname]), 'utf8'), 'text/javascript');
      if (url.pathname === '/jv/v1/open/init') {
        state.inits++;
        if (state.init === 'hang') return state.held.push(res);
        if (state.init === 'fail') return send(500, { error: 'internal' });
        if (state.init === 'forbidden') return send(403, { error: 'appKey not allowed for this domain' });
        if (state.init === 'not-json') return send(200, '<html>maintenance</html>', 'text/html');
        return send(200, { cmApId: '300012000001', cuApId: '99166000000000001', ctApId: '8100000001', isp: '' });
      }
      if (url.pathname.startsWith('/jv/v1/open/sign/')) return send(200, { sign: `signed-${url.pathname.slice(-2)}` });
      const gw = /^\/jv\/carrier\/(CM|CU)\/token$/.exec(url.pathname);
      if (gw) {
        if (state.hang[gw[1]]) { state.requests.push(gw[1]); return state.held.push(res); }
        return send(200, await carrier(gw[1]));
      }
      if (url.pathname === '/jv/carrier/ct/preauth') {
        if (state.hang.CT) { state.requests.push('CT'); return state.held.push(res); }
        const r = await carrier('CT');
        const body = r.token ? { result: 0, data: { operatorType: 'CT', accessCode: r.token } } : { result: r.code, msg: r.message };
        return send(200, `tCallback(${JSON.stringify(body)})`, 'text/javascript');
      }
      return send(404, { error: 'not found' });
    } catch (err) {
      return send(502, { error: String(err && err.message) });
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    sdk: `${base}/jv/jverification-sdk.js`,
    state,
    /** Answers what was held (hung gateways, a hung init) with an error, so nothing stays open. */
    release() {
      for (const r of state.held.splice(0)) { try { r.writeHead(504); r.end(); } catch { /* gone */ } }
    },
    async stop() {
      this.release();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
