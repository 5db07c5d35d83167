#!/usr/bin/python3
"""Writes a weight-only int8 variant of a float32 ONNX model (IS-Net: every Conv).

    /usr/bin/python3 tools/quantize_weights.py IN.onnx OUT.onnx [--min-elements N]

IN is a float32 model such as `isnet-fp32.onnx` (tools/convert_fp16_to_fp32.py makes it from the
fp16 download). Each Conv whose weight is an initializer with at least N elements (default 1024)
gets int8 weights with one scale per output channel, symmetric (zero point 0):

    scale[o] = max |w[o, ...]| / 127   (1 for an all-zero channel)
    q = round_half_to_even(w / scale[o]), clamped to [-127, 127]

and reads them through a standard `DequantizeLinear(q, scale, axis=0)` node (opset 13+), so the
file stays plain ONNX that ONNX Runtime runs as well as bgone. Activations and biases stay float32;
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


def unique_name(base, taken):
    name, k = base, 1
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def quantize_model(model, min_elements):
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
                    q, scale = quantize_per_channel(w)
                    qname = unique_name(wname + "_int8", taken)
                    sname = unique_name(wname + "_scale", taken)
                    dname = unique_name(wname + "_dequantized", taken)
                    graph.initializer.append(numpy_helper.from_array(q, qname))
                    graph.initializer.append(numpy_helper.from_array(scale, sname))
                    new_nodes.append(helper.make_node("DequantizeLinear", [qname, sname], [dname],
                                                      name=dname, axis=0))
                    replaced[wname] = dname
                    back = q.reshape(w.shape[0], -1).astype(np.float32) * scale[:, None]
                    peak = np.abs(w.reshape(w.shape[0], -1)).max(axis=1, keepdims=True)
                    err = np.abs(back - w.reshape(w.shape[0], -1)) / np.where(peak > 0, peak, 1)
                    stats["max_rel_err"] = max(stats["max_rel_err"], float(err.max()))
                    stats["tensors"] += 1
                    stats["bytes_before"] += w.size * 4
                    stats["bytes_after"] += q.size + scale.size * 4
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
    return stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--min-elements", type=int, default=1024,
                    help="quantize Conv weights with at least this many elements (default 1024)")
    args = ap.parse_args()
    try:
        model = onnx.load(args.input)
    except Exception as e:  # noqa: BLE001 - any parse failure is the user's bad file
        sys.exit(f"quantize_weights: cannot read {args.input}: {e}")
    try:
        stats = quantize_model(model, args.min_elements)
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
    print(f"quantize_weights: {stats['tensors']} Conv weights to int8 per output channel "
          f"({stats['bytes_before'] / 1e6:.1f} MB -> {stats['bytes_after'] / 1e6:.1f} MB), "
          f"largest error {stats['max_rel_err']:.4f} of a channel's peak; wrote {args.output} "
          f"({os.path.getsize(args.output):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
