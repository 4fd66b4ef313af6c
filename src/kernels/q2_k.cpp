// Q2_K: 256 2-bit quants in 16 sub-blocks of 16, each with a 4-bit scale and
// a 4-bit min: x = d*scale*q - dmin*min.
#include <cmath>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/kquant_decode.h"
#include "kernels/kquant_search.h"
#include "kernels/rounding.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::scalar {
void dequantize_row_q2_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ2_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    const float dmin = fp16_to_fp32(b[i].dmin);
    float* y = dst + i * kQK_K;
    int8_t q[kQK_K];
    decode_quants(b[i], q);
    for (int s = 0; s < 16; ++s) {
      const float dl = d * (b[i].scales[s] & 0x0f);
      const float ml = dmin * (b[i].scales[s] >> 4);
      for (int l = 0; l < 16; ++l) y[16 * s + l] = dl * q[16 * s + l] - ml;
    }
  }
}

// llama.cpp's reference quantizer (quantize_row_q2_K_ref): per sub-block an
// asymmetric make_qkx2 fit with |x| weights and mean-absolute-error criterion;
// scales and mins are then quantized to 4 bits against their maxima, and the
// quants recomputed with the final (fp16-rounded) scale and min.
void quantize_row_q2_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ2_K*>(dst);
  uint8_t L[kQK_K];
  uint8_t Laux[16];
  float weights[16];
  float mins[16];
  float scales[16];
  const float q4scale = 15.f;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* x = src + i * kQK_K;
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
      scales[j] = make_qkx2_quants(16, 3, x + 16 * j, weights, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15, true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      const float iscale = q4scale / max_scale;
      for (int j = 0; j < 16; ++j) b[i].scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
      b[i].d = fp32_to_fp16(max_scale / q4scale);
    } else {
      for (int j = 0; j < 16; ++j) b[i].scales[j] = 0;
      b[i].d = fp32_to_fp16(0.f);
    }
    if (max_min > 0) {
      const float iscale = q4scale / max_min;
      for (int j = 0; j < 16; ++j) b[i].scales[j] |= static_cast<uint8_t>(nearest_int(iscale * mins[j]) << 4);
      b[i].dmin = fp32_to_fp16(max_min / q4scale);
    } else {
      b[i].dmin = fp32_to_fp16(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(b[i].d) * (b[i].scales[j] & 0x0f);
      if (d == 0.0f) continue;  // keep the fit's quants
      const float dm = fp16_to_fp32(b[i].dmin) * (b[i].scales[j] >> 4);
      for (int l = 0; l < 16; ++l) {
        const int q = nearest_int((x[16 * j + l] + dm) / d);
        L[16 * j + l] = static_cast<uint8_t>(q < 0 ? 0 : (q > 3 ? 3 : q));
      }
    }
    for (int c = 0; c < kQK_K; c += 128) {
      for (int l = 0; l < 32; ++l) {
        b[i].qs[c / 4 + l] = static_cast<uint8_t>(L[c + l] | (L[c + l + 32] << 2) | (L[c + l + 64] << 4) |
                                                  (L[c + l + 96] << 6));
      }
    }
  }
}

// ggml_vec_dot_q2_K_q8_K_generic's order: per block, exact int sums
// isum = sum_s scale_s * sum(q8*q2) and summs = sum_s min_s * bsum_s, then
// sumf += (d_a*d_w) * isum - (d_a*dmin_w) * summs.
float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int summs = 0;
    for (int s = 0; s < 16; ++s) summs += y[i].bsums[s] * (x[i].scales[s] >> 4);
    const float dall = y[i].d * fp16_to_fp32(x[i].d);
    const float dmin = y[i].d * fp16_to_fp32(x[i].dmin);
    int8_t q[kQK_K];
    decode_quants(x[i], q);
    int isum = 0;
    for (int s = 0; s < 16; ++s) {
      int isuml = 0;
      for (int l = 0; l < 16; ++l) isuml += y[i].qs[16 * s + l] * q[16 * s + l];
      isum += (x[i].scales[s] & 0x0f) * isuml;
    }
    sumf += dall * isum - dmin * summs;
  }
  return sumf;
}

}  // namespace ledge::kernels::scalar
