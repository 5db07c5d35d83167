#!/usr/bin/env node
// Runs an ONNX model with ONNX Runtime (onnxruntime-node, CPU) on raw little-endian tensors and
// writes the outputs as raw files. bgone's tests and benchmarks use it as the reference peer.
//
//   node tools/ort_run.mjs --model M.onnx --input in.bin --shape 1,3,1024,1024 \
//       [--input-name input] [--dtype float32] [--outputs output,...] [--threads 2] \
//       [--out-dir DIR] [--repeat N] [--warmup W] [--opt-level all] [--no-write]
//
// Several inputs: repeat --input/--shape (and --input-name/--dtype) in the same order.
// Writes DIR/<sanitized output name>.bin (float32 for float16/float32/float64 outputs, raw bytes of
// the output's own type otherwise) and DIR/outputs.json:
//   {"outputs":[{"name","file","dims","dtype","written_dtype"}], "times_ms":[...], "median_ms",
//    "session_create_ms", "threads", "max_rss_kb", "ort_version"}
// The same JSON is printed on stdout. Exit code 0 on success, 1 on a runtime error, 2 on usage.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);

const USAGE = `usage: node tools/ort_run.mjs --model M.onnx --input in.bin --shape 1,3,1024,1024
    [--input-name NAME] [--dtype float32|float16|int64|int32|int8|uint8|bool]
    [--outputs a,b,...] [--threads N] [--out-dir DIR] [--repeat N] [--warmup N]
    [--opt-level disabled|basic|extended|all] [--no-write]
defaults: input name = the model's inputs in order, dtype float32, outputs = all, threads 2,
out-dir ., repeat 1, warmup 0, opt-level all`;

