// AVX2 twins of the k-quant peer models (peer_order.h, x86_kquant.h).
//
// Integer parts: pmaddubsw on unsigned quants (pair sums stay far inside
// int16 for these operand ranges: |activation| <= 127, quants <= 63) and
// pmaddwd with the int16 sub-block scales; all exact. Float parts: exactly
// the peer model's sequence (lane fmas + hsum for the AVX2 dots, the per-part
// fma chains for the repack GEMV / GEMM), so results are bit-identical.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/x86_avx2_helpers.h"
#include "kernels/x86_kquant.h"

namespace ledge::kernels::avx2kq {
namespace {

using namespace x86;

// The int16 scales of sub-blocks 2j (lanes 0-7) and 2j+1 (lanes 8-15) of a
// 32-element chunk, from 8 int16 scales held in both 128-bit lanes.
inline __m256i chunk_scales(__m256i sc8x2, int j) {
  return _mm256_shuffle_epi8(
      sc8x2, _mm256_setr_m128i(_mm256_castsi256_si128(word_pattern(2 * j)), _mm256_castsi256_si128(word_pattern(2 * j + 1))));
}

// 16 int8 scales -> int16 scales 8h..8h+7 in both 128-bit lanes.
inline __m256i half_scales_i8(__m128i sc, int h) {
  return _mm256_broadcastsi128_si256(_mm_cvtepi8_epi16(h == 0 ? sc : _mm_srli_si128(sc, 8)));
}

// The horizontal sums of four int32x8 vectors, as 4 int32 (exact).
inline __m128i hsum4_i32(__m256i v0, __m256i v1, __m256i v2, __m256i v3) {
  const __m256i h = _mm256_hadd_epi32(_mm256_hadd_epi32(v0, v1), _mm256_hadd_epi32(v2, v3));
  return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// ----------------------------------------------------- AVX2 lane vec_dots

float q3_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  const __m256i three = _mm256_set1_epi8(0x03);
  const __m256i four = _mm256_set1_epi8(0x04);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const __m128i sc = q3_k_scales(x[i].scales);
    const __m256i hm = load256(x[i].hmask);
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 2; ++c) {
      const __m256i qs = load256(x[i].qs + 32 * c);
      const __m256i scales = half_scales_i8(sc, c);
      for (int j = 0; j < 4; ++j) {
        const __m256i low = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * j), three);
        // Bit 4c + j of each hmask byte, moved to bit 2: q = low | hbit << 2 = signed quant + 4.
        const int shift = 4 * c + j;
        const __m256i hbit = shift >= 2 ? _mm256_srli_epi16(hm, shift - 2) : _mm256_slli_epi16(hm, 2 - shift);
        const __m256i q = _mm256_or_si256(low, _mm256_and_si256(hbit, four));
        const __m256i a = load256(y[i].qs + 128 * c + 32 * j);
        // Per element (q - 4) * a in int16 pairs: the offset stays in its lane.
        const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q, a), _mm256_maddubs_epi16(four, a));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, chunk_scales(scales, j)));
      }
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half_to_float(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

// The 8 Q4_K/Q5_K scales as int16 in both 128-bit lanes.
inline __m256i scales_k4(uint64_t scales) {
  return _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<long long>(scales))));
}

float q5_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i bit4 = _mm256_set1_epi8(0x10);
  __m256 acc = _mm256_setzero_ps();
  float summs = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint64_t sc, mn;
    unpack_scales_mins_k4_words(x[i].scales, &sc, &mn);
    summs += (half_to_float(x[i].dmin) * y[i].d) * static_cast<float>(mins_dot_bsums(mn, y[i].bsums));
    const __m256i scales = scales_k4(sc);
    const __m256i qh = load256(x[i].qh);
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load256(x[i].qs + 32 * c);
      // Bit 4 of element 64c + l is bit 2c of qh[l], of 64c + 32 + l bit 2c + 1.
      const __m256i hlo = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, 2 * c), 4), bit4);
      const __m256i hhi = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, 2 * c + 1), 4), bit4);
      const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, low4), hlo);
      const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), low4), hhi);
      const __m256i plo = _mm256_maddubs_epi16(lo, load256(y[i].qs + 64 * c));
      const __m256i phi = _mm256_maddubs_epi16(hi, load256(y[i].qs + 64 * c + 32));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(plo, _mm256_shuffle_epi8(scales, word_pattern(2 * c))));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(phi, _mm256_shuffle_epi8(scales, word_pattern(2 * c + 1))));
    }
    acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half_to_float(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc) - summs;
}

