// IEEE-754 binary16 ("half", GGML type F16) <-> binary32 conversions.
//
// Bit-exact with ggml's portable conversions:
//  * fp32 -> fp16 rounds to nearest, ties to even, including results in the
//    fp16 subnormal range; magnitudes >= 65520 become +-inf; every NaN becomes
//    the canonical quiet NaN 0x7E00 with the input's sign (what ggml's
//    portable path produces).
//  * fp16 -> fp32 is exact; NaNs keep their payload and come out quiet
//    (what both ggml's portable path and x86 F16C do).
// Portable code (integer bit manipulation plus one exact float multiply; no
// F16C, no _Float16) so the scalar reference behaves the
// same on every target; a later SIMD path may use F16C and is tested against
// these functions.
#pragma once

#include <bit>
#include <cstdint>

namespace ledge::kernels {

// binary32: 1 sign, 8 exponent (bias 127), 23 mantissa bits.
// binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; exponent 0 holds
// subnormals (mantissa * 2^-24), exponent 31 holds inf/NaN.

inline uint16_t fp32_to_fp16(float f) {
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

inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x03ffu;

  if (exp == 0x1fu) {
    // inf, or NaN: payload kept, quiet bit forced.
    const uint32_t quiet = mant ? 0x00400000u : 0u;
    return std::bit_cast<float>(sign | 0x7f800000u | quiet | (mant << 13));
  }
  if (exp != 0) return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
  if (mant == 0) return std::bit_cast<float>(sign);

  // Subnormal half: mant * 2^-24. Both factors and the product are exact in
  // binary32 (the product is a normal float), so no rounding is involved.
  return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(static_cast<float>(mant) * 0x1p-24f));
}

// fp16_to_fp32 of all 65536 patterns, indexed by the bits (built once, on
// first use; 256 KiB). Used by the row and dot-product loops.
const float* fp16_to_fp32_table();

void fp32_to_fp16_row(const float* src, uint16_t* dst, int64_t n);
void fp16_to_fp32_row(const uint16_t* src, float* dst, int64_t n);

}  // namespace ledge::kernels
