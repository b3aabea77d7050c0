#!/bin/sh
# Retakes every picture of the live window in docs/, under Xvfb with openbox (a real window
# manager: frames, focus, a screen of the size named), with the app's own options:
#
#   scripts/docs-screenshots.sh [OUT_FOLDER] [SHOT...]
#
# OUT_FOLDER defaults to docs/; SHOT names pick some of them (default: all):
#   window-1280x720      the README's picture: under load, 6 workers, limit 2, a quarter of the units blocking
#   window-1024x700      the same load on a small laptop screen
#   window-1920x1080     the same load on a large screen
#   first-launch         a first start: nothing runs, the "Start load" notice
#   shrink-in-progress   16 workers blocking 10 s each, shrunk to 2: target 2, 16 live, 14 retiring
#   snapshot-window      a saved run (a 20 s headless run) opened beside the live window
#   exported-charts-pdf  File -> Export charts as PDF (A4 landscape) of a run, rendered with pdftoppm
#
# A developer tool, not part of CI. Needs: xvfb-run, openbox, xdotool, pdftoppm (poppler-utils),
# and a release build (POOLSCOPE_BIN, default build/release/app/poolscope). The user's settings are
# never touched: each shot runs with a settings folder of its own. Every picture is checked to exist
# and to have the screen's size; look at each before committing it.
# (docs/sweep-window.png and docs/compare-runs.png come from tests/ui/sizing_screenshots.cpp;
# docs/alert-firing.png from a run with --alerts, see the README.)
set -eu