float q6_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  const __m256i two = _mm256_set1_epi8(0x03);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i].scales));
    // Lane k of the -32 offset: 32 * (sc[2k] * bsum[2k] + sc[2k+1] * bsum[2k+1]).
    const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(_mm256_cvtepi8_epi16(sc8), load256(y[i].bsums)), 5);
    __m256i sumi = _mm256_setzero_si256();
    for (int h = 0; h < 2; ++h) {
      const __m256i sc = half_scales_i8(sc8, h);
      const uint8_t* ql = x[i].ql + 64 * h;
      const __m256i qh = load256(x[i].qh + 32 * h);
      const __m256i l0 = load256(ql);
      const __m256i l1 = load256(ql + 32);
      const __m256i lows[4] = {_mm256_and_si256(l0, low4), _mm256_and_si256(l1, low4),
                               _mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                               _mm256_and_si256(_mm256_srli_epi16(l1, 4), low4)};
      for (int k = 0; k < 4; ++k) {
        const __m256i high = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), two), 4);
        const __m256i p = _mm256_maddubs_epi16(_mm256_or_si256(lows[k], high), load256(y[i].qs + 128 * h + 32 * k));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, chunk_scales(sc, k)));
      }
    }
    sumi = _mm256_sub_epi32(sumi, offset);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(y[i].d * half_to_float(x[i].d)), _mm256_cvtepi32_ps(sumi), acc);
  }
  return hsum(acc);
}

// -------------------------------------- lane dots over many activation rows

// A weight super-block unpacked once (quants, chunk scales) and dotted with
// many activation blocks; lanes() is exactly the int32 lane vector the
// vec_dot above builds for that block, mins() its separate mins term (0 for
// types without one). gemm output (r, c) is then the vec_dot's float sequence
// for that pair: blocks in order, one lane fma each, hsum, minus the mins sum.
struct Q6KW {
  static constexpr bool kMins = false;
  __m256i q[8], sc[8], sc16;
  float d;
  explicit Q6KW(const BlockQ6_K& x) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i two = _mm256_set1_epi8(0x03);
    const __m128i sc8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales));
    sc16 = _mm256_cvtepi8_epi16(sc8);
    for (int h = 0; h < 2; ++h) {
      const __m256i scales = half_scales_i8(sc8, h);
      const __m256i qh = load256(x.qh + 32 * h);
      const __m256i l0 = load256(x.ql + 64 * h);
      const __m256i l1 = load256(x.ql + 64 * h + 32);
      const __m256i lows[4] = {_mm256_and_si256(l0, low4), _mm256_and_si256(l1, low4),
                               _mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                               _mm256_and_si256(_mm256_srli_epi16(l1, 4), low4)};
      for (int k = 0; k < 4; ++k) {
        q[4 * h + k] = _mm256_or_si256(lows[k], _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * k), two), 4));
        sc[4 * h + k] = chunk_scales(scales, k);
      }
    }
    d = half_to_float(x.d);
  }
  __m256i lanes(const BlockQ8_K& y) const {
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c)
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q[c], load256(y.qs + 32 * c)), sc[c]));
    return _mm256_sub_epi32(sumi, _mm256_slli_epi32(_mm256_madd_epi16(sc16, load256(y.bsums)), 5));
  }
  float mins(const BlockQ8_K&) const { return 0.0f; }
};

