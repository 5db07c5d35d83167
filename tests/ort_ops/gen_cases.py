#!/usr/bin/python3
"""Generates tiny single-op ONNX models and inputs for the ONNX Runtime comparison tests.

Run with Debian's /usr/bin/python3 (python3-onnx, python3-numpy):
    /usr/bin/python3 tests/ort_ops/gen_cases.py OUT_DIR

Each case gets ONNX's conformance layout, so the same C++ runner serves both suites:
    OUT_DIR/<case>/model.onnx
    OUT_DIR/<case>/test_data_set_0/input_<i>.pb   (TensorProto)
    OUT_DIR/<case>/test_data_set_0/input_<i>.bin  (raw little-endian bytes for the node script)
OUT_DIR/manifest.json lists the cases, their inputs (dtype, shape, file) and outputs.
tools/ort_op_cases.mjs then runs every model in onnxruntime-node and writes output_<i>.pb.

Operands our engine needs at prepare time (Reshape shape, Slice starts/ends/axes/steps, Resize
roi/scales/sizes, Squeeze/Unsqueeze axes, Clip bounds) are initializers, as in real models.
"""
import json
import os
import shutil
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:  # keep the build going; the tests skip with a message
    print("gen_cases.py: %s; ORT op cases not generated (use /usr/bin/python3 with python3-onnx)" % e)
    if len(sys.argv) > 1:
        os.makedirs(sys.argv[1], exist_ok=True)
        with open(os.path.join(sys.argv[1], "manifest.json"), "w") as f:
            json.dump({"cases": []}, f)
    sys.exit(0)

RNG = np.random.default_rng(20261122)
CASES = []

NP_TO_ONNX = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float16): TensorProto.FLOAT16,
    np.dtype(np.float64): TensorProto.DOUBLE,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.int16): TensorProto.INT16,
    np.dtype(np.uint16): TensorProto.UINT16,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.uint32): TensorProto.UINT32,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.uint64): TensorProto.UINT64,
    np.dtype(np.bool_): TensorProto.BOOL,
}


def rand(*shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape).astype(np.float32)


def ints(*shape, lo=0, hi=255, dtype=np.uint8):
    return RNG.integers(lo, hi, size=shape, endpoint=True).astype(dtype)


def case(name, op, inputs, consts=None, attrs=None, outputs=1, out_types=None, opset=17, atol=None):
    """inputs: list of (name, array or None for an omitted optional input), in op input order.
    consts: names among inputs that become initializers. outputs: count of op outputs.
    atol: absolute tolerance for float outputs when the default 1e-6 is too tight (long sums)."""
    consts = set(consts or [])
    attrs = attrs or {}
    if atol is None and op in ("Conv", "MatMul"):
        # Long float sums: ORT and bgone add in different orders; allow ~K rounding steps.
        arrays = dict((n, a) for n, a in inputs if a is not None)
        k = int(np.prod(arrays["w"].shape[1:])) if op == "Conv" else arrays["a"].shape[-1]
        atol = 1e-6 * max(1.0, k / 16.0)
    node_inputs, graph_inputs, inits, feeds = [], [], [], []
    for iname, arr in inputs:
        if arr is None:
            node_inputs.append("")
            continue
        node_inputs.append(iname)
        if iname in consts:
            inits.append(numpy_helper.from_array(arr, iname))
        else:
            graph_inputs.append(helper.make_tensor_value_info(iname, NP_TO_ONNX[arr.dtype], list(arr.shape)))
            feeds.append((iname, arr))
    out_names = ["y%d" % i for i in range(outputs)]
    node = helper.make_node(op, node_inputs, out_names, **attrs)
    out_types = out_types or [None] * outputs
    graph_outputs = []
    for i, o in enumerate(out_names):
        t = out_types[i]
        if t is None:
            t = NP_TO_ONNX[feeds[0][1].dtype] if feeds else TensorProto.FLOAT
        graph_outputs.append(helper.make_tensor_value_info(o, t, None))
    graph = helper.make_graph([node], name, graph_inputs, graph_outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="bgone-ort-op-cases")
    model.ir_version = 10 if opset >= 21 else 8
    CASES.append((name, model, feeds, out_names, atol))


def write_all(out_dir):
    if os.path.isdir(out_dir):
        for entry in os.listdir(out_dir):
            p = os.path.join(out_dir, entry)
            if os.path.isdir(p):
                shutil.rmtree(p)
    os.makedirs(out_dir, exist_ok=True)
    manifest = []
    names = set()
    for name, model, feeds, outs, atol in CASES:
        assert name not in names, name
        names.add(name)
        d = os.path.join(out_dir, name)
        ds = os.path.join(d, "test_data_set_0")
        os.makedirs(ds)
        onnx.save(model, os.path.join(d, "model.onnx"))
        ins = []
        for i, (iname, arr) in enumerate(feeds):
            t = numpy_helper.from_array(arr, iname)
            with open(os.path.join(ds, "input_%d.pb" % i), "wb") as f:
                f.write(t.SerializeToString())
            with open(os.path.join(ds, "input_%d.bin" % i), "wb") as f:
                f.write(np.ascontiguousarray(arr).tobytes())
            ins.append({"name": iname, "dtype": str(arr.dtype), "shape": list(arr.shape),
                        "file": "input_%d.bin" % i})
        if atol is not None:
            with open(os.path.join(d, "tolerance.txt"), "w") as f:
                f.write("%g\n" % atol)
        manifest.append({"name": name, "inputs": ins, "outputs": outs})
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump({"cases": manifest}, f, indent=1)
    print("gen_cases.py: wrote %d cases to %s" % (len(manifest), out_dir))


# ---------------------------------------------------------------------------------------------
# Conv

