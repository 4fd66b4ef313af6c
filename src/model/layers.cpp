#include "model/layers.h"

#include <cmath>
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/type_traits.h"

namespace ledge::model {

void rms_norm(const ForwardState& st, const Tensor& w, const float* x, float* out) {
  const int n = st.hp->n_embd;
  const float* wf = w.f32();
  for (int t = 0; t < st.T; ++t) {
    const float* xr = x + size_t(t) * n;
    float* o = out + size_t(t) * n;
    // Sum of squares in double, mean and scale in float: the reference's order.
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += double(xr[i] * xr[i]);
    const float mean = float(sum / n);
    const float scale = 1.0f / std::sqrt(mean + st.hp->rms_eps);
    for (int i = 0; i < n; ++i) o[i] = (xr[i] * scale) * wf[i];
  }
}

void linear(ForwardState& st, const Tensor& w, const float* in, float* out) {
  const int64_t n_in = w.ne0;
  const int64_t n_out = w.ne1;
  const kernels::TypeInfo& wt = *kernels::type_info(w.type);  // bind() checked support
  const kernels::TypeInfo& at = *kernels::type_info(wt.vec_dot_type);
  const size_t act_row = kernels::row_bytes(wt.vec_dot_type, n_in);
  // Quantize every activation row once; each weight row is then streamed once
  // for the whole batch.
  for (int t = 0; t < st.T; ++t)
    at.kernels.quantize(in + size_t(t) * n_in, st.act.data() + size_t(t) * act_row, n_in);
  for (int64_t r = 0; r < n_out; ++r) {
    const uint8_t* wr = w.row(r);
    for (int t = 0; t < st.T; ++t)
      out[size_t(t) * n_out + r] = wt.kernels.vec_dot(n_in, wr, st.act.data() + size_t(t) * act_row);
  }
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
  for (int t = 0; t < st.T; ++t) {
    const float* c = st.rope_cos.data() + size_t(t) * half;
    const float* s = st.rope_sin.data() + size_t(t) * half;
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + (size_t(t) * n_heads + h) * hp.head_dim;
      for (int i = 0; i < half; ++i) {
        // Normal style pairs adjacent dims; NeoX pairs dim i with i + n_rot/2.
        const int i0 = hp.rope_style == RopeStyle::kNormal ? 2 * i : i;
        const int i1 = hp.rope_style == RopeStyle::kNormal ? 2 * i + 1 : i + half;
        const float a = v[i0], b = v[i1];
        v[i0] = a * c[i] - b * s[i];
        v[i1] = a * s[i] + b * c[i];
      }
    }
  }
}

