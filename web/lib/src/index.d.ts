// Type declarations of bgone, the on-device background removal library.

/** A pinned model: IS-Net from @imgly/background-removal-data@1.4.5 (AGPL-3.0), or one of
 *  bgone's compact variants made from its fp16 file (docs/MODELS.md). */
export interface PinnedModel {
  /** File name under modelBaseUrl: the gzipped model (`*.onnx.gz`, made by scripts/setup.sh). */
  readonly file: string;
  /** How the file is encoded: always 'gzip' (inflated in the browser). */
  readonly encoding: 'gzip';
  /** Bytes that cross the network: the gzip file's size. */
  readonly download: number;
  /** Size in bytes of the inflated .onnx file. */
  readonly size: number;
  /** Lowercase hex SHA-256 of the inflated .onnx file. */
  readonly sha256: string;
  /** Short name for a model picker. */
  readonly label: string;
  readonly description: string;
  /** Measured quality (docs/MODELS.md): alphamatting.com mean SAD and gradient error of the
   *  refined cut-out (lower is better), and IoU on the people set. */
  readonly quality: { readonly sad: number; readonly gradient: number; readonly peopleIoU: number };
}

export type PinnedModelName = 'w4' | 'w8' | 'medium' | 'small';

/** The built-in models: w4 (4-bit weights, 20.5 MB download, default), w8 (8-bit weights,
 *  38.8 MB), medium (fp16, 81.8 MB) and small (IMG.LY's quantized file, 31.2 MB). */
export declare const MODELS: Readonly<Record<PinnedModelName, PinnedModel>>;

/** The model used when the options name none: 'w4'. */
export declare const DEFAULT_MODEL: PinnedModelName;

/** A model of your own; size and SHA-256 are checked after download and on every load. */
export interface CustomModel {
  /** Absolute, or relative to the document's base URL. */
  url: string | URL;
  /** Lowercase hex SHA-256 of the (inflated) .onnx file (64 digits). */
  sha256: string;
  /** Size in bytes of the (inflated) .onnx file. */
  size: number;
  /** 'gzip' when the file at url is gzipped (it is inflated after download); default
   *  'identity'. */
  encoding?: 'identity' | 'gzip';
}

export type ModelChoice = PinnedModelName | CustomModel;

export type ProgressStage = 'download' | 'load' | 'faces' | 'inference' | 'refine' | 'compose' | 'encode';

export interface Progress {
  /** download: the model comes over the network; load: the engine parses the model;
   *  inference: the mask is computed (fraction from 0 to 1 as the network runs); refine: the
   *  mask is refined at full resolution and the output composed; encode: the output image is
   *  encoded. passportPhoto() adds faces (finding the face) and compose (framing the document
   *  photo and checking it). */
  stage: ProgressStage;
  /** Bytes received so far over the network (download only; compressed bytes for a gzipped
   *  model). */
  loaded?: number;
  /** Bytes expected over the network (download only). */
  total?: number;
  /** 0..1 when known. */
  fraction?: number;
}

export interface CommonOptions {
  /** Default 'w4' (DEFAULT_MODEL). */
  model?: ModelChoice;
  /** Where the pinned models are served (a folder URL, absolute or relative to the document).
   *  Default: `models/` next to the library's index.js. Only GET requests to this URL leave the
   *  page, and only when the model is not already in the local store. */
  modelBaseUrl?: string | URL;
  /** Engine threads. Default: navigator.hardwareConcurrency capped at 4 when the page is
   *  cross-origin isolated, else 1. More than 1 needs cross-origin isolation (then the threaded
   *  build bgone-mt is used); capped at min(hardwareConcurrency, 8). */
  threads?: number;
  /** Local model store: 'auto' (OPFS, else Cache Storage; default), 'opfs', 'cache' or 'none'. */
  storage?: 'auto' | 'opfs' | 'cache' | 'none';
  /** Folder holding bgone-st.js/.wasm and bgone-mt.js/.wasm/.worker.js. Default: the library's
   *  own folder. */
  wasmBaseUrl?: string | URL;
  onProgress?: (progress: Progress) => void;
}

