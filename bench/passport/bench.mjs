// See run.sh. node bench/passport/bench.mjs --bgone PATH [--repeat N] [--model M] [--spec S]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const bgone = path.resolve(opt('bgone', 'build/release/cli/bgone'));
const repeat = Number(opt('repeat', '3'));
const model = opt('model', 'w4');
const spec = opt('spec', 'us');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const evalDir = path.resolve(root, '../shared/eval/faces');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bgone-passport-bench-'));

const photos = [path.join(root, 'assets/sample/skimage_astronaut.png')];
if (fs.existsSync(evalDir)) {
  for (const f of fs.readdirSync(evalDir).sort()) {
    // The bundled sample is the eval set's astronaut: once is enough.
    if (/\.(png|jpe?g)$/i.test(f) && f !== path.basename(photos[0])) photos.push(path.join(evalDir, f));
  }
  // A phone-sized photo: kodim04 upscaled 5.2x (10.6 MP), JPEG.
  const big = path.join(work, 'kodim04-10mp.jpg');
  execFileSync('/usr/bin/python3', ['-c', `import cv2, sys
img = cv2.imread(sys.argv[1])
cv2.imwrite(sys.argv[2], cv2.resize(img, None, fx=5.2, fy=5.2, interpolation=cv2.INTER_CUBIC), [cv2.IMWRITE_JPEG_QUALITY, 92])`,
  path.join(evalDir, 'kodak_kodim04.png'), big]);
  photos.push(big);
} else {
  console.log(`bench/passport: ${evalDir} absent: only the bundled sample`);
}

const time = (argv) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bgone, argv, { cwd: work, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  // passport exits 1 when a check fails (small eval photos fail the resolution check): a
  // finished job either way, unless no output was written.
  return { ms, code: r.status, err: r.stderr };
};
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const rows = [];
for (const photo of photos) {
  const removal = [];
  const passport = [];
  for (let i = 0; i < repeat; i++) {
    const a = time([photo, '--model', model, '-o', 'removal.png', '--quiet']);
    if (a.code !== 0) throw new Error(`removal failed on ${photo}: ${a.err}`);
    removal.push(a.ms);
    fs.rmSync(path.join(work, 'passport.jpg'), { force: true });
    const b = time(['passport', photo, '--spec', spec, '--model', model, '-o', 'passport.jpg']);
    if (!fs.existsSync(path.join(work, 'passport.jpg'))) throw new Error(`passport failed on ${photo}: ${b.err}`);
    passport.push(b.ms);
  }
  const info = execFileSync('/usr/bin/python3', ['-c', 'import cv2, sys; h, w = cv2.imread(sys.argv[1]).shape[:2]; print(f"{w}x{h}")', photo],
    { encoding: 'utf8' }).trim();
  const row = { photo: path.basename(photo), size: info, removal: median(removal), passport: median(passport) };
  rows.push(row);
  console.log(`bench/passport: ${row.photo} (${row.size}): removal ${removal.map((x) => x.toFixed(0)).join(', ')} ms; passport ${passport.map((x) => x.toFixed(0)).join(', ')} ms`);
}
console.log(`\nmachine: ${os.cpus()[0].model}, ${os.cpus().length} cores; model ${model}; spec ${spec}; median of ${repeat}\n`);
console.log('| photo | size | removal (`bgone PHOTO -o out.png`) | passport (`bgone passport PHOTO --spec ' + spec + '`) | passport / removal |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.photo} | ${r.size} | ${r.removal.toFixed(0)} ms | ${r.passport.toFixed(0)} ms | ${(r.passport / r.removal).toFixed(2)} |`);
fs.rmSync(work, { recursive: true, force: true });
