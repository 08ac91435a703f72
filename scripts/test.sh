#!/usr/bin/env bash
# The README's test command: installs what is missing, builds native + WebAssembly + the sanitizer build, and
# runs every test (Catch2 unit and fixture suites, the wasm suite in Node, the bundle size report).
# Safe to run twice; .ci/run calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

echo "== native build"
cmake --preset native >/dev/null
cmake --build --preset native

echo "== wasm build and the web package (web/dist/)"
cmake --preset wasm >/dev/null
cmake --build --preset wasm
node web/build.mjs

echo "== sanitizer build (ASan + UBSan)"
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize

echo "== fuzz build (clang, libFuzzer + ASan + UBSan)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz

echo "== tests"
ctest --preset native -LE "bench|soak|hostile"
echo "== the whole suite again under ASan + UBSan (the server, the native core and its replay tool)"
# Not the tests labelled "js" either: they run no binary of this build (the docs' backend examples, the packed
# web package), so a second run would only repeat the first.
ctest --preset sanitize -LE "bench|soak|hostile|js"
echo "== fuzz smoke: every harness for ${NV_FUZZ_SECONDS:-20} s on its corpus and regression inputs"
bash tests/fuzz/run.sh "${NV_FUZZ_SECONDS:-20}"
echo "== hostile clients against nv-server alone and the production stack (nginx, two instances, Redis)"
ctest --preset native -L hostile --verbose | sed -n "s/^[0-9]*: //p" | grep -vE "^(Test command|Working Directory|Environment variables| NV_|Test timeout|HOSTILE_REPORT)"
echo "== soak under vendor faults"
ctest --preset native -L soak --verbose | sed -n "s/^[0-9]*: //p" | grep -vE "^(Test command|Working Directory|Environment variables| NV_|Test timeout)"
echo "== benchmarks and reports"
ctest --preset native -L bench --verbose | sed -n "s/^[0-9]*: //p" | grep -vE "^(Test command|Working Directory|Environment variables| NV_|Test timeout)"
