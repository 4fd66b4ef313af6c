// Matrix products of the forward pass: activations quantized to the weight
// type's dot-product format, then the type's gemm (or vec_dot) kernel over
// chunks of output rows on the thread pool.
#include "model/layers.h"

#include <algorithm>

#include "kernels/type_traits.h"

namespace ledge::model {

void linear(ForwardState& st, const Tensor& w, const float* in, float* out) {
  const int64_t n_in = w.ne0;
  const int64_t n_out = w.ne1;
  const int T = st.T;
  // The table holds the reference's arithmetic (kernels::peer::install_as_reference)
  // with SIMD twins where this CPU has them; bind() checked the type is supported.
  const kernels::TypeInfo& wt = *kernels::type_info(w.type);
  const kernels::QuantizeRowFn quantize = kernels::type_info(wt.vec_dot_type)->kernels.quantize;
  const kernels::VecDotFn dot = wt.kernels.vec_dot;
  const size_t act_row = kernels::row_bytes(wt.vec_dot_type, n_in);
  uint8_t* act = st.act.data();  // [T][act_row]
  // Quantize every activation row once; each weight row is then streamed once
  // for the whole batch.
  auto quantize_rows = [&](int64_t t, int) { quantize(in + size_t(t) * n_in, act + size_t(t) * act_row, n_in); };
  // Output rows are split into chunks of 16 (64 bytes of each output row per
  // task, so threads never write the same cache line). Every element is one
  // vec_dot whichever thread runs it: results do not depend on the thread count.
  constexpr int64_t kRowsPerTask = 16;
  const kernels::GemmFn gemm = wt.kernels.gemm;
  const size_t w_row = kernels::row_bytes(w.type, n_in);
  auto dot_rows = [&](int64_t task, int) {
    const int64_t r0 = task * kRowsPerTask;
    const int64_t r1 = std::min(n_out, r0 + kRowsPerTask);
    if (gemm != nullptr) {
      gemm(n_in, w.row(r0), w_row, r1 - r0, act, act_row, T, out + r0, size_t(n_out));
      return;
    }
    for (int64_t r = r0; r < r1; ++r) {
      const uint8_t* wr = w.row(r);
      for (int t = 0; t < T; ++t) out[size_t(t) * n_out + r] = dot(n_in, wr, act + size_t(t) * act_row);
    }
  };
  const int64_t n_tasks = (n_out + kRowsPerTask - 1) / kRowsPerTask;
  if (st.pool != nullptr && st.pool->size() > 1) {
    // parallel_for only fails on nested/concurrent use, which the engine's
    // single forward thread never does; fall back to the caller if it ever did.
    if (!st.pool->parallel_for(T, quantize_rows).ok())
      for (int t = 0; t < T; ++t) quantize_rows(t, 0);
    if (!st.pool->parallel_for(n_tasks, dot_rows).ok())
      for (int64_t k = 0; k < n_tasks; ++k) dot_rows(k, 0);
    return;
  }
  for (int t = 0; t < T; ++t) quantize_rows(t, 0);
  for (int64_t k = 0; k < n_tasks; ++k) dot_rows(k, 0);
}

}  // namespace ledge::model
