#!/usr/bin/env bash
# Render an SVG snapshot to PNG as a terminal shows it: usage tools/snapshot_png.sh IN.svg OUT.png
# The screen's text is already in visual order (`[ui] bidi = "app"`), but SVG renderers apply the
# Unicode bidi algorithm again and would reverse Arabic runs; bidi-override stops that.
set -euo pipefail
in=$1 out=$2
tmp=$(mktemp --suffix=.svg)
trap 'rm -f "$tmp"' EXIT
sed 's#</style>#text, tspan { unicode-bidi: bidi-override; direction: ltr; }\n</style>#' "$in" >"$tmp"
rsvg-convert -o "$out" "$tmp"