def conv_cases():
    x = rand(1, 3, 7, 9)
    w = rand(4, 3, 3, 3)
    b = rand(4)
    case("conv_basic_pad1_bias", "Conv", [("x", x), ("w", w), ("b", b)], consts=["w", "b"],
         attrs=dict(pads=[1, 1, 1, 1]))
    case("conv_no_bias", "Conv", [("x", x), ("w", w)], consts=["w"])
    case("conv_weights_runtime", "Conv", [("x", x), ("w", w), ("b", b)], attrs=dict(pads=[1, 1, 1, 1]))
    case("conv_stride2_asym_pads", "Conv", [("x", rand(2, 3, 8, 11)), ("w", w), ("b", b)],
         consts=["w", "b"], attrs=dict(strides=[2, 2], pads=[0, 1, 2, 0]))
    case("conv_stride_2x3", "Conv", [("x", rand(1, 3, 10, 13)), ("w", w)], consts=["w"],
         attrs=dict(strides=[2, 3], pads=[1, 1, 1, 1]))
    for d, p in [(2, 2), (4, 4), (8, 8), (3, 1)]:
        case("conv_dilation%d_pad%d" % (d, p), "Conv", [("x", rand(1, 5, 19, 21)), ("w", rand(6, 5, 3, 3)),
                                                       ("b", rand(6))],
             consts=["w", "b"], attrs=dict(dilations=[d, d], pads=[p, p, p, p]))
    case("conv_dilation_2x1_stride2", "Conv", [("x", rand(1, 2, 15, 12)), ("w", rand(3, 2, 3, 2))],
         consts=["w"], attrs=dict(dilations=[2, 1], strides=[2, 1], pads=[1, 0, 2, 1]))
    case("conv_groups2", "Conv", [("x", rand(1, 4, 9, 9)), ("w", rand(6, 2, 3, 3)), ("b", rand(6))],
         consts=["w", "b"], attrs=dict(group=2, pads=[1, 1, 1, 1]))
    case("conv_depthwise", "Conv", [("x", rand(1, 8, 10, 10)), ("w", rand(8, 1, 3, 3)), ("b", rand(8))],
         consts=["w", "b"], attrs=dict(group=8, pads=[1, 1, 1, 1], strides=[2, 2]))
    for ap in ["SAME_UPPER", "SAME_LOWER", "VALID"]:
        case("conv_autopad_%s" % ap.lower(), "Conv", [("x", rand(1, 3, 9, 10)), ("w", rand(2, 3, 4, 3))],
             consts=["w"], attrs=dict(auto_pad=ap, strides=[2, 2]))
    case("conv_1d", "Conv", [("x", rand(2, 3, 17)), ("w", rand(5, 3, 3)), ("b", rand(5))],
         consts=["w", "b"], attrs=dict(pads=[2, 1], dilations=[2], strides=[2]))
    case("conv_1x1", "Conv", [("x", rand(1, 16, 6, 7)), ("w", rand(24, 16, 1, 1))], consts=["w"])
    case("conv_5x5_kernel_shape_attr", "Conv", [("x", rand(1, 3, 12, 12)), ("w", rand(7, 3, 5, 5))],
         consts=["w"], attrs=dict(kernel_shape=[5, 5], pads=[2, 2, 2, 2]))
    case("conv_wide_channels", "Conv", [("x", rand(1, 40, 20, 23)), ("w", rand(36, 40, 3, 3)),
                                        ("b", rand(36))], consts=["w", "b"], attrs=dict(pads=[1, 1, 1, 1]))
    case("conv_isnet_first_layer", "Conv", [("x", rand(1, 3, 64, 64)), ("w", rand(64, 3, 3, 3)),
                                            ("b", rand(64))],
         consts=["w", "b"], attrs=dict(pads=[1, 1, 1, 1], strides=[2, 2]))


def conv_integer_cases():
    x = ints(1, 3, 8, 9)
    w = ints(4, 3, 3, 3)
    xzp = np.array(ints(lo=0, hi=255), dtype=np.uint8)
    wzp = np.array(ints(lo=0, hi=255), dtype=np.uint8)
    case("convinteger_u8_zero_points", "ConvInteger", [("x", x), ("w", w), ("x_zp", xzp), ("w_zp", wzp)],
         consts=["w", "w_zp"], attrs=dict(pads=[1, 1, 1, 1]), out_types=[TensorProto.INT32])
    case("convinteger_runtime_x_zp", "ConvInteger", [("x", x), ("w", w), ("x_zp", np.array(255, np.uint8)),
                                                     ("w_zp", np.array(3, np.uint8))],
         consts=["w", "w_zp"], out_types=[TensorProto.INT32])
    case("convinteger_no_zero_points", "ConvInteger", [("x", x), ("w", w)], consts=["w"],
         attrs=dict(strides=[2, 2]), out_types=[TensorProto.INT32])
    case("convinteger_dilated_groups", "ConvInteger",
         [("x", ints(1, 4, 13, 11)), ("w", ints(6, 2, 3, 3)), ("x_zp", np.array(128, np.uint8)),
          ("w_zp", np.array(131, np.uint8))],
         consts=["w", "w_zp"], attrs=dict(group=2, dilations=[2, 2], pads=[2, 2, 2, 2]),
         out_types=[TensorProto.INT32])
    case("convinteger_asym_pads_stride", "ConvInteger",
         [("x", ints(2, 5, 10, 12)), ("w", ints(3, 5, 2, 3)), ("x_zp", np.array(7, np.uint8)),
          ("w_zp", np.array(250, np.uint8))],
         consts=["w", "w_zp"], attrs=dict(strides=[2, 3], pads=[0, 2, 1, 1]), out_types=[TensorProto.INT32])
    case("convinteger_deep", "ConvInteger",
         [("x", ints(1, 64, 9, 9)), ("w", ints(32, 64, 3, 3)), ("x_zp", np.array(40, np.uint8)),
          ("w_zp", np.array(127, np.uint8))],
         consts=["w", "w_zp"], attrs=dict(pads=[1, 1, 1, 1]), out_types=[TensorProto.INT32])
    # Per-output-channel w_zero_point: ONNX Runtime 1.30 rejects it ("Non per-tensor quantization
    # is not supported"), so it is covered only by tests/kernels against the reference.


