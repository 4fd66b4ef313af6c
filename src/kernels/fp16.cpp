#include "kernels/fp16.h"

#include <array>
#include <bit>

namespace ledge::kernels {

const float* fp16_to_fp32_table() {
  static const auto table = [] {
    std::array<float, 65536> t{};
    for (uint32_t h = 0; h < t.size(); ++h) t[h] = fp16_to_fp32(static_cast<uint16_t>(h));
    return t;
  }();
  return table.data();
}

void fp32_to_fp16_row(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = fp32_to_fp16(src[i]);
}

void fp16_to_fp32_row(const uint16_t* src, float* dst, int64_t n) {
  const float* table = fp16_to_fp32_table();
  for (int64_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

}  // namespace ledge::kernels
