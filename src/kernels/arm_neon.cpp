// ARMv8-A Advanced SIMD (NEON) kernels: every weight type's dot product, the
// peer-order twins, and the Q8_0 / Q8_1 / Q8_K activation quantizers.
// Baseline AArch64 (NEON is architectural there); dispatch.cpp still checks
// HWCAP_ASIMD before installing them.
//
// Each kernel is bit-identical to the function it replaces (arm_kernels.h):
//  * integer parts are exact: int8 x int8 products widened to int16 and
//    added pairwise into int32 (vpadal), or, for the k-quants, at most four
//    products summed in an int16 lane (|q| <= 31 there, so |sum| <= 15872)
//    before the int16 x scale multiply-accumulate into int32;
//  * the k-quants keep the reference's 8 lanes (element % 8) as two int32x4
//    vectors, so the per-lane float sums are the reference's, lane for lane;
//  * the rest is the replaced function's float arithmetic in its order
//    (the library is built with -ffp-contract=off, so nothing is fused that
//    the reference does not fuse);
//  * F32 / F16 / BF16: products and conversions are vectorised, the double
//    accumulation stays sequential because its order is the reference's.
#include <arm_neon.h>

#include <cmath>
#include <cstring>

#include "kernels/arm_kernels.h"
#include "kernels/arm_neon_kquant.h"
#include "kernels/arm_neon_legacy.h"
#include "kernels/blocks.h"
#include "kernels/fp16.h"
#include "kernels/kquant_scales.h"
#include "kernels/peer_order.h"
#include "kernels/scalar_kernels.h"

namespace ledge::kernels::neon {
namespace {

using arm::h2f;

// 4 lanes of 4 consecutive products: widening multiply, two pairwise adds.
struct QuadNeon {
  static int32x4_t sums(int8x16_t a, int8x16_t b) {
    const int32x4_t lo = vpaddlq_s16(vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    const int32x4_t hi = vpaddlq_s16(vmull_high_s8(a, b));
    return vpaddq_s32(lo, hi);
  }
};

// ---------------------------------------------------------------- float rows

// The reference adds double(a[i] * b[i]) left to right; only that chain is
// sequential here.
inline double add4(double sum, float32x4_t p) {
  const float64x2_t lo = vcvt_f64_f32(vget_low_f32(p));
  const float64x2_t hi = vcvt_high_f64_f32(p);
  sum += vgetq_lane_f64(lo, 0);
  sum += vgetq_lane_f64(lo, 1);
  sum += vgetq_lane_f64(hi, 0);
  sum += vgetq_lane_f64(hi, 1);
  return sum;
}

float vec_dot_f32(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const float*>(w);
  const auto* b = static_cast<const float*>(act);
  double sum = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) sum = add4(sum, vmulq_f32(vld1q_f32(a + i), vld1q_f32(b + i)));
  for (; i < n; ++i) sum += static_cast<double>(a[i] * b[i]);
  return static_cast<float>(sum);
}

// fp16 -> f32 with FCVTL is exact, like the reference's table (NaNs keep
// their payload with the quiet bit set in both).
inline float32x4_t load_f16(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }

float vec_dot_f16(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(act);
  double sum = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) sum = add4(sum, vmulq_f32(load_f16(a + i), load_f16(b + i)));
  for (; i < n; ++i) sum += static_cast<double>(h2f(a[i]) * h2f(b[i]));
  return static_cast<float>(sum);
}

// bf16 -> f32 is the pattern shifted left by 16.
inline float32x4_t load_bf16(const uint16_t* p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }

float vec_dot_bf16(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(act);
  double sum = 0;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) sum = add4(sum, vmulq_f32(load_bf16(a + i), load_bf16(b + i)));
  for (; i < n; ++i) {
    float x, y;
    const uint32_t xa = static_cast<uint32_t>(a[i]) << 16, yb = static_cast<uint32_t>(b[i]) << 16;
    std::memcpy(&x, &xa, 4);
    std::memcpy(&y, &yb, 4);
    sum += static_cast<double>(x * y);
  }
  return static_cast<float>(sum);
}

