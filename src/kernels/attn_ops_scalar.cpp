// Scalar reference of the attention / element-wise ops (attn_ops.h): the
// arithmetic the forward pass has always used, one value at a time. The SIMD
// variants are checked against these functions for exact equality.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/attn_ops.h"
#include "kernels/fp16.h"
#include "kernels/peer_order.h"

#if defined(LEDGE_KERNELS_X86)
#include "kernels/x86_attn.h"
#endif

namespace ledge::kernels::attn {
namespace {

float dot_f16(const uint16_t* x, const uint16_t* y, int n) {
  const float* h = fp16_to_fp32_table();
  const int np = n & ~63;
  float acc[4][16] = {};
  for (int i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < 16; ++l) {
        const int e = i + 16 * j + l;
        acc[j][l] = std::fma(h[x[e]], h[y[e]], acc[j][l]);
      }
  double sum = 0.0;
  if (np > 0) {
    float v[16];
    for (int l = 0; l < 16; ++l) v[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
    sum = double(peer::reduce_add16(v));
  }
  for (int i = np; i < n; ++i) sum += double(h[x[i]] * h[y[i]]);
  return float(sum);
}

Partial one_pass_f16(const uint16_t* q16, const uint16_t* const* k, const uint16_t* const* v, int32_t n, int hd,
                     float scale, uint16_t* acc, float* out) {
  const float* h = fp16_to_fp32_table();
  std::memset(acc, 0, sizeof(uint16_t) * size_t(hd));
  Partial r;
  for (int32_t p = 0; p < n; ++p) {
    const float s = dot_f16(k[p], q16, hd) * scale;
    float ms = 1.0f, vs = 1.0f;
    if (s > r.M) {
      ms = std::exp(r.M - s);
      r.M = s;
      for (int i = 0; i < hd; ++i) acc[i] = fp32_to_fp16(h[acc[i]] * ms);
    } else {
      vs = std::exp(s - r.M);
    }
    // The reference's compiler contracts both updates into fused multiply-adds.
    const uint16_t* vp = v[p];
    for (int i = 0; i < hd; ++i) acc[i] = fp32_to_fp16(std::fma(h[vp[i]], vs, h[acc[i]]));
    r.S = std::fma(r.S, ms, vs);
  }
  for (int i = 0; i < hd; ++i) out[i] = h[acc[i]];
  return r;
}

// One query at a time, tile by tile.
void tiled_f16(const TiledQuery* queries, int nq, const uint16_t* const* k, const uint16_t* const* v, int hd,
               float scale, float* scratch) {
  float* sc = scratch;             // [kKvTile] scores, then weights, of one tile
  float* row = scratch + kKvTile;  // [hd]      one K or V row in F32
  for (int j = 0; j < nq; ++j) {
    const float* q = queries[j].q;
    float* out = queries[j].out;
    const int32_t n = queries[j].n;
    std::fill(out, out + hd, 0.0f);
    float M = -INFINITY, S = 0.0f;
    for (int32_t t0 = 0; t0 < n; t0 += kKvTile) {
      const int32_t t1 = std::min(n, t0 + kKvTile);
      float tile_max = -INFINITY;
      for (int32_t p = t0; p < t1; ++p) {
        fp16_to_fp32_row(k[p], row, hd);
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
        for (int32_t p = g0; p < std::min(t1, g0 + 16); ++p) e[p - g0] = sc[p - t0] = peer::expf_poly(sc[p - t0] - M);
        sum += double(peer::reduce_add16(e));
      }
      S = float(double(S) + sum);
      for (int32_t p = t0; p < t1; ++p) {
        fp16_to_fp32_row(v[p], row, hd);
        const float w = sc[p - t0];
        for (int i = 0; i < hd; ++i) out[i] = std::fma(w, row[i], out[i]);
      }
    }
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int i = 0; i < hd; ++i) out[i] *= inv;
  }
}

const Ops kScalar = {dot_f16, one_pass_f16, tiled_f16, fp32_to_fp16_row, peer::swiglu};

}  // namespace

size_t tiled_scratch_floats(int hd, int nq) {
  // Scalar: scores + one row. SIMD: K tile transposed, V tile, scores, M and
  // S of every query, slack to align to 64 bytes.
  const size_t scalar = size_t(kKvTile) + size_t(hd);
  const size_t simd = 2 * size_t(kKvTile) * size_t(hd) + size_t(kKvTile) + 2 * size_t(nq) + 16;
  return std::max(scalar, simd);
}

const Ops& reference_ops() { return kScalar; }

const Ops* ops_at(IsaLevel level) {
  if (!isa_level_supported(level)) return nullptr;
#if defined(LEDGE_KERNELS_X86)
  if (level == IsaLevel::kAvx2 || level == IsaLevel::kAvx512) return &avx2_attn_ops();
#endif
  return &kScalar;
}

const Ops& ops() {
  const Ops* o = ops_at(active_isa_level());
  return o != nullptr ? *o : kScalar;
}

}  // namespace ledge::kernels::attn
