// Dot products of the 32-element block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0)
// with NEON, shared by arm_neon.cpp and arm_neon_dotprod.cpp. Each TU passes
// its own `Quad` primitive (4 int32 lanes, lane k = the sum of the products
// of elements 4k..4k+3 of two int8x16 vectors): widening multiplies and
// pairwise adds on ARMv8.0, one SDOT on ARMv8.2. Both are exact, so the
// integer sums do not depend on it; everything after them repeats the float
// steps of the function being replaced. The contents have internal linkage
// (anonymous namespace) on purpose: each TU is compiled for a different
// -march and must keep its own copies.
#pragma once

#include <arm_neon.h>

#include <cmath>
#include <cstdint>

#include "kernels/blocks.h"
#include "kernels/fp16.h"

namespace ledge::kernels::arm {
namespace {

// One block as two int8x16 vectors: elements 0..15 and 16..31.
struct Quants {
  int8x16_t lo, hi;
};

// Nibble blocks: element j < 16 is the low nibble of qs[j], element j >= 16
// the high nibble of qs[j - 16].
inline Quants nibbles(const uint8_t* qs) {
  const uint8x16_t v = vld1q_u8(qs);
  return {vreinterpretq_s8_u8(vandq_u8(v, vdupq_n_u8(0x0f))), vreinterpretq_s8_u8(vshrq_n_u8(v, 4))};
}

// 0x10 in byte j of the block where bit j of the little-endian qh is set.
inline Quants bit4(const uint8_t qh[4]) {
  static const uint8_t kBits[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
  const uint8x16_t bits = vld1q_u8(kBits);
  const uint8x16_t b01 = vcombine_u8(vdup_n_u8(qh[0]), vdup_n_u8(qh[1]));
  const uint8x16_t b23 = vcombine_u8(vdup_n_u8(qh[2]), vdup_n_u8(qh[3]));
  const uint8x16_t ten = vdupq_n_u8(0x10);
  return {vreinterpretq_s8_u8(vandq_u8(vtstq_u8(b01, bits), ten)),
          vreinterpretq_s8_u8(vandq_u8(vtstq_u8(b23, bits), ten))};
}

inline Quants offset(Quants q, int8_t off) {
  return {vsubq_s8(q.lo, vdupq_n_s8(off)), vsubq_s8(q.hi, vdupq_n_s8(off))};
}
inline Quants with_bit4(Quants q, const uint8_t qh[4]) {
  const Quants b = bit4(qh);
  return {vorrq_s8(q.lo, b.lo), vorrq_s8(q.hi, b.hi)};
}

inline Quants load_q8(const int8_t* qs) { return {vld1q_s8(qs), vld1q_s8(qs + 16)}; }

// Weight quants of each type as plain int8 (signed where the format is).
inline Quants quants(const BlockQ4_0& b) { return offset(nibbles(b.qs), 8); }
inline Quants quants(const BlockQ4_1& b) { return nibbles(b.qs); }
inline Quants quants(const BlockQ5_0& b) { return offset(with_bit4(nibbles(b.qs), b.qh), 16); }
inline Quants quants(const BlockQ5_1& b) { return with_bit4(nibbles(b.qs), b.qh); }
inline Quants quants(const BlockQ8_0& b) { return load_q8(b.qs); }

// The 8 peer lanes of a block (lane l = elements 4l..4l+3): lanes 0-3, 4-7.
template <class Quad>
inline void lanes8(const Quants& w, const Quants& a, int32x4_t* l0, int32x4_t* l1) {
  *l0 = Quad::sums(w.lo, a.lo);
  *l1 = Quad::sums(w.hi, a.hi);
}

// Exact int sum of a block's 32 products.
template <class Quad>
inline int32_t block_sum(const Quants& w, const Quants& a) {
  return vaddvq_s32(vaddq_s32(Quad::sums(w.lo, a.lo), Quad::sums(w.hi, a.hi)));
}

inline float h2f(uint16_t h) { return fp16_to_fp32(h); }

// ------------------------------------------------ twins of the scalar reference
// (q4_0.cpp ... q8_0.cpp: one float accumulator, block by block)

template <class Quad>
float ref_q4_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int sumi = block_sum<Quad>(quants(x[i]), load_q8(y[i].qs));
    sumf += sumi * h2f(x[i].d) * h2f(y[i].d);
  }
  return sumf;
}

template <class Quad>
float ref_q5_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int sumi = block_sum<Quad>(quants(x[i]), load_q8(y[i].qs));
    sumf += (h2f(x[i].d) * h2f(y[i].d)) * sumi;
  }
  return sumf;
}