// ------------------------------------------------------------ 32-blocks

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) { return arm::ref_q4_0<QuadNeon>(n, w, act); }
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act) { return arm::ref_q5_0<QuadNeon>(n, w, act); }
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act) { return arm::ref_q8_0<QuadNeon>(n, w, act); }
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act) {
  return arm::ref_q_1<QuadNeon, BlockQ4_1>(n, w, act);
}
float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act) {
  return arm::ref_q_1<QuadNeon, BlockQ5_1>(n, w, act);
}

float peer_vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act) {
  return arm::peer_lanes<QuadNeon, BlockQ8_0>(n, w, act);
}
float peer_vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act) {
  return arm::peer_lanes<QuadNeon, BlockQ5_0>(n, w, act);
}
float peer_vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act) {
  return arm::peer_lanes_1<QuadNeon, BlockQ4_1>(n, w, act);
}
float peer_vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act) {
  return arm::peer_lanes_1<QuadNeon, BlockQ5_1>(n, w, act);
}
float peer_vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) { return arm::peer_q4_0<QuadNeon>(n, w, act); }

// peer_order.h's k-quant orders (what the engine's table holds for Q2_K..Q6_K).
float peer_vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act) { return arm::peer_q3_k<QuadNeon>(n, w, act); }
float peer_vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act) { return arm::peer_q5_k<QuadNeon>(n, w, act); }
float peer_vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act) { return arm::peer_q6_k<QuadNeon>(n, w, act); }
float peer_vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* act) { return arm::repack_q4_k<QuadNeon, 1>(n, w, act); }
float peer_gemm_dot_q4_k_q8_k(int64_t n, const void* w, const void* act) { return arm::repack_q4_k<QuadNeon, 4>(n, w, act); }
float peer_vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) { return arm::repack_q2_k<QuadNeon, 1>(n, w, act); }
float peer_gemm_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) { return arm::repack_q2_k<QuadNeon, 2>(n, w, act); }
constexpr GemmFn peer_gemm_q4_k_q8_k = arm::repack_gemm<peer_gemm_dot_q4_k_q8_k, peer_vec_dot_q4_k_q8_k>;
constexpr GemmFn peer_gemm_q2_k_q8_k = arm::repack_gemm<peer_gemm_dot_q2_k_q8_k, peer_vec_dot_q2_k_q8_k>;
constexpr GemmFn peer_gemm_q3_k_q8_k = arm::lanes_gemm<arm::Q3KOps<QuadNeon>>;
constexpr GemmFn peer_gemm_q5_k_q8_k = arm::lanes_gemm<arm::Q5KOps<QuadNeon>>;
constexpr GemmFn peer_gemm_q6_k_q8_k = arm::lanes_gemm<arm::Q6KOps<QuadNeon>>;

// --------------------------------------------------------- k-quants x Q8_K

// The reference's 8 int32 lanes (element % 8) as lanes 0-3 and 4-7.
struct Lanes {
  int32x4_t lo = vdupq_n_s32(0), hi = vdupq_n_s32(0);

  // Adds scale * q * a for one group of 16 (n16 = 1) or 32 (n16 = 2)
  // elements given as 16-element vectors. Element 8m + l goes to lane l; the
  // int16 partial sums hold at most 4 products of |q| <= 32, |a| <= 128.
  void add(const int8x16_t* q, const int8_t* a, int n16, int32_t scale) {
    int16x8_t s = vdupq_n_s16(0);
    for (int k = 0; k < n16; ++k) {
      const int8x16_t av = vld1q_s8(a + 16 * k);
      s = vmlal_s8(s, vget_low_s8(q[k]), vget_low_s8(av));
      s = vmlal_high_s8(s, q[k], av);
    }
    lo = vmlal_n_s16(lo, vget_low_s16(s), static_cast<int16_t>(scale));
    hi = vmlal_high_n_s16(hi, s, static_cast<int16_t>(scale));
  }
};

// sums[l] += d * lanes[l] (float(lane) first, as `d * lanes[l]` does).
struct LaneSums {
  float32x4_t lo = vdupq_n_f32(0), hi = vdupq_n_f32(0);

  void add(float d, const Lanes& l) {
    const float32x4_t dv = vdupq_n_f32(d);
    lo = vaddq_f32(lo, vmulq_f32(dv, vcvtq_f32_s32(l.lo)));
    hi = vaddq_f32(hi, vmulq_f32(dv, vcvtq_f32_s32(l.hi)));
  }
  // sumf += sums[l] for l = 0..7, in that order.
  float add_to(float sumf) const {
    float s[8];
    vst1q_f32(s, lo);
    vst1q_f32(s + 4, hi);
    for (float v : s) sumf += v;
    return sumf;
  }
};

