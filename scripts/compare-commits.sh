#!/usr/bin/env bash
# Did a change slow the pool's fast path? Builds pool/ (Release, standalone) at two commits,
# compiles tests/bench/commit_compare.cpp against each, and runs the two binaries in turn
# ROUNDS times (the order flips every round) in a session of its own with autogroup nice -20
# when run as root (see bench.sh). Prints each commit's medians and the median of the per-round
# ratios B/A: items/s (1 producer unless PRODUCERS says otherwise) and process CPU per unit, plain and with latency timing.
# Usage: scripts/compare-commits.sh COMMIT_A COMMIT_B [ROUNDS [PRODUCERS]]   (PRODUCERS: default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 COMMIT_A COMMIT_B [ROUNDS]" >&2; exit 2; }
rounds=${3:-12}
producers=${4:-1}
harness=$PWD/tests/bench/commit_compare.cpp
work=$PWD/build/compare
mkdir -p "$work"
build() { # COMMIT -> path of its binary
  local sha dir
  sha=$(git rev-parse --short "$1")
  dir=$work/$sha
  if [ ! -x "$dir/commit_compare" ]; then
    rm -rf "$dir" && mkdir -p "$dir/src"
    git archive "$sha" pool cmake | tar -x -C "$dir/src"
    cmake -S "$dir/src/pool" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$dir/build" -j "$(nproc)" --target pool >"$dir/build.log" 2>&1 || { cat "$dir/build.log" >&2; exit 1; }
    c++ -std=c++20 -O2 -I "$dir/src/pool" "$harness" "$dir/build/libpool.a" -o "$dir/commit_compare" -pthread -luring
  fi
  echo "$dir/commit_compare"
}
a=$(build "$1"); b=$(build "$2")
run() {
  if [ -w /proc/self/autogroup ] && [ "$(id -u)" -eq 0 ]; then
    setsid -w bash -c 'echo -20 > /proc/self/autogroup && exec "$@"' run "$@" </dev/null
  else
    "$@"
  fi
}
echo "A = $1, B = $2, $rounds rounds, $producers producer(s); $(uptime)" >&2
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) -eq 1 ]; then first=$a second=$b; else first=$b second=$a; fi
  r1=$(run "$first" 3 1000000 "$producers") r2=$(run "$second" 3 1000000 "$producers")
  if [ "$first" = "$a" ]; then echo "$r1 $r2"; else echo "$r2 $r1"; fi
done | awk -v rounds="$rounds" '
  function median(v, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
                                     return v[int((n + 1) / 2)] }
  { for (m = 1; m <= 4; m++) { A[m, NR] = $m; B[m, NR] = $(m + 4); R[m, NR] = $(m + 4) / $m } }
  END {
    split("plain M items/s,plain CPU ns/unit,timed M items/s,timed CPU ns/unit", name, ",")
    for (m = 1; m <= 4; m++) {
      for (i = 1; i <= NR; i++) { a[i] = A[m, i]; b[i] = B[m, i]; r[i] = R[m, i] }
      printf "%-20s A %8.3f  B %8.3f  B/A %.2f\n", name[m], median(a, NR), median(b, NR), median(r, NR)
    }
  }'
echo "$(uptime)" >&2
