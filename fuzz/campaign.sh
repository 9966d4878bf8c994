#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECS seconds each, JOBS at a time, at the
# lowest CPU priority, and appends libFuzzer's final figures to campaign.log:
#   SECS=600 JOBS=2 fuzz/campaign.sh [TARGET...]
# MAX_LEN=N caps input size (masterlist: a real master list costs ~0.3 s an execution, so its
# ten minutes run with MAX_LEN=65536 over the synthetic and mutated lists).
# Findings land in fuzz/artifacts/<target>/; each becomes a regression test in the crate
# that owns the parser. Stable toolchain: no sanitizers (see README.md).
set -euo pipefail
# A session of its own at the lowest autogroup priority: under autogroup scheduling
# `nice` only ranks processes within one session, so fuzzers would otherwise take half
# the machine from builds and benchmarks.
if [ -z "${DONGPO_FUZZ_SESSION:-}" ]; then DONGPO_FUZZ_SESSION=1 exec setsid "$0" "$@"; fi
echo 19 >/proc/self/autogroup 2>/dev/null || true
cd "$(dirname "$0")"
secs=${SECS:-600}
jobs=${JOBS:-1}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
[ -d corpus ] || ./seed.sh >/dev/null
if [ $# -gt 0 ]; then
  for t in "${targets[@]}"; do cargo fuzz build --sanitizer none -O "$t"; done
else
  cargo fuzz build --sanitizer none -O
fi
mkdir -p logs
run_one() {
  local t=$1
  mkdir -p "corpus/$t" "artifacts/$t"
  nice -n 19 cargo fuzz run --sanitizer none -O "$t" "corpus/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 ${MAX_LEN:+-max_len=$MAX_LEN} \
    -artifact_prefix="artifacts/$t/" >"logs/$t.log" 2>&1 && status=ok || status="FAILED (see logs/$t.log)"
  local runs cov
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "logs/$t.log" | tail -1 | grep -o '[0-9]*')
  printf '%s\t%s\t%ss\truns=%s\tcov=%s\tcorpus=%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$secs" \
    "${runs:-?}" "${cov:-?}" "$(ls "corpus/$t" | wc -l)" "$status" | tee -a campaign.log
}
export -f run_one; export secs MAX_LEN
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
