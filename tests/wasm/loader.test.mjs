// The ES-module loader: one artefact for Node and browsers, plain values in and out, bad input never traps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';

import { loadCore, instantiate, Core, tape } from '../../web/src/loader.js';

const core = await loadCore();

test('loads once: later calls share the instance', async () => {
  assert.equal(await loadCore(), core);
  assert.ok(core instanceof Core);
});

test('loadCore() again without a locale keeps the page\'s: no other locale\'s table is fetched', async () => {
  // A module instance of its own (the query makes it one), so this page's first load is in English.
  const { loadCore: load } = await import('../../web/src/loader.js?en-page');
  const en = await load({ locale: 'en' });
  assert.ok(en.page && en.tables.en, 'the page build, with the English table');
  assert.equal(await load(), en);
  assert.equal(en.tables['zh-CN'], undefined, 'the zh-CN table was not fetched');
  assert.equal(await load({ locale: 'zh-CN' }), en);
  assert.ok(en.tables['zh-CN'], 'asked for, it is');
});

test('loads from explicit bytes (the same artefact a browser fetches)', async () => {
  const bytes = await readFile(new URL('../../web/dist/nv-core.wasm', import.meta.url));
  const other = await instantiate({ wasmBinary: bytes });
  assert.notEqual(other, core);
  assert.equal(other.phone('13800138000').masked, '138****8000');
});

test('the module imports nothing a host would have to emulate', async () => {
  const bytes = await readFile(new URL('../../web/dist/nv-core.wasm', import.meta.url));
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes)).map((i) => `${i.module}.${i.name}`);
  assert.deepEqual(imports.sort(), ['env.emscripten_notify_memory_growth', 'wasi_snapshot_preview1.proc_exit']);
  // and exports what the loader uses, nothing of Emscripten's glue (the build drops stackSave and the like)
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
  assert.deepEqual(exports.sort(), ['_initialize', 'memory', 'nv_alloc', 'nv_environment', 'nv_flow_create', 'nv_flow_destroy',
    'nv_flow_step', 'nv_free', 'nv_message_ids', 'nv_phone']);
});

test('phone and environment answer plain objects, with their messages and carrier names in the asked locale', async () => {
  await core.useLocale('en');
  const p = core.phone('+86 186-1234-5678', 'en');
  assert.equal(p.ok, true);
  assert.equal(p.valid, true);
  assert.equal(p.carrier, 'CU');
  assert.equal(p.carrierName, 'China Unicom');
  assert.deepEqual(p.operators, ['CU', 'CM', 'CT']);

  const e = core.environment({ connection: { type: 'wifi' }, userAgent: 'Mozilla/5.0 (Linux; Android 13) Mobile' });
  assert.equal(e.environment.verdict, 'unsupported');
  assert.equal(e.environment.advice, 'turn_off_wifi');
  assert.equal(e.environment.message, '请关闭 Wi-Fi，使用移动数据后重试。');
  assert.equal(core.phone('138', 'zh-CN').message, '手机号位数不足，中国大陆手机号为 11 位。');
  // The page's build has no describe and no info: the full build (nv-core-full.wasm) answers them, and the page
  // reads the carriers' texts from its locale's table, as it reads the messages.
  assert.throws(() => core.describe({ vendor: 9001 }), /unknown core function: describe/);
  assert.throws(() => core.info(), /unknown core function: info/);
  const full = await instantiate({ wasmBinary: await readFile(new URL('../../web/dist/nv-core-full.wasm', import.meta.url)) });
  assert.equal(full.describe({ vendor: 9001 }).code.reason, 'INCONSISTENT');
  assert.equal(core.message('WIFI_ON', 'zh-CN'), full.message('WIFI_ON', 'zh-CN'));
  const cm = full.info().carriers[0];
  assert.equal(core.message('BRANDING_CM', 'zh-CN'), cm.branding['zh-CN']);
  assert.equal(core.message('AGREEMENT_URL_CM', 'zh-CN'), cm.agreement.url);
  assert.equal(core.phone('138 0013 8000', 'zh-CN').carrierName, full.phone('138 0013 8000', 'zh-CN').carrierName);
  assert.ok(!readFileSync(new URL('../../web/dist/nv-core.wasm', import.meta.url)).includes(Buffer.from(cm.branding['zh-CN'])),
    'no carrier text in the page build');
});

