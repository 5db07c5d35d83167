#!/usr/bin/env bash
# Puts IS-Net into the model cache, checked, and derives the fp32 variant the tests compare with
# and bgone's own compact variants.
#
#   bash tools/fetch_models.sh          (scripts/setup.sh calls it)
#
# Cache folder: $BGONE_CACHE, default <repo>/.cache (git-ignored). It ends up holding
#   models/isnet-fp16.onnx  "/models/medium" of @imgly/background-removal-data (fp16, AGPL-3.0)
#   models/isnet-q8.onnx    "/models/small" (dynamic-quantized uint8, AGPL-3.0)
#   models/isnet-fp32.onnx  isnet-fp16.onnx widened by tools/convert_fp16_to_fp32.py
#   models/isnet-w8.onnx    isnet-fp32.onnx with int8 weights (tools/quantize_weights.py)
#   models/isnet-w4.onnx    the same with 4-bit weights (--bits 4 --block 64)
#   models/*.onnx.gz        gzip -9 copies of the four models the web app serves (fp16, q8, w8,
#                           w4): the browser downloads these and inflates them (web/lib/src/store.js)
# The derived files are deterministic: w8 and w4 must come out with the SHA-256 the web library
# pins (web/lib/src/models.js), or this script stops and says so.
# A present file of the right size and sha256 is kept; a missing, truncated or altered one is
# fetched again with `npm pack` (one ~136 MB tarball, unpacked into a temporary folder inside the
# cache, assembled under a temporary name, checked, renamed into place; the tarball and the
# unpacked chunks are deleted afterwards). The model files are never committed.
#
# Hashing ~300 MB on every run would cost a second, so a checked file's size and mtime are noted
# in models/.verified; a file whose size, mtime or inode changed is hashed again. BGONE_VERIFY=full
# ignores the notes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${BGONE_CACHE:-$ROOT/.cache}"
MODELS="$CACHE/models"
PACKAGE="@imgly/background-removal-data@1.4.5"
PYTHON=/usr/bin/python3
CONVERTER="$ROOT/tools/convert_fp16_to_fp32.py"

# resource key, file name, size in bytes, sha256 (docs: shared/docs/FACTS.md)
ENTRIES=(
  "/models/medium isnet-fp16.onnx 88188479 b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb"
  "/models/small isnet-q8.onnx 44342436 7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a"
)

