#!/usr/bin/env bash
# Runs every libFuzzer harness for a bounded time on its seed corpus (tests/fuzz/corpus/NAME) plus its regression
# inputs (tests/fuzz/regressions/NAME: every crash ever found, kept so it stays fixed). New inputs go to a scratch
# corpus under build/fuzz/, never into the repository. Prints executions and exec/s per harness; exits non-zero
# on any crash, leak or sanitizer finding (the input is saved under build/fuzz/artifacts/).
# Usage: tests/fuzz/run.sh [SECONDS_PER_HARNESS]   (default 20; the test command uses the default)
#        tests/fuzz/run.sh 600                      (a longer hunt)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
bin=$root/build/fuzz/tests/fuzz
work=$root/build/fuzz/work
artifacts=$root/build/fuzz/artifacts
mkdir -p "$work" "$artifacts"
status=0
printf '%-12s %12s %10s %8s  %s\n' harness executions exec/s corpus result
for name in phone core_json tape upstream config server_http; do
  [[ -x $bin/fuzz_$name ]] || { echo "fuzz: $bin/fuzz_$name is missing (cmake --build --preset fuzz)"; exit 1; }
  mkdir -p "$work/$name"
  log=$work/$name.log
  rc=0
  "$bin/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts/$name-" "$work/$name" "$root/tests/fuzz/corpus/$name" \
    "$root/tests/fuzz/regressions/$name" >"$log" 2>&1 || rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}' | tail -1)
  corpus=$(find "$work/$name" -type f | wc -l)
  result=ok
  if [[ $rc -ne 0 ]]; then
    result="FAILED (rc $rc): $(grep -m1 -E 'ERROR|SUMMARY|deadly' "$log" || echo see "$log")"
    status=1
  fi
  printf '%-12s %12s %10s %8s  %s\n' "$name" "${runs:-0}" "$(( ${runs:-0} / (${secs:-1} > 0 ? ${secs:-1} : 1) ))" "$corpus" "$result"
done
if [[ $status -ne 0 ]]; then
  echo "fuzz: a harness failed; the input is in $artifacts (copy it to tests/fuzz/regressions/NAME/ once fixed)"
  tail -40 "$work"/*.log | grep -A30 -E 'ERROR|deadly' | head -60
fi
exit $status