test('the page build loads one locale\'s messages, and another one when asked', async () => {
  const bytes = await readFile(new URL('../../web/dist/nv-core.wasm', import.meta.url));
  const zh = await instantiate({ wasmBinary: bytes });
  assert.deepEqual(Object.keys(zh.tables), ['zh-CN'], 'only the default locale was read');
  // en not loaded yet: its answers read the loaded table (a user never sees a bare key)
  assert.equal(zh.phone('138', 'en').message, '手机号位数不足，中国大陆手机号为 11 位。');
  await zh.useLocale('en');
  assert.equal(zh.phone('138', 'en').message, 'The number is too short: mainland China mobile numbers have 11 digits.');
  const en = await instantiate({ wasmBinary: bytes, locale: 'en' });
  assert.deepEqual(Object.keys(en.tables), ['en']);
  assert.equal(en.createFlow({ budgetMs: -5, locale: 'en' }).error.message, en.message('BAD_ARGUMENT', 'en'));
  // A table the host passes itself (a bundler that inlines it) is used as given, nothing is read.
  const own = await instantiate({ wasmBinary: bytes, messages: { 'zh-CN': { PHONE_TOO_SHORT: '太短' } } });
  assert.equal(own.phone('138').message, '太短');
  assert.equal(own.phone('').message, 'PHONE_EMPTY', 'an id missing from a table reads as itself');
  // The file's own form (an array of texts in the module's id order) passed by the host works the same.
  const file = JSON.parse(await readFile(new URL('../../web/dist/nv-messages.en.json', import.meta.url), 'utf8'));
  assert.ok(Array.isArray(file));
  const inlined = await instantiate({ wasmBinary: bytes, locale: 'en', messages: { en: file } });
  assert.equal(inlined.phone('138', 'en').message, 'The number is too short: mainland China mobile numbers have 11 digits.');
  assert.equal(inlined.ids.length, file.length);
  assert.deepEqual(inlined.ids.slice(0, 2), ['OK', 'PHONE_EMPTY'], 'the ids in reasons.hpp order');
  assert.ok(inlined.ids.indexOf('use_sms') < inlined.ids.indexOf('CARRIER_CM'), 'then the advice');
  assert.equal(inlined.ids.at(-1), 'AGREEMENT_URL_CT', "then the carriers' texts");
  // A table from another build (one row short) is refused, not read shifted by one.
  await assert.rejects(instantiate({ wasmBinary: bytes, messages: { 'zh-CN': file.slice(1) } }), /does not match this module/);
  // A table that cannot be read fails the load, as a missing module does.
  await assert.rejects(instantiate({ wasmBinary: bytes, wasmUrl: 'file:///nonexistent/nv-core.wasm' }), /ENOENT/);
});

test('a flow runs and is destroyed', () => {
  const flow = core.createFlow({ locale: 'en' });
  assert.ok(flow.handle > 0);
  assert.equal(flow.config.tokenTimeoutMs, 4000);
  const out = flow.step({ type: 'start', now: 0, phone: '13800138000', consent: true, signals: { connection: { type: 'cellular' } } });
  assert.equal(out.state, 'fetching_token');
  assert.deepEqual(out.commands[0], { cmd: 'get_token', id: 1, operator: 'CM', timeoutMs: 4000 });
  assert.deepEqual(flow.destroy(), { ok: true });
  assert.equal(flow.step({ type: 'tick', now: 1 }).error.code, 'UNKNOWN_FLOW');
  assert.equal(flow.destroy().error.code, 'UNKNOWN_FLOW');
});

test('invalid configuration is an answer, not an exception', () => {
  const bad = core.createFlow({ budgetMs: -5 });
  assert.equal(bad.ok, false);
  assert.equal(bad.error.code, 'BAD_ARGUMENT');
  assert.equal(bad.error.field, 'budgetMs');
});

test('bad input to every export: a clear error, never a trap', () => {
  const flow = core.createFlow();
  const fns = ['phone', 'environment', 'flow_create', 'flow_step'];
  const inputs = [
    ['', 'BAD_JSON'],
    ['{"a":', 'BAD_JSON'],
    ['[]', 'BAD_JSON'],
    ['"just a string"', 'BAD_JSON'],
    [new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), 'BAD_UTF8'],
    [new Uint8Array([0x7b, 0x00, 0x7d]), 'BAD_JSON'],
    ['{' + '"a":'.repeat(1) + '['.repeat(5000), 'BAD_JSON'],
    ['x'.repeat(100_000), 'INPUT_TOO_LARGE'],
    ['x'.repeat(5_000_000), 'INPUT_TOO_LARGE'], // refused before it reaches the heap
  ];
  for (const fn of fns) {
    for (const [input, code] of inputs) {
      const answer = core.parse(core.raw(fn, input, flow.handle));
      assert.equal(answer.ok, false, `${fn}`);
      assert.equal(answer.error.code, code, `${fn} with ${String(input).slice(0, 20)}`);
      assert.ok(answer.error.message.length > 0 && answer.error.message !== code, 'a message, not the bare id');
    }
  }
  assert.equal(flow.step({ type: 'tick', now: -1 }).error.code, 'BAD_TIME');
  assert.equal(flow.step({ type: 'tick', now: Number.MAX_VALUE }).error.code, 'BAD_TIME');
  assert.equal(flow.step({ type: 'tick', now: NaN }).error.code, 'BAD_ARGUMENT'); // JSON.stringify(NaN) is null
  assert.equal(core.json('phone', { input: 1n }).error.code, 'BAD_JSON'); // not serialisable
  flow.destroy();
});

