// The cases of web/tests/passport.test.mjs: the library's passportPhoto() in headless Debian
// Chromium against the native `bgone passport` on the same photos (the same C++ composer and
// checks; the browser decodes and encodes), the DPI in the files, the print sheet and its PDF,
// the size limit, and refusals (no face, two faces) before the segmentation model is fetched.
// Needs web/lib/dist, .cache/models (w4 and the face models), build/release/cli/bgone, Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ROOT, SAMPLE, MODELS_DIR, missingPrerequisite, startServer, launchChromium, openPage } from './lib-harness.mjs';

const CLI = join(ROOT, 'build/release/cli/bgone');
const EVAL = resolve(ROOT, '../shared/eval/faces');
const TIMEOUT = 300_000;

const skip = missingPrerequisite() ||
  (existsSync(CLI) ? false : `${CLI} missing: build the release preset`) ||
  (existsSync(join(MODELS_DIR, 'face_detection_short_range.tflite')) ? false : 'face models missing: run scripts/setup.sh') ||
  false;
if (skip && process.env.BGONE_REQUIRE_WEB === '1') {
  throw new Error(`passport library tests required (BGONE_REQUIRE_WEB=1) but cannot run: ${skip}`);
}
if (skip) console.log(`# skipping the passport library tests: ${skip}`);

// The photos: the repository's sample (the eval set's astronaut) and, when the eval set is here,
// the two Kodak portraits.
const PHOTOS = { 'astronaut.png': SAMPLE };
for (const f of ['kodak_kodim04.png', 'kodak_kodim15.png']) if (existsSync(join(EVAL, f))) PHOTOS[f] = join(EVAL, f);

let server;
let browser;
let context;
let tmp;
const native = {};  // `${photo}|${spec}` -> the CLI's JSON report
const served = { ...PHOTOS };  // and the CLI's photos, as native-PHOTO-SPEC.jpg

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), 'bgone-passport-test-'));
  for (const [name, file] of Object.entries(PHOTOS)) {
    for (const spec of ['us', 'schengen', 'cn']) {
      const out = join(tmp, `${name}-${spec}.jpg`);
      let json;
      try {
        json = execFileSync(CLI, ['passport', file, '--spec', spec, '--model', 'w4', '--json', '-o', out,
          '--sheet', '4x6'], { encoding: 'utf8' });
      } catch (e) {
        json = e.stdout;  // exit 1: a check failed (the astronaut is a small photo); the JSON is there
      }
      native[`${name}|${spec}`] = JSON.parse(json);
      served[`native-${name}-${spec}.jpg`] = out;
    }
  }
  server = await startServer(served);
  browser = await launchChromium();
  context = await browser.newContext();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const PAGE_HELPERS = `
  window.bytesOf = async (blob) => Array.from(new Uint8Array(await blob.arrayBuffer()));
  window.pixelsOf = async (blob) => {
    const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none' });
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bmp, 0, 0);
    return { width: bmp.width, height: bmp.height, data: ctx.getImageData(0, 0, bmp.width, bmp.height).data };
  };
  // A photo made in the page: two copies of a face side by side, or a plain grey one.
  window.madePhoto = async (kind) => {
    const face = await createImageBitmap(await (await fetch('/files/astronaut.png')).blob());
    const c = new OffscreenCanvas(kind === 'two' ? face.width * 2 : 640, kind === 'two' ? face.height : 480);
    const ctx = c.getContext('2d');
    ctx.fillStyle = '#c8c8c8';
    ctx.fillRect(0, 0, c.width, c.height);
    if (kind === 'two') { ctx.drawImage(face, 0, 0); ctx.drawImage(face, face.width, 0); }
    return c.convertToBlob({ type: 'image/png' });
  };
`;

async function page() {
  const p = await openPage(context, `${server.origin}/`);
  await p.page.evaluate(PAGE_HELPERS);
  return p;
}

const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);

/** The JFIF density of a JPEG file: [units, x, y]. */
function jfifDensity(bytes) {
  assert.deepEqual(bytes.slice(0, 4), [0xff, 0xd8, 0xff, 0xe0], 'JPEG starts with SOI + APP0');
  assert.equal(String.fromCharCode(...bytes.slice(6, 10)), 'JFIF');
  return [bytes[13], (bytes[14] << 8) | bytes[15], (bytes[16] << 8) | bytes[17]];
}