namespace {

void store_kv(ForwardState& st, int il) {
  const int kv_dim = st.hp->kv_dim();
  const bool f16 = st.cache->config().type == kv::KvType::F16;
  for (int t = 0; t < st.T; ++t) {
    const BatchToken& bt = st.batch[t];
    const float* k = st.k.data() + size_t(t) * kv_dim;
    const float* v = st.v.data() + size_t(t) * kv_dim;
    uint8_t* kd = st.cache->k_row(il, bt.seq, bt.pos);
    uint8_t* vd = st.cache->v_row(il, bt.seq, bt.pos);
    if (f16) {
      kernels::fp32_to_fp16_row(k, reinterpret_cast<uint16_t*>(kd), kv_dim);
      kernels::fp32_to_fp16_row(v, reinterpret_cast<uint16_t*>(vd), kv_dim);
    } else {
      std::memcpy(kd, k, sizeof(float) * kv_dim);
      std::memcpy(vd, v, sizeof(float) * kv_dim);
    }
  }
}

// F16 cache: mirrors the reference's fused CPU attention (the default there):
// the query is rounded to F16, scores are F16·F16 dots accumulated in float,
// softmax is online, and the weighted value sum is accumulated in F16.
void attend_f16(ForwardState& st, int il, const BatchToken& bt, const float* q, float* out, int kv_head) {
  const int hd = st.hp->head_dim;
  const float scale = 1.0f / std::sqrt(float(hd));
  kernels::fp32_to_fp16_row(q, st.q16.data(), hd);
  uint16_t* acc = st.acc16.data();
  std::memset(acc, 0, sizeof(uint16_t) * hd);
  float M = -INFINITY, S = 0.0f;
  for (int32_t p = 0; p <= bt.pos; ++p) {
    const uint16_t* k = reinterpret_cast<const uint16_t*>(st.cache->k_row(il, bt.seq, p)) + size_t(kv_head) * hd;
    const uint16_t* v = reinterpret_cast<const uint16_t*>(st.cache->v_row(il, bt.seq, p)) + size_t(kv_head) * hd;
    double dot = 0.0;
    for (int i = 0; i < hd; ++i) dot += double(kernels::fp16_to_fp32(k[i]) * kernels::fp16_to_fp32(st.q16[i]));
    const float s = float(dot) * scale;
    float ms = 1.0f, vs = 1.0f;
    if (s > M) {
      ms = std::exp(M - s);
      M = s;
      for (int i = 0; i < hd; ++i) acc[i] = kernels::fp32_to_fp16(kernels::fp16_to_fp32(acc[i]) * ms);
    } else {
      vs = std::exp(s - M);
    }
    for (int i = 0; i < hd; ++i)
      acc[i] = kernels::fp32_to_fp16(kernels::fp16_to_fp32(acc[i]) + kernels::fp16_to_fp32(v[i]) * vs);
    S = S * ms + vs;
  }
  const float inv = S == 0.0f ? 0.0f : 1.0f / S;
  for (int i = 0; i < hd; ++i) out[i] = kernels::fp16_to_fp32(acc[i]) * inv;
}

// F32 cache: plain scaled-dot-product attention with a two-pass softmax.
void attend_f32(ForwardState& st, int il, const BatchToken& bt, const float* q, float* out, int kv_head) {
  const int hd = st.hp->head_dim;
  const float scale = 1.0f / std::sqrt(float(hd));
  float* sc = st.scores.data();
  float mx = -INFINITY;
  for (int32_t p = 0; p <= bt.pos; ++p) {
    const float* k = reinterpret_cast<const float*>(st.cache->k_row(il, bt.seq, p)) + size_t(kv_head) * hd;
    float dot = 0.0f;
    for (int i = 0; i < hd; ++i) dot += k[i] * q[i];
    sc[p] = dot * scale;
    mx = std::max(mx, sc[p]);
  }
  double sum = 0.0;
  for (int32_t p = 0; p <= bt.pos; ++p) sum += double(sc[p] = std::exp(sc[p] - mx));
  const float inv = float(1.0 / sum);
  std::memset(out, 0, sizeof(float) * hd);
  for (int32_t p = 0; p <= bt.pos; ++p) {
    const float* v = reinterpret_cast<const float*>(st.cache->v_row(il, bt.seq, p)) + size_t(kv_head) * hd;
    const float w = sc[p] * inv;
    for (int i = 0; i < hd; ++i) out[i] += w * v[i];
  }
}

}  // namespace

void attention(ForwardState& st, int il) {
  const HParams& hp = *st.hp;
  store_kv(st, il);
  const int group = hp.n_head / hp.n_head_kv;  // query heads per key/value head (GQA)
  const bool f16 = st.cache->config().type == kv::KvType::F16;
  for (int t = 0; t < st.T; ++t) {
    for (int h = 0; h < hp.n_head; ++h) {
      const float* q = st.q.data() + size_t(t) * hp.q_dim() + size_t(h) * hp.head_dim;
      float* out = st.attn.data() + size_t(t) * hp.q_dim() + size_t(h) * hp.head_dim;
      if (f16)
        attend_f16(st, il, st.batch[t], q, out, h / group);
      else
        attend_f32(st, il, st.batch[t], q, out, h / group);
    }
  }
}

void swiglu(ForwardState& st) {
  const size_t n = size_t(st.T) * st.hp->n_ff;
  for (size_t i = 0; i < n; ++i) {
    const float g = st.gate[i];
    st.gate[i] = g / (1.0f + std::exp(-g)) * st.up[i];
  }
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