float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ2_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  const uint8x16_t three = vdupq_n_u8(3);
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    // summs = sum_s bsums[s] * min_s, exact.
    const uint8x16_t sc = vld1q_u8(x[i].scales);
    const int16x8_t mins_lo = vreinterpretq_s16_u16(vmovl_u8(vget_low_u8(vshrq_n_u8(sc, 4))));
    const int16x8_t mins_hi = vreinterpretq_s16_u16(vmovl_high_u8(vshrq_n_u8(sc, 4)));
    const int16x8_t bs_lo = vld1q_s16(y[i].bsums), bs_hi = vld1q_s16(y[i].bsums + 8);
    int32x4_t m = vmull_s16(vget_low_s16(mins_lo), vget_low_s16(bs_lo));
    m = vmlal_high_s16(m, mins_lo, bs_lo);
    m = vmlal_s16(m, vget_low_s16(mins_hi), vget_low_s16(bs_hi));
    m = vmlal_high_s16(m, mins_hi, bs_hi);
    const int summs = vaddvq_s32(m);
    const float dall = y[i].d * h2f(x[i].d);
    const float dmin = y[i].d * h2f(x[i].dmin);
    // isum = sum_s scale_s * sum(q * a) over sub-block s (16 elements).
    int32x4_t isum = vdupq_n_s32(0);
    for (int c = 0; c < 2; ++c) {
      uint8x16_t q0 = vld1q_u8(x[i].qs + 32 * c), q1 = vld1q_u8(x[i].qs + 32 * c + 16);
      for (int j = 0; j < 4; ++j) {
        const int8_t* a = y[i].qs + 128 * c + 32 * j;
        const int s = 8 * c + 2 * j;
        const int8x16_t w0 = vreinterpretq_s8_u8(vandq_u8(q0, three));
        const int8x16_t w1 = vreinterpretq_s8_u8(vandq_u8(q1, three));
        isum = vmlaq_n_s32(isum, QuadNeon::sums(w0, vld1q_s8(a)), x[i].scales[s] & 0x0f);
        isum = vmlaq_n_s32(isum, QuadNeon::sums(w1, vld1q_s8(a + 16)), x[i].scales[s + 1] & 0x0f);
        q0 = vshrq_n_u8(q0, 2);
        q1 = vshrq_n_u8(q1, 2);
      }
    }
    sumf += dall * vaddvq_s32(isum) - dmin * summs;
  }
  return sumf;
}

float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ3_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  const uint8x16_t three = vdupq_n_u8(3), one = vdupq_n_u8(1);
  const int8x16_t four = vdupq_n_s8(4);
  LaneSums sums;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    int32_t scales[16];
    for (int s = 0; s < 16; ++s) scales[s] = unpack_scale_q3_k(s, x[i].scales);
    uint8x16_t hm0 = vld1q_u8(x[i].hmask), hm1 = vld1q_u8(x[i].hmask + 16);
    Lanes lanes;
    for (int c = 0; c < 2; ++c) {
      uint8x16_t q0 = vld1q_u8(x[i].qs + 32 * c), q1 = vld1q_u8(x[i].qs + 32 * c + 16);
      for (int j = 0; j < 4; ++j) {
        // low 2 bits | hmask bit (4c + j) << 2, minus 4.
        const int8x16_t w0 = vsubq_s8(
            vreinterpretq_s8_u8(vorrq_u8(vandq_u8(q0, three), vshlq_n_u8(vandq_u8(hm0, one), 2))), four);
        const int8x16_t w1 = vsubq_s8(
            vreinterpretq_s8_u8(vorrq_u8(vandq_u8(q1, three), vshlq_n_u8(vandq_u8(hm1, one), 2))), four);
        const int8_t* a = y[i].qs + 128 * c + 32 * j;
        lanes.add(&w0, a, 1, scales[8 * c + 2 * j]);
        lanes.add(&w1, a + 16, 1, scales[8 * c + 2 * j + 1]);
        q0 = vshrq_n_u8(q0, 2);
        q1 = vshrq_n_u8(q1, 2);
        hm0 = vshrq_n_u8(hm0, 1);
        hm1 = vshrq_n_u8(hm1, 1);
      }
    }
    sums.add(h2f(x[i].d) * y[i].d, lanes);
  }
  return sums.add_to(0.0f);
}

