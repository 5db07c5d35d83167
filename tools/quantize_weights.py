#!/usr/bin/python3
"""Writes a weight-only int8 or int4 variant of a float32 ONNX model (IS-Net: every Conv).

    /usr/bin/python3 tools/quantize_weights.py IN.onnx OUT.onnx [--bits 8|4] [--block B]
                                              [--min-elements N]

IN is a float32 model such as `isnet-fp32.onnx` (tools/convert_fp16_to_fp32.py makes it from the
fp16 download). Each Conv whose weight is an initializer with at least N elements (default 1024)
gets int8 weights with one scale per output channel, symmetric (zero point 0):

    scale[o] = max |w[o, ...]| / 127   (1 for an all-zero channel)
    q = round_half_to_even(w / scale[o]), clamped to [-127, 127]

and reads them through a standard `DequantizeLinear(q, scale, axis=0)` node (opset 13+), so the
file stays plain ONNX that ONNX Runtime runs as well as bgone.

With --bits 4 the weights become ONNX INT4 (two per byte) with one scale per block of B input
channels (default 64) at each output channel and kernel tap, symmetric:

    scale[o, b, ky, kx] = max |w[o, c, ky, kx]| / 7 over the block's channels c
    q = round_half_to_even(w / scale), clamped to [-7, 7]

read through `DequantizeLinear(q, scale, axis=1, block_size=B)`, which needs opset 21: the model's
opset import is raised to 21 (IS-Net's other ops mean the same there) and its IR version to 10.
Debian's onnx 1.12 predates both, so a 4-bit file is not passed through onnx.checker; the tests
load it in ONNX Runtime instead. Activations and biases stay float32;
nothing else changes. The result is checked with onnx.checker and written atomically (OUT.tmp,
then rename). Prints the tensors quantized and the largest relative weight error.

Needs Debian's python3-onnx and python3-numpy (use /usr/bin/python3, not a bare pyenv python).
"""

import argparse
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
except ImportError as e:  # pragma: no cover
    sys.exit(f"quantize_weights: {e}; run with /usr/bin/python3 (apt-get install python3-onnx python3-numpy)")


def quantize_per_channel(w):
    """Symmetric int8 per output channel (axis 0). Returns (q int8, scale float32[O])."""
    flat = w.reshape(w.shape[0], -1).astype(np.float32)
    peak = np.abs(flat).max(axis=1)
    scale = np.where(peak > 0, peak / np.float32(127), np.float32(1)).astype(np.float32)
    q = np.rint(flat / scale[:, None])  # numpy rounds half to even
    q = np.clip(q, -127, 127).astype(np.int8)
    return q.reshape(w.shape), scale


def quantize_blocked_int4(w, block):
    """Symmetric int4 per block of `block` indices along axis 1. Returns (q int8 in [-7, 7],
    scale float32 of w's shape with axis 1 = ceil(C / block))."""
    c = w.shape[1]
    blocks = (c + block - 1) // block
    pad = blocks * block - c
    wp = np.pad(w.astype(np.float32), [(0, 0), (0, pad)] + [(0, 0)] * (w.ndim - 2))
    grouped = wp.reshape((w.shape[0], blocks, block) + w.shape[2:])
    peak = np.abs(grouped).max(axis=2)
    scale = np.where(peak > 0, peak / np.float32(7), np.float32(1)).astype(np.float32)
    q = np.rint(grouped / np.expand_dims(scale, 2))
    q = np.clip(q, -7, 7).astype(np.int8).reshape(wp.shape)[:, :c]
    return np.ascontiguousarray(q), scale


def int4_tensor(q, name):
    """ONNX INT4 TensorProto (data_type 22): two values per byte, the first in the low nibble."""
    flat = q.astype(np.int8).reshape(-1)
    if flat.size % 2:
        flat = np.concatenate([flat, np.zeros(1, np.int8)])
    nib = (flat.astype(np.uint8) & 0x0F)
    packed = (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)
    t = onnx.TensorProto()
    t.name = name
    t.dims.extend(q.shape)
    t.data_type = 22  # INT4 (onnx >= 1.16 calls it TensorProto.INT4)
    t.raw_data = packed.tobytes()
    return t