template <class Quad>
float ref_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int sumi = block_sum<Quad>(quants(x[i]), load_q8(y[i].qs));
    sumf += sumi * (h2f(x[i].d) * h2f(y[i].d));
  }
  return sumf;
}

// Q4_1 / Q5_1 x Q8_1: (d_w * d_a) * sumi + m_w * s_a per block.
template <class Quad, class Block>
float ref_q_1(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(act);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int sumi = block_sum<Quad>(quants(x[i]), load_q8(y[i].qs));
    sumf += (h2f(x[i].d) * h2f(y[i].d)) * sumi + h2f(x[i].m) * h2f(y[i].s);
  }
  return sumf;
}

// ------------------------------------- twins of peer_order.h's x86-order dots

// peer::hsum8: (hi + lo) -> 4 lanes, then (0+2) + (1+3).
inline float peer_hsum8(float32x4_t lo, float32x4_t hi) {
  const float32x4_t q = vaddq_f32(hi, lo);
  const float p0 = vgetq_lane_f32(q, 0) + vgetq_lane_f32(q, 2);
  const float p1 = vgetq_lane_f32(q, 1) + vgetq_lane_f32(q, 3);
  return p0 + p1;
}

// Q8_0 / Q5_0: acc[l] = fma(d, float(lane l), acc[l]) per block, hsum8.
template <class Quad, class Block>
float peer_lanes(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0);
  for (int64_t i = 0; i < n / kQK; ++i) {
    const float32x4_t d = vdupq_n_f32(h2f(x[i].d) * h2f(y[i].d));
    int32x4_t l0, l1;
    lanes8<Quad>(quants(x[i]), load_q8(y[i].qs), &l0, &l1);
    acc0 = vfmaq_f32(acc0, d, vcvtq_f32_s32(l0));
    acc1 = vfmaq_f32(acc1, d, vcvtq_f32_s32(l1));
  }
  return peer_hsum8(acc0, acc1);
}

// Q4_1 / Q5_1: the same lanes, plus summs += m_w * s_a, added after hsum8.
template <class Quad, class Block>
float peer_lanes_1(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const Block*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(act);
  float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0);
  float summs = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    summs += h2f(x[i].m) * h2f(y[i].s);
    const float32x4_t d = vdupq_n_f32(h2f(x[i].d) * h2f(y[i].d));
    int32x4_t l0, l1;
    lanes8<Quad>(quants(x[i]), load_q8(y[i].qs), &l0, &l1);
    acc0 = vfmaq_f32(acc0, d, vcvtq_f32_s32(l0));
    acc1 = vfmaq_f32(acc1, d, vcvtq_f32_s32(l1));
  }
  return peer_hsum8(acc0, acc1) + summs;
}

// Q4_0 (the repack order): acc = fma(float(block sum), d_w * d_a, acc).
template <class Quad>
float peer_q4_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  float acc = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    const int32_t s = block_sum<Quad>(quants(x[i]), load_q8(y[i].qs));
    acc = std::fma(float(s), h2f(x[i].d) * h2f(y[i].d), acc);
  }
  return acc;
}

// ------------------------------------ gemm (peer-order Q8_0, Q5_0 and Q4_0)
//
// Tiles of one weight row x kC activation rows: each weight block is loaded
// and unpacked once for kC outputs, and Q4_0's serial fma chain becomes kC
// independent chains. Every output still sees exactly its vec_dot's
// operations in its order (peer_lanes / peer_q4_0 above), so it is
// bit-identical to one vec_dot per output at any tiling.

inline const BlockQ8_0* act_row(const void* act, size_t stride, int64_t c) {
  return reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(act) + size_t(c) * stride);
}

