// Arguments of a gemm call (type_traits.h GemmFn) as the x86 tile kernels
// read them: ISA-independent, shared by the per-ISA translation units.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace ledge::kernels {

struct GemmArgs {
  int64_t nb;  // 32-blocks per row
  const uint8_t* w;
  size_t w_stride;
  int64_t n_rows;
  const uint8_t* act;
  size_t act_stride;
  int64_t n_cols;
  float* out;
  size_t out_stride;

  // Rows / columns past the edge read the last one (their results are
  // dropped), so edge tiles run the same code as full ones.
  template <typename Block>
  const Block* w_row(int64_t r) const {
    return reinterpret_cast<const Block*>(w + size_t(std::min(r, n_rows - 1)) * w_stride);
  }
  template <typename Block>
  const Block* act_row(int64_t c) const {
    return reinterpret_cast<const Block*>(act + size_t(std::min(c, n_cols - 1)) * act_stride);
  }
  void store(int64_t r, int64_t c, float v) const {
    if (r < n_rows && c < n_cols) out[size_t(c) * out_stride + size_t(r)] = v;
  }
};

}  // namespace ledge::kernels
