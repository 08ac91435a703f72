// The JS twin of tests/support/fixtures.cpp: runs tests/fixtures/core_cases.json through the wasm core, issuing
// exactly the same calls in the same order, so its answers can be compared with the native build's one by one.
import { readFileSync } from 'node:fs';

export function loadFixtures(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

export function resolve(v, presets) {
  if (typeof v === 'string') return v.startsWith('@') && v.slice(1) in presets ? resolve(presets[v.slice(1)], presets) : v;
  if (Array.isArray(v)) return v.map((x) => resolve(x, presets));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, presets)]));
  return v;
}

export function rawInput(c) {
  if ('raw' in c) return c.raw;
  if ('rawHex' in c) return Uint8Array.from(c.rawHex.match(/../g).map((h) => parseInt(h, 16)));
  if ('big' in c) return c.big.prefix + c.big.fill.repeat(c.big.count) + c.big.suffix;
  return '';
}

function handleOf(created) {
  const j = JSON.parse(created);
  if (!j.ok) throw new Error(`flow_create failed: ${created}`);
  return j.flow;
}

/**
 * @param {{skip?: string[]}} [options] functions to leave out (the page's build has no describe and no info)
 * @returns {{group: string, name: string, output: string, expected: any}[]}
 */
export function runAll(doc, core, { skip = [] } = {}) {
  const { presets } = doc;
  const calls = [];
  const str = (v) => JSON.stringify(resolve(v, presets));
  for (const group of ['phone', 'environment', 'describe', 'info'].filter((g) => !skip.includes(g))) {
    for (const c of doc[group]) calls.push({ group, name: c.name, output: core.raw(group, str(c.in)), expected: c.out });
  }
  for (const f of doc.flows) {
    const created = core.raw('flow_create', JSON.stringify(f.config ?? {}));
    calls.push({ group: 'flows', name: `${f.name} (create)`, output: created, expected: null });
    const h = handleOf(created);
    f.steps.forEach((step, i) => {
      calls.push({ group: 'flows', name: `${f.name} #${i + 1}`, output: core.raw('flow_step', str(step.event), h), expected: step.out });
    });
    calls.push({ group: 'flows', name: `${f.name} (destroy)`, output: core.raw('flow_destroy', '', h), expected: null });
  }
  for (const c of doc.bad_input.filter((x) => !skip.includes(x.fn))) {
    const input = rawInput(c);
    if (c.fn === 'flow_step' || c.fn === 'flow_destroy') {
      const own = !('flow' in c);
      let h = c.flow;
      if (own) {
        const created = core.raw('flow_create', '{}');
        calls.push({ group: 'bad_input', name: `${c.name} (create)`, output: created, expected: null });
        h = handleOf(created);
      }
      const out = core.raw(c.fn, input, h);
      if (own) calls.push({ group: 'bad_input', name: `${c.name} (destroy)`, output: core.raw('flow_destroy', '', h), expected: null });
      calls.push({ group: 'bad_input', name: c.name, output: out, expected: c.out });
      continue;
    }
    const out = core.raw(c.fn, input);
    if (c.fn === 'flow_create') {
      const j = JSON.parse(out);
      if (j.ok) core.raw('flow_destroy', '', j.flow);
    }
    calls.push({ group: 'bad_input', name: c.name, output: out, expected: c.out });
  }
  return calls;
}

/** Empty when `actual` matches the pattern `expected`; else the first difference. */
export function mismatch(expected, actual, path = '$') {
  if (expected === '$absent') return actual === undefined ? '' : `${path}: expected no value, got ${JSON.stringify(actual)}`;
  if (actual === undefined) return `${path}: missing, expected ${JSON.stringify(expected)}`;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      return `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
    }
    for (let i = 0; i < expected.length; i++) {
      const m = mismatch(expected[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return '';
  }
  if (expected && typeof expected === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) {
      return `${path}: expected an object, got ${JSON.stringify(actual)}`;
    }
    for (const [k, v] of Object.entries(expected)) {
      const m = mismatch(v, actual[k], `${path}.${k}`);
      if (m) return m;
    }
    return '';
  }
  return expected === actual ? '' : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}
