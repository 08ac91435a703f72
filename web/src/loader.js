// Loads the core's WebAssembly module and exposes its functions with plain JS values.
//
// One artefact for every host: dist/nv-core.mjs is Emscripten's ES-module glue built for the web, and
// dist/nv-core.wasm the module. Browsers fetch the .wasm next to the glue; in Node the loader reads the file and
// hands it over as `wasmBinary`. This is the only file that touches the wasm heap. Every function returns the
// core's answer as an object: {ok: true, ...} or {ok: false, error: {code, message, field?}}; nothing throws for
// bad input.
import createNvCore from '../dist/nv-core.mjs';

const MAX_INPUT_BYTES = 1 << 20; // bigger inputs are refused before they are copied into the heap
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const isNode = typeof process === 'object' && !!(process.versions && process.versions.node);

async function readWasmInNode() {
  const fs = 'node:fs/promises'; // a computed specifier keeps bundlers for the web from following it
  const { readFile } = await import(/* webpackIgnore: true */ fs);
  return readFile(new URL('../dist/nv-core.wasm', import.meta.url));
}

let shared;

/**
 * Loads the core once per page (or process); later calls return the same promise.
 * @param {{wasmBinary?: ArrayBuffer|Uint8Array, locateFile?: (name: string) => string}} [options]
 */
export function loadCore(options = {}) {
  if (!shared) {
    shared = instantiate(options).catch((err) => {
      shared = undefined; // a failed load (offline, blocked) may be retried
      throw err;
    });
  }
  return shared;
}

async function instantiate(options) {
  const settings = {};
  if (options.locateFile) settings.locateFile = options.locateFile;
  if (options.wasmBinary) settings.wasmBinary = options.wasmBinary;
  else if (isNode) settings.wasmBinary = await readWasmInNode();
  return new Core(await createNvCore(settings));
}

export class Core {
  constructor(module) {
    this.module = module;
    this.fns = {
      info: module._nv_info,
      phone: module._nv_phone,
      environment: module._nv_environment,
      describe: module._nv_describe,
      flow_create: module._nv_flow_create,
      flow_step: module._nv_flow_step,
    };
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

  /** A token flow; answers {ok, flow} on failure to create. */
  createFlow(config = {}) {
    const created = this.json('flow_create', config);
    return created.ok ? new Flow(this, created.flow, created.config) : created;
  }

  json(fn, value, flow) {
    let text;
    try {
      text = JSON.stringify(value === undefined ? null : value);
    } catch {
      return this.error('BAD_ARGUMENT'); // cyclic objects, BigInt
    }
    return JSON.parse(this.raw(fn, text, flow));
  }

  /**
   * Calls an export with a string or raw bytes and returns the answer's JSON text. Bytes reach the core
   * unchanged, so invalid UTF-8 can be tested; strings are encoded as UTF-8.
   */
  raw(fn, input, flow) {
    const f = this.fns[fn];
    if (!f && fn !== 'flow_destroy') throw new TypeError(`unknown core function: ${fn}`);
    const m = this.module;
    if (fn === 'flow_destroy') return this.take(m._nv_flow_destroy(flow | 0));
    const bytes = typeof input === 'string' ? encoder.encode(input) : input;
    if (!(bytes instanceof Uint8Array)) throw new TypeError('input must be a string or a Uint8Array');
    if (bytes.length > MAX_INPUT_BYTES) return JSON.stringify(this.error('INPUT_TOO_LARGE'));
    const ptr = m._nv_alloc(bytes.length);
    if (!ptr) return JSON.stringify(this.error('OUT_OF_MEMORY'));
    m.HEAPU8.set(bytes, ptr); // read HEAPU8 after the allocation: growing memory replaces the view
    try {
      return this.take(fn === 'flow_step' ? f(flow | 0, ptr, bytes.length) : f(ptr, bytes.length));
    } finally {
      m._nv_free(ptr);
    }
  }

  take(ptr) {
    if (!ptr) return JSON.stringify(this.error('OUT_OF_MEMORY'));
    const heap = this.module.HEAPU8;
    const end = heap.indexOf(0, ptr);
    const text = decoder.decode(heap.subarray(ptr, end));
    this.module._nv_free(ptr);
    return text;
  }

  // Errors found before the core is called still carry the core's own messages.
  error(code) {
    const d = this.describe({ reason: code });
    const message = d.ok ? d.code.messages['zh-CN'] : code;
    return { ok: false, error: { code, message } };
  }
}

export class Flow {
  constructor(core, handle, config) {
    this.core = core;
    this.handle = handle;
    this.config = config;
  }

  /** Feeds one event ({type, now, ...}) and returns {ok, state, path, commands, ending?, ...}. */
  step(event) {
    return this.core.json('flow_step', event, this.handle);
  }

  /** Frees the flow inside the module. */
  destroy() {
    return JSON.parse(this.core.raw('flow_destroy', '', this.handle));
  }
}
