#!/usr/bin/python3
"""Converts an fp16 ONNX model (IS-Net "medium") into an equivalent fp32 model.

    /usr/bin/python3 tools/convert_fp16_to_fp32.py IN.onnx OUT.onnx

Widens every float16 tensor to float32: initializers, tensor attributes (Constant values and the
like, also inside subgraphs), Cast(to=FLOAT16) becomes Cast(to=FLOAT), and the element types of
graph inputs, outputs and value_info. Node names and topology stay as they are. IMG.LY's fp16
file lists its nodes out of order (the Cast nodes added by the fp16 conversion sit at the end, after
their consumers), which onnx.checker rejects, so the nodes are also put in a stable topological
order: each node moves only as far as its inputs require. The result is checked with onnx.checker
(with shape inference) and written atomically (OUT.tmp, then rename).

Needs Debian's python3-onnx and python3-numpy (use /usr/bin/python3, not a bare pyenv python).
"""

import argparse
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # pragma: no cover
    sys.exit(f"convert_fp16_to_fp32: {e}; run with /usr/bin/python3 (apt-get install python3-onnx python3-numpy)")

FLOAT = onnx.TensorProto.FLOAT
FLOAT16 = onnx.TensorProto.FLOAT16


class Counts:
    def __init__(self):
        self.tensors = 0
        self.casts = 0
        self.types = 0
        self.moved = 0


def widen_tensor(tensor, counts):
    """Rewrites a float16 TensorProto in place as float32 (same name and dims)."""
    if tensor.data_type != FLOAT16:
        return
    if tensor.data_location == onnx.TensorProto.EXTERNAL:
        raise ValueError(f"tensor '{tensor.name}' uses external data; load it first")
    values = numpy_helper.to_array(tensor).astype(np.float32)
    widened = numpy_helper.from_array(values, tensor.name)
    if tensor.doc_string:
        widened.doc_string = tensor.doc_string
    tensor.CopyFrom(widened)
    counts.tensors += 1


def widen_type(type_proto, counts):
    """Changes float16 element types to float32 in a TypeProto (tensors, sequences, maps, optionals)."""
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        if type_proto.tensor_type.elem_type == FLOAT16:
            type_proto.tensor_type.elem_type = FLOAT
            counts.types += 1
    elif kind == "sparse_tensor_type":
        if type_proto.sparse_tensor_type.elem_type == FLOAT16:
            type_proto.sparse_tensor_type.elem_type = FLOAT
            counts.types += 1
    elif kind == "sequence_type":
        widen_type(type_proto.sequence_type.elem_type, counts)
    elif kind == "map_type":
        widen_type(type_proto.map_type.value_type, counts)
    elif kind == "optional_type":
        widen_type(type_proto.optional_type.elem_type, counts)


def widen_graph(graph, counts):
    for init in graph.initializer:
        widen_tensor(init, counts)
    for sparse in graph.sparse_initializer:
        widen_tensor(sparse.values, counts)
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        widen_type(value.type, counts)
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                widen_tensor(attr.t, counts)
            elif attr.type == onnx.AttributeProto.TENSORS:
                for t in attr.tensors:
                    widen_tensor(t, counts)
            elif attr.type == onnx.AttributeProto.SPARSE_TENSOR:
                widen_tensor(attr.sparse_tensor.values, counts)
            elif attr.type == onnx.AttributeProto.GRAPH:
                widen_graph(attr.g, counts)
            elif attr.type == onnx.AttributeProto.GRAPHS:
                for g in attr.graphs:
                    widen_graph(g, counts)
            elif attr.type == onnx.AttributeProto.TYPE_PROTO:
                widen_type(attr.tp, counts)
            # Cast(to=FLOAT16), CastLike targets come from tensors, EyeLike/RandomX have `dtype`.
            if attr.name in ("to", "dtype") and attr.type == onnx.AttributeProto.INT and attr.i == FLOAT16:
                attr.i = FLOAT
                counts.casts += 1


def topological_sort(graph):
    """Reorders graph.node stably (smallest original index first among ready nodes).

    Returns how many nodes were listed before one of their producers. Raises ValueError on a cycle or a missing input.
    """
    import heapq

    nodes = list(graph.node)
    available = {""} | {v.name for v in graph.input} | {t.name for t in graph.initializer}
    available |= {t.values.name for t in graph.sparse_initializer}
    producers = {}
    for i, node in enumerate(nodes):
        for out in node.output:
            if out:
                producers[out] = i
    # Subgraph references to outer values are not tracked: this model has no subgraphs.
    missing = [0] * len(nodes)
    consumers = [[] for _ in nodes]
    for i, node in enumerate(nodes):
        for name in set(node.input):
            if name in available:
                continue
            if name not in producers:
                raise ValueError(f"node {i} ({node.op_type} '{node.name}'): input '{name}' is never produced")
            missing[i] += 1
            consumers[producers[name]].append(i)
    ready = [i for i in range(len(nodes)) if missing[i] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in consumers[i]:
            missing[j] -= 1
            if missing[j] == 0:
                heapq.heappush(ready, j)
    if len(order) != len(nodes):
        raise ValueError("the graph has a cycle")
    # Nodes listed before one of their producers in the input.
    moved = sum(1 for i, node in enumerate(nodes) if any(producers.get(n, -1) > i for n in node.input))
    sorted_nodes = [onnx.NodeProto() for _ in order]
    for dst, i in zip(sorted_nodes, order):
        dst.CopyFrom(nodes[i])
    del graph.node[:]
    graph.node.extend(sorted_nodes)
    return moved


def convert(model):
    if model.functions:
        raise ValueError("models with local functions are not supported")
    counts = Counts()
    widen_graph(model.graph, counts)
    counts.moved = topological_sort(model.graph)
    return counts


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="fp16 model (.onnx)")
    parser.add_argument("output", help="fp32 model to write (.onnx)")
    args = parser.parse_args(argv)

    model = onnx.load(args.input)
    try:
        counts = convert(model)
    except ValueError as e:
        print(f"convert_fp16_to_fp32: {args.input}: {e}", file=sys.stderr)
        return 1
    onnx.checker.check_model(model, full_check=True)

    tmp = args.output + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, args.output)
    print(
        f"convert_fp16_to_fp32: {args.output}: widened {counts.tensors} tensors, "
        f"{counts.casts} casts, {counts.types} value types, {counts.moved} nodes were out of order "
        f"({os.path.getsize(args.output):,} bytes)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
