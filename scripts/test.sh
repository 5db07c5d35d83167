#!/usr/bin/env bash
# Runs all of bgone's tests: sets up and builds the release, debug (ASan/UBSan) and wasm
# presets, runs ctest on release and debug, then node's test runner on web/tests/ (the
# WebAssembly build under node, the web app in Chromium). The debug run leaves out tests
# labelled `slow` (full-model runs).
#
#   bash scripts/test.sh
#
# Exits non-zero if setup, a build or any test fails. BGONE_TEST_JOBS sets ctest's parallel
# jobs (default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh release debug wasm

jobs="${BGONE_TEST_JOBS:-2}"
failed=()
for preset in release debug; do
  echo "test: ctest --preset $preset"
  start=$SECONDS
  if ctest --preset "$preset" --output-on-failure -j"$jobs"; then
    echo "test: preset $preset passed in $((SECONDS - start)) s"
  else
    echo "test: preset $preset FAILED after $((SECONDS - start)) s"
    failed+=("$preset")
  fi
done

# The library and the app into dist/ (models linked from .cache/models), as scripts/serve.sh does.
echo "test: building the web library and app (scripts/serve.sh --build-only --skip-setup)"
if ! bash scripts/serve.sh --build-only --skip-setup; then
  echo "test: web build FAILED"
  failed+=(web-build)
fi

# Emscripten 3.1.6 output under node 20 needs node's built-in fetch off. BGONE_REQUIRE_WASM=1 and
# BGONE_REQUIRE_WEB=1 turn "build missing" skips of the wasm, library and app tests into failures.
echo "test: node --test web/tests/"
start=$SECONDS
if BGONE_REQUIRE_WASM=1 BGONE_REQUIRE_WEB=1 node --no-experimental-fetch --test web/tests/; then
  echo "test: web/tests passed in $((SECONDS - start)) s"
else
  echo "test: web/tests FAILED after $((SECONDS - start)) s"
  failed+=(web)
fi

if ((${#failed[@]} > 0)); then
  echo "test: failures in: ${failed[*]}"
  exit 1
fi
echo "test: all tests passed"
