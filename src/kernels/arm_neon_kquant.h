// NEON twins of peer_order.h's k-quant orders (the llama.cpp x86 float order
// the engine installs for Q2_K..Q6_K), shared by arm_neon.cpp and
// arm_neon_dotprod.cpp through the same `Quad` primitive as
// arm_neon_legacy.h: Quad::sums(q, a) over 16 elements gives exactly the
// peer's AVX2 lanes (lane = (e % 32) / 4) of one 16-element chunk, lanes 0-3
// for the first half of a 32-chunk, 4-7 for the second. All integer sums are
// exact, then the float steps are the peer function's, in its order. Internal
// linkage on purpose (see arm_neon_legacy.h).
#pragma once

#include <arm_neon.h>

#include <cmath>
#include <cstdint>

#include "kernels/arm_neon_legacy.h"
#include "kernels/blocks.h"
#include "kernels/kquant_scales.h"

namespace ledge::kernels::arm {
namespace {

// A super-block's 256 quants as 16 vectors, q[m] = elements 16m .. 16m+15.
using Chunks = int8x16_t[16];

inline int8x16_t s8(uint8x16_t v) { return vreinterpretq_s8_u8(v); }

// Q2_K: 0..3; element 128c + 32j + l is bits 2j of qs[32c + l].
inline void decode(const BlockQ2_K& x, Chunks q) {
  const uint8x16_t three = vdupq_n_u8(3);
  for (int c = 0; c < 2; ++c) {
    uint8x16_t v0 = vld1q_u8(x.qs + 32 * c), v1 = vld1q_u8(x.qs + 32 * c + 16);
    for (int j = 0; j < 4; ++j) {
      q[8 * c + 2 * j] = s8(vandq_u8(v0, three));
      q[8 * c + 2 * j + 1] = s8(vandq_u8(v1, three));
      v0 = vshrq_n_u8(v0, 2);
      v1 = vshrq_n_u8(v1, 2);
    }
  }
}

// Q3_K: -4..3; low 2 bits as Q2_K, bit (4c + j) of hmask[l] clear means -4.
inline void decode(const BlockQ3_K& x, Chunks q) {
  const uint8x16_t three = vdupq_n_u8(3), one = vdupq_n_u8(1);
  const int8x16_t four = vdupq_n_s8(4);
  uint8x16_t h0 = vld1q_u8(x.hmask), h1 = vld1q_u8(x.hmask + 16);
  for (int c = 0; c < 2; ++c) {
    uint8x16_t v0 = vld1q_u8(x.qs + 32 * c), v1 = vld1q_u8(x.qs + 32 * c + 16);
    for (int j = 0; j < 4; ++j) {
      q[8 * c + 2 * j] = vsubq_s8(s8(vorrq_u8(vandq_u8(v0, three), vshlq_n_u8(vandq_u8(h0, one), 2))), four);
      q[8 * c + 2 * j + 1] = vsubq_s8(s8(vorrq_u8(vandq_u8(v1, three), vshlq_n_u8(vandq_u8(h1, one), 2))), four);
      v0 = vshrq_n_u8(v0, 2);
      v1 = vshrq_n_u8(v1, 2);
      h0 = vshrq_n_u8(h0, 1);
      h1 = vshrq_n_u8(h1, 1);
    }
  }
}

// Q4_K: 0..15; element 64c + l: low nibble of qs[32c + l], 64c + 32 + l: high.
inline void decode(const BlockQ4_K& x, Chunks q) {
  const uint8x16_t low4 = vdupq_n_u8(0x0f);
  for (int c = 0; c < 4; ++c) {
    const uint8x16_t v0 = vld1q_u8(x.qs + 32 * c), v1 = vld1q_u8(x.qs + 32 * c + 16);
    q[4 * c] = s8(vandq_u8(v0, low4));
    q[4 * c + 1] = s8(vandq_u8(v1, low4));
    q[4 * c + 2] = s8(vshrq_n_u8(v0, 4));
    q[4 * c + 3] = s8(vshrq_n_u8(v1, 4));
  }
}

// Q5_K: 0..31; Q4_K's nibbles plus bit 4 of element e = bit e/32 of qh[e % 32].
inline void decode_q5_k(const BlockQ5_K& x, Chunks q) {
  const uint8x16_t low4 = vdupq_n_u8(0x0f), one = vdupq_n_u8(1), two = vdupq_n_u8(2);
  uint8x16_t h0 = vld1q_u8(x.qh), h1 = vld1q_u8(x.qh + 16);
  for (int c = 0; c < 4; ++c) {
    const uint8x16_t v0 = vld1q_u8(x.qs + 32 * c), v1 = vld1q_u8(x.qs + 32 * c + 16);
    q[4 * c] = s8(vorrq_u8(vandq_u8(v0, low4), vshlq_n_u8(vandq_u8(h0, one), 4)));
    q[4 * c + 1] = s8(vorrq_u8(vandq_u8(v1, low4), vshlq_n_u8(vandq_u8(h1, one), 4)));
    q[4 * c + 2] = s8(vorrq_u8(vshrq_n_u8(v0, 4), vshlq_n_u8(vandq_u8(h0, two), 3)));
    q[4 * c + 3] = s8(vorrq_u8(vshrq_n_u8(v1, 4), vshlq_n_u8(vandq_u8(h1, two), 3)));
    h0 = vshrq_n_u8(h0, 2);
    h1 = vshrq_n_u8(h1, 2);
  }
}

// Q6_K as unsigned 0..63 (the peer's form; the -32 goes through the bsums).
// Element 128h + 32k + 16lc + m is chunk 8h + 2k + lc.
inline void decode_q6_k_unsigned(const BlockQ6_K& x, Chunks q) {
  const uint8x16_t low4 = vdupq_n_u8(0x0f), three = vdupq_n_u8(3);
  for (int h = 0; h < 2; ++h) {
    for (int lc = 0; lc < 2; ++lc) {
      const uint8x16_t l0 = vld1q_u8(x.ql + 64 * h + 16 * lc), l32 = vld1q_u8(x.ql + 64 * h + 32 + 16 * lc);
      const uint8x16_t hb = vld1q_u8(x.qh + 32 * h + 16 * lc);
      q[8 * h + lc] = s8(vorrq_u8(vandq_u8(l0, low4), vshlq_n_u8(vandq_u8(hb, three), 4)));
      q[8 * h + 2 + lc] = s8(vorrq_u8(vandq_u8(l32, low4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), three), 4)));
      q[8 * h + 4 + lc] = s8(vorrq_u8(vshrq_n_u8(l0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 4), three), 4)));
      q[8 * h + 6 + lc] = s8(vorrq_u8(vshrq_n_u8(l32, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4)));
    }
  }
}