def dql_cases():
    case("dql_random", "DynamicQuantizeLinear", [("x", rand(3, 5, 7, lo=-3, hi=5))], outputs=3,
         out_types=[TensorProto.UINT8, TensorProto.FLOAT, TensorProto.UINT8])
    # min 0, max 255 -> scale 1: x/scale lands on .5 ties, rounded half to even.
    ties = np.array([0, 0.5, 1.5, 2.5, 3.5, 4.5, 254.5, 255], dtype=np.float32)
    case("dql_ties_scale1", "DynamicQuantizeLinear", [("x", ties)], outputs=3,
         out_types=[TensorProto.UINT8, TensorProto.FLOAT, TensorProto.UINT8])
    ties2 = np.array([-51, -1.5, -0.5, 0.5, 2.5, 100.5, 204], dtype=np.float32)
    case("dql_ties_with_zero_point", "DynamicQuantizeLinear", [("x", ties2)], outputs=3,
         out_types=[TensorProto.UINT8, TensorProto.FLOAT, TensorProto.UINT8])
    case("dql_all_positive", "DynamicQuantizeLinear", [("x", rand(64, lo=0.5, hi=9))], outputs=3,
         out_types=[TensorProto.UINT8, TensorProto.FLOAT, TensorProto.UINT8])
    case("dql_all_negative", "DynamicQuantizeLinear", [("x", rand(64, lo=-9, hi=-0.5))], outputs=3,
         out_types=[TensorProto.UINT8, TensorProto.FLOAT, TensorProto.UINT8])
    case("dql_all_zero", "DynamicQuantizeLinear", [("x", np.zeros((2, 3), np.float32))], outputs=3,
         out_types=[TensorProto.UINT8, TensorProto.FLOAT, TensorProto.UINT8])
    case("dql_large", "DynamicQuantizeLinear", [("x", rand(1, 8, 123, 131, lo=-0.2, hi=7))], outputs=3,
         out_types=[TensorProto.UINT8, TensorProto.FLOAT, TensorProto.UINT8])


def dequantize_cases():
    F = [TensorProto.FLOAT]
    dq = lambda name, inputs, consts=None, opset=17, **attrs: case(
        name, "DequantizeLinear", inputs, consts=consts, attrs=attrs, out_types=F, opset=opset)
    f32 = lambda *a: np.asarray(a if len(a) != 1 else a[0], np.float32)
    dq("dequantize_u8_per_tensor", [("x", ints(3, 5, 7)), ("s", f32(0.0371)), ("zp", np.array(131, np.uint8))])
    dq("dequantize_i8_per_tensor_no_zp", [("x", ints(4, 9, lo=-128, hi=127, dtype=np.int8)), ("s", f32(2.5e-3))])
    dq("dequantize_i32_bias", [("x", ints(64, lo=-2**30, hi=2**30, dtype=np.int32)), ("s", f32(1.7e-5))],
       consts=["x", "s"], opset=10)
    dq("dequantize_one_element_scale", [("x", ints(2, 3, 4)), ("s", f32([0.5])), ("zp", np.array([7], np.uint8))],
       opset=13)
    # Conv weights, per output channel (axis 0), as a weight-only quantized model stores them.
    dq("dequantize_i8_per_channel_weights",
       [("x", ints(16, 8, 3, 3, lo=-128, hi=127, dtype=np.int8)), ("s", rand(16, lo=1e-4, hi=3e-2)),
        ("zp", ints(16, lo=-3, hi=3, dtype=np.int8))], consts=["x", "s", "zp"], axis=0)
    dq("dequantize_u8_default_axis", [("x", ints(2, 6, 5)), ("s", rand(6, lo=0.01, hi=2)), ("zp", ints(6))],
       opset=13)
    dq("dequantize_u8_negative_axis", [("x", ints(3, 4, 9)), ("s", rand(9, lo=0.01, hi=2)), ("zp", ints(9))],
       axis=-1)
    # Blocked (opset 21): blocks of 32 input channels, the last one partial (70 = 32 + 32 + 6).
    dq("dequantize_i8_blocked", [("x", ints(8, 70, 3, lo=-128, hi=127, dtype=np.int8)),
                                 ("s", rand(8, 3, 3, lo=1e-3, hi=0.1)),
                                 ("zp", ints(8, 3, 3, lo=-8, hi=8, dtype=np.int8))],
       consts=["x", "s", "zp"], opset=21, axis=1, block_size=32)
    dq("dequantize_u8_blocked_axis0_no_zp", [("x", ints(10, 4)), ("s", rand(3, 4, lo=1e-3, hi=0.1))],
       opset=21, axis=0, block_size=4)
    # INT4 (opset 21, IR 10): a packed initializer (two values per byte, odd count), blocked
    # scales along axis 1 as tools/quantize_weights.py --bits 4 writes them.
    q4 = ints(5, 7, 3, lo=-8, hi=7, dtype=np.int8)
    dq("dequantize_int4_blocked", [("x", q4), ("s", rand(5, 2, 3, lo=1e-3, hi=0.1))],
       consts=["x", "s"], opset=21, axis=1, block_size=4)
    # The converter's own INT4 packing (tools/quantize_weights.py), so ORT checks it too.
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
    from quantize_weights import int4_tensor
    CASES[-1][1].graph.initializer[0].CopyFrom(int4_tensor(q4, "x"))
    dq("dequantize_i16_per_axis", [("x", ints(5, 6, lo=-32768, hi=32767, dtype=np.int16)),
                                   ("s", rand(6, lo=1e-5, hi=1e-3)), ("zp", ints(6, lo=-50, hi=50, dtype=np.int16))],
       opset=21, axis=1)


