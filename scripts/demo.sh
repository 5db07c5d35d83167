#!/usr/bin/env bash
# First thing to run on a fresh Debian 12 machine: sets up, builds the release preset, and removes
# the background of the bundled sample photo.
#
#   bash scripts/demo.sh        -> out/astronaut-nobg.png
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh release

input=assets/sample/skimage_astronaut.png
output=out/astronaut-nobg.png
mkdir -p out
rm -f "$output"
echo "demo: build/release/cli/bgone $input -o $output"
start=$(date +%s.%N)
build/release/cli/bgone "$input" -o "$output"
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
[[ -f "$output" ]] || { echo "demo: error: bgone did not write $output" >&2; exit 1; }
echo "demo: done in ${elapsed} s: $ROOT/$output (the sample with its background made transparent)"
