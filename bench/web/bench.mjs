#!/usr/bin/env node
// Browser benchmark: bgone's WebAssembly engine against onnxruntime-web's wasm backend on IS-Net,
// same model file, same 1024x1024 input, in ONE headless Chromium run. Called by bench/web/run.sh,
// which makes the input first; see docs/BENCHMARKS.md ("Browser").
//
//   node bench/web/bench.mjs --input out/bench/astronaut.bin [--threads 1,2] [--model small,medium]
//       [--repeat 3] [--warmup 0] [--ready-repeat 5] [--ready-only] [--json FILE] [--keep-site]
//
// Serves a staged folder (hard links, else copies, in out/bench/web-site/: the pages in
// bench/web/page/, build/wasm/wasm/ as /engine/, web/lib/dist as /lib/, onnxruntime-web's dist as
// /ort/, .cache/models as /models/, the input as /input/) with tools/serve.mjs on 127.0.0.1 (COOP/COEP,
// so the page is cross-origin isolated and SharedArrayBuffer exists), and measures:
//   (a)/(b) per model and thread count, bgone (bgone-st for 1 thread, bgone-mt above) and ORT-web
//           (wasm EP, numThreads = threads), each in a fresh dedicated worker: median of --repeat
//           timed runs after --warmup untimed ones;
//   (c)     "ready": a fresh page navigation to a created segmenter through web/lib's preload() with
//           the model already in OPFS (stored by a first, priming visit);
//   (d)     the wasm heap size after the runs (wasm memory never shrinks: this is the peak), and
//           performance.measureUserAgentSpecificMemory() taken while the worker is alive;
//   (e)     raw and gzipped (zlib level 9) size of each runtime's wasm + JS glue.
// Prints Markdown tables; raw numbers go to --json. Not a test: CI does not run it.

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

