// Mints carrier tokens from a sandbox for the verify benchmark: one device per phone number (numbers are
// spread so the vendor's per-number rules never bind), COUNT tokens in all, written as "phone token" lines.
// Usage: node mint_tokens.mjs BASE COUNT OUT [VENDOR]   (VENDOR aliyun: Aliyun spTokens, ?vendor=aliyun)
import { writeFileSync } from 'node:fs';
import http from 'node:http';

const [base, countText, out, vendor = 'jiguang'] = process.argv.slice(2);
const count = Number(countText);
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function post(path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : '';
    const req = http.request(`${base}${path}`, {
      method: 'POST', agent,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), ...headers },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => (res.statusCode < 300 ? resolve(JSON.parse(text)) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const devices = 200;
const phones = [];
const ids = [];
for (let i = 0; i < devices; i++) {
  // Aliyun: China Unicom numbers (Aliyun's CM allows 10 H5 checks per number a day; CU has no such cap).
  const phone = `${vendor === 'aliyun' ? '186' : '138'}${String(10_000_000 + i * 4987).slice(-8)}`;
  phones.push(phone);
  ids.push((await post('/sandbox/devices', { phone })).deviceId);
}
const lines = new Array(count);
let next = 0;
async function worker() {
  while (next < count) {
    const i = next++;
    const d = i % devices;
    const r = await post(vendor === 'aliyun' ? '/sandbox/carriers/CU/token?vendor=aliyun' : '/sandbox/carriers/CM/token', null,
      { 'X-Sandbox-Device': ids[d] });
    lines[i] = `${phones[d]} ${vendor === 'aliyun' ? r.spToken : r.token}`;
  }
}
const t0 = Date.now();
await Promise.all(Array.from({ length: 16 }, worker));
writeFileSync(out, lines.join('\n') + '\n');
console.log(JSON.stringify({ minted: count, seconds: (Date.now() - t0) / 1000 }));
agent.destroy();
