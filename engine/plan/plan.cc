#include "engine/plan/plan.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <string>
#include <utility>

#include "engine/common/load_profile.h"

namespace bgone {
namespace {
#ifdef NDEBUG
constexpr bool kPoisonUnwrittenOutputs = false;
#else
constexpr bool kPoisonUnwrittenOutputs = true;
#endif

// Convolutions with a constant weight tensor: their kernels do the load's real work (packing,
// converting), independently of each other.
bool CreatesInParallel(const ir::Graph& g, const ir::Node& node) {
  const bool conv = (node.domain.empty() && node.op_type == "Conv") ||
                    (node.domain == "bgone" && node.op_type == "FusedConv");
  return conv && node.inputs.size() > 1 && node.inputs[1] != ir::kNoValue &&
         g.value(node.inputs[1]).constant.has_value();
}

// The kernel of node `n` (whose op has a schema that is not a view), with the node named in
// an error.
StatusOr<std::unique_ptr<Kernel>> CreateKernel(ir::Graph& g, size_t n, const OpSchema& schema) {
  InferContext ctx(g, n);
  auto kernel = schema.create(ctx);
  if (!kernel.ok()) return kernel.status().WithContext(g.DescribeNode(n));
  return kernel;
}

}  // namespace

StatusOr<std::unique_ptr<Plan>> Plan::Build(ir::Graph graph, ThreadPool* pool) {
  auto plan = std::unique_ptr<Plan>(new Plan());
  plan->graph_ = std::move(graph);
  ir::Graph& g = plan->graph_;
  BG_ASSIGN_OR_RETURN(std::vector<size_t> order, g.TopologicalOrder());
  // With several threads, the convolutions' kernels are created first, on all of them: the
  // heaviest first, each to the thread with the least weight bytes so far (a fixed assignment).
  // Creation only reads the graph. The weights they packed are released by the loop below as
  // before, but only once every kernel exists, so the load's peak holds them a little longer.
  std::vector<std::unique_ptr<Kernel>> early(order.size());
  std::vector<Status> early_status(order.size());
  std::vector<bool> created_early(order.size(), false);  // set before the parallel part only
  const int threads = pool != nullptr ? pool->num_threads() : 1;
  if (threads > 1) {
    LoadStopwatch early_watch;
    std::vector<std::pair<uint64_t, size_t>> heavy;  // (weight bytes, step)
    for (size_t s = 0; s < order.size(); ++s) {
      const ir::Node& node = g.nodes()[order[s]];
      const OpSchema* schema = FindOpSchema(node.domain, node.op_type);
      if (schema != nullptr && !schema->output_is_view_of_input0 && CreatesInParallel(g, node)) {
        heavy.emplace_back(g.value(node.inputs[1]).constant->bytes(), s);
      }
    }
    std::stable_sort(heavy.begin(), heavy.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::vector<size_t>> bucket(static_cast<size_t>(threads));
    std::vector<uint64_t> load(static_cast<size_t>(threads), 0);
    for (const auto& [bytes, s] : heavy) {
      const size_t t = static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
      bucket[t].push_back(s);
      load[t] += bytes + 1;
      created_early[s] = true;
    }
    ParallelFor(pool, threads, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        for (size_t s : bucket[static_cast<size_t>(t)]) {
          const ir::Node& node = g.nodes()[order[s]];
          try {
            auto kernel = CreateKernel(g, order[s], *FindOpSchema(node.domain, node.op_type));
            if (kernel.ok()) {
              early[s] = std::move(kernel).value();
            } else {
              early_status[s] = kernel.status();
            }
          } catch (const std::bad_alloc&) {  // ParallelFor's functions must not throw
            early_status[s] = ResourceExhaustedError("out of memory while preparing the model")
                                  .WithContext(g.DescribeNode(order[s]));
          }
        }
      }
    });
    early_watch.Lap("  kernels of the convolutions, on all threads");
  }
  std::vector<int64_t> last_use(static_cast<size_t>(g.num_values()), -1);
  for (size_t s = 0; s < order.size(); ++s) {
    for (ir::ValueId in : g.nodes()[order[s]].inputs) {
      if (in != ir::kNoValue) last_use[static_cast<size_t>(in)] = static_cast<int64_t>(s);
    }
  }
  std::vector<bool> keep(static_cast<size_t>(g.num_values()), false);
  for (ir::ValueId o : g.outputs()) keep[static_cast<size_t>(o)] = true;
  // Constants that no step reads at run time (weights the kernels packed at create time) are
  // freed as soon as their last reader's kernel exists, so the packed copies and the originals
  // (for an fp16 model, the widened fp32 ones) are never all alive at once.
  std::vector<int> pending(static_cast<size_t>(g.num_values()), 0);
  for (size_t s = 0; s < order.size(); ++s) {
    for (ir::ValueId in : g.nodes()[order[s]].inputs) {
      if (in != ir::kNoValue) ++pending[static_cast<size_t>(in)];
    }
  }
  std::vector<bool> needed = keep;
  LoadStopwatch watch;  // kernel create time per op type, when BGONE_PROFILE_LOAD is on
  std::map<std::string, std::pair<double, int>> create_ms;
  plan->released_.assign(static_cast<size_t>(g.num_values()), false);
  for (size_t s = 0; s < order.size(); ++s) {
    Step step;
    step.node = order[s];
    const ir::Node& node = g.nodes()[step.node];
    step.schema = FindOpSchema(node.domain, node.op_type);
    if (step.schema == nullptr) {
      return UnsupportedError(g.DescribeNode(step.node) + ": operator not supported");
    }
    if (created_early[s]) {
      if (!early_status[s].ok()) return early_status[s];
      step.kernel = std::move(early[s]);
    } else if (!step.schema->output_is_view_of_input0) {
      BG_ASSIGN_OR_RETURN(step.kernel, CreateKernel(g, step.node, *step.schema));
      if (watch.enabled()) {
        auto& [ms, count] = create_ms[node.op_type];
        ms += watch.LapMs();
        ++count;
      }
    }
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      ir::ValueId in = node.inputs[i];
      if (in == ir::kNoValue) continue;
      size_t v = static_cast<size_t>(in);
      if (step.kernel == nullptr || step.kernel->NeedsInputAtRun(static_cast<int>(i))) needed[v] = true;
      ir::Value& val = g.value(in);
      if (--pending[v] == 0 && !needed[v] && val.constant.has_value() && !plan->released_[v]) {
        plan->constant_bytes_released_ += val.constant->bytes();
        val.constant = Tensor();  // still a constant, but its bytes are gone
        plan->released_[v] = true;
      }
    }
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue) continue;
      size_t v = static_cast<size_t>(in);
      if (last_use[v] == static_cast<int64_t>(s) && !keep[v] && !g.value(in).constant.has_value()) {
        step.release_after.push_back(in);
        last_use[v] = -2;  // listed once even if the node reads it twice
      }
    }
    // Outputs nobody reads are released at once.
    for (ir::ValueId out : node.outputs) {
      if (out != ir::kNoValue && last_use[static_cast<size_t>(out)] == -1 && !keep[static_cast<size_t>(out)]) {
        step.release_after.push_back(out);
      }
    }
    // Work estimate: output elements, times the weights per output for ops with a weight tensor
    // of rank >= 2 as input 1 (Conv: C/group * kH * kW, MatMul/Gemm-like: K).
    if (!step.schema->output_is_view_of_input0) {
      double out_elems = 0;
      for (ir::ValueId out : node.outputs) {
        if (out != ir::kNoValue && g.value(out).shape) out_elems += static_cast<double>(NumElements(*g.value(out).shape));
      }
      double per = 1;
      if (node.inputs.size() > 1 && node.inputs[1] != ir::kNoValue && g.value(node.inputs[1]).shape) {
        const Shape& w = *g.value(node.inputs[1]).shape;
        if (w.size() >= 2 && (node.op_type.find("Conv") != std::string::npos || node.op_type.find("MatMul") != std::string::npos)) {
          double prod = 1;
          for (size_t d = 1; d < w.size(); ++d) prod *= static_cast<double>(w[d]);
          if (node.op_type.find("MatMul") != std::string::npos) prod = static_cast<double>(w[w.size() - 2]);
          per = std::max(1.0, prod);
        }
      }
      step.cost = out_elems * per;
      plan->total_cost_ += step.cost;
    }
    plan->steps_.push_back(std::move(step));
  }
  for (const auto& [op, t] : create_ms) {
    std::fprintf(stderr, "bgone load:   kernels %s (%d) %.1f ms\n", op.c_str(), t.second, t.first);
  }
  watch.LapMs();
  BG_RETURN_IF_ERROR(plan->PlanMemory());
  watch.Lap("  memory plan");
  return plan;
}

