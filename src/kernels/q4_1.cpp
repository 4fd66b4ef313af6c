// Q4_1: 32 4-bit quants with scale and offset, x = d * q + m.
#include <algorithm>
#include <cfloat>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::scalar {

void dequantize_row_q4_1(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ4_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    const float m = fp16_to_fp32(b[i].m);
    float* y = dst + i * kQK;
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = (b[i].qs[j] & 0x0f) * d + m;
      y[j + kQK / 2] = (b[i].qs[j] >> 4) * d + m;
    }
  }
}

// llama.cpp's reference quantizer: m = block min, d = (max - min) / 15,
// quants = trunc((x - min)/d + 0.5) capped at 15.
void quantize_row_q4_1(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ4_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kQK; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / 15;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    b[i].m = fp32_to_fp16(min);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>((x[j] - min) * id + 0.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<int8_t>((x[j + kQK / 2] - min) * id + 0.5f)));
      b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

// Per block: (d_w * d_a) * sumi + m_w * s_a, where s_a (from Q8_1) stands for
// d_a * sum(q_a) and applies the offset (ggml_vec_dot_q4_1_q8_1_generic).
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(act);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    int sumi0 = 0, sumi1 = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi0 += (x[i].qs[j] & 0x0f) * y[i].qs[j];
      sumi1 += (x[i].qs[j] >> 4) * y[i].qs[j + kQK / 2];
    }
    const int sumi = sumi0 + sumi1;
    sumf += (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) * sumi + fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
  }
  return sumf;
}

}  // namespace ledge::kernels::scalar