cd "$(dirname "$0")/.."
BIN=${POOLSCOPE_BIN:-build/release/app/poolscope}
OUT=${1:-docs}
[ $# -gt 0 ] && shift
SHOTS=${*:-window-1280x720 window-1024x700 window-1920x1080 first-launch shrink-in-progress snapshot-window exported-charts-pdf}

for tool in xvfb-run openbox xdotool pdftoppm; do
  command -v "$tool" >/dev/null || { echo "docs-screenshots: $tool is missing (apt-get install xvfb openbox xdotool poppler-utils)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "docs-screenshots: no $BIN: build first (cmake --build build/release)" >&2; exit 1; }
BIN=$(realpath "$BIN")
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Settings for a shot (the app reads $XDG_CONFIG_HOME/Poolscope/Poolscope.conf). $1: a name,
# the rest: lines of the [pool] and [load] groups as "group/key=value".
settings() {
  folder="$WORK/config-$1"
  rm -rf "$folder"
  mkdir -p "$folder/Poolscope"
  shift
  {
    for group in pool load; do
      echo "[$group]"
      for line in "$@"; do
        case "$line" in "$group/"*) echo "${line#"$group"/}" ;; esac
      done
    done
  } >"$folder/Poolscope/Poolscope.conf"
  echo "$folder"
}

# The load of the window pictures: 6 workers, limit 2, 2,000 units/s of 200 µs, a quarter
# blocking 2 ms, 2 % throwing.
WINDOW_LOAD="pool/workers=6 pool/concurrency=2 load/rate=2000 load/meanCostUs=200 load/blockingShare=0.25 load/blockingTimeUs=2000 load/exceptionProbability=0.02"

# Runs `sh -c SCRIPT` on a fresh X screen of SIZE (WxH) with openbox, with XDG_CONFIG_HOME=CONFIG.
# SCRIPT may use $BIN; the app must quit by itself (--screenshot does). Gives up after 120 s.
on_screen() {
  size=$1 config=$2 script=$3
  XDG_CONFIG_HOME=$config BIN=$BIN timeout 120 xvfb-run -a -s "-screen 0 ${size}x24 -nolisten tcp" sh -c "
    openbox >/dev/null 2>&1 &
    wm=\$!
    for i in 1 2 3 4 5 6 7 8 9 10; do xdotool getactivewindow >/dev/null 2>&1 && break; sleep 0.3; done
    sleep 1
    $script
    status=\$?
    kill \$wm 2>/dev/null
    exit \$status"
}

# Checks that $1 is a PNG of $2 (WxH) pixels.
check_png() {
  [ -s "$1" ] || { echo "docs-screenshots: $1 was not written" >&2; return 1; }
  got=$(file -b "$1" | sed -n 's/.*PNG image data, \([0-9]*\) x \([0-9]*\).*/\1x\2/p')
  [ -z "$2" ] || [ "$got" = "$2" ] || { echo "docs-screenshots: $1 is $got, not $2" >&2; return 1; }
  echo "docs-screenshots: $1 ($got)"
}

window_shot() { # name size: the live window under WINDOW_LOAD, 10 s after the load started
  # shellcheck disable=SC2086
  config=$(settings "$1" $WINDOW_LOAD)
  on_screen "$2" "$config" "\"\$BIN\" --start-load --screenshot '$OUT/$1.png' --screenshot-screen --screenshot-delay 10"
  check_png "$OUT/$1.png" "$2"
}

first_launch() {
  config=$(settings first-launch)
  on_screen 1280x720 "$config" "\"\$BIN\" --reset-settings --screenshot-idle --screenshot '$OUT/first-launch.png' --screenshot-screen --screenshot-delay 3"
  check_png "$OUT/first-launch.png" 1280x720
}

# 16 workers whose units all block for 10 s, then the Workers slider (the first control: Tab
# reaches it) is taken down to 2 (PgDn halves it: 16 -> 8 -> 4 -> 2): the 14 retire commands wait until their units end,
# so the picture shows target 2 with 16 live, 14 retiring.
shrink() {
  config=$(settings shrink pool/workers=16 pool/concurrency=4 load/rate=40 load/meanCostUs=200 \
    load/blockingShare=1 load/blockingTimeUs=10000000)
  on_screen 1280x720 "$config" "
    \"\$BIN\" --start-load --screenshot '$OUT/shrink-in-progress.png' --screenshot-screen --screenshot-delay 8 &
    app=\$!
    window=\$(xdotool search --sync --onlyvisible --name '^Poolscope\$' | head -n 1)
    sleep 4
    xdotool windowactivate --sync \"\$window\"
    xdotool key --clearmodifiers Tab
    sleep 0.5
    xdotool key --clearmodifiers --delay 300 Next Next Next
    wait \$app"
  check_png "$OUT/shrink-in-progress.png" 1280x720
}

# A 20 s headless run saved as JSON, opened beside the live window (which stays idle).
snapshot_window() {
  "$BIN" --headless --quiet --workers 6 --concurrency 2 --rate 2000 --cost 200 --blocking-share 0.25 \
    --blocking-time 2000 --exception-probability 0.02 --duration 20 --export-json "$WORK/saved-run.json"
  config=$(settings snapshot-window)
  on_screen 1600x900 "$config" "\"\$BIN\" --reset-settings --screenshot-idle --screenshot '$OUT/snapshot-window.png' --screenshot-screen --screenshot-delay 4 '$WORK/saved-run.json'"
  check_png "$OUT/snapshot-window.png" 1600x900
}

# File -> Export charts as PDF (Ctrl+Shift+D) after 12 s of the window's load: the file
# dialog gets the path, the page dialog keeps its default (A4 landscape); pdftoppm renders it.
exported_pdf() {
  # shellcheck disable=SC2086
  config=$(settings pdf $WINDOW_LOAD)
  rm -f "$WORK/charts.pdf"
  on_screen 1280x720 "$config" "
    \"\$BIN\" --start-load --screenshot '$WORK/pdf-run.png' --screenshot-delay 25 &
    app=\$!
    window=\$(xdotool search --sync --onlyvisible --name '^Poolscope\$' | head -n 1)
    sleep 12
    xdotool windowactivate --sync \"\$window\"
    xdotool key --clearmodifiers ctrl+shift+d
    sleep 2
    xdotool type --delay 20 '$WORK/charts.pdf'
    xdotool key --clearmodifiers Return
    sleep 2
    xdotool key --clearmodifiers Return
    for i in \$(seq 1 40); do [ -s '$WORK/charts.pdf' ] && break; sleep 0.25; done
    wait \$app"
  [ -s "$WORK/charts.pdf" ] || { echo "docs-screenshots: the PDF export did not happen" >&2; return 1; }
  pdfinfo "$WORK/charts.pdf" | grep -E '^Page size' || true
  pdftoppm -png -r 110 -singlefile "$WORK/charts.pdf" "$WORK/charts"
  cp "$WORK/charts.png" "$OUT/exported-charts-pdf.png"
  check_png "$OUT/exported-charts-pdf.png" ""
}

for shot in $SHOTS; do
  case "$shot" in
    window-1280x720) window_shot window-1280x720 1280x720 ;;
    window-1024x700) window_shot window-1024x700 1024x700 ;;
    window-1920x1080) window_shot window-1920x1080 1920x1080 ;;
    first-launch) first_launch ;;
    shrink-in-progress) shrink ;;
    snapshot-window) snapshot_window ;;
    exported-charts-pdf) exported_pdf ;;
    *) echo "docs-screenshots: unknown shot '$shot'" >&2; exit 2 ;;
  esac
done
