#!/usr/bin/env bash
# The production shape on this machine (DESIGN 11, docs/deploy.md), for trying it and for tests:
#
#   nginx  http://127.0.0.1:${PORT:-8080}  https://127.0.0.1:${TLS_PORT:-8443} (HTTP/2; a CA made under build/stack/)
#     ├─ /api/, /, /sdk/  → two nv-server instances (least connections, keep-alive), --behind-proxy
#     └─ /sandbox/        → instance a, which holds the sandbox (its state lives in one process)
#   both instances share one redis-server (quotas, used tokens, the ledger); instance b uses a's sandbox as its
#   vendor and SMS gateway (--sandbox-url), so the demo and the curl journey work through the front unchanged.
#
# Prints "stack ready: http://127.0.0.1:PORT/" once every part answers; SIGTERM or Ctrl-C stops everything it
# started (by PID) and exits 0. It installs nothing beyond scripts/setup.sh, and builds what is missing.
#
# Environment: PORT, TLS_PORT; NV_SERVER (an nv-server binary to run instead of build/native's, which is then
# not built: the tests pass theirs); NV_STACK_DIR (default build/stack); NV_STACK_SETUP=0 skips scripts/setup.sh;
# NV_STACK_REDIS=sentinel runs Redis Sentinel instead of one redis-server: the primary, a replica and three
# sentinels, the instances on redis-sentinel:// (a dead Redis node then does not stop the stack: that is the point);
# NV_STACK_REDIS=cluster runs a Redis Cluster: three masters with a replica each (cluster1-6), the instances on
# redis-cluster:// (again a dead node does not stop the stack: its replica takes over).
# When ready, $NV_STACK_DIR/pids lists "name pid" for redis (with Sentinel also redis-replica, sentinel1-3; with
# Cluster cluster1-6 instead), nv-a, nv-b and nginx (the master), and $NV_STACK_DIR/ports "name port" for the
# Redis nodes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

port=${PORT:-8080}
tls_port=${TLS_PORT:-8443}
dir=${NV_STACK_DIR:-$root/build/stack}

if [[ ${NV_STACK_SETUP:-1} != 0 ]]; then scripts/setup.sh; fi
server=${NV_SERVER:-}
if [[ -z $server ]]; then
  server=$root/build/native/server/nv-server
  if [[ ! -x $server ]]; then
    echo "== native build (nv-server)"
    cmake --preset native >/dev/null
    cmake --build --preset native --target nv-server
  fi
fi
if [[ ! -f web/dist/nv-core.wasm || ! -f web/dist/nv.js.br ]]; then
  echo "== wasm build and the web package (web/dist/)"
  cmake --preset wasm >/dev/null
  cmake --build --preset wasm
  node web/build.mjs
fi

mkdir -p "$dir/logs" "$dir/redis" "$dir/nginx" "$dir/tls"
chmod 755 "$dir" "$dir/nginx"  # nginx's workers (nobody, when started as root) keep request bodies in here
redis_mode=${NV_STACK_REDIS:-single}
[[ $redis_mode == single || $redis_mode == sentinel || $redis_mode == cluster ]] ||
  { echo "stack: NV_STACK_REDIS must be single, sentinel or cluster" >&2; exit 2; }