struct Q5KW {
  static constexpr bool kMins = true;
  __m256i q[8], sc[8];
  uint64_t mn;
  float d, dmin;
  explicit Q5KW(const BlockQ5_K& x) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    const __m256i bit4 = _mm256_set1_epi8(0x10);
    uint64_t s;
    unpack_scales_mins_k4_words(x.scales, &s, &mn);
    const __m256i scales = scales_k4(s);
    const __m256i qh = load256(x.qh);
    for (int c = 0; c < 4; ++c) {
      const __m256i qs = load256(x.qs + 32 * c);
      const __m256i hlo = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, 2 * c), 4), bit4);
      const __m256i hhi = _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(qh, 2 * c + 1), 4), bit4);
      q[2 * c] = _mm256_or_si256(_mm256_and_si256(qs, low4), hlo);
      q[2 * c + 1] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(qs, 4), low4), hhi);
      sc[2 * c] = _mm256_shuffle_epi8(scales, word_pattern(2 * c));
      sc[2 * c + 1] = _mm256_shuffle_epi8(scales, word_pattern(2 * c + 1));
    }
    d = half_to_float(x.d);
    dmin = half_to_float(x.dmin);
  }
  __m256i lanes(const BlockQ8_K& y) const {
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c)
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(_mm256_maddubs_epi16(q[c], load256(y.qs + 32 * c)), sc[c]));
    return sumi;
  }
  float mins(const BlockQ8_K& y) const {
    return (dmin * y.d) * static_cast<float>(mins_dot_bsums(mn, y.bsums));
  }
};

struct Q3KW {
  static constexpr bool kMins = false;
  __m256i q[8], sc[8];
  float d;
  explicit Q3KW(const BlockQ3_K& x) {
    const __m256i three = _mm256_set1_epi8(0x03);
    const __m256i four = _mm256_set1_epi8(0x04);
    const __m128i s = q3_k_scales(x.scales);
    const __m256i hm = load256(x.hmask);
    for (int c = 0; c < 2; ++c) {
      const __m256i qs = load256(x.qs + 32 * c);
      const __m256i scales = half_scales_i8(s, c);
      for (int j = 0; j < 4; ++j) {
        const __m256i low = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * j), three);
        const int shift = 4 * c + j;
        const __m256i hbit = shift >= 2 ? _mm256_srli_epi16(hm, shift - 2) : _mm256_slli_epi16(hm, 2 - shift);
        q[4 * c + j] = _mm256_or_si256(low, _mm256_and_si256(hbit, four));
        sc[4 * c + j] = chunk_scales(scales, j);
      }
    }
    d = half_to_float(x.d);
  }
  __m256i lanes(const BlockQ8_K& y) const {
    const __m256i four = _mm256_set1_epi8(0x04);
    __m256i sumi = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
      const __m256i a = load256(y.qs + 32 * c);
      const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q[c], a), _mm256_maddubs_epi16(four, a));
      sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(p, sc[c]));
    }
    return sumi;
  }
  float mins(const BlockQ8_K&) const { return 0.0f; }
};

template <typename W, typename Block>
void lane_gemm(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
               int64_t n_cols, float* out, size_t out_stride) {
  constexpr int64_t kTile = 16;
  const int64_t nb = n / kQK_K;
  const auto* ab = static_cast<const uint8_t*>(act);
  __m256 acc[kTile];
  float summs[kTile];
  for (int64_t c0 = 0; c0 < n_cols; c0 += kTile) {
    const int64_t nc = n_cols - c0 < kTile ? n_cols - c0 : kTile;
    for (int64_t r = 0; r < n_rows; ++r) {
      const auto* x = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w) + size_t(r) * w_stride);
      for (int64_t c = 0; c < nc; ++c) {
        acc[c] = _mm256_setzero_ps();
        summs[c] = 0.0f;
      }
      for (int64_t i = 0; i < nb; ++i) {
        const W k(x[i]);
        for (int64_t c = 0; c < nc; ++c) {
          const BlockQ8_K& y = reinterpret_cast<const BlockQ8_K*>(ab + size_t(c0 + c) * act_stride)[i];
          if constexpr (W::kMins) summs[c] += k.mins(y);
          acc[c] = _mm256_fmadd_ps(_mm256_set1_ps(y.d * k.d), _mm256_cvtepi32_ps(k.lanes(y)), acc[c]);
        }
      }
      for (int64_t c = 0; c < nc; ++c) out[size_t(c0 + c) * out_stride + size_t(r)] = hsum(acc[c]) - summs[c];
    }
  }
}