import { machine } from '../common.mjs';
import { MODELS } from '../../web/lib/src/models.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODEL_FILES = {
  medium: 'isnet-fp16.onnx', small: 'isnet-q8.onnx', fp32: 'isnet-fp32.onnx',
  w8: 'isnet-w8.onnx',  // bgone's weight-only int8 variant (tools/quantize_weights.py)
  w4: 'isnet-w4.onnx',  // ... and its 4-bit one (--bits 4 --block 64)
};
const CHROMIUM = '/usr/bin/chromium';
const ORT_DIST = path.join(ROOT, 'node_modules/onnxruntime-web/dist');
const ORT_FILES = ['ort.wasm.min.mjs', 'ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];
// BGONE_BENCH_WASM_DIR: another engine build for experiments (e.g. one built with
// -DBGONE_PROFILE_LOAD_DEFAULT=1, whose load-stage times then appear in the log as page lines).
const ENGINE_DIR = process.env.BGONE_BENCH_WASM_DIR ? path.resolve(process.env.BGONE_BENCH_WASM_DIR)
  : path.join(ROOT, 'build/wasm/wasm');
const ENGINE_FILES = ['bgone-st.js', 'bgone-st.wasm', 'bgone-mt.js', 'bgone-mt.wasm', 'bgone-mt.worker.js', 'package.json'];
const LIB_DIR = path.join(ROOT, 'web/lib/dist');

const log = (s) => process.stderr.write(`bench/web: ${s}\n`);
function usage(message) {
  process.stderr.write(`bench/web: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    input: path.join(ROOT, 'out/bench/astronaut.bin'),
    threads: [1, 2],
    models: ['small', 'medium'],
    repeat: 3,
    warmup: 0,
    readyRepeat: 5,
    modelsDir: path.join(process.env.BGONE_CACHE || path.join(ROOT, '.cache'), 'models'),
    json: null,
    keepSite: false,
    readyOnly: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    switch (arg) {
      case '--input': o.input = value(); break;
      case '--threads': o.threads = value().split(',').map(Number); break;
      case '--model': case '--models': o.models = value().split(','); break;
      case '--repeat': o.repeat = Number(value()); break;
      case '--warmup': o.warmup = Number(value()); break;
      case '--ready-repeat': o.readyRepeat = Number(value()); break;
      case '--models-dir': o.modelsDir = value(); break;
      case '--json': o.json = value(); break;
      case '--keep-site': o.keepSite = true; break;
      case '--ready-only': o.readyOnly = true; break;
      default: usage(`unknown argument '${arg}'`);
    }
  }
  if (o.threads.some((t) => !Number.isInteger(t) || t < 1)) usage('bad --threads');
  if (!Number.isInteger(o.repeat) || o.repeat < 1) usage('bad --repeat');
  if (!Number.isInteger(o.warmup) || o.warmup < 0) usage('bad --warmup');
  if (!Number.isInteger(o.readyRepeat) || o.readyRepeat < 0) usage('bad --ready-repeat');
  for (const m of o.models) if (!MODEL_FILES[m]) usage(`unknown model '${m}' (small, medium, fp32, w8, w4)`);
  return o;
}

function prerequisites(o) {
  const need = [
    [CHROMIUM, 'Debian chromium (apt-get install chromium)'],
    [o.input, 'the input tensor (bash bench/web/run.sh makes it)'],
    [path.join(ROOT, 'node_modules/playwright-core'), 'npm ci'],
    ...ORT_FILES.map((f) => [path.join(ORT_DIST, f), 'npm ci (onnxruntime-web)']),
    ...ENGINE_FILES.map((f) => [path.join(ENGINE_DIR, f), 'the wasm build: cmake --preset wasm && cmake --build --preset wasm -j2']),
    [path.join(LIB_DIR, 'index.js'), 'the npm library: node web/lib/scripts/build.mjs'],
    ...o.models.map((m) => [path.join(o.modelsDir, MODEL_FILES[m]), 'the models: bash scripts/setup.sh']),
  ];
  for (const [file, how] of need) if (!fs.existsSync(file)) usage(`${path.relative(ROOT, file)} missing: ${how}`);
}

/** Hard-links (or copies) src to dst. */
function place(src, dst) {
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  try {
    fs.linkSync(src, dst);
  } catch {
    fs.copyFileSync(src, dst);
  }
}

function stageSite(o, site) {
  fs.rmSync(site, { recursive: true, force: true });
  const page = path.join(ROOT, 'bench/web/page');
  for (const f of fs.readdirSync(page)) place(path.join(page, f), path.join(site, f));
  for (const f of ENGINE_FILES) place(path.join(ENGINE_DIR, f), path.join(site, 'engine', f));
  for (const f of fs.readdirSync(LIB_DIR)) {
    if (fs.statSync(path.join(LIB_DIR, f)).isFile()) place(path.join(LIB_DIR, f), path.join(site, 'lib', f));
  }
  for (const f of ORT_FILES) place(path.join(ORT_DIST, f), path.join(site, 'ort', f));
  for (const m of o.models) {
    place(path.join(o.modelsDir, MODEL_FILES[m]), path.join(site, 'models', MODEL_FILES[m]));
    // The library (ready visits) downloads the gzipped copy tools/fetch_models.sh makes.
    const gz = `${MODEL_FILES[m]}.gz`;
    if (fs.existsSync(path.join(o.modelsDir, gz))) place(path.join(o.modelsDir, gz), path.join(site, 'models', gz));
  }
  place(o.input, path.join(site, 'input', 'astronaut.bin'));
}

function sizeOf(files) {
  let raw = 0;
  let gz = 0;
  const each = [];
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    const g = zlib.gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += g;
    each.push({ file: path.relative(ROOT, f), raw: bytes.length, gzip: g });
  }
  return { raw, gzip: gz, files: each };
}

const median = (xs) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};


const s = (ms) => (ms == null ? '–' : `${(ms / 1000).toFixed(2)} s`);
const msf = (ms) => (ms == null ? '–' : `${Math.round(ms)} ms`);
const mb = (b) => (b == null ? '–' : `${Math.round(b / 2 ** 20)} MB`);
const mb2 = (b) => (b == null ? '–' : `${(b / 1e6).toFixed(2)} MB`);

async function main() {
  const o = parseArgs(process.argv.slice(2));
  prerequisites(o);
  const site = path.join(ROOT, 'out/bench/web-site');
  stageSite(o, site);

  const { serve } = await import(path.join(ROOT, 'tools/serve.mjs'));
  const { server, url } = await serve({ port: 0, host: '127.0.0.1', dir: site, quiet: true });
  const origin = url.replace(/\/$/, '');
  const requests = [];
  server.on('request', (req) => requests.push(`${req.method} ${req.url}`));
  log(`serving ${site} at ${origin} (COOP/COEP)`);

  const { chromium } = await import('playwright-core');
  // A persistent profile (fresh for each run), as a user's browser has: its HTTP cache and V8's
  // code cache for WebAssembly work as they do for returning visitors. (A playwright
  // browser.newContext() is off the record: no code cache, so every visit starts the engine
  // from V8's baseline tier.)
  const profileDir = path.join(ROOT, 'out/bench/chromium-profile');
  fs.rmSync(profileDir, { recursive: true, force: true });
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // measureUserAgentSpecificMemory() then measures at once instead of at the next GC.
      '--enable-blink-features=ForceEagerMeasureMemory',
      // Extra flags for experiments only (e.g. --js-flags=...), split on spaces.
      ...(process.env.BGONE_BENCH_CHROMIUM_ARGS || '').split(' ').filter(Boolean)],
  });
  const browserVersion = (await context.newCDPSession(context.pages()[0] || await context.newPage())
    .then((cdp) => cdp.send('Browser.getVersion'))).product.replace(/^(Headless)?Chrome\//, '');
  const result = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machine(),
    browser: `Chromium ${browserVersion}`,
    options: o,
    ready: [],
    floor: [],
    inference: [],
    sizes: {},
  };
  const openPage = async (pathAndQuery) => {
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'log' || m.type() === 'warning' || m.type() === 'error') log(`  page: ${m.text()}`); });
    page.on('pageerror', (e) => log(`  pageerror: ${e.message}`));
    await page.goto(`${origin}${pathAndQuery}`);
    return page;
  };

  try {
    // Page facts.
    {
      const page = await openPage('/index.html');
      await page.waitForFunction(() => window.benchPageReady === true);
      result.page = await page.evaluate(() => window.benchInfo());
      await page.close();
      log(`page: ${JSON.stringify(result.page)}`);
      if (!result.page.crossOriginIsolated) throw new Error('the page is not cross-origin isolated');
    }

    // (c) ready from OPFS.
    for (const model of o.models) {
      if (!o.readyRepeat) break;
      const visit = async (threads) => {
        const page = await openPage(`/ready.html?model=${model}&threads=${threads}`);
        await page.waitForFunction(() => window.readyResult !== undefined, null, { timeout: 600000 });
        const r = await page.evaluate(() => window.readyResult);
        await page.close();
        if (r.error) throw new Error(`ready page (${model}, ${threads} threads): ${r.error}`);
        return r;
      };
      const before = requests.length;
      log(`${model}: priming visit (downloads the model into OPFS)`);
      const prime = await visit(1);
      const primeModelGets = requests.slice(before).filter((r) => r.includes('/models/')).length;
      for (const threads of o.threads) {
        const visits = [];
        for (let i = 0; i < o.readyRepeat; i++) {
          const mark = requests.length;
          const r = await visit(threads);
          r.model_requests = requests.slice(mark).filter((q) => q.includes('/models/'));
          visits.push(r);
          log(`${model} t${threads}: ready ${r.ready_ms.toFixed(0)} ms after navigation start ` +
              `(model bytes ${r.load_event_ms?.toFixed(0)} ms; worker ${JSON.stringify(r.worker_timings)}; ${r.flavor}; model requests: ${r.model_requests.length})`);
        }
        result.ready.push({
          model, threads, flavor: visits[0]?.flavor, visits,
          prime: { ...prime, model_gets: primeModelGets },
          median_ready_ms: median(visits.map((v) => v.ready_ms)),
          median_load_event_ms: median(visits.map((v) => v.load_event_ms)),
          median_create_ms: median(visits.map((v) => v.ready_ms - v.load_event_ms)),
          median_script_start_ms: median(visits.map((v) => v.script_start_ms)),
          median_lib_imported_ms: median(visits.map((v) => v.lib_imported_ms)),
          median_opfs_read_ms: median(visits.map((v) => v.after_ready_opfs_read_ms).filter((x) => x != null)),
          median_sha256_ms: median(visits.map((v) => v.after_ready_sha256_ms).filter((x) => x != null)),
          median_worker_load_ms: median(visits.map((v) => v.worker_timings?.load_ms).filter((x) => x != null)),
          median_worker_create_ms: median(visits.map((v) => v.worker_timings?.create_ms).filter((x) => x != null)),
          median_worker_verify_wait_ms: median(visits.map((v) => v.worker_timings?.verify_wait_ms).filter((x) => x != null)),
          from_store: visits.every((v) => !v.downloaded && v.model_requests.length === 0),
        });
      }
      // The browser's floor for the same stored model: no bgone code at all (floor.html).
      // A second mark after the bytes: copied into a WebAssembly memory grown to the engine's own
      // heap at ready (largest of this model's visits), every page touched once.
      const heapBytes = Math.max(0, ...result.ready.filter((r) => r.model === model)
        .flatMap((r) => r.visits.map((v) => v.worker_timings?.heap_bytes || 0)));
      const floors = [];
      for (let i = 0; i < o.readyRepeat; i++) {
        const page = await openPage(`/floor.html?sha256=${MODELS[model].sha256}&flavor=st&heap_bytes=${heapBytes}`);
        await page.waitForFunction(() => window.floorResult !== undefined, null, { timeout: 600000 });
        const f = await page.evaluate(() => window.floorResult);
        await page.close();
        if (f.error) throw new Error(`floor page (${model}): ${f.error}`);
        floors.push(f);
        log(`${model} floor: script ${f.script_start_ms.toFixed(0)} ms, worker ${f.worker_started_ms.toFixed(0)} ms, ` +
            `bytes ${f.bytes_ms.toFixed(0)} ms, in a ${(f.heap_bytes / 2 ** 20).toFixed(0)} MiB memory ${f.heap_ms?.toFixed(0)} ms, wasm compiled ${f.compiled_ms.toFixed(0)} ms, done ${f.done_ms.toFixed(0)} ms`);
      }
      result.floor.push({
        model, visits: floors,
        median_script_start_ms: median(floors.map((f) => f.script_start_ms)),
        median_worker_started_ms: median(floors.map((f) => f.worker_started_ms)),
        median_bytes_ms: median(floors.map((f) => f.bytes_ms)),
        heap_bytes: heapBytes,
        median_heap_ms: median(floors.map((f) => f.heap_ms).filter((x) => x != null)),
        median_compiled_ms: median(floors.map((f) => f.compiled_ms)),
        median_done_ms: median(floors.map((f) => f.done_ms)),
      });
    }

    // (a), (b), (d): inference, each job in a fresh worker of one page.
    const page = await openPage('/index.html');
    if (o.readyOnly) o.models = [];
    await page.waitForFunction(() => window.benchPageReady === true);
    const ortRequests = new Set();
    for (const model of o.models) {
      for (const threads of o.threads) {
        const row = { model, threads };
        for (const engine of ['bgone', 'ort']) {
          log(`${model} t${threads}: ${engine} (${o.warmup} warm-up + ${o.repeat} runs)`);
          const mark = requests.length;
          const r = await page.evaluate((job) => window.benchRun(job), {
            // With threads > 1 the pthread helper workers wait in Atomics.wait and never answer
            // measureUserAgentSpecificMemory() (it timed out after 60 s in trial runs): skipped.
            engine, model, threads, repeat: o.repeat, warmup: o.warmup, measureMemory: threads === 1,
            modelUrl: `/models/${MODEL_FILES[model]}`, inputUrl: '/input/astronaut.bin',
          });
          if (engine === 'ort') for (const q of requests.slice(mark)) if (q.includes('/ort/')) ortRequests.add(q.split(' ')[1].split('?')[0]);
          if (r.error) log(`${model} t${threads}: ${engine} failed: ${r.error}`);
          else log(`${model} t${threads}: ${engine} median ${r.median_ms.toFixed(0)} ms, heap ${mb(r.heap_after_run_bytes)}, ` +
                   `UA memory ${r.ua_memory?.bytes ? mb(r.ua_memory.bytes) : JSON.stringify(r.ua_memory)}`);
          row[engine] = r;
        }
        result.inference.push(row);
      }
    }
    await page.close();

    // (e) runtime sizes: what each engine's page actually loads.
    const eng = (f) => path.join(ENGINE_DIR, f);
    result.sizes.bgone_st = sizeOf([eng('bgone-st.js'), eng('bgone-st.wasm')]);
    result.sizes.bgone_mt = sizeOf([eng('bgone-mt.js'), eng('bgone-mt.wasm'), eng('bgone-mt.worker.js')]);
    const ortLoaded = [...ortRequests].map((u) => path.basename(u)).sort();
    result.sizes.ort_web = sizeOf((ortLoaded.length ? ortLoaded : ORT_FILES).map((f) => path.join(ORT_DIST, f)));
    result.sizes.ort_web.loaded = ortLoaded;
  } finally {
    await context.close();
    await new Promise((ok) => server.close(ok));
    if (!o.keepSite) fs.rmSync(site, { recursive: true, force: true });
  }

  // Tables.
  const lines = [];
  lines.push(`date: ${result.date}`);
  lines.push(`machine: ${result.machine}`);
  lines.push(`browser: ${result.browser} headless (${result.page.userAgent}), hardwareConcurrency ${result.page.hardwareConcurrency}, ` +
             `crossOriginIsolated ${result.page.crossOriginIsolated}`);
  lines.push(`input: ${path.relative(ROOT, o.input)} (bench/make_input.py: astronaut.png -> 1024x1024), ` +
             `repeat ${o.repeat}, warmup ${o.warmup}, ready visits ${o.readyRepeat}`);
  lines.push('');
  lines.push('| model | threads | bgone wasm median | ORT-web wasm median | bgone/ORT-web | bgone create | ORT-web create | bgone wasm heap after run | ORT-web wasm heap after run | measureUserAgentSpecificMemory bgone / ORT-web | mask diff mean / max |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of result.inference) {
    const a = r.bgone;
    const b = r.ort;
    const ok = (x) => x && !x.error;
    const ratio = ok(a) && ok(b) ? (a.median_ms / b.median_ms).toFixed(2) : '–';
    const ua = (x) => (!ok(x) ? '–' : x.ua_memory?.bytes ? mb(x.ua_memory.bytes) : x.ua_memory?.skipped ? 'n/a' : '–');
    const d = ok(b) ? b.mask_diff_vs_other : null;
    lines.push(`| ${r.model} | ${r.threads} | ${ok(a) ? `${s(a.median_ms)} (${a.flavor})` : 'error'} | ${ok(b) ? s(b.median_ms) : 'error'} | ${ratio} | ` +
               `${ok(a) ? msf(a.create_ms) : '–'} | ${ok(b) ? msf(b.create_ms) : '–'} | ` +
               `${ok(a) ? mb(a.heap_after_run_bytes) : '–'} | ${ok(b) ? mb(b.heap_after_run_bytes) : '–'} | ` +
               `${ua(a)} / ${ua(b)} | ${d ? `${d.mean.toExponential(1)} / ${d.max}` : '–'} |`);
  }
  if (result.ready.length) {
    lines.push('');
    lines.push('| model | threads | engine | ready after navigation start (median) | page script ran / library imported at | model bytes + engine loaded at | create (load event to ready) | in the worker: engine + model bytes / create / waiting for SHA-256 after create | OPFS read / SHA-256 alone (page, File API) | model requests during the visits |');
    lines.push('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of result.ready) {
      lines.push(`| ${r.model} | ${r.threads} | bgone-${r.flavor} | ${msf(r.median_ready_ms)} | ` +
                 `${msf(r.median_script_start_ms)} / ${msf(r.median_lib_imported_ms)} | ` +
                 `${msf(r.median_load_event_ms)} | ${msf(r.median_create_ms)} | ` +
                 `${msf(r.median_worker_load_ms)} / ${msf(r.median_worker_create_ms)} / ${msf(r.median_worker_verify_wait_ms)} | ${msf(r.median_opfs_read_ms)} / ${msf(r.median_sha256_ms)} | ` +
                 `${r.visits.reduce((n, v) => n + v.model_requests.length, 0)} |`);
    }
  }
  if (result.floor.length) {
    lines.push('');
    lines.push('| model | browser floor, no bgone code (median): page script ran | worker started | stored model bytes read | bytes in a wasm memory of the engine\'s heap size, pages touched | engine wasm compiled | all done, back in the page |');
    lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const f of result.floor) {
      lines.push(`| ${f.model} | ${msf(f.median_script_start_ms)} | ${msf(f.median_worker_started_ms)} | ` +
                 `${msf(f.median_bytes_ms)} | ${msf(f.median_heap_ms)} (${(f.heap_bytes / 2 ** 20).toFixed(0)} MiB) | ${msf(f.median_compiled_ms)} | ${msf(f.median_done_ms)} |`);
    }
  }
  lines.push('');
  lines.push('| runtime | files | raw | gzip -9 |');
  lines.push('| --- | --- | ---: | ---: |');
  const sz = result.sizes;
  const names = (x) => x.files.map((f) => path.basename(f.file)).join(' + ');
  if (sz.bgone_st) lines.push(`| bgone single-thread | ${names(sz.bgone_st)} | ${mb2(sz.bgone_st.raw)} | ${mb2(sz.bgone_st.gzip)} |`);
  if (sz.bgone_mt) lines.push(`| bgone threaded | ${names(sz.bgone_mt)} | ${mb2(sz.bgone_mt.raw)} | ${mb2(sz.bgone_mt.gzip)} |`);
  if (sz.ort_web) lines.push(`| onnxruntime-web 1.30 wasm | ${names(sz.ort_web)} | ${mb2(sz.ort_web.raw)} | ${mb2(sz.ort_web.gzip)} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const r of result.inference) {
    for (const e of ['bgone', 'ort']) if (r[e]?.error) process.stdout.write(`${r.model} t${r.threads} ${e}: ${r[e].error}\n`);
  }
  if (o.json) {
    fs.mkdirSync(path.dirname(o.json), { recursive: true });
    fs.writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
    log(`results in ${o.json}`);
  }
  const failed = result.inference.some((r) => r.bgone?.error || r.ort?.error);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  process.stderr.write(`bench/web: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