// Q4_K / Q5_K: the mins through the bsums, as the reference does.
inline int mins_dot_bsums(const uint8_t mn[8], const int16_t* bsums) {
  int sumi = 0;
  for (int g = 0; g < 16; ++g) sumi += bsums[g] * mn[g / 2];
  return sumi;
}

float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  const uint8x16_t low4 = vdupq_n_u8(0x0f);
  LaneSums sums;
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint8_t sc[8], mn[8];
    for (int s = 0; s < 8; ++s) unpack_scale_min_k4(s, x[i].scales, &sc[s], &mn[s]);
    const int sumi = mins_dot_bsums(mn, y[i].bsums);
    Lanes lanes;
    for (int c = 0; c < 4; ++c) {
      const uint8x16_t v0 = vld1q_u8(x[i].qs + 32 * c), v1 = vld1q_u8(x[i].qs + 32 * c + 16);
      const int8x16_t lo[2] = {vreinterpretq_s8_u8(vandq_u8(v0, low4)), vreinterpretq_s8_u8(vandq_u8(v1, low4))};
      const int8x16_t hi[2] = {vreinterpretq_s8_u8(vshrq_n_u8(v0, 4)), vreinterpretq_s8_u8(vshrq_n_u8(v1, 4))};
      lanes.add(lo, y[i].qs + 64 * c, 2, sc[2 * c]);
      lanes.add(hi, y[i].qs + 64 * c + 32, 2, sc[2 * c + 1]);
    }
    sums.add(h2f(x[i].d) * y[i].d, lanes);
    const float dmin = h2f(x[i].dmin) * y[i].d;
    sumf -= dmin * sumi;
  }
  return sums.add_to(sumf);
}

float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  const uint8x16_t low4 = vdupq_n_u8(0x0f), one = vdupq_n_u8(1), two = vdupq_n_u8(2);
  LaneSums sums;
  float sumf = 0;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    uint8_t sc[8], mn[8];
    for (int s = 0; s < 8; ++s) unpack_scale_min_k4(s, x[i].scales, &sc[s], &mn[s]);
    const int sumi = mins_dot_bsums(mn, y[i].bsums);
    uint8x16_t h0 = vld1q_u8(x[i].qh), h1 = vld1q_u8(x[i].qh + 16);
    Lanes lanes;
    for (int c = 0; c < 4; ++c) {
      // Bit 4 of element 64c + l is bit 2c of qh[l]; of 64c + 32 + l bit 2c + 1.
      const uint8x16_t v0 = vld1q_u8(x[i].qs + 32 * c), v1 = vld1q_u8(x[i].qs + 32 * c + 16);
      const int8x16_t lo[2] = {
          vreinterpretq_s8_u8(vorrq_u8(vandq_u8(v0, low4), vshlq_n_u8(vandq_u8(h0, one), 4))),
          vreinterpretq_s8_u8(vorrq_u8(vandq_u8(v1, low4), vshlq_n_u8(vandq_u8(h1, one), 4)))};
      const int8x16_t hi[2] = {vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(v0, 4), vshlq_n_u8(vandq_u8(h0, two), 3))),
                               vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(v1, 4), vshlq_n_u8(vandq_u8(h1, two), 3)))};
      lanes.add(lo, y[i].qs + 64 * c, 2, sc[2 * c]);
      lanes.add(hi, y[i].qs + 64 * c + 32, 2, sc[2 * c + 1]);
      h0 = vshrq_n_u8(h0, 2);
      h1 = vshrq_n_u8(h1, 2);
    }
    sums.add(h2f(x[i].d) * y[i].d, lanes);
    const float dmin = h2f(x[i].dmin) * y[i].d;
    sumf -= dmin * sumi;
  }
  return sums.add_to(sumf);
}

