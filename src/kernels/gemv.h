// Reference matrix-vector / matrix-matrix products for the forward pass:
// y[r] = W[r, :] . x for a weight matrix W of any supported type, computed as
// llama.cpp's CPU backend does: x is quantized once to W's vec_dot_type, then
// every row is one vec_dot (so results carry the activation rounding too).
#pragma once

#include <cstdint>
#include <vector>

#include "common/status.h"
#include "kernels/type_traits.h"

namespace ledge::kernels {

// Buffer for the quantized activations, reusable across calls (grows as
// needed) so the steady state allocates nothing.
struct GemvScratch {
  std::vector<uint8_t> act;
};

// W: `rows` rows of `n` elements of type wtype, each row_bytes(wtype, n)
// bytes, contiguous. x: n floats. y: rows floats.
Status gemv(TensorType wtype, const void* w, int64_t rows, int64_t n, const float* x, float* y,
            GemvScratch& scratch);

// Batched form: X is n_tokens x n (row-major), Y is n_tokens x rows:
// Y[t, r] = W[r, :] . X[t, :]. Each token's activation row is quantized once.
Status matmul(TensorType wtype, const void* w, int64_t rows, int64_t n, const float* x, int64_t n_tokens,
              float* y, GemvScratch& scratch);

}  // namespace ledge::kernels
