#!/usr/bin/env bash
# Cut-out quality benchmark (not a test): runs the bgone CLI over the evaluation sets in
# ../shared/eval (alphamatting: 15 real alpha mattes; people: 150 remove.bg masks), applies each
# refinement stage to the model's raw masks and prints SAD / MSE / gradient / connectivity
# error and IoU tables (docs/QUALITY.md). Skips, saying so, when the data is absent.
#
#   bash bench/quality/run.sh [--build DIR] [--models medium,small] [--sets alphamatting,people]
#                             [--fresh] [--check-cli]
#
#   --build DIR   build tree with cli/bgone and the static libraries (default build/release)
#   --models      medium and small (the CLI's names) or any variant in the model cache by its
#                 suffix: w8 = $BGONE_CACHE/models/isnet-w8.onnx (docs/MODELS.md)
#   --fresh       recompute the cached raw model masks (out/quality/raw/MODEL/SET); needed
#                 after engine changes, which can move a few mask values by one level
#   --check-cli   also run the CLI's default pipeline (refined) and check that it equals the
#                 benchmark's default stage byte for byte ("full"; "untrusted" for the small
#                 model, whose masks the CLI refines without model trust; one more inference
#                 per image)
# Environment: BGONE_EVAL_DIR (default: ../shared/eval beside the checkout), BGONE_THREADS (2).
# Outputs (git-ignored): out/quality/{raw,stages,cli,scores}/, tables on standard output and in
# out/quality/scores/tables.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$ROOT/build/release"
MODELS="medium,small"
SETS="alphamatting,people"
FRESH=0
CHECK_CLI=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build) BUILD="$(cd "$2" && pwd)"; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    --sets) SETS="$2"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --check-cli) CHECK_CLI=1; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
EVAL="${BGONE_EVAL_DIR:-$ROOT/../shared/eval}"
THREADS="${BGONE_THREADS:-2}"
PY=/usr/bin/python3
if [[ ! -d "$EVAL/alphamatting" && ! -d "$EVAL/people" ]]; then
  echo "bench/quality: evaluation data not found in $EVAL (set BGONE_EVAL_DIR); skipping."
  exit 0
fi
if ! "$PY" -c 'import cv2, numpy' 2>/dev/null; then
  echo "bench/quality: $PY lacks numpy/opencv (apt-get install python3-numpy python3-opencv); skipping."
  exit 0
fi
BGONE="$BUILD/cli/bgone"
[[ -x "$BGONE" ]] || { echo "no $BGONE: build first (cmake --build --preset release)" >&2; exit 1; }

# The stage tool links the build's static libraries (compiled here, not a CMake target).
STAGES="$BUILD/bgone_quality_stages"
if [[ ! -x "$STAGES" || "$ROOT/bench/quality/stages.cc" -nt "$STAGES" ||
      "$BUILD/imaging/libbgone_imaging.a" -nt "$STAGES" ]]; then
  echo "building $STAGES"
  g++ -O2 -std=c++20 -I"$ROOT" "$ROOT/bench/quality/stages.cc" \
    "$BUILD/cli/libbgone_cli_core.a" "$BUILD/imaging/libbgone_imaging.a" \
    "$BUILD/engine/libbgone_engine.a" $(pkg-config --cflags --libs vips) -pthread -o "$STAGES"
fi

OUT="$ROOT/out/quality"
mkdir -p "$OUT/scores"
IFS=, read -r -a model_list <<< "$MODELS"
IFS=, read -r -a set_list <<< "$SETS"
CACHE="${BGONE_CACHE:-$ROOT/.cache}"
for model in "${model_list[@]}"; do
  model_arg="$model"
  if [[ $model != medium && $model != small ]]; then
    model_arg="$CACHE/models/isnet-$model.onnx"
    [[ -f "$model_arg" ]] || { echo "bench/quality: no $model_arg (run scripts/setup.sh)" >&2; exit 1; }
  fi
  for set in "${set_list[@]}"; do
    images="$EVAL/$set/image"
    [[ -d "$images" ]] || { echo "bench/quality: no $images; skipping $set"; continue; }
    raw="$OUT/raw/$model/$set"
    count=$(ls "$images" | wc -l)
    if [[ $FRESH == 1 || ! -d "$raw" || $(ls "$raw" 2>/dev/null | wc -l) -ne $count ]]; then
      echo "== $model / $set: model masks ($count images, --mask --no-refine)"
      rm -rf "$raw"
      "$BGONE" --mask --no-refine --model "$model_arg" --threads "$THREADS" -q --out-dir "$raw" "$images"
    fi
    echo "== $model / $set: refinement stages"
    stages="$OUT/stages/$model/$set"
    rm -rf "$stages"
    /usr/bin/time -f "   stages tool: %e s wall for all stages and images" \
      "$STAGES" stages "$images" "$raw" "$stages"
    if [[ $CHECK_CLI == 1 ]]; then
      cli="$OUT/cli/$model/$set"
      rm -rf "$cli"
      "$BGONE" --mask --model "$model_arg" --threads "$THREADS" -q --out-dir "$cli" "$images"
      # The CLI refines a dynamically quantized model's masks without model trust.
      default_stage=full
      [[ $model == small ]] && default_stage=untrusted
      for f in "$cli"/*.nobg.png; do
        stem="$(basename "$f" .nobg.png)"
        cmp -s <("$PY" -c "import cv2,sys;sys.stdout.buffer.write(cv2.imread('$f',0).tobytes())") \
               <("$PY" -c "import cv2,sys;sys.stdout.buffer.write(cv2.imread('$stages/$default_stage/$stem.png',0).tobytes())") \
          || { echo "CLI output differs from the $default_stage stage for $stem" >&2; exit 1; }
      done
      echo "   CLI default pipeline == $default_stage stage on all $count images"
    fi
    gt="$EVAL/$set/alpha"
    [[ $set == people ]] && gt="$EVAL/$set/mask"
    "$PY" "$ROOT/bench/quality/score.py" "$set" "$gt" "$raw" --csv "$OUT/scores/$model-$set-baseline.csv" > /dev/null
    for dir in "$stages"/*/; do
      stage="$(basename "$dir")"
      "$PY" "$ROOT/bench/quality/score.py" "$set" "$gt" "$dir" --csv "$OUT/scores/$model-$set-$stage.csv" > /dev/null
    done
  done
done
"$PY" "$ROOT/bench/quality/table.py" "$OUT/scores" | tee "$OUT/scores/tables.md"