test('the module is still healthy after all of that', () => {
  assert.equal(core.phone('13800138000').masked, '138****8000');
});

test('the memory grows when it must, and the module keeps working', async () => {
  // The full build copies any input up to 1 MiB into its heap to read it; the page's build reads text in JS and
  // refuses more than 64 KiB before a byte reaches its heap.
  const full = await instantiate({ wasmBinary: await readFile(new URL('../../web/dist/nv-core-full.wasm', import.meta.url)) });
  const big = new Uint8Array(1 << 20).fill(0x20); // 1 MiB of spaces: bigger than the initial heap
  for (const [c, grows] of [[full, true], [core, false]]) {
    const before = c.exports.memory.buffer.byteLength;
    assert.equal(JSON.parse(c.raw('phone', big)).error.code, 'INPUT_TOO_LARGE');
    assert.equal(c.exports.memory.buffer.byteLength > before, grows, grows ? 'memory grew' : 'the page build refused it first');
    assert.equal(c.phone('13800138000').masked, '138****8000');
  }
});

test("the page's build reads values: a lone surrogate is BAD_UTF8, as the full build says of its escape", async () => {
  const full = await instantiate({ wasmBinary: await readFile(new URL('../../web/dist/nv-core-full.wasm', import.meta.url)) });
  for (const c of [core, full]) {
    assert.equal(c.phone('138\ud800').error.code, 'BAD_UTF8');
    assert.equal(c.environment({ userAgent: 'x\udc00y' }).error.code, 'BAD_UTF8');
    assert.equal(c.phone('138\ud83d\ude00').reason, 'PHONE_INVALID_CHARS', 'a surrogate pair is a character');
  }
});

// Calls the page build's export with `bytes` as they are (the loader's tape bypassed), from an 8-aligned block
// (plus `offset`); flow_step drives flow `handle`.
function direct(fn, bytes, { offset = 0, handle = 0 } = {}) {
  const x = core.exports;
  const p = x.nv_alloc(bytes.length + offset);
  core.heap().set(bytes, p + offset);
  try {
    const at = p + offset;
    return core.parse(core.take(fn === 'flow_step' ? x.nv_flow_step(handle, at, bytes.length) : x[`nv_${fn}`](at, bytes.length)));
  } finally {
    x.nv_free(p);
  }
}

