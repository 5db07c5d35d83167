// The pinned models: IS-Net ("isnet-general-use") from @imgly/background-removal-data@1.4.5
// (AGPL-3.0), and bgone's compact variants derived from its fp16 file at setup
// (tools/quantize_weights.py; docs/MODELS.md). Each is served gzipped (`file`, made by
// tools/fetch_models.sh) and inflated in the browser; `size` and `sha256` are those of the
// inflated .onnx file, checked on every download and every load from the local store.
// `download` is the gzip file's size (gzip 1.12 -9), for display and progress until the response
// says its length. `quality`: docs/MODELS.md's table (alphamatting.com mean SAD and gradient
// error, lower is better; people-set IoU), measured with bench/quality on the refined cut-outs.

/** @typedef {{file: string, encoding: 'gzip', download: number, size: number, sha256: string, label: string, description: string, quality: {sad: number, gradient: number, peopleIoU: number}}} Pinned */

/** @type {Readonly<Record<'w4'|'w8'|'medium'|'small', Readonly<Pinned>>>} */
export const MODELS = Object.freeze({
  w4: Object.freeze({
    file: 'isnet-w4.onnx.gz',
    encoding: 'gzip',
    download: 20496555,
    size: 25007736,
    sha256: '7352a40be82c58550b8e7c18ddd5670a7d44a1c4972ac30605e727a2901a0b00',
    label: 'Compact',
    description: 'IS-Net with 4-bit weights (bgone; default: a quarter of the fp16 download, within 2% of its quality)',
    quality: Object.freeze({ sad: 29.15, gradient: 15.49, peopleIoU: 0.9216 }),
  }),
  w8: Object.freeze({
    file: 'isnet-w8.onnx.gz',
    encoding: 'gzip',
    download: 38810450,
    size: 44297059,
    sha256: 'b69419a17bf6a630a83ac75410a8634bb9f958d2cf92200ddcb37719dd054a39',
    label: 'Precise',
    description: 'IS-Net with 8-bit weights (bgone; the fp16 quality at half its size)',
    quality: Object.freeze({ sad: 28.91, gradient: 15.20, peopleIoU: 0.9198 }),
  }),
  medium: Object.freeze({
    file: 'isnet-fp16.onnx.gz',
    encoding: 'gzip',
    download: 81795156,
    size: 88188479,
    sha256: 'b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb',
    label: 'Full',
    description: 'IS-Net, fp16 weights (IMG.LY "medium"; the reference)',
    quality: Object.freeze({ sad: 28.91, gradient: 15.18, peopleIoU: 0.9203 }),
  }),
  small: Object.freeze({
    file: 'isnet-q8.onnx.gz',
    encoding: 'gzip',
    download: 31190245,
    size: 44342436,
    sha256: '7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a',
    label: 'IMG.LY small',
    description: 'IS-Net, dynamically quantized (IMG.LY "small"; weaker on edges)',
    quality: Object.freeze({ sad: 30.57, gradient: 15.11, peopleIoU: 0.9065 }),
  }),
});

/** The model used when none is named. */
export const DEFAULT_MODEL = 'w4';

// The face detectors for passport photos: MediaPipe's BlazeFace from
// @mediapipe/face_detection@0.4.1657300184 (Apache-2.0), served as is (TFLite; they hardly
// compress). Short range for faces near the camera, full range (the sparse file) when the short
// one finds none. bgone's engine reads them itself (engine/import/tflite_import.h).

/** @typedef {{file: string, encoding: 'identity', download: number, size: number, sha256: string, description: string}} PinnedFaceModel */

/** @type {Readonly<Record<'short'|'full', Readonly<PinnedFaceModel>>>} */
export const FACE_MODELS = Object.freeze({
  short: Object.freeze({
    file: 'face_detection_short_range.tflite',
    encoding: 'identity',
    download: 229032,
    size: 229032,
    sha256: '3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633',
    description: 'BlazeFace short range (MediaPipe): faces within about 2 m',
  }),
  full: Object.freeze({
    file: 'face_detection_full_range_sparse.tflite',
    encoding: 'identity',
    download: 680736,
    size: 680736,
    sha256: '671dd2f9ed11a78436fc21cc42357a803dfc6f73e9fb86541be942d5716c2dce',
    description: 'BlazeFace full range, sparse weights (MediaPipe): small or distant faces',
  }),
});