template <class Quad, class Block, int kC>
void peer_lanes_tile(int64_t nb, const Block* x, const BlockQ8_0* const* y, float* out, size_t out_stride) {
  float32x4_t acc[kC][2];
  for (int k = 0; k < kC; ++k) acc[k][0] = acc[k][1] = vdupq_n_f32(0);
  for (int64_t i = 0; i < nb; ++i) {
    const Quants q = quants(x[i]);
    const float dx = h2f(x[i].d);
    for (int k = 0; k < kC; ++k) {
      const float32x4_t d = vdupq_n_f32(dx * h2f(y[k][i].d));
      int32x4_t l0, l1;
      lanes8<Quad>(q, load_q8(y[k][i].qs), &l0, &l1);
      acc[k][0] = vfmaq_f32(acc[k][0], d, vcvtq_f32_s32(l0));
      acc[k][1] = vfmaq_f32(acc[k][1], d, vcvtq_f32_s32(l1));
    }
  }
  for (int k = 0; k < kC; ++k) out[size_t(k) * out_stride] = peer_hsum8(acc[k][0], acc[k][1]);
}

template <class Quad, int kC>
void peer_q4_0_tile(int64_t nb, const BlockQ4_0* x, const BlockQ8_0* const* y, float* out, size_t out_stride) {
  float acc[kC] = {};
  for (int64_t i = 0; i < nb; ++i) {
    const Quants q = quants(x[i]);
    const float dx = h2f(x[i].d);
    for (int k = 0; k < kC; ++k) {
      const int32_t s = block_sum<Quad>(q, load_q8(y[k][i].qs));
      acc[k] = std::fma(float(s), dx * h2f(y[k][i].d), acc[k]);
    }
  }
  for (int k = 0; k < kC; ++k) out[size_t(k) * out_stride] = acc[k];
}

// Tile(nb, x, y, out, out_stride) for kC = 1..4 columns.
template <template <int> class Tile, class Block>
void peer_gemm(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
               int64_t n_cols, float* out, size_t out_stride) {
  const int64_t nb = n / kQK;
  for (int64_t c0 = 0; c0 < n_cols; c0 += 4) {
    const int nc = n_cols - c0 < 4 ? int(n_cols - c0) : 4;
    const BlockQ8_0* y[4] = {};
    for (int k = 0; k < nc; ++k) y[k] = act_row(act, act_stride, c0 + k);
    for (int64_t r = 0; r < n_rows; ++r) {
      const auto* x = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w) + size_t(r) * w_stride);
      float* o = out + size_t(c0) * out_stride + size_t(r);
      switch (nc) {
        case 4: Tile<4>::run(nb, x, y, o, out_stride); break;
        case 3: Tile<3>::run(nb, x, y, o, out_stride); break;
        case 2: Tile<2>::run(nb, x, y, o, out_stride); break;
        default: Tile<1>::run(nb, x, y, o, out_stride); break;
      }
    }
  }
}

template <class Quad, class Block>
struct PeerLanesTiles {
  template <int kC>
  struct Tile {
    static void run(int64_t nb, const Block* x, const BlockQ8_0* const* y, float* o, size_t s) {
      peer_lanes_tile<Quad, Block, kC>(nb, x, y, o, s);
    }
  };
};

template <class Quad>
struct PeerQ4_0Tiles {
  template <int kC>
  struct Tile {
    static void run(int64_t nb, const BlockQ4_0* x, const BlockQ8_0* const* y, float* o, size_t s) {
      peer_q4_0_tile<Quad, kC>(nb, x, y, o, s);
    }
  };
};

template <class Quad>
void peer_gemm_q8_0(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  peer_gemm<PeerLanesTiles<Quad, BlockQ8_0>::template Tile, BlockQ8_0>(n, w, w_stride, n_rows, act, act_stride, n_cols,
                                                                       out, out_stride);
}

template <class Quad>
void peer_gemm_q5_0(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  peer_gemm<PeerLanesTiles<Quad, BlockQ5_0>::template Tile, BlockQ5_0>(n, w, w_stride, n_rows, act, act_stride, n_cols,
                                                                       out, out_stride);
}

template <class Quad>
void peer_gemm_q4_0(int64_t n, const void* w, size_t w_stride, int64_t n_rows, const void* act, size_t act_stride,
                    int64_t n_cols, float* out, size_t out_stride) {
  peer_gemm<PeerQ4_0Tiles<Quad>::template Tile, BlockQ4_0>(n, w, w_stride, n_rows, act, act_stride, n_cols, out,
                                                           out_stride);
}

}  // namespace
}  // namespace ledge::kernels::arm
