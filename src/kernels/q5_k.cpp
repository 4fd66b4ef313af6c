// Q5_K: 256 5-bit quants in 8 sub-blocks of 32 with 6-bit scales and mins:
// x = d*scale*q - dmin*min; low 4 bits as Q4_K, bit 4 in qh.
#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/kquant_decode.h"
#include "kernels/kquant_scales.h"
#include "kernels/kquant_search.h"
#include "kernels/rounding.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::scalar {
void dequantize_row_q5_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ5_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    const float dmin = fp16_to_fp32(b[i].dmin);
    float* y = dst + i * kQK_K;
    int8_t q[kQK_K];
    decode_quants(b[i], q);
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      unpack_scale_min_k4(s, b[i].scales, &sc, &m);
      const float d1 = d * sc;
      const float m1 = dmin * m;
      for (int l = 0; l < 32; ++l) y[32 * s + l] = d1 * q[32 * s + l] - m1;
    }
  }
}

// llama.cpp's reference quantizer (quantize_row_q5_K_ref): as Q4_K with
// nmax 31 and 16 candidate scales (rmin -0.5, step 0.1).
void quantize_row_q5_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ5_K*>(dst);
  uint8_t L[kQK_K];
  uint8_t Laux[32];
  float weights[32];
  float mins[8];
  float scales[8];
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* x = src + i * kQK_K;
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 8; ++j) {
      float sum_x2 = 0;
      for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
      const float av_x = std::sqrt(sum_x2 / 32);
      for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(x[32 * j + l]);
      scales[j] = make_qkx2_quants(32, 31, x + 32 * j, weights, L + 32 * j, &mins[j], Laux, -0.5f, 0.1f, 15, false);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
    const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
    uint8_t ls[8], lm[8];
    for (int j = 0; j < 8; ++j) {
      const auto s = static_cast<uint8_t>(nearest_int(inv_scale * scales[j]));
      const auto m = static_cast<uint8_t>(nearest_int(inv_min * mins[j]));
      ls[j] = s < 63 ? s : 63;
      lm[j] = m < 63 ? m : 63;
    }
    pack_scale_min_k4(ls, lm, b[i].scales);
    b[i].d = fp32_to_fp16(max_scale / 63.f);
    b[i].dmin = fp32_to_fp16(max_min / 63.f);
    for (int j = 0; j < 8; ++j) {
      uint8_t sc, m;
      unpack_scale_min_k4(j, b[i].scales, &sc, &m);
      const float d = fp16_to_fp32(b[i].d) * sc;
      if (d == 0.0f) continue;  // keep the fit's quants
      const float dm = fp16_to_fp32(b[i].dmin) * m;
      for (int l = 0; l < 32; ++l) {
        const int q = nearest_int((x[32 * j + l] + dm) / d);
        L[32 * j + l] = static_cast<uint8_t>(q < 0 ? 0 : (q > 31 ? 31 : q));
      }
    }
    std::memset(b[i].qh, 0, sizeof(b[i].qh));
    for (int c = 0; c < kQK_K; c += 64) {
      for (int l = 0; l < 32; ++l) {
        int l1 = L[c + l];
        int l2 = L[c + l + 32];
        if (l1 > 15) {
          l1 -= 16;
          b[i].qh[l] |= static_cast<uint8_t>(1u << (c / 32));
        }
        if (l2 > 15) {
          l2 -= 16;
          b[i].qh[l] |= static_cast<uint8_t>(1u << (c / 32 + 1));
        }
        b[i].qs[c / 2 + l] = static_cast<uint8_t>(l1 | (l2 << 4));
      }
    }
  }
}

// Same arithmetic order as vec_dot_q4_k_q8_k (ggml_vec_dot_q5_K_q8_K_generic).
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float sums[8] = {};
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint8_t sc[8], mn[8];
    for (int s = 0; s < 8; ++s) unpack_scale_min_k4(s, x[i].scales, &sc[s], &mn[s]);
    int sumi = 0;
    for (int g = 0; g < 16; ++g) sumi += y[i].bsums[g] * mn[g / 2];
    int8_t q[kQK_K];
    decode_quants(x[i], q);
    int32_t lanes[8] = {};
    accumulate_lanes<32>(q, y[i].qs, sc, lanes);
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * lanes[l];
    const float dmin = fp16_to_fp32(x[i].dmin) * y[i].d;
    sumf -= dmin * sumi;
  }
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

}  // namespace ledge::kernels::scalar
