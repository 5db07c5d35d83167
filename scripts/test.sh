#!/usr/bin/env bash
# Runs all of bgone's tests: sets up and builds the release and the debug (ASan/UBSan) presets,
# then runs ctest on both. The debug run leaves out tests labelled `slow` (full-model runs).
#
#   bash scripts/test.sh
#
# Exits non-zero if setup, a build or any test fails. BGONE_TEST_JOBS sets ctest's parallel
# jobs (default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh release debug

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

if ((${#failed[@]} > 0)); then
  echo "test: failures in: ${failed[*]}"
  exit 1
fi
echo "test: all tests passed"