def matmul_cases():
    case("matmul_2d", "MatMul", [("a", rand(5, 7)), ("b", rand(7, 3))])
    case("matmul_batched_broadcast", "MatMul", [("a", rand(2, 1, 4, 6)), ("b", rand(3, 6, 5))])
    case("matmul_vec_mat", "MatMul", [("a", rand(6)), ("b", rand(2, 6, 4))])
    case("matmul_mat_vec", "MatMul", [("a", rand(3, 4, 6)), ("b", rand(6))])
    case("matmulinteger_zero_points", "MatMulInteger",
         [("a", ints(4, 9)), ("b", ints(9, 5)), ("a_zp", np.array(12, np.uint8)),
          ("b_zp", np.array(200, np.uint8))], out_types=[TensorProto.INT32])
    case("matmulinteger_batched_no_zp", "MatMulInteger", [("a", ints(2, 3, 8)), ("b", ints(8, 4))],
         out_types=[TensorProto.INT32])
    case("matmulinteger_b_per_column_zp", "MatMulInteger",
         [("a", ints(4, 9)), ("b", ints(9, 5)), ("a_zp", np.array(3, np.uint8)), ("b_zp", ints(5))],
         consts=["b_zp"], out_types=[TensorProto.INT32])


def elementwise_cases():
    case("relu", "Relu", [("x", rand(3, 4, 5, lo=-2, hi=2))])
    case("sigmoid", "Sigmoid", [("x", np.concatenate([rand(200, lo=-20, hi=20),
                                                    np.array([-100, -88, -30, 0, 30, 88, 100], np.float32)]))])
    case("sigmoid_large", "Sigmoid", [("x", rand(1, 3, 100, 101, lo=-8, hi=8))])
    case("clip_min_max", "Clip", [("x", rand(20, lo=-3, hi=3)), ("lo", np.array(-0.5, np.float32)),
                                  ("hi", np.array(1.25, np.float32))], consts=["lo", "hi"])
    case("clip_min_only", "Clip", [("x", rand(20, lo=-3, hi=3)), ("lo", np.array(0.1, np.float32))],
         consts=["lo"])
    case("clip_max_only", "Clip", [("x", rand(20, lo=-3, hi=3)), ("lo", None), ("hi", np.array(0.2, np.float32))],
         consts=["hi"])
    case("clip_int8", "Clip", [("x", ints(30, lo=-128, hi=127, dtype=np.int8)), ("lo", np.array(-20, np.int8)),
                               ("hi", np.array(90, np.int8))], consts=["lo", "hi"])
    case("clip_opset6_attrs", "Clip", [("x", rand(20, lo=-3, hi=3))], attrs=dict(min=-1.0, max=0.5), opset=10)
    shapes = [((2, 3, 4), (3, 1)), ((1,), (2, 3)), ((), (2, 3)), ((4, 1, 5), (1, 3, 1)), ((2, 3), (2, 3)),
              ((1, 8, 6, 6), (8, 1, 1))]
    for op in ["Add", "Sub", "Mul", "Div"]:
        for i, (sa, sb) in enumerate(shapes):
            b = rand(*sb, lo=0.5, hi=2) if op == "Div" else rand(*sb)
            case("%s_bcast%d" % (op.lower(), i), op, [("a", rand(*sa)), ("b", b)])
        case("%s_int64" % op.lower(), op, [("a", ints(3, 4, lo=-1000, hi=1000, dtype=np.int64)),
                                           ("b", ints(4, lo=1, hi=50, dtype=np.int64))])
        case("%s_int32_negative" % op.lower(), op, [("a", ints(12, lo=-100, hi=100, dtype=np.int32)),
                                                    ("b", np.array([-7, -3, -2, 2, 3, 7] * 2, np.int32))])
    case("add_uint8_wraps", "Add", [("a", ints(10, lo=100, hi=255)), ("b", ints(10, lo=100, hi=255))])
    case("mul_int64_const_scalar", "Mul", [("a", ints(5, lo=-9, hi=9, dtype=np.int64)),
                                           ("b", np.array(3, np.int64))], consts=["b"])


