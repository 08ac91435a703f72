// Loads the core's WebAssembly module and exposes its functions with plain JS values.
//
// One artefact for every host: dist/nv-core.wasm is a standalone module (no Emscripten JS glue, two trivial
// imports). Browsers fetch it next to this file (or from `wasmUrl`) and compile it while it streams; Node reads
// the file. This is the only file that touches the wasm heap. Every function returns the core's answer as an
// object, {ok: true, ...} or {ok: false, error: {code, message, field?}}; nothing throws for bad input.
//
// nv-core.wasm is the page's build: it carries no message text and no `describe` (docs/wasm-size.md). Its answers
// hold a key where a message goes ("\u0001ID" for zh-CN, "\u0002\u0001ID" for en), and this file puts the text in
// its place from nv-messages.<locale>.json, fetched next to the module for the locale the page asks for. A table
// is an array of texts in the order of the module's own nv_message_ids() (reasons.hpp's order, then the advice).
// nv-core-full.wasm (the tests' build) has the messages inside and needs no table.
//
// The page's build also reads no JSON text: this file parses the input (JSON.parse) and hands the module the
// value laid out as its document's nodes (a "tape", below); nv-core-full.wasm reads the text itself.

const MAX_INPUT_BYTES = 1 << 20; // bigger inputs are refused before they are copied into the heap
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// The browser builds (dist/nv.js and the rest, web/build.mjs) define NV_BROWSER_BUILD, which leaves out what
// only Node needs (reading files) and what only the full build of the module needs (its message tables, from
// describe): a page loads the page's build. Node runs these sources (nv-web/core, and nv-web under Node).
const browserBuild = !!globalThis.NV_BROWSER_BUILD;
const isNode = !browserBuild && typeof process === 'object' && !!(process.versions && process.versions.node);
// The module beside this file: dist/nv.js finds dist/nv-core.wasm wherever the page serves the folder; the sources
// (Node, nv-web/core) find it in ../dist.
const defaultUrl = () => new URL(browserBuild ? 'nv-core.wasm' : '../dist/nv-core.wasm', import.meta.url);
const LOCALES = ['zh-CN', 'en'];

const strict = new TextDecoder('utf-8', { fatal: true });

class Abort extends Error {}

// A page's setup problem, with the reason code the page shows (SETUP_ASSET) and the URL that failed.
const setupError = (url, what) => Object.assign(new Error(`nv-web: ${url} ${what}`), { code: 'SETUP_ASSET', url: String(url) });

// Fetches one of the package's files, or throws a setup error naming its URL and what went wrong: a network or
// CORS failure, an HTTP status (a file missing where the page serves the package), a page served instead.
export async function fetchAsset(url, type) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw setupError(url, `could not be fetched (${err && err.message})`);
  }
  const got = response.headers.get('Content-Type') || '';
  // A missing file, or a page served in its place (a single-page app's fallback): the package's dist/ is elsewhere.
  if (!response.ok || /^text\/html/i.test(got)) {
    throw setupError(url, `answered ${response.status} ${got}, not ${type}: serve the package's dist/ there, or set assetBase`);
  }
  return response;
}

