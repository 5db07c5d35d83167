// MediaPipe's own face detection (the wasm solution in @mediapipe/face_detection, pinned in
// package.json) run in headless Debian Chromium on image files: the reference bgone's BlazeFace
// implementation is compared with (tests/faces/mediapipe_peer.test.mjs, docs/PASSPORT.md).
//
//   node tools/mediapipe_faces.mjs [--model short|full] IMAGE... > out.json
//
// Prints {package, model, images: [{file, width, height, detections: [{box:
// {x, y, width, height} in pixels, keypoints: [[x, y] x 6] in pixels}]}]}. MediaPipe's results
// carry no score in this package's API. The page is served from 127.0.0.1 by this script (the
// package's files and the images, nothing else); any other request is refused and fails the run.
// Options: only `model` ('short': face_detection_short_range.tflite; 'full': the package loads
// face_detection_full_range_sparse.tflite, a sparse variant of bgone's full-range file). Setting
// minDetectionConfidence (or selfieMode) in this package version breaks its graph ("RET_CHECK
// failure ... options_.has_num_classes()" in TensorsToDetectionsCalculator), so the graph's own
// thresholds apply: 0.5 (short range) and 0.6 (full range), the same as bgone's defaults.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { chromium } = require(path.join(root, 'node_modules/playwright-core'));
const pkgDir = path.join(root, 'node_modules/@mediapipe/face_detection');
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));

const args = process.argv.slice(2);
let model = 'short';
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--model') model = args[++i];
  else files.push(path.resolve(args[i]));
}
if (!files.length || !['short', 'full'].includes(model)) {
  process.stderr.write('usage: node tools/mediapipe_faces.mjs [--model short|full] IMAGE...\n');
  process.exit(2);
}

const page = `<!doctype html><meta charset="utf-8"><script src="/mp/face_detection.js"></script>
<script>
window.runAll = async (model, count) => {
  const fd = new FaceDetection({ locateFile: (f) => '/mp/' + f });
  fd.setOptions({ model });
  let last = null;
  fd.onResults((r) => { last = r; });
  await fd.initialize();
  const out = [];
  for (let i = 0; i < count; i++) {
    const img = new Image();
    img.src = '/img/' + i;
    await img.decode();
    last = null;
    await fd.send({ image: img });
    const dets = (last && last.detections) || [];
    out.push({ width: img.naturalWidth, height: img.naturalHeight,
      detections: dets.map((d) => ({ box: d.boundingBox, landmarks: d.landmarks.map((p) => [p.x, p.y]) })) });
  }
  await fd.close();
  return out;
};
</script>`;

const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  let file = null;
  if (url.pathname === '/page.html') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page);
    return;
  }
  if (url.pathname.startsWith('/mp/')) {
    const name = path.basename(url.pathname);
    if (fs.existsSync(path.join(pkgDir, name))) file = path.join(pkgDir, name);
  } else if (url.pathname.startsWith('/img/')) {
    file = files[Number(url.pathname.slice(5))] || null;
  }
  if (!file) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': types[path.extname(file).toLowerCase()] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  // MediaPipe's solution draws the input through WebGL: SwiftShader gives it a software GPU.
  args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--disable-quic'],
});
const foreign = [];
try {
  const context = await browser.newContext();
  await context.route('**/*', (route) => {
    if (route.request().url().startsWith(origin + '/')) return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  const p = await context.newPage();
  p.on('pageerror', (e) => process.stderr.write(`mediapipe page: ${e.message}\n`));
  // MediaPipe logs its graph's info lines to the console; errors are worth seeing.
  p.on('console', (m) => { if (m.type() === 'error') process.stderr.write(`mediapipe console: ${m.text()}\n`); });
  await p.goto(`${origin}/page.html`);
  const results = await p.evaluate(([m, n]) => window.runAll(m, n), [model, files.length]);
  if (foreign.length) throw new Error(`the page asked for other origins: ${foreign.join(', ')}`);
  const images = results.map((r, i) => ({
    file: files[i], width: r.width, height: r.height,
    detections: r.detections.map((d) => ({
      box: {
        x: (d.box.xCenter - d.box.width / 2) * r.width, y: (d.box.yCenter - d.box.height / 2) * r.height,
        width: d.box.width * r.width, height: d.box.height * r.height,
      },
      keypoints: d.landmarks.map(([x, y]) => [x * r.width, y * r.height]),
    })),
  }));
  process.stdout.write(`${JSON.stringify({ package: `${pkg.name}@${pkg.version}`, model, images }, null, 1)}\n`);
} finally {
  await browser.close();
  server.close();
}
