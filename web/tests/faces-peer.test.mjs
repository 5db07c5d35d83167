// bgone's BlazeFace (native CLI, `bgone faces`) against MediaPipe's own wasm solution from the
// same npm package, run in headless Chromium (tools/mediapipe_faces.mjs), on the same images:
// the eval faces and photos made from them (two faces side by side, a blank photo, a face turned
// by 15 degrees, a face off-centre in a larger photo, a small face). Both models are the same
// files on both sides (short range; the sparse full-range file MediaPipe's solution loads): same
// number of faces, box IoU >= 0.99, every keypoint within 0.5% of the box's width. The figures
// are printed for docs/PASSPORT.md. Needs build/release/cli/bgone, the models, Chromium and /usr/bin/python3
// with OpenCV; skips with a message otherwise (BGONE_REQUIRE_WEB=1 makes that a failure).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const CLI = path.join(ROOT, 'build/release/cli/bgone');
const EVAL = path.resolve(ROOT, '../shared/eval/faces');
const need = [
  [CLI, 'run scripts/setup.sh release'],
  [path.join(ROOT, '.cache/models/face_detection_short_range.tflite'), 'run scripts/setup.sh'],
  [path.join(ROOT, 'node_modules/@mediapipe/face_detection/face_detection.js'), 'run npm ci'],
  ['/usr/bin/chromium', 'install chromium'],
  [EVAL, 'the eval faces are absent'],
];
const missing = need.find(([p]) => !existsSync(p));
const skip = missing ? `${missing[0]} missing: ${missing[1]}` : null;
if (skip && process.env.BGONE_REQUIRE_WEB === '1' && !missing[0].startsWith(EVAL)) {
  throw new Error(`face detection peer test required (BGONE_REQUIRE_WEB=1) but cannot run: ${skip}`);
}
if (skip) console.log(`# skipping the MediaPipe comparison: ${skip}`);

const iou = (a, b) => {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
};

describe('face detection against MediaPipe', { skip: skip ?? false }, () => {
  let dir;
  const images = [];
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bgone-faces-'));
    for (const f of ['skimage_astronaut.png', 'kodak_kodim04.png', 'kodak_kodim15.png']) images.push(path.join(EVAL, f));
    // Synthetic photos from the eval faces, made with OpenCV.
    const script = `
import cv2, numpy as np, sys
d, e = sys.argv[1], sys.argv[2]
a = cv2.imread(e + '/skimage_astronaut.png'); k4 = cv2.imread(e + '/kodak_kodim04.png'); k15 = cv2.imread(e + '/kodak_kodim15.png')
cv2.imwrite(d + '/two.png', np.hstack([k4, k4]))
cv2.imwrite(d + '/blank.png', np.full((480, 640, 3), 200, np.uint8))
h, w = k15.shape[:2]
m = cv2.getRotationMatrix2D((w / 2, h / 2), 15, 1.0)
cv2.imwrite(d + '/turned.png', cv2.warpAffine(k15, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255)))
big = np.full((1200, 1600, 3), 90, np.uint8); big[60:60 + h, 1600 - w - 40:1600 - 40] = k15
cv2.imwrite(d + '/offcentre.png', big)
small = np.full((1024, 1024, 3), 230, np.uint8); s = cv2.resize(a, (256, 256), interpolation=cv2.INTER_AREA); small[600:856, 100:356] = s
cv2.imwrite(d + '/small.png', small)
`;
    execFileSync('/usr/bin/python3', ['-c', script, dir, EVAL]);
    for (const f of ['two.png', 'blank.png', 'turned.png', 'offcentre.png', 'small.png']) images.push(path.join(dir, f));
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  for (const model of ['short', 'full']) {
    it(`${model} range: same faces, boxes and keypoints`, () => {
      const mp = JSON.parse(execFileSync('node', [path.join(ROOT, 'tools/mediapipe_faces.mjs'), '--model', model, ...images],
        { encoding: 'utf8', maxBuffer: 1 << 24, timeout: 300000 }));
      const r = spawnSync(CLI, ['faces', '--model', `face-${model}`, ...images], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const ours = JSON.parse(r.stdout);
      const report = [];
      for (let i = 0; i < images.length; i++) {
        const a = ours.images[i].faces;
        const b = mp.images[i].detections;
        const name = path.basename(images[i]);
        assert.equal(a.length, b.length, `${model} ${name}: bgone found ${a.length} faces, MediaPipe ${b.length}`);
        for (const fb of b) {
          // Pair each MediaPipe face with bgone's best-overlapping one.
          const fa = a.reduce((best, f) => (iou(f.box, fb.box) > iou(best.box, fb.box) ? f : best));
          const overlap = iou(fa.box, fb.box);
          const worst = Math.max(...fa.keypoints.map((p, k) => Math.hypot(p[0] - fb.keypoints[k][0], p[1] - fb.keypoints[k][1])));
          report.push(`${name}: IoU ${overlap.toFixed(4)}, keypoints within ${worst.toFixed(2)} px (box ${fb.box.width.toFixed(0)} px)`);
          assert.ok(overlap >= 0.99, `${model} ${name}: box IoU ${overlap}`);
          assert.ok(worst <= 0.005 * fb.box.width, `${model} ${name}: a keypoint ${worst.toFixed(2)} px away`);
        }
        if (!b.length) report.push(`${name}: no face in either`);
      }
      console.log(`# ${model} range (MediaPipe ${mp.package}, the same model file):\n# ${report.join('\n# ')}`);
    });
  }
});
