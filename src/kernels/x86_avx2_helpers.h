// Small AVX2 building blocks shared by the x86 kernel translation units.
//
// Include only from files compiled with at least -mavx2 -mfma -mf16c.
// Everything here is `static inline`, and those files call no non-static
// inline function of other headers (fp16.h, kquant_scales.h): an
// out-of-line copy of such a function, compiled with AVX-512 flags, could
// otherwise be the one the linker keeps for the whole program (one
// definition rule) and fault on a CPU without AVX-512.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace ledge::kernels::x86 {

static inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Exact half -> float (F16C handles subnormals exactly and quiets NaNs, as
// fp16_to_fp32 does).
static inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// float -> half, round to nearest even (fp32_to_fp16's rule). NaNs keep
// their payload's top bits here, unlike fp32_to_fp16's canonical NaN; the
// quantizers only convert scales computed from a NaN-free absmax.
static inline uint16_t float_to_half(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
}

static inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline float hmax(__m256 v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

static inline int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Signed x signed int8 products summed in adjacent pairs (16 int16). pmaddubsw
// wants an unsigned operand, so |x| is paired with y carrying x's sign.
// Exact when x != -128 or y != -128 (y = activation quants, |y| <= 127).
static inline __m256i dot_i8_pairs(__m256i x, __m256i y) {
  return _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
}

// 32 int8 products summed in groups of 4 consecutive bytes (8 int32).
static inline __m256i dot_i8(__m256i x, __m256i y) {
  return _mm256_madd_epi16(dot_i8_pairs(x, y), _mm256_set1_epi16(1));
}

// Unsigned (x <= 127 here) x signed int8 products in groups of 4 (8 int32).
static inline __m256i dot_u8_i8(__m256i u, __m256i y) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(u, y), _mm256_set1_epi16(1));
}

// 16 bytes of packed nibbles -> 32 bytes: low nibbles first, then high ones
// (the element order of Q4_0/Q4_1/Q5_0/Q5_1 blocks).
static inline __m256i nibbles_32(const uint8_t* qs) {
  const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i m = _mm_set1_epi8(0x0f);
  return _mm256_setr_m128i(_mm_and_si128(b, m), _mm_and_si128(_mm_srli_epi16(b, 4), m));
}

// Bit j of `bits` -> byte j = 0xFF if set, 0x00 if clear.
static inline __m256i bytes_from_bits(uint32_t bits) {
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int>(bits)),
      _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const __m256i mask = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, mask), mask);
}

// max |v| over 32 floats; NaNs are skipped (maxps returns its second operand
// when either is NaN), matching the scalar std::max(amax, |x|) loop.
static inline float absmax_32(const __m256 v[4]) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 m = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) m = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), m);
  return hmax(m);
}

// C roundf (half away from zero). Not trunc(v + 0.5): that add itself rounds
// (0.49999997f + 0.5f == 1.0f).
static inline __m256 round_half_away(__m256 v) {
  const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 frac = _mm256_sub_ps(v, t);  // exact
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 step = _mm256_or_ps(_mm256_and_ps(v, sign), _mm256_set1_ps(1.0f));
  const __m256 up = _mm256_cmp_ps(_mm256_andnot_ps(sign, frac), _mm256_set1_ps(0.5f), _CMP_GE_OQ);
  return _mm256_add_ps(t, _mm256_and_ps(up, step));
}

// rounding.h's nearest_int on 8 lanes, bit for bit for every input (also
// inf/NaN, whose garbage the scalar code produces deterministically): add
// 1.5 * 2^23 and read the integer out of the low mantissa bits.
static inline __m256i nearest_int(__m256 v) {
  const __m256i bits = _mm256_castps_si256(_mm256_add_ps(v, _mm256_set1_ps(12582912.0f)));
  return _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x00400000));
}

// 4 x 8 int32 -> 32 int8 in order, keeping the low byte of each (what a
// static_cast<int8_t> does, so even out-of-range garbage matches the scalar
// code).
static inline void store_i8_32(const __m256i q[4], int8_t* dst) {
  const __m256i low = _mm256_set1_epi32(0xff);
  const __m256i a = _mm256_packus_epi32(_mm256_and_si256(q[0], low), _mm256_and_si256(q[1], low));
  const __m256i b = _mm256_packus_epi32(_mm256_and_si256(q[2], low), _mm256_and_si256(q[3], low));
  const __m256i c = _mm256_packus_epi16(a, b);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst),
                      _mm256_permutevar8x32_epi32(c, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
}