pids=()   # watched: when one exits, the stack stops
names=()
ha_ports=()  # the Redis nodes' ports, for $dir/ports
ha_pids=()  # Sentinel and Cluster modes: the Redis nodes, which may die (a failover follows); stopped last
ha_names=()
stopping=0
failed=()
stop_all() {
  stopping=1
  local i rc
  # nginx first (no new requests), then the instances (they finish what is in flight), then Redis.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    if [[ ${names[$i]} == nginx ]]; then kill -QUIT "${pids[$i]}" 2>/dev/null || true; else kill -TERM "${pids[$i]}" 2>/dev/null || true; fi
    rc=0
    wait "${pids[$i]}" 2>/dev/null || rc=$?
    ((rc == 0)) || failed+=("${names[$i]} (exit $rc)")
  done
  for ((i = ${#ha_pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${ha_pids[$i]}" 2>/dev/null || true
    wait "${ha_pids[$i]}" 2>/dev/null || true  # a node killed on purpose exits non-zero: not a failure here
  done
}
on_signal() {
  echo "stack: stopping"
  stop_all
  if ((${#failed[@]})); then
    echo "stack: stopped, but not cleanly: ${failed[*]}" >&2
    exit 1
  fi
  echo "stack: stopped"
  exit 0
}
trap on_signal TERM INT
trap 'if ((stopping == 0)); then stop_all; fi' EXIT

die() {
  echo "stack: $*" >&2
  exit 1
}
# A port free now, below the ephemeral range (from 32768), which outbound connections may take meanwhile.
free_port() {
  node -e "const net=require('net');(function t(){const p=20000+Math.floor(Math.random()*12000),s=net.createServer();s.once('error',t);s.listen(p,'127.0.0.1',()=>{console.log(p);s.close()})})()"
}
# Waits until `check` succeeds, or fails naming `what` (and its log) after 15 s.
await() {
  local what=$1 log=$2; shift 2
  for _ in $(seq 150); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "$what did not come up; see $log"
}

# TLS: a CA and a certificate for 127.0.0.1 and localhost, made once (again when they near expiry).
tls=$dir/tls
if ! openssl x509 -checkend 86400 -noout -in "$tls/stack.pem" >/dev/null 2>&1; then
  echo "stack: making a test CA and a certificate for 127.0.0.1 under ${tls#"$root"/}"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=nv stack test CA" \
    -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$tls/stack.key" -out "$tls/stack.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$tls/ext.cnf"
  openssl x509 -req -in "$tls/stack.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 30 \
    -extfile "$tls/ext.cnf" -out "$tls/stack.pem" 2>/dev/null
  chmod 600 "$tls"/*.key
fi

# The keys every instance shares, as production's instances do: the assertion signing key (one JWKS whichever
# instance answers) and the one-click login key (the sandbox vendor encrypts with its public half; either
# instance must decrypt).
keys=$dir/keys
mkdir -p "$keys"
if [[ ! -s $keys/assertion.pem ]]; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$keys/assertion.pem" 2>/dev/null
fi
if [[ ! -s $keys/login.pem ]]; then
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$keys/login.pem" 2>/dev/null
fi
chmod 600 "$keys"/*.pem
export NV_ASSERTION_KEY_FILE=$keys/assertion.pem NV_LOGIN_PRIVATE_KEY_FILE=$keys/login.pem

# Every Redis here starts a replica's first sync at once (--repl-diskless-sync-delay 0; Redis 7 waits 5 s for
# more replicas to share it), so the Sentinel and Cluster stacks are ready seconds sooner.
redis_port=$(free_port)
a_port=$(free_port)
b_port=$(free_port)
sandbox_port=$(free_port)

if [[ $redis_mode != cluster ]]; then
  redis-server --port "$redis_port" --bind 127.0.0.1 --repl-diskless-sync-delay 0 --dir "$dir/redis" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no --loglevel warning --logfile "$dir/logs/redis.log" &
  if [[ $redis_mode == single ]]; then
    pids+=($!)
    names+=(redis-server)
  else
    ha_pids+=($!)
    ha_names+=(redis)
  fi
  await "redis-server on port $redis_port" "$dir/logs/redis.log" redis-cli -p "$redis_port" ping
  ha_ports+=("redis $redis_port")
fi
store=redis://127.0.0.1:$redis_port/0
if [[ $redis_mode == sentinel ]]; then
  replica_port=$(free_port)
  mkdir -p "$dir/redis-replica"
  redis-server --port "$replica_port" --bind 127.0.0.1 --repl-diskless-sync-delay 0 --dir "$dir/redis-replica" --save '' --appendonly yes \
    --appendfsync everysec --daemonize no --loglevel warning --logfile "$dir/logs/redis-replica.log" \
    --replicaof 127.0.0.1 "$redis_port" &
  ha_pids+=($!)
  ha_names+=(redis-replica)
  await "the replica on port $replica_port" "$dir/logs/redis-replica.log" \
    sh -c "redis-cli -p $replica_port info replication | grep -q master_link_status:up"
  store=redis-sentinel://
  for i in 1 2 3; do
    sentinel_port=$(free_port)
    mkdir -p "$dir/sentinel$i"
    printf 'sentinel monitor nvstack 127.0.0.1 %s 2\nsentinel down-after-milliseconds nvstack 1000\nsentinel failover-timeout nvstack 2000\n' \
      "$redis_port" >"$dir/sentinel$i/sentinel.conf"
    redis-server "$dir/sentinel$i/sentinel.conf" --sentinel --port "$sentinel_port" --bind 127.0.0.1 \
      --dir "$dir/sentinel$i" --daemonize no --loglevel warning --logfile "$dir/logs/sentinel$i.log" &
    ha_pids+=($!)
    ha_names+=("sentinel$i")
    await "sentinel $i on port $sentinel_port" "$dir/logs/sentinel$i.log" \
      redis-cli -p "$sentinel_port" sentinel get-master-addr-by-name nvstack
    store+="127.0.0.1:$sentinel_port,"
  done
  store="${store%,}/nvstack/0"
  ha_ports+=("redis-replica $replica_port")
fi
if [[ $redis_mode == cluster ]]; then
  cluster_nodes=()
  for i in 1 2 3 4 5 6; do
    node_port=$(free_port)
    # Its cluster bus port: another free port, and not the node's own, which is free until redis-server binds it
    # (two calls in a row can return the same port; CI once saw "Failed listening on port ... (cluster)").
    bus_port=$(free_port)
    while [[ $bus_port == "$node_port" ]]; do bus_port=$(free_port); done
    mkdir -p "$dir/cluster$i"
    rm -f "$dir/cluster$i/nodes.conf" "$dir/cluster$i"/appendonly*  # a new cluster each time
    rm -rf "$dir/cluster$i/appendonlydir"
    redis-server --port "$node_port" --bind 127.0.0.1 --repl-diskless-sync-delay 0 --dir "$dir/cluster$i" --save '' --appendonly yes \
      --appendfsync everysec --daemonize no --loglevel warning --logfile "$dir/logs/cluster$i.log" \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 --cluster-port "$bus_port" &
    ha_pids+=($!)
    ha_names+=("cluster$i")
    ha_ports+=("cluster$i $node_port")
    await "cluster node $i on port $node_port" "$dir/logs/cluster$i.log" redis-cli -p "$node_port" ping
    cluster_nodes+=("127.0.0.1:$node_port")
  done
  redis-cli --cluster create "${cluster_nodes[@]}" --cluster-replicas 1 --cluster-yes >"$dir/logs/cluster-create.log" 2>&1 ||
    die "redis-cli --cluster create failed; see ${dir#"$root"/}/logs/cluster-create.log"
  for node in "${cluster_nodes[@]}"; do
    await "the cluster as node ${node##*:} sees it" "$dir/logs/cluster-create.log" \
      sh -c "redis-cli -p ${node##*:} cluster info | grep -q cluster_state:ok && redis-cli -p ${node##*:} info replication | grep -q -e connected_slaves:1 -e master_link_status:up"
  done
  store=redis-cluster://$(IFS=,; echo "${cluster_nodes[*]}")
  redis_port=${cluster_nodes[0]##*:}
fi

"$server" --sandbox --behind-proxy --port "$a_port" --sandbox-port "$sandbox_port" --store "$store" \
  >"$dir/logs/nv-a.log" 2>&1 &
pids+=($!)
names+=("nv-server a")
await "nv-server a on port $a_port" "$dir/logs/nv-a.log" curl -sf "http://127.0.0.1:$a_port/healthz"
"$server" --sandbox-url "http://127.0.0.1:$sandbox_port" --behind-proxy --port "$b_port" --store "$store" \
  >"$dir/logs/nv-b.log" 2>&1 &
pids+=($!)
names+=("nv-server b")
await "nv-server b on port $b_port" "$dir/logs/nv-b.log" curl -sf "http://127.0.0.1:$b_port/healthz"

max_files=$(ulimit -Hn)
[[ $max_files == unlimited || $max_files -gt 65536 ]] && max_files=65536
NV_MAX_FILES=$max_files NV_NGINX_RUN_DIR=$dir/nginx NV_UPSTREAMS="127.0.0.1:$a_port 127.0.0.1:$b_port" NV_SANDBOX_UPSTREAM=127.0.0.1:$a_port \
  NV_TLS_CERT=$tls/stack.pem NV_TLS_KEY=$tls/stack.key NV_HTTP_LISTEN=127.0.0.1:$port \
  NV_HTTPS_LISTEN=127.0.0.1:$tls_port server/deploy/render-nginx.sh "$dir/nginx.conf"
rm -f "$dir/nginx/nginx.pid"
nginx -c "$dir/nginx.conf" -p "$dir/nginx" -g 'daemon off;' 2>"$dir/logs/nginx.log" &
pids+=($!)
names+=(nginx)
await "nginx on ports $port and $tls_port" "$dir/logs/nginx.log $dir/nginx/error.log" \
  curl -sf --cacert "$tls/ca.pem" "https://127.0.0.1:$tls_port/healthz"
await "nginx on port $port" "$dir/nginx/error.log" curl -sf "http://127.0.0.1:$port/healthz"

{  # for tests and operators
  for i in "${!ha_pids[@]}"; do echo "${ha_names[$i]} ${ha_pids[$i]}"; done
  for i in "${!pids[@]}"; do
    case ${names[$i]} in redis-server) echo "redis ${pids[$i]}" ;; "nv-server a") echo "nv-a ${pids[$i]}" ;;
      "nv-server b") echo "nv-b ${pids[$i]}" ;; *) echo "${names[$i]} ${pids[$i]}" ;; esac
  done
} >"$dir/pids"
printf '%s\n' "${ha_ports[@]}" >"$dir/ports"
cat <<MSG
stack: redis-server :$redis_port ($redis_mode; store $store), nv-server a :$a_port (sandbox), nv-server b :$b_port, nginx :$port and :$tls_port
       logs in ${dir#"$root"/}/logs/ and ${dir#"$root"/}/nginx/; HTTPS with: curl --cacert ${tls#"$root"/}/ca.pem
       metrics of each instance: http://127.0.0.1:$a_port/metrics http://127.0.0.1:$b_port/metrics
stack ready: http://127.0.0.1:$port/
stack ready (TLS, HTTP/2): https://127.0.0.1:$tls_port/
Stop with Ctrl-C.
MSG

# Serve until a signal, or until a part dies (then stop the rest and say which).
while :; do
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
      echo "stack: ${names[$i]} exited; stopping the rest (logs in ${dir#"$root"/}/logs/)" >&2
      stop_all
      exit 1
    fi
  done
  sleep 1 &
  wait $! || true
done
