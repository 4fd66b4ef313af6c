// Q3_K: 256 3-bit quants in 16 sub-blocks of 16 with 6-bit signed scales:
// x = d * scale * q, q in -4..3 (2 low bits in qs, the high bit in hmask).
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
void dequantize_row_q3_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ3_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d_all = fp16_to_fp32(b[i].d);
    float* y = dst + i * kQK_K;
    int8_t q[kQK_K];
    decode_quants(b[i], q);
    for (int s = 0; s < 16; ++s) {
      const float dl = d_all * unpack_scale_q3_k(s, b[i].scales);
      for (int l = 0; l < 16; ++l) y[16 * s + l] = dl * q[16 * s + l];
    }
  }
}

// llama.cpp's reference quantizer (quantize_row_q3_K_ref): per sub-block a
// symmetric make_q3_quants fit (x^2 weights, coordinate descent); the 16
// scales are quantized to 6 bits so that the one of largest magnitude maps to
// -32; quants recomputed with the final scales.
void quantize_row_q3_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ3_K*>(dst);
  int8_t L[kQK_K];
  float scales[16];
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* x = src + i * kQK_K;
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = make_q3_quants(16, 4, x + 16 * j, L + 16 * j, true);
      const float scale = std::fabs(scales[j]);
      if (scale > amax) {
        amax = scale;
        max_scale = scales[j];
      }
    }
    uint8_t biased[16] = {};
    if (max_scale != 0.0f) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        int l = static_cast<int8_t>(nearest_int(iscale * scales[j]));
        l = (l < -32 ? -32 : (l > 31 ? 31 : l)) + 32;
        biased[j] = static_cast<uint8_t>(l);
      }
      pack_scales_q3_k(biased, b[i].scales);
      b[i].d = fp32_to_fp16(1 / iscale);
    } else {
      std::memset(b[i].scales, 0, sizeof(b[i].scales));
      b[i].d = fp32_to_fp16(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = fp16_to_fp32(b[i].d) * unpack_scale_q3_k(j, b[i].scales);
      if (d == 0.0f) continue;  // keep the fit's quants
      for (int l = 0; l < 16; ++l) {
        const int q = nearest_int(x[16 * j + l] / d);
        L[16 * j + l] = static_cast<int8_t>((q < -4 ? -4 : (q > 3 ? 3 : q)) + 4);
      }
    }
    // L now holds q + 4 in 0..7: bit 2 goes to hmask, bits 0..1 to qs.
    std::memset(b[i].hmask, 0, sizeof(b[i].hmask));
    for (int e = 0; e < kQK_K; ++e) {
      if (L[e] > 3) {
        b[i].hmask[e % 32] |= static_cast<uint8_t>(1u << (e / 32));
        L[e] = static_cast<int8_t>(L[e] - 4);
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

// ggml_vec_dot_q3_K_q8_K_generic's order: 8 int32 lanes (lane = element % 8)
// accumulate scale * q3 * q8 over the block; each lane is then scaled by
// d_w*d_a into its own float sum; the 8 lane sums are added at the very end.
float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float sums[8] = {};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t q[kQK_K];
    decode_quants(x[i], q);
    int32_t scales[16];
    for (int s = 0; s < 16; ++s) scales[s] = unpack_scale_q3_k(s, x[i].scales);
    int32_t lanes[8] = {};
    accumulate_lanes<16>(q, y[i].qs, scales, lanes);
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * lanes[l];
  }
  float sumf = 0;
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

}  // namespace ledge::kernels::scalar
