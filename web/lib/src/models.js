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
