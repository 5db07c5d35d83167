#!/usr/bin/env node
// Side-by-side benchmark of bgone and ONNX Runtime on IS-Net. Called by bench/run.sh, which
// builds bgone_bench and the input tensor first; see docs/BENCHMARKS.md.
//
//   node bench/bench.mjs --bench build/release/bench/bgone_bench --input out/bench/astronaut.bin
//       [--threads 1,2] [--model medium,small,fp32,w8,w4] [--repeat 3] [--warmup 0] [--models-dir DIR]
//       [--json FILE]
//
// Each measurement runs in its own process (bgone_bench, tools/ort_run.mjs), so peak RSS is per
// engine. Both compute only the "output" head from the same input bytes. For the fp16 "medium"
// model ONNX Runtime also runs the fp32 conversion (its fastest configuration for this network).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { machine } from './common.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODEL_FILES = {
  medium: 'isnet-fp16.onnx', small: 'isnet-q8.onnx', fp32: 'isnet-fp32.onnx',
  w8: 'isnet-w8.onnx',  // bgone's weight-only int8 variant (tools/quantize_weights.py)
  w4: 'isnet-w4.onnx',  // ... and its 4-bit one (--bits 4 --block 64)
};
const SHAPE = '1,3,1024,1024';

function usage(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = {
    bench: path.join(ROOT, 'build/release/bench/bgone_bench'),
    input: null,
    threads: [1, 2],
    models: ['medium', 'small'],
    repeat: 3,
    warmup: 0,
    modelsDir: path.join(process.env.BGONE_CACHE || path.join(ROOT, '.cache'), 'models'),
    json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${arg} needs a value`));
    switch (arg) {
      case '--bench': o.bench = value(); break;
      case '--input': o.input = value(); break;
      case '--threads': o.threads = value().split(',').map(Number); break;
      case '--model': case '--models': o.models = value().split(','); break;
      case '--repeat': o.repeat = Number(value()); break;
      case '--warmup': o.warmup = Number(value()); break;
      case '--models-dir': o.modelsDir = value(); break;
      case '--json': o.json = value(); break;
      default: usage(`unknown argument '${arg}'`);
    }
  }
  if (!o.input) usage('--input is required');
  if (o.threads.some((t) => !Number.isInteger(t) || t < 1)) usage('bad --threads');
  if (!Number.isInteger(o.repeat) || o.repeat < 1) usage('bad --repeat');
  if (!Number.isInteger(o.warmup) || o.warmup < 0) usage('bad --warmup');
  for (const m of o.models) if (!MODEL_FILES[m]) usage(`unknown model '${m}' (medium, small, fp32, w8, w4)`);
  return o;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) return { error: r.error.message };
  if (r.status !== 0) {
    const lines = (r.stderr || '').trim().split('\n');
    return { error: lines[lines.length - 1] || `exit code ${r.status}` };
  }
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    return { error: `unparsable output: ${e.message}` };
  }
}

function maxAbsDiff(fileA, fileB) {
  if (!fs.existsSync(fileA) || !fs.existsSync(fileB)) return null;
  const a = fs.readFileSync(fileA);
  const b = fs.readFileSync(fileB);
  if (a.length !== b.length) return null;
  const fa = new Float32Array(a.buffer, a.byteOffset, a.length / 4);
  const fb = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  let m = 0;
  for (let i = 0; i < fa.length; i++) {
    const d = Math.abs(fa[i] - fb[i]);
    if (!(d <= m)) m = d;  // NaN propagates
  }
  return m;
}

const fmtMs = (r) => (r && !r.error ? `${(r.median_ms / 1000).toFixed(2)} s` : 'error');
const fmtMb = (r) => (r && !r.error ? `${Math.round(r.max_rss_kb / 1024)} MB` : '–');
const fmtRatio = (a, b) => (a && b && !a.error && !b.error ? (a.median_ms / b.median_ms).toFixed(2) : '–');


function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(o.bench)) usage(`${o.bench} not found (build it: bash bench/run.sh)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bgone-bench-'));
  const ortRun = path.join(ROOT, 'tools/ort_run.mjs');
  const rows = [];
  const log = (s) => process.stderr.write(`bench: ${s}\n`);

  const ort = (modelFile, threads, outDir) => run(process.execPath, [
    ortRun, '--model', modelFile, '--input', o.input, '--shape', SHAPE, '--input-name', 'input',
    '--outputs', 'output', '--threads', String(threads), '--repeat', String(o.repeat),
    '--warmup', String(o.warmup), '--out-dir', outDir]);

  for (const model of o.models) {
    const modelFile = path.join(o.modelsDir, MODEL_FILES[model]);
    if (!fs.existsSync(modelFile)) usage(`${modelFile} not found (run scripts/setup.sh)`);
    for (const threads of o.threads) {
      const tag = `${model}-t${threads}`;
      const oursOut = path.join(work, `${tag}-bgone.bin`);
      log(`${tag}: bgone (${o.repeat} runs)`);
      const ours = run(o.bench, ['--model', modelFile, '--input', o.input, '--threads',
        String(threads), '--repeat', String(o.repeat), '--warmup', String(o.warmup),
        '--output', 'output', '--write-output', oursOut]);
      if (ours.error) log(`${tag}: bgone failed: ${ours.error}`);
      log(`${tag}: onnxruntime (${o.repeat} runs)`);
      const ortDir = path.join(work, `${tag}-ort`);
      const theirs = ort(modelFile, threads, ortDir);
      if (theirs.error) log(`${tag}: onnxruntime failed: ${theirs.error}`);
      let theirsFp32 = null;
      if (model === 'medium') {
        log(`${tag}: onnxruntime on the fp32 conversion (${o.repeat} runs)`);
        theirsFp32 = ort(path.join(o.modelsDir, MODEL_FILES.fp32), threads, path.join(work, `${tag}-ort32`));
        if (theirsFp32.error) log(`${tag}: onnxruntime fp32 failed: ${theirsFp32.error}`);
      }
      const diff = maxAbsDiff(oursOut, path.join(ortDir, 'output.bin'));
      rows.push({ model, threads, ours, ort: theirs, ort_fp32: theirsFp32, max_abs_diff: diff });
    }
  }
  fs.rmSync(work, { recursive: true, force: true });

  const header = [
    '| model | threads | bgone median | ORT median | bgone/ORT | ORT fp32 median | bgone/ORT fp32 | bgone peak RSS | ORT peak RSS | max abs diff |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const lines = rows.map((r) => `| ${r.model} | ${r.threads} | ${fmtMs(r.ours)} | ${fmtMs(r.ort)} | ` +
    `${fmtRatio(r.ours, r.ort)} | ${r.ort_fp32 ? fmtMs(r.ort_fp32) : '–'} | ` +
    `${r.ort_fp32 ? fmtRatio(r.ours, r.ort_fp32) : '–'} | ${fmtMb(r.ours)} | ${fmtMb(r.ort)} | ` +
    `${r.max_abs_diff === null ? '–' : r.max_abs_diff.toExponential(1)} |`);
  const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const summary = [
    `date: ${when}`,
    `machine: ${machine()}`,
    `input: ${path.relative(ROOT, o.input) || o.input} [${SHAPE}], repeat ${o.repeat}, warmup ${o.warmup}, ` +
      `ONNX Runtime ${rows.find((r) => r.ort && !r.ort.error)?.ort.ort_version ?? '?'} (CPU EP, ` +
      'graph optimizations all, inter-op threads 1)',
    '',
    ...header,
    ...lines,
  ].join('\n');
  process.stdout.write(`${summary}\n`);
  for (const r of rows) {
    for (const [who, res] of [['bgone', r.ours], ['ORT', r.ort], ['ORT fp32', r.ort_fp32]]) {
      if (res?.error) process.stdout.write(`${r.model} t${r.threads} ${who}: ${res.error}\n`);
    }
  }
  if (o.json) {
    fs.mkdirSync(path.dirname(o.json), { recursive: true });
    fs.writeFileSync(o.json, `${JSON.stringify({ date: when, machine: machine(), options: o, rows }, null, 2)}\n`);
    process.stderr.write(`bench: results in ${o.json}\n`);
  }
  const failed = rows.some((r) => r.ours.error || r.ort.error || r.ort_fp32?.error);
  process.exit(failed ? 1 : 0);
}

main();
