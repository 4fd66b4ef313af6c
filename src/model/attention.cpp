// Causal self-attention over the paged KV cache, following the reference's
// CPU kernels by batch shape (see the comment on the kernel choice below and
// docs/engine.md).
#include "model/layers.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/fp16.h"
#include "kernels/peer_order.h"

namespace ledge::model {

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

// The F16 cache follows the reference's fused CPU attention kernels, which
// differ by batch shape; results agree with it only if the same algorithm is
// used for the same shape:
//  * one pass ("one chunk"): the query rounded to F16, F16·F16 scores, online
//    softmax, and the weighted value sum accumulated in F16 — batches of
//    fewer than kTiledMinRows rows;
//  * tiled: F32 query, scores and accumulator, softmax per tile of kKvTile
//    cells (sums in double) — batches of kTiledMinRows rows or more;
//  * split: a single-token decode over at least kSplitMinCells (padded) cells
//    runs the one-pass kernel on kSplitChunks contiguous cell ranges and
//    merges the partial results.
constexpr int kTiledMinRows = 64;
constexpr int kKvTile = 64;
constexpr int kCellPad = 256;       // the reference pads the attended cell count to this
constexpr int kSplitMinCells = 512;
constexpr int kSplitChunks = 2;     // the reference's thread count when the golden data was made

// F16 dot product as the reference's AVX-512 build computes it
// (ggml_vec_dot_f16): steps of 64 values feed 4 accumulators of 16 float lanes
// with fma; the accumulators are combined pairwise (0+2, 1+3, then both) and
// reduced across lanes; a tail shorter than 64 is added in double. Products of
// two F16 values are exact in float.
float dot_f16(const uint16_t* x, const uint16_t* y, int n) {
  const int np = n & ~63;
  float acc[4][16] = {};
  for (int i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < 16; ++l) {
        const int e = i + 16 * j + l;
        acc[j][l] = std::fma(kernels::fp16_to_fp32(x[e]), kernels::fp16_to_fp32(y[e]), acc[j][l]);
      }
  double sum = 0.0;
  if (np > 0) {
    float v[16];
    for (int l = 0; l < 16; ++l) v[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
    sum = double(kernels::peer::reduce_add16(v));
  }
  for (int i = np; i < n; ++i) sum += double(kernels::fp16_to_fp32(x[i]) * kernels::fp16_to_fp32(y[i]));
  return float(sum);
}

struct Partial {
  float M = -INFINITY;
  float S = 0.0f;
};

// One-pass kernel over positions [p0, p1); leaves the unnormalized F32 sum in out.
Partial attend_one_chunk(ForwardState& st, int il, const BatchToken& bt, int kv_head, int32_t p0, int32_t p1,
                         float* out) {
  const kv::KvCache::LayerView rows = st.cache->layer_view(il, bt.seq);  // block table resolved once
  const int hd = st.hp->head_dim;
  const float scale = 1.0f / std::sqrt(float(hd));
  uint16_t* acc = st.acc16.data();
  std::memset(acc, 0, sizeof(uint16_t) * hd);
  Partial r;
  for (int32_t p = p0; p < p1; ++p) {
    const uint16_t* k = reinterpret_cast<const uint16_t*>(rows.k(p)) + size_t(kv_head) * hd;
    const uint16_t* v = reinterpret_cast<const uint16_t*>(rows.v(p)) + size_t(kv_head) * hd;
    const float s = dot_f16(k, st.q16.data(), hd) * scale;
    float ms = 1.0f, vs = 1.0f;
    if (s > r.M) {
      ms = std::exp(r.M - s);
      r.M = s;
      for (int i = 0; i < hd; ++i) acc[i] = kernels::fp32_to_fp16(kernels::fp16_to_fp32(acc[i]) * ms);
    } else {
      vs = std::exp(s - r.M);
    }
    // The reference's compiler contracts both updates into fused multiply-adds.
    for (int i = 0; i < hd; ++i)
      acc[i] = kernels::fp32_to_fp16(std::fma(kernels::fp16_to_fp32(v[i]), vs, kernels::fp16_to_fp32(acc[i])));
    r.S = std::fma(r.S, ms, vs);
  }
  for (int i = 0; i < hd; ++i) out[i] = kernels::fp16_to_fp32(acc[i]);
  return r;
}

void attend_f16(ForwardState& st, int il, const BatchToken& bt, const float* q, float* out, int kv_head) {
  const int hd = st.hp->head_dim;
  kernels::fp32_to_fp16_row(q, st.q16.data(), hd);
  const int32_t n = bt.pos + 1;
  const int32_t padded = (n + kCellPad - 1) / kCellPad * kCellPad;
  if (st.T == 1 && padded >= kSplitMinCells) {
    const int32_t chunk = (padded + kSplitChunks - 1) / kSplitChunks;
    float* part = st.row.data();  // [head_dim] one chunk's partial sum
    Partial total;
    std::fill(out, out + hd, 0.0f);
    for (int32_t c0 = 0; c0 < n; c0 += chunk) {
      Partial p = attend_one_chunk(st, il, bt, kv_head, c0, std::min(n, c0 + chunk), part);
      if (p.S == 0.0f) continue;
      const float m = std::max(total.M, p.M);
      const float so = std::exp(total.M - m), sn = std::exp(p.M - m);
      for (int i = 0; i < hd; ++i) out[i] = out[i] * so + part[i] * sn;
      total.S = total.S * so + p.S * sn;
      total.M = m;
    }
    const float inv = total.S == 0.0f ? 0.0f : 1.0f / total.S;
    for (int i = 0; i < hd; ++i) out[i] *= inv;
    return;
  }
  Partial p = attend_one_chunk(st, il, bt, kv_head, 0, n, out);
  const float inv = p.S == 0.0f ? 0.0f : 1.0f / p.S;
  for (int i = 0; i < hd; ++i) out[i] *= inv;
}

// Tiled kernel (large batches): F32 throughout, online softmax per tile.
void attend_tiled(ForwardState& st, int il, const BatchToken& bt, const float* q, float* out, int kv_head) {
  const kv::KvCache::LayerView rows = st.cache->layer_view(il, bt.seq);  // block table resolved once
  const int hd = st.hp->head_dim;
  const float scale = 1.0f / std::sqrt(float(hd));
  const bool f16 = st.cache->config().type == kv::KvType::F16;
  float* sc = st.scores.data();
  float* row = st.row.data();
  std::fill(out, out + hd, 0.0f);
  float M = -INFINITY, S = 0.0f;
  const int32_t n = bt.pos + 1;
  auto load = [&](const uint8_t* src, float* dst) {
    if (f16)
      kernels::fp16_to_fp32_row(reinterpret_cast<const uint16_t*>(src) + size_t(kv_head) * hd, dst, hd);
    else
      std::memcpy(dst, reinterpret_cast<const float*>(src) + size_t(kv_head) * hd, sizeof(float) * hd);
  };
  for (int32_t t0 = 0; t0 < n; t0 += kKvTile) {
    const int32_t t1 = std::min(n, t0 + kKvTile);
    float tile_max = -INFINITY;
    for (int32_t p = t0; p < t1; ++p) {
      load(rows.k(p), row);
      float dot = 0.0f;
      for (int i = 0; i < hd; ++i) dot = std::fma(q[i], row[i], dot);
      sc[p - t0] = dot * scale;
      tile_max = std::max(tile_max, sc[p - t0]);
    }
    const float m = std::max(M, tile_max);
    if (m > M) {
      const float ms = std::exp(M - m);
      for (int i = 0; i < hd; ++i) out[i] *= ms;
      S *= ms;
    }
    M = m;
    // The reference's softmax helper: its vector exp, each aligned group of
    // 16 cells reduced in float, the group sums accumulated in double and
    // added to the float running sum in double.
    double sum = 0.0;
    for (int32_t g0 = t0; g0 < t1; g0 += 16) {
      float e[16] = {};
      for (int32_t p = g0; p < std::min(t1, g0 + 16); ++p) e[p - g0] = sc[p - t0] = kernels::peer::expf_poly(sc[p - t0] - M);
      sum += double(kernels::peer::reduce_add16(e));
    }
    S = float(double(S) + sum);
    for (int32_t p = t0; p < t1; ++p) {
      load(rows.v(p), row);
      const float w = sc[p - t0];
      for (int i = 0; i < hd; ++i) out[i] = std::fma(w, row[i], out[i]);
    }
  }
  const float inv = S == 0.0f ? 0.0f : 1.0f / S;
  for (int i = 0; i < hd; ++i) out[i] *= inv;
}

// F32 cache: plain scaled-dot-product attention with a two-pass softmax.
void attend_f32(ForwardState& st, int il, const BatchToken& bt, const float* q, float* out, int kv_head) {
  const kv::KvCache::LayerView rows = st.cache->layer_view(il, bt.seq);  // block table resolved once
  const int hd = st.hp->head_dim;
  const float scale = 1.0f / std::sqrt(float(hd));
  float* sc = st.scores.data();
  float mx = -INFINITY;
  for (int32_t p = 0; p <= bt.pos; ++p) {
    const float* k = reinterpret_cast<const float*>(rows.k(p)) + size_t(kv_head) * hd;
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
    const float* v = reinterpret_cast<const float*>(rows.v(p)) + size_t(kv_head) * hd;
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
      if (f16 && st.T >= kTiledMinRows)
        attend_tiled(st, il, st.batch[t], q, out, h / group);
      else if (f16)
        attend_f16(st, il, st.batch[t], q, out, h / group);
      else
        attend_f32(st, il, st.batch[t], q, out, h / group);
    }
  }
}

}  // namespace ledge::model