float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ6_K*>(w);
  const auto* y = static_cast<const BlockQ8_K*>(act);
  const uint8x16_t low4 = vdupq_n_u8(0x0f), three = vdupq_n_u8(3);
  const int8x16_t m32 = vdupq_n_s8(32);
  LaneSums sums;
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    Lanes lanes;
    for (int h = 0; h < 2; ++h) {
      const uint8_t* ql = x[i].ql + 64 * h;
      const uint8_t* qh = x[i].qh + 32 * h;
      const int8_t* sc = x[i].scales + 8 * h;
      const int8_t* a = y[i].qs + 128 * h;
      for (int lc = 0; lc < 2; ++lc) {  // elements l = 16lc .. 16lc + 15 of each quarter
        const uint8x16_t l0 = vld1q_u8(ql + 16 * lc), l32 = vld1q_u8(ql + 32 + 16 * lc);
        const uint8x16_t hb = vld1q_u8(qh + 16 * lc);
        const uint8x16_t u[4] = {
            vorrq_u8(vandq_u8(l0, low4), vshlq_n_u8(vandq_u8(hb, three), 4)),
            vorrq_u8(vandq_u8(l32, low4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 2), three), 4)),
            vorrq_u8(vshrq_n_u8(l0, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(hb, 4), three), 4)),
            vorrq_u8(vshrq_n_u8(l32, 4), vshlq_n_u8(vshrq_n_u8(hb, 6), 4))};
        for (int k = 0; k < 4; ++k) {
          // Element 128h + 32k + 16lc + m: sub-block 8h + 2k + lc.
          const int8x16_t q = vsubq_s8(vreinterpretq_s8_u8(u[k]), m32);
          lanes.add(&q, a + 32 * k + 16 * lc, 1, sc[2 * k + lc]);
        }
      }
    }
    sums.add(h2f(x[i].d) * y[i].d, lanes);
  }
  return sums.add_to(0.0f);
}

// ------------------------------------------------------- activation quantizers

// max(|x|) over 32 floats starting from 0; FMAXNM skips NaN like the
// reference's std::max(amax, fabs(x)).
inline float absmax(const float* x, int n) {
  float32x4_t m = vdupq_n_f32(0);
  for (int k = 0; k < n; k += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(x + k)));
  return vmaxnmvq_f32(m);
}

// Low byte of each of 16 int32 (what static_cast<int8_t>(int) keeps).
inline int8x16_t narrow16(const int32x4_t v[4]) {
  const int16x8_t a = vcombine_s16(vmovn_s32(v[0]), vmovn_s32(v[1]));
  const int16x8_t b = vcombine_s16(vmovn_s32(v[2]), vmovn_s32(v[3]));
  return vcombine_s8(vmovn_s16(a), vmovn_s16(b));
}

// nearest_int (rounding.h): the 1.5 * 2^23 shift and its mantissa bits.
inline int32x4_t nearest_int(float32x4_t v) {
  const int32x4_t bits = vreinterpretq_s32_f32(vaddq_f32(v, vdupq_n_f32(12582912.0f)));
  return vsubq_s32(vandq_s32(bits, vdupq_n_s32(0x007fffff)), vdupq_n_s32(0x00400000));
}

// Q8_0 / Q8_1 reference rule: roundf(x * (1/d)), d = amax/127. FCVTAS rounds
// half away from zero and saturates like the scalar round-then-convert.
template <bool kWithSum>
void quantize_q8_ref(const float* x, int8_t* qs, uint16_t* d_out, uint16_t* s_out) {
  const float d = absmax(x, kQK) / 127;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  *d_out = fp32_to_fp16(d);
  const float32x4_t mul = vdupq_n_f32(id);
  for (int h = 0; h < 2; ++h) {
    int32x4_t q[4];
    for (int k = 0; k < 4; ++k) q[k] = vcvtaq_s32_f32(vmulq_f32(vld1q_f32(x + 16 * h + 4 * k), mul));
    vst1q_s8(qs + 16 * h, narrow16(q));
  }
  if constexpr (kWithSum) {
    const int sum = vaddlvq_s8(vld1q_s8(qs)) + vaddlvq_s8(vld1q_s8(qs + 16));
    *s_out = fp32_to_fp16(sum * d);
  }
}

