// Unpacking of the 6-bit sub-block scales of the k-quants.
#pragma once

#include <cstdint>

namespace ledge::kernels {

// Q4_K / Q5_K: 8 (scale, min) pairs of 6 bits in 12 bytes. Pairs 0..3 keep
// their low 6 bits in bytes j (scale) and j+4 (min). Pairs 4..7 keep their low
// 4 bits in byte j+4 (scale: low nibble, min: high nibble) and their top 2
// bits in the top 2 bits of bytes j-4 (scale) and j (min).
inline void unpack_scale_min_k4(int j, const uint8_t* s, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = s[j] & 63;
    *min = s[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
  }
}

// Inverse of unpack_scale_min_k4 for all 8 pairs (values must be <= 63).
inline void pack_scale_min_k4(const uint8_t scale[8], const uint8_t min[8], uint8_t s[12]) {
  for (int j = 0; j < 12; ++j) s[j] = 0;
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      s[j] = scale[j];
      s[j + 4] = min[j];
    } else {
      s[j + 4] = static_cast<uint8_t>((scale[j] & 0x0f) | ((min[j] & 0x0f) << 4));
      s[j - 4] |= static_cast<uint8_t>((scale[j] >> 4) << 6);
      s[j] |= static_cast<uint8_t>((min[j] >> 4) << 6);
    }
  }
}

// Q3_K: 16 scales of 6 bits (stored with +32 bias) in 12 bytes. Low 4 bits of
// scale j: low nibble of byte j for j < 8, high nibble of byte j-8 otherwise;
// high 2 bits: bits 2*(j/4)..+1 of byte 8 + j%4. Returns the signed scale.
inline int unpack_scale_q3_k(int j, const uint8_t* s) {
  const int low = j < 8 ? (s[j] & 0x0f) : (s[j - 8] >> 4);
  const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

// Inverse of unpack_scale_q3_k; `biased[j]` = scale + 32 in 0..63.
inline void pack_scales_q3_k(const uint8_t biased[16], uint8_t s[12]) {
  for (int j = 0; j < 12; ++j) s[j] = 0;
  for (int j = 0; j < 16; ++j) {
    const uint8_t v = biased[j];
    if (j < 8) {
      s[j] = v & 0x0f;
    } else {
      s[j - 8] |= static_cast<uint8_t>((v & 0x0f) << 4);
    }
    s[8 + j % 4] |= static_cast<uint8_t>((v >> 4) << (2 * (j / 4)));
  }
}

}  // namespace ledge::kernels
