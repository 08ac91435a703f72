// The shared table of cases against the wasm build, and byte-for-byte agreement with the native build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { loadCore } from '../../web/src/loader.js';
import { loadFixtures, runAll, mismatch } from './fixtures.mjs';

const fixturesPath = process.env.NV_FIXTURES ?? fileURLToPath(new URL('../fixtures/core_cases.json', import.meta.url));
const doc = loadFixtures(fixturesPath);
const core = await loadCore();
const calls = runAll(doc, core);

for (const call of calls) {
  if (call.expected === null) continue;
  test(`${call.group}: ${call.name}`, () => {
    const actual = JSON.parse(call.output);
    const problem = mismatch(call.expected, actual);
    assert.equal(problem, '', `answer: ${call.output}`);
  });
}

test('native and wasm agree case by case, byte for byte', (t) => {
  const replay = process.env.NV_CORE_REPLAY;
  if (!replay) {
    t.skip('NV_CORE_REPLAY is not set (ctest sets it to the native core_replay tool)');
    return;
  }
  const run = spawnSync(replay, [fixturesPath], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, run.stderr);
  const native = JSON.parse(run.stdout);
  assert.equal(native.length, calls.length, 'both builds made the same number of calls');
  let compared = 0;
  for (let i = 0; i < calls.length; i++) {
    assert.equal(calls[i].output, native[i], `case "${calls[i].group}: ${calls[i].name}" differs`);
    compared++;
  }
  assert.ok(compared > 300, `compared ${compared} answers`);
});