export interface RemoveBackgroundOptions extends CommonOptions {
  /** 'foreground' (default): the photo with the background made transparent (straight alpha)
   *  or replaced by `background`, as an encoded image Blob.
   *  'mask': the mask as a grayscale image Blob (white = foreground).
   *  'rgba': the foreground as ImageData (straight alpha).
   *  'mask-array': the mask as raw bytes, one per pixel.
   *  'trimap': a grayscale image Blob: 255 foreground, 0 background, 128 the uncertain band
   *  around the edge (for matting tools). */
  output?: 'foreground' | 'mask' | 'rgba' | 'mask-array' | 'trimap';
  /** Encoding of Blob outputs. Default 'image/png'. */
  format?: 'image/png' | 'image/webp';
  /** 0..1, for image/webp (lossy). Default: the browser's. */
  quality?: number;
  /** Replace the background instead of making it transparent: an opaque colour (any CSS colour
   *  such as 'white', '#0a0', 'rgb(1 2 3)', or [r, g, b]); 'blur' for a blurred copy of the photo
   *  behind the subject (portrait mode); or {image} for another picture, scaled to cover the
   *  photo and centred. */
  background?: string | [number, number, number] | 'blur' | { image: ImageInput };
  /** Refine the model's mask at full resolution with the photo's colours (sharper hair and
   *  edges; docs/QUALITY.md). Default true. */
  refine?: boolean;
  /** Replace the colours of semi-transparent edge pixels by the estimated foreground colour, so
   *  the old background does not show through on a new one. Default true. */
  decontaminate?: boolean;
  /** Refuse larger images. Default 100e6 pixels. */
  maxPixels?: number;
}

