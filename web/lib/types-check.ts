// Compile-only check of dist/index.d.ts (npm run typecheck): each call must type as declared.
import { MODELS, dispose, preload, removeBackground } from './src/index.js';
import type { MaskArray, PreloadResult, Progress } from './src/index.js';

async function check(file: File, bitmap: ImageBitmap, data: ImageData): Promise<void> {
  const png: Blob = await removeBackground(file);
  const mask: Blob = await removeBackground(bitmap, { output: 'mask', format: 'image/webp', quality: 0.8 });
  const rgba: ImageData = await removeBackground(data, { output: 'rgba', background: 'white' });
  const raw: MaskArray = await removeBackground('photo.jpg', { output: 'mask-array', model: 'small' });
  const custom: Blob = await removeBackground(new URL('https://example.test/a.png'), {
    model: { url: '/m.onnx', sha256: 'a'.repeat(64), size: 1 },
    background: [255, 0, 0],
    threads: 2,
    storage: 'cache',
    onProgress: (p: Progress) => { if (p.stage === 'download') console.log(p.loaded, p.total); },
  });
  const ready: PreloadResult = await preload({ model: 'medium', modelBaseUrl: '/models/' });
  const size: number = MODELS.small.size;
  dispose();
  void [png, mask, rgba, raw.data.length, custom, ready.flavor, size];
}
void check;