test('passportPhoto matches the native CLI on every photo and three documents', { skip, timeout: TIMEOUT }, async () => {
  const { page: p, consoleLines } = await page();
  let maxOutputShift = 0;
  let maxMm = 0;
  let maxDiff = 0;
  for (const name of Object.keys(PHOTOS)) {
    for (const spec of ['us', 'schengen', 'cn']) {
      const cli = native[`${name}|${spec}`];
      const got = await p.evaluate(async ([name, spec]) => {
        const r = await window.bgone.passportPhoto(`/files/${name}`, { spec, modelBaseUrl: '/models/' });
        const ours = await pixelsOf(r.photo);
        const theirs = await pixelsOf(await (await fetch(`/files/native-${name}-${spec}.jpg`)).blob());
        let diff = 0;
        for (let i = 0; i < ours.data.length; i += 4) {
          for (let c = 0; c < 3; c++) diff += Math.abs(ours.data[i + c] - theirs.data[i + c]);
        }
        return { ...r, photo: await bytesOf(r.photo), pixels: Array.from(ours.data.slice(0, 4)),
          meanDiff: diff / (3 * ours.width * ours.height) };
      }, [name, spec]);
      const what = `${name} ${spec}`;
      assert.deepEqual([got.width, got.height], cli.size_px, `${what}: size`);
      assert.deepEqual(got.report.size_px, cli.size_px);
      assert.deepEqual(jfifDensity(got.photo), [1, 300, 300], `${what}: JFIF density`);
      assert.equal(got.spec.id, spec);
      // The same composer and checks on (nearly) the same decoded pixels: the same verdicts and
      // measurements to a fraction of a millimetre.
      near(got.report.head_height_mm, cli.head_height_mm, 0.5, `${what}: head height`);
      near(got.report.eye_height_mm, cli.eye_height_mm, 0.5, `${what}: eye height`);
      near(got.report.crown_from_top_mm, cli.crown_from_top_mm, 0.5, `${what}: crown`);
      near(got.report.tilt_before_degrees, cli.tilt_before_degrees, 0.2, `${what}: tilt`);
      assert.deepEqual(got.report.checks.map((c) => `${c.rule}: ${c.result}`), cli.checks.map((c) => `${c.rule}: ${c.result}`),
        `${what}: verdicts`);
      assert.equal(got.compliant, cli.compliant);
      // The photos themselves: the same framing, colours within JPEG noise (two encoders).
      maxDiff = Math.max(maxDiff, got.meanDiff);
      assert.ok(got.meanDiff < 4, `${what}: mean difference from the native photo ${got.meanDiff.toFixed(2)} levels`);
      // Eyes, nose and mouth (the ears are the detector's least steady points). On the source
      // the detector sees the same pixels; on the output it finds the face again on two photos
      // that differ slightly, and its keypoints on a face filling the frame move by up to ~1%.
      for (let k = 0; k < 4; k++) {
        for (let c = 0; c < 2; c++) {
          near(got.sourceFace.keypoints[k][c], cli.source_face.keypoints[k][c], 0.5, `${what}: source keypoint ${k}`);
          const d = Math.abs(got.outputFace.keypoints[k][c] - cli.output_face.keypoints[k][c]);
          maxOutputShift = Math.max(maxOutputShift, d / got.width);
          near(got.outputFace.keypoints[k][c], cli.output_face.keypoints[k][c], 0.012 * got.width, `${what}: output keypoint ${k}`);
        }
      }
      maxMm = Math.max(maxMm, Math.abs(got.report.head_height_mm - cli.head_height_mm), Math.abs(got.report.eye_height_mm - cli.eye_height_mm));
      // Head and eye line inside the document's ranges, measured on the output by re-detection.
      const s = got.spec;
      assert.ok(got.report.head_height_mm >= s.head_mm[0] && got.report.head_height_mm <= s.head_mm[1], `${what}: head in range`);
      if (s.eye_from_bottom_mm) {
        assert.ok(got.report.eye_height_mm >= s.eye_from_bottom_mm[0] && got.report.eye_height_mm <= s.eye_from_bottom_mm[1],
          `${what}: eyes in range`);
      }
      // The top-left corner is the document's background colour.
      const bg = s.background.hex;
      const want = [1, 3, 5].map((i) => parseInt(bg.slice(i, i + 2), 16));
      for (let c = 0; c < 3; c++) near(got.pixels[c], want[c], 3, `${what}: background channel ${c}`);
    }
  }
  console.log(`# browser vs native: measurements within ${maxMm.toFixed(2)} mm, output keypoints within ` +
    `${(maxOutputShift * 100).toFixed(2)}% of the width, photos within ${maxDiff.toFixed(2)} levels (mean)`);
  assert.ok(!consoleLines.some((l) => l.startsWith('pageerror')), consoleLines.join('\n'));
});