// Q8_0 / Q8_1 with llama.cpp's x86 rule: x * (127/amax), nearest_int.
template <bool kWithSum>
void quantize_q8_x86(const float* x, int8_t* qs, uint16_t* d_out, uint16_t* s_out) {
  const float amax = absmax(x, kQK);
  const float d = amax / 127.0f;
  *d_out = fp32_to_fp16(d);
  const float32x4_t mul = vdupq_n_f32(amax != 0.0f ? 127.0f / amax : 0.0f);
  for (int h = 0; h < 2; ++h) {
    int32x4_t q[4];
    for (int k = 0; k < 4; ++k) q[k] = nearest_int(vmulq_f32(vld1q_f32(x + 16 * h + 4 * k), mul));
    vst1q_s8(qs + 16 * h, narrow16(q));
  }
  if constexpr (kWithSum) {
    const int sum = vaddlvq_s8(vld1q_s8(qs)) + vaddlvq_s8(vld1q_s8(qs + 16));
    *s_out = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) quantize_q8_ref<false>(src + i * kQK, b[i].qs, &b[i].d, nullptr);
}
void quantize_row_q8_0_x86(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_0*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) quantize_q8_x86<false>(src + i * kQK, b[i].qs, &b[i].d, nullptr);
}
void quantize_row_q8_1(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) quantize_q8_ref<true>(src + i * kQK, b[i].qs, &b[i].d, &b[i].s);
}
void quantize_row_q8_1_x86(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_1*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i) quantize_q8_x86<true>(src + i * kQK, b[i].qs, &b[i].d, &b[i].s);
}

// Q8_K reference: the first value of largest magnitude maps to -127.
void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* x = src + i * kQK_K;
    const float amax = absmax(x, kQK_K);
    if (amax == 0.0f) {
      b[i].d = 0;
      std::memset(b[i].qs, 0, sizeof(b[i].qs));
      std::memset(b[i].bsums, 0, sizeof(b[i].bsums));
      continue;
    }
    // The reference keeps the first x with |x| > every earlier |x|: the
    // first one whose |x| equals the maximum.
    float max = 0;
    for (int k = 0; k < kQK_K; k += 4) {
      const uint32x4_t hit = vceqq_f32(vabsq_f32(vld1q_f32(x + k)), vdupq_n_f32(amax));
      if (vmaxvq_u32(hit) != 0) {
        int l = 0;
        while (std::fabs(x[k + l]) != amax) ++l;
        max = x[k + l];
        break;
      }
    }
    const float iscale = -127.f / max;
    const float32x4_t mul = vdupq_n_f32(iscale);
    const int32x4_t cap = vdupq_n_s32(127);
    for (int g = 0; g < kQK_K; g += 16) {
      int32x4_t q[4];
      for (int k = 0; k < 4; ++k) q[k] = vminq_s32(nearest_int(vmulq_f32(mul, vld1q_f32(x + g + 4 * k))), cap);
      const int8x16_t v = narrow16(q);
      vst1q_s8(b[i].qs + g, v);
      b[i].bsums[g / 16] = static_cast<int16_t>(vaddlvq_s8(v));
    }
    b[i].d = 1 / iscale;
  }
}

using TT = TensorType;
namespace s = scalar;

constexpr KernelVariant vd(TT t, VecDotFn scalar_fn, VecDotFn simd_fn) {
  return {t, {nullptr, nullptr, scalar_fn}, {nullptr, nullptr, simd_fn}};
}
constexpr KernelVariant qz(TT t, QuantizeRowFn scalar_fn, QuantizeRowFn simd_fn) {
  return {t, {nullptr, scalar_fn, nullptr}, {nullptr, simd_fn, nullptr}};
}

constexpr KernelVariant gm(TT t, GemmFn scalar_fn, GemmFn simd_fn) {
  return {t, {nullptr, nullptr, nullptr, scalar_fn}, {nullptr, nullptr, nullptr, simd_fn}};
}

