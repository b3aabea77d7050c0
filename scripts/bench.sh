#!/usr/bin/env bash
# Side-by-side benchmark: installs the peer pools (Debian packages), builds in Release and
# runs tests/bench/peer_bench, writing build/bench/peer_bench.md and peer_bench.json.
# Arguments go to peer_bench: --quick, --reps N, --only NAME.
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
cmake --build build/bench -j "$(nproc)" --target peer_bench pool_bench
cd build/bench
echo "machine: $(nproc) processors, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" >&2
./tests/bench/peer_bench --json peer_bench.json --markdown peer_bench.md "$@"
