// The passport job against plain background removal in the browser: the web library
// (web/lib/dist) in headless Debian Chromium, warm engine (model loaded and stored), same photos,
// alternately, `--repeat` times each; times are measured in the page around the library call
// (decode, faces, mask, refinement, composing, checks and encoding: everything the user waits
// for). Prints a Markdown table of medians and ratios. See run.sh; not a test.
//
//   node bench/passport/browser.mjs [--repeat 3] [--model w4] [--spec us] [--threads N]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, launchChromium, openPage } from '../../web/tests/lib-harness.mjs';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const repeat = Number(opt('repeat', '3'));
const model = opt('model', 'w4');
const spec = opt('spec', 'us');
const threads = opt('threads', '');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const evalDir = path.resolve(root, '../shared/eval/faces');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bgone-passport-browser-'));

const photos = { 'skimage_astronaut.png': path.join(root, 'assets/sample/skimage_astronaut.png') };
if (fs.existsSync(evalDir)) {
  for (const f of ['kodak_kodim04.png', 'kodak_kodim15.png']) photos[f] = path.join(evalDir, f);
  const big = path.join(work, 'kodim04-10mp.jpg');
  execFileSync('/usr/bin/python3', ['-c', `import cv2, sys
img = cv2.imread(sys.argv[1])
cv2.imwrite(sys.argv[2], cv2.resize(img, None, fx=5.2, fy=5.2, interpolation=cv2.INTER_CUBIC), [cv2.IMWRITE_JPEG_QUALITY, 92])`,
  photos['kodak_kodim04.png'], big]);
  photos['kodim04-10mp.jpg'] = big;
} else {
  console.log(`bench/passport/browser: ${evalDir} absent: only the bundled sample`);
}

const server = await startServer(photos);
const browser = await launchChromium();
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
try {
  const context = await browser.newContext();
  // Cross-origin isolated (/iso/): the threaded engine, as the app runs it.
  const { page } = await openPage(context, `${server.origin}/iso/`);
  const common = { model, modelBaseUrl: '/iso/models/', ...(threads ? { threads: Number(threads) } : {}) };
  const rows = [];
  for (const name of Object.keys(photos)) {
    const r = await page.evaluate(async ([name, common, spec, repeat]) => {
      const blob = await (await fetch(`/iso/files/${name}`)).blob();
      const removal = [];
      const passport = [];
      // Warm-up: models downloaded and stored, engine started, face detector created.
      await window.bgone.removeBackground(blob, common);
      await window.bgone.passportPhoto(blob, { ...common, spec, maxKB: 0 });
      for (let i = 0; i < repeat; i++) {
        let t = performance.now();
        await window.bgone.removeBackground(blob, common);
        removal.push(performance.now() - t);
        t = performance.now();
        await window.bgone.passportPhoto(blob, { ...common, spec, maxKB: 0 });
        passport.push(performance.now() - t);
      }
      const bmp = await createImageBitmap(blob);
      const size = `${bmp.width}x${bmp.height}`;
      bmp.close();
      return { removal, passport, size, isolated: crossOriginIsolated };
    }, [name, common, spec, repeat]);
    const row = { photo: name, size: r.size, removal: median(r.removal), passport: median(r.passport) };
    rows.push(row);
    console.log(`bench/passport/browser: ${name} (${r.size}, isolated ${r.isolated}): removal ` +
      `${r.removal.map((x) => x.toFixed(0)).join(', ')} ms; passport ${r.passport.map((x) => x.toFixed(0)).join(', ')} ms`);
  }
  const version = browser.version();
  console.log(`\nmachine: ${os.cpus()[0].model}, ${os.cpus().length} cores; Chromium ${version}; model ${model}; spec ${spec}; ` +
    `threads ${threads || 'library default'}; warm engine; median of ${repeat}\n`);
  console.log(`| photo | size | removeBackground() | passportPhoto({spec: '${spec}'}) | passport / removal |`);
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.photo} | ${r.size} | ${r.removal.toFixed(0)} ms | ${r.passport.toFixed(0)} ms | ${(r.passport / r.removal).toFixed(2)} |`);
  }
} finally {
  await browser.close();
  await server.close();
  fs.rmSync(work, { recursive: true, force: true });
}