// The peer's 8 lanes of sum scale(chunk) * q * a: lanes 0-3 from even
// chunks, 4-7 from odd ones.
template <class Quad, int kChunksPerScale, typename Scale>
inline void peer_k_lanes(const Chunks q, const int8_t* a, const Scale* scales, int32x4_t* lo, int32x4_t* hi) {
  *lo = vdupq_n_s32(0);
  *hi = vdupq_n_s32(0);
  for (int m = 0; m < 16; m += 2) {
    *lo = vmlaq_n_s32(*lo, Quad::sums(q[m], vld1q_s8(a + 16 * m)), int32_t(scales[m / kChunksPerScale]));
    *hi = vmlaq_n_s32(*hi, Quad::sums(q[m + 1], vld1q_s8(a + 16 * m + 16)),
                      int32_t(scales[(m + 1) / kChunksPerScale]));
  }
}

// acc[l] = fma(d, float(lane l), acc[l]).
inline void peer_fma_lanes(float d, int32x4_t lo, int32x4_t hi, float32x4_t* acc0, float32x4_t* acc1) {
  const float32x4_t dv = vdupq_n_f32(d);
  *acc0 = vfmaq_f32(*acc0, dv, vcvtq_f32_s32(lo));
  *acc1 = vfmaq_f32(*acc1, dv, vcvtq_f32_s32(hi));
}

inline int32_t bsum32(const BlockQ8_K& y, int j) { return int32_t(y.bsums[2 * j]) + int32_t(y.bsums[2 * j + 1]); }

// Lane types: per column the peer's 8 float lanes (and Q5_K's separate mins
// sum). A weight block is decoded once (decode_block) and then stepped
// against the block of each column of a tile (step), so the gemm slot shares
// the decode over up to 4 columns; every column sees exactly its vec_dot's
// operations, in order.
struct LaneAcc {
  float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0);
  float summs = 0;
};

template <class Quad>
struct Q3KOps {
  using Block = BlockQ3_K;
  struct Decoded {
    Chunks q;
    int32_t sc[16];
    float d;
  };
  static void decode_block(const Block& x, Decoded* b) {
    decode(x, b->q);
    for (int s = 0; s < 16; ++s) b->sc[s] = unpack_scale_q3_k(s, x.scales);
    b->d = h2f(x.d);
  }
  static void step(const Decoded& b, const BlockQ8_K& y, LaneAcc* a) {
    int32x4_t lo, hi;
    peer_k_lanes<Quad, 1>(b.q, y.qs, b.sc, &lo, &hi);
    peer_fma_lanes(y.d * b.d, lo, hi, &a->acc0, &a->acc1);
  }
  static float finish(const LaneAcc& a) { return peer_hsum8(a.acc0, a.acc1); }
};

