// bfloat16 (GGML type BF16: the upper 16 bits of a binary32) <-> binary32.
//
// Bit-exact with ggml: fp32 -> bf16 rounds to nearest, ties to even (on the
// raw bits, so overflow correctly rounds to inf and fp32 subnormals are kept,
// not flushed); NaNs are truncated and forced quiet (bit 6 of the bf16
// pattern, i.e. the top mantissa bit). bf16 -> fp32 is a shift.
#pragma once

#include <bit>
#include <cstdint>

namespace ledge::kernels {

inline uint16_t fp32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  // Add 0x7fff plus the lowest kept bit: ties round to the even neighbour.
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

inline float bf16_to_fp32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

void fp32_to_bf16_row(const float* src, uint16_t* dst, int64_t n);
void bf16_to_fp32_row(const uint16_t* src, float* dst, int64_t n);

}  // namespace ledge::kernels