// The page's build of the module reads a value as a tape (nv::json::Document::read_tape, which checks all of it):
// the node count (uint32, little-endian) and 4 bytes of padding, 24 bytes a node (type: 0 null, 1 bool,
// 2 number, 3 string, 4 array, 5 object; truth (byte 1); begin and end of a string's bytes; next, the index
// after the node's subtree; number), then the strings' UTF-8 bytes. The text's own rules are checked here,
// where it is read, as the full build's parser checks them: at most 64 KiB (nv::kMaxInputBytes), UTF-8 (no lone
// surrogate), JSON syntax; nesting and the rest are the module's. JSON.parse keeps the last of duplicate keys,
// which the full build refuses (a JS object cannot hold two). With `withBody`, a top-level `body` string (a
// verify_result's) is parsed too, and its value follows it when it is a JSON object nested less than 32 deep.
// Answers the tape's bytes, or the reason the text was refused.
export function tape(bytes, withBody) {
  if (bytes.length > 65536) return 'INPUT_TOO_LARGE';
  let value;
  try {
    value = JSON.parse(strict.decode(bytes));
  } catch (err) {
    return err instanceof SyntaxError ? 'BAD_JSON' : 'BAD_UTF8';
  }
  const n = []; // 5 numbers a node: type + 256 * truth, begin, end, next, number
  const strings = [];
  let size = 0;
  let deep = 0;
  const put = (v, depth) => {
    const at = n.length;
    if (depth > deep) deep = depth;
    n.push(0, 0, 0, 0, 0);
    if (typeof v === 'boolean') n[at] = 1 + 256 * v;
    else if (typeof v === 'number') n[at + 4] = (n[at] = 2) && v;
    else if (typeof v === 'string') {
      if (/\p{Cs}/u.test(v)) throw new TypeError('lone surrogate');
      const b = encoder.encode(v);
      strings.push(b);
      n.splice(at, 3, 3, size, size += b.length);
    } else if (Array.isArray(v)) {
      n[at] = 4;
      for (const x of v) put(x, depth + 1);
    } else if (v) {
      n[at] = 5;
      for (const k in v) {
        put(k, depth + 1);
        if (withBody && !depth && k === 'body' && typeof v[k] === 'string') body(v[k]);
        else put(v[k], depth + 1);
      }
    }
    n[at + 3] = n.length / 5;
  };
  // The body's value when it is a JSON object the full build's parser reads; else its text (no reply).
  const body = (s) => {
    const mark = [n.length, strings.length, size];
    try {
      const parsed = JSON.parse(s);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        n.push(3 + 256, size, size, 0, 0);
        deep = 0;
        put(parsed, 0);
        n[mark[0] + 3] = n.length / 5;
        if (deep < 32) return;
      }
    } catch { /* not JSON, or a lone surrogate in it */ }
    [n.length, strings.length, size] = mark;
    put(s, 1);
  };
  try {
    put(value, 0);
  } catch {
    return 'BAD_UTF8';
  }
  const count = n.length / 5;
  const out = new Uint8Array(8 + count * 24 + size);
  const words = new Uint32Array(out.buffer, 0, 2 + count * 6);
  const numbers = new Float64Array(out.buffer, 0, 1 + count * 3);
  words[0] = count;
  for (let i = 0; i < count; i++) {
    words.set(n.slice(i * 5, i * 5 + 4), 2 + i * 6);
    numbers[3 * i + 3] = n[i * 5 + 4];
  }
  let o = 8 + count * 24;
  for (const b of strings) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

let shared;
const tablesLoading = new Map(); // base + locale -> the one fetch of that table, whoever asks

/**
 * Loads the core once per page (or process); later calls return the same promise (with `locale`'s messages, when
 * one is given).
 * @param {{wasmUrl?: string|URL, wasmBinary?: ArrayBuffer|Uint8Array, locale?: 'zh-CN'|'en',
 *   messages?: Record<string, Record<string, string>>}} [options]
 */
export function loadCore(options = {}) {
  if (!shared) {
    shared = instantiate(options).catch((err) => {
      shared = undefined; // a failed load (offline, blocked) may be retried
      throw err;
    });
    return shared;
  }
  // Without a locale, the one the page loaded with stands: no other table is fetched.
  return shared.then((core) => (options.locale ? core.useLocale(options.locale) : core));
}

// A message table for one locale (reasons and advice) as web/build.mjs writes it: texts in nv_message_ids() order.
// Fetched once per page, however many verifiers and elements ask for it.
function readTable(base, locale) {
  const url = new URL(`nv-messages.${locale}.json`, base);
  if (!tablesLoading.has(url.href)) {
    const read = (async () => {
      if (isNode && url.protocol === 'file:') {
        const fs = ['node:fs', 'promises'].join('/');
        return JSON.parse(await (await import(/* webpackIgnore: true */ fs)).readFile(url, 'utf8'));
      }
      const text = await (await fetchAsset(url, 'JSON')).text();
      try {
        return JSON.parse(text);
      } catch {
        throw setupError(url, 'is not the message table (not JSON)');
      }
    })();
    read.catch(() => tablesLoading.delete(url.href)); // a failed fetch may be retried
    tablesLoading.set(url.href, read);
  }
  return tablesLoading.get(url.href);
}

