// In-memory layout of every quantized block, byte for byte as GGUF stores it
// (and as ggml defines it). fp16 fields are raw IEEE half bits (see fp16.h).
// Sizes are pinned with static_asserts against the numbers in the GGUF type
// table (src/gguf/tensor_type.cpp); tests/kernels/test_type_info.cpp checks
// them against that table at run time as well.
//
// Element order inside a block (how the quants map to positions) is described
// next to each struct; the dequantizers in q*.cpp implement exactly that.
#pragma once

#include <bit>
#include <cstdint>

namespace ledge::kernels {

static_assert(std::endian::native == std::endian::little,
              "GGUF blocks are little-endian; the kernels read them in place");

inline constexpr int kQK = 32;     // elements per block of the "legacy" formats
inline constexpr int kQK_K = 256;  // elements per super-block of the k-quants

// Q4_0: x = d * (q - 8), q in 0..15. qs[j] holds element j in its low nibble
// and element j + 16 in its high nibble.
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// Q4_1: x = d * q + m, q in 0..15; nibble order as Q4_0.
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ4_1) == 20);

// Q5_0: x = d * (q - 16), q in 0..31. Low 4 bits in qs as Q4_0; bit 4 of
// element j is bit j of the little-endian 32-bit word qh.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

// Q5_1: x = d * q + m, q in 0..31; bits as Q5_0.
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24);

// Q8_0: x = d * q, q in -127..127 (int8).
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34);

// Q8_1 (activation format of Q4_1/Q5_1): as Q8_0 plus s = fp16(d * sum(q)),
// which lets the dot product apply the weight's offset m in one multiply.
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;
  int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_1) == 36);

// Q2_K: 16 sub-blocks of 16. scales[i]: low nibble = scale, high nibble = min
// of sub-block i; x = d*scale*q - dmin*min, q in 0..3. Element e: byte
// qs[32*(e/128) + e%32], bits 2*((e%128)/32) .. +1.
struct BlockQ2_K {
  uint8_t scales[kQK_K / 16];
  uint8_t qs[kQK_K / 4];
  uint16_t d;
  uint16_t dmin;
};
static_assert(sizeof(BlockQ2_K) == 84);

// Q3_K: 16 sub-blocks of 16, 6-bit signed scales (stored +32) packed in 12
// bytes: low 4 bits of scale j in scales[j] (j<8, low nibble) or scales[j-8]
// (high nibble); high 2 bits in scales[8 + j%4], bits 2*(j/4). x = d*(sc-32)*q,
// q = low2 - (high bit set ? 0 : 4) in -4..3. Element e: low 2 bits as Q2_K,
// high bit = bit e/32 of hmask[e%32].
struct BlockQ3_K {
  uint8_t hmask[kQK_K / 8];
  uint8_t qs[kQK_K / 4];
  uint8_t scales[12];
  uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110);

// Q4_K: 8 sub-blocks of 32, each with a 6-bit scale and 6-bit min packed in 12
// bytes (see kquant_scales.h). x = d*sc*q - dmin*m, q in 0..15. Element e:
// byte qs[32*(e/64) + e%32], low nibble if (e%64) < 32 else high nibble.
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// Q5_K: as Q4_K plus a 5th bit: element e's bit 4 is bit (e/32) of qh[e%32].
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

// Q6_K: 16 sub-blocks of 16 with int8 scales; x = d*scale*(q - 32), q in 0..63.
// Per 128-element half h (ql += 64, qh += 32): for l in 0..31, element
// 128h + l + 32k (k = 0..3) has low 4 bits in ql[l + 32*(k&1)] (low nibble for
// k<2, high for k>=2) and high 2 bits at qh[l] bits 2k..2k+1.
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Q8_K (activation format of every k-quant): float scale, int8 quants, and
// the sum of each group of 16 quants (used to apply the weights' mins).
struct BlockQ8_K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292);

}  // namespace ledge::kernels