Status Plan::PlanMemory() {
  const ir::Graph& g = graph_;
  const size_t nv = static_cast<size_t>(g.num_values());
  const int64_t num_steps = static_cast<int64_t>(steps_.size());
  constexpr uint64_t kAlign = 64;
  auto bytes_of = [&](ir::ValueId id) -> uint64_t {
    const ir::Value& v = g.value(id);
    uint64_t b = static_cast<uint64_t>(NumElements(*v.shape)) * DTypeSize(v.dtype);
    return (b + kAlign - 1) / kAlign * kAlign;
  };
  // Direct uses: the last step that reads each value.
  std::vector<int64_t> last_direct(nv, -1);
  for (int64_t s = 0; s < num_steps; ++s) {
    for (ir::ValueId in : g.nodes()[steps_[static_cast<size_t>(s)].node].inputs) {
      if (in != ir::kNoValue) last_direct[static_cast<size_t>(in)] = s;
    }
  }
  std::vector<bool> is_output(nv, false);
  for (ir::ValueId o : g.outputs()) is_output[static_cast<size_t>(o)] = true;
  // Each value's buffer owner ("root"): itself, the input it is a view of, or the dying input an
  // elementwise op writes over. def = the step producing a root (-1: graph input or constant).
  std::vector<ir::ValueId> root(nv);
  for (size_t v = 0; v < nv; ++v) root[v] = static_cast<ir::ValueId>(v);
  std::vector<int64_t> def(nv, -1), last(nv, -1), in_place_step(nv, -1);
  in_place_.assign(nv, false);
  for (int64_t s = 0; s < num_steps; ++s) {
    const Step& step = steps_[static_cast<size_t>(s)];
    const ir::Node& node = g.nodes()[step.node];
    if (step.schema->output_is_view_of_input0) {
      ir::ValueId out = node.outputs[0];
      ir::ValueId r = root[static_cast<size_t>(node.inputs[0])];
      root[static_cast<size_t>(out)] = r;
      last[static_cast<size_t>(r)] = std::max(last[static_cast<size_t>(r)], last_direct[static_cast<size_t>(out)]);
      continue;
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      ir::ValueId out = node.outputs[k];
      if (out == ir::kNoValue) continue;
      size_t o = static_cast<size_t>(out);
      ir::ValueId target = ir::kNoValue;
      if (step.schema->elementwise && node.outputs.size() == 1 && !is_output[o]) {
        for (ir::ValueId in : node.inputs) {
          if (in == ir::kNoValue || released_[static_cast<size_t>(in)]) continue;
          size_t r = static_cast<size_t>(root[static_cast<size_t>(in)]);
          const ir::Value& iv = g.value(in);
          if (def[r] >= 0 && last[r] == s && !is_output[r] && iv.dtype == g.value(out).dtype &&
              *iv.shape == *g.value(out).shape && bytes_of(static_cast<ir::ValueId>(r)) >= bytes_of(out)) {
            target = static_cast<ir::ValueId>(r);
            break;
          }
        }
      }
      if (target != ir::kNoValue) {
        root[o] = target;
        in_place_[o] = true;
        in_place_step[o] = s;
        size_t r = static_cast<size_t>(target);
        last[r] = std::max(last[r], last_direct[o]);
      } else {
        def[o] = s;
        last[o] = std::max(s, last_direct[o]);
      }
    }
  }
  // Roots that back a graph output are handed to the caller: fresh buffers, not the arena.
  std::vector<bool> external(nv, false);
  for (ir::ValueId o : g.outputs()) external[static_cast<size_t>(root[static_cast<size_t>(o)])] = true;
  // Copy-free Concat: when the concatenation axis is outermost (all dims before it are 1), each
  // input is one contiguous slice of the output, so the buffer producing it is placed right there
  // and the Concat kernel finds nothing to copy. Not done where an elementwise op later writes
  // over the output or over an input in place (it would overwrite the other's bytes).
  std::vector<size_t> parent(nv, nv);   // the Concat output whose slice this root is
  std::vector<uint64_t> rel(nv, 0);     // byte offset of that slice
  std::vector<int64_t> last_in_place(nv, -1);
  for (size_t v = 0; v < nv; ++v) {
    if (in_place_[v]) {
      size_t r = static_cast<size_t>(root[v]);
      last_in_place[r] = std::max(last_in_place[r], in_place_step[v]);
    }
  }
  skip_zero_fill_.assign(nv, false);
  for (int64_t s = 0; s < num_steps; ++s) {
    const ir::Node& node = g.nodes()[steps_[static_cast<size_t>(s)].node];
    if (node.op_type != "Concat" || !node.domain.empty() || node.outputs.size() != 1) continue;
    size_t o = static_cast<size_t>(node.outputs[0]);
    if (root[o] != static_cast<ir::ValueId>(o) || def[o] != s || external[o] || last_in_place[o] >= 0) continue;
    const Shape& os = *g.value(node.outputs[0]).shape;
    auto axis = AttrInt(node, "axis", 0);
    if (!axis.ok()) continue;
    int64_t a = *axis < 0 ? *axis + static_cast<int64_t>(os.size()) : *axis;
    int64_t outer = 1;
    for (int64_t d = 0; d < a; ++d) outer *= os[static_cast<size_t>(d)];
    if (outer != 1) continue;
    uint64_t at = 0;
    bool any = false;
    for (ir::ValueId in : node.inputs) {
      const ir::Value& iv = g.value(in);
      uint64_t exact = static_cast<uint64_t>(NumElements(*iv.shape)) * DTypeSize(iv.dtype);
      size_t r = static_cast<size_t>(root[static_cast<size_t>(in)]);
      bool ok = def[r] >= 0 && def[r] < s && !external[r] && r != o && parent[r] == nv &&
                at % kAlign == 0 && bytes_of(static_cast<ir::ValueId>(r)) == (exact + kAlign - 1) / kAlign * kAlign &&
                static_cast<uint64_t>(NumElements(*g.value(static_cast<ir::ValueId>(r)).shape)) *
                        DTypeSize(g.value(static_cast<ir::ValueId>(r)).dtype) == exact &&
                last_in_place[r] <= s;
      if (ok) {
        parent[r] = o;
        rel[r] = at;
        any = true;
        ++memory_.concat_inputs_in_place;
      }
      at += exact;
    }
    if (any) skip_zero_fill_[o] = true;
  }
  auto top = [&](size_t v) {
    while (parent[v] != nv) v = parent[v];
    return v;
  };
  struct Buffer {
    size_t value;
    uint64_t size, offset;
    int64_t first, last;
  };
  std::vector<Buffer> buffers;
  std::vector<size_t> buffer_of(nv, nv);
  for (size_t v = 0; v < nv; ++v) {
    if (root[v] == static_cast<ir::ValueId>(v) && def[v] >= 0 && !external[v] && parent[v] == nv) {
      buffer_of[v] = buffers.size();
      buffers.push_back({v, bytes_of(static_cast<ir::ValueId>(v)), 0, def[v], last[v]});
    }
    if (root[v] != static_cast<ir::ValueId>(v)) memory_.in_place_values += in_place_[v] ? 1 : 0;
  }
  // A group's lifetime covers every slice placed in it.
  for (size_t v = 0; v < nv; ++v) {
    if (parent[v] == nv) continue;
    Buffer& b = buffers[buffer_of[top(v)]];
    b.first = std::min(b.first, def[v]);
    b.last = std::max(b.last, last[v]);
  }
  // Greedy by size: largest first, each at the lowest offset free during its whole lifetime.
  std::vector<size_t> order(buffers.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return buffers[a].size > buffers[b].size;
  });
  std::vector<size_t> placed;
  uint64_t arena = 0;
  for (size_t i : order) {
    Buffer& b = buffers[i];
    std::vector<std::pair<uint64_t, uint64_t>> busy;  // [offset, end) of overlapping lifetimes
    for (size_t j : placed) {
      const Buffer& p = buffers[j];
      if (p.first <= b.last && b.first <= p.last) busy.push_back({p.offset, p.offset + p.size});
    }
    std::sort(busy.begin(), busy.end());
    uint64_t at = 0;
    for (const auto& [begin, end] : busy) {
      if (begin >= at + b.size) break;  // fits in the gap before this one
      at = std::max(at, end);
    }
    b.offset = at;
    arena = std::max(arena, at + b.size);
    placed.push_back(i);
  }
  offset_.assign(nv, kNotInArena);
  for (const Buffer& b : buffers) offset_[b.value] = b.offset;
  // Slices: offset of the group plus the offsets down the chain (nested Concats).
  for (size_t v = 0; v < nv; ++v) {
    if (parent[v] == nv) continue;
    uint64_t off = 0;
    size_t u = v;
    while (parent[u] != nv) {
      off += rel[u];
      u = parent[u];
    }
    offset_[v] = offset_[u] + off;
  }
  for (size_t v = 0; v < nv; ++v) {
    size_t r = static_cast<size_t>(root[v]);
    if (r != v && in_place_[v] && offset_[r] != kNotInArena) offset_[v] = offset_[r];
  }
  // A value written in place over a root that ended up outside the arena cannot share it.
  for (size_t v = 0; v < nv; ++v) {
    if (in_place_[v] && offset_[v] == kNotInArena) in_place_[v] = false;
  }
  memory_.arena_bytes = arena;
  memory_.arena_values = static_cast<int>(buffers.size());
  for (const Buffer& b : buffers) memory_.total_value_bytes += b.size;
  for (int64_t s = 0; s < num_steps; ++s) {
    uint64_t live = 0;
    for (const Buffer& b : buffers) {
      if (b.first <= s && s <= b.last) live += b.size;
    }
    memory_.peak_live_bytes = std::max(memory_.peak_live_bytes, live);
  }
  return OkStatus();
}

