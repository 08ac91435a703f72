#!/usr/bin/env bash
# Installs what the build and the tests need on Debian 12, and nothing that is already there.
# Safe to run any number of times. Used by scripts/test.sh and scripts/demo.sh.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  nodejs
  emscripten            # Debian's 3.1.6, with a prebuilt (frozen) system-library cache
  catch2                # 2.13 (<catch2/catch.hpp>)
  nlohmann-json3-dev    # the server and the tests (the core has its own small JSON reader)
  libcpp-httplib-dev    # 0.11.4, a compiled library (pkg-config cpp-httplib)
  libssl-dev openssl    # TLS to the vendor; the integration tests make a test CA with the openssl command
  libsqlite3-dev        # the server's embedded store
  redis-server libhiredis-dev  # the shared store (tests start their own redis-server on a free port)
  wrk                   # the verify benchmark
  clang libclang-rt-14-dev  # libFuzzer (the fuzz preset)
  chromium fonts-wqy-microhei  # browser tests (driven by playwright-core from npm; never its own browser)
  curl
  nginx-light libnginx-mod-http-brotli-filter  # the production front (scripts/stack.sh, server/deploy/)
  prometheus            # promtool: the shipped alert rules are checked and unit-tested
  systemd               # systemd-analyze verify: the shipped unit is checked
  python3-jwt python3-cryptography  # the Python backend example (docs/backend.md), for /usr/bin/python3
  openjdk-17-jdk-headless  # the Java backend example (docs/backend.md): java VerifyAssertion.java
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq "${missing[@]}"
else
  echo "setup: all packages present"
fi

# JS dependencies, where a lockfile pins them (npm ci is reproducible and never downloads a browser here).
root=$(cd "$(dirname "$0")/.." && pwd)
for lock in "$root"/package-lock.json "$root"/web/package-lock.json; do
  [[ -f $lock ]] || continue
  dir=$(dirname "$lock")
  if [[ ! -d $dir/node_modules || $lock -nt $dir/node_modules ]]; then
    echo "setup: npm ci in ${dir#"$root"/}"
    (cd "$dir" && npm ci --no-audit --no-fund)
    touch "$dir/node_modules"
  fi
done
