// AVX2 + FMA + F16C kernels. Compiled with -mavx2 -mfma -mf16c (see
// CMakeLists.txt); dispatch.cpp installs them only on CPUs that have those.
//
// Dot products: the per-block integer sums are exact (int8 products through
// pmaddubsw, whose int16 pair sums cannot saturate for these operand ranges:
// |weight quant| <= 128, |activation quant| <= 127 as the activation
// quantizers produce), then scaled and accumulated in 8 float lanes with FMA.
// Only that float summation order differs from the scalar reference.
// Quantizers: bit-exact with the scalar function they replace, including
// its rounding rule, NaN-ignoring absmax and fp16 scale rounding.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "kernels/blocks.h"
#include "kernels/peer_order.h"
#include "kernels/scalar_kernels.h"
#include "kernels/x86_avx2_helpers.h"
#include "kernels/x86_kernels.h"
#include "kernels/x86_kquant.h"

namespace ledge::kernels::avx2 {
namespace {

using namespace x86;

// ---------------------------------------------------------------- float rows

float vec_dot_f32(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const float*>(w);
  const auto* b = static_cast<const float*>(act);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(),
         acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float vec_dot_f16(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(act);
  auto load = [](const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  };
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps(), acc2 = _mm256_setzero_ps(),
         acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(load(a + i), load(b + i), acc0);
    acc1 = _mm256_fmadd_ps(load(a + i + 8), load(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(load(a + i + 16), load(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(load(a + i + 24), load(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load(a + i), load(b + i), acc0);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += half_to_float(a[i]) * half_to_float(b[i]);
  return sum;
}

float vec_dot_bf16(int64_t n, const void* w, const void* act) {
  const auto* a = static_cast<const uint16_t*>(w);
  const auto* b = static_cast<const uint16_t*>(act);
  // bf16 -> f32 is a 16-bit left shift of the pattern.
  auto load = [](const uint16_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  };
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(load(a + i), load(b + i), acc0);
    acc1 = _mm256_fmadd_ps(load(a + i + 8), load(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load(a + i), load(b + i), acc0);
  float sum = hsum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) {
    float x, y;
    const uint32_t xa = static_cast<uint32_t>(a[i]) << 16, yb = static_cast<uint32_t>(b[i]) << 16;
    std::memcpy(&x, &xa, 4);
    std::memcpy(&y, &yb, 4);
    sum += x * y;
  }
  return sum;
}

// ------------------------------------------------------------ 32-blocks x Q8_0

// One accumulator on purpose: per block, 8 int32 lanes of 4 consecutive
// products, acc = fma(d_w * d_a, lane, acc), then hsum (high + low half,
// pairs, last two). That is the float order of llama.cpp's AVX2 Q8_0 kernel,
// so this function is also bit-exact with a scalar model of that order; the
// loop-carried FMA costs nothing while the row streams from memory.
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ8_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i) {
    const __m256i p = dot_i8(load256(x[i].qs), load256(y[i].qs));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)), _mm256_cvtepi32_ps(p), acc);
  }
  return hsum(acc);
}

// sum (q - 8) * a as pmaddubsw(q, a) - pmaddubsw(8, a) on the unsigned
// nibbles: int16 pair sums within [-2032, 3810], no saturation, and fewer
// operations than fixing up signs.
inline __m256i q4_0_dot(const BlockQ4_0& x, const BlockQ8_0& y) {
  const __m256i a = load256(y.qs);
  const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(nibbles_32(x.qs), a), _mm256_maddubs_epi16(_mm256_set1_epi8(8), a));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  const int64_t nb = n / kQK;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 2 <= nb; i += 2) {
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)),
                           _mm256_cvtepi32_ps(q4_0_dot(x[i], y[i])), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i + 1].d) * half_to_float(y[i + 1].d)),
                           _mm256_cvtepi32_ps(q4_0_dot(x[i + 1], y[i + 1])), acc1);
  }
  if (i < nb)
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)),
                           _mm256_cvtepi32_ps(q4_0_dot(x[i], y[i])), acc0);
  return hsum(_mm256_add_ps(acc0, acc1));
}

