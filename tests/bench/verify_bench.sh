#!/usr/bin/env bash
# The verify benchmark (issue 3): wrk on loopback, in one run,
#   1. a bare cpp-httplib endpoint with nv-server's tuning (the baseline),
#   2. the same endpoint making one keep-alive upstream POST before answering (the shape of a verify, no work),
#   3. nv-server --sandbox: POST /api/v1/verify with a fresh token per request, which validates, admits through
#      the SQLite store, calls the sandbox vendor over HTTP, records the ledger and logs a line;
#   4. the same with the Redis store (a redis-server started here on a free loopback port), one instance, then on
#      Redis Sentinel (a replica and three sentinels; writes WAIT for the replica), and on a Redis Cluster (three
#      masters with a replica each; writes WAIT for the slot's replica);
#   5. two instances sharing one store (Redis, then one SQLite file), each driven by its own wrk with half the
#      connections, both calling the first instance's sandbox vendor (issue 5).
#   6. latency-bound (issue 11): nv-server with its default settings (threads, SQLite store) against a vendor
#      stand-in (tests/bench/vendor_standin.mjs, Node's event loop, so unbounded concurrency) answering at once
#      and after 50 ms, driven by 256 connections; and the 50 ms run with the old default of 64 threads.
#   7. (issue 24) the SQLite verify again with Aliyun spTokens; with BENCH_BASELINE_SERVER, an older nv-server's
#      Jiguang verify beside this one's, in the same run.
# Prints requests/s, p50/p99 latency and the ratios (target: verify >= 40% of bare; 50 ms >= 0.9x the 0 ms rate).
# Never fails on a number.
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

run_wrk() {  # port path tokens-file [vendor]
  TOKENS=$3 BENCH_VENDOR=${4:-} WRK_THREADS=$threads BENCH_PATH=$2 wrk -t$threads -c$connections -d${duration}s \
    -s "$root/tests/bench/verify.lua" "http://127.0.0.1:$1" | tail -1
}

start "$scratch/bare.log" "$bare" 0
bare_port=$port
echo "13800138000 bare-endpoint-ignores-it" >"$scratch/bare-tokens.txt"
bare_json=$(run_wrk "$bare_port" /api/v1/verify "$scratch/bare-tokens.txt")
chained_json=$(run_wrk "$bare_port" /chained "$scratch/bare-tokens.txt")
kill "${pids[0]}"

start "$scratch/nv.log" "$server" --port 0 --config "$scratch/config.json" --store "sqlite:$scratch/nv.db"
nv_pid=${pids[-1]}
nv_port=$port
# Enough fresh tokens for the whole run at a generous rate; any shortfall shows as non-200 answers.
tokens=${BENCH_TOKENS:-$((duration * 12000))}
mint=$(node "$root/tests/bench/mint_tokens.mjs" "http://127.0.0.1:$nv_port" "$tokens" "$scratch/tokens.txt")
verify_json=$(run_wrk "$nv_port" /api/v1/verify "$scratch/tokens.txt")
# The same server verifying Aliyun spTokens (V3-signed Dypnsapi calls to the sandbox's Aliyun).
node "$root/tests/bench/mint_tokens.mjs" "http://127.0.0.1:$nv_port" "$tokens" "$scratch/ali-tokens.txt" aliyun >/dev/null
aliyun_json=$(run_wrk "$nv_port" /api/v1/verify "$scratch/ali-tokens.txt" aliyun)
kill "$nv_pid"
# BENCH_BASELINE_SERVER=path/to/an older nv-server: its Jiguang verify in the same run, to compare (issue 24: the
# vendor port must not slow Jiguang's verify by more than 5%). Run after the current one, then the current again,
# so a drift of the machine during the run shows.
baseline_json=null
verify2_json=null
if [[ -n ${BENCH_BASELINE_SERVER:-} ]]; then
  start "$scratch/nv-old.log" "$BENCH_BASELINE_SERVER" --port 0 --config "$scratch/config.json" --store "sqlite:$scratch/old.db"
  old_pid=${pids[-1]}
  node "$root/tests/bench/mint_tokens.mjs" "http://127.0.0.1:$port" "$tokens" "$scratch/old-tokens.txt" >/dev/null
  baseline_json=$(run_wrk "$port" /api/v1/verify "$scratch/old-tokens.txt")
  kill "$old_pid"
  start "$scratch/nv2.log" "$server" --port 0 --config "$scratch/config.json" --store "sqlite:$scratch/nv2.db"
  new_pid=${pids[-1]}
  node "$root/tests/bench/mint_tokens.mjs" "http://127.0.0.1:$port" "$tokens" "$scratch/tokens2.txt" >/dev/null
  verify2_json=$(run_wrk "$port" /api/v1/verify "$scratch/tokens2.txt")
  kill "$new_pid"