test('print sheet and PDF: the same layout as the native CLI; PNG with pHYs at 600 dpi', { skip, timeout: TIMEOUT }, async () => {
  const { page: p } = await page();
  const got = await p.evaluate(async () => {
    const r = await window.bgone.passportPhoto('/files/astronaut.png', { spec: 'us', sheet: '4x6', modelBaseUrl: '/models/' });
    const sheet = await pixelsOf(r.sheet.jpeg);
    const png = await window.bgone.passportPhoto('/files/astronaut.png', {
      spec: 'schengen', dpi: 600, format: 'image/png', modelBaseUrl: '/models/' });
    return {
      sheet: { ...r.sheet, jpeg: await bytesOf(r.sheet.jpeg), pdf: await bytesOf(r.sheet.pdf), decoded: [sheet.width, sheet.height] },
      png: { width: png.width, height: png.height, type: png.photo.type, bytes: await bytesOf(png.photo), quality: png.quality },
    };
  });
  const cli = native['astronaut.png|us'];
  assert.equal(got.sheet.copies, cli.sheet.copies);
  assert.equal(got.sheet.paper, '4x6');
  // 4 x 6 in at 300 dpi, portrait or landscape.
  assert.deepEqual([got.sheet.width, got.sheet.height].sort(), [1200, 1800]);
  assert.deepEqual(got.sheet.decoded, [got.sheet.width, got.sheet.height]);
  assert.deepEqual(jfifDensity(got.sheet.jpeg), [1, 300, 300]);
  // The native sheet's pixel size is the same.
  const cliSheet = execFileSync('exiftool', ['-s3', '-ImageWidth', '-ImageHeight', '-XResolution', '-ResolutionUnit',
    cli.sheet.jpeg], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual(cliSheet.slice(0, 2).map(Number), [got.sheet.width, got.sheet.height]);
  const pdf = Buffer.from(got.sheet.pdf).toString('latin1');
  assert.ok(pdf.startsWith('%PDF-1.4'));
  const pt = (mm) => (mm / 25.4 * 72).toFixed(3);
  assert.ok(pdf.includes(`/MediaBox [0 0 ${pt(got.sheet.widthMm)} ${pt(got.sheet.heightMm)}]`), 'PDF page size');
  assert.ok(pdf.includes(Buffer.from(got.sheet.jpeg).toString('latin1')), 'the sheet JPEG is in the PDF unchanged');
  // exiftool reads the DPI the library wrote into the PNG (pHYs, pixels per metre).
  assert.equal(got.png.type, 'image/png');
  assert.equal(got.png.quality, undefined);
  assert.deepEqual([got.png.width, got.png.height], [827, 1063]);  // 35 x 45 mm at 600 dpi
  const file = join(tmp, 'schengen-600.png');
  writeFileSync(file, Buffer.from(got.png.bytes));
  const res = execFileSync('exiftool', ['-s3', '-PixelsPerUnitX', '-PixelsPerUnitY', '-PixelUnits', file], { encoding: 'utf8' });
  assert.deepEqual(res.trim().split('\n'), ['23622', '23622', 'meters']);
});

test('maxKB: the JPEG quality goes down until the file fits; an impossible limit is refused', { skip, timeout: TIMEOUT }, async () => {
  const { page: p } = await page();
  const got = await p.evaluate(async () => {
    const free = await window.bgone.passportPhoto('/files/astronaut.png', { spec: 'us', maxKB: 0, modelBaseUrl: '/models/' });
    const capped = await window.bgone.passportPhoto('/files/astronaut.png', { spec: 'us', maxKB: 30, modelBaseUrl: '/models/' });
    let error = null;
    try {
      await window.bgone.passportPhoto('/files/astronaut.png', { spec: 'us', maxKB: 10, dpi: 600, modelBaseUrl: '/models/' });
    } catch (e) {
      error = { message: e.message, status: e.status };
    }
    return { free: [free.photo.size, free.quality], capped: [capped.photo.size, capped.quality], error };
  });
  assert.equal(got.free[1], 0.95);
  assert.ok(got.free[0] > 30 * 1024, `the unlimited photo is ${got.free[0]} bytes: the 30 kB case must need a search`);
  assert.ok(got.capped[0] <= 30 * 1024, `${got.capped[0]} bytes`);
  assert.ok(got.capped[1] < 0.95 && got.capped[1] >= 0.4, `quality ${got.capped[1]}`);
  assert.equal(got.error?.status, 'TOO_LARGE', JSON.stringify(got.error));
  assert.match(got.error.message, /does not fit in 10 kB/);
});

test('no face and two faces are refused before the segmentation model is fetched', { skip, timeout: TIMEOUT }, async () => {
  // A fresh context: an empty model store, so a fetched model would show in the requests.
  const fresh = await browser.newContext();
  try {
    const { page: p, requests } = await openPage(fresh, `${server.origin}/`);
    await p.evaluate(PAGE_HELPERS);
    const got = await p.evaluate(async () => {
      const out = {};
      for (const kind of ['blank', 'two']) {
        try {
          await window.bgone.passportPhoto(await madePhoto(kind), { spec: 'uk', modelBaseUrl: '/models/' });
          out[kind] = 'no error';
        } catch (e) {
          out[kind] = { message: e.message, status: e.status };
        }
      }
      return out;
    });
    assert.equal(got.blank.status, 'NO_FACE', JSON.stringify(got.blank));
    assert.match(got.blank.message, /no face found/);
    assert.equal(got.two.status, 'SEVERAL_FACES', JSON.stringify(got.two));
    assert.match(got.two.message, /2 faces found/);
    const models = requests.filter((r) => r.url.includes('/models/')).map((r) => r.url.split('/').pop());
    assert.ok(models.includes('face_detection_short_range.tflite'), models.join(', '));
    assert.ok(models.includes('face_detection_full_range_sparse.tflite'), 'the blank photo also tries the full-range model');
    assert.ok(!models.some((m) => m.startsWith('isnet')), `no segmentation model: ${models.join(', ')}`);
  } finally {
    await fresh.close();
  }
});

test('bad options get clear errors', { skip, timeout: 60_000 }, async () => {
  const { page: p } = await page();
  const errors = await p.evaluate(async () => {
    const tries = [
      { spec: 'atlantis' }, {}, { spec: 'us', dpi: 72 }, { spec: 'us', format: 'image/webp' },
      { spec: 'us', sheet: 'letter' }, { spec: 'us', maxKB: 5 },
      { spec: { size_mm: [35, 45], head_mm: [40, 30], crown_from_top_mm: [3, 5], background: { hex: '#fff' } } },
    ];
    const out = [];
    for (const t of tries) {
      try {
        await window.bgone.passportPhoto('/files/astronaut.png', t);
        out.push('no error');
      } catch (e) {
        out.push(e.message);
      }
    }
    const specs = await window.bgone.passportSpecs();
    return { out, ids: specs.map((s) => s.id) };
  });
  assert.ok(errors.ids.length >= 15 && errors.ids.includes('us') && errors.ids.includes('cn'), errors.ids.join(','));
  assert.match(errors.out[0], /unknown document "atlantis" \(known: us, /);
  assert.match(errors.out[1], /option spec is required/);
  assert.match(errors.out[2], /dpi must be one of 300, 254, 600/);
  assert.match(errors.out[3], /format must be one of image\/jpeg, image\/png/);
  assert.match(errors.out[4], /sheet must be one of 4x6, 5x7, 10x15, a4/);
  assert.match(errors.out[5], /maxKB/);
  assert.match(errors.out[6], /head_mm must be \[min, max\]/);
});

test('the library layout equals the engine layout for every document', { skip, timeout: 60_000 }, async () => {
  // passportLayout() in the page against the C++ LayoutForSpec (bgone passport --list-specs --json).
  const { page: p } = await page();
  const layouts = await p.evaluate(async () => {
    const specs = await window.bgone.passportSpecs();
    return Object.fromEntries([254, 300, 600].map((dpi) => [dpi, specs.map((s) => [s.id, window.bgone.passportLayout(s, dpi)])]));
  });
  for (const dpi of [254, 300, 600]) {
    const engine = JSON.parse(execFileSync(CLI, ['passport', '--list-specs', '--json', '--dpi', String(dpi)], { encoding: 'utf8' }));
    assert.deepEqual(layouts[dpi].map(([id]) => id), engine.map((e) => e.id));
    for (const [id, l] of layouts[dpi]) {
      const e = engine.find((x) => x.id === id);
      const r2 = (v) => Math.round(v * 100) / 100;
      const range = (r) => (r ? r : [0, 0]);
      assert.deepEqual(l.map(r2), [...e.size_mm, ...e.size_px, ...e.head_mm, ...range(e.eye_from_bottom_mm),
        ...range(e.crown_from_top_mm), ...e.background_rgb], `${id} at ${dpi} dpi`);
    }
  }
});
