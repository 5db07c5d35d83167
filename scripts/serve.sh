#!/usr/bin/env bash
# Builds the bgone web app into dist/ and serves it locally with the headers it needs
# (COOP/COEP for threads, a strict Content-Security-Policy).
#
#   bash scripts/serve.sh [--build-only] [--skip-setup] [--port 8080] [--host 127.0.0.1] [--no-isolation]
#
# Steps:
#   1. scripts/setup.sh release wasm (Debian packages, npm dev dependencies, models, native CLI and
#      the WebAssembly engine). --skip-setup skips this step (dist is rebuilt from what is there).
#   2. the library: node web/lib/scripts/build.mjs  -> web/lib/dist/
#   3. the app: vite build (web/app/vite.config.mts) -> dist/ (with dist/lib/, dist/sw.js and the
#      models linked or copied from .cache/models into dist/models/; they are AGPL data, never committed)
#   4. node tools/serve.mjs --dir dist (unless --build-only)
#
# dist/ is a plain static folder: any static host can serve it (headers: docs/WEB.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'serve: %s\n' "$*"; }
die() { printf 'serve: error: %s\n' "$*" >&2; exit 1; }

build_only=0
skip_setup=0
serve_args=()
while (($#)); do
  case "$1" in
    --build-only) build_only=1 ;;
    --skip-setup) skip_setup=1 ;;
    --port | --host) (($# >= 2)) || die "$1 needs a value"; serve_args+=("$1" "$2"); shift ;;
    --no-isolation | --quiet) serve_args+=("$1") ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
  shift
done

# --- 1. setup ------------------------------------------------------------------------------------
if ((skip_setup == 0)); then
  bash scripts/setup.sh release wasm
fi

# --- 2. library ----------------------------------------------------------------------------------
[[ -f web/lib/scripts/build.mjs ]] || die "web/lib/scripts/build.mjs missing"
say "building the library (web/lib/dist)"
node web/lib/scripts/build.mjs

# --- 3. app --------------------------------------------------------------------------------------
say "building the app (dist/)"
VITE_CONFIG_NATIVE_IGNORE_WARNING=true npx --no-install vite build --config web/app/vite.config.mts --logLevel warn
for model in isnet-w4.onnx.gz isnet-w8.onnx.gz isnet-fp16.onnx.gz isnet-q8.onnx.gz \
    face_detection_short_range.tflite face_detection_full_range_sparse.tflite; do
  [[ -f "dist/models/$model" ]] || say "warning: dist/models/$model missing (run scripts/setup.sh to fetch the models)"
done
say "dist/ ready ($(du -sh --exclude=models dist | cut -f1) without models)"

# --- 4. serve ------------------------------------------------------------------------------------
((build_only == 0)) || exit 0
exec node tools/serve.mjs --dir dist "${serve_args[@]}"
