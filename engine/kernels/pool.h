// Pooling helpers shared with tests.
#pragma once

#include <cstdint>

#include "engine/common/status.h"

namespace bgone::kernels {

// Output length of one pooled axis. With ceil_mode the last partial window is kept unless it
// would start beyond the input and its leading padding (ONNX Runtime / PyTorch rule).
StatusOr<int64_t> PoolOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                 int64_t pad_begin, int64_t pad_end, bool ceil_mode);

}  // namespace bgone::kernels
