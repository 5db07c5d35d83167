// The pinned models: IS-Net ("isnet-general-use") from @imgly/background-removal-data@1.4.5
// (AGPL-3.0). File names, sizes and SHA-256 digests are checked on every download and every
// load from the local store.

/** @type {Readonly<Record<'medium'|'small', Readonly<{file: string, size: number, sha256: string, description: string}>>>} */
export const MODELS = Object.freeze({
  medium: Object.freeze({
    file: 'isnet-fp16.onnx',
    size: 88188479,
    sha256: 'b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb',
    description: 'IS-Net, fp16 weights (default, best quality)',
  }),
  small: Object.freeze({
    file: 'isnet-q8.onnx',
    size: 44342436,
    sha256: '7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a',
    description: 'IS-Net, 8-bit weights (half the download)',
  }),
});
