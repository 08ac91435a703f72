#!/usr/bin/env bash
# The README's demo command: installs what is missing, builds the server, the WebAssembly core and the web package
# (web/dist/), and starts `nv-server --sandbox` on http://127.0.0.1:8080 (no credentials: the sandbox emulates
# the carriers and the vendor). Ctrl-C stops it. Set PORT (default 8080) or HOST (default 127.0.0.1; 0.0.0.0 to reach it from a
# phone on the same network) to change where it listens. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
echo "== wasm build and the web package (web/dist/)"
cmake --preset wasm >/dev/null
cmake --build --preset wasm
node web/build.mjs
echo "== native build (nv-server)"
cmake --preset native >/dev/null
cmake --build --preset native --target nv-server

port=${PORT:-8080}
host=${HOST:-127.0.0.1}
cat <<MSG

Starting the companion server in sandbox mode. Open the demo:

  >>> http://127.0.0.1:${port}/   (a scenario: http://127.0.0.1:${port}/?sim=13800138000&network=wifi&lang=en)

  public config    http://127.0.0.1:${port}/api/v1/config
  sandbox          http://127.0.0.1:${port}/sandbox   (devices, carrier gateways, vendor API, faults)
  usage (admin)    curl -H 'Authorization: Bearer sandbox-admin' http://127.0.0.1:${port}/api/v1/usage
  risk (backend)   curl -H 'Authorization: Bearer sandbox-backend' -H 'Content-Type: application/json' \
                        -d '{"phone":"13800138000"}' http://127.0.0.1:${port}/api/v1/risk
  signing keys     http://127.0.0.1:${port}/.well-known/jwks.json   (check assertions: docs/backend.md)
Stop with Ctrl-C. The quota database is build/demo/nv-server.db.

MSG
mkdir -p build/demo
exec build/native/server/nv-server --sandbox --host "$host" --port "$port" --db build/demo/nv-server.db
