// The OpenAPI contract: every response the integration suites receive (harness.mjs call()) is checked against
// server/openapi.yaml. The operation is found by method and path (templates such as /sandbox/devices/{deviceId}
// match one segment, or several with `x-nv-multi-segment: true` on the parameter), the response by status
// (exact, then 4XX/5XX, then default), the media type must be declared, and a JSON body must be valid against
// the response's schema (Ajv with OpenAPI 3.0's `nullable`; the document itself is checked against the OpenAPI
// 3.0 schema first). A request that no operation describes may only get the answers of `x-nv-unrouted`
// (its `responses`, plus `wrongMethodResponses` on a documented path and `preflightResponses` for OPTIONS).
// Anything else throws, naming the request, the status, the validator's errors and the body's start.
import { appendFileSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { Validator } from '@seriousme/openapi-schema-validator';

const addFormats = addFormatsModule.default ?? addFormatsModule;

export const SPEC_FILE = fileURLToPath(new URL('../../server/openapi.yaml', import.meta.url));
const SPEC_NAME = 'server/openapi.yaml';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
// Schema keywords of OpenAPI 3.0 that are annotations for a validator (nullable is Ajv's own keyword).
const ANNOTATIONS = ['example', 'xml', 'externalDocs', 'discriminator'];

function pointerGet(doc, ref) {
  if (!ref.startsWith('#/')) throw new Error(`${SPEC_NAME}: only local $refs are supported, not ${ref}`);
  let node = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) {
      throw new Error(`${SPEC_NAME}: $ref ${ref} does not resolve`);
    }
    node = node[key];
  }
  return node;
}

// A Response, Header or Parameter object: follow $ref (non-schema objects only; schemas stay for Ajv).
function deref(doc, obj) {
  let o = obj;
  for (let i = 0; o && o.$ref && i < 10; i++) o = pointerGet(doc, o.$ref);
  return o;
}

// An OpenAPI 3.0 Schema Object as JSON Schema for Ajv: '#/components/schemas/X' becomes
// 'nv-openapi#/definitions/X' (a schema Ajv holds), and the draft-04 boolean exclusiveMinimum/exclusiveMaximum
// become numbers. `nullable` is Ajv's own keyword (it needs `type` beside it; an enum must list null itself).
function forAjv(schema) {
  if (Array.isArray(schema)) return schema.map(forAjv);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref' && typeof v === 'string') {
      const m = v.match(/^#\/components\/schemas\/([^/]+)$/);
      if (!m) throw new Error(`${SPEC_NAME}: a schema $ref must name #/components/schemas/X, not ${v}`);
      out.$ref = `nv-openapi#/definitions/${m[1]}`;
    } else if ((k === 'exclusiveMinimum' || k === 'exclusiveMaximum') && typeof v === 'boolean') {
      // handled with minimum / maximum below
    } else {
      out[k] = forAjv(v);
    }
  }
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']]) {
    if (schema[flag] === true && typeof schema[bound] === 'number') {
      out[flag] = schema[bound];
      delete out[bound];
    }
  }
  return out;
}

function mediaType(contentType) {
  return String(contentType || '').split(';')[0].trim().toLowerCase();
}

function isJson(media) {
  return media === 'application/json' || media.endsWith('+json');
}

function headerOf(headers, name) {
  if (!headers) return null;
  if (typeof headers.get === 'function') return headers.get(name);
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) return null;
  const v = headers[key];
  return Array.isArray(v) ? v.join(', ') : v;
}

