#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a share of a time budget.
#   scripts/fuzz.sh [SECONDS]   total budget, default 60 (split evenly over the targets)
# Each target starts from its committed corpus (tests/fuzz/corpus/<target>: seeds and every
# input that ever crashed, run first as a regression) plus what earlier runs found in
# build/fuzz/corpus. An input that crashes is copied into the committed corpus, so that it
# stays in the suite once fixed, and the run fails.
set -uo pipefail
cd "$(dirname "$0")/.."
budget=${1:-60}
targets=(fuzz_snapshot fuzz_scenario fuzz_commandline fuzz_httphead fuzz_alertrules)
declare -A max_len=([fuzz_snapshot]=65536 [fuzz_scenario]=16384 [fuzz_commandline]=4096 [fuzz_httphead]=16384 [fuzz_alertrules]=4096)
dir=build/fuzz
mkdir -p "$dir"
echo "=== fuzz: configure and build"
if ! cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
     -DPOOLSCOPE_SANITIZE=address -DPOOLSCOPE_FUZZ=ON >"$dir.configure.log" 2>&1; then
  cat "$dir.configure.log"; exit 1
fi
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}" >"$dir.build.log" 2>&1 || { tail -n 50 "$dir.build.log"; exit 1; }

per=$((budget / ${#targets[@]})); [ "$per" -lt 1 ] && per=1
failed=()
for target in "${targets[@]}"; do
  # Absolute: a target may change its working folder (fuzz_commandline does).
  seeds=$PWD/tests/fuzz/corpus/$target
  work=$PWD/$dir/corpus/$target
  artifacts=$PWD/$dir/artifacts/$target
  mkdir -p "$work" "$artifacts"
  echo "=== fuzz: $target for ${per}s"
  # halt_on_error: a UBSan report is a crash too; detect_leaks: a leak is a bug in a parser.
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
       "$dir/tests/fuzz/$target" "$work" "$seeds" -max_total_time="$per" -max_len="${max_len[$target]}" \
       -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" -print_final_stats=1 2>"$dir/$target.log"; then
    tail -n 40 "$dir/$target.log"
    for crash in "$artifacts"/*; do
      [ -f "$crash" ] && cp "$crash" "$seeds/" && echo "fuzz: $target: kept $(basename "$crash") in $seeds (commit it with the fix)"
    done
    failed+=("$target")
  else
    grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$dir/$target.log" | tail -n 2
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, no crash in ${budget}s"
