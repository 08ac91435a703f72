#!/usr/bin/env bash
# The verify benchmark (issue 3): wrk on loopback, in one run,
#   1. a bare cpp-httplib endpoint with nv-server's tuning (the baseline),
#   2. the same endpoint making one keep-alive upstream POST before answering (the shape of a verify, no work),
#   3. nv-server --sandbox: POST /api/v1/verify with a fresh token per request, which validates, admits through
#      the SQLite store, calls the sandbox vendor over HTTP, records the ledger and logs a line.
# Prints requests/s, p50/p99 latency and the ratios (target: verify >= 40% of bare). Never fails on a number.
# Usage: tests/bench/verify_bench.sh [BUILD_DIR]   (default build/native)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build/native}
duration=${BENCH_SECONDS:-5}
threads=2
connections=${BENCH_CONNECTIONS:-16}
server=$build/server/nv-server
bare=$build/tests/nv_bench_bare
for bin in "$server" "$bare"; do [[ -x $bin ]] || { echo "bench: $bin is missing (build the native preset)"; exit 1; }; done
command -v wrk >/dev/null || { echo "bench: wrk is missing (scripts/setup.sh installs it)"; exit 1; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/nv-bench-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$scratch"
}
trap cleanup EXIT

# Starts a server in the background (its PID kept for cleanup) and sets $port from its "listening" line.
start() {
  local log=$1; shift
  "$@" >"$log" 2>&1 &
  pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(grep -m1 '"msg":"listening"' "$log" 2>/dev/null | grep -o '"port":[0-9]*' | head -1 | cut -d: -f2 || true)
    [[ -n $port ]] && return
    sleep 0.1
  done
  echo "bench: server did not start: $(cat "$log")" >&2
  exit 1
}

# Quotas off (they would refuse a benchmark, which is their job), everything else as shipped.
cat >"$scratch/config.json" <<JSON
{"sandbox": true, "quotas": {"numberIntervalSec": 0, "numberDaily": 0, "appDaily": 0, "ipLimit": 0},
 "sandboxLimits": {"numberIntervalSec": 0, "numberDaily": 0, "appDaily": 0, "unusedTokens": 0}}
JSON

run_wrk() {  # port path tokens-file
  TOKENS=$3 WRK_THREADS=$threads BENCH_PATH=$2 wrk -t$threads -c$connections -d${duration}s \
    -s "$root/tests/bench/verify.lua" "http://127.0.0.1:$1" | tail -1
}

start "$scratch/bare.log" "$bare" 0
bare_port=$port
echo "13800138000 bare-endpoint-ignores-it" >"$scratch/bare-tokens.txt"
bare_json=$(run_wrk "$bare_port" /api/v1/verify "$scratch/bare-tokens.txt")
chained_json=$(run_wrk "$bare_port" /chained "$scratch/bare-tokens.txt")
kill "${pids[0]}"

start "$scratch/nv.log" "$server" --port 0 --config "$scratch/config.json" --db "$scratch/nv.db"
nv_port=$port
# Enough fresh tokens for the whole run at a generous rate; any shortfall shows as non-200 answers.
tokens=${BENCH_TOKENS:-$((duration * 12000))}
mint=$(node "$root/tests/bench/mint_tokens.mjs" "http://127.0.0.1:$nv_port" "$tokens" "$scratch/tokens.txt")
verify_json=$(run_wrk "$nv_port" /api/v1/verify "$scratch/tokens.txt")

node - "$bare_json" "$chained_json" "$verify_json" "$mint" "$connections" "$duration" <<'JS'
const [bare, chained, verify, mint] = process.argv.slice(2, 6).map((x) => JSON.parse(x));
const [c, d] = process.argv.slice(6);
const row = (name, r) => `${name.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50_ms.toFixed(2).padStart(6)} ms   p99 ${r.p99_ms.toFixed(2).padStart(7)} ms   non-200 ${r.non200}`;
const pct = (a, b) => `${(100 * a.rps / b.rps).toFixed(1)}%`;
console.log(`verify benchmark: wrk -t2 -c${c} -d${d}s on loopback (2 cores shared by wrk and the servers)`);
console.log(row('bare cpp-httplib POST (baseline)', bare));
console.log(row('bare POST + one keep-alive upstream POST', chained));
console.log(row('nv-server POST /api/v1/verify (sandbox)', verify));
console.log(`verify / bare = ${pct(verify, bare)} (target >= 40%); chained / bare = ${pct(chained, bare)} (the ceiling of any design with one upstream call); verify / chained = ${pct(verify, chained)}`);
console.log(`tokens minted: ${mint.minted} in ${mint.seconds} s`);
if (verify.non200 > 0) console.log(`note: ${verify.non200} verify answers were not 200 (tokens ran out?): raise BENCH_TOKENS`);
JS
