// Float -> int rounding helpers with the exact semantics the ggml reference
// quantizers use (results must match llama.cpp bit for bit).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace ledge::kernels {

// Round to nearest, ties to even, independent of the FP environment: adding
// 1.5 * 2^23 puts the integer part into the low mantissa bits (the float add
// itself rounds ties-to-even). Valid for |x| <= 2^22 - 1, which every caller
// guarantees by construction (x is a scaled value bounded by the quant range).
inline int nearest_int(float x) {
  const float shifted = x + 12582912.0f;  // 1.5 * 2^23
  const auto bits = std::bit_cast<int32_t>(shifted);
  return (bits & 0x007fffff) - 0x00400000;
}

// C roundf: round half away from zero. The Q8_0 / Q8_1 reference quantizers
// (activations) use this, not nearest_int.
inline int round_half_away(float x) { return static_cast<int>(std::round(x)); }

}  // namespace ledge::kernels