Status Plan::Execute(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
                     ThreadPool* pool, const std::function<void(double)>& progress) {
  double done = 0, reported = 0;
  const ir::Graph& g = graph_;
  if (inputs.size() != g.inputs().size()) {
    return InvalidArgumentError("expected " + std::to_string(g.inputs().size()) + " inputs, got " +
                                std::to_string(inputs.size()));
  }
  if (arena_.empty() && memory_.arena_bytes > 0) {
    auto arena = Tensor::AllocateUninitialized(DType::kUInt8, {static_cast<int64_t>(memory_.arena_bytes)});
    if (!arena.ok()) return arena.status().WithContext("activation arena");
    arena_ = std::move(arena).value();
  }
  std::vector<Tensor> slots(static_cast<size_t>(g.num_values()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Value& v = g.value(g.inputs()[i]);
    if (inputs[i].dtype() != v.dtype || inputs[i].shape() != *v.shape) {
      return InvalidArgumentError("input '" + v.name + "': expected " + DTypeName(v.dtype) + " " +
                                  ShapeToString(*v.shape) + ", got " + DTypeName(inputs[i].dtype()) +
                                  " " + ShapeToString(inputs[i].shape()));
    }
    slots[static_cast<size_t>(g.inputs()[i])] = inputs[i];
  }
  auto get = [&](ir::ValueId id) -> const Tensor* {
    const ir::Value& v = g.value(id);
    if (v.constant.has_value()) return &*v.constant;
    const Tensor& t = slots[static_cast<size_t>(id)];
    return t.empty() ? nullptr : &t;
  };
  // BGONE_PROFILE_OPS=1: wall time of each op type, printed to stderr after every run (for
  // finding where time goes, e.g. what scales badly with threads; not used by the benchmarks);
  // =2 also prints every node's time as it finishes.
  static const int profile = [] {
    const char* e = std::getenv("BGONE_PROFILE_OPS");
#ifdef BGONE_PROFILE_OPS_DEFAULT  // for builds without an environment (browsers)
    if (e == nullptr) return BGONE_PROFILE_OPS_DEFAULT;
#endif
    return e == nullptr ? 0 : std::atoi(e);
  }();
  std::map<std::string, std::pair<double, int>> op_ms;
  const auto run_t0 = std::chrono::steady_clock::now();
  for (Step& step : steps_) {
    const ir::Node& node = g.nodes()[step.node];
    if (step.schema->output_is_view_of_input0) {
      const Tensor* in = get(node.inputs[0]);
      if (in == nullptr) return InternalError(g.DescribeNode(step.node) + ": input not computed");
      slots[static_cast<size_t>(node.outputs[0])] = in->Reshaped(*g.value(node.outputs[0]).shape);
    } else {
      KernelContext kc;
      kc.pool = pool;
      kc.inputs.reserve(node.inputs.size());
      for (ir::ValueId in : node.inputs) {
        if (in != ir::kNoValue && released_[static_cast<size_t>(in)]) {
          kc.inputs.push_back(nullptr);  // the kernel said it does not read it
          continue;
        }
        const Tensor* t = in == ir::kNoValue ? nullptr : get(in);
        if (in != ir::kNoValue && t == nullptr) {
          return InternalError(g.DescribeNode(step.node) + ": input '" + g.value(in).name +
                               "' not computed");
        }
        kc.inputs.push_back(t);
      }
      for (ir::ValueId out : node.outputs) {
        if (out == ir::kNoValue) {
          kc.outputs.push_back(nullptr);
          continue;
        }
        const ir::Value& v = g.value(out);
        size_t o = static_cast<size_t>(out);
        StatusOr<Tensor> t = offset_[o] == kNotInArena
                                 ? Tensor::Allocate(v.dtype, *v.shape)
                                 : Tensor::ViewInto(arena_, offset_[o], v.dtype, *v.shape);
        if (!t.ok()) return t.status().WithContext(g.DescribeNode(step.node));
        // Kernels get zero-filled outputs, except where the output is written over an input or
        // the kernel writes every element anyway (debug builds poison those instead).
        if (offset_[o] != kNotInArena && !in_place_[o] && !skip_zero_fill_[o]) {
          if (!step.schema->writes_all_outputs) {
            std::memset(t->raw(), 0, t->bytes());
          } else if (kPoisonUnwrittenOutputs) {
            std::memset(t->raw(), 0xFF, t->bytes());
          }
        }
        slots[o] = std::move(t).value();
        kc.outputs.push_back(&slots[static_cast<size_t>(out)]);
      }
      const auto t0 = profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      Status s = step.kernel->Run(kc);
      if (!s.ok()) return s.WithContext(g.DescribeNode(step.node));
      if (profile) {
        const double step_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        auto& [ms, count] = op_ms[node.op_type];
        ms += step_ms;
        ++count;
        if (profile >= 2) {
          std::fprintf(stderr, "  node %s: %.3f ms\n", g.DescribeNode(step.node).c_str(), step_ms);
        }
      }
    }
    for (ir::ValueId v : step.release_after) slots[static_cast<size_t>(v)] = Tensor();
    if (progress && total_cost_ > 0) {
      done += step.cost;
      double f = std::min(1.0, done / total_cost_);
      if (f - reported >= 0.01) {
        reported = f;
        progress(f);
      }
    }
  }
  if (progress && reported < 1.0) progress(1.0);
  if (profile) {
    const double total =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - run_t0).count();
    std::fprintf(stderr, "bgone op profile: %.1f ms in all\n", total);
    for (const auto& [op, v] : op_ms) {
      std::fprintf(stderr, "  %-28s %8.1f ms %5.1f%% (%d nodes)\n", op.c_str(), v.first,
                   100.0 * v.first / total, v.second);
    }
  }
  outputs->clear();
  for (ir::ValueId o : g.outputs()) {
    const Tensor* t = get(o);
    if (t == nullptr) return InternalError("output '" + g.value(o).name + "' not computed");
    outputs->push_back(*t);
  }
  return OkStatus();
}

}  // namespace bgone
