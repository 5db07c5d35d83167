// Compile-only check of dist/index.d.ts (npm run typecheck): each call must type as declared.
import { DEFAULT_MODEL, FACE_MODELS, MODELS, dispose, detectFaces, passportLayout, passportPhoto, passportSpecs, preload, removeBackground } from './src/index.js';
import type { MaskArray, PassportResult, PassportSpec, PinnedModelName, PreloadResult, Progress } from './src/index.js';

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
  const specs: readonly PassportSpec[] = await passportSpecs();
  const doc: PassportResult = await passportPhoto(file, { spec: specs[0].id, dpi: 600, sheet: 'a4', maxKB: 240 });
  const own: PassportResult = await passportPhoto(bitmap, {
    spec: { size_mm: [35, 45], head_mm: [32, 36], crown_from_top_mm: [3, 5], background: { hex: '#ffffff' } },
    format: 'image/png',
  });
  const failed: string[] = doc.report.checks.filter((c) => c.result === 'fail').map((c) => `${c.rule} ${c.value}`);
  const pdf: Blob | undefined = doc.sheet?.pdf;
  const eyes: [number, number] = own.outputFace.keypoints[0];
  const layout: number[] = passportLayout(specs[0], 300);
  const faceBytes: number = FACE_MODELS.short.size + FACE_MODELS.full.download;
  const seen: number = (await detectFaces(bitmap, { faceModel: 'full' })).faces.filter((f) => f.score > 0.7).length;
  dispose();
  void [png, mask, rgba, raw.data.length, custom, ready.flavor, size, name, picker, w4, failed, pdf, eyes, layout, faceBytes, seen];
}
void check;