// --------------------------------------------------- repack GEMV / GEMM

// One weight super-block unpacked once and dotted with many activation
// blocks: sums() gives the exact per-part int sums of scale*q*a (isum) and
// min*bsum (msum) for the 4 parts of 64 (Q4_K) or 2 parts of 128 (Q2_K).
struct Q4K {
  static constexpr int kParts = 4;
  using Block = BlockQ4_K;
  __m256i lo[4], hi[4], sc[8], mins16;
  float d, dmin;
  explicit Q4K(const BlockQ4_K& x) {
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    uint64_t s, m;
    unpack_scales_mins_k4_words(x.scales, &s, &m);
    const __m256i scales = scales_k4(s);
    for (int j = 0; j < 8; ++j) sc[j] = _mm256_shuffle_epi8(scales, word_pattern(j));
    const __m128i m8 = _mm_cvtsi64_si128(static_cast<long long>(m));
    mins16 = _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(m8, m8));  // min of sub-block g/2 for bsum g
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load256(x.qs + 32 * c);
      lo[c] = _mm256_and_si256(q, low4);
      hi[c] = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
    }
    d = half_to_float(x.d);
    dmin = half_to_float(x.dmin);
  }
  // Per part c (the 64 elements of chunk c) 8 int32 lanes summing to its
  // isum; msum lanes k = min_k * (bsum_2k + bsum_2k+1).
  void part_lanes(const BlockQ8_K& y, __m256i v[4], __m256i* mlanes) const {
    for (int c = 0; c < 4; ++c) {
      const __m256i plo = _mm256_maddubs_epi16(lo[c], load256(y.qs + 64 * c));
      const __m256i phi = _mm256_maddubs_epi16(hi[c], load256(y.qs + 64 * c + 32));
      v[c] = _mm256_add_epi32(_mm256_madd_epi16(plo, sc[2 * c]), _mm256_madd_epi16(phi, sc[2 * c + 1]));
    }
    *mlanes = _mm256_madd_epi16(mins16, load256(y.bsums));
  }
  void sums(const BlockQ8_K& y, __m128i* isum, __m256i* mlanes) const {
    __m256i v[4];
    part_lanes(y, v, mlanes);
    *isum = hsum4_i32(v[0], v[1], v[2], v[3]);
  }
  // The mins lanes of part p: lanes 2p and 2p+1.
  static __m256i part_mask(int p) {
    const int a = 2 * p, b = 2 * p + 1;
    return _mm256_setr_epi32(a == 0 || b == 0 ? -1 : 0, a == 1 || b == 1 ? -1 : 0, a == 2 || b == 2 ? -1 : 0,
                             a == 3 || b == 3 ? -1 : 0, a == 4 || b == 4 ? -1 : 0, a == 5 || b == 5 ? -1 : 0,
                             a == 6 || b == 6 ? -1 : 0, a == 7 || b == 7 ? -1 : 0);
  }
  // Per-part msum from the lanes: part c = lanes 2c + 2c+1.
  static void msums(__m256i mlanes, int32_t out[4]) {
    alignas(32) int32_t l[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(l), mlanes);
    for (int c = 0; c < 4; ++c) out[c] = l[2 * c] + l[2 * c + 1];
  }
};