template <class Quad>
struct Q5KOps {
  using Block = BlockQ5_K;
  struct Decoded {
    Chunks q;
    uint8_t sc[8], mn[8];
    float d, dmin;
  };
  static void decode_block(const Block& x, Decoded* b) {
    for (int j = 0; j < 8; ++j) unpack_scale_min_k4(j, x.scales, &b->sc[j], &b->mn[j]);
    decode_q5_k(x, b->q);
    b->d = h2f(x.d);
    b->dmin = h2f(x.dmin);
  }
  static void step(const Decoded& b, const BlockQ8_K& y, LaneAcc* a) {
    int32_t msum = 0;
    for (int j = 0; j < 8; ++j) msum += int32_t(b.mn[j]) * bsum32(y, j);
    a->summs += (b.dmin * y.d) * float(msum);
    int32x4_t lo, hi;
    peer_k_lanes<Quad, 2>(b.q, y.qs, b.sc, &lo, &hi);
    peer_fma_lanes(y.d * b.d, lo, hi, &a->acc0, &a->acc1);
  }
  static float finish(const LaneAcc& a) { return peer_hsum8(a.acc0, a.acc1) - a.summs; }
};

template <class Quad>
struct Q6KOps {
  using Block = BlockQ6_K;
  struct Decoded {
    Chunks q;  // unsigned 0..63
    const int8_t* scales;
    int16x8_t sc_lo, sc_hi;
    float d;
  };
  static void decode_block(const Block& x, Decoded* b) {
    decode_q6_k_unsigned(x, b->q);
    b->scales = x.scales;
    const int8x16_t sc = vld1q_s8(x.scales);
    b->sc_lo = vmovl_s8(vget_low_s8(sc));
    b->sc_hi = vmovl_high_s8(sc);
    b->d = h2f(x.d);
  }
  static void step(const Decoded& b, const BlockQ8_K& y, LaneAcc* a) {
    int32x4_t lo, hi;
    peer_k_lanes<Quad, 1>(b.q, y.qs, b.scales, &lo, &hi);
    // lane l -= 32 * (sc[2l] * bsum[2l] + sc[2l+1] * bsum[2l+1]): products of
    // scales and bsums, pairwise added, are the offsets of lanes 0-3, 4-7.
    const int16x8_t bs_lo = vld1q_s16(y.bsums), bs_hi = vld1q_s16(y.bsums + 8);
    const int32x4_t p0 = vmull_s16(vget_low_s16(b.sc_lo), vget_low_s16(bs_lo));
    const int32x4_t p1 = vmull_high_s16(b.sc_lo, bs_lo);
    const int32x4_t p2 = vmull_s16(vget_low_s16(b.sc_hi), vget_low_s16(bs_hi));
    const int32x4_t p3 = vmull_high_s16(b.sc_hi, bs_hi);
    lo = vsubq_s32(lo, vshlq_n_s32(vpaddq_s32(p0, p1), 5));
    hi = vsubq_s32(hi, vshlq_n_s32(vpaddq_s32(p2, p3), 5));
    peer_fma_lanes(y.d * b.d, lo, hi, &a->acc0, &a->acc1);
  }
  static float finish(const LaneAcc& a) { return peer_hsum8(a.acc0, a.acc1); }
};

// One weight row against kC columns: out[k * out_stride] for column k.
template <class Ops, int kC>
void lanes_tile(int64_t nb, const typename Ops::Block* x, const BlockQ8_K* const* y, float* out, size_t out_stride) {
  LaneAcc acc[kC];
  typename Ops::Decoded b;
  for (int64_t i = 0; i < nb; ++i) {
    Ops::decode_block(x[i], &b);
    for (int k = 0; k < kC; ++k) Ops::step(b, y[k][i], &acc[k]);
  }
  for (int k = 0; k < kC; ++k) out[size_t(k) * out_stride] = Ops::finish(acc[k]);
}

template <class Ops>
float lanes_dot(int64_t n, const void* w, const void* act) {
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float out;
  lanes_tile<Ops, 1>(n / kQK_K, static_cast<const typename Ops::Block*>(w), &y, &out, 1);
  return out;
}