say() { printf 'models: %s\n' "$*"; }
die() { printf 'models: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$MODELS"
# One fetch at a time per cache (other shells may run setup concurrently).
exec 9>"$CACHE/.fetch.lock"
flock 9

VERIFIED="$MODELS/.verified"
touch "$VERIFIED"

file_stat() { stat -c '%s %.9Y %i' "$1"; }

# Prints the sha256 of $1, reusing the note in .verified while size and mtime are unchanged.
known_sha() {
  local file="$1" name stat
  name="$(basename "$file")"
  stat="$(file_stat "$file")"
  if [[ "${BGONE_VERIFY:-}" != full ]]; then
    local line
    line="$(grep -F "$name $stat " "$VERIFIED" | tail -n 1 || true)"
    if [[ -n "$line" ]]; then
      printf '%s\n' "${line##* }"
      return
    fi
  fi
  local sha
  sha="$(sha256sum "$file" | cut -d' ' -f1)"
  note_sha "$file" "$sha"
  printf '%s\n' "$sha"
}

note_sha() {
  local file="$1" sha="$2" name
  name="$(basename "$file")"
  { grep -vF "$name " "$VERIFIED" || true; printf '%s %s %s\n' "$name" "$(file_stat "$file")" "$sha"; } \
    > "$VERIFIED.tmp"
  mv -f "$VERIFIED.tmp" "$VERIFIED"
}

# Returns 0 when $1 exists with size $2 and sha256 $3; prints why not otherwise.
check_file() {
  local file="$1" size="$2" sha="$3" actual
  if [[ ! -f "$file" ]]; then
    say "$(basename "$file"): missing"
    return 1
  fi
  actual="$(stat -c %s "$file")"
  if [[ "$actual" != "$size" ]]; then
    say "$(basename "$file"): $actual bytes, expected $size (truncated or wrong file)"
    return 1
  fi
  actual="$(known_sha "$file")"
  if [[ "$actual" != "$sha" ]]; then
    say "$(basename "$file"): sha256 $actual, expected $sha"
    return 1
  fi
  return 0
}

needed=()
for entry in "${ENTRIES[@]}"; do
  read -r key name size sha <<<"$entry"
  if check_file "$MODELS/$name" "$size" "$sha"; then
    say "$name ok"
  else
    needed+=("$entry")
  fi
done

if ((${#needed[@]} > 0)); then
  command -v npm >/dev/null || die "npm is needed to fetch the models (run scripts/setup.sh)"
  work="$(mktemp -d "$CACHE/fetch.XXXXXX")"
  trap 'rm -rf "$work"; rm -f "$MODELS"/.isnet-*.tmp' EXIT
  say "fetching $PACKAGE (~136 MB) with npm pack"
  # A private npm cache, deleted with $work, so the tarball is not kept twice on disk.
  (cd "$work" && npm pack "$PACKAGE" --pack-destination "$work" --cache "$work/npm-cache" \
    --silent --no-audit --no-fund >/dev/null) || die "npm pack $PACKAGE failed"
  rm -rf "$work/npm-cache"
  tarball="$(find "$work" -maxdepth 1 -name '*.tgz' | head -n 1)"
  [[ -n "$tarball" ]] || die "npm pack produced no tarball"
  tar -xzf "$tarball" -C "$work" package/dist/resources.json || die "no dist/resources.json in $tarball"

  # "hash length" per chunk, in order, for each needed resource.
  for entry in "${needed[@]}"; do
    read -r key name size sha <<<"$entry"
    node -e '
      const [file, key] = process.argv.slice(1);
      const r = JSON.parse(require("fs").readFileSync(file, "utf8"))[key];
      if (!r || !Array.isArray(r.chunks)) { console.error(`no resource ${key}`); process.exit(1); }
      for (const c of r.chunks) console.log(c.hash, c.offsets[1] - c.offsets[0]);
    ' "$work/package/dist/resources.json" "$key" >"$work/$name.chunks" \
      || die "resources.json has no usable entry for $key"
  done
  members=()
  while read -r hash _; do members+=("package/dist/$hash"); done < <(cat "$work"/*.chunks)
  tar -xzf "$tarball" -C "$work" "${members[@]}" || die "chunks missing from $tarball"
  rm -f "$tarball"

  for entry in "${needed[@]}"; do
    read -r key name size sha <<<"$entry"
    tmp="$MODELS/.$name.tmp"
    : >"$tmp"
    while read -r hash length; do
      chunk="$work/package/dist/$hash"
      [[ "$(stat -c %s "$chunk")" == "$length" ]] || die "chunk $hash of $key has the wrong size"
      cat "$chunk" >>"$tmp"
      rm -f "$chunk"
    done <"$work/$name.chunks"
    actual_size="$(stat -c %s "$tmp")"
    actual_sha="$(sha256sum "$tmp" | cut -d' ' -f1)"
    if [[ "$actual_size" != "$size" || "$actual_sha" != "$sha" ]]; then
      rm -f "$tmp"
      die "assembled $name is $actual_size bytes, sha256 $actual_sha; expected $size bytes, $sha"
    fi
    mv -f "$tmp" "$MODELS/$name"
    note_sha "$MODELS/$name" "$sha"
    say "$name assembled and checked ($size bytes)"
  done
  rm -rf "$work"
  trap - EXIT
fi

# Derived variants: each rebuilt when missing, changed since it was made, or made by another
# converter, its arguments or the source file. derive OUT CONVERTER SOURCE SOURCE_SHA256 PIN [ARGS...]
# PIN is the SHA-256 OUT must have, or - for none.
derive() {
  local out="$1" converter="$2" src="$3" src_sha="$4" pin="$5" name stamp want ok=0
  shift 5
  name="$(basename "$out")"
  stamp="$out.stamp"
  want="converter $(sha256sum "$converter" | cut -d' ' -f1) from $src_sha"
  if (($# > 0)); then want="$want args $*"; fi
  if [[ -f "$out" && -f "$stamp" && "$(head -n 1 "$stamp")" == "$want" ]]; then
    if [[ "$(known_sha "$out")" == "$(sed -n 2p "$stamp")" && ( "$pin" == - || "$(sed -n 2p "$stamp")" == "$pin" ) ]]; then
      ok=1
    fi
  fi
  if ((ok)); then
    say "$name ok"
    return
  fi
  say "making $name from $(basename "$src")"
  "$PYTHON" -c 'import onnx, numpy' 2>/dev/null \
    || die "$PYTHON lacks onnx/numpy (apt-get install python3-onnx python3-numpy)"
  rm -f "$stamp"
  "$PYTHON" "$converter" "$src" "$out" "$@" | sed 's/^/models: /'
  local sha
  sha="$(sha256sum "$out" | cut -d' ' -f1)"
  if [[ "$pin" != - && "$sha" != "$pin" ]]; then
    rm -f "$out"
    die "$name came out with sha256 $sha, but $pin is pinned (web/lib/src/models.js and this script); if the converter changed on purpose, update both pins"
  fi
  note_sha "$out" "$sha"
  printf '%s\n%s\n' "$want" "$sha" >"$stamp.tmp"
  mv -f "$stamp.tmp" "$stamp"
}

# OUT.gz next to OUT, remade when OUT changed (the stamp holds OUT's sha256). Deterministic
# (-n: no name or time in the header).
gzip_copy() {
  local src="$1" gz="$1.gz" stamp="$1.gz.stamp" want
  want="gzip -9 -n of $(known_sha "$src")"
  if [[ -f "$gz" && -f "$stamp" && "$(head -n 1 "$stamp")" == "$want" \
        && "$(sed -n 2p "$stamp")" == "$(stat -c %s "$gz")" ]]; then
    say "$(basename "$gz") ok"
    return
  fi
  say "compressing $(basename "$src")"
  rm -f "$stamp"
  gzip -9 -n -c "$src" >"$gz.tmp"
  mv -f "$gz.tmp" "$gz"
  printf '%s\n%s\n' "$want" "$(stat -c %s "$gz")" >"$stamp.tmp"
  mv -f "$stamp.tmp" "$stamp"
  say "$(basename "$gz"): $(stat -c %s "$gz") bytes"
}

# fp32: what ONNX Runtime runs fastest, and the reference of the tests.
derive "$MODELS/isnet-fp32.onnx" "$CONVERTER" "$MODELS/isnet-fp16.onnx" \
  b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb -
# w8: bgone's weight-only int8 variant (tools/quantize_weights.py; docs/MODELS.md).
derive "$MODELS/isnet-w8.onnx" "$ROOT/tools/quantize_weights.py" "$MODELS/isnet-fp32.onnx" \
  "$(known_sha "$MODELS/isnet-fp32.onnx")" b69419a17bf6a630a83ac75410a8634bb9f958d2cf92200ddcb37719dd054a39
# w4: 4-bit weights, one scale per 64 input channels and tap (the block size measured best in
# docs/MODELS.md).
derive "$MODELS/isnet-w4.onnx" "$ROOT/tools/quantize_weights.py" "$MODELS/isnet-fp32.onnx" \
  "$(known_sha "$MODELS/isnet-fp32.onnx")" 7352a40be82c58550b8e7c18ddd5670a7d44a1c4972ac30605e727a2901a0b00 \
  --bits 4 --block 64

# What the web app serves: each model gzipped (the browser inflates it with DecompressionStream).
for name in isnet-w4.onnx isnet-w8.onnx isnet-fp16.onnx isnet-q8.onnx; do
  gzip_copy "$MODELS/$name"
done

# MediaPipe's TFLite models (Apache-2.0) for passport photos, copied from the pinned npm packages
# that `npm ci` installed (@mediapipe/face_detection 0.4.1657300184, @mediapipe/selfie_segmentation
# 0.1.1675465747; shared/docs/FACTS.md): path under node_modules/@mediapipe, size, sha256.
MEDIAPIPE_ENTRIES=(
  "face_detection/face_detection_short_range.tflite 229032 3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633"
  "face_detection/face_detection_full_range.tflite 1083984 99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3"
  "face_detection/face_detection_full_range_sparse.tflite 680736 671dd2f9ed11a78436fc21cc42357a803dfc6f73e9fb86541be942d5716c2dce"
  "selfie_segmentation/selfie_segmentation.tflite 249024 8d13b7fae74af625c641226813616a2117bd6bca19eb3b75574621fc08557f27"
)
for entry in "${MEDIAPIPE_ENTRIES[@]}"; do
  read -r rel size sha <<<"$entry"
  out="$MODELS/$(basename "$rel")"
  if check_file "$out" "$size" "$sha" >/dev/null; then
    say "$(basename "$out") ok"
    continue
  fi
  src="$ROOT/node_modules/@mediapipe/$rel"
  check_file "$src" "$size" "$sha" || die "node_modules/@mediapipe/$rel is missing or altered (run npm ci)"
  cp -f "$src" "$out.tmp"
  mv -f "$out.tmp" "$out"
  check_file "$out" "$size" "$sha" || die "copying $(basename "$out") failed"
  say "$(basename "$out") copied from @mediapipe/$(dirname "$rel")"
done