function usage(message) {
  if (message) process.stderr.write(`ort_run: ${message}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    model: null, inputs: [], shapes: [], inputNames: [], dtypes: [], outputs: null,
    threads: 2, outDir: '.', repeat: 1, warmup: 0, optLevel: 'all', write: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    const positiveInt = (v, min) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min) usage(`${arg} needs an integer >= ${min}, got '${v}'`);
      return n;
    };
    switch (arg) {
      case '--model': opts.model = value(); break;
      case '--input': opts.inputs.push(value()); break;
      case '--shape': {
        const text = value();
        const dims = text === '' || text === 'scalar' ? [] : text.split(',').map(Number);
        if (dims.some((d) => !Number.isInteger(d) || d < 0)) usage(`bad --shape '${text}'`);
        opts.shapes.push(dims);
        break;
      }
      case '--input-name': opts.inputNames.push(value()); break;
      case '--dtype': opts.dtypes.push(value()); break;
      case '--outputs': opts.outputs = value().split(',').filter((s) => s.length > 0); break;
      case '--threads': opts.threads = positiveInt(value(), 1); break;
      case '--out-dir': opts.outDir = value(); break;
      case '--repeat': opts.repeat = positiveInt(value(), 1); break;
      case '--warmup': opts.warmup = positiveInt(value(), 0); break;
      case '--opt-level': opts.optLevel = value(); break;
      case '--no-write': opts.write = false; break;
      case '-h': case '--help': process.stdout.write(`${USAGE}\n`); process.exit(0); break;
      default: usage(`unknown argument '${arg}'`);
    }
  }
  if (!opts.model) usage('--model is required');
  if (opts.inputs.length === 0) usage('--input is required');
  if (opts.shapes.length !== opts.inputs.length) usage('give one --shape per --input');
  if (opts.inputNames.length > opts.inputs.length) usage('more --input-name than --input');
  if (opts.dtypes.length > opts.inputs.length) usage('more --dtype than --input');
  if (!['disabled', 'basic', 'extended', 'all'].includes(opts.optLevel)) {
    usage(`bad --opt-level '${opts.optLevel}'`);
  }
  return opts;
}

// dtype name -> [TypedArray constructor, bytes per element]
const TYPED = {
  float32: [Float32Array, 4],
  float16: [Uint16Array, 2],
  float64: [Float64Array, 8],
  int64: [BigInt64Array, 8],
  uint64: [BigUint64Array, 8],
  int32: [Int32Array, 4],
  uint32: [Uint32Array, 4],
  int16: [Int16Array, 2],
  uint16: [Uint16Array, 2],
  int8: [Int8Array, 1],
  uint8: [Uint8Array, 1],
  bool: [Uint8Array, 1],
};

function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function sanitize(name) {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '' || s === '.' || s === '..' ? `_${s}` : s;
}

function readTensor(ort, file, dims, dtype) {
  const spec = TYPED[dtype];
  if (!spec) throw new Error(`unsupported input dtype '${dtype}'`);
  const [Ctor, size] = spec;
  const count = dims.reduce((a, b) => a * b, 1);
  const bytes = fs.readFileSync(file);
  if (bytes.length !== count * size) {
    throw new Error(`${file}: ${bytes.length} bytes, expected ${count * size} ` +
                    `(${dtype} [${dims.join(',')}])`);
  }
  // Copy into a fresh, aligned buffer (Buffer slices may be unaligned).
  const data = new Ctor(count);
  new Uint8Array(data.buffer).set(bytes);
  const ortData = dtype === 'bool' ? Uint8Array.from(data) : data;
  return new ort.Tensor(dtype, ortData, dims);
}

function toFile(tensor) {
  const { type, data } = tensor;
  if (type === 'float32') return { bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength), written: 'float32' };
  if (type === 'float16' || type === 'float64') {
    const out = new Float32Array(data.length);
    if (type === 'float16') {
      const raw = data instanceof Uint16Array ? data : new Uint16Array(data.buffer, data.byteOffset, data.length);
      for (let i = 0; i < raw.length; i++) out[i] = halfToFloat(raw[i]);
    } else {
      for (let i = 0; i < data.length; i++) out[i] = data[i];
    }
    return { bytes: Buffer.from(out.buffer), written: 'float32' };
  }
  if (type === 'string') throw new Error('string outputs are not supported');
  if (type === 'bool') return { bytes: Buffer.from(Uint8Array.from(data, (v) => (v ? 1 : 0))), written: 'bool' };
  return { bytes: Buffer.from(data.buffer, data.byteOffset, data.byteLength), written: type };
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  let ort;
  try {
    ort = require('onnxruntime-node');
  } catch (e) {
    process.stderr.write(`ort_run: cannot load onnxruntime-node (run scripts/setup.sh): ${e.message}\n`);
    process.exit(1);
  }

  const createStart = performance.now();
  const session = await ort.InferenceSession.create(opts.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: opts.optLevel,
  });
  const sessionCreateMs = performance.now() - createStart;

  const feeds = {};
  opts.inputs.forEach((file, i) => {
    const name = opts.inputNames[i] ?? session.inputNames[i];
    if (!session.inputNames.includes(name)) {
      throw new Error(`model has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
    }
    feeds[name] = readTensor(ort, file, opts.shapes[i], opts.dtypes[i] ?? 'float32');
  });

  const wanted = opts.outputs ?? session.outputNames;
  for (const name of wanted) {
    if (!session.outputNames.includes(name)) {
      throw new Error(`model has no output '${name}' (outputs: ${session.outputNames.join(', ')})`);
    }
  }

  for (let i = 0; i < opts.warmup; i++) await session.run(feeds, wanted);
  const times = [];
  let results;
  for (let i = 0; i < opts.repeat; i++) {
    const t0 = performance.now();
    results = await session.run(feeds, wanted);
    times.push(performance.now() - t0);
  }

  const outputs = [];
  if (opts.write) fs.mkdirSync(opts.outDir, { recursive: true });
  const usedFiles = new Set();
  for (const name of wanted) {
    const tensor = results[name];
    let file = `${sanitize(name)}.bin`;
    for (let k = 1; usedFiles.has(file); k++) file = `${sanitize(name)}_${k}.bin`;
    usedFiles.add(file);
    const { bytes, written } = toFile(tensor);
    if (opts.write) fs.writeFileSync(path.join(opts.outDir, file), bytes);
    outputs.push({ name, file, dims: tensor.dims.map(Number), dtype: tensor.type, written_dtype: written });
  }

  const summary = {
    model: opts.model,
    ort_version: require('onnxruntime-node/package.json').version,
    threads: opts.threads,
    opt_level: opts.optLevel,
    session_create_ms: Number(sessionCreateMs.toFixed(3)),
    times_ms: times.map((t) => Number(t.toFixed(3))),
    median_ms: Number(median(times).toFixed(3)),
    max_rss_kb: process.resourceUsage().maxRSS,
    outputs,
  };
  const json = `${JSON.stringify(summary, null, 2)}\n`;
  if (opts.write) fs.writeFileSync(path.join(opts.outDir, 'outputs.json'), json);
  process.stdout.write(json);
  if (typeof session.release === 'function') await session.release();
}

main().catch((e) => {
  process.stderr.write(`ort_run: ${e && e.message ? e.message : e}\n`);
  process.exit(1);
});