struct Q2K {
  static constexpr int kParts = 2;
  using Block = BlockQ2_K;
  __m256i q[8], sc[8], mins16;
  float d, dmin;
  explicit Q2K(const BlockQ2_K& x) {
    const __m256i three = _mm256_set1_epi8(0x03);
    const __m128i low4 = _mm_set1_epi8(0x0f);
    const __m128i s8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(x.scales));
    mins16 = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(s8, 4), low4));
    const __m128i s4 = _mm_and_si128(s8, low4);
    for (int c = 0; c < 2; ++c) {
      const __m256i qs = load256(x.qs + 32 * c);
      const __m256i scales = half_scales_i8(s4, c);
      for (int j = 0; j < 4; ++j) {
        q[4 * c + j] = _mm256_and_si256(_mm256_srli_epi16(qs, 2 * j), three);
        sc[4 * c + j] = chunk_scales(scales, j);
      }
    }
    d = half_to_float(x.d);
    dmin = half_to_float(x.dmin);
  }
  void part_lanes(const BlockQ8_K& y, __m256i v[2], __m256i* mlanes) const {
    for (int c = 0; c < 2; ++c) {
      __m256i s = _mm256_setzero_si256();
      for (int j = 0; j < 4; ++j) {
        const __m256i p = _mm256_maddubs_epi16(q[4 * c + j], load256(y.qs + 128 * c + 32 * j));
        s = _mm256_add_epi32(s, _mm256_madd_epi16(p, sc[4 * c + j]));
      }
      v[c] = s;
    }
    *mlanes = _mm256_madd_epi16(mins16, load256(y.bsums));  // lane k: sub-blocks 2k, 2k+1
  }
  void sums(const BlockQ8_K& y, __m128i* isum, __m256i* mlanes) const {
    __m256i v[2];
    part_lanes(y, v, mlanes);
    *isum = hsum4_i32(v[0], v[1], _mm256_setzero_si256(), _mm256_setzero_si256());
  }
  // The mins lanes of part p: lanes 4p..4p+3 (sub-blocks 8p..8p+7).
  static __m256i part_mask(int p) {
    return p == 0 ? _mm256_setr_epi32(-1, -1, -1, -1, 0, 0, 0, 0) : _mm256_setr_epi32(0, 0, 0, 0, -1, -1, -1, -1);
  }
  static void msums(__m256i mlanes, int32_t out[2]) {
    alignas(32) int32_t l[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(l), mlanes);
    out[0] = (l[0] + l[1]) + (l[2] + l[3]);
    out[1] = (l[4] + l[5]) + (l[6] + l[7]);
  }
};

// Adds one weight block's contribution to one output: parts = 1 (GEMV: the
// whole block at once) or K::kParts (GEMM), in the peer's fma order.
template <typename K>
inline void accumulate(const K& k, const BlockQ8_K& y, bool per_part, float* acc, float* macc) {
  __m128i isum;
  __m256i mlanes;
  k.sums(y, &isum, &mlanes);
  alignas(16) int32_t is[4];
  _mm_store_si128(reinterpret_cast<__m128i*>(is), isum);
  int32_t ms[4];
  K::msums(mlanes, ms);
  const float d = k.d * y.d;
  const float dmin = k.dmin * y.d;
  if (per_part) {
    for (int p = 0; p < K::kParts; ++p) {
      *acc = std::fma(static_cast<float>(is[p]), d, *acc);
      *macc = std::fma(static_cast<float>(ms[p]), dmin, *macc);
    }
  } else {
    int32_t it = 0, mt = 0;
    for (int p = 0; p < K::kParts; ++p) {
      it += is[p];
      mt += ms[p];
    }
    *acc = std::fma(static_cast<float>(it), d, *acc);
    *macc = std::fma(static_cast<float>(mt), dmin, *macc);
  }
}

template <typename K>
float repack_gemv(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const typename K::Block*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float acc = 0, macc = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) accumulate(K(x[i]), y[i], false, &acc, &macc);
  return acc - macc;
}

// Lane c of the result = the sum of the 8 lanes of v[c] (exact).
inline __m256i reduce8_i32(const __m256i v[8]) {
  const __m256i h0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
  const __m256i h4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
  return _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20), _mm256_permute2x128_si256(h0123, h4567, 0x31));
}

