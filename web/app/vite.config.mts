// Builds the web app into <repo>/dist:
//   dist/index.html, assets/…      the app (Vite + TypeScript)
//   dist/lib/…                     the bgone library as built in web/lib/dist (worker + wasm), verbatim
//   dist/icons/…, manifest         PWA bits (PNG icons drawn at build time by icons.mjs)
//   dist/sw.js                     the service worker with its precache list (everything but models/)
//   dist/models/*.onnx.gz, *.tflite the gzipped models and the face detectors, linked or copied from .cache/models (AGPL data, never committed;
//                                  BGONE_MODEL_DIR overrides the folder, BGONE_NO_MODELS=1 skips them)
import { createHash } from 'node:crypto';
import { cpSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { drawIcon } from './icons.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const outDir = path.resolve(process.env.BGONE_DIST || path.join(repo, 'dist'));
const libDist = path.join(repo, 'web/lib/dist');
const modelDir = process.env.BGONE_MODEL_DIR || path.join(repo, '.cache/models');
// The gzipped models (tools/fetch_models.sh makes them; the library inflates them), and the face
// detectors for passport photos (TFLite, served as they are).
const MODEL_FILES = ['isnet-w4.onnx.gz', 'isnet-w8.onnx.gz', 'isnet-fp16.onnx.gz', 'isnet-q8.onnx.gz',
  'face_detection_short_range.tflite', 'face_detection_full_range_sparse.tflite'];

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

function bgoneApp(): Plugin {
  return {
    name: 'bgone-app',
    apply: 'build',
    closeBundle() {
      // 1. The library, as its own build made it.
      if (!existsSync(path.join(libDist, 'index.js'))) {
        throw new Error(`web/lib/dist/index.js is missing: build the library first (see web/lib/README.md)`);
      }
      cpSync(libDist, path.join(outDir, 'lib'), { recursive: true });
      // 2. Icons.
      mkdirSync(path.join(outDir, 'icons'), { recursive: true });
      writeFileSync(path.join(outDir, 'icons/icon-192.png'), drawIcon(192));
      writeFileSync(path.join(outDir, 'icons/icon-512.png'), drawIcon(512));
      writeFileSync(path.join(outDir, 'icons/icon-maskable-512.png'), drawIcon(512, { maskable: true }));
      // 3. The service worker, with the precache list and a version derived from the contents.
      const files = walk(outDir).filter((f) => !f.startsWith('models/') && f !== 'sw.js' && !f.endsWith('.map') &&
        !f.endsWith('.d.ts') && !f.endsWith('.md'));
      const hash = createHash('sha256');
      for (const f of files.sort()) hash.update(f).update(readFileSync(path.join(outDir, f)));
      const version = hash.digest('hex').slice(0, 16);
      const precache = ['./', ...files.map((f) => `./${f}`)];
      const sw = readFileSync(path.join(here, 'sw.js'), 'utf8');
      writeFileSync(
        path.join(outDir, 'sw.js'),
        `self.__BGONE_PRECACHE__ = ${JSON.stringify(precache)};\nself.__BGONE_VERSION__ = ${JSON.stringify(version)};\n${sw}`,
      );
      // 4. Models: hard links when on the same file system (no 170 MB copy), else copies.
      if (process.env.BGONE_NO_MODELS === '1') return;
      const models = path.join(outDir, 'models');
      mkdirSync(models, { recursive: true });
      for (const name of MODEL_FILES) {
        const src = path.join(modelDir, name);
        const dst = path.join(models, name);
        if (!existsSync(src)) {
          this.warn(`model ${src} is missing (run scripts/setup.sh); the app cannot use it`);
          continue;
        }
        rmSync(dst, { force: true });
        try {
          linkSync(src, dst);
        } catch {
          copyFileSync(src, dst);
        }
        if (statSync(dst).size !== statSync(src).size) throw new Error(`copying ${name} failed`);
      }
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  publicDir: path.join(here, 'public'),
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0, // no data: URLs for scripts
    modulePreload: { polyfill: false }, // the polyfill is an inline script, which the CSP forbids
    reportCompressedSize: false,
  },
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  plugins: [bgoneApp()],
});
