#!/usr/bin/env bash
# Benchmarks bgone against ONNX Runtime on IS-Net, same model, same input, one run.
#
#   bash bench/run.sh [--threads 1,2] [--model medium,small,fp32,w8,w4] [--repeat 3] [--warmup 0]
#
# Sets up (packages, node_modules, models; no full build), builds only bgone_bench in the release
# preset, makes the input tensor from assets/sample/skimage_astronaut.png (IMG.LY's preprocessing, done
# with OpenCV so it does not depend on bgone's imaging code), then runs bench/bench.mjs, which
# prints a Markdown table and keeps the raw numbers in out/bench/results-<date>.json.
# Not a test: CI does not run it. Run it on a quiet machine; numbers are noisy otherwise.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

case "${1:-}" in
  -h | --help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

bash scripts/setup.sh none
echo "bench: building bgone_bench (release)"
if [[ ! -f build/release/build.ninja ]]; then
  cmake --preset release >/dev/null
fi
cmake --build --preset release --target bgone_bench -j"${BGONE_JOBS:-2}" >/dev/null

source bench/input.sh
input="$bench_input"

exec node bench/bench.mjs --bench build/release/bench/bgone_bench --input "$input" \
  --json "out/bench/results-$(date -u +%Y%m%dT%H%M%SZ).json" "$@"
