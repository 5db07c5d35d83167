#!/usr/bin/env bash
# The passport job against plain background removal, same photos, same model, one run: the issue's
# goal is passport <= 1.3x removal.
#
#   bash bench/passport/run.sh [--repeat 3] [--model w4] [--spec us]
#
# Photos: the eval faces (../shared/eval/faces, skipped with a message when absent), the bundled
# sample, and a 10.6-megapixel JPEG made from kodim04 (upscaled with OpenCV, as a phone-sized
# input). Each photo runs `bgone PHOTO -o out.png` (removal, default refinement and
# decontamination) and `bgone passport PHOTO --spec SPEC -o out.jpg`, alternately, `--repeat`
# times each, in fresh processes; model loading is inside both (one photo per process, as a user
# runs them). Prints a Markdown table of medians and ratios. Then the same in the browser
# (browser.mjs: the web library in headless Chromium, warm engine, passportPhoto() against
# removeBackground()), when web/lib/dist is built (scripts/serve.sh --build-only). Not a test: CI
# does not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
case "${1:-}" in
  -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

bash scripts/setup.sh none
if [[ ! -f build/release/build.ninja ]]; then cmake --preset release >/dev/null; fi
cmake --build --preset release --target bgone -j"${BGONE_JOBS:-2}" >/dev/null
node bench/passport/bench.mjs --bgone build/release/cli/bgone "$@"
if [[ -f web/lib/dist/bgone-st.wasm && -x /usr/bin/chromium ]]; then
  NODE_PATH="${NODE_PATH:-/usr/share/nodejs}" node bench/passport/browser.mjs "$@"
else
  echo "bench/passport: web/lib/dist or /usr/bin/chromium missing: no browser figures (bash scripts/serve.sh --build-only)"
fi
