#!/usr/bin/env bash
# Sets up a Debian 12 machine for bgone and builds it. Idempotent: what is already there is
# checked and kept, so a second run takes seconds.
#
#   bash scripts/setup.sh [PRESET...]    PRESET: release (default), debug (ASan/UBSan), wasm
#                                        (Emscripten: build/wasm/wasm/bgone-{st,mt}.js), none
#
# Steps:
#   1. Debian packages (installed only when missing; sudo when not root; emscripten and chromium
#      for wasm)
#   2. npm dev dependencies (onnxruntime-node, the reference peer) when node_modules is missing
#      or does not match package-lock.json
#   3. models: IS-Net from @imgly/background-removal-data into .cache/models (tools/fetch_models.sh)
#   4. cmake --preset PRESET && cmake --build --preset PRESET -j2
#
# Environment: BGONE_CACHE (model cache folder, default <repo>/.cache), BGONE_JOBS (build jobs,
# default 2), BGONE_SKIP_APT=1 (never call apt-get; fail if a package is missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

presets=("$@")
((${#presets[@]} > 0)) || presets=(release)
for preset in "${presets[@]}"; do
  case "$preset" in
    release | debug | wasm | none) ;;
    -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown preset '$preset' (release, debug, wasm or none)" ;;
  esac
done

# --- 1. Debian packages --------------------------------------------------------------------------
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libvips-dev libhwy-dev libgtest-dev libgmock-dev
  python3-onnx python3-numpy python3-opencv libonnx-testdata libimage-exiftool-perl
)
if [[ " ${presets[*]} " == *" wasm "* ]]; then
  # emscripten builds the engine; chromium runs the web library, the app and the MediaPipe peer
  # in web/tests/ and bench/browser.
  PACKAGES+=(emscripten chromium)
fi
# The machine may ship a newer node/npm than Debian's: keep it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == installed ]] || missing+=("$pkg")
done
if ((${#missing[@]} == 0)); then
  say "Debian packages ok"
else
  [[ "${BGONE_SKIP_APT:-}" != 1 ]] || die "missing Debian packages: ${missing[*]} (BGONE_SKIP_APT=1)"
  say "installing Debian packages: ${missing[*]}"
  SUDO=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} by hand"
    SUDO=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$(mktemp)"
  if ! "${SUDO[@]}" apt-get update -q >"$apt_log" 2>&1 \
      || ! "${SUDO[@]}" apt-get install -y -q "${missing[@]}" >>"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    rm -f "$apt_log"
    die "apt-get could not install ${missing[*]}"
  fi
  rm -f "$apt_log"
  say "Debian packages installed"
fi

# --- 2. npm dev dependencies ---------------------------------------------------------------------
# npm keeps a copy of the lock it installed from in node_modules/.package-lock.json: compare the
# package entries (version and integrity) with package-lock.json.
npm_in_sync() {
  [[ -f node_modules/.package-lock.json ]] || return 1
  node -e '
    const fs = require("fs");
    const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages || {};
    const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages || {};
    for (const [key, p] of Object.entries(want)) {
      if (key === "" || (p.optional && !have[key])) continue;  // platform-specific extras
      const h = have[key];
      if (!h || h.version !== p.version || (p.integrity && h.integrity !== p.integrity)) process.exit(1);
    }
    require.resolve("onnxruntime-node");
  ' 2>/dev/null
}
if npm_in_sync; then
  say "node_modules ok"
else
  say "npm ci (onnxruntime-node, install scripts skipped: the CPU binary ships in the package)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed"
  npm_in_sync || die "node_modules still does not match package-lock.json after npm ci"
fi

# --- 3. models -----------------------------------------------------------------------------------
bash "$ROOT/tools/fetch_models.sh" | sed 's/^/setup: /'

# --- 4. build ------------------------------------------------------------------------------------
jobs="${BGONE_JOBS:-2}"
# Debian's em++ runs its JS optimiser with node and needs Debian's node modules (acorn).
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
for preset in "${presets[@]}"; do
  [[ "$preset" != none ]] || continue
  say "configuring preset '$preset' (build/$preset)"
  configure_args=(--preset "$preset")
  if [[ -n "${BGONE_CACHE:-}" ]]; then
    configure_args+=("-DBGONE_CACHE_DIR=$BGONE_CACHE")
  fi
  log="$(mktemp)"
  if ! cmake "${configure_args[@]}" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    die "cmake --preset $preset failed"
  fi
  rm -f "$log"
  # The full compiler output goes to a log; the terminal gets a line per 10% of the build.
  log="build/$preset/build.log"
  say "building preset '$preset' with -j$jobs (log: $log)"
  start=$SECONDS
  set +e
  cmake --build --preset "$preset" -j"$jobs" 2>&1 | tee "$log" | awk -v preset="$preset" '
    match($0, /^\[[0-9]+\/[0-9]+\]/) {
      split(substr($0, 2, RLENGTH - 2), p, "/")
      step = int(p[1] * 10 / p[2])
      if (step > shown) { printf "setup:   %s %3d%% (%d/%d)\n", preset, step * 10, p[1], p[2]; shown = step; fflush() }
    }'
  status=${PIPESTATUS[0]}
  set -e
  if ((status != 0)); then
    grep -E -B2 -A12 'error:|FAILED:' "$log" | head -n 80 >&2 || tail -n 40 "$log" >&2
    die "build of preset '$preset' failed (full output: $log)"
  fi
  warnings=$(grep -c 'warning:' "$log" || true)
  note=""
  ((warnings == 0)) || note=", $warnings compiler warnings (see $log)"
  say "built preset '$preset' in $((SECONDS - start)) s$note"
done
say "done"
