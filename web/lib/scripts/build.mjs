// Builds web/lib/dist/: the library's ES modules and type declarations from src/, plus the
// WebAssembly engine from build/wasm/wasm/ (cmake --preset wasm && cmake --build build/wasm).
// No bundling: the files are small, and the worker and wasm must stay separate files.
//
//   node web/lib/scripts/build.mjs [--wasm-dir DIR]     (or: npm run build, in web/lib)
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const lib = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(lib, '../..');
const args = process.argv.slice(2);
const wasmFlag = args.indexOf('--wasm-dir');
const wasmDir = wasmFlag >= 0 ? resolve(args[wasmFlag + 1]) : join(root, 'build/wasm/wasm');
const src = join(lib, 'src');
const dist = join(lib, 'dist');

const SOURCES = ['index.js', 'index.d.ts', 'worker.js', 'store.js', 'models.js', 'hash-worker.js', 'density.js'];
// The document rules for passport photos: the file the C++ library embeds, shipped as is.
const SPECS = join(root, 'imaging/passport_specs.json');
const WASM_REQUIRED = ['bgone-st.js', 'bgone-st.wasm'];
const WASM_OPTIONAL = ['bgone-mt.js', 'bgone-mt.wasm', 'bgone-mt.worker.js'];

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
for (const f of SOURCES) copyFileSync(join(src, f), join(dist, f));
JSON.parse(readFileSync(SPECS, 'utf8'));  // fails the build on a broken file
copyFileSync(SPECS, join(dist, 'passport-specs.json'));

const missing = WASM_REQUIRED.filter((f) => !existsSync(join(wasmDir, f)));
if (missing.length) {
  console.error(`build: ${missing.join(', ')} missing in ${wasmDir}: build the wasm preset first ` +
    '(cmake --preset wasm && cmake --build build/wasm)');
  process.exit(1);
}
const copied = [];
for (const f of [...WASM_REQUIRED, ...WASM_OPTIONAL]) {
  if (!existsSync(join(wasmDir, f))) {
    console.warn(`build: ${f} not found in ${wasmDir}: threaded engine unavailable`);
    continue;
  }
  copyFileSync(join(wasmDir, f), join(dist, f));
  copied.push(f);
}
let total = 0;
for (const f of readdirSync(dist)) total += statSync(join(dist, f)).size;
console.log(`build: ${dist}: ${SOURCES.length + 1} library files + ${copied.join(', ')} (${(total / 1024).toFixed(0)} KiB)`);