fi

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
# One nv-server on `store`, with its own fresh tokens, under wrk; prints wrk's JSON.
run_store() {  # name store
  local name=$1 store=$2
  start "$scratch/nv-$name.log" "$server" --port 0 --config "$scratch/config.json" --store "$store"
  local pid=${pids[-1]} p=$port
  node "$root/tests/bench/mint_tokens.mjs" "http://127.0.0.1:$p" "$tokens" "$scratch/tokens-$name.txt" >/dev/null
  run_wrk "$p" /api/v1/verify "$scratch/tokens-$name.txt"
  kill "$pid"
}

# Redis on a free loopback port, no persistence (the benchmark measures nv-server, not Redis's disk).
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --repl-diskless-sync-delay 0 --save '' --appendonly no --dir "$scratch" --daemonize no \
  --loglevel warning >"$scratch/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis_url="redis://127.0.0.1:$redis_port/0"
redis_json=$(run_store redis "$redis_url")

# The same on Redis Sentinel: a replica of that Redis and three sentinels; nv-server on redis-sentinel://, whose
# writes WAIT for the replica (redis.waitReplicas defaults to 1 with Sentinel): the cost of the durability.
replica_port=$(free_port)
redis-server --port "$replica_port" --bind 127.0.0.1 --repl-diskless-sync-delay 0 --save '' --appendonly no --dir "$scratch" --daemonize no \
  --loglevel warning --replicaof 127.0.0.1 "$redis_port" >"$scratch/replica.log" 2>&1 &
pids+=($!)
sentinel_url=redis-sentinel://
for i in 1 2 3; do
  sp=$(free_port)
  mkdir -p "$scratch/sentinel$i"
  printf 'sentinel monitor nvbench 127.0.0.1 %s 2\nsentinel down-after-milliseconds nvbench 5000\n' "$redis_port" \
    >"$scratch/sentinel$i/sentinel.conf"
  redis-server "$scratch/sentinel$i/sentinel.conf" --sentinel --port "$sp" --bind 127.0.0.1 --dir "$scratch/sentinel$i" \
    --daemonize no --loglevel warning >"$scratch/sentinel$i.log" 2>&1 &
  pids+=($!)
  sentinel_url+="127.0.0.1:$sp,"
  for _ in $(seq 100); do redis-cli -p "$sp" ping >/dev/null 2>&1 && break; sleep 0.05; done
done
sentinel_url="${sentinel_url%,}/nvbench/0"
for _ in $(seq 200); do redis-cli -p "$replica_port" info replication | grep -q master_link_status:up && break; sleep 0.05; done
redis-cli -p "$redis_port" flushall >/dev/null
sentinel_json=$(run_store sentinel "$sentinel_url")

# And on a Redis Cluster: three masters with a replica each (redis-cli --cluster create), nv-server on
# redis-cluster:// with every node; writes WAIT for the slot's replica (redis.waitReplicas defaults to 1 there).
cluster_url=redis-cluster://
cluster_nodes=()
for i in 1 2 3 4 5 6; do
  cp=$(free_port)
  mkdir -p "$scratch/cluster$i"
  redis-server --port "$cp" --bind 127.0.0.1 --repl-diskless-sync-delay 0 --save '' --appendonly no --dir "$scratch/cluster$i" --daemonize no \
    --loglevel warning --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000 \
    --cluster-port "$(free_port)" >"$scratch/cluster$i.log" 2>&1 &
  pids+=($!)
  cluster_nodes+=("127.0.0.1:$cp")
  for _ in $(seq 100); do redis-cli -p "$cp" ping >/dev/null 2>&1 && break; sleep 0.05; done
done
cluster_url+=$(IFS=,; echo "${cluster_nodes[*]}")
redis-cli --cluster create "${cluster_nodes[@]}" --cluster-replicas 1 --cluster-yes >"$scratch/cluster-create.log" 2>&1
for node in "${cluster_nodes[@]}"; do
  for _ in $(seq 200); do
    redis-cli -p "${node##*:}" cluster info | grep -q cluster_state:ok && break
    sleep 0.05
  done
done
for node in "${cluster_nodes[@]}"; do  # replicas in sync, so every write's WAIT is answered
  for _ in $(seq 200); do
    info=$(redis-cli -p "${node##*:}" info replication)
    grep -q -e connected_slaves:1 -e master_link_status:up <<<"$info" && break
    sleep 0.05
  done
done
cluster_json=$(run_store cluster "$cluster_url")