// Q5_0: unsigned q = nibble | bit4 << 4 in 0..31; sum (q - 16) * a as
// pmaddubsw(q, a) - pmaddubsw(16, a) (pair sums within [-4064, 7874]).
inline __m256i q5_0_dot(const BlockQ5_0& x, const BlockQ8_0& y) {
  uint32_t qh;
  std::memcpy(&qh, x.qh, sizeof(qh));
  const __m256i q = _mm256_or_si256(nibbles_32(x.qs), _mm256_and_si256(bytes_from_bits(qh), _mm256_set1_epi8(0x10)));
  const __m256i a = load256(y.qs);
  const __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(q, a), _mm256_maddubs_epi16(_mm256_set1_epi8(16), a));
  return _mm256_madd_epi16(p, _mm256_set1_epi16(1));
}

float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  const int64_t nb = n / kQK;
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 2 <= nb; i += 2) {
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)),
                           _mm256_cvtepi32_ps(q5_0_dot(x[i], y[i])), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i + 1].d) * half_to_float(y[i + 1].d)),
                           _mm256_cvtepi32_ps(q5_0_dot(x[i + 1], y[i + 1])), acc1);
  }
  if (i < nb)
    acc0 = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)),
                           _mm256_cvtepi32_ps(q5_0_dot(x[i], y[i])), acc0);
  return hsum(_mm256_add_ps(acc0, acc1));
}

// Q4_1 / Q5_1: unsigned quants (0..15 / 0..31) straight into pmaddubsw; the
// offset m_w enters through the Q8_1 block's s = d_a * sum(q_a).
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(act);
  const int64_t nb = n / kQK;
  __m256 acc = _mm256_setzero_ps();
  float summ = 0;
  for (int64_t i = 0; i < nb; ++i) {
    const __m256i p = dot_u8_i8(nibbles_32(x[i].qs), load256(y[i].qs));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)), _mm256_cvtepi32_ps(p), acc);
    summ += half_to_float(x[i].m) * half_to_float(y[i].s);
  }
  return hsum(acc) + summ;
}

float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_1*>(w);
  const auto* y = static_cast<const BlockQ8_1*>(act);
  const int64_t nb = n / kQK;
  __m256 acc = _mm256_setzero_ps();
  float summ = 0;
  for (int64_t i = 0; i < nb; ++i) {
    uint32_t qh;
    std::memcpy(&qh, x[i].qh, sizeof(qh));
    const __m256i q = _mm256_or_si256(nibbles_32(x[i].qs), _mm256_and_si256(bytes_from_bits(qh), _mm256_set1_epi8(0x10)));
    const __m256i p = dot_u8_i8(q, load256(y[i].qs));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)), _mm256_cvtepi32_ps(p), acc);
    summ += half_to_float(x[i].m) * half_to_float(y[i].s);
  }
  return hsum(acc) + summ;
}

// ------------------------------------ twins of peer_order.h's x86-order dots

// peer::vec_dot_q5_0_q8_0: one accumulator, fma(d, lane, acc) per block, hsum.
float peer_vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ5_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < n / kQK; ++i)
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half_to_float(x[i].d) * half_to_float(y[i].d)),
                          _mm256_cvtepi32_ps(q5_0_dot(x[i], y[i])), acc);
  return hsum(acc);
}

// peer::vec_dot_q4_0_q8_0 (the repack GEMV order): per block one exact int
// sum s, then acc = fma(float(s), d_w * d_a, acc) block after block. The
// sums and scales of 8 blocks are computed in vectors; only the fma chain
// itself stays scalar, since its order is the point.
float peer_vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* act) {
  const auto* x = static_cast<const BlockQ4_0*>(w);
  const auto* y = static_cast<const BlockQ8_0*>(act);
  const int64_t nb = n / kQK;
  float acc = 0;
  int64_t i = 0;
  alignas(32) float sums[8], scales[8];
  for (; i + 8 <= nb; i += 8) {
    __m256i p[8];
    for (int k = 0; k < 8; ++k) {
      p[k] = q4_0_dot(x[i + k], y[i + k]);
      scales[k] = half_to_float(x[i + k].d) * half_to_float(y[i + k].d);
    }
    // Transposing reduction: lane k of the result = the 8 lanes of p[k] summed.
    const __m256i h01 = _mm256_hadd_epi32(p[0], p[1]), h23 = _mm256_hadd_epi32(p[2], p[3]);
    const __m256i h45 = _mm256_hadd_epi32(p[4], p[5]), h67 = _mm256_hadd_epi32(p[6], p[7]);
    const __m256i h0123 = _mm256_hadd_epi32(h01, h23), h4567 = _mm256_hadd_epi32(h45, h67);
    const __m256i total = _mm256_add_epi32(_mm256_permute2x128_si256(h0123, h4567, 0x20),
                                           _mm256_permute2x128_si256(h0123, h4567, 0x31));
    _mm256_store_ps(sums, _mm256_cvtepi32_ps(total));
    for (int k = 0; k < 8; ++k) acc = std::fma(sums[k], scales[k], acc);
  }
  for (; i < nb; ++i)
    acc = std::fma(static_cast<float>(hsum_i32(q4_0_dot(x[i], y[i]))), half_to_float(x[i].d) * half_to_float(y[i].d), acc);
  return acc;
}

