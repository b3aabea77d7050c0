#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and launches Poolscope.
# With no display it starts the app under Xvfb (a virtual X server) and says how to see it.
# Extra arguments go to the app, e.g. scripts/run.sh --start-load
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build

cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_TESTING=OFF >/dev/null
cmake --build build/release -j "$(nproc)" --target poolscope

app=build/release/app/poolscope
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec "$app" "$@"
fi

cat >&2 <<'NOTE'
poolscope: no DISPLAY: starting the app under Xvfb, a virtual X server you cannot see.
  To look at it, run it on a desktop session, or take a picture of it:
    xvfb-run -a -s "-screen 0 1600x1000x24" build/release/app/poolscope --screenshot shot.png
  Headless, with no X server at all: QT_QPA_PLATFORM=offscreen build/release/app/poolscope --screenshot shot.png
NOTE
exec xvfb-run -a -s "-screen 0 1600x1000x24" "$app" "$@"
