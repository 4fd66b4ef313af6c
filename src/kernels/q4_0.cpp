// Q4_0: 32 4-bit quants, x = d * (q - 8).
#include <algorithm>
#include <cmath>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::scalar {

void dequantize_row_q4_0(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ4_0*>(src);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    float* y = dst + i * kQK;
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = ((b[i].qs[j] & 0x0f) - 8) * d;
      y[j + kQK / 2] = ((b[i].qs[j] >> 4) - 8) * d;
    }
  }
}

// llama.cpp's reference quantizer (what llama-quantize uses without an
// imatrix): the value of largest magnitude maps to quant 0 (-8 * d), so
// d = max / -8; the others round half up via truncation of x/d + 8.5.
void quantize_row_q4_0(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ4_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<int8_t>(x[j + kQK / 2] * id + 8.5f)));
      b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

// Per block: int sums of the two nibble halves, then (float)sumi * d_w * d_a
// (left to right) into a float accumulator, as ggml_vec_dot_q4_0_q8_0_generic.
float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int sumi0 = 0, sumi1 = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi0 += ((x[i].qs[j] & 0x0f) - 8) * y[i].qs[j];
      sumi1 += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + kQK / 2];
    }
    const int sumi = sumi0 + sumi1;
    sumf += sumi * fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
  }
  return sumf;
}

}  // namespace ledge::kernels::scalar
