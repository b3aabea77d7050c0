#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
#  1. the whole project (pool, ui, app) and all its tests;
#  2. the pool and its tests under ThreadSanitizer;
#  3. everything under AddressSanitizer + UBSan;
#  4. the libFuzzer targets (snapshot, scenario, command line, HTTP head) for 60 s in all
#     (POOLSCOPE_FUZZ_SECONDS), from their committed corpus (scripts/fuzz.sh).
# A failing test, a sanitizer report or a fuzzer crash fails the run. Set POOLSCOPE_SKIP_SANITIZERS=1
# to run step 1 alone while developing.
#
#   scripts/test.sh --busy   step 1 only, with a CPU hog on every core beside it, the way CI
#                            often finds this machine: no test may depend on how fast sleeps,
#                            timers or threads are paced. The hogs end with the script (and
#                            after an hour at most, whatever happens to it).
set -uo pipefail
cd "$(dirname "$0")/.."
busy=0
for arg in "$@"; do
  case "$arg" in
    --busy) busy=1 ;;
    *) echo "usage: $0 [--busy]" >&2; exit 2 ;;
  esac
done
scripts/install-deps.sh test || exit 1

# --busy: a CPU hog per core while the tests run (not while they build).
hogs=()
start_hogs() {
  [ "$busy" = 1 ] || return 0
  for _ in $(seq "$(nproc)"); do
    timeout 3600 sh -c 'while :; do :; done' &
    hogs+=($!)
  done
  echo "=== busy: ${#hogs[@]} CPU hogs beside the tests"
}
stop_hogs() {
  [ ${#hogs[@]} -gt 0 ] || return 0
  kill "${hogs[@]}" 2>/dev/null
  wait "${hogs[@]}" 2>/dev/null
  hogs=()
}
trap stop_hogs EXIT

jobs=$(nproc)
werror=OFF; [ "${CI:-}" = "true" ] && werror=ON
total_passed=0; total_failed=0; failed_runs=()

run_suite() { # name, cmake args...
  local name=$1; shift
  local dir=build/$name
  echo "=== $name: configure and build"
  if ! cmake -S . -B "$dir" -DPOOLSCOPE_WERROR=$werror "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"; failed_runs+=("$name (configure)"); total_failed=$((total_failed + 1)); return
  fi
  if ! cmake --build "$dir" -j "$jobs"; then
    failed_runs+=("$name (build)"); total_failed=$((total_failed + 1)); return
  fi
  echo "=== $name: tests"
  local log=$dir/ctest.log
  start_hogs
  ctest --test-dir "$dir" --output-on-failure --timeout 600 -j "$jobs" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  stop_hogs
  local line; line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    local failed=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
    local all=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/')
    total_passed=$((total_passed + all - failed)); total_failed=$((total_failed + failed))
  fi
  if [ "$status" -ne 0 ] || [ -z "$line" ]; then
    failed_runs+=("$name"); [ -z "$line" ] && total_failed=$((total_failed + 1))
  fi
}

mkdir -p build
run_suite release -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${POOLSCOPE_SKIP_SANITIZERS:-0}" != "1" ] && [ "$busy" = 0 ]; then
  run_suite tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOOLSCOPE_SANITIZE=thread -DPOOLSCOPE_POOL_ONLY=ON
  run_suite asan -DCMAKE_BUILD_TYPE=Debug -DPOOLSCOPE_SANITIZE=address
  if scripts/fuzz.sh "${POOLSCOPE_FUZZ_SECONDS:-60}"; then
    total_passed=$((total_passed + 1))
  else
    failed_runs+=("fuzz"); total_failed=$((total_failed + 1))
  fi
fi

echo
if [ ${#failed_runs[@]} -gt 0 ]; then
  echo "Failed: ${failed_runs[*]}"
fi
echo "suites: $total_passed passed, $total_failed failed"
[ ${#failed_runs[@]} -eq 0 ]
