#!/usr/bin/env bash
# Browser benchmark: bgone's WebAssembly engine against onnxruntime-web (wasm) on IS-Net, same model,
# same 1024x1024 input, in one headless Chromium run.
#
#   bash bench/web/run.sh [--threads 1,2] [--model small,medium] [--repeat 3] [--warmup 0] [--ready-repeat 5]
#
# Needs the wasm build (build/wasm/wasm), web/lib/dist, node_modules (playwright-core,
# onnxruntime-web 1.30), the models in .cache/models and Debian's /usr/bin/chromium; builds nothing.
# Makes the input tensor from assets/sample/skimage_astronaut.png with bench/make_input.py (as bench/run.sh
# does), then runs bench/web/bench.mjs, which prints Markdown tables and keeps the raw numbers in
# out/bench/web-results-<date>.json. Not a test: CI does not run it. Run it on a quiet machine.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

case "${1:-}" in
  -h | --help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

source bench/input.sh
input="$bench_input"

exec node bench/web/bench.mjs --input "$input" \
  --json "out/bench/web-results-$(date -u +%Y%m%dT%H%M%SZ).json" "$@"
