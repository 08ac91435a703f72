#!/usr/bin/env bash
# Fills server/deploy/nginx.conf.template and checks the result with `nginx -t`. One script for every place the
# front is made: scripts/stack.sh (this machine) and an operator's host (docs/deploy.md).
#
# Usage: render-nginx.sh OUT_FILE   with, in the environment:
#   NV_NGINX_RUN_DIR   required: pid file, logs and temp files go here (created)
#   NV_UPSTREAMS       required: the nv-server instances, "127.0.0.1:8081 127.0.0.1:8082"
#   NV_TLS_CERT, NV_TLS_KEY   required: the certificate chain and key (PEM)
#   NV_HTTP_LISTEN     default 127.0.0.1:8080     NV_HTTPS_LISTEN  default 127.0.0.1:8443
#   NV_HTTP_REDIRECT   1: plain HTTP only redirects to https:// (production); default 0: it serves too
#   NV_SANDBOX_UPSTREAM  host:port of the instance holding the sandbox: /sandbox/ goes there (sandbox stacks)
#   NV_SERVER_NAME     default _          NV_NGINX_USER   the workers' user (when started as root)
#   NV_MAX_BODY        default 16k (nv-server's maxBodyBytes)
#   NV_API_RATE        default 20r/s per client IP on /api/, NV_API_BURST default 40
#   NV_CONN_PER_IP     default 50 connections with a request in progress
#   NV_MAX_FILES       default 65536: each worker's descriptor limit (at most the hard limit it may raise to)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: render-nginx.sh OUT_FILE}
: "${NV_NGINX_RUN_DIR:?set NV_NGINX_RUN_DIR}" "${NV_UPSTREAMS:?set NV_UPSTREAMS}"
: "${NV_TLS_CERT:?set NV_TLS_CERT}" "${NV_TLS_KEY:?set NV_TLS_KEY}"
mkdir -p "$NV_NGINX_RUN_DIR"

servers=""
for u in $NV_UPSTREAMS; do
  [[ $u =~ ^[^[:space:]/]+:[0-9]+$ ]] || { echo "render-nginx: bad upstream \"$u\" (host:port)" >&2; exit 2; }
  servers+="        server $u max_fails=2 fail_timeout=5s;"$'\n'
done
sandbox_upstream="" sandbox_location=""
if [[ -n ${NV_SANDBOX_UPSTREAM:-} ]]; then
  sandbox_upstream=$'    # The sandbox keeps its state in one process: every /sandbox/ request goes to it.\n'
  sandbox_upstream+=$'    upstream nv_sandbox {\n        server '"$NV_SANDBOX_UPSTREAM"$';\n        keepalive 16;\n    }'
  sandbox_location=$'        location /sandbox/ {\n            limit_req zone=nv_api burst='"${NV_API_BURST:-40}"$' nodelay;\n'
  sandbox_location+=$'            proxy_pass http://nv_sandbox;\n        }'
fi
redirect=""
if [[ ${NV_HTTP_REDIRECT:-0} == 1 ]]; then
  redirect=$'        if ($scheme = http) {\n            return 301 https://$host$request_uri;\n        }'
fi
user_line=""
[[ -n ${NV_NGINX_USER:-} ]] && user_line="user ${NV_NGINX_USER};"

NV_SERVERS=$servers NV_SANDBOX_UP=$sandbox_upstream NV_SANDBOX_LOC=$sandbox_location NV_REDIRECT=$redirect \
NV_USER_LINE=$user_line node -e '
  const fs = require("fs");
  const e = process.env;
  const fields = {
    RUN_DIR: e.NV_NGINX_RUN_DIR, USER_LINE: e.NV_USER_LINE, API_SERVERS: e.NV_SERVERS.replace(/\n$/, ""),
    SANDBOX_UPSTREAM: e.NV_SANDBOX_UP, SANDBOX_LOCATION: e.NV_SANDBOX_LOC, HTTP_REDIRECT: e.NV_REDIRECT,
    HTTP_LISTEN: e.NV_HTTP_LISTEN || "127.0.0.1:8080", HTTPS_LISTEN: e.NV_HTTPS_LISTEN || "127.0.0.1:8443",
    SERVER_NAME: e.NV_SERVER_NAME || "_", TLS_CERT: e.NV_TLS_CERT, TLS_KEY: e.NV_TLS_KEY,
    MAX_BODY: e.NV_MAX_BODY || "16k", API_RATE: e.NV_API_RATE || "20r/s", API_BURST: e.NV_API_BURST || "40",
    CONN_PER_IP: e.NV_CONN_PER_IP || "50", MAX_FILES: e.NV_MAX_FILES || "65536",
  };
  let text = fs.readFileSync(process.argv[1], "utf8").replace(/@([A-Z_]+)@/g, (m, k) => {
    if (!(k in fields)) throw new Error(`the template names an unknown field ${m}`);
    return fields[k];
  });
  fs.writeFileSync(process.argv[2], text);
' "$here/nginx.conf.template" "$out"

if ! check=$(nginx -t -c "$out" -p "$NV_NGINX_RUN_DIR" 2>&1); then
  echo "render-nginx: nginx -t refused $out:" >&2
  echo "$check" >&2
  exit 1
fi
