#!/usr/bin/env bash
# Side-by-side benchmark: installs the peer pools (Debian packages), builds in Release and
# runs tests/bench/peer_bench (build/bench/peer_bench.md and peer_bench.json) and then
# pool/bench/pool_bench (build/bench/pool_bench.txt).
# Arguments go to peer_bench: --quick, --reps N, --only NAME, --scenarios floods,bursts,wakes,stream
# (--quick also shortens pool_bench). The wake tails swing from run to run: for them,
# --scenarios wakes --reps 9 takes about 13 minutes.
# Together they run every scenario of issue 13: 1/4/8 producers against the peers and the
# busy-poll limit of the same run (with the spread), bursts, idle-poster wakes after 50 us and
# 1 ms, the running-poster wake and a running poster streaming a unit every 20 us, each plain,
# with latency timing and with a 60 Hz sampler
# (peer_bench, and pool_bench's tighter alternated ratios), the wake diagnosis by CPU and the
# workers' time slice (pool_bench). The load average is printed before and after each run:
# write it down with the figures.
# scripts/bench.sh --gui [SECONDS] runs tests/ui/bench_gui_responsiveness on a full Release
# build (offscreen unless QT_QPA_PLATFORM says otherwise): the window at 30 Hz, its GUI
# thread's CPU per second and the throughput it leaves (README "Latency timing and monitoring").
# scripts/bench.sh --io [--quick | --seconds S --reps N] runs tests/bench/io_bench instead: an I/O
# completion's cost through the port, and echo servers side by side (README "I/O completions").
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
peers=(libboost-dev libtbb-dev libconcurrentqueue-dev)
missing=()
for package in "${peers[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "peer_bench needs: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DPOOLSCOPE_POOL_ONLY=ON -DBUILD_TESTING=OFF \
      -DPOOLSCOPE_BENCH_PEERS=ON >/dev/null
echo "machine: $(nproc) processors, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)" >&2
# With kernel.sched_autogroup_enabled=1 the scheduler shares the CPU equally between
# sessions whatever their nice value: a build under nice 19 in another terminal still takes
# half the machine from the benchmark (measured: 80 % of it, with the pool's threads
# runnable but waiting). In a session of its own whose group has the highest weight, the
# benchmark sees the machine the nice builds meant to leave it. Needs root; else as is.
run() {
  if [ -w /proc/self/autogroup ] && [ "$(id -u)" -eq 0 ]; then
    setsid -w bash -c 'echo -20 > /proc/self/autogroup && exec "$@"' run "$@" </dev/null
  else
    "$@"
  fi
}
load() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(date -u +%H:%M:%S) UTC)" >&2; }
if [ "${1:-}" = "--gui" ]; then
  shift
  cmake -S . -B build/bench-gui -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/bench-gui -j "$(nproc)" --target bench_gui_responsiveness
  cd build/bench-gui
  load
  run env QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" ./tests/ui/bench_gui_responsiveness "$@" | tee bench_gui.txt
  load
  exit
fi
if [ "${1:-}" = "--io" ]; then
  shift
  cmake --build build/bench -j "$(nproc)" --target io_bench
  cd build/bench
  run ./tests/bench/io_bench "$@"
  exit
fi
cmake --build build/bench -j "$(nproc)" --target peer_bench pool_bench io_bench
cd build/bench
# peer_bench: every scenario for every contender, same process, order rotated per repetition.
load
run ./tests/bench/peer_bench --json peer_bench.json --markdown peer_bench.md "$@"
load
# pool_bench: the pool alone, plain / latency timing / 60 Hz sampler alternated 7 times (the
# tighter ratios), the sampler against none over 21 alternated rounds with empty and with ~0.4 us
# units, what the sampler costs in CPU, the wake diagnosis (three scenarios by CPU), and the
# workers' time slice compared round by round.
quick=0
for argument in "$@"; do [ "$argument" = --quick ] && quick=1; done
if [ $quick -eq 1 ]; then
  run ./pool/pool_bench --items 200000 --samples 2000 --rounds 5 | tee pool_bench.txt
  run ./pool/pool_bench --only slice --rounds 3 --items 200000 --samples 2000 | tee -a pool_bench.txt
else
  run ./pool/pool_bench | tee pool_bench.txt
  load
  # The workers' time slice (WorkerPoolOptions::timeSlice): kernel default against 100 us,
  # alternated round by round (README "Wake latency under load").
  run ./pool/pool_bench --only slice --rounds 25 --items 1000000 | tee -a pool_bench.txt
fi
load
# io_bench (issue 14, README "I/O completions"): one I/O completion's cost through the bare port
# and through WorkerPool (serveIo) beside a posted packet's, and the echo through WorkerPool
# against plain epoll and Boost.Asio, 1 and 64 connections (build/bench/io_bench.md).
if [ $quick -eq 1 ]; then run ./tests/bench/io_bench --quick | tee io_bench.md; else run ./tests/bench/io_bench --reps 5 | tee io_bench.md; fi
load
