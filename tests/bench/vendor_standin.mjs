// A stand-in for the vendor's verify endpoint for the latency benchmark: answers every POST with 9000 after
// LATENCY_MS (default 0), on Node's event loop, so any number of requests wait at once (no thread per request:
// the vendor's own concurrency is never the limit being measured). Prints {"port": N} when listening.
// Usage: LATENCY_MS=50 node tests/bench/vendor_standin.mjs
import http from 'node:http';

const latency = Number(process.env.LATENCY_MS || 0);
let serial = 117270465679982592n;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const answer = () => {
      const body = `{"id":${serial++},"code":9000,"content":"verify consistent","exID":"",` +
        '"riskCheck":{"code":0,"content":"success","score":0,"tags":[],"detail":{}}}';
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (latency > 0) setTimeout(answer, latency);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 65_000;
server.maxHeadersCount = 100;
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, latencyMs: latency })));
process.on('SIGTERM', () => process.exit(0));