// Columns in tiles of kTile, weight rows, then blocks (each unpacked once per
// row and tile). GEMM-order columns go in groups of 8 with one float lane per
// column: the per-part fma chain of every column is then the same
// instruction sequence as the scalar one, lane-wise. GEMV-order columns (the
// last n_cols % 4) and a GEMM tail below 8 columns take the scalar path.
// (Stack buffers only: no std:: containers instantiated in this AVX2 unit,
// see x86_avx2_helpers.h.)
template <typename K>
void repack_gemm(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                 int64_t n_cols, float* out, size_t out_stride) {
  constexpr int64_t kTile = 32;
  constexpr int kP = K::kParts;
  const int64_t nb = n / kQK_K;
  const int64_t n_gemm = n_cols - n_cols % 4;
  const auto* ab = static_cast<const uint8_t*>(act);
  float acc[kTile], macc[kTile];
  __m256 vacc[kTile / 8], vmacc[kTile / 8];
  for (int64_t c0 = 0; c0 < n_cols; c0 += kTile) {
    const int64_t nc = n_cols - c0 < kTile ? n_cols - c0 : kTile;
    const int64_t gemm_here = n_gemm - c0 < 0 ? 0 : n_gemm - c0;
    const int64_t n_vec = (nc < gemm_here ? nc : gemm_here) / 8 * 8;  // columns in vector groups
    for (int64_t r = 0; r < n_rows; ++r) {
      const auto* x = reinterpret_cast<const typename K::Block*>(static_cast<const uint8_t*>(w) + size_t(r) * w_stride);
      for (int64_t g = 0; g < n_vec / 8; ++g) vacc[g] = vmacc[g] = _mm256_setzero_ps();
      for (int64_t c = n_vec; c < nc; ++c) acc[c] = macc[c] = 0.0f;
      for (int64_t i = 0; i < nb; ++i) {
        const K k(x[i]);
        for (int64_t g = 0; g < n_vec / 8; ++g) {
          __m256i v[kP][8], ml[8];
          alignas(32) float ad[8];
          for (int u = 0; u < 8; ++u) {
            const BlockQ8_K& y = reinterpret_cast<const BlockQ8_K*>(ab + size_t(c0 + 8 * g + u) * act_stride)[i];
            __m256i pv[kP];
            k.part_lanes(y, pv, &ml[u]);
            for (int p = 0; p < kP; ++p) v[p][u] = pv[p];
            ad[u] = y.d;
          }
          const __m256 ya = _mm256_load_ps(ad);
          const __m256 d = _mm256_mul_ps(_mm256_set1_ps(k.d), ya);
          const __m256 dmin = _mm256_mul_ps(_mm256_set1_ps(k.dmin), ya);
          for (int p = 0; p < kP; ++p) {
            // msum of part p: the mins lanes of its sub-blocks (K::part_mask), summed.
            __m256i mp[8];
            for (int u = 0; u < 8; ++u) mp[u] = _mm256_and_si256(ml[u], K::part_mask(p));
            vacc[g] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(reduce8_i32(v[p])), d, vacc[g]);
            vmacc[g] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(reduce8_i32(mp)), dmin, vmacc[g]);
          }
        }
        for (int64_t c = n_vec; c < nc; ++c) {
          const auto* y = reinterpret_cast<const BlockQ8_K*>(ab + size_t(c0 + c) * act_stride);
          accumulate(k, y[i], c0 + c < n_gemm, &acc[c], &macc[c]);
        }
      }
      for (int64_t g = 0; g < n_vec / 8; ++g) {
        alignas(32) float res[8];
        _mm256_store_ps(res, _mm256_sub_ps(vacc[g], vmacc[g]));
        for (int u = 0; u < 8; ++u) out[size_t(c0 + 8 * g + u) * out_stride + size_t(r)] = res[u];
      }
      for (int64_t c = n_vec; c < nc; ++c) out[size_t(c0 + c) * out_stride + size_t(r)] = acc[c] - macc[c];
    }
  }
}

}  // namespace

float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act) { return q3_k(n, w, act); }
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act) { return q5_k(n, w, act); }
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act) { return q6_k(n, w, act); }
float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* act) { return repack_gemv<Q4K>(n, w, act); }
float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) { return repack_gemv<Q2K>(n, w, act); }

void gemm_q4_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  repack_gemm<Q4K>(n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}
void gemm_q2_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  repack_gemm<Q2K>(n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}
void gemm_q3_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  lane_gemm<Q3KW, BlockQ3_K>(n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}
void gemm_q5_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  lane_gemm<Q5KW, BlockQ5_K>(n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}
void gemm_q6_k_q8_k(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  lane_gemm<Q6KW, BlockQ6_K>(n, w, w_stride, n_rows, act, act_stride, n_cols, out, out_stride);
}

}  // namespace ledge::kernels::avx2kq