def unique_name(base, taken):
    name, k = base, 1
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def quantize_model(model, min_elements, bits=8, block=64):
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    uses = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1
    taken = set(inits) | {v for n in graph.node for v in list(n.input) + list(n.output)}
    taken |= {v.name for v in list(graph.input) + list(graph.output)}
    new_nodes, stats = [], {"tensors": 0, "bytes_before": 0, "bytes_after": 0, "max_rel_err": 0.0}
    replaced = {}
    for node in graph.node:
        if node.op_type == "Conv" and len(node.input) > 1 and node.input[1] in inits:
            wname = node.input[1]
            t = inits[wname]
            if t.data_type != onnx.TensorProto.FLOAT:
                raise ValueError(f"Conv weight '{wname}' is {onnx.TensorProto.DataType.Name(t.data_type)}: "
                                 "quantize a float32 model (tools/convert_fp16_to_fp32.py first)")
            w = numpy_helper.to_array(t)
            if w.size >= min_elements and w.ndim >= 2:
                if wname not in replaced:
                    sname = unique_name(wname + "_scale", taken)
                    dname = unique_name(wname + "_dequantized", taken)
                    if bits == 8:
                        q, scale = quantize_per_channel(w)
                        qname = unique_name(wname + "_int8", taken)
                        graph.initializer.append(numpy_helper.from_array(q, qname))
                        new_nodes.append(helper.make_node("DequantizeLinear", [qname, sname], [dname],
                                                          name=dname, axis=0))
                        back = q.reshape(w.shape[0], -1).astype(np.float32) * scale[:, None]
                        stats["bytes_after"] += q.size + scale.size * 4
                    else:
                        q, scale = quantize_blocked_int4(w, block)
                        qname = unique_name(wname + "_int4", taken)
                        graph.initializer.append(int4_tensor(q, qname))
                        new_nodes.append(helper.make_node("DequantizeLinear", [qname, sname], [dname],
                                                          name=dname, axis=1, block_size=block))
                        back = (q.astype(np.float32) * np.repeat(scale, block, axis=1)[:, :w.shape[1]])
                        back = back.reshape(w.shape[0], -1)
                        stats["bytes_after"] += (q.size + 1) // 2 + scale.size * 4
                    graph.initializer.append(numpy_helper.from_array(scale, sname))
                    replaced[wname] = dname
                    peak = np.abs(w.reshape(w.shape[0], -1)).max(axis=1, keepdims=True)
                    err = np.abs(back - w.reshape(w.shape[0], -1)) / np.where(peak > 0, peak, 1)
                    stats["max_rel_err"] = max(stats["max_rel_err"], float(err.max()))
                    stats["tensors"] += 1
                    stats["bytes_before"] += w.size * 4
                node.input[1] = replaced[wname]
        new_nodes.append(node)
    # Drop the float weights nothing reads any more.
    still_used = {name for node in new_nodes for name in node.input}
    keep = [t for t in graph.initializer if t.name in still_used or t.name not in replaced]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    del graph.node[:]
    graph.node.extend(new_nodes)
    opset = next((o for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is None or opset.version < 13:
        raise ValueError("per-channel DequantizeLinear needs opset 13 or later in the default domain")
    if bits == 4:
        # Blocked DequantizeLinear and INT4 are opset 21 / IR version 10.
        opset.version = max(opset.version, 21)
        model.ir_version = max(model.ir_version, 10)
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--min-elements", type=int, default=1024,
                    help="quantize Conv weights with at least this many elements (default 1024)")
    ap.add_argument("--bits", type=int, choices=(8, 4), default=8, help="weight bits (default 8)")
    ap.add_argument("--block", type=int, default=64,
                    help="4-bit: input channels per scale (default 64)")
    args = ap.parse_args()
    if args.block < 1:
        sys.exit("quantize_weights: --block must be at least 1")
    try:
        model = onnx.load(args.input)
    except Exception as e:  # noqa: BLE001 - any parse failure is the user's bad file
        sys.exit(f"quantize_weights: cannot read {args.input}: {e}")
    try:
        stats = quantize_model(model, args.min_elements, args.bits, args.block)
        if args.bits == 8:
            onnx.checker.check_model(model)
    except (ValueError, onnx.checker.ValidationError) as e:
        sys.exit(f"quantize_weights: {args.input}: {e}")
    tmp = args.output + ".tmp"
    try:
        onnx.save(model, tmp)
        os.replace(tmp, args.output)
    except OSError as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        sys.exit(f"quantize_weights: cannot write {args.output}: {e}")
    what = "int8 per output channel" if args.bits == 8 else f"int4 in blocks of {args.block} channels"
    print(f"quantize_weights: {stats['tensors']} Conv weights to {what} "
          f"({stats['bytes_before'] / 1e6:.1f} MB -> {stats['bytes_after'] / 1e6:.1f} MB), "
          f"largest error {stats['max_rel_err']:.4f} of a channel's peak; wrote {args.output} "
          f"({os.path.getsize(args.output):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