/** Instantiates a module of its own (tests, or a page that needs two independent cores). */
export async function instantiate(options = {}) {
  const imports = {
    env: { emscripten_notify_memory_growth() {} }, // views are re-created on demand (Core.heap)
    wasi_snapshot_preview1: {
      proc_exit(code) {
        throw new Abort(`nv-core aborted (${code})`);
      },
    },
  };
  let source = options.wasmBinary;
  const url = options.wasmUrl ?? defaultUrl();
  const base = new URL(String(url), globalThis.location?.href ?? `file://${isNode ? process.cwd() : ''}/`);
  const locale = options.locale === 'en' ? 'en' : 'zh-CN';
  // In a browser the page's message table is fetched while the module compiles (a full build ignores it).
  const early = !isNode && !(options.messages && options.messages[locale])
    ? readTable(base, locale).catch((err) => err) : null;
  if (!source && isNode) {
    // A specifier the minifier cannot fold into a literal: a partner's bundler for the web must not follow it.
    const fs = ['node:fs', 'promises'].join('/');
    source = await (await import(/* webpackIgnore: true */ fs)).readFile(url);
  }
  let result;
  try {
    if (source) {
      result = await WebAssembly.instantiate(source, imports);
    } else {
      // One request: compiled while it streams when served as application/wasm, else from its bytes.
      const response = await fetchAsset(url, 'the WebAssembly module');
      result = /wasm/.test(response.headers.get('Content-Type'))
        ? await WebAssembly.instantiateStreaming(response, imports)
        : await WebAssembly.instantiate(await response.arrayBuffer(), imports);
    }
  } catch (err) {
    if (!(err instanceof WebAssembly.CompileError)) throw err;
    throw setupError(url, `is not nv-core.wasm (${err.message})`);
  }
  const exports = result.instance.exports;
  exports._initialize();
  const core = new Core(exports, base, options.messages);
  if (core.page) {
    if (early) {
      const table = await early;
      if (table instanceof Error) throw table;
      core.tables[locale] = core.table(table);
    }
    await core.useLocale(locale);
  }
  return core;
}

export class Core {
  constructor(exports, base, messages) {
    this.exports = exports;
    this.broken = false;
    this.view = new Uint8Array(0);
    this.base = base ?? defaultUrl();
    // The page's build has no describe and keeps its messages in per-locale tables (see the top of this file).
    this.page = typeof exports.nv_describe !== 'function';
    // The rows' ids, in the order of the tables' texts.
    this.ids = this.take(exports.nv_message_ids()).split(',');
    this.tables = {};
    for (const [l, t] of Object.entries(messages || {})) this.tables[l] = this.table(t);
    const tables = this.tables;
    // A locale whose table is not loaded (yet) reads the other one's, so a user never sees a bare key.
    const text = (this.text = (locale, id) => {
      const t = tables[locale] || tables[LOCALES.find((l) => tables[l])];
      return (t && t[id]) || id;
    });
    this.reviver = (_, v) => (typeof v !== 'string' || v.charCodeAt(0) > 2 ? v
      : v.charCodeAt(0) === 1 ? text('zh-CN', v.slice(1)) : v.charCodeAt(1) === 1 ? text('en', v.slice(2)) : v);
    if (!this.page && !browserBuild) {
      // The full build's own tables, from its describe: what web/build.mjs writes for the page's build.
      const { reasons } = this.describe({ list: 'reasons' });
      const { advice } = this.describe({ list: 'advice' });
      const { texts } = this.describe({ list: 'texts' });
      for (const l of LOCALES) {
        const t = (tables[l] = {});
        for (const r of reasons) t[r.reason] = r.messages[l];
        for (const a of advice) t[a.advice] = a.messages[l];
        for (const x of texts) t[x.text] = x.messages[l];
      }
    }
  }

  /** A table as {ID: text}, from the file's array (in the module's id order) or an object given by the host. */
  table(t) {
    if (!Array.isArray(t)) return t;
    if (t.length !== this.ids.length) throw new Error('nv-core: the message table does not match this module (rebuild web/dist)');
    return Object.fromEntries(this.ids.map((id, i) => [id, t[i]]));
  }

  /**
   * Makes `locale`'s messages available (the page's build fetches nv-messages.<locale>.json once); resolves to
   * this core.
   */
  async useLocale(locale) {
    const l = locale === 'en' ? 'en' : 'zh-CN';
    if (this.page && !this.tables[l]) {
      const t = await readTable(this.base, l);
      if (!this.tables[l]) this.tables[l] = this.table(t);
    }
    return this;
  }