test("the page's build checks every tape: a malformed one is a clear error, never a trap", () => {
  const enc = new TextEncoder();
  const good = tape(enc.encode(JSON.stringify({ input: '138 0013 8000', locale: 'en' })));
  assert.equal(direct('phone', good).masked, '138****8000');
  const flow = core.createFlow();
  flow.step({ type: 'start', now: 0, phone: '13800138000', consent: true, signals: { connection: { type: 'cellular' } } });
  flow.step({ type: 'token', now: 1, id: 1, token: 't' });
  const reply = tape(enc.encode(JSON.stringify({ type: 'verify_result', now: 2, id: 2, status: 200,
    body: JSON.stringify({ verified: true, result: 'consistent', upstream: { code: 9000 } }) })), true);
  const edit = (bytes, at, value, width = 4) => {
    const b = bytes.slice();
    new DataView(b.buffer).setUint32(at, value, true);
    return width === 1 ? Object.assign(b, { [at]: value }) : b;
  };
  const known = new Set(['BAD_JSON', 'BAD_UTF8', 'INPUT_TOO_LARGE', 'BAD_ARGUMENT', 'UNKNOWN_FIELD', 'BAD_TIME', 'UNKNOWN_EVENT']);
  const refused = (answer, code, what) => {
    assert.equal(answer.ok, false, what);
    if (code) assert.equal(answer.error.code, code, what);
    assert.ok(known.has(answer.error.code), `${what}: ${answer.error.code}`);
  };
  refused(direct('phone', good.slice(0, 7)), 'BAD_JSON', 'shorter than its header');
  refused(direct('phone', good, { offset: 4 }), 'BAD_JSON', 'not 8-byte aligned');
  refused(direct('phone', edit(good, 0, 0)), 'BAD_JSON', 'no node');
  refused(direct('phone', edit(good, 0, 1 << 20)), 'INPUT_TOO_LARGE', 'a million nodes');
  refused(direct('phone', edit(good, 0, 6)), 'BAD_JSON', 'fewer nodes than the value has');
  refused(direct('phone', edit(good, 8 + 12, 99)), 'BAD_JSON', "the root's next past the end");
  refused(direct('phone', edit(good, 8 + 12, 0)), 'BAD_JSON', "the root's next before itself");
  refused(direct('phone', edit(good, 8 + 24 + 8, 1 << 30)), 'BAD_JSON', 'a string past the strings');
  refused(direct('phone', edit(good, 8 + 24 + 2, 1, 1)), 'BAD_JSON', 'an escaped string');
  refused(direct('phone', edit(good, 8 + 24 + 1, 2, 1)), 'BAD_JSON', 'truth 2');
  refused(direct('phone', edit(good, 8 + 24, 9, 1)), 'BAD_JSON', 'an unknown type');
  refused(direct('phone', edit(good, 8 + 24, 2, 1)), 'BAD_JSON', 'a key that is not a string');
  const twice = tape(enc.encode('{"input":"1","inpuT":"2"}'));
  twice[8 + 5 * 24 + 5 + 1 + 4] = 't'.charCodeAt(0); // "inpuT" -> "input": two equal keys
  refused(direct('phone', twice), 'BAD_JSON', 'duplicate keys');
  const bad = tape(enc.encode('{"input":"ab"}'));
  bad[bad.length - 1] = 0xff;
  refused(direct('phone', bad), 'BAD_UTF8', 'invalid UTF-8');
  const nan = tape(enc.encode('{"now":1}'));
  new DataView(nan.buffer).setFloat64(8 + 2 * 24 + 16, NaN, true);
  refused(direct('phone', nan), 'BAD_JSON', 'a number JSON cannot hold');
  const deep = tape(enc.encode(`{"a":${'['.repeat(40)}${']'.repeat(40)}}`));
  refused(direct('phone', deep), 'BAD_JSON', 'nested deeper than 32');
  // Random damage to good tapes: every answer is an answer.
  let seed = 7;
  const random = (n) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  let answers = 0;
  for (let i = 0; i < 3000; i++) {
    const [fn, base] = i % 2 ? ['phone', good] : ['flow_step', reply];
    const b = base.slice();
    for (let k = 1 + random(4); k > 0; k--) b[random(b.length)] = random(256);
    const answer = direct(fn, b, { handle: flow.handle });
    if (!answer.ok) refused(answer, undefined, `damaged tape #${i}`);
    answers++;
  }
  assert.equal(answers, 3000);
  assert.equal(core.broken, false, 'no trap');
  assert.equal(direct('phone', good).masked, '138****8000');
  flow.destroy();
});

test("the allocator: past the memory's cap is null (not a trap), and a freed block is used again", async () => {
  const fresh = await instantiate();
  const x = fresh.exports;
  assert.equal(x.nv_alloc(100 << 20), 0, '100 MB is over the 64 MB cap');
  const big = x.nv_alloc(20 << 20);
  assert.notEqual(big, 0);
  const grown = x.memory.buffer.byteLength;
  x.nv_free(big);
  const again = x.nv_alloc(20 << 20);
  assert.equal(again, big, 'the freed block of the same class');
  assert.equal(x.memory.buffer.byteLength, grown, 'no growth for a block that was freed');
  const small = [1, 8, 9, 100, 4096].map((n) => x.nv_alloc(n));
  assert.equal(new Set(small).size, small.length, 'live blocks are distinct');
  for (const p of small) assert.equal(p % 8, 0, 'every block is 8-byte aligned');
  for (const p of small) x.nv_free(p);
  x.nv_free(again);
  assert.equal(fresh.phone('13800138000').masked, '138****8000');
});

test('no memory is leaked across many calls', () => {
  const heap = () => core.exports.memory.buffer.byteLength;
  // Warm up so that any one-time growth happens first.
  for (let i = 0; i < 200; i++) core.phone('13800138000');
  const before = heap();
  for (let i = 0; i < 20_000; i++) {
    core.phone('+86 138 0013 8000');
    core.environment({ connection: { type: 'cellular' } });
    const f = core.createFlow();
    f.step({ type: 'start', now: 0, phone: '13800138000', consent: true, signals: {} });
    f.destroy();
  }
  assert.equal(heap(), before, 'the heap did not grow');
});

test("a module that traps answers CORE_FAILED from then on, in the caller's locale", async () => {
  const fresh = await (await instantiate()).useLocale('en');
  const real = fresh.exports;
  fresh.exports = { ...real, nv_phone() { throw new WebAssembly.RuntimeError('unreachable'); } };
  const first = fresh.phone('13800138000', 'en');
  assert.equal(first.ok, false);
  assert.equal(first.error.code, 'CORE_FAILED');
  assert.match(first.error.message, /reload/);
  const later = fresh.environment({});
  assert.equal(later.error.code, 'CORE_FAILED');
  assert.match(later.error.message, /刷新/);
});
