// Unpacking of one k-quant super-block into 256 plain int8 quants, in element
// order. Dequantizers and dot products work on this form; the byte-wise loops
// below are what compilers vectorise well (and the reference SIMD variants
// will be checked against).
#pragma once

#include <cstdint>

#include "kernels/blocks.h"

namespace ledge::kernels {

// Q2_K: q in 0..3. Element 128c + 32j + l sits in bits 2j of qs[32c + l].
inline void decode_quants(const BlockQ2_K& b, int8_t out[kQK_K]) {
  for (int c = 0; c < 2; ++c)
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < 32; ++l) out[128 * c + 32 * j + l] = static_cast<int8_t>((b.qs[32 * c + l] >> (2 * j)) & 3);
}

// Q3_K: q in -4..3: low 2 bits as Q2_K; a clear bit (4c + j) of hmask[l]
// means "subtract 4".
inline void decode_quants(const BlockQ3_K& b, int8_t out[kQK_K]) {
  for (int c = 0; c < 2; ++c)
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < 32; ++l) {
        const int low = (b.qs[32 * c + l] >> (2 * j)) & 3;
        const int high = (b.hmask[l] >> (4 * c + j)) & 1;
        out[128 * c + 32 * j + l] = static_cast<int8_t>(low - 4 + 4 * high);
      }
}

// Q4_K: q in 0..15. Element 64c + l is the low nibble of qs[32c + l],
// element 64c + 32 + l its high nibble.
inline void decode_quants(const BlockQ4_K& b, int8_t out[kQK_K]) {
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) {
      out[64 * c + l] = static_cast<int8_t>(b.qs[32 * c + l] & 0x0f);
      out[64 * c + 32 + l] = static_cast<int8_t>(b.qs[32 * c + l] >> 4);
    }
}

// Q5_K: q in 0..31: nibbles as Q4_K, bit 4 of element e is bit e/32 of qh[e%32].
inline void decode_quants(const BlockQ5_K& b, int8_t out[kQK_K]) {
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) {
      const int h = b.qh[l];
      out[64 * c + l] = static_cast<int8_t>((b.qs[32 * c + l] & 0x0f) | (((h >> (2 * c)) & 1) << 4));
      out[64 * c + 32 + l] = static_cast<int8_t>((b.qs[32 * c + l] >> 4) | (((h >> (2 * c + 1)) & 1) << 4));
    }
}

// Q6_K: q in -32..31. In half h, element 128h + 32k + l takes its low 4 bits
// from ql[64h + l + 32*(k&1)] (low nibble for k < 2, else high) and its high
// 2 bits from bits 2k of qh[32h + l].
inline void decode_quants(const BlockQ6_K& b, int8_t out[kQK_K]) {
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = b.ql + 64 * h;
    const uint8_t* qh = b.qh + 32 * h;
    int8_t* y = out + 128 * h;
    for (int l = 0; l < 32; ++l) {
      y[l] = static_cast<int8_t>(((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32);
      y[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32);
      y[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      y[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

// Sum over the block of scale(e / group) * q[e] * a[e], kept in 8 int32 lanes
// by element % 8 (the lane structure of llama.cpp's generic k-quant dots;
// integer sums are exact, the lanes matter only for the later float sums).
template <int kGroup, typename Scale>
inline void accumulate_lanes(const int8_t* q, const int8_t* a, const Scale* scales, int32_t lanes[8]) {
  for (int g = 0; g < kQK_K / 8; ++g) {
    const int32_t scale = scales[(8 * g) / kGroup];
    for (int l = 0; l < 8; ++l) lanes[l] += scale * (q[8 * g + l] * a[8 * g + l]);
  }
}

}  // namespace ledge::kernels
