#include "model/layers.h"

#include <cmath>
#include <algorithm>
#include <cstring>

#include "kernels/attn_ops.h"
#include "kernels/type_traits.h"

namespace ledge::model {

namespace {

// Runs f(t0, t1) over chunks of rows [0, T) on st.pool (when there is one
// and more than one chunk), else on the caller. Each row is computed the
// same way whichever thread runs it.
template <typename F>
void for_row_chunks(const ForwardState& st, int rows_per_task, F&& f) {
  const int64_t n_tasks = (int64_t(st.T) + rows_per_task - 1) / rows_per_task;
  auto task = [&](int64_t i, int) {
    const int t0 = int(i) * rows_per_task;
    f(t0, std::min(st.T, t0 + rows_per_task));
  };
  if (st.pool != nullptr && st.pool->size() > 1 && n_tasks > 1) {
    // parallel_for only fails on nested/concurrent use, which the engine's
    // single forward thread never does; fall back to the caller if it ever did.
    if (st.pool->parallel_for(n_tasks, task).ok()) return;
  }
  for (int64_t i = 0; i < n_tasks; ++i) task(i, 0);
}

}  // namespace

void rms_norm(const ForwardState& st, const Tensor& w, const float* x, float* out) {
  const int n = st.hp->n_embd;
  const float* wf = w.f32();
  for_row_chunks(st, 16, [&](int t0, int t1) {
    for (int t = t0; t < t1; ++t) {
      const float* xr = x + size_t(t) * n;
      float* o = out + size_t(t) * n;
      // Sum of squares in double, mean and scale in float: the reference's order.
      double sum = 0.0;
      for (int i = 0; i < n; ++i) sum += double(xr[i] * xr[i]);
      const float mean = float(sum / n);
      const float scale = 1.0f / std::sqrt(mean + st.hp->rms_eps);
      for (int i = 0; i < n; ++i) o[i] = (xr[i] * scale) * wf[i];
    }
  });
}

void add_bias(const ForwardState& st, const Tensor& b, float* y) {
  const int64_t n = b.ne0;
  const float* bf = b.f32();
  for (int t = 0; t < st.T; ++t)
    for (int64_t i = 0; i < n; ++i) y[size_t(t) * n + i] += bf[i];
}

void rope(const ForwardState& st, float* x, int n_heads) {
  const HParams& hp = *st.hp;
  const int half = hp.n_rot / 2;
  for_row_chunks(st, 16, [&](int t0, int t1) {
    for (int t = t0; t < t1; ++t) {
      const float* c = st.rope_cos.data() + size_t(t) * half;
      const float* s = st.rope_sin.data() + size_t(t) * half;
      for (int h = 0; h < n_heads; ++h) {
        float* v = x + (size_t(t) * n_heads + h) * hp.head_dim;
        for (int i = 0; i < half; ++i) {
          // Normal style pairs adjacent dims; NeoX pairs dim i with i + n_rot/2.
          const int i0 = hp.rope_style == RopeStyle::kNormal ? 2 * i : i;
          const int i1 = hp.rope_style == RopeStyle::kNormal ? 2 * i + 1 : i + half;
          const float a = v[i0], b = v[i1];
          // As the reference's compiled code: the first product of each line fused.
          v[i0] = std::fma(a, c[i], -(b * s[i]));
          v[i1] = std::fma(a, s[i], b * c[i]);
        }
      }
    }
  });
}

void swiglu(ForwardState& st) {
  // kernels::peer::swiglu's arithmetic (the reference) or its bit-identical SIMD twin.
  const auto swiglu_row = kernels::attn::ops().swiglu;
  const size_t n = size_t(st.hp->n_ff);
  for_row_chunks(st, 4, [&](int t0, int t1) {
    for (int t = t0; t < t1; ++t) swiglu_row(int64_t(n), st.gate.data() + t * n, st.up.data() + t * n);
  });
}

void add_residual(ForwardState& st, const float* y) {
  const size_t n = size_t(st.T) * st.hp->n_embd;
  for (size_t i = 0; i < n; ++i) st.x[i] += y[i];
}

void self_attention_block(ForwardState& st, const LayerWeights& lw, int il) {
  const HParams& hp = *st.hp;
  rms_norm(st, lw.attn_norm, st.x.data(), st.xn.data());
  linear(st, lw.wq, st.xn.data(), st.q.data());
  linear(st, lw.wk, st.xn.data(), st.k.data());
  linear(st, lw.wv, st.xn.data(), st.v.data());
  if (lw.bq.present()) add_bias(st, lw.bq, st.q.data());
  if (lw.bk.present()) add_bias(st, lw.bk, st.k.data());
  if (lw.bv.present()) add_bias(st, lw.bv, st.v.data());
  rope(st, st.q.data(), hp.n_head);
  rope(st, st.k.data(), hp.n_head_kv);
  attention(st, il);
  linear(st, lw.wo, st.attn.data(), st.sub.data());
  add_residual(st, st.sub.data());
}

void swiglu_ffn_block(ForwardState& st, const LayerWeights& lw) {
  rms_norm(st, lw.ffn_norm, st.x.data(), st.xn.data());
  linear(st, lw.ffn_gate, st.xn.data(), st.gate.data());
  linear(st, lw.ffn_up, st.xn.data(), st.up.data());
  swiglu(st);
  linear(st, lw.ffn_down, st.gate.data(), st.sub.data());
  add_residual(st, st.sub.data());
}

}  // namespace ledge::model
