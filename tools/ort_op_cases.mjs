// Computes ONNX Runtime's outputs for the single-op test cases made by tests/ort_ops/gen_cases.py.
//   node tools/ort_op_cases.mjs CASES_DIR
// Reads CASES_DIR/manifest.json, runs each <case>/model.onnx in onnxruntime-node (CPU, one thread)
// on the raw inputs, and writes <case>/test_data_set_0/output_<i>.pb as ONNX TensorProto files.
// Exits 0 without doing anything when onnxruntime-node is not installed (the tests then skip);
// any case ORT cannot run is an error (exit 1), so a broken case never passes silently.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/ort_op_cases.mjs CASES_DIR');
  process.exit(2);
}

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.log(`ort_op_cases: onnxruntime-node not available (${e.code || e.message}); skipping`);
  process.exit(0);
}

const manifestPath = path.join(dir, 'manifest.json');
if (!fs.existsSync(manifestPath)) {
  console.log(`ort_op_cases: ${manifestPath} missing (cases not generated); skipping`);
  process.exit(0);
}
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));

// numpy dtype name -> [ORT tensor type, typed array constructor]
const NUMPY = {
  float32: ['float32', Float32Array],
  float64: ['float64', Float64Array],
  float16: ['float16', Uint16Array],
  int8: ['int8', Int8Array],
  uint8: ['uint8', Uint8Array],
  int16: ['int16', Int16Array],
  uint16: ['uint16', Uint16Array],
  int32: ['int32', Int32Array],
  uint32: ['uint32', Uint32Array],
  int64: ['int64', BigInt64Array],
  uint64: ['uint64', BigUint64Array],
  bool: ['bool', Uint8Array],
};

// ORT tensor type -> ONNX TensorProto.DataType
const ONNX_TYPE = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9,
  float16: 10, float64: 11, uint32: 12, uint64: 13,
};

function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

function lengthDelimited(field, bytes) {
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(bytes.length)]), Buffer.from(bytes)]);
}

// TensorProto: dims = 1 (packed int64), data_type = 2, name = 8, raw_data = 9.
function tensorProto(name, tensor) {
  const type = ONNX_TYPE[tensor.type];
  if (type === undefined) throw new Error(`unsupported output type ${tensor.type}`);
  const parts = [];
  const dims = [];
  for (const d of tensor.dims) dims.push(...varint(d));
  if (dims.length) parts.push(lengthDelimited(1, dims));
  parts.push(Buffer.from([(2 << 3) | 0, ...varint(type)]));
  parts.push(lengthDelimited(8, Buffer.from(name, 'utf8')));
  const data = tensor.data;
  let raw;
  if (tensor.type === 'bool') {
    raw = Buffer.from(Array.from(data, (v) => (v ? 1 : 0)));
  } else {
    raw = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  parts.push(lengthDelimited(9, raw));
  return Buffer.concat(parts);
}

function loadInput(caseDir, input) {
  const [type, Ctor] = NUMPY[input.dtype] || [];
  if (!type) throw new Error(`unsupported input dtype ${input.dtype}`);
  const bytes = fs.readFileSync(path.join(caseDir, 'test_data_set_0', input.file));
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  let data = new Ctor(copy.buffer, 0, bytes.length / Ctor.BYTES_PER_ELEMENT);
  if (type === 'bool') data = Array.from(data, (v) => v !== 0);
  return new ort.Tensor(type, data, input.shape);
}

const options = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'disabled',
  logSeverityLevel: 3,  // errors only; ORT warns about e.g. deprecated tf_half_pixel_for_nn
};
let failures = 0;
for (const c of manifest.cases) {
  const caseDir = path.join(dir, c.name);
  try {
    const session = await ort.InferenceSession.create(path.join(caseDir, 'model.onnx'), options);
    const feeds = {};
    for (const input of c.inputs) feeds[input.name] = loadInput(caseDir, input);
    const results = await session.run(feeds);
    c.outputs.forEach((name, i) => {
      fs.writeFileSync(path.join(caseDir, 'test_data_set_0', `output_${i}.pb`), tensorProto(name, results[name]));
    });
    await session.release();
  } catch (e) {
    failures++;
    console.error(`ort_op_cases: ${c.name}: ${e.message}`);
  }
}
console.log(`ort_op_cases: ${manifest.cases.length - failures} of ${manifest.cases.length} cases computed`);
process.exit(failures ? 1 : 0);
