// Q6_K: 256 6-bit quants in 16 sub-blocks of 16 with int8 scales:
// x = d * scale * (q - 32).
#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/kquant_decode.h"
#include "kernels/kquant_search.h"
#include "kernels/rounding.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::scalar {
namespace {

constexpr float kGroupMaxEps = 1e-15f;

}  // namespace

void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ6_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    float* y = dst + i * kQK_K;
    int8_t q[kQK_K];
    decode_quants(b[i], q);
    for (int e = 0; e < kQK_K; ++e) y[e] = d * b[i].scales[e / 16] * q[e];
  }
}

// llama.cpp's reference quantizer (quantize_row_q6_K_ref): per sub-block a
// make_qx_quants fit (nmax 32, x^2 weights, 19 candidate scales); the scales
// are quantized to int8 so the largest-magnitude one maps to -128 (capped at
// 127), and the quants recomputed with the final scales. A block whose scales
// are all ~0 is stored as all zeros.
void quantize_row_q6_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ6_K*>(dst);
  int8_t L[kQK_K];
  float scales[16];
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* x = src + i * kQK_K;
    float max_scale = 0, max_abs_scale = 0;
    for (int s = 0; s < 16; ++s) {
      scales[s] = make_qx_quants(16, 32, x + 16 * s, L + 16 * s, 1, nullptr);
      const float abs_scale = std::fabs(scales[s]);
      if (abs_scale > max_abs_scale) {
        max_abs_scale = abs_scale;
        max_scale = scales[s];
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(&b[i], 0, sizeof(BlockQ6_K));
      continue;
    }
    const float iscale = -128.f / max_scale;
    b[i].d = fp32_to_fp16(1 / iscale);
    for (int s = 0; s < 16; ++s) {
      const int v = nearest_int(iscale * scales[s]);
      b[i].scales[s] = static_cast<int8_t>(v < 127 ? v : 127);
    }
    for (int s = 0; s < 16; ++s) {
      const float d = fp16_to_fp32(b[i].d) * b[i].scales[s];
      if (d == 0.0f) continue;  // keep the fit's quants
      for (int l = 0; l < 16; ++l) {
        const int q = nearest_int(x[16 * s + l] / d);
        L[16 * s + l] = static_cast<int8_t>((q < -32 ? -32 : (q > 31 ? 31 : q)) + 32);
      }
    }
    for (int h = 0; h < 2; ++h) {
      const int8_t* Lh = L + 128 * h;
      uint8_t* ql = b[i].ql + 64 * h;
      uint8_t* qh = b[i].qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        ql[l] = static_cast<uint8_t>((Lh[l] & 0x0f) | ((Lh[l + 64] & 0x0f) << 4));
        ql[l + 32] = static_cast<uint8_t>((Lh[l + 32] & 0x0f) | ((Lh[l + 96] & 0x0f) << 4));
        qh[l] = static_cast<uint8_t>((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) |
                                     ((Lh[l + 96] >> 4) << 6));
      }
    }
  }
}

// ggml_vec_dot_q6_K_q8_K_generic's order: 8 int32 lanes (lane = element % 8)
// of scale*q6*q8, scaled per block by d_w*d_a into 8 float sums, summed last.
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float sums[8] = {};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int8_t q[kQK_K];
    decode_quants(x[i], q);
    int32_t lanes[8] = {};
    accumulate_lanes<16>(q, y[i].qs, x[i].scales, lanes);
    const float d = fp16_to_fp32(x[i].d) * y[i].d;
    for (int l = 0; l < 8; ++l) sums[l] += d * lanes[l];
  }
  float sumf = 0;
  for (int l = 0; l < 8; ++l) sumf += sums[l];
  return sumf;
}

}  // namespace ledge::kernels::scalar