// ------------------------------------------------------- activation quantizers

int32_t sum_i8_32(const int8_t* qs) {
  int32_t a, b;
  sum_i8_16x2(qs, &a, &b);
  return a + b;
}

// Q8_0 / Q8_1 with the reference rule (roundf of x * (1/d), d = amax/127).
template <bool kWithSum>
void quantize_q8_ref(const float* src, int8_t* qs, uint16_t* d_out, uint16_t* s_out) {
  __m256 v[4];
  for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(src + 8 * k);
  const float d = absmax_32(v) / 127;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  *d_out = float_to_half(d);
  const __m256 mul = _mm256_set1_ps(id);
  __m256i q[4];
  for (int k = 0; k < 4; ++k) q[k] = _mm256_cvttps_epi32(round_half_away(_mm256_mul_ps(v[k], mul)));
  store_i8_32(q, qs);
  if constexpr (kWithSum) *s_out = float_to_half(static_cast<float>(sum_i8_32(qs)) * d);
}

// Q8_0 / Q8_1 with llama.cpp's x86 rule (x * (127/amax), ties to even).
template <bool kWithSum>
void quantize_q8_x86(const float* src, int8_t* qs, uint16_t* d_out, uint16_t* s_out) {
  __m256 v[4];
  for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(src + 8 * k);
  const float amax = absmax_32(v);
  const float d = amax / 127.0f;
  *d_out = float_to_half(d);
  const __m256 mul = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
  __m256i q[4];
  for (int k = 0; k < 4; ++k) q[k] = nearest_int(_mm256_mul_ps(v[k], mul));
  store_i8_32(q, qs);
  if constexpr (kWithSum) *s_out = float_to_half(d * static_cast<float>(sum_i8_32(qs)));
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
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* x = src + i * kQK_K;
    __m256 m = _mm256_setzero_ps();
    // max(|x|, m) keeps m when |x| is NaN, as the scalar `ax > amax` does.
    for (int k = 0; k < kQK_K; k += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + k)), m);
    const float amax = hmax(m);
    if (amax == 0.0f) {
      b[i].d = 0;
      std::memset(b[i].qs, 0, sizeof(b[i].qs));
      std::memset(b[i].bsums, 0, sizeof(b[i].bsums));
      continue;
    }
    float max = 0;
    const __m256 vamax = _mm256_set1_ps(amax);
    for (int k = 0; k < kQK_K; k += 8) {
      const int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + k)), vamax, _CMP_EQ_OQ));
      if (hit) {
        max = x[k + __builtin_ctz(static_cast<unsigned>(hit))];
        break;
      }
    }
    const float iscale = -127.f / max;
    const __m256 mul = _mm256_set1_ps(iscale);
    const __m256i cap = _mm256_set1_epi32(127);
    for (int g = 0; g < kQK_K; g += 32) {
      __m256i q[4];
      for (int k = 0; k < 4; ++k) q[k] = _mm256_min_epi32(nearest_int(_mm256_mul_ps(mul, _mm256_loadu_ps(x + g + 8 * k))), cap);
      store_i8_32(q, b[i].qs + g);
      int32_t s0, s1;
      sum_i8_16x2(b[i].qs + g, &s0, &s1);
      b[i].bsums[g / 16] = static_cast<int16_t>(s0);
      b[i].bsums[g / 16 + 1] = static_cast<int16_t>(s1);
    }
    b[i].d = 1 / iscale;
  }
}

float peer_vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* act) { return vec_dot_q8_0_q8_0(n, w, act); }
float peer_vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* act) { return vec_dot_q4_1_q8_1(n, w, act); }
float peer_vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* act) { return vec_dot_q5_1_q8_1(n, w, act); }

using TT = TensorType;
namespace s = scalar;

