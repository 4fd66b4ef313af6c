// Q8_1: activation format for Q4_1 / Q5_1 weights. Like Q8_0 plus
// s = fp16(d * sum of quants), which carries the weight block's offset m
// through the dot product: sum(q_w*d_w + m)*(q_a*d_a) = d_w*d_a*sum(q_w*q_a) + m*s.
#include <algorithm>
#include <cmath>

#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/rounding.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::scalar {
namespace {

float block_absmax(const float* x) {
  float amax = 0.0f;
  for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
  return amax;
}

}  // namespace

void dequantize_row_q8_1(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_1*>(src);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = b[i].qs[j] * d;
  }
}

// llama.cpp reference (quantize_row_q8_1_ref): as Q8_0's reference, and
// s = fp16(sum * d) with the unrounded f32 d.
void quantize_row_q8_1(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    const float d = block_absmax(x) / 127;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      b[i].qs[j] = static_cast<int8_t>(round_half_away(x[j] * id));
      sum += b[i].qs[j];
    }
    b[i].s = fp32_to_fp16(sum * d);
  }
}

void quantize_row_q8_1_x86(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    const float amax = block_absmax(x);
    const float d = amax / 127.0f;
    b[i].d = fp32_to_fp16(d);
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      b[i].qs[j] = static_cast<int8_t>(nearest_int(x[j] * id));
      sum += b[i].qs[j];
    }
    b[i].s = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

}  // namespace ledge::kernels::scalar