constexpr KernelVariant kVariants[] = {
    vd(TT::F32, s::vec_dot_f32, vec_dot_f32),
    vd(TT::F16, s::vec_dot_f16, vec_dot_f16),
    vd(TT::BF16, s::vec_dot_bf16, vec_dot_bf16),
    vd(TT::Q4_0, s::vec_dot_q4_0_q8_0, vec_dot_q4_0_q8_0),
    vd(TT::Q4_1, s::vec_dot_q4_1_q8_1, vec_dot_q4_1_q8_1),
    vd(TT::Q5_0, s::vec_dot_q5_0_q8_0, vec_dot_q5_0_q8_0),
    vd(TT::Q5_1, s::vec_dot_q5_1_q8_1, vec_dot_q5_1_q8_1),
    vd(TT::Q8_0, s::vec_dot_q8_0_q8_0, vec_dot_q8_0_q8_0),
    vd(TT::Q2_K, s::vec_dot_q2_k_q8_k, vec_dot_q2_k_q8_k),
    vd(TT::Q3_K, s::vec_dot_q3_k_q8_k, vec_dot_q3_k_q8_k),
    vd(TT::Q4_K, s::vec_dot_q4_k_q8_k, vec_dot_q4_k_q8_k),
    vd(TT::Q5_K, s::vec_dot_q5_k_q8_k, vec_dot_q5_k_q8_k),
    vd(TT::Q6_K, s::vec_dot_q6_k_q8_k, vec_dot_q6_k_q8_k),
    // The engine's table holds peer_order.h's functions for these types
    // (peer::install_as_reference); their twins keep that order.
    vd(TT::Q8_0, peer::vec_dot_q8_0_q8_0, peer_vec_dot_q8_0_q8_0),
    vd(TT::Q5_0, peer::vec_dot_q5_0_q8_0, peer_vec_dot_q5_0_q8_0),
    vd(TT::Q4_1, peer::vec_dot_q4_1_q8_1, peer_vec_dot_q4_1_q8_1),
    vd(TT::Q5_1, peer::vec_dot_q5_1_q8_1, peer_vec_dot_q5_1_q8_1),
    vd(TT::Q4_0, peer::vec_dot_q4_0_q8_0, peer_vec_dot_q4_0_q8_0),
    vd(TT::Q3_K, peer::vec_dot_q3_k_q8_k, peer_vec_dot_q3_k_q8_k),
    vd(TT::Q5_K, peer::vec_dot_q5_k_q8_k, peer_vec_dot_q5_k_q8_k),
    vd(TT::Q6_K, peer::vec_dot_q6_k_q8_k, peer_vec_dot_q6_k_q8_k),
    vd(TT::Q4_K, peer::vec_dot_q4_k_q8_k, peer_vec_dot_q4_k_q8_k),
    vd(TT::Q2_K, peer::vec_dot_q2_k_q8_k, peer_vec_dot_q2_k_q8_k),
    gm(TT::Q4_K, peer::gemm_q4_k_q8_k, peer_gemm_q4_k_q8_k),
    gm(TT::Q2_K, peer::gemm_q2_k_q8_k, peer_gemm_q2_k_q8_k),
    gm(TT::Q3_K, peer::gemm_q3_k_q8_k, peer_gemm_q3_k_q8_k),
    gm(TT::Q5_K, peer::gemm_q5_k_q8_k, peer_gemm_q5_k_q8_k),
    gm(TT::Q6_K, peer::gemm_q6_k_q8_k, peer_gemm_q6_k_q8_k),
    qz(TT::Q8_0, s::quantize_row_q8_0, quantize_row_q8_0),
    qz(TT::Q8_0, s::quantize_row_q8_0_x86, quantize_row_q8_0_x86),
    qz(TT::Q8_1, s::quantize_row_q8_1, quantize_row_q8_1),
    qz(TT::Q8_1, s::quantize_row_q8_1_x86, quantize_row_q8_1_x86),
    qz(TT::Q8_K, s::quantize_row_q8_k, quantize_row_q8_k),
};


constexpr KernelVariant kGemmVariants[] = {
    {TT::Q8_0, {nullptr, nullptr, peer::vec_dot_q8_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, arm::peer_gemm_q8_0<QuadNeon>}},
    {TT::Q4_0, {nullptr, nullptr, peer::vec_dot_q4_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, arm::peer_gemm_q4_0<QuadNeon>}},
    {TT::Q5_0, {nullptr, nullptr, peer::vec_dot_q5_0_q8_0, nullptr}, {nullptr, nullptr, nullptr, arm::peer_gemm_q5_0<QuadNeon>}},
};

}  // namespace
}  // namespace ledge::kernels::neon

namespace ledge::kernels {
std::span<const KernelVariant> neon_variants() { return neon::kVariants; }
std::span<const KernelVariant> neon_gemm_variants() { return neon::kGemmVariants; }
}  // namespace ledge::kernels
