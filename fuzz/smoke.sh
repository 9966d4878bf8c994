#!/usr/bin/env bash
# CI's fuzz smoke run: every target builds (debug, no sanitizers: stable toolchain) and
# runs RUNS mutations over its seed corpus; any crash fails. The long campaigns are
# campaign.sh (README.md).   fuzz/smoke.sh   (RUNS=2000 by default)
set -euo pipefail
cd "$(dirname "$0")"
runs=${RUNS:-2000}
./seed.sh >/dev/null
cargo fuzz build --dev --sanitizer none
failed=()
for target in $(cargo fuzz list); do
  mkdir -p "artifacts/$target"
  if cargo fuzz run --dev --sanitizer none "$target" "corpus/$target" -- \
      -runs="$runs" -max_total_time=60 -artifact_prefix="artifacts/$target/" \
      >"/tmp/dongpo-fuzz-smoke-$target.log" 2>&1; then
    echo "fuzz smoke: $target ok ($(grep -o 'cov: [0-9]*' "/tmp/dongpo-fuzz-smoke-$target.log" | tail -1))"
  else
    echo "fuzz smoke: $target FAILED"; tail -30 "/tmp/dongpo-fuzz-smoke-$target.log"
    failed+=("$target")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzz smoke failed: ${failed[*]}"; exit 1; }