constexpr KernelVariant vd(TT t, VecDotFn scalar_fn, VecDotFn simd_fn) {
  return {t, {nullptr, nullptr, scalar_fn}, {nullptr, nullptr, simd_fn}};
}
constexpr KernelVariant gm(TT t, GemmFn scalar_fn, GemmFn simd_fn) {
  return {t, {nullptr, nullptr, nullptr, scalar_fn}, {nullptr, nullptr, nullptr, simd_fn}};
}
constexpr KernelVariant qz(TT t, QuantizeRowFn scalar_fn, QuantizeRowFn simd_fn) {
  return {t, {nullptr, scalar_fn, nullptr}, {nullptr, simd_fn, nullptr}};
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
    // peer_order.h's scalar models of llama.cpp's x86 float order: these
    // twins are bit-exact with them (the Q8_0 / Q4_1 / Q5_1 kernels above
    // already use exactly that order; distinct symbols keep each twin's
    // scalar base unambiguous).
    vd(TT::Q8_0, peer::vec_dot_q8_0_q8_0, peer_vec_dot_q8_0_q8_0),
    vd(TT::Q5_0, peer::vec_dot_q5_0_q8_0, peer_vec_dot_q5_0_q8_0),
    vd(TT::Q4_1, peer::vec_dot_q4_1_q8_1, peer_vec_dot_q4_1_q8_1),
    vd(TT::Q5_1, peer::vec_dot_q5_1_q8_1, peer_vec_dot_q5_1_q8_1),
    vd(TT::Q4_0, peer::vec_dot_q4_0_q8_0, peer_vec_dot_q4_0_q8_0),
    // k-quants: the peer models' twins (x86_avx2_kquant.cpp), vec_dot and
    // gemm slot (Q4_K / Q2_K: the repack GEMV / GEMM column split).
    vd(TT::Q3_K, peer::vec_dot_q3_k_q8_k, avx2kq::vec_dot_q3_k_q8_k),
    vd(TT::Q5_K, peer::vec_dot_q5_k_q8_k, avx2kq::vec_dot_q5_k_q8_k),
    vd(TT::Q6_K, peer::vec_dot_q6_k_q8_k, avx2kq::vec_dot_q6_k_q8_k),
    vd(TT::Q4_K, peer::vec_dot_q4_k_q8_k, avx2kq::vec_dot_q4_k_q8_k),
    vd(TT::Q2_K, peer::vec_dot_q2_k_q8_k, avx2kq::vec_dot_q2_k_q8_k),
    gm(TT::Q4_K, peer::gemm_q4_k_q8_k, avx2kq::gemm_q4_k_q8_k),
    gm(TT::Q2_K, peer::gemm_q2_k_q8_k, avx2kq::gemm_q2_k_q8_k),
    gm(TT::Q3_K, peer::gemm_q3_k_q8_k, avx2kq::gemm_q3_k_q8_k),
    gm(TT::Q5_K, peer::gemm_q5_k_q8_k, avx2kq::gemm_q5_k_q8_k),
    gm(TT::Q6_K, peer::gemm_q6_k_q8_k, avx2kq::gemm_q6_k_q8_k),
    // Where the table holds the portable k-quant references instead (tests,
    // tools that skip peer::install_as_reference), the same kernels stand in
    // for them: identical integer sums, only the float order differs (the
    // convention of the vd() entries at the top).
    vd(TT::Q2_K, s::vec_dot_q2_k_q8_k, avx2kq::vec_dot_q2_k_q8_k),
    vd(TT::Q3_K, s::vec_dot_q3_k_q8_k, avx2kq::vec_dot_q3_k_q8_k),
    vd(TT::Q4_K, s::vec_dot_q4_k_q8_k, avx2kq::vec_dot_q4_k_q8_k),
    vd(TT::Q5_K, s::vec_dot_q5_k_q8_k, avx2kq::vec_dot_q5_k_q8_k),
    vd(TT::Q6_K, s::vec_dot_q6_k_q8_k, avx2kq::vec_dot_q6_k_q8_k),
    qz(TT::Q8_0, s::quantize_row_q8_0, quantize_row_q8_0),
    qz(TT::Q8_0, s::quantize_row_q8_0_x86, quantize_row_q8_0_x86),
    qz(TT::Q8_1, s::quantize_row_q8_1, quantize_row_q8_1),
    qz(TT::Q8_1, s::quantize_row_q8_1_x86, quantize_row_q8_1_x86),
    qz(TT::Q8_K, s::quantize_row_q8_k, quantize_row_q8_k),
};

}  // namespace
}  // namespace ledge::kernels::avx2

namespace ledge::kernels {
std::span<const KernelVariant> avx2_variants() { return avx2::kVariants; }
}  // namespace ledge::kernels