def cast_cases():
    f = np.array([0, 1, -1, 0.1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520, 1e-8, 6e-5, -2.5, 3.75,
                  1e10, -7.9, 255.5], dtype=np.float32)
    case("cast_f32_to_f16_rounding", "Cast", [("x", f)], attrs=dict(to=TensorProto.FLOAT16),
         out_types=[TensorProto.FLOAT16])
    case("cast_f16_to_f32", "Cast", [("x", np.clip(f, -65504, 65504).astype(np.float16))], attrs=dict(to=TensorProto.FLOAT),
         out_types=[TensorProto.FLOAT])
    inrange = np.array([0, 1.9, -1.9, 100.5, -100.5, 3e4, -3e4, 7.0], np.float32)
    for to, name in [(TensorProto.INT32, "int32"), (TensorProto.INT64, "int64"), (TensorProto.INT16, "int16")]:
        case("cast_f32_to_%s" % name, "Cast", [("x", inrange)], attrs=dict(to=to), out_types=[to])
    case("cast_f32_to_uint8", "Cast", [("x", np.array([0, 1.5, 2.9, 200.2, 255], np.float32))],
         attrs=dict(to=TensorProto.UINT8), out_types=[TensorProto.UINT8])
    case("cast_f32_to_int8", "Cast", [("x", np.array([0, 1.5, -2.9, 100.2, -128], np.float32))],
         attrs=dict(to=TensorProto.INT8), out_types=[TensorProto.INT8])
    case("cast_f32_to_bool", "Cast", [("x", np.array([0, -0.0, 1.5, -2, 1e-30], np.float32))],
         attrs=dict(to=TensorProto.BOOL), out_types=[TensorProto.BOOL])
    case("cast_bool_to_f32", "Cast", [("x", np.array([True, False, True]))], attrs=dict(to=TensorProto.FLOAT),
         out_types=[TensorProto.FLOAT])
    case("cast_int64_to_f32", "Cast", [("x", np.array([0, 1, -5, 2 ** 40 + 1, 16777217], np.int64))],
         attrs=dict(to=TensorProto.FLOAT), out_types=[TensorProto.FLOAT])
    case("cast_int32_to_f32", "Cast", [("x", ints(40, lo=-2 ** 30, hi=2 ** 30, dtype=np.int32))],
         attrs=dict(to=TensorProto.FLOAT), out_types=[TensorProto.FLOAT])
    case("cast_int64_to_int32", "Cast", [("x", np.array([0, -1, 2 ** 31 - 1, -2 ** 31, 12345], np.int64))],
         attrs=dict(to=TensorProto.INT32), out_types=[TensorProto.INT32])
    case("cast_uint8_to_int64", "Cast", [("x", ints(9))], attrs=dict(to=TensorProto.INT64),
         out_types=[TensorProto.INT64])
    case("cast_f64_to_f32", "Cast", [("x", RNG.uniform(-1e3, 1e3, 20).astype(np.float64))],
         attrs=dict(to=TensorProto.FLOAT), out_types=[TensorProto.FLOAT])
    case("cast_f32_to_f64", "Cast", [("x", rand(10))], attrs=dict(to=TensorProto.DOUBLE),
         out_types=[TensorProto.DOUBLE])
    case("cast_f64_to_f16", "Cast", [("x", np.array([1 + 2 ** -11, 0.1, 70000, -3.14159], np.float64))],
         attrs=dict(to=TensorProto.FLOAT16), out_types=[TensorProto.FLOAT16])
    case("cast_f16_to_int32", "Cast", [("x", np.array([1.5, -2.5, 1000, 0.25], np.float16))],
         attrs=dict(to=TensorProto.INT32), out_types=[TensorProto.INT32])
    case("cast_int32_to_f16", "Cast", [("x", np.array([1, -2049, 4097, 70000], np.int32))],
         attrs=dict(to=TensorProto.FLOAT16), out_types=[TensorProto.FLOAT16])