// Sums of the int8 values at p[0..15] and p[16..31].
static inline void sum_i8_16x2(const int8_t* p, int32_t* first, int32_t* second) {
  // Bias to unsigned (x ^ 0x80 = x + 128), sum 8-byte groups with psadbw.
  const __m256i u = _mm256_xor_si256(load256(p), _mm256_set1_epi8(char(0x80)));
  const __m256i s = _mm256_sad_epu8(u, _mm256_setzero_si256());
  const __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
  *first = static_cast<int32_t>(_mm_cvtsi128_si64(lo) + _mm_extract_epi64(lo, 1)) - 16 * 128;
  *second = static_cast<int32_t>(_mm_cvtsi128_si64(hi) + _mm_extract_epi64(hi, 1)) - 16 * 128;
}

// Q4_K / Q5_K 6-bit (scale, min) pairs (kquant_scales.h layout, kept
// separate for the one-definition reason above), unpacked on whole words: 8 scales and 8 mins as 8 bytes each
// (byte j = pair j). Words a, b, c are bytes 0-3, 4-7, 8-11 of the packed
// field: pairs 0-3 are the low 6 bits of a (scales) and b (mins); pairs 4-7
// take their low 4 bits from the nibbles of c and their top 2 bits from the
// top 2 bits of a (scales) and b (mins).
static inline void unpack_scales_mins_k4_words(const uint8_t* s, uint64_t* scales, uint64_t* mins) {
  uint32_t a, b, c;
  __builtin_memcpy(&a, s, 4);
  __builtin_memcpy(&b, s + 4, 4);
  __builtin_memcpy(&c, s + 8, 4);
  const uint32_t sc_hi = (c & 0x0f0f0f0fu) | (((a >> 6) & 0x03030303u) << 4);
  const uint32_t mn_hi = ((c >> 4) & 0x0f0f0f0fu) | (((b >> 6) & 0x03030303u) << 4);
  *scales = (a & 0x3f3f3f3fu) | (static_cast<uint64_t>(sc_hi) << 32);
  *mins = (b & 0x3f3f3f3fu) | (static_cast<uint64_t>(mn_hi) << 32);
}

// Sum over a Q4_K/Q5_K super-block of min_(g/2) * bsum_g (exact int), the
// 8 mins given as the bytes of a word.
static inline int32_t mins_dot_bsums(uint64_t mins, const int16_t bsums[16]) {
  const __m128i m8 = _mm_cvtsi64_si128(static_cast<long long>(mins));
  const __m256i m16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));  // each min twice
  return hsum_i32(_mm256_madd_epi16(m16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bsums))));
}

// pshufb pattern that broadcasts int16 element j of each 128-bit lane.
static inline __m256i word_pattern(int j) {
  return _mm256_set1_epi16(static_cast<short>((2 * j) | ((2 * j + 1) << 8)));
}

// Q3_K's 16 signed 6-bit scales (kquant_scales.h's unpack_scale_q3_k
// layout) as int8 lanes. Low nibbles of bytes 0-7 are the low 4 bits of
// scales 0-7, their high nibbles those of scales 8-15; bits 2*(j/4) of byte
// 8 + j%4 are the top 2 bits of scale j; stored with a +32 bias.
static inline __m128i q3_k_scales(const uint8_t* s) {
  uint64_t l;
  uint32_t h;
  __builtin_memcpy(&l, s, 8);
  __builtin_memcpy(&h, s + 8, 4);
  const uint64_t m2 = 0x03030303u;
  const uint64_t hi_0_7 = (h & m2) | (((h >> 2) & m2) << 32);
  const uint64_t hi_8_15 = ((h >> 4) & m2) | (((h >> 6) & m2) << 32);
  const uint64_t sc_0_7 = (l & 0x0f0f0f0f0f0f0f0full) | (hi_0_7 << 4);
  const uint64_t sc_8_15 = ((l >> 4) & 0x0f0f0f0f0f0f0f0full) | (hi_8_15 << 4);
  return _mm_sub_epi8(_mm_set_epi64x(static_cast<long long>(sc_8_15), static_cast<long long>(sc_0_7)),
                      _mm_set1_epi8(32));
}

}  // namespace ledge::kernels::x86
