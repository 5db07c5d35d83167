// Compile-only check of dist/index.d.ts (npm run typecheck): each call must type as declared.
import { DEFAULT_MODEL, MODELS, dispose, preload, removeBackground } from './src/index.js';
import type { MaskArray, PinnedModelName, PreloadResult, Progress } from './src/index.js';

async function check(file: File, bitmap: ImageBitmap, data: ImageData): Promise<void> {
  const png: Blob = await removeBackground(file);
  const mask: Blob = await removeBackground(bitmap, { output: 'mask', format: 'image/webp', quality: 0.8 });
  const rgba: ImageData = await removeBackground(data, { output: 'rgba', background: 'white' });
  const raw: MaskArray = await removeBackground('photo.jpg', { output: 'mask-array', model: 'small' });
  const custom: Blob = await removeBackground(new URL('https://example.test/a.png'), {
    model: { url: '/m.onnx.gz', sha256: 'a'.repeat(64), size: 1, encoding: 'gzip' },
    background: [255, 0, 0],
    threads: 2,
    storage: 'cache',
    onProgress: (p: Progress) => { if (p.stage === 'download') console.log(p.loaded, p.total); },
  });
  const ready: PreloadResult = await preload({ model: 'medium', modelBaseUrl: '/models/' });
  const warm: boolean = (await preload({ model: 'w4', ifStored: true })).loaded && ready.loaded;
  const size: number = MODELS.small.size;
  const name: PinnedModelName = DEFAULT_MODEL;
  const picker: string[] = (Object.keys(MODELS) as PinnedModelName[]).map(
    (n) => `${MODELS[n].label}: ${MODELS[n].download} B, SAD ${MODELS[n].quality.sad}`);
  const w4: Blob = await removeBackground(file, { model: 'w4' });
  dispose();
  void [png, mask, rgba, raw.data.length, custom, ready.flavor, size, name, picker, w4];
}
void check;
