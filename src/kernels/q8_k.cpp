// Q8_K: activation format for every k-quant: 256 int8 quants, a float scale
// and per-16 sums of the quants (bsums) that the weight mins are applied with.
#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/rounding.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::scalar {

void dequantize_row_q8_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int j = 0; j < kQK_K; ++j) dst[i * kQK_K + j] = b[i].d * b[i].qs[j];
  }
}

// llama.cpp's reference (quantize_row_q8_K_ref, also what its x86 build
// runs): the value of largest magnitude maps to -127 (iscale = -127/max, so
// the sign of d follows that value), quants round ties-to-even and are capped
// at 127, d = 1/iscale kept in f32. An all-zero block gets d = 0 and zero
// quants; we also zero its bsums (llama.cpp leaves them unwritten, which is
// harmless there because d = 0 multiplies them).
void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* x = src + i * kQK_K;
    float max = 0, amax = 0;
    for (int j = 0; j < kQK_K; ++j) {
      const float ax = std::fabs(x[j]);
      if (ax > amax) {
        amax = ax;
        max = x[j];
      }
    }
    if (amax == 0.0f) {
      b[i].d = 0;
      std::memset(b[i].qs, 0, sizeof(b[i].qs));
      std::memset(b[i].bsums, 0, sizeof(b[i].bsums));
      continue;
    }
    const float iscale = -127.f / max;
    for (int j = 0; j < kQK_K; ++j) {
      const int v = nearest_int(iscale * x[j]);
      b[i].qs[j] = static_cast<int8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < kQK_K / 16; ++g) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += b[i].qs[16 * g + j];
      b[i].bsums[g] = static_cast<int16_t>(sum);
    }
    b[i].d = 1 / iscale;
  }
}

}  // namespace ledge::kernels::scalar
