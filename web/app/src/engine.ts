// The app's link to the bgone library (web/lib). The library's build (web/lib/dist: index.js, its
// worker and the wasm) is copied verbatim into dist/lib/ and loaded at run time, so the worker and
// wasm find each other by relative URLs exactly as the library ships them.
import type * as Bgone from '../../lib/src/index.js';

export type ModelName = Bgone.PinnedModelName;
export const MODEL_NAMES: readonly ModelName[] = ['w4', 'w8', 'medium', 'small'];
export const DEFAULT_MODEL: ModelName = 'w4';
export type Progress = Bgone.Progress;
type Library = typeof Bgone;

let library: Promise<Library> | null = null;

export function loadLibrary(): Promise<Library> {
  const url = new URL('./lib/index.js', document.baseURI).href;
  library ??= import(/* @vite-ignore */ url) as Promise<Library>;
  return library;
}

/** The models are served from dist/models/, beside the app. */
export const MODEL_BASE_URL = new URL('./models/', document.baseURI).href;

/**
 * Starts the engine with `model` if the model is already in the local store (a returning
 * visitor), so the first photo starts at once; never downloads. Resolves to whether it loaded.
 */
export async function warmUp(model: ModelName): Promise<boolean> {
  const lib = await loadLibrary();
  const result = await lib.preload({ model, modelBaseUrl: MODEL_BASE_URL, ifStored: true });
  return result.loaded;
}

/** A transparent PNG cut-out of the photo. */
export async function removeBackground(
  input: Blob,
  options: { model: ModelName; onProgress?: (p: Progress) => void },
): Promise<Blob> {
  const lib = await loadLibrary();
  return lib.removeBackground(input, {
    output: 'foreground',
    format: 'image/png',
    modelBaseUrl: MODEL_BASE_URL,
    model: options.model,
    onProgress: options.onProgress,
  });
}

export type PassportSpec = Bgone.PassportSpec;
export type PassportResult = Bgone.PassportResult;
export type PaperSize = Bgone.PaperSize;

/** The library's built-in document rules. */
export async function passportSpecs(): Promise<readonly PassportSpec[]> {
  return (await loadLibrary()).passportSpecs();
}

/** A passport photo of the one person in `input`, with the report and (optionally) a sheet. */
export async function passportPhoto(
  input: Blob,
  options: {
    spec: string; dpi: 300 | 254 | 600; format: 'image/jpeg' | 'image/png'; sheet?: PaperSize;
    model: ModelName; onProgress?: (p: Progress) => void;
  },
): Promise<PassportResult> {
  const lib = await loadLibrary();
  return lib.passportPhoto(input, { ...options, modelBaseUrl: MODEL_BASE_URL });
}

export type PassportFace = Bgone.PassportFace;

/** Faces in a frame (for the camera's framing guides). */
export async function detectFaces(input: HTMLVideoElement | Blob, options: { modelBaseUrl?: string } = {}): Promise<Bgone.DetectFacesResult> {
  const lib = await loadLibrary();
  return lib.detectFaces(input, { modelBaseUrl: options.modelBaseUrl ?? MODEL_BASE_URL });
}