# Two instances on one store: a is the sandbox (carriers and vendor) for both; b calls a's vendor.
run_pair() {  # name store -> prints the combined JSON
  local name=$1 store=$2
  start "$scratch/a-$name.log" "$server" --port 0 --config "$scratch/config.json" --store "$store"
  local a_pid=${pids[-1]} a_port=$port
  local vendor
  vendor=$(grep -m1 '"msg":"listening"' "$scratch/a-$name.log" | grep -o '"upstream":"[^"]*"' | cut -d'"' -f4)
  vendor=${vendor%/v2/web/h5/verify}
  start "$scratch/b-$name.log" "$server" --port 0 --config "$scratch/config.json" --store "$store" --upstream "$vendor"
  local b_pid=${pids[-1]} b_port=$port
  node "$root/tests/bench/mint_tokens.mjs" "http://127.0.0.1:$a_port" "$((tokens / 2))" "$scratch/ta-$name.txt" >/dev/null
  node "$root/tests/bench/mint_tokens.mjs" "http://127.0.0.1:$a_port" "$((tokens / 2))" "$scratch/tb-$name.txt" >/dev/null
  local half=$((connections / 2))
  TOKENS=$scratch/ta-$name.txt WRK_THREADS=1 BENCH_PATH=/api/v1/verify wrk -t1 -c$half -d${duration}s \
    -s "$root/tests/bench/verify.lua" "http://127.0.0.1:$a_port" | tail -1 >"$scratch/wa-$name.json" &
  local wa=$!
  TOKENS=$scratch/tb-$name.txt WRK_THREADS=1 BENCH_PATH=/api/v1/verify wrk -t1 -c$half -d${duration}s \
    -s "$root/tests/bench/verify.lua" "http://127.0.0.1:$b_port" | tail -1 >"$scratch/wb-$name.json" &
  local wb=$!
  wait "$wa" "$wb"
  kill "$a_pid" "$b_pid"
  node -e '
    const [a, b] = process.argv.slice(1).map((f) => JSON.parse(require("fs").readFileSync(f, "utf8")));
    console.log(JSON.stringify({ rps: a.rps + b.rps, p50_ms: Math.max(a.p50_ms, b.p50_ms),
      p99_ms: Math.max(a.p99_ms, b.p99_ms), non200: a.non200 + b.non200, each: [a.rps, b.rps] }));
  ' "$scratch/wa-$name.json" "$scratch/wb-$name.json"
}
redis-cli -p "$redis_port" flushall >/dev/null
redis2_json=$(run_pair redis "$redis_url")
sqlite2_json=$(run_pair sqlite "sqlite:$scratch/shared.db")

# Latency-bound runs: production mode (credentials are any), the stand-in as the upstream, quotas off.
cat >"$scratch/latency.json" <<JSON
{"quotas": {"numberIntervalSec": 0, "numberDaily": 0, "appDaily": 0, "ipLimit": 0}}
JSON
latency_run() {  # vendor-latency-ms [extra nv-server args...] -> prints wrk's JSON line
  local latency=$1; shift
  LATENCY_MS=$latency node "$root/tests/bench/vendor_standin.mjs" >"$scratch/standin.log" 2>&1 &
  local standin=$!
  pids+=("$standin")
  local vport=
  for _ in $(seq 100); do
    vport=$(grep -o '"port":[0-9]*' "$scratch/standin.log" 2>/dev/null | cut -d: -f2 || true)
    [[ -n $vport ]] && break
    sleep 0.05
  done
  rm -f "$scratch"/latency.db*
  # Production mode signs every success (DESIGN 10): an assertion key of its own.
  [[ -s $scratch/assertion.pem ]] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$scratch/assertion.pem" 2>/dev/null
  NV_ASSERTION_KEY_FILE=$scratch/assertion.pem NV_APP_KEY=bench NV_MASTER_SECRET=bench \
    start "$scratch/nv-latency.log" "$server" --port 0 \
    --config "$scratch/latency.json" --upstream "http://127.0.0.1:$vport" --store "sqlite:$scratch/latency.db" "$@"
  local nv=${pids[-1]}
  WRK_THREADS=$threads BENCH_PATH=/api/v1/verify wrk -t$threads -c${LATENCY_CONNECTIONS:-256} -d${duration}s \
    -s "$root/tests/bench/verify.lua" "http://127.0.0.1:$port" | tail -1
  kill "$nv" "$standin"
  wait "$nv" "$standin" 2>/dev/null || true
}
lat0_json=$(latency_run 0)
lat50_json=$(latency_run 50)
lat50_64_json=$(latency_run 50 --threads 64)

