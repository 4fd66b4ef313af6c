#include "kernels/fp16.h"

#include <array>
#include <bit>

namespace ledge::kernels {

// binary32: 1 sign, 8 exponent (bias 127), 23 mantissa bits.
// binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; exponent 0 holds
// subnormals (mantissa * 2^-24), exponent 31 holds inf/NaN.

uint16_t fp32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7fffffffu;

  if (ax > 0x7f800000u) return sign | 0x7e00u;  // NaN -> canonical quiet NaN
  // 65520 = 0x477FF000 lies exactly half-way between the largest finite half
  // (65504, odd mantissa) and 2^16; ties-to-even therefore rounds it to inf.
  if (ax >= 0x477ff000u) return sign | 0x7c00u;

  if (ax >= 0x38800000u) {
    // Normal half (|f| >= 2^-14). Round the 23-bit mantissa to 10 bits at
    // bit 13: add just under half an ulp plus the lowest kept bit, so that
    // exact ties go to the even neighbour. A carry out of the mantissa
    // correctly bumps the exponent. Then re-bias the exponent (127 - 15 = 112).
    const uint32_t lsb = (ax >> 13) & 1u;
    const uint32_t rounded = ax + 0x0fffu + lsb;
    return sign | static_cast<uint16_t>((rounded - (112u << 23)) >> 13);
  }

  // Result is a half subnormal (or zero): value = m * 2^-24 with m <= 1024.
  // 2^-25 (0x33000000) is the tie between 0 and the smallest subnormal
  // (odd), so it and anything below rounds to (signed) zero.
  if (ax <= 0x33000000u) return sign;
  const uint32_t exp = ax >> 23;                       // 102..112 here
  const uint32_t mant = (ax & 0x007fffffu) | 0x00800000u;  // implicit 1
  // f = mant * 2^(exp-150); in units of 2^-24 that is mant >> (126 - exp).
  const uint32_t shift = 126u - exp;                   // 14..24
  uint32_t q = mant >> shift;
  const uint32_t rem = mant & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1u);
  if (rem > half || (rem == half && (q & 1u))) ++q;    // may carry into 0x400 = smallest normal
  return sign | static_cast<uint16_t>(q);
}

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x03ffu;

  if (exp == 0x1fu) {
    // inf, or NaN: payload kept, quiet bit forced.
    const uint32_t quiet = mant ? 0x00400000u : 0u;
    return std::bit_cast<float>(sign | 0x7f800000u | quiet | (mant << 13));
  }
  if (exp != 0) return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
  if (mant == 0) return std::bit_cast<float>(sign);

  // Subnormal half: normalise so the leading 1 lands on bit 10.
  uint32_t e = 113;  // exponent of 2^-14 in binary32 is 127 - 14
  while ((mant & 0x0400u) == 0) {
    mant <<= 1;
    --e;
  }
  return std::bit_cast<float>(sign | (e << 23) | ((mant & 0x03ffu) << 13));
}

void fp32_to_fp16_row(const float* src, uint16_t* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) dst[i] = fp32_to_fp16(src[i]);
}

const float* fp16_to_fp32_table() {
  static const auto table = [] {
    std::array<float, 65536> t{};
    for (uint32_t h = 0; h < t.size(); ++h) t[h] = fp16_to_fp32(static_cast<uint16_t>(h));
    return t;
  }();
  return table.data();
}

void fp16_to_fp32_row(const uint16_t* src, float* dst, int64_t n) {
  const float* table = fp16_to_fp32_table();
  for (int64_t i = 0; i < n; ++i) dst[i] = table[src[i]];
}

}  // namespace ledge::kernels
