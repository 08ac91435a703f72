#!/usr/bin/env bash
# The README's demo command. It will build everything and start `nv-server --sandbox` with the demo page; the
# server and the demo arrive with issues 3 and 4. Until then it builds the core and its web loader.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset wasm >/dev/null
cmake --build --preset wasm

cat <<'MSG'

The WebAssembly core is built (web/dist/nv-core.wasm, loaded by web/src/loader.js).
The demo arrives with the server: `nv-server --sandbox` and the demo page are not part of this build yet.
MSG