function escapeRegex(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Builds a checker for one parsed OpenAPI 3.0 document.
export function createChecker(doc) {
  const ajv = new Ajv({ strict: true, allErrors: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat('binary', true);  // OpenAPI: any octets (never a JSON body)
  ajv.addVocabulary(ANNOTATIONS);
  ajv.addSchema({ $id: 'nv-openapi', definitions: forAjv(doc.components?.schemas || {}) });

  // Path templates: concrete paths first, then templates with more literal text (the OpenAPI rule).
  const routes = Object.entries(doc.paths || {}).map(([template, item]) => {
    const params = [...(item.parameters || [])];
    for (const m of METHODS) if (item[m]) params.push(...(item[m].parameters || []));
    const multi = new Set(params.map((p) => deref(doc, p)).filter((p) => p.in === 'path' && p['x-nv-multi-segment'])
      .map((p) => p.name));
    let literal = 0;
    const source = template.split(/(\{[^}]+\})/).map((part) => {
      const m = part.match(/^\{([^}]+)\}$/);
      if (!m) { literal += part.length; return escapeRegex(part); }
      return multi.has(m[1]) ? '(.+)' : '([^/]+)';
    }).join('');
    return { template, item, regex: new RegExp(`^${source}$`), templated: template.includes('{'), literal };
  }).sort((a, b) => (a.templated - b.templated) || (b.literal - a.literal));

  const compiled = new Map();
  function validatorFor(key, schema) {
    if (!compiled.has(key)) compiled.set(key, ajv.compile(forAjv(schema)));
    return compiled.get(key);
  }

  function findRoute(pathname) {
    return routes.find((r) => r.regex.test(pathname)) || null;
  }

  function pickResponse(responses, status) {
    if (!responses) return null;
    for (const key of [String(status), `${String(status)[0]}XX`, 'default']) {
      if (responses[key]) return { key, response: deref(doc, responses[key]) };
    }
    return null;
  }

  // Throws when the response does not conform; returns a short description of what it was checked against.
  function check({ method, path, status, headers, text }) {
    const m = String(method || 'GET').toLowerCase();
    const pathname = new URL(path, 'http://contract.invalid').pathname;
    const body = text ?? '';
    const where = `${m.toUpperCase()} ${path} -> ${status}`;
    const fail = (why, details = []) => {
      const lines = [`contract: ${where}: ${why} (${SPEC_NAME})`, ...details.map((d) => `  ${d}`),
        `  body: ${JSON.stringify(body.slice(0, 300))}${body.length > 300 ? ' ...' : ''}`];
      const err = new Error(lines.join('\n'));
      err.code = 'CONTRACT_VIOLATION';
      throw err;
    };

    const route = findRoute(pathname);
    const op = route && route.item[m];
    let picked;
    let label;
    if (op) {
      label = op.operationId || `${m} ${route.template}`;
      picked = pickResponse(op.responses, status);
      if (!picked) {
        fail(`status ${status} is not documented for ${label}`, [
          `documented: ${Object.keys(op.responses || {}).join(', ')}`]);
      }
    } else {
      const unrouted = doc['x-nv-unrouted'] || {};
      const allowed = { ...(unrouted.responses || {}), ...(route ? unrouted.wrongMethodResponses || {} : {}),
        ...(m === 'options' ? unrouted.preflightResponses || {} : {}) };
      label = route ? `x-nv-unrouted (${route.template} has no ${m.toUpperCase()})` : 'x-nv-unrouted';
      picked = pickResponse(allowed, status);
      if (!picked) {
        fail(route ? `${m.toUpperCase()} is not documented for ${route.template}`
          : `the path ${pathname} is not documented`, [
          `a request no operation describes may only get: ${Object.keys(allowed).join(', ') || 'nothing'}`]);
      }
    }
    const { key, response } = picked;
    const at = `${label}, response ${key}`;

    for (const [name, h] of Object.entries(response.headers || {})) {
      const header = deref(doc, h);
      const value = headerOf(headers, name);
      if (value === null || value === undefined) {
        if (header.required) fail(`the required header ${name} is missing (${at})`);
        continue;
      }
      if (header.schema) {
        const v = validatorFor(`header ${at} ${name}`, header.schema);
        if (!v(value)) fail(`the header ${name}: ${JSON.stringify(value)} does not conform (${at})`, ajv.errorsText(v.errors).split(', '));
      }
    }

    const content = response.content || {};
    const declared = Object.keys(content);
    if (declared.length === 0) {
      if (body.length > 0) fail(`${at} declares no body, but one came`);
      return { operation: label, response: key, mediaType: null };
    }
    const media = mediaType(headerOf(headers, 'content-type'));
    if (!media) fail(`no Content-Type (${at} declares ${declared.join(', ')})`);
    const [type] = media.split('/');
    const mediaKey = declared.find((d) => d.toLowerCase() === media) ??
      declared.find((d) => d.toLowerCase() === `${type}/*`) ?? declared.find((d) => d === '*/*');
    if (!mediaKey) fail(`the media type ${media} is not documented (${at} declares ${declared.join(', ')})`);
    const schema = content[mediaKey].schema;
    if (!schema) fail(`${at} ${mediaKey} has no schema`);
    if (!isJson(media)) return { operation: label, response: key, mediaType: mediaKey };
    let value;
    try {
      value = JSON.parse(body);
    } catch (e) {
      fail(`the body is not JSON (${at}, ${mediaKey}): ${e.message}`);
    }
    const validate = validatorFor(`body ${at} ${mediaKey}`, schema);
    if (!validate(value)) {
      fail(`the body does not conform (${at}, ${mediaKey})`,
        validate.errors.map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`));
    }
    return { operation: label, response: key, mediaType: mediaKey };
  }

  return { check, findRoute, doc };
}

// Checks the document against the OpenAPI schema of its version; throws with the validator's errors.
export async function validateDocument(file = SPEC_FILE) {
  const validator = new Validator();
  const res = await validator.validate(readFileSync(file, 'utf8'));
  if (!res.valid) {
    throw new Error(`${SPEC_NAME} is not a valid OpenAPI ${validator.version || ''} document:\n` +
      JSON.stringify(res.errors, null, 1).slice(0, 3000));
  }
  return validator.version;
}

let loading = null;
export function loadChecker() {
  loading ??= (async () => {
    await validateDocument(SPEC_FILE);
    return createChecker(parse(readFileSync(SPEC_FILE, 'utf8')));
  })();
  return loading;
}

// Per process: how many responses were validated (and how many did not conform), told at exit.
const counts = { validated: 0, failed: 0 };
let reporting = false;
function reportAtExit() {
  if (reporting) return;
  reporting = true;
  process.on('exit', () => {
    const script = basename(process.argv[1] || 'node');
    process.stderr.write(`contract: ${counts.validated} responses validated against ${SPEC_NAME}\n`);
    if (counts.failed) process.stderr.write(`contract: ${counts.failed} responses did not conform\n`);
    if (process.env.NV_CONTRACT_REPORT) {
      appendFileSync(process.env.NV_CONTRACT_REPORT, `${counts.validated} ${script}${counts.failed ? ` (${counts.failed} did not conform)` : ''}\n`);
    }
  });
}

export function contractCounts() {
  return { ...counts };
}

// The harness's hook: throws an Error (code CONTRACT_VIOLATION) when the response does not conform.
export async function checkResponse({ method, path, status, headers, text }) {
  reportAtExit();
  const checker = await loadChecker();
  try {
    const result = checker.check({ method, path, status, headers, text });
    counts.validated++;
    return result;
  } catch (e) {
    counts.failed++;
    throw e;
  }
}