  /** A reason's or an advice's message in `locale` (for codes the server or a provider reported). */
  message(id, locale) {
    return this.text(locale === 'en' ? 'en' : 'zh-CN', id);
  }

  /** Carriers (branding, agreement, token TTL), flow defaults and the version. */
  info(locale) {
    return this.json('info', locale ? { locale } : {});
  }

  /** Normalise, validate, mask and guess the carrier of what the user typed. */
  phone(input, locale) {
    return this.json('phone', locale ? { input, locale } : { input });
  }

  /** The environment verdict for the signals the page collected. */
  environment(signals) {
    return this.json('environment', signals);
  }

  /** A code's meaning: {vendor: 9001} | {sdk: 2002} | {carrier: 'CM', code: '103111'} | {reason} | {advice} | {list}. */
  describe(query) {
    return this.json('describe', query);
  }

  /** A token flow, or the error answer when the configuration is refused. */
  createFlow(config = {}) {
    const created = this.json('flow_create', config);
    return created.ok ? new Flow(this, created.flow, created.config, config.locale) : created;
  }

  json(fn, value, flow, locale) {
    let text;
    try {
      text = JSON.stringify(value === undefined ? null : value);
    } catch {
      text = '"not serialisable"'; // cyclic objects, BigInt: the core answers BAD_JSON
    }
    return this.parse(this.raw(fn, text, flow, locale ?? (value && value.locale)));
  }

  /** An answer's JSON text as an object, with the messages in place (the page's build). */
  parse(text) {
    return JSON.parse(text, this.page ? this.reviver : undefined);
  }

  /**
   * Calls an export with a string or raw bytes and returns the answer's JSON text. Bytes reach the core
   * unchanged, so invalid UTF-8 can be tested; strings are encoded as UTF-8.
   */
  raw(fn, input, flow, locale) {
    const f = this.exports[`nv_${fn}`];
    if (typeof f !== 'function') throw new TypeError(`unknown core function: ${fn}`);
    if (this.broken) return this.ownError('CORE_FAILED', locale);
    const x = this.exports;
    try {
      if (fn === 'flow_destroy') return this.take(f(flow | 0), locale);
      let bytes = typeof input === 'string' ? encoder.encode(input) : input;
      if (!(bytes instanceof Uint8Array)) throw new TypeError('input must be a string or a Uint8Array');
      if (bytes.length > MAX_INPUT_BYTES) return this.ownError('INPUT_TOO_LARGE', locale);
      if (this.page) {
        bytes = tape(bytes, fn === 'flow_step');
        if (typeof bytes === 'string') return this.ownError(bytes, locale);
      }
      const ptr = x.nv_alloc(bytes.length);
      if (!ptr) return this.ownError('OUT_OF_MEMORY', locale);
      this.heap().set(bytes, ptr);
      try {
        return this.take(fn === 'flow_step' ? f(flow | 0, ptr, bytes.length) : f(ptr, bytes.length), locale);
      } finally {
        x.nv_free(ptr);
      }
    } catch (err) {
      if (err instanceof TypeError) throw err; // misuse of this API, not bad input
      // A trap or an abort leaves the module's memory in an unknown state: stop using it.
      this.broken = true;
      return this.ownError('CORE_FAILED', locale);
    }
  }

  // The current view of the module's memory (growing the memory detaches the previous one).
  heap() {
    const buffer = this.exports.memory.buffer;
    if (this.view.buffer !== buffer) this.view = new Uint8Array(buffer);
    return this.view;
  }

  take(ptr, locale) {
    if (!ptr) return this.ownError('OUT_OF_MEMORY', locale);
    const heap = this.heap();
    const text = decoder.decode(heap.subarray(ptr, heap.indexOf(0, ptr)));
    this.exports.nv_free(ptr);
    return text;
  }

  ownError(code, locale) {
    return JSON.stringify({ ok: false, error: { code, message: this.message(code, locale) } });
  }
}

export class Flow {
  constructor(core, handle, config, locale) {
    this.core = core;
    this.handle = handle;
    this.config = config;
    this.locale = locale;
  }

  /** Feeds one event ({type, now, ...}) and returns {ok, state, path, commands, ending?, ...}. */
  step(event) {
    return this.core.json('flow_step', event, this.handle, this.locale);
  }

  /** Frees the flow inside the module. */
  destroy() {
    return this.core.parse(this.core.raw('flow_destroy', '', this.handle, this.locale));
  }
}