def pool_cases():
    def mp(name, x, **attrs):
        case("maxpool_" + name, "MaxPool", [("x", x)], attrs=attrs)
    mp("isnet_k2s2_ceil_odd", rand(1, 4, 33, 35), kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)
    mp("isnet_k2s2_ceil_even", rand(1, 4, 32, 32), kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1,
       pads=[0, 0, 0, 0])
    mp("k2s2_floor_odd", rand(1, 2, 7, 9), kernel_shape=[2, 2], strides=[2, 2])
    mp("k3s2_pad1_ceil", rand(1, 2, 8, 11), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
    mp("k3s2_pad1_floor", rand(1, 2, 8, 11), kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    mp("asym_pads", rand(1, 2, 7, 7), kernel_shape=[3, 2], strides=[1, 2], pads=[0, 1, 2, 0])
    mp("ceil_last_window_in_padding", rand(1, 1, 6, 6), kernel_shape=[3, 3], strides=[3, 3], pads=[0, 0, 2, 2],
       ceil_mode=1)
    mp("ceil_asym_pads_odd", rand(1, 1, 9, 10), kernel_shape=[3, 3], strides=[2, 3], pads=[1, 0, 2, 1],
       ceil_mode=1)
    mp("dilations2_ceil", rand(1, 2, 10, 9), kernel_shape=[2, 2], strides=[2, 2], dilations=[2, 2], ceil_mode=1)
    mp("dilations3_pads", rand(1, 1, 11, 12), kernel_shape=[3, 2], dilations=[3, 2], pads=[2, 1, 2, 1])
    mp("same_upper", rand(1, 2, 7, 8), kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")
    mp("same_lower", rand(1, 2, 7, 8), kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER")
    mp("valid", rand(1, 2, 7, 8), kernel_shape=[3, 2], strides=[2, 2], auto_pad="VALID")
    mp("1d", rand(2, 3, 15), kernel_shape=[3], strides=[2], pads=[1, 1], ceil_mode=1)
    mp("3d", rand(1, 2, 5, 6, 7), kernel_shape=[2, 2, 2], strides=[2, 2, 2], ceil_mode=1)
    mp("uint8", ints(1, 2, 6, 7), kernel_shape=[2, 2], strides=[2, 2])
    mp("int8", ints(1, 2, 6, 7, lo=-128, hi=127, dtype=np.int8), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    mp("negative_values", rand(1, 1, 5, 5, lo=-9, hi=-1), kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1])


def resize_cases():
    x = rand(1, 2, 5, 7)
    transforms = ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_half_pixel_for_nn"]
    up = np.array([1, 2, 9, 13], np.int64)
    down = np.array([1, 2, 3, 4], np.int64)

    def rs(name, mode, sizes=None, scales=None, roi=None, opset=13, data=None, **attrs):
        data = x if data is None else data
        inputs = [("x", data), ("roi", roi), ("scales", scales), ("sizes", sizes)]
        attrs = dict(mode=mode, **attrs)
        case("resize_" + name, "Resize", inputs, consts=["roi", "scales", "sizes"], attrs=attrs, opset=opset)

    for ct in transforms:
        for nm in ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]:
            rs("nearest_%s_%s_up" % (ct, nm), "nearest", sizes=up, coordinate_transformation_mode=ct,
               nearest_mode=nm)
            rs("nearest_%s_%s_down" % (ct, nm), "nearest", sizes=down, coordinate_transformation_mode=ct,
               nearest_mode=nm)
    for ct in transforms[:4]:
        rs("linear_%s_up_sizes" % ct, "linear", sizes=up, coordinate_transformation_mode=ct)
        rs("linear_%s_down_sizes" % ct, "linear", sizes=down, coordinate_transformation_mode=ct)
        rs("linear_%s_up_scales" % ct, "linear", scales=np.array([1, 1, 2.5, 1.5], np.float32),
           coordinate_transformation_mode=ct)
        rs("linear_%s_down_scales" % ct, "linear", scales=np.array([1, 1, 0.6, 0.5], np.float32),
           coordinate_transformation_mode=ct)
        rs("cubic_%s_up" % ct, "cubic", sizes=up, coordinate_transformation_mode=ct)
        rs("cubic_%s_down" % ct, "cubic", scales=np.array([1, 1, 0.8, 0.6], np.float32),
           coordinate_transformation_mode=ct)
    for ct in ["half_pixel", "asymmetric"]:
        rs("nearest_%s_scales_up" % ct, "nearest", scales=np.array([1, 1, 2, 3], np.float32),
           coordinate_transformation_mode=ct)
        rs("nearest_%s_scales_down" % ct, "nearest", scales=np.array([1, 1, 0.5, 0.4], np.float32),
           coordinate_transformation_mode=ct)
    rs("cubic_exclude_outside_a_n0p5", "cubic", sizes=up, cubic_coeff_a=-0.5, exclude_outside=1)
    rs("cubic_exclude_outside_down", "cubic", sizes=down, exclude_outside=1)
    rs("linear_isnet_2x", "linear", sizes=np.array([1, 2, 10, 14], np.int64), coordinate_transformation_mode="half_pixel",
       nearest_mode="floor")
    rs("linear_isnet_to_1024", "linear", data=rand(1, 1, 32, 32), sizes=np.array([1, 1, 1024, 1024], np.int64))
    rs("linear_identity_sizes", "linear", sizes=np.array([1, 2, 5, 7], np.int64))
    roi = np.array([0, 0, 0.2, 0.1, 1, 1, 0.9, 1.2], np.float32)
    rs("tf_crop_linear_extrapolate", "linear", sizes=np.array([1, 2, 6, 8], np.int64), roi=roi,
       coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-3.0)
    rs("tf_crop_nearest", "nearest", sizes=np.array([1, 2, 4, 9], np.int64), roi=roi,
       coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=7.5)
    rs("nearest_int32_data", "nearest", data=ints(1, 1, 3, 4, lo=-50, hi=50, dtype=np.int32),
       sizes=np.array([1, 1, 7, 5], np.int64))
    rs("nearest_uint8_data", "nearest", data=ints(1, 3, 4, 4), scales=np.array([1, 1, 2, 2], np.float32),
       coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    rs("linear_2d_tensor", "linear", data=rand(6, 4), sizes=np.array([9, 3], np.int64))
    # Opset 10: (X, scales), asymmetric coordinates.
    case("resize_opset10_nearest_up", "Resize", [("x", x), ("scales", np.array([1, 1, 2, 1.5], np.float32))],
         consts=["scales"], attrs=dict(mode="nearest"), opset=10)
    case("resize_opset10_nearest_down", "Resize", [("x", x), ("scales", np.array([1, 1, 0.6, 0.5], np.float32))],
         consts=["scales"], attrs=dict(mode="nearest"), opset=10)
    case("resize_opset10_linear_up", "Resize", [("x", x), ("scales", np.array([1, 1, 2, 1.5], np.float32))],
         consts=["scales"], attrs=dict(mode="linear"), opset=10)
    # Opset 11: empty scales alongside sizes.
    case("resize_opset11_empty_scales", "Resize",
         [("x", x), ("roi", np.zeros(0, np.float32)), ("scales", np.zeros(0, np.float32)), ("sizes", up)],
         consts=["roi", "scales", "sizes"], attrs=dict(mode="linear"), opset=11)
    # Opset 19: axes, keep_aspect_ratio_policy, half_pixel_symmetric.
    rs("opset19_axes_sizes", "linear", sizes=np.array([8, 4], np.int64), opset=19, axes=[2, 3])
    rs("opset19_keep_ratio_not_larger", "linear", sizes=np.array([1, 2, 20, 20], np.int64), opset=19,
       keep_aspect_ratio_policy="not_larger")
    rs("opset19_keep_ratio_not_smaller", "nearest", sizes=np.array([1, 2, 3, 3], np.int64), opset=19,
       keep_aspect_ratio_policy="not_smaller")
    rs("opset19_half_pixel_symmetric", "linear", scales=np.array([1, 1, 1.7, 0.7], np.float32), opset=19,
       coordinate_transformation_mode="half_pixel_symmetric")


def tensor_cases():
    case("concat_axis1", "Concat", [("a", rand(2, 3, 4)), ("b", rand(2, 1, 4)), ("c", rand(2, 5, 4))],
         attrs=dict(axis=1))
    case("concat_negative_axis", "Concat", [("a", rand(2, 3)), ("b", rand(2, 2))], attrs=dict(axis=-1))
    case("concat_int64_with_empty", "Concat", [("a", np.array([1, 2], np.int64)), ("b", np.zeros(0, np.int64)),
                                               ("c", np.array([3], np.int64))], attrs=dict(axis=0))
    x = rand(2, 3, 4)
    case("reshape_zero_and_minus1", "Reshape", [("x", x), ("s", np.array([0, -1, 2], np.int64))], consts=["s"],
         opset=14)
    case("reshape_allowzero", "Reshape", [("x", np.zeros((0, 3), np.float32)), ("s", np.array([3, 0], np.int64))],
         consts=["s"], attrs=dict(allowzero=1), opset=14)
    case("reshape_to_1d", "Reshape", [("x", x), ("s", np.array([-1], np.int64))], consts=["s"])
    for name, attrs in [("all", {}), ("start1", dict(start=1)), ("end_neg1", dict(end=-1)),
                        ("start_neg3_end3", dict(start=-3, end=3)), ("clip", dict(start=-10, end=10))]:
        case("shape_" + name, "Shape", [("x", rand(2, 3, 4, 5))], attrs=attrs, opset=15,
             out_types=[TensorProto.INT64])

    def sl(name, data, starts, ends, axes=None, steps=None, opset=13):
        ins = [("x", data), ("starts", np.array(starts, np.int64)), ("ends", np.array(ends, np.int64)),
               ("axes", None if axes is None else np.array(axes, np.int64)),
               ("steps", None if steps is None else np.array(steps, np.int64))]
        case("slice_" + name, "Slice", ins, consts=["starts", "ends", "axes", "steps"], opset=opset)
    d = rand(4, 6, 5)
    sl("basic", d, [1, 0], [3, 4], [0, 1])
    sl("negative_steps", d, [-1, 4], [-100, 0], [1, 2], [-2, -1])
    sl("negative_axes", d, [1], [-1], [-1])
    sl("clamped", d, [-100, 2], [100, 1000], [0, 2])
    sl("empty_result", d, [3], [1], [1])
    sl("int64_max_end", d, [2], [2 ** 63 - 1], [0], [1])
    sl("int64_min_end_reverse", d, [5], [-2 ** 63], [1], [-1])
    sl("step3", d, [0, 1], [6, 5], [1, 2], [3, 2])
    sl("opset10_no_steps", d, [0, 1], [2, 3], [0, 2], opset=10)
    case("slice_opset1_attrs", "Slice", [("x", d)], attrs=dict(starts=[1, -3], ends=[1000, -1], axes=[0, 1]),
         opset=9)
    case("constant_tensor", "Constant", [], attrs=dict(value=numpy_helper.from_array(rand(2, 3), "v")),
         out_types=[TensorProto.FLOAT])
    case("constant_value_floats", "Constant", [], attrs=dict(value_floats=[1.5, -2.0]),
         out_types=[TensorProto.FLOAT])
    case("constant_value_int", "Constant", [], attrs=dict(value_int=7), out_types=[TensorProto.INT64])
    case("constant_value_ints", "Constant", [], attrs=dict(value_ints=[3, 4, 5]), out_types=[TensorProto.INT64])
    case("identity", "Identity", [("x", rand(3, 2))])
    case("unsqueeze_opset13", "Unsqueeze", [("x", rand(3, 4)), ("axes", np.array([0, -1], np.int64))],
         consts=["axes"])
    case("unsqueeze_opset11_attr", "Unsqueeze", [("x", rand(3, 4))], attrs=dict(axes=[1]), opset=11)
    case("squeeze_axes", "Squeeze", [("x", rand(1, 3, 1, 4)), ("axes", np.array([-2], np.int64))], consts=["axes"])
    case("squeeze_all", "Squeeze", [("x", rand(1, 3, 1, 4))])
    for axis in [0, 2, -1]:
        case("flatten_axis%s" % str(axis).replace("-", "neg"), "Flatten", [("x", rand(2, 3, 4))],
             attrs=dict(axis=axis))
    case("gather_axis0_2d_indices", "Gather", [("x", rand(5, 3)), ("i", np.array([[0, 4], [2, 2]], np.int64))],
         attrs=dict(axis=0))
    case("gather_axis1_negative", "Gather", [("x", rand(2, 5, 3)), ("i", np.array([-1, 0, -5], np.int64))],
         attrs=dict(axis=1))
    case("gather_int32_indices_scalar", "Gather", [("x", np.arange(12, dtype=np.int64).reshape(3, 4)),
                                                   ("i", np.array(2, np.int32))], attrs=dict(axis=1))


def layout_cases():
    """Pad (pads/constant_value/axes as initializers, as in real models) and Transpose."""
    x = rand(1, 6, 5, 7)
    def pads(*v):
        return np.array(v, np.int64)
    # BlazeFace's channel padding: NCHW, zeros appended to the channels.
    case("pad_channels", "Pad", [("x", x), ("pads", pads(0, 0, 0, 0, 0, 10, 0, 0))], consts=["pads"],
         attrs=dict(mode="constant"), opset=13)
    case("pad_spatial_value", "Pad", [("x", x), ("pads", pads(0, 0, 1, 2, 0, 0, 3, 0)),
                                        ("v", np.array(-1.5, np.float32))], consts=["pads", "v"],
         attrs=dict(mode="constant"), opset=13)
    case("pad_negative_crop", "Pad", [("x", x), ("pads", pads(0, -1, 2, -3, 0, 1, -2, 1))], consts=["pads"],
         attrs=dict(mode="constant"), opset=13)
    case("pad_reflect", "Pad", [("x", x), ("pads", pads(0, 0, 2, 3, 0, 0, 4, 6))], consts=["pads"],
         attrs=dict(mode="reflect"), opset=13)
    case("pad_edge", "Pad", [("x", x), ("pads", pads(0, 2, 3, 1, 0, 1, 0, 5))], consts=["pads"],
         attrs=dict(mode="edge"), opset=13)
    case("pad_axes_opset18", "Pad", [("x", x), ("pads", pads(1, 2, 3, 4)), ("v", None), ("axes", np.array([-1, 1], np.int64))],
         consts=["pads", "axes"], attrs=dict(mode="constant"), opset=18)
    case("pad_uint8_value", "Pad", [("x", ints(3, 4)), ("pads", pads(1, 0, 2, 3)), ("v", np.array(7, np.uint8))],
         consts=["pads", "v"], attrs=dict(mode="constant"), opset=13)
    # Pad-2 (attributes), the form up to opset 10; bgone imports opsets from 7.
    case("pad_opset7_attrs", "Pad", [("x", rand(2, 3, 4))], attrs=dict(mode="constant", pads=[0, 1, 2, 0, 0, 1], value=0.25),
         opset=7)
    for perm in ([0, 2, 3, 1], [0, 3, 1, 2], [3, 2, 1, 0], [1, 0, 3, 2]):
        case("transpose_4d_" + "".join(map(str, perm)), "Transpose", [("x", rand(2, 3, 4, 5))], attrs=dict(perm=perm))
    case("transpose_default_3d", "Transpose", [("x", rand(3, 4, 5))])
    case("transpose_2d_int64", "Transpose", [("x", ints(5, 7, hi=1000, dtype=np.int64))], attrs=dict(perm=[1, 0]))
    case("transpose_5d_uint8", "Transpose", [("x", ints(2, 3, 1, 4, 2))], attrs=dict(perm=[4, 0, 3, 1, 2]))
    case("transpose_nhwc_wide", "Transpose", [("x", rand(1, 24, 16, 16))], attrs=dict(perm=[0, 2, 3, 1]))
    # Pad: the opset 11 input form, reflect/edge beside crops, fill values that must stay exact.
    case("pad_opset11_reflect", "Pad", [("x", rand(1, 3, 6, 5)), ("pads", pads(0, 0, 2, 1, 0, 0, 1, 3))],
         consts=["pads"], attrs=dict(mode="reflect"), opset=11)
    case("pad_edge_channels", "Pad", [("x", rand(1, 4, 3, 5)), ("pads", pads(0, 1, 1, 0, 0, 2, 0, 1))],
         consts=["pads"], attrs=dict(mode="edge"), opset=13)
    case("pad_reflect_with_crop", "Pad", [("x", rand(1, 2, 5, 6)), ("pads", pads(0, 0, -1, 2, 0, 0, 1, -2))],
         consts=["pads"], attrs=dict(mode="reflect"), opset=13)
    case("pad_int64_value_exact", "Pad", [("x", ints(3, 2, hi=1000, dtype=np.int64)), ("pads", pads(1, 1, 0, 2)),
                                          ("v", np.array(2**60 + 3, np.int64))], consts=["pads", "v"],
         attrs=dict(mode="constant"), opset=13)
    case("pad_float64_value", "Pad", [("x", rand(2, 3).astype(np.float64)), ("pads", pads(0, 1, 1, 0)),
                                      ("v", np.array(0.1, np.float64))], consts=["pads", "v"],
         attrs=dict(mode="constant"), opset=13)
    case("pad_channels_large", "Pad", [("x", rand(1, 24, 32, 32)), ("pads", pads(0, 0, 0, 0, 0, 24, 0, 0))],
         consts=["pads"], attrs=dict(mode="constant"), opset=13)
    # Transpose: tiles that do not divide the sizes, sizes large enough to use the thread pool,
    # axes of size 1 (dropped) and axes that stay adjacent (merged), 1/2/8-byte elements (float16
    # graphs run widened to float32, so int16 stands for the 2-byte case).
    case("transpose_2d_odd_tiles", "Transpose", [("x", rand(37, 45))], attrs=dict(perm=[1, 0]))
    case("transpose_2d_threaded", "Transpose", [("x", rand(300, 517))], attrs=dict(perm=[1, 0]))
    case("transpose_nhwc_threaded", "Transpose", [("x", rand(1, 32, 64, 80))], attrs=dict(perm=[0, 2, 3, 1]))
    case("transpose_nchw_from_nhwc_threaded", "Transpose", [("x", rand(1, 64, 80, 3))], attrs=dict(perm=[0, 3, 1, 2]))
    case("transpose_5d_unit_axes", "Transpose", [("x", rand(2, 1, 3, 1, 5))], attrs=dict(perm=[4, 1, 0, 3, 2]))
    case("transpose_keep_last_axis", "Transpose", [("x", rand(4, 5, 6))], attrs=dict(perm=[1, 0, 2]))
    case("transpose_1d_default", "Transpose", [("x", rand(7))])
    case("transpose_int16", "Transpose", [("x", ints(3, 4, 5, lo=-30000, hi=30000, dtype=np.int16))],
         attrs=dict(perm=[2, 0, 1]))
    case("transpose_4d_int64", "Transpose", [("x", ints(2, 3, 4, 5, hi=10**6, dtype=np.int64))],
         attrs=dict(perm=[2, 0, 3, 1]))
    case("transpose_bool", "Transpose", [("x", ints(3, 4, 2, hi=1).astype(np.bool_))], attrs=dict(perm=[2, 0, 1]))


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    conv_cases()
    conv_integer_cases()
    dql_cases()
    dequantize_cases()
    matmul_cases()
    elementwise_cases()
    cast_cases()
    pool_cases()
    resize_cases()
    tensor_cases()
    layout_cases()
    write_all(sys.argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