export interface MaskArray {
  /** width * height bytes, row-major, 255 = foreground. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Anything the library can read an image from. A string or URL is fetched with GET. */
export type ImageInput =
  | Blob
  | File
  | ImageBitmap
  | ImageData
  | string
  | URL
  | ArrayBuffer
  | ArrayBufferView
  | HTMLImageElement
  | HTMLCanvasElement
  | OffscreenCanvas;

/**
 * Removes the background of one image, in a Web Worker, on this device. EXIF orientation is
 * applied. Rejects with an Error whose message says what went wrong (undecodable input, model
 * download or SHA-256 mismatch, engine status and message, worker crash).
 */
export declare function removeBackground(
  input: ImageInput,
  options?: RemoveBackgroundOptions & { output?: 'foreground' | 'mask' },
): Promise<Blob>;
export declare function removeBackground(
  input: ImageInput,
  options: RemoveBackgroundOptions & { output: 'rgba' },
): Promise<ImageData>;
export declare function removeBackground(
  input: ImageInput,
  options: RemoveBackgroundOptions & { output: 'mask-array' },
): Promise<MaskArray>;
export declare function removeBackground(
  input: ImageInput,
  options?: RemoveBackgroundOptions,
): Promise<Blob | ImageData | MaskArray>;

export interface PreloadOptions extends CommonOptions {
  /** Load the model only if it is already in the local store (a returning visitor), and never
   *  download it: the result then says loaded: false. For warming the engine up when a page
   *  opens without spending the visitor's data. A stored entry that fails its SHA-256 check is
   *  deleted (the next call downloads the model again). Default false. */
  ifStored?: boolean;
}

export interface PreloadResult {
  /** Whether the engine now holds the model (always true without ifStored). */
  loaded: boolean;
  /** 'mt' (threaded build) or 'st'. */
  flavor: 'mt' | 'st';
  /** Threads the engine uses. */
  threads: number;
  /** Milliseconds spent in the worker on this load (for diagnostics): engine start and model
   *  bytes (in parallel: load_ms for both, module_ms and model_bytes_ms each), creating the
   *  segmenter, and waiting afterwards for the stored model's SHA-256 check; from the load that
   *  created the current segmenter. heap_bytes: the WebAssembly heap once it existed. */
  timings?: {
    load_ms: number; module_ms: number; model_bytes_ms: number;
    create_ms: number; verify_wait_ms: number; heap_bytes: number;
  };
}

/** Fetches or loads the model and starts the engine for these options, ahead of use. */
export declare function preload(options?: PreloadOptions): Promise<PreloadResult>;

/** Terminates the worker and frees the engine; pending calls reject with "bgone: disposed".
 *  The next call starts a new worker. */
export declare function dispose(): void;

// --- passport and ID photos (docs/PASSPORT.md) -------------------------------------------------

/** One document's rules, as in imaging/passport_specs.json (lengths in mm on the print). */
export interface PassportSpec {
  /** Lowercase id, e.g. 'us', 'uk', 'schengen', 'cn'. */
  readonly id: string;
  readonly name: string;
  /** [width, height]. */
  readonly size_mm: readonly [number, number];
  /** [min, max] from the bottom of the chin to the top of the head. */
  readonly head_mm: readonly [number, number];
  /** [min, max] height of the eye line above the bottom edge, or null. */
  readonly eye_from_bottom_mm: readonly [number, number] | null;
  /** [min, max] from the top edge down to the crown, or null. */
  readonly crown_from_top_mm: readonly [number, number] | null;
  readonly background: { readonly hex: string; readonly name: string };
  /** Default print resolution. */
  readonly dpi: number;
  /** Upload limits where the document has a digital route (kB are 1024 bytes), else null. */
  readonly digital: {
    readonly min_px: readonly [number, number] | null;
    readonly max_px: readonly [number, number] | null;
    readonly min_kb: number | null;
    readonly max_kb: number | null;
    readonly format: string | null;
  } | null;
  /** The official page the numbers come from, and how they were read. */
  readonly source: string;
  readonly source_note: string;
}

/** What passportPhoto() needs of a spec of your own (same field meanings as PassportSpec). */
export interface CustomPassportSpec {
  id?: string;
  name?: string;
  size_mm: [number, number];
  head_mm: [number, number];
  eye_from_bottom_mm?: [number, number] | null;
  crown_from_top_mm?: [number, number] | null;
  background: { hex: string; name?: string };
  digital?: { max_kb?: number | null } | null;
}

/** The built-in document rules (18 documents), loaded from passport-specs.json beside the
 *  library. */
export declare function passportSpecs(): Promise<readonly PassportSpec[]>;

/** The face models for passport photos: MediaPipe BlazeFace (Apache-2.0), short and full
 *  range, served from modelBaseUrl like the segmentation models. */
export interface PinnedFaceModel {
  readonly file: string;
  readonly encoding: 'identity';
  readonly download: number;
  readonly size: number;
  readonly sha256: string;
  readonly description: string;
}
export declare const FACE_MODELS: Readonly<Record<'short' | 'full', PinnedFaceModel>>;

export type PaperSize = '4x6' | '5x7' | '10x15' | 'a4';

export interface PassportOptions extends CommonOptions {
  /** The document: an id from passportSpecs() (case-insensitive) or a spec object. */
  spec: string | PassportSpec | CustomPassportSpec;
  /** Print resolution, written into the file: 300 (default), 254 or 600. The photo is the
   *  document's size at this resolution. */
  dpi?: 300 | 254 | 600;
  /** 'image/jpeg' (default) or 'image/png'. */
  format?: 'image/jpeg' | 'image/png';
  /** JPEG quality to start from, 0.4-1. Default 0.95. */
  quality?: number;
  /** Largest file in kB (1024 bytes): the JPEG quality is lowered in steps of 0.05 (to 0.40 at
   *  the least) until it fits; fails with status 'TOO_LARGE' otherwise. Default: the document's
   *  own digital limit when it has one; 0 for none. */
  maxKB?: number;
  /** Also make a print sheet with as many copies as fit, evenly spaced, with cut marks. */
  sheet?: PaperSize;
  /** Refuse larger images. Default 100e6 pixels. */
  maxPixels?: number;
}

export interface PassportCheck {
  /** e.g. 'head_height', 'eye_height', 'tilt_before', 'background_uniformity', 'sharpness'. */
  rule: string;
  result: 'pass' | 'warn' | 'fail';
  value: number | null;
  unit: string;
  /** The accepted range, as text. */
  expected: string;
}

export interface PassportFace {
  score: number;
  /** Pixels of the image it was found in. */
  box: { x: number; y: number; width: number; height: number };
  /** Right eye, left eye, nose tip, mouth centre, right ear, left ear (the subject's right),
   *  each [x, y]. */
  keypoints: [number, number][];
}

/** The compliance report, measured on the output (the face found again on it) and the
 *  source: the same JSON as `bgone passport --json`'s measurement members. */
export interface PassportReport {
  size_px: [number, number];
  output_face: PassportFace;
  head_height_mm: number | null;
  eye_height_mm: number | null;
  crown_from_top_mm: number | null;
  tilt_before_degrees: number | null;
  tilt_after_degrees: number | null;
  eye_distance_source_px: number | null;
  compliant: boolean;
  checks: PassportCheck[];
}

export interface PassportSheet {
  paper: PaperSize;
  /** The sheet as JPEG (quality 0.95, with the DPI) and as a one-page PDF around that JPEG. */
  jpeg: Blob;
  pdf: Blob;
  width: number;
  height: number;
  /** The page as placed (landscape sheets swap width and height). */
  widthMm: number;
  heightMm: number;
  copies: number;
  columns: number;
  rows: number;
}

export interface PassportResult {
  /** The document photo, encoded with its DPI (JPEG: JFIF density; PNG: pHYs). */
  photo: Blob;
  width: number;
  height: number;
  dpi: number;
  /** The JPEG quality used (after any size search); undefined for PNG. */
  quality: number | undefined;
  /** No check failed (warnings allowed). */
  compliant: boolean;
  report: PassportReport;
  /** The face as found in the input photo. */
  sourceFace: PassportFace;
  /** The face found again on the output photo. */
  outputFace: PassportFace;
  spec: PassportSpec | CustomPassportSpec;
  sheet: PassportSheet | null;
}

/**
 * A passport or ID photo from a photo of one person, on this device: the face is found
 * (BlazeFace), the eyes levelled, the head (chin to crown, the hair taken from the refined
 * matte) and the eye line placed in the middle of the document's ranges, the background replaced
 * by the document's colour, the photo cut to the document's size at `dpi`; then checked. Rejects
 * with status 'NO_FACE' or 'SEVERAL_FACES' when the photo does not hold exactly one face
 * (before the segmentation model is loaded), 'TOO_LARGE' when maxKB cannot be met, or the
 * engine's status.
 */
export declare function passportPhoto(input: ImageInput, options: PassportOptions): Promise<PassportResult>;

/** The numbers the engine's composer takes for a spec at a DPI (capi/bgone_c.h
 *  bgone_passport_layout): width and height in mm and pixels, head range, eye-line range,
 *  crown range (0, 0 when absent) and the background's r, g, b. */
export declare function passportLayout(spec: PassportSpec | CustomPassportSpec, dpi: number): number[];

export interface DetectFacesOptions extends CommonOptions {
  /** 'short' (default): faces within about 2 m; 'full': small or distant faces. */
  faceModel?: 'short' | 'full';
  /** Refuse larger images. Default 100e6 pixels. */
  maxPixels?: number;
}

export interface DetectFacesResult {
  /** The image's size (EXIF orientation applied). */
  width: number;
  height: number;
  /** How many faces were found (faces holds at most 8, best first). */
  count: number;
  faces: PassportFace[];
}

/** The faces in an image, on this device (MediaPipe BlazeFace run by bgone's engine): for framing
 *  guides, e.g. on camera frames (pass an ImageBitmap, a canvas or a video frame). No
 *  segmentation model is loaded. */
export declare function detectFaces(input: ImageInput | HTMLVideoElement | VideoFrame, options?: DetectFacesOptions): Promise<DetectFacesResult>;