node - "$bare_json" "$chained_json" "$verify_json" "$mint" "$connections" "$duration" "$redis_json" "$redis2_json" "$sqlite2_json" "$lat0_json" "$lat50_json" "$lat50_64_json" "$sentinel_json" "$cluster_json" "$aliyun_json" "$baseline_json" "$verify2_json" <<'JS'
const [bare, chained, verify, mint] = process.argv.slice(2, 6).map((x) => JSON.parse(x));
const [c, d] = process.argv.slice(6, 8);
const [redis, redis2, sqlite2] = process.argv.slice(8, 11).map((x) => JSON.parse(x));
const [lat0, lat50, lat50old, sentinel, cluster] = process.argv.slice(11, 16).map((x) => JSON.parse(x));
const [aliyun, baseline, verify2] = process.argv.slice(16, 19).map((x) => JSON.parse(x));
const row = (name, r) => `${name.padEnd(50)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50_ms.toFixed(2).padStart(6)} ms   p99 ${r.p99_ms.toFixed(2).padStart(7)} ms   non-200 ${r.non200}`;
const pct = (a, b) => `${(100 * a.rps / b.rps).toFixed(1)}%`;
console.log(`verify benchmark: wrk -t2 -c${c} -d${d}s on loopback (2 cores shared by wrk, Redis and the servers)`);
console.log(row('bare cpp-httplib POST (baseline)', bare));
console.log(row('bare POST + one keep-alive upstream POST', chained));
console.log(row('nv-server verify, SQLite store, 1 instance', verify));
console.log(row('  the same, Aliyun (vendor "aliyun", V3-signed)', aliyun));
console.log(row('nv-server verify, Redis store, 1 instance', redis));
console.log(row('nv-server verify, Redis Sentinel (WAIT 1 replica)', sentinel));
console.log(row('nv-server verify, Redis Cluster (3+3, WAIT 1)', cluster));
console.log(row('nv-server verify, Redis store, 2 instances', redis2) + `   (${redis2.each.map((x) => x.toFixed(0)).join(' + ')})`);
console.log(row('nv-server verify, one SQLite file, 2 instances', sqlite2) + `   (${sqlite2.each.map((x) => x.toFixed(0)).join(' + ')})`);
console.log(`verify / bare = ${pct(verify, bare)} (target >= 40%); chained / bare = ${pct(chained, bare)} (the ceiling of any design with one upstream call); verify / chained = ${pct(verify, chained)}`);
console.log(`Redis / SQLite (1 instance) = ${pct(redis, verify)}; Redis / bare = ${pct(redis, bare)}; 2 instances / 1 on Redis = ${pct(redis2, redis)}; Sentinel (WAIT) / Redis = ${pct(sentinel, redis)}; Cluster (WAIT) / Redis = ${pct(cluster, redis)}`);
console.log(`tokens minted: ${mint.minted} in ${mint.seconds} s`);
console.log(`per vendor (SQLite, 1 instance): Aliyun / Jiguang = ${pct(aliyun, verify)}`);
if (baseline) {
  console.log(row('BENCH_BASELINE_SERVER verify (Jiguang), SQLite', baseline));
  console.log(row('this build again, after it', verify2));
  const mean = (verify.rps + verify2.rps) / 2;
  console.log(`Jiguang verify, this build / baseline = ${(100 * mean / baseline.rps).toFixed(1)}% (mean of the runs before and after it: ${verify.rps.toFixed(0)}, ${verify2.rps.toFixed(0)} req/s; target >= 95%)`);
}
console.log('latency-bound: nv-server with default settings (SQLite, threads on demand up to 1024) against a vendor stand-in, wrk -c256');
console.log(row('vendor answers at once', lat0));
console.log(row('vendor answers after 50 ms', lat50));
console.log(row('vendor after 50 ms, --threads 64 (the old default)', lat50old));
console.log(`50 ms / 0 ms = ${(lat50.rps / lat0.rps).toFixed(2)}x (target >= 0.9x); with 64 threads ${(lat50old.rps / lat0.rps).toFixed(2)}x`);
for (const [name, r] of [['SQLite', verify], ['Aliyun', aliyun], ['Redis', redis], ['Sentinel', sentinel], ['Cluster', cluster], ['Redis x2', redis2], ['SQLite x2', sqlite2],
  ['latency 0 ms', lat0], ['latency 50 ms', lat50], ['latency 50 ms, 64 threads', lat50old]]) {
  if (r.non200 > 0) console.log(`note: ${r.non200} ${name} verify answers were not 200 (tokens ran out?): raise BENCH_TOKENS`);
}
JS