// The peer's gemm slot of the lane types is one vec_dot per output; here in
// tiles of one weight row x up to 4 columns.
template <class Ops>
void lanes_gemm(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                int64_t n_cols, float* out, size_t out_stride) {
  using Block = typename Ops::Block;
  const int64_t nb = n / kQK_K;
  for (int64_t c0 = 0; c0 < n_cols; c0 += 4) {
    const int nc = n_cols - c0 < 4 ? int(n_cols - c0) : 4;
    const BlockQ8_K* y[4] = {};
    for (int k = 0; k < nc; ++k)
      y[k] = reinterpret_cast<const BlockQ8_K*>(static_cast<const uint8_t*>(act) + size_t(c0 + k) * act_stride);
    for (int64_t r = 0; r < n_rows; ++r) {
      const auto* x = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w) + size_t(r) * w_stride);
      float* o = out + size_t(c0) * out_stride + size_t(r);
      switch (nc) {
        case 4: lanes_tile<Ops, 4>(nb, x, y, o, out_stride); break;
        case 3: lanes_tile<Ops, 3>(nb, x, y, o, out_stride); break;
        case 2: lanes_tile<Ops, 2>(nb, x, y, o, out_stride); break;
        default: lanes_tile<Ops, 1>(nb, x, y, o, out_stride); break;
      }
    }
  }
}

template <class Quad>
float peer_q3_k(int64_t n, const void* w, const void* act) {
  return lanes_dot<Q3KOps<Quad>>(n, w, act);
}
template <class Quad>
float peer_q5_k(int64_t n, const void* w, const void* act) {
  return lanes_dot<Q5KOps<Quad>>(n, w, act);
}
template <class Quad>
float peer_q6_k(int64_t n, const void* w, const void* act) {
  return lanes_dot<Q6KOps<Quad>>(n, w, act);
}

// Repack orders (Q4_K, Q2_K): per block and part, exact isum = sum
// scale * dot and msum = sum min * bsum, then acc = fma(float(isum), d, acc),
// macc = fma(float(msum), dmin, macc), parts in order; result acc - macc.
template <int kParts>
inline void fma_parts(const int32_t* isum, const int32_t* msum, float d, float dmin, float* acc, float* macc) {
  for (int p = 0; p < kParts; ++p) {
    *acc = std::fma(float(isum[p]), d, *acc);
    *macc = std::fma(float(msum[p]), dmin, *macc);
  }
}

template <class Quad, int kParts>
float repack_q4_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float acc = 0, macc = 0;
  Chunks q;
  uint8_t sc[8], mn[8];
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    for (int j = 0; j < 8; ++j) unpack_scale_min_k4(j, x[i].scales, &sc[j], &mn[j]);
    decode(x[i], q);
    int32_t isum[kParts] = {}, msum[kParts] = {};
    for (int j = 0; j < 8; ++j) {
      const int32x4_t s = vaddq_s32(Quad::sums(q[2 * j], vld1q_s8(y[i].qs + 32 * j)),
                                    Quad::sums(q[2 * j + 1], vld1q_s8(y[i].qs + 32 * j + 16)));
      const int p = j * kParts / 8;
      isum[p] += int32_t(sc[j]) * vaddvq_s32(s);
      msum[p] += int32_t(mn[j]) * bsum32(y[i], j);
    }
    fma_parts<kParts>(isum, msum, h2f(x[i].d) * y[i].d, h2f(x[i].dmin) * y[i].d, &acc, &macc);
  }
  return acc - macc;
}

template <class Quad, int kParts>
float repack_q2_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  float acc = 0, macc = 0;
  Chunks q;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    decode(x[i], q);
    int32_t isum[kParts] = {}, msum[kParts] = {};
    for (int s = 0; s < 16; ++s) {
      const int p = s * kParts / 16;
      isum[p] += int32_t(x[i].scales[s] & 0x0f) * vaddvq_s32(Quad::sums(q[s], vld1q_s8(y[i].qs + 16 * s)));
      msum[p] += int32_t(x[i].scales[s] >> 4) * int32_t(y[i].bsums[s]);
    }
    fma_parts<kParts>(isum, msum, h2f(x[i].d) * y[i].d, h2f(x[i].dmin) * y[i].d, &acc, &macc);
  }
  return acc - macc;
}

// The peer's repack gemm slot: columns below n_cols - n_cols % 4 take the
// GEMM order, the rest the GEMV order, one dot per output.
template <float (*kGemmDot)(int64_t, const void*, const void*), float (*kGemvDot)(int64_t, const void*, const void*)>
void repack_gemm(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                 int64_t n_cols, float* out, size_t out_stride) {
  const int64_t n_gemm = n_cols - n_cols % 4;
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* ab = static_cast<const uint8_t*>(act);
  for (int64_t c = 0; c < n_cols; ++c) {
    const auto dot = c < n_gemm ? kGemmDot : kGemvDot;
    for (int64_t r = 0; r < n_rows; ++r)
      out[size_t(c) * out_stride + size_t(r)] = dot(n, wb + size_t(r) * w_stride, ab + size_t(c) * act_stride);
  }
}

}  // namespace
}  // namespace ledge::kernels::arm
