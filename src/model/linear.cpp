// Matrix products of the forward pass: activations quantized to the weight
// type's dot-product format, then the type's gemm (or vec_dot) kernel over
// blocks of output rows on the thread pool.
#include "model/layers.h"

#include <algorithm>

#include "kernels/type_traits.h"

namespace ledge::model {

namespace {

// Output rows per task: a multiple of 16 (64 bytes of each output row, so
// two tasks never write the same cache line, and whole tiles of the gemm
// kernels), sized for about 8 tasks per thread: enough to balance uneven
// progress, few enough that claiming a task (one contended atomic) stays
// small next to it, and large enough that a gemm call reuses what it
// prepares per call (packed activations) over many rows. Results do not
// depend on it: every output is computed whole by one kernel call.
int64_t rows_per_task(int64_t n_out, int n_threads) {
  constexpr int64_t kAlign = 16;
  const int64_t target_tasks = int64_t(n_threads) * 8;
  const int64_t rows = (n_out + target_tasks - 1) / target_tasks;
  return std::max<int64_t>(kAlign, (rows + kAlign - 1) / kAlign * kAlign);
}

}  // namespace

void linear(ForwardState& st, const Tensor& w, const float* in, float* out) {
  const int64_t n_in = w.ne0;
  const int64_t n_out = w.ne1;
  const int T = st.T;
  // The table holds the reference's arithmetic (kernels::peer::install_as_reference)
  // with SIMD twins where this CPU has them; bind() checked the type is supported.
  const kernels::TypeInfo& wt = *kernels::type_info(w.type);
  const kernels::QuantizeRowFn quantize = kernels::type_info(wt.vec_dot_type)->kernels.quantize;
  const kernels::VecDotFn dot = wt.kernels.vec_dot;
  const kernels::GemmFn gemm = wt.kernels.gemm;
  const size_t act_row = kernels::row_bytes(wt.vec_dot_type, n_in);
  const size_t w_row = kernels::row_bytes(w.type, n_in);
  uint8_t* act = st.act.data();  // [T][act_row]
  // Quantize every activation row once; each weight row is then streamed once
  // for the whole batch.
  auto quantize_rows = [&](int64_t t, int) { quantize(in + size_t(t) * n_in, act + size_t(t) * act_row, n_in); };
  // out [T][n_out]: each task computes rows [r0, r1) for every activation row,
  // with the gemm kernel (register-tiled over rows x activations, each
  // output bit-identical to one vec_dot) or, for types without one, one
  // vec_dot per output. Whichever thread runs a task, every element is the
  // same computation: results do not depend on the thread count.
  const int n_threads = st.pool != nullptr ? st.pool->size() : 1;
  const int64_t rows = rows_per_task(n_out, n_threads);
  auto dot_rows = [&](int64_t task, int) {
    const int64_t r0 = task * rows;
    const int64_t r1 = std::min(n_out, r0 + rows);
    if (gemm != nullptr) {
      gemm(n_in, w.row(r0), w_row, r1 - r0, act, act_row, T, out + r0, size_t(n_out));
      return;
    }
    for (int64_t r = r0; r < r1; ++r) {
      const uint8_t* wr = w.row(r);
      for (int t = 0; t < T; ++t) out[size_t(t) * n_out + r] = dot(n_in, wr, act + size_t(t) * act_row);
    }
  };
  const int64_t n_tasks = (n_out + rows - 1) / rows;
  if (n_threads > 1) {
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
