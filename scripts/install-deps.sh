#!/usr/bin/env bash
# Installs, with apt-get, the Debian packages Poolscope needs that are missing.
#   scripts/install-deps.sh build   what building and running the app needs
#   scripts/install-deps.sh test    that, plus what the test suite needs
# Installs nothing when everything is there, so it is cheap to call every time.
set -euo pipefail

# /metrics is served by ui/metricsserver on Qt Network (in qt6-base-dev).
# liburing: the pool's I/O (IoService) submits and reaps through io_uring.
want=(build-essential cmake liburing-dev qt6-base-dev libqcustomplot-dev xvfb xauth)
case "${1:-build}" in
  build) ;;
  # promtool (in prometheus) validates the metrics exports; clang and its runtime
  # (libFuzzer, the sanitizers) build the fuzz targets; strace shows the exports' fsyncs.
  test) want+=(xdotool x11-utils prometheus clang libclang-rt-14-dev strace) ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac

missing=()
for package in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Poolscope needs these Debian packages: ${missing[*]}" >&2
  echo "Run this command as root, or install them first: sudo apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
