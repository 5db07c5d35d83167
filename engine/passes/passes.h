// Graph rewrites run when a Session is prepared. Each pass keeps the graph valid and reports
// problems as errors naming the node.
#pragma once

#include <vector>

#include "engine/common/status.h"
#include "engine/ir/graph.h"

namespace bgone::passes {

// Gives every graph input a concrete shape. `shapes` may be empty when the model fixes all
// dims; otherwise one shape per input, matching rank and any fixed dims.
Status SpecializeInputShapes(ir::Graph& graph, const std::vector<Shape>& shapes);

// Makes the interior of the graph compute in float32: fp16 constants are widened, Cast(to fp16)
// becomes Cast(to fp32), fp16 graph inputs get a Cast to fp32 after them and fp16 graph outputs a
// Cast back. Only storage and rounding of intermediates change, not the maths. Constants used only
// as Conv weights stay fp16 (the Conv kernel widens them while packing).
Status WidenFloat16(ir::Graph& graph);

// Walks the graph in topological order, checks each node against its op schema, infers every
// output's dtype and shape, and (when `fold`) evaluates nodes whose inputs are all constant.
// Folded nodes are removed. `folded` receives the number of folded nodes.
Status InferShapesAndFold(ir::Graph& graph, bool fold, int* folded);

// Reroutes the readers of every Cast whose output dtype equals its input's (after WidenFloat16, the
// fp16 model's Cast(to fp16) around its float32 Resizes) to the Cast's input, so the copy is not
// made; the Cast itself is left dead for PruneToOutputs. Casts producing graph outputs stay. Needs
// inferred dtypes. `removed` receives the number of Casts bypassed.
Status BypassIdentityCasts(ir::Graph& graph, int* removed);

// Keeps only the named outputs (all when empty), then drops nodes and constants nothing needs.
Status PruneToOutputs(ir::Graph& graph, const std::vector<std::string>& outputs);

// Replaces Conv -> Relu with bgone.FusedConv and the dequantisation chain of dynamically quantised
// models, ConvInteger -> Cast(float) -> Mul(scale) -> Add(per-channel bias) [-> Relu], with
// bgone.FusedConvInteger. The fused kernels do the same arithmetic in the same order, so outputs
// are bit-identical; they only skip writing and re-reading the intermediate tensors. Needs
// inferred shapes; `fused` receives the number of fused groups.
Status FuseConvolutions(ir::Graph& graph, int* fused);

// Rewrites Conv(x, DequantizeLinear(q, scale), b) with constant int8 q, a per-tensor or
// per-output-channel (axis 0) float32 scale and no zero point (or zeros) as
// bgone.FusedConv(x, q, b, scale[out_c]) without activation: the convolution then keeps the int8
// weights (a quarter of the float32 size) and dequantizes them in its weight transform or while
// packing, computing float(q) * scale exactly as the DequantizeLinear node would, so outputs are
// bit-identical to folding it. Other DequantizeLinear nodes are left to constant folding. Runs
// before InferShapesAndFold (which would fold the dequantization); the DequantizeLinear nodes left
// without readers are removed by PruneToOutputs. `absorbed` receives the number of Convs rewritten.
Status AbsorbWeightDequantize(ir::Graph& graph, int* absorbed);

// Fails naming the first node whose op is not implemented.
Status CheckOpsSupported(const ir::Graph& graph);

}  // namespace bgone::passes
